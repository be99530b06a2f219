using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using TradeChain.Domain;

namespace TradeChain.ServiceDefaults;

/// <summary>
/// How every service reads a request body, so that no input can reach a handler it would break: bodies of at most
/// <see cref="InputLimits.BodyBytes"/>, JSON in UTF-8 only, no key twice in an object, no lone UTF-16 surrogate in a
/// string, nesting as deep as System.Text.Json's 64 levels. A body that breaks one of these is a 400 (or 413/415) problem
/// naming the field — the binding failure is thrown to <see cref="ProblemExceptionHandler"/>, never answered bare.
/// </summary>
public static class RequestReading
{
    public static WebApplicationBuilder AddRequestReading(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = InputLimits.BodyBytes);
        // Thrown (in every environment, not only Development) so the handler can say which field could not be read.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            // A duplicate key is ambiguous (which one counts?) and one client may read the first where another reads the last.
            o.SerializerOptions.AllowDuplicateProperties = false;
            o.SerializerOptions.Converters.Add(new StrictJsonObjectConverter());
        });
        return builder;
    }

    /// <summary>Refuses, before any endpoint reads it, a body whose declared charset is not UTF-8 (RFC 8259 §8.1: JSON exchanged is UTF-8).</summary>
    public static IApplicationBuilder UseRequestCharsetCheck(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (CharsetProblem(context.Request.ContentType) is { } rule)
        {
            await Problems.Unreadable(StatusCodes.Status415UnsupportedMediaType, "The request's character set is not supported.", "Content-Type", rule, "utf-8")
                .ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    /// <summary>What is wrong with the charset of <paramref name="contentType"/>, or null when it names none or UTF-8.</summary>
    public static string? CharsetProblem(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media) || !media.Charset.HasValue) return null;
        var charset = media.Charset.Value!.Trim('"');
        return charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"charset must be utf-8 (JSON is exchanged in UTF-8, RFC 8259), not \"{(charset.Length > 40 ? charset[..40] + "…" : charset)}\"";
    }

    /// <summary>The field a System.Text.Json path names ("$.items[0].hsCode" → "items[0].hsCode"; the whole body → "body").</summary>
    public static string FieldOf(string? jsonPath) => jsonPath is null or "$" ? "body" : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');
}

/// <summary>
/// Reads a free-form JSON object (a document's content, a wrapped document) whole and at once, refusing a key repeated in
/// any object and a string that is not valid Unicode — which System.Text.Json's JsonObject would otherwise accept and
/// fail on later, wherever the object is first read.
/// </summary>
public sealed class StrictJsonObjectConverter : JsonConverter<JsonObject>
{
    public override JsonObject? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("must be a JSON object");
        StrictJson.Check(document.RootElement, "");
        return JsonObject.Create(document.RootElement.Clone());
    }

    public override void Write(Utf8JsonWriter writer, JsonObject value, JsonSerializerOptions options) => value.WriteTo(writer, options);
}

/// <summary>The checks <see cref="StrictJsonObjectConverter"/> makes, also for bodies read by hand (the public verifier).</summary>
public static class StrictJson
{
    /// <summary>Parses <paramref name="utf8"/> as a JSON object with the same rules; a <see cref="JsonException"/> says what is wrong, and where.</summary>
    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("must be a JSON object");
        Check(document.RootElement, "");
        if (reader.Read()) throw new JsonException("has more after the JSON object");
        return JsonObject.Create(document.RootElement.Clone())!;
    }

    /// <summary>Throws a <see cref="JsonException"/> naming the first repeated key or invalid string under <paramref name="element"/>.</summary>
    public static void Check(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    var name = Read(() => property.Name, path);
                    var at = path.Length == 0 ? name : $"{path}.{name}";
                    if (!names.Add(name)) throw new JsonException($"{at}: the key \"{name}\" appears twice in one object");
                    Check(property.Value, at);
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray()) Check(item, $"{path}[{index++}]");
                break;
            case JsonValueKind.String:
                Read(element.GetString, path);
                break;
        }
    }

    private static string Read(Func<string?> read, string path)
    {
        try
        {
            var text = read() ?? "";
            // A lone surrogate written raw is replaced on decoding; written as \uD800 it throws (caught below) or survives here.
            if (!TextRules.IsValidUnicode(text)) throw new InvalidOperationException();
            return text;
        }
        catch (InvalidOperationException)
        {
            throw new JsonException($"{(path.Length == 0 ? "a key" : path)}: is not valid Unicode (a lone UTF-16 surrogate)");
        }
    }
}
