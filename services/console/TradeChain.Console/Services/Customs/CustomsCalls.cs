namespace TradeChain.Console.Services.Customs;

/// <summary>The customs calls the declaration pages make, typed.</summary>
public static class CustomsCalls
{
    public static Task<ApiResult<Declaration>> GetDeclarationAsync(this CustomsApi customs, Guid id, CancellationToken ct = default) =>
        customs.GetAsync<Declaration>($"/declarations/{id}", ct);


    public static Task<ApiResult<DeclarationStatistics>> StatisticsAsync(this CustomsApi customs, CancellationToken ct = default) =>
        customs.GetAsync<DeclarationStatistics>("/declarations/statistics", ct);

    /// <summary>POST /declarations/{id}/{action} with its body; the API answers with the declaration as it now stands.</summary>
    public static Task<ApiResult<Declaration>> ActAsync(this CustomsApi customs, Guid id, string action, object? body, CancellationToken ct = default) =>
        customs.PostAsync<Declaration>($"/declarations/{id}/{action}", body, ct);

    /// <summary>
    /// The documents of one type the signed-in user may see (documents API: an exporter its own, an officer all), newest
    /// first, one page of the API's largest size: enough to find a declaration's documents, never a way to see more.
    /// </summary>
    public static async Task<IReadOnlyList<IssuedDocument>> DocumentsOfTypeAsync(this DocumentsApi documents, string type, CancellationToken ct = default)
    {
        var page = await documents.GetAsync<DocumentPage>($"/documents?type={Uri.EscapeDataString(type)}&pageSize={DeclarationFilter.MaxPageSize}", ct);
        return page.Value?.Items ?? [];
    }
}
