using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Ledger;
using TradeChain.Ledger.Contracts.TitleRegistry;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Documents.Api;

/// <summary>
/// A bill of lading whose title names the caller, with where the title stands now. Its content stays its issuer's
/// (GET /documents/{id} answers only the issuer and customs); its title is at GET /documents/{id}/title.
/// </summary>
public sealed record TitleSummaryView(Guid DocumentId, string DocumentType, string Issuer, string TokenId, string State, TitlePartyView? Holder,
    TitlePartyView? Beneficiary, TitlePartyView? Nominee, string? IssueTransactionHash, long? IssuedInBlock, long SubmittedAtUnixMs);

/// <summary>
/// The titles a party takes part in. A holder or beneficiary who did not issue a bill cannot browse documents, so
/// without this list it would learn of a bill endorsed or handed to it only by being sent its id. The chain is the
/// record: the title registry's events name the parties (indexed), so the list is the tokens whose events name the
/// caller's account — at issuance, nomination, endorsement, hand-over, refusal or surrender.
/// </summary>
public static class TitleListEndpoints
{
    public static IEndpointRouteBuilder MapTitleList(this IEndpointRouteBuilder app)
    {
        app.MapGet("/documents/titles", ListAsync).RequireAuthorization(Policies.AnyParty).WithTags("titles")
            .WithSummary("The bills of lading whose title names you at any step (issued, nominated, endorsed or handed to you, or by you), newest first, with who holds them now.");
        return app;
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, DocumentsDbContext db, TitleRegistryClient titles, ChainWriter chain,
        PartyDirectory parties, int? page, int? pageSize, CancellationToken ct)
    {
        var (number, size) = Paging.Normalise(page, pageSize);
        var party = user.Party();
        if (!parties.Wallets.HasAccount(party)) return Results.Ok(new PagedResult<TitleSummaryView>([], number, size, 0));
        var roots = await RootsNamingAsync(chain, titles.ContractAddress, parties.Wallets.AddressOf(party));
        var query = db.Documents.AsNoTracking()
            .Where(d => d.Method == IssuanceMethod.TokenRegistry && d.MerkleRoot != null && roots.Contains(d.MerkleRoot));
        var total = await query.CountAsync(ct);
        var documents = await query.OrderByDescending(d => d.SubmittedAtUnixMs).Skip((number - 1) * size).Take(size).ToListAsync(ct);
        var items = new List<TitleSummaryView>(documents.Count);
        foreach (var d in documents)
        {
            var state = await titles.GetAsync(Convert.FromHexString(d.MerkleRoot!));
            async Task<TitlePartyView?> Party(string? address) =>
                string.IsNullOrEmpty(address) ? null : new TitlePartyView(await parties.PartyOfAsync(db, address, ct), address);
            // Listed because its events name the caller, so it was minted: a title that no longer exists was burned.
            var standing = !state.Exists ? "surrendered-and-burned" : state.Surrendered ? "returned-to-issuer" : "active";
            items.Add(new TitleSummaryView(d.Id, d.DocumentType, d.OwnerParty, "0x" + d.MerkleRoot, standing,
                state.Exists && !state.Surrendered ? await Party(state.Holder) : null, state.Exists ? await Party(state.Beneficiary) : null,
                await Party(state.Nominee), d.IssueTransactionHash, d.IssuedInBlock, d.SubmittedAtUnixMs));
        }
        return Results.Ok(new PagedResult<TitleSummaryView>(items, number, size, total));
    }

    /// <summary>The Merkle roots (token ids, hex without 0x as documents store them) of the titles whose events name <paramref name="address"/>.</summary>
    private static async Task<List<string>> RootsNamingAsync(ChainWriter chain, string registry, string address)
    {
        var topic = "0x" + address[2..].ToLowerInvariant().PadLeft(64, '0');
        var roots = new HashSet<string>(StringComparer.Ordinal);
        // Every title event has the token id first; the parties come second and third (see TitleRegistry.sol).
        foreach (var topics in new[] { new object?[] { null, null, topic }, [null, null, null, topic] })
        {
            var logs = await chain.Web3.Eth.Filters.GetLogs.SendRequestAsync(new NewFilterInput
            {
                Address = [registry], FromBlock = BlockParameter.CreateEarliest(), ToBlock = BlockParameter.CreateLatest(), Topics = topics,
            });
            foreach (var log in logs.Where(IsTitleEvent))
            {
                var token = log.Topics[1].ToString()!.ToLowerInvariant();
                roots.Add(token.StartsWith("0x", StringComparison.Ordinal) ? token[2..] : token);
            }
        }
        return roots.ToList();
    }

    // ERC-721 Transfer and the access-control events index accounts in the same places; only the title's own events count.
    private static bool IsTitleEvent(FilterLog log) =>
        log.IsLogForEvent<TitleIssuedEventDTO>() || log.IsLogForEvent<BeneficiaryNominatedEventDTO>() || log.IsLogForEvent<BeneficiaryTransferredEventDTO>()
        || log.IsLogForEvent<HolderTransferredEventDTO>() || log.IsLogForEvent<HolderTransferRejectedEventDTO>()
        || log.IsLogForEvent<BeneficiaryTransferRejectedEventDTO>() || log.IsLogForEvent<ReturnedToIssuerEventDTO>()
        || log.IsLogForEvent<SurrenderRejectedEventDTO>() || log.IsLogForEvent<SurrenderAcceptedEventDTO>();
}
