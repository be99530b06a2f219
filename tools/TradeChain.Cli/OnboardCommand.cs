using Nethereum.Util;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Cli;

/// <summary>What `tradechain onboard` was asked to do, its options checked (<see cref="OnboardCommand.Parse"/>).</summary>
public sealed record OnboardRequest(
    string Party,
    string Role,
    string Address,
    Uri? SignerUrl,
    string Rpc,
    long ChainId,
    string AdminKey,
    IReadOnlyDictionary<string, string> Tokens,
    IReadOnlyDictionary<string, string> ServiceAccounts,
    IReadOnlyList<string> AllowlistRpcs,
    string? SignerToken = null,
    bool CheckSigner = true)
{
    /// <summary>Without the admin key: a record prints every member, and this one may end up in a log or an exception.</summary>
    public override string ToString() =>
        $"{nameof(OnboardRequest)} {{ Party = {Party}, Role = {Role}, Address = {Address}, SignerUrl = {SignerUrl}, Rpc = {Rpc}, ChainId = {ChainId} }}";
}

/// <summary>
/// `tradechain onboard`: registers a party's own account — the address its remote signer signs as — on the network. A
/// bank gets BANK_ROLE on every currency's settlement token and its own token account (as the deployment does for the
/// development banks); any party's address goes on the account allowlist of the Besu nodes named by --allowlist-rpc.
/// Idempotent: what is in place already is reported and not sent again. It ends with the configuration the payments
/// and documents services need to reach the party's signer — they never get the party's key (deploy/README.md, "Who
/// holds which key"). The admin key is read from --admin-key-env or --admin-key-file, never given itself.
/// </summary>
public static class OnboardCommand
{
    public const string Bank = OnboardingPlan.Bank;
    public const string Trader = OnboardingPlan.Trader;

    /// <summary>Exit code when everything asked was done except what the output lists (allowlist not updated, a bank's account elsewhere).</summary>
    public const int Incomplete = 3;

