using System.Text.Json;
using System.Text.Json.Nodes;
using TradeChain.Domain;
using TradeChain.ServiceDefaults;

namespace TradeChain.UnitTests;

/// <summary>The shared rules for what a request may hold (issue 14, item 6): text, JSON reading, charsets.</summary>
public class InputRulesTests
{
    [Fact]
    public void A_name_holds_no_control_characters_or_lone_surrogates_and_free_text_may_break_lines()
    {
        Assert.Null(TextRules.Problem("Hamburg Roasters GmbH 🚢", InputLimits.Name));
        Assert.Contains("control characters", TextRules.Problem("LRN-1\r\nX-Injected: 1", InputLimits.Reference));
        Assert.Contains("control characters", TextRules.Problem("a\u0000b", InputLimits.Text, multiline: true));
        Assert.Null(TextRules.Problem("line one\nline two\ttabbed", InputLimits.Text, multiline: true));
        Assert.Contains("lone UTF-16 surrogate", TextRules.Problem("INV-\uD800", InputLimits.Name));
        Assert.Contains("at most 140 characters", TextRules.Problem(new string('A', 100_000), InputLimits.Name));
    }

    [Fact]
    public void Json_read_by_the_services_refuses_a_repeated_key_and_a_lone_surrogate_wherever_they_are()
    {
        Assert.Contains("appears twice", Assert.Throws<JsonException>(() => StrictJson.ParseObject("""{"data":{"a":1,"a":2}}"""u8)).Message);
        Assert.Contains("not valid Unicode", Assert.Throws<JsonException>(() => StrictJson.ParseObject("""{"data":["ok","\ud800"]}"""u8)).Message);
        Assert.Throws<JsonException>(() => StrictJson.ParseObject("[1]"u8));
        Assert.Equal(2, StrictJson.ParseObject("""{"a":{"b":[1,"\ud83d\udea2"]},"c":null}"""u8).Count);

        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false, Converters = { new StrictJsonObjectConverter() } };
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Wrapper>("""{"content":{"a":1,"a":2}}""", options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Wrapper>("""{"content":{"a":"\udc00"}}""", options));
        Assert.Equal("x", JsonSerializer.Deserialize<Wrapper>("""{"content":{"a":"x"}}""", options)!.Content!["a"]!.GetValue<string>());
    }

    private sealed record Wrapper(JsonObject? Content);

    [Theory]
    [InlineData("application/json", null)]
    [InlineData("application/json; charset=utf-8", null)]
    [InlineData("application/json; charset=UTF8", null)]
    [InlineData("application/json; charset=nonsense", "charset must be utf-8")]
    [InlineData("application/json; charset=utf-16", "charset must be utf-8")]
    public void Only_utf_8_bodies_are_read(string contentType, string? problem)
    {
        var found = RequestReading.CharsetProblem(contentType);
        if (problem is null) Assert.Null(found);
        else Assert.Contains(problem, found);
    }
}
