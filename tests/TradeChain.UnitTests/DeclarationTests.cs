using TradeChain.Customs.Domain;
using TradeChain.Domain;
using static TradeChain.UnitTests.CustomsFixtures;

namespace TradeChain.UnitTests;

public class DeclarationTests
{
    private const string Officer = "tran@CUS-VNSGN";

    private static string[] States(Declaration d) => d.PendingTransitions.Select(t => t.ToState).ToArray();

    private static (LaneDecision, AssessmentNotice) NoAssessment(Declaration _) => throw new InvalidOperationException("not assessed again");

    private static AssessmentNotice NoReassessment(DeclarationContent _) => throw new InvalidOperationException("no reassessment");

    [Fact]
    public void Lodging_registers_the_declaration_with_response_code_02()
    {
        var declaration = Lodged();
        Assert.Equal(DeclarationStatus.Registered, declaration.Status);
        var transition = Assert.Single(declaration.PendingTransitions);
        Assert.Equal(("lodged", "Registered", "02", 1), (transition.FromState, transition.ToState, transition.ResponseCode, transition.Sequence));
        Assert.Equal("anh@EXP-ACME", transition.Actor);
    }

    [Theory]
    [InlineData(Lane.Green)]
    [InlineData(Lane.Blue)]
    public void Green_and_blue_lane_goods_are_released_as_soon_as_the_duty_is_paid(Lane lane)
    {
        var declaration = Paid(lane);
        Assert.Equal(DeclarationStatus.Released, declaration.Status);
        Assert.Equal(["Registered", "Assessed", "Paid", "Released"], States(declaration));
        Assert.Equal("08", declaration.ResponseCode);
        Assert.Equal(lane == Lane.Blue, declaration.StatusReason!.Contains("post-clearance audit"));
    }

    [Fact]
    public void Yellow_lane_documentary_check_with_a_request_for_documents_that_the_exporter_answers()
    {
        var declaration = Paid(Lane.Yellow);
        Assert.Equal(DeclarationStatus.Paid, declaration.Status);
        declaration.Assign(Officer, Now);
        Assert.Equal(DeclarationStatus.UnderDocumentaryCheck, declaration.Status);

        declaration.RequestDocuments(["packing-list"], "weights on the invoice need a packing list", Officer, Now);
        Assert.Equal((DeclarationStatus.AwaitingDocuments, "06"), (declaration.Status, declaration.ResponseCode));

        var wrongAnswer = Assert.Throws<DomainRuleViolation>(() =>
            declaration.SubmitAdditionalDocuments([new AttachedDocument("bill-of-lading", "0x" + new string('c', 64))], "anh", Now));
        Assert.Equal("requested-documents", wrongAnswer.Rule);

        declaration.SubmitAdditionalDocuments([new AttachedDocument("packing-list", "0x" + new string('d', 64))], "anh", Now);
        Assert.Equal(DeclarationStatus.AwaitingDocuments, declaration.Status);
        Assert.Contains(declaration.Content.Documents, d => d.Type == "packing-list");

        var packingList = "0x" + new string('d', 64);
        Assert.Equal(VerificationOutcome.StillAwaitingDocuments, declaration.DocumentsVerified([Verdict(packingList, null, valid: false, "not issued")], NoAssessment, Now));
        Assert.Equal((DeclarationStatus.AwaitingDocuments, "06"), (declaration.Status, declaration.ResponseCode));
        Assert.Contains("not issued", declaration.StatusReason);
        var secondPackingList = "0x" + new string('f', 64);
        declaration.SubmitAdditionalDocuments([new AttachedDocument("packing-list", secondPackingList)], "anh", Now);
        Assert.Equal(VerificationOutcome.CheckResumed, declaration.DocumentsVerified([Verdict(secondPackingList, "packing-list")], NoAssessment, Now));
        Assert.Equal(DeclarationStatus.UnderDocumentaryCheck, declaration.Status);
        Assert.Empty(declaration.RequestedDocumentTypes);

        declaration.CompleteDocumentaryCheck("invoice, packing list and certificate consistent", Officer, Now);
        Assert.Equal((DeclarationStatus.ReadyForRelease, "09"), (declaration.Status, declaration.ResponseCode));
        declaration.Release("documentary check passed", Officer, Now);
        Assert.Equal((DeclarationStatus.Released, "08"), (declaration.Status, declaration.ResponseCode));
    }

