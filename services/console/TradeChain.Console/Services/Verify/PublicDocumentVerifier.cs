using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace TradeChain.Console.Services.Verify;

/// <summary>One check of a document (integrity, issuance, revocation, issuerIdentity) as the documents service gives it.</summary>
public sealed record DocumentCheck(string Name, string Status, string Reason, JsonObject? Details);

/// <summary>The presented document as a person reads it (salts removed), and its fields hidden by selective disclosure.</summary>
public sealed record PresentedDocument(string? Type, JsonNode? Data, int HiddenFieldCount, IReadOnlyList<string>? HiddenFields);

public sealed record TitleParty(string? Party, string Address);

/// <summary>A bill of lading's title on the title registry: its state and who holds and is entitled to it.</summary>
public sealed record TitleStanding(string TitleRegistry, string TokenId, string State, TitleParty? Holder, TitleParty? Beneficiary, TitleParty? Nominee);

/// <summary>The public verifier's verdict (documents service, POST /public/verify).</summary>
public sealed record DocumentVerdict(bool Valid, string Summary, string? TargetHash, string? MerkleRoot, IReadOnlyList<DocumentCheck> Checks,
    PresentedDocument? Document, TitleStanding? Title)
{
    public DocumentCheck? Check(string name) => Checks.FirstOrDefault(c => c.Name == name);
}

/// <summary>
/// The documents service's public verifier, for visitors who have not signed in. It sends no token — whoever uses the
/// page, the answer is the one any holder of the file gets — and names the visitor's address so that the service's
/// allowance is counted per visitor, not for the console as a whole (the service trusts that header only from the
/// proxies it is configured to trust).
/// </summary>
public sealed class PublicDocumentVerifier(HttpClient http)
{
    /// <summary>The largest file the page reads; the service enforces its own bound too (PublicVerification:MaxDocumentBytes).</summary>
    public const long MaxFileBytes = 1024 * 1024;

    public Task<ApiResult<DocumentVerdict>> VerifyAsync(string wrappedJson, string? visitor, CancellationToken ct = default) =>
        SendAsync<DocumentVerdict>(new HttpRequestMessage(HttpMethod.Post, "/public/verify")
        {
            Content = new StringContent(wrappedJson, System.Text.Encoding.UTF8, "application/json"),
        }, visitor, ct);

    /// <summary>The JSON Schema of a document type, for its field labels.</summary>
    public Task<ApiResult<JsonObject>> SchemaAsync(string type, string? visitor, CancellationToken ct = default) =>
        SendAsync<JsonObject>(new HttpRequestMessage(HttpMethod.Get, $"/public/schemas/{Uri.EscapeDataString(type)}"), visitor, ct);

    private async Task<ApiResult<T>> SendAsync<T>(HttpRequestMessage request, string? visitor, CancellationToken ct)
    {
        using (request)
        {
            if (!string.IsNullOrEmpty(visitor)) request.Headers.TryAddWithoutValidation("X-Forwarded-For", visitor);
            try
            {
                using var response = await http.SendAsync(request, ct);
                if (!response.IsSuccessStatusCode)
                {
                    var body = await response.Content.ReadAsStringAsync(ct);
                    return ApiResult<T>.Failure(ApiProblem.Parse((int)response.StatusCode, body, $"The documents service refused the verification ({(int)response.StatusCode})"));
                }
                return ApiResult<T>.Success((await response.Content.ReadFromJsonAsync<T>(ServiceApi.Json, ct))!);
            }
            catch (HttpRequestException e)
            {
                return ApiResult<T>.Failure(new ApiProblem(503, "The documents service cannot be reached", e.Message, null, new Dictionary<string, string[]>()));
            }
            catch (System.Text.Json.JsonException e)
            {
                return ApiResult<T>.Failure(new ApiProblem(502, "The documents service answered in an unexpected shape", e.Message, null, new Dictionary<string, string[]>()));
            }
        }
    }
}
