using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TradeChain.Customs.Domain;

/// <summary>What a rule looks at. Every criterion given must hold; within a list any entry matches. HS and origin must hold on the same item.</summary>
public sealed record RuleCriteria(
    IReadOnlyList<string>? HsPrefixes = null,
    IReadOnlyList<string>? Origins = null,
    IReadOnlyList<string>? Declarants = null,
    decimal? MinCustomsValue = null,
    decimal? MaxCustomsValue = null,
    IReadOnlyList<string>? MissingDocumentTypes = null,
    bool? PreferenceClaimed = null,
    IReadOnlyList<string>? DeclarationTypes = null);

/// <summary>A selectivity rule: when its criteria hold it proposes its lane with its weight.</summary>
public sealed record SelectivityRule(string Id, string Description, Lane Lane, int Weight, RuleCriteria Criteria);

public sealed record FiredRule(string Id, string Description, Lane Lane, int Weight);

/// <summary>
/// The lane selectivity chose and why: which rules fired, or the random draw that chose it. An officer's re-route is
/// kept beside it on the declaration, so this stays the decision that was committed.
/// Risk rules are confidential to customs: declarants see the lane, and the anchored record carries only the
/// <see cref="Commitment"/> (keccak256 of this decision as JSON with Commitment null), which officers can check.
/// </summary>
public sealed record LaneDecision(Lane Lane, IReadOnlyList<FiredRule> FiredRules, decimal? RandomDraw, string Explanation, string? Commitment = null);

/// <summary>
/// Risk-based lane selection configured as data (Data/selectivity.json). The fired rule with the highest weight sets
/// the lane (ties go to the stricter lane). When no rule fires, a random selection by per-lane rates applies; the
/// draw comes from a seeded hash of the declaration's identity, so the same declaration always gets the same lane.
/// Customs values are compared in the national currency.
/// </summary>
public sealed class SelectivityEngine(IReadOnlyList<SelectivityRule> rules, IReadOnlyDictionary<Lane, decimal> randomRates, long seed)
{
    public IReadOnlyList<SelectivityRule> Rules { get; } = rules;

    public IReadOnlyDictionary<Lane, decimal> RandomRates { get; } = randomRates;

    public long Seed { get; } = seed;

    public static SelectivityEngine Load(string path)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
        using var stream = File.OpenRead(path);
        var file = JsonSerializer.Deserialize<SelectivityFile>(stream, options) ?? throw new InvalidDataException($"{path} holds no rules.");
        var duplicate = file.Rules.GroupBy(r => r.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"Selectivity rule id {duplicate.Key} is used twice in {path}.");
        if (file.RandomRates.Values.Sum() > 1m) throw new InvalidDataException("Random selection rates add up to more than 1.");
        return new SelectivityEngine(file.Rules, file.RandomRates, file.Seed);
    }

    public LaneDecision Select(Guid declarationId, string declarant, DeclarationContent content, decimal customsValueNational)
    {
        var fired = Rules.Where(r => Fires(r.Criteria, declarant, content, customsValueNational))
            .Select(r => new FiredRule(r.Id, r.Description, r.Lane, r.Weight))
            .OrderByDescending(r => r.Weight).ThenByDescending(r => r.Lane).ToList();
        if (fired.Count > 0)
        {
            var top = fired[0];
            return new LaneDecision(top.Lane, fired, null,
                $"rule {top.Id} ({top.Description}, weight {top.Weight})" + (fired.Count > 1 ? $"; also fired: {string.Join(", ", fired.Skip(1).Select(f => f.Id))}" : ""));
        }

        var draw = Draw(declarationId);
        var threshold = 0m;
        foreach (var lane in new[] { Lane.Red, Lane.Yellow, Lane.Blue })
        {
            threshold += RandomRates.GetValueOrDefault(lane);
            if (draw < threshold)
                return new LaneDecision(lane, [], draw, $"random selection: draw {draw:0.0000} below the cumulative {lane} rate {threshold:0.00##}");
        }
        return new LaneDecision(Lane.Green, [], draw, $"no risk rule fired; random draw {draw:0.0000} not selected");
    }

    /// <summary>A number in [0, 1) from the seed and the declaration's identity: reproducible, and unpredictable to declarants who do not know the seed.</summary>
    public decimal Draw(Guid declarationId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{Seed}:{declarationId}"));
        var value = BitConverter.ToUInt64(hash, 0) >> 11; // 53 bits
        return (decimal)value / (1UL << 53);
    }

    private static bool Fires(RuleCriteria c, string declarant, DeclarationContent content, decimal value)
    {
        if (c.Declarants is { Count: > 0 } && !c.Declarants.Contains(declarant)) return false;
        if (c.DeclarationTypes is { Count: > 0 } && !c.DeclarationTypes.Contains(content.Type.ToString(), StringComparer.OrdinalIgnoreCase)) return false;
        if (c.PreferenceClaimed is { } claimed && content.Items.Any(i => i.ClaimsPreference) != claimed) return false;
        if (c.MissingDocumentTypes is { Count: > 0 } && !c.MissingDocumentTypes.All(t => content.Documents.All(d => d.Type != t))) return false;
        var itemCriteria = c.HsPrefixes is { Count: > 0 } || c.Origins is { Count: > 0 };
        if (!itemCriteria) return InRange(c, value);
        var matching = content.Items.Where(i =>
            (c.HsPrefixes is not { Count: > 0 } || c.HsPrefixes.Any(p => i.HsCode.StartsWith(p, StringComparison.Ordinal))) &&
            (c.Origins is not { Count: > 0 } || c.Origins.Contains(i.OriginCountry))).ToList();
        if (matching.Count == 0) return false;
        // Value limits of an item rule apply to the matching items' share of the value (in national currency), so
        // adding unrelated items cannot lift goods over a threshold.
        var total = content.Items.Sum(i => i.CustomsValue);
        var share = total == 0 ? 0 : value * matching.Sum(i => i.CustomsValue) / total;
        return InRange(c, share);
    }

    private static bool InRange(RuleCriteria c, decimal value) =>
        (c.MinCustomsValue is not { } min || value >= min) && (c.MaxCustomsValue is not { } max || value <= max);

    private sealed record SelectivityFile(long Seed, Dictionary<Lane, decimal> RandomRates, List<SelectivityRule> Rules);
}
