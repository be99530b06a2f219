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
        builder.Services.AddOptions<ChainOptions>().Bind(builder.Configuration.GetSection(ChainOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
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
