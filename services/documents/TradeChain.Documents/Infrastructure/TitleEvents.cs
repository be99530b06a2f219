using Microsoft.EntityFrameworkCore;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Chain;

namespace TradeChain.Documents.Infrastructure;

/// <summary>
/// The title registry's events as this service's chain index holds them (source <see cref="Source"/>): a title's
/// steps and the titles naming a party, without asking the node for history. Decoding is the
/// <see cref="TitleRegistryClient"/>'s.
/// </summary>
public sealed class TitleEvents(DocumentsDbContext db, ChainIndex index, TitleRegistryClient titles)
{
    /// <summary>The chain index source of the title registry: every event it logs.</summary>
    public const string Source = "title-registry";

    public static ChainEventSource SourceFor(ChainOptions chain) => new(Source, chain.TitleRegistryAddress);

    /// <summary>Every step of the title <paramref name="root"/> on this service's registry, oldest first.</summary>
    public async Task<IReadOnlyList<TitleEvent>> HistoryAsync(byte[] root, CancellationToken ct)
    {
        var token = TitleRegistryClient.TokenTopic(root);
        var rows = await ChainIndex.EventsOf(db, titles.ContractAddress).Where(e => e.Topic1 == token).ToListAsync(ct);
        return TitleRegistryClient.StepsOf(rows.Select(r => r.ToTimedLog()));
    }

    /// <summary>
    /// The title's steps on <paramref name="registry"/> when it is this service's registry (the only one indexed);
    /// null for any other registry on the chain.
    /// </summary>
    public async Task<IReadOnlyList<TitleEvent>?> HistoryAsync(byte[] root, string registry, CancellationToken ct) =>
        registry.Equals(titles.ContractAddress, StringComparison.OrdinalIgnoreCase) ? await HistoryAsync(root, ct) : null;

    /// <summary>The Merkle roots (token ids, hex without 0x as documents store them) of the titles whose events name <paramref name="address"/>.</summary>
    public async Task<List<string>> RootsNamingAsync(string address, CancellationToken ct)
    {
        var topic = ChainIndex.AddressTopic(address);
        // Every title event has the token id first; the parties come second and third (see TitleRegistry.sol). ERC-721
        // Transfer and the access-control events index accounts in the same places: only the title's own steps count.
        var rows = await ChainIndex.EventsOf(db, titles.ContractAddress).Where(e => e.Topic2 == topic || e.Topic3 == topic).ToListAsync(ct);
        return rows.Where(r => TitleRegistryClient.IsTitleStep(r.ToFilterLog()))
            .Select(r => r.Topic1![2..]).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Waits until the index holds block <paramref name="block"/> (read-your-writes after a title step).</summary>
    public Task CaughtUpToAsync(long block, CancellationToken ct) => index.WaitForBlockAsync(titles.ContractAddress, block, ct);

    /// <summary>Waits until the index holds everything up to now (a recovery looking for an earlier attempt's step).</summary>
    public Task CaughtUpToNowAsync(CancellationToken ct) => index.WaitForHeadAsync(titles.ContractAddress, ct);
}