    /// <summary>
    /// The request the options describe, or null with every problem in <paramref name="problems"/> (all of them at once,
    /// so an operator fixes a command line in one go). Reads the admin key and the deployment file; sends nothing.
    /// </summary>
    public static OnboardRequest? Parse(IReadOnlyDictionary<string, string> options, List<string> problems)
    {
        if (options.ContainsKey("admin-key"))
            problems.Add("onboard does not take the key itself (it would stay in the shell history and the process list): " +
                         "use --admin-key-env NAME or --admin-key-file FILE");

        var party = options.GetValueOrDefault("party");
        if (party is null) problems.Add("--party needs the party's name (e.g. BNK-ACME)");
        else if (!PartyNames.IsWellFormed(party)) problems.Add($"--party {Shown(party)} is not a TradeChain party name: {PartyNames.Rule}");

        var role = options.GetValueOrDefault("role");
        if (role is null || !OnboardingPlan.Roles.Contains(role)) problems.Add($"--role needs the party's role: {string.Join(" or ", OnboardingPlan.Roles)}");

        var address = options.GetValueOrDefault("address");
        if (address is null) problems.Add("--address needs the party's account address (the account its signer signs as)");
        else if (OnboardingPlan.AddressProblem(address) is { } addressProblem) problems.Add($"--address {Shown(address)} {addressProblem}");

        var rpc = options.GetValueOrDefault("rpc");
        Uri? rpcUrl = null;
        if (rpc is null) problems.Add("--rpc needs the JSON-RPC URL of a node of the network");
        else if (!Uri.TryCreate(rpc, UriKind.Absolute, out rpcUrl) || rpcUrl.Scheme is not ("http" or "https"))
            problems.Add($"--rpc {Shown(rpc)} is not an http(s) URL");

        long chainId = 0;
        if (!options.TryGetValue("chain-id", out var chain) || !long.TryParse(chain, out chainId) || chainId <= 0)
            problems.Add("--chain-id needs the chain's id (a positive number)");

        Uri? signerUrl = null;
        // http only when --rpc is a local node: a development chain.
        if (options.TryGetValue("signer-url", out var signer) && OnboardingPlan.SignerUrlProblem(signer, rpcUrl?.IsLoopback ?? false, out signerUrl) is { } signerProblem)
            problems.Add($"--signer-url {signerProblem}");

        // The check that the signer holds the address needs what the services present to it: a bearer token (from a
        // variable, never an argument). A signer that wants a client certificate is checked by the services instead.
        string? signerToken = null;
        if (options.TryGetValue("signer-token-env", out var tokenVariable))
        {
            signerToken = Environment.GetEnvironmentVariable(tokenVariable);
            if (string.IsNullOrWhiteSpace(signerToken)) problems.Add($"--signer-token-env {Shown(tokenVariable)} names no variable with a value (the party's bearer token for its signer)");
        }
        var checkSigner = !options.ContainsKey("no-signer-check");
        if (!checkSigner && signerToken is not null) problems.Add("--no-signer-check and --signer-token-env: the token is only for the check; give one or the other");

        var adminKey = DeployCommand.ReadKey(options, "admin", problems);

        // The settlement tokens: from a deployment file (the deploy command's --out, or the overlay's deployment.json) or as given.
        var tokens = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        IReadOnlyDictionary<string, string> services = new Dictionary<string, string>();
        var hasDeployment = options.TryGetValue("deployment", out var deploymentPath);
        var hasTokens = options.TryGetValue("tokens", out var tokenList);
        if (hasDeployment && hasTokens) problems.Add("give the settlement tokens once: --deployment FILE or --tokens USD=0x…,VND=0x…");
        else if (hasDeployment)
        {
            ChainDeployment? deployment = null;
            try
            {
                deployment = ChainDeployment.Load(deploymentPath!);
                if (deployment is null) problems.Add($"deployment file {deploymentPath} does not exist");
            }
            catch (System.Text.Json.JsonException e)
            {
                problems.Add($"deployment file {deploymentPath} is not a deployment (JSON: {e.Message})");
            }
            if (deployment is not null)
            {
                foreach (var (currency, contracts) in deployment.Settlement) tokens[currency] = contracts.Token;
                services = deployment.ServiceAccounts;
                if (chainId > 0 && deployment.ChainId != chainId)
                    problems.Add($"deployment file {deploymentPath} is of chain {deployment.ChainId}, not --chain-id {chainId}");
            }
        }
        else if (hasTokens)
        {
            foreach (var entry in tokenList!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = entry.Split('=', 2, StringSplitOptions.TrimEntries);
                if (parts.Length != 2 || parts[0].Length != 3 || !parts[0].All(char.IsAsciiLetterUpper) || !AddressUtil.Current.IsValidEthereumAddressHexFormat(parts[1]))
                    problems.Add($"--tokens: {Shown(entry)} is not CURRENCY=0xTOKEN (an ISO 4217 code and the token's address)");
                else tokens[parts[0]] = parts[1];
            }
        }
        if (role == Bank && !hasDeployment && !hasTokens)
            problems.Add("a bank is granted its role on the settlement tokens: name them with --deployment FILE or --tokens USD=0x…,VND=0x…");
        else if (role == Bank && (hasDeployment || hasTokens) && tokens.Count == 0 && problems.Count == 0)
            problems.Add("no settlement token found: a bank needs at least one");

        var allowlist = new List<string>();
        if (options.TryGetValue("allowlist-rpc", out var allowlistRpcs))
            foreach (var node in allowlistRpcs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Uri.TryCreate(node, UriKind.Absolute, out var nodeUrl) && nodeUrl.Scheme is "http" or "https") allowlist.Add(node);
                else problems.Add($"--allowlist-rpc {Shown(node)} is not an http(s) URL of a Besu node's JSON-RPC");
            }

        if (address is not null && AddressUtil.Current.IsValidEthereumAddressHexFormat(address))
        {
            // A party's account is its own: the services' accounts and the admin's carry other roles, and a service
            // signing as a party is exactly what onboarding a party's signer is meant to end.
            foreach (var (service, account) in services.Where(s => string.Equals(s.Value, address, StringComparison.OrdinalIgnoreCase)))
                problems.Add($"--address {address} is the {service} service's own account, not a party's");
            if (adminKey is not null && chainId > 0 && string.Equals(new Account(adminKey, chainId).Address, address, StringComparison.OrdinalIgnoreCase))
                problems.Add($"--address {address} is the admin's own account, not a party's");
        }

