namespace TradeChain.ServiceDefaults;

/// <summary>One page of a list: the items, which page, how many per page and how many in all.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, int Total);

public static class Paging
{
    public const int DefaultSize = 50;
    public const int MaxSize = 200;

    public const int MaxPage = 1_000_000;

    /// <summary>Clamps the requested page (1-based; 1 when absent) to 1–<see cref="MaxPage"/> and its size (<see cref="DefaultSize"/> when absent) to 1–<see cref="MaxSize"/>.</summary>
    public static (int Number, int Size) Normalise(int? page, int? pageSize) =>
        (Math.Clamp(page ?? 1, 1, MaxPage), Math.Clamp(pageSize ?? DefaultSize, 1, MaxSize));

    /// <summary>Whether page <paramref name="number"/> (1-based) of <paramref name="size"/> lies past the last of <paramref name="total"/> items: it is empty, and answered so without reading it.</summary>
    public static bool PastEnd(int number, int size, long total) => (long)(number - 1) * size >= total;
}
