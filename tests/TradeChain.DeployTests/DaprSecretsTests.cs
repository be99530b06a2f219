using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Secrets;

namespace TradeChain.DeployTests;

/// <summary>
/// The Dapr secret adapter against a stand-in for the sidecar's gRPC API (<see cref="DaprSidecarStandIn"/>): with Dapr
/// enabled the chain key and database connection string come from the secret store; without it, local configuration.
/// </summary>
public sealed class DaprSecretsTests : IAsyncLifetime
{
    private const string LocalKey = "0x-local-configuration-value";
    private const string LocalDatabase = "Data Source=data/customs.db";
    private const string StoreKey = "0x-value-served-by-the-stand-in-sidecar"; // not a key: the adapter passes strings through
    private const string StoreDatabase = "Host=postgres;Database=customs;Username=customs;Password=from-the-stand-in";

    private DaprSidecarStandIn _sidecar = null!;

    public async Task InitializeAsync()
    {
        _sidecar = await DaprSidecarStandIn.StartAsync();
        _sidecar.Stores["tradechain-secrets"] = new()
        {
            ["tradechain-customs"] = new() { ["chain-private-key"] = StoreKey, ["database-connection-string"] = StoreDatabase, ["unrelated"] = "ignored" },
            ["tradechain-incomplete"] = new() { ["chain-private-key"] = StoreKey },
        };
    }

    public async Task DisposeAsync() => await _sidecar.DisposeAsync();

    private HostApplicationBuilder Builder(bool enabled, string? endpoint = null, params (string Key, string Value)[] extra)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var settings = new Dictionary<string, string?>
        {
            ["Dapr:Enabled"] = enabled ? "true" : "false",
            ["Dapr:GrpcEndpoint"] = endpoint ?? _sidecar.Endpoint,
            ["Chain:PrivateKey"] = LocalKey,
            ["ConnectionStrings:Database"] = LocalDatabase,
        };
        foreach (var (key, value) in extra) settings[key] = value;
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    [Fact]
    public void Enabled_reads_the_chain_key_and_database_from_the_service_secret_over_gRPC()
    {
        var builder = Builder(enabled: true);

        builder.AddDaprSecrets("customs");

        Assert.Equal(StoreKey, builder.Configuration["Chain:PrivateKey"]);
        Assert.Equal(StoreDatabase, builder.Configuration.GetConnectionString("Database"));
        Assert.Null(builder.Configuration["unrelated"]);
        var request = Assert.Single(_sidecar.Requests);
        Assert.Equal(("/dapr.proto.runtime.v1.Dapr/GetSecret", "tradechain-secrets", "tradechain-customs"), request);
    }

    [Fact]
    public void Disabled_keeps_local_configuration_and_never_calls_the_sidecar()
    {
        var builder = Builder(enabled: false);

        builder.AddDaprSecrets("customs");

        Assert.Equal(LocalKey, builder.Configuration["Chain:PrivateKey"]);
        Assert.Equal(LocalDatabase, builder.Configuration.GetConnectionString("Database"));
        Assert.Empty(_sidecar.Requests);
    }

    [Fact]
    public void The_service_host_reads_them_through_AddServiceDefaults()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dapr:Enabled"] = "true",
            ["Dapr:GrpcEndpoint"] = _sidecar.Endpoint,
            ["Chain:PrivateKey"] = LocalKey,
        });

        builder.AddServiceDefaults("customs");

        Assert.Equal(StoreKey, builder.Configuration["Chain:PrivateKey"]);
        Assert.Equal(StoreDatabase, builder.Configuration.GetConnectionString("Database"));
    }

    [Fact]
    public void Store_and_secret_name_are_configurable()
    {
        _sidecar.Stores["vault"] = new() { ["payments-prod"] = new() { ["chain-private-key"] = "k", ["database-connection-string"] = "Host=db" } };
        var builder = Builder(enabled: true, extra: [("Dapr:SecretStore", "vault"), ("Dapr:SecretName", "payments-prod")]);

        builder.AddDaprSecrets("payments");

        Assert.Equal("k", builder.Configuration["Chain:PrivateKey"]);
        Assert.Equal(("vault", "payments-prod"), _sidecar.Requests.Select(r => (r.Store, r.Key)).Single());
    }

    [Fact]
    public void Waits_for_a_sidecar_that_is_still_starting()
    {
        _sidecar.AnswerUnavailable(2);
        var builder = Builder(enabled: true);

        builder.AddDaprSecrets("customs");

        Assert.Equal(StoreKey, builder.Configuration["Chain:PrivateKey"]);
        Assert.Equal(3, _sidecar.Requests.Count);
    }

    [Fact]
    public void A_secret_lacking_an_entry_stops_startup_naming_it()
    {
        var builder = Builder(enabled: true, extra: [("Dapr:SecretName", "tradechain-incomplete")]);

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddDaprSecrets("customs"));

        Assert.Contains("lacks database-connection-string", error.Message);
    }

    [Fact]
    public void A_missing_secret_stops_startup_with_the_sidecars_reason()
    {
        var builder = Builder(enabled: true, extra: [("Dapr:SecretName", "tradechain-nobody")]);

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddDaprSecrets("customs"));

        Assert.Contains("secret 'tradechain-nobody' could not be read from secret store 'tradechain-secrets'", error.Message);
        Assert.Contains("not found", error.Message);
    }

    [Fact]
    public void An_unreachable_sidecar_stops_startup_after_the_timeout()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var builder = Builder(enabled: true, endpoint: $"http://127.0.0.1:{closedPort}", extra: [("Dapr:StartupTimeoutSeconds", "1")]);

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddDaprSecrets("customs"));

        Assert.Contains("could not be read", error.Message);
    }
}
