using TradeChain.Domain;

namespace TradeChain.Payments.Domain.Credits;

public enum CreditStatus { Applied, Issued, Advised, Closed, Refunded }

/// <summary>The beneficiary presented documents: the documents service is asked to verify them (each verdict carrying the document's data).</summary>
public sealed record DocumentsPresented(Guid PresentationId, string PresenterParty, IReadOnlyList<string> DocumentHashes) : IDomainEvent;

/// <summary>
/// An accepted amendment moves the escrow from what it held (<paramref name="From"/>, the old maximum amount) to the new
/// maximum amount (<paramref name="To"/>). A decrease binds the escrow only with the beneficiary's own approval on chain,
/// given first: an irrevocable credit is never cut without it (UCP 600 art. 10a).
/// </summary>
public sealed record EscrowAdjustment(decimal From, decimal To)
{
    /// <summary>True when the escrow shrinks: the difference returns to the applicant, and the beneficiary approves first.</summary>
    public bool IsDecrease => To < From;

    public bool NeedsBeneficiaryApproval => IsDecrease;

    /// <summary>How much moves: into escrow from the applicant, or back to it.</summary>
    public decimal Difference => Math.Abs(From - To);
}

/// <summary>
/// An irrevocable documentary credit under UCP 600: applied for by the importer (applicant), issued by its bank — with
/// the amount locked in on-chain escrow — advised to the exporter (beneficiary) by the advising bank, amended with the
/// beneficiary's consent, drawn by presentations that are examined automatically against the terms, refused with one
/// notice of every discrepancy, waived by the applicant, accepted and settled from escrow; refunded to the applicant at
/// expiry or on a cancellation the beneficiary agreed to. Every rule of who may do what, and when, is here; the steps
/// that move money are checked first (<c>Ensure…</c>), then done on chain, then recorded with their transaction.
/// </summary>
public sealed class DocumentaryCredit : Aggregate
{
    /// <summary>A presentation's transitions are logged under this type and the presentation's id.</summary>
    public const string PresentationAggregateType = "presentation";

    private readonly List<Amendment> _amendments = [];
    private readonly List<Presentation> _presentations = [];

    private DocumentaryCredit() { }

    public Guid Id { get; private set; }

    /// <summary>The credit number the banks use: "LC", the application date (yyMMdd) and ten hex digits, e.g. "LC261125A1B2C3D4E5".</summary>
    public string Number { get; private set; } = "";

    public string ApplicantParty { get; private set; } = "";

    public string BeneficiaryParty { get; private set; } = "";

    public string IssuingBankParty { get; private set; } = "";

    public string? AdvisingBankParty { get; private set; }

    /// <summary>The terms in force: as issued, or as last amended with the beneficiary's acceptance.</summary>
    public CreditTerms Terms { get; private set; } = null!;

    /// <summary>When set, the escrow pays only after customs attests the release of this declaration's goods.</summary>
    public Guid? CustomsDeclarationId { get; private set; }

    public CreditStatus Status { get; private set; }

    public decimal Drawn { get; private set; }

    public string? EscrowTransactionHash { get; private set; }

    public string? RefundTransactionHash { get; private set; }

    public bool BeneficiaryConsentedToCancel { get; private set; }

    public long AppliedAtUnixMs { get; private set; }

    /// <summary>Changes with every change of the credit or of one of its parts: two concurrent changes cannot both be saved.</summary>
    public int Revision { get; private set; }

    /// <summary>The credit's kind of record in the transition log.</summary>
    public const string RecordType = "credit";

    public override string AggregateType => RecordType;

    public override string AggregateKey => Id.ToString();

    public IReadOnlyList<Amendment> Amendments => [.. _amendments.OrderBy(a => a.Number)];

    public IReadOnlyList<Presentation> Presentations => [.. _presentations.OrderBy(p => p.Number)];

    public bool IsParty(string party) => party == ApplicantParty || party == BeneficiaryParty || party == IssuingBankParty || party == AdvisingBankParty;

    public bool IsBank(string party) => party == IssuingBankParty || party == AdvisingBankParty;

