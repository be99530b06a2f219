using System.Text.Json.Nodes;
using TradeChain.Domain;

namespace TradeChain.Documents.Domain;

public enum DocumentStatus { Submitted, Issued, Revoked }

/// <summary>Where a document's issuance is recorded: a document store (verifiable documents) or a title registry (transferable records).</summary>
public enum IssuanceMethod { DocumentStore, TokenRegistry }

/// <summary>
/// A trade document, wrapped as OpenAttestation v2: its salted data and targetHash are fixed at submission (so the
/// exporter can reference the document at once); its batch's Merkle root and its proof are added at issuance.
/// Only the root (or, for a bill of lading, the title token) goes on chain.
/// </summary>
public sealed class TradeDocument : Aggregate
{
    private TradeDocument() { }

    public Guid Id { get; private set; }

    public string DocumentType { get; private set; } = "";

    /// <summary>The party that submitted the document and may see it among exporters.</summary>
    public string OwnerParty { get; private set; } = "";

    /// <summary>The OpenAttestation data, every value salted: what the targetHash is computed from.</summary>
    public string DataJson { get; private set; } = "";

    /// <summary>"0x" + the OpenAttestation targetHash: the reference customs and banks use.</summary>
    public string Hash { get; private set; } = "";

    public IssuanceMethod Method { get; private set; }

    public DocumentStatus Status { get; private set; }

    /// <summary>The batch the document was issued in (null while waiting).</summary>
    public Guid? BatchId { get; private set; }

    /// <summary>The batch's Merkle root, hex without 0x as OpenAttestation writes it.</summary>
    public string? MerkleRoot { get; private set; }

    /// <summary>The document's Merkle proof in its batch, a JSON array of hex strings.</summary>
    public string? ProofJson { get; private set; }

    public string? IssueTransactionHash { get; private set; }

    public long? IssuedInBlock { get; private set; }

    public long SubmittedAtUnixMs { get; private set; }

    /// <summary>For a bill of lading: the parties the title is first issued to.</summary>
    public string? InitialBeneficiaryParty { get; private set; }

    public string? InitialHolderParty { get; private set; }

    /// <summary>The revocation notice: set when the revocation is asked (<see cref="RequestRevocation"/>), kept once it is recorded.</summary>
    public string? RevocationReason { get; private set; }

    /// <summary>"document" or "batch": what is (or is to be) revoked on chain (the targetHash or the batch's root).</summary>
    public string? RevocationScope { get; private set; }

    /// <summary>
    /// Who asked for the revocation (the actor of its transitions), and when: set by <see cref="RequestRevocation"/> while
    /// it is being sent, cleared once it is recorded or given up (its transitions keep both).
    /// </summary>
    public string? RevocationRequestedBy { get; private set; }

    /// <summary>
    /// When the pending revocation was asked: set only while it is pending (the document Issued), cleared once it is recorded
    /// or given up — the revoker finds the pending ones by this alone (<c>SendRevocations.Asked</c>).
    /// </summary>
    public long? RevocationRequestedAtUnixMs { get; private set; }

    public string? RevocationTransactionHash { get; private set; }

    public long? RevokedInBlock { get; private set; }

    public long? RevokedAtUnixMs { get; private set; }

    /// <summary>Its type in the transition log.</summary>
    public const string RecordType = "document";

    public override string AggregateType => RecordType;

    public override string AggregateKey => Id.ToString();

    public string TargetHash => Hash[2..];

    public JsonObject Data => (JsonObject)JsonNode.Parse(DataJson)!;

    public IReadOnlyList<string> Proof => ProofJson is null ? [] : JsonNode.Parse(ProofJson)!.AsArray().Select(p => p!.GetValue<string>()).ToList();

    public bool IsTransferable => Method == IssuanceMethod.TokenRegistry;

    /// <summary>The wrapped OpenAttestation document once issued; null while waiting for its batch.</summary>
    public JsonObject? Wrapped => MerkleRoot is null ? null : OpenAttestationV2.Wrap(Data, TargetHash, Proof, MerkleRoot);

    /// <summary>
    /// A document's content is its issuer's: customs officers see the documents declarants present to them (those a
    /// declaration references: <paramref name="referencedByDeclaration"/>), and no other; banks and other parties
    /// receive a document's data only when it is presented to them (a credit presentation, over the bus) or as a
    /// disclosed copy — never by browsing, which would defeat selective disclosure.
    /// </summary>
    public bool IsVisibleTo(string party, bool isCustomsOfficer, bool referencedByDeclaration) =>
        IsVisible(OwnerParty, party, isCustomsOfficer, referencedByDeclaration);

