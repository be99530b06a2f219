using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Components.Authorization;
using TradeChain.Console.Auth;

namespace TradeChain.Console.Services;

/// <summary>
/// One backend service's HTTP API, called with the signed-in user's own token (never a console identity), so the API's
/// role and party rules hold exactly as for any other client. Works in server-rendered requests and in interactive
/// circuits alike: the token is read from the user's authentication state.
/// </summary>
public abstract class ServiceApi(HttpClient http, AuthenticationStateProvider authentication, IHttpContextAccessor httpContext, string serviceName)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ServiceName { get; } = serviceName;

    public Uri? BaseAddress => http.BaseAddress;

    public Task<ApiResult<T>> GetAsync<T>(string path, CancellationToken ct = default) => SendAsync<T>(HttpMethod.Get, path, null, ct);

    public Task<ApiResult<T>> PostAsync<T>(string path, object? body, CancellationToken ct = default) => SendAsync<T>(HttpMethod.Post, path, body ?? new { }, ct);

    /// <summary>
    /// A POST that asks the service not to wait for the chain (RFC 7240 <c>Prefer: respond-async</c>): answered 202 with the record
    /// as it stands (e.g. a settlement queued for its bank's next batch), which the page then follows by long-poll.
    /// </summary>
    public async Task<ApiResult<T>> PostRespondAsyncAsync<T>(string path, object? body, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body ?? new { }, (body ?? new { }).GetType(), options: Json) };
        request.Headers.TryAddWithoutValidation("Prefer", "respond-async");
        return await SendCoreAsync<T>(request, ct);
    }

    /// <summary>
    /// A step of a party that signs its own transactions, sent again with its signature of the step's transaction (which
    /// the step's first answer, 409 <c>signature-required</c>, gave) in the <c>Signed-Transaction</c> header.
    /// </summary>
    public Task<ApiResult<T>> PostSignedAsync<T>(string path, object? body, string signedTransaction, CancellationToken ct = default) =>
        PostWithHeaderAsync<T>(path, body, TradeChain.Ledger.PartySignatures.Header, signedTransaction, ct);

    /// <summary>
    /// A step of a party that signs its own transactions, sent again with the hash of the step's transaction as the party's
    /// wallet sent it itself (a wallet that signs only by sending, as MetaMask does) in the <c>Sent-Transaction</c> header:
    /// the service takes that transaction for the step once it is exactly the step's call from the party's account, mined.
    /// </summary>
    public Task<ApiResult<T>> PostSentAsync<T>(string path, object? body, string sentTransaction, CancellationToken ct = default) =>
        PostWithHeaderAsync<T>(path, body, TradeChain.Ledger.PartySignatures.SentHeader, sentTransaction, ct);

    private async Task<ApiResult<T>> PostWithHeaderAsync<T>(string path, object? body, string header, string value, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body ?? new { }, (body ?? new { }).GetType(), options: Json) };
        request.Headers.TryAddWithoutValidation(header, value.Trim());
        return await SendCoreAsync<T>(request, ct);
    }

    public Task<ApiResult<T>> PutAsync<T>(string path, object body, CancellationToken ct = default) => SendAsync<T>(HttpMethod.Put, path, body, ct);

    /// <summary>A call whose answer is read as loose JSON (for records the page only shows).</summary>
    public Task<ApiResult<JsonNode>> GetJsonAsync(string path, CancellationToken ct = default) => SendAsync<JsonNode>(HttpMethod.Get, path, null, ct);

    public Task<ApiResult<JsonNode>> PostJsonAsync(string path, object? body, CancellationToken ct = default) => SendAsync<JsonNode>(HttpMethod.Post, path, body ?? new { }, ct);

    /// <summary>A body already in JSON text (an uploaded file), sent as it is.</summary>
    public async Task<ApiResult<JsonNode>> SendRawJsonAsync(HttpMethod method, string path, string json, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        return await SendCoreAsync<JsonNode>(request, ct);
    }

    /// <summary>The raw text of an answer (XML, a wrapped document), with its content type.</summary>
    public async Task<ApiResult<(string Text, string ContentType)>> GetTextAsync(string path, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        await AuthorizeAsync(request);
        try
        {
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode) return ApiResult<(string, string)>.Failure(ApiProblem.Parse((int)response.StatusCode, text, response.ReasonPhrase ?? "Request failed"));
            return ApiResult<(string, string)>.Success((text, response.Content.Headers.ContentType?.ToString() ?? "text/plain"));
        }
        catch (HttpRequestException e) { return ApiResult<(string, string)>.Failure(Unreachable(e)); }
    }

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        return await SendCoreAsync<T>(request, ct);
    }

    /// <summary>
    /// A list that answers with an ETag (the services' list long-poll): with <paramref name="etag"/> (If-None-Match) the answer
    /// is NotModified while the list is the same — <paramref name="path"/>'s waitSeconds says how long the service may wait
    /// for a change first.
    /// </summary>
    public async Task<ListAnswer<T>> GetListAsync<T>(string path, string? etag, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (etag is not null) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        string? tag = null;
        var notModified = false;
        var result = await SendCoreAsync<T>(request, ct, bodyless: response =>
        {
            tag = response.Headers.ETag?.ToString();
            notModified = response.StatusCode == System.Net.HttpStatusCode.NotModified;
            return notModified;
        });
        return new ListAnswer<T>(result, tag, notModified);
    }

    /// <param name="bodyless">Looks at the response first; true: it is an answer without a body (the result is then Success(default)).</param>
    private async Task<ApiResult<T>> SendCoreAsync<T>(HttpRequestMessage request, CancellationToken ct, Func<HttpResponseMessage, bool>? bodyless = null)
    {
        await AuthorizeAsync(request);
        try
        {
            using var response = await http.SendAsync(request, ct);
            if (bodyless?.Invoke(response) == true) return ApiResult<T>.Success(default!);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
                return ApiResult<T>.Failure(ApiProblem.Parse((int)response.StatusCode, text, Describe((int)response.StatusCode)));
            var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Contains("true", StringComparer.OrdinalIgnoreCase);
            if (string.IsNullOrWhiteSpace(text)) return ApiResult<T>.Success(default!) with { Replayed = replayed };
            return ApiResult<T>.Success(JsonSerializer.Deserialize<T>(text, Json)!) with { Replayed = replayed };
        }
        catch (HttpRequestException e) { return ApiResult<T>.Failure(Unreachable(e)); }
        catch (JsonException e) { return ApiResult<T>.Failure(new ApiProblem(502, $"The {ServiceName} service answered in an unexpected shape", e.Message, null, new Dictionary<string, string[]>())); }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return ApiResult<T>.Failure(new ApiProblem(504, $"The {ServiceName} service did not answer in time", "Try again in a moment.", null, new Dictionary<string, string[]>()));
        }
    }

    private async Task AuthorizeAsync(HttpRequestMessage request)
    {
        System.Security.Claims.ClaimsPrincipal? user;
        // Components (server-rendered or interactive) know the user from their authentication state; plain endpoints (downloads) from the request.
        try { user = (await authentication.GetAuthenticationStateAsync()).User; }
        catch (InvalidOperationException) { user = httpContext.HttpContext?.User; }
        var token = user?.FindFirst(ConsoleClaims.ApiToken)?.Value;
        if (!string.IsNullOrEmpty(token)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    private ApiProblem Unreachable(HttpRequestException e) =>
        new(503, $"The {ServiceName} service cannot be reached", e.Message, null, new Dictionary<string, string[]>());

    private string Describe(int status) => status switch
    {
        401 => "Your session has ended: sign in again",
        403 => "Your role or party may not do this",
        404 => "Not found (or not yours to see)",
        409 => "This record changed meanwhile: reload and try again",
        _ => $"The {ServiceName} service refused the request ({status})",
    };
}

/// <summary>A list's answer (<see cref="ServiceApi.GetListAsync{T}"/>): the page or the problem, its ETag, or NotModified (no page: the one the caller has stands).</summary>
public sealed record ListAnswer<T>(ApiResult<T> Result, string? ETag, bool NotModified);

public sealed class CustomsApi(HttpClient http, AuthenticationStateProvider authentication, IHttpContextAccessor request) : ServiceApi(http, authentication, request, "customs");

public sealed class DocumentsApi(HttpClient http, AuthenticationStateProvider authentication, IHttpContextAccessor request) : ServiceApi(http, authentication, request, "documents");

public sealed class PaymentsApi(HttpClient http, AuthenticationStateProvider authentication, IHttpContextAccessor request) : ServiceApi(http, authentication, request, "payments");
