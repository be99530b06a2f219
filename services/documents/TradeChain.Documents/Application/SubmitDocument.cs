using System.Text.Json.Nodes;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;
using TradeChain.Ledger;

namespace TradeChain.Documents.Application;

/// <summary>
/// A document to issue, already checked against its schema. <paramref name="Transferable"/> issues a bill of lading as a
/// transferable record whose title goes first to <paramref name="Beneficiary"/> and <paramref name="Holder"/> (default: the submitter).
/// </summary>
public sealed record SubmitDocumentCommand(string Type, JsonObject Content, bool Transferable, string? Beneficiary, string? Holder);

/// <summary>
/// Submitting a document: its data gets the OpenAttestation template and issuer (the document store, or for a
/// transferable record the title registry), is salted and hashed, and waits as Submitted for the
/// <see cref="DocumentIssuer"/> to issue it with the next batch. Its targetHash is its reference from now on.
/// </summary>
public sealed class SubmitDocument(DocumentsDbContext db, ChainOptions chain, IssuerRegistry registry, PartyDirectory parties, TimeProvider clock)
{
    private const string RendererUrl = "https://renderer.tradechain.example";

    public async Task<TradeDocument> HandleAsync(SubmitDocumentCommand command, Caller caller, CancellationToken ct)
    {
        var owner = caller.Party;
        var data = (JsonObject)command.Content.DeepClone();
        data["$template"] = new JsonObject { ["name"] = command.Type, ["type"] = "EMBEDDED_RENDERER", ["url"] = RendererUrl };
        var issuer = new JsonObject { ["name"] = owner };
        if (command.Transferable) issuer["tokenRegistry"] = chain.TitleRegistryAddress;
        else issuer["documentStore"] = chain.DocumentStoreAddress;
        issuer["identityProof"] = new JsonObject { ["type"] = "DNS-TXT", ["location"] = registry.OwnDomain };
        data["issuers"] = new JsonArray(issuer);
        if (command.Transferable)
        {
            // Resolve (and remember) the title parties' accounts now, so the issuer can mint without surprises.
            await parties.AddressAsync(command.Beneficiary ?? owner, ct);
            await parties.AddressAsync(command.Holder ?? owner, ct);
        }

        var document = TradeDocument.Submit(Guid.NewGuid(), command.Type, owner, OpenAttestationV2.SaltData(data),
            command.Transferable ? IssuanceMethod.TokenRegistry : IssuanceMethod.DocumentStore,
            command.Transferable ? command.Beneficiary ?? owner : null, command.Transferable ? command.Holder ?? owner : null, caller.Actor, clock.GetUtcNow());
        db.Documents.Add(document);
        await db.SaveChangesAsync(ct);
        return document;
    }
}
