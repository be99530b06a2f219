using System.Net;
using System.Text;
using Bunit;
using TradeChain.Console.Components.Payments;
using TradeChain.ConsoleTests.Infrastructure;

namespace TradeChain.ConsoleTests;

/// <summary>
/// The payer's account on a duty's page, as its bank sees it, without a browser: the shortfall is offered as a deposit
/// under a reference of its own, and a deposit that left a shortfall is followed by a new reference, not the used one.
/// </summary>
public sealed class PayerAccountTests : PaymentsComponentContext
{
    private readonly AccountService _service;

    public PayerAccountTests() : this(new AccountService()) { }

    private PayerAccountTests(AccountService service) : base(service) => _service = service;

    [Fact]
    public void A_deposit_that_leaves_a_shortfall_is_followed_by_a_suggestion_under_a_new_reference()
    {
        _service.Account = Account(balance: 0m, entries: 0);
        var card = Render<PayerAccount>(p => p.Add(a => a.Payer, "EXP-1").Add(a => a.Currency, "USD").Add(a => a.Needed, 20m)
            .Add(a => a.Bank, "BNK-1").Add(a => a.DepositReference, "DEP-DUTY-AB12-V1").Add(a => a.Version, "Requested"));
        card.WaitForAssertion(() => Assert.Equal("DEP-DUTY-AB12-V1-1", card.Find("#payer-deposit-reference").GetAttribute("value")), TimeSpan.FromSeconds(10));
        Assert.Equal("20", card.Find("#payer-deposit-amount").GetAttribute("value"));

        // The bank deposits less than the shortfall: the service books it (the account now holds one entry, 12.50).
        _service.Booked = Account(balance: 12.5m, entries: 1);
        card.Find("#payer-deposit-amount").Change("12.5");
        card.Find("[data-testid=deposits-submit]").Click();

        // The 7.50 still short is offered under the account's next number, not under the reference just used (refused as taken).
        card.WaitForAssertion(() => Assert.Equal("7.5", card.Find("#payer-deposit-amount").GetAttribute("value")), TimeSpan.FromSeconds(10));
        Assert.Equal("DEP-DUTY-AB12-V1-2", card.Find("#payer-deposit-reference").GetAttribute("value"));
        Assert.Equal(["/accounts/EXP-1/USD/deposits"], _service.Posts);
        Assert.Contains("\"reference\":\"DEP-DUTY-AB12-V1-1\"", _service.Bodies.Single());
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

    private static string Account(decimal balance, long entries) =>
        $"{{\"party\":\"EXP-1\",\"currency\":\"USD\",\"address\":\"0x01\",\"servicingBank\":\"BNK-1\",\"balance\":{balance},\"entries\":[],\"entryCount\":{entries}}}";

    /// <summary>The payments service for one account: reads answer the account as it stands; a follow waits (until cancelled); a deposit books.</summary>
    private sealed class AccountService : HttpMessageHandler
    {
        public volatile string Account = "";
        public string Booked = "";
        public readonly List<string> Posts = [];
        public readonly List<string> Bodies = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post)
            {
                lock (Posts)
                {
                    Posts.Add(request.RequestUri!.AbsolutePath);
                    Bodies.Add(request.Content!.ReadAsStringAsync(cancellationToken).Result);
                }
                Account = Booked;
                return Json(HttpStatusCode.OK, Booked);
            }
            if (request.RequestUri!.Query.Contains("waitSeconds", StringComparison.Ordinal)) await Task.Delay(Timeout.Infinite, cancellationToken);
            var read = Json(HttpStatusCode.OK, Account);
            read.Headers.ETag = new System.Net.Http.Headers.EntityTagHeaderValue($"\"{(uint)Account.GetHashCode()}\"");
            return read;
        }

        private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
            new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }
}
