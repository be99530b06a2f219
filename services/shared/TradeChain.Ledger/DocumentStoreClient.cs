using TradeChain.Domain.Hashing;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Ledger.Contracts.DocumentStore;

namespace TradeChain.Ledger;

/// <summary>The on-chain status of one document hash.</summary>
public sealed record DocumentChainStatus(bool Issued, long IssuedInBlock, bool Revoked, long RevokedInBlock);

/// <summary>Where and why a hash was revoked, from the store's events.</summary>
public sealed record RevocationRecord(string Hash, string TransactionHash, long BlockNumber, long Timestamp, string? ReasonHash);

/// <summary>Where a hash was issued, from the store's <c>DocumentIssued</c> event.</summary>
public sealed record IssuanceRecord(string Hash, string TransactionHash, long BlockNumber);

/// <summary>Issues, revokes and reads document hashes on the OpenAttestation-style DocumentStore contract.</summary>
public sealed class DocumentStoreClient(ChainWriter writer, ChainOptions options)
{
    public string ContractAddress => options.DocumentStoreAddress;

    /// <summary>Issues every hash not yet issued in one transaction; returns null when all were already issued.</summary>
    public async Task<ChainReceipt?> IssueAsync(IReadOnlyList<byte[]> documents, CancellationToken cancellationToken)
    {
        try
        {
            return await SendIssueAsync(documents, cancellationToken);
        }
        catch (ChainRevertedException e) when (e.Is<DocumentAlreadyIssuedError>())
        {
            // A retry after a crash: some were issued by the earlier attempt. Only now is each one's status worth reading.
            var pending = new List<byte[]>();
            foreach (var document in documents)
            {
                if (!(await GetStatusAsync(document)).Issued) pending.Add(document);
            }
            return pending.Count == 0 ? null : await SendIssueAsync(pending, cancellationToken);
        }
    }

    private Task<ChainReceipt> SendIssueAsync(IReadOnlyList<byte[]> documents, CancellationToken cancellationToken) =>
        documents.Count == 1
            ? writer.SendAsync(ContractAddress, new IssueFunction { Document = documents[0] }, cancellationToken)
            : writer.SendAsync(ContractAddress, new BulkIssueFunction { Documents = documents.ToList() }, cancellationToken);

    public Task<ChainReceipt> RevokeAsync(byte[] document, CancellationToken cancellationToken) =>
        writer.SendAsync(ContractAddress, new RevokeFunction { Document = document }, cancellationToken);

    /// <summary>Revokes a target hash (one document) or a Merkle root (its whole batch), recording the keccak256 of the notice.</summary>
    public async Task<ChainReceipt> RevokeWithReasonAsync(byte[] document, byte[] reasonHash, CancellationToken cancellationToken)
    {
        try
        {
            return await writer.SendAsync(ContractAddress, new RevokeWithReasonFunction { Document = document, Reason = reasonHash }, cancellationToken);
        }
        catch (ChainRevertedException e) when (e.Is<DocumentAlreadyRevokedError>())
        {
            // Revoked before this call (an earlier attempt that went through, or another sender): that revocation, as the chain
            // records it — no gas used (this call sent nothing), block 0 and no transaction when its record could not be read.
            // Its reason may not be this call's: a caller that cares compares (documents' SendRevocations sends only after looking).
            var record = await FindRevocationAsync(ContractAddress, document);
            return new ChainReceipt(record?.TransactionHash ?? "", record?.BlockNumber ?? 0, 0);
        }
    }

    public Task<DocumentChainStatus> GetStatusAsync(byte[] document) => GetStatusAsync(ContractAddress, document);

    /// <summary>
    /// The signature hashes (topic 0, lower-case 0x hex) of the events a verifier needs: issued, revoked and the
    /// revocation's reason. Each indexes the document hash as topic 1 (<see cref="DocumentTopic"/>).
    /// </summary>
    public static IReadOnlyList<string> VerificationEvents { get; } =
        [Signature<DocumentIssuedEventDTO>(), Signature<DocumentRevokedEventDTO>(), Signature<DocumentRevocationReasonEventDTO>()];

    /// <summary>A document hash as the store's events index it (topic 1).</summary>
    public static string DocumentTopic(byte[] document) => "0x" + Convert.ToHexStringLower(document);

    /// <summary>The issuance of <paramref name="document"/> among <paramref name="logs"/> (the store's events; of <paramref name="store"/> only, when named), or null.</summary>
    public static IssuanceRecord? IssuanceIn(byte[] document, IEnumerable<FilterLog> logs, string? store = null)
    {
        var topic = DocumentTopic(document);
        var issued = logs.FirstOrDefault(l => l.IsLogForEvent<DocumentIssuedEventDTO>() && Topic1(l) == topic
            && (store is null || string.Equals(l.Address, store, StringComparison.OrdinalIgnoreCase)));
        return issued is null ? null : new IssuanceRecord(Hex.Encode(document), issued.TransactionHash, (long)issued.BlockNumber.Value);
    }

