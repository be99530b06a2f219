using System.Text.Json.Nodes;
using Bunit;
using TradeChain.Console.Components.Documents;
using TradeChain.Console.Services;
using TradeChain.Console.Services.Documents;
using TradeChain.Testing;

namespace TradeChain.ConsoleTests;

/// <summary>
/// The document form generated from the documents service's own schemas (the files it serves at /documents/schemas/{type}):
/// what it renders, the content it builds and where the API's errors land. No browser or service needed.
/// </summary>
public sealed class SchemaFormTests : IDisposable
{
    private readonly BunitContext _bunit = new();

    public void Dispose() => _bunit.Dispose();

    private static SchemaNode Schema(string type) =>
        SchemaNode.Parse(JsonNode.Parse(File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "services", "documents", "TradeChain.Documents", "Schemas",
            $"{type}.schema.json")))!);

    private IRenderedComponent<SchemaForm> Render(ObjectValue value, ApiProblem? problem = null) =>
        _bunit.Render<SchemaForm>(p => p.Add(f => f.Value, value).Add(f => f.Problem, problem));

    private static ApiProblem Problem(params (string Field, string Message)[] errors) =>
        new(400, "One or more validation errors occurred.", null, null, errors.ToDictionary(e => e.Field, e => new[] { e.Message }, StringComparer.OrdinalIgnoreCase));

    [Fact]
    public void Parties_become_fieldsets_enums_choices_and_every_input_has_its_label_and_the_schema_bounds()
    {
        var form = Render((ObjectValue)SchemaFormValue.For(Schema("commercial-invoice")));

        var buyer = form.Find("fieldset#field-content-buyer");
        Assert.Equal("Buyer *", buyer.QuerySelector("legend")!.TextContent.Trim());
        var country = form.Find("#field-content-buyer-country");
        Assert.Equal("Country", form.Find("label[for=field-content-buyer-country]").TextContent.Trim());
        Assert.Equal("2", country.GetAttribute("maxlength"));
        Assert.Equal("^[A-Z]{2}$", country.GetAttribute("pattern"));
        Assert.Contains("ISO 3166-1 alpha-2 code", form.Find("#field-content-buyer-country-hint").TextContent);
        Assert.False(country.HasAttribute("required")); // optional within the buyer
        Assert.True(form.Find("#field-content-buyer-name").HasAttribute("required"));

        var number = form.Find("#field-content-invoiceNumber");
        Assert.Equal("35", number.GetAttribute("maxlength"));
        Assert.Equal(@"^[A-Za-z0-9][A-Za-z0-9\/._\-]{0,34}$", number.GetAttribute("pattern")); // valid under the browser's "v" flag
        Assert.Equal("20", form.Find("#field-content-totalAmount").GetAttribute("maxlength"));

        var incoterm = form.Find("select#field-content-incoterm");
        Assert.Equal(["", "EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"],
            incoterm.QuerySelectorAll("option").Select(o => o.GetAttribute("value")));
        Assert.Equal("date", form.Find("#field-content-invoiceDate").GetAttribute("type"));
        Assert.Equal("up to 500 characters", form.Find("#field-content-paymentTerms-hint").TextContent.Trim());
        Assert.Equal("textarea", form.Find("#field-content-paymentTerms").TagName.ToLowerInvariant());

        foreach (var input in form.FindAll("input, select, textarea"))
            Assert.Single(form.FindAll($"label[for='{input.Id}']"));
    }

    private static AngleSharp.Dom.IElement Button(IRenderedComponent<SchemaForm> form, string text) =>
        Assert.Single(form.FindAll("button"), b => b.TextContent.Trim() == text);

    [Fact]
    public void Line_items_are_rows_added_and_removed_each_with_its_own_labelled_fields()
    {
        var value = (ObjectValue)SchemaFormValue.For(Schema("commercial-invoice"));
        var form = Render(value);
        Assert.Empty(form.FindAll("[data-path^='content.lineItems.']"));

        Button(form, "Add line item 1").Click();
        Button(form, "Add line item 2").Click();
        Assert.Equal("Line item 2 *", form.Find("fieldset#field-content-lineItems-1 > legend").TextContent.Trim());
        Assert.Equal("number", form.Find("#field-content-lineItems-1-quantity").GetAttribute("type"));
        Assert.True(form.Find("#field-content-lineItems-1-quantity").HasAttribute("required")); // a row the user added must be complete
        Assert.Contains("more than 0", form.Find("#field-content-lineItems-1-quantity-hint").TextContent);
        Assert.Contains("up to 999 rows", form.Find("#field-content-lineItems-hint").TextContent);

        form.Find("#field-content-lineItems-0-description").Input("first");
        form.Find("#field-content-lineItems-1-description").Input("second");
        Button(form, "Remove line item 1").Click();

        var rows = ((ArrayValue)value["lineItems"]).Rows;
        Assert.Equal("second", ((FieldValue)((ObjectValue)Assert.Single(rows))["description"]).Text);
        Assert.Equal("second", form.Find("#field-content-lineItems-0-description").GetAttribute("value"));
        Assert.Empty(form.FindAll("#field-content-lineItems-1-description"));
    }

    [Fact]
    public void The_form_builds_the_content_the_documents_api_expects()
    {
        var value = (ObjectValue)SchemaFormValue.For(Schema("commercial-invoice"));
        var form = Render(value);
        form.Find("#field-content-invoiceNumber").Input("INV-7");
        form.Find("#field-content-seller-name").Input("ACME Coffee JSC");
        form.Find("#field-content-seller-country").Input(" VN ");
        form.Find("#field-content-buyer-name").Input("Hamburg Roasters GmbH");
        form.Find("#field-content-currency").Input("USD");
        form.Find("#field-content-totalAmount").Input("5000.00");
        form.Find("#field-content-incoterm").Change("FOB");
        form.Find("#field-content-invoiceDate").Input("2026-11-20");
        Button(form, "Add line item 1").Click();
        form.Find("#field-content-lineItems-0-description").Input("Robusta green coffee");
        form.Find("#field-content-lineItems-0-quantity").Input("2.5");
        form.Find("#field-content-lineItems-0-unitPrice").Input("2000.00");
        form.Find("#field-content-lineItems-0-amount").Input("5000.00");

        var expected = JsonNode.Parse("""
            {"invoiceNumber":"INV-7","invoiceDate":"2026-11-20","seller":{"name":"ACME Coffee JSC","country":"VN"},
             "buyer":{"name":"Hamburg Roasters GmbH"},"currency":"USD","totalAmount":"5000.00","incoterm":"FOB",
             "lineItems":[{"description":"Robusta green coffee","quantity":2.5,"unitPrice":"2000.00","amount":"5000.00"}]}
            """);
        Assert.True(JsonNode.DeepEquals(expected, value.ToJson()), value.ToJson()!.ToJsonString());
    }

    [Fact]
    public void Empty_optional_parties_are_left_out_while_empty_required_ones_let_the_api_name_their_missing_fields()
    {
        var value = (ObjectValue)SchemaFormValue.For(Schema("bill-of-lading"));
        var form = Render(value);
        Assert.False(form.Find("#field-content-notifyParty-name").HasAttribute("required")); // only if a notify party is given
        Assert.True(form.Find("#field-content-carrier-name").HasAttribute("required"));
        form.Find("#field-content-packages").Input("12");
        form.Find("#field-content-grossMassKg").Input("not a number");
        Button(form, "Add container 1").Click();

        var json = value.ToJson()!.AsObject();
        Assert.Equal(["carrier", "shipper", "consignee", "packages", "grossMassKg", "containers"], json.Select(p => p.Key));
        Assert.Equal("{}", json["carrier"]!.ToJsonString());
        Assert.Equal(12, json["packages"]!.GetValue<long>());
        Assert.Equal("not a number", json["grossMassKg"]!.GetValue<string>()); // the API says what is wrong with it, at its field
        Assert.Equal("[{}]", json["containers"]!.ToJsonString());
    }

    [Fact]
    public void A_nested_object_with_a_required_choice_renders_inside_its_fieldset()
    {
        var value = (ObjectValue)SchemaFormValue.For(Schema("phytosanitary-certificate"));
        var form = Render(value);
        var method = form.Find("fieldset#field-content-treatment select#field-content-treatment-method");
        Assert.True(method.HasAttribute("required"));
        Assert.Contains("fumigation", method.QuerySelectorAll("option").Select(o => o.TextContent));
        Assert.Equal("Temperature (°C)", form.Find("label[for=field-content-treatment-temperatureC]").TextContent.Trim());
        method.Change("heat");
        form.Find("#field-content-treatment-durationHours").Input("6");
        Assert.Equal("""{"method":"heat","durationHours":6}""", value.ToJson()!["treatment"]!.ToJsonString());
    }

    [Fact]
    public void The_apis_errors_appear_beside_their_fields_and_mark_them_invalid()
    {
        var value = (ObjectValue)SchemaFormValue.For(Schema("commercial-invoice"));
        ((ArrayValue)value["lineItems"]).AddRow();
        var problem = Problem(("content.buyer.country", "has the wrong form (The string value is not a match for the indicated regular expression)"),
            ("content.lineItems.0.amount", "is required for a commercial-invoice"), ("content.seller", "is required for a commercial-invoice"));
        var form = Render(value, problem);

        var countryField = form.Find(".field[data-path='content.buyer.country']");
        Assert.Contains("has the wrong form", countryField.QuerySelector(".field-error")!.TextContent);
        var country = form.Find("#field-content-buyer-country");
        Assert.Equal("true", country.GetAttribute("aria-invalid"));
        Assert.Contains("field-content-buyer-country-error", country.GetAttribute("aria-describedby"));
        Assert.Equal("field-content-buyer-country-error", countryField.QuerySelector(".field-error")!.Id);

        Assert.Contains("is required", form.Find(".field[data-path='content.lineItems.0.amount'] .field-error").TextContent);
        Assert.Contains("is required", form.Find("fieldset#field-content-seller > .field-error").TextContent);
        Assert.Null(form.Find("#field-content-buyer-name").GetAttribute("aria-invalid"));
        Assert.Equal(3, form.FindAll(".field-error").Count);
    }

    [Fact]
    public void The_error_summary_links_each_error_to_its_field_by_label_and_lists_the_rest_by_path()
    {
        var value = (ObjectValue)SchemaFormValue.For(Schema("commercial-invoice"));
        ((ArrayValue)value["lineItems"]).AddRow();
        var fields = FormFields.Index(value, "content");
        fields["type"] = new FormFieldRef("Document type", "document-type");
        var problem = Problem(("content.buyer.country", "has the wrong form"), ("content.lineItems.0.amount", "is required"),
            ("content.colour", "is not a field of a commercial-invoice"), ("type", "must be one of …"));

        var summary = _bunit.Render<ErrorSummary>(p => p.Add(s => s.Problem, problem).Add(s => s.Fields, fields));

        var links = summary.FindAll("li a").Select(a => (a.TextContent, a.GetAttribute("href")!.Split('#')[1])).ToList();
        Assert.Equal([("Buyer › Country", "field-content-buyer-country"), ("Line item 1 › Amount", "field-content-lineItems-0-amount"),
            ("Document type", "document-type")], links);
        Assert.Equal("content.colour", summary.Find("li code").TextContent);
        Assert.Contains("is not a field", Assert.Single(summary.FindAll("li"), li => li.QuerySelector("code") is not null).TextContent);
    }
}

