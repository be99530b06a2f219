using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json.Nodes;
using Nethereum.Util;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using TradeChain.IntegrationTests.Infrastructure;
using TradeChain.Ledger;
using TradeChain.Ledger.Contracts.DocumentStore;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using Xunit.Abstractions;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>One running system for the documents tests; its issuer registry knows one outside document store.</summary>
public sealed class DocumentsFixture : IAsyncLifetime
{
    /// <summary>The outsider account's first contract: a partner's document store, registered with TradeChain.</summary>
    public static readonly string PartnerStore = ContractUtils.CalculateContractAddress(new Account(DevelopmentAccounts.OutsiderKey).Address, new BigInteger(0));

    public TradeChainSystem System { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        System = await TradeChainSystem.StartAsync((name, process) =>
        {
            if (name != "documents") return;
            // A window long enough that documents submitted together (concurrently) share a batch even when the machine is
            // busy with the browser tests running beside these (1.5 s was seen to split them under that load).
            process.SetSetting("Issuance:WindowMs", "4000");
            process.SetSetting("IssuerRegistry:Issuers:0:Name", "Partner Trade Services Pte Ltd");
            process.SetSetting("IssuerRegistry:Issuers:0:Address", PartnerStore);
            process.SetSetting("IssuerRegistry:Issuers:0:Domain", "partner-trade.example");
        });
    }

    public async Task DisposeAsync() => await System.DisposeAsync();
}

/// <summary>
/// Verifiable documents through the API on a real chain: OpenAttestation v2 wrapping checked by the public npm
/// libraries (open-attestation for integrity, tt-verify for the document-store status), tampering, revocation,
/// unknown issuers, selective disclosure, schema validation, the transferable bill of lading, and the bus verdict.
/// </summary>
public sealed class DocumentsTests(DocumentsFixture fixture, ITestOutputHelper output) : IClassFixture<DocumentsFixture>
{
    private TradeChainSystem System => fixture.System;

    private Uri Documents(string path) => new(System.Documents.BaseAddress, path);

    private async Task<(JsonObject View, JsonObject Wrapped)> IssueAsync(HttpClient exporter, string id)
    {
        var view = await PollStatus(exporter, Documents($"documents/{id}"), "Issued");
        return (view, view["wrapped"]!.AsObject());
    }

    private async Task<JsonObject> VerifyAsync(JsonObject wrapped)
    {
        using var anyone = Client(Roles.Bank, "BNK-VERIFIER");
        var report = await Post(anyone, Documents("documents/verify"), wrapped);
        output.WriteLine(report["summary"]!.GetValue<string>());
        return report;
    }

