using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TradeChain.Domain;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Telemetry;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>
/// The base of every service's database: besides the service's own tables it holds the outbox, the inbox and
/// the transition log. Saving an aggregate writes its pending transitions in the same transaction, and the
/// integration messages its domain events map to (<see cref="IntegrationMessagesFor"/>) to the outbox in the same
/// transaction — state, messages and chain record commit together or not at all.
/// </summary>
/// <param name="service">The service whose transitions this database records (the name in the transition log).</param>
/// <param name="changes">
/// Woken when a record's transition commits (long-poll of its status, and of the lists of its kind: <see cref="ListChanges.AnyOf"/>):
/// when not given, the options' (<see cref="RecordChangesExtension"/>);
/// absent when they carry none (tools, tests).
/// </param>
public abstract class ServiceDbContext(DbContextOptions options, ServiceIdentity service, RecordChanges? changes = null) : DbContext(options)
{
    private readonly RecordChanges? _changes = changes ?? RecordChangesExtension.Of(options);

    public static readonly JsonSerializerOptions MessageJson = new(JsonSerializerDefaults.Web);

    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    public DbSet<ProcessedMessage> ProcessedMessages => Set<ProcessedMessage>();

    public DbSet<TransitionRecord> Transitions => Set<TransitionRecord>();

    /// <summary>The contract events the service indexes (<see cref="Chain.ChainIndexer"/>), and how far it has read each source.</summary>
    public DbSet<Chain.ChainEventRecord> ChainEvents => Set<Chain.ChainEventRecord>();

    public DbSet<Chain.ChainCursor> ChainCursors => Set<Chain.ChainCursor>();

    public string ServiceName => service.Name;

    /// <summary>
    /// Queues a reply of a conversation (<see cref="Messaging.IdempotentResponder{TRequest, TReply}"/>) for publishing once
    /// this unit of work commits. Not for services: what they announce comes from their aggregates' domain events.
    /// </summary>
    internal void Reply<T>(T message) where T : class => PublishMessage(message);

    private void PublishMessage(object message)
    {
        var (traceParent, traceState) = TraceContext.Capture();
        Outbox.Add(new OutboxMessage
        {
            MessageId = Guid.NewGuid(),
            MessageType = MessageTypes.NameOf(message.GetType()),
            Payload = JsonSerializer.Serialize(message, message.GetType(), MessageJson),
            TraceParent = traceParent,
            TraceState = traceState,
            CreatedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });
    }

    /// <summary>
    /// The service's one mapping from a domain event to the integration messages other services receive. Called
    /// while saving, so the messages enter the outbox in the same transaction as the state that raised the event.
    /// </summary>
    protected virtual IEnumerable<object> IntegrationMessagesFor(Aggregate source, IDomainEvent domainEvent) => [];

