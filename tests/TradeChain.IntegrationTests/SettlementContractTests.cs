using System.Numerics;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Ledger;
using TradeChain.Testing;
using Escrow = TradeChain.Ledger.Contracts.CreditEscrow;
using Token = TradeChain.Ledger.Contracts.SettlementToken;

namespace TradeChain.IntegrationTests;

/// <summary>
/// The SettlementToken and CreditEscrow compiled from contracts/, on a real anvil chain deployed as every test chain is
/// (development banks BNK-VCB, BNK-HSBC, BNK-TREASURY with BANK_ROLE): each money rule is enforced by the contracts.
/// </summary>
public sealed class SettlementContractTests : IAsyncLifetime
{
    private AnvilNode _chain = null!;
    private SettlementClient _settlement = null!;
    private ChainWriter _vcb = null!, _hsbc = null!, _treasury = null!, _importer = null!, _exporter = null!, _outsider = null!;

    public async Task InitializeAsync()
    {
        _chain = await AnvilNode.StartAsync();
        _settlement = new SettlementClient(Writer(DevelopmentAccounts.PaymentsKey), _chain.OptionsFor(DevelopmentAccounts.PaymentsKey));
        (_vcb, _hsbc, _treasury) = (await PartyAsync("BNK-VCB"), await PartyAsync("BNK-HSBC"), await PartyAsync("BNK-TREASURY"));
        (_importer, _exporter, _outsider) = (await PartyAsync("IMPORTER"), await PartyAsync("EXPORTER"), await PartyAsync("OUTSIDER"));
    }

    public async Task DisposeAsync() => await _chain.DisposeAsync();

    private static CancellationToken None => CancellationToken.None;

    private ChainWriter Writer(string key) => new(_chain.OptionsFor(key), NullLogger<ChainWriter>.Instance);

    private string UsdToken => _chain.Deployment.Settlement["USD"].Token;

    private string UsdEscrow => _chain.Deployment.Settlement["USD"].Escrow;

    /// <summary>A party account with gas (public development keys; a development bank's is its signer account's, which the deploy made a bank).</summary>
    private async Task<ChainWriter> PartyAsync(string party)
    {
        var writer = Writer(DevelopmentBankKeys.KeyOfParty(party));
        await Writer(DevelopmentAccounts.DeployerKey).SendValueAsync(writer.Address, BigInteger.Pow(10, 18), None);
        return writer;
    }

    private static async Task<string> RefusedAsync(Func<Task> action) => (await Assert.ThrowsAsync<ChainRevertedException>(action)).Error;

    private static byte[] Ref(string text) => SettlementClient.Reference(text);

    /// <summary>Importer at VCB with <paramref name="balance"/>, exporter at HSBC.</summary>
    private async Task OpenCustomerAccountsAsync(BigInteger balance)
    {
        await _settlement.MandateBankAsync(_importer, "USD", _vcb.Address, None);
        await _settlement.OpenAccountAsync(_vcb, "USD", _importer.Address, None);
        await _settlement.MandateBankAsync(_exporter, "USD", _hsbc.Address, None);
        await _settlement.OpenAccountAsync(_hsbc, "USD", _exporter.Address, None);
        if (balance > 0) await _settlement.MintAsync(_vcb, "USD", _importer.Address, balance, Ref("deposit " + Guid.NewGuid()), None);
    }

