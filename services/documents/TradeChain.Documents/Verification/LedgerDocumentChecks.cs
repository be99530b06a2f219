using System.Text.Json.Nodes;
using TradeChain.Documents.Application;
using TradeChain.Ledger;

namespace TradeChain.Documents.Verification;

/// <summary>Answers <see cref="IDocumentChecks"/> from the chain: the document verifier, and the title registry for who holds a title.</summary>
public sealed class LedgerDocumentChecks(DocumentVerifier verifier, TitleRegistryClient titles, PartyWallets wallets) : IDocumentChecks
{
    public Task<VerificationReport> VerifyAsync(JsonObject wrapped, long headReadNotBefore, CancellationToken ct) =>
        verifier.VerifyAsync(wrapped, ct, headReadNotBefore: headReadNotBefore);

    public async Task<TitleHolding> HoldingAsync(string merkleRoot, string party, CancellationToken ct)
    {
        var title = await titles.GetAsync(Convert.FromHexString(merkleRoot));
        var account = wallets.HasAccount(party) ? wallets.AddressOf(party) : "";
        return new TitleHolding(string.Equals(title.Holder, account, StringComparison.OrdinalIgnoreCase), title.Holder);
    }
}
