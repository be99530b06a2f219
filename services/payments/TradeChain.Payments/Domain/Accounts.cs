using System.Numerics;
using TradeChain.Domain;

namespace TradeChain.Payments.Domain;

/// <summary>Rules every movement of money keeps, whatever moves it.</summary>
public static class Movement
{
    /// <summary>
    /// A movement whose ISO 20022 messages cannot be written is refused before any money moves: a payment that cannot be
    /// reported to the banks and account holders must not be made.
    /// </summary>
    public static void RequireReportable(string? iso20022Problem)
    {
        if (iso20022Problem is not null) throw new DomainRuleViolation("iso20022", iso20022Problem);
    }
}

/// <summary>A party's settlement-token account in one currency, opened (allow-listed) on chain by its servicing bank.</summary>
public sealed class SettlementAccount
{
    /// <summary>
    /// Throws unless <paramref name="bankParty"/> may open <paramref name="party"/>'s account: a bank opens an account only
    /// on the holder's mandate (<paramref name="mandatedBank"/>), and an account is kept by one bank.
    /// </summary>
    public static void EnsureMayOpen(string party, string currency, string bankParty, string? mandatedBank, SettlementAccount? existing)
    {
        if (mandatedBank != bankParty)
            throw new DomainRuleViolation("no-mandate", mandatedBank is null
                ? $"{party} has not mandated a bank to keep its {currency} account: it does so with POST /accounts/mandates."
                : $"{party} mandated {mandatedBank}, not {bankParty}, to keep its {currency} account.");
        if (existing is not null && existing.ServicingBank != bankParty)
            throw new DomainRuleViolation("account-at-another-bank", $"{party}'s {currency} account is serviced by {existing.ServicingBank}.");
    }

    /// <summary>The account a movement needs: <paramref name="role"/> names it for the caller when it was never opened.</summary>
    public static SettlementAccount Required(SettlementAccount? account, string party, string currency, string role) =>
        account ?? throw new DomainRuleViolation("no-account", $"{role}: {party} has no {currency} settlement account; its bank opens one with POST /accounts.");

    /// <summary>Only the account's own bank books on it or debits it.</summary>
    public void RequireServicedBy(string bankParty, string? why = null)
    {
        if (ServicingBank != bankParty)
            throw new DomainRuleViolation("not-servicing-bank", $"{Party}'s {Currency} account is serviced by {ServicingBank}, not {bankParty}{why}.");
    }

    /// <summary>Throws unless the balance (<paramref name="balanceMinor"/>) covers <paramref name="amount"/>; <paramref name="explanation"/> replaces the default message.</summary>
    public void RequireFunds(long balanceMinor, decimal amount, string? explanation = null)
    {
        if (balanceMinor < LedgerEntry.ToMinor(amount))
            throw new DomainRuleViolation("insufficient-funds", explanation ?? $"{Party}'s {Currency} account holds {LedgerEntry.FromMinor(balanceMinor)}; {amount} is needed.");
    }

    public string Party { get; set; } = "";

    public string Currency { get; set; } = "";

    /// <summary>The party's chain address: the token balance lives there.</summary>
    public string Address { get; set; } = "";

    public string ServicingBank { get; set; } = "";

    public string OpenTransactionHash { get; set; } = "";

    public long OpenedAtUnixMs { get; set; }
}

/// <summary>A party's instruction that <see cref="Bank"/> may open and keep its account in <see cref="Currency"/>: no bank opens an account unasked.</summary>
public sealed class AccountMandate
{
    /// <summary>
    /// The party gives its mandate to <paramref name="bank"/> (again: nothing changes). Another bank may keep the account
    /// only once the account the first one opened is closed.
    /// </summary>
    /// <returns>Whether anything changed.</returns>
    public bool GiveTo(string bank, bool accountOpen)
    {
        if (Bank == bank) return false;
        if (accountOpen)
            throw new DomainRuleViolation("account-open", $"Your {Currency} account is already kept by {Bank}; it must be closed before another bank keeps it.");
        Bank = bank;
        return true;
    }

    public string Party { get; set; } = "";

    public string Currency { get; set; } = "";

    public string Bank { get; set; } = "";

    public long GrantedAtUnixMs { get; set; }
}

/// <summary>
/// One movement in the service's own ledger, mirroring a token movement on chain: the reconciliation report compares
/// the sum per account with the chain's balance. Amounts in the currency's minor units (the token has 2 decimals).
/// </summary>
public sealed class LedgerEntry
{
    public long Id { get; set; }

    /// <summary>The account holder: a party, or "escrow" for the credit escrow of the currency.</summary>
    public string Party { get; set; } = "";

    public string Currency { get; set; } = "";

    /// <summary>Signed: positive credits the account, negative debits it.</summary>
    public long AmountMinor { get; set; }

    public LedgerEntryKind Kind { get; set; }

    public string Reference { get; set; } = "";

    public string TransactionHash { get; set; } = "";

    public long AtUnixMs { get; set; }

    public const string Escrow = "escrow";

    /// <summary>Minor units of <paramref name="amount"/>: the token has 2 decimals; more precision is refused.</summary>
    public static long ToMinor(decimal amount)
    {
        var minor = amount * 100m;
        if (minor != decimal.Truncate(minor)) throw new DomainRuleViolation("amount-precision", $"{amount} has more than 2 decimals.");
        return (long)minor;
    }

