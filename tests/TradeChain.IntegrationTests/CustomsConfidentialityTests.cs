using System.Net;
using System.Text.Json.Nodes;
using TradeChain.Cli;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>One running system for the tests of what customs keeps to itself and what it may see.</summary>
public sealed class CustomsConfidentialityFixture : IAsyncLifetime
{
    public TradeChainSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await TradeChainSystem.StartAsync();

    public async Task DisposeAsync() => await System.DisposeAsync();
}

/// <summary>
/// Through the HTTP API of the real services: an officer's reason for a re-route stays within customs (the declaration
/// and its history alike), and customs officers read only the documents that declarations reference.
/// </summary>
public sealed class CustomsConfidentialityTests(CustomsConfidentialityFixture fixture) : IClassFixture<CustomsConfidentialityFixture>
{
    private const string Exporter = "EXP-CONFIDENTIAL-VN";
    private TradeChainSystem System => fixture.System;

    private Uri Customs(string path) => new(System.Customs.BaseAddress, path);

    private Uri Documents(string path) => new(System.Documents.BaseAddress, path);

    /// <summary>Submits a document and waits for its issuance; returns its id and hash.</summary>
    private async Task<(string Id, string Hash)> IssueAsync(HttpClient exporter, string type, object content)
    {
        var submitted = await Post(exporter, Documents("documents"), new { type, content });
        var issued = await PollStatus(exporter, Documents($"documents/{submitted["id"]}"), "Issued");
        return (issued["id"]!.GetValue<string>(), issued["hash"]!.GetValue<string>());
    }

    private async Task<(string Declaration, string CertificateId, string InvoiceId)> LodgeAssessedAsync(HttpClient exporter, string lrn)
    {
        var co = await IssueAsync(exporter, "certificate-of-origin", CertificateOfOrigin($"CO-{lrn}"));
        var invoice = await IssueAsync(exporter, "commercial-invoice", Invoice($"INV-{lrn}", "250000.00"));
        var lodged = await Post(exporter, Customs("declarations"), GoldenPath.ExportDeclaration(lrn, co.Hash, invoice.Hash, 250_000m));
        var id = lodged["id"]!.GetValue<string>();
        await PollStatus(exporter, Customs($"declarations/{id}"), "Assessed");
        return (id, co.Id, invoice.Id);
    }

    [Fact]
    public async Task An_officers_reason_for_a_reroute_is_hidden_from_the_exporter_in_the_declaration_and_its_history()
    {
        using var exporter = Client(Roles.Exporter, Exporter, "anh");
        using var officer = Client(Roles.CustomsOfficer, "CUS-VNSGN", "tran");
        const string secret = "intelligence report 7731 on the consignee";
        var (id, _, _) = await LodgeAssessedAsync(exporter, "LRN-CONF-REROUTE");

        await Post(officer, Customs($"declarations/{id}/reroute"), new { lane = "Red", reason = secret });

        var seenByExporter = await Get(exporter, Customs($"declarations/{id}"));
        Assert.Equal("Red", seenByExporter["lane"]!.GetValue<string>()); // the exporter knows the lane changed…
        Assert.DoesNotContain(secret, seenByExporter.ToJsonString());     // …not why
        var exportersHistory = await Get(exporter, Customs($"declarations/{id}/history"));
        Assert.DoesNotContain(secret, exportersHistory.ToJsonString());
        var withheld = exportersHistory["transitions"]!.AsArray().Single(t => t!["reasonWithheld"]?.GetValue<bool>() == true)!;
        Assert.StartsWith("re-routed from Yellow to Red by tran@CUS-VNSGN", withheld["reason"]!.GetValue<string>());
        Assert.Null(withheld["canonicalLeafData"]); // it would repeat the reason

        Assert.Contains(secret, (await Get(officer, Customs($"declarations/{id}"))).ToJsonString());
        var officersHistory = await Get(officer, Customs($"declarations/{id}/history"));
        Assert.Contains(officersHistory["transitions"]!.AsArray(), t => t!["reason"]!.GetValue<string>().EndsWith(secret, StringComparison.Ordinal));
        Assert.Equal(exportersHistory["transitions"]!.AsArray().Count, officersHistory["transitions"]!.AsArray().Count);
    }

    [Fact]
    public async Task Customs_officers_read_the_documents_declarations_reference_and_no_others()
    {
        using var exporter = Client(Roles.Exporter, Exporter, "anh");
        using var officer = Client(Roles.CustomsOfficer, "CUS-VNSGN", "tran");
        var unreferenced = await IssueAsync(exporter, "commercial-invoice", Invoice("INV-CONF-PRIVATE", "1000.00"));
        var (_, certificate, invoice) = await LodgeAssessedAsync(exporter, "LRN-CONF-DOCS");

        Assert.Equal("certificate-of-origin", (await Get(officer, Documents($"documents/{certificate}")))["type"]!.GetValue<string>());
        Assert.Equal("commercial-invoice", (await Get(officer, Documents($"documents/{invoice}")))["type"]!.GetValue<string>());
        var (status, problem) = await Send(officer, HttpMethod.Get, Documents($"documents/{unreferenced.Id}"));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(404, problem!["status"]!.GetValue<int>()); // a problem document; the document's existence is not told
        Assert.Equal(HttpStatusCode.NotFound, (await Send(officer, HttpMethod.Get, Documents($"documents/{unreferenced.Id}/wrapped"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(officer, HttpMethod.Get, Documents($"documents/{unreferenced.Id}/history"))).Status);

        var listed = (await Get(officer, Documents("documents?pageSize=200")))["items"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()).ToList();
        Assert.Contains(certificate, listed);
        Assert.DoesNotContain(unreferenced.Id, listed);
        Assert.Equal(HttpStatusCode.OK, (await Send(exporter, HttpMethod.Get, Documents($"documents/{unreferenced.Id}"))).Status); // still its issuer's
    }
}
