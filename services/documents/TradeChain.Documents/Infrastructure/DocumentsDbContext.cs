using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Documents.Infrastructure;

public sealed class DocumentsDbContext(DbContextOptions<DocumentsDbContext> options, ServiceIdentity service) : ServiceDbContext(options, service)
{
    public DbSet<TradeDocument> Documents => Set<TradeDocument>();

    protected override void ConfigureDomain(ModelBuilder model)
    {
        model.Entity<TradeDocument>(e =>
        {
            e.ToTable("documents");
            e.HasKey(d => d.Id);
            e.HasIndex(d => d.Hash).IsUnique();
            e.HasIndex(d => new { d.Status, d.SubmittedAtUnixMs });
            e.HasIndex(d => d.OwnerParty);
            e.Property(d => d.Status).HasConversion<string>();
            e.Property(d => d.Version).IsConcurrencyToken();
            e.Ignore(d => d.PendingTransitions);
        });
    }
}
