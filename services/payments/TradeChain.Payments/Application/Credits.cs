using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TradeChain.Ledger;
using TradeChain.Ledger.Contracts.CreditEscrow;
using TradeChain.Messages;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Domain.Credits;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Payments.Application;

// A documentary credit's use cases, one class each: load the credit (as a party to it), let the credit check and take
// the step, move the money on chain where the step moves money (signed by the acting party's own account), book it in
// the ledger with its ISO 20022 messages, and save — state, transitions and outgoing messages in one transaction. The
// rules are in Domain/Credits/DocumentaryCredit.cs; the verification of presented documents arrives over the bus
// (ExaminePresentation, called by Consumers/PresentationVerifiedConsumer).

/// <summary>What every credit use case needs: the credit as the caller may see it, the clock, and saving.</summary>
public abstract class CreditUseCase(PaymentsDbContext db, TimeProvider clock)
{
    protected PaymentsDbContext Db => db;

    protected DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>Today at the bank (UTC).</summary>
    protected DateOnly Today => DateOnly.FromDateTime(Now.UtcDateTime);

    /// <summary>The credit, or null when it does not exist or the caller is not party to it (then it does not exist for it).</summary>
    protected Task<DocumentaryCredit?> LoadAsync(Guid id, Caller caller, CancellationToken ct) => CreditQueries.FindAsync(db, id, caller.Party, ct);

    /// <summary>Load → the step → save; null when the caller is not party to the credit.</summary>
    protected async Task<DocumentaryCredit?> StepAsync(Guid id, Caller caller, Func<DocumentaryCredit, Task> step, CancellationToken ct)
    {
        var credit = await LoadAsync(id, caller, ct);
        if (credit is null) return null;
        await step(credit);
        await db.SaveChangesAsync(ct);
        return credit;
    }

    protected Task<DocumentaryCredit?> StepAsync(Guid id, Caller caller, Action<DocumentaryCredit> step, CancellationToken ct) =>
        StepAsync(id, caller, credit =>
        {
            step(credit);
            return Task.CompletedTask;
        }, ct);
}

/// <summary>A credit use case that moves money through the escrow contract.</summary>
public abstract class EscrowUseCase(PaymentsDbContext db, SettlementLedger ledger, Iso20022Recorder iso, TimeProvider clock) : CreditUseCase(db, clock)
{
    protected SettlementLedger Ledger => ledger;

    protected Iso20022Recorder Iso => iso;

    /// <summary>A presentation's payment id in the escrow contract (and the issuing bank's reference for a credit).</summary>
    protected static byte[] Id32(string text) => SettlementClient.Reference(text);

    /// <summary>The credit's id in the escrow contract: its issuing bank's own (<see cref="SettlementLedger.CreditId"/>).</summary>
    protected byte[] EscrowId(DocumentaryCredit credit) => ledger.CreditId(credit.IssuingBankParty, credit.Number);

    /// <summary>The applicant's camt.054 for money locked in, or returned from, the credit's escrow.</summary>
    protected void NotifyEscrow(DocumentaryCredit credit, SettlementAccount applicant, bool isCredit, decimal amount, string endToEndId, string tx, string remittance) =>
        iso.Notify(Db, credit.Number, applicant.Party, applicant.Address, applicant.ServicingBank, isCredit, amount, credit.Terms.Currency, endToEndId,
            "Documentary credit escrow", ledger.Chain.EscrowAddress(credit.Terms.Currency), tx, remittance);
}

/// <summary>The importer (applicant) applies to its bank for a credit in favour of the exporter (beneficiary).</summary>
public sealed class ApplyForCredit(PaymentsDbContext db, TimeProvider clock) : CreditUseCase(db, clock)
{
    public async Task<DocumentaryCredit> HandleAsync(Caller applicant, string beneficiary, string issuingBank, string? advisingBank, CreditTerms terms,
        Guid? customsDeclarationId, CancellationToken ct)
    {
        var now = Now;
        // Short enough for an ISO 20022 end-to-end id with a presentation suffix (Max35Text).
        var number = $"LC{now:yyMMdd}{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(5))}";
        var credit = DocumentaryCredit.Apply(Guid.NewGuid(), number, applicant.Party, beneficiary, issuingBank, advisingBank, terms, customsDeclarationId,
            applicant.Actor, now);
        Db.Credits.Add(credit);
        await Db.SaveChangesAsync(ct);
        return credit;
    }
}

