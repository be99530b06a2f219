using System.Net;
using System.Text;
using Bunit;
using TradeChain.Console.Components.Payments;
using TradeChain.ConsoleTests.Infrastructure;

namespace TradeChain.ConsoleTests;

/// <summary>
/// The payer's account on a duty's page, as its bank sees it, without a browser: the shortfall is offered as a deposit
/// under a reference of its own; a deposit that left a shortfall is followed by a new reference, never the used one; and
/// what a deposit still queued covers is not offered again.
/// </summary>
public sealed class PayerAccountTests : PaymentsComponentContext
{
    private const string Stem = "DEP-DUTY-AB12-V1";
    private readonly AccountService _service;

    public PayerAccountTests() : this(new AccountService()) { }

    private PayerAccountTests(AccountService service) : base(service) => _service = service;

    [Fact]
    public void A_deposit_that_leaves_a_shortfall_is_followed_by_a_suggestion_under_a_new_reference()
    {
        _service.Account = Account(balance: 0m, entries: 0);
        var card = RenderCard("Requested");
        AssertSuggested(card, "20", $"{Stem}-1");

        // The bank deposits less than the shortfall: the service books it (the account now holds one entry, 12.50).
        _service.Answer = (HttpStatusCode.OK, Account(balance: 12.5m, entries: 1), () => _service.Account = Account(balance: 12.5m, entries: 1));
        Deposit(card, "12.5");

        // The 7.50 still short is offered under a new number, not under the reference just used (refused as taken).
        AssertSuggested(card, "7.5", $"{Stem}-2");
        Assert.Equal(["/accounts/EXP-1/USD/deposits"], _service.Posts);
        Assert.Contains($"\"reference\":\"{Stem}-1\"", _service.Bodies.Single());
    }

    [Fact]
    public void A_deposit_still_queued_counts_against_the_shortfall_though_the_account_moves_before_it_is_booked()
    {
        _service.Account = Account(balance: 0m, entries: 0);
        var card = RenderCard("Requested");
        AssertSuggested(card, "20", $"{Stem}-1");

        // 12.50 queued for the bank's next batch (202): not in the balance, but asked; 7.50 is what is left to offer, under -2.
        _service.Answer = (HttpStatusCode.Accepted, Queued($"{Stem}-1", 12.5m), () => _service.Instructions = Instructions(($"{Stem}-1", 12.5m)));
        Deposit(card, "12.5");
        AssertSuggested(card, "7.5", $"{Stem}-2");
        Assert.Contains($"{Stem}-1", card.Find("[data-testid=payer-queued]").TextContent);

        // Before it is booked another movement lands on the account (another duty settled): the balance is what it was, the
        // count moved. Still 7.50 offered (not the 20 again), under a number not used.
        _service.Account = Account(balance: 0m, entries: 1);
        card.Render(p => p.Add(a => a.Version, "Requested again"));
        AssertSuggested(card, "7.5", $"{Stem}-3");

        // The rest queued as well: the queued deposits cover the shortfall, and nothing more is offered.
        _service.Answer = (HttpStatusCode.Accepted, Queued($"{Stem}-3", 7.5m), () => _service.Instructions = Instructions(($"{Stem}-1", 12.5m), ($"{Stem}-3", 7.5m)));
        Deposit(card, "7.5");
        card.WaitForAssertion(() => Assert.NotEmpty(card.FindAll("[data-testid=payer-covered]")), TimeSpan.FromSeconds(10));
        Assert.Empty(card.FindAll("#payer-deposit-reference"));
        Assert.Equal(2, _service.Posts.Count);
    }

    [Fact]
    public void An_account_opened_on_the_card_is_offered_the_whole_amount_due_under_the_first_reference()
    {
        _service.Account = ""; // none yet: 404
        var card = RenderCard("Requested");
        card.WaitForAssertion(() => Assert.NotEmpty(card.FindAll("[data-testid=payer-no-account]")), TimeSpan.FromSeconds(10));

        _service.Answer = (HttpStatusCode.Created, Account(balance: 0m, entries: 0), () => _service.Account = Account(balance: 0m, entries: 0));
        card.Find("[data-testid=open-account]").Click();

        AssertSuggested(card, "20", $"{Stem}-1");
        Assert.Equal(["/accounts"], _service.Posts);
    }

