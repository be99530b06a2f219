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

/// <summary>What became of a verification result: applied in one of its ways, or ignored and why.</summary>
public enum VerificationOutcome { Rejected, Assessed, CheckResumed, StillAwaitingDocuments, Stale, NotAwaited }

/// <summary>
/// A goods declaration and its way from lodgement to release and exit. Every change is a recorded transition; every
/// rule about when something may happen is here; what the other services must hear is raised as a domain event
/// (see DeclarationEvents.cs) beside the transition.
/// <code>
/// Lodge ─► Registered (02) ─ documents verified ─► Assessed (01) ─ duties paid, or none due ─► Paid
///          Registered ─ a document fails ─► Rejected (03);  Registered or Assessed ─ amend (07) ─► Registered
/// Paid ─ green or blue lane ─► Released (08) ─ exit confirmed ─► Exited (16)
/// Paid ─ yellow, an officer assigns ─► UnderDocumentaryCheck ⇄ AwaitingDocuments (06) ─ check passed ─► ReadyForRelease (09)
/// Paid ─ red, an officer assigns ─► UnderExamination (05) ─ findings ─► ReadyForRelease, or AwaitingSupplementaryPayment ─ paid ─► ReadyForRelease
/// ReadyForRelease ─ the assigned officer releases ─► Released (08)
/// Before release: an officer re-routes between the lanes' steps, or rejects (03); the declarant cancels (10).
/// </code>
/// </summary>
public sealed class Declaration : Aggregate
{
    /// <summary>The actor of the steps customs takes by itself on another service's answer.</summary>
    public const string SystemActor = "customs-system";

    private static readonly DeclarationStatus[] Final = [DeclarationStatus.Released, DeclarationStatus.Exited, DeclarationStatus.Rejected, DeclarationStatus.Cancelled];

    private Declaration() { }

    public Guid Id { get; private set; }

    public string LocalReferenceNumber { get; private set; } = "";

    /// <summary>The party that lodged the declaration (the token's party claim); among exporters only it may see the declaration.</summary>
    public string DeclarantParty { get; private set; } = "";

    public DeclarationContent Content { get; private set; } = null!;

    /// <summary>1 for the original; each amendment adds one. Earlier versions are in <see cref="PreviousVersions"/>.</summary>
    public int ContentVersion { get; private set; } = 1;

    public IReadOnlyList<DeclarationVersion> PreviousVersions => _previousVersions;

    private readonly List<DeclarationVersion> _previousVersions = [];

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
    public IReadOnlyList<string> RequestedDocumentTypes => RequestedDocuments.Select(r => r.Type).ToList();

    private List<RequestedDocument> RequestedDocuments { get; set; } = [];

    public string? ExaminationFindings { get; private set; }

    /// <summary>The latest verification verdict on each referenced document, in the order they arrived.</summary>
    public IReadOnlyList<RecordedVerdict> DocumentVerdicts => _documentVerdicts;

    private readonly List<RecordedVerdict> _documentVerdicts = [];

    public long LodgedAtUnixMs { get; private set; }

    public long UpdatedAtUnixMs { get; private set; }

    // Indexed copies of content fields, for the officers' work queue.
    public DeclarationType Type { get; private set; }

    public string OfficeOfDeclaration { get; private set; } = "";

    /// <summary>Its type in the transition log.</summary>
    public const string RecordType = "declaration";

    public override string AggregateType => RecordType;

    public override string AggregateKey => Id.ToString();

    public IReadOnlyList<GoodsItem> Items => Content.Items;

    public IReadOnlyList<string> DocumentHashes => Content.Documents.Select(d => d.Hash).ToList();

    public bool IsFinal => Final.Contains(Status);

    /// <summary>The WCO function of the declaration as it now stands: the original, an amendment of it, or its cancellation.</summary>
    public DeclarationFunction Function => Status == DeclarationStatus.Cancelled ? DeclarationFunction.Cancellation
        : ContentVersion > 1 ? DeclarationFunction.Amendment : DeclarationFunction.Original;

    // ── Lodgement and document verification ──────────────────────────────────────────────────────────────────────

    /// <summary>The rule that a declarant's local reference number names one declaration only.</summary>
    public const string LocalReferenceNumberUniqueRule = "lrn-unique-per-declarant";

