using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using TradeChain.IntegrationTests.Infrastructure;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using Xunit.Abstractions;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// A documentary credit from application to settlement on the real system: funds locked in and released from the
/// escrow contract, documents from the documents service verified over the bus and examined under UCP 600, one
/// refusal notice with every discrepancy, the applicant's waiver, ISO 20022 messages and the reconciliation report.
/// </summary>
public sealed class CreditTests(ITestOutputHelper output)
{
    private const string Importer = "IMP-HAMBURG-ROASTERS";
    private const string Exporter = "EXP-SAIGON-COFFEE";
    private const string IssuingBank = "BNK-HSBC";
    private const string AdvisingBank = "BNK-VCB";

    [Fact]
    public async Task A_bank_issues_a_credit_refuses_a_discrepant_presentation_in_one_notice_and_settles_it_from_escrow_after_a_waiver()
    {
        await using var bankSigner = new WatchedBankSigner();
        await using var system = await TradeChainSystem.StartAsync(bankSigner.Configure, bankSignerPort: bankSigner.Port);
        var payments = system.Payments.BaseAddress;
        using var importer = Client(Roles.Exporter, Importer);
        using var exporter = Client(Roles.Exporter, Exporter);
        using var hsbc = Client(Roles.Bank, IssuingBank);
        using var vcb = Client(Roles.Bank, AdvisingBank);
        using var stranger = Client(Roles.Bank, "BNK-TREASURY");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        // Accounts: each party mandates its bank, which opens the account; the importer's bank credits 60,000 USD against its books.
        Assert.Equal("no-mandate", (await Send(hsbc, HttpMethod.Post, new Uri(payments, "accounts"), new { party = Importer, currency = "USD" })).Body!["rule"]!.GetValue<string>());
        Assert.Equal("no-mandate", (await Send(hsbc, HttpMethod.Post, new Uri(payments, "accounts"), new { party = "CUSTOMS-TREASURY", currency = "USD" })).Body!["rule"]!.GetValue<string>());
        await Post(importer, new Uri(payments, "accounts/mandates"), new { bank = IssuingBank, currency = "USD" });
        await Post(exporter, new Uri(payments, "accounts/mandates"), new { bank = AdvisingBank, currency = "USD" });
        Assert.Equal("no-mandate", (await Send(vcb, HttpMethod.Post, new Uri(payments, "accounts"), new { party = Importer, currency = "USD" })).Body!["rule"]!.GetValue<string>());
        await Post(hsbc, new Uri(payments, "accounts"), new { party = Importer, currency = "USD" });
        await Post(vcb, new Uri(payments, "accounts"), new { party = Exporter, currency = "USD" });
        await Post(hsbc, new Uri(payments, $"accounts/{Importer}/USD/deposits"), new { amount = 60_000m, reference = "DEP-0001" });
        var again = await Post(hsbc, new Uri(payments, $"accounts/{Importer}/USD/deposits"), new { amount = 60_000m, reference = "DEP-0001" });
        Assert.Equal(60_000m, again["balance"]!.GetValue<decimal>()); // the same booking reference books nothing twice
        Assert.True(again["agrees"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(vcb, HttpMethod.Post, new Uri(payments, $"accounts/{Importer}/USD/deposits"), new { amount = 1m, reference = "X" })).Status);

        var (badStatus, badBody) = await Send(importer, HttpMethod.Post, new Uri(payments, "credits"), new
        {
            beneficiary = Exporter, issuingBank = IssuingBank,
            terms = new { currency = "XYZ", amount = -5m, expiryDate = today.AddDays(5), latestShipmentDate = today.AddDays(9) },
        });
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        foreach (var field in new[] { "terms.currency", "terms.amount", "terms.latestShipmentDate", "terms.requiredDocuments", "terms.expiryPlaceCountry" })
            Assert.True(badBody!["errors"]![field] is not null, $"{field} named in {badBody.ToJsonString()}");

        var applied = await Post(importer, new Uri(payments, "credits"), new
        {
            beneficiary = Exporter, issuingBank = IssuingBank, advisingBank = AdvisingBank,
            terms = new
            {
                currency = "USD", amount = 48_000m, tolerancePercent = 5m, expiryDate = today.AddDays(45), expiryPlaceCountry = "VN",
                latestShipmentDate = today.AddDays(20), partialShipmentsAllowed = true,
                applicantName = "Hamburg Roasters GmbH", beneficiaryName = "Saigon Coffee JSC", portOfLoading = "VNSGN", portOfDischarge = "DEHAM",
                goodsDescription = "Robusta green coffee beans grade 1",
                requiredDocuments = new object[]
                {
                    new { type = "commercial-invoice", matchFields = new[] { "amount", "currency", "applicant", "beneficiary", "goodsDescription" } },
                    new { type = "bill-of-lading", matchFields = new[] { "portOfLoading", "portOfDischarge", "shipmentDate" } },
                    new { type = "certificate-of-origin", matchFields = Array.Empty<string>() },
                },
            },
        });
        var credit = new Uri(payments, $"credits/{applied["id"]}/");
        Assert.Equal("Applied", applied["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(stranger, HttpMethod.Get, credit)).Status); // not party: it does not exist for it
        Assert.Equal("issuing-bank-only", (await Send(vcb, HttpMethod.Post, new Uri(credit, "issue"))).Body!["rule"]!.GetValue<string>());

        // Followed without polling: the credit answers with its ETag (the credit as this party sees it), 304 Not Modified
        // while it is the same; a waiting read is answered by the issuing bank's step, with the credit as it now stands.
        var (seen, seenTag) = await ConditionalGet(importer, credit, null);
        Assert.Equal(applied["number"]!.GetValue<string>(), seen!["number"]!.GetValue<string>());
        var (unchanged, unchangedTag) = await ConditionalGet(importer, credit, seenTag);
        Assert.Equal((null, seenTag), (unchanged, unchangedTag));
        // Not party to it: 404 with no ETag, its ETag known or not, waiting or not — it learns nothing of the credit.
        Assert.Equal((HttpStatusCode.NotFound, ""), await ConditionalStatus(stranger, new Uri(credit, "?waitSeconds=2"), seenTag));
        var noTag = await Send(importer, HttpMethod.Get, new Uri(credit, "?waitSeconds=5"));
        Assert.Equal(HttpStatusCode.BadRequest, noTag.Status);
        Assert.StartsWith("needs an If-None-Match header", noTag.Body!["errors"]!["waitSeconds"]![0]!.GetValue<string>());
        // The importer waits; the bank issues meanwhile (300 ms: time for the wait to begin, though an issue landing before
        // it would be answered the same, at once: what is judged is a 200 with the change, not the moment).
        var waiting = ConditionalGet(importer, new Uri(credit, "?waitSeconds=25"), seenTag);
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        var issued = await Post(hsbc, new Uri(credit, "issue"), new { });
        Assert.Equal("Issued", issued["status"]!.GetValue<string>());
        var (followed, followedTag) = await waiting;
        Assert.NotNull(followed); // 200 with the change, not the 304 of a wait that ended with nothing changed
        Assert.Equal("Issued", followed["status"]!.GetValue<string>());
        Assert.NotEqual(seenTag, followedTag);
        var importerAccount = await Get(importer, new Uri(payments, $"accounts/{Importer}/USD"));
        // Locked: the amount and its 5 % tolerance, all that may be drawn (48,000 × 1.05).
        Assert.Equal((9_600m, 9_600m), (importerAccount["balance"]!.GetValue<decimal>(), importerAccount["chainBalance"]!.GetValue<decimal>()));
        await Post(vcb, new Uri(credit, "advise"), new { });

        // Amendment: 50,000 USD, accepted by the beneficiary: the escrow takes the difference (with tolerance: 52,500 − 50,400).
        var amended = await Post(hsbc, new Uri(credit, "amendments"), new { terms = new { amount = 50_000m }, reason = "price increase agreed" });
        Assert.Equal("proposed", amended["amendments"]![0]!["status"]!.GetValue<string>());
        Assert.Equal("beneficiary-only", (await Send(importer, HttpMethod.Post, new Uri(credit, "amendments/1/accept"))).Body!["rule"]!.GetValue<string>());
        var accepted = await Post(exporter, new Uri(credit, "amendments/1/accept"), new { });
        Assert.Equal(50_000m, accepted["terms"]!["amount"]!.GetValue<decimal>());
        Assert.Equal(7_500m, (await Get(importer, new Uri(payments, $"accounts/{Importer}/USD")))["chainBalance"]!.GetValue<decimal>());
        // A decrease binds the escrow only with the beneficiary's own approval on chain, given when it accepts.
        await Post(hsbc, new Uri(credit, "amendments"), new { terms = new { amount = 49_500m }, reason = "quantity reduced" });
        await Post(exporter, new Uri(credit, "amendments/2/accept"), new { });
        Assert.Equal(8_025m, (await Get(importer, new Uri(payments, $"accounts/{Importer}/USD")))["chainBalance"]!.GetValue<decimal>()); // 60,000 − 49,500 × 1.05

        // The exporter issues its documents; the bill of lading names the wrong port of discharge, the invoice the wrong
        // buyer, and the certificate of origin is missing from the presentation: three discrepancies.
        var documents = system.Documents.BaseAddress;
        var invoice = await IssueDocument(exporter, documents, "commercial-invoice", new
        {
            invoiceNumber = "INV-SGC-77", seller = new { name = "Saigon Coffee JSC", country = "VN" }, buyer = new { name = "Bremen Coffee Traders", country = "DE" },
            totalAmount = "49000.00", currency = "USD", incoterm = "FOB",
            lineItems = new[] { new { description = "Robusta green coffee beans grade 1", quantity = 19_200, unit = "KGM", unitPrice = "2.5521", amount = "49000.00" } },
        });
        var bill = await IssueDocument(exporter, documents, "bill-of-lading", new
        {
            billOfLadingNumber = "MAEU-77001", carrier = new { name = "Maersk A/S" }, shipper = new { name = "Saigon Coffee JSC" }, consignee = new { name = "TO ORDER" },
            portOfLoading = "VNSGN", portOfDischarge = "DEBRV", vessel = "MAERSK SELETAR", shippedOnBoardDate = today.AddDays(-2).ToString("yyyy-MM-dd"),
            goodsDescription = "Robusta green coffee beans grade 1",
        });
        var presented = await Post(exporter, new Uri(credit, "presentations"), new { documentHashes = new[] { invoice, bill } });
        var presentationId = presented["presentations"]![0]!["id"]!.GetValue<string>();
        // Its examination (documents verified over the bus: the presentation's own transitions, not the credit's) reaches a
        // waiting read of the credit too: each answer is a change, until the presentation is examined.
        var (examined, examinedTag) = await ConditionalGet(hsbc, credit, null);
        for (var answers = 0; examined!["presentations"]![0]!["status"]!.GetValue<string>() is "Presented" or "Verifying" && answers < 6; answers++)
        {
            var (next, nextTag) = await ConditionalGet(hsbc, new Uri(credit, "?waitSeconds=20"), examinedTag);
            if (next is null) continue; // slower than the wait: 304, asked again
            Assert.NotEqual(examinedTag, nextTag);
            (examined, examinedTag) = (next, nextTag);
        }
        var presentation = examined!["presentations"]![0]!;
        output.WriteLine(presentation.ToJsonString());
        Assert.Equal("Discrepant", presentation["status"]!.GetValue<string>());
        var codes = presentation["discrepancies"]!.AsArray().Select(d => d!["code"]!.GetValue<string>()).ToList();
        Assert.Contains("document-missing", codes);
        Assert.Contains("port-of-discharge", codes);
        Assert.Contains("applicant-mismatch", codes);
        // Five banking days at the place of expiry (VN) after the day the bank received the presentation (UCP 600 art. 14b).
        var presentedOn = DateOnly.Parse(presentation["presentedOn"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TradeChain.Payments.Domain.Credits.BankingCalendar.AddBankingDays(presentedOn, 5, "VN"),
            DateOnly.Parse(presentation["examinationDeadline"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(presentedOn.DayNumber - today.DayNumber, 0, 1); // received now (the service's clock), not a date the presenter chose

        var p = new Uri(credit, $"presentations/{presentationId}/");
        Assert.Equal("not-acceptable", (await Send(hsbc, HttpMethod.Post, new Uri(p, "accept"))).Body!["rule"]!.GetValue<string>());
        var refused = await Post(hsbc, new Uri(p, "refuse"), new { });
        var notice = refused["presentations"]![0]!["refusalNotice"]!.GetValue<string>();
        output.WriteLine(notice);
        Assert.Contains("(1)", notice);
        Assert.Contains($"({codes.Count})", notice); // every discrepancy, in one notice
        Assert.Equal("applicant-only", (await Send(exporter, HttpMethod.Post, new Uri(p, "waive"))).Body!["rule"]!.GetValue<string>());
        await Post(importer, new Uri(p, "waive"), new { });
        await Post(hsbc, new Uri(p, "accept"), new { });

        // The advising bank pays from escrow; paying the same presentation again moves nothing.
        var settled = await Post(vcb, new Uri(p, "settle"), new { });
        Assert.Equal("Settled", settled["presentations"]![0]!["status"]!.GetValue<string>());
        Assert.Equal(49_000m, settled["drawn"]!.GetValue<decimal>());
        Assert.Equal("not-accepted", (await Send(vcb, HttpMethod.Post, new Uri(p, "settle"))).Body!["rule"]!.GetValue<string>());
        var exporterAccount = await Get(exporter, new Uri(payments, $"accounts/{Exporter}/USD"));
        Assert.Equal((49_000m, 49_000m), (exporterAccount["balance"]!.GetValue<decimal>(), exporterAccount["chainBalance"]!.GetValue<decimal>()));

        // ISO 20022: the exporter has its credit notification; the banks the pacs.008.
        var exporterMessages = (await Client(Roles.Exporter, Exporter).GetFromJsonAsync<JsonArray>(new Uri(credit, "messages")))!;
        var camt = Assert.Single(exporterMessages);
        Assert.Equal("camt.054.001.08", camt!["messageType"]!.GetValue<string>());
        var camtXml = XDocument.Parse(await exporter.GetStringAsync(new Uri(payments, camt["href"]!.GetValue<string>().TrimStart('/'))));
        Assert.Equal("urn:iso:std:iso:20022:tech:xsd:camt.054.001.08", camtXml.Root!.Name.NamespaceName);
        Assert.Contains(camtXml.Descendants(), e => e.Name.LocalName == "CdtDbtInd" && e.Value == "CRDT");
        var bankMessages = (await vcb.GetFromJsonAsync<JsonArray>(new Uri(credit, "messages")))!;
        Assert.Contains(bankMessages, m => m!["messageType"]!.GetValue<string>() == "pacs.008.001.08");

        // The beneficiary agrees to cancel the rest; the issuing bank refunds the 2,975 USD still in escrow to the applicant.
        await Post(exporter, new Uri(credit, "consent-to-cancel"), new { });
        var refunded = await Post(hsbc, new Uri(credit, "refund"), new { });
        Assert.Equal("Refunded", refunded["status"]!.GetValue<string>());
        // Each bank's steps were signed by its own signer account, never with a key held by payments: the issue (locked in
        // escrow) by the issuing bank, the payout by the advising bank, the refund by the issuing bank.
        await bankSigner.AssertSignedByTheBankAsync(system, IssuingBank, issued["escrowTransactionHash"]!.GetValue<string>());
        await bankSigner.AssertSignedByTheBankAsync(system, AdvisingBank, settled["presentations"]![0]!["settlementTransactionHash"]!.GetValue<string>());
        await bankSigner.AssertSignedByTheBankAsync(system, IssuingBank, refunded["refundTransactionHash"]!.GetValue<string>());
        Assert.Equal(11_000m, (await Get(importer, new Uri(payments, $"accounts/{Importer}/USD")))["chainBalance"]!.GetValue<decimal>());

        // The applicant is notified of every movement of its account: locked in escrow, adjusted twice, refunded (the
        // payout left the escrow, not its account).
        var importerMessages = (await importer.GetFromJsonAsync<JsonArray>(new Uri(credit, "messages")))!;
        Assert.Equal(4, importerMessages.Count(m => m!["messageType"]!.GetValue<string>() == "camt.054.001.08"));
        var deposits = (await hsbc.GetFromJsonAsync<JsonArray>(new Uri(payments, $"accounts/{Importer}/USD/messages")))!;
        Assert.Single(deposits); // the one deposit, booked once

        var report = await Get(hsbc, new Uri(payments, "reconciliation"));
        output.WriteLine(report.ToJsonString());
        Assert.True(report["inAgreement"]!.GetValue<bool>(), report["differences"]!.ToJsonString());
        Assert.Contains(report["credits"]!.AsArray(), c => c!["number"]!.GetValue<string>() == applied["number"]!.GetValue<string>() && c["agrees"]!.GetValue<bool>());
        Assert.Contains(report["accounts"]!.AsArray(), a => a!["party"]!.GetValue<string>() == Importer && a["agrees"]!.GetValue<bool>());

        // The credit's history carries its presentation's own transitions, under the presentation's key, in their real states.
        var history = await Get(importer, new Uri(credit, "history"));
        var steps = history["transitions"]!.AsArray()
            .Where(t => t!["aggregateType"]!.GetValue<string>() == "presentation" && t["aggregateId"]!.GetValue<string>() == presentationId)
            .Select(t => $"{t!["fromState"]!.GetValue<string>()}->{t["toState"]!.GetValue<string>()}").ToList();
        Assert.Equal(["new->Presented", "Presented->Verifying", "Verifying->Discrepant", "Discrepant->Refused", "Refused->Waived", "Waived->Accepted", "Accepted->Settled"], steps);
        Assert.DoesNotContain(history["transitions"]!.AsArray(), t => t!["aggregateType"]!.GetValue<string>() == "credit" && t["reason"]!.GetValue<string>().Contains("refused"));
    }

    [Fact]
    public async Task A_credit_conditioned_on_customs_release_pays_only_after_customs_attested_the_release_on_chain()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        // The golden path releases a declaration; customs attests it on the escrows (GoodsReleased → attestor).
        var released = await RunGoldenPath(system, new StringWriter());
        using var importer = Client(Roles.Exporter, Importer);
        using var exporter = Client(Roles.Exporter, GoldenPathExporter);
        using var hsbc = Client(Roles.Bank, IssuingBank);
        using var vcb = Client(Roles.Bank, AdvisingBank);
        await Post(importer, new Uri(payments, "accounts/mandates"), new { bank = IssuingBank, currency = "USD" });
        await Post(exporter, new Uri(payments, "accounts/mandates"), new { bank = AdvisingBank, currency = "USD" });
        await Post(hsbc, new Uri(payments, "accounts"), new { party = Importer, currency = "USD" });
        await Post(vcb, new Uri(payments, "accounts"), new { party = GoldenPathExporter, currency = "USD" });
        await Post(hsbc, new Uri(payments, $"accounts/{Importer}/USD/deposits"), new { amount = 10_000m, reference = "DEP-C1" });

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        async Task<(Uri Credit, string Presentation)> AcceptedAsync(Guid declaration, string invoiceNumber)
        {
            var applied = await Post(importer, new Uri(payments, "credits"), new
            {
                beneficiary = GoldenPathExporter, issuingBank = IssuingBank, advisingBank = AdvisingBank, customsDeclarationId = declaration,
                terms = new
                {
                    currency = "USD", amount = 4_000m, expiryDate = today.AddDays(30), expiryPlaceCountry = "VN", latestShipmentDate = today.AddDays(10),
                    applicantName = "Hamburg Roasters GmbH", beneficiaryName = "ACME Rubber Export JSC", portOfLoading = "VNSGN", portOfDischarge = "DEHAM",
                    goodsDescription = "natural rubber SVR 10",
                    requiredDocuments = new[] { new { type = "commercial-invoice", matchFields = new[] { "amount", "currency" } } },
                },
            });
            var credit = new Uri(payments, $"credits/{applied["id"]}/");
            await Post(hsbc, new Uri(credit, "issue"), new { });
            var invoice = await IssueDocument(exporter, system.Documents.BaseAddress, "commercial-invoice", new
            {
                invoiceNumber, seller = new { name = "ACME Rubber Export JSC" }, buyer = new { name = "Hamburg Roasters GmbH" }, totalAmount = "2000.00", currency = "USD",
                lineItems = new[] { new { description = "natural rubber SVR 10", quantity = 1, unitPrice = "2000.00", amount = "2000.00" } },
            });
            var presented = await Post(exporter, new Uri(credit, "presentations"), new { documentHashes = new[] { invoice } });
            var id = presented["presentations"]![0]!["id"]!.GetValue<string>();
            var examined = await Poll(hsbc, credit, c => c["presentations"]![0]!["status"]!.GetValue<string>() != "Verifying");
            Assert.Equal("Complying", examined["presentations"]![0]!["status"]!.GetValue<string>());
            await Post(hsbc, new Uri(credit, $"presentations/{id}/accept"), new { });
            return (credit, id);
        }

        // Goods never released: the escrow refuses to pay, whoever asks.
        var (waiting, waitingPresentation) = await AcceptedAsync(Guid.NewGuid(), "INV-C-1");
        var (status, problem) = await Send(vcb, HttpMethod.Post, new Uri(waiting, $"presentations/{waitingPresentation}/settle"));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("contract:CustomsReleaseRequired", problem!["rule"]!.GetValue<string>());

        // Goods released by customs: it pays.
        var (paid, paidPresentation) = await AcceptedAsync(released.DeclarationId, "INV-C-2");
        var settled = await Post(vcb, new Uri(paid, $"presentations/{paidPresentation}/settle"), new { });
        Assert.Equal(2_000m, settled["drawn"]!.GetValue<decimal>());

        // The credits list, a page at a time, the latest applied first; a bank party to neither credit sees none.
        string IdOf(Uri credit) => credit.Segments[^1].TrimEnd('/');
        var first = await Get(importer, new Uri(payments, "credits?pageSize=1"));
        var second = await Get(vcb, new Uri(payments, "credits?pageSize=1&page=2"));
        Assert.Equal((2, 2), (first["total"]!.GetValue<int>(), second["total"]!.GetValue<int>()));
        Assert.Equal(IdOf(paid), first["items"]!.AsArray().Single()!["id"]!.GetValue<string>());
        Assert.Single(first["items"]![0]!["presentations"]!.AsArray()); // a listed credit carries its presentations
        Assert.Equal(IdOf(waiting), second["items"]!.AsArray().Single()!["id"]!.GetValue<string>());
        using var stranger = Client(Roles.Bank, "BNK-TREASURY");
        var none = await Get(stranger, new Uri(payments, "credits"));
        Assert.Equal((0, 0), (none["total"]!.GetValue<int>(), none["items"]!.AsArray().Count));
    }

    private const string GoldenPathExporter = TradeChain.Cli.GoldenPath.ExporterParty;
}