    /// <summary>The rule of <see cref="IsVisibleTo"/>, for a query that reads the owner alone (a long-poll's version read).</summary>
    public static bool IsVisible(string ownerParty, string callerParty, bool isCustomsOfficer, bool referencedByDeclaration) =>
        string.Equals(ownerParty, callerParty, StringComparison.Ordinal) || (isCustomsOfficer && referencedByDeclaration);

    /// <summary>The party submitted (issued) this document: only it may revoke, disclose or present it.</summary>
    public bool BelongsTo(string party) => string.Equals(OwnerParty, party, StringComparison.Ordinal);

    /// <summary>The wrapped document (a .tt file) to hand out: it exists once the document is issued.</summary>
    public JsonObject WrappedCopy() => Wrapped ?? throw new DomainRuleViolation("not-yet-issued",
        $"The document is {Status}: it is wrapped and issued with the next batch; poll /documents/{Id}.");

    /// <summary>
    /// A copy with the fields at <paramref name="hide"/> (dotted paths) hidden, which still verifies (OpenAttestation
    /// obfuscation) — or, when a path cannot be hidden, why (the issuer and template stay: verifiers need them).
    /// </summary>
    /// <summary>The most fields one disclosure may name.</summary>
    public const int MaxHiddenFields = 100;

    public Disclosure Disclose(IReadOnlyList<string?> hide)
    {
        if (Wrapped is not { } wrapped) throw new DomainRuleViolation("not-yet-issued", $"The document is {Status}: disclose it once issued.");
        if (hide.Count > MaxHiddenFields) return new Disclosure(null, [new("hide", $"must name at most {MaxHiddenFields} fields")]);
        var flat = OpenAttestationV2.Flatten(Data);
        var problems = new List<SchemaError>();
        for (var i = 0; i < hide.Count; i++)
        {
            var path = hide[i] ?? "";
            // A field hidden twice (or inside a hidden one) would put its hash twice among the hidden: the copy would not verify.
            var overlapping = hide.Take(i).Select((earlier, j) => (Path: earlier ?? "", Index: j))
                .FirstOrDefault(e => e.Path.Length > 0 && (e.Path == path || path.StartsWith(e.Path + ".", StringComparison.Ordinal) || e.Path.StartsWith(path + ".", StringComparison.Ordinal)));
            if (path.Length == 0) problems.Add(new($"hide[{i}]", "must be a dotted field path"));
            else if (overlapping.Path is { Length: > 0 }) problems.Add(new($"hide[{i}]", $"overlaps hide[{overlapping.Index}] ({overlapping.Path}): name each field once"));
            else if (path is "issuers" or "$template" || path.StartsWith("issuers.", StringComparison.Ordinal) || path.StartsWith("$template.", StringComparison.Ordinal))
                problems.Add(new($"hide[{i}]", $"{path} cannot be hidden: verifiers need the issuer and template to check the document"));
            else if (!flat.Keys.Any(k => k == path || k.StartsWith(path + ".", StringComparison.Ordinal)))
                problems.Add(new($"hide[{i}]", $"the document has no field {path}"));
        }
        if (problems.Count > 0) return new Disclosure(null, problems);
        try
        {
            return new Disclosure(OpenAttestationV2.Obfuscate(wrapped, hide!), []);
        }
        catch (ArgumentException e)
        {
            return new Disclosure(null, [new SchemaError("hide", e.Message)]);
        }
    }

    /// <summary>
    /// Revocation is for a verifiable document once issued. A bill of lading issued as a transferable record is not
    /// revoked: its holder surrenders it to the issuer.
    /// </summary>
    public void RequireRevocable()
    {
        if (IsTransferable)
            throw new DomainRuleViolation("transferable-not-revocable",
                "A bill of lading issued as a transferable record is not revoked: its holder surrenders it to the issuer (POST /documents/{id}/title/surrender).");
        if (Status != DocumentStatus.Issued)
            throw new DomainRuleViolation("not-issued", $"The document is {Status}: only an issued document can be revoked.");
    }

    /// <summary>
    /// A revocation asked and not recorded yet: the issuer (<c>DocumentRevoker</c>, where issuance runs) sends it to the
    /// chain and then records the document Revoked.
    /// </summary>
    public bool RevocationPending => Status == DocumentStatus.Issued && RevocationRequestedAtUnixMs is not null;

