using TradeChain.Domain.Hashing;
using System.Security.Claims;
using TradeChain.Payments.Application;
using TradeChain.Payments.Domain.Credits;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Payments.Api;

public sealed record RequiredDocumentRequest(string? Type, IReadOnlyList<string>? MatchFields, int? Originals);

/// <summary>The credit's terms as applied for (and, in an amendment, as changed: omitted fields keep their value).</summary>
public sealed record CreditTermsRequest(string? Currency, decimal? Amount, decimal? TolerancePercent, DateOnly? ExpiryDate, string? ExpiryPlaceCountry,
    DateOnly? LatestShipmentDate, int? PresentationPeriodDays, bool? PartialShipmentsAllowed, string? ApplicantName, string? BeneficiaryName,
    string? PortOfLoading, string? PortOfDischarge, string? GoodsDescription, IReadOnlyList<RequiredDocumentRequest>? RequiredDocuments);

public sealed record CreditApplication(string? Beneficiary, string? IssuingBank, string? AdvisingBank, CreditTermsRequest? Terms, Guid? CustomsDeclarationId);

public sealed record AmendmentRequest(CreditTermsRequest? Terms, string? Reason);

public sealed record PresentationRequest(IReadOnlyList<string?>? DocumentHashes);

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

public sealed record CreditView(Guid Id, string Number, string Status, string Applicant, string Beneficiary, string IssuingBank, string? AdvisingBank,
    CreditTerms Terms, decimal Drawn, Guid? CustomsDeclarationId, string? EscrowTransactionHash, string? RefundTransactionHash, bool BeneficiaryConsentedToCancel,
    IReadOnlyList<AmendmentView> Amendments, IReadOnlyList<PresentationView> Presentations)
{
    public static CreditView From(DocumentaryCredit c) => new(c.Id, c.Number, c.Status.ToString(), c.ApplicantParty, c.BeneficiaryParty, c.IssuingBankParty,
        c.AdvisingBankParty, c.Terms, c.Drawn, c.CustomsDeclarationId, c.EscrowTransactionHash, c.RefundTransactionHash, c.BeneficiaryConsentedToCancel,
        [.. c.Amendments.Select(AmendmentView.From)], [.. c.Presentations.Select(PresentationView.From)]);
}

/// <summary>
/// Documentary credits under UCP 600 over HTTP: each route checks the request's shape and hands it to its use case in
/// Application/Credits.cs; the rules are the credit's own (Domain/Credits/DocumentaryCredit.cs).
/// </summary>
public static class CreditEndpoints
{
    private static readonly string[] KnownTypes = ["commercial-invoice", "bill-of-lading", "packing-list", "certificate-of-origin", "phytosanitary-certificate"];

    private static readonly string[] KnownMatchFields = ["amount", "currency", "applicant", "beneficiary", "portOfLoading", "portOfDischarge", "goodsDescription", "shipmentDate"];

