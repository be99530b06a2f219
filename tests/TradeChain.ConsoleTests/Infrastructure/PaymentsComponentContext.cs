using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.Console.Services;

namespace TradeChain.ConsoleTests.Infrastructure;

/// <summary>
/// bUnit for a payments component, without a browser: its <see cref="PaymentsApi"/> asks <paramref name="service"/> (the
/// test's scripted payments service), no one is signed in, and it renders as in the interactive circuit.
/// </summary>
public abstract class PaymentsComponentContext : BunitContext
{
    protected PaymentsComponentContext(HttpMessageHandler service)
    {
        Services.AddSingleton(new PaymentsApi(new HttpClient(service) { BaseAddress = new Uri("http://payments.test/") }, new AnonymousAuthentication(), new HttpContextAccessor()));
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }
}
