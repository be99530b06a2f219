namespace TradeChain.IntegrationTests.Infrastructure;

/// <summary>
/// Test classes that run on their own, after the others (the integration tests otherwise run two classes at a time,
/// xunit.runner.json): <see cref="RunCommandTests"/> runs README's run command, which builds the AppHost and the
/// services in Release — the bin directories the other tests start their services from — and takes a core while it does.
/// This orders the integration tests only: the console tests (another process) may still be running beside it, though
/// by then they have usually finished (the build finds nothing to do when the test command built everything first).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "runs on its own";
}
