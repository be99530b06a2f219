using System.Text.Json.Nodes;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Cli;

/// <summary>
/// `tradechain verify FILE`: sends a wrapped OpenAttestation document to the documents service's verifier and prints
/// each check — integrity, issuance, revocation, issuer identity — with its reason. Exit code 0 when the document is
/// valid, 3 when it is not.
/// </summary>
public static class VerifyCommand
{
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options, string? file, TextWriter output)
    {
        if (file is null || !File.Exists(file)) throw new ArgumentException($"verify needs the path of a wrapped document (.tt / .json); '{file}' does not exist");
        JsonObject wrapped;
        try
        {
            wrapped = JsonNode.Parse(await File.ReadAllTextAsync(file)) as JsonObject ?? throw new ArgumentException($"{file} does not hold a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgumentException($"{file} is not JSON: {e.Message}");
        }
        var documents = new Uri(options.GetValueOrDefault("documents", "http://127.0.0.1:5102"));
        var auth = new AuthOptions { SigningKey = options.GetValueOrDefault("key", DevelopmentTokens.DevelopmentSigningKey) };
        using var client = TradeChainHttp.Client(auth, options.GetValueOrDefault("role", Roles.Bank), options.GetValueOrDefault("party", "VERIFIER"),
            options.GetValueOrDefault("subject", "cli"));
        var report = await TradeChainHttp.PostAsync(client, new Uri(documents, "/documents/verify"), wrapped);
        if (options.ContainsKey("json"))
        {
            await output.WriteLineAsync(report.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            var valid = report["valid"]!.GetValue<bool>();
            await output.WriteLineAsync($"{file}: {(valid ? "VALID" : "INVALID")}  (targetHash {report["targetHash"]}, merkleRoot {report["merkleRoot"]})");
            foreach (var check in report["checks"]!.AsArray())
                await output.WriteLineAsync($"  {check!["name"],-15} {check["status"]!.GetValue<string>().ToUpperInvariant(),-8} {check["reason"]}");
        }
        return report["valid"]!.GetValue<bool>() ? 0 : 3;
    }
}
