using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.Customs.Api;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;
using static TradeChain.UnitTests.CustomsFixtures;

namespace TradeChain.UnitTests;

/// <summary>A declaration's versions, verdicts (with their checks) and requested documents live in tables of their own and read back as saved.</summary>
public sealed class CustomsPersistenceTests : IDisposable
{
    private const string Officer = "tran@CUS-VNSGN";
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"tradechain-customs-{Guid.NewGuid():N}.db");
    private readonly ServiceProvider _services;

    public CustomsPersistenceTests() => _services = new ServiceCollection()
        .AddSingleton(new ServiceIdentity("customs"))
        .AddDbContext<CustomsDbContext>(o => o.UseServiceDatabase($"Data Source={_file}"))
        .BuildServiceProvider();

    public void Dispose()
    {
        _services.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    private static readonly JsonSerializerOptions ApiJson = new(JsonSerializerDefaults.Web);

    private static string ApiView(Declaration d) => JsonSerializer.Serialize(DeclarationView.From(d, officer: true), ApiJson);

    private async Task<T> InScopeAsync<T>(Func<CustomsDbContext, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<CustomsDbContext>());
    }

    private Task<Declaration> ChangeAsync(Guid id, Action<Declaration> change) => InScopeAsync(async db =>
    {
        var declaration = await db.Declarations.SingleAsync(d => d.Id == id);
        change(declaration);
        await db.SaveChangesAsync();
        return declaration;
    });

    private Task<Declaration> ReadAsync(Guid id) => InScopeAsync(db => db.Declarations.AsNoTracking().SingleAsync(d => d.Id == id));

    [Fact]
    public async Task Child_collections_are_rows_that_read_back_in_order_and_show_the_same_json()
    {
        var lodged = Lodged(Content(DeclarationType.Export, Item(value: 1_000m)));
        await InScopeAsync(async db =>
        {
            await ServiceDatabase.MigrateAsync(db);
            db.Declarations.Add(lodged);
            return await db.SaveChangesAsync();
        });
        var id = lodged.Id;

        // Amended once (a previous version), verified (verdicts with checks), paid on the yellow lane, then asked for two documents.
        await ChangeAsync(id, d => d.Amend(Content(DeclarationType.Export, Item(value: 1_200m)), "invoice corrected", "anh", Now));
        await ChangeAsync(id, d => d.DocumentsVerified(AllValid(d), _ => (Decision(Lane.Yellow), Notice(500m)), Now));
        await ChangeAsync(id, d => d.RecordPayment(d.PaymentReference!, 500m, "VND", "BNK", "customs", Now));
        await ChangeAsync(id, d => d.Assign(Officer, Now));
        var asked = await ChangeAsync(id, d => d.RequestDocuments(["packing-list", "bill-of-lading"], "weights and carriage", Officer, Now));

        var read = await ReadAsync(id);
        Assert.Equal(ApiView(asked), ApiView(read));
        Assert.Equal(["packing-list", "bill-of-lading"], read.RequestedDocumentTypes);
        Assert.Equal(1_000m, Assert.Single(read.PreviousVersions).Content.Items[0].CustomsValue);
        Assert.Equal(["integrity"], read.DocumentVerdicts[0].Checks.Select(c => c.Name));

        // A newer verdict on one document replaces its row and goes last; an answered request empties the requested documents.
        var packingList = "0x" + new string('d', 64);
        var billOfLading = "0x" + new string('e', 64);
        await ChangeAsync(id, d => d.SubmitAdditionalDocuments([new AttachedDocument("packing-list", packingList), new AttachedDocument("bill-of-lading", billOfLading)], "anh", Now));
        var resumed = await ChangeAsync(id, d => d.DocumentsVerified([Verdict(d.DocumentHashes[0], "certificate-of-origin", reason: "still issued"),
            Verdict(packingList, "packing-list"), Verdict(billOfLading, "bill-of-lading")], _ => throw new InvalidOperationException(), Now));
        Assert.Equal(DeclarationStatus.UnderDocumentaryCheck, resumed.Status);

        read = await ReadAsync(id);
        Assert.Equal(ApiView(resumed), ApiView(read));
        Assert.Empty(read.RequestedDocumentTypes);
        Assert.Equal([read.DocumentHashes[1], read.DocumentHashes[0], packingList, billOfLading], read.DocumentVerdicts.Select(v => v.Hash));

        var rows = await InScopeAsync(async db => (
            Versions: await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS Value FROM declaration_versions").SingleAsync(),
            Verdicts: await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS Value FROM declaration_document_verdicts").SingleAsync(),
            Checks: await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS Value FROM declaration_verdict_checks").SingleAsync(),
            Requested: await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS Value FROM declaration_requested_documents").SingleAsync()));
        Assert.Equal((1, 4, 4, 0), rows); // replaced verdicts and their checks are deleted, not left behind
    }

    [Fact]
    public async Task A_verdict_kept_without_a_transition_still_checks_the_declarations_version_against_a_concurrent_change()
    {
        var paid = Paid(Lane.Yellow);
        paid.Assign(Officer, Now);
        await InScopeAsync(async db =>
        {
            await ServiceDatabase.MigrateAsync(db);
            db.Declarations.Add(paid);
            return await db.SaveChangesAsync();
        });

        // A late verdict is applied on a read taken before an officer's request for documents commits.
        await using var late = _services.CreateAsyncScope();
        var lateDb = late.ServiceProvider.GetRequiredService<CustomsDbContext>();
        var stale = await lateDb.Declarations.SingleAsync(d => d.Id == paid.Id);
        await ChangeAsync(paid.Id, d => d.RequestDocuments(["packing-list"], "weights need a packing list", Officer, Now));
        var hash = stale.DocumentHashes[0];
        Assert.Equal(VerificationOutcome.NotAwaited, stale.DocumentsVerified([Verdict(hash, "certificate-of-origin", reason: "still issued")],
            _ => throw new InvalidOperationException(), Now));
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => lateDb.SaveChangesAsync());

        // The consumer's retry reads the current state and keeps the verdict beside the officer's request.
        var retried = await ChangeAsync(paid.Id, d => d.DocumentsVerified([Verdict(hash, "certificate-of-origin", reason: "still issued")],
            _ => throw new InvalidOperationException(), Now));
        var read = await ReadAsync(paid.Id);
        Assert.Equal((DeclarationStatus.AwaitingDocuments, "still issued"), (read.Status, read.DocumentVerdicts[^1].Reason));
        Assert.Equal(ApiView(retried), ApiView(read));
    }
}
