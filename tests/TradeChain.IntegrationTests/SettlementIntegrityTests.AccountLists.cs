using System.Net;
using System.Text.Json.Nodes;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// The account and mandate lists on the real system: a page at a time (every list has a bound), each account with the
/// balance the ledger books and the balance on chain side by side, and each caller shown only its own business. A chain
/// balance that is not known (beyond what the ledger books, or the node stalled) leaves the list, the account's view and a
/// booking answered, with the reason; a page that is not a number is refused naming it.
/// </summary>
public sealed partial class SettlementIntegrityTests
{
    [Fact]
    public async Task An_account_and_the_accounts_list_are_followed_by_their_ETag_and_a_booking_answers_the_wait()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        using var hsbc = Client(Roles.Bank, "BNK-HSBC");
        using var holder = Client(Roles.Exporter, "EXP-FOLLOW-ACC");
        using var stranger = Client(Roles.Exporter, "EXP-STRANGER-ACC");
        await Post(holder, new Uri(payments, "accounts/mandates"), new { bank = "BNK-HSBC", currency = "USD" });
        await Post(hsbc, new Uri(payments, "accounts"), new { party = "EXP-FOLLOW-ACC", currency = "USD" });
        var account = new Uri(payments, "accounts/EXP-FOLLOW-ACC/USD");
        var list = new Uri(payments, "accounts");

        // The account as its holder sees it, with its ETag; unchanged, 304 without a body.
        var (seen, tag) = await ConditionalGet(holder, account, null);
        Assert.Equal(0m, seen!["balance"]!.GetValue<decimal>());
        var (unchanged, same) = await ConditionalGet(holder, account, tag);
        Assert.Null(unchanged);
        Assert.Equal(tag, same);
        // A wait needs the ETag it waits from; a party that is not the holder nor its bank learns nothing, waiting or not.
        var (bad, problem) = await Send(holder, HttpMethod.Get, new Uri(account, "?waitSeconds=5"));
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.NotNull(problem!["errors"]!["waitSeconds"]);
        Assert.Equal((HttpStatusCode.NotFound, ""), await ConditionalStatus(stranger, new Uri(account, "?waitSeconds=2"), tag));
        Assert.Equal((HttpStatusCode.NotFound, ""), await ConditionalStatus(stranger, account, tag));
        var (listed, listTag) = await ConditionalGet(holder, list, null);
        Assert.Equal(0m, Items(listed!).Single()["balance"]!.GetValue<decimal>());

