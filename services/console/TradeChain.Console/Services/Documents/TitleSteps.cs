namespace TradeChain.Console.Services.Documents;

/// <summary>
/// A step on a bill of lading's title (POST /documents/{id}/title/{Path}). <see cref="PartyLabel"/> is set when the step
/// moves the title to a party the user names; <see cref="SuggestedParty"/> prefills it when the title tells who.
/// </summary>
public sealed record TitleStep(string Path, string Label, string Explanation, string? PartyLabel = null, string? SuggestedParty = null, bool Final = false)
{
    public bool NeedsParty => PartyLabel is not null;
}

/// <summary>
/// Which title steps to offer the signed-in party. The title registry contract decides who may act (each step is signed
/// by the acting party's own account); this only hides what the title already shows the caller cannot do, and offers a
/// step whenever the title does not tell enough — then the API's refusal says why.
/// </summary>
public static class TitleSteps
{
    public static IReadOnlyList<TitleStep> For(TitleView title, string? me, bool isIssuer)
    {
        var steps = new List<TitleStep>();
        if (string.IsNullOrEmpty(me)) return steps;
        var holder = Is(title.Holder, me);
        var beneficiary = Is(title.Beneficiary, me);
        if (title.IsActive)
        {
            if (beneficiary && !holder)
                steps.Add(new TitleStep("nominate", "Nominate the next beneficiary",
                    "As beneficiary, name who the holder may endorse the title to.", "Party to nominate"));
            if (holder)
            {
                steps.Add(new TitleStep("endorse", "Endorse the title",
                    beneficiary
                        ? "As holder and beneficiary, endorse the title to any party: it becomes the beneficiary, entitled to the goods."
                        : "As holder, endorse the title to the beneficiary's nominee: it becomes the beneficiary.",
                    "Party to endorse the title to", title.Nominee?.Party));
                steps.Add(new TitleStep("transfer-holder", "Hand the bill to another holder",
                    "Pass possession of the bill of lading (as when documents go to a bank or the buyer).", "Party to hand the bill to"));
            }
            var last = title.EndorsementChain.Count > 0 ? title.EndorsementChain[^1] : null;
            if (holder && last is { Action: "holder-transferred" } && Is(last.To, me))
                steps.Add(new TitleStep("reject-holder", "Refuse the bill",
                    $"Refuse the transfer from {last.From}: the bill goes back to them."));
            if (beneficiary && last is { Action: "beneficiary-endorsed" } && Is(last.To, me))
                steps.Add(new TitleStep("reject-endorsement", "Refuse the endorsement",
                    $"Refuse the endorsement from {last.From}: they are the beneficiary again."));
            if (holder && beneficiary)
                steps.Add(new TitleStep("surrender", "Surrender to the issuer",
                    "Return the bill to its issuer to take delivery of the goods; the issuer then accepts (the title is burned) or rejects.",
                    Final: true));
        }
        else if (title.IsReturnedToIssuer && isIssuer)
        {
            steps.Add(new TitleStep("accept-surrender", "Accept the surrender",
                "The goods are delivered: the title is burned and the bill of lading is spent for good.", Final: true));
            steps.Add(new TitleStep("reject-surrender", "Reject the surrender",
                "The title goes back to the party that surrendered it."));
        }
        return steps;
    }

    /// <summary>The caller's place in a title now, in words: "holder and beneficiary", "nominee", or "earlier party" once it passed on.</summary>
    public static string PartOf(TitlePartyView? holder, TitlePartyView? beneficiary, TitlePartyView? nominee, string? me)
    {
        var parts = new List<string>();
        if (Is(holder, me)) parts.Add("holder");
        if (Is(beneficiary, me)) parts.Add("beneficiary");
        if (Is(nominee, me)) parts.Add("nominee");
        return parts.Count == 0 ? "earlier party" : string.Join(" and ", parts);
    }

    /// <summary>"beneficiary-endorsed" → "Beneficiary endorsed".</summary>
    public static string ActionLabel(string action) =>
        action.Length == 0 ? action : char.ToUpperInvariant(action[0]) + action[1..].Replace('-', ' ');

    public static bool Is(TitlePartyView? party, string? me) => party?.Party is { } name && string.Equals(name, me, StringComparison.Ordinal);
}
