using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TradeChain.Cli;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests.Infrastructure;

/// <summary>Small HTTP helpers for driving the services as their users would.</summary>
public static class Api
{
    public static readonly AuthOptions Auth = new() { SigningKey = DevelopmentTokens.DevelopmentSigningKey };

    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(90);

    public static HttpClient Client(string role, string party, string subject = "tester") => TradeChainHttp.Client(Auth, role, party, subject);

    public static Task<JsonObject> Post(HttpClient client, Uri uri, object body) => TradeChainHttp.PostAsync(client, uri, body);

    public static Task<JsonObject> Put(HttpClient client, Uri uri, object body) => TradeChainHttp.PutAsync(client, uri, body);

    public static Task<JsonObject> Get(HttpClient client, Uri uri) => TradeChainHttp.GetAsync(client, uri);

    public static Task<JsonObject> Poll(HttpClient client, Uri uri, Func<JsonObject, bool> done) => TradeChainHttp.PollAsync(client, uri, done, PollTimeout);

    public static Task<JsonObject> PollStatus(HttpClient client, Uri uri, string status) =>
        Poll(client, uri, d => d["status"]?.GetValue<string>() == status);

    /// <summary>Runs the golden path through <paramref name="system"/>; a failed step fails the test with the log and the services' output.</summary>
    public static async Task<GoldenPathResult> RunGoldenPath(TradeChainSystem system, TextWriter log)
    {
        try
        {
            return await new GoldenPath(system.Documents.BaseAddress, system.Customs.BaseAddress, system.Payments.BaseAddress, Auth, log)
                .RunAsync(CancellationToken.None);
        }
        catch (ApiCallException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{log}\n{system.Diagnostics}");
        }
    }

    /// <summary>
    /// The payer mandates the bank, which funds the payer's settlement account and settles the duty payment (see
    /// <see cref="GoldenPath.FundAndSettleAsync"/>).
    /// </summary>
    public static async Task<JsonObject> SettleDuty(HttpClient bank, Uri payments, string reference, string payerParty)
    {
        using var treasury = Client(Roles.Bank, GoldenPath.TreasuryBankParty);
        using var payer = Client(Roles.Exporter, payerParty);
        return await GoldenPath.FundAndSettleAsync(payer, bank, GoldenPath.BankParty, treasury, payments, reference, PollTimeout);
    }

    /// <summary>Sends a request and returns its status and body whatever the status (for checking refusals).</summary>
    public static async Task<(HttpStatusCode Status, JsonNode? Body)> Send(HttpClient client, HttpMethod method, Uri uri, object? body = null)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>GET of a list or a record that answers with an ETag, with If-None-Match <paramref name="etag"/> (none when null): the body (null when 304 Not Modified, which has none) and the answer's ETag.</summary>
    public static async Task<(JsonObject? Body, string ETag)> ConditionalGet(HttpClient client, Uri uri, string? etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (etag is not null) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using var response = await client.SendAsync(request);
        var tag = response.Headers.ETag?.ToString() ?? throw new Xunit.Sdk.XunitException($"{uri} answered {(int)response.StatusCode} without an ETag");
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
            return (null, tag);
        }
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return ((await response.Content.ReadFromJsonAsync<JsonObject>())!, tag);
    }

    /// <summary>The status and ETag ("" when none: a refusal carries none) of a GET with If-None-Match <paramref name="etag"/>, its body left unread.</summary>
    public static async Task<(HttpStatusCode Status, string ETag)> ConditionalStatus(HttpClient client, Uri uri, string etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, response.Headers.ETag?.ToString() ?? "");
    }

    public static Task<long> Count(string database, string sql) => TradeChainSystem.CountAsync(database, sql);

    /// <summary>Submits a document to the documents service and follows it (long-poll) until it is issued on chain; returns its hash.</summary>
    public static async Task<string> IssueDocument(HttpClient exporter, Uri documents, string type, object content)
    {
        var submitted = await Post(exporter, new Uri(documents, "documents"), new { type, content });
        var issued = await TradeChainHttp.FollowAsync(exporter, new Uri(documents, $"documents/{submitted["id"]}"),
            d => d["status"]?.GetValue<string>() == "Issued", PollTimeout, what: "document issued");
        return issued["hash"]!.GetValue<string>();
    }

    public static object CertificateOfOrigin(string number) => new
    {
        certificateNumber = number, exporter = new { name = "ACME Coffee JSC", country = "VN" }, consignee = new { name = "Hamburg Roasters GmbH", country = "DE" },
        originCountry = "VN", goodsDescription = "Green coffee beans, Robusta grade 1", hsCode = "090111",
    };

    public static object Invoice(string number, string amount = "5000.00") => new
    {
        invoiceNumber = number, seller = new { name = "ACME Coffee JSC", country = "VN" }, buyer = new { name = "Hamburg Roasters GmbH", country = "DE" },
        totalAmount = amount, currency = "USD", incoterm = "FOB",
    };

    public static Task<string> IssueCertificateOfOrigin(HttpClient exporter, Uri documents, string number) =>
        IssueDocument(exporter, documents, "certificate-of-origin", CertificateOfOrigin(number));

    public static Task<string> IssueInvoice(HttpClient exporter, Uri documents, string number, string amount = "5000.00") =>
        IssueDocument(exporter, documents, "commercial-invoice", Invoice(number, amount));
}