    /// <summary>
    /// The rules of the parties an application names, field by field: the beneficiary is another party than the
    /// applicant, and the advising bank another than the issuing bank.
    /// </summary>
    public static IReadOnlyList<TermsError> PartyErrors(string applicant, string beneficiary, string issuingBank, string? advisingBank)
    {
        var errors = new List<TermsError>();
        if (advisingBank is not null && advisingBank == issuingBank) errors.Add(new("advisingBank", "must differ from the issuing bank"));
        if (beneficiary == applicant) errors.Add(new("beneficiary", "must be another party than the applicant"));
        return errors;
    }

    /// <summary>
    /// The applicant applies for a credit: its parties keep to <see cref="PartyErrors"/> and its terms to theirs
    /// (<see cref="CreditTerms.Errors"/>), or the application is refused.
    /// </summary>
    public static DocumentaryCredit Apply(Guid id, string number, string applicant, string beneficiary, string issuingBank, string? advisingBank,
        CreditTerms terms, Guid? customsDeclarationId, string actor, DateTimeOffset at)
    {
        if (PartyErrors(applicant, beneficiary, issuingBank, advisingBank).Concat(terms.Errors(DateOnly.FromDateTime(at.UtcDateTime))).ToList() is [var first, ..] errors)
            throw new DomainRuleViolation("invalid-application", $"The application breaks {errors.Count} rule(s), first: {first.Field} {first.Rule}.");
        var credit = new DocumentaryCredit
        {
            Id = id, Number = number, ApplicantParty = applicant, BeneficiaryParty = beneficiary, IssuingBankParty = issuingBank,
            AdvisingBankParty = advisingBank, Terms = terms, CustomsDeclarationId = customsDeclarationId,
            Status = CreditStatus.Applied, AppliedAtUnixMs = at.ToUnixTimeMilliseconds(),
        };
        credit.RecordTransition("new", nameof(CreditStatus.Applied), actor,
            $"{applicant} applied to {issuingBank} for a credit of {terms.Amount} {terms.Currency} in favour of {beneficiary}, expiring {terms.ExpiryDate:yyyy-MM-dd}", null, at);
        return credit;
    }

    /// <summary>Throws unless <paramref name="bank"/> may issue the credit: only the issuing bank the applicant chose, once.</summary>
    public void EnsureIssuable(string bank)
    {
        if (bank != IssuingBankParty) throw new DomainRuleViolation("issuing-bank-only", $"Only {IssuingBankParty}, the issuing bank the applicant chose, may issue this credit.");
        Require(CreditStatus.Applied, "issue");
    }

    /// <summary>
    /// The issuing bank issued the credit: all that may be drawn — the amount with its tolerance,
    /// <see cref="CreditTerms.MaximumAmount"/> — is now locked in escrow (transaction <paramref name="escrowTransaction"/>).
    /// </summary>
    public void Issue(string bank, string escrowTransaction, string actor, DateTimeOffset at)
    {
        EnsureIssuable(bank);
        Status = CreditStatus.Issued;
        EscrowTransactionHash = escrowTransaction;
        Changed();
        RecordTransition(nameof(CreditStatus.Applied), nameof(CreditStatus.Issued), actor,
            $"issued; {Terms.MaximumAmount} {Terms.Currency} (the amount {Terms.Amount} with its tolerance) locked in escrow (tx {escrowTransaction})", null, at);
    }

    public void Advise(string bank, string actor, DateTimeOffset at)
    {
        Require(CreditStatus.Issued, "advise");
        if (bank != AdvisingBankParty) throw new DomainRuleViolation("advising-bank-only", $"Only {AdvisingBankParty ?? "an advising bank named in the credit"} may advise it.");
        Status = CreditStatus.Advised;
        Changed();
        RecordTransition(nameof(CreditStatus.Issued), nameof(CreditStatus.Advised), actor, $"advised to {BeneficiaryParty} by {bank}", null, at);
    }

    /// <summary>Throws unless <paramref name="bank"/> may propose an amendment now: the issuing bank, of an open credit.</summary>
    private void EnsureAmendableBy(string bank)
    {
        RequireBank(bank, IssuingBankParty, "amend this credit");
        RequireOpen("amend");
    }

