using TradeChain.Ledger;

namespace TradeChain.UnitTests;

/// <summary>
/// The one check of a transaction a party's wallet sent itself (<see cref="SentTransactions.Check"/>): every refusal names
/// the field or header it came in and what differs; the chain writer's adoption and the payments' sent transfers use it.
/// </summary>
public sealed class SentTransactionCheckTests
{
    private const string Hash = "0x1111111111111111111111111111111111111111111111111111111111111111";
    private const string Token = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    private static readonly PartyCall Mint = new("BNK-UNIT", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", Token, 0, "0xabcdef01", "this deposit's mint");
    private static readonly SentTransaction Sent = new(Hash, Mint.Account.ToLowerInvariant(), Token.ToLowerInvariant(), "0xABCDEF01", 0, 12, true, 5,
        DevelopmentAccounts.ChainId);

    [Fact]
    public void Exactly_the_call_from_the_partys_account_is_taken_whatever_its_nonce_and_the_case_of_its_hex()
    {
        Assert.Same(Sent, SentTransactions.Check(Sent, Hash, Mint, DevelopmentAccounts.ChainId, PartySignatures.SentHeader));
    }

    [Fact]
    public void Another_call_is_refused_naming_the_header_and_everything_that_differs()
    {
        var other = Sent with { To = "0x0000000000000000000000000000000000000001", Value = 1, Input = "0xabcdef02", ChainId = 1 };
        var refused = Assert.Throws<PartySignatureException>(() => SentTransactions.Check(other, Hash, Mint, DevelopmentAccounts.ChainId, PartySignatures.SentHeader));
        Assert.Contains("(chain id, recipient, value, data differ)", refused.Message);
        Assert.Equal(PartySignatures.SentHeader, refused.Field);
        Assert.Equal("sent-transaction", refused.Rule);
        Assert.Equal("The sent transaction", refused.Subject);
    }

    [Fact]
    public void One_sent_by_another_account_or_unknown_to_the_node_is_refused_saying_which()
    {
        var byAnother = Assert.Throws<PartySignatureException>(() =>
            SentTransactions.Check(Sent with { From = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" }, Hash, Mint, DevelopmentAccounts.ChainId));
        Assert.Contains($"not by BNK-UNIT's account {Mint.Account}", byAnother.Message);
        Assert.Equal(PartySignatureException.Sent, byAnother.Field);
        var unknown = Assert.Throws<PartySignatureException>(() => SentTransactions.Check(null, Hash, Mint, DevelopmentAccounts.ChainId));
        Assert.Equal(PartySignatureException.UnknownRule, unknown.Rule);
    }

    [Theory]
    [InlineData("0x1111111111111111111111111111111111111111111111111111111111111111", true)]
    [InlineData("0x111111111111111111111111111111111111111111111111111111111111111", false)]
    [InlineData("1111111111111111111111111111111111111111111111111111111111111111", false)]
    [InlineData("0x11111111111111111111111111111111111111111111111111111111111111zz", false)]
    public void A_hash_is_0x_and_64_hex_digits(string hash, bool valid) => Assert.Equal(valid, SentTransactions.IsHash(hash));

    [Fact]
    public void A_sent_hash_counts_for_its_party_only_and_replaces_a_signed_transaction_in_the_flow()
    {
        PartySignatures.UseSent("BNK-UNIT", Hash);
        Assert.Equal(Hash, PartySignatures.SentOf("BNK-UNIT"));
        Assert.Null(PartySignatures.SentOf("BNK-OTHER"));
        Assert.Null(PartySignatures.Of("BNK-UNIT"));
        Assert.Equal(Hash, new SelfSigner("BNK-UNIT", Mint.Account).SentHash);
        Assert.Null(new SelfSigner("BNK-OTHER", Mint.Account).SentHash);
    }
}