/// <summary>
/// The issuing bank issues the credit: the amount with its tolerance moves from the applicant's account into escrow
/// until the end of the day the last presentation's examination may end (UTC).
/// </summary>
public sealed class IssueCredit(PaymentsDbContext db, SettlementLedger ledger, Iso20022Recorder iso, TimeProvider clock) : EscrowUseCase(db, ledger, iso, clock)
{
    public Task<DocumentaryCredit?> HandleAsync(Guid id, Caller bank, CancellationToken ct) => StepAsync(id, bank, async credit =>
    {
        credit.EnsureIssuable(bank.Party);
        var terms = credit.Terms;
        var applicant = await Ledger.RequireAccountAsync(Db, credit.ApplicantParty, terms.Currency, "applicant", ct);
        applicant.RequireFunds(await SettlementLedger.BalanceAsync(Db, credit.ApplicantParty, terms.Currency, ct), terms.MaximumAmount,
            $"The applicant's {terms.Currency} account does not hold {terms.MaximumAmount} (the amount and its tolerance) to lock in escrow.");
        var signer = await Ledger.Wallets.ForAsync(bank.Party, ct);
        var beneficiary = Ledger.Wallets.AddressOf(credit.BeneficiaryParty);
        var advising = credit.AdvisingBankParty is { } a ? Ledger.Wallets.AddressOf(a) : null;
        var expiry = new DateTimeOffset(terms.EscrowExpiry.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero);
        var minor = LedgerEntry.ToMinor(terms.MaximumAmount);
        var receipt = await Ledger.Chain.OpenCreditAsync(signer, terms.Currency, Id32(credit.Number), applicant.Address, beneficiary, advising, minor, expiry,
            credit.CustomsDeclarationId is { } declaration ? CreditQueries.CustomsReleaseReference(declaration) : null, ct);
        // A retry after an earlier attempt opened it gets that attempt's transaction, once the escrow shows exactly these terms.
        var tx = receipt.TransactionHash;
        credit.Issue(bank.Party, tx, bank.Actor, Now);
        Ledger.BookEscrow(Db, credit.ApplicantParty, terms.Currency, -minor, LedgerEntryKind.CreditEscrow, credit.Number, tx);
        if (tx.Length > 0) NotifyEscrow(credit, applicant, isCredit: false, terms.MaximumAmount, credit.Number, tx, $"Documentary credit {credit.Number}: amount with tolerance held in escrow");
    }, ct);
}

/// <summary>The advising bank advises the credit to the beneficiary.</summary>
public sealed class AdviseCredit(PaymentsDbContext db, TimeProvider clock) : CreditUseCase(db, clock)
{
    public Task<DocumentaryCredit?> HandleAsync(Guid id, Caller bank, CancellationToken ct) =>
        StepAsync(id, bank, credit => credit.Advise(bank.Party, bank.Actor, Now), ct);
}

/// <summary>A proposed amendment: the credit after it, or the terms' errors field by field (then nothing was proposed).</summary>
public sealed record AmendmentOutcome(DocumentaryCredit Credit, IReadOnlyList<TermsError> Errors);

/// <summary>The issuing bank proposes new terms (the fields it changes); they bind only once the beneficiary accepts them.</summary>
public sealed class ProposeAmendment(PaymentsDbContext db, TimeProvider clock) : CreditUseCase(db, clock)
{
    /// <returns>Null when the caller is not party to the credit.</returns>
    public async Task<AmendmentOutcome?> HandleAsync(Guid id, Caller bank, ProposedTerms change, string reason, CancellationToken ct)
    {
        var credit = await LoadAsync(id, bank, ct);
        if (credit is null) return null;
        var errors = credit.ProposeAmendment(bank.Party, change, reason, bank.Actor, Now);
        if (errors.Count == 0) await Db.SaveChangesAsync(ct);
        return new AmendmentOutcome(credit, errors);
    }
}

/// <summary>What the beneficiary's decision came to: the credit, and the issuing bank's signature it awaits (then nothing of it is saved yet).</summary>
public sealed record AmendmentDecision(DocumentaryCredit Credit, PendingSignature? Awaiting);

/// <summary>A decision on an amendment held while the issuing bank signs the escrow's adjustment: what it takes to take it again.</summary>
/// <param name="BeneficiaryApproved">The beneficiary's own approval of a decrease was sent on chain with the decision already.</param>
/// <param name="QueuedAtBlock">The chain's latest block when the decision began to wait: only a transaction mined after it can be its adjustment.</param>
public sealed record AmendmentStep(Guid CreditId, int Number, bool Accept, bool BeneficiaryApproved, long QueuedAtBlock = 0);

