using TradeChain.Domain;
using TradeChain.Payments.Domain.Credits;

namespace TradeChain.UnitTests;

public class DocumentaryCreditTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    /// <summary>USD 50,000 ± 5 %, expiring Friday 15 January 2027 in Viet Nam; an invoice is the one document required.</summary>
    internal static readonly CreditTerms Terms = new("USD", 50_000m, 5m, new DateOnly(2027, 1, 15), "VN", new DateOnly(2026, 12, 31), 21, true,
        "Hamburg Roasters GmbH", "Saigon Coffee JSC", "VNSGN", "DEHAM", "Robusta green coffee beans",
        [new RequiredDocument("commercial-invoice", ["amount"])]);

    private static DocumentaryCredit Issued()
    {
        var credit = DocumentaryCredit.Apply(Guid.NewGuid(), "LC-1", "IMP", "EXP", "BNK-HSBC", "BNK-VCB", Terms, null, "imp", Now);
        credit.Issue("BNK-HSBC", "0xtx", "hsbc", Now);
        return credit;
    }

    /// <summary>The commercial invoice as the documents service hands it over: verified (or not), for <paramref name="total"/> USD.</summary>
    internal static PresentedDocument Invoice(decimal total, bool verified = true) => new("0xaa", "commercial-invoice", verified,
        verified ? "issued" : "revoked by its issuer", System.Text.Json.Nodes.JsonNode.Parse($$"""
            { "seller": { "name": "Saigon Coffee JSC" }, "buyer": { "name": "Hamburg Roasters GmbH" }, "currency": "USD",
              "totalAmount": "{{total.ToString(System.Globalization.CultureInfo.InvariantCulture)}}", "goodsDescription": "Robusta green coffee beans" }
            """)!.AsObject());

    /// <summary>The documents service's verdicts arrive: an invoice for <paramref name="claimed"/> that complies.</summary>
    private static void ExamineComplying(DocumentaryCredit credit, Guid presentation, decimal claimed)
    {
        Assert.True(credit.Examine(presentation, [Invoice(claimed)], "examiner", Now));
        Assert.Equal(PresentationStatus.Complying, credit.Find(presentation).Status);
    }

    /// <summary>The documents service's verdicts arrive: the invoice failed verification, a discrepancy.</summary>
    private static void ExamineDiscrepant(DocumentaryCredit credit, Guid presentation)
    {
        Assert.True(credit.Examine(presentation, [Invoice(49_000m, verified: false)], "examiner", Now));
        Assert.Equal(PresentationStatus.Discrepant, credit.Find(presentation).Status);
    }

    [Fact]
    public void Only_the_issuing_bank_issues_and_only_once()
    {
        var credit = DocumentaryCredit.Apply(Guid.NewGuid(), "LC-1", "IMP", "EXP", "BNK-HSBC", null, Terms, null, "imp", Now);
        Assert.Equal("issuing-bank-only", Assert.Throws<DomainRuleViolation>(() => credit.Issue("BNK-VCB", "0x", "vcb", Now)).Rule);
        credit.Issue("BNK-HSBC", "0xtx", "hsbc", Now);
        Assert.Equal("invalid-transition", Assert.Throws<DomainRuleViolation>(() => credit.Issue("BNK-HSBC", "0x", "hsbc", Now)).Rule);
    }

    [Fact]
    public void A_discrepant_presentation_is_refused_in_one_notice_waived_by_the_applicant_only_then_accepted_and_settled_once()
    {
        var credit = Issued();
        var p = credit.Present(Guid.NewGuid(), "EXP", ["0xaa"], new DateOnly(2026, 12, 1), "exp", Now);
        Assert.Equal("presentation-open", Assert.Throws<DomainRuleViolation>(() => credit.Present(Guid.NewGuid(), "EXP", ["0xbb"], new DateOnly(2026, 12, 1), "exp", Now)).Rule);
        ExamineDiscrepant(credit, p.Id);
        Assert.Equal("not-acceptable", Assert.Throws<DomainRuleViolation>(() => credit.Accept(p.Id, "BNK-HSBC", new DateOnly(2026, 12, 8), "hsbc", Now)).Rule);

        var refused = credit.Refuse(p.Id, "BNK-HSBC", new DateOnly(2026, 12, 8), "hsbc", Now);
        var discrepancy = refused.Discrepancies[0];
        Assert.Equal("document-not-verified", discrepancy.Code);
        Assert.Contains($"(1) {discrepancy.Detail} [{discrepancy.Rule}]", refused.RefusalNotice);
        Assert.Equal("applicant-only", Assert.Throws<DomainRuleViolation>(() => credit.Waive(p.Id, "EXP", "exp", Now)).Rule);
        credit.Waive(p.Id, "IMP", "imp", Now);
        credit.Accept(p.Id, "BNK-HSBC", new DateOnly(2026, 12, 8), "hsbc", Now);
        Assert.Equal("presentation-open", Assert.Throws<DomainRuleViolation>(() => credit.EnsureRefundable("BNK-HSBC", new DateOnly(2026, 12, 10))).Rule);
        credit.Settle(p.Id, "BNK-VCB", "0xpay", "vcb", Now);

        Assert.Equal(49_000m, credit.Drawn);
        Assert.Equal(CreditStatus.Issued, credit.Status); // 1,000 still available until expiry
        Assert.Equal("not-accepted", Assert.Throws<DomainRuleViolation>(() => credit.Settle(p.Id, "BNK-VCB", "0xpay2", "vcb", Now)).Rule);
    }

    [Fact]
    public void After_the_fifth_banking_day_the_bank_is_precluded_from_refusing()
    {
        var credit = Issued();
        var p = credit.Present(Guid.NewGuid(), "EXP", ["0xaa"], new DateOnly(2026, 12, 1), "exp", Now);
        ExamineDiscrepant(credit, p.Id);
        Assert.Equal("examination-period-over", Assert.Throws<DomainRuleViolation>(() => credit.Refuse(p.Id, "BNK-HSBC", new DateOnly(2026, 12, 9), "hsbc", Now)).Rule);
        // Precluded from refusing, the bank must honour: it may accept the discrepant presentation.
        Assert.Equal(PresentationStatus.Accepted, credit.Accept(p.Id, "BNK-HSBC", new DateOnly(2026, 12, 9), "hsbc", Now).Status);
    }

    [Fact]
    public void After_a_refusal_the_beneficiary_may_present_anew_and_the_refused_documents_are_returned()
    {
        var credit = Issued();
        var first = credit.Present(Guid.NewGuid(), "EXP", ["0xaa"], new DateOnly(2026, 12, 1), "exp", Now);
        ExamineDiscrepant(credit, first.Id);
        credit.Refuse(first.Id, "BNK-HSBC", new DateOnly(2026, 12, 2), "hsbc", Now);
        var second = credit.Present(Guid.NewGuid(), "EXP", ["0xbb"], new DateOnly(2026, 12, 3), "exp", Now);
        Assert.Equal(PresentationStatus.Returned, credit.Find(first.Id).Status);
        Assert.Equal((2, PresentationStatus.Verifying), (second.Number, credit.Find(second.Id).Status));
    }

    [Fact]
    public void The_escrow_holds_the_amount_with_its_tolerance_until_the_examination_of_a_last_day_presentation_could_end()
    {
        Assert.Equal(52_500m, Terms.MaximumAmount);
        // Expiry Friday 15 January 2027 in VN: a presentation that day, five banking days to examine it → Friday 22 January.
        Assert.Equal(new DateOnly(2027, 1, 22), Terms.EscrowExpiry);
        var saturday = Terms with { ExpiryDate = new DateOnly(2027, 1, 16) };
        Assert.Equal(new DateOnly(2027, 1, 25), saturday.EscrowExpiry); // extended to Monday 18th, then five banking days
    }

    [Fact]
    public void An_amendment_binds_only_once_the_beneficiary_accepts_it_and_one_waits_at_a_time()
    {
        var credit = Issued();
        credit.ProposeAmendment("BNK-HSBC", new ProposedTerms(Amount: 52_000m), "price", "hsbc", Now);
        Assert.Equal(50_000m, credit.Terms.Amount);
        Assert.Equal("one-amendment-at-a-time", Assert.Throws<DomainRuleViolation>(() => credit.ProposeAmendment("BNK-HSBC", new ProposedTerms(), "again", "hsbc", Now)).Rule);
        credit.DecideAmendment(1, accept: true, "EXP", "exp", Now);
        Assert.Equal(52_000m, credit.Terms.Amount);
        Assert.Equal("no-such-amendment", Assert.Throws<DomainRuleViolation>(() => credit.DecideAmendment(1, accept: false, "EXP", "exp", Now)).Rule);
        credit.ProposeAmendment("BNK-HSBC", new ProposedTerms(Amount: 40_000m), "less", "hsbc", Now);
        credit.DecideAmendment(2, accept: false, "EXP", "exp", Now);
        Assert.Equal(52_000m, credit.Terms.Amount);
    }

    [Fact]
    public void A_credit_is_refunded_only_after_expiry_or_with_the_beneficiarys_consent_and_only_by_the_issuing_bank()
    {
        var credit = Issued();
        Assert.Equal("credit-not-expired", Assert.Throws<DomainRuleViolation>(() => credit.EnsureRefundable("BNK-HSBC", new DateOnly(2027, 1, 22))).Rule);
        Assert.Equal("issuing-bank-only", Assert.Throws<DomainRuleViolation>(() => credit.EnsureRefundable("BNK-VCB", new DateOnly(2027, 1, 23))).Rule);
        credit.EnsureRefundable("BNK-HSBC", new DateOnly(2027, 1, 23));

        var consented = Issued();
        Assert.Equal("beneficiary-only", Assert.Throws<DomainRuleViolation>(() => consented.ConsentToCancel("IMP", "imp", Now)).Rule);
        consented.ConsentToCancel("EXP", "exp", Now);
        consented.Refund("BNK-HSBC", "0xrefund", new DateOnly(2026, 12, 1), "hsbc", Now);
        Assert.Equal(CreditStatus.Refunded, consented.Status);
        Assert.Equal("credit-not-open", Assert.Throws<DomainRuleViolation>(() => consented.Present(Guid.NewGuid(), "EXP", ["0xaa"], new DateOnly(2026, 12, 1), "exp", Now)).Rule);
    }

    [Fact]
    public void The_maximum_amount_keeps_to_the_currencys_smallest_unit()
    {
        var vnd = Terms with { Currency = "VND", Amount = 1_234_567m, TolerancePercent = 5m };
        Assert.Equal(1_296_295m, vnd.MaximumAmount); // 1,296,295.35 rounded down: VND has no minor unit
        Assert.Equal(50_400.52m, (Terms with { Amount = 48_000.50m }).MaximumAmount); // 50,400.525 rounded down to cents
    }

    [Fact]
    public void Nothing_is_accepted_that_the_escrow_cannot_pay_and_nothing_is_presented_after_expiry()
    {
        var credit = Issued();
        var p = credit.Present(Guid.NewGuid(), "EXP", ["0xaa"], new DateOnly(2026, 12, 1), "exp", Now);
        Assert.True(credit.Examine(p.Id, [Invoice(52_500.01m)], "examiner", Now));
        // Were its discrepancy waived, or the bank precluded from refusing it (after 8 December), the escrow still could not pay more than it holds.
        Assert.Equal("cannot-pay", Assert.Throws<DomainRuleViolation>(() => credit.Accept(p.Id, "BNK-HSBC", new DateOnly(2026, 12, 9), "hsbc", Now)).Rule);

        var late = Issued();
        // Expiry Friday 15 January 2027: the 18th (Monday) is too late.
        Assert.Equal("credit-expired", Assert.Throws<DomainRuleViolation>(() => late.Present(Guid.NewGuid(), "EXP", ["0xaa"], new DateOnly(2027, 1, 18), "exp", Now)).Rule);
    }

    [Fact]
    public void Only_the_beneficiary_presents_and_decides_amendments_and_only_the_issuing_bank_amends()
    {
        var credit = Issued();
        Assert.Equal("beneficiary-only", Assert.Throws<DomainRuleViolation>(() => credit.Present(Guid.NewGuid(), "IMP", ["0xaa"], new DateOnly(2026, 12, 1), "imp", Now)).Rule);
        Assert.Equal("issuing-bank-only", Assert.Throws<DomainRuleViolation>(() => credit.ProposeAmendment("BNK-VCB", new ProposedTerms(), "price", "vcb", Now)).Rule);
        credit.ProposeAmendment("BNK-HSBC", new ProposedTerms(Amount: 51_000m), "price", "hsbc", Now);
        Assert.Equal("beneficiary-only", Assert.Throws<DomainRuleViolation>(() => credit.DecideAmendment(1, accept: true, "IMP", "imp", Now)).Rule);
        Assert.Equal(AmendmentStatus.Proposed, credit.Amendments.Single().Status);
        var adjustment = credit.DecideAmendment(1, accept: true, "EXP", "exp", Now);
        Assert.Equal((51_000m, AmendmentStatus.Accepted), (credit.Terms.Amount, credit.Amendments.Single().Status));
        Assert.Equal(new EscrowAdjustment(52_500m, 53_550m), adjustment); // the escrow follows the amount with its 5 % tolerance
    }

    [Fact]
    public void A_presentation_is_logged_under_its_own_key_through_its_real_states()
    {
        var credit = Issued();
        credit.ClearPendingTransitions();
        var first = credit.Present(Guid.NewGuid(), "EXP", ["0xaa"], new DateOnly(2026, 12, 1), "exp", Now);
        ExamineDiscrepant(credit, first.Id);
        credit.Refuse(first.Id, "BNK-HSBC", new DateOnly(2026, 12, 2), "hsbc", Now);
        var second = credit.Present(Guid.NewGuid(), "EXP", ["0xbb"], new DateOnly(2026, 12, 3), "exp", Now);
        ExamineComplying(credit, second.Id, 49_000m);
        credit.Accept(second.Id, "BNK-HSBC", new DateOnly(2026, 12, 4), "hsbc", Now);
        credit.Settle(second.Id, "BNK-HSBC", "0xpay", "hsbc", Now);

        string[] Log(Presentation p) => [.. credit.PendingTransitions
            .Where(t => t.PartType == DocumentaryCredit.PresentationAggregateType && t.PartKey == p.Id.ToString())
            .Select(t => $"{t.Sequence}:{t.FromState}->{t.ToState}")];
        Assert.Equal(["1:new->Presented", "2:Presented->Verifying", "3:Verifying->Discrepant", "4:Discrepant->Refused", "5:Refused->Returned"], Log(first));
        Assert.Equal(["1:new->Presented", "2:Presented->Verifying", "3:Verifying->Complying", "4:Complying->Accepted", "5:Accepted->Settled"], Log(second));
        // The credit's own log keeps its own numbering and records only what changed the credit: the drawing.
        var own = credit.PendingTransitions.Where(t => t.PartType is null).ToList();
        Assert.Equal([(3, "Issued", "Issued")], own.Select(t => (t.Sequence, t.FromState, t.ToState)));
        Assert.Equal(3, credit.Version);
    }

    [Fact]
    public void Presenting_documents_asks_for_their_verification_and_a_repeated_verdict_changes_nothing()
    {
        var credit = Issued();
        var p = credit.Present(Guid.NewGuid(), "EXP", ["0xaa", "0xbb"], new DateOnly(2026, 12, 1), "exp", Now);
        var presented = Assert.IsType<DocumentsPresented>(Assert.Single(credit.DomainEvents));
        Assert.Equal((p.Id, "EXP", "0xaa,0xbb"), (presented.PresentationId, presented.PresenterParty, string.Join(",", presented.DocumentHashes)));

        var invoice = System.Text.Json.Nodes.JsonNode.Parse("""
            { "seller": { "name": "Saigon Coffee JSC" }, "buyer": { "name": "Hamburg Roasters GmbH" }, "currency": "USD",
              "totalAmount": "49000.005", "goodsDescription": "Robusta green coffee beans" }
            """)!.AsObject();
        Assert.True(credit.Examine(p.Id, [new PresentedDocument("0xaa", "commercial-invoice", true, "issued", invoice)], "examiner", Now));
        var examined = credit.Find(p.Id);
        Assert.Equal(PresentationStatus.Discrepant, examined.Status);
        Assert.Contains(examined.Discrepancies, d => d.Code == "amount-precision"); // cannot be paid to the cent as stated
        Assert.False(credit.Examine(p.Id, [], "examiner", Now));
        Assert.Equal(PresentationStatus.Discrepant, credit.Find(p.Id).Status);
    }

    [Fact]
    public void Only_an_accepted_presentation_is_paid_from_escrow()
    {
        var credit = Issued();
        var p = credit.Present(Guid.NewGuid(), "EXP", ["0xaa"], new DateOnly(2026, 12, 1), "exp", Now);
        ExamineComplying(credit, p.Id, 49_000m);
        Assert.Equal("not-accepted", Assert.Throws<DomainRuleViolation>(() => credit.EnsureSettleable(p.Id, "BNK-VCB")).Rule);
        credit.Accept(p.Id, "BNK-HSBC", new DateOnly(2026, 12, 2), "hsbc", Now);
        Assert.Same(credit.Find(p.Id), credit.EnsureSettleable(p.Id, "BNK-VCB"));
        Assert.Equal("no-such-presentation", Assert.Throws<DomainRuleViolation>(() => credit.EnsureSettleable(Guid.NewGuid(), "BNK-VCB")).Rule);
    }

    [Fact]
    public void A_refund_returns_an_open_presentation_unpaid()
    {
        var credit = Issued();
        var p = credit.Present(Guid.NewGuid(), "EXP", ["0xaa"], new DateOnly(2026, 12, 1), "exp", Now);
        credit.Refund("BNK-HSBC", "0xrefund", new DateOnly(2027, 1, 23), "hsbc", Now);
        Assert.Equal((CreditStatus.Refunded, PresentationStatus.Returned), (credit.Status, credit.Find(p.Id).Status));
        Assert.Contains(credit.PendingTransitions, t => t.PartKey == p.Id.ToString() && t.FromState == "Verifying" && t.ToState == "Returned");
    }

    [Fact]
    public void The_log_states_what_moves_the_amount_with_its_tolerance_into_escrow_and_the_undrawn_rest_back()
    {
        var credit = Issued();
        Assert.Contains("52500 USD (the amount 50000 with its tolerance) locked in escrow (tx 0xtx)", credit.PendingTransitions.Last().Reason);
        var p = credit.Present(Guid.NewGuid(), "EXP", ["0xaa"], new DateOnly(2026, 12, 1), "exp", Now);
        ExamineComplying(credit, p.Id, 49_000m);
        credit.Accept(p.Id, "BNK-HSBC", new DateOnly(2026, 12, 2), "hsbc", Now);
        credit.Settle(p.Id, "BNK-HSBC", "0xpay", "hsbc", Now);
        credit.Refund("BNK-HSBC", "0xrefund", new DateOnly(2027, 1, 23), "hsbc", Now);
        Assert.Equal(3_500m, credit.Undrawn); // 52,500 held − 49,000 drawn, not 50,000 − 49,000
        Assert.StartsWith("3500 USD returned from escrow to IMP", credit.PendingTransitions.Last().Reason);
    }

    [Fact]
    public void Only_the_issuing_or_the_advising_bank_settles_a_presentation()
    {
        var credit = Issued();
        var p = credit.Present(Guid.NewGuid(), "EXP", ["0xaa"], new DateOnly(2026, 12, 1), "exp", Now);
        ExamineComplying(credit, p.Id, 49_000m);
        credit.Accept(p.Id, "BNK-HSBC", new DateOnly(2026, 12, 2), "hsbc", Now);
        foreach (var notABank in new[] { "EXP", "IMP", "BNK-OTHER" })
            Assert.Equal("credit-bank-only", Assert.Throws<DomainRuleViolation>(() => credit.EnsureSettleable(p.Id, notABank)).Rule);
        Assert.Equal("credit-bank-only", Assert.Throws<DomainRuleViolation>(() => credit.Settle(p.Id, "EXP", "0xpay", "exp", Now)).Rule);
        credit.EnsureSettleable(p.Id, "BNK-HSBC");
        credit.Settle(p.Id, "BNK-VCB", "0xpay", "vcb", Now);
        Assert.Equal(PresentationStatus.Settled, credit.Find(p.Id).Status);
    }

    [Fact]
    public void The_credit_says_how_the_escrow_follows_a_decided_amendment()
    {
        var credit = Issued();
        credit.ProposeAmendment("BNK-HSBC", new ProposedTerms(Amount: 40_000m), "less", "hsbc", Now);
        Assert.Null(credit.DecideAmendment(1, accept: false, "EXP", "exp", Now)); // rejected: the escrow keeps what it holds
        credit.ProposeAmendment("BNK-HSBC", new ProposedTerms(GoodsDescription: "Robusta coffee"), "wording", "hsbc", Now);
        Assert.Null(credit.DecideAmendment(2, accept: true, "EXP", "exp", Now)); // the same maximum amount: nothing moves
        credit.ProposeAmendment("BNK-HSBC", new ProposedTerms(Amount: 40_000m), "less", "hsbc", Now);
        var decrease = credit.DecideAmendment(3, accept: true, "EXP", "exp", Now)!;
        Assert.Equal((52_500m, 42_000m, 10_500m, true, true),
            (decrease.From, decrease.To, decrease.Difference, decrease.IsDecrease, decrease.NeedsBeneficiaryApproval));
        credit.ProposeAmendment("BNK-HSBC", new ProposedTerms(Amount: 40_000m, TolerancePercent: 10m), "about", "hsbc", Now);
        var increase = credit.DecideAmendment(4, accept: true, "EXP", "exp", Now)!;
        Assert.Equal((42_000m, 44_000m, false, false), (increase.From, increase.To, increase.IsDecrease, increase.NeedsBeneficiaryApproval));
    }
}
