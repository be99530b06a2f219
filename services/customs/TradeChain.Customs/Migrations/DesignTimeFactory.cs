using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Customs.Migrations;

/// <summary>For dotnet-ef (scripts/migrations.sh): the migrations in Sqlite/ and Postgres/ beside this file are generated, not edited.</summary>
internal sealed class DesignTimeFactory : ServiceDesignTimeFactory<CustomsDbContext>
{
    protected override CustomsDbContext Create(DbContextOptions<CustomsDbContext> options) => new(options);
}
