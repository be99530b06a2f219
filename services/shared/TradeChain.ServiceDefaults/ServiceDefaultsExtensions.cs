using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Scalar.AspNetCore;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Secrets;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>Structured logs, OpenTelemetry, problem details, JWT auth with roles and party, OpenAPI and health checks.</summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        builder.AddDaprSecrets(serviceName);
        builder.Services.AddSingleton(new ServiceIdentity(serviceName));

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);

        builder.AddTelemetry(serviceName);

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
            ctx.ProblemDetails.Extensions.TryAdd("traceId", System.Diagnostics.Activity.Current?.TraceId.ToString()));
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));

        builder.AddAuth();

        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = $"TradeChain {serviceName}";
            document.Info.Description = "Bearer token with roles customs-officer, exporter or bank and a party claim.";
            return Task.CompletedTask;
        }));
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"]);
        return builder;
    }

    /// <summary>Maps /health/live, /health/ready, /openapi/v1.json, the API browser at /scalar and (Development only) /dev/token.</summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live"), ResponseWriter = WriteHealth });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteHealth });
        app.MapOpenApi();
        app.MapScalarApiReference();

        if (app.Environment.IsDevelopment()) app.MapDevelopmentTokens();
        return app;
    }

    /// <summary>One way to configure OpenTelemetry for every process (the services and the console): traces, metrics, logs; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
    public static void AddTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService($"tradechain-{serviceName}"))
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation()
                .AddSource(MassTransit.Logging.DiagnosticHeaders.DefaultListenerName)
                .AddSource(LedgerTelemetry.Name)
                .AddSource("TradeChain.Outbox"))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(MassTransit.Monitoring.InstrumentationOptions.MeterName)
                .AddMeter(LedgerTelemetry.Name)
                .AddMeter(TradeChainMetrics.MeterName));
        if (otlp) otel.UseOtlpExporter();
    }

    private static void AddAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.Section))
            .Validate(o => Encoding.UTF8.GetByteCount(o.SigningKey) >= 32, "Auth:SigningKey must be at least 32 bytes")
            .ValidateOnStart();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Value.Issuer,
                    ValidAudience = auth.Value.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.Value.SigningKey)),
                    NameClaimType = Claims.Subject,
                    RoleClaimType = Claims.Role,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Exporter, p => p.RequireRole(Roles.Exporter).RequireClaim(Claims.Party))
            .AddPolicy(Roles.CustomsOfficer, p => p.RequireRole(Roles.CustomsOfficer).RequireClaim(Claims.Party))
            .AddPolicy(Roles.Bank, p => p.RequireRole(Roles.Bank).RequireClaim(Claims.Party))
            .AddPolicy(Policies.AnyParty, p => p.RequireRole(Roles.Exporter, Roles.CustomsOfficer, Roles.Bank).RequireClaim(Claims.Party));
    }

    private static void MapDevelopmentTokens(this IEndpointRouteBuilder app)
    {
        app.MapPost("/dev/token", (DevTokenRequest request, IOptions<AuthOptions> auth) =>
        {
            if (!Roles.All.Contains(request.Role))
                return Problems.Validation(("role", $"must be one of {string.Join(", ", Roles.All)}"));
            if (string.IsNullOrWhiteSpace(request.Party))
                return Problems.Validation(("party", "is required"));
            var token = DevelopmentTokens.Mint(auth.Value, request.Subject ?? request.Party, request.Role, request.Party, TimeSpan.FromHours(8));
            return Results.Ok(new { token });
        }).WithTags("development").WithSummary("Mints a development token (Development environment only).").AllowAnonymous();
    }

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }));
    }
}

public sealed record DevTokenRequest(string Role, string Party, string? Subject);

public static class Policies
{
    public const string AnyParty = "any-party";
}
