namespace TradeChain.Documents.Domain;

/// <summary>
/// A customs declaration references one of its declarant's documents: recorded when customs asks for the declaration's
/// documents to be verified, it is what lets customs officers read that document (and only such documents).
/// </summary>
public sealed class DeclarationReference
{
    public Guid DocumentId { get; set; }

    public Guid DeclarationId { get; set; }

    public long RecordedAtUnixMs { get; set; }
}
