using System.Text.Json;
using System.Text.Json.Nodes;
using Nethereum.Util;
using TradeChain.Ledger;
using TradeChain.Domain.Hashing;

namespace TradeChain.Console.Services.Verify;

/// <summary>One check or step of a verification, with its verdict ("valid", "invalid", "skipped", "error") and its reason in words.</summary>
public sealed record VerificationStep(string Name, string Title, string Status, string Reason, string? Detail = null);

/// <summary>Where the chain says a root was anchored.</summary>
public sealed record ChainAnchoring(string Contract, long BlockNumber, string? TransactionHash, string Submitter, int TransitionCount);

/// <summary>The verdict on one transition proof: valid only when every step is.</summary>
public sealed record ProofVerdict(bool Valid, string Summary, IReadOnlyList<VerificationStep> Steps, ChainAnchoring? Anchoring)
{
    public VerificationStep Step(string name) => Steps.Single(s => s.Name == name);
}

/// <summary>
/// Checks a transition proof the way an outsider would, trusting none of the services: rebuilds the leaf from the
/// transition's own fields (README "Verifying without us"), folds the Merkle proof, and asks the TransitionAnchor
/// contract over JSON-RPC whether that root is anchored. The JSON's own claims (its leaf, root, block, transaction) are
/// compared, never believed.
/// </summary>
public sealed class TransitionProofChecker(TransitionAnchorClient anchor, ChainOptions chain)
{
    public const string Fields = "fields";
    public const string Leaf = "leaf";
    public const string Proof = "proof";
    public const string Chain = "chain";

    /// <summary>The largest proof text accepted (a transition with a 256-leaf proof is about 2 kB).</summary>
    public const int MaxLength = 20_000;

    /// <summary>The leaf's fields in the order of the canonical array, after its version tag.</summary>
    private static readonly string[] LeafFieldNames =
        ["service", "aggregateType", "aggregateId", "sequence", "fromState", "toState", "actor", "reason", "responseCode", "occurredAtUnixMs"];

    /// <summary>The TransitionAnchor contract this verifier asks (Chain:TransitionAnchorAddress).</summary>
    public string Contract => anchor.ContractAddress;

    public async Task<ProofVerdict> CheckAsync(string text, CancellationToken ct = default)
    {
        var steps = new List<VerificationStep>();
        if (text.Length > MaxLength)
            return Fail(steps, new VerificationStep(Fields, "Read the transition", CheckStatus.Invalid, $"the text is {text.Length} characters; a transition proof is at most {MaxLength}"));
        JsonObject? json;
        try { json = JsonNode.Parse(text) as JsonObject; }
        catch (JsonException e) { return Fail(steps, new VerificationStep(Fields, "Read the transition", CheckStatus.Invalid, $"not JSON: {e.Message}")); }
        if (json is null) return Fail(steps, new VerificationStep(Fields, "Read the transition", CheckStatus.Invalid, "not a JSON object: paste one transition as the history API gives it"));

        var (leafData, missing) = ReadLeaf(json);
        if (leafData is null)
            return Fail(steps, new VerificationStep(Fields, "Read the transition", CheckStatus.Invalid, $"missing or of the wrong type: {string.Join(", ", missing)}"));
        var anchorJson = json["anchor"] as JsonObject;
        if (anchorJson?["status"]?.ToString() == "pending")
            return Fail(steps, new VerificationStep(Fields, "Read the transition", CheckStatus.Skipped,
                $"transition {leafData.Sequence} of {leafData.AggregateType} {leafData.AggregateId} is pending anchoring: there is no proof on chain yet — check it again once it is anchored"));
        var proof = ReadHashes(anchorJson?["proof"]);
        var claimedRoot = anchorJson?["root"]?.ToString();
        if (proof is null || !Hex.IsHash32(claimedRoot))
            return Fail(steps, new VerificationStep(Fields, "Read the transition", CheckStatus.Invalid,
                "anchor.root must be a 0x-prefixed 32-byte hash and anchor.proof a list of them"));
        steps.Add(new VerificationStep(Fields, "Read the transition", CheckStatus.Valid,
            $"{leafData.Service} {leafData.AggregateType} {leafData.AggregateId}, transition {leafData.Sequence}: {leafData.FromState} → {leafData.ToState} by {leafData.Actor}, with a proof of {proof.Count} sibling(s)"));

        var canonical = leafData.CanonicalJson();
        var leaf = leafData.Hash();
        steps.Add(LeafStep(json, canonical, leaf));

        var folded = MerkleTree.ComputeRoot(leaf, proof);
        var foldedHex = Hex.Encode(folded);
        steps.Add(string.Equals(foldedHex, claimedRoot, StringComparison.OrdinalIgnoreCase)
            ? new VerificationStep(Proof, "Fold the Merkle proof", CheckStatus.Valid, $"folding the leaf with the proof's {proof.Count} sibling(s) (sorted-pair keccak256) gives the claimed root {foldedHex}")
            : new VerificationStep(Proof, "Fold the Merkle proof", CheckStatus.Invalid,
                $"folding the recomputed leaf with the proof gives {foldedHex}, not the claimed root {claimedRoot}: this transition is not the one that was anchored"));

        ChainAnchoring? anchoring = null;
        VerificationStep chainStep;
        try
        {
            (chainStep, anchoring) = await ChainStepAsync(folded, claimedRoot!, anchorJson!);
        }
        catch (Exception e) when (e is HttpRequestException or Nethereum.JsonRpc.Client.RpcClientUnknownException or Nethereum.JsonRpc.Client.RpcClientTimeoutException
                                      or TaskCanceledException)
        {
            chainStep = new VerificationStep(Chain, "Ask the chain", CheckStatus.Error, $"the chain at {chain.RpcUrl} could not be reached: {e.Message}");
        }
        steps.Add(chainStep);
        return Verdict(steps, anchoring);
    }

