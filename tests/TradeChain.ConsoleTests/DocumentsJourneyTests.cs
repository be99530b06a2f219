using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using TradeChain.Cli;
using TradeChain.ConsoleTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TradeChain.ConsoleTests;

/// <summary>
/// An exporter's trade documents in the console, against the real services and chain: submitting through the form
/// generated from each type's schema or as a JSON file, watching issuance arrive, revoking, disclosing with fields
/// hidden, and moving a bill of lading's title to another party. Each journey acts for its own party.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class DocumentsJourneyTests(ConsoleSystem system, BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>The services' recent output, shown when a journey fails.</summary>
    public Task DisposeAsync()
    {
        output.WriteLine(system.Diagnostics);
        return Task.CompletedTask;
    }

    /// <summary>Chain anchoring and the bus take seconds; a document is issued with the next batch.</summary>
    private static readonly LocatorAssertionsToHaveAttributeOptions Anchored = new() { Timeout = 60_000 };

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}";

    private async Task<IPage> SignedInAsync(string party, string role = "exporter", string name = "le.minh")
    {
        var page = await browser.NewPageAsync(system.ConsoleUrl);
        await page.SignInAsync(role, party, name);
        return page;
    }

    private static async Task ChooseTypeAsync(IPage page, string type)
    {
        await page.GotoAsync("/documents/new");
        await page.WaitForInteractiveAsync();
        await page.GetByLabel("Document type").SelectOptionAsync(type);
        await Expect(page.GetByTestId("schema-form")).ToBeVisibleAsync();
    }

    private static ILocator Field(IPage page, string label) => page.GetByTestId("schema-form").GetByLabel(Label(label)).First;

    private static ILocator Field(IPage page, string group, string label) =>
        page.GetByRole(AriaRole.Group, new() { Name = group, Exact = true }).GetByLabel(Label(label)).First;

    /// <summary>A field's label as the form shows it: required ones carry a "*".</summary>
    private static Regex Label(string text) => new($@"^{Regex.Escape(text)}( \*)?$");

    private static async Task FillInvoiceAsync(IPage page, string number, string buyerCountry = "DE")
    {
        await ChooseTypeAsync(page, "commercial-invoice");
        await Field(page, "Invoice number").FillAsync(number);
        await Field(page, "Invoice date").FillAsync("2026-11-20");
        await Field(page, "Seller", "Name").FillAsync("ACME Coffee JSC");
        await Field(page, "Seller", "Country").FillAsync("VN");
        await Field(page, "Buyer", "Name").FillAsync("Hamburg Roasters GmbH");
        await Field(page, "Buyer", "Country").FillAsync(buyerCountry);
        await Field(page, "Currency").FillAsync("USD");
        await Field(page, "Total amount").FillAsync("5000.00");
        await Field(page, "Incoterm").SelectOptionAsync("FOB");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add line item 1" }).ClickAsync();
        await Field(page, "Line item 1", "Description").FillAsync("Robusta green coffee, grade 1");
        await Field(page, "Line item 1", "HS code").FillAsync("090111");
        await Field(page, "Line item 1", "Quantity").FillAsync("2");
        await Field(page, "Line item 1", "Unit price").FillAsync("2500.00");
        await Field(page, "Line item 1", "Amount").FillAsync("5000.00");
    }

    /// <summary>Submits the form and waits for the document's page; returns its id.</summary>
    private static async Task<string> SubmitAsync(IPage page, string button = "Submit for issuance")
    {
        await page.GetByRole(AriaRole.Button, new() { Name = button }).ClickAsync();
        await page.ArrivesAtAsync(DocumentUrl());
        return DocumentUrl().Match(page.Url).Groups[1].Value;
    }

    private static ILocator Issuance(IPage page) => page.GetByTestId("on-chain").GetByTestId("issuance");

    /// <summary>Uploads a whole submission as a JSON file and waits for the document to be issued.</summary>
    private static async Task<string> UploadAsync(IPage page, string json)
    {
        await page.GotoAsync("/documents/new");
        await page.WaitForInteractiveAsync();
        var file = page.GetByLabel("JSON file");
        await Expect(file).ToBeEnabledAsync(); // once the page is interactive
        await file.SetInputFilesAsync(new FilePayload { Name = "document.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(json) });
        var id = await SubmitAsync(page, "Submit the file");
        await Expect(Issuance(page)).ToHaveAttributeAsync("data-status", "Issued", Anchored);
        return id;
    }

    private static string InvoiceJson(string number) => $$$"""
        {"type":"commercial-invoice","content":{"invoiceNumber":"{{{number}}}","seller":{"name":"ACME Coffee JSC","country":"VN"},
          "buyer":{"name":"Hamburg Roasters GmbH","country":"DE"},"totalAmount":"5000.00","currency":"USD","incoterm":"FOB"}}
        """;

    [Fact]
    public async Task An_exporter_submits_a_certificate_of_origin_and_an_invoice_through_the_form_and_sees_them_issued_on_chain()
    {
        var party = Unique("EXP-ACME");
        var page = await SignedInAsync(party);

        await ChooseTypeAsync(page, "certificate-of-origin");
        var certificate = Unique("CO");
        await Field(page, "Certificate number").FillAsync(certificate);
        await Field(page, "Issue date").FillAsync("2026-11-18");
        await Field(page, "Exporter", "Name").FillAsync("ACME Coffee JSC");
        await Field(page, "Exporter", "Country").FillAsync("VN");
        await Field(page, "Consignee", "Name").FillAsync("Hamburg Roasters GmbH");
        await Field(page, "Origin country").FillAsync("VN");
        await Field(page, "Importing country").FillAsync("DE");
        await Field(page, "Goods description").FillAsync("Robusta green coffee beans, 19.2 t in 320 bags");
        await Field(page, "HS code").FillAsync("090111");
        await Field(page, "Preferential scheme").SelectOptionAsync("EVFTA");
        await page.ScreenshotAsync("documents-new");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
        var certificateId = await SubmitAsync(page);

        // Pending, then issued in a block, without reloading the page.
        await Expect(Issuance(page)).ToHaveAttributeAsync("data-status", "Issued", Anchored);
        await Expect(page.GetByTestId("issued-block")).ToHaveTextAsync(new Regex(@"^\d+$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync($"Certificate of origin {certificate}");
        await Expect(page.GetByTestId("content").Locator("dd[data-field='preferentialScheme']")).ToHaveTextAsync("EVFTA");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download the .tt file" })).ToHaveAttributeAsync("href", $"/files/documents/{certificateId}.tt");
        await page.ScreenshotAsync("documents-detail");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());

        var invoice = Unique("INV");
        await FillInvoiceAsync(page, invoice);
        var invoiceId = await SubmitAsync(page);
        await Expect(Issuance(page)).ToHaveAttributeAsync("data-status", "Issued", Anchored);
        await Expect(page.GetByTestId("content")).ToContainTextAsync("Robusta green coffee, grade 1");

        await page.GotoAsync("/documents");
        var rows = page.GetByTestId("documents").Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToContainTextAsync($"Commercial invoice {invoice}");
        await Expect(rows.Nth(1)).ToContainTextAsync($"Certificate of origin {certificate}");
        foreach (var id in new[] { certificateId, invoiceId })
        {
            var status = page.Locator($"tr[data-id='{id}'] [data-testid=issuance]");
            await Expect(status).ToHaveAttributeAsync("data-status", "Issued");
            await Expect(status).ToContainTextAsync(new Regex(@"in block \d+ · tx 0x"));
        }
        await page.ScreenshotAsync("documents-list");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
    }

    [Fact]
    public async Task A_customs_officer_sees_the_documents_a_declaration_cites_read_only_and_no_others()
    {
        var party = Unique("EXP-ACME");
        var exporter = await SignedInAsync(party);
        var unreferenced = await UploadAsync(exporter, InvoiceJson(Unique("INV")));

        // The exporter lodges a declaration citing a certificate of origin and an invoice (through the API, as a client would).
        using var api = CustomsTrade.Client(TradeChain.ServiceDefaults.Auth.Roles.Exporter, party);
        var lrn = CustomsTrade.NewReference("LRN-DOCS");
        await new CustomsTrade(system).LodgeAssessedExportAsync(api, lrn, 20_000m);

        var officer = await SignedInAsync("CUS-VNSGN", "customs-officer", "officer.tran");
        await officer.GotoAsync("/documents");
        await officer.WaitForInteractiveAsync(); // a click on the prerendered page may be lost while the circuit starts
        var cited = officer.Locator("tr[data-id]", new() { HasText = party });
        await Expect(cited).ToHaveCountAsync(2); // the certificate and the invoice the declaration cites
        await Expect(officer.Locator($"tr[data-id='{unreferenced}']")).ToHaveCountAsync(0); // cited by no declaration: not an officer's
        await cited.First.GetByRole(AriaRole.Link).ClickAsync();
        // The document's page reads the document and the declarations citing it: seconds on a loaded CI machine.
        await Expect(officer.GetByTestId("content")).ToContainTextAsync(lrn, new() { Timeout = 30_000 });
        await Expect(officer.GetByTestId("revoke")).ToHaveCountAsync(0);
        await Expect(officer.GetByTestId("disclose")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_bad_country_code_comes_back_from_the_api_beside_its_field_and_in_the_summary()
    {
        var page = await SignedInAsync(Unique("EXP-ACME"));
        await FillInvoiceAsync(page, Unique("INV"), buyerCountry: "de");
        // The browser refuses the lower-case code itself, by the schema's pattern…
        Assert.True(await Field(page, "Buyer", "Country").EvaluateAsync<bool>("e => e.validity.patternMismatch"));
        Assert.True(await page.EvalOnSelectorAllAsync<bool>("[data-testid=schema-form] [pattern]",
            "els => els.length > 0 && els.every(e => { try { new RegExp(e.pattern, 'v'); return true; } catch { return false; } })"),
            "every pattern compiles as the browser compiles it (the v flag)");
        // …so take the patterns away and let the API judge it, as it judges every client.
        await page.EvalOnSelectorAllAsync("[data-testid=schema-form] [pattern]", "els => els.forEach(e => e.removeAttribute('pattern'))");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit for issuance" }).ClickAsync();

        var country = page.Locator(".field[data-path='content.buyer.country']");
        await Expect(country.Locator(".field-error")).ToContainTextAsync("wrong form");
        await Expect(Field(page, "Buyer", "Country")).ToHaveAttributeAsync("aria-invalid", "true");
        var summary = page.GetByTestId("error-summary");
        await Expect(summary.GetByRole(AriaRole.Link, new() { Name = "Buyer › Country" })).ToHaveAttributeAsync("href", new Regex("#field-content-buyer-country$"));
        Assert.EndsWith("/documents/new", page.Url);
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
    }

    [Fact]
    public async Task An_uploaded_json_file_is_submitted_as_it_is_and_issued()
    {
        var page = await SignedInAsync(Unique("EXP-ACME"));
        var invoice = Unique("INV");
        await UploadAsync(page, InvoiceJson(invoice));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync($"Commercial invoice {invoice}");
        await Expect(page.GetByTestId("content").Locator("dd[data-field='buyer.name']")).ToHaveTextAsync("Hamburg Roasters GmbH");

        // A file holding only the content is submitted as the type chosen on the page.
        var certificate = Unique("CO");
        await ChooseTypeAsync(page, "certificate-of-origin");
        await page.GetByLabel("JSON file").SetInputFilesAsync(new FilePayload
        {
            Name = "certificate.json", MimeType = "application/json",
            Buffer = Encoding.UTF8.GetBytes($$$"""
                {"certificateNumber":"{{{certificate}}}","exporter":{"name":"ACME Coffee JSC"},"consignee":{"name":"Hamburg Roasters GmbH"},
                 "originCountry":"VN","goodsDescription":"Robusta green coffee beans"}
                """),
        });
        await SubmitAsync(page, "Submit the file");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync($"Certificate of origin {certificate}");
    }

    [Fact]
    public async Task Revoking_with_a_reason_shows_the_document_revoked_with_that_reason()
    {
        var page = await SignedInAsync(Unique("EXP-ACME"));
        await UploadAsync(page, InvoiceJson(Unique("INV")));

        var revoke = page.GetByTestId("revoke");
        await revoke.GetByRole(AriaRole.Button, new() { Name = "Revoke on chain…" }).ClickAsync();
        await revoke.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke this document" }).ClickAsync();
        await Expect(revoke.Locator("#revoke-reason-error")).ToContainTextAsync("is required");

        await revoke.GetByLabel("Reason for revoking").FillAsync("issued with the wrong total amount");
        await revoke.GetByRole(AriaRole.Button, new() { Name = "Revoke on chain…" }).ClickAsync();
        await revoke.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke this document" }).ClickAsync();
        await Expect(Issuance(page)).ToHaveAttributeAsync("data-status", "Revoked", Anchored);
        await Expect(page.GetByTestId("revocation-reason")).ToHaveTextAsync("issued with the wrong total amount");
        await Expect(page.GetByTestId("revoke")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_disclosure_copy_hides_the_chosen_field_and_still_verifies()
    {
        var page = await SignedInAsync(Unique("EXP-ACME"));
        var invoice = Unique("INV");
        var id = await UploadAsync(page, InvoiceJson(invoice));

        var disclose = page.GetByTestId("disclose");
        await disclose.GetByLabel("Buyer › Name", new() { Exact = true }).CheckAsync();
        await disclose.GetByRole(AriaRole.Button, new() { Name = "Make the copy" }).ClickAsync();

        var result = page.GetByTestId("disclosure-result");
        await Expect(result.GetByRole(AriaRole.Status)).ToContainTextAsync("verifies it: valid");
        await Expect(result.Locator("dd[data-field='buyer.name']")).ToHaveTextAsync("hidden");
        await Expect(result.Locator("dd[data-field='invoiceNumber']")).ToHaveTextAsync(invoice);
        var copy = await result.Locator("details.raw pre").TextContentAsync();
        Assert.DoesNotContain("Hamburg Roasters", copy);
        Assert.Contains("obfuscatedData", copy);

        var download = await page.RunAndWaitForDownloadAsync(() => result.GetByRole(AriaRole.Link, new() { Name = "Download the copy (.tt)" }).ClickAsync());
        Assert.Equal($"{id}-disclosed.tt", download.SuggestedFilename);
        var downloaded = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.DoesNotContain("Hamburg Roasters", downloaded);
        Assert.Contains(invoice, downloaded);
    }

    [Fact]
    public async Task A_bill_of_lading_endorsed_and_handed_to_the_importer_shows_the_importer_as_holder()
    {
        var shipper = Unique("SHIPPER");
        var importer = Unique("IMP");
        var page = await SignedInAsync(shipper);
        await ChooseTypeAsync(page, "bill-of-lading");
        var number = Unique("MAEU");
        await Field(page, "Bill of lading number").FillAsync(number);
        await Field(page, "Carrier", "Name").FillAsync("Maersk A/S");
        await Field(page, "Shipper", "Name").FillAsync("ACME Coffee JSC");
        await Field(page, "Consignee", "Name").FillAsync("TO ORDER");
        await Field(page, "Port of loading").FillAsync("VNSGN");
        await Field(page, "Port of discharge").FillAsync("DEHAM");
        await Field(page, "Vessel").FillAsync("MAERSK SELETAR");
        await Field(page, "Shipped on board date").FillAsync("2026-11-20");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add container 1" }).ClickAsync();
        await Field(page, "Container 1", "Number").FillAsync("CSQU3054383");
        await Expect(page.GetByRole(AriaRole.Checkbox, new() { Name = "Issue as a transferable record" })).ToBeCheckedAsync();
        var id = await SubmitAsync(page);
        await Expect(Issuance(page)).ToHaveAttributeAsync("data-status", "Issued", Anchored);

        // The importer's documents page is open before anything names it: its list of titles follows the registry.
        var other = await SignedInAsync(importer, name: "anna.schmidt");
        await other.GotoAsync("/documents");
        await other.WaitForInteractiveAsync(); // a click on the prerendered page may be lost
        await Expect(other.Locator("#titles-heading").GetByTestId("live-list")).ToHaveCountAsync(1);

        var title = page.GetByTestId("title");
        await Expect(title.GetByTestId("title-holder")).ToHaveTextAsync($"{shipper} (you)", new() { Timeout = 30_000 });
        await title.GetByLabel("Party to endorse the title to").FillAsync(importer);
        await title.GetByRole(AriaRole.Button, new() { Name = "Endorse the title" }).ClickAsync();
        await Expect(title.GetByTestId("title-beneficiary")).ToHaveTextAsync(importer, new() { Timeout = 30_000 });
        await title.GetByLabel("Party to hand the bill to").FillAsync(importer);
        await title.GetByRole(AriaRole.Button, new() { Name = "Hand the bill to another holder" }).ClickAsync();
        await Expect(title.GetByTestId("title-holder")).ToHaveTextAsync(importer, new() { Timeout = 30_000 });
        await Expect(title.GetByTestId("endorsement-chain").Locator("tbody tr")).ToHaveCountAsync(3);
        await page.ScreenshotAsync("documents-title");

        // The importer finds the bill among those whose title names it — on the page it had open, never reloaded — and opens it.
        var listed = other.GetByTestId("titles").Locator($"tr[data-id='{id}']");
        await Expect(listed.GetByTestId("part")).ToHaveTextAsync("holder and beneficiary", new() { Timeout = 30_000 });
        await Expect(listed).ToContainTextAsync(shipper);
        await listed.GetByRole(AriaRole.Link).ClickAsync();
        await other.ArrivesAtAsync(new Regex($"/documents/{id}$"));
        var theirs = other.GetByTestId("title");
        await Expect(theirs.GetByTestId("title-holder")).ToHaveTextAsync($"{importer} (you)");
        await Expect(theirs.GetByTestId("title-beneficiary")).ToHaveTextAsync($"{importer} (you)");
        await Expect(theirs.GetByRole(AriaRole.Button, new() { Name = "Surrender to the issuer" })).ToBeVisibleAsync();
        await Expect(other.GetByTestId("content")).ToHaveCountAsync(0); // the content stays the issuer's
        await other.ScreenshotAsync("documents-title-holder");
        Assert.Empty(await other.SeriousAccessibilityViolationsAsync());

        // Elsewhere (the importer's own system, through the API) the bill is handed on: the shipper's page, open all along
        // and never reloaded, shows the new holder and the step in the endorsement chain.
        var carrierAgent = Unique("AGENT");
        using var importerApi = CustomsTrade.Client(TradeChain.ServiceDefaults.Auth.Roles.Exporter, importer, "anna.schmidt");
        await TradeChainHttp.PostAsync(importerApi, new Uri(system.Services.Documents.BaseAddress, $"documents/{id}/title/transfer-holder"), new { to = carrierAgent });
        await Expect(title.GetByTestId("title-holder")).ToHaveTextAsync(carrierAgent, new() { Timeout = 30_000 });
        await Expect(title.GetByTestId("endorsement-chain").Locator("tbody tr")).ToHaveCountAsync(4);
    }

    [Fact]
    public async Task A_holder_that_keeps_its_key_hands_the_bill_over_by_signing_the_title_step_with_its_browser_wallet()
    {
        // Handing the bill over is the holder's own transaction: its browser wallet signs it, and the title moves.
        var wallet = new BrowserWalletStandIn(null, system.Services.Chain.RpcUrl, ConsoleSystem.AddressOf(ConsoleSystem.SelfSignedTraderKey),
            signsWithoutSending: ConsoleSystem.SelfSignedTraderKey);
        var (_, title) = await HandOverWithWalletAsync(wallet, "Hand the bill to another holder", "wallet-title-step");
        await Expect(title.GetByRole(AriaRole.Status)).ToContainTextAsync(TradeChain.Ledger.DecodedTransaction.Decode(Assert.Single(wallet.Signed)).Hash);
    }

    [Fact]
    public async Task A_holder_whose_wallet_signs_only_by_sending_hands_the_bill_over_by_sending_the_title_step_from_its_wallet()
    {
        // MetaMask: no eth_signTransaction. The wallet sends the prepared title step itself, and the console gives its hash.
        var wallet = new BrowserWalletStandIn(null, system.Services.Chain.RpcUrl, ConsoleSystem.AddressOf(ConsoleSystem.SelfSignedTraderKey),
            sendsWith: ConsoleSystem.SelfSignedTraderKey);
        var (page, title) = await HandOverWithWalletAsync(wallet, "sends it itself, and TradeChain takes it once the chain shows it mined", "wallet-sends-title-step");
        await Expect(title.GetByRole(AriaRole.Status)).ToContainTextAsync(Assert.Single(wallet.Sent));
        Assert.Contains("eth_sendTransaction", wallet.Asked);
        Assert.Empty(wallet.Signed);
        await page.ScreenshotAsync("wallet-sent-title-step");
    }

    /// <summary>
    /// The shipper, which signs its own transactions, has a transferable bill of lading issued and hands it to an importer
    /// in the console with <paramref name="wallet"/>: the signing panel (saying <paramref name="panelSays"/>) is shown and
    /// screenshot, the wallet button clicked, and the title moves. The page and its title panel.
    /// </summary>
    private async Task<(IPage Page, ILocator Title)> HandOverWithWalletAsync(BrowserWalletStandIn wallet, string panelSays, string screenshot)
    {
        var shipper = ConsoleSystem.SelfSignedTrader;
        var importer = Unique("IMP");
        var id = await IssuedBillOfLadingAsync(shipper);
        var page = await SignedInAsync(shipper, name: "own.key");
        await wallet.InstallAsync(page);
        await page.GotoAsync($"/documents/{id}");
        await page.WaitForInteractiveAsync();
        var title = page.GetByTestId("title");
        await Expect(title.GetByTestId("title-holder")).ToHaveTextAsync($"{shipper} (you)", new() { Timeout = 30_000 });
        await title.GetByLabel("Party to hand the bill to").FillAsync(importer);
        await title.GetByRole(AriaRole.Button, new() { Name = "Hand the bill to another holder" }).ClickAsync();
        var signing = title.GetByTestId("step-signing");
        await Expect(signing).ToContainTextAsync(panelSays, new() { Timeout = 30_000 });
        await page.ScreenshotAsync(screenshot);
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
        await signing.GetByTestId("wallet-sign").ClickAsync();
        await Expect(title.GetByTestId("title-holder")).ToHaveTextAsync(importer, new() { Timeout = 30_000 });
        await Expect(title.GetByTestId("step-signing")).ToHaveCountAsync(0);
        return (page, title);
    }

    /// <summary>A transferable bill of lading of <paramref name="shipper"/>, issued on chain (the issuance is the documents service's): its id.</summary>
    private async Task<string> IssuedBillOfLadingAsync(string shipper)
    {
        using var api = TradeChainHttp.Client(new TradeChain.ServiceDefaults.Auth.AuthOptions { SigningKey = TradeChain.ServiceDefaults.Auth.DevelopmentTokens.DevelopmentSigningKey },
            "exporter", shipper, "journey-setup");
        var documents = system.Services.Documents.BaseAddress;
        var submitted = await TradeChainHttp.PostAsync(api, new Uri(documents, "/documents"), new
        {
            type = "bill-of-lading",
            content = new
            {
                billOfLadingNumber = Unique("MAEU"), carrier = new { name = "Maersk A/S" }, shipper = new { name = "ACME Coffee JSC" }, consignee = new { name = "TO ORDER" },
                portOfLoading = "VNSGN", portOfDischarge = "DEHAM", vessel = "MAERSK SELETAR", shippedOnBoardDate = "2026-11-20", goodsDescription = "Robusta green coffee beans",
            },
        });
        var id = submitted["id"]!.GetValue<string>();
        await TradeChainHttp.PollAsync(api, new Uri(documents, $"/documents/{id}"), d => d["status"]!.GetValue<string>() == "Issued", TimeSpan.FromSeconds(60));
        return id;
    }

    [GeneratedRegex(@"/documents/([0-9a-f-]{36})$")]
    private static partial Regex DocumentUrl();
}
