using System.Net;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using TradeChain.Ledger;

namespace TradeChain.UnitTests;

/// <summary>
/// The remote signer's checks, against a stand-in signer (an HTTP handler that signs with a local key, or tampers): the
/// integration tests use a real second anvil as the remote signer.
/// </summary>
public sealed class RemoteSignerTests
{
    private static readonly string BankKey = PartyWallets.DevelopmentKey("BNK-REMOTE-UNIT");
    private static readonly TransactionSigner Bank = new(BankKey, DevelopmentAccounts.ChainId);
    private static readonly UnsignedTransaction Mint = new(DevelopmentAccounts.ChainId, 7, 1_000_000_000, 3_000_000_000, 90_000,
        "0x5FbDB2315678afecb367f032d93F642f64180aa3", 0, "0xabcdef01");

    [Fact]
    public async Task The_transaction_signed_remotely_is_the_one_asked_for_with_its_hash_computed_here_and_the_bearer_token_sent()
    {
        var signer = new StandIn((request, _) => Bank.SignAsync(Decode(request), default).Result.Raw);
        using var remote = new RemoteSigner(Options(bearer: "party-token-1"), signer);

        var signed = await remote.SignAsync(Mint, default);

        var local = Bank.Sign(Mint.Nonce, Mint.MaxPriorityFeePerGas, Mint.MaxFeePerGas, Mint.GasLimit, Mint.To, Mint.Value, Mint.Data);
        Assert.Equal(local.Raw, signed.Raw);
        Assert.Equal(local.Hash, signed.Hash);
        Assert.Equal("Bearer party-token-1", signer.Authorization);
        Assert.Equal("eth_signTransaction", signer.LastRequest!["method"]!.GetValue<string>());
        var asked = signer.LastRequest["params"]![0]!;
        Assert.Equal(Bank.Address, asked["from"]!.GetValue<string>());
        Assert.Equal("0x7", asked["nonce"]!.GetValue<string>());
        Assert.Equal("0x2", asked["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_transaction_as_long_as_a_banks_full_batch_of_transfers_is_signed_remotely_though_a_party_could_not_hand_it_in()
    {
        // bankTransferBatch of 256 transfers: four arrays of 256 words, about 33 KB of call data (the bench's 84 were refused before).
        var batch = Mint with { Data = "0x" + new string('a', 2 * (4 + 4 * 32 + 4 * 32 * 257)), GasLimit = 28_000_000 };
        using var remote = new RemoteSigner(Options(), new StandIn((request, _) => Bank.SignAsync(Decode(request), default).Result.Raw));

        var signed = await remote.SignAsync(batch, default);

        Assert.True(signed.Raw.Length > DecodedTransaction.MaxRawLength);
        Assert.Throws<PartySignatureException>(() => DecodedTransaction.Decode(signed.Raw)); // what a party hands in stays bounded
    }

    [Fact]
    public async Task A_signer_that_signs_something_else_or_as_someone_else_is_refused_and_nothing_is_returned_to_send()
    {
        using var altered = new RemoteSigner(Options(), new StandIn((request, _) => Bank.SignAsync(Decode(request) with { Data = "0xdeadbeef", Value = 5 }, default).Result.Raw));
        var e = await Assert.ThrowsAsync<RemoteSignerException>(() => altered.SignAsync(Mint, default));
        Assert.Contains("value, data differ", e.Message);

        var other = new TransactionSigner(PartyWallets.DevelopmentKey("SOMEONE-ELSE"), DevelopmentAccounts.ChainId);
        using var impostor = new RemoteSigner(Options(), new StandIn((request, _) => other.SignAsync(Decode(request), default).Result.Raw));
        e = await Assert.ThrowsAsync<RemoteSignerException>(() => impostor.SignAsync(Mint, default));
        Assert.Contains($"signed as {other.Address}, not as {Bank.Address}", e.Message);
    }

    [Fact]
    public async Task A_refusal_names_the_signer_and_the_account_and_an_unauthorised_call_says_what_to_check()
    {
        using var refusing = new RemoteSigner(Options(), new StandIn((_, _) => null, error: "account locked"));
        var e = await Assert.ThrowsAsync<RemoteSignerException>(() => refusing.SignAsync(Mint, default));
        Assert.Contains("refused to sign for " + Bank.Address + ": account locked", e.Message);
        Assert.Contains("https://signer.bank.example/rpc", e.Message);

        using var unauthorised = new RemoteSigner(Options(), new StandIn((_, _) => null, status: HttpStatusCode.Unauthorized));
        e = await Assert.ThrowsAsync<RemoteSignerException>(() => unauthorised.SignAsync(Mint, default));
        Assert.Contains("HTTP 401", e.Message);
        Assert.Contains("bearer token or client certificate", e.Message);
        Assert.DoesNotContain("party-token", e.Message);
    }

    [Fact]
    public void Outside_Development_no_party_key_is_accepted_and_a_signer_needs_https_and_its_address()
    {
        var keys = new PartyAccountOptions { Keys = { ["BNK-HSBC"] = BankKey } };
        Assert.Empty(keys.Problems(development: true));
        Assert.Contains(keys.Problems(development: false), p => p.Contains("Parties:Keys holds the keys of BNK-HSBC") && p.Contains("no service holds a party's key"));
        Assert.DoesNotContain(BankKey, string.Join(" ", keys.Problems(development: false)));
        Assert.Contains(new PartyAccountOptions { DeriveDevelopmentKeys = true }.Problems(development: false), p => p.Contains("Development only"));

        var plain = new PartyAccountOptions { Signers = { ["BNK-HSBC"] = new RemoteSignerOptions { Url = "http://signer:8545", Address = "0x12" } } };
        var problems = plain.Problems(development: false).ToList();
        Assert.Contains(problems, p => p.Contains("Parties:Signers:BNK-HSBC:Url must be https"));
        Assert.Contains(problems, p => p.Contains("Parties:Signers:BNK-HSBC:Address must be"));
        var good = new PartyAccountOptions { Signers = { ["BNK-HSBC"] = Options() } };
        Assert.Empty(good.Problems(development: false));

        Assert.Contains(new ChainOptions().SigningProblems(development: false), p => p.Contains("exactly one of Chain:PrivateKey"));
        Assert.Empty(new ChainOptions { Signer = Options() }.SigningProblems(development: false));
        Assert.NotEmpty(new ChainOptions { PrivateKey = DevelopmentAccounts.CustomsKey, Signer = Options() }.SigningProblems(development: true));
    }

    [Fact]
    public async Task A_partys_own_signed_transaction_is_taken_only_for_the_call_it_was_prepared_for_and_only_from_its_account()
    {
        var signed = Bank.Sign(Mint.Nonce, Mint.MaxPriorityFeePerGas, Mint.MaxFeePerGas, Mint.GasLimit, Mint.To, Mint.Value, Mint.Data);
        var presigned = new PresignedSigner(signed.Raw, Bank.Address, "BNK-REMOTE-UNIT");

        // The party's nonce, fees and gas are its own: the writer's differ and the party's transaction is still the one sent.
        var sent = await presigned.SignAsync(Mint with { Nonce = 99, MaxFeePerGas = 1, GasLimit = 21_000 }, default);
        Assert.Equal(signed.Hash, sent.Hash);
        Assert.Equal(Mint.Nonce, sent.Nonce);

        var other = Assert.Throws<PartySignatureException>(() => presigned.Check(Mint with { Data = "0xabcdef02" }));
        Assert.Contains("data differ", other.Message);
        Assert.Contains("recipient differ", Assert.Throws<PartySignatureException>(() => presigned.Check(Mint with { To = Bank.Address })).Message);

        var wrongAccount = Assert.Throws<PartySignatureException>(() => new PresignedSigner(signed.Raw, DevelopmentAccountsAddress, "BNK-OTHER"));
        Assert.Contains($"is signed by {Bank.Address}, not by BNK-OTHER's account", wrongAccount.Message);
        Assert.Contains("must be a signed transaction", Assert.Throws<PartySignatureException>(() => DecodedTransaction.Decode("0x12zz")).Message);
        Assert.Contains("can be decoded", Assert.Throws<PartySignatureException>(() => DecodedTransaction.Decode("0x02c0")).Message);
    }

    [Fact]
    public async Task A_partys_own_transaction_is_handed_to_the_node_only_until_the_moment_it_must_be_sent_by()
    {
        var signed = Bank.Sign(Mint.Nonce, Mint.MaxPriorityFeePerGas, Mint.MaxFeePerGas, Mint.GasLimit, Mint.To, Mint.Value, Mint.Data);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-12-04T05:00:00Z"));
        var presigned = new PresignedSigner(signed.Raw, Bank.Address, "BNK-REMOTE-UNIT") { SendBy = clock.GetUtcNow().AddMinutes(1), Clock = clock };

        Assert.Equal(signed.Hash, (await presigned.SignAsync(Mint, default)).Hash);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(signed.Hash, (await presigned.SignAsync(Mint, default)).Hash); // at the moment itself still
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var late = await Assert.ThrowsAsync<SendDeadlinePassedException>(() => presigned.SignAsync(Mint, default));
        Assert.Equal(signed.Hash, late.Hash);
        Assert.Contains("was not sent", late.Message);
        // Another call is refused as such whatever the time: the deadline does not hide a wrong transaction.
        Assert.Throws<PartySignatureException>(() => presigned.Check(Mint with { Data = "0xabcdef02" }));
    }

    [Fact]
    public async Task A_signature_handed_in_with_a_request_counts_for_the_callers_own_party_only_and_without_one_the_step_asks_for_it()
    {
        var signed = Bank.Sign(Mint.Nonce, Mint.MaxPriorityFeePerGas, Mint.MaxFeePerGas, Mint.GasLimit, Mint.To, Mint.Value, Mint.Data);
        var self = new SelfSigner("BNK-REMOTE-UNIT", Bank.Address);
        await Task.Run(async () =>
        {
            var required = await Assert.ThrowsAsync<PartySignatureRequiredException>(() => self.SignAsync(Mint, default));
            Assert.Equal(Mint, required.Transaction);
            Assert.Contains("Signed-Transaction", required.Message);

            PartySignatures.Use("SOMEONE-ELSE", signed.Raw); // handed in by another caller: not the bank's
            await Assert.ThrowsAsync<PartySignatureRequiredException>(() => self.SignAsync(Mint, default));
            PartySignatures.Use("BNK-REMOTE-UNIT", signed.Raw);
            Assert.Equal(signed.Hash, (await self.SignAsync(Mint, default)).Hash);
        });
        Assert.Null(PartySignatures.Of("BNK-REMOTE-UNIT")); // flow-local: gone outside the request's flow
    }

    private static readonly string DevelopmentAccountsAddress = new TransactionSigner(DevelopmentAccounts.OutsiderKey, DevelopmentAccounts.ChainId).Address;

    private static RemoteSignerOptions Options(string? bearer = null) =>
        new() { Url = "https://signer.bank.example/rpc", Address = Bank.Address.ToLowerInvariant(), BearerToken = bearer };

    private static UnsignedTransaction Decode(JsonObject request)
    {
        var p = request["params"]![0]!;
        BigInteger Q(string name) => BigInteger.Parse("0" + p[name]!.GetValue<string>()[2..], System.Globalization.NumberStyles.HexNumber);
        return new UnsignedTransaction(Q("chainId"), Q("nonce"), Q("maxPriorityFeePerGas"), Q("maxFeePerGas"), Q("gas"), p["to"]!.GetValue<string>(), Q("value"),
            p["data"]!.GetValue<string>());
    }

    /// <summary>An eth_signTransaction endpoint: answers what <c>sign</c> returns (raw hex), or an error, or an HTTP status.</summary>
    private sealed class StandIn(Func<JsonObject, string?, string?> sign, string? error = null, HttpStatusCode status = HttpStatusCode.OK) : HttpMessageHandler
    {
        public JsonObject? LastRequest { get; private set; }

        public string? Authorization { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastRequest = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!.AsObject();
            Authorization = request.Headers.Authorization?.ToString();
            if (status != HttpStatusCode.OK) return new HttpResponseMessage(status);
            var answer = error is not null
                ? new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["error"] = new JsonObject { ["code"] = -32000, ["message"] = error } }
                : new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["result"] = sign(LastRequest, Authorization) };
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answer.ToJsonString(), Encoding.UTF8, "application/json") };
        }
    }
}
