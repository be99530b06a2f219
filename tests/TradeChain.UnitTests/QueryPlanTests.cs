using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Application;
using TradeChain.Documents.Infrastructure;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.UnitTests;

/// <summary>
/// Queries a service runs at every commit, or for one record, find their rows by an index that holds those rows — never by
/// reading every record of a status, which grows with the service's history. Checked as SQLite plans them (EXPLAIN QUERY
/// PLAN of the SQL EF sends) on the migrated schema; with no statistics gathered (the services run no ANALYZE), the plan
/// does not depend on the rows, so it is the plan every SQLite deployment gets. PostgreSQL's planner (Kubernetes) keeps
/// statistics and plans by them: not checked here.
/// </summary>
public sealed class QueryPlanTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tradechain-plans-" + Guid.NewGuid().ToString("N"));
    private DocumentsDbContext _documents = default!;
    private PaymentsDbContext _payments = default!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _documents = new DocumentsDbContext(new DbContextOptionsBuilder<DocumentsDbContext>()
            .UseServiceDatabase($"Data Source={Path.Combine(_dir, "documents.db")}").Options);
        await ServiceDatabase.MigrateAsync(_documents);
        _payments = new PaymentsDbContext(new DbContextOptionsBuilder<PaymentsDbContext>()
            .UseServiceDatabase($"Data Source={Path.Combine(_dir, "payments.db")}").Options);
        await ServiceDatabase.MigrateAsync(_payments);
    }

    public async Task DisposeAsync()
    {
        await _documents.DisposeAsync();
        await _payments.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task The_revoker_reads_only_the_documents_whose_revocation_is_asked_not_every_issued_one()
    {
        var plan = await PlanAsync(_documents, SendRevocations.Asked(_documents).Take(SendRevocations.MaxPerRound));
        Assert.Contains("USING INDEX IX_documents_RevocationRequestedAtUnixMs", plan);
        Assert.DoesNotContain("IX_documents_Status", plan);
    }

    [Theory]
    [InlineData("document")]
    [InlineData("batch")]
    public async Task Asking_a_revocation_reads_the_documents_of_its_batch_not_every_issued_one(string scope)
    {
        var plan = await PlanAsync(_documents, AskRevocation.BatchRevocationsAsked(_documents, Guid.NewGuid(), Guid.NewGuid(), scope));
        Assert.Contains("USING INDEX IX_documents_BatchId", plan);
        Assert.DoesNotContain("IX_documents_Status", plan);
        Assert.DoesNotContain("SCAN d", plan);
    }

    [Fact]
    public async Task The_issuer_looks_up_the_batches_not_confirmed_not_every_batch_ever_issued()
    {
        var plan = await PlanAsync(_documents, IssueDocuments.Unconfirmed(_documents, [Guid.NewGuid()]).Take(new IssuanceOptions().MaxBatchSize));
        Assert.Contains("USING INDEX IX_issuance_batches_Confirmed", plan);
        Assert.DoesNotContain("SCAN b", plan);
    }

    [Fact]
    public async Task An_accounts_view_reads_its_queued_bookings_by_the_accounts_index_not_every_instruction_ever_asked()
    {
        var plan = await PlanAsync(_payments, SettlementLedger.Standing(_payments, "EXP", "USD"));
        // Four subqueries over the instructions (two sums, two counts), each by the partial index of those not booked, not by the
        // unique one on (party, kind, reference, currency), which holds every instruction ever asked.
        Assert.Equal(4, plan.Split('\n').Count(step => step.Contains("USING INDEX IX_booking_instructions_Party_Currency_RequestedAtUnixMs")));
        // Each queued instruction's entry (one booked elsewhere meanwhile is not queued): by the entries' unique key.
        Assert.Contains("USING COVERING INDEX IX_ledger_entries_Kind_Reference_Party_Currency (Kind=? AND Reference=? AND Party=? AND Currency=?)", plan);
        // The balance and the entry count: the kept balance row, by its key.
        Assert.Equal(2, plan.Split('\n').Count(step => step.Contains("USING INDEX sqlite_autoindex_account_balances_1 (Party=? AND Currency=?)")));
        Assert.DoesNotContain("SCAN", plan);
    }

    /// <summary>SQLite's plan of <paramref name="query"/>, one step a line.</summary>
    private static async Task<string> PlanAsync<T>(DbContext db, IQueryable<T> query)
    {
        await db.Database.OpenConnectionAsync();
        try
        {
            await using DbCommand command = query.CreateDbCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
            await using var reader = await command.ExecuteReaderAsync();
            var steps = new List<string>();
            while (await reader.ReadAsync()) steps.Add(reader.GetString(reader.GetOrdinal("detail")));
            return string.Join("\n", steps);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
