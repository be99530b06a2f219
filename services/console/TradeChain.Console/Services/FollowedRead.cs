namespace TradeChain.Console.Services;

/// <summary>
/// A page's own read of what it then follows with <c>LiveList</c> (a list, or a credit): the latest read only (an answer
/// to a read the page no longer wants — paged or filtered on meanwhile — is dropped), its ETag for the follow to start
/// waiting from, and whether one is done (the follow starts then: rendered earlier, it would not have the ETag and would
/// read the list once more). While a read is under way the ETag is none, so a follow restarting for a new path reads
/// that path itself.
/// </summary>
public sealed class FollowedRead
{
    private int _latest;

    /// <summary>The ETag of the latest read's answer (none while one is under way, or when it failed).</summary>
    public string? ETag { get; private set; }

    /// <summary>Whether a read has answered: the page renders its follow from then on.</summary>
    public bool Done { get; private set; }

    /// <summary>
    /// The page got something newer than any read under way (its follow's answer): those reads are dropped when they answer,
    /// so that a slower read begun before cannot overwrite it.
    /// </summary>
    public void Supersede() => _latest++;

    /// <summary>GET <paramref name="path"/>: its result, or null when a later read was asked meanwhile (drop it).</summary>
    public async Task<ApiResult<T>?> ReadAsync<T>(ServiceApi api, string path, CancellationToken ct = default)
    {
        var read = ++_latest;
        ETag = null;
        var answer = await api.GetListAsync<T>(path, null, ct);
        if (read != _latest) return null;
        (ETag, Done) = (answer.ETag, true);
        return answer.Result;
    }
}
