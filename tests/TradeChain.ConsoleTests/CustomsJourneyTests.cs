using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TradeChain.ConsoleTests.Infrastructure;
using TradeChain.ServiceDefaults.Auth;
using static Microsoft.Playwright.Assertions;

namespace TradeChain.ConsoleTests;

/// <summary>Declarations in the console: the officer's queue and checks, the declarant following and answering, the overview.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class CustomsJourneyTests(ConsoleSystem system, BrowserFixture browser)
{
    private const string Officer = "CUS-VNSGN";
    private const string Watchlisted = "EXP-WATCHLIST-01";
    // The bus and the chain take seconds: the page must catch up, without a reload, within these.
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 60_000 };
    private static readonly LocatorAssertionsToContainTextOptions SlowContains = new() { Timeout = 60_000 };

    private readonly CustomsTrade _trade = new(system);

    [Fact]
    public async Task An_officer_takes_a_yellow_declaration_from_the_queue_to_release_while_the_exporter_answers_a_request_for_documents()
    {
        const string exporterParty = "EXP-MEKONG-RUBBER";
        using var exporterApi = CustomsTrade.Client(Roles.Exporter, exporterParty, "lan");
        var reference = CustomsTrade.NewReference("LRN-Y");
        var assessed = await _trade.LodgeAssessedExportAsync(exporterApi, reference, 250_000m);
        Assert.Equal("Yellow", assessed["lane"]!.GetValue<string>());
        await _trade.PayAsync(exporterApi, assessed);
        var id = assessed["id"]!.GetValue<string>();
        var packingList = await _trade.IssuePackingListAsync(exporterApi, $"PL-{reference}");

        // The officer finds it in the queue by filtering, as the filters stay in the address.
        var officer = await browser.NewPageAsync(system.ConsoleUrl);
        await officer.SignInAsync(Roles.CustomsOfficer, Officer, "officer.tran");
        await officer.GotoAsync("/queue");
        await officer.WaitForInteractiveAsync();
        await officer.GetByLabel("Status").SelectOptionAsync("Paid");
        await officer.GetByLabel("Lane", new() { Exact = true }).SelectOptionAsync("Yellow");
        await officer.GetByLabel("Office of declaration").FillAsync("VNSGN");
        await Expect(officer.GetByLabel("Status")).ToHaveValueAsync("Paid");
        await officer.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Expect(officer).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/queue\\?status=Paid&lane=Yellow&office=VNSGN$"), new() { Timeout = 30_000 });
        var row = officer.Locator($"[data-testid=declaration-row][data-lrn='{reference}']");
        await Expect(row).ToContainTextAsync("Paid", SlowContains);
        await Expect(officer.Locator("[data-testid=lane-counts] [data-lane=Yellow] strong")).Not.ToHaveTextAsync("0");
        await officer.ScreenshotAsync("queue");
        Assert.Empty(await officer.SeriousAccessibilityViolationsAsync());
        await row.GetByRole(AriaRole.Link, new() { Name = reference }).ClickAsync();
        await officer.ArrivesAtAsync(new Regex($"/declarations/{id}$"));

        // The officer sees why the lane: the rule that fired.
        await Expect(officer.GetByTestId("fired-rules")).ToContainTextAsync("Y-HIGH-VALUE", SlowContains);
        await officer.GetByRole(AriaRole.Button, new() { Name = "Assign to me and start the documentary check" }).ClickAsync();
        await Expect(Status(officer)).ToHaveTextAsync("Under documentary check", Slow);
        await Expect(officer.GetByTestId("assigned")).ToHaveTextAsync("officer.tran@CUS-VNSGN");

        await officer.GetByRole(AriaRole.Button, new() { Name = "Request documents…" }).ClickAsync();
        await officer.GetByLabel("Packing list").CheckAsync();
        await officer.GetByLabel("Why these documents are needed").FillAsync("gross mass needs a packing list");
        await officer.ScreenshotAsync("declaration-officer");
        await officer.GetByTestId("submit-action").ClickAsync();
        await Expect(Status(officer)).ToHaveTextAsync("Awaiting documents", Slow);
        Assert.Empty(await officer.SeriousAccessibilityViolationsAsync());

        // The exporter, in its own browser, sees the request (06) and answers with its issued packing list.
        var exporter = await browser.NewPageAsync(system.ConsoleUrl);
        await exporter.SignInAsync(Roles.Exporter, exporterParty, "lan");
        await exporter.GotoAsync("/declarations");
        await exporter.WaitForInteractiveAsync();
        await exporter.Locator($"[data-testid=declaration-row][data-lrn='{reference}']").GetByRole(AriaRole.Link).ClickAsync();
        await Expect(exporter.GetByTestId("response-code").First).ToHaveTextAsync("06 additional documents required", Slow);
        await Expect(exporter.GetByTestId("status-reason")).ToContainTextAsync("gross mass needs a packing list");
        await Expect(exporter.GetByTestId("fired-rules")).ToHaveCountAsync(0); // risk rules are the officers' only
        await exporter.GetByRole(AriaRole.Button, new() { Name = "Answer the request for documents…" }).ClickAsync();
        await exporter.GetByLabel("Your issued packing list").SelectOptionAsync(packingList);
        await exporter.ScreenshotAsync("declaration-exporter");
        Assert.Empty(await exporter.SeriousAccessibilityViolationsAsync());
        await exporter.GetByTestId("submit-action").ClickAsync();
        // The exporter's own page, never reloaded, follows the check resuming once documents has verified the answer; the
        // confirmation of sending does not outlive the status it named.
        await Expect(Status(exporter)).ToHaveTextAsync("Under documentary check", Slow);
        await Expect(exporter.GetByTestId("action-done")).ToHaveCountAsync(0);

        // Once documents has verified it over the bus, the officer's open page shows the check resumed, with the verdict.
        await Expect(Status(officer)).ToHaveTextAsync("Under documentary check", Slow);
        await Expect(officer.Locator("[data-testid=document-row][data-type=packing-list]")).ToContainTextAsync("valid", SlowContains);
        await officer.GetByRole(AriaRole.Button, new() { Name = "Complete the documentary check…" }).ClickAsync();
        await officer.GetByLabel("Findings of the documentary check").FillAsync("invoice, packing list and certificate of origin consistent");
        await officer.GetByTestId("submit-action").ClickAsync();
        await Expect(Status(officer)).ToHaveTextAsync("Ready for release", Slow);
        await officer.GetByRole(AriaRole.Button, new() { Name = "Release the goods…" }).ClickAsync();
        await officer.GetByLabel("Reason for release").FillAsync("documentary check passed");
        await officer.GetByTestId("submit-action").ClickAsync();
        await Expect(Status(officer)).ToHaveTextAsync("Released", Slow);

        // The exporter's page, never reloaded, follows.
        await Expect(Status(exporter)).ToHaveTextAsync("Released", Slow);
        await Expect(exporter.GetByTestId("response-code").First).ToHaveTextAsync("08 released", Slow);

        // Every transition customs recorded is in the timeline, with its reason.
        var history = (await _trade.HistoryAsync(exporterApi, id))["transitions"]!.AsArray();
        Assert.Equal(["Registered", "Assessed", "Paid", "UnderDocumentaryCheck", "AwaitingDocuments", "AwaitingDocuments", "UnderDocumentaryCheck", "ReadyForRelease", "Released"],
            history.Select(t => t!["toState"]!.GetValue<string>()));
        foreach (var page in new[] { officer, exporter })
            foreach (var transition in history)
                await Expect(page.GetByTestId("timeline")).ToContainTextAsync(transition!["reason"]!.GetValue<string>(), SlowContains);

        // ... and the exporter sees every one of them anchored and verified against the chain, without reloading.
        await Expect(exporter.Locator("li.transition")).ToHaveCountAsync(history.Count, new() { Timeout = 60_000 });
        await Expect(exporter.Locator("li.transition[data-proof='verified']")).ToHaveCountAsync(history.Count, new() { Timeout = 60_000 });
        await Expect(exporter.GetByTestId("proof-status").First).ToContainTextAsync("verified against the chain");
        await exporter.ScreenshotAsync("declaration-exporter-released");
    }

    [Fact]
    public async Task A_red_lane_examination_with_a_corrected_value_shows_the_reassessment_and_the_supplementary_payment()
    {
        using var exporterApi = CustomsTrade.Client(Roles.Exporter, Watchlisted, "bao");
        var reference = CustomsTrade.NewReference("LRN-R");
        var assessed = await _trade.LodgeAssessedExportAsync(exporterApi, reference, 5_000m);
        Assert.Equal("Red", assessed["lane"]!.GetValue<string>());
        var paid = await _trade.PayAsync(exporterApi, assessed);
        var firstDue = assessed["assessment"]!["totalPayable"]!.GetValue<decimal>();

        var officer = await browser.NewPageAsync(system.ConsoleUrl);
        await officer.SignInAsync(Roles.CustomsOfficer, Officer, "officer.pham");
        await officer.GotoAsync($"/declarations/{paid["id"]}");
        await officer.WaitForInteractiveAsync();
        await Expect(officer.GetByTestId("fired-rules")).ToContainTextAsync("R-WATCHLIST", SlowContains);
        await officer.GetByRole(AriaRole.Button, new() { Name = "Assign to me and start the physical examination" }).ClickAsync();
        await Expect(Status(officer)).ToHaveTextAsync("Under examination", Slow);
        await Expect(officer.GetByTestId("response-code").First).ToHaveTextAsync("05 physical check");

        await officer.GetByRole(AriaRole.Button, new() { Name = "Record the examination…" }).ClickAsync();
        await officer.GetByLabel("Findings of the physical examination").FillAsync("invoice undervalued: contract price 7,500 USD");
        await officer.GetByLabel("Item 1 customs value (USD)").FillAsync("7500");
        await officer.GetByTestId("submit-action").ClickAsync();
        await Expect(Status(officer)).ToHaveTextAsync("Awaiting supplementary payment", Slow);

        using var officerApi = CustomsTrade.Client(Roles.CustomsOfficer, Officer);
        var examined = await _trade.WaitForStatusAsync(officerApi, paid["id"]!.GetValue<string>(), "AwaitingSupplementaryPayment");
        var newDue = examined["assessment"]!["totalPayable"]!.GetValue<decimal>();
        var extra = examined["supplementaryAmount"]!.GetValue<decimal>();
        Assert.Equal(newDue - firstDue, extra);
        await Expect(officer.GetByTestId("item-value")).ToHaveTextAsync("7,500.00 USD");
        await Expect(officer.GetByTestId("total-payable")).ToHaveTextAsync($"{Money(newDue)} VND");
        await Expect(officer.GetByTestId("supplementary")).ToContainTextAsync($"{Money(extra)} VND more due");
        await Expect(officer.GetByTestId("previous-versions")).ToContainTextAsync("item 1 5,000.00 USD");
        await Expect(officer.GetByTestId("examination-findings")).ToContainTextAsync("contract price 7,500 USD");
        // Nothing more to do for the officer until the supplementary duties are paid.
        await Expect(officer.GetByRole(AriaRole.Button, new() { Name = "Release the goods…" })).ToHaveCountAsync(0);

        await _trade.PayAsync(exporterApi, examined, examined["supplementaryPaymentReference"]!.GetValue<string>(), "ReadyForRelease");
        await Expect(Status(officer)).ToHaveTextAsync("Ready for release", Slow);
    }

    [Fact]
    public async Task An_exporter_cannot_see_another_exporters_declaration()
    {
        using var owner = CustomsTrade.Client(Roles.Exporter, "EXP-DELTA-TIMBER", "minh");
        var reference = CustomsTrade.NewReference("LRN-PRIVATE");
        var theirs = await _trade.LodgeAssessedExportAsync(owner, reference, 5_000m);

        var other = await browser.NewPageAsync(system.ConsoleUrl);
        await other.SignInAsync(Roles.Exporter, "EXP-HANOI-SILK", "thu");
        await other.GotoAsync($"/declarations/{theirs["id"]}");
        await other.WaitForInteractiveAsync();
        await Expect(other.GetByTestId("not-found")).ToHaveTextAsync("This declaration was not found, or it is not yours to see.", Slow);
        var text = await other.Locator("main").InnerTextAsync();
        Assert.DoesNotContain(reference, text, StringComparison.Ordinal);
        Assert.DoesNotContain("EXP-DELTA-TIMBER", text, StringComparison.Ordinal);
        await other.GotoAsync("/declarations");
        await other.WaitForInteractiveAsync();
        await Expect(other.GetByTestId("total")).ToContainTextAsync("0 declarations", SlowContains);
    }

    [Fact]
    public async Task An_exporter_cancels_a_declaration_with_a_reason_and_sees_the_refusal_without_one()
    {
        const string exporterParty = "EXP-CANTHO-RICE";
        using var exporterApi = CustomsTrade.Client(Roles.Exporter, exporterParty, "hoa");
        var reference = CustomsTrade.NewReference("LRN-C");
        var assessed = await _trade.LodgeAssessedExportAsync(exporterApi, reference, 5_000m);

        var exporter = await browser.NewPageAsync(system.ConsoleUrl);
        await exporter.SignInAsync(Roles.Exporter, exporterParty, "hoa");
        await exporter.GotoAsync("/declarations");
        await exporter.WaitForInteractiveAsync();
        var row = exporter.Locator($"[data-testid=declaration-row][data-lrn='{reference}']");
        await Expect(row).ToContainTextAsync("01 accepted", SlowContains);
        Assert.Empty(await exporter.SeriousAccessibilityViolationsAsync());
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(exporter.GetByRole(AriaRole.Link, new() { Name = "Amend the declaration" })).ToHaveAttributeAsync("href", $"/declarations/{assessed["id"]}/amend");

        await exporter.GetByRole(AriaRole.Button, new() { Name = "Cancel the declaration…" }).ClickAsync();
        // Past the browser's own check, the API's refusal is shown in words. The form appears once the circuit has rendered
        // it: the locator waits for its field (a selector run at once could find none, leave the field required, and the
        // browser would then keep the form from being sent).
        var reason = exporter.GetByLabel("Reason for cancelling");
        await reason.EvaluateAsync("e => e.removeAttribute('required')");
        await Expect(reason).Not.ToHaveAttributeAsync("required", new System.Text.RegularExpressions.Regex(".*"));
        await exporter.GetByTestId("submit-action").ClickAsync();
        await Expect(exporter.GetByTestId("problem")).ToContainTextAsync("reason-required", SlowContains);
        await Expect(Status(exporter)).ToHaveTextAsync("Assessed");

        await exporter.GetByLabel("Reason for cancelling").FillAsync("buyer withdrew the order");
        await exporter.GetByTestId("submit-action").ClickAsync();
        await Expect(Status(exporter)).ToHaveTextAsync("Cancelled", Slow);
        await Expect(exporter.GetByTestId("response-code").First).ToHaveTextAsync("10 cancelled");
        await Expect(exporter.GetByTestId("status-reason")).ToHaveTextAsync("buyer withdrew the order");
        await Expect(exporter.GetByTestId("no-actions")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_overview_draws_declarations_by_status_lane_and_hour_and_the_anchoring_lag()
    {
        using var exporterApi = CustomsTrade.Client(Roles.Exporter, Watchlisted, "bao");
        await _trade.LodgeAssessedExportAsync(exporterApi, CustomsTrade.NewReference("LRN-O"), 5_000m);

        var officer = await browser.NewPageAsync(system.ConsoleUrl);
        await officer.SignInAsync(Roles.CustomsOfficer, Officer, "officer.vo");
        await officer.GotoAsync("/overview");
        await officer.WaitForInteractiveAsync();
        foreach (var chart in new[] { "chart-status", "chart-lane", "chart-hours" })
        {
            var figure = officer.GetByTestId(chart);
            await Expect(figure.Locator("svg[role=img]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Expect(figure.Locator("svg desc")).Not.ToBeEmptyAsync();
        }
        // At least the red declaration just lodged, in the table behind the chart (its text alternative).
        var redRow = officer.GetByTestId("chart-lane").Locator("tbody tr").Filter(new() { HasText = "Red" });
        Assert.True(int.Parse((await redRow.Locator("td").TextContentAsync())!, CultureInfo.InvariantCulture) >= 1);
        await Expect(officer.GetByTestId("anchoring-gauge")).ToBeVisibleAsync();
        await Expect(officer.GetByTestId("pending-transitions")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9]+$"));
        await officer.ScreenshotAsync("overview");
        Assert.Empty(await officer.SeriousAccessibilityViolationsAsync());
    }

    private static ILocator Status(IPage page) => page.GetByTestId("status").Locator(".badge");

    private static string Money(decimal amount) => amount.ToString("#,0.##", CultureInfo.InvariantCulture);
}
