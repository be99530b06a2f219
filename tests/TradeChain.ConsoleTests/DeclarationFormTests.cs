using System.Text.Json;
using System.Text.Json.Nodes;
using Bunit;
using Microsoft.AspNetCore.Components;
using TradeChain.Console.Components.Declarations.Form;
using TradeChain.Console.Services;
using TradeChain.Console.Services.Customs.Form;
using TradeChain.Testing;

namespace TradeChain.ConsoleTests;

/// <summary>
/// The declaration form's own logic, without a browser: rows added and removed, the JSON it builds against the customs
/// API's own sample bodies, and each API error path landing at an element the form renders.
/// </summary>
public sealed class DeclarationFormTests : BunitContext
{
    private static readonly string Samples = Path.Combine(TestEnvironment.RepoRoot, "services", "customs", "TradeChain.Customs", "Data", "samples");

    private static readonly CustomsReferenceData Reference = new(
        ["export", "import", "transit"],
        [new("DE", "Germany"), new("VN", "Viet Nam")],
        [new("USD", "US Dollar", 2), new("VND", "Dong", 0)],
        [new("KGM", "kilogram", "mass"), new("NAR", "number of articles", "count")],
        [new("FOB", "Free On Board"), new("CIF", "Cost, Insurance and Freight")],
        [new(1, "sea"), new(4, "air")],
        [new(1, "transaction value"), new(6, "fall-back method")],
        [new("100", "general (MFN) duty"), new("300", "preferential rate claimed")],
        [new("export", "1000", "123"), new("import", "4000", "4567"), new("transit", "8000", "8")],
        ["certificate-of-origin", "commercial-invoice"],
        [new("400122", "Technically specified natural rubber (TSNR)")],
        "VND",
        new DeclarationLimits(999, 35, 512, 30, 1_000_000_000m, 1_000_000_000m, 1_000_000_000_000m));

