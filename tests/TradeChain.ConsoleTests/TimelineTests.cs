using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Bunit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.Console.Components.Shared;
using TradeChain.Console.Services;
using TradeChain.Console.Services.Verify;

namespace TradeChain.ConsoleTests;

/// <summary>The timeline's words for each proof state, from a history as the services' history API gives it.</summary>
public sealed class TimelineTests : IAsyncLifetime
{
    private const string Root = "0x5f2c0e7bd0a3b1e9a8c4f1b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2";
    private const string Transaction = "0x9a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5";

    private readonly BunitContext _context = new();
    private readonly HistoryHandler _history = new();

    public TimelineTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }

    [Fact]
    public void An_anchored_transition_that_checks_against_the_chain_says_where_it_is_anchored_and_links_to_the_verifier()
    {
        _history.Transitions = [Transition(1, "Registered", "Accepted", "01", Anchored(proofValid: true, rootOnChain: true, "verified: the transition is in a root recorded on chain"))];
        var timeline = Render();

        var item = timeline.Find("li.transition");
        Assert.Equal("verified", item.GetAttribute("data-proof"));
        Assert.Equal($"✓ anchored in block 42, transaction {Transaction} — verified against the chain", item.QuerySelector("[data-testid=proof-status]")!.TextContent.Trim());
        Assert.Contains("01 — accepted (WCO response code)", item.TextContent);
        Assert.Contains("officer.tran", item.TextContent);
        Assert.Contains("documents verified", item.TextContent);
        Assert.Contains("2026-11-23 08:00:00 UTC", item.TextContent);

        // The link carries this transition exactly as the API gave it, for the verifier to check without the service.
        var link = item.QuerySelector("a[data-testid=check-proof]")!.GetAttribute("href")!;
        var carried = JsonNode.Parse(TransitionWords.FromLink(link["/verify?proof=".Length..link.IndexOf('#')])!)!;
        Assert.True(JsonNode.DeepEquals(_history.Transitions[0], carried));
        Assert.Empty(timeline.FindAll(".live")); // nothing pending or unchecked: no polling
    }

    [Fact]
    public void A_pending_transition_says_so_and_the_timeline_polls_until_it_is_anchored()
    {
        _history.Transitions =
        [
            Transition(1, "Submitted", "Issued", null, Anchored(true, true, "verified: the transition is in a root recorded on chain")),
            Transition(2, "Issued", "Revoked", null, new JsonObject
            {
                ["status"] = "pending", ["root"] = null, ["proof"] = new JsonArray(), ["batchSize"] = null, ["blockNumber"] = null,
                ["transactionHash"] = null, ["contract"] = "0x0000000000000000000000000000000000000001", ["proofValid"] = null, ["rootOnChain"] = null,
                ["verdict"] = "not yet anchored",
            }),
        ];
        var timeline = Render();

        var pending = timeline.Find("li.transition[data-sequence='2']");
        Assert.Equal("pending", pending.GetAttribute("data-proof"));
        Assert.Equal("… pending anchoring: not yet on chain", pending.QuerySelector("[data-testid=proof-status]")!.TextContent.Trim());
        Assert.Null(pending.QuerySelector("a[data-testid=check-proof]")); // no proof to check yet
        Assert.Contains("1 change(s) waiting to be anchored", timeline.Markup);
        Assert.Single(timeline.FindAll(".live"));

        // Once anchored, the next poll shows it and stops polling.
        _history.Transitions[1]!["anchor"] = Anchored(true, true, "verified: the transition is in a root recorded on chain");
        timeline.WaitForAssertion(() =>
            Assert.Equal("verified", timeline.Find("li.transition[data-sequence='2']").GetAttribute("data-proof")), TimeSpan.FromSeconds(10));
        Assert.Empty(timeline.FindAll(".live"));
    }

    [Fact]
    public void A_proof_the_chain_did_not_answer_for_in_time_is_asked_again_until_it_does()
    {
        var notAsked = Anchored(true, null, "proof valid; the chain could not be asked in time (down or slow), so the root was not checked");
        notAsked["status"] = "unchecked"; // as TransitionHistory says it
        _history.Transitions = [Transition(1, "Registered", "Accepted", "01", notAsked)];
        var timeline = Render();

        Assert.Equal("notchecked", timeline.Find("li.transition").GetAttribute("data-proof"));
        Assert.Contains("1 proof(s) could not be checked against the chain just now", timeline.Find("[data-testid=history-rechecking]").TextContent);
        Assert.Single(timeline.FindAll(".live"));
        var reads = _history.Requests;

        // The node answers on a later read: the timeline shows it verified and stops asking.
        _history.Transitions[0]!["anchor"] = Anchored(true, true, "verified: the transition is in a root recorded on chain");
        timeline.WaitForAssertion(() => Assert.Equal("verified", timeline.Find("li.transition").GetAttribute("data-proof")),
            TimeSpan.FromMilliseconds(Timeline.RecheckIntervalMs * 3));
        Assert.True(_history.Requests > reads);
        Assert.Empty(timeline.FindAll("[data-testid=history-rechecking]"));
        Assert.Empty(timeline.FindAll(".live"));
    }

    [Fact]
    public void A_transition_whose_proof_does_not_verify_says_why()
    {
        _history.Transitions =
        [
            Transition(1, "Registered", "Accepted", "01", Anchored(false, true, "tampered: the transition's fields do not hash to a leaf of its anchored root")),
            Transition(2, "Accepted", "Paid", null, Anchored(true, false, "unknown root: the chain does not record this transition's root")),
        ];
        var timeline = Render();

        Assert.Equal("✗ does not verify: tampered: the transition's fields do not hash to a leaf of its anchored root",
            timeline.Find("li.transition[data-sequence='1'] [data-testid=proof-status]").TextContent.Trim());
        Assert.Equal("✗ does not verify: unknown root: the chain does not record this transition's root",
            timeline.Find("li.transition[data-sequence='2'] [data-testid=proof-status]").TextContent.Trim());
        Assert.All(timeline.FindAll("li.transition"), li => Assert.Equal("doesnotverify", li.GetAttribute("data-proof")));
        // The raw proof stays a click away, so a reader can see what did not verify.
        Assert.Equal(2, timeline.FindAll("details.raw").Count);
    }

    [Fact]
    public void A_history_that_does_not_verify_says_so_above_its_transitions_and_a_verified_one_says_that_quietly()
    {
        _history.Transitions = [Transition(1, "Registered", "Accepted", "01", Anchored(false, true, "tampered: the transition's fields do not hash to a leaf of its anchored root"))];
        _history.Verdict = ("does-not-verify", "1 of 1 transition(s) do not verify: #1 tampered: the transition's fields do not hash to a leaf of its anchored root");
        var verdict = Render().Find("[data-testid=history-verdict]");
        Assert.Equal("alert", verdict.GetAttribute("role"));
        Assert.Equal("This history does not verify: 1 of 1 transition(s) do not verify: #1 tampered: the transition's fields do not hash to a leaf of its anchored root",
            verdict.TextContent.Trim());

        _history.Transitions = [Transition(1, "Registered", "Accepted", "01", Anchored(true, true, "verified: the transition is in a root recorded on chain"))];
        _history.Verdict = ("verified", "all 1 transition(s) verified against the chain");
        var verified = Render().Find("[data-testid=history-verdict]");
        Assert.Null(verified.GetAttribute("role"));
        Assert.Equal("all 1 transition(s) verified against the chain", verified.TextContent.Trim());
    }

    [Fact]
    public void States_are_shown_in_words_with_their_codes_kept_for_styling()
    {
        _history.Transitions = [Transition(1, "UnderDocumentaryCheck", "ReadyForRelease", "09", Anchored(true, true, "verified: the transition is in a root recorded on chain"))];
        var item = Render().Find("li.transition");

        Assert.Equal("Under documentary check", item.QuerySelector(".from")!.TextContent);
        var to = item.QuerySelector(".badge")!;
        Assert.Equal("Ready for release", to.TextContent);
        Assert.Equal("ReadyForRelease", to.GetAttribute("data-status"));
        Assert.Contains("09 — cleared (WCO response code)", item.TextContent);
    }

    [Fact]
    public void A_refusal_by_the_service_is_shown_in_words()
    {
        _history.Status = HttpStatusCode.NotFound;
        var timeline = Render();
        Assert.Contains("Not found (or not yours to see)", timeline.Find("[data-testid=problem]").TextContent);
    }

    private DocumentsApi Api() => new(new HttpClient(_history) { BaseAddress = new Uri("http://documents.test/") }, new AnonymousAuthentication(), new HttpContextAccessor());

    private IRenderedComponent<Timeline> Render()
    {
        var api = Api();
        var timeline = _context.Render<Timeline>(p => p.Add(t => t.Api, api).Add(t => t.Path, "/documents/3f0c/history").Add(t => t.Version, "Issued"));
        // bUnit's default wait is 1 s: a cold first render on two cores shared with the system tests may take longer.
        timeline.WaitForState(() => timeline.FindAll("li.transition").Count > 0 || timeline.FindAll("[data-testid=problem]").Count > 0, TimeSpan.FromSeconds(15));
        return timeline;
    }

    [Fact]
    public void A_prerendered_timeline_reads_no_history_and_says_it_is_loading()
    {
        _history.Transitions = [Transition(1, "Registered", "Accepted", "01", Anchored(proofValid: true, rootOnChain: true, "verified: the transition is in a root recorded on chain"))];
        _context.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Static", isInteractive: false));
        var api = Api();

        var prerendered = _context.Render<Timeline>(p => p.Add(t => t.Api, api).Add(t => t.Path, "/documents/3f0c/history").Add(t => t.Version, "Issued"));

        Assert.Equal(0, _history.Requests);
        Assert.Contains("Loading history…", prerendered.Markup);
        Assert.Empty(prerendered.FindAll("li.transition"));
    }

    [Fact]
    public void In_a_credits_history_copying_a_presentations_proof_marks_that_transition_only_though_the_credits_has_the_same_sequence()
    {
        var credit = Transition(1, "Applied", "Issued", null, Anchored(true, true, "verified: the transition is in a root recorded on chain"));
        var presentation = Transition(1, "new", "Presented", null, Anchored(true, true, "verified: the transition is in a root recorded on chain"));
        presentation["aggregateType"] = "presentation";
        presentation["leaf"] = "0x" + new string('b', 64);
        _history.Transitions = [credit, presentation];
        _context.JSInterop.Setup<bool>("tradechain.copy", _ => true).SetResult(true);
        var timeline = Render();

        var copy = timeline.FindAll("li.transition button.link-button");
        Assert.Equal(2, copy.Count);
        Assert.Contains("of presentation transition 1", copy[1].TextContent);
        copy[1].Click();

        var items = timeline.FindAll("li.transition");
        Assert.DoesNotContain("copied", items[0].TextContent);
        Assert.Contains("copied", items[1].TextContent);
    }

    private static JsonObject Transition(int sequence, string from, string to, string? responseCode, JsonObject anchor) => new()
    {
        ["sequence"] = sequence, ["fromState"] = from, ["toState"] = to, ["actor"] = "officer.tran", ["reason"] = "documents verified",
        ["responseCode"] = responseCode, ["occurredAtUnixMs"] = 1795420800000 + (sequence - 1) * 60_000L, ["service"] = "customs",
        ["aggregateType"] = "declaration", ["aggregateId"] = "3f0c", ["leaf"] = "0x" + new string('a', 64),
        ["canonicalLeafData"] = "[\"tradechain.transition.v1\"]", ["anchor"] = anchor,
    };

    private static JsonObject Anchored(bool proofValid, bool? rootOnChain, string verdict) => new()
    {
        ["status"] = "anchored", ["root"] = Root, ["proof"] = new JsonArray(), ["batchSize"] = 1, ["blockNumber"] = 42,
        ["transactionHash"] = Transaction, ["contract"] = "0x0000000000000000000000000000000000000001", ["proofValid"] = proofValid,
        ["rootOnChain"] = rootOnChain, ["verdict"] = verdict,
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    /// <summary>A documents service that answers the history path with the transitions the test sets.</summary>
    private sealed class HistoryHandler : HttpMessageHandler
    {
        public JsonArray Transitions { get; set; } = [];

        /// <summary>How many times the history was asked for.</summary>
        public int Requests;

        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

        /// <summary>The history's overall verdict and its reason, when the test sets them.</summary>
        public (string Verdict, string Reason)? Verdict { get; set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Requests);
            var body = Status == HttpStatusCode.OK
                ? new JsonObject
                {
                    ["aggregateType"] = "declaration", ["aggregateId"] = "3f0c", ["transitions"] = Transitions.DeepClone(),
                    ["verdict"] = Verdict?.Verdict, ["verdictReason"] = Verdict?.Reason,
                }.ToJsonString()
                : "{\"title\":\"Not found (or not yours to see)\",\"status\":404}";
            return Task.FromResult(new HttpResponseMessage(Status) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }
}
