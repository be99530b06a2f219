using Microsoft.EntityFrameworkCore;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;

namespace TradeChain.Payments.Application;

/// <summary>A party mandates a bank to open and keep its settlement account in a currency (a bank opens no account unasked).</summary>
public sealed class GiveAccountMandate(PaymentsDbContext db, TimeProvider clock, SettlementLedger ledger)
{
    public async Task HandleAsync(Caller holder, string bank, string currency, CancellationToken ct)
    {
        await RecordAsync(holder, bank, currency, ct);
        // The token needs the holder's own mandate on chain before a bank may open its account. A holder whose key the
        // service's signer holds has it sent when the bank opens the account; a holder that signs itself signs it here, in
        // its own request (409 with the transaction to sign, then the same request with its signature).
        if (ledger.Wallets.SignsItself(holder.Party))
            await ledger.Chain.MandateBankAsync(await ledger.Wallets.ForAsync(holder.Party, ct), currency, ledger.Wallets.AddressOf(bank), ct);
    }

    private async Task RecordAsync(Caller holder, string bank, string currency, CancellationToken ct)
    {
        var existing = await db.Mandates.SingleOrDefaultAsync(m => m.Party == holder.Party && m.Currency == currency, ct);
        if (existing is not null)
        {
            var accountOpen = await db.Accounts.AnyAsync(a => a.Party == holder.Party && a.Currency == currency, ct);
            if (existing.GiveTo(bank, accountOpen)) await db.SaveChangesAsync(ct);
            return;
        }
        db.Mandates.Add(new AccountMandate { Party = holder.Party, Currency = currency, Bank = bank, GrantedAtUnixMs = clock.GetUtcNow().ToUnixTimeMilliseconds() });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Granted concurrently by another request of the same party: the same mandate stands; a different one is a conflict.
            db.ChangeTracker.Clear();
            var stored = await db.Mandates.AsNoTracking().SingleAsync(m => m.Party == holder.Party && m.Currency == currency, ct);
            if (stored.Bank != bank) throw;
        }
    }
}

/// <summary>The calling bank opens (allow-lists on chain) a settlement account for a party that mandated it.</summary>
public sealed class OpenSettlementAccount(PaymentsDbContext db, SettlementLedger ledger)
{
    public Task<SettlementAccount> HandleAsync(Caller bank, string party, string currency, CancellationToken ct) =>
        ledger.OpenAccountAsync(db, bank.Party, party, currency, ct);
}

/// <summary>A booking asked: the account, and — for one sent by the bank's signing process — its instruction (Queued while it waits for the chain, then Booked or Refused).</summary>
/// <param name="Replayed">The reference was booked or asked already (a retry, a second click, another clerk): this answer is that
/// booking, and nothing was booked or asked again (the API says it with <c>Idempotent-Replayed: true</c>).</param>
public sealed record Booking(SettlementAccount Account, BookingInstruction? Instruction = null, bool Replayed = false);

/// <summary>
/// The account's own bank credits it against its books (a deposit: tokens minted) or debits it (a withdrawal: tokens
/// burnt), idempotently on the booking reference, and notifies the holder with a camt.054. A booking of a bank whose key
/// this service's signer holds is asked, not sent, here (<see cref="BookingInstruction"/>): the process that signs for
/// the banks (<see cref="BookingSender"/>) mints or burns it and books it, so that the bank's account has one writer
/// whichever replica took the request. A bank that signs itself sends its own, through this request.
/// </summary>
public sealed class BookOnAccount(PaymentsDbContext db, SettlementLedger ledger, Iso20022Recorder iso, TimeProvider clock)
{
    /// <returns>The booking, or null when the caller's bank does not keep the account.</returns>
    public async Task<Booking?> HandleAsync(Caller bank, string party, string currency, decimal amount, string reference, LedgerEntryKind kind, CancellationToken ct)
    {
        kind.RequireBankBooking();
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Party == party && a.Currency == currency, ct);
        if (account is null || account.ServicingBank != bank.Party) return null;
        // Idempotent on the reference: a retry of a booking made is that booking (before the funds check, which the booking
        // itself changed); the same reference for another amount is refused. A reference is the account's own (the entry is
        // unique per party, currency, kind and reference, as the chain keys the movement): the party's account in another
        // currency — perhaps another bank's — neither refuses it nor waits on it.
        var booked = await db.Entries.AsNoTracking()
            .SingleOrDefaultAsync(e => e.Kind == kind && e.Reference == reference && e.Party == party && e.Currency == currency, ct);
        if (booked is not null)
        {
            if (Math.Abs(booked.AmountMinor) != LedgerEntry.ToMinor(amount))
                throw new TradeChain.Domain.DomainRuleViolation("reference-used",
                    $"{kind.Name()} reference {reference} was booked already on this account for {LedgerEntry.FromMinor(Math.Abs(booked.AmountMinor))} {account.Currency}, not {amount}: use a new reference for another {kind.Name()}.");
            return new Booking(account, Replayed: true);
        }
        // Queued (here, or before a change of configuration that now sends in the request): that instruction, followed — never a second path.
        if (ledger.QueuesBookings(kind, bank.Party) || await db.BookingInstructions.AnyAsync(d => d.Party == party && d.Kind == kind && d.Reference == reference && d.Currency == currency, ct))
        {
            var (instruction, replayed) = await AskAsync(kind, bank, account, LedgerEntry.ToMinor(amount), reference, ct);
            return new Booking(account, instruction, replayed);
        }
        if (kind == LedgerEntryKind.Withdrawal) await RequireWithdrawableAsync(account, LedgerEntry.ToMinor(amount), ct);
        var entry = await ledger.BookAsync(db, iso, account, bank.Party, amount, reference, kind, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent request under the same reference (the caller's retry) booked this same transaction first: done.
            db.ChangeTracker.Clear();
            if (!await db.Entries.AnyAsync(e => e.Kind == kind && e.Reference == reference && e.Party == party && e.Currency == currency && e.TransactionHash == entry.TransactionHash, ct)) throw;
            return new Booking(await db.Accounts.SingleAsync(a => a.Party == party && a.Currency == currency, ct), Replayed: true);
        }
        return new Booking(account);
    }

