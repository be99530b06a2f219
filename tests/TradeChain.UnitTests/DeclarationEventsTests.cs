using TradeChain.Customs.Application;
using TradeChain.Customs.Domain;
using TradeChain.Domain;
using TradeChain.Messages;
using static TradeChain.UnitTests.CustomsFixtures;

namespace TradeChain.UnitTests;

/// <summary>What a declaration tells the other services, raised beside its transitions, and the rules of its document verification and payment.</summary>
public class DeclarationEventsTests
{
    private const string Officer = "tran@CUS-VNSGN";

    private static string ShortId(Declaration d) => d.Id.ToString("N")[..12].ToUpperInvariant();

    /// <summary>The event asks for the verification of exactly <paramref name="hashes"/> of <paramref name="declaration"/>.</summary>
    private static void AssertAsksToVerify(IDomainEvent e, Declaration declaration, IEnumerable<string> hashes)
    {
        var asked = Assert.IsType<DocumentsNeedVerifying>(e);
        Assert.Equal((declaration.Id, declaration.DeclarantParty), (asked.DeclarationId, asked.DeclarantParty));
        Assert.Equal(hashes, asked.DocumentHashes);
    }

    private static (LaneDecision, AssessmentNotice) NotAssessed(Declaration _) => throw new InvalidOperationException("not assessed");

    [Fact]
    public void Lodging_asks_for_every_document_to_be_verified()
    {
        var declaration = Lodged();
        AssertAsksToVerify(Assert.Single(declaration.DomainEvents), declaration, declaration.DocumentHashes);
    }

    [Fact]
    public void Assessed_duties_are_requested_under_a_reference_naming_the_declaration_and_its_version()
    {
        var declaration = Lodged();
        declaration.ClearDomainEvents();
        declaration.DocumentsVerified(AllValid(declaration), _ => (Decision(Lane.Yellow), Notice(720m)), Now);

        var reference = $"DUTY-{ShortId(declaration)}-V1";
        Assert.Equal((DeclarationStatus.Assessed, "01", reference), (declaration.Status, declaration.ResponseCode, declaration.PaymentReference));
        Assert.Equal([new DutyPaymentDue(declaration.Id, "EXP-ACME", reference, 720m, "VND")], declaration.DomainEvents);
        Assert.Equal(Declaration.SystemActor, declaration.PendingTransitions[^1].Actor);
    }

    [Fact]
    public void When_nothing_is_due_a_green_declaration_is_paid_and_released_without_a_payment_request()
    {
        var declaration = Lodged();
        declaration.ClearDomainEvents();
        declaration.DocumentsVerified(AllValid(declaration), _ => (Decision(Lane.Green), Notice(0m)), Now);

        Assert.Equal(["Registered", "Assessed", "Paid", "Released"], declaration.PendingTransitions.Select(t => t.ToState));
        Assert.Contains("none (nothing due)", declaration.PendingTransitions[2].Reason);
        Assert.Equal([new DeclarationReleased(declaration.Id, "EXP-ACME", Now.ToUnixTimeMilliseconds())], declaration.DomainEvents);
    }

    [Fact]
    public void When_nothing_is_due_a_red_declaration_waits_paid_for_its_examination()
    {
        var declaration = Lodged();
        declaration.ClearDomainEvents();
        declaration.DocumentsVerified(AllValid(declaration), _ => (Decision(Lane.Red), Notice(0m)), Now);
        Assert.Equal(DeclarationStatus.Paid, declaration.Status);
        Assert.Empty(declaration.DomainEvents);
    }

    [Fact]
    public void Payment_on_a_green_lane_releases_the_goods_and_says_so()
    {
        var declaration = Assessed(Lane.Green, 720m);
        declaration.ClearDomainEvents();
        declaration.RecordPayment(declaration.PaymentReference!, 720m, "VND", "BNK", "customs", Now);
        Assert.Equal([new DeclarationReleased(declaration.Id, "EXP-ACME", Now.ToUnixTimeMilliseconds())], declaration.DomainEvents);
    }

