namespace TradeChain.Console.Services.Customs.Form;

// The body of POST /declarations and PUT /declarations/{id}, field for field as the customs API reads it
// (services/customs/TradeChain.Customs/Api/LodgeDeclarationRequest.cs). Nulls are left out when sent, so the API names
// what is missing.

public sealed record PartyRequest(string? Name, string? Identifier, string? Country);

public sealed record ConsignmentRequest(int? TransportMode, string? MeansOfTransport, IReadOnlyList<string>? Containers, string? PlaceOfLoading, string? PlaceOfDischarge);

public sealed record GoodsItemRequest(
    int? ItemNumber, string? HsCode, string? Description, string? OriginCountry, decimal? Quantity, string? Unit,
    decimal? GrossMassKg, decimal? NetMassKg, decimal? CustomsValue, string? Currency,
    int? ValuationMethod, string? ProcedureCode, string? PreferenceCode);

public sealed record DocumentReference(string? Type, string? Hash);

public sealed record DeclarationRequest(
    string? Type,
    string? LocalReferenceNumber,
    DateOnly? DeclarationDate,
    string? OfficeOfDeclaration,
    string? Incoterm,
    PartyRequest? Exporter,
    PartyRequest? Importer,
    ConsignmentRequest? Consignment,
    IReadOnlyList<GoodsItemRequest>? Items,
    IReadOnlyList<DocumentReference>? Documents,
    string? Reason = null);

/// <summary>What the form needs of a declaration it amends (GET /declarations/{id}): its identity, status and current content.</summary>
public sealed record AmendableDeclaration(Guid Id, string LocalReferenceNumber, string DeclarantParty, string Type, string Function, string Status,
    string? Lane, int ContentVersion, DeclarationRequest Content);

/// <summary>The answer to a lodgement or amendment: enough to go to the declaration.</summary>
public sealed record DeclarationAccepted(Guid Id, string Status);
