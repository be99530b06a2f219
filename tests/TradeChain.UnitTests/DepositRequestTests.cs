using TradeChain.Domain;
using TradeChain.Payments.Domain;

namespace TradeChain.UnitTests;

/// <summary>A deposit asked of a bank (<see cref="DepositRequest"/>): one per reference, Queued until the chain decides it, decided once.</summary>
public sealed class DepositRequestTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    private static SettlementAccount Account(string bank = "BNK-1") => new() { Party = "EXP", Currency = "USD", Address = "0x01", ServicingBank = bank };

    [Fact]
    public void Asked_it_is_queued_for_the_bank_that_keeps_the_account_with_who_asked()
    {
        var asked = DepositRequest.Ask("BNK-1", "clerk", Account(), 1_234, "DEP-1", At);
        Assert.Equal((DepositRequestStatus.Queued, "BNK-1", "EXP", "USD", 1_234L, "clerk", At.ToUnixTimeMilliseconds()),
            (asked.Status, asked.Bank, asked.Party, asked.Currency, asked.AmountMinor, asked.RequestedBy, asked.RequestedAtUnixMs));
        Assert.Null(asked.TransactionHash);
    }

    [Fact]
    public void Only_the_accounts_bank_asks_and_only_for_a_positive_amount()
    {
        Assert.Equal("not-servicing-bank", Assert.Throws<DomainRuleViolation>(() => DepositRequest.Ask("BNK-2", "clerk", Account("BNK-1"), 100, "DEP-1", At)).Rule);
        Assert.Equal("amount-positive", Assert.Throws<DomainRuleViolation>(() => DepositRequest.Ask("BNK-1", "clerk", Account(), 0, "DEP-1", At)).Rule);
        Assert.Throws<ArgumentException>(() => DepositRequest.Ask("BNK-1", " ", Account(), 100, "DEP-1", At));
    }

    [Fact]
    public void The_same_reference_is_the_same_deposit_and_for_another_amount_or_currency_it_is_refused()
    {
        var asked = DepositRequest.Ask("BNK-1", "clerk", Account(), 100, "DEP-1", At);
        asked.RequireSameAs(100, "USD");
        Assert.Equal("reference-used", Assert.Throws<DomainRuleViolation>(() => asked.RequireSameAs(101, "USD")).Rule);
        Assert.Equal("reference-used", Assert.Throws<DomainRuleViolation>(() => asked.RequireSameAs(100, "VND")).Rule);
    }

    [Fact]
    public void It_is_decided_once_booked_with_its_transaction_or_refused_with_the_rule()
    {
        var booked = DepositRequest.Ask("BNK-1", "clerk", Account(), 100, "DEP-1", At);
        Assert.Throws<ArgumentException>(() => booked.MarkBooked("", At));
        booked.MarkBooked("0xabc", At.AddSeconds(2));
        Assert.Equal((DepositRequestStatus.Booked, "0xabc", At.AddSeconds(2).ToUnixTimeMilliseconds()), (booked.Status, booked.TransactionHash, booked.DecidedAtUnixMs));
        Assert.Throws<InvalidOperationException>(() => booked.MarkRefused("contract:AccountNotOpen", "no", At));
        Assert.Throws<InvalidOperationException>(() => booked.MarkBooked("0xdef", At));
        booked.AskAgain("clerk-2", At); // a booked deposit asked again stays booked
        Assert.Equal((DepositRequestStatus.Booked, "clerk"), (booked.Status, booked.RequestedBy));

        var refused = DepositRequest.Ask("BNK-1", "clerk", Account(), 100, "DEP-2", At);
        refused.MarkRefused("contract:AccountNotOpen", "the account is not open on chain", At);
        Assert.Equal((DepositRequestStatus.Refused, "contract:AccountNotOpen"), (refused.Status, refused.Rule));
        // Asked again after the bank fixed what the token refused: queued once more, by whoever asked now.
        refused.AskAgain("clerk-2", At.AddMinutes(1));
        Assert.Equal((DepositRequestStatus.Queued, null, null, "clerk-2"), (refused.Status, refused.Rule, refused.DecidedAtUnixMs, refused.RequestedBy));
    }
}