        if (problems.Count > 0) return null;
        return new OnboardRequest(party!, role!, AddressUtil.Current.ConvertToChecksumAddress(address!), signerUrl, rpc!, chainId, adminKey!,
            tokens, services, allowlist, signerToken, checkSigner);
    }

    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options, TextWriter output, TextWriter error)
    {
        var problems = new List<string>();
        var request = Parse(options, problems);
        if (request is null)
        {
            await error.WriteLineAsync("onboard needs --party NAME --role bank|trader --address 0x… --rpc URL --chain-id N, --admin-key-env NAME or " +
                                       "--admin-key-file FILE and, for a bank, --deployment FILE or --tokens USD=0x…; optionally --signer-url URL " +
                                       "and --allowlist-rpc URL[,URL…]:");
            foreach (var problem in problems) await error.WriteLineAsync("  " + problem);
            return 2;
        }
        if (!await DeployCommand.NodeRunsChainAsync(request.Rpc, request.ChainId, error)) return 1;

        var web3 = new Web3(new Account(request.AdminKey, request.ChainId), request.Rpc);
        var admin = web3.TransactionManager.Account.Address;
        await output.WriteLineAsync($"onboarding {request.Role} {request.Party}, account {request.Address}, on chain {request.ChainId} as admin {admin}");
        var incomplete = new List<string>();

        if (request.Role == Bank)
        {
            // Every check before the first transaction: a wrong deployment file or admin key sends nothing at all.
            foreach (var (currency, token) in request.Tokens.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                if (!await LedgerDeployer.HasCodeAsync(web3, token))
                {
                    await error.WriteLineAsync($"no contract at {token} (the {currency} settlement token) on this chain: is the deployment file of this network?");
                    return 1;
                }
                if (!await LedgerDeployer.HasRoleAsync(web3, token, LedgerDeployer.AdminRole, admin))
                {
                    await error.WriteLineAsync($"the admin key's account {admin} does not hold DEFAULT_ADMIN_ROLE on the {currency} settlement token {token}: " +
                                               "onboard with the key that deployed the contracts");
                    return 1;
                }
            }
            foreach (var (currency, token) in request.Tokens.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                // OnboardingPlan — the operator API's plan — says first whether the steps cannot be done as asked (then nothing is
                // sent: no role for an address that is another bank's customer); what is missing is sent, what is in place is not
                // (LedgerDeployer.MakeBankAsync).
                var blocked = (await OnboardingPlan.BankStepsAsync(web3, currency, token, request.Address)).FirstOrDefault(s => s.Blocked is not null);
                if (blocked is not null)
                {
                    incomplete.Add(blocked.Blocked!);
                    await output.WriteLineAsync(blocked.Blocked);
                    continue;
                }
                var sent = await LedgerDeployer.MakeBankAsync(web3, currency, token, request.Address, output);
                if (sent.Count == 0)
                    await output.WriteLineAsync($"{currency}: {request.Address} already holds BANK_ROLE on {token} and its own token account: nothing sent");
            }
        }
        else
        {
            await output.WriteLineAsync("trader: no role to grant on chain — its bank opens its token account when it first settles " +
                                        "(the trader mandates the bank, the bank opens the account), and title steps are checked against the holder");
        }

        if (request.AllowlistRpcs.Count == 0)
            await output.WriteLineAsync("allowlist: no --allowlist-rpc given: add the account to every node's account allowlist yourself " +
                                        "(deploy/README.md, \"Onboarding a party\"), or the network refuses its transactions");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var allowlist = new BesuAllowlist(http);
        foreach (var node in request.AllowlistRpcs)
        {
            AllowlistResult result;
            try
            {
                result = await allowlist.AddAsync(node, request.Address, CancellationToken.None);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                result = new AllowlistResult(node, AllowlistOutcome.Refused, $"does not answer: {e.Message}");
            }
            var line = result.Outcome switch
            {
                AllowlistOutcome.Added => $"allowlist: added {request.Address} to the account allowlist of {node}",
                AllowlistOutcome.AlreadyListed => $"allowlist: {request.Address} is on the account allowlist of {node} already: nothing sent",
                AllowlistOutcome.NotBesuWithPermissioning =>
                    $"allowlist: {node} is not a Besu node with permissioning ({result.Detail}): the account allowlist was NOT updated there — " +
                    "enable the PERM API and account permissioning on it, or add the address to its permissions_config.toml",
                _ => $"allowlist: {node} refused to add {request.Address}: {result.Detail}" +
                     (result.Detail?.Contains("persist", StringComparison.OrdinalIgnoreCase) == true
                         ? " — its permissions file is read-only (in Kubernetes, the besu-permissions ConfigMap): add the address to accounts-allowlist there and roll the nodes"
                         : ""),
            };
            await output.WriteLineAsync(line);
            if (result.Outcome is AllowlistOutcome.NotBesuWithPermissioning or AllowlistOutcome.Refused) incomplete.Add(line);
        }

        if (request.SignerUrl is not null && request.CheckSigner && await CheckSignerAsync(request) is { } signerProblem)
        {
            await output.WriteLineAsync(signerProblem);
            incomplete.Add(signerProblem);
        }
        else if (request.SignerUrl is not null && request.CheckSigner)
            await output.WriteLineAsync($"signer: {request.SignerUrl} signs as {request.Address} (checked with a transaction no chain can mine: nonce 2^40, no fee; nothing sent)");

        await WriteConfigurationAsync(request, output);
        if (incomplete.Count == 0)
        {
            await output.WriteLineAsync($"onboarded {request.Party}.");
            return 0;
        }
        await output.WriteLineAsync($"onboarding of {request.Party} INCOMPLETE: {incomplete.Count} step(s) above not done.");
        return Incomplete;
    }

    /// <summary>The nonce of the check's transaction: no account reaches it, so the signed transaction can never be mined.</summary>
    public static readonly System.Numerics.BigInteger SignerCheckNonce = System.Numerics.BigInteger.Pow(2, 40);

    /// <summary>
    /// Asks the party's signer to sign, as the party's address, a transaction that cannot be mined (a nonce no account
    /// reaches, no fee, nothing sent to the chain) and checks the signature is that address's: a mistyped address or a
    /// signer holding another account is found now, not at the party's first step. Null when it signed as the address.
    /// </summary>
    private static async Task<string?> CheckSignerAsync(OnboardRequest request)
    {
        using var signer = new RemoteSigner(new RemoteSignerOptions { Url = request.SignerUrl!.ToString(), Address = request.Address, BearerToken = request.SignerToken });
        try
        {
            await signer.SignAsync(new UnsignedTransaction(request.ChainId, SignerCheckNonce, 0, 0, 21_000, request.Address, 0, "0x"), CancellationToken.None);
            return null;
        }
        catch (RemoteSignerException e)
        {
            return $"signer: {request.SignerUrl} did not sign as {request.Address}: {e.Message} — check the address with the party, and give " +
                   "--signer-token-env NAME if its signer wants a bearer token (or --no-signer-check if it admits only the services' client certificate)";
        }
    }

    /// <summary>The settings the payments and documents services need to have this party sign through its own signer.</summary>
    private static async Task WriteConfigurationAsync(OnboardRequest request, TextWriter output)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync($"Configuration of the payments and documents services for {request.Party} (tradechain-config, or a patch on both Deployments):");
        foreach (var line in OnboardingPlan.ConfigurationLines(request.Party, request.Address, request.SignerUrl)) await output.WriteLineAsync("  " + line);
        await output.WriteLineAsync(OnboardingPlan.SecretsNote(request.Party));
    }

    /// <summary>A user's value in a message, cut short and without control characters.</summary>
    private static string Shown(string value) =>
        "'" + new string(value.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray()) + (value.Length > 80 ? "…" : "") + "'";
}
