using System.Xml.Linq;

namespace TradeChain.Payments.Iso20022;

/// <summary>
/// camt.054.001.08 Bank-to-Customer Debit/Credit Notification: one notification (<c>Ntfctn</c>) of one
/// account, one booked entry (<c>Ntry</c>, status BOOK) per <see cref="AccountEntry"/>.
/// </summary>
/// <remarks>
/// Bank transaction code: domain PMNT; family RCDT (received credit transfers) for a credit, ICDT (issued
/// credit transfers) for a debit; sub-family DMCT, XBCT or ESCT from <see cref="AccountEntry.Kind"/>.
/// The chain transaction hash (66 characters) does not fit one <c>Refs/Prtry/Ref</c> (Max35Text): it is
/// written as two proprietary references, <see cref="ChainReference.FirstHalfType"/> with "0x" and the first
/// 32 hex digits and <see cref="ChainReference.SecondHalfType"/> with the last 32 (their concatenation is the
/// hash), and whole in the transaction's <c>SplmtryData</c> (see <see cref="ChainReference"/>).
/// </remarks>
public static class Camt054
{
    public const string Namespace = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08";

    /// <summary>A notification of one entry; <c>Ntfctn/Id</c> is <paramref name="messageId"/>.</summary>
    public static XDocument Build(string messageId, DateTimeOffset createdAt, AccountEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Build(messageId, createdAt, [entry]);
    }

    /// <summary>
    /// A notification of one or more entries, all on the same account; <c>Ntfctn/Id</c> is
    /// <paramref name="messageId"/>. Throws <see cref="ArgumentException"/> naming the field for invalid input
    /// (see <see cref="Pacs008.Build"/> for the rules), and naming "entries" when there is none or they are
    /// on different accounts.
    /// </summary>
    public static XDocument Build(string messageId, DateTimeOffset createdAt, IReadOnlyList<AccountEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
            throw new ArgumentException("A notification needs at least one entry.", nameof(entries));
        if (entries.Any(e => e is null))
            throw new ArgumentException("entries contains null.", nameof(entries));
        var account = entries[0].Account ?? throw new ArgumentNullException(nameof(AccountEntry.Account));
        if (entries.Any(e => e.Account != account))
            throw new ArgumentException("All entries of one notification must be on the same account.", nameof(entries));
        // A TradeChain account is a holder's account in one currency (its token), and its chain address is the holder's in
        // every currency: the notified account names its currency (Acct/Ccy), so a USD and a VND notification under one
        // booking reference (each account's own) are two accounts' to a reader, not one account's twice.
        var currency = entries[0].Currency;
        if (entries.Any(e => e.Currency != currency))
            throw new ArgumentException("All entries of one notification must be in the account's one currency.", nameof(entries));
        CurrencyAmount.MinorUnits(currency, nameof(AccountEntry.Currency)); // an ISO 4217 active code, refused naming the field otherwise

        XNamespace ns = Namespace;
        Iso20022Text.RequireText(messageId, 35, nameof(messageId));
        var created = Iso20022Text.DateTime(createdAt);

        var notification = new XElement(ns + "Ntfctn",
            new XElement(ns + "Id", messageId),
            new XElement(ns + "CreDtTm", created),
            Iso20022Xml.Account(ns, "Acct", account, nameof(AccountEntry.Account), currency),
            entries.Select(e => Entry(ns, e)));

        return Iso20022Xml.Document(ns, new XElement(ns + "BkToCstmrDbtCdtNtfctn",
            new XElement(ns + "GrpHdr",
                new XElement(ns + "MsgId", messageId),
                new XElement(ns + "CreDtTm", created)),
            notification));
    }

