using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using TradeChain.Console.Auth;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Console.Components.Payments;

/// <summary>A payments page or part that adapts to who is signed in: its role and the party it acts for (the API decides what they may do).</summary>
/// <remarks>
/// BusyButton's OnClick and LiveRefresh's OnTick are EventCallbacks: the page or part that passed one re-renders once it
/// completes, so a load or an action need not call StateHasChanged. A part calls it only to show its own state before
/// handing on to its page's callback.
/// </remarks>
public abstract class CallerComponentBase : ComponentBase
{
    [CascadingParameter] private Task<AuthenticationState> Authentication { get; set; } = default!;

    protected string Role { get; private set; } = "";

    protected string Party { get; private set; } = "";

    protected bool IsBank => Role == Roles.Bank;

    protected bool IsExporter => Role == Roles.Exporter;

    /// <summary>Reads the caller once; pages call it first in OnInitializedAsync.</summary>
    protected async Task IdentifyCallerAsync()
    {
        var user = (await Authentication).User;
        Role = user.Role() ?? "";
        Party = user.PartyOrNull() ?? "";
    }
}
