using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Nethereum.Util;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Ledger;
using TradeChain.Domain.Hashing;

namespace TradeChain.Documents.Verification;

public static class CheckStatus
{
    public const string Valid = "valid";
    public const string Invalid = "invalid";
    public const string Skipped = "skipped";
    public const string Error = "error";
}

/// <summary>
/// Who asks. A signed-in party learns what TradeChain's copy says about a tampered document (the fields changed, added
/// or removed against the original). The public — anyone holding a file — learns only what the file itself shows: the
/// fields it presents that are not as issued, and a revocation's reason only for a document whose integrity holds, so
/// nobody can learn another document's fields or revocation notice by presenting a made-up file that names its hash.
/// </summary>
public enum VerificationAudience { Party, Public }

/// <summary>One check of a verification, with its own precise reason.</summary>
public sealed record VerificationCheck(string Name, string Status, string Reason, JsonObject? Details = null);

/// <summary>The verdict on a wrapped document: valid only when every check is valid (or skipped because it does not apply).</summary>
public sealed record VerificationReport(bool Valid, string Summary, string? TargetHash, string? MerkleRoot, IReadOnlyList<VerificationCheck> Checks)
{
    public VerificationCheck Check(string name) => Checks.Single(c => c.Name == name);
}

/// <summary>
/// Verifies an OpenAttestation v2 document the way the public verifiers do, check by check — integrity, issuance,
/// revocation, issuer identity — against the chain itself, and says precisely why a check fails: which fields were
/// tampered with, which root was never issued, in which transaction, when and why a document was revoked. The API,
/// the CLI (through the API) and the verification responders (Consumers/DocumentVerificationResponders.cs) all use this one verifier, so their verdicts agree.
/// <para>
/// TradeChain's own document store is read from this service's chain index (<see cref="DocumentStoreEvents"/>): at most
/// one read of the chain's head per verification however long the proof, shared by the documents of one request (and
/// any reader whose moment came before it began: <see cref="ChainIndex.FinalBlockAsync(long, CancellationToken)"/>), and the verdict names the transaction and block
/// of the issuance or revocation it relies on. Should the index not reach the head in time, the chain is read instead,
/// hash by hash, as for any other store: those (another issuer's store, at most <see cref="MaxIssuers"/> with at most
/// <see cref="MaxProofLength"/> proof hashes each) are not indexed here, so they cost chain reads.
/// </para>
/// </summary>
public sealed class DocumentVerifier(DocumentsDbContext db, DocumentStoreClient stores, DocumentStoreEvents storeEvents, TitleRegistryClient titles, TitleEvents titleEvents,
    IssuerRegistry issuers, ChainOptions chain, ILogger<DocumentVerifier> logger)
{
    public const string Integrity = "integrity";
    public const string Issuance = "issuance";
    public const string Revocation = "revocation";
    public const string IssuerIdentity = "issuerIdentity";

    /// <summary>The most issuers a document may name: each costs chain calls (OpenAttestation documents name one).</summary>
    public const int MaxIssuers = 3;

    /// <summary>The longest proof read: 32 levels is a batch of four billion documents.</summary>
    public const int MaxProofLength = 32;

    /// <param name="headReadNotBefore">
    /// For TradeChain's own store: the chain's head may be from a read begun at or after this moment (a
    /// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> value), so several documents verified together share one
    /// read; null: a read begun at or after this call.
    /// </param>
    public async Task<VerificationReport> VerifyAsync(JsonObject wrapped, CancellationToken cancellationToken,
        VerificationAudience audience = VerificationAudience.Party, long? headReadNotBefore = null)
    {
        var shape = ShapeProblem(wrapped);
        if (shape is not null)
        {
            return Report(null, null, [
                new VerificationCheck(Integrity, CheckStatus.Invalid, $"not an OpenAttestation v2 wrapped document: {shape}"),
                Skip(Issuance, "the document could not be read"), Skip(Revocation, "the document could not be read"), Skip(IssuerIdentity, "the document could not be read"),
            ]);
        }
        var signature = wrapped["signature"]!.AsObject();
        var targetHash = signature["targetHash"]!.GetValue<string>().ToLowerInvariant();
        var merkleRoot = signature["merkleRoot"]!.GetValue<string>().ToLowerInvariant();
        var proof = signature["proof"]!.AsArray().Select(p => p!.GetValue<string>().ToLowerInvariant()).ToList();
        var data = wrapped["data"]!.AsObject();

        var integrity = await IntegrityAsync(wrapped, targetHash, audience, cancellationToken);
        // The data is salted ("uuid:string:0x…"): read the issuers as OpenAttestation's getData does.
        var plain = OpenAttestationV2.Unsalt(data) as JsonObject ?? [];
        var issuerList = (plain["issuers"] as JsonArray)?.Select(i => i as JsonObject).ToList() ?? [];
        var declared = issuerList.Select(Declared).ToList();
        if (issuerList.Count is 0 or > MaxIssuers || declared.Any(d => d is null))
        {
            var why = issuerList.Count == 0 ? "data.issuers is missing or empty"
                : issuerList.Count > MaxIssuers ? $"data.issuers names {issuerList.Count} issuers; at most {MaxIssuers} are checked"
                : "an issuer names no documentStore, certificateStore or tokenRegistry";
            return Report(targetHash, merkleRoot, [integrity, new VerificationCheck(Issuance, CheckStatus.Invalid, why), Skip(Revocation, why), new VerificationCheck(IssuerIdentity, CheckStatus.Invalid, why)]);
        }

        VerificationCheck issuance, revocation;
        var contracts = declared.Select(d => d!.Value).ToList();
        var intact = integrity.Status == CheckStatus.Valid;
        // The proof of a document whose integrity failed leads nowhere, so only the hashes it claims (its targetHash and
        // root) are looked up.
        var hashes = RevocableHashes(targetHash, intact ? proof : [], merkleRoot);
        try
        {
            var own = contracts.Any(c => c.Kind != "tokenRegistry" && storeEvents.Indexes(c.Address)) ? await OwnStoreAsync(hashes, headReadNotBefore, cancellationToken) : null;
            issuance = await IssuanceAsync(contracts, merkleRoot, own, cancellationToken);
            // A root never issued has nothing to revoke.
            revocation = issuance.Status != CheckStatus.Valid
                ? Skip(Revocation, "the merkleRoot is not issued, so nothing of it can be revoked")
                : await RevocationAsync(contracts, targetHash, hashes, merkleRoot, own, audience == VerificationAudience.Party || intact, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or Nethereum.JsonRpc.Client.RpcClientUnknownException or Nethereum.JsonRpc.Client.RpcClientTimeoutException)
        {
            var why = $"the chain at {chain.RpcUrl} could not be reached, so the status could not be checked: {e.Message}";
            issuance = new VerificationCheck(Issuance, CheckStatus.Error, why);
            revocation = new VerificationCheck(Revocation, CheckStatus.Error, why);
        }
        var identity = Identity(issuerList!, contracts);
        return Report(targetHash, merkleRoot, [integrity, issuance, revocation, identity]);
    }

    private async Task<VerificationCheck> IntegrityAsync(JsonObject wrapped, string targetHash, VerificationAudience audience, CancellationToken cancellationToken)
    {
        IntegrityCheck result;
        try
        {
            result = OpenAttestationV2.VerifyIntegrity(wrapped);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return new VerificationCheck(Integrity, CheckStatus.Invalid, $"the data cannot be hashed: {e.Message}");
        }
        if (result.Valid) return new VerificationCheck(Integrity, CheckStatus.Valid, result.Reason);

        var details = new JsonObject { ["computedTargetHash"] = result.ComputedTargetHash, ["claimedTargetHash"] = targetHash };
        if (result.ComputedTargetHash != targetHash)
        {
            var original = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Hash == "0x" + targetHash, cancellationToken);
            if (audience == VerificationAudience.Public) return PublicTampering(wrapped, original?.Data, targetHash, result.ComputedTargetHash, details);
            if (original is null)
                return new VerificationCheck(Integrity, CheckStatus.Invalid,
                    $"tampered: the data hashes to {result.ComputedTargetHash}, not the targetHash {targetHash} it claims; TradeChain holds no original of this document, so it cannot say which fields changed", details);
            var obfuscated = (wrapped["privacy"]?["obfuscatedData"] as JsonArray)?.Select(h => h?.ToString() ?? "").ToList() ?? [];
            var fields = OpenAttestationV2.CompareFields(original.Data, wrapped["data"]!.AsObject(), obfuscated);
            details["changedFields"] = Strings(fields.Changed);
            details["addedFields"] = Strings(fields.Added);
            details["removedFields"] = Strings(fields.Removed);
            var parts = new List<string>();
            if (fields.Changed.Count > 0) parts.Add($"changed: {string.Join(", ", fields.Changed)}");
            if (fields.Added.Count > 0) parts.Add($"added: {string.Join(", ", fields.Added)}");
            if (fields.Removed.Count > 0) parts.Add($"removed without obfuscation: {string.Join(", ", fields.Removed)}");
            if (parts.Count == 0) parts.Add("privacy.obfuscatedData was altered");
            return new VerificationCheck(Integrity, CheckStatus.Invalid, $"tampered: the data no longer matches targetHash {targetHash} — {string.Join("; ", parts)}", details);
        }
        return new VerificationCheck(Integrity, CheckStatus.Invalid, result.Reason, details);
    }

    /// <summary>
    /// Names only the fields the presented file itself shows whose salted value is not as issued, and only when the file
    /// proves its presenter held the document: at least one of its salted fields (or hidden-field hashes) is one TradeChain
    /// issued — a salt is 122 random bits, so no one guesses one. Nothing of the original's own fields is told.
    /// </summary>
    private static VerificationCheck PublicTampering(JsonObject wrapped, JsonObject? original, string targetHash, string computed, JsonObject details)
    {
        var presented = OpenAttestationV2.Flatten(wrapped["data"]!.AsObject()).Select(p => (Path: p.Key, Hash: OpenAttestationV2.LeafHash(p.Key, p.Value))).ToList();
        var obfuscated = (wrapped["privacy"]?["obfuscatedData"] as JsonArray)?.Select(h => h?.ToString().ToLowerInvariant() ?? "").ToList() ?? [];
        var issued = original is null
            ? []
            : OpenAttestationV2.Flatten(original).Select(p => OpenAttestationV2.LeafHash(p.Key, p.Value)).ToHashSet(StringComparer.Ordinal);
        var prefix = $"tampered: the data hashes to {computed}, not the targetHash {targetHash} it claims";
        if (!presented.Any(p => issued.Contains(p.Hash)) && !obfuscated.Any(issued.Contains))
            return new VerificationCheck(Integrity, CheckStatus.Invalid,
                $"{prefix}; none of its fields is as TradeChain issued it, so it cannot say which fields changed", details);
        var notAsIssued = presented.Where(p => !issued.Contains(p.Hash)).Select(p => p.Path).Order(StringComparer.Ordinal).ToList();
        var foreignHidden = obfuscated.Count(h => !issued.Contains(h));
        var shown = presented.Select(p => p.Hash).Concat(obfuscated).ToHashSet(StringComparer.Ordinal);
        var missing = issued.Count(h => !shown.Contains(h));
        details["changedFields"] = Strings(notAsIssued);
        details["missingFieldCount"] = missing;
        var parts = new List<string>();
        if (notAsIssued.Count > 0) parts.Add($"not as issued: {string.Join(", ", notAsIssued)}");
        if (missing > 0) parts.Add($"{missing} issued field(s) missing without being marked hidden");
        if (foreignHidden > 0) parts.Add($"privacy.obfuscatedData holds {foreignHidden} hash(es) of no issued field");
        return new VerificationCheck(Integrity, CheckStatus.Invalid, $"{prefix} — {string.Join("; ", parts)}", details);
    }

    /// <summary>
    /// What TradeChain's own store's events say of <paramref name="hashes"/>, from the chain index; null (read the chain
    /// instead) when the index does not reach the chain's head in time.
    /// </summary>
    private async Task<DocumentStoreRecords?> OwnStoreAsync(IReadOnlyCollection<string> hashes, long? headReadNotBefore, CancellationToken ct)
    {
        try
        {
            return await storeEvents.ReadAsync(hashes, ct, headReadNotBefore);
        }
        catch (TradeChain.ServiceDefaults.Chain.ChainIndexBehindException e)
        {
            logger.LogWarning(e, "Verifying from the chain: the chain index is behind");
            return null;
        }
    }

    /// <summary>As OpenAttestation does: the targetHash, every intermediate hash of the proof and the root may each be revoked.</summary>
    private static List<string> RevocableHashes(string targetHash, IReadOnlyList<string> proof, string merkleRoot)
    {
        var hashes = new List<string> { targetHash };
        var current = Convert.FromHexString(targetHash);
        foreach (var p in proof)
        {
            current = MerkleTree.HashPair(current, Convert.FromHexString(p));
            hashes.Add(Convert.ToHexStringLower(current));
        }
        if (!hashes.Contains(merkleRoot)) hashes.Add(merkleRoot);
        return hashes;
    }

    private async Task<VerificationCheck> IssuanceAsync(IReadOnlyList<(string Kind, string Address)> declared, string merkleRoot, DocumentStoreRecords? own, CancellationToken ct)
    {
        var root = Convert.FromHexString(merkleRoot);
        var lines = new List<string>();
        var details = new JsonArray();
        foreach (var (kind, address) in declared)
        {
            if (!Nethereum.Util.AddressUtil.Current.IsValidEthereumAddressHexFormat(address))
                return new VerificationCheck(Issuance, CheckStatus.Invalid, $"{kind} {address} is not an Ethereum address");
            var indexed = kind != "tokenRegistry" && own is not null && storeEvents.Indexes(address);
            // Our own store's code is not asked for: a root issued on it was logged by it, and without code nothing is issued.
            if (!indexed && !await stores.HasCodeAsync(address))
                return new VerificationCheck(Issuance, CheckStatus.Invalid, $"there is no contract at {kind} {address} on chain {chain.ChainId}");
            if (kind == "tokenRegistry")
            {
                var title = await titles.GetAsync(address, root);
                if (title.SurrenderAccepted)
                {
                    // The token sits at the burn address (TradeTrust's convention). When and by which transaction: from this
                    // service's chain index, which holds only its own registry (of another registry's titles it knows no history).
                    var burned = (await titleEvents.HistoryAsync(root, address, ct))?.LastOrDefault(e => e.Action == "surrender-accepted");
                    var when = burned is null ? "" : $" in transaction {burned.TransactionHash}, block {burned.BlockNumber}, at {Time(burned.Timestamp)}";
                    return new VerificationCheck(Issuance, CheckStatus.Invalid,
                        $"the title {merkleRoot} was surrendered and the surrender accepted (burned: owner {TitleRegistryClient.BurnAddress}){when}: the document no longer carries title");
                }
                if (!title.Exists)
                    return new VerificationCheck(Issuance, CheckStatus.Invalid, $"the title {merkleRoot} has not been issued on title registry {address}");
                if (title.Surrendered)
                    return new VerificationCheck(Issuance, CheckStatus.Invalid,
                        $"the title {merkleRoot} has been returned to its issuer on title registry {address} (surrender pending acceptance): the document carries no title for anyone else");
                lines.Add($"title {merkleRoot} is live on title registry {address} (holder {title.Holder}, beneficiary {title.Beneficiary})");
                details.Add(new JsonObject { ["tokenRegistry"] = address, ["holder"] = title.Holder, ["beneficiary"] = title.Beneficiary, ["surrendered"] = title.Surrendered });
                continue;
            }
            var issued = indexed ? own!.Issued(merkleRoot) : await stores.FindIssuanceAsync(address, root);
            if (issued is null)
                return new VerificationCheck(Issuance, CheckStatus.Invalid, $"the merkleRoot {merkleRoot} has not been issued on document store {address}");
            lines.Add($"merkleRoot {merkleRoot} issued on document store {address} in block {issued.BlockNumber}, transaction {issued.TransactionHash}");
            details.Add(new JsonObject { ["documentStore"] = address, ["issuedInBlock"] = issued.BlockNumber, ["transactionHash"] = issued.TransactionHash });
        }
        return new VerificationCheck(Issuance, CheckStatus.Valid, string.Join("; ", lines), new JsonObject { ["issuers"] = details });
    }

    private async Task<VerificationCheck> RevocationAsync(IReadOnlyList<(string Kind, string Address)> declared, string targetHash, IReadOnlyList<string> hashes,
        string merkleRoot, DocumentStoreRecords? own, bool mayReadNotice, CancellationToken cancellationToken)
    {
        var stores_ = declared.Where(d => d.Kind != "tokenRegistry").ToList();
        if (stores_.Count == 0)
            return Skip(Revocation, "a transferable record is not revoked: its title is surrendered and burned instead (see issuance)");
        foreach (var address in stores_.Select(s => s.Address).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var indexed = own is not null && storeEvents.Indexes(address);
            foreach (var hash in hashes)
            {
                var record = indexed ? own!.Revoked(hash) : await stores.FindRevocationAsync(address, Convert.FromHexString(hash));
                if (record is null) continue;
                var scope = hash == targetHash ? "this document" : hash == merkleRoot ? "its whole batch" : "part of its batch";
                var details = new JsonObject
                {
                    ["documentStore"] = address, ["revokedHash"] = hash, ["scope"] = scope, ["transactionHash"] = record.TransactionHash,
                    ["blockNumber"] = record.BlockNumber, ["revokedAt"] = Time(record.Timestamp), ["reasonHash"] = record.ReasonHash,
                };
                var why = mayReadNotice
                    ? await ReasonAsync(hash, record.ReasonHash, cancellationToken)
                    : $"the chain records reason hash {record.ReasonHash ?? "(none)"}; the notice is shown only for a document whose integrity holds";
                details["reason"] = why;
                return new VerificationCheck(Revocation, CheckStatus.Invalid,
                    $"revoked ({scope}) on document store {address} in transaction {record.TransactionHash}, block {record.BlockNumber}, at {Time(record.Timestamp)}; reason: {why}", details);
            }
        }
        var asOf = own is null ? "" : $" (as of block {own.CheckedThrough})";
        return new VerificationCheck(Revocation, CheckStatus.Valid,
            $"none of the document's {hashes.Count} hash(es) (targetHash, proof, merkleRoot) is revoked on {string.Join(", ", stores_.Select(s => s.Address))}{asOf}");
    }

    /// <summary>The revocation notice kept off chain, checked against the hash the chain recorded.</summary>
    private async Task<string> ReasonAsync(string revokedHash, string? reasonHash, CancellationToken cancellationToken)
    {
        if (reasonHash is null) return "none recorded on chain (revoked without a reason)";
        // Only a recorded revocation's notice (an asked one still being sent is not the chain's), and not the words
        // recorded for a revocation made on chain with a notice this service does not hold.
        var notice = await db.Documents.AsNoTracking()
            .Where(d => d.Status == DocumentStatus.Revoked && d.RevocationReason != null
                && ((d.RevocationScope == "document" && d.Hash == "0x" + revokedHash) || (d.RevocationScope == "batch" && d.MerkleRoot == revokedHash)))
            .Select(d => d.RevocationReason).FirstOrDefaultAsync(cancellationToken);
        if (notice is null || notice.StartsWith(TradeChain.Documents.Application.SendRevocations.NotHeldPrefix, StringComparison.Ordinal))
            return $"the chain records reason hash {reasonHash}; the notice itself is not held by this TradeChain";
        return string.Equals("0x" + ReasonHash(notice), reasonHash, StringComparison.OrdinalIgnoreCase)
            ? $"\"{notice}\" (matches the reason hash recorded on chain)"
            : $"\"{notice}\" — WARNING: this notice does not match the reason hash {reasonHash} recorded on chain";
    }

    private VerificationCheck Identity(IReadOnlyList<JsonObject> issuerList, IReadOnlyList<(string Kind, string Address)> declared)
    {
        var lines = new List<string>();
        var details = new JsonArray();
        var allKnown = true;
        for (var i = 0; i < issuerList.Count; i++)
        {
            var (kind, address) = declared[i];
            var name = issuerList[i]["name"]?.ToString() ?? "(no name)";
            var proofType = issuerList[i]["identityProof"]?["type"]?.ToString();
            var location = issuerList[i]["identityProof"]?["location"]?.ToString();
            var dns = proofType is "DNS-TXT" or "DNS-DID"
                ? $"its {proofType} proof at {location} was not checked: this deployment cannot make DNS lookups"
                : proofType is null ? "it declares no identity proof" : $"its {proofType} identity proof is not supported here";
            var known = issuers.Find(address);
            if (known is null)
            {
                allKnown = false;
                lines.Add($"issuer \"{name}\": {kind} {address} is not in TradeChain's issuer registry; {dns}");
            }
            else
            {
                lines.Add($"issuer \"{name}\": {kind} {address} belongs to {known.Name} in TradeChain's issuer registry; {dns}");
            }
            details.Add(new JsonObject
            {
                ["name"] = name, [kind] = address, ["registered"] = known is not null, ["registeredAs"] = known?.Name,
                ["identityProof"] = proofType, ["identityProofLocation"] = location, ["dnsChecked"] = false,
            });
        }
        return new VerificationCheck(IssuerIdentity, allKnown ? CheckStatus.Valid : CheckStatus.Invalid, string.Join("; ", lines), new JsonObject { ["issuers"] = details });
    }

    public static string ReasonHash(string notice) => Convert.ToHexStringLower(Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes(notice)));

    private static (string Kind, string Address)? Declared(JsonObject? issuer)
    {
        if (issuer is null) return null;
        foreach (var kind in new[] { "documentStore", "certificateStore", "tokenRegistry" })
        {
            if (issuer[kind] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String) return (kind, v.GetValue<string>());
        }
        return null;
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string? ShapeProblem(JsonObject wrapped)
    {
        try
        {
            return Shape(wrapped);
        }
        catch (ArgumentException)
        {
            // A JsonObject parsed leniently (not through the services' strict reading) fails on its first read when a key repeats.
            return "an object repeats a key";
        }
    }

    private static string? Shape(JsonObject wrapped)
    {
        if (wrapped["data"] is not JsonObject) return "data is missing or not an object";
        if (wrapped["signature"] is not JsonObject signature) return "signature is missing or not an object";
        // Strings only: a 64-digit JSON number prints like a hash but is not one, and would fail later as a 500.
        if (Text(signature["type"]) != OpenAttestationV2.ProofType) return $"signature.type must be \"{OpenAttestationV2.ProofType}\"";
        if (Text(signature["targetHash"]) is not { } t || !Hex.IsHash32("0x" + t)) return "signature.targetHash must be a string of 64 hex digits";
        if (Text(signature["merkleRoot"]) is not { } r || !Hex.IsHash32("0x" + r)) return "signature.merkleRoot must be a string of 64 hex digits";
        if (wrapped["privacy"] is { } privacy && (privacy is not JsonObject || (privacy["obfuscatedData"] is { } hidden && hidden is not JsonArray)))
            return "privacy must be an object whose obfuscatedData is an array";
        if (signature["proof"] is not JsonArray proof || proof.Any(p => Text(p) is not { } h || !Hex.IsHash32("0x" + h)))
            return "signature.proof must be an array of 64-hex-digit hashes";
        if (proof.Count > MaxProofLength) return $"signature.proof must have at most {MaxProofLength} hashes";
        return null;
    }

    private static VerificationReport Report(string? targetHash, string? merkleRoot, IReadOnlyList<VerificationCheck> checks)
    {
        var failed = checks.Where(c => c.Status is CheckStatus.Invalid or CheckStatus.Error).ToList();
        var summary = failed.Count == 0
            ? "valid: " + string.Join("; ", checks.Where(c => c.Status == CheckStatus.Valid).Select(c => $"{c.Name} — {c.Reason}"))
            : "invalid: " + string.Join("; ", failed.Select(c => $"{c.Name} — {c.Reason}"));
        return new VerificationReport(failed.Count == 0, summary, targetHash, merkleRoot, checks);
    }

    private static VerificationCheck Skip(string name, string why) => new(name, CheckStatus.Skipped, why);

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)v).ToArray());

    private static string Time(long unixSeconds) => DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
