using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using TradeChain.Cli;
using TradeChain.Ledger;

namespace TradeChain.UnitTests;

/// <summary>
/// `tradechain onboard`'s option checks (no chain): every problem reported at once, with what is wrong; the admin key
/// never an argument; a party's account never a service's or the admin's. And the Besu allowlist client's reading of a
/// node's answers, against a stand-in node (the integration tests use anvil, which has no permissioning).
/// </summary>
public sealed class OnboardOptionsTests : IDisposable
{
    // Well-formed but arbitrary addresses; the USD token is the committed dev deployment's.
    private const string BankAddress = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
    private const string UsdToken = "0x610178da211fef7d417bc0e6fed39f05609ad788";
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"tradechain-onboard-key-{Guid.NewGuid():N}");

    public OnboardOptionsTests() => File.WriteAllText(_keyFile, DevelopmentAccounts.DeployerKey); // PUBLIC anvil #0

    public void Dispose() => File.Delete(_keyFile);

    private Dictionary<string, string> Valid() => new()
    {
        ["party"] = "BNK-NEW", ["role"] = "bank", ["address"] = BankAddress, ["rpc"] = "https://besu-rpc.example:8545", ["chain-id"] = "31337",
        ["admin-key-file"] = _keyFile, ["tokens"] = $"USD={UsdToken}", ["signer-url"] = "https://signer.bnk-new.example/",
    };

    private static (OnboardRequest? Request, List<string> Problems) Parse(Dictionary<string, string> options)
    {
        var problems = new List<string>();
        return (OnboardCommand.Parse(options, problems), problems);
    }

    [Fact]
    public void Valid_options_give_the_request_with_the_address_checksummed()
    {
        var options = Valid();
        options["address"] = BankAddress.ToLowerInvariant();
        options["allowlist-rpc"] = "http://besu-validator-0:8545, http://besu-validator-1:8545";

        var (request, problems) = Parse(options);

        Assert.Empty(problems);
        Assert.Equal(BankAddress, request!.Address);
        Assert.Equal(UsdToken, request.Tokens["USD"]);
        Assert.Equal(["http://besu-validator-0:8545", "http://besu-validator-1:8545"], request.AllowlistRpcs);
        Assert.Equal(DevelopmentAccounts.DeployerKey, request.AdminKey);
        Assert.DoesNotContain(DevelopmentAccounts.DeployerKey[2..], request.ToString(), StringComparison.OrdinalIgnoreCase); // never printed
    }

    [Theory]
    [InlineData("party", "BNK X", "is not a TradeChain party name")]
    [InlineData("party", "BNK/../X", "is not a TradeChain party name")]
    [InlineData("role", "customs-officer", "--role needs the party's role: bank or trader")]
    [InlineData("address", "0x14dC79964da2C08b23698B3D3cc7Ca32193d995", "is not an account address")]
    [InlineData("address", "0x14dC79964da2C08b23698B3D3cc7Ca32193d9956", "has mixed case but not its EIP-55 checksum")]
    [InlineData("address", "0x0000000000000000000000000000000000000000", "zero address")]
    [InlineData("rpc", "besu-rpc:8545", "is not an http(s) URL")]
    [InlineData("chain-id", "0", "--chain-id needs the chain's id")]
    [InlineData("signer-url", "http://signer.bnk-new.example/", "--signer-url must be https on a network")]
    [InlineData("signer-url", "https://bank:secret@signer.bnk-new.example/", "carries credentials")]
    [InlineData("signer-url", "ftp://signer.bnk-new.example/", "is not an http(s) URL of the party's signer")]
    [InlineData("tokens", "USD:0x610178da211fef7d417bc0e6fed39f05609ad788", "is not CURRENCY=0xTOKEN")]
    [InlineData("allowlist-rpc", "besu-validator-0", "is not an http(s) URL of a Besu node's JSON-RPC")]
    [InlineData("admin-key-file", "/nonexistent/admin-key", "admin key file /nonexistent/admin-key does not exist")]
    [InlineData("signer-token-env", "TRADECHAIN_NO_SUCH_VARIABLE_9F3", "names no variable with a value")]
    public void A_wrong_option_is_refused_saying_what_is_wrong(string option, string value, string problem)
    {
        var options = Valid();
        options[option] = value;

        var (request, problems) = Parse(options);

        Assert.Null(request);
        Assert.Contains(problems, p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void The_signer_check_is_made_unless_declined_and_its_token_comes_from_a_variable()
    {
        var (checks, _) = Parse(Valid());
        Assert.True(checks!.CheckSigner);
        Assert.Null(checks.SignerToken);

        var declined = Valid();
        declined["no-signer-check"] = "true";
        Assert.False(Parse(declined).Request!.CheckSigner);

        Environment.SetEnvironmentVariable("TRADECHAIN_TEST_SIGNER_TOKEN", "party-token");
        var withToken = Valid();
        withToken["signer-token-env"] = "TRADECHAIN_TEST_SIGNER_TOKEN";
        Assert.Equal("party-token", Parse(withToken).Request!.SignerToken);
        Assert.DoesNotContain("party-token", Parse(withToken).Request!.ToString()); // never printed

        withToken["no-signer-check"] = "true";
        var (both, problems) = Parse(withToken);
        Assert.Null(both);
        Assert.Contains(problems, p => p.Contains("give one or the other", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_missing_option_is_named_at_once()
    {
        var (request, problems) = Parse(new Dictionary<string, string> { ["role"] = "bank" });

        Assert.Null(request);
        Assert.Contains(problems, p => p.StartsWith("--party needs", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--address needs", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--rpc needs", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--chain-id needs", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--admin-key-env NAME or --admin-key-file FILE needs", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("a bank is granted its role on the settlement tokens", StringComparison.Ordinal));
    }

    [Fact]
    public void The_admin_key_is_never_an_argument_and_never_shown()
    {
        var options = Valid();
        options.Remove("admin-key-file");
        options["admin-key"] = DevelopmentAccounts.DeployerKey;
        var (_, refused) = Parse(options);
        Assert.Contains(refused, p => p.StartsWith("onboard does not take the key itself", StringComparison.Ordinal));

        File.WriteAllText(_keyFile, "0xnot-a-key-but-should-not-be-echoed");
        var (_, malformed) = Parse(Valid());
        Assert.Contains(malformed, p => p.Contains("the admin key is not 32 bytes of hex (the key is not shown)", StringComparison.Ordinal));
        Assert.DoesNotContain(malformed, p => p.Contains("not-a-key", StringComparison.Ordinal));
    }

    [Fact]
    public void An_http_signer_is_accepted_only_beside_a_local_node()
    {
        var options = Valid();
        options["rpc"] = "http://127.0.0.1:8545";
        options["signer-url"] = "http://127.0.0.1:8546/";
        Assert.Empty(Parse(options).Problems);
    }

    [Fact]
    public void A_trader_needs_no_settlement_tokens()
    {
        var options = Valid();
        options["role"] = "trader";
        options.Remove("tokens");
        Assert.Empty(Parse(options).Problems);
    }

    [Fact]
    public void A_service_account_or_the_admin_account_is_not_a_party_account()
    {
        var deployment = Path.Combine(Path.GetTempPath(), $"tradechain-onboard-deployment-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(deployment, new ChainDeployment(31337, "http://x", "", "", LedgerDeployer.DevelopmentServiceAccounts()).ToJson());
            var options = Valid();
            options.Remove("tokens");
            options["deployment"] = deployment;
            options["role"] = "trader";
            options["address"] = LedgerDeployer.DevelopmentServiceAccounts()["payments"];
            Assert.Contains(Parse(options).Problems, p => p.Contains("is the payments service's own account, not a party's", StringComparison.Ordinal));

            options["address"] = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // anvil #0, the admin key's account
            Assert.Contains(Parse(options).Problems, p => p.Contains("is the admin's own account, not a party's", StringComparison.Ordinal));

            options["address"] = BankAddress;
            options["chain-id"] = "1";
            Assert.Contains(Parse(options).Problems, p => p.Contains("is of chain 31337, not --chain-id 1", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(deployment);
        }
    }

    // ---------- the Besu allowlist client, against a stand-in node ----------

    /// <summary>A node answering JSON-RPC with <paramref name="answer"/>(method, params); records the methods called.</summary>
    private sealed class StandInNode(Func<string, JsonNode?, JsonObject> answer) : HttpMessageHandler
    {
        public List<string> Methods { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!;
            var method = body["method"]!.GetValue<string>();
            Methods.Add(method);
            var reply = answer(method, body["params"]);
            reply["jsonrpc"] = "2.0";
            reply["id"] = body["id"]!.GetValue<int>();
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(reply.ToJsonString(), Encoding.UTF8, "application/json") };
        }
    }

    private static async Task<(AllowlistResult Result, List<string> Methods)> AddAsync(Func<string, JsonNode?, JsonObject> answer)
    {
        var node = new StandInNode(answer);
        using var http = new HttpClient(node);
        return (await new BesuAllowlist(http).AddAsync("http://besu:8545", BankAddress, default), node.Methods);
    }

    private static JsonObject Result(JsonNode? value) => new() { ["result"] = value };

    private static JsonObject Error(int code, string message) => new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    [Fact]
    public async Task An_account_not_listed_is_added_with_its_address_as_Besu_takes_it()
    {
        JsonNode? added = null;
        var (result, methods) = await AddAsync((method, parameters) =>
        {
            if (method == "perm_getAccountsAllowlist") return Result(new JsonArray("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"));
            added = parameters;
            return Result("Success");
        });

        Assert.Equal(AllowlistOutcome.Added, result.Outcome);
        Assert.Equal(["perm_getAccountsAllowlist", "perm_addAccountsToAllowlist"], methods);
        Assert.Equal($"[[\"{BankAddress}\"]]", added!.ToJsonString()); // one parameter: the list of accounts
    }

    [Fact]
    public async Task An_account_listed_already_in_any_case_is_not_added_again()
    {
        var (result, methods) = await AddAsync((_, _) => Result(new JsonArray(BankAddress.ToLowerInvariant())));

        Assert.Equal(AllowlistOutcome.AlreadyListed, result.Outcome);
        Assert.Equal(["perm_getAccountsAllowlist"], methods);
    }

    [Theory]
    [InlineData(-32601, "Method not found")]                       // anvil, geth
    [InlineData(-32604, "Method not enabled")]                     // Besu without PERM in --rpc-http-api
    [InlineData(-32000, "Account allowlist has not been enabled")] // Besu without account permissioning
    public async Task A_node_without_permissioning_is_told_apart_from_a_refusal(int code, string message)
    {
        var (result, methods) = await AddAsync((_, _) => Error(code, message));

        Assert.Equal(AllowlistOutcome.NotBesuWithPermissioning, result.Outcome);
        Assert.Equal(message, result.Detail);
        Assert.Equal(["perm_getAccountsAllowlist"], methods);
    }

    [Fact]
    public async Task A_node_that_cannot_keep_the_change_refuses_with_its_reason()
    {
        var (result, _) = await AddAsync((method, _) => method == "perm_getAccountsAllowlist"
            ? Result(new JsonArray())
            : Error(-32000, "Unable to persist changes to allowlist configuration file"));

        Assert.Equal(AllowlistOutcome.Refused, result.Outcome);
        Assert.Contains("Unable to persist", result.Detail);
    }
}

/// <summary>The operator role reads set-ups only: it sees no other party's records (customs declarations go through MaySee).</summary>
public sealed class OperatorRoleTests
{
    private static System.Security.Claims.ClaimsPrincipal User(string role, string party) =>
        new(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(TradeChain.ServiceDefaults.Auth.Claims.Role, role), new System.Security.Claims.Claim(TradeChain.ServiceDefaults.Auth.Claims.Party, party)],
            "test", TradeChain.ServiceDefaults.Auth.Claims.Subject, TradeChain.ServiceDefaults.Auth.Claims.Role));

    [Theory]
    [InlineData("customs-officer", true)]
    [InlineData("bank", true)]
    [InlineData("exporter", false)]
    [InlineData("operator", false)]
    public void Only_officers_and_banks_see_another_partys_records_and_everyone_sees_its_own(string role, bool seesOthers)
    {
        var user = User(role, "OWN-PARTY");
        Assert.Equal(seesOthers, TradeChain.ServiceDefaults.Auth.CallerExtensions.MaySee(user, "EXP-OTHER"));
        Assert.True(TradeChain.ServiceDefaults.Auth.CallerExtensions.MaySee(user, "OWN-PARTY"));
    }

    [Fact]
    public void The_operator_is_a_role_tokens_may_carry() => Assert.Contains(TradeChain.ServiceDefaults.Auth.Roles.Operator, TradeChain.ServiceDefaults.Auth.Roles.All);
}
