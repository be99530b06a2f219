using System.Security.Claims;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Payments.Api;

/// <param name="Address">The account the party signs as (checksummed).</param>
/// <param name="KeyHeldBy">Where its key is held, as this service signs for it: "the remote signer at https://…", or a
/// key held by this service (Development only).</param>
public sealed record PartyAccountView(string Party, string Address, string KeyHeldBy, IReadOnlyList<PartyCurrencyAccountView> Currencies);

/// <param name="BankRole">Whether the account holds BANK_ROLE on the currency's settlement token.</param>
/// <param name="ServicingBank">The bank servicing its token account, or null when it has none.</param>
/// <param name="OwnAccount">Whether its token account is serviced by itself — what a bank needs to mint what it pays out.</param>
public sealed record PartyCurrencyAccountView(string Currency, string Token, bool BankRole, string? ServicingBank, bool OwnAccount);

/// <summary>
/// How a party is set up, so that an operator can check an onboarding (`tradechain onboard`, deploy/README.md): the
/// account this service signs for it with, where that account's key is held, and, read from the chain, its bank role
/// and token account per currency. Read-only: onboarding itself is OnboardingEndpoints' (the admin account signs each step elsewhere).
/// </summary>
public static class PartyAccountEndpoints
{
    public static IEndpointRouteBuilder MapPartyAccounts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/parties/{party}/account", GetAsync).WithTags("parties").RequireAuthorization(Policies.AnyPartyOrOperator)
            .WithSummary("A party's chain account: its address, where its key is held, its bank role and token account per currency (the operator, or the party itself).");
        return app;
    }

    private static async Task<IResult> GetAsync(string party, ClaimsPrincipal user, PartyWallets wallets, SettlementClient settlement, ChainWriter chain)
    {
        if (!PartyNames.IsWellFormed(party)) return Problems.Validation(("party", PartyNames.Rule));
        // Another party's set-up is the operator's business, not a trading party's: as if it did not exist.
        if (!user.IsInRole(Roles.Operator) && !string.Equals(user.Party(), party, StringComparison.Ordinal))
            return Problems.NotFound("party account", party);
        if (!wallets.HasAccount(party)) return Problems.NotFound("party account", party);

        var address = wallets.AddressOf(party);
        var currencies = new List<PartyCurrencyAccountView>();
        foreach (var currency in settlement.Currencies.Order(StringComparer.Ordinal))
        {
            var token = settlement.TokenAddress(currency);
            var bankRole = await LedgerDeployer.HasRoleAsync(chain.Web3, token, LedgerDeployer.BankRole, address);
            var servicingBank = await settlement.ServicingBankAsync(currency, address);
            currencies.Add(new PartyCurrencyAccountView(currency, token, bankRole, servicingBank,
                string.Equals(servicingBank, address, StringComparison.OrdinalIgnoreCase)));
        }
        return Results.Ok(new PartyAccountView(party, address, wallets.KeyHolderOf(party), currencies));
    }
}
