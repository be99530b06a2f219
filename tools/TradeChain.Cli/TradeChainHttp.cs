using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Cli;

/// <summary>An API call that did not give the answer its caller needed: a refusal, or no answer in time.</summary>
public class ApiCallException(string message) : Exception(message);

/// <summary>
/// Calling the services' HTTP APIs as their users do: a client with a development token, JSON in and out, and
/// polling until the asynchronous part of a step (bus, chain) has happened. Used by the demo, the tests and the benchmark.
/// </summary>
public static class TradeChainHttp
{
    /// <param name="handler">The client's handler (the benchmark's counts requests); null: the default.</param>
    public static HttpClient Client(AuthOptions auth, string role, string party, string subject, TimeSpan? timeout = null, HttpMessageHandler? handler = null)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler);
        client.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevelopmentTokens.Mint(auth, subject, role, party, TimeSpan.FromHours(2)));
        return client;
    }

    public static Task<JsonObject> PostAsync(HttpClient client, Uri uri, object body, CancellationToken ct = default) =>
        SendAsync(client, HttpMethod.Post, uri, body, ct);

    public static Task<JsonObject> PutAsync(HttpClient client, Uri uri, object body, CancellationToken ct = default) =>
        SendAsync(client, HttpMethod.Put, uri, body, ct);

    public static Task<JsonObject> GetAsync(HttpClient client, Uri uri, CancellationToken ct = default) =>
        SendAsync(client, HttpMethod.Get, uri, null, ct);

    /// <summary>Reads <paramref name="uri"/> until <paramref name="done"/> holds, backing off from 25 ms to 250 ms between reads.</summary>
    public static async Task<JsonObject> PollAsync(HttpClient client, Uri uri, Func<JsonObject, bool> done, TimeSpan timeout, CancellationToken ct = default,
        string? what = null)
    {
        var last = "";
        var delay = 25.0;
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < timeout; await Task.Delay((int)delay, ct), delay = Math.Min(250, delay * 1.5))
        {
            using var response = await client.GetAsync(uri, ct);
            last = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode && JsonNode.Parse(last) is JsonObject node && done(node)) return node;
        }
        throw new ApiCallException($"timed out after {timeout.TotalSeconds:0} s waiting for {what ?? "the expected answer"} at {uri}; last answer: {last}");
    }

    /// <summary>
    /// Follows a record that has a version and answers a long-poll (afterVersion and waitSeconds: a customs declaration, a
    /// document, a duty payment)
    /// until <paramref name="done"/> holds: one request per change of the record, none in between. A caller that already
    /// holds the record as the service answered it — the answer to a request on this same record that created or changed
    /// it, given after its commit; it carries its version — passes it as <paramref name="known"/> and is spared a plain
    /// GET before the first long-poll. A <paramref name="known"/> without a version is ignored (the record is read first).
    /// </summary>
    public static async Task<JsonObject> FollowAsync(HttpClient client, Uri uri, Func<JsonObject, bool> done, TimeSpan timeout, CancellationToken ct = default,
        string? what = null, JsonObject? known = null)
    {
        var clock = Stopwatch.StartNew();
        var current = known?["version"] is not null ? known : await GetAsync(client, uri, ct);
        while (!done(current))
        {
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
                throw new ApiCallException($"timed out after {timeout.TotalSeconds:0} s waiting for {what ?? "the expected answer"} at {uri}; last answer: {current.ToJsonString()}");
            // Within the client's own timeout, with room for the answer to travel.
            var wait = (int)Math.Clamp(Math.Min(Math.Ceiling(left.TotalSeconds), client.Timeout.TotalSeconds - 5), 1, 30);
            var version = current["version"]!.GetValue<int>();
            var asked = Stopwatch.StartNew();
            current = await GetAsync(client, new Uri(uri, $"{uri.AbsolutePath}?afterVersion={version}&waitSeconds={wait}"), ct);
            // Answered at once with nothing new (the server had too many requests waiting): ask again after a pause, not in a loop.
            if (current["version"]!.GetValue<int>() == version && asked.Elapsed < TimeSpan.FromSeconds(wait) / 2) await Task.Delay(250, ct);
        }
        return current;
    }

    /// <summary>
    /// Revokes a document (POST /documents/{id}/revoke, asked with <c>Prefer: respond-async</c>: the service's issuer sends
    /// it) and follows the document until its revocation is recorded. Returns the recorded revocation — revokedHash, scope,
    /// reason, transactionHash, blockNumber — with the document as it now stands in <c>documents</c>.
    /// </summary>
    /// <exception cref="ApiCallException">Refused; given up by the service (the document back to Issued); or recorded with
    /// another scope or notice than asked (a batch revocation that raced it, or one made on chain outside it).</exception>
    public static async Task<JsonObject> RevokeAsync(HttpClient client, Uri documents, string id, string reason, string scope = "document",
        TimeSpan? timeout = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(documents, $"documents/{id}/revoke")) { Content = JsonContent.Create(new { reason, scope }) };
        request.Headers.TryAddWithoutValidation("Prefer", "respond-async");
        using var response = await client.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new ApiCallException($"POST {request.RequestUri} answered {(int)response.StatusCode}: {text}");
        var answer = JsonNode.Parse(text)!.AsObject();
        var document = answer["documents"]!.AsArray().Select(d => d!.AsObject()).First(d => d["id"]!.GetValue<string>() == id);
        document = await FollowAsync(client, new Uri(documents, $"documents/{id}"), d => d["revocationRequest"] is null,
            timeout ?? TimeSpan.FromSeconds(90), ct, "the revocation's record", document);
        if (document["revocation"] is not { } revocation)
            throw new ApiCallException($"the revocation of document {id} was given up (its history says why): {document.ToJsonString()}");
        if (revocation["scope"]!.GetValue<string>() != scope || revocation["reason"]!.GetValue<string>() != reason)
            throw new ApiCallException($"document {id} was revoked with another scope or notice than asked: {revocation.ToJsonString()}");
        answer["transactionHash"] = revocation["transactionHash"]!.DeepClone();
        answer["blockNumber"] = revocation["blockNumber"]!.DeepClone();
        answer["documents"] = new JsonArray(document.DeepClone());
        return answer;
    }

    /// <summary>
    /// The bank deposits <paramref name="amount"/> on <paramref name="party"/>'s account (POST …/deposits) and returns the
    /// account once the deposit is booked: answered 202 (queued for the bank's next batch, the service's wait ran out), the
    /// deposit is read again until it is booked.
    /// </summary>
    /// <exception cref="ApiCallException">Refused; or the token refused the mint (the deposit's rule named).</exception>
    public static async Task<JsonObject> DepositAsync(HttpClient bank, Uri payments, string party, string currency, decimal amount, string reference,
        CancellationToken ct = default, TimeSpan? timeout = null)
    {
        var account = new Uri(payments, $"/accounts/{Uri.EscapeDataString(party)}/{Uri.EscapeDataString(currency)}");
        var answer = await PostAsync(bank, new Uri(account.AbsoluteUri + "/deposits"), new { amount, reference }, ct);
        if (answer["status"]?.GetValue<string>() != "Queued") return answer;
        var deposit = await PollAsync(bank, new Uri(account.AbsoluteUri + $"/deposits/{Uri.EscapeDataString(reference)}"), d => d["status"]?.GetValue<string>() != "Queued",
            timeout ?? TimeSpan.FromSeconds(90), ct, $"deposit {reference} booked");
        if (deposit["status"]!.GetValue<string>() != "Booked") throw new ApiCallException($"deposit {reference} was refused: {deposit.ToJsonString()}");
        return await GetAsync(bank, account, ct);
    }

    private static async Task<JsonObject> SendAsync(HttpClient client, HttpMethod method, Uri uri, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await client.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new ApiCallException($"{method} {uri} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
