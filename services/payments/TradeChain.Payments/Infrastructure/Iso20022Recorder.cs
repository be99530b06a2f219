using TradeChain.Payments.Domain;
using TradeChain.Payments.Iso20022;

namespace TradeChain.Payments.Infrastructure;

/// <summary>One money movement to report: who paid whom, through which banks, carried by which chain transaction.</summary>
public sealed record MovementReport(string Subject, string EndToEndId, decimal Amount, string Currency, string DebtorParty, string DebtorAddress,
    string DebtorBank, string CreditorParty, string CreditorAddress, string CreditorBank, string ChainTransactionHash, string Remittance);

/// <summary>
/// Writes the ISO 20022 messages of a settlement: a pacs.008 between the banks, and a camt.054 debit notification to
/// the debtor and credit notification to the creditor — kept with the settlement and served by the API.
/// </summary>
public sealed class Iso20022Recorder(TimeProvider clock)
{
    public void Record(PaymentsDbContext db, MovementReport m)
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var uetr = Guid.NewGuid();
        var debtor = new Party(m.DebtorParty, AccountId.Chain(m.DebtorAddress, "debtorAccount"));
        var creditor = new Party(m.CreditorParty, AccountId.Chain(m.CreditorAddress, "creditorAccount"));
        var debtorAgent = FinancialInstitution.ByMemberId(m.DebtorBank, name: m.DebtorBank);
        var creditorAgent = FinancialInstitution.ByMemberId(m.CreditorBank, name: m.CreditorBank);
        var pacs = Pacs008.Build(new Settlement(MessageId(), now, m.EndToEndId, uetr, m.Amount, m.Currency, today, debtor, debtorAgent, creditor,
            creditorAgent, m.Remittance, m.ChainTransactionHash));
        Add(db, "pacs.008.001.08", m.Subject, $"{m.DebtorBank},{m.CreditorBank}", pacs, now);
        var debit = Camt054.Build(MessageId(), now, new AccountEntry(debtor.Account, EntryDirection.Debit, m.Amount, m.Currency, today, today, m.EndToEndId,
            m.ChainTransactionHash, creditor, uetr, creditorAgent, RemittanceInformation: m.Remittance));
        Add(db, "camt.054.001.08", m.Subject, m.DebtorParty, debit, now);
        var credit = Camt054.Build(MessageId(), now, new AccountEntry(creditor.Account, EntryDirection.Credit, m.Amount, m.Currency, today, today, m.EndToEndId,
            m.ChainTransactionHash, debtor, uetr, debtorAgent, RemittanceInformation: m.Remittance));
        Add(db, "camt.054.001.08", m.Subject, m.CreditorParty, credit, now);
    }

    private static void Add(PaymentsDbContext db, string type, string subject, string party, System.Xml.Linq.XDocument xml, DateTimeOffset at) =>
        db.Messages.Add(new Iso20022Message
        {
            Id = Guid.NewGuid(), MessageType = type, Subject = subject, Party = party,
            Xml = System.Text.Encoding.UTF8.GetString(Iso20022Serializer.ToUtf8(xml)), CreatedAtUnixMs = at.ToUnixTimeMilliseconds(),
        });

    private static string MessageId() => "TC" + Guid.NewGuid().ToString("N")[..30].ToUpperInvariant();
}
