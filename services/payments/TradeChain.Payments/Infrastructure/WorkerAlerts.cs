namespace TradeChain.Payments.Infrastructure;

/// <summary>When the payments service's background workers (the booking sender, the duty settlement lanes) raise an ALERT in their log.</summary>
public static class WorkerAlerts
{
    /// <summary>How many failures in a row of one piece of work (a booking's send or cancel, a lane's flush) make its worker log an ALERT, and again at every such multiple.</summary>
    public const int EveryFailures = 10;

    /// <summary>Whether the <paramref name="failures"/>-th failure in a row is logged as an ALERT.</summary>
    public static bool Due(int failures) => failures > 0 && failures % EveryFailures == 0;
}
