using TradeChain.Domain;
using TradeChain.Domain.Hashing;
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using TradeChain.Payments.Application;
using TradeChain.Payments.Domain.Credits;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Payments.Api;

public sealed record RequiredDocumentRequest(string? Type, [property: MaxLength(8)] IReadOnlyList<string>? MatchFields, int? Originals);

/// <summary>The credit's terms as applied for (and, in an amendment, as changed: omitted fields keep their value).</summary>
public sealed record CreditTermsRequest(string? Currency, decimal? Amount, decimal? TolerancePercent, DateOnly? ExpiryDate, string? ExpiryPlaceCountry,
    DateOnly? LatestShipmentDate, int? PresentationPeriodDays, bool? PartialShipmentsAllowed, [property: MaxLength(InputLimits.Name)] string? ApplicantName,
    [property: MaxLength(InputLimits.Name)] string? BeneficiaryName, [property: MaxLength(5)] string? PortOfLoading, [property: MaxLength(5)] string? PortOfDischarge,
    [property: MaxLength(InputLimits.Text)] string? GoodsDescription, [property: MaxLength(CreditTerms.MaxRequiredDocuments)] IReadOnlyList<RequiredDocumentRequest>? RequiredDocuments);

public sealed record CreditApplication([property: MaxLength(InputLimits.Reference)] string? Beneficiary, [property: MaxLength(InputLimits.Reference)] string? IssuingBank,
    [property: MaxLength(InputLimits.Reference)] string? AdvisingBank, CreditTermsRequest? Terms, Guid? CustomsDeclarationId);

public sealed record AmendmentRequest(CreditTermsRequest? Terms, [property: MaxLength(InputLimits.Reason)] string? Reason);

public sealed record PresentationRequest([property: MaxLength(20)] IReadOnlyList<string?>? DocumentHashes);

public sealed record AmendmentView(int Number, CreditTerms Terms, string Reason, string Status, long ProposedAtUnixMs, long? DecidedAtUnixMs)
{
    public static AmendmentView From(Amendment a) => new(a.Number, a.Terms, a.Reason, a.Status.ToString().ToLowerInvariant(), a.ProposedAtUnixMs, a.DecidedAtUnixMs);
}

public sealed record PresentationView(int Number, Guid Id, IReadOnlyList<string> DocumentHashes, DateOnly PresentedOn, PresentationStatus Status,
    IReadOnlyList<Discrepancy> Discrepancies, decimal AmountClaimed, DateOnly? ExaminationDeadline, string? RefusalNotice, string? SettlementTransactionHash,
    long? SettledAtUnixMs)
{
    public static PresentationView From(Presentation p) => new(p.Number, p.Id, p.DocumentHashes, p.PresentedOn, p.Status, p.Discrepancies, p.AmountClaimed,
        p.ExaminationDeadline, p.RefusalNotice, p.SettlementTransactionHash, p.SettledAtUnixMs);
}

/// <summary>A signature a step of the credit waits for: the step is not taken (nor saved) until <paramref name="Party"/> signs.</summary>
/// <param name="Id">The pending signature's id: its party reads and signs it at <c>/signatures/{id}</c>.</param>
/// <param name="Party">Whose signature: a party that signs its own transactions (the issuing bank, for an amendment's escrow adjustment).</param>
/// <param name="Status">awaiting, or submitting (signed and sent: the chain decides).</param>
/// <param name="Purpose">What the signature is for, in words.</param>
public sealed record CreditSignatureView(Guid Id, string Party, string Status, string Purpose, string RequestedBy, long ExpiresAtUnixMs)
{
    public static CreditSignatureView From(Domain.PendingSignature p) =>
        new(p.Id, p.Party, PendingSignatureView.Name(p.Status), p.Purpose, p.RequestedBy, p.ExpiresAtUnixMs);
}

