using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.ServiceDefaults.Chain;
using TradeChain.ServiceDefaults.Messaging;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.ServiceDefaults;

public static class TradeChainServiceExtensions
{
    /// <summary>
    /// Everything a TradeChain service is made of, in the order it must start: defaults (auth, telemetry, health,
    /// OpenAPI), its own database (schema ready before any worker reads it), the ledger and anchoring worker,
    /// and the bus with its outbox dispatcher and the service's consumers (those <paramref name="consumes"/> admits, if given).
    /// </summary>
    public static WebApplicationBuilder AddTradeChainService<TContext>(this WebApplicationBuilder builder, string serviceName, Assembly consumers,
        Func<Type, bool>? consumes = null)
        where TContext : ServiceDbContext
    {
        builder.AddServiceDefaults(serviceName);
        builder.AddServiceDatabase<TContext>();
        builder.AddLedger();
        builder.AddServiceBus(consumers, consumes);
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
