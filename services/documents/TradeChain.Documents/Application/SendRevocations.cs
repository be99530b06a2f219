using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;
using TradeChain.Ledger;

namespace TradeChain.Documents.Application;

/// <summary>
/// The second half of revoking: sends the revocations asked (<see cref="AskRevocation"/>) to the document store and
/// records them — each asked hash's revokeWithReason, several in flight at once in the writer's nonce order, then every
/// document it covers marked Revoked with the transaction's hash and block, for the actor who asked. A hash already
/// revoked on chain (an earlier attempt that sent and could not record, e.g. a crash) is recorded with that transaction,
/// not sent again. One the contract refuses is given up with a transition naming the rule (never retried for ever); one
/// that could not be sent (the node down, no receipt yet) stays asked and is sent again by the next round. Runs where
/// issuance runs (<see cref="DocumentRevoker"/>).
/// </summary>
public sealed class SendRevocations(DocumentsDbContext db, DocumentStoreClient store, TimeProvider clock, Microsoft.Extensions.Options.IOptions<IssuanceOptions> options,
    ILogger<SendRevocations> logger)
{
    /// <summary>The most revocations one round takes.</summary>
    public const int MaxPerRound = 50;

    /// <summary>
    /// The documents whose revocation is asked and not recorded yet, oldest first, read from the index of those alone (the
    /// partial index on <see cref="TradeDocument.RevocationRequestedAtUnixMs"/>). A document holds that time only while its
    /// revocation is pending (<see cref="TradeDocument.RevocationPending"/>: it is Issued; recording or giving it up clears
    /// it), so the query names no status: with <c>Status = 'Issued'</c> beside it, SQLite's planner took the status index
    /// and read every issued document — at every commit of the service, when the revoker looks (about 2,200 page reads per
    /// declaration at 20/s with 2,600 documents issued; bench/README.md, "The revoker read every issued document").
    /// </summary>
    public static IQueryable<TradeDocument> Asked(DocumentsDbContext db) =>
        db.Documents.Where(d => d.RevocationRequestedAtUnixMs != null).OrderBy(d => d.RevocationRequestedAtUnixMs);

    /// <summary>Sends and records the pending revocations (up to <see cref="MaxPerRound"/>, oldest first); how many requests it took.</summary>
    /// <exception cref="AggregateException">Some could not be sent (chain unavailable): the others' outcomes are saved first.</exception>
    public async Task<int> HandleAsync(CancellationToken ct)
    {
        var taken = await Asked(db).Take(MaxPerRound).ToListAsync(ct);
        var asked = taken.Where(d => d.RevocationPending).ToList();
        // Not pending but holding a time of asking breaks the rule the query relies on: said loudly, never sent (enough of them
        // would fill every round).
        foreach (var broken in taken.Where(d => !d.RevocationPending))
            logger.LogError("ALERT document {Document} is {Status} but holds a revocation asked at {AskedAt}: not sent; the record needs looking at",
                broken.Id, broken.Status, broken.RevocationRequestedAtUnixMs);
        if (asked.Count == 0) return 0;
        // One transaction per hash: two requests naming the same hash (a batch's root asked from two of its documents at
        // once, which asking refuses unless they raced) are one revocation, the first asked. A document's own revocation is
        // recorded before its batch's (raced likewise), so that its own notice is the one it keeps.
        var byHash = asked.GroupBy(d => d.RevokedHash(d.RevocationScope!)).Select(g => g.First()).OrderBy(d => d.RevocationScope == "batch").ToList();
        // At most Issuance:MaxInFlight at once, as the issuer's rounds: the account's transactions in one nonce sequence.
        using var inFlight = new SemaphoreSlim(Math.Max(1, options.Value.MaxInFlight));
        var sends = byHash.Select(async d =>
        {
            await inFlight.WaitAsync(ct);
            try { return await RevokeOnChainAsync(d, ct); }
            finally { inFlight.Release(); }
        }).ToList();
        try { await Task.WhenAll(sends); } catch { /* each one's outcome is read below */ }

        // From here the outcomes are recorded even when the process is stopping (what was mined is saved, not read again).
        ct = CancellationToken.None;
        var now = clock.GetUtcNow();
        var failures = new List<Exception>();
        // What was asked, read before anything is recorded: recording clears the request from every document it covers (the
        // asking one among them, in whatever order the batch's documents come — a null actor once failed every save so).
        var requests = byHash.Select(d => (d.Id, Scope: d.RevocationScope!, Actor: d.RevocationRequestedBy!, d.BatchId)).ToList();
        for (var i = 0; i < byHash.Count; i++)
        {
            var (id, scope, actor, batch) = requests[i];
            if (!sends[i].IsCompletedSuccessfully && sends[i].Exception?.InnerException is not ChainRevertedException)
            {
                failures.Add(sends[i].Exception?.InnerException ?? new OperationCanceledException("the send was cancelled"));
                continue;
            }
            // Each outcome saved on its own: one that cannot be saved leaves the others recorded (and itself asked, for the next round).
            try
            {
                if (sends[i].Exception?.InnerException is ChainRevertedException refused)
                {
                    logger.LogWarning("The document store refused the revocation of document {Document} ({Rule}): given up", id, refused.Rule);
                    (await db.Documents.SingleAsync(d => d.Id == id, ct)).GiveUpRevocation(refused.Rule, IssueDocuments.Actor, now);
                }
                else
                {
                    var (tx, block, notice) = sends[i].Result;
                    var covered = scope == "batch"
                        // By the batch's index (with a status beside it SQLite read every issued document); the loop takes the Issued.
                        ? await db.Documents.Where(d => d.BatchId == batch).ToListAsync(ct)
                        : await db.Documents.Where(d => d.Id == id && d.Status == DocumentStatus.Issued).ToListAsync(ct);
                    // Tracked: a document of the batch recorded above in this round (its own revocation) is Revoked already here.
                    foreach (var document in covered.Where(d => d.Status == DocumentStatus.Issued))
                        document.MarkRevoked(scope, notice, tx, block, actor, now);
                }
                await db.SaveChangesAsync(ct);
            }
            catch (Exception e)
            {
                failures.Add(e);
                db.ChangeTracker.Clear(); // what could not be saved is not carried into the next outcome's save
            }
        }
        if (failures.Count > 0) throw new AggregateException($"{failures.Count} of {byHash.Count} revocation(s) could not be sent; they stay asked and are sent again", failures);
        return asked.Count;
    }

    /// <summary>
    /// The document's asked hash revoked on chain with its notice's hash: this send's transaction, or an earlier one's — and
    /// the notice to record: the one asked, or, when the chain holds another reason hash (revoked outside this request
    /// meanwhile: checked when it was asked), a text saying the notice is not held here, never the asked one under a
    /// transaction that did not record it.
    /// </summary>
    private async Task<(string Tx, long Block, string Notice)> RevokeOnChainAsync(TradeDocument request, CancellationToken ct)
    {
        var hash = Convert.FromHexString(request.RevokedHash(request.RevocationScope!));
        var reasonHash = "0x" + DocumentVerifier.ReasonHash(request.RevocationReason!);
        var revoked = await store.FindRevocationAsync(store.ContractAddress, hash);
        if (revoked is null)
        {
            var receipt = await store.RevokeWithReasonAsync(hash, Convert.FromHexString(reasonHash[2..]), ct);
            // Refused as revoked already (another attempt got there first since the read): looked at again next round, where
            // the chain's record is read and its reason compared. A receipt of this send carries the asked notice's hash.
            if (receipt.GasUsed == 0) throw new InvalidOperationException($"0x{Convert.ToHexStringLower(hash)} was revoked on chain meanwhile: its record is read next round.");
            return (receipt.TransactionHash, receipt.BlockNumber, request.RevocationReason!);
        }
        if (string.Equals(revoked.ReasonHash, reasonHash, StringComparison.OrdinalIgnoreCase) && revoked.TransactionHash.Length > 0)
            return (revoked.TransactionHash, revoked.BlockNumber, request.RevocationReason!);
        if (revoked.TransactionHash.Length == 0)
            throw new InvalidOperationException($"0x{Convert.ToHexStringLower(hash)} is revoked on chain in block {revoked.BlockNumber} but its event was not found yet: looked at again next round.");
        logger.LogWarning("0x{Hash} was revoked on chain in transaction {Transaction} with reason hash {ChainReason}, not the asked notice's {Asked}: recorded as the chain's revocation, the asked notice not kept",
            Convert.ToHexStringLower(hash), revoked.TransactionHash, revoked.ReasonHash ?? "(none)", reasonHash);
        return (revoked.TransactionHash, revoked.BlockNumber, NotHeld(revoked.ReasonHash));
    }

    /// <summary>The notice recorded for a revocation made on chain with a reason this service does not hold (it starts with <see cref="NotHeldPrefix"/>).</summary>
    public static string NotHeld(string? reasonHash) => $"{NotHeldPrefix}, with reason hash {reasonHash ?? "(none)"}: its notice is not held by this TradeChain";

    public const string NotHeldPrefix = "revoked on chain outside this request";
}
