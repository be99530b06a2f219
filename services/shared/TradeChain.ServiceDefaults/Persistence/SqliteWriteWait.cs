using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>
/// How a SQLite writer that finds the write lock taken waits for it: woken when a write transaction of this process ends,
/// instead of SQLite's own busy handler (<c>busy_timeout</c>), which sleeps 1 ms growing to 100 ms between tries. SQLite
/// lets one writer at a time in; with several waiting (a bank's batches saving, the outbox dispatcher, the lease), those
/// sleeps left the lock idle for up to 100 ms after each commit, and a writer that had waited longest slept longest, so
/// that a steady stream of short writes could hold one off for as long as the stream lasted.
/// <para>
/// A waiter sleeps until a transaction of this process commits or rolls back (<see cref="WriteEnded"/>, told by
/// <see cref="TransactionEndInterceptor"/>), at most <see cref="MostSleepMs"/> at a time — the writers of another process
/// sharing the file, and a transaction that ended unseen (disposed), are found by those short sleeps — and gives up with
/// SQLITE_BUSY after <see cref="SqlitePragmas.BusyTimeoutMs"/>, as <c>busy_timeout</c> did.
/// </para>
/// </summary>
public static class SqliteWriteWait
{
    /// <summary>The longest a waiter sleeps before trying the lock again when no transaction of this process ended.</summary>
    public const int MostSleepMs = 5;

    private static readonly object Ended = new();

    /// <summary>When the current wait of this thread's writer began (a busy wait runs on the thread of the statement that waits).</summary>
    [ThreadStatic] private static long _waitingSince;

    // Kept for the life of the process: SQLite holds a pointer to it.
    private static readonly BusyHandler Handler = OnBusy;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int BusyHandler(IntPtr limits, int count);

    /// <summary>SQLite's own <c>sqlite3_busy_handler</c>, from the native library Microsoft.Data.Sqlite runs on (SQLitePCLRaw does not wrap it).</summary>
    [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
    private static extern int sqlite3_busy_handler(IntPtr db, BusyHandler handler, IntPtr limits);

    /// <summary>Sets the connection's busy handler (it replaces <c>busy_timeout</c>; kept by the open handle).</summary>
    /// <param name="timeoutMs">How long a writer waits for the lock in all before SQLITE_BUSY.</param>
    /// <param name="mostSleepMs">The longest it sleeps between tries when no transaction of this process ends.</param>
    public static void Install(SqliteConnection connection, int timeoutMs = SqlitePragmas.BusyTimeoutMs, int mostSleepMs = MostSleepMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timeoutMs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mostSleepMs);
        var handle = connection.Handle ?? throw new InvalidOperationException("The SQLite connection is not open.");
        var code = sqlite3_busy_handler(handle.DangerousGetHandle(), Handler, (IntPtr)(((long)mostSleepMs << 32) | (uint)timeoutMs));
        if (code != 0) throw new SqliteException($"Setting the SQLite busy handler failed (SQLite error {code}).", code);
    }

    /// <summary>A write transaction of this process ended (committed or rolled back): its waiters try the lock now.</summary>
    public static void WriteEnded()
    {
        lock (Ended) Monitor.PulseAll(Ended);
    }

    /// <summary>SQLite's busy callback: non-zero to try the lock again, 0 to give up (SQLITE_BUSY).</summary>
    /// <param name="limits">The timeout (low 32 bits) and the longest sleep (high 32 bits), in ms, given to <see cref="Install"/>.</param>
    private static int OnBusy(IntPtr limits, int count)
    {
        var (timeoutMs, mostSleepMs) = ((long)limits & 0xFFFF_FFFF, (int)((long)limits >> 32));
        var now = Environment.TickCount64;
        if (count == 0) _waitingSince = now;
        if (now - _waitingSince >= timeoutMs) return 0;
        lock (Ended) Monitor.Wait(Ended, mostSleepMs);
        return 1;
    }
}
