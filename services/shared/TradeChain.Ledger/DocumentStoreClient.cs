using TradeChain.Domain.Hashing;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Ledger.Contracts.DocumentStore;

namespace TradeChain.Ledger;

/// <summary>The on-chain status of one document hash.</summary>
public sealed record DocumentChainStatus(bool Issued, long IssuedInBlock, bool Revoked, long RevokedInBlock);

/// <summary>Where and why a hash was revoked, from the store's events.</summary>
public sealed record RevocationRecord(string Hash, string TransactionHash, long BlockNumber, long Timestamp, string? ReasonHash);

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
            // A retry after a crash: the earlier attempt went through.
            var record = await FindRevocationAsync(ContractAddress, document);
            return new ChainReceipt(record?.TransactionHash ?? "", record?.BlockNumber ?? 0, 0);
        }
    }

    public Task<DocumentChainStatus> GetStatusAsync(byte[] document) => GetStatusAsync(ContractAddress, document);

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
        var block = new BlockParameter((ulong)status.RevokedInBlock);
        var topic = "0x" + Convert.ToHexStringLower(document);
        var logs = await writer.Web3.Eth.Filters.GetLogs.SendRequestAsync(new NewFilterInput
        {
            Address = [store], FromBlock = block, ToBlock = block, Topics = [null, topic],
        });
        var revoked = logs.FirstOrDefault(l => l.IsLogForEvent<DocumentRevokedEventDTO>());
        var reason = logs.Where(l => l.IsLogForEvent<DocumentRevocationReasonEventDTO>())
            .Select(l => l.DecodeEvent<DocumentRevocationReasonEventDTO>().Event.Reason).FirstOrDefault();
        var header = await writer.Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new HexBigInteger(status.RevokedInBlock));
        return new RevocationRecord(TradeChain.Domain.Hashing.Hex.Encode(document), revoked?.TransactionHash ?? "", status.RevokedInBlock, (long)header.Timestamp.Value,
            reason is null ? null : TradeChain.Domain.Hashing.Hex.Encode(reason));
    }
}
