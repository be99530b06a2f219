using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Infrastructure;
using TradeChain.Documents.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.UnitTests;

/// <summary>
/// Compiled queries (<see cref="CompiledQuery"/>) on more than one model in one process: EF binds a compiled query to the
/// first model it runs on and throws for another, so the inbox's query (<see cref="Inbox.Holds"/>, on
/// <see cref="ServiceDbContext"/>) would fail on the second service's context.
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

    [Fact]
    public async Task A_compiled_query_answers_on_each_services_context_in_one_process()
    {
        await using var customs = await OpenAsync<CustomsDbContext>("customs", o => new CustomsDbContext(o));
        await using var documents = await OpenAsync<DocumentsDbContext>("documents", o => new DocumentsDbContext(o));
        var messageId = Guid.NewGuid();
        customs.ProcessedMessages.Add(new ProcessedMessage { MessageId = messageId, Consumer = "DeclarationDocumentsVerifiedConsumer", ProcessedAtUnixMs = 1 });
        await customs.SaveChangesAsync();

        // Each context gets its own database's answer, whichever ran first, and again on the first model.
        Assert.True(await Inbox.Holds(customs, "DeclarationDocumentsVerifiedConsumer", messageId, CancellationToken.None));
        Assert.False(await Inbox.Holds(documents, "DeclarationDocumentsVerifiedConsumer", messageId, CancellationToken.None));
        Assert.False(await Inbox.Holds(customs, "DutyPaymentSettledConsumer", messageId, CancellationToken.None));
        documents.ProcessedMessages.Add(new ProcessedMessage { MessageId = messageId, Consumer = "DutyPaymentSettledConsumer", ProcessedAtUnixMs = 1 });
        await documents.SaveChangesAsync();
        Assert.True(await Inbox.Holds(documents, "DutyPaymentSettledConsumer", messageId, CancellationToken.None));
        Assert.False(await Inbox.Holds(customs, "DutyPaymentSettledConsumer", messageId, CancellationToken.None));
    }

    private async Task<TContext> OpenAsync<TContext>(string service, Func<DbContextOptions<TContext>, TContext> create) where TContext : ServiceDbContext
    {
        var db = create(new DbContextOptionsBuilder<TContext>().UseServiceDatabase($"Data Source={Path.Combine(_dir, service + ".db")}").Options);
        await ServiceDatabase.MigrateAsync(db);
        return db;
    }
}
