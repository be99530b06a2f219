using System.Globalization;
using System.Runtime.InteropServices;

namespace TradeChain.Bench;

/// <summary>
/// CPU time of other processes from Linux's /proc: user + system time of every thread of the process
/// (/proc/&lt;pid&gt;/stat fields 14 and 15, in clock ticks; a process tree with its reaped children, 16 and 17, in <see cref="OfTree"/>), and the process listening on a TCP port.
/// </summary>
public static class ProcessCpu
{
    private static readonly Lazy<long> TicksPerSecond = new(() => OperatingSystem.IsLinux() && sysconf(ScClkTck) is > 0 and var t ? t : 100);

    /// <summary>CPU time used so far by <paramref name="pid"/> (null when it is gone or this is not Linux).</summary>
    public static TimeSpan? Of(int pid)
    {
        try { return ParseStat(File.ReadAllText($"/proc/{pid}/stat"), TicksPerSecond.Value); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// CPU time used so far by <paramref name="pid"/> and every process under it (PostgreSQL: the postmaster and a backend
    /// per connection): each live process's own time and its reaped children's (fields 14–17), so a backend that exits
    /// keeps counting through its parent. Null when <paramref name="pid"/> is gone or this is not Linux.
    /// </summary>
    public static TimeSpan? OfTree(int pid)
    {
        var stats = new Dictionary<int, string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var id)) continue;
            try { stats[id] = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // gone meanwhile
        }
        return SumTree(stats, pid, TicksPerSecond.Value);
    }

    /// <summary>The CPU time of <paramref name="root"/>'s tree in <paramref name="stats"/> (pid → its /proc stat line): see <see cref="OfTree"/>.</summary>
    public static TimeSpan? SumTree(IReadOnlyDictionary<int, string> stats, int root, long ticksPerSecond)
    {
        if (!stats.ContainsKey(root)) return null;
        var children = stats.GroupBy(s => Fields(s.Value)[1]).ToDictionary(g => g.Key, g => g.Select(s => s.Key).ToList());
        var total = TimeSpan.Zero;
        var pending = new Stack<int>([root]);
        var seen = new HashSet<int>();
        while (pending.TryPop(out var pid))
        {
            if (!seen.Add(pid)) continue;
            var f = Fields(stats[pid]);
            total += TimeSpan.FromSeconds((double)(Tick(f[11]) + Tick(f[12]) + Tick(f[13]) + Tick(f[14])) / ticksPerSecond);
            foreach (var child in children.GetValueOrDefault(pid.ToString(CultureInfo.InvariantCulture), [])) pending.Push(child);
        }
        return total;
    }

    /// <summary>The fields of a stat line after the command name: [0] is field 3 (state), [1] the parent's pid.</summary>
    private static string[] Fields(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

    private static long Tick(string field) => long.Parse(field, CultureInfo.InvariantCulture);

    /// <summary>utime + stime of a /proc/&lt;pid&gt;/stat line (the command name, in parentheses, may itself hold spaces and parentheses).</summary>
    public static TimeSpan ParseStat(string stat, long ticksPerSecond)
    {
        var fields = Fields(stat);
        // fields[0] is field 3 (state): utime is field 14, stime field 15.
        var ticks = Tick(fields[11]) + Tick(fields[12]);
        return TimeSpan.FromSeconds((double)ticks / ticksPerSecond);
    }

    /// <summary>The process with a listening TCP socket on <paramref name="port"/> (IPv4 or IPv6), found through /proc/net and each process's descriptors.</summary>
    public static int? ListeningOn(int port)
    {
        var inodes = new HashSet<string>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
            foreach (var line in File.ReadLines(table).Skip(1))
                if (ListeningInode(line, port) is { } inode) inodes.Add($"socket:[{inode}]");
        if (inodes.Count == 0) return null;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (Directory.EnumerateFiles(Path.Combine(dir, "fd")).Any(fd => new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target))) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return null;
    }

    /// <summary>The socket inode of a /proc/net/tcp line when it is a listener on <paramref name="port"/>.</summary>
    public static string? ListeningInode(string line, int port)
    {
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 10 || f[3] != "0A") return null; // 0A: TCP_LISTEN
        var local = f[1];
        return int.Parse(local[(local.IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port ? f[9] : null;
    }

    private const int ScClkTck = 2;

    [DllImport("libc", SetLastError = true)]
    private static extern long sysconf(int name);
}
