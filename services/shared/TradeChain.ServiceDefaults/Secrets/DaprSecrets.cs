using Dapr;
using Dapr.Client;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace TradeChain.ServiceDefaults.Secrets;

/// <summary>Where a service's secrets come from on Kubernetes (section "Dapr").</summary>
public sealed class DaprSecretOptions
{
    public const string Section = "Dapr";

    /// <summary>Read the secrets from the Dapr sidecar. Off: local configuration (appsettings, environment) as it is.</summary>
    public bool Enabled { get; set; }

    /// <summary>The Dapr secret store component (deploy/k8s/base/dapr: a secretstores.kubernetes component).</summary>
    public string SecretStore { get; set; } = "tradechain-secrets";

    /// <summary>The secret holding this service's values; by default <c>tradechain-{service}</c>.</summary>
    public string? SecretName { get; set; }

    /// <summary>The sidecar's gRPC endpoint; by default what Dapr sets in the pod (DAPR_GRPC_ENDPOINT or DAPR_GRPC_PORT).</summary>
    public string? GrpcEndpoint { get; set; }

    /// <summary>How long to wait for the sidecar at startup (it may start after the service) before giving up.</summary>
    public int StartupTimeoutSeconds { get; set; } = 60;
}

/// <summary>
/// When Dapr is enabled, puts the service's chain signing key and database connection string, read from the Dapr
/// secret store through <see cref="DaprClient"/>, into configuration ahead of every other source. When it is not,
/// configuration stays local.
/// </summary>
public static class DaprSecrets
{
    /// <summary>Secret entry → configuration key.</summary>
    public static readonly IReadOnlyDictionary<string, string> ConfigurationKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["chain-private-key"] = "Chain:PrivateKey",
        ["database-connection-string"] = "ConnectionStrings:Database",
    };

    public static IHostApplicationBuilder AddDaprSecrets(this IHostApplicationBuilder builder, string serviceName)
    {
        var options = builder.Configuration.GetSection(DaprSecretOptions.Section).Get<DaprSecretOptions>() ?? new DaprSecretOptions();
        if (options.Enabled) builder.Configuration.Add(new DaprSecretsSource(options, serviceName));
        return builder;
    }

    /// <summary>Reads the service's secret, waiting for the sidecar while it answers Unavailable, and maps it to configuration keys.</summary>
    public static async Task<IReadOnlyDictionary<string, string?>> LoadAsync(DaprSecretOptions options, string serviceName, CancellationToken cancellationToken)
    {
        var secretName = string.IsNullOrWhiteSpace(options.SecretName) ? $"tradechain-{serviceName}" : options.SecretName;
        var builder = new DaprClientBuilder();
        if (!string.IsNullOrWhiteSpace(options.GrpcEndpoint)) builder.UseGrpcEndpoint(options.GrpcEndpoint);
        using var client = builder.Build();

        var deadline = DateTime.UtcNow.AddSeconds(options.StartupTimeoutSeconds);
        Dictionary<string, string> secret;
        while (true)
        {
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(5));
                secret = await client.GetSecretAsync(options.SecretStore, secretName, cancellationToken: attempt.Token);
                break;
            }
            catch (Exception e) when (IsSidecarNotReady(e) && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
            catch (Exception e) when (e is DaprException or RpcException or OperationCanceledException)
            {
                throw new InvalidOperationException(
                    $"Dapr is enabled but secret '{secretName}' could not be read from secret store '{options.SecretStore}': {e.InnerException?.Message ?? e.Message}", e);
            }
        }

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var missing = new List<string>();
        foreach (var (entry, key) in ConfigurationKeys)
        {
            if (secret.TryGetValue(entry, out var value) && !string.IsNullOrEmpty(value)) values[key] = value;
            else missing.Add(entry);
        }
        if (missing.Count > 0)
            throw new InvalidOperationException($"Dapr secret '{secretName}' in store '{options.SecretStore}' lacks {string.Join(", ", missing)}.");
        return values;
    }

    private static bool IsSidecarNotReady(Exception e) => e switch
    {
        DaprException { InnerException: RpcException rpc } => rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled,
        RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled,
        OperationCanceledException => true,
        _ => false,
    };
}

internal sealed class DaprSecretsSource(DaprSecretOptions options, string serviceName) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new DaprSecretsProvider(options, serviceName);
}

/// <summary>Loaded once, when configuration is built at startup (a blocking wait: there is nothing to run before it).</summary>
internal sealed class DaprSecretsProvider(DaprSecretOptions options, string serviceName) : ConfigurationProvider
{
    public override void Load()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.StartupTimeoutSeconds + 10));
        Data = new Dictionary<string, string?>(
            DaprSecrets.LoadAsync(options, serviceName, timeout.Token).GetAwaiter().GetResult(), StringComparer.OrdinalIgnoreCase);
    }
}
