using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TradeChain.Domain;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;

namespace TradeChain.Payments.Application;

// A step that needs the chain signature of a party which signs itself (Parties:SelfSigned), asked by ANOTHER party or by
// the service on the party's behalf: the caller cannot hand in that signature (the Signed-Transaction header counts for
// the caller's own party and its own request only), so the step waits in a queue of that party's pending signatures. The party lists them, signs the transaction it is given,
// and submits it; the service checks it is exactly that call by that party's account, sends it, and takes the step.
// Two steps are such steps: a beneficiary deciding an amendment whose escrow the issuing bank adjusts (DecideAmendment,
// Kind "credit-amendment"), and the void of a queued deposit's or withdrawal's reference that its bank — signing itself
// since it was queued — cancelled (BookingVoids, Kind "booking-void": asked by the cancel's request and again by the booking sender; the cancel
// itself is saved and does not wait for it).

/// <summary>A step that can wait for a self-signing party's signature (see above): taken again, signed, when it arrives.</summary>
public interface ISignedStep
{
    /// <summary>The <see cref="PendingSignature.Kind"/> this step stores.</summary>
    string Kind { get; }

    /// <summary>What stayed as it was when the step's transaction was not taken, in words (e.g. "the escrow did not move").</summary>
    string NothingTaken { get; }

    /// <summary>
    /// Takes the held step with <paramref name="signer"/> as the signing party's writer (or the transaction already mined,
    /// <paramref name="mined"/>; one of the two is given), changes what it changes, and completes <paramref name="pending"/>; saved by the caller.
    /// </summary>
    /// <exception cref="DomainRuleViolation">The step can no longer be taken as asked (overtaken).</exception>
    Task ResumeAsync(PendingSignature pending, ChainWriter? signer, ChainReceipt? mined, CancellationToken ct);

    /// <summary>The step's transaction for the signing party as the chain stands now (its stored one went stale).</summary>
    Task<UnsignedTransaction> PrepareAgainAsync(PendingSignature pending, CancellationToken ct);

    /// <summary>
    /// The held step will not be taken (<paramref name="pending"/> expired or was overtaken, saved): undoes what it sent on
    /// chain beforehand, if anything. May run more than once for one signature (the request that closed it, then the sweep
    /// after a crash): it must be idempotent, and leave alone what a later step of the same subject relies on.
    /// </summary>
    Task AbandonedAsync(PendingSignature pending, CancellationToken ct);
}