/// <summary>
/// The beneficiary accepts or rejects the pending amendment. Where the credit says the escrow must follow
/// (<see cref="EscrowAdjustment"/>), it moves signed by the issuing bank that proposed it — after the beneficiary's own
/// approval on chain when the credit says so (a decrease). An issuing bank that signs itself cannot sign in the
/// beneficiary's request: the decision then waits for its signature (<see cref="SignatureQueue"/>), nothing of it saved,
/// and is taken when the bank submits it (<see cref="ResumeAsync"/>).
/// </summary>
public sealed class DecideAmendment(PaymentsDbContext db, SettlementLedger ledger, Iso20022Recorder iso, TimeProvider clock, SignatureQueue queue,
    ILogger<DecideAmendment> logger)
    : EscrowUseCase(db, ledger, iso, clock), ISignedStep
{
    public const string StepKind = "credit-amendment";

    public string Kind => StepKind;

    public string NothingTaken => "the escrow did not move";

    public async Task<AmendmentDecision?> HandleAsync(Guid id, int number, bool accept, Caller beneficiary, CancellationToken ct)
    {
        var credit = await LoadAsync(id, beneficiary, ct);
        if (credit is null) return null;
        // The beneficiary alone decides (before anything of the queue is answered to any other party).
        if (credit.BeneficiaryParty != beneficiary.Party)
            throw new TradeChain.Domain.DomainRuleViolation("beneficiary-only", "Only the beneficiary accepts or rejects an amendment (UCP 600 art. 10b).");
        var subject = Subject(id, number);
        var (awaiting, expired) = await queue.OpenAsync(StepKind, subject, ct);
        foreach (var lapsed in expired) await queue.AbandonAsync(this, lapsed, ct); // saved expired already
        if (awaiting is not null)
        {
            var held = SignatureQueue.Step<AmendmentStep>(awaiting);
            // Asked again while the issuing bank's signature is awaited: the same answer, nothing sent again.
            if (held.Accept == accept) return new AmendmentDecision(credit, awaiting);
            // The other decision: taken instead (saved with it), unless the bank's transaction is already on its way.
            if (awaiting.Status == PendingSignatureStatus.Submitting)
                throw new TradeChain.Domain.DomainRuleViolation("signature-submitting",
                    $"The issuing bank signed and sent the escrow's adjustment for the earlier decision on amendment {number}: it is being taken.");
            awaiting.Overtake($"Overtaken: {beneficiary.Party} {(accept ? "accepted" : "rejected")} amendment {number} instead; the escrow did not move.", Now);
            // Rejecting needs no escrow adjustment (the amount stays): the decision and the overtaken signature in one save.
            await TakeAsync(credit, number, accept, beneficiary.Party, beneficiary.Actor, null, null, approvedAlready: false, () => { }, ct);
            await Db.SaveChangesAsync(ct);
            await queue.AbandonAsync(this, awaiting, ct); // its approval of a decrease, if any, withdrawn
            return new AmendmentDecision(credit, null);
        }
        var approved = false;
        try
        {
            await TakeAsync(credit, number, accept, beneficiary.Party, beneficiary.Actor, null, null, approvedAlready: false, () => approved = true, ct);
        }
        catch (PartySignatureRequiredException needed) when (needed.Party == credit.IssuingBankParty && needed.Party != beneficiary.Party)
        {
            // The bank's signature, which only the bank can give: the decision waits for it, and the credit stays as it was.
            Db.ChangeTracker.Clear();
            var adjustment = accept ? "accepted" : "rejected";
            var purpose = $"Documentary credit {credit.Number}: {beneficiary.Party} {adjustment} amendment {number}; the escrow's amount follows it " +
                          $"(CreditEscrow.adjust, signed by the issuing bank {credit.IssuingBankParty}).";
            var pending = await queue.AddAsync(needed, TradeChain.ServiceDefaults.Auth.Roles.Bank, StepKind, subject, purpose, beneficiary,
                new AmendmentStep(id, number, accept, approved, await Ledger.Chain.BlockNumberAsync()), ct);
            try
            {
                await Db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // The same step asked for concurrently (the caller's retry): its pending signature is the answer.
                Db.ChangeTracker.Clear();
                pending = await queue.AwaitingAsync(StepKind, subject, ct) ?? throw new TradeChain.Domain.DomainRuleViolation("concurrent-change",
                    "Another request changed this step at the same time; read the credit again and retry.");
            }
            return new AmendmentDecision((await CreditQueries.FindAsync(Db, id, beneficiary.Party, ct))!, pending);
        }
        await Db.SaveChangesAsync(ct);
        return new AmendmentDecision(credit, null);
    }

    /// <summary>The issuing bank signed: the decision is taken with its transaction (or the one already mined), and the pending signature completed.</summary>
    public async Task ResumeAsync(PendingSignature pending, ChainWriter? signer, ChainReceipt? mined, CancellationToken ct)
    {
        var step = SignatureQueue.Step<AmendmentStep>(pending);
        var credit = await Held(step, pending, ct);
        var tx = await TakeAsync(credit, step.Number, step.Accept, pending.RequestedBy, pending.RequestedByActor, signer, mined, step.BeneficiaryApproved, () => { }, ct,
            step.QueuedAtBlock);
        pending.Complete(tx ?? "", $"Amendment {step.Number} of credit {credit.Number} {(step.Accept ? "accepted" : "rejected")}; escrow adjusted to " +
                                   $"{credit.Terms.MaximumAmount} {credit.Terms.Currency}.", Now);
    }

    /// <summary>
    /// The bank's transaction of the held decision as the chain stands now: prepared only (the credit's rules checked,
    /// the call estimated from the bank's account), never through a writer or signer, so nothing is sent; nothing saved.
    /// </summary>
    public async Task<UnsignedTransaction> PrepareAgainAsync(PendingSignature pending, CancellationToken ct)
    {
        var step = SignatureQueue.Step<AmendmentStep>(pending);
        var credit = await Held(step, pending, ct);
        try
        {
            if (credit.DecideAmendment(step.Number, step.Accept, pending.RequestedBy, pending.RequestedByActor, Now) is not { } adjustment)
                throw new TradeChain.Domain.DomainRuleViolation("signature-not-needed", $"The step no longer needs {pending.Party}'s signature.");
            return await Ledger.Chain.PrepareAdjustAsync(pending.Address, EscrowId(credit), LedgerEntry.ToMinor(adjustment.To), ct);
        }
        finally
        {
            Db.ChangeTracker.Clear();
        }
    }

    /// <summary>The held decision will not be taken: the beneficiary's approval of a decrease, sent with it, is withdrawn.</summary>
    /// <remarks>
    /// Runs to its end whatever becomes of the request that found the signature expired (its token is not used): the expiry
    /// is saved before this, so a caller that drops its connection mid-send must not leave the beneficiary's approval
    /// usable; a crash is finished by the sweep (<see cref="Infrastructure.SignatureAbandonments"/>), so this may run more
    /// than once for one signature — harmless: the approval is replaced by one of the credit's current amount.
    /// </remarks>
    public async Task AbandonedAsync(PendingSignature pending, CancellationToken requestAborted)
    {
        var step = SignatureQueue.Step<AmendmentStep>(pending);
        if (!step.BeneficiaryApproved) return;
        // A later decision of this credit that sent an approval of its own waits for the bank: that approval replaced this one
        // (the escrow keeps one per credit), and withdrawing now would take it away instead. A later one without an approval
        // (an increase) replaced nothing: this approval is withdrawn.
        var prefix = SubjectPrefix(step.CreditId);
        var later = await Db.PendingSignatures.AsNoTracking().Where(p => p.Kind == StepKind && p.Subject.StartsWith(prefix) && p.CreatedAtUnixMs > pending.CreatedAtUnixMs
                && (p.Status == PendingSignatureStatus.Awaiting || p.Status == PendingSignatureStatus.Submitting)).ToListAsync(CancellationToken.None);
        if (later.Any(p => SignatureQueue.Step<AmendmentStep>(p).BeneficiaryApproved)) return;
        if (await Db.Credits.AsNoTracking().SingleOrDefaultAsync(c => c.Id == step.CreditId, CancellationToken.None) is { } credit)
            await WithdrawApprovalAsync(credit, CancellationToken.None);
    }

    /// <summary>
    /// Replaces the beneficiary's unused on-chain approval of a decrease (the escrow keeps one per credit, a later one
    /// replacing it) with an approval of the credit's current amount — which an adjust only spends, moving nothing — so
    /// the issuing bank cannot cut the credit with it once the decision it was for is no longer taken.
    /// </summary>
    private async Task WithdrawApprovalAsync(DocumentaryCredit credit, CancellationToken ct)
    {
        try
        {
            await Ledger.Chain.ApproveAdjustmentAsync(await Ledger.Wallets.ForAsync(credit.BeneficiaryParty, ct), EscrowId(credit),
                LedgerEntry.ToMinor(credit.Terms.MaximumAmount), ct);
        }
        catch (Exception e) when (e is ChainRevertedException or PartySignatureRequiredException)
        {
            // The credit is closed on chain (no approval left to use), or the beneficiary signs itself (its own approval to replace).
            logger.LogWarning(e, "The beneficiary's approval of a decrease of credit {Credit} could not be withdrawn", credit.Number);
        }
    }

    private async Task<DocumentaryCredit> Held(AmendmentStep step, PendingSignature pending, CancellationToken ct) =>
        await Db.Credits.SingleOrDefaultAsync(c => c.Id == step.CreditId, ct) is { } credit && credit.IssuingBankParty == pending.Party
            ? credit
            : throw new TradeChain.Domain.DomainRuleViolation("no-such-credit", "The credit this signature was for is gone.");

    private static string Subject(Guid credit, int number) => SubjectPrefix(credit) + $"A{number}";

    /// <summary>How the pending signatures of a credit's amendment decisions begin their subject (the credit's id and a slash).</summary>
    public static string SubjectPrefix(Guid credit) => $"{credit}/";

    /// <summary>
    /// A transaction already mined is this amendment's adjustment only if mined after the decision began to wait, if the
    /// escrow recorded in it exactly this change of this credit (old → new amount), and if no booking cites it already:
    /// an older adjustment between the same amounts (100 → 150, later 120 → 150) cannot complete a newer decision.
    /// </summary>
    /// <exception cref="TradeChain.Domain.DomainRuleViolation">transaction-not-this-adjustment.</exception>
    private async Task RequireThisAdjustmentAsync(DocumentaryCredit credit, int number, EscrowAdjustment adjustment, ChainReceipt mined, long queuedAtBlock,
        CancellationToken ct)
    {
        var hash = mined.TransactionHash;
        string? why = null;
        if (mined.BlockNumber <= queuedAtBlock)
            why = $"it was mined in block {mined.BlockNumber}, before amendment {number}'s adjustment was asked for (block {queuedAtBlock})";
        else if (await Db.Entries.AnyAsync(e => e.TransactionHash == hash, ct))
            why = "the ledger books it already, for another step";
        else if (!(await Ledger.Chain.CreditAdjustmentsInAsync(hash, EscrowId(credit))).Contains((new System.Numerics.BigInteger(LedgerEntry.ToMinor(adjustment.From)), new System.Numerics.BigInteger(LedgerEntry.ToMinor(adjustment.To)))))
            why = $"the escrow recorded no adjustment of credit {credit.Number} from {adjustment.From} to {adjustment.To} in it";
        if (why is not null)
            throw new TradeChain.Domain.DomainRuleViolation("transaction-not-this-adjustment",
                $"Transaction {hash} is not amendment {number}'s escrow adjustment ({why}): nothing was recorded. Sign the pending transaction and submit that.");
    }

    /// <summary>The decision on the credit and, where the escrow follows, on chain: the adjustment's transaction, or null when none was needed.</summary>
    private async Task<string?> TakeAsync(DocumentaryCredit credit, int number, bool accept, string beneficiary, string actor, ChainWriter? issuingBank,
        ChainReceipt? mined, bool approvedAlready, Action approved, CancellationToken ct, long queuedAtBlock = 0)
    {
        if (credit.DecideAmendment(number, accept, beneficiary, actor, Now) is not { } adjustment) return null;
        var currency = credit.Terms.Currency;
        var newAmount = LedgerEntry.ToMinor(adjustment.To);
        if (mined is not null) await RequireThisAdjustmentAsync(credit, number, adjustment, mined, queuedAtBlock, ct);
        if (adjustment.NeedsBeneficiaryApproval && !approvedAlready && mined is null)
        {
            await Ledger.Chain.ApproveAdjustmentAsync(await Ledger.Wallets.ForAsync(credit.BeneficiaryParty, ct), EscrowId(credit), newAmount, ct);
            approved();
        }
        var receipt = mined ?? await Ledger.Chain.AdjustAsync(issuingBank ?? await Ledger.Wallets.ForAsync(credit.IssuingBankParty, ct), EscrowId(credit), newAmount, ct);
        var reference = $"{credit.Number}/A{number}";
        Ledger.BookEscrow(Db, credit.ApplicantParty, currency, LedgerEntry.ToMinor(adjustment.From - adjustment.To),
            LedgerEntryKind.CreditAdjustment, reference, receipt.TransactionHash);
        var applicant = await Ledger.RequireAccountAsync(Db, credit.ApplicantParty, currency, "applicant", ct);
        NotifyEscrow(credit, applicant, isCredit: adjustment.IsDecrease, adjustment.Difference,
            reference, receipt.TransactionHash, $"Documentary credit {credit.Number}, amendment {number}: escrow adjusted");
        return receipt.TransactionHash;
    }
}

