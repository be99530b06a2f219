using System.Text.Json;
using TradeChain.Domain;

namespace TradeChain.Payments.Domain.Credits;

public enum CreditStatus { Applied, Issued, Advised, Closed, Refunded }

/// <summary>Returned: refused, and the beneficiary presented anew instead of waiting for a waiver (the documents go back).</summary>
public enum PresentationStatus { Verifying, Complying, Discrepant, Refused, Waived, Accepted, Settled, Returned }

/// <summary>A proposed change to the terms: binding on the beneficiary only once it accepts (UCP 600 art. 10).</summary>
public sealed record Amendment(int Number, CreditTerms Terms, string Reason, string Status, long ProposedAtUnixMs, long? DecidedAtUnixMs);

/// <summary>One presentation of documents under the credit, its examination, and what became of it.</summary>
public sealed record Presentation(
    int Number,
    Guid Id,
    IReadOnlyList<string> DocumentHashes,
    DateOnly PresentedOn,
    PresentationStatus Status,
    IReadOnlyList<Discrepancy> Discrepancies,
    decimal AmountClaimed,
    DateOnly? ExaminationDeadline,
    string? RefusalNotice,
    string? SettlementTransactionHash,
    long? SettledAtUnixMs);

/// <summary>
/// An irrevocable documentary credit under UCP 600: applied for by the importer (applicant), issued by its bank — with
/// the amount locked in on-chain escrow — advised to the exporter (beneficiary) by the advising bank, amended with the
/// beneficiary's consent, drawn by presentations that are examined automatically against the terms, refused with one
/// notice of every discrepancy, waived by the applicant, accepted and settled from escrow; refunded to the applicant at
/// expiry or on a cancellation the beneficiary agreed to.
/// </summary>
public sealed class DocumentaryCredit : Aggregate
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private DocumentaryCredit() { }

    public Guid Id { get; private set; }

    /// <summary>The credit number the banks use, e.g. "LC-VCB-20261125-4821".</summary>
    public string Number { get; private set; } = "";

    public string ApplicantParty { get; private set; } = "";

    public string BeneficiaryParty { get; private set; } = "";

    public string IssuingBankParty { get; private set; } = "";

    public string? AdvisingBankParty { get; private set; }

    public string TermsJson { get; private set; } = "";

    public string AmendmentsJson { get; private set; } = "[]";

    public string PresentationsJson { get; private set; } = "[]";

    /// <summary>When set, the escrow pays only after customs attests the release of this declaration's goods.</summary>
    public Guid? CustomsDeclarationId { get; private set; }

    public CreditStatus Status { get; private set; }

    public decimal Drawn { get; private set; }

    public string? EscrowTransactionHash { get; private set; }

    public string? RefundTransactionHash { get; private set; }

    public bool BeneficiaryConsentedToCancel { get; private set; }

    public long AppliedAtUnixMs { get; private set; }

    public override string AggregateType => "credit";

    public override string AggregateKey => Id.ToString();

    public CreditTerms Terms => JsonSerializer.Deserialize<CreditTerms>(TermsJson, Json)!;

    public IReadOnlyList<Amendment> Amendments => JsonSerializer.Deserialize<List<Amendment>>(AmendmentsJson, Json)!;

    public IReadOnlyList<Presentation> Presentations => JsonSerializer.Deserialize<List<Presentation>>(PresentationsJson, Json)!;

    public bool IsParty(string party) => party == ApplicantParty || party == BeneficiaryParty || party == IssuingBankParty || party == AdvisingBankParty;

    public bool IsBank(string party) => party == IssuingBankParty || party == AdvisingBankParty;

    public static DocumentaryCredit Apply(Guid id, string number, string applicant, string beneficiary, string issuingBank, string? advisingBank,
        CreditTerms terms, Guid? customsDeclarationId, string actor, DateTimeOffset at)
    {
        var credit = new DocumentaryCredit
        {
            Id = id, Number = number, ApplicantParty = applicant, BeneficiaryParty = beneficiary, IssuingBankParty = issuingBank,
            AdvisingBankParty = advisingBank, TermsJson = JsonSerializer.Serialize(terms, Json), CustomsDeclarationId = customsDeclarationId,
            Status = CreditStatus.Applied, AppliedAtUnixMs = at.ToUnixTimeMilliseconds(),
        };
        credit.RecordTransition("new", nameof(CreditStatus.Applied), actor,
            $"{applicant} applied to {issuingBank} for a credit of {terms.Amount} {terms.Currency} in favour of {beneficiary}, expiring {terms.ExpiryDate:yyyy-MM-dd}", null, at);
        return credit;
    }

    /// <summary>The issuing bank issued the credit: its amount is now locked in escrow (transaction <paramref name="escrowTransaction"/>).</summary>
    public void Issue(string bank, string escrowTransaction, string actor, DateTimeOffset at)
    {
        Require(CreditStatus.Applied, "issue");
        if (bank != IssuingBankParty) throw new DomainRuleViolation("issuing-bank-only", $"Only {IssuingBankParty}, the issuing bank the applicant chose, may issue this credit.");
        Status = CreditStatus.Issued;
        EscrowTransactionHash = escrowTransaction;
        RecordTransition(nameof(CreditStatus.Applied), nameof(CreditStatus.Issued), actor,
            $"issued; {Terms.Amount} {Terms.Currency} locked in escrow (tx {escrowTransaction})", null, at);
    }

    public void Advise(string bank, string actor, DateTimeOffset at)
    {
        Require(CreditStatus.Issued, "advise");
        if (bank != AdvisingBankParty) throw new DomainRuleViolation("advising-bank-only", $"Only {AdvisingBankParty ?? "an advising bank named in the credit"} may advise it.");
        Status = CreditStatus.Advised;
        RecordTransition(nameof(CreditStatus.Issued), nameof(CreditStatus.Advised), actor, $"advised to {BeneficiaryParty} by {bank}", null, at);
    }

    public Amendment ProposeAmendment(CreditTerms terms, string reason, string actor, DateTimeOffset at)
    {
        RequireOpen("amend");
        var amendments = Amendments.ToList();
        if (amendments.Any(a => a.Status == "proposed"))
            throw new DomainRuleViolation("one-amendment-at-a-time", "An earlier amendment awaits the beneficiary's acceptance or rejection.");
        if (terms.Amount < Drawn) throw new DomainRuleViolation("amount-below-drawn", $"The amount cannot fall below the {Drawn} {Terms.Currency} already drawn.");
        var amendment = new Amendment(amendments.Count + 1, terms, reason, "proposed", at.ToUnixTimeMilliseconds(), null);
        amendments.Add(amendment);
        AmendmentsJson = JsonSerializer.Serialize(amendments, Json);
        RecordTransition(Status.ToString(), Status.ToString(), actor, $"amendment {amendment.Number} proposed: {reason}", null, at);
        return amendment;
    }

    /// <summary>The beneficiary accepts (the terms change) or rejects (they stay) the pending amendment.</summary>
    public Amendment DecideAmendment(int number, bool accept, string actor, DateTimeOffset at)
    {
        RequireOpen("decide an amendment of");
        var amendments = Amendments.ToList();
        var index = amendments.FindIndex(a => a.Number == number);
        if (index < 0 || amendments[index].Status != "proposed")
            throw new DomainRuleViolation("no-such-amendment", $"Amendment {number} is not awaiting a decision.");
        var decided = amendments[index] with { Status = accept ? "accepted" : "rejected", DecidedAtUnixMs = at.ToUnixTimeMilliseconds() };
        amendments[index] = decided;
        AmendmentsJson = JsonSerializer.Serialize(amendments, Json);
        if (accept) TermsJson = JsonSerializer.Serialize(decided.Terms, Json);
        RecordTransition(Status.ToString(), Status.ToString(), actor, $"amendment {number} {decided.Status} by the beneficiary", null, at);
        return decided;
    }

    public Presentation Present(Guid presentationId, IReadOnlyList<string> hashes, DateOnly presentedOn, string actor, DateTimeOffset at)
    {
        RequireOpen("present documents under");
        var lastDay = BankingCalendar.NextBankingDay(Terms.ExpiryDate, Terms.ExpiryPlaceCountry);
        if (presentedOn > lastDay)
            throw new DomainRuleViolation("credit-expired", $"The credit expired on {Terms.ExpiryDate:yyyy-MM-dd} (the last day for presentation was {lastDay:yyyy-MM-dd}, UCP 600 art. 6d, 29a).");
        var presentations = Presentations.ToList();
        if (presentations.Any(IsOpen))
            throw new DomainRuleViolation("presentation-open", "An earlier presentation is still being examined or settled.");
        // A refused presentation whose discrepancies were not waived: the beneficiary presents anew, the documents go back.
        for (var i = 0; i < presentations.Count; i++)
            if (presentations[i].Status == PresentationStatus.Refused) presentations[i] = presentations[i] with { Status = PresentationStatus.Returned };
        var presentation = new Presentation(presentations.Count + 1, presentationId, hashes, presentedOn, PresentationStatus.Verifying, [], 0, null, null, null, null);
        presentations.Add(presentation);
        PresentationsJson = JsonSerializer.Serialize(presentations, Json);
        RecordTransition(Status.ToString(), Status.ToString(), actor,
            $"presentation {presentation.Number}: {hashes.Count} document(s) presented on {presentedOn:yyyy-MM-dd}; verification requested", null, at);
        return presentation;
    }

    /// <summary>The automatic examination's result: complying, or discrepant with every discrepancy.</summary>
    public Presentation RecordExamination(Guid presentationId, ExaminationResult result, string actor, DateTimeOffset at)
    {
        var presentation = Update(presentationId, PresentationStatus.Verifying, "record an examination of", p => p with
        {
            Status = result.Complying ? PresentationStatus.Complying : PresentationStatus.Discrepant,
            Discrepancies = result.Discrepancies, AmountClaimed = result.AmountClaimed, ExaminationDeadline = result.ExaminationDeadline,
        });
        RecordTransition(Status.ToString(), Status.ToString(), actor, result.Complying
            ? $"presentation {presentation.Number} complies; {result.AmountClaimed} {Terms.Currency} claimed; examination deadline {result.ExaminationDeadline:yyyy-MM-dd}"
            : $"presentation {presentation.Number} has {result.Discrepancies.Count} discrepancies; examination deadline {result.ExaminationDeadline:yyyy-MM-dd}", null, at);
        return presentation;
    }

    /// <summary>
    /// The issuing bank refuses a discrepant presentation with ONE notice stating every discrepancy, holding the documents
    /// pending the applicant's waiver (UCP 600 art. 16c). After the fifth banking day it is precluded (art. 16f).
    /// </summary>
    public Presentation Refuse(Guid presentationId, string bank, DateOnly today, string actor, DateTimeOffset at)
    {
        RequireBank(bank, IssuingBankParty, "refuse");
        var current = Find(presentationId);
        if (current.ExaminationDeadline is { } deadline && today > deadline)
            throw new DomainRuleViolation("examination-period-over",
                $"The examination period ended on {deadline:yyyy-MM-dd}: the bank is precluded from claiming that the documents do not comply (UCP 600 art. 16f).");
        var notice = $"REFUSAL NOTICE — credit {Number}, presentation {current.Number}: we refuse to honour. Discrepancies: "
                     + string.Join("; ", current.Discrepancies.Select((d, i) => $"({i + 1}) {d.Detail} [{d.Rule}]"))
                     + ". We are holding the documents pending a waiver from the applicant (UCP 600 art. 16(c)(iii)(b)).";
        var presentation = Update(presentationId, PresentationStatus.Discrepant, "refuse", p => p with { Status = PresentationStatus.Refused, RefusalNotice = notice });
        RecordTransition(Status.ToString(), Status.ToString(), actor, $"presentation {presentation.Number} refused: {current.Discrepancies.Count} discrepancies in one notice", null, at);
        return presentation;
    }

    /// <summary>The applicant waives the discrepancies (UCP 600 art. 16b).</summary>
    public Presentation Waive(Guid presentationId, string applicant, string actor, DateTimeOffset at)
    {
        if (applicant != ApplicantParty) throw new DomainRuleViolation("applicant-only", $"Only the applicant {ApplicantParty} may waive discrepancies.");
        var presentation = Update(presentationId, PresentationStatus.Refused, "waive the discrepancies of", p => p with { Status = PresentationStatus.Waived });
        RecordTransition(Status.ToString(), Status.ToString(), actor, $"the applicant waived the discrepancies of presentation {presentation.Number}", null, at);
        return presentation;
    }

    /// <summary>
    /// The issuing bank honours a complying presentation, one whose discrepancies the applicant waived, or a discrepant
    /// one it did not refuse within the examination period (precluded from refusing, UCP 600 art. 16f).
    /// </summary>
    public Presentation Accept(Guid presentationId, string bank, DateOnly today, string actor, DateTimeOffset at)
    {
        RequireBank(bank, IssuingBankParty, "accept");
        RequireOpen("accept a presentation under");
        var current = Find(presentationId);
        var precluded = current.Status == PresentationStatus.Discrepant && current.ExaminationDeadline is { } deadline && today > deadline;
        if (current.Status is not (PresentationStatus.Complying or PresentationStatus.Waived) && !precluded)
            throw new DomainRuleViolation("not-acceptable",
                $"Presentation {current.Number} is {current.Status}: only a complying presentation, one whose discrepancies the applicant waived, or one not refused within the examination period is accepted.");
        var available = Terms.MaximumAmount - Drawn;
        if (current.AmountClaimed <= 0 || current.AmountClaimed > available)
            throw new DomainRuleViolation("cannot-pay",
                $"Presentation {current.Number} claims {current.AmountClaimed} {Terms.Currency}; the credit can pay more than 0 and at most {available} (with tolerance, less what was drawn).");
        var presentation = Update(presentationId, current.Status, "accept", p => p with { Status = PresentationStatus.Accepted });
        RecordTransition(Status.ToString(), Status.ToString(), actor, $"presentation {presentation.Number} accepted: {presentation.AmountClaimed} {Terms.Currency} to be paid", null, at);
        return presentation;
    }

    /// <summary>The escrow paid the beneficiary (transaction <paramref name="transaction"/>).</summary>
    public Presentation Settle(Guid presentationId, string transaction, string actor, DateTimeOffset at)
    {
        var current = Find(presentationId);
        if (current.Status != PresentationStatus.Accepted) throw new DomainRuleViolation("not-accepted", $"Presentation {current.Number} is {current.Status}, not Accepted.");
        var presentation = Update(presentationId, PresentationStatus.Accepted, "settle",
            p => p with { Status = PresentationStatus.Settled, SettlementTransactionHash = transaction, SettledAtUnixMs = at.ToUnixTimeMilliseconds() });
        Drawn += presentation.AmountClaimed;
        var from = Status;
        // Fully drawn: the escrow has paid out everything and is closed too. Otherwise the rest stays available until
        // expiry (or an agreed cancellation), when the issuing bank refunds it to the applicant.
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
        RecordTransition(Status.ToString(), Status.ToString(), actor, "the beneficiary agreed to cancel the credit", null, at);
    }

    /// <summary>The unused balance returned to the applicant from escrow: after expiry, or on an agreed cancellation.</summary>
    public void Refund(string bank, string transaction, DateOnly today, string actor, DateTimeOffset at)
    {
        EnsureRefundable(bank, today);
        // After the escrow's expiry nothing can be paid any more: presentations still open are returned unpaid.
        PresentationsJson = JsonSerializer.Serialize(Presentations.Select(p => IsOpen(p) ? p with { Status = PresentationStatus.Returned } : p).ToList(), Json);
        var from = Status;
        Status = CreditStatus.Refunded;
        RefundTransactionHash = transaction;
        RecordTransition(from.ToString(), Status.ToString(), actor, $"{Terms.Amount - Drawn} {Terms.Currency} returned from escrow to {ApplicantParty} (tx {transaction})", null, at);
    }

    /// <summary>Throws unless <paramref name="bank"/> may refund the credit <paramref name="today"/>.</summary>
    public void EnsureRefundable(string bank, DateOnly today)
    {
        RequireBank(bank, IssuingBankParty, "refund");
        RequireOpen("refund");
        if (today <= Terms.EscrowExpiry && Presentations.FirstOrDefault(IsOpen) is { } open)
            throw new DomainRuleViolation("presentation-open", $"Presentation {open.Number} is {open.Status}: it must be settled or refused before the credit is refunded.");
        if (today <= Terms.EscrowExpiry && !BeneficiaryConsentedToCancel)
            throw new DomainRuleViolation("credit-not-expired",
                $"The credit expires on {Terms.ExpiryDate:yyyy-MM-dd}; the escrow holds the funds until {Terms.EscrowExpiry:yyyy-MM-dd} (a presentation on the last day, extended over non-banking days, and five banking days to examine it). Before then it is refunded only if the beneficiary agrees to cancel it.");
    }

    public Presentation Find(Guid presentationId) =>
        Presentations.SingleOrDefault(p => p.Id == presentationId) ?? throw new DomainRuleViolation("no-such-presentation", $"Credit {Number} has no presentation {presentationId}.");

    private Presentation Update(Guid presentationId, PresentationStatus expected, string what, Func<Presentation, Presentation> change)
    {
        var presentations = Presentations.ToList();
        var index = presentations.FindIndex(p => p.Id == presentationId);
        if (index < 0) throw new DomainRuleViolation("no-such-presentation", $"Credit {Number} has no presentation {presentationId}.");
        if (presentations[index].Status != expected)
            throw new DomainRuleViolation("invalid-transition", $"Cannot {what} presentation {presentations[index].Number}: it is {presentations[index].Status}, not {expected}.");
        presentations[index] = change(presentations[index]);
        PresentationsJson = JsonSerializer.Serialize(presentations, Json);
        return presentations[index];
    }

    private static bool IsOpen(Presentation p) =>
        p.Status is PresentationStatus.Verifying or PresentationStatus.Complying or PresentationStatus.Discrepant or PresentationStatus.Waived or PresentationStatus.Accepted;

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