    public static decimal FromMinor(long minor) => minor / 100m;

    /// <summary>
    /// A token balance read from the chain, in minor units, as the ledger books amounts; null when it lies beyond what the
    /// ledger can book (−2^63 to 2^63 − 1 minor units). The token allows more: only money minted outside the service gets there.
    /// </summary>
    public static long? FromChain(BigInteger minor) => minor >= long.MinValue && minor <= long.MaxValue ? (long)minor : null;

    /// <summary>
    /// A chain amount in minor units as a decimal amount to show, even one <see cref="FromChain"/> refuses (beyond what the
    /// ledger books); one beyond what a decimal holds (about 7.9 × 10^28 minor units) is shown as the largest amount a decimal
    /// holds (decimal.MaxValue / 100, negated for a negative one).
    /// </summary>
    public static decimal ShownFromChain(BigInteger minor) =>
        minor > new BigInteger(decimal.MaxValue) ? decimal.MaxValue / 100m
        : minor < new BigInteger(decimal.MinValue) ? decimal.MinValue / 100m
        : (decimal)minor / 100m;
}

/// <summary>
/// A holder's booked balance in one currency and how many entries make it: the sum of its <see cref="LedgerEntry"/>s,
/// kept by the database itself — a trigger on the entries' table adds each entry in the statement that inserts it
/// (migration AccountBalances), so no code path can book an entry without its balance, and reading a balance costs one
/// row however long the account's history. The service never writes it. Entries are append-only (the database refuses
/// to change or delete one), so the sum cannot drift from them; the reconciliation report checks it all the same.
/// </summary>
public sealed class AccountBalance
{
    /// <summary>The holder: a party, or <see cref="LedgerEntry.Escrow"/>.</summary>
    public string Party { get; set; } = "";

    public string Currency { get; set; } = "";

    /// <summary>The sum of the holder's entries in this currency, in minor units.</summary>
    public long BalanceMinor { get; set; }

    /// <summary>How many entries the holder has in this currency.</summary>
    public long EntryCount { get; set; }
}

/// <summary>
/// An account as it stands, read in one statement (<see cref="Infrastructure.SettlementLedger.StandingAsync"/>): its booked
/// balance and entry count (<see cref="AccountBalance"/>), and its deposits and withdrawals asked and still queued for the
/// bank's next transaction (sums in minor units, and counts).
/// </summary>
public sealed record AccountStanding(long BalanceMinor, long EntryCount, long QueuedDepositsMinor, int QueuedDepositCount, long QueuedWithdrawalsMinor,
    int QueuedWithdrawalCount)
{
    /// <summary>Nothing booked and nothing queued: what a read of an account that is not there stands for (an account read
    /// without a balance row — nothing ever booked on it — is read as zeros by the statement itself).</summary>
    public static readonly AccountStanding None = new(0, 0, 0, 0, 0, 0);
}

/// <summary>What moved the money of a <see cref="LedgerEntry"/>; stored and shown as <see cref="LedgerEntryKinds.Name"/> (deposit, duty-payment, credit-escrow…).</summary>
public enum LedgerEntryKind { Deposit, Withdrawal, DutyPayment, CreditEscrow, CreditAdjustment, CreditRelease, CreditRefund }

public static class LedgerEntryKinds
{
    /// <summary>The kind's name in the ledger, the API and the on-chain payment reference: "duty-payment", "credit-escrow"…</summary>
    /// <summary>A bank's booking against its own books: a deposit (a mint) or a withdrawal (a burn).</summary>
    public static bool IsBankBooking(this LedgerEntryKind kind) => kind is LedgerEntryKind.Deposit or LedgerEntryKind.Withdrawal;

    /// <summary><paramref name="kind"/>, which must be a bank's booking (<see cref="IsBankBooking"/>).</summary>
    public static LedgerEntryKind RequireBankBooking(this LedgerEntryKind kind) =>
        kind.IsBankBooking() ? kind : throw new ArgumentOutOfRangeException(nameof(kind), kind, "a bank's booking is a deposit or a withdrawal");

    public static string Name(this LedgerEntryKind kind) => kind switch
    {
        LedgerEntryKind.Deposit => "deposit",
        LedgerEntryKind.Withdrawal => "withdrawal",
        LedgerEntryKind.DutyPayment => "duty-payment",
        LedgerEntryKind.CreditEscrow => "credit-escrow",
        LedgerEntryKind.CreditAdjustment => "credit-adjustment",
        LedgerEntryKind.CreditRelease => "credit-release",
        LedgerEntryKind.CreditRefund => "credit-refund",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static LedgerEntryKind Parse(string name) =>
        Enum.GetValues<LedgerEntryKind>().Single(k => k.Name() == name);
}

/// <summary>An ISO 20022 message the service produced for a settlement (pacs.008) or an account notification (camt.054).</summary>
public sealed class Iso20022Message
{
    public Guid Id { get; set; }

    /// <summary>"pacs.008.001.08" or "camt.054.001.08".</summary>
    public string MessageType { get; set; } = "";

    /// <summary>What it is about: a duty payment reference or a credit number.</summary>
    public string Subject { get; set; } = "";

    /// <summary>The party it is for (debtor/creditor of a notification; both banks' parties for a pacs.008).</summary>
    public string Party { get; set; } = "";

    public string Xml { get; set; } = "";

    public long CreatedAtUnixMs { get; set; }
}
