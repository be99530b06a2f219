using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using TradeChain.Customs.Application;
using TradeChain.Customs.Domain;
using TradeChain.Domain;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Transitions;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.Customs.Infrastructure;

/// <summary>
/// The customs service's database. Made from its options alone so that the service can pool its contexts
/// (<see cref="DatabaseRegistration"/>): the long-poll wake-ups of its records come with the options
/// (<see cref="RecordChangesExtension"/>, <c>UseServiceDatabase(changes:)</c>), absent unless they carry one (tools, tests).
/// </summary>
public sealed class CustomsDbContext(DbContextOptions<CustomsDbContext> options) : ServiceDbContext(options, Identity)
{
    /// <summary>The service whose transitions this database records (its name in the transition log and the service's own).</summary>
    public static readonly ServiceIdentity Identity = new("customs");

    public DbSet<Declaration> Declarations => Set<Declaration>();

    protected override void ConfigureDomain(ModelBuilder model)
    {
        model.Entity<Declaration>(e =>
        {
            e.ToTable("declarations");
            e.HasKey(d => d.Id);
            e.HasIndex(d => new { d.DeclarantParty, d.LocalReferenceNumber }).IsUnique();
            e.HasIndex(d => new { d.Status, d.Lane, d.OfficeOfDeclaration, d.LodgedAtUnixMs });
            e.HasIndex(d => d.AssignedOfficer);
            e.HasIndex(d => d.PaymentReference);
            e.Property(d => d.Type).HasConversion<string>();
            e.Property(d => d.Status).HasConversion<string>();
            e.Property(d => d.Lane).HasConversion<string>();
            e.Property(d => d.AmountPaid).HasConversion<string>();
            e.Property(d => d.SupplementaryAmount).HasConversion<string>();
            // The declaration as lodged (or amended): one immutable WCO message, read and replaced whole.
            e.Property(d => d.Content).HasConversion(Json.Converter<DeclarationContent>(), Json.Comparer<DeclarationContent>());
            // Single value objects, replaced whole: the committed selectivity decision and the assessment notice.
            e.Property(d => d.LaneDecision).HasConversion(Json.NullableConverter<LaneDecision>());
            e.Property(d => d.Assessment).HasConversion(Json.NullableConverter<AssessmentNotice>());
            e.OwnsMany(d => d.PreviousVersions, v =>
            {
                v.ToTable("declaration_versions");
                v.WithOwner().HasForeignKey("DeclarationId");
                v.HasKey("DeclarationId", nameof(DeclarationVersion.Number));
                v.Property(x => x.Content).HasConversion(Json.Converter<DeclarationContent>(), Json.Comparer<DeclarationContent>());
            });
            // Rows keep the order they were added in (the identity key), which is the order the API shows.
            e.OwnsMany<RequestedDocument>("RequestedDocuments", r =>
            {
                r.ToTable("declaration_requested_documents");
                r.WithOwner().HasForeignKey("DeclarationId");
                r.Property<long>("Id");
                r.HasKey("Id");
            });
            e.OwnsMany(d => d.DocumentVerdicts, v =>
            {
                v.ToTable("declaration_document_verdicts");
                v.WithOwner().HasForeignKey("DeclarationId");
                v.Property<long>("Id");
                v.HasKey("Id");
                v.OwnsMany(x => x.Checks, c =>
                {
                    c.ToTable("declaration_verdict_checks");
                    c.WithOwner().HasForeignKey("VerdictId");
                    c.Property<long>("Id");
                    c.HasKey("Id");
                });
            });
            e.Property(d => d.Version).IsConcurrencyToken();
            e.Ignore(d => d.Items);
            e.Ignore(d => d.DocumentHashes);
            e.Ignore(d => d.RequestedDocumentTypes);
            e.Ignore(d => d.IsFinal);
            e.Ignore(d => d.Function);
        });
    }

    protected override IEnumerable<object> IntegrationMessagesFor(Aggregate source, IDomainEvent domainEvent) => IntegrationEvents.For(domainEvent);

    /// <summary>
    /// A change to a declaration's own rows only (a late verification verdict kept, with no transition) would not
    /// touch the declarations row, so its <see cref="Aggregate.Version"/> concurrency token would not be checked and a
    /// decision taken on a stale read could overwrite a concurrent one. Such a declaration's row is written too
    /// (Version unchanged), so a concurrent change makes this save fail with a DbUpdateConcurrencyException and the
    /// caller (a consumer: the bus retries) starts again from the current state.
    /// </summary>
    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        ChangeTracker.DetectChanges();
        if (ChangeTracker.Entries().Any(e => e.Metadata.IsOwned() && e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted))
        {
            foreach (var declaration in ChangeTracker.Entries<Declaration>().Where(e => e.State == EntityState.Unchanged))
                declaration.Property(d => d.Version).IsModified = true;
        }
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>Counts each committed declaration transition in <c>tradechain.declarations</c> by the status it entered.</summary>
    protected override void OnTransitionsCommitted(IReadOnlyList<TransitionRecord> transitions)
    {
        foreach (var t in transitions.Where(t => t.AggregateType == Declaration.RecordType))
            TradeChainMetrics.Declarations.Add(1, new KeyValuePair<string, object?>("status", t.ToState));
    }
}

/// <summary>Value objects stored as JSON text, so the model stays plain C#.</summary>
internal static class Json
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public static Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<T, string> Converter<T>() where T : class =>
        new(v => JsonSerializer.Serialize(v, Options), s => JsonSerializer.Deserialize<T>(s, Options)!);

    public static Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<T?, string?> NullableConverter<T>() where T : class =>
        new(v => v == null ? null : JsonSerializer.Serialize(v, Options), s => s == null ? null : JsonSerializer.Deserialize<T>(s, Options));

    public static ValueComparer<T> Comparer<T>() where T : class =>
        new((a, b) => JsonSerializer.Serialize(a, Options) == JsonSerializer.Serialize(b, Options),
            v => JsonSerializer.Serialize(v, Options).GetHashCode(),
            v => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(v, Options), Options)!);
}
