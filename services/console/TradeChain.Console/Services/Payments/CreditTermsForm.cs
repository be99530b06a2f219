namespace TradeChain.Console.Services.Payments;

/// <summary>
/// The credit's terms as a person fills them in: every field the API takes (CreditTermsRequest), empty ones sent as
/// absent so the API names what is missing at its field ("terms.amount", "terms.requiredDocuments[1].type").
/// </summary>
public sealed class CreditTermsForm
{
    /// <summary>Document types the payments API accepts in a credit, and the data a document can be matched on.</summary>
    public static readonly IReadOnlyList<string> DocumentTypes = ["commercial-invoice", "bill-of-lading", "packing-list", "certificate-of-origin", "phytosanitary-certificate"];

    public static readonly IReadOnlyList<(string Field, string Label)> MatchFields =
    [
        ("amount", "amount"), ("currency", "currency"), ("applicant", "applicant (buyer)"), ("beneficiary", "beneficiary (seller)"),
        ("goodsDescription", "goods description"), ("portOfLoading", "port of loading"), ("portOfDischarge", "port of discharge"), ("shipmentDate", "shipment date"),
    ];

    /// <summary>A match field in words ("port of loading"), or as the API names it when the console does not know it.</summary>
    public static string MatchFieldLabel(string field) => MatchFields.FirstOrDefault(m => m.Field == field).Label ?? field;

    public string Currency { get; set; } = "USD";

    public decimal? Amount { get; set; }

    public decimal? TolerancePercent { get; set; }

    public DateOnly? ExpiryDate { get; set; }

    public string ExpiryPlaceCountry { get; set; } = "";

    public DateOnly? LatestShipmentDate { get; set; }

    public int? PresentationPeriodDays { get; set; } = 21;

    public bool PartialShipmentsAllowed { get; set; } = true;

    public string ApplicantName { get; set; } = "";

    public string BeneficiaryName { get; set; } = "";

    public string PortOfLoading { get; set; } = "";

    public string PortOfDischarge { get; set; } = "";

    public string GoodsDescription { get; set; } = "";

    public List<RequiredDocumentForm> RequiredDocuments { get; set; } = [new() { Type = "commercial-invoice", MatchFields = ["amount", "currency"] }];

    public sealed class RequiredDocumentForm
    {
        public string Type { get; set; } = "";

        public HashSet<string> MatchFields { get; set; } = [];

        public int? Originals { get; set; } = 1;
    }

    /// <summary>The terms as they stand, to amend them (the form starts from them).</summary>
    public static CreditTermsForm From(CreditTerms t) => new()
    {
        Currency = t.Currency, Amount = t.Amount, TolerancePercent = t.TolerancePercent, ExpiryDate = t.ExpiryDate, ExpiryPlaceCountry = t.ExpiryPlaceCountry,
        LatestShipmentDate = t.LatestShipmentDate, PresentationPeriodDays = t.PresentationPeriodDays, PartialShipmentsAllowed = t.PartialShipmentsAllowed,
        ApplicantName = t.ApplicantName, BeneficiaryName = t.BeneficiaryName, PortOfLoading = t.PortOfLoading, PortOfDischarge = t.PortOfDischarge,
        GoodsDescription = t.GoodsDescription,
        RequiredDocuments = t.RequiredDocuments.Select(d => new RequiredDocumentForm { Type = d.Type, MatchFields = [.. d.MatchFields], Originals = d.Originals }).ToList(),
    };

    /// <summary>The API's request body for the terms (the API's own names; blanks left out).</summary>
    public object ToRequest() => new
    {
        currency = Blank(Currency)?.ToUpperInvariant(), amount = Amount, tolerancePercent = TolerancePercent, expiryDate = ExpiryDate,
        expiryPlaceCountry = Blank(ExpiryPlaceCountry)?.ToUpperInvariant(), latestShipmentDate = LatestShipmentDate, presentationPeriodDays = PresentationPeriodDays,
        partialShipmentsAllowed = PartialShipmentsAllowed, applicantName = Blank(ApplicantName), beneficiaryName = Blank(BeneficiaryName),
        portOfLoading = Blank(PortOfLoading)?.ToUpperInvariant(), portOfDischarge = Blank(PortOfDischarge)?.ToUpperInvariant(), goodsDescription = Blank(GoodsDescription),
        requiredDocuments = RequiredDocuments.Select(d => new { type = Blank(d.Type), matchFields = d.MatchFields.ToArray(), originals = d.Originals }).ToArray(),
    };

    public static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
