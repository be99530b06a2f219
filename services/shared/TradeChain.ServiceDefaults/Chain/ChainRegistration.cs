using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TradeChain.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.ServiceDefaults.Chain;

public static class ChainRegistration
{
    /// <summary>The service's chain writer, contract clients, anchoring worker and chain health check (section "Chain").</summary>
    public static IHostApplicationBuilder AddLedger(this IHostApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<ChainOptions>().Bind(builder.Configuration.GetSection(ChainOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ChainOptions>>(new ProblemsValidation<ChainOptions>(o => o.SigningProblems(development)));
        builder.Services.AddOptions<AnchoringOptions>().Bind(builder.Configuration.GetSection(AnchoringOptions.Section));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<ChainOptions>>().Value);
        builder.Services.AddSingleton(sp => new ChainWriter(sp.GetRequiredService<ChainOptions>(), sp.GetRequiredService<ILogger<ChainWriter>>()));
        builder.Services.AddSingleton<TransitionAnchorClient>();
        builder.Services.AddSingleton<DocumentStoreClient>();
        builder.Services.AddSingleton<AnchoringWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AnchoringWorker>());
        builder.Services.AddScoped<TransitionHistory>();
        // Not readiness: the services keep serving their APIs while the chain stalls (transitions wait for anchoring).
        builder.Services.AddHealthChecks().AddCheck<ChainHealthCheck>("chain", HealthStatus.Degraded, tags: [HealthTags.Dependencies], timeout: HealthTags.CheckTimeout);
        return builder;
    }

    /// <summary>
    /// The parties' accounts (section "Parties", <see cref="PartyWallets"/>) for a service that signs parties' steps. Startup
    /// fails outside Development if a party's key is configured: there each party's key stays with its own remote signer.
    /// </summary>
    public static IHostApplicationBuilder AddPartyWallets(this IHostApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<PartyAccountOptions>().Bind(builder.Configuration.GetSection(PartyAccountOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PartyAccountOptions>>(new ProblemsValidation<PartyAccountOptions>(o => o.Problems(development)));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<PartyAccountOptions>>().Value);
        builder.Services.AddSingleton<PartyWallets>();
        return builder;
    }

    /// <summary>Options validation that reports every problem the options name, each as its own failure.</summary>
    private sealed class ProblemsValidation<TOptions>(Func<TOptions, IEnumerable<string>> problems) : IValidateOptions<TOptions> where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var found = problems(options).ToList();
            return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
        }
    }

    /// <summary>
    /// Indexes the contract events the service reads (<paramref name="sources"/>, from its chain configuration) into its
    /// own database with a hosted <see cref="ChainIndexer"/>; readers use <see cref="ChainIndex"/> (section "ChainIndex").
    /// </summary>
    public static IHostApplicationBuilder AddChainIndex(this IHostApplicationBuilder builder, Func<ChainOptions, IEnumerable<ChainEventSource>> sources)
    {
        builder.Services.AddOptions<ChainIndexOptions>().Bind(builder.Configuration.GetSection(ChainIndexOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => new ChainIndex(sources(sp.GetRequiredService<ChainOptions>()).ToList(),
            sp.GetRequiredService<ChainWriter>(), sp.GetRequiredService<ChainOptions>(), sp.GetRequiredService<IOptions<ChainIndexOptions>>()));
        builder.Services.AddSingleton<ChainIndexer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChainIndexer>());
        return builder;
    }
}

/// <summary>
/// Healthy when the chain node answers and the anchor contract exists at the configured address; otherwise degraded.
/// Its words name no address and no exception: health output is read by whoever can reach the port.
/// </summary>
public sealed class ChainHealthCheck(ChainWriter writer, ChainOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var block = await writer.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync().WaitAsync(cancellationToken);
            var code = await writer.Web3.Eth.GetCode.SendRequestAsync(options.TransitionAnchorAddress).WaitAsync(cancellationToken);
            return code is { Length: > 2 }
                ? HealthCheckResult.Healthy($"block {block.Value}")
                : new HealthCheckResult(context.Registration.FailureStatus, "the chain answers but has no TransitionAnchor contract at the configured address");
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "the chain node does not answer: transitions wait for anchoring");
        }
    }
}
