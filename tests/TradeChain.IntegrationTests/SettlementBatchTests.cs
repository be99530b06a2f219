using System.Net;
using System.Numerics;
using System.Text.Json.Nodes;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Cli;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;
using Token = TradeChain.Ledger.Contracts.SettlementToken;

namespace TradeChain.IntegrationTests;

/// <summary>
/// One bank's duty settlements (and deposits) batched into one chain transaction per window (issue 15), through the running
/// services: each payment is Settled (each deposit booked) from its own Payment event in the batch's receipt, an item the token refuses is given up with
/// its rule named while the others settle, and a batch sent before a crash is recorded after the restart, once.
/// </summary>
public sealed partial class SettlementIntegrityTests
{
    private const int Burst = 20;

    [Fact]
    public async Task Many_settlements_asked_of_one_bank_at_once_go_to_the_chain_in_a_few_batch_transactions_each_settled_from_its_own_payment_event()
    {
        var (system, rpc) = await StartWithPaymentsRpcCountedAsync();
        await using var _ = rpc;
        await using var __ = system;
        using var parties = new BatchParties();
        var (exporter, bank, treasuryBank) = (parties.Exporter, parties.Bank, parties.TreasuryBank);
        var (duties, currency) = await FundedDutiesAsync(system, parties, "LRN-BURST", Burst);
        var payments = system.Payments.BaseAddress;

        var sentBefore = rpc.Calls.GetValueOrDefault("eth_sendRawTransaction");
        // All at once, as a bank's back office would: each request waits for its payment's record, and answers as before (200).
        var answers = await Task.WhenAll(duties.Select(d => Send(bank, HttpMethod.Post, new Uri(payments, $"duty-payments/{d.Reference}/settle"), new { })));
        var sent = rpc.Calls.GetValueOrDefault("eth_sendRawTransaction") - sentBefore;

        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.OK && a.Body!["status"]!.GetValue<string>() == "Settled", $"{(int)a.Status}: {a.Body}\n{system.Diagnostics}"));
        Assert.True(sent < Burst / 2, $"{Burst} settlements took {sent} transactions");
        // Each transaction's receipt carries the payment's own Payment event: its reference, payer, payee and amount.
        foreach (var (duty, (_, body)) in duties.Zip(answers))
            await AssertSettledByOwnPaymentEventAsync(system, duty, body!["settlementTransactionHash"]!.GetValue<string>());
        await AssertLedgerAgreesWithChainAsync(system, treasuryBank, duties, duties.Sum(d => d.Amount));
    }

    [Fact]
    public async Task Many_deposits_a_bank_books_at_once_go_to_the_chain_in_a_few_mint_transactions_each_booked_from_its_own_payment_event()
    {
        var (system, rpc) = await StartWithPaymentsRpcCountedAsync();
        await using var _ = rpc;
        await using var __ = system;
        using var parties = new BatchParties();
        const string currency = "USD";
        var payments = system.Payments.BaseAddress;
        await OpenAccountsAsync(payments, parties.Exporter, parties.Bank, parties.TreasuryBank, currency, depositFor: null);
        var deposits = new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}/deposits");

        var sentBefore = rpc.Calls.GetValueOrDefault("eth_sendRawTransaction");
        // All at once, as a bank's back office books a morning's deposits: each request answers once its deposit is booked.
        var answers = await Task.WhenAll(Enumerable.Range(1, Burst).Select(i => Send(parties.Bank, HttpMethod.Post, deposits, new { amount = i + 0.5m, reference = $"DEP-BURST-{i}" })));
        var sent = rpc.Calls.GetValueOrDefault("eth_sendRawTransaction") - sentBefore;

        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.OK, $"{(int)a.Status}: {a.Body}\n{system.Diagnostics}"));
        Assert.True(sent < Burst / 2, $"{Burst} deposits took {sent} transactions");
        var account = await Get(parties.Bank, new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}"));
        var entries = account["entries"]!.AsArray().ToDictionary(e => e!["reference"]!.GetValue<string>(), e => e!);
        var chain = Settlement(system);
        var payee = new Nethereum.Web3.Accounts.Account(PartyWallets.DevelopmentKey(GoldenPath.ExporterParty)).Address;
        for (var i = 1; i <= Burst; i++)
        {
            // Booked once, from its own Payment event in its transaction's receipt: minted (no payer) to the holder, this amount, this reference.
            var entry = entries[$"DEP-BURST-{i}"];
            Assert.Equal(("deposit", i + 0.5m), (entry["kind"]!.GetValue<string>(), entry["amount"]!.GetValue<decimal>()));
            var receipt = await chain.ReceiptAsync(entry["transactionHash"]!.GetValue<string>());
            var own = receipt.DecodeAllEvents<Token.PaymentEventDTO>().Select(e => e.Event)
                .Where(e => Convert.ToHexString(e.PaymentReference) == Convert.ToHexString(SettlementClient.Reference($"deposit:{GoldenPath.ExporterParty}:DEP-BURST-{i}"))).ToList();
            var minted = Assert.Single(own);
            Assert.Equal(("0x0000000000000000000000000000000000000000", payee.ToLowerInvariant(), new BigInteger((i + 0.5m) * 100m)),
                (minted.From, minted.To.ToLowerInvariant(), minted.Amount));
        }
        // Booked from shared transactions: some mintBatch carried several of these deposits.
        Assert.True(entries.Values.GroupBy(e => e["transactionHash"]!.GetValue<string>()).Max(g => g.Count()) > 1, "every deposit had a transaction of its own");
        var total = Enumerable.Range(1, Burst).Sum(i => i + 0.5m);
        Assert.Equal((total, total, true), (account["balance"]!.GetValue<decimal>(), account["chainBalance"]!.GetValue<decimal>(), account["agrees"]!.GetValue<bool>()));
        Assert.Equal(new BigInteger(total * 100m), await chain.BalanceOfAsync(currency, payee));

        // Asked again (a retry of the whole morning): nothing is minted or booked twice.
        var again = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => Send(parties.Bank, HttpMethod.Post, deposits, new { amount = i + 0.5m, reference = $"DEP-BURST-{i}" })));
        Assert.All(again, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(new BigInteger(total * 100m), await chain.BalanceOfAsync(currency, payee));
        Assert.Equal(Burst, (await Get(parties.Bank, new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}")))["entryCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_settlement_asked_to_respond_async_is_accepted_at_once_and_settled_when_its_batch_is_mined_and_one_the_token_refuses_is_given_up_naming_its_rule()
    {
        // A window long enough to drain the payer's account between the settlements' intents and their batch.
        await using var system = await TradeChainSystem.StartAsync((name, process) =>
        {
            if (name == "payments") process.SetSetting("Payments:SettlementBatchWindowMs", "3000");
        });
        using var parties = new BatchParties();
        var (exporter, bank, treasuryBank) = (parties.Exporter, parties.Bank, parties.TreasuryBank);
        var (assessed, currency) = await FundedDutiesAsync(system, parties, "LRN-ASYNC", 3);
        var payments = system.Payments.BaseAddress;
        // In the batch's order (oldest request first, then by reference): the token refuses the last once the account is short.
        var requestedAt = new Dictionary<string, long>();
        foreach (var duty in assessed)
            requestedAt[duty.Reference] = (await Get(bank, new Uri(payments, $"duty-payments/{duty.Reference}")))["requestedAtUnixMs"]!.GetValue<long>();
        var duties = assessed.OrderBy(d => requestedAt[d.Reference]).ThenBy(d => d.Reference, StringComparer.Ordinal).ToList();

        var accepted = new List<HttpResponseMessage>();
        foreach (var duty in duties) accepted.Add(await SettleRespondingAsync(bank, payments, duty.Reference));
        foreach (var (response, duty) in accepted.Zip(duties))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal($"/duty-payments/{duty.Reference}", response.Headers.Location?.OriginalString);
            Assert.Equal("respond-async", Assert.Single(response.Headers.GetValues("Preference-Applied")));
            Assert.Equal("Settling", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());
        }

        // Before the window closes, the bank books a withdrawal from the payer's account (its ledger still shows the funds, the
        // settlements not being made yet): on chain the account now lacks the last duty's amount.
        var last = duties[^1];
        await Post(bank, new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}/withdrawals"), new { amount = last.Amount, reference = "WD-ASYNC" });

        var made = duties.Take(duties.Count - 1).ToList();
        foreach (var duty in made)
        {
            var settled = await Poll(bank, new Uri(payments, $"duty-payments/{duty.Reference}"), p => p["status"]!.GetValue<string>() != "Settling");
            Assert.True(settled["status"]!.GetValue<string>() == "Settled", $"{settled}\n{system.Diagnostics}");
        }
        // The refused one moved nothing and is free to settle again; its history names the token's rule.
        var refused = await Poll(bank, new Uri(payments, $"duty-payments/{last.Reference}"), p => p["status"]!.GetValue<string>() != "Settling");
        Assert.Equal("Requested", refused["status"]!.GetValue<string>());
        var history = await Get(bank, new Uri(payments, $"duty-payments/{last.Reference}/history"));
        Assert.Contains("ERC20InsufficientBalance", history["transitions"]!.AsArray()[^1]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        // The client answered 202 learns why from the payment itself: the rule, and its history's words of it.
        var refusal = refused["settlementRefusal"];
        Assert.True(refusal?["rule"]?.GetValue<string>() == "contract:ERC20InsufficientBalance", refused.ToJsonString());
        Assert.Equal(history["transitions"]!.AsArray()[^1]!["reason"]!.GetValue<string>(), refusal!["detail"]!.GetValue<string>());
        // So does the list, and the declarant; the settled ones carry none.
        var listed = (await Get(bank, new Uri(payments, "duty-payments?pageSize=100")))["items"]!.AsArray();
        Assert.Equal("contract:ERC20InsufficientBalance", listed.Single(p => p!["reference"]!.GetValue<string>() == last.Reference)!["settlementRefusal"]!["rule"]!.GetValue<string>());
        Assert.All(made, d => Assert.Null(listed.Single(p => p!["reference"]!.GetValue<string>() == d.Reference)!["settlementRefusal"]));
        Assert.Equal(refusal.ToJsonString(), (await Get(exporter, new Uri(payments, $"duty-payments/{last.Reference}")))["settlementRefusal"]!.ToJsonString());
        await AssertLedgerAgreesWithChainAsync(system, treasuryBank, made, made.Sum(d => d.Amount));

        // Funded again, it settles (waiting for its batch: 200 as before).
        await Post(bank, new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}/deposits"), new { amount = last.Amount, reference = "DEP-ASYNC-AGAIN" });
        var again = await SettleDuty(bank, payments, last.Reference, GoldenPath.ExporterParty);
        Assert.Equal("Settled", again["status"]!.GetValue<string>());
        Assert.True((await Get(bank, new Uri(payments, $"duty-payments/{last.Reference}")))["settlementRefusal"] is null); // no longer the news
    }

    [Fact]
    public async Task Settlements_asked_while_a_banks_batch_awaits_its_block_go_in_the_next_batch_without_waiting_for_that_receipt()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var parties = new BatchParties();
        var (duties, _) = await FundedDutiesAsync(system, parties, "LRN-PIPE", 2);
        var payments = system.Payments.BaseAddress;
        var (chain, sent) = await BankTransactionsSentAsync(system);
        Task<BigInteger> Sent() => sent();
        // The chain stops mining (as between two blocks of a chain with a block period): the first batch waits in the mempool.
        await chain.Rpc("evm_setAutomine", false);
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, (await SettleRespondingAsync(parties.Bank, payments, duties[0].Reference)).StatusCode);
            await Until(async () => await Sent() >= 1, "the first batch is sent");
            Assert.Equal(HttpStatusCode.Accepted, (await SettleRespondingAsync(parties.Bank, payments, duties[1].Reference)).StatusCode);
            await Until(async () => await Sent() >= 2, "the second batch is sent while the first awaits its block");
            // Nothing is mined: neither payment may say Settled.
            foreach (var duty in duties)
                Assert.Equal("Settling", (await Get(parties.Bank, new Uri(payments, $"duty-payments/{duty.Reference}")))["status"]!.GetValue<string>());
        }
        finally
        {
            await chain.Rpc("evm_setAutomine", true);
            await chain.Rpc("evm_mine");
        }
        await AssertSettledInBatchesOfOneBlockAsync(system, parties, chain, duties, batches: 2);
    }

    [Fact]
    public async Task A_backlog_of_full_batches_is_sent_at_once_not_one_window_apart()
    {
        // Batches of two and a window of 15 s: six settlements asked at once are three full batches.
        const int window = 15;
        await using var system = await TradeChainSystem.StartAsync((name, process) =>
        {
            if (name != "payments") return;
            process.SetSetting("Payments:SettlementBatchWindowMs", $"{window * 1000}");
            process.SetSetting("Payments:SettlementBatchMaxItems", "2");
        });
        using var parties = new BatchParties();
        var (duties, _) = await FundedDutiesAsync(system, parties, "LRN-BACKLOG", 6);
        var payments = system.Payments.BaseAddress;
        var (chain, sent) = await BankTransactionsSentAsync(system);
        Task<BigInteger> Sent() => sent();
        // The chain stops mining: every batch sent waits in the mempool, so the count of the bank's pending transactions is
        // the count of batches sent.
        await chain.Rpc("evm_setAutomine", false);
        try
        {
            var answer = await SendBulkAsync(parties.Bank, new Uri(payments, "duty-payments/settlements"), duties.Select(d => d.Reference), "respond-async");
            Assert.All(answer.Body!["results"]!.AsArray(), r => Assert.Equal(202, r!["status"]!.GetValue<int>()));
            // The first batch waits out the window (the settlements asked meanwhile gather in it)…
            await Until(async () => await Sent() >= 1, "the first batch is sent", seconds: window + 45);
            // …and the two behind it, already queued, follow at once: each waiting out a window of its own would take 15 s more.
            await Until(async () => await Sent() >= 3, "the backlog's other two batches are sent without waiting a window each", seconds: window - 5);
            Assert.Equal(3, await Sent());
        }
        finally
        {
            await chain.Rpc("evm_setAutomine", true);
            await chain.Rpc("evm_mine");
        }
        await AssertSettledInBatchesOfOneBlockAsync(system, parties, chain, duties, batches: 3);
    }

    /// <summary>The settlement contracts as a probe sees them, and how many transactions the golden path's bank has sent since now (its pending nonce count past its mined one).</summary>
    private static async Task<(ChainProbe Chain, Func<Task<BigInteger>> Sent)> BankTransactionsSentAsync(TradeChainSystem system)
    {
        var chain = Settlement(system);
        var bank = DevelopmentBankSigners.AddressOf(GoldenPath.BankParty);
        var mined = await chain.Web3Nonce(bank, BlockParameter.CreateLatest());
        return (chain, async () => await chain.Web3Nonce(bank, BlockParameter.CreatePending()) - mined);
    }

    /// <summary>Every duty Settled, by <paramref name="batches"/> transactions all mined in one block, and the ledger agreeing with the chain.</summary>
    private static async Task AssertSettledInBatchesOfOneBlockAsync(TradeChainSystem system, BatchParties parties, ChainProbe chain, IReadOnlyList<Duty> duties, int batches)
    {
        var transactions = new List<string>();
        foreach (var duty in duties)
        {
            var settled = await Poll(parties.Bank, new Uri(system.Payments.BaseAddress, $"duty-payments/{duty.Reference}"), p => p["status"]!.GetValue<string>() != "Settling");
            Assert.True(settled["status"]!.GetValue<string>() == "Settled", $"{settled}\n{system.Diagnostics}");
            transactions.Add(settled["settlementTransactionHash"]!.GetValue<string>());
        }
        Assert.Equal(batches, transactions.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        var blocks = new HashSet<BigInteger>();
        foreach (var tx in transactions) blocks.Add((await chain.ReceiptAsync(tx)).BlockNumber.Value);
        Assert.Single(blocks);
        await AssertLedgerAgreesWithChainAsync(system, parties.TreasuryBank, duties, duties.Sum(d => d.Amount));
    }

    [Fact]
    public async Task A_refused_settlement_is_given_up_once_its_own_batch_is_mined_though_a_later_transaction_of_the_bank_still_waits()
    {
        // A window long enough to drain the payer's account between the settlement's intent and its batch.
        await using var system = await TradeChainSystem.StartAsync((name, process) =>
        {
            if (name == "payments") process.SetSetting("Payments:SettlementBatchWindowMs", "3000");
        });
        using var parties = new BatchParties();
        var (duties, currency) = await FundedDutiesAsync(system, parties, "LRN-LATER", 1);
        var duty = duties[0];
        var payments = system.Payments.BaseAddress;
        var chain = Settlement(system);
        var bank = DevelopmentBankSigners.AddressOf(GoldenPath.BankParty);
        Assert.Equal(HttpStatusCode.Accepted, (await SettleRespondingAsync(parties.Bank, payments, duty.Reference)).StatusCode);
        // Within the window the bank withdraws the funds (mined at once): the token will refuse the transfer.
        await Post(parties.Bank, new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}/withdrawals"), new { amount = duty.Amount, reference = "WD-LATER" });
        var mined = await chain.Web3Nonce(bank, BlockParameter.CreateLatest());
        await chain.Rpc("evm_setAutomine", false);
        try
        {
            await Until(async () => await chain.Web3Nonce(bank, BlockParameter.CreatePending()) > mined, "the batch is sent");
            // A later transaction of the bank (as another of its batches in flight would be) that the next block has no room
            // for: once the batch is mined, it still waits.
            await chain.Rpc("anvil_impersonateAccount", bank);
            await chain.Rpc("eth_sendTransaction", new Dictionary<string, string>
            {
                ["from"] = bank, ["to"] = bank, ["value"] = "0x0", ["gas"] = "0x2dc6c0", // 3,000,000
            });
            await chain.Rpc("anvil_stopImpersonatingAccount", bank);
            Assert.Equal(mined + 2, await chain.Web3Nonce(bank, BlockParameter.CreatePending()));
            await chain.Rpc("evm_setBlockGasLimit", "0xf4240"); // 1,000,000
            await chain.Rpc("evm_mine");
            Assert.Equal(mined + 1, await chain.Web3Nonce(bank, BlockParameter.CreateLatest())); // the batch, alone

            // Its own transaction mined and nothing else could carry it: given up now, the later one still waiting.
            var refused = await Poll(parties.Bank, new Uri(payments, $"duty-payments/{duty.Reference}"), p => p["status"]!.GetValue<string>() != "Settling");
            Assert.True(refused["status"]!.GetValue<string>() == "Requested", $"{refused}\n{system.Diagnostics}");
            Assert.Equal("contract:ERC20InsufficientBalance", refused["settlementRefusal"]!["rule"]!.GetValue<string>());
            Assert.Equal(mined + 2, await chain.Web3Nonce(bank, BlockParameter.CreatePending()));
            Assert.Equal(mined + 1, await chain.Web3Nonce(bank, BlockParameter.CreateLatest()));
        }
        finally
        {
            await chain.Rpc("evm_setBlockGasLimit", "0x1fffffffffffff"); // the AppHost's (TradeChain:BlockGasLimit, the production genesis's)
            await chain.Rpc("evm_setAutomine", true);
            await chain.Rpc("evm_mine");
        }
        // Nothing moved to the treasury.
        Assert.Equal(BigInteger.Zero, await chain.BalanceOfAsync(currency, new Nethereum.Web3.Accounts.Account(PartyWallets.DevelopmentKey(TreasuryParty)).Address));
    }

    [Fact]
    public async Task Payments_killed_after_its_batch_was_sent_and_before_it_was_recorded_settles_each_payment_once_after_the_restart()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var parties = new BatchParties();
        var (exporter, bank, treasuryBank) = (parties.Exporter, parties.Bank, parties.TreasuryBank);
        var (duties, currency) = await FundedDutiesAsync(system, parties, "LRN-CRASH", 4);
        var payments = system.Payments.BaseAddress;
        var chain = Settlement(system);
        var vcb = DevelopmentBankSigners.AddressOf(GoldenPath.BankParty);

        await chain.Rpc("evm_setAutomine", false); // the batch is sent, and waits in the node's pool
        try
        {
            foreach (var duty in duties) Assert.Equal(HttpStatusCode.Accepted, (await SettleRespondingAsync(bank, payments, duty.Reference)).StatusCode);
            await Until(async () => await chain.Web3Nonce(vcb, BlockParameter.CreatePending()) > await chain.Web3Nonce(vcb, BlockParameter.CreateLatest()),
                "the batch is sent");
            await system.Payments.KillAsync();
        }
        finally
        {
            await chain.Rpc("evm_setAutomine", true);
            await chain.Rpc("evm_mine");
        }
        // Mined while payments was down: the money moved with no record yet.
        Assert.Equal(4, await Count(system.DatabasePath("payments"), "SELECT COUNT(*) FROM duty_payments WHERE Status = 'Settling'"));

        await system.Payments.StartAsync();
        foreach (var duty in duties)
            Assert.Equal("Settled", (await PollStatus(bank, new Uri(payments, $"duty-payments/{duty.Reference}"), "Settled"))["status"]!.GetValue<string>());
        await AssertLedgerAgreesWithChainAsync(system, treasuryBank, duties, duties.Sum(d => d.Amount));
    }

    [Fact]
    public async Task A_bank_whose_settlement_lease_another_replica_holds_has_nothing_sent_by_this_one_until_the_lease_is_let_go()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var parties = new BatchParties();
        var (duties, _) = await FundedDutiesAsync(system, parties, "LRN-LEASE", 2);
        var payments = system.Payments.BaseAddress;
        var chain = Settlement(system);
        var vcb = DevelopmentBankSigners.AddressOf(GoldenPath.BankParty);
        var database = system.DatabasePath("payments");
        // Another replica (on the same database) holds the bank's lease, for long.
        await Execute(database, $"INSERT INTO settlement_leases (Bank, Holder, ExpiresAtUnixMs, Fence) VALUES ('{GoldenPath.BankParty}', 'other-replica', {DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds()}, 7)");
        var nonce = await chain.Web3Nonce(vcb, BlockParameter.CreatePending());

        Assert.Equal(HttpStatusCode.Accepted, (await SettleRespondingAsync(parties.Bank, payments, duties[0].Reference)).StatusCode);
        // This replica's lane is woken by both requests and scans every 5 s: the second waits its full 10 s (Prefer: wait=10)
        // and is answered 202 — nothing was recorded meanwhile, since this replica may not send.
        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri(payments, $"duty-payments/{duties[1].Reference}/settle")) { Content = System.Net.Http.Json.JsonContent.Create(new { }) })
        {
            request.Headers.Add("Prefer", "wait=10");
            using var response = await parties.Bank.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        Assert.Equal(nonce, await chain.Web3Nonce(vcb, BlockParameter.CreatePending())); // nothing sent for the bank
        Assert.Equal(2, await Count(database, "SELECT COUNT(*) FROM duty_payments WHERE Status = 'Settling'"));

        // The other replica lets it go: this one takes it (one more on the fence) and settles both.
        await Execute(database, $"UPDATE settlement_leases SET ExpiresAtUnixMs = 0 WHERE Bank = '{GoldenPath.BankParty}'");
        foreach (var duty in duties)
            Assert.Equal("Settled", (await PollStatus(parties.Bank, new Uri(payments, $"duty-payments/{duty.Reference}"), "Settled"))["status"]!.GetValue<string>());
        Assert.Equal(8, await Count(database, $"SELECT Fence FROM settlement_leases WHERE Bank = '{GoldenPath.BankParty}' AND Holder <> 'other-replica'"));
        await AssertLedgerAgreesWithChainAsync(system, parties.TreasuryBank, duties, duties.Sum(d => d.Amount));
    }

    [Fact]
    public async Task A_lane_that_took_over_a_lease_which_ran_out_gives_nothing_up_until_the_holder_before_can_no_longer_be_sending()
    {
        // The holder before may send for MaxAttempts × (ReceiptTimeoutSeconds + 10 s): here 1 × 15 s. The window is long
        // enough to drain the payer's account between the settlement's intent and its batch.
        await using var system = await TradeChainSystem.StartAsync((name, process) =>
        {
            if (name != "payments") return;
            process.SetSetting("Payments:SettlementBatchWindowMs", "3000");
            process.SetSetting("Chain:MaxAttempts", "1");
            process.SetSetting("Chain:ReceiptTimeoutSeconds", "5");
        });
        using var parties = new BatchParties();
        var (duties, currency) = await FundedDutiesAsync(system, parties, "LRN-TAKEOVER", 1);
        var duty = duties[0];
        var payments = system.Payments.BaseAddress;
        var chain = Settlement(system);
        var vcb = DevelopmentBankSigners.AddressOf(GoldenPath.BankParty);
        var database = system.DatabasePath("payments");
        // Another replica held the bank's lease and it ran out (a hung process: not let go).
        await Execute(database, $"INSERT INTO settlement_leases (Bank, Holder, ExpiresAtUnixMs, Fence) VALUES ('{GoldenPath.BankParty}', 'hung-replica', {DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds()}, 7)");

        Assert.Equal(HttpStatusCode.Accepted, (await SettleRespondingAsync(parties.Bank, payments, duty.Reference)).StatusCode);
        await Post(parties.Bank, new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}/withdrawals"), new { amount = duty.Amount, reference = "WD-TAKEOVER" });
        var afterWithdrawal = await chain.Web3Nonce(vcb, BlockParameter.CreateLatest());
        await Until(async () => await chain.Web3Nonce(vcb, BlockParameter.CreateLatest()) > afterWithdrawal, "the batch is mined (refused: the account was drained)");
        Assert.Equal(8, await Count(database, $"SELECT Fence FROM settlement_leases WHERE Bank = '{GoldenPath.BankParty}'")); // taken over

        // Its own batch mined and refused, nothing else of the bank in flight: without the grace it would be given up at once.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("Settling", (await Get(parties.Bank, new Uri(payments, $"duty-payments/{duty.Reference}")))["status"]!.GetValue<string>());

        // Once the holder before can no longer be sending, it is given up, the token's rule named.
        var refused = await Poll(parties.Bank, new Uri(payments, $"duty-payments/{duty.Reference}"), p => p["status"]!.GetValue<string>() != "Settling");
        Assert.True(refused["status"]!.GetValue<string>() == "Requested", $"{refused}\n{system.Diagnostics}");
        Assert.Equal("contract:ERC20InsufficientBalance", refused["settlementRefusal"]!["rule"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_batched_settlement_whose_reference_the_bank_used_on_chain_for_another_transfer_is_given_up_naming_the_rule_not_sent_again()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var parties = new BatchParties();
        var duty = Assert.Single(await AssessedDeclarationsAsync(system, parties.Exporter, "LRN-BOUND", 1));
        // The bank itself (its own key, outside TradeChain) took the duty's reference on chain for something else: 0.01 minted to itself.
        var chain = Settlement(system);
        var vcb = await FundedWriterAsync(system, DevelopmentBankKeys.KeyOf(GoldenPath.BankParty));
        Assert.NotNull(await chain.MintAsync(vcb, duty.Currency, vcb.Address, 1, SettlementClient.Reference($"duty-payment:{duty.Reference}"), CancellationToken.None));
        await OpenAccountsAsync(system.Payments.BaseAddress, parties.Exporter, parties.Bank, parties.TreasuryBank, duty.Currency, depositFor: (duty.Amount, "LRN-BOUND"));

        var (status, problem) = await Send(parties.Bank, HttpMethod.Post, new Uri(system.Payments.BaseAddress, $"duty-payments/{duty.Reference}/settle"), new { });
        Assert.True(status == HttpStatusCode.Conflict, $"{(int)status}: {problem}");
        // The service's rule (it gives the payment up for good), not the contract's: the token's DuplicateReference is the reason given.
        Assert.Equal("reference-bound-elsewhere", problem!["rule"]!.GetValue<string>());
        Assert.Contains("DuplicateReference", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        // Given up for good (not left Settling to be sent every few seconds): free again, the rule named in its history.
        var payment = await Get(parties.Bank, new Uri(system.Payments.BaseAddress, $"duty-payments/{duty.Reference}"));
        Assert.Equal("Requested", payment["status"]!.GetValue<string>());
        var history = await Get(parties.Bank, new Uri(system.Payments.BaseAddress, $"duty-payments/{duty.Reference}/history"));
        Assert.Contains("reference-bound-elsewhere", history["transitions"]!.AsArray()[^1]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        // The payment itself names the rule and the words of it.
        Assert.Equal("reference-bound-elsewhere", payment["settlementRefusal"]?["rule"]?.GetValue<string>());
        Assert.Contains("DuplicateReference", payment["settlementRefusal"]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    // The bank's own transaction goes out in the nonce order of the service's writer for the bank's account (its key held
    // here, Development): before that writer learnt of the nonce the bank's transaction took, the batch went out on the
    // same nonce and replaced it in the node's pool, or was refused and retried — this test failed 4 of 6 runs.
    [Fact]
    public async Task A_settlement_whose_request_sends_the_banks_own_signed_transfer_is_left_alone_by_the_batch_worker()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var parties = new BatchParties();
        var (duties, _) = await FundedDutiesAsync(system, parties, "LRN-OWN-TX", 2);
        var (own, queued) = (duties[0], duties[1]);
        var payments = system.Payments.BaseAddress;
        var chain = Settlement(system);
        var vcb = DevelopmentBankSigners.AddressOf(GoldenPath.BankParty);
        // The bank, whose key the service's signer holds, signs one settlement's transfer itself: its request sends that transfer.
        var unsigned = await Post(parties.Bank, new Uri(payments, $"duty-payments/{own.Reference}/settle/transaction"), new { });
        var signed = await SignAsync(unsigned, BankKey(GoldenPath.BankParty));
        using var patientBank = Client(Roles.Bank, GoldenPath.BankParty);
        patientBank.Timeout = TimeSpan.FromMinutes(3);

        var before = await chain.Web3Nonce(vcb, BlockParameter.CreatePending());
        Task<(HttpStatusCode Status, JsonNode? Body)> settling;
        await chain.Rpc("evm_setAutomine", false); // the bank's own transfer waits in the node: its payment stays Settling
        try
        {
            settling = Send(patientBank, HttpMethod.Post, new Uri(payments, $"duty-payments/{own.Reference}/settle"), new { signedTransaction = signed });
            await Until(async () => await chain.Web3Nonce(vcb, BlockParameter.CreatePending()) > before, "the bank's own transfer is sent");
            Assert.Equal("Settling", (await Get(parties.Bank, new Uri(payments, $"duty-payments/{own.Reference}")))["status"]!.GetValue<string>());
            // Meanwhile another settlement of the bank is queued: its lane flushes the bank's queue while the first is Settling.
            Assert.Equal(HttpStatusCode.Accepted, (await SettleRespondingAsync(parties.Bank, payments, queued.Reference)).StatusCode);
            await Until(async () => await chain.Web3Nonce(vcb, BlockParameter.CreatePending()) > before + 1, "the queue's batch is sent");
        }
        finally
        {
            await chain.Rpc("evm_setAutomine", true);
            await chain.Rpc("evm_mine");
        }

        var (status, body) = await settling;
        Assert.True(status == HttpStatusCode.OK, $"settle answered {(int)status}: {body}\n{system.Diagnostics}");
        Assert.Equal(DecodedTransaction.Decode(signed).Hash, body!["settlementTransactionHash"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        var batched = await PollStatus(parties.Bank, new Uri(payments, $"duty-payments/{queued.Reference}"), "Settled");
        // The batch held the queued settlement alone: no event at all — made or refused — of the one the bank's own transaction made.
        var receipt = await chain.ReceiptAsync(batched["settlementTransactionHash"]!.GetValue<string>());
        var references = receipt.DecodeAllEvents<Token.PaymentEventDTO>().Select(e => Convert.ToHexString(e.Event.PaymentReference))
            .Concat(receipt.DecodeAllEvents<Token.PaymentRefusedEventDTO>().Select(e => Convert.ToHexString(e.Event.PaymentReference)));
        Assert.Equal([Convert.ToHexString(SettlementClient.Reference($"duty-payment:{queued.Reference}"))], references);
        await AssertLedgerAgreesWithChainAsync(system, parties.TreasuryBank, duties, duties.Sum(d => d.Amount));
    }

    private static async Task Execute(string database, string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    /// <summary>Each duty booked once (debit and credit), the treasury's ledger and chain balances at <paramref name="total"/>, the reconciliation in agreement.</summary>
    private static async Task AssertLedgerAgreesWithChainAsync(TradeChainSystem system, HttpClient treasuryBank, IReadOnlyList<Duty> duties, decimal total)
    {
        var database = system.DatabasePath("payments");
        foreach (var duty in duties)
            Assert.Equal(2, await Count(database, $"SELECT COUNT(*) FROM ledger_entries WHERE Kind = 'duty-payment' AND Reference = '{duty.Reference}'"));
        var minor = (long)(total * 100m);
        Assert.Equal(minor, await Count(database, $"SELECT COALESCE(SUM(AmountMinor), 0) FROM ledger_entries WHERE Party = '{TreasuryParty}'"));
        var treasury = new Nethereum.Web3.Accounts.Account(PartyWallets.DevelopmentKey(TreasuryParty)).Address;
        Assert.Equal(new BigInteger(minor), await Settlement(system).BalanceOfAsync(duties[0].Currency, treasury));
        var report = await Get(treasuryBank, new Uri(system.Payments.BaseAddress, "reconciliation"));
        Assert.True(report["inAgreement"]!.GetValue<bool>(), report.ToJsonString());
    }

    /// <summary>Asks for the settlement with <c>Prefer: respond-async</c> (RFC 7240): answered at once.</summary>
    private static async Task<HttpResponseMessage> SettleRespondingAsync(HttpClient bank, Uri payments, string reference)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(payments, $"duty-payments/{reference}/settle"))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { }),
        };
        request.Headers.Add("Prefer", "respond-async");
        return await bank.SendAsync(request);
    }

    /// <summary>The golden path's exporter, its bank and the customs treasury's bank.</summary>
    private sealed class BatchParties : IDisposable
    {
        public HttpClient Exporter { get; } = Client(Roles.Exporter, GoldenPath.ExporterParty);

        public HttpClient Bank { get; } = Client(Roles.Bank, GoldenPath.BankParty);

        public HttpClient TreasuryBank { get; } = Client(Roles.Bank, GoldenPath.TreasuryBankParty);

        public void Dispose()
        {
            Exporter.Dispose();
            Bank.Dispose();
            TreasuryBank.Dispose();
        }
    }

    /// <summary><paramref name="count"/> duties assessed at once, the payer's account opened at its bank and funded with all of them.</summary>
    private static async Task<(IReadOnlyList<Duty> Duties, string Currency)> FundedDutiesAsync(TradeChainSystem system, BatchParties parties, string lrn, int count)
    {
        var duties = await AssessedDeclarationsAsync(system, parties.Exporter, lrn, count);
        var currency = duties[0].Currency;
        await OpenAccountsAsync(system.Payments.BaseAddress, parties.Exporter, parties.Bank, parties.TreasuryBank, currency, depositFor: (duties.Sum(d => d.Amount), lrn));
        return (duties, currency);
    }

    private sealed record Duty(string Reference, decimal Amount, string Currency);

    /// <summary><paramref name="count"/> declarations of the golden path's exporter lodged at once and assessed: their duty payments.</summary>
    private static async Task<IReadOnlyList<Duty>> AssessedDeclarationsAsync(TradeChainSystem system, HttpClient exporter, string lrn, int count) =>
        [.. (await Task.WhenAll(Enumerable.Range(1, count).Select(i => AssessedDeclarationAsync(system, exporter, $"{lrn}-{i}"))))
            .Select(d => new Duty(d.Reference, d.Amount, d.Currency))];
}
