using System.Net;
using System.Text.Json.Nodes;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using TradeChain.Cli;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// The operator's onboarding API on the real system (payments service, anvil, RabbitMQ): the service holds no admin key,
/// so it prepares each missing admin transaction, the admin signs it elsewhere (here with the PUBLIC anvil #0 deployer
/// key, as `tradechain sign` does), and the service checks, sends and records it.
/// </summary>
public sealed class OnboardingApiTests
{
    private static readonly string Admin = new Account(DevelopmentAccounts.DeployerKey).Address;

    private static IEnumerable<JsonObject> Steps(JsonNode onboarding) => onboarding["steps"]!.AsArray().Select(s => s!.AsObject());

    [Fact]
    public async Task The_operator_onboards_a_bank_whose_admin_transactions_are_signed_elsewhere()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        var onboardings = new Uri(payments, "parties/onboardings");
        using var @operator = Client(Roles.Operator, "OPS-TRADECHAIN", "operator");
        using var bank = Client(Roles.Bank, "BNK-VCB");
        const string party = "BNK-ONBOARDED";
        var address = EthECKey.GenerateKey().GetPublicAddress(); // the bank's own key, on its own signer: no service knows it
        var request = new OnboardingBody(party, "bank", address, "https://signer.bnk-onboarded.example/", Admin);

