using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TradeChain.Testing;

namespace TradeChain.ConsoleTests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright (Playwright's own browser download cannot work here: no internet).
/// Screenshots go to .test-run/screenshots, kept with the test results.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>How long a page load or a form's navigation may take here (see <see cref="NewPageAsync"/>).</summary>
    public static TimeSpan NavigationTimeout { get; } = TimeSpan.FromSeconds(120);

    public static string ScreenshotDirectory { get; } = Path.Combine(TestEnvironment.RepoRoot, ".test-run", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: the test command installs Debian's chromium (apt-get install chromium).");
        Directory.CreateDirectory(ScreenshotDirectory);
        // Expect(...) keeps its own 5 s default, apart from the context's action timeout: many checks wait on a round trip
        // through a service and the chain, on two cores shared with the integration tests' systems.
        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser profile (its own cookies) at a laptop-sized window.</summary>
    public async Task<IPage> NewPageAsync(Uri baseUrl)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 850 },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(30_000);
        // A page load waits on the console's server-side render (and a form's submission on the service behind it): on two
        // cores shared with the integration tests' systems it took over 30 s once (CI), and over 60 s three times in one
        // session of 2026-12-03 (load average 20-60); a load is not what these tests judge.
        context.SetDefaultNavigationTimeout((float)NavigationTimeout.TotalMilliseconds);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>What every journey does: sign in as someone, save a screenshot, check a page's accessibility.</summary>
public static class ConsolePage
{
    /// <summary>Signs in through the Development sign-in page, as a person would: role, party, name.</summary>
    public static async Task SignInAsync(this IPage page, string role, string party, string name)
    {
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("Role").SelectOptionAsync(role);
        await page.GetByLabel("Party you act for").FillAsync(party);
        await page.GetByLabel("Your name").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.GetByTestId("whoami").WaitForAsync();
        await WaitForInteractiveAsync(page);
    }

    /// <summary>
    /// Waits until the page's address matches, as long as a navigation may take. Not <c>WaitForURLAsync</c>: a page's
    /// circuit navigates within the document (history.pushState), and when that navigation reached Playwright's driver
    /// before this test's copy of the address was updated, WaitForURLAsync waited for a further navigation that never came
    /// (CI, 2026-12-07: two journeys timed out at 120 s on a page already at the address). A form posted and redirected (a
    /// full load) races the same way: the .NET client takes the driver's "navigated" event on another thread, between its
    /// look at the address and its waiter (CI, stop 43: the sign-in refusal, 120 s on /sign-in?error=). The assertion polls
    /// the address.
    /// </summary>
    public static async Task ArrivesAtAsync(this IPage page, Regex url) =>
        await Assertions.Expect(page).ToHaveURLAsync(url, new() { Timeout = (float)BrowserFixture.NavigationTimeout.TotalMilliseconds });

    /// <summary>Waits until the page's interactive circuit runs (MainLayout marks it), so clicks and choices act.</summary>
    public static async Task WaitForInteractiveAsync(this IPage page) =>
        await page.Locator("[data-circuit-ready]").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });

    public static async Task<string> ScreenshotAsync(this IPage page, string name)
    {
        var path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>
    /// axe-core on the page as it stands: the serious and critical violations, each with the elements it found. The scan
    /// first waits (up to 10 s) for the page to settle: an interactive page (its prerendered HTML carries Blazor's server
    /// markers) until its circuit runs, then any page until it has a title. When the circuit starts, the interactive
    /// HeadOutlet renders the head again and for a moment there is no title (a scan in that moment failed
    /// `document-title` on /me, a page that has one). A page that never settles is scanned all the same: a missing title
    /// is then reported.
    /// </summary>
    public static async Task<IReadOnlyList<string>> SeriousAccessibilityViolationsAsync(this IPage page)
    {
        const string settled = """
            () => document.title.trim().length > 0
                && (document.querySelector('[data-circuit-ready]') !== null || !document.documentElement.innerHTML.includes('Blazor:{"type":"server"'))
            """;
        try { await page.WaitForFunctionAsync(settled, null, new() { Timeout = 10_000 }); }
        catch (TimeoutException) { } // Playwright .NET throws System.TimeoutException
        var result = await page.RunAxe();
        return result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join("; ", v.Nodes.Take(3).Select(n => string.Join(" ", n.Target)))}")
            .ToList();
    }
}
