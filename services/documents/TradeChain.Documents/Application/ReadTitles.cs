using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults;

namespace TradeChain.Documents.Application;

public sealed record TitlePartyView(string? Party, string Address);

/// <summary>One step of the endorsement chain; for "issued", To is the first beneficiary and Holder the first holder.</summary>
public sealed record EndorsementView(string Action, TitlePartyView? From, TitlePartyView? To, TitlePartyView? By, TitlePartyView? Holder,
    string TransactionHash, long BlockNumber, DateTimeOffset At);

public sealed record TitleView(Guid DocumentId, string TokenId, string TitleRegistry, string State, TitlePartyView? Holder, TitlePartyView? Beneficiary,
    TitlePartyView? Nominee, IReadOnlyList<EndorsementView> EndorsementChain, string? TransactionHash = null);

/// <summary>A title's state ("active", "returned-to-issuer", "surrendered-and-burned", "not-issued") and its current parties.</summary>
public sealed record TitleStanding(string TitleRegistry, string TokenId, string State, TitlePartyView? Holder, TitlePartyView? Beneficiary,
    TitlePartyView? Nominee, [property: System.Text.Json.Serialization.JsonIgnore] IReadOnlyList<TitleEvent> History);

/// <summary>
/// A bill of lading whose title names the caller, with where the title stands now. Its content stays its issuer's
/// (GET /documents/{id} answers only the issuer and customs); its title is at GET /documents/{id}/title.
/// </summary>
public sealed record TitleSummaryView(Guid DocumentId, string DocumentType, string Issuer, string TokenId, string State, TitlePartyView? Holder,
    TitlePartyView? Beneficiary, TitlePartyView? Nominee, string? IssueTransactionHash, long? IssuedInBlock, long SubmittedAtUnixMs);

/// <summary>
/// The transferable bill of lading (UNCITRAL MLETR): its title lives on the TitleRegistry, token id = the document's
/// Merkle root, and the chain is its record — holder, beneficiary, nominee read from the contract, the endorsement chain
/// rebuilt from the contract's events as the service's chain index holds them (<see cref="TitleEvents"/>), parties
/// named where TradeChain knows their accounts.
/// </summary>
public sealed class ReadTitles(DocumentsDbContext db, TitleRegistryClient titles, TitleEvents events, PartyDirectory parties)
{
    /// <summary>The title registry the bills of lading issued here live on.</summary>
    public string Registry => titles.ContractAddress;

    /// <summary>
    /// The bill of lading, when the caller may see its title: its issuer, or a party that holds, is entitled to, is
    /// nominated for or once took part in the title, or a customs officer when a declaration references the bill.
    /// </summary>
    public async Task<Outcome<TradeDocument>> FindAsync(Guid id, Caller caller, CancellationToken ct)
    {
        var document = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (document is null) return new NotFound("document", id.ToString());
        if (!document.IsVisibleTo(caller.Party, caller.IsCustomsOfficer, caller.IsCustomsOfficer && await db.IsReferencedByDeclarationAsync(id, ct)))
        {
            var mine = parties.Wallets.HasAccount(caller.Party) ? parties.Wallets.AddressOf(caller.Party) : null;
            var involved = mine is not null && document.MerkleRoot is not null && document.IsTransferable
                && (await events.HistoryAsync(Convert.FromHexString(document.MerkleRoot), ct)).Any(e => Mentions(e, mine));
            if (!involved) return new NotFound("document", id.ToString());
        }
        document.RequireTitle();
        return document;
    }

    public async Task<Outcome<TitleView>> GetAsync(Guid id, Caller caller, CancellationToken ct)
    {
        var found = await FindAsync(id, caller, ct);
        return found.Value is { } document ? await ViewAsync(document, null, ct) : found.Refusal!;
    }

