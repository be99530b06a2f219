using System.Security.Claims;
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
        // Each line says when it happened (UTC, ISO 8601), so logs from several pods can be put in order.
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });

        builder.AddTelemetry(serviceName);

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
            ctx.ProblemDetails.Extensions.TryAdd("traceId", System.Diagnostics.Activity.Current?.TraceId.ToString()));
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));

        builder.AddRequestReading();
        builder.AddAuth();

        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = $"TradeChain {serviceName}";
            document.Info.Description = "Bearer token with roles customs-officer, exporter or bank and a party claim.";
            return Task.CompletedTask;
        }));
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"]);
        // Every check gets a short timeout of its own (a stalled dependency answers "timed out", it never hangs a probe),
        // and each check's state is published as a metric every 10 s.
        builder.Services.PostConfigure<HealthCheckServiceOptions>(o =>
        {
            foreach (var check in o.Registrations.Where(r => r.Timeout == Timeout.InfiniteTimeSpan)) check.Timeout = HealthTags.CheckTimeout;
        });
        builder.Services.Configure<HealthCheckPublisherOptions>(o => o.Period = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton<IHealthCheckPublisher, HealthGaugePublisher>();
        return builder;
    }

    /// <summary>Maps /health/live, /health/ready, /openapi/v1.json, the API browser at /scalar and (Development only) /dev/token.</summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRequestCharsetCheck();
        app.UsePartySignatures();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live"), ResponseWriter = WriteHealth });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthTags.Ready), ResponseWriter = WriteHealth });
        // The chain and the broker: 200 when healthy or degraded (the service works on), each check's state in the body.
        app.MapHealthChecks("/health/dependencies", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(HealthTags.Dependencies),
            ResponseWriter = WriteHealth,
            ResultStatusCodes = { [HealthStatus.Healthy] = StatusCodes.Status200OK, [HealthStatus.Degraded] = StatusCodes.Status200OK, [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable },
        });
        app.MapOpenApi();
        app.MapScalarApiReference();

        app.MapCaller();
        // The development issuer mints HMAC tokens; a service that accepts only the identity provider's would refuse them.
        if (app.Environment.IsDevelopment() && !app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.UsesIdentityProvider)
            app.MapDevelopmentTokens();
        return app;
    }

    /// <summary>
    /// One way to configure OpenTelemetry for every process (the services and the console): traces, metrics, logs; OTLP when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set. Without an exporter there is no tracing pipeline at all — no listener on any
    /// ActivitySource, so MassTransit, the HTTP client, the ledger and the outbox create no spans and nothing is sampled or
    /// processed (it cost 10–13 % of CPU for nothing); ASP.NET Core still gives each request its Activity, for the trace id
    /// in logs and problem details. With one, traces are
    /// sampled parent-based: a trace started elsewhere keeps its caller's decision, and a trace started here is kept with
    /// the probability Telemetry:TraceSampleRatio (0 to 1, default 1: every trace).
    /// </summary>
    public static void AddTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var ratio = TraceSampleRatio(builder.Configuration);
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService($"tradechain-{serviceName}"))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(MassTransit.Monitoring.InstrumentationOptions.MeterName)
                .AddMeter(LedgerTelemetry.Name)
                .AddMeter(TradeChainMetrics.MeterName));
        if (!otlp) return;
        otel.WithTracing(t => t
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)))
            .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health"))
            .AddHttpClientInstrumentation()
            .AddSource(MassTransit.Logging.DiagnosticHeaders.DefaultListenerName)
            .AddSource(LedgerTelemetry.Name)
            .AddSource("TradeChain.Outbox"));
        otel.UseOtlpExporter();
    }

    /// <summary>The setting naming the share of traces started here that are kept (parent-based: a caller's decision stands).</summary>
    public const string TraceSampleRatioSetting = "Telemetry:TraceSampleRatio";

    private static double TraceSampleRatio(IConfiguration configuration)
    {
        var text = configuration[TraceSampleRatioSetting];
        if (string.IsNullOrWhiteSpace(text)) return 1.0;
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1)
            return ratio;
        throw new InvalidOperationException($"{TraceSampleRatioSetting} must be a number from 0 to 1 (the share of traces kept), not '{text}'.");
    }

    private static void AddAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.Section))
            .Validate(o => o.UsesIdentityProvider || Encoding.UTF8.GetByteCount(o.SigningKey) >= 32, "Auth:SigningKey must be at least 32 bytes (or set Auth:Authority to accept the identity provider's tokens)")
            .Validate(o => !o.UsesIdentityProvider || Uri.TryCreate(o.Authority, UriKind.Absolute, out _), "Auth:Authority must be an absolute URL (the identity provider's issuer)")
            .Validate(o => !o.UsesIdentityProvider || !o.RequireHttpsMetadata || o.Authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase),
                "Auth:Authority must be https (Auth:RequireHttpsMetadata=false only for a provider on loopback in tests)")
            .Validate(o => !o.UsesIdentityProvider || !string.IsNullOrWhiteSpace(o.Audience), "Auth:Audience is required with Auth:Authority")
            .ValidateOnStart();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) =>
            {
                jwt.MapInboundClaims = false;
                if (auth.Value.UsesIdentityProvider) UseIdentityProvider(jwt, auth.Value);
                else jwt.TokenValidationParameters = new TokenValidationParameters
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
            .AddPolicy(Policies.AnyParty, p => p.RequireRole(Roles.Exporter, Roles.CustomsOfficer, Roles.Bank).RequireClaim(Claims.Party))
            .AddPolicy(Policies.AnyPartyOrOperator, p => p.RequireRole(Roles.Exporter, Roles.CustomsOfficer, Roles.Bank, Roles.Operator).RequireClaim(Claims.Party));
    }

    /// <summary>
    /// The identity provider's tokens: issuer and signing keys from its discovery document, the configured audience, and
    /// role and party read from the provider's claims (Auth:RoleClaim, Auth:PartyClaim) into the "role" and "party" the
    /// endpoints check. A genuine token that does not say who the user acts as is refused with a 401 saying what it lacks.
    /// </summary>
    private static void UseIdentityProvider(JwtBearerOptions jwt, AuthOptions auth)
    {
        jwt.Authority = auth.Authority;
        jwt.Audience = auth.Audience;
        jwt.RequireHttpsMetadata = auth.RequireHttpsMetadata;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAudience = auth.Audience,
            NameClaimType = Claims.Subject,
            RoleClaimType = Claims.Role,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
        jwt.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                var reading = IdentityProviderClaims.Read(context.Principal!, auth.RoleClaim, auth.PartyClaim);
                if (reading.Ok) context.Principal = reading.ToPrincipal(context.Principal!, JwtBearerDefaults.AuthenticationScheme);
                else context.Fail(new TokenClaimsException(reading.Problem!));
                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                if (context.AuthenticateFailure is not TokenClaimsException lacking) return;
                context.HandleResponse();
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"the token does not say which role and party the user acts as\"";
                await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The token does not say who you act as.",
                    detail: lacking.Message, type: "https://tradechain.dev/problems/token-claims",
                    extensions: new Dictionary<string, object?> { ["rule"] = "token-claims" }).ExecuteAsync(context.HttpContext);
            },
        };
    }

    /// <summary>GET /me: who this service takes the caller to be, so a client (the console's "Your sign-in" page) can show it.</summary>
    private static void MapCaller(this IEndpointRouteBuilder app)
    {
        app.MapGet("/me", (ClaimsPrincipal user, [Microsoft.AspNetCore.Mvc.FromServices] ServiceIdentity service) => Results.Ok(new CallerView(
                service.Name,
                user.FindFirst(Claims.Subject)?.Value ?? "",
                user.FindFirst(Claims.Role)?.Value ?? "",
                user.Party(),
                user.FindFirst("iss")?.Value ?? "")))
            .RequireAuthorization(Policies.AnyParty)
            .WithTags("caller").WithSummary("Who this service takes the caller to be: subject, role, party and the token's issuer.");
    }

    private static void MapDevelopmentTokens(this IEndpointRouteBuilder app)
    {
        app.MapPost("/dev/token", (DevTokenRequest request, IOptions<AuthOptions> auth) =>
        {
            if (!Roles.All.Contains(request.Role))
                return Problems.Validation(("role", $"must be one of {string.Join(", ", Roles.All)}"));
            if (string.IsNullOrWhiteSpace(request.Party) || request.Party.Length > TradeChain.Domain.InputLimits.Party
                || TradeChain.Domain.TextRules.Problem(request.Party, TradeChain.Domain.InputLimits.Party) is not null)
                return Problems.Validation(("party", $"is required: 1 to {TradeChain.Domain.InputLimits.Party} characters, no control characters"));
            var token = DevelopmentTokens.Mint(auth.Value, request.Subject ?? request.Party, request.Role, request.Party, TimeSpan.FromHours(8));
            return Results.Ok(new { token });
        }).WithTags("development").WithSummary("Mints a development token (Development environment only).").AllowAnonymous();
    }

    private static string? SafeDescription(string check, HealthReportEntry entry) => entry switch
    {
        { Exception: not null } => entry.Status == HealthStatus.Degraded ? "degraded (timed out or failed; see the service's log)" : "failed (see the service's log)",
        { Status: HealthStatus.Healthy } => check == "chain" ? entry.Description : null,
        _ => check == "chain" ? entry.Description : "not available (see the service's log)",
    };

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            // No exception text, addresses or connection strings: a failing check says only that it fails (ours say why in plain words).
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = SafeDescription(e.Key, e.Value) }),
        }));
    }
}

/// <summary>The caller as a service sees it (GET /me).</summary>
public sealed record CallerView(string Service, string Subject, string Role, string Party, string Issuer);

public sealed record DevTokenRequest(string Role, string Party, string? Subject);

public static class Policies
{
    public const string AnyParty = "any-party";

    /// <summary>Any party (for what concerns itself) or the network's operator: the endpoint decides which party the caller may ask about.</summary>
    public const string AnyPartyOrOperator = "any-party-or-operator";
}
