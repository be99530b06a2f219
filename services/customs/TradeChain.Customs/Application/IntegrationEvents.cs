using TradeChain.Customs.Domain;
using TradeChain.Domain;
using TradeChain.Messages;

namespace TradeChain.Customs.Application;

/// <summary>
/// The one place where what happened to a declaration becomes what the other services hear. Called by
/// CustomsDbContext while saving, so each message enters the outbox in the same transaction as the state that raised it.
/// </summary>
public static class IntegrationEvents
{
    public static IEnumerable<object> For(IDomainEvent domainEvent) => domainEvent switch
    {
        // To documents, which answers with DeclarationDocumentsVerified (see ApplyDocumentsVerification).
        DocumentsNeedVerifying e => [new DeclarationDocumentsVerificationRequested(e.DeclarationId, e.DeclarantParty, e.DocumentHashes)],
        // To payments, which answers with DutyPaymentSettled once a bank paid (see RecordDutyPayment).
        DutyPaymentDue e => [new DutyPaymentRequested(e.PaymentReference, e.DeclarationId, e.DeclarantParty, e.Amount, e.Currency)],
        DutyPaymentRequestWithdrawn e => [new DutyPaymentWithdrawn(e.PaymentReference, e.DeclarationId, e.Reason)],
        // To customs' own attestor (on the credit escrows) and to anyone waiting for the goods.
        DeclarationReleased e => [new GoodsReleased(e.DeclarationId, e.DeclarantParty, e.ReleasedAtUnixMs)],
        _ => throw new ArgumentOutOfRangeException(nameof(domainEvent), domainEvent.GetType().Name, "A customs domain event without an integration message."),
    };
}