/// <summary>The pending-signature queue: each party's awaited signatures, durable in the payments database.</summary>
public sealed class SignatureQueue(PaymentsDbContext db, TimeProvider clock, Microsoft.Extensions.Options.IOptions<PaymentsOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The signature awaited (or being submitted) for this step, if one still is. One that expired is marked so and saved
    /// at once (so that the step may be asked for again), and not returned.
    /// </summary>
    public async Task<PendingSignature?> AwaitingAsync(string kind, string subject, CancellationToken ct) => (await OpenAsync(kind, subject, ct)).Open;

    /// <summary><see cref="AwaitingAsync"/>, and those it found expired (saved so; their steps to be abandoned by the caller).</summary>
    public async Task<(PendingSignature? Open, IReadOnlyList<PendingSignature> Expired)> OpenAsync(string kind, string subject, CancellationToken ct)
    {
        var open = await db.PendingSignatures
            .Where(p => p.Kind == kind && p.Subject == subject
                        && (p.Status == PendingSignatureStatus.Awaiting || p.Status == PendingSignatureStatus.Submitting)).ToListAsync(ct);
        var now = clock.GetUtcNow();
        List<PendingSignature> expired = [.. open.Where(p => p.ExpireIfDue(now))];
        if (expired.Count > 0)
        {
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Changed by a concurrent request (submitted, or expired already): read again as it is.
                db.ChangeTracker.Clear();
                expired = [];
                open = await db.PendingSignatures.Where(p => p.Kind == kind && p.Subject == subject
                    && (p.Status == PendingSignatureStatus.Awaiting || p.Status == PendingSignatureStatus.Submitting)).ToListAsync(ct);
            }
        }
        return (open.FirstOrDefault(p => p.Open), expired);
    }

    /// <summary>
    /// The step of <paramref name="closed"/> (saved expired or overtaken) abandoned by <paramref name="step"/> — what it sent
    /// on chain beforehand undone — and the signature marked so (<see cref="PendingSignature.AbandonmentDue"/> cleared, not
    /// cancelled: it follows what was sent). Whoever closes a signature calls this; should it not run to its end, the
    /// sweep (<see cref="Infrastructure.SignatureAbandonments"/>) calls it again.
    /// </summary>
    public async Task AbandonAsync(ISignedStep step, PendingSignature closed, CancellationToken ct)
    {
        await step.AbandonedAsync(closed, ct);
        await db.PendingSignatures.Where(p => p.Id == closed.Id && p.AbandonmentDue)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.AbandonmentDue, false), CancellationToken.None);
    }

    /// <summary>
    /// Queues the signature <paramref name="needed"/> asks for (the party, its account and the transaction to sign) for the
    /// step of <paramref name="step"/>; saved with the caller's next save.
    /// </summary>
    /// <exception cref="DomainRuleViolation">too-many-pending-signatures: the party has <see cref="PendingSignature.MaxAwaitingPerParty"/> of this kind awaiting already.</exception>
    public async Task<PendingSignature> AddAsync(PartySignatureRequiredException needed, string role, string kind, string subject, string purpose, Caller requestedBy,
        object step, CancellationToken ct)
    {
        // Counted, then inserted: concurrent requests may pass the bound by a few — a bound against growth, not an exact cap.
        if (await AwaitingCountAsync(needed.Party, kind, ct) >= PendingSignature.MaxAwaitingPerParty)
            throw new DomainRuleViolation("too-many-pending-signatures",
                $"{needed.Party} has {PendingSignature.MaxAwaitingPerParty} signatures of this kind awaiting already: nothing was sent. Ask again once it has worked through them.");
        var now = clock.GetUtcNow();
        var pending = new PendingSignature
        {
            Id = Guid.NewGuid(), Party = needed.Party, Role = role, Address = needed.Address, Kind = kind, Subject = subject,
            Purpose = Bounded(purpose), RequestedBy = requestedBy.Party, RequestedByActor = Bounded(requestedBy.Actor),
            TransactionJson = TransactionJson(needed.Transaction, needed.Address, purpose), StepJson = Bounded(JsonSerializer.Serialize(step, Json), PendingSignature.MaxJson),
            Status = PendingSignatureStatus.Awaiting, CreatedAtUnixMs = now.ToUnixTimeMilliseconds(),
            ExpiresAtUnixMs = now.Add(options.Value.PendingSignatureLifetime).ToUnixTimeMilliseconds(),
        };
        db.PendingSignatures.Add(pending);
        return pending;
    }

    /// <summary>How many signatures of <paramref name="kind"/> await <paramref name="party"/> (bounded per kind: one kind's backlog never blocks another's steps).</summary>
    public Task<int> AwaitingCountAsync(string party, string kind, CancellationToken ct) =>
        db.PendingSignatures.CountAsync(p => p.Party == party && p.Kind == kind && p.Status == PendingSignatureStatus.Awaiting, ct);

    /// <summary>The stored transaction to sign (eth_signTransaction's shape).</summary>
    public static SigningRequest Transaction(PendingSignature pending) => JsonSerializer.Deserialize<SigningRequest>(pending.TransactionJson, Json)!;

    public static T Step<T>(PendingSignature pending) => JsonSerializer.Deserialize<T>(pending.StepJson, Json)!;

    public static string TransactionJson(UnsignedTransaction transaction, string address, string purpose) =>
        JsonSerializer.Serialize(SigningRequest.Of(transaction, address, Bounded(purpose)), Json);

    private static string Bounded(string text, int max = PendingSignature.MaxPurpose) =>
        text.Length <= max ? text : throw new DomainRuleViolation("too-long", $"A pending signature's text is at most {max} characters.");
}

