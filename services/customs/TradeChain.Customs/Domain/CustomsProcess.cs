using System.Text.Json;
using System.Text.Json.Serialization;
using TradeChain.Domain;

namespace TradeChain.Customs.Domain;

/// <summary>The customs administration's decisions that need its configuration: lane selection and assessment.</summary>
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

    private static readonly JsonSerializerOptions DecisionJson = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>keccak256 of the decision as JSON (web casing, enums as names, Commitment null), 0x-hex.</summary>
    public static string Commit(LaneDecision decision) =>
        Keccak256.HashHex(JsonSerializer.SerializeToUtf8Bytes(decision with { Commitment = null }, DecisionJson));
}
