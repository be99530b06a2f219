using System.Diagnostics;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.ServiceDefaults.Messaging;

public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>False stops publishing (messages stay in the outbox). Used to prove a crash before publishing loses nothing.</summary>
    public bool DispatchEnabled { get; set; } = true;

    public int BatchSize { get; set; } = 100;

    public int PollIntervalMs { get; set; } = 1000;

    /// <summary>
    /// A message that cannot be published this often (its type or payload is at fault) is left in the outbox, with its last
    /// error, for an operator. Failures of the broker do not count: those rows wait for the broker, however long it is away.
    /// </summary>
    public int MaxAttempts { get; set; } = 20;
}

/// <summary>
/// Publishes what the outbox holds, oldest first, each with its stored MessageId, and marks a batch of them sent in one
/// transaction. A crash between publishing and marking means the batch is published again: consumers are idempotent on
/// the MessageId, so delivery is at least once and the effect exactly once.
/// </summary>
public sealed class OutboxDispatcher(
    IServiceScopeFactory scopes, IBus bus, WorkSignal signal, IOptions<OutboxOptions> options, ILogger<OutboxDispatcher> logger)
    : BackgroundService
{
    private readonly WorkSignal.WakeUp _wakeUp = signal.Register();

    private static readonly ActivitySource Source = new("TradeChain.Outbox");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.DispatchEnabled)
        {
            logger.LogWarning("Outbox dispatch is disabled (Outbox:DispatchEnabled=false): messages stay in the outbox");
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var published = await DispatchBatchAsync(stoppingToken);
                if (published < options.Value.BatchSize)
                    await _wakeUp.WaitAsync(TimeSpan.FromMilliseconds(options.Value.PollIntervalMs), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                logger.LogError(e, "Outbox dispatch failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    public async Task<int> DispatchBatchAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDbContext>();
        var maxAttempts = options.Value.MaxAttempts;
        var pending = await db.Outbox.Where(m => m.SentAtUnixMs == null && m.Attempts < maxAttempts).OrderBy(m => m.Id).Take(options.Value.BatchSize).ToListAsync(ct);
        try
        {
            foreach (var row in pending)
            {
                try
                {
                    var type = MessageTypes.Resolve(row.MessageType);
                    var message = JsonSerializer.Deserialize(row.Payload, type, ServiceDbContext.MessageJson)!;
                    // The trace of the work that wrote the message continues here, and over the bus through MassTransit's headers.
                    using var activity = Source.StartActivity($"outbox publish {row.MessageType}", ActivityKind.Producer,
                        TraceContext.Parse(row.TraceParent, row.TraceState) ?? default);
                    await bus.Publish(message, type, Pipe.Execute<PublishContext>(ctx => ctx.MessageId = row.MessageId), ct);
                    row.SentAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Only a message that cannot be published (its type unknown, its payload unreadable) uses up its attempts.
                    // A broker that is away is nobody's message's fault: however long the outage, every row waits for it.
                    var messageAtFault = e is InvalidOperationException or JsonException;
                    if (messageAtFault) row.Attempts++;
                    row.LastError = e.Message;
                    logger.LogWarning(e, "Publishing outbox message {MessageId} ({Type}) failed, attempt {Attempts} of {MaxAttempts}", row.MessageId, row.MessageType, row.Attempts, maxAttempts);
                    if (!messageAtFault) throw; // the broker is the problem: stop and retry the rest of the batch later
                    // this message is the problem: do not hold back the ones behind it
                }
            }
        }
        finally
        {
            // Group commit: the batch's rows are marked in one transaction, also when it stopped part-way (what was published
            // stays published). A crash before it publishes the batch again: consumers are idempotent on the MessageId.
            if (db.ChangeTracker.HasChanges()) await db.SaveChangesAsync(CancellationToken.None);
        }
        return pending.Count;
    }
}
