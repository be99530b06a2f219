using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using TradeChain.Ledger;
using TradeChain.Payments.Application;
using TradeChain.Payments.Domain;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;
using Plan = TradeChain.Ledger.OnboardingPlan;

namespace TradeChain.Payments.Api;

/// <param name="Party">The party's name (at most 64 letters, digits, '-', '_' or '.').</param>
/// <param name="Role">bank or trader.</param>
/// <param name="Address">The party's account: the address its signer signs as (EIP-55 checksum when mixed case).</param>
/// <param name="SignerUrl">The party's signer endpoint (https; http only on a local development chain).</param>
/// <param name="Admin">The account holding DEFAULT_ADMIN_ROLE that signs the steps; default Payments:OnboardingAdmin.</param>
public sealed record OnboardingRequestBody(
    [property: MaxLength(PartyNames.MaxLength)] string? Party,
    [property: MaxLength(16)] string? Role,
    [property: MaxLength(42)] string? Address,
    [property: MaxLength(Domain.PartyOnboarding.MaxUrl)] string? SignerUrl,
    [property: MaxLength(42)] string? Admin);

/// <param name="Status">done, awaiting-signature (its <paramref name="Transaction"/> for the admin account to sign), sent or failed.</param>
/// <param name="Transaction">While awaiting: the unsigned transaction, in <c>eth_signTransaction</c>'s shape (<c>tradechain sign --transaction</c> takes it as is).</param>
public sealed record OnboardingStepView(int Position, string What, string Currency, string Contract, string Status, SigningRequest? Transaction,
    string? TransactionHash, string? Outcome);

/// <summary>The account allowlist of the Besu nodes: the operator's own step (the services' RPC has no PERM API, by design).</summary>
/// <param name="Status">Always "operator": not done, nor checked, by the service.</param>
/// <param name="Entry">What to add to <c>accounts-allowlist</c> in the nodes' <c>permissions_config.toml</c>.</param>
public sealed record AllowlistStepView(string Status, string Entry, string Detail);

/// <param name="Status">done (every chain step in place), awaiting-signature, sent or failed: the least advanced of its steps.</param>
/// <param name="Configuration">The lines to put in tradechain-config (the payments and documents services reach the party's signer with them).</param>
public sealed record OnboardingView(string Party, string Role, string Address, string? SignerUrl, string? Admin, string Status, string Detail,
    IReadOnlyList<OnboardingStepView> Steps, AllowlistStepView Allowlist, IReadOnlyList<string> Configuration, string Secrets,
    string RequestedBy, long CreatedAtUnixMs, long UpdatedAtUnixMs, int Version)
{
    public static string Name(OnboardingStepStatus status) => status switch
    {
        OnboardingStepStatus.Done => "done",
        OnboardingStepStatus.AwaitingSignature => "awaiting-signature",
        OnboardingStepStatus.Sent => "sent",
        _ => "failed",
    };

    public static OnboardingView From(Domain.PartyOnboarding o)
    {
        var status = o.Steps.Any(s => s.Status == OnboardingStepStatus.Failed) ? OnboardingStepStatus.Failed
            : o.Steps.Any(s => s.Status == OnboardingStepStatus.AwaitingSignature) ? OnboardingStepStatus.AwaitingSignature
            : o.Steps.Any(s => s.Status == OnboardingStepStatus.Sent) ? OnboardingStepStatus.Sent
            : OnboardingStepStatus.Done;
        var awaiting = o.Steps.Count(s => s.Status == OnboardingStepStatus.AwaitingSignature);
        var detail = status switch
        {
            OnboardingStepStatus.Done when o.Steps.All(s => s.TransactionHash is null) => o.Role == Plan.Bank
                ? $"Nothing to do on chain: every step for {o.Party} is in place already. Check the allowlist and the configuration below."
                : $"Nothing to do on chain for a trader: its bank opens its token account when it first settles. Check the allowlist and the configuration below.",
            OnboardingStepStatus.Done => $"Every chain step for {o.Party} is done. Check the allowlist and the configuration below.",
            OnboardingStepStatus.AwaitingSignature => $"{awaiting} transaction(s) await the signature of the admin account {o.Admin}: sign each unchanged " +
                                                      $"(tradechain sign, or the console) and submit it to POST /parties/onboardings/{o.Party}/transactions, in order.",
            OnboardingStepStatus.Sent => "Sent: waiting to be mined. Read the onboarding again in a moment.",
            _ => "A step failed: its outcome says why.",
        };
        return new OnboardingView(o.Party, o.Role, o.Address, o.SignerUrl, o.Admin.Length > 0 ? o.Admin : null, Name(status), detail,
            o.Steps.OrderBy(s => s.Position).Select(s => new OnboardingStepView(s.Position, s.What, s.Currency, s.Contract, Name(s.Status),
                s.Status == OnboardingStepStatus.AwaitingSignature && s.TransactionJson is not null ? Onboardings.Stored(s) : null, s.TransactionHash, s.Outcome)).ToList(),
            new AllowlistStepView("operator", $"\"{o.Address}\"",
                $"Add \"{o.Address}\" to accounts-allowlist in every Besu node's permissions_config.toml (in Kubernetes: the overlay's " +
                "besu/permissions_config.toml, then apply the overlay; the validators roll onto it one at a time) — or the network refuses the " +
                "party's transactions. The services' RPC has no PERM API, by design: this step is yours (deploy/README.md, \"Onboarding a party\")."),
            Plan.ConfigurationLines(o.Party, o.Address, o.SignerUrl is null ? null : new Uri(o.SignerUrl)), Plan.SecretsNote(o.Party),
            o.RequestedBy, o.CreatedAtUnixMs, o.UpdatedAtUnixMs, o.Version);
    }
}

