namespace TradeChain.Testing;

/// <summary>The whole system for one test: a fresh anvil with the contracts, a private RabbitMQ virtual host, and the three services as processes.</summary>
public sealed class TradeChainSystem : IAsyncDisposable
{
    private TradeChainSystem(AnvilNode chain, RabbitVirtualHost broker, string directory, ServiceProcess customs, ServiceProcess documents, ServiceProcess payments)
    {
        Chain = chain;
        Broker = broker;
        Directory = directory;
        Customs = customs;
        Documents = documents;
        Payments = payments;
    }

    public AnvilNode Chain { get; }

    public RabbitVirtualHost Broker { get; }

    public string Directory { get; }

    public ServiceProcess Customs { get; }

    public ServiceProcess Documents { get; }

    public ServiceProcess Payments { get; }

    public string DatabasePath(string service) => Path.Combine(Directory, $"{service}.db");

    /// <summary>A COUNT(*) (or any single integer) read straight from a service's SQLite database.</summary>
    public static async Task<long> CountAsync(string database, string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public string Diagnostics =>
        $"--- customs ---\n{Customs.RecentOutput}\n--- documents ---\n{Documents.RecentOutput}\n--- payments ---\n{Payments.RecentOutput}";

    public static async Task<TradeChainSystem> StartAsync(Action<string, ServiceProcess>? configure = null)
    {
        var chain = await AnvilNode.StartAsync();
        RabbitVirtualHost broker;
        try { broker = await RabbitVirtualHost.CreateAsync(); }
        catch
        {
            await chain.DisposeAsync(); // no broker: leave no chain running behind
            throw;
        }
        var directory = TestEnvironment.NewTempDirectory("e2e");
        ServiceProcess Service(string name, string project)
        {
            var process = new ServiceProcess(name, TestEnvironment.ServiceDll(name, project), TestEnvironment.FreePort(), new Dictionary<string, string>
            {
                ["ConnectionStrings:Database"] = $"Data Source={Path.Combine(directory, name + ".db")}",
                ["ConnectionStrings:RabbitMq"] = broker.AmqpUrl,
                ["Chain:RpcUrl"] = chain.RpcUrl,
                ["Chain:DocumentStoreAddress"] = chain.Deployment.DocumentStoreAddress,
                ["Chain:TransitionAnchorAddress"] = chain.Deployment.TransitionAnchorAddress,
                ["Chain:TitleRegistryAddress"] = chain.Deployment.TitleRegistryAddress,
                ["Anchoring:MaxWaitMs"] = "200",
            });
            foreach (var (currency, contracts) in chain.Deployment.Settlement)
            {
                process.SetSetting($"Chain:Settlement:{currency}:Token", contracts.Token);
                process.SetSetting($"Chain:Settlement:{currency}:Escrow", contracts.Escrow);
            }
            configure?.Invoke(name, process);
            return process;
        }
        var system = new TradeChainSystem(chain, broker, directory,
            Service("customs", "TradeChain.Customs"), Service("documents", "TradeChain.Documents"), Service("payments", "TradeChain.Payments"));
        try
        {
            await Task.WhenAll(system.Customs.StartAsync(), system.Documents.StartAsync(), system.Payments.StartAsync());
        }
        catch
        {
            await system.DisposeAsync(); // leave no processes, chain or virtual host behind
            throw;
        }
        return system;
    }

    public async ValueTask DisposeAsync()
    {
        await Customs.DisposeAsync();
        await Documents.DisposeAsync();
        await Payments.DisposeAsync();
        await Broker.DisposeAsync();
        await Chain.DisposeAsync();
    }
}