    /// <summary>
    /// The issuing bank proposes new terms (UCP 600 art. 10): the fields of <paramref name="change"/> that are set replace
    /// the credit's, and the result must keep to the terms' rules (<see cref="CreditTerms.Create"/>: the currency and the
    /// expiry date stay). One amendment waits at a time, and nothing already drawn is taken back.
    /// </summary>
    /// <returns>The terms' errors, field by field; when there are any, nothing is proposed.</returns>
    public IReadOnlyList<TermsError> ProposeAmendment(string bank, ProposedTerms change, string reason, string actor, DateTimeOffset at)
    {
        EnsureAmendableBy(bank);
        var terms = CreditTerms.Create(change, Terms, DateOnly.FromDateTime(at.UtcDateTime), out var errors);
        if (errors.Count > 0) return errors;
        if (_amendments.Any(a => a.Status == AmendmentStatus.Proposed))
            throw new DomainRuleViolation("one-amendment-at-a-time", "An earlier amendment awaits the beneficiary's acceptance or rejection.");
        if (terms.Amount < Drawn) throw new DomainRuleViolation("amount-below-drawn", $"The amount cannot fall below the {Drawn} {Terms.Currency} already drawn.");
        var amendment = new Amendment(_amendments.Count + 1, terms, reason, at);
        _amendments.Add(amendment);
        Changed();
        RecordTransition(Status.ToString(), Status.ToString(), actor, $"amendment {amendment.Number} proposed: {reason}", null, at);
        return [];
    }

    /// <summary>
    /// The beneficiary accepts (the terms change) or rejects (they stay) the pending amendment (UCP 600 art. 10b).
    /// </summary>
    /// <returns>How the escrow must follow the accepted terms; null when it holds what it held (rejected, or the same maximum amount).</returns>
    public EscrowAdjustment? DecideAmendment(int number, bool accept, string beneficiary, string actor, DateTimeOffset at)
    {
        if (beneficiary != BeneficiaryParty) throw new DomainRuleViolation("beneficiary-only", "Only the beneficiary accepts or rejects an amendment (UCP 600 art. 10b).");
        RequireOpen("decide an amendment of");
        var amendment = _amendments.SingleOrDefault(a => a.Number == number);
        if (amendment is not { Status: AmendmentStatus.Proposed })
            throw new DomainRuleViolation("no-such-amendment", $"Amendment {number} is not awaiting a decision.");
        var before = Terms;
        amendment.Decide(accept, at);
        if (accept) Terms = amendment.Terms;
        Changed();
        RecordTransition(Status.ToString(), Status.ToString(), actor, $"amendment {number} {(accept ? "accepted" : "rejected")} by the beneficiary", null, at);
        return Terms.MaximumAmount == before.MaximumAmount ? null : new EscrowAdjustment(before.MaximumAmount, Terms.MaximumAmount);
    }

    /// <summary>
    /// The beneficiary presents documents, on or before the last day for presentation (the expiry date, extended to the
    /// next banking day, UCP 600 art. 6d, 29a), once every earlier presentation is settled, returned or refused — a
    /// refused one is returned now. Its documents go to the documents service for verification.
    /// </summary>
    public Presentation Present(Guid presentationId, string beneficiary, IReadOnlyList<string> hashes, DateOnly presentedOn, string actor, DateTimeOffset at)
    {
        if (beneficiary != BeneficiaryParty) throw new DomainRuleViolation("beneficiary-only", "Only the beneficiary presents documents under the credit.");
        RequireOpen("present documents under");
        var lastDay = BankingCalendar.NextBankingDay(Terms.ExpiryDate, Terms.ExpiryPlaceCountry);
        if (presentedOn > lastDay)
            throw new DomainRuleViolation("credit-expired", $"The credit expired on {Terms.ExpiryDate:yyyy-MM-dd} (the last day for presentation was {lastDay:yyyy-MM-dd}, UCP 600 art. 6d, 29a).");
        if (_presentations.Any(p => p.IsOpen))
            throw new DomainRuleViolation("presentation-open", "An earlier presentation is still being examined or settled.");
        foreach (var refused in _presentations.Where(p => p.Status == PresentationStatus.Refused).ToList())
            Move(refused, PresentationStatus.Returned, actor, $"presentation {refused.Number} returned: refused and not waived, the beneficiary presented anew", at);
        var presentation = new Presentation(presentationId, _presentations.Count + 1, hashes, presentedOn);
        _presentations.Add(presentation);
        presentation.MoveTo(PresentationStatus.Presented);
        Record(presentation, "new", actor,
            $"presentation {presentation.Number} under credit {Number}: {hashes.Count} document(s) presented on {presentedOn:yyyy-MM-dd}", at);
        Move(presentation, PresentationStatus.Verifying, actor, $"presentation {presentation.Number}: verification of its documents requested", at);
        Raise(new DocumentsPresented(presentation.Id, BeneficiaryParty, [.. presentation.DocumentHashes]));
        return presentation;
    }

