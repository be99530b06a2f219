using TradeChain.Domain;

namespace TradeChain.Customs.Domain;

/// <summary>The customs administration's decisions that need its configuration: lane selection and assessment, and payment references.</summary>
public sealed class CustomsProcess(Tariff tariff, ExchangeRates rates, SelectivityEngine selectivity)
{
    public Tariff Tariff => tariff;

    public AssessmentNotice Assess(DeclarationContent content) => tariff.Assess(content, rates);

    /// <summary>Selects the lane on the customs value in national currency, then assesses the duties.</summary>
    public (LaneDecision Decision, AssessmentNotice Notice) SelectAndAssess(Declaration declaration)
    {
        var notice = Assess(declaration.Content);
        var valueNational = notice.Lines.Sum(l => l.CustomsValueNational);
        var decision = selectivity.Select(declaration.Id, declaration.DeclarantParty, declaration.Content, valueNational);
        // An officer's re-route outlives amendments: the stricter of the two lanes applies.
        if (declaration.OfficerLane is { } officerLane && officerLane > decision.Lane)
            decision = decision with { Lane = officerLane, Explanation = $"{declaration.OfficerLaneReason} (kept across amendment; risk rules gave {decision.Lane})" };
        return (decision with { Commitment = Commit(decision) }, notice);
    }

    private static readonly System.Text.Json.JsonSerializerOptions DecisionJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>keccak256 of the decision as JSON (web casing, enums as names, Commitment null), 0x-hex.</summary>
    public static string Commit(LaneDecision decision) => TradeChain.Ledger.Merkle.Hex.Encode(Nethereum.Util.Sha3Keccack.Current.CalculateHash(
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(decision with { Commitment = null }, DecisionJson)));

    public static string PaymentReference(Declaration d) => $"DUTY-{d.Id.ToString("N")[..12].ToUpperInvariant()}-V{d.ContentVersion}";

    public static string SupplementaryReference(Declaration d) => $"SUPP-{d.Id.ToString("N")[..12].ToUpperInvariant()}-V{d.ContentVersion + 1}";

    /// <summary>Officers act on declarations they have taken; others must assign them first.</summary>
    public static void EnsureAssigned(Declaration declaration, string officer)
    {
        if (declaration.AssignedOfficer != officer)
            throw new DomainRuleViolation("assigned-officer",
                declaration.AssignedOfficer is null
                    ? "Assign the declaration to yourself first."
                    : $"The declaration is assigned to {declaration.AssignedOfficer}; only that officer may act on its check.");
    }
}
