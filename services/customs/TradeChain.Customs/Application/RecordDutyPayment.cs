using TradeChain.Customs.Domain;
using TradeChain.Messages;

namespace TradeChain.Customs.Application;

/// <summary>
/// A bank settled duties: the declaration is paid (and released when its lane allows), or its supplementary duties
/// are. The consumer saves the change together with its inbox row.
/// </summary>
public sealed class RecordDutyPayment(Declarations declarations, TimeProvider clock, ILogger<RecordDutyPayment> logger)
{
    /// <returns>True when the payment was recorded; false when the message was ignored (an unknown declaration, or a payment it does not await).</returns>
    public async Task<bool> HandleAsync(DutyPaymentSettled message, CancellationToken ct)
    {
        var declaration = await declarations.FindAsync(message.DeclarationId, ct);
        if (declaration is null)
        {
            logger.LogWarning("Payment {Reference} for unknown declaration {DeclarationId} ignored", message.PaymentReference, message.DeclarationId);
            return false;
        }
        if (!declaration.AwaitsPayment(message.PaymentReference))
        {
            logger.LogWarning("Payment {Reference} does not settle declaration {DeclarationId} in status {Status}; not applied",
                message.PaymentReference, declaration.Id, declaration.Status);
            return false;
        }
        declaration.RecordPayment(message.PaymentReference, message.Amount, message.Currency, message.SettledByBank, Declaration.SystemActor, clock.GetUtcNow());
        return true;
    }
}
