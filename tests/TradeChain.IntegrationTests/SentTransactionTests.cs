using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// A party that signs itself with a wallet that signs only by sending (MetaMask: no eth_signTransaction) takes a step that
/// is a chain transaction by sending the prepared transaction from its own account, then the same request with its hash in
/// the <c>Sent-Transaction</c> header: the service takes exactly that transaction for the step — the step's call from the
/// party's account — and nothing else. The wallet here is the test: it signs with the party's key (its own nonce) and
/// sends the transaction with eth_sendRawTransaction. On the real services, anvil and RabbitMQ.
/// </summary>
public sealed class SentTransactionTests
{
    [Fact]
    public async Task A_bank_whose_wallet_only_sends_takes_header_steps_by_the_hash_of_its_own_transaction_and_another_call_or_account_moves_nothing()
    {
        var (system, selfSignedBank, bankKey, bankAddress, customer, customerKey, customerAddress) = await PartySigningTests.StartWithSelfSignedBankAndCustomerAsync("SENT");
        await using var running = system;
        var payments = system.Payments.BaseAddress;
        using var exporter = Client(Roles.Exporter, customer);
        using var bank = Client(Roles.Bank, selfSignedBank);

        // The customer's mandate: its wallet sends the prepared transaction, and the request again with its hash takes it.
        var mandate = new Uri(payments, "accounts/mandates");
        var mandateBody = new { bank = selfSignedBank, currency = "USD" };
        var mandateHash = await SendAsWalletAsync(system, await ToSignAsync(exporter, mandate, mandateBody), customerKey);
        var (mandated, mandateAnswer) = await SendWith(exporter, mandate, mandateBody, (PartySignatures.SentHeader, mandateHash));
        Assert.True(mandated == HttpStatusCode.OK, $"{(int)mandated}: {mandateAnswer}");

        // The bank opens the account the same way.
        var open = new Uri(payments, "accounts");
        var openBody = new { party = customer, currency = "USD" };
        var openHash = await SendAsWalletAsync(system, await ToSignAsync(bank, open, openBody), bankKey);
        var (opened, account) = await SendWith(bank, open, openBody, (PartySignatures.SentHeader, openHash));
        Assert.True(opened is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)opened}: {account}");

        var deposit = new Uri(payments, $"accounts/{customer}/USD/deposits");
        var body = new { amount = 250.00m, reference = "DEP-SENT-1" };
        var mint = await ToSignAsync(bank, deposit, body);

        // Another call from the bank's account (a read of a balance, sent as a transaction to the token): refused, naming what differs.
        var otherCall = mint.DeepClone().AsObject();
        otherCall["data"] = new Ledger.Contracts.SettlementToken.BalanceOfFunction { Account = customerAddress }.GetCallData().ToHex(true);
        var (refused, problem) = await SendWith(bank, deposit, body, (PartySignatures.SentHeader, await SendAsWalletAsync(system, otherCall, bankKey)));
        Assert.True(refused == HttpStatusCode.BadRequest, $"{(int)refused}: {problem}");
        Assert.Equal("sent-transaction", problem!["rule"]!.GetValue<string>());
        var why = problem["errors"]![PartySignatures.SentHeader]![0]!.GetValue<string>();
        Assert.Contains("(data differ)", why);

        // Exactly the mint, but sent by another account (the customer's): refused, naming whose account it must come from.
        var (byAnother, anotherProblem) = await SendWith(bank, deposit, body, (PartySignatures.SentHeader, await SendAsWalletAsync(system, mint, customerKey)));
        Assert.True(byAnother == HttpStatusCode.BadRequest, $"{(int)byAnother}: {anotherProblem}");
        Assert.Contains($"not by {selfSignedBank}'s account {bankAddress}", anotherProblem!["errors"]![PartySignatures.SentHeader]![0]!.GetValue<string>());

