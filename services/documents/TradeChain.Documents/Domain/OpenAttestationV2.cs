using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TradeChain.Domain;
using TradeChain.Domain.Hashing;

namespace TradeChain.Documents.Domain;

/// <summary>Fields of a presented document that differ from the original: changed, added, and missing (not hidden).</summary>
public sealed record FieldComparison(IReadOnlyList<string> Changed, IReadOnlyList<string> Added, IReadOnlyList<string> Removed)
{
    public bool Any => Changed.Count + Added.Count + Removed.Count > 0;
}

/// <summary>The integrity verdict on an OpenAttestation v2 document.</summary>
public sealed record IntegrityCheck(bool Valid, string Reason, string ComputedTargetHash);

/// <summary>
/// OpenAttestation v2 wrapping, byte-compatible with npm @govtechsg/open-attestation 6.x: every primitive value salted
/// as "uuid:type:value", the data flattened to dotted paths, each path/value pair hashed as
/// keccak256(JSON.stringify({path: value})), those hashes (with any obfuscated ones) sorted and hashed into the
/// document's targetHash; a batch's target hashes, sorted, form a Merkle tree of sorted pairs whose root is what the
/// document store issues. Each document carries its proof ("SHA3MerkleProof").
/// </summary>
public static class OpenAttestationV2
{
    public const string SchemaVersion = "https://schema.openattestation.com/2.0/schema.json";
    public const string ProofType = "SHA3MerkleProof";

    /// <summary>Wraps a batch: salts each document's data, computes its targetHash, and gives every document the batch's root and its proof.</summary>
    public static IReadOnlyList<JsonObject> WrapBatch(IReadOnlyList<JsonObject> documents, Func<Guid>? salt = null)
    {
        if (documents.Count == 0) throw new ArgumentException("A batch needs at least one document.", nameof(documents));
        var salted = documents.Select(d => SaltData(d, salt)).ToList();
        var targets = salted.Select(d => TargetHash(d, [])).ToList();
        var (root, proofs) = BuildTree(targets);
        return salted.Select((data, i) => WrapOwned(data, targets[i], proofs[i], root)).ToList();
    }

    /// <summary>Salts every primitive value of <paramref name="data"/> as "uuid:type:value".</summary>
    public static JsonObject SaltData(JsonObject data, Func<Guid>? salt = null) => (JsonObject)Salt(data, salt ?? RandomSalt.Next);

    /// <summary>
    /// The Merkle tree of a batch's target hashes (sorted, as OpenAttestation builds it): its root and, in the order of
    /// <paramref name="targetHashes"/>, each one's proof. One target hash is its own root with an empty proof.
    /// </summary>
    public static (string Root, IReadOnlyList<IReadOnlyList<string>> Proofs) BuildTree(IReadOnlyList<string> targetHashes)
    {
        if (targetHashes.Count == 0) throw new ArgumentException("A batch needs at least one document.", nameof(targetHashes));
        var leaves = targetHashes.Select(Convert.FromHexString).OrderBy(h => h, ByteOrder.Instance).ToList();
        var tree = new MerkleTree(leaves);
        var index = leaves.Select((l, i) => (Hex: Convert.ToHexStringLower(l), i)).GroupBy(x => x.Hex).ToDictionary(g => g.Key, g => g.First().i);
        var proofs = targetHashes.Select(t => (IReadOnlyList<string>)tree.ProofFor(index[t.ToLowerInvariant()]).Select(Convert.ToHexStringLower).ToList()).ToList();
        return (Convert.ToHexStringLower(tree.Root), proofs);
    }

    /// <summary>The wrapped document: version, salted data and its SHA3MerkleProof signature.</summary>
    public static JsonObject Wrap(JsonObject saltedData, string targetHash, IReadOnlyList<string> proof, string merkleRoot) =>
        WrapOwned((JsonObject)saltedData.DeepClone(), targetHash, proof, merkleRoot);

