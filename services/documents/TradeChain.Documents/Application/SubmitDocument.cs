using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
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

    /// <summary>The rule a document submitted again in a batch breaks.</summary>
    public const string AlreadySubmittedRule = "document-already-submitted";

    public Task<TradeDocument> HandleAsync(SubmitDocumentCommand command, Caller caller, CancellationToken ct) =>
        SubmitAsync(command, Guid.NewGuid(), caller, ct);

    /// <summary>
    /// Submits the document under the id its submitter and content give it (<see cref="IdOf"/>) — or, when that document
    /// is already there (a batch sent again), submits nothing and names it.
    /// </summary>
    public async Task<Submission> HandleOnceAsync(SubmitDocumentCommand command, Caller caller, CancellationToken ct)
    {
        var id = IdOf(command, caller.Party);
        if (await db.Documents.AnyAsync(d => d.Id == id, ct)) return new Submission(null, id);
        try
        {
            return new Submission(await SubmitAsync(command, id, caller, ct), null);
        }
        catch (DbUpdateException)
        {
            // The same batch, sent twice at once: the other request submitted it.
            if (await db.Documents.AsNoTracking().AnyAsync(d => d.Id == id, ct)) return new Submission(null, id);
            throw;
        }
    }

    /// <summary>
    /// A document's identity from what it says: its submitter, type, content (keys in any order) and title parties — the
    /// same document sent again gets the same id (a name-based UUID, RFC 9562 §5.8, from a SHA-256 of those).
    /// </summary>
    public static Guid IdOf(SubmitDocumentCommand command, string owner)
    {
        var identity = new JsonObject
        {
            ["owner"] = owner, ["type"] = command.Type, ["content"] = Canonical(command.Content), ["transferable"] = command.Transferable,
            ["beneficiary"] = command.Transferable ? command.Beneficiary ?? owner : null, ["holder"] = command.Transferable ? command.Holder ?? owner : null,
        };
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToJsonString()));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: custom
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
        _ => node?.DeepClone(),
    };

    private async Task<TradeDocument> SubmitAsync(SubmitDocumentCommand command, Guid id, Caller caller, CancellationToken ct)
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

        var document = TradeDocument.Submit(id, command.Type, owner, OpenAttestationV2.SaltData(data),
            command.Transferable ? IssuanceMethod.TokenRegistry : IssuanceMethod.DocumentStore,
            command.Transferable ? command.Beneficiary ?? owner : null, command.Transferable ? command.Holder ?? owner : null, caller.Actor, clock.GetUtcNow());
        db.Documents.Add(document);
        await db.SaveChangesAsync(ct);
        return document;
    }
}

/// <summary>A batch's document: <paramref name="Submitted"/> now, or already submitted as <paramref name="AlreadySubmittedAs"/>.</summary>
public sealed record Submission(TradeDocument? Submitted, Guid? AlreadySubmittedAs);
