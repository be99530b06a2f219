using TradeChain.Ledger.Contracts.DocumentStore;

namespace TradeChain.Ledger;

/// <summary>The on-chain status of one document hash.</summary>
public sealed record DocumentChainStatus(bool Issued, long IssuedInBlock, bool Revoked, long RevokedInBlock);

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

    public async Task<DocumentChainStatus> GetStatusAsync(byte[] document)
    {
        var issued = await writer.QueryAsync<DocumentIssuedFunction, System.Numerics.BigInteger>(ContractAddress, new DocumentIssuedFunction { Document = document });
        var revoked = await writer.QueryAsync<DocumentRevokedFunction, System.Numerics.BigInteger>(ContractAddress, new DocumentRevokedFunction { Document = document });
        return new DocumentChainStatus(issued > 0, (long)issued, revoked > 0, (long)revoked);
    }
}