    private static JsonObject Check(JsonObject report, string name) =>
        report["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!.AsObject();

    private static string Status(JsonObject report, string name) => Check(report, name)["status"]!.GetValue<string>();

    private static string Reason(JsonObject report, string name) => Check(report, name)["reason"]!.GetValue<string>();

    [Fact]
    public async Task A_document_issued_through_the_API_verifies_with_the_public_OpenAttestation_libraries_against_the_chain()
    {
        using var exporter = Client(Roles.Exporter, "EXP-DOCS-1");
        var submitted = await Task.WhenAll(
            Post(exporter, Documents("documents"), new { type = "certificate-of-origin", content = CertificateOfOrigin("CO-DOCS-1") }),
            Post(exporter, Documents("documents"), new { type = "commercial-invoice", content = Invoice("INV-DOCS-1") }));
        var (certificate, invoice) = (submitted[0], submitted[1]);
        Assert.Equal("Submitted", certificate["status"]!.GetValue<string>());
        Assert.Null(certificate["wrapped"]);

        var (view, wrapped) = await IssueAsync(exporter, certificate["id"]!.GetValue<string>());
        var (_, invoiceWrapped) = await IssueAsync(exporter, invoice["id"]!.GetValue<string>());
        // Submitted within one window by one exporter: one Merkle tree, one root on chain.
        Assert.Equal(wrapped["signature"]!["merkleRoot"]!.GetValue<string>(), invoiceWrapped["signature"]!["merkleRoot"]!.GetValue<string>());
        Assert.NotEmpty(wrapped["signature"]!["proof"]!.AsArray());
        Assert.Equal(view["hash"]!.GetValue<string>(), "0x" + wrapped["signature"]!["targetHash"]!.GetValue<string>());

        Assert.True(await OpenAttestationNode.SignatureValidAsync(wrapped), "open-attestation verifySignature");
        var data = (await OpenAttestationNode.RunAsync("verify", new JsonArray(wrapped.DeepClone())))[0]!["data"]!;
        Assert.Equal("CO-DOCS-1", data["certificateNumber"]!.GetValue<string>());
        Assert.Equal(System.Chain.Deployment.DocumentStoreAddress, data["issuers"]![0]!["documentStore"]!.GetValue<string>(), ignoreCase: true);

        var status = await OpenAttestationNode.StatusAsync(System.Chain.RpcUrl, wrapped);
        output.WriteLine(status.ToJsonString());
        Assert.True(status["valid"]!.GetValue<bool>(), status.ToJsonString());
        Assert.Contains(status["fragments"]!.AsArray(), f => f!["name"]!.GetValue<string>() == "OpenAttestationEthereumDocumentStoreStatus" && f["status"]!.GetValue<string>() == "VALID");

        var report = await VerifyAsync(wrapped);
        Assert.True(report["valid"]!.GetValue<bool>());
        Assert.Equal(["valid", "valid", "valid", "valid"], new[] { "integrity", "issuance", "revocation", "issuerIdentity" }.Select(n => Status(report, n)));
        Assert.Contains("not checked", Reason(report, "issuerIdentity"));
        Assert.Contains("TradeChain Document Store", Reason(report, "issuerIdentity"));
    }

    [Fact]
    public async Task Tampering_with_any_field_is_detected_and_named()
    {
        using var exporter = Client(Roles.Exporter, "EXP-DOCS-2");
        var submitted = await Post(exporter, Documents("documents"), new { type = "commercial-invoice", content = Invoice("INV-DOCS-2", "5000.00") });
        var (_, wrapped) = await IssueAsync(exporter, submitted["id"]!.GetValue<string>());

        var tampered = (JsonObject)wrapped.DeepClone();
        var salt = tampered["data"]!["totalAmount"]!.GetValue<string>().Split(':')[0];
        tampered["data"]!["totalAmount"] = $"{salt}:string:50000.00";
        tampered["data"]!["buyer"]!["name"] = $"{Guid.NewGuid()}:string:Someone Else GmbH";

        var report = await VerifyAsync(tampered);
        Assert.False(report["valid"]!.GetValue<bool>());
        Assert.Equal("invalid", Status(report, "integrity"));
        Assert.Equal(["buyer.name", "totalAmount"], Check(report, "integrity")["details"]!["changedFields"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Contains("changed: buyer.name, totalAmount", Reason(report, "integrity"));
        Assert.Equal("valid", Status(report, "issuance")); // the root is on chain; it is the data that lies

        Assert.False(await OpenAttestationNode.SignatureValidAsync(tampered), "open-attestation also refuses the tampered copy");
        Assert.False((await OpenAttestationNode.StatusAsync(System.Chain.RpcUrl, tampered))["valid"]!.GetValue<bool>());

        // The CLI gives the same verdict, check by check, with its exit code.
        var file = Path.Combine(System.Directory, "tampered-invoice.tt");
        await File.WriteAllTextAsync(file, tampered.ToJsonString());
        var cli = new StringWriter();
        var options = new Dictionary<string, string> { ["documents"] = System.Documents.BaseAddress.ToString() };
        Assert.Equal(3, await TradeChain.Cli.VerifyCommand.RunAsync(options, file, cli));
        Assert.Contains("INVALID", cli.ToString());
        Assert.Contains("changed: buyer.name, totalAmount", cli.ToString());
        await File.WriteAllTextAsync(file, wrapped.ToJsonString());
        Assert.Equal(0, await TradeChain.Cli.VerifyCommand.RunAsync(options, file, new StringWriter()));

        var noSignature = (JsonObject)wrapped.DeepClone();
        noSignature.Remove("signature");
        Assert.Contains("signature is missing", Reason(await VerifyAsync(noSignature), "integrity"));
    }

    [Fact]
    public async Task A_revoked_document_fails_with_its_revocation_details_and_revoking_a_batch_reaches_every_document_in_it()
    {
        using var exporter = Client(Roles.Exporter, "EXP-DOCS-3");
        var ids = (await Task.WhenAll(new[] { "A", "B", "C" }.Select(n =>
            Post(exporter, Documents("documents"), new { type = "commercial-invoice", content = Invoice($"INV-DOCS-3{n}") }))))
            .Select(d => d["id"]!.GetValue<string>()).ToList();
        var wrapped = new List<JsonObject>();
        foreach (var id in ids) wrapped.Add((await IssueAsync(exporter, id)).Wrapped);
        Assert.Single(wrapped.Select(w => w["signature"]!["merkleRoot"]!.GetValue<string>()).Distinct());

        using var other = Client(Roles.Exporter, "EXP-SOMEONE-ELSE");
        Assert.Equal(HttpStatusCode.NotFound, (await Send(other, HttpMethod.Post, Documents($"documents/{ids[0]}/revoke"), new { reason = "not mine to revoke" })).Status);
        var (badStatus, badBody) = await Send(exporter, HttpMethod.Post, Documents($"documents/{ids[0]}/revoke"), new { scope = "everything" });
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.NotNull(badBody!["errors"]!["reason"]);
        Assert.NotNull(badBody["errors"]!["scope"]);

        var revoked = await TradeChain.Cli.TradeChainHttp.RevokeAsync(exporter, System.Documents.BaseAddress, ids[0], "issued in error: wrong consignee");
        var tx = revoked["transactionHash"]!.GetValue<string>();

        var report = await VerifyAsync(wrapped[0]);
        Assert.False(report["valid"]!.GetValue<bool>());
        Assert.Equal("invalid", Status(report, "revocation"));
        Assert.Equal(["valid", "valid"], new[] { "integrity", "issuance" }.Select(n => Status(report, n)));
        var reason = Reason(report, "revocation");
        Assert.Contains("this document", reason);
        Assert.Contains(tx, reason);
        Assert.Contains("issued in error: wrong consignee", reason);
        Assert.Contains("matches the reason hash recorded on chain", reason);
        Assert.Equal(revoked["blockNumber"]!.GetValue<long>(), Check(report, "revocation")["details"]!["blockNumber"]!.GetValue<long>());
        var status = await OpenAttestationNode.StatusAsync(System.Chain.RpcUrl, wrapped[0]);
        Assert.False(status["valid"]!.GetValue<bool>(), "tt-verify sees the revocation too");
        Assert.True((await VerifyAsync(wrapped[1]))["valid"]!.GetValue<bool>(), "the batch's other documents are untouched");

        await TradeChain.Cli.TradeChainHttp.RevokeAsync(exporter, System.Documents.BaseAddress, ids[1], "the whole shipment was cancelled", "batch");
        var third = await VerifyAsync(wrapped[2]);
        Assert.Contains("its whole batch", Reason(third, "revocation"));
        Assert.Contains("the whole shipment was cancelled", Reason(third, "revocation"));
        Assert.Equal("Revoked", (await Get(exporter, Documents($"documents/{ids[2]}")))["status"]!.GetValue<string>());

        // Customs, asking over the bus, gets the same verdict and refuses the declaration for it.
        using var aeo = Client(Roles.Exporter, "EXP-DOCS-3");
        var lodged = await Post(aeo, new Uri(System.Customs.BaseAddress, "declarations"),
            TradeChain.Cli.GoldenPath.ExportDeclaration("LRN-DOCS-REVOKED", (await Get(exporter, Documents($"documents/{ids[2]}")))["hash"]!.GetValue<string>(),
                (await Get(exporter, Documents($"documents/{ids[1]}")))["hash"]!.GetValue<string>(), 5_000m));
        var rejected = await PollStatus(aeo, new Uri(System.Customs.BaseAddress, $"declarations/{lodged["id"]}"), "Rejected");
        Assert.Contains("its whole batch", rejected["statusReason"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_partly_hidden_copy_still_verifies_here_and_with_the_OpenAttestation_library()
    {
        using var exporter = Client(Roles.Exporter, "EXP-DOCS-4");
        var submitted = await Post(exporter, Documents("documents"), new { type = "commercial-invoice", content = Invoice("INV-DOCS-4") });
        var (_, wrapped) = await IssueAsync(exporter, submitted["id"]!.GetValue<string>());

        var copy = await Post(exporter, Documents($"documents/{submitted["id"]}/disclosures"), new { hide = new[] { "buyer", "totalAmount" } });
        Assert.Null(copy["data"]!["buyer"]);
        Assert.Null(copy["data"]!["totalAmount"]);
        Assert.Equal(3, copy["privacy"]!["obfuscatedData"]!.AsArray().Count); // buyer.name, buyer.country, totalAmount
        Assert.Equal(wrapped["signature"]!.ToJsonString(), copy["signature"]!.ToJsonString());

        Assert.True((await VerifyAsync(copy))["valid"]!.GetValue<bool>());
        Assert.True(await OpenAttestationNode.SignatureValidAsync(copy));

        var (status, body) = await Send(exporter, HttpMethod.Post, Documents($"documents/{submitted["id"]}/disclosures"), new { hide = new[] { "buyer", "nonsense", "issuers" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("no field nonsense", body!["errors"]!["hide[1]"]![0]!.GetValue<string>());
        Assert.NotNull(body["errors"]!["hide[2]"]);
    }

    [Fact]
    public async Task Documents_wrapped_by_the_OpenAttestation_library_verify_with_TradeChain_and_an_unknown_issuer_is_named()
    {
        // A partner runs its own document store (registered with TradeChain); a stranger runs another (not registered).
        var web3 = new Web3(new Account(DevelopmentAccounts.OutsiderKey, DevelopmentAccounts.ChainId), System.Chain.RpcUrl);
        var admin = web3.TransactionManager.Account.Address;
        var partner = (await web3.Eth.GetContractDeploymentHandler<DocumentStoreDeployment>()
            .SendRequestAndWaitForReceiptAsync(new DocumentStoreDeployment { Name = "Partner", Admin = admin })).ContractAddress;
        Assert.Equal(DocumentsFixture.PartnerStore, partner, ignoreCase: true);
        var stranger = (await web3.Eth.GetContractDeploymentHandler<DocumentStoreDeployment>()
            .SendRequestAndWaitForReceiptAsync(new DocumentStoreDeployment { Name = "Stranger", Admin = admin })).ContractAddress;

        JsonObject Raw(string store, string number) => JsonNode.Parse($$"""
            { "$template": { "name": "packing-list", "type": "EMBEDDED_RENDERER", "url": "https://renderer.example" },
              "issuers": [{ "name": "Issuer of {{number}}", "documentStore": "{{store}}", "identityProof": { "type": "DNS-TXT", "location": "issuer.example" } }],
              "packingListNumber": "{{number}}", "packages": 576, "grossMassKg": 20500.5 }
            """)!.AsObject();
        var wrappedByThem = (await OpenAttestationNode.RunAsync("wrap", new JsonArray(Raw(partner, "PL-P"), Raw(stranger, "PL-S")))).AsArray();
        var root = wrappedByThem[0]!["signature"]!["merkleRoot"]!.GetValue<string>();
        var never = (await OpenAttestationNode.RunAsync("wrap", new JsonArray(Raw(partner, "PL-NEVER")))).AsArray()[0]!.AsObject();
        foreach (var store in new[] { partner, stranger })
        {
            await web3.Eth.GetContractTransactionHandler<IssueFunction>()
                .SendRequestAndWaitForReceiptAsync(store, new IssueFunction { Document = Convert.FromHexString(root) });
        }

        var partners = await VerifyAsync(wrappedByThem[0]!.AsObject());
        Assert.True(partners["valid"]!.GetValue<bool>(), partners["summary"]!.GetValue<string>());
        Assert.Contains("Partner Trade Services Pte Ltd", Reason(partners, "issuerIdentity"));

        var strangers = await VerifyAsync(wrappedByThem[1]!.AsObject());
        Assert.False(strangers["valid"]!.GetValue<bool>());
        Assert.Equal(["valid", "valid", "valid", "invalid"], new[] { "integrity", "issuance", "revocation", "issuerIdentity" }.Select(n => Status(strangers, n)));
        Assert.Contains($"{stranger} is not in TradeChain's issuer registry", Reason(strangers, "issuerIdentity"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("cannot make DNS lookups", Reason(strangers, "issuerIdentity"));

        var unissued = await VerifyAsync(never);
        Assert.Equal("invalid", Status(unissued, "issuance"));
        Assert.Contains("has not been issued on document store", Reason(unissued, "issuance"));
    }

    [Fact]
    public async Task A_submission_is_checked_against_its_schema_and_every_broken_field_is_named()
    {
        using var exporter = Client(Roles.Exporter, "EXP-DOCS-5");
        var (status, body) = await Send(exporter, HttpMethod.Post, Documents("documents"), new
        {
            type = "bill-of-lading",
            content = new
            {
                billOfLadingNumber = "MAEU 123", carrier = new { name = "Maersk" }, shipper = new { name = "ACME" }, consignee = new { name = "TO ORDER" },
                portOfLoading = "Saigon", portOfDischarge = "DEHAM", vesel = "MAERSK SELETAR", shippedOnBoardDate = "2026-13-01",
            },
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body!["errors"]!.AsObject();
        output.WriteLine(errors.ToJsonString());
        Assert.Equal(["content.billOfLadingNumber", "content.portOfLoading", "content.shippedOnBoardDate", "content.vesel", "content.vessel"],
            errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Contains("not a field of a bill-of-lading", errors["content.vesel"]![0]!.GetValue<string>());

        var (typeStatus, typeBody) = await Send(exporter, HttpMethod.Post, Documents("documents"), new { type = "letter", content = new { } });
        Assert.Equal(HttpStatusCode.BadRequest, typeStatus);
        Assert.Contains("bill-of-lading", typeBody!["errors"]!["type"]![0]!.GetValue<string>());
        var schema = await Get(exporter, Documents("documents/schemas/bill-of-lading"));
        Assert.Contains("shippedOnBoardDate", schema["required"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task A_bill_of_lading_is_transferred_endorsed_and_surrendered_on_chain_with_its_endorsement_chain()
    {
        using var shipper = Client(Roles.Exporter, "SHIPPER-ACME");
        using var bank = Client(Roles.Bank, "BNK-VCB");
        using var importer = Client(Roles.Exporter, "IMP-HAMBURG");
        using var stranger = Client(Roles.Exporter, "EXP-NOSY");
        var submitted = await Post(shipper, Documents("documents"), new
        {
            type = "bill-of-lading",
            content = new
            {
                billOfLadingNumber = "MAEU-240001", carrier = new { name = "Maersk A/S", country = "DK" }, shipper = new { name = "ACME Coffee JSC", country = "VN" },
                consignee = new { name = "TO ORDER" }, portOfLoading = "VNSGN", portOfDischarge = "DEHAM", vessel = "MAERSK SELETAR", voyageNumber = "245W",
                shippedOnBoardDate = "2026-11-20", containers = new[] { new { number = "CSQU3054383" } },
            },
        });
        Assert.True(submitted["transferable"]!.GetValue<bool>());
        var (view, wrapped) = await IssueAsync(shipper, submitted["id"]!.GetValue<string>());
        Assert.Equal(view["targetHash"]!.GetValue<string>(), view["merkleRoot"]!.GetValue<string>()); // its own tree: the root is the title's id
        var title = Documents($"documents/{submitted["id"]}/title/");

        var state = await Get(shipper, title);
        Assert.Equal("active", state["state"]!.GetValue<string>());
        Assert.Equal("SHIPPER-ACME", state["holder"]!["party"]!.GetValue<string>());
        Assert.Equal("SHIPPER-ACME", state["beneficiary"]!["party"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(stranger, HttpMethod.Get, title)).Status);
        var ttVerify = await OpenAttestationNode.StatusAsync(System.Chain.RpcUrl, wrapped);
        Assert.True(ttVerify["valid"]!.GetValue<bool>(), ttVerify.ToJsonString()); // tt-verify's token-registry check: the title is minted
        Assert.True(ttVerify["oaVerify"]!["valid"]!.GetValue<bool>(), ttVerify.ToJsonString()); // and oa-verify's
        Assert.False(ttVerify["surrendered"]!.GetValue<bool>());
        Assert.True((await VerifyAsync(wrapped))["valid"]!.GetValue<bool>());

        // A party with no part in the title does not see it; browsing documents shows a bank nothing either.
        Assert.Equal(HttpStatusCode.NotFound, (await Send(bank, HttpMethod.Get, title)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(bank, HttpMethod.Get, Documents($"documents/{submitted["id"]}"))).Status);

        await Post(shipper, new Uri(title, "endorse"), new { to = "IMP-HAMBURG" });          // holder = beneficiary: endorse directly
        // Only the holder can transfer: the new beneficiary is refused by the contract itself.
        var (refused, problem) = await Send(importer, HttpMethod.Post, new Uri(title, "transfer-holder"), new { to = "IMP-HAMBURG" });
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Equal("contract:NotHolder", problem!["rule"]!.GetValue<string>());

        await Post(shipper, new Uri(title, "transfer-holder"), new { to = "BNK-VCB" });      // documents go to the bank
        await Post(bank, new Uri(title, "transfer-holder"), new { to = "IMP-HAMBURG" });     // the bank releases them to the importer
        await Post(importer, new Uri(title, "reject-holder"), new { });                      // who first refuses…
        Assert.Equal("BNK-VCB", (await Get(bank, title))["holder"]!["party"]!.GetValue<string>());
        await Post(bank, new Uri(title, "transfer-holder"), new { to = "IMP-HAMBURG" });     // …then takes them
        var (early, earlyProblem) = await Send(shipper, HttpMethod.Post, new Uri(title, "accept-surrender"), new { });
        Assert.Equal(HttpStatusCode.Conflict, early);
        Assert.Equal("contract:TitleNotSurrendered", earlyProblem!["rule"]!.GetValue<string>());
        await Post(importer, new Uri(title, "surrender"), new { });
        Assert.Equal("returned-to-issuer", (await Get(importer, title))["state"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(importer, HttpMethod.Post, new Uri(title, "accept-surrender"), new { })).Status);
        var pending = await VerifyAsync(wrapped);
        Assert.Contains("returned to its issuer", Reason(pending, "issuance")); // surrendered: no longer title for anyone
        var burned = await Post(shipper, new Uri(title, "accept-surrender"), new { });

        Assert.Equal("surrendered-and-burned", burned["state"]!.GetValue<string>());
        var chain = burned["endorsementChain"]!.AsArray();
        output.WriteLine(chain.ToJsonString());
        Assert.Equal(
            ["issued", "beneficiary-endorsed", "holder-transferred", "holder-transferred", "holder-transfer-rejected", "holder-transferred", "surrendered", "surrender-accepted"],
            chain.Select(e => e!["action"]!.GetValue<string>()));
        Assert.Equal(["SHIPPER-ACME", "IMP-HAMBURG", "BNK-VCB", "IMP-HAMBURG", "BNK-VCB", "IMP-HAMBURG"],
            chain.Skip(0).Take(6).Select(e => e!["to"]?["party"]?.GetValue<string>() ?? e!["holder"]!["party"]!.GetValue<string>()).ToList()
                .Select((p, i) => i == 0 ? chain[0]!["holder"]!["party"]!.GetValue<string>() : p));
        Assert.All(chain, e => Assert.StartsWith("0x", e!["transactionHash"]!.GetValue<string>()));

        var spent = await VerifyAsync(wrapped);
        Assert.Equal("invalid", Status(spent, "issuance"));
        Assert.Contains("surrender accepted (burned", Reason(spent, "issuance"));

        // TradeTrust's public verifiers see the surrender as TradeTrust marks it: the title was issued on this registry
        // (its status fragment VALID, not "not found" nor an error) and its owner is TradeTrust's burn address.
        var theirs = await OpenAttestationNode.StatusAsync(System.Chain.RpcUrl, wrapped);
        output.WriteLine(theirs.ToJsonString());
        Assert.True(theirs["surrendered"]!.GetValue<bool>(), theirs.ToJsonString());
        Assert.Equal("0x000000000000000000000000000000000000dEaD", theirs["owner"]!.GetValue<string>(), ignoreCase: true);
        foreach (var verifier in new[] { theirs, theirs["oaVerify"]!.AsObject() })
        {
            var registryStatus = verifier["fragments"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "OpenAttestationEthereumTokenRegistryStatus")!;
            Assert.Equal("VALID", registryStatus["status"]!.GetValue<string>());
            Assert.True(verifier["valid"]!.GetValue<bool>(), verifier.ToJsonString());
        }
        Assert.Equal("surrendered-and-burned", (await Get(importer, title))["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Parties_find_the_bills_of_lading_whose_title_names_them_and_no_one_else_does()
    {
        using var shipper = Client(Roles.Exporter, "SHIPPER-LIST");
        using var importer = Client(Roles.Exporter, "IMP-LIST");
        using var bank = Client(Roles.Bank, "BNK-LIST");
        using var stranger = Client(Roles.Exporter, "EXP-LIST-NOSY");
        var submitted = await Post(shipper, Documents("documents"), new
        {
            type = "bill-of-lading",
            content = new
            {
                billOfLadingNumber = "MAEU-LIST-1", carrier = new { name = "Maersk A/S" }, shipper = new { name = "ACME Coffee JSC" }, consignee = new { name = "TO ORDER" },
                portOfLoading = "VNSGN", portOfDischarge = "DEHAM", vessel = "MAERSK SELETAR", shippedOnBoardDate = "2026-11-20",
            },
        });
        var id = submitted["id"]!.GetValue<string>();
        await IssueAsync(shipper, id);
        Assert.Empty(await TitlesOf(importer, id));                                                  // nothing names the importer yet
        var title = Documents($"documents/{id}/title/");

        // Followed without polling: the importer's list of titles and the shipper's title answer with an ETag (304 while
        // unchanged) and wait for a change; the endorsement — a registry event, indexed — answers both waits.
        var importersTitles = Documents("documents/titles?pageSize=200");
        var (_, listTag) = await ConditionalGet(importer, importersTitles, null);
        Assert.Equal((HttpStatusCode.NotModified, listTag), await ConditionalStatus(importer, importersTitles, listTag));
        var (titleSeen, titleTag) = await ConditionalGet(shipper, title, null);
        Assert.Equal("SHIPPER-LIST", titleSeen!["beneficiary"]!["party"]!.GetValue<string>());
        Assert.Equal((HttpStatusCode.NotFound, ""), await ConditionalStatus(stranger, new Uri(title, "?waitSeconds=2"), titleTag)); // not the stranger's to follow
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(shipper, HttpMethod.Get, new Uri(title, "?waitSeconds=5"))).Status); // a wait needs its ETag
        var listWait = ConditionalGet(importer, Documents("documents/titles?pageSize=200&waitSeconds=30"), listTag);
        var titleWait = ConditionalGet(shipper, new Uri(title, "?waitSeconds=30"), titleTag);
        await Post(shipper, new Uri(title, "endorse"), new { to = "IMP-LIST" });
        var (listed, _) = await listWait;
        Assert.True(listed is not null, "the importer's titles wait ended unchanged (304): the endorsement did not answer it within 30 s");
        Assert.Contains(listed!["items"]!.AsArray(), t => t!["documentId"]!.GetValue<string>() == id);
        var (endorsed, endorsedTag) = await titleWait;
        Assert.True(endorsed is not null, "the title's wait ended unchanged (304): the endorsement did not answer it within 30 s");
        Assert.Equal("IMP-LIST", endorsed!["beneficiary"]!["party"]!.GetValue<string>());
        Assert.NotEqual(titleTag, endorsedTag);

        await Post(shipper, new Uri(title, "transfer-holder"), new { to = "BNK-LIST" });

        var seenByImporter = Assert.Single(await TitlesOf(importer, id))!;
        Assert.Equal("SHIPPER-LIST", seenByImporter["issuer"]!.GetValue<string>());
        Assert.Equal("bill-of-lading", seenByImporter["documentType"]!.GetValue<string>());
        Assert.Equal("active", seenByImporter["state"]!.GetValue<string>());
        Assert.Equal("BNK-LIST", seenByImporter["holder"]!["party"]!.GetValue<string>());
        Assert.Equal("IMP-LIST", seenByImporter["beneficiary"]!["party"]!.GetValue<string>());
        Assert.Equal(seenByImporter.ToJsonString(), Assert.Single(await TitlesOf(bank, id))!.ToJsonString());
        Assert.Single(await TitlesOf(shipper, id));                                                   // issued to itself, then endorsed and handed on
        Assert.Empty(await TitlesOf(stranger, id));
        // Listed, not opened: the content stays the issuer's.
        Assert.Equal(HttpStatusCode.NotFound, (await Send(bank, HttpMethod.Get, Documents($"documents/{id}"))).Status);
    }

    [Fact]
    public async Task Documents_submitted_while_an_issuance_awaits_its_block_are_sent_without_waiting_for_it()
    {
        // The chain stops mining (as between two blocks of a chain with a block period): the first round's transaction
        // waits in the mempool. The next round must go meanwhile, not after the first round's receipt.
        var web3 = new Web3(System.Chain.RpcUrl);
        using var exporter = Client(Roles.Exporter, "EXP-PIPELINE");
        // A document's round is sent when a transaction carrying its Merkle root waits in the node's mempool.
        async Task<bool> WaitsInMempool(string id)
        {
            var root = (await Get(exporter, Documents($"documents/{id}")))["merkleRoot"]?.GetValue<string>();
            if (root is null) return false; // not in a round yet
            var pending = await web3.Eth.Blocks.GetBlockWithTransactionsByNumber.SendRequestAsync(Nethereum.RPC.Eth.DTOs.BlockParameter.CreatePending());
            return pending.Transactions.Any(t => t.Input.Contains(root.Replace("0x", ""), StringComparison.OrdinalIgnoreCase));
        }
        await web3.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        string first, second;
        try
        {
            first = (await Post(exporter, Documents("documents"), new { type = "commercial-invoice", content = Invoice("INV-PIPE-1") }))["id"]!.GetValue<string>();
            await Until(() => WaitsInMempool(first), "the first round's transaction is sent");
            second = (await Post(exporter, Documents("documents"), new { type = "commercial-invoice", content = Invoice("INV-PIPE-2") }))["id"]!.GetValue<string>();
            await Until(() => WaitsInMempool(second), "the second round's transaction is sent while the first awaits its block");
            Assert.True(await WaitsInMempool(first), "the first round's transaction is still unmined");
            // Nothing is mined yet: neither document may say Issued.
            foreach (var id in new[] { first, second })
                Assert.Equal("Submitted", (await Get(exporter, Documents($"documents/{id}")))["status"]!.GetValue<string>());
        }
        finally
        {
            await web3.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true);
            await web3.Client.SendRequestAsync<string>("evm_mine");
        }
        var (a, _) = await IssueAsync(exporter, first);
        var (b, _) = await IssueAsync(exporter, second);
        Assert.NotEqual(a["issueTransactionHash"]!.GetValue<string>(), b["issueTransactionHash"]!.GetValue<string>());
        Assert.Equal(a["issuedInBlock"]!.GetValue<long>(), b["issuedInBlock"]!.GetValue<long>()); // both in the one block mined after
    }

    [Fact]
    public async Task A_root_the_chain_issued_before_a_crash_is_recorded_when_sent_again_with_the_transaction_that_issued_it()
    {
        using var exporter = Client(Roles.Exporter, "EXP-REISSUE");
        var id = (await Post(exporter, Documents("documents"), new { type = "commercial-invoice", content = Invoice("INV-REISSUE-1") }))["id"]!.GetValue<string>();
        var (issued, _) = await IssueAsync(exporter, id);
        var (tx, block, root) = (issued["issueTransactionHash"]!.GetValue<string>(), issued["issuedInBlock"]!.GetValue<long>(), issued["merkleRoot"]!.GetValue<string>());
        var database = System.DatabasePath("documents");

        // The service stopped after the chain issued the root and before it recorded where: the batch unconfirmed, no transaction.
        await System.Documents.KillAsync();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database}"))
        {
            await connection.OpenAsync();
            var command = connection.CreateCommand();
            command.CommandText = $"UPDATE issuance_batches SET Confirmed = 0, TransactionHash = '' WHERE MerkleRoot = '{root}'";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        await System.Documents.StartAsync();

        // Sent again, the store refuses it as issued: its DocumentIssued event names the transaction and block it is recorded with.
        await Until(async () => await Count(database, $"SELECT COUNT(*) FROM issuance_batches WHERE MerkleRoot = '{root}' AND Confirmed = 1") == 1,
            "the batch is confirmed again");
        Assert.Equal(1L, await Count(database, $"SELECT COUNT(*) FROM issuance_batches WHERE MerkleRoot = '{root}' AND TransactionHash = '{tx}' AND BlockNumber = {block}"));
    }

    [Fact]
    public async Task A_documents_process_with_issuance_off_only_saves_submissions_and_one_with_it_on_issues_them()
    {
        using var exporter = Client(Roles.Exporter, "EXP-ISSUER-OFF");
        // As a Kubernetes API pod: issuance off (documents-worker issues).
        System.Documents.SetSetting("Issuance:Enabled", "false");
        await System.Documents.KillAsync();
        await System.Documents.StartAsync();
        string id;
        try
        {
            id = (await Post(exporter, Documents("documents"), new { type = "commercial-invoice", content = Invoice("INV-ISSUER-OFF") }))["id"]!.GetValue<string>();
            // Twice the window (4 s here) and more: an issuer would have formed its round and sent it.
            await Task.Delay(TimeSpan.FromSeconds(10));
            var waiting = await Get(exporter, Documents($"documents/{id}"));
            Assert.Equal("Submitted", waiting["status"]!.GetValue<string>());
            Assert.Null(waiting["merkleRoot"]); // not even in a round
            Assert.Equal(0L, await Count(System.DatabasePath("documents"), "SELECT COUNT(*) FROM issuance_batches WHERE Confirmed = 0"));
        }
        finally
        {
            // The worker's side: issuance on (the default) — the saved submission is issued.
            System.Documents.SetSetting("Issuance:Enabled", "true");
            await System.Documents.KillAsync();
            await System.Documents.StartAsync();
        }
        var (issued, _) = await IssueAsync(exporter, id);
        Assert.StartsWith("0x", issued["issueTransactionHash"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_revocation_asked_of_a_process_with_issuance_off_is_saved_and_sent_by_the_issuer_once_it_runs()
    {
        using var exporter = Client(Roles.Exporter, "EXP-REVOKER-OFF");
        using var noWait = Client(Roles.Exporter, "EXP-REVOKER-OFF");
        noWait.DefaultRequestHeaders.Add("Prefer", "respond-async");
        var ids = new List<string>();
        foreach (var n in new[] { "A", "B" })
            ids.Add((await IssueAsync(exporter, (await Post(exporter, Documents("documents"), new { type = "commercial-invoice", content = Invoice($"INV-REVOKER-{n}") }))["id"]!.GetValue<string>())).View["id"]!.GetValue<string>());
        var web3 = new Web3(new Account(DevelopmentAccounts.DocumentsKey, DevelopmentAccounts.ChainId), System.Chain.RpcUrl);
        var views = new List<JsonObject>();
        foreach (var id in ids) views.Add(await Get(exporter, Documents($"documents/{id}")));
        var store = views[0]["documentStore"]!.GetValue<string>();
        Task<bool> RevokedOnChain(int i) => web3.Eth.GetContractQueryHandler<IsRevokedFunction>()
            .QueryAsync<bool>(store, new IsRevokedFunction { Document = Convert.FromHexString(views[i]["targetHash"]!.GetValue<string>()) });
        const string reasonA = "issued in error: wrong consignee";
        const string reasonB = "superseded by a corrected invoice";

        // As a Kubernetes API pod: issuance off, so nothing here writes with the service's account (documents-worker does).
        System.Documents.SetSetting("Issuance:Enabled", "false");
        await System.Documents.KillAsync();
        await System.Documents.StartAsync();
        var done = false;
        try
        {
            var (asked, body) = await Send(noWait, HttpMethod.Post, Documents($"documents/{ids[0]}/revoke"), new { reason = reasonA, scope = "document" });
            Assert.Equal(HttpStatusCode.Accepted, asked);
            Assert.Null(body!["transactionHash"]);
            Assert.Equal(views[0]["targetHash"]!.GetValue<string>(), body["revokedHash"]!.GetValue<string>());
            var pending = body["documents"]![0]!;
            Assert.Equal("Issued", pending["status"]!.GetValue<string>());
            Assert.Equal(reasonA, pending["revocationRequest"]!["reason"]!.GetValue<string>());
            // Asked again the same: the same request; with another reason while it is pending: refused, naming the rule.
            Assert.Equal(HttpStatusCode.Accepted, (await Send(noWait, HttpMethod.Post, Documents($"documents/{ids[0]}/revoke"), new { reason = reasonA, scope = "document" })).Status);
            var (refused, problem) = await Send(noWait, HttpMethod.Post, Documents($"documents/{ids[0]}/revoke"), new { reason = "another reason", scope = "document" });
            Assert.Equal(HttpStatusCode.Conflict, refused);
            Assert.Equal("revocation-pending", problem!["rule"]!.GetValue<string>());
            // Waiting for the record (no Prefer): the wait runs out (wait=2 here) and the answer is still 202.
            using var shortWait = Client(Roles.Exporter, "EXP-REVOKER-OFF");
            shortWait.DefaultRequestHeaders.Add("Prefer", "wait=2");
            Assert.Equal(HttpStatusCode.Accepted, (await Send(shortWait, HttpMethod.Post, Documents($"documents/{ids[1]}/revoke"), new { reason = reasonB, scope = "document" })).Status);

            // Nothing is sent from here, however long it waits; the document shows the request.
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.False(await RevokedOnChain(0));
            Assert.False(await RevokedOnChain(1));
            var shown = await Get(exporter, Documents($"documents/{ids[1]}"));
            Assert.Equal("Issued", shown["status"]!.GetValue<string>());
            Assert.Equal(reasonB, shown["revocationRequest"]!["reason"]!.GetValue<string>());
            Assert.Null(shown["revocation"]);
            done = true;
        }
        finally
        {
            await System.Documents.KillAsync();
            System.Documents.SetSetting("Issuance:Enabled", "true");
            if (!done) await System.Documents.StartAsync(); // as it was, for the other tests of this system
        }
        // An earlier attempt that sent A's revocation and stopped before recording it (a crash): on chain, not in the database.
        var txA = (await web3.Eth.GetContractTransactionHandler<RevokeWithReasonFunction>().SendRequestAndWaitForReceiptAsync(store, new RevokeWithReasonFunction
        {
            Document = Convert.FromHexString(views[0]["targetHash"]!.GetValue<string>()),
            Reason = Convert.FromHexString(TradeChain.Documents.Verification.DocumentVerifier.ReasonHash(reasonA)),
        })).TransactionHash;

        // The worker's side: issuance on (the default) — the saved requests are sent, A's found on chain and not sent again.
        await System.Documents.StartAsync();
        var a = await PollStatus(exporter, Documents($"documents/{ids[0]}"), "Revoked");
        Assert.Equal(txA, a["revocation"]!["transactionHash"]!.GetValue<string>(), ignoreCase: true);
        Assert.Equal(reasonA, a["revocation"]!["reason"]!.GetValue<string>());
        Assert.Null(a["revocationRequest"]);
        var b = await PollStatus(exporter, Documents($"documents/{ids[1]}"), "Revoked");
        Assert.NotEqual(txA, b["revocation"]!["transactionHash"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        Assert.True(await RevokedOnChain(1));
        var report = await VerifyAsync(b["wrapped"]!.AsObject());
        Assert.Contains(reasonB, Reason(report, "revocation"));
        // The history names who asked, then the record.
        var history = (await Get(exporter, Documents($"documents/{ids[1]}/history")))["transitions"]!.AsArray();
        var request = history.Single(t => t!["reason"]!.GetValue<string>().Contains("revocation asked"))!;
        Assert.Equal(["Issued", "Issued"], new[] { request["fromState"]!.GetValue<string>(), request["toState"]!.GetValue<string>() });
        Assert.Equal(request["actor"]!.GetValue<string>(), history[^1]!["actor"]!.GetValue<string>()); // recorded for the one who asked
        Assert.Equal("Revoked", history[^1]!["toState"]!.GetValue<string>());
        // Asked again after it went through: that revocation, 200.
        var again = await Post(exporter, Documents($"documents/{ids[1]}/revoke"), new { reason = reasonB, scope = "document" });
        Assert.Equal(b["revocation"]!["transactionHash"]!.GetValue<string>(), again["transactionHash"]!.GetValue<string>());
    }

    private static async Task Until(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 30 s for: {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>The caller's titles listed for the bill <paramref name="id"/> (others' tests share the chain).</summary>
    private async Task<List<JsonNode?>> TitlesOf(HttpClient party, string id)
    {
        var page = await Get(party, Documents("documents/titles?pageSize=200"));
        Assert.True(page["total"]!.GetValue<int>() >= page["items"]!.AsArray().Count);
        return page["items"]!.AsArray().Where(t => t!["documentId"]!.GetValue<string>() == id).ToList();
    }
}
