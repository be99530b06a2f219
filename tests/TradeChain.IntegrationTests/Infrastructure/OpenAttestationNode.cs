using System.Diagnostics;
using System.Text.Json.Nodes;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests.Infrastructure;

/// <summary>Runs tests/interop/oa.mjs: the public npm OpenAttestation and TradeTrust libraries, not TradeChain's code.</summary>
public static class OpenAttestationNode
{
    public static async Task<JsonNode> RunAsync(string command, JsonNode input)
    {
        var dir = Path.Combine(TestEnvironment.RepoRoot, "tests", "interop");
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "@tradetrust-tt", "tt-verify")) || !Directory.Exists(Path.Combine(dir, "node_modules", "@govtechsg", "oa-verify")))
            throw new InvalidOperationException("tests/interop/node_modules is incomplete: run scripts/test.sh (it runs npm ci there).");
        using var process = Process.Start(new ProcessStartInfo("node", ["oa.mjs", command])
        {
            WorkingDirectory = dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.StandardInput.WriteAsync(input.ToJsonString());
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"node oa.mjs {command} failed: {await error}");
        return JsonNode.Parse(await output)!;
    }

    /// <summary>
    /// The hash and status verifiers of @tradetrust-tt/tt-verify (valid, fragments) and @govtechsg/oa-verify (oaVerify)
    /// against <paramref name="rpc"/>; for a transferable record also its owner as TradeTrust reads it and whether that
    /// is TradeTrust's burn address (surrendered).
    /// </summary>
    public static async Task<JsonObject> StatusAsync(string rpc, JsonObject wrapped) =>
        (await RunAsync("status", new JsonObject { ["rpc"] = rpc, ["document"] = wrapped.DeepClone() })).AsObject();

    /// <summary>@govtechsg/open-attestation's verifySignature (integrity) of one document.</summary>
    public static async Task<bool> SignatureValidAsync(JsonObject wrapped) =>
        (await RunAsync("verify", new JsonArray(wrapped.DeepClone())))[0]!["valid"]!.GetValue<bool>();
}