    [Fact]
    public void Red_lane_examination_without_discrepancy_clears_the_goods()
    {
        var declaration = Paid(Lane.Red);
        declaration.Assign(Officer, Now);
        Assert.Equal((DeclarationStatus.UnderExamination, "05"), (declaration.Status, declaration.ResponseCode));
        declaration.RecordExamination("seals intact, 320 bags counted", [], NoReassessment, Officer, Now);
        Assert.Equal(DeclarationStatus.ReadyForRelease, declaration.Status);
        Assert.Equal(1, declaration.ContentVersion);
    }

    [Fact]
    public void An_examination_discrepancy_reassesses_and_the_difference_is_paid_before_release()
    {
        var declaration = Paid(Lane.Red, due: 500_000m);
        declaration.Assign(Officer, Now);
        declaration.RecordExamination("net mass 1,200 kg, not 1,000", [new ItemCorrection(1, null, null, null, 1_200m, null)],
            content => { Assert.Equal(1_200m, content.Items[0].NetMassKg); return Notice(650_000m); }, Officer, Now);

        Assert.Equal(DeclarationStatus.AwaitingSupplementaryPayment, declaration.Status);
        var supplementary = $"SUPP-{declaration.Id.ToString("N")[..12].ToUpperInvariant()}-V2";
        Assert.Equal((150_000m, supplementary), (declaration.SupplementaryAmount, declaration.SupplementaryPaymentReference));
        Assert.Equal(2, declaration.ContentVersion);
        Assert.Equal(1_000m, Assert.Single(declaration.PreviousVersions).Content.Items[0].NetMassKg);
        Assert.Throws<DomainRuleViolation>(() => declaration.Release("too early", Officer, Now));

        Assert.Equal("payment-amount", Assert.Throws<DomainRuleViolation>(() => declaration.RecordPayment(supplementary, 100_000m, "VND", "BNK", "c", Now)).Rule);
        declaration.RecordPayment(supplementary, 150_000m, "VND", "BNK", "customs", Now);
        Assert.Equal(DeclarationStatus.ReadyForRelease, declaration.Status);
        Assert.Equal(650_000m, declaration.AmountPaid);
        declaration.Release("examined and paid", Officer, Now);
        Assert.Equal(DeclarationStatus.Released, declaration.Status);
    }

    [Fact]
    public void A_discrepancy_that_lowers_the_duty_clears_without_a_further_payment()
    {
        var declaration = Paid(Lane.Red, due: 500_000m);
        declaration.Assign(Officer, Now);
        declaration.RecordExamination("fewer bags", [new ItemCorrection(1, null, null, 8m, null, null)], _ => Notice(400_000m), Officer, Now);
        Assert.Equal(DeclarationStatus.ReadyForRelease, declaration.Status);
        Assert.Null(declaration.SupplementaryPaymentReference);
    }

    [Fact]
    public void Release_is_refused_until_the_lanes_check_is_done()
    {
        foreach (var lane in new[] { Lane.Yellow, Lane.Red })
        {
            var declaration = Paid(lane);
            declaration.Assign(Officer, Now);
            Assert.Equal("invalid-transition", Assert.Throws<DomainRuleViolation>(() => declaration.Release("no check", Officer, Now)).Rule);
        }
        var assessed = Assessed(Lane.Green, 1m);
        assessed.Assign(Officer, Now);
        Assert.Equal("invalid-transition", Assert.Throws<DomainRuleViolation>(() => assessed.Release("unpaid", Officer, Now)).Rule);
    }

