using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.Documents.Application;
using TradeChain.Documents.Consumers;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.UnitTests;

/// <summary>
/// The documents side of the verification conversation on MassTransit's in-memory harness: customs and payments each
/// get their own reply, written to the outbox with the inbox row. The chain is stood in for by <see cref="StubChecks"/>.
/// </summary>
public sealed class DocumentVerificationResponderTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"tradechain-documents-{Guid.NewGuid():N}.db");
    private readonly StubChecks _chain = new();
    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _provider = new ServiceCollection()
            .AddSingleton(new ServiceIdentity("documents"))
            .AddSingleton(TimeProvider.System)
            .AddDbContext<DocumentsDbContext>(o => o.UseServiceDatabase($"Data Source={_file}"))
            .AddSingleton<IDocumentChecks>(_chain)
            .AddScoped<VerifyReferencedDocuments>()
            .AddMassTransitTestHarness(x =>
            {
                x.AddConsumer<DeclarationDocumentsVerificationResponder>();
                x.AddConsumer<PresentationDocumentsVerificationResponder>();
            })
            .BuildServiceProvider(validateScopes: true);
        await using (var scope = _provider.CreateAsyncScope()) await ServiceDatabase.MigrateAsync(scope.ServiceProvider.GetRequiredService<DocumentsDbContext>());
        _harness = _provider.GetRequiredService<ITestHarness>();
        await _harness.Start();
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    private static JsonObject Invoice(string number) => JsonNode.Parse($$"""
        {"invoiceNumber":"{{number}}","seller":{"name":"ACME Coffee JSC","country":"VN"},"totalAmount":"5000.00","currency":"USD"}
        """)!.AsObject();

    private async Task<TradeDocument> IssuedAsync(string owner, string number, IssuanceMethod method = IssuanceMethod.DocumentStore)
    {
        var type = method == IssuanceMethod.TokenRegistry ? "bill-of-lading" : "commercial-invoice";
        var document = TradeDocument.Submit(Guid.NewGuid(), type, owner, OpenAttestationV2.SaltData(Invoice(number)), method, null, null, "anh", Now);
        document.AssignToBatch(Guid.NewGuid(), document.TargetHash, []);
        document.MarkIssued("0xtx", 7, "0xstore", IssueDocuments.Actor, Now);
        await using var scope = _provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DocumentsDbContext>();
        db.Documents.Add(document);
        await db.SaveChangesAsync();
        return document;
    }

    /// <summary>Sends the request (as <paramref name="deliveries"/> deliveries of one message) and returns the replies of type <typeparamref name="TReply"/> now in the outbox.</summary>
    private async Task<List<TReply>> AskAsync<TRequest, TReply>(TRequest request, int deliveries = 1) where TRequest : class
    {
        var messageId = Guid.NewGuid();
        for (var i = 0; i < deliveries; i++)
        {
            await _harness.Bus.Publish(request, ctx => ctx.MessageId = messageId);
            // The harness records a message as consumed once the consumer returned, so its transaction has committed.
            for (var deadline = DateTime.UtcNow.AddSeconds(30); _harness.Consumed.Select<TRequest>(c => c.Context.MessageId == messageId).Count() <= i && DateTime.UtcNow < deadline;)
                await Task.Delay(25);
        }
        await using var scope = _provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DocumentsDbContext>();
        var rows = await db.Outbox.AsNoTracking().Where(m => m.MessageType == typeof(TReply).Name).ToListAsync();
        return rows.Select(r => JsonSerializer.Deserialize<TReply>(r.Payload, ServiceDbContext.MessageJson)!).ToList();
    }

    [Fact]
    public async Task Another_partys_document_is_refused_as_if_it_did_not_exist()
    {
        var theirs = await IssuedAsync("EXP-OTHER", "INV-1");
        var none = "0x" + new string('7', 64);

        var reply = Assert.Single(await AskAsync<DeclarationDocumentsVerificationRequested, DeclarationDocumentsVerified>(
            new(Guid.NewGuid(), "EXP-ACME", [theirs.Hash, none])));
        var presented = Assert.Single(await AskAsync<PresentationDocumentsVerificationRequested, PresentationDocumentsVerified>(
            new(Guid.NewGuid(), "EXP-ACME", [theirs.Hash, none])));

        Assert.False(reply.AllValid);
        foreach (var verdicts in new[] { reply.Verdicts, presented.Verdicts })
        {
            Assert.All(verdicts, v => Assert.Equal((false, null, null), (v.Valid, v.DocumentType, v.ContentJson)));
            // The requester cannot tell another party's document from none at all.
            Assert.Equal(["unknown: no document with this targetHash was issued through TradeChain by EXP-ACME"], verdicts.Select(v => v.Reason).Distinct());
        }
        Assert.Equal(0, _chain.Verifications); // nothing of another party's document is even checked
        Assert.Empty(await ReferencesAsync()); // naming another party's document does not show it to customs officers
    }

    /// <summary>The documents recorded as referenced by declarations (customs officers may read those).</summary>
    private async Task<List<DeclarationReference>> ReferencesAsync()
    {
        await using var scope = _provider.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<DocumentsDbContext>().DeclarationReferences.AsNoTracking().ToListAsync();
    }

    [Fact]
    public async Task The_documents_of_one_request_share_one_moment_for_the_chains_head_and_the_next_request_has_its_own()
    {
        var (invoice, certificate) = (await IssuedAsync("EXP-ACME", "INV-HEAD-1"), await IssuedAsync("EXP-ACME", "INV-HEAD-2"));
        var asked = System.Diagnostics.Stopwatch.GetTimestamp();
        await AskAsync<DeclarationDocumentsVerificationRequested, DeclarationDocumentsVerified>(new(Guid.NewGuid(), "EXP-ACME", [invoice.Hash, certificate.Hash]));
        var afterFirst = System.Diagnostics.Stopwatch.GetTimestamp();
        await AskAsync<DeclarationDocumentsVerificationRequested, DeclarationDocumentsVerified>(new(Guid.NewGuid(), "EXP-ACME", [invoice.Hash]));

        var moments = _chain.HeadReadMoments.ToList();
        Assert.Equal(3, moments.Count);
        // One head read may serve both documents of the first request (one moment), which is after the request came in;
        // the next request's moment is its own, later one: it never takes a read begun before it asked.
        Assert.Equal(moments[0], moments[1]);
        Assert.InRange(moments[0], asked, afterFirst);
        Assert.True(moments[2] > afterFirst);
    }

    [Fact]
    public async Task A_declarations_own_documents_are_recorded_as_referenced_once_and_a_presentation_records_none()
    {
        var mine = await IssuedAsync("EXP-ACME", "INV-REF");
        await IssuedAsync("EXP-ACME", "INV-NOT-DECLARED");
        var declarationId = Guid.NewGuid();

        await AskAsync<PresentationDocumentsVerificationRequested, PresentationDocumentsVerified>(new(Guid.NewGuid(), "EXP-ACME", [mine.Hash]));
        Assert.Empty(await ReferencesAsync());
        await AskAsync<DeclarationDocumentsVerificationRequested, DeclarationDocumentsVerified>(new(declarationId, "EXP-ACME", [mine.Hash]), deliveries: 2);
        // Customs asks again for the same declaration (an amendment, or documents it asked for): nothing recorded twice.
        await AskAsync<DeclarationDocumentsVerificationRequested, DeclarationDocumentsVerified>(new(declarationId, "EXP-ACME", [mine.Hash]));

        var reference = Assert.Single(await ReferencesAsync());
        Assert.Equal((mine.Id, declarationId), (reference.DocumentId, reference.DeclarationId));
    }

    [Fact]
    public async Task A_presentation_verdict_carries_the_documents_content_and_a_declaration_verdict_does_not()
    {
        var mine = await IssuedAsync("EXP-ACME", "INV-2");
        var declarationId = Guid.NewGuid();
        var presentationId = Guid.NewGuid();

        var declared = Assert.Single(await AskAsync<DeclarationDocumentsVerificationRequested, DeclarationDocumentsVerified>(
            new(declarationId, "EXP-ACME", [mine.Hash.ToUpperInvariant().Replace("0X", "0x")])));
        var presented = Assert.Single(await AskAsync<PresentationDocumentsVerificationRequested, PresentationDocumentsVerified>(
            new(presentationId, "EXP-ACME", [mine.Hash])));

        Assert.Equal((declarationId, true), (declared.DeclarationId, declared.AllValid));
        Assert.Equal((mine.Hash, true, "commercial-invoice"), (declared.Verdicts[0].DocumentHash, declared.Verdicts[0].Valid, declared.Verdicts[0].DocumentType));
        Assert.Null(declared.Verdicts[0].ContentJson);
        Assert.Equal((presentationId, true), (presented.PresentationId, presented.AllValid));
        Assert.Equal("INV-2", JsonNode.Parse(presented.Verdicts[0].ContentJson!)!["invoiceNumber"]!.GetValue<string>());
        Assert.Equal(["integrity"], presented.Verdicts[0].Checks!.Select(c => c.Name));
    }

    [Fact]
    public async Task A_bill_of_lading_is_refused_to_a_presenter_that_no_longer_holds_its_title_but_customs_does_not_ask_who_holds_it()
    {
        var bill = await IssuedAsync("EXP-ACME", "BL-1", IssuanceMethod.TokenRegistry);
        _chain.Holder = "0x00000000000000000000000000000000000000b2";

        var presented = Assert.Single(await AskAsync<PresentationDocumentsVerificationRequested, PresentationDocumentsVerified>(
            new(Guid.NewGuid(), "EXP-ACME", [bill.Hash])));
        var declared = Assert.Single(await AskAsync<DeclarationDocumentsVerificationRequested, DeclarationDocumentsVerified>(
            new(Guid.NewGuid(), "EXP-ACME", [bill.Hash])));

        Assert.False(presented.AllValid);
        Assert.Equal("not in the presenter's control: EXP-ACME is not the holder of this bill of lading's title (the holder is 0x00000000000000000000000000000000000000b2)",
            presented.Verdicts[0].Reason);
        Assert.NotNull(presented.Verdicts[0].ContentJson);
        Assert.True(declared.AllValid);
    }

    [Fact]
    public async Task Unknown_and_malformed_hashes_are_named_and_a_redelivered_request_is_answered_once()
    {
        var request = new DeclarationDocumentsVerificationRequested(Guid.NewGuid(), "EXP-ACME", ["0x" + new string('a', 64), "INV-7"]);

        var reply = Assert.Single(await AskAsync<DeclarationDocumentsVerificationRequested, DeclarationDocumentsVerified>(request, deliveries: 2));

        Assert.Equal(["unknown", "not a 32-byte document hash"], reply.Verdicts.Select(v => v.Reason.Split(':')[0]));
        Assert.All(reply.Verdicts, v => Assert.Null(v.DocumentType));
        await using var scope = _provider.CreateAsyncScope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<DocumentsDbContext>().ProcessedMessages.CountAsync());
    }

    [Fact]
    public async Task A_document_still_waiting_for_issuance_leaves_the_request_unanswered_for_the_bus_to_retry()
    {
        var waiting = TradeDocument.Submit(Guid.NewGuid(), "commercial-invoice", "EXP-ACME", OpenAttestationV2.SaltData(Invoice("INV-3")),
            IssuanceMethod.DocumentStore, null, null, "anh", Now);
        await using (var scope = _provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DocumentsDbContext>();
            db.Documents.Add(waiting);
            await db.SaveChangesAsync();
        }

        await _harness.Bus.Publish(new DeclarationDocumentsVerificationRequested(Guid.NewGuid(), "EXP-ACME", [waiting.Hash]));

        Assert.True(await _harness.Published.Any<Fault<DeclarationDocumentsVerificationRequested>>());
        await using var check = _provider.CreateAsyncScope();
        var after = check.ServiceProvider.GetRequiredService<DocumentsDbContext>();
        Assert.Equal((0, 0), (await after.Outbox.CountAsync(), await after.ProcessedMessages.CountAsync()));
    }

    /// <summary>The chain as the verdict rules see it: every document verifies; a title is held by <see cref="Holder"/> (default: the presenter).</summary>
    private sealed class StubChecks : IDocumentChecks
    {
        private int _verifications;

        public string? Holder { get; set; }

        public int Verifications => Volatile.Read(ref _verifications);

        /// <summary>The moment each verification was told its head read may have begun after, in order.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<long> HeadReadMoments { get; } = new();

        public Task<VerificationReport> VerifyAsync(JsonObject wrapped, long headReadNotBefore, CancellationToken ct)
        {
            Interlocked.Increment(ref _verifications);
            HeadReadMoments.Enqueue(headReadNotBefore);
            return Task.FromResult(new VerificationReport(true, "valid: integrity — as issued", null, null,
                [new VerificationCheck(DocumentVerifier.Integrity, CheckStatus.Valid, "as issued")]));
        }

        public Task<TitleHolding> HoldingAsync(string merkleRoot, string party, CancellationToken ct) =>
            Task.FromResult(Holder is null ? new TitleHolding(true, "0x00000000000000000000000000000000000000a1") : new TitleHolding(false, Holder));
    }
}
