using TradeChain.Payments.Domain;
using TradeChain.Payments.Iso20022;

namespace TradeChain.Payments.Infrastructure;

/// <summary>One money movement to report: who paid whom, through which banks, carried by which chain transaction.</summary>
public sealed record MovementReport(string Subject, string EndToEndId, decimal Amount, string Currency, string DebtorParty, string DebtorAddress,
    string DebtorBank, string CreditorParty, string CreditorAddress, string CreditorBank, string ChainTransactionHash, string Remittance,
    bool NotifyDebtor = true);

/// <summary>
/// Writes the ISO 20022 messages of a settlement: a pacs.008 between the banks, and a camt.054 debit notification to
/// the debtor and credit notification to the creditor — kept with the settlement and served by the API.
/// </summary>
public sealed class Iso20022Recorder(TimeProvider clock)
{
    /// <summary>A well-formed transaction hash for <see cref="Problem"/>, before the real one exists.</summary>
    public const string Placeholder = "0x0000000000000000000000000000000000000000000000000000000000000001";

    /// <summary>Builds the messages without keeping them: why they cannot be written (naming the field), or null.</summary>
    public string? Problem(MovementReport m) => TryBuild(m, out _, out var failure) ? null : Explain(failure!);

    /// <summary>Records the messages; throws <see cref="ArgumentException"/> (naming the field) when they cannot be written.</summary>
    public void Record(PaymentsDbContext db, MovementReport m)
    {
        if (!TryBuild(m, out var built, out var failure)) throw new ArgumentException(Explain(failure!), failure!.ParamName, failure);
        Keep(db, m, built);
    }

    /// <summary>Records the messages when they can be written; false, recording nothing, when they cannot.</summary>
    public bool TryRecord(PaymentsDbContext db, MovementReport m)
    {
        if (!TryBuild(m, out var built, out _)) return false;
        Keep(db, m, built);
        return true;
    }

    private sealed record Built(DateTimeOffset At, List<(string Type, string Party, System.Xml.Linq.XDocument Xml)> Messages);

    /// <summary>
    /// The one place a transfer's messages are built (for <see cref="Problem"/>, <see cref="Record"/> and
    /// <see cref="TryRecord"/>): all of them, or none and why. <see cref="Notify"/> builds its single camt.054 itself.
    /// </summary>
    private bool TryBuild(MovementReport m, out Built built, out ArgumentException? failure)
    {
        var now = clock.GetUtcNow();
        try
        {
            built = new Built(now, [.. Build(m, now)]);
            failure = null;
            return true;
        }
        catch (ArgumentException e)
        {
            built = new Built(now, []);
            failure = e;
            return false;
        }
    }

    private static string Explain(ArgumentException failure) => $"the ISO 20022 messages of this settlement cannot be written: {failure.Message}";

    /// <summary>Keeps the messages, each stamped with the moment they were built (the time inside them).</summary>
    private static void Keep(PaymentsDbContext db, MovementReport m, Built built)
    {
        foreach (var (type, party, xml) in built.Messages) Add(db, type, m.Subject, party, xml, built.At);
    }

    private static IEnumerable<(string Type, string Party, System.Xml.Linq.XDocument Xml)> Build(MovementReport m, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var uetr = Guid.NewGuid();
        var debtor = new Party(m.DebtorParty, AccountId.Chain(m.DebtorAddress, "debtorAccount"));
        var creditor = new Party(m.CreditorParty, AccountId.Chain(m.CreditorAddress, "creditorAccount"));
        var debtorAgent = FinancialInstitution.ByMemberId(m.DebtorBank, name: m.DebtorBank);
        var creditorAgent = FinancialInstitution.ByMemberId(m.CreditorBank, name: m.CreditorBank);
        var pacs = Pacs008.Build(new Settlement(MessageId(), now, m.EndToEndId, uetr, m.Amount, m.Currency, today, debtor, debtorAgent, creditor,
            creditorAgent, m.Remittance, m.ChainTransactionHash));
        // Each notification goes to the account holder and its bank (the bank keeps the customs treasury's account).
        yield return ("pacs.008.001.08", $"{m.DebtorBank},{m.CreditorBank}", pacs);
        if (m.NotifyDebtor)
            yield return ("camt.054.001.08", $"{m.DebtorParty},{m.DebtorBank}", Camt054.Build(MessageId(), now, new AccountEntry(debtor.Account, EntryDirection.Debit,
            m.Amount, m.Currency, today, today, m.EndToEndId, m.ChainTransactionHash, creditor, uetr, creditorAgent, RemittanceInformation: m.Remittance)));
        yield return ("camt.054.001.08", $"{m.CreditorParty},{m.CreditorBank}", Camt054.Build(MessageId(), now, new AccountEntry(creditor.Account, EntryDirection.Credit,
            m.Amount, m.Currency, today, today, m.EndToEndId, m.ChainTransactionHash, debtor, uetr, debtorAgent, RemittanceInformation: m.Remittance)));
    }

    /// <summary>
    /// A camt.054 for one booking on one account that is not a transfer between two customers — a deposit or withdrawal
    /// against the bank's books, money locked in or returned from a credit's escrow — addressed to the holder and its bank.
    /// </summary>
    public void Notify(PaymentsDbContext db, string subject, string holder, string holderAddress, string holderBank, bool credit, decimal amount,
        string currency, string endToEndId, string counterpartyName, string counterpartyAddress, string chainTransactionHash, string remittance)
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var xml = Camt054.Build(MessageId(), now, new AccountEntry(AccountId.Chain(holderAddress, "account"), credit ? EntryDirection.Credit : EntryDirection.Debit,
            amount, currency, today, today, endToEndId, chainTransactionHash, new Party(counterpartyName, AccountId.Chain(counterpartyAddress, "counterparty")),
            RemittanceInformation: remittance));
        Add(db, "camt.054.001.08", subject, $"{holder},{holderBank}", xml, now);
    }

    private static void Add(PaymentsDbContext db, string type, string subject, string party, System.Xml.Linq.XDocument xml, DateTimeOffset at) =>
        db.Messages.Add(new Iso20022Message
        {
            Id = Guid.NewGuid(), MessageType = type, Subject = subject, Party = party,
            Xml = System.Text.Encoding.UTF8.GetString(Iso20022Serializer.ToUtf8(xml)), CreatedAtUnixMs = at.ToUnixTimeMilliseconds(),
        });

    private static string MessageId() => "TC" + Guid.NewGuid().ToString("N")[..30].ToUpperInvariant();
}
