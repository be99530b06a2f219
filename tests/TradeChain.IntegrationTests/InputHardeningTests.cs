using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using TradeChain.IntegrationTests.Infrastructure;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using Xunit.Abstractions;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>One running system for the bad-input tests, with an issued document and a lodged declaration to aim at.</summary>
public sealed class InputHardeningFixture : IAsyncLifetime
{
    public TradeChainSystem System { get; private set; } = null!;

    public const string Exporter = "EXP-FUZZ";

    /// <summary>An issued commercial invoice of <see cref="Exporter"/>, with its wrapped copy.</summary>
    public string DocumentId { get; private set; } = "";

    /// <summary>Another, for the fuzz run to aim at (which may revoke it).</summary>
    public string FuzzDocumentId { get; private set; } = "";

    public JsonObject Wrapped { get; private set; } = null!;

    public string DeclarationId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        System = await TradeChainSystem.StartAsync((name, process) =>
        {
            if (name != "documents") return;
            // Few verifications per caller, so the limit is reached quickly in its test; the tests' public visitors are
            // told apart by the address the (trusted) loopback forwards for, so the fuzz run's use of the public allowance is its own.
            process.SetSetting("PublicVerification:PartyPermitLimit", "40");
            process.SetSetting("PublicVerification:TrustedProxies:0", "127.0.0.1");
        });
        using var exporter = Client(Roles.Exporter, Exporter);
        var submitted = await Task.WhenAll(new[] { "INV-FUZZ-1", "INV-FUZZ-2" }.Select(number => Post(exporter, new Uri(System.Documents.BaseAddress, "documents"), new
        {
            type = "commercial-invoice",
            content = new
            {
                invoiceNumber = number, seller = new { name = "ACME Coffee JSC", country = "VN" }, buyer = new { name = "Hamburg Roasters GmbH", country = "DE" },
                totalAmount = "5000.00", currency = "USD", incoterm = "FOB",
                lineItems = new[] { new { description = "Robusta grade 1", quantity = 10, unit = "KGM", unitPrice = "500", amount = "5000.00" } },
            },
        })));
        DocumentId = submitted[0]["id"]!.GetValue<string>();
        FuzzDocumentId = submitted[1]["id"]!.GetValue<string>();
        var issued = await PollStatus(exporter, new Uri(System.Documents.BaseAddress, $"documents/{DocumentId}"), "Issued");
        await PollStatus(exporter, new Uri(System.Documents.BaseAddress, $"documents/{FuzzDocumentId}"), "Issued");
        Wrapped = issued["wrapped"]!.AsObject();
        using var sample = await exporter.GetAsync(new Uri(System.Customs.BaseAddress, "reference-data/samples/export-rubber"));
        var declaration = JsonNode.Parse(await sample.Content.ReadAsStringAsync())!.AsObject();
        declaration["localReferenceNumber"] = "LRN-FUZZ-1";
        DeclarationId = (await Post(exporter, new Uri(System.Customs.BaseAddress, "declarations"), declaration))["id"]!.GetValue<string>();
    }

    public async Task DisposeAsync() => await System.DisposeAsync();
}

/// <summary>
/// No input gets a 500, and every refusal is an RFC 9457 problem naming the field and the rule (issue 14, items 6 and 7):
/// an OpenAPI-driven fuzz run over every operation of every service, and one test per defect it was built to catch.
/// </summary>
public sealed class InputHardeningTests(InputHardeningFixture fixture, ITestOutputHelper output) : IClassFixture<InputHardeningFixture>
{
    private TradeChainSystem System => fixture.System;

