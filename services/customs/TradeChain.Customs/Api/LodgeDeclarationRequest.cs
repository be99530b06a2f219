using System.ComponentModel.DataAnnotations;
using TradeChain.Domain;

namespace TradeChain.Customs.Api;

// [MaxLength] states each bound in the OpenAPI document (maxLength, maxItems); DeclarationValidator enforces them.

public sealed record PartyRequest([property: MaxLength(InputLimits.Name)] string? Name, [property: MaxLength(InputLimits.Reference)] string? Identifier, [property: MaxLength(2)] string? Country);

public sealed record ConsignmentRequest(int? TransportMode, [property: MaxLength(InputLimits.Name)] string? MeansOfTransport,
    [property: MaxLength(DeclarationValidator.MaxContainers)] IReadOnlyList<string>? Containers, [property: MaxLength(5)] string? PlaceOfLoading, [property: MaxLength(5)] string? PlaceOfDischarge);

public sealed record GoodsItemRequest(
    int? ItemNumber, [property: MaxLength(10)] string? HsCode, [property: MaxLength(DeclarationValidator.MaxDescriptionLength)] string? Description, [property: MaxLength(2)] string? OriginCountry, decimal? Quantity, string? Unit,
    decimal? GrossMassKg, decimal? NetMassKg, decimal? CustomsValue, string? Currency,
    int? ValuationMethod, string? ProcedureCode, string? PreferenceCode);

public sealed record DocumentRequest(string? Type, [property: MaxLength(66)] string? Hash);

/// <summary>A declaration as the declarant lodges or amends it (WCO data model subset).</summary>
public sealed record LodgeDeclarationRequest(
    string? Type,
    [property: MaxLength(DeclarationValidator.MaxReferenceLength)] string? LocalReferenceNumber,
    DateOnly? DeclarationDate,
    string? OfficeOfDeclaration,
    string? Incoterm,
    PartyRequest? Exporter,
    PartyRequest? Importer,
    ConsignmentRequest? Consignment,
    [property: MaxLength(DeclarationValidator.MaxItems)] IReadOnlyList<GoodsItemRequest>? Items,
    [property: MaxLength(DeclarationValidator.MaxDocuments)] IReadOnlyList<DocumentRequest>? Documents,
    [property: MaxLength(InputLimits.Reason)] string? Reason = null);
