using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TradeChain.UnitTests;

/// <summary>Counts the saves that committed (an EF Core interceptor for a test's contexts).</summary>
internal sealed class SaveCounter : SaveChangesInterceptor
{
    public int Count;

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Count);
        return ValueTask.FromResult(result);
    }
}
