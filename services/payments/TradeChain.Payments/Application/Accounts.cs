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

/// <summary>A booking asked: the account, and — for a deposit sent by the bank's signing process — its request (Queued while it waits for the chain).</summary>
public sealed record Booking(SettlementAccount Account, DepositRequest? Deposit = null);

/// <summary>
/// The account's own bank credits it against its books (a deposit: tokens minted) or debits it (a withdrawal: tokens
/// burnt), idempotently on the booking reference, and notifies the holder with a camt.054. A deposit of a bank whose key
/// this service's signer holds is asked, not sent, here (<see cref="DepositRequest"/>): the process that signs for the
/// banks (<see cref="DepositSender"/>) mints it and books it, so that the bank's deposits have one writer whichever
/// replica took the request. A withdrawal, and a deposit of a bank that signs itself, is sent by the request.
/// </summary>
public sealed class BookOnAccount(PaymentsDbContext db, SettlementLedger ledger, Iso20022Recorder iso, TimeProvider clock)
{
    /// <returns>The booking, or null when the caller's bank does not keep the account.</returns>
    public async Task<Booking?> HandleAsync(Caller bank, string party, string currency, decimal amount, string reference, bool deposit, CancellationToken ct)
    {
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Party == party && a.Currency == currency, ct);
        if (account is null || account.ServicingBank != bank.Party) return null;
        // Idempotent on the reference: a retry of a booking made is that booking (before the funds check, which the booking
        // itself changed); the same reference for another amount is refused.
        var kind = deposit ? LedgerEntryKind.Deposit : LedgerEntryKind.Withdrawal;
        var booked = await db.Entries.AsNoTracking().SingleOrDefaultAsync(e => e.Kind == kind && e.Reference == reference && e.Party == party, ct);
        if (booked is not null)
        {
            // A reference books one movement, in one currency (the unique entry is per party and reference): another amount or
            // currency under it is refused, never answered as this booking.
            if (Math.Abs(booked.AmountMinor) != LedgerEntry.ToMinor(amount) || booked.Currency != account.Currency)
                throw new TradeChain.Domain.DomainRuleViolation("reference-used",
                    $"{kind.Name()} reference {reference} was booked already for {LedgerEntry.FromMinor(Math.Abs(booked.AmountMinor))} {booked.Currency}, not {amount} {account.Currency}: use a new reference for another {kind.Name()}.");
            return new Booking(account);
        }
        // Queued (here, or before a change of configuration that now mints in the request): that deposit, followed — never a second mint path.
        if (deposit && (ledger.QueuesDeposits(bank.Party) || await db.DepositRequests.AnyAsync(d => d.Party == party && d.Reference == reference, ct)))
            return new Booking(account, await AskDepositAsync(bank, account, LedgerEntry.ToMinor(amount), reference, ct));
        if (!deposit) account.RequireFunds(await SettlementLedger.BalanceAsync(db, party, account.Currency, ct), amount, $"{party}'s {account.Currency} account does not hold {amount}.");
        var entry = await ledger.BookAsync(db, account, bank.Party, amount, reference, deposit, ct);
        if (db.Entry(entry).State == EntityState.Added && entry.TransactionHash.Length > 0)
            iso.Notify(db, $"{account.Party}/{account.Currency}", account.Party, account.Address, account.ServicingBank, deposit, amount, account.Currency,
                reference, bank.Party, ledger.Wallets.AddressOf(bank.Party), entry.TransactionHash, deposit ? $"Deposit {reference}" : $"Withdrawal {reference}");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent request under the same reference (the caller's retry) booked this same transaction first: done.
            db.ChangeTracker.Clear();
            if (!await db.Entries.AnyAsync(e => e.Kind == kind && e.Reference == reference && e.Party == party && e.TransactionHash == entry.TransactionHash, ct)) throw;
            return new Booking(await db.Accounts.SingleAsync(a => a.Party == party && a.Currency == currency, ct));
        }
        return new Booking(account);
    }

    /// <summary>The most deposits one bank may have queued at once.</summary>
    public const int MostQueuedPerBank = 10_000;

    /// <summary>
    /// The deposit's request, saved Queued for the sender (or the one asked before under this reference: the same amount, else
    /// refused; one refused before is queued again).
    /// </summary>
    private async Task<DepositRequest> AskDepositAsync(Caller bank, SettlementAccount account, long amountMinor, string reference, CancellationToken ct)
    {
        var asked = await db.DepositRequests.SingleOrDefaultAsync(d => d.Party == account.Party && d.Reference == reference, ct);
        if (asked is not null)
        {
            asked.RequireSameAs(amountMinor, account.Currency);
            if (asked.Status != DepositRequestStatus.Refused) return asked;
            asked.AskAgain(bank.Actor, clock.GetUtcNow());
            await db.SaveChangesAsync(ct);
            return asked;
        }
        // The queue has a bound per bank: a bank (or a runaway client of it) cannot grow it without end.
        if (await db.DepositRequests.CountAsync(d => d.Bank == bank.Party && d.Status == DepositRequestStatus.Queued, ct) >= MostQueuedPerBank)
            throw new TradeChain.Domain.DomainRuleViolation("too-many-queued-deposits",
                $"{bank.Party} has {MostQueuedPerBank} deposits queued already: ask again once some are booked (GET /accounts/{{party}}/{{currency}}/deposits/{{reference}}).");
        var request = DepositRequest.Ask(bank.Party, bank.Actor, account, amountMinor, reference, clock.GetUtcNow());
        // Saved, it wakes the deposit sender (PaymentsDbContext.ChangedWithoutTransition announces deposit|any at the commit).
        db.DepositRequests.Add(request);
        try
        {
            await db.SaveChangesAsync(ct);
            return request;
        }
        catch (DbUpdateException)
        {
            // The caller's concurrent retry asked it first: that request is this one (or refused for another amount).
            db.ChangeTracker.Clear();
            var first = await db.DepositRequests.SingleOrDefaultAsync(d => d.Party == account.Party && d.Reference == reference, ct);
            if (first is null) throw; // not that race: the database's own failure, answered as such
            first.RequireSameAs(amountMinor, account.Currency);
            return first;
        }
    }
}
