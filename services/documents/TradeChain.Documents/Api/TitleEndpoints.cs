using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Nethereum.Contracts;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Ledger;
using TradeChain.Ledger.Contracts.TitleRegistry;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Documents.Api;

/// <summary>The party to move the title to (nominate, transfer-holder, endorse).</summary>
public sealed record TitleStepRequest(string? To);

public sealed record TitlePartyView(string? Party, string Address);

/// <summary>One step of the endorsement chain; for "issued", To is the first beneficiary and Holder the first holder.</summary>
public sealed record EndorsementView(string Action, TitlePartyView? From, TitlePartyView? To, TitlePartyView? By, TitlePartyView? Holder,
    string TransactionHash, long BlockNumber, DateTimeOffset At);

public sealed record TitleView(Guid DocumentId, string TokenId, string TitleRegistry, string State, TitlePartyView? Holder, TitlePartyView? Beneficiary,
    TitlePartyView? Nominee, IReadOnlyList<EndorsementView> EndorsementChain, string? TransactionHash = null);

/// <summary>
/// The transferable bill of lading (UNCITRAL MLETR): its title lives on the TitleRegistry, token id = the document's
/// Merkle root. Each step a holder or beneficiary takes is signed by that party's own chain account, so the contract —
/// not this API — enforces who may act; the endorsement chain is rebuilt from the contract's events.
/// </summary>
public static class TitleEndpoints
{
    public static IEndpointRouteBuilder MapTitles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/documents/{id:guid}/title").WithTags("titles").RequireAuthorization(Policies.AnyParty);
        group.MapGet("/", GetAsync).WithSummary("The title: holder, beneficiary, nominee, state, and the endorsement chain from the chain's events.");
        group.MapPost("/nominate", (Guid id, TitleStepRequest r, ClaimsPrincipal u, [AsParameters] Deps d, CancellationToken ct) =>
                PartyStepAsync(id, r, u, d, (token, to) => new NominateFunction { TokenId = token, Nominee = to }, ct))
            .WithSummary("The beneficiary nominates the next beneficiary (signed by the beneficiary's account).");
        group.MapPost("/endorse", (Guid id, TitleStepRequest r, ClaimsPrincipal u, [AsParameters] Deps d, CancellationToken ct) =>
                PartyStepAsync(id, r, u, d, (token, to) => new TransferBeneficiaryFunction { TokenId = token, NewBeneficiary = to }, ct))
            .WithSummary("The holder endorses the title to the nominee (or to anyone, when the holder is the beneficiary).");
        group.MapPost("/transfer-holder", (Guid id, TitleStepRequest r, ClaimsPrincipal u, [AsParameters] Deps d, CancellationToken ct) =>
                PartyStepAsync(id, r, u, d, (token, to) => new TransferHolderFunction { TokenId = token, NewHolder = to }, ct))
            .WithSummary("The holder hands possession of the title to another party.");
        group.MapPost("/reject-holder", (Guid id, ClaimsPrincipal u, [AsParameters] Deps d, CancellationToken ct) =>
                PartyStepAsync(id, null, u, d, (token, _) => new RejectTransferHolderFunction { TokenId = token }, ct))
            .WithSummary("The new holder refuses the transfer: the title returns to the previous holder.");
        group.MapPost("/reject-endorsement", (Guid id, ClaimsPrincipal u, [AsParameters] Deps d, CancellationToken ct) =>
                PartyStepAsync(id, null, u, d, (token, _) => new RejectTransferBeneficiaryFunction { TokenId = token }, ct))
            .WithSummary("The new beneficiary refuses the endorsement: the previous beneficiary is restored.");
        group.MapPost("/surrender", (Guid id, ClaimsPrincipal u, [AsParameters] Deps d, CancellationToken ct) =>
                PartyStepAsync(id, null, u, d, (token, _) => new ReturnToIssuerFunction { TokenId = token }, ct))
            .WithSummary("The holder, who must also be the beneficiary, returns the title to the issuer to take delivery.");
        group.MapPost("/accept-surrender", (Guid id, ClaimsPrincipal u, [AsParameters] Deps d, CancellationToken ct) =>
                IssuerStepAsync(id, u, d, t => new AcceptSurrenderFunction { TokenId = t }, ct))
            .WithSummary("The issuer accepts the surrender: the title is burned and the bill of lading is spent.");
        group.MapPost("/reject-surrender", (Guid id, ClaimsPrincipal u, [AsParameters] Deps d, CancellationToken ct) =>
                IssuerStepAsync(id, u, d, t => new RejectSurrenderFunction { TokenId = t }, ct))
            .WithSummary("The issuer rejects the surrender: the title returns to the party that surrendered it.");
        return app;
    }

    /// <summary>What every title endpoint needs.</summary>
    public sealed record Deps(DocumentsDbContext Db, TitleRegistryClient Titles, PartyDirectory Parties);

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, [AsParameters] Deps deps, CancellationToken ct)
    {
        var (document, problem) = await FindAsync(id, user, deps, ct);
        return problem ?? Results.Ok(await ViewAsync(document!, deps, null, ct));
    }

    private static async Task<IResult> PartyStepAsync<TFunction>(Guid id, TitleStepRequest? request, ClaimsPrincipal user, Deps deps,
        Func<System.Numerics.BigInteger, string, TFunction> step, CancellationToken ct) where TFunction : FunctionMessage, new()
    {
        var (document, problem) = await FindAsync(id, user, deps, ct);
        if (problem is not null) return problem;
        string to = "";
        if (request is not null)
        {
            if (string.IsNullOrWhiteSpace(request.To) || request.To.Length > 64)
                return Problems.Validation(("to", "is required: the party to move the title to"));
            if (!deps.Parties.Wallets.HasAccount(request.To))
                return Problems.Validation(("to", $"party \"{request.To}\" has no chain account"));
            to = await deps.Parties.AddressAsync(request.To, ct);
        }
        await deps.Parties.AddressAsync(user.Party(), ct);
        var signer = await deps.Parties.Wallets.ForAsync(user.Party(), ct);
        var receipt = await deps.Titles.SendAsync(signer, step(TokenOf(document!), to), ct);
        return Results.Ok(await ViewAsync(document!, deps, receipt.TransactionHash, ct));
    }

    private static async Task<IResult> IssuerStepAsync<TFunction>(Guid id, ClaimsPrincipal user, Deps deps, Func<System.Numerics.BigInteger, TFunction> step,
        CancellationToken ct)
        where TFunction : FunctionMessage, new()
    {
        var (document, problem) = await FindAsync(id, user, deps, ct);
        if (problem is not null) return problem;
        if (document!.OwnerParty != user.Party())
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only the issuer may decide on a surrender.",
                detail: $"The bill of lading was issued by {document.OwnerParty}; you act for {user.Party()}.", type: "https://tradechain.dev/problems/forbidden");
        var receipt = await deps.Titles.SendAsIssuerAsync(step(TokenOf(document)), ct);
        return Results.Ok(await ViewAsync(document, deps, receipt.TransactionHash, ct));
    }

    private static System.Numerics.BigInteger TokenOf(TradeDocument document) => TitleRegistryClient.TokenId(Convert.FromHexString(document.MerkleRoot!));

    /// <summary>
    /// The bill of lading, when the caller may see its title: its issuer, or a party that holds, is entitled to, is
    /// nominated for or once took part in the title, or a customs officer.
    /// </summary>
    private static async Task<(TradeDocument?, IResult?)> FindAsync(Guid id, ClaimsPrincipal user, Deps deps, CancellationToken ct)
    {
        var document = await deps.Db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (document is null) return (null, Problems.NotFound("document", id.ToString()));
        if (!DocumentEndpoints.MayRead(user, document.OwnerParty))
        {
            var party = user.Party();
            var mine = deps.Parties.Wallets.HasAccount(party) ? deps.Parties.Wallets.AddressOf(party) : null;
            var involved = mine is not null && document.MerkleRoot is not null && document.IsTransferable
                && (await deps.Titles.HistoryAsync(Convert.FromHexString(document.MerkleRoot)))
                    .Any(e => Mentions(e, mine));
            if (!involved) return (null, Problems.NotFound("document", id.ToString()));
        }
        if (!document.IsTransferable)
            return (null, Problems.Conflict(new TradeChain.Domain.DomainRuleViolation("not-transferable",
                $"The {document.DocumentType} was not issued as a transferable record: it has no title.")));
        if (document.Status != DocumentStatus.Issued)
            return (null, Problems.Conflict(new TradeChain.Domain.DomainRuleViolation("not-yet-issued",
                $"The bill of lading is {document.Status}: its title exists once it is issued.")));
        return (document, null);
    }

    private static bool Mentions(TitleEvent e, string address) =>
        new[] { e.From, e.To, e.By, e.Holder }.Any(a => a is not null && a.Contains(address, StringComparison.OrdinalIgnoreCase));

    private static async Task<TitleView> ViewAsync(TradeDocument document, Deps deps, string? transactionHash, CancellationToken ct)
    {
        var standing = await StandingAsync(Convert.FromHexString(document.MerkleRoot!), deps, ct);
        var chain = new List<EndorsementView>();
        foreach (var e in standing.History)
        {
            chain.Add(new EndorsementView(e.Action, await PartyAsync(e.From, deps, ct), await PartyAsync(e.To, deps, ct), await PartyAsync(e.By, deps, ct),
                await PartyAsync(e.Holder, deps, ct), e.TransactionHash, e.BlockNumber, DateTimeOffset.FromUnixTimeSeconds(e.Timestamp)));
        }
        return new TitleView(document.Id, "0x" + document.MerkleRoot, deps.Titles.ContractAddress, standing.State,
            standing.Holder, standing.Beneficiary, standing.Nominee, chain, transactionHash);
    }

    /// <summary>Who holds and is entitled to the title <paramref name="root"/> now, named as parties where TradeChain knows their accounts.</summary>
    public static async Task<TitleStanding> StandingAsync(byte[] root, Deps deps, CancellationToken ct)
    {
        var state = await deps.Titles.GetAsync(root);
        var history = await deps.Titles.HistoryAsync(root);
        var status = !state.Exists ? (history.Any(e => e.Action == "surrender-accepted") ? "surrendered-and-burned" : "not-issued")
            : state.Surrendered ? "returned-to-issuer" : "active";
        return new TitleStanding(deps.Titles.ContractAddress, "0x" + Convert.ToHexStringLower(root), status,
            state.Exists && !state.Surrendered ? await PartyAsync(state.Holder, deps, ct) : null,
            state.Exists ? await PartyAsync(state.Beneficiary, deps, ct) : null, await PartyAsync(state.Nominee, deps, ct), history);
    }

    private static async Task<TitlePartyView?> PartyAsync(string? address, Deps deps, CancellationToken ct) =>
        string.IsNullOrEmpty(address) ? null : new TitlePartyView(await deps.Parties.PartyOfAsync(deps.Db, address, ct), address);
}

/// <summary>A title's state ("active", "returned-to-issuer", "surrendered-and-burned", "not-issued") and its current parties.</summary>
public sealed record TitleStanding(string TitleRegistry, string TokenId, string State, TitlePartyView? Holder, TitlePartyView? Beneficiary,
    TitlePartyView? Nominee, [property: System.Text.Json.Serialization.JsonIgnore] IReadOnlyList<TitleEvent> History);