    [Fact]
    public async Task Every_operation_of_every_service_answers_bad_and_boundary_input_below_500_with_problem_documents()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("TRADECHAIN_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var chosen) ? chosen : 20261202;
        output.WriteLine($"fuzz seed {seed} (set TRADECHAIN_FUZZ_SEED to repeat another run)");
        var callers = new Dictionary<string, HttpClient>
        {
            ["anonymous"] = new HttpClient { Timeout = TimeSpan.FromSeconds(30) },
            ["exporter"] = Client(Roles.Exporter, InputHardeningFixture.Exporter, "fuzz-exporter"),
            ["customs-officer"] = Client(Roles.CustomsOfficer, "CUS-VNSGN", "fuzz-officer"),
            ["bank"] = Client(Roles.Bank, "BNK-VCB", "fuzz-bank"),
            ["operator"] = Client(Roles.Operator, "OPS-TRADECHAIN", "fuzz-operator"),
        };
        var knownIds = new Dictionary<string, IReadOnlyList<string>>
        {
            ["documents:id"] = [fixture.FuzzDocumentId],
            ["customs:id"] = [fixture.DeclarationId],
        };
        var operations = new List<FuzzOperation>();
        foreach (var (service, process) in new[] { ("customs", System.Customs), ("documents", System.Documents), ("payments", System.Payments) })
            operations.AddRange(await OpenApiFuzzer.OperationsAsync(service, process.BaseAddress));
        Assert.True(operations.Count > 50, $"only {operations.Count} operations were read from the OpenAPI documents");
        // The bounds are in the documents a client reads: maxLength and maxItems.
        var lodge = operations.Single(o => o.Service == "customs" && o.Method == HttpMethod.Post && o.Path == "/declarations").BodySchema!;
        Assert.Equal(140, lodge["properties"]!["exporter"]!["properties"]!["name"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(999, lodge["properties"]!["consignment"]!["properties"]!["containers"]!["maxItems"]!.GetValue<int>());

        var fuzzer = new OpenApiFuzzer(seed, callers, knownIds);
        try
        {
            foreach (var operation in operations)
            {
                // Operations with a body get every body case; every operation with parameters every bad parameter.
                await fuzzer.FuzzAsync(operation, bodyCases: OpenApiFuzzer.BodyCases.Count, pathCases: OpenApiFuzzer.PathCases.Count, CancellationToken.None);
            }
        }
        finally
        {
            foreach (var client in callers.Values) client.Dispose();
        }
        output.WriteLine($"{fuzzer.Sent} requests to {operations.Count} operations; {fuzzer.Findings.Count} broke the contract");
        output.WriteLine("answers by status: " + string.Join(", ", fuzzer.Statuses.Select(s => $"{s.Key}×{s.Value}")));
        Assert.True(fuzzer.Findings.Count == 0,
            $"seed {seed}: {fuzzer.Findings.Count} of {fuzzer.Sent} answers were a 5xx or a 4xx without a problem document:\n" +
            string.Join("\n", fuzzer.Findings.Take(40)) + $"\n{System.Diagnostics}");
    }

    [Theory]
    [InlineData("customs", "declarations")]
    [InlineData("documents", "documents")]
    [InlineData("payments", "credits")]
    [InlineData("payments", "accounts/mandates")]
    public async Task A_body_in_an_unknown_charset_is_a_415_naming_the_header(string service, string path)
    {
        using var exporter = Client(Roles.Exporter, "EXP-CHARSET");
        var (status, problem) = await SendRaw(exporter, HttpMethod.Post, Service(service, path), "{}", "application/json; charset=nonsense");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("utf-8", Errors(problem, "Content-Type"));
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_documents_content_is_a_400_naming_the_field()
    {
        using var exporter = Client(Roles.Exporter, "EXP-SURROGATE");
        var body = """{"type":"commercial-invoice","content":{"invoiceNumber":"INV-\ud800","seller":{"name":"A","country":"VN"}}}""";
        var (status, problem) = await SendRaw(exporter, HttpMethod.Post, Service("documents", "documents"), body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("not valid Unicode", Errors(problem, "content"));
    }

    [Fact]
    public async Task A_repeated_key_in_a_document_to_verify_is_a_400_naming_the_key()
    {
        using var bank = Client(Roles.Bank, "BNK-DUPLICATE");
        var text = fixture.Wrapped.ToJsonString();
        var duplicated = "{\"data\":{\"a\":1}," + text[1..];
        var (status, problem) = await SendRaw(bank, HttpMethod.Post, Service("documents", "documents/verify"), duplicated);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("appears twice", Detail(problem));

        using var visitor = new HttpClient();
        visitor.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.14");
        var (publicStatus, publicProblem) = await SendRaw(visitor, HttpMethod.Post, Service("documents", "public/verify"), duplicated);
        Assert.Equal(HttpStatusCode.BadRequest, publicStatus);
        Assert.Contains("appears twice", Errors(publicProblem, "body"));
    }

    [Fact]
    public async Task A_64_digit_number_as_target_hash_is_no_hash_and_a_long_proof_is_not_walked()
    {
        using var bank = Client(Roles.Bank, "BNK-NUMBERS");
        var text = fixture.Wrapped.ToJsonString();
        var targetHash = fixture.Wrapped["signature"]!["targetHash"]!.GetValue<string>();
        var numeric = text.Replace($"\"targetHash\":\"{targetHash}\"", "\"targetHash\":1234567890123456789012345678901234567890123456789012345678901234");
        Assert.NotEqual(text, numeric);
        var (status, report) = await SendRaw(bank, HttpMethod.Post, Service("documents", "documents/verify"), numeric);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("signature.targetHash must be a string", report!["summary"]!.GetValue<string>());

        var longProof = (JsonObject)fixture.Wrapped.DeepClone();
        longProof["signature"]!["proof"] = new JsonArray(Enumerable.Range(0, 40).Select(_ => (JsonNode)targetHash).ToArray());
        var (proofStatus, proofReport) = await SendRaw(bank, HttpMethod.Post, Service("documents", "documents/verify"), longProof.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, proofStatus);
        Assert.Contains("at most 32 hashes", proofReport!["summary"]!.GetValue<string>());

        // Four issuers (each would be looked up on chain): refused as a document, at most three are checked.
        var manyIssuers = (JsonObject)fixture.Wrapped.DeepClone();
        var issuer = manyIssuers["data"]!["issuers"]!.AsArray()[0]!;
        manyIssuers["data"]!["issuers"] = new JsonArray(Enumerable.Range(0, 4).Select(_ => issuer.DeepClone()).ToArray());
        var (issuersStatus, issuersReport) = await SendRaw(bank, HttpMethod.Post, Service("documents", "documents/verify"), manyIssuers.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, issuersStatus);
        Assert.Contains("names 4 issuers; at most 3 are checked", issuersReport!.ToJsonString());
        Assert.False(issuersReport["valid"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Overlapping_fields_to_hide_are_a_400_naming_the_second()
    {
        using var exporter = Client(Roles.Exporter, InputHardeningFixture.Exporter);
        var (status, problem) = await Send(exporter, HttpMethod.Post, Service("documents", $"documents/{fixture.DocumentId}/disclosures"),
            new { hide = new[] { "lineItems", "lineItems.0.description" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("overlaps hide[0]", Errors(problem, "hide[1]"));
    }

    [Fact]
    public async Task A_null_field_to_match_in_a_credit_is_a_400_naming_it()
    {
        using var importer = Client(Roles.Exporter, "IMP-MATCH");
        var (status, problem) = await Send(importer, HttpMethod.Post, Service("payments", "credits"), new
        {
            beneficiary = "EXP-MATCH", issuingBank = "BNK-HSBC",
            terms = new
            {
                currency = "USD", amount = 1000m, expiryDate = DateTime.UtcNow.AddDays(60).ToString("yyyy-MM-dd"), expiryPlaceCountry = "VN",
                latestShipmentDate = DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd"), applicantName = "Hamburg Roasters", beneficiaryName = "ACME",
                portOfLoading = "VNSGN", portOfDischarge = "DEHAM", goodsDescription = "coffee",
                requiredDocuments = new[] { new { type = "commercial-invoice", matchFields = new[] { "amount", null } } },
            },
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("must be one of", Errors(problem, "terms.requiredDocuments[0].matchFields[1]"));
    }

    [Fact]
    public async Task Names_references_and_lists_are_bounded_and_hold_no_control_characters()
    {
        using var exporter = Client(Roles.Exporter, "EXP-BOUNDS");
        using var sample = await exporter.GetAsync(Service("customs", "reference-data/samples/export-rubber"));
        var declaration = JsonNode.Parse(await sample.Content.ReadAsStringAsync())!.AsObject();
        declaration["localReferenceNumber"] = "LRN-1\r\nX-Injected: 1";
        declaration["exporter"]!["name"] = new string('A', 100_000);
        declaration["importer"]!["name"] = "Hamburg\u0007Roasters";
        declaration["consignment"]!["containers"] = new JsonArray(Enumerable.Range(0, 5000).Select(_ => (JsonNode)"CSQU3054383").ToArray());
        var (status, problem) = await Send(exporter, HttpMethod.Post, Service("customs", "declarations"), declaration);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("control characters", Errors(problem, "localReferenceNumber"));
        Assert.Contains("at most 140 characters", Errors(problem, "exporter.name"));
        Assert.Contains("control characters", Errors(problem, "importer.name"));
        Assert.Contains("at most 999 containers", Errors(problem, "consignment.containers"));

        using var bank = Client(Roles.Bank, "BNK-VCB");
        var (bookingStatus, booking) = await Send(bank, HttpMethod.Post, Service("payments", "accounts/EXP-BOUNDS/USD/deposits"),
            new { amount = 10m, reference = "REF-1\nREF-2" });
        Assert.Equal(HttpStatusCode.BadRequest, bookingStatus);
        Assert.Contains("control characters", Errors(booking, "reference"));
    }

    [Fact]
    public async Task A_mandate_must_name_a_bank_of_the_network()
    {
        using var exporter = Client(Roles.Exporter, "EXP-MANDATE");
        var (status, problem) = await Send(exporter, HttpMethod.Post, Service("payments", "accounts/mandates"), new { bank = "EXP-NOT-A-BANK", currency = "USD" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("must name a bank", Errors(problem, "bank"));
        var (granted, _) = await Send(exporter, HttpMethod.Post, Service("payments", "accounts/mandates"), new { bank = "BNK-VCB", currency = "USD" });
        Assert.Equal(HttpStatusCode.OK, granted);
    }

    [Fact]
    public async Task Verification_is_rate_limited_per_caller_with_a_problem_and_retry_after()
    {
        using var bank = Client(Roles.Bank, "BNK-RATE", "rate-tester");
        using var other = Client(Roles.Bank, "BNK-RATE-OTHER", "rate-tester");
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 60 && refused is null; i++)
        {
            var response = await bank.PostAsync(Service("documents", "documents/verify"), new StringContent("{}", Encoding.UTF8, "application/json"));
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else response.Dispose();
        }
        Assert.NotNull(refused);
        using (refused)
        {
            Assert.Equal("application/problem+json", refused!.Content.Headers.ContentType?.MediaType);
            Assert.True(refused.Headers.RetryAfter is not null, "429 without Retry-After");
            Assert.Equal(429, JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["status"]!.GetValue<int>());
        }
        // Another caller has its own allowance.
        using var answer = await other.PostAsync(Service("documents", "documents/verify"), new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    private Uri Service(string service, string path) => new((service switch
    {
        "customs" => System.Customs,
        "documents" => System.Documents,
        _ => System.Payments,
    }).BaseAddress, path);

    private static async Task<(HttpStatusCode Status, JsonNode? Body)> SendRaw(HttpClient client, HttpMethod method, Uri uri, string body,
        string contentType = "application/json; charset=utf-8")
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode >= 400)
            Assert.True(OpenApiFuzzer.IsProblem((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", text), $"not a problem document: {text}");
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>The rules a problem lists for <paramref name="field"/>, joined; fails when it names no such field.</summary>
    private static string Errors(JsonNode? problem, string field)
    {
        var rules = problem?["errors"]?[field] as JsonArray;
        Assert.True(rules is not null, $"the problem names no field {field}: {problem?.ToJsonString()}");
        return string.Join("; ", rules!.Select(r => r!.GetValue<string>()));
    }

    private static string Detail(JsonNode? problem) => problem?["detail"]?.GetValue<string>() ?? problem?.ToJsonString() ?? "";
}
