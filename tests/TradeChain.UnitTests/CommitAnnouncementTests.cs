using Microsoft.EntityFrameworkCore;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Domain.Credits;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.UnitTests;

/// <summary>
/// What a unit of work announces (the long-poll wake-ups of its records, the workers' wake-up) waits for its commit: a
/// save in an explicit transaction is announced when the transaction commits, and never when it rolls back. Woken
/// earlier, a long-poll read the version unchanged and waited for its next recheck (2 s), and a worker found nothing.
/// </summary>
public sealed class CommitAnnouncementTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    private readonly string _file = Path.Combine(Path.GetTempPath(), $"tradechain-commit-{Guid.NewGuid():N}.db");
    private readonly RecordChanges _changes = new();
    private readonly WorkSignal _signal = new();
    private DbContextOptions<PaymentsDbContext> _options = null!;

    private PaymentsDbContext Db() => new(_options);

    public async Task InitializeAsync()
    {
        _options = new DbContextOptionsBuilder<PaymentsDbContext>().UseServiceDatabase($"Data Source={_file}", workers: _signal, changes: _changes)
            .AddInterceptors(new WorkSignalInterceptor(_signal)).Options;
        await using var db = Db();
        await ServiceDatabase.MigrateAsync(db);
        db.DutyPayments.Add(DutyPayment.Request("DUTY-1", Guid.NewGuid(), "EXP", 720m, "USD", "customs", Now));
        await db.SaveChangesAsync();
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_file);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_transition_saved_in_a_transaction_is_announced_when_it_commits_and_never_when_it_rolls_back()
    {
        using var follower = _changes.Watch(RecordChanges.KeyOf(DutyPayment.RecordType, "DUTY-1"), "EXP")!;
        var worker = _signal.Register();
        await using var db = Db();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            (await db.DutyPayments.SingleAsync()).BeginSettlement("BNK-1", "0xdebtor", "ops", Now);
            await db.SaveChangesAsync();
            Assert.False(follower.Changed.IsCompleted, "announced before the commit: the follower would read the old version");
            Assert.False(await worker.WaitAsync(TimeSpan.Zero, default), "the workers were woken before the commit: they would find nothing");
            await transaction.CommitAsync();
        }
        Assert.True(follower.Changed.IsCompleted);
        Assert.True(await worker.WaitAsync(TimeSpan.Zero, default), "the workers were not woken by the commit");

        var next = follower.NextChange();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            (await db.DutyPayments.SingleAsync()).CompleteSettlement("BNK-1", "ops", Now, "0xtx");
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }
        // A later commit of something else, on the same context, does not announce the rolled-back one.
        db.ChangeTracker.Clear();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = 1, Kind = LedgerEntryKind.Deposit, Reference = "D-1", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        }
        Assert.False(next.IsCompleted, "a rolled-back transition was announced");
        await using var read = Db();
        Assert.Equal(DutyPaymentStatus.Settling, (await read.DutyPayments.AsNoTracking().SingleAsync()).Status);
    }

    [Fact]
    public async Task A_transaction_disposed_without_commit_or_rollback_is_never_announced()
    {
        using var follower = _changes.Watch(RecordChanges.KeyOf(DutyPayment.RecordType, "DUTY-1"), "EXP")!;
        await using var db = Db();
        await using (await db.Database.BeginTransactionAsync())
        {
            (await db.DutyPayments.SingleAsync()).BeginSettlement("BNK-1", "0xdebtor", "ops", Now);
            await db.SaveChangesAsync();
        } // left on a failure: disposed, neither committed nor rolled back by EF's hand
        db.ChangeTracker.Clear();
        await using (var later = await db.Database.BeginTransactionAsync()) // a later transaction of the same context commits
        {
            db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = 1, Kind = LedgerEntryKind.Deposit, Reference = "D-2", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
            await later.CommitAsync();
        }
        Assert.False(follower.Changed.IsCompleted, "the abandoned transaction's transition was announced");
    }

    [Fact]
    public async Task A_transaction_handed_in_after_an_abandoned_one_announces_only_its_own_saves()
    {
        using var abandoned = _changes.Watch(RecordChanges.KeyOf(DutyPayment.RecordType, "DUTY-1"), "EXP")!;
        await using (var setup = Db())
        {
            setup.DutyPayments.Add(DutyPayment.Request("DUTY-2", Guid.NewGuid(), "EXP", 80m, "USD", "customs", Now));
            await setup.SaveChangesAsync();
        }
        using var own = _changes.Watch(RecordChanges.KeyOf(DutyPayment.RecordType, "DUTY-2"), "EXP")!;
        await using var db = Db();
        await using (await db.Database.BeginTransactionAsync())
        {
            (await db.DutyPayments.SingleAsync(p => p.Reference == "DUTY-1")).BeginSettlement("BNK-1", "0xdebtor", "ops", Now);
            await db.SaveChangesAsync();
        } // left on a failure: disposed, neither committed nor rolled back by EF's hand
        db.ChangeTracker.Clear();
        // Within the same use of the context, a transaction begun on the connection and handed to EF (as ReadSnapshot does).
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        await using (var begun = await connection.BeginTransactionAsync())
        {
            await db.Database.UseTransactionAsync(begun);
            (await db.DutyPayments.SingleAsync(p => p.Reference == "DUTY-2")).BeginSettlement("BNK-1", "0xdebtor", "ops", Now);
            await db.SaveChangesAsync();
            await db.Database.CommitTransactionAsync();
        }
        Assert.True(own.Changed.IsCompleted, "the handed-in transaction's own transition was not announced by its commit");
        Assert.False(abandoned.Changed.IsCompleted, "the abandoned transaction's transition was announced by a handed-in transaction's commit");
    }

    [Fact]
    public async Task A_save_outside_a_transaction_is_announced_at_once()
    {
        using var follower = _changes.Watch(RecordChanges.KeyOf(DutyPayment.RecordType, "DUTY-1"), "EXP")!;
        await using var db = Db();
        (await db.DutyPayments.SingleAsync()).BeginSettlement("BNK-1", "0xdebtor", "ops", Now);
        await db.SaveChangesAsync();
        Assert.True(follower.Changed.IsCompleted);
    }

    [Theory]
    [InlineData("saved")]
    [InlineData("committed")]
    [InlineData("rolled back")]
    public async Task A_presentations_transition_wakes_the_followers_of_its_credit_and_of_the_credit_lists_as_well_as_its_own_once_committed(string how)
    {
        var credit = DocumentaryCredit.Apply(Guid.NewGuid(), "LC-9", "IMP", "EXP", "BNK-HSBC", "BNK-VCB", DocumentaryCreditTests.Terms, null, "imp", Now);
        credit.Issue("BNK-HSBC", "0xtx", "hsbc", Now);
        await using (var db = Db())
        {
            db.Credits.Add(credit);
            await db.SaveChangesAsync();
        }
        // A credit's page (its view gathers its presentations), the credits list, and another credit's page.
        using var page = _changes.Watch(RecordChanges.KeyOf(DocumentaryCredit.RecordType, credit.Id.ToString()), "EXP")!;
        using var list = _changes.Watch(ListChanges.AnyOf(DocumentaryCredit.RecordType), "EXP")!;
        using var other = _changes.Watch(RecordChanges.KeyOf(DocumentaryCredit.RecordType, Guid.NewGuid().ToString()), "EXP")!;
        var presentationId = Guid.NewGuid();
        using var own = _changes.Watch(RecordChanges.KeyOf(DocumentaryCredit.PresentationAggregateType, presentationId.ToString()), "EXP")!;

        await using (var db = Db())
        {
            // Presenting records the presentation's transitions only (under its own key), none of the credit's.
            (await db.Credits.SingleAsync(c => c.Id == credit.Id)).Present(presentationId, "EXP", ["0x" + new string('c', 64)], new DateOnly(2026, 12, 1), "exp", Now);
            if (how == "saved") await db.SaveChangesAsync();
            else
            {
                await using var transaction = await db.Database.BeginTransactionAsync();
                await db.SaveChangesAsync();
                Assert.False(page.Changed.IsCompleted || list.Changed.IsCompleted, "announced before the commit");
                if (how == "committed") await transaction.CommitAsync();
                else await transaction.RollbackAsync();
            }
        }
        if (how == "rolled back")
        {
            Assert.False(page.Changed.IsCompleted || list.Changed.IsCompleted || own.Changed.IsCompleted, "a rolled-back presentation was announced");
            return;
        }
        await using (var read = Db())
            Assert.Equal(new[] { DocumentaryCredit.PresentationAggregateType }, await read.Transitions.AsNoTracking().Where(t => t.ToState == "Presented").Select(t => t.AggregateType).ToListAsync());
        Assert.True(own.Changed.IsCompleted, "the presentation's own followers");
        Assert.True(page.Changed.IsCompleted, "the credit's page was not woken by its presentation's transition");
        Assert.True(list.Changed.IsCompleted, "the credits list was not woken by a presentation's transition");
        Assert.False(other.Changed.IsCompleted, "another credit's page was woken");

    }

    [Fact]
    public async Task A_booking_wakes_the_followers_of_the_accounts_it_moves_and_the_accounts_lists_at_its_commit_only()
    {
        using var moved = _changes.Watch(PaymentsDbContext.AccountKey("EXP", "USD"), "EXP")!;
        using var other = _changes.Watch(PaymentsDbContext.AccountKey("EXP-2", "USD"), "EXP-2")!;
        using var lists = _changes.Watch(ListChanges.AnyOf(PaymentsDbContext.AccountRecordType), "BNK-1")!;
        await using var db = Db();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = 5, Kind = LedgerEntryKind.Deposit, Reference = "D-3", TransactionHash = "0xtx" });
            await db.SaveChangesAsync(); // no transition: an account's movements are ledger entries
            Assert.False(moved.Changed.IsCompleted, "announced before the commit");
            await transaction.CommitAsync();
        }
        Assert.True(moved.Changed.IsCompleted, "the account's follower was not woken by its booking");
        Assert.True(lists.Changed.IsCompleted, "the accounts lists were not woken by a booking");
        Assert.False(other.Changed.IsCompleted, "another account's follower was woken");

        // A plain save (no transaction of its own) likewise; a rolled-back one never.
        var next = moved.NextChange();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = 6, Kind = LedgerEntryKind.Deposit, Reference = "D-4", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }
        Assert.False(next.IsCompleted, "a rolled-back booking was announced");
        db.ChangeTracker.Clear();
        db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = 7, Kind = LedgerEntryKind.Deposit, Reference = "D-5", TransactionHash = "0xtx" });
        await db.SaveChangesAsync();
        Assert.True(next.IsCompleted, "a plain save's booking was not announced");
    }

    [Fact]
    public async Task A_mandate_wakes_the_mandates_lists_only_and_an_opening_wakes_the_mandates_and_accounts_lists()
    {
        using var mandates = _changes.Watch(ListChanges.AnyOf(PaymentsDbContext.MandateRecordType), "BNK-1")!;
        using var accounts = _changes.Watch(ListChanges.AnyOf(PaymentsDbContext.AccountRecordType), "BNK-1")!;
        await using var db = Db();
        // A mandate given: its bank's mandates list shows it; it is in no accounts list.
        db.Mandates.Add(new AccountMandate { Party = "EXP", Currency = "USD", Bank = "BNK-1", GrantedAtUnixMs = 1 });
        await db.SaveChangesAsync();
        Assert.True(mandates.Changed.IsCompleted, "the mandates lists were not woken by a mandate");
        Assert.False(accounts.Changed.IsCompleted, "the accounts lists were woken by a mandate");

        // Moved to another bank: the mandates lists again.
        var moved = mandates.NextChange();
        (await db.Mandates.SingleAsync()).GiveTo("BNK-2", accountOpen: false);
        await db.SaveChangesAsync();
        Assert.True(moved.IsCompleted, "the mandates lists were not woken by a mandate moved to another bank");

        // The account opened: both lists (a mandate shows whether its account is open).
        var opened = mandates.NextChange();
        db.Accounts.Add(new SettlementAccount { Party = "EXP", Currency = "USD", Address = "0x01", ServicingBank = "BNK-2", OpenTransactionHash = "0xtx" });
        await db.SaveChangesAsync();
        Assert.True(opened.IsCompleted, "the mandates lists were not woken by an opening");
        Assert.True(accounts.Changed.IsCompleted, "the accounts lists were not woken by an opening");

        // A save of neither wakes neither.
        var (nextMandates, nextAccounts) = (mandates.NextChange(), accounts.NextChange());
        db.Messages.Add(new Iso20022Message { Id = Guid.NewGuid(), MessageType = "camt.054.001.08", Subject = "D-1", Party = "EXP", Xml = "<x/>" });
        await db.SaveChangesAsync();
        Assert.False(nextMandates.IsCompleted, "a save without a mandate or an opening woke the mandates lists");
        Assert.False(nextAccounts.IsCompleted, "a save without a booking or an opening woke the accounts lists");
    }

    [Fact]
    public async Task A_deposit_asked_wakes_the_sender_and_its_decision_wakes_the_request_waiting_for_it()
    {
        using var sender = _changes.Watch(ListChanges.AnyOf(BookingInstruction.RecordType), "payments:booking-sender")!;
        await using var db = Db();
        var asked = BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-1", "clerk", new SettlementAccount { Party = "EXP", Currency = "USD", Address = "0x01", ServicingBank = "BNK-1" }, 500, "DEP-9",
            DateTimeOffset.FromUnixTimeMilliseconds(1));
        using var waiting = _changes.Watch(RecordChanges.KeyOf(BookingInstruction.RecordType, asked.Id.ToString()), "BNK-1")!;
        db.BookingInstructions.Add(asked);
        await db.SaveChangesAsync();
        Assert.True(sender.Changed.IsCompleted, "the deposit sender was not woken by a deposit asked");
        Assert.False(waiting.Changed.IsCompleted, "the request's waiter was woken before the deposit was decided");

        var decided = sender.NextChange();
        asked.MarkBooked("0xtx", DateTimeOffset.FromUnixTimeMilliseconds(2));
        await db.SaveChangesAsync();
        Assert.True(waiting.Changed.IsCompleted, "the request waiting for the deposit was not woken by its booking");
        Assert.False(decided.IsCompleted, "the sender was woken by a decision (nothing new to send)");
    }

    [Fact]
    public async Task A_failed_send_noted_on_a_queued_withdrawal_wakes_neither_the_sender_nor_its_waiting_request()
    {
        using var sender = _changes.Watch(ListChanges.AnyOf(BookingInstruction.RecordType), "payments:booking-sender")!;
        await using var db = Db();
        var asked = BookingInstruction.Ask(LedgerEntryKind.Withdrawal, "BNK-1", "clerk",
            new SettlementAccount { Party = "EXP", Currency = "USD", Address = "0x01", ServicingBank = "BNK-1" }, 500, "WD-9", DateTimeOffset.FromUnixTimeMilliseconds(1));
        db.BookingInstructions.Add(asked);
        await db.SaveChangesAsync();
        Assert.True(sender.Changed.IsCompleted, "the sender was not woken by a withdrawal asked");
        using var waiting = _changes.Watch(RecordChanges.KeyOf(BookingInstruction.RecordType, asked.Id.ToString()), "BNK-1")!;
        var next = sender.NextChange();
        asked.NoteFailure("the chain node or the database failed: connection refused", DateTimeOffset.FromUnixTimeMilliseconds(2));
        await db.SaveChangesAsync();
        Assert.False(next.IsCompleted, "the sender was woken by a failure it noted itself");
        Assert.False(waiting.Changed.IsCompleted, "the request waiting for the withdrawal was woken by a failed send, which decides nothing");
    }

    [Fact]
    public async Task Any_change_of_an_instruction_wakes_its_accounts_list_and_one_asked_again_after_a_refusal_wakes_the_sender()
    {
        await using var db = Db();
        var asked = BookingInstruction.Ask(LedgerEntryKind.Withdrawal, "BNK-1", "clerk",
            new SettlementAccount { Party = "EXP", Currency = "USD", Address = "0x01", ServicingBank = "BNK-1" }, 500, "WD-8", DateTimeOffset.FromUnixTimeMilliseconds(1));
        using var list = _changes.Watch(PaymentsDbContext.InstructionsKey("EXP", "USD"), "BNK-1")!;
        using var otherList = _changes.Watch(PaymentsDbContext.InstructionsKey("EXP", "VND"), "BNK-1")!;
        db.BookingInstructions.Add(asked);
        await db.SaveChangesAsync();
        Assert.True(list.Changed.IsCompleted, "the account's instructions list was not woken by one asked");

        var noted = list.NextChange();
        asked.NoteFailure("the chain node could not be reached or did not answer: sent again once it does", DateTimeOffset.FromUnixTimeMilliseconds(2));
        await db.SaveChangesAsync();
        Assert.True(noted.IsCompleted, "the account's instructions list was not woken by a failed send noted (its row shows it)");

        asked.MarkRefused("contract:ERC20InsufficientBalance", "no funds", DateTimeOffset.FromUnixTimeMilliseconds(3));
        await db.SaveChangesAsync();
        using var sender = _changes.Watch(ListChanges.AnyOf(BookingInstruction.RecordType), "payments:booking-sender")!;
        asked.AskAgain("clerk-2", DateTimeOffset.FromUnixTimeMilliseconds(4));
        await db.SaveChangesAsync();
        Assert.True(sender.Changed.IsCompleted, "the sender was not woken by a refused withdrawal asked again");
        Assert.False(otherList.Changed.IsCompleted, "another account's instructions list was woken");
    }
}