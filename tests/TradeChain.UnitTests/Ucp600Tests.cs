using System.Globalization;
using System.Text.Json.Nodes;
using TradeChain.Payments.Domain.Credits;

namespace TradeChain.UnitTests;

public class Ucp600Tests
{
    private const string Invoice = "commercial-invoice", Lading = "bill-of-lading", Origin = "certificate-of-origin";

    private static DateOnly D(string iso) => DateOnly.Parse(iso, CultureInfo.InvariantCulture);

    /// <summary>USD 100,000 "about" (10 %), expiring Tuesday 31 March 2026 in Viet Nam, shipment by 15 March, Saigon to Hamburg.</summary>
    private static readonly CreditTerms Credit = new(
        "USD", 100_000m, 10m, D("2026-03-31"), "VN", D("2026-03-15"), 21, false,
        "Hanseatic Coffee Importers GmbH", "Saigon Robusta Export Co., Ltd.", "VNSGN", "DEHAM",
        "Robusta coffee beans, grade 2",
        [
            new(Invoice, ["amount", "currency", "applicant", "beneficiary", "goodsDescription"]),
            new(Lading, ["portOfLoading", "portOfDischarge", "shipmentDate", "goodsDescription"]),
            new(Origin, ["goodsDescription", "beneficiary", "applicant"]),
        ]);

    private static JsonObject InvoiceContent() => JsonNode.Parse("""
        {
          "invoiceNumber": "INV-2026-031",
          "seller": { "name": "SAIGON ROBUSTA EXPORT CO LTD", "country": "VN" },
          "buyer": { "name": "Hanseatic  Coffee Importers GmbH", "country": "DE" },
          "currency": "USD",
          "totalAmount": "100000.00",
          "incoterm": "FOB",
          "lineItems": [
            { "description": "Robusta coffee beans, grade 2 — 60 kg jute bags", "hsCode": "090111", "quantity": 19200, "unit": "KGM", "unitPrice": "5.2083", "amount": "100000.00" }
          ]
        }
        """)!.AsObject();

    private static JsonObject LadingContent() => JsonNode.Parse("""
        {
          "billOfLadingNumber": "SGNHAM260310",
          "carrier": { "name": "Mekong Ocean Lines" },
          "shipper": { "name": "Cholon Forwarding JSC" },
          "consignee": { "name": "To order of Vietcombank" },
          "portOfLoading": "VNSGN",
          "portOfDischarge": "DE HAM",
          "vessel": "MV Saigon Star",
          "shippedOnBoardDate": "2026-03-10",
          "goodsDescription": "Robusta coffee beans grade 2, 320 bags"
        }
        """)!.AsObject();

    private static JsonObject OriginContent() => JsonNode.Parse("""
        {
          "certificateNumber": "VN-EVFTA-2026-77",
          "exporter": { "name": "Saigon Robusta Export Co., Ltd." },
          "consignee": { "name": "Hanseatic Coffee Importers GmbH" },
          "originCountry": "VN",
          "goodsDescription": "Robusta coffee",
          "preferentialScheme": "EVFTA"
        }
        """)!.AsObject();

    private static PresentedDocument Doc(string type, JsonObject content, Action<JsonObject>? change)
    {
        change?.Invoke(content);
        return new PresentedDocument($"0x{type}-hash", type, true, "integrity, status and issuer verified", content);
    }

    private static List<PresentedDocument> Docs(Action<JsonObject>? invoice = null, Action<JsonObject>? lading = null, Action<JsonObject>? origin = null) =>
        [Doc(Invoice, InvoiceContent(), invoice), Doc(Lading, LadingContent(), lading), Doc(Origin, OriginContent(), origin)];

    private static ExaminationResult Examine(
        CreditTerms? terms = null, IEnumerable<PresentedDocument>? docs = null, string presentedOn = "2026-03-20",
        decimal alreadyDrawn = 0m, int earlier = 0) =>
        Ucp600Examiner.Examine(terms ?? Credit, new PresentationInput(D(presentedOn), (docs ?? Docs()).ToList(), alreadyDrawn, earlier));

    private static string[] Codes(ExaminationResult result) => result.Discrepancies.Select(d => d.Code).ToArray();

    [Fact]
    public void A_complying_presentation_has_no_discrepancy_and_claims_the_invoice_total()
    {
        var result = Examine();
        Assert.True(result.Complying, string.Join("; ", result.Discrepancies.Select(d => d.Detail)));
        Assert.Empty(result.Discrepancies);
        Assert.Equal(100_000m, result.AmountClaimed);
        Assert.Equal(D("2026-03-27"), result.ExaminationDeadline); // presented on a Friday: five banking days later
    }