    [Fact]
    public void Rerouting_moves_the_declaration_to_the_new_lanes_step_and_keeps_the_reason()
    {
        var assessed = Assessed(Lane.Green, 1m);
        assessed.Reroute(Lane.Red, "intelligence report on the consignee", Officer, Now);
        Assert.Equal((DeclarationStatus.Assessed, Lane.Red), (assessed.Status, assessed.Lane));
        Assert.Equal($"re-routed to Red by {Officer}: intelligence report on the consignee", assessed.OfficerLaneReason);
        Assert.Equal(Lane.Green, assessed.LaneDecision!.Lane); // the committed selectivity decision is kept as it was

        var underCheck = Paid(Lane.Yellow);
        underCheck.Assign(Officer, Now);
        underCheck.Reroute(Lane.Red, "invoice looks altered", Officer, Now);
        Assert.Equal(DeclarationStatus.UnderExamination, underCheck.Status);

        var paid = Paid(Lane.Red);
        paid.Reroute(Lane.Green, "false positive: known consignor", Officer, Now);
        Assert.Equal(DeclarationStatus.ReadyForRelease, paid.Status);

        Assert.Equal("reason-required", Assert.Throws<DomainRuleViolation>(() => Paid(Lane.Yellow).Reroute(Lane.Red, " ", Officer, Now)).Rule);
        Assert.Equal("lane-unchanged", Assert.Throws<DomainRuleViolation>(() => Paid(Lane.Yellow).Reroute(Lane.Yellow, "same", Officer, Now)).Rule);
    }

    [Fact]
    public void An_amendment_before_payment_keeps_the_earlier_version_and_starts_again_with_code_07()
    {
        var declaration = Assessed(Lane.Green, 500m);
        var amended = Content(DeclarationType.Export, Item(value: 1_200m));

        declaration.Amend(amended, "invoice corrected", "anh", Now);

        Assert.Equal((DeclarationStatus.Registered, "07", 2), (declaration.Status, declaration.ResponseCode, declaration.ContentVersion));
        Assert.Equal(DeclarationFunction.Amendment, declaration.Function);
        Assert.Equal(1_000m, Assert.Single(declaration.PreviousVersions).Content.Items[0].CustomsValue);
        Assert.Equal(1_200m, declaration.Items[0].CustomsValue);
        Assert.Null(declaration.Assessment);
        Assert.Null(declaration.Lane);
    }

    [Fact]
    public void An_amendment_cannot_undo_an_officers_re_route()
    {
        var declaration = Assessed(Lane.Green, 500m);
        declaration.Reroute(Lane.Red, "intelligence report", Officer, Now);
        declaration.Amend(Content(DeclarationType.Export, Item(value: 900m)), "value corrected", "anh", Now);

        var process = new CustomsProcess(SampleTariff, SampleRates, new SelectivityEngine([], new Dictionary<Lane, decimal>(), seed: 1));
        var (decision, _) = process.SelectAndAssess(declaration);

        Assert.Equal(Lane.Red, decision.Lane);
        Assert.Contains("intelligence report", decision.Explanation);
    }

    [Fact]
    public void The_assessment_record_commits_to_the_selectivity_decision_without_revealing_the_rules()
    {
        var rules = new SelectivityEngine([new SelectivityRule("R-WATCH", "declarant on the watch list", Lane.Red, 90, new RuleCriteria(Declarants: ["EXP-ACME"]))],
            new Dictionary<Lane, decimal>(), seed: 1);
        var declaration = Lodged();
        declaration.DocumentsVerified(AllValid(declaration), new CustomsProcess(SampleTariff, SampleRates, rules).SelectAndAssess, Now);
        var decision = declaration.LaneDecision!;

        var reason = declaration.PendingTransitions[^1].Reason;
        Assert.Contains(decision.Commitment!, reason);
        Assert.DoesNotContain("watch list", reason);
        Assert.DoesNotContain("R-WATCH", reason);
        Assert.Equal(decision.Commitment, CustomsProcess.Commit(decision)); // officers can check it
        Assert.NotEqual(decision.Commitment, CustomsProcess.Commit(decision with { FiredRules = [] }));
    }

