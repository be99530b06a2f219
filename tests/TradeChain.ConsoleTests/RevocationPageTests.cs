using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.Console.Components.Pages.Documents;
using TradeChain.Console.Services;
using TradeChain.ConsoleTests.Infrastructure;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.ConsoleTests;

/// <summary>
/// A document's page while its revocation is being sent (the documents service's issuer sends it after the request is
/// saved), without a browser: what the owner sees, and that the page asks to revoke without waiting for the chain.
/// </summary>
public sealed class RevocationPageTests : BunitContext
{
    private static readonly Guid Id = Guid.Parse("3f2a1c4e-0000-4000-8000-00000000d0c5");
    private readonly ScriptedDocuments _service = new();

    public RevocationPageTests()
    {
        Services.AddSingleton(new DocumentsApi(new HttpClient(_service) { BaseAddress = new Uri("http://documents.test/") }, new AnonymousAuthentication(), new HttpContextAccessor()));
        var auth = AddAuthorization();
        auth.SetAuthorized("anh");
        auth.SetClaims(new System.Security.Claims.Claim(Claims.Role, Roles.Exporter), new System.Security.Claims.Claim(Claims.Party, "EXP-1"));
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    [Fact]
    public void A_document_being_revoked_shows_what_was_asked_and_offers_no_second_revocation()
    {
        _service.Document = Document(version: 3, pending: true);

        var page = Render<DocumentDetail>(p => p.Add(d => d.Id, Id));

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=revocation-pending]")), TimeSpan.FromSeconds(10));
        var card = page.Find("[data-testid=revocation-pending]");
        Assert.Contains("Being revoked", card.TextContent);
        Assert.Contains("issued in error: wrong consignee", card.TextContent);
        Assert.Contains("still verifies", card.TextContent);
        Assert.Empty(page.FindAll("[data-testid=revoke]"));
        Assert.Empty(page.FindAll("[data-testid=revocation]")); // not shown as revoked before the record
    }

    [Fact]
    public void Revoking_asks_without_waiting_for_the_chain_and_shows_the_document_being_revoked()
    {
        _service.Document = Document(version: 2, pending: false);
        var page = Render<DocumentDetail>(p => p.Add(d => d.Id, Id));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=revoke-document]")), TimeSpan.FromSeconds(10));

        page.Find("#revoke-reason").Input("issued in error: wrong consignee");
        page.Find("[data-testid=revoke-document]").Click();
        page.Find("[data-testid=revoke-confirm]").Click();

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=revocation-pending]")), TimeSpan.FromSeconds(10));
        var asked = Assert.Single(_service.Posts);
        Assert.Equal($"/documents/{Id}/revoke Prefer: respond-async", asked.Line);
        Assert.Contains("\"scope\":\"document\"", asked.Body);
        Assert.Empty(page.FindAll("[data-testid=revoke]"));
    }

    private static string Document(int version, bool pending) =>
        "{\"id\":\"" + Id + "\",\"type\":\"commercial-invoice\",\"ownerParty\":\"EXP-1\",\"hash\":\"0xab\",\"targetHash\":\"ab\",\"status\":\"Issued\"," +
        "\"transferable\":false,\"documentStore\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"merkleRoot\":\"ab\",\"issueTransactionHash\":\"0x01\"," +
        "\"issuedInBlock\":7,\"submittedAtUnixMs\":1796000000000,\"content\":{\"invoiceNumber\":\"INV-1\"},\"wrapped\":{},\"version\":" + version +
        (pending ? ",\"revocationRequest\":{\"scope\":\"document\",\"reason\":\"issued in error: wrong consignee\",\"requestedAtUnixMs\":1796000001000}" : "") + "}";

    /// <summary>
    /// A documents service: the document as scripted; a revoke request answered 202 with the document being revoked (as the
    /// service does with Prefer: respond-async); every other request (a follow, a history) held until the test ends.
    /// </summary>
    private sealed class ScriptedDocuments : HttpMessageHandler
    {
        public volatile string Document = "{}";

        public readonly ConcurrentQueue<(string Line, string Body)> Posts = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.PathAndQuery;
            if (request.Method == HttpMethod.Post && path.EndsWith("/revoke", StringComparison.Ordinal))
            {
                Posts.Enqueue(($"{path} Prefer: {(request.Headers.TryGetValues("Prefer", out var prefer) ? string.Join(",", prefer) : "")}", await request.Content!.ReadAsStringAsync(cancellationToken)));
                var asked = Document(4, pending: true);
                return Json(HttpStatusCode.Accepted, "{\"revokedHash\":\"ab\",\"scope\":\"document\",\"reason\":\"issued in error: wrong consignee\",\"documents\":[" + asked + "]}");
            }
            if (request.Method == HttpMethod.Get && path == $"/documents/{Id}") return Json(HttpStatusCode.OK, Document);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new OperationCanceledException(cancellationToken);
        }

        private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
            new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }
}
