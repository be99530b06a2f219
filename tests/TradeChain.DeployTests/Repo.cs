using System.Diagnostics;

namespace TradeChain.DeployTests;

/// <summary>The repository root and small process helpers for the deployment checks.</summary>
internal static class Repo
{
    public static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TradeChain.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"TradeChain.sln not found above {AppContext.BaseDirectory}");
    }

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public sealed record ProcessResult(int ExitCode, string Output);

    public static async Task<ProcessResult> RunAsync(string fileName, string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}");
        }
        return new ProcessResult(process.ExitCode, await stdout + await stderr);
    }
}
