using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.Messages;
using TradeChain.Payments.Application;
using TradeChain.Payments.Consumers;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Domain.Credits;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.UnitTests;

/// <summary>
/// The payments database (SQLite) and its consumers on MassTransit's in-memory harness: a credit's presentations and
/// amendments in their own tables, the transition log under each presentation's own key, and the messages that leave
/// the service only through the domain events' mapping into the outbox.
/// </summary>
public sealed class PaymentsStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    private static readonly CreditTerms Terms = DocumentaryCreditTests.Terms;

    private PaymentsDatabase _payments = null!;

    public async Task InitializeAsync() => _payments = await PaymentsDatabase.CreateAsync(x => x.AddConsumer<PresentationVerifiedConsumer>());

    public async Task DisposeAsync() => await _payments.DisposeAsync();

    private Task<T> WithDbAsync<T>(Func<PaymentsDbContext, Task<T>> work) => _payments.WithDbAsync(work);

    /// <summary>An issued credit with one presentation awaiting verification, saved.</summary>
    private async Task<(Guid Credit, Guid Presentation)> PresentedAsync() => await WithDbAsync(async db =>
    {
        var credit = DocumentaryCredit.Apply(Guid.NewGuid(), "LC-1", "IMP", "EXP", "BNK-HSBC", "BNK-VCB", Terms, null, "imp", Now);
        credit.Issue("BNK-HSBC", "0xtx", "hsbc", Now);
        db.Credits.Add(credit);
        await db.SaveChangesAsync();
        var presentation = credit.Present(Guid.NewGuid(), "EXP", ["0x" + new string('a', 64)], new DateOnly(2026, 12, 1), "exp", Now);
        await db.SaveChangesAsync();
        return (credit.Id, presentation.Id);
    });

    private static string Invoice(string total) => $$"""
        { "seller": { "name": "Saigon Coffee JSC" }, "buyer": { "name": "Hamburg Roasters GmbH" }, "currency": "USD",
          "totalAmount": "{{total}}", "goodsDescription": "Robusta green coffee beans" }
        """;

    [Fact]
    public async Task A_presentation_asks_for_verification_through_the_outbox_and_is_stored_in_its_own_table()
    {
        var (creditId, presentationId) = await PresentedAsync();

        await WithDbAsync(async db =>
        {
            var request = Assert.Single(await db.Outbox.ToListAsync());
            Assert.Equal(MessageTypes.NameOf(typeof(PresentationDocumentsVerificationRequested)), request.MessageType);
            var sent = System.Text.Json.JsonSerializer.Deserialize<PresentationDocumentsVerificationRequested>(request.Payload, ServiceDbContext.MessageJson)!;
            Assert.Equal((presentationId, "EXP"), (sent.PresentationId, sent.PresenterParty));

            // A real row with a key and its state as a string, found by a query rather than by searching a JSON column.
            var status = await db.Database.SqlQueryRaw<string>("SELECT Status AS Value FROM credit_presentations WHERE Id = {0}", presentationId).SingleAsync();
            Assert.Equal("Verifying", status);
            var found = await db.Credits.SingleAsync(c => c.Presentations.Any(p => p.Id == presentationId));
            Assert.Equal(creditId, found.Id);

            var log = await db.Transitions.Where(t => t.AggregateType == "presentation" && t.AggregateId == presentationId.ToString())
                .OrderBy(t => t.Sequence).Select(t => t.FromState + "->" + t.ToState).ToListAsync();
            Assert.Equal(["new->Presented", "Presented->Verifying"], log);
            return 0;
        });
    }

    [Fact]
    public async Task Verified_documents_are_examined_once_even_when_the_verdict_is_redelivered()
    {
        var (creditId, presentationId) = await PresentedAsync();
        var harness = _payments.Provider.GetRequiredService<ITestHarness>();
        // "Consumed?" answers no once the bus has been idle this long (1.2 s by default): the consumer's database work on a
        // loaded CI machine took longer once. Both waits here end in "yes", so a longer one costs a passing run nothing.
        harness.TestInactivityTimeout = TimeSpan.FromSeconds(15);
        await harness.Start();
        var verified = new PresentationDocumentsVerified(presentationId, true,
            [new DocumentVerdict("0x" + new string('a', 64), true, "commercial-invoice", "issued", ContentJson: Invoice("49000.00"))]);
        var messageId = Guid.NewGuid();

        await harness.Bus.Publish(verified, c => c.MessageId = messageId);
        Assert.True(await harness.Consumed.Any<PresentationDocumentsVerified>(c => c.Context.MessageId == messageId));
        await WaitForAsync(async () => await WithDbAsync(db => db.ProcessedMessages.CountAsync()) == 1);
        // The same verdict again, as a new message: the presentation is examined already and nothing changes — not even
        // an inbox row for the ignored message.
        var again = Guid.NewGuid();
        await harness.Bus.Publish(verified, c => c.MessageId = again);
        Assert.True(await harness.Consumed.Any<PresentationDocumentsVerified>(c => c.Context.MessageId == again));
        Assert.Equal(messageId, (await WithDbAsync(db => db.ProcessedMessages.SingleAsync())).MessageId);

        await WithDbAsync(async db =>
        {
            var credit = await db.Credits.SingleAsync(c => c.Id == creditId);
            var presentation = credit.Find(presentationId);
            Assert.Equal((PresentationStatus.Complying, 49_000m), (presentation.Status, presentation.AmountClaimed));
            Assert.Equal("0x" + new string('a', 64), Assert.Single(presentation.DocumentHashes));
            var log = await db.Transitions.Where(t => t.AggregateType == "presentation" && t.AggregateId == presentationId.ToString())
                .OrderBy(t => t.Sequence).Select(t => t.FromState + "->" + t.ToState).ToListAsync();
            Assert.Equal(["new->Presented", "Presented->Verifying", "Verifying->Complying"], log);
            return 0;
        });
    }

    [Fact]
    public async Task Documents_and_discrepancies_are_rows_kept_in_their_order()
    {
        var (creditId, presentationId) = await PresentedAsync();
        // Twelve documents that failed verification, their content withheld: a discrepancy or more each.
        var documents = Enumerable.Range(1, 12).Select(i => new PresentedDocument($"0x{i:x64}", "commercial-invoice", false, $"revoked {i}", null)).ToList();
        var discrepancies = await WithDbAsync(async db =>
        {
            var credit = await db.Credits.SingleAsync(c => c.Id == creditId);
            Assert.True(credit.Examine(presentationId, documents, "examiner", Now));
            await db.SaveChangesAsync();
            return credit.Find(presentationId).Discrepancies;
        });
        Assert.True(discrepancies.Count >= 12);
        await WithDbAsync(async db =>
        {
            var presentation = (await db.Credits.AsNoTracking().SingleAsync(c => c.Id == creditId)).Find(presentationId);
            Assert.Equal(discrepancies, presentation.Discrepancies);
            Assert.Equal(discrepancies.Count, await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS Value FROM credit_presentation_discrepancies").SingleAsync());
            Assert.Equal(1, await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS Value FROM credit_presentation_documents").SingleAsync());
            return 0;
        });
    }

    [Fact]
    public async Task An_accounts_entries_come_a_page_at_a_time_from_the_latest_and_no_other_accounts_among_them()
    {
        await WithDbAsync(async db =>
        {
            // Interleaved with another currency's and another party's entries.
            for (var i = 1; i <= 5; i++)
            {
                db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = i, Kind = LedgerEntryKind.Deposit, Reference = $"D-{i}", TransactionHash = "0xtx" });
                db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "VND", AmountMinor = i, Kind = LedgerEntryKind.Deposit, Reference = $"V-{i}", TransactionHash = "0xtx" });
                db.Entries.Add(new LedgerEntry { Party = "IMP", Currency = "USD", AmountMinor = i, Kind = LedgerEntryKind.Deposit, Reference = $"I-{i}", TransactionHash = "0xtx" });
                await db.SaveChangesAsync();
            }
            return 0;
        });
        await WithDbAsync(async db =>
        {
            async Task<string[]> Page(int number, int size) =>
                [.. (await SettlementLedger.EntriesPageAsync(db, "EXP", "USD", number, size, CancellationToken.None)).Select(e => e.Reference)];
            Assert.Equal(["D-4", "D-5"], await Page(1, 2)); // the latest, oldest first
            Assert.Equal(["D-2", "D-3"], await Page(2, 2));
            Assert.Equal(["D-1"], await Page(3, 2));
            Assert.Empty(await Page(4, 2));
            Assert.Equal(["D-1", "D-2", "D-3", "D-4", "D-5"], await Page(1, 50));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Page(0, 2));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Page(1, 0));
            return 0;
        });
    }

    [Fact]
    public async Task A_banks_accounts_come_a_page_at_a_time_in_order_each_with_its_booked_balance()
    {
        await WithDbAsync(async db =>
        {
            // Three accounts kept by BNK-A (one with no entries: no balance row), one by BNK-B; entries of another account around them.
            foreach (var (party, currency, bank) in new[] { ("EXP-C", "USD", "BNK-A"), ("EXP-A", "VND", "BNK-A"), ("EXP-A", "USD", "BNK-A"), ("EXP-B", "USD", "BNK-B") })
                db.Accounts.Add(new SettlementAccount { Party = party, Currency = currency, ServicingBank = bank, Address = $"0x{party}{currency}" });
            db.Entries.Add(new LedgerEntry { Party = "EXP-A", Currency = "USD", AmountMinor = 12_550, Kind = LedgerEntryKind.Deposit, Reference = "D-1", TransactionHash = "0xtx" });
            db.Entries.Add(new LedgerEntry { Party = "EXP-A", Currency = "USD", AmountMinor = -550, Kind = LedgerEntryKind.Withdrawal, Reference = "W-1", TransactionHash = "0xtx" });
            db.Entries.Add(new LedgerEntry { Party = "EXP-C", Currency = "USD", AmountMinor = 7, Kind = LedgerEntryKind.Deposit, Reference = "D-2", TransactionHash = "0xtx" });
            db.Entries.Add(new LedgerEntry { Party = "EXP-B", Currency = "USD", AmountMinor = 99, Kind = LedgerEntryKind.Deposit, Reference = "D-3", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
            return 0;
        });
        await WithDbAsync(async db =>
        {
            async Task<string> Page(int number, int size)
            {
                var (page, total) = await SettlementLedger.AccountsPageAsync(db, db.Accounts.Where(a => a.ServicingBank == "BNK-A"), number, size, CancellationToken.None);
                return string.Join(", ", page.Select(r => $"{r.Account.Party}/{r.Account.Currency}={r.BookedMinor}")) + $" of {total}";
            }
            Assert.Equal("EXP-A/USD=12000, EXP-A/VND=0 of 3", await Page(1, 2));
            Assert.Equal("EXP-C/USD=7 of 3", await Page(2, 2));
            Assert.Equal(" of 3", await Page(3, 2));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Page(0, 2));
            return 0;
        });
    }

    [Fact]
    public async Task A_banks_credits_come_a_page_at_a_time_the_latest_first_with_their_presentations_read_along_the_party_indexes()
    {
        var presented = Guid.NewGuid();
        await WithDbAsync(async db =>
        {
            // LC-1 issued by BNK-A, LC-2 advised by it (applied a minute later, with a presentation), LC-3 none of its business.
            var lc1 = DocumentaryCredit.Apply(Guid.NewGuid(), "LC-1", "IMP", "EXP", "BNK-A", "BNK-B", Terms, null, "imp", Now);
            var lc2 = DocumentaryCredit.Apply(Guid.NewGuid(), "LC-2", "IMP", "EXP", "BNK-C", "BNK-A", Terms, null, "imp", Now.AddMinutes(1));
            var lc3 = DocumentaryCredit.Apply(Guid.NewGuid(), "LC-3", "IMP", "EXP", "BNK-C", "BNK-B", Terms, null, "imp", Now.AddMinutes(2));
            lc2.Issue("BNK-C", "0xtx", "c", Now.AddMinutes(1));
            lc2.Present(presented, "EXP", ["0x" + new string('b', 64)], new DateOnly(2026, 12, 1), "exp", Now.AddMinutes(1));
            db.Credits.AddRange(lc1, lc2, lc3);
            await db.SaveChangesAsync();
            return 0;
        });
        await WithDbAsync(async db =>
        {
            var (first, total) = await CreditQueries.ListAsync(db, "BNK-A", 1, 1, CancellationToken.None);
            var (second, _) = await CreditQueries.ListAsync(db, "BNK-A", 2, 1, CancellationToken.None);
            Assert.Equal((2, "LC-2", "LC-1"), (total, first.Single().Number, second.Single().Number));
            Assert.Equal(presented, first.Single().Presentations.Single().Id);
            Assert.Empty((await CreditQueries.ListAsync(db, "BNK-A", 3, 1, CancellationToken.None)).Page);

            // The count and the page find a bank's credits by its party columns' indexes, not by reading every credit.
            var connection = db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync();
            await using var explain = connection.CreateCommand();
            explain.CommandText = "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM credits WHERE ApplicantParty = 'BNK-A' OR BeneficiaryParty = 'BNK-A' " +
                                  "OR IssuingBankParty = 'BNK-A' OR AdvisingBankParty = 'BNK-A'";
            var plan = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync())
                while (await reader.ReadAsync()) plan.Add(reader.GetString(3));
            Assert.Contains(plan, step => step.Contains("IX_credits_IssuingBankParty", StringComparison.Ordinal));
            Assert.Contains(plan, step => step.Contains("IX_credits_AdvisingBankParty", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, step => step.StartsWith("SCAN credits", StringComparison.Ordinal));
            return 0;
        });
    }

    [Fact]
    public async Task The_booked_balance_is_the_sum_of_every_entry_however_many()
    {
        await WithDbAsync(async db =>
        {
            for (var i = 1; i <= 600; i++)
            {
                db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = i % 3 == 0 ? -i : i, Kind = LedgerEntryKind.Deposit, Reference = $"D-{i}", TransactionHash = "0xtx" });
                db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "VND", AmountMinor = 1_000_000, Kind = LedgerEntryKind.Deposit, Reference = $"V-{i}", TransactionHash = "0xtx" });
            }
            await db.SaveChangesAsync();
            return 0;
        });
        var expected = Enumerable.Range(1, 600).Sum(i => i % 3 == 0 ? -(long)i : i);
        await WithDbAsync(async db =>
        {
            Assert.Equal(expected, await SettlementLedger.BalanceAsync(db, "EXP", "USD", CancellationToken.None));
            Assert.Equal(600_000_000L, await SettlementLedger.BalanceAsync(db, "EXP", "VND", CancellationToken.None));
            Assert.Equal(0L, await SettlementLedger.BalanceAsync(db, "IMP", "USD", CancellationToken.None)); // no entries: nothing booked
            Assert.Equal((600L, 600L), ((await SettlementLedger.KeptBalanceAsync(db, "EXP", "USD", CancellationToken.None)).EntryCount,
                (await SettlementLedger.KeptBalanceAsync(db, "EXP", "VND", CancellationToken.None)).EntryCount));
            Assert.Empty(db.ChangeTracker.Entries()); // kept by the database: no entry loaded
            return 0;
        });
        // Booked later, in another unit of work: added to what was there.
        await WithDbAsync(async db =>
        {
            db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = -7, Kind = LedgerEntryKind.Withdrawal, Reference = "W-1", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
            return 0;
        });
        await WithDbAsync(async db =>
        {
            Assert.Equal(expected - 7, await SettlementLedger.BalanceAsync(db, "EXP", "USD", CancellationToken.None));
            Assert.Equal(await db.Entries.Where(e => e.Party == "EXP" && e.Currency == "USD").SumAsync(e => e.AmountMinor), await SettlementLedger.BalanceAsync(db, "EXP", "USD", CancellationToken.None));
            return 0;
        });
    }

    [Fact]
    public async Task A_read_snapshot_sees_one_state_while_another_context_commits_and_ends_cleanly() => await WithDbAsync(async reader =>
    {
        for (var round = 1; round <= 2; round++) // a second snapshot on the same context: the first one ended
        {
            int before;
            await using (await ReadSnapshot.BeginAsync(reader, CancellationToken.None))
            {
                before = await reader.Entries.CountAsync();
                // Another writer is not held off by the snapshot (a BEGIN IMMEDIATE would hold it until the write-lock wait gives up).
                await WithDbAsync(async writer =>
                {
                    writer.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = 1, Kind = LedgerEntryKind.Deposit, Reference = $"R-{round}", TransactionHash = "0xtx" });
                    return await writer.SaveChangesAsync();
                });
                Assert.Equal(before, await reader.Entries.CountAsync());
            }
            Assert.Equal(System.Data.ConnectionState.Closed, reader.Database.GetDbConnection().State); // ended, connection given back
            Assert.Equal(before + 1, await reader.Entries.CountAsync());
        }
        return 0;
    });

    [Fact]
    public async Task Ledger_entries_are_append_only_so_a_balance_cannot_drift_from_them()
    {
        var id = await WithDbAsync(async db =>
        {
            var entry = new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = 500, Kind = LedgerEntryKind.Deposit, Reference = "D-1", TransactionHash = "0xtx" };
            db.Entries.Add(entry);
            await db.SaveChangesAsync();
            return entry.Id;
        });
        await WithDbAsync(async db =>
        {
            var entry = await db.Entries.SingleAsync(e => e.Id == id);
            entry.AmountMinor = 5_000_000;
            var changed = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            Assert.Contains("append-only", changed.InnerException!.Message);
            return 0;
        });
        await WithDbAsync(async db =>
        {
            db.Entries.Remove(await db.Entries.SingleAsync(e => e.Id == id));
            var deleted = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            Assert.Contains("append-only", deleted.InnerException!.Message);
            return 0;
        });
        await WithDbAsync(async db =>
        {
            Assert.Equal(500, (await db.Entries.SingleAsync(e => e.Id == id)).AmountMinor);
            Assert.Equal(500L, await SettlementLedger.BalanceAsync(db, "EXP", "USD", CancellationToken.None));
            return 0;
        });
    }

    [Fact]
    public async Task A_booking_that_would_take_a_balance_beyond_64_bits_is_refused_and_the_balance_stays()
    {
        await WithDbAsync(async db =>
        {
            db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = long.MaxValue - 10, Kind = LedgerEntryKind.Deposit, Reference = "D-1", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
            return 0;
        });
        await WithDbAsync(async db =>
        {
            db.Entries.Add(new LedgerEntry { Party = "EXP", Currency = "USD", AmountMinor = 100, Kind = LedgerEntryKind.Deposit, Reference = "D-2", TransactionHash = "0xtx" });
            var refused = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            Assert.Contains("account balance out of range", refused.InnerException!.Message);
            return 0;
        });
        await WithDbAsync(async db =>
        {
            Assert.Equal((long.MaxValue - 10, 1L), (await SettlementLedger.KeptBalanceAsync(db, "EXP", "USD", CancellationToken.None)) is var b ? (b.BalanceMinor, b.EntryCount) : default);
            Assert.Equal(1, await db.Entries.CountAsync());
            return 0;
        });
    }

    [Fact]
    public async Task Amendments_and_ledger_kinds_round_trip_with_their_stored_names()
    {
        var id = await WithDbAsync(async db =>
        {
            var credit = DocumentaryCredit.Apply(Guid.NewGuid(), "LC-2", "IMP", "EXP", "BNK-HSBC", null, Terms, null, "imp", Now);
            credit.Issue("BNK-HSBC", "0xtx", "hsbc", Now);
            db.Credits.Add(credit);
            credit.ProposeAmendment("BNK-HSBC", new ProposedTerms(Amount: 51_000m), "price", "hsbc", Now);
            db.Entries.Add(new LedgerEntry { Party = "IMP", Currency = "USD", AmountMinor = -5_355_000, Kind = LedgerEntryKind.CreditEscrow, Reference = "LC-2", TransactionHash = "0xtx" });
            await db.SaveChangesAsync();
            return credit.Id;
        });
        await WithDbAsync(async db =>
        {
            var credit = await db.Credits.SingleAsync(c => c.Id == id);
            credit.DecideAmendment(1, accept: true, "EXP", "exp", Now);
            await db.SaveChangesAsync();
            return 0;
        });
        await WithDbAsync(async db =>
        {
            var credit = await db.Credits.AsNoTracking().SingleAsync(c => c.Id == id);
            Assert.Equal((51_000m, AmendmentStatus.Accepted, 50_000m), (credit.Terms.Amount, credit.Amendments.Single().Status, credit.Amendments.Single().Terms.Amount - 1_000m));
            Assert.Equal("accepted", await db.Database.SqlQueryRaw<string>("SELECT Status AS Value FROM credit_amendments").SingleAsync());
            Assert.Equal("credit-escrow", await db.Database.SqlQueryRaw<string>("SELECT Kind AS Value FROM ledger_entries").SingleAsync());
            Assert.Equal(LedgerEntryKind.CreditEscrow, (await db.Entries.SingleAsync(e => e.Kind == LedgerEntryKind.CreditEscrow)).Kind);
            return 0;
        });
    }

    [Fact]
    public async Task A_settled_duty_payment_leaves_for_customs_through_the_outbox_in_the_same_save()
    {
        var declaration = Guid.NewGuid();
        await WithDbAsync(async db =>
        {
            db.DutyPayments.Add(DutyPayment.Request("DUTY-1", declaration, "EXP", 720m, "USD", "customs", Now));
            await db.SaveChangesAsync();
            var payment = await db.DutyPayments.SingleAsync();
            payment.BeginSettlement("BNK-1", "0xdebtor", "ops", Now);
            payment.CompleteSettlement("BNK-1", "ops", Now, "0xtx");
            await db.SaveChangesAsync();
            return 0;
        });
        await WithDbAsync(async db =>
        {
            var message = Assert.Single(await db.Outbox.ToListAsync());
            Assert.Equal(MessageTypes.NameOf(typeof(DutyPaymentSettled)), message.MessageType);
            var settled = System.Text.Json.JsonSerializer.Deserialize<DutyPaymentSettled>(message.Payload, ServiceDbContext.MessageJson)!;
            Assert.Equal(("DUTY-1", declaration, "BNK-1"), (settled.PaymentReference, settled.DeclarationId, settled.SettledByBank));
            return 0;
        });
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline && !await condition();) await Task.Delay(25);
        Assert.True(await condition());
    }
}