    private static VerificationStep LeafStep(JsonObject json, string canonical, byte[] leaf)
    {
        var leafHex = Hex.Encode(leaf);
        var claimed = json["leaf"]?.ToString();
        if (claimed is null)
            return new VerificationStep(Leaf, "Recompute the leaf", CheckStatus.Valid, $"keccak256 of the canonical array is {leafHex} (the JSON states no leaf to compare with)", canonical);
        if (string.Equals(claimed, leafHex, StringComparison.OrdinalIgnoreCase))
            return new VerificationStep(Leaf, "Recompute the leaf", CheckStatus.Valid, $"keccak256 of the canonical array is {leafHex}, the leaf the proof was made for", canonical);
        return new VerificationStep(Leaf, "Recompute the leaf", CheckStatus.Invalid,
            $"the fields hash to {leafHex}, not to the leaf {claimed} the proof was made for{ChangedFields(json, canonical, claimed)}", canonical);
    }

    /// <summary>
    /// Which fields differ from the data the anchored leaf was made of — told only when the JSON's canonicalLeafData
    /// really hashes to its claimed leaf, so the explanation rests on a hash, not on the JSON's word.
    /// </summary>
    private static string ChangedFields(JsonObject json, string canonical, string claimedLeaf)
    {
        if (json["canonicalLeafData"]?.ToString() is not { } anchoredText
            || !string.Equals(Hex.Encode(Sha3Keccack.Current.CalculateHash(System.Text.Encoding.UTF8.GetBytes(anchoredText))), claimedLeaf, StringComparison.OrdinalIgnoreCase))
            return ": a field was changed after it was anchored";
        var anchored = JsonNode.Parse(anchoredText)!.AsArray();
        var given = JsonNode.Parse(canonical)!.AsArray();
        var changes = LeafFieldNames.Select((name, i) => (name, was: anchored[i + 1]?.ToJsonString(AsWritten) ?? "null", now: given[i + 1]?.ToJsonString(AsWritten) ?? "null"))
            .Where(f => f.was != f.now).Select(f => $"{f.name} is {f.now} here but was anchored as {f.was}").ToList();
        return changes.Count == 0 ? ": a field was changed after it was anchored" : $" — {string.Join("; ", changes)}";
    }

