using TradeChain.Cli;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using Xunit.Abstractions;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>The production database: the golden path with all three services on a real PostgreSQL server (started by the test command).</summary>
public sealed class PostgresTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_golden_path_runs_with_every_service_on_PostgreSQL_and_survives_a_restart()
    {
        var databases = new[] { "customs", "documents", "payments" }.ToDictionary(name => name, name => PostgresDatabase.Named(name));
        try
        {
            await using var system = await TradeChainSystem.StartAsync((name, service) =>
                service.SetSetting("ConnectionStrings:Database", databases[name].ConnectionString));
            var log = new StringWriter();
            try
            {
                var result = await new GoldenPath(system.Documents.BaseAddress, system.Customs.BaseAddress, system.Payments.BaseAddress, Auth, log)
                    .RunAsync(CancellationToken.None);
                output.WriteLine(log.ToString());
                Assert.Equal(["Registered", "Assessed", "Paid", "Released"], result.History.Select(t => t!["toState"]!.GetValue<string>()));
                Assert.All(result.History, t => Assert.True(t!["anchor"]!["proofValid"]!.GetValue<bool>()));

                // Each service starts again on the database its migrations made, and finds everything where it was.
                foreach (var service in new[] { system.Customs, system.Documents, system.Payments })
                {
                    await service.KillAsync();
                    await service.StartAsync();
                }
                using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
                var declaration = await Get(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{result.DeclarationId}"));
                Assert.Equal("Released", declaration["status"]!.GetValue<string>());
                var history = await Get(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{result.DeclarationId}/history"));
                Assert.Equal(4, history["transitions"]!.AsArray().Count);
                var payment = await Get(exporter, new Uri(system.Payments.BaseAddress, $"duty-payments/{result.PaymentReference}"));
                Assert.Equal("Settled", payment["status"]!.GetValue<string>());
                var document = await Get(exporter, new Uri(system.Documents.BaseAddress, $"documents/{result.DocumentIds[0]}"));
                Assert.Equal("Issued", document["status"]!.GetValue<string>());
            }
            catch (ApiCallException e)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}\n{log}\n{system.Diagnostics}");
            }
        }
        finally
        {
            foreach (var database in databases.Values) await database.DisposeAsync();
        }
    }
}
