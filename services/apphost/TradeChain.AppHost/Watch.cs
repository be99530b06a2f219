using Microsoft.Extensions.DependencyInjection;

namespace TradeChain.AppHost;

/// <summary>What the run command and the tests both need to know about a running system.</summary>
public static class Watch
{
    /// <summary>
    /// The first resource that fails to start or exits with an error (a deploy that failed leaves the services waiting
    /// for ever; a service that crashed at start never becomes ready): its name and state. Ends only on cancellation otherwise.
    /// </summary>
    public static async Task<(string Resource, string State)> FirstFailureAsync(DistributedApplication app, CancellationToken cancellation)
    {
        await foreach (var e in app.ResourceNotifications.WatchAsync(cancellation))
        {
            var state = e.Snapshot.State?.Text;
            if (state == KnownResourceStates.FailedToStart || (state == KnownResourceStates.Exited && e.Snapshot.ExitCode is not null and not 0))
                return (e.Resource.Name, state + (e.Snapshot.ExitCode is { } code ? $" (exit code {code})" : ""));
        }
        throw new OperationCanceledException(cancellation);
    }

    /// <summary>The last lines a resource has logged so far.</summary>
    public static async Task<IReadOnlyList<string>> RecentLogAsync(DistributedApplication app, string resource, int lines)
    {
        using var backlog = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var seen = new List<string>();
        try
        {
            await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(Resource(app, resource)).WithCancellation(backlog.Token))
                seen.AddRange(batch.Select(l => l.Content));
        }
        catch (OperationCanceledException) { }
        return seen.TakeLast(lines).ToList();
    }

    /// <summary>A resource of the running model by its name (its logs are kept per instance, under another id).</summary>
    public static IResource Resource(DistributedApplication app, string name) =>
        app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name);

    /// <summary>The operating-system process of a running executable resource, if it has one now.</summary>
    public static int? ProcessId(DistributedApplication app, string resource) =>
        app.ResourceNotifications.TryGetCurrentState(resource, out var e) &&
        e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } pid &&
        int.TryParse(pid.ToString(), out var id) ? id : null;
}
