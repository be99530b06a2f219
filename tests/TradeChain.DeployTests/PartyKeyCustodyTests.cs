using System.Text.Json;
using System.Text.RegularExpressions;

namespace TradeChain.DeployTests;

/// <summary>
/// Issue 16's "done when": a search of the production configuration and the services finds no party key. Each party's
/// key is the party's own, behind its own signer; the services get only where that signer is (Parties:Signers). The
/// validator's party-key check covers the rendered overlays; this covers every file they and the services are built from.
/// </summary>
public sealed partial class PartyKeyCustodyTests
{
    /// <summary>A party key given to a service, as configuration spells it: an environment variable or a configuration path.</summary>
    [GeneratedRegex(@"Parties(__|:)(Keys(__|:)|DeriveDevelopmentKeys)")]
    private static partial Regex PartyKeySetting();

    [Fact]
    public void No_file_of_the_deployment_gives_a_service_a_party_key()
    {
        // deploy/validate holds the validator and its broken fixtures (one gives a party key on purpose); README.md is prose.
        var files = Directory.EnumerateFiles(Repo.PathOf("deploy"), "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(Repo.PathOf("deploy", "validate"), StringComparison.Ordinal) && !f.EndsWith(".md", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(files, f => f.EndsWith(Path.Combine("services", "config.yaml"), StringComparison.Ordinal)); // the search really ran
        var found = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(Repo.Root, f), Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith('#')) // a comment may say what not to do
            .Where(l => PartyKeySetting().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(found.Count == 0, "party keys in the deployment:\n" + string.Join('\n', found));
    }

    [Fact]
    public void Only_the_services_development_settings_sign_for_parties_themselves()
    {
        var settings = Directory.EnumerateFiles(Repo.PathOf("services"), "appsettings*.json", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(settings, f => f.EndsWith(Path.Combine("TradeChain.Payments", "appsettings.json"), StringComparison.Ordinal));
        foreach (var file in settings)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!json.RootElement.TryGetProperty("Parties", out var parties)) continue;
            var development = Path.GetFileName(file) == "appsettings.Development.json";
            var keys = parties.TryGetProperty("Keys", out var k) && k.ValueKind == JsonValueKind.Object && k.EnumerateObject().Any();
            var derived = parties.TryGetProperty("DeriveDevelopmentKeys", out var d) && d.ValueKind == JsonValueKind.True;
            Assert.False(keys, $"{Path.GetRelativePath(Repo.Root, file)} gives the service parties' keys (Parties:Keys): never committed");
            Assert.False(derived && !development,
                $"{Path.GetRelativePath(Repo.Root, file)} signs for parties with the PUBLIC derived keys outside appsettings.Development.json");
        }
    }
}
