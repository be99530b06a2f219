using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>
/// Carries the process's <see cref="RecordChanges"/> in a context's options, so that a service context needs nothing but
/// its options to be made: the condition for EF Core to pool it (<c>AddDbContextPool</c>, <see cref="DatabaseRegistration"/>).
/// A context whose options lack it announces nothing (tools, tests).
/// </summary>
public sealed class RecordChangesExtension(RecordChanges changes) : IDbContextOptionsExtension
{
    public RecordChanges Changes { get; } = changes;

    /// <summary>The record changes a context made from <paramref name="options"/> announces its commits to, if any.</summary>
    public static RecordChanges? Of(DbContextOptions options) => options.FindExtension<RecordChangesExtension>()?.Changes;

    private DbContextOptionsExtensionInfo? _info;

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services) { } // read by the context itself, never by EF's own services

    public void Validate(IDbContextOptions options) { }

    private sealed class ExtensionInfo(IDbContextOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => "";

        // It adds no EF service: contexts with different instances share EF's internal service provider.
        public override int GetServiceProviderHashCode() => 0;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) { }
    }
}
