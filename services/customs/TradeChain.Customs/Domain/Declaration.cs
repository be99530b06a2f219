using TradeChain.Domain;

namespace TradeChain.Customs.Domain;

/// <summary>The ASYCUDA-style lifecycle of a declaration.</summary>
public enum DeclarationStatus
{
    Registered,
    Assessed,
    Paid,
    UnderDocumentaryCheck,
    AwaitingDocuments,
    UnderExamination,
    AwaitingSupplementaryPayment,
    ReadyForRelease,
    Released,
    Exited,
    Rejected,
    Cancelled,
}

/// <summary>Selectivity lanes: green and blue release on payment; yellow needs a documentary check, red a physical examination.</summary>
public enum Lane { Green, Blue, Yellow, Red }

/// <summary>WCO/CDS-style response codes carried by status changes.</summary>
public static class ResponseCodes
{
    public const string Accepted = "01";
    public const string Received = "02";
    public const string Rejected = "03";
    public const string PhysicalCheck = "05";
    public const string AdditionalDocumentsRequired = "06";
    public const string Amended = "07";
    public const string Released = "08";
    public const string Cleared = "09";
    public const string Cancelled = "10";
    public const string GoodsExited = "16";
}

/// <summary>A goods declaration and its way from lodgement to release and exit. Every change is a recorded transition.</summary>
public sealed class Declaration : Aggregate
{
    private static readonly DeclarationStatus[] Final = [DeclarationStatus.Released, DeclarationStatus.Exited, DeclarationStatus.Rejected, DeclarationStatus.Cancelled];

    private Declaration() { }

    public Guid Id { get; private set; }

    public string LocalReferenceNumber { get; private set; } = "";

    /// <summary>The party that lodged the declaration (the token's party claim); among exporters only it may see the declaration.</summary>
    public string DeclarantParty { get; private set; } = "";

    public DeclarationContent Content { get; private set; } = null!;

    /// <summary>1 for the original; each amendment adds one. Earlier versions are in <see cref="PreviousVersions"/>.</summary>
    public int ContentVersion { get; private set; } = 1;

    public List<DeclarationVersion> PreviousVersions { get; private set; } = [];

    public DeclarationStatus Status { get; private set; }

    public string? StatusReason { get; private set; }

    /// <summary>The last WCO response code given to the declarant.</summary>
    public string? ResponseCode { get; private set; }

    public Lane? Lane { get; private set; }

    public LaneDecision? LaneDecision { get; private set; }

    public AssessmentNotice? Assessment { get; private set; }

    public string? PaymentReference { get; private set; }

    public decimal AmountPaid { get; private set; }

    public string? SupplementaryPaymentReference { get; private set; }

    public decimal SupplementaryAmount { get; private set; }

    public string? AssignedOfficer { get; private set; }

    /// <summary>The lane an officer re-routed to, kept across amendments: an amendment cannot undo an officer's decision.</summary>
    public Lane? OfficerLane { get; private set; }

    public string? OfficerLaneReason { get; private set; }

    /// <summary>Document types the officer asked for (response 06) and that are still outstanding.</summary>
    public List<string> RequestedDocumentTypes { get; private set; } = [];

    public string? ExaminationFindings { get; private set; }

    /// <summary>The latest verification verdict on each referenced document (null in a row stored before verdicts were kept).</summary>
    public List<RecordedVerdict>? DocumentVerdicts { get; private set; } = [];

    public long LodgedAtUnixMs { get; private set; }

    public long UpdatedAtUnixMs { get; private set; }

    // Indexed copies of content fields, for the officers' work queue.
    public DeclarationType Type { get; private set; }

    public string OfficeOfDeclaration { get; private set; } = "";

    public override string AggregateType => "declaration";

    public override string AggregateKey => Id.ToString();

    public IReadOnlyList<GoodsItem> Items => Content.Items;

    public IReadOnlyList<string> DocumentHashes => Content.Documents.Select(d => d.Hash).ToList();

    public bool IsFinal => Final.Contains(Status);

    /// <summary>Registered for longer than <paramref name="after"/>: its verification request (or result) was lost and is asked again.</summary>
    public bool VerificationOverdue(DateTimeOffset now, TimeSpan after) =>
        Status == DeclarationStatus.Registered && now.ToUnixTimeMilliseconds() - UpdatedAtUnixMs >= after.TotalMilliseconds;

