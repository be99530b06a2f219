using System.Net;
using System.Numerics;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Cli;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// A bank's deposits have one writer: the payments process that signs for the banks (Payments:SettlementWorkerEnabled,
/// payments-worker on Kubernetes). An API process only saves the deposit asked; the worker mints it in the bank's next
/// batch and books it with its camt.054 — on the real system (RabbitMQ, anvil, SQLite).
/// </summary>
public sealed partial class SettlementIntegrityTests
{
    [Fact]
    public async Task A_deposit_asked_of_a_payments_process_that_does_not_sign_for_banks_is_queued_and_minted_and_booked_by_the_one_that_does()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        using var bank = Client(Roles.Bank, "BNK-HSBC");
        using var noWait = Client(Roles.Bank, "BNK-HSBC");
        noWait.DefaultRequestHeaders.Add("Prefer", "respond-async");
        using var holder = Client(Roles.Exporter, "EXP-DEPOSIT-Q");
        using var stranger = Client(Roles.Exporter, "EXP-DEPOSIT-NOSY");
        await Post(holder, new Uri(payments, "accounts/mandates"), new { bank = "BNK-HSBC", currency = "USD" });
        var account = await Post(bank, new Uri(payments, "accounts"), new { party = "EXP-DEPOSIT-Q", currency = "USD" });
        var address = account["address"]!.GetValue<string>();
        var chain = Settlement(system);
        var deposits = new Uri(payments, "accounts/EXP-DEPOSIT-Q/USD/deposits");

        // As a Kubernetes API pod: the settlement worker off, so nothing here writes with the bank's key.
        system.Payments.SetSetting("Payments:SettlementWorkerEnabled", "false");
        await system.Payments.KillAsync();
        await system.Payments.StartAsync();
        try
        {
            var (status, queued) = await Send(noWait, HttpMethod.Post, deposits, new { amount = 75.25m, reference = "DEP-Q-1" });
            Assert.Equal(HttpStatusCode.Accepted, status);
            Assert.Equal(("Queued", 75.25m, "BNK-HSBC"), (queued!["status"]!.GetValue<string>(), queued["amount"]!.GetValue<decimal>(), queued["bank"]!.GetValue<string>()));
            Assert.Null(queued["transactionHash"]);
            // Without respond-async it waits (Payments:DepositWaitSeconds, or here the client's Prefer: wait=2) and still
            // answers 202: nothing here sends it.
            using var briefly = Client(Roles.Bank, "BNK-HSBC");
            briefly.DefaultRequestHeaders.Add("Prefer", "wait=2");
            var (waited, _) = await Send(briefly, HttpMethod.Post, deposits, new { amount = 75.25m, reference = "DEP-Q-1" });
            Assert.Equal(HttpStatusCode.Accepted, waited);
            // The same reference for another amount is refused, naming the rule; a stranger learns nothing of the deposit.
            var (reused, problem) = await Send(noWait, HttpMethod.Post, deposits, new { amount = 80m, reference = "DEP-Q-1" });
            Assert.Equal((HttpStatusCode.Conflict, "reference-used"), (reused, problem!["rule"]!.GetValue<string>()));
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
        Assert.Equal(75.25m, view["balance"]!.GetValue<decimal>());
        var entry = view["entries"]!.AsArray().Single()!;
        Assert.Equal(("deposit", "DEP-Q-1", tx), (entry["kind"]!.GetValue<string>(), entry["reference"]!.GetValue<string>(), entry["transactionHash"]!.GetValue<string>()));
        Assert.Equal(1L, await Count(system.DatabasePath("payments"),
            $"SELECT COUNT(*) FROM iso20022_messages WHERE MessageType LIKE 'camt.054%' AND Subject = 'EXP-DEPOSIT-Q/USD' AND Xml LIKE '%{tx[2..]}%'"));

        // Asked again: the booking made, answered 200 with the account; nothing minted twice.
        var again = await Post(bank, deposits, new { amount = 75.25m, reference = "DEP-Q-1" });
        Assert.Equal(75.25m, again["balance"]!.GetValue<decimal>());
        // A new deposit on the worker is answered 200 once booked, within the request's wait.
        var second = await Post(bank, deposits, new { amount = 1.50m, reference = "DEP-Q-2" });
        Assert.Equal((76.75m, 76.75m), (second["balance"]!.GetValue<decimal>(), second["chainBalance"]!.GetValue<decimal>()));
        Assert.Equal(new BigInteger(7675), await chain.BalanceOfAsync("USD", address));
        Assert.Equal(2L, await Count(system.DatabasePath("payments"), "SELECT COUNT(*) FROM deposit_requests WHERE Party = 'EXP-DEPOSIT-Q' AND Status = 'Booked'"));
    }

