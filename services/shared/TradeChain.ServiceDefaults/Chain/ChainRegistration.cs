using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
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
        builder.Services.AddHealthChecks().AddCheck<ChainHealthCheck>("chain", tags: ["ready"]);
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

/// <summary>Ready when the chain node answers and the anchor contract exists at the configured address.</summary>
public sealed class ChainHealthCheck(ChainWriter writer, ChainOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var block = await writer.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync();
            var code = await writer.Web3.Eth.GetCode.SendRequestAsync(options.TransitionAnchorAddress);
            return code is { Length: > 2 }
                ? HealthCheckResult.Healthy($"block {block.Value}")
                : HealthCheckResult.Unhealthy($"no TransitionAnchor contract at {options.TransitionAnchorAddress}");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy($"chain node {options.RpcUrl} unreachable: {e.Message}");
        }
    }
}