    public static IEndpointRouteBuilder MapCredits(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/credits").WithTags("documentary credits").RequireAuthorization(Policies.AnyParty);
        group.MapPost("/", ApplyAsync).RequireAuthorization(Roles.Exporter).WithSummary("The importer (applicant) applies to its bank for a documentary credit.");
        group.MapGet("/", ListAsync).WithSummary("The credits the caller is party to.");
        group.MapGet("/{id:guid}", GetAsync);
        group.MapGet("/{id:guid}/history", HistoryAsync).WithSummary("The credit's transitions with their Merkle proofs and on-chain anchoring.");
        group.MapGet("/{id:guid}/messages", MessagesAsync).WithSummary("ISO 20022 messages of the credit's settlements and refund.");
        group.MapPost("/{id:guid}/issue", (Guid id, ClaimsPrincipal u, IssueCredit issue, CancellationToken ct) =>
                Respond(id, issue.HandleAsync(id, Caller.From(u), ct))).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing bank issues the credit: the amount moves from the applicant's account into escrow on chain.");
        group.MapPost("/{id:guid}/advise", (Guid id, ClaimsPrincipal u, AdviseCredit advise, CancellationToken ct) =>
                Respond(id, advise.HandleAsync(id, Caller.From(u), ct))).RequireAuthorization(Roles.Bank)
            .WithSummary("The advising bank advises the credit to the beneficiary.");
        group.MapPost("/{id:guid}/amendments", AmendAsync).RequireAuthorization(Roles.Bank).WithSummary("The issuing bank proposes an amendment (UCP 600 art. 10).");
        group.MapPost("/{id:guid}/amendments/{number:int}/accept", (Guid id, int number, ClaimsPrincipal u, DecideAmendment decide, CancellationToken ct) =>
            Respond(id, decide.HandleAsync(id, number, true, Caller.From(u), ct))).WithSummary("The beneficiary accepts the amendment: the terms (and the escrowed amount) change.");
        group.MapPost("/{id:guid}/amendments/{number:int}/reject", (Guid id, int number, ClaimsPrincipal u, DecideAmendment decide, CancellationToken ct) =>
            Respond(id, decide.HandleAsync(id, number, false, Caller.From(u), ct))).WithSummary("The beneficiary rejects the amendment: the terms stay.");
        group.MapPost("/{id:guid}/presentations", PresentAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("The beneficiary presents documents (references to documents issued in the documents service); they are verified over the bus and examined automatically.");
        group.MapPost("/{id:guid}/presentations/{presentation:guid}/refuse", (Guid id, Guid presentation, ClaimsPrincipal u, RefusePresentation refuse, CancellationToken ct) =>
                Respond(id, refuse.HandleAsync(id, presentation, Caller.From(u), ct))).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing bank refuses a discrepant presentation with ONE notice listing every discrepancy (UCP 600 art. 16).");
        group.MapPost("/{id:guid}/presentations/{presentation:guid}/waive", (Guid id, Guid presentation, ClaimsPrincipal u, WaiveDiscrepancies waive, CancellationToken ct) =>
                Respond(id, waive.HandleAsync(id, presentation, Caller.From(u), ct))).RequireAuthorization(Roles.Exporter)
            .WithSummary("The applicant waives the discrepancies.");
        group.MapPost("/{id:guid}/presentations/{presentation:guid}/accept", (Guid id, Guid presentation, ClaimsPrincipal u, AcceptPresentation accept, CancellationToken ct) =>
                Respond(id, accept.HandleAsync(id, presentation, Caller.From(u), ct))).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing bank accepts a complying (or waived) presentation.");
        group.MapPost("/{id:guid}/presentations/{presentation:guid}/settle", (Guid id, Guid presentation, ClaimsPrincipal u, SettlePresentation settle, CancellationToken ct) =>
                Respond(id, settle.HandleAsync(id, presentation, Caller.From(u), ct))).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing or advising bank releases the accepted amount from escrow to the beneficiary (once per presentation, enforced on chain).");
        group.MapPost("/{id:guid}/consent-to-cancel", (Guid id, ClaimsPrincipal u, ConsentToCancel consent, CancellationToken ct) =>
                Respond(id, consent.HandleAsync(id, Caller.From(u), ct))).RequireAuthorization(Roles.Exporter)
            .WithSummary("The beneficiary agrees, with its own account, to cancel the credit before expiry.");
        group.MapPost("/{id:guid}/refund", (Guid id, ClaimsPrincipal u, RefundCredit refund, CancellationToken ct) =>
                Respond(id, refund.HandleAsync(id, Caller.From(u), ct))).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing bank returns the unused amount to the applicant: after expiry, or on a cancellation the beneficiary agreed to.");
        return app;
    }

    /// <summary>The credit after the step, or 404 when the caller is not party to it (then it does not exist for it).</summary>
    private static async Task<IResult> Respond(Guid id, Task<DocumentaryCredit?> step) =>
        await step is { } credit ? Results.Ok(CreditView.From(credit)) : Problems.NotFound("credit", id.ToString());

    private static async Task<IResult> ApplyAsync(CreditApplication request, ClaimsPrincipal user, ApplyForCredit apply, SettlementLedger ledger, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        foreach (var (field, party) in new[] { ("beneficiary", request.Beneficiary), ("issuingBank", request.IssuingBank) })
        {
            if (string.IsNullOrWhiteSpace(party) || party.Length > 35) errors.Add((field, "is required: a party name (at most 35 characters, the ISO 20022 identifier length)"));
        }
        if (request.AdvisingBank is { Length: 0 or > 35 }) errors.Add(("advisingBank", "must be a party name (at most 35 characters) or omitted"));
        if (request.AdvisingBank is not null && request.AdvisingBank == request.IssuingBank) errors.Add(("advisingBank", "must differ from the issuing bank"));
        if (request.Beneficiary == user.Party()) errors.Add(("beneficiary", "must be another party than the applicant"));
        var terms = Terms(request.Terms, null, errors, ledger);
        if (errors.Count > 0) return Problems.Validation(errors);
        var credit = await apply.HandleAsync(Caller.From(user), request.Beneficiary!, request.IssuingBank!, request.AdvisingBank, terms!, request.CustomsDeclarationId, ct);
        return Results.Created($"/credits/{credit.Id}", CreditView.From(credit));
    }

    /// <summary>Terms from a request: all fields for an application; for an amendment, omitted ones keep <paramref name="current"/>'s.</summary>
    private static CreditTerms? Terms(CreditTermsRequest? r, CreditTerms? current, List<(string, string)> errors, SettlementLedger ledger)
    {
        if (r is null) { errors.Add(("terms", "is required")); return null; }
        T Need<T>(T? value, T? fallback, string field, string rule) where T : struct
        {
            if ((value ?? fallback) is { } v) return v;
            errors.Add(($"terms.{field}", rule));
            return default;
        }
        string Text(string? value, string? fallback, string field, int max)
        {
            var v = value ?? fallback;
            if (string.IsNullOrWhiteSpace(v) || v.Length > max) { errors.Add(($"terms.{field}", $"is required: at most {max} characters")); return ""; }
            return v;
        }
        var currency = (r.Currency ?? current?.Currency)?.ToUpperInvariant();
        if (currency is null || !ledger.Supports(currency)) errors.Add(("terms.currency", $"must be a settlement currency of this network: {string.Join(", ", ledger.Chain.Currencies)}"));
        var amount = Need(r.Amount, current?.Amount, "amount", "is required: the credit amount");
        var decimals = currency is not null && Iso20022.CurrencyAmount.IsActive(currency) ? Math.Min(2, Iso20022.CurrencyAmount.MinorUnits(currency)) : 2;
        if (amount is <= 0 or > 1_000_000_000_000m || decimal.Round(amount, decimals) != amount)
            errors.Add(("terms.amount", $"must be positive, at most 1,000,000,000,000, with at most {decimals} decimals for {currency}"));
        var tolerance = r.TolerancePercent ?? current?.TolerancePercent ?? 0m;
        if (tolerance is < 0 or > 10) errors.Add(("terms.tolerancePercent", "must be between 0 and 10 (UCP 600 art. 30: \"about\" allows 10 %)"));
        var expiry = Need(r.ExpiryDate, current?.ExpiryDate, "expiryDate", "is required (UCP 600 art. 6d: a credit must state an expiry date)");
        var place = Text(r.ExpiryPlaceCountry, current?.ExpiryPlaceCountry, "expiryPlaceCountry", 2);
        if (place.Length > 0 && (place.Length != 2 || !place.All(char.IsAsciiLetterUpper))) errors.Add(("terms.expiryPlaceCountry", "must be an ISO 3166 alpha-2 country code"));
        if (expiry > DateOnly.FromDateTime(DateTime.UtcNow).AddYears(5)) errors.Add(("terms.expiryDate", "must be within five years"));
        var latest = Need(r.LatestShipmentDate, current?.LatestShipmentDate, "latestShipmentDate", "is required");
        if (latest > expiry) errors.Add(("terms.latestShipmentDate", "must not be after the expiry date"));
        var period = r.PresentationPeriodDays ?? current?.PresentationPeriodDays ?? Ucp600Examiner.DefaultPresentationPeriodDays;
        if (period is < 1 or > 180) errors.Add(("terms.presentationPeriodDays", "must be 1 to 180 days (21 unless the credit states otherwise, UCP 600 art. 14c)"));
        var partial = r.PartialShipmentsAllowed ?? current?.PartialShipmentsAllowed ?? true; // art. 31a: allowed unless stated
        var documents = r.RequiredDocuments?.Select((d, i) =>
        {
            if (d is null) { errors.Add(($"terms.requiredDocuments[{i}]", "must be an object with a type")); return new RequiredDocument("", [], 1); }
            if (d.Type is null || !KnownTypes.Contains(d.Type)) errors.Add(($"terms.requiredDocuments[{i}].type", $"must be one of {string.Join(", ", KnownTypes)}"));
            foreach (var f in d.MatchFields ?? [])
                if (!KnownMatchFields.Contains(f)) errors.Add(($"terms.requiredDocuments[{i}].matchFields", $"{f} is not one of {string.Join(", ", KnownMatchFields)}"));
            if (d.Originals is < 1 or > 3) errors.Add(($"terms.requiredDocuments[{i}].originals", "must be 1 to 3"));
            return new RequiredDocument(d.Type ?? "", d.MatchFields ?? [], d.Originals ?? 1);
        }).ToList() ?? current?.RequiredDocuments.ToList();
        if (documents is not { Count: > 0 }) errors.Add(("terms.requiredDocuments", "must list at least one document"));
        else if (!documents.Any(d => d.Type == "commercial-invoice"))
            errors.Add(("terms.requiredDocuments", "must include a commercial-invoice: the amount drawn is the invoice's (UCP 600 art. 18)"));
        var terms = new CreditTerms(currency ?? "", amount, tolerance, expiry, place, latest, period, partial,
            Text(r.ApplicantName, current?.ApplicantName, "applicantName", 140), Text(r.BeneficiaryName, current?.BeneficiaryName, "beneficiaryName", 140),
            Text(r.PortOfLoading, current?.PortOfLoading, "portOfLoading", 5), Text(r.PortOfDischarge, current?.PortOfDischarge, "portOfDischarge", 5),
            Text(r.GoodsDescription, current?.GoodsDescription, "goodsDescription", 2000), documents ?? []);
        foreach (var unmapped in Ucp600Examiner.UnmappedMatchFields(terms))
            errors.Add(("terms.requiredDocuments", $"{unmapped} cannot be matched: that document type does not carry the field"));
        return terms;
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct) =>
        Results.Ok((await CreditQueries.ListAsync(db, user.Party(), ct)).Select(CreditView.From));

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct) =>
        await CreditQueries.FindAsync(db, id, user.Party(), ct) is { } credit ? Results.Ok(CreditView.From(credit)) : Problems.NotFound("credit", id.ToString());