/// <summary>The logic behind the document pages that needs no rendering: labels, pattern bounds, disclosure paths and title steps.</summary>
public sealed class DocumentLogicTests
{
    [Theory]
    [InlineData("^[A-Z]{2}$", 2)]
    [InlineData("^[A-Za-z0-9][A-Za-z0-9/._-]{0,34}$", 35)]
    [InlineData(@"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,4})?$", 20)]
    [InlineData("^[0-9]{6}([0-9]{2}([0-9]{2})?)?$", 10)]
    [InlineData("^[A-Z]{3}[UJZ][0-9]{7}$", 11)]
    [InlineData("^(?:ab|c)x?$", 3)]
    [InlineData("^[A-Z]+$", null)]
    [InlineData("^a{2,}$", null)]
    public void A_patterns_longest_match_bounds_its_input(string pattern, int? longest) => Assert.Equal(longest, SchemaPattern.MaxLength(pattern));

    [Theory]
    [InlineData("^[A-Za-z0-9][A-Za-z0-9/._-]{0,34}$", @"^[A-Za-z0-9][A-Za-z0-9\/._\-]{0,34}$")]
    [InlineData("^[A-Z2-9]{3}$", "^[A-Z2-9]{3}$")]
    [InlineData(@"^[-a\]b]$", @"^[\-a\]b]$")]
    [InlineData("^[^()]x$", @"^[^\(\)]x$")]
    public void Patterns_are_escaped_for_the_browsers_v_flag(string pattern, string html) => Assert.Equal(html, SchemaPattern.ForHtml(pattern));