/// <param name="PendingSignature">The signature a step of the credit waits for (awaiting or being submitted); null when none. Given with one
/// credit (its read and its steps' answers), not in the list of credits.</param>
public sealed record CreditView(Guid Id, string Number, string Status, string Applicant, string Beneficiary, string IssuingBank, string? AdvisingBank,
    CreditTerms Terms, decimal Drawn, Guid? CustomsDeclarationId, string? EscrowTransactionHash, string? RefundTransactionHash, bool BeneficiaryConsentedToCancel,
    IReadOnlyList<AmendmentView> Amendments, IReadOnlyList<PresentationView> Presentations, CreditSignatureView? PendingSignature = null)
{
    public static CreditView From(DocumentaryCredit c, Domain.PendingSignature? pending = null) => new(c.Id, c.Number, c.Status.ToString(), c.ApplicantParty,
        c.BeneficiaryParty, c.IssuingBankParty, c.AdvisingBankParty, c.Terms, c.Drawn, c.CustomsDeclarationId, c.EscrowTransactionHash, c.RefundTransactionHash,
        c.BeneficiaryConsentedToCancel, [.. c.Amendments.Select(AmendmentView.From)], [.. c.Presentations.Select(PresentationView.From)],
        pending is null ? null : CreditSignatureView.From(pending));

    /// <summary>The credit as one of its parties reads it: with the signature a step of it waits for, if any.</summary>
    public static async Task<CreditView> OfAsync(DocumentaryCredit c, PaymentsDbContext db, TimeProvider clock, CancellationToken ct) =>
        From(c, await CreditQueries.PendingSignatureAsync(db, c.Id, clock.GetUtcNow(), ct));
}

/// <summary>
/// Documentary credits under UCP 600 over HTTP: each route checks the request's shape and hands it to its use case in
/// Application/Credits.cs; the rules are the credit's own (Domain/Credits/DocumentaryCredit.cs).
/// </summary>
public static class CreditEndpoints
{
    private static readonly string[] KnownTypes = ["commercial-invoice", "bill-of-lading", "packing-list", "certificate-of-origin", "phytosanitary-certificate"];