    /// <summary>The rule that an amendment keeps the local reference number.</summary>
    public const string LocalReferenceNumberKeptRule = "lrn-unchanged";

    /// <summary>The rule that an answer to a request for documents brings documents not attached yet.</summary>
    public const string NewDocumentsRule = "new-documents-required";

    /// <summary>
    /// Lodges a declaration: registered (02), its documents to be verified. <paramref name="referenceUsedBy"/> is the
    /// declarant's declaration that already has <paramref name="localReferenceNumber"/>, if any (the database knows):
    /// then nothing is lodged, the declarant amends that one instead.
    /// </summary>
    public static Declaration Lodge(Guid id, string localReferenceNumber, string declarantParty, DeclarationContent content, string actor, DateTimeOffset at,
        Guid? referenceUsedBy)
    {
        if (referenceUsedBy is { } existing) throw LocalReferenceNumberUsed(existing, localReferenceNumber);
        RequireItems(content);
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
        declaration.Raise(new DocumentsNeedVerifying(id, declarantParty, declaration.DocumentHashes));
        return declaration;
    }

    /// <summary>The refusal of a second declaration with the same local reference number: it names the declaration that has it.</summary>
    public static DomainRuleViolation LocalReferenceNumberUsed(Guid usedBy, string localReferenceNumber) =>
        new(LocalReferenceNumberUniqueRule, $"Declaration {usedBy} already has local reference number {localReferenceNumber}; amend it instead.");

    /// <summary>
    /// The documents service's verdicts arrived; they are kept, replacing earlier ones on the same documents. A
    /// registered declaration is rejected (03) if a document failed or was issued as another type than declared;
    /// otherwise its lane is selected and its duties assessed (01). While additional documents an officer asked for
    /// are awaited, only verdicts on every document the declarant submitted and not yet had verified resume the
    /// documentary check (or keep it waiting, saying why); any other result, such as a late or duplicate one on the
    /// documents verified before, is only kept. A result for an earlier version's documents is ignored.
    /// </summary>
    public VerificationOutcome DocumentsVerified(IReadOnlyList<RecordedVerdict> verdicts, Func<Declaration, (LaneDecision Decision, AssessmentNotice Notice)> selectAndAssess,
        DateTimeOffset at)
    {
        if (Status == DeclarationStatus.Registered && !Covers(verdicts, DocumentHashes))
            return VerificationOutcome.Stale; // the declaration was amended meanwhile: the new request's result follows
        var submitted = AwaitingVerification();
        var failures = Failures(verdicts);
        _documentVerdicts.RemoveAll(v => verdicts.Any(l => l.Hash == v.Hash));
        _documentVerdicts.AddRange(verdicts);
        switch (Status)
        {
            case DeclarationStatus.Registered when failures.Count > 0:
                Move(DeclarationStatus.Rejected, $"document verification failed: {string.Join("; ", failures)}", ResponseCodes.Rejected, SystemActor, at);
                return VerificationOutcome.Rejected;
            case DeclarationStatus.Registered:
                var (decision, notice) = selectAndAssess(this);
                Assess(decision, notice, at);
                return VerificationOutcome.Assessed;
            case DeclarationStatus.AwaitingDocuments when submitted.Count == 0 || !Covers(verdicts, submitted):
                return VerificationOutcome.NotAwaited; // not the answer to the request: the declarant's documents are still being verified, or not yet submitted
            case DeclarationStatus.AwaitingDocuments when failures.Count == 0:
                RequestedDocuments = [];
                Move(DeclarationStatus.UnderDocumentaryCheck,
                    $"additional documents verified; documentary check resumes ({string.Join("; ", verdicts.Select(v => $"{v.IssuedType} {v.Hash}: {v.Reason}"))})",
                    null, SystemActor, at);
                return VerificationOutcome.CheckResumed;
            case DeclarationStatus.AwaitingDocuments:
                Move(DeclarationStatus.AwaitingDocuments, $"additional documents failed verification: {string.Join("; ", failures)}",
                    ResponseCodes.AdditionalDocumentsRequired, SystemActor, at);
                return VerificationOutcome.StillAwaitingDocuments;
            default:
                return VerificationOutcome.NotAwaited;
        }
    }

