using System.Reflection;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.ServiceDefaults.Messaging;

public static class BusRegistration
{
    /// <summary>
    /// MassTransit on RabbitMQ (ConnectionStrings:RabbitMq), with this assembly's consumers on queues prefixed by
    /// the service name, redelivery with backoff for transient failures, and the outbox dispatcher. A message that
    /// cannot be deserialised or keeps failing ends in the queue's _error queue; the service keeps running.
    /// </summary>
    public static IHostApplicationBuilder AddServiceBus(this IHostApplicationBuilder builder, Assembly consumers)
    {
        var service = builder.Services.ServiceName(builder);
        var rabbit = builder.Configuration.GetConnectionString("RabbitMq") ?? "amqp://guest:guest@localhost:5672/";
        builder.Services.Configure<OutboxOptions>(builder.Configuration.GetSection(OutboxOptions.Section));
        builder.Services.AddHostedService<OutboxDispatcher>();
        builder.Services.AddHostedService<OutboxDepthGauge>();
        builder.Services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(service, false));
            x.AddConsumers(consumers);
            // MassTransit 8.4+ reports usage to an internet host by default: a trade system sends nothing out unasked.
            x.ConfigureUsageTelemetryOptions(o => o.Enabled = false);
            x.ConfigureHealthCheckOptions(options =>
            {
                // A dependency, not readiness: the API answers while the broker is away (the outbox keeps the messages).
                options.Name = "bus";
                options.Tags.Add(HealthTags.Dependencies);
                options.MinimalFailureStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded;
            });
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(new Uri(rabbit));
                // In-process retries with backoff (about 40 s in all) ride out a chain or database hiccup and a
                // document still waiting for issuance; after that the message goes to the _error queue.
                cfg.UseMessageRetry(r => r.Intervals(200, 500, 1000, 2000, 4000, 8000, 10000, 15000));
                cfg.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    private static string ServiceName(this IServiceCollection services, IHostApplicationBuilder builder)
    {
        var identity = services.FirstOrDefault(d => d.ServiceType == typeof(ServiceIdentity))?.ImplementationInstance as ServiceIdentity;
        return identity?.Name ?? builder.Environment.ApplicationName;
    }
}
