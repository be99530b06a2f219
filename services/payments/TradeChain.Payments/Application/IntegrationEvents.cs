using TradeChain.Domain;
using TradeChain.Messages;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Domain.Credits;

namespace TradeChain.Payments.Application;

/// <summary>
/// What the other services hear from payments: the one mapping of the payments domain's events to the messages on the
/// wire. <see cref="Infrastructure.PaymentsDbContext"/> calls it while saving, so the messages enter the outbox in the
/// same transaction as the state that raised them.
/// </summary>
public static class IntegrationEvents
{
    public static IEnumerable<object> For(IDomainEvent domainEvent) => domainEvent switch
    {
        // Customs releases the goods once the duties are paid.
        DutiesSettled e => [new DutyPaymentSettled(e.Reference, e.DeclarationId, e.Amount, e.Currency, e.Bank, e.SettledAtUnixMs)],
        // The documents service verifies a presentation's documents and answers with PresentationDocumentsVerified.
        DocumentsPresented e => [new PresentationDocumentsVerificationRequested(e.PresentationId, e.PresenterParty, e.DocumentHashes)],
        _ => throw new ArgumentOutOfRangeException(nameof(domainEvent), domainEvent.GetType().Name, "A payments domain event without an integration message."),
    };
}