    /// <summary>
    /// The revocation of <paramref name="document"/> among <paramref name="logs"/> (the store's events, each with its
    /// block's timestamp), with the reason hash its transaction recorded; null when none of them revokes it.
    /// </summary>
    public static RevocationRecord? RevocationIn(byte[] document, IEnumerable<(FilterLog Log, long Timestamp)> logs)
    {
        var topic = DocumentTopic(document);
        var mine = logs.Where(l => Topic1(l.Log) == topic).ToList();
        var revoked = mine.FirstOrDefault(l => l.Log.IsLogForEvent<DocumentRevokedEventDTO>());
        if (revoked.Log is null) return null;
        var reason = mine.Where(l => l.Log.TransactionHash == revoked.Log.TransactionHash && l.Log.IsLogForEvent<DocumentRevocationReasonEventDTO>())
            .Select(l => l.Log.DecodeEvent<DocumentRevocationReasonEventDTO>().Event.Reason).FirstOrDefault();
        return new RevocationRecord(Hex.Encode(document), revoked.Log.TransactionHash, (long)revoked.Log.BlockNumber.Value, revoked.Timestamp,
            reason is null ? null : Hex.Encode(reason));
    }

    /// <summary>
    /// The issuance and revocation events of <paramref name="documents"/> on <paramref name="store"/> in blocks
    /// <paramref name="from"/> to <paramref name="to"/> (null: the latest), with their blocks' timestamps: one request,
    /// plus a header for each block that holds one.
    /// </summary>
    public async Task<IReadOnlyList<(FilterLog Log, long Timestamp)>> VerificationEventsAsync(string store, IReadOnlyCollection<byte[]> documents, long from, long? to)
    {
        var logs = await writer.Web3.Eth.Filters.GetLogs.SendRequestAsync(new NewFilterInput
        {
            Address = [store],
            FromBlock = new BlockParameter(new HexBigInteger(from)),
            ToBlock = to is { } last ? new BlockParameter(new HexBigInteger(last)) : BlockParameter.CreateLatest(),
            Topics = [VerificationEvents.ToArray(), documents.Select(d => (object)DocumentTopic(d)).ToArray()],
        }) ?? [];
        var result = new List<(FilterLog, long)>();
        var timestamps = new Dictionary<System.Numerics.BigInteger, long>();
        foreach (var log in logs.Where(l => l.Removed != true))
        {
            if (!timestamps.TryGetValue(log.BlockNumber.Value, out var timestamp))
            {
                var header = await writer.Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(log.BlockNumber);
                timestamps[log.BlockNumber.Value] = timestamp = (long)header.Timestamp.Value;
            }
            result.Add((log, timestamp));
        }
        return result;
    }

    /// <summary>The transaction and block that issued <paramref name="document"/> on <paramref name="store"/> (any store on the chain), or null.</summary>
    public async Task<IssuanceRecord?> FindIssuanceAsync(string store, byte[] document)
    {
        var status = await GetStatusAsync(store, document);
        if (!status.Issued) return null;
        var logs = await VerificationEventsAsync(store, [document], status.IssuedInBlock, status.IssuedInBlock);
        // A store that is not OpenAttestation's may record the block without the event: the block is still its answer.
        return IssuanceIn(document, logs.Select(l => l.Log)) ?? new IssuanceRecord(Hex.Encode(document), "", status.IssuedInBlock);
    }

    /// <summary>The status of <paramref name="document"/> on the store at <paramref name="store"/> (any store on the chain).</summary>
    public async Task<DocumentChainStatus> GetStatusAsync(string store, byte[] document)
    {
        var issued = await writer.QueryAsync<DocumentIssuedFunction, System.Numerics.BigInteger>(store, new DocumentIssuedFunction { Document = document });
        var revoked = await writer.QueryAsync<DocumentRevokedFunction, System.Numerics.BigInteger>(store, new DocumentRevokedFunction { Document = document });
        return new DocumentChainStatus(issued > 0, (long)issued, revoked > 0, (long)revoked);
    }

    /// <summary>True when <paramref name="address"/> holds contract code.</summary>
    public async Task<bool> HasCodeAsync(string address)
    {
        var code = await writer.Web3.Eth.GetCode.SendRequestAsync(address);
        return code is { Length: > 2 };
    }

    /// <summary>The transaction, block, time and recorded reason hash of the revocation of <paramref name="document"/>, or null.</summary>
    public async Task<RevocationRecord?> FindRevocationAsync(string store, byte[] document)
    {
        var status = await GetStatusAsync(store, document);
        if (!status.Revoked) return null;
        var logs = await VerificationEventsAsync(store, [document], status.RevokedInBlock, status.RevokedInBlock);
        return RevocationIn(document, logs)
            ?? new RevocationRecord(Hex.Encode(document), "", status.RevokedInBlock, await BlockTimestampAsync(status.RevokedInBlock), null);
    }

    private async Task<long> BlockTimestampAsync(long block) =>
        (long)(await writer.Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new HexBigInteger(block))).Timestamp.Value;

    private static string? Topic1(FilterLog log) => log.Topics is { Length: > 1 } topics ? topics[1]?.ToString()?.ToLowerInvariant() : null;

    private static string Signature<TEvent>() where TEvent : IEventDTO, new() =>
        "0x" + EventExtensions.GetEventABI<TEvent>().Sha3Signature.ToLowerInvariant().Replace("0x", "", StringComparison.Ordinal);
}
