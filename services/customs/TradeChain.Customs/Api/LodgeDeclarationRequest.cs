namespace TradeChain.Customs.Api;

public sealed record PartyRequest(string? Name, string? Identifier, string? Country);

public sealed record ConsignmentRequest(int? TransportMode, string? MeansOfTransport, IReadOnlyList<string>? Containers, string? PlaceOfLoading, string? PlaceOfDischarge);

public sealed record GoodsItemRequest(
    int? ItemNumber, string? HsCode, string? Description, string? OriginCountry, decimal? Quantity, string? Unit,
    decimal? GrossMassKg, decimal? NetMassKg, decimal? CustomsValue, string? Currency,
    int? ValuationMethod, string? ProcedureCode, string? PreferenceCode);

public sealed record DocumentRequest(string? Type, string? Hash);

/// <summary>A declaration as the declarant lodges or amends it (WCO data model subset).</summary>
public sealed record LodgeDeclarationRequest(
    string? Type,
    string? LocalReferenceNumber,
    DateOnly? DeclarationDate,
    string? OfficeOfDeclaration,
    string? Incoterm,
    PartyRequest? Exporter,
    PartyRequest? Importer,
    ConsignmentRequest? Consignment,
    IReadOnlyList<GoodsItemRequest>? Items,
    IReadOnlyList<DocumentRequest>? Documents,
    string? Reason = null);
