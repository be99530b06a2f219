namespace TradeChain.Payments.Iso20022;

/// <summary>How an account is identified in ISO 20022 <c>AccountIdentification4Choice</c>.</summary>
public enum AccountIdKind
{
    /// <summary><c>Id/IBAN</c>.</summary>
    Iban,

    /// <summary>
    /// A TradeChain on-chain address: <c>Id/Othr/Id</c> with <c>SchmeNm/Prtry</c> "TCHAIN", plus the
    /// full address in <c>Prxy</c> (see <see cref="AccountId.Chain"/>).
    /// </summary>
    Chain,

    /// <summary><c>Id/Othr/Id</c> with a proprietary scheme name.</summary>
    Other,
}

/// <summary>
/// An account identification. Build it with <see cref="Iban"/>, <see cref="Chain"/> or <see cref="Other"/>;
/// each validates its input and throws <see cref="ArgumentException"/> naming the field.
/// </summary>
public sealed record AccountId
{
    /// <summary>The scheme name used for TradeChain accounts (settlement-token holders on chain).</summary>
    public const string ChainScheme = "TCHAIN";

    private AccountId(AccountIdKind kind, string value, string? scheme, string? address)
    {
        Kind = kind;
        Value = value;
        Scheme = scheme;
        ChainAddress = address;
    }

    public AccountIdKind Kind { get; }

    /// <summary>What goes into <c>IBAN</c> or <c>Othr/Id</c> (Max34Text).</summary>
    public string Value { get; }

    /// <summary>The proprietary scheme name of an <c>Othr</c> identification; null for an IBAN.</summary>
    public string? Scheme { get; }

    /// <summary>For a chain account, the full 0x address, carried in <c>Prxy/Id</c>; otherwise null.</summary>
    public string? ChainAddress { get; }

    /// <summary>An IBAN: ISO 13616 shape (the XSD pattern) and the mod-97 check digits are verified. Spaces are removed.</summary>
    public static AccountId Iban(string iban, string field = "iban")
    {
        ArgumentNullException.ThrowIfNull(iban, field);
        var compact = iban.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        Iso20022Text.RequireIban(compact, field);
        return new AccountId(AccountIdKind.Iban, compact, null, null);
    }

    /// <summary>
    /// A TradeChain account: a 20-byte EVM address ("0x" + 40 hex digits). ISO 20022 <c>Othr/Id</c> is Max34Text,
    /// which cannot hold the 42-character address, so <c>Othr/Id</c> carries the address's 20 bytes in
    /// unpadded RFC 4648 base32 (32 characters, reversible with <see cref="ChainAddressFromOthrId"/>) under
    /// <c>SchmeNm/Prtry</c> "TCHAIN", and the readable address travels in full in the account's <c>Prxy</c>
    /// (<c>Tp/Prtry</c> "TCHAIN", <c>Id</c> Max2048Text).
    /// </summary>
    public static AccountId Chain(string address, string field = "address")
    {
        var bytes = Iso20022Text.RequireChainAddress(address, field);
        return new AccountId(AccountIdKind.Chain, Base32.Encode(bytes), ChainScheme, "0x" + Convert.ToHexStringLower(bytes));
    }

    /// <summary>A proprietary account identification <c>Othr/Id</c> (Max34Text) with <c>SchmeNm/Prtry</c> (Max35Text).</summary>
    public static AccountId Other(string id, string scheme, string field = "account")
    {
        Iso20022Text.RequireText(id, 34, field + ".Id");
        Iso20022Text.RequireText(scheme, 35, field + ".Scheme");
        return new AccountId(AccountIdKind.Other, id, scheme, null);
    }

    /// <summary>The lower-case 0x address encoded in a TCHAIN <c>Othr/Id</c>.</summary>
    public static string ChainAddressFromOthrId(string othrId)
    {
        var bytes = Base32.Decode(othrId);
        if (bytes is null || bytes.Length != 20)
            throw new ArgumentException("Not a TCHAIN account identification: expected 32 base32 characters encoding 20 bytes.", nameof(othrId));
        return "0x" + Convert.ToHexStringLower(bytes);
    }
}

/// <summary>
/// A financial institution (an agent): by BIC (<c>FinInstnId/BICFI</c>) or by a proprietary member id in a
/// clearing system (<c>FinInstnId/ClrSysMmbId</c> with <c>ClrSysId/Prtry</c>, "TCHAIN" by default).
/// </summary>
public sealed record FinancialInstitution
{
    private FinancialInstitution(string? bic, string? memberId, string? clearingSystem, string? name)
    {
        Bic = bic;
        MemberId = memberId;
        ClearingSystem = clearingSystem;
        Name = name;
    }

    public string? Bic { get; }

    public string? MemberId { get; }

    public string? ClearingSystem { get; }

    /// <summary>Optional <c>Nm</c> (Max140Text).</summary>
    public string? Name { get; }

    /// <summary>An agent identified by BIC (BICFIDec2014Identifier: 8 or 11 characters).</summary>
    public static FinancialInstitution ByBic(string bic, string? name = null, string field = "agent")
    {
        Iso20022Text.RequireBic(bic, field + ".Bic");
        if (name is not null) Iso20022Text.RequireText(name, 140, field + ".Name");
        return new FinancialInstitution(bic, null, null, name);
    }

