using TradeChain.Console;
using TradeChain.Console.Components;
using TradeChain.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
// Serve the build output's static assets (Blazor's script, the CSS bundle) in every environment, not only Development:
// the browser tests run the console from bin/ as Production. A published app has no such manifest and this does nothing.
builder.WebHost.UseStaticWebAssets();

builder.AddTelemetry("console");
builder.AddConsoleSignIn();
builder.AddServiceApis();
builder.Services.AddSingleton<TradeChain.Console.Services.Payments.ChainReceipts>();
builder.Services.AddScoped<TradeChain.Console.Services.Signing.BrowserWallet>();
builder.AddVerifier();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();

var app = builder.Build();

if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseStatusCodePagesWithReExecute("/not-found");
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapHealthChecks("/health/live");
app.MapHealthChecks("/health/ready");
app.MapSignInEndpoints();
app.MapDownloadEndpoints();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

public partial class Program;
