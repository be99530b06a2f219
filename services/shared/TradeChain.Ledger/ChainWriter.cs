using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.RPC.NonceServices;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace TradeChain.Ledger;

/// <summary>The outcome of one mined transaction.</summary>
public sealed record ChainReceipt(string TransactionHash, long BlockNumber, long GasUsed);

/// <summary>A transaction the chain refused (reverted); <see cref="Error"/> names the contract's custom error when known.</summary>
public sealed class ChainRevertedException(string function, string error, Exception? inner = null)
    : Exception($"{function} was refused by the contract: {error}", inner)
{
    public string Function { get; } = function;

    public string Error { get; } = error;
}

/// <summary>
/// The only way a service writes to the chain: one writer per signing account. Sends are serialised so nonces
/// never collide, every transaction's receipt is awaited and checked, transient failures (node unreachable,
/// timeouts, nonce races) are retried with backoff, and each transaction is one trace span.
/// </summary>
public sealed class ChainWriter
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ChainOptions _options;
    private readonly ILogger<ChainWriter> _logger;
    private readonly Account _account;

    public ChainWriter(ChainOptions options, ILogger<ChainWriter> logger)
    {
        _options = options;
        _logger = logger;
        _account = new Account(options.PrivateKey, options.ChainId);
        Web3 = new Web3(_account, options.RpcUrl) { TransactionManager = { UseLegacyAsDefault = false } };
        _account.NonceService = new InMemoryNonceService(_account.Address, Web3.Client);
        Web3.TransactionManager.TransactionReceiptService =
            new Nethereum.RPC.TransactionReceipts.TransactionReceiptPollingService(Web3.TransactionManager, options.ReceiptPollIntervalMs);
    }

    public IWeb3 Web3 { get; }

    public string Address => _account.Address;

    /// <summary>Sends <paramref name="function"/> to <paramref name="contractAddress"/> and waits for it to be mined.</summary>
    /// <exception cref="ChainRevertedException">The contract refused the call (decoded custom error when possible).</exception>
    public async Task<ChainReceipt> SendAsync<TFunction>(string contractAddress, TFunction function, CancellationToken cancellationToken)
        where TFunction : FunctionMessage, new()
    {
        var functionName = typeof(TFunction).Name.Replace("Function", "", StringComparison.Ordinal);
        using var activity = LedgerTelemetry.Source.StartActivity($"chain.tx {functionName}", ActivityKind.Client);
        activity?.SetTag("chain.contract", contractAddress);
        activity?.SetTag("chain.function", functionName);
        activity?.SetTag("chain.from", Address);

        await _gate.WaitAsync(cancellationToken);
        SentTransaction? sent = null; // the last transaction sent for this call: its fate is checked before sending another
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
                    var receipt = sent is null ? null : await ReceiptOfEarlierAsync(sent, functionName, timeout.Token);
                    if (receipt is null)
                    {
                        sent = await SignAsync(contractAddress, function);
                        activity?.SetTag("chain.tx_hash", sent.Hash);
                        // Remembered before sending: if the node takes it but the answer is lost, the next attempt finds it by hash.
                        await Web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(sent.Raw);
                        receipt = await Web3.TransactionManager.TransactionReceiptService.PollForReceiptAsync(sent.Hash, timeout.Token);
                    }
                    if (receipt.Status?.Value != 1)
                        throw new ChainRevertedException(functionName, $"transaction {receipt.TransactionHash} reverted");

                    var result = new ChainReceipt(receipt.TransactionHash, (long)receipt.BlockNumber.Value, (long)receipt.GasUsed.Value);
                    activity?.SetTag("chain.tx_hash", result.TransactionHash);
                    activity?.SetTag("chain.block", result.BlockNumber);
                    activity?.SetTag("chain.gas_used", result.GasUsed);
                    LedgerTelemetry.GasUsed.Add(result.GasUsed, new KeyValuePair<string, object?>("function", functionName));
                    return result;
                }
                catch (SmartContractCustomErrorRevertExceptionErrorDecoded decoded)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, decoded.Message);
                    throw new ChainRevertedException(functionName, ContractErrors.Describe(decoded.InnerCustomErrorRevert), decoded.InnerCustomErrorRevert);
                }
                catch (SmartContractCustomErrorRevertException revert)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, revert.Message);
                    throw new ChainRevertedException(functionName, ContractErrors.Describe(revert), revert);
                }
                catch (Nethereum.ABI.FunctionEncoding.SmartContractRevertException revert)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, revert.Message);
                    throw new ChainRevertedException(functionName, revert.RevertMessage ?? revert.Message, revert);
                }
                catch (Exception e) when (IsTransient(e, cancellationToken) && attempt < _options.MaxAttempts)
                {
                    var delay = TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt - 1));
                    _logger.LogWarning(e, "Chain transaction {Function} failed (attempt {Attempt} of {MaxAttempts}); retrying in {Delay}",
                        functionName, attempt, _options.MaxAttempts, delay);
                    await ResetNonceAsync();
                    await Task.Delay(delay, cancellationToken);
                }
            }
        }
        catch (Exception e)
        {
            // Whatever failed, the next transaction takes its nonce from the chain again, so a nonce used (or skipped)
            // by a failed attempt cannot leave a gap that blocks every later transaction.
            await ResetNonceAsync();
            if (e is not ChainRevertedException) activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A transaction this writer signed (and sends): its hash is known before the node answers, so its fate can be asked.</summary>
    private sealed record SentTransaction(string Hash, System.Numerics.BigInteger Nonce, string Raw);

    /// <summary>Signs the call with the next nonce (estimating its gas: a call the contract refuses throws here, unsent).</summary>
    private async Task<SentTransaction> SignAsync<TFunction>(string contractAddress, TFunction function) where TFunction : FunctionMessage, new()
    {
        var nonce = (await _account.NonceService!.GetNextNonceAsync()).Value;
        function.Nonce = nonce;
        try
        {
            var signed = (await Web3.Eth.GetContractTransactionHandler<TFunction>().SignTransactionAsync(contractAddress, function)).EnsureHexPrefix();
            return new SentTransaction(Nethereum.Util.TransactionUtils.CalculateTransactionHash(signed).EnsureHexPrefix(), nonce, signed);
        }
        finally
        {
            function.Nonce = null; // the caller's message carries no nonce of ours into a later call
        }
    }

    /// <summary>
    /// What became of <paramref name="earlier"/>, sent by a previous attempt of this call: its receipt if it was mined;
    /// if the node still knows it (pending), its receipt once mined, waiting again rather than sending a second
    /// transaction; null if it is gone unmined (dropped, or its nonce taken by another transaction), so the call is sent anew.
    /// </summary>
    private async Task<TransactionReceipt?> ReceiptOfEarlierAsync(SentTransaction earlier, string functionName, CancellationToken cancellationToken)
    {
        var receipt = await Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(earlier.Hash);
        if (receipt is not null) return receipt;
        if (await Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(earlier.Hash) is not null)
        {
            _logger.LogWarning("Chain transaction {Function} {Hash} is still pending: waiting for it rather than sending it again", functionName, earlier.Hash);
            return await Web3.TransactionManager.TransactionReceiptService.PollForReceiptAsync(earlier.Hash, cancellationToken);
        }
        var mined = await Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(Address, BlockParameter.CreateLatest());
        // Checked once more: it may have been mined between the two questions above.
        receipt = await Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(earlier.Hash);
        if (receipt is not null) return receipt;
        _logger.LogWarning("Chain transaction {Function} {Hash} (nonce {Nonce}) is unknown to the node and was not mined ({State}): sending it again",
            functionName, earlier.Hash, earlier.Nonce, mined.Value > earlier.Nonce ? "its nonce was used by another transaction" : "dropped");
        return null;
    }

    /// <summary>Sends <paramref name="wei"/> of the chain's native currency to <paramref name="to"/> (gas for a party's own account).</summary>
    public async Task<string> SendValueAsync(string to, System.Numerics.BigInteger wei, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var receipt = await Web3.Eth.GetEtherTransferService()
                .TransferEtherAndWaitForReceiptAsync(to, Nethereum.Web3.Web3.Convert.FromWei(wei), cancellationToken: cancellationToken);
            return receipt.TransactionHash;
        }
        catch
        {
            await ResetNonceAsync();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads a view function.</summary>
    public Task<TResult> QueryAsync<TFunction, TResult>(string contractAddress, TFunction function)
        where TFunction : FunctionMessage, new() =>
        Web3.Eth.GetContractQueryHandler<TFunction>().QueryAsync<TResult>(contractAddress, function);

    /// <summary>Reads a view function with several outputs.</summary>
    public Task<TOutput> QueryOutputAsync<TFunction, TOutput>(string contractAddress, TFunction function)
        where TFunction : FunctionMessage, new()
        where TOutput : Nethereum.ABI.FunctionEncoding.Attributes.IFunctionOutputDTO, new() =>
        Web3.Eth.GetContractQueryHandler<TFunction>().QueryDeserializingToObjectAsync<TOutput>(function, contractAddress);

    private async Task ResetNonceAsync()
    {
        try
        {
            if (_account.NonceService is not null) await _account.NonceService.ResetNonceAsync();
        }
        catch (Exception e)
        {
            _logger.LogDebug(e, "Nonce reset failed; the next attempt will retry it");
        }
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
         message.Contains("underpriced", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("already known", StringComparison.OrdinalIgnoreCase));
}