/// <summary>
/// The beneficiary presents documents issued in the documents service, received today; the credit asks the documents
/// service to verify them (<see cref="DocumentsPresented"/>), and the answer is examined when it arrives.
/// </summary>
public sealed class PresentDocuments(PaymentsDbContext db, TimeProvider clock) : CreditUseCase(db, clock)
{
    public Task<DocumentaryCredit?> HandleAsync(Guid id, Caller beneficiary, IReadOnlyList<string> documentHashes, CancellationToken ct) =>
        StepAsync(id, beneficiary, credit => credit.Present(Guid.NewGuid(), beneficiary.Party, documentHashes, Today, beneficiary.Actor, Now), ct);
}

/// <summary>
/// The documents service verified a presentation's documents (on chain, with the same verdicts as its API): the credit
/// examines the presentation against its terms under UCP 600 and records every discrepancy at once. A repeated verdict
/// changes nothing. The consumer saves the change together with its inbox row.
/// </summary>
public sealed class ExaminePresentation(PaymentsDbContext db, TimeProvider clock, ILogger<ExaminePresentation> logger)
{
    public const string Actor = "payments-examiner";

    public async Task HandleAsync(PresentationDocumentsVerified message, CancellationToken ct)
    {
        var credit = await db.Credits.SingleOrDefaultAsync(c => c.Presentations.Any(p => p.Id == message.PresentationId), ct);
        if (credit is null)
        {
            logger.LogWarning("Verification result for unknown presentation {PresentationId} ignored", message.PresentationId);
            return;
        }
        var documents = message.Verdicts.Select(v => new PresentedDocument(v.DocumentHash, v.DocumentType, v.Valid, v.Reason,
            v.ContentJson is null ? null : JsonNode.Parse(v.ContentJson) as JsonObject)).ToList();
        if (!credit.Examine(message.PresentationId, documents, Actor, clock.GetUtcNow()))
        {
            logger.LogInformation("Presentation {PresentationId} was already examined; result ignored", message.PresentationId);
            return;
        }
        var presentation = credit.Find(message.PresentationId);
        logger.LogInformation("Presentation {Number} under credit {Credit}: {Status}", presentation.Number, credit.Number, presentation.Status);
    }
}