    public static IEndpointRouteBuilder MapCredits(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/credits").WithTags("documentary credits").RequireAuthorization(Policies.AnyParty);
        group.MapPost("/", ApplyAsync).RequireAuthorization(Roles.Exporter).WithSummary("The importer (applicant) applies to its bank for a documentary credit.");
        group.MapGet("/", ListAsync).Produces<PagedResult<CreditView>>().Produces(StatusCodes.Status304NotModified)
            .WithSummary($"The credits the caller is party to, the latest applied first: one page (page, pageSize: {Paging.DefaultSize}, at most {Paging.MaxSize}). " + ListChanges.Summary("credits"));
        group.MapGet("/{id:guid}", GetAsync).Produces<CreditView>().Produces(StatusCodes.Status304NotModified)
            .WithSummary("The credit, with its presentations, amendments and the signature a step of it waits for (pendingSignature: whose, awaiting or submitting) while one does. " +
                         ListChanges.RecordSummary("credit"));
        group.MapGet("/{id:guid}/history", HistoryAsync).WithSummary("The credit's transitions with their Merkle proofs and on-chain anchoring.");
        group.MapGet("/{id:guid}/messages", MessagesAsync).WithSummary("ISO 20022 messages of the credit's settlements and refund.");
        group.MapPost("/{id:guid}/issue", (Guid id, ClaimsPrincipal u, IssueCredit issue, PaymentsDbContext db, TimeProvider clock, CancellationToken ct) =>
                Respond(id, db, clock, issue.HandleAsync(id, Caller.From(u), ct))).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing bank issues the credit: the amount moves from the applicant's account into escrow on chain.");
        group.MapPost("/{id:guid}/advise", (Guid id, ClaimsPrincipal u, AdviseCredit advise, PaymentsDbContext db, TimeProvider clock, CancellationToken ct) =>
                Respond(id, db, clock, advise.HandleAsync(id, Caller.From(u), ct))).RequireAuthorization(Roles.Bank)
            .WithSummary("The advising bank advises the credit to the beneficiary.");
        group.MapPost("/{id:guid}/amendments", AmendAsync).RequireAuthorization(Roles.Bank).WithSummary("The issuing bank proposes an amendment (UCP 600 art. 10).");
        group.MapPost("/{id:guid}/amendments/{number:int}/accept", (Guid id, int number, ClaimsPrincipal u, DecideAmendment decide, PaymentsDbContext db, TimeProvider clock, CancellationToken ct) =>
                Decided(id, db, clock, decide.HandleAsync(id, number, true, Caller.From(u), ct)))
            .WithSummary("The beneficiary accepts the amendment: the terms (and the escrowed amount) change. An issuing bank that signs itself signs the escrow's adjustment: 202 awaiting its signature (its pending signature's id), nothing saved until it signs.");
        group.MapPost("/{id:guid}/amendments/{number:int}/reject", (Guid id, int number, ClaimsPrincipal u, DecideAmendment decide, PaymentsDbContext db, TimeProvider clock, CancellationToken ct) =>
            Decided(id, db, clock, decide.HandleAsync(id, number, false, Caller.From(u), ct))).WithSummary("The beneficiary rejects the amendment: the terms stay.");
        group.MapPost("/{id:guid}/presentations", PresentAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("The beneficiary presents documents (references to documents issued in the documents service); they are verified over the bus and examined automatically.");
        group.MapPost("/{id:guid}/presentations/{presentation:guid}/refuse", (Guid id, Guid presentation, ClaimsPrincipal u, RefusePresentation refuse, PaymentsDbContext db, TimeProvider clock, CancellationToken ct) =>
                Respond(id, db, clock, refuse.HandleAsync(id, presentation, Caller.From(u), ct))).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing bank refuses a discrepant presentation with ONE notice listing every discrepancy (UCP 600 art. 16).");
        group.MapPost("/{id:guid}/presentations/{presentation:guid}/waive", (Guid id, Guid presentation, ClaimsPrincipal u, WaiveDiscrepancies waive, PaymentsDbContext db, TimeProvider clock, CancellationToken ct) =>
                Respond(id, db, clock, waive.HandleAsync(id, presentation, Caller.From(u), ct))).RequireAuthorization(Roles.Exporter)
            .WithSummary("The applicant waives the discrepancies.");
        group.MapPost("/{id:guid}/presentations/{presentation:guid}/accept", (Guid id, Guid presentation, ClaimsPrincipal u, AcceptPresentation accept, PaymentsDbContext db, TimeProvider clock, CancellationToken ct) =>
                Respond(id, db, clock, accept.HandleAsync(id, presentation, Caller.From(u), ct))).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing bank accepts a complying (or waived) presentation.");
        group.MapPost("/{id:guid}/presentations/{presentation:guid}/settle", (Guid id, Guid presentation, ClaimsPrincipal u, SettlePresentation settle, PaymentsDbContext db, TimeProvider clock, CancellationToken ct) =>
                Respond(id, db, clock, settle.HandleAsync(id, presentation, Caller.From(u), ct))).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing or advising bank releases the accepted amount from escrow to the beneficiary (once per presentation, enforced on chain).");
        group.MapPost("/{id:guid}/consent-to-cancel", (Guid id, ClaimsPrincipal u, ConsentToCancel consent, PaymentsDbContext db, TimeProvider clock, CancellationToken ct) =>
                Respond(id, db, clock, consent.HandleAsync(id, Caller.From(u), ct))).RequireAuthorization(Roles.Exporter)
            .WithSummary("The beneficiary agrees, with its own account, to cancel the credit before expiry.");
        group.MapPost("/{id:guid}/refund", (Guid id, ClaimsPrincipal u, RefundCredit refund, PaymentsDbContext db, TimeProvider clock, CancellationToken ct) =>
                Respond(id, db, clock, refund.HandleAsync(id, Caller.From(u), ct))).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing bank returns the unused amount to the applicant: after expiry, or on a cancellation the beneficiary agreed to.");
        return app;
    }

    /// <summary>The credit after the step, or 404 when the caller is not party to it (then it does not exist for it).</summary>
    private static async Task<IResult> Respond(Guid id, PaymentsDbContext db, TimeProvider clock, Task<DocumentaryCredit?> step) =>
        await step is { } credit ? Results.Ok(await CreditView.OfAsync(credit, db, clock, CancellationToken.None)) : Problems.NotFound("credit", id.ToString());

    /// <summary>The credit after the decision; 202 with whose signature it awaits; 404 when the caller is not party to it.</summary>
    private static async Task<IResult> Decided(Guid id, PaymentsDbContext db, TimeProvider clock, Task<AmendmentDecision?> step) => await step switch
    {
        null => Problems.NotFound("credit", id.ToString()),
        { Awaiting: { } awaiting } => Results.Accepted($"/credits/{id}", AwaitingSignatureView.From(awaiting)),
        var decided => Results.Ok(await CreditView.OfAsync(decided.Credit, db, clock, CancellationToken.None)),
    };

    private static async Task<IResult> ApplyAsync(CreditApplication request, ClaimsPrincipal user, ApplyForCredit apply, SettlementLedger ledger, TimeProvider clock,
        CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        foreach (var (field, party) in new[] { ("beneficiary", request.Beneficiary), ("issuingBank", request.IssuingBank) })
        {
            if (string.IsNullOrWhiteSpace(party) || party.Length > InputLimits.Reference) errors.Add((field, $"is required: a party name (at most {InputLimits.Reference} characters, the ISO 20022 identifier length)"));
            else if (TextRules.Problem(party, InputLimits.Reference) is { } broken) errors.Add((field, broken));
        }
        if (request.AdvisingBank is { Length: 0 or > InputLimits.Reference }) errors.Add(("advisingBank", $"must be a party name (at most {InputLimits.Reference} characters) or omitted"));
        else if (TextRules.Problem(request.AdvisingBank, InputLimits.Reference) is { } broken) errors.Add(("advisingBank", broken));
        errors.AddRange(Fields(DocumentaryCredit.PartyErrors(user.Party(), request.Beneficiary ?? "", request.IssuingBank ?? "", request.AdvisingBank)));
        var proposed = Proposed(request.Terms, application: true, errors, ledger);
        CreditTerms? terms = null;
        if (proposed is not null)
        {
            // The shape above and the credit's rules below answer together: every failing field at once.
            terms = CreditTerms.Create(proposed, null, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), out var broken);
            errors.AddRange(Fields(broken));
        }
        if (errors.Count > 0) return Problems.Validation(errors);
        var credit = await apply.HandleAsync(Caller.From(user), request.Beneficiary!, request.IssuingBank!, request.AdvisingBank, terms!, request.CustomsDeclarationId, ct);
        return Results.Created($"/credits/{credit.Id}", CreditView.From(credit));
    }

