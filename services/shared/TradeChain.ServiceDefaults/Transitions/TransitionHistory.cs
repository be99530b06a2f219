using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TradeChain.Ledger;
using TradeChain.Domain.Hashing;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.ServiceDefaults.Transitions;

/// <summary>How one transition stands against the chain.</summary>
/// <param name="Status">
/// "pending" (not yet anchored); "anchored" (its fields fold with the proof to a root the chain records — verified);
/// "tampered" (its fields no longer hash to a leaf of its root: the stored transition was changed after anchoring);
/// "unknown-root" (the chain does not record its root); "unchecked" (proof valid, the chain could not be asked in time: down or slow).
/// </param>
/// <param name="ProofValid">The leaf recomputed from the transition's fields, folded with the proof, gives the root.</param>
/// <param name="RootOnChain">The TransitionAnchor contract records the root (null when not checked or pending).</param>
public sealed record AnchorView(
    string Status,
    string? Root,
    IReadOnlyList<string> Proof,
    int? BatchSize,
    long? BlockNumber,
    string? TransactionHash,
    string Contract,
    bool? ProofValid,
    bool? RootOnChain,
    string Verdict);

public sealed record TransitionView(
    int Sequence,
    string FromState,
    string ToState,
    string Actor,
    string Reason,
    string? ResponseCode,
    long OccurredAtUnixMs,
    string Service,
    string AggregateType,
    string AggregateId,
    string Leaf,
    string? CanonicalLeafData,
    AnchorView Anchor,
    bool ReasonWithheld = false);

/// <summary>An aggregate's transitions, with one verdict for them all.</summary>
/// <param name="Verdict">
/// "verified" (every transition anchored and verified), "pending" (those anchored verify, the rest wait for anchoring),
/// "does-not-verify" (at least one is tampered or its root unknown to the chain) or "unchecked" (the chain could not be asked in time).
/// </param>
/// <param name="VerdictReason">The verdict in words, naming the transitions that do not verify.</param>
public sealed record HistoryView(string AggregateType, string AggregateId, IReadOnlyList<TransitionView> Transitions, string Verdict, string VerdictReason)
{
    public static HistoryView Of(string aggregateType, string aggregateId, IReadOnlyList<TransitionView> transitions)
    {
        var failing = transitions.Where(t => t.Anchor.Status is "tampered" or "unknown-root").ToList();
        var pending = transitions.Count(t => t.Anchor.Status == "pending");
        var (verdict, reason) = failing.Count > 0
            ? ("does-not-verify", $"{failing.Count} of {transitions.Count} transition(s) do not verify: "
                + string.Join("; ", failing.Select(t => $"#{t.Sequence} {t.Anchor.Verdict}")))
            : transitions.Any(t => t.Anchor.Status == "unchecked") ? ("unchecked", "the chain could not be asked in time (down or slow): not every anchored root was checked")
            : pending > 0 ? ("pending", $"{transitions.Count - pending} transition(s) verified; {pending} not yet anchored")
            : ("verified", $"all {transitions.Count} transition(s) verified against the chain");
        return new HistoryView(aggregateType, aggregateId, transitions, verdict, reason);
    }

    /// <summary>
    /// This history as a reader who may not see every reason: <paramref name="shownReason"/> gives the reason the reader
    /// may see. Where it differs, the transition says its reason is withheld and omits its canonical leaf data (which
    /// would repeat it); its leaf, proof and verdict — checked on the full record — stay.
    /// </summary>
    public HistoryView Withholding(Func<string, string> shownReason) => this with
    {
        Transitions = [.. Transitions.Select(t =>
        {
            var shown = shownReason(t.Reason);
            return shown == t.Reason ? t : t with { Reason = shown, CanonicalLeafData = null, ReasonWithheld = true };
        })],
    };
}

/// <summary>
/// Reads an aggregate's transitions with their proofs, and checks each against the chain: each distinct root once, all of
/// them within <see cref="ChainChecksDeadline"/> — also for several records read together (<see cref="GetManyAsync"/>: a
/// credit and its presentations). A node that does not answer in time, or fails, leaves the roots not yet asked
/// "unchecked" without asking again, so a history comes in seconds even from a stalled node (before, each root waited for
/// the RPC client's own timeout in turn, and a console page with a history waited as long).
/// </summary>
public sealed class TransitionHistory(ServiceDbContext db, TransitionAnchorClient anchor)
{
    /// <summary>How long one history's chain checks may take in all.</summary>
    public static readonly TimeSpan ChainChecksDeadline = TimeSpan.FromSeconds(5);

