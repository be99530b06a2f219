using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using TradeChain.Domain.Hashing;
using TradeChain.Ledger;
using TradeChain.Ledger.Contracts.DocumentStore;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using Xunit.Abstractions;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>A running system whose public verifier has a small allowance, so the limit can be reached in a test.</summary>
public sealed class PublicVerificationFixture : IAsyncLifetime
{
    public const int PermitLimit = 6;
    public const int MaxDocumentBytes = 64 * 1024;

    public TradeChainSystem System { get; private set; } = null!;

    /// <summary>The documents service's way to the chain, recording every request it makes.</summary>
    public LogRangeLimitedRpc Rpc { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var anvilPort = TestEnvironment.FreePort();
        Rpc = new LogRangeLimitedRpc($"http://127.0.0.1:{anvilPort}");
        System = await TradeChainSystem.StartAsync((name, process) =>
        {
            if (name != "documents") return;
            process.SetSetting("Chain:RpcUrl", Rpc.Url);
            process.SetSetting("PublicVerification:PermitLimit", PermitLimit.ToString(CultureInfo.InvariantCulture));
            process.SetSetting("PublicVerification:MaxDocumentBytes", MaxDocumentBytes.ToString(CultureInfo.InvariantCulture));
            // The tests stand in for a trusted proxy (as the console is) so that each test is its own visitor.
            process.SetSetting("PublicVerification:TrustedProxies:0", "127.0.0.1");
            // Documents posted together are issued in one batch (as DocumentsTests): a 200 ms window may split them on a loaded machine.
            process.SetSetting("Issuance:WindowMs", "4000");
        }, anvilPort: anvilPort);
    }

    public async Task DisposeAsync()
    {
        await System.DisposeAsync();
        await Rpc.DisposeAsync();
    }
}

/// <summary>
/// The documents service's public verifier (POST /public/verify): anyone holding a document checks it without signing in,
/// and learns what a holder may learn — never another document's fields or revocation notice — within a bounded body
/// and a per-client allowance.
/// </summary>
public sealed class PublicVerificationTests(PublicVerificationFixture fixture, ITestOutputHelper output) : IClassFixture<PublicVerificationFixture>
{
    private TradeChainSystem System => fixture.System;

    private Uri Documents(string path) => new(System.Documents.BaseAddress, path);

