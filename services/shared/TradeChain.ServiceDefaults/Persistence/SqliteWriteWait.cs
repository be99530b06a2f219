using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>
/// How a SQLite writer that finds the write lock taken waits for it: woken when a transaction of this process ends,
/// instead of SQLite's own busy handler (<c>busy_timeout</c>), which sleeps 1 ms growing to 100 ms between tries. SQLite
/// lets one writer at a time in; with several waiting (a bank's batches saving, the outbox dispatcher, the lease), those
/// sleeps left the lock idle for up to 100 ms after each commit. Every waiter is woken to race for the lock: the gaps
/// after a commit are shorter, the order is not first-come-first-served.
/// <para>
/// A waiter sleeps until a transaction of this process ends (<see cref="TransactionEnded"/>, told by
/// <see cref="TransactionEndInterceptor"/> for every transaction a context ends, a reading one or one on PostgreSQL too),
/// at most <see cref="MaxSleepMs"/> at a time: what ends no transaction the interceptor sees is found by those short sleeps —
/// a writer of another process sharing the file, a statement run outside a transaction (a one-statement save, the
/// settlement lease's <c>ExecuteUpdate</c>), a transaction disposed without commit or rollback. A transaction that ended
/// between the waiter's try and its sleep is not slept through (the ends are counted). It gives up with SQLITE_BUSY after
/// <see cref="TimeoutMs"/>, as <c>busy_timeout</c> did.
/// </para>
/// <para>
/// The handler is <c>sqlite3_busy_handler</c> of the native <c>e_sqlite3</c> library that Microsoft.Data.Sqlite runs on
/// here (SQLitePCLRaw's <c>bundle_e_sqlite3</c>, which does not wrap that function). Where the library or the function
/// cannot be found (another bundle), the connection gets <c>busy_timeout</c> instead.
/// </para>
/// </summary>
public static class SqliteWriteWait
{
    /// <summary>How long a writer waits for the write lock before SQLITE_BUSY: as long as a command may take (DefaultTimeout 30 s).</summary>
    public const int TimeoutMs = 30_000;

    /// <summary>The longest a waiter sleeps before trying the lock again when no transaction of this process ended.</summary>
    public const int MaxSleepMs = 5;

    /// <summary>The most either limit may be (they travel to SQLite packed in 32 bits).</summary>
    public const int MostMs = ushort.MaxValue;

    private static readonly object Ended = new();

    /// <summary>How many transactions of this process have ended (under <see cref="Ended"/>).</summary>
    private static long _ends;

    // What the current wait of this thread's writer saw (a busy wait runs on the thread of the statement that waits).
    [ThreadStatic] private static long _waitingSince;
    [ThreadStatic] private static long _lastCallAt;
    [ThreadStatic] private static long _endsSeen;

    // Kept for the life of the process: SQLite holds a pointer to it.
    private static readonly BusyHandler Handler = OnBusy;

    private static volatile bool _unavailable;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int BusyHandler(IntPtr limits, int count);

    [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
    private static extern int sqlite3_busy_handler(IntPtr db, BusyHandler handler, IntPtr limits);

    /// <summary>Sets the connection's busy handler (it replaces <c>busy_timeout</c>; kept by the open handle).</summary>
    /// <param name="timeoutMs">How long a writer waits for the lock in all before SQLITE_BUSY (at most <see cref="MostMs"/>).</param>
    /// <param name="maxSleepMs">The longest it sleeps between tries when no transaction of this process ends (1 to <see cref="MostMs"/>).</param>
    public static void Install(SqliteConnection connection, int timeoutMs = TimeoutMs, int maxSleepMs = MaxSleepMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timeoutMs);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeoutMs, MostMs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSleepMs);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSleepMs, MostMs);
        var handle = connection.Handle ?? throw new InvalidOperationException("The SQLite connection is not open.");
        if (!_unavailable)
        {
            try
            {
                var code = sqlite3_busy_handler(handle.DangerousGetHandle(), Handler, (IntPtr)(int)(((uint)maxSleepMs << 16) | (uint)timeoutMs));
                if (code != 0) throw new SqliteException($"Setting the SQLite busy handler failed (SQLite error {code}).", code);
                return;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                _unavailable = true;
            }
        }
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout={timeoutMs}";
        command.ExecuteNonQuery();
    }

    /// <summary>A transaction of this process ended (committed or rolled back): the writers waiting for the lock try it now.</summary>
    public static void TransactionEnded()
    {
        lock (Ended)
        {
            _ends++;
            Monitor.PulseAll(Ended);
        }
    }

    /// <summary>SQLite's busy callback: non-zero to try the lock again, 0 to give up (SQLITE_BUSY).</summary>
    /// <param name="limits">The timeout (low 16 bits) and the longest sleep (high 16 bits), in ms, given to <see cref="Install"/>.</param>
    /// <param name="count">How often the handler was called before for this wait (SQLite's count; a long pause between calls is taken as a new wait too).</param>
    private static int OnBusy(IntPtr limits, int count)
    {
        var packed = (uint)(int)limits;
        var (timeoutMs, maxSleepMs) = (packed & 0xFFFF, (int)(packed >> 16));
        var now = Environment.TickCount64;
        var newWait = count == 0 || now - _lastCallAt > maxSleepMs + 1_000;
        _lastCallAt = now;
        if (newWait)
        {
            _waitingSince = now;
            lock (Ended) _endsSeen = _ends;
            return 1; // tried again at once: the holder may have ended in between
        }
        if (now - _waitingSince >= timeoutMs) return 0;
        lock (Ended)
        {
            if (_ends == _endsSeen) Monitor.Wait(Ended, maxSleepMs);
            _endsSeen = _ends;
        }
        _lastCallAt = Environment.TickCount64;
        return 1;
    }
}