    [Fact]
    public void An_officer_cannot_take_over_a_check_in_progress()
    {
        var declaration = Paid(Lane.Red);
        declaration.Assign(Officer, Now);
        Assert.Equal("assigned-officer", Assert.Throws<DomainRuleViolation>(() => declaration.Assign("other@CUS", Now)).Rule);
        declaration.Assign(Officer, Now); // the same officer again changes nothing
        Assert.Equal(DeclarationStatus.UnderExamination, declaration.Status);
    }

    [Fact]
    public void An_amendment_after_payment_is_refused()
    {
        var declaration = Paid(Lane.Yellow);
        Assert.Equal("invalid-transition", Assert.Throws<DomainRuleViolation>(() => declaration.Amend(Content(DeclarationType.Export), "late", "anh", Now)).Rule);
    }

    [Fact]
    public void Cancellation_is_possible_only_before_release_and_withdraws_an_unpaid_payment()
    {
        var assessed = Assessed(Lane.Green, 1m);
        assessed.ClearDomainEvents();
        assessed.Cancel("shipment postponed", "anh", Now);
        Assert.Equal([new DutyPaymentRequestWithdrawn(assessed.Id, assessed.PaymentReference!, "declaration cancelled")], assessed.DomainEvents);
        Assert.Equal((DeclarationStatus.Cancelled, "10", DeclarationFunction.Cancellation), (assessed.Status, assessed.ResponseCode, assessed.Function));

        var registered = Lodged();
        registered.ClearDomainEvents();
        registered.Cancel("changed our mind", "anh", Now);
        Assert.Empty(registered.DomainEvents);
        Assert.Equal("cancel-before-release", Assert.Throws<DomainRuleViolation>(() => Paid(Lane.Green).Cancel("too late", "anh", Now)).Rule);
    }

    [Fact]
    public void Rejection_needs_a_reason_and_is_not_possible_after_release()
    {
        var declaration = Paid(Lane.Red);
        Assert.Equal("reason-required", Assert.Throws<DomainRuleViolation>(() => declaration.Reject("", Officer, Now)).Rule);
        declaration.ClearDomainEvents();
        declaration.Reject("goods prohibited for export", Officer, Now);
        Assert.Empty(declaration.DomainEvents); // paid: nothing to withdraw
        Assert.Equal((DeclarationStatus.Rejected, "03"), (declaration.Status, declaration.ResponseCode));
        Assert.Throws<DomainRuleViolation>(() => Paid(Lane.Green).Reject("after release", Officer, Now));
    }

    [Fact]
    public void Rejecting_or_cancelling_withdraws_the_unpaid_supplementary_payment_too()
    {
        var declaration = Paid(Lane.Red, due: 500_000m);
        declaration.Assign(Officer, Now);
        declaration.RecordExamination("undervalued", [new ItemCorrection(1, null, null, null, null, 2_000m)], _ => Notice(900_000m), Officer, Now);
        declaration.ClearDomainEvents();
        declaration.Reject("false invoice", Officer, Now);
        Assert.Equal([new DutyPaymentRequestWithdrawn(declaration.Id, declaration.SupplementaryPaymentReference!, "declaration rejected")], declaration.DomainEvents);
    }

    [Fact]
    public void Exit_is_confirmed_only_after_release()
    {
        Assert.Throws<DomainRuleViolation>(() => Paid(Lane.Yellow).ConfirmExit("left", Officer, Now));
        var released = Paid(Lane.Green);
        released.ConfirmExit("vessel departed", Officer, Now);
        Assert.Equal((DeclarationStatus.Exited, "16"), (released.Status, released.ResponseCode));
    }

    [Fact]
    public void A_payment_of_the_wrong_amount_or_reference_is_refused()
    {
        var declaration = Assessed(Lane.Green, 720m);
        Assert.Equal("payment-amount", Assert.Throws<DomainRuleViolation>(() => declaration.RecordPayment(declaration.PaymentReference!, 700m, "VND", "BNK", "c", Now)).Rule);
        Assert.Equal("payment-reference", Assert.Throws<DomainRuleViolation>(() => declaration.RecordPayment("DUTY-2", 720m, "VND", "BNK", "c", Now)).Rule);
        Assert.Equal(DeclarationStatus.Assessed, declaration.Status);
    }