        // Nobody but the operator onboards, or reads an onboarding.
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(bank, HttpMethod.Post, onboardings, request)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(bank, HttpMethod.Get, new Uri(payments, $"parties/onboardings/{party}"))).Status);

        // Bad input: every field named with its rule, at once.
        var (bad, badBody) = await Send(@operator, HttpMethod.Post, onboardings, new
        {
            party = "BNK ACME!", role = "issuer", address = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9956", signerUrl = "ftp://signer.example/",
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        foreach (var field in new[] { "party", "role", "address", "signerUrl" }) Assert.NotNull(badBody!["errors"]![field]);
        Assert.Contains("EIP-55", badBody!["errors"]!["address"]![0]!.GetValue<string>());
        // A service's own account is not a party's (the chain says so: it anchors transitions).
        var (service, serviceBody) = await Send(@operator, HttpMethod.Post, onboardings,
            new { party, role = "bank", address = LedgerDeployer.DevelopmentServiceAccounts()["payments"], admin = Admin });
        Assert.Equal(HttpStatusCode.BadRequest, service);
        Assert.Contains("service's own account", serviceBody!["errors"]!["address"]![0]!.GetValue<string>());

        // The admin named must hold DEFAULT_ADMIN_ROLE on the contracts: the chain is asked before anything is prepared.
        var outsider = new Account(DevelopmentAccounts.OutsiderKey).Address;
        var (notAdmin, notAdminBody) = await Send(@operator, HttpMethod.Post, onboardings, request with { admin = outsider });
        Assert.Equal(HttpStatusCode.BadRequest, notAdmin);
        Assert.Contains("does not hold DEFAULT_ADMIN_ROLE", notAdminBody!["errors"]!["admin"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(@operator, HttpMethod.Get, new Uri(payments, $"parties/onboardings/{party}"))).Status);

        // Prepared: BANK_ROLE and the bank's own account on every currency's token, each for the admin account to sign.
        var (created, preparedBody) = await Send(@operator, HttpMethod.Post, onboardings, request);
        var prepared = preparedBody!;
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal("awaiting-signature", prepared!["status"]!.GetValue<string>());
        Assert.Equal(2 * LedgerDeployer.SettlementCurrencies.Count, Steps(prepared).Count());
        Assert.All(Steps(prepared), s => Assert.Equal("awaiting-signature", s["status"]!.GetValue<string>()));
        Assert.All(Steps(prepared), s => Assert.Equal(Admin, s["transaction"]!["from"]!.GetValue<string>(), ignoreCase: true));
        Assert.Equal("operator", prepared["allowlist"]!["status"]!.GetValue<string>());
        Assert.Contains("permissions_config.toml", prepared["allowlist"]!["detail"]!.GetValue<string>());
        var configuration = prepared["configuration"]!.AsArray().Select(l => l!.GetValue<string>()).ToList();
        Assert.Contains($"Parties__Signers__{party}__Url=https://signer.bnk-onboarded.example/", configuration);
        Assert.Contains($"Parties__Signers__{party}__Address={address}", configuration, StringComparer.OrdinalIgnoreCase);

        // A step's transaction signed by another account is refused before anything is sent.
        var submit = new Uri(payments, $"parties/onboardings/{party}/transactions");
        var first = Steps(prepared).First()["transaction"]!.AsObject();
        var (unsigned, _, _) = SignCommand.Parse(first.ToJsonString());
        var byOutsider = new TransactionSigner(DevelopmentAccounts.OutsiderKey, unsigned.ChainId).Sign(unsigned.Nonce, unsigned.MaxPriorityFeePerGas,
            unsigned.MaxFeePerGas, unsigned.GasLimit, unsigned.To, unsigned.Value, unsigned.Data);
        var (refused, refusal) = await Send(@operator, HttpMethod.Post, submit, new { signedTransaction = byOutsider.Raw });
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Equal("signed-transaction", refusal!["rule"]!.GetValue<string>());
        Assert.Contains($"not by the admin account {Admin}", refusal["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);

        // A transaction the chain mines but the contract refuses (here: signed with too little gas) is reported failed with
        // the reason; asked for again, the step is prepared again.
        var starved = new TransactionSigner(DevelopmentAccounts.DeployerKey, unsigned.ChainId).Sign(unsigned.Nonce, unsigned.MaxPriorityFeePerGas,
            unsigned.MaxFeePerGas, 25_000, unsigned.To, unsigned.Value, unsigned.Data);
        var (reverted, revertedBody) = await Send(@operator, HttpMethod.Post, submit, new { signedTransaction = starved.Raw });
        Assert.Equal(HttpStatusCode.Conflict, reverted);
        Assert.Equal("transaction-reverted", revertedBody!["rule"]!.GetValue<string>());
        Assert.Contains("refused by the contract", revertedBody["detail"]!.GetValue<string>());
        Assert.Equal("failed", Steps(revertedBody["onboarding"]!).First()["status"]!.GetValue<string>());
        var (again0, reprepared) = await Send(@operator, HttpMethod.Post, onboardings, request);
        Assert.Equal(HttpStatusCode.OK, again0);
        Assert.All(Steps(reprepared!), s => Assert.Equal("awaiting-signature", s["status"]!.GetValue<string>()));
        Assert.NotEqual(unsigned.Nonce.ToString(), SignCommand.Parse(Steps(reprepared!).First()["transaction"]!.ToJsonString()).Transaction.Nonce.ToString());
        prepared = reprepared!;

        // The admin signs every awaiting step (consecutive nonces) and the operator submits them in order — the last one
        // sent by the admin's wallet itself (a wallet that signs only by sending) and handed in by its hash.
        var signedSteps = Steps(prepared).Select(s => PartySigningTests.Sign(s["transaction"]!.AsObject(), DevelopmentAccounts.DeployerKey)).ToList();
        JsonNode? last = null;
        foreach (var signed in signedSteps.SkipLast(1))
        {
            var (status, body) = await Send(@operator, HttpMethod.Post, submit, new { signedTransaction = signed });
            Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        }
        var (unknown, unknownProblem) = await Send(@operator, HttpMethod.Post, submit, new { sentTransaction = "0x" + new string('a', 64) });
        Assert.True(unknown == HttpStatusCode.BadRequest, unknownProblem?.ToJsonString());
        Assert.Equal(PartySignatureException.UnknownRule, unknownProblem!["rule"]!.GetValue<string>());
        var sentByWallet = await new Web3(system.Chain.RpcUrl).Eth.Transactions.SendRawTransaction.SendRequestAsync(signedSteps[^1]);
        for (var asked = 0; ; asked++)
        {
            var (status, body) = await Send(@operator, HttpMethod.Post, submit, new { sentTransaction = sentByWallet });
            if (status == HttpStatusCode.Accepted && asked < 30) { await Task.Delay(500); continue; } // being mined
            Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
            last = body;
            break;
        }
        Assert.Equal(sentByWallet, Steps(last!).Last()["transactionHash"]!.GetValue<string>(), ignoreCase: true);
        Assert.Equal("done", last!["status"]!.GetValue<string>());
        Assert.All(Steps(last), s => Assert.NotNull(s["transactionHash"]));

        // The same transaction again: no problem, nothing sent twice.
        var (again, againBody) = await Send(@operator, HttpMethod.Post, submit, new { signedTransaction = signedSteps[0] });
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal("done", againBody!["status"]!.GetValue<string>());

        // The chain shows the bank: its role and its own token account on every currency.
        var web3 = new Web3(system.Chain.RpcUrl);
        foreach (var (currency, contracts) in system.Chain.Deployment.Settlement)
        {
            Assert.True(await LedgerDeployer.HasRoleAsync(web3, contracts.Token, LedgerDeployer.BankRole, address), currency);
            Assert.Equal(address, await LedgerDeployer.ServicingBankAsync(web3, contracts.Token, address), ignoreCase: true);
        }
        var read = await Get(@operator, new Uri(payments, $"parties/onboardings/{party}"));
        Assert.Equal("done", read["status"]!.GetValue<string>());

        // Onboarded already: asking again reports nothing to do, as does a bank the deployment onboarded.
        var (repeat, repeated) = await Send(@operator, HttpMethod.Post, onboardings, request);
        Assert.Equal(HttpStatusCode.OK, repeat);
        Assert.Equal("done", repeated!["status"]!.GetValue<string>());
        var (known, knownBody) = await Send(@operator, HttpMethod.Post, onboardings,
            new { party = "BNK-VCB", role = "bank", address = DevelopmentBankSigners.AddressOf("BNK-VCB"), admin = Admin });
        Assert.Equal(HttpStatusCode.Created, known);
        Assert.Equal("done", knownBody!["status"]!.GetValue<string>());
        Assert.Contains("Nothing to do on chain", knownBody["detail"]!.GetValue<string>());
        Assert.All(Steps(knownBody), s => Assert.Null(s["transaction"]));

        // A trader has nothing on chain to onboard: its bank opens its token account when it first settles.
        var (trader, traderBody) = await Send(@operator, HttpMethod.Post, onboardings,
            new { party = "EXP-ONBOARDED", role = "trader", address = EthECKey.GenerateKey().GetPublicAddress(), signerUrl = "https://signer.exp-onboarded.example/" });
        Assert.Equal(HttpStatusCode.Created, trader);
        Assert.Equal("done", traderBody!["status"]!.GetValue<string>());
        Assert.Empty(Steps(traderBody));
        Assert.Contains("Nothing to do on chain for a trader", traderBody["detail"]!.GetValue<string>());
        // A trader's onboarding has no transaction to take: a sent one handed in is refused in words (was a 500: no step to compare with).
        var (noStep, noStepProblem) = await Send(@operator, HttpMethod.Post, new Uri(payments, "parties/onboardings/EXP-ONBOARDED/transactions"), new { sentTransaction = sentByWallet });
        Assert.True(noStep == HttpStatusCode.BadRequest, noStepProblem?.ToJsonString());

        // One party, one account, one name: another party with the bank's address, the bank's name in other case, a
        // signer URL carrying a token — each refused naming its field.
        var (shared, sharedProblem) = await Send(@operator, HttpMethod.Post, onboardings,
            new { party = "EXP-COPYCAT", role = "trader", address, signerUrl = "https://signer.copycat.example/" });
        Assert.True(shared == HttpStatusCode.BadRequest, sharedProblem?.ToJsonString());
        Assert.Contains(party, sharedProblem!["errors"]!["address"]![0]!.GetValue<string>());
        var (cased, casedProblem) = await Send(@operator, HttpMethod.Post, onboardings,
            new { party = party.ToLowerInvariant(), role = "trader", address = EthECKey.GenerateKey().GetPublicAddress(), signerUrl = "https://signer.lower.example/" });
        Assert.True(cased == HttpStatusCode.BadRequest, casedProblem?.ToJsonString());
        Assert.NotNull(casedProblem!["errors"]!["party"]);
        var (token, tokenProblem) = await Send(@operator, HttpMethod.Post, onboardings,
            new { party = "EXP-TOKEN", role = "trader", address = EthECKey.GenerateKey().GetPublicAddress(), signerUrl = "https://signer.token.example/?token=secret" });
        Assert.True(token == HttpStatusCode.BadRequest, tokenProblem?.ToJsonString());
        Assert.NotNull(tokenProblem!["errors"]!["signerUrl"]);
    }

    private sealed record OnboardingBody(string party, string role, string address, string signerUrl, string admin);
}