/// <param name="SignedTransaction">The admin account's signature of one awaiting step's transaction (0x, RLP hex of the signed EIP-1559 transaction).</param>
/// <param name="SignedTransaction">The admin account's signature of an awaiting step's transaction, sent by the service.</param>
/// <param name="SentTransaction">Or the hash of that transaction, which the admin's wallet signed and sent itself.</param>
public sealed record OnboardingTransactionBody([property: MaxLength(DecodedTransaction.MaxRawLength)] string? SignedTransaction,
    [property: MaxLength(SentTransactions.HashLength)] string? SentTransaction = null);

/// <summary>
/// The operator onboards a party (Application/Onboardings.cs): registers its account, signer endpoint and role, and takes
/// the admin transactions it needs — prepared here, signed by the admin account elsewhere (no service holds the admin
/// key), sent here. Operator only: anybody else is refused (403).
/// </summary>
public static class OnboardingEndpoints
{
    public static IEndpointRouteBuilder MapOnboardings(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/parties/onboardings").WithTags("parties").RequireAuthorization(Policies.AnyPartyOrOperator);
        group.MapPost("", StartAsync)
            .WithSummary("The operator onboards a party (bank or trader): checks its account and signer URL, reads the chain, and answers with each step — done, or its transaction for the admin account to sign — the allowlist entry to add, and the configuration lines. Asked again: the same onboarding, re-checked.");
        group.MapGet("/{party}", GetAsync).WithSummary("A party's onboarding, its steps re-checked against the chain (the operator).");
        group.MapPost("/{party}/transactions", SubmitAsync)
            .WithSummary("The operator submits one awaiting step's transaction signed by the admin account: checked to be exactly that call by that account, sent, and recorded once mined. Submitted again: the same result.");
        return app;
    }

    private static async Task<IResult> StartAsync(OnboardingRequestBody body, ClaimsPrincipal user, Onboardings onboardings, ChainOptions chain, CancellationToken ct)
    {
        if (!user.IsInRole(Roles.Operator)) return OperatorOnly();
        var errors = new List<(string Field, string Rule)>();
        if (string.IsNullOrWhiteSpace(body.Party)) errors.Add(("party", "is required: the party's name, " + PartyNames.Rule));
        else if (!PartyNames.IsWellFormed(body.Party)) errors.Add(("party", PartyNames.Rule));
        if (body.Role is null || !Plan.Roles.Contains(body.Role)) errors.Add(("role", $"must be {string.Join(" or ", Plan.Roles)}"));
        if (string.IsNullOrWhiteSpace(body.Address)) errors.Add(("address", "is required: the party's account, the address its signer signs as"));
        else if (Plan.AddressProblem(body.Address) is { } addressProblem) errors.Add(("address", addressProblem));
        Uri? signerUrl = null;
        if (body.SignerUrl is { Length: > Domain.PartyOnboarding.MaxUrl })
            errors.Add(("signerUrl", $"is at most {Domain.PartyOnboarding.MaxUrl} characters: the party's signer endpoint, https://…"));
        else if (body.SignerUrl is { Length: > 0 } signer && Plan.SignerUrlProblem(signer, Uri.TryCreate(chain.RpcUrl, UriKind.Absolute, out var rpc) && rpc.IsLoopback, out signerUrl) is { } signerProblem)
            errors.Add(("signerUrl", signerProblem));
        else if (signerUrl is not null && (signerUrl.Query.Length > 0 || signerUrl.Fragment.Length > 0))
            errors.Add(("signerUrl", "has no query or fragment: a token belongs in the services' secret store (Parties__Signers__<party>__BearerToken), not in a URL copied into configuration"));
        else if (signerUrl is not null && signerUrl.ToString().Length > Domain.PartyOnboarding.MaxUrl)
            errors.Add(("signerUrl", $"is at most {Domain.PartyOnboarding.MaxUrl} characters as written out (https://…/)"));
        if (body.Admin is { Length: > 0 } admin && Plan.AddressProblem(admin) is { } adminProblem) errors.Add(("admin", adminProblem));
        if (errors.Count > 0) return Problems.Validation(errors);

        var address = Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(body.Address!);
        var (onboarding, created, problems) = await onboardings.StartAsync(
            new OnboardingRequest(body.Party!, body.Role!, address, signerUrl, body.Admin is { Length: > 0 } ? body.Admin : null, user.Actor()), ct);
        if (onboarding is null) return Problems.Validation(problems);
        var view = OnboardingView.From(onboarding);
        return created ? Results.Created($"/parties/onboardings/{onboarding.Party}", view) : Results.Ok(view);
    }

