using System.Text.Json.Nodes;

namespace TradeChain.Console.Services.Documents;

/// <summary>The documents API's answer to a submission (202) and to GET /documents/{id} (see DocumentView in the service).</summary>
public sealed record TradeDocumentView(Guid Id, string Type, string OwnerParty, string Hash, string TargetHash, string Status, bool Transferable,
    string? DocumentStore, string? TokenRegistry, string? MerkleRoot, string? IssueTransactionHash, long? IssuedInBlock, long SubmittedAtUnixMs,
    JsonNode? Content, JsonObject? Wrapped, RevocationView? Revocation, int Version = 0, RevocationRequestView? RevocationRequest = null)
{
    public bool IsIssued => Status == DocumentStatuses.Issued;

    /// <summary>Issued, and its revocation asked: the documents service's issuer is sending it to the document store.</summary>
    public bool IsRevocationPending => IsIssued && RevocationRequest is not null;

    public bool IsPending => Status == DocumentStatuses.Submitted;

    public bool IsRevoked => Status == DocumentStatuses.Revoked;

    /// <summary>The document's own number (bill of lading, certificate, packing list or invoice number), when it has one.</summary>
    public string? Number => DocumentLabels.NumberOf(Content);

    /// <summary>The party the document is made out to (buyer or consignee), for telling documents apart in a list.</summary>
    public string? Counterparty => (Content?["buyer"] ?? Content?["consignee"])?["name"]?.GetValue<string>();
}

public sealed record RevocationView(string Scope, string Reason, string? TransactionHash, long? BlockNumber, long? RevokedAtUnixMs);

/// <summary>A revocation asked and not yet recorded (the document still Issued).</summary>
public sealed record RevocationRequestView(string Scope, string Reason, long RequestedAtUnixMs);

/// <summary>
/// What POST /documents/{id}/revoke answers: the hash revoked on the document store and the documents it covered (200), or
/// — asked and being sent (202) — no transaction yet and the asking document with its revocation request.
/// </summary>
public sealed record RevocationResult(string RevokedHash, string Scope, string Reason, string? TransactionHash, long? BlockNumber, IReadOnlyList<TradeDocumentView> Documents);

/// <summary>One page of a list, as every TradeChain API pages.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, int Total)
{
    public int PageCount => Math.Max(1, (Total + PageSize - 1) / Math.Max(1, PageSize));
}

/// <summary>The statuses the documents service gives a document.</summary>
public static class DocumentStatuses
{
    public const string Submitted = "Submitted";
    public const string Issued = "Issued";
    public const string Revoked = "Revoked";
}

/// <summary>A party in a title: its TradeChain name when known, and its chain account.</summary>
public sealed record TitlePartyView(string? Party, string Address)
{
    public override string ToString() => Party ?? Address;
}

/// <summary>One step of a bill of lading's endorsement chain, from the title registry's events.</summary>
public sealed record EndorsementView(string Action, TitlePartyView? From, TitlePartyView? To, TitlePartyView? By, TitlePartyView? Holder,
    string TransactionHash, long BlockNumber, DateTimeOffset At);

/// <summary>One bill of lading of GET /documents/titles: a title that names the caller, and where it stands now.</summary>
public sealed record TitleSummaryView(Guid DocumentId, string DocumentType, string Issuer, string TokenId, string State, TitlePartyView? Holder,
    TitlePartyView? Beneficiary, TitlePartyView? Nominee, string? IssueTransactionHash, long? IssuedInBlock, long SubmittedAtUnixMs);

/// <summary>GET /documents/{id}/title and the answer to every title step.</summary>
public sealed record TitleView(Guid DocumentId, string TokenId, string TitleRegistry, string State, TitlePartyView? Holder, TitlePartyView? Beneficiary,
    TitlePartyView? Nominee, IReadOnlyList<EndorsementView> EndorsementChain, string? TransactionHash = null)
{
    public bool IsActive => State == "active";

    public bool IsReturnedToIssuer => State == "returned-to-issuer";
}
