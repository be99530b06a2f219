using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Infrastructure;
using TradeChain.Documents.Infrastructure;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests;

/// <summary>
/// Every service's migrations on both databases it runs on, from empty: they apply, make every table and column the
/// model reads, and leave no model change without a migration (if one fails: scripts/migrations.sh &lt;Name&gt;).
/// </summary>
public sealed class MigrationTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDirectory("migrations");

    public static TheoryData<string> Services => ["customs", "documents", "payments"];

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Theory]
    [MemberData(nameof(Services))]
    public Task The_SQLite_migrations_make_the_whole_model_from_an_empty_file_and_keep_data_on_restart(string service) =>
        MigratesFromEmptyAndRestartsAsync(service, $"Data Source={Path.Combine(_dir, service + ".db")}");

    [Theory]
    [MemberData(nameof(Services))]
    public async Task The_PostgreSQL_migrations_make_the_whole_model_from_an_empty_database_and_keep_data_on_restart(string service)
    {
        await using var database = PostgresDatabase.Named($"migrate_{service}");
        await MigratesFromEmptyAndRestartsAsync(service, database.ConnectionString);
    }

    [Fact]
    public async Task Replicas_starting_together_on_PostgreSQL_migrate_once()
    {
        await using var database = PostgresDatabase.Named("replicas");
        var replicas = Enumerable.Range(0, 4).Select(_ => Context("payments", database.ConnectionString)).ToList();
        try
        {
            await Task.WhenAll(replicas.Select(db => ServiceDatabase.MigrateAsync(db)));
        }
        finally
        {
            foreach (var db in replicas) await db.DisposeAsync();
        }

        await using var check = Context("payments", database.ConnectionString);
        Assert.Equal(check.Database.GetMigrations(), await check.Database.GetAppliedMigrationsAsync());
        Assert.False(check.Database.HasPendingModelChanges());
    }

    [Fact]
    public Task A_ledger_booked_before_balances_were_kept_is_summed_by_their_migration_on_SQLite() =>
        BalancesOfEarlierEntriesAsync($"Data Source={Path.Combine(_dir, "balances.db")}");

    [Fact]
    public async Task A_ledger_booked_before_balances_were_kept_is_summed_by_their_migration_on_PostgreSQL()
    {
        await using var database = PostgresDatabase.Named("balances");
        await BalancesOfEarlierEntriesAsync(database.ConnectionString);
    }

    [Fact]
    public Task Deposits_asked_before_withdrawals_were_queued_become_deposit_instructions_on_SQLite() =>
        DepositRequestsBecomeInstructionsAsync($"Data Source={Path.Combine(_dir, "instructions.db")}");

    [Fact]
    public async Task Deposits_asked_before_withdrawals_were_queued_become_deposit_instructions_on_PostgreSQL()
    {
        await using var database = PostgresDatabase.Named("instructions");
        await DepositRequestsBecomeInstructionsAsync(database.ConnectionString);
    }

    /// <summary>
    /// A payments database at the migration before BookingInstructions, with deposits queued and booked: migrated, each is a
    /// deposit instruction as it was (a queued one still queued for the sender), a withdrawal may take the same reference;
    /// migrated back down, the deposits are deposit requests again.
    /// </summary>
    private static async Task DepositRequestsBecomeInstructionsAsync(string connectionString)
    {
        var db = (PaymentsDbContext)Context("payments", connectionString);
        await using var _ = db;
        var migrations = db.Database.GetMigrations().ToList();
        var before = migrations[migrations.FindIndex(m => m.EndsWith("_BookingInstructions", StringComparison.Ordinal)) - 1];
        var migrator = db.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>();
        await migrator.MigrateAsync(before);
        var queued = Guid.NewGuid();
        var booked = Guid.NewGuid();
        async Task AskAsync(Guid id, string reference, long minor, string status, string? tx) => await db.Database.ExecuteSqlRawAsync(
            "INSERT INTO deposit_requests (\"Id\", \"Bank\", \"Party\", \"Currency\", \"Reference\", \"AmountMinor\", \"RequestedBy\", \"RequestedAtUnixMs\", \"Status\", \"TransactionHash\") " +
            "VALUES ({0}, 'BNK', 'EXP', 'USD', {1}, {2}, 'teller', 1000, {3}, NULLIF({4}, ''))",
            db.Database.IsNpgsql() ? id : id.ToString().ToUpperInvariant(), reference, minor, status, tx ?? ""); // SQLite: a Guid as EF keeps it, upper-case text
        await AskAsync(queued, "DEP-1", 1250, "Queued", null);
        await AskAsync(booked, "DEP-2", 700, "Booked", "0xabc");

        await ServiceDatabase.MigrateAsync(db); // what the service does when it starts on the new version
        var instructions = await db.BookingInstructions.AsNoTracking().OrderBy(d => d.Reference).ToListAsync();
        Assert.Equal([(queued, LedgerEntryKind.Deposit, "DEP-1", 1250L, BookingInstructionStatus.Queued, (string?)null, 0),
                      (booked, LedgerEntryKind.Deposit, "DEP-2", 700L, BookingInstructionStatus.Booked, "0xabc", 0)],
            instructions.Select(d => (d.Id, d.Kind, d.Reference, d.AmountMinor, d.Status, d.TransactionHash, d.FailedAttempts)));
        // A withdrawal may take a deposit's reference (each kind its own), and none may take the same kind's twice.
        var account = new SettlementAccount { Party = "EXP", Currency = "USD", Address = "0x1", ServicingBank = "BNK" };
        db.BookingInstructions.Add(BookingInstruction.Ask(LedgerEntryKind.Withdrawal, "BNK", "teller", account, 100, "DEP-1", DateTimeOffset.UnixEpoch));
        await db.SaveChangesAsync();
        db.BookingInstructions.Add(BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK", "teller", account, 100, "DEP-1", DateTimeOffset.UnixEpoch));
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        db.ChangeTracker.Clear();

        await migrator.MigrateAsync(before); // and back: the deposits stay, as deposit requests
        Assert.Equal(["DEP-1:Queued", "DEP-2:Booked"],
            await db.Database.SqlQueryRaw<string>("SELECT \"Reference\" || ':' || \"Status\" AS \"Value\" FROM deposit_requests ORDER BY \"Reference\"").ToListAsync());
    }

    /// <summary>
    /// A payments database at the migration before AccountBalances, with entries booked: migrated, each holder's balance
    /// is the sum of its entries and later entries add to it; migrated back down, the entries are as they were.
    /// </summary>
    private static async Task BalancesOfEarlierEntriesAsync(string connectionString)
    {
        var db = (PaymentsDbContext)Context("payments", connectionString);
        await using var _ = db;
        var migrations = db.Database.GetMigrations().ToList();
        var before = migrations[migrations.FindIndex(m => m.EndsWith("_AccountBalances", StringComparison.Ordinal)) - 1];
        var migrator = db.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>();
        await migrator.MigrateAsync(before);
        async Task BookAsync(string party, string currency, long minor, string reference) => await db.Database.ExecuteSqlRawAsync(
            "INSERT INTO ledger_entries (\"Party\", \"Currency\", \"AmountMinor\", \"Kind\", \"Reference\", \"TransactionHash\", \"AtUnixMs\") VALUES ({0}, {1}, {2}, 'deposit', {3}, '0xtx', 0)",
            party, currency, minor, reference);
        for (var i = 1; i <= 40; i++) await BookAsync("EXP", "USD", i % 4 == 0 ? -i : i * 100, $"D-{i}");
        await BookAsync("EXP", "EUR", 250, "E-1");
        await BookAsync("escrow", "USD", -75, "LC-1");

        await ServiceDatabase.MigrateAsync(db); // what the service does when it starts on the new version
        var usd = Enumerable.Range(1, 40).Sum(i => i % 4 == 0 ? -(long)i : i * 100L);
        async Task<(long, long)> Booked(string party, string currency) =>
            await SettlementLedger.KeptBalanceAsync(db, party, currency, CancellationToken.None) is var b ? (b.BalanceMinor, b.EntryCount) : default;
        Assert.Equal((usd, 40L), await Booked("EXP", "USD"));
        Assert.Equal((250L, 1L), await Booked("EXP", "EUR"));
        Assert.Equal((-75L, 1L), await Booked("escrow", "USD"));
        await BookAsync("EXP", "USD", 5, "D-41");
        Assert.Equal((usd + 5, 41L), await Booked("EXP", "USD"));

        await migrator.MigrateAsync(before); // and back: the balances and their triggers go, the entries stay
        Assert.Empty(await TriggersOnLedgerEntriesAsync(db));
        await BookAsync("EXP", "USD", 1, "D-42");
        Assert.Equal(43L, await db.Entries.CountAsync(e => e.Party == "EXP"));
        Assert.Equal(usd + 6, await db.Entries.Where(e => e.Party == "EXP" && e.Currency == "USD").SumAsync(e => e.AmountMinor));
    }

    [Fact]
    public async Task A_database_made_by_EnsureCreated_before_migrations_is_refused_with_what_to_do()
    {
        var file = Path.Combine(_dir, "legacy.db");
        await using (var old = Context("customs", $"Data Source={file}")) await old.Database.EnsureCreatedAsync();

        await using var db = Context("customs", $"Data Source={file}");
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceDatabase.MigrateAsync(db));

        Assert.Contains("created before TradeChain used migrations", refused.Message);
        Assert.Contains(file, refused.Message);
        Assert.Empty(await db.Database.GetAppliedMigrationsAsync()); // left as it was
    }

    private static async Task MigratesFromEmptyAndRestartsAsync(string service, string connectionString)
    {
        await using (var db = Context(service, connectionString))
        {
            await ServiceDatabase.MigrateAsync(db);

            Assert.False(db.Database.HasPendingModelChanges(), $"The {service} model has changes no migration makes: run scripts/migrations.sh <Name>.");
            Assert.NotEmpty(db.Database.GetMigrations());
            Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
            await ReadEveryEntityAsync(db); // a missing table or column fails the query
            if (db is PaymentsDbContext) Assert.Equal(LedgerTriggers(db), await TriggersOnLedgerEntriesAsync(db)); // SQL no model shows
            db.Outbox.Add(new OutboxMessage { MessageId = Guid.NewGuid(), MessageType = "Kept", Payload = "{}" });
            await db.SaveChangesAsync();
        }

        await using (var restarted = Context(service, connectionString))
        {
            await ServiceDatabase.MigrateAsync(restarted); // what the service does on every start
            Assert.Equal("Kept", (await restarted.Outbox.SingleAsync()).MessageType);
        }
    }

    /// <summary>The triggers migration AccountBalances puts on ledger_entries: kept balances, and entries append-only.</summary>
    private static string[] LedgerTriggers(DbContext db) => db.Database.IsNpgsql()
        ? ["ledger_entries_append_only", "ledger_entries_balance", "ledger_entries_no_truncate"]
        : ["ledger_entries_balance", "ledger_entries_no_delete", "ledger_entries_no_update"];

    private static async Task<string[]> TriggersOnLedgerEntriesAsync(DbContext db) => [.. await db.Database.SqlQueryRaw<string>(db.Database.IsNpgsql()
        ? "SELECT tgname::text AS \"Value\" FROM pg_trigger WHERE tgrelid = 'ledger_entries'::regclass AND NOT tgisinternal ORDER BY 1"
        : "SELECT name AS Value FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ledger_entries' ORDER BY 1").ToListAsync()];

    /// <summary>Loads every entity type the model maps (owned ones come with their owners): EF selects every mapped column.</summary>
    private static async Task ReadEveryEntityAsync(DbContext db)
    {
        var read = typeof(MigrationTests).GetMethod(nameof(ReadAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        foreach (var type in db.Model.GetEntityTypes().Where(t => !t.IsOwned() && t.BaseType is null && t.ClrType != typeof(Dictionary<string, object>)))
            await (Task)read.MakeGenericMethod(type.ClrType).Invoke(null, [db])!;
    }

    private static Task ReadAsync<T>(DbContext db) where T : class => db.Set<T>().AsNoTracking().Take(1).ToListAsync();

    private static ServiceDbContext Context(string service, string connectionString) => service switch
    {
        "customs" => new CustomsDbContext(Options<CustomsDbContext>(connectionString)),
        "documents" => new DocumentsDbContext(Options<DocumentsDbContext>(connectionString)),
        "payments" => new PaymentsDbContext(Options<PaymentsDbContext>(connectionString)),
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, null),
    };

    private static DbContextOptions<T> Options<T>(string connectionString) where T : DbContext =>
        new DbContextOptionsBuilder<T>().UseServiceDatabase(connectionString).Options;
}
