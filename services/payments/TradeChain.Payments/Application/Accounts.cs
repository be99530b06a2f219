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

/// <summary>
/// The account's own bank credits it against its books (a deposit: tokens minted) or debits it (a withdrawal: tokens
/// burnt), idempotently on the booking reference, and notifies the holder with a camt.054.
/// </summary>
public sealed class BookOnAccount(PaymentsDbContext db, SettlementLedger ledger, Iso20022Recorder iso)
{
    /// <returns>The account, or null when the caller's bank does not keep it.</returns>
    public async Task<SettlementAccount?> HandleAsync(Caller bank, string party, string currency, decimal amount, string reference, bool deposit, CancellationToken ct)
    {
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Party == party && a.Currency == currency, ct);
        if (account is null || account.ServicingBank != bank.Party) return null;
        // Idempotent on the reference: a retry of a booking made is that booking (before the funds check, which the booking
        // itself changed); the same reference for another amount is refused.
        var kind = deposit ? LedgerEntryKind.Deposit : LedgerEntryKind.Withdrawal;
        var booked = await db.Entries.AsNoTracking().SingleOrDefaultAsync(e => e.Kind == kind && e.Reference == reference && e.Party == party, ct);
        if (booked is not null)
        {
            if (Math.Abs(booked.AmountMinor) != LedgerEntry.ToMinor(amount))
                throw new TradeChain.Domain.DomainRuleViolation("reference-used",
                    $"{kind.Name()} reference {reference} was booked already for {LedgerEntry.FromMinor(Math.Abs(booked.AmountMinor))} {account.Currency}, not {amount}: use a new reference for another {kind.Name()}.");
            return account;
        }
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
            return await db.Accounts.SingleAsync(a => a.Party == party && a.Currency == currency, ct);
        }
        return account;
    }
}
