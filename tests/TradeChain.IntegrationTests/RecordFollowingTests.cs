using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TradeChain.Cli;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// Fewer client round trips for documents and duty payments (issue 15, item 7): an exporter submits many documents in one
/// request, and a client follows a document or a duty payment by long-poll, as it follows a declaration
/// (<see cref="DeclarationFollowingTests"/>). An answer whose version is past the one asked for came because the record
/// changed: an answer at the end of an unchanged wait carries the version the client sent.
/// </summary>
public sealed class RecordFollowingTests
{
    private const string Exporter = "EXP-ACME-VN";

    [Fact]
    public async Task An_exporter_submits_documents_in_a_batch_and_follows_one_through_issuance_and_revocation()
    {
        await using var system = await TradeChainSystem.StartAsync();
        Uri Documents(string path) => new(system.Documents.BaseAddress, path);
        using var exporter = Client(Roles.Exporter, Exporter, "anh");
        using var stranger = Client(Roles.Exporter, "EXP-OTHER-TH", "somchai");

        var batch = new
        {
            documents = new object?[]
            {
                new { type = "certificate-of-origin", content = CertificateOfOrigin("CO-LP-1") },
                new { type = "commercial-invoice", content = Invoice("INV-LP-1") },
                new { type = "commercial-invoice", content = new { invoiceNumber = "INV-LP-BROKEN" } },
                null,
            },
        };
        var answer = await Post(exporter, Documents("documents/batch"), batch);
        var results = answer["results"]!.AsArray();
        Assert.Equal((2, 2), (answer["submitted"]!.GetValue<int>(), answer["refused"]!.GetValue<int>()));
        Assert.Equal([202, 202, 400, 400], results.Select(r => r!["status"]!.GetValue<int>()));
        Assert.Equal([0, 1, 2, 3], results.Select(r => r!["index"]!.GetValue<int>()));
        Assert.Contains(results[2]!["errors"]!.AsObject(), e => e.Key.StartsWith("documents[2].content", StringComparison.Ordinal));
        Assert.Equal("must be a document, not null", results[3]!["errors"]!["documents[3]"]![0]!.GetValue<string>());
        var submitted = results.Take(2).Select(r => r!["document"]!.AsObject()).ToList();
        Assert.All(submitted, d => Assert.Equal("Submitted", d["status"]!.GetValue<string>()));
        var ids = submitted.Select(d => d["id"]!.GetValue<string>()).ToList();

        // Following the certificate from the version it was submitted at: the answer comes when its issuance commits.
        var first = Documents($"documents/{ids[0]}");
        var submittedVersion = submitted[0]["version"]!.GetValue<int>();
        // Followed by long-polls (of 25 s, up to 90 s in all): on two cores shared with other suites one issuance may take longer
        // than one wait. That a wait is answered by the commit itself is checked below, by the revocation's.
        var issued = await TradeChainHttp.FollowAsync(exporter, first, d => d["status"]!.GetValue<string>() == "Issued", TimeSpan.FromSeconds(90), known: submitted[0]);
        Assert.True(issued["version"]!.GetValue<int>() > submittedVersion);
        Assert.NotNull(issued["issueTransactionHash"]);

        // Sent again (a client that lost the answer): nothing is submitted twice, and each answer names the document already there.
        var again = await Post(exporter, Documents("documents/batch"), batch);
        Assert.Equal([409, 409, 400, 400], again["results"]!.AsArray().Select(r => r!["status"]!.GetValue<int>()));
        Assert.Equal(ids, again["results"]!.AsArray().Take(2).Select(r => r!["documentId"]!.GetValue<string>()));
        Assert.Equal("document-already-submitted", again["results"]![0]!["rule"]!.GetValue<string>());
        Assert.Equal(2, (await Get(exporter, Documents("documents?pageSize=50")))["total"]!.GetValue<int>());

        // Waiting on the issued document: the revocation asked, committed while the request waits, is what answers it (still
        // Issued, the request shown); the next wait is answered by its record, Revoked.
        var issuedVersion = issued["version"]!.GetValue<int>();
        var waiting = Get(exporter, new Uri(first, $"?afterVersion={issuedVersion}&waitSeconds=25"));
        var strangerWaiting = stranger.GetAsync(new Uri(first, $"?afterVersion={issuedVersion}&waitSeconds=25"));
        using var noWait = Client(Roles.Exporter, Exporter, "anh");
        noWait.DefaultRequestHeaders.Add("Prefer", "respond-async");
        Assert.Equal(HttpStatusCode.Accepted,
            (await Send(noWait, HttpMethod.Post, Documents($"documents/{ids[0]}/revoke"), new { reason = "issued in error: wrong consignee", scope = "document" })).Status);
        var asked = await waiting;
        if (asked["status"]!.GetValue<string>() == "Issued")
        {
            // The request's own transition (the issuer records the revocation a moment later; a wait that began late sees that).
            Assert.Equal(issuedVersion + 1, asked["version"]!.GetValue<int>());
            Assert.Equal("issued in error: wrong consignee", asked["revocationRequest"]!["reason"]!.GetValue<string>());
        }
        var revoked = await TradeChainHttp.FollowAsync(exporter, first, d => d["status"]!.GetValue<string>() == "Revoked", TimeSpan.FromSeconds(90), known: asked);
        Assert.Equal(issuedVersion + 2, revoked["version"]!.GetValue<int>());
        Assert.Null(revoked["revocationRequest"]);
        var transitions = (await Get(exporter, new Uri(first, $"{first.AbsolutePath}/history")))["transitions"]!.AsArray();
        Assert.Equal(["Issued", "Issued"], new[] { transitions[^2]!["fromState"]!.GetValue<string>(), transitions[^2]!["toState"]!.GetValue<string>() });
        Assert.Contains("revocation asked", transitions[^2]!["reason"]!.GetValue<string>());
        // Another exporter's long-poll of it is 404, as its plain read is: the document's existence is not told.
        Assert.Equal(HttpStatusCode.NotFound, (await strangerWaiting).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(first)).StatusCode);

