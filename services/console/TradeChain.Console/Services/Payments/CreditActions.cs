using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Console.Services.Payments;

/// <summary>
/// Which steps of a documentary credit the signed-in party may take now, mirroring the payments API's rules
/// (Api/CreditEndpoints.cs, Domain/Credits/DocumentaryCredit.cs) so a page offers only those. The API still decides:
/// where a rule depends on what the console cannot know (banking holidays at the place of expiry, balances), the step is
/// offered and the API's refusal is shown.
/// </summary>
public sealed record CreditActions(string Role, string Party, DateOnly Today)
{
    private bool IsBank => Role == Roles.Bank;

    private bool IsExporter => Role == Roles.Exporter;

    public static bool IsOpen(Credit c) => c.Status is "Issued" or "Advised";

    /// <summary>A presentation still being examined, accepted or paid: no other is made and the credit is not refunded meanwhile.</summary>
    public static bool IsOpen(Presentation p) => p.Status is "Verifying" or "Complying" or "Discrepant" or "Waived" or "Accepted";

    public bool CanIssue(Credit c) => IsBank && Party == c.IssuingBank && c.Status == "Applied";

    public bool CanAdvise(Credit c) => IsBank && Party == c.AdvisingBank && c.Status == "Issued";

    public bool CanProposeAmendment(Credit c) => IsBank && Party == c.IssuingBank && IsOpen(c) && c.Amendments.All(a => a.Status != "proposed");

    public bool CanDecideAmendment(Credit c, Amendment a) => Party == c.Beneficiary && IsOpen(c) && a.Status == "proposed";

    /// <summary>The last day for presentation may be extended over non-banking days the console does not know: the API refuses a late one.</summary>
    public bool CanPresent(Credit c) => IsExporter && Party == c.Beneficiary && IsOpen(c) && !c.Presentations.Any(IsOpen);

    public bool CanConsentToCancel(Credit c) => IsExporter && Party == c.Beneficiary && IsOpen(c) && !c.BeneficiaryConsentedToCancel;

    /// <summary>
    /// On the beneficiary's consent, or once expired (the escrow holds the funds a few banking days longer; the API says
    /// until when), and with no presentation open before then.
    /// </summary>
    public bool CanRefund(Credit c) => IsBank && Party == c.IssuingBank && IsOpen(c)
                                       && (c.BeneficiaryConsentedToCancel ? !c.Presentations.Any(IsOpen) : Today > c.Terms.ExpiryDate);

    /// <summary>One notice, within the examination period; after it the bank is precluded (UCP 600 art. 16f).</summary>
    public bool CanRefuse(Credit c, Presentation p) => IsBank && Party == c.IssuingBank && p.Status == "Discrepant" && !Precluded(p);

    public bool CanAccept(Credit c, Presentation p) => IsBank && Party == c.IssuingBank && IsOpen(c)
                                                       && (p.Status is "Complying" or "Waived" || (p.Status == "Discrepant" && Precluded(p)));

    public bool CanWaive(Credit c, Presentation p) => IsExporter && Party == c.Applicant && p.Status == "Refused";

    /// <summary>The issuing bank, or the advising bank (which the escrow lets pay exactly what the issuing bank accepted).</summary>
    public bool CanSettle(Credit c, Presentation p) => IsBank && (Party == c.IssuingBank || Party == c.AdvisingBank) && p.Status == "Accepted";

    public bool Precluded(Presentation p) => p.ExaminationDeadline is { } deadline && Today > deadline;

    /// <summary>What the signed-in party is to the credit, in the trade's words.</summary>
    public string CapacityIn(Credit c)
    {
        var capacities = new List<string>();
        if (Party == c.Applicant) capacities.Add("applicant");
        if (Party == c.Beneficiary) capacities.Add("beneficiary");
        if (Party == c.IssuingBank) capacities.Add("issuing bank");
        if (Party == c.AdvisingBank) capacities.Add("advising bank");
        return capacities.Count == 0 ? "not a party" : string.Join(" and ", capacities);
    }
}
