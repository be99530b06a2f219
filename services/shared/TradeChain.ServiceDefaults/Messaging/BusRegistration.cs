using System.Reflection;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.ServiceDefaults.Messaging;

public static class BusRegistration
{
    /// <summary>
    /// MassTransit on RabbitMQ (ConnectionStrings:RabbitMq), with this assembly's consumers on queues prefixed by
    /// the service name (one queue per consumer), retries and delayed redeliveries with backoff (<see cref="RetrySchedule"/>),
    /// and the outbox dispatcher. A message that cannot be deserialised or fails every redelivery ends in the queue's
    /// _error queue, from which <c>tradechain replay-errors</c> puts it back; the service keeps running.
    /// <paramref name="consumes"/>, when given, leaves out the consumers it answers false for (this process does not
    /// listen on their queues; another process of the service does).
    /// </summary>
    public static IHostApplicationBuilder AddServiceBus(this IHostApplicationBuilder builder, Assembly consumers, Func<Type, bool>? consumes = null)
    {
        var service = builder.Services.ServiceName(builder);
        var rabbit = builder.Configuration.GetConnectionString("RabbitMq") ?? "amqp://guest:guest@localhost:5672/";
        builder.Services.Configure<OutboxOptions>(builder.Configuration.GetSection(OutboxOptions.Section));
        var schedule = builder.Configuration.GetSection(RetrySchedule.Section).Get<RetrySchedule>() ?? new RetrySchedule();
        var (retries, redeliveries) = (schedule.RetryIntervals, schedule.RedeliveryDelays); // a wrong setting stops the start, naming it
        var topology = new RedeliveryTopology(new Uri(rabbit));
        builder.Services.AddHostedService<OutboxDispatcher>();
        builder.Services.AddHostedService<OutboxDepthGauge>();
        builder.Services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(service, false));
            if (consumes is null) x.AddConsumers(consumers);
            else x.AddConsumers(consumes, consumers);
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
                // Redelivery first, so that it wraps the retries: in-process retries (about 41 s in all) ride out a chain
                // or database hiccup and a document still waiting for issuance; delayed redeliveries (minutes) ride out
                // an outage without holding the message; after the last one the message goes to the _error queue.
                cfg.UseRedelivery(redeliveries, topology, context.GetRequiredService<ILoggerFactory>().CreateLogger("TradeChain.Redelivery"));
                cfg.UseMessageRetry(r => ConfigureRetries(r, retries));
                cfg.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    /// <summary>
    /// The in-process retries of every consumer: a pause of each of <paramref name="intervals"/> (none: no retry). Not of a
    /// window whose messages failed each alone (<see cref="WindowMessagesFailedException"/>): those messages were retried
    /// within the window, and running the window whole again would only hold its place; each is redelivered instead.
    /// </summary>
    public static void ConfigureRetries(IRetryConfigurator retry, IReadOnlyList<TimeSpan> intervals)
    {
        if (intervals.Count == 0) retry.None();
        else retry.Intervals(intervals.ToArray());
        retry.Ignore<WindowMessagesFailedException>();
    }

    private static string ServiceName(this IServiceCollection services, IHostApplicationBuilder builder)
    {
        var identity = services.FirstOrDefault(d => d.ServiceType == typeof(ServiceIdentity))?.ImplementationInstance as ServiceIdentity;
        return identity?.Name ?? builder.Environment.ApplicationName;
    }
}