        // Nothing moves now: a short wait ends with the document as it was.
        var unchanged = await Get(exporter, new Uri(first, $"?afterVersion={revoked["version"]}&waitSeconds=1"));
        Assert.Equal(revoked["version"]!.GetValue<int>(), unchanged["version"]!.GetValue<int>());

        // The wait's bounds are named, as customs names them; and a batch's size.
        await AssertRefused(exporter, new Uri(first, "?afterVersion=1&waitSeconds=31"), "waitSeconds", "must be between 0 and 30");
        await AssertRefused(exporter, new Uri(first, "?afterVersion=-1&waitSeconds=1"), "afterVersion", "must not be negative");
        await AssertRefused(exporter, new Uri(first, "?waitSeconds=5"), "afterVersion", "is needed with waitSeconds: the version of the document the client has");
        var tooMany = await exporter.PostAsJsonAsync(Documents("documents/batch"),
            new { documents = Enumerable.Range(0, 101).Select(i => new { type = "commercial-invoice", content = Invoice($"INV-X-{i}") }) });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal("must hold between 1 and 100 documents", (await tooMany.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["documents"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_duty_payment_is_followed_by_long_poll_until_it_is_settled_and_only_by_those_who_may_read_it()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        using var exporter = Client(Roles.Exporter, Exporter, "anh");
        using var stranger = Client(Roles.Exporter, "EXP-OTHER-TH", "somchai");
        using var bank = Client(Roles.Bank, GoldenPath.BankParty, "treasury.ops");

        var co = await IssueCertificateOfOrigin(exporter, system.Documents.BaseAddress, "CO-LP-P");
        var invoice = await IssueInvoice(exporter, system.Documents.BaseAddress, "INV-LP-P");
        var lodged = await Post(exporter, new Uri(system.Customs.BaseAddress, "declarations"), GoldenPath.ExportDeclaration("LRN-LP-PAY", co, invoice));
        var assessed = await TradeChainHttp.FollowAsync(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{lodged["id"]}"),
            d => d["status"]?.GetValue<string>() is "Assessed" or "Rejected", TimeSpan.FromSeconds(90));
        Assert.Equal("Assessed", assessed["status"]!.GetValue<string>());

        // A long-poll is answered as the plain read is: another exporter's of the declaration is 404, an officer's waits
        // and answers; an officer's of a document the declaration references answers, of one it does not is 404.
        using var officer = Client(Roles.CustomsOfficer, GoldenPath.OfficerParty, "officer.tran");
        var declaration = new Uri(system.Customs.BaseAddress, $"declarations/{lodged["id"]}");
        var at = assessed["version"]!.GetValue<int>();
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(new Uri(declaration, $"?afterVersion={at}&waitSeconds=1"))).StatusCode);
        Assert.Equal(lodged["id"]!.GetValue<string>(), (await Get(officer, new Uri(declaration, $"?afterVersion={at}&waitSeconds=1")))["id"]!.GetValue<string>());
        var unreferenced = await IssueInvoice(exporter, system.Documents.BaseAddress, "INV-LP-UNREFERENCED");
        var mine = (await Get(exporter, new Uri(system.Documents.BaseAddress, "documents?pageSize=50")))["items"]!.AsArray()
            .ToDictionary(d => d!["hash"]!.GetValue<string>(), d => d!.AsObject());
        Uri Following(string hash) => new(system.Documents.BaseAddress, $"documents/{mine[hash]["id"]}?afterVersion={mine[hash]["version"]}&waitSeconds=1");
        Assert.Equal(co, (await Get(officer, Following(co)))["hash"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await officer.GetAsync(Following(unreferenced))).StatusCode);

        var reference = assessed["paymentReference"]!.GetValue<string>();
        var payment = new Uri(payments, $"duty-payments/{reference}");
        var requested = await Poll(exporter, payment, p => p["status"] is not null);
        Assert.Equal("Requested", requested["status"]!.GetValue<string>());
        var version = requested["version"]!.GetValue<int>();
        Assert.True(version > 0, "a duty payment carries its version");

        // The payer waits on the payment while its bank settles it: each answer comes with a change of its status.
        var waiting = Get(exporter, new Uri(payment, $"?afterVersion={version}&waitSeconds=25"));
        var strangerWaiting = stranger.GetAsync(new Uri(payment, $"?afterVersion={version}&waitSeconds=25"));
        await SettleDuty(bank, payments, reference, Exporter);
        var seen = await waiting;
        var statuses = new List<string> { "Requested" };
        for (var answers = 0; answers < 5; answers++)
        {
            Assert.True(seen["version"]!.GetValue<int>() > version, $"answer {answers} came back at version {seen["version"]}, not past {version}: {seen.ToJsonString()}");
            version = seen["version"]!.GetValue<int>();
            statuses.Add(seen["status"]!.GetValue<string>());
            if (statuses[^1] == "Settled") break;
            seen = await Get(exporter, new Uri(payment, $"?afterVersion={version}&waitSeconds=25"));
        }
        Assert.Equal("Settled", statuses[^1]);
        Assert.NotNull(seen["settlementTransactionHash"]);
        // Another exporter's long-poll is 404, as its plain read is.
        Assert.Equal(HttpStatusCode.NotFound, (await strangerWaiting).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(payment)).StatusCode);
        // So is a bank's that the payer did not mandate and that did not settle it; the settling bank's is answered.
        using var otherBank = Client(Roles.Bank, "BNK-NOT-MANDATED", "ops");
        Assert.Equal(HttpStatusCode.NotFound, (await otherBank.GetAsync(new Uri(payment, $"?afterVersion={version}&waitSeconds=1"))).StatusCode);
        Assert.Equal(version, (await Get(bank, new Uri(payment, $"?afterVersion={version - 1}&waitSeconds=1")))["version"]!.GetValue<int>());
        Assert.Equal(version, (await Get(bank, new Uri(payment, $"?afterVersion={version}&waitSeconds=1")))["version"]!.GetValue<int>());

        var unchanged = await Get(exporter, new Uri(payment, $"?afterVersion={version}&waitSeconds=1"));
        Assert.Equal(version, unchanged["version"]!.GetValue<int>());
        await AssertRefused(bank, new Uri(payment, "?afterVersion=1&waitSeconds=31"), "waitSeconds", "must be between 0 and 30");
        await AssertRefused(bank, new Uri(payment, "?waitSeconds=3"), "afterVersion", "is needed with waitSeconds: the version of the duty payment the client has");
    }

    private static async Task AssertRefused(HttpClient client, Uri uri, string field, string rule)
    {
        using var response = await client.GetAsync(uri);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(rule, problem["errors"]![field]![0]!.GetValue<string>());
    }
}
