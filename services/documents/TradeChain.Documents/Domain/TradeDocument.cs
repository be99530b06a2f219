using TradeChain.Domain;

namespace TradeChain.Documents.Domain;

public enum DocumentStatus { Submitted, Issued, Revoked }

/// <summary>A trade document: its content stays here; only its hash goes on chain.</summary>
public sealed class TradeDocument : Aggregate
{
    private TradeDocument() { }

    public Guid Id { get; private set; }

    public string DocumentType { get; private set; } = "";

    /// <summary>The party that submitted the document and may see it among exporters.</summary>
    public string OwnerParty { get; private set; } = "";

    /// <summary>The canonical JSON that was hashed (salt, type, owner and content), stored so the hash can be recomputed.</summary>
    public string CanonicalJson { get; private set; } = "";

    /// <summary>keccak256 of <see cref="CanonicalJson"/>, 0x-hex: what the document store records.</summary>
    public string Hash { get; private set; } = "";

    public DocumentStatus Status { get; private set; }

    public string? IssueTransactionHash { get; private set; }

    public long? IssuedInBlock { get; private set; }

    public long SubmittedAtUnixMs { get; private set; }

    public override string AggregateType => "document";

    public override string AggregateKey => Id.ToString();

    public static TradeDocument Submit(Guid id, string documentType, string ownerParty, string canonicalJson, string hash, string actor, DateTimeOffset at)
    {
        var document = new TradeDocument
        {
            Id = id,
            DocumentType = documentType,
            OwnerParty = ownerParty,
            CanonicalJson = canonicalJson,
            Hash = hash,
            Status = DocumentStatus.Submitted,
            SubmittedAtUnixMs = at.ToUnixTimeMilliseconds(),
        };
        document.RecordTransition("new", nameof(DocumentStatus.Submitted), actor, $"{documentType} submitted; hash {hash}", null, at);
        return document;
    }

    /// <summary>The document store recorded the hash.</summary>
    public void MarkIssued(string transactionHash, long block, string documentStore, string actor, DateTimeOffset at)
    {
        if (Status != DocumentStatus.Submitted)
            throw new DomainRuleViolation("invalid-transition", $"Cannot issue: the document is {Status}, not Submitted.");
        Status = DocumentStatus.Issued;
        IssueTransactionHash = transactionHash;
        IssuedInBlock = block;
        RecordTransition(nameof(DocumentStatus.Submitted), nameof(DocumentStatus.Issued), actor,
            $"issued on document store {documentStore} in block {block}" + (transactionHash.Length > 0 ? $" (tx {transactionHash})" : ""), null, at);
    }
}
