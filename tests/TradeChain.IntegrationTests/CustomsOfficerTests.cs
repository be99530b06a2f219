using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TradeChain.Cli;
using TradeChain.IntegrationTests.Infrastructure;
using TradeChain.Testing;
using TradeChain.ServiceDefaults.Auth;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>An officer works declarations from receipt to release through the API alone, across the three real services.</summary>
public sealed class CustomsOfficerTests
{
    private const string Exporter = "EXP-ACME-VN";
    private const string Watchlisted = "EXP-WATCHLIST-01";

    [Fact]
    public async Task Officers_take_yellow_and_red_declarations_through_their_checks_to_release()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var customs = system.Customs.BaseAddress;
        var payments = system.Payments.BaseAddress;
        using var exporter = Client(Roles.Exporter, Exporter, "anh");
        using var watchlisted = Client(Roles.Exporter, Watchlisted, "bao");
        using var officer = Client(Roles.CustomsOfficer, "CUS-VNSGN", "tran");
        using var otherOfficer = Client(Roles.CustomsOfficer, "CUS-VNSGN", "le");
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);

        // --- Yellow: a high-value export (rule Y-HIGH-VALUE), amended once before payment, then a documentary check with a request for documents.
        var co = await IssueCertificateOfOrigin(exporter, system.Documents.BaseAddress, "CO-Y1");
        var invoice = await IssueInvoice(exporter, system.Documents.BaseAddress, "INV-Y1", "250000.00");
        var lodged = await Post(exporter, new Uri(customs, "declarations"), GoldenPath.ExportDeclaration("LRN-YELLOW-1", co, invoice, 250_000m));
        var yellow = new Uri(customs, $"declarations/{lodged["id"]}");
        var assessed = await PollStatus(exporter, yellow, "Assessed");
        Assert.Equal("Yellow", assessed["lane"]!.GetValue<string>());
        Assert.Null(assessed["laneDecision"]); // the exporter is not told which risk rules fired
        var officersView = await Get(officer, yellow);
        Assert.Equal("Y-HIGH-VALUE", officersView["laneDecision"]!["firedRules"]![0]!["id"]!.GetValue<string>());
        var firstReference = assessed["paymentReference"]!.GetValue<string>();

        // The exporter corrects the value before paying: a new version, assessed again; the first payment request is withdrawn.
        var amendment = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(GoldenPath.ExportDeclaration("LRN-YELLOW-1", co, invoice, 260_000m)))!.AsObject();
        amendment["reason"] = "invoice corrected: freight included";
        // The local reference number names one declaration of the declarant's: lodging it again is refused, naming the one to amend...
        var again = await exporter.PostAsJsonAsync(new Uri(customs, "declarations"), GoldenPath.ExportDeclaration("LRN-YELLOW-1", co, invoice, 260_000m));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var used = (await again.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("https://tradechain.dev/problems/rule", "Local reference number already used.", "lrn-unique-per-declarant", lodged["id"]!.GetValue<string>()),
            (used["type"]!.GetValue<string>(), used["title"]!.GetValue<string>(), used["rule"]!.GetValue<string>(), used["declarationId"]!.GetValue<string>()));
        Assert.Equal($"Declaration {lodged["id"]} already has local reference number LRN-YELLOW-1; amend it instead.", used["detail"]!.GetValue<string>());
        // ... and an amendment keeps it.
        var renaming = amendment.DeepClone().AsObject();
        renaming["localReferenceNumber"] = "LRN-YELLOW-2";
        var renamed = await exporter.PutAsJsonAsync(yellow, renaming);
        Assert.Equal(HttpStatusCode.BadRequest, renamed.StatusCode);
        Assert.Equal("cannot change on amendment (it is LRN-YELLOW-1)",
            (await renamed.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["localReferenceNumber"]![0]!.GetValue<string>());
        var amended = await Put(exporter, yellow, amendment);
        Assert.Equal(("Registered", "07", 2), (amended["status"]!.GetValue<string>(), amended["responseCode"]!.GetValue<string>(), amended["contentVersion"]!.GetValue<int>()));
        var reassessed = await PollStatus(exporter, yellow, "Assessed");
        var reference = reassessed["paymentReference"]!.GetValue<string>();
        Assert.NotEqual(firstReference, reference);
        Assert.Equal(250_000m, reassessed["previousVersions"]![0]!["content"]!["items"]![0]!["customsValue"]!.GetValue<decimal>());
        var withdrawn = await PollStatus(exporter, new Uri(payments, $"duty-payments/{firstReference}"), "Withdrawn");
        // The declarant mandates its bank, which then sees its duties — and cannot settle a withdrawn one.
        await Post(exporter, new Uri(payments, "accounts/mandates"), new { bank = GoldenPath.BankParty, currency = withdrawn["currency"]!.GetValue<string>() });
        var refused = await bank.PostAsJsonAsync(new Uri(payments, $"duty-payments/{firstReference}/settle"), new { });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        await PollStatus(exporter, new Uri(payments, $"duty-payments/{reference}"), "Requested");
        await SettleDuty(bank, payments, reference, Exporter);
        await PollStatus(exporter, yellow, "Paid");

        var queue = await Get(officer, new Uri(customs, "declarations?status=Paid&lane=Yellow&office=VNSGN"));
        Assert.Contains(queue["items"]!.AsArray(), i => i!["id"]!.GetValue<string>() == lodged["id"]!.GetValue<string>());

        // Only officers assign; an exporter may not.
        Assert.Equal(HttpStatusCode.Forbidden, (await exporter.PostAsJsonAsync(new Uri(yellow, $"{lodged["id"]}/assign"), new { })).StatusCode);
        var underCheck = await Post(officer, new Uri(yellow, $"{lodged["id"]}/assign"), new { });
        Assert.Equal("UnderDocumentaryCheck", underCheck["status"]!.GetValue<string>());
        var mine = await Get(officer, new Uri(customs, "declarations?assignedTo=me"));
        Assert.Equal(1, mine["total"]!.GetValue<int>());

        var asked = await Post(officer, new Uri(yellow, $"{lodged["id"]}/request-documents"), new { documentTypes = new[] { "packing-list" }, reason = "gross mass needs a packing list" });
        Assert.Equal(("AwaitingDocuments", "06"), (asked["status"]!.GetValue<string>(), asked["responseCode"]!.GetValue<string>()));
        var seen = await Get(exporter, yellow);
        Assert.Equal("06", seen["responseCode"]!.GetValue<string>());
        Assert.Contains("packing list", seen["statusReason"]!.GetValue<string>());

        var packingList = await IssueDocument(exporter, system.Documents.BaseAddress, "packing-list",
            new { packingListNumber = "PL-Y1", shipper = new { name = "ACME Coffee JSC" }, consignee = new { name = "Hamburg Roasters GmbH" }, packages = 320, packageType = "bags", grossMassKg = 19_500 });
        // An answer must bring new documents: one already attached is refused.
        var reused = await exporter.PostAsJsonAsync(new Uri(yellow, $"{lodged["id"]}/additional-documents"), new { documents = new[] { new { type = "packing-list", hash = co } } });
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        Assert.Equal("is already attached to the declaration: answer with the document asked for",
            (await reused.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["documents[0].hash"]![0]!.GetValue<string>());
        await Post(exporter, new Uri(yellow, $"{lodged["id"]}/additional-documents"), new { documents = new[] { new { type = "packing-list", hash = packingList } } });
        await PollStatus(officer, yellow, "UnderDocumentaryCheck");

        // Another officer cannot complete a check assigned to a colleague.
        var notMine = await otherOfficer.PostAsJsonAsync(new Uri(yellow, $"{lodged["id"]}/documentary-check"), new { findings = "ok" });
        Assert.Equal(HttpStatusCode.Conflict, notMine.StatusCode);
        Assert.Equal("assigned-officer", (await notMine.Content.ReadFromJsonAsync<JsonObject>())!["rule"]!.GetValue<string>());

        await Post(officer, new Uri(yellow, $"{lodged["id"]}/documentary-check"), new { findings = "invoice, packing list and certificate of origin consistent" });
        var released = await Post(officer, new Uri(yellow, $"{lodged["id"]}/release"), new { reason = "documentary check passed" });
        Assert.Equal(("Released", "08"), (released["status"]!.GetValue<string>(), released["responseCode"]!.GetValue<string>()));

        // --- Red: a watch-listed declarant (rule R-WATCHLIST); examination finds a higher value, so more duty is due before release.
        var redCo = await IssueCertificateOfOrigin(watchlisted, system.Documents.BaseAddress, "CO-R1");
        var redInvoice = await IssueInvoice(watchlisted, system.Documents.BaseAddress, "INV-R1");
        var redLodged = await Post(watchlisted, new Uri(customs, "declarations"), GoldenPath.ExportDeclaration("LRN-RED-1", redCo, redInvoice, 5_000m));
        var red = new Uri(customs, $"declarations/{redLodged["id"]}");
        var redAssessed = await PollStatus(watchlisted, red, "Assessed");
        Assert.Equal("Red", redAssessed["lane"]!.GetValue<string>());
        var firstDue = redAssessed["assessment"]!["totalPayable"]!.GetValue<decimal>();
        await PollStatus(watchlisted, new Uri(payments, $"duty-payments/{redAssessed["paymentReference"]}"), "Requested");
        await SettleDuty(bank, payments, redAssessed["paymentReference"]!.GetValue<string>(), Watchlisted);
        await PollStatus(officer, red, "Paid");

        // The other exporter sees nothing of this declaration.
        Assert.Equal(HttpStatusCode.NotFound, (await exporter.GetAsync(red)).StatusCode);

        var examining = await Post(officer, new Uri(red, $"{redLodged["id"]}/assign"), new { });
        Assert.Equal(("UnderExamination", "05"), (examining["status"]!.GetValue<string>(), examining["responseCode"]!.GetValue<string>()));
        var found = await Post(officer, new Uri(red, $"{redLodged["id"]}/examination"), new
        {
            findings = "invoice undervalued: contract price 7,500 USD",
            corrections = new[] { new { itemNumber = 1, customsValue = 7_500m } },
        });
        Assert.Equal("AwaitingSupplementaryPayment", found["status"]!.GetValue<string>());
        var supplement = found["supplementaryPaymentReference"]!.GetValue<string>();
        var extra = found["supplementaryAmount"]!.GetValue<decimal>();
        Assert.Equal(found["assessment"]!["totalPayable"]!.GetValue<decimal>() - firstDue, extra);
        Assert.True(extra > 0);
        Assert.Equal(2, found["contentVersion"]!.GetValue<int>());

        var supplementary = await PollStatus(watchlisted, new Uri(payments, $"duty-payments/{supplement}"), "Requested");
        Assert.Equal(extra, supplementary["amount"]!.GetValue<decimal>());
        await SettleDuty(bank, payments, supplement, Watchlisted);
        await PollStatus(officer, red, "ReadyForRelease");
        await Post(officer, new Uri(red, $"{redLodged["id"]}/release"), new { reason = "examined; supplementary duties paid" });
        await Post(officer, new Uri(red, $"{redLodged["id"]}/exit"), new { reason = "vessel MAERSK SELETAR departed" });

        // Every decision is explained and anchored.
        var history = await Poll(watchlisted, new Uri(red, $"{redLodged["id"]}/history"),
            h => h["transitions"]!.AsArray().All(t => t!["anchor"]!["rootOnChain"]?.GetValue<bool>() == true));
        Assert.Equal(["Registered", "Assessed", "Paid", "UnderExamination", "AwaitingSupplementaryPayment", "ReadyForRelease", "Released", "Exited"],
            history["transitions"]!.AsArray().Select(t => t!["toState"]!.GetValue<string>()));
        Assert.All(history["transitions"]!.AsArray(), t =>
        {
            Assert.False(string.IsNullOrWhiteSpace(t!["reason"]!.GetValue<string>()));
            Assert.True(t["anchor"]!["proofValid"]!.GetValue<bool>());
        });
        Assert.Equal(0, await system.Broker.ErrorQueueDepthAsync());
    }

    [Fact]
    public async Task An_invalid_declaration_comes_back_with_every_error_at_once()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var exporter = Client(Roles.Exporter, Exporter);
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(GoldenPath.ExportDeclaration("LRN-BAD", "0x12", "0x" + new string('b', 64))))!.AsObject();
        body["officeOfDeclaration"] = "XXABC";
        body["consignment"]!["containers"] = new JsonArray("CSQU3054384");
        body["items"]![0]!["netMassKg"] = 30_000;
        body["items"]![0]!["hsCode"] = "99999999";
        body["items"]![0]!["currency"] = "XYZ";

        using var response = await exporter.PostAsJsonAsync(new Uri(system.Customs.BaseAddress, "declarations"), body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key).ToHashSet();
        Assert.Superset(new HashSet<string> { "officeOfDeclaration", "consignment.containers[0]", "items[0].netMassKg", "items[0].hsCode", "items[0].currency", "documents[0].hash" }, errors);
        Assert.Equal(0, await Count(system.DatabasePath("customs"), "SELECT COUNT(*) FROM declarations"));
    }
}
