using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using TradeChain.Payments.Iso20022;

namespace TradeChain.UnitTests;

public class Iso20022Tests
{
    private static readonly XNamespace Pacs = Pacs008.Namespace;
    private static readonly XNamespace Camt = Camt054.Namespace;
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 30, 0, TimeSpan.FromHours(7));
    private static readonly Guid Uetr = Guid.Parse("3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    private const string TxHash = "0x8f1c2d3e4a5b6c7d8e9f00112233445566778899aabbccddeeff001122334455";
    private const string ImporterAddress = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4";
    private const string TreasuryAddress = "0xab8483f64d9c6d1ecf9b849ae677dd3315835cb2";

    // Element order of the pacs.008.001.08 and camt.054.001.08 XSD sequences, transcribed from the schemas
    // (CreditTransferTransaction39, GroupHeader93, PaymentIdentification7, ReportEntry10, EntryTransaction10,
    // TransactionReferences6, TransactionParties6, AccountNotification17).
    private static readonly string[] CreditTransferTransaction39 =
    [
        "PmtId", "PmtTpInf", "IntrBkSttlmAmt", "IntrBkSttlmDt", "SttlmPrty", "SttlmTmIndctn", "SttlmTmReq",
        "AccptncDtTm", "PoolgAdjstmntDt", "InstdAmt", "XchgRate", "ChrgBr", "ChrgsInf", "PrvsInstgAgt1",
        "PrvsInstgAgt1Acct", "PrvsInstgAgt2", "PrvsInstgAgt2Acct", "PrvsInstgAgt3", "PrvsInstgAgt3Acct", "InstgAgt",
        "InstdAgt", "IntrmyAgt1", "IntrmyAgt1Acct", "IntrmyAgt2", "IntrmyAgt2Acct", "IntrmyAgt3", "IntrmyAgt3Acct",
        "UltmtDbtr", "InitgPty", "Dbtr", "DbtrAcct", "DbtrAgt", "DbtrAgtAcct", "CdtrAgt", "CdtrAgtAcct", "Cdtr",
        "CdtrAcct", "UltmtCdtr", "InstrForCdtrAgt", "InstrForNxtAgt", "Purp", "RgltryRptg", "Tax", "RltdRmtInf",
        "RmtInf", "SplmtryData",
    ];

    private static readonly string[] GroupHeader93 =
    [
        "MsgId", "CreDtTm", "BtchBookg", "NbOfTxs", "CtrlSum", "TtlIntrBkSttlmAmt", "IntrBkSttlmDt", "SttlmInf",
        "PmtTpInf", "InstgAgt", "InstdAgt",
    ];

    private static readonly string[] PaymentIdentification7 = ["InstrId", "EndToEndId", "TxId", "UETR", "ClrSysRef"];

    private static readonly string[] ReportEntry10 =
    [
        "NtryRef", "Amt", "CdtDbtInd", "RvslInd", "Sts", "BookgDt", "ValDt", "AcctSvcrRef", "Avlbty", "BkTxCd",
        "ComssnWvrInd", "AddtlInfInd", "AmtDtls", "Chrgs", "TechInptChanl", "Intrst", "CardTx", "NtryDtls",
        "AddtlNtryInf",
    ];

    private static readonly string[] EntryTransaction10 =
    [
        "Refs", "Amt", "CdtDbtInd", "AmtDtls", "Avlbty", "BkTxCd", "Chrgs", "Intrst", "RltdPties", "RltdAgts",
        "LclInstrm", "Purp", "RltdRmtInf", "RmtInf", "RltdDts", "RltdPric", "RltdQties", "FinInstrmId", "Tax",
        "RtrInf", "CorpActn", "SfkpgAcct", "CshDpst", "CardTx", "AddtlTxInf", "SplmtryData",
    ];

    private static readonly string[] TransactionReferences6 =
    [
        "MsgId", "AcctSvcrRef", "PmtInfId", "InstrId", "EndToEndId", "UETR", "TxId", "MndtId", "ChqNb", "ClrSysRef",
        "AcctOwnrTxId", "AcctSvcrTxId", "MktInfrstrctrTxId", "PrcgId", "Prtry",
    ];

    private static readonly string[] AccountNotification17 =
    [
        "Id", "NtfctnPgntn", "ElctrncSeqNb", "RptgSeq", "LglSeqNb", "CreDtTm", "FrToDt", "CpyDplctInd", "RptgSrc",
        "Acct", "RltdAcct", "Intrst", "TxsSummry", "Ntry", "AddtlNtfctnInf",
    ];

    private static Settlement DutySettlement(decimal amount = 1250.5m, string currency = "USD") => new(
        MessageId: "TC-PACS-20261125-0001",
        CreatedAt: Now,
        EndToEndId: "DUTY-2026-000123",
        Uetr: Uetr,
        Amount: amount,
        Currency: currency,
        ValueDate: new DateOnly(2026, 11, 25),
        Debtor: new Party("ACME Importers Ltd", AccountId.Chain(ImporterAddress)),
        DebtorAgent: FinancialInstitution.ByBic("BFTVVNVX", "Joint Stock Commercial Bank for Foreign Trade of Vietnam", "DebtorAgent"),
        Creditor: new Party("General Department of Vietnam Customs - Treasury", AccountId.Chain(TreasuryAddress)),
        CreditorAgent: FinancialInstitution.ByMemberId("BANK-TREASURY", field: "CreditorAgent"),
        RemittanceInformation: "Import duties, declaration 10512345678/A11",
        ChainTransactionHash: TxHash);

    private static AccountEntry Entry(EntryDirection direction = EntryDirection.Credit, decimal amount = 1250.5m, string currency = "USD") => new(
        Account: AccountId.Chain(TreasuryAddress),
        Direction: direction,
        Amount: amount,
        Currency: currency,
        BookingDate: new DateOnly(2026, 11, 25),
        ValueDate: new DateOnly(2026, 11, 25),
        EndToEndId: "DUTY-2026-000123",
        ChainTransactionHash: TxHash,
        Counterparty: new Party("ACME Importers Ltd", AccountId.Iban("DE89 3704 0044 0532 0130 00")),
        Uetr: Uetr,
        CounterpartyAgent: FinancialInstitution.ByBic("DEUTDEFFXXX"),
        EntryReference: "NTRY-000042",
        RemittanceInformation: "Import duties, declaration 10512345678/A11");

    private static string[] ChildNames(XElement element) => [.. element.Elements().Select(e => e.Name.LocalName)];

    /// <summary>Every name appears in the XSD sequence, at most once, and in the sequence's order.</summary>
    private static void AssertInXsdOrder(string[] xsdSequence, string[] actual, bool repeatable = false)
    {
        var positions = actual.Select(name =>
        {
            var i = Array.IndexOf(xsdSequence, name);
            Assert.True(i >= 0, $"{name} is not in the XSD sequence");
            return i;
        }).ToArray();
        for (var k = 1; k < positions.Length; k++)
        {
            if (repeatable) Assert.True(positions[k] >= positions[k - 1], $"{actual[k]} comes before {actual[k - 1]} in the XSD");
            else Assert.True(positions[k] > positions[k - 1], $"{actual[k]} comes before or repeats {actual[k - 1]} in the XSD");
        }
    }

    /// <summary>Serialises as sent and parses back with a strict reader: the bytes are well-formed XML 1.0.</summary>
    private static XDocument RoundTrip(XDocument document)
    {
        var bytes = Iso20022Serializer.ToUtf8(document);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", text);
        Assert.False(bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF, "no byte-order mark");
        using var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, ConformanceLevel = ConformanceLevel.Document });
        return XDocument.Load(reader);
    }

    [Fact]
    public void Pacs008_is_well_formed_with_the_standard_root_and_namespace()
    {
        var document = RoundTrip(Pacs008.Build(DutySettlement()));

        Assert.Equal(Pacs + "Document", document.Root!.Name);
        Assert.Equal("urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08", document.Root.Name.NamespaceName);
        Assert.Equal(["FIToFICstmrCdtTrf"], ChildNames(document.Root));
        var message = document.Root.Element(Pacs + "FIToFICstmrCdtTrf")!;
        Assert.Equal(["GrpHdr", "CdtTrfTxInf"], ChildNames(message));
        // Every ISO element is in the message's namespace; only the supplementary envelope's content is ours.
        Assert.All(document.Descendants().Where(e => e.Ancestors(Pacs + "Envlp").Any() == false),
            e => Assert.Equal(Pacs008.Namespace, e.Name.NamespaceName));
    }

    [Fact]
    public void Pacs008_group_header_and_transaction_follow_the_xsd_sequence()
    {
        var message = Pacs008.Build(DutySettlement()).Root!.Element(Pacs + "FIToFICstmrCdtTrf")!;
        var header = message.Element(Pacs + "GrpHdr")!;
        var transaction = message.Element(Pacs + "CdtTrfTxInf")!;

        Assert.Equal(["MsgId", "CreDtTm", "NbOfTxs", "SttlmInf"], ChildNames(header));
        AssertInXsdOrder(GroupHeader93, ChildNames(header));
        Assert.Equal(["SttlmMtd", "ClrSys"], ChildNames(header.Element(Pacs + "SttlmInf")!));

        Assert.Equal(
            ["PmtId", "IntrBkSttlmAmt", "IntrBkSttlmDt", "ChrgBr", "Dbtr", "DbtrAcct", "DbtrAgt", "CdtrAgt", "Cdtr", "CdtrAcct", "RmtInf", "SplmtryData"],
            ChildNames(transaction));
        AssertInXsdOrder(CreditTransferTransaction39, ChildNames(transaction));
        Assert.Equal(["InstrId", "EndToEndId", "UETR"], ChildNames(transaction.Element(Pacs + "PmtId")!));
        AssertInXsdOrder(PaymentIdentification7, ChildNames(transaction.Element(Pacs + "PmtId")!));
        // CashAccount38: Id before Prxy; GenericAccountIdentification1: Id before SchmeNm.
        Assert.Equal(["Id", "Prxy"], ChildNames(transaction.Element(Pacs + "DbtrAcct")!));
        Assert.Equal(["Id", "SchmeNm"], ChildNames(transaction.Element(Pacs + "DbtrAcct")!.Element(Pacs + "Id")!.Element(Pacs + "Othr")!));
        Assert.Equal(["PlcAndNm", "Envlp"], ChildNames(transaction.Element(Pacs + "SplmtryData")!));
    }

    [Fact]
    public void Pacs008_carries_the_settlement_values()
    {
        var message = Pacs008.Build(DutySettlement()).Root!.Element(Pacs + "FIToFICstmrCdtTrf")!;
        var header = message.Element(Pacs + "GrpHdr")!;
        var tx = message.Element(Pacs + "CdtTrfTxInf")!;
        string At(XElement scope, params string[] path) => path.Aggregate(scope, (e, name) => e.Element(Pacs + name)!).Value;

        Assert.Equal("TC-PACS-20261125-0001", At(header, "MsgId"));
        Assert.Equal("2026-11-25T09:30:00.000+07:00", At(header, "CreDtTm"));
        Assert.Equal("1", At(header, "NbOfTxs"));
        Assert.Equal("CLRG", At(header, "SttlmInf", "SttlmMtd"));
        Assert.Equal("TCHAIN", At(header, "SttlmInf", "ClrSys", "Prtry"));

        Assert.Equal("TC-PACS-20261125-0001", At(tx, "PmtId", "InstrId"));
        Assert.Equal("DUTY-2026-000123", At(tx, "PmtId", "EndToEndId"));
        Assert.Equal("3f2504e0-4f89-41d3-9a0c-0305e82c3301", At(tx, "PmtId", "UETR"));
        Assert.Equal("1250.50", At(tx, "IntrBkSttlmAmt"));
        Assert.Equal("USD", tx.Element(Pacs + "IntrBkSttlmAmt")!.Attribute("Ccy")!.Value);
        Assert.Equal("2026-11-25", At(tx, "IntrBkSttlmDt"));
        Assert.Equal("SLEV", At(tx, "ChrgBr"));
        Assert.Equal("ACME Importers Ltd", At(tx, "Dbtr", "Nm"));
        Assert.Equal("BFTVVNVX", At(tx, "DbtrAgt", "FinInstnId", "BICFI"));
        Assert.Equal("Joint Stock Commercial Bank for Foreign Trade of Vietnam", At(tx, "DbtrAgt", "FinInstnId", "Nm"));
        Assert.Equal("TCHAIN", At(tx, "CdtrAgt", "FinInstnId", "ClrSysMmbId", "ClrSysId", "Prtry"));
        Assert.Equal("BANK-TREASURY", At(tx, "CdtrAgt", "FinInstnId", "ClrSysMmbId", "MmbId"));
        Assert.Equal("General Department of Vietnam Customs - Treasury", At(tx, "Cdtr", "Nm"));
        Assert.Equal("Import duties, declaration 10512345678/A11", At(tx, "RmtInf", "Ustrd"));

        // On-chain accounts: Othr/Id (Max34Text) holds the address bytes in base32, scheme TCHAIN; the full
        // address is in the proxy.
        var othrId = At(tx, "DbtrAcct", "Id", "Othr", "Id");
        Assert.True(othrId.Length <= 34);
        Assert.Equal("TCHAIN", At(tx, "DbtrAcct", "Id", "Othr", "SchmeNm", "Prtry"));
        Assert.Equal(ImporterAddress.ToLowerInvariant(), AccountId.ChainAddressFromOthrId(othrId));
        Assert.Equal("TCHAIN", At(tx, "DbtrAcct", "Prxy", "Tp", "Prtry"));
        Assert.Equal(ImporterAddress.ToLowerInvariant(), At(tx, "DbtrAcct", "Prxy", "Id"));
        Assert.Equal(TreasuryAddress, AccountId.ChainAddressFromOthrId(At(tx, "CdtrAcct", "Id", "Othr", "Id")));

        Assert.Equal(TxHash, ChainReference.TxHash(tx));
    }

    [Fact]
    public void Pacs008_omits_optional_remittance_and_chain_reference_and_takes_an_iban_account()
    {
        var settlement = DutySettlement() with
        {
            RemittanceInformation = null,
            ChainTransactionHash = null,
            InstructionId = "INSTR-7",
            Creditor = new Party("Exporter GmbH", AccountId.Iban("GB82WEST12345698765432")),
        };
        var tx = Pacs008.Build(settlement).Root!.Descendants(Pacs + "CdtTrfTxInf").Single();

        Assert.Equal(["PmtId", "IntrBkSttlmAmt", "IntrBkSttlmDt", "ChrgBr", "Dbtr", "DbtrAcct", "DbtrAgt", "CdtrAgt", "Cdtr", "CdtrAcct"], ChildNames(tx));
        Assert.Equal("INSTR-7", tx.Element(Pacs + "PmtId")!.Element(Pacs + "InstrId")!.Value);
        Assert.Equal("GB82WEST12345698765432", tx.Element(Pacs + "CdtrAcct")!.Element(Pacs + "Id")!.Element(Pacs + "IBAN")!.Value);
        Assert.Equal(["Id"], ChildNames(tx.Element(Pacs + "CdtrAcct")!));
        Assert.Null(ChainReference.TxHash(tx));
    }

    [Fact]
    public void Camt054_is_well_formed_with_the_standard_root_and_namespace()
    {
        var document = RoundTrip(Camt054.Build("TC-CAMT-20261125-0001", Now, Entry()));

        Assert.Equal(Camt + "Document", document.Root!.Name);
        Assert.Equal("urn:iso:std:iso:20022:tech:xsd:camt.054.001.08", document.Root.Name.NamespaceName);
        Assert.Equal(["BkToCstmrDbtCdtNtfctn"], ChildNames(document.Root));
        var message = document.Root.Element(Camt + "BkToCstmrDbtCdtNtfctn")!;
        Assert.Equal(["GrpHdr", "Ntfctn"], ChildNames(message));
        Assert.Equal(["MsgId", "CreDtTm"], ChildNames(message.Element(Camt + "GrpHdr")!));
        Assert.All(document.Descendants().Where(e => e.Ancestors(Camt + "Envlp").Any() == false),
            e => Assert.Equal(Camt054.Namespace, e.Name.NamespaceName));
    }

    [Fact]
    public void Camt054_notification_entry_and_transaction_follow_the_xsd_sequence()
    {
        var notification = Camt054.Build("TC-CAMT-20261125-0001", Now, Entry()).Root!.Descendants(Camt + "Ntfctn").Single();
        Assert.Equal(["Id", "CreDtTm", "Acct", "Ntry"], ChildNames(notification));
        AssertInXsdOrder(AccountNotification17, ChildNames(notification));

        var entry = notification.Element(Camt + "Ntry")!;
        Assert.Equal(["NtryRef", "Amt", "CdtDbtInd", "Sts", "BookgDt", "ValDt", "BkTxCd", "NtryDtls"], ChildNames(entry));
        AssertInXsdOrder(ReportEntry10, ChildNames(entry));
        Assert.Equal(["Domn"], ChildNames(entry.Element(Camt + "BkTxCd")!));
        Assert.Equal(["Cd", "Fmly"], ChildNames(entry.Element(Camt + "BkTxCd")!.Element(Camt + "Domn")!));
        Assert.Equal(["Cd", "SubFmlyCd"], ChildNames(entry.Element(Camt + "BkTxCd")!.Element(Camt + "Domn")!.Element(Camt + "Fmly")!));

        var tx = entry.Element(Camt + "NtryDtls")!.Element(Camt + "TxDtls")!;
        Assert.Equal(["Refs", "Amt", "CdtDbtInd", "RltdPties", "RltdAgts", "RmtInf", "SplmtryData"], ChildNames(tx));
        AssertInXsdOrder(EntryTransaction10, ChildNames(tx));
        Assert.Equal(["AcctSvcrRef", "EndToEndId", "UETR", "Prtry", "Prtry"], ChildNames(tx.Element(Camt + "Refs")!));
        AssertInXsdOrder(TransactionReferences6, ChildNames(tx.Element(Camt + "Refs")!), repeatable: true);
        Assert.Equal(["Dbtr", "DbtrAcct"], ChildNames(tx.Element(Camt + "RltdPties")!));
        Assert.Equal(["Pty"], ChildNames(tx.Element(Camt + "RltdPties")!.Element(Camt + "Dbtr")!));
    }

    [Fact]
    public void Camt054_credit_entry_carries_the_booking_references_and_the_chain_hash()
    {
        var entry = Camt054.Build("TC-CAMT-20261125-0001", Now, Entry()).Root!.Descendants(Camt + "Ntry").Single();
        string At(XElement scope, params string[] path) => path.Aggregate(scope, (e, name) => e.Element(Camt + name)!).Value;
        var ntfctn = entry.Parent!;

        Assert.Equal("TC-CAMT-20261125-0001", At(ntfctn, "Id"));
        Assert.Equal(AccountId.Chain(TreasuryAddress).Value, At(ntfctn, "Acct", "Id", "Othr", "Id"));
        // The notified account names its currency (CashAccount39: Id, Tp, Ccy, Nm, Prxy): a holder's chain address is the same in every currency.
        Assert.Equal("USD", At(ntfctn, "Acct", "Ccy"));
        Assert.Equal(["Id", "Ccy", "Prxy"], ChildNames(ntfctn.Element(Camt + "Acct")!));
        Assert.Equal("1250.50", At(entry, "Amt"));
        Assert.Equal("USD", entry.Element(Camt + "Amt")!.Attribute("Ccy")!.Value);
        Assert.Equal("CRDT", At(entry, "CdtDbtInd"));
        Assert.Equal("BOOK", At(entry, "Sts", "Cd"));
        Assert.Equal("2026-11-25", At(entry, "BookgDt", "Dt"));
        Assert.Equal("2026-11-25", At(entry, "ValDt", "Dt"));
        Assert.Equal("PMNT", At(entry, "BkTxCd", "Domn", "Cd"));
        Assert.Equal("RCDT", At(entry, "BkTxCd", "Domn", "Fmly", "Cd"));
        Assert.Equal("DMCT", At(entry, "BkTxCd", "Domn", "Fmly", "SubFmlyCd"));

        var tx = entry.Element(Camt + "NtryDtls")!.Element(Camt + "TxDtls")!;
        Assert.Equal("DUTY-2026-000123", At(tx, "Refs", "EndToEndId"));
        Assert.Equal("3f2504e0-4f89-41d3-9a0c-0305e82c3301", At(tx, "Refs", "UETR"));
        var proprietary = tx.Element(Camt + "Refs")!.Elements(Camt + "Prtry").ToArray();
        Assert.Equal([ChainReference.FirstHalfType, ChainReference.SecondHalfType], proprietary.Select(p => p.Element(Camt + "Tp")!.Value));
        Assert.All(proprietary, p => Assert.InRange(p.Element(Camt + "Ref")!.Value.Length, 1, 35));
        Assert.Equal(TxHash, string.Concat(proprietary.Select(p => p.Element(Camt + "Ref")!.Value)));
        Assert.Equal(TxHash, ChainReference.TxHash(tx));
        Assert.Equal("ACME Importers Ltd", At(tx, "RltdPties", "Dbtr", "Pty", "Nm"));
        Assert.Equal("DE89370400440532013000", At(tx, "RltdPties", "DbtrAcct", "Id", "IBAN"));
        Assert.Equal("DEUTDEFFXXX", At(tx, "RltdAgts", "DbtrAgt", "FinInstnId", "BICFI"));
        Assert.Equal("Import duties, declaration 10512345678/A11", At(tx, "RmtInf", "Ustrd"));
    }

    [Fact]
    public void Camt054_debit_entry_is_an_issued_credit_transfer_to_the_creditor()
    {
        var entry = Entry(EntryDirection.Debit) with { Kind = CreditTransferKind.CrossBorder, Uetr = null, EntryReference = null, CounterpartyAgent = null, RemittanceInformation = null };
        var ntry = Camt054.Build("TC-CAMT-2", Now, entry).Root!.Descendants(Camt + "Ntry").Single();

        Assert.Equal(["Amt", "CdtDbtInd", "Sts", "BookgDt", "ValDt", "BkTxCd", "NtryDtls"], ChildNames(ntry));
        Assert.Equal("DBIT", ntry.Element(Camt + "CdtDbtInd")!.Value);
        var family = ntry.Element(Camt + "BkTxCd")!.Element(Camt + "Domn")!.Element(Camt + "Fmly")!;
        Assert.Equal("ICDT", family.Element(Camt + "Cd")!.Value);
        Assert.Equal("XBCT", family.Element(Camt + "SubFmlyCd")!.Value);
        var tx = ntry.Descendants(Camt + "TxDtls").Single();
        Assert.Equal(["Refs", "Amt", "CdtDbtInd", "RltdPties", "SplmtryData"], ChildNames(tx));
        Assert.Equal(["EndToEndId", "Prtry", "Prtry"], ChildNames(tx.Element(Camt + "Refs")!));
        Assert.Equal(["Cdtr", "CdtrAcct"], ChildNames(tx.Element(Camt + "RltdPties")!));
        Assert.Equal("DBIT", tx.Element(Camt + "CdtDbtInd")!.Value);
    }

    [Fact]
    public void Camt054_lists_several_entries_of_one_account_and_refuses_entries_of_two()
    {
        var entries = new[] { Entry(), Entry(EntryDirection.Debit, 10m) with { EndToEndId = "LC-2026-77" } };
        var notification = Camt054.Build("TC-CAMT-3", Now, entries).Root!.Descendants(Camt + "Ntfctn").Single();
        Assert.Equal(["Id", "CreDtTm", "Acct", "Ntry", "Ntry"], ChildNames(notification));
        Assert.Equal(["CRDT", "DBIT"], notification.Elements(Camt + "Ntry").Select(n => n.Element(Camt + "CdtDbtInd")!.Value));

        var other = Entry() with { Account = AccountId.Chain(ImporterAddress) };
        Assert.Equal("entries", Assert.Throws<ArgumentException>(() => Camt054.Build("TC-CAMT-4", Now, [Entry(), other])).ParamName);
        Assert.Equal("entries", Assert.Throws<ArgumentException>(() => Camt054.Build("TC-CAMT-5", Now, Array.Empty<AccountEntry>())).ParamName);
        // One chain address, two currencies: two accounts (the notified account names its one currency).
        Assert.Equal("entries", Assert.Throws<ArgumentException>(() => Camt054.Build("TC-CAMT-6", Now, [Entry(), Entry(currency: "VND", amount: 1000m)])).ParamName);
    }

    [Theory]
    [InlineData("USD", "1250.5", "1250.50")]
    [InlineData("USD", "1000000", "1000000.00")]
    [InlineData("USD", "0.01", "0.01")]
    [InlineData("EUR", "12.30", "12.30")]
    [InlineData("VND", "1500000", "1500000")]
    [InlineData("VND", "1500000.00", "1500000")]
    [InlineData("JPY", "7", "7")]
    [InlineData("KWD", "1.5", "1.500")]
    [InlineData("USD", "9999999999999999.99", "9999999999999999.99")]
    public void Amounts_have_exactly_the_currencys_minor_units(string currency, string amount, string expected)
    {
        var value = decimal.Parse(amount, CultureInfo.InvariantCulture);
        Assert.Equal(expected, CurrencyAmount.Format(value, currency));
        var tx = Pacs008.Build(DutySettlement(value, currency)).Root!.Descendants(Pacs + "IntrBkSttlmAmt").Single();
        Assert.Equal(expected, tx.Value);
        Assert.Equal(currency, tx.Attribute("Ccy")!.Value);
    }

    [Fact]
    public void Amounts_ignore_the_current_culture()
    {
        var previous = CultureInfo.CurrentCulture;
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NumberGroupSeparator = ".";
        try
        {
            CultureInfo.CurrentCulture = comma;
            Assert.Equal("1234567.89", CurrencyAmount.Format(1234567.89m, "USD"));
            Assert.Equal("1234567.89", Pacs008.Build(DutySettlement(1234567.89m)).Root!.Descendants(Pacs + "IntrBkSttlmAmt").Single().Value);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData("USD", "12.345")]
    [InlineData("VND", "1500000.5")]
    [InlineData("JPY", "0.1")]
    [InlineData("USD", "0")]
    [InlineData("USD", "-5")]
    [InlineData("USD", "99999999999999999.99")]
    public void Amounts_that_iso_20022_cannot_carry_are_refused_naming_the_amount(string currency, string amount)
    {
        var value = decimal.Parse(amount, CultureInfo.InvariantCulture);
        Assert.Equal("Amount", Assert.Throws<ArgumentException>(() => Pacs008.Build(DutySettlement(value, currency))).ParamName);
        Assert.Equal("Amount", Assert.Throws<ArgumentException>(() => Camt054.Build("M", Now, Entry(amount: value, currency: currency))).ParamName);
    }

    [Theory]
    [InlineData("XYZ")]
    [InlineData("usd")]
    [InlineData("US")]
    [InlineData("HRK")]
    [InlineData("")]
    public void Currencies_that_are_not_active_iso_4217_codes_are_refused(string currency)
    {
        Assert.Equal("Currency", Assert.Throws<ArgumentException>(() => Pacs008.Build(DutySettlement(10m, currency))).ParamName);
        Assert.Equal("Currency", Assert.Throws<ArgumentException>(() => Camt054.Build("M", Now, Entry(currency: currency))).ParamName);
    }

    [Fact]
    public void Text_longer_than_the_xsd_allows_is_refused_naming_the_field_and_never_truncated()
    {
        var s = DutySettlement();
        var max35 = new string('A', 35);
        var max140 = new string('N', 140);

        // At the limit: accepted as is.
        var tx = Pacs008.Build(s with { EndToEndId = max35, MessageId = max35, RemittanceInformation = max140, Debtor = s.Debtor with { Name = max140 } })
            .Root!.Descendants(Pacs + "CdtTrfTxInf").Single();
        Assert.Equal(max35, tx.Element(Pacs + "PmtId")!.Element(Pacs + "EndToEndId")!.Value);
        Assert.Equal(max140, tx.Element(Pacs + "RmtInf")!.Element(Pacs + "Ustrd")!.Value);

        string Refused(Settlement bad) => Assert.Throws<ArgumentException>(() => Pacs008.Build(bad)).ParamName!;
        Assert.Equal("MessageId", Refused(s with { MessageId = max35 + "X" }));
        Assert.Equal("EndToEndId", Refused(s with { EndToEndId = max35 + "X" }));
        Assert.Equal("EndToEndId", Refused(s with { EndToEndId = " " }));
        Assert.Equal("InstructionId", Refused(s with { InstructionId = max35 + "X" }));
        Assert.Equal("Debtor.Name", Refused(s with { Debtor = s.Debtor with { Name = max140 + "X" } }));
        Assert.Equal("Creditor.Name", Refused(s with { Creditor = s.Creditor with { Name = "" } }));
        Assert.Equal("RemittanceInformation", Refused(s with { RemittanceInformation = max140 + "X" }));
        Assert.Equal("ChainTransactionHash", Refused(s with { ChainTransactionHash = "0x1234" }));
        Assert.Equal("Uetr", Refused(s with { Uetr = Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301") }));

        var e = Entry();
        string RefusedEntry(AccountEntry bad) => Assert.Throws<ArgumentException>(() => Camt054.Build("M", Now, bad)).ParamName!;
        Assert.Equal("messageId", Assert.Throws<ArgumentException>(() => Camt054.Build(max35 + "X", Now, e)).ParamName);
        Assert.Equal("EndToEndId", RefusedEntry(e with { EndToEndId = max35 + "X" }));
        Assert.Equal("EntryReference", RefusedEntry(e with { EntryReference = max35 + "X" }));
        Assert.Equal("Counterparty.Name", RefusedEntry(e with { Counterparty = e.Counterparty with { Name = max140 + "X" } }));
        Assert.Equal("RemittanceInformation", RefusedEntry(e with { RemittanceInformation = max140 + "X" }));
        Assert.Equal("ChainTransactionHash", RefusedEntry(e with { ChainTransactionHash = TxHash + "0" }));
        Assert.Equal("Kind", RefusedEntry(e with { Kind = CreditTransferKind.Sepa }));
        Assert.Equal("CreditorAgent.MemberId", Assert.Throws<ArgumentException>(() => FinancialInstitution.ByMemberId(max35 + "X", field: "CreditorAgent")).ParamName);
    }

    [Theory]
    [InlineData("DEUTDEFF")]
    [InlineData("DEUTDEFF500")]
    [InlineData("BFTVVNVX")]
    [InlineData("BKAUATWWXXX")]
    public void Bics_of_8_or_11_characters_are_accepted(string bic) =>
        Assert.Equal(bic, FinancialInstitution.ByBic(bic).Bic);

    [Theory]
    [InlineData("DEUTDEF")]
    [InlineData("DEUTDEFF5")]
    [InlineData("DEUTDEFF5000")]
    [InlineData("deutdeff")]
    [InlineData("DEUT1EFF")]
    [InlineData("DEUT DEFF")]
    [InlineData("")]
    public void Malformed_bics_are_refused_naming_the_field(string bic) =>
        Assert.Equal("DebtorAgent.Bic", Assert.Throws<ArgumentException>(() => FinancialInstitution.ByBic(bic, field: "DebtorAgent")).ParamName);

    [Fact]
    public void Accounts_are_checked_when_they_are_made()
    {
        Assert.Equal("DE89370400440532013000", AccountId.Iban("de89 3704 0044 0532 0130 00").Value);
        Assert.Equal("iban", Assert.Throws<ArgumentException>(() => AccountId.Iban("DE88370400440532013000")).ParamName);
        Assert.Equal("iban", Assert.Throws<ArgumentException>(() => AccountId.Iban("0x5B38Da6a701c568545dCfcB03FcB875f56beddC4")).ParamName);
        Assert.Equal("address", Assert.Throws<ArgumentException>(() => AccountId.Chain("0x5B38Da6a701c568545dCfcB03FcB875f56beddC")).ParamName);
        Assert.Equal("address", Assert.Throws<ArgumentException>(() => AccountId.Chain("5B38Da6a701c568545dCfcB03FcB875f56beddC4")).ParamName);
        Assert.Equal("acct.Id", Assert.Throws<ArgumentException>(() => AccountId.Other(new string('1', 35), "BBAN", "acct")).ParamName);

        var chain = AccountId.Chain(ImporterAddress);
        Assert.Equal(AccountIdKind.Chain, chain.Kind);
        Assert.Equal(32, chain.Value.Length);
        Assert.Matches("^[A-Z2-7]{32}$", chain.Value);
        Assert.Equal("TCHAIN", chain.Scheme);
        Assert.Equal(ImporterAddress.ToLowerInvariant(), chain.ChainAddress);
        Assert.Equal(chain, AccountId.Chain(ImporterAddress.ToLowerInvariant()));
        Assert.Throws<ArgumentException>(() => AccountId.ChainAddressFromOthrId(chain.Value + "A"));
        Assert.Throws<ArgumentException>(() => AccountId.ChainAddressFromOthrId("not base32!"));
    }
}
