using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Bench;

/// <summary>
/// One of the reads every consumed message makes — the inbox's "handled before?" — as a LINQ query and as the compiled
/// query the services run (<see cref="CompiledQuery"/>), on a service's SQLite database holding
/// <see cref="InboxRows"/> rows (run with --micro --filter '*Query*').
/// </summary>
[MemoryDiagnoser]
public class QueryBenchmarks
{
    public const int InboxRows = 100_000;

    private static readonly Func<ServiceDbContext, Guid, string, CancellationToken, Task<bool>> Holds =
        CompiledQuery.PerModel((ServiceDbContext db, Guid messageId, string consumer, CancellationToken ct) =>
            db.ProcessedMessages.Any(p => p.MessageId == messageId && p.Consumer == consumer));

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tradechain-query-bench-" + Guid.NewGuid().ToString("N"));
    private DocumentsDbContext _db = null!;
    private Guid[] _ids = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        Directory.CreateDirectory(_dir);
        _db = new DocumentsDbContext(new DbContextOptionsBuilder<DocumentsDbContext>().UseServiceDatabase($"Data Source={Path.Combine(_dir, "documents.db")}").Options);
        ServiceDatabase.MigrateAsync(_db).GetAwaiter().GetResult();
        _ids = Enumerable.Range(0, InboxRows).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var chunk in _ids.Chunk(10_000))
        {
            _db.ProcessedMessages.AddRange(chunk.Select(id => new ProcessedMessage { MessageId = id, Consumer = "DeclarationLodgedConsumer", ProcessedAtUnixMs = 1 }));
            _db.SaveChangesAsync().GetAwaiter().GetResult();
            _db.ChangeTracker.Clear();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _db.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private Guid NextId() => _ids[_next++ % _ids.Length];

    [Benchmark(Baseline = true)]
    public Task<bool> InboxReadLinq()
    {
        var (id, consumer) = (NextId(), "DeclarationLodgedConsumer"); // captured, as the services' query had them
        return _db.ProcessedMessages.AnyAsync(p => p.MessageId == id && p.Consumer == consumer);
    }

    [Benchmark]
    public Task<bool> InboxReadCompiled() => Holds(_db, NextId(), "DeclarationLodgedConsumer", CancellationToken.None);
}