    private static bool Covers(IReadOnlyList<RecordedVerdict> verdicts, IEnumerable<string> hashes) => hashes.All(h => verdicts.Any(v => v.Hash == h));

    /// <summary>
    /// The attached documents with no verdict yet: those the declarant submitted in answer to a request for documents
    /// and whose verification is still out (every other document was verified before the declaration was assessed).
    /// </summary>
    private List<string> AwaitingVerification() => DocumentHashes.Where(h => _documentVerdicts.All(v => v.Hash != h)).ToList();

    /// <summary>Every verdict that failed, and every document whose issued type differs from the type it was declared as.</summary>
    private List<string> Failures(IEnumerable<RecordedVerdict> verdicts)
    {
        var failures = new List<string>();
        foreach (var verdict in verdicts)
        {
            if (!verdict.Valid) { failures.Add($"{verdict.Hash}: {verdict.Reason}"); continue; }
            var declared = Content.Documents.FirstOrDefault(d => d.Hash == verdict.Hash);
            if (declared is not null && verdict.IssuedType is not null && declared.Type != verdict.IssuedType)
                failures.Add($"{verdict.Hash}: declared as {declared.Type} but issued as {verdict.IssuedType}");
        }
        return failures;
    }

    /// <summary>
    /// The lane is set and the duties assessed (01); payments is asked to collect them under a reference naming this
    /// version. When nothing is due the declaration is paid at once (and released, on a green or blue lane).
    /// </summary>
    private void Assess(LaneDecision decision, AssessmentNotice assessment, DateTimeOffset at)
    {
        Lane = decision.Lane;
        LaneDecision = decision;
        Assessment = assessment;
        PaymentReference = $"DUTY-{ShortId}-V{ContentVersion}";
        // The lane is told; the risk rules behind it are not: the record commits to the decision by its hash.
        Move(DeclarationStatus.Assessed,
            $"documents verified; lane {decision.Lane} (selectivity decision {decision.Commitment ?? "not committed"}); payable {assessment.TotalPayable} {assessment.Currency}",
            ResponseCodes.Accepted, SystemActor, at);
        if (assessment.TotalPayable > 0)
            Raise(new DutyPaymentDue(Id, DeclarantParty, PaymentReference, assessment.TotalPayable, assessment.Currency));
        else
            RecordPayment(PaymentReference, 0m, assessment.Currency, "none (nothing due)", SystemActor, at);
    }

    // ── Payment ──────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// True while <paramref name="paymentReference"/> is the payment this declaration waits for. A settlement of any
    /// other (already applied, or withdrawn by an amendment or cancellation) is not applied: a refund is a bank matter.
    /// </summary>
    public bool AwaitsPayment(string paymentReference) => (Status, paymentReference) switch
    {
        (DeclarationStatus.Assessed, var r) when r == PaymentReference => true,
        (DeclarationStatus.AwaitingSupplementaryPayment, var r) when r == SupplementaryPaymentReference => true,
        _ => false,
    };

    /// <summary>
    /// A bank paid. The assessed duties make the declaration Paid — green and blue lanes are released at once (raising
    /// <c>DeclarationReleased</c>, published as <c>GoodsReleased</c>), yellow and red wait for their check. A supplementary
    /// payment after examination makes it ready for release.
    /// </summary>
    public void RecordPayment(string paymentReference, decimal amount, string currency, string bank, string actor, DateTimeOffset at)
    {
        if (!AwaitsPayment(paymentReference))
        {
            Require("record a payment", DeclarationStatus.Assessed, DeclarationStatus.AwaitingSupplementaryPayment);
            throw new DomainRuleViolation("payment-reference", $"Payment {paymentReference} is not the one requested ({OpenPaymentReference()}).");
        }
        if (Status == DeclarationStatus.AwaitingSupplementaryPayment)
        {
            RequireAmount(amount, currency, SupplementaryAmount);
            AmountPaid += amount;
            Move(DeclarationStatus.ReadyForRelease, $"supplementary duties {amount} {currency} paid by {bank} (reference {paymentReference})", ResponseCodes.Cleared, actor, at);
            return;
        }
        RequireAmount(amount, currency, Assessment!.TotalPayable);
        AmountPaid = amount;
        Move(DeclarationStatus.Paid, $"duties {amount} {currency} paid by {bank} (reference {paymentReference})", null, actor, at);
        if (Lane is Domain.Lane.Green or Domain.Lane.Blue)
        {
            var audit = Lane == Domain.Lane.Blue ? "; selected for post-clearance audit" : "";
            ReleaseGoods($"automatic release on payment: lane {Lane}{audit}", actor, at);
        }
    }

