using TradeChain.Ledger;

namespace TradeChain.Customs.Application;

/// <summary>
/// Customs attests releases of goods on every credit escrow, signed by its own account (CUSTOMS_ROLE): a documentary
/// credit that pays only after customs released the goods can then be settled. Many releases go in one transaction per
/// escrow; an attestation already made is skipped by the contract; while the chain is unreachable the bus retries.
/// </summary>
public sealed class AttestRelease(ChainWriter customs, ChainOptions chain, ILogger<AttestRelease> logger)
{
    /// <summary>The reference a credit names to wait for the release of a declaration's goods.</summary>
    public static byte[] Reference(Guid declarationId) => SettlementClient.Reference($"declaration:{declarationId}");

    public async Task HandleAsync(IReadOnlyList<Guid> declarationIds, CancellationToken ct)
    {
        if (chain.Settlement.Count == 0 || declarationIds.Count == 0) return; // no escrows on this network
        var receipts = await new SettlementClient(customs, chain).AttestCustomsReleasesAsync(customs, declarationIds.Select(Reference).ToList(), ct);
        logger.LogInformation("Release of {Count} declaration(s) attested in {Transactions} transaction(s)", declarationIds.Count, receipts.Count);
    }
}
