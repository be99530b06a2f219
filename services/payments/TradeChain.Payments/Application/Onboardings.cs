using System.Numerics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TradeChain.Domain;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using Plan = TradeChain.Ledger.OnboardingPlan;

namespace TradeChain.Payments.Application;

// Onboarding a party through the operator API. The admin key (DEFAULT_ADMIN_ROLE on the contracts) is held by no service
// (deploy/README.md, "Who holds which key"), so this service only reads the chain, prepares each missing admin call as an
// unsigned transaction for the admin account, and sends what comes back signed once it has checked it is exactly one of
// those calls, signed by that account. What is missing is decided by the same plan as `tradechain onboard`'s
// (TradeChain.Ledger.OnboardingPlan). The account allowlist of Besu's nodes stays the operator's: the services' RPC has
// no PERM API by design.

/// <summary>An operator's onboarding request, its fields checked by the endpoint.</summary>
public sealed record OnboardingRequest(string Party, string Role, string Address, Uri? SignerUrl, string? Admin, string Actor);

/// <summary>What submitting a signed admin transaction came to: the onboarding, and the step it was (null if none changed).</summary>
public sealed record OnboardingSubmission(PartyOnboarding Onboarding, OnboardingStep Step, string? Stale = null);

/// <summary>Starts, re-checks and advances onboardings (payments database, <see cref="PartyOnboarding"/>).</summary>
public sealed class Onboardings(PaymentsDbContext db, ChainWriter chain, SettlementClient settlement, ChainOptions chainOptions,
    IOptions<PaymentsOptions> options, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The stored onboarding of <paramref name="party"/>, or null.</summary>
    public Task<PartyOnboarding?> FindAsync(string party, CancellationToken ct) => db.Onboardings.SingleOrDefaultAsync(o => o.Party == party, ct);

    /// <summary>
    /// Checks <paramref name="request"/> against the chain (the admin account, a service's or the admin's own account) and
    /// stores the onboarding with each step as the chain has it, the missing ones prepared for the admin to sign. Asked again:
    /// the same onboarding, re-checked (a step refused before is prepared again). Problems: (field, rule) of what the chain refuses.
    /// </summary>
    /// <exception cref="DomainRuleViolation">onboarding-differs: the party is being onboarded with another account or role.</exception>
    public async Task<(PartyOnboarding? Onboarding, bool Created, IReadOnlyList<(string Field, string Rule)> Problems)> StartAsync(OnboardingRequest request, CancellationToken ct)
    {
        var problems = new List<(string Field, string Rule)>();
        var address = request.Address;
        var admin = request.Admin ?? (options.Value.OnboardingAdmin is { Length: > 0 } configured ? configured : null);
        var needsAdmin = request.Role == Plan.Bank;
        if (needsAdmin && admin is null)
            problems.Add(("admin", "is required for a bank: the account holding DEFAULT_ADMIN_ROLE on the contracts, which signs the onboarding's transactions (none is configured as Payments:OnboardingAdmin)"));
        else if (admin is not null && Plan.AddressProblem(admin) is { } adminProblem)
            problems.Add(("admin", adminProblem));
        else if (admin is not null)
        {
            admin = Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(admin);
            if (needsAdmin)
                foreach (var currency in settlement.Currencies.Order(StringComparer.Ordinal))
                    if (!await LedgerDeployer.HasRoleAsync(chain.Web3, settlement.TokenAddress(currency), LedgerDeployer.AdminRole, admin))
                    {
                        problems.Add(("admin", $"does not hold DEFAULT_ADMIN_ROLE on the {currency} settlement token {settlement.TokenAddress(currency)}: name the account that deployed the contracts"));
                        break;
                    }
            if (string.Equals(admin, address, StringComparison.OrdinalIgnoreCase)) problems.Add(("address", "is the admin's own account, not a party's"));
        }
        // A party's account is its own: every service's account anchors its transitions, and a service signing as a party
        // is exactly what onboarding a party's signer is meant to end.
        if (string.Equals(chain.Address, address, StringComparison.OrdinalIgnoreCase)
            || await LedgerDeployer.HasRoleAsync(chain.Web3, chainOptions.TransitionAnchorAddress, LedgerDeployer.AnchorRole, address))
            problems.Add(("address", "is a service's own account (it anchors transitions), not a party's"));
        // One party, one account: not a customer's settlement account here, nor another onboarding's; no second party whose
        // name differs only in case (configuration keys — Parties__Signers__<party>__… — ignore case).
        var lowered = address.ToLowerInvariant();
        if (await db.Accounts.AsNoTracking().Where(a => a.Address.ToLower() == lowered && a.Party != request.Party).Select(a => a.Party).FirstOrDefaultAsync(ct) is { } holder)
            problems.Add(("address", $"is the settlement account of {holder} here, not a new party's own account"));
        else if (await db.Onboardings.AsNoTracking().Where(o => o.Address.ToLower() == lowered && o.Party != request.Party).Select(o => o.Party).FirstOrDefaultAsync(ct) is { } other)
            problems.Add(("address", $"is the account {other} is onboarded with: each party has its own"));
        var partyLowered = request.Party.ToLowerInvariant();
        if (await db.Onboardings.AsNoTracking().Where(o => o.Party.ToLower() == partyLowered && o.Party != request.Party).Select(o => o.Party).FirstOrDefaultAsync(ct) is { } sameName)
            problems.Add(("party", $"differs from the onboarded party {sameName} only in case: configuration keys ignore case, so they would collide"));
        if (problems.Count > 0) return (null, false, problems);

        var now = clock.GetUtcNow();
        var onboarding = await FindAsync(request.Party, ct);
        var created = onboarding is null;
        if (onboarding is null)
        {
            onboarding = new PartyOnboarding
            {
                Party = request.Party, Role = request.Role, Address = address, CreatedAtUnixMs = now.ToUnixTimeMilliseconds(),
            };
            if (request.Role == Plan.Bank)
            {
                var position = 0;
                foreach (var step in await Plan.BankStepsAsync(chain.Web3, Tokens(), address))
                    onboarding.AddStep(new OnboardingStep
                    {
                        Position = ++position, Call = step.Call.ToString(), Currency = step.Currency, Contract = step.Token, What = step.What,
                        Status = OnboardingStepStatus.AwaitingSignature,
                    });
            }
            db.Onboardings.Add(onboarding);
        }
        else onboarding.RequireSame(request.Role, address);
        onboarding.SignerUrl = request.SignerUrl?.ToString() ?? onboarding.SignerUrl;
        if (admin is not null && !string.Equals(admin, onboarding.Admin, StringComparison.OrdinalIgnoreCase))
        {
            // Another admin account: what was prepared for the former one is prepared again for it.
            foreach (var step in onboarding.Steps.Where(s => s.Status == OnboardingStepStatus.AwaitingSignature)) step.TransactionJson = null;
            onboarding.Admin = admin;
        }
        onboarding.RequestedBy = request.Actor;
        await RecheckAsync(onboarding, retryFailed: true, ct);
        onboarding.Touched(now);
        await db.SaveChangesAsync(ct);
        return (onboarding, created, []);
    }

    /// <summary>
    /// The onboarding with each step re-checked against the chain, or null. Not saved: a read never competes with a
    /// submission for the row (whose save, after its transaction went out, would then fail on the concurrency token); the
    /// next submission or start saves what the chain shows.
    /// </summary>
    public async Task<PartyOnboarding?> ReadAsync(string party, CancellationToken ct)
    {
        var onboarding = await FindAsync(party, ct);
        if (onboarding is null) return null;
        await RecheckAsync(onboarding, retryFailed: false, ct);
        return onboarding;
    }

    /// <summary>
    /// Sends <paramref name="raw"/> if it is one of the onboarding's awaiting transactions signed by its admin account, and
    /// records what the chain made of it. The same transaction again: its step as it stands (nothing sent twice).
    /// </summary>
    /// <exception cref="PartySignatureException">(signedTransaction) not decodable, signed by another account, or not one of the onboarding's calls.</exception>
    /// <exception cref="DomainRuleViolation">The step is sent already with another transaction, cannot be done, or an earlier step must go first.</exception>
    public async Task<OnboardingSubmission> SubmitAsync(PartyOnboarding onboarding, string raw, CancellationToken ct)
    {
        var signed = DecodedTransaction.Decode(raw);
        if (!string.Equals(signed.Signer, onboarding.Admin, StringComparison.OrdinalIgnoreCase))
            throw new PartySignatureException($"is signed by {signed.Signer}, not by the admin account {onboarding.Admin} (DEFAULT_ADMIN_ROLE) that this onboarding's " +
                                              "steps are prepared for: sign it with the admin key.");
        var step = onboarding.Steps.FirstOrDefault(s => string.Equals(s.TransactionHash, signed.Hash, StringComparison.OrdinalIgnoreCase))
                   ?? onboarding.Steps.FirstOrDefault(s => signed.DifferencesFrom(Expected(onboarding, s), sameEnvelope: false).Count == 0)
                   ?? throw new PartySignatureException($"is not one of the transactions of {onboarding.Party}'s onboarding (its contract or call differ): " +
                                                        "sign one of the awaiting transactions unchanged.");
        if (string.Equals(step.TransactionHash, signed.Hash, StringComparison.OrdinalIgnoreCase) || step.Status == OnboardingStepStatus.Done)
        {
            // Submitted before (or done meanwhile): where it stands, nothing sent again.
            if (await RecheckAsync(onboarding, retryFailed: false, ct)) await SaveAsync(onboarding, ct);
            return new OnboardingSubmission(onboarding, step);
        }
        if (step.Status == OnboardingStepStatus.Sent)
            throw new DomainRuleViolation("step-sent", $"Step {step.Position} ({step.What}) was sent already as transaction {step.TransactionHash}, which waits to be mined: read the onboarding again in a moment.");
        if (step.Status == OnboardingStepStatus.Failed && step.TransactionHash is null)
            throw new DomainRuleViolation("step-blocked", $"Step {step.Position} cannot be done as it is: {step.Outcome}");

        var nonce = signed.Transaction.Nonce ?? BigInteger.Zero;
        var onChain = await PartyTransactions.SignedAsync(settlement, "the admin", onboarding.Admin, signed.Hash, nonce);
        if (onChain.Stale is { } why)
        {
            var next = await settlement.NextNonceAsync(onboarding.Admin);
            if (nonce > next && onChain.Mined is null)
                throw new DomainRuleViolation("earlier-step-first",
                    $"The signed transaction has nonce {nonce}, but the admin account is at nonce {next}: submit the awaiting transaction with nonce {next} first (the steps go to the chain in order).");
            await RecheckAsync(onboarding, retryFailed: true, ct);
            await SaveAsync(onboarding, ct);
            return new OnboardingSubmission(onboarding, step, $"The signed transaction went stale ({why}): nothing was sent. Sign the transaction prepared again.");
        }
        if (onChain.Mined is { } mined)
        {
            step.Set(OnboardingStepStatus.Done, $"Mined in block {mined.BlockNumber}.", signed.Hash);
            await SaveAsync(onboarding, ct);
            return new OnboardingSubmission(onboarding, step);
        }

        // Claimed before it is sent: a retry, or a read after a restart, follows this hash on the chain.
        step.Set(OnboardingStepStatus.Sent, "Sent: waiting to be mined.", signed.Hash);
        await SaveAsync(onboarding, ct);
        if (!onChain.Pending)
        {
            try
            {
                await chain.Web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw);
            }
            catch (Nethereum.JsonRpc.Client.RpcResponseException e)
            {
                step.Set(OnboardingStepStatus.AwaitingSignature, $"The chain node refused the signed transaction ({e.RpcError?.Message ?? e.Message}): nothing was sent. Sign the transaction prepared again.");
                step.TransactionHash = null;
                await RecheckAsync(onboarding, retryFailed: false, ct);
                await SaveAsync(onboarding, ct);
                return new OnboardingSubmission(onboarding, step);
            }
        }
        var deadline = clock.GetUtcNow().AddSeconds(chainOptions.ReceiptTimeoutSeconds);
        while (clock.GetUtcNow() < deadline && await settlement.SentTransactionAsync(signed.Hash) is not { BlockNumber: not null })
            await Task.Delay(TimeSpan.FromMilliseconds(chainOptions.ReceiptPollIntervalMs), clock, ct);
        await RecheckAsync(onboarding, retryFailed: false, ct);
        await SaveAsync(onboarding, ct);
        return new OnboardingSubmission(onboarding, step);
    }

    /// <summary>
    /// A step's transaction that the admin's wallet signed and sent itself (browser wallets such as MetaMask sign only by
    /// sending), by its hash: taken if the node has it from the admin account and it is exactly one of the steps' calls
    /// (<see cref="SentTransactions.Check"/>), recorded as that step's transaction and followed on chain like a sent one —
    /// done once mined, failed if the contract refused it. The same hash again: its step as it stands.
    /// </summary>
    /// <exception cref="PartySignatureException">(sentTransaction) unknown to the node, sent by another account, or not one of the onboarding's calls.</exception>
    public async Task<OnboardingSubmission> SubmitSentAsync(PartyOnboarding onboarding, string hash, CancellationToken ct)
    {
        var known = await SentTransaction.FetchAsync(chain.Web3, hash);
        var step = onboarding.Steps.FirstOrDefault(s => string.Equals(s.TransactionHash, hash, StringComparison.OrdinalIgnoreCase));
        if (step is null)
        {
            PartyCall Call(OnboardingStep s) =>
                new("the admin", onboarding.Admin ?? "", s.Contract, BigInteger.Zero, Expected(onboarding, s).Data ?? "0x", $"a transaction of {onboarding.Party}'s onboarding");
            // Known to the node, sent by the admin account, on this chain (the refusal names which is not so); then the step it is.
            SentTransactions.Check(known, hash, new PartyCall("the admin", onboarding.Admin ?? "", known?.To ?? "", known?.Value ?? BigInteger.Zero,
                known?.Input ?? "0x", $"a transaction of {onboarding.Party}'s onboarding"), chainOptions.ChainId);
            step = onboarding.Steps.FirstOrDefault(s => Matches(known!, hash, Call(s)))
                   ?? throw new PartySignatureException($"{hash} is not one of the transactions of {onboarding.Party}'s onboarding (its contract or call differ): " +
                                                        "send one of the awaiting transactions unchanged.", field: PartySignatureException.Sent);
            if (step.Status == OnboardingStepStatus.Sent)
                throw new DomainRuleViolation("step-sent", $"Step {step.Position} ({step.What}) was sent already as transaction {step.TransactionHash}, which waits to be mined: read the onboarding again in a moment.");
            if (step.Status != OnboardingStepStatus.Done)
            {
                step.Set(OnboardingStepStatus.Sent, "Sent by the admin's wallet: waiting to be mined.", hash);
                await SaveAsync(onboarding, ct);
            }
        }
        await RecheckAsync(onboarding, retryFailed: false, ct);
        await SaveAsync(onboarding, ct);
        return new OnboardingSubmission(onboarding, step);
    }

    private bool Matches(SentTransaction sent, string hash, PartyCall call)
    {
        try
        {
            SentTransactions.Check(sent, hash, call, chainOptions.ChainId);
            return true;
        }
        catch (PartySignatureException)
        {
            return false;
        }
    }

    /// <summary>
    /// Brings every step up to what the chain has: a sent one mined (done), refused (failed, the contract's reason) or
    /// dropped (awaiting again); the others done when in place, failed when they cannot be done, awaiting otherwise — a
    /// failed one awaiting again only with <paramref name="retryFailed"/>. Then the awaiting ones are prepared (again) when
    /// theirs no longer follow the admin account's next nonce. True when anything changed.
    /// </summary>
    private async Task<bool> RecheckAsync(PartyOnboarding onboarding, bool retryFailed, CancellationToken ct)
    {
        if (onboarding.Steps.Count == 0) return false;
        var before = Snapshot(onboarding);
        var plan = (await Plan.BankStepsAsync(chain.Web3, Tokens(), onboarding.Address))
            .ToDictionary(s => (s.Currency, s.Call.ToString()));
        foreach (var step in onboarding.Steps)
        {
            var now = plan.GetValueOrDefault((step.Currency, step.Call));
            if (step.Status == OnboardingStepStatus.Sent && step.TransactionHash is { } hash)
            {
                var sent = await settlement.SentTransactionAsync(hash);
                if (sent is { BlockNumber: null }) continue; // waiting to be mined
                if (sent is { Succeeded: true, BlockNumber: { } block }) step.Set(OnboardingStepStatus.Done, $"Mined in block {block}.");
                else if (sent is { BlockNumber: { } refusedIn })
                    step.Set(OnboardingStepStatus.Failed, $"Transaction {hash} was refused by the contract in block {refusedIn}: {await RefusalAsync(onboarding, step)}");
                else
                {
                    step.Set(OnboardingStepStatus.AwaitingSignature, $"Transaction {hash} is no longer known to the chain node (dropped): nothing moved. Sign the transaction prepared again.");
                    step.TransactionHash = null;
                }
                continue;
            }
            if (now is null) continue;
            if (now.Done)
            {
                if (step.Status != OnboardingStepStatus.Done)
                    step.Set(OnboardingStepStatus.Done, step.TransactionHash is null ? "In place on the chain already: nothing to send." : step.Outcome);
            }
            else if (now.Blocked is { } blocked) step.Set(OnboardingStepStatus.Failed, blocked);
            else if (step.Status != OnboardingStepStatus.Failed || retryFailed || step.TransactionHash is null)
            {
                if (step.Status != OnboardingStepStatus.AwaitingSignature) step.Set(OnboardingStepStatus.AwaitingSignature, step.Status == OnboardingStepStatus.Done ? "No longer in place on the chain." : null);
                if (retryFailed) step.TransactionHash = null;
            }
        }
        await PrepareAwaitingAsync(onboarding, ct);
        return Snapshot(onboarding) != before;
    }

    /// <summary>
    /// Gives the awaiting steps, in order, the admin's transactions on consecutive nonces from its next one, unless they
    /// have them already: the admin signs them all at once and they are sent in that order.
    /// </summary>
    private async Task PrepareAwaitingAsync(PartyOnboarding onboarding, CancellationToken ct)
    {
        var awaiting = onboarding.Steps.Where(s => s.Status == OnboardingStepStatus.AwaitingSignature).OrderBy(s => s.Position).ToList();
        if (awaiting.Count == 0) return;
        var next = await settlement.NextNonceAsync(onboarding.Admin);
        var current = awaiting.Select(s => s.TransactionJson is null ? (BigInteger?)null : Stored(s).ToUnsigned().Nonce).ToList();
        if (current.Select((n, i) => n == next + i).All(x => x)) return;
        for (var i = 0; i < awaiting.Count; i++)
        {
            var step = awaiting[i];
            var prepared = await PlanOf(step).PrepareAsync(chain, onboarding.Admin, onboarding.Address, ct);
            prepared = prepared with { Nonce = next + i };
            step.TransactionJson = JsonSerializer.Serialize(SigningRequest.Of(prepared, onboarding.Admin, $"{onboarding.Party} onboarding, step {step.Position}: {step.What}"), Json);
        }
    }

    /// <summary>Why the contract refuses a step now, from the admin account (its decoded error), or a plain reason.</summary>
    private async Task<string> RefusalAsync(PartyOnboarding onboarding, OnboardingStep step)
    {
        try
        {
            await PlanOf(step).PrepareAsync(chain, onboarding.Admin, onboarding.Address, CancellationToken.None);
            return "the admin account may send it now (it ran out of gas, or the chain changed meanwhile): nothing moved. Ask for the onboarding again (POST) and sign the step prepared again.";
        }
        catch (ChainRevertedException refused)
        {
            return $"{refused.Error} — does {onboarding.Admin} still hold DEFAULT_ADMIN_ROLE on {step.Contract}?";
        }
    }

    /// <summary>The call a step is, as the chain writer would prepare it (for comparing what the admin signed).</summary>
    private UnsignedTransaction Expected(PartyOnboarding onboarding, OnboardingStep step) =>
        new(chainOptions.ChainId, 0, 0, 0, 0, step.Contract, 0, PlanOf(step).CallData(onboarding.Address));

    public static SigningRequest Stored(OnboardingStep step) => JsonSerializer.Deserialize<SigningRequest>(step.TransactionJson!, Json)!;

    private static OnboardingStepPlan PlanOf(OnboardingStep step) => new(step.Currency, step.Contract, Enum.Parse<OnboardingCall>(step.Call), Done: false);

    private Dictionary<string, string> Tokens() => settlement.Currencies.ToDictionary(c => c, settlement.TokenAddress, StringComparer.OrdinalIgnoreCase);

    private static string Snapshot(PartyOnboarding onboarding) =>
        string.Join("|", onboarding.Steps.Select(s => $"{s.Status}/{s.TransactionHash}/{s.TransactionJson}/{s.Outcome}"));

    private async Task SaveAsync(PartyOnboarding onboarding, CancellationToken ct)
    {
        onboarding.Touched(clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
    }
}