    private async Task<(VerificationStep, ChainAnchoring?)> ChainStepAsync(byte[] folded, string claimedRoot, JsonObject anchorJson)
    {
        const string title = "Ask the chain";
        var contract = anchor.ContractAddress;
        var claimedContract = anchorJson["contract"]?.ToString();
        var elsewhere = claimedContract is { Length: > 0 } && !string.Equals(claimedContract, contract, StringComparison.OrdinalIgnoreCase)
            ? $" (the proof names contract {claimedContract}; this verifier asks TradeChain's TransitionAnchor {contract})"
            : "";
        var record = await anchor.GetAsync(folded);
        if (record is null)
        {
            var why = $"TransitionAnchor {contract} records no root {Hex.Encode(folded)}{elsewhere}";
            var claimed = Hex.Decode(claimedRoot);
            if (!claimed.AsSpan().SequenceEqual(folded) && await anchor.GetAsync(claimed) is { } other)
                why += $"; the claimed root {claimedRoot} is anchored (block {other.BlockNumber}), but this transition's fields do not lead to it";
            return (new VerificationStep(Chain, title, CheckStatus.Invalid, why), null);
        }
        var transaction = await anchor.TransactionOfAsync(folded, record);
        var anchoring = new ChainAnchoring(contract, record.BlockNumber, transaction, record.Submitter, record.TransitionCount);
        var notes = new List<string>();
        if (anchorJson["blockNumber"]?.GetValueKind() == JsonValueKind.Number && anchorJson["blockNumber"]!.GetValue<long>() != record.BlockNumber)
            notes.Add($"the proof claims block {anchorJson["blockNumber"]}, the chain says {record.BlockNumber}");
        if (anchorJson["transactionHash"]?.ToString() is { Length: > 0 } claimedTx && transaction is not null && !string.Equals(claimedTx, transaction, StringComparison.OrdinalIgnoreCase))
            notes.Add($"the proof claims transaction {claimedTx}, the chain says {transaction}");
        var reason = $"anchorOf({Hex.Encode(folded)}) on TransitionAnchor {contract}: anchored in block {record.BlockNumber}, transaction {transaction ?? "(not found in that block)"}, " +
                     $"by {record.Submitter}, in a batch of {record.TransitionCount} transition(s){elsewhere}";
        return notes.Count == 0
            ? (new VerificationStep(Chain, title, CheckStatus.Valid, reason), anchoring)
            : (new VerificationStep(Chain, title, CheckStatus.Invalid, $"{reason}; but {string.Join("; ", notes)}"), anchoring);
    }

    /// <summary>Values as a person wrote them (quotes and accents not escaped), for naming what changed.</summary>
    private static readonly JsonSerializerOptions AsWritten = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static (TransitionLeaf?, IReadOnlyList<string> Missing) ReadLeaf(JsonObject json)
    {
        var missing = new List<string>();
        string? Text(string name, bool nullable = false)
        {
            var node = json[name];
            if (node is null && nullable) return null; // as JSON.stringify writes an absent value in an array: null
            if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String) return v.GetValue<string>();
            missing.Add(name);
            return null;
        }
        long? Number(string name)
        {
            if (json[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n)) return n;
            missing.Add(name);
            return null;
        }
        var service = Text("service");
        var aggregateType = Text("aggregateType");
        var aggregateId = Text("aggregateId");
        var sequence = Number("sequence");
        var from = Text("fromState");
        var to = Text("toState");
        var actor = Text("actor");
        var reason = Text("reason");
        var responseCode = Text("responseCode", nullable: true);
        var at = Number("occurredAtUnixMs");
        if (missing.Count > 0) return (null, missing);
        return (new TransitionLeaf(service!, aggregateType!, aggregateId!, (int)sequence!.Value, from!, to!, actor!, reason!, responseCode, at!.Value), missing);
    }

    private static List<byte[]>? ReadHashes(JsonNode? node)
    {
        if (node is not JsonArray array) return null;
        var hashes = new List<byte[]>();
        foreach (var item in array)
        {
            if (item?.ToString() is not { } hex || !Hex.IsHash32(hex)) return null;
            hashes.Add(Hex.Decode(hex));
        }
        return hashes;
    }

    private static ProofVerdict Fail(List<VerificationStep> steps, VerificationStep step)
    {
        steps.Add(step);
        return Verdict(steps, null);
    }

    private static ProofVerdict Verdict(IReadOnlyList<VerificationStep> steps, ChainAnchoring? anchoring)
    {
        var failed = steps.FirstOrDefault(s => s.Status != CheckStatus.Valid);
        var valid = failed is null && steps.Count == 4;
        var summary = valid
            ? $"verified against the chain: anchored in block {anchoring!.BlockNumber}, transaction {anchoring.TransactionHash}"
            : failed!.Status == CheckStatus.Skipped ? $"not checked: {failed.Reason}" : $"does not verify: {failed.Reason}";
        return new ProofVerdict(valid, summary, steps, anchoring);
    }
}

/// <summary>The verdicts a check or step may have (the same words as the documents service's checks).</summary>
public static class CheckStatus
{
    public const string Valid = "valid";
    public const string Invalid = "invalid";
    public const string Skipped = "skipped";
    public const string Error = "error";
}