    [Fact]
    public async Task A_queued_deposit_whose_process_died_after_its_mint_was_sent_is_booked_once_with_that_mint()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        using var noWait = Client(Roles.Bank, GoldenPath.BankParty);
        noWait.DefaultRequestHeaders.Add("Prefer", "respond-async");
        using var holder = Client(Roles.Exporter, "EXP-DEPOSIT-CRASH");
        await Post(holder, new Uri(payments, "accounts/mandates"), new { bank = GoldenPath.BankParty, currency = "USD" });
        var address = (await Post(bank, new Uri(payments, "accounts"), new { party = "EXP-DEPOSIT-CRASH", currency = "USD" }))["address"]!.GetValue<string>();
        var chain = Settlement(system);
        var bankAddress = DevelopmentBankSigners.AddressOf(GoldenPath.BankParty);
        var deposits = new Uri(payments, "accounts/EXP-DEPOSIT-CRASH/USD/deposits");

        // The node takes the mint and mines nothing (a stall); the payments process dies before it could record it.
        await chain.Rpc("evm_setAutomine", false);
        try
        {
            var (status, _) = await Send(noWait, HttpMethod.Post, deposits, new { amount = 12.00m, reference = "DEP-CRASH" });
            Assert.Equal(HttpStatusCode.Accepted, status);
            await Until(async () => await chain.Web3Nonce(bankAddress, BlockParameter.CreatePending()) > await chain.Web3Nonce(bankAddress, BlockParameter.CreateLatest()),
                "the deposit's mint waiting in the node's pool");
            await system.Payments.KillAsync();
        }
        finally
        {
            await chain.Rpc("evm_setAutomine", true);
            await chain.Rpc("evm_mine");
        }
        Assert.Equal(new BigInteger(1200), await chain.BalanceOfAsync("USD", address)); // minted, and not booked
        Assert.Equal(1L, await Count(system.DatabasePath("payments"), "SELECT COUNT(*) FROM deposit_requests WHERE Reference = 'DEP-CRASH' AND Status = 'Queued'"));

        // Restarted, the sender sends it again: the token refuses a second mint under the reference, bound to the first —
        // which is booked, once, with the first mint's transaction.
        await system.Payments.StartAsync();
        await Until(async () => (await Get(bank, new Uri(deposits + "/DEP-CRASH")))["status"]!.GetValue<string>() != "Queued", "the deposit is decided after the restart");
        var booked = await Get(bank, new Uri(deposits + "/DEP-CRASH"));
        Assert.Equal("Booked", booked["status"]!.GetValue<string>());
        var receipt = await chain.ReceiptAsync(booked["transactionHash"]!.GetValue<string>());
        Assert.Equal(1, (int)receipt.Status.Value);
        Assert.Equal(new BigInteger(1200), await chain.BalanceOfAsync("USD", address)); // minted once
        var view = await Get(holder, new Uri(payments, "accounts/EXP-DEPOSIT-CRASH/USD"));
        Assert.Equal((12.00m, true), (view["balance"]!.GetValue<decimal>(), view["agrees"]!.GetValue<bool>()));
        Assert.Single(view["entries"]!.AsArray());
    }
}