using System.Net;
using System.Numerics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Cli;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// Duty settlement through the running services (real anvil, RabbitMQ and databases) under attack and under a race:
/// no duty is marked paid without the money reaching the customs treasury, and no money moves without its record.
/// </summary>
public sealed partial class SettlementIntegrityTests
{
    private const string TreasuryParty = "CUSTOMS-TREASURY";

    [Fact]
    public async Task A_colluding_bank_minting_under_the_duty_reference_does_not_make_the_honest_settlement_look_done()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        var (declaration, reference, amount, currency) = await AssessedDeclarationAsync(system, exporter, "LRN-FORGED-DUTY");

        // The duty's payment reference is predictable; a bank colluding with the declarant (HSBC, which services only
        // itself here) takes it first on chain: 0.01 minted to its own account under that reference.
        var chain = Settlement(system);
        var colluder = await FundedWriterAsync(system, DevelopmentBankKeys.KeyOf("BNK-HSBC")); // the bank acting on its own, with its own key
        var forged = await chain.MintAsync(colluder, currency, colluder.Address, 1, SettlementClient.Reference($"duty-payment:{reference}"), CancellationToken.None);
        Assert.NotNull(forged);

        // The declarant's own bank settles: the real transfer happens, from the declarant to the treasury.
        var settled = await SettleDuty(bank, system.Payments.BaseAddress, reference, GoldenPath.ExporterParty);
        Assert.Equal("Settled", settled["status"]!.GetValue<string>());
        Assert.NotEqual(forged!.TransactionHash, settled["settlementTransactionHash"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        var minor = new BigInteger(amount * 100m);
        Assert.Equal(minor, await chain.BalanceOfAsync(currency, new Nethereum.Web3.Accounts.Account(PartyWallets.DevelopmentKey(TreasuryParty)).Address));
        Assert.Equal(BigInteger.Zero, await chain.BalanceOfAsync(currency, new Nethereum.Web3.Accounts.Account(PartyWallets.DevelopmentKey(GoldenPath.ExporterParty)).Address));

        // Only now — with the duty in the treasury — does customs release the goods.
        await PollStatus(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{declaration}"), "Released");
    }

    [Fact]
    public async Task A_settlement_crossing_the_withdrawal_of_its_payment_keeps_the_money_with_its_record()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        using var treasuryBank = Client(Roles.Bank, GoldenPath.TreasuryBankParty);
        var (declaration, reference, amount, currency) = await AssessedDeclarationAsync(system, exporter, "LRN-RACE-1");
        var payments = system.Payments.BaseAddress;
        await OpenAccountsAsync(payments, exporter, bank, treasuryBank, currency, depositFor: (amount, reference));

        // The chain stops mining: the bank's transfer waits in the mempool, sent but not yet made.
        var rpc = Settlement(system);
        var vcb = DevelopmentBankSigners.AddressOf(GoldenPath.BankParty);
        var sent = await rpc.Web3Nonce(vcb, BlockParameter.CreateLatest());
        await rpc.Rpc("evm_setAutomine", false);
        // Its request stays open while the chain does not mine and the cancellation travels customs → bus → payments (up to
        // 45 s + 45 s below): a client more patient than the usual 30 s.
        using var patientBank = Client(Roles.Bank, GoldenPath.BankParty);
        patientBank.Timeout = TimeSpan.FromMinutes(3);
        var settling = Send(patientBank, HttpMethod.Post, new Uri(payments, $"duty-payments/{reference}/settle"), new { });
        try
        {
            await Until(async () => await rpc.Web3Nonce(vcb, BlockParameter.CreatePending()) > sent, "the settlement's transfer is sent");

            // Meanwhile the declarant cancels: customs withdraws the payment request over the bus and payments' consumer applies it.
            await Post(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{declaration}/cancel"), new { reason = "the buyer withdrew" });
            await Until(async () => await Count(system.DatabasePath("payments"),
                "SELECT COUNT(*) FROM inbox WHERE Consumer = 'DutyPaymentWithdrawnConsumer'") == 1, "the withdrawal is applied in payments");
        }
        finally
        {
            await rpc.Rpc("evm_setAutomine", true);
            await rpc.Rpc("evm_mine");
        }

        // The transfer was made, so its record must be too: the settlement completes, whatever the withdrawal did.
        var (status, body) = await settling;
        Assert.True(status == HttpStatusCode.OK, $"settle answered {(int)status}: {body}\n{system.Diagnostics}");
        Assert.Equal("Settled", body!["status"]!.GetValue<string>());
        var minor = (long)(amount * 100m);
        var treasury = new Nethereum.Web3.Accounts.Account(PartyWallets.DevelopmentKey(TreasuryParty)).Address;
        Assert.Equal(new BigInteger(minor), await rpc.BalanceOfAsync(currency, treasury));
        Assert.Equal(2, await Count(system.DatabasePath("payments"), $"SELECT COUNT(*) FROM ledger_entries WHERE Kind = 'duty-payment' AND Reference = '{reference}'"));
        Assert.Equal(minor, await Count(system.DatabasePath("payments"), $"SELECT COALESCE(SUM(AmountMinor), 0) FROM ledger_entries WHERE Party = '{TreasuryParty}'"));
        Assert.True(await Count(system.DatabasePath("payments"), $"SELECT COUNT(*) FROM iso20022_messages WHERE Subject = '{reference}'") >= 1);
        var report = await Get(treasuryBank, new Uri(payments, "reconciliation"));
        Assert.True(report["inAgreement"]!.GetValue<bool>(), report.ToJsonString());
        // The withdrawal that came too late is on the payment's record, not lost.
        var history = await Get(bank, new Uri(payments, $"duty-payments/{reference}/history"));
        Assert.Equal(["Requested", "Settling", "Settling", "Settled"], history["transitions"]!.AsArray().Select(t => t!["toState"]!.GetValue<string>()));
        Assert.Contains("declaration cancelled", history["transitions"]![2]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_settlement_that_cannot_be_made_leaves_the_payment_free_to_settle_once_the_money_is_there()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        using var treasuryBank = Client(Roles.Bank, GoldenPath.TreasuryBankParty);
        var (declaration, reference, amount, currency) = await AssessedDeclarationAsync(system, exporter, "LRN-NO-FUNDS");
        var payments = system.Payments.BaseAddress;
        await OpenAccountsAsync(payments, exporter, bank, treasuryBank, currency, depositFor: null);

        // The declarant's account is empty: the settlement is refused, and the payment does not stay held by it.
        var (refused, problem) = await Send(bank, HttpMethod.Post, new Uri(payments, $"duty-payments/{reference}/settle"), new { });
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Contains("funds", problem!.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        var payment = await Get(bank, new Uri(payments, $"duty-payments/{reference}"));
        Assert.Equal("Requested", payment["status"]!.GetValue<string>());

        // Funded, the same bank settles it; customs releases.
        await Post(bank, new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}/deposits"), new { amount, reference = $"DEP-{reference}" });
        var settled = await SettleDuty(bank, payments, reference, GoldenPath.ExporterParty);
        Assert.Equal("Settled", settled["status"]!.GetValue<string>());
        await PollStatus(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{declaration}"), "Released");
    }

    [Fact]
    public async Task A_bank_that_signs_itself_settles_with_its_own_signed_transaction_and_one_signed_by_another_account_or_for_another_call_is_refused()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        using var treasuryBank = Client(Roles.Bank, GoldenPath.TreasuryBankParty);
        var (declaration, reference, amount, currency) = await AssessedDeclarationAsync(system, exporter, "LRN-SELF-SIGNED");
        var payments = system.Payments.BaseAddress;
        await OpenAccountsAsync(payments, exporter, bank, treasuryBank, currency, depositFor: (amount, reference));
        var bankKey = BankKey(GoldenPath.BankParty);
        var bankAddress = new Nethereum.Web3.Accounts.Account(bankKey).Address;

        // The service prepares the transfer for the bank's own account; nothing is sent, the payment is untouched.
        var unsigned = await Post(bank, new Uri(payments, $"duty-payments/{reference}/settle/transaction"), new { });
        Assert.Equal(bankAddress, unsigned["from"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        Assert.Equal("0x2", unsigned["type"]!.GetValue<string>());
        Assert.Equal("Requested", (await Get(bank, new Uri(payments, $"duty-payments/{reference}")))["status"]!.GetValue<string>());

        // Signed by another account (HSBC, a bank too, whose signature the contract would take for its own customers): refused, naming the field.
        var (foreign, foreignProblem) = await Send(bank, HttpMethod.Post, new Uri(payments, $"duty-payments/{reference}/settle"),
            new { signedTransaction = await SignAsync(unsigned, BankKey("BNK-HSBC"), allowOtherAccount: true) });
        Assert.Equal(HttpStatusCode.BadRequest, foreign);
        var error = foreignProblem!["errors"]!["signedTransaction"]![0]!.GetValue<string>();
        Assert.Contains($"not by {GoldenPath.BankParty}'s account", error);
        // The bank's own signature of another call (the transfer sent to its own account instead of the treasury's): refused too.
        var redirected = unsigned.DeepClone().AsObject();
        redirected["data"] = unsigned["data"]!.GetValue<string>().Replace(
            (await Get(treasuryBank, new Uri(payments, $"accounts/{TreasuryParty}/{currency}")))["address"]!.GetValue<string>()[2..].ToLowerInvariant(),
            bankAddress[2..].ToLowerInvariant(), StringComparison.Ordinal);
        Assert.NotEqual(unsigned["data"]!.GetValue<string>(), redirected["data"]!.GetValue<string>());
        var (altered, alteredProblem) = await Send(bank, HttpMethod.Post, new Uri(payments, $"duty-payments/{reference}/settle"),
            new { signedTransaction = await SignAsync(redirected, bankKey) });
        Assert.Equal(HttpStatusCode.BadRequest, altered);
        Assert.Contains("data differ", alteredProblem!["errors"]!["signedTransaction"]![0]!.GetValue<string>());
        // The bank's own signature of exactly this transfer on a nonce its account is not at (signed ahead, or its nonce used
        // meanwhile): stale, as any party's signed transaction — 409, sign one prepared again; nothing sent, nothing saved.
        var ahead = unsigned.DeepClone().AsObject();
        ahead["nonce"] = "0x" + (Convert.ToInt64(unsigned["nonce"]!.GetValue<string>(), 16) + 1).ToString("x");
        var (stale, staleProblem) = await Send(bank, HttpMethod.Post, new Uri(payments, $"duty-payments/{reference}/settle"),
            new { signedTransaction = await SignAsync(ahead, bankKey) });
        Assert.True(stale == HttpStatusCode.Conflict, $"{(int)stale}: {staleProblem}");
        Assert.Equal("signed-transaction-stale", staleProblem!["rule"]!.GetValue<string>());
        Assert.Equal("Requested", (await Get(bank, new Uri(payments, $"duty-payments/{reference}")))["status"]!.GetValue<string>());

        // The bank's own signature (through the CLI, with its key file): settled by exactly that transaction; customs releases.
        var signed = await SignAsync(unsigned, bankKey);
        var (status, body) = await Send(bank, HttpMethod.Post, new Uri(payments, $"duty-payments/{reference}/settle"), new { signedTransaction = signed });
        Assert.True(status == HttpStatusCode.OK, $"settle answered {(int)status}: {body}");
        var hash = DecodedTransaction.Decode(signed).Hash;
        Assert.Equal("Settled", body!["status"]!.GetValue<string>());
        Assert.Equal(hash, body["settlementTransactionHash"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        var mined = await Writer(system, DevelopmentAccounts.PaymentsKey).Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hash);
        Assert.Equal(bankAddress, mined.From, StringComparer.OrdinalIgnoreCase);
        await PollStatus(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{declaration}"), "Released");

        // Sent again (a retry): the same settlement, no second transfer.
        var (again, againBody) = await Send(bank, HttpMethod.Post, new Uri(payments, $"duty-payments/{reference}/settle"), new { signedTransaction = signed });
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.True(againBody!["alreadySettled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_transfer_the_banks_wallet_sent_itself_is_recorded_once_mined_and_a_hash_of_any_other_transaction_records_nothing()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        using var treasuryBank = Client(Roles.Bank, GoldenPath.TreasuryBankParty);
        var (declaration, reference, amount, currency) = await AssessedDeclarationAsync(system, exporter, "LRN-WALLET-SENT");
        var payments = system.Payments.BaseAddress;
        await OpenAccountsAsync(payments, exporter, bank, treasuryBank, currency, depositFor: (amount, reference));
        var settle = new Uri(payments, $"duty-payments/{reference}/settle");
        var unsigned = await Post(bank, new Uri(payments, $"duty-payments/{reference}/settle/transaction"), new { });

        // Not a hash, or a hash beside a signature: named at the field.
        var (malformed, malformedProblem) = await Send(bank, HttpMethod.Post, settle, new { sentTransaction = "0x1234" });
        Assert.Equal(HttpStatusCode.BadRequest, malformed);
        Assert.Contains("transaction hash", malformedProblem!["errors"]!["sentTransaction"]![0]!.GetValue<string>());
        var (both, bothProblem) = await Send(bank, HttpMethod.Post, settle, new { sentTransaction = "0x" + new string('a', 64), signedTransaction = "0x02" });
        Assert.Equal(HttpStatusCode.BadRequest, both);
        Assert.Contains("not both", bothProblem!["errors"]!["sentTransaction"]![0]!.GetValue<string>());
        // A hash the chain does not know.
        var (unknown, unknownProblem) = await Send(bank, HttpMethod.Post, settle, new { sentTransaction = "0x" + new string('7', 64) });
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
        Assert.Contains("not known to the chain", unknownProblem!["errors"]!["sentTransaction"]![0]!.GetValue<string>());
        Assert.Equal("transaction-unknown", unknownProblem["rule"]!.GetValue<string>()); // the page waits on this rule, not on words
        // The bank's own transaction of another call (its deposit to the declarant): not this payment's transfer.
        var exporterAccount = await Get(exporter, new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}"));
        var deposit = exporterAccount["entries"]!.AsArray().First(e => e!["kind"]!.GetValue<string>() == "deposit")!["transactionHash"]!.GetValue<string>();
        var (otherCall, otherCallProblem) = await Send(bank, HttpMethod.Post, settle, new { sentTransaction = deposit });
        Assert.Equal(HttpStatusCode.BadRequest, otherCall);
        Assert.Contains("not this payment's transfer", otherCallProblem!["errors"]!["sentTransaction"]![0]!.GetValue<string>());
        // Another account's transaction (the deployer paying gas to someone): not sent by this bank's account.
        var othersTransaction = await Writer(system, DevelopmentAccounts.DeployerKey).SendValueAsync(new Nethereum.Web3.Accounts.Account(DevelopmentAccounts.OutsiderKey).Address, 1, CancellationToken.None);
        var (otherBank, otherBankProblem) = await Send(bank, HttpMethod.Post, settle, new { sentTransaction = othersTransaction });
        Assert.Equal(HttpStatusCode.BadRequest, otherBank);
        Assert.Contains($"not by {GoldenPath.BankParty}'s account", otherBankProblem!["errors"]!["sentTransaction"]![0]!.GetValue<string>());
        Assert.Equal("Requested", (await Get(bank, new Uri(payments, $"duty-payments/{reference}")))["status"]!.GetValue<string>());

        // The bank's wallet signs the prepared transfer with the bank's key and sends it itself; the chain has not mined it yet.
        var rpc = Settlement(system);
        var raw = await SignAsync(unsigned, BankKey(GoldenPath.BankParty));
        string sent;
        await rpc.Rpc("evm_setAutomine", false);
        try
        {
            // The wallet sends it to the chain itself (any connection to the node would do; this one only carries the bytes).
            sent = await Writer(system, DevelopmentAccounts.PaymentsKey).Web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw);
            var (pending, pendingProblem) = await Send(bank, HttpMethod.Post, settle, new { sentTransaction = sent });
            Assert.True(pending == HttpStatusCode.Conflict, $"{(int)pending}: {pendingProblem}");
            Assert.Equal("transaction-pending", pendingProblem!["rule"]!.GetValue<string>());
            Assert.Equal("Requested", (await Get(bank, new Uri(payments, $"duty-payments/{reference}")))["status"]!.GetValue<string>());
        }
        finally
        {
            await rpc.Rpc("evm_setAutomine", true);
            await rpc.Rpc("evm_mine");
        }

        // Mined: its hash settles the payment — the record names exactly the wallet's transaction, the ledger books it, customs releases.
        var (status, body) = await Send(bank, HttpMethod.Post, settle, new { sentTransaction = sent });
        Assert.True(status == HttpStatusCode.OK, $"settle answered {(int)status}: {body}");
        Assert.Equal("Settled", body!["status"]!.GetValue<string>());
        Assert.Equal(sent, body["settlementTransactionHash"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        var debit = (await Get(exporter, new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}")))["entries"]!.AsArray()
            .Single(e => e!["kind"]!.GetValue<string>() == "duty-payment");
        Assert.Equal(-amount, debit!["amount"]!.GetValue<decimal>());
        Assert.Equal(sent, debit["transactionHash"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        await PollStatus(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{declaration}"), "Released");
        // Given again (the page retrying): the same settlement, nothing booked twice.
        var (again, againBody) = await Send(bank, HttpMethod.Post, settle, new { sentTransaction = sent });
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.True(againBody!["alreadySettled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_wallet_transfer_refused_records_nothing_and_one_sent_before_customs_withdrew_the_payment_is_recorded_even_when_its_hash_is_a_second_refused_copy()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        using var treasuryBank = Client(Roles.Bank, GoldenPath.TreasuryBankParty);
        var (declaration, reference, amount, currency) = await AssessedDeclarationAsync(system, exporter, "LRN-WALLET-LATE");
        var payments = system.Payments.BaseAddress;
        await OpenAccountsAsync(payments, exporter, bank, treasuryBank, currency, depositFor: (amount, reference));
        var settle = new Uri(payments, $"duty-payments/{reference}/settle");
        var payment = new Uri(payments, $"duty-payments/{reference}");
        var deposits = new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}/deposits");
        var node = Writer(system, DevelopmentAccounts.PaymentsKey).Web3.Eth.Transactions.SendRawTransaction; // the wallet's way to the chain
        static JsonObject WithNonce(JsonObject unsigned, long step)
        {
            var copy = unsigned.DeepClone().AsObject();
            copy["nonce"] = "0x" + (Convert.ToInt64(unsigned["nonce"]!.GetValue<string>(), 16) + step).ToString("x");
            return copy;
        }

        // 1. The wallet's transfer is refused by the token (the declarant's funds were withdrawn after it was prepared): nothing moved, nothing recorded.
        var unsigned = await Post(bank, new Uri(payments, $"duty-payments/{reference}/settle/transaction"), new { });
        await Post(bank, new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}/withdrawals"), new { amount, reference = "WD-WALLET-LATE" });
        var refused = await node.SendRequestAsync(await SignAsync(WithNonce(unsigned, 1), BankKey(GoldenPath.BankParty))); // after the withdrawal's nonce
        await Until(async () => (await Writer(system, DevelopmentAccounts.PaymentsKey).Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(refused)) is not null, "the refused transfer mined");
        var (reverted, revertedProblem) = await Send(bank, HttpMethod.Post, settle, new { sentTransaction = refused });
        Assert.True(reverted == HttpStatusCode.Conflict, $"{(int)reverted}: {revertedProblem}");
        Assert.Equal("transaction-reverted", revertedProblem!["rule"]!.GetValue<string>());
        Assert.Equal("Requested", (await Get(bank, payment))["status"]!.GetValue<string>());

        // 2. Funded again, the wallet sends the transfer; before its hash reaches TradeChain, the declarant cancels and customs withdraws the payment.
        await Post(bank, deposits, new { amount, reference = "DEP-WALLET-LATE-2" });
        var prepared = await Post(bank, new Uri(payments, $"duty-payments/{reference}/settle/transaction"), new { });
        var made = await node.SendRequestAsync(await SignAsync(prepared, BankKey(GoldenPath.BankParty)));
        await Post(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{declaration}/cancel"), new { reason = "the buyer withdrew" });
        await Poll(bank, payment, p => p["status"]!.GetValue<string>() == "Withdrawn");
        // The wallet sends the same transfer again (a double click): mined, and refused as DuplicateReference.
        var copy = await node.SendRequestAsync(await SignAsync(WithNonce(prepared, 1), BankKey(GoldenPath.BankParty)));
        await Until(async () => (await Writer(system, DevelopmentAccounts.PaymentsKey).Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(copy)) is not null, "the copy mined");

        // 3. The copy's hash is given: the payment's transfer on chain is the first one — recorded, after the withdrawal, never lost.
        var (status, body) = await Send(bank, HttpMethod.Post, settle, new { sentTransaction = copy });
        Assert.True(status == HttpStatusCode.OK, $"settle answered {(int)status}: {body}");
        Assert.Equal("Settled", body!["status"]!.GetValue<string>());
        Assert.Equal(made, body["settlementTransactionHash"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        var history = await Get(bank, new Uri(payments, $"duty-payments/{reference}/history"));
        var last = history["transitions"]!.AsArray().Last()!;
        Assert.Equal(["Withdrawn", "Settled"], new[] { last["fromState"]!.GetValue<string>(), last["toState"]!.GetValue<string>() });
        Assert.Contains("after customs withdrew the payment", last["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, await Count(system.DatabasePath("payments"), $"SELECT COUNT(*) FROM ledger_entries WHERE Kind = 'duty-payment' AND Reference = '{reference}'"));
        var report = await Get(treasuryBank, new Uri(payments, "reconciliation"));
        Assert.True(report["inAgreement"]!.GetValue<bool>(), report.ToJsonString());
        var (again, againBody) = await Send(bank, HttpMethod.Post, settle, new { sentTransaction = made });
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.True(againBody!["alreadySettled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_banks_own_signed_transfer_is_not_sent_for_a_withdrawn_payment_but_is_recorded_once_the_bank_sent_it_itself()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        using var treasuryBank = Client(Roles.Bank, GoldenPath.TreasuryBankParty);
        var (declaration, reference, amount, currency) = await AssessedDeclarationAsync(system, exporter, "LRN-SIGNED-LATE");
        var payments = system.Payments.BaseAddress;
        await OpenAccountsAsync(payments, exporter, bank, treasuryBank, currency, depositFor: (amount, reference));
        var settle = new Uri(payments, $"duty-payments/{reference}/settle");
        var payment = new Uri(payments, $"duty-payments/{reference}");
        var chain = Writer(system, DevelopmentAccounts.PaymentsKey).Web3.Eth.Transactions;

        // The bank signs the transfer; before it hands it in, the declarant cancels and customs withdraws the payment.
        var signed = await SignAsync(await Post(bank, new Uri(payments, $"duty-payments/{reference}/settle/transaction"), new { }), BankKey(GoldenPath.BankParty));
        var hash = DecodedTransaction.Decode(signed).Hash;
        await Post(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{declaration}/cancel"), new { reason = "the buyer withdrew" });
        await Poll(bank, payment, p => p["status"]!.GetValue<string>() == "Withdrawn");

        // Handed in now: refused, and nothing sent — the money stays with the declarant.
        var (refused, problem) = await Send(bank, HttpMethod.Post, settle, new { signedTransaction = signed });
        Assert.True(refused == HttpStatusCode.Conflict, $"{(int)refused}: {problem}");
        Assert.Equal("payment-withdrawn", problem!["rule"]!.GetValue<string>());
        Assert.Null(await chain.GetTransactionByHash.SendRequestAsync(hash));

        // The bank sends it to the chain itself (its own node) all the same: the money moves; handed in again, it is recorded.
        await chain.SendRawTransaction.SendRequestAsync(signed);
        await Until(async () => await chain.GetTransactionReceipt.SendRequestAsync(hash) is not null, "the bank's transfer mined");
        var (status, body) = await Send(bank, HttpMethod.Post, settle, new { signedTransaction = signed });
        Assert.True(status == HttpStatusCode.OK, $"settle answered {(int)status}: {body}");
        Assert.Equal("Settled", body!["status"]!.GetValue<string>());
        Assert.Equal(hash, body["settlementTransactionHash"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        var last = (await Get(bank, new Uri(payments, $"duty-payments/{reference}/history")))["transitions"]!.AsArray().Last()!;
        Assert.Equal(["Withdrawn", "Settled"], new[] { last["fromState"]!.GetValue<string>(), last["toState"]!.GetValue<string>() });
        Assert.Equal(2, await Count(system.DatabasePath("payments"), $"SELECT COUNT(*) FROM ledger_entries WHERE Kind = 'duty-payment' AND Reference = '{reference}'"));
        var report = await Get(treasuryBank, new Uri(payments, "reconciliation"));
        Assert.True(report["inAgreement"]!.GetValue<bool>(), report.ToJsonString());
    }

    /// <summary>The bank's own key, as the bank holds it (a key file on its side; here the PUBLIC key its development signer holds).</summary>
    private static string BankKey(string bank) => DevelopmentBankKeys.KeyOf(bank);

    [Fact]
    public async Task A_deposit_retried_while_its_first_transaction_is_unmined_and_one_whose_caller_gave_up_are_each_booked_once_with_the_money()
    {
        // Found by the fault run (bench/run.sh --faults): during a chain stall a client timed out and retried; the retry was
        // refused "DuplicateReference … has no payment under it" (the first transaction was in the node's pool, not yet
        // mined), the first request was cancelled with its caller, and the money stayed on chain with no record.
        // Deposits minted in their own request, as a bank that signs itself, or every bank with batching off
        // (Payments:DepositBatchWindowMs 0), has them; a queued deposit's crash is SettlementIntegrityTests.Deposits'.
        var (system, rpc) = await StartWithPaymentsRpcCountedAsync(p => p.SetSetting("Payments:DepositBatchWindowMs", "0"));
        await using var _ = rpc;
        await using var __ = system;
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        using var treasuryBank = Client(Roles.Bank, GoldenPath.TreasuryBankParty);
        const string currency = "USD";
        var payments = system.Payments.BaseAddress;
        await OpenAccountsAsync(payments, exporter, bank, treasuryBank, currency, depositFor: null);
        var deposits = new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}/deposits");
        var account = new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}");
        var chain = Settlement(system);
        var bankAddress = DevelopmentBankSigners.AddressOf(GoldenPath.BankParty);
        async Task UntilPending(BigInteger count) => await Until(async () =>
            await chain.Web3Nonce(bankAddress, BlockParameter.CreatePending()) - await chain.Web3Nonce(bankAddress, BlockParameter.CreateLatest()) == count,
            $"{count} transaction(s) of the bank waiting in the node's pool");

        Task<JsonObject> first, retry;
        await chain.Rpc("evm_setAutomine", false); // the node takes transactions and mines nothing, as in a stall
        try
        {
            // A caller that gives up while its deposit's transaction waits to be mined (a client timeout, a closed browser).
            using (var impatient = Client(Roles.Bank, GoldenPath.BankParty))
            {
                var gone = impatient.PostAsync(deposits, System.Net.Http.Json.JsonContent.Create(new { amount = 10m, reference = "DEP-GONE" }));
                await UntilPending(1);
                impatient.CancelPendingRequests();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
            }
            // A deposit, and its retry while the first one's transaction is still unmined.
            first = Post(bank, deposits, new { amount = 25m, reference = "DEP-TWICE" });
            await UntilPending(2);
            var estimates = rpc.Calls.GetValueOrDefault("eth_estimateGas");
            retry = Post(bank, deposits, new { amount = 25m, reference = "DEP-TWICE" });
            // The retry's transaction is estimated against the node's pending state, where the reference is used already.
            await Until(() => Task.FromResult(rpc.Calls.GetValueOrDefault("eth_estimateGas") > estimates), "the retry's mint estimated while the first is pending");
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.False(retry.IsCompleted, "the retry was answered while the first deposit's transaction was not mined");
        }
        finally
        {
            await chain.Rpc("evm_setAutomine", true);
            await chain.Rpc("evm_mine");
        }

        var answers = await Task.WhenAll(first, retry);
        var twice = answers.Select(a => a["entries"]!.AsArray().Single(e => e!["reference"]!.GetValue<string>() == "DEP-TWICE")!["transactionHash"]!.GetValue<string>()).ToList();
        Assert.Equal(twice[0], twice[1]); // the retry returns the first one's transaction
        // The deposit whose caller went away is booked all the same, once; ledger and chain agree.
        var booked = await Poll(bank, account, a => a["entries"]!.AsArray().Any(e => e!["reference"]!.GetValue<string>() == "DEP-GONE"));
        Assert.Equal(1, booked["entries"]!.AsArray().Count(e => e!["reference"]!.GetValue<string>() == "DEP-GONE"));
        Assert.Equal(1, booked["entries"]!.AsArray().Count(e => e!["reference"]!.GetValue<string>() == "DEP-TWICE"));
        Assert.Equal(35m, booked["balance"]!.GetValue<decimal>());
        Assert.True(booked["agrees"]!.GetValue<bool>(), booked.ToJsonString());
        var reconciliation = await Get(bank, new Uri(payments, "reconciliation"));
        Assert.Empty(reconciliation["differences"]!.AsArray());

        // A withdrawal retried after it was booked — the balance now below its amount — is that booking, not "insufficient
        // funds"; its reference for another amount is refused, naming the rule.
        var withdrawals = new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}/withdrawals");
        await Post(bank, withdrawals, new { amount = 35m, reference = "WD-ALL" });
        var again = await Post(bank, withdrawals, new { amount = 35m, reference = "WD-ALL" });
        Assert.Equal(0m, again["balance"]!.GetValue<decimal>());
        Assert.Equal(1, again["entries"]!.AsArray().Count(e => e!["reference"]!.GetValue<string>() == "WD-ALL"));
        var (other, problem) = await Send(bank, HttpMethod.Post, withdrawals, new { amount = 5m, reference = "WD-ALL" });
        Assert.Equal(HttpStatusCode.Conflict, other);
        Assert.Equal("reference-used", problem!["rule"]!.GetValue<string>());

        // The movements come a page at a time: page 1 the latest, oldest first within a page, with how many there are in all.
        static string[] References(JsonObject view) => [.. view["entries"]!.AsArray().Select(e => e!["reference"]!.GetValue<string>())];
        var all = await Get(bank, account);
        var references = References(all);
        Assert.Equal(3, references.Length);
        Assert.Equal("WD-ALL", references[^1]);
        Assert.Equal(3, all["entryCount"]!.GetValue<long>());
        var latest = await Get(bank, new Uri(account, "?page=1&pageSize=2"));
        Assert.Equal(references[1..], References(latest));
        Assert.Equal((3L, 1, 2), (latest["entryCount"]!.GetValue<long>(), latest["pageNumber"]!.GetValue<int>(), latest["pageSize"]!.GetValue<int>()));
        var older = await Get(bank, new Uri(account, "?page=2&pageSize=2"));
        Assert.Equal(references[..1], References(older));
        Assert.Equal(0m, older["balance"]!.GetValue<decimal>()); // the balance is the account's, whatever the page
        Assert.Empty(References(await Get(bank, new Uri(account, "?page=3&pageSize=2"))));
        Assert.Equal(TradeChain.ServiceDefaults.Paging.MaxSize, (await Get(bank, new Uri(account, "?pageSize=100000")))["pageSize"]!.GetValue<int>()); // bounded
        var clamped = await Get(bank, new Uri(account, "?page=0&pageSize=-5")); // out of range: the nearest page there is
        Assert.Equal((1, 1), (clamped["pageNumber"]!.GetValue<int>(), clamped["pageSize"]!.GetValue<int>()));
        Assert.Equal(references[2..], References(clamped));
        // A booking's answer is page 1 with the latest 20.
        Assert.Equal((1, 20), (again["pageNumber"]!.GetValue<int>(), again["pageSize"]!.GetValue<int>()));
        // Nobody but the holder and its bank learns the account exists, whatever the page asked for (the treasury's bank keeps another account).
        var (strangerStatus, _) = await Send(treasuryBank, HttpMethod.Get, new Uri(account, "?page=2&pageSize=1"), null);
        Assert.Equal(HttpStatusCode.NotFound, strangerStatus);

        // The balance the database keeps beside the entries is checked against them: one changed behind the ledger's back
        // (the entries cannot be: they are append-only) is reported.
        Assert.Equal(1, await Count(system.DatabasePath("payments"),
            $"UPDATE account_balances SET BalanceMinor = BalanceMinor + 1 WHERE Party = '{GoldenPath.ExporterParty}' AND Currency = '{currency}'; SELECT changes()"));
        var tampered = await Get(bank, new Uri(payments, "reconciliation"));
        Assert.False(tampered["inAgreement"]!.GetValue<bool>(), tampered.ToJsonString());
        Assert.Contains(tampered["differences"]!.AsArray().Select(d => d!.GetValue<string>()),
            d => d == $"account {GoldenPath.ExporterParty}/{currency}: the kept balance is 0.01 of 3 entries, its 3 entries sum to 0");
    }

    /// <summary>The system with payments' way to the chain through a proxy that counts its calls (disposed by the caller, proxy last).</summary>
    private static async Task<(TradeChainSystem System, JsonRpcProxy Rpc)> StartWithPaymentsRpcCountedAsync(Action<ServiceProcess>? payments = null)
    {
        var anvilPort = TestEnvironment.FreePort();
        var rpc = new JsonRpcProxy($"http://127.0.0.1:{anvilPort}");
        var system = await TradeChainSystem.StartAsync((name, process) =>
        {
            if (name != "payments") return;
            process.SetSetting("Chain:RpcUrl", rpc.Url);
            payments?.Invoke(process);
        }, anvilPort: anvilPort);
        return (system, rpc);
    }

    /// <summary>Signs a prepared transaction as the CLI does for a party (<c>tradechain sign --transaction FILE --key-file FILE</c>).</summary>
    private static Task<string> SignAsync(JsonObject unsigned, string key, bool allowOtherAccount = false)
    {
        var transaction = unsigned.DeepClone().AsObject();
        // The CLI refuses a key that is not the "from" account: the attacker's own file names its own account.
        if (allowOtherAccount) transaction["from"] = new TransactionSigner(key, DevelopmentAccounts.ChainId).Address;
        return Task.FromResult(SignCommand.Sign(transaction.ToJsonString(), key, TextWriter.Null).Raw);
    }

    /// <summary>The declarant mandates its bank, which opens its account (funded with the duty when <paramref name="depositFor"/> is given); the treasury's is opened.</summary>
    private static async Task OpenAccountsAsync(Uri payments, HttpClient exporter, HttpClient bank, HttpClient treasuryBank, string currency,
        (decimal Amount, string Reference)? depositFor)
    {
        await Post(exporter, new Uri(payments, "accounts/mandates"), new { bank = GoldenPath.BankParty, currency });
        await Post(bank, new Uri(payments, "accounts"), new { party = GoldenPath.ExporterParty, currency });
        await Post(treasuryBank, new Uri(payments, "accounts"), new { party = TreasuryParty, currency });
        if (depositFor is var (amount, reference))
            await Post(bank, new Uri(payments, $"accounts/{GoldenPath.ExporterParty}/{currency}/deposits"), new { amount, reference = $"DEP-{reference}" });
    }

    /// <summary>A declaration lodged with two issued documents and assessed: its id and its duty payment.</summary>
    private static async Task<(string Id, string Reference, decimal Amount, string Currency)> AssessedDeclarationAsync(TradeChainSystem system, HttpClient exporter, string lrn)
    {
        var co = await IssueDocument(exporter, system.Documents.BaseAddress, "certificate-of-origin", CertificateOfOrigin($"CO-{lrn}"));
        var invoice = await IssueDocument(exporter, system.Documents.BaseAddress, "commercial-invoice", Invoice($"INV-{lrn}"));
        var lodged = await Post(exporter, new Uri(system.Customs.BaseAddress, "declarations"), GoldenPath.ExportDeclaration(lrn, co, invoice, 5_000m));
        var id = lodged["id"]!.GetValue<string>();
        var assessed = await PollStatus(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{id}"), "Assessed");
        var reference = assessed["paymentReference"]!.GetValue<string>();
        var payment = await Poll(exporter, new Uri(system.Payments.BaseAddress, $"duty-payments/{reference}"), _ => true);
        return (id, reference, payment["amount"]!.GetValue<decimal>(), payment["currency"]!.GetValue<string>());
    }

    private static ChainOptions Options(TradeChainSystem system, string key) => new()
    {
        RpcUrl = system.Chain.RpcUrl, ChainId = DevelopmentAccounts.ChainId, PrivateKey = key,
        DocumentStoreAddress = system.Chain.Deployment.DocumentStoreAddress, TransitionAnchorAddress = system.Chain.Deployment.TransitionAnchorAddress,
        Settlement = system.Chain.Deployment.Settlement.ToDictionary(p => p.Key, p => new SettlementContractAddresses { Token = p.Value.Token, Escrow = p.Value.Escrow },
            StringComparer.OrdinalIgnoreCase),
    };

    private static ChainWriter Writer(TradeChainSystem system, string key) => new(Options(system, key), NullLogger<ChainWriter>.Instance);

    private static ChainProbe Settlement(TradeChainSystem system) =>
        new(new SettlementClient(Writer(system, DevelopmentAccounts.PaymentsKey), Options(system, DevelopmentAccounts.PaymentsKey)), Writer(system, DevelopmentAccounts.PaymentsKey));

    private static async Task<ChainWriter> FundedWriterAsync(TradeChainSystem system, string key)
    {
        var writer = Writer(system, key);
        await Writer(system, DevelopmentAccounts.DeployerKey).SendValueAsync(writer.Address, BigInteger.Pow(10, 18), CancellationToken.None);
        return writer;
    }

    private static async Task Until(Func<Task<bool>> done, string what, int seconds = 45)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {seconds} s for: {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>The settlement contracts and the raw chain, as an outside observer sees them.</summary>
    private sealed class ChainProbe(SettlementClient settlement, ChainWriter reader)
    {
        public async Task<ChainReceipt?> MintAsync(ChainWriter bank, string currency, string to, BigInteger amount, byte[] reference, CancellationToken ct) =>
            await settlement.MintAsync(bank, currency, to, amount, reference, ct);

        public Task<BigInteger> BalanceOfAsync(string currency, string account) => settlement.BalanceOfAsync(currency, account);

        /// <summary>What <paramref name="bank"/>'s reference is bound to on the currency's token (null: unused).</summary>
        public Task<BoundPayment?> PaymentOfAsync(string currency, string bank, byte[] reference) => settlement.PaymentOfAsync(currency, bank, reference);

        public async Task<BigInteger> Web3Nonce(string account, BlockParameter block) =>
            (await reader.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(account, block)).Value;

        public Task<TransactionReceipt> ReceiptAsync(string hash) => reader.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash);

        public Task Rpc(string method, params object[] parameters) => reader.Web3.Client.SendRequestAsync<object>(method, null, parameters);
    }
}
