using TradeChain.Console.Services.Payments;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.ConsoleTests;

/// <summary>
/// The credit page offers each party only the steps the payments API would let it take in the credit's state
/// (DocumentaryCredit and CreditEndpoints): who may issue, advise, amend, present, refuse, waive, accept, settle, refund.
/// </summary>
public sealed class CreditActionsTests
{
    private static readonly DateOnly Today = new(2026, 11, 25);

    private const string Applicant = "IMP-HAMBURG", Beneficiary = "EXP-SAIGON", Issuing = "BNK-HSBC", Advising = "BNK-VCB";

    private static CreditActions As(string role, string party, DateOnly? today = null) => new(role, party, today ?? Today);

    private static Credit Credit(string status, IReadOnlyList<Presentation>? presentations = null, IReadOnlyList<Amendment>? amendments = null, bool consented = false) =>
        new(Guid.NewGuid(), "LC2611250001", status, Applicant, Beneficiary, Issuing, Advising,
            new CreditTerms("USD", 10_000m, 5m, Today.AddDays(30), "VN", Today.AddDays(10), 21, true, "Hamburg Roasters", "Saigon Coffee", "VNSGN", "DEHAM",
                "Robusta coffee", [new RequiredDocument("commercial-invoice", ["amount"], 1)]),
            0m, null, null, null, consented, amendments ?? [], presentations ?? []);

    private static Presentation Presented(string status, DateOnly? deadline = null) =>
        new(1, Guid.NewGuid(), ["0x" + new string('a', 64)], Today, status, [], 10_000m, deadline ?? Today.AddDays(7), null, null, null);

    [Fact]
    public void Only_the_issuing_bank_issues_an_applied_credit_and_only_the_advising_bank_advises_an_issued_one()
    {
        Assert.True(As(Roles.Bank, Issuing).CanIssue(Credit("Applied")));
        Assert.False(As(Roles.Bank, Advising).CanIssue(Credit("Applied")));
        Assert.False(As(Roles.Exporter, Issuing).CanIssue(Credit("Applied"))); // the party's name with the wrong role is not the bank
        Assert.False(As(Roles.Bank, Issuing).CanIssue(Credit("Issued")));
        Assert.True(As(Roles.Bank, Advising).CanAdvise(Credit("Issued")));
        Assert.False(As(Roles.Bank, Advising).CanAdvise(Credit("Advised")));
        Assert.False(As(Roles.Bank, Issuing).CanAdvise(Credit("Issued")));
    }

    [Fact]
    public void The_issuing_bank_proposes_one_amendment_at_a_time_and_only_the_beneficiary_decides_it()
    {
        var proposed = new Amendment(1, Credit("Advised").Terms, "price", "proposed", 0, null);
        var pending = Credit("Advised", amendments: [proposed]);
        Assert.True(As(Roles.Bank, Issuing).CanProposeAmendment(Credit("Advised")));
        Assert.False(As(Roles.Bank, Issuing).CanProposeAmendment(pending));
        Assert.False(As(Roles.Bank, Issuing).CanProposeAmendment(Credit("Applied")));
        Assert.True(As(Roles.Exporter, Beneficiary).CanDecideAmendment(pending, proposed));
        Assert.False(As(Roles.Exporter, Applicant).CanDecideAmendment(pending, proposed));
        Assert.False(As(Roles.Exporter, Beneficiary).CanDecideAmendment(pending, proposed with { Status = "accepted" }));
    }

    [Fact]
    public void The_beneficiary_presents_while_the_credit_is_open_and_no_presentation_is_open()
    {
        var beneficiary = As(Roles.Exporter, Beneficiary);
        Assert.True(beneficiary.CanPresent(Credit("Advised")));
        Assert.True(beneficiary.CanPresent(Credit("Issued")));
        Assert.False(beneficiary.CanPresent(Credit("Applied")));
        Assert.False(beneficiary.CanPresent(Credit("Advised", [Presented("Verifying")])));
        Assert.True(beneficiary.CanPresent(Credit("Advised", [Presented("Refused")]))); // presents anew; the refused documents go back
        Assert.False(As(Roles.Exporter, Applicant).CanPresent(Credit("Advised")));
    }

    [Fact]
    public void A_discrepant_presentation_is_refused_within_the_examination_period_and_accepted_after_it_the_bank_being_precluded()
    {
        var bank = As(Roles.Bank, Issuing);
        var inTime = Credit("Advised", [Presented("Discrepant", Today)]);
        Assert.True(bank.CanRefuse(inTime, inTime.Presentations[0]));
        Assert.False(bank.CanAccept(inTime, inTime.Presentations[0]));
        var late = Credit("Advised", [Presented("Discrepant", Today.AddDays(-1))]);
        Assert.False(bank.CanRefuse(late, late.Presentations[0]));
        Assert.True(bank.CanAccept(late, late.Presentations[0]));
        Assert.False(As(Roles.Bank, Advising).CanRefuse(inTime, inTime.Presentations[0]));
    }

    [Fact]
    public void The_applicant_waives_a_refusal_then_the_issuing_bank_accepts_and_either_bank_settles()
    {
        var refused = Credit("Advised", [Presented("Refused")]);
        Assert.True(As(Roles.Exporter, Applicant).CanWaive(refused, refused.Presentations[0]));
        Assert.False(As(Roles.Exporter, Beneficiary).CanWaive(refused, refused.Presentations[0]));
        var waived = Credit("Advised", [Presented("Waived")]);
        Assert.True(As(Roles.Bank, Issuing).CanAccept(waived, waived.Presentations[0]));
        Assert.False(As(Roles.Bank, Advising).CanAccept(waived, waived.Presentations[0]));
        var accepted = Credit("Advised", [Presented("Accepted")]);
        Assert.True(As(Roles.Bank, Issuing).CanSettle(accepted, accepted.Presentations[0]));
        Assert.True(As(Roles.Bank, Advising).CanSettle(accepted, accepted.Presentations[0]));
        Assert.False(As(Roles.Bank, "BNK-TREASURY").CanSettle(accepted, accepted.Presentations[0]));
        Assert.False(As(Roles.Bank, Issuing).CanSettle(waived, waived.Presentations[0]));
    }

    [Fact]
    public void The_issuing_bank_refunds_on_the_beneficiarys_consent_with_nothing_open_or_once_the_credit_expired()
    {
        var bank = As(Roles.Bank, Issuing);
        Assert.False(bank.CanRefund(Credit("Advised")));
        Assert.True(bank.CanRefund(Credit("Advised", consented: true)));
        Assert.False(bank.CanRefund(Credit("Advised", [Presented("Accepted")], consented: true)));
        Assert.True(As(Roles.Bank, Issuing, Today.AddDays(31)).CanRefund(Credit("Advised")));
        Assert.False(As(Roles.Bank, Issuing, Today.AddDays(31)).CanRefund(Credit("Refunded")));
        Assert.True(As(Roles.Exporter, Beneficiary).CanConsentToCancel(Credit("Advised")));
        Assert.False(As(Roles.Exporter, Beneficiary).CanConsentToCancel(Credit("Advised", consented: true)));
    }

    [Fact]
    public void The_page_says_in_which_capacity_the_party_acts()
    {
        Assert.Equal("issuing bank", As(Roles.Bank, Issuing).CapacityIn(Credit("Applied")));
        Assert.Equal("beneficiary", As(Roles.Exporter, Beneficiary).CapacityIn(Credit("Applied")));
        Assert.Equal("not a party", As(Roles.Bank, "BNK-OTHER").CapacityIn(Credit("Applied")));
    }
}