    /// <summary>The hash the revocation puts on chain: the targetHash (scope "document") or the batch's Merkle root ("batch"); hex without 0x.</summary>
    public string RevokedHash(string scope) => scope == "batch" ? MerkleRoot! : TargetHash;

    /// <summary>
    /// The owner asks for the document (or its whole batch) to be revoked with <paramref name="reason"/>: the request is
    /// saved with its own transition (Issued → Issued, by the asking actor) and the issuer sends it to the chain. Asked again
    /// while pending with the same scope and reason it is that same request (false: nothing changed); with another, refused.
    /// </summary>
    public bool RequestRevocation(string scope, string reason, string actor, DateTimeOffset at)
    {
        RequireRevocable();
        if (RevocationPending)
        {
            if (RevocationScope == scope && RevocationReason == reason) return false;
            throw new DomainRuleViolation("revocation-pending",
                $"A revocation of this document ({RevocationScope}) is being sent to the chain with another reason: \"{RevocationReason}\". It cannot be changed; once it is recorded the document is Revoked.");
        }
        RevocationScope = scope;
        RevocationReason = reason;
        RevocationRequestedBy = actor;
        RevocationRequestedAtUnixMs = at.ToUnixTimeMilliseconds();
        RecordTransition(nameof(DocumentStatus.Issued), nameof(DocumentStatus.Issued), actor,
            $"revocation asked ({scope}), to be sent to the document store: {reason}", null, at);
        return true;
    }

    /// <summary>
    /// The document store refused the asked revocation (a contract rule, e.g. the service's account lacking its revoker
    /// role): nothing was revoked, and the request is given up with a transition saying why, so that it is neither sent for
    /// ever nor shown as pending. The document stays Issued; its owner may ask again.
    /// </summary>
    public void GiveUpRevocation(string rule, string actor, DateTimeOffset at)
    {
        if (!RevocationPending) throw new DomainRuleViolation("invalid-transition", $"No revocation of this document is pending (it is {Status}).");
        var scope = RevocationScope;
        RevocationScope = null;
        RevocationReason = null;
        RevocationRequestedBy = null;
        RevocationRequestedAtUnixMs = null;
        RecordTransition(nameof(DocumentStatus.Issued), nameof(DocumentStatus.Issued), actor,
            $"revocation ({scope}) given up: the document store refused it ({rule}); nothing was revoked", null, at);
    }

    /// <summary>
    /// A hash the chain already shows revoked (a retry after a failed save, or a revocation made outside TradeChain)
    /// is recorded only with the reason the chain holds: a revocation notice cannot be rewritten afterwards.
    /// </summary>
    public static void RequireSameRevocation(string revokedHash, string earlierTransaction, string? earlierReasonHash, string reasonHash)
    {
        if (!string.Equals(earlierReasonHash, reasonHash, StringComparison.OrdinalIgnoreCase))
            throw new DomainRuleViolation("already-revoked",
                $"{revokedHash} was already revoked on chain in transaction {earlierTransaction} with another reason (hash {earlierReasonHash ?? "none"}).");
    }

    /// <summary>A title exists for a bill of lading issued as a transferable record, once it is issued.</summary>
    public void RequireTitle()
    {
        if (!IsTransferable)
            throw new DomainRuleViolation("not-transferable", $"The {DocumentType} was not issued as a transferable record: it has no title.");
        if (Status != DocumentStatus.Issued)
            throw new DomainRuleViolation("not-yet-issued", $"The bill of lading is {Status}: its title exists once it is issued.");
    }

    public static TradeDocument Submit(Guid id, string documentType, string ownerParty, JsonObject saltedData, IssuanceMethod method,
        string? beneficiaryParty, string? holderParty, string actor, DateTimeOffset at)
    {
        var targetHash = OpenAttestationV2.TargetHash(saltedData, []);
        var document = new TradeDocument
        {
            Id = id,
            DocumentType = documentType,
            OwnerParty = ownerParty,
            DataJson = saltedData.ToJsonString(),
            Hash = "0x" + targetHash,
            Method = method,
            Status = DocumentStatus.Submitted,
            SubmittedAtUnixMs = at.ToUnixTimeMilliseconds(),
            InitialBeneficiaryParty = beneficiaryParty,
            InitialHolderParty = holderParty,
        };
        document.RecordTransition("new", nameof(DocumentStatus.Submitted), actor, $"{documentType} submitted; targetHash {targetHash}", null, at);
        return document;
    }

