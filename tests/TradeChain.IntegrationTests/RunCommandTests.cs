using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using TradeChain.Testing;
using Xunit.Abstractions;

namespace TradeChain.IntegrationTests;

/// <summary>
/// README's run command as a user runs it: <c>scripts/run.sh</c> in a terminal, stopped with Ctrl-C. Every process it
/// started — the AppHost, Aspire's orchestrator, RabbitMQ, anvil, the bank signer, the services, the console — is gone
/// afterwards (issue 14, item 8: before commit c6d9736 a Ctrl-C left a <c>sleep 3600</c> child running for up to an hour).
/// </summary>
[Collection(Infrastructure.AloneCollection.Name)]
public sealed class RunCommandTests(ITestOutputHelper output)
{
    private const int SigInt = 2;

    [Fact]
    public async Task Ctrl_C_of_the_run_command_stops_every_process_it_started()
    {
        var root = FindRoot();
        var state = TestEnvironment.NewTempDirectory("run-command");
        var ports = new Dictionary<string, int>
        {
            ["CONSOLE_PORT"] = TestEnvironment.FreePort(), ["CUSTOMS_PORT"] = TestEnvironment.FreePort(), ["DOCUMENTS_PORT"] = TestEnvironment.FreePort(),
            ["PAYMENTS_PORT"] = TestEnvironment.FreePort(), ["AMQP_PORT"] = TestEnvironment.BrokerPort(), ["RABBIT_MGMT_PORT"] = TestEnvironment.FreePort(),
            ["ANVIL_PORT"] = TestEnvironment.FreePort(), ["BANK_SIGNER_PORT"] = TestEnvironment.FreePort(),
        };
        var dashboard = new[] { TestEnvironment.FreePort(), TestEnvironment.FreePort(), TestEnvironment.FreePort() };

        // setsid: the run gets a process group of its own, as a terminal's foreground job has; Ctrl-C is SIGINT to that group.
        // env --default-signal=INT: as in a terminal, SIGINT is not ignored — a test runner started in the background by a
        // script without job control (as CI may be) passes SIGINT down ignored, and a shell cannot trap an ignored signal.
        var start = new ProcessStartInfo("setsid") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "env", "--default-signal=INT", "bash", Path.Combine(root, "scripts", "run.sh") }) start.ArgumentList.Add(argument);
        foreach (var (name, port) in ports) start.Environment[name] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["STATE_DIR"] = state;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{dashboard[0]}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{dashboard[1]}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{dashboard[2]}";

        var log = new StringBuilder();
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var run = new Process { StartInfo = start };
        void Read(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (log) log.AppendLine(e.Data);
            if (e.Data.Contains("TradeChain is up.", StringComparison.Ordinal)) up.TrySetResult();
        }
        run.OutputDataReceived += Read;
        run.ErrorDataReceived += Read;
        run.Start();
        run.BeginOutputReadLine();
        run.BeginErrorReadLine();
        var started = new HashSet<(int Pid, long StartTime)>();
        try
        {
            // Installs are done (the test command made them); the build of the AppHost in Release is at most a few minutes.
            var exited = run.WaitForExitAsync();
            if (await Task.WhenAny(up.Task, exited, Task.Delay(TimeSpan.FromMinutes(8))) != up.Task)
                Assert.Fail($"the run command did not come up (exited: {run.HasExited}):\n{Tail(log)}");
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
            {
                foreach (var service in new[] { "CUSTOMS_PORT", "DOCUMENTS_PORT", "PAYMENTS_PORT" })
                    (await http.GetAsync($"http://127.0.0.1:{ports[service]}/health/live")).EnsureSuccessStatusCode();
            }

            foreach (var process in Descendants(run.Id)) started.Add(process);
            output.WriteLine($"{started.Count} processes of the run: {string.Join(", ", started.Select(p => $"{p.Pid} {Name(p.Pid)}"))}");
            Assert.Contains(started, p => Name(p.Pid) == "anvil");
            Assert.Contains(started, p => Name(p.Pid) is "beam.smp" or "erl");

            Assert.Equal(0, kill(-run.Id, SigInt)); // Ctrl-C
            using (var patience = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
            {
                try { await run.WaitForExitAsync(patience.Token); }
                catch (OperationCanceledException) { Assert.Fail($"the run command did not stop within 3 minutes of Ctrl-C:\n{Tail(log)}"); }
            }
            Assert.Equal(130, run.ExitCode);

            // The command returned: nothing it started may outlive it (a moment for the last exits to be reaped).
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (started.Any(Alive) && DateTime.UtcNow < deadline) await Task.Delay(200);
            var left = started.Where(Alive).Select(p => $"{p.Pid} {Name(p.Pid)}: {CommandLine(p.Pid)}").ToList();
            Assert.True(left.Count == 0, $"still running after Ctrl-C:\n{string.Join("\n", left)}\n{Tail(log)}");
            foreach (var (name, port) in ports) Assert.False(Listening(port), $"{name} {port} still has a listener after Ctrl-C");
            Assert.Contains("[run] stopped", Tail(log));
        }
        finally
        {
            if (!run.HasExited) kill(-run.Id, 9);
            foreach (var process in started.Where(Alive)) kill(process.Pid, 9); // a failed run leaves nothing behind for the next tests
        }
    }

    [Fact]
    public void Fresh_deletes_only_a_state_directory_TradeChain_made()
    {
        var someonesFiles = TestEnvironment.NewTempDirectory("not-state");
        File.WriteAllText(Path.Combine(someonesFiles, "thesis.txt"), "years of work");
        var refused = Assert.Throws<InvalidOperationException>(() => TradeChain.AppHost.TradeChainModel.DeleteState(someonesFiles));
        Assert.Contains("holds files TradeChain did not make", refused.Message);
        Assert.True(File.Exists(Path.Combine(someonesFiles, "thesis.txt")));

        var state = TestEnvironment.NewTempDirectory("state");
        File.WriteAllText(Path.Combine(state, "layout"), "any");
        Directory.CreateDirectory(Path.Combine(state, "data"));
        TradeChain.AppHost.TradeChainModel.DeleteState(state);
        Assert.False(Directory.Exists(state));

        var empty = TestEnvironment.NewTempDirectory("empty");
        TradeChain.AppHost.TradeChainModel.DeleteState(empty);
        Assert.False(Directory.Exists(empty));
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TradeChain.sln"))) return dir.FullName;
        throw new InvalidOperationException("TradeChain.sln not found");
    }

    private static string Tail(StringBuilder log)
    {
        lock (log)
        {
            var lines = log.ToString().Split('\n');
            return string.Join("\n", lines.TakeLast(60));
        }
    }

    /// <summary>
    /// Every process of the run: below <paramref name="pid"/> (children, their children…), and Aspire's orchestrator (DCP),
    /// which detaches from the AppHost and watches it instead (<c>dcp … --monitor &lt;pid&gt;</c>), with everything below it.
    /// Each with its start time, so that a reused pid is not mistaken for it.
    /// </summary>
    private static IReadOnlyCollection<(int Pid, long StartTime)> Descendants(int pid)
    {
        var children = new Dictionary<int, List<int>>();
        var monitors = new Dictionary<int, List<int>>(); // watched pid → DCP processes watching it
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var p) || Stat(p) is not { } stat) continue;
            (children.TryGetValue(stat.Parent, out var list) ? list : children[stat.Parent] = []).Add(p);
            var arguments = CommandLine(p).Split(' ');
            var at = Array.IndexOf(arguments, "--monitor");
            if (at >= 0 && at + 1 < arguments.Length && int.TryParse(arguments[at + 1], out var watched))
                (monitors.TryGetValue(watched, out var watchers) ? watchers : monitors[watched] = []).Add(p);
        }
        var found = new Dictionary<int, long>();
        var queue = new Queue<int>([pid]);
        while (queue.Count > 0)
        {
            var parent = queue.Dequeue();
            foreach (var next in (children.GetValueOrDefault(parent) ?? []).Concat(monitors.GetValueOrDefault(parent) ?? []))
            {
                if (found.ContainsKey(next) || Stat(next) is not { } stat) continue;
                found[next] = stat.StartTime;
                queue.Enqueue(next);
            }
        }
        return found.Select(f => (f.Key, f.Value)).ToList();
    }

    /// <summary>/proc/pid/stat: parent pid, state and start time (fields 4, 3 and 22; the name in field 2 may hold spaces).</summary>
    private static (int Parent, char State, long StartTime)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[1], CultureInfo.InvariantCulture), fields[0][0], long.Parse(fields[19], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
    }

    private static bool Alive((int Pid, long StartTime) process) =>
        Stat(process.Pid) is { } stat && stat.StartTime == process.StartTime && stat.State != 'Z';

    private static string Name(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (IOException) { return "?"; }
    }

    private static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim(); }
        catch (IOException) { return "?"; }
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException) { return false; }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