/// <summary>The issuing bank refuses a discrepant presentation with one notice of every discrepancy.</summary>
public sealed class RefusePresentation(PaymentsDbContext db, TimeProvider clock) : CreditUseCase(db, clock)
{
    public Task<DocumentaryCredit?> HandleAsync(Guid id, Guid presentation, Caller bank, CancellationToken ct) =>
        StepAsync(id, bank, credit => credit.Refuse(presentation, bank.Party, Today, bank.Actor, Now), ct);
}

/// <summary>The applicant waives a refused presentation's discrepancies.</summary>
public sealed class WaiveDiscrepancies(PaymentsDbContext db, TimeProvider clock) : CreditUseCase(db, clock)
{
    public Task<DocumentaryCredit?> HandleAsync(Guid id, Guid presentation, Caller applicant, CancellationToken ct) =>
        StepAsync(id, applicant, credit => credit.Waive(presentation, applicant.Party, applicant.Actor, Now), ct);
}

/// <summary>
/// The issuing bank honours a presentation; on chain too, signed by it, so that the advising bank can then pay exactly
/// this amount and nothing else.
/// </summary>
public sealed class AcceptPresentation(PaymentsDbContext db, SettlementLedger ledger, Iso20022Recorder iso, TimeProvider clock) : EscrowUseCase(db, ledger, iso, clock)
{
    public Task<DocumentaryCredit?> HandleAsync(Guid id, Guid presentation, Caller bank, CancellationToken ct) => StepAsync(id, bank, async credit =>
    {
        var accepted = credit.Accept(presentation, bank.Party, Today, bank.Actor, Now);
        await Ledger.Chain.AcceptPaymentAsync(await Ledger.Wallets.ForAsync(bank.Party, ct), EscrowId(credit), Id32(presentation.ToString()),
            LedgerEntry.ToMinor(accepted.AmountClaimed), ct);
    }, ct);
}

