using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Nethereum.Signer;
using TradeChain.Cli;
using TradeChain.ConsoleTests.Infrastructure;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using static Microsoft.Playwright.Assertions;

namespace TradeChain.ConsoleTests;

/// <summary>
/// The network operator onboards a bank in the console, on the real system: the page prepares the admin transactions
/// (the payments service holds no admin key), each is signed in place with the admin's key (here the PUBLIC anvil #0
/// deployer key, as `tradechain sign` would on the operator's side) and sent, and the page ends with every step done,
/// the allowlist entry and the configuration lines to copy.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class OnboardingJourneyTests(ConsoleSystem system, BrowserFixture browser)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Slow = new() { Timeout = 60_000 };

    [Fact]
    public async Task The_operator_onboards_a_bank_signing_each_admin_transaction_in_place()
    {
        var page = await browser.NewPageAsync(system.ConsoleUrl);
        try
        {
            await page.SignInAsync(Roles.Operator, "OPS-TRADECHAIN", "network.ops");
            await page.GetByRole(AriaRole.Link, new() { Name = "Onboard a party" }).ClickAsync();
            await page.WaitForInteractiveAsync();

            const string party = "BNK-CONSOLE-ONBOARD";
            var address = EthECKey.GenerateKey().GetPublicAddress();
            await page.GetByTestId("onboard-party").FillAsync(party);
            await page.GetByTestId("onboard-role").SelectOptionAsync("bank");
            await page.GetByTestId("onboard-address").FillAsync(address);
            await page.GetByTestId("onboard-signer").FillAsync("https://signer.console-onboard.example/");
            await page.GetByTestId("onboard-submit").ClickAsync();
            var steps = page.GetByTestId("onboarding-step");
            await Expect(steps).ToHaveCountAsync(2 * LedgerDeployer.SettlementCurrencies.Count, new() { Timeout = 60_000 });
            await page.ScreenshotAsync("onboarding-prepared");
            Assert.Empty(await page.SeriousAccessibilityViolationsAsync());

            // A transaction signed with another key (a mix-up of key files): refused in words, nothing sent.
            var awaiting = page.Locator("[data-testid='onboarding-step'][data-status='awaiting-signature']").First;
            var transaction = JsonNode.Parse((await awaiting.GetByTestId("unsigned-transaction").TextContentAsync())!)!.AsObject();
            var mixedUp = transaction.DeepClone().AsObject();
            mixedUp["from"] = new TransactionSigner(DevelopmentAccounts.OutsiderKey, DevelopmentAccounts.ChainId).Address;
            await awaiting.GetByTestId("signed-transaction").FillAsync(SignCommand.Sign(mixedUp.ToJsonString(), DevelopmentAccounts.OutsiderKey, TextWriter.Null).Raw);
            await awaiting.GetByTestId("send-signed").ClickAsync();
            await Expect(awaiting.Locator("[role='alert']")).ToContainTextAsync("not by the admin account", new() { Timeout = 30_000 });
            await page.ScreenshotAsync("onboarding-refused");

            // Each awaiting step signed with the admin's key, in order.
            for (var i = 0; i < 2 * LedgerDeployer.SettlementCurrencies.Count; i++)
            {
                var step = page.Locator("[data-testid='onboarding-step'][data-status='awaiting-signature']").First;
                var unsigned = await step.GetByTestId("unsigned-transaction").TextContentAsync(new() { Timeout = 30_000 });
                await step.GetByTestId("signed-transaction").FillAsync(SignCommand.Sign(unsigned!, DevelopmentAccounts.DeployerKey, TextWriter.Null).Raw);
                await step.GetByTestId("send-signed").ClickAsync();
                await Expect(steps.Nth(i)).ToHaveAttributeAsync("data-status", "done", Slow);
            }
            await Expect(page.GetByTestId("onboarding")).ToHaveAttributeAsync("data-status", "done", Slow);
            await Expect(page.GetByTestId("onboarding-configuration")).ToContainTextAsync($"Parties__Signers__{party}__Url=https://signer.console-onboard.example/");
            await Expect(page.GetByTestId("onboarding-allowlist")).ToContainTextAsync("permissions_config.toml");
            await page.ScreenshotAsync("onboarding-done");
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            await page.ScreenshotAsync("failed-onboarding");
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{system.Diagnostics}");
        }
    }
}