    /// <summary>Notes that document verification was asked again (not a change of status, so no transition).</summary>
    public void VerificationRequestedAgain(DateTimeOffset at) => UpdatedAtUnixMs = at.ToUnixTimeMilliseconds();

    /// <summary>Keeps the documents service's verdicts, replacing earlier ones on the same documents (not a change of status, so no transition).</summary>
    public void RecordVerdicts(IEnumerable<RecordedVerdict> verdicts)
    {
        var latest = verdicts.ToList();
        DocumentVerdicts = [.. (DocumentVerdicts ?? []).Where(v => latest.All(l => l.Hash != v.Hash)), .. latest];
    }

    /// <summary>The WCO function of the declaration as it now stands: the original, an amendment of it, or its cancellation.</summary>
    public DeclarationFunction Function => Status == DeclarationStatus.Cancelled ? DeclarationFunction.Cancellation
        : ContentVersion > 1 ? DeclarationFunction.Amendment : DeclarationFunction.Original;

    /// <summary>Lodges a declaration: registered (02), waiting for its documents to be verified.</summary>
    public static Declaration Lodge(Guid id, string localReferenceNumber, string declarantParty, DeclarationContent content, string actor, DateTimeOffset at)
    {
        if (content.Items.Count == 0) throw new DomainRuleViolation("items-required", "A declaration needs at least one goods item.");
        var declaration = new Declaration
        {
            Id = id,
            LocalReferenceNumber = localReferenceNumber,
            DeclarantParty = declarantParty,
            Content = content,
            Type = content.Type,
            OfficeOfDeclaration = content.OfficeOfDeclaration,
            Status = DeclarationStatus.Registered,
            LodgedAtUnixMs = at.ToUnixTimeMilliseconds(),
        };
        declaration.Record("lodged", $"lodged with {content.Items.Count} item(s) and {content.Documents.Count} document(s); document verification requested",
            ResponseCodes.Received, actor, at);
        return declaration;
    }

    /// <summary>The documents were verified: the lane is set and the duties assessed (01).</summary>
    public void Assess(LaneDecision decision, AssessmentNotice assessment, string paymentReference, string actor, DateTimeOffset at)
    {
        Require("assess", DeclarationStatus.Registered);
        Lane = decision.Lane;
        LaneDecision = decision;
        Assessment = assessment;
        PaymentReference = paymentReference;
        // The lane is told; the risk rules behind it are not: the record commits to the decision by its hash.
        Move(DeclarationStatus.Assessed,
            $"documents verified; lane {decision.Lane} (selectivity decision {decision.Commitment ?? "not committed"}); payable {assessment.TotalPayable} {assessment.Currency}",
            ResponseCodes.Accepted, actor, at);
    }

    /// <summary>A referenced document failed verification at lodgement: rejected (03).</summary>
    public void RejectForDocuments(string reason, string actor, DateTimeOffset at)
    {
        Require("reject for documents", DeclarationStatus.Registered);
        Move(DeclarationStatus.Rejected, reason, ResponseCodes.Rejected, actor, at);
    }

    /// <summary>
    /// A bank paid. The assessed duties make the declaration Paid — green and blue lanes are released at once,
    /// yellow and red wait for their check. A supplementary payment after examination makes it ready for release.
    /// </summary>
    public void RecordPayment(string paymentReference, decimal amount, string currency, string bank, string actor, DateTimeOffset at)
    {
        if (Status == DeclarationStatus.AwaitingSupplementaryPayment && paymentReference == SupplementaryPaymentReference)
        {
            RequireAmount(amount, currency, SupplementaryAmount);
            AmountPaid += amount;
            Move(DeclarationStatus.ReadyForRelease, $"supplementary duties {amount} {currency} paid by {bank} (reference {paymentReference})", ResponseCodes.Cleared, actor, at);
            return;
        }
        Require("record a payment", DeclarationStatus.Assessed);
        if (paymentReference != PaymentReference)
            throw new DomainRuleViolation("payment-reference", $"Payment {paymentReference} is not the one requested ({PaymentReference}).");
        RequireAmount(amount, currency, Assessment!.TotalPayable);
        AmountPaid = amount;
        Move(DeclarationStatus.Paid, $"duties {amount} {currency} paid by {bank} (reference {paymentReference})", null, actor, at);
        if (Lane is Domain.Lane.Green or Domain.Lane.Blue)
        {
            var audit = Lane == Domain.Lane.Blue ? "; selected for post-clearance audit" : "";
            Move(DeclarationStatus.Released, $"automatic release on payment: lane {Lane}{audit}", ResponseCodes.Released, actor, at);
        }
    }

