using Microsoft.JSInterop;

namespace TradeChain.Console.Services.Signing;

/// <summary>
/// The signed-in user's browser wallet (EIP-1193 <c>window.ethereum</c>), through <c>tradechain.wallet</c> in
/// wwwroot/console.js. The console never sees a key: the wallet signs the transaction TradeChain prepared for the user's
/// account, or — wallets such as MetaMask sign only by sending — sends it itself and gives back its hash.
/// </summary>
public sealed class BrowserWallet(IJSRuntime js)
{
    /// <summary>How long the wallet's user has to approve (or decline) in the wallet.</summary>
    public static readonly TimeSpan ApprovalTime = TimeSpan.FromMinutes(5);

    /// <summary>The wallet's answer: the signed transaction, the hash of one it sent itself, or why neither (in words for the user).</summary>
    public sealed record Answer(string? Signed, string? Sent, string? Error);

    /// <summary>Whether the page has a wallet; false before the page is interactive.</summary>
    public async Task<bool> PresentAsync()
    {
        try
        {
            return await js.InvokeAsync<bool>("tradechain.wallet.present");
        }
        catch (Exception e) when (e is JSException or InvalidOperationException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Asks the wallet to sign <paramref name="transaction"/> unchanged, from its account, on its chain (asking it to switch
    /// network when it is on another). A wallet that signs only by sending sends it itself (the API then takes its hash).
    /// </summary>
    public async Task<Answer> SignAsync(UnsignedTransaction transaction)
    {
        try
        {
            return await js.InvokeAsync<Answer>("tradechain.wallet.sign", ApprovalTime, transaction);
        }
        catch (Exception e) when (e is JSException or TaskCanceledException)
        {
            return new Answer(null, null,
                "The wallet did not answer in time. If you approved the transaction in it, it may still be sent: look at the wallet's activity before trying again.");
        }
    }
}
