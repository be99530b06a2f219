using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Documents.Migrations;

/// <summary>For dotnet-ef (scripts/migrations.sh): the migrations in Sqlite/ and Postgres/ beside this file are generated, not edited.</summary>
internal sealed class DesignTimeFactory : ServiceDesignTimeFactory<DocumentsDbContext>
{
    protected override DocumentsDbContext Create(DbContextOptions<DocumentsDbContext> options) => new(options);
}
