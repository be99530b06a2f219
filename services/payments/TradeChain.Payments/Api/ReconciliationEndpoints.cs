using System.Numerics;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Domain.Credits;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Payments.Api;

public sealed record AccountLine(string Party, string Currency, string Address, decimal Ledger, decimal Chain, bool Agrees);

public sealed record CreditLine(string Number, string Currency, string Status, decimal Amount, decimal Drawn, string? EscrowState, decimal? EscrowAmount,
    decimal? EscrowReleased, bool Agrees, string? Difference);

/// <summary>
/// A transaction in which an account's movement on chain (its Payment events) and in the ledger differ: one side books
/// nothing (<see cref="Ledger"/> or <see cref="Chain"/> 0), or another amount. An empty hash: ledger entries recorded
/// without a transaction.
/// </summary>
public sealed record PaymentLine(string Party, string Currency, string TransactionHash, decimal Ledger, decimal Chain);

public sealed record ReconciliationReport(DateTimeOffset At, bool InAgreement, IReadOnlyList<string> Differences, IReadOnlyList<AccountLine> Accounts,
    IReadOnlyList<CreditLine> Credits, IReadOnlyList<PaymentLine> UnmatchedPayments);

/// <summary>
/// Compares the service's ledger with the chain: each account's booked balance with its token balance, each account's
/// entries transaction by transaction with its Payment events on chain (from the service's chain index), and each
/// credit's state, amount, drawings and booked escrow holding with the escrow's record of it. Every difference is
/// listed. A bank sees the accounts it services and the credits it is party to — nothing of other banks' business.
/// </summary>
public static class ReconciliationEndpoints
{
    public static IEndpointRouteBuilder MapReconciliation(this IEndpointRouteBuilder app)
    {
        app.MapGet("/reconciliation", ReportAsync).RequireAuthorization(Roles.Bank).WithTags("reconciliation")
            .WithSummary("The service's ledger against on-chain balances and escrow states; every difference flagged.");
        return app;
    }

    private static async Task<IResult> ReportAsync(ClaimsPrincipal user, PaymentsDbContext db, SettlementLedger ledger, SettlementPayments payments, TimeProvider clock,
        CancellationToken ct)
    {
        var bank = user.Party();
        var differences = new List<string>();
        var accounts = new List<AccountLine>();
        var unmatched = new List<PaymentLine>();
        var serviced = await db.Accounts.AsNoTracking().Where(a => a.ServicingBank == bank).OrderBy(a => a.Party).ThenBy(a => a.Currency).ToListAsync(ct);
        foreach (var currency in serviced.Select(a => a.Currency).Distinct()) await payments.CaughtUpToNowAsync(currency, ct);
        foreach (var account in serviced)
        {
            // The kept balance and the entries from one snapshot: a booking committed between two reads would look like a difference.
            AccountBalance kept;
            List<BookedMovement> entries;
            await using (await ReadSnapshot.BeginAsync(db, ct))
            {
                kept = await SettlementLedger.KeptBalanceAsync(db, account.Party, account.Currency, ct);
                entries = await db.Entries.AsNoTracking().Where(e => e.Party == account.Party && e.Currency == account.Currency)
                    .Select(e => new BookedMovement(e.TransactionHash, e.AmountMinor)).ToListAsync(ct);
            }
            var booked = kept.BalanceMinor;
            var read = await ledger.Chain.BalanceOfAsync(account.Currency, account.Address);
            // More than the ledger can book (minted outside the service) is a difference, shown as the amount it is.
            var onChain = LedgerEntry.FromChain(read);
            accounts.Add(new AccountLine(account.Party, account.Currency, account.Address, LedgerEntry.FromMinor(booked), LedgerEntry.ShownFromChain(read), booked == onChain));
            if (onChain is null)
                differences.Add($"account {account.Party}/{account.Currency} ({account.Address}): ledger {LedgerEntry.FromMinor(booked)}, chain {read} minor units, more than the ledger can book");
            else if (booked != onChain)
                differences.Add($"account {account.Party}/{account.Currency} ({account.Address}): ledger {LedgerEntry.FromMinor(booked)}, chain {LedgerEntry.FromMinor(onChain.Value)}");
            // The balance the database keeps is the sum of its entries by construction (append-only, added by its trigger): checked, not assumed.
            if (entries.Sum(e => e.AmountMinor) is var summed && (summed != booked || entries.Count != kept.EntryCount))
                differences.Add($"account {account.Party}/{account.Currency}: the kept balance is {LedgerEntry.FromMinor(booked)} of {kept.EntryCount} entries, " +
                                $"its {entries.Count} entries sum to {LedgerEntry.FromMinor(summed)}");
            foreach (var line in await UnmatchedPaymentsAsync(entries, payments, account, ct))
            {
                unmatched.Add(line);
                differences.Add(line.Chain == 0 ? $"account {account.Party}/{account.Currency}: the ledger books {line.Ledger} in transaction {Named(line)}, which moved nothing of this account on chain"
                    : line.Ledger == 0 ? $"account {account.Party}/{account.Currency}: transaction {line.TransactionHash} moved {line.Chain} on chain, which the ledger does not book"
                    : $"account {account.Party}/{account.Currency}: transaction {line.TransactionHash} moved {line.Chain} on chain, the ledger books {line.Ledger}");
            }
        }
        var credits = new List<CreditLine>();
        foreach (var credit in await db.Credits.AsNoTracking().Where(c => c.IssuingBankParty == bank || c.AdvisingBankParty == bank)
                     .OrderBy(c => c.AppliedAtUnixMs).ToListAsync(ct))
        {
            var terms = credit.Terms;
            var escrow = await ledger.Chain.GetCreditAsync(ledger.CreditId(credit.IssuingBankParty, credit.Number));
            var expected = credit.Status switch
            {
                CreditStatus.Applied => EscrowCreditState.None,
                CreditStatus.Issued or CreditStatus.Advised => EscrowCreditState.Funded,
                _ => EscrowCreditState.Closed,
            };
            var state = escrow?.State ?? EscrowCreditState.None;
            string? difference = null;
            if (state != expected) difference = $"the service has it {credit.Status}, the escrow {state}";
            else if (escrow is not null && escrow.Amount != LedgerEntry.ToMinor(terms.MaximumAmount) && state == EscrowCreditState.Funded)
                difference = $"amount with tolerance {terms.MaximumAmount} in the service, {LedgerEntry.FromMinor((long)escrow.Amount)} in escrow";
            else if (escrow is not null && escrow.Released != LedgerEntry.ToMinor(credit.Drawn))
                difference = $"drawn {credit.Drawn} in the service, {LedgerEntry.FromMinor((long)escrow.Released)} released by the escrow";
            else if (escrow is not null && await HeldAsync(db, credit, ct) is var held && held != (long)escrow.Held)
                difference = $"the ledger books {LedgerEntry.FromMinor(held)} held in escrow, the escrow holds {LedgerEntry.FromMinor((long)escrow.Held)}";
            if (difference is not null) differences.Add($"credit {credit.Number}: {difference}");
            credits.Add(new CreditLine(credit.Number, terms.Currency, credit.Status.ToString(), terms.Amount, credit.Drawn, escrow?.State.ToString(),
                escrow is null ? null : LedgerEntry.FromMinor((long)escrow.Amount), escrow is null ? null : LedgerEntry.FromMinor((long)escrow.Released),
                difference is null, difference));
        }
        return Results.Ok(new ReconciliationReport(clock.GetUtcNow(), differences.Count == 0, differences, accounts, credits, unmatched));
    }