    [Fact]
    public async Task Concurrent_requests_to_mandate_a_bank_and_open_the_account_all_succeed_and_open_it_once()
    {
        // As the services do when several of a declarant's payments are settled at once: each request mandates and opens.
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _settlement.MandateBankAsync(_importer, "USD", _vcb.Address, None)));
        var opened = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _settlement.OpenAccountAsync(_vcb, "USD", _importer.Address, None)));
        Assert.Equal(_vcb.Address, await _settlement.ServicingBankAsync("USD", _importer.Address), ignoreCase: true);
        Assert.Single(opened, r => r is not null); // opened once; the others found it open at this bank
        Assert.Null(await _settlement.MandateBankAsync(_importer, "USD", _vcb.Address, None));
    }

    private async Task<DateTimeOffset> ChainTimeAsync()
    {
        var block = await _vcb.Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest());
        return DateTimeOffset.FromUnixTimeSeconds((long)block.Timestamp.Value);
    }

    private async Task<ChainReceipt> OpenCreditAsync(byte[] creditReference, BigInteger amount, DateTimeOffset expiry, byte[]? customsReference = null) =>
        await _settlement.OpenCreditAsync(_vcb, "USD", creditReference, _importer.Address, _exporter.Address, _hsbc.Address, amount, expiry, customsReference, None);

    /// <summary>VCB's reference for a credit, and the credit's id in the escrow (VCB's own).</summary>
    private (byte[] Reference, byte[] Id) Credit(string name) => (Ref(name), SettlementClient.CreditId(_vcb.Address, Ref(name)));

    [Fact]
    public async Task The_deployment_gives_each_currency_a_token_and_escrow_and_each_development_bank_its_role_and_account_and_is_idempotent()
    {
        Assert.Equal(["USD", "VND"], _chain.Deployment.Settlement.Keys.Order());
        var payments = Writer(DevelopmentAccounts.PaymentsKey);
        Assert.Equal(2, await payments.QueryAsync<Token.DecimalsFunction, BigInteger>(UsdToken, new Token.DecimalsFunction()));
        Assert.Equal("VND", await payments.QueryAsync<Token.CurrencyFunction, string>(_chain.Deployment.Settlement["VND"].Token, new Token.CurrencyFunction()));
        foreach (var bank in LedgerDeployer.DevelopmentBanks())
        {
            Assert.True(await payments.QueryAsync<Token.HasRoleFunction, bool>(UsdToken, new Token.HasRoleFunction { Role = LedgerDeployer.BankRole, Account = bank }));
            Assert.Equal(bank, await _settlement.ServicingBankAsync("VND", bank), ignoreCase: true);
        }
        Assert.Equal(UsdEscrow, await _settlement.ServicingBankAsync("USD", UsdEscrow), ignoreCase: true); // the escrow services itself
        Assert.True(await payments.QueryAsync<Escrow.HasRoleFunction, bool>(UsdEscrow,
            new Escrow.HasRoleFunction { Role = LedgerDeployer.CustomsRole, Account = LedgerDeployer.DevelopmentServiceAccounts()["customs"] }));

        var again = await LedgerDeployer.DeployAsync(_chain.RpcUrl, DevelopmentAccounts.ChainId, DevelopmentAccounts.DeployerKey,
            LedgerDeployer.DevelopmentServiceAccounts(), _chain.Deployment, bankAccounts: LedgerDeployer.DevelopmentBanks());
        foreach (var currency in LedgerDeployer.SettlementCurrencies)
        {
            Assert.Equal(_chain.Deployment.Settlement[currency].Token, again.Settlement[currency].Token);
            Assert.Equal(_chain.Deployment.Settlement[currency].Escrow, again.Settlement[currency].Escrow);
        }
        // An older chain.json without "settlement" still loads (then the settlement contracts are deployed fresh).
        var old = System.Text.Json.JsonSerializer.Deserialize<ChainDeployment>(
            """{"chainId":31337,"rpcUrl":"x","documentStoreAddress":"a","transitionAnchorAddress":"b","serviceAccounts":{}}""",
            new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
        Assert.Empty(old.Settlement);
        Assert.Contains("\"settlement\"", again.ToJson());
    }

    [Fact]
    public async Task Only_a_bank_mints_burns_and_debits_and_only_for_accounts_it_services_and_only_open_accounts_hold_tokens()
    {
        await OpenCustomerAccountsAsync(0);

        Assert.StartsWith("AccessControlUnauthorizedAccount", await RefusedAsync(() =>
            _settlement.MintAsync(_importer, "USD", _importer.Address, 100_00, Ref("self-mint"), None)));
        Assert.StartsWith("AccessControlUnauthorizedAccount", await RefusedAsync(() =>
            _settlement.OpenAccountAsync(_outsider, "USD", _outsider.Address, None)));
        // HSBC does not service the importer (VCB does): no mint, burn or debit against VCB's customer.
        Assert.StartsWith("NotServicingBank", await RefusedAsync(() =>
            _settlement.MintAsync(_hsbc, "USD", _importer.Address, 100_00, Ref("hsbc-mint"), None)));

        var deposit = Ref("deposit 1");
        var deposited = (await _settlement.MintAsync(_vcb, "USD", _importer.Address, 1_000_00, deposit, None));
        Assert.Equal(deposited.TransactionHash, (await _settlement.MintAsync(_vcb, "USD", _importer.Address, 1_000_00, deposit, None)).TransactionHash); // a retry: that deposit
        Assert.StartsWith("DuplicateReference", await RefusedAsync(() =>
            _vcb.SendAsync(UsdToken, new Token.MintFunction { To = _importer.Address, Amount = 1, PaymentReference = deposit }, None)));
        Assert.Equal(1_000_00, await _settlement.BalanceOfAsync("USD", _importer.Address));

        Assert.StartsWith("NotServicingBank", await RefusedAsync(() =>
            _settlement.BurnAsync(_hsbc, "USD", _importer.Address, 1_00, Ref("hsbc-burn"), None)));
        Assert.StartsWith("NotServicingBank", await RefusedAsync(() =>
            _settlement.BankTransferAsync(_hsbc, "USD", _importer.Address, _exporter.Address, 1_00, Ref("hsbc-debit"), None)));
        // The outsider has no servicing bank: it can receive nothing, by any path.
        Assert.StartsWith("AccountNotOpen", await RefusedAsync(() =>
            _settlement.BankTransferAsync(_vcb, "USD", _importer.Address, _outsider.Address, 1_00, Ref("to-outsider"), None)));
        Assert.StartsWith("AccountNotOpen", await RefusedAsync(() =>
            _importer.SendAsync(UsdToken, new Token.TransferFunction { To = _outsider.Address, Value = 1_00 }, None)));
        Assert.StartsWith("ZeroAmount", await RefusedAsync(() =>
            _settlement.BankTransferAsync(_vcb, "USD", _importer.Address, _exporter.Address, 0, Ref("nothing"), None)));
        Assert.StartsWith("ERC20InsufficientBalance", await RefusedAsync(() =>
            _settlement.BankTransferAsync(_vcb, "USD", _importer.Address, _exporter.Address, 2_000_00, Ref("too much"), None)));

        var duty = Ref("duty DEC-1");
        await _settlement.BankTransferAsync(_vcb, "USD", _importer.Address, _exporter.Address, 300_00, duty, None);
        await _settlement.BurnAsync(_hsbc, "USD", _exporter.Address, 100_00, Ref("withdrawal 1"), None);
        Assert.Equal(700_00, await _settlement.BalanceOfAsync("USD", _importer.Address));
        Assert.Equal(200_00, await _settlement.BalanceOfAsync("USD", _exporter.Address));
        Assert.Equal(900_00, await _settlement.TotalSupplyAsync("USD"));
        var bound = (await _settlement.PaymentOfAsync("USD", _vcb.Address, duty))!;
        Assert.Equal((_importer.Address.ToLowerInvariant(), _exporter.Address.ToLowerInvariant(), (BigInteger)300_00),
            (bound.From?.ToLowerInvariant(), bound.To?.ToLowerInvariant(), bound.Amount));
        Assert.Null(await _settlement.PaymentOfAsync("USD", _hsbc.Address, duty)); // HSBC's references are its own

        Assert.StartsWith("AccountNotEmpty", await RefusedAsync(() => _settlement.CloseAccountAsync(_vcb, "USD", _importer.Address, None)));
        Assert.StartsWith("NotServicingBank", await RefusedAsync(() => _settlement.CloseAccountAsync(_vcb, "USD", _exporter.Address, None)));

        var payments = await _settlement.PaymentsAsync("USD");
        Assert.Equal(3, payments.Count);
        Assert.Equal((null, _importer.Address.ToLowerInvariant(), (BigInteger)1_000_00), (payments[0].From, payments[0].To?.ToLowerInvariant(), payments[0].Amount));
        Assert.Equal("0x" + Convert.ToHexStringLower(duty), payments[1].Reference);
        Assert.Equal((_importer.Address.ToLowerInvariant(), _exporter.Address.ToLowerInvariant(), (BigInteger)300_00),
            (payments[1].From?.ToLowerInvariant(), payments[1].To?.ToLowerInvariant(), payments[1].Amount));
        Assert.Null(payments[2].To); // burned
        Assert.Empty(await _settlement.PaymentsAsync("USD", payments[2].BlockNumber + 1));
    }

    [Fact]
    public async Task Another_bank_using_the_honest_banks_payment_reference_cannot_make_its_payment_look_done()
    {
        await OpenCustomerAccountsAsync(1_000_00);
        // The duty's reference is predictable: HSBC, colluding with the payer, mints 0.01 to itself under it first.
        var duty = Ref("duty-payment:DUTY-0123456789AB-V1");
        var forged = await _settlement.MintAsync(_hsbc, "USD", _hsbc.Address, 1, duty, None);
        Assert.NotNull(forged);

        // VCB's payment under the same reference is its own: it is made, and moves the real money.
        var paid = await _settlement.BankTransferAsync(_vcb, "USD", _importer.Address, _treasury.Address, 300_00, duty, None);
        Assert.NotNull(paid);
        Assert.NotEqual(forged!.TransactionHash, paid!.TransactionHash);
        Assert.Equal(300_00, await _settlement.BalanceOfAsync("USD", _treasury.Address));
        Assert.Equal(700_00, await _settlement.BalanceOfAsync("USD", _importer.Address));

        // A retry of VCB's payment finds it bound to exactly this transfer: the same transaction, nothing moves twice.
        Assert.Equal(paid.TransactionHash, (await _settlement.BankTransferAsync(_vcb, "USD", _importer.Address, _treasury.Address, 300_00, duty, None)).TransactionHash);
        Assert.Equal(700_00, await _settlement.BalanceOfAsync("USD", _importer.Address));
        // A different payment under a reference VCB used is refused, naming what the reference was used for — never taken as done.
        Assert.StartsWith("DuplicateReference", await RefusedAsync(() =>
            _settlement.BankTransferAsync(_vcb, "USD", _importer.Address, _treasury.Address, 299_00, duty, None)));
        Assert.StartsWith("DuplicateReference", await RefusedAsync(() => _settlement.MintAsync(_vcb, "USD", _importer.Address, 1, duty, None)));
    }

    [Fact]
    public async Task A_bank_voids_only_its_own_unused_reference_and_after_the_void_no_payment_of_that_bank_can_use_it()
    {
        await OpenCustomerAccountsAsync(1_000_00);
        var cancelled = Ref("deposit:IMPORTER:CANCELLED");

        // Only a bank voids, and the void binds the bank's reference to nothing moved, in its block, with its event.
        Assert.StartsWith("AccessControlUnauthorizedAccount", await RefusedAsync(() => _settlement.VoidReferenceAsync(_importer, "USD", cancelled, None)));
        var (bound, voidedIn) = await _settlement.VoidReferenceAsync(_vcb, "USD", cancelled, None);
        Assert.NotNull(voidedIn);
        var receipt = await _vcb.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(voidedIn);
        var voided = Assert.Single(receipt.DecodeAllEvents<Token.ReferenceVoidedEventDTO>());
        Assert.Equal((_vcb.Address.ToLowerInvariant(), Convert.ToHexString(cancelled)), (voided.Event.Bank.ToLowerInvariant(), Convert.ToHexString(voided.Event.PaymentReference)));
        Assert.Empty(receipt.DecodeAllEvents<Token.PaymentEventDTO>());
        var record = await _settlement.PaymentOfAsync("USD", _vcb.Address, cancelled);
        Assert.Equal((true, (long)receipt.BlockNumber.Value), (record!.IsVoid, record.BlockNumber));
        Assert.Equal(bound, record);

        // Every payment of VCB under it is refused from then on, naming the void — a mint (one alone or in a batch), a burn, a transfer.
        Assert.Contains("voided reference", await RefusedAsync(() => _settlement.MintAsync(_vcb, "USD", _importer.Address, 5_00, cancelled, None)));
        Assert.Contains("voided reference", await RefusedAsync(() => _settlement.BurnAsync(_vcb, "USD", _importer.Address, 5_00, cancelled, None)));
        Assert.Contains("voided reference", await RefusedAsync(() =>
            _settlement.BankTransferAsync(_vcb, "USD", _importer.Address, _exporter.Address, 5_00, cancelled, None)));
        var batch = Assert.Single(await _settlement.MintBatchAsync(_vcb, "USD", [BatchTransfer.Mint(_importer.Address, 5_00, cancelled)], None));
        Assert.Equal((null, "contract:DuplicateReference"), (batch.TransactionHash, batch.Rule));
        Assert.Equal(1_000_00, await _settlement.BalanceOfAsync("USD", _importer.Address));

        // Voiding it again is answered with the void already there (a retry); another bank's namespace is its own.
        var again = await _settlement.VoidReferenceAsync(_vcb, "USD", cancelled, None);
        Assert.Equal((record, (string?)null), again);
        Assert.NotNull(await _settlement.MintAsync(_hsbc, "USD", _exporter.Address, 1_00, cancelled, None));

        // A reference a payment used first cannot be voided: the void answers that payment (the cancel came too late).
        var paidRef = Ref("deposit:IMPORTER:PAID");
        var paid = await _settlement.MintAsync(_vcb, "USD", _importer.Address, 2_00, paidRef, None);
        var (paidBound, notVoided) = await _settlement.VoidReferenceAsync(_vcb, "USD", paidRef, None);
        Assert.Equal((false, _importer.Address.ToLowerInvariant(), new BigInteger(2_00), (string?)null),
            (paidBound.IsVoid, paidBound.To!.ToLowerInvariant(), paidBound.Amount, notVoided));
        Assert.Equal(paid!.BlockNumber, paidBound.BlockNumber);
        // The zero reference is no reference.
        Assert.StartsWith("InvalidReference", await RefusedAsync(() => _settlement.VoidReferenceAsync(_vcb, "USD", new byte[32], None)));
    }

    [Fact]
    public async Task A_banks_batch_of_transfers_makes_each_under_the_rules_of_one_transfer_and_skips_a_refused_item_naming_its_rule()
    {
        await OpenCustomerAccountsAsync(1_000_00);
        await _settlement.MandateBankAsync(_outsider, "USD", _hsbc.Address, None);
        await _settlement.OpenAccountAsync(_hsbc, "USD", _outsider.Address, None); // HSBC's customer: VCB may not debit it
        var used = Ref("duty used by a single transfer");
        var direct = await _settlement.BankTransferAsync(_vcb, "USD", _importer.Address, _treasury.Address, 10_00, used, None);
        BatchTransfer Item(string from, string to, BigInteger amount, byte[] reference) => new(from, to, amount, reference);
        var batch = new[]
        {
            Item(_importer.Address, _treasury.Address, 100_00, Ref("batch 1")),
            Item(_importer.Address, _treasury.Address, 10_00, used),                      // made already by the single transfer
            Item(_importer.Address, _treasury.Address, 11_00, used),                      // the same reference, another amount
            Item(_outsider.Address, _treasury.Address, 1_00, Ref("batch not serviced")),
            Item(_importer.Address, _treasury.Address, 5_000_00, Ref("batch too much")),
            Item(_importer.Address, "0x000000000000000000000000000000000000dEaD", 1_00, Ref("batch to an account never opened")),
            Item(_importer.Address, _treasury.Address, 0, Ref("batch zero")),
            Item(_importer.Address, _treasury.Address, 1_00, new byte[32]),
            Item(_importer.Address, _exporter.Address, 200_00, Ref("batch 2")),
            Item(_importer.Address, _treasury.Address, 700_00, Ref("batch 3 more than is left")),
            Item(_importer.Address, _treasury.Address, BigInteger.Pow(2, 96), Ref("batch beyond what a payment binds")),
        };

        Assert.StartsWith("AccessControlUnauthorizedAccount", await RefusedAsync(() => _settlement.BankTransferBatchAsync(_importer, "USD", batch, None)));
        var outcomes = await _settlement.BankTransferBatchAsync(_vcb, "USD", batch, None);

        var batchHash = outcomes[0].TransactionHash!;
        Assert.Equal(
            [(batchHash, null), (direct.TransactionHash, null), (null, "contract:DuplicateReference"), (null, "contract:NotServicingBank"),
                (null, "contract:ERC20InsufficientBalance"), (null, "contract:AccountNotOpen"), (null, "contract:ZeroAmount"), (null, "contract:InvalidReference"),
                (batchHash, null), (null, "contract:ERC20InsufficientBalance"), (null, "contract:AmountTooLarge")],
            outcomes.Select(o => (o.TransactionHash, o.Rule)));
        // One Payment event per item made, with its own payer, payee, amount and reference; the refused moved nothing.
        var receipt = await _vcb.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(batchHash);
        Assert.Equal([(Convert.ToHexString(Ref("batch 1")), 100_00), (Convert.ToHexString(Ref("batch 2")), 200_00)],
            receipt.DecodeAllEvents<Token.PaymentEventDTO>().Select(e => (Convert.ToHexString(e.Event.PaymentReference), (int)e.Event.Amount)));
        Assert.Equal(9, receipt.DecodeAllEvents<Token.PaymentRefusedEventDTO>().Count);
        Assert.StartsWith("AmountTooLarge", await RefusedAsync(() => _settlement.BankTransferAsync(_vcb, "USD", _importer.Address, _treasury.Address, BigInteger.Pow(2, 96), Ref("single beyond"), None)));
        Assert.Equal(1_000_00 - 10_00 - 100_00 - 200_00, await _settlement.BalanceOfAsync("USD", _importer.Address));
        Assert.Equal(110_00, await _settlement.BalanceOfAsync("USD", _treasury.Address));
        Assert.Null(await _settlement.PaymentOfAsync("USD", _vcb.Address, Ref("batch 3 more than is left")));

        // Sent again (as after a crash between the send and its record): nothing moves, and each item made finds its transaction.
        var again = await _settlement.BankTransferBatchAsync(_vcb, "USD", [batch[0], batch[8]], None);
        Assert.Equal([batchHash, batchHash], again.Select(o => o.TransactionHash));
        Assert.Equal(690_00, await _settlement.BalanceOfAsync("USD", _importer.Address));

        Assert.StartsWith("InvalidTransferBatch", await RefusedAsync(() => _settlement.BankTransferBatchAsync(_vcb, "USD", [], None)));
        Assert.StartsWith("InvalidTransferBatch", await RefusedAsync(() => _settlement.BankTransferBatchAsync(_vcb, "USD",
            [.. Enumerable.Range(0, SettlementClient.MaxTransfersPerBatch + 1).Select(i => Item(_importer.Address, _treasury.Address, 1, Ref($"batch {i}")))], None)));
        Assert.StartsWith("InvalidTransferBatch", await RefusedAsync(() => _vcb.SendAsync(UsdToken, new Token.BankTransferBatchFunction
        {
            From = [_importer.Address], To = [_treasury.Address, _exporter.Address], Amounts = [1], PaymentReferences = [Ref("batch mismatched")],
        }, None)));
    }

    [Fact]
    public async Task A_banks_batch_of_deposits_mints_each_under_the_rules_of_one_mint_and_skips_a_refused_item_naming_its_rule()
    {
        await OpenCustomerAccountsAsync(0);
        var used = Ref("deposit used by a single mint");
        var direct = await _settlement.MintAsync(_vcb, "USD", _importer.Address, 10_00, used, None);
        var batch = new[]
        {
            BatchTransfer.Mint(_importer.Address, 100_00, Ref("mint 1")),
            BatchTransfer.Mint(_importer.Address, 10_00, used),                         // made already by the single mint
            BatchTransfer.Mint(_importer.Address, 11_00, used),                         // the same reference, another amount
            BatchTransfer.Mint(_exporter.Address, 1_00, Ref("mint at another bank")),   // HSBC's customer: VCB may not credit it
            BatchTransfer.Mint("0x000000000000000000000000000000000000dEaD", 1_00, Ref("mint to an account never opened")),
            BatchTransfer.Mint("0x0000000000000000000000000000000000000000", 1_00, Ref("mint to the zero address")),
            BatchTransfer.Mint(_importer.Address, 0, Ref("mint zero")),
            BatchTransfer.Mint(_importer.Address, 1_00, new byte[32]),
            BatchTransfer.Mint(_importer.Address, 200_00, Ref("mint 2")),
            BatchTransfer.Mint(_importer.Address, 300_00, Ref("mint 2")),              // the batch's own reference again
            BatchTransfer.Mint(_importer.Address, BigInteger.Pow(2, 96), Ref("mint beyond what a payment binds")),
        };

        Assert.StartsWith("AccessControlUnauthorizedAccount", await RefusedAsync(() => _settlement.MintBatchAsync(_importer, "USD", batch, None)));
        var outcomes = await _settlement.MintBatchAsync(_vcb, "USD", batch, None);

        var batchHash = outcomes[0].TransactionHash!;
        Assert.Equal(
            [(batchHash, null), (direct.TransactionHash, null), (null, "contract:DuplicateReference"), (null, "contract:NotServicingBank"),
                (null, "contract:NotServicingBank"), (null, "contract:NotServicingBank"), (null, "contract:ZeroAmount"), (null, "contract:InvalidReference"),
                (batchHash, null), (null, "contract:DuplicateReference"), (null, "contract:AmountTooLarge")],
            outcomes.Select(o => (o.TransactionHash, o.Rule)));
        var receipt = await _vcb.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(batchHash);
        Assert.Equal([(Convert.ToHexString(Ref("mint 1")), 100_00, true), (Convert.ToHexString(Ref("mint 2")), 200_00, true)],
            receipt.DecodeAllEvents<Token.PaymentEventDTO>().Select(e => (Convert.ToHexString(e.Event.PaymentReference), (int)e.Event.Amount,
                e.Event.From == "0x0000000000000000000000000000000000000000")));
        Assert.Equal(9, receipt.DecodeAllEvents<Token.PaymentRefusedEventDTO>().Count);
        // Each refusal is the one the single mint reverts with for the same item.
        foreach (var (item, outcome) in batch.Zip(outcomes).Where(p => p.Second.Rule is { } rule && rule != "contract:DuplicateReference"))
            Assert.StartsWith(outcome.Rule!["contract:".Length..], await RefusedAsync(() => _settlement.MintAsync(_vcb, "USD", item.To, item.Amount, item.Reference, None)));
        Assert.Equal(10_00 + 100_00 + 200_00, await _settlement.BalanceOfAsync("USD", _importer.Address));
        Assert.Equal(0, await _settlement.BalanceOfAsync("USD", _exporter.Address));
        var bound = await _settlement.PaymentOfAsync("USD", _vcb.Address, Ref("mint 2")); // bound to the first item under it, not the refused second
        Assert.Equal(((string?)null, (BigInteger)200_00, (long)receipt.BlockNumber.Value), (bound!.From, bound.Amount, bound.BlockNumber));
        Assert.Equal(_importer.Address, bound.To, ignoreCase: true);

        // Sent again (as after a crash between the send and its record): nothing is minted twice, and each item made finds its transaction.
        var again = await _settlement.MintBatchAsync(_vcb, "USD", [batch[0], batch[8]], None);
        Assert.Equal([batchHash, batchHash], again.Select(o => o.TransactionHash));
        Assert.Equal(310_00, await _settlement.BalanceOfAsync("USD", _importer.Address));

        Assert.StartsWith("InvalidTransferBatch", await RefusedAsync(() => _settlement.MintBatchAsync(_vcb, "USD", [], None)));
        Assert.StartsWith("InvalidTransferBatch", await RefusedAsync(() => _settlement.MintBatchAsync(_vcb, "USD",
            [.. Enumerable.Range(0, SettlementClient.MaxTransfersPerBatch + 1).Select(i => BatchTransfer.Mint(_importer.Address, 1, Ref($"mint {i}")))], None)));
        Assert.StartsWith("InvalidTransferBatch", await RefusedAsync(() => _vcb.SendAsync(UsdToken, new Token.MintBatchFunction
        {
            To = [_importer.Address], Amounts = [1, 2], PaymentReferences = [Ref("mint mismatched")],
        }, None)));
        // A transfer in a batch of mints (or the reverse) is a mistake of the caller, refused before anything is sent.
        await Assert.ThrowsAsync<ArgumentException>(() => _settlement.MintBatchAsync(_vcb, "USD", [new BatchTransfer(_importer.Address, _treasury.Address, 1, Ref("x"))], None));
        await Assert.ThrowsAsync<ArgumentException>(() => _settlement.BankTransferBatchAsync(_vcb, "USD", [batch[0]], None));
    }

    [Fact]
    public async Task A_full_batch_of_the_services_largest_size_is_made_in_one_transaction()
    {
        await OpenCustomerAccountsAsync(100 * 2_456_068_800L);
        var batch = Enumerable.Range(0, 100)
            .Select(i => new BatchTransfer(_importer.Address, _treasury.Address, 2_456_068_800L, Ref($"full batch {i}"))).ToList();
        var outcomes = await _settlement.BankTransferBatchAsync(_vcb, "USD", batch, None);
        Assert.All(outcomes, o => Assert.True(o.Made, o.Refusal));
        var hash = Assert.Single(outcomes.Select(o => o.TransactionHash).Distinct());
        // A reference bound takes two new storage slots (payer and block; payee and amount), so several full batches fit in
        // one block of a 30 M gas limit (about 56,000 gas an item): four of them would not at four slots an item (about 100,000 gas).
        var receipt = await _vcb.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash);
        Assert.True(receipt.GasUsed.Value / 100 < 65_000, $"{receipt.GasUsed.Value / 100} gas an item");

        // The largest amount a payment binds (2^96 - 1 minor units) is bound and read back exactly.
        var largest = BigInteger.Pow(2, 96) - 1;
        var minted = await _settlement.MintAsync(_vcb, "USD", _importer.Address, largest, Ref("the largest"), None);
        var bound = await _settlement.PaymentOfAsync("USD", _vcb.Address, Ref("the largest"));
        Assert.Equal(((string?)null, largest), (bound!.From, bound.Amount));
        Assert.Equal(_importer.Address, bound.To, ignoreCase: true);
        var last = await _settlement.PaymentOfAsync("USD", _vcb.Address, Ref("full batch 99"));
        Assert.Equal((2_456_068_800L, (long)receipt.BlockNumber.Value), ((long)last!.Amount, last.BlockNumber));
        Assert.Equal((_importer.Address.ToLowerInvariant(), _treasury.Address.ToLowerInvariant()), (last.From!.ToLowerInvariant(), last.To!.ToLowerInvariant()));
        Assert.NotNull(minted.TransactionHash);
    }

    [Fact]
    public async Task A_bank_opens_only_an_account_whose_holder_asked_it_to()
    {
        // Nobody asked HSBC: it cannot open the importer's account and become its bank.
        Assert.StartsWith("NotMandated", await RefusedAsync(() => _settlement.OpenAccountAsync(_hsbc, "USD", _importer.Address, None)));
        // The importer, with its own account, asks VCB: still not HSBC.
        await _settlement.MandateBankAsync(_importer, "USD", _vcb.Address, None);
        Assert.StartsWith("NotMandated", await RefusedAsync(() => _settlement.OpenAccountAsync(_hsbc, "USD", _importer.Address, None)));
        await _settlement.OpenAccountAsync(_vcb, "USD", _importer.Address, None);
        Assert.Equal(_vcb.Address, await _settlement.ServicingBankAsync("USD", _importer.Address), ignoreCase: true);
        // The mandate was used by that opening: once closed, the account is reopened only on a new request of its holder.
        await _settlement.CloseAccountAsync(_vcb, "USD", _importer.Address, None);
        Assert.StartsWith("NotMandated", await RefusedAsync(() => _settlement.OpenAccountAsync(_vcb, "USD", _importer.Address, None)));
    }

    [Fact]
    public async Task A_bank_party_to_a_credit_cannot_take_its_id_by_opening_first()
    {
        await OpenCustomerAccountsAsync(1_000_00);
        var expiry = (await ChainTimeAsync()).AddDays(30);
        var (reference, id) = Credit("LC-FRONT-RUN");
        Assert.Equal(id, await _vcb.QueryAsync<Escrow.CreditIdOfFunction, byte[]>(UsdEscrow,
            new Escrow.CreditIdOfFunction { IssuingBank = _vcb.Address, CreditReference = reference })); // the service derives it as the escrow does

        // HSBC, the advising bank, knows the credit's reference and opens first under it, from an account it services (its own).
        await _settlement.MintAsync(_hsbc, "USD", _hsbc.Address, 1, Ref("hsbc float"), None);
        await _settlement.OpenCreditAsync(_hsbc, "USD", reference, _hsbc.Address, _exporter.Address, null, 1, expiry, null, None);

        // It took only its own id: VCB's credit opens under VCB's id, with VCB's terms.
        await OpenCreditAsync(reference, 500_00, expiry);
        var credit = (await _settlement.GetCreditAsync(id))!;
        Assert.Equal((_vcb.Address.ToLowerInvariant(), _importer.Address.ToLowerInvariant(), (BigInteger)500_00),
            (credit.IssuingBank.ToLowerInvariant(), credit.Applicant.ToLowerInvariant(), credit.Amount));
        Assert.Equal(_hsbc.Address, (await _settlement.GetCreditAsync(SettlementClient.CreditId(_hsbc.Address, reference)))!.IssuingBank, ignoreCase: true);
    }

    [Fact]
    public async Task Only_the_applicants_bank_issues_a_credit_and_only_its_banks_pay_it_once_per_presentation_within_the_amount()
    {
        await OpenCustomerAccountsAsync(1_000_00);
        var (creditRef, creditId) = Credit("LC-1");
        var expiry = (await ChainTimeAsync()).AddDays(30);

        Assert.StartsWith("NotApplicantBank", await RefusedAsync(() =>
            _settlement.OpenCreditAsync(_hsbc, "USD", creditRef, _importer.Address, _exporter.Address, null, 500_00, expiry, null, None)));
        Assert.StartsWith("AccountNotOpen", await RefusedAsync(() =>
            _settlement.OpenCreditAsync(_vcb, "USD", creditRef, _importer.Address, _outsider.Address, null, 500_00, expiry, null, None)));
        var opened = await OpenCreditAsync(creditRef, 500_00, expiry);
        Assert.Equal(opened.TransactionHash, (await OpenCreditAsync(creditRef, 500_00, expiry)).TransactionHash); // a retry finds it opened by this bank, with these terms
        Assert.StartsWith("CreditExists", await RefusedAsync(() => OpenCreditAsync(creditRef, 499_00, expiry))); // ... and not with others
        Assert.Equal(500_00, await _settlement.BalanceOfAsync("USD", _importer.Address));
        Assert.Equal(500_00, await _settlement.BalanceOfAsync("USD", UsdEscrow));
        var credit = (await _settlement.GetCreditAsync(creditId))!;
        Assert.Equal((EscrowCreditState.Funded, "USD", (BigInteger)500_00, BigInteger.Zero), (credit.State, credit.Currency, credit.Amount, credit.Released));
        Assert.Equal(_hsbc.Address, credit.AdvisingBank, ignoreCase: true);

        // A bank not party to the credit, and the beneficiary itself, cannot move the funds.
        Assert.StartsWith("NotPartyBank", await RefusedAsync(() => _settlement.ReleaseAsync(_treasury, creditId, Ref("P1"), 100_00, None)));
        Assert.StartsWith("NotPartyBank", await RefusedAsync(() => _settlement.ReleaseAsync(_exporter, creditId, Ref("P1"), 100_00, None)));
        Assert.StartsWith("NotIssuingBank", await RefusedAsync(() => _settlement.RefundAsync(_hsbc, creditId, 500_00, None)));

        // The advising bank pays only what the issuing bank accepted for that presentation, on chain.
        Assert.StartsWith("PaymentNotAccepted", await RefusedAsync(() => _settlement.ReleaseAsync(_hsbc, creditId, Ref("P1"), 200_00, None)));
        Assert.StartsWith("NotIssuingBank", await RefusedAsync(() => _settlement.AcceptPaymentAsync(_hsbc, creditId, Ref("P1"), 200_00, None)));
        await _settlement.AcceptPaymentAsync(_vcb, creditId, Ref("P1"), 200_00, None);
        Assert.StartsWith("PaymentNotAccepted", await RefusedAsync(() => _settlement.ReleaseAsync(_hsbc, creditId, Ref("P1"), 250_00, None)));
        var paid = await _settlement.ReleaseAsync(_hsbc, creditId, Ref("P1"), 200_00, None);
        Assert.Equal(200_00, await _settlement.BalanceOfAsync("USD", _exporter.Address));
        // The same presentation again: refused on chain (the client reports it as already done), nothing moves.
        Assert.StartsWith("AlreadyPaid", await RefusedAsync(() =>
            _vcb.SendAsync(UsdEscrow, new Escrow.ReleaseFunction { CreditId = creditId, PresentationId = Ref("P1"), Amount = 200_00 }, None)));
        Assert.Equal(paid.TransactionHash, (await _settlement.ReleaseAsync(_vcb, creditId, Ref("P1"), 200_00, None)).TransactionHash);
        Assert.StartsWith("AlreadyPaid", await RefusedAsync(() => _settlement.ReleaseAsync(_vcb, creditId, Ref("P1"), 100_00, None))); // paid, but not this amount
        Assert.True(await _settlement.IsPaidAsync(creditId, Ref("P1")));
        Assert.Equal(200_00, await _settlement.BalanceOfAsync("USD", _exporter.Address));
        Assert.StartsWith("ExceedsCredit", await RefusedAsync(() => _settlement.ReleaseAsync(_vcb, creditId, Ref("P2"), 300_01, None)));

        // Amendments: sent by the issuing bank alone (a decrease approved by the beneficiary first), never below what was
        // paid; the difference moves with the applicant.
        Assert.StartsWith("NotIssuingBank", await RefusedAsync(() => _settlement.AdjustAsync(_hsbc, creditId, 600_00, None)));
        Assert.StartsWith("BelowReleased", await RefusedAsync(() => _settlement.AdjustAsync(_vcb, creditId, 199_99, None)));
        await _settlement.AdjustAsync(_vcb, creditId, 600_00, None);
        Assert.Equal(400_00, await _settlement.BalanceOfAsync("USD", _importer.Address));
        await _settlement.ApproveAdjustmentAsync(_exporter, creditId, 550_00, None);
        await _settlement.AdjustAsync(_vcb, creditId, 550_00, None);
        Assert.Equal(450_00, await _settlement.BalanceOfAsync("USD", _importer.Address));

        await _settlement.ReleaseAsync(_vcb, creditId, Ref("P2"), 350_00, None); // the rest: the credit is paid in full
        credit = (await _settlement.GetCreditAsync(creditId))!;
        Assert.Equal((EscrowCreditState.Closed, (BigInteger)550_00, BigInteger.Zero), (credit.State, credit.Released, credit.Held));
        Assert.StartsWith("CreditClosed", await RefusedAsync(() => _settlement.ReleaseAsync(_vcb, creditId, Ref("P3"), 1, None)));
        Assert.Equal(550_00, await _settlement.BalanceOfAsync("USD", _exporter.Address));
        Assert.Equal(0, await _settlement.BalanceOfAsync("USD", UsdEscrow));
        Assert.Null(await _settlement.GetCreditAsync(Ref("LC-unknown")));
    }

    [Fact]
    public async Task A_credit_is_reduced_only_to_an_amount_its_beneficiary_approved_and_increased_by_the_issuing_bank_alone()
    {
        await OpenCustomerAccountsAsync(1_000_00);
        var (creditRef, creditId) = Credit("LC-amended");
        await OpenCreditAsync(creditRef, 500_00, (await ChainTimeAsync()).AddDays(30));

        // Irrevocable: without the beneficiary the issuing bank cannot pull escrowed funds back to the applicant.
        Assert.StartsWith("AdjustmentNotApproved", await RefusedAsync(() => _settlement.AdjustAsync(_vcb, creditId, 300_00, None)));
        // Only the beneficiary's own account approves: not the applicant, either bank, or an outsider.
        foreach (var other in new[] { _importer, _vcb, _hsbc, _outsider })
            Assert.StartsWith("NotBeneficiary", await RefusedAsync(() => _settlement.ApproveAdjustmentAsync(other, creditId, 300_00, None)));
        Assert.StartsWith("AdjustmentNotApproved", await RefusedAsync(() => _settlement.AdjustAsync(_vcb, creditId, 300_00, None)));
        Assert.StartsWith("ZeroAmount", await RefusedAsync(() => _settlement.ApproveAdjustmentAsync(_exporter, creditId, 0, None)));

        // The approval is of exactly one amount, and lets only the issuing bank adjust.
        await _settlement.ApproveAdjustmentAsync(_exporter, creditId, 300_00, None);
        Assert.StartsWith("AdjustmentNotApproved", await RefusedAsync(() => _settlement.AdjustAsync(_vcb, creditId, 250_00, None)));
        Assert.StartsWith("NotIssuingBank", await RefusedAsync(() => _settlement.AdjustAsync(_hsbc, creditId, 300_00, None)));
        await _settlement.AdjustAsync(_vcb, creditId, 300_00, None);
        Assert.Equal(700_00, await _settlement.BalanceOfAsync("USD", _importer.Address));
        Assert.Equal(300_00, await _settlement.BalanceOfAsync("USD", UsdEscrow));

        // An increase only adds funds: the issuing bank's alone, no approval needed.
        await _settlement.AdjustAsync(_vcb, creditId, 450_00, None);
        Assert.Equal(550_00, await _settlement.BalanceOfAsync("USD", _importer.Address));

        // The approval was used up: reducing to the same amount again needs a new one.
        Assert.StartsWith("AdjustmentNotApproved", await RefusedAsync(() => _settlement.AdjustAsync(_vcb, creditId, 300_00, None)));
        await _settlement.ApproveAdjustmentAsync(_exporter, creditId, 300_00, None);
        await _settlement.AdjustAsync(_vcb, creditId, 300_00, None);
        var credit = (await _settlement.GetCreditAsync(creditId))!;
        Assert.Equal((EscrowCreditState.Funded, (BigInteger)300_00), (credit.State, credit.Amount));
        Assert.Equal(700_00, await _settlement.BalanceOfAsync("USD", _importer.Address));
        Assert.Equal(300_00, await _settlement.BalanceOfAsync("USD", UsdEscrow));
    }

    [Fact]
    public async Task A_credit_with_a_customs_condition_pays_only_after_customs_attests_the_release_of_goods()
    {
        await OpenCustomerAccountsAsync(1_000_00);
        var (creditRef, creditId) = Credit("LC-customs");
        var customsReference = Ref("DEC-2024-000123 released");
        await OpenCreditAsync(creditRef, 400_00, (await ChainTimeAsync()).AddDays(30), customsReference);

        await _settlement.AcceptPaymentAsync(_vcb, creditId, Ref("P1"), 400_00, None);
        Assert.StartsWith("CustomsReleaseRequired", await RefusedAsync(() => _settlement.ReleaseAsync(_hsbc, creditId, Ref("P1"), 400_00, None)));
        Assert.StartsWith("AccessControlUnauthorizedAccount", await RefusedAsync(() =>
            _settlement.AttestCustomsReleaseAsync(_vcb, customsReference, None, "USD")));
        Assert.Null(await _settlement.CustomsReleasedAtAsync("USD", customsReference));

        var customs = Writer(DevelopmentAccounts.CustomsKey);
        Assert.Equal(2, (await _settlement.AttestCustomsReleaseAsync(customs, customsReference, None)).Count); // USD and VND escrows
        Assert.Empty(await _settlement.AttestCustomsReleaseAsync(customs, customsReference, None)); // a retry: already attested
        Assert.NotNull(await _settlement.CustomsReleasedAtAsync("USD", customsReference));

        await _settlement.ReleaseAsync(_hsbc, creditId, Ref("P1"), 400_00, None);
        Assert.Equal(400_00, await _settlement.BalanceOfAsync("USD", _exporter.Address));
    }

    [Fact]
    public async Task Customs_attests_many_releases_in_one_transaction_per_escrow_with_an_event_for_each_new_one()
    {
        var customs = Writer(DevelopmentAccounts.CustomsKey);
        var earlier = Ref("DEC-earlier released");
        await _settlement.AttestCustomsReleaseAsync(customs, earlier, None, "USD");
        var batch = new[] { Ref("DEC-1 released"), earlier, Ref("DEC-2 released"), Ref("DEC-1 released") };

        Assert.StartsWith("AccessControlUnauthorizedAccount", await RefusedAsync(() => _settlement.AttestCustomsReleasesAsync(_vcb, batch, None)));
        var receipts = await _settlement.AttestCustomsReleasesAsync(customs, batch, None);
        Assert.Equal(2, receipts.Count); // one transaction for each escrow (USD and VND), however many releases
        var usd = await customs.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(receipts[0].TransactionHash);
        // An event for each release attested now; the one attested before is skipped, not refused, and the repeated one counted once.
        Assert.Equal([Convert.ToHexString(batch[0]), Convert.ToHexString(batch[2])],
            usd.DecodeAllEvents<Escrow.CustomsReleaseAttestedEventDTO>().Select(e => Convert.ToHexString(e.Event.CustomsReference)));
        foreach (var reference in batch) Assert.NotNull(await _settlement.CustomsReleasedAtAsync("VND", reference));
        Assert.Null(await _settlement.CustomsReleasedAtAsync("VND", Ref("DEC-3 released")));

        var again = await customs.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(
            (await _settlement.AttestCustomsReleasesAsync(customs, batch, None))[0].TransactionHash);
        Assert.Empty(again.DecodeAllEvents<Escrow.CustomsReleaseAttestedEventDTO>()); // sent again: nothing changes
        Assert.StartsWith("InvalidBatch", await RefusedAsync(() => customs.SendAsync(UsdEscrow, new Escrow.AttestCustomsReleasesFunction { CustomsReferences = [] }, None)));
        Assert.StartsWith("InvalidBatch", await RefusedAsync(() => customs.SendAsync(UsdEscrow,
            new Escrow.AttestCustomsReleasesFunction { CustomsReferences = [.. Enumerable.Range(0, 257).Select(i => Ref($"DEC-{i}"))] }, None)));
    }

    [Fact]
    public async Task A_credit_is_refunded_before_expiry_only_with_the_beneficiarys_consent_and_after_expiry_without_and_then_pays_nothing()
    {
        await OpenCustomerAccountsAsync(1_000_00);
        var now = await ChainTimeAsync();
        Assert.StartsWith("ExpiryInPast", await RefusedAsync(() => OpenCreditAsync(Ref("LC-past"), 100_00, now.AddSeconds(-1))));

        // Irrevocable: before expiry the issuing bank cannot take the funds back on its own.
        var (consentedRef, consented) = Credit("LC-consented");
        await OpenCreditAsync(consentedRef, 300_00, now.AddDays(30));
        await _settlement.AcceptPaymentAsync(_vcb, consented, Ref("P1"), 100_00, None);
        await _settlement.ReleaseAsync(_hsbc, consented, Ref("P1"), 100_00, None);
        Assert.StartsWith("NotExpired", await RefusedAsync(() => _settlement.RefundAsync(_vcb, consented, 200_00, None)));
        Assert.StartsWith("NotBeneficiary", await RefusedAsync(() => _settlement.ConsentToCancelAsync(_importer, consented, None)));
        await _settlement.ConsentToCancelAsync(_exporter, consented, None);
        Assert.True((await _settlement.GetCreditAsync(consented))!.CancellationConsented);
        Assert.StartsWith("NotIssuingBank", await RefusedAsync(() => _settlement.RefundAsync(_hsbc, consented, 200_00, None)));
        var refunded = await _settlement.RefundAsync(_vcb, consented, 200_00, None);
        Assert.Equal(900_00, await _settlement.BalanceOfAsync("USD", _importer.Address)); // 1000 - 300 + the unpaid 200
        Assert.StartsWith("CreditClosed", await RefusedAsync(() => _settlement.ReleaseAsync(_hsbc, consented, Ref("P2"), 1, None)));
        Assert.Equal(refunded.TransactionHash, (await _settlement.RefundAsync(_vcb, consented, 200_00, None)).TransactionHash); // a retry: that refund
        Assert.StartsWith("CreditClosed", await RefusedAsync(() => _settlement.RefundAsync(_vcb, consented, 100_00, None)));

        // Expired: the issuing bank refunds without consent; afterwards nothing can be paid.
        var (expiringRef, expiring) = Credit("LC-expiring");
        await OpenCreditAsync(expiringRef, 500_00, now.AddHours(1));
        await _settlement.AcceptPaymentAsync(_vcb, expiring, Ref("P1"), 50_00, None);
        await _settlement.ReleaseAsync(_hsbc, expiring, Ref("P1"), 50_00, None);
        Assert.StartsWith("NotExpired", await RefusedAsync(() => _settlement.RefundAsync(_vcb, expiring, 450_00, None)));
        await _vcb.Web3.Client.SendRequestAsync<object>("evm_increaseTime", null, 2 * 3600);
        await _vcb.Web3.Client.SendRequestAsync<object>("evm_mine", null);
        await _settlement.RefundAsync(_vcb, expiring, 450_00, None);
        var credit = (await _settlement.GetCreditAsync(expiring))!;
        Assert.Equal((EscrowCreditState.Closed, (BigInteger)50_00), (credit.State, credit.Released));
        Assert.Equal(850_00, await _settlement.BalanceOfAsync("USD", _importer.Address));
        Assert.Equal(150_00, await _settlement.BalanceOfAsync("USD", _exporter.Address));
        Assert.Equal(0, await _settlement.BalanceOfAsync("USD", UsdEscrow));
        Assert.StartsWith("CreditClosed", await RefusedAsync(() => _settlement.ReleaseAsync(_hsbc, expiring, Ref("P2"), 1, None)));
        Assert.StartsWith("CreditClosed", await RefusedAsync(() => _settlement.AdjustAsync(_vcb, expiring, 600_00, None)));
    }
}
