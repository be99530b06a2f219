using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.Console.Components.Shared;
using TradeChain.Console.Services;
using TradeChain.Console.Services.Payments;

namespace TradeChain.ConsoleTests;

/// <summary>
/// The console's side of the services' list long-poll, without a browser: what LiveList asks (If-None-Match of the ETag
/// it holds, waitSeconds) and what it hands its page (each changed list, never a 304's nothing).
/// </summary>
public sealed class LiveListTests : BunitContext
{
    private readonly ScriptedList _service = new();
    private readonly Bunit.TestDoubles.BunitAuthorizationContext _auth;

    public LiveListTests()
    {
        // For a page that injects the API and reads who is signed in (registered before anything is rendered or asked for).
        Services.AddSingleton(Api());
        _auth = AddAuthorization();
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    [Fact]
    public void It_hands_the_page_each_changed_list_and_asks_with_the_etag_it_holds_and_a_wait()
    {
        _service.Answers.Enqueue((HttpStatusCode.OK, "\"a\"", Credits("LC-1")));
        _service.Answers.Enqueue((HttpStatusCode.NotModified, "\"a\"", null));
        _service.Answers.Enqueue((HttpStatusCode.OK, "\"b\"", Credits("LC-1", "LC-2")));
        var shown = new List<string>();

        Render<LiveList<Page<Credit>>>(p => p.Add(l => l.Api, Api()).Add(l => l.Path, "/credits?page=1&pageSize=50")
            .Add(l => l.OnChanged, page => shown.Add(string.Join(",", page.Items.Select(c => c.Number)))));

        // Bounded: after its three scripted answers the service holds each further request until the test ends. (Polled:
        // bUnit's WaitForAssertion looks again only when the component renders, and handing a page over renders nothing here.)
        for (var waited = 0; shown.Count < 2 && waited < 150; waited++) Thread.Sleep(100);
        Assert.Equal(["LC-1", "LC-1,LC-2"], shown);
        var asked = _service.Requests.ToArray();
        Assert.True(asked.Length >= 3, string.Join(" | ", asked));
        // The first read learns the list and its ETag; each later one asks after the ETag it holds, waiting for a change.
        Assert.Equal("/credits?page=1&pageSize=50 If-None-Match: ", asked[0]);
        Assert.Equal($"/credits?page=1&pageSize=50&waitSeconds={LiveList<Page<Credit>>.WaitSeconds} If-None-Match: \"a\"", asked[1]);
        Assert.Equal($"/credits?page=1&pageSize=50&waitSeconds={LiveList<Page<Credit>>.WaitSeconds} If-None-Match: \"a\"", asked[2]);
        if (asked.Length > 3) Assert.EndsWith("If-None-Match: \"b\"", asked[3]);
    }

    [Fact]
    public void Given_the_ETag_of_the_pages_own_read_its_first_request_already_waits_on_it_instead_of_reading_the_list_again()
    {
        _service.Answers.Enqueue((HttpStatusCode.OK, "\"b\"", Credits("LC-1", "LC-2")));
        var shown = new List<string>();

        Render<LiveList<Page<Credit>>>(p => p.Add(l => l.Api, Api()).Add(l => l.Path, "/credits?page=1&pageSize=50").Add(l => l.ETag, "\"a\"")
            .Add(l => l.OnChanged, page => shown.Add(string.Join(",", page.Items.Select(c => c.Number)))));

        for (var waited = 0; shown.Count < 1 && waited < 150; waited++) Thread.Sleep(100);
        Assert.Equal(["LC-1,LC-2"], shown);
        var asked = _service.Requests.ToArray();
        Assert.Equal($"/credits?page=1&pageSize=50&waitSeconds={LiveList<Page<Credit>>.WaitSeconds} If-None-Match: \"a\"", asked[0]);
        for (var waited = 0; _service.Requests.Count < 2 && waited < 150; waited++) Thread.Sleep(100);
        Assert.EndsWith("If-None-Match: \"b\"", _service.Requests.ToArray()[1]); // and on from the changed list's ETag
    }

    [Fact]
    public void A_page_follows_its_list_from_its_own_read_without_reading_it_again()
    {
        // The credits page reads its list (ETag "a"); its follow then waits on that ETag: its first answer is a change.
        _service.Answers.Enqueue((HttpStatusCode.OK, "\"a\"", Credits("LC-1")));
        _service.Answers.Enqueue((HttpStatusCode.OK, "\"b\"", Credits("LC-1", "LC-2")));
        _auth.SetAuthorized("anh");
        _auth.SetClaims(new System.Security.Claims.Claim(TradeChain.ServiceDefaults.Auth.Claims.Role, TradeChain.ServiceDefaults.Auth.Roles.Exporter),
            new System.Security.Claims.Claim(TradeChain.ServiceDefaults.Auth.Claims.Party, "IMP-1"));

        var page = Render<TradeChain.Console.Components.Pages.Payments.Credits>();

        page.WaitForAssertion(() => Assert.Contains("LC-2", page.Markup), TimeSpan.FromSeconds(15));
        var asked = _service.Requests.ToArray();
        Assert.Equal("/credits?page=1&pageSize=50 If-None-Match: ", asked[0]); // the page's own read
        Assert.Equal($"/credits?page=1&pageSize=50&waitSeconds={LiveList<Page<Credit>>.WaitSeconds} If-None-Match: \"a\"", asked[1]); // not a second plain read
    }

    private PaymentsApi Api() => new(new HttpClient(_service) { BaseAddress = new Uri("http://payments.test/") }, new AnonymousAuthentication(), new HttpContextAccessor());

    private static string Credits(params string[] numbers) =>
        "{\"items\":[" + string.Join(",", numbers.Select(n => "{\"id\":\"" + Guid.NewGuid() + "\",\"number\":\"" + n + "\"," +
            "\"applicant\":\"IMP-1\",\"beneficiary\":\"EXP-1\",\"issuingBank\":\"BNK-1\",\"status\":\"Issued\",\"drawn\":0,\"presentations\":[]," +
            "\"terms\":{\"currency\":\"USD\",\"amount\":1000,\"expiryDate\":\"2027-01-15\"}}")) + "],\"pageNumber\":1,\"pageSize\":50,\"total\":" + numbers.Length + "}";

    /// <summary>A payments service answering a list with the scripted answers in turn, then holding each request until cancelled.</summary>
    private sealed class ScriptedList : HttpMessageHandler
    {
        public readonly ConcurrentQueue<(HttpStatusCode Status, string ETag, string? Body)> Answers = new();

        public readonly ConcurrentQueue<string> Requests = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Enqueue($"{request.RequestUri!.PathAndQuery} If-None-Match: {string.Join(",", request.Headers.IfNoneMatch)}");
            await Task.Delay(50, cancellationToken); // an answer takes a moment, as over the network: a page renders while it waits
            if (!Answers.TryDequeue(out var answer))
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                throw new OperationCanceledException(cancellationToken);
            }
            var response = new HttpResponseMessage(answer.Status);
            response.Headers.TryAddWithoutValidation("ETag", answer.ETag);
            if (answer.Body is not null) response.Content = new StringContent(answer.Body, Encoding.UTF8, "application/json");
            return response;
        }
    }
}