/// <summary>
/// The issuing or advising bank releases an accepted presentation's amount from escrow to the beneficiary, signed by
/// its own account (the credit refuses any other party, and so does the escrow, as it refuses a second payment).
/// </summary>
public sealed class SettlePresentation(PaymentsDbContext db, SettlementLedger ledger, Iso20022Recorder iso, TimeProvider clock) : EscrowUseCase(db, ledger, iso, clock)
{
    public Task<DocumentaryCredit?> HandleAsync(Guid id, Guid presentation, Caller bank, CancellationToken ct) => StepAsync(id, bank, async credit =>
    {
        var current = credit.EnsureSettleable(presentation, bank.Party);
        var terms = credit.Terms;
        var beneficiary = await Ledger.RequireAccountAsync(Db, credit.BeneficiaryParty, terms.Currency, "beneficiary", ct);
        var signer = await Ledger.Wallets.ForAsync(bank.Party, ct);
        var minor = LedgerEntry.ToMinor(current.AmountClaimed);
        var applicant = await Ledger.RequireAccountAsync(Db, credit.ApplicantParty, terms.Currency, "applicant", ct);
        var reference = $"{credit.Number}/P{current.Number}";
        var report = new MovementReport(credit.Number, reference, current.AmountClaimed, terms.Currency, credit.ApplicantParty,
            applicant.Address, credit.IssuingBankParty, credit.BeneficiaryParty, beneficiary.Address, beneficiary.ServicingBank, Iso20022Recorder.Placeholder,
            $"Documentary credit {credit.Number}, presentation {current.Number}",
            NotifyDebtor: false); // the applicant was notified of its debit when the funds went into escrow
        // Before any money moves: a message that cannot be written must not strand a payment.
        Movement.RequireReportable(Iso.Problem(report));
        var paymentId = Id32(presentation.ToString());
        // A retry after an earlier attempt paid it gets that payment's transaction, once the escrow shows it paid exactly this amount.
        var tx = (await Ledger.Chain.ReleaseAsync(signer, EscrowId(credit), paymentId, minor, ct)).TransactionHash;
        credit.Settle(presentation, bank.Party, tx, bank.Actor, Now);
        Ledger.BookEscrow(Db, credit.BeneficiaryParty, terms.Currency, minor, LedgerEntryKind.CreditRelease, reference, tx);
        Iso.Record(Db, report with { ChainTransactionHash = tx });
    }, ct);
}