    private static IEnumerable<(string, string)> Fields(IEnumerable<TermsError> errors) => errors.Select(e => (e.Field, e.Rule));

    /// <summary>
    /// The terms' shape: for an application every text field, for an amendment those it sets; the currency one this
    /// network settles; a country code; known document types, fields to match and originals. The rules are the credit's
    /// (<see cref="CreditTerms.Create"/>).
    /// </summary>
    private static ProposedTerms? Proposed(CreditTermsRequest? r, bool application, List<(string, string)> errors, SettlementLedger ledger)
    {
        if (r is null) { errors.Add(("terms", "is required")); return null; }
        string? Text(string? value, string field, int max)
        {
            if (value is null && !application) return null;
            if (string.IsNullOrWhiteSpace(value) || value.Length > max) { errors.Add(($"terms.{field}", $"is required: at most {max} characters")); return ""; }
            if (TextRules.Problem(value, max, multiline: field == "goodsDescription") is { } broken) { errors.Add(($"terms.{field}", broken)); return ""; }
            return value;
        }
        var currency = r.Currency?.ToUpperInvariant();
        if ((currency is not null || application) && (currency is null || !ledger.Supports(currency)))
            errors.Add(("terms.currency", $"must be a settlement currency of this network: {string.Join(", ", ledger.Chain.Currencies)}"));
        var place = Text(r.ExpiryPlaceCountry, "expiryPlaceCountry", 2);
        if (place is { Length: > 0 } && (place.Length != 2 || !place.All(char.IsAsciiLetterUpper))) errors.Add(("terms.expiryPlaceCountry", "must be an ISO 3166 alpha-2 country code"));
        if (r.RequiredDocuments is { Count: > CreditTerms.MaxRequiredDocuments })
        {
            errors.Add(("terms.requiredDocuments", $"must list at most {CreditTerms.MaxRequiredDocuments} documents"));
            return null;
        }
        var documents = r.RequiredDocuments?.Select((d, i) =>
        {
            if (d is null) { errors.Add(($"terms.requiredDocuments[{i}]", "must be an object with a type")); return new RequiredDocument("", [], 1); }
            if (d.Type is null || !KnownTypes.Contains(d.Type)) errors.Add(($"terms.requiredDocuments[{i}].type", $"must be one of {string.Join(", ", KnownTypes)}"));
            var fields = d.MatchFields ?? [];
            // Null and unknown names are refused here; CreditTerms refuses them too, for terms that come another way.
            for (var j = 0; j < fields.Count && j < Ucp600Examiner.MatchFieldNames.Count + 1; j++)
                if (fields[j] is not { } f || !Ucp600Examiner.MatchFieldNames.Contains(f))
                    errors.Add(($"terms.requiredDocuments[{i}].matchFields[{j}]", $"must be one of {string.Join(", ", Ucp600Examiner.MatchFieldNames)}"));
            if (d.Originals is < 1 or > 3) errors.Add(($"terms.requiredDocuments[{i}].originals", "must be 1 to 3"));
            return new RequiredDocument(d.Type ?? "", d.MatchFields ?? [], d.Originals ?? 1);
        }).ToList();
        return new ProposedTerms(currency, r.Amount, r.TolerancePercent, r.ExpiryDate, place, r.LatestShipmentDate, r.PresentationPeriodDays,
            r.PartialShipmentsAllowed, Text(r.ApplicantName, "applicantName", 140), Text(r.BeneficiaryName, "beneficiaryName", 140),
            Text(r.PortOfLoading, "portOfLoading", 5), Text(r.PortOfDischarge, "portOfDischarge", 5), Text(r.GoodsDescription, "goodsDescription", 2000), documents);
    }