    /// <summary>As <see cref="Wrap"/>, taking <paramref name="saltedData"/> itself (made for this document, so not copied).</summary>
    private static JsonObject WrapOwned(JsonObject saltedData, string targetHash, IReadOnlyList<string> proof, string merkleRoot) => new()
    {
        ["version"] = SchemaVersion,
        ["data"] = saltedData,
        ["signature"] = new JsonObject
        {
            ["type"] = ProofType,
            ["targetHash"] = targetHash,
            ["proof"] = new JsonArray(proof.Select(p => (JsonNode)p).ToArray()),
            ["merkleRoot"] = merkleRoot,
        },
    };

    /// <summary>
    /// Which fields of <paramref name="presented"/> differ from <paramref name="original"/> (both salted data): changed
    /// values, fields added, and fields missing that were not hidden (hidden ones have their hash in <paramref name="obfuscated"/>).
    /// </summary>
    public static FieldComparison CompareFields(JsonObject original, JsonObject presented, IReadOnlyCollection<string> obfuscated)
    {
        var before = Flatten(original);
        var after = Flatten(presented);
        var hidden = obfuscated.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var changed = after.Keys.Where(k => before.ContainsKey(k) && LeafHash(k, before[k]) != LeafHash(k, after[k])).Order(StringComparer.Ordinal).ToList();
        var added = after.Keys.Where(k => !before.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var removed = before.Keys.Where(k => !after.ContainsKey(k) && !hidden.Contains(LeafHash(k, before[k]))).Order(StringComparer.Ordinal).ToList();
        return new FieldComparison(changed, added, removed);
    }

    /// <summary>The data with every salt removed ("uuid:number:5" → 5), as OpenAttestation's getData shows it.</summary>
    public static JsonNode? Unsalt(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Unsalt(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Unsalt).ToArray()),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => UnsaltValue(v.GetValue<string>()),
        _ => node?.DeepClone(),
    };

    private static JsonNode? UnsaltValue(string salted)
    {
        var parts = salted.Split(':', 3);
        if (parts.Length < 3 || parts[0].Length != 36) return JsonValue.Create(salted);
        return parts[1] switch
        {
            "string" => JsonValue.Create(parts[2]),
            "number" => double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? JsonValue.Create(n) : JsonValue.Create(parts[2]),
            "boolean" => JsonValue.Create(parts[2] == "true"),
            "null" => null,
            _ => JsonValue.Create(parts[2]),
        };
    }

    /// <summary>Checks a wrapped document's integrity: its data (and obfuscated hashes) give its targetHash, and its proof leads to its merkleRoot.</summary>
    public static IntegrityCheck VerifyIntegrity(JsonObject wrapped)
    {
        if (wrapped["data"] is not JsonObject data) return new IntegrityCheck(false, "no data object", "");
        if (wrapped["signature"] is not JsonObject signature || signature["type"]?.GetValue<string>() != ProofType)
            return new IntegrityCheck(false, $"signature.type is not {ProofType}", "");
        var obfuscated = (wrapped["privacy"]?["obfuscatedData"] as JsonArray)?.Select(h => h?.ToString() ?? "").ToList() ?? [];
        var computed = TargetHash(data, obfuscated);
        var targetHash = signature["targetHash"]?.GetValue<string>() ?? "";
        if (computed != targetHash)
            return new IntegrityCheck(false, $"tampered: the data hashes to {computed}, but the document claims targetHash {targetHash}", computed);
        var folded = MerkleTree.ComputeRoot(Convert.FromHexString(targetHash),
            (signature["proof"] as JsonArray ?? []).Select(p => Convert.FromHexString(p!.GetValue<string>())));
        var root = signature["merkleRoot"]?.GetValue<string>() ?? "";
        return Convert.ToHexStringLower(folded) == root
            ? new IntegrityCheck(true, "the data matches its targetHash and the proof leads to its merkleRoot", computed)
            : new IntegrityCheck(false, $"the proof does not lead from targetHash {targetHash} to merkleRoot {root}", computed);
    }