    /// <summary>An agent identified by its member id (Max35Text) in a clearing system (proprietary code, Max35Text).</summary>
    public static FinancialInstitution ByMemberId(string memberId, string clearingSystem = AccountId.ChainScheme, string? name = null, string field = "agent")
    {
        Iso20022Text.RequireText(memberId, 35, field + ".MemberId");
        Iso20022Text.RequireText(clearingSystem, 35, field + ".ClearingSystem");
        if (name is not null) Iso20022Text.RequireText(name, 140, field + ".Name");
        return new FinancialInstitution(null, memberId, clearingSystem, name);
    }
}

/// <summary>A debtor or creditor: its name (<c>Nm</c>, Max140Text) and its account.</summary>
public sealed record Party(string Name, AccountId Account);

/// <summary>
/// One settled (or to-be-settled) customer credit transfer between two banks, the input of
/// <see cref="Pacs008.Build"/>.
/// </summary>
/// <param name="MessageId">GrpHdr/MsgId (Max35Text), unique per message.</param>
/// <param name="CreatedAt">GrpHdr/CreDtTm.</param>
/// <param name="EndToEndId">PmtId/EndToEndId (Max35Text): our payment or credit reference.</param>
/// <param name="Uetr">PmtId/UETR: a version-4 UUID.</param>
/// <param name="Amount">IntrBkSttlmAmt: positive, with at most the currency's minor units.</param>
/// <param name="Currency">ISO 4217 active code.</param>
/// <param name="ValueDate">IntrBkSttlmDt.</param>
/// <param name="RemittanceInformation">RmtInf/Ustrd (Max140Text), e.g. the declaration or credit reference; optional.</param>
/// <param name="ChainTransactionHash">The settlement transaction on chain (0x + 64 hex), carried in SplmtryData; optional (a message built before the transaction is mined has none).</param>
/// <param name="InstructionId">PmtId/InstrId (Max35Text); defaults to <paramref name="MessageId"/> (one transaction per message).</param>
public sealed record Settlement(
    string MessageId,
    DateTimeOffset CreatedAt,
    string EndToEndId,
    Guid Uetr,
    decimal Amount,
    string Currency,
    DateOnly ValueDate,
    Party Debtor,
    FinancialInstitution DebtorAgent,
    Party Creditor,
    FinancialInstitution CreditorAgent,
    string? RemittanceInformation,
    string? ChainTransactionHash,
    string? InstructionId = null);

/// <summary>Whether an entry credits or debits the notified account (<c>CdtDbtInd</c> CRDT / DBIT).</summary>
public enum EntryDirection { Credit, Debit }

/// <summary>
/// The sub-family of the bank transaction code: the family is RCDT (received credit transfers) for a credit
/// and ICDT (issued credit transfers) for a debit, domain PMNT.
/// </summary>
public enum CreditTransferKind
{
    /// <summary>DMCT, domestic credit transfer (e.g. a duty payment to the customs treasury).</summary>
    Domestic,

    /// <summary>XBCT, cross-border credit transfer (e.g. a documentary credit paid abroad).</summary>
    CrossBorder,

    /// <summary>ESCT, SEPA credit transfer (EUR within SEPA only).</summary>
    Sepa,
}

/// <summary>
/// One booked movement on an account, the input of <see cref="Camt054.Build(string, DateTimeOffset, AccountEntry)"/>.
/// </summary>
/// <param name="Account">The notified account (Ntfctn/Acct).</param>
/// <param name="Direction">Credit or debit of <paramref name="Account"/>.</param>
/// <param name="Amount">Positive, with at most the currency's minor units.</param>
/// <param name="EndToEndId">Refs/EndToEndId (Max35Text): our payment or credit reference.</param>
/// <param name="ChainTransactionHash">The transaction that booked the entry on chain (0x + 64 hex).</param>
/// <param name="Counterparty">The debtor of a credit, or the creditor of a debit (RltdPties).</param>
/// <param name="Uetr">Refs/UETR of the underlying pacs.008, when there is one.</param>
/// <param name="CounterpartyAgent">The counterparty's bank (RltdAgts/DbtrAgt or CdtrAgt), when known.</param>
/// <param name="EntryReference">Ntry/NtryRef and Refs/AcctSvcrRef (Max35Text), when the servicer has one.</param>
/// <param name="RemittanceInformation">TxDtls/RmtInf/Ustrd (Max140Text).</param>
public sealed record AccountEntry(
    AccountId Account,
    EntryDirection Direction,
    decimal Amount,
    string Currency,
    DateOnly BookingDate,
    DateOnly ValueDate,
    string EndToEndId,
    string ChainTransactionHash,
    Party Counterparty,
    Guid? Uetr = null,
    FinancialInstitution? CounterpartyAgent = null,
    string? EntryReference = null,
    string? RemittanceInformation = null,
    CreditTransferKind Kind = CreditTransferKind.Domestic);
