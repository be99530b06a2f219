using TradeChain.Console.Services.Verify;
using TradeChain.Ledger;

namespace TradeChain.Console;

public static class VerifierRegistration
{
    /// <summary>
    /// The public verifier's parts: the documents service's anonymous verifier and a read-only chain reader
    /// (Chain:RpcUrl, Chain:TransitionAnchorAddress) for checking transition proofs without the services.
    /// </summary>
    public static WebApplicationBuilder AddVerifier(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpClient<PublicDocumentVerifier>(c =>
        {
            c.BaseAddress = new Uri(builder.Configuration["Services:Documents"] ?? throw new InvalidOperationException("Services:Documents is required."));
            c.Timeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddSingleton(_ => new ChainOptions
        {
            RpcUrl = builder.Configuration["Chain:RpcUrl"] ?? new ChainOptions().RpcUrl,
            TransitionAnchorAddress = builder.Configuration["Chain:TransitionAnchorAddress"] ?? "",
            // The console only reads the chain: its writer holds a throwaway key with no funds and no role, so even a
            // transaction sent by mistake could neither pay for gas nor pass the contract's access control.
            PrivateKey = Nethereum.Signer.EthECKey.GenerateKey().GetPrivateKey(),
        });
        builder.Services.AddSingleton(sp => new ChainWriter(sp.GetRequiredService<ChainOptions>(), sp.GetRequiredService<ILogger<ChainWriter>>()));
        builder.Services.AddSingleton<TransitionAnchorClient>();
        builder.Services.AddSingleton<TransitionProofChecker>();
        return builder;
    }
}
