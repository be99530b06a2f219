using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TradeChain.Cli;
using TradeChain.ConsoleTests.Infrastructure;
using TradeChain.ServiceDefaults.Auth;
using static Microsoft.Playwright.Assertions;

namespace TradeChain.ConsoleTests;

/// <summary>
/// Banks and traders paying in the console, on the real system: a bank opens and funds its customer's account and
/// settles a duty with one action, seeing the receipt on chain while customs releases the goods; a documentary credit
/// goes from application to settlement by clicking, and a discrepant presentation is refused in one notice and waived;
/// ISO 20022 messages read as XML. Each journey uses its own parties, so journeys sharing the system do not meet.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class PaymentsJourneyTests(ConsoleSystem system, BrowserFixture browser)
{
    private const string Bank = "BNK-VCB", IssuingBank = "BNK-HSBC";

    /// <summary>Chain anchoring and the bus take seconds; a step shows within this.</summary>
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 60_000 };

    private static readonly LocatorAssertionsToContainTextOptions SlowContains = new() { Timeout = 60_000 };

    private static readonly LocatorAssertionsToBeVisibleOptions SlowVisible = new() { Timeout = 60_000 };

    private readonly List<IPage> _pages = [];

    private readonly AuthOptions _auth = new() { SigningKey = DevelopmentTokens.DevelopmentSigningKey };

    private Uri Payments => system.Services.Payments.BaseAddress;

    private Uri Documents => system.Services.Documents.BaseAddress;

    private Uri Customs => system.Services.Customs.BaseAddress;

    [Fact]
    public async Task A_bank_opens_and_funds_its_customers_account_settles_a_duty_with_one_action_and_customs_releases_the_goods()
    {
        await JourneyAsync("duty", async () =>
        {
            var declarant = Unique("EXP-DUTY");
            var (declarationId, reference) = await DeclarationWithDutyRequestedAsync(declarant);
            var payment = await PollAsync(declarant, Roles.Exporter, new Uri(Payments, $"/duty-payments/{reference}"), p => p["status"] is not null);
            var currency = payment["currency"]!.GetValue<string>();
            await OpenTreasuryAccountAsync(currency);

            // The declarant sees what it owes and mandates its bank for the duty's currency.
            var exporter = await SignedInAsync(Roles.Exporter, declarant, "anh.nguyen");
            await GoAsync(exporter, "/duty-payments");
            await Expect(exporter.Locator($"tr[data-reference='{reference}']")).ToContainTextAsync("Requested", SlowContains);
            Assert.Empty(await exporter.SeriousAccessibilityViolationsAsync());
            await GoAsync(exporter, "/accounts");
            await exporter.GetByLabel("Bank", new() { Exact = true }).FillAsync(Bank);
            await exporter.GetByLabel("Currency", new() { Exact = true }).FillAsync(currency);
            await exporter.GetByTestId("mandate-submit").ClickAsync();
            await Expect(exporter.GetByTestId("mandated")).ToContainTextAsync($"{Bank} may now open and keep your {currency} account");
            await Expect(exporter.GetByTestId("mandates")).ToContainTextAsync(Bank);
            Assert.Empty(await exporter.SeriousAccessibilityViolationsAsync());

            // The bank sees the duty now that it is mandated, opens the account, credits it and settles.
            var bank = await SignedInAsync(Roles.Bank, Bank, "treasury.ops");
            await GoAsync(bank, $"/duty-payments/{reference}");
            await Expect(bank.GetByTestId("payer-no-account")).ToBeVisibleAsync(SlowVisible);
            // Beside the Settle button, what settling now would meet (from the payer card further down).
            await Expect(bank.GetByTestId("settle-not-ready")).ToContainTextAsync($"{declarant} has no {currency} settlement account with your bank yet", SlowContains);
            await bank.GetByTestId("open-account").ClickAsync();
            await Expect(bank.GetByTestId("deposits-form")).ToBeVisibleAsync(SlowVisible);
            await Expect(bank.GetByTestId("settle-not-ready")).ToContainTextAsync($"{declarant}'s {currency} account lacks", SlowContains);
            // The shortfall and a booking reference tied to the duty are proposed; the bank books them.
            await Expect(bank.GetByLabel($"Amount ({currency})")).ToHaveValueAsync(new Regex(@"^\d+(\.\d+)?$"));
            await bank.GetByTestId("deposits-submit").ClickAsync();
            await Expect(bank.GetByTestId("payer-funded")).ToBeVisibleAsync(SlowVisible);
            await Expect(bank.GetByTestId("settle-not-ready")).ToHaveCountAsync(0); // funded: nothing to say
            await Expect(bank.GetByTestId("settle")).ToBeVisibleAsync();

            await GoAsync(bank, "/duty-payments");
            var row = bank.Locator($"tr[data-reference='{reference}']");
            await row.GetByTestId("settle").ClickAsync();
            await Expect(bank.GetByTestId("settled-receipt-hash")).ToHaveTextAsync(new Regex("^0x[0-9a-f]{64}$"), Slow);
            await Expect(bank.GetByTestId("settled-receipt-block")).ToHaveTextAsync(new Regex(@"^\d+$"));
            await Expect(row).ToContainTextAsync("Settled");
            var settled = await PollAsync(Bank, Roles.Bank, new Uri(Payments, $"/duty-payments/{reference}"), p => p["status"]!.GetValue<string>() == "Settled");
            await Expect(bank.GetByTestId("settled-receipt-hash")).ToHaveTextAsync(settled["settlementTransactionHash"]!.GetValue<string>());
            await bank.ScreenshotAsync("duties-bank");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());

            // Customs heard of it over the bus: the declaration is paid, and released on a green or blue lane.
            var declaration = await PollAsync(declarant, Roles.Exporter, new Uri(Customs, $"/declarations/{declarationId}"),
                d => d["status"]!.GetValue<string>() is "Paid" or "Released");
            Assert.Contains(declaration["status"]!.GetValue<string>(), new[] { "Paid", "Released" });

            // The payment's own page: the receipt, its history and its ISO 20022 messages, the pacs.008 readable as XML.
            await GoAsync(bank, $"/duty-payments/{reference}");
            await Expect(bank.GetByTestId("duty-status")).ToHaveTextAsync("Settled");
            await Expect(bank.GetByTestId("settlement-receipt-hash")).ToHaveTextAsync(settled["settlementTransactionHash"]!.GetValue<string>());
            await Expect(bank.GetByTestId("timeline")).ToContainTextAsync("Settled", SlowContains);
            var pacs = bank.Locator("tr[data-message-type^='pacs.008']");
            await Expect(pacs).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            var download = await bank.APIRequest.GetAsync(await pacs.GetByRole(AriaRole.Link, new() { Name = "Download" }).GetAttributeAsync("href") ?? "");
            Assert.Contains("urn:iso:std:iso:20022:tech:xsd:pacs.008", await download.TextAsync(), StringComparison.Ordinal);
            await pacs.GetByRole(AriaRole.Link, new() { Name = "View XML" }).ClickAsync();
            await Expect(bank.GetByTestId("message-type")).ToHaveTextAsync(new Regex("^pacs\\.008"));
            await Expect(bank.GetByTestId("message-xml")).ToContainTextAsync("FIToFICstmrCdtTrf");
            await Expect(bank.GetByTestId("message-xml")).ToContainTextAsync(reference);
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());

            // The account the bank keeps: ledger and chain side by side, the duty's debit among its entries.
            await GoAsync(bank, "/accounts");
            var account = bank.Locator($"[data-testid='accounts'] tr[data-party='{declarant}']");
            await Expect(account.GetByTestId("agreement")).ToHaveTextAsync("agree", Slow);
            await bank.ScreenshotAsync("accounts");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
            await account.GetByRole(AriaRole.Link).ClickAsync();
            await Expect(bank.GetByTestId("entries")).ToContainTextAsync("Duty payment");
            // The entries come a page at a time from the latest; the page says which of how many it shows.
            await Expect(bank.GetByTestId("entries-shown")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"^Entries 1–\d+ of \d+, counted from the latest"));
            await bank.ScreenshotAsync("account-entries");
            await Expect(bank.GetByTestId("messages")).ToContainTextAsync("camt.054");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());

            await GoAsync(bank, "/reconciliation");
            await Expect(bank.GetByTestId("reconciliation-accounts").Locator($"tr[data-party='{declarant}']").GetByTestId("agreement")).ToHaveTextAsync("agree");
            await bank.ScreenshotAsync("reconciliation");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
        });
    }

    [Fact]
    public async Task The_accounts_page_shows_a_mandate_an_opening_and_a_deposit_made_elsewhere_without_a_reload()
    {
        await JourneyAsync("accounts-followed", async () =>
        {
            var holder = Unique("EXP-ACCTS");
            var exporter = await SignedInAsync(Roles.Exporter, holder, "anh.nguyen");
            await GoAsync(exporter, "/accounts");
            await Expect(exporter.GetByText("You have not mandated a bank yet.")).ToBeVisibleAsync(SlowVisible);
            await Expect(exporter.GetByText("No accounts yet.")).ToBeVisibleAsync();
            // Each list follows its page by the service's long-poll (no timer): a live badge beside each heading.
            await Expect(exporter.GetByTestId("live-list")).ToHaveCountAsync(2);

            // Elsewhere (the holder's own system, then its bank): a mandate, the account opened, a deposit. The open page,
            // never reloaded, shows each.
            await PostAsync(holder, Roles.Exporter, new Uri(Payments, "/accounts/mandates"), new { bank = Bank, currency = "USD" });
            var mandate = exporter.Locator($"[data-testid='mandates'] tr[data-party='{holder}']");
            await Expect(mandate).ToContainTextAsync($"not opened yet by {Bank}", SlowContains);
            await PostAsync(Bank, Roles.Bank, new Uri(Payments, "/accounts"), new { party = holder, currency = "USD" });
            await Expect(mandate).ToContainTextAsync("Open — see the account", SlowContains);
            var account = exporter.Locator($"[data-testid='accounts'] tr[data-party='{holder}']");
            await Expect(account).ToContainTextAsync(Bank, SlowContains);
            await PostAsync(Bank, Roles.Bank, new Uri(Payments, $"/accounts/{holder}/USD/deposits"), new { amount = 12.34m, reference = Unique("DEP") });
            await Expect(account).ToContainTextAsync("12.34", SlowContains);
            await Expect(account.GetByTestId("agreement")).ToHaveTextAsync("agree", Slow);
            await exporter.ScreenshotAsync("accounts-followed");
            Assert.Empty(await exporter.SeriousAccessibilityViolationsAsync());
        });
    }

    [Fact]
    public async Task A_withdrawal_the_chain_has_not_taken_yet_shows_as_asked_and_not_booked_until_it_is_booked()
    {
        await JourneyAsync("withdrawal-queued", async () =>
        {
            var holder = await HolderAtBankAsync("EXP-WD");
            await PostAsync(Bank, Roles.Bank, new Uri(Payments, $"/accounts/{holder}/USD/deposits"), new { amount = 50m, reference = Unique("DEP") });
            var bank = await SignedInAsync(Roles.Bank, Bank, "treasury.ops");
            await GoAsync(bank, $"/accounts/{holder}/USD");
            await Expect(bank.GetByTestId("account-balance").GetByTestId("ledger-balance")).ToHaveTextAsync("50.00", Slow);
            await Expect(bank.GetByTestId("instructions")).ToHaveCountAsync(0);

            // The chain mines nothing (a node behind, a stall): the withdrawal is sent by the process that signs for the bank
            // and waits in the node; the form's request waits for it, then says it is queued; the page lists it as asked.
            var chain = new Nethereum.Web3.Web3(system.Services.Chain.RpcUrl);
            var reference = Unique("WD");
            await chain.Client.SendRequestAsync<object?>("evm_setAutomine", null, false);
            try
            {
                await AskOnAccountPageAsync(bank, "withdrawals", "20", reference);
                var asked = bank.GetByTestId("instructions").GetByTestId("instruction");
                await Expect(asked).ToContainTextAsync(reference, SlowContains);
                await Expect(asked).ToContainTextAsync("Withdrawal");
                await Expect(asked).ToContainTextAsync("Queued");
                await Expect(bank.GetByTestId("account-balance").GetByTestId("ledger-balance")).ToHaveTextAsync("50.00");
                // The balance's card says what is on its way out, with the balance it is read with, and what is left to withdraw.
                await Expect(bank.GetByTestId("account-queued")).ToHaveTextAsync("1 withdrawal, 20.00 USD");
                await Expect(bank.GetByTestId("account-withdrawable")).ToHaveTextAsync("30.00 USD");
                await bank.ScreenshotAsync("withdrawal-queued");
                Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
                // The holder sees it waiting on its own page too.
                var exporter = await SignedInAsync(Roles.Exporter, holder, "anh.nguyen");
                await GoAsync(exporter, $"/accounts/{holder}/USD");
                await Expect(exporter.GetByTestId("instructions").GetByTestId("instruction")).ToContainTextAsync(reference, SlowContains);
                await Expect(exporter.GetByTestId("instruction-cancel")).ToHaveCountAsync(0); // the holder cannot cancel its bank's withdrawal

                // The bank cancels it — too late: its burn is in the node already, and the send under way runs to its outcome.
                // The row says the cancel is asked; the burn, once mined, is booked all the same (below) — a cancel never
                // leaves a movement unbooked.
                await asked.GetByTestId("instruction-cancel").ClickAsync();
                await Expect(asked).ToContainTextAsync("Cancel asked by", SlowContains);
                await Expect(asked.GetByTestId("instruction-cancel")).ToHaveCountAsync(0);
                await bank.ScreenshotAsync("withdrawal-cancel-asked");
                Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
            }
            finally
            {
                await chain.Client.SendRequestAsync<object?>("evm_setAutomine", null, true);
                await chain.Client.SendRequestAsync<object?>("evm_mine", null);
            }

            // Mined: the open page, never reloaded, shows the entry and no longer lists it as asked.
            await Expect(bank.GetByTestId("account-balance").GetByTestId("ledger-balance")).ToHaveTextAsync("30.00", Slow);
            await Expect(bank.GetByTestId("entries")).ToContainTextAsync(reference);
            await Expect(bank.GetByTestId("instructions")).ToHaveCountAsync(0, new() { Timeout = 60_000 });
            await Expect(bank.GetByTestId("account-queued")).ToHaveCountAsync(0, new() { Timeout = 60_000 });
            await bank.ScreenshotAsync("withdrawal-booked");
            // Booked: a cancel now is refused, naming the transaction (the API's 409; the page offers none).
            var (late, problem) = await PostStatusAsync(Bank, Roles.Bank, new Uri(Payments, $"/accounts/{holder}/USD/withdrawals/{reference}/cancel"), new { });
            Assert.Equal((HttpStatusCode.Conflict, "booking-made"), (late, problem?["rule"]?.GetValue<string>()));
            Assert.Contains("was burnt and booked in transaction 0x", problem!["detail"]!.GetValue<string>());
        });
    }

    [Fact]
    public async Task A_deposit_its_bank_cancels_before_it_is_sent_shows_as_cancelled_naming_the_void_of_its_reference_on_chain()
    {
        await JourneyAsync("deposit-cancelled", async () =>
        {
            var holder = await HolderAtBankAsync("EXP-CXL");
            var payments = system.Services.Payments;
            var reference = Unique("DEP");
            try
            {
                // The process that signs for the bank is down (payments runs without its sender for a moment): the deposit is
                // asked, queued, not sent.
                await RestartPaymentsAsync(senderOn: false);
                var bank = await SignedInAsync(Roles.Bank, Bank, "treasury.ops");
                await GoAsync(bank, $"/accounts/{holder}/USD");
                await AskOnAccountPageAsync(bank, "deposits", "35", reference);
                var row = bank.GetByTestId("instructions").GetByTestId("instruction");
                await Expect(row).ToContainTextAsync(reference, SlowContains);

                // The clerk cancels it: the row says so at once.
                await row.GetByTestId("instruction-cancel").ClickAsync();
                await Expect(row).ToContainTextAsync("Cancel asked by", SlowContains);
                await Expect(row).ToContainTextAsync("The chain decides it");

                // The sender back: it voids the deposit's reference on chain, and the open page shows the row cancelled,
                // naming the void's transaction; nothing was minted.
                await RestartPaymentsAsync(senderOn: true);
                await Expect(row).ToContainTextAsync("Cancelled", new() { Timeout = 90_000 });
                await Expect(row).ToContainTextAsync("its reference is voided on chain (transaction 0x");
                await Expect(row).ToContainTextAsync("Asked again, it needs a new reference.");
                await Expect(row.GetByTestId("instruction-cancel")).ToHaveCountAsync(0);
                await Expect(bank.GetByTestId("account-balance").GetByTestId("ledger-balance")).ToHaveTextAsync("0.00");
                // The form's answer no longer says the deposit is on its way.
                await Expect(bank.GetByTestId("deposits-queued")).ToHaveTextAsync($"Deposit {reference} was queued, and is now cancelled: its row under “Asked, not booked” says why.");
                await bank.ScreenshotAsync("deposit-cancelled");
                Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
            }
            finally
            {
                payments.SetSetting("Payments:SettlementWorkerEnabled", "true");
                if (payments.Usage() is null) await payments.StartAsync();
            }
        });
    }

    [Fact]
    public async Task A_bank_that_took_its_key_to_itself_cancels_a_queued_deposit_by_signing_the_void_of_its_reference_on_its_signatures_page()
    {
        await JourneyAsync("deposit-cancel-signed", async () =>
        {
            // A bank the service signs for (its development key derived here) keeps a holder's account; a deposit is queued while
            // nothing sends it; then the bank takes its key to itself (Parties:SelfSigned) — nothing here can void its reference.
            const string movedBank = "BNK-MOVEDKEY";
            var bankKey = TradeChain.Ledger.PartyWallets.DevelopmentKey(movedBank); // its PUBLIC development key
            var bankAddress = ConsoleSystem.AddressOf(bankKey);
            await OnboardBankAsync(bankAddress);
            var holder = await HolderAtBankAsync("EXP-MVD", movedBank);
            var payments = system.Services.Payments;
            var reference = Unique("DEP");
            try
            {
                await RestartPaymentsAsync(senderOn: false);
                using (var client = Client(Roles.Bank, movedBank))
                using (var ask = new HttpRequestMessage(HttpMethod.Post, new Uri(Payments, $"/accounts/{holder}/USD/deposits")) { Content = JsonContent.Create(new { amount = 40m, reference }) })
                {
                    ask.Headers.Add("Prefer", "respond-async");
                    using var queued = await client.SendAsync(ask);
                    Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
                }
                payments.SetSetting($"Parties:SelfSigned:{movedBank}", bankAddress);
                await RestartPaymentsAsync(senderOn: true);
            }
            finally
            {
                payments.SetSetting("Payments:SettlementWorkerEnabled", "true");
                if (payments.Usage() is null) await payments.StartAsync();
            }

            // The clerk cancels it on the account's page: the row says the cancel is asked and how the chain decides it.
            var bank = await SignedInAsync(Roles.Bank, movedBank, "treasury.ops");
            await GoAsync(bank, $"/accounts/{holder}/USD");
            var row = bank.GetByTestId("instructions").GetByTestId("instruction");
            await Expect(row).ToContainTextAsync(reference, SlowContains);
            await row.GetByTestId("instruction-cancel").ClickAsync();
            await Expect(row).ToContainTextAsync("Cancel asked by", SlowContains);
            await Expect(row).ToContainTextAsync("the bank may sign that void under “Signatures awaiting you”");

            // Under "Signatures awaiting you": the void of the deposit's reference, from the bank's account. The clerk downloads
            // it, signs it on the bank's side and pastes the signature.
            await bank.GetByTestId("nav-signatures").ClickAsync();
            await bank.WaitForInteractiveAsync();
            var card = bank.GetByTestId("pending-signatures").GetByTestId("pending-signature");
            await Expect(card).ToContainTextAsync($"Cancel of deposit {reference} on {holder}'s USD account", SlowContains);
            var download = await bank.RunAndWaitForDownloadAsync(() => card.GetByTestId("unsigned-download").ClickAsync());
            var transaction = JsonNode.Parse(await File.ReadAllTextAsync(await download.PathAsync()))!.AsObject();
            Assert.Equal(bankAddress, transaction["from"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            await bank.ScreenshotAsync("deposit-void-awaiting");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
            var signed = await SignAsync(transaction, bankKey);
            await card.GetByTestId("signed-transaction").FillAsync(signed);
            await card.GetByTestId("send-signed").ClickAsync();
            var done = bank.GetByTestId("closed-signatures").GetByTestId("pending-signature");
            await Expect(done.GetByTestId("signature-outcome")).ToContainTextAsync($"The reference of deposit {reference} is voided on chain", SlowContains);
            await Expect(done.GetByTestId("signature-receipt-hash")).ToHaveTextAsync(TradeChain.Ledger.DecodedTransaction.Decode(signed).Hash, Slow);

            // The account's page: the deposit cancelled, naming the bank's own void; nothing was minted.
            await GoAsync(bank, $"/accounts/{holder}/USD");
            await Expect(row).ToContainTextAsync("Cancelled", SlowContains);
            await Expect(row).ToContainTextAsync($"its reference is voided on chain (transaction {TradeChain.Ledger.DecodedTransaction.Decode(signed).Hash}", SlowContains);
            await Expect(bank.GetByTestId("account-balance").GetByTestId("ledger-balance")).ToHaveTextAsync("0.00");
            await bank.ScreenshotAsync("deposit-cancel-signed");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
        });
    }

    [Fact]
    public async Task A_deposit_the_chain_has_not_taken_yet_covers_the_duty_on_its_page_and_is_not_offered_again_while_it_waits()
    {
        await JourneyAsync("payer-deposit-queued", async () =>
        {
            var declarant = Unique("EXP-DEPQ");
            var (_, reference) = await DeclarationWithDutyRequestedAsync(declarant);
            var payment = await PollAsync(declarant, Roles.Exporter, new Uri(Payments, $"/duty-payments/{reference}"), p => p["status"] is not null);
            var (currency, due) = (payment["currency"]!.GetValue<string>(), payment["amount"]!.GetValue<decimal>());
            await PostAsync(declarant, Roles.Exporter, new Uri(Payments, "/accounts/mandates"), new { bank = Bank, currency });
            await PostAsync(Bank, Roles.Bank, new Uri(Payments, "/accounts"), new { party = declarant, currency });
            var bank = await SignedInAsync(Roles.Bank, Bank, "treasury.ops");
            await GoAsync(bank, $"/duty-payments/{reference}");
            await Expect(bank.GetByTestId("deposits-form")).ToBeVisibleAsync(SlowVisible);

            // The chain mines nothing (a node behind, a stall): the deposit waits in the node, and the card — following the
            // account, whose view gives the deposits queued with its balance — counts it against the shortfall: the form gives
            // way to the queued deposit, nothing more is offered, though the balance has not moved.
            var chain = new Nethereum.Web3.Web3(system.Services.Chain.RpcUrl);
            await chain.Client.SendRequestAsync<object?>("evm_setAutomine", null, false);
            try
            {
                await bank.GetByTestId("deposits-submit").ClickAsync();
                await Expect(bank.GetByTestId("payer-queued")).ToContainTextAsync($"One deposit of {TradeChain.Console.Services.Display.Money(due, currency)} is waiting", SlowContains);
                await Expect(bank.GetByTestId("payer-covered")).ToBeVisibleAsync(SlowVisible);
                await Expect(bank.GetByTestId("payer-balance")).ToHaveTextAsync(TradeChain.Console.Services.Display.Money(0m, currency));
                await Expect(bank.GetByTestId("settle-not-ready")).ToContainTextAsync("only once the deposits queued on it are booked: settle then", SlowContains);
                await bank.ScreenshotAsync("payer-deposit-queued");
                Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
                // Another clerk opening the duty now is not offered the deposit again either.
                var other = await SignedInAsync(Roles.Bank, Bank, "treasury.clerk2");
                await GoAsync(other, $"/duty-payments/{reference}");
                await Expect(other.GetByTestId("payer-covered")).ToBeVisibleAsync(SlowVisible);
            }
            finally
            {
                await chain.Client.SendRequestAsync<object?>("evm_setAutomine", null, true);
                await chain.Client.SendRequestAsync<object?>("evm_mine", null);
            }

            // Mined and booked: the open page, never reloaded, shows the account funded and nothing queued.
            await Expect(bank.GetByTestId("payer-funded")).ToBeVisibleAsync(SlowVisible);
            await Expect(bank.GetByTestId("settle-not-ready")).ToHaveCountAsync(0);
            await bank.ScreenshotAsync("payer-deposit-booked");
        });
    }

    [Fact]
    public async Task A_bank_that_keeps_its_key_signs_the_settlement_itself_and_a_signature_of_another_account_is_refused_in_words()
    {
        await JourneyAsync("self-signed", async () =>
        {
            var (declarant, declarationId, reference) = await FundedDutyAsync("EXP-SELF");

            // The bank asks for the transfer to sign, on the payment's page.
            var bank = await SignedInAsync(Roles.Bank, Bank, "treasury.ops");
            await GoAsync(bank, $"/duty-payments/{reference}");
            await bank.GetByTestId("self-signing").Locator("summary").ClickAsync();
            await bank.GetByTestId("prepare-signing").ClickAsync();
            var unsigned = await bank.GetByTestId("unsigned-transaction").TextContentAsync(new() { Timeout = 30_000 });
            var transaction = JsonNode.Parse(unsigned!)!.AsObject();
            Assert.Equal(BankAccount.Address, transaction["from"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            await bank.ScreenshotAsync("self-signing");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());

            // A transaction signed by another account (a mix-up of key files): refused, saying whose it is and whose it should be.
            var mixedUp = transaction.DeepClone().AsObject();
            mixedUp["from"] = new TradeChain.Ledger.TransactionSigner(PartyWalletsKey(IssuingBank), TradeChain.Ledger.DevelopmentAccounts.ChainId).Address;
            await bank.GetByTestId("signed-transaction").FillAsync(await SignAsync(mixedUp, PartyWalletsKey(IssuingBank)));
            await bank.GetByTestId("send-signed").ClickAsync();
            await Expect(bank.Locator("[data-testid='self-signing'] [role='alert']")).ToContainTextAsync($"not by {Bank}'s account", SlowContains);
            await Expect(bank.GetByTestId("duty-status")).ToHaveTextAsync("Requested");

            // Signed with the bank's own key (the CLI, as the bank would on its side): settled by exactly that transaction.
            var signed = await SignAsync(transaction, PartyWalletsKey(Bank));
            await bank.GetByTestId("signed-transaction").FillAsync(signed);
            await bank.GetByTestId("send-signed").ClickAsync();
            await Expect(bank.GetByTestId("duty-status")).ToHaveTextAsync("Settled", Slow);
            await Expect(bank.GetByTestId("settlement-receipt-hash")).ToHaveTextAsync(TradeChain.Ledger.DecodedTransaction.Decode(signed).Hash);
            await bank.ScreenshotAsync("self-signed-settled");
            var declaration = await PollAsync(declarant, Roles.Exporter, new Uri(Customs, $"/declarations/{declarationId}"),
                d => d["status"]!.GetValue<string>() is "Paid" or "Released");
            Assert.Contains(declaration["status"]!.GetValue<string>(), new[] { "Paid", "Released" });
        });
    }

    [Fact]
    public async Task A_bank_settles_with_its_browser_wallet_which_signs_only_by_sending_and_the_payment_is_settled_by_that_transaction()
    {
        await JourneyAsync("wallet", async () =>
        {
            var (declarant, declarationId, reference) = await FundedDutyAsync("EXP-WALLET");

            // The bank's browser has a wallet holding the bank's key (here its development signer, as MetaMask would hold it):
            // like MetaMask it will not sign without sending, so it sends the transfer to the chain itself. It is on
            // Ethereum's network at first: the page asks it to switch to TradeChain's.
            var bank = await SignedInAsync(Roles.Bank, Bank, "treasury.ops");
            var wallet = new BrowserWalletStandIn(system.Services.BankSignerUrl, system.Services.Chain.RpcUrl, BankAccount.Address, startsOnChain: 1);
            await wallet.InstallAsync(bank);
            await GoAsync(bank, $"/duty-payments/{reference}");
            await bank.GetByTestId("self-signing").Locator("summary").ClickAsync();
            await bank.GetByTestId("wallet-sign").ClickAsync();
            await Expect(bank.GetByTestId("duty-status")).ToHaveTextAsync("Settled", Slow);
            var sent = Assert.Single(wallet.Sent);
            await Expect(bank.GetByTestId("settlement-receipt-hash")).ToHaveTextAsync(sent);
            Assert.Contains("eth_signTransaction", wallet.Asked); // it asked to sign first, and sent when the wallet would not
            Assert.True(wallet.Asked.IndexOf("wallet_switchEthereumChain") < wallet.Asked.IndexOf("eth_signTransaction"), string.Join(", ", wallet.Asked));
            await bank.ScreenshotAsync("wallet-settled");
            var declaration = await PollAsync(declarant, Roles.Exporter, new Uri(Customs, $"/declarations/{declarationId}"),
                d => d["status"]!.GetValue<string>() is "Paid" or "Released");
            Assert.Contains(declaration["status"]!.GetValue<string>(), new[] { "Paid", "Released" });
        });
    }

    [Fact]
    public async Task A_wallet_offering_another_account_is_told_which_account_to_select_and_nothing_is_signed()
    {
        await JourneyAsync("wallet-account", async () =>
        {
            var (_, _, reference) = await FundedDutyAsync("EXP-WALLET2");

            var bank = await SignedInAsync(Roles.Bank, Bank, "treasury.ops");
            var otherAccount = new Nethereum.Web3.Accounts.Account(PartyWalletsKey(IssuingBank)).Address;
            var wallet = new BrowserWalletStandIn(system.Services.BankSignerUrl, system.Services.Chain.RpcUrl, otherAccount);
            await wallet.InstallAsync(bank);
            await GoAsync(bank, $"/duty-payments/{reference}");
            await bank.GetByTestId("self-signing").Locator("summary").ClickAsync();
            await bank.GetByTestId("wallet-sign").ClickAsync();
            await Expect(bank.GetByTestId("wallet-error")).ToContainTextAsync($"does not offer your account {BankAccount.Address}", SlowContains);
            Assert.Empty(wallet.Sent);
            Assert.DoesNotContain("eth_signTransaction", wallet.Asked);
            await Expect(bank.GetByTestId("duty-status")).ToHaveTextAsync("Requested");
        });
    }

    [Fact]
    public async Task A_transfer_the_banks_wallet_made_before_customs_withdrew_the_payment_shows_as_settled_after_the_withdrawal()
    {
        await JourneyAsync("wallet-late", async () =>
        {
            var (declarant, declarationId, reference) = await FundedDutyAsync("EXP-LATE");
            // The bank's wallet sends the prepared transfer itself; before its hash reaches TradeChain, the declarant cancels.
            var unsigned = await PostAsync(Bank, Roles.Bank, new Uri(Payments, $"/duty-payments/{reference}/settle/transaction"), new { });
            var chain = new Nethereum.Web3.Web3(system.Services.Chain.RpcUrl);
            var sent = await chain.Eth.Transactions.SendRawTransaction.SendRequestAsync(await SignAsync(unsigned, PartyWalletsKey(Bank)));
            await PostAsync(declarant, Roles.Exporter, new Uri(Customs, $"/declarations/{declarationId}/cancel"), new { reason = "the buyer withdrew the order" });
            await PollAsync(Bank, Roles.Bank, new Uri(Payments, $"/duty-payments/{reference}"), p => p["status"]!.GetValue<string>() == "Withdrawn");
            // Its hash given (the page's wallet flow, or the API after the page was closed): the money moved, so it is recorded.
            var settled = await PostAsync(Bank, Roles.Bank, new Uri(Payments, $"/duty-payments/{reference}/settle"), new { sentTransaction = sent });
            Assert.Equal("Settled", settled["status"]!.GetValue<string>());

            var bank = await SignedInAsync(Roles.Bank, Bank, "treasury.ops");
            await GoAsync(bank, $"/duty-payments/{reference}");
            await Expect(bank.GetByTestId("duty-status")).ToHaveTextAsync("Settled", Slow);
            await Expect(bank.GetByTestId("settlement-receipt-hash")).ToHaveTextAsync(sent);
            await Expect(bank.GetByTestId("settled-after-withdrawal")).ToContainTextAsync("declaration cancelled"); // customs' reason
            await Expect(bank.GetByTestId("settled-after-withdrawal")).ToContainTextAsync("refund");
            await bank.ScreenshotAsync("wallet-settled-after-withdrawal");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
        });
    }

    [Fact]
    public async Task A_bank_whose_settlement_the_chain_refuses_reads_why_on_the_payment_and_nothing_moved()
    {
        await JourneyAsync("refused", async () =>
        {
            var (_, _, reference) = await FundedDutyAsync("EXP-REFUSED");
            var currency = (await PollAsync(Bank, Roles.Bank, new Uri(Payments, $"/duty-payments/{reference}"), p => p["currency"] is not null))["currency"]!.GetValue<string>();
            // The bank itself, with its own key outside TradeChain, took the duty's reference on chain for something else
            // (0.01 minted to its own account): the token refuses any other transfer under it.
            await MintOutsideTradeChainAsync(currency, BankAccount.Address, 1, $"duty-payment:{reference}");

            var bank = await SignedInAsync(Roles.Bank, Bank, "treasury.ops");
            await GoAsync(bank, $"/duty-payments/{reference}");
            await bank.GetByTestId("settle").ClickAsync();
            var refused = bank.GetByTestId("settlement-refused");
            await Expect(refused).ToHaveAttributeAsync("data-rule", "reference-bound-elsewhere", new() { Timeout = 60_000 });
            await Expect(refused).ToContainTextAsync("DuplicateReference");
            await Expect(refused).ToContainTextAsync("Nothing moved");
            await Expect(refused).ToContainTextAsync("refused the same way"); // not "settle it again": the reference stays taken
            await Expect(bank.GetByTestId("duty-status")).ToHaveTextAsync("Requested");
            await bank.ScreenshotAsync("settlement-refused");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
            var payment = await PollAsync(Bank, Roles.Bank, new Uri(Payments, $"/duty-payments/{reference}"), p => p["status"]!.GetValue<string>() == "Requested");
            Assert.Null(payment["settlementTransactionHash"]?.GetValue<string>());
        });
    }

    [Fact]
    public async Task An_account_whose_chain_balance_is_beyond_what_the_ledger_books_says_so_and_still_takes_a_deposit()
    {
        await JourneyAsync("out-of-range", async () =>
        {
            var (declarant, _, reference) = await FundedDutyAsync("EXP-RANGE");
            var currency = (await PollAsync(Bank, Roles.Bank, new Uri(Payments, $"/duty-payments/{reference}"), p => p["currency"] is not null))["currency"]!.GetValue<string>();
            var account = await PollAsync(Bank, Roles.Bank, new Uri(Payments, $"/accounts/{declarant}/{currency}"), a => a["address"] is not null);
            var booked = account["balance"]!.GetValue<decimal>();
            Assert.Equal("VND", currency); // the table's amounts are checked without minor digits below
            // The bank, with its own key outside TradeChain, mints 2^63 minor units to the account: more than the ledger books.
            await MintOutsideTradeChainAsync(currency, account["address"]!.GetValue<string>(), System.Numerics.BigInteger.Pow(2, 63), Unique("outside"));

            // The list says why the chain balance is not shown and that the two differ; the booked balance is given.
            var bank = await SignedInAsync(Roles.Bank, Bank, "treasury.ops");
            await GoAsync(bank, "/accounts");
            var row = bank.Locator($"[data-testid='accounts'] tr[data-party='{declarant}']");
            await Expect(row.GetByTestId("chain-balance")).ToHaveTextAsync("too large for the ledger (minted outside TradeChain)", Slow);
            await Expect(row.GetByTestId("agreement")).ToHaveTextAsync("differ");
            await Expect(row.GetByTestId("ledger-balance")).ToHaveTextAsync(InTable(booked, currency));
            await bank.ScreenshotAsync("accounts-out-of-range");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());

            // Its page takes a deposit: booked once and answered with the booked balance (before, a 409 after the booking committed).
            await row.GetByRole(AriaRole.Link).ClickAsync();
            var form = bank.GetByTestId("deposits-form");
            await form.GetByLabel($"Amount ({currency})").FillAsync("1");
            await form.GetByLabel("Booking reference").FillAsync(Unique("DEP"));
            await bank.GetByTestId("deposits-submit").ClickAsync();
            var balance = bank.GetByTestId("account-balance");
            await Expect(balance.GetByTestId("ledger-balance")).ToHaveTextAsync(InTable(booked + 1m, currency), Slow);
            await Expect(balance.GetByTestId("chain-balance")).ToHaveTextAsync("too large for the ledger (minted outside TradeChain)");
            await Expect(bank.GetByTestId("problem")).ToHaveCountAsync(0);
            await bank.ScreenshotAsync("account-out-of-range");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
            Assert.Equal(booked + 1m, (await PollAsync(Bank, Roles.Bank, new Uri(Payments, $"/accounts/{declarant}/{currency}"), a => a["address"] is not null))["balance"]!.GetValue<decimal>());

            // The chain node stalls: the account page and the duty's payer account still come (after the view's 10 s wait
            // for the chain), with the booked balance and the chain balance "not read just now" — not an error page.
            // (Until both pages are seen, at most 3 minutes: the duty page also waits for its history's proof check.)
            using var resume = new CancellationTokenSource();
            var stall = system.Services.Chain.StallAsync(TimeSpan.FromMinutes(3), resume.Token);
            try
            {
                await GoAsync(bank, $"/accounts/{declarant}/{currency}");
                var stalled = bank.GetByTestId("account-balance");
                await Expect(stalled.GetByTestId("chain-balance")).ToHaveTextAsync("chain balance not read just now", Slow);
                await Expect(stalled.GetByTestId("ledger-balance")).ToHaveTextAsync(InTable(booked + 1m, currency));
                await Expect(stalled.GetByTestId("agreement")).ToHaveTextAsync("unknown");
                await Expect(bank.GetByTestId("problem")).ToHaveCountAsync(0);
                await bank.ScreenshotAsync("account-chain-not-read");
                await GoAsync(bank, $"/duty-payments/{reference}");
                await Expect(bank.GetByTestId("payer-account")).ToContainTextAsync("chain balance not read just now", new() { Timeout = 60_000 });
                // Its whole units (the page formats the amount in the currency's own way: no minor units for VND).
                await Expect(bank.GetByTestId("payer-balance")).ToContainTextAsync(Math.Truncate(booked + 1m).ToString("#,0", System.Globalization.CultureInfo.InvariantCulture));
                await bank.ScreenshotAsync("payer-account-chain-not-read");
            }
            finally
            {
                await resume.CancelAsync();
                await stall;
            }
        });
    }

    [Fact]
    public async Task A_bank_ticks_several_duties_settles_them_with_one_action_and_reads_which_one_was_refused_and_why()
    {
        await JourneyAsync("bulk", async () =>
        {
            var (_, _, first) = await FundedDutyAsync("EXP-BULK");
            var (_, _, second) = await FundedDutyAsync("EXP-BULK");
            // A third declarant mandated the bank, which opened its account but booked nothing into it: its duty cannot be paid.
            var broke = Unique("EXP-BULK");
            var (_, third) = await DeclarationWithDutyRequestedAsync(broke);
            var currency = (await PollAsync(broke, Roles.Exporter, new Uri(Payments, $"/duty-payments/{third}"), p => p["currency"] is not null))["currency"]!.GetValue<string>();
            await PostAsync(broke, Roles.Exporter, new Uri(Payments, "/accounts/mandates"), new { bank = Bank, currency });
            await PostAsync(Bank, Roles.Bank, new Uri(Payments, "/accounts"), new { party = broke, currency });

            var bank = await SignedInAsync(Roles.Bank, Bank, "treasury.ops");
            await GoAsync(bank, "/duty-payments");
            var settle = bank.GetByTestId("settle-selected");
            await Expect(settle).ToBeDisabledAsync(); // nothing ticked yet
            foreach (var reference in new[] { first, second, third })
                await bank.Locator($"tr[data-reference='{reference}']").GetByTestId("select").CheckAsync(new() { Timeout = 60_000 });
            await Expect(settle).ToContainTextAsync("Settle selected (3)");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
            await settle.ClickAsync();

            var outcome = bank.GetByTestId("bulk-settled");
            await Expect(outcome).ToContainTextAsync("2 payments settled to the customs treasury", SlowContains);
            await Expect(outcome).ToContainTextAsync("1 payment refused (nothing moved for it)");
            var refused = bank.GetByTestId("bulk-refused");
            await Expect(refused).ToContainTextAsync(third);
            await Expect(refused).ToContainTextAsync("insufficient-funds");
            await Expect(refused).ToContainTextAsync($"{broke}'s {currency} account holds 0"); // why, in words
            await Expect(refused).ToContainTextAsync("Open the payment to fund the payer's account");
            await Expect(refused).Not.ToContainTextAsync(first);
            await Expect(refused).Not.ToContainTextAsync(second);
            foreach (var reference in new[] { first, second })
                await Expect(bank.Locator($"tr[data-reference='{reference}']")).ToContainTextAsync("Settled", SlowContains);
            await Expect(bank.Locator($"tr[data-reference='{third}']")).ToContainTextAsync("Requested");
            await Expect(settle).ToContainTextAsync("Settle selected (0)"); // the ticks went with the request
            await bank.ScreenshotAsync("duties-bulk-settled");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
            foreach (var reference in new[] { first, second })
                Assert.Equal("Settled", (await PollAsync(Bank, Roles.Bank, new Uri(Payments, $"/duty-payments/{reference}"), p => p["status"] is not null))["status"]!.GetValue<string>());
        });
    }

    /// <summary>
    /// A declarant (named from <paramref name="prefix"/>) owing a duty, having mandated the bank, whose account the bank
    /// opened and funded with the duty; the treasury's account open: the payment waits for the bank to settle it.
    /// </summary>
    [Fact]
    public async Task A_bank_that_keeps_its_key_signs_the_escrow_adjustment_a_beneficiarys_acceptance_waits_for_on_its_signatures_page()
    {
        await JourneyAsync("signatures", async () =>
        {
            // The self-signing bank, onboarded on chain, keeps the applicant's account and issues a credit (each of its own
            // steps signed in its own request); the beneficiary banks with VCB.
            var ownKey = ConsoleSystem.SelfSignedBankKey;
            var (applicant, beneficiary, bankAddress) = await SelfSignedBanksCustomersAsync("OWN");
            await SelfSignedPostAsync(new Uri(Payments, "/accounts"), new { party = applicant, currency = "USD" });
            await SelfSignedPostAsync(new Uri(Payments, $"/accounts/{applicant}/USD/deposits"), new { amount = 20_000m, reference = Unique("DEP") });
            var creditId = await AppliedToSelfSignedBankAsync(applicant, beneficiary);
            var credit = new Uri(Payments, $"/credits/{creditId}/");
            await SelfSignedPostAsync(new Uri(credit, "issue"), new { });
            await PostAsync(ConsoleSystem.SelfSignedBank, Roles.Bank, new Uri(credit, "amendments"), new { terms = new { amount = 12_000m }, reason = "price increase agreed" });

            // The beneficiary accepts in the console: it waits for the bank's signature, and says so.
            var exporter = await SignedInAsync(Roles.Exporter, beneficiary, "lan.tran");
            await GoAsync(exporter, $"/credits/{creditId}");
            await exporter.GetByTestId("amendment-accept").ClickAsync();
            await Expect(exporter.GetByTestId("amendment-awaiting-signature")).ToContainTextAsync($"awaits {ConsoleSystem.SelfSignedBank}'s signature", SlowContains);

            // The bank finds it under "Signatures awaiting you", downloads the transaction, signs it on its side and pastes the signature.
            var bank = await SignedInAsync(Roles.Bank, ConsoleSystem.SelfSignedBank, "credit.ops");
            await GoAsync(bank, "/");
            await bank.GetByTestId("nav-signatures").ClickAsync();
            await bank.WaitForInteractiveAsync();
            var card = bank.GetByTestId("pending-signatures").GetByTestId("pending-signature");
            await Expect(card).ToContainTextAsync(beneficiary, SlowContains);
            var download = await bank.RunAndWaitForDownloadAsync(() => card.GetByTestId("unsigned-download").ClickAsync());
            var transaction = JsonNode.Parse(await File.ReadAllTextAsync(await download.PathAsync()))!.AsObject();
            Assert.Equal(bankAddress, transaction["from"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
            await bank.ScreenshotAsync("signatures-awaiting");

            // Signed by another account: refused in words, naming whose it should be.
            var mixedUp = transaction.DeepClone().AsObject();
            mixedUp["from"] = BankAccount.Address;
            await card.GetByTestId("signed-transaction").FillAsync(await SignAsync(mixedUp, PartyWalletsKey(Bank)));
            await card.GetByTestId("send-signed").ClickAsync();
            await Expect(card.GetByRole(AriaRole.Alert)).ToContainTextAsync($"not by {ConsoleSystem.SelfSignedBank}'s account", SlowContains);

            // Signed with the bank's key while the chain mines nothing: the beneficiary's page, and the bank's signatures in
            // another window, show it being submitted; once mined, both follow it live to the amendment taken.
            var signed = await SignAsync(transaction, ownKey);
            var chain = new Nethereum.Web3.Web3(system.Services.Chain.RpcUrl);
            IPage watching;
            await chain.Client.SendRequestAsync<object?>("evm_setAutomine", null, false);
            try
            {
                await card.GetByTestId("signed-transaction").FillAsync(signed);
                await card.GetByTestId("send-signed").ClickAsync();
                var awaitingBanner = exporter.GetByTestId("amendment-awaiting-signature");
                await Expect(awaitingBanner).ToHaveAttributeAsync("data-status", "submitting", new() { Timeout = 20_000 });
                await Expect(awaitingBanner).ToContainTextAsync("Being submitted");
                await exporter.ScreenshotAsync("credit-signature-submitting");
                // Read once the node holds it (a read between the service's claim and its send finds the node without it).
                await UntilSentAsync(chain, bankAddress);
                watching = await SignedInAsync(Roles.Bank, ConsoleSystem.SelfSignedBank, "credit.ops");
                await GoAsync(watching, "/signatures");
                await Expect(watching.GetByTestId("signature-submitting")).ToContainTextAsync("Being submitted");
                await watching.ScreenshotAsync("signatures-submitting");
            }
            finally
            {
                await chain.Client.SendRequestAsync<object?>("evm_setAutomine", null, true);
                await chain.Client.SendRequestAsync<object?>("evm_mine", null);
            }
            await Expect(watching.GetByTestId("closed-signatures").GetByTestId("signature-outcome")).ToContainTextAsync("accepted", SlowContains);
            await Expect(exporter.GetByTestId("amendment-awaiting-signature")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
            await Expect(exporter.GetByTestId("credit-amount")).ToContainTextAsync("12,000.00 USD");
            var done = bank.GetByTestId("closed-signatures").GetByTestId("pending-signature");
            await Expect(done.GetByTestId("signature-outcome")).ToContainTextAsync("accepted", SlowContains);
            await Expect(done.GetByTestId("signature-receipt-hash")).ToHaveTextAsync(TradeChain.Ledger.DecodedTransaction.Decode(signed).Hash, Slow);
            await Expect(bank.GetByTestId("no-pending-signatures")).ToBeVisibleAsync();
            await bank.ScreenshotAsync("signatures-signed");
            var amended = await PollAsync(beneficiary, Roles.Exporter, credit, c => c["amendments"]![0]!["status"]!.GetValue<string>() == "accepted");
            Assert.Equal(12_000m, amended["terms"]!["amount"]!.GetValue<decimal>());
        });
    }

    [Fact]
    public async Task A_bank_that_keeps_its_key_opens_and_funds_with_a_wallet_that_signs_issues_with_one_that_only_sends_and_another_accounts_signature_is_refused_in_words()
    {
        await JourneyAsync("wallet-steps", async () =>
        {
            var ownKey = ConsoleSystem.SelfSignedBankKey;
            var (applicant, beneficiary, bankAddress) = await SelfSignedBanksCustomersAsync("WAL");

            // The bank's browser wallet holds its key and signs without sending; the bank opens its customer's account with it.
            var bank = await SignedInAsync(Roles.Bank, ConsoleSystem.SelfSignedBank, "credit.ops");
            var wallet = new BrowserWalletStandIn(null, system.Services.Chain.RpcUrl, bankAddress, signsWithoutSending: ownKey);
            await wallet.InstallAsync(bank);
            await GoAsync(bank, "/accounts");
            var mandate = bank.Locator($"[data-testid='mandates'] tr[data-party='{applicant}']");
            await mandate.GetByTestId("open-account").ClickAsync();
            var opening = bank.GetByTestId("step-signing");
            await Expect(opening.GetByTestId("signing-account")).ToHaveTextAsync(new Regex(bankAddress, RegexOptions.IgnoreCase), Slow);
            await bank.ScreenshotAsync("wallet-open-account");
            Assert.Empty(await bank.SeriousAccessibilityViolationsAsync());
            await opening.GetByTestId("wallet-sign").ClickAsync();
            await Expect(mandate).ToContainTextAsync("Open — see the account", SlowContains);
            await Expect(bank.GetByTestId("step-signing")).ToHaveCountAsync(0);

            // A deposit: a signature by another account (a mixed-up key file) is refused naming both accounts; the wallet's is booked.
            await GoAsync(bank, $"/accounts/{applicant}/USD");
            await bank.Locator("#deposit-amount").FillAsync("20000");
            var depositReference = Unique("DEP");
            await bank.Locator("#deposit-reference").FillAsync(depositReference);
            await bank.GetByTestId("deposits-submit").ClickAsync();
            var deposit = bank.GetByTestId("step-signing");
            var transaction = JsonNode.Parse((await deposit.GetByTestId("unsigned-transaction").TextContentAsync(new() { Timeout = 30_000 }))!)!.AsObject();
            var mixedUp = transaction.DeepClone().AsObject();
            mixedUp["from"] = BankAccount.Address;
            await deposit.GetByTestId("signed-transaction").FillAsync(await SignAsync(mixedUp, PartyWalletsKey(Bank)));
            await deposit.GetByTestId("send-signed").ClickAsync();
            await Expect(deposit.GetByRole(AriaRole.Alert)).ToContainTextAsync($"not by {ConsoleSystem.SelfSignedBank}'s account", SlowContains);
            await bank.ScreenshotAsync("wallet-deposit-refused");
            await deposit.GetByTestId("wallet-sign").ClickAsync();
            await Expect(bank.GetByTestId("entries")).ToContainTextAsync(depositReference, SlowContains);
            Assert.Equal(2, wallet.Signed.Count);

            // The importer applies for a credit the bank issues.
            var creditPath = $"/credits/{await AppliedToSelfSignedBankAsync(applicant, beneficiary)}";

            // In a browser whose wallet signs only by sending (MetaMask), the wallet sends the issuing transaction itself and the
            // console gives its hash (Sent-Transaction): issued, the escrow funded by exactly the transaction the wallet sent.
            var sendingOnly = await SignedInAsync(Roles.Bank, ConsoleSystem.SelfSignedBank, "credit.ops");
            var metaMask = new BrowserWalletStandIn(null, system.Services.Chain.RpcUrl, bankAddress, sendsWith: ownKey);
            await metaMask.InstallAsync(sendingOnly);
            await GoAsync(sendingOnly, creditPath);
            await sendingOnly.GetByTestId("issue").ClickAsync();
            var issuing = sendingOnly.GetByTestId("step-signing");
            await Expect(issuing).ToContainTextAsync("sends it itself, and TradeChain takes it once the chain shows it mined", SlowContains);
            await sendingOnly.ScreenshotAsync("wallet-issue-credit");
            Assert.Empty(await sendingOnly.SeriousAccessibilityViolationsAsync());
            await issuing.GetByTestId("wallet-sign").ClickAsync();
            await Expect(sendingOnly.GetByTestId("credit-status")).ToHaveTextAsync("Issued", Slow);
            await Expect(sendingOnly.GetByTestId("escrow-receipt-hash")).ToHaveTextAsync(Assert.Single(metaMask.Sent));
            await Expect(sendingOnly.GetByTestId("step-signing")).ToHaveCountAsync(0);
            Assert.Empty(metaMask.Signed);
            Assert.Equal(2, wallet.Signed.Count); // the wallet that signs signed nothing more
            await sendingOnly.ScreenshotAsync("wallet-issued-credit");
        });
    }

    [Fact]
    public async Task A_trader_that_keeps_its_key_signs_its_mandate_with_its_browser_wallet_and_its_bank_is_told_until_then_whose_signature_is_missing()
    {
        await JourneyAsync("wallet-mandate", async () =>
        {
            // The trader mandates its bank: the mandate on chain is its own transaction, which its wallet signs — not yet.
            var trader = await SignedInAsync(Roles.Exporter, ConsoleSystem.SelfSignedTrader, "own.key");
            var wallet = new BrowserWalletStandIn(null, system.Services.Chain.RpcUrl, ConsoleSystem.AddressOf(ConsoleSystem.SelfSignedTraderKey),
                signsWithoutSending: ConsoleSystem.SelfSignedTraderKey);
            await wallet.InstallAsync(trader);
            await GoAsync(trader, "/accounts");
            await trader.GetByLabel("Bank", new() { Exact = true }).FillAsync(Bank);
            await trader.GetByLabel("Currency", new() { Exact = true }).FillAsync("USD");
            await trader.GetByTestId("mandate-submit").ClickAsync();
            var mandating = trader.GetByTestId("step-signing");
            await Expect(mandating).ToContainTextAsync("Your mandate on chain", SlowContains);
            await trader.ScreenshotAsync("wallet-mandate");
            Assert.Empty(await trader.SeriousAccessibilityViolationsAsync());

            // Meanwhile the bank cannot open the account: the page says whose signature is missing, and offers it none to sign.
            var bank = await SignedInAsync(Roles.Bank, Bank, "treasury.ops");
            await GoAsync(bank, "/accounts");
            var row = bank.Locator($"[data-testid='mandates'] tr[data-party='{ConsoleSystem.SelfSignedTrader}']");
            await row.GetByTestId("open-account").ClickAsync();
            await Expect(row.GetByTestId("signing-other-party")).ToContainTextAsync($"a chain transaction of {ConsoleSystem.SelfSignedTrader}", SlowContains);
            await Expect(row.GetByTestId("wallet-sign")).ToHaveCountAsync(0);
            await bank.ScreenshotAsync("open-account-awaits-holder");

            // The trader's wallet signs; the bank opens the account.
            await mandating.GetByTestId("wallet-sign").ClickAsync();
            await Expect(trader.GetByTestId("mandated")).ToContainTextAsync($"{Bank} may now open and keep your USD account", SlowContains);
            Assert.Single(wallet.Signed);
            await row.GetByTestId("open-account").ClickAsync();
            await Expect(row).ToContainTextAsync("Open — see the account", SlowContains);
        });
    }

    /// <summary>
    /// The bank that signs itself, onboarded on chain (its account: the returned address); an importer that mandated it
    /// for USD, and a beneficiary whose USD account VCB keeps.
    /// </summary>
    private async Task<(string Applicant, string Beneficiary, string BankAddress)> SelfSignedBanksCustomersAsync(string prefix)
    {
        var bankAddress = ConsoleSystem.AddressOf(ConsoleSystem.SelfSignedBankKey);
        await OnboardBankAsync(bankAddress);
        var (applicant, beneficiary) = (Unique($"IMP-{prefix}"), Unique($"EXP-{prefix}"));
        await PostAsync(applicant, Roles.Exporter, new Uri(Payments, "/accounts/mandates"), new { bank = ConsoleSystem.SelfSignedBank, currency = "USD" });
        await PostAsync(beneficiary, Roles.Exporter, new Uri(Payments, "/accounts/mandates"), new { bank = Bank, currency = "USD" });
        await PostAsync(Bank, Roles.Bank, new Uri(Payments, "/accounts"), new { party = beneficiary, currency = "USD" });
        return (applicant, beneficiary, bankAddress);
    }

    /// <summary>The importer applies to the bank that signs itself for a credit of 10,000 USD in favour of the beneficiary: its id.</summary>
    private async Task<string> AppliedToSelfSignedBankAsync(string applicant, string beneficiary)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var applied = await PostAsync(applicant, Roles.Exporter, new Uri(Payments, "/credits"), new
        {
            beneficiary, issuingBank = ConsoleSystem.SelfSignedBank,
            terms = new
            {
                currency = "USD", amount = 10_000m, tolerancePercent = 0m, expiryDate = today.AddDays(45), expiryPlaceCountry = "VN", latestShipmentDate = today.AddDays(20),
                applicantName = "Hamburg Roasters GmbH", beneficiaryName = "Saigon Coffee JSC", portOfLoading = "VNSGN", portOfDischarge = "DEHAM", goodsDescription = Goods,
                requiredDocuments = new object[] { new { type = "commercial-invoice", matchFields = new[] { "amount", "currency" } } },
            },
        });
        return applied["id"]!.GetValue<string>();
    }

    /// <summary>A step of the self-signing bank through the API: 409 with the transaction to sign, then the same request with its signature.</summary>
    private async Task SelfSignedPostAsync(Uri uri, object body)
    {
        using var client = Client(Roles.Bank, ConsoleSystem.SelfSignedBank);
        using var first = await client.PostAsJsonAsync(uri, body);
        var problem = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        Assert.True(problem["rule"]?.GetValue<string>() == "signature-required", $"{(int)first.StatusCode}: {problem}");
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body) };
        request.Headers.Add(TradeChain.Ledger.PartySignatures.Header, await SignAsync(problem["transaction"]!.AsObject(), ConsoleSystem.SelfSignedBankKey));
        using var signed = await client.SendAsync(request);
        Assert.True(signed.IsSuccessStatusCode, $"{(int)signed.StatusCode}: {await signed.Content.ReadAsStringAsync()}");
    }

    /// <summary>Until the chain node holds a transaction of <paramref name="account"/> not mined yet.</summary>
    private static async Task UntilSentAsync(Nethereum.Web3.Web3 chain, string account)
    {
        var count = chain.Eth.Transactions.GetTransactionCount;
        for (var i = 0; i < 100; i++)
        {
            if ((await count.SendRequestAsync(account, Nethereum.RPC.Eth.DTOs.BlockParameter.CreatePending())).Value
                > (await count.SendRequestAsync(account, Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest())).Value) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"no transaction of {account} reached the chain node");
    }

    /// <summary>Onboarding on chain, as the contracts' admin does it: the bank role, and the bank's own token account (each only when missing).</summary>
    private Task OnboardBankAsync(string bank) =>
        TradeChain.Ledger.LedgerDeployer.MakeBankAsync(
            new Nethereum.Web3.Web3(new Nethereum.Web3.Accounts.Account(TradeChain.Ledger.DevelopmentAccounts.DeployerKey, TradeChain.Ledger.DevelopmentAccounts.ChainId),
                system.Services.Chain.RpcUrl), "USD", system.Services.Chain.Deployment.Settlement["USD"].Token, bank, null);

    private async Task<(string Declarant, Guid DeclarationId, string Reference)> FundedDutyAsync(string prefix)
    {
        var declarant = Unique(prefix);
        var (declarationId, reference) = await DeclarationWithDutyRequestedAsync(declarant);
        var payment = await PollAsync(declarant, Roles.Exporter, new Uri(Payments, $"/duty-payments/{reference}"), p => p["status"] is not null);
        var currency = payment["currency"]!.GetValue<string>();
        await OpenTreasuryAccountAsync(currency);
        await PostAsync(declarant, Roles.Exporter, new Uri(Payments, "/accounts/mandates"), new { bank = Bank, currency });
        await PostAsync(Bank, Roles.Bank, new Uri(Payments, "/accounts"), new { party = declarant, currency });
        await PostAsync(Bank, Roles.Bank, new Uri(Payments, $"/accounts/{declarant}/{currency}/deposits"),
            new { amount = payment["amount"]!.GetValue<decimal>(), reference = Unique("DEP") });
        return (declarant, declarationId, reference);
    }

    /// <summary>The bank, with its own key outside TradeChain, mints <paramref name="minor"/> units of the currency's token to <paramref name="to"/> under the reference.</summary>
    private async Task MintOutsideTradeChainAsync(string currency, string to, System.Numerics.BigInteger minor, string reference)
    {
        var rpc = system.Services.Chain.RpcUrl;
        var deployer = new Nethereum.Web3.Web3(new Nethereum.Web3.Accounts.Account(TradeChain.Ledger.DevelopmentAccounts.DeployerKey, TradeChain.Ledger.DevelopmentAccounts.ChainId), rpc);
        await deployer.Eth.GetEtherTransferService().TransferEtherAndWaitForReceiptAsync(BankAccount.Address, 1m); // gas for the bank's own transaction
        var own = new Nethereum.Web3.Web3(new Nethereum.Web3.Accounts.Account(PartyWalletsKey(Bank), TradeChain.Ledger.DevelopmentAccounts.ChainId), rpc);
        var minted = await own.Eth.GetContractTransactionHandler<TradeChain.Ledger.Contracts.SettlementToken.MintFunction>().SendRequestAndWaitForReceiptAsync(
            system.Services.Chain.Deployment.Settlement[currency].Token,
            new TradeChain.Ledger.Contracts.SettlementToken.MintFunction { To = to, Amount = minor, PaymentReference = TradeChain.Ledger.SettlementClient.Reference(reference) });
        Assert.Equal(1, (int)minted.Status.Value);
    }

    /// <summary>A bank's key as the bank itself holds it (here the PUBLIC key its development signer holds).</summary>
    private static string PartyWalletsKey(string bank) => TradeChain.Testing.DevelopmentBankKeys.KeyOf(bank);

    private static Nethereum.Web3.Accounts.Account BankAccount => new(PartyWalletsKey(Bank));

    /// <summary>Signs as <c>tradechain sign --transaction FILE --key-file FILE</c> does.</summary>
    private static Task<string> SignAsync(JsonObject transaction, string key) => Task.FromResult(SignCommand.Sign(transaction.ToJsonString(), key, TextWriter.Null).Raw);

    [Fact]
    public async Task A_documentary_credit_goes_from_application_to_settlement_by_clicking()
    {
        await JourneyAsync("credit", async () =>
        {
            var applicant = Unique("IMP-LC");
            var beneficiary = Unique("EXP-LC");
            await FundAccountsAsync(applicant, beneficiary, 30_000m);
            var invoiceNumber = Unique("INV");
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            await IssueDocumentAsync(beneficiary, "commercial-invoice", Invoice(invoiceNumber, "Hamburg Roasters GmbH", "10000.00"));
            await IssueDocumentAsync(beneficiary, "bill-of-lading", BillOfLading(Unique("MAEU"), "DEHAM", today.AddDays(-2)));

            // The applicant applies; a term out of bounds is named at its field, then corrected.
            var importer = await SignedInAsync(Roles.Exporter, applicant, "greta.hansen");
            await GoAsync(importer, "/credits/new");
            await importer.GetByLabel("Beneficiary (the seller's party)").FillAsync(beneficiary);
            await importer.GetByLabel("Issuing bank (your bank)").FillAsync(IssuingBank);
            await importer.GetByLabel("Advising bank (optional)").FillAsync(Bank);
            await importer.GetByLabel("Amount", new() { Exact = true }).FillAsync("10000");
            await importer.GetByLabel("Tolerance (%)").FillAsync("15");
            await importer.GetByLabel("Place of expiry (country)").FillAsync("VN");
            await importer.GetByLabel("Applicant's name (the buyer)").FillAsync("Hamburg Roasters GmbH");
            await importer.GetByLabel("Beneficiary's name (the seller)").FillAsync("Saigon Coffee JSC");
            await importer.GetByLabel("Port of loading", new() { Exact = true }).FillAsync("VNSGN");
            await importer.GetByLabel("Port of discharge", new() { Exact = true }).FillAsync("DEHAM");
            await importer.GetByLabel("Goods description", new() { Exact = true }).FillAsync(Goods);
            await importer.GetByRole(AriaRole.Button, new() { Name = "Add a required document" }).ClickAsync();
            await importer.GetByLabel("Document 2: type").SelectOptionAsync("bill-of-lading");
            await importer.GetByTestId("apply").ClickAsync();
            await Expect(importer.Locator(".field-error[data-field='terms.tolerancePercent']")).ToContainTextAsync("between 0 and 10");
            await Expect(importer.GetByLabel("Tolerance (%)")).ToHaveAttributeAsync("aria-invalid", "true");
            await importer.ScreenshotAsync("credit-application");
            Assert.Empty(await importer.SeriousAccessibilityViolationsAsync());
            await importer.GetByLabel("Tolerance (%)").FillAsync("5");
            await importer.GetByTestId("apply").ClickAsync();
            await importer.ArrivesAtAsync(new Regex("/credits/[0-9a-f-]{36}$"));
            var creditPath = new Uri(importer.Url).AbsolutePath;
            await Expect(importer.GetByTestId("credit-status")).ToHaveTextAsync("Applied");
            await Expect(importer.GetByTestId("capacity")).ToHaveTextAsync("applicant");

            // The issuing bank issues (the amount and its tolerance go into escrow); the advising bank advises.
            var issuing = await SignedInAsync(Roles.Bank, IssuingBank, "lc.desk");
            await GoAsync(issuing, creditPath);
            await issuing.GetByTestId("issue").ClickAsync();
            await Expect(issuing.GetByTestId("credit-status")).ToHaveTextAsync("Issued", Slow);
            await Expect(issuing.GetByTestId("escrow-receipt-hash")).ToHaveTextAsync(new Regex("^0x[0-9a-f]{64}$"));
            var advising = await SignedInAsync(Roles.Bank, Bank, "trade.ops");
            await GoAsync(advising, creditPath);
            await Expect(advising.GetByTestId("issue")).ToHaveCountAsync(0); // not the advising bank's step
            await advising.GetByTestId("advise").ClickAsync();
            await Expect(advising.GetByTestId("credit-status")).ToHaveTextAsync("Advised", Slow);

            // The issuing bank proposes a higher amount; the beneficiary accepts it and the escrow follows.
            await Expect(issuing.GetByTestId("credit-status")).ToHaveTextAsync("Advised", Slow); // its open page follows live
            await issuing.GetByTestId("amend").ClickAsync();
            await issuing.GetByTestId("amendment-form").GetByLabel("Amount", new() { Exact = true }).FillAsync("12000");
            await issuing.GetByLabel("Reason").FillAsync("price increase agreed with the seller");
            await issuing.GetByTestId("amendment-submit").ClickAsync();
            await Expect(issuing.GetByTestId("amendments")).ToContainTextAsync("proposed", SlowContains);
            var seller = await SignedInAsync(Roles.Exporter, beneficiary, "minh.le");
            await GoAsync(seller, creditPath);
            await Expect(seller.GetByTestId("capacity")).ToHaveTextAsync("beneficiary");
            await seller.GetByTestId("amendment-accept").ClickAsync();
            await Expect(seller.GetByTestId("credit-amount")).ToContainTextAsync("12,000.00 USD", SlowContains);

            // The beneficiary presents its issued documents, picked from its own; the examination follows automatically.
            await seller.GetByLabel(new Regex($"commercial-invoice · {invoiceNumber}")).CheckAsync();
            await seller.GetByLabel(new Regex("^bill-of-lading")).CheckAsync();
            await seller.GetByTestId("present-submit").ClickAsync();
            var presentation = seller.GetByTestId("presentation");
            await Expect(presentation.GetByTestId("examination")).ToContainTextAsync("Complying", SlowContains);
            await Expect(presentation.GetByTestId("amount-claimed")).ToHaveTextAsync("10,000.00 USD");

            // The issuing bank accepts; the advising bank pays exactly that from escrow.
            await issuing.GetByTestId("presentation").GetByTestId("accept").ClickAsync(new() { Timeout = 60_000 });
            await Expect(issuing.GetByTestId("presentation")).ToHaveAttributeAsync("data-status", "Accepted", new() { Timeout = 60_000 });
            await advising.GetByTestId("presentation").GetByTestId("settle").ClickAsync(new() { Timeout = 60_000 });
            await Expect(advising.GetByTestId("presentation")).ToHaveAttributeAsync("data-status", "Settled", new() { Timeout = 60_000 });
            await Expect(advising.GetByTestId("presentation-1-receipt-hash")).ToHaveTextAsync(new Regex("^0x[0-9a-f]{64}$"));
            await Expect(advising.GetByTestId("credit-drawn")).ToHaveTextAsync("10,000.00 USD");
            await Expect(advising.Locator("tr[data-message-type^='pacs.008']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await Expect(seller.GetByTestId("credit-drawn")).ToHaveTextAsync("10,000.00 USD", Slow); // the beneficiary's page follows live
            await Expect(advising.GetByTestId("timeline")).ToContainTextAsync("settled", SlowContains);
            await advising.ScreenshotAsync("credit-detail");
            Assert.Empty(await advising.SeriousAccessibilityViolationsAsync());

            // The beneficiary agrees to cancel the rest; the issuing bank returns it to the applicant.
            await seller.GetByTestId("consent").ClickAsync();
            await seller.GetByTestId("consent-confirm").ClickAsync();
            await Expect(seller.GetByTestId("consent")).ToHaveCountAsync(0, new() { Timeout = 60_000 });
            await issuing.GetByTestId("refund").ClickAsync(new() { Timeout = 60_000 });
            await Expect(issuing.GetByTestId("credit-status")).ToHaveTextAsync("Refunded", Slow);
            await Expect(issuing.GetByTestId("refund-receipt-hash")).ToHaveTextAsync(new Regex("^0x[0-9a-f]{64}$"));

            await GoAsync(issuing, "/credits");
            await Expect(issuing.GetByTestId("credits")).ToContainTextAsync("Refunded");
            await issuing.ScreenshotAsync("credits");
            Assert.Empty(await issuing.SeriousAccessibilityViolationsAsync());
            await GoAsync(issuing, "/reconciliation");
            Assert.Empty(await issuing.SeriousAccessibilityViolationsAsync());
        });
    }

    [Fact]
    public async Task A_discrepant_presentation_shows_every_discrepancy_is_refused_in_one_notice_and_paid_after_the_applicants_waiver()
    {
        await JourneyAsync("refusal", async () =>
        {
            var applicant = Unique("IMP-LC");
            var beneficiary = Unique("EXP-LC");
            await FundAccountsAsync(applicant, beneficiary, 20_000m);
            var creditId = await AdvisedCreditAsync(applicant, beneficiary);
            // The invoice names another buyer, and no bill of lading is presented: two discrepancies.
            var invoiceNumber = Unique("INV");
            await IssueDocumentAsync(beneficiary, "commercial-invoice", Invoice(invoiceNumber, "Bremen Coffee Traders", "9000.00"));

            var seller = await SignedInAsync(Roles.Exporter, beneficiary, "minh.le");
            await GoAsync(seller, $"/credits/{creditId}");
            await seller.GetByLabel(new Regex($"commercial-invoice · {invoiceNumber}")).CheckAsync();
            await seller.GetByTestId("present-submit").ClickAsync();
            var discrepancies = seller.GetByTestId("discrepancies");
            await Expect(discrepancies).ToBeVisibleAsync(SlowVisible);
            await Expect(discrepancies.Locator("li[data-code='document-missing']")).ToContainTextAsync("bill-of-lading");
            await Expect(discrepancies.Locator("li[data-code='applicant-mismatch']")).ToHaveCountAsync(1);
            var count = await discrepancies.Locator("li").CountAsync();

            var issuing = await SignedInAsync(Roles.Bank, IssuingBank, "lc.desk");
            await GoAsync(issuing, $"/credits/{creditId}");
            await Expect(issuing.GetByTestId("accept")).ToHaveCountAsync(0); // a discrepant presentation is not accepted within the examination period
            await issuing.GetByTestId("refuse").ClickAsync();
            var notice = issuing.GetByTestId("refusal-notice");
            await Expect(notice).ToContainTextAsync("REFUSAL NOTICE", SlowContains);
            await Expect(notice).ToContainTextAsync($"({count})");
            await issuing.ScreenshotAsync("credit-refused");
            Assert.Empty(await issuing.SeriousAccessibilityViolationsAsync());

            var importer = await SignedInAsync(Roles.Exporter, applicant, "greta.hansen");
            await GoAsync(importer, $"/credits/{creditId}");
            await importer.GetByTestId("waive").ClickAsync();
            await Expect(importer.GetByTestId("presentation")).ToHaveAttributeAsync("data-status", "Waived", new() { Timeout = 60_000 });

            await issuing.GetByTestId("accept").ClickAsync(new() { Timeout = 60_000 });
            await issuing.GetByTestId("settle").ClickAsync(new() { Timeout = 60_000 });
            await Expect(issuing.GetByTestId("presentation")).ToHaveAttributeAsync("data-status", "Settled", new() { Timeout = 60_000 });
            await Expect(issuing.GetByTestId("credit-drawn")).ToHaveTextAsync("9,000.00 USD");
            await Expect(seller.GetByTestId("presentation")).ToHaveAttributeAsync("data-status", "Settled", new() { Timeout = 60_000 });
        });
    }

    // ---- setup through the services' APIs, as their users (and the CLI's golden path) do ----

    private const string Goods = "Robusta green coffee beans grade 1";

    /// <summary>
    /// An amount as an account's table shows it: the number alone in the currency's ISO 4217 minor digits (the duties here are
    /// in VND, which has none: "24,560,689", not "24,560,689.00").
    /// </summary>
    private static string InTable(decimal amount, string currency) =>
        amount.ToString(currency is "VND" or "JPY" or "KRW" ? "#,0" : "#,0.00", System.Globalization.CultureInfo.InvariantCulture);

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}";

    /// <summary>A new holder (<paramref name="prefix"/>-…) whose USD account <paramref name="bank"/> (<see cref="Bank"/> unless given) opened on its mandate, empty.</summary>
    private async Task<string> HolderAtBankAsync(string prefix, string bank = Bank)
    {
        var holder = Unique(prefix);
        await PostAsync(holder, Roles.Exporter, new Uri(Payments, "/accounts/mandates"), new { bank, currency = "USD" });
        await PostAsync(bank, Roles.Bank, new Uri(Payments, "/accounts"), new { party = holder, currency = "USD" });
        return holder;
    }

    private HttpClient Client(string role, string party) => TradeChainHttp.Client(_auth, role, party, "journey-setup");

    private async Task<JsonObject> PostAsync(string party, string role, Uri uri, object body)
    {
        using var client = Client(role, party);
        return await TradeChainHttp.PostAsync(client, uri, body);
    }

    /// <summary>A POST whose refusal is the point: its status and body (the problem), whatever the status.</summary>
    private async Task<(HttpStatusCode Status, JsonNode? Body)> PostStatusAsync(string party, string role, Uri uri, object body)
    {
        using var client = Client(role, party);
        using var response = await client.PostAsJsonAsync(uri, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<JsonObject> PollAsync(string party, string role, Uri uri, Func<JsonObject, bool> done)
    {
        using var client = Client(role, party);
        return await TradeChainHttp.PollAsync(client, uri, done, TimeSpan.FromSeconds(90));
    }

    private async Task<string> IssueDocumentAsync(string owner, string type, object content)
    {
        var submitted = await PostAsync(owner, Roles.Exporter, new Uri(Documents, "/documents"), new { type, content });
        var issued = await PollAsync(owner, Roles.Exporter, new Uri(Documents, $"/documents/{submitted["id"]}"), d => d["status"]!.GetValue<string>() == "Issued");
        return issued["hash"]!.GetValue<string>();
    }

    /// <summary>The golden path up to the payment request: documents issued, the export declaration lodged, verified and assessed.</summary>
    private async Task<(Guid Declaration, string PaymentReference)> DeclarationWithDutyRequestedAsync(string declarant)
    {
        var lrn = Unique("LRN");
        var certificate = await IssueDocumentAsync(declarant, "certificate-of-origin", new
        {
            certificateNumber = $"CO-{lrn}", exporter = new { name = "ACME Rubber Export JSC", country = "VN" },
            consignee = new { name = "Nordsee Reifenwerke GmbH", country = "DE" }, originCountry = "VN", importingCountry = "DE",
            goodsDescription = "Technically specified natural rubber SVR 10, 576 bales of 35 kg", hsCode = "400122",
        });
        var invoice = await IssueDocumentAsync(declarant, "commercial-invoice", new
        {
            invoiceNumber = $"INV-{lrn}", seller = new { name = "ACME Rubber Export JSC", country = "VN" }, buyer = new { name = "Nordsee Reifenwerke GmbH", country = "DE" },
            totalAmount = "48000.00", currency = "USD", incoterm = "FOB",
        });
        var lodged = await PostAsync(declarant, Roles.Exporter, new Uri(Customs, "/declarations"), GoldenPath.ExportDeclaration(lrn, certificate, invoice));
        var assessed = await PollAsync(declarant, Roles.Exporter, new Uri(Customs, $"/declarations/{lodged["id"]}"),
            d => d["status"]!.GetValue<string>() is "Assessed" or "Rejected");
        Assert.True(assessed["status"]!.GetValue<string>() == "Assessed", assessed.ToJsonString());
        return (Guid.Parse(lodged["id"]!.GetValue<string>()), assessed["paymentReference"]!.GetValue<string>());
    }

    /// <summary>The customs treasury's account, which its configured bank keeps (opening it again changes nothing).</summary>
    private Task OpenTreasuryAccountAsync(string currency) =>
        PostAsync(GoldenPath.TreasuryBankParty, Roles.Bank, new Uri(Payments, "/accounts"), new { party = "CUSTOMS-TREASURY", currency });

    /// <summary>The applicant's USD account at the issuing bank holding <paramref name="deposit"/>; the beneficiary's at the advising bank.</summary>
    private async Task FundAccountsAsync(string applicant, string beneficiary, decimal deposit)
    {
        await PostAsync(applicant, Roles.Exporter, new Uri(Payments, "/accounts/mandates"), new { bank = IssuingBank, currency = "USD" });
        await PostAsync(beneficiary, Roles.Exporter, new Uri(Payments, "/accounts/mandates"), new { bank = Bank, currency = "USD" });
        await PostAsync(IssuingBank, Roles.Bank, new Uri(Payments, "/accounts"), new { party = applicant, currency = "USD" });
        await PostAsync(Bank, Roles.Bank, new Uri(Payments, "/accounts"), new { party = beneficiary, currency = "USD" });
        await PostAsync(IssuingBank, Roles.Bank, new Uri(Payments, $"/accounts/{applicant}/USD/deposits"), new { amount = deposit, reference = Unique("DEP") });
    }

    private async Task<Guid> AdvisedCreditAsync(string applicant, string beneficiary)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var applied = await PostAsync(applicant, Roles.Exporter, new Uri(Payments, "/credits"), new
        {
            beneficiary, issuingBank = IssuingBank, advisingBank = Bank,
            terms = new
            {
                currency = "USD", amount = 10_000m, tolerancePercent = 5m, expiryDate = today.AddDays(45), expiryPlaceCountry = "VN", latestShipmentDate = today.AddDays(20),
                applicantName = "Hamburg Roasters GmbH", beneficiaryName = "Saigon Coffee JSC", portOfLoading = "VNSGN", portOfDischarge = "DEHAM", goodsDescription = Goods,
                requiredDocuments = new object[]
                {
                    new { type = "commercial-invoice", matchFields = new[] { "amount", "currency", "applicant", "beneficiary", "goodsDescription" } },
                    new { type = "bill-of-lading", matchFields = new[] { "portOfLoading", "portOfDischarge", "shipmentDate" } },
                },
            },
        });
        var id = Guid.Parse(applied["id"]!.GetValue<string>());
        await PostAsync(IssuingBank, Roles.Bank, new Uri(Payments, $"/credits/{id}/issue"), new { });
        await PostAsync(Bank, Roles.Bank, new Uri(Payments, $"/credits/{id}/advise"), new { });
        return id;
    }

    private static object Invoice(string number, string buyer, string total) => new
    {
        invoiceNumber = number, seller = new { name = "Saigon Coffee JSC", country = "VN" }, buyer = new { name = buyer, country = "DE" },
        totalAmount = total, currency = "USD", incoterm = "FOB",
        lineItems = new[] { new { description = Goods, quantity = 4_000, unit = "KGM", unitPrice = (decimal.Parse(total, CultureInfo.InvariantCulture) / 4_000m).ToString("0.####", CultureInfo.InvariantCulture), amount = total } },
    };

    private static object BillOfLading(string number, string portOfDischarge, DateOnly shippedOnBoard) => new
    {
        billOfLadingNumber = number, carrier = new { name = "Maersk A/S" }, shipper = new { name = "Saigon Coffee JSC" }, consignee = new { name = "TO ORDER" },
        portOfLoading = "VNSGN", portOfDischarge, vessel = "MAERSK SELETAR", shippedOnBoardDate = shippedOnBoard.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        goodsDescription = Goods,
    };

    // ---- the browser ----

    /// <summary>A failed journey says what the console and the services logged meanwhile, and leaves a screenshot of each open page.</summary>
    private async Task JourneyAsync(string name, Func<Task> journey)
    {
        try { await journey(); }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or ApiCallException or Xunit.Sdk.XunitException)
        {
            for (var i = 0; i < _pages.Count; i++) await _pages[i].ScreenshotAsync($"failed-{name}-{i}");
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{system.Diagnostics}");
        }
    }

    private async Task<IPage> SignedInAsync(string role, string party, string name)
    {
        var page = await browser.NewPageAsync(system.ConsoleUrl);
        _pages.Add(page);
        await page.SignInAsync(role, party, name);
        return page;
    }

    /// <summary>
    /// The payments service restarted with its booking sender on or off (Payments:SettlementWorkerEnabled) and whatever other
    /// setting was set on it: off, deposits and withdrawals are queued and not sent.
    /// </summary>
    private async Task RestartPaymentsAsync(bool senderOn)
    {
        var payments = system.Services.Payments;
        payments.SetSetting("Payments:SettlementWorkerEnabled", senderOn ? "true" : "false");
        await payments.KillAsync();
        await payments.StartAsync();
    }

    /// <summary>Opens a page and waits until its interactive circuit runs, so that clicks act.</summary>
    private static async Task GoAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.WaitForInteractiveAsync();
    }

    /// <summary>
    /// The bank's clerk asks a deposit or withdrawal (<paramref name="kind"/>: the form's "deposits" or "withdrawals") on the
    /// open account page while nothing sends it (no sender, or a chain that mines nothing): the form says it was queued.
    /// </summary>
    private static async Task AskOnAccountPageAsync(IPage bank, string kind, string amount, string reference)
    {
        var form = bank.GetByTestId($"{kind}-form");
        await form.GetByLabel("Amount (USD)").FillAsync(amount);
        await form.GetByLabel("Booking reference").FillAsync(reference);
        await bank.GetByTestId($"{kind}-submit").ClickAsync();
        await Expect(bank.GetByTestId($"{kind}-queued")).ToContainTextAsync($"{(kind == "deposits" ? "Deposit" : "Withdrawal")} {reference} was queued", new() { Timeout = 60_000 });
    }
}
