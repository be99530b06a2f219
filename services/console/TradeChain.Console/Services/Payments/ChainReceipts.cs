using System.Collections.Concurrent;
using Nethereum.Web3;

namespace TradeChain.Console.Services.Payments;

/// <summary>A mined transaction as the chain itself reports it: the block it is in and whether it succeeded.</summary>
public sealed record ChainReceipt(string TransactionHash, long BlockNumber, bool Succeeded);

/// <summary>
/// Reads transaction receipts straight from the chain (Chain:RpcUrl), so the receipt the console shows for a settlement is
/// the chain's word, not the payments service's. Public data: no user identity is involved. A mined receipt never
/// changes, so each is read once.
/// </summary>
public sealed class ChainReceipts(IConfiguration configuration, ILogger<ChainReceipts> log)
{
    private readonly ConcurrentDictionary<string, ChainReceipt> _mined = new(StringComparer.OrdinalIgnoreCase);

    private readonly Lazy<Web3?> _chain = new(() => string.IsNullOrWhiteSpace(configuration["Chain:RpcUrl"]) ? null : new Web3(configuration["Chain:RpcUrl"]));

    /// <returns>The receipt, or null when the chain has none (not mined yet, or the chain cannot be reached).</returns>
    public async Task<ChainReceipt?> FindAsync(string? transactionHash)
    {
        if (string.IsNullOrWhiteSpace(transactionHash)) return null;
        if (_mined.TryGetValue(transactionHash, out var known)) return known;
        if (_chain.Value is not { } chain) return null;
        try
        {
            var receipt = await chain.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(transactionHash);
            if (receipt?.BlockNumber is null) return null;
            return _mined[transactionHash] = new ChainReceipt(transactionHash, (long)receipt.BlockNumber.Value, receipt.Status?.Value == 1);
        }
        catch (Exception e) when (e is HttpRequestException or Nethereum.JsonRpc.Client.RpcClientUnknownException or Nethereum.JsonRpc.Client.RpcResponseException
                                      or TaskCanceledException)
        {
            log.LogWarning(e, "Receipt of {Transaction} could not be read from the chain", transactionHash);
            return null;
        }
    }
}