    private static readonly Dictionary<string, Func<ExaminationResult>> Alone = new()
    {
        ["document-missing"] = () => Examine(docs: Docs().Where(d => d.Type != Origin)),
        ["document-not-verified"] = () => Examine(docs: Docs().Select(d => d.Type == Origin
            ? d with { Verified = false, VerificationReason = "status: revoked on 2026-03-18 (issued in error)" } : d)),
        ["currency-mismatch"] = () => Examine(docs: Docs(invoice: c => c["currency"] = "EUR")),
        ["amount-exceeds-credit"] = () => Examine(docs: Docs(invoice: c => c["totalAmount"] = "110000.01")),
        ["partial-drawing-not-allowed"] = () => Examine(docs: Docs(invoice: c => c["totalAmount"] = "89999.99")),
        ["beneficiary-mismatch"] = () => Examine(docs: Docs(invoice: c => c["seller"]!["name"] = "Saigon Arabica Export Co., Ltd.")),
        ["applicant-mismatch"] = () => Examine(docs: Docs(invoice: c => c["buyer"]!["name"] = "Bremen Coffee Traders AG")),
        ["goods-description"] = () => Examine(docs: Docs(invoice: c => c["lineItems"]![0]!["description"] = "Arabica coffee beans, grade 1")),
        ["port-of-loading"] = () => Examine(docs: Docs(lading: c => c["portOfLoading"] = "VNHPH")),
        ["port-of-discharge"] = () => Examine(docs: Docs(lading: c => c["portOfDischarge"] = "NLRTM")),
        ["late-shipment"] = () => Examine(docs: Docs(lading: c => c["shippedOnBoardDate"] = "2026-03-16")),
        ["late-presentation"] = () => Examine(docs: Docs(lading: c => c["shippedOnBoardDate"] = "2026-03-02"), presentedOn: "2026-03-24"),
        ["presented-after-expiry"] = () => Examine(docs: Docs(lading: c => c["shippedOnBoardDate"] = "2026-03-12"), presentedOn: "2026-04-01"),
        ["data-conflict"] = () => Examine(docs: Docs(lading: c => c["goodsDescription"] = "Vietnamese Robusta coffee beans, grade 2",
            origin: c => c["goodsDescription"] = "Brazilian Robusta coffee beans, grade 2")),
        ["unreadable-field"] = () => Examine(docs: Docs(invoice: c => c["totalAmount"] = "100,000.00")),
    };

    public static TheoryData<string> Codes_alone => [.. Alone.Keys];

    [Theory]
    [MemberData(nameof(Codes_alone))]
    public void Each_discrepancy_alone_is_the_only_one_listed_and_cites_its_rule(string code)
    {
        var result = Examine(); // the fixture complies; each case changes one thing
        Assert.True(result.Complying);

        result = Alone[code]();
        Assert.False(result.Complying);
        var discrepancy = Assert.Single(result.Discrepancies);
        Assert.Equal(code, discrepancy.Code);
        Assert.StartsWith("UCP 600 art. ", discrepancy.Rule);
        Assert.False(string.IsNullOrWhiteSpace(discrepancy.Detail));
    }

    [Fact]
    public void Discrepancies_name_the_document_the_field_and_the_article()
    {
        var notVerified = Assert.Single(Alone["document-not-verified"]().Discrepancies);
        Assert.Equal(Origin, notVerified.DocumentType);
        Assert.Contains("status: revoked on 2026-03-18 (issued in error)", notVerified.Detail);

        var seller = Assert.Single(Alone["beneficiary-mismatch"]().Discrepancies);
        Assert.Equal((Invoice, "seller.name"), (seller.DocumentType, seller.Field));
        Assert.Contains("art. 18(a)(i)", seller.Rule);

        var ports = Assert.Single(Alone["port-of-loading"]().Discrepancies);
        Assert.Equal((Lading, "portOfLoading"), (ports.DocumentType, ports.Field));
        Assert.Contains("art. 20(a)(iii)", ports.Rule);

        var late = Assert.Single(Alone["late-presentation"]().Discrepancies);
        Assert.Null(late.DocumentType);
        Assert.Contains("art. 14(c)", late.Rule);

        var amount = Assert.Single(Alone["unreadable-field"]().Discrepancies);
        Assert.Equal((Invoice, "totalAmount"), (amount.DocumentType, amount.Field));
    }