    public DeclarationFormTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public static TheoryData<string> SampleFiles() =>
        new(Directory.GetFiles(Samples, "*.json").Select(Path.GetFileName).Where(f => f != "expected.json").Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void A_sample_put_into_the_form_is_sent_back_exactly_as_the_API_takes_it(string file)
    {
        var text = File.ReadAllText(Path.Combine(Samples, file));
        var (request, error) = DeclarationFile.Parse(text);
        Assert.Null(error);

        var draft = DeclarationDraft.From(request!, out var notes);
        var sent = JsonSerializer.SerializeToNode(draft.ToRequest(), ServiceApi.Json);

        Assert.Empty(notes);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(text), sent), $"sent:\n{sent}\nsample:\n{text}");
    }

    [Fact]
    public void What_is_typed_into_the_form_is_sent_field_for_field()
    {
        var draft = new DeclarationDraft();
        DeclarationRequest? sent = null;
        var cut = RenderForm(draft, p => p.Add(f => f.OnSubmit, () => sent = draft.ToRequest()));
        Type(cut, "localReferenceNumber", "LRN-1");
        Type(cut, "declarationDate", "2026-11-27");
        Type(cut, "officeOfDeclaration", "vnsgn ");
        Type(cut, "incoterm", "FOB");
        Type(cut, FormPaths.InvoiceCurrency, "USD");
        Type(cut, "exporter.name", "ACME Rubber Export JSC");
        Type(cut, "exporter.identifier", "VN0312345678");
        Type(cut, "exporter.country", "VN");
        Type(cut, "importer.name", "Nordsee Reifenwerke GmbH");
        Type(cut, "importer.identifier", "DE123456789012345");
        Type(cut, "importer.country", "DE");
        Type(cut, "consignment.transportMode", "1");
        Type(cut, "consignment.meansOfTransport", "MAERSK SELETAR 245W");
        cut.FindAll("button").Single(b => b.TextContent == "Add a container").Click();
        Type(cut, "consignment.containers[0]", "csqu3054383");
        Type(cut, "consignment.placeOfLoading", "VNSGN");
        Type(cut, "consignment.placeOfDischarge", "DEHAM");
        Type(cut, "items[0].hsCode", "40012290");
        Type(cut, "items[0].description", "TSNR SVR 10");
        Type(cut, "items[0].originCountry", "VN");
        Type(cut, "items[0].quantity", "576");
        Type(cut, "items[0].unit", "NAR");
        Type(cut, "items[0].grossMassKg", "20500");
        Type(cut, "items[0].netMassKg", "20160.5");
        Type(cut, "items[0].customsValue", "48000");
        Type(cut, "items[0].procedureCode", "1000");
        cut.FindAll("button").Single(b => b.TextContent == "Add a document by hash").Click();
        Type(cut, "documents[0].type", "certificate-of-origin");
        Type(cut, "documents[0].hash", "0x" + new string('a', 64));
        cut.Find("[data-testid='submit-declaration']").Click();

        var expected = JsonNode.Parse($$"""
            {
              "type": "export", "localReferenceNumber": "LRN-1", "declarationDate": "2026-11-27", "officeOfDeclaration": "VNSGN", "incoterm": "FOB",
              "exporter": { "name": "ACME Rubber Export JSC", "identifier": "VN0312345678", "country": "VN" },
              "importer": { "name": "Nordsee Reifenwerke GmbH", "identifier": "DE123456789012345", "country": "DE" },
              "consignment": { "transportMode": 1, "meansOfTransport": "MAERSK SELETAR 245W", "containers": ["CSQU3054383"], "placeOfLoading": "VNSGN", "placeOfDischarge": "DEHAM" },
              "items": [{
                "itemNumber": 1, "hsCode": "40012290", "description": "TSNR SVR 10", "originCountry": "VN", "quantity": 576, "unit": "NAR",
                "grossMassKg": 20500, "netMassKg": 20160.5, "customsValue": 48000, "currency": "USD", "valuationMethod": 1, "procedureCode": "1000", "preferenceCode": "100"
              }],
              "documents": [{ "type": "certificate-of-origin", "hash": "0x{{new string('a', 64)}}" }]
            }
            """);
        var body = JsonSerializer.SerializeToNode(sent, ServiceApi.Json);
        Assert.True(JsonNode.DeepEquals(expected, body), body?.ToJsonString());
    }

    [Fact]
    public void Item_rows_are_added_and_removed_and_each_error_stays_with_its_row()
    {
        var draft = new DeclarationDraft();
        ApiProblem? problem = null;
        var cut = RenderForm(draft, p => p.Add(f => f.ProblemChanged, (ApiProblem? changed) => problem = changed));
        Assert.DoesNotContain(cut.FindAll("button"), b => b.TextContent.StartsWith("Remove item", StringComparison.Ordinal)); // one item stays

        var add = () => cut.FindAll("button").Single(b => b.TextContent == "Add a goods item").Click();
        add();
        add();
        Assert.Equal(["Item 1", "Item 2", "Item 3"], cut.FindAll("fieldset.item legend").Select(l => l.TextContent));
        Type(cut, "items[1].hsCode", "09011190");
        Type(cut, "items[2].hsCode", "40012290");

        cut.Render(p => p.Add(f => f.Problem, Problem(
            ("items[0].netMassKg", "must not exceed grossMassKg"), ("items[1].hsCode", "09011190 is not in the tariff"),
            ("items[2].netMassKg", "must be greater than 0"), ("items", "at most 999 goods items"))));
        cut.FindAll("button").Single(b => b.TextContent == "Remove item 2").Click();

        Assert.Equal(["Item 1", "Item 2"], cut.FindAll("fieldset.item legend").Select(l => l.TextContent));
        Assert.Equal(["40012290"], draft.Items.Skip(1).Select(i => i.HsCode));
        Assert.Equal("40012290", cut.Find("#f-items-1-hsCode").GetAttribute("value"));
        Assert.Equal(["must not exceed grossMassKg"], ErrorsAt(cut, "items[0].netMassKg"));
        Assert.Equal(["must be greater than 0"], ErrorsAt(cut, "items[1].netMassKg"));
        Assert.Empty(ErrorsAt(cut, "items[1].hsCode"));
        Assert.Equal(["items", "items[0].netMassKg", "items[1].netMassKg"], problem!.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, draft.ToRequest().Items!.Count);
        Assert.Equal([1, 2], draft.ToRequest().Items!.Select(i => i.ItemNumber));
    }

    [Fact]
    public void Every_error_in_the_summary_links_to_an_element_the_form_shows()
    {
        var draft = new DeclarationDraft();
        draft.Consignment.Containers.AddRange([new() { Number = "CSQU3054383" }, new() { Number = "CSQU3054384" }]);
        draft.Documents.Add(new() { Type = "packing-list", Hash = "0x12" });
        var cut = RenderForm(draft, p => p.Add(f => f.Problem, Problem(
            ("localReferenceNumber", "is required, at most 35 characters"),
            ("consignment.containers[1]", "must be an ISO 6346 container number with a correct check digit, e.g. CSQU3054383"),
            ("items[0].netMassKg", "must not exceed grossMassKg"),
            ("items[0].itemNumber", "items must be numbered 1, 2, 3… in order: expected 1"),
            ("items[0].currency", "no EUR exchange rate is valid on the declaration date 2026-11-27"),
            ("documents[0].hash", "must be a 0x-prefixed 32-byte hex hash"),
            ("importer", "is required"),
            ("somethingNew", "a rule the form does not know yet"))));

        var links = cut.FindAll("[data-testid='error-summary'] li");
        Assert.Equal(8, links.Count);
        foreach (var item in links.Where(l => l.GetAttribute("data-path") != "somethingNew"))
        {
            var fragment = item.QuerySelector("a")!.GetAttribute("href")!.Split('#')[1];
            Assert.NotNull(cut.Find($"#{fragment}"));
        }
        // A path the form has no element for is still listed, in words, without a link.
        Assert.Null(links.Single(l => l.GetAttribute("data-path") == "somethingNew").QuerySelector("a"));
        Assert.Equal("true", cut.Find("#f-consignment-containers-1").GetAttribute("aria-invalid"));
        Assert.Null(cut.Find("#f-consignment-containers-0").GetAttribute("aria-invalid"));
        Assert.Equal("true", cut.Find("#f-invoiceCurrency").GetAttribute("aria-invalid"));
        Assert.Contains("f-items-0-netMassKg-error", cut.Find("#f-items-0-netMassKg").GetAttribute("aria-describedby"), StringComparison.Ordinal);
        Assert.Equal(["no EUR exchange rate is valid on the declaration date 2026-11-27"], ErrorsAt(cut, FormPaths.InvoiceCurrency));
    }

    [Theory]
    [InlineData("items[0].netMassKg", "items[0].netMassKg", "f-items-0-netMassKg", "Item 1 › Net mass (kg)")]
    [InlineData("items[0].itemNumber", "items[0]", "f-items-0", "Item 1 › Item number")]
    [InlineData("items[1].currency", "invoiceCurrency", "f-invoiceCurrency", "Item 2 › Invoice currency")]
    [InlineData("consignment.containers[1]", "consignment.containers[1]", "f-consignment-containers-1", "Consignment › Container 2")]
    [InlineData("consignment.containers[7]", "consignment.containers", "f-consignment-containers", "Consignment › Container 8")]
    [InlineData("documents[0].type", "documents[0].type", "f-documents-0-type", "Document 1 › Type")]
    [InlineData("type", "type", "f-type", "Declaration type")]
    [InlineData("exporter", "exporter", "f-exporter", "Exporter")]
    public void An_API_error_path_maps_to_the_field_that_shows_it(string path, string anchor, string id, string label)
    {
        var draft = new DeclarationDraft();
        draft.Items.Add(new());
        draft.Consignment.Containers.AddRange([new(), new()]);
        draft.Documents.Add(new());

        Assert.Equal(anchor, FormPaths.Anchor(path, draft.RenderedPaths(amendment: false)));
        Assert.Equal(id, FormPaths.Id(anchor));
        Assert.Equal(label, FormPaths.Label(path));
    }

    [Fact]
    public void Removing_a_row_drops_its_errors_and_moves_later_rows_errors_up()
    {
        var problem = Problem(("items[0].hsCode", "a"), ("items[1].hsCode", "b"), ("items[2].unit", "c"), ("items[12].unit", "d"),
            ("items", "e"), ("documents[1].hash", "f"));

        var after = FormPaths.WithoutRow(problem, "items", 1)!;

        Assert.Equal(new Dictionary<string, string[]>
        {
            ["items[0].hsCode"] = ["a"], ["items[1].unit"] = ["c"], ["items[11].unit"] = ["d"], ["items"] = ["e"], ["documents[1].hash"] = ["f"],
        }, after.Errors);
        Assert.Equal(problem.Title, after.Title);
    }

    [Fact]
    public void A_reference_number_already_used_is_shown_at_its_field()
    {
        var used = new ApiProblem(409, "Local reference number already used.", "Declaration 42 already has local reference number LRN-1; amend it instead.",
            "lrn-unique-per-declarant", new Dictionary<string, string[]>());

        Assert.Equal(["Declaration 42 already has local reference number LRN-1; amend it instead."], FormPaths.AtFields(used)!.For("localReferenceNumber"));
    }

    [Fact]
    public void A_file_that_is_not_a_declaration_is_refused_with_where_it_went_wrong()
    {
        var (request, error) = DeclarationFile.Parse("""{ "type": "export", "items": [{ "quantity": "many" }] }""");

        Assert.Null(request);
        Assert.Contains("$.items[0].quantity", error, StringComparison.Ordinal);
        Assert.NotNull(DeclarationFile.Parse("[1, 2]").Error);
        Assert.NotNull(DeclarationFile.Parse("{ not json").Error);
    }

    private IRenderedComponent<DeclarationForm> RenderForm(DeclarationDraft draft, Action<ComponentParameterCollectionBuilder<DeclarationForm>> configure) =>
        Render<DeclarationForm>(p =>
        {
            p.Add(f => f.Draft, draft).Add(f => f.Reference, Reference).Add(f => f.OwnDocuments, []);
            configure(p);
        });

    private static void Type(IRenderedComponent<DeclarationForm> cut, string path, string value) => cut.Find($"#{FormPaths.Id(path)}").Change(value);

    private static IReadOnlyList<string> ErrorsAt(IRenderedComponent<DeclarationForm> cut, string path) =>
        cut.FindAll($"#{FormPaths.Id(path)}-error .field-error").Select(e => e.TextContent).ToList();

    private static ApiProblem Problem(params (string Path, string Message)[] errors) =>
        new(400, "The request is not valid.", null, null, errors.GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
}
