using System.Security.Claims;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Payments.Application;

/// <summary>Who acts: the party (whose rights the domain checks) and the person or system named in the transition log.</summary>
public sealed record Caller(string Party, string Actor)
{
    public static Caller From(ClaimsPrincipal user) => new(user.Party(), user.Actor());
}

public static class UseCaseRegistration
{
    /// <summary>Every use-case handler of this folder (a class with a HandleAsync), one instance per request or message.</summary>
    public static IServiceCollection AddPaymentsUseCases(this IServiceCollection services)
    {
        foreach (var type in typeof(UseCaseRegistration).Assembly.GetTypes()
                     .Where(t => t.Namespace == typeof(UseCaseRegistration).Namespace && t is { IsClass: true, IsAbstract: false, IsNested: false }
                                 && t.GetMethod("HandleAsync") is not null))
            services.AddScoped(type);
        return services;
    }
}