    private static async Task<IResult> HistoryAsync(Guid id, ClaimsPrincipal user, PaymentsDbContext db, TransitionHistory history, CancellationToken ct) =>
        await CreditQueries.FindAsync(db, id, user.Party(), ct) is { } credit
            ? Results.Ok(await CreditQueries.HistoryAsync(history, credit, ct))
            : Problems.NotFound("credit", id.ToString());

    private static async Task<IResult> MessagesAsync(Guid id, ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct) =>
        await CreditQueries.FindAsync(db, id, user.Party(), ct) is { } credit
            ? Results.Ok(await MessageEndpoints.ListAsync(db, credit.Number, user, ct))
            : Problems.NotFound("credit", id.ToString());

    private static async Task<IResult> AmendAsync(Guid id, AmendmentRequest request, ClaimsPrincipal user, PaymentsDbContext db, SettlementLedger ledger,
        ProposeAmendment propose, CancellationToken ct)
    {
        // The terms merge with the credit's current ones (omitted fields keep their value) before their shape is checked.
        var credit = await CreditQueries.FindAsync(db, id, user.Party(), ct);
        if (credit is null) return Problems.NotFound("credit", id.ToString());
        credit.EnsureAmendableBy(user.Party());
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 500) errors.Add(("reason", "is required: why the credit is amended (at most 500 characters)"));
        var terms = Terms(request.Terms, credit.Terms, errors, ledger);
        if (terms is not null && terms.Currency != credit.Terms.Currency) errors.Add(("terms.currency", "cannot change: the amount is held in escrow in the credit's currency"));
        if (terms is not null && terms.ExpiryDate != credit.Terms.ExpiryDate)
            errors.Add(("terms.expiryDate", "cannot be amended here: the escrow's expiry is fixed when the credit is issued (the escrow contract has no way to extend it yet)"));
        if (errors.Count > 0) return Problems.Validation(errors);
        return await Respond(id, propose.HandleAsync(id, Caller.From(user), terms!, request.Reason!, ct));
    }

    private static async Task<IResult> PresentAsync(Guid id, PresentationRequest request, ClaimsPrincipal user, PresentDocuments present, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        var hashes = request.DocumentHashes?.Select(h => h?.Trim().ToLowerInvariant() ?? "").ToList() ?? [];
        if (hashes.Count is 0 or > 20) errors.Add(("documentHashes", "is required: 1 to 20 document references (0x + 64 hex digits, as the documents service gives them)"));
        for (var i = 0; i < hashes.Count; i++)
            if (!TradeChain.Domain.Hashing.Hex.IsHash32(hashes[i])) errors.Add(($"documentHashes[{i}]", "must be 0x followed by 64 hex digits"));
        if (hashes.Distinct().Count() != hashes.Count) errors.Add(("documentHashes", "must not repeat a document"));
        if (errors.Count > 0) return Problems.Validation(errors);
        var credit = await present.HandleAsync(id, Caller.From(user), hashes, ct);
        return credit is null ? Problems.NotFound("credit", id.ToString()) : Results.Accepted($"/credits/{credit.Id}", CreditView.From(credit));
    }
}