/// <summary>What a submitted signature came to: the pending signature after it, and whether the transaction had gone stale (then it holds a new one to sign).</summary>
public sealed record SignatureSubmission(PendingSignature Pending, bool Stale, string? StaleReason = null);

/// <summary>
/// The signing party submits its signature of a pending transaction: checked to be that call by its account, sent, and
/// the held step taken. A signature already completed answers with the result (a re-submission sends nothing); a
/// transaction gone stale (its nonce used meanwhile, or refused by the node as it stands) is prepared again and
/// nothing is sent; an expired or overtaken one is refused with what became of it.
/// </summary>
public sealed class SubmitSignature(PaymentsDbContext db, SettlementLedger ledger, TimeProvider clock, IEnumerable<ISignedStep> steps, SignatureQueue queue)
{
    /// <param name="raw">The party's signed transaction; or null with <paramref name="sentHash"/>, the hash of the transaction its wallet sent itself.</param>
    /// <returns>Null when there is no such pending signature for the caller's party (it does not exist for anyone else).</returns>
    public async Task<SignatureSubmission?> HandleAsync(Guid id, Caller caller, string? raw, string? sentHash, CancellationToken ct)
    {
        var pending = await PendingSignatureQueries.FindAsync(db, id, caller.Party, ct);
        if (pending is null) return null;
        if (pending.Status == PendingSignatureStatus.Completed) return new SignatureSubmission(pending, Stale: false); // done: the result again, nothing sent
        var step = steps.Single(s => s.Kind == pending.Kind);
        if (pending.Status == PendingSignatureStatus.Submitting)
        {
            // Claimed by an earlier submission: the chain says what became of its transaction.
            var resolved = await ResolveAsync(pending, step, ct);
            if (resolved.Pending.Status != PendingSignatureStatus.Awaiting || resolved.Stale) return resolved;
            pending = resolved.Pending; // the node never had it: awaited again, and this submission is taken as any other
        }
        if (pending.ExpireIfDue(clock.GetUtcNow()))
        {
            await db.SaveChangesAsync(ct);
            await AbandonAsync(pending, ct);
        }
        pending.RequireAwaiting();
        var expected = SignatureQueue.Transaction(pending).ToUnsigned();

        if (raw is null)
        {
            // The party's wallet sent it itself (browser wallets sign only by sending): taken once mined, if it is exactly this call by the party's account.
            var call = new PartyCall(pending.Party, pending.Address, expected.To, expected.Value, expected.Data ?? "0x", "the pending transaction");
            return await FinishAsync(pending, step, await PartyTransactions.SentAsync(ledger.Chain, sentHash!, call), ct);
        }
        // The party's account, and exactly this call (chain, contract, value, data): refused naming signedTransaction otherwise.
        // Sent only within half the claim's grace (checked just before the send, under the account's nonce lane): a read
        // gives an unsent claim back only once the whole grace has passed, so a stalled sender never sends after that.
        var claimedAt = clock.GetUtcNow();
        var signer = new PresignedSigner(raw, pending.Address, pending.Party) { SendBy = claimedAt + PendingSignature.ClaimGrace / 2, Clock = clock };
        var signed = signer.Check(expected);
        // Looked up first: mined already (then checked to be this step's), waiting in the node, stale (prepared again), or new.
        var onChain = await PartyTransactions.SignedAsync(ledger.Chain, pending.Party, pending.Address, signed.Hash, signed.Nonce);
        if (onChain.Mined is { } mined) return await FinishAsync(pending, step, mined, ct);
        if (onChain.Stale is { } stale) return await PrepareAgainAsync(pending, step, stale, ct);

        // Claimed before it is sent, under the concurrency token: a concurrent submission, an expiry or a restart finds
        // the hash and asks the chain, never taking "nothing was sent" for granted.
        pending.Claim(signed.Hash, claimedAt);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            var stored = (await PendingSignatureQueries.FindAsync(db, id, caller.Party, ct))!;
            if (stored.Status == PendingSignatureStatus.Submitting) return await ResolveAsync(stored, step, ct);
            if (stored.Status == PendingSignatureStatus.Completed) return new SignatureSubmission(stored, Stale: false);
            stored.RequireAwaiting();
            throw new DomainRuleViolation("concurrent-change", "Another request changed this signature at the same time; read it again and retry.");
        }
        if (onChain.Pending) return await ResolveAsync(pending, step, ct); // in the node already: answered once mined

