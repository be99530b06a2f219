using TradeChain.Domain.Hashing;
using System.Text.Json.Nodes;
using TradeChain.Documents.Domain;
using TradeChain.Domain;

namespace TradeChain.UnitTests;

public class DocumentTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    private static JsonObject Invoice() => JsonNode.Parse("""
        {"invoiceNumber":"INV-7","seller":{"name":"ACME Coffee JSC","country":"VN"},"buyer":{"name":"Hamburg Roasters GmbH","country":"DE"},
         "totalAmount":"5000.00","currency":"USD","incoterm":"FOB","invoiceDate":"2026-11-20",
         "lineItems":[{"description":"Robusta grade 1","quantity":19200,"unit":"KGM","unitPrice":"2.6042","amount":"5000.00"}]}
        """)!.AsObject();

    [Fact]
    public void A_valid_invoice_passes_its_schema()
    {
        Assert.Empty(DocumentSchemas.Validate("commercial-invoice", Invoice()));
    }

    [Fact]
    public void Every_schema_error_names_its_field_and_rule_at_once()
    {
        var invoice = Invoice();
        invoice.Remove("currency");
        invoice["totalAmount"] = "5,000";
        invoice["sellr"] = "typo";
        invoice["buyer"]!["country"] = "Germany";
        invoice["invoiceDate"] = "20/11/2026";
        invoice["lineItems"]![0]!["quantity"] = -1;

        var errors = DocumentSchemas.Validate("commercial-invoice", invoice).ToDictionary(e => e.Field, e => e.Rule);

        Assert.Contains("required", errors["content.currency"]);
        Assert.Contains("wrong form", errors["content.totalAmount"]);
        Assert.Contains("not a field of a commercial-invoice", errors["content.sellr"]);
        Assert.Contains("wrong form", errors["content.buyer.country"]);
        Assert.Contains("format", errors["content.invoiceDate"]);
        Assert.True(errors.ContainsKey("content.lineItems.0.quantity"), string.Join("; ", errors));
    }

    [Theory]
    [InlineData("certificate-of-origin")]
    [InlineData("commercial-invoice")]
    [InlineData("packing-list")]
    [InlineData("bill-of-lading")]
    [InlineData("phytosanitary-certificate")]
    public void Each_type_has_a_schema_that_requires_its_key_fields(string type)
    {
        var errors = DocumentSchemas.Validate(type, new JsonObject());
        Assert.True(errors.Count >= 4, $"{type}: {string.Join("; ", errors)}");
        Assert.All(errors, e => Assert.Contains("is required", e.Rule));
    }

    [Fact]
    public void The_target_hash_ignores_key_order_but_not_any_value_and_salts_differ()
    {
        var salt = Guid.Parse("0f2c4d5e-1a2b-4c3d-8e9f-001122334455");
        var a = OpenAttestationV2.TargetHash(OpenAttestationV2.SaltData(JsonNode.Parse("""{"b":1,"a":{"y":2,"x":[1,2]}}""")!.AsObject(), () => salt), []);
        var b = OpenAttestationV2.TargetHash(OpenAttestationV2.SaltData(JsonNode.Parse("""{"a":{"x":[1,2],"y":2},"b":1}""")!.AsObject(), () => salt), []);
        var c = OpenAttestationV2.TargetHash(OpenAttestationV2.SaltData(JsonNode.Parse("""{"a":{"x":[1,2],"y":3},"b":1}""")!.AsObject(), () => salt), []);
        var d = OpenAttestationV2.TargetHash(OpenAttestationV2.SaltData(JsonNode.Parse("""{"b":1,"a":{"y":2,"x":[1,2]}}""")!.AsObject()), []);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, d);
    }

    [Fact]
    public void Field_comparison_names_changed_added_and_removed_fields_but_not_hidden_ones()
    {
        var original = OpenAttestationV2.SaltData(Invoice());
        var wrapped = OpenAttestationV2.Wrap(original, OpenAttestationV2.TargetHash(original, []), [], OpenAttestationV2.TargetHash(original, []));
        var hidden = OpenAttestationV2.Obfuscate(wrapped, ["buyer"]);
        var presented = (JsonObject)hidden["data"]!.DeepClone();
        presented["totalAmount"] = "3a6c1e0e-0000-4000-8000-000000000000:string:50000.00";
        presented["discount"] = "x";
        presented.Remove("incoterm");

        var diff = OpenAttestationV2.CompareFields(original, presented,
            hidden["privacy"]!["obfuscatedData"]!.AsArray().Select(h => h!.GetValue<string>()).ToList());

        Assert.Equal(["totalAmount"], diff.Changed);
        Assert.Equal(["discount"], diff.Added);
        Assert.Equal(["incoterm"], diff.Removed);
        Assert.True(OpenAttestationV2.VerifyIntegrity(hidden).Valid);
    }

    [Fact]
    public void Unsalting_restores_the_values_with_their_types()
    {
        var data = OpenAttestationV2.Unsalt(OpenAttestationV2.SaltData(Invoice()))!;
        Assert.Equal(Invoice().ToJsonString(), data.ToJsonString());
    }

    [Fact]
    public void A_batch_gives_each_document_a_proof_to_the_same_root()
    {
        var targets = Enumerable.Range(0, 5).Select(i => OpenAttestationV2.TargetHash(OpenAttestationV2.SaltData(new JsonObject { ["n"] = i }), [])).ToList();
        var (root, proofs) = OpenAttestationV2.BuildTree(targets);
        for (var i = 0; i < targets.Count; i++)
        {
            var folded = TradeChain.Domain.Hashing.MerkleTree.ComputeRoot(Convert.FromHexString(targets[i]), proofs[i].Select(Convert.FromHexString));
            Assert.Equal(root, Convert.ToHexStringLower(folded));
        }
        Assert.Equal((targets[0], 0), (OpenAttestationV2.BuildTree([targets[0]]).Root, OpenAttestationV2.BuildTree([targets[0]]).Proofs[0].Count));
    }

    [Fact]
    public void A_document_is_batched_then_issued_once_then_revoked_once()
    {
        var data = OpenAttestationV2.SaltData(Invoice());
        var document = TradeDocument.Submit(Guid.NewGuid(), "commercial-invoice", "EXP-ACME", data, IssuanceMethod.DocumentStore, null, null, "anh", Now);
        Assert.Equal("0x" + OpenAttestationV2.TargetHash(data, []), document.Hash);
        Assert.Null(document.Wrapped);
        Assert.Throws<DomainRuleViolation>(() => document.MarkIssued("0xtx", 7, "0xstore", "issuer", Now));

        document.AssignToBatch(Guid.NewGuid(), document.TargetHash, []);
        document.MarkIssued("0xtx", 7, "0xstore", "issuer", Now);
        Assert.Equal(DocumentStatus.Issued, document.Status);
        Assert.True(OpenAttestationV2.VerifyIntegrity(document.Wrapped!).Valid);
        Assert.Throws<DomainRuleViolation>(() => document.MarkIssued("0xtx2", 8, "0xstore", "issuer", Now));

        document.MarkRevoked("document", "issued in error", "0xtx3", 9, "anh", Now);
        Assert.Equal(DocumentStatus.Revoked, document.Status);
        Assert.Throws<DomainRuleViolation>(() => document.MarkRevoked("document", "again", "0xtx4", 10, "anh", Now));
    }

    private static TradeDocument Issued(IssuanceMethod method = IssuanceMethod.DocumentStore)
    {
        var document = TradeDocument.Submit(Guid.NewGuid(), method == IssuanceMethod.TokenRegistry ? "bill-of-lading" : "commercial-invoice", "EXP-ACME",
            OpenAttestationV2.SaltData(Invoice()), method, null, null, "anh", Now);
        document.AssignToBatch(Guid.NewGuid(), document.TargetHash, []);
        document.MarkIssued("0xtx", 7, "0xstore", "issuer", Now);
        return document;
    }

    private static string RuleOf(Action action) => Assert.Throws<DomainRuleViolation>(action).Rule;

    [Fact]
    public void Only_an_issued_verifiable_document_is_revoked_and_a_chain_revocation_keeps_its_reason()
    {
        var waiting = TradeDocument.Submit(Guid.NewGuid(), "commercial-invoice", "EXP-ACME", OpenAttestationV2.SaltData(Invoice()), IssuanceMethod.DocumentStore, null, null, "anh", Now);
        Assert.Equal("not-issued", RuleOf(waiting.RequireRevocable));
        Assert.Equal("transferable-not-revocable", RuleOf(Issued(IssuanceMethod.TokenRegistry).RequireRevocable));
        Issued().RequireRevocable();

        TradeDocument.RequireSameRevocation("abc", "0xtx", "0xAB", "0xab");
        Assert.Equal("already-revoked", RuleOf(() => TradeDocument.RequireSameRevocation("abc", "0xtx", "0xab", "0xcd")));
        Assert.Equal("already-revoked", RuleOf(() => TradeDocument.RequireSameRevocation("abc", "0xtx", null, "0xcd")));
    }

    [Fact]
    public void A_revocation_is_asked_once_with_its_own_transition_and_recorded_for_the_one_who_asked()
    {
        var document = Issued();
        var version = document.Version;
        document.ClearPendingTransitions();
        Assert.False(document.RevocationPending);

        Assert.True(document.RequestRevocation("document", "issued in error", "anh", Now));
        Assert.True(document.RevocationPending);
        Assert.Equal(DocumentStatus.Issued, document.Status); // still verifies until the chain says otherwise
        Assert.Equal(version + 1, document.Version);
        var asked = Assert.Single(document.PendingTransitions);
        Assert.Equal(("Issued", "Issued", "anh"), (asked.FromState, asked.ToState, asked.Actor));
        Assert.Contains("issued in error", asked.Reason);
        Assert.Equal(document.TargetHash, document.RevokedHash("document"));

        // The same request again is that request; another while it is pending is refused.
        Assert.False(document.RequestRevocation("document", "issued in error", "binh", Now));
        Assert.Single(document.PendingTransitions);
        Assert.Equal("revocation-pending", RuleOf(() => document.RequestRevocation("document", "another reason", "anh", Now)));
        Assert.Equal("revocation-pending", RuleOf(() => document.RequestRevocation("batch", "issued in error", "anh", Now)));

        document.MarkRevoked("document", "issued in error", "0xtx3", 9, document.RevocationRequestedBy!, Now);
        Assert.Equal(DocumentStatus.Revoked, document.Status);
        Assert.False(document.RevocationPending);
        Assert.Null(document.RevocationRequestedAtUnixMs); // no longer among those the revoker looks for
        Assert.Equal("anh", document.PendingTransitions[^1].Actor);
        Assert.Equal("not-issued", RuleOf(() => document.RequestRevocation("document", "issued in error", "anh", Now)));

        // Refused by the document store: given up with its own transition, nothing revoked, the owner may ask again.
        var refused = Issued();
        refused.RequestRevocation("batch", "wrong buyer", "anh", Now);
        refused.GiveUpRevocation("contract:AccessControlUnauthorizedAccount", "documents-issuer", Now);
        Assert.Equal(DocumentStatus.Issued, refused.Status);
        Assert.False(refused.RevocationPending);
        Assert.Null(refused.RevocationReason); // no notice kept for a revocation that did not happen
        Assert.Contains("AccessControlUnauthorizedAccount", refused.PendingTransitions[^1].Reason);
        Assert.Equal("invalid-transition", RuleOf(() => refused.GiveUpRevocation("again", "documents-issuer", Now)));
        Assert.True(refused.RequestRevocation("document", "wrong buyer", "anh", Now));

        var waiting = TradeDocument.Submit(Guid.NewGuid(), "commercial-invoice", "EXP-ACME", OpenAttestationV2.SaltData(Invoice()), IssuanceMethod.DocumentStore, null, null, "anh", Now);
        Assert.Equal("not-issued", RuleOf(() => waiting.RequestRevocation("document", "too early", "anh", Now)));
        Assert.Equal("transferable-not-revocable", RuleOf(() => Issued(IssuanceMethod.TokenRegistry).RequestRevocation("document", "a title", "anh", Now)));
    }

    [Fact]
    public void Only_an_issued_transferable_bill_of_lading_has_a_title()
    {
        Assert.Equal("not-transferable", RuleOf(Issued().RequireTitle));
        var bill = TradeDocument.Submit(Guid.NewGuid(), "bill-of-lading", "EXP-ACME", OpenAttestationV2.SaltData(Invoice()), IssuanceMethod.TokenRegistry, "EXP-ACME", "EXP-ACME", "anh", Now);
        Assert.Equal("not-yet-issued", RuleOf(bill.RequireTitle));
        Issued(IssuanceMethod.TokenRegistry).RequireTitle();
    }

    [Fact]
    public void A_document_is_handed_out_and_disclosed_once_issued_and_never_without_its_issuer()
    {
        var waiting = TradeDocument.Submit(Guid.NewGuid(), "commercial-invoice", "EXP-ACME", OpenAttestationV2.SaltData(Invoice()), IssuanceMethod.DocumentStore, null, null, "anh", Now);
        Assert.Equal("not-yet-issued", RuleOf(() => waiting.WrappedCopy()));
        Assert.Equal("not-yet-issued", RuleOf(() => waiting.Disclose(["buyer"])));

        var document = Issued();
        Assert.True(OpenAttestationV2.VerifyIntegrity(document.WrappedCopy()).Valid);
        var refused = document.Disclose(["", "issuers.0.name", "colour", "buyer"]);
        Assert.Null(refused.Copy);
        Assert.Equal(["hide[0]", "hide[1]", "hide[2]"], refused.Problems.Select(p => p.Field));
        var copy = document.Disclose(["buyer"]).Copy!;
        Assert.Null(copy["data"]!["buyer"]);
        Assert.True(OpenAttestationV2.VerifyIntegrity(copy).Valid);
    }

    [Fact]
    public void A_document_is_its_issuers_and_customs_officers_see_those_declarations_reference()
    {
        var document = Issued();
        Assert.True(document.IsVisibleTo("EXP-ACME", isCustomsOfficer: false, referencedByDeclaration: false));
        Assert.True(document.IsVisibleTo("CUS-VNSGN", isCustomsOfficer: true, referencedByDeclaration: true));
        Assert.False(document.IsVisibleTo("CUS-VNSGN", isCustomsOfficer: true, referencedByDeclaration: false)); // no declaration shows it to customs
        Assert.False(document.IsVisibleTo("BNK-VCB", isCustomsOfficer: false, referencedByDeclaration: true));
        Assert.False(document.BelongsTo("exp-acme"));
    }

    [Fact]
    public void Pending_documents_are_issued_in_one_tree_per_owner_and_a_bill_of_lading_in_its_own()
    {
        TradeDocument Pending(string owner, IssuanceMethod method = IssuanceMethod.DocumentStore) => TradeDocument.Submit(Guid.NewGuid(),
            method == IssuanceMethod.TokenRegistry ? "bill-of-lading" : "commercial-invoice", owner, OpenAttestationV2.SaltData(Invoice()), method, null, null, "anh", Now);
        var acme = new[] { Pending("EXP-ACME"), Pending("EXP-ACME") };
        var other = Pending("EXP-OTHER");
        var bills = new[] { Pending("EXP-ACME", IssuanceMethod.TokenRegistry), Pending("EXP-ACME", IssuanceMethod.TokenRegistry) };

        var trees = IssuanceBatch.TreesOf([acme[0], bills[0], other, acme[1], bills[1]]).ToList();

        Assert.Equal(4, trees.Count);
        Assert.Contains(trees, t => t.SequenceEqual(acme));
        Assert.Contains(trees, t => t.SequenceEqual([other]));
        Assert.All(bills, b => Assert.Contains(trees, t => t.SequenceEqual([b])));
    }
}
