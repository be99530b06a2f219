using TradeChain.Domain.Hashing;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.Contracts;
using Nethereum.Util;
using TradeChain.IntegrationTests.Infrastructure;
using TradeChain.Testing;
using TradeChain.Ledger;
using TradeChain.Ledger.Contracts.DocumentStore;
using TradeChain.Ledger.Contracts.TransitionAnchor;

namespace TradeChain.IntegrationTests;

/// <summary>The contracts compiled from contracts/, deployed on a real anvil chain.</summary>
public sealed class ContractTests : IAsyncLifetime
{
    private AnvilNode _chain = null!;

    public async Task InitializeAsync() => _chain = await AnvilNode.StartAsync();

    public async Task DisposeAsync() => await _chain.DisposeAsync();

    private ChainWriter Writer(string key) => new(_chain.OptionsFor(key), NullLogger<ChainWriter>.Instance);

    private static byte[] Hash(string text) => Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task The_documents_account_issues_and_the_event_names_the_document()
    {
        var documents = Writer(DevelopmentAccounts.DocumentsKey);
        var store = new DocumentStoreClient(documents, _chain.OptionsFor(DevelopmentAccounts.DocumentsKey));
        var hash = Hash("certificate of origin 1");

        var receipt = await store.IssueAsync([hash], CancellationToken.None);

        Assert.NotNull(receipt);
        var status = await store.GetStatusAsync(hash);
        Assert.True(status.Issued);
        Assert.Equal(receipt!.BlockNumber, status.IssuedInBlock);
        Assert.False(status.Revoked);
        var full = await documents.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(receipt.TransactionHash);
        var issued = Assert.Single(full.DecodeAllEvents<DocumentIssuedEventDTO>());
        Assert.Equal(hash, issued.Event.Document);
    }

