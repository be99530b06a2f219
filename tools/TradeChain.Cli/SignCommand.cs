using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using TradeChain.Ledger;

namespace TradeChain.Cli;

/// <summary>
/// <c>tradechain sign</c>: a party signs, with its own key file, a transaction a TradeChain service prepared for it (an
/// unsigned EIP-1559 transaction in <c>eth_signTransaction</c>'s shape, e.g. from <c>POST /duty-payments/{ref}/settle/transaction</c>)
/// and prints the signed transaction to send back. The key never leaves the party's machine; the CLI prints what it is
/// about to sign, and refuses when the key is not the transaction's <c>from</c> account.
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
        var signed = Sign(text, (await File.ReadAllTextAsync(keyFile)).Trim(), error);
        if (options.TryGetValue("out", out var outPath)) await File.WriteAllTextAsync(outPath, signed.Raw + "\n");
        else output.WriteLine(signed.Raw);
        return 0;
    }

    /// <summary>Signs the prepared transaction <paramref name="json"/> with <paramref name="key"/>, saying on <paramref name="log"/> what it signed.</summary>
    /// <exception cref="ArgumentException">Not a prepared transaction, or the key is not its "from" account.</exception>
    public static SignedTransaction Sign(string json, string key, TextWriter log)
    {
        var (transaction, from, description) = Parse(json);
        var signer = new TransactionSigner(key, transaction.ChainId);
        if (from is not null && !string.Equals(from, signer.Address, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"the key is the account {signer.Address}, but the transaction is to be sent from {from}: the contract would refuse it");
        var signed = signer.Sign(transaction.Nonce, transaction.MaxPriorityFeePerGas, transaction.MaxFeePerGas, transaction.GasLimit, transaction.To,
            transaction.Value, transaction.Data);
        log.WriteLine($"signed as {signer.Address}: {description ?? "a call"} (to {transaction.To}, nonce {transaction.Nonce}, chain {transaction.ChainId}); transaction {signed.Hash}");
        return signed;
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
