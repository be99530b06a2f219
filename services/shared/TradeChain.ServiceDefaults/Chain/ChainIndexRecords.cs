using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;

namespace TradeChain.ServiceDefaults.Chain;

/// <summary>
/// How far the chain index has read one source (a contract and the events wanted from it): every block before
/// <see cref="NextBlock"/> is in <c>chain_events</c>. Written in the same transaction as the events it covers, so a
/// restarted service resumes exactly where it stopped.
/// </summary>
public sealed class ChainCursor
{
    /// <summary>The source's name (<see cref="ChainEventSource.Name"/>), e.g. "title-registry".</summary>
    public string Source { get; set; } = "";

    /// <summary>The contract the cursor walks (lower-case 0x address); a new address starts the walk again.</summary>
    public string Contract { get; set; } = "";

    /// <summary>The first block not yet indexed.</summary>
    public long NextBlock { get; set; }

    public long UpdatedAtUnixMs { get; set; }
}

/// <summary>
/// One contract event as the chain logged it, kept raw (topics and data, lower-case hex) so that decoding stays with
/// the contract's client (<c>TitleRegistryClient</c>, <c>SettlementClient</c>): <see cref="ToFilterLog"/> gives it back in
/// the shape Nethereum decodes. A log is stored once: (transaction hash, log index) is unique.
/// </summary>
public sealed class ChainEventRecord
{
    public long Id { get; set; }

    public string Contract { get; set; } = "";

    public string TransactionHash { get; set; } = "";

    /// <summary>The log's index within its block.</summary>
    public long LogIndex { get; set; }

    public long BlockNumber { get; set; }

    /// <summary>The block's timestamp (Unix seconds).</summary>
    public long BlockTimestamp { get; set; }

    /// <summary>The event's signature hash (null only for an anonymous event).</summary>
    public string? Topic0 { get; set; }

    public string? Topic1 { get; set; }

    public string? Topic2 { get; set; }

    public string? Topic3 { get; set; }

    public string Data { get; set; } = "0x";

    public FilterLog ToFilterLog() => new()
    {
        Address = Contract,
        TransactionHash = TransactionHash,
        LogIndex = new HexBigInteger(LogIndex),
        BlockNumber = new HexBigInteger(BlockNumber),
        Data = Data,
        Topics = new object?[] { Topic0, Topic1, Topic2, Topic3 }.TakeWhile(t => t is not null).Cast<object>().ToArray(),
    };

    /// <summary>The log with its block's timestamp, as the contract clients' readers take it (one mapping for every reader of the index).</summary>
    public (FilterLog Log, long Timestamp) ToTimedLog() => (ToFilterLog(), BlockTimestamp);

    public static ChainEventRecord From(FilterLog log, long blockTimestamp)
    {
        var topics = (log.Topics ?? []).Select(t => t?.ToString()?.ToLowerInvariant()).ToList();
        return new ChainEventRecord
        {
            Contract = log.Address.ToLowerInvariant(),
            TransactionHash = log.TransactionHash.ToLowerInvariant(),
            LogIndex = (long)log.LogIndex.Value,
            BlockNumber = (long)log.BlockNumber.Value,
            BlockTimestamp = blockTimestamp,
            Topic0 = topics.ElementAtOrDefault(0),
            Topic1 = topics.ElementAtOrDefault(1),
            Topic2 = topics.ElementAtOrDefault(2),
            Topic3 = topics.ElementAtOrDefault(3),
            Data = (log.Data ?? "0x").ToLowerInvariant(),
        };
    }
}
