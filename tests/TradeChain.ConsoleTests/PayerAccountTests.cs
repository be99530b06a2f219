using System.Net;
using System.Text;
using Bunit;
using TradeChain.Console.Components.Payments;
using TradeChain.ConsoleTests.Infrastructure;

namespace TradeChain.ConsoleTests;

/// <summary>
/// The payer's account on a duty's page, as its bank sees it, without a browser: the shortfall is offered as a deposit
/// under the duty's one reference; what deposits still queued cover (given by the account's one read, with its balance)
/// is not offered again; a deposit the service answers as booked before says so.
/// </summary>
public sealed class PayerAccountTests : PaymentsComponentContext
{
    private const string Reference = "DEP-DUTY-AB12-V1";
    private readonly AccountService _service;

    public PayerAccountTests() : this(new AccountService()) { }

    private PayerAccountTests(AccountService service) : base(service) => _service = service;

    [Fact]
    public void A_deposit_still_queued_counts_against_the_shortfall_though_the_account_moves_before_it_is_booked()
    {
        _service.Account = Account(balance: 0m);
        var card = RenderCard();
        AssertSuggested(card, "20", Reference);

        // 12.50 queued for the bank's next batch (202): not in the balance, but the account's view gives it among the queued;
        // 7.50 is what is left to offer (the form offers no reference: the duty's was just used).
        _service.Answer = (HttpStatusCode.Accepted, Queued(Reference, 12.5m), () => _service.Account = Account(balance: 0m, queued: (12.5m, 1)));
        Deposit(card, "12.5");
        AssertSuggested(card, "7.5", "");
        Assert.Contains("One deposit of 12.50 USD is waiting", Words(card.Find("[data-testid=payer-queued]").TextContent));

        // The card reads the account again (its Version moved) before the deposit is booked: the queued 12.50 is still taken
        // off, 7.50 offered, not the 20 again.
        card.Render(p => p.Add(a => a.Version, "Requested again"));
        AssertSuggested(card, "7.5", "");

        // The rest queued as well, under a reference the clerk gives: the queued deposits cover the shortfall, nothing more is offered.
        _service.Answer = (HttpStatusCode.Accepted, Queued("DEP-REST", 7.5m), () => _service.Account = Account(balance: 0m, queued: (20m, 2)));
        card.Find("#payer-deposit-reference").Change("DEP-REST");
        Deposit(card, "7.5");
        card.WaitForAssertion(() => Assert.NotEmpty(card.FindAll("[data-testid=payer-covered]")), TimeSpan.FromSeconds(10));
        Assert.Contains("2 deposits, 20.00 USD in all, are waiting", Words(card.Find("[data-testid=payer-queued]").TextContent));
        Assert.Empty(card.FindAll("#payer-deposit-reference"));
        Assert.Equal(2, _service.Posts.Count);

        // Booked at last: in the balance, no longer among the queued — the card shows it funded.
        _service.Account = Account(balance: 20m);
        card.Render(p => p.Add(a => a.Version, "Requested, booked"));
        card.WaitForAssertion(() => Assert.NotEmpty(card.FindAll("[data-testid=payer-funded]")), TimeSpan.FromSeconds(10));
        // Every read and follow was the account's own: balance and queued deposits come in one answer.
        Assert.NotEmpty(_service.Reads);
        Assert.All(_service.Reads, path => Assert.Equal("/accounts/EXP-1/USD", path));
    }

    [Fact]
    public void Withdrawals_queued_count_against_the_balance_so_an_account_they_would_empty_is_not_shown_funded()
    {
        // 20 booked, exactly the duty, but 15 of it on its way out: the bank's next transactions may burn it before the
        // settlement. The card offers the 15 as a deposit, not "holds enough".
        _service.Account = Account(balance: 20m, withdrawing: (15m, 1));
        var card = RenderCard();
        AssertSuggested(card, "15", Reference);
        Assert.Contains("Less the 15.00 USD of withdrawals queued on it, it holds 15.00 USD less than the 20.00 USD due.",
            Words(card.Find("[data-testid=payer-account]").TextContent));

        // Withdrawals queued beyond the balance (a settlement took the money meanwhile): the token refuses what it cannot
        // cover, so the account counts as holding nothing, not less than nothing — the whole duty is offered, no more.
        _service.Account = Account(balance: 5m, withdrawing: (80m, 1));
        card.Render(p => p.Add(a => a.Version, "Requested again"));
        AssertSuggested(card, "20", Reference);
        Assert.Contains("The withdrawals queued on it (80.00 USD) take its whole balance: it holds nothing towards the 20.00 USD due.",
            Words(card.Find("[data-testid=payer-account]").TextContent));
    }

