using System.Net;
using System.Text.Json.Nodes;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// The code lists and example declarations customs serves to its clients (the console's declaration form builds its
/// selects from them): the same lists the validator checks against, to any signed-in party, and samples that lodge.
/// </summary>
public sealed class ReferenceDataTests
{
    [Fact]
    public async Task Any_party_reads_the_code_lists_and_the_samples_it_serves_lodge_as_they_are()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var customs = system.Customs.BaseAddress;
        using var anonymous = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri(customs, "reference-data"))).StatusCode);

        using var bank = Client(Roles.Bank, "BNK-VCB");
        var lists = await Get(bank, new Uri(customs, "reference-data"));
        Assert.Equal(["export", "import", "transit"], Codes(lists["declarationTypes"]));
        Assert.Contains(lists["countries"]!.AsArray(), c => c!["code"]!.GetValue<string>() == "VN" && c["name"]!.GetValue<string>() == "Viet Nam");
        Assert.Contains(lists["currencies"]!.AsArray(), c => c!["code"]!.GetValue<string>() == "VND" && c["minorUnits"]!.GetValue<int>() == 0);
        Assert.Contains(lists["units"]!.AsArray(), u => u!["code"]!.GetValue<string>() == "NAR");
        Assert.Equal(["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"], Codes(lists["incoterms"]));
        Assert.Equal([1, 2, 3, 4, 5, 7, 8, 9], lists["transportModes"]!.AsArray().Select(m => m!["code"]!.GetValue<int>()));
        Assert.Equal([1, 2, 3, 4, 5, 6], lists["valuationMethods"]!.AsArray().Select(m => m!["code"]!.GetValue<int>()));
        Assert.Equal(["100", "300"], Codes(lists["preferenceCodes"]));
        Assert.True(lists["procedures"]!.AsArray().Any(p => p!["type"]!.GetValue<string>() == "export" && p["defaultCode"]!.GetValue<string>() == "1000"), lists["procedures"]!.ToJsonString());
        Assert.Contains("commercial-invoice", lists["documentTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Contains(lists["tariffLines"]!.AsArray(), l => l!["code"]!.GetValue<string>() == "400122");
        Assert.Equal(999, lists["limits"]!["maxItems"]!.GetValue<int>());
        Assert.Equal(35, lists["limits"]!["maxReferenceLength"]!.GetValue<int>());

        // The samples are whole request bodies: an exporter lodges one as it is (its placeholder hashes then fail verification, not validation).
        using var exporter = Client(Roles.Exporter, "EXP-SAMPLES");
        using var samplesResponse = await exporter.GetAsync(new Uri(customs, "reference-data/samples"));
        var samples = JsonNode.Parse(await samplesResponse.Content.ReadAsStringAsync())!.AsArray();
        Assert.Contains(samples, s => s!["name"]!.GetValue<string>() == "export-rubber" && s["type"]!.GetValue<string>() == "export");
        Assert.DoesNotContain(samples, s => s!["name"]!.GetValue<string>() == "expected");
        using var rubber = await exporter.GetAsync(new Uri(customs, "reference-data/samples/export-rubber"));
        var body = JsonNode.Parse(await rubber.Content.ReadAsStringAsync())!;
        var (status, lodged) = await Send(exporter, HttpMethod.Post, new Uri(customs, "declarations"), body);
        Assert.True(status == HttpStatusCode.Created, lodged?.ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, (await exporter.GetAsync(new Uri(customs, "reference-data/samples/expected"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await exporter.GetAsync(new Uri(customs, "reference-data/samples/..%2Fcountries"))).StatusCode);
    }

    private static IEnumerable<string> Codes(JsonNode? list) =>
        list!.AsArray().Select(e => e is JsonObject o ? o["code"]!.GetValue<string>() : e!.GetValue<string>());
}