/// <summary>The beneficiary agrees, with its own account on chain, to cancel the credit before expiry.</summary>
public sealed class ConsentToCancel(PaymentsDbContext db, SettlementLedger ledger, Iso20022Recorder iso, TimeProvider clock) : EscrowUseCase(db, ledger, iso, clock)
{
    public Task<DocumentaryCredit?> HandleAsync(Guid id, Caller beneficiary, CancellationToken ct) => StepAsync(id, beneficiary, async credit =>
    {
        credit.ConsentToCancel(beneficiary.Party, beneficiary.Actor, Now);
        await Ledger.Chain.ConsentToCancelAsync(await Ledger.Wallets.ForAsync(beneficiary.Party, ct), EscrowId(credit), ct);
    }, ct);
}

/// <summary>The issuing bank returns the unused amount from escrow to the applicant: after expiry, or on a cancellation the beneficiary agreed to.</summary>
public sealed class RefundCredit(PaymentsDbContext db, SettlementLedger ledger, Iso20022Recorder iso, TimeProvider clock) : EscrowUseCase(db, ledger, iso, clock)
{
    public Task<DocumentaryCredit?> HandleAsync(Guid id, Caller bank, CancellationToken ct) => StepAsync(id, bank, async credit =>
    {
        var now = Now;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        // The rules first (issuing bank, open, expired or consented), so a refused refund sends nothing to the chain.
        credit.EnsureRefundable(bank.Party, today);
        var returned = credit.Undrawn;
        // A retry after an earlier attempt refunded it gets that refund's transaction, once the escrow shows it returned exactly this.
        var tx = (await Ledger.Chain.RefundAsync(await Ledger.Wallets.ForAsync(bank.Party, ct), EscrowId(credit), LedgerEntry.ToMinor(returned), ct)).TransactionHash;
        credit.Refund(bank.Party, tx, today, bank.Actor, now);
        Ledger.BookEscrow(Db, credit.ApplicantParty, credit.Terms.Currency, LedgerEntry.ToMinor(returned), LedgerEntryKind.CreditRefund, credit.Number, tx);
        if (tx.Length > 0 && returned > 0)
            NotifyEscrow(credit, await Ledger.RequireAccountAsync(Db, credit.ApplicantParty, credit.Terms.Currency, "applicant", ct), isCredit: true, returned,
                $"{credit.Number}/R", tx, $"Documentary credit {credit.Number}: unused balance returned from escrow");
    }, ct);
}

/// <summary>Reading credits: only a party to a credit sees it, with its presentations' histories beside its own.</summary>
public static class CreditQueries
{
    public static async Task<DocumentaryCredit?> FindAsync(PaymentsDbContext db, Guid id, string party, CancellationToken ct)
    {
        var credit = await db.Credits.SingleOrDefaultAsync(c => c.Id == id, ct);
        return credit is not null && credit.IsParty(party) ? credit : null;
    }

    /// <summary>One page of the credits <paramref name="party"/> is party to, the latest applied first, and how many there are in all.</summary>
    public static async Task<(List<DocumentaryCredit> Page, int Total)> ListAsync(PaymentsDbContext db, string party, int pageNumber, int pageSize, CancellationToken ct)
    {
        var query = db.Credits.AsNoTracking()
            .Where(c => c.ApplicantParty == party || c.BeneficiaryParty == party || c.IssuingBankParty == party || c.AdvisingBankParty == party);
        var total = await query.CountAsync(ct);
        if (TradeChain.ServiceDefaults.Paging.PastEnd(pageNumber, pageSize, total)) return ([], total);
        // The page's ids first, then those credits with their amendments, presentations and the presentations' documents,
        // each collection in a query of its own (split) instead of one join that repeats every credit's row per amendment ×
        // presentation × document. By ids, not by the page's window again: a credit applied between the split's queries
        // would shift the window, and the collections would be read for other credits than the page's.
        var ids = await query.OrderByDescending(c => c.AppliedAtUnixMs).ThenBy(c => c.Id).Skip((pageNumber - 1) * pageSize).Take(pageSize)
            .Select(c => c.Id).ToListAsync(ct);
        var credits = (await db.Credits.AsNoTracking().Where(c => ids.Contains(c.Id)).AsSplitQuery().ToListAsync(ct)).ToDictionary(c => c.Id);
        return (ids.Where(credits.ContainsKey).Select(id => credits[id]).ToList(), total);
    }

