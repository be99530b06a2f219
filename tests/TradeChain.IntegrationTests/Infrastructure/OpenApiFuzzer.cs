using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TradeChain.IntegrationTests.Infrastructure;

/// <summary>One operation of a service's OpenAPI document: its method, path template, parameters and JSON body schema.</summary>
public sealed record FuzzOperation(string Service, Uri BaseAddress, HttpMethod Method, string Path, IReadOnlyList<FuzzParameter> Parameters, JsonNode? BodySchema)
{
    public override string ToString() => $"{Service} {Method} {Path}";
}

public sealed record FuzzParameter(string Name, string In, JsonNode? Schema);

/// <summary>A request the fuzzer sent and what came back, when that broke the contract (a 5xx, or a 4xx that is no problem document).</summary>
public sealed record FuzzFinding(FuzzOperation Operation, string Caller, string Case, string Uri, int Status, string ContentType, string Body)
{
    public override string ToString() =>
        $"{Operation} as {Caller}, case {Case}: {Status} {ContentType}\n    {(Uri.Length > 200 ? Uri[..200] + "…" : Uri)}\n    {(Body.Length > 300 ? Body[..300] + "…" : Body)}";
}

/// <summary>
/// Bad and boundary requests generated from the services' OpenAPI documents, deterministic for a seed: for every
/// operation, a body built from its schema (with realistic values where a field's name says what it holds) and then
/// broken — wrong types, missing and extra fields, huge strings, control characters, lone surrogates, repeated keys,
/// huge numbers, deep nesting, long lists, null elements, bad content types and charsets — and bad path and query
/// parameters. Every answer must be below 500, and every 4xx an RFC 9457 problem document (application/problem+json
/// with type, title and status).
/// </summary>
/// <param name="knownIds">Ids of records that exist, per service and path parameter ("documents:id"), so requests reach past the lookup.</param>
public sealed class OpenApiFuzzer(int seed, IReadOnlyDictionary<string, HttpClient> callers, IReadOnlyDictionary<string, IReadOnlyList<string>> knownIds)
{
    private readonly Random _random = new(seed);

    /// <summary>The body cases, each a way to break a request built from the schema.</summary>
    public static readonly IReadOnlyList<string> BodyCases =
    [
        "baseline", "empty-object", "null-body", "root-array", "truncated-json", "wrong-types", "missing-fields", "extra-field", "huge-strings",
        "control-chars", "lone-surrogate", "duplicate-key", "huge-numbers", "64-digit-numbers", "deep-nesting", "long-lists", "null-elements",
        "invalid-utf8", "charset-nonsense", "charset-utf16", "text-plain", "no-content-type",
    ];

    public static readonly IReadOnlyList<string> PathCases = ["known", "random-guid", "not-a-guid", "huge-number", "control-chars", "dot-dot", "long", "unicode"];

    /// <summary>The largest body the services read (InputLimits.BodyBytes), stated here as a client sees it.</summary>
    private const long LargestBodyRead = 2 * 1024 * 1024;

    public int Sent { get; private set; }

    /// <summary>How many answers had each status code.</summary>
    public SortedDictionary<int, int> Statuses { get; } = [];

    public List<FuzzFinding> Findings { get; } = [];