    [Fact]
    public void Every_discrepancy_is_listed_in_one_result()
    {
        var docs = Docs(
                invoice: c => { c["totalAmount"] = "120000.00"; c["buyer"]!["name"] = "Bremen Coffee Traders AG"; },
                lading: c => { c["portOfLoading"] = "VNHPH"; c["shippedOnBoardDate"] = "2026-03-16"; })
            .Where(d => d.Type != Origin)
            .Select(d => d.Type == Invoice ? d with { Verified = false, VerificationReason = "integrity: totalAmount was tampered with" } : d);

        var result = Examine(docs: docs, presentedOn: "2026-04-01");

        Assert.False(result.Complying);
        Assert.Equal(
            ["amount-exceeds-credit", "applicant-mismatch", "document-missing", "document-not-verified", "late-shipment", "port-of-loading", "presented-after-expiry"],
            Codes(result).Order());
        Assert.Equal(120_000m, result.AmountClaimed);
        Assert.Equal(D("2026-04-08"), result.ExaminationDeadline);
    }

    [Theory]
    [InlineData(10, false, "110000.00", null)]                           // "about": exactly +10 %
    [InlineData(10, false, "110000.01", "amount-exceeds-credit")]        // one cent over
    [InlineData(10, false, "90000.00", null)]                            // exactly −10 %
    [InlineData(10, false, "89999.99", "partial-drawing-not-allowed")]   // one cent under, partial drawings not allowed
    [InlineData(10, true, "50000.00", null)]                             // a partial drawing where allowed
    [InlineData(5, false, "105000.0000", null)]
    [InlineData(5, false, "105000.0001", "amount-exceeds-credit")]
    [InlineData(0, false, "100000.00", null)]                            // no tolerance: the amount exactly
    [InlineData(0, false, "100000.01", "amount-exceeds-credit")]
    [InlineData(0, false, "99999.99", "partial-drawing-not-allowed")]    // art. 30(b)'s 5 % is for quantities, not amounts
    [InlineData(0, true, "99999.99", null)]
    public void The_invoice_amount_is_held_to_the_tolerance(int tolerance, bool partialAllowed, string total, string? code)
    {
        var terms = Credit with { TolerancePercent = tolerance, PartialShipmentsAllowed = partialAllowed };
        var result = Examine(terms, Docs(invoice: c => c["totalAmount"] = total));
        Assert.Equal(code is null ? [] : [code], Codes(result));
        Assert.Equal(decimal.Parse(total, CultureInfo.InvariantCulture), result.AmountClaimed);
    }

    [Fact]
    public void An_amount_over_the_tolerance_says_how_much_was_available()
    {
        var detail = Assert.Single(Alone["amount-exceeds-credit"]().Discrepancies).Detail;
        Assert.Contains("110,000.01 claimed, 110,000.00 available", detail);
    }

    [Theory]
    [InlineData(21, "2026-03-02", "2026-03-23", true)]  // 21 days after Monday 2 March is Monday 23 March
    [InlineData(21, "2026-03-02", "2026-03-24", false)]
    [InlineData(0, "2026-03-02", "2026-03-23", true)]   // no period stated: 21 days
    [InlineData(0, "2026-03-02", "2026-03-24", false)]
    [InlineData(10, "2026-03-02", "2026-03-12", true)]  // a stated period
    [InlineData(10, "2026-03-02", "2026-03-13", false)]
    [InlineData(21, "2026-03-01", "2026-03-23", true)]  // the 21st day is a Sunday: extended to Monday (art. 29(a))
    [InlineData(21, "2026-03-01", "2026-03-24", false)]
    public void Documents_are_presented_within_the_period_after_shipment(int periodDays, string shipped, string presented, bool inTime)
    {
        var result = Examine(Credit with { PresentationPeriodDays = periodDays }, Docs(lading: c => c["shippedOnBoardDate"] = shipped), presented);
        Assert.Equal(inTime ? [] : ["late-presentation"], Codes(result));
    }

    [Fact]
    public void The_period_extended_over_a_weekend_still_ends_at_expiry()
    {
        // Expiry Friday 27 March; 21 days after Saturday 7 March is Saturday 28 March, extended to Monday 30 March —
        // but in any event not later than the expiry date (art. 14(c)).
        var terms = Credit with { ExpiryDate = D("2026-03-27") };
        var docs = Docs(lading: c => c["shippedOnBoardDate"] = "2026-03-07");
        Assert.Equal(["presented-after-expiry"], Codes(Examine(terms, docs, "2026-03-30")));
        Assert.Empty(Codes(Examine(terms, docs, "2026-03-27")));
    }

