using TradeChain.Console.Services;

namespace TradeChain.Console;

/// <summary>
/// Files a user downloads (a wrapped document as .tt, an ISO 20022 message as XML), fetched from the owning service with
/// the user's own token and handed over as a file. Only these paths: the console is not an open proxy.
/// </summary>
public static class DownloadEndpoints
{
    public static WebApplication MapDownloadEndpoints(this WebApplication app)
    {
        var files = app.MapGroup("/files").RequireAuthorization();
        files.MapGet("/documents/{id:guid}.tt", async (Guid id, DocumentsApi documents, CancellationToken ct) =>
            File(await documents.GetTextAsync($"/documents/{id}/wrapped", ct), $"{id}.tt", "application/json"));
        files.MapGet("/messages/{id:guid}.xml", async (Guid id, PaymentsApi payments, CancellationToken ct) =>
            File(await payments.GetTextAsync($"/messages/{id}", ct), $"{id}.xml", "application/xml"));
        return app;
    }

    private static IResult File(ApiResult<(string Text, string ContentType)> result, string name, string contentType) =>
        result.Ok
            ? Results.File(System.Text.Encoding.UTF8.GetBytes(result.Value.Text), contentType, name)
            : Results.Problem(title: result.Problem!.Title, detail: result.Problem.Detail, statusCode: result.Problem.Status);
}
