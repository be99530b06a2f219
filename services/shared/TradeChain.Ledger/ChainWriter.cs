using System.Diagnostics;
using System.Net.Sockets;
using System.Numerics;
using Microsoft.Extensions.Logging;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace TradeChain.Ledger;

/// <summary>The outcome of one mined transaction; <see cref="Logs"/>, its events, when the writer that sent it read them (null otherwise).</summary>
public sealed record ChainReceipt(string TransactionHash, long BlockNumber, long GasUsed, IReadOnlyList<FilterLog>? Logs = null);

/// <summary>A transaction the chain refused (reverted); <see cref="Error"/> names the contract's custom error when known.</summary>
public sealed class ChainRevertedException(string function, string error, Exception? inner = null)
    : Exception($"{function} was refused by the contract: {error}", inner)
{
    public string Function { get; } = function;

    public string Error { get; } = error;

    /// <summary>The rule a client is told: <see cref="RuleOf"/> this refusal's error.</summary>
    public string Rule => RuleOf(Error);

    /// <summary>
    /// The rule of a contract's refusal as clients see it, <c>contract:&lt;Error&gt;</c> — the custom error's name, which
    /// <paramref name="error"/> begins with ("ERC20InsufficientBalance: …"); <c>contract:reverted</c> when it names none.
    /// Only the contract's own refusals are named so: a rule the service checks itself has a plain name of its own.
    /// </summary>
    public static string RuleOf(string error)
    {
        var name = error.Split(':')[0].Trim();
        return name.Length > 0 && name.All(char.IsAsciiLetterOrDigit) ? "contract:" + name : UnnamedRule;
    }

    /// <summary>
    /// The rule of a revert the contract names no error for — a transaction mined and reverted whose call, asked again, passes
    /// (out of gas, a state that moved meanwhile): no refusal of the call itself.
    /// </summary>
    public const string UnnamedRule = "contract:reverted";
}

/// <summary>
/// What became of a call sent on chain could not be read (its batch's receipt holds no event of it, or the record of an
/// earlier attempt could not be read): neither made nor refused as far as this service knows. Asked again, the call
/// finds itself made (its reference binds it) or is made.
/// </summary>
public sealed class ChainOutcomeUnknownException(string function, string why, Exception? inner = null) : Exception($"what became of {function} is not known yet: {why}", inner)
{
    public string Function { get; } = function;
}

/// <summary>
/// A call the contract refused while transactions of the same account — or of this call, sent before the refusal — were
/// waiting in the node's pool and stayed unmined past the receipt timeout (a stalled chain): one of them may be an earlier
/// attempt of this very call, so the call is neither done nor refused yet. Asked again once the chain mines, it is answered
/// for good (a transaction of it mined meanwhile is found by the call's reference, or the contract refuses it as done).
/// </summary>
public sealed class ChainTransactionsPendingException(string function, string account)
    : Exception($"{function} waits on transactions of {account} the chain has not mined yet: try again shortly")
{
    public string Function { get; } = function;
}

/// <summary>
/// The only way a service writes to the chain: one writer per signing account. Transactions are pipelined: nonces are
/// assigned here, in order, under a lock that covers only signing and sending, and receipts are awaited outside it,
/// so many transactions of one account are in flight at once. Every call still returns only once its transaction is
/// mined and its receipt checked; transient failures (node unreachable, timeouts, nonce races) are retried with
/// backoff without ever sending a call twice; each transaction is one trace span. A refusal
/// (<see cref="ChainRevertedException"/>) is the call's last word: none of the transactions it sent can still be mined
/// (<see cref="SettledAsync"/>).
/// </summary>
public sealed class ChainWriter
{
    private readonly NonceLane _lane; // the account's nonces, shared with the writers of its party-signed transactions
    private readonly ChainOptions _options;
    private readonly ILogger<ChainWriter> _logger;
    private readonly IChainSigner _signer;
    private (BigInteger MaxFee, BigInteger PriorityFee, long FetchedAt)? _fees; // under the lane's gate
    private readonly Lock _spending = new();
    private BigInteger _committedWei; // the most every transaction sent so far may cost (gas limit × max fee + value)
    private BigInteger _inFlightWei; // the same, of the transactions sent whose calls have not returned

    /// <summary>A writer for the service's own account (<see cref="ChainOptions.PrivateKey"/> or <see cref="ChainOptions.Signer"/>).</summary>
    public ChainWriter(ChainOptions options, ILogger<ChainWriter> logger) : this(options, options.CreateSigner(), logger)
    {
    }

    /// <summary>A writer for the account of <paramref name="signer"/>, wherever its key is held.</summary>
    public ChainWriter(ChainOptions options, IChainSigner signer, ILogger<ChainWriter> logger) : this(options, signer, logger, new NonceLane())
    {
    }

