namespace TradeChain.Payments.Domain;

/// <summary>A party's settlement-token account in one currency, opened (allow-listed) on chain by its servicing bank.</summary>
public sealed class SettlementAccount
{
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

    /// <summary>deposit, withdrawal, duty-payment, credit-escrow, credit-adjustment, credit-release, credit-refund.</summary>
    public string Kind { get; set; } = "";

    public string Reference { get; set; } = "";

    public string TransactionHash { get; set; } = "";

    public long AtUnixMs { get; set; }

    public const string Escrow = "escrow";

    /// <summary>Minor units of <paramref name="amount"/>: the token has 2 decimals; more precision is refused.</summary>
    public static long ToMinor(decimal amount)
    {
        var minor = amount * 100m;
        if (minor != decimal.Truncate(minor)) throw new TradeChain.Domain.DomainRuleViolation("amount-precision", $"{amount} has more than 2 decimals.");
        return (long)minor;
    }

    public static decimal FromMinor(long minor) => minor / 100m;
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
