using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Cli;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// A bank's deposits and withdrawals have one writer: the payments process that signs for the banks
/// (Payments:SettlementWorkerEnabled, payments-worker on Kubernetes). An API process only saves the instruction asked; the
/// worker mints (in the bank's next batch) or burns it and books it with its camt.054 — on the real system (RabbitMQ,
/// anvil, SQLite).
/// </summary>
public sealed partial class SettlementIntegrityTests
{
    [Fact]
    public async Task A_deposit_asked_of_a_payments_process_that_does_not_sign_for_banks_is_queued_and_minted_and_booked_by_the_one_that_does()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        using var parties = await OpenAtHsbcAsync(system, "EXP-DEPOSIT-Q");
        var (bank, noWait, holder, address) = parties;
        using var stranger = Client(Roles.Exporter, "EXP-DEPOSIT-NOSY");
        var chain = Settlement(system);
        var deposits = new Uri(payments, "accounts/EXP-DEPOSIT-Q/USD/deposits");

        // As a Kubernetes API pod: the settlement worker off, so nothing here writes with the bank's key.
        system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "false");
        await system.Payments.KillAsync();
        await system.Payments.StartAsync();
        try
        {
            var (status, queued, replayed) = await PostBooking(noWait, deposits, new { amount = 75.25m, reference = "DEP-Q-1" });
            Assert.Equal((HttpStatusCode.Accepted, false), (status, replayed)); // asked now
            Assert.Equal(("Queued", 75.25m, "BNK-HSBC"), (queued!["status"]!.GetValue<string>(), queued["amount"]!.GetValue<decimal>(), queued["bank"]!.GetValue<string>()));
            Assert.Null(queued["transactionHash"]);
            // The account's view gives it among the queued, with the balance it is not in yet.
            Assert.Equal((0m, 75.25m, 1, 0m, 0), Standing(await Get(holder, new Uri(payments, "accounts/EXP-DEPOSIT-Q/USD"))));
            // Without respond-async it waits (Payments:DepositWaitSeconds, or here the client's Prefer: wait=2) and still
            // answers 202: nothing here sends it.
            using var briefly = Client(Roles.Bank, "BNK-HSBC");
            briefly.DefaultRequestHeaders.Add("Prefer", "wait=2");
            var (waited, _, askedBefore) = await PostBooking(briefly, deposits, new { amount = 75.25m, reference = "DEP-Q-1" });
            Assert.Equal((HttpStatusCode.Accepted, true), (waited, askedBefore)); // that deposit, still queued: nothing asked again
            // The same reference for another amount is refused, naming the rule; a stranger learns nothing of the deposit.
            var (reused, problem, replayedRefusal) = await PostBooking(noWait, deposits, new { amount = 80m, reference = "DEP-Q-1" });
            Assert.Equal((HttpStatusCode.Conflict, "reference-used", false), (reused, problem!["rule"]!.GetValue<string>(), replayedRefusal)); // a refusal is no replay
            Assert.Equal(HttpStatusCode.NotFound, (await Send(stranger, HttpMethod.Get, new Uri(deposits + "/DEP-Q-1"))).Status);
            var seen = await Get(holder, new Uri(deposits + "/DEP-Q-1"));
            Assert.Equal("Queued", seen["status"]!.GetValue<string>());
            // Nothing minted, nothing booked.
            Assert.Equal(BigInteger.Zero, await chain.BalanceOfAsync("USD", address));
            Assert.Equal(0m, (await Get(holder, new Uri(payments, "accounts/EXP-DEPOSIT-Q/USD")))["balance"]!.GetValue<decimal>());
        }
        finally
        {
            // The worker's side (the default): it sends what was asked.
            system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "true");
            await system.Payments.KillAsync();
            await system.Payments.StartAsync();
        }

        await Until(async () => (await Get(holder, new Uri(deposits + "/DEP-Q-1")))["status"]!.GetValue<string>() != "Queued", "the queued deposit is decided");
        var booked = await Get(bank, new Uri(deposits + "/DEP-Q-1"));
        Assert.Equal("Booked", booked["status"]!.GetValue<string>());
        var tx = booked["transactionHash"]!.GetValue<string>();
        Assert.Equal(new BigInteger(7525), await chain.BalanceOfAsync("USD", address));
        var view = await Get(holder, new Uri(payments, "accounts/EXP-DEPOSIT-Q/USD"));
        Assert.Equal((75.25m, 0m, 0, 0m, 0), Standing(view)); // booked: in the balance, no longer queued
        var entry = view["entries"]!.AsArray().Single()!;
        Assert.Equal(("deposit", "DEP-Q-1", tx), (entry["kind"]!.GetValue<string>(), entry["reference"]!.GetValue<string>(), entry["transactionHash"]!.GetValue<string>()));
        Assert.Equal(1L, await Count(system.DatabasePath("payments"),
            $"SELECT COUNT(*) FROM iso20022_messages WHERE MessageType LIKE 'camt.054%' AND Subject = 'EXP-DEPOSIT-Q/USD' AND Xml LIKE '%{tx[2..]}%'"));

        // Asked again: the booking made, answered 200 with the account and marked replayed; nothing minted twice.
        var (okAgain, again, replayedAgain) = await PostBooking(bank, deposits, new { amount = 75.25m, reference = "DEP-Q-1" });
        Assert.Equal((HttpStatusCode.OK, true, 75.25m), (okAgain, replayedAgain, again!["balance"]!.GetValue<decimal>()));
        // A new deposit on the worker is answered 200 once booked, within the request's wait (booked now: not replayed).
        var (okSecond, second, replayedSecond) = await PostBooking(bank, deposits, new { amount = 1.50m, reference = "DEP-Q-2" });
        Assert.Equal((HttpStatusCode.OK, false), (okSecond, replayedSecond));
        Assert.Equal((76.75m, 76.75m), (second!["balance"]!.GetValue<decimal>(), second["chainBalance"]!.GetValue<decimal>()));
        Assert.Equal(new BigInteger(7675), await chain.BalanceOfAsync("USD", address));
        Assert.Equal(2L, await Count(system.DatabasePath("payments"), "SELECT COUNT(*) FROM booking_instructions WHERE Party = 'EXP-DEPOSIT-Q' AND Kind = 'Deposit' AND Status = 'Booked'"));
    }

    [Theory]
    [InlineData("deposit")]
    [InlineData("withdrawal")]
    public async Task A_queued_booking_whose_process_died_after_its_transaction_was_sent_is_booked_once_with_that_transaction(string kind)
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        var holderParty = $"EXP-{kind.ToUpperInvariant()}-CRASH";
        var withdrawal = kind == "withdrawal";
        using var parties = await OpenAtAsync(system, GoldenPath.BankParty, holderParty, deposit: withdrawal ? 20m : 0m);
        var (bank, noWait, holder, address) = parties;
        var chain = Settlement(system);
        var bankAddress = DevelopmentBankSigners.AddressOf(GoldenPath.BankParty);
        var asked = new Uri(payments, $"accounts/{holderParty}/USD/{kind}s");
        var made = new BigInteger(withdrawal ? 800 : 1200); // 20.00 less 12.00, or 12.00

        // The node takes the mint or burn and mines nothing (a stall); the payments process dies before it could record it.
        await chain.Rpc("evm_setAutomine", false);
        try
        {
            var (status, _) = await Send(noWait, HttpMethod.Post, asked, new { amount = 12.00m, reference = "CRASH" });
            Assert.Equal(HttpStatusCode.Accepted, status);
            await Until(async () => await chain.Web3Nonce(bankAddress, BlockParameter.CreatePending()) > await chain.Web3Nonce(bankAddress, BlockParameter.CreateLatest()),
                $"the {kind}'s transaction waiting in the node's pool");
            await system.Payments.KillAsync();
        }
        finally
        {
            await chain.Rpc("evm_setAutomine", true);
            await chain.Rpc("evm_mine");
        }
        Assert.Equal(made, await chain.BalanceOfAsync("USD", address)); // made, and not booked
        Assert.Equal(1L, await Count(system.DatabasePath("payments"), "SELECT COUNT(*) FROM booking_instructions WHERE Reference = 'CRASH' AND Status = 'Queued'"));

        // Restarted, the sender sends it again: the token refuses a second use of the reference, bound to the first — which
        // is booked, once, with the first transaction.
        await system.Payments.StartAsync();
        await Until(async () => (await Get(bank, new Uri(asked + "/CRASH")))["status"]!.GetValue<string>() != "Queued", $"the {kind} is decided after the restart");
        var booked = await Get(bank, new Uri(asked + "/CRASH"));
        Assert.Equal("Booked", booked["status"]!.GetValue<string>());
        var receipt = await chain.ReceiptAsync(booked["transactionHash"]!.GetValue<string>());
        Assert.Equal(1, (int)receipt.Status.Value);
        Assert.Equal(made, await chain.BalanceOfAsync("USD", address)); // made once
        var view = await Get(holder, new Uri(payments, $"accounts/{holderParty}/USD"));
        Assert.Equal((TradeChain.Payments.Domain.LedgerEntry.FromMinor((long)made), true), (view["balance"]!.GetValue<decimal>(), view["agrees"]!.GetValue<bool>()));
        Assert.Single(view["entries"]!.AsArray(), e => e!["reference"]!.GetValue<string>() == "CRASH");
    }

    [Fact]
    public async Task A_withdrawal_asked_of_a_payments_process_that_does_not_sign_for_banks_holds_its_funds_back_and_is_burnt_and_booked_by_the_one_that_does()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        using var parties = await OpenAtHsbcAsync(system, "EXP-WITHDRAW-Q", deposit: 100m);
        var (bank, noWait, holder, address) = parties;
        var chain = Settlement(system);
        var account = new Uri(payments, "accounts/EXP-WITHDRAW-Q/USD");
        var withdrawals = new Uri(payments, "accounts/EXP-WITHDRAW-Q/USD/withdrawals");

        // As a Kubernetes API pod: the settlement worker off, so nothing here writes with the bank's key.
        system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "false");
        await system.Payments.KillAsync();
        await system.Payments.StartAsync();
        try
        {
            var (status, queued) = await Send(noWait, HttpMethod.Post, withdrawals, new { amount = 60m, reference = "WD-Q-1" });
            Assert.Equal(HttpStatusCode.Accepted, status);
            Assert.Equal(("withdrawal", "Queued", 60m), (queued!["kind"]!.GetValue<string>(), queued["status"]!.GetValue<string>(), queued["amount"]!.GetValue<decimal>()));
            // The account's view gives it among the queued withdrawals, beside the balance it is not taken from yet.
            Assert.Equal((100m, 0m, 0, 60m, 1), Standing(await Get(holder, account)));
            // The queued withdrawal holds its funds back: of the 100 booked, 60 are on their way out, so 50 more are refused.
            var (over, problem) = await Send(noWait, HttpMethod.Post, withdrawals, new { amount = 50m, reference = "WD-Q-2" });
            Assert.Equal((HttpStatusCode.Conflict, "insufficient-funds"), (over, problem!["rule"]!.GetValue<string>()));
            Assert.True(problem["detail"]!.GetValue<string>().Contains("beyond the withdrawals queued now (40"), problem.ToJsonString());
            Assert.Equal(HttpStatusCode.NotFound, (await Send(noWait, HttpMethod.Get, new Uri(withdrawals + "/WD-Q-2"))).Status); // nothing saved of it
            // A deposit's reference is the deposits' own: the withdrawal WD-Q-1 is no deposit.
            Assert.Equal(HttpStatusCode.NotFound, (await Send(bank, HttpMethod.Get, new Uri(payments, "accounts/EXP-WITHDRAW-Q/USD/deposits/WD-Q-1"))).Status);
            Assert.Equal("Queued", (await Get(holder, new Uri(withdrawals + "/WD-Q-1")))["status"]!.GetValue<string>());
            var waiting = (await Get(bank, new Uri(payments, "accounts/EXP-WITHDRAW-Q/USD/instructions")))["items"]!.AsArray().Single()!;
            Assert.Equal(("withdrawal", "WD-Q-1", "Queued"), (waiting["kind"]!.GetValue<string>(), waiting["reference"]!.GetValue<string>(), waiting["status"]!.GetValue<string>()));
            // Nothing burnt, nothing booked.
            Assert.Equal(new BigInteger(10000), await chain.BalanceOfAsync("USD", address));
            Assert.Equal(100m, (await Get(holder, account))["balance"]!.GetValue<decimal>());
        }
        finally
        {
            system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "true");
            await system.Payments.KillAsync();
            await system.Payments.StartAsync();
        }

        await Until(async () => (await Get(holder, new Uri(withdrawals + "/WD-Q-1")))["status"]!.GetValue<string>() != "Queued", "the queued withdrawal is decided");
        var booked = await Get(bank, new Uri(withdrawals + "/WD-Q-1"));
        Assert.Equal("Booked", booked["status"]!.GetValue<string>());
        var tx = booked["transactionHash"]!.GetValue<string>();
        Assert.Equal(new BigInteger(4000), await chain.BalanceOfAsync("USD", address));
        var view = await Get(holder, account);
        Assert.Equal((40m, true), (view["balance"]!.GetValue<decimal>(), view["agrees"]!.GetValue<bool>()));
        Assert.Equal((40m, 0m, 0, 0m, 0), Standing(view));
        var entry = view["entries"]!.AsArray().Single(e => e!["kind"]!.GetValue<string>() == "withdrawal")!;
        Assert.Equal(("WD-Q-1", -60m, tx), (entry["reference"]!.GetValue<string>(), entry["amount"]!.GetValue<decimal>(), entry["transactionHash"]!.GetValue<string>()));
        Assert.Equal(1L, await Count(system.DatabasePath("payments"),
            $"SELECT COUNT(*) FROM iso20022_messages WHERE MessageType LIKE 'camt.054%' AND Subject = 'EXP-WITHDRAW-Q/USD' AND Xml LIKE '%{tx[2..]}%' AND Xml LIKE '%>DBIT<%'"));

        Assert.Empty((await Get(holder, new Uri(payments, "accounts/EXP-WITHDRAW-Q/USD/instructions")))["items"]!.AsArray()); // booked: an entry now

        // Asked again: that booking, 200 with the account; then on the worker a new withdrawal is answered 200 once burnt,
        // and one the funds no longer cover is refused before anything is asked of the chain.
        Assert.Equal(40m, (await Post(bank, withdrawals, new { amount = 60m, reference = "WD-Q-1" }))["balance"]!.GetValue<decimal>());
        var (short_, refusal) = await Send(bank, HttpMethod.Post, withdrawals, new { amount = 50m, reference = "WD-Q-2" });
        Assert.Equal((HttpStatusCode.Conflict, "insufficient-funds"), (short_, refusal!["rule"]!.GetValue<string>()));
        var emptied = await Post(bank, withdrawals, new { amount = 40m, reference = "WD-Q-3" });
        Assert.Equal((0m, 0m), (emptied["balance"]!.GetValue<decimal>(), emptied["chainBalance"]!.GetValue<decimal>()));
        Assert.Equal(BigInteger.Zero, await chain.BalanceOfAsync("USD", address));
    }

    [Fact]
    public async Task A_queued_withdrawal_the_chain_node_cannot_take_tells_its_bank_why_it_waits_and_is_booked_once_the_node_is_back()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        using var parties = await OpenAtHsbcAsync(system, "EXP-WITHDRAW-DOWN", deposit: 20m);
        var (bank, noWait, holder, address) = parties;
        var withdrawal = new Uri(payments, "accounts/EXP-WITHDRAW-DOWN/USD/withdrawals/WD-DOWN");

        await system.Chain.StopAsync();
        try
        {
            var (status, _) = await Send(noWait, HttpMethod.Post, new Uri(payments, "accounts/EXP-WITHDRAW-DOWN/USD/withdrawals"), new { amount = 5m, reference = "WD-DOWN" });
            Assert.Equal(HttpStatusCode.Accepted, status);
            await Until(async () => (await Get(bank, withdrawal))["failedAttempts"]!.GetValue<int>() >= 2, "two failed sends of the withdrawal noted on it");
            var seen = await Get(bank, withdrawal);
            Assert.Equal("Queued", seen["status"]!.GetValue<string>());
            var failure = seen["lastFailure"]!.GetValue<string>();
            Assert.Contains("could not be reached", failure);
            var node = new Uri(system.Chain.RpcUrl);
            Assert.DoesNotContain($"{node.Host}:{node.Port}", failure);
            Assert.DoesNotContain("Exception", failure);
            Assert.NotNull(seen["lastFailureAtUnixMs"]);
            // The holder sees that it waits and how often it failed, not the words meant for its bank.
            var holderSees = await Get(holder, withdrawal);
            Assert.Equal("Queued", holderSees["status"]!.GetValue<string>());
            Assert.True(holderSees["failedAttempts"]!.GetValue<int>() >= 2, holderSees.ToJsonString());
            Assert.Null(holderSees["lastFailure"]);
        }
        finally
        {
            await system.Chain.StartAgainAsync();
        }

        await Until(async () => (await Get(bank, withdrawal))["status"]!.GetValue<string>() != "Queued", "the withdrawal is decided once the node is back");
        var booked = await Get(bank, withdrawal);
        Assert.Equal("Booked", booked["status"]!.GetValue<string>());
        Assert.Equal(new BigInteger(1500), await Settlement(system).BalanceOfAsync("USD", address)); // burnt once
        var view = await Get(holder, new Uri(payments, "accounts/EXP-WITHDRAW-DOWN/USD"));
        Assert.Equal((15m, true), (view["balance"]!.GetValue<decimal>(), view["agrees"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task A_withdrawal_the_token_refuses_is_answered_with_its_rule_listed_as_refused_and_nothing_is_burnt_or_booked()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        using var parties = await OpenAtHsbcAsync(system, "EXP-WITHDRAW-NO", deposit: 20m);
        var (bank, _, holder, address) = parties;
        using var stranger = Client(Roles.Exporter, "EXP-WITHDRAW-NOSY");
        var chain = Settlement(system);
        var instructions = new Uri(payments, "accounts/EXP-WITHDRAW-NO/USD/instructions");

        // The bank burns 15 of the 20 with its own key outside TradeChain: the ledger still books 20, the chain holds 5.
        var outside = new SettlementClient(Writer(system, DevelopmentAccounts.PaymentsKey), Options(system, DevelopmentAccounts.PaymentsKey));
        await outside.BurnAsync(await FundedWriterAsync(system, BankKey("BNK-HSBC")), "USD", address, 1500, SettlementClient.Reference("outside-burn"), CancellationToken.None);
        Assert.Equal(new BigInteger(500), await chain.BalanceOfAsync("USD", address));

        // A withdrawal of 10: the ledger's funds cover it, the token's do not — the worker's burn is refused and the request,
        // waiting for it, says so with the token's rule.
        var withdrawals = new Uri(payments, "accounts/EXP-WITHDRAW-NO/USD/withdrawals");
        var (status, problem) = await Send(bank, HttpMethod.Post, withdrawals, new { amount = 10m, reference = "WD-NO" });
        Assert.True(status == HttpStatusCode.Conflict, $"{(int)status}: {problem}");
        var rule = problem!["rule"]!.GetValue<string>();
        Assert.Equal("contract:ERC20InsufficientBalance", rule);
        Assert.Contains("Nothing was burnt or booked", problem["detail"]!.GetValue<string>());
        var refused = await Get(bank, new Uri(withdrawals + "/WD-NO"));
        Assert.Equal(("Refused", rule), (refused["status"]!.GetValue<string>(), refused["rule"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(refused["refusal"]?.GetValue<string>()));

        // Listed among the account's instructions not booked: for its bank with the token's words, for the holder with the
        // rule alone, for nobody else.
        var listed = (await Get(bank, instructions))["items"]!.AsArray().Single()!;
        Assert.Equal(("withdrawal", "WD-NO", "Refused", 10m), (listed["kind"]!.GetValue<string>(), listed["reference"]!.GetValue<string>(),
            listed["status"]!.GetValue<string>(), listed["amount"]!.GetValue<decimal>()));
        Assert.NotNull(listed["refusal"]);
        var holderSees = (await Get(holder, instructions))["items"]!.AsArray().Single()!;
        Assert.Equal(rule, holderSees["rule"]!.GetValue<string>());
        Assert.Null(holderSees["refusal"]);
        Assert.Null(holderSees["requestedBy"]);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(stranger, HttpMethod.Get, instructions)).Status);

        // Nothing burnt by TradeChain, nothing booked; asked again under its reference it is sent again, and refused again.
        Assert.Equal(new BigInteger(500), await chain.BalanceOfAsync("USD", address));
        var view = await Get(holder, new Uri(payments, "accounts/EXP-WITHDRAW-NO/USD"));
        Assert.Equal(20m, view["balance"]!.GetValue<decimal>());
        Assert.DoesNotContain(view["entries"]!.AsArray(), e => e!["kind"]!.GetValue<string>() == "withdrawal");
        var (again, againProblem) = await Send(bank, HttpMethod.Post, withdrawals, new { amount = 10m, reference = "WD-NO" });
        Assert.Equal((HttpStatusCode.Conflict, rule), (again, againProblem!["rule"]!.GetValue<string>()));
        // Sent again, not the first refusal answered again: asked and decided anew.
        var refusedAgain = await Get(bank, new Uri(withdrawals + "/WD-NO"));
        Assert.True(refusedAgain["requestedAtUnixMs"]!.GetValue<long>() > refused["requestedAtUnixMs"]!.GetValue<long>(), refusedAgain.ToJsonString());
        Assert.True(refusedAgain["decidedAtUnixMs"]!.GetValue<long>() > refused["decidedAtUnixMs"]!.GetValue<long>(), refusedAgain.ToJsonString());
        Assert.Equal(1L, await Count(system.DatabasePath("payments"), "SELECT COUNT(*) FROM booking_instructions WHERE Reference = 'WD-NO' AND Status = 'Refused'"));
    }

    [Fact]
    public async Task A_reference_is_the_accounts_own_so_the_partys_account_in_another_currency_books_under_it_queued_or_in_its_request()
    {
        // One party's USD account at BNK-HSBC and VND account at the golden path's bank: the same reference on both is two
        // movements — each currency is its own token — each booked on its own account.
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        const string holderParty = "EXP-XCUR";
        using var usd = await OpenAtAsync(system, "BNK-HSBC", holderParty);
        using var vnd = await OpenAtAsync(system, GoldenPath.BankParty, holderParty, currency: "VND");
        var holderAddress = usd.Address; // the party's one address, on both tokens
        var chain = Settlement(system);
        var usdDeposits = new Uri(payments, $"accounts/{holderParty}/USD/deposits");
        var vndDeposits = new Uri(payments, $"accounts/{holderParty}/VND/deposits");

        // The USD deposit asked of an API process (the settlement worker off): queued, nothing sends it yet.
        system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "false");
        await system.Payments.KillAsync();
        await system.Payments.StartAsync();
        var (asked, _, _) = await PostBooking(usd.NoWait, usdDeposits, new { amount = 12.50m, reference = "DEP-X" });
        Assert.Equal(HttpStatusCode.Accepted, asked);

        // Under the same reference, the VND deposit booked in its own request (deposits not queued there:
        // Payments:DepositBatchWindowMs 0) while the USD one waits. Before, refused as a reference used in another currency —
        // and had the two come at the same instant, the sender would have found this VND entry for the USD deposit and
        // marked it booked with the VND transaction (USD minted, unbooked).
        system.Payments.SetSetting("Payments:DepositBatchWindowMs", "0");
        await system.Payments.KillAsync();
        await system.Payments.StartAsync();
        var (bookedVnd, vndView, vndReplayed) = await PostBooking(vnd.Bank, vndDeposits, new { amount = 300_000m, reference = "DEP-X" });
        Assert.Equal((HttpStatusCode.OK, false), (bookedVnd, vndReplayed));
        Assert.Equal(300_000m, vndView!["balance"]!.GetValue<decimal>());
        Assert.Equal((0m, 12.50m, 1, 0m, 0), Standing(await Get(usd.Holder, new Uri(payments, $"accounts/{holderParty}/USD")))); // still queued, counted
        // The VND account is idempotent on its own: asked again, that booking; another amount, refused.
        var (again, _, replayed) = await PostBooking(vnd.Bank, vndDeposits, new { amount = 300_000m, reference = "DEP-X" });
        Assert.Equal((HttpStatusCode.OK, true), (again, replayed));
        var (reused, problem, _) = await PostBooking(vnd.Bank, vndDeposits, new { amount = 1m, reference = "DEP-X" });
        Assert.Equal((HttpStatusCode.Conflict, "reference-used"), (reused, problem!["rule"]!.GetValue<string>()));

        // The process that signs for the banks (SettlementWorkerEnabled and the 50 ms deposit window, as deployed) sends
        // the USD deposit: booked with its own mint.
        system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "true");
        system.Payments.SetSetting("Payments:DepositBatchWindowMs", "50");
        await system.Payments.KillAsync();
        await system.Payments.StartAsync();
        await Until(async () => (await Get(usd.Holder, new Uri(usdDeposits + "/DEP-X")))["status"]!.GetValue<string>() != "Queued", "the queued USD deposit is decided");
        var usdBooking = await Get(usd.Bank, new Uri(usdDeposits + "/DEP-X"));
        Assert.Equal("Booked", usdBooking["status"]!.GetValue<string>());
        var usdTx = usdBooking["transactionHash"]!.GetValue<string>();
        var usdEntry = (await Get(usd.Holder, new Uri(payments, $"accounts/{holderParty}/USD")))["entries"]!.AsArray().Single()!;
        var vndEntry = (await Get(vnd.Holder, new Uri(payments, $"accounts/{holderParty}/VND")))["entries"]!.AsArray().Single()!;
        Assert.Equal(("DEP-X", 12.50m, usdTx), (usdEntry["reference"]!.GetValue<string>(), usdEntry["amount"]!.GetValue<decimal>(), usdEntry["transactionHash"]!.GetValue<string>()));
        Assert.NotEqual(usdTx, vndEntry["transactionHash"]!.GetValue<string>());

        // Both banks queue one more deposit under one reference, at once: two instructions (before, the second was refused
        // by the instructions' key), each minted in its bank's batch and booked.
        var both = await Task.WhenAll(
            PostBooking(usd.Bank, usdDeposits, new { amount = 7.25m, reference = "DEP-Y" }),
            PostBooking(vnd.Bank, vndDeposits, new { amount = 50_000m, reference = "DEP-Y" }));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (both[0].Status, both[1].Status));
        Assert.Equal((19.75m, 350_000m), (both[0].Body!["balance"]!.GetValue<decimal>(), both[1].Body!["balance"]!.GetValue<decimal>()));

        // The chain shows exactly each: minted to the holder on its own token, bound under its bank's reference with its amount.
        Assert.Equal((new BigInteger(1975), new BigInteger(35_000_000)), (await chain.BalanceOfAsync("USD", holderAddress), await chain.BalanceOfAsync("VND", holderAddress)));
        foreach (var (currency, bankParty, reference, minor) in new[]
                 {
                     ("USD", "BNK-HSBC", "DEP-X", 1250L), ("VND", GoldenPath.BankParty, "DEP-X", 30_000_000L),
                     ("USD", "BNK-HSBC", "DEP-Y", 725L), ("VND", GoldenPath.BankParty, "DEP-Y", 5_000_000L),
                 })
        {
            var bound = await chain.PaymentOfAsync(currency, DevelopmentBankSigners.AddressOf(bankParty),
                SettlementLedger.BookingReference(LedgerEntryKind.Deposit, holderParty, reference));
            Assert.Equal((null, holderAddress.ToLowerInvariant(), new BigInteger(minor)), (bound!.From, bound.To?.ToLowerInvariant(), bound.Amount));
        }
        // Each bank's reconciliation of its accounts against the chain: in agreement.
        foreach (var bank in new[] { usd.Bank, vnd.Bank })
        {
            var report = await Get(bank, new Uri(payments, "reconciliation"));
            Assert.True(report["inAgreement"]!.GetValue<bool>(), report.ToJsonString());
        }
        // Neither bank sees the other's booking under the shared reference, nor books on the other's account.
        Assert.Equal(HttpStatusCode.NotFound, (await Send(usd.Bank, HttpMethod.Get, new Uri(vndDeposits + "/DEP-X"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(vnd.Bank, HttpMethod.Get, new Uri(usdDeposits + "/DEP-X"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PostBooking(usd.Bank, vndDeposits, new { amount = 1m, reference = "DEP-Z" })).Status);
    }

    [Fact]
    public async Task A_queued_deposit_and_withdrawal_their_bank_cancels_are_never_sent_and_recorded_cancelled_and_their_references_are_spent()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        using var parties = await OpenAtHsbcAsync(system, "EXP-CANCEL", deposit: 30m);
        var (bank, noWait, holder, address) = parties;
        using var otherBank = Client(Roles.Bank, GoldenPath.BankParty);
        var chain = Settlement(system);
        var account = new Uri(payments, "accounts/EXP-CANCEL/USD");
        var deposits = new Uri(payments, "accounts/EXP-CANCEL/USD/deposits");
        var deposit = new Uri(payments, "accounts/EXP-CANCEL/USD/deposits/DEP-C");
        var withdrawal = new Uri(payments, "accounts/EXP-CANCEL/USD/withdrawals/WD-C");

        // Asked of an API process (the settlement worker off): both queued, nothing sends them.
        system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "false");
        await system.Payments.KillAsync();
        await system.Payments.StartAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await Send(noWait, HttpMethod.Post, deposits, new { amount = 40m, reference = "DEP-C" })).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await Send(noWait, HttpMethod.Post, new Uri(payments, "accounts/EXP-CANCEL/USD/withdrawals"), new { amount = 25m, reference = "WD-C" })).Status);

        // Only the account's bank cancels: another bank learns nothing, the holder may not.
        Assert.Equal(HttpStatusCode.NotFound, (await Send(otherBank, HttpMethod.Post, new Uri(deposit + "/cancel"), new { })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(holder, HttpMethod.Post, new Uri(deposit + "/cancel"), new { })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(bank, HttpMethod.Post, new Uri(payments, "accounts/EXP-CANCEL/USD/deposits/NEVER-ASKED/cancel"), new { })).Status);

        var (asked, cancelling, replayed) = await PostBooking(bank, new Uri(deposit + "/cancel"), new { });
        Assert.Equal((HttpStatusCode.Accepted, "Queued", false), (asked, cancelling!["status"]!.GetValue<string>(), replayed));
        var askedAt = cancelling["cancelAskedAtUnixMs"]!.GetValue<long>();
        Assert.Contains("BNK-HSBC", cancelling["cancelAskedBy"]!.GetValue<string>());
        // Asked again: the same cancel (when unchanged), said replayed.
        var (again, same, replayedAgain) = await PostBooking(bank, new Uri(deposit + "/cancel"), new { });
        Assert.Equal((HttpStatusCode.Accepted, askedAt, true), (again, same!["cancelAskedAtUnixMs"]!.GetValue<long>(), replayedAgain));
        Assert.Equal(HttpStatusCode.Accepted, (await Send(bank, HttpMethod.Post, new Uri(withdrawal + "/cancel"), new { })).Status);
        // Until decided they still count as queued: money may yet move for them.
        Assert.Equal((30m, 40m, 1, 25m, 1), Standing(await Get(holder, account)));
        var holderSees = await Get(holder, deposit);
        Assert.Equal((askedAt, (JsonNode?)null), (holderSees["cancelAskedAtUnixMs"]!.GetValue<long>(), holderSees["cancelAskedBy"])); // not who at the bank
        // A retry of the first request cannot bring it back: its reference is spent once a cancel is asked.
        var (retried, spent, _) = await PostBooking(noWait, deposits, new { amount = 40m, reference = "DEP-C" });
        Assert.Equal((HttpStatusCode.Conflict, "reference-cancelled"), (retried, spent!["rule"]!.GetValue<string>()));

        // The process that signs for the bank decides both on chain: it voids each one's reference (nothing was sent, so the
        // voids are mined first): cancelled, nothing moves.
        system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "true");
        await system.Payments.KillAsync();
        await system.Payments.StartAsync();
        var bankAddress = DevelopmentBankSigners.AddressOf("BNK-HSBC");
        foreach (var (cancelled, kind, reference) in new[] { (deposit, LedgerEntryKind.Deposit, "DEP-C"), (withdrawal, LedgerEntryKind.Withdrawal, "WD-C") })
        {
            await Until(async () => (await Get(holder, cancelled))["status"]!.GetValue<string>() != "Queued", $"the cancel of {cancelled} is decided");
            var decided = await Get(bank, cancelled);
            Assert.Equal(("Refused", "cancelled"), (decided["status"]!.GetValue<string>(), decided["rule"]!.GetValue<string>()));
            var refusal = decided["refusal"]!.GetValue<string>();
            Assert.Contains("was cancelled by", refusal);
            Assert.Contains("before the chain made it", refusal);
            // The void is on chain for anyone to check: the bank's reference bound to nothing moved, in the transaction named.
            var voided = await chain.PaymentOfAsync("USD", bankAddress, SettlementLedger.BookingReference(kind, "EXP-CANCEL", reference));
            Assert.True(voided is { IsVoid: true }, $"the reference of {reference} is voided on chain");
            var voidTx = Regex.Match(refusal, @"voided on chain \(transaction (0x[0-9a-f]{64})\)").Groups[1].Value;
            var voidReceipt = await chain.ReceiptAsync(voidTx);
            Assert.Equal((1, voided!.BlockNumber), ((int)voidReceipt.Status.Value, (long)voidReceipt.BlockNumber.Value));
            Assert.Equal(bankAddress, voidReceipt.From, ignoreCase: true);
        }
        Assert.Equal(new BigInteger(3000), await chain.BalanceOfAsync("USD", address));
        // A sender that read the deposit before its cancel and sends its mint only now (a second payments-worker during a
        // change of deployment, slow on its way): the token refuses it, naming the void — no clock or grace decides this.
        var staleSender = Writer(system, DevelopmentBankKeys.KeyOf("BNK-HSBC"));
        var stale = await Assert.ThrowsAsync<ChainRevertedException>(() => chain.MintAsync(staleSender, "USD", address, 4000,
            SettlementLedger.BookingReference(LedgerEntryKind.Deposit, "EXP-CANCEL", "DEP-C"), CancellationToken.None));
        Assert.Equal("contract:DuplicateReference", stale.Rule);
        Assert.Contains("voided reference", stale.Error);
        Assert.Equal(new BigInteger(3000), await chain.BalanceOfAsync("USD", address));
        Assert.Equal((30m, 0m, 0, 0m, 0), Standing(await Get(holder, account)));
        // Decided: a cancel now answers it as it is; the reference stays spent.
        Assert.Equal(HttpStatusCode.OK, (await Send(bank, HttpMethod.Post, new Uri(deposit + "/cancel"), new { })).Status);
        var (spentDeposit, spentWhy, _) = await PostBooking(bank, deposits, new { amount = 40m, reference = "DEP-C" });
        Assert.Equal((HttpStatusCode.Conflict, "reference-cancelled"), (spentDeposit, spentWhy!["rule"]!.GetValue<string>()));
        Assert.Contains("was cancelled by", spentWhy["detail"]!.GetValue<string>());
        var (spentWithdrawal, _, _) = await PostBooking(bank, new Uri(payments, "accounts/EXP-CANCEL/USD/withdrawals"), new { amount = 25m, reference = "WD-C" });
        Assert.Equal(HttpStatusCode.Conflict, spentWithdrawal);

        // Under a new reference it is booked; once booked, a cancel is refused naming its transaction.
        var (rebooked, view, _) = await PostBooking(bank, deposits, new { amount = 40m, reference = "DEP-C2" });
        Assert.Equal((HttpStatusCode.OK, 70m), (rebooked, view!["balance"]!.GetValue<decimal>()));
        Assert.Equal(new BigInteger(7000), await chain.BalanceOfAsync("USD", address));
        var (late, problem) = await Send(bank, HttpMethod.Post, new Uri(deposits + "/DEP-C2/cancel"), new { });
        Assert.Equal((HttpStatusCode.Conflict, "booking-made"), (late, problem!["rule"]!.GetValue<string>()));
        Assert.Contains((await Get(bank, new Uri(deposits + "/DEP-C2")))["transactionHash"]!.GetValue<string>(), problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_cancel_of_a_deposit_whose_mint_is_still_unmined_waits_for_the_chain_and_books_that_mint_sending_nothing()
    {
        // The mint waits in the node's pool and its process dies before recording it; the bank, seeing the deposit still
        // queued, asks to cancel it. The worker's void of the deposit's reference cannot go before the mint: it waits, saying
        // why; once the mint is mined, the void is refused (the reference is the mint's): booked — a cancel never leaves a
        // movement unbooked — and nothing was sent for it again.
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        using var parties = await OpenAtAsync(system, GoldenPath.BankParty, "EXP-CANCEL-LATE");
        var (bank, noWait, holder, address) = parties;
        var chain = Settlement(system);
        var bankAddress = DevelopmentBankSigners.AddressOf(GoldenPath.BankParty);
        var deposit = new Uri(payments, "accounts/EXP-CANCEL-LATE/USD/deposits/LATE");

        await chain.Rpc("evm_setAutomine", false);
        BigInteger pending;
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, (await Send(noWait, HttpMethod.Post, new Uri(payments, "accounts/EXP-CANCEL-LATE/USD/deposits"), new { amount = 12m, reference = "LATE" })).Status);
            await Until(async () => await chain.Web3Nonce(bankAddress, BlockParameter.CreatePending()) > await chain.Web3Nonce(bankAddress, BlockParameter.CreateLatest()),
                "the deposit's mint waiting in the node's pool");
            await system.Payments.KillAsync();
            pending = await chain.Web3Nonce(bankAddress, BlockParameter.CreatePending());

            // The cancel, asked of an API process; then the process that signs for the bank looks at it with the mint still
            // unmined: the node, estimating the void against its pending state, refuses it (the mint there binds the reference),
            // so the void waits for the bank's pending transactions to be mined — it says so, and sends nothing (a receipt
            // timeout of 5 s here, so the row says it soon).
            system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "false");
            await system.Payments.StartAsync();
            Assert.Equal(HttpStatusCode.Accepted, (await Send(bank, HttpMethod.Post, new Uri(deposit + "/cancel"), new { })).Status);
            system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "true");
            system.Payments.SetSetting("Chain:ReceiptTimeoutSeconds", "5");
            await system.Payments.KillAsync();
            await system.Payments.StartAsync();
            await Until(async () => (await Get(bank, deposit))["lastFailure"]?.GetValue<string>()?.Contains("its cancel waits") == true, "the cancel waiting for the unmined mint");
            Assert.Equal("Queued", (await Get(bank, deposit))["status"]!.GetValue<string>()); // undecided while the chain has not mined it
            Assert.Equal(pending, await chain.Web3Nonce(bankAddress, BlockParameter.CreatePending())); // nothing sent: not even the void, the node's pending state refuses it
        }
        finally
        {
            await chain.Rpc("evm_setAutomine", true);
            await chain.Rpc("evm_mine");
        }

        await Until(async () => (await Get(holder, deposit))["status"]!.GetValue<string>() != "Queued", "the cancelled deposit is decided");
        var decided = await Get(bank, deposit);
        Assert.Equal("Booked", decided["status"]!.GetValue<string>());
        Assert.Equal(pending, await chain.Web3Nonce(bankAddress, BlockParameter.CreateLatest())); // the one mint; the void, asked again once it was mined, refused at its estimate
        Assert.Equal(1, (int)(await chain.ReceiptAsync(decided["transactionHash"]!.GetValue<string>())).Status.Value);
        Assert.Equal(new BigInteger(1200), await chain.BalanceOfAsync("USD", address)); // minted once
        var bound = await chain.PaymentOfAsync("USD", bankAddress, SettlementLedger.BookingReference(LedgerEntryKind.Deposit, "EXP-CANCEL-LATE", "LATE"));
        Assert.True(bound is { IsVoid: false, From: null, Amount: var a } && a == 1200, "the reference bound to the mint, not the void");
        var view = await Get(holder, new Uri(payments, "accounts/EXP-CANCEL-LATE/USD"));
        Assert.Equal((12m, 0m, 0, 0m, 0), Standing(view));
        Assert.Equal(decided["transactionHash"]!.GetValue<string>(), view["entries"]!.AsArray().Single()!["transactionHash"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_cancel_of_a_bank_this_service_no_longer_signs_for_is_decided_from_the_chain_once_nothing_the_bank_sent_can_be_mined()
    {
        // A bank's deposit is queued while this service signs for it; then the bank takes its key to itself
        // (Parties:SelfSigned): nothing here can send the deposit, nor void its reference. The bank does not sign the void it
        // is asked for (next test), so its cancel is decided from the chain instead: not before one send's longest time (here 1 × (2 + 10) + 1 s and the deposit window: about 13 s) after it was asked, and not while a
        // transaction of the bank the node held then is unmined — then cancelled, saying why (no void claimed), nothing sent.
        const string bankParty = "BNK-KEYMOVED";
        var (bankKey, bankAddress) = DerivedBank(bankParty);
        await using var system = await TradeChainSystem.StartAsync(configure: WorkerOff);
        using var parties = await DepositQueuedAtAsync(system, bankParty, bankAddress, "EXP-KEYMOVED", 9m, "MOVED");
        var (bank, _, holder, address) = parties;
        var payments = system.Payments.BaseAddress;
        var deposit = new Uri(payments, "accounts/EXP-KEYMOVED/USD/deposits/MOVED");

        system.Payments.SetSetting($"Parties:SelfSigned:{bankParty}", bankAddress);
        await system.Payments.KillAsync();
        await system.Payments.StartAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await Send(bank, HttpMethod.Post, new Uri(deposit + "/cancel"), new { })).Status);
        var askedAt = DateTime.UtcNow;

        // The bank, with its own key, has a transaction waiting in the node (the chain mines nothing meanwhile).
        var chain = Settlement(system);
        await chain.Rpc("evm_setAutomine", false);
        try
        {
            using (var handedOver = new CancellationTokenSource(TimeSpan.FromSeconds(2))) // sent, its receipt not waited for
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Writer(system, bankKey).SendValueAsync(bankAddress, 1, handedOver.Token));
            await Until(async () => await chain.Web3Nonce(bankAddress, BlockParameter.CreatePending()) > await chain.Web3Nonce(bankAddress, BlockParameter.CreateLatest()),
                "the bank's own transaction waiting in the node");
            var sent = await chain.Web3Nonce(bankAddress, BlockParameter.CreatePending());
            system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "true");
            system.Payments.SetSetting("Chain:MaxAttempts", "1");
            system.Payments.SetSetting("Chain:ReceiptTimeoutSeconds", "2");
            await system.Payments.KillAsync();
            await system.Payments.StartAsync();
            await Until(async () => (await Get(bank, deposit))["lastFailure"]?.GetValue<string>()?.Contains("its cancel waits") == true,
                "the cancel waiting for the bank's unmined transaction");
            // Meanwhile the void of the deposit's reference awaits the bank's signature (it does not sign it here).
            Assert.Equal("booking-void", Assert.Single((await Send(bank, HttpMethod.Get, new Uri(payments, "signatures/pending"))).Body!.AsArray())!["kind"]!.GetValue<string>());
            Assert.True(DateTime.UtcNow - askedAt >= TimeSpan.FromSeconds(12), "not decided within one send's longest time of the cancel");
            Assert.Equal("Queued", (await Get(holder, deposit))["status"]!.GetValue<string>());
            Assert.Equal(sent, await chain.Web3Nonce(bankAddress, BlockParameter.CreatePending())); // nothing sent for the bank
        }
        finally
        {
            await chain.Rpc("evm_setAutomine", true);
            await chain.Rpc("evm_mine");
        }

        await Until(async () => (await Get(holder, deposit))["status"]!.GetValue<string>() != "Queued", "the cancel is decided");
        var decided = await Get(bank, deposit);
        Assert.Equal(("Refused", "cancelled"), (decided["status"]!.GetValue<string>(), decided["rule"]!.GetValue<string>()));
        Assert.Contains("every transaction its bank had sent before the cancel is mined", decided["refusal"]!.GetValue<string>());
        Assert.DoesNotContain("voided", decided["refusal"]!.GetValue<string>());
        Assert.Null(await chain.PaymentOfAsync("USD", bankAddress, SettlementLedger.BookingReference(LedgerEntryKind.Deposit, "EXP-KEYMOVED", "MOVED")));
        Assert.Equal(BigInteger.Zero, await chain.BalanceOfAsync("USD", address));
        Assert.Equal((0m, 0m, 0, 0m, 0), Standing(await Get(holder, new Uri(payments, "accounts/EXP-KEYMOVED/USD"))));
        // The void the bank was asked to sign (it did not) still awaits it: signed now, it binds the reference the cancel was
        // decided on without proof, so that nothing can ever be minted under it.
        // Its transaction was prepared when the cancel was asked, before the bank's own transaction took that nonce: stale, and
        // prepared again (for a cancel already decided too).
        var awaiting = Assert.Single((await Send(bank, HttpMethod.Get, new Uri(payments, "signatures/pending"))).Body!.AsArray())!.AsObject();
        Assert.Equal("booking-void", awaiting["kind"]!.GetValue<string>());
        var signature = new Uri(payments, $"signatures/{awaiting["id"]!.GetValue<string>()}");
        var (stale, restated) = await Send(bank, HttpMethod.Post, signature, new { signedTransaction = PartySigningTests.Sign(awaiting["transaction"]!.AsObject(), bankKey) });
        Assert.Equal((HttpStatusCode.Conflict, "signed-transaction-stale"), (stale, restated!["rule"]!.GetValue<string>()));
        var (signed, done) = await Send(bank, HttpMethod.Post, signature, new { signedTransaction = PartySigningTests.Sign(restated["transaction"]!.AsObject(), bankKey) });
        Assert.True(signed == HttpStatusCode.OK, $"{(int)signed}: {done}");
        Assert.Equal("completed", done!["status"]!.GetValue<string>());
        Assert.Contains("is voided on chain: nothing can be minted under it; its cancel was recorded already", done["outcome"]!.GetValue<string>());
        Assert.True((await chain.PaymentOfAsync("USD", bankAddress, SettlementLedger.BookingReference(LedgerEntryKind.Deposit, "EXP-KEYMOVED", "MOVED")))!.IsVoid);
        Assert.Equal(decided["refusal"]!.GetValue<string>(), (await Get(bank, deposit))["refusal"]!.GetValue<string>()); // the cancel as it was recorded
    }

    [Fact]
    public async Task A_bank_that_signs_itself_since_its_deposit_was_queued_cancels_it_by_signing_the_void_of_its_reference()
    {
        // As above, the bank takes its key to itself with a deposit still queued, and cancels it. Nothing here can void the
        // deposit's reference — but the bank can: the void awaits its signature, and once the bank has signed it and it is
        // mined, the cancel is decided by it, long before the time bound the cancel would otherwise wait for (about 351 s here).
        const string bankParty = "BNK-SELFVOID";
        var (bankKey, bankAddress) = DerivedBank(bankParty);
        await using var system = await TradeChainSystem.StartAsync(configure: WorkerOff);
        using var parties = await DepositQueuedAtAsync(system, bankParty, bankAddress, "EXP-SELFVOID", 12m, "SELFVOID");
        var (bank, _, holder, address) = parties;
        var payments = system.Payments.BaseAddress;
        var deposit = new Uri(payments, "accounts/EXP-SELFVOID/USD/deposits/SELFVOID");
        system.Payments.SetSetting($"Parties:SelfSigned:{bankParty}", bankAddress);
        system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "true");
        await system.Payments.KillAsync();
        await system.Payments.StartAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await Send(bank, HttpMethod.Post, new Uri(deposit + "/cancel"), new { })).Status);

        // The void of the deposit's reference awaits the bank: from its account, to the token, saying what it is for.
        JsonObject? awaiting = null;
        await Until(async () => (awaiting = (await Send(bank, HttpMethod.Get, new Uri(payments, "signatures/pending"))).Body!.AsArray().SingleOrDefault()?.AsObject()) is not null,
            "the void awaiting the bank's signature");
        Assert.Equal(("booking-void", "awaiting"), (awaiting!["kind"]!.GetValue<string>(), awaiting["status"]!.GetValue<string>()));
        Assert.Contains("Cancel of deposit SELFVOID on EXP-SELFVOID's USD account", awaiting["purpose"]!.GetValue<string>());
        var transaction = awaiting["transaction"]!.AsObject();
        Assert.Equal(bankAddress, transaction["from"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(system.Chain.Deployment.Settlement["USD"].Token, transaction["to"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        Assert.Equal("Queued", (await Get(holder, deposit))["status"]!.GetValue<string>());
        // The holder has nothing to sign (only the bank sees it).
        Assert.Empty((await Send(holder, HttpMethod.Get, new Uri(payments, "signatures/pending?all=true"))).Body!.AsArray());

        // The bank signs it: sent, mined, the reference voided; the cancel is decided from the chain, naming the void.
        var signature = new Uri(payments, $"signatures/{awaiting["id"]!.GetValue<string>()}");
        var (signed, done) = await Send(bank, HttpMethod.Post, signature, new { signedTransaction = PartySigningTests.Sign(transaction, bankKey) });
        Assert.True(signed == HttpStatusCode.OK, $"{(int)signed}: {done}");
        Assert.Equal("completed", done!["status"]!.GetValue<string>());
        var voidedIn = done["transactionHash"]!.GetValue<string>();
        var chain = Settlement(system);
        var reference = SettlementLedger.BookingReference(LedgerEntryKind.Deposit, "EXP-SELFVOID", "SELFVOID");
        Assert.True((await chain.PaymentOfAsync("USD", bankAddress, reference))!.IsVoid);

        await Until(async () => (await Get(holder, deposit))["status"]!.GetValue<string>() != "Queued", "the cancel decided by the bank's void");
        var decided = await Get(bank, deposit);
        Assert.Equal(("Refused", "cancelled"), (decided["status"]!.GetValue<string>(), decided["rule"]!.GetValue<string>()));
        Assert.Contains($"its reference is voided on chain (transaction {voidedIn})", decided["refusal"]!.GetValue<string>());
        Assert.Equal(BigInteger.Zero, await chain.BalanceOfAsync("USD", address));
        Assert.Equal((0m, 0m, 0, 0m, 0), Standing(await Get(holder, new Uri(payments, "accounts/EXP-SELFVOID/USD"))));
        // Signed again: the same result, nothing sent twice.
        var (again, same) = await Send(bank, HttpMethod.Post, signature, new { signedTransaction = PartySigningTests.Sign(transaction, bankKey) });
        Assert.Equal((HttpStatusCode.OK, "completed", voidedIn), (again, same!["status"]!.GetValue<string>(), same["transactionHash"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_bank_that_signs_itself_since_is_answered_from_the_chain_when_it_voids_from_its_own_wallet_or_mints_under_a_reference_cancelled_without_proof()
    {
        // Two deposits queued while this service signed for the bank; then it takes its key to itself and cancels both.
        // WALLET: the bank voids its reference from its own wallet, not through the signature it was asked for — the cancel
        // names that transaction (read from the void's event), and the signature is completed with it. LATE: the bank signs
        // nothing; the cancel is decided without proof after one send's longest time (here about 13 s); then the bank mints
        // under that reference itself after all — signing the void afterwards finds the movement, which is booked (money the
        // ledger said never moved), not left out.
        const string bankParty = "BNK-OWNWALLET";
        var (bankKey, bankAddress) = DerivedBank(bankParty);
        await using var system = await TradeChainSystem.StartAsync(configure: WorkerOff);
        using var parties = await DepositQueuedAtAsync(system, bankParty, bankAddress, "EXP-OWNWALLET", 5m, "WALLET");
        var (bank, noWait, holder, address) = parties;
        var payments = system.Payments.BaseAddress;
        Assert.Equal(HttpStatusCode.Accepted, (await Send(noWait, HttpMethod.Post, new Uri(payments, "accounts/EXP-OWNWALLET/USD/deposits"), new { amount = 7m, reference = "LATE" })).Status);
        system.Payments.SetSetting($"Parties:SelfSigned:{bankParty}", bankAddress);
        system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "true");
        system.Payments.SetSetting("Chain:MaxAttempts", "1");
        system.Payments.SetSetting("Chain:ReceiptTimeoutSeconds", "2");
        await system.Payments.KillAsync();
        await system.Payments.StartAsync();
        var (wallet, late) = (new Uri(payments, "accounts/EXP-OWNWALLET/USD/deposits/WALLET"), new Uri(payments, "accounts/EXP-OWNWALLET/USD/deposits/LATE"));
        foreach (var deposit in new[] { wallet, late })
            Assert.Equal(HttpStatusCode.Accepted, (await Send(bank, HttpMethod.Post, new Uri(deposit + "/cancel"), new { })).Status);

        // WALLET: voided by the bank's own wallet.
        var own = Writer(system, bankKey);
        var ownClient = new SettlementClient(own, Options(system, bankKey));
        var (_, voidedIn) = await ownClient.VoidReferenceAsync(own, "USD", SettlementLedger.BookingReference(LedgerEntryKind.Deposit, "EXP-OWNWALLET", "WALLET"), CancellationToken.None);
        await Until(async () => (await Get(holder, wallet))["status"]!.GetValue<string>() != "Queued", "the cancel decided by the bank's own void");
        var cancelled = await Get(bank, wallet);
        Assert.Equal(("Refused", "cancelled"), (cancelled["status"]!.GetValue<string>(), cancelled["rule"]!.GetValue<string>()));
        Assert.Contains($"its reference is voided on chain (transaction {voidedIn})", cancelled["refusal"]!.GetValue<string>());
        await Until(async () => (await Send(bank, HttpMethod.Get, new Uri(payments, "signatures/pending?all=true"))).Body!.AsArray()
            .Any(p => p!["status"]!.GetValue<string>() == "completed" && p["transactionHash"]!.GetValue<string>() == voidedIn), "the void's signature completed with the wallet's void");

        // LATE: decided without proof, then minted by the bank itself under its reference.
        await Until(async () => (await Get(holder, late))["status"]!.GetValue<string>() != "Queued", "the cancel decided without the bank's void");
        Assert.Contains("every transaction its bank had sent before the cancel is mined", (await Get(bank, late))["refusal"]!.GetValue<string>());
        var chain = Settlement(system);
        var minted = (await chain.MintAsync(own, "USD", address, 700, SettlementLedger.BookingReference(LedgerEntryKind.Deposit, "EXP-OWNWALLET", "LATE"), CancellationToken.None))!.TransactionHash;
        var awaiting = Assert.Single((await Send(bank, HttpMethod.Get, new Uri(payments, "signatures/pending"))).Body!.AsArray())!.AsObject();
        var (answered, closed) = await Send(bank, HttpMethod.Post, new Uri(payments, $"signatures/{awaiting["id"]!.GetValue<string>()}"),
            new { signedTransaction = PartySigningTests.Sign(awaiting["transaction"]!.AsObject(), bankKey) });
        Assert.Equal((HttpStatusCode.Conflict, "signature-overtaken"), (answered, closed!["rule"]!.GetValue<string>()));
        Assert.Contains($"was minted on chain before the void (transaction {minted}): it is booked, not cancelled", closed["detail"]!.GetValue<string>());
        var booked = await Get(holder, late);
        Assert.Equal(("Booked", minted), (booked["status"]!.GetValue<string>(), booked["transactionHash"]!.GetValue<string>()));
        var view = await Get(holder, new Uri(payments, "accounts/EXP-OWNWALLET/USD"));
        Assert.Equal((7m, 7m), (view["balance"]!.GetValue<decimal>(), view["chainBalance"]!.GetValue<decimal>()));
        Assert.Contains(view["entries"]!.AsArray(), e => e!["transactionHash"]!.GetValue<string>() == minted);
    }

    /// <summary>A bank's PUBLIC development key, derived here from its party name, and its address.</summary>
    private static (string Key, string Address) DerivedBank(string bankParty)
    {
        var key = PartyWallets.DevelopmentKey(bankParty);
        return (key, new Nethereum.Web3.Accounts.Account(key).Address);
    }

    /// <summary>The payments service started without its sender (Payments:SettlementWorkerEnabled false): deposits are queued, not sent.</summary>
    private static void WorkerOff(string service, ServiceProcess process)
    {
        if (service == "payments") process.SetSetting("Payments:SettlementWorkerEnabled", "false");
    }

    /// <summary>
    /// <paramref name="bankParty"/> (its account <paramref name="bankAddress"/>) onboarded on chain, the holder's USD account
    /// opened there, and a deposit of <paramref name="amount"/> under <paramref name="reference"/> asked and left queued (the
    /// sender is off): the account's parties.
    /// </summary>
    private static async Task<AccountParties> DepositQueuedAtAsync(TradeChainSystem system, string bankParty, string bankAddress, string holderParty,
        decimal amount, string reference)
    {
        await PartySigningTests.OnboardBankAsync(system, bankAddress, "USD");
        var parties = await OpenAtAsync(system, bankParty, holderParty);
        var asked = await Send(parties.NoWait, HttpMethod.Post, new Uri(system.Payments.BaseAddress, $"accounts/{holderParty}/USD/deposits"), new { amount, reference });
        Assert.Equal(HttpStatusCode.Accepted, asked.Status);
        return parties;
    }

    /// <summary>A deposit or withdrawal asked: the status, the body, and whether the answer is marked replayed (Idempotent-Replayed: true).</summary>
    private static async Task<(HttpStatusCode Status, JsonNode? Body, bool Replayed)> PostBooking(HttpClient client, Uri uri, object body)
    {
        using var response = await client.PostAsJsonAsync(uri, body);
        var text = await response.Content.ReadAsStringAsync();
        var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), replayed);
    }

    /// <summary>An account's view: its balance, and its queued deposits and withdrawals (sum, count).</summary>
    private static (decimal, decimal, int, decimal, int) Standing(JsonObject view) =>
        (view["balance"]!.GetValue<decimal>(), view["queuedDeposits"]!.GetValue<decimal>(), view["queuedDepositCount"]!.GetValue<int>(),
            view["queuedWithdrawals"]!.GetValue<decimal>(), view["queuedWithdrawalCount"]!.GetValue<int>());

    /// <summary>The clients of a test of a holder's account: its bank, its bank preferring not to wait (respond-async), the holder; and the account's chain address.</summary>
    private sealed record AccountParties(HttpClient Bank, HttpClient NoWait, HttpClient Holder, string Address) : IDisposable
    {
        public void Dispose()
        {
            Bank.Dispose();
            NoWait.Dispose();
            Holder.Dispose();
        }
    }

    /// <summary>The holder's USD account at BNK-HSBC, opened on its mandate, with <paramref name="deposit"/> booked first (none when 0).</summary>
    private static Task<AccountParties> OpenAtHsbcAsync(TradeChainSystem system, string holderParty, decimal deposit = 0m) =>
        OpenAtAsync(system, "BNK-HSBC", holderParty, deposit);

    /// <summary>The holder's account (USD unless <paramref name="currency"/>) at <paramref name="bankParty"/>, opened on its mandate, with <paramref name="deposit"/> booked first (none when 0).</summary>
    private static async Task<AccountParties> OpenAtAsync(TradeChainSystem system, string bankParty, string holderParty, decimal deposit = 0m, string currency = "USD")
    {
        var payments = system.Payments.BaseAddress;
        var parties = new AccountParties(Client(Roles.Bank, bankParty), Client(Roles.Bank, bankParty), Client(Roles.Exporter, holderParty), "");
        parties.NoWait.DefaultRequestHeaders.Add("Prefer", "respond-async");
        await Post(parties.Holder, new Uri(payments, "accounts/mandates"), new { bank = bankParty, currency });
        var address = (await Post(parties.Bank, new Uri(payments, "accounts"), new { party = holderParty, currency }))["address"]!.GetValue<string>();
        if (deposit > 0)
            Assert.Equal(deposit, (await Post(parties.Bank, new Uri(payments, $"accounts/{holderParty}/{currency}/deposits"), new { amount = deposit, reference = $"DEP-{holderParty}" }))["balance"]!.GetValue<decimal>());
        return parties with { Address = address };
    }
}
