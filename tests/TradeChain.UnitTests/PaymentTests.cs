using TradeChain.Domain;
using TradeChain.Payments.Domain;

namespace TradeChain.UnitTests;

public class PaymentTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_duty_payment_is_settled_once()
    {
        var payment = DutyPayment.Request("DUTY-1", Guid.NewGuid(), "EXP-ACME", 720m, "USD", "customs", Now);
        payment.Settle("BNK-1", "VN12VCB0001", "ops@BNK-1", Now);
        Assert.Equal(DutyPaymentStatus.Settled, payment.Status);
        Assert.Equal("settle-once", Assert.Throws<DomainRuleViolation>(() => payment.Settle("BNK-2", "X", "ops@BNK-2", Now)).Rule);
        Assert.Equal(["Requested", "Settled"], payment.PendingTransitions.Select(t => t.ToState));
    }

    [Fact]
    public void A_duty_payment_needs_a_positive_amount_and_a_debtor_account()
    {
        Assert.Equal("amount-positive", Assert.Throws<DomainRuleViolation>(() => DutyPayment.Request("D", Guid.NewGuid(), "E", 0m, "USD", "c", Now)).Rule);
        var payment = DutyPayment.Request("DUTY-1", Guid.NewGuid(), "EXP-ACME", 1m, "USD", "customs", Now);
        Assert.Equal("debtor-account-required", Assert.Throws<DomainRuleViolation>(() => payment.Settle("BNK", " ", "ops", Now)).Rule);
    }

    [Fact]
    public void A_withdrawal_that_overtook_its_request_leaves_a_payment_no_bank_can_settle()
    {
        var payment = DutyPayment.WithdrawnBeforeRequest("DUTY-9", Guid.NewGuid(), "declaration cancelled", "customs", Now);
        Assert.Equal(DutyPaymentStatus.Withdrawn, payment.Status);
        Assert.Equal("payment-withdrawn", Assert.Throws<DomainRuleViolation>(() => payment.Settle("BNK", "VN12", "ops", Now)).Rule);
        // The request arrives later: the payment learns whose it was (so the declarant sees it) and stays withdrawn.
        Assert.True(payment.CompleteWithdrawnRequest("EXP-ACME", 720m, "VND"));
        Assert.Equal(("EXP-ACME", 720m, DutyPaymentStatus.Withdrawn), (payment.PayerParty, payment.Amount, payment.Status));
        Assert.False(payment.CompleteWithdrawnRequest("EXP-OTHER", 1m, "USD"));
    }
}