    [Theory]
    [InlineData("2026-03-28", "VN", "2026-03-30", "2026-03-31")] // Saturday → Monday
    [InlineData("2026-04-30", "VN", "2026-05-04", "2026-05-05")] // Reunification Day, Labour Day, weekend → Monday
    [InlineData("2026-02-14", "VN", "2026-02-23", "2026-02-24")] // Saturday before Tết → the Monday after Tết
    [InlineData("2026-04-03", "DE", "2026-04-07", "2026-04-08")] // Good Friday, weekend, Easter Monday → Tuesday
    [InlineData("2026-04-30", "DE", "2026-04-30", "2026-05-04")] // a banking day in Germany: no extension
    public void An_expiry_on_a_closed_day_is_extended_to_the_next_banking_day(string expiry, string country, string lastDay, string tooLate)
    {
        var expiryDate = D(expiry);
        var terms = Credit with { ExpiryDate = expiryDate, ExpiryPlaceCountry = country, LatestShipmentDate = expiryDate.AddDays(-10) };
        var docs = Docs(lading: c => c["shippedOnBoardDate"] = expiryDate.AddDays(-11).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

        Assert.Empty(Codes(Examine(terms, docs, lastDay)));
        var late = Assert.Single(Examine(terms, docs, tooLate).Discrepancies);
        Assert.Equal("presented-after-expiry", late.Code);
        if (lastDay != expiry) Assert.Contains($"extended to {lastDay}", late.Detail);
    }

    [Theory]
    [InlineData("2026-03-20", "VN", "2026-03-27")] // Friday: across one weekend
    [InlineData("2026-03-21", "VN", "2026-03-27")] // presented on a Saturday: Monday is the first following banking day
    [InlineData("2026-04-23", "VN", "2026-05-05")] // across Hùng Kings (observed 27 April), 30 April and 1 May
    [InlineData("2026-04-02", "DE", "2026-04-13")] // across Easter
    public void The_examination_deadline_is_five_banking_days_after_presentation(string presented, string country, string deadline)
    {
        var terms = Credit with { ExpiryPlaceCountry = country, ExpiryDate = D("2026-05-29"), LatestShipmentDate = D("2026-04-15") };
        var docs = Docs(lading: c => c["shippedOnBoardDate"] = "2026-03-20");
        Assert.Equal(D(deadline), Examine(terms, docs, presented).ExaminationDeadline);
    }

    [Fact]
    public void Partial_drawings_where_allowed_are_held_to_what_remains()
    {
        var terms = Credit with { PartialShipmentsAllowed = true };

        var first = Examine(terms, Docs(invoice: c => c["totalAmount"] = "60000.00"));
        Assert.True(first.Complying);
        Assert.Equal(60_000m, first.AmountClaimed);

        // 100,000 + 10 % = 110,000; 60,000 drawn: 50,000 remain.
        var second = Examine(terms, Docs(invoice: c => c["totalAmount"] = "50000.00"), alreadyDrawn: 60_000m, earlier: 1);
        Assert.True(second.Complying);
        var over = Examine(terms, Docs(invoice: c => c["totalAmount"] = "50000.01"), alreadyDrawn: 60_000m, earlier: 1);
        Assert.Equal(["amount-exceeds-credit"], Codes(over));
        Assert.Contains("less 60,000.00 already drawn", over.Discrepancies[0].Detail);
    }

    [Fact]
    public void Where_partial_drawings_are_not_allowed_a_second_presentation_is_refused()
    {
        var result = Examine(docs: Docs(), alreadyDrawn: 0m, earlier: 1);
        var discrepancy = Assert.Single(result.Discrepancies);
        Assert.Equal("partial-drawing-not-allowed", discrepancy.Code);
        Assert.Null(discrepancy.DocumentType);
        Assert.Contains("art. 31(a)", discrepancy.Rule);
    }

    [Fact]
    public void Documents_the_credit_does_not_require_are_disregarded()
    {
        var docs = Docs().Append(new PresentedDocument("0xpacking", "packing-list", false, "status: not issued", null))
            .Append(new PresentedDocument("0xunknown", null, true, "verified", new JsonObject()));
        Assert.True(Examine(docs: docs).Complying);
    }

    [Fact]
    public void Data_need_not_be_identical_but_must_not_conflict()
    {
        // The certificate of origin describes the goods in general terms (art. 14(e)) and names the parties with other
        // punctuation: no discrepancy. Two descriptions that each fit the credit but contradict each other conflict (art. 14(d)).
        Assert.True(Examine(docs: Docs(origin: c => c["goodsDescription"] = "coffee")).Complying);

        var terms = Credit with { GoodsDescription = "coffee beans" };
        var result = Examine(terms, Docs(
            invoice: c => c["lineItems"]![0]!["description"] = "Robusta coffee beans",
            lading: c => c["goodsDescription"] = "Robusta coffee beans",
            origin: c => c["goodsDescription"] = "Arabica coffee beans"));
        Assert.Equal(["data-conflict", "data-conflict"], Codes(result));
        Assert.All(result.Discrepancies, d => Assert.Equal((Origin, "goodsDescription"), (d.DocumentType, d.Field)));
        Assert.Contains(result.Discrepancies, d => d.Detail.Contains(Invoice, StringComparison.Ordinal));
        Assert.Contains(result.Discrepancies, d => d.Detail.Contains(Lading, StringComparison.Ordinal));

        // Other detail — packing, quantities — is not read as a conflict.
        Assert.True(Examine(terms, Docs(
            invoice: c => c["lineItems"]![0]!["description"] = "320 bags coffee beans, crop 2025/26",
            lading: c => c["goodsDescription"] = "Robusta coffee beans in jute bags",
            origin: c => c["goodsDescription"] = "coffee")).Complying);
    }

    [Fact]
    public void A_field_wrong_against_the_credit_is_not_listed_again_as_a_conflict()
    {
        var result = Examine(docs: Docs(origin: c => c["goodsDescription"] = "Arabica coffee beans, grade 2"));
        var discrepancy = Assert.Single(result.Discrepancies);
        Assert.Equal(("goods-description", Origin), (discrepancy.Code, discrepancy.DocumentType));
        Assert.Contains("art. 14(e)", discrepancy.Rule);
    }

    [Fact]
    public void Missing_or_ill_formed_fields_a_rule_needs_are_listed()
    {
        var result = Examine(docs: Docs(
            invoice: c => c.Remove("buyer"),
            lading: c => c["shippedOnBoardDate"] = "10/03/2026",
            origin: c => c["exporter"]!["name"] = 42));
        Assert.Equal(["unreadable-field", "unreadable-field", "unreadable-field"], Codes(result));
        Assert.Equal(["buyer.name", "exporter.name", "shippedOnBoardDate"], result.Discrepancies.Select(d => d.Field).Order());

        var noContent = Examine(docs: Docs().Select(d => d.Type == Origin ? d with { Content = null } : d));
        Assert.Equal(("unreadable-field", Origin), (noContent.Discrepancies.Single().Code, noContent.Discrepancies.Single().DocumentType));
    }

    [Fact]
    public void The_invoice_goods_description_is_its_own_field_or_else_its_line_items()
    {
        Assert.True(Examine(docs: Docs(invoice: c => c["goodsDescription"] = "320 bags Robusta coffee beans, grade 2, crop 2025/26")).Complying);
        var twoLines = Docs(invoice: c => c["lineItems"] = JsonNode.Parse("""
            [ { "description": "Robusta coffee beans,", "quantity": 1, "unitPrice": "1", "amount": "1" },
              { "description": "grade 2", "quantity": 1, "unitPrice": "1", "amount": "1" } ]
            """));
        Assert.True(Examine(docs: twoLines).Complying);
    }

    [Fact]
    public void The_field_map_follows_the_documents_schemas_and_unmapped_terms_can_be_refused_at_issuance()
    {
        Assert.Equal("buyer.name", Ucp600Examiner.ContentPath(Invoice, "applicant"));
        Assert.Equal("seller.name", Ucp600Examiner.ContentPath(Invoice, "beneficiary"));
        Assert.Equal("shippedOnBoardDate", Ucp600Examiner.ContentPath(Lading, "shipmentDate"));
        Assert.Equal("consignee.name", Ucp600Examiner.ContentPath(Origin, "applicant"));
        Assert.Null(Ucp600Examiner.ContentPath(Origin, "portOfLoading"));

        var terms = Credit with { RequiredDocuments = [.. Credit.RequiredDocuments, new RequiredDocument("packing-list", ["applicant", "portOfLoading"])] };
        Assert.Equal(["packing-list: portOfLoading"], Ucp600Examiner.UnmappedMatchFields(terms));
        Assert.Empty(Ucp600Examiner.UnmappedMatchFields(Credit));
    }
}