    private static async Task<IResult> ListAsync(HttpContext http, ClaimsPrincipal user, PaymentsDbContext db, ListChanges lists, int? page, int? pageSize, int? waitSeconds,
        CancellationToken ct)
    {
        var (number, size) = Paging.Normalise(page, pageSize);
        if (LongPoll.Refused(ListChanges.Check(http.Request, waitSeconds)) is { } refused) return refused;
        var party = user.Party();
        // Woken by a credit's transitions here; a presentation's (the list shows each credit's latest) is found at the next look at the log's head.
        return await lists.AnswerAsync(http, db, DocumentaryCredit.RecordType, waitSeconds, async c =>
        {
            var (credits, total) = await CreditQueries.ListAsync(db, party, number, size, c);
            return new PagedResult<CreditView>(credits.Select(c => CreditView.From(c)).ToList(), number, size, total);
        }, ct);
    }

    /// <summary>How often a waiting credit read is read again though nothing woke it: a party sees a signature its step waits for (or its lapse) within this.</summary>
    private static readonly TimeSpan PendingSignatureSeenWithin = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The credit as the caller sees it, with its ETag; with If-None-Match and waitSeconds a long-poll for its next change
    /// (<see cref="ListChanges.AnswerRecordAsync"/>: woken by the credit's transitions and its presentations' committed here,
    /// another replica's at the next look at the log's head, within 2 s; a signature a step waits for, which is no
    /// transition, by the read every <see cref="PendingSignatureSeenWithin"/>). The request's first read is the plain GET's: a
    /// signature being submitted is resolved from the chain first (<see cref="CreditQueries.WithPendingSignatureAsync"/>);
    /// the reads while it waits only read (the chain is not asked, nothing is written, at each wake of every party's page):
    /// its resolution, by the next request or by the signature's own follow, is a change they then see.
    /// </summary>
    private static async Task<IResult> GetAsync(Guid id, HttpContext http, ClaimsPrincipal user, PaymentsDbContext db, ListChanges follow, SubmitSignature submit,
        TimeProvider clock, ILogger<SubmitSignature> logger, int? waitSeconds, CancellationToken ct)
    {
        if (LongPoll.Refused(ListChanges.Check(http.Request, waitSeconds)) is { } refused) return refused;
        var first = true;
        return await follow.AnswerRecordAsync(http, db, RecordChanges.KeyOf(DocumentaryCredit.RecordType, id.ToString()), waitSeconds, PendingSignatureSeenWithin, async c =>
            {
                // Each read afresh: a credit the context still tracks from the read before would be handed back as it was then.
                db.ChangeTracker.Clear();
                if (await CreditQueries.FindAsync(db, id, user.Party(), c) is not { } found) return null;
                if (!first) return CreditView.From(found, await CreditQueries.PendingSignatureAsync(db, found.Id, clock.GetUtcNow(), c));
                first = false;
                return await CreditQueries.WithPendingSignatureAsync(db, found, user.Party(), submit, clock, logger, c) is ({ } credit, var pending)
                    ? CreditView.From(credit, pending)
                    : null;
            },
            () => Problems.NotFound("credit", id.ToString()), ct);
    }