    /// <summary>The document joined a batch: its Merkle root and proof are fixed before the root is sent to the chain.</summary>
    public void AssignToBatch(Guid batchId, string merkleRoot, IReadOnlyList<string> proof)
    {
        if (Status != DocumentStatus.Submitted || BatchId is not null)
            throw new DomainRuleViolation("invalid-transition", $"Cannot batch: the document is {Status}{(BatchId is null ? "" : " and already batched")}.");
        BatchId = batchId;
        MerkleRoot = merkleRoot;
        ProofJson = new JsonArray(proof.Select(p => (JsonNode)p).ToArray()).ToJsonString();
    }

    /// <summary>The chain recorded the batch's root (document store) or minted the title (title registry).</summary>
    public void MarkIssued(string transactionHash, long block, string contract, string actor, DateTimeOffset at)
    {
        if (Status != DocumentStatus.Submitted || MerkleRoot is null)
            throw new DomainRuleViolation("invalid-transition", $"Cannot issue: the document is {Status}, not Submitted in a batch.");
        Status = DocumentStatus.Issued;
        IssueTransactionHash = transactionHash;
        IssuedInBlock = block;
        var where = IsTransferable ? $"title minted on title registry {contract}" : $"root {MerkleRoot} issued on document store {contract}";
        RecordTransition(nameof(DocumentStatus.Submitted), nameof(DocumentStatus.Issued), actor,
            $"{where} in block {block}" + (transactionHash.Length > 0 ? $" (tx {transactionHash})" : ""), null, at);
    }

    /// <summary>The document (or its whole batch) was revoked on chain: recorded for the actor who asked it.</summary>
    public void MarkRevoked(string scope, string reason, string transactionHash, long block, string actor, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(actor);
        if (Status != DocumentStatus.Issued)
            throw new DomainRuleViolation("invalid-transition", $"Cannot revoke: the document is {Status}, not Issued.");
        Status = DocumentStatus.Revoked;
        RevocationScope = scope;
        RevocationReason = reason;
        RevocationTransactionHash = transactionHash;
        RevokedInBlock = block;
        RevokedAtUnixMs = at.ToUnixTimeMilliseconds();
        // The request is done (its transition keeps who asked and when): no longer among those the revoker looks for (SendRevocations.Asked).
        RevocationRequestedBy = null;
        RevocationRequestedAtUnixMs = null;
        RecordTransition(nameof(DocumentStatus.Issued), nameof(DocumentStatus.Revoked), actor,
            $"revoked ({scope}) in block {block} (tx {transactionHash}): {reason}", null, at);
    }
}

/// <summary>A disclosed copy of a document, or the reasons (per requested path) it could not be made.</summary>
public sealed record Disclosure(JsonObject? Copy, IReadOnlyList<SchemaError> Problems);

/// <summary>One Merkle tree of documents, sent to the chain in one transaction with others of its window.</summary>
public sealed class IssuanceBatch
{
    private IssuanceBatch() { }

    public Guid Id { get; private set; }

    public string MerkleRoot { get; private set; } = "";

    public string OwnerParty { get; private set; } = "";

    public IssuanceMethod Method { get; private set; }

    public int DocumentCount { get; private set; }

    /// <summary>False until the chain confirmed the root (or title): the issuer resends unconfirmed batches.</summary>
    public bool Confirmed { get; private set; }

    public string? TransactionHash { get; private set; }

    public long? BlockNumber { get; private set; }

    public long CreatedAtUnixMs { get; private set; }

    /// <summary>
    /// The Merkle trees pending documents are issued in: one per owner, so that revoking a batch can never revoke another
    /// party's documents; a bill of lading is its own tree, since its root is the id of its title.
    /// </summary>
    public static IEnumerable<List<TradeDocument>> TreesOf(IReadOnlyList<TradeDocument> pending) =>
        pending.Where(d => !d.IsTransferable).GroupBy(d => d.OwnerParty).Select(g => g.ToList())
            .Concat(pending.Where(d => d.IsTransferable).Select(d => new List<TradeDocument> { d }));

    public static IssuanceBatch Create(Guid id, string merkleRoot, string ownerParty, IssuanceMethod method, int count, DateTimeOffset at) => new()
    {
        Id = id, MerkleRoot = merkleRoot, OwnerParty = ownerParty, Method = method, DocumentCount = count, CreatedAtUnixMs = at.ToUnixTimeMilliseconds(),
    };

    public void Confirm(string transactionHash, long block)
    {
        Confirmed = true;
        TransactionHash = transactionHash;
        BlockNumber = block;
    }
}
