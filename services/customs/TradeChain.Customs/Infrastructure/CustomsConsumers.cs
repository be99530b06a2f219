using TradeChain.Customs.Consumers;

namespace TradeChain.Customs.Infrastructure;

/// <summary>Which of customs' consumers this process runs.</summary>
public static class CustomsConsumers
{
    /// <summary>
    /// Release attestations are sent with the customs account, as anchoring is. In a cluster only the worker process
    /// attests (<c>ReleaseAttestation:Enabled</c> false on the API pods, as <c>Anchoring:Enabled</c> is), so that one
    /// process sends that account's transactions and their nonces do not collide. True by default: one process does all.
    /// </summary>
    public const string AttestationSetting = "ReleaseAttestation:Enabled";

    public static bool Attests(IConfiguration configuration) => configuration.GetValue(AttestationSetting, defaultValue: true);

    public static Func<Type, bool> For(IConfiguration configuration)
    {
        var attests = Attests(configuration);
        return consumer => attests || consumer != typeof(GoodsReleasedAttestor);
    }
}