    [Fact]
    public void A_payment_in_another_currency_than_assessed_is_refused_even_for_the_right_amount()
    {
        var declaration = Assessed(Lane.Green, 720m);
        var refused = Assert.Throws<DomainRuleViolation>(() => declaration.RecordPayment(declaration.PaymentReference!, 720m, "USD", "BNK", "c", Now));
        Assert.Equal("payment-currency", refused.Rule);
        Assert.Equal(DeclarationStatus.Assessed, declaration.Status);

        var examined = Paid(Lane.Red, 500m);
        examined.Assign(Officer, Now);
        examined.RecordExamination("more bags than declared", [new ItemCorrection(1, null, null, 20m, null, null)], _ => Notice(650m), Officer, Now);
        Assert.Equal("payment-currency", Assert.Throws<DomainRuleViolation>(() =>
            examined.RecordPayment(examined.SupplementaryPaymentReference!, 150m, "EUR", "BNK", "c", Now)).Rule);
        examined.RecordPayment(examined.SupplementaryPaymentReference!, 150m, "VND", "BNK", "c", Now);
        Assert.Equal(DeclarationStatus.ReadyForRelease, examined.Status);
    }

    [Fact]
    public void A_local_reference_number_already_used_by_the_declarant_is_refused_naming_its_declaration()
    {
        var existing = Guid.NewGuid();
        var refused = Assert.Throws<DomainRuleViolation>(() =>
            Declaration.Lodge(Guid.NewGuid(), "LRN-1", "EXP-ACME", Content(DeclarationType.Export), "anh", Now, referenceUsedBy: existing));
        Assert.Equal("lrn-unique-per-declarant", refused.Rule);
        Assert.Equal($"Declaration {existing} already has local reference number LRN-1; amend it instead.", refused.Message);
    }

    [Fact]
    public void An_amendment_keeps_the_local_reference_number()
    {
        var declaration = Lodged();
        var refused = Assert.Throws<DomainRuleViolation>(() => declaration.Amend(Content(DeclarationType.Export), "typo", "anh", Now, localReferenceNumber: "LRN-2"));
        Assert.Equal(("lrn-unchanged", 1), (refused.Rule, declaration.ContentVersion));
        declaration.Amend(Content(DeclarationType.Export), "typo", "anh", Now, localReferenceNumber: "LRN-1");
        Assert.Equal(2, declaration.ContentVersion);
    }

    [Fact]
    public void An_answer_to_a_request_for_documents_must_bring_new_documents()
    {
        var declaration = Paid(Lane.Yellow);
        declaration.Assign(Officer, Now);
        declaration.RequestDocuments(["certificate-of-origin"], "the certificate is illegible", Officer, Now);
        var attached = declaration.Content.Documents[0];
        Assert.Equal("new-documents-required", Assert.Throws<DomainRuleViolation>(() => declaration.SubmitAdditionalDocuments([attached], "anh", Now)).Rule);
        Assert.Equal(2, declaration.Content.Documents.Count);
    }

    [Fact]
    public void Only_the_verification_of_the_submitted_documents_resumes_a_paused_documentary_check()
    {
        var declaration = Paid(Lane.Yellow);
        declaration.Assign(Officer, Now);
        declaration.RequestDocuments(["packing-list"], "weights need a packing list", Officer, Now);
        var version = declaration.Version;

        // A late or duplicate all-valid result on the documents verified at lodgement: kept, but the check stays paused.
        Assert.Equal(VerificationOutcome.NotAwaited, declaration.DocumentsVerified(AllValid(declaration), NoAssessment, Now));
        Assert.Equal((DeclarationStatus.AwaitingDocuments, version), (declaration.Status, declaration.Version));

        var packingList = "0x" + new string('d', 64);
        declaration.SubmitAdditionalDocuments([new AttachedDocument("packing-list", packingList)], "anh", Now);
        version = declaration.Version;
        Assert.Equal(VerificationOutcome.NotAwaited, declaration.DocumentsVerified(AllValid(declaration).Where(v => v.Hash != packingList).ToList(), NoAssessment, Now));
        Assert.Equal((DeclarationStatus.AwaitingDocuments, version), (declaration.Status, declaration.Version));

        Assert.Equal(VerificationOutcome.CheckResumed, declaration.DocumentsVerified([Verdict(packingList, "packing-list")], NoAssessment, Now));
        Assert.Equal(DeclarationStatus.UnderDocumentaryCheck, declaration.Status);
    }

