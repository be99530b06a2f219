using Microsoft.EntityFrameworkCore;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Domain.Credits;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;

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

    private readonly DbContextOptions<PaymentsDbContext> _options = new DbContextOptionsBuilder<PaymentsDbContext>()
        .UseServiceDatabase($"{Environment.GetEnvironmentVariable("TRADECHAIN_TEST_POSTGRES")
                     ?? throw new InvalidOperationException("TRADECHAIN_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts PostgreSQL.")};Database=tc_paystore_{Guid.NewGuid():N}")
        .Options;

    private PaymentsDbContext Db() => new(_options, new ServiceIdentity("payments"));

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
    public async Task The_booked_balance_is_summed_by_postgres()
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
