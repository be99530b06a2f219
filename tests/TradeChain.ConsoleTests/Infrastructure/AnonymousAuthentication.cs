using Microsoft.AspNetCore.Components.Authorization;

namespace TradeChain.ConsoleTests;

/// <summary>No one signed in: for bUnit tests of a component that calls a service (the services' answers are scripted).</summary>
internal sealed class AnonymousAuthentication : AuthenticationStateProvider
{
    public override Task<AuthenticationState> GetAuthenticationStateAsync() =>
        Task.FromResult(new AuthenticationState(new System.Security.Claims.ClaimsPrincipal()));
}
