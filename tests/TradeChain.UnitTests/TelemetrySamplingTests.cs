using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults;

namespace TradeChain.UnitTests;

/// <summary>
/// Tracing costs nothing without an exporter, and is sampled (parent-based, Telemetry:TraceSampleRatio) with one.
/// The only tests that make tracer providers, so no other test's listener is on the sources they look at.
/// </summary>
public sealed class TelemetrySamplingTests
{
    private static WebApplication BuildService(string? exporter, string? ratio = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        if (exporter is not null) builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = exporter;
        if (ratio is not null) builder.Configuration[ServiceDefaultsExtensions.TraceSampleRatioSetting] = ratio;
        builder.AddTelemetry("unit-test-service");
        return builder.Build();
    }

    [Fact]
    public async Task Without_an_exporter_there_is_no_tracer_and_no_span_is_created()
    {
        await using var app = BuildService(exporter: null);
        Assert.Null(app.Services.GetService<TracerProvider>());
        Assert.False(LedgerTelemetry.Source.HasListeners());
        Assert.Null(LedgerTelemetry.Source.StartActivity("anchor transitions"));
    }

    [Theory]
    [InlineData("0", false)]
    [InlineData("1", true)]
    [InlineData(null, true)] // every trace by default
    public async Task With_an_exporter_a_trace_started_here_is_kept_as_the_ratio_says(string? ratio, bool kept)
    {
        await using var app = BuildService(exporter: "http://127.0.0.1:9", ratio);
        Assert.NotNull(app.Services.GetService<TracerProvider>());
        using var activity = LedgerTelemetry.Source.StartActivity("anchor transitions");
        Assert.Equal(kept, activity is { Recorded: true });
    }

    [Fact]
    public async Task A_trace_sampled_by_its_caller_is_kept_even_at_ratio_zero()
    {
        await using var app = BuildService(exporter: "http://127.0.0.1:9", ratio: "0");
        _ = app.Services.GetRequiredService<TracerProvider>();
        var caller = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        using var activity = LedgerTelemetry.Source.StartActivity("anchor transitions", ActivityKind.Internal, caller);
        Assert.True(activity is { Recorded: true });
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("half")]
    public void A_ratio_outside_zero_to_one_stops_the_start_naming_the_setting(string ratio)
    {
        var e = Assert.Throws<InvalidOperationException>(() => BuildService(exporter: "http://127.0.0.1:9", ratio));
        Assert.Contains(ServiceDefaultsExtensions.TraceSampleRatioSetting, e.Message);
    }
}
