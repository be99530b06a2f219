using System.Net;
using System.Text;
using Bunit;
using Microsoft.AspNetCore.Components;
using TradeChain.Console.Components.Payments;
using TradeChain.Console.Services.Payments;
using TradeChain.ConsoleTests.Infrastructure;

namespace TradeChain.ConsoleTests;

/// <summary>
/// A bank's deposit and withdrawal form, without a browser: a deposit booked (200, the account) is handed to its page; one still queued
/// for the bank's next batch when the service's wait ran out (202) is said to be queued, never shown as a booking.
/// </summary>
public sealed class BookingFormTests : PaymentsComponentContext
{
    private readonly ScriptedPayments _service;

    public BookingFormTests() : this(new ScriptedPayments()) { }

    private BookingFormTests(ScriptedPayments service) : base(service) => _service = service;

    [Fact]
    public void A_deposit_still_queued_is_said_to_be_queued_and_not_handed_on_as_booked()
    {
        _service.Answer = (HttpStatusCode.Accepted, "{\"party\":\"EXP-1\",\"currency\":\"USD\",\"reference\":\"DEP-7\",\"amount\":12.5,\"status\":\"Queued\",\"bank\":\"BNK-1\"," +
            "\"requestedAtUnixMs\":1796000000000}");
        var booked = new List<string>();
        var form = Render<BookingForm>(p => p.Add(f => f.Party, "EXP-1").Add(f => f.Currency, "USD").Add(f => f.Kind, "deposits")
            .Add(f => f.OnBooked, EventCallback.Factory.Create<Account>(this, a => booked.Add(a.Party))));

        Book(form);

        form.WaitForAssertion(() => Assert.NotEmpty(form.FindAll("[data-testid=deposits-queued]")), TimeSpan.FromSeconds(10));
        Assert.Contains("DEP-7 was queued", form.Find("[data-testid=deposits-queued]").TextContent);
        Assert.Empty(booked);
        AssertEmptied(form);
        Assert.Equal("/accounts/EXP-1/USD/deposits", Assert.Single(_service.Posts));
    }

    [Fact]
    public void A_queued_deposit_its_bank_cancelled_since_is_no_longer_announced_as_on_its_way()
    {
        _service.Answer = (HttpStatusCode.Accepted, "{\"kind\":\"deposit\",\"party\":\"EXP-1\",\"currency\":\"USD\",\"reference\":\"DEP-7\",\"amount\":12.5,\"status\":\"Queued\"," +
            "\"bank\":\"BNK-1\",\"requestedAtUnixMs\":1796000000000}");
        var form = Render<BookingForm>(p => p.Add(f => f.Party, "EXP-1").Add(f => f.Currency, "USD").Add(f => f.Kind, "deposits"));
        Book(form);
        form.WaitForAssertion(() => Assert.NotEmpty(form.FindAll("[data-testid=deposits-queued]")), TimeSpan.FromSeconds(10));
        string Said() => form.Find("[data-testid=deposits-queued]").TextContent;

        BookingInstruction Listed(string kind, string status, string? rule, long askedAt = 1796000000000) =>
            new(kind, "EXP-1", "USD", "DEP-7", 12.5m, status, "BNK-1", null, askedAt, null, rule, null, null);
        // The page's list: still queued, a withdrawal refused under the same reference, or the list read before this ask (an
        // earlier ask under the reference, refused) — the form's words stand.
        form.Render(p => p.Add(f => f.Asked, [Listed("deposit", "Queued", null), Listed("withdrawal", "Refused", "InsufficientBalance")]));
        Assert.Contains("DEP-7 was queued for the bank's next transaction on chain", Said());
        form.Render(p => p.Add(f => f.Asked, [Listed("deposit", "Refused", "AccountNotOpen", askedAt: 1795000000000)]));
        Assert.Contains("DEP-7 was queued for the bank's next transaction on chain", Said());

        // Its bank cancelled it: the form says what it is now, not that it is on its way.
        form.Render(p => p.Add(f => f.Asked, [Listed("deposit", "Refused", BookingInstruction.CancelledRule)]));
        Assert.Equal("Deposit DEP-7 was queued, and is now cancelled: its row under “Asked, not booked” says why.", Said());
        // The token refused it: the same, naming the status.
        form.Render(p => p.Add(f => f.Asked, [Listed("deposit", "Refused", "NotMinter")]));
        Assert.Equal("Deposit DEP-7 was queued, and is now refused: its row under “Asked, not booked” says why.", Said());
    }

    [Fact]
    public void A_withdrawal_still_queued_says_so_with_the_failed_attempts_to_send_it()
    {
        _service.Answer = (HttpStatusCode.Accepted, "{\"kind\":\"withdrawal\",\"party\":\"EXP-1\",\"currency\":\"USD\",\"reference\":\"WD-7\",\"amount\":12.5,\"status\":\"Queued\"," +
            "\"bank\":\"BNK-1\",\"requestedAtUnixMs\":1796000000000,\"failedAttempts\":3,\"lastFailure\":\"the chain node could not be reached or did not answer: sent again once it does\"}");
        var booked = new List<string>();
        var asked = 0;
        var form = Render<BookingForm>(p => p.Add(f => f.Party, "EXP-1").Add(f => f.Currency, "USD").Add(f => f.Kind, "withdrawals")
            .Add(f => f.OnBooked, EventCallback.Factory.Create<Account>(this, a => booked.Add(a.Party)))
            .Add(f => f.OnAsked, EventCallback.Factory.Create(this, () => asked++)));

        form.Find("#booking-amount").Change("12.5");
        form.Find("#booking-reference").Change("WD-7");
        form.Find("[data-testid=withdrawals-submit]").Click();

        form.WaitForAssertion(() => Assert.NotEmpty(form.FindAll("[data-testid=withdrawals-queued]")), TimeSpan.FromSeconds(10));
        var said = form.Find("[data-testid=withdrawals-queued]").TextContent;
        Assert.Contains("Withdrawal WD-7 was queued", said);
        Assert.Contains("3 attempt(s) to send it failed: the chain node could not be reached or did not answer", said);
        Assert.Empty(booked);
        Assert.Equal(1, asked); // the page reads its list of what was asked and not booked again
        Assert.Equal("/accounts/EXP-1/USD/withdrawals", Assert.Single(_service.Posts));
    }

