using TradeChain.Domain;

namespace TradeChain.Payments.Domain;

/// <summary>Where a <see cref="PendingSignature"/> stands.</summary>
public enum PendingSignatureStatus
{
    /// <summary>Waiting for the party's signature.</summary>
    Awaiting,

    /// <summary>
    /// Signed, and its transaction (<see cref="PendingSignature.TransactionHash"/>) claimed before it was sent: the chain
    /// decides what became of it (mined → completed; unknown to the node → awaiting again). It never expires.
    /// </summary>
    Submitting,

    /// <summary>Signed, sent, mined, and the step it held taken.</summary>
    Completed,

    /// <summary>Not signed in time: nothing was sent; the step was not taken (its caller may ask again).</summary>
    Expired,

    /// <summary>The step can no longer be taken as it was asked (the credit or amendment moved on): nothing was sent.</summary>
    Overtaken,
}

/// <summary>
/// A step one party asked for that needs the chain signature of another party, which signs itself
/// (<c>Parties:SelfSigned</c>): the step waits here, with exactly the unsigned transaction for that party to sign, until it
/// signs (<c>POST /signatures/{id}</c>), the request expires, or the step is overtaken. Nothing of the step is saved
/// elsewhere until then; the step is taken again, signed, when the signature arrives.
/// </summary>
public sealed class PendingSignature
{
    /// <summary>At most this many characters of what the signature is for, in words.</summary>
    public const int MaxPurpose = 500;

    /// <summary>At most this many characters of the stored transaction and of the step's own data (JSON).</summary>
    public const int MaxJson = 8_192;

    /// <summary>At most this many signatures of one kind may await one party at once: a party asked for more must work through them first.</summary>
    public const int MaxAwaitingPerParty = 200;

    public Guid Id { get; set; }

    /// <summary>The party whose signature is needed (it signs itself).</summary>
    public string Party { get; set; } = "";

    /// <summary>The role the party acts in to sign (e.g. bank): only that role of that party sees and signs it.</summary>
    public string Role { get; set; } = "";

    /// <summary>The party's account (checksummed): the transaction must be signed by it.</summary>
    public string Address { get; set; } = "";

    /// <summary>The step it holds (e.g. <c>credit-amendment</c>).</summary>
    public string Kind { get; set; } = "";

    /// <summary>What it holds the step of (a credit's id and amendment number): at most one awaits per kind and subject.</summary>
    public string Subject { get; set; } = "";

    /// <summary>What the signature is for, in words, for the party that signs.</summary>
    public string Purpose { get; set; } = "";

    /// <summary>The party that asked for the step, and who in its name.</summary>
    public string RequestedBy { get; set; } = "";

    public string RequestedByActor { get; set; } = "";

    /// <summary>The unsigned transaction to sign, in <c>eth_signTransaction</c>'s shape (<see cref="TradeChain.Ledger.SigningRequest"/>, JSON).</summary>
    public string TransactionJson { get; set; } = "";

    /// <summary>What the step needs to be taken again (JSON, the step's own shape).</summary>
    public string StepJson { get; set; } = "";

    public PendingSignatureStatus Status { get; set; }

    public long CreatedAtUnixMs { get; set; }

    public long ExpiresAtUnixMs { get; set; }

    /// <summary>When it was completed, expired or overtaken.</summary>
    public long? ClosedAtUnixMs { get; set; }

    /// <summary>The party's transaction: claimed (<see cref="PendingSignatureStatus.Submitting"/>) before it is sent, and once mined.</summary>
    public string? TransactionHash { get; set; }

    /// <summary>
    /// When the submission that claimed it saved the claim (null when not claimed, and on rows claimed before this was kept:
    /// those count as claimed long ago).
    /// </summary>
    public long? ClaimedAtUnixMs { get; set; }

    /// <summary>
    /// How long after its claim a signature whose transaction the node does not know yet is still taken as being sent:
    /// the claiming submission saves the claim first and sends after it (waiting its turn in the account's nonce order),
    /// so a read in between must not give it back to awaiting while the transaction is on its way. Past this, a claim
    /// whose transaction the node never had is one a crash or a lost request left behind: awaited again.
    /// </summary>
    public static readonly TimeSpan ClaimGrace = TimeSpan.FromMinutes(2);