    /// <summary>
    /// The keys (<see cref="RecordChanges.KeyOf"/>, <see cref="ListChanges.AnyOf"/>) of what this save changes that is no
    /// record's transition — a payments account's movements, which are ledger entries — so that the requests following
    /// them are woken when the save commits, as a transition wakes its record's. Read from the change tracker before the
    /// save. Another replica's such save moves no transition log head: its followers see it at their own periodic read
    /// (or at the head look, when the same save also recorded a transition).
    /// </summary>
    protected virtual IEnumerable<string> ChangedWithoutTransition() => [];

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        foreach (var source in ChangeTracker.Entries<Aggregate>().Select(e => e.Entity).Where(a => a.DomainEvents.Count > 0).ToList())
        {
            foreach (var domainEvent in source.DomainEvents)
                foreach (var message in IntegrationMessagesFor(source, domainEvent)) PublishMessage(message);
            source.ClearDomainEvents(); // now outbox rows in this unit of work: a retried save must not add them twice
        }
        var aggregates = ChangeTracker.Entries<Aggregate>().Select(e => e.Entity).Where(a => a.PendingTransitions.Count > 0).ToList();
        var (traceParent, traceState) = TraceContext.Capture();
        var recorded = new List<TransitionRecord>();
        var others = ChangedWithoutTransition().ToList();
        List<string>? parents = others.Count > 0 ? others : null;
        foreach (var aggregate in aggregates)
        {
            // A part's transition (a credit's presentation) is logged under the part's own key; those who follow the whole
            // (a credit's page) are woken by it too.
            if (aggregate.PendingTransitions.Any(t => t.PartType is not null))
                (parents ??= []).AddRange([RecordChanges.KeyOf(aggregate.AggregateType, aggregate.AggregateKey), ListChanges.AnyOf(aggregate.AggregateType)]);
            foreach (var t in aggregate.PendingTransitions)
            {
                var record = new TransitionRecord
                {
                    Service = service.Name,
                    AggregateType = t.PartType ?? aggregate.AggregateType,
                    AggregateId = t.PartKey ?? aggregate.AggregateKey,
                    Sequence = t.Sequence,
                    FromState = t.FromState,
                    ToState = t.ToState,
                    Actor = t.Actor,
                    Reason = t.Reason,
                    ResponseCode = t.ResponseCode,
                    OccurredAtUnixMs = t.OccurredAtUnixMs,
                    TraceParent = traceParent,
                    TraceState = traceState,
                };
                Transitions.Add(record);
                recorded.Add(record);
            }
        }
        var written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        foreach (var aggregate in aggregates) aggregate.ClearPendingTransitions();
        if (recorded.Count > 0 || parents is not null)
        {
            // In an explicit transaction the save is not committed yet: a request woken now would read the version, find
            // it unchanged and wait on. Announced when the transaction commits (TransactionEndInterceptor), forgotten if not.
            if (Database.CurrentTransaction is null) Announce(recorded, parents);
            else
            {
                (_awaitingCommit ??= []).AddRange(recorded);
                if (parents is not null) (_awaitingParents ??= []).AddRange(parents);
            }
        }
        return written;
    }

    /// <summary>
    /// Transitions saved in the open transaction, announced when it commits, and the other keys to wake then: the wholes
    /// whose parts they are, and what changed without a transition (<see cref="ChangedWithoutTransition"/>).
    /// </summary>
    private List<TransitionRecord>? _awaitingCommit;
    private List<string>? _awaitingParents;

    /// <summary>
    /// A transaction of this context ended (<see cref="TransactionEndInterceptor"/>): committed, what its saves recorded is
    /// announced — the long-poll wake-ups of its records and of the lists of their kinds, and the transition counts; rolled back, it is forgotten. Every
    /// context configured by UseServiceDatabase has that interceptor.
    /// </summary>
    internal void TransactionEnded(bool committed)
    {
        var (recorded, parents) = (_awaitingCommit, _awaitingParents);
        (_awaitingCommit, _awaitingParents) = (null, null);
        if (committed && recorded is not null) Announce(recorded, parents);
    }

    /// <summary>
    /// A transaction of this context began, or was handed in with <c>UseTransaction</c>: whatever is still held belongs to
    /// one that ended without a commit or a rollback EF saw (disposed after a failure): forgotten, never announced by this
    /// one's commit.
    /// </summary>
    internal void TransactionStarted() => (_awaitingCommit, _awaitingParents) = (null, null);

    private void Announce(List<TransitionRecord> recorded, List<string>? parents)
    {
        if (recorded.Count > 0) OnTransitionsCommitted(recorded);
        // Each record's followers, and the lists of its kind waiting for a change (ListChanges); a part's whole likewise.
        _changes?.Committed(recorded.Select(r => RecordChanges.KeyOf(r.AggregateType, r.AggregateId))
            .Concat(recorded.Select(r => ListChanges.AnyOf(r.AggregateType))).Concat(parents ?? []));
    }

    /// <summary>
    /// A pooled context is returned to its pool on disposal and lent to the next unit of work (EF resets its own state):
    /// nothing a transaction of this use held back is carried into the next. The next transaction clears it anyway,
    /// whether begun through EF or handed in with <c>UseTransaction</c> (<see cref="TransactionStarted"/>); cleared here
    /// too, so that nothing of one use outlives it.
    /// </summary>
    public override ValueTask DisposeAsync()
    {
        (_awaitingCommit, _awaitingParents) = (null, null);
        return base.DisposeAsync();
    }

    public override void Dispose()
    {
        (_awaitingCommit, _awaitingParents) = (null, null);
        base.Dispose();
    }

    /// <summary>Called after a save that recorded transitions has committed (a service counts them in its metrics).</summary>
    protected virtual void OnTransitionsCommitted(IReadOnlyList<TransitionRecord> transitions) { }

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        throw new NotSupportedException("Use SaveChangesAsync: it records the aggregates' transitions.");

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<OutboxMessage>(e =>
        {
            e.ToTable("outbox");
            e.HasKey(m => m.Id);
            e.HasIndex(m => m.MessageId).IsUnique();
            e.HasIndex(m => new { m.SentAtUnixMs, m.Id });
        });
        model.Entity<ProcessedMessage>(e =>
        {
            e.ToTable("inbox");
            e.HasKey(m => new { m.MessageId, m.Consumer });
        });
        model.Entity<TransitionRecord>(e =>
        {
            e.ToTable("transitions");
            e.HasKey(t => t.Id);
            // A transition is recorded once: a replayed command cannot write the same step twice.
            e.HasIndex(t => new { t.AggregateType, t.AggregateId, t.Sequence }).IsUnique();
            e.HasIndex(t => new { t.BatchRoot, t.Id });
        });
        model.Entity<Chain.ChainCursor>(e =>
        {
            e.ToTable("chain_cursors");
            e.HasKey(c => c.Source);
        });
        model.Entity<Chain.ChainEventRecord>(e =>
        {
            e.ToTable("chain_events");
            e.HasKey(c => c.Id);
            // A log is stored once, whoever indexes it and however often.
            e.HasIndex(c => new { c.TransactionHash, c.LogIndex }).IsUnique();
            e.HasIndex(c => new { c.Contract, c.BlockNumber });
            // Events are looked up by what they index: a token id or a reference first, parties second and third.
            e.HasIndex(c => new { c.Contract, c.Topic1 });
            e.HasIndex(c => new { c.Contract, c.Topic2 });
            e.HasIndex(c => new { c.Contract, c.Topic3 });
        });
        model.Ignore<StateTransition>();
        ConfigureDomain(model);
        foreach (var entity in model.Model.GetEntityTypes().Where(t => typeof(Aggregate).IsAssignableFrom(t.ClrType) && t.BaseType is null).ToList())
        {
            model.Entity(entity.ClrType).Ignore(nameof(Aggregate.DomainEvents));
            model.Entity(entity.ClrType).Ignore(nameof(Aggregate.PendingTransitions));
        }
    }

    protected abstract void ConfigureDomain(ModelBuilder model);
}

/// <summary>The running service's name, as in the bus's queue names; a service context's static <c>Identity</c> names it in the transition log.</summary>
public sealed record ServiceIdentity(string Name);