        // Both headers at once, a malformed hash, and a hash the node does not know: refused before anything moves.
        var signed = PartySigningTests.Sign(mint, bankKey);
        var (both, bothProblem) = await SendWith(bank, deposit, body, (PartySignatures.Header, signed), (PartySignatures.SentHeader, mandateHash));
        Assert.Equal(HttpStatusCode.BadRequest, both);
        Assert.Equal("party-transaction", bothProblem!["rule"]!.GetValue<string>());
        Assert.NotNull(bothProblem["errors"]![PartySignatures.SentHeader]);
        var (malformed, malformedProblem) = await SendWith(bank, deposit, body, (PartySignatures.SentHeader, "0x1234"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed);
        Assert.Equal("sent-transaction", malformedProblem!["rule"]!.GetValue<string>());
        var (unknown, unknownProblem) = await SendWith(bank, deposit, body, (PartySignatures.SentHeader, "0x" + new string('a', 64)));
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
        Assert.Equal(PartySignatureException.UnknownRule, unknownProblem!["rule"]!.GetValue<string>());
        Assert.Equal(0m, (await Get(bank, new Uri(payments, $"accounts/{customer}/USD")))["chainBalance"]!.GetValue<decimal>());

        // The bank's wallet sends exactly the mint: the deposit is made by that transaction, on the ledger and on chain.
        var mintHash = await SendAsWalletAsync(system, mint, bankKey);
        var (credited, entry) = await SendWith(bank, deposit, body, (PartySignatures.SentHeader, mintHash));
        Assert.True(credited is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)credited}: {entry}");
        var after = await Get(bank, new Uri(payments, $"accounts/{customer}/USD"));
        Assert.Equal(250.00m, after["chainBalance"]!.GetValue<decimal>());
        Assert.Equal(250.00m, after["balance"]!.GetValue<decimal>());
        Assert.Contains(after["entries"]!.AsArray(), e => string.Equals(e!["transactionHash"]!.GetValue<string>(), mintHash, StringComparison.OrdinalIgnoreCase));

