using TradeChain.Domain.Hashing;
using System.Collections.Concurrent;
using System.Numerics;
using System.Text;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Util;
using TradeChain.Ledger.Contracts.CreditEscrow;
using TradeChain.Ledger.Contracts.SettlementToken;
using Escrow = TradeChain.Ledger.Contracts.CreditEscrow;
using Token = TradeChain.Ledger.Contracts.SettlementToken;

namespace TradeChain.Ledger;

/// <summary>The state of a credit in its escrow contract (CreditEscrow.State).</summary>
public enum EscrowCreditState
{
    /// <summary>Never opened in this escrow.</summary>
    None = 0,

    /// <summary>Funds held; payable to the beneficiary.</summary>
    Funded = 1,

    /// <summary>Paid in full or refunded: nothing more can move.</summary>
    Closed = 2,
}

/// <summary>
/// A documentary credit as its escrow contract holds it. Amounts are in minor units of <see cref="Currency"/>;
/// <see cref="AdvisingBank"/> and <see cref="CustomsReference"/> are null when the credit has none.
/// </summary>
public sealed record EscrowCredit(
    string Currency,
    string Escrow,
    string IssuingBank,
    string Applicant,
    string Beneficiary,
    string? AdvisingBank,
    BigInteger Amount,
    BigInteger Released,
    DateTimeOffset Expiry,
    byte[]? CustomsReference,
    bool CancellationConsented,
    EscrowCreditState State)
{
    /// <summary>What the escrow still holds for this credit (zero once closed).</summary>
    public BigInteger Held => State == EscrowCreditState.Funded ? Amount - Released : BigInteger.Zero;
}

/// <summary>
/// One movement of a settlement token with its payer's reference (the Payment event): <see cref="From"/> is null for a
/// mint, <see cref="To"/> null for a burn. <see cref="Reference"/> is the 32-byte reference as 0x hex.
/// </summary>
public sealed record SettlementPayment(
    string Reference, string? From, string? To, BigInteger Amount, string TransactionHash, long BlockNumber, long LogIndex);

/// <summary>
/// A bank payment as the token bound it to the bank's own reference (SettlementToken.paymentOf): <see cref="From"/> is
/// null for a mint, <see cref="To"/> null for a burn. A reference the bank voided (SettlementToken.voidReference) binds nothing moved: <see cref="IsVoid"/>.
/// </summary>
public sealed record BoundPayment(string? From, string? To, BigInteger Amount, long BlockNumber)
{
    /// <summary>The bank voided the reference (in block <see cref="BlockNumber"/>): nothing moved under it, nor can.</summary>
    public bool IsVoid => From is null && To is null && Amount.IsZero;
}

/// <summary>
/// One item of a bank's batch: a transfer (<see cref="SettlementClient.BankTransferBatchAsync"/>), or a mint with
/// <see cref="From"/> null (<see cref="SettlementClient.MintBatchAsync"/>); amounts in minor units.
/// </summary>
public sealed record BatchTransfer(string? From, string To, BigInteger Amount, byte[] Reference)
{
    /// <summary>A deposit of a bank's batch of mints: <paramref name="amount"/> credited to <paramref name="to"/>.</summary>
    public static BatchTransfer Mint(string to, BigInteger amount, byte[] reference) => new(null, to, amount, reference);
}

/// <summary>
/// What became of one transfer of a batch: made, in transaction <see cref="TransactionHash"/> (the batch's, or an earlier
/// attempt's); or refused — nothing of it moved — <see cref="Refusal"/> saying why and <see cref="Rule"/> naming the rule:
/// the token's custom error as <c>contract:&lt;Error&gt;</c> (<see cref="ChainRevertedException.RuleOf"/>), or
/// <see cref="NotInBatchRule"/> when the receipt holds no event of it (this client's finding, not the contract's).
/// </summary>
/// <param name="Undecided">Refused as DuplicateReference, and what the reference is bound to could not be read (the node
/// failed): neither made nor refused for good — sent again later, the next attempt decides.</param>
public sealed record BatchTransferOutcome(BatchTransfer Transfer, string? TransactionHash, string? Refusal, string? Rule = null, bool Undecided = false)
{
    public bool Made => TransactionHash is not null;

    /// <summary>The rule of a transfer the batch's receipt holds no event of.</summary>
    public const string NotInBatchRule = "not-in-batch";
}

/// <summary>
/// The settlement token (tokenised deposits, one per currency) and the documentary-credit escrow on chain.
/// Every step a bank, a beneficiary or customs takes is sent by that party's own <see cref="ChainWriter"/>, so the
/// contract — not this service — decides whether that party may take it. Reads go through the service's writer.
/// Amounts are <see cref="BigInteger"/> minor units (cents; the token has 2 decimals).
/// <para>
/// <c>currency</c> parameters take an ISO 4217 code configured in <see cref="ChainOptions.Settlement"/> ("USD", "VND")
/// or a token address. References (payment references, credit and presentation ids, customs references) are 32 bytes:
/// <see cref="Reference(string)"/> makes one from a text identifier.
/// </para>
/// <para>
/// Retry safety: a bank payment, a credit's opening, a presentation's payment or a refund that an earlier attempt
/// already made returns that attempt's receipt — but only once the contract's own record of it (bound to this bank's
/// reference, or to this bank's credit) shows exactly the intended payer, payee and amount; its transaction is then found
/// in that one block. Anything else is refused (<see cref="ChainRevertedException"/>), never taken for done.
/// </para>
/// </summary>
public sealed class SettlementClient(ChainWriter service, ChainOptions options)
{
    private readonly ConcurrentDictionary<string, string> _creditEscrows = new(StringComparer.Ordinal);