        // Sent once, in the nonce order of the party's writer here.
        var writer = ledger.Wallets.SendingOnce(pending.Party, signer);
        try
        {
            await step.ResumeAsync(pending, writer, null, ct);
            await db.SaveChangesAsync(ct);
            return new SignatureSubmission(pending, Stale: false);
        }
        catch (Exception e) when (e is Nethereum.JsonRpc.Client.RpcResponseException or DomainRuleViolation or ChainRevertedException or SendDeadlinePassedException)
        {
            // Refused: by the node as it stands (fees below the base fee now, nonce used), by the credit's rules, by the
            // contract (before sending, or mined and reverted), or not sent because the claim's time to send ran out. The
            // chain says whether it was sent.
            db.ChangeTracker.Clear();
            var stored = (await PendingSignatureQueries.FindAsync(db, id, caller.Party, ct))!;
            var why = e switch
            {
                Nethereum.JsonRpc.Client.RpcResponseException rpc => $"the chain node refused it ({rpc.RpcError?.Message ?? rpc.Message})",
                ChainRevertedException refused => $"the contract refuses it now: {refused.Error}",
                SendDeadlinePassedException late => $"it was not sent in time: {late.Message}",
                _ => e.Message,
            };
            return await ResolveAsync(stored, step, ct, why);
        }
        catch (DbUpdateException)
        {
            // Sent, but the row changed meanwhile (a read that found the node without the transaction yet gave it back to
            // awaiting): resolved from the chain with this transaction.
            db.ChangeTracker.Clear();
            var stored = (await PendingSignatureQueries.FindAsync(db, id, caller.Party, ct))!;
            if (stored.Status == PendingSignatureStatus.Submitting) return await ResolveAsync(stored, step, ct);
            if (stored.Status != PendingSignatureStatus.Awaiting) return new SignatureSubmission(stored, Stale: false);
            var sent = await ledger.Chain.SentTransactionAsync(signed.Hash);
            if (sent is { BlockNumber: { } minedIn, Succeeded: true }) return await FinishAsync(stored, step, new ChainReceipt(signed.Hash, minedIn, 0), ct);
            if (sent is { BlockNumber: null })
            {
                // Still in the node: claimed again, so that its mining takes the step (the next read or submission resolves it
                // then); a concurrent change meanwhile is answered as it stands.
                stored.Claim(signed.Hash, clock.GetUtcNow());
                try { await db.SaveChangesAsync(ct); }
                catch (DbUpdateException)
                {
                    db.ChangeTracker.Clear();
                    return new SignatureSubmission((await PendingSignatureQueries.FindAsync(db, id, caller.Party, ct))!, Stale: false);
                }
                throw PartyTransactions.Pending(signed.Hash);
            }
            return new SignatureSubmission(stored, Stale: false);
        }
    }

    /// <summary>The held step of a signature just saved expired or overtaken abandoned, and the signature marked so (<see cref="SignatureQueue.AbandonAsync"/>).</summary>
    public Task AbandonAsync(PendingSignature closed, CancellationToken ct) => queue.AbandonAsync(steps.Single(s => s.Kind == closed.Kind), closed, ct);

    /// <summary>
    /// A signature a submission claimed and did not finish (its request ended, or the service restarted) resolved from the
    /// chain on read; as it stands when the chain cannot tell yet (its transaction still waits to be mined).
    /// </summary>
    public async Task<PendingSignature> ResumeClaimedAsync(PendingSignature pending, CancellationToken ct)
    {
        if (pending.Status != PendingSignatureStatus.Submitting) return pending;
        try
        {
            return (await ResolveAsync(pending, steps.Single(s => s.Kind == pending.Kind), ct)).Pending;
        }
        catch (DomainRuleViolation)
        {
            // Still waiting to be mined, or refused by the step as it stands: the submission's answer says so; the read shows it as it is.
            db.ChangeTracker.Clear();
            return (await PendingSignatureQueries.FindAsync(db, pending.Id, pending.Party, ct))!;
        }
    }

    /// <summary>
    /// What became of a claimed (<see cref="PendingSignatureStatus.Submitting"/>) signature's transaction, as the chain has
    /// it: mined and succeeded → the step taken; mined and reverted → prepared again (or overtaken); waiting in the node →
    /// transaction-pending; unknown to the node → within <see cref="PendingSignature.ClaimGrace"/> of the claim
    /// transaction-pending too (its submission may be sending it), after it nothing moved, awaited again (or, after a
    /// refusal, prepared again).
    /// Also resumes a row a crash left claimed (read by <c>GET /signatures/{id}</c> or a submission).
    /// </summary>
    /// <param name="refusal">Why the send was refused, when this submission's send was.</param>
    public async Task<SignatureSubmission> ResolveAsync(PendingSignature pending, ISignedStep step, CancellationToken ct, string? refusal = null)
    {
        var hash = pending.TransactionHash!;
        var known = await ledger.Chain.SentTransactionAsync(hash);
        if (known is { BlockNumber: { } block, Succeeded: true })
        {
            try
            {
                return await FinishAsync(pending, step, new ChainReceipt(known.Hash, block, 0), ct);
            }
            catch (DomainRuleViolation e) when (e.Rule == "transaction-not-this-adjustment")
            {
                // Mined, but not this step's (claimed by a replay that was taken for pending): nothing of this step moved.
                refusal = e.Message;
            }
        }
        if (known is { BlockNumber: null }) throw PartyTransactions.Pending(hash);
        // Not in the node yet, but claimed a moment ago and not refused: its submission may be sending it now (the claim is
        // saved before the send). Given back to awaiting only once the grace has passed.
        if (known is null && refusal is null && pending.ClaimedRecently(clock.GetUtcNow())) throw PartyTransactions.Pending(hash);
        var reason = known is { BlockNumber: { } refusedIn } && refusal is null
            ? $"it was mined in block {refusedIn} but refused by the contract: {step.NothingTaken}"
            : refusal ?? $"the chain node does not have transaction {hash} (never sent, or dropped): nothing of it moved";
        db.ChangeTracker.Clear();
        var stored = (await PendingSignatureQueries.FindAsync(db, pending.Id, pending.Party, ct))!;
        if (stored.Status != PendingSignatureStatus.Submitting || stored.TransactionHash != hash) return new SignatureSubmission(stored, Stale: false);
        stored.Unclaim();
        await db.SaveChangesAsync(ct);
        if (refusal is null && known is null) return new SignatureSubmission(stored, Stale: false); // awaited again, as it was
        return await PrepareAgainAsync(stored, step, reason, ct);
    }

    /// <summary>The step taken with its mined transaction (checked by the step to be its own), and saved; a concurrent completion's result otherwise.</summary>
    private async Task<SignatureSubmission> FinishAsync(PendingSignature pending, ISignedStep step, ChainReceipt mined, CancellationToken ct)
    {
        try
        {
            await step.ResumeAsync(pending, null, mined, ct);
            await db.SaveChangesAsync(ct);
            return new SignatureSubmission(pending, Stale: false);
        }
        catch (DbUpdateException)
        {
            // A concurrent submission of the same signature completed it first: its result.
            db.ChangeTracker.Clear();
            var stored = await PendingSignatureQueries.FindAsync(db, pending.Id, pending.Party, ct);
            if (stored is { Status: PendingSignatureStatus.Completed }) return new SignatureSubmission(stored, Stale: false);
            throw;
        }
    }

    private async Task<SignatureSubmission> PrepareAgainAsync(PendingSignature pending, ISignedStep step, string why, CancellationToken ct)
    {
        UnsignedTransaction again;
        try
        {
            again = await step.PrepareAgainAsync(pending, ct);
        }
        catch (Exception e) when (e is DomainRuleViolation or ChainRevertedException)
        {
            return await OvertakenAsync(pending.Id, new Caller(pending.Party, ""), step, e is ChainRevertedException refused ? $"The contract refuses it now: {refused.Error}." : e.Message, ct);
        }
        db.ChangeTracker.Clear();
        var stored = (await PendingSignatureQueries.FindAsync(db, pending.Id, pending.Party, ct))!;
        stored.Reprepared(SignatureQueue.TransactionJson(again, stored.Address, stored.Purpose));
        await db.SaveChangesAsync(ct);
        return new SignatureSubmission(stored, Stale: true, $"The signed transaction went stale ({why}). Sign the new transaction given here.");
    }

    private async Task<SignatureSubmission> OvertakenAsync(Guid id, Caller caller, ISignedStep step, string why, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var stored = (await PendingSignatureQueries.FindAsync(db, id, caller.Party, ct))!;
        stored.Overtake($"Overtaken: {step.NothingTaken}. {why}", clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        await AbandonAsync(stored, ct);
        return new SignatureSubmission(stored, Stale: false);
    }
}

