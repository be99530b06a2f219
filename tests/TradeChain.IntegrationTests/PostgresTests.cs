using TradeChain.Cli;
using TradeChain.Testing;
using Xunit.Abstractions;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>The production database: the golden path with all three services on a real PostgreSQL server (started by the test command).</summary>
public sealed class PostgresTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_golden_path_runs_with_every_service_on_PostgreSQL()
    {
        var server = Environment.GetEnvironmentVariable("TRADECHAIN_TEST_POSTGRES")
            ?? throw new InvalidOperationException("TRADECHAIN_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts PostgreSQL.");
        var run = Guid.NewGuid().ToString("N")[..8];
        await using var system = await TradeChainSystem.StartAsync((name, service) =>
            service.SetSetting("ConnectionStrings:Database", $"{server};Database=tc_{name}_{run}"));
        var log = new StringWriter();
        try
        {
            var result = await new GoldenPath(system.Documents.BaseAddress, system.Customs.BaseAddress, system.Payments.BaseAddress, Auth, log)
                .RunAsync(CancellationToken.None);
            output.WriteLine(log.ToString());
            Assert.Equal(["Registered", "Assessed", "Paid", "Released"], result.History.Select(t => t!["toState"]!.GetValue<string>()));
            Assert.All(result.History, t => Assert.True(t!["anchor"]!["proofValid"]!.GetValue<bool>()));
        }
        catch (ApiCallException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{log}\n{system.Diagnostics}");
        }
    }
}