    /// <summary>
    /// The documents service verified the presentation's documents: examine them against the terms under UCP 600 and
    /// record every discrepancy at once. A claim finer than the currency's smallest unit (or the token's cents) cannot be
    /// paid as stated and is a discrepancy too.
    /// </summary>
    /// <returns>False when the presentation was examined already (a repeated verdict changes nothing).</returns>
    public bool Examine(Guid presentationId, IReadOnlyList<PresentedDocument> documents, string actor, DateTimeOffset at)
    {
        var presentation = Find(presentationId);
        if (presentation.Status != PresentationStatus.Verifying) return false;
        var earlier = _presentations.Count(p => p.Status == PresentationStatus.Settled);
        var result = Ucp600Examiner.Examine(Terms, new PresentationInput(presentation.PresentedOn, documents, Drawn, earlier));
        var decimals = CreditTerms.Decimals(Terms.Currency);
        if (decimal.Round(result.AmountClaimed, decimals) != result.AmountClaimed)
            result = result with
            {
                Complying = false,
                Discrepancies = [.. result.Discrepancies, new Discrepancy("amount-precision", Ucp600Examiner.CommercialInvoice, "totalAmount",
                    "UCP 600 art. 18(b) (the invoice amount is the amount drawn)",
                    $"the invoice total {result.AmountClaimed} has more than the {decimals} decimals of {Terms.Currency}: it cannot be paid as stated")],
            };
        RecordExamination(presentationId, result, actor, at);
        return true;
    }

    /// <summary>The automatic examination's result: complying, or discrepant with every discrepancy (only through <see cref="Examine"/>).</summary>
    private void RecordExamination(Guid presentationId, ExaminationResult result, string actor, DateTimeOffset at)
    {
        var presentation = Expect(presentationId, PresentationStatus.Verifying, "record an examination of");
        presentation.Examined(result);
        Move(presentation, result.Complying ? PresentationStatus.Complying : PresentationStatus.Discrepant, actor, result.Complying
            ? $"presentation {presentation.Number} complies; {result.AmountClaimed} {Terms.Currency} claimed; examination deadline {result.ExaminationDeadline:yyyy-MM-dd}"
            : $"presentation {presentation.Number} has {result.Discrepancies.Count} discrepancies; examination deadline {result.ExaminationDeadline:yyyy-MM-dd}", at);
    }

    /// <summary>
    /// The issuing bank refuses a discrepant presentation with ONE notice stating every discrepancy, holding the documents
    /// pending the applicant's waiver (UCP 600 art. 16c). After the fifth banking day it is precluded (art. 16f).
    /// </summary>
    public Presentation Refuse(Guid presentationId, string bank, DateOnly today, string actor, DateTimeOffset at)
    {
        RequireBank(bank, IssuingBankParty, "refuse");
        var current = Find(presentationId);
        if (current.ExaminationPeriodOverOn(today))
            throw new DomainRuleViolation("examination-period-over",
                $"The examination period ended on {current.ExaminationDeadline:yyyy-MM-dd}: the bank is precluded from claiming that the documents do not comply (UCP 600 art. 16f).");
        var presentation = Expect(presentationId, PresentationStatus.Discrepant, "refuse");
        presentation.RefusedWith($"REFUSAL NOTICE — credit {Number}, presentation {presentation.Number}: we refuse to honour. Discrepancies: "
                                 + string.Join("; ", presentation.Discrepancies.Select((d, i) => $"({i + 1}) {d.Detail} [{d.Rule}]"))
                                 + ". We are holding the documents pending a waiver from the applicant (UCP 600 art. 16(c)(iii)(b)).");
        Move(presentation, PresentationStatus.Refused, actor, $"presentation {presentation.Number} refused: {presentation.Discrepancies.Count} discrepancies in one notice", at);
        return presentation;
    }

