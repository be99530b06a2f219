using System.Xml.Linq;

namespace TradeChain.Payments.Iso20022;

/// <summary>
/// Where TradeChain's own data rides in ISO 20022 <c>SplmtryData/Envlp</c> (the XSD takes any element there,
/// lax): <c>&lt;ChainRef xmlns="urn:tradechain:xsd:chainref.001"&gt;&lt;TxHash&gt;0x…&lt;/TxHash&gt;&lt;/ChainRef&gt;</c>.
/// </summary>
public static class ChainReference
{
    public const string Namespace = "urn:tradechain:xsd:chainref.001";

    /// <summary><c>Tp</c> of the two <c>Refs/Prtry</c> entries of a camt.054 that carry the hash in two Max35Text halves.</summary>
    public const string FirstHalfType = "TCHAIN-TXHASH-1OF2";

    public const string SecondHalfType = "TCHAIN-TXHASH-2OF2";

    /// <summary>The chain transaction hash carried by a message's <c>SplmtryData</c>, or null.</summary>
    public static string? TxHash(XElement scope) =>
        scope.Descendants(XName.Get("TxHash", Namespace)).Select(e => e.Value).FirstOrDefault();
}

/// <summary>Element builders shared by the message generators; each takes the message's namespace.</summary>
internal static class Iso20022Xml
{
    public static XDocument Document(XNamespace ns, XElement message) =>
        new(new XDeclaration("1.0", "UTF-8", null), new XElement(ns + "Document", message));

    /// <summary>CashAccount38 / CashAccount39 (same leading sequence: Id, Tp, Ccy, Nm, Prxy); <c>Ccy</c> when <paramref name="currency"/> is given.</summary>
    public static XElement Account(XNamespace ns, string name, AccountId account, string field, string? currency = null)
    {
        ArgumentNullException.ThrowIfNull(account, field);
        XElement id = account.Kind == AccountIdKind.Iban
            ? new XElement(ns + "IBAN", account.Value)
            : new XElement(ns + "Othr",
                new XElement(ns + "Id", account.Value),
                new XElement(ns + "SchmeNm", new XElement(ns + "Prtry", account.Scheme)));
        return new XElement(ns + name,
            new XElement(ns + "Id", id),
            currency is null ? null : new XElement(ns + "Ccy", currency),
            account.ChainAddress is null
                ? null
                : new XElement(ns + "Prxy",
                    new XElement(ns + "Tp", new XElement(ns + "Prtry", AccountId.ChainScheme)),
                    new XElement(ns + "Id", account.ChainAddress)));
    }

    /// <summary>BranchAndFinancialInstitutionIdentification6: FinInstnId (BICFI | ClrSysMmbId, then Nm).</summary>
    public static XElement Agent(XNamespace ns, string name, FinancialInstitution agent, string field)
    {
        ArgumentNullException.ThrowIfNull(agent, field);
        return new XElement(ns + name,
            new XElement(ns + "FinInstnId",
                agent.Bic is null ? null : new XElement(ns + "BICFI", agent.Bic),
                agent.MemberId is null
                    ? null
                    : new XElement(ns + "ClrSysMmbId",
                        new XElement(ns + "ClrSysId", new XElement(ns + "Prtry", agent.ClearingSystem)),
                        new XElement(ns + "MmbId", agent.MemberId)),
                agent.Name is null ? null : new XElement(ns + "Nm", agent.Name)));
    }

    /// <summary>PartyIdentification135 with its name only.</summary>
    public static XElement PartyName(XNamespace ns, string name, Party party, string field)
    {
        ArgumentNullException.ThrowIfNull(party, field);
        return new XElement(ns + name, new XElement(ns + "Nm", Iso20022Text.RequireText(party.Name, 140, field + ".Name")));
    }

    /// <summary>The <c>Ccy</c>-attributed amount element.</summary>
    public static XElement Amount(XNamespace ns, string name, decimal amount, string currency) =>
        new(ns + name, new XAttribute("Ccy", currency), CurrencyAmount.Format(amount, currency));

    /// <summary>RemittanceInformation16 with one Ustrd, or nothing.</summary>
    public static XElement? Remittance(XNamespace ns, string? text) =>
        text is null
            ? null
            : new XElement(ns + "RmtInf", new XElement(ns + "Ustrd", Iso20022Text.RequireText(text, 140, "RemittanceInformation")));

    /// <summary>SupplementaryData1 with the chain reference envelope, or nothing.</summary>
    public static XElement? ChainSupplement(XNamespace ns, string? txHash, string placeAndName)
    {
        if (txHash is null) return null;
        XNamespace chain = ChainReference.Namespace;
        return new XElement(ns + "SplmtryData",
            new XElement(ns + "PlcAndNm", placeAndName),
            new XElement(ns + "Envlp",
                new XElement(chain + "ChainRef", new XElement(chain + "TxHash", txHash))));
    }
}

/// <summary>Serialises a generated message as sent: UTF-8 without a byte-order mark, with its XML declaration.</summary>
public static class Iso20022Serializer
{
    public static byte[] ToUtf8(XDocument message, bool indent = true)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var stream = new MemoryStream();
        var settings = new System.Xml.XmlWriterSettings { Encoding = new System.Text.UTF8Encoding(false), Indent = indent };
        using (var writer = System.Xml.XmlWriter.Create(stream, settings))
            message.Save(writer);
        return stream.ToArray();
    }
}