    [Fact]
    public async Task Issuing_a_document_twice_is_refused_with_the_decoded_custom_error()
    {
        var documents = Writer(DevelopmentAccounts.DocumentsKey);
        var hash = Hash("invoice 7");
        await documents.SendAsync(_chain.Deployment.DocumentStoreAddress, new IssueFunction { Document = hash }, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<ChainRevertedException>(() =>
            documents.SendAsync(_chain.Deployment.DocumentStoreAddress, new IssueFunction { Document = hash }, CancellationToken.None));

        Assert.True(refused.Is<DocumentAlreadyIssuedError>());
        Assert.StartsWith("DocumentAlreadyIssued", refused.Error);
        Assert.Contains(TradeChain.Domain.Hashing.Hex.Encode(hash), refused.Error);
    }

    [Fact]
    public async Task An_account_without_the_issuer_role_cannot_issue()
    {
        foreach (var key in new[] { DevelopmentAccounts.CustomsKey, DevelopmentAccounts.PaymentsKey, DevelopmentAccounts.OutsiderKey })
        {
            var refused = await Assert.ThrowsAsync<ChainRevertedException>(() =>
                Writer(key).SendAsync(_chain.Deployment.DocumentStoreAddress, new IssueFunction { Document = Hash("forged") }, CancellationToken.None));
            Assert.True(refused.Is<Ledger.Contracts.DocumentStore.AccessControlUnauthorizedAccountError>(), refused.Error);
            Assert.Contains("ISSUER_ROLE", refused.Error);
        }
    }

    [Fact]
    public async Task Only_the_revoker_revokes_and_revocation_is_recorded_once()
    {
        var documents = Writer(DevelopmentAccounts.DocumentsKey);
        var store = new DocumentStoreClient(documents, _chain.OptionsFor(DevelopmentAccounts.DocumentsKey));
        var hash = Hash("phytosanitary 3");
        await store.IssueAsync([hash], CancellationToken.None);

        var outsider = await Assert.ThrowsAsync<ChainRevertedException>(() =>
            Writer(DevelopmentAccounts.OutsiderKey).SendAsync(_chain.Deployment.DocumentStoreAddress, new RevokeFunction { Document = hash }, CancellationToken.None));
        Assert.Contains("REVOKER_ROLE", outsider.Error);

        var receipt = await store.RevokeAsync(hash, CancellationToken.None);
        var full = await documents.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(receipt.TransactionHash);
        Assert.Equal(hash, Assert.Single(full.DecodeAllEvents<DocumentRevokedEventDTO>()).Event.Document);
        Assert.True((await store.GetStatusAsync(hash)).Revoked);
        var again = await Assert.ThrowsAsync<ChainRevertedException>(() => store.RevokeAsync(hash, CancellationToken.None));
        Assert.True(again.Is<DocumentAlreadyRevokedError>());
    }

    [Fact]
    public async Task Each_service_anchors_and_the_chain_records_who_and_how_many()
    {
        foreach (var (key, root) in new[] { (DevelopmentAccounts.CustomsKey, Hash("root c")), (DevelopmentAccounts.PaymentsKey, Hash("root p")) })
        {
            var writer = Writer(key);
            var anchor = new TransitionAnchorClient(writer, _chain.OptionsFor(key));
            var receipt = await anchor.AnchorAsync(root, 12, CancellationToken.None);

            var record = await anchor.GetAsync(root);
            Assert.NotNull(record);
            Assert.Equal(writer.Address, record!.Submitter, ignoreCase: true);
            Assert.Equal(12, record.TransitionCount);
            Assert.Equal(receipt.BlockNumber, record.BlockNumber);
            var full = await writer.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(receipt.TransactionHash);
            var anchored = Assert.Single(full.DecodeAllEvents<TransitionsAnchoredEventDTO>()).Event;
            Assert.Equal(root, anchored.Root);
            Assert.Equal(12, (int)anchored.TransitionCount);
        }
    }

    [Fact]
    public async Task Anchoring_is_refused_without_the_role_for_an_empty_batch_and_for_a_root_anchored_before()
    {
        var address = _chain.Deployment.TransitionAnchorAddress;
        var outsider = await Assert.ThrowsAsync<ChainRevertedException>(() =>
            Writer(DevelopmentAccounts.OutsiderKey).SendAsync(address, new AnchorFunction { Root = Hash("x"), TransitionCount = 1 }, CancellationToken.None));
        Assert.Contains("ANCHOR_ROLE", outsider.Error);

        var customs = Writer(DevelopmentAccounts.CustomsKey);
        var empty = await Assert.ThrowsAsync<ChainRevertedException>(() =>
            customs.SendAsync(address, new AnchorFunction { Root = Hash("y"), TransitionCount = 0 }, CancellationToken.None));
        Assert.True(empty.Is<EmptyBatchError>(), empty.Error);

        await customs.SendAsync(address, new AnchorFunction { Root = Hash("z"), TransitionCount = 3 }, CancellationToken.None);
        var twice = await Assert.ThrowsAsync<ChainRevertedException>(() =>
            customs.SendAsync(address, new AnchorFunction { Root = Hash("z"), TransitionCount = 3 }, CancellationToken.None));
        Assert.True(twice.Is<RootAlreadyAnchoredError>(), twice.Error);
    }

    [Fact]
    public async Task Reissuing_after_a_crash_issues_only_what_is_missing()
    {
        var store = new DocumentStoreClient(Writer(DevelopmentAccounts.DocumentsKey), _chain.OptionsFor(DevelopmentAccounts.DocumentsKey));
        var (first, second) = (Hash("batch doc 1"), Hash("batch doc 2"));
        await store.IssueAsync([first], CancellationToken.None);

        var receipt = await store.IssueAsync([first, second], CancellationToken.None);

        Assert.NotNull(receipt);
        Assert.Equal(receipt!.BlockNumber, (await store.GetStatusAsync(second)).IssuedInBlock);
        Assert.Null(await store.IssueAsync([first, second], CancellationToken.None));
    }

    [Fact]
    public async Task Anchoring_a_root_again_returns_the_original_anchoring()
    {
        var anchor = new TransitionAnchorClient(Writer(DevelopmentAccounts.CustomsKey), _chain.OptionsFor(DevelopmentAccounts.CustomsKey));
        var root = Hash("anchored before the crash");
        var original = await anchor.AnchorAsync(root, 5, CancellationToken.None);

        var again = await anchor.AnchorAsync(root, 5, CancellationToken.None);

        Assert.Equal((original.TransactionHash, original.BlockNumber), (again.TransactionHash, again.BlockNumber));
    }

    [Fact]
    public async Task An_anchor_is_sent_with_its_known_gas_and_no_estimate_and_a_refused_one_is_still_named()
    {
        await using var proxy = new JsonRpcProxy(_chain.RpcUrl);
        var options = _chain.OptionsFor(DevelopmentAccounts.CustomsKey);
        options.RpcUrl = proxy.Url;
        var customs = new ChainWriter(options, NullLogger<ChainWriter>.Instance);
        var anchor = new TransitionAnchorClient(customs, options);

        // The same cost whatever the count: well inside the gas given, with no estimate asked of the node.
        var small = await anchor.AnchorAsync(Hash("known gas 1"), 1, CancellationToken.None);
        var large = await anchor.AnchorAsync(Hash("known gas 2"), int.MaxValue, CancellationToken.None);
        var later = await anchor.AnchorAsync(Hash("known gas 3"), 1, CancellationToken.None);
        var used = new List<long>();
        foreach (var hash in new[] { small.TransactionHash, large.TransactionHash, later.TransactionHash })
        {
            Assert.Equal(TransitionAnchorClient.AnchorGas, (long)(await customs.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hash)).Gas.Value);
            used.Add((long)(await customs.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash)).GasUsed.Value);
        }
        Assert.All(used, gas => Assert.InRange(gas, 30_000, TransitionAnchorClient.AnchorGas * 3 / 4)); // the contract's first anchor included (its counter's first write)
        Assert.InRange(used[1] - used[2], 0, 100); // the count changes only the calldata's price (a few nonzero bytes)
        Assert.Equal(0, proxy.Calls.GetValueOrDefault("eth_estimateGas"));