    public async Task<HistoryView> GetAsync(string aggregateType, string aggregateId, CancellationToken ct) =>
        (await GetManyAsync([(aggregateType, aggregateId)], ct))[0];

    /// <summary>Several records' histories, in the order asked, their chain checks within one <see cref="ChainChecksDeadline"/>.</summary>
    public async Task<IReadOnlyList<HistoryView>> GetManyAsync(IReadOnlyList<(string AggregateType, string AggregateId)> records, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(ChainChecksDeadline);
        var checks = new ChainChecks(deadline.Token);
        var histories = new List<HistoryView>(records.Count);
        foreach (var (type, id) in records) histories.Add(await ReadAsync(type, id, checks, ct));
        return histories;
    }

    /// <summary>What one read's chain checks share: their deadline, the roots asked, and whether the node failed already.</summary>
    private sealed class ChainChecks(CancellationToken deadline)
    {
        public CancellationToken Deadline { get; } = deadline;
        public Dictionary<string, bool?> Roots { get; } = new(StringComparer.Ordinal);
        public bool Unreachable { get; set; }
    }

    private async Task<HistoryView> ReadAsync(string aggregateType, string aggregateId, ChainChecks checks, CancellationToken ct)
    {
        var records = await db.Transitions.AsNoTracking()
            .Where(t => t.AggregateType == aggregateType && t.AggregateId == aggregateId)
            .OrderBy(t => t.Sequence).ToListAsync(ct);
        var views = new List<TransitionView>();
        foreach (var r in records)
        {
            var leafData = r.ToLeaf();
            var leaf = leafData.Hash();
            AnchorView view;
            if (r.BatchRoot is null)
            {
                view = new AnchorView("pending", null, [], null, null, null, anchor.ContractAddress, null, null, "not yet anchored");
            }
            else
            {
                var proof = JsonSerializer.Deserialize<List<string>>(r.Proof ?? "[]") ?? [];
                var proofValid = MerkleTree.Verify(leaf, proof.Select(Hex.Decode), Hex.Decode(r.BatchRoot));
                if (!checks.Roots.TryGetValue(r.BatchRoot, out var onChain))
                {
                    // Chain unreachable or too slow: say so, do not fail (and do not ask again for the roots after it).
                    onChain = checks.Unreachable ? null : await RecordedAsync(r.BatchRoot, checks.Deadline, ct);
                    checks.Unreachable |= onChain is null;
                    checks.Roots[r.BatchRoot] = onChain;
                }
                var (status, verdict) = (proofValid, onChain) switch
                {
                    (false, _) => ("tampered", "tampered: the transition's fields do not hash to a leaf of its anchored root"),
                    (true, true) => ("anchored", "verified: the transition is in a root recorded on chain"),
                    (true, false) => ("unknown-root", "unknown root: the chain does not record this transition's root"),
                    (true, null) => ("unchecked", "proof valid; the chain could not be asked in time (down or slow), so the root was not checked"),
                };
                view = new AnchorView(status, r.BatchRoot, proof, r.BatchSize, r.BlockNumber, r.TransactionHash,
                    anchor.ContractAddress, proofValid, onChain, verdict);
            }
            views.Add(new TransitionView(r.Sequence, r.FromState, r.ToState, r.Actor, r.Reason, r.ResponseCode, r.OccurredAtUnixMs,
                r.Service, r.AggregateType, r.AggregateId, Hex.Encode(leaf), leafData.CanonicalJson(), view));
        }
        return HistoryView.Of(aggregateType, aggregateId, views);
    }

    /// <summary>Whether the chain records <paramref name="root"/>; null when the node failed or did not answer before <paramref name="deadline"/>.</summary>
    private async Task<bool?> RecordedAsync(string root, CancellationToken deadline, CancellationToken ct)
    {
        var read = anchor.GetAsync(Hex.Decode(root));
        try
        {
            return await read.WaitAsync(deadline) is not null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The deadline (or the RPC client's own cancellation), not the caller's: a read still running goes on until the RPC
            // client's timeout; its outcome is not wanted.
            _ = read.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }
}
