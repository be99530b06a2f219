using System.Text.Json;
using System.Text.Json.Nodes;
using Bunit;
using TradeChain.Console.Components.Payments;
using TradeChain.Console.Services;
using TradeChain.Console.Services.Payments;

namespace TradeChain.ConsoleTests;

/// <summary>
/// The credit terms form: the API's errors land beside the field they name — also in the n-th required document — and
/// what is sent leaves blanks out, so the API (not the console) says what is missing.
/// </summary>
public sealed class CreditTermsEditorTests : BunitContext
{
    [Fact]
    public void The_APIs_errors_show_at_their_fields_including_one_required_documents_row()
    {
        var form = new CreditTermsForm();
        form.RequiredDocuments.Add(new CreditTermsForm.RequiredDocumentForm());
        var problem = new ApiProblem(400, "One or more validation errors occurred.", null, null, new Dictionary<string, string[]>
        {
            ["terms.tolerancePercent"] = ["must be between 0 and 10"],
            ["terms.requiredDocuments[1].type"] = ["must be one of commercial-invoice, bill-of-lading"],
        });

        var editor = Render<TermsEditor>(p => p.Add(e => e.Form, form).Add(e => e.Problem, problem));

        Assert.Equal("true", editor.Find("#terms-tolerance").GetAttribute("aria-invalid"));
        Assert.Contains("between 0 and 10", editor.Find(".field-error[data-field='terms.tolerancePercent']").TextContent, StringComparison.Ordinal);
        Assert.Contains("must be one of", editor.Find("[data-index='1'] .field-error[data-field='terms.requiredDocuments[1].type']").TextContent, StringComparison.Ordinal);
        Assert.Empty(editor.FindAll("[data-index='0'] .field-error"));
        Assert.Null(editor.Find("#terms-amount").GetAttribute("aria-invalid"));
    }

    [Fact]
    public void An_amendment_keeps_the_currency_and_the_expiry_date_the_escrow_was_opened_with()
    {
        var terms = new CreditTerms("USD", 48_000m, 5m, new DateOnly(2027, 1, 31), "VN", new DateOnly(2027, 1, 10), 21, true, "Hamburg Roasters GmbH",
            "ACME Coffee JSC", "VNSGN", "DEHAM", "Robusta", [new RequiredDocument("commercial-invoice", ["amount", "currency"], 1)]);

        var editor = Render<TermsEditor>(p => p.Add(e => e.Form, CreditTermsForm.From(terms)).Add(e => e.Amendment, true));

        Assert.True(editor.Find("#terms-currency").HasAttribute("disabled"));
        Assert.True(editor.Find("#terms-expiry").HasAttribute("disabled"));
        Assert.Equal("2027-01-31", editor.Find("#terms-expiry").GetAttribute("value"));
        Assert.True(editor.Find("#terms-doc0-amount").HasAttribute("checked"));
        Assert.False(editor.Find("#terms-doc0-portOfLoading").HasAttribute("checked"));
    }

    [Fact]
    public void Blank_terms_are_left_out_of_the_request_so_the_API_names_them()
    {
        var form = new CreditTermsForm { Amount = 1_000m, PortOfLoading = "  ", ApplicantName = " Hamburg Roasters GmbH ", ExpiryPlaceCountry = "vn" };
        form.RequiredDocuments.Add(new CreditTermsForm.RequiredDocumentForm());

        var sent = JsonSerializer.SerializeToNode(form.ToRequest(), form.ToRequest().GetType(), ServiceApi.Json)!.AsObject();

        Assert.False(sent.ContainsKey("portOfLoading"));
        Assert.False(sent.ContainsKey("expiryDate"));
        Assert.Equal("Hamburg Roasters GmbH", sent["applicantName"]!.GetValue<string>());
        Assert.Equal("VN", sent["expiryPlaceCountry"]!.GetValue<string>());
        var documents = sent["requiredDocuments"]!.AsArray();
        Assert.Equal("commercial-invoice", documents[0]!["type"]!.GetValue<string>());
        Assert.False(documents[1]!.AsObject().ContainsKey("type")); // an unchosen type is the API's "terms.requiredDocuments[1].type"
    }
}
