using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TradeChain.Cli;
using TradeChain.Testing;
using TradeChain.ServiceDefaults.Auth;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// Fewer client round trips (issue 15, item 7): a declarant's system lodges many declarations in one request, and a
/// client follows a declaration's status by long-poll — one request per status change instead of polling.
/// </summary>
public sealed class DeclarationFollowingTests
{
    private const string Exporter = "EXP-ACME-VN";

    [Fact]
    public async Task A_declarant_lodges_a_batch_and_follows_each_declaration_to_its_assessment_one_answer_per_status_change()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var customs = system.Customs.BaseAddress;
        using var exporter = Client(Roles.Exporter, Exporter, "anh");
        using var stranger = Client(Roles.Exporter, "EXP-OTHER-TH", "somchai");

        var documents = new List<(string Co, string Invoice)>();
        for (var i = 1; i <= 2; i++)
            documents.Add((await IssueCertificateOfOrigin(exporter, system.Documents.BaseAddress, $"CO-B{i}"), await IssueInvoice(exporter, system.Documents.BaseAddress, $"INV-B{i}")));
        var broken = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(GoldenPath.ExportDeclaration("LRN-BATCH-3", documents[0].Co, documents[0].Invoice)))!.AsObject();
        broken["officeOfDeclaration"] = "NOWHERE";
        var batch = new
        {
            declarations = new object[]
            {
                GoldenPath.ExportDeclaration("LRN-BATCH-1", documents[0].Co, documents[0].Invoice),
                GoldenPath.ExportDeclaration("LRN-BATCH-2", documents[1].Co, documents[1].Invoice),
                broken,
            },
        };
        var answer = await Post(exporter, new Uri(customs, "declarations/batch"), batch);
        var results = answer["results"]!.AsArray();
        Assert.Equal((2, 1), (answer["lodged"]!.GetValue<int>(), answer["refused"]!.GetValue<int>()));
        Assert.Equal([201, 201, 400], results.Select(r => r!["status"]!.GetValue<int>()));
        Assert.Equal([0, 1, 2], results.Select(r => r!["index"]!.GetValue<int>()));
        Assert.Contains("declarations[2].officeOfDeclaration", results[2]!["errors"]!.AsObject().Select(e => e.Key));
        var ids = results.Take(2).Select(r => r!["declaration"]!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(["LRN-BATCH-1", "LRN-BATCH-2"], results.Take(2).Select(r => r!["declaration"]!["localReferenceNumber"]!.GetValue<string>()));

        // Sent again (a client that lost the answer): nothing is lodged twice, and each answer names the declaration already lodged.
        var again = await Post(exporter, new Uri(customs, "declarations/batch"), batch);
        Assert.Equal([409, 409, 400], again["results"]!.AsArray().Select(r => r!["status"]!.GetValue<int>()));
        Assert.Equal(ids, again["results"]!.AsArray().Take(2).Select(r => r!["declarationId"]!.GetValue<string>()));
        Assert.Equal(2, (await Get(exporter, new Uri(customs, "declarations?pageSize=50")))["total"]!.GetValue<int>());

        // Following the first declaration: each answer comes when its status has moved past the version the client had.
        var first = new Uri(customs, $"declarations/{ids[0]}");
        var seen = results[0]!["declaration"]!.AsObject();
        var statuses = new List<string> { seen["status"]!.GetValue<string>() };
        var answers = 0;
        while (seen["status"]!.GetValue<string>() is not ("Assessed" or "Rejected") && answers < 20)
        {
            var version = seen["version"]!.GetValue<int>();
            // A wait shorter than the client's own timeout (30 s): a step slower than the wait is answered unchanged, at its end.
            var asked = System.Diagnostics.Stopwatch.StartNew();
            seen = await Get(exporter, new Uri(first, $"?afterVersion={version}&waitSeconds=20"));
            answers++;
            if (seen["version"]!.GetValue<int>() == version)
            {
                Assert.True(asked.Elapsed >= TimeSpan.FromSeconds(19), $"answer {answers} came back unchanged at version {version} after {asked.Elapsed}, before its wait ended");
                continue;
            }
            Assert.True(seen["version"]!.GetValue<int>() > version, $"answer {answers} came back at version {seen["version"]}, behind {version}");
            statuses.Add(seen["status"]!.GetValue<string>());
        }
        Assert.Equal("Assessed", statuses[^1]);

        // Nothing moves now until the duty is paid: a short wait ends with the declaration as it was.
        var unchanged = await Get(exporter, new Uri(first, $"?afterVersion={seen["version"]}&waitSeconds=1"));
        Assert.Equal(seen["version"]!.GetValue<int>(), unchanged["version"]!.GetValue<int>());

        // Another declarant cannot follow it; the wait's bounds are named.
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(new Uri(first, "?afterVersion=1&waitSeconds=1"))).StatusCode);
        var tooLong = await exporter.GetAsync(new Uri(first, "?afterVersion=1&waitSeconds=31"));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("must be between 0 and 30", (await tooLong.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["waitSeconds"]![0]!.GetValue<string>());
        var noVersion = await exporter.GetAsync(new Uri(first, "?waitSeconds=5"));
        Assert.Equal(HttpStatusCode.BadRequest, noVersion.StatusCode);
        Assert.True((await noVersion.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().ContainsKey("afterVersion"));
        var tooMany = await exporter.PostAsJsonAsync(new Uri(customs, "declarations/batch"),
            new { declarations = Enumerable.Repeat(GoldenPath.ExportDeclaration("LRN-X", documents[0].Co, documents[0].Invoice), 101) });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal("must hold between 1 and 100 declarations", (await tooMany.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["declarations"]![0]!.GetValue<string>());
    }
}