    // ── The officer's checks ─────────────────────────────────────────────────────────────────────────────────────

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

    private const string ReroutedPrefix = "re-routed from ";

    /// <summary>
    /// A status or transition reason as the declarant may read it. An officer's reason for a re-route is customs-internal
    /// (like the selectivity decision and <see cref="OfficerLaneReason"/>): the declarant sees the lanes and the officer, not why.
    /// </summary>
    public static string ReasonForDeclarant(string reason)
    {
        if (!reason.StartsWith(ReroutedPrefix, StringComparison.Ordinal)) return reason;
        var why = reason.IndexOf(": ", StringComparison.Ordinal);
        return why < 0 ? reason : reason[..why] + " (the officer's reason is customs-internal)";
    }

    /// <summary>An officer changes the lane, with a reason; during a check only the officer doing it. A declaration already in its checks moves to the new lane's step.</summary>
    public void Reroute(Lane lane, string reason, string officer, DateTimeOffset at)
    {
        if (Status is DeclarationStatus.UnderDocumentaryCheck or DeclarationStatus.UnderExamination) RequireAssigned(officer);
        Require("re-route", DeclarationStatus.Assessed, DeclarationStatus.Paid, DeclarationStatus.UnderDocumentaryCheck, DeclarationStatus.UnderExamination);
        RequireReason(reason);
        if (lane == Lane) throw new DomainRuleViolation("lane-unchanged", $"The declaration is already on the {lane} lane.");
        var from = Lane;
        Lane = lane;
        // The selectivity decision stays as committed; the officer's re-route is recorded beside it and in the transition.
        OfficerLane = lane;
        OfficerLaneReason = $"re-routed to {lane} by {officer}: {reason}";
        var why = $"{ReroutedPrefix}{from} to {lane} by {officer}: {reason}";
        if (Status == DeclarationStatus.Assessed) { Move(DeclarationStatus.Assessed, why, null, officer, at); return; }
        AssignedOfficer ??= officer;
        switch (lane)
        {
            case Domain.Lane.Green or Domain.Lane.Blue: Move(DeclarationStatus.ReadyForRelease, why, ResponseCodes.Cleared, officer, at); break;
            case Domain.Lane.Yellow: Move(DeclarationStatus.UnderDocumentaryCheck, why, null, officer, at); break;
            default: Move(DeclarationStatus.UnderExamination, why, ResponseCodes.PhysicalCheck, officer, at); break;
        }
    }

    /// <summary>The assigned officer's documentary check needs more documents from the declarant (06); the check pauses.</summary>
    public void RequestDocuments(IReadOnlyList<string> documentTypes, string reason, string officer, DateTimeOffset at)
    {
        RequireAssigned(officer);
        Require("request documents", DeclarationStatus.UnderDocumentaryCheck);
        if (documentTypes.Count == 0) throw new DomainRuleViolation("document-types-required", "Name at least one document type to request.");
        RequireReason(reason);
        RequestedDocuments = [.. documentTypes.Select(t => new RequestedDocument(t))];
        Move(DeclarationStatus.AwaitingDocuments, $"additional documents required: {string.Join(", ", documentTypes)} — {reason}",
            ResponseCodes.AdditionalDocumentsRequired, officer, at);
    }

    /// <summary>Of <paramref name="documents"/>, the positions of those already attached to the declaration: an answer must bring new ones.</summary>
    public IReadOnlyList<int> AlreadyAttached(IReadOnlyList<AttachedDocument> documents) =>
        documents.Select((d, i) => (d, i)).Where(x => Content.Documents.Any(e => e.Hash == x.d.Hash)).Select(x => x.i).ToList();

