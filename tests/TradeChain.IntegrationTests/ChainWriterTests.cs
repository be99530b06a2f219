using System.Collections.Concurrent;
using System.Numerics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Xunit.Abstractions;
using TradeChain.Ledger;
using TradeChain.Ledger.Contracts.TitleRegistry;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests;

/// <summary>The chain writer against a real anvil whose mining the test controls.</summary>
public sealed class ChainWriterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int InFlight = 5;
    private AnvilNode _chain = null!;

    public async Task InitializeAsync() => _chain = await AnvilNode.StartAsync();

    public async Task DisposeAsync() => await _chain.DisposeAsync();

    [Fact]
    public async Task A_transaction_mined_after_its_receipt_timed_out_is_not_sent_again()
    {
        var options = _chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        options.ReceiptTimeoutSeconds = 1;
        var log = new FirstWarning();
        var writer = new ChainWriter(options, log);
        var titles = new TitleRegistryClient(writer, options);
        var root = Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray();
        var sentBefore = (await writer.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(writer.Address, BlockParameter.CreateLatest())).Value;

        // The node takes the transaction but mines nothing: the writer's wait for its receipt times out.
        await writer.Web3.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        var sending = writer.SendAsync(titles.ContractAddress, new MintFunction { TokenId = TitleRegistryClient.TokenId(root), Beneficiary = writer.Address, Holder = writer.Address },
            CancellationToken.None);
        await log.Logged.WaitAsync(TimeSpan.FromSeconds(60));
        // Then the transaction is mined, and mining goes on as usual (a second transaction, if sent, would be mined too).
        await writer.Web3.Client.SendRequestAsync<string>("evm_mine");
        await writer.Web3.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true);

        var receipt = await sending; // not refused: a mint sent again would be (the title exists)
        Assert.Equal(sentBefore + 1, (await writer.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(writer.Address, BlockParameter.CreateLatest())).Value);
        var mined = await writer.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(receipt.TransactionHash);
        Assert.Equal(sentBefore, mined.Nonce.Value); // the one transaction is the first one sent
        Assert.True((await titles.GetAsync(root)).Exists);
    }

    [Fact]
    public async Task A_transaction_still_pending_after_its_receipt_timed_out_is_waited_for_not_sent_again()
    {
        var (writer, titles, warnings) = TimingOutWriter();
        var control = new Nethereum.Web3.Web3(_chain.RpcUrl);
        var before = await NonceAsync(control, writer.Address, BlockParameter.CreateLatest());
        var root = NewRoot();

        await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        Task<ChainReceipt> sending;
        try
        {
            sending = Mint(writer, titles, root);
            // The node holds it unmined past the receipt timeout: the next attempt finds it pending and waits for it.
            await warnings.LoggedAsync("is still pending");
            Assert.Equal(before + 1, await NonceAsync(control, writer.Address, BlockParameter.CreatePending())); // no second transaction
            Assert.False(sending.IsCompleted);
        }
        finally
        {
            await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true);
            await control.Client.SendRequestAsync<string>("evm_mine");
        }

        var receipt = await sending;
        await AssertEachOnceWithConsecutiveNoncesAsync(control, writer, titles, [root], [receipt], before);
        Assert.DoesNotContain(warnings.Messages, m => m.Contains("is unknown to the node", StringComparison.Ordinal)); // never sent anew
    }

    [Fact]
    public async Task A_transaction_the_node_dropped_after_its_receipt_timed_out_is_sent_again_on_its_own_nonce()
    {
        var (writer, titles, warnings) = TimingOutWriter();
        var control = new Nethereum.Web3.Web3(_chain.RpcUrl);
        var before = await NonceAsync(control, writer.Address, BlockParameter.CreateLatest());
        var root = NewRoot();

        await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        Task<ChainReceipt> sending;
        try
        {
            sending = Mint(writer, titles, root);
            await UntilAsync(async () => await NonceAsync(control, writer.Address, BlockParameter.CreatePending()) == before + 1, "the transaction pending in the node");
            // The node forgets it (evicted from its pool, or a restarted node): unknown, unmined, its nonce free again.
            await control.Client.SendRequestAsync<object>("anvil_dropAllTransactions");
            await warnings.LoggedAsync("dropped; its nonce is still free");
            await UntilAsync(async () => await NonceAsync(control, writer.Address, BlockParameter.CreatePending()) == before + 1, "the call sent again");
        }
        finally
        {
            await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true);
            await control.Client.SendRequestAsync<string>("evm_mine");
        }

        var receipt = await sending;
        // Sent again on the dropped one's nonce: no gap behind it, and the call ran once.
        await AssertEachOnceWithConsecutiveNoncesAsync(control, writer, titles, [root], [receipt], before);
    }

    [Fact]
    public async Task A_call_refused_after_the_node_dropped_its_transaction_takes_that_nonce_so_the_dropped_one_can_never_be_mined()
    {
        var options = _chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        options.ReceiptTimeoutSeconds = 5; // the revocation and the drop below happen while the writer waits for its receipt
        options.MaxAttempts = 10;
        var writer = new ChainWriter(options, new Warnings(output));
        var control = new Nethereum.Web3.Web3(_chain.RpcUrl);
        var sends = new RawSends(control);
        writer.Web3.Client.OverridingRequestInterceptor = sends;
        var titles = new TitleRegistryClient(writer, options);
        var admin = new ChainWriter(_chain.OptionsFor(DevelopmentAccounts.DeployerKey), NullLogger<ChainWriter>.Instance);
        var minterRole = Nethereum.Util.Sha3Keccack.Current.CalculateHash(System.Text.Encoding.UTF8.GetBytes("MINTER_ROLE"));
        var before = await NonceAsync(control, writer.Address, BlockParameter.CreateLatest());
        var adminBefore = await NonceAsync(control, admin.Address, BlockParameter.CreatePending());
        var root = NewRoot();

        await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        Task<ChainReceipt> sending;
        string droppedRaw;
        try
        {
            sending = Mint(writer, titles, root);
            await UntilAsync(async () => await NonceAsync(control, writer.Address, BlockParameter.CreatePending()) == before + 1, "the mint pending");
            droppedRaw = Assert.Single(sends.Sent);
            // The account loses its minter role (mined), and the node forgets the mint: the writer's next estimate is refused.
            var revoking = admin.SendAsync(titles.ContractAddress, new RevokeRoleFunction { Role = minterRole, Account = writer.Address }, CancellationToken.None);
            await UntilAsync(async () => await NonceAsync(control, admin.Address, BlockParameter.CreatePending()) == adminBefore + 1, "the revocation pending");
            await control.Client.SendRequestAsync<object>("anvil_dropTransaction", null, "0x" + Nethereum.Util.Sha3Keccack.Current.CalculateHashFromHex(droppedRaw));
            await control.Client.SendRequestAsync<string>("evm_mine");
            await revoking;
            // The writer finds the mint dropped, is refused at its next estimate, and answers only once the mint's nonce is taken.
            await UntilAsync(async () => sending.IsCompleted || await NonceAsync(control, writer.Address, BlockParameter.CreatePending()) == before + 1,
                "the refusal answered, or the mint's nonce taken again");
            Assert.False(sending.IsCompleted, "the refusal was answered with the dropped mint's nonce still free: that mint could still be mined");
        }
        finally
        {
            await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true);
            await control.Client.SendRequestAsync<string>("evm_mine");
        }

        var refused = await Assert.ThrowsAsync<ChainRevertedException>(() => sending);
        Assert.StartsWith("AccessControlUnauthorizedAccount", refused.Error);
        // The refusal is the last word: the dropped mint, handed to the node again (another node's pool), is refused, and mints nothing.
        Assert.Equal(before + 1, await NonceAsync(control, writer.Address, BlockParameter.CreateLatest()));
        var again = await Assert.ThrowsAsync<RpcResponseException>(() => control.Eth.Transactions.SendRawTransaction.SendRequestAsync(droppedRaw));
        Assert.Contains("nonce", again.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False((await titles.GetAsync(root)).Exists);
        // Taken by the writer's transaction of nothing: no value, no data, to the account itself.
        var fill = await control.Eth.Transactions.GetTransactionByHash.SendRequestAsync("0x" + Nethereum.Util.Sha3Keccack.Current.CalculateHashFromHex(sends.Sent[1]));
        Assert.Equal((before, writer.Address.ToLowerInvariant(), BigInteger.Zero, "0x"), (fill.Nonce.Value, fill.To.ToLowerInvariant(), fill.Value.Value, fill.Input));
        // And no gap: with its role back, the account's next call is mined on the following nonce.
        await admin.SendAsync(titles.ContractAddress, new GrantRoleFunction { Role = minterRole, Account = writer.Address }, CancellationToken.None);
        var next = await Mint(writer, titles, NewRoot());
        Assert.Equal(before + 1, (await control.Eth.Transactions.GetTransactionByHash.SendRequestAsync(next.TransactionHash)).Nonce.Value);
    }

    [Fact]
    public async Task A_call_whose_dropped_transaction_comes_back_as_it_is_refused_is_answered_with_that_transaction_mined_not_the_refusal()
    {
        var options = _chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        options.ReceiptTimeoutSeconds = 5;
        options.MaxAttempts = 10;
        var writer = new ChainWriter(options, new Warnings(output));
        var control = new Nethereum.Web3.Web3(_chain.RpcUrl);
        var comesBack = new RawSends(control);
        writer.Web3.Client.OverridingRequestInterceptor = comesBack;
        var titles = new TitleRegistryClient(writer, options);
        var before = await NonceAsync(control, writer.Address, BlockParameter.CreateLatest());
        var root = NewRoot();

        await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        Task<ChainReceipt> sending;
        string hash;
        try
        {
            sending = Mint(writer, titles, root);
            await UntilAsync(async () => await NonceAsync(control, writer.Address, BlockParameter.CreatePending()) == before + 1, "the mint pending");
            var raw = Assert.Single(comesBack.Sent);
            hash = "0x" + Nethereum.Util.Sha3Keccack.Current.CalculateHashFromHex(raw);
            // The node forgets the mint, and it comes back (another node's pool) just as the writer, having found it dropped, asks the
            // contract again: against the pending state the mint is refused as done (ERC721InvalidSender) — by the mint itself.
            comesBack.Arm(raw);
            await control.Client.SendRequestAsync<object>("anvil_dropTransaction", null, hash);
            await comesBack.Returned.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true);
            await control.Client.SendRequestAsync<string>("evm_mine");
        }

        // Made, by the transaction that came back: that is the answer, not the refusal it caused.
        var receipt = await sending;
        Assert.Equal(hash, receipt.TransactionHash, ignoreCase: true);
        Assert.True((await titles.GetAsync(root)).Exists);
        Assert.Single(comesBack.Sent); // nothing else sent: no second mint, no transaction of nothing on a nonce that was taken
        Assert.Equal(before + 1, await NonceAsync(control, writer.Address, BlockParameter.CreateLatest()));
    }

    [Fact]
    public async Task A_call_refused_as_done_already_while_the_accounts_earlier_transaction_is_pending_is_answered_once_that_is_mined()
    {
        var (writer, titles) = Writer();
        var control = new Nethereum.Web3.Web3(_chain.RpcUrl);
        var before = await NonceAsync(control, writer.Address, BlockParameter.CreateLatest());
        var root = NewRoot();
        var stalled = NewRoot();
        // The same account's writer in another request or replica, whose wait for a stalled chain is short.
        var options = _chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        options.ReceiptTimeoutSeconds = 1;
        var impatient = new ChainWriter(options, NullLogger<ChainWriter>.Instance);

        await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        Task<ChainReceipt> first, retry;
        try
        {
            first = Mint(writer, titles, root);
            await UntilAsync(async () => await NonceAsync(control, writer.Address, BlockParameter.CreatePending()) == before + 1, "the first mint pending");
            // The same call again (a caller's retry): the node, estimating against its pending state, refuses it as done
            // (ERC721InvalidSender) while the chain's latest state has no such title yet. Not an answer yet.
            retry = Mint(writer, titles, root);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(retry.IsCompleted, "the retry was answered while the transaction that made it look done was not mined");
            // Pending for longer than the writer waits: neither done nor refused — try again.
            var pendingStill = await Assert.ThrowsAsync<ChainTransactionsPendingException>(() => Mint(impatient, titles, root));
            Assert.Contains("try again", pendingStill.Message);
        }
        finally
        {
            await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true);
            await control.Client.SendRequestAsync<string>("evm_mine");
        }

        await first;
        // Asked again of the mined state, the refusal stands — and the caller's lookup finds the title its first attempt made.
        var refused = await Assert.ThrowsAsync<ChainRevertedException>(() => retry);
        Assert.StartsWith("ERC721InvalidSender", refused.Error);
        Assert.True((await titles.GetAsync(root)).Exists);
        Assert.Equal(before + 1, await NonceAsync(control, writer.Address, BlockParameter.CreateLatest())); // one transaction, never two

        // A refusal that is not "done already" stands at once, pending transactions or not.
        await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        try
        {
            var pending = Mint(writer, titles, stalled);
            await UntilAsync(async () => await NonceAsync(control, writer.Address, BlockParameter.CreatePending()) == before + 2, "a mint pending");
            // Accepting the surrender of a title that does not exist: refused for good, with the account's mint still pending.
            var refusedAtOnce = await Assert.ThrowsAsync<ChainRevertedException>(() =>
                writer.SendAsync(titles.ContractAddress, new AcceptSurrenderFunction { TokenId = TitleRegistryClient.TokenId(NewRoot()) }, CancellationToken.None));
            Assert.DoesNotContain("ERC721InvalidSender", refusedAtOnce.Error);
            Assert.False(pending.IsCompleted); // answered without waiting for the pending mint
        }
        finally
        {
            await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true);
            await control.Client.SendRequestAsync<string>("evm_mine");
        }
    }

    [Fact]
    public async Task Transactions_of_one_account_are_in_flight_together_and_each_call_returns_its_own_receipt()
    {
        var (writer, titles) = Writer();
        var control = new Nethereum.Web3.Web3(_chain.RpcUrl);
        var before = await NonceAsync(control, writer.Address, BlockParameter.CreateLatest());

        // The node takes transactions but mines nothing: a writer that waits for each receipt before sending the next has one pending.
        await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        var roots = Enumerable.Range(0, InFlight).Select(_ => NewRoot()).ToList();
        List<Task<ChainReceipt>> sending;
        try
        {
            sending = roots.Select(root => Mint(writer, titles, root)).ToList();
            await UntilAsync(async () => await NonceAsync(control, writer.Address, BlockParameter.CreatePending()) == before + InFlight,
                $"all {InFlight} transactions pending in the node at once");
            Assert.All(sending, s => Assert.False(s.IsCompleted)); // none returns before its transaction is mined
        }
        finally
        {
            await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true);
            await control.Client.SendRequestAsync<string>("evm_mine");
        }

        var receipts = await Task.WhenAll(sending);
        await AssertEachOnceWithConsecutiveNoncesAsync(control, writer, titles, roots, receipts, before);
    }

    [Fact]
    public async Task A_send_that_fails_in_the_middle_of_a_pipeline_neither_leaves_a_nonce_gap_nor_runs_a_call_twice()
    {
        var (writer, titles) = Writer();
        var control = new Nethereum.Web3.Web3(_chain.RpcUrl);
        var before = await NonceAsync(control, writer.Address, BlockParameter.CreateLatest());
        // The 2nd raw transaction never reaches the node; the 4th does, but its answer is lost.
        var faults = new SendFaults(lostBeforeNode: 2, lostAfterNode: 4);
        writer.Web3.Client.OverridingRequestInterceptor = faults;

        await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        var roots = Enumerable.Range(0, InFlight).Select(_ => NewRoot()).ToList();
        List<Task<ChainReceipt>> sending;
        try
        {
            sending = roots.Select(root => Mint(writer, titles, root)).ToList();
            // With no gap, every call's transaction (retried ones included) is pending: nonces before … before + 4.
            await UntilAsync(async () => await NonceAsync(control, writer.Address, BlockParameter.CreatePending()) == before + InFlight && faults.Sends >= InFlight + 1,
                $"{InFlight} consecutive transactions pending after the two failed sends");
        }
        finally
        {
            await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true);
            await control.Client.SendRequestAsync<string>("evm_mine");
        }

        var receipts = await Task.WhenAll(sending);
        Assert.Equal(2, faults.Failed);
        await AssertEachOnceWithConsecutiveNoncesAsync(control, writer, titles, roots, receipts, before);
    }

    [Fact]
    public async Task A_transaction_costs_an_estimate_a_send_and_its_receipt_with_no_nonce_or_fee_read_each_time()
    {
        // A fee cache longer than the test, so that a slow machine (30 mints taking over 30 s) does not turn into fee reads:
        // what is judged is that fees are not read per transaction.
        var (writer, titles) = Writer(feeCacheMilliseconds: 600_000);
        var calls = new RpcCount();
        writer.Web3.Client.OverridingRequestInterceptor = calls;
        const int Sequential = 10, Concurrent = 20;

        for (var i = 0; i < Sequential; i++) await Mint(writer, titles, NewRoot());
        await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => Mint(writer, titles, NewRoot())));

        var counts = calls.ByMethod;
        output.WriteLine($"RPC calls for {Sequential + Concurrent} transactions: {string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}"))}; " +
                         $"per transaction {counts.Values.Sum() / (double)(Sequential + Concurrent):0.00}");
        const int Transactions = Sequential + Concurrent;
        Assert.Equal(Transactions, counts.GetValueOrDefault("eth_sendRawTransaction"));
        Assert.Equal(Transactions, counts.GetValueOrDefault("eth_estimateGas"));
        Assert.True(counts.GetValueOrDefault("eth_getTransactionCount") <= 1, "the nonce is read from the node once, then kept");
        // Fees: fetched at most once per cache window, not per transaction.
        var feeReads = counts.GetValueOrDefault("eth_getBlockByNumber") + counts.GetValueOrDefault("eth_maxPriorityFeePerGas") + counts.GetValueOrDefault("eth_feeHistory");
        Assert.True(feeReads < Transactions / 2, $"fees read {feeReads} times for {Transactions} transactions");
    }

    [Fact]
    public async Task Receipts_are_asked_once_per_transaction_and_again_only_when_a_block_arrives()
    {
        await using var proxy = new JsonRpcProxy(_chain.RpcUrl);
        var options = _chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        options.RpcUrl = proxy.Url;
        var writer = new ChainWriter(options, NullLogger<ChainWriter>.Instance);
        var titles = new TitleRegistryClient(writer, options);
        var control = new Nethereum.Web3.Web3(_chain.RpcUrl);
        var before = await NonceAsync(control, writer.Address, BlockParameter.CreateLatest());

        await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        var roots = Enumerable.Range(0, InFlight).Select(_ => NewRoot()).ToList();
        List<Task<ChainReceipt>> sending;
        long askedWhilePending, headReads;
        try
        {
            sending = roots.Select(root => Mint(writer, titles, root)).ToList();
            await UntilAsync(async () => await NonceAsync(control, writer.Address, BlockParameter.CreatePending()) == before + InFlight,
                $"all {InFlight} transactions pending");
            // Many poll intervals with no new block: the head is read each time, no receipt asked again.
            var headReadsAtStart = proxy.Calls.GetValueOrDefault("eth_blockNumber");
            await UntilAsync(() => Task.FromResult(proxy.Calls.GetValueOrDefault("eth_blockNumber") >= headReadsAtStart + 20), "20 head reads");
            askedWhilePending = proxy.Calls.GetValueOrDefault("eth_getTransactionReceipt");
            headReads = proxy.Calls.GetValueOrDefault("eth_blockNumber");
        }
        finally
        {
            // One block mines all of them, and only then is automine back on (with nothing pending it mines nothing).
            // The other order let anvil mine the pending transactions when automine came back and evm_mine add an empty
            // second block, which the watcher rightly read too (2 block reads: this test failed about 1 run in 3).
            try { await control.Client.SendRequestAsync<string>("evm_mine"); }
            finally { await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true); }
        }

        var receipts = await Task.WhenAll(sending);
        var asked = proxy.Calls.GetValueOrDefault("eth_getTransactionReceipt");
        var blockReads = proxy.Calls.GetValueOrDefault("eth_getBlockReceipts");
        output.WriteLine($"{InFlight} transactions: {askedWhilePending} receipt reads while pending over {headReads} head reads, {asked} in all, {blockReads} block receipt reads");
        Assert.True(askedWhilePending <= InFlight, $"{askedWhilePending} receipt reads for {InFlight} pending transactions while no block came");
        // The block that mined all of them is read once for its receipts, instead of each transaction's receipt on its own.
        Assert.Equal(askedWhilePending, asked);
        Assert.Equal(1, blockReads);
        await AssertEachOnceWithConsecutiveNoncesAsync(control, writer, titles, roots, receipts, before);
    }

    /// <summary>A node that refuses eth_getBlockReceipts (method not found, not enabled), or has no answer for a block yet (null: behind the head it reported).</summary>
    private sealed class NoBlockReceipts(string upstream, bool answersNull = false) : JsonRpcProxy(upstream)
    {
        protected override Task<System.Text.Json.Nodes.JsonObject?> RefusalAsync(System.Text.Json.Nodes.JsonObject request) =>
            Task.FromResult(request["method"]?.GetValue<string>() == "eth_getBlockReceipts"
                ? answersNull
                    ? new System.Text.Json.Nodes.JsonObject { ["jsonrpc"] = "2.0", ["id"] = request["id"]?.DeepClone(), ["result"] = null }
                    : new System.Text.Json.Nodes.JsonObject
                    {
                        ["jsonrpc"] = "2.0", ["id"] = request["id"]?.DeepClone(),
                        ["error"] = new System.Text.Json.Nodes.JsonObject { ["code"] = -32604, ["message"] = "Method not enabled" },
                    }
                : null);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task On_a_node_that_refuses_block_receipts_or_has_none_yet_each_transactions_receipt_is_asked_for_instead(bool answersNull)
    {
        await using var proxy = new NoBlockReceipts(_chain.RpcUrl, answersNull);
        var options = _chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        options.RpcUrl = proxy.Url;
        var writer = new ChainWriter(options, NullLogger<ChainWriter>.Instance);
        var titles = new TitleRegistryClient(writer, options);
        var control = new Nethereum.Web3.Web3(_chain.RpcUrl);
        var before = await NonceAsync(control, writer.Address, BlockParameter.CreateLatest());
        var roots = Enumerable.Range(0, InFlight).Select(_ => NewRoot()).ToList();

        await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        List<Task<ChainReceipt>> sending;
        try
        {
            sending = roots.Select(root => Mint(writer, titles, root)).ToList();
            await UntilAsync(async () => await NonceAsync(control, writer.Address, BlockParameter.CreatePending()) == before + InFlight, $"all {InFlight} transactions pending");
            await UntilAsync(() => Task.FromResult(proxy.Calls.GetValueOrDefault("eth_getTransactionReceipt") >= InFlight), "each transaction asked for once");
        }
        finally
        {
            // One block for all of them, then automine (in the other order a second, empty block could follow).
            try { await control.Client.SendRequestAsync<string>("evm_mine"); }
            finally { await control.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true); }
        }

        var receipts = await Task.WhenAll(sending); // each call still returns its own receipt, none failed by the node's answer
        Assert.Equal(1, proxy.Calls.GetValueOrDefault("eth_getBlockReceipts"));
        await AssertEachOnceWithConsecutiveNoncesAsync(control, writer, titles, roots, receipts, before);
        // And later transactions are followed as well (a node that refused the method is not asked for it again).
        var later = NewRoot();
        var laterReceipt = await Mint(writer, titles, later);
        await AssertEachOnceWithConsecutiveNoncesAsync(control, writer, titles, [.. roots, later], [.. receipts, laterReceipt], before);
        if (!answersNull) Assert.Equal(1, proxy.Calls.GetValueOrDefault("eth_getBlockReceipts"));
    }

    [Fact]
    public async Task A_party_account_is_kept_in_gas_without_a_balance_read_per_transaction()
    {
        var (service, _) = Writer();
        var reads = new RpcCount();
        service.Web3.Client.OverridingRequestInterceptor = reads;
        var options = _chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        // A top-up that pays for a few transactions only, so the party runs dry unless it is topped up in time.
        var wallets = new PartyWallets(options, new PartyAccountOptions { DeriveDevelopmentKeys = true, GasTopUpWei = "1000000000000000" }, service,
            NullLoggerFactory.Instance);
        var party = "PARTY-" + Guid.NewGuid().ToString("N");
        Assert.Equal(0, (await service.Web3.Eth.GetBalance.SendRequestAsync(wallets.AddressOf(party))).Value);
        const int Steps = 30;

        for (var i = 0; i < Steps; i++)
        {
            var writer = await wallets.ForAsync(party, CancellationToken.None);
            Assert.Same(writer, await wallets.ForAsync(party, CancellationToken.None)); // one writer per party
            Assert.Equal(wallets.AddressOf(party), writer.Address);
            await writer.SendValueAsync(service.Address, 1, CancellationToken.None); // fails for want of gas if not topped up
        }

        var balanceReads = reads.ByMethod.GetValueOrDefault("eth_getBalance") - 1; // less the test's own read
        var topUps = reads.ByMethod.GetValueOrDefault("eth_sendRawTransaction");
        output.WriteLine($"{Steps} party transactions: {balanceReads} balance reads, {topUps} top-ups");
        Assert.True(topUps >= 2, "the party was topped up more than once");
        Assert.True(balanceReads < Steps / 2, $"{balanceReads} balance reads for {Steps} steps");
    }

    [Fact]
    public async Task A_party_with_a_quarter_or_more_of_its_top_up_left_is_topped_up_alongside_its_send_not_before_it()
    {
        var (service, _) = Writer();
        var options = _chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        var topUp = System.Numerics.BigInteger.Pow(10, 18);
        var wallets = new PartyWallets(options, new PartyAccountOptions { DeriveDevelopmentKeys = true, GasTopUpWei = topUp.ToString() }, service,
            NullLoggerFactory.Instance);
        var party = "PARTY-" + Guid.NewGuid().ToString("N");
        var control = new Nethereum.Web3.Web3(_chain.RpcUrl);
        async Task<System.Numerics.BigInteger> Balance() => (await control.Eth.GetBalance.SendRequestAsync(wallets.AddressOf(party))).Value;

        // A fresh party holds nothing: its first send waits for its top-up.
        var writer = await wallets.ForAsync(party, CancellationToken.None);
        Assert.Equal(topUp, await Balance());
        // It spends 60 % of it: 40 % left, below half (a top-up is due) but above a quarter.
        await writer.SendValueAsync(service.Address, topUp * 6 / 10, CancellationToken.None);

        // Blocks stop being mined: a send that waited for its top-up's block would wait until the test gives up.
        await control.Client.SendRequestAsync<object?>("evm_setAutomine", null, false);
        try
        {
            var servicePending = await NonceAsync(control, service.Address, BlockParameter.CreatePending());
            var partyPending = await NonceAsync(control, writer.Address, BlockParameter.CreatePending());
            using (var within = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
            {
                Assert.Same(writer, await wallets.ForAsync(party, within.Token));
                Assert.Same(writer, await wallets.ForAsync(party, within.Token)); // asked again meanwhile: still one top-up
                // The party's own transaction goes to the node at once (its receipt waits for a block: not awaited here).
                var ownSend = writer.SendValueAsync(service.Address, 1, CancellationToken.None);
                for (var i = 0; i < 100 && await NonceAsync(control, writer.Address, BlockParameter.CreatePending()) == partyPending; i++) await Task.Delay(100, within.Token);
                Assert.Equal(partyPending + 1, await NonceAsync(control, writer.Address, BlockParameter.CreatePending()));
                _ = ownSend.ContinueWith(t => t.Exception, TaskScheduler.Default); // completes once mined below
            }
            // The top-up was sent alongside (the service's transaction waits for a block too), not awaited, and once.
            for (var i = 0; i < 100 && await NonceAsync(control, service.Address, BlockParameter.CreatePending()) == servicePending; i++) await Task.Delay(100);
            await Task.Delay(500);
            Assert.Equal(servicePending + 1, await NonceAsync(control, service.Address, BlockParameter.CreatePending()));
            Assert.True(await Balance() < topUp / 2);
        }
        finally
        {
            await control.Client.SendRequestAsync<object?>("evm_setAutomine", null, true);
            await control.Client.SendRequestAsync<object?>("evm_mine", null);
        }
        // Mined: the party holds its top-up again, less what its own transaction cost after the top-up's balance read.
        for (var i = 0; i < 100 && await Balance() < topUp / 2; i++) await Task.Delay(100);
        Assert.InRange(await Balance(), topUp * 99 / 100, topUp);
    }

    private (ChainWriter Writer, TitleRegistryClient Titles) Writer(int? feeCacheMilliseconds = null)
    {
        var options = _chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        options.MaxAttempts = 5;
        if (feeCacheMilliseconds is { } cache) options.FeeCacheMilliseconds = cache;
        var writer = new ChainWriter(options, NullLogger<ChainWriter>.Instance);
        return (writer, new TitleRegistryClient(writer, options));
    }

    /// <summary>A writer whose wait for a receipt runs out after a second, with attempts enough to outlast the test's steps.</summary>
    private (ChainWriter Writer, TitleRegistryClient Titles, Warnings Warnings) TimingOutWriter()
    {
        var options = _chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        options.ReceiptTimeoutSeconds = 1;
        options.MaxAttempts = 10;
        var warnings = new Warnings(output);
        var writer = new ChainWriter(options, warnings);
        return (writer, new TitleRegistryClient(writer, options), warnings);
    }

    [Fact]
    public async Task A_partys_own_transaction_whose_time_to_send_ran_out_is_not_sent_and_one_within_it_is()
    {
        var options = _chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        var writer = new ChainWriter(options, NullLogger<ChainWriter>.Instance);
        var titles = new TitleRegistryClient(writer, options);
        var control = new Nethereum.Web3.Web3(_chain.RpcUrl);
        var root = NewRoot();
        var mint = new MintFunction { TokenId = TitleRegistryClient.TokenId(root), Beneficiary = writer.Address, Holder = writer.Address };
        // The party signs the transaction prepared for it (as a pending signature's submission hands it in).
        var unsigned = await writer.PrepareAsync(writer.Address, titles.ContractAddress, mint, CancellationToken.None);
        var raw = (await new TransactionSigner(DevelopmentAccounts.DocumentsKey, options.ChainId).SignAsync(unsigned, CancellationToken.None)).Raw;
        var before = await NonceAsync(control, writer.Address, BlockParameter.CreatePending());

        // Its sender got to the node after the moment it had to send by (its claim's lease): nothing reaches the node.
        var late = new PresignedSigner(raw, writer.Address, "DOCS") { SendBy = DateTimeOffset.UtcNow.AddSeconds(-1) };
        var refused = await Assert.ThrowsAsync<SendDeadlinePassedException>(() => writer.SendingOnce(late).SendAsync(titles.ContractAddress, mint, CancellationToken.None));
        Assert.Equal(late.Hash, refused.Hash);
        Assert.Null(await control.Eth.Transactions.GetTransactionByHash.SendRequestAsync(late.Hash));
        Assert.Equal(before, await NonceAsync(control, writer.Address, BlockParameter.CreatePending()));

        // Within its time the same transaction is sent and mined.
        var inTime = new PresignedSigner(raw, writer.Address, "DOCS") { SendBy = DateTimeOffset.UtcNow.AddMinutes(1) };
        var receipt = await writer.SendingOnce(inTime).SendAsync(titles.ContractAddress, mint, CancellationToken.None);
        Assert.Equal(inTime.Hash, receipt.TransactionHash);
        Assert.True((await titles.GetAsync(root)).Exists);
    }

    private static byte[] NewRoot() => Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray();

    /// <summary>Mints a title: done twice it would be refused (the title exists), so a call that returns ran exactly once.</summary>
    private static Task<ChainReceipt> Mint(ChainWriter writer, TitleRegistryClient titles, byte[] root) =>
        writer.SendAsync(titles.ContractAddress, new MintFunction { TokenId = TitleRegistryClient.TokenId(root), Beneficiary = writer.Address, Holder = writer.Address },
            CancellationToken.None);

    private static async Task AssertEachOnceWithConsecutiveNoncesAsync(Nethereum.Web3.Web3 control, ChainWriter writer, TitleRegistryClient titles,
        IReadOnlyList<byte[]> roots, IReadOnlyList<ChainReceipt> receipts, BigInteger before)
    {
        Assert.Equal(receipts.Count, receipts.Select(r => r.TransactionHash).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        var nonces = new List<BigInteger>();
        foreach (var receipt in receipts)
            nonces.Add((await control.Eth.Transactions.GetTransactionByHash.SendRequestAsync(receipt.TransactionHash)).Nonce.Value);
        Assert.Equal(Enumerable.Range(0, receipts.Count).Select(i => before + i), nonces.Order());
        // Exactly these transactions were mined for the account: none sent twice, none lost.
        Assert.Equal(before + receipts.Count, await NonceAsync(control, writer.Address, BlockParameter.CreateLatest()));
        Assert.Equal(before + receipts.Count, await NonceAsync(control, writer.Address, BlockParameter.CreatePending()));
        foreach (var root in roots) Assert.True((await titles.GetAsync(root)).Exists);
    }

    private static async Task<BigInteger> NonceAsync(Nethereum.Web3.Web3 control, string address, BlockParameter block) =>
        (await control.Eth.Transactions.GetTransactionCount.SendRequestAsync(address, block)).Value;

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (deadline.IsCancellationRequested) Assert.Fail($"not reached within 30 s: {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>Counts the JSON-RPC calls a writer makes, by method.</summary>
    private sealed class RpcCount : RequestInterceptor
    {
        private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

        public IReadOnlyDictionary<string, int> ByMethod => new Dictionary<string, int>(_counts);

        public override Task<object> InterceptSendRequestAsync<T>(Func<RpcRequest, string, Task<T>> interceptedSendRequestAsync, RpcRequest request, string? route = null)
        {
            _counts.AddOrUpdate(request.Method, 1, (_, n) => n + 1);
            return base.InterceptSendRequestAsync(interceptedSendRequestAsync, request, route);
        }

        public override Task<object> InterceptSendRequestAsync<T>(Func<string, string, object[], Task<T>> interceptedSendRequestAsync, string method, string? route = null,
            params object[] paramList)
        {
            _counts.AddOrUpdate(method, 1, (_, n) => n + 1);
            return base.InterceptSendRequestAsync(interceptedSendRequestAsync, method, route, paramList);
        }
    }

    /// <summary>
    /// Keeps the signed bytes of every transaction a writer sends; once armed, hands the node a transaction again (as one coming
    /// back from another node's pool) just before the writer's next estimate.
    /// </summary>
    private sealed class RawSends(Nethereum.Web3.Web3 control) : RequestInterceptor
    {
        private readonly ConcurrentQueue<string> _sent = new();
        private string? _armed;

        public IReadOnlyList<string> Sent => [.. _sent];

        public TaskCompletionSource Returned { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Arm(string raw) => Volatile.Write(ref _armed, raw);

        public override async Task<object> InterceptSendRequestAsync<T>(Func<RpcRequest, string, Task<T>> interceptedSendRequestAsync, RpcRequest request, string? route = null)
        {
            await BeforeAsync(request.Method, request.RawParameters);
            return (await interceptedSendRequestAsync(request, route!))!;
        }

        public override async Task<object> InterceptSendRequestAsync<T>(Func<string, string, object[], Task<T>> interceptedSendRequestAsync, string method, string? route = null,
            params object[] paramList)
        {
            await BeforeAsync(method, paramList);
            return (await interceptedSendRequestAsync(method, route!, paramList))!;
        }

        private async Task BeforeAsync(string method, object[] parameters)
        {
            if (method == "eth_sendRawTransaction") _sent.Enqueue((string)parameters[0]);
            if (method == "eth_estimateGas" && Interlocked.Exchange(ref _armed, null) is { } raw)
            {
                await control.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw);
                Returned.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Loses the answer of chosen <c>eth_sendRawTransaction</c> calls (numbered from 1) as a broken connection would: one
    /// before it reaches the node (the transaction is not taken), one after (taken, but the writer cannot know).
    /// </summary>
    private sealed class SendFaults(int lostBeforeNode, int lostAfterNode) : RequestInterceptor
    {
        private int _sends;
        private int _failed;

        public int Sends => Volatile.Read(ref _sends);

        public int Failed => Volatile.Read(ref _failed);

        public override async Task<object> InterceptSendRequestAsync<T>(Func<RpcRequest, string, Task<T>> interceptedSendRequestAsync, RpcRequest request, string? route = null)
        {
            if (request.Method != "eth_sendRawTransaction") return (await interceptedSendRequestAsync(request, route!))!;
            var n = Interlocked.Increment(ref _sends);
            if (n == lostBeforeNode) Fail();
            var answer = await interceptedSendRequestAsync(request, route!);
            if (n == lostAfterNode) Fail();
            return answer!;
        }

        private void Fail()
        {
            Interlocked.Increment(ref _failed);
            throw new HttpRequestException("connection reset (injected)");
        }
    }

    /// <summary>A logger that signals the writer's first warning: its wait for a receipt ran out.</summary>
    private sealed class FirstWarning : ILogger<ChainWriter>
    {
        private readonly TaskCompletionSource _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Logged => _logged.Task;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning) _logged.TrySetResult();
        }
    }

    /// <summary>The writer's warnings, kept in order; a test waits for one that says a given thing.</summary>
    private sealed class Warnings(ITestOutputHelper output) : ILogger<ChainWriter>
    {
        private readonly ConcurrentQueue<string> _messages = new();

        public IReadOnlyList<string> Messages => _messages.ToList();

        public async Task LoggedAsync(string text)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!_messages.Any(m => m.Contains(text, StringComparison.Ordinal)))
            {
                if (deadline.IsCancellationRequested) Assert.Fail($"the writer never warned \"{text}\": {string.Join(" | ", _messages)}");
                await Task.Delay(20);
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel < LogLevel.Warning) return;
            var message = formatter(state, exception);
            _messages.Enqueue(message);
            try { output.WriteLine(message); } catch (InvalidOperationException) { } // after the test ended
        }
    }
}
