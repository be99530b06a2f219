using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TradeChain.ConsoleTests.Infrastructure;
using TradeChain.Testing;

namespace TradeChain.ConsoleTests;

/// <summary>
/// Production sign-in end to end: the console in the Production environment signs people in with OpenID Connect
/// against a provider (<see cref="OpenIdProviderStandIn"/>), and the three services accept that provider's tokens
/// (Auth:Authority) with the role and party under the provider's own claim names.
/// </summary>
public sealed class OpenIdConnectSystem : IAsyncLifetime
{
    public const string RoleClaim = "tradechain_role";
    public const string PartyClaim = "tradechain_party";

    public OpenIdProviderStandIn Provider { get; private set; } = default!;

    public TradeChainSystem Services { get; private set; } = default!;

    public ServiceProcess Console { get; private set; } = default!;

    public Uri ConsoleUrl => Console.BaseAddress;

    public async Task InitializeAsync()
    {
        // The provider and the console each need the other's address before either starts.
        var consolePort = TestEnvironment.FreePort();
        var consoleUrl = new Uri($"http://127.0.0.1:{consolePort}/");
        Provider = new OpenIdProviderStandIn(TestEnvironment.FreePort(), consoleUrl, "tradechain-console", "console-secret-for-tests-only", "tradechain-api");
        await Provider.StartAsync();
        try
        {
            Services = await TradeChainSystem.StartAsync((_, service) =>
            {
                service.SetSetting("Auth:Authority", Provider.Issuer);
                service.SetSetting("Auth:Audience", Provider.ApiAudience);
                service.SetSetting("Auth:RoleClaim", RoleClaim);
                service.SetSetting("Auth:PartyClaim", PartyClaim);
                service.SetSetting("Auth:RequireHttpsMetadata", "false");
            }, console: console =>
            {
                console.SetSetting("ASPNETCORE_ENVIRONMENT", "Production");
                console.SetSetting("SignIn:Mode", "OpenIdConnect");
                console.SetSetting("Oidc:Authority", Provider.Issuer);
                console.SetSetting("Oidc:ClientId", Provider.ClientId);
                console.SetSetting("Oidc:ClientSecret", Provider.ClientSecret);
                console.SetSetting("Oidc:RoleClaim", RoleClaim);
                console.SetSetting("Oidc:PartyClaim", PartyClaim);
                console.SetSetting("Oidc:RequireHttpsMetadata", "false");
            }, consolePort: consolePort);
        }
        catch
        {
            await Provider.DisposeAsync();
            throw;
        }
        Console = Services.Console!;
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

public sealed class OpenIdConnectTests(OpenIdConnectSystem system, BrowserFixture browser) : IClassFixture<OpenIdConnectSystem>, IClassFixture<BrowserFixture>
{
    private static readonly OpenIdProviderStandIn.User Officer = new("u-1001", "Tran Thi Officer", new Dictionary<string, object>
    {
        // The provider's own role list: only the TradeChain role counts.
        [OpenIdConnectSystem.RoleClaim] = new[] { "offline_access", "customs-officer" },
        [OpenIdConnectSystem.PartyClaim] = "CUS-VNSGN",
    });

    private static readonly OpenIdProviderStandIn.User NoParty = new("u-2002", "Le Van Noparty", new Dictionary<string, object>
    {
        [OpenIdConnectSystem.RoleClaim] = "exporter",
    });

    [Fact]
    public async Task An_officer_signs_in_with_the_identity_provider_and_every_service_accepts_the_forwarded_token()
    {
        system.Provider.SignedInUser = Officer;
        // Plain "role" and "party" claims meaning something else at the provider: configured claim names win.
        system.Provider.AccessTokenOnlyClaims["role"] = "bank";
        system.Provider.AccessTokenOnlyClaims["party"] = "BNK-NOT-ME";
        var page = await browser.NewPageAsync(system.ConsoleUrl);
        var tokenRequestsBefore = system.Provider.TokenRequests.Count;

        // A page that needs a signed-in user sends a stranger straight to the identity provider, and back to the page.
        await page.GotoAsync("/me");
        await page.ArrivesAtAsync(new Regex("/me$"));

        var whoami = page.GetByTestId("whoami");
        await Assertions.Expect(whoami).ToContainTextAsync("Tran Thi Officer");
        await Assertions.Expect(whoami).ToContainTextAsync("Customs officer");
        await Assertions.Expect(whoami).ToContainTextAsync("CUS-VNSGN");
        foreach (var service in new[] { "customs", "documents", "payments" })
        {
            var row = page.Locator($"tr[data-service='{service}']");
            await Assertions.Expect(row).ToContainTextAsync("u-1001", new() { Timeout = 30_000 });
            await Assertions.Expect(row).ToContainTextAsync("Customs officer");
            await Assertions.Expect(row.Locator("td.party")).ToHaveTextAsync("CUS-VNSGN");
            await Assertions.Expect(row).ToContainTextAsync(system.Provider.Issuer);
        }
        // One code, exchanged once, with the PKCE verifier the provider checked.
        Assert.Equal(["issued for u-1001"], system.Provider.TokenRequests.Skip(tokenRequestsBefore));
        await page.ScreenshotAsync("oidc-officer-me");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
    }

    /// <summary>A fresh browser, signed in as <paramref name="user"/> at the provider, that presses the sign-in page's button.</summary>
    private async Task<IPage> ContinueToSignInAsAsync(OpenIdProviderStandIn.User user)
    {
        system.Provider.SignedInUser = user;
        var page = await browser.NewPageAsync(system.ConsoleUrl);
        await page.GotoAsync("/sign-in");
        await page.GetByRole(AriaRole.Link, new() { Name = "Continue to sign-in" }).ClickAsync();
        return page;
    }

    [Fact]
    public async Task A_provider_token_without_a_party_is_refused_at_sign_in_with_a_message_that_names_the_claim()
    {
        var page = await ContinueToSignInAsAsync(NoParty);
        await page.ArrivesAtAsync(new Regex("error="));

        var alert = page.GetByRole(AriaRole.Alert).First;
        await Assertions.Expect(alert).ToContainTextAsync("cannot tell who you act as");
        await Assertions.Expect(alert).ToContainTextAsync($"no party in its '{OpenIdConnectSystem.PartyClaim}' claim");
        Assert.Equal(0, await page.GetByTestId("whoami").CountAsync());
        await page.ScreenshotAsync("oidc-no-party-refused");
        // Still nobody: a page that needs a user goes to the provider again and ends at the same refusal.
        await page.GotoAsync("/me");
        await page.ArrivesAtAsync(new Regex("/sign-in\\?error="));
        Assert.Equal(0, await page.GetByTestId("whoami").CountAsync());
    }

    [Fact]
    public async Task Signing_out_ends_the_console_session_and_the_provider_session()
    {
        var page = await ContinueToSignInAsAsync(Officer);
        await page.GetByTestId("whoami").WaitForAsync();
        var endSessions = system.Provider.EndSessionRequests.Count;

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).First.WaitForAsync();

        Assert.Equal(0, await page.GetByTestId("whoami").CountAsync());
        Assert.Equal(endSessions + 1, system.Provider.EndSessionRequests.Count);
        Assert.StartsWith(system.ConsoleUrl.ToString().TrimEnd('/'), system.Provider.EndSessionRequests.Last(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_services_accept_only_the_providers_tokens_and_say_what_a_token_lacks()
    {
        using var http = new HttpClient { BaseAddress = system.Services.Customs.BaseAddress };
        async Task<HttpResponseMessage> MeAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/me");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await http.SendAsync(request);
        }

        using (var accepted = await MeAsync(system.Provider.AccessTokenFor(Officer)))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            var me = await accepted.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Equal("customs-officer", (string?)me!["role"]);
            Assert.Equal("CUS-VNSGN", (string?)me["party"]);
        }

        using (var lacking = await MeAsync(system.Provider.AccessTokenFor(NoParty)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, lacking.StatusCode);
            var problem = await lacking.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Equal("token-claims", (string?)problem!["rule"]);
            Assert.Contains($"no party in its '{OpenIdConnectSystem.PartyClaim}' claim", (string?)problem["detail"], StringComparison.Ordinal);
        }

        // The public development key's tokens mean nothing to a service that trusts the identity provider.
        var development = TradeChain.ServiceDefaults.Auth.DevelopmentTokens.Mint(
            new TradeChain.ServiceDefaults.Auth.AuthOptions { SigningKey = TradeChain.ServiceDefaults.Auth.DevelopmentTokens.DevelopmentSigningKey },
            "someone", "customs-officer", "CUS-VNSGN", TimeSpan.FromMinutes(5));
        using (var refused = await MeAsync(development)) Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using (var mint = await http.PostAsJsonAsync("/dev/token", new { role = "bank", party = "BNK-VCB" }))
            Assert.Equal(HttpStatusCode.NotFound, mint.StatusCode);
    }
}

/// <summary>The console refuses, at start, a production configuration that would let anyone in.</summary>
public sealed class ConsoleProductionStartupTests
{
    [Fact]
    public async Task The_console_refuses_to_start_in_Production_with_development_sign_in()
    {
        var (exitCode, output) = await RunConsoleAsync(new() { ["SignIn__Mode"] = "Development", ["Auth__SigningKey"] = TradeChain.ServiceDefaults.Auth.DevelopmentTokens.DevelopmentSigningKey });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("SignIn:Mode=Development mints tokens with the public development key and is refused outside the Development environment", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_console_refuses_to_start_in_Production_without_an_identity_provider_and_names_the_settings()
    {
        var (exitCode, output) = await RunConsoleAsync(new() { ["SignIn__Mode"] = "OpenIdConnect" });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Oidc:Authority must be the identity provider's issuer URL.", output, StringComparison.Ordinal);
        Assert.Contains("Oidc:ClientId is required.", output, StringComparison.Ordinal);
    }

    /// <summary>Starts the console's build output as Production and waits for it to exit by itself (it must not start).</summary>
    private static async Task<(int ExitCode, string Output)> RunConsoleAsync(Dictionary<string, string> settings)
    {
        var dll = TestEnvironment.ServiceDll("console", "TradeChain.Console");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Urls"] = $"http://127.0.0.1:{TestEnvironment.FreePort()}";
        foreach (var (key, value) in settings) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the console did not refuse to start:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
