using TradeChain.Domain;
using TradeChain.Payments.Application;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Domain.Credits;

namespace TradeChain.UnitTests;

public class PaymentTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_duty_payment_is_settled_once()
    {
        var payment = DutyPayment.Request("DUTY-1", Guid.NewGuid(), "EXP-ACME", 720m, "USD", "customs", Now);
        Assert.True(payment.BeginSettlement("BNK-1", "VN12VCB0001", "ops@BNK-1", Now));
        Assert.Equal(DutyPaymentStatus.Settling, payment.Status);
        // While BNK-1's transfer is under way no other bank may settle; BNK-1's retry resumes it.
        Assert.Equal("settle-once", Assert.Throws<DomainRuleViolation>(() => payment.BeginSettlement("BNK-2", "X", "ops@BNK-2", Now)).Rule);
        Assert.False(payment.BeginSettlement("BNK-1", "VN12VCB0001", "ops@BNK-1", Now));
        Assert.Equal("settle-once", Assert.Throws<DomainRuleViolation>(() => payment.CompleteSettlement("BNK-2", "ops@BNK-2", Now, "0xtx")).Rule);
        payment.CompleteSettlement("BNK-1", "ops@BNK-1", Now, "0xtx");
        Assert.Equal(DutyPaymentStatus.Settled, payment.Status);
        Assert.Equal("settle-once", Assert.Throws<DomainRuleViolation>(() => payment.BeginSettlement("BNK-2", "X", "ops@BNK-2", Now)).Rule);
        Assert.Equal(["Requested", "Settling", "Settled"], payment.PendingTransitions.Select(t => t.ToState));
    }

    [Fact]
    public void A_duty_payment_needs_a_positive_amount_and_a_debtor_account()
    {
        Assert.Equal("amount-positive", Assert.Throws<DomainRuleViolation>(() => DutyPayment.Request("D", Guid.NewGuid(), "E", 0m, "USD", "c", Now)).Rule);
        var payment = DutyPayment.Request("DUTY-1", Guid.NewGuid(), "EXP-ACME", 1m, "USD", "customs", Now);
        Assert.Equal("debtor-account-required", Assert.Throws<DomainRuleViolation>(() => payment.BeginSettlement("BNK", " ", "ops", Now)).Rule);
    }

    [Fact]
    public void A_withdrawal_that_overtook_its_request_leaves_a_payment_no_bank_can_settle()
    {
        var payment = DutyPayment.WithdrawnBeforeRequest("DUTY-9", Guid.NewGuid(), "declaration cancelled", "customs", Now);
        Assert.Equal(DutyPaymentStatus.Withdrawn, payment.Status);
        Assert.Equal("payment-withdrawn", Assert.Throws<DomainRuleViolation>(() => payment.BeginSettlement("BNK", "VN12", "ops", Now)).Rule);
        // The request arrives later: the payment learns whose it was (so the declarant sees it) and stays withdrawn.
        Assert.True(payment.CompleteWithdrawnRequest("EXP-ACME", 720m, "VND"));
        Assert.Equal(("EXP-ACME", 720m, DutyPaymentStatus.Withdrawn), (payment.PayerParty, payment.Amount, payment.Status));
        Assert.False(payment.CompleteWithdrawnRequest("EXP-OTHER", 1m, "USD"));
    }

    [Fact]
    public void Settling_tells_customs_and_a_settled_or_withdrawn_payment_is_not_settled_again()
    {
        var payment = DutyPayment.Request("DUTY-1", Guid.NewGuid(), "EXP-ACME", 720m, "USD", "customs", Now);
        Assert.Equal("currency-not-settled", Assert.Throws<DomainRuleViolation>(() => payment.EnsureSettleable("BNK-1", currencySettles: false)).Rule);
        payment.EnsureSettleable("BNK-1", currencySettles: true);
        Assert.Empty(payment.DomainEvents);
        payment.BeginSettlement("BNK-1", "0xdebtor", "ops@BNK-1", Now);
        Assert.Empty(payment.DomainEvents); // customs hears only once the money moved
        payment.CompleteSettlement("BNK-1", "ops@BNK-1", Now, "0xtx");

        var settled = Assert.IsType<DutiesSettled>(Assert.Single(payment.DomainEvents));
        Assert.Equal(("DUTY-1", 720m, "BNK-1", Now.ToUnixTimeMilliseconds()), (settled.Reference, settled.Amount, settled.Bank, settled.SettledAtUnixMs));
        Assert.True(payment.IsSettledBy("BNK-1"));
        Assert.False(payment.IsSettledBy("BNK-2"));
        Assert.Equal("settle-once", Assert.Throws<DomainRuleViolation>(() => payment.EnsureSettleable("BNK-2", currencySettles: true)).Rule);

        var withdrawn = DutyPayment.Request("DUTY-2", Guid.NewGuid(), "EXP-ACME", 5m, "USD", "customs", Now);
        Assert.True(withdrawn.Withdraw("amended", "customs", Now));
        Assert.Equal("payment-withdrawn", Assert.Throws<DomainRuleViolation>(() => withdrawn.EnsureSettleable("BNK-1", currencySettles: true)).Rule);
        Assert.False(withdrawn.Withdraw("again", "customs", Now));
    }

    [Fact]
    public void A_withdrawal_arriving_once_a_settlement_began_is_noted_and_does_not_replace_it()
    {
        var payment = DutyPayment.Request("DUTY-3", Guid.NewGuid(), "EXP-ACME", 720m, "USD", "customs", Now);
        payment.BeginSettlement("BNK-1", "0xdebtor", "ops@BNK-1", Now);
        Assert.False(payment.Withdraw("declaration cancelled", "customs", Now));
        Assert.Equal((DutyPaymentStatus.Settling, "declaration cancelled"), (payment.Status, payment.WithdrawalReason));
        Assert.False(payment.Withdraw("declaration cancelled", "customs", Now)); // noted once
        payment.CompleteSettlement("BNK-1", "ops@BNK-1", Now, "0xtx");
        Assert.Equal(DutyPaymentStatus.Settled, payment.Status);
        Assert.Equal(["Requested", "Settling", "Settling", "Settled"], payment.PendingTransitions.Select(t => t.ToState));
        Assert.Contains("declaration cancelled", payment.PendingTransitions[2].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_settlement_whose_transfer_was_not_made_frees_the_payment_naming_the_rule_or_lets_a_noted_withdrawal_apply()
    {
        var payment = DutyPayment.Request("DUTY-4", Guid.NewGuid(), "EXP-ACME", 720m, "USD", "customs", Now);
        payment.BeginSettlement("BNK-1", "0xdebtor", "ops@BNK-1", Now, queued: true);
        Assert.True(payment.SettlementQueued);
        Assert.Equal("settle-once", Assert.Throws<DomainRuleViolation>(() => payment.AbandonSettlement("BNK-2", "ops@BNK-2", Now, "contract:x", "refused")).Rule);
        Assert.False(payment.AbandonSettlement("BNK-1", "ops@BNK-1", Now, "contract:ERC20InsufficientBalance", "insufficient funds"));
        Assert.Equal((DutyPaymentStatus.Requested, (string?)null, false), (payment.Status, payment.SettledByBank, payment.SettlementQueued));
        Assert.Equal("contract:ERC20InsufficientBalance", payment.SettlementRefusal); // the rule it was given up under, until the next beginning
        Assert.True(payment.BeginSettlement("BNK-2", "0xdebtor", "ops@BNK-2", Now)); // free again, for any mandated bank
        Assert.Null(payment.SettlementRefusal);
        Assert.False(payment.SettlementQueued); // BNK-2's request makes its transfer itself

        Assert.False(payment.Withdraw("declaration amended", "customs", Now)); // noted: BNK-2 is settling
        Assert.True(payment.WithdrawalNoted);
        Assert.True(payment.AbandonSettlement("BNK-2", "ops@BNK-2", Now, "payment-withdrawn", "customs withdrew the payment before it was made"));
        Assert.Equal(DutyPaymentStatus.Withdrawn, payment.Status);
        Assert.Equal("payment-withdrawn", Assert.Throws<DomainRuleViolation>(() => payment.BeginSettlement("BNK-2", "0xdebtor", "ops@BNK-2", Now)).Rule);
        Assert.Equal(["Requested", "Settling", "Requested", "Settling", "Settling", "Withdrawn"], payment.PendingTransitions.Select(t => t.ToState));
    }

    [Fact]
    public void The_domain_events_become_the_messages_other_services_receive()
    {
        var declaration = Guid.NewGuid();
        var settled = Assert.IsType<TradeChain.Messages.DutyPaymentSettled>(Assert.Single(
            IntegrationEvents.For(new DutiesSettled("DUTY-1", declaration, 720m, "USD", "BNK-1", 42))));
        Assert.Equal(new TradeChain.Messages.DutyPaymentSettled("DUTY-1", declaration, 720m, "USD", "BNK-1", 42), settled);
        var presentation = Guid.NewGuid();
        var request = Assert.IsType<TradeChain.Messages.PresentationDocumentsVerificationRequested>(Assert.Single(
            IntegrationEvents.For(new DocumentsPresented(presentation, "EXP", ["0xaa"]))));
        Assert.Equal((presentation, "EXP", "0xaa"), (request.PresentationId, request.PresenterParty, request.DocumentHashes.Single()));
    }

    [Fact]
    public void A_bank_opens_and_keeps_an_account_only_on_the_holders_mandate()
    {
        Assert.Equal("no-mandate", Assert.Throws<DomainRuleViolation>(() => SettlementAccount.EnsureMayOpen("EXP", "USD", "BNK-1", null, null)).Rule);
        Assert.Equal("no-mandate", Assert.Throws<DomainRuleViolation>(() => SettlementAccount.EnsureMayOpen("EXP", "USD", "BNK-1", "BNK-2", null)).Rule);
        var account = new SettlementAccount { Party = "EXP", Currency = "USD", ServicingBank = "BNK-2" };
        Assert.Equal("account-at-another-bank", Assert.Throws<DomainRuleViolation>(() => SettlementAccount.EnsureMayOpen("EXP", "USD", "BNK-1", "BNK-1", account)).Rule);
        SettlementAccount.EnsureMayOpen("EXP", "USD", "BNK-2", "BNK-2", account);
        Assert.Equal("not-servicing-bank", Assert.Throws<DomainRuleViolation>(() => account.RequireServicedBy("BNK-1")).Rule);
        Assert.Equal("insufficient-funds", Assert.Throws<DomainRuleViolation>(() => account.RequireFunds(9_999, 100m)).Rule);
        account.RequireFunds(10_000, 100m);
        Assert.Equal("no-account", Assert.Throws<DomainRuleViolation>(() => SettlementAccount.Required(null, "EXP", "USD", "payer")).Rule);

        var mandate = new AccountMandate { Party = "EXP", Currency = "USD", Bank = "BNK-1" };
        Assert.False(mandate.GiveTo("BNK-1", accountOpen: true)); // the same mandate again: nothing changes
        Assert.Equal("account-open", Assert.Throws<DomainRuleViolation>(() => mandate.GiveTo("BNK-2", accountOpen: true)).Rule);
        Assert.True(mandate.GiveTo("BNK-2", accountOpen: false));
        Assert.Equal("iso20022", Assert.Throws<DomainRuleViolation>(() => Movement.RequireReportable("creditor name too long")).Rule);
    }

    [Fact]
    public void Ledger_entry_kinds_keep_their_names_in_the_ledger_the_api_and_the_chain_reference()
    {
        Assert.Equal(["deposit", "withdrawal", "duty-payment", "credit-escrow", "credit-adjustment", "credit-release", "credit-refund"],
            Enum.GetValues<LedgerEntryKind>().Select(k => k.Name()));
        Assert.All(Enum.GetValues<LedgerEntryKind>(), k => Assert.Equal(k, LedgerEntryKinds.Parse(k.Name())));
    }

    [Fact]
    public void A_chain_balance_beyond_what_the_ledger_books_is_told_apart_not_wrapped_and_shown_as_it_is()
    {
        var max = new System.Numerics.BigInteger(long.MaxValue);
        Assert.Equal(long.MaxValue, LedgerEntry.FromChain(max));
        Assert.Equal(0L, LedgerEntry.FromChain(System.Numerics.BigInteger.Zero));
        Assert.Null(LedgerEntry.FromChain(max + 1)); // a cast would throw OverflowException
        Assert.Null(LedgerEntry.FromChain(System.Numerics.BigInteger.Pow(2, 96)));
        Assert.Equal(92_233_720_368_547_758.08m, LedgerEntry.ShownFromChain(max + 1)); // shown as it is, not as the ledger's largest
        Assert.Equal(-1.5m, LedgerEntry.ShownFromChain(-150));
        Assert.Equal(decimal.MaxValue / 100m, LedgerEntry.ShownFromChain(System.Numerics.BigInteger.Pow(2, 100)));
    }
}
