using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Documents.Infrastructure;

/// <summary>A party's chain account, remembered so the endorsement chain can name parties instead of addresses.</summary>
public sealed class PartyAccount
{
    public string Address { get; set; } = "";

    public string Party { get; set; } = "";
}

/// <summary>
/// The documents service's database. Made from its options alone so that the service can pool its contexts
/// (<see cref="DatabaseRegistration"/>): the long-poll wake-ups of its records come with the options
/// (<see cref="RecordChangesExtension"/>, <c>UseServiceDatabase(changes:)</c>), absent unless they carry one (tools, tests).
/// </summary>
public sealed class DocumentsDbContext(DbContextOptions<DocumentsDbContext> options) : ServiceDbContext(options, Identity)
{
    /// <summary>The service whose transitions this database records (its name in the transition log and the service's own).</summary>
    public static readonly ServiceIdentity Identity = new("documents");

    public DbSet<TradeDocument> Documents => Set<TradeDocument>();

    public DbSet<IssuanceBatch> Batches => Set<IssuanceBatch>();

    public DbSet<PartyAccount> PartyAccounts => Set<PartyAccount>();

    public DbSet<DeclarationReference> DeclarationReferences => Set<DeclarationReference>();

    /// <summary>Whether a customs declaration references the document <paramref name="documentId"/> (customs officers may then read it).</summary>
    public Task<bool> IsReferencedByDeclarationAsync(Guid documentId, CancellationToken ct) =>
        DeclarationReferences.AnyAsync(r => r.DocumentId == documentId, ct);

    protected override void ConfigureDomain(ModelBuilder model)
    {
        model.Entity<TradeDocument>(e =>
        {
            e.ToTable("documents");
            e.HasKey(d => d.Id);
            e.HasIndex(d => d.Hash).IsUnique();
            e.HasIndex(d => d.MerkleRoot);
            e.HasIndex(d => d.BatchId);
            e.HasIndex(d => new { d.Status, d.SubmittedAtUnixMs });
            e.HasIndex(d => d.OwnerParty);
            // The revocations asked and not yet recorded (null otherwise: left out, so the index holds only those).
            e.HasIndex(d => d.RevocationRequestedAtUnixMs).HasFilter("\"RevocationRequestedAtUnixMs\" IS NOT NULL");
            e.Property(d => d.Status).HasConversion<string>();
            e.Property(d => d.Method).HasConversion<string>();
            e.Property(d => d.Version).IsConcurrencyToken();
            e.Ignore(d => d.Data);
            e.Ignore(d => d.Proof);
            e.Ignore(d => d.Wrapped);
            e.Ignore(d => d.TargetHash);
            e.Ignore(d => d.IsTransferable);
        });
        model.Entity<IssuanceBatch>(e =>
        {
            e.ToTable("issuance_batches");
            e.HasKey(b => b.Id);
            e.HasIndex(b => b.MerkleRoot).IsUnique();
            e.HasIndex(b => b.Confirmed);
            e.Property(b => b.Method).HasConversion<string>();
        });
        model.Entity<DeclarationReference>(e =>
        {
            e.ToTable("declaration_references");
            e.HasKey(r => new { r.DocumentId, r.DeclarationId });
            e.HasIndex(r => r.DeclarationId);
        });
        model.Entity<PartyAccount>(e =>
        {
            e.ToTable("party_accounts");
            e.HasKey(p => p.Address);
        });
    }
}
