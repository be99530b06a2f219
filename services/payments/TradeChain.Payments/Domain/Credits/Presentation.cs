namespace TradeChain.Payments.Domain.Credits;

/// <summary>
/// Where a presentation stands: Presented → Verifying (the documents service checks the documents) → Complying or
/// Discrepant (the automatic examination) → Refused (one notice of every discrepancy) → Waived (by the applicant), or
/// Accepted (honoured) → Settled (paid from escrow). Returned: refused and not waived when the beneficiary presented
/// anew, or still open when the credit was refunded — the documents go back unpaid.
/// </summary>
public enum PresentationStatus { Presented, Verifying, Complying, Discrepant, Refused, Waived, Accepted, Settled, Returned }

/// <summary>Proposed by the issuing bank; binding only once the beneficiary accepts it (UCP 600 art. 10).</summary>
public enum AmendmentStatus { Proposed, Accepted, Rejected }

/// <summary>
/// One presentation of documents under a credit: a part of the <see cref="DocumentaryCredit"/>, changed only through
/// it, with its own history in the transition log ("presentation", its id).
/// </summary>
public sealed class Presentation
{
    private Presentation() { }

    internal Presentation(Guid id, int number, IReadOnlyList<string> documentHashes, DateOnly presentedOn)
    {
        Id = id;
        Number = number;
        _documents = [.. documentHashes.Select((hash, i) => new PresentedDocumentReference(i + 1, hash))];
        PresentedOn = presentedOn;
        Status = PresentationStatus.Presented;
    }

    public Guid Id { get; private set; }

    /// <summary>1 for the credit's first presentation, and so on.</summary>
    public int Number { get; private set; }

    private readonly List<PresentedDocumentReference> _documents = [];
    private List<RecordedDiscrepancy> _discrepancies = [];

    /// <summary>The presented documents' references (their target hashes in the documents service), in the order presented.</summary>
    public IReadOnlyList<string> DocumentHashes => [.. _documents.OrderBy(d => d.Position).Select(d => d.Hash)];

    /// <summary>The day the bank received it (the service's clock, never a date the presenter chooses).</summary>
    public DateOnly PresentedOn { get; private set; }

    public PresentationStatus Status { get; private set; }

    /// <summary>Every discrepancy the examination found, in the order the refusal notice lists them.</summary>
    public IReadOnlyList<Discrepancy> Discrepancies => [.. _discrepancies.OrderBy(d => d.Position).Select(d => d.ToDiscrepancy())];

    public decimal AmountClaimed { get; private set; }

    /// <summary>The fifth banking day after presentation: the last day the issuing bank may refuse (UCP 600 art. 14b, 16f).</summary>
    public DateOnly? ExaminationDeadline { get; private set; }

    public string? RefusalNotice { get; private set; }

    public string? SettlementTransactionHash { get; private set; }

    public long? SettledAtUnixMs { get; private set; }

    /// <summary>The number of the presentation's transitions in the log so far.</summary>
    public int Version { get; private set; }

    /// <summary>Still being examined, waiting for a decision, or accepted and not yet paid.</summary>
    public bool IsOpen => Status is PresentationStatus.Presented or PresentationStatus.Verifying or PresentationStatus.Complying
        or PresentationStatus.Discrepant or PresentationStatus.Waived or PresentationStatus.Accepted;

    /// <summary>Past the examination deadline the bank is precluded from refusing (UCP 600 art. 16f).</summary>
    public bool ExaminationPeriodOverOn(DateOnly today) => ExaminationDeadline is { } deadline && today > deadline;

    internal PresentationStatus MoveTo(PresentationStatus to)
    {
        var from = Status;
        Status = to;
        Version++;
        return from;
    }

    internal void Examined(ExaminationResult result)
    {
        _discrepancies = [.. result.Discrepancies.Select((d, i) => RecordedDiscrepancy.From(i + 1, d))];
        AmountClaimed = result.AmountClaimed;
        ExaminationDeadline = result.ExaminationDeadline;
    }

    internal void RefusedWith(string notice) => RefusalNotice = notice;

    internal void Paid(string transaction, DateTimeOffset at)
    {
        SettlementTransactionHash = transaction;
        SettledAtUnixMs = at.ToUnixTimeMilliseconds();
    }
}

/// <summary>One document of a presentation, at its place in it.</summary>
public sealed class PresentedDocumentReference
{
    private PresentedDocumentReference() { }

    internal PresentedDocumentReference(int position, string hash)
    {
        Position = position;
        Hash = hash;
    }

    public int Position { get; private set; }

    public string Hash { get; private set; } = "";
}

/// <summary>One discrepancy of an examined presentation, at its place in the refusal notice.</summary>
public sealed class RecordedDiscrepancy
{
    private RecordedDiscrepancy() { }

    public int Position { get; private set; }

    public string Code { get; private set; } = "";

    public string? DocumentType { get; private set; }

    public string? Field { get; private set; }

    public string Rule { get; private set; } = "";

    public string Detail { get; private set; } = "";

    internal static RecordedDiscrepancy From(int position, Discrepancy d) =>
        new() { Position = position, Code = d.Code, DocumentType = d.DocumentType, Field = d.Field, Rule = d.Rule, Detail = d.Detail };

    internal Discrepancy ToDiscrepancy() => new(Code, DocumentType, Field, Rule, Detail);
}

/// <summary>A proposed change to a credit's terms: a part of the <see cref="DocumentaryCredit"/>, decided by its beneficiary.</summary>
public sealed class Amendment
{
    private Amendment() { }

    internal Amendment(int number, CreditTerms terms, string reason, DateTimeOffset at)
    {
        Number = number;
        Terms = terms;
        Reason = reason;
        Status = AmendmentStatus.Proposed;
        ProposedAtUnixMs = at.ToUnixTimeMilliseconds();
    }

    /// <summary>1 for the credit's first amendment, and so on.</summary>
    public int Number { get; private set; }

    /// <summary>The whole terms as they would be once accepted.</summary>
    public CreditTerms Terms { get; private set; } = null!;

    public string Reason { get; private set; } = "";

    public AmendmentStatus Status { get; private set; }

    public long ProposedAtUnixMs { get; private set; }

    public long? DecidedAtUnixMs { get; private set; }

    internal void Decide(bool accept, DateTimeOffset at)
    {
        Status = accept ? AmendmentStatus.Accepted : AmendmentStatus.Rejected;
        DecidedAtUnixMs = at.ToUnixTimeMilliseconds();
    }
}
