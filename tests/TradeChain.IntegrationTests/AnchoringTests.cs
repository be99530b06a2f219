using Microsoft.Data.Sqlite;
using TradeChain.Domain.Hashing;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests;

/// <summary>The transition log on a real SQLite database, anchored by the real worker on a real anvil chain.</summary>
public sealed class AnchoringTests : IAsyncLifetime
{
    private AnvilNode _chain = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _chain = await AnvilNode.StartAsync();
        _dir = TestEnvironment.NewTempDirectory("anchoring");
    }

    public async Task DisposeAsync() => await _chain.DisposeAsync();

    private AnchoringRig Rig(int maxBatchSize, string database, int maxWaitMs = 0) => new(_chain, Path.Combine(_dir, database), maxBatchSize, maxWaitMs);

    [Fact]
    public async Task Transitions_are_batched_into_Merkle_roots_on_chain_and_each_proof_checks()
    {
        await using var rig = Rig(maxBatchSize: 4, "batched.db");
        var id = await rig.RecordShipmentAsync(10);

        Assert.Equal(3, await rig.AnchorAllAsync()); // 4 + 4 + 2

        var history = await rig.CheckedHistoryAsync(id);
        Assert.Equal(10, history.Transitions.Count);
        Assert.All(history.Transitions, t =>
        {
            Assert.Equal("anchored", t.Anchor.Status);
            Assert.True(t.Anchor.ProofValid);
            Assert.True(t.Anchor.RootOnChain);
        });
        Assert.Equal([4, 4, 4, 4, 4, 4, 4, 4, 2, 2], history.Transitions.Select(t => t.Anchor.BatchSize!.Value));
        Assert.Equal(3, history.Transitions.Select(t => t.Anchor.Root).Distinct().Count());

        // The chain itself says how many transitions each root covers.
        var onChain = await rig.Anchor.GetAsync(Hex.Decode(history.Transitions[0].Anchor.Root!));
        Assert.Equal(4, onChain!.TransitionCount);
    }

    [Fact]
    public async Task A_history_comes_from_a_stalled_node_with_its_roots_unchecked_and_each_proof_still_checked()
    {
        await using var rig = Rig(maxBatchSize: 2, "stalled.db");
        var id = await rig.RecordShipmentAsync(6);
        Assert.Equal(3, await rig.AnchorAllAsync()); // three roots: each would wait for the RPC client's timeout in turn

        // The node hangs (takes connections, answers nothing) for 15 s: longer than the history may wait for the chain (5 s
        // in all), shorter than one read waiting for the RPC client's own timeout (20 s), as each root's did in turn before.
        using var resume = new CancellationTokenSource();
        var stall = _chain.StallAsync(TimeSpan.FromSeconds(15), resume.Token);
        try
        {
            var history = await rig.HistoryAsync(id);
            Assert.False(stall.IsCompleted, "the history waited for the node to come back");
            Assert.All(history.Transitions, t =>
            {
                Assert.Equal("unchecked", t.Anchor.Status);
                Assert.True(t.Anchor.ProofValid); // the proofs are checked here, without the chain
                Assert.Null(t.Anchor.RootOnChain);
            });
            Assert.Equal("unchecked", history.Verdict);
        }
        finally
        {
            await resume.CancelAsync();
            await stall;
        }

        // The node back: the same history verifies.
        var verified = await rig.CheckedHistoryAsync(id);
        Assert.Equal("verified", verified.Verdict);
        Assert.All(verified.Transitions, t => Assert.Equal("anchored", t.Anchor.Status));
    }

    [Fact]
    public async Task Batch_size_one_is_one_transaction_per_transition()
    {
        await using var rig = Rig(maxBatchSize: 1, "single.db");
        var id = await rig.RecordShipmentAsync(3);

        Assert.Equal(3, await rig.AnchorAllAsync());

        var history = await rig.HistoryAsync(id);
        Assert.Equal(3, history.Transitions.Select(t => t.Anchor.TransactionHash).Distinct().Count());
        Assert.All(history.Transitions, t => Assert.Equal((t.Leaf, 0), (t.Anchor.Root!, t.Anchor.Proof.Count)));
    }

    [Fact]
    public async Task A_transition_edited_in_the_database_fails_verification_against_the_chain()
    {
        await using var rig = Rig(maxBatchSize: 8, "tampered.db");
        var id = await rig.RecordShipmentAsync(5);
        await rig.AnchorAllAsync();

        await using (var connection = new SqliteConnection($"Data Source={rig.DatabasePath}"))
        {
            await connection.OpenAsync();
            var command = connection.CreateCommand();
            command.CommandText = "UPDATE transitions SET Reason = 'step 3 (quietly rewritten)' WHERE AggregateId = $id AND Sequence = 3";
            command.Parameters.AddWithValue("$id", id);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var history = await rig.CheckedHistoryAsync(id);
        var tampered = history.Transitions.Single(t => t.Sequence == 3);
        Assert.False(tampered.Anchor.ProofValid);
        Assert.StartsWith("tampered", tampered.Anchor.Verdict);
        Assert.Equal("tampered", tampered.Anchor.Status); // not "anchored": it does not verify
        Assert.All(history.Transitions.Where(t => t.Sequence != 3), t => Assert.True(t.Anchor.ProofValid));
        Assert.All(history.Transitions.Where(t => t.Sequence != 3), t => Assert.Equal("anchored", t.Anchor.Status));
        // The history as a whole does not verify, and says which transition fails.
        var json = System.Text.Json.JsonSerializer.SerializeToNode(history, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
        Assert.Equal("does-not-verify", json["verdict"]?.GetValue<string>());
        Assert.StartsWith("1 of 5 transition(s) do not verify: #3 tampered", json["verdictReason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Nothing_is_anchored_before_the_batch_fills_or_the_oldest_transition_has_waited_long_enough()
    {
        await using var rig = Rig(maxBatchSize: 50, "waiting.db", maxWaitMs: 60_000);
        await rig.RecordShipmentAsync(2);

        var result = await rig.Worker.AnchorNextBatchAsync(CancellationToken.None);

        Assert.Equal(0, result.Anchored);
        Assert.NotNull(result.RetryIn);
    }

    [Fact]
    public async Task A_full_batch_is_anchored_at_once_however_long_its_window()
    {
        await using var rig = Rig(maxBatchSize: 3, "full.db", maxWaitMs: 60_000);
        await rig.RecordShipmentAsync(2);
        Assert.Equal(0, (await rig.Worker.AnchorNextBatchAsync(CancellationToken.None)).Anchored); // two of three: its window is open
        await rig.RecordShipmentAsync(2);

        var result = await rig.Worker.AnchorNextBatchAsync(CancellationToken.None);

        Assert.Equal(3, result.Anchored); // the oldest three; the fourth waits for the next batch
        Assert.Equal(0, (await rig.Worker.AnchorNextBatchAsync(CancellationToken.None)).Anchored);
    }
}
