using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace TradeChain.Ledger;

/// <summary>What became of an account on one node's allowlist.</summary>
public enum AllowlistOutcome
{
    /// <summary>The node added it (perm_addAccountsToAllowlist answered "Success").</summary>
    Added,

    /// <summary>It was on the node's allowlist already: nothing sent.</summary>
    AlreadyListed,

    /// <summary>
    /// The node has no permissioning JSON-RPC: not Besu (anvil, geth), or Besu without the PERM API enabled
    /// (--rpc-http-api), or without account permissioning.
    /// </summary>
    NotBesuWithPermissioning,

    /// <summary>The node answered with an error (e.g. its permissions file is read-only and the change could not be kept).</summary>
    Refused,
}

/// <summary>One node's answer: the outcome and, for the last two, the node's own words.</summary>
public sealed record AllowlistResult(string Node, AllowlistOutcome Outcome, string? Detail = null);

/// <summary>
/// Besu's local account permissioning over JSON-RPC (the PERM API): only accounts on a node's allowlist may send it
/// transactions, so a party's account is added as the party is onboarded. Each node keeps its own list (in its
/// permissions_config.toml, which Besu rewrites on a change), so the change is made on every node that takes
/// transactions; a node whose permissions file is read-only — a Kubernetes ConfigMap — refuses it and the address goes
/// into that file instead (deploy/README.md, "Onboarding a party").
/// </summary>
public sealed class BesuAllowlist(HttpClient http)
{
    // JSON-RPC "method not found" (anvil, geth, Besu without the method) and Besu's "method not enabled" (PERM not in --rpc-http-api).
    private static readonly HashSet<long> NoSuchMethod = [-32601, -32604];

    // Besu with the PERM API but without account permissioning: -32000 "Account allowlist has not been enabled".
    private static readonly System.Text.RegularExpressions.Regex NotEnabled =
        new("not (been )?enabled", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Adds <paramref name="account"/> to the allowlist of the node at <paramref name="rpcUrl"/> unless it is listed already.</summary>
    public async Task<AllowlistResult> AddAsync(string rpcUrl, string account, CancellationToken cancellationToken)
    {
        var listed = await CallAsync(rpcUrl, "perm_getAccountsAllowlist", new JsonArray(), cancellationToken);
        if (listed.Error is { } listError)
            return NoSuchMethod.Contains(listError.Code) || NotEnabled.IsMatch(listError.Message)
                ? new AllowlistResult(rpcUrl, AllowlistOutcome.NotBesuWithPermissioning, listError.Message)
                : new AllowlistResult(rpcUrl, AllowlistOutcome.Refused, listError.Message);
        if (listed.Result is JsonArray accounts
            && accounts.Any(a => string.Equals(a?.GetValue<string>(), account, StringComparison.OrdinalIgnoreCase)))
            return new AllowlistResult(rpcUrl, AllowlistOutcome.AlreadyListed);

        var added = await CallAsync(rpcUrl, "perm_addAccountsToAllowlist", new JsonArray(new JsonArray(account)), cancellationToken);
        if (added.Error is { } addError) return new AllowlistResult(rpcUrl, AllowlistOutcome.Refused, addError.Message);
        return added.Result?.GetValue<string>() == "Success"
            ? new AllowlistResult(rpcUrl, AllowlistOutcome.Added)
            : new AllowlistResult(rpcUrl, AllowlistOutcome.Refused, $"unexpected answer {added.Result?.ToJsonString() ?? "null"}");
    }

    private sealed record RpcError(long Code, string Message);

    private sealed record RpcAnswer(JsonNode? Result, RpcError? Error);

    private async Task<RpcAnswer> CallAsync(string rpcUrl, string method, JsonArray parameters, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = parameters };
        using var response = await http.PostAsJsonAsync(rpcUrl, request, cancellationToken);
        // Besu answers an unknown or disabled method with HTTP 200 and a JSON-RPC error; some nodes use 4xx with the same body.
        JsonObject? answer;
        try
        {
            answer = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            answer = null;
        }
        if (answer is null)
            return new RpcAnswer(null, new RpcError(0, $"HTTP {(int)response.StatusCode} without a JSON-RPC answer"));
        if (answer["error"] is JsonObject error)
            return new RpcAnswer(null, new RpcError(error["code"]?.GetValue<long>() ?? 0, error["message"]?.ToString() ?? error.ToJsonString()));
        return new RpcAnswer(answer["result"], null);
    }
}
