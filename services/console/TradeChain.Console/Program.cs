using TradeChain.Console;
using TradeChain.Console.Components;
using TradeChain.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddTelemetry("console");
builder.AddConsoleSignIn();
builder.AddServiceApis();
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
