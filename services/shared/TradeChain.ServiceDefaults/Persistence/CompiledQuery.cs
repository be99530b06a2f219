using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>
/// EF Core compiled queries (<see cref="EF.CompileAsyncQuery{TContext, TParam1, TResult}(Expression{Func{TContext, TParam1, CancellationToken, TResult}})"/>),
/// one per model the query meets. EF looks a LINQ query up at each execution by hashing and comparing its expression
/// tree; a compiled query skips that (the reads every follow and every consumed message make: bench/README.md, "Compiled
/// queries"; the inbox read 53 → 28 µs). But EF binds a
/// compiled query to the first model it runs on and throws for another: a process that holds one context type on two
/// providers (SQLite and PostgreSQL, as the tests do), or several services' contexts (the inbox's query is on
/// <see cref="ServiceDbContext"/>), would fail. So each model gets its own.
/// </summary>
public static class CompiledQuery
{
    public static Func<TContext, T1, CancellationToken, Task<TResult>> PerModel<TContext, T1, TResult>(
        Expression<Func<TContext, T1, CancellationToken, TResult>> query) where TContext : DbContext
    {
        var byModel = new ConditionalWeakTable<IModel, Func<TContext, T1, CancellationToken, Task<TResult>>>();
        ConditionalWeakTable<IModel, Func<TContext, T1, CancellationToken, Task<TResult>>>.CreateValueCallback compile = _ => EF.CompileAsyncQuery(query);
        return (db, a, ct) => byModel.GetValue(db.Model, compile)(db, a, ct); // a lock-free lookup once the model has its query
    }

    public static Func<TContext, T1, T2, CancellationToken, Task<TResult>> PerModel<TContext, T1, T2, TResult>(
        Expression<Func<TContext, T1, T2, CancellationToken, TResult>> query) where TContext : DbContext
    {
        var byModel = new ConditionalWeakTable<IModel, Func<TContext, T1, T2, CancellationToken, Task<TResult>>>();
        ConditionalWeakTable<IModel, Func<TContext, T1, T2, CancellationToken, Task<TResult>>>.CreateValueCallback compile = _ => EF.CompileAsyncQuery(query);
        return (db, a, b, ct) => byModel.GetValue(db.Model, compile)(db, a, b, ct);
    }
}
