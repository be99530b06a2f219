using TradeChain.Domain;
using TradeChain.Payments.Domain.Credits;

namespace TradeChain.UnitTests;

/// <summary>The rules of a credit's terms, named by the field the API gives them.</summary>
public class CreditTermsTests
{
    private static readonly DateOnly Today = new(2026, 11, 25);

    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    private static readonly CreditTerms Terms = DocumentaryCreditTests.Terms;

    private static ProposedTerms Application(CreditTerms t) => new(t.Currency, t.Amount, t.TolerancePercent, t.ExpiryDate, t.ExpiryPlaceCountry,
        t.LatestShipmentDate, t.PresentationPeriodDays, t.PartialShipmentsAllowed, t.ApplicantName, t.BeneficiaryName, t.PortOfLoading, t.PortOfDischarge,
        t.GoodsDescription, t.RequiredDocuments);

    private static string[] Fields(IEnumerable<TermsError> errors) => [.. errors.Select(e => e.Field).Distinct().Order()];

    [Fact]
    public void Valid_terms_are_created_with_ucp_600s_defaults_for_what_an_application_leaves_out()
    {
        var terms = CreditTerms.Create(Application(Terms) with { TolerancePercent = null, PresentationPeriodDays = null, PartialShipmentsAllowed = null },
            null, Today, out var errors);
        Assert.Empty(errors);
        Assert.Equal((0m, 21, true), (terms.TolerancePercent, terms.PresentationPeriodDays, terms.PartialShipmentsAllowed));
    }

    [Fact]
    public void Every_broken_rule_is_named_by_its_field_at_once()
    {
        CreditTerms.Create(Application(Terms) with
        {
            Amount = 10.005m, TolerancePercent = 11m, ExpiryDate = Today.AddYears(5).AddDays(1), LatestShipmentDate = Today.AddYears(6),
            PresentationPeriodDays = 0, RequiredDocuments = [new RequiredDocument("bill-of-lading", ["amount"])],
        }, null, Today, out var errors);
        Assert.Equal(["terms.amount", "terms.expiryDate", "terms.latestShipmentDate", "terms.presentationPeriodDays", "terms.requiredDocuments", "terms.tolerancePercent"],
            Fields(errors));
        Assert.Contains(errors, e => e.Rule.StartsWith("must include a commercial-invoice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Rule == "bill-of-lading: amount cannot be matched: that document type does not carry the field");
        Assert.Contains(new TermsError("terms.amount", "must be positive, at most 1,000,000,000,000, with at most 2 decimals for USD"), errors);

        CreditTerms.Create(new ProposedTerms(Currency: "USD"), null, Today, out var missing);
        Assert.Contains(new TermsError("terms.amount", "is required: the credit amount"), missing);
        Assert.Contains(new TermsError("terms.requiredDocuments", "must list at least one document"), missing);
        Assert.Contains("terms.expiryDate", Fields(missing));
    }

    [Fact]
    public void An_amendment_keeps_the_unset_terms_the_currency_and_the_expiry_date()
    {
        var amended = CreditTerms.Create(new ProposedTerms(Amount: 51_000m), Terms, Today, out var errors);
        Assert.Empty(errors);
        Assert.Equal(Terms with { Amount = 51_000m }, amended);
        CreditTerms.Create(new ProposedTerms(Currency: "EUR", ExpiryDate: Terms.ExpiryDate.AddDays(1)), Terms, Today, out var refused);
        Assert.Equal(["terms.currency", "terms.expiryDate"], Fields(refused));
    }

    [Fact]
    public void The_credit_refuses_an_amendment_that_breaks_the_terms_rules_and_proposes_nothing()
    {
        var credit = DocumentaryCredit.Apply(Guid.NewGuid(), "LC-1", "IMP", "EXP", "BNK-HSBC", null, Terms, null, "imp", Now);
        credit.Issue("BNK-HSBC", "0xtx", "hsbc", Now);
        var errors = credit.ProposeAmendment("BNK-HSBC", new ProposedTerms(TolerancePercent: 12m, ExpiryDate: Terms.ExpiryDate.AddDays(7)), "about", "hsbc", Now);
        Assert.Equal(["terms.expiryDate", "terms.tolerancePercent"], Fields(errors));
        Assert.Empty(credit.Amendments);
        Assert.Empty(credit.ProposeAmendment("BNK-HSBC", new ProposedTerms(TolerancePercent: 10m), "about", "hsbc", Now));
        Assert.Single(credit.Amendments);
    }

    [Fact]
    public void An_application_names_two_distinct_banks_and_a_beneficiary_other_than_the_applicant()
    {
        Assert.Equal(["advisingBank", "beneficiary"], Fields(DocumentaryCredit.PartyErrors("IMP", "IMP", "BNK-HSBC", "BNK-HSBC")));
        Assert.Empty(DocumentaryCredit.PartyErrors("IMP", "EXP", "BNK-HSBC", null));
        Assert.Equal("invalid-application", Assert.Throws<DomainRuleViolation>(() =>
            DocumentaryCredit.Apply(Guid.NewGuid(), "LC-1", "IMP", "IMP", "BNK-HSBC", null, Terms, null, "imp", Now)).Rule);
        Assert.Equal("invalid-application", Assert.Throws<DomainRuleViolation>(() =>
            DocumentaryCredit.Apply(Guid.NewGuid(), "LC-1", "IMP", "EXP", "BNK-HSBC", null, Terms with { TolerancePercent = 20m }, null, "imp", Now)).Rule);
    }

    [Fact]
    public void Amounts_keep_to_the_currencys_smallest_unit_and_the_tokens_cents()
    {
        Assert.Equal((2, 0, 2, 2), (CreditTerms.Decimals("USD"), CreditTerms.Decimals("VND"), CreditTerms.Decimals("KWD"), CreditTerms.Decimals("XYZ")));
    }
}
