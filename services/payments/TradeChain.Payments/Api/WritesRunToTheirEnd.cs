namespace TradeChain.Payments.Api;

/// <summary>
/// Every request but a read (GET, HEAD) runs to its end even when its caller goes away (a client timeout, a closed
/// browser) — whether or not it moves money, since any may: the chain transaction a request sent is awaited and booked with
/// it, never left on chain without its record, and the caller's retry (each such step is idempotent on its reference) finds
/// it done. Reads still stop with their caller, and so may a step's mere waiting after its work (<see cref="CallerAborted"/>).
/// </summary>
public static class WritesRunToTheirEnd
{
    private const string CallerAbortedKey = "TradeChain.CallerAborted";

    /// <summary>Every request but a read runs to its end: its abort is taken off <see cref="HttpContext.RequestAborted"/> and kept.</summary>
    public static IApplicationBuilder RunWritesToTheirEnd(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Items[CallerAbortedKey] = context.RequestAborted;
                context.RequestAborted = CancellationToken.None;
            }
            return next(context);
        });

    /// <summary>
    /// The caller's own abort, for a step's mere waiting after its work (a settlement or booking waiting for its record: the
    /// work goes on without the caller); <paramref name="ct"/> where none was kept (a read, whose own abort it is).
    /// </summary>
    public static CancellationToken CallerAborted(this HttpContext http, CancellationToken ct) =>
        http.Items.TryGetValue(CallerAbortedKey, out var aborted) && aborted is CancellationToken token ? token : ct;
}
