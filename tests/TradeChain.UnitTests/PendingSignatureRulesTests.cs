using System.Numerics;
using TradeChain.Domain;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;

namespace TradeChain.UnitTests;

/// <summary>A pending signature's life (awaiting → completed, expired or overtaken, each once), and the transaction it stores read back exactly.</summary>
public sealed class PendingSignatureRulesTests
{
    private static readonly DateTimeOffset Asked = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static PendingSignature Awaiting() => new()
    {
        Id = Guid.NewGuid(), Party = "BNK-SELF", Status = PendingSignatureStatus.Awaiting, RequestedBy = "EXP-SAIGON-COFFEE",
        CreatedAtUnixMs = Asked.ToUnixTimeMilliseconds(), ExpiresAtUnixMs = Asked.AddDays(3).ToUnixTimeMilliseconds(),
    };

    [Fact]
    public void It_expires_only_once_its_time_is_up_and_then_is_no_longer_awaited()
    {
        var pending = Awaiting();
        Assert.False(pending.ExpireIfDue(Asked.AddDays(3).AddMilliseconds(-1)));
        Assert.Equal(PendingSignatureStatus.Awaiting, pending.Status);
        Assert.True(pending.ExpireIfDue(Asked.AddDays(3)));
        Assert.Equal(PendingSignatureStatus.Expired, pending.Status);
        Assert.Contains("BNK-SELF", pending.Outcome);
        Assert.Equal(Asked.AddDays(3).ToUnixTimeMilliseconds(), pending.ClosedAtUnixMs);
        Assert.False(pending.ExpireIfDue(Asked.AddDays(4))); // once
        Assert.Equal("signature-expired", Assert.Throws<DomainRuleViolation>(pending.RequireAwaiting).Rule);
    }

    [Fact]
    public void A_completed_signature_keeps_its_transaction_and_cannot_be_overtaken_or_prepared_again()
    {
        var pending = Awaiting();
        var version = pending.Version;
        pending.Complete("0xabc", "done", Asked.AddHours(1));
        Assert.Equal((PendingSignatureStatus.Completed, "0xabc"), (pending.Status, pending.TransactionHash));
        Assert.True(pending.Version > version); // a concurrent submission's save fails on it
        Assert.Equal("signature-completed", Assert.Throws<DomainRuleViolation>(() => pending.Overtake("later", Asked.AddHours(2))).Rule);
        Assert.Throws<DomainRuleViolation>(() => pending.Reprepared("{}"));
        Assert.False(pending.ExpireIfDue(Asked.AddDays(10)));
    }

    [Fact]
    public void A_claimed_signature_never_expires_and_is_either_completed_or_awaited_again_without_its_hash()
    {
        var pending = Awaiting();
        pending.Claim("0xabc", Asked);
        Assert.Equal((PendingSignatureStatus.Submitting, "0xabc", true), (pending.Status, pending.TransactionHash, pending.Open));
        Assert.False(pending.ExpireIfDue(Asked.AddDays(10))); // the chain decides, never the clock
        Assert.Equal("signature-submitting", Assert.Throws<DomainRuleViolation>(() => pending.Claim("0xdef", Asked)).Rule);
        Assert.Throws<DomainRuleViolation>(() => pending.Reprepared("{}"));
        var version = pending.Version;
        pending.Unclaim();
        Assert.Equal((PendingSignatureStatus.Awaiting, null, version + 1), (pending.Status, pending.TransactionHash, pending.Version));
        Assert.Throws<DomainRuleViolation>(pending.Unclaim);
        pending.Claim("0xdef", Asked);
        pending.Complete("0xdef", "done", Asked.AddHours(1));
        Assert.Equal((PendingSignatureStatus.Completed, false), (pending.Status, pending.Open));
    }

    [Fact]
    public void A_claim_is_taken_as_being_sent_only_within_its_grace_and_never_when_its_time_is_unknown()
    {
        var pending = Awaiting();
        Assert.False(pending.ClaimedRecently(Asked)); // not claimed
        pending.Claim("0xabc", Asked);
        Assert.True(pending.ClaimedRecently(Asked.Add(PendingSignature.ClaimGrace).AddMilliseconds(-1)));
        Assert.False(pending.ClaimedRecently(Asked.Add(PendingSignature.ClaimGrace)));
        pending.ClaimedAtUnixMs = null; // a row claimed before the claim's time was kept
        Assert.False(pending.ClaimedRecently(Asked));
        pending.ClaimedAtUnixMs = Asked.ToUnixTimeMilliseconds();
        pending.Unclaim();
        Assert.Equal((null, false), (pending.ClaimedAtUnixMs, pending.ClaimedRecently(Asked)));
    }

    [Fact]
    public void An_expired_or_overtaken_signature_owes_its_abandonment_and_a_completed_one_does_not()
    {
        var expired = Awaiting();
        Assert.True(expired.ExpireIfDue(Asked.AddDays(10)));
        var overtaken = Awaiting();
        overtaken.Overtake("the beneficiary rejected instead", Asked);
        var completed = Awaiting();
        completed.Complete("0xabc", "done", Asked);
        Assert.Equal((true, true, false), (expired.AbandonmentDue, overtaken.AbandonmentDue, completed.AbandonmentDue));
    }

    [Fact]
    public void An_outcome_longer_than_the_bound_is_cut_to_it()
    {
        var pending = Awaiting();
        pending.Overtake(new string('x', PendingSignature.MaxPurpose + 50), Asked);
        Assert.Equal(PendingSignature.MaxPurpose, pending.Outcome!.Length);
    }

    [Fact]
    public void The_transaction_to_sign_reads_back_as_the_chain_writer_prepared_it()
    {
        var prepared = new UnsignedTransaction(31337, 0, 1_500_000_000, BigInteger.Parse("30000000000"), 78_862,
            "0xb7f8bc63bbcad18155201308c8f3540b07f84f5e", 0, "0x60fca756");
        var request = SigningRequest.Of(prepared, "0x3Acb1FaDB26d9Dcb36b3B2875d941c66f6682C72", "an amendment");
        Assert.Equal("0x0", request.Nonce);
        Assert.Equal(prepared, request.ToUnsigned());
        Assert.Null((request with { Data = "0x" }).ToUnsigned().Data);
    }
}
