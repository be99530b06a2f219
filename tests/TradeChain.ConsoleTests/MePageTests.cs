using Microsoft.Playwright;
using TradeChain.ConsoleTests.Infrastructure;

namespace TradeChain.ConsoleTests;

/// <summary>"Your sign-in" with the local development sign-in: the services still accept the development issuer's tokens.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class MePageTests(ConsoleSystem system, BrowserFixture browser)
{
    [Fact]
    public async Task Each_service_shows_the_role_and_party_picked_at_local_sign_in()
    {
        var page = await browser.NewPageAsync(system.ConsoleUrl);
        await page.SignInAsync("exporter", "EXP-ACME", "le.minh");

        await page.GetByRole(AriaRole.Link, new() { Name = "Your sign-in" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your sign-in" })).ToBeVisibleAsync();
        foreach (var service in new[] { "customs", "documents", "payments" })
        {
            var row = page.Locator($"tr[data-service='{service}']");
            await Assertions.Expect(row).ToContainTextAsync("le.minh");
            await Assertions.Expect(row).ToContainTextAsync("Exporter / declarant");
            await Assertions.Expect(row.Locator("td.party")).ToHaveTextAsync("EXP-ACME");
            await Assertions.Expect(row).ToContainTextAsync("tradechain-dev");
        }
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
    }
}
