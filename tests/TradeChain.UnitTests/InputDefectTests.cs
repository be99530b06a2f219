using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using TradeChain.Customs.Api;
using TradeChain.Customs.Domain;
using TradeChain.Documents.Domain;
using TradeChain.Payments.Domain.Credits;
using static TradeChain.UnitTests.CustomsFixtures;

namespace TradeChain.UnitTests;

/// <summary>
/// Each defect the fuzz run of issue 14 (item 6) found in pure code: bad input is now refused by rule, naming the field,
/// where it used to throw (a 500) or pass unbounded.
/// </summary>
public class InputDefectTests
{
    [Fact]
    public void A_lone_surrogate_in_a_documents_content_is_named_not_thrown()
    {
        // As a request body delivers it: parsed, the escaped surrogate cannot even be read as a string (this threw: a 500).
        var parsed = JsonNode.Parse("""{"invoiceNumber":"INV-\ud800"}""")!.AsObject();
        Assert.Contains("lone UTF-16 surrogate", DocumentSchemas.Validate("commercial-invoice", parsed).Single(e => e.Field == "content.invoiceNumber").Rule);

        var content = new JsonObject { ["invoiceNumber"] = "INV-\uD800", ["seller"] = new JsonObject { ["name"] = new string('x', 100_000) } };
        var errors = DocumentSchemas.Validate("commercial-invoice", content).ToDictionary(e => e.Field, e => e.Rule);
        Assert.Contains("lone UTF-16 surrogate", errors["content.invoiceNumber"]);
        Assert.Contains("at most 2000 characters", errors["content.seller.name"]);
    }

    [Fact]
    public void Overlapping_fields_to_hide_are_refused_by_name_and_never_hidden_twice()
    {
        var document = TradeDocument.Submit(Guid.NewGuid(), "commercial-invoice", "EXP-ACME", OpenAttestationV2.SaltData(JsonNode.Parse("""
            {"invoiceNumber":"INV-7","buyer":{"name":"Hamburg Roasters GmbH","country":"DE"},"items":[{"x":1,"y":2}]}
            """)!.AsObject()), IssuanceMethod.DocumentStore, null, null, "anh", Now);
        document.AssignToBatch(Guid.NewGuid(), document.TargetHash, []);
        document.MarkIssued("0xtx", 7, "0xstore", "issuer", Now);

        var refused = document.Disclose(["items", "items.0.x", "buyer.name", "buyer"]);
        Assert.Null(refused.Copy);
        Assert.Equal(["hide[1]", "hide[3]"], refused.Problems.Select(p => p.Field));
        Assert.Contains("overlaps hide[0]", refused.Problems[0].Rule);

        // Asked of the wrapping itself, a field inside one already hidden is refused as absent, not hidden a second time.
        Assert.Throws<ArgumentException>(() => OpenAttestationV2.Obfuscate(document.WrappedCopy(), ["items", "items.0.x"]));
        Assert.True(OpenAttestationV2.VerifyIntegrity(OpenAttestationV2.Obfuscate(document.WrappedCopy(), ["items.0.x", "items"])).Valid);
    }

    [Fact]
    public void A_null_field_to_match_is_named_and_required_documents_are_bounded()
    {
        var terms = DocumentaryCreditTests.Terms;
        var proposed = new ProposedTerms(terms.Currency, terms.Amount, terms.TolerancePercent, terms.ExpiryDate, terms.ExpiryPlaceCountry,
            terms.LatestShipmentDate, terms.PresentationPeriodDays, terms.PartialShipmentsAllowed, terms.ApplicantName, terms.BeneficiaryName,
            terms.PortOfLoading, terms.PortOfDischarge, terms.GoodsDescription, [new RequiredDocument("commercial-invoice", ["amount", null!])]);
        CreditTerms.Create(proposed, null, new DateOnly(2026, 11, 25), out var errors);
        Assert.Contains(errors, e => e.Field == "terms.requiredDocuments[0].matchFields[1]");
        Assert.Null(Ucp600Examiner.ContentPath("commercial-invoice", null!));

        var many = proposed with { RequiredDocuments = [.. Enumerable.Range(0, 5000).Select(_ => new RequiredDocument("commercial-invoice", ["amount"]))] };
        CreditTerms.Create(many, null, new DateOnly(2026, 11, 25), out var tooMany);
        Assert.Contains(tooMany, e => e.Field == "terms.requiredDocuments" && e.Rule.Contains("at most 10", StringComparison.Ordinal));
    }

    private static readonly DeclarationValidator Validator = new(
        new ReferenceData(new HashSet<string>(["VN", "DE"]), new Dictionary<string, int> { ["USD"] = 2 }, new HashSet<string>(["KGM", "NAR"])),
        SampleTariff, SampleRates, new FakeTimeProvider(Now));

    [Fact]
    public void A_declarations_names_references_and_lists_are_bounded()
    {
        var request = new LodgeDeclarationRequest("export", "LRN-1\r\nX: 1", null, "VNSGN", "FOB",
            new PartyRequest(new string('A', 100_000), "VN0312345678", "VN"), new PartyRequest("Hamburg\u0007Roasters", "DE1234", "DE"),
            new ConsignmentRequest(1, "MAERSK\nSELETAR", [.. Enumerable.Repeat("CSQU3054383", 5000)], "VNSGN", "DEHAM"),
            [new GoodsItemRequest(1, "09011190", "Green coffee", "VN", 320, "NAR", 19_500, 19_200, 48_000, "USD", 1, "1000", "100")],
            [new DocumentRequest("commercial-invoice", "0x" + new string('b', 64))]);
        var errors = Validator.Validate(request).Errors;
        Assert.Equal(["consignment.containers", "consignment.meansOfTransport", "exporter.name", "importer.name", "localReferenceNumber"],
            errors.Select(e => e.Field).Distinct().Order(StringComparer.Ordinal));
        Assert.Single(errors, e => e.Field == "consignment.containers");

        var corrections = Enumerable.Range(1, 1000).Select(i => new ItemCorrection(i, null, null, 1, null, null)).ToList<ItemCorrection?>();
        Assert.Equal(("corrections", "at most 999 corrections, one per goods item"), Assert.Single(Validator.ValidateCorrections(corrections)));
        var twice = Validator.ValidateCorrections([new ItemCorrection(1, null, null, 1, null, null), new ItemCorrection(1, null, null, 2, null, null)]);
        Assert.Equal(["corrections[1].itemNumber"], twice.Select(e => e.Field));
    }
}
