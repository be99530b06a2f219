using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace TradeChain.Payments.Infrastructure;

/// <summary>
/// A bank's settlement lease: the one process (of all the service's replicas on this database) that may send the bank's
/// queued settlements and record or give them up. <see cref="Fence"/> grows each time another holder takes it, so a holder
/// whose lease ran out and was taken cannot save what it decided under the old one.
/// </summary>
public sealed class SettlementLease
{
    public string Bank { get; set; } = "";

    /// <summary>The holding process ("" when none ever held it).</summary>
    public string Holder { get; set; } = "";

    /// <summary>When it runs out unless renewed (0: released).</summary>
    public long ExpiresAtUnixMs { get; set; }

    /// <summary>The fencing counter: one more at each change of holder.</summary>
    public long Fence { get; set; }
}

/// <summary>
/// A lease held: its bank, holder and fencing counter. <paramref name="TakenFromExpired"/>: taken from another holder whose
/// lease ran out (not let go) — that holder may still be sending (a hung process), so what it may have sent is not
/// decided on until <paramref name="DecideAfterUnixMs"/> (set by the lane).
/// </summary>
public sealed record HeldLease(string Bank, string Holder, long Fence, bool TakenFromExpired = false, long DecideAfterUnixMs = 0);

/// <summary>
/// Takes, renews and releases banks' settlement leases with conditional UPDATEs (SQLite and PostgreSQL alike): taken when
/// free, run out or already this holder's; renewed and checked only while still this holder's at the same fence. The save of
/// a flush renews it inside its own database transaction (<see cref="RenewAsync"/>), so the save commits only under the lease:
/// on PostgreSQL the renewal's row lock keeps a would-be taker waiting until the commit, which then finds the lease renewed.
/// </summary>
public sealed class SettlementLeases(PaymentsDbContext db, TimeProvider clock)
{
    /// <summary>Takes <paramref name="bank"/>'s lease for <paramref name="holder"/> for <paramref name="duration"/>; null when another holds it.</summary>
    public async Task<HeldLease?> TryAcquireAsync(string bank, string holder, TimeSpan duration, CancellationToken ct)
    {
        // The row, once: a concurrent insert of the same bank's is ignored (ON CONFLICT DO NOTHING: SQLite and PostgreSQL).
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO settlement_leases (\"Bank\", \"Holder\", \"ExpiresAtUnixMs\", \"Fence\") VALUES ({bank}, '', 0, 0) ON CONFLICT DO NOTHING", ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var expires = now + (long)duration.TotalMilliseconds;
        // Whose it was: another holder's that ran out (not let go) means that holder may still be sending.
        var before = await db.Set<SettlementLease>().AsNoTracking().Where(l => l.Bank == bank).Select(l => new { l.Holder, l.ExpiresAtUnixMs, l.Fence }).SingleAsync(ct);
        var fromExpired = before.Holder != holder && before.Holder.Length > 0 && before.ExpiresAtUnixMs > 0;
        var taken = await db.Set<SettlementLease>()
            .Where(l => l.Bank == bank && (l.Holder == holder || l.ExpiresAtUnixMs < now))
            .ExecuteUpdateAsync(s => s
                .SetProperty(l => l.Fence, l => l.Holder == holder ? l.Fence : l.Fence + 1)
                .SetProperty(l => l.Holder, holder)
                .SetProperty(l => l.ExpiresAtUnixMs, expires), ct);
        if (taken == 0) return null;
        var fence = await db.Set<SettlementLease>().AsNoTracking().Where(l => l.Bank == bank && l.Holder == holder).Select(l => (long?)l.Fence).SingleOrDefaultAsync(ct);
        // Another holding in between the read and the take (the fence moved by more than this take's one): it may have run out.
        return fence is { } f ? new HeldLease(bank, holder, f, fromExpired || f > before.Fence + 1) : null;
    }

    /// <summary>
    /// Renews <paramref name="lease"/> for <paramref name="duration"/> if it is still held (same holder and fence, not run out):
    /// false when it was lost — then nothing may be sent, recorded or given up under it. Called before each send and, inside
    /// the save's transaction, before the save.
    /// </summary>
    public async Task<bool> RenewAsync(HeldLease lease, TimeSpan duration, CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var expires = now + (long)duration.TotalMilliseconds;
        return await db.Set<SettlementLease>()
            .Where(l => l.Bank == lease.Bank && l.Holder == lease.Holder && l.Fence == lease.Fence && l.ExpiresAtUnixMs >= now)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAtUnixMs, expires), ct) == 1;
    }

    /// <summary>Lets the lease go (its queue is empty): any process may take it at once.</summary>
    public async Task ReleaseAsync(HeldLease lease, CancellationToken ct) =>
        await db.Set<SettlementLease>().Where(l => l.Bank == lease.Bank && l.Holder == lease.Holder && l.Fence == lease.Fence)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAtUnixMs, 0L), ct);

    /// <summary>
    /// Saves the context's changes in one transaction that first renews <paramref name="lease"/>: nothing is saved unless it is still held.
    /// </summary>
    /// <exception cref="SettlementLeaseLostException">The lease was lost (run out and taken): nothing was saved.</exception>
    public async Task SaveUnderAsync(HeldLease lease, TimeSpan duration, CancellationToken ct)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            await using IDbContextTransaction transaction = await db.Database.BeginTransactionAsync(ct);
            if (!await RenewAsync(lease, duration, ct)) throw new SettlementLeaseLostException(lease.Bank);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        });
    }
}

/// <summary>This process no longer holds the bank's settlement lease: what it decided is not saved, another holder decides again.</summary>
public sealed class SettlementLeaseLostException(string bank) : Exception($"The settlement lease of {bank} was lost: nothing was saved under it.")
{
    public string Bank { get; } = bank;
}
