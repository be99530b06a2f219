using System.Numerics;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.Web3.Accounts;
using TradeChain.Ledger;
using TradeChain.Ledger.Contracts.TitleRegistry;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests;

/// <summary>The TitleRegistry compiled from contracts/, on a real anvil chain: every rule is enforced by the contract itself.</summary>
public sealed class TitleRegistryContractTests : IAsyncLifetime
{
    private AnvilNode _chain = null!;

    public async Task InitializeAsync() => _chain = await AnvilNode.StartAsync();

    public async Task DisposeAsync() => await _chain.DisposeAsync();

    private ChainWriter Writer(string key) => new(_chain.OptionsFor(key), NullLogger<ChainWriter>.Instance);

    private string Registry => _chain.Deployment.TitleRegistryAddress;

    /// <summary>A party account with gas (public development keys).</summary>
    private async Task<ChainWriter> PartyAsync(string party)
    {
        var writer = Writer(PartyWallets.DevelopmentKey(party));
        await Writer(DevelopmentAccounts.DeployerKey).SendValueAsync(writer.Address, BigInteger.Pow(10, 18), CancellationToken.None);
        return writer;
    }

    /// <summary>The title's steps decoded from the registry's logs (read from anvil at once: this chain is a few blocks long).</summary>
    private async Task<IReadOnlyList<TitleEvent>> StepsAsync(ChainWriter reader, byte[] root)
    {
        var logs = await reader.Web3.Eth.Filters.GetLogs.SendRequestAsync(new Nethereum.RPC.Eth.DTOs.NewFilterInput
        {
            Address = [Registry], FromBlock = Nethereum.RPC.Eth.DTOs.BlockParameter.CreateEarliest(), ToBlock = Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest(),
            Topics = [null, TitleRegistryClient.TokenTopic(root)],
        });
        return TitleRegistryClient.StepsOf(logs.Select(l => (l, 0L)));
    }

    private static async Task<string> RefusedAsync(Func<Task> action) => (await Assert.ThrowsAsync<ChainRevertedException>(action)).Error;

    [Fact]
    public async Task Only_the_holder_moves_the_title_and_the_beneficiary_must_nominate_before_an_endorsement()
    {
        var documents = Writer(DevelopmentAccounts.DocumentsKey);
        var titles = new TitleRegistryClient(documents, _chain.OptionsFor(DevelopmentAccounts.DocumentsKey));
        var (shipper, bank, buyer) = (await PartyAsync("SHIPPER"), await PartyAsync("BANK"), await PartyAsync("BUYER"));
        var root = Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray();
        var id = TitleRegistryClient.TokenId(root);

        Assert.StartsWith("AccessControlUnauthorizedAccount", await RefusedAsync(() =>
            shipper.SendAsync(Registry, new MintFunction { TokenId = id, Beneficiary = shipper.Address, Holder = shipper.Address }, CancellationToken.None)));
        await titles.MintAsync(root, beneficiary: shipper.Address, holder: bank.Address, CancellationToken.None);
        Assert.Null(await titles.MintAsync(root, shipper.Address, bank.Address, CancellationToken.None)); // a retry finds it minted

        Assert.StartsWith("NotHolder", await RefusedAsync(() =>
            shipper.SendAsync(Registry, new TransferHolderFunction { TokenId = id, NewHolder = shipper.Address }, CancellationToken.None)));
        Assert.StartsWith("UseTitleFunctions", await RefusedAsync(() =>
            bank.SendAsync(Registry, new TransferFromFunction { From = bank.Address, To = buyer.Address, TokenId = id }, CancellationToken.None)));
        // The holder (bank) is not the beneficiary: it may endorse only to the beneficiary's nominee.
        Assert.StartsWith("NotNominee", await RefusedAsync(() =>
            bank.SendAsync(Registry, new TransferBeneficiaryFunction { TokenId = id, NewBeneficiary = buyer.Address }, CancellationToken.None)));
        Assert.StartsWith("NotBeneficiary", await RefusedAsync(() =>
            bank.SendAsync(Registry, new NominateFunction { TokenId = id, Nominee = buyer.Address }, CancellationToken.None)));
        await shipper.SendAsync(Registry, new NominateFunction { TokenId = id, Nominee = buyer.Address }, CancellationToken.None);
        await bank.SendAsync(Registry, new TransferBeneficiaryFunction { TokenId = id, NewBeneficiary = buyer.Address }, CancellationToken.None);
        await bank.SendAsync(Registry, new TransferHolderFunction { TokenId = id, NewHolder = buyer.Address }, CancellationToken.None);

        var state = await titles.GetAsync(root);
        Assert.Equal((true, buyer.Address, buyer.Address, false), (state.Exists, state.Beneficiary, state.Holder, state.Surrendered));
        Assert.Equal(buyer.Address, await documents.QueryAsync<OwnerOfFunction, string>(Registry, new OwnerOfFunction { TokenId = id }), ignoreCase: true);
    }

