using System.Collections.Concurrent;
using System.Diagnostics;

namespace TradeChain.Testing;

/// <summary>One TradeChain service running as its own process from its build output, as in production.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ProcessStartInfo _startInfo;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    public ServiceProcess(string name, string dll, int port, IReadOnlyDictionary<string, string> settings)
    {
        Name = name;
        Port = port;
        _startInfo = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        _startInfo.Environment["Urls"] = BaseAddress.ToString().TrimEnd('/');
        _startInfo.Environment["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in settings) _startInfo.Environment[key.Replace(":", "__")] = value;
    }

    public string Name { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public string RecentOutput => string.Join(Environment.NewLine, _output.TakeLast(60));

    public void SetSetting(string key, string value) => _startInfo.Environment[key.Replace(":", "__")] = value;

    public async Task StartAsync()
    {
        _process = Process.Start(_startInfo)!;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{RecentOutput}");
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
        if (_process is null || _process.HasExited) return null;
        _process.Refresh();
        return (_process.TotalProcessorTime, _process.PeakWorkingSet64);
    }

    /// <summary>Kills the process at once, as a crash would: no graceful shutdown, nothing flushed.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 400 && _output.TryDequeue(out _)) { }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }
}