    [Fact]
    public void A_withdrawal_the_token_refused_shows_the_problem_and_tells_the_page_to_read_what_was_asked()
    {
        _service.Answer = (HttpStatusCode.Conflict, "{\"type\":\"about:blank\",\"title\":\"Refused\",\"status\":409,\"rule\":\"contract:ERC20InsufficientBalance\"," +
            "\"detail\":\"The settlement token refused withdrawal WD-7: no funds. Nothing was burnt or booked.\"}");
        var asked = 0;
        var form = Render<BookingForm>(p => p.Add(f => f.Party, "EXP-1").Add(f => f.Currency, "USD").Add(f => f.Kind, "withdrawals")
            .Add(f => f.OnAsked, EventCallback.Factory.Create(this, () => asked++)));

        form.Find("#booking-amount").Change("12.5");
        form.Find("#booking-reference").Change("WD-7");
        form.Find("[data-testid=withdrawals-submit]").Click();

        form.WaitForAssertion(() => Assert.Contains("Nothing was burnt or booked", form.Markup), TimeSpan.FromSeconds(10));
        Assert.Empty(form.FindAll("[data-testid=withdrawals-queued]"));
        Assert.Equal(1, asked);
        // Kept, to be corrected and sent again.
        Assert.Equal("WD-7", form.Find("#booking-reference").GetAttribute("value"));
        Assert.Equal("12.5", form.Find("#booking-amount").GetAttribute("value"));
    }

    [Fact]
    public void A_deposit_booked_hands_the_account_to_its_page()
    {
        _service.Answer = (HttpStatusCode.OK, "{\"party\":\"EXP-1\",\"currency\":\"USD\",\"address\":\"0x01\",\"servicingBank\":\"BNK-1\",\"balance\":12.5,\"entries\":[],\"entryCount\":1}");
        var booked = new List<string>();
        var form = Render<BookingForm>(p => p.Add(f => f.Party, "EXP-1").Add(f => f.Currency, "USD").Add(f => f.Kind, "deposits")
            .Add(f => f.OnBooked, EventCallback.Factory.Create<Account>(this, a => booked.Add(a.Party))));

        Book(form);

        form.WaitForAssertion(() => Assert.Equal(["EXP-1"], booked), TimeSpan.FromSeconds(10));
        Assert.Empty(form.FindAll("[data-testid=deposits-queued]"));
        AssertEmptied(form);
    }

    [Fact]
    public void A_deposit_that_leaves_a_shortfall_is_not_suggested_again_under_the_reference_it_was_booked_with()
    {
        _service.Answer = (HttpStatusCode.OK, "{\"party\":\"EXP-1\",\"currency\":\"USD\",\"address\":\"0x01\",\"servicingBank\":\"BNK-1\",\"balance\":12.5,\"entries\":[],\"entryCount\":1}");
        var form = Render<BookingForm>(p => p.Add(f => f.Party, "EXP-1").Add(f => f.Currency, "USD").Add(f => f.Kind, "deposits")
            .Add(f => f.SuggestedAmount, 20m).Add(f => f.SuggestedReference, "DEP-DUTY-1"));
        Assert.Equal("DEP-DUTY-1", form.Find("#booking-reference").GetAttribute("value"));

        form.Find("#booking-amount").Change("12.5"); // less than suggested: 7.50 still short
        form.Find("[data-testid=deposits-submit]").Click();
        AssertEmptied(form);
        form.Render(p => p.Add(f => f.SuggestedAmount, 7.5m).Add(f => f.SuggestedReference, "DEP-DUTY-1"));

        // The new shortfall is suggested, under no reference: the one suggested was used.
        Assert.Equal("7.5", form.Find("#booking-amount").GetAttribute("value"));
        Assert.Equal("", form.Find("#booking-reference").GetAttribute("value") ?? "");
    }

    /// <summary>The form is empty for the next booking: its reference kept would book nothing again.</summary>
    private static void AssertEmptied(IRenderedComponent<BookingForm> form)
    {
        form.WaitForAssertion(() => Assert.Equal("", form.Find("#booking-reference").GetAttribute("value") ?? ""), TimeSpan.FromSeconds(10));
        Assert.Equal("", form.Find("#booking-amount").GetAttribute("value") ?? "");
    }

    private static void Book(IRenderedComponent<BookingForm> form)
    {
        form.Find("#booking-amount").Change("12.5");
        form.Find("#booking-reference").Change("DEP-7");
        form.Find("[data-testid=deposits-submit]").Click();
    }

    /// <summary>A payments service answering every deposit as scripted.</summary>
    private sealed class ScriptedPayments : HttpMessageHandler
    {
        public (HttpStatusCode Status, string Body) Answer;

        public readonly List<string> Posts = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Posts) Posts.Add(request.RequestUri!.AbsolutePath);
            return Task.FromResult(new HttpResponseMessage(Answer.Status) { Content = new StringContent(Answer.Body, Encoding.UTF8, "application/json") });
        }
    }
}