    /// <summary>Reads every operation of a service's OpenAPI document.</summary>
    public static async Task<IReadOnlyList<FuzzOperation>> OperationsAsync(string service, Uri baseAddress)
    {
        using var http = new HttpClient();
        var document = JsonNode.Parse(await http.GetStringAsync(new Uri(baseAddress, "openapi/v1.json")))!.AsObject();
        var components = document["components"]?["schemas"] as JsonObject ?? [];
        var operations = new List<FuzzOperation>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is "parameters" or "summary" or "description") continue;
                var parameters = (operation!["parameters"] as JsonArray ?? []).Concat(item["parameters"] as JsonArray ?? [])
                    .Select(p => new FuzzParameter(p!["name"]!.GetValue<string>(), p["in"]!.GetValue<string>(), Resolve(p["schema"], components)))
                    .ToList();
                var body = operation["requestBody"]?["content"]?["application/json"]?["schema"];
                operations.Add(new FuzzOperation(service, baseAddress, new HttpMethod(method.ToUpperInvariant()), path, parameters,
                    body is null ? null : Inline(body, components, 0)));
            }
        }
        return operations;
    }

    /// <summary>Sends <paramref name="cases"/> body cases (and path cases) for <paramref name="operation"/>, each by a caller in turn.</summary>
    public async Task FuzzAsync(FuzzOperation operation, int bodyCases, int pathCases, CancellationToken ct)
    {
        var names = callers.Keys.ToList();
        // Every caller once with a plausible request, so each role (and anonymous) reaches each operation; those let in
        // (neither 401 nor 403) send each bad case, so it reaches the checks behind authorization, and a caller picked
        // at random sends it too.
        var admitted = new List<string>();
        foreach (var caller in names)
        {
            if (await SendAsync(operation, caller, "baseline", "known", ct) is not (401 or 403)) admitted.Add(caller);
        }
        if (admitted.Count == 0) admitted = names;
        var cases = (operation.BodySchema is null ? [] : Pick(BodyCases.Skip(1).ToList(), bodyCases).Select(c => (Body: c, Path: "known")))
            .Concat(operation.Parameters.Any(p => p.In is "path" or "query") ? Pick(PathCases.Skip(1).ToList(), pathCases).Select(c => (Body: "baseline", Path: c)) : []);
        foreach (var (body, path) in cases)
        {
            await SendAsync(operation, admitted[_random.Next(admitted.Count)], body, path, ct);
            await SendAsync(operation, names[_random.Next(names.Count)], body, path, ct);
        }
    }

    private List<string> Pick(List<string> all, int count) => all.OrderBy(_ => _random.Next()).Take(count).ToList();

    private async Task<int> SendAsync(FuzzOperation operation, string caller, string bodyCase, string pathCase, CancellationToken ct)
    {
        var uri = BuildUri(operation, pathCase);
        using var content = operation.BodySchema is null ? null : Body(operation, bodyCase);
        if (content is not null) await content.LoadIntoBufferAsync(ct); // sent again as it is if the first connection fails
        Sent++;
        var label = pathCase == "known" ? bodyCase : $"path:{pathCase}";
        HttpResponseMessage response;
        for (var attempt = 1; ; attempt++)
        {
            // Not disposed: that would dispose the content, which a second attempt sends again (disposed with it above).
            var request = new HttpRequestMessage(operation.Method, uri) { Content = content };
            try
            {
                response = await callers[caller].SendAsync(request, ct);
                break;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // No answer within the client's timeout: unbounded work, as bad as a 500.
                Findings.Add(new FuzzFinding(operation, caller, label, uri.ToString(), 0, "", "no answer within the client's timeout"));
                return 0;
            }
            catch (HttpRequestException) when (content?.Headers.ContentLength > LargestBodyRead)
            {
                // A body over the services' bound: the server answers 413 and closes the connection while the client is still sending.
                Statuses[413] = Statuses.GetValueOrDefault(413) + 1;
                return 413;
            }
            catch (HttpRequestException) when (attempt == 1)
            {
                // A pooled connection the server had just closed (after answering a request early, before reading its body)
                // fails the next request on it: a client-side race, not the service's answer. Sent once more, on a new one.
            }
            catch (HttpRequestException e)
            {
                Findings.Add(new FuzzFinding(operation, caller, label, uri.ToString(), 0, "", $"the connection failed twice: {e.Message}"));
                return 0;
            }
        }
        using var _ = response;
        var text = await response.Content.ReadAsStringAsync(ct);
        var status = (int)response.StatusCode;
        var contentType = response.Content.Headers.ContentType?.MediaType ?? "";
        Statuses[status] = Statuses.GetValueOrDefault(status) + 1;
        if (status >= 500 || (status >= 400 && !IsProblem(status, contentType, text)))
            Findings.Add(new FuzzFinding(operation, caller, label, uri.ToString(), status, contentType, text));
        return status;
    }

    /// <summary>RFC 9457: application/problem+json, an object with a type, a title and the status it was sent with.</summary>
    public static bool IsProblem(int status, string contentType, string body)
    {
        if (contentType != "application/problem+json") return false;
        try
        {
            return JsonNode.Parse(body) is JsonObject problem
                && problem["type"] is JsonValue type && type.GetValueKind() == JsonValueKind.String
                && problem["title"] is JsonValue title && title.GetValueKind() == JsonValueKind.String
                && problem["status"] is JsonValue s && s.TryGetValue<int>(out var number) && number == status;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private Uri BuildUri(FuzzOperation operation, string pathCase)
    {
        var path = operation.Path;
        var query = new List<string>();
        var longGiven = false;
        foreach (var parameter in operation.Parameters)
        {
            // A long value in one parameter only: several would pass Kestrel's 8 KB request line, refused before any service code runs.
            var broken = pathCase == "long" && longGiven ? "short" : pathCase;
            longGiven |= pathCase == "long";
            var value = pathCase == "known" ? Plausible(operation.Service, parameter) : Broken(broken);
            if (parameter.In == "path") path = path.Replace("{" + parameter.Name + "}", value);
            else if (parameter.In == "query" && (pathCase != "known" || _random.Next(2) == 0)) query.Add($"{Uri.EscapeDataString(parameter.Name)}={value}");
        }
        var relative = path.TrimStart('/') + (query.Count > 0 ? "?" + string.Join("&", query) : "");
        return new Uri(operation.BaseAddress, relative);
    }

    /// <param name="service">Known ids are per service and parameter ("documents:id").</param>
    private string Plausible(string service, FuzzParameter parameter)
    {
        var schema = parameter.Schema;
        var format = schema?["format"]?.ToString();
        if (format == "uuid")
        {
            var ids = knownIds.GetValueOrDefault($"{service}:{parameter.Name}") ?? [];
            return ids.Count > 0 && _random.Next(4) > 0 ? ids[_random.Next(ids.Count)] : Guid.NewGuid().ToString();
        }
        if (format == "date") return "2026-12-01";
        if (Types(schema).Contains("integer")) return _random.Next(0, 3).ToString(CultureInfo.InvariantCulture);
        return parameter.Name switch
        {
            "currency" => "USD",
            "party" => "EXP-FUZZ",
            "type" => "commercial-invoice",
            "name" => "export-rubber",
            "lane" => "Red",
            _ => "FUZZ",
        };
    }

    private static string Broken(string pathCase) => pathCase switch
    {
        "random-guid" => Guid.NewGuid().ToString(),
        "not-a-guid" => "not-a-guid",
        "huge-number" => "99999999999999999999999999999999999999999999999999999999999999",
        "control-chars" => "a%0D%0Ab%1B%7F",
        "dot-dot" => "..%2F..%2Fetc%2Fpasswd",
        "long" => new string('A', 2000),
        "unicode" => Uri.EscapeDataString("ĐÀ NẴNG 🚢"),
        _ => "x",
    };

    private HttpContent Body(FuzzOperation operation, string bodyCase)
    {
        var sample = Sample(operation.BodySchema, "", 0);
        string text;
        switch (bodyCase)
        {
            case "empty-object": text = "{}"; break;
            case "null-body": text = "null"; break;
            case "root-array": text = "[" + (sample?.ToJsonString() ?? "1") + "]"; break;
            case "truncated-json": text = (sample?.ToJsonString() ?? "{}") is var whole && whole.Length > 2 ? whole[..(whole.Length / 2)] : "{\"a\":"; break;
            case "wrong-types": text = Map(sample, WrongType)?.ToJsonString() ?? "true"; break;
            case "missing-fields": text = Thin(sample)?.ToJsonString() ?? "{}"; break;
            case "extra-field":
                if (sample is JsonObject extra) { extra["fuzzExtra"] = new JsonObject { ["nested"] = new JsonArray(1, "two") }; }
                text = sample?.ToJsonString() ?? "{}";
                break;
            case "huge-strings": text = MapStrings(sample, _ => new string('A', 100_000))?.ToJsonString() ?? "{}"; break;
            case "control-chars": text = MapStrings(sample, s => s + "\u0000\r\nInjected: yes\u001b[31m\u0007")?.ToJsonString() ?? "{}"; break;
            case "lone-surrogate": text = (MapStrings(sample, s => s + "\u0001SURROGATE\u0001")?.ToJsonString() ?? "{}").Replace("\\u0001SURROGATE\\u0001", "\\ud800"); break;
            case "duplicate-key": text = DuplicateKeys(sample); break;
            case "huge-numbers": text = ReplaceNumbers(sample, "1e400"); break;
            case "64-digit-numbers":
                text = ReplaceNumbers(MapStrings(sample, s => s.Length > 0 && _random.Next(2) == 0 ? "\u0001NUMBER\u0001" : s), "1234567890123456789012345678901234567890123456789012345678901234")
                    .Replace("\"\\u0001NUMBER\\u0001\"", "1234567890123456789012345678901234567890123456789012345678901234");
                break;
            case "deep-nesting": text = Nest(sample); break;
            case "long-lists": text = Map(sample, n => n is JsonArray a ? new JsonArray(Enumerable.Range(0, 5000).Select(_ => a.Count > 0 ? a[0]!.DeepClone() : JsonValue.Create(1)).ToArray()) : null)?.ToJsonString() ?? "[]"; break;
            case "null-elements": text = Map(sample, n => n is JsonArray a ? new JsonArray([.. a.Select(e => e?.DeepClone()), null]) : null)?.ToJsonString() ?? "[null]"; break;
            default: text = sample?.ToJsonString() ?? "{}"; break;
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bodyCase == "invalid-utf8")
        {
            var raw = sample?.ToJsonString() ?? "{}";
            var at = raw.IndexOf("\":\"", StringComparison.Ordinal);
            bytes = at < 0 ? [0xFF, 0xFE, 0x7B, 0x7D] : [.. Encoding.UTF8.GetBytes(raw[..(at + 3)]), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes(raw[(at + 3)..])];
        }
        var content = new ByteArrayContent(bytes);
        var type = bodyCase switch
        {
            "charset-nonsense" => "application/json; charset=nonsense",
            "charset-utf16" => "application/json; charset=utf-16",
            "text-plain" => "text/plain",
            "no-content-type" => null,
            _ => "application/json; charset=utf-8",
        };
        if (type is not null) content.Headers.TryAddWithoutValidation("Content-Type", type);
        return content;
    }

    /// <summary>A request body as a client would fill it in: realistic values where the field's name says what it holds.</summary>
    private JsonNode? Sample(JsonNode? schema, string name, int depth)
    {
        if (Seeds.TryGetValue(name, out var seeds)) return JsonNode.Parse(seeds[_random.Next(seeds.Length)]);
        if (schema is null || depth > 6) return JsonValue.Create("FUZZ");
        if (schema["enum"] is JsonArray values && values.Count > 0) return values[_random.Next(values.Count)]?.DeepClone();
        var types = Types(schema);
        if (schema["properties"] is JsonObject properties)
        {
            var o = new JsonObject();
            foreach (var (property, propertySchema) in properties) o[property] = Sample(propertySchema, property, depth + 1);
            return o;
        }
        if (types.Contains("array")) return new JsonArray(Sample(schema["items"], Singular(name), depth + 1));
        if (types.Contains("object")) return JsonNode.Parse(WrappedDocument);
        if (types.Contains("integer")) return JsonValue.Create(_random.Next(0, 4));
        if (types.Contains("number")) return JsonValue.Create(100.5m);
        if (types.Contains("boolean")) return JsonValue.Create(_random.Next(2) == 0);
        if (types.Contains("string"))
        {
            return schema["format"]?.ToString() switch
            {
                "uuid" => JsonValue.Create(knownIds.Values.SelectMany(v => v).FirstOrDefault() ?? Guid.NewGuid().ToString()),
                "date" => JsonValue.Create("2026-12-01"),
                "date-time" => JsonValue.Create("2026-12-01T10:00:00Z"),
                _ => JsonValue.Create("FUZZ-" + _random.Next(1000)),
            };
        }
        // No type: a free-form JSON value (a document's content, a wrapped document).
        return JsonNode.Parse(WrappedDocument);
    }

    private static string Singular(string name) => name.EndsWith("ies", StringComparison.Ordinal) ? name[..^3] + "y" : name.TrimEnd('s');

    private const string Hash = "\"0x5f16f4c7f149ac4f9510d9cf8cf384038ad348b3bcdc01915f95de12df9d1b02\"";

    private const string WrappedDocument = """
        {"version":"https://schema.openattestation.com/2.0/schema.json",
         "data":{"issuers":[{"name":"6c1e2b9a-3f0e-4c39-9d8b-4a6f2c1d0e9f:string:Fuzz","documentStore":"6c1e2b9a-3f0e-4c39-9d8b-4a6f2c1d0e9f:string:0x5FbDB2315678afecb367f032d93F642f64180aa3"}],
                 "invoiceNumber":"6c1e2b9a-3f0e-4c39-9d8b-4a6f2c1d0e9f:string:INV-1","items":[{"x":"6c1e2b9a-3f0e-4c39-9d8b-4a6f2c1d0e9f:number:1"}]},
         "signature":{"type":"SHA3MerkleProof","targetHash":"5f16f4c7f149ac4f9510d9cf8cf384038ad348b3bcdc01915f95de12df9d1b02",
                      "proof":["6f16f4c7f149ac4f9510d9cf8cf384038ad348b3bcdc01915f95de12df9d1b02"],
                      "merkleRoot":"7f16f4c7f149ac4f9510d9cf8cf384038ad348b3bcdc01915f95de12df9d1b02"}}
        """;

    /// <summary>Values by field name, so a generated request passes the first checks and reaches the deeper ones.</summary>
    private static readonly Dictionary<string, string[]> Seeds = new(StringComparer.Ordinal)
    {
        ["type"] = ["\"commercial-invoice\"", "\"export\"", "\"bill-of-lading\""],
        ["currency"] = ["\"USD\"", "\"VND\""],
        ["country"] = ["\"VN\""], ["originCountry"] = ["\"VN\""], ["expiryPlaceCountry"] = ["\"VN\""],
        ["hsCode"] = ["\"400122\""], ["incoterm"] = ["\"FOB\""], ["unit"] = ["\"KGM\""],
        ["officeOfDeclaration"] = ["\"VNSGN\""], ["placeOfLoading"] = ["\"VNSGN\""], ["placeOfDischarge"] = ["\"DEHAM\""],
        ["portOfLoading"] = ["\"VNSGN\""], ["portOfDischarge"] = ["\"DEHAM\""],
        ["bank"] = ["\"BNK-VCB\"", "\"BNK-NOBODY\""], ["issuingBank"] = ["\"BNK-HSBC\""], ["advisingBank"] = ["\"BNK-VCB\""],
        ["beneficiary"] = ["\"EXP-FUZZ\""], ["holder"] = ["\"EXP-FUZZ\""], ["party"] = ["\"EXP-FUZZ\""], ["to"] = ["\"EXP-FUZZ\""],
        ["role"] = ["\"exporter\"", "\"bank\""],
        ["hash"] = [Hash], ["documentHashes"] = ["[" + Hash + "]"],
        ["matchFields"] = ["[\"amount\",\"currency\"]"],
        ["hide"] = ["[\"buyer\",\"buyer.name\"]", "[\"invoiceNumber\"]"],
        ["documentTypes"] = ["[\"commercial-invoice\"]"],
        ["lane"] = ["\"Red\""], ["scope"] = ["\"document\"", "\"batch\""],
        ["amount"] = ["1500.25"], ["tolerancePercent"] = ["5"], ["presentationPeriodDays"] = ["21"], ["originals"] = ["1"],
        ["itemNumber"] = ["1"], ["transportMode"] = ["1"], ["valuationMethod"] = ["1"],
        ["quantity"] = ["10"], ["grossMassKg"] = ["100"], ["netMassKg"] = ["90"], ["customsValue"] = ["1000"],
        ["containers"] = ["[\"CSQU3054383\"]"],
        ["content"] = ["""
            {"invoiceNumber":"INV-FUZZ","seller":{"name":"ACME Coffee JSC","country":"VN"},"buyer":{"name":"Hamburg Roasters GmbH","country":"DE"},
             "totalAmount":"5000.00","currency":"USD","incoterm":"FOB"}
            """],
    };

    private static IReadOnlyList<string> Types(JsonNode? schema) => schema?["type"] switch
    {
        JsonArray a => a.Select(t => t!.ToString()).ToList(),
        JsonValue v => [v.ToString()],
        _ => [],
    };

    /// <summary>The node with <paramref name="replace"/> applied to every node it answers for (null: keep and descend).</summary>
    private static JsonNode? Map(JsonNode? node, Func<JsonNode?, JsonNode?> replace)
    {
        if (replace(node) is { } replaced) return replaced;
        return node switch
        {
            JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Map(p.Value, replace)))),
            JsonArray a => new JsonArray(a.Select(e => Map(e, replace)).ToArray()),
            _ => node?.DeepClone(),
        };
    }

    private static JsonNode? MapStrings(JsonNode? node, Func<string, string> replace) =>
        Map(node, n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? JsonValue.Create(replace(v.GetValue<string>())) : null);

    private JsonNode? WrongType(JsonNode? node)
    {
        if (node is JsonObject or JsonArray && _random.Next(3) > 0) return null; // mostly descend, sometimes replace a whole branch
        JsonNode?[] wrong = [JsonValue.Create(12345), JsonValue.Create("text"), new JsonArray(), new JsonObject(), JsonValue.Create(true), null];
        return node switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => wrong[0],
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => wrong[1],
            JsonArray => wrong[3],
            JsonObject => wrong[2],
            _ => wrong[_random.Next(wrong.Length - 1)],
        };
    }

    private JsonNode? Thin(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(_ => _random.Next(2) == 0).Select(p => KeyValuePair.Create(p.Key, Thin(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Thin).ToArray()),
        _ => node?.DeepClone(),
    };

    /// <summary>Every object of the body with its first key written twice (the second time with another value).</summary>
    private static string DuplicateKeys(JsonNode? node) => node switch
    {
        JsonObject o when o.Count > 0 => "{" + JsonSerializer.Serialize(o.First().Key) + ":\"duplicate\"," +
            string.Join(",", o.Select(p => JsonSerializer.Serialize(p.Key) + ":" + DuplicateKeys(p.Value))) + "}",
        JsonObject => "{\"a\":1,\"a\":2}",
        JsonArray a => "[" + string.Join(",", a.Select(DuplicateKeys)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };

    private static string ReplaceNumbers(JsonNode? node, string number) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.Select(p => JsonSerializer.Serialize(p.Key) + ":" + ReplaceNumbers(p.Value, number))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(e => ReplaceNumbers(e, number))) + "]",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => number,
        null => "null",
        _ => node.ToJsonString(),
    };

    /// <summary>The body with its first field's value nested inside 200 arrays (System.Text.Json reads at most 64 levels).</summary>
    private static string Nest(JsonNode? node)
    {
        var deep = new string('[', 200) + "1" + new string(']', 200);
        return node is JsonObject o && o.Count > 0
            ? "{" + JsonSerializer.Serialize(o.First().Key) + ":" + deep + string.Concat(o.Skip(1).Select(p => "," + JsonSerializer.Serialize(p.Key) + ":" + (p.Value?.ToJsonString() ?? "null"))) + "}"
            : deep;
    }

    /// <summary>Follows a $ref into the document's components.</summary>
    private static JsonNode? Resolve(JsonNode? schema, JsonObject components)
    {
        for (var i = 0; i < 8 && schema?["$ref"] is JsonValue reference; i++)
            schema = components[reference.ToString().Split('/')[^1]];
        return schema;
    }

    /// <summary>The schema with every $ref resolved (to a bounded depth), anyOf/oneOf reduced to their first non-null member.</summary>
    private static JsonNode? Inline(JsonNode? schema, JsonObject components, int depth)
    {
        schema = Resolve(schema, components);
        if (schema is not JsonObject o || depth > 8) return schema?.DeepClone();
        var alternatives = (o["anyOf"] ?? o["oneOf"]) as JsonArray;
        if (alternatives is not null)
            return Inline(alternatives.FirstOrDefault(a => Types(Resolve(a, components)).FirstOrDefault() != "null") ?? alternatives.FirstOrDefault(), components, depth + 1);
        var copy = new JsonObject();
        foreach (var (key, value) in o)
        {
            copy[key] = key switch
            {
                "properties" => new JsonObject(value!.AsObject().Select(p => KeyValuePair.Create(p.Key, Inline(p.Value, components, depth + 1)))),
                "items" => Inline(value, components, depth + 1),
                _ => value?.DeepClone(),
            };
        }
        return copy;
    }
}
