namespace TradeChain.Console.Services.Customs;

// What the customs API returns (services/customs/TradeChain.Customs/Api/DeclarationEndpoints.cs), as the console reads it.
// Code words (status, lane, type) stay strings: the console shows them and compares them, it does not decide with them.

public sealed record Party(string Name, string Identifier, string Country);

public sealed record Consignment(int TransportMode, string MeansOfTransport, IReadOnlyList<string> Containers, string PlaceOfLoading, string PlaceOfDischarge);

public sealed record AttachedDocument(string Type, string Hash);

public sealed record GoodsItem(
    int ItemNumber, string HsCode, string Description, string OriginCountry, decimal Quantity, string Unit, decimal GrossMassKg, decimal NetMassKg,
    decimal CustomsValue, string Currency, int ValuationMethod, string ProcedureCode, string PreferenceCode);

public sealed record DeclarationContent(
    string Type, DateOnly DeclarationDate, string OfficeOfDeclaration, string Incoterm, Party Exporter, Party Importer, Consignment Consignment,
    IReadOnlyList<GoodsItem> Items, IReadOnlyList<AttachedDocument> Documents);

public sealed record DeclarationVersion(int Number, DeclarationContent Content, string Reason, string Actor, long ReplacedAtUnixMs);

public sealed record AssessmentLine(
    int ItemNumber, string HsCode, string TariffLine, string DutyBasis, string DutyType, decimal CustomsValue, string Currency, decimal ExchangeRate,
    decimal CustomsValueNational, decimal Duty, string DutyComputation, decimal VatRate, decimal Vat, string VatComputation);

public sealed record AssessmentNotice(
    IReadOnlyList<AssessmentLine> Lines, IReadOnlyDictionary<string, decimal> TotalsByTax, decimal TotalPayable, string Currency, string RoundingRule,
    DateOnly ExchangeRateDate);

public sealed record FiredRule(string Id, string Description, string Lane, int Weight);

public sealed record LaneDecision(string Lane, IReadOnlyList<FiredRule> FiredRules, decimal? RandomDraw, string Explanation, string? Commitment);

public sealed record VerdictCheck(string Name, string Status, string Reason);

public sealed record RecordedVerdict(string Hash, string? IssuedType, bool Valid, string Reason, IReadOnlyList<VerdictCheck> Checks, long VerifiedAtUnixMs);

/// <summary>
/// A declaration as the API shows it to the caller: officers also get the lane decision (which risk rules fired).
/// <see cref="Revision"/> is the API's <c>version</c>, its number of status changes (what a long-poll is asked after).
/// </summary>
public sealed record Declaration(
    Guid Id, string LocalReferenceNumber, string DeclarantParty, string Type, string Function, string OfficeOfDeclaration, string Status,
    string? ResponseCode, string? StatusReason, string? Lane, LaneDecision? LaneDecision, string? OfficerLaneReason, AssessmentNotice? Assessment,
    string? PaymentReference, decimal AmountPaid, string? SupplementaryPaymentReference, decimal SupplementaryAmount, string? AssignedOfficer,
    IReadOnlyList<string> RequestedDocumentTypes, string? ExaminationFindings, int ContentVersion, DeclarationContent Content,
    IReadOnlyList<DeclarationVersion> PreviousVersions, long LodgedAtUnixMs, long UpdatedAtUnixMs, IReadOnlyList<RecordedVerdict>? DocumentVerdicts,
    [property: System.Text.Json.Serialization.JsonPropertyName("version")] int Revision = 0)
{
    /// <summary>Changes whenever the declaration does: what the timeline reloads on.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Version => $"{Status}|{UpdatedAtUnixMs}";
}

public sealed record WorkItem(
    Guid Id, string LocalReferenceNumber, string DeclarantParty, string Type, string OfficeOfDeclaration, string Status, string? ResponseCode,
    string? Lane, string? AssignedOfficer, long LodgedAtUnixMs, long UpdatedAtUnixMs, decimal? TotalPayable, string? Currency);

public sealed record LaneCounts(int Green, int Blue, int Yellow, int Red, int NotYetRouted)
{
    public IEnumerable<(string Lane, int Count)> ByLane() => [("Green", Green), ("Blue", Blue), ("Yellow", Yellow), ("Red", Red)];

    public int Total => Green + Blue + Yellow + Red + NotYetRouted;
}

public sealed record WorkQueuePage(IReadOnlyList<WorkItem> Items, int PageNumber, int PageSize, int Total, LaneCounts? CountsByLane)
{
    public int PageCount => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

public sealed record AnchoringLag(int PendingTransitions, long? OldestPendingAgeMs, long? LastAnchoredAtUnixMs, long? LastBatchLagMs);

public sealed record DeclarationStatistics(
    long AtUnixMs, string? Office, IReadOnlyDictionary<string, int> CountsByStatus, LaneCounts CountsByLane, DateOnly Day, IReadOnlyList<int> LodgedPerHour,
    AnchoringLag Anchoring);

/// <summary>An issued trade document of the signed-in exporter (documents API), to answer a request for documents with.</summary>
public sealed record IssuedDocument(Guid Id, string Type, string OwnerParty, string Hash, string Status, long SubmittedAtUnixMs);

public sealed record DocumentPage(IReadOnlyList<IssuedDocument> Items, int PageNumber, int PageSize, int Total);