    [Fact]
    public async Task A_surrender_is_accepted_once_by_an_accepter_and_the_burned_title_can_never_move_again()
    {
        var documents = Writer(DevelopmentAccounts.DocumentsKey);
        var titles = new TitleRegistryClient(documents, _chain.OptionsFor(DevelopmentAccounts.DocumentsKey));
        var (owner, other) = (await PartyAsync("OWNER"), await PartyAsync("OTHER"));
        var root = Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray();
        var id = TitleRegistryClient.TokenId(root);
        await titles.MintAsync(root, owner.Address, owner.Address, CancellationToken.None);

        Assert.StartsWith("NotHolderAndBeneficiary", await RefusedAsync(() =>
            other.SendAsync(Registry, new ReturnToIssuerFunction { TokenId = id }, CancellationToken.None)));
        await owner.SendAsync(Registry, new ReturnToIssuerFunction { TokenId = id }, CancellationToken.None);
        Assert.StartsWith("TitleSurrendered", await RefusedAsync(() =>
            owner.SendAsync(Registry, new TransferHolderFunction { TokenId = id, NewHolder = other.Address }, CancellationToken.None)));
        Assert.StartsWith("AccessControlUnauthorizedAccount", await RefusedAsync(() =>
            owner.SendAsync(Registry, new AcceptSurrenderFunction { TokenId = id }, CancellationToken.None)));

        await titles.SendAsIssuerAsync(new RejectSurrenderFunction { TokenId = id }, CancellationToken.None);
        Assert.False((await titles.GetAsync(root)).Surrendered);
        await owner.SendAsync(Registry, new ReturnToIssuerFunction { TokenId = id }, CancellationToken.None);
        await titles.SendAsIssuerAsync(new AcceptSurrenderFunction { TokenId = id }, CancellationToken.None);

        // Burned as TradeTrust burns: the token moves to the burn address, so ownerOf still answers (a destroyed token
        // would read as never issued to TradeTrust's verifiers) and the parties are cleared.
        Assert.Equal(TitleRegistryClient.BurnAddress, await documents.QueryAsync<OwnerOfFunction, string>(Registry, new OwnerOfFunction { TokenId = id }), ignoreCase: true);
        var burned = await titles.GetAsync(root);
        Assert.True(burned.SurrenderAccepted);
        Assert.False(burned.Live);
        Assert.Equal((false, (string?)null), (burned.Surrendered, burned.Nominee));
        Assert.False(new BigInteger(Convert.FromHexString(burned.Holder[2..]), isUnsigned: true) > 0, "no holder after the burn");
        Assert.StartsWith("TitleNotSurrendered", await RefusedAsync(() => titles.SendAsIssuerAsync(new AcceptSurrenderFunction { TokenId = id }, CancellationToken.None)));
        Assert.StartsWith("TitleSpent", await RefusedAsync(() =>
            owner.SendAsync(Registry, new ReturnToIssuerFunction { TokenId = id }, CancellationToken.None)));
        Assert.StartsWith("TitleSpent", await RefusedAsync(() =>
            owner.SendAsync(Registry, new TransferHolderFunction { TokenId = id, NewHolder = other.Address }, CancellationToken.None)));
        Assert.Equal(["issued", "surrendered", "surrender-rejected", "surrendered", "surrender-accepted"], (await StepsAsync(documents, root)).Select(e => e.Action));

        // The burned title is spent: its id can never be issued again, to anyone (the client does not mistake it for a retry).
        Assert.StartsWith("TitleSpent", await RefusedAsync(() => titles.MintAsync(root, other.Address, other.Address, CancellationToken.None)));
        Assert.StartsWith("TitleSpent", await RefusedAsync(() =>
            documents.SendAsync(Registry, new MintFunction { TokenId = id, Beneficiary = owner.Address, Holder = owner.Address }, CancellationToken.None)));
        Assert.True((await titles.GetAsync(root)).SurrenderAccepted);
        Assert.StartsWith("UnknownTitle", await RefusedAsync(() => // never issued: no owner at all
            owner.SendAsync(Registry, new ReturnToIssuerFunction { TokenId = id + 1 }, CancellationToken.None)));
    }