    [Fact]
    public void An_officers_release_is_announced_and_an_exit_is_not()
    {
        var declaration = Paid(Lane.Red);
        declaration.Assign(Officer, Now);
        declaration.RecordExamination("as declared", [], _ => throw new InvalidOperationException(), Officer, Now);
        declaration.ClearDomainEvents();
        var at = Now.AddMinutes(5);
        declaration.Release("examined", Officer, at);
        Assert.Equal([new DeclarationReleased(declaration.Id, "EXP-ACME", at.ToUnixTimeMilliseconds())], declaration.DomainEvents);
        declaration.ClearDomainEvents();
        declaration.ConfirmExit("vessel departed", Officer, at);
        Assert.Empty(declaration.DomainEvents);
    }

    [Fact]
    public void Only_the_payment_waited_for_is_applied()
    {
        var declaration = Assessed(Lane.Yellow, 720m);
        Assert.True(declaration.AwaitsPayment(declaration.PaymentReference!));
        Assert.False(declaration.AwaitsPayment("DUTY-OTHER"));
        declaration.RecordPayment(declaration.PaymentReference!, 720m, "VND", "BNK", "customs", Now);
        Assert.False(declaration.AwaitsPayment(declaration.PaymentReference!)); // settled once
    }

    [Fact]
    public void An_amendment_after_assessment_withdraws_the_payment_request_and_asks_for_verification_again()
    {
        var declaration = Assessed(Lane.Green, 500m);
        var first = declaration.PaymentReference!;
        declaration.ClearDomainEvents();
        var amended = Content(DeclarationType.Export, Item(value: 1_200m));

        declaration.Amend(amended, "invoice corrected", "anh", Now);

        Assert.Collection(declaration.DomainEvents,
            e => Assert.Equal(new DutyPaymentRequestWithdrawn(declaration.Id, first, "declaration amended to version 2"), e),
            e => AssertAsksToVerify(e, declaration, declaration.DocumentHashes));
        Assert.Null(declaration.PaymentReference);
        Assert.False(declaration.AwaitsPayment(first));
        declaration.DocumentsVerified(AllValid(declaration), _ => (Decision(Lane.Green), Notice(600m)), Now);
        Assert.Equal($"DUTY-{ShortId(declaration)}-V2", declaration.PaymentReference);
    }

    [Fact]
    public void An_amendment_before_assessment_has_no_payment_to_withdraw()
    {
        var declaration = Lodged();
        declaration.ClearDomainEvents();
        declaration.Amend(Content(DeclarationType.Export, Item(value: 1_200m)), "invoice corrected", "anh", Now);
        AssertAsksToVerify(Assert.Single(declaration.DomainEvents), declaration, declaration.DocumentHashes);
    }

    [Fact]
    public void An_examination_discrepancy_requests_the_supplementary_duties()
    {
        var declaration = Paid(Lane.Red, due: 500_000m);
        declaration.Assign(Officer, Now);
        declaration.ClearDomainEvents();
        declaration.RecordExamination("net mass 1,200 kg", [new ItemCorrection(1, null, null, null, 1_200m, null)], _ => Notice(650_000m), Officer, Now);
        Assert.Equal([new DutyPaymentDue(declaration.Id, "EXP-ACME", $"SUPP-{ShortId(declaration)}-V2", 150_000m, "VND")], declaration.DomainEvents);
        Assert.True(declaration.AwaitsPayment(declaration.SupplementaryPaymentReference!));
    }

    [Fact]
    public void An_unknown_item_in_the_corrections_is_refused_and_changes_nothing()
    {
        var declaration = Paid(Lane.Red);
        declaration.Assign(Officer, Now);
        Assert.Equal("item-number", Assert.Throws<DomainRuleViolation>(() =>
            declaration.RecordExamination("item 9?", [new ItemCorrection(9, null, null, 1m, null, null)], _ => Notice(1m), Officer, Now)).Rule);
        Assert.Equal((DeclarationStatus.UnderExamination, 1), (declaration.Status, declaration.ContentVersion));
    }

