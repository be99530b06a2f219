using System.Globalization;

namespace TradeChain.ServiceDefaults.Messaging;

/// <summary>
/// How often and how long a failing message is tried (section <c>Messaging</c>): first in-process retries of the one
/// delivery, then delayed redeliveries through the broker (<see cref="RedeliveryFilter{TMessage}"/>), then its
/// <c>_error</c> queue. Durations are written as <c>500ms</c>, <c>30s</c>, <c>2m</c> or <c>1h</c>, separated by commas.
/// </summary>
public sealed class RetrySchedule
{
    public const string Section = "Messaging";

    /// <summary>
    /// In-process retries of one delivery, each after the given pause. The service holds the message meanwhile: keep them
    /// short. Not for a message that failed alone in an <see cref="IdempotentBatchConsumer{TMessage}"/> window: the window
    /// tried it again itself (<see cref="IdempotentBatchConsumer{TMessage}.AloneRetries"/>) and it goes to its redeliveries.
    /// </summary>
    public string Retries { get; set; } = "200ms, 500ms, 1s, 2s, 4s, 8s, 10s, 15s";

    /// <summary>
    /// After the retries, the message waits in the broker for each of these in turn and is delivered again; after the
    /// last it goes to its queue's <c>_error</c> queue. Empty: straight to the error queue. With the defaults a message
    /// is given up after about 26 minutes (five deliveries of about 41 s of retries, and 22.5 minutes of waiting).
    /// </summary>
    public string Redeliveries { get; set; } = "30s, 2m, 5m, 15m";

    public IReadOnlyList<TimeSpan> RetryIntervals => Durations.Parse(Retries, $"{Section}:{nameof(Retries)}");

    public IReadOnlyList<TimeSpan> RedeliveryDelays => Durations.Parse(Redeliveries, $"{Section}:{nameof(Redeliveries)}");
}

/// <summary>Durations in settings and in queue names: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>.</summary>
public static class Durations
{
    private static readonly (string Unit, TimeSpan Size)[] Units =
        [("ms", TimeSpan.FromMilliseconds(1)), ("s", TimeSpan.FromSeconds(1)), ("m", TimeSpan.FromMinutes(1)), ("h", TimeSpan.FromHours(1))];

    /// <param name="setting">The setting's name, for the error message.</param>
    public static IReadOnlyList<TimeSpan> Parse(string? text, string setting) =>
        (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(item =>
        {
            // "ms" before "s": the longest unit name that ends the item.
            var (unit, size) = Units.OrderByDescending(u => u.Unit.Length).FirstOrDefault(u => item.EndsWith(u.Unit, StringComparison.Ordinal));
            if (unit is null || !int.TryParse(item[..^unit.Length].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0
                || size * count > TimeSpan.FromDays(1))
                throw new InvalidOperationException($"{setting}: '{item}' is not a duration such as 500ms, 30s, 2m or 1h (more than zero, at most a day).");
            return size * count;
        }).ToList();

    /// <summary>The shortest exact spelling: 30 s is <c>30s</c>, 120 s is <c>2m</c>, 1.5 s is <c>1500ms</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        var (unit, size) = Units.OrderByDescending(u => u.Size).First(u => duration.Ticks % u.Size.Ticks == 0);
        return $"{duration.Ticks / size.Ticks}{unit}";
    }
}