    /// <summary>An officer takes the declaration. A paid yellow-lane declaration goes to documentary check, a red one to examination (05).</summary>
    public void Assign(string officer, DateTimeOffset at)
    {
        RequireNotFinal("assign");
        if (AssignedOfficer is not null && AssignedOfficer != officer && Status is DeclarationStatus.UnderDocumentaryCheck or DeclarationStatus.UnderExamination)
            throw new DomainRuleViolation("assigned-officer", $"{AssignedOfficer} is in the middle of this declaration's check; it cannot be taken over.");
        AssignedOfficer = officer;
        if (Status == DeclarationStatus.Paid && Lane == Domain.Lane.Yellow)
            Move(DeclarationStatus.UnderDocumentaryCheck, $"documentary check started by {officer}", null, officer, at);
        else if (Status == DeclarationStatus.Paid && Lane == Domain.Lane.Red)
            Move(DeclarationStatus.UnderExamination, $"physical examination started by {officer}", ResponseCodes.PhysicalCheck, officer, at);
        else
            Move(Status, $"assigned to {officer}", null, officer, at);
    }

    /// <summary>The documentary check needs more documents from the declarant (06); the check pauses.</summary>
    public void RequestDocuments(IReadOnlyList<string> documentTypes, string reason, string officer, DateTimeOffset at)
    {
        Require("request documents", DeclarationStatus.UnderDocumentaryCheck);
        if (documentTypes.Count == 0) throw new DomainRuleViolation("document-types-required", "Name at least one document type to request.");
        RequireReason(reason);
        RequestedDocumentTypes = [.. documentTypes];
        Move(DeclarationStatus.AwaitingDocuments, $"additional documents required: {string.Join(", ", documentTypes)} — {reason}",
            ResponseCodes.AdditionalDocumentsRequired, officer, at);
    }

    /// <summary>The declarant answers a request for documents; they are verified before the check resumes.</summary>
    public void SubmitAdditionalDocuments(IReadOnlyList<AttachedDocument> documents, string actor, DateTimeOffset at)
    {
        Require("submit additional documents", DeclarationStatus.AwaitingDocuments);
        var missing = RequestedDocumentTypes.Except(documents.Select(d => d.Type)).ToList();
        if (missing.Count > 0)
            throw new DomainRuleViolation("requested-documents", $"The answer must include every requested document type; missing: {string.Join(", ", missing)}.");
        Content = Content with { Documents = [.. Content.Documents, .. documents.Where(d => !Content.Documents.Any(e => e.Hash == d.Hash))] };
        Move(DeclarationStatus.AwaitingDocuments, $"additional documents submitted for verification: {string.Join(", ", documents.Select(d => $"{d.Type} {d.Hash}"))}",
            null, actor, at);
    }

    /// <summary>The additional documents were verified: the documentary check resumes — or still waits, saying why.</summary>
    public void AdditionalDocumentsVerified(bool allValid, string reason, string actor, DateTimeOffset at)
    {
        Require("resume the documentary check", DeclarationStatus.AwaitingDocuments);
        if (allValid)
        {
            RequestedDocumentTypes = [];
            Move(DeclarationStatus.UnderDocumentaryCheck, $"additional documents verified; documentary check resumes ({reason})", null, actor, at);
        }
        else
        {
            Move(DeclarationStatus.AwaitingDocuments, $"additional documents failed verification: {reason}", ResponseCodes.AdditionalDocumentsRequired, actor, at);
        }
    }

    /// <summary>The documentary check passed: cleared for release (09).</summary>
    public void CompleteDocumentaryCheck(string findings, string officer, DateTimeOffset at)
    {
        Require("complete the documentary check", DeclarationStatus.UnderDocumentaryCheck);
        RequireReason(findings);
        Move(DeclarationStatus.ReadyForRelease, $"documentary check passed: {findings}", ResponseCodes.Cleared, officer, at);
    }