    /// <summary>Hides the fields at <paramref name="paths"/> (dotted, as flattened) and moves their hashes to privacy.obfuscatedData: the copy still verifies.</summary>
    public static JsonObject Obfuscate(JsonObject wrapped, IEnumerable<string> paths)
    {
        var copy = (JsonObject)wrapped.DeepClone();
        var data = (JsonObject)copy["data"]!;
        var hidden = new List<string>();
        foreach (var path in paths)
        {
            // Flattened again for each path: a path inside one already hidden is gone, not hidden twice.
            var flat = Flatten(data);
            var matches = flat.Keys.Where(k => k == path || k.StartsWith(path + ".", StringComparison.Ordinal)).ToList();
            if (matches.Count == 0) throw new ArgumentException($"No field {path} in the document.", nameof(paths));
            hidden.AddRange(matches.Select(k => LeafHash(k, flat[k])));
            Remove(data, path.Split('.'));
        }
        var existing = (copy["privacy"]?["obfuscatedData"] as JsonArray)?.Select(h => h!.GetValue<string>()) ?? [];
        copy["privacy"] = new JsonObject { ["obfuscatedData"] = new JsonArray(existing.Concat(hidden).Select(h => (JsonNode)h).ToArray()) };
        return copy;
    }

    /// <summary>keccak256(JSON.stringify(sorted leaf hashes and <paramref name="obfuscatedHashes"/>)), hex without 0x.</summary>
    public static string TargetHash(JsonObject data, IEnumerable<string> obfuscatedHashes)
    {
        var hashes = new List<string>();
        if (!LeafHashes(data, new PathText(), hashes)) hashes = Flatten(data).Select(p => LeafHash(p.Key, p.Value)).ToList();
        hashes.AddRange(obfuscatedHashes);
        hashes.Sort(StringComparer.Ordinal);
        var text = KeccakText.Rent().Append('[');
        for (var i = 0; i < hashes.Count; i++)
        {
            if (i > 0) text.Append(',');
            text.AppendJsString(hashes[i]);
        }
        return text.Append(']').HashHex();
    }

    /// <summary>keccak256(JSON.stringify({path: value})), hex without 0x.</summary>
    public static string LeafHash(string path, JsonNode? value) => HashLeaf(KeccakText.Rent().Append('{').AppendJsString(path), value);

