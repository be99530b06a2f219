using TradeChain.Customs.Domain;
using TradeChain.Domain;

namespace TradeChain.UnitTests;

public class DeclarationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    internal static GoodsItem Coffee(decimal value = 48_000m, string hs = "090111") =>
        new(1, hs, "Green coffee", "VN", 320, "NAR", 19_500, 19_200, value, "USD");

    internal static Declaration Lodged(params GoodsItem[] items) => Declaration.Lodge(Guid.NewGuid(), DeclarationType.Export, "LRN-1", "EXP-ACME",
        "ACME", "Hamburg Roasters", "VNSGN", "FOB", items.Length == 0 ? [Coffee()] : items, ["0x" + new string('a', 64)], "anh@EXP-ACME", Now);

    private static AssessmentNotice Notice(decimal total) => new([], total, 0, 0, total, "USD", Tariff.Rounding);

    [Fact]
    public void Lodging_registers_the_declaration_with_response_code_02()
    {
        var declaration = Lodged();
        Assert.Equal(DeclarationStatus.Registered, declaration.Status);
        var transition = Assert.Single(declaration.PendingTransitions);
        Assert.Equal(("lodged", "Registered", "02", 1), (transition.FromState, transition.ToState, transition.ResponseCode, transition.Sequence));
        Assert.Equal("anh@EXP-ACME", transition.Actor);
    }

    [Fact]
    public void Green_lane_goods_are_released_as_soon_as_the_duty_is_paid()
    {
        var declaration = Lodged();
        declaration.Assess(Lane.Green, "G0", Notice(720m), "DUTY-1", "customs", Now);
        declaration.RecordPayment("DUTY-1", 720m, "USD", "BNK", "customs", Now);
        Assert.Equal(DeclarationStatus.Released, declaration.Status);
        Assert.Equal(["Registered", "Assessed", "Paid", "Released"], declaration.PendingTransitions.Select(t => t.ToState));
        Assert.Equal([1, 2, 3, 4], declaration.PendingTransitions.Select(t => t.Sequence));
        Assert.Equal("08", declaration.PendingTransitions[^1].ResponseCode);
    }

    [Fact]
    public void Yellow_lane_goods_wait_for_an_officer_after_payment()
    {
        var declaration = Lodged();
        declaration.Assess(Lane.Yellow, "Y1", Notice(720m), "DUTY-1", "customs", Now);
        declaration.RecordPayment("DUTY-1", 720m, "USD", "BNK", "customs", Now);
        Assert.Equal(DeclarationStatus.Paid, declaration.Status);
        declaration.Release("officer@CUS", "documentary check passed", Now);
        Assert.Equal(DeclarationStatus.Released, declaration.Status);
    }

    [Fact]
    public void Release_is_refused_until_duties_are_paid()
    {
        var declaration = Lodged();
        declaration.Assess(Lane.Red, "R1", Notice(720m), "DUTY-1", "customs", Now);
        var refused = Assert.Throws<DomainRuleViolation>(() => declaration.Release("officer@CUS", "examined", Now));
        Assert.Equal("invalid-transition", refused.Rule);
    }

    [Fact]
    public void A_payment_of_the_wrong_amount_is_refused()
    {
        var declaration = Lodged();
        declaration.Assess(Lane.Green, "G0", Notice(720m), "DUTY-1", "customs", Now);
        Assert.Equal("payment-amount", Assert.Throws<DomainRuleViolation>(() => declaration.RecordPayment("DUTY-1", 700m, "USD", "BNK", "c", Now)).Rule);
        Assert.Equal("payment-reference", Assert.Throws<DomainRuleViolation>(() => declaration.RecordPayment("DUTY-2", 720m, "USD", "BNK", "c", Now)).Rule);
        Assert.Equal(DeclarationStatus.Assessed, declaration.Status);
    }

    [Fact]
    public void Assessment_happens_once()
    {
        var declaration = Lodged();
        declaration.Assess(Lane.Green, "G0", Notice(1m), "DUTY-1", "customs", Now);
        Assert.Throws<DomainRuleViolation>(() => declaration.Assess(Lane.Green, "G0", Notice(1m), "DUTY-1", "customs", Now));
        Assert.Equal(2, declaration.Version);
    }

    [Fact]
    public void Failed_documents_reject_the_declaration_with_code_03()
    {
        var declaration = Lodged();
        declaration.RejectForDocuments("0xaa…: revoked", "customs", Now);
        Assert.Equal(DeclarationStatus.Rejected, declaration.Status);
        Assert.Equal("03", declaration.PendingTransitions[^1].ResponseCode);
    }

    [Fact]
    public void Cancellation_is_possible_only_before_release()
    {
        var open = Lodged();
        open.Cancel("anh@EXP-ACME", "shipment postponed", Now);
        Assert.Equal(DeclarationStatus.Cancelled, open.Status);
        Assert.Equal("10", open.PendingTransitions[^1].ResponseCode);

        var released = Lodged();
        released.Assess(Lane.Green, "G0", Notice(1m), "DUTY-1", "customs", Now);
        released.RecordPayment("DUTY-1", 1m, "USD", "BNK", "customs", Now);
        Assert.Equal("cancel-before-release", Assert.Throws<DomainRuleViolation>(() => released.Cancel("anh", "too late", Now)).Rule);
    }

    [Fact]
    public void Exit_is_confirmed_only_after_release()
    {
        var declaration = Lodged();
        Assert.Throws<DomainRuleViolation>(() => declaration.ConfirmExit("officer", "left", Now));
        declaration.Assess(Lane.Green, "G0", Notice(1m), "DUTY-1", "customs", Now);
        declaration.RecordPayment("DUTY-1", 1m, "USD", "BNK", "customs", Now);
        declaration.ConfirmExit("officer", "vessel departed", Now);
        Assert.Equal(("Exited", "16"), (declaration.Status.ToString(), declaration.PendingTransitions[^1].ResponseCode));
    }
}