    [Fact]
    public void A_suggested_reference_keeps_its_number_within_the_35_characters_a_reference_may_have()
    {
        Assert.Equal("DEP-DUTY-1-8", PayerAccount.DepositReferenceFor("DEP-DUTY-1", 7));
        var stem = "DEP-" + new string('X', 40);
        var reference = PayerAccount.DepositReferenceFor(stem, 1234)!;
        Assert.Equal(35, reference.Length);
        Assert.EndsWith("X-1235", reference, StringComparison.Ordinal);
        Assert.Null(PayerAccount.DepositReferenceFor(null, 0));
    }

    private IRenderedComponent<PayerAccount> RenderCard(string version) =>
        Render<PayerAccount>(p => p.Add(a => a.Payer, "EXP-1").Add(a => a.Currency, "USD").Add(a => a.Needed, 20m)
            .Add(a => a.Bank, "BNK-1").Add(a => a.DepositStem, Stem).Add(a => a.Version, version));

    private static void AssertSuggested(IRenderedComponent<PayerAccount> card, string amount, string reference) =>
        card.WaitForAssertion(() =>
        {
            Assert.Equal(amount, card.Find("#payer-deposit-amount").GetAttribute("value"));
            Assert.Equal(reference, card.Find("#payer-deposit-reference").GetAttribute("value"));
        }, TimeSpan.FromSeconds(10));

    private static void Deposit(IRenderedComponent<PayerAccount> card, string amount)
    {
        card.Find("#payer-deposit-amount").Change(amount);
        card.Find("[data-testid=deposits-submit]").Click();
    }

    private static string Account(decimal balance, long entries) =>
        $"{{\"party\":\"EXP-1\",\"currency\":\"USD\",\"address\":\"0x01\",\"servicingBank\":\"BNK-1\",\"balance\":{balance},\"entries\":[],\"entryCount\":{entries}}}";

    private static string Queued(string reference, decimal amount) =>
        $"{{\"kind\":\"deposit\",\"party\":\"EXP-1\",\"currency\":\"USD\",\"reference\":\"{reference}\",\"amount\":{amount},\"status\":\"Queued\",\"bank\":\"BNK-1\",\"requestedAtUnixMs\":1796000000000}}";

    private static string Instructions(params (string Reference, decimal Amount)[] queued) =>
        $"{{\"items\":[{string.Join(",", queued.Select(q => Queued(q.Reference, q.Amount)))}],\"pageNumber\":1,\"pageSize\":200,\"total\":{queued.Length}}}";

    /// <summary>
    /// The payments service for one account: reads answer the account and its instructions as they stand; a follow waits
    /// (until cancelled); a deposit is answered as scripted and changes what later reads see.
    /// </summary>
    private sealed class AccountService : HttpMessageHandler
    {
        public volatile string Account = "";
        public volatile string Instructions = PayerAccountTests.Instructions();
        public (HttpStatusCode Status, string Body, Action Then) Answer;
        public readonly List<string> Posts = [];
        public readonly List<string> Bodies = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post)
            {
                var body = await request.Content!.ReadAsStringAsync(cancellationToken);
                lock (Posts)
                {
                    Posts.Add(request.RequestUri!.AbsolutePath);
                    Bodies.Add(body);
                }
                Answer.Then();
                return Json(Answer.Status, Answer.Body);
            }
            if (request.RequestUri!.Query.Contains("waitSeconds", StringComparison.Ordinal)) await Task.Delay(Timeout.Infinite, cancellationToken);
            var current = request.RequestUri.AbsolutePath.EndsWith("/instructions", StringComparison.Ordinal) ? Instructions : Account;
            if (current.Length == 0)
                return new HttpResponseMessage(HttpStatusCode.NotFound)
                {
                    Content = new StringContent("{\"status\":404,\"title\":\"Not found\"}", Encoding.UTF8, "application/problem+json"),
                };
            var read = Json(HttpStatusCode.OK, current);
            read.Headers.ETag = new System.Net.Http.Headers.EntityTagHeaderValue($"\"{(uint)current.GetHashCode()}\"");
            return read;
        }

        private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
            new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }
}
