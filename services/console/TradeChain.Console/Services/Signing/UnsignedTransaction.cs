namespace TradeChain.Console.Services.Signing;

/// <summary>
/// A transaction a service prepared for a party to sign itself, in eth_signTransaction's shape (hex quantities): saved as a
/// file, <c>tradechain sign --transaction FILE --key-file KEY</c> signs it with the party's key, which never reaches TradeChain;
/// or the party's browser wallet signs it.
/// </summary>
public sealed record UnsignedTransaction(string From, string To, string Data, string Value, string Nonce, string Gas, string MaxFeePerGas,
    string MaxPriorityFeePerGas, string ChainId, string Type, string Description)
{
    private static readonly System.Text.Json.JsonSerializerOptions Indented = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Shown as text and saved as a file, never placed in HTML as markup: the description's apostrophes stay as they are.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The transaction as <c>unsigned.json</c> holds it (what <c>tradechain sign --transaction</c> takes).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Json => System.Text.Json.JsonSerializer.Serialize(this, Indented);

    /// <summary>The account's transaction count it is prepared for, in decimal.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string NonceNumber => Number(Nonce);

    /// <summary>A hex quantity (nonce, gas) as a decimal number.</summary>
    public static string Number(string hex) =>
        hex.StartsWith("0x", StringComparison.Ordinal)
        && System.Numerics.BigInteger.TryParse("0" + hex.AsSpan(2).ToString(), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var n)
            ? n.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : hex;

    /// <summary>
    /// The transaction a refusal asks the caller's party to sign: a step of a party that signs itself answers 409
    /// <c>signature-required</c> (and a pending signature gone stale <c>signed-transaction-stale</c>) with it; null for any other answer.
    /// </summary>
    public static UnsignedTransaction? AskedBy(ApiProblem? problem)
    {
        if (problem is not { Rule: "signature-required" or "signed-transaction-stale", Body: { } body } || body["transaction"] is not System.Text.Json.Nodes.JsonObject transaction)
            return null;
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<UnsignedTransaction>(transaction, ServiceApi.Json);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