        // Waiting on the account and on the list: the bank's deposit, committed meanwhile, answers both with what it booked.
        var waitingAccount = ConditionalGet(holder, new Uri(account, "?waitSeconds=30"), tag);
        var waitingList = ConditionalGet(holder, new Uri(list, "?waitSeconds=30"), listTag);
        await Post(hsbc, new Uri(payments, "accounts/EXP-FOLLOW-ACC/USD/deposits"), new { amount = 40.00m, reference = "DEP-FOLLOW-1" });
        var (moved, movedTag) = await waitingAccount;
        Assert.True(moved is not null, "the wait ended unchanged (304): the deposit did not answer it within 30 s");
        Assert.NotEqual(tag, movedTag);
        Assert.Equal((40.00m, 1L), (moved!["balance"]!.GetValue<decimal>(), moved["entryCount"]!.GetValue<long>()));
        Assert.Equal("DEP-FOLLOW-1", moved["entries"]!.AsArray().Single()!["reference"]!.GetValue<string>());
        var (movedList, _) = await waitingList;
        Assert.True(movedList is not null, "the list's wait ended unchanged (304)");
        Assert.Equal(40.00m, Items(movedList!).Single()["balance"]!.GetValue<decimal>());
        // The new ETag is the account as it now is: 304 again.
        Assert.Equal((HttpStatusCode.NotModified, movedTag), await ConditionalStatus(holder, account, movedTag));
    }

    [Fact]
    public async Task The_account_and_mandate_lists_come_a_page_at_a_time_with_both_balances_only_the_callers_business_and_a_chain_balance_not_known_answered_with_its_reason()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        using var hsbc = Client(Roles.Bank, "BNK-HSBC");
        using var vcb = Client(Roles.Bank, "BNK-VCB");
        string[] customers = ["EXP-LIST-A", "EXP-LIST-B", "EXP-LIST-C"];
        foreach (var customer in customers)
        {
            using var client = Client(Roles.Exporter, customer);
            await Post(client, new Uri(payments, "accounts/mandates"), new { bank = "BNK-HSBC", currency = "USD" });
        }
        // A and B get their accounts; C has only mandated the bank so far. A is credited 125.50.
        await Post(hsbc, new Uri(payments, "accounts"), new { party = customers[0], currency = "USD" });
        await Post(hsbc, new Uri(payments, "accounts"), new { party = customers[1], currency = "USD" });
        await Post(hsbc, new Uri(payments, $"accounts/{customers[0]}/USD/deposits"), new { amount = 125.50m, reference = "DEP-LIST-A" });

        // Mandates, two a page, ordered by party.
        var mandates1 = await Get(hsbc, new Uri(payments, "accounts/mandates?pageSize=2"));
        var mandates2 = await Get(hsbc, new Uri(payments, "accounts/mandates?pageSize=2&page=2"));
        Assert.Equal((3, 2, 1), (mandates1["total"]!.GetValue<int>(), mandates1["pageSize"]!.GetValue<int>(), mandates1["pageNumber"]!.GetValue<int>()));
        Assert.Equal(customers, Parties(mandates1).Concat(Parties(mandates2)));
        Assert.Equal([true, true, false], Items(mandates1).Concat(Items(mandates2)).Select(m => m["accountOpen"]!.GetValue<bool>()));
        Assert.Empty(Items(await Get(hsbc, new Uri(payments, "accounts/mandates?pageSize=2&page=3")))); // past the last page

        // Accounts, one a page: every page holds one, in order of party, and together they are the bank's.
        var pages = new List<JsonObject> { await Get(hsbc, new Uri(payments, "accounts?pageSize=1")) };
        var total = pages[0]["total"]!.GetValue<int>();
        for (var page = 2; page <= total; page++) pages.Add(await Get(hsbc, new Uri(payments, $"accounts?pageSize=1&page={page}")));
        Assert.All(pages, p => Assert.Single(Items(p)));
        var listed = pages.SelectMany(Items).ToList();
        Assert.Equal(listed.Count, listed.Select(a => (Party(a), a["currency"]!.GetValue<string>())).Distinct().Count());
        Assert.Equal(listed.Select(Party).Order(StringComparer.Ordinal), listed.Select(Party));
        Assert.Contains(customers[0], listed.Select(Party));
        Assert.Contains(customers[1], listed.Select(Party));
        Assert.DoesNotContain(customers[2], listed.Select(Party)); // mandated, not opened
        Assert.All(listed, a => Assert.True(Party(a) is "BNK-HSBC" || a["servicingBank"]!.GetValue<string>() == "BNK-HSBC", a.ToJsonString()));
        // The list reads its accounts' chain balances within 3 s in all; on a busy machine one may come back "not-read": read again.
        async Task<List<JsonObject>> ListedWithChainAsync()
        {
            for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(500))
            {
                var items = Items(await Get(hsbc, new Uri(payments, $"accounts?pageSize={MaxPageSize}")));
                if (items.All(x => x["chainBalanceUnknown"]?.GetValue<string>() != "not-read") || DateTime.UtcNow > deadline) return items;
            }
        }
        var a = (await ListedWithChainAsync()).Single(x => Party(x) == customers[0]);
        Assert.Equal((125.50m, 125.50m, true), (a["balance"]!.GetValue<decimal>(), a["chainBalance"]!.GetValue<decimal>(), a["agrees"]!.GetValue<bool>()));

        // The bank, acting on its own key outside TradeChain, mints 0.25 to A on chain: the list shows the chain ahead of the ledger.
        var outside = await FundedWriterAsync(system, DevelopmentBankKeys.KeyOf("BNK-HSBC"));
        Assert.NotNull(await Settlement(system).MintAsync(outside, "USD", a["address"]!.GetValue<string>(), 25, SettlementClient.Reference("outside-the-service"),
            CancellationToken.None));
        var afterMint = (await ListedWithChainAsync()).Single(x => Party(x) == customers[0]);
        Assert.Equal((125.50m, 125.75m, false), (afterMint["balance"]!.GetValue<decimal>(), afterMint["chainBalance"]!.GetValue<decimal>(), afterMint["agrees"]!.GetValue<bool>()));

        // The same bank mints 2^63 minor units to B outside the service: more than the ledger can book. B's view, a deposit
        // to B (which commits) and the list still answer, with the booked balance and the reason the chain's is not known.
        var b = listed.Single(x => Party(x) == customers[1]);
        Assert.NotNull(await Settlement(system).MintAsync(outside, "USD", b["address"]!.GetValue<string>(), System.Numerics.BigInteger.Pow(2, 63),
            SettlementClient.Reference("outside-the-service-2"), CancellationToken.None));
        var bView = await Get(hsbc, new Uri(payments, $"accounts/{customers[1]}/USD"));
        Assert.Equal((0m, true, "out-of-range", false), (bView["balance"]!.GetValue<decimal>(), bView.ContainsKey("chainBalance") && bView["chainBalance"] is null,
            bView["chainBalanceUnknown"]!.GetValue<string>(), bView["agrees"]!.GetValue<bool>()));
        var deposited = await Send(hsbc, HttpMethod.Post, new Uri(payments, $"accounts/{customers[1]}/USD/deposits"), new { amount = 1.00m, reference = "DEP-LIST-B" });
        Assert.Equal((HttpStatusCode.OK, 1.00m, "out-of-range"), (deposited.Status, deposited.Body!["balance"]!.GetValue<decimal>(),
            deposited.Body["chainBalanceUnknown"]!.GetValue<string>()));
        Assert.Equal(1.00m, (await Get(hsbc, new Uri(payments, $"accounts/{customers[1]}/USD")))["balance"]!.GetValue<decimal>()); // booked once
        var bListed = (await ListedWithChainAsync()).Single(x => Party(x) == customers[1]);
        Assert.Equal((1.00m, true, "out-of-range", false), (bListed["balance"]!.GetValue<decimal>(), bListed.ContainsKey("chainBalance") && bListed["chainBalance"] is null,
            bListed["chainBalanceUnknown"]!.GetValue<string>(), bListed["agrees"]!.GetValue<bool>()));
        Assert.Null(afterMint["chainBalanceUnknown"]); // a balance that was read has no reason
        // The bank's reconciliation shows B's chain balance as it is (2^63 + 100 minor units), not the largest the ledger books.
        var report = await Get(hsbc, new Uri(payments, "reconciliation"));
        var bLine = report["accounts"]!.AsArray().Single(x => x!["party"]!.GetValue<string>() == customers[1])!;
        Assert.Equal((1.00m, 92_233_720_368_547_759.08m, false), (bLine["ledger"]!.GetValue<decimal>(), bLine["chain"]!.GetValue<decimal>(), bLine["agrees"]!.GetValue<bool>()));

        // The bank follows its mandates page by its ETag (304 while unchanged; a wait needs the ETag): opening C's account,
        // committed while it waits, answers the wait with C's mandate now showing its account open.
        var mandatesPage = new Uri(payments, $"accounts/mandates?pageSize={MaxPageSize}");
        var (mandatesSeen, mandatesTag) = await ConditionalGet(hsbc, mandatesPage, null);
        Assert.False(Items(mandatesSeen!).Single(m => Party(m) == customers[2])["accountOpen"]!.GetValue<bool>());
        Assert.Equal((HttpStatusCode.NotModified, mandatesTag), await ConditionalStatus(hsbc, mandatesPage, mandatesTag));
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(hsbc, HttpMethod.Get, new Uri(payments, "accounts/mandates?waitSeconds=5"))).Status);
        var waitingMandates = ConditionalGet(hsbc, new Uri(payments, $"accounts/mandates?pageSize={MaxPageSize}&waitSeconds=30"), mandatesTag);
        await Post(hsbc, new Uri(payments, "accounts"), new { party = customers[2], currency = "USD" });
        var (mandatesMoved, mandatesMovedTag) = await waitingMandates;
        Assert.True(mandatesMoved is not null, "the mandates list's wait ended unchanged (304): the opening did not answer it within 30 s");
        Assert.True(Items(mandatesMoved!).Single(m => Party(m) == customers[2])["accountOpen"]!.GetValue<bool>());
        Assert.NotEqual(mandatesTag, mandatesMovedTag);

        // A customer sees its own account and mandate only; another bank sees none of these.
        using var customerA = Client(Roles.Exporter, customers[0]);
        var own = await Get(customerA, new Uri(payments, "accounts"));
        Assert.Equal(1, own["total"]!.GetValue<int>());
        Assert.Equal(customers[0], Party(Items(own).Single()));
        Assert.Equal("BNK-HSBC", Items(await Get(customerA, new Uri(payments, "accounts/mandates"))).Single()["bank"]!.GetValue<string>());
        var other = await Get(vcb, new Uri(payments, $"accounts?pageSize={MaxPageSize}"));
        Assert.DoesNotContain(Items(other), x => customers.Contains(Party(x)));
        Assert.Equal(0, (await Get(vcb, new Uri(payments, "accounts/mandates")))["total"]!.GetValue<int>());

        // A stalled node: the list still answers while it is frozen, the booked balances given and the chain's unknown.
        var stall = system.Chain.StallAsync(TimeSpan.FromSeconds(30)); // covers the list's 3 s and the view's 10 s, on a loaded machine
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        var stalled = Items(await Get(hsbc, new Uri(payments, $"accounts?pageSize={MaxPageSize}")));
        Assert.False(stall.IsCompleted, "the list waited for the node to come back");
        Assert.All(stalled, x => Assert.True(x.ContainsKey("chainBalance") && x["chainBalance"] is null && x.ContainsKey("agrees") && x["agrees"] is null
            && x["chainBalanceUnknown"]?.GetValue<string>() == "not-read", x.ToJsonString()));
        Assert.Equal(125.50m, stalled.Single(x => Party(x) == customers[0])["balance"]!.GetValue<decimal>());
        // An account's own view answers too (within its longer deadline), with the booked balance and the chain's unknown.
        var stalledView = await Get(hsbc, new Uri(payments, $"accounts/{customers[0]}/USD"));
        Assert.False(stall.IsCompleted, "the account's view waited for the node to come back");
        Assert.Equal((125.50m, true, true, "not-read"), (stalledView["balance"]!.GetValue<decimal>(), stalledView.ContainsKey("chainBalance") && stalledView["chainBalance"] is null,
            stalledView.ContainsKey("agrees") && stalledView["agrees"] is null, stalledView["chainBalanceUnknown"]!.GetValue<string>()));
        await stall;

        // Out-of-range paging is clamped, never refused or unbounded.
        var clamped = await Get(hsbc, new Uri(payments, "accounts?page=0&pageSize=100000"));
        Assert.Equal((1, MaxPageSize), (clamped["pageNumber"]!.GetValue<int>(), clamped["pageSize"]!.GetValue<int>()));
        Assert.Equal(1, (await Get(hsbc, new Uri(payments, "accounts/mandates?pageSize=-5")))["pageSize"]!.GetValue<int>());
        var far = await Send(hsbc, HttpMethod.Get, new Uri(payments, $"accounts?page={int.MaxValue}"));
        Assert.Equal((HttpStatusCode.OK, TradeChain.ServiceDefaults.Paging.MaxPage, 0), (far.Status, far.Body!["pageNumber"]!.GetValue<int>(), far.Body["items"]!.AsArray().Count));
        // A page that is not a number is refused naming the parameter (before 2026-12-06 the problem named the body).
        var abc = await Send(hsbc, HttpMethod.Get, new Uri(payments, "accounts?page=abc"));
        Assert.Equal((HttpStatusCode.BadRequest, "readable-parameter"), (abc.Status, abc.Body!["rule"]!.GetValue<string>()));
        Assert.Equal("page must be a whole number; \"abc\" is not.", abc.Body["errors"]!["page"]![0]!.GetValue<string>());
    }

    /// <summary>The most a page holds (<c>Paging.MaxSize</c>).</summary>
    private const int MaxPageSize = TradeChain.ServiceDefaults.Paging.MaxSize;

    private static List<JsonObject> Items(JsonObject page) => page["items"]!.AsArray().Select(i => i!.AsObject()).ToList();

    private static string Party(JsonObject item) => item["party"]!.GetValue<string>();

    private static IEnumerable<string> Parties(JsonObject page) => Items(page).Select(Party);
}
