using Microsoft.EntityFrameworkCore;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Payments.Migrations;

/// <summary>For dotnet-ef (scripts/migrations.sh): the migrations in Sqlite/ and Postgres/ beside this file are generated, not edited.</summary>
internal sealed class DesignTimeFactory : ServiceDesignTimeFactory<PaymentsDbContext>
{
    protected override PaymentsDbContext Create(DbContextOptions<PaymentsDbContext> options) => new(options);
}
