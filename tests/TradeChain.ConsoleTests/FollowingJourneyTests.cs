using Microsoft.Playwright;
using TradeChain.Cli;
using TradeChain.ConsoleTests.Infrastructure;
using TradeChain.ServiceDefaults.Auth;
using static Microsoft.Playwright.Assertions;

namespace TradeChain.ConsoleTests;

/// <summary>
/// The pages where a person waits for a status change follow their record by the services' long-poll (LiveFollow): a
/// change made elsewhere — by the bank, by an API client — shows on the open page without a reload.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class FollowingJourneyTests(ConsoleSystem system, BrowserFixture browser)
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 60_000 };

    private readonly CustomsTrade _trade = new(system);

    [Fact]
    public async Task Open_declaration_payment_and_document_pages_show_changes_made_elsewhere_without_a_reload()
    {
        const string exporterParty = "EXP-DALAT-COFFEE";
        using var exporterApi = CustomsTrade.Client(Roles.Exporter, exporterParty, "trang");
        var reference = CustomsTrade.NewReference("LRN-F");
        var assessed = await _trade.LodgeAssessedExportAsync(exporterApi, reference, 5_000m);
        var declarationId = assessed["id"]!.GetValue<string>();
        var paymentReference = assessed["paymentReference"]!.GetValue<string>();
        var documents = system.Services.Documents.BaseAddress;
        var submitted = await TradeChainHttp.PostAsync(exporterApi, new Uri(documents, "documents"), new
        {
            type = "commercial-invoice",
            content = new
            {
                invoiceNumber = $"INV-F-{reference}", seller = new { name = "Dalat Coffee JSC", country = "VN" }, buyer = new { name = "Roastery AG", country = "CH" },
                totalAmount = "1200.00", currency = "USD", incoterm = "FOB",
            },
        });
        var documentId = submitted["id"]!.GetValue<string>();
        await TradeChainHttp.FollowAsync(exporterApi, new Uri(documents, $"documents/{documentId}"), d => d["status"]?.GetValue<string>() == "Issued", TimeSpan.FromSeconds(90));

        // The exporter opens the three pages, each in its own tab, and leaves them open.
        var declaration = await OpenAsync(exporterParty, $"/declarations/{declarationId}");
        await Expect(declaration.GetByTestId("status").Locator(".badge")).ToHaveTextAsync("Assessed", Slow);
        var payment = await OpenAsync(exporterParty, $"/duty-payments/{paymentReference}");
        await Expect(payment.GetByTestId("duty-status")).ToHaveTextAsync("Requested", Slow);
        var document = await OpenAsync(exporterParty, $"/documents/{documentId}");
        await Expect(document.GetByTestId("issuance")).ToHaveAttributeAsync("data-status", "Issued", new() { Timeout = 60_000 });
        foreach (var page in new[] { declaration, payment, document })
            await Expect(page.GetByTestId("live-follow")).ToHaveCountAsync(1);

        // Elsewhere: the bank settles the duty (customs hears of it over the bus), and the exporter's system revokes the invoice.
        // (Green and blue lanes are released on payment; the 7 % the random draw sends yellow or red wait for an officer.)
        var paidStatus = assessed["lane"]!.GetValue<string>() is "Green" or "Blue" ? "Released" : "Paid";
        await _trade.PayAsync(exporterApi, assessed, waitFor: paidStatus);
        await TradeChainHttp.RevokeAsync(exporterApi, documents, documentId, "superseded by a corrected invoice");

        // Each open page, never reloaded, shows its record's new status.
        await Expect(payment.GetByTestId("duty-status")).ToHaveTextAsync("Settled", Slow);
        await Expect(payment.GetByTestId("settlement-receipt")).ToBeVisibleAsync();
        await Expect(declaration.GetByTestId("status").Locator(".badge")).ToHaveTextAsync(paidStatus, Slow);
        await Expect(document.GetByTestId("issuance")).ToHaveAttributeAsync("data-status", "Revoked", new() { Timeout = 60_000 });
        await Expect(document.GetByTestId("revocation-reason")).ToHaveTextAsync("superseded by a corrected invoice");
        await declaration.ScreenshotAsync("followed-declaration-paid");
        await payment.ScreenshotAsync("followed-payment-settled");
        await document.ScreenshotAsync("followed-document-revoked");
        Assert.Empty(await declaration.SeriousAccessibilityViolationsAsync());
    }

    private async Task<IPage> OpenAsync(string party, string path)
    {
        var page = await browser.NewPageAsync(system.ConsoleUrl);
        await page.SignInAsync(Roles.Exporter, party, "trang");
        await page.GotoAsync(path);
        await page.WaitForInteractiveAsync();
        return page;
    }
}
