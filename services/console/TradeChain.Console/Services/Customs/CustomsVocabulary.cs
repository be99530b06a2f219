using System.Text.RegularExpressions;

namespace TradeChain.Console.Services.Customs;

/// <summary>The words a declarant or an officer reads for the customs API's codes.</summary>
public static partial class CustomsVocabulary
{
    /// <summary>WCO response codes as customs gives them (Domain/Declaration.cs ResponseCodes).</summary>
    public static readonly IReadOnlyDictionary<string, string> ResponseCodes = new Dictionary<string, string>
    {
        ["01"] = "accepted",
        ["02"] = "received",
        ["03"] = "rejected",
        ["05"] = "physical check",
        ["06"] = "additional documents required",
        ["07"] = "amended",
        ["08"] = "released",
        ["09"] = "cleared",
        ["10"] = "cancelled",
        ["16"] = "goods exited",
    };

    public static string ResponseMeaning(string? code) =>
        code is null ? "none yet" : ResponseCodes.TryGetValue(code, out var meaning) ? meaning : "unknown code";

    /// <summary>The lifecycle in order (Domain/Declaration.cs DeclarationStatus).</summary>
    public static readonly IReadOnlyList<string> Statuses =
    [
        "Registered", "Assessed", "Paid", "UnderDocumentaryCheck", "AwaitingDocuments", "UnderExamination", "AwaitingSupplementaryPayment",
        "ReadyForRelease", "Released", "Exited", "Rejected", "Cancelled",
    ];

    public static readonly IReadOnlyList<string> Lanes = ["Green", "Blue", "Yellow", "Red"];

    /// <summary>What each lane means for the goods.</summary>
    public static string LaneMeaning(string? lane) => lane switch
    {
        "Green" => "released on payment",
        "Blue" => "released on payment, post-clearance audit",
        "Yellow" => "documentary check before release",
        "Red" => "physical examination before release",
        _ => "not yet selected (documents being verified)",
    };

    /// <summary>Document types customs accepts on a declaration (Domain/ReferenceData.cs DocumentTypes).</summary>
    public static readonly IReadOnlyList<string> DocumentTypes =
        ["certificate-of-origin", "commercial-invoice", "packing-list", "bill-of-lading", "phytosanitary-certificate"];

    /// <summary>"UnderDocumentaryCheck" → "Under documentary check".</summary>
    public static string Words(string? code)
    {
        if (string.IsNullOrEmpty(code)) return "";
        var words = CamelBoundary().Replace(code, " $1").ToLowerInvariant();
        return char.ToUpperInvariant(words[0]) + words[1..].Replace('-', ' ');
    }

    public static string Money(decimal amount, string? currency) => Display.Money(amount, currency);

    public static string Time(long unixMs) => Display.Time(unixMs);

    [GeneratedRegex("(?<=[a-z])([A-Z])")]
    private static partial Regex CamelBoundary();
}
