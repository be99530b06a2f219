using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;

namespace TradeChain.Payments.Application;

/// <summary>A settlement and whether it was made by an earlier request (a retry moves no money).</summary>
public sealed record DutySettlement(DutyPayment Payment, bool AlreadySettled);

/// <summary>
/// A bank pays a declaration's duties: checked by the payment itself, then the token transfer from the declarant's
/// account to the customs treasury's on chain, the ledger, the ISO 20022 messages, and the payment settled — whose
/// <see cref="DutiesSettled"/> tells customs. (Customs requests and withdraws payments over the bus:
/// <see cref="RequestDutyPayment"/> and <see cref="WithdrawDutyPayment"/>.)
/// </summary>
public sealed class SettleDutyPayment(PaymentsDbContext db, SettlementLedger ledger, Iso20022Recorder iso, IOptions<PaymentsOptions> options, TimeProvider clock)
{
    /// <returns>Null when the bank may not see the payment.</returns>
    public async Task<DutySettlement?> HandleAsync(string reference, Caller bank, CancellationToken ct)
    {
        var payment = await db.DutyPayments.SingleOrDefaultAsync(p => p.Reference == reference, ct);
        if (payment is null || !await DutyPaymentQueries.BankMaySeeAsync(db, payment, bank.Party, ct)) return null;
        // Idempotent on the reference: a retried settlement returns the first one and moves no money.
        if (payment.IsSettledBy(bank.Party)) return new DutySettlement(payment, AlreadySettled: true);
        payment.EnsureSettleable(bank.Party, ledger.Supports(payment.Currency));

        var from = await ledger.RequireAccountAsync(db, payment.PayerParty, payment.Currency, "payer", ct);
        var to = await ledger.RequireAccountAsync(db, options.Value.CustomsTreasuryParty, payment.Currency, "customs treasury", ct);
        var report = new MovementReport(reference, reference, payment.Amount, payment.Currency, payment.PayerParty, from.Address, bank.Party,
            to.Party, to.Address, to.ServicingBank, Iso20022Recorder.Placeholder, $"Customs duties, declaration {payment.DeclarationId}, payment {reference}");
        // Before any money moves: a message that cannot be written must not strand a payment.
        Movement.RequireReportable(iso.Problem(report));

        var tx = await ledger.TransferAsync(db, bank.Party, from, to, payment.Amount, LedgerEntryKind.DutyPayment, reference, ct);
        ledger.BookTransfer(db, from, to, payment.Amount, LedgerEntryKind.DutyPayment, reference, tx);
        payment.Settle(bank.Party, from.Address, bank.Actor, clock.GetUtcNow(), tx);
        iso.Record(db, report with { ChainTransactionHash = tx });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Settled concurrently: by this bank, that settlement stands; by another, the payment refuses a second one.
            db.ChangeTracker.Clear();
            var stored = await db.DutyPayments.AsNoTracking().SingleAsync(p => p.Reference == reference, ct);
            if (stored.IsSettledBy(bank.Party)) return new DutySettlement(stored, AlreadySettled: true);
            stored.EnsureSettleable(bank.Party, currencySettles: true);
            throw;
        }
        return new DutySettlement(payment, AlreadySettled: false);
    }
}

/// <summary>Who sees which duty payment: the declarant its own; a bank those of declarants that mandated it, and those it settled.</summary>
public static class DutyPaymentQueries
{
    public static IQueryable<DutyPayment> VisibleToBank(PaymentsDbContext db, string bank) =>
        db.DutyPayments.Where(p => p.SettledByBank == bank || db.Mandates.Any(m => m.Party == p.PayerParty && m.Currency == p.Currency && m.Bank == bank));

    public static async Task<bool> BankMaySeeAsync(PaymentsDbContext db, DutyPayment payment, string bank, CancellationToken ct) =>
        payment.SettledByBank == bank || await db.Mandates.AnyAsync(m => m.Party == payment.PayerParty && m.Currency == payment.Currency && m.Bank == bank, ct);
}
