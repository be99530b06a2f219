using Microsoft.EntityFrameworkCore;
using TradeChain.Payments.Domain;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Payments.Infrastructure;

public sealed class PaymentsDbContext(DbContextOptions<PaymentsDbContext> options, ServiceIdentity service) : ServiceDbContext(options, service)
{
    public DbSet<DutyPayment> DutyPayments => Set<DutyPayment>();

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
    }
}
