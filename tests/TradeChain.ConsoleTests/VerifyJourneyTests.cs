using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bunit;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using TradeChain.Console;
using TradeChain.Console.Components.Shared;
using TradeChain.Console.Services;
using TradeChain.Console.Services.Verify;
using TradeChain.ConsoleTests.Infrastructure;
using TradeChain.ServiceDefaults.Auth;
using static Microsoft.Playwright.Assertions;

namespace TradeChain.ConsoleTests;

/// <summary>
/// The public verifier, as a visitor who never signs in uses it: a document issued through the documents API, its
/// wrapped file dropped on /verify — genuine, tampered, revoked, partly disclosed — and a transition proof from the
/// document's history checked against the chain, then changed and refused.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class VerifyJourneyTests(ConsoleSystem system, BrowserFixture browser)
{
    private const string Exporter = "EXP-VERIFY-JOURNEY";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_genuine_document_dropped_on_verify_without_signing_in_shows_every_check_valid_and_its_fields_labelled()
    {
        using var exporter = Party(Exporter);
        var (_, file) = await IssueInvoiceAsync(exporter, "INV-VJ-1");
        var page = await browser.NewPageAsync(system.ConsoleUrl);

        await DropAsync(page, "invoice.tt", file);

        await Expect(page.GetByTestId("document-verdict")).ToHaveAttributeAsync("data-valid", "true", new() { Timeout = 60_000 });
        Assert.Equal(0, await page.GetByTestId("whoami").CountAsync()); // nobody signed in
        foreach (var check in new[] { "integrity", "issuance", "revocation", "issuerIdentity" })
            await Expect(Check(page, check)).ToHaveAttributeAsync("data-status", "valid");
        var document = page.GetByTestId("rendered-document");
        await Expect(document.GetByRole(AriaRole.Heading, new() { Name = "Commercial invoice" })).ToBeVisibleAsync();
        await Expect(Field(document, "invoiceNumber")).ToHaveTextAsync("INV-VJ-1");
        await Expect(Label(document, "invoiceNumber")).ToHaveTextAsync("Invoice number");
        await Expect(Field(document, "buyer.name")).ToHaveTextAsync("Hamburg Roasters GmbH");
        await Expect(Label(document, "totalAmount")).ToHaveTextAsync("Total amount");
        Assert.DoesNotContain(":string:", await document.InnerTextAsync()); // salts removed for reading
        await Expect(document).ToContainTextAsync("Issued by EXP-VERIFY-JOURNEY");

        await page.ScreenshotAsync("verify-valid");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
        // The raw JSON is a click away.
        await page.GetByText("The file as JSON").ClickAsync();
        await Expect(page.Locator("details.raw[open] pre")).ToContainTextAsync("SHA3MerkleProof");
    }

    [Fact]
    public async Task A_tampered_copy_shows_integrity_invalid_and_names_the_changed_field()
    {
        using var exporter = Party(Exporter);
        var (_, file) = await IssueInvoiceAsync(exporter, "INV-VJ-2");
        var tampered = JsonNode.Parse(file)!.AsObject();
        var salt = tampered["data"]!["totalAmount"]!.GetValue<string>().Split(':')[0];
        tampered["data"]!["totalAmount"] = $"{salt}:string:95000.00";
        var page = await browser.NewPageAsync(system.ConsoleUrl);

        await DropAsync(page, "invoice-tampered.tt", tampered.ToJsonString());

        await Expect(page.GetByTestId("document-verdict")).ToHaveAttributeAsync("data-valid", "false", new() { Timeout = 60_000 });
        await Expect(Check(page, "integrity")).ToHaveAttributeAsync("data-status", "invalid");
        await Expect(Check(page, "integrity")).ToContainTextAsync("not as issued: totalAmount");
        await Expect(Check(page, "issuance")).ToHaveAttributeAsync("data-status", "valid"); // the root is on chain: the data lies
        await Expect(page.GetByTestId("document-verdict")).ToContainTextAsync("Integrity");
        await Expect(page.GetByTestId("rendered-document")).ToContainTextAsync("did not verify");
        await page.ScreenshotAsync("verify-tampered");
    }

    [Fact]
    public async Task A_revoked_document_shows_when_and_why_it_was_revoked()
    {
        using var exporter = Party(Exporter);
        var (id, file) = await IssueInvoiceAsync(exporter, "INV-VJ-3");
        var revoked = await TradeChain.Cli.TradeChainHttp.RevokeAsync(exporter, system.Services.Documents.BaseAddress, id, "issued in error: wrong consignee");
        var page = await browser.NewPageAsync(system.ConsoleUrl);

        await DropAsync(page, "invoice-revoked.tt", file);

        await Expect(page.GetByTestId("document-verdict")).ToHaveAttributeAsync("data-valid", "false", new() { Timeout = 60_000 });
        await Expect(Check(page, "revocation")).ToHaveAttributeAsync("data-status", "invalid");
        await Expect(Check(page, "revocation")).ToContainTextAsync("issued in error: wrong consignee");
        var facts = page.GetByTestId("revocation");
        await Expect(facts).ToContainTextAsync(revoked["transactionHash"]!.GetValue<string>());
        await Expect(facts).ToContainTextAsync(revoked["blockNumber"]!.ToString());
        await Expect(facts).ToContainTextAsync("issued in error: wrong consignee");
        await Expect(Check(page, "integrity")).ToHaveAttributeAsync("data-status", "valid");
        await page.ScreenshotAsync("verify-revoked");
    }

    [Fact]
    public async Task A_disclosed_copy_verifies_and_marks_its_hidden_fields_hidden()
    {
        using var exporter = Party(Exporter);
        var (id, _) = await IssueInvoiceAsync(exporter, "INV-VJ-4");
        var copy = await PostAsync(exporter, $"documents/{id}/disclosures", new { hide = new[] { "buyer", "totalAmount" } });
        var page = await browser.NewPageAsync(system.ConsoleUrl);

        await DropAsync(page, "invoice-disclosed.tt", copy.ToJsonString());

        await Expect(page.GetByTestId("document-verdict")).ToHaveAttributeAsync("data-valid", "true", new() { Timeout = 60_000 });
        var document = page.GetByTestId("rendered-document");
        await Expect(document.Locator("dd[data-path='totalAmount']")).ToHaveAttributeAsync("data-hidden", "true");
        await Expect(document.Locator("dd[data-path='totalAmount']")).ToHaveTextAsync("hidden by selective disclosure");
        await Expect(document.Locator("dd[data-path='buyer.name']")).ToHaveAttributeAsync("data-hidden", "true");
        await Expect(Label(document, "buyer.name")).ToHaveTextAsync("Name");
        await Expect(Field(document, "invoiceNumber")).ToHaveTextAsync("INV-VJ-4");
        await Expect(page.GetByTestId("hidden-note")).ToContainTextAsync("3 field(s) of this copy are hidden");
        await page.ScreenshotAsync("verify-disclosed");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
    }

    [Fact]
    public async Task A_file_that_is_not_a_document_is_refused_in_words()
    {
        var page = await browser.NewPageAsync(system.ConsoleUrl);
        await DropAsync(page, "notes.txt", "shipment left on Tuesday");
        await Expect(page.GetByTestId("file-error")).ToContainTextAsync("notes.txt is not JSON");

        await page.Locator("#document-file").SetInputFilesAsync(new FilePayload { Name = "empty.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes("{}") });
        await Expect(page.GetByTestId("document-verdict")).ToHaveAttributeAsync("data-valid", "false", new() { Timeout = 60_000 });
        await Expect(Check(page, "integrity")).ToContainTextAsync("not an OpenAttestation v2 wrapped document: data is missing");
    }

    [Fact]
    public async Task A_bill_of_lading_shows_who_holds_its_title_and_who_is_entitled_to_it()
    {
        using var shipper = Party(Exporter);
        var submitted = await PostAsync(shipper, "documents", new
        {
            type = "bill-of-lading", holder = "BNK-VCB", beneficiary = "IMP-NORDSEE",
            content = new
            {
                billOfLadingNumber = "MAEU-VJ-6", carrier = new { name = "Maersk A/S", country = "DK" }, shipper = new { name = "ACME Coffee JSC", country = "VN" },
                consignee = new { name = "TO ORDER" }, portOfLoading = "VNSGN", portOfDischarge = "DEHAM", vessel = "MAERSK SELETAR", shippedOnBoardDate = "2026-11-20",
            },
        });
        var id = submitted["id"]!.GetValue<string>();
        await PollAsync(shipper, $"documents/{id}", d => d["status"]!.GetValue<string>() == "Issued");
        var page = await browser.NewPageAsync(system.ConsoleUrl);

        await DropAsync(page, "bill-of-lading.tt", await shipper.GetStringAsync(Documents($"documents/{id}/wrapped")));

        await Expect(page.GetByTestId("document-verdict")).ToHaveAttributeAsync("data-valid", "true", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("title-holder")).ToContainTextAsync("BNK-VCB");
        await Expect(page.GetByTestId("title-beneficiary")).ToContainTextAsync("IMP-NORDSEE");
        await Expect(page.GetByTestId("title")).ToContainTextAsync("active");
        await Expect(page.GetByTestId("rendered-document").GetByRole(AriaRole.Heading, new() { Name = "Bill of lading" })).ToBeVisibleAsync();
        await Expect(Label(page.GetByTestId("rendered-document"), "portOfLoading")).ToHaveTextAsync("Port of loading");
        await page.ScreenshotAsync("verify-bill-of-lading");
    }

    [Fact]
    public async Task A_transition_proof_from_a_documents_history_checks_against_the_chain_and_a_changed_reason_does_not()
    {
        using var exporter = Party(Exporter);
        var (id, _) = await IssueInvoiceAsync(exporter, "INV-VJ-5");
        var history = await PollAsync(exporter, $"documents/{id}/history",
            h => h["transitions"]!.AsArray() is { Count: > 0 } t && t.All(x => x!["anchor"]!["status"]!.GetValue<string>() == "anchored"));
        var transition = history["transitions"]![0]!.AsObject();
        var page = await browser.NewPageAsync(system.ConsoleUrl);

        // As from a timeline's "Check this proof yourself": the proof arrives prefilled and is checked at once.
        await page.GotoAsync(TransitionWords.VerifyLink(transition.ToJsonString()));
        await Expect(page.GetByTestId("proof-verdict")).ToHaveAttributeAsync("data-valid", "true", new() { Timeout = 60_000 });
        foreach (var step in new[] { "fields", "leaf", "proof", "chain" })
            await Expect(page.GetByTestId("proof-steps").Locator($"li[data-check='{step}']")).ToHaveAttributeAsync("data-status", "valid");
        var anchoring = page.GetByTestId("anchoring");
        await Expect(anchoring).ToContainTextAsync(transition["anchor"]!["blockNumber"]!.ToString());
        await Expect(anchoring).ToContainTextAsync(transition["anchor"]!["transactionHash"]!.GetValue<string>());
        await page.ScreenshotAsync("verify-proof");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());

        var changed = (JsonObject)transition.DeepClone();
        changed["reason"] = "issued on behalf of someone else";
        await page.GetByLabel("Transition JSON").FillAsync(changed.ToJsonString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Check against the chain" }).ClickAsync();
        await Expect(page.GetByTestId("proof-verdict")).ToHaveAttributeAsync("data-valid", "false", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("proof-verdict")).ToContainTextAsync("does not verify");
        var leaf = page.GetByTestId("proof-steps").Locator("li[data-check='leaf']");
        await Expect(leaf).ToHaveAttributeAsync("data-status", "invalid");
        await Expect(leaf).ToContainTextAsync($"reason is \"issued on behalf of someone else\" here but was anchored as \"{transition["reason"]}\"");
        await Expect(page.GetByTestId("proof-steps").Locator("li[data-check='chain']")).ToHaveAttributeAsync("data-status", "invalid");
        await page.ScreenshotAsync("verify-proof-changed");

        await ScreenshotTimelineAsync(page, $"documents/{id}/history");
    }

    /// <summary>
    /// The timeline component over this document's real history, rendered by bUnit with the exporter's own token and
    /// shown in the browser with the console's stylesheets: no page in this part of the console hosts it yet.
    /// </summary>
    private async Task ScreenshotTimelineAsync(IPage page, string path)
    {
        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        // Interactive, as on a console page: the timeline reads its history only in the interactive circuit, not for a prerender.
        context.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        var user = new SignedIn(ConsolePrincipal.Create("le.minh", "le.minh", Roles.Exporter, Exporter, Token(Roles.Exporter, Exporter)));
        var api = new DocumentsApi(new HttpClient { BaseAddress = system.Services.Documents.BaseAddress }, user, new HttpContextAccessor());
        var timeline = context.Render<Timeline>(p => p.Add(t => t.Api, api).Add(t => t.Path, "/" + path).Add(t => t.Version, "Issued"));
        // Until no proof is left pending or unchecked (a chain check that ran out of time is asked again by the timeline itself).
        timeline.WaitForState(() => timeline.FindAll("li.transition") is { Count: > 0 } rows
            && rows.All(li => li.GetAttribute("data-proof") is not ("pending" or "notchecked")), Patience);
        Assert.All(timeline.FindAll("li.transition"), li => Assert.Equal("verified", li.GetAttribute("data-proof")));
        var css = new Uri(system.ConsoleUrl, "app.css");
        var scoped = new Uri(system.ConsoleUrl, "TradeChain.Console.styles.css");
        await page.SetContentAsync($"""
            <!DOCTYPE html><html lang="en"><head><title>Timeline</title><link rel="stylesheet" href="{css}"><link rel="stylesheet" href="{scoped}"></head>
            <body><main><section class="card"><h2>History</h2>{timeline.Markup}</section></main></body></html>
            """);
        await Expect(page.Locator("[data-testid=proof-status]").First).ToContainTextAsync("verified against the chain");
        await page.ScreenshotAsync("timeline");
    }

    private static ILocator Check(IPage page, string name) => page.GetByTestId("document-checks").Locator($"li[data-check='{name}']");

    private static ILocator Field(ILocator document, string path) => document.Locator($"dd[data-path='{path}']");

    private static ILocator Label(ILocator document, string path) => document.Locator($"dt[data-path='{path}']");

    private static async Task DropAsync(IPage page, string name, string json)
    {
        await page.GotoAsync("/verify");
        await Expect(page.Locator("#document-file")).ToBeEnabledAsync(new() { Timeout = 30_000 }); // the page is live
        await page.Locator("#document-file").SetInputFilesAsync(new FilePayload { Name = name, MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(json) });
    }

    /// <summary>Submits an invoice as the exporter, waits until it is issued on chain and returns its id and wrapped file as the API hands it out.</summary>
    private async Task<(string Id, string File)> IssueInvoiceAsync(HttpClient exporter, string number)
    {
        var submitted = await PostAsync(exporter, "documents", new
        {
            type = "commercial-invoice",
            content = new
            {
                invoiceNumber = number, seller = new { name = "ACME Coffee JSC", country = "VN" }, buyer = new { name = "Hamburg Roasters GmbH", country = "DE" },
                totalAmount = "48000.00", currency = "USD", incoterm = "FOB",
            },
        });
        var id = submitted["id"]!.GetValue<string>();
        await PollAsync(exporter, $"documents/{id}", d => d["status"]!.GetValue<string>() == "Issued");
        return (id, await exporter.GetStringAsync(Documents($"documents/{id}/wrapped")));
    }

    private Uri Documents(string path) => new(system.Services.Documents.BaseAddress, path);

    private static string Token(string role, string party) =>
        DevelopmentTokens.Mint(new AuthOptions { SigningKey = DevelopmentTokens.DevelopmentSigningKey }, "le.minh", role, party, TimeSpan.FromHours(1));

    private static HttpClient Party(string party)
    {
        var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(Roles.Exporter, party));
        return client;
    }

    private async Task<JsonObject> PostAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(Documents(path), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}\n{system.Diagnostics}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private async Task<JsonObject> PollAsync(HttpClient client, string path, Func<JsonObject, bool> done)
    {
        var last = "";
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < Patience; await Task.Delay(250))
        {
            using var response = await client.GetAsync(Documents(path));
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode && JsonNode.Parse(last) is JsonObject node && done(node)) return node;
        }
        throw new Xunit.Sdk.XunitException($"GET {path} did not reach the expected state within {Patience.TotalSeconds} s; last: {last}\n{system.Diagnostics}");
    }

    private sealed class SignedIn(System.Security.Claims.ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }
}