    /// <summary>ReportEntry10, in XSD order.</summary>
    private static XElement Entry(XNamespace ns, AccountEntry e)
    {
        var endToEndId = Iso20022Text.RequireText(e.EndToEndId, 35, nameof(e.EndToEndId));
        var uetr = e.Uetr is { } u ? Iso20022Text.RequireUuidV4(u, nameof(e.Uetr)) : null;
        var reference = e.EntryReference is null ? null : Iso20022Text.RequireText(e.EntryReference, 35, nameof(e.EntryReference));
        Iso20022Text.RequireTxHash(e.ChainTransactionHash, nameof(e.ChainTransactionHash));
        var (hashFirst, hashSecond) = Iso20022Text.SplitTxHash(e.ChainTransactionHash);
        var credit = e.Direction == EntryDirection.Credit;
        var indicator = credit ? "CRDT" : "DBIT";
        var subFamily = e.Kind switch
        {
            CreditTransferKind.Domestic => "DMCT",
            CreditTransferKind.CrossBorder => "XBCT",
            CreditTransferKind.Sepa => "ESCT",
            _ => throw new ArgumentException($"Kind {e.Kind} is not a credit transfer kind.", nameof(e.Kind)),
        };
        if (e.Kind == CreditTransferKind.Sepa && e.Currency != "EUR")
            throw new ArgumentException($"Kind Sepa (ESCT) is for EUR transfers; the entry is in {e.Currency}.", nameof(e.Kind));

        // Who is on the other side: the debtor of a credit, the creditor of a debit.
        var counterpartyRole = credit ? "Dbtr" : "Cdtr";
        var parties = new XElement(ns + "RltdPties",
            new XElement(ns + counterpartyRole, Iso20022Xml.PartyName(ns, "Pty", e.Counterparty, nameof(e.Counterparty))),
            Iso20022Xml.Account(ns, counterpartyRole + "Acct", e.Counterparty.Account, "Counterparty.Account"));

        var transaction = new XElement(ns + "TxDtls",
            new XElement(ns + "Refs",
                reference is null ? null : new XElement(ns + "AcctSvcrRef", reference),
                new XElement(ns + "EndToEndId", endToEndId),
                uetr is null ? null : new XElement(ns + "UETR", uetr),
                ProprietaryReference(ns, ChainReference.FirstHalfType, hashFirst),
                ProprietaryReference(ns, ChainReference.SecondHalfType, hashSecond)),
            Iso20022Xml.Amount(ns, "Amt", e.Amount, e.Currency),
            new XElement(ns + "CdtDbtInd", indicator),
            parties,
            e.CounterpartyAgent is null
                ? null
                : new XElement(ns + "RltdAgts", Iso20022Xml.Agent(ns, counterpartyRole + "Agt", e.CounterpartyAgent, nameof(e.CounterpartyAgent))),
            Iso20022Xml.Remittance(ns, e.RemittanceInformation),
            Iso20022Xml.ChainSupplement(ns, e.ChainTransactionHash, "/Document/BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/NtryDtls/TxDtls"));

        return new XElement(ns + "Ntry",
            reference is null ? null : new XElement(ns + "NtryRef", reference),
            Iso20022Xml.Amount(ns, "Amt", e.Amount, e.Currency),
            new XElement(ns + "CdtDbtInd", indicator),
            new XElement(ns + "Sts", new XElement(ns + "Cd", "BOOK")),
            new XElement(ns + "BookgDt", new XElement(ns + "Dt", Iso20022Text.Date(e.BookingDate))),
            new XElement(ns + "ValDt", new XElement(ns + "Dt", Iso20022Text.Date(e.ValueDate))),
            new XElement(ns + "BkTxCd",
                new XElement(ns + "Domn",
                    new XElement(ns + "Cd", "PMNT"),
                    new XElement(ns + "Fmly",
                        new XElement(ns + "Cd", credit ? "RCDT" : "ICDT"),
                        new XElement(ns + "SubFmlyCd", subFamily)))),
            new XElement(ns + "NtryDtls", transaction));
    }

    private static XElement ProprietaryReference(XNamespace ns, string type, string value) =>
        new(ns + "Prtry", new XElement(ns + "Tp", type), new XElement(ns + "Ref", value));
}
