using TradeChain.Domain;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;

namespace TradeChain.UnitTests;

/// <summary>A deposit or withdrawal asked of a bank (<see cref="BookingInstruction"/>): one per account (party and currency), kind and reference, Queued until the chain decides it, decided once.</summary>
public sealed class BookingInstructionTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    private static SettlementAccount Account(string bank = "BNK-1") => new() { Party = "EXP", Currency = "USD", Address = "0x01", ServicingBank = bank };

    [Fact]
    public void Asked_it_is_queued_for_the_bank_that_keeps_the_account_with_who_asked()
    {
        var asked = BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-1", "clerk", Account(), 1_234, "DEP-1", At);
        Assert.Equal((BookingInstructionStatus.Queued, "BNK-1", "EXP", "USD", 1_234L, "clerk", At.ToUnixTimeMilliseconds()),
            (asked.Status, asked.Bank, asked.Party, asked.Currency, asked.AmountMinor, asked.RequestedBy, asked.RequestedAtUnixMs));
        Assert.Null(asked.TransactionHash);
    }

    [Fact]
    public void Only_the_accounts_bank_asks_and_only_for_a_positive_amount()
    {
        Assert.Equal("not-servicing-bank", Assert.Throws<DomainRuleViolation>(() => BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-2", "clerk", Account("BNK-1"), 100, "DEP-1", At)).Rule);
        Assert.Equal("amount-positive", Assert.Throws<DomainRuleViolation>(() => BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-1", "clerk", Account(), 0, "DEP-1", At)).Rule);
        Assert.Throws<ArgumentException>(() => BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-1", " ", Account(), 100, "DEP-1", At));
    }

    [Fact]
    public void The_same_reference_is_the_same_deposit_and_for_another_amount_it_is_refused_naming_both_amounts()
    {
        var asked = BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-1", "clerk", Account(), 100, "DEP-1", At);
        asked.RequireSameAs(100);
        var other = Assert.Throws<DomainRuleViolation>(() => asked.RequireSameAs(101));
        Assert.Equal("reference-used", other.Rule);
        Assert.Contains("for 1 USD, not 1.01:", other.Message);
    }

    [Fact]
    public void It_is_decided_once_booked_with_its_transaction_or_refused_with_the_rule()
    {
        var booked = BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-1", "clerk", Account(), 100, "DEP-1", At);
        Assert.Throws<ArgumentException>(() => booked.MarkBooked("", At));
        booked.MarkBooked("0xabc", At.AddSeconds(2));
        Assert.Equal((BookingInstructionStatus.Booked, "0xabc", At.AddSeconds(2).ToUnixTimeMilliseconds()), (booked.Status, booked.TransactionHash, booked.DecidedAtUnixMs));
        Assert.Throws<InvalidOperationException>(() => booked.MarkRefused("contract:AccountNotOpen", "no", At));
        Assert.Throws<InvalidOperationException>(() => booked.MarkBooked("0xdef", At));
        booked.AskAgain("clerk-2", At); // a booked deposit asked again stays booked
        Assert.Equal((BookingInstructionStatus.Booked, "clerk"), (booked.Status, booked.RequestedBy));

        var refused = BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-1", "clerk", Account(), 100, "DEP-2", At);
        refused.MarkRefused("contract:AccountNotOpen", "the account is not open on chain", At);
        Assert.Equal((BookingInstructionStatus.Refused, "contract:AccountNotOpen"), (refused.Status, refused.Rule));
        // Asked again after the bank fixed what the token refused: queued once more, by whoever asked now.
        refused.AskAgain("clerk-2", At.AddMinutes(1));
        Assert.Equal((BookingInstructionStatus.Queued, null, null, "clerk-2"), (refused.Status, refused.Rule, refused.DecidedAtUnixMs, refused.RequestedBy));
    }

    [Theory]
    [InlineData(CancelProof.Voided, null, "its reference is voided on chain, so nothing can be burnt under it.")]
    [InlineData(CancelProof.Voided, "0xabc", "its reference is voided on chain (transaction 0xabc), so nothing can be burnt under it.")]
    [InlineData(CancelProof.ReferenceTaken, null, "its reference is bound on chain to another movement of the bank, so nothing can be burnt under it.")]
    [InlineData(CancelProof.EarlierTransactionsMined, null, "every transaction its bank had sent before the cancel is mined without making it, and this service, which no longer signs for the bank, sends nothing for it.")]
    public void A_cancelled_withdrawal_says_why_nothing_can_be_burnt_under_it_any_more(CancelProof proof, string? voidedIn, string why)
    {
        var asked = BookingInstruction.Ask(LedgerEntryKind.Withdrawal, "BNK-1", "clerk", Account(), 100, "WD-1", At);
        asked.AskCancel("supervisor", At.AddSeconds(1));
        asked.MarkCancelled(At.AddSeconds(2), proof, voidedIn);
        Assert.Equal($"Withdrawal WD-1 was cancelled by supervisor before the chain made it: nothing was burnt, and {why}", asked.Refusal);
    }

    [Fact]
    public void A_cancel_asked_while_queued_is_noted_once_and_decided_as_cancelled_and_one_booked_cannot_be_cancelled()
    {
        var asked = BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-1", "clerk", Account(), 100, "DEP-1", At);
        Assert.Throws<InvalidOperationException>(() => asked.MarkCancelled(At, CancelProof.Voided, "0xvoid")); // none asked: the sender has nothing to decide
        Assert.True(asked.AskCancel("supervisor", At.AddSeconds(1)));
        Assert.False(asked.AskCancel("other.clerk", At.AddSeconds(2))); // asked already: who and when stay the first's
        Assert.Equal((BookingInstructionStatus.Queued, "supervisor", At.AddSeconds(1).ToUnixTimeMilliseconds()), (asked.Status, asked.CancelAskedBy, asked.CancelAskedAtUnixMs));
        Assert.Throws<ArgumentException>(() => BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-1", "clerk", Account(), 100, "DEP-2", At).AskCancel(" ", At));

        asked.MarkCancelled(At.AddSeconds(3), CancelProof.Voided, "0xvoid");
        Assert.Equal((BookingInstructionStatus.Refused, BookingInstruction.CancelledRule), (asked.Status, asked.Rule));
        Assert.Equal("Deposit DEP-1 was cancelled by supervisor before the chain made it: nothing was minted, and its reference is voided on chain " +
                     "(transaction 0xvoid), so nothing can be minted under it.", asked.Refusal);
        Assert.False(asked.AskCancel("supervisor", At.AddSeconds(4))); // decided: nothing to note

        // Its reference is spent: asked again under it (a client's retry of the first request), refused naming the cancel.
        var spent = Assert.Throws<DomainRuleViolation>(asked.RequireNotCancelled);
        Assert.Equal("reference-cancelled", spent.Rule);
        Assert.Contains("was cancelled by supervisor", spent.Message);
        Assert.Contains("new reference", spent.Message);

        // One refused by the token is asked again as before; booked, a cancel is refused naming its transaction.
        var other = BookingInstruction.Ask(LedgerEntryKind.Withdrawal, "BNK-1", "clerk", Account(), 100, "WD-9", At);
        other.RequireNotCancelled();
        other.MarkBooked("0xabc", At.AddSeconds(6));
        var refused = Assert.Throws<DomainRuleViolation>(() => other.AskCancel("supervisor", At.AddSeconds(7)));
        Assert.Equal("booking-made", refused.Rule);
        Assert.Contains("Withdrawal WD-9 was burnt and booked in transaction 0xabc", refused.Message);
        Assert.Contains("Book a deposit of it to undo it", refused.Message);
    }

    [Fact]
    public void A_reference_whose_cancel_is_pending_is_spent_and_one_booked_despite_its_cancel_is_that_booking()
    {
        var asked = BookingInstruction.Ask(LedgerEntryKind.Withdrawal, "BNK-1", "clerk", Account(), 100, "WD-1", At);
        asked.AskCancel("supervisor", At);
        Assert.Contains("is being cancelled (asked by supervisor)", Assert.Throws<DomainRuleViolation>(asked.RequireNotCancelled).Message);
        // The sender found an attempt made it: booked over the cancel (the chain is what happened), and asked again it is that booking.
        asked.MarkBooked("0xdef", At.AddSeconds(1));
        Assert.Equal((BookingInstructionStatus.Booked, "0xdef"), (asked.Status, asked.TransactionHash));
        asked.RequireNotCancelled();
    }

    [Fact]
    public void A_withdrawal_is_asked_as_a_deposit_is_and_names_itself_in_its_refusals()
    {
        var asked = BookingInstruction.Ask(LedgerEntryKind.Withdrawal, "BNK-1", "clerk", Account(), 250, "WD-1", At);
        Assert.Equal((LedgerEntryKind.Withdrawal, "withdrawal", 250L), (asked.Kind, asked.What, asked.AmountMinor)); // the amount positive; the entry will be its negative
        Assert.Contains("withdrawal reference WD-1", Assert.Throws<DomainRuleViolation>(() => asked.RequireSameAs(251)).Message);
        Assert.Equal("amount-positive", Assert.Throws<DomainRuleViolation>(() => BookingInstruction.Ask(LedgerEntryKind.Withdrawal, "BNK-1", "clerk", Account(), -5, "WD-2", At)).Rule);
        // No other kind of movement is a bank's booking.
        Assert.Throws<ArgumentOutOfRangeException>(() => BookingInstruction.Ask(LedgerEntryKind.DutyPayment, "BNK-1", "clerk", Account(), 100, "DP-1", At));
    }

    [Fact]
    public void A_failed_send_is_noted_while_it_is_queued_bounded_and_forgotten_when_asked_again()
    {
        var asked = BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-1", "clerk", Account(), 100, "DEP-1", At);
        asked.NoteFailure("the chain node or the database failed: connection refused", At.AddSeconds(1));
        asked.NoteFailure(new string('x', 2_000), At.AddSeconds(3));
        Assert.Equal((BookingInstructionStatus.Queued, 2, At.AddSeconds(3).ToUnixTimeMilliseconds()), (asked.Status, asked.FailedAttempts, asked.LastFailureAtUnixMs));
        Assert.Equal(BookingInstruction.MaxFailureLength, asked.LastFailure!.Length);
        Assert.EndsWith("…", asked.LastFailure);

        asked.MarkRefused("contract:AccountNotOpen", "not open", At.AddSeconds(4));
        asked.NoteFailure("late", At.AddSeconds(5)); // decided: nothing more is noted
        Assert.Equal(2, asked.FailedAttempts);
        asked.AskAgain("clerk-2", At.AddMinutes(1));
        Assert.Equal((0, (string?)null, (long?)null), (asked.FailedAttempts, asked.LastFailure, asked.LastFailureAtUnixMs));
    }

    [Fact]
    public void A_movement_the_chain_shows_is_booked_over_a_refusal_recorded_before_and_never_booked_twice()
    {
        var asked = BookingInstruction.Ask(LedgerEntryKind.Withdrawal, "BNK-1", "clerk", Account(), 100, "WD-1", At);
        asked.MarkRefused("contract:ERC20InsufficientBalance", "no funds", At);
        asked.MarkBooked("0xabc", At.AddSeconds(1)); // another sender's burn, mined after this refusal was recorded
        Assert.Equal((BookingInstructionStatus.Booked, "0xabc", (string?)null, (string?)null), (asked.Status, asked.TransactionHash, asked.Rule, asked.Refusal));
        Assert.Throws<InvalidOperationException>(() => asked.MarkBooked("0xdef", At.AddSeconds(2)));
        Assert.Equal(("minted", "burnt"),
            (BookingInstruction.Ask(LedgerEntryKind.Deposit, "BNK-1", "clerk", Account(), 1, "D", At).Done, asked.Done));
    }

    [Fact]
    public void A_failed_send_is_told_to_the_bank_in_fixed_words_without_the_nodes_address_or_an_exceptions_text()
    {
        const string secret = "http://10.1.2.3:8545 System.Net.Sockets.SocketException";
        Assert.Equal("the chain node could not be reached or did not answer: sent again once it does",
            BookingSender.Described(new HttpRequestException($"Connection refused ({secret})")));
        Assert.StartsWith("the bank's transactions (perhaps this one's own) are still waiting", BookingSender.Described(new TradeChain.Ledger.ChainTransactionsPendingException("burn", "0x01")));
        Assert.StartsWith("what became of its transaction is not known yet", BookingSender.Described(new TradeChain.Ledger.ChainOutcomeUnknownException("mint", secret)));
        Assert.StartsWith("the chain reverted its transaction without naming a rule", BookingSender.Described(new TradeChain.Ledger.ChainRevertedException("burn", secret)));
        Assert.StartsWith("sending or recording it failed unexpectedly", BookingSender.Described(new InvalidOperationException(secret)));
        foreach (var failure in new Exception[] { new HttpRequestException(secret), new TradeChain.Ledger.ChainOutcomeUnknownException("mint", secret), new InvalidOperationException(secret) })
            Assert.DoesNotContain("10.1.2.3", BookingSender.Described(failure));
    }
}
