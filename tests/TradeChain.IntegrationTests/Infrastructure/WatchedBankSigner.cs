using System.Numerics;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using TradeChain.Ledger;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests.Infrastructure;

/// <summary>
/// The system's bank signer (the model's "bank-signer" anvil) behind a counting proxy: payments and documents reach the
/// banks' keys through it, so a test can show that every transaction a bank made on chain was signed there — that the
/// services held no bank key. Start the system with <see cref="Port"/> and <see cref="Configure"/>.
/// </summary>
public sealed class WatchedBankSigner : IAsyncDisposable
{
    public WatchedBankSigner()
    {
        Port = TestEnvironment.FreePort();
        Proxy = new JsonRpcProxy($"http://127.0.0.1:{Port}");
    }

    /// <summary>The bank signer's own port (TradeChainSystem.StartAsync's bankSignerPort).</summary>
    public int Port { get; }

    public JsonRpcProxy Proxy { get; }

    /// <summary>Points payments' and documents' bank signers at the proxy (their address stays the signer account's).</summary>
    public void Configure(string service, ServiceProcess process)
    {
        if (service is not ("payments" or "documents")) return;
        foreach (var bank in DevelopmentBankSigners.Accounts.Keys) process.SetSetting($"Parties:Signers:{bank}:Url", Proxy.Url);
    }

    /// <summary>
    /// <paramref name="transactionHash"/> was sent by <paramref name="bank"/>'s signer account, and every transaction
    /// of every development bank on the chain went through the signer (at least as many signatures asked for as the
    /// banks' accounts have sent transactions).
    /// </summary>
    public async Task AssertSignedByTheBankAsync(TradeChainSystem system, string bank, string transactionHash)
    {
        var web3 = new Web3(system.Chain.RpcUrl);
        var mined = await web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(transactionHash);
        Assert.NotNull(mined);
        Assert.Equal(DevelopmentBankSigners.AddressOf(bank), mined.From, ignoreCase: true);
        Assert.NotEqual(new Account(PartyWallets.DevelopmentKey(bank)).Address, mined.From, StringComparer.OrdinalIgnoreCase); // not a key a service derives

        BigInteger sent = 0;
        foreach (var address in DevelopmentBankSigners.Accounts.Keys.Select(DevelopmentBankSigners.AddressOf))
            sent += (await web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(address)).Value;
        var signed = Proxy.Calls.GetValueOrDefault("eth_signTransaction");
        Assert.True(sent > 0 && signed >= sent, $"the banks' accounts sent {sent} transactions; their signer was asked for {signed} signatures");
    }

    public ValueTask DisposeAsync() => Proxy.DisposeAsync();
}
