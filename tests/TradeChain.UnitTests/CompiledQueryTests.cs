using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Infrastructure;
using TradeChain.Documents.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.UnitTests;

/// <summary>
/// Compiled queries (<see cref="CompiledQuery"/>) on more than one model in one process: EF binds a compiled query to the
/// first model it runs on and throws for another, so a query on <see cref="ServiceDbContext"/> (the inbox's) would fail on
/// the second service's context.
/// </summary>
public sealed class CompiledQueryTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tradechain-compiled-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private static readonly Func<ServiceDbContext, Guid, string, CancellationToken, Task<bool>> Holds =
        CompiledQuery.PerModel((ServiceDbContext db, Guid messageId, string consumer, CancellationToken ct) =>
            db.ProcessedMessages.Any(p => p.MessageId == messageId && p.Consumer == consumer));

    [Fact]
    public async Task A_compiled_query_answers_on_each_services_context_in_one_process()
    {
        await using var customs = await OpenAsync<CustomsDbContext>("customs", o => new CustomsDbContext(o));
        await using var documents = await OpenAsync<DocumentsDbContext>("documents", o => new DocumentsDbContext(o));
        var messageId = Guid.NewGuid();
        customs.ProcessedMessages.Add(new ProcessedMessage { MessageId = messageId, Consumer = "SomeConsumer", ProcessedAtUnixMs = 1 });
        await customs.SaveChangesAsync();

        // Each context gets its own database's answer, whichever ran first, and again on the first model.
        Assert.True(await Holds(customs, messageId, "SomeConsumer", CancellationToken.None));
        Assert.False(await Holds(documents, messageId, "SomeConsumer", CancellationToken.None));
        Assert.False(await Holds(customs, messageId, "OtherConsumer", CancellationToken.None));
        documents.ProcessedMessages.Add(new ProcessedMessage { MessageId = messageId, Consumer = "OtherConsumer", ProcessedAtUnixMs = 1 });
        await documents.SaveChangesAsync();
        Assert.True(await Holds(documents, messageId, "OtherConsumer", CancellationToken.None));
        Assert.False(await Holds(customs, messageId, "OtherConsumer", CancellationToken.None));
    }

    private async Task<TContext> OpenAsync<TContext>(string service, Func<DbContextOptions<TContext>, TContext> create) where TContext : ServiceDbContext
    {
        var db = create(new DbContextOptionsBuilder<TContext>().UseServiceDatabase($"Data Source={Path.Combine(_dir, service + ".db")}").Options);
        await ServiceDatabase.MigrateAsync(db);
        return db;
    }
}
