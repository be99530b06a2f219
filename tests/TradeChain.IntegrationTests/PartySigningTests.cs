using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TradeChain.Cli;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// A bank that keeps its key to itself (Parties:SelfSigned): the payments service holds no signer for it, each of its
/// steps that is a chain transaction stops with the transaction to sign, and goes through when the same request carries
/// the bank's own signature of exactly that transaction. On the real services, anvil and RabbitMQ.
/// </summary>
public sealed class PartySigningTests
{
    [Fact]
    public async Task A_bank_that_signs_itself_opens_and_credits_an_account_with_its_own_signatures_and_a_signature_by_anyone_else_moves_nothing()
    {
        // A bank whose key nobody but the test (the bank) ever sees, onboarded on chain; its customer keeps its key too.
        var (system, selfSignedBank, bankKey, bankAddress, customer, customerKey, customerAddress) = await StartWithSelfSignedBankAndCustomerAsync("SELF");
        await using var running = system;
        var payments = system.Payments.BaseAddress;
        using var exporter = Client(Roles.Exporter, customer);
        using var bank = Client(Roles.Bank, selfSignedBank);

        // The customer's mandate of its bank is its own transaction on chain: signed by the customer, in its own request.
        var mandate = new Uri(payments, "accounts/mandates");
        var (mandating, mandateProblem) = await Send(exporter, HttpMethod.Post, mandate, new { bank = selfSignedBank, currency = "USD" });
        Assert.True(mandating == HttpStatusCode.Conflict, $"{(int)mandating}: {mandateProblem}");
        var mandateTransaction = mandateProblem!["transaction"]!.AsObject();
        Assert.Equal(customerAddress, mandateTransaction["from"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        var (mandated, _) = await SendSigned(exporter, mandate, new { bank = selfSignedBank, currency = "USD" }, Sign(mandateTransaction, customerKey));
        Assert.Equal(HttpStatusCode.OK, mandated);

        // Opening the account is the bank's transaction: the service stops and gives it to sign.
        var open = new Uri(payments, "accounts");
        var (status, problem) = await Send(bank, HttpMethod.Post, open, new { party = customer, currency = "USD" });
        Assert.True(status == HttpStatusCode.Conflict, $"{(int)status}: {problem}");
        Assert.Equal("signature-required", problem!["rule"]!.GetValue<string>());
        var toSign = problem["transaction"]!.AsObject();
        Assert.Equal(bankAddress, toSign["from"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);

        // The same request with the bank's signature: opened, by the bank's own transaction.
        var (opened, account) = await SendSigned(bank, open, new { party = customer, currency = "USD" }, Sign(toSign, bankKey));
        Assert.True(opened == HttpStatusCode.Created || opened == HttpStatusCode.OK, $"{(int)opened}: {account}");

        // A deposit: the mint's transaction to sign; signed by another bank's key it is refused and nothing is minted.
        var deposit = new Uri(payments, $"accounts/{customer}/USD/deposits");
        var body = new { amount = 250.00m, reference = "DEP-SELF-1" };
        (status, problem) = await Send(bank, HttpMethod.Post, deposit, body);
        Assert.Equal(HttpStatusCode.Conflict, status);
        var mint = problem!["transaction"]!.AsObject();
        var byAnother = mint.DeepClone().AsObject();
        byAnother["from"] = new TransactionSigner(DevelopmentBankKeys.KeyOf("BNK-VCB"), DevelopmentAccounts.ChainId).Address; // VCB's own file
        var (refused, refusal) = await SendSigned(bank, deposit, body, Sign(byAnother, DevelopmentBankKeys.KeyOf("BNK-VCB")));
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains($"not by {selfSignedBank}'s account {bankAddress}", refusal!["errors"]!["signedTransaction"]![0]!.GetValue<string>());
        var before = await Get(bank, new Uri(payments, $"accounts/{customer}/USD"));
        Assert.Equal(0m, before["chainBalance"]!.GetValue<decimal>());

        // Signed by the bank: minted by exactly that transaction, on the ledger and on chain.
        var signed = Sign(mint, bankKey);
        var (credited, entry) = await SendSigned(bank, deposit, body, signed);
        Assert.True(credited is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)credited}: {entry}");
        var after = await Get(bank, new Uri(payments, $"accounts/{customer}/USD"));
        Assert.Equal(250.00m, after["chainBalance"]!.GetValue<decimal>());
        Assert.Equal(250.00m, after["balance"]!.GetValue<decimal>());
        Assert.Contains(after["entries"]!.AsArray(), e => string.Equals(e!["transactionHash"]!.GetValue<string>(), DecodedTransaction.Decode(signed).Hash, StringComparison.OrdinalIgnoreCase));

        // An oversized header is refused before anything is read.
        (status, _) = await SendSigned(bank, deposit, new { amount = 1m, reference = "DEP-SELF-2" }, new string('f', DecodedTransaction.MaxRawLength + 3));
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    /// <summary>A party that signs its own transactions: its name, its key (only the test, the party, sees it) and its account.</summary>
    internal static (string Party, string Key, string Address) NewSelfSignedParty(string prefix)
    {
        var key = Nethereum.Signer.EthECKey.GenerateKey().GetPrivateKey();
        return ($"{prefix}-{Guid.NewGuid().ToString("N")[..6].ToUpperInvariant()}", key, new TransactionSigner(key, DevelopmentAccounts.ChainId).Address);
    }

    /// <summary>
    /// The system with a bank and its customer that both sign themselves (Parties:SelfSigned: the services know only their
    /// addresses), the bank given the bank role and its own USD token account by the contracts' admin (onboarding).
    /// </summary>
    internal static async Task<(TradeChainSystem System, string Bank, string BankKey, string BankAddress, string Customer, string CustomerKey, string CustomerAddress)>
        StartWithSelfSignedBankAndCustomerAsync(string tag)
    {
        var (bank, bankKey, bankAddress) = NewSelfSignedParty($"BNK-{tag}");
        var (customer, customerKey, customerAddress) = NewSelfSignedParty($"EXP-{tag}");
        var system = await TradeChainSystem.StartAsync(configure: (service, process) =>
        {
            if (service is not ("payments" or "documents")) return;
            process.SetSetting($"Parties:SelfSigned:{bank}", bankAddress);
            process.SetSetting($"Parties:SelfSigned:{customer}", customerAddress);
        });
        await OnboardBankAsync(system, bankAddress, "USD");
        return (system, bank, bankKey, bankAddress, customer, customerKey, customerAddress);
    }

    /// <summary>What onboarding does for a bank on chain: the admin grants it the bank role and opens its own token account.</summary>
    internal static async Task OnboardBankAsync(TradeChainSystem system, string bank, string currency)
    {
        var options = new ChainOptions { RpcUrl = system.Chain.RpcUrl, ChainId = DevelopmentAccounts.ChainId, PrivateKey = DevelopmentAccounts.DeployerKey };
        var admin = new ChainWriter(options, Microsoft.Extensions.Logging.Abstractions.NullLogger<ChainWriter>.Instance);
        var token = system.Chain.Deployment.Settlement[currency].Token;
        await admin.SendAsync(token, new Ledger.Contracts.SettlementToken.GrantRoleFunction { Role = LedgerDeployer.BankRole, Account = bank }, CancellationToken.None);
        await admin.SendAsync(token, new Ledger.Contracts.SettlementToken.OpenAccountForFunction { Account = bank, Bank = bank }, CancellationToken.None);
    }

    internal static string Sign(JsonObject transaction, string key) => SignCommand.Sign(transaction.ToJsonString(), key, TextWriter.Null).Raw;

    internal static async Task<(HttpStatusCode Status, JsonNode? Body)> SendSigned(HttpClient client, Uri uri, object body, string signed)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body) };
        request.Headers.Add(PartySignatures.Header, signed);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text));
    }
}
