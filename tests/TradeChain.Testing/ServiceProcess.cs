using System.Collections.Concurrent;
using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.AppHost;

namespace TradeChain.Testing;

/// <summary>
/// One process of a test's system (a service or the console), run by the AppHost's model from its build output as in
/// production. Settings given before the start (or between <see cref="KillAsync"/> and <see cref="StartAsync"/>) are
/// added to the model's configuration of it.
/// </summary>
public sealed class ServiceProcess
{
    private readonly ConcurrentDictionary<string, string> _settings = new();
    private readonly ConcurrentQueue<string> _output = new();
    private DistributedApplication? _app;

    internal ServiceProcess(string name, int port)
    {
        Name = name;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public string RecentOutput => string.Join(Environment.NewLine, _output.TakeLast(60));

    public void SetSetting(string key, string value) => _settings[key.Replace(":", "__")] = value;

    /// <summary>Adds this handle's settings to the model's resource (read again at every start).</summary>
    internal void Configure(IResourceBuilder<ExecutableResource> resource) => resource.WithEnvironment(context =>
    {
        foreach (var (key, value) in _settings) context.EnvironmentVariables[key] = value;
    });

    /// <summary>Keeps the process's output for <see cref="RecentOutput"/> until the system is disposed.</summary>
    internal void Follow(DistributedApplication app, CancellationToken stop)
    {
        _app = app;
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(Watch.Resource(app, Name)).WithCancellation(stop))
                    foreach (var line in batch) Keep(line.Content);
            }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
    }

    private DistributedApplication App => _app ?? throw new InvalidOperationException($"{Name} is not part of a started system");

    /// <summary>Starts the process again (after <see cref="KillAsync"/>) and waits until it is ready.</summary>
    public async Task StartAsync()
    {
        var result = await App.ResourceCommands.ExecuteCommandAsync(Name, KnownResourceCommands.StartCommand);
        if (!result.Success) throw new InvalidOperationException($"{Name} could not be started: {result.Message}");
        // The snapshot may still show the killed process's end ("Finished", exit code -1) for a moment: wait until the
        // new process is seen (or 30 s), so that only the new one's end counts as a failure.
        using (var seen = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                await App.ResourceNotifications.WaitForResourceAsync(Name,
                    e => e.Snapshot.State?.Text is not { } state || !KnownResourceStates.TerminalStates.Contains(state), seen.Token);
            }
            catch (OperationCanceledException) { } // WaitReadyAsync reports the state it finds
        }
        await WaitReadyAsync();
    }

    /// <summary>Waits until /health/ready answers; fails at once if the process exits.</summary>
    internal async Task WaitReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (App.ResourceNotifications.TryGetCurrentState(Name, out var e) && e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state))
                throw new InvalidOperationException($"{Name} {state} (exit code {e.Snapshot.ExitCode}):\n{RecentOutput}");
            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "health/ready"));
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{Name} was not ready within 90 s:\n{RecentOutput}");
    }

    /// <summary>CPU time used and peak resident memory (VmHWM) so far; null when the process is not running.</summary>
    public (TimeSpan Cpu, long PeakBytes)? Usage()
    {
        if (_app is null || Watch.ProcessId(_app, Name) is not { } pid) return null;
        try
        {
            using var process = Process.GetProcessById(pid);
            return (process.TotalProcessorTime, process.PeakWorkingSet64);
        }
        catch (ArgumentException) { return null; } // exited meanwhile
    }

    /// <summary>Kills the process at once, as a crash would: no graceful shutdown, nothing flushed.</summary>
    public async Task KillAsync()
    {
        if (Watch.ProcessId(App, Name) is not { } pid) return;
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        catch (ArgumentException) { } // already gone
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.ResourceNotifications.WaitForResourceAsync(Name, KnownResourceStates.TerminalStates, patience.Token);
    }

    private void Keep(string line)
    {
        _output.Enqueue(line);
        while (_output.Count > 400 && _output.TryDequeue(out _)) { }
    }
}
