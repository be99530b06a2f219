using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace TradeChain.Console.Services.Customs;

/// <summary>
/// The work queue's filters as customs' GET /declarations takes them (status, lane, office, from/to lodgement dates,
/// assignedTo=me, page, pageSize). The same words go in the console's own URL, so a filtered queue can be bookmarked and shared.
/// </summary>
public sealed record DeclarationFilter(
    string? Status = null, string? Lane = null, string? Office = null, DateOnly? From = null, DateOnly? To = null, bool AssignedToMe = false,
    int Page = 1, int PageSize = DeclarationFilter.DefaultPageSize)
{
    public const int DefaultPageSize = 25;

    /// <summary>The API's page size bound (ServiceDefaults Paging.MaxSize).</summary>
    public const int MaxPageSize = 200;

    public static DeclarationFilter Parse(string? status, string? lane, string? office, string? from, string? to, string? assignedTo, int? page, int? pageSize) => new(
        Blank(status), Blank(lane), Blank(office)?.ToUpperInvariant(), Date(from), Date(to), assignedTo == "me",
        Math.Max(1, page ?? 1), Math.Clamp(pageSize ?? DefaultPageSize, 1, MaxPageSize));

    /// <summary>The console's query string, leaving out what is at its default.</summary>
    public string Query() => QueryHelpers.AddQueryString("", Parameters(forApi: false));

    /// <summary>The API call; it always names the page size, since the API's default (50) is not the console's.</summary>
    public string ApiPath() => QueryHelpers.AddQueryString("/declarations", Parameters(forApi: true));

    private Dictionary<string, string?> Parameters(bool forApi)
    {
        var query = new Dictionary<string, string?>();
        if (Status is not null) query["status"] = Status;
        if (Lane is not null) query["lane"] = Lane;
        if (Office is not null) query["office"] = Office;
        if (From is { } f) query["from"] = f.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (To is { } t) query["to"] = t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (AssignedToMe) query["assignedTo"] = "me";
        if (Page != 1 || forApi) query["page"] = Page.ToString(CultureInfo.InvariantCulture);
        if (PageSize != DefaultPageSize || forApi) query["pageSize"] = PageSize.ToString(CultureInfo.InvariantCulture);
        return query;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static DateOnly? Date(string? s) =>
        DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
}
