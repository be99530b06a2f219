namespace TradeChain.Customs.Domain;

public enum DeclarationType { Export, Import, Transit }

/// <summary>WCO declaration function: an original, an amendment of it, or its cancellation.</summary>
public enum DeclarationFunction { Original, Amendment, Cancellation }

/// <summary>A trading party with its identifier (TIN, EORI or the national trader number).</summary>
public sealed record Party(string Name, string Identifier, string Country);

/// <summary>How the goods travel: UN Rec 19 transport mode, means of transport, ISO 6346 containers, UN/LOCODE places.</summary>
public sealed record Consignment(int TransportMode, string MeansOfTransport, IReadOnlyList<string> Containers, string PlaceOfLoading, string PlaceOfDischarge);

/// <summary>A supporting document by type and the hash the documents service issued it under.</summary>
public sealed record AttachedDocument(string Type, string Hash);

public sealed record GoodsItem(
    int ItemNumber,
    string HsCode,
    string Description,
    string OriginCountry,
    decimal Quantity,
    string Unit,
    decimal GrossMassKg,
    decimal NetMassKg,
    decimal CustomsValue,
    string Currency,
    int ValuationMethod = 1,
    string ProcedureCode = "1000",
    string PreferenceCode = PreferenceCodes.General)
{
    public bool ClaimsPreference => PreferenceCode == PreferenceCodes.Preferential;
}

/// <summary>Preference codes: 100 general (MFN) duty, 300 a preferential rate claimed under a trade agreement.</summary>
public static class PreferenceCodes
{
    public const string General = "100";
    public const string Preferential = "300";
}

/// <summary>The amendable content of a declaration (one version of it).</summary>
public sealed record DeclarationContent(
    DeclarationType Type,
    DateOnly DeclarationDate,
    string OfficeOfDeclaration,
    string Incoterm,
    Party Exporter,
    Party Importer,
    Consignment Consignment,
    IReadOnlyList<GoodsItem> Items,
    IReadOnlyList<AttachedDocument> Documents)
{
    public decimal TotalCustomsValue => Items.Sum(i => i.CustomsValue);

    public string Currency => Items.Count > 0 ? Items[0].Currency : "";
}

/// <summary>An earlier version of a declaration's content, kept when it is amended.</summary>
public sealed record DeclarationVersion(int Number, DeclarationContent Content, string Reason, string Actor, long ReplacedAtUnixMs);

/// <summary>A document type an officer asked the declarant for during a documentary check.</summary>
public sealed record RequestedDocument(string Type);

/// <summary>Values an officer found at examination that differ from the declared ones (null = as declared).</summary>
public sealed record ItemCorrection(int ItemNumber, string? HsCode, string? OriginCountry, decimal? Quantity, decimal? NetMassKg, decimal? CustomsValue);

/// <summary>
/// The documents service's verdict on one referenced document, as customs received it over the bus: valid or not, the
/// type it was issued as, and each check with its reason.
/// </summary>
public sealed record RecordedVerdict(string Hash, string? IssuedType, bool Valid, string Reason, IReadOnlyList<VerdictCheck> Checks, long VerifiedAtUnixMs)
{
    private RecordedVerdict() : this("", null, false, "", new List<VerdictCheck>(), 0) { } // for the database, which sets the checks itself
}

/// <summary>One check of a verification (integrity, issuance, revocation, issuerIdentity): valid, invalid, skipped or error, and why.</summary>
public sealed record VerdictCheck(string Name, string Status, string Reason);
