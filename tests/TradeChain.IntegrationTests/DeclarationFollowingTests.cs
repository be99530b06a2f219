using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TradeChain.Cli;
using TradeChain.Testing;
using TradeChain.ServiceDefaults.Auth;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>One system for <see cref="DeclarationFollowingTests"/>' tests (each uses its own parties).</summary>
public sealed class DeclarationFollowingFixture : IAsyncLifetime
{
    public TradeChainSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await TradeChainSystem.StartAsync();

    public async Task DisposeAsync() => await System.DisposeAsync();
}

/// <summary>
/// Fewer client round trips (issue 15, item 7): a declarant's system lodges many declarations in one request, and a
/// client follows a declaration's status, or a list of declarations, by long-poll — one request per change instead of polling.
/// </summary>
public sealed class DeclarationFollowingTests(DeclarationFollowingFixture fixture) : IClassFixture<DeclarationFollowingFixture>
{
    private const string Exporter = "EXP-ACME-VN";

    [Fact]
    public async Task A_declarant_lodges_a_batch_and_follows_each_declaration_to_its_assessment_one_answer_per_status_change()
    {
        var system = fixture.System;
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

    [Fact]
    public async Task A_client_follows_its_declaration_list_answered_when_what_it_sees_changes_and_not_for_another_declarants()
    {
        var system = fixture.System;
        var customs = system.Customs.BaseAddress;
        using var exporter = Client(Roles.Exporter, "EXP-LIST-VN", "mai");
        using var other = Client(Roles.Exporter, "EXP-LIST-TH", "somchai");
        using var officer = Client(Roles.CustomsOfficer, "CUS-VNSGN", "tran");
        var (co, invoice) = (await IssueCertificateOfOrigin(exporter, system.Documents.BaseAddress, "CO-LIST-1"), await IssueInvoice(exporter, system.Documents.BaseAddress, "INV-LIST-1"));
        var (otherCo, otherInvoice) = (await IssueCertificateOfOrigin(other, system.Documents.BaseAddress, "CO-LIST-2"), await IssueInvoice(other, system.Documents.BaseAddress, "INV-LIST-2"));
        var list = new Uri(customs, "declarations?pageSize=10");

        // The list's answer carries its ETag; asked with it, the same list is 304 Not Modified, without a body.
        var (page, etag) = await ConditionalGet(exporter, list, null);
        Assert.Equal(0, page!["total"]!.GetValue<int>());
        Assert.Equal((HttpStatusCode.NotModified, etag), await ConditionalStatus(exporter, list, etag));

        // Another declarant lodges while this one waits: nothing this one sees changed, so its wait ends unchanged (304)
        // and its ETag stands: the answer tells it nothing of the other's declaration.
        // (An unchanged answer comes only when the wait is over: its moment says nothing of other parties' commits.)
        var asked = System.Diagnostics.Stopwatch.StartNew();
        var waiting = ConditionalStatus(exporter, new Uri(customs, "declarations?pageSize=10&waitSeconds=4"), etag);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        await Post(other, new Uri(customs, "declarations"), GoldenPath.ExportDeclaration("LRN-LIST-TH", otherCo, otherInvoice));
        Assert.Equal((HttpStatusCode.NotModified, etag), await waiting);
        Assert.True(asked.Elapsed >= TimeSpan.FromSeconds(3.9), $"the unchanged list was answered after {asked.Elapsed}, before its 4 s wait was over");

        // It waits (20 s), and lodges meanwhile from elsewhere: the wait answers with the list that holds the new declaration.
        var changed = ConditionalGet(exporter, new Uri(customs, "declarations?pageSize=10&waitSeconds=20"), etag);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var lodged = await Post(exporter, new Uri(customs, "declarations"), GoldenPath.ExportDeclaration("LRN-LIST-VN", co, invoice));
        var (newer, newerTag) = await changed;
        Assert.NotNull(newer); // 200, not the 304 of a wait that ended with nothing changed
        Assert.NotEqual(etag, newerTag);
        Assert.Equal(["LRN-LIST-VN"], newer["items"]!.AsArray().Select(i => i!["localReferenceNumber"]!.GetValue<string>()));

        // Followed on, each answer is a change of the declaration's row (its status moves to Assessed), until it stands.
        var (seen, seenTag) = (newer, newerTag);
        for (var answers = 0; seen["items"]![0]!["status"]!.GetValue<string>() is not ("Assessed" or "Rejected") && answers < 20; answers++)
        {
            var (next, nextTag) = await ConditionalGet(exporter, new Uri(customs, "declarations?pageSize=10&waitSeconds=20"), seenTag);
            if (next is null) continue; // a step slower than the wait: 304, asked again
            Assert.NotEqual(seenTag, nextTag);
            (seen, seenTag) = (next, nextTag);
        }
        Assert.Equal(("Assessed", lodged["id"]!.GetValue<string>()), (seen["items"]![0]!["status"]!.GetValue<string>(), seen["items"]![0]!["id"]!.GetValue<string>()));

        // An ETag is the page as its reader sees it: the officer's list (both declarants' declarations) is not the exporter's.
        var (officers, officersTag) = await ConditionalGet(officer, new Uri(customs, "declarations?pageSize=10"), seenTag);
        Assert.NotEqual(seenTag, officersTag);
        Assert.Subset(officers!["items"]!.AsArray().Select(i => i!["localReferenceNumber"]!.GetValue<string>()).ToHashSet(), new HashSet<string> { "LRN-LIST-VN", "LRN-LIST-TH" });

        // The wait's bounds are named: at most 30 s, and only with the ETag of a list the client has.
        var tooLong = await Send(exporter, HttpMethod.Get, new Uri(customs, "declarations?waitSeconds=31"));
        Assert.Equal((HttpStatusCode.BadRequest, "must be between 0 and 30"), (tooLong.Status, tooLong.Body!["errors"]!["waitSeconds"]![0]!.GetValue<string>()));
        var noTag = await Send(exporter, HttpMethod.Get, new Uri(customs, "declarations?waitSeconds=5"));
        Assert.Equal(HttpStatusCode.BadRequest, noTag.Status);
        Assert.StartsWith("needs an If-None-Match header", noTag.Body!["errors"]!["waitSeconds"]![0]!.GetValue<string>());
    }
}