/// <summary>Reading a party's pending signatures: only the party whose signature it is sees one.</summary>
public static class PendingSignatureQueries
{
    /// <summary>The most a list answers with (the newest first).</summary>
    public const int MaxListed = 100;

    public static async Task<PendingSignature?> FindAsync(PaymentsDbContext db, Guid id, string party, CancellationToken ct)
    {
        var pending = await db.PendingSignatures.SingleOrDefaultAsync(p => p.Id == id, ct);
        return pending is not null && pending.Party == party ? pending : null;
    }

    /// <summary>The party's pending signatures, newest first, at most <see cref="MaxListed"/>; awaiting ones past their time marked expired.</summary>
    /// <param name="expired">Called with each one this read saved expired (its step to be abandoned).</param>
    public static async Task<List<PendingSignature>> ListAsync(PaymentsDbContext db, string party, bool awaitingOnly, DateTimeOffset now, CancellationToken ct,
        Func<PendingSignature, Task>? expired = null)
    {
        IQueryable<PendingSignature> Newest(IQueryable<PendingSignature> all)
        {
            var query = all.Where(p => p.Party == party);
            if (awaitingOnly) query = query.Where(p => p.Status == PendingSignatureStatus.Awaiting || p.Status == PendingSignatureStatus.Submitting);
            return query.OrderByDescending(p => p.CreatedAtUnixMs).Take(MaxListed);
        }

        var listed = await Newest(db.PendingSignatures).ToListAsync(ct);
        List<PendingSignature> lapsed = [.. listed.Where(p => p.ExpireIfDue(now))];
        if (lapsed.Count > 0)
        {
            try
            {
                await db.SaveChangesAsync(ct);
                if (expired is not null)
                    foreach (var one in lapsed) await expired(one);
            }
            catch (DbUpdateException)
            {
                // Completed or expired by a concurrent request: read again as it is (what is due now is marked by the next read).
                db.ChangeTracker.Clear();
                listed = await Newest(db.PendingSignatures.AsNoTracking()).ToListAsync(ct);
            }
        }
        return awaitingOnly ? [.. listed.Where(p => p.Open)] : listed;
    }
}
