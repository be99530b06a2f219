using TradeChain.Testing;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.IntegrationTests.Infrastructure;

/// <summary>Small HTTP helpers for driving the services as their users would.</summary>
public static class Api
{
    public static readonly AuthOptions Auth = new() { SigningKey = DevelopmentTokens.DevelopmentSigningKey };

    public static HttpClient Client(string role, string party, string subject = "tester")
    {
        var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevelopmentTokens.Mint(Auth, subject, role, party, TimeSpan.FromHours(1)));
        return client;
    }

    public static async Task<JsonObject> Post(HttpClient client, Uri uri, object body)
    {
        using var response = await client.PostAsJsonAsync(uri, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {uri}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<JsonObject> Put(HttpClient client, Uri uri, object body)
    {
        using var response = await client.PutAsJsonAsync(uri, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT {uri}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<JsonObject> Get(HttpClient client, Uri uri)
    {
        using var response = await client.GetAsync(uri);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {uri}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<JsonObject> Poll(HttpClient client, Uri uri, Func<JsonObject, bool> done)
    {
        var last = "";
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(90); await Task.Delay(200))
        {
            using var response = await client.GetAsync(uri);
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode && JsonNode.Parse(last) is JsonObject node && done(node)) return node;
        }
        throw new Xunit.Sdk.XunitException($"timed out polling {uri}; last answer: {last}");
    }

    public static Task<JsonObject> PollStatus(HttpClient client, Uri uri, string status) =>
        Poll(client, uri, d => d["status"]?.GetValue<string>() == status);

    public static async Task<long> Count(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={database}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Submits a document to the documents service and waits until it is issued on chain; returns its hash.</summary>
    public static async Task<string> IssueDocument(HttpClient exporter, Uri documents, string type, object content)
    {
        var submitted = await Post(exporter, new Uri(documents, "documents"), new { type, content });
        var issued = await PollStatus(exporter, new Uri(documents, $"documents/{submitted["id"]}"), "Issued");
        return issued["hash"]!.GetValue<string>();
    }

    public static Task<string> IssueCertificateOfOrigin(HttpClient exporter, Uri documents, string number) =>
        IssueDocument(exporter, documents, "certificate-of-origin",
            new { certificateNumber = number, exporter = "ACME", consignee = "Hamburg Roasters", originCountry = "VN", goodsDescription = "coffee" });

    public static Task<string> IssueInvoice(HttpClient exporter, Uri documents, string number, string amount = "5000.00") =>
        IssueDocument(exporter, documents, "commercial-invoice", new { invoiceNumber = number, seller = "ACME", buyer = "Hamburg Roasters", totalAmount = amount, currency = "USD" });
}