        // A refusal is mined as a revert and then named from an estimate, as before.
        var twice = await Assert.ThrowsAsync<ChainRevertedException>(() => customs.SendAsync(options.TransitionAnchorAddress,
            new AnchorFunction { Root = Hash("known gas 1"), TransitionCount = 1, Gas = TransitionAnchorClient.AnchorGas }, CancellationToken.None));
        Assert.True(twice.Is<RootAlreadyAnchoredError>(), twice.Error);
        var empty = await Assert.ThrowsAsync<ChainRevertedException>(() => customs.SendAsync(options.TransitionAnchorAddress,
            new AnchorFunction { Root = Hash("known gas empty"), TransitionCount = 0, Gas = TransitionAnchorClient.AnchorGas }, CancellationToken.None));
        Assert.True(empty.Is<EmptyBatchError>(), empty.Error);
        // The client finds the original anchoring of a root anchored before.
        Assert.Equal(small.TransactionHash, (await anchor.AnchorAsync(Hash("known gas 1"), 1, CancellationToken.None)).TransactionHash);
    }

    [Fact]
    public async Task Concurrent_sends_from_one_writer_never_collide_on_a_nonce()
    {
        var customs = Writer(DevelopmentAccounts.CustomsKey);
        var anchor = new TransitionAnchorClient(customs, _chain.OptionsFor(DevelopmentAccounts.CustomsKey));
        var roots = Enumerable.Range(0, 20).Select(i => Hash($"concurrent {i}")).ToList();

        var receipts = await Task.WhenAll(roots.Select(r => anchor.AnchorAsync(r, 1, CancellationToken.None)));

        Assert.Equal(20, receipts.Select(r => r.TransactionHash).Distinct().Count());
        foreach (var root in roots) Assert.NotNull(await anchor.GetAsync(root));
    }

    [Fact]
    public async Task Redeploying_with_an_earlier_deployment_changes_nothing()
    {
        var again = await LedgerDeployer.DeployAsync(_chain.RpcUrl, DevelopmentAccounts.ChainId, DevelopmentAccounts.DeployerKey,
            LedgerDeployer.DevelopmentServiceAccounts(), _chain.Deployment);
        Assert.Equal(_chain.Deployment.DocumentStoreAddress, again.DocumentStoreAddress);
        Assert.Equal(_chain.Deployment.TransitionAnchorAddress, again.TransitionAnchorAddress);
    }
}
