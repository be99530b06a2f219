using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nethereum.Contracts;
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
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(_options.ReceiptTimeoutSeconds));
                    var handler = Web3.Eth.GetContractTransactionHandler<TFunction>();
                    TransactionReceipt receipt = await handler.SendRequestAndWaitForReceiptAsync(contractAddress, function, timeout);
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
