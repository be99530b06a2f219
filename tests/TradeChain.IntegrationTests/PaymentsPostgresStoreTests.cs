using Microsoft.EntityFrameworkCore;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Domain.Credits;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.IntegrationTests;

/// <summary>
/// A credit's parts on the production database: presentations, their documents and discrepancies, and amendments in
/// tables of their own on PostgreSQL, found by a query and read back in order with their states.
/// </summary>
public sealed class PaymentsPostgresStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    private static readonly CreditTerms Terms = new("USD", 50_000m, 5m, new DateOnly(2027, 1, 15), "VN", new DateOnly(2026, 12, 31), 21, true,
        "Hamburg Roasters GmbH", "Saigon Coffee JSC", "VNSGN", "DEHAM", "Robusta green coffee beans",
        [new RequiredDocument("commercial-invoice", ["amount"])]);

    private static readonly string Connection = $"{Environment.GetEnvironmentVariable("TRADECHAIN_TEST_POSTGRES")
        ?? throw new InvalidOperationException("TRADECHAIN_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts PostgreSQL.")}";

    private readonly string _connection = $"{Connection};Database=tc_paystore_{Guid.NewGuid():N}";

    private DbContextOptions<PaymentsDbContext> _options => new DbContextOptionsBuilder<PaymentsDbContext>().UseServiceDatabase(_connection).Options;

    private PaymentsDbContext Db() => new(_options);

    public async Task InitializeAsync()
    {
        await using var db = Db();
        await ServiceDatabase.MigrateAsync(db); // the service's own PostgreSQL migrations
    }

    public async Task DisposeAsync()
    {
        await using var db = Db();
        await db.Database.EnsureDeletedAsync();
    }

    [Fact]
    public async Task The_booked_balance_is_kept_by_postgres_beyond_32_bits()
    {
        await using (var db = Db())
        {
            for (var i = 1; i <= 300; i++)
                db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = i % 2 == 0 ? 3_000_000_000L : -1, Kind = LedgerEntryKind.Deposit, Reference = $"D-{i}", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
        }
        await using var read = Db();
        Assert.Equal(150 * 3_000_000_000L - 150, await SettlementLedger.BalanceAsync(read, "EXP", "USD", CancellationToken.None)); // beyond 32 bits
        Assert.Equal(0L, await SettlementLedger.BalanceAsync(read, "IMP", "USD", CancellationToken.None));
        Assert.Equal(300L, (await SettlementLedger.KeptBalanceAsync(read, "EXP", "USD", CancellationToken.None)).EntryCount);
    }

    [Fact]
    public async Task A_banks_accounts_come_a_page_at_a_time_in_order_each_with_its_booked_balance_on_postgres()
    {
        await using (var db = Db())
        {
            foreach (var (party, currency, bank) in new[] { ("EXP-C", "USD", "BNK-A"), ("EXP-A", "VND", "BNK-A"), ("EXP-A", "USD", "BNK-A"), ("EXP-B", "USD", "BNK-B") })
                db.Accounts.Add(new SettlementAccount { Party = party, Currency = currency, ServicingBank = bank, Address = $"0x{party}{currency}" });
            db.Entries.Add(new LedgerEntry { Party = "EXP-A", Currency = "USD", AmountMinor = 3_000_000_000L, Kind = LedgerEntryKind.Deposit, Reference = "D-1", TransactionHash = "0xtx" });
            db.Entries.Add(new LedgerEntry { Party = "EXP-C", Currency = "USD", AmountMinor = 7, Kind = LedgerEntryKind.Deposit, Reference = "D-2", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
        }
        await using var read = Db();
        async Task<string> Page(int number, int size)
        {
            var (page, total) = await SettlementLedger.AccountsPageAsync(read, read.Accounts.Where(a => a.ServicingBank == "BNK-A"), number, size, CancellationToken.None);
            return string.Join(", ", page.Select(r => $"{r.Account.Party}/{r.Account.Currency}={r.BookedMinor}")) + $" of {total}";
        }
        Assert.Equal("EXP-A/USD=3000000000, EXP-A/VND=0 of 3", await Page(1, 2)); // no balance row: 0
        Assert.Equal("EXP-C/USD=7 of 3", await Page(2, 2));
        Assert.Equal(" of 3", await Page(3, 2));
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task The_standing_of_an_account_sums_its_queued_deposits_and_withdrawals_beside_its_balance(string database)
    {
        // On both databases the service runs on (SQLite: a file of its own, migrated as the service does).
        var sqlite = Path.Combine(Path.GetTempPath(), $"tc-standing-{Guid.NewGuid():N}.db");
        var options = database == "postgres" ? _options
            : new DbContextOptionsBuilder<PaymentsDbContext>().UseServiceDatabase($"Data Source={sqlite}").Options;
        if (database == "sqlite")
        {
            await using var migrating = new PaymentsDbContext(options);
            await ServiceDatabase.MigrateAsync(migrating);
        }
        try
        {
            await StandingAsync(() => new PaymentsDbContext(options));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { sqlite, sqlite + "-wal", sqlite + "-shm" }) File.Delete(file);
        }
    }

    private static async Task StandingAsync(Func<PaymentsDbContext> Db)
    {
        await using (var db = Db())
        {
            var account = new SettlementAccount { Party = "EXP-Q", Currency = "USD", ServicingBank = "BNK-A", Address = "0xq" };
            var other = new SettlementAccount { Party = "EXP-Q", Currency = "VND", ServicingBank = "BNK-A", Address = "0xqv" };
            db.Accounts.AddRange(account, other);
            db.Entries.Add(new LedgerEntry { Party = "EXP-Q", Currency = "USD", AmountMinor = 5_000, Kind = LedgerEntryKind.Deposit, Reference = "D-0", TransactionHash = "0xtx" });
            db.BookingInstructions.Add(BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-A", "clerk", account, 3_000_000_000L, "D-1", Now)); // beyond 32 bits
            db.BookingInstructions.Add(BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-A", "clerk", account, 250, "D-2", Now));
            db.BookingInstructions.Add(BookingInstruction.Ask(LedgerEntryKind.Withdrawal, "BNK-A", "clerk", account, 1_200, "W-1", Now));
            // Booked in a request by a replica that books there while another queued it (a deployment changing its
            // configuration): in the balance already, so not among the queued, though its instruction still says Queued.
            db.Entries.Add(new LedgerEntry { Party = "EXP-Q", Currency = "USD", AmountMinor = 40, Kind = LedgerEntryKind.Deposit, Reference = "D-3", TransactionHash = "0xtx3" });
            db.BookingInstructions.Add(BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-A", "clerk", account, 40, "D-3", Now));
            // Entries under the queued ones' references but of another kind, currency or party: they book something else,
            // and the queued instructions stay queued.
            db.Entries.Add(new LedgerEntry { Party = "EXP-Q", Currency = "USD", AmountMinor = 7, Kind = LedgerEntryKind.Deposit, Reference = "W-1", TransactionHash = "0xtx4" });
            db.Entries.Add(new LedgerEntry { Party = "EXP-Q", Currency = "VND", AmountMinor = 9, Kind = LedgerEntryKind.Deposit, Reference = "D-2", TransactionHash = "0xtx5" });
            db.Entries.Add(new LedgerEntry { Party = "EXP-OTHER", Currency = "USD", AmountMinor = 11, Kind = LedgerEntryKind.Deposit, Reference = "D-1", TransactionHash = "0xtx6" });
            var booked = BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-A", "clerk", account, 5_000, "D-0", Now);
            booked.MarkBooked("0xtx", Now);
            var refused = BookingInstruction.Ask(LedgerEntryKind.Withdrawal, "BNK-A", "clerk", account, 9_999, "W-2", Now);
            refused.MarkRefused("contract:InsufficientBalance", "no", Now);
            db.BookingInstructions.AddRange(booked, refused, BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-A", "clerk", other, 77, "D-V", Now));
            await db.SaveChangesAsync();
        }
        await using var read = Db();
        // Queued only: the booked deposit is in the balance, the refused withdrawal nowhere, the other currency's apart.
        Assert.Equal(new AccountStanding(5_047, 3, 3_000_000_250L, 2, 1_200, 1), await SettlementLedger.StandingAsync(read, "EXP-Q", "USD", CancellationToken.None));
        Assert.Equal(new AccountStanding(9, 1, 77, 1, 0, 0), await SettlementLedger.StandingAsync(read, "EXP-Q", "VND", CancellationToken.None));
        Assert.Null(await SettlementLedger.StandingAsync(read, "EXP-NONE", "USD", CancellationToken.None));
    }

    [Fact]
    public async Task Concurrent_bookings_on_one_account_all_count_in_its_balance()
    {
        // The customs treasury is credited by every bank's settlements at once: its balance row is where they meet.
        const int writers = 8, each = 25;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                await using var db = Db();
                await using var transaction = await db.Database.BeginTransactionAsync();
                db.Entries.Add(new LedgerEntry { Party = "TREASURY", Currency = "USD", AmountMinor = 100 + w, Kind = LedgerEntryKind.DutyPayment, Reference = $"T-{w}-{i}", TransactionHash = "0xtx" });
                db.Entries.Add(new LedgerEntry { Party = $"EXP-{w}", Currency = "USD", AmountMinor = -(100 + w), Kind = LedgerEntryKind.DutyPayment, Reference = $"T-{w}-{i}", TransactionHash = "0xtx" });
                await db.SaveChangesAsync();
                await Task.Delay(i % 3); // held open a moment: the next writer's upsert waits on the row
                await transaction.CommitAsync();
            }
        })));

        await using var read = Db();
        var treasury = await SettlementLedger.KeptBalanceAsync(read, "TREASURY", "USD", CancellationToken.None);
        Assert.Equal((each * Enumerable.Range(0, writers).Sum(w => 100L + w), (long)writers * each), (treasury.BalanceMinor, treasury.EntryCount));
        Assert.Equal(await read.Entries.Where(e => e.Party == "TREASURY").SumAsync(e => e.AmountMinor), treasury.BalanceMinor);
        for (var w = 0; w < writers; w++) Assert.Equal(-each * (100L + w), await SettlementLedger.BalanceAsync(read, $"EXP-{w}", "USD", CancellationToken.None));
    }

    [Fact]
    public async Task A_save_booking_several_holders_takes_their_balance_rows_in_one_order_so_settlements_cannot_deadlock()
    {
        // Names whose order puts the treasury last, after both payers.
        const string payerA = "A-PAYER", payerB = "B-PAYER", treasury = "T-TREASURY";
        await using (var db = Db())
        {
            foreach (var party in new[] { payerA, payerB, treasury })
                db.Entries.Add(new LedgerEntry { Party = party, Currency = "USD", AmountMinor = 10_000, Kind = LedgerEntryKind.Deposit, Reference = $"D-{party}", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
        }
        // A single settlement of payer B is under way: it holds B's balance row.
        await using var single = Db();
        await using var singleTransaction = await single.Database.BeginTransactionAsync();
        await single.Database.ExecuteSqlRawAsync("SELECT 1 FROM account_balances WHERE \"Party\" = {0} FOR UPDATE", payerB);

        // A batch books payer A, the treasury, payer B, the treasury — entry by entry its trigger would take the treasury's
        // row and then wait for B's, while the single settlement, holding B's, waits for the treasury's.
        var batch = Task.Run(async () =>
        {
            await using var db = Db();
            foreach (var (payer, n) in new[] { (payerA, 1), (payerB, 2) })
            {
                db.Entries.Add(new LedgerEntry { Party = payer, Currency = "USD", AmountMinor = -100, Kind = LedgerEntryKind.DutyPayment, Reference = $"P-{n}", TransactionHash = "0xbatch" });
                db.Entries.Add(new LedgerEntry { Party = treasury, Currency = "USD", AmountMinor = 100, Kind = LedgerEntryKind.DutyPayment, Reference = $"P-{n}", TransactionHash = "0xbatch" });
            }
            await db.SaveChangesAsync();
        });
        await WaitUntilBlockedAsync(batch);

        // Waiting for B's row, the batch holds no row after it: the treasury's is free for the single settlement.
        await single.Database.ExecuteSqlRawAsync("SELECT 1 FROM account_balances WHERE \"Party\" = {0} FOR UPDATE NOWAIT", treasury);
        single.Entries.Add(new LedgerEntry { Party = payerB, Currency = "USD", AmountMinor = -100, Kind = LedgerEntryKind.DutyPayment, Reference = "P-3", TransactionHash = "0xsingle" });
        single.Entries.Add(new LedgerEntry { Party = treasury, Currency = "USD", AmountMinor = 100, Kind = LedgerEntryKind.DutyPayment, Reference = "P-3", TransactionHash = "0xsingle" });
        await single.SaveChangesAsync();
        await singleTransaction.CommitAsync();
        await batch; // then the batch goes on

        await using var read = Db();
        Assert.Equal((9_900L, 9_800L, 10_300L), (await Balance(read, payerA), await Balance(read, payerB), await Balance(read, treasury)));
    }

    private static Task<long> Balance(PaymentsDbContext db, string party) => SettlementLedger.BalanceAsync(db, party, "USD", CancellationToken.None);

    /// <summary>Until another session of this database waits for a lock (the batch), or <paramref name="work"/> ended (it did not wait: fails later).</summary>
    private async Task WaitUntilBlockedAsync(Task work)
    {
        await using var db = Db();
        for (var i = 0; i < 200 && !work.IsCompleted; i++)
        {
            var waiting = await db.Database.SqlQueryRaw<int>(
                "SELECT COUNT(*)::int AS \"Value\" FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").SingleAsync();
            if (waiting > 0) return;
            await Task.Delay(50);
        }
        Assert.Fail(work.IsCompleted ? $"the batch did not wait for payer B's row: {work.Exception}" : "the batch never waited for a lock");
    }

    [Fact]
    public async Task A_balance_beyond_64_bits_is_refused_on_postgres()
    {
        await using (var db = Db())
        {
            db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = long.MaxValue - 10, Kind = LedgerEntryKind.Deposit, Reference = "D-1", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
        }
        await using (var db = Db())
        {
            db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = 100, Kind = LedgerEntryKind.Deposit, Reference = "D-2", TransactionHash = "0xtx" });
            var refused = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            Assert.Equal(Npgsql.PostgresErrorCodes.NumericValueOutOfRange, Assert.IsType<Npgsql.PostgresException>(refused.InnerException).SqlState);
        }
        await using var read = Db();
        Assert.Equal((long.MaxValue - 10, 1), (await SettlementLedger.BalanceAsync(read, "EXP", "USD", CancellationToken.None), await read.Entries.CountAsync()));
    }

    [Fact]
    public async Task A_settlement_booked_in_its_own_transaction_is_announced_after_its_commit_and_accepted()
    {
        var changes = new RecordChanges();
        var probe = new CommitProbe();
        var options = new DbContextOptionsBuilder<PaymentsDbContext>().UseServiceDatabase(_connection, changes: changes).AddInterceptors(probe).Options;
        await using var db = new PaymentsDbContext(options);
        db.DutyPayments.Add(DutyPayment.Request("DUTY-PG-1", Guid.NewGuid(), "EXP", 7m, "USD", "customs", Now));
        await db.SaveChangesAsync();
        var payment = await db.DutyPayments.SingleAsync();
        payment.BeginSettlement("BNK-1", "0xdebtor", "ops", Now);
        await db.SaveChangesAsync();

        // Settled with its debit and credit: two holders, so the save takes their balance rows first, in its own transaction.
        using var follower = changes.Watch(RecordChanges.KeyOf(DutyPayment.RecordType, "DUTY-PG-1"), "EXP")!;
        probe.AtCommit = () => follower.Changed.IsCompleted;
        payment.CompleteSettlement("BNK-1", "ops", Now, "0xtx");
        db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = -700, Kind = LedgerEntryKind.DutyPayment, Reference = "DUTY-PG-1", TransactionHash = "0xtx" });
        db.Entries.Add(new LedgerEntry { Party = "TREASURY", Currency = "USD", AmountMinor = 700, Kind = LedgerEntryKind.DutyPayment, Reference = "DUTY-PG-1", TransactionHash = "0xtx" });
        await db.SaveChangesAsync();

        Assert.Equal([false], probe.Seen); // one commit, and the follower not woken before it: it would read the old version
        Assert.True(follower.Changed.IsCompleted);
        Assert.All(db.ChangeTracker.Entries(), e => Assert.Equal(EntityState.Unchanged, e.State)); // accepted once committed
        await using var read = Db();
        Assert.Equal((DutyPaymentStatus.Settled, 700L), ((await read.DutyPayments.SingleAsync()).Status, await Balance(read, "TREASURY")));
    }

    /// <summary>Runs <see cref="AtCommit"/> just before each commit and keeps what it said.</summary>
    private sealed class CommitProbe : Microsoft.EntityFrameworkCore.Diagnostics.DbTransactionInterceptor
    {
        public Func<bool>? AtCommit { get; set; }

        public List<bool> Seen { get; } = [];

        public override ValueTask<Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult> TransactionCommittingAsync(System.Data.Common.DbTransaction transaction,
            Microsoft.EntityFrameworkCore.Diagnostics.TransactionEventData eventData, Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult result,
            CancellationToken cancellationToken = default)
        {
            if (AtCommit is { } probe) Seen.Add(probe());
            return ValueTask.FromResult(result);
        }
    }

    [Fact]
    public async Task A_read_snapshot_sees_one_state_while_another_context_commits_on_postgres()
    {
        await using var reader = Db();
        for (var round = 1; round <= 2; round++)
        {
            int before;
            await using (await ReadSnapshot.BeginAsync(reader, CancellationToken.None))
            {
                before = await reader.Entries.CountAsync();
                await using (var writer = Db())
                {
                    writer.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = 1, Kind = LedgerEntryKind.Deposit, Reference = $"R-{round}", TransactionHash = "0xtx" });
                    await writer.SaveChangesAsync();
                }
                Assert.Equal(before, await reader.Entries.CountAsync());
            }
            Assert.Null(reader.Database.CurrentTransaction);
            Assert.Equal(before + 1, await reader.Entries.CountAsync());
        }
    }

    [Fact]
    public async Task Ledger_entries_are_append_only_on_postgres()
    {
        await using (var db = Db())
        {
            db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = 500, Kind = LedgerEntryKind.Deposit, Reference = "D-1", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
        }
        await using (var db = Db())
        {
            foreach (var sql in new[] { "UPDATE ledger_entries SET \"AmountMinor\" = 9", "DELETE FROM ledger_entries", "TRUNCATE ledger_entries" })
            {
                var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => db.Database.ExecuteSqlRawAsync(sql));
                Assert.Equal(Npgsql.PostgresErrorCodes.RestrictViolation, refused.SqlState);
            }
        }
        await using var read = Db();
        Assert.Equal((500L, 500L), ((await read.Entries.SingleAsync()).AmountMinor, await SettlementLedger.BalanceAsync(read, "EXP", "USD", CancellationToken.None)));
    }

    [Fact]
    public async Task A_credits_presentations_and_amendments_round_trip_through_their_own_tables()
    {
        // An invoice that failed verification, for 49,000.50, beside a bill of lading whose content is withheld: several discrepancies.
        var invoice = System.Text.Json.Nodes.JsonNode.Parse("""
            { "seller": { "name": "Saigon Coffee JSC" }, "buyer": { "name": "Hamburg Roasters GmbH" }, "currency": "USD", "totalAmount": "49000.5" }
            """)!.AsObject();
        PresentedDocument[] documents =
        [
            new("0x" + new string('a', 64), "commercial-invoice", false, "revoked", invoice),
            new("0x" + new string('b', 64), "bill-of-lading", false, "revoked", null),
        ];
        IReadOnlyList<Discrepancy> discrepancies;
        Guid creditId, presentationId;
        await using (var db = Db())
        {
            var credit = DocumentaryCredit.Apply(Guid.NewGuid(), "LC-PG-1", "IMP", "EXP", "BNK-HSBC", "BNK-VCB", Terms, null, "imp", Now);
            credit.Issue("BNK-HSBC", "0xtx", "hsbc", Now);
            db.Credits.Add(credit);
            db.Entries.Add(new LedgerEntry { Party = "IMP", Currency = "USD", AmountMinor = -5_250_000, Kind = LedgerEntryKind.CreditEscrow, Reference = "LC-PG-1", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
            var presentation = credit.Present(Guid.NewGuid(), "EXP", ["0x" + new string('b', 64), "0x" + new string('a', 64)], new DateOnly(2026, 12, 1), "exp", Now);
            credit.ProposeAmendment("BNK-HSBC", new ProposedTerms(Amount: 51_000m), "price", "hsbc", Now);
            await db.SaveChangesAsync();
            (creditId, presentationId) = (credit.Id, presentation.Id);
        }
        await using (var db = Db())
        {
            var credit = await db.Credits.SingleAsync(c => c.Presentations.Any(p => p.Id == presentationId));
            Assert.True(credit.Examine(presentationId, documents, "examiner", Now));
            discrepancies = credit.Find(presentationId).Discrepancies;
            Assert.True(discrepancies.Count >= 2);
            credit.DecideAmendment(1, accept: false, "EXP", "exp", Now);
            await db.SaveChangesAsync();
        }
        await using (var db = Db())
        {
            var credit = await db.Credits.AsNoTracking().SingleAsync(c => c.Id == creditId);
            var presentation = credit.Find(presentationId);
            Assert.Equal((PresentationStatus.Discrepant, 49_000.5m, new DateOnly(2026, 12, 8)), (presentation.Status, presentation.AmountClaimed, presentation.ExaminationDeadline));
            Assert.Equal(["0x" + new string('b', 64), "0x" + new string('a', 64)], presentation.DocumentHashes);
            Assert.Equal(discrepancies, presentation.Discrepancies);
            Assert.Equal((AmendmentStatus.Rejected, 51_000m, 50_000m), (credit.Amendments.Single().Status, credit.Amendments.Single().Terms.Amount, credit.Terms.Amount));
            Assert.Equal(LedgerEntryKind.CreditEscrow, (await db.Entries.SingleAsync(e => e.Kind == LedgerEntryKind.CreditEscrow)).Kind);
            var log = await db.Transitions.Where(t => t.AggregateType == "presentation" && t.AggregateId == presentationId.ToString())
                .OrderBy(t => t.Sequence).Select(t => t.ToState).ToListAsync();
            Assert.Equal(["Presented", "Verifying", "Discrepant"], log);
        }
    }
}