    /// <summary>The applicant waives the discrepancies (UCP 600 art. 16b).</summary>
    public Presentation Waive(Guid presentationId, string applicant, string actor, DateTimeOffset at)
    {
        if (applicant != ApplicantParty) throw new DomainRuleViolation("applicant-only", $"Only the applicant {ApplicantParty} may waive discrepancies.");
        var presentation = Expect(presentationId, PresentationStatus.Refused, "waive the discrepancies of");
        Move(presentation, PresentationStatus.Waived, actor, $"the applicant waived the discrepancies of presentation {presentation.Number}", at);
        return presentation;
    }

    /// <summary>
    /// The issuing bank honours a complying presentation, one whose discrepancies the applicant waived, or a discrepant
    /// one it did not refuse within the examination period (precluded from refusing, UCP 600 art. 16f) — never more than
    /// the escrow can still pay.
    /// </summary>
    public Presentation Accept(Guid presentationId, string bank, DateOnly today, string actor, DateTimeOffset at)
    {
        RequireBank(bank, IssuingBankParty, "accept");
        RequireOpen("accept a presentation under");
        var current = Find(presentationId);
        var precluded = current.Status == PresentationStatus.Discrepant && current.ExaminationPeriodOverOn(today);
        if (current.Status is not (PresentationStatus.Complying or PresentationStatus.Waived) && !precluded)
            throw new DomainRuleViolation("not-acceptable",
                $"Presentation {current.Number} is {current.Status}: only a complying presentation, one whose discrepancies the applicant waived, or one not refused within the examination period is accepted.");
        var available = Terms.MaximumAmount - Drawn;
        if (current.AmountClaimed <= 0 || current.AmountClaimed > available)
            throw new DomainRuleViolation("cannot-pay",
                $"Presentation {current.Number} claims {current.AmountClaimed} {Terms.Currency}; the credit can pay more than 0 and at most {available} (with tolerance, less what was drawn).");
        Move(current, PresentationStatus.Accepted, actor, $"presentation {current.Number} accepted: {current.AmountClaimed} {Terms.Currency} to be paid", at);
        return current;
    }

    /// <summary>
    /// Throws unless <paramref name="bank"/> may pay the presentation from escrow: the issuing or the advising bank, only
    /// an accepted presentation, once.
    /// </summary>
    public Presentation EnsureSettleable(Guid presentationId, string bank)
    {
        if (!IsBank(bank))
            throw new DomainRuleViolation("credit-bank-only", $"Only the issuing bank {IssuingBankParty} or the advising bank{(AdvisingBankParty is null ? "" : " " + AdvisingBankParty)} may settle a presentation.");
        var current = Find(presentationId);
        if (current.Status != PresentationStatus.Accepted)
            throw new DomainRuleViolation("not-accepted", $"Presentation {current.Number} is {current.Status}: only an accepted presentation is settled.");
        return current;
    }

    /// <summary>
    /// The escrow paid the beneficiary (transaction <paramref name="transaction"/>). Fully drawn, the credit is closed;
    /// otherwise the rest stays available until expiry (or an agreed cancellation), when it is refunded to the applicant.
    /// </summary>
    public Presentation Settle(Guid presentationId, string bank, string transaction, string actor, DateTimeOffset at)
    {
        var presentation = EnsureSettleable(presentationId, bank);
        presentation.Paid(transaction, at);
        Move(presentation, PresentationStatus.Settled, actor,
            $"presentation {presentation.Number} settled: {presentation.AmountClaimed} {Terms.Currency} released from escrow to {BeneficiaryParty} (tx {transaction})", at);
        Drawn += presentation.AmountClaimed;
        var from = Status;
        if (Drawn >= Terms.MaximumAmount) Status = CreditStatus.Closed;
        RecordTransition(from.ToString(), Status.ToString(), actor,
            $"presentation {presentation.Number} settled: {presentation.AmountClaimed} {Terms.Currency} released from escrow to {BeneficiaryParty} (tx {transaction}); drawn {Drawn}", null, at);
        return presentation;
    }

