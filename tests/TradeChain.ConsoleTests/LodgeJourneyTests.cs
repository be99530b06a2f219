using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TradeChain.ConsoleTests.Infrastructure;
using TradeChain.Console.Services.Customs.Form;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static Microsoft.Playwright.Assertions;

namespace TradeChain.ConsoleTests;

/// <summary>
/// An exporter lodges and amends declarations through the console's form, against the real services: documents issued
/// through the documents API are picked by the form, customs' validation errors land at their fields, files and samples
/// fill the form, and customs' own record confirms what was lodged.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class LodgeJourneyTests(ConsoleSystem system, BrowserFixture browser)
{
    private static readonly string Samples = Path.Combine(TestEnvironment.RepoRoot, "services", "customs", "TradeChain.Customs", "Data", "samples");

    [Fact]
    public async Task An_exporter_lodges_an_export_declaration_with_two_items_citing_its_own_documents()
    {
        const string party = "EXP-LODGE-FORM";
        using var api = new TradeApi(system, party);
        var certificate = await api.IssueCertificateOfOriginAsync("CO-FORM-1");
        var invoice = await api.IssueDocumentAsync("commercial-invoice", new
        {
            invoiceNumber = "INV-FORM-1", seller = new { name = "ACME Rubber Export JSC", country = "VN" },
            buyer = new { name = "Nordsee Reifenwerke GmbH", country = "DE" }, totalAmount = "60000.00", currency = "USD", incoterm = "FOB",
        });

        var page = await OpenFormAsync(party, "le.minh");
        await Field(page, "localReferenceNumber").FillAsync("LRN-FORM-1");
        await Field(page, "officeOfDeclaration").FillAsync("vnsgn");
        await Field(page, "incoterm").SelectOptionAsync("FOB");
        await Field(page, FormPaths.InvoiceCurrency).SelectOptionAsync("USD");
        await FillPartyAsync(page, "exporter", "ACME Rubber Export JSC", "VN0312345678", "VN");
        await FillPartyAsync(page, "importer", "Nordsee Reifenwerke GmbH", "DE123456789012345", "DE");
        await Field(page, "consignment.transportMode").SelectOptionAsync("1");
        await Field(page, "consignment.meansOfTransport").FillAsync("MAERSK SELETAR 245W");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a container" }).ClickAsync();
        await Field(page, "consignment.containers[0]").FillAsync("CSQU3054383");
        await Field(page, "consignment.placeOfLoading").FillAsync("VNSGN");
        await Field(page, "consignment.placeOfDischarge").FillAsync("DEHAM");
        await FillItemAsync(page, 0, "40012290", "Technically specified natural rubber SVR 10, 576 bales of 35 kg", "576", "NAR", "20500", "20160", "48000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a goods item" }).ClickAsync();
        await Expect(page.GetByTestId("goods-item")).ToHaveCountAsync(2);
        await FillItemAsync(page, 1, "09011190", "Robusta green coffee beans grade 1", "2000", "KGM", "2050", "2000", "12000");
        await page.GetByLabel("Certificate of origin CO-FORM-1").CheckAsync();
        await page.GetByLabel("Commercial invoice INV-FORM-1").CheckAsync();
        await Expect(Field(page, "documents[1].hash")).ToHaveValueAsync(invoice);
        await page.ScreenshotAsync("declaration-new");

        await page.GetByTestId("submit-declaration").ClickAsync();
        await WaitForDeclarationAsync(page, DeclarationUrl(), "lodged");
        var id = DeclarationUrl().Match(page.Url).Groups["id"].Value;

        // Customs' own record: what the form sent, and the documents it cited verify — the declaration goes on to be assessed.
        var declaration = await api.PollDeclarationAsync(id, d => d["status"]!.GetValue<string>() is "Assessed" or "Rejected");
        Assert.True(declaration["status"]!.GetValue<string>() == "Assessed", declaration.ToJsonString());
        Assert.Equal("LRN-FORM-1", declaration["localReferenceNumber"]!.GetValue<string>());
        Assert.Equal(party, declaration["declarantParty"]!.GetValue<string>());
        var content = declaration["content"]!;
        Assert.Equal("VNSGN", content["officeOfDeclaration"]!.GetValue<string>());
        Assert.Equal(["40012290", "09011190"], content["items"]!.AsArray().Select(i => i!["hsCode"]!.GetValue<string>()));
        Assert.Equal([48000m, 12000m], content["items"]!.AsArray().Select(i => i!["customsValue"]!.GetValue<decimal>()));
        Assert.Equal(["CSQU3054383"], content["consignment"]!["containers"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal([certificate, invoice], content["documents"]!.AsArray().Select(d => d!["hash"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_form_with_several_mistakes_shows_every_error_at_its_field_at_once()
    {
        var page = await OpenFormAsync("EXP-LODGE-MISTAKES", "tran.thi");
        await Field(page, "officeOfDeclaration").FillAsync("VN1GN"); // a digit 1 is not in UN/LOCODE
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a container" }).ClickAsync();
        await Field(page, "consignment.containers[0]").FillAsync("CSQU3054384"); // wrong check digit
        await FillItemAsync(page, 0, "40012290", "Natural rubber", "576", "NAR", "20000", "20160", "48000"); // net above gross
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a goods item" }).ClickAsync();
        await page.GetByTestId("submit-declaration").ClickAsync();

        var summary = page.GetByTestId("error-summary");
        await Expect(summary).ToBeVisibleAsync();
        Assert.EndsWith("/declarations/new", page.Url, StringComparison.Ordinal);
        string[] paths = ["localReferenceNumber", "officeOfDeclaration", "consignment.containers[0]", "items[0].netMassKg", "items[1].hsCode", "exporter.name", "documents"];
        foreach (var path in paths)
        {
            var error = page.Locator($"[data-path='{path}'] .field-error, [id='{FormPaths.Id(path)}'] > .field-error").First;
            await Expect(error).ToBeVisibleAsync();
            await Expect(summary.Locator($"li[data-path='{path}']")).ToHaveCountAsync(1);
        }
        await Expect(page.Locator("[data-path='items[0].netMassKg'] .field-error")).ToContainTextAsync("must not exceed grossMassKg");
        await Expect(Field(page, "items[0].netMassKg")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(Field(page, "consignment.containers[0]")).ToHaveAttributeAsync("aria-invalid", "true");
        await page.ScreenshotAsync("declaration-errors");

        // The summary takes the user to the field.
        await summary.Locator("li[data-path='items[0].netMassKg'] a").ClickAsync();
        await Expect(Field(page, "items[0].netMassKg")).ToBeFocusedAsync();
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());

        // Removing the first item takes its errors with it; the second item's errors move up with it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove item 1" }).ClickAsync();
        await Expect(page.GetByTestId("goods-item")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-path='items[0].hsCode'] .field-error")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-path='items[0].netMassKg'] .field-error")).ToHaveTextAsync("must be greater than 0 and at most 1000000000");
    }

    [Fact]
    public async Task A_declaration_file_or_a_sample_fills_the_form_and_a_refused_file_shows_its_errors_at_the_fields()
    {
        var page = await OpenFormAsync("EXP-LODGE-FILES", "pham.an");
        await page.GetByLabel("Declaration file (JSON)").SetInputFilesAsync(Path.Combine(Samples, "export-timber.json"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Load into the form" }).ClickAsync();
        await Expect(page.GetByTestId("loaded")).ToContainTextAsync("export-timber.json");
        await Expect(Field(page, "localReferenceNumber")).ToHaveValueAsync("SAMPLE-EXP-TIMBER");
        await Expect(Field(page, "exporter.name")).ToHaveValueAsync("Central Highlands Timber JSC");
        await Expect(Field(page, "consignment.containers[0]")).ToHaveValueAsync("MSKU9070323");
        await Expect(Field(page, "items[0].hsCode")).ToHaveValueAsync("44034990");
        await Expect(Field(page, "items[0].unit")).ToHaveValueAsync("MTQ");
        await Expect(Field(page, FormPaths.InvoiceCurrency)).ToHaveValueAsync("USD");
        await Expect(Field(page, "documents[1].hash")).ToHaveValueAsync(new Regex("^0x[0-9a-f]{64}$"));

        // Customs' samples, chosen by name.
        await page.GetByLabel("Sample declaration").SelectOptionAsync("import-wine-eu-preference");
        await page.GetByRole(AriaRole.Button, new() { Name = "Load the sample into the form" }).ClickAsync();
        await Expect(Field(page, "localReferenceNumber")).ToHaveValueAsync("SAMPLE-IMP-WINE");
        await Expect(Field(page, "type")).ToHaveValueAsync("import");
        await Expect(Field(page, "items[0].preferenceCode")).ToHaveValueAsync("300");
        await Expect(page.GetByTestId("loaded")).ToContainTextAsync("attach your own documents");

        // A file with mistakes, lodged as it is: customs refuses it field by field and the form shows where.
        var broken = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Samples, "export-rubber.json")))!;
        broken["localReferenceNumber"] = "LRN-FILE-BROKEN";
        broken["items"]![0]!["netMassKg"] = 99_999;
        broken["consignment"]!["placeOfDischarge"] = "HAMBURG";
        var file = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, broken.ToJsonString());
        await page.GetByLabel("Declaration file (JSON)").SetInputFilesAsync(file);
        await page.GetByTestId("submit-file").ClickAsync();
        await Expect(page.GetByTestId("error-summary")).ToBeVisibleAsync();
        await Expect(Field(page, "localReferenceNumber")).ToHaveValueAsync("LRN-FILE-BROKEN");
        await Expect(page.Locator("[data-path='items[0].netMassKg'] .field-error")).ToContainTextAsync("must not exceed grossMassKg");
        await Expect(page.Locator("[data-path='consignment.placeOfDischarge'] .field-error")).ToContainTextAsync("UN/LOCODE");

        // The same file, corrected, chosen again and lodged as it is: straight to its declaration.
        broken["items"]![0]!["netMassKg"] = 20160;
        broken["consignment"]!["placeOfDischarge"] = "DEHAM";
        await File.WriteAllTextAsync(file, broken.ToJsonString());
        await page.GetByLabel("Declaration file (JSON)").SetInputFilesAsync(file);
        await page.GetByTestId("submit-file").ClickAsync();
        await WaitForDeclarationAsync(page, DeclarationUrl(), "lodged-from-file");
        File.Delete(file);
    }

    [Fact]
    public async Task An_exporter_amends_its_declaration_with_a_reason()
    {
        const string party = "EXP-LODGE-AMEND";
        using var api = new TradeApi(system, party);
        var certificate = await api.IssueCertificateOfOriginAsync("CO-AMEND-1");
        var sample = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Samples, "export-rubber.json")))!;
        sample["localReferenceNumber"] = "LRN-AMEND-1";
        sample["documents"] = new JsonArray(new JsonObject { ["type"] = "certificate-of-origin", ["hash"] = certificate });
        var id = await api.LodgeAsync(sample);
        // Amendable once registered or assessed; wait for the assessment so the amendment does not race verification.
        await api.PollDeclarationAsync(id, d => d["status"]!.GetValue<string>() == "Assessed");

        var page = await browser.NewPageAsync(system.ConsoleUrl);
        await page.SignInAsync("exporter", party, "vo.lan");
        await page.GotoAsync($"/declarations/{id}/amend");
        await WaitForFormAsync(page);
        await Expect(Field(page, "localReferenceNumber")).ToHaveValueAsync("LRN-AMEND-1");
        await Expect(Field(page, "localReferenceNumber")).ToHaveAttributeAsync("readonly", "");
        await Expect(Field(page, "items[0].customsValue")).ToHaveValueAsync("48000");
        await Expect(page.GetByLabel("Certificate of origin CO-AMEND-1")).ToBeCheckedAsync();

        await Field(page, "items[0].customsValue").FillAsync("50000");
        await page.GetByTestId("submit-declaration").ClickAsync();
        await Expect(page.Locator("[data-path='reason'] .field-error")).ToContainTextAsync("reason");
        await Field(page, "reason").FillAsync("contract price revised to 50,000 USD");
        await page.ScreenshotAsync("declaration-amend");
        await page.GetByTestId("submit-declaration").ClickAsync();
        await WaitForDeclarationAsync(page, new Regex($"/declarations/{id}$"), "amended");

        var amended = await api.PollDeclarationAsync(id, d => d["contentVersion"]!.GetValue<int>() == 2);
        Assert.Equal(50000m, amended["content"]!["items"]![0]!["customsValue"]!.GetValue<decimal>());
        Assert.Equal("contract price revised to 50,000 USD", amended["previousVersions"]![0]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_lodge_page_has_no_serious_accessibility_violations()
    {
        var page = await OpenFormAsync("EXP-LODGE-A11Y", "axe.checker");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
    }

    private async Task<IPage> OpenFormAsync(string party, string name)
    {
        var page = await browser.NewPageAsync(system.ConsoleUrl);
        await page.SignInAsync("exporter", party, name);
        await page.GotoAsync("/declarations/new");
        await WaitForFormAsync(page);
        return page;
    }

    private static async Task WaitForFormAsync(IPage page)
    {
        await page.Locator("[data-testid='declaration-form'][data-interactive='true']").WaitForAsync(new() { Timeout = 30_000 });
        // The exporter's documents are listed (or said to be none) once the page has loaded them.
        await page.Locator("[data-testid='document-picker'], #f-documents p.muted:not(:has-text('Loading'))").First.WaitForAsync();
    }

    /// <summary>
    /// After sending the form: waits for its declaration's page, as long as any navigation may take
    /// (<see cref="BrowserFixture.NavigationTimeout"/>, meant for a machine loaded by the other test classes; the address polled,
    /// see <see cref="ConsolePage.ArrivesAtAsync"/>). If it does not come, the failure says what
    /// the page showed instead (the form's errors, a problem) and keeps a screenshot.
    /// </summary>
    private static async Task WaitForDeclarationAsync(IPage page, Regex url, string what)
    {
        try
        {
            await page.ArrivesAtAsync(url);
        }
        catch (PlaywrightException e)
        {
            var shot = await page.ScreenshotAsync($"not-{what}");
            var shown = await page.Locator("main").InnerTextAsync(new() { Timeout = 5_000 });
            throw new TimeoutException($"The form was sent but the declaration's page did not come (still at {page.Url}; screenshot {shot}). The page shows:\n{shown}", e);
        }
    }

    private static ILocator Field(IPage page, string path) => page.Locator($"[id='{FormPaths.Id(path)}']");

    private static async Task FillPartyAsync(IPage page, string party, string name, string identifier, string country)
    {
        await Field(page, $"{party}.name").FillAsync(name);
        await Field(page, $"{party}.identifier").FillAsync(identifier);
        await Field(page, $"{party}.country").SelectOptionAsync(country);
    }

    private static async Task FillItemAsync(IPage page, int index, string hsCode, string description, string quantity, string unit,
        string gross, string net, string value)
    {
        var at = $"items[{index}]";
        await Field(page, $"{at}.hsCode").FillAsync(hsCode);
        await Field(page, $"{at}.description").FillAsync(description);
        await Field(page, $"{at}.originCountry").SelectOptionAsync("VN");
        await Field(page, $"{at}.quantity").FillAsync(quantity);
        await Field(page, $"{at}.unit").SelectOptionAsync(unit);
        await Field(page, $"{at}.grossMassKg").FillAsync(gross);
        await Field(page, $"{at}.netMassKg").FillAsync(net);
        await Field(page, $"{at}.customsValue").FillAsync(value);
    }

    [GeneratedRegex(@"/declarations/(?<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")]
    private static partial Regex DeclarationUrl();

    /// <summary>The services' APIs as the exporter, with its development token: test setup and checks of what the console did.</summary>
    private sealed class TradeApi : IDisposable
    {
        private static readonly AuthOptions Auth = new() { SigningKey = DevelopmentTokens.DevelopmentSigningKey };
        private readonly HttpClient _http = new();
        private readonly ConsoleSystem _system;

        public TradeApi(ConsoleSystem system, string party)
        {
            _system = system;
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                DevelopmentTokens.Mint(Auth, "test-setup", Roles.Exporter, party, TimeSpan.FromHours(1)));
        }

        public Task<string> IssueCertificateOfOriginAsync(string number) => IssueDocumentAsync("certificate-of-origin", new
        {
            certificateNumber = number, exporter = new { name = "ACME Rubber Export JSC", country = "VN" },
            consignee = new { name = "Nordsee Reifenwerke GmbH", country = "DE" }, originCountry = "VN", goodsDescription = "Natural rubber and coffee",
        });

        /// <summary>Submits a document and waits until it is issued on chain; its hash.</summary>
        public async Task<string> IssueDocumentAsync(string type, object content)
        {
            var submitted = await SendAsync(HttpMethod.Post, new Uri(_system.Services.Documents.BaseAddress, "documents"), new { type, content });
            var issued = await PollAsync(new Uri(_system.Services.Documents.BaseAddress, $"documents/{submitted["id"]}"), d => d["status"]!.GetValue<string>() == "Issued");
            return issued["hash"]!.GetValue<string>();
        }

        public async Task<string> LodgeAsync(JsonNode declaration) =>
            (await SendAsync(HttpMethod.Post, new Uri(_system.Services.Customs.BaseAddress, "declarations"), declaration))["id"]!.GetValue<string>();

        public Task<JsonObject> PollDeclarationAsync(string id, Func<JsonObject, bool> done) =>
            PollAsync(new Uri(_system.Services.Customs.BaseAddress, $"declarations/{id}"), done);

        private async Task<JsonObject> SendAsync(HttpMethod method, Uri uri, object? body = null)
        {
            using var request = new HttpRequestMessage(method, uri) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new Xunit.Sdk.XunitException($"{method} {uri}: {(int)response.StatusCode} {text}\n{_system.Diagnostics}");
            return JsonNode.Parse(text)!.AsObject();
        }

        private async Task<JsonObject> PollAsync(Uri uri, Func<JsonObject, bool> done)
        {
            // The bus and the chain take seconds; the deadline only stops a broken run from hanging.
            var deadline = DateTime.UtcNow.AddSeconds(90);
            JsonObject last;
            do
            {
                last = await SendAsync(HttpMethod.Get, uri);
                if (done(last)) return last;
                await Task.Delay(250);
            }
            while (DateTime.UtcNow < deadline);
            throw new Xunit.Sdk.XunitException($"{uri} never reached the expected state: {last.ToJsonString()}\n{_system.Diagnostics}");
        }

        public void Dispose() => _http.Dispose();
    }
}
