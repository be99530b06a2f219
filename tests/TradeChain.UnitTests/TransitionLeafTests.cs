using TradeChain.Ledger;

namespace TradeChain.UnitTests;

public class TransitionLeafTests
{
    private static readonly TransitionLeaf Sample = new("customs", "declaration", "0b0e6c1e-0000-0000-0000-000000000001", 2,
        "Registered", "Assessed", "customs-system", "lane Green (G0)", "01", 1764000000000);

    [Fact]
    public void The_canonical_form_is_a_plain_JSON_array_any_verifier_can_rebuild()
    {
        Assert.Equal(
            """["tradechain.transition.v1","customs","declaration","0b0e6c1e-0000-0000-0000-000000000001",2,"Registered","Assessed","customs-system","lane Green (G0)","01",1764000000000]""",
            Sample.CanonicalJson());
    }

    [Fact]
    public void Non_ascii_text_is_written_as_is_like_JSON_stringify()
    {
        Assert.Contains("\"Hồ Chí Minh → Hamburg\"", (Sample with { Reason = "Hồ Chí Minh → Hamburg" }).CanonicalJson());
    }

    [Fact]
    public void Emoji_control_characters_and_line_separators_are_written_as_JSON_stringify_writes_them()
    {
        var json = (Sample with { Reason = "ok 😀\u001f\u2028\u007f\"q\"" }).CanonicalJson();
        Assert.Contains("\"ok 😀\\u001f\u2028\u007f\\\"q\\\"\"", json);
    }

    [Fact]
    public void Changing_any_field_changes_the_leaf()
    {
        var original = Sample.Hash();
        TransitionLeaf[] edits =
        [
            Sample with { Service = "payments" }, Sample with { AggregateId = "other" }, Sample with { Sequence = 3 },
            Sample with { FromState = "Paid" }, Sample with { ToState = "Released" }, Sample with { Actor = "someone" },
            Sample with { Reason = "lane Red" }, Sample with { ResponseCode = null }, Sample with { OccurredAtUnixMs = 1764000000001 },
        ];
        foreach (var edit in edits) Assert.NotEqual(original, edit.Hash());
    }
}