    [Fact]
    public void A_deposit_offered_again_after_it_was_booked_is_answered_as_that_booking_and_the_card_says_nothing_moved_again()
    {
        // The card was read before another clerk's deposit under the duty's reference was booked: the whole shortfall is
        // offered again, under that same reference. Sent, the service answers with the booking already made and marks it
        // replayed (Idempotent-Replayed: true); the card shows the account funded and says nothing was booked again.
        _service.Account = Account(balance: 0m);
        var card = RenderCard();
        AssertSuggested(card, "20", Reference);

        _service.Answer = (HttpStatusCode.OK, Account(balance: 20m), () => _service.Account = Account(balance: 20m));
        _service.Replayed = true;
        Deposit(card, "20");
        Assert.Contains($"\"reference\":\"{Reference}\"", _service.Bodies.Single());
        card.WaitForAssertion(() => Assert.NotEmpty(card.FindAll("[data-testid=payer-funded]")), TimeSpan.FromSeconds(10));
        Assert.Equal($"Deposit {Reference} was booked already (20.00 USD): nothing was booked again.", card.Find("[data-testid=payer-replayed]").TextContent.Trim());
    }

    [Fact]
    public void An_account_opened_on_the_card_is_offered_the_whole_amount_due_under_the_duty_reference()
    {
        _service.Account = ""; // none yet: 404
        var card = RenderCard();
        card.WaitForAssertion(() => Assert.NotEmpty(card.FindAll("[data-testid=payer-no-account]")), TimeSpan.FromSeconds(10));

        _service.Answer = (HttpStatusCode.Created, Account(balance: 0m), () => _service.Account = Account(balance: 0m));
        card.Find("[data-testid=open-account]").Click();

        AssertSuggested(card, "20", Reference);
        Assert.Equal(["/accounts"], _service.Posts);
    }

    [Fact]
    public void A_deposit_asked_already_and_still_queued_is_said_so_on_the_card_though_its_form_gives_way()
    {
        // Another clerk queued the duty's deposit after this card was read: sent again under the duty's reference, the
        // service answers 202 with that deposit, still queued, marked replayed. The card reads the account again (the shortfall
        // is covered, the form goes) and says the deposit was not sent again.
        _service.Account = Account(balance: 0m);
        var card = RenderCard();
        AssertSuggested(card, "20", Reference);

        _service.Answer = (HttpStatusCode.Accepted, Queued(Reference, 20m), () => _service.Account = Account(balance: 0m, queued: (20m, 1)));
        _service.Replayed = true;
        Deposit(card, "20");
        card.WaitForAssertion(() => Assert.NotEmpty(card.FindAll("[data-testid=payer-covered]")), TimeSpan.FromSeconds(10));
        Assert.Equal($"Deposit {Reference} was already asked and is still waiting for your bank's next transaction on chain: it was not sent again.",
            card.Find("[data-testid=payer-replayed]").TextContent.Trim());

        // A later deposit that books anew (not replayed) takes the words away.
        _service.Replayed = false;
        _service.Account = Account(balance: 5m);
        card.Render(p => p.Add(a => a.Version, "Requested again"));
        AssertSuggested(card, "15", Reference);
        _service.Answer = (HttpStatusCode.OK, Account(balance: 20m), () => _service.Account = Account(balance: 20m));
        card.Find("#payer-deposit-reference").Change("DEP-NEW"); // the duty's reference is taken (asked for 20): a new one for 15
        Deposit(card, "15");
        card.WaitForAssertion(() => Assert.NotEmpty(card.FindAll("[data-testid=payer-funded]")), TimeSpan.FromSeconds(10));
        Assert.Empty(card.FindAll("[data-testid=payer-replayed]"));
    }