    [Theory]
    [InlineData("billOfLadingNumber", "Bill of lading number")]
    [InlineData("grossMassKg", "Gross mass (kg)")]
    [InlineData("hsCode", "HS code")]
    [InlineData("temperatureC", "Temperature (°C)")]
    [InlineData("durationHours", "Duration (hours)")]
    public void Field_names_read_as_words(string name, string label) => Assert.Equal(label, DocumentLabels.FieldLabel(name));

    [Fact]
    public void A_disclosure_lists_every_field_but_the_envelope_and_hides_a_group_once()
    {
        var content = JsonNode.Parse("""
            {"invoiceNumber":"INV-7","buyer":{"name":"Hamburg Roasters","country":"DE"},"lineItems":[{"amount":"1.00"}],
             "issuers":[{"name":"EXP"}],"$template":{"name":"x"}}
            """);
        var fields = DocumentFields.Of(content);
        Assert.Equal(["invoiceNumber", "buyer", "buyer.name", "buyer.country", "lineItems", "lineItems.0", "lineItems.0.amount"], fields.Select(f => f.Path));
        Assert.Equal(["Invoice number", "Buyer", "Buyer › Name", "Buyer › Country", "Line items", "Line item 1", "Line item 1 › Amount"],
            fields.Select(f => f.Label));
        Assert.Equal(["buyer", "invoiceNumber"], DocumentFields.ToHide(["buyer.name", "buyer", "invoiceNumber"]));
    }

