using TradeChain.Console.Services;

namespace TradeChain.Console;

public static class ServiceApiExtensions
{
    /// <summary>The three services' APIs (Services:Customs, Services:Documents, Services:Payments) as typed clients, and the chain reader for the verifier.</summary>
    public static WebApplicationBuilder AddServiceApis(this WebApplicationBuilder builder)
    {
        Uri Address(string name) =>
            Uri.TryCreate(builder.Configuration[$"Services:{name}"], UriKind.Absolute, out var uri)
                ? uri
                : throw new InvalidOperationException($"Services:{name} must be the absolute URL of the {name.ToLowerInvariant()} service.");
        builder.Services.AddHttpContextAccessor();
        var timeout = TimeSpan.FromSeconds(30);
        builder.Services.AddHttpClient<CustomsApi>(c => { c.BaseAddress = Address("Customs"); c.Timeout = timeout; });
        builder.Services.AddHttpClient<DocumentsApi>(c => { c.BaseAddress = Address("Documents"); c.Timeout = timeout; });
        builder.Services.AddHttpClient<PaymentsApi>(c => { c.BaseAddress = Address("Payments"); c.Timeout = timeout; });
        return builder;
    }
}
