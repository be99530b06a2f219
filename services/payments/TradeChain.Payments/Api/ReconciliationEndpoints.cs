using System.Numerics;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Domain.Credits;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Payments.Api;

public sealed record AccountLine(string Party, string Currency, string Address, decimal Ledger, decimal Chain, bool Agrees);

public sealed record CreditLine(string Number, string Currency, string Status, decimal Amount, decimal Drawn, string? EscrowState, decimal? EscrowAmount,
    decimal? EscrowReleased, bool Agrees, string? Difference);

public sealed record ReconciliationReport(DateTimeOffset At, bool InAgreement, IReadOnlyList<string> Differences, IReadOnlyList<AccountLine> Accounts,
    IReadOnlyList<CreditLine> Credits);

/// <summary>
/// Compares the service's ledger with the chain: each account's booked balance with its token balance, and each
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

    private static async Task<IResult> ReportAsync(ClaimsPrincipal user, PaymentsDbContext db, SettlementLedger ledger, TimeProvider clock, CancellationToken ct)
    {
        var bank = user.Party();
        var differences = new List<string>();
        var accounts = new List<AccountLine>();
        foreach (var account in await db.Accounts.AsNoTracking().Where(a => a.ServicingBank == bank).OrderBy(a => a.Party).ThenBy(a => a.Currency).ToListAsync(ct))
        {
            var booked = await SettlementLedger.BalanceAsync(db, account.Party, account.Currency, ct);
            var onChain = (long)await ledger.Chain.BalanceOfAsync(account.Currency, account.Address);
            accounts.Add(new AccountLine(account.Party, account.Currency, account.Address, LedgerEntry.FromMinor(booked), LedgerEntry.FromMinor(onChain), booked == onChain));
            if (booked != onChain)
                differences.Add($"account {account.Party}/{account.Currency} ({account.Address}): ledger {LedgerEntry.FromMinor(booked)}, chain {LedgerEntry.FromMinor(onChain)}");
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
        return Results.Ok(new ReconciliationReport(clock.GetUtcNow(), differences.Count == 0, differences, accounts, credits));
    }

    /// <summary>What the ledger books as held in escrow for this credit: its escrow entries (funding, adjustments, releases, refund).</summary>
    private static async Task<long> HeldAsync(PaymentsDbContext db, DocumentaryCredit credit, CancellationToken ct)
    {
        var prefix = credit.Number + "/";
        return (await db.Entries.Where(e => e.Party == LedgerEntry.Escrow && (e.Reference == credit.Number || e.Reference.StartsWith(prefix)))
            .Select(e => e.AmountMinor).ToListAsync(ct)).Sum();
    }
}
