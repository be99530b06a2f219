using System.Net;
using System.Text.Json.Nodes;
using TradeChain.Cli;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>What the console's work queue and overview read from customs: lane counts, statistics, and each document's verdict.</summary>
public sealed class DeclarationOverviewTests
{
    [Fact]
    public async Task Officers_see_declarations_by_status_lane_and_hour_with_the_anchoring_lag_and_the_queue_counts_each_lane()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var customs = system.Customs.BaseAddress;
        var documents = system.Documents.BaseAddress;
        using var exporter = Client(Roles.Exporter, "EXP-ACME-VN", "anh");
        using var watchlisted = Client(Roles.Exporter, "EXP-WATCHLIST-01", "bao");
        using var officer = Client(Roles.CustomsOfficer, "CUS-VNSGN", "tran");

        // Yellow by value (rule Y-HIGH-VALUE), red by declarant (rule R-WATCHLIST).
        var co = await IssueCertificateOfOrigin(exporter, documents, "CO-S1");
        var invoice = await IssueInvoice(exporter, documents, "INV-S1", "250000.00");
        var yellowId = (await Post(exporter, new Uri(customs, "declarations"), GoldenPath.ExportDeclaration("LRN-STATS-Y", co, invoice, 250_000m)))["id"]!;
        var redCo = await IssueCertificateOfOrigin(watchlisted, documents, "CO-S2");
        var redInvoice = await IssueInvoice(watchlisted, documents, "INV-S2");
        var redId = (await Post(watchlisted, new Uri(customs, "declarations"), GoldenPath.ExportDeclaration("LRN-STATS-R", redCo, redInvoice, 5_000m)))["id"]!;
        var yellow = await PollStatus(exporter, new Uri(customs, $"declarations/{yellowId}"), "Assessed");
        var red = await PollStatus(watchlisted, new Uri(customs, $"declarations/{redId}"), "Assessed");

        // Customs keeps the documents service's verdict on each cited document, with its checks.
        var verdicts = yellow["documentVerdicts"]!.AsArray();
        Assert.Equal(new[] { co, invoice }.Order(), verdicts.Select(v => v!["hash"]!.GetValue<string>()).Order());
        Assert.All(verdicts, v =>
        {
            Assert.True(v!["valid"]!.GetValue<bool>());
            Assert.Contains(v["checks"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "issuance" && c["status"]!.GetValue<string>() == "valid");
        });

        var statistics = new Uri(customs, "declarations/statistics");
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(exporter, HttpMethod.Get, statistics)).Status);
        var stats = await Poll(officer, statistics, s => s["anchoring"]!["pendingTransitions"]!.GetValue<int>() == 0);
        var byStatus = stats["countsByStatus"]!.AsObject();
        Assert.Equal(12, byStatus.Count);
        Assert.Equal(2, byStatus["Assessed"]!.GetValue<int>());
        Assert.Equal(2, byStatus.Sum(s => s.Value!.GetValue<int>()));
        Assert.Equal((0, 0, 1, 1, 0), Lanes(stats["countsByLane"]!));
        Assert.Null(stats["anchoring"]!["oldestPendingAgeMs"]);
        Assert.NotNull(stats["anchoring"]!["lastAnchoredAtUnixMs"]);
        Assert.True(stats["anchoring"]!["lastBatchLagMs"]!.GetValue<long>() >= 0);

        // Lodgements per UTC hour of the day the yellow one was lodged: each of ours in its hour.
        var lodged = new[] { yellow, red }.Select(d => DateTimeOffset.FromUnixTimeMilliseconds(d["lodgedAtUnixMs"]!.GetValue<long>()).UtcDateTime).ToList();
        var day = lodged[0].ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var ofDay = await Get(officer, new Uri(customs, $"declarations/statistics?date={day}"));
        var perHour = ofDay["lodgedPerHour"]!.AsArray().Select(n => n!.GetValue<int>()).ToList();
        Assert.Equal(24, perHour.Count);
        Assert.All(lodged.Where(t => t.Date == lodged[0].Date), t => Assert.True(perHour[t.Hour] >= 1));
        Assert.Equal(lodged.Count(t => t.Date == lodged[0].Date), perHour.Sum());

        var elsewhere = await Get(officer, new Uri(customs, "declarations/statistics?office=VNHPH"));
        Assert.Equal(0, elsewhere["countsByStatus"]!.AsObject().Sum(s => s.Value!.GetValue<int>()));

        // The queue counts every lane among the declarations its other filters match, and each line says what is due.
        var redQueue = await Get(officer, new Uri(customs, "declarations?lane=Red&office=VNSGN"));
        Assert.Equal(1, redQueue["total"]!.GetValue<int>());
        Assert.Equal((0, 0, 1, 1, 0), Lanes(redQueue["countsByLane"]!));
        var line = redQueue["items"]![0]!;
        Assert.Equal(red["assessment"]!["totalPayable"]!.GetValue<decimal>(), line["totalPayable"]!.GetValue<decimal>());
        Assert.Equal("VND", line["currency"]!.GetValue<string>());
        // A declarant's counts are of its own declarations only.
        Assert.Equal((0, 0, 1, 0, 0), Lanes((await Get(exporter, new Uri(customs, "declarations")))["countsByLane"]!));
    }

    private static (int, int, int, int, int) Lanes(JsonNode counts) => (counts["green"]!.GetValue<int>(), counts["blue"]!.GetValue<int>(),
        counts["yellow"]!.GetValue<int>(), counts["red"]!.GetValue<int>(), counts["notYetRouted"]!.GetValue<int>());
}