    /// <summary>One ledger entry of an account as the report compares it: the transaction that moved it, and how much.</summary>
    private sealed record BookedMovement(string TransactionHash, long AmountMinor);

    /// <summary>The transactions whose movement of <paramref name="account"/> differs between its ledger entries (<paramref name="entries"/>) and its Payment events.</summary>
    private static async Task<IEnumerable<PaymentLine>> UnmatchedPaymentsAsync(IReadOnlyList<BookedMovement> entries, SettlementPayments payments, SettlementAccount account,
        CancellationToken ct)
    {
        var booked = entries.GroupBy(e => e.TransactionHash.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.Sum(e => e.AmountMinor));
        var moved = (await payments.OfAccountAsync(account.Currency, account.Address, ct))
            .GroupBy(p => p.TransactionHash.ToLowerInvariant())
            .ToDictionary(g => g.Key, g => g.Aggregate(BigInteger.Zero, (sum, p) => sum + p.Amount * ((Same(p.To, account.Address) ? 1 : 0) - (Same(p.From, account.Address) ? 1 : 0))));
        // A movement beyond what the ledger can book (minted outside the service) is shown as the amount it is.
        return booked.Keys.Union(moved.Keys).Order(StringComparer.Ordinal)
            .Select(tx => (Tx: tx, Ledger: booked.GetValueOrDefault(tx), Chain: moved.GetValueOrDefault(tx)))
            .Where(m => m.Ledger != m.Chain)
            .Select(m => new PaymentLine(account.Party, account.Currency, m.Tx, LedgerEntry.FromMinor(m.Ledger),
                LedgerEntry.ShownFromChain(m.Chain)));
    }

    private static string Named(PaymentLine line) => line.TransactionHash.Length == 0 ? "(none recorded)" : line.TransactionHash;

    private static bool Same(string? a, string b) => a is not null && a.Equals(b, StringComparison.OrdinalIgnoreCase);

    /// <summary>What the ledger books as held in escrow for this credit: its escrow entries (funding, adjustments, releases, refund).</summary>
    private static async Task<long> HeldAsync(PaymentsDbContext db, DocumentaryCredit credit, CancellationToken ct)
    {
        var prefix = credit.Number + "/";
        return (await db.Entries.Where(e => e.Party == LedgerEntry.Escrow && (e.Reference == credit.Number || e.Reference.StartsWith(prefix)))
            .Select(e => e.AmountMinor).ToListAsync(ct)).Sum();
    }
}