    /// <summary>Ends a leaf's text — <c>{"path"</c> so far — with its value, and hashes it.</summary>
    private static string HashLeaf(KeccakText text, JsonNode? value)
    {
        text.Append(':');
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String) text.AppendJsString(v.GetValue<string>());
        else text.Append(JsStringify(value));
        return text.Append('}').HashHex();
    }

    /// <summary>
    /// The leaf hashes of <paramref name="node"/> as <see cref="Flatten"/> then <see cref="LeafHash"/> give them, without
    /// building the flattened paths as strings: the path is kept escaped in <paramref name="path"/> (escaping a dotted path
    /// is escaping each of its keys). False when a key is empty: two leaves may then share a path, which only
    /// <see cref="Flatten"/> resolves (the later one wins), so the caller flattens instead.
    /// </summary>
    private static bool LeafHashes(JsonNode? node, PathText path, List<string> hashes)
    {
        switch (node)
        {
            case JsonObject o when o.Count > 0:
                foreach (var (key, child) in o)
                {
                    if (key.Contains('.')) throw new ArgumentException($"Key names must not contain '.': {key}");
                    if (key.Length == 0) return false;
                    var mark = path.Length;
                    path.AppendSegment(key, escape: true);
                    if (!LeafHashes(child, path, hashes)) return false;
                    path.Length = mark;
                }
                return true;
            case JsonArray a when a.Count > 0:
                for (var i = 0; i < a.Count; i++)
                {
                    var mark = path.Length;
                    path.AppendSegment(i.ToString(CultureInfo.InvariantCulture), escape: false);
                    if (!LeafHashes(a[i], path, hashes)) return false;
                    path.Length = mark;
                }
                return true;
            default:
                hashes.Add(HashLeaf(KeccakText.Rent().Append('{').Append('"').Append(path.Chars).Append('"'), node));
                return true;
        }
    }

    /// <summary>A dotted path being walked, its keys JSON-escaped.</summary>
    private sealed class PathText
    {
        private char[] _chars = new char[128];

        public int Length { get; set; }

        public ReadOnlySpan<char> Chars => _chars.AsSpan(0, Length);

        public void AppendSegment(string segment, bool escape)
        {
            var text = escape && JsJson.NeedsEscaping(segment) ? JsJson.String(segment)[1..^1] : segment;
            var needed = Length + 1 + text.Length;
            if (needed > _chars.Length) Array.Resize(ref _chars, Math.Max(needed, _chars.Length * 2));
            if (Length > 0) _chars[Length++] = '.';
            text.CopyTo(_chars.AsSpan(Length));
            Length += text.Length;
        }
    }

    /// <summary>Flattens like npm flatley: dotted keys, array indices as keys, empty objects and arrays kept as values.</summary>
    public static Dictionary<string, JsonNode?> Flatten(JsonNode? node)
    {
        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        void Walk(JsonNode? n, string prefix)
        {
            switch (n)
            {
                case JsonObject o when o.Count > 0:
                    foreach (var (key, child) in o)
                    {
                        if (key.Contains('.')) throw new ArgumentException($"Key names must not contain '.': {key}");
                        Walk(child, prefix.Length == 0 ? key : $"{prefix}.{key}");
                    }
                    break;
                case JsonArray a when a.Count > 0:
                    for (var i = 0; i < a.Count; i++) Walk(a[i], prefix.Length == 0 ? i.ToString(CultureInfo.InvariantCulture) : $"{prefix}.{i}");
                    break;
                default:
                    result[prefix] = n;
                    break;
            }
        }
        Walk(node, "");
        return result;
    }

    internal static JsonNode Salt(JsonNode? node, Func<Guid> salt) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Salt(p.Value, salt)))),
        JsonArray a => new JsonArray(a.Select(v => (JsonNode?)Salt(v, salt)).ToArray()),
        _ => JsonValue.Create(string.Concat(salt().ToString(), ":", TypedString(node))),
    };

    /// <summary>
    /// Random version-4 UUIDs as <see cref="Guid.NewGuid"/> makes them (122 random bits, version and variant set), drawn
    /// from the cryptographic generator 256 at a time instead of one system call each: a salt is what keeps a hidden
    /// field's value from being guessed from its hash.
    /// </summary>
    private static class RandomSalt
    {
        private const int PerRefill = 256;

        [ThreadStatic] private static byte[]? t_random;
        [ThreadStatic] private static int t_used;

        public static Guid Next()
        {
            var random = t_random ??= new byte[16 * PerRefill];
            if (t_used == 0) System.Security.Cryptography.RandomNumberGenerator.Fill(random);
            var bytes = random.AsSpan(16 * t_used, 16);
            t_used = (t_used + 1) % PerRefill;
            bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 (the high nibble of the third group, stored little-endian)
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // variant 10xx (RFC 4122)
            var guid = new Guid(bytes);
            bytes.Clear(); // a salt used is not kept
            return guid;
        }
    }

    private static string TypedString(JsonNode? value)
    {
        if (value is null) return "null:null";
        return value.GetValueKind() switch
        {
            JsonValueKind.String => "string:" + value.GetValue<string>(),
            JsonValueKind.Number => "number:" + JsNumber(double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture)),
            JsonValueKind.True => "boolean:true",
            JsonValueKind.False => "boolean:false",
            _ => "null:null",
        };
    }

    /// <summary>A number as JavaScript's String(number) writes it (integers below 1e21 without exponent, others shortest round-trip).</summary>
    private static string JsNumber(double d)
    {
        return d == Math.Floor(d) && Math.Abs(d) < 1e21 ? ((decimal)d).ToString(CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture);
    }

    private static string JsStringify(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject o => o.Count == 0 ? "{}" : throw new InvalidOperationException("only empty objects remain after flattening"),
        JsonArray a => a.Count == 0 ? "[]" : throw new InvalidOperationException("only empty arrays remain after flattening"),
        _ => value.GetValueKind() == JsonValueKind.String ? JsJson.String(value.GetValue<string>()) : value.ToJsonString(),
    };

    private static void Remove(JsonNode node, string[] path)
    {
        for (var i = 0; i < path.Length - 1; i++)
            node = node is JsonArray a ? a[int.Parse(path[i], CultureInfo.InvariantCulture)]! : node[path[i]]!;
        if (node is JsonObject o) o.Remove(path[^1]);
        else throw new ArgumentException("Hiding single array elements is not supported; hide the whole array.");
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
