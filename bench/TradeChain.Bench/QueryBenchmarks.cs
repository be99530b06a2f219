using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Bench;

/// <summary>
/// One of the reads every consumed message makes — the inbox's "handled before?" — as the LINQ query the services ran
/// until commit 0119a06 and as the compiled query they run now (<see cref="Inbox.Holds"/>, <see cref="CompiledQuery"/>), on
/// documents' SQLite database holding
/// <see cref="InboxRows"/> rows (run with --micro --filter '*Query*').
/// </summary>
[MemoryDiagnoser]
public class QueryBenchmarks
{
    public const int InboxRows = 100_000;

    private const string ConsumerName = "DeclarationDocumentsVerificationResponder";

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
            _db.ProcessedMessages.AddRange(chunk.Select(id => new ProcessedMessage { MessageId = id, Consumer = ConsumerName, ProcessedAtUnixMs = 1 }));
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
        var (messageId, consumer) = (NextId(), ConsumerName); // captured variables, as the services' query had them
        return _db.ProcessedMessages.AnyAsync(p => p.MessageId == messageId && p.Consumer == consumer, CancellationToken.None);
    }

    [Benchmark]
    public Task<bool> InboxReadCompiled() => Inbox.Holds(_db, ConsumerName, NextId(), CancellationToken.None);
}