    /// <summary>
    /// A withdrawal of <paramref name="amountMinor"/> needs the funds: the booked balance less the account's withdrawals queued
    /// now (asked and not yet burnt or refused). Checked when asked, not locked: two asked at the same moment may both pass,
    /// and the token's own balance check refuses the burn that finds the money gone (as it does when a duty settlement
    /// took it meanwhile) — that refusal is the instruction's outcome.
    /// </summary>
    private async Task RequireWithdrawableAsync(SettlementAccount account, long amountMinor, CancellationToken ct)
    {
        // The balance and the withdrawals queued in one statement: one booked between two reads would count twice.
        var standing = await SettlementLedger.StandingAsync(db, account.Party, account.Currency, ct) ?? AccountStanding.None;
        var queued = standing.QueuedWithdrawalsMinor;
        var available = standing.BalanceMinor - queued;
        account.RequireFunds(available, LedgerEntry.FromMinor(amountMinor), queued == 0
            ? $"{account.Party}'s {account.Currency} account does not hold {LedgerEntry.FromMinor(amountMinor)} ({LedgerEntry.FromMinor(available)} available)."
            : $"{account.Party}'s {account.Currency} account does not hold {LedgerEntry.FromMinor(amountMinor)} beyond the withdrawals queued now ({LedgerEntry.FromMinor(available)} available).");
    }

    /// <summary>The most deposits and withdrawals one bank may have queued at once.</summary>
    public const int MostQueuedPerBank = 10_000;

    /// <summary>
    /// The instruction, saved Queued for the sender (or the one asked before on the account under this kind and reference: the same
    /// amount, else refused; one refused before is queued again). A withdrawal needs the funds (<see cref="RequireWithdrawableAsync"/>).
    /// Replayed: the instruction was asked before (by this request's retry, a second click, another clerk), not asked now.
    /// </summary>
    private async Task<(BookingInstruction Instruction, bool Replayed)> AskAsync(LedgerEntryKind kind, Caller bank, SettlementAccount account, long amountMinor, string reference, CancellationToken ct)
    {
        var asked = await db.BookingInstructions.SingleOrDefaultAsync(d => d.Party == account.Party && d.Kind == kind && d.Reference == reference && d.Currency == account.Currency, ct);
        if (asked is not null)
        {
            asked.RequireSameAs(amountMinor);
            asked.RequireNotCancelled();
            if (asked.Status != BookingInstructionStatus.Refused) return (asked, true);
        }
        if (kind == LedgerEntryKind.Withdrawal) await RequireWithdrawableAsync(account, amountMinor, ct);
        if (asked is not null)
        {
            asked.AskAgain(bank.Actor, clock.GetUtcNow());
            try
            {
                await db.SaveChangesAsync(ct);
                return (asked, false);
            }
            catch (DbUpdateConcurrencyException)
            {
                // The same ask again at the same moment (a client's retry, a double click) queued it first: that instruction.
                db.ChangeTracker.Clear();
                return (await db.BookingInstructions.SingleAsync(d => d.Id == asked.Id, ct), true);
            }
        }
        // The queue has a bound per bank: a bank (or a runaway client of it) cannot grow it without end.
        if (await db.BookingInstructions.CountAsync(d => d.Bank == bank.Party && d.Status == BookingInstructionStatus.Queued, ct) >= MostQueuedPerBank)
            throw new TradeChain.Domain.DomainRuleViolation("too-many-queued-bookings",
                $"{bank.Party} has {MostQueuedPerBank} deposits and withdrawals queued already: ask again once some are booked (GET /accounts/{{party}}/{{currency}}/instructions).");
        var instruction = BookingInstruction.Ask(kind, bank.Party, bank.Actor, account, amountMinor, reference, clock.GetUtcNow());
        // Saved, it wakes the sender (PaymentsDbContext.ChangedWithoutTransition announces booking|any at the commit).
        db.BookingInstructions.Add(instruction);
        try
        {
            await db.SaveChangesAsync(ct);
            return (instruction, false);
        }
        catch (DbUpdateException)
        {
            // The caller's concurrent retry asked it first: that instruction is this one (or refused for another amount).
            db.ChangeTracker.Clear();
            var first = await db.BookingInstructions.SingleOrDefaultAsync(d => d.Party == account.Party && d.Kind == kind && d.Reference == reference && d.Currency == account.Currency, ct);
            if (first is null) throw; // not that race: the database's own failure, answered as such
            first.RequireSameAs(amountMinor);
            first.RequireNotCancelled();
            return (first, true);
        }
    }
}
