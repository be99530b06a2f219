using Microsoft.EntityFrameworkCore;
using TradeChain.Ledger;

namespace TradeChain.Documents.Infrastructure;

/// <summary>
/// Parties' chain accounts: resolves a party to its address (remembering the pair, in its own unit of work) and an
/// address back to its party, so the endorsement chain can name parties.
/// </summary>
public sealed class PartyDirectory(PartyWallets wallets, IServiceScopeFactory scopes)
{
    public PartyWallets Wallets => wallets;

    public async Task<string> AddressAsync(string party, CancellationToken ct)
    {
        var address = wallets.AddressOf(party);
        var key = address.ToLowerInvariant();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DocumentsDbContext>();
        if (!await db.PartyAccounts.AnyAsync(p => p.Address == key, ct))
        {
            db.PartyAccounts.Add(new PartyAccount { Address = key, Party = party });
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateException) { } // recorded concurrently: the same pair
        }
        return address;
    }

    /// <summary>The party of <paramref name="address"/>, or null when it is not a known party's account.</summary>
    public async Task<string?> PartyOfAsync(DocumentsDbContext db, string? address, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(address)) return null;
        var key = address.ToLowerInvariant();
        return await db.PartyAccounts.AsNoTracking().Where(p => p.Address == key).Select(p => p.Party).FirstOrDefaultAsync(ct);
    }
}