    /// <summary>
    /// Examination found the goods as declared: cleared (09). With corrections, the corrected content becomes a new
    /// version, the duties are reassessed, and any additional amount must be paid before release.
    /// </summary>
    public void RecordExamination(string findings, IReadOnlyList<ItemCorrection> corrections, Func<DeclarationContent, AssessmentNotice> reassess,
        string supplementaryReference, string officer, DateTimeOffset at)
    {
        Require("record examination findings", DeclarationStatus.UnderExamination);
        RequireReason(findings);
        ExaminationFindings = findings;
        if (corrections.Count == 0)
        {
            Move(DeclarationStatus.ReadyForRelease, $"examination: no discrepancy — {findings}", ResponseCodes.Cleared, officer, at);
            return;
        }

        var corrected = Content with { Items = Content.Items.Select(item => Apply(item, corrections)).ToList() };
        var unknown = corrections.Select(c => c.ItemNumber).Except(Content.Items.Select(i => i.ItemNumber)).ToList();
        if (unknown.Count > 0) throw new DomainRuleViolation("item-number", $"No item {string.Join(", ", unknown)} on this declaration.");
        var notice = reassess(corrected);
        var additional = notice.TotalPayable - Assessment!.TotalPayable;
        PreviousVersions.Add(new DeclarationVersion(ContentVersion, Content, $"examination findings: {findings}", officer, at.ToUnixTimeMilliseconds()));
        ContentVersion++;
        Content = corrected;
        Assessment = notice;
        if (additional > 0)
        {
            SupplementaryPaymentReference = supplementaryReference;
            SupplementaryAmount = additional;
            Move(DeclarationStatus.AwaitingSupplementaryPayment,
                $"examination: discrepancy — {findings}; reassessed at {notice.TotalPayable} {notice.Currency}, {additional} {notice.Currency} more due (reference {supplementaryReference})",
                ResponseCodes.PhysicalCheck, officer, at);
        }
        else
        {
            Move(DeclarationStatus.ReadyForRelease,
                $"examination: discrepancy — {findings}; reassessed at {notice.TotalPayable} {notice.Currency}, nothing more due", ResponseCodes.Cleared, officer, at);
        }
    }

    /// <summary>An officer changes the lane, with a reason. A declaration already in its checks moves to the new lane's step.</summary>
    public void Reroute(Lane lane, string reason, string officer, DateTimeOffset at)
    {
        Require("re-route", DeclarationStatus.Assessed, DeclarationStatus.Paid, DeclarationStatus.UnderDocumentaryCheck, DeclarationStatus.UnderExamination);
        RequireReason(reason);
        if (lane == Lane) throw new DomainRuleViolation("lane-unchanged", $"The declaration is already on the {lane} lane.");
        var from = Lane;
        Lane = lane;
        // The selectivity decision stays as committed; the officer's re-route is recorded beside it and in the transition.
        OfficerLane = lane;
        OfficerLaneReason = $"re-routed to {lane} by {officer}: {reason}";
        var why = $"re-routed from {from} to {lane} by {officer}: {reason}";
        if (Status == DeclarationStatus.Assessed) { Move(DeclarationStatus.Assessed, why, null, officer, at); return; }
        AssignedOfficer ??= officer;
        switch (lane)
        {
            case Domain.Lane.Green or Domain.Lane.Blue: Move(DeclarationStatus.ReadyForRelease, why, ResponseCodes.Cleared, officer, at); break;
            case Domain.Lane.Yellow: Move(DeclarationStatus.UnderDocumentaryCheck, why, null, officer, at); break;
            default: Move(DeclarationStatus.UnderExamination, why, ResponseCodes.PhysicalCheck, officer, at); break;
        }
    }

    /// <summary>An officer releases goods that are cleared (08).</summary>
    public void Release(string reason, string officer, DateTimeOffset at)
    {
        Require("release", DeclarationStatus.ReadyForRelease);
        RequireReason(reason);
        Move(DeclarationStatus.Released, reason, ResponseCodes.Released, officer, at);
    }

    /// <summary>An officer rejects the declaration, with a reason (03). Not after release. Returns the unpaid payment requests to withdraw.</summary>
    public IReadOnlyList<string> Reject(string reason, string officer, DateTimeOffset at)
    {
        RequireNotFinal("reject");
        RequireReason(reason);
        var withdraw = OpenPaymentReferences();
        Move(DeclarationStatus.Rejected, reason, ResponseCodes.Rejected, officer, at);
        return withdraw;
    }

