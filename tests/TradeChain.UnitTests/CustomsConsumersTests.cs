using Microsoft.AspNetCore.Builder;
using TradeChain.Customs.Consumers;
using TradeChain.Customs.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.UnitTests;

/// <summary>
/// The release attestor (customs' account's transactions) runs where ReleaseAttestation:Enabled says: by default in the
/// one customs process, and only in the worker of a cluster, whose API pods set it false.
/// </summary>
public sealed class CustomsConsumersTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void The_release_attestor_is_registered_only_where_attestation_is_enabled(string? setting, bool attests)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/";
        if (setting is not null) builder.Configuration[CustomsConsumers.AttestationSetting] = setting;

        builder.AddServiceBus(typeof(GoodsReleasedAttestor).Assembly, CustomsConsumers.For(builder.Configuration));

        Assert.Equal(attests, builder.Services.Any(s => s.ServiceType == typeof(GoodsReleasedAttestor)));
        // The other consumers are registered whether or not the attestor is.
        Assert.Contains(builder.Services, s => s.ServiceType == typeof(DeclarationDocumentsVerifiedConsumer));
        Assert.Contains(builder.Services, s => s.ServiceType == typeof(DutyPaymentSettledConsumer));
    }
}