    [Fact]
    public void Additional_documents_are_sent_for_verification_alone()
    {
        var declaration = Paid(Lane.Yellow);
        declaration.Assign(Officer, Now);
        declaration.RequestDocuments(["packing-list", "bill-of-lading"], "weights and carriage", Officer, Now);
        Assert.Equal(["packing-list", "bill-of-lading"], declaration.RequestedDocumentTypes);
        declaration.ClearDomainEvents();
        var answer = new[] { new AttachedDocument("packing-list", "0x" + new string('d', 64)), new AttachedDocument("bill-of-lading", "0x" + new string('e', 64)) };

        Assert.Equal([1], declaration.AlreadyAttached([new AttachedDocument("packing-list", "0x" + new string('d', 64)), declaration.Content.Documents[0]]));
        declaration.SubmitAdditionalDocuments(answer, "anh", Now);

        AssertAsksToVerify(Assert.Single(declaration.DomainEvents), declaration, answer.Select(a => a.Hash));
    }

    [Fact]
    public void A_verification_result_for_an_earlier_version_is_ignored()
    {
        var declaration = Lodged();
        var outcome = declaration.DocumentsVerified([Verdict("0x" + new string('9', 64), "commercial-invoice")], NotAssessed, Now);
        Assert.Equal((VerificationOutcome.Stale, DeclarationStatus.Registered), (outcome, declaration.Status));
        Assert.Empty(declaration.DocumentVerdicts);
    }

    [Fact]
    public void A_document_issued_as_another_type_than_declared_rejects_the_declaration()
    {
        var declaration = Lodged();
        var verdicts = AllValid(declaration).Select((v, i) => i == 1 ? v with { IssuedType = "packing-list" } : v).ToList();
        Assert.Equal(VerificationOutcome.Rejected, declaration.DocumentsVerified(verdicts, NotAssessed, Now));
        Assert.Contains("declared as commercial-invoice but issued as packing-list", declaration.StatusReason);
    }

    [Fact]
    public void A_late_result_is_kept_but_changes_nothing_else()
    {
        var declaration = Paid(Lane.Yellow);
        var transitions = declaration.Version;
        var hash = declaration.DocumentHashes[0];
        var outcome = declaration.DocumentsVerified([Verdict(hash, "certificate-of-origin", valid: false, "revoked later")], NotAssessed, Now);
        Assert.Equal((VerificationOutcome.NotAwaited, DeclarationStatus.Paid, transitions), (outcome, declaration.Status, declaration.Version));
        // The newer verdict replaces the earlier one on the same document and goes last.
        Assert.Equal([declaration.DocumentHashes[1], hash], declaration.DocumentVerdicts.Select(v => v.Hash));
        Assert.False(declaration.DocumentVerdicts[^1].Valid);
    }

    [Fact]
    public void Each_domain_event_becomes_its_message_on_the_wire()
    {
        var id = Guid.NewGuid();
        var request = Assert.IsType<DeclarationDocumentsVerificationRequested>(Assert.Single(IntegrationEvents.For(new DocumentsNeedVerifying(id, "EXP-ACME", ["0xaa"]))));
        Assert.Equal((id, "EXP-ACME", "0xaa"), (request.DeclarationId, request.DeclarantParty, Assert.Single(request.DocumentHashes)));
        Assert.Equal([new DutyPaymentRequested("DUTY-1", id, "EXP-ACME", 720m, "VND")],
            IntegrationEvents.For(new DutyPaymentDue(id, "EXP-ACME", "DUTY-1", 720m, "VND")));
        Assert.Equal([new DutyPaymentWithdrawn("DUTY-1", id, "declaration cancelled")],
            IntegrationEvents.For(new DutyPaymentRequestWithdrawn(id, "DUTY-1", "declaration cancelled")));
        Assert.Equal([new GoodsReleased(id, "EXP-ACME", 42)], IntegrationEvents.For(new DeclarationReleased(id, "EXP-ACME", 42)));
    }
}