        // Asked again with the same hash (a retry): the same deposit, nothing moved twice.
        var (again, againEntry) = await SendWith(bank, deposit, body, (PartySignatures.SentHeader, mintHash));
        Assert.True(again is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)again}: {againEntry}");
        after = await Get(bank, new Uri(payments, $"accounts/{customer}/USD"));
        Assert.Equal(250.00m, after["chainBalance"]!.GetValue<decimal>());
        Assert.Single(after["entries"]!.AsArray(), e => string.Equals(e!["transactionHash"]!.GetValue<string>(), mintHash, StringComparison.OrdinalIgnoreCase));

        // The account's nonces stay right after its wallet took some: a step signed for TradeChain to send still goes through.
        var second = new { amount = 5.00m, reference = "DEP-SENT-2" };
        var (signedDeposit, signedEntry) = await PartySigningTests.SendSigned(bank, deposit, second, PartySigningTests.Sign(await ToSignAsync(bank, deposit, second), bankKey));
        Assert.True(signedDeposit is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)signedDeposit}: {signedEntry}");
        Assert.Equal(255.00m, (await Get(bank, new Uri(payments, $"accounts/{customer}/USD")))["chainBalance"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task A_holder_whose_wallet_only_sends_hands_a_bill_of_lading_over_by_the_hash_of_its_own_transaction_and_an_earlier_hash_is_not_taken_again()
    {
        var (shipper, shipperKey, shipperAddress) = PartySigningTests.NewSelfSignedParty("EXP-SENT");
        await using var system = await TradeChainSystem.StartAsync(configure: (service, process) =>
        {
            if (service is not ("payments" or "documents")) return;
            process.SetSetting($"Parties:SelfSigned:{shipper}", shipperAddress);
            process.SetSetting("Chain:ReceiptTimeoutSeconds", "3"); // how long a step waits for a sent transaction to be mined
        });
        using var holder = Client(Roles.Exporter, shipper);
        var documents = system.Documents.BaseAddress;
        var submitted = await Post(holder, new Uri(documents, "documents"), new
        {
            type = "bill-of-lading",
            content = new
            {
                billOfLadingNumber = "MAEU-" + Guid.NewGuid().ToString("N")[..6], carrier = new { name = "Maersk A/S" }, shipper = new { name = "ACME Coffee JSC" },
                consignee = new { name = "TO ORDER" }, portOfLoading = "VNSGN", portOfDischarge = "DEHAM", vessel = "MAERSK SELETAR", shippedOnBoardDate = "2026-11-20",
                goodsDescription = "Robusta green coffee beans",
            },
        });
        var id = submitted["id"]!.GetValue<string>();
        await PollStatus(holder, new Uri(documents, $"documents/{id}"), "Issued");
        var title = new Uri(documents, $"documents/{id}/title/");
        var handOver = new Uri(title, "transfer-holder");
        var body = new { to = "IMP-HAMBURG" };

        // The title step is the holder's own transaction: its wallet sends it, and the request again with the hash takes it —
        // once mined. Sent while the chain mines nothing, the step waits for it up to the receipt timeout, then says it waits.
        var toSign = await ToSignAsync(holder, handOver, body);
        var chain = new Nethereum.Web3.Web3(system.Chain.RpcUrl);
        await chain.Client.SendRequestAsync<object?>("evm_setAutomine", null, false);
        string hash;
        try
        {
            hash = await SendAsWalletAsync(system, toSign, shipperKey);
            var (waiting, pending) = await SendWith(holder, handOver, body, (PartySignatures.SentHeader, hash));
            Assert.True(waiting == HttpStatusCode.Conflict, $"{(int)waiting}: {pending}");
            Assert.Equal("transaction-pending", pending!["rule"]!.GetValue<string>());
            Assert.Equal(shipper, (await Get(holder, title))["holder"]!["party"]!.GetValue<string>()); // nothing recorded meanwhile
        }
        finally
        {
            await chain.Client.SendRequestAsync<object?>("evm_setAutomine", null, true);
            await chain.Client.SendRequestAsync<object?>("evm_mine", null);
        }
        var (moved, view) = await SendWith(holder, handOver, body, (PartySignatures.SentHeader, hash));
        Assert.True(moved == HttpStatusCode.OK, $"{(int)moved}: {view}");
        Assert.Equal("IMP-HAMBURG", view!["holder"]!["party"]!.GetValue<string>());

        // A retry with the same hash: the same step, taken once.
        var (again, againView) = await SendWith(holder, handOver, body, (PartySignatures.SentHeader, hash));
        Assert.True(again == HttpStatusCode.OK, $"{(int)again}: {againView}");
        Assert.Equal("IMP-HAMBURG", againView!["holder"]!["party"]!.GetValue<string>());

        // The importer gives the holder role back; the same hash handed in for a new hand-over is the first one's, not this
        // step's: refused, and the shipper stays holder (before, it answered 200 naming the importer while nothing moved).
        using var importer = Client(Roles.Exporter, "IMP-HAMBURG");
        await Post(importer, new Uri(title, "reject-holder"), new { });
        var (replayed, problem) = await SendWith(holder, handOver, body, (PartySignatures.SentHeader, hash));
        Assert.True(replayed == HttpStatusCode.BadRequest, $"{(int)replayed}: {problem}");
        Assert.Equal(ChainWriter.SpentRule, problem!["rule"]!.GetValue<string>());
        Assert.Equal(shipper, (await Get(holder, title))["holder"]!["party"]!.GetValue<string>());
    }

    /// <summary>The transaction the step asks the caller's party to sign (its first answer: 409 signature-required).</summary>
    private static async Task<JsonObject> ToSignAsync(HttpClient client, Uri uri, object body)
    {
        var (status, problem) = await Send(client, HttpMethod.Post, uri, body);
        Assert.True(status == HttpStatusCode.Conflict && problem?["rule"]?.GetValue<string>() == "signature-required", $"{(int)status}: {problem}");
        return problem!["transaction"]!.AsObject();
    }

    /// <summary>
    /// What a wallet that signs only by sending does with <paramref name="transaction"/>: from the account of
    /// <paramref name="key"/>, on its own next nonce, signed and sent to the chain; its hash.
    /// </summary>
    private static async Task<string> SendAsWalletAsync(TradeChainSystem system, JsonObject transaction, string key)
    {
        var web3 = new Nethereum.Web3.Web3(system.Chain.RpcUrl);
        var from = new TransactionSigner(key, DevelopmentAccounts.ChainId).Address;
        var toSend = transaction.DeepClone().AsObject();
        toSend["from"] = from;
        toSend["nonce"] = new HexBigInteger((await web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(from, BlockParameter.CreatePending())).Value).HexValue;
        return await web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(PartySigningTests.Sign(toSend, key));
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Body)> SendWith(HttpClient client, Uri uri, object body, params (string Header, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body) };
        foreach (var (header, value) in headers) request.Headers.Add(header, value);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text));
    }
}
