using System.Text.Json.Nodes;
using TradeChain.Documents.Domain;
using TradeChain.Domain;
using TradeChain.Payments.Domain;

namespace TradeChain.UnitTests;

public class PaymentAndDocumentTests
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
    }

    [Fact]
    public void A_document_is_issued_once()
    {
        var document = TradeDocument.Submit(Guid.NewGuid(), "commercial-invoice", "EXP-ACME", "{}", "0x" + new string('c', 64), "anh", Now);
        document.MarkIssued("0xtx", 7, "0xstore", "issuer", Now);
        Assert.Equal(DocumentStatus.Issued, document.Status);
        Assert.Throws<DomainRuleViolation>(() => document.MarkIssued("0xtx2", 8, "0xstore", "issuer", Now));
    }

    [Fact]
    public void A_documents_hash_does_not_depend_on_key_order_but_on_every_value()
    {
        var salt = Guid.NewGuid();
        var a = DocumentHashing.Canonicalise("commercial-invoice", "EXP", JsonNode.Parse("""{"b":1,"a":{"y":2,"x":[1,2]}}""")!.AsObject(), salt);
        var b = DocumentHashing.Canonicalise("commercial-invoice", "EXP", JsonNode.Parse("""{"a":{"x":[1,2],"y":2},"b":1}""")!.AsObject(), salt);
        var c = DocumentHashing.Canonicalise("commercial-invoice", "EXP", JsonNode.Parse("""{"a":{"x":[1,2],"y":3},"b":1}""")!.AsObject(), salt);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Hash, c.Hash);
        Assert.Equal(a.Hash, DocumentHashing.HashOf(a.CanonicalJson));
    }

    [Fact]
    public void The_salt_keeps_equal_documents_from_sharing_a_hash()
    {
        var content = JsonNode.Parse("""{"invoiceNumber":"1"}""")!.AsObject();
        Assert.NotEqual(DocumentHashing.Canonicalise("commercial-invoice", "EXP", content, Guid.NewGuid()).Hash,
            DocumentHashing.Canonicalise("commercial-invoice", "EXP", content, Guid.NewGuid()).Hash);
    }
}
