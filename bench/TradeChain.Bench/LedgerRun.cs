using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.Testing;

namespace TradeChain.Bench;

/// <summary>
/// What an account's booked balance costs as its history grows (<c>bench/run.sh --ledger [--history N]</c>), on the
/// payments service's own schema and migrations, SQLite and PostgreSQL. The customs treasury gets an entry per duty
/// payment, so its history grows without end. Measured at each history size:
/// <list type="bullet">
/// <item>reading the balance as the service does now: the one row the database keeps (<see cref="SettlementLedger.BalanceAsync"/>);</item>
/// <item>reading it as it was read before migration AccountBalances: the sum over the account's entries;</item>
/// <item>the account's movements as <c>GET /accounts/{party}/{currency}</c> reads them now: the latest page of
/// <see cref="TradeChain.ServiceDefaults.Paging.DefaultSize"/> (<see cref="SettlementLedger.EntriesPageAsync"/>), and as it read
/// them before: every entry (median of <see cref="EveryEntryReads"/> reads);</item>
/// <item>booking a duty payment's two entries in one unit of work (what a settlement adds), with the balance trigger;
/// at the largest size in rounds with and without it: what keeping the balance costs a booking.</item>
/// </list>
/// Each figure is the median of many runs, after a warm-up. Nothing here is asserted; it is printed.
/// </summary>
public static class LedgerRun
{
    private const string Treasury = "CUSTOMS-TREASURY", Currency = "USD";

    private const int Reads = 40, Bookings = 200, EveryEntryReads = 5;

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var history = 1_000_000;
        for (var i = 0; i < args.Length - 1; i++)
            if (args[i] == "--history") history = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
        if (history < 1 || history > 10_000_000) throw new ArgumentException("--history must be between 1 and 10,000,000 entries");
        int[] sizes = [.. new[] { 0, 1_000, 10_000, 100_000, history }.Where(s => s <= history).Distinct().Order()];
        output.WriteLine($"Ledger balances by history, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC (medians; µs)");
        output.WriteLine($"{"database",-10} {"history",10} {"balance kept",13} {"sum of entries",15} {"booking",9} {"latest page",12} {"every entry",13}");

        var directory = Directory.CreateTempSubdirectory("tc-ledger-bench-");
        try
        {
            await MeasureAsync("sqlite", $"Data Source={Path.Combine(directory.FullName, "payments.db")}", sizes, output);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
        await using (var database = PostgresDatabase.Named("bench_ledger"))
            await MeasureAsync("postgres", database.ConnectionString, sizes, output);
        return 0;
    }

    private static async Task MeasureAsync(string name, string connectionString, int[] sizes, TextWriter output)
    {
        var options = new DbContextOptionsBuilder<PaymentsDbContext>().UseServiceDatabase(connectionString).Options;
        PaymentsDbContext Db() => new(options);
        var trigger = await BalanceTrigger.OfAsync(Db);
        var entries = 0;
        var booked = 0;
        foreach (var size in sizes)
        {
            if (size > entries)
            {
                // The history made in one statement, its balance summed once after it (as migration AccountBalances does):
                // through the trigger, PostgreSQL would update the one balance row a million times in one transaction.
                await trigger.OffAsync();
                await using (var db = Db())
                {
                    db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
                    await db.Database.ExecuteSqlRawAsync(trigger.Postgres
                        ? $"""
                           INSERT INTO ledger_entries ("Party", "Currency", "AmountMinor", "Kind", "Reference", "TransactionHash", "AtUnixMs")
                           SELECT '{Treasury}', '{Currency}', 100, 'duty-payment', 'H-' || g, '0xtx', 0 FROM generate_series({entries + 1}, {size}) g
                           """
                        : $"""
                           WITH RECURSIVE g(i) AS (SELECT {entries + 1} UNION ALL SELECT i + 1 FROM g WHERE i < {size})
                           INSERT INTO ledger_entries ("Party", "Currency", "AmountMinor", "Kind", "Reference", "TransactionHash", "AtUnixMs")
                           SELECT '{Treasury}', '{Currency}', 100, 'duty-payment', 'H-' || i, '0xtx', 0 FROM g
                           """);
                    if (trigger.Postgres) await db.Database.ExecuteSqlRawAsync("ANALYZE ledger_entries");
                }
                await trigger.OnAsync();
                entries = size;
            }
            var kept = await MedianAsync(Reads, async () =>
            {
                await using var db = Db();
                await SettlementLedger.BalanceAsync(db, Treasury, Currency, CancellationToken.None);
            });
            var summed = await MedianAsync(Reads, async () =>
            {
                await using var db = Db();
                db.Database.SetCommandTimeout(TimeSpan.FromMinutes(2));
                await db.Entries.Where(e => e.Party == Treasury && e.Currency == Currency).SumAsync(e => e.AmountMinor); // the read before AccountBalances
            });
            var booking = await MedianAsync(Bookings, () => BookAsync(Db, booked++));
            var page = await MedianAsync(Reads, async () =>
            {
                await using var db = Db();
                await SettlementLedger.EntriesPageAsync(db, Treasury, Currency, 1, TradeChain.ServiceDefaults.Paging.DefaultSize, CancellationToken.None);
            });
            var every = await MedianAsync(EveryEntryReads, async () =>
            {
                await using var db = Db();
                db.Database.SetCommandTimeout(TimeSpan.FromMinutes(2));
                await db.Entries.AsNoTracking().Where(e => e.Party == Treasury && e.Currency == Currency).OrderBy(e => e.Id).ToListAsync(); // GET's read before paging
            });
            await CheckAsync(Db);
            output.WriteLine($"{name,-10} {size,10:N0} {kept,13:N0} {summed,15:N0} {booking,9:N0} {page,12:N0} {every,13:N0}");
        }
        // What keeping the balance costs a booking: rounds with the trigger and without it, alternated (the machine's drift
        // falls on both). On PostgreSQL the save's ordered lock of the balance rows is taken in both.
        var (on, off) = (new List<double>(), new List<double>());
        for (var round = 0; round < 3; round++)
        {
            on.Add(await MedianAsync(Bookings, () => BookAsync(Db, booked++)));
            await trigger.OffAsync();
            off.Add(await MedianAsync(Bookings, () => BookAsync(Db, booked++)));
            await trigger.OnAsync();
        }
        await CheckAsync(Db);
        output.WriteLine($"{name,-10} {sizes[^1],10:N0} {"",13} {"",15} {on.Order().ElementAt(1),9:N0}  booking, 3 rounds alternated: with the balance trigger");
        output.WriteLine($"{name,-10} {sizes[^1],10:N0} {"",13} {"",15} {off.Order().ElementAt(1),9:N0}  booking, 3 rounds alternated: without it");
    }