    /// <summary>
    /// The declarant answers a request for documents with every type asked for, each a document not attached yet;
    /// they are verified before the check resumes.
    /// </summary>
    public void SubmitAdditionalDocuments(IReadOnlyList<AttachedDocument> documents, string actor, DateTimeOffset at)
    {
        var reused = AlreadyAttached(documents);
        if (reused.Count > 0)
            throw new DomainRuleViolation(NewDocumentsRule,
                $"An answer must bring new documents; already attached: {string.Join(", ", reused.Select(i => documents[i].Hash))}.");
        Require("submit additional documents", DeclarationStatus.AwaitingDocuments);
        var missing = RequestedDocumentTypes.Except(documents.Select(d => d.Type)).ToList();
        if (missing.Count > 0)
            throw new DomainRuleViolation("requested-documents", $"The answer must include every requested document type; missing: {string.Join(", ", missing)}.");
        Content = Content with { Documents = [.. Content.Documents, .. documents] };
        Move(DeclarationStatus.AwaitingDocuments, $"additional documents submitted for verification: {string.Join(", ", documents.Select(d => $"{d.Type} {d.Hash}"))}",
            null, actor, at);
        Raise(new DocumentsNeedVerifying(Id, DeclarantParty, documents.Select(d => d.Hash).ToList()));
    }

    /// <summary>The assigned officer's documentary check passed: cleared for release (09).</summary>
    public void CompleteDocumentaryCheck(string findings, string officer, DateTimeOffset at)
    {
        RequireAssigned(officer);
        Require("complete the documentary check", DeclarationStatus.UnderDocumentaryCheck);
        RequireReason(findings);
        Move(DeclarationStatus.ReadyForRelease, $"documentary check passed: {findings}", ResponseCodes.Cleared, officer, at);
    }

