namespace TradeChain.Console.Services.Payments;

/// <summary>What a page that lets a party sign a prepared transaction itself needs (the browser wallet's answer, the transaction's numbers in words).</summary>
public static class SelfSigning
{
    /// <summary>tradechain.wallet.sign's answer (wwwroot/console.js): the signed transaction, the hash of one the wallet sent itself, or why not.</summary>
    public sealed record WalletAnswer(string? Signed, string? Sent, string? Error);

    /// <summary>A hex quantity of the transaction (nonce, gas) as a decimal number.</summary>
    public static string Number(string hex) =>
        System.Numerics.BigInteger.TryParse("0" + hex.AsSpan(2).ToString(), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var n) ? n.ToString() : hex;
}