    [Fact]
    public void The_card_tells_the_page_where_the_account_stands_for_the_duty_each_time_that_changes()
    {
        // What the duty page says beside its Settle button: no account, short (and what is left beside deposits queued),
        // covered by deposits queued, funded, or holding it only until the withdrawals queued are burnt; null after a failed read.
        _service.Account = ""; // none yet: 404
        var told = new System.Collections.Concurrent.ConcurrentQueue<PayerReadiness?>();
        var card = RenderCard(onReadiness: told.Enqueue);
        card.WaitForAssertion(() => Assert.Single(told), TimeSpan.FromSeconds(10));

        // The read fails (the service down for a moment): the page is told it knows nothing now.
        _service.Account = "down";
        card.Render(p => p.Add(a => a.Version, "Requested, down"));
        card.WaitForAssertion(() => Assert.Equal(2, told.Count), TimeSpan.FromSeconds(10));

        _service.Account = "";
        card.Render(p => p.Add(a => a.Version, "Requested, none"));
        card.WaitForAssertion(() => Assert.Equal(3, told.Count), TimeSpan.FromSeconds(10));
        _service.Answer = (HttpStatusCode.Created, Account(balance: 5m), () => _service.Account = Account(balance: 5m));
        card.Find("[data-testid=open-account]").Click();
        card.WaitForAssertion(() => Assert.Equal(4, told.Count), TimeSpan.FromSeconds(10));

        _service.Answer = (HttpStatusCode.Accepted, Queued(Reference, 10m), () => _service.Account = Account(balance: 5m, queued: (10m, 1)));
        Deposit(card, "10");
        card.WaitForAssertion(() => Assert.Equal(5, told.Count), TimeSpan.FromSeconds(10));

        // Read again with nothing changed: not told again (the read waited for, so a repeated tell would be counted here).
        var (readsBefore, hold) = (_service.PlainReads, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _service.HoldReads = hold;
        card.Render(p => p.Add(a => a.Version, "Requested again"));
        card.WaitForState(() => Volatile.Read(ref _service.PlainReads) > readsBefore, TimeSpan.FromSeconds(10)); // the card's read is in, held
        var rendersBefore = card.RenderCount;
        _service.HoldReads = null;
        hold.SetResult();
        // The render that ends the parameters' load comes after the read was taken in and any tell made.
        card.WaitForState(() => card.RenderCount > rendersBefore, TimeSpan.FromSeconds(10));
        Assert.Equal(5, told.Count);
        _service.Answer = (HttpStatusCode.Accepted, Queued("DEP-REST", 5m), () => _service.Account = Account(balance: 5m, queued: (15m, 2)));
        card.Find("#payer-deposit-reference").Change("DEP-REST");
        Deposit(card, "5");
        card.WaitForAssertion(() => Assert.Equal(6, told.Count), TimeSpan.FromSeconds(10));

        _service.Account = Account(balance: 20m);
        card.Render(p => p.Add(a => a.Version, "Requested, booked"));
        card.WaitForAssertion(() => Assert.Equal(7, told.Count), TimeSpan.FromSeconds(10));

        // 25 booked, 10 of it queued to be withdrawn: the booked balance holds the duty (the service takes a settlement),
        // the balance less the withdrawals does not.
        _service.Account = Account(balance: 25m, withdrawing: (10m, 1));
        card.Render(p => p.Add(a => a.Version, "Requested, withdrawing"));
        card.WaitForAssertion(() => Assert.Equal(8, told.Count), TimeSpan.FromSeconds(10));

        Assert.Equal(
            [
                new PayerReadiness(PayerReadinessState.NoAccount, 20m, 20m),
                null,
                new PayerReadiness(PayerReadinessState.NoAccount, 20m, 20m),
                new PayerReadiness(PayerReadinessState.Short, 15m, 15m),
                new PayerReadiness(PayerReadinessState.Short, 15m, 5m),
                new PayerReadiness(PayerReadinessState.CoveredByQueuedDeposits, 15m, 0m),
                new PayerReadiness(PayerReadinessState.Funded, 0m, 0m),
                new PayerReadiness(PayerReadinessState.WithdrawalsQueuedAgainstIt, 5m, 5m),
            ], told);
    }

    private IRenderedComponent<PayerAccount> RenderCard(string version = "Requested", Action<PayerReadiness?>? onReadiness = null) =>
        Render<PayerAccount>(p => p.Add(a => a.Payer, "EXP-1").Add(a => a.Currency, "USD").Add(a => a.Needed, 20m)
            .Add(a => a.DepositReference, Reference).Add(a => a.Version, version)
            .Add(a => a.OnReadiness, onReadiness ?? (_ => { })));

    private static void AssertSuggested(IRenderedComponent<PayerAccount> card, string amount, string reference) =>
        card.WaitForAssertion(() =>
        {
            Assert.Equal(amount, card.Find("#payer-deposit-amount").GetAttribute("value"));
            Assert.Equal(reference, card.Find("#payer-deposit-reference").GetAttribute("value") ?? "");
        }, TimeSpan.FromSeconds(10));

    /// <summary>The text as read: each run of white space one space.</summary>
    private static string Words(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();

    private static void Deposit(IRenderedComponent<PayerAccount> card, string amount)
    {
        card.Find("#payer-deposit-amount").Change(amount);
        card.Find("[data-testid=deposits-submit]").Click();
    }

    private static string Account(decimal balance, (decimal Amount, int Count) queued = default, (decimal Amount, int Count) withdrawing = default) =>
        $"{{\"party\":\"EXP-1\",\"currency\":\"USD\",\"address\":\"0x01\",\"servicingBank\":\"BNK-1\",\"balance\":{balance},\"entries\":[],\"entryCount\":0," +
        $"\"queuedDeposits\":{queued.Amount},\"queuedDepositCount\":{queued.Count},\"queuedWithdrawals\":{withdrawing.Amount},\"queuedWithdrawalCount\":{withdrawing.Count}}}";

    private static string Queued(string reference, decimal amount) =>
        $"{{\"kind\":\"deposit\",\"party\":\"EXP-1\",\"currency\":\"USD\",\"reference\":\"{reference}\",\"amount\":{amount},\"status\":\"Queued\",\"bank\":\"BNK-1\",\"requestedAtUnixMs\":1796000000000}}";

    /// <summary>
    /// The payments service for one account: a read answers the account as it stands; a follow waits (until cancelled); a
    /// deposit is answered as scripted (marked replayed when <see cref="Replayed"/>) and changes what later reads see.
    /// </summary>
    private sealed class AccountService : HttpMessageHandler
    {
        public volatile string Account = "";
        public (HttpStatusCode Status, string Body, Action Then) Answer;
        public volatile bool Replayed;
        public readonly List<string> Posts = [];
        public readonly List<string> Bodies = [];
        public readonly System.Collections.Concurrent.ConcurrentQueue<string> Reads = new();

        /// <summary>Plain reads (not follows) come in so far; each is held until <see cref="HoldReads"/> is done, when set.</summary>
        public int PlainReads;

        public volatile TaskCompletionSource? HoldReads;

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
                var answer = Json(Answer.Status, Answer.Body);
                if (Replayed) answer.Headers.Add("Idempotent-Replayed", "true");
                return answer;
            }
            Reads.Enqueue(request.RequestUri!.AbsolutePath);
            if (request.RequestUri.Query.Contains("waitSeconds", StringComparison.Ordinal)) await Task.Delay(Timeout.Infinite, cancellationToken);
            Interlocked.Increment(ref PlainReads);
            if (HoldReads is { } hold) await hold.Task.WaitAsync(cancellationToken);
            var current = Account;
            if (current == "down")
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                {
                    Content = new StringContent("{\"status\":503,\"title\":\"A dependency is unavailable.\"}", Encoding.UTF8, "application/problem+json"),
                };
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