    private static async Task<IResult> HistoryAsync(Guid id, ClaimsPrincipal user, PaymentsDbContext db, TransitionHistory history, CancellationToken ct) =>
        await CreditQueries.FindAsync(db, id, user.Party(), ct) is { } credit
            ? Results.Ok(await CreditQueries.HistoryAsync(history, credit, ct))
            : Problems.NotFound("credit", id.ToString());

    private static async Task<IResult> MessagesAsync(Guid id, ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct) =>
        await CreditQueries.FindAsync(db, id, user.Party(), ct) is { } credit
            ? Results.Ok(await MessageEndpoints.ListAsync(db, credit.Number, user, ct))
            : Problems.NotFound("credit", id.ToString());

    private static async Task<IResult> AmendAsync(Guid id, AmendmentRequest request, ClaimsPrincipal user, SettlementLedger ledger, ProposeAmendment propose,
        PaymentsDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > InputLimits.Reason) errors.Add(("reason", $"is required: why the credit is amended (at most {InputLimits.Reason} characters)"));
        else if (TextRules.Problem(request.Reason, InputLimits.Reason, multiline: true) is { } broken) errors.Add(("reason", broken));
        // The fields it sets; omitted ones keep the credit's.
        var change = Proposed(request.Terms, application: false, errors, ledger);
        if (errors.Count > 0) return Problems.Validation(errors);
        return await propose.HandleAsync(id, Caller.From(user), change!, request.Reason!, ct) switch
        {
            null => Problems.NotFound("credit", id.ToString()),
            { Errors.Count: > 0 } refused => Problems.Validation([.. Fields(refused.Errors)]),
            var proposed => Results.Ok(await CreditView.OfAsync(proposed.Credit, db, clock, ct)),
        };
    }

    private static async Task<IResult> PresentAsync(Guid id, PresentationRequest request, ClaimsPrincipal user, PresentDocuments present, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        var hashes = request.DocumentHashes?.Select(h => h?.Trim().ToLowerInvariant() ?? "").ToList() ?? [];
        if (hashes.Count is 0 or > 20) errors.Add(("documentHashes", "is required: 1 to 20 document references (0x + 64 hex digits, as the documents service gives them)"));
        for (var i = 0; i < Math.Min(hashes.Count, 20); i++)
            if (!TradeChain.Domain.Hashing.Hex.IsHash32(hashes[i])) errors.Add(($"documentHashes[{i}]", "must be 0x followed by 64 hex digits"));
        if (hashes.Distinct().Count() != hashes.Count) errors.Add(("documentHashes", "must not repeat a document"));
        if (errors.Count > 0) return Problems.Validation(errors);
        var credit = await present.HandleAsync(id, Caller.From(user), hashes, ct);
        return credit is null ? Problems.NotFound("credit", id.ToString()) : Results.Accepted($"/credits/{credit.Id}", CreditView.From(credit));
    }
}
