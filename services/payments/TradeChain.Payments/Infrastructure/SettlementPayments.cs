using Microsoft.EntityFrameworkCore;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Chain;

namespace TradeChain.Payments.Infrastructure;

/// <summary>
/// The settlement tokens' Payment events (every mint, burn, bank transfer and escrow movement, with its reference) as
/// this service's chain index holds them — read without asking the node for history. Decoding is the
/// <see cref="SettlementClient"/>'s.
/// </summary>
public sealed class SettlementPayments(PaymentsDbContext db, ChainIndex index, SettlementClient chain)
{
    /// <summary>One source per configured currency: its token's Payment events only (not ERC-20 Transfer, which repeats them).</summary>
    public static IEnumerable<ChainEventSource> SourcesFor(ChainOptions options) =>
        options.Settlement.Select(s => new ChainEventSource($"settlement-payments-{s.Key.ToUpperInvariant()}", s.Value.Token, [SettlementClient.PaymentTopic]));

    /// <summary>Waits until the index holds <paramref name="currency"/>'s payments up to now.</summary>
    public Task CaughtUpToNowAsync(string currency, CancellationToken ct) => index.WaitForHeadAsync(chain.TokenAddress(currency), ct);

    /// <summary>The payments of <paramref name="currency"/> from or to <paramref name="account"/>, oldest first.</summary>
    public async Task<IReadOnlyList<SettlementPayment>> OfAccountAsync(string currency, string account, CancellationToken ct)
    {
        var party = ChainIndex.AddressTopic(account);
        // Payment(bytes32 indexed paymentReference, address indexed from, address indexed to, uint256 amount)
        var rows = await ChainIndex.EventsOf(db, chain.TokenAddress(currency))
            .Where(e => e.Topic0 == SettlementClient.PaymentTopic && (e.Topic2 == party || e.Topic3 == party))
            .OrderBy(e => e.BlockNumber).ThenBy(e => e.LogIndex).ToListAsync(ct);
        return rows.Select(r => SettlementClient.PaymentOf(r.ToFilterLog())).OfType<SettlementPayment>().ToList();
    }
}