    /// <summary>An anonymous visitor, counted by the address the "proxy" forwards.</summary>
    private static HttpClient Visitor(string address)
    {
        var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    private async Task<(HttpStatusCode Status, JsonObject? Body)> VerifyPublicly(HttpClient visitor, JsonObject wrapped)
    {
        using var response = await visitor.PostAsync(Documents("public/verify"), new StringContent(wrapped.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{(int)response.StatusCode}: {text}");
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject);
    }

    private async Task<(string Id, JsonObject Wrapped)> IssueAsync(HttpClient exporter, string type, object content)
    {
        var submitted = await Post(exporter, Documents("documents"), new { type, content });
        var id = submitted["id"]!.GetValue<string>();
        var issued = await PollStatus(exporter, Documents($"documents/{id}"), "Issued");
        return (id, issued["wrapped"]!.AsObject());
    }

    private static JsonObject Check(JsonObject report, string name) =>
        report["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!.AsObject();

    /// <summary>A file someone made up: its own fields, but the signature of a real document (its hashes are no secret to them).</summary>
    private static JsonObject MadeUpWithSignatureOf(JsonObject genuine, string documentStore)
    {
        string Salted(string value) => $"{Guid.NewGuid()}:string:{value}";
        return new JsonObject
        {
            ["version"] = genuine["version"]!.DeepClone(),
            ["data"] = new JsonObject
            {
                ["invoiceNumber"] = Salted("INV-FAKE"),
                ["issuers"] = new JsonArray(new JsonObject { ["name"] = Salted("Someone"), ["documentStore"] = Salted(documentStore) }),
            },
            ["signature"] = genuine["signature"]!.DeepClone(),
        };
    }

    [Fact]
    public async Task A_holder_verifies_a_document_without_signing_in_and_reads_it_as_issued()
    {
        using var exporter = Client(Roles.Exporter, "EXP-PUBLIC-1");
        var (_, wrapped) = await IssueAsync(exporter, "commercial-invoice", Invoice("INV-PUBLIC-1"));
        using var visitor = Visitor("198.51.100.1");

        var (status, report) = await VerifyPublicly(visitor, wrapped);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(report!["valid"]!.GetValue<bool>());
        Assert.Equal(["valid", "valid", "valid", "valid"], new[] { "integrity", "issuance", "revocation", "issuerIdentity" }.Select(n => Check(report, n)["status"]!.GetValue<string>()));
        Assert.Equal("commercial-invoice", report["document"]!["type"]!.GetValue<string>());
        Assert.Equal("INV-PUBLIC-1", report["document"]!["data"]!["invoiceNumber"]!.GetValue<string>()); // salts removed for reading
        Assert.Equal("Hamburg Roasters GmbH", report["document"]!["data"]!["buyer"]!["name"]!.GetValue<string>());
        Assert.Equal(0, report["document"]!["hiddenFieldCount"]!.GetValue<int>());
        Assert.Null(report["title"]);

        // The signed-in verifier stays signed-in only; the type's schema (its labels) is public.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(visitor, HttpMethod.Post, Documents("documents/verify"), wrapped)).Status);
        var schema = JsonNode.Parse(await visitor.GetStringAsync(Documents("public/schemas/commercial-invoice")))!;
        Assert.Equal("Commercial invoice", schema["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_document_of_our_store_is_verified_from_the_chain_index_with_no_chain_read_per_proof_node_and_its_verdict_names_block_and_transaction()
    {
        using var exporter = Client(Roles.Exporter, "EXP-PUBLIC-INDEX");
        // Submitted together, so they share a batch and each one's proof has nodes.
        var submitted = await Task.WhenAll(Enumerable.Range(1, 3).Select(i =>
            Post(exporter, Documents("documents"), new { type = "commercial-invoice", content = Invoice($"INV-INDEX-{i}") })));
        var issued = await Task.WhenAll(submitted.Select(s => PollStatus(exporter, Documents($"documents/{s["id"]}"), "Issued")));
        var document = issued.FirstOrDefault(d => d["wrapped"]!["signature"]!["proof"]!.AsArray().Count >= 1);
        Assert.True(document is not null, "the three invoices were issued in separate batches: no document has a proof to walk");
        var wrapped = document["wrapped"]!.AsObject();
        var store = System.Chain.Deployment.DocumentStoreAddress.ToLowerInvariant();
        using var visitor = Visitor("198.51.100.10");

        async Task<(JsonObject Report, List<RpcCall> Calls)> Verify()
        {
            var before = fixture.Rpc.Requests.Count;
            var (status, report) = await VerifyPublicly(visitor, wrapped);
            Assert.Equal(HttpStatusCode.OK, status);
            var calls = fixture.Rpc.Requests.Skip(before).ToList();
            output.WriteLine("chain requests meanwhile: " + string.Join(", ", calls.Select(c => $"{c.Method} {c.Contract}")));
            return (report!, calls);
        }

        var (valid, calls) = await Verify();
        Assert.True(valid["valid"]!.GetValue<bool>());
        var issuance = Check(valid, "issuance");
        Assert.Contains($"in block {document["issuedInBlock"]}, transaction {document["issueTransactionHash"]}", issuance["reason"]!.GetValue<string>());
        Assert.Equal(document["issueTransactionHash"]!.GetValue<string>(), issuance["details"]!["issuers"]![0]!["transactionHash"]!.GetValue<string>());
        Assert.Contains("as of block", Check(valid, "revocation")["reason"]!.GetValue<string>());
        // Not one question about a hash: no eth_call (documentIssued / documentRevoked) and no code lookup of the store.
        Assert.DoesNotContain(calls, c => c.Contract == store && c.Method is "eth_call" or "eth_getCode");

        // Revoked, then verified at once: the index is read only once it holds the revocation's block.
        var revoked = await TradeChain.Cli.TradeChainHttp.RevokeAsync(exporter, System.Documents.BaseAddress, document["id"]!.GetValue<string>(), "superseded by INV-INDEX-4");
        var (report, revokedCalls) = await Verify();
        var revocation = Check(report, "revocation");
        Assert.Equal("invalid", revocation["status"]!.GetValue<string>());
        Assert.Contains($"in transaction {revoked["transactionHash"]}, block {revoked["blockNumber"]}", revocation["reason"]!.GetValue<string>());
        Assert.Contains("superseded by INV-INDEX-4", revocation["reason"]!.GetValue<string>());
        Assert.DoesNotContain(revokedCalls, c => c.Contract == store && c.Method is "eth_call" or "eth_getCode");
    }

    [Fact]
    public async Task A_tampered_copy_is_told_which_of_its_own_fields_are_not_as_issued_and_a_made_up_file_learns_nothing_of_the_original()
    {
        using var exporter = Client(Roles.Exporter, "EXP-PUBLIC-2");
        var (_, wrapped) = await IssueAsync(exporter, "commercial-invoice", Invoice("INV-PUBLIC-2", "5000.00"));
        using var visitor = Visitor("198.51.100.2");

        var tampered = (JsonObject)wrapped.DeepClone();
        var salt = tampered["data"]!["totalAmount"]!.GetValue<string>().Split(':')[0];
        tampered["data"]!["totalAmount"] = $"{salt}:string:50000.00";
        var (_, report) = await VerifyPublicly(visitor, tampered);
        var integrity = Check(report!, "integrity");
        Assert.False(report!["valid"]!.GetValue<bool>());
        Assert.Equal("invalid", integrity["status"]!.GetValue<string>());
        Assert.Contains("not as issued: totalAmount", integrity["reason"]!.GetValue<string>());
        Assert.Equal(["totalAmount"], integrity["details"]!["changedFields"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Null(integrity["details"]!["removedFields"]);
        Assert.Equal("50000.00", report["document"]!["data"]!["totalAmount"]!.GetValue<string>()); // shown as presented, flagged by the check

        // Someone who never held the invoice but knows its hashes: the signed-in verifier would list the original's
        // fields missing from the file; the public one tells nothing of them.
        var madeUp = MadeUpWithSignatureOf(wrapped, System.Chain.Deployment.DocumentStoreAddress);
        using var party = Client(Roles.Bank, "BNK-PUBLIC");
        var partyReport = await Post(party, Documents("documents/verify"), madeUp);
        Assert.Contains("buyer.name", Check(partyReport, "integrity")["reason"]!.GetValue<string>());
        var (_, publicReport) = await VerifyPublicly(visitor, madeUp);
        var reason = Check(publicReport!, "integrity")["reason"]!.GetValue<string>();
        Assert.Contains("cannot say which fields changed", reason);
        foreach (var field in new[] { "buyer", "seller", "totalAmount", "currency", "incoterm" }) Assert.DoesNotContain(field, publicReport!.ToJsonString());
    }

    [Fact]
    public async Task A_revoked_document_tells_its_holder_when_and_why_and_a_file_merely_naming_it_gets_no_notice()
    {
        using var exporter = Client(Roles.Exporter, "EXP-PUBLIC-3");
        var (id, wrapped) = await IssueAsync(exporter, "commercial-invoice", Invoice("INV-PUBLIC-3"));
        var revoked = await TradeChain.Cli.TradeChainHttp.RevokeAsync(exporter, System.Documents.BaseAddress, id, "issued in error: wrong buyer");
        using var visitor = Visitor("198.51.100.3");

        var (_, report) = await VerifyPublicly(visitor, wrapped);
        var revocation = Check(report!, "revocation");
        Assert.Equal("invalid", revocation["status"]!.GetValue<string>());
        Assert.Contains("issued in error: wrong buyer", revocation["reason"]!.GetValue<string>());
        Assert.Contains(revoked["transactionHash"]!.GetValue<string>(), revocation["reason"]!.GetValue<string>());
        Assert.Equal(revoked["blockNumber"]!.GetValue<long>(), revocation["details"]!["blockNumber"]!.GetValue<long>());
        Assert.NotNull(revocation["details"]!["revokedAt"]);

        var (_, madeUp) = await VerifyPublicly(visitor, MadeUpWithSignatureOf(wrapped, System.Chain.Deployment.DocumentStoreAddress));
        var notice = Check(madeUp!, "revocation");
        Assert.Equal("invalid", notice["status"]!.GetValue<string>()); // the chain's revocation is public …
        Assert.DoesNotContain("wrong buyer", madeUp!.ToJsonString());   // … the notice is the holder's
        Assert.Contains("shown only for a document whose integrity holds", notice["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_copy_whose_integrity_failed_has_only_its_own_hashes_looked_up_on_another_issuers_store_never_its_proof()
    {
        // Another issuer's OpenAttestation document store: not TradeChain's, so not in the chain index — every hash
        // the verifier looks up is a question to the chain (issue 14, item 6: no proof walked after integrity failed).
        var web3 = new Nethereum.Web3.Web3(new Nethereum.Web3.Accounts.Account(DevelopmentAccounts.OutsiderKey, DevelopmentAccounts.ChainId), System.Chain.RpcUrl);
        var deployed = await web3.Eth.GetContractDeploymentHandler<DocumentStoreDeployment>().SendRequestAndWaitForReceiptAsync(
            new DocumentStoreDeployment { Name = "Another issuer's store", Admin = web3.TransactionManager.Account.Address });
        var store = deployed.ContractAddress.ToLowerInvariant();

        using var exporter = Client(Roles.Exporter, "EXP-PUBLIC-PROOF");
        var (_, wrapped) = await IssueAsync(exporter, "commercial-invoice", Invoice("INV-PUBLIC-PROOF"));
        // Naming the other store changes the data, so integrity fails; a proof of 24 nodes leads from the targetHash to a root
        // that the other store did issue, so issuance holds and revocation is looked up.
        var copy = (JsonObject)wrapped.DeepClone();
        var issuer = copy["data"]!["issuers"]![0]!.AsObject();
        var salt = issuer["documentStore"]!.GetValue<string>().Split(':')[0];
        issuer["documentStore"] = $"{salt}:string:{store}";
        var targetHash = copy["signature"]!["targetHash"]!.GetValue<string>();
        var proof = Enumerable.Range(0, 24).Select(_ => global::System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).ToList();
        var root = MerkleTree.ComputeRoot(Convert.FromHexString(targetHash), proof);
        copy["signature"]!["proof"] = new JsonArray(proof.Select(p => (JsonNode)Convert.ToHexStringLower(p)).ToArray());
        copy["signature"]!["merkleRoot"] = Convert.ToHexStringLower(root);
        await web3.Eth.GetContractTransactionHandler<IssueFunction>().SendRequestAndWaitForReceiptAsync(store, new IssueFunction { Document = root });

        using var bank = Client(Roles.Bank, "BNK-PUBLIC-PROOF");
        var before = fixture.Rpc.Requests.Count;
        var report = await Post(bank, Documents("documents/verify"), copy);
        var questions = fixture.Rpc.Requests.Skip(before).Count(c => c.Contract == store && c.Method == "eth_call");
        output.WriteLine($"eth_call to the other store: {questions}; report: {report.ToJsonString()}");

        Assert.False(report["valid"]!.GetValue<bool>());
        Assert.Equal("invalid", Check(report, "integrity")["status"]!.GetValue<string>());
        Assert.Equal("valid", Check(report, "issuance")["status"]!.GetValue<string>());
        Assert.Contains($"issued on document store {store}", Check(report, "issuance")["reason"]!.GetValue<string>());
        // Revocation asked of the targetHash and the root only, not of the 24 nodes the proof would lead through.
        Assert.Contains("none of the document's 2 hash(es)", Check(report, "revocation")["reason"]!.GetValue<string>());
        // documentIssued and documentRevoked of the root (issuance), then of the targetHash and the root (revocation): 6,
        // where walking the proof would have asked 2 × 26 more.
        Assert.True(questions <= 6, $"{questions} eth_call to the other store: the proof of a document whose integrity failed was walked");
    }

    [Fact]
    public async Task A_disclosed_copy_verifies_and_names_the_fields_it_hides_without_their_values()
    {
        using var exporter = Client(Roles.Exporter, "EXP-PUBLIC-4");
        var (id, _) = await IssueAsync(exporter, "commercial-invoice", Invoice("INV-PUBLIC-4", "7300.00"));
        var copy = await Post(exporter, Documents($"documents/{id}/disclosures"), new { hide = new[] { "buyer", "totalAmount" } });
        using var visitor = Visitor("198.51.100.4");

        var (_, report) = await VerifyPublicly(visitor, copy);
        Assert.True(report!["valid"]!.GetValue<bool>());
        Assert.Equal(3, report["document"]!["hiddenFieldCount"]!.GetValue<int>());
        Assert.Equal(["buyer.country", "buyer.name", "totalAmount"], report["document"]!["hiddenFields"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.DoesNotContain("7300.00", report.ToJsonString());
        Assert.DoesNotContain("Hamburg Roasters", report.ToJsonString());
    }

    [Fact]
    public async Task A_bill_of_lading_shows_who_holds_its_title_and_who_is_entitled_to_it()
    {
        using var shipper = Client(Roles.Exporter, "SHIPPER-PUBLIC");
        var submitted = await Post(shipper, Documents("documents"), new
        {
            type = "bill-of-lading", holder = "BNK-VCB", beneficiary = "IMP-HAMBURG",
            content = new
            {
                billOfLadingNumber = "MAEU-PUB-1", carrier = new { name = "Maersk A/S", country = "DK" }, shipper = new { name = "ACME Coffee JSC", country = "VN" },
                consignee = new { name = "TO ORDER" }, portOfLoading = "VNSGN", portOfDischarge = "DEHAM", vessel = "MAERSK SELETAR", shippedOnBoardDate = "2026-11-20",
            },
        });
        var issued = await PollStatus(shipper, Documents($"documents/{submitted["id"]}"), "Issued");
        using var visitor = Visitor("198.51.100.5");

        var (_, report) = await VerifyPublicly(visitor, issued["wrapped"]!.AsObject());
        Assert.True(report!["valid"]!.GetValue<bool>());
        var title = report["title"]!;
        Assert.Equal("active", title["state"]!.GetValue<string>());
        Assert.Equal("BNK-VCB", title["holder"]!["party"]!.GetValue<string>());
        Assert.Equal("IMP-HAMBURG", title["beneficiary"]!["party"]!.GetValue<string>());
        Assert.Equal("0x" + issued["merkleRoot"]!.GetValue<string>(), title["tokenId"]!.GetValue<string>());
        Assert.Null(title["history"]);
    }

    [Theory]
    [InlineData("""{"version":"v","data":{"a":"x"},"signature":{"type":"SHA3MerkleProof","targetHash":1111111111111111111111111111111111111111111111111111111111111111,"merkleRoot":"11","proof":[]}}""")]
    [InlineData("""{"version":"v","data":{"a":"x"},"privacy":"x","signature":{"type":"SHA3MerkleProof","targetHash":"1111111111111111111111111111111111111111111111111111111111111111","merkleRoot":"1111111111111111111111111111111111111111111111111111111111111111","proof":[]}}""")]
    [InlineData("""{"version":"v","data":{"$template":"x"},"signature":{"type":"SHA3MerkleProof","targetHash":"1111111111111111111111111111111111111111111111111111111111111111","merkleRoot":"1111111111111111111111111111111111111111111111111111111111111111","proof":[]}}""")]
    public async Task A_malformed_document_gets_an_answer_in_words_never_a_server_error(string body)
    {
        // Its own address per case, apart from the fixed ones other tests count requests against (1–10):
        // a random one once landed on the rate-limit test's visitor and spent one of its permits.
        using var visitor = Visitor($"198.51.100.{100 + (int)((uint)StableHash(body) % 100)}");
        using var response = await visitor.PostAsync(Documents("public/verify"), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{(int)response.StatusCode}: {text}");
        Assert.True((int)response.StatusCode < 500, $"answered {(int)response.StatusCode}: {text}");
        Assert.False(string.IsNullOrWhiteSpace(text));
    }

    [Fact]
    public async Task The_public_verifier_bounds_the_document_and_the_requests_of_each_client()
    {
        using var large = Visitor("198.51.100.6");
        var padded = new JsonObject { ["data"] = new string('x', PublicVerificationFixture.MaxDocumentBytes), ["signature"] = new JsonObject() };
        var (status, problem) = await VerifyPublicly(large, padded);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains($"at most {PublicVerificationFixture.MaxDocumentBytes} bytes", problem!["detail"]!.GetValue<string>());
        var (notJson, notJsonProblem) = (await Send(large, HttpMethod.Post, Documents("public/verify"), "just text"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson);
        Assert.NotNull(notJsonProblem!["errors"]!["body"]);

        using var busy = Visitor("198.51.100.7");
        for (var i = 0; i < PublicVerificationFixture.PermitLimit; i++)
            Assert.Equal(HttpStatusCode.OK, (await busy.GetAsync(Documents("public/schemas/packing-list"))).StatusCode);
        using var refused = await busy.GetAsync(Documents("public/schemas/packing-list"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter is not null, "a refused client is told when to come back");
        Assert.Contains("Too many verifications", await refused.Content.ReadAsStringAsync());

        // Another visitor of the same proxy has its own allowance; a client that is no trusted proxy cannot claim one.
        using var other = Visitor("198.51.100.8");
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync(Documents("public/schemas/packing-list"))).StatusCode);
        var untrusted = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse("203.0.113.9") } };
        untrusted.Request.Headers["X-Forwarded-For"] = "198.51.100.8";
        Assert.Equal("203.0.113.9", TradeChain.Documents.Api.PublicEndpoints.ClientOf(untrusted, new HashSet<IPAddress> { IPAddress.Loopback }));
    }

    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text) hash = unchecked(hash * 31 + c);
        return hash;
    }
}