    /// <summary>Payment requests sent to payments and not yet paid.</summary>
    private List<string> OpenPaymentReferences() => Status switch
    {
        DeclarationStatus.Assessed when PaymentReference is not null => [PaymentReference],
        DeclarationStatus.AwaitingSupplementaryPayment when SupplementaryPaymentReference is not null => [SupplementaryPaymentReference],
        _ => [],
    };

    /// <summary>The goods left the customs territory (16).</summary>
    public void ConfirmExit(string reason, string officer, DateTimeOffset at)
    {
        Require("confirm exit", DeclarationStatus.Released);
        Move(DeclarationStatus.Exited, string.IsNullOrWhiteSpace(reason) ? "exit confirmed" : reason, ResponseCodes.GoodsExited, officer, at);
    }

    /// <summary>The declarant withdraws the declaration; only before release (10). Returns the unpaid payment requests to withdraw.</summary>
    public IReadOnlyList<string> Cancel(string reason, string actor, DateTimeOffset at)
    {
        if (IsFinal) throw new DomainRuleViolation("cancel-before-release", $"A declaration that is {Status} can no longer be cancelled.");
        RequireReason(reason);
        var withdraw = OpenPaymentReferences();
        Move(DeclarationStatus.Cancelled, reason, ResponseCodes.Cancelled, actor, at);
        return withdraw;
    }

    /// <summary>
    /// The declarant amends the declaration before payment: the earlier content stays as a previous version, and
    /// the new one goes through verification, lane selection and assessment again (07). Returns the payment
    /// reference the amendment makes obsolete, if any.
    /// </summary>
    public string? Amend(DeclarationContent content, string reason, string actor, DateTimeOffset at)
    {
        Require("amend", DeclarationStatus.Registered, DeclarationStatus.Assessed);
        RequireReason(reason);
        if (content.Items.Count == 0) throw new DomainRuleViolation("items-required", "A declaration needs at least one goods item.");
        var obsolete = Status == DeclarationStatus.Assessed ? PaymentReference : null;
        PreviousVersions.Add(new DeclarationVersion(ContentVersion, Content, reason, actor, at.ToUnixTimeMilliseconds()));
        ContentVersion++;
        Content = content;
        Type = content.Type;
        OfficeOfDeclaration = content.OfficeOfDeclaration;
        Lane = null;
        LaneDecision = null;
        Assessment = null;
        PaymentReference = null;
        Move(DeclarationStatus.Registered, $"amended to version {ContentVersion}: {reason}; document verification requested again", ResponseCodes.Amended, actor, at);
        return obsolete;
    }

    private static GoodsItem Apply(GoodsItem item, IReadOnlyList<ItemCorrection> corrections)
    {
        var c = corrections.FirstOrDefault(x => x.ItemNumber == item.ItemNumber);
        return c is null ? item : item with
        {
            HsCode = c.HsCode ?? item.HsCode,
            OriginCountry = c.OriginCountry ?? item.OriginCountry,
            Quantity = c.Quantity ?? item.Quantity,
            NetMassKg = c.NetMassKg ?? item.NetMassKg,
            CustomsValue = c.CustomsValue ?? item.CustomsValue,
        };
    }

    private static void RequireAmount(decimal amount, string currency, decimal due)
    {
        if (amount != due) throw new DomainRuleViolation("payment-amount", $"Paid {amount} {currency} but {due} is due.");
    }

    private static void RequireReason(string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason)) throw new DomainRuleViolation("reason-required", "This decision needs a reason.");
    }

    private void Require(string action, params DeclarationStatus[] allowed)
    {
        if (!allowed.Contains(Status))
            throw new DomainRuleViolation("invalid-transition", $"Cannot {action}: the declaration is {Status}, not {string.Join(" or ", allowed)}.");
    }

    private void RequireNotFinal(string action)
    {
        if (IsFinal) throw new DomainRuleViolation("invalid-transition", $"Cannot {action}: the declaration is {Status}.");
    }

    private void Move(DeclarationStatus to, string reason, string? responseCode, string actor, DateTimeOffset at) =>
        Record(Status.ToString(), reason, responseCode, actor, at, to);

    private void Record(string from, string reason, string? responseCode, string actor, DateTimeOffset at, DeclarationStatus? to = null)
    {
        Status = to ?? Status;
        StatusReason = reason;
        if (responseCode is not null) ResponseCode = responseCode;
        UpdatedAtUnixMs = at.ToUnixTimeMilliseconds();
        RecordTransition(from, Status.ToString(), actor, reason, responseCode, at);
    }
}