    /// <summary>
    /// The balance trigger of migration AccountBalances, switched off to make history in bulk or to measure a booking
    /// without it, and on again with every balance summed anew from the entries (so the kept balances stay right).
    /// </summary>
    private sealed class BalanceTrigger(Func<PaymentsDbContext> open, bool postgres, string sqliteDefinition)
    {
        public bool Postgres => postgres;

        public static async Task<BalanceTrigger> OfAsync(Func<PaymentsDbContext> open)
        {
            await using var db = open();
            await ServiceDatabase.MigrateAsync(db);
            var postgres = db.Database.IsNpgsql();
            var definition = postgres ? "" : await db.Database.SqlQueryRaw<string>("SELECT sql AS Value FROM sqlite_master WHERE type = 'trigger' AND name = 'ledger_entries_balance'").SingleAsync();
            return new BalanceTrigger(open, postgres, definition);
        }

        public async Task OffAsync()
        {
            await using var db = open();
            await db.Database.ExecuteSqlRawAsync(postgres ? "ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_balance" : "DROP TRIGGER ledger_entries_balance");
        }

        public async Task OnAsync()
        {
            await using var db = open();
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
            await using var transaction = await db.Database.BeginTransactionAsync();
            await db.Database.ExecuteSqlRawAsync(postgres ? "ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_balance" : sqliteDefinition);
            await db.Database.ExecuteSqlRawAsync("DELETE FROM account_balances");
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO account_balances ("Party", "Currency", "BalanceMinor", "EntryCount")
                SELECT "Party", "Currency", SUM("AmountMinor"), COUNT(*) FROM ledger_entries GROUP BY "Party", "Currency"
                """);
            await transaction.CommitAsync();
        }
    }

    /// <summary>A duty payment's booking as a settlement makes it: the payer's debit and the treasury's credit, one unit of work.</summary>
    private static async Task BookAsync(Func<PaymentsDbContext> open, int n)
    {
        await using var db = open();
        db.Entries.Add(new LedgerEntry { Party = $"EXP-{n % 50}", Currency = Currency, AmountMinor = -100, Kind = LedgerEntryKind.DutyPayment, Reference = $"B-{n}", TransactionHash = "0xtx" });
        db.Entries.Add(new LedgerEntry { Party = Treasury, Currency = Currency, AmountMinor = 100, Kind = LedgerEntryKind.DutyPayment, Reference = $"B-{n}", TransactionHash = "0xtx" });
        await db.SaveChangesAsync();
    }

    /// <summary>The kept balance is what the entries sum to (a bench that measured a broken trigger would measure nothing).</summary>
    private static async Task CheckAsync(Func<PaymentsDbContext> open)
    {
        await using var db = open();
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(2));
        var kept = await SettlementLedger.KeptBalanceAsync(db, Treasury, Currency, CancellationToken.None);
        var sum = await db.Entries.Where(e => e.Party == Treasury && e.Currency == Currency).SumAsync(e => e.AmountMinor);
        if (kept.BalanceMinor != sum)
            throw new InvalidOperationException($"the kept balance {kept.BalanceMinor} is not the entries' sum {sum}");
    }

    /// <summary>The median time of <paramref name="runs"/> runs of <paramref name="work"/>, in µs, after five unmeasured ones.</summary>
    private static async Task<double> MedianAsync(int runs, Func<Task> work)
    {
        for (var i = 0; i < 5; i++) await work();
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await work();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }
        Array.Sort(times);
        return times[runs / 2];
    }
}
