using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Customs.Application;

/// <summary>The declarations a caller may see, loaded and saved for the use cases.</summary>
public sealed class Declarations(CustomsDbContext db)
{
    /// <summary>Customs officers see every declaration; exporters only their own; banks none.</summary>
    public async Task<Declaration?> FindVisibleAsync(Guid id, ClaimsPrincipal user, CancellationToken ct, bool tracked = true)
    {
        if (!MayReadAny(user)) return null;
        var declaration = await (tracked ? ById : ByIdUntracked)(db, id, ct);
        return declaration is not null && MayRead(user, declaration.DeclarantParty) ? declaration : null;
    }

    /// <summary>Only customs officers and exporters read declarations (a bank, though <see cref="Roles.MaySee"/> admits it elsewhere, reads none).</summary>
    private static bool MayReadAny(ClaimsPrincipal user) => user.IsInRole(Roles.CustomsOfficer) || user.IsInRole(Roles.Exporter);

    /// <summary>The one rule of who reads a declaration lodged by <paramref name="declarantParty"/>.</summary>
    private static bool MayRead(ClaimsPrincipal user, string declarantParty) => MayReadAny(user) && user.MaySee(declarantParty);

    /// <summary>
    /// The declaration's version alone if <paramref name="user"/> may see it (as <see cref="FindVisibleAsync"/> decides),
    /// else null: what a long-poll reads while it waits, instead of the whole declaration.
    /// </summary>
    public async Task<int?> VisibleVersionOfAsync(Guid id, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!MayReadAny(user)) return null;
        var found = await VersionOf(db, id, ct);
        return found is not null && MayRead(user, found.DeclarantParty) ? found.Version : null;
    }

    /// <summary>
    /// For a message from another service: the declaration by id, whoever lodged it, tracked. One that <see cref="LoadAsync"/>
    /// read in this unit of work is that same instance (as EF would answer anyway, once tracked), without a query.
    /// </summary>
    public async Task<Declaration?> FindAsync(Guid id, CancellationToken ct) =>
        _loaded.TryGetValue(id, out var loaded) && db.Entry(loaded).State != EntityState.Detached ? loaded
            : await ById(db, id, ct);

    // Compiled queries: the reads every follow and every message of a declaration makes. See CompiledQuery.
    private static readonly Func<CustomsDbContext, Guid, CancellationToken, Task<Declaration?>> ById =
        CompiledQuery.PerModel((CustomsDbContext db, Guid id, CancellationToken ct) => db.Declarations.AsTracking().AsSplitQuery().SingleOrDefault(d => d.Id == id));

    private static readonly Func<CustomsDbContext, Guid, CancellationToken, Task<Declaration?>> ByIdUntracked =
        CompiledQuery.PerModel((CustomsDbContext db, Guid id, CancellationToken ct) => db.Declarations.AsNoTracking().AsSplitQuery().SingleOrDefault(d => d.Id == id));

    private static readonly Func<CustomsDbContext, Guid, CancellationToken, Task<VersionAndDeclarant?>> VersionOf =
        CompiledQuery.PerModel((CustomsDbContext db, Guid id, CancellationToken ct) =>
            db.Declarations.AsNoTracking().Where(d => d.Id == id).Select(d => new VersionAndDeclarant(d.Version, d.DeclarantParty)).SingleOrDefault());

    private sealed record VersionAndDeclarant(int Version, string DeclarantParty);

    /// <summary>
    /// Reads the declarations of <paramref name="ids"/> (those that exist) in one query, tracked, for the <see cref="FindAsync"/>
    /// calls that follow in this unit of work: a window of messages (<see cref="Consumers.DutyPaymentSettledConsumer"/>)
    /// reads its declarations once instead of once per message. A declaration the context no longer tracks (cleared) is
    /// read again.
    /// </summary>
    public async Task LoadAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        foreach (var declaration in await db.Declarations.AsSplitQuery().Where(d => ids.Contains(d.Id)).ToListAsync(ct)) _loaded[declaration.Id] = declaration;
    }

    private readonly Dictionary<Guid, Declaration> _loaded = [];

    /// <summary>
    /// Loads a declaration the caller may see, lets the domain change it, and saves the change with its transitions
    /// and outgoing messages in one transaction. Null when there is no such declaration for the caller.
    /// </summary>
    public async Task<Declaration?> ChangeAsync(Guid id, ClaimsPrincipal user, Action<Declaration> change, CancellationToken ct)
    {
        var declaration = await FindVisibleAsync(id, user, ct);
        if (declaration is null) return null;
        change(declaration);
        await db.SaveChangesAsync(ct);
        return declaration;
    }
}