    /// <summary>keccak256 of the UTF-8 text: the 32-byte on-chain reference of a payment, credit or presentation id.</summary>
    public static byte[] Reference(string text) => Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes(text));

    /// <summary>The configured currencies (ISO 4217 codes).</summary>
    public IReadOnlyCollection<string> Currencies => options.Settlement.Keys;

    /// <summary>The SettlementToken of <paramref name="currency"/> (an ISO code, or a token address returned as is).</summary>
    public string TokenAddress(string currency) =>
        IsAddress(currency) ? currency : Addresses(currency).Token;

    /// <summary>The CreditEscrow of <paramref name="currency"/>.</summary>
    public string EscrowAddress(string currency) => Addresses(currency).Escrow;

    // ---- token -------------------------------------------------------------------------------------------------

    /// <summary>
    /// The account holder, signing with its own account, asks <paramref name="bank"/> (an address) to open and keep its
    /// account: the token lets a bank open only an account that asked it. Null when nothing was needed (already asked,
    /// or already open at that bank).
    /// </summary>
    public async Task<ChainReceipt?> MandateBankAsync(ChainWriter holder, string currency, string bank, CancellationToken cancellationToken)
    {
        var token = TokenAddress(currency);
        if (SameAddress(await ServicingBankAsync(currency, holder.Address), bank)) return null;
        if (SameAddress(await service.QueryAsync<MandatedBankFunction, string>(token, new MandatedBankFunction { Account = holder.Address }), bank)) return null;
        // The two reads are two calls at "latest": the bank's opening, which uses the mandate up as it opens the account, may
        // have been mined between them (seen in CI under load: the holder was then asked to sign a second mandate). Read the
        // servicing bank again: an account opened at this bank since the first read is what was asked.
        if (SameAddress(await ServicingBankAsync(currency, holder.Address), bank)) return null;
        try
        {
            return await holder.SendAsync(token, new MandateBankFunction { Bank = bank }, cancellationToken);
        }
        catch (ChainRevertedException)
        {
            // A concurrent request mandated the bank and it opened the account meanwhile: what was asked holds.
            if (SameAddress(await ServicingBankAsync(currency, holder.Address), bank)) return null;
            throw;
        }
    }

    /// <summary>
    /// <paramref name="bank"/> opens <paramref name="account"/>, which mandated it (<see cref="MandateBankAsync"/>), and
    /// becomes its servicing bank. Null when the account is already open at this bank.
    /// </summary>
    public async Task<ChainReceipt?> OpenAccountAsync(ChainWriter bank, string currency, string account, CancellationToken cancellationToken)
    {
        var token = TokenAddress(currency);
        if (SameAddress(await ServicingBankAsync(currency, account), bank.Address)) return null;
        try
        {
            return await bank.SendAsync(token, new OpenAccountFunction { Account = account }, cancellationToken);
        }
        catch (ChainRevertedException)
        {
            // Opened at this bank by a concurrent request (which used up the mandate): what was asked holds.
            if (SameAddress(await ServicingBankAsync(currency, account), bank.Address)) return null;
            throw;
        }
    }

    /// <summary><paramref name="bank"/> closes its customer's empty account.</summary>
    public Task<ChainReceipt> CloseAccountAsync(ChainWriter bank, string currency, string account, CancellationToken cancellationToken) =>
        bank.SendAsync(TokenAddress(currency), new CloseAccountFunction { Account = account }, cancellationToken);

    /// <summary>The servicing bank of <paramref name="account"/>; null when the account is not open.</summary>
    public async Task<string?> ServicingBankAsync(string currency, string account)
    {
        var bank = await service.QueryAsync<ServicingBankFunction, string>(TokenAddress(currency), new ServicingBankFunction { Account = account });
        return IsZero(bank) ? null : bank;
    }

    /// <summary>
    /// <paramref name="bank"/> credits <paramref name="amount"/> to its customer <paramref name="to"/> against its books, once
    /// per reference of this bank (a retry returns the earlier attempt's receipt).
    /// </summary>
    public Task<ChainReceipt> MintAsync(ChainWriter bank, string currency, string to, BigInteger amount, byte[] reference, CancellationToken cancellationToken) =>
        PayOnceAsync(bank, currency, null, to, amount, reference,
            () => bank.SendAsync(TokenAddress(currency), new Token.MintFunction { To = to, Amount = amount, PaymentReference = reference }, cancellationToken));

    /// <summary>
    /// <paramref name="bank"/> debits <paramref name="amount"/> from its customer <paramref name="from"/> back to its books,
    /// once per reference of this bank.
    /// </summary>
    public Task<ChainReceipt> BurnAsync(ChainWriter bank, string currency, string from, BigInteger amount, byte[] reference, CancellationToken cancellationToken) =>
        PayOnceAsync(bank, currency, from, null, amount, reference,
            () => bank.SendAsync(TokenAddress(currency), new BurnFunction { From = from, Amount = amount, PaymentReference = reference }, cancellationToken));

    /// <summary>
    /// <paramref name="bank"/> pays <paramref name="amount"/> from its customer <paramref name="from"/> to the open account
    /// <paramref name="to"/> (at any bank), once per reference of this bank.
    /// </summary>
    public Task<ChainReceipt> BankTransferAsync(ChainWriter bank, string currency, string from, string to, BigInteger amount, byte[] reference,
        CancellationToken cancellationToken) =>
        PayOnceAsync(bank, currency, from, to, amount, reference, () => bank.SendAsync(TokenAddress(currency),
            new BankTransferFunction { From = from, To = to, Amount = amount, PaymentReference = reference }, cancellationToken));

    /// <summary>The most transfers one bankTransferBatch transaction takes (SettlementToken.MAX_BATCH_PAYMENTS).</summary>
    public const int MaxTransfersPerBatch = 256;

    /// <summary>
    /// <paramref name="bank"/> makes <paramref name="transfers"/> (at most <see cref="MaxTransfersPerBatch"/>, all its own
    /// customers' in one currency) in one transaction, each under the rules of <see cref="BankTransferAsync"/>, and says what
    /// became of each from its own event in the receipt: made (its Payment event: exactly this payer, payee, amount and
    /// reference), or refused with the rule named. One refused as <c>DuplicateReference</c> — an earlier attempt, sent before
    /// a crash, made it — is made if the token binds this bank's reference to exactly this transfer (its transaction found in
    /// that block), and refused otherwise.
    /// </summary>
    /// <exception cref="ChainRevertedException">The whole batch was refused (no bank role, an empty or oversized batch).</exception>
    public async Task<IReadOnlyList<BatchTransferOutcome>> BankTransferBatchAsync(ChainWriter bank, string currency, IReadOnlyList<BatchTransfer> transfers,
        CancellationToken cancellationToken)
    {
        if (transfers.Any(t => t.From is null)) throw new ArgumentException("A batch of transfers names every payer (a mint goes in MintBatchAsync).", nameof(transfers));
        var receipt = await bank.SendAsync(TokenAddress(currency), new BankTransferBatchFunction
        {
            From = [.. transfers.Select(t => t.From!)], To = [.. transfers.Select(t => t.To)],
            Amounts = [.. transfers.Select(t => t.Amount)], PaymentReferences = [.. transfers.Select(t => t.Reference)],
        }, cancellationToken);
        return await OutcomesAsync(bank, currency, receipt, transfers);
    }

    /// <summary>
    /// <paramref name="bank"/> makes the deposits <paramref name="mints"/> (each <see cref="BatchTransfer.Mint"/>, at most
    /// <see cref="MaxTransfersPerBatch"/>, all to its own customers in one currency) in one transaction, each under the rules
    /// of <see cref="MintAsync"/>, and says what became of each as <see cref="BankTransferBatchAsync"/> does.
    /// </summary>
    /// <exception cref="ChainRevertedException">The whole batch was refused (no bank role, an empty or oversized batch).</exception>
    public async Task<IReadOnlyList<BatchTransferOutcome>> MintBatchAsync(ChainWriter bank, string currency, IReadOnlyList<BatchTransfer> mints,
        CancellationToken cancellationToken)
    {
        if (mints.Any(t => t.From is not null)) throw new ArgumentException("A batch of mints names no payer.", nameof(mints));
        var receipt = await bank.SendAsync(TokenAddress(currency), new MintBatchFunction
        {
            To = [.. mints.Select(t => t.To)], Amounts = [.. mints.Select(t => t.Amount)], PaymentReferences = [.. mints.Select(t => t.Reference)],
        }, cancellationToken);
        return await OutcomesAsync(bank, currency, receipt, mints);
    }

    /// <summary>
    /// What became of each item of a mined batch, from its own event in <paramref name="receipt"/>: made (its Payment event:
    /// exactly this payer, payee, amount and reference), or refused with the rule named. One refused as
    /// <c>DuplicateReference</c> — an earlier attempt, sent before a crash, made it — is made if the token binds this bank's
    /// reference to exactly this item (its transaction found in that block), and refused otherwise.
    /// </summary>
    private async Task<IReadOnlyList<BatchTransferOutcome>> OutcomesAsync(ChainWriter bank, string currency, ChainReceipt receipt, IReadOnlyList<BatchTransfer> items)
    {
        var logs = receipt.Logs ?? (await service.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(receipt.TransactionHash)).Logs;
        var token = TokenAddress(currency);
        var ours = logs.Where(l => SameAddress(l.Address, token)).ToList();
        var made = ours.Select(PaymentOf).OfType<SettlementPayment>().ToList();
        var refused = ours.Where(l => l.IsLogForEvent<PaymentRefusedEventDTO>()).Select(l => l.DecodeEvent<PaymentRefusedEventDTO>().Event).ToList();
        var outcomes = new List<BatchTransferOutcome>(items.Count);
        foreach (var t in items)
        {
            var reference = "0x" + Convert.ToHexStringLower(t.Reference);
            if (made.FirstOrDefault(p => p.Reference == reference && SameParty(p.From, t.From) && SameAddress(p.To, t.To) && p.Amount == t.Amount) is { } payment)
            {
                outcomes.Add(new BatchTransferOutcome(t, payment.TransactionHash, null));
                continue;
            }
            var refusal = refused.FirstOrDefault(r => r.PaymentReference.AsSpan().SequenceEqual(t.Reference) && SameParty(IsZero(r.From) ? null : r.From, t.From)
                                                      && SameAddress(r.To, t.To) && r.Amount == t.Amount);
            var rule = refusal is null ? null : RuleOf(refusal.Error);
            if (rule == "DuplicateReference")
            {
                try
                {
                    if (await MadePaymentAsync(currency, bank.Address, t.From, t.To, t.Amount, t.Reference) is { } earlier)
                    {
                        outcomes.Add(new BatchTransferOutcome(t, earlier.TransactionHash, null));
                        continue;
                    }
                }
                catch (ChainRevertedException e)
                {
                    outcomes.Add(new BatchTransferOutcome(t, null, e.Error, e.Rule));
                    continue;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One item's lookup failing does not throw away what the mined batch says of the others.
                    outcomes.Add(new BatchTransferOutcome(t, null, $"DuplicateReference: what reference {reference} is bound to could not be read ({e.Message})",
                        ChainRevertedException.RuleOf(rule), Undecided: true));
                    continue;
                }
            }
            var what = t.From is null ? "mint" : "transfer";
            outcomes.Add(refusal is null
                ? new BatchTransferOutcome(t, null, $"transaction {receipt.TransactionHash} has no event for reference {reference}", BatchTransferOutcome.NotInBatchRule)
                : new BatchTransferOutcome(t, null, $"{rule}: the token refused the {what} of reference {reference} in batch transaction {receipt.TransactionHash}",
                    ChainRevertedException.RuleOf(rule!)));
        }
        return outcomes;
    }

    /// <summary>The token's custom errors a bank transfer can be refused with, by selector (what PaymentRefused names).</summary>
    private static readonly Dictionary<string, string> TransferRules = new[]
    {
        Rule<NotServicingBankError>("NotServicingBank"), Rule<Token.InvalidReferenceError>("InvalidReference"), Rule<DuplicateReferenceError>("DuplicateReference"),
        Rule<Token.ZeroAmountError>("ZeroAmount"), Rule<InvalidAccountError>("InvalidAccount"), Rule<Token.AccountNotOpenError>("AccountNotOpen"),
        Rule<ERC20InsufficientBalanceError>("ERC20InsufficientBalance"), Rule<Token.AmountTooLargeError>("AmountTooLarge"),
    }.ToDictionary(r => r.Selector, r => r.Name, StringComparer.OrdinalIgnoreCase);

    private static (string Selector, string Name) Rule<TError>(string name) where TError : class =>
        (Nethereum.Contracts.ABITypedRegistry.GetError<TError>().Sha3Signature[..8], name);

    private static string RuleOf(byte[] selector) =>
        TransferRules.TryGetValue(Convert.ToHexStringLower(selector), out var name) ? name : "0x" + Convert.ToHexStringLower(selector);

    /// <summary>The transfer of <see cref="BankTransferAsync"/> as an unsigned transaction, for a bank that signs it itself.</summary>
    public Task<UnsignedTransaction> PrepareBankTransferAsync(string bank, string currency, string from, string to, BigInteger amount, byte[] reference,
        CancellationToken cancellationToken) =>
        service.PrepareAsync(bank, TokenAddress(currency), new BankTransferFunction { From = from, To = to, Amount = amount, PaymentReference = reference }, cancellationToken);

    /// <summary>
    /// The transaction in which <paramref name="bank"/> voided <paramref name="reference"/> (its <c>ReferenceVoided</c> event in
    /// <paramref name="block"/>, the block <c>paymentOf</c> gives for the void) — whoever sent it: this service's writer,
    /// the bank's own wallet.
    /// </summary>
    /// <exception cref="InvalidOperationException">That block holds no such event (not a void's block).</exception>
    public Task<string> VoidedInAsync(string currency, string bank, byte[] reference, long block)
    {
        var events = service.Web3.Eth.GetEvent<ReferenceVoidedEventDTO>(TokenAddress(currency));
        var at = new BlockParameter((ulong)block);
        return TransactionInBlockAsync(events, events.CreateFilterInput(new object[] { bank }, new object[] { reference }, at, at), _ => true, "ReferenceVoided", block);
    }

    /// <summary>
    /// The void of <see cref="VoidReferenceAsync"/> as an unsigned transaction, for a bank that signs it itself (its pending
    /// nonce, current fees, gas estimated from its account).
    /// </summary>
    /// <exception cref="ChainRevertedException">Refused as it stands: DuplicateReference once the reference is bound (voided or used).</exception>
    public Task<UnsignedTransaction> PrepareVoidReferenceAsync(string bank, string currency, byte[] reference, CancellationToken cancellationToken) =>
        service.PrepareAsync(bank, TokenAddress(currency), new VoidReferenceFunction { PaymentReference = reference }, cancellationToken);

    /// <summary>The nonce of <paramref name="account"/>'s next transaction (its pending count).</summary>
    public async Task<BigInteger> NextNonceAsync(string account) =>
        (await service.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(account, BlockParameter.CreatePending())).Value;

    /// <summary>
    /// At one block (the head when asked): how many of <paramref name="bank"/>'s transactions are mined, and the payment it
    /// made under its <paramref name="reference"/> (null when unused). Both read at the same block number, so that a node
    /// behind another (several behind one address) cannot answer the count from a later block and the reference from an earlier one.
    /// </summary>
    public async Task<(BigInteger Mined, BoundPayment? Payment)> MinedCountAndPaymentAsync(string currency, string bank, byte[] reference)
    {
        var at = new BlockParameter(await service.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync());
        var mined = (await service.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(bank, at)).Value;
        return (mined, await PaymentOfAsync(currency, bank, reference, at));
    }

    /// <summary>Whether <paramref name="account"/> has transactions sent but not mined yet.</summary>
    public async Task<bool> HasPendingTransactionsAsync(string account)
    {
        var count = service.Web3.Eth.Transactions.GetTransactionCount;
        return (await count.SendRequestAsync(account, BlockParameter.CreatePending())).Value > (await count.SendRequestAsync(account, BlockParameter.CreateLatest())).Value;
    }

    /// <summary>The payment <paramref name="bank"/> made under its own <paramref name="reference"/> (as of <paramref name="block"/>; the latest when null); null when it never used it.</summary>
    public async Task<BoundPayment?> PaymentOfAsync(string currency, string bank, byte[] reference, BlockParameter? block = null)
    {
        var p = await service.QueryOutputAsync<PaymentOfFunction, PaymentOfOutputDTO>(TokenAddress(currency),
            new PaymentOfFunction { Bank = bank, PaymentReference = reference }, block);
        return p.BlockNumber.IsZero ? null : new BoundPayment(IsZero(p.From) ? null : p.From, IsZero(p.To) ? null : p.To, p.Amount, (long)p.BlockNumber);
    }

    /// <summary>
    /// <paramref name="bank"/> voids its own unused <paramref name="reference"/> (SettlementToken.voidReference): no payment of
    /// the bank can be made under it once the void is mined — a cancelled instruction's reference, whose earlier attempt may
    /// still be in a node's pool or about to be sent by another process. What the reference is bound to afterwards: the void
    /// (<see cref="BoundPayment.IsVoid"/>: this call's, or an earlier attempt's), or the payment made under it first. The
    /// void goes in the bank's nonce order, after every transaction the writer sent before it.
    /// </summary>
    /// <returns>The binding, and the void's transaction when this call made it (null when an earlier void or a payment came first).</returns>
    /// <exception cref="ChainRevertedException">Refused otherwise (the bank lost its role, a token deployed before voids…).</exception>
    /// <exception cref="ChainOutcomeUnknownException">Refused as used, but no binding can be read yet.</exception>
    public async Task<(BoundPayment Bound, string? VoidedIn)> VoidReferenceAsync(ChainWriter bank, string currency, byte[] reference, CancellationToken cancellationToken)
    {
        try
        {
            var receipt = await bank.SendAsync(TokenAddress(currency), new VoidReferenceFunction { PaymentReference = reference }, cancellationToken);
            return (new BoundPayment(null, null, 0, receipt.BlockNumber), receipt.TransactionHash);
        }
        catch (ChainRevertedException e) when (e.Is<DuplicateReferenceError>() || e.Rule == ChainRevertedException.RuleOf("DuplicateReference"))
        {
            // Refused as used, yet no binding read (a node behind the one that refused): not known yet, never taken as decided.
            return (await PaymentOfAsync(currency, bank.Address, reference)
                    ?? throw new ChainOutcomeUnknownException("voidReference", $"reference {Hex(reference)} was refused as used but {bank.Address} shows nothing under it yet", e), null);
        }
    }

    /// <summary>The balance of <paramref name="account"/> in minor units.</summary>
    public Task<BigInteger> BalanceOfAsync(string currency, string account) =>
        service.QueryAsync<BalanceOfFunction, BigInteger>(TokenAddress(currency), new BalanceOfFunction { Account = account });

    /// <summary>All tokens in circulation in minor units.</summary>
    public Task<BigInteger> TotalSupplyAsync(string currency) =>
        service.QueryAsync<TotalSupplyFunction, BigInteger>(TokenAddress(currency), new TotalSupplyFunction());

    /// <summary>
    /// Every Payment event of the token from block <paramref name="fromBlock"/> to the latest, oldest first, read in
    /// ranges of at most <see cref="ChainOptions.MaxLogBlockRange"/> blocks (a node refuses wider ones). Reads the whole
    /// range each time: a service reads Payment events from its chain index instead (<see cref="PaymentOf"/> decodes them).
    /// </summary>
    public async Task<IReadOnlyList<SettlementPayment>> PaymentsAsync(string currency, long fromBlock = 0)
    {
        var latest = (long)(await service.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;
        var payments = service.Web3.Eth.GetEvent<PaymentEventDTO>(TokenAddress(currency));
        var found = new List<SettlementPayment>();
        for (var from = fromBlock; from <= latest; from += options.MaxLogBlockRange)
        {
            var to = Math.Min(latest, from + options.MaxLogBlockRange - 1);
            var logs = await service.Web3.Eth.Filters.GetLogs.SendRequestAsync(payments.CreateFilterInput(new BlockParameter((ulong)from), new BlockParameter((ulong)to)));
            found.AddRange(logs.Select(PaymentOf).OfType<SettlementPayment>());
        }
        return found.OrderBy(p => p.BlockNumber).ThenBy(p => p.LogIndex).ToList();
    }

    /// <summary>The signature hash (topic 0) of the token's Payment event: what a chain index of payments asks for.</summary>
    public static string PaymentTopic { get; } =
        EventExtensions.GetEventABI<PaymentEventDTO>().Sha3Signature.EnsureHexPrefix().ToLowerInvariant();

    /// <summary>The payment <paramref name="log"/> records (null when it is another event).</summary>
    public static SettlementPayment? PaymentOf(FilterLog log)
    {
        if (!log.IsLogForEvent<PaymentEventDTO>()) return null;
        var e = log.DecodeEvent<PaymentEventDTO>().Event;
        return new SettlementPayment("0x" + Convert.ToHexStringLower(e.PaymentReference), IsZero(e.From) ? null : e.From, IsZero(e.To) ? null : e.To, e.Amount,
            log.TransactionHash, (long)log.BlockNumber.Value, (long)log.LogIndex.Value);
    }

    // ---- credit escrow -----------------------------------------------------------------------------------------

    /// <summary>
    /// The credit's id in the escrow: derived from the issuing bank and its own reference for the credit (as
    /// CreditEscrow.creditIdOf), so no other bank can open a credit under that id first.
    /// </summary>
    public static byte[] CreditId(string issuingBank, byte[] creditReference)
    {
        var encoded = new byte[64];
        Convert.FromHexString(issuingBank[2..]).CopyTo(encoded, 12);
        creditReference.CopyTo(encoded, 32);
        return Sha3Keccack.Current.CalculateHash(encoded);
    }

    /// <summary>
    /// <paramref name="issuingBank"/> (the servicing bank of <paramref name="applicant"/>) issues the credit it knows as
    /// <paramref name="creditReference"/> (its escrow id is <see cref="CreditId"/>): <paramref name="amount"/> moves from the applicant into the currency's escrow, payable to
    /// <paramref name="beneficiary"/> until <paramref name="expiry"/>, by the issuing bank or <paramref name="advisingBank"/>
    /// (null: none), and — when <paramref name="customsReference"/> is given — only after customs attested that release.
    /// A retry after an earlier attempt of this bank opened it returns that attempt's receipt, once the escrow shows it
    /// opened exactly these terms.
    /// </summary>
    public async Task<ChainReceipt> OpenCreditAsync(ChainWriter issuingBank, string currency, byte[] creditReference, string applicant, string beneficiary,
        string? advisingBank, BigInteger amount, DateTimeOffset expiry, byte[]? customsReference, CancellationToken cancellationToken)
    {
        var escrow = EscrowAddress(currency);
        var creditId = CreditId(issuingBank.Address, creditReference);
        try
        {
            var receipt = await issuingBank.SendAsync(escrow, new OpenFunction
            {
                CreditReference = creditReference, Applicant = applicant, Beneficiary = beneficiary, AdvisingBank = advisingBank ?? AddressUtil.ZERO_ADDRESS,
                Amount = amount, Expiry = (ulong)expiry.ToUnixTimeSeconds(), CustomsReference = customsReference ?? new byte[32],
            }, cancellationToken);
            _creditEscrows[Key(creditId)] = escrow;
            return receipt;
        }
        catch (ChainRevertedException e) when (e.Is<CreditExistsError>())
        {
            // Only this bank can have opened this id: an earlier attempt — recorded as done only if it funded exactly these terms.
            var existing = await CreditInAsync(currency, escrow, creditId);
            var funding = await service.QueryOutputAsync<FundingOfFunction, FundingOfOutputDTO>(escrow, new FundingOfFunction { CreditId = creditId });
            if (existing is null || funding.BlockNumber.IsZero || !SameAddress(existing.IssuingBank, issuingBank.Address) || !SameAddress(existing.Applicant, applicant)
                || !SameAddress(existing.Beneficiary, beneficiary) || !SameParty(existing.AdvisingBank, advisingBank) || funding.Amount != amount
                || existing.Expiry.ToUnixTimeSeconds() != expiry.ToUnixTimeSeconds()
                || !(existing.CustomsReference ?? new byte[32]).AsSpan().SequenceEqual(customsReference ?? new byte[32]))
                throw new ChainRevertedException("open", $"CreditExists: credit {Hex(creditId)} was opened with other terms than these; it is not this credit's issue", e);
            _creditEscrows[Key(creditId)] = escrow;
            var events = service.Web3.Eth.GetEvent<CreditFundedEventDTO>(escrow);
            var block = new BlockParameter((ulong)funding.BlockNumber);
            return new ChainReceipt(await TransactionInBlockAsync(events, events.CreateFilterInput(new object[] { creditId }, block, block), _ => true, "CreditFunded", (long)funding.BlockNumber),
                (long)funding.BlockNumber, 0);
        }
    }

    /// <summary>
    /// <paramref name="issuingBank"/> changes the credit's amount (an amendment): the difference moves from or back to the applicant.
    /// A decrease needs the beneficiary's prior approval of exactly <paramref name="newAmount"/> (<see cref="ApproveAdjustmentAsync"/>),
    /// which it uses up; an increase is the issuing bank's alone.
    /// </summary>
    public async Task<ChainReceipt> AdjustAsync(ChainWriter issuingBank, byte[] creditId, BigInteger newAmount, CancellationToken cancellationToken) =>
        await issuingBank.SendAsync(await EscrowOfAsync(creditId), new AdjustFunction { CreditId = creditId, NewAmount = newAmount }, cancellationToken);

    /// <summary>
    /// <paramref name="bank"/> (the credit's issuing or advising bank) pays <paramref name="amount"/> to the beneficiary for
    /// presentation <paramref name="presentationId"/>. A retry after an earlier attempt paid it returns that payment's
    /// receipt, once the escrow shows it paid exactly <paramref name="amount"/>.
    /// </summary>
    public async Task<ChainReceipt> ReleaseAsync(ChainWriter bank, byte[] creditId, byte[] presentationId, BigInteger amount, CancellationToken cancellationToken)
    {
        var escrow = await EscrowOfAsync(creditId);
        try
        {
            return await bank.SendAsync(escrow, new ReleaseFunction { CreditId = creditId, PresentationId = presentationId, Amount = amount }, cancellationToken);
        }
        catch (ChainRevertedException e) when (e.Is<AlreadyPaidError>() || e.Is<CreditClosedError>())
        {
            // Paid already (a payment that drew the last of the credit also closed it): by an earlier attempt, if it paid exactly this.
            var paid = await service.QueryOutputAsync<ReleaseOfFunction, ReleaseOfOutputDTO>(escrow, new ReleaseOfFunction { CreditId = creditId, PresentationId = presentationId });
            if (paid.BlockNumber.IsZero) throw;
            if (paid.Amount != amount)
                throw new ChainRevertedException("release", $"AlreadyPaid: presentation {Hex(presentationId)} of credit {Hex(creditId)} was paid {paid.Amount}, not {amount} (minor units)", e);
            var events = service.Web3.Eth.GetEvent<CreditReleasedEventDTO>(escrow);
            var block = new BlockParameter((ulong)paid.BlockNumber);
            return new ChainReceipt(await TransactionInBlockAsync(events, events.CreateFilterInput(new object[] { creditId }, new object[] { presentationId }, block, block), r => r.Amount == amount,
                "CreditReleased", (long)paid.BlockNumber), (long)paid.BlockNumber, 0);
        }
    }

    /// <summary>Whether presentation <paramref name="presentationId"/> of the credit was paid on chain.</summary>
    /// <summary>
    /// <paramref name="issuingBank"/> accepts presentation <paramref name="presentationId"/> for <paramref name="amount"/>:
    /// the advising bank may then pay exactly that. Null when the presentation was paid already.
    /// </summary>
    public async Task<ChainReceipt?> AcceptPaymentAsync(ChainWriter issuingBank, byte[] creditId, byte[] presentationId, BigInteger amount,
        CancellationToken cancellationToken)
    {
        try
        {
            return await issuingBank.SendAsync(await EscrowOfAsync(creditId),
                new AcceptPaymentFunction { CreditId = creditId, PresentationId = presentationId, Amount = amount }, cancellationToken);
        }
        catch (ChainRevertedException e) when (e.Is<AlreadyPaidError>())
        {
            return null;
        }
    }

    public async Task<bool> IsPaidAsync(byte[] creditId, byte[] presentationId) =>
        await service.QueryAsync<IsPaidFunction, bool>(await EscrowOfAsync(creditId), new IsPaidFunction { CreditId = creditId, PresentationId = presentationId });

    /// <summary>The beneficiary, with its own account, agrees to cancel the credit before expiry.</summary>
    public async Task<ChainReceipt> ConsentToCancelAsync(ChainWriter beneficiary, byte[] creditId, CancellationToken cancellationToken) =>
        await beneficiary.SendAsync(await EscrowOfAsync(creditId), new ConsentToCancelFunction { CreditId = creditId }, cancellationToken);

    /// <summary>
    /// The beneficiary, with its own account, approves reducing the credit to exactly <paramref name="newAmount"/>; the issuing
    /// bank may then <see cref="AdjustAsync"/> it to that amount, once.
    /// </summary>
    /// <summary>The adjustment <paramref name="issuingBank"/> (a party that signs itself) would send, prepared for it to sign: nothing is sent.</summary>
    /// <exception cref="ChainRevertedException">The escrow would refuse it from that account.</exception>
    public async Task<UnsignedTransaction> PrepareAdjustAsync(string issuingBank, byte[] creditId, BigInteger newAmount, CancellationToken cancellationToken) =>
        await service.PrepareAsync(issuingBank, await EscrowOfAsync(creditId), new AdjustFunction { CreditId = creditId, NewAmount = newAmount }, cancellationToken);

    public async Task<ChainReceipt> ApproveAdjustmentAsync(ChainWriter beneficiary, byte[] creditId, BigInteger newAmount, CancellationToken cancellationToken) =>
        await beneficiary.SendAsync(await EscrowOfAsync(creditId), new ApproveAdjustmentFunction { CreditId = creditId, NewAmount = newAmount }, cancellationToken);

    /// <summary>
    /// <paramref name="issuingBank"/> returns the unpaid remainder to the applicant (after expiry, or with the beneficiary's
    /// consent) and closes the credit. A retry after an earlier attempt refunded it returns that refund's receipt, once the
    /// escrow shows it returned exactly <paramref name="remainder"/>.
    /// </summary>
    public async Task<ChainReceipt> RefundAsync(ChainWriter issuingBank, byte[] creditId, BigInteger remainder, CancellationToken cancellationToken)
    {
        var escrow = await EscrowOfAsync(creditId);
        try
        {
            return await issuingBank.SendAsync(escrow, new RefundFunction { CreditId = creditId }, cancellationToken);
        }
        catch (ChainRevertedException e) when (e.Is<CreditClosedError>())
        {
            var refund = await service.QueryOutputAsync<RefundOfFunction, RefundOfOutputDTO>(escrow, new RefundOfFunction { CreditId = creditId });
            if (refund.BlockNumber.IsZero) throw; // closed by being paid in full, not refunded
            if (refund.Amount != remainder)
                throw new ChainRevertedException("refund", $"CreditClosed: credit {Hex(creditId)} was refunded {refund.Amount}, not {remainder} (minor units)", e);
            var events = service.Web3.Eth.GetEvent<CreditRefundedEventDTO>(escrow);
            var block = new BlockParameter((ulong)refund.BlockNumber);
            return new ChainReceipt(await TransactionInBlockAsync(events, events.CreateFilterInput(new object[] { creditId }, block, block), _ => true, "CreditRefunded",
                (long)refund.BlockNumber), (long)refund.BlockNumber, 0);
        }
    }

    /// <summary>
    /// Customs (holding CUSTOMS_ROLE) attests the release of goods under <paramref name="customsReference"/> on every
    /// configured escrow (or only <paramref name="currency"/>'s). Returns the receipts of the escrows it was new on.
    /// </summary>
    public async Task<IReadOnlyList<ChainReceipt>> AttestCustomsReleaseAsync(ChainWriter customs, byte[] customsReference,
        CancellationToken cancellationToken, string? currency = null)
    {
        var receipts = new List<ChainReceipt>();
        foreach (var escrow in currency is null ? options.Settlement.Values.Select(a => a.Escrow).Where(a => a != "").Distinct() : [EscrowAddress(currency)])
        {
            try
            {
                receipts.Add(await customs.SendAsync(escrow, new AttestCustomsReleaseFunction { CustomsReference = customsReference }, cancellationToken));
            }
            catch (ChainRevertedException e) when (e.Is<CustomsReleaseAlreadyAttestedError>())
            {
                // attested by an earlier attempt
            }
        }
        return receipts;
    }

    /// <summary>The most references one attestCustomsReleases transaction takes (CreditEscrow.MAX_ATTESTATIONS).</summary>
    public const int MaxAttestationsPerTransaction = 256;

    /// <summary>
    /// Attests the releases <paramref name="customsReferences"/> on every escrow, one transaction per escrow for at most
    /// <see cref="MaxAttestationsPerTransaction"/> references (the contract skips those attested before, so a batch sent again changes nothing).
    /// </summary>
    public async Task<IReadOnlyList<ChainReceipt>> AttestCustomsReleasesAsync(ChainWriter customs, IReadOnlyList<byte[]> customsReferences,
        CancellationToken cancellationToken)
    {
        var receipts = new List<ChainReceipt>();
        foreach (var escrow in options.Settlement.Values.Select(a => a.Escrow).Where(a => a != "").Distinct())
            foreach (var chunk in customsReferences.DistinctBy(Convert.ToHexString).Chunk(MaxAttestationsPerTransaction))
                receipts.Add(await customs.SendAsync(escrow, new AttestCustomsReleasesFunction { CustomsReferences = [.. chunk] }, cancellationToken));
        return receipts;
    }

    /// <summary>When customs attested <paramref name="customsReference"/> on <paramref name="currency"/>'s escrow; null if not.</summary>
    public async Task<DateTimeOffset?> CustomsReleasedAtAsync(string currency, byte[] customsReference)
    {
        var at = await service.QueryAsync<CustomsReleasedAtFunction, BigInteger>(EscrowAddress(currency), new CustomsReleasedAtFunction { CustomsReference = customsReference });
        return at == 0 ? null : DateTimeOffset.FromUnixTimeSeconds((long)at);
    }

    /// <summary>The credit <paramref name="creditId"/> from whichever configured escrow holds it; null when none does.</summary>
    public async Task<EscrowCredit?> GetCreditAsync(byte[] creditId)
    {
        foreach (var (currency, addresses) in options.Settlement)
        {
            if (addresses.Escrow == "") continue;
            var credit = await CreditInAsync(currency, addresses.Escrow, creditId);
            if (credit is not null)
            {
                _creditEscrows[Key(creditId)] = addresses.Escrow;
                return credit;
            }
        }
        return null;
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private async Task<EscrowCredit?> CreditInAsync(string currency, string escrow, byte[] creditId)
    {
        var c = await service.QueryOutputAsync<CreditOfFunction, CreditOfOutputDTO>(escrow, new CreditOfFunction { CreditId = creditId });
        if (c.State.IsZero) return null;
        return new EscrowCredit(currency.ToUpperInvariant(), escrow, c.IssuingBank, c.Applicant, c.Beneficiary, IsZero(c.AdvisingBank) ? null : c.AdvisingBank,
            c.Amount, c.Released, DateTimeOffset.FromUnixTimeSeconds((long)c.Expiry),
            c.CustomsReference.All(b => b == 0) ? null : c.CustomsReference, c.CancellationConsented, (EscrowCreditState)(int)c.State);
    }

    /// <summary>The escrow holding the credit: the one it was opened on, else whichever configured escrow knows it.</summary>
    private async Task<string> EscrowOfAsync(byte[] creditId)
    {
        if (_creditEscrows.TryGetValue(Key(creditId), out var escrow)) return escrow;
        var credit = await GetCreditAsync(creditId);
        // Unknown everywhere: send to the only escrow if there is one, so the contract names the error (UnknownCredit).
        return credit?.Escrow ?? (options.Settlement.Count == 1 ? options.Settlement.Values.First().Escrow
            : throw new UnknownCreditException(creditId));
    }

    private SettlementContractAddresses Addresses(string currency) =>
        options.Settlement.TryGetValue(currency, out var addresses) && addresses.Token != ""
            ? addresses
            : throw new InvalidOperationException($"No settlement contracts configured for currency '{currency}': set Chain:Settlement:{currency}:Token and :Escrow.");

    /// <summary>
    /// Sends a bank payment once per reference of this bank. The token refuses a reference the bank used already; that is
    /// this payment's earlier attempt only if the token bound the reference to exactly this payer, payee and amount — then
    /// its transaction is looked up in that one block. Otherwise the refusal stands, with what the reference was used for.
    /// </summary>
    private async Task<ChainReceipt> PayOnceAsync(ChainWriter bank, string currency, string? from, string? to, BigInteger amount, byte[] reference,
        Func<Task<ChainReceipt>> send)
    {
        try
        {
            return await send();
        }
        catch (ChainRevertedException e) when (e.Is<DuplicateReferenceError>())
        {
            return await MadePaymentAsync(currency, bank.Address, from, to, amount, reference, e)
                   ?? throw new ChainRevertedException("payment", $"DuplicateReference: reference {Hex(reference)} was refused as used but {bank.Address} has no payment under it", e);
        }
    }

    /// <summary>
    /// The payment <paramref name="bank"/> made under its <paramref name="reference"/>, when it is exactly this one (payer,
    /// payee, amount): its transaction, from the contract's record and its Payment event. Null when the bank never used the
    /// reference; a <see cref="ChainRevertedException"/> when it used it for something else.
    /// </summary>
    private async Task<ChainReceipt?> MadePaymentAsync(string currency, string bank, string? from, string? to, BigInteger amount, byte[] reference, Exception? inner = null)
    {
        if (await PaymentOfAsync(currency, bank, reference) is not { } made) return null;
        if (made.IsVoid)
            throw new ChainRevertedException("payment", $"DuplicateReference: {bank} voided reference {Hex(reference)} in block {made.BlockNumber}: nothing was paid under it", inner);
        if (!SameParty(made.From, from) || !SameParty(made.To, to) || made.Amount != amount)
            throw new ChainRevertedException("payment",
                $"DuplicateReference: {bank} used reference {Hex(reference)} in block {made.BlockNumber} for {made.Amount} from {made.From ?? "(mint)"} to {made.To ?? "(burn)"}, not for this payment of {amount} from {from ?? "(mint)"} to {to ?? "(burn)"}", inner);
        var events = service.Web3.Eth.GetEvent<PaymentEventDTO>(TokenAddress(currency));
        var block = new BlockParameter((ulong)made.BlockNumber);
        var filter = events.CreateFilterInput(new object[] { reference }, new object[] { from ?? AddressUtil.ZERO_ADDRESS }, new object[] { to ?? AddressUtil.ZERO_ADDRESS }, block, block);
        return new ChainReceipt(await TransactionInBlockAsync(events, filter, p => p.Amount == amount, "Payment", made.BlockNumber), made.BlockNumber, 0);
    }

    /// <summary>
    /// The transfer <paramref name="bank"/> made under its <paramref name="reference"/>, if it is exactly this one (payer,
    /// payee, amount): its transaction. Null when the bank made none under it; a <see cref="ChainRevertedException"/> when
    /// it used the reference for another payment.
    /// </summary>
    public Task<ChainReceipt?> BankPaymentAsync(string bank, string currency, string from, string to, BigInteger amount, byte[] reference) =>
        MadePaymentAsync(currency, bank, from, to, amount, reference);

    /// <summary>
    /// <see cref="BankPaymentAsync"/> for any of the bank's movements: a mint (<paramref name="from"/> null), a burn
    /// (<paramref name="to"/> null) or a transfer.
    /// </summary>
    public Task<ChainReceipt?> BankMovementAsync(string bank, string currency, string? from, string? to, BigInteger amount, byte[] reference) =>
        MadePaymentAsync(currency, bank, from, to, amount, reference);

    /// <summary>
    /// A transaction as the node has it, with its outcome once mined (for a party whose wallet sent it itself); null when
    /// the node does not know <paramref name="hash"/>.
    /// </summary>
    public Task<SentTransaction?> SentTransactionAsync(string hash) => SentTransaction.FetchAsync(service.Web3, hash);

    /// <summary>The chain's id (a party's sent transaction must be of this chain).</summary>
    public long ChainId => options.ChainId;

    /// <summary>The number of the chain's latest block.</summary>
    public async Task<long> BlockNumberAsync() => (long)(await service.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;

    /// <summary>
    /// The amounts (old → new) of every <c>CreditAdjusted</c> event that the escrow of <paramref name="creditId"/> emitted for
    /// it in mined transaction <paramref name="hash"/>; empty when it emitted none (or the transaction is not mined).
    /// </summary>
    public async Task<IReadOnlyList<(BigInteger Old, BigInteger New)>> CreditAdjustmentsInAsync(string hash, byte[] creditId)
    {
        var receipt = await service.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash);
        if (receipt is null) return [];
        var escrow = await EscrowOfAsync(creditId);
        return [.. receipt.DecodeAllEvents<CreditAdjustedEventDTO>()
            .Where(e => SameAddress(e.Log.Address, escrow) && e.Event.CreditId.AsSpan().SequenceEqual(creditId))
            .Select(e => (e.Event.OldAmount, e.Event.NewAmount))];
    }

    /// <summary>
    /// The transaction of the event the contract recorded in <paramref name="block"/> (a one-block log query, never a scan
    /// of history). Topics go in as object arrays: a bare byte[] would be taken as an array of topics, one per byte.
    /// </summary>
    private static async Task<string> TransactionInBlockAsync<TEvent>(Event<TEvent> events, NewFilterInput filter, Func<TEvent, bool> isIt, string name, long block)
        where TEvent : IEventDTO, new() =>
        (await events.GetAllChangesAsync(filter)).FirstOrDefault(l => isIt(l.Event))?.Log.TransactionHash
        ?? throw new InvalidOperationException($"The contract records a {name} in block {block}, but that block holds no matching {name} event.");

    private static string Hex(byte[] value) => TradeChain.Domain.Hashing.Hex.Encode(value);

    private static bool SameParty(string? a, string? b) => a is null || b is null ? a is null && b is null : SameAddress(a, b);

    private static string Key(byte[] id) => Convert.ToHexStringLower(id);

    private static bool IsAddress(string value) => value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && value.Length == 42;

    private static bool IsZero(string? address) => string.IsNullOrEmpty(address) || address.TrimStart('0', 'x').Length == 0;

    /// <summary>Two addresses are the same account (hex compared without regard to case: checksummed or not).</summary>
    public static bool SameAddress(string? a, string? b) => a is not null && b is not null && a.Equals(b, StringComparison.OrdinalIgnoreCase);
}

/// <summary>No configured escrow holds the credit.</summary>
public sealed class UnknownCreditException(byte[] creditId)
    : Exception($"No configured credit escrow holds credit 0x{Convert.ToHexStringLower(creditId)}.")
{
    public byte[] CreditId { get; } = creditId;
}

/// <summary>The SettlementToken's and CreditEscrow's custom errors in words.</summary>
internal static class SettlementErrors
{
    public static string? Describe(SmartContractCustomErrorRevertException revert)
    {
        // SettlementToken
        if (revert.IsCustomErrorFor<Token.AccountNotOpenError>())
            return $"AccountNotOpen: account {revert.DecodeError<Token.AccountNotOpenError>().Account} has no servicing bank, so it may not hold, send or receive settlement tokens";
        if (revert.IsCustomErrorFor<AccountAlreadyOpenError>())
        {
            var e = revert.DecodeError<AccountAlreadyOpenError>();
            return $"AccountAlreadyOpen: account {e.Account} is already open at bank {e.Bank}";
        }
        if (revert.IsCustomErrorFor<NotServicingBankError>())
        {
            var e = revert.DecodeError<NotServicingBankError>();
            return IsZero(e.Bank)
                ? $"NotServicingBank: {e.Caller} does not service account {e.Account} (the account is not open)"
                : $"NotServicingBank: {e.Caller} does not service account {e.Account}; its servicing bank is {e.Bank}";
        }
        if (revert.IsCustomErrorFor<AccountNotEmptyError>())
        {
            var e = revert.DecodeError<AccountNotEmptyError>();
            return $"AccountNotEmpty: account {e.Account} still holds {e.Balance} (minor units); only an empty account can be closed";
        }
        if (revert.IsCustomErrorFor<InvalidAccountError>()) return "InvalidAccount: the zero address cannot be an account or a servicing bank";
        if (revert.IsCustomErrorFor<Token.ZeroAmountError>()) return "ZeroAmount: the amount must be positive";
        if (revert.IsCustomErrorFor<Token.AmountTooLargeError>())
            return $"AmountTooLarge: {revert.DecodeError<Token.AmountTooLargeError>().Amount} (minor units) is more than a payment can bind (2^96 - 1)";
        if (revert.IsCustomErrorFor<Token.InvalidReferenceError>()) return "InvalidReference: a bank payment needs a non-zero payment reference";
        if (revert.IsCustomErrorFor<NotMandatedError>())
        {
            var e = revert.DecodeError<NotMandatedError>();
            return IsZero(e.Mandated)
                ? $"NotMandated: account {e.Account} has not asked any bank to open it, so {e.Caller} may not"
                : $"NotMandated: account {e.Account} asked {e.Mandated}, not {e.Caller}, to open it";
        }
        if (revert.IsCustomErrorFor<InvalidTransferBatchError>())
            return $"InvalidTransferBatch: a batch of bank transfers or mints holds 1 to {SettlementClient.MaxTransfersPerBatch} items in arrays of one length, not {revert.DecodeError<InvalidTransferBatchError>().Count}";
        if (revert.IsCustomErrorFor<DuplicateReferenceError>())
            return $"DuplicateReference: this bank made a payment with reference {TradeChain.Domain.Hashing.Hex.Encode(revert.DecodeError<DuplicateReferenceError>().PaymentReference)} already";
        if (revert.IsCustomErrorFor<ERC20InsufficientBalanceError>())
        {
            var e = revert.DecodeError<ERC20InsufficientBalanceError>();
            return $"ERC20InsufficientBalance: account {e.Sender} holds {e.Balance} (minor units), {e.Needed} needed";
        }
        if (revert.IsCustomErrorFor<ERC20InsufficientAllowanceError>())
        {
            var e = revert.DecodeError<ERC20InsufficientAllowanceError>();
            return $"ERC20InsufficientAllowance: {e.Spender} may spend {e.Allowance}, {e.Needed} needed";
        }
        if (revert.IsCustomErrorFor<ERC20InvalidReceiverError>())
            return $"ERC20InvalidReceiver: {revert.DecodeError<ERC20InvalidReceiverError>().Receiver} cannot receive tokens";
        if (revert.IsCustomErrorFor<ERC20InvalidSenderError>())
            return $"ERC20InvalidSender: {revert.DecodeError<ERC20InvalidSenderError>().Sender} cannot send tokens";

        // CreditEscrow
        if (revert.IsCustomErrorFor<UnknownCreditError>())
            return $"UnknownCredit: no credit {Hex(revert.DecodeError<UnknownCreditError>().CreditId)} was opened in this escrow";
        if (revert.IsCustomErrorFor<CreditExistsError>())
            return $"CreditExists: credit {Hex(revert.DecodeError<CreditExistsError>().CreditId)} was opened already";
        if (revert.IsCustomErrorFor<NotApplicantBankError>())
        {
            var e = revert.DecodeError<NotApplicantBankError>();
            return $"NotApplicantBank: {e.Caller} is not the servicing bank of the applicant {e.Applicant}, so it cannot issue a credit for it";
        }
        if (revert.IsCustomErrorFor<NotIssuingBankError>())
        {
            var e = revert.DecodeError<NotIssuingBankError>();
            return $"NotIssuingBank: {e.Caller} is not the issuing bank of credit {Hex(e.CreditId)}";
        }
        if (revert.IsCustomErrorFor<PaymentNotAcceptedError>())
        {
            var e = revert.DecodeError<PaymentNotAcceptedError>();
            return $"PaymentNotAccepted: the advising bank may pay only what the issuing bank accepted for this presentation ({e.Accepted} accepted, {e.Amount} asked)";
        }
        if (revert.IsCustomErrorFor<NotPartyBankError>())
        {
            var e = revert.DecodeError<NotPartyBankError>();
            return $"NotPartyBank: {e.Caller} is neither the issuing nor the advising bank of credit {Hex(e.CreditId)}, so it cannot move its funds";
        }
        if (revert.IsCustomErrorFor<Escrow.NotBeneficiaryError>())
        {
            var e = revert.DecodeError<Escrow.NotBeneficiaryError>();
            return $"NotBeneficiary: {e.Caller} is not the beneficiary of credit {Hex(e.CreditId)}";
        }
        if (revert.IsCustomErrorFor<Escrow.InvalidReferenceError>()) return "InvalidReference: the zero hash is not a credit, presentation or customs reference";
        if (revert.IsCustomErrorFor<ExpiryInPastError>())
        {
            var e = revert.DecodeError<ExpiryInPastError>();
            return $"ExpiryInPast: the expiry {At(e.Expiry)} is not after the chain's current time {At(e.CurrentTime)}";
        }
        if (revert.IsCustomErrorFor<AlreadyPaidError>())
        {
            var e = revert.DecodeError<AlreadyPaidError>();
            return $"AlreadyPaid: presentation {Hex(e.PresentationId)} of credit {Hex(e.CreditId)} has been paid already";
        }
        if (revert.IsCustomErrorFor<ExceedsCreditError>())
        {
            var e = revert.DecodeError<ExceedsCreditError>();
            return $"ExceedsCredit: paying {e.Amount} would exceed what remains of credit {Hex(e.CreditId)} ({e.Remaining}, minor units)";
        }
        if (revert.IsCustomErrorFor<BelowReleasedError>())
        {
            var e = revert.DecodeError<BelowReleasedError>();
            return $"BelowReleased: credit {Hex(e.CreditId)} cannot be reduced to {e.NewAmount}: {e.Released} has been paid already (minor units)";
        }
        if (revert.IsCustomErrorFor<AdjustmentNotApprovedError>())
        {
            var e = revert.DecodeError<AdjustmentNotApprovedError>();
            return $"AdjustmentNotApproved: credit {Hex(e.CreditId)} can be reduced to {e.NewAmount} (minor units) only after its beneficiary approves exactly that amount, which it has not";
        }
        if (revert.IsCustomErrorFor<CustomsReleaseRequiredError>())
        {
            var e = revert.DecodeError<CustomsReleaseRequiredError>();
            return $"CustomsReleaseRequired: credit {Hex(e.CreditId)} pays only after customs attests the release of goods {Hex(e.CustomsReference)}, which it has not";
        }
        if (revert.IsCustomErrorFor<CustomsReleaseAlreadyAttestedError>())
            return $"CustomsReleaseAlreadyAttested: customs release {Hex(revert.DecodeError<CustomsReleaseAlreadyAttestedError>().CustomsReference)} was attested already";
        if (revert.IsCustomErrorFor<InvalidBatchError>())
            return $"InvalidBatch: a batch of attestations holds 1 to 256 references, not {revert.DecodeError<InvalidBatchError>().Count}";
        if (revert.IsCustomErrorFor<CreditClosedError>())
            return $"CreditClosed: credit {Hex(revert.DecodeError<CreditClosedError>().CreditId)} is closed (paid in full or refunded); nothing more can move";
        if (revert.IsCustomErrorFor<NotExpiredError>())
        {
            var e = revert.DecodeError<NotExpiredError>();
            return $"NotExpired: credit {Hex(e.CreditId)} expires at {At(e.Expiry)} and its beneficiary has not agreed to cancel it, so it cannot be refunded yet";
        }
        return null;
    }

    private static string Hex(byte[] value) => TradeChain.Domain.Hashing.Hex.Encode(value);

    private static string At(BigInteger unixSeconds) => DateTimeOffset.FromUnixTimeSeconds((long)unixSeconds).ToString("u", System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsZero(string? address) => string.IsNullOrEmpty(address) || address.TrimStart('0', 'x').Length == 0;
}