    /// <summary>The title of <paramref name="document"/> as it stands after the step <paramref name="step"/> (if any).</summary>
    public async Task<TitleView> ViewAsync(TradeDocument document, ChainReceipt? step, CancellationToken ct)
    {
        // Read-your-writes: the index holds the block of the step just taken (or of the issuance), so its chain shows it.
        if ((step?.BlockNumber ?? document.IssuedInBlock) is { } block) await events.CaughtUpToAsync(block, ct);
        var transactionHash = step?.TransactionHash;
        var standing = await StandingAsync(Convert.FromHexString(document.MerkleRoot!), ct);
        var steps = new List<EndorsementView>();
        foreach (var e in standing.History)
        {
            steps.Add(new EndorsementView(e.Action, await PartyAsync(e.From, ct), await PartyAsync(e.To, ct), await PartyAsync(e.By, ct),
                await PartyAsync(e.Holder, ct), e.TransactionHash, e.BlockNumber, DateTimeOffset.FromUnixTimeSeconds(e.Timestamp)));
        }
        return new TitleView(document.Id, "0x" + document.MerkleRoot, titles.ContractAddress, standing.State,
            standing.Holder, standing.Beneficiary, standing.Nominee, steps, transactionHash);
    }

    /// <summary>Who holds and is entitled to the title <paramref name="root"/> now, named as parties where TradeChain knows their accounts.</summary>
    public async Task<TitleStanding> StandingAsync(byte[] root, CancellationToken ct)
    {
        var state = await titles.GetAsync(root);
        var history = await events.HistoryAsync(root, ct);
        return new TitleStanding(titles.ContractAddress, "0x" + Convert.ToHexStringLower(root), StateOf(state),
            state.Live && !state.Surrendered ? await PartyAsync(state.Holder, ct) : null,
            state.Live ? await PartyAsync(state.Beneficiary, ct) : null, await PartyAsync(state.Nominee, ct), history);
    }

    /// <summary>
    /// The titles the caller takes part in. A holder or beneficiary who did not issue a bill cannot browse documents, so
    /// without this list it would learn of a bill endorsed or handed to it only by being sent its id. The chain is the
    /// record: the title registry's events name the parties (indexed), so the list is the tokens whose events — in the
    /// chain index — name the caller's account: at issuance, nomination, endorsement, hand-over, refusal or surrender.
    /// </summary>
    public async Task<PagedResult<TitleSummaryView>> ListAsync(Caller caller, int? page, int? pageSize, CancellationToken ct)
    {
        var (number, size) = Paging.Normalise(page, pageSize);
        if (!parties.Wallets.HasAccount(caller.Party)) return new PagedResult<TitleSummaryView>([], number, size, 0);
        var roots = await events.RootsNamingAsync(parties.Wallets.AddressOf(caller.Party), ct);
        var query = db.Documents.AsNoTracking()
            .Where(d => d.Method == IssuanceMethod.TokenRegistry && d.MerkleRoot != null && roots.Contains(d.MerkleRoot));
        var total = await query.CountAsync(ct);
        var documents = await query.OrderByDescending(d => d.SubmittedAtUnixMs).Skip((number - 1) * size).Take(size).ToListAsync(ct);
        var items = new List<TitleSummaryView>(documents.Count);
        foreach (var d in documents)
        {
            var state = await titles.GetAsync(Convert.FromHexString(d.MerkleRoot!));
            items.Add(new TitleSummaryView(d.Id, d.DocumentType, d.OwnerParty, "0x" + d.MerkleRoot, StateOf(state),
                state.Live && !state.Surrendered ? await PartyAsync(state.Holder, ct) : null, state.Live ? await PartyAsync(state.Beneficiary, ct) : null,
                await PartyAsync(state.Nominee, ct), d.IssueTransactionHash, d.IssuedInBlock, d.SubmittedAtUnixMs));
        }
        return new PagedResult<TitleSummaryView>(items, number, size, total);
    }

    /// <summary>
    /// Where the title stands, read from the registry as TradeTrust reads it: owner 0x…dEaD (its burn address) is an
    /// accepted surrender, owner the registry a surrender awaiting the issuer, no owner a title never issued.
    /// </summary>
    private static string StateOf(TitleState state) =>
        state.SurrenderAccepted ? "surrendered-and-burned" : !state.Exists ? "not-issued" : state.Surrendered ? "returned-to-issuer" : "active";

    private static bool Mentions(TitleEvent e, string address) =>
        new[] { e.From, e.To, e.By, e.Holder }.Any(a => a is not null && a.Contains(address, StringComparison.OrdinalIgnoreCase));

    private async Task<TitlePartyView?> PartyAsync(string? address, CancellationToken ct) =>
        string.IsNullOrEmpty(address) ? null : new TitlePartyView(await parties.PartyOfAsync(db, address, ct), address);
}
