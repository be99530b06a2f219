using System.Xml.Linq;

namespace TradeChain.Payments.Iso20022;

/// <summary>
/// pacs.008.001.08 FI-to-FI Customer Credit Transfer, one transaction per message.
/// </summary>
/// <remarks>
/// Settlement method: <c>CLRG</c> with <c>ClrSys/Prtry</c> "TCHAIN". The money moves on TradeChain's
/// settlement token, a ledger shared by every member bank, not on an account that the instructed agent
/// services for the instructing agent (INDA) or the other way round (INGA), and there is no cover payment
/// (COVE): a clearing/settlement system in which both agents are members is what CLRG describes, and the
/// agents' member ids (<c>ClrSysMmbId</c>) are in the same TCHAIN system.
/// Charges: <c>SLEV</c> (following the service level; TradeChain charges nothing on the transfer itself).
/// </remarks>
public static class Pacs008
{
    public const string Namespace = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08";

    public const string SettlementMethod = "CLRG";

    /// <summary>
    /// The message for <paramref name="s"/>. Throws <see cref="ArgumentException"/> (its ParamName the field)
    /// for text beyond the XSD's maximum lengths, a UETR that is not a version-4 UUID, an amount ≤ 0 or with
    /// more decimals than the currency has, a currency that is not ISO 4217, or a malformed transaction hash.
    /// </summary>
    public static XDocument Build(Settlement s)
    {
        ArgumentNullException.ThrowIfNull(s);
        XNamespace ns = Namespace;

        var messageId = Iso20022Text.RequireText(s.MessageId, 35, nameof(s.MessageId));
        var instructionId = Iso20022Text.RequireText(s.InstructionId ?? s.MessageId, 35, nameof(s.InstructionId));
        var endToEndId = Iso20022Text.RequireText(s.EndToEndId, 35, nameof(s.EndToEndId));
        var uetr = Iso20022Text.RequireUuidV4(s.Uetr, nameof(s.Uetr));
        if (s.ChainTransactionHash is not null) Iso20022Text.RequireTxHash(s.ChainTransactionHash, nameof(s.ChainTransactionHash));

        var groupHeader = new XElement(ns + "GrpHdr",
            new XElement(ns + "MsgId", messageId),
            new XElement(ns + "CreDtTm", Iso20022Text.DateTime(s.CreatedAt)),
            new XElement(ns + "NbOfTxs", "1"),
            new XElement(ns + "SttlmInf",
                new XElement(ns + "SttlmMtd", SettlementMethod),
                new XElement(ns + "ClrSys", new XElement(ns + "Prtry", AccountId.ChainScheme))));

        // CreditTransferTransaction39, in XSD order.
        var transaction = new XElement(ns + "CdtTrfTxInf",
            new XElement(ns + "PmtId",
                new XElement(ns + "InstrId", instructionId),
                new XElement(ns + "EndToEndId", endToEndId),
                new XElement(ns + "UETR", uetr)),
            Iso20022Xml.Amount(ns, "IntrBkSttlmAmt", s.Amount, s.Currency),
            new XElement(ns + "IntrBkSttlmDt", Iso20022Text.Date(s.ValueDate)),
            new XElement(ns + "ChrgBr", "SLEV"),
            Iso20022Xml.PartyName(ns, "Dbtr", s.Debtor, nameof(s.Debtor)),
            Iso20022Xml.Account(ns, "DbtrAcct", s.Debtor.Account, "Debtor.Account"),
            Iso20022Xml.Agent(ns, "DbtrAgt", s.DebtorAgent, nameof(s.DebtorAgent)),
            Iso20022Xml.Agent(ns, "CdtrAgt", s.CreditorAgent, nameof(s.CreditorAgent)),
            Iso20022Xml.PartyName(ns, "Cdtr", s.Creditor, nameof(s.Creditor)),
            Iso20022Xml.Account(ns, "CdtrAcct", s.Creditor.Account, "Creditor.Account"),
            Iso20022Xml.Remittance(ns, s.RemittanceInformation),
            Iso20022Xml.ChainSupplement(ns, s.ChainTransactionHash, "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf"));

        return Iso20022Xml.Document(ns, new XElement(ns + "FIToFICstmrCdtTrf", groupHeader, transaction));
    }
}