    [Fact]
    public void The_fields_a_disclosure_copy_no_longer_shows_are_found_by_their_paths()
    {
        var original = JsonNode.Parse("""{"invoiceNumber":"INV-7","buyer":{"name":"Hamburg Roasters","country":"DE"}}""");
        var copy = JsonNode.Parse("""{"invoiceNumber":"salted:string:INV-7","buyer":{"country":"salted:string:DE"}}""");
        Assert.Equal(["buyer.name"], DocumentFields.HiddenIn(original, copy));
        Assert.Equal(["buyer", "buyer.name", "buyer.country"], DocumentFields.HiddenIn(original, JsonNode.Parse("""{"invoiceNumber":"x"}""")));
    }

    private static TitleView Title(string state, string holder, string beneficiary, string? nominee = null, params EndorsementView[] chain) =>
        new(Guid.NewGuid(), "0x01", "0xregistry", state, new TitlePartyView(holder, "0xh"), new TitlePartyView(beneficiary, "0xb"),
            nominee is null ? null : new TitlePartyView(nominee, "0xn"), chain);

    private static EndorsementView Step(string action, string from, string to) =>
        new(action, new TitlePartyView(from, "0xf"), new TitlePartyView(to, "0xt"), null, null, "0xtx", 1, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Title_steps_follow_what_the_title_says_of_the_caller()
    {
        static string[] Paths(IReadOnlyList<TitleStep> steps) => steps.Select(s => s.Path).ToArray();

        Assert.Equal(["endorse", "transfer-holder", "surrender"], Paths(TitleSteps.For(Title("active", "SHIPPER", "SHIPPER"), "SHIPPER", isIssuer: true)));
        Assert.Equal(["nominate"], Paths(TitleSteps.For(Title("active", "BANK", "IMPORTER"), "IMPORTER", isIssuer: false)));
        var toBank = TitleSteps.For(Title("active", "BANK", "IMPORTER", "BUYER2", Step("holder-transferred", "SHIPPER", "BANK")), "BANK", false);
        Assert.Equal(["endorse", "transfer-holder", "reject-holder"], Paths(toBank));
        Assert.Equal("BUYER2", toBank[0].SuggestedParty);
        Assert.Equal(["nominate", "reject-endorsement"],
            Paths(TitleSteps.For(Title("active", "SHIPPER", "IMPORTER", null, Step("beneficiary-endorsed", "SHIPPER", "IMPORTER")), "IMPORTER", false)));
        Assert.Empty(TitleSteps.For(Title("active", "SHIPPER", "SHIPPER"), "STRANGER", false));
        Assert.Equal(["accept-surrender", "reject-surrender"], Paths(TitleSteps.For(Title("returned-to-issuer", "SHIPPER", "IMPORTER"), "SHIPPER", true)));
        Assert.Empty(TitleSteps.For(Title("returned-to-issuer", "SHIPPER", "IMPORTER"), "IMPORTER", false));
    }
}