    [Fact]
    public void Failed_documents_reject_the_declaration_with_code_03()
    {
        var declaration = Lodged();
        var verdicts = AllValid(declaration).Select((v, i) => i == 0 ? v with { Valid = false, Reason = "revoked in block 9" } : v).ToList();
        Assert.Equal(VerificationOutcome.Rejected, declaration.DocumentsVerified(verdicts, NoAssessment, Now));
        Assert.Equal((DeclarationStatus.Rejected, "03", Declaration.SystemActor), (declaration.Status, declaration.ResponseCode, declaration.PendingTransitions[^1].Actor));
        Assert.Equal($"document verification failed: {declaration.DocumentHashes[0]}: revoked in block 9", declaration.StatusReason);
        Assert.Equal(2, declaration.DocumentVerdicts.Count); // kept for the declarant to see
    }

    [Fact]
    public void Only_the_assigned_officer_works_the_check()
    {
        const string other = "other@CUS";
        var examined = Paid(Lane.Yellow);
        examined.Reroute(Lane.Red, "a second look", Officer, Now); // re-routing a paid declaration takes it
        Assert.Equal((DeclarationStatus.UnderExamination, Officer), (examined.Status, examined.AssignedOfficer));
        Assert.Equal("assigned-officer", Assert.Throws<DomainRuleViolation>(() => examined.RecordExamination("seals intact", [], NoReassessment, other, Now)).Rule);
        Assert.Equal("assigned-officer", Assert.Throws<DomainRuleViolation>(() => examined.Reroute(Lane.Yellow, "back", other, Now)).Rule);

        var documentary = Paid(Lane.Yellow);
        Assert.Equal("Assign the declaration to yourself first.",
            Assert.Throws<DomainRuleViolation>(() => documentary.CompleteDocumentaryCheck("fine", Officer, Now)).Message);
        documentary.Assign(Officer, Now);
        Assert.Equal("assigned-officer", Assert.Throws<DomainRuleViolation>(() => documentary.RequestDocuments(["packing-list"], "weights", other, Now)).Rule);
        Assert.Equal("assigned-officer", Assert.Throws<DomainRuleViolation>(() => documentary.CompleteDocumentaryCheck("fine", other, Now)).Rule);
        documentary.CompleteDocumentaryCheck("fine", Officer, Now);
        Assert.Equal("assigned-officer", Assert.Throws<DomainRuleViolation>(() => documentary.Release("cleared", other, Now)).Rule);
        documentary.Release("cleared", Officer, Now);
        Assert.Equal(DeclarationStatus.Released, documentary.Status);
    }

    [Fact]
    public void Release_needs_the_assigned_officer_but_any_officer_confirms_exit()
    {
        var declaration = Paid(Lane.Red);
        declaration.Reroute(Lane.Green, "false positive: known consignor", Officer, Now);
        Assert.Equal((DeclarationStatus.ReadyForRelease, Officer), (declaration.Status, declaration.AssignedOfficer));
        Assert.Equal("assigned-officer", Assert.Throws<DomainRuleViolation>(() => declaration.Release("cleared", "other@CUS", Now)).Rule);
        declaration.Release("cleared", Officer, Now);
        declaration.ConfirmExit("vessel departed", "other@CUS", Now);
        Assert.Equal((DeclarationStatus.Exited, "16"), (declaration.Status, declaration.ResponseCode));
    }
}
