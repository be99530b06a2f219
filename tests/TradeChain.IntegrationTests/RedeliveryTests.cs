using System.Diagnostics;
using TradeChain.Cli;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// Redelivery for every consumer: a message whose consumer keeps failing past the in-process retries (about 41 s) is
/// delivered again later with backoff instead of being given up; one that fails every redelivery waits in its error
/// queue until the operator's one command (<c>tradechain replay-errors</c>) brings it back. The fault is real: the
/// payments service's own PostgreSQL database refuses connections while the duty payment request arrives.
/// </summary>
public sealed class RedeliveryTests
{
    /// <summary>The queue of payments' <c>DutyPaymentRequestedConsumer</c> (the service name, then the consumer's in kebab case).</summary>
    private const string DutyRequestQueue = "payments-duty-payment-requested";

    [Fact]
    public async Task A_duty_request_that_fails_for_two_minutes_while_the_payments_database_is_down_is_handled_when_it_is_back()
    {
        await using var database = PostgresDatabase.Named("payments");
        // Minutes by default; seconds here, which still take the request past two minutes of failures.
        await using var system = await StartWithPaymentsOnAsync(database, ("Messaging:Redeliveries", "10s, 20s, 40s, 60s"));
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        var (co, invoice) = await IssueDocumentsAsync(system, exporter, "REDELIVERY");

        await database.TakeOfflineAsync();
        var outage = Stopwatch.StartNew();
        var lodged = await Post(exporter, new Uri(system.Customs.BaseAddress, "declarations"), GoldenPath.ExportDeclaration("LRN-REDELIVERY-1", co, invoice));
        var declaration = new Uri(system.Customs.BaseAddress, $"declarations/{lodged["id"]}");
        var assessed = await PollStatus(exporter, declaration, "Assessed"); // customs asks payments for the duty: that request fails
        await Task.Delay(TimeSpan.FromMinutes(2) - outage.Elapsed);
        Assert.Equal(0, await system.Broker.ErrorQueueDepthAsync()); // failing for two minutes, the request is not given up
        await database.BringOnlineAsync();

        var payment = new Uri(system.Payments.BaseAddress, $"duty-payments/{assessed["paymentReference"]}");
        await WithDiagnostics(system, () => PollStatus(exporter, payment, "Requested"));
        await SettleDuty(bank, system.Payments.BaseAddress, assessed["paymentReference"]!.GetValue<string>(), GoldenPath.ExporterParty);
        await PollStatus(exporter, declaration, "Released");

        // Nothing stuck: no message in an error queue or still waiting for a redelivery.
        await AssertQueuesDrainedAsync(system.Broker);
    }

    [Fact]
    public async Task A_request_that_failed_every_redelivery_waits_in_its_error_queue_until_one_command_replays_it()
    {
        await using var database = PostgresDatabase.Named("payments");
        // One quick retry and one quick redelivery: the request reaches its error queue within seconds.
        await using var system = await StartWithPaymentsOnAsync(database, ("Messaging:Retries", "100ms"), ("Messaging:Redeliveries", "1s"));
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        var (co, invoice) = await IssueDocumentsAsync(system, exporter, "REPLAY");

        await database.TakeOfflineAsync();
        var lodged = await Post(exporter, new Uri(system.Customs.BaseAddress, "declarations"), GoldenPath.ExportDeclaration("LRN-REPLAY-1", co, invoice));
        var assessed = await PollStatus(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{lodged["id"]}"), "Assessed");
        await WaitForAsync(async () => (await system.Broker.QueueDepthsAsync()).GetValueOrDefault(DutyRequestQueue + "_error") == 1,
            "the duty payment request in its error queue", system);
        await database.BringOnlineAsync();

        // Back online, nothing brings the request back by itself; the operator's command does.
        var payment = new Uri(system.Payments.BaseAddress, $"duty-payments/{assessed["paymentReference"]}");
        var (status, _) = await Send(exporter, HttpMethod.Get, payment);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, status);
        Assert.Equal(0, await TradeChain.Cli.Cli.RunAsync(["replay-errors", "--broker", system.Broker.AmqpUrl, "--management", TestEnvironment.RabbitManagement.ToString()]));

        await WithDiagnostics(system, () => PollStatus(exporter, payment, "Requested"));
        await AssertQueuesDrainedAsync(system.Broker);
    }

    /// <summary>The system with payments on its own PostgreSQL database (so that it alone can have an outage) and these settings.</summary>
    private static Task<TradeChainSystem> StartWithPaymentsOnAsync(PostgresDatabase database, params (string Key, string Value)[] settings) =>
        TradeChainSystem.StartAsync((name, service) =>
        {
            if (name != "payments") return;
            service.SetSetting("ConnectionStrings:Database", database.ConnectionString);
            foreach (var (key, value) in settings) service.SetSetting(key, value);
        });

    private static async Task<(string CertificateOfOrigin, string Invoice)> IssueDocumentsAsync(TradeChainSystem system, HttpClient exporter, string reference) =>
        (await IssueCertificateOfOrigin(exporter, system.Documents.BaseAddress, $"CO-{reference}"),
            await IssueInvoice(exporter, system.Documents.BaseAddress, $"INV-{reference}"));

    private static async Task AssertQueuesDrainedAsync(RabbitVirtualHost broker)
    {
        // The broker's statistics lag a few seconds behind: wait for them to show the queues empty.
        var waiting = new Dictionary<string, int>();
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(1000))
        {
            waiting = (await broker.QueueDepthsAsync())
                .Where(q => q.Value > 0 && (q.Key.EndsWith("_error", StringComparison.Ordinal) || q.Key.StartsWith("tradechain-redelivery-", StringComparison.Ordinal)))
                .ToDictionary();
            if (waiting.Count == 0) return;
        }
        Assert.Fail($"messages left behind: {string.Join(", ", waiting.Select(q => $"{q.Key}={q.Value}"))}");
    }

    private static async Task WaitForAsync(Func<Task<bool>> done, string what, TradeChainSystem system)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(90); await Task.Delay(500))
            if (await done()) return;
        Assert.Fail($"timed out waiting for {what}\n{system.Diagnostics}");
    }

    private static async Task WithDiagnostics(TradeChainSystem system, Func<Task> step)
    {
        try { await step(); }
        catch (ApiCallException e) { throw new Xunit.Sdk.XunitException($"{e.Message}\n{system.Diagnostics}"); }
    }
}