    public void ConsentToCancel(string beneficiary, string actor, DateTimeOffset at)
    {
        RequireOpen("consent to cancel");
        if (beneficiary != BeneficiaryParty) throw new DomainRuleViolation("beneficiary-only", "Only the beneficiary may agree to cancel an irrevocable credit (UCP 600 art. 10a).");
        BeneficiaryConsentedToCancel = true;
        Changed();
        RecordTransition(Status.ToString(), Status.ToString(), actor, "the beneficiary agreed to cancel the credit", null, at);
    }

    /// <summary>Throws unless <paramref name="bank"/> may refund the credit <paramref name="today"/>: the issuing bank, after expiry or on an agreed cancellation.</summary>
    public void EnsureRefundable(string bank, DateOnly today)
    {
        RequireBank(bank, IssuingBankParty, "refund");
        RequireOpen("refund");
        if (today <= Terms.EscrowExpiry && _presentations.Where(p => p.IsOpen).MinBy(p => p.Number) is { } open)
            throw new DomainRuleViolation("presentation-open", $"Presentation {open.Number} is {open.Status}: it must be settled or refused before the credit is refunded.");
        if (today <= Terms.EscrowExpiry && !BeneficiaryConsentedToCancel)
            throw new DomainRuleViolation("credit-not-expired",
                $"The credit expires on {Terms.ExpiryDate:yyyy-MM-dd}; the escrow holds the funds until {Terms.EscrowExpiry:yyyy-MM-dd} (a presentation on the last day, extended over non-banking days, and five banking days to examine it). Before then it is refunded only if the beneficiary agrees to cancel it.");
    }

    /// <summary>The unused balance returned to the applicant from escrow: after expiry, or on an agreed cancellation.</summary>
    public void Refund(string bank, string transaction, DateOnly today, string actor, DateTimeOffset at)
    {
        EnsureRefundable(bank, today);
        // After the escrow's expiry nothing can be paid any more: presentations still open are returned unpaid.
        foreach (var open in _presentations.Where(p => p.IsOpen).ToList())
            Move(open, PresentationStatus.Returned, actor, $"presentation {open.Number} returned unpaid: the credit was refunded", at);
        var from = Status;
        Status = CreditStatus.Refunded;
        RefundTransactionHash = transaction;
        Changed();
        RecordTransition(from.ToString(), Status.ToString(), actor, $"{Undrawn} {Terms.Currency} returned from escrow to {ApplicantParty} (tx {transaction})", null, at);
    }

    /// <summary>What the refund returns to the applicant: all the escrow holds, less what was drawn.</summary>
    public decimal Undrawn => Terms.MaximumAmount - Drawn;

    public Presentation Find(Guid presentationId) =>
        _presentations.SingleOrDefault(p => p.Id == presentationId) ?? throw new DomainRuleViolation("no-such-presentation", $"Credit {Number} has no presentation {presentationId}.");

    private Presentation Expect(Guid presentationId, PresentationStatus expected, string what)
    {
        var presentation = Find(presentationId);
        if (presentation.Status != expected)
            throw new DomainRuleViolation("invalid-transition", $"Cannot {what} presentation {presentation.Number}: it is {presentation.Status}, not {expected}.");
        return presentation;
    }

    private void Move(Presentation presentation, PresentationStatus to, string actor, string reason, DateTimeOffset at)
    {
        var from = presentation.MoveTo(to);
        Record(presentation, from.ToString(), actor, reason, at);
    }

    private void Record(Presentation presentation, string from, string actor, string reason, DateTimeOffset at)
    {
        Changed();
        RecordPartTransition(PresentationAggregateType, presentation.Id.ToString(), presentation.Version, from, presentation.Status.ToString(), actor, reason, at);
    }

    private void Changed() => Revision++;

    private void Require(CreditStatus status, string what)
    {
        if (Status != status) throw new DomainRuleViolation("invalid-transition", $"Cannot {what} the credit: it is {Status}, not {status}.");
    }

    private void RequireOpen(string what)
    {
        if (Status is not (CreditStatus.Issued or CreditStatus.Advised))
            throw new DomainRuleViolation("credit-not-open", $"Cannot {what} the credit: it is {Status}.");
    }

    private static void RequireBank(string bank, string expected, string what)
    {
        if (bank != expected) throw new DomainRuleViolation("issuing-bank-only", $"Only the issuing bank {expected} may {what}.");
    }
}
