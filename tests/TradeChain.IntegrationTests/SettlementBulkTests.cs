using System.Net;
using System.Numerics;
using System.Text.Json.Nodes;
using Nethereum.Contracts;
using TradeChain.Cli;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;
using Token = TradeChain.Ledger.Contracts.SettlementToken;

namespace TradeChain.IntegrationTests;

/// <summary>
/// A bank settles many duty payments in one request (<c>POST /duty-payments/settlements</c>), through the running services:
/// each payment is handled as its own settle request would handle it — queued for the bank's batch transactions, settled
/// from its own Payment event, refused or given up on its own with its rule — and the answer lists each one in order.
/// </summary>
public sealed partial class SettlementIntegrityTests
{
    [Fact]
    public async Task A_bank_settles_many_duty_payments_in_one_request_each_answered_on_its_own_in_a_few_batch_transactions()
    {
        var (system, rpc) = await StartWithPaymentsRpcCountedAsync();
        await using var _ = rpc;
        await using var __ = system;
        using var parties = new BatchParties();
        var payments = system.Payments.BaseAddress;
        var settlements = new Uri(payments, "duty-payments/settlements");
        // Twelve duties funded, then one more assessed without its deposit: the account holds the twelve.
        var (funded, currency) = await FundedDutiesAsync(system, parties, "LRN-BULK", 12);
        var extra = await AssessedDeclarationAsync(system, parties.Exporter, "LRN-BULK-EXTRA");
        var duties = funded.Append(new Duty(extra.Reference, extra.Amount, extra.Currency)).ToList();

        // Another bank (not mandated by the declarant) learns nothing of a duty that is not its own: the same item as for a
        // reference that exists nowhere, and the duty stays as it was.
        var foreign = await SendBulkAsync(parties.TreasuryBank, settlements, [duties[0].Reference, "DUTY-NOT-ANYWHERE"]);
        var (theirs, nowhere) = (foreign.Body!["results"]![0]!, foreign.Body["results"]![1]!);
        Assert.Equal((404, "not-found"), (theirs["status"]!.GetValue<int>(), theirs["rule"]!.GetValue<string>()));
        Assert.Equal(nowhere["detail"]!.GetValue<string>().Replace("DUTY-NOT-ANYWHERE", duties[0].Reference), theirs["detail"]!.GetValue<string>());
        Assert.Null(theirs["payment"]);
        Assert.Equal("Requested", (await Get(parties.Exporter, new Uri(payments, $"duty-payments/{duties[0].Reference}")))["status"]!.GetValue<string>());

        // Three asked first with Prefer: respond-async: answered at once, Settling.
        var early = await SendBulkAsync(parties.Bank, settlements, duties.Take(3).Select(d => d.Reference), "respond-async");
        Assert.Equal(HttpStatusCode.OK, early.Status);
        Assert.Equal("respond-async", early.PreferenceApplied);
        Assert.All(early.Body!["results"]!.AsArray(), r => Assert.True(r!["status"]!.GetValue<int>() is 202 or 200, r.ToJsonString()));

        var sentBefore = rpc.Calls.GetValueOrDefault("eth_sendRawTransaction");
        object?[] asked = [.. duties.Select(d => d.Reference), "DUTY-NO-SUCH-PAYMENT", duties[0].Reference, "", null, new string('X', 36)];
        var answer = await SendBulkAsync(parties.Bank, settlements, asked);
        var sent = rpc.Calls.GetValueOrDefault("eth_sendRawTransaction") - sentBefore;

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var results = answer.Body!["results"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(asked.Length, results.Count);
        Assert.Equal(Enumerable.Range(0, asked.Length), results.Select(r => r["index"]!.GetValue<int>()));
        // The account holds twelve duties, the thirteen all pass the booked balance (nothing is booked before the transfers are
        // made), and the token refuses whichever comes last in the batches: that one is given up naming the contract's rule.
        var byReference = results.Take(duties.Count).ToDictionary(r => r["reference"]!.GetValue<string>());
        var refused = byReference.Values.Where(r => r["status"]!.GetValue<int>() != 200).ToList();
        var given = Assert.Single(refused);
        Assert.Equal(409, given["status"]!.GetValue<int>());
        Assert.StartsWith("contract:", given["rule"]!.GetValue<string>());
        Assert.Equal("Requested", given["payment"]!["status"]!.GetValue<string>());
        var settled = duties.Where(d => byReference[d.Reference]["status"]!.GetValue<int>() == 200).ToList();
        Assert.Equal(12, settled.Count);
        Assert.True(answer.Body["settled"]!.GetValue<int>() == 12, answer.Body.ToJsonString());
        Assert.Equal(0, answer.Body["settling"]!.GetValue<int>());
        Assert.Equal((asked.Length - 12, 0), (answer.Body["refused"]!.GetValue<int>(), answer.Body["retry"]!.GetValue<int>()));
        Assert.True(sent < settled.Count / 2, $"{settled.Count} settlements took {sent} transactions");
        // The other items, each on its own: none that the bank may see, the same payment twice, empty, null, too long.
        Assert.Equal((404, "not-found"), (results[13]["status"]!.GetValue<int>(), results[13]["rule"]!.GetValue<string>()));
        foreach (var (index, says) in new[] { (14, "same payment"), (15, "not empty"), (16, "not empty"), (17, "at most 35 characters") })
        {
            Assert.Equal(400, results[index]["status"]!.GetValue<int>());
            Assert.Contains(says, results[index]["errors"]![$"references[{index}]"]![0]!.GetValue<string>());
        }

        // Each settled from its own Payment event: this payer, the treasury, this amount, this reference.
        foreach (var duty in settled)
            await AssertSettledByOwnPaymentEventAsync(system, duty, byReference[duty.Reference]["payment"]!["settlementTransactionHash"]!.GetValue<string>());
        await AssertLedgerAgreesWithChainAsync(system, parties.TreasuryBank, settled, settled.Sum(d => d.Amount));

        // Asked again (the back office retries the whole file): each comes back settled already, and nothing more is sent.
        var sentBeforeRetry = rpc.Calls.GetValueOrDefault("eth_sendRawTransaction");
        var retry = await SendBulkAsync(parties.Bank, settlements, settled.Select(d => d.Reference));
        Assert.All(retry.Body!["results"]!.AsArray(), r => Assert.True(r!["status"]!.GetValue<int>() == 200 && r["payment"]!["alreadySettled"]!.GetValue<bool>(), r.ToJsonString()));
        Assert.Equal(sentBeforeRetry, rpc.Calls.GetValueOrDefault("eth_sendRawTransaction"));
        await AssertLedgerAgreesWithChainAsync(system, parties.TreasuryBank, settled, settled.Sum(d => d.Amount));

        // Refused as a whole: no references, too many, a signed transaction (one payment's), an exporter asking.
        foreach (var body in new object[] { new { references = Array.Empty<string>() }, new { references = Enumerable.Range(0, 101).Select(i => $"R{i}").ToArray() }, new { } })
        {
            var (status, problem) = await Send(parties.Bank, HttpMethod.Post, settlements, body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.NotNull(problem!["errors"]!["references"]);
        }
        foreach (var (header, value) in new[] { (PartySignatures.Header, "0x02"), (PartySignatures.SentHeader, "0x" + new string('a', 64)) })
        {
            using var signed = new HttpRequestMessage(HttpMethod.Post, settlements) { Content = System.Net.Http.Json.JsonContent.Create(new { references = new[] { settled[0].Reference } }) };
            signed.Headers.Add(header, value);
            using var response = await parties.Bank.SendAsync(signed);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]![header]);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(parties.Exporter, HttpMethod.Post, settlements, new { references = new[] { settled[0].Reference } })).Status);
    }

    [Fact]
    public async Task A_bulk_settlement_is_refused_as_a_whole_where_the_banks_settlements_are_not_batched()
    {
        await using var system = await TradeChainSystem.StartAsync((name, process) =>
        {
            if (name == "payments") process.SetSetting("Payments:SettlementBatchWindowMs", "0");
        });
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        var (status, problem) = await Send(bank, HttpMethod.Post, new Uri(system.Payments.BaseAddress, "duty-payments/settlements"), new { references = new[] { "DUTY-ANY" } });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("settle-one-by-one", problem!["rule"]!.GetValue<string>());
    }

    /// <summary>The receipt of <paramref name="transactionHash"/> carries the duty's own Payment event: its reference, the payer, the treasury, its amount.</summary>
    private static async Task AssertSettledByOwnPaymentEventAsync(TradeChainSystem system, Duty duty, string transactionHash)
    {
        var payer = new Nethereum.Web3.Accounts.Account(PartyWallets.DevelopmentKey(GoldenPath.ExporterParty)).Address;
        var treasury = new Nethereum.Web3.Accounts.Account(PartyWallets.DevelopmentKey(TreasuryParty)).Address;
        var receipt = await Settlement(system).ReceiptAsync(transactionHash);
        var own = receipt.DecodeAllEvents<Token.PaymentEventDTO>().Select(e => e.Event)
            .Where(e => Convert.ToHexString(e.PaymentReference) == Convert.ToHexString(SettlementClient.Reference($"duty-payment:{duty.Reference}"))).ToList();
        var payment = Assert.Single(own);
        Assert.Equal((payer.ToLowerInvariant(), treasury.ToLowerInvariant(), new BigInteger(duty.Amount * 100m)),
            (payment.From.ToLowerInvariant(), payment.To.ToLowerInvariant(), payment.Amount));
    }

    private static async Task<(HttpStatusCode Status, JsonObject? Body, string? PreferenceApplied)> SendBulkAsync(HttpClient bank, Uri settlements,
        IEnumerable<object?> references, string? prefer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, settlements)
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { references = references.ToArray() }),
        };
        if (prefer is not null) request.Headers.Add("Prefer", prefer);
        using var response = await bank.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text)!.AsObject(),
            response.Headers.TryGetValues("Preference-Applied", out var applied) ? applied.Single() : null);
    }
}
