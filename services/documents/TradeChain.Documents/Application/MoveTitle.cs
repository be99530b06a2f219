using System.Numerics;
using Nethereum.Contracts;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Ledger;

namespace TradeChain.Documents.Application;

/// <summary>
/// A step on a bill of lading's title (MLETR: nominate, endorse, hand over, refuse, surrender; the issuer accepts or
/// rejects a surrender). Each step a holder or beneficiary takes is signed by that party's own chain account, so the
/// contract — not this service — decides who may take it; a refused step comes back as the contract's typed error.
/// </summary>
public sealed class MoveTitle(ReadTitles read, TitleRegistryClient titles, PartyDirectory parties)
{
    /// <param name="to">The party the step moves the title to (nominate, endorse, transfer-holder); null for the others.</param>
    public async Task<Outcome<TitleView>> ByPartyAsync<TFunction>(Guid id, string? to, Caller caller, Func<BigInteger, string, TFunction> step,
        CancellationToken ct) where TFunction : FunctionMessage, new()
    {
        var found = await read.FindAsync(id, caller, ct);
        if (found.Value is not { } document) return found.Refusal!;
        var toAddress = "";
        if (to is not null)
        {
            if (!parties.Wallets.HasAccount(to)) return new Invalid([new SchemaError("to", $"party \"{to}\" has no chain account")]);
            toAddress = await parties.AddressAsync(to, ct);
        }
        await parties.AddressAsync(caller.Party, ct);
        var signer = await parties.Wallets.ForAsync(caller.Party, ct);
        var receipt = await titles.SendAsync(signer, step(TokenOf(document), toAddress), ct);
        return await read.ViewAsync(document, receipt, ct);
    }

    /// <summary>The issuer's decision on a surrender, signed by the service's issuer account — so it is taken only for the issuing party.</summary>
    public async Task<Outcome<TitleView>> ByIssuerAsync<TFunction>(Guid id, Caller caller, Func<BigInteger, TFunction> step, CancellationToken ct)
        where TFunction : FunctionMessage, new()
    {
        var found = await read.FindAsync(id, caller, ct);
        if (found.Value is not { } document) return found.Refusal!;
        if (!document.BelongsTo(caller.Party))
            return new Forbidden("Only the issuer may decide on a surrender.", $"The bill of lading was issued by {document.OwnerParty}; you act for {caller.Party}.");
        var receipt = await titles.SendAsIssuerAsync(step(TokenOf(document)), ct);
        return await read.ViewAsync(document, receipt, ct);
    }

    private static BigInteger TokenOf(TradeDocument document) => TitleRegistryClient.TokenId(Convert.FromHexString(document.MerkleRoot!));
}
