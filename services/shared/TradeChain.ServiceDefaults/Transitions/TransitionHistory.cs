using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TradeChain.Ledger;
using TradeChain.Domain.Hashing;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.ServiceDefaults.Transitions;

/// <summary>How one transition stands against the chain.</summary>
/// <param name="Status">"pending" (not yet anchored) or "anchored".</param>
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
    string CanonicalLeafData,
    AnchorView Anchor);

public sealed record HistoryView(string AggregateType, string AggregateId, IReadOnlyList<TransitionView> Transitions);

/// <summary>Reads an aggregate's transitions with their proofs, and checks each against the chain.</summary>
public sealed class TransitionHistory(ServiceDbContext db, TransitionAnchorClient anchor)
{
    public async Task<HistoryView> GetAsync(string aggregateType, string aggregateId, CancellationToken ct)
    {
        var records = await db.Transitions.AsNoTracking()
            .Where(t => t.AggregateType == aggregateType && t.AggregateId == aggregateId)
            .OrderBy(t => t.Sequence).ToListAsync(ct);
        var roots = new Dictionary<string, bool?>();
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
                if (!roots.TryGetValue(r.BatchRoot, out var onChain))
                {
                    try { onChain = await anchor.GetAsync(Hex.Decode(r.BatchRoot)) is not null; }
                    catch (Exception e) when (e is not OperationCanceledException) { onChain = null; } // chain unreachable: say so, do not fail
                    roots[r.BatchRoot] = onChain;
                }
                var verdict = (proofValid, onChain) switch
                {
                    (false, _) => "tampered: the transition's fields do not hash to a leaf of its anchored root",
                    (true, true) => "verified: the transition is in a root recorded on chain",
                    (true, false) => "unknown root: the chain does not record this transition's root",
                    (true, null) => "proof valid; the chain is unreachable, so the root was not checked",
                };
                view = new AnchorView("anchored", r.BatchRoot, proof, r.BatchSize, r.BlockNumber, r.TransactionHash,
                    anchor.ContractAddress, proofValid, onChain, verdict);
            }
            views.Add(new TransitionView(r.Sequence, r.FromState, r.ToState, r.Actor, r.Reason, r.ResponseCode, r.OccurredAtUnixMs,
                r.Service, r.AggregateType, r.AggregateId, Hex.Encode(leaf), leafData.CanonicalJson(), view));
        }
        return new HistoryView(aggregateType, aggregateId, views);
    }
}
