using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using TradeChain.Ledger;

namespace TradeChain.Cli;

/// <summary>
/// <c>tradechain sign</c>: a party signs, with its own key file, a transaction a TradeChain service prepared for it (an
/// unsigned EIP-1559 transaction in <c>eth_signTransaction</c>'s shape, e.g. from <c>POST /duty-payments/{ref}/settle/transaction</c>)
/// and prints the signed transaction to send back. The key never leaves the party's machine. The service is not trusted
/// for what the transaction does: the CLI decodes the call itself (the settlement token's and escrow's functions: payer,
/// payee, amount, reference) and prints that — not the service's description — and refuses a transaction without a
/// <c>from</c>, for another account than the key's, or (with <c>--chain-id</c>) for another chain.
/// </summary>
public static class SignCommand
{
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options, TextWriter output, TextWriter error)
    {
        if (!options.TryGetValue("transaction", out var transactionPath) || !options.TryGetValue("key-file", out var keyFile))
        {
            error.WriteLine("sign needs --transaction FILE (the unsigned transaction, JSON; - for standard input) and --key-file FILE (the party's key, 0x and 64 hex digits)");
            return 2;
        }
        var text = transactionPath == "-" ? await Console.In.ReadToEndAsync() : await File.ReadAllTextAsync(transactionPath);
        BigInteger? chainId = options.TryGetValue("chain-id", out var pinned) ? BigInteger.Parse(pinned, CultureInfo.InvariantCulture) : null;
        var signed = Sign(text, (await File.ReadAllTextAsync(keyFile)).Trim(), error, chainId);
        if (options.TryGetValue("out", out var outPath)) await File.WriteAllTextAsync(outPath, signed.Raw + "\n");
        else output.WriteLine(signed.Raw);
        return 0;
    }

    /// <summary>Signs the prepared transaction <paramref name="json"/> with <paramref name="key"/>, saying on <paramref name="log"/> what it signed.</summary>
    /// <exception cref="ArgumentException">Not a prepared transaction, or the key is not its "from" account.</exception>
    public static SignedTransaction Sign(string json, string key, TextWriter log, BigInteger? chainId = null)
    {
        var (transaction, from, description) = Parse(json);
        if (chainId is { } expected && transaction.ChainId != expected)
            throw new ArgumentException($"the transaction is for chain {transaction.ChainId}, not chain {expected}");
        var signer = new TransactionSigner(key, transaction.ChainId);
        if (from is null) throw new ArgumentException("the transaction names no 'from' account: sign only a transaction prepared for your account");
        if (!string.Equals(from, signer.Address, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"the key is the account {signer.Address}, but the transaction is to be sent from {from}: the contract would refuse it");
        var signed = signer.Sign(transaction.Nonce, transaction.MaxPriorityFeePerGas, transaction.MaxFeePerGas, transaction.GasLimit, transaction.To,
            transaction.Value, transaction.Data);
        log.WriteLine($"signed as {signer.Address}, on contract {transaction.To}: {Describe(transaction.Data)} (nonce {transaction.Nonce}, chain {transaction.ChainId}; " +
                      $"the service describes it as: {description ?? "nothing"}); transaction {signed.Hash}");
        return signed;
    }

    /// <summary>What the call does, decoded here from its data (not the service's word).</summary>
    public static string Describe(string? data)
    {
        if (Decoded<Ledger.Contracts.SettlementToken.BankTransferFunction>(data) is { } t)
            return $"bankTransfer of {t.Amount} minor units from {t.From} to {t.To}, reference 0x{Convert.ToHexStringLower(t.PaymentReference)}";
        if (Decoded<Ledger.Contracts.SettlementToken.MintFunction>(data) is { } m)
            return $"mint of {m.Amount} minor units to {m.To}, reference 0x{Convert.ToHexStringLower(m.PaymentReference)}";
        if (Decoded<Ledger.Contracts.SettlementToken.BurnFunction>(data) is { } b)
            return $"burn of {b.Amount} minor units from {b.From}, reference 0x{Convert.ToHexStringLower(b.PaymentReference)}";
        if (Decoded<Ledger.Contracts.SettlementToken.OpenAccountFunction>(data) is { } o) return $"openAccount for {o.Account}";
        if (Decoded<Ledger.Contracts.SettlementToken.MandateBankFunction>(data) is { } mb) return $"mandateBank: your account asks {mb.Bank} to keep it";
        var selector = data is { Length: >= 10 } ? data[..10] : data ?? "0x";
        return $"a call this CLI does not decode (selector {selector}): check it before signing";
    }

    private static TFunction? Decoded<TFunction>(string? data) where TFunction : Nethereum.Contracts.FunctionMessage, new()
    {
        if (data is null) return null;
        var signature = Nethereum.Contracts.ABITypedRegistry.GetFunctionABI<TFunction>().Sha3Signature;
        if (!data.StartsWith("0x" + signature, StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            return Nethereum.Contracts.FunctionMessageExtensions.DecodeInput(new TFunction(), data);
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>The unsigned transaction of a JSON object with hex quantities (eth_signTransaction's parameter, as the services answer it).</summary>
    public static (UnsignedTransaction Transaction, string? From, string? Description) Parse(string json)
    {
        JsonObject body;
        try
        {
            body = JsonNode.Parse(json)?.AsObject() ?? throw new ArgumentException("the transaction file holds no JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgumentException($"the transaction file is not JSON: {e.Message}");
        }
        string Text(string name) => body[name]?.GetValue<string>() ?? throw new ArgumentException($"the transaction has no '{name}'");
        BigInteger Quantity(string name)
        {
            var value = Text(name);
            if (!value.StartsWith("0x", StringComparison.Ordinal) ||
                !BigInteger.TryParse("0" + value[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var parsed))
                throw new ArgumentException($"the transaction's '{name}' must be a hex quantity (0x…), not '{value}'");
            return parsed;
        }
        if (body["type"]?.GetValue<string>() is { } type && type != "0x2")
            throw new ArgumentException($"only EIP-1559 (type 0x2) transactions are signed here, not type {type}");
        return (new UnsignedTransaction(Quantity("chainId"), Quantity("nonce"), Quantity("maxPriorityFeePerGas"), Quantity("maxFeePerGas"), Quantity("gas"),
            Text("to"), body["value"] is null ? 0 : Quantity("value"), body["data"]?.GetValue<string>() ?? "0x"), body["from"]?.GetValue<string>(), body["description"]?.GetValue<string>());
    }
}