    private ChainWriter(ChainOptions options, IChainSigner signer, ILogger<ChainWriter> logger, NonceLane lane)
    {
        _lane = lane;
        _options = options;
        _logger = logger;
        _signer = signer;
        // The account is only the "from" of reads and estimates: this writer signs through _signer, never through Nethereum
        // (a "managed" account's transaction manager would ask the node to sign: nothing here sends through it).
        var account = new Nethereum.Web3.Accounts.Managed.ManagedAccount(signer.Address, "");
        Web3 = new Web3(account, options.RpcUrl) { TransactionManager = { UseLegacyAsDefault = false } };
        Web3.TransactionManager.TransactionReceiptService =
            new Nethereum.RPC.TransactionReceipts.TransactionReceiptPollingService(Web3.TransactionManager, options.ReceiptPollIntervalMs);
        _receipts = ReceiptWatcher.For(options.RpcUrl, options.ReceiptPollIntervalMs);
    }

    private readonly ReceiptWatcher _receipts;

    /// <summary>
    /// One account's nonce order: the gate held only to sign and send (nonces go to the node in order) and the next nonce
    /// (null: taken from the node's pending count at the next send, under the gate).
    /// </summary>
    private sealed class NonceLane
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public BigInteger? NextNonce;
        /// <summary>One more than the highest nonce of any transaction handed to the node (answered or not); never forgotten.</summary>
        public BigInteger SentBelow;
    }

    /// <summary>
    /// A writer that sends the one transaction the account's party signed itself (<paramref name="signed"/>), once, never
    /// retried (the same bytes cannot succeed where the node refused them), in this writer's nonce order: the nonce it takes
    /// is one this writer will not give to another transaction of the account, as if this writer had signed it.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="signed"/> is of another account.</exception>
    public ChainWriter SendingOnce(PresignedSigner signed)
    {
        if (!string.Equals(signed.Address, Address, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"The transaction is of {signed.Address}, this writer's account is {Address}.", nameof(signed));
        return new ChainWriter(_options.WithMaxAttempts(1), signed, _logger, _lane);
    }

    public IWeb3 Web3 { get; }

    public string Address => _signer.Address;

    /// <summary>
    /// What this writer's transactions may have cost so far, as an upper bound: <c>Committed</c>, everything sent;
    /// <c>InFlight</c>, the part sent by calls that have not returned (possibly not yet charged to the account).
    /// </summary>
    public (BigInteger Committed, BigInteger InFlight) Spending()
    {
        lock (_spending) return (_committedWei, _inFlightWei);
    }

    /// <summary>Sends <paramref name="function"/> to <paramref name="contractAddress"/> and waits for it to be mined.</summary>
    /// <exception cref="ChainRevertedException">The contract refused the call (decoded custom error when possible).</exception>
    public Task<ChainReceipt> SendAsync<TFunction>(string contractAddress, TFunction function, CancellationToken cancellationToken)
        where TFunction : FunctionMessage, new()
    {
        var handler = Web3.Eth.GetContractTransactionHandler<TFunction>();
        var data = Nethereum.Hex.HexConvertors.Extensions.HexByteConvertorExtensions.ToHex(function.GetCallData(), true);
        return SendCoreAsync(typeof(TFunction).Name.Replace("Function", "", StringComparison.Ordinal), contractAddress, data, function.AmountToSend,
            // A call the contract refuses throws here, unsent (Nethereum decodes the custom error); with its gas given
            // (function.Gas: a call of known cost) it is not estimated before sending, only to name the error of a revert.
            () => EstimateAsync(() => handler.EstimateGasAsync(contractAddress, function)),
            cancellationToken, givenGas: function.Gas);
    }

    /// <summary>The receipt of transaction <paramref name="hash"/> if it was mined and succeeded; null if not mined (or reverted).</summary>
    public async Task<ChainReceipt?> SucceededAsync(string hash)
    {
        var receipt = await Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash);
        return receipt?.Status?.Value == 1 ? new ChainReceipt(receipt.TransactionHash, (long)receipt.BlockNumber.Value, (long)receipt.GasUsed.Value) : null;
    }

    /// <summary>
    /// The transaction <paramref name="from"/> (a party that signs itself) would send for <paramref name="function"/>: its
    /// pending nonce, the node's current fees, and gas estimated from its account with this writer's margin. A call the
    /// contract would refuse from that account is refused here, before anyone signs it.
    /// </summary>
    /// <exception cref="ChainRevertedException">The contract would refuse the call from <paramref name="from"/>.</exception>
    public async Task<UnsignedTransaction> PrepareAsync<TFunction>(string from, string contractAddress, TFunction function, CancellationToken cancellationToken)
        where TFunction : FunctionMessage, new()
    {
        var name = typeof(TFunction).Name.Replace("Function", "", StringComparison.Ordinal);
        function.FromAddress = from;
        var handler = Web3.Eth.GetContractTransactionHandler<TFunction>();
        BigInteger gas;
        try
        {
            gas = await EstimateAsync(() => handler.EstimateGasAsync(contractAddress, function));
        }
        catch (Exception e) when (Refusal(name, e) is { } refused)
        {
            throw refused;
        }
        cancellationToken.ThrowIfCancellationRequested();
        var nonce = (await Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(from, BlockParameter.CreatePending())).Value;
        var fee = await Web3.TransactionManager.Fee1559SuggestionStrategy.SuggestFeeAsync();
        var data = Nethereum.Hex.HexConvertors.Extensions.HexByteConvertorExtensions.ToHex(function.GetCallData(), true);
        return new UnsignedTransaction(_options.ChainId, nonce, fee.MaxPriorityFeePerGas ?? BigInteger.Zero, fee.MaxFeePerGas ?? BigInteger.Zero, gas,
            contractAddress, function.AmountToSend, data);
    }

    /// <summary>Sends <paramref name="wei"/> of the chain's native currency to <paramref name="to"/> (gas for a party's own account).</summary>
    public async Task<string> SendValueAsync(string to, BigInteger wei, CancellationToken cancellationToken) =>
        (await SendCoreAsync("transfer value", to, null, wei,
            () => EstimateAsync(() => Web3.Eth.Transactions.EstimateGas.SendRequestAsync(new CallInput { From = Address, To = to, Value = new HexBigInteger(wei) })),
            cancellationToken)).TransactionHash;

    private async Task<BigInteger> EstimateAsync(Func<Task<HexBigInteger>> estimate) =>
        (await estimate()).Value * (100 + _options.GasLimitMarginPercent) / 100;

    private async Task<ChainReceipt> SendCoreAsync(string functionName, string to, string? data, BigInteger value, Func<Task<BigInteger>> estimateGas,
        CancellationToken cancellationToken, BigInteger? givenGas = null)
    {
        using var activity = LedgerTelemetry.Source.StartActivity($"chain.tx {functionName}", ActivityKind.Client);
        activity?.SetTag("chain.contract", to);
        activity?.SetTag("chain.function", functionName);
        activity?.SetTag("chain.from", Address);
        // A party that signs itself, whose wallet signed and sent this step's transaction itself: nothing is signed or sent here.
        if (_signer is SelfSigner { SentHash: { } sentHash } party)
            return await AdoptAsync(party, sentHash, functionName, to, data, value, estimateGas, activity, cancellationToken);

        var sent = new List<SignedTransaction>(1); // what this call sent: their fate is checked before sending another
        BigInteger? freeNonce = null; // the nonce of the call's last transaction, which this attempt's ReceiptOfEarlierAsync found dropped and free
        BigInteger inFlight = 0;
        var refusalsRechecked = 0;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(_options.ReceiptTimeoutSeconds));
                    // A receipt that did not come in time does not mean the transaction failed: it may be mined (or about to be).
                    // Sending the call again with a fresh nonce would then run it twice — the second refused, or worse done twice.
                    var (receipt, reuseNonce) = sent.Count == 0 ? (null, null) : await ReceiptOfEarlierAsync(sent, functionName, timeout.Token);
                    freeNonce = receipt is null ? reuseNonce : null;
                    if (receipt is null)
                    {
                        var gas = givenGas ?? await estimateGas(); // outside the lock: it needs no nonce
                        SignedTransaction transaction;
                        await _lane.Gate.WaitAsync(cancellationToken);
                        try
                        {
                            _lane.NextNonce ??= (await Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(Address, BlockParameter.CreatePending())).Value;
                            var (maxFee, priorityFee) = await FeesAsync();
                            // A dropped transaction of this call is replaced on its own nonce: later transactions wait behind that
                            // nonce, and should the dropped one come back (another node's pool) only one of the two can be mined.
                            try
                            {
                                transaction = await _signer.SignAsync(
                                    new UnsignedTransaction(_options.ChainId, reuseNonce ?? _lane.NextNonce.Value, priorityFee, maxFee, gas, to, value, data), cancellationToken);
                            }
                            catch (PartySignatureRequiredException)
                            {
                                // The party signs elsewhere too: the next transaction it is given takes the node's count afresh.
                                _lane.NextNonce = null;
                                throw;
                            }
                            // A party's own signed transaction carries its own nonce, checked when it came in but outside this lane:
                            // taken meanwhile by another transaction of the account (sent here), it would replace that one in
                            // the node's pool. Refused as the node refuses a used nonce: stale, nothing sent.
                            if (_signer is PresignedSigner && transaction.Nonce < _lane.NextNonce)
                                throw new RpcResponseException(new Nethereum.JsonRpc.Client.RpcError(-32000,
                                    $"nonce too low: nonce {transaction.Nonce} of {Address} was taken by another of its transactions meanwhile (next {_lane.NextNonce})"));
                            sent.Add(transaction); // remembered before sending: if the node takes it but the answer is lost, the next attempt finds it by hash
                            freeNonce = null;
                            _lane.SentBelow = BigInteger.Max(_lane.SentBelow, transaction.Nonce + 1);
                            activity?.SetTag("chain.tx_hash", transaction.Hash);
                            inFlight += Commit(gas * maxFee + value);
                            await SendUnderGateAsync(transaction);
                            _lane.NextNonce = BigInteger.Max(_lane.NextNonce.Value, transaction.Nonce + 1);
                        }
                        finally
                        {
                            _lane.Gate.Release();
                        }
                        receipt = await _receipts.WaitAsync(transaction.Hash, timeout.Token);
                    }
                    if (receipt.Status?.Value != 1)
                    {
                        // Pipelined, a call's estimate may not have seen an earlier transaction of ours that made it fail: asked
                        // again now (the state after its block), the contract names its error if it still refuses the call.
                        await estimateGas();
                        // Unnamed, it is answered the same way: once no other transaction of the call can still be mined.
                        if (await SettledAsync(functionName, sent, null, cancellationToken) is { } made) return Made(made);
                        throw new ChainRevertedException(functionName, $"transaction {receipt.TransactionHash} reverted");
                    }
                    return Made(receipt);
                }
                catch (Exception e) when (Refusal(functionName, e) is { } refused)
                {
                    // Refused after this call had sent a transaction: answered once none of those can still be mined — or made after
                    // all. Then the call stands as if it had sent nothing.
                    if (sent.Count > 0)
                    {
                        if (await SettledAsync(functionName, sent, freeNonce, cancellationToken) is { } made) return Made(made);
                        sent.Clear();
                        freeNonce = null;
                    }
                    // The node estimates against its pending state, which holds this account's transactions not mined yet. One of
                    // them — a concurrent attempt of the same call, whose caller timed out and retried — may be why the contract
                    // refuses (DuplicateReference, CreditExists, AlreadyPaid…), while the chain's latest state, where the caller
                    // looks for that earlier attempt, does not show it yet. The refusal is final only once they are mined.
                    if (MayBeAnEarlierAttempt(refused) && refusalsRechecked++ < MaxRefusalRechecks && await OwnPendingMinedAsync(functionName, cancellationToken))
                    {
                        attempt--; // not a failed attempt: the same call asked again of a settled state
                        continue;
                    }
                    activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                    throw refused;
                }
                catch (Exception e) when (IsTransient(e, cancellationToken) && attempt < _options.MaxAttempts)
                {
                    var delay = TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt - 1));
                    _logger.LogWarning(e, "Chain transaction {Function} failed (attempt {Attempt} of {MaxAttempts}); retrying in {Delay}",
                        functionName, attempt, _options.MaxAttempts, delay);
                    await Task.Delay(delay, cancellationToken);
                }
            }
        }
        catch (Exception e) when (e is not ChainRevertedException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            // A call that gives up (cancelled, or out of attempts) with a transaction sent but not mined may leave its nonce
            // unused (dropped by the node): the next send takes the node's pending count again, so it fills that nonce
            // instead of queueing every later transaction of the account behind a gap for ever.
            if (sent.Count > 0) await ForgetNonceAsync();
            // The node refused a later transaction of the call (sent again on a dropped one's nonce: "already known", "replacement
            // underpriced", "nonce too low") while an earlier one may still be mined: never "not taken".
            if (sent.Count > 1 && e is RpcResponseException)
                throw new ChainOutcomeUnknownException(functionName, "the node refused a transaction of it sent again while an earlier one may still be mined", e);
            throw;
        }
        finally
        {
            lock (_spending) _inFlightWei -= inFlight;
        }

        ChainReceipt Made(TransactionReceipt receipt)
        {
            var result = new ChainReceipt(receipt.TransactionHash, (long)receipt.BlockNumber.Value, (long)receipt.GasUsed.Value, receipt.Logs);
            activity?.SetTag("chain.tx_hash", result.TransactionHash);
            activity?.SetTag("chain.block", result.BlockNumber);
            activity?.SetTag("chain.gas_used", result.GasUsed);
            LedgerTelemetry.GasUsed.Add(result.GasUsed, new KeyValuePair<string, object?>("function", functionName));
            return result;
        }
    }

    /// <summary>
    /// Settles the transactions a call sent before the contract refused it (a later attempt's estimate refused after its
    /// receipt did not come; or mined and reverted): waits until the account's mined count passes every nonce they took, so
    /// none of them can still be mined. A nonce one the node dropped left free (<paramref name="freeNonce"/>) is taken first
    /// by a transaction of nothing (<see cref="FillNonceAsync"/>): else the dropped one could come back (another node's pool)
    /// and be mined after the refusal was reported — money moved with no record — and every later transaction of the
    /// account would wait behind the gap.
    /// </summary>
    /// <returns>One of them mined and succeeded after all (the call is made: that is its answer); null when none can be mined any more.</returns>
    /// <exception cref="ChainTransactionsPendingException">Not mined within the receipt timeout (a stalled chain): neither made nor refused yet.</exception>
    /// <exception cref="ChainOutcomeUnknownException">The node failed meanwhile, or the nonce could not be filled: neither made nor refused yet.</exception>
    private async Task<TransactionReceipt?> SettledAsync(string functionName, List<SignedTransaction> sent, BigInteger? freeNonce, CancellationToken cancellationToken)
    {
        try
        {
            if (freeNonce is { } nonce) await FillNonceAsync(functionName, sent[^1].Hash, nonce, cancellationToken);
            await WaitForMinedCountAsync(sent.Max(t => t.Nonce) + 1, functionName, cancellationToken);
            foreach (var transaction in sent)
                if (await Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(transaction.Hash) is { } receipt && receipt.Status?.Value == 1) return receipt;
            return null;
        }
        catch (Exception e) when (e is not (ChainTransactionsPendingException or ChainOutcomeUnknownException) && !cancellationToken.IsCancellationRequested)
        {
            // Never the refusal, nor the node's or a signer's words for something else ("nothing was sent"): a transaction was.
            throw new ChainOutcomeUnknownException(functionName, "it was refused after a transaction of it had been sent, which could not be seen mined or made unminable", e);
        }
    }

    /// <summary>The gas of a transaction of nothing (no data, to an account): the chain's base cost of any transaction.</summary>
    private const long FillGas = 21_000;

    /// <summary>
    /// Sends a transaction of nothing (no value, no data, to the account itself) on <paramref name="nonce"/>, left free by
    /// the call's transaction <paramref name="dropped"/> (see <see cref="SettledAsync"/>), in nonce order under the lane's gate —
    /// unless the node counts a transaction on it by now (another of the account's, sent on the node's count; or the dropped
    /// one back): then the wait for the mined count decides.
    /// </summary>
    /// <exception cref="ChainOutcomeUnknownException">Only the party can sign for its account (its own signed transaction, or a
    /// party that signs itself): the nonce stays free.</exception>
    private async Task FillNonceAsync(string functionName, string dropped, BigInteger nonce, CancellationToken cancellationToken)
    {
        if (_signer is PresignedSigner or SelfSigner)
            throw new ChainOutcomeUnknownException(functionName, $"its transaction {dropped} was dropped with nonce {nonce} free, and only the party signs for its account");
        await _lane.Gate.WaitAsync(cancellationToken);
        try
        {
            if ((await Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(Address, BlockParameter.CreatePending())).Value > nonce) return;
            _logger.LogWarning("Chain transaction {Function} was refused after its transaction {Hash} was dropped with nonce {Nonce} free: that nonce is taken by an " +
                "empty transaction, so the dropped one can never be mined", functionName, dropped, nonce);
            var (maxFee, priorityFee) = await FeesAsync();
            var fill = await _signer.SignAsync(new UnsignedTransaction(_options.ChainId, nonce, priorityFee, maxFee, FillGas, Address, BigInteger.Zero, null), cancellationToken);
            _lane.SentBelow = BigInteger.Max(_lane.SentBelow, nonce + 1);
            if (_lane.NextNonce == nonce) _lane.NextNonce = nonce + 1; // below it, free nonces stay the lane's to give
            // Committed, not counted in flight: the call's in-flight sum is given back in its finally, which a failure here must not leak.
            lock (_spending) _committedWei += FillGas * maxFee;
            await SendUnderGateAsync(fill);
        }
        finally
        {
            _lane.Gate.Release();
        }
    }

    /// <summary>
    /// Hands a signed transaction to the node; called under the lane's gate. A failed send may or may not have left it with
    /// the node: the lane's next transaction (this call's retry or another's) asks the node's pending count, under the gate with
    /// nothing else being sent, so no nonce is skipped (a gap would block every later transaction) nor used twice — and it
    /// takes this one's nonce if the node did not. A refusal for its fees drops the cached fees.
    /// </summary>
    private async Task SendUnderGateAsync(SignedTransaction transaction)
    {
        try
        {
            await Web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(transaction.Raw);
        }
        catch (Exception e)
        {
            _lane.NextNonce = null;
            if (e is RpcResponseException rpc && IsFeeRefusal(rpc.RpcError?.Message)) _fees = null;
            throw;
        }
    }

    /// <summary>
    /// Takes the step's transaction that the party's wallet signed and sent itself (<paramref name="hash"/>, from the
    /// <see cref="PartySignatures.SentHeader"/> header) instead of signing and sending one — only if it is exactly this call
    /// (<see cref="SentTransactions.Check"/>: from the party's account, chain id, recipient, value, data; the nonce, fees and
    /// gas are the wallet's). It is awaited as the writer's own: mined, its receipt; reverted, the contract's error; not mined
    /// within the receipt timeout, <c>transaction-pending</c> (asked again, the same hash is taken once mined).
    /// </summary>
    /// <exception cref="PartySignatureException">(Sent-Transaction) unknown to the node, sent by another account, or another call.</exception>
    private async Task<ChainReceipt> AdoptAsync(SelfSigner party, string hash, string functionName, string to, string? data, BigInteger value,
        Func<Task<BigInteger>> estimateGas, Activity? activity, CancellationToken cancellationToken)
    {
        activity?.SetTag("chain.tx_hash", hash);
        activity?.SetTag("chain.sent_by_party", true);
        try
        {
            var call = new PartyCall(party.Party, Address, to, value, data ?? "0x", $"the transaction of this step ({functionName})");
            SentTransactions.Check(await SentTransaction.FetchAsync(Web3, hash), hash, call, _options.ChainId, PartySignatures.SentHeader);
            // The wallet took a nonce of this account (and may have sent more): the next transaction of the account's lane
            // takes the node's pending count afresh, so the nonce the lane had cached is never given to a second transaction.
            await ForgetNonceAsync();
            TransactionReceipt receipt;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(TimeSpan.FromSeconds(_options.ReceiptTimeoutSeconds));
                try
                {
                    receipt = await _receipts.WaitAsync(hash, timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw SentTransactions.Pending(hash);
                }
            }
            if (receipt.Status?.Value != 1)
            {
                // The contract names its error if it still refuses the call (asked as the party's account, of the state now).
                try
                {
                    await estimateGas();
                }
                catch (Exception e) when (Refusal(functionName, e) is { } refused)
                {
                    throw refused;
                }
                throw new ChainRevertedException(functionName, $"transaction {hash} reverted");
            }
            // Only a transaction that took this step: were the step's call still open now — the contract would take it again
            // from the party's account — the transaction handed in is an earlier one of the same call whose effect was undone
            // since (a title handed over, given back, and "handed over again" with the first hash). Calls the contracts take
            // again by design (a mandate, an approval, a consent) cannot be told apart so: see RepeatableCalls.
            if (!RepeatableCalls.Contains(functionName) && await StillOpenAsync(functionName, estimateGas))
                throw new PartySignatureException(
                    $"{hash} (mined in block {receipt.BlockNumber.Value}) is an earlier transaction of the same call: this step is still open on chain, so that " +
                    "transaction did not take it. Send a new transaction for this step, then give its hash.",
                    field: PartySignatures.SentHeader, rule: SpentRule);
            var result = new ChainReceipt(receipt.TransactionHash, (long)receipt.BlockNumber.Value, (long)receipt.GasUsed.Value, receipt.Logs);
            activity?.SetTag("chain.block", result.BlockNumber);
            activity?.SetTag("chain.gas_used", result.GasUsed);
            return result;
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
    }

    /// <summary>The rule of a sent transaction that is an earlier one of the same call, not this step's (<see cref="AdoptAsync"/>).</summary>
    public const string SpentRule = "sent-transaction-spent";

    /// <summary>
    /// The party calls the contracts accept again with the same arguments once made (the state they set may be set again):
    /// for them an adopted transaction cannot be told from an earlier one of the same call by asking the contract.
    /// </summary>
    private static readonly HashSet<string> RepeatableCalls = new(StringComparer.Ordinal) { "MandateBank", "ApproveAdjustment", "ConsentToCancel" };

    /// <summary>Whether the contract would take the call now (its estimate succeeds from the party's account), or refuses it.</summary>
    private static async Task<bool> StillOpenAsync(string functionName, Func<Task<BigInteger>> estimateGas)
    {
        try
        {
            await estimateGas();
            return true;
        }
        catch (Exception e) when (Refusal(functionName, e) is not null)
        {
            return false;
        }
    }

    /// <summary>How many times one call's refusal is asked again after this account's pending transactions were mined.</summary>
    private const int MaxRefusalRechecks = 3;

    /// <summary>
    /// The contracts' refusals that say "done already" — what an earlier attempt of the same call, still pending, causes.
    /// Any other refusal (no funds, no role, not the holder…) stands at once.
    /// </summary>
    private static readonly HashSet<string> DoneAlreadyErrors = new(StringComparer.Ordinal)
    {
        "DuplicateReference", "AccountAlreadyOpen", "NotMandated", "CreditExists", "AlreadyPaid", "CreditClosed", "CustomsReleaseAlreadyAttested",
        "DocumentAlreadyIssued", "DocumentAlreadyRevoked", "RootAlreadyAnchored", "NoChange", "TitleSurrendered", "TitleSpent", "ERC721InvalidSender",
    };

    private static bool MayBeAnEarlierAttempt(ChainRevertedException refused) => DoneAlreadyErrors.Contains(refused.Error.Split(':')[0].Trim());

    /// <summary>
    /// After a refusal: false when none of this account's transactions is pending (the refusal stands); else waits until
    /// those pending now are mined and returns true (ask again). Pending longer than the receipt timeout (a stalled chain):
    /// <see cref="ChainTransactionsPendingException"/> — neither done nor refused, the caller tries again later.
    /// </summary>
    private async Task<bool> OwnPendingMinedAsync(string functionName, CancellationToken cancellationToken)
    {
        var count = Web3.Eth.Transactions.GetTransactionCount;
        var pending = (await count.SendRequestAsync(Address, BlockParameter.CreatePending())).Value;
        if ((await count.SendRequestAsync(Address, BlockParameter.CreateLatest())).Value >= pending) return false;
        _logger.LogInformation("Chain transaction {Function} refused while transactions of {Account} are pending: asking again once they are mined",
            functionName, Address);
        await WaitForMinedCountAsync(pending, functionName, cancellationToken);
        return true;
    }

    /// <summary>Waits until the account's mined transaction count is <paramref name="count"/> or more, at most the receipt timeout.</summary>
    /// <exception cref="ChainTransactionsPendingException">Not within the receipt timeout (a stalled chain).</exception>
    private async Task WaitForMinedCountAsync(BigInteger count, string functionName, CancellationToken cancellationToken)
    {
        var mined = Web3.Eth.Transactions.GetTransactionCount;
        var deadline = Environment.TickCount64 + _options.ReceiptTimeoutSeconds * 1000L;
        var pause = TimeSpan.FromMilliseconds(Math.Max(_options.ReceiptPollIntervalMs, 50));
        while ((await mined.SendRequestAsync(Address, BlockParameter.CreateLatest())).Value < count)
        {
            if (Environment.TickCount64 > deadline) throw new ChainTransactionsPendingException(functionName, Address);
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 2_000)); // a stalled node is not asked 20 times a second
        }
    }

    /// <summary>The contract's refusal of <paramref name="function"/> in <paramref name="e"/> (custom error decoded when possible), or null.</summary>
    private static ChainRevertedException? Refusal(string function, Exception e) => e switch
    {
        SmartContractCustomErrorRevertExceptionErrorDecoded decoded =>
            new ChainRevertedException(function, ContractErrors.Describe(decoded.InnerCustomErrorRevert), decoded.InnerCustomErrorRevert),
        SmartContractCustomErrorRevertException revert => new ChainRevertedException(function, ContractErrors.Describe(revert), revert),
        Nethereum.ABI.FunctionEncoding.SmartContractRevertException revert => new ChainRevertedException(function, revert.RevertMessage ?? revert.Message, revert),
        _ => null,
    };

    private async Task ForgetNonceAsync()
    {
        await _lane.Gate.WaitAsync(CancellationToken.None); // held only for a send, briefly
        try
        {
            _lane.NextNonce = null;
        }
        finally
        {
            _lane.Gate.Release();
        }
    }

    private BigInteger Commit(BigInteger maxCost)
    {
        lock (_spending)
        {
            _committedWei += maxCost;
            _inFlightWei += maxCost;
        }
        return maxCost;
    }

    /// <summary>The fee parameters, fetched at most once per <see cref="ChainOptions.FeeCacheMilliseconds"/> (called under the lock).</summary>
    private async Task<(BigInteger MaxFee, BigInteger PriorityFee)> FeesAsync()
    {
        var now = Environment.TickCount64;
        if (_fees is { } cached && now - cached.FetchedAt < _options.FeeCacheMilliseconds) return (cached.MaxFee, cached.PriorityFee);
        var fee = await Web3.TransactionManager.Fee1559SuggestionStrategy.SuggestFeeAsync();
        var fees = (fee.MaxFeePerGas ?? throw new InvalidOperationException("the node suggested no max fee"),
            fee.MaxPriorityFeePerGas ?? throw new InvalidOperationException("the node suggested no priority fee"));
        _fees = (fees.Item1, fees.Item2, now);
        return fees;
    }

    /// <summary>
    /// What became of the transactions sent by earlier attempts of this call (<paramref name="earlier"/>, the last one
    /// last): the receipt of one that was mined; if the node still knows one (pending), its receipt once mined, waiting
    /// again rather than sending a second transaction. If all are gone unmined the call is sent anew (null receipt): on
    /// the last one's nonce when no transaction has taken it (it was dropped), else on a fresh nonce.
    /// </summary>
    private async Task<(TransactionReceipt? Receipt, BigInteger? ReuseNonce)> ReceiptOfEarlierAsync(IReadOnlyList<SignedTransaction> earlier, string functionName,
        CancellationToken cancellationToken)
    {
        if (await MinedReceiptAsync(earlier) is { } receipt) return (receipt, null);
        foreach (var transaction in earlier)
        {
            if (await Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(transaction.Hash) is null) continue;
            _logger.LogWarning("Chain transaction {Function} {Hash} is still pending: waiting for it rather than sending it again", functionName, transaction.Hash);
            return (await _receipts.WaitAsync(transaction.Hash, cancellationToken), null);
        }
        // Mined or pending, a transaction of ours holds every nonce below this one.
        var taken = (await Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(Address, BlockParameter.CreatePending())).Value;
        // Checked once more: one may have been mined between the questions above.
        if (await MinedReceiptAsync(earlier) is { } late) return (late, null);
        var last = earlier[^1];
        var dropped = taken <= last.Nonce;
        _logger.LogWarning("Chain transaction {Function} {Hash} (nonce {Nonce}) is unknown to the node and was not mined ({State}): sending it again",
            functionName, last.Hash, last.Nonce, dropped ? "dropped; its nonce is still free" : "its nonce is used by another transaction");
        return (null, dropped ? last.Nonce : null);
    }

    private async Task<TransactionReceipt?> MinedReceiptAsync(IReadOnlyList<SignedTransaction> transactions)
    {
        foreach (var transaction in transactions)
            if (await Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(transaction.Hash) is { } receipt) return receipt;
        return null;
    }

    /// <summary>Reads a view function.</summary>
    public Task<TResult> QueryAsync<TFunction, TResult>(string contractAddress, TFunction function)
        where TFunction : FunctionMessage, new() =>
        Web3.Eth.GetContractQueryHandler<TFunction>().QueryAsync<TResult>(contractAddress, function);

    /// <summary>Reads a view function with several outputs (at <paramref name="block"/>; the latest when null).</summary>
    public Task<TOutput> QueryOutputAsync<TFunction, TOutput>(string contractAddress, TFunction function, BlockParameter? block = null)
        where TFunction : FunctionMessage, new()
        where TOutput : Nethereum.ABI.FunctionEncoding.Attributes.IFunctionOutputDTO, new() =>
        Web3.Eth.GetContractQueryHandler<TFunction>().QueryDeserializingToObjectAsync<TOutput>(function, contractAddress, block);

    /// <summary>
    /// A nonce above every one this writer has given or handed to a node (null: it has sent nothing), whether or not the node
    /// asked later has seen those transactions — also after a failed send made it forget its next nonce.
    /// </summary>
    public async Task<BigInteger?> NextNonceHereAsync()
    {
        await _lane.Gate.WaitAsync();
        try
        {
            var here = BigInteger.Max(_lane.NextNonce ?? BigInteger.Zero, _lane.SentBelow);
            return here.IsZero ? null : here;
        }
        finally { _lane.Gate.Release(); }
    }

    private static bool IsTransient(Exception e, CancellationToken callerToken) => e switch
    {
        _ when callerToken.IsCancellationRequested => false,
        OperationCanceledException => true, // our receipt timeout, not the caller's
        HttpRequestException or SocketException or TimeoutException => true,
        RpcClientUnknownException or RpcClientTimeoutException => true,
        RpcResponseException rpc => IsTransientRpcMessage(rpc.RpcError?.Message),
        _ => e.InnerException is not null && IsTransient(e.InnerException, callerToken),
    };

    private static bool IsTransientRpcMessage(string? message) =>
        message is not null &&
        (message.Contains("nonce", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("already known", StringComparison.OrdinalIgnoreCase) ||
         IsFeeRefusal(message));

    /// <summary>The node refused the fees (the cached ones went stale): "underpriced", "max fee per gas less than block base fee".</summary>
    private static bool IsFeeRefusal(string? message) =>
        message is not null &&
        (message.Contains("underpriced", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("base fee", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("fee cap", StringComparison.OrdinalIgnoreCase));
}