    /// <summary>
    /// The assigned officer's examination found the goods as declared: cleared (09). With corrections, the corrected
    /// content becomes a new version, the duties are reassessed, and any additional amount must be paid under a
    /// supplementary reference before release.
    /// </summary>
    public void RecordExamination(string findings, IReadOnlyList<ItemCorrection> corrections, Func<DeclarationContent, AssessmentNotice> reassess,
        string officer, DateTimeOffset at)
    {
        RequireAssigned(officer);
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
        var supplementaryReference = $"SUPP-{ShortId}-V{ContentVersion + 1}";
        _previousVersions.Add(new DeclarationVersion(ContentVersion, Content, $"examination findings: {findings}", officer, at.ToUnixTimeMilliseconds()));
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
            Raise(new DutyPaymentDue(Id, DeclarantParty, supplementaryReference, additional, notice.Currency));
        }
        else
        {
            Move(DeclarationStatus.ReadyForRelease,
                $"examination: discrepancy — {findings}; reassessed at {notice.TotalPayable} {notice.Currency}, nothing more due", ResponseCodes.Cleared, officer, at);
        }
    }

    // ── Release, exit and the ends before release ────────────────────────────────────────────────────────────────

    /// <summary>The officer assigned to the declaration releases goods that are cleared (08).</summary>
    public void Release(string reason, string officer, DateTimeOffset at)
    {
        RequireAssigned(officer);
        Require("release", DeclarationStatus.ReadyForRelease);
        RequireReason(reason);
        ReleaseGoods(reason, officer, at);
    }

    private void ReleaseGoods(string reason, string actor, DateTimeOffset at)
    {
        Move(DeclarationStatus.Released, reason, ResponseCodes.Released, actor, at);
        Raise(new DeclarationReleased(Id, DeclarantParty, at.ToUnixTimeMilliseconds()));
    }

    /// <summary>Any officer confirms that released goods left the customs territory (16); no assignment needed.</summary>
    public void ConfirmExit(string reason, string officer, DateTimeOffset at)
    {
        Require("confirm exit", DeclarationStatus.Released);
        Move(DeclarationStatus.Exited, string.IsNullOrWhiteSpace(reason) ? "exit confirmed" : reason, ResponseCodes.GoodsExited, officer, at);
    }

    /// <summary>An officer rejects the declaration, with a reason (03). Not after release. An unpaid payment request is withdrawn.</summary>
    public void Reject(string reason, string officer, DateTimeOffset at)
    {
        RequireNotFinal("reject");
        RequireReason(reason);
        var open = OpenPaymentReference();
        Move(DeclarationStatus.Rejected, reason, ResponseCodes.Rejected, officer, at);
        Withdraw(open, "declaration rejected");
    }

    /// <summary>The declarant withdraws the declaration; only before release (10). An unpaid payment request is withdrawn.</summary>
    public void Cancel(string reason, string actor, DateTimeOffset at)
    {
        RequireNotFinal("cancel", rule: "cancel-before-release");
        RequireReason(reason);
        var open = OpenPaymentReference();
        Move(DeclarationStatus.Cancelled, reason, ResponseCodes.Cancelled, actor, at);
        Withdraw(open, "declaration cancelled");
    }

    /// <summary>
    /// The declarant amends the declaration before payment: the earlier content stays as a previous version, and
    /// the new one goes through verification, lane selection and assessment again (07). The payment requested for the
    /// earlier version is withdrawn. The local reference number stays: an amendment naming another one is refused.
    /// </summary>
    public void Amend(DeclarationContent content, string reason, string actor, DateTimeOffset at, string? localReferenceNumber = null)
    {
        if (localReferenceNumber is not null && localReferenceNumber != LocalReferenceNumber)
            throw new DomainRuleViolation(LocalReferenceNumberKeptRule, $"The local reference number cannot change on amendment (it is {LocalReferenceNumber}).");
        Require("amend", DeclarationStatus.Registered, DeclarationStatus.Assessed);
        RequireReason(reason);
        RequireItems(content);
        var obsolete = OpenPaymentReference();
        _previousVersions.Add(new DeclarationVersion(ContentVersion, Content, reason, actor, at.ToUnixTimeMilliseconds()));
        ContentVersion++;
        Content = content;
        Type = content.Type;
        OfficeOfDeclaration = content.OfficeOfDeclaration;
        Lane = null;
        LaneDecision = null;
        Assessment = null;
        PaymentReference = null;
        Move(DeclarationStatus.Registered, $"amended to version {ContentVersion}: {reason}; document verification requested again", ResponseCodes.Amended, actor, at);
        Withdraw(obsolete, $"declaration amended to version {ContentVersion}");
        Raise(new DocumentsNeedVerifying(Id, DeclarantParty, DocumentHashes));
    }

    /// <summary>The payment request sent to payments and not yet paid, if any.</summary>
    private string? OpenPaymentReference() => Status switch
    {
        DeclarationStatus.Assessed => PaymentReference,
        DeclarationStatus.AwaitingSupplementaryPayment => SupplementaryPaymentReference,
        _ => null,
    };

    private void Withdraw(string? paymentReference, string reason)
    {
        if (paymentReference is not null) Raise(new DutyPaymentRequestWithdrawn(Id, paymentReference, reason));
    }

    // ── Rules and bookkeeping ────────────────────────────────────────────────────────────────────────────────────

    /// <summary>The first twelve hex digits of the id, upper case: what payment references name the declaration by.</summary>
    private string ShortId => Id.ToString("N")[..12].ToUpperInvariant();

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

    /// <summary>Officers act on the checks of declarations they have taken; others must assign them first.</summary>
    private void RequireAssigned(string officer)
    {
        if (AssignedOfficer != officer)
            throw new DomainRuleViolation("assigned-officer",
                AssignedOfficer is null
                    ? "Assign the declaration to yourself first."
                    : $"The declaration is assigned to {AssignedOfficer}; only that officer may act on its check.");
    }

    private static void RequireItems(DeclarationContent content)
    {
        if (content.Items.Count == 0) throw new DomainRuleViolation("items-required", "A declaration needs at least one goods item.");
    }

    /// <summary>A payment settles exactly what is due, in the assessment's currency.</summary>
    private void RequireAmount(decimal amount, string currency, decimal due)
    {
        var dueCurrency = Assessment!.Currency;
        if (currency != dueCurrency)
            throw new DomainRuleViolation("payment-currency", $"Paid {amount} {currency} but the duties are assessed in {dueCurrency} ({due} {dueCurrency} due).");
        if (amount != due) throw new DomainRuleViolation("payment-amount", $"Paid {amount} {currency} but {due} {dueCurrency} is due.");
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

    /// <summary>Nothing happens to a declaration after release (or exit), rejection or cancellation; <paramref name="rule"/> names the refusal.</summary>
    private void RequireNotFinal(string action, string rule = "invalid-transition")
    {
        if (IsFinal) throw new DomainRuleViolation(rule, $"Cannot {action}: the declaration is {Status}.");
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
