using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using TradeChain.Customs.Domain;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.Customs.Infrastructure;

public sealed class CustomsDbContext(DbContextOptions<CustomsDbContext> options, ServiceIdentity service) : ServiceDbContext(options, service)
{
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
            e.Property(d => d.Content).HasConversion(Json.Converter<DeclarationContent>(), Json.Comparer<DeclarationContent>());
            e.Property(d => d.PreviousVersions).HasConversion(Json.Converter<List<DeclarationVersion>>(), Json.Comparer<List<DeclarationVersion>>());
            e.Property(d => d.RequestedDocumentTypes).HasConversion(Json.Converter<List<string>>(), Json.Comparer<List<string>>());
            // Replaced whole on each verdict, so reference comparison sees the change.
            e.Property(d => d.DocumentVerdicts).HasConversion(Json.NullableConverter<List<RecordedVerdict>>());
            e.Property(d => d.LaneDecision).HasConversion(Json.NullableConverter<LaneDecision>());
            e.Property(d => d.Assessment).HasConversion(Json.NullableConverter<AssessmentNotice>());
            e.Property(d => d.Version).IsConcurrencyToken();
            e.Ignore(d => d.PendingTransitions);
            e.Ignore(d => d.Items);
            e.Ignore(d => d.DocumentHashes);
            e.Ignore(d => d.IsFinal);
            e.Ignore(d => d.Function);
        });
    }

    /// <summary>A release (08) announces itself in the same transaction as the state change (outbox): GoodsReleased.</summary>
    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        foreach (var declaration in ChangeTracker.Entries<Declaration>().Select(e => e.Entity))
        {
            var release = declaration.PendingTransitions.FirstOrDefault(t => t.ToState == nameof(DeclarationStatus.Released));
            if (release is not null)
                Publish(new TradeChain.Messages.GoodsReleased(declaration.Id, declaration.DeclarantParty, release.OccurredAtUnixMs));
        }
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>Counts each committed declaration transition in <c>tradechain.declarations</c> by the status it entered.</summary>
    protected override void OnTransitionsCommitted(IReadOnlyList<TransitionRecord> transitions)
    {
        foreach (var t in transitions)
        {
            if (t.AggregateType == "declaration")
                TradeChainMetrics.Declarations.Add(1, new KeyValuePair<string, object?>("status", t.ToState));
        }
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
