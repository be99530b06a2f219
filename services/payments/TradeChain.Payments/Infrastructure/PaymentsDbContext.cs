using Microsoft.EntityFrameworkCore;
using TradeChain.Payments.Domain;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Payments.Infrastructure;

public sealed class PaymentsDbContext(DbContextOptions<PaymentsDbContext> options, ServiceIdentity service) : ServiceDbContext(options, service)
{
    public DbSet<DutyPayment> DutyPayments => Set<DutyPayment>();

    public DbSet<Domain.Credits.DocumentaryCredit> Credits => Set<Domain.Credits.DocumentaryCredit>();

    public DbSet<SettlementAccount> Accounts => Set<SettlementAccount>();

    public DbSet<LedgerEntry> Entries => Set<LedgerEntry>();

    public DbSet<AccountMandate> Mandates => Set<AccountMandate>();

    public DbSet<Iso20022Message> Messages => Set<Iso20022Message>();

    protected override void ConfigureDomain(ModelBuilder model)
    {
        model.Entity<DutyPayment>(e =>
        {
            e.ToTable("duty_payments");
            e.HasKey(p => p.Reference);
            e.HasIndex(p => p.DeclarationId);
            e.HasIndex(p => p.PayerParty);
            e.Property(p => p.Status).HasConversion<string>();
            e.Property(p => p.Amount).HasConversion<string>();
            e.Property(p => p.Version).IsConcurrencyToken();
            e.Ignore(p => p.PendingTransitions);
        });
        model.Entity<Domain.Credits.DocumentaryCredit>(e =>
        {
            e.ToTable("credits");
            e.HasKey(c => c.Id);
            e.HasIndex(c => c.Number).IsUnique();
            e.HasIndex(c => c.ApplicantParty);
            e.HasIndex(c => c.BeneficiaryParty);
            e.Property(c => c.Status).HasConversion<string>();
            e.Property(c => c.Drawn).HasConversion<string>();
            e.Property(c => c.Version).IsConcurrencyToken();
            e.Ignore(c => c.PendingTransitions);
            e.Ignore(c => c.Terms);
            e.Ignore(c => c.Amendments);
            e.Ignore(c => c.Presentations);
        });
        model.Entity<SettlementAccount>(e =>
        {
            e.ToTable("accounts");
            e.HasKey(a => new { a.Party, a.Currency });
        });
        model.Entity<AccountMandate>(e =>
        {
            e.ToTable("account_mandates");
            e.HasKey(m => new { m.Party, m.Currency });
        });
        model.Entity<LedgerEntry>(e =>
        {
            e.ToTable("ledger_entries");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.Party, x.Currency });
            e.HasIndex(x => new { x.Kind, x.Reference, x.Party }).IsUnique(); // one entry per movement: a retry cannot book twice
        });
        model.Entity<Iso20022Message>(e =>
        {
            e.ToTable("iso20022_messages");
            e.HasKey(m => m.Id);
            e.HasIndex(m => m.Subject);
        });
    }
}