    [Fact]
    public async Task A_rejected_endorsement_leaves_no_nominee_the_restored_beneficiary_did_not_nominate()
    {
        var documents = Writer(DevelopmentAccounts.DocumentsKey);
        var titles = new TitleRegistryClient(documents, _chain.OptionsFor(DevelopmentAccounts.DocumentsKey));
        var (holder, a, b, c) = (await PartyAsync("HOLDER"), await PartyAsync("BENEFICIARY-A"), await PartyAsync("NOMINEE-B"), await PartyAsync("NOMINEE-C"));

        // A nominates B; the holder endorses to B; B nominates C — which ends B's window to reject the endorsement, so A
        // cannot come back with B's nominee C attached.
        var root = Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray();
        var id = TitleRegistryClient.TokenId(root);
        await titles.MintAsync(root, beneficiary: a.Address, holder: holder.Address, CancellationToken.None);
        await a.SendAsync(Registry, new NominateFunction { TokenId = id, Nominee = b.Address }, CancellationToken.None);
        await holder.SendAsync(Registry, new TransferBeneficiaryFunction { TokenId = id, NewBeneficiary = b.Address }, CancellationToken.None);
        await b.SendAsync(Registry, new NominateFunction { TokenId = id, Nominee = c.Address }, CancellationToken.None);
        Assert.StartsWith("NothingToReject", await RefusedAsync(() =>
            b.SendAsync(Registry, new RejectTransferBeneficiaryFunction { TokenId = id }, CancellationToken.None)));
        var state = await titles.GetAsync(root);
        Assert.Equal((b.Address, c.Address), (state.Beneficiary, state.Nominee)); // C is B's own nomination

        // B rejects before nominating: A is restored with no nominee, so the holder cannot endorse to anyone A did not nominate.
        var root2 = Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray();
        var id2 = TitleRegistryClient.TokenId(root2);
        await titles.MintAsync(root2, beneficiary: a.Address, holder: holder.Address, CancellationToken.None);
        await a.SendAsync(Registry, new NominateFunction { TokenId = id2, Nominee = b.Address }, CancellationToken.None);
        await holder.SendAsync(Registry, new TransferBeneficiaryFunction { TokenId = id2, NewBeneficiary = b.Address }, CancellationToken.None);
        await b.SendAsync(Registry, new RejectTransferBeneficiaryFunction { TokenId = id2 }, CancellationToken.None);
        state = await titles.GetAsync(root2);
        Assert.Equal((a.Address, (string?)null), (state.Beneficiary, state.Nominee));
        Assert.StartsWith("NotNominee", await RefusedAsync(() =>
            holder.SendAsync(Registry, new TransferBeneficiaryFunction { TokenId = id2, NewBeneficiary = c.Address }, CancellationToken.None)));
        Assert.StartsWith("NotNominee", await RefusedAsync(() =>
            holder.SendAsync(Registry, new TransferBeneficiaryFunction { TokenId = id2, NewBeneficiary = b.Address }, CancellationToken.None)));
        // A nominates afresh; then the holder endorses.
        await a.SendAsync(Registry, new NominateFunction { TokenId = id2, Nominee = c.Address }, CancellationToken.None);
        await holder.SendAsync(Registry, new TransferBeneficiaryFunction { TokenId = id2, NewBeneficiary = c.Address }, CancellationToken.None);
        Assert.Equal(c.Address, (await titles.GetAsync(root2)).Beneficiary, ignoreCase: true);
    }

    [Fact]
    public async Task A_nomination_ends_the_window_to_reject_the_last_holder_transfer()
    {
        var documents = Writer(DevelopmentAccounts.DocumentsKey);
        var titles = new TitleRegistryClient(documents, _chain.OptionsFor(DevelopmentAccounts.DocumentsKey));
        var (holder, beneficiary, next, nominee) = (await PartyAsync("HOLDER"), await PartyAsync("BENEFICIARY-A"), await PartyAsync("NOMINEE-B"), await PartyAsync("NOMINEE-C"));
        var root = Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray();
        var id = TitleRegistryClient.TokenId(root);
        await titles.MintAsync(root, beneficiary: beneficiary.Address, holder: holder.Address, CancellationToken.None);

        await holder.SendAsync(Registry, new TransferHolderFunction { TokenId = id, NewHolder = next.Address }, CancellationToken.None);
        await beneficiary.SendAsync(Registry, new NominateFunction { TokenId = id, Nominee = nominee.Address }, CancellationToken.None);
        Assert.StartsWith("NothingToReject", await RefusedAsync(() =>
            next.SendAsync(Registry, new RejectTransferHolderFunction { TokenId = id }, CancellationToken.None)));
        Assert.Equal(next.Address, (await titles.GetAsync(root)).Holder, ignoreCase: true);
    }
}