    /// <summary>How it ended, in words.</summary>
    public string? Outcome { get; set; }

    /// <summary>
    /// Expired or overtaken, and its step's abandonment (undoing what it sent on chain beforehand: a beneficiary's approval
    /// of a decrease; for other steps nothing) not yet run: set in the same save as the closing, cleared once the step's
    /// abandonment has run — by the request that closed it, or after a crash by the sweep (<c>SignatureAbandonments</c>).
    /// The abandonment itself decides what needs undoing (and logs what it could not undo, e.g. a credit closed on chain).
    /// </summary>
    public bool AbandonmentDue { get; set; }

    public int Version { get; set; }

    /// <summary>Awaiting and past its expiry: from now on it is <see cref="PendingSignatureStatus.Expired"/>.</summary>
    public bool Lapsed(DateTimeOffset now) => Status == PendingSignatureStatus.Awaiting && now.ToUnixTimeMilliseconds() >= ExpiresAtUnixMs;

    /// <summary>Marks an awaiting signature expired once its time is up; true when it changed.</summary>
    public bool ExpireIfDue(DateTimeOffset now)
    {
        if (!Lapsed(now)) return false;
        Close(PendingSignatureStatus.Expired, $"Not signed by {Party} before it expired: nothing was sent, and the step was not taken. {RequestedBy} may ask for it again.", now);
        return true;
    }

    /// <summary>Awaiting or submitting: the step is still open.</summary>
    public bool Open => Status is PendingSignatureStatus.Awaiting or PendingSignatureStatus.Submitting;

    /// <summary>Claims the signature for <paramref name="transactionHash"/> before it is sent (saved first, under <see cref="Version"/>).</summary>
    public void Claim(string transactionHash, DateTimeOffset now)
    {
        RequireAwaiting();
        Status = PendingSignatureStatus.Submitting;
        TransactionHash = transactionHash;
        ClaimedAtUnixMs = now.ToUnixTimeMilliseconds();
        Version++;
    }

    /// <summary>Claimed less than <see cref="ClaimGrace"/> ago: its submission may still be sending it.</summary>
    public bool ClaimedRecently(DateTimeOffset now) =>
        Status == PendingSignatureStatus.Submitting && ClaimedAtUnixMs is { } at && now.ToUnixTimeMilliseconds() - at < ClaimGrace.TotalMilliseconds;

    /// <summary>The claimed transaction did not move the chain (the node never had it, dropped it, or refused it): awaited again.</summary>
    public void Unclaim()
    {
        if (Status != PendingSignatureStatus.Submitting)
            throw new DomainRuleViolation("signature-" + Status.ToString().ToLowerInvariant(), $"This signature is not being submitted: {Outcome}");
        Status = PendingSignatureStatus.Awaiting;
        TransactionHash = null;
        ClaimedAtUnixMs = null;
        Version++;
    }

    public void Complete(string transactionHash, string outcome, DateTimeOffset now)
    {
        TransactionHash = transactionHash;
        Close(PendingSignatureStatus.Completed, outcome, now);
    }

    public void Overtake(string why, DateTimeOffset now) => Close(PendingSignatureStatus.Overtaken, why, now);

    /// <summary>A new transaction to sign, where the one given went stale (its nonce used, or its fees below the chain's now).</summary>
    public void Reprepared(string transactionJson)
    {
        RequireAwaiting();
        TransactionJson = transactionJson;
        Version++;
    }

    /// <summary>Throws unless the signature is still awaited.</summary>
    public void RequireAwaiting()
    {
        if (Status != PendingSignatureStatus.Awaiting)
            throw new DomainRuleViolation("signature-" + Status.ToString().ToLowerInvariant(), $"This signature is no longer awaited: {Outcome}");
    }

    private void Close(PendingSignatureStatus status, string outcome, DateTimeOffset now)
    {
        if (!Open) RequireAwaiting();
        Status = status;
        AbandonmentDue = status is PendingSignatureStatus.Expired or PendingSignatureStatus.Overtaken;
        Outcome = outcome.Length > MaxPurpose ? outcome[..MaxPurpose] : outcome;
        ClosedAtUnixMs = now.ToUnixTimeMilliseconds();
        Version++;
    }
}
