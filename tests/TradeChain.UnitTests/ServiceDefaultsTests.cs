using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.UnitTests;

/// <summary>What every service gets from the shared defaults, checked on a service built the way Program.cs builds one.</summary>
public sealed class ServiceDefaultsTests
{
    private static WebApplication BuildService()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/";
        builder.AddServiceDefaults("unit-test-service");
        builder.AddServiceBus(typeof(ServiceDefaultsExtensions).Assembly);
        builder.Host.UseDefaultServiceProvider(o => o.ValidateOnBuild = false); // no database here: only options are read
        return builder.Build();
    }

    [Fact]
    public async Task The_bus_reports_no_usage_telemetry_to_an_outside_host()
    {
        await using var app = BuildService();
        Assert.False(app.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
    }

    [Fact]
    public async Task Every_json_log_line_carries_a_utc_timestamp()
    {
        await using var app = BuildService();
        var options = app.Services.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>().CurrentValue;
        Assert.True(options.UseUtcTimestamp);
        Assert.Equal("2026-12-02T10:31:00.000Z", new DateTime(2026, 12, 2, 10, 31, 0, DateTimeKind.Utc).ToString(options.TimestampFormat));
    }

    [Theory]
    [InlineData(1, 500, 500)]
    [InlineData(2, 500, 1_000)]
    [InlineData(6, 500, 16_000)]
    [InlineData(7, 500, 30_000)]
    [InlineData(1, 1_000, 1_000)]
    [InlineData(5, 1_000, 16_000)]
    [InlineData(1_000_000, 1_000, 30_000)]
    public void A_sender_that_keeps_failing_waits_twice_as_long_each_time_up_to_half_a_minute(int failures, int firstMs, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Backoff.After(failures, TimeSpan.FromMilliseconds(firstMs)));
}