    private static async Task<IResult> GetAsync(string party, ClaimsPrincipal user, Onboardings onboardings, CancellationToken ct)
    {
        if (!user.IsInRole(Roles.Operator)) return OperatorOnly();
        if (!PartyNames.IsWellFormed(party)) return Problems.Validation(("party", PartyNames.Rule));
        var onboarding = await onboardings.ReadAsync(party, ct);
        return onboarding is null ? Problems.NotFound("onboarding", party) : Results.Ok(OnboardingView.From(onboarding));
    }

    private static async Task<IResult> SubmitAsync(string party, OnboardingTransactionBody body, ClaimsPrincipal user, Onboardings onboardings, CancellationToken ct)
    {
        if (!user.IsInRole(Roles.Operator)) return OperatorOnly();
        if (!PartyNames.IsWellFormed(party)) return Problems.Validation(("party", PartyNames.Rule));
        var signed = body.SignedTransaction?.Trim();
        var sent = body.SentTransaction?.Trim();
        if (string.IsNullOrEmpty(signed) == string.IsNullOrEmpty(sent))
            return Problems.Validation((PartySignatureException.Signed,
                "give exactly one of signedTransaction (the admin account's signature of an awaiting step's transaction, 0x and hex digits) and sentTransaction (the hash of it, sent by the admin's wallet itself)"));
        if (!string.IsNullOrEmpty(sent) && !SentTransactions.IsHash(sent))
            return Problems.Validation((PartySignatureException.Sent, "must be a transaction hash: 0x and 64 hex digits"));
        var onboarding = await onboardings.FindAsync(party, ct);
        if (onboarding is null) return Problems.NotFound("onboarding", party);
        var result = string.IsNullOrEmpty(sent) ? await onboardings.SubmitAsync(onboarding, signed!, ct) : await onboardings.SubmitSentAsync(onboarding, sent, ct);
        var view = OnboardingView.From(result.Onboarding);
        if (result.Stale is { } stale)
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The signed transaction went stale.", detail: stale, type: Problems.RuleType,
                extensions: new Dictionary<string, object?> { ["rule"] = Infrastructure.PartyTransactions.StaleRule, ["onboarding"] = view });
        return result.Step.Status switch
        {
            OnboardingStepStatus.Failed => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The contract refused the transaction.",
                detail: result.Step.Outcome, type: Problems.RuleType,
                extensions: new Dictionary<string, object?> { ["rule"] = "transaction-reverted", ["onboarding"] = view }),
            OnboardingStepStatus.AwaitingSignature => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The chain node refused the transaction.",
                detail: result.Step.Outcome, type: Problems.RuleType,
                extensions: new Dictionary<string, object?> { ["rule"] = "transaction-refused", ["onboarding"] = view }),
            OnboardingStepStatus.Sent => Results.Accepted($"/parties/onboardings/{party}", view),
            _ => Results.Ok(view),
        };
    }

    private static IResult OperatorOnly() =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not in this role.",
            detail: "Onboarding a party is the network operator's: sign in with the operator role.", type: Problems.RuleType,
            extensions: new Dictionary<string, object?> { ["rule"] = "role" });
}