    /// <summary>
    /// The credit's transitions and its presentations' (each under its own type and key, so each leaf checks as it was
    /// anchored), in the order they happened; their chain checks within one deadline (<see cref="TransitionHistory.GetManyAsync"/>).
    /// </summary>
    public static async Task<HistoryView> HistoryAsync(TransitionHistory history, DocumentaryCredit credit, CancellationToken ct)
    {
        var histories = await history.GetManyAsync(
            [(credit.AggregateType, credit.AggregateKey), .. credit.Presentations.Select(p => (DocumentaryCredit.PresentationAggregateType, p.Id.ToString()))], ct);
        var own = histories[0];
        var transitions = histories.SelectMany(h => h.Transitions).ToList();
        // One verdict over the credit's and its presentations' transitions together.
        return HistoryView.Of(own.AggregateType, own.AggregateId,
            [.. transitions.OrderBy(t => t.OccurredAtUnixMs).ThenBy(t => t.AggregateType == credit.AggregateType ? 0 : 1).ThenBy(t => t.Sequence)]);
    }

    /// <summary>
    /// The signature a step of the credit waits for (a decision on an amendment, held until the issuing bank that signs
    /// itself signs the escrow's adjustment), while it is awaited or being submitted; null when none is.
    /// </summary>
    public static async Task<PendingSignature?> PendingSignatureAsync(PaymentsDbContext db, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        var prefix = DecideAmendment.SubjectPrefix(id);
        var open = await db.PendingSignatures.AsNoTracking()
            .Where(p => p.Kind == DecideAmendment.StepKind && p.Subject.StartsWith(prefix)
                        && (p.Status == PendingSignatureStatus.Awaiting || p.Status == PendingSignatureStatus.Submitting))
            .OrderByDescending(p => p.CreatedAtUnixMs).Take(5).ToListAsync(ct);
        // One past its time is expired (the next read by its party or a new decision records it so): nothing waits for it any more.
        return open.FirstOrDefault(p => !p.Lapsed(now));
    }

    /// <summary>
    /// The credit as its party reads it, with the signature a step of it waits for (<see cref="PendingSignatureAsync"/>) — one
    /// being submitted resolved from the chain first, as its own read (<c>GET /signatures/{id}</c>) resolves it: a submission
    /// whose request ended before it recorded the result would otherwise show "being submitted" to the credit's parties for
    /// good. Mined, the step is taken (and the credit read again); unknown to the node, it is awaited again; still in the node,
    /// or the chain unreachable, it is shown as it stands.
    /// </summary>
    /// <returns>Null when the credit is not (any longer) the party's.</returns>
    public static async Task<(DocumentaryCredit Credit, PendingSignature? Pending)?> WithPendingSignatureAsync(PaymentsDbContext db, DocumentaryCredit credit,
        string party, SubmitSignature submit, TimeProvider clock, ILogger logger, CancellationToken ct)
    {
        var pending = await PendingSignatureAsync(db, credit.Id, clock.GetUtcNow(), ct);
        if (pending is not { Status: PendingSignatureStatus.Submitting }) return (credit, pending);
        try
        {
            // Tracked (the resolution saves it); not cancelled by the reader going away once it may write.
            if (await PendingSignatureQueries.FindAsync(db, pending.Id, pending.Party, CancellationToken.None) is not { } claimed) return (credit, pending);
            if ((await submit.ResumeClaimedAsync(claimed, CancellationToken.None)).Status == PendingSignatureStatus.Submitting) return (credit, pending);
        }
        catch (Exception e) when (e is HttpRequestException or Nethereum.JsonRpc.Client.RpcClientUnknownException or Nethereum.JsonRpc.Client.RpcClientTimeoutException)
        {
            logger.LogWarning(e, "Credit {Credit}: signature {Signature} being submitted not resolved, the chain unreachable", credit.Id, pending.Id);
            return (credit, pending);
        }
        // Resolved: the credit (the step taken, or not) and what it waits for now, as saved.
        db.ChangeTracker.Clear();
        if (await FindAsync(db, credit.Id, party, CancellationToken.None) is not { } current) return null;
        return (current, await PendingSignatureAsync(db, current.Id, clock.GetUtcNow(), CancellationToken.None));
    }

    /// <summary>The reference under which customs attests the release of a declaration's goods on the escrow (as customs' AttestRelease.Reference makes it).</summary>
    public static byte[] CustomsReleaseReference(Guid declarationId) => SettlementClient.Reference($"declaration:{declarationId}");
}
