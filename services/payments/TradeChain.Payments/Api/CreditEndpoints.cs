using TradeChain.Domain.Hashing;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Nethereum.Util;
using TradeChain.Domain;
using TradeChain.Ledger;
using TradeChain.Messages;
using TradeChain.Payments.Domain;
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

public sealed record CreditView(Guid Id, string Number, string Status, string Applicant, string Beneficiary, string IssuingBank, string? AdvisingBank,
    CreditTerms Terms, decimal Drawn, Guid? CustomsDeclarationId, string? EscrowTransactionHash, string? RefundTransactionHash, bool BeneficiaryConsentedToCancel,
    IReadOnlyList<Amendment> Amendments, IReadOnlyList<Presentation> Presentations)
{
    public static CreditView From(DocumentaryCredit c) => new(c.Id, c.Number, c.Status.ToString(), c.ApplicantParty, c.BeneficiaryParty, c.IssuingBankParty,
        c.AdvisingBankParty, c.Terms, c.Drawn, c.CustomsDeclarationId, c.EscrowTransactionHash, c.RefundTransactionHash, c.BeneficiaryConsentedToCancel,
        c.Amendments, c.Presentations);
}

/// <summary>
/// Documentary credits under UCP 600, with the amount held in the on-chain escrow: every step that moves money is a
/// transaction signed by the acting bank's (or the beneficiary's) own account, and the escrow contract refuses a bank
/// that is not party to the credit, a second payment of a presentation, and more than the credit's amount.
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
        group.MapPost("/{id:guid}/issue", IssueAsync).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing bank issues the credit: the amount moves from the applicant's account into escrow on chain.");
        group.MapPost("/{id:guid}/advise", AdviseAsync).RequireAuthorization(Roles.Bank).WithSummary("The advising bank advises the credit to the beneficiary.");
        group.MapPost("/{id:guid}/amendments", AmendAsync).RequireAuthorization(Roles.Bank).WithSummary("The issuing bank proposes an amendment (UCP 600 art. 10).");
        group.MapPost("/{id:guid}/amendments/{number:int}/accept", (Guid id, int number, ClaimsPrincipal u, [AsParameters] CreditDeps d, CancellationToken ct) =>
            DecideAmendmentAsync(id, number, true, u, d, ct)).WithSummary("The beneficiary accepts the amendment: the terms (and the escrowed amount) change.");
        group.MapPost("/{id:guid}/amendments/{number:int}/reject", (Guid id, int number, ClaimsPrincipal u, [AsParameters] CreditDeps d, CancellationToken ct) =>
            DecideAmendmentAsync(id, number, false, u, d, ct)).WithSummary("The beneficiary rejects the amendment: the terms stay.");
        group.MapPost("/{id:guid}/presentations", PresentAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("The beneficiary presents documents (references to documents issued in the documents service); they are verified over the bus and examined automatically.");
        group.MapPost("/{id:guid}/presentations/{presentation:guid}/refuse", RefuseAsync).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing bank refuses a discrepant presentation with ONE notice listing every discrepancy (UCP 600 art. 16).");
        group.MapPost("/{id:guid}/presentations/{presentation:guid}/waive", WaiveAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("The applicant waives the discrepancies.");
        group.MapPost("/{id:guid}/presentations/{presentation:guid}/accept", AcceptAsync).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing bank accepts a complying (or waived) presentation.");
        group.MapPost("/{id:guid}/presentations/{presentation:guid}/settle", SettleAsync).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing or advising bank releases the accepted amount from escrow to the beneficiary (once per presentation, enforced on chain).");
        group.MapPost("/{id:guid}/consent-to-cancel", ConsentAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("The beneficiary agrees, with its own account, to cancel the credit before expiry.");
        group.MapPost("/{id:guid}/refund", RefundAsync).RequireAuthorization(Roles.Bank)
            .WithSummary("The issuing bank returns the unused amount to the applicant: after expiry, or on a cancellation the beneficiary agreed to.");
        return app;
    }

    public sealed record CreditDeps(PaymentsDbContext Db, SettlementLedger Ledger, Iso20022Recorder Iso, TimeProvider Clock);

    private static async Task<IResult> ApplyAsync(CreditApplication request, ClaimsPrincipal user, PaymentsDbContext db, SettlementLedger ledger, TimeProvider clock, CancellationToken ct)
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
        var now = clock.GetUtcNow();
        // Short enough for an ISO 20022 end-to-end id with a presentation suffix (Max35Text).
        var number = $"LC{now:yyMMdd}{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(5))}";
        var credit = DocumentaryCredit.Apply(Guid.NewGuid(), number, user.Party(), request.Beneficiary!, request.IssuingBank!, request.AdvisingBank, terms!,
            request.CustomsDeclarationId, user.Actor(), now);
        db.Credits.Add(credit);
        await db.SaveChangesAsync(ct);
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

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct)
    {
        var party = user.Party();
        var credits = await db.Credits.AsNoTracking().Where(c => c.ApplicantParty == party || c.BeneficiaryParty == party || c.IssuingBankParty == party || c.AdvisingBankParty == party)
            .OrderByDescending(c => c.AppliedAtUnixMs).ToListAsync(ct);
        return Results.Ok(credits.Select(CreditView.From));
    }

    private static async Task<DocumentaryCredit?> FindAsync(PaymentsDbContext db, Guid id, ClaimsPrincipal user, CancellationToken ct)
    {
        var credit = await db.Credits.SingleOrDefaultAsync(c => c.Id == id, ct);
        return credit is not null && credit.IsParty(user.Party()) ? credit : null; // not a party: the credit does not exist for it
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct) =>
        await FindAsync(db, id, user, ct) is { } credit ? Results.Ok(CreditView.From(credit)) : Problems.NotFound("credit", id.ToString());

    private static async Task<IResult> HistoryAsync(Guid id, ClaimsPrincipal user, PaymentsDbContext db, TransitionHistory history, CancellationToken ct) =>
        await FindAsync(db, id, user, ct) is { } credit ? Results.Ok(await history.GetAsync(credit.AggregateType, credit.AggregateKey, ct)) : Problems.NotFound("credit", id.ToString());

    private static async Task<IResult> MessagesAsync(Guid id, ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct) =>
        await FindAsync(db, id, user, ct) is { } credit ? Results.Ok(await MessageEndpoints.ListAsync(db, credit.Number, user, ct)) : Problems.NotFound("credit", id.ToString());

    private static byte[] Id32(string text) => SettlementClient.Reference(text);

    private static byte[]? CustomsReference(DocumentaryCredit credit) => credit.CustomsDeclarationId is { } d ? CustomsReleaseReference(d) : null;

    /// <summary>The reference under which customs attests the release of a declaration's goods on the escrow (as customs' GoodsReleasedAttestor makes it).</summary>
    public static byte[] CustomsReleaseReference(Guid declarationId) => SettlementClient.Reference($"declaration:{declarationId}");

    private static async Task<IResult> IssueAsync(Guid id, ClaimsPrincipal user, [AsParameters] CreditDeps d, CancellationToken ct)
    {
        var credit = await FindAsync(d.Db, id, user, ct);
        if (credit is null) return Problems.NotFound("credit", id.ToString());
        if (credit.IssuingBankParty != user.Party())
            return Problems.Conflict(new DomainRuleViolation("issuing-bank-only", $"Only {credit.IssuingBankParty} may issue this credit."));
        if (credit.Status != CreditStatus.Applied)
            return Problems.Conflict(new DomainRuleViolation("invalid-transition", $"The credit is {credit.Status}, not Applied."));
        var terms = credit.Terms;
        var applicant = await d.Ledger.RequireAccountAsync(d.Db, credit.ApplicantParty, terms.Currency, "applicant", ct);
        var bank = await d.Ledger.Wallets.ForAsync(user.Party(), ct);
        var beneficiary = d.Ledger.Wallets.AddressOf(credit.BeneficiaryParty);
        var advising = credit.AdvisingBankParty is { } a ? d.Ledger.Wallets.AddressOf(a) : null;
        // The escrow holds the amount plus tolerance (all that may be drawn) until the end of the day the last
        // presentation's examination may end (UTC is used for that day's end).
        var expiry = new DateTimeOffset(terms.EscrowExpiry.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero);
        var minor = LedgerEntry.ToMinor(terms.MaximumAmount);
        if (await SettlementLedger.BalanceAsync(d.Db, credit.ApplicantParty, terms.Currency, ct) < minor)
            return Problems.Conflict(new DomainRuleViolation("insufficient-funds",
                $"The applicant's {terms.Currency} account does not hold {terms.MaximumAmount} (the amount and its tolerance) to lock in escrow."));
        var receipt = await d.Ledger.Chain.OpenCreditAsync(bank, terms.Currency, Id32(credit.Number), applicant.Address, beneficiary, advising, minor, expiry, CustomsReference(credit), ct);
        var tx = receipt?.TransactionHash ?? await d.Ledger.TransactionOfAsync(terms.Currency, Id32(credit.Number));
        credit.Issue(user.Party(), tx, user.Actor(), d.Clock.GetUtcNow());
        d.Ledger.BookEscrow(d.Db, credit.ApplicantParty, terms.Currency, -minor, "credit-escrow", credit.Number, tx);
        if (tx.Length > 0) NotifyEscrow(d, credit, applicant, isCredit: false, terms.MaximumAmount, credit.Number, tx, $"Documentary credit {credit.Number}: amount with tolerance held in escrow");
        await d.Db.SaveChangesAsync(ct);
        return Results.Ok(CreditView.From(credit));
    }

    private static Task<IResult> AdviseAsync(Guid id, ClaimsPrincipal user, [AsParameters] CreditDeps d, CancellationToken ct) =>
        Step(id, user, d, ct, credit => credit.Advise(user.Party(), user.Actor(), d.Clock.GetUtcNow()));

    private static async Task<IResult> AmendAsync(Guid id, AmendmentRequest request, ClaimsPrincipal user, [AsParameters] CreditDeps d, CancellationToken ct)
    {
        var credit = await FindAsync(d.Db, id, user, ct);
        if (credit is null) return Problems.NotFound("credit", id.ToString());
        if (credit.IssuingBankParty != user.Party()) return Problems.Conflict(new DomainRuleViolation("issuing-bank-only", $"Only {credit.IssuingBankParty} may amend this credit."));
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 500) errors.Add(("reason", "is required: why the credit is amended (at most 500 characters)"));
        var terms = Terms(request.Terms, credit.Terms, errors, d.Ledger);
        if (terms is not null && terms.Currency != credit.Terms.Currency) errors.Add(("terms.currency", "cannot change: the amount is held in escrow in the credit's currency"));
        if (terms is not null && terms.ExpiryDate != credit.Terms.ExpiryDate)
            errors.Add(("terms.expiryDate", "cannot be amended here: the escrow's expiry is fixed when the credit is issued (the escrow contract has no way to extend it yet)"));
        if (errors.Count > 0) return Problems.Validation(errors);
        credit.ProposeAmendment(terms!, request.Reason!, user.Actor(), d.Clock.GetUtcNow());
        await d.Db.SaveChangesAsync(ct);
        return Results.Ok(CreditView.From(credit));
    }

    private static async Task<IResult> DecideAmendmentAsync(Guid id, int number, bool accept, ClaimsPrincipal user, CreditDeps d, CancellationToken ct)
    {
        var credit = await FindAsync(d.Db, id, user, ct);
        if (credit is null) return Problems.NotFound("credit", id.ToString());
        if (credit.BeneficiaryParty != user.Party())
            return Problems.Conflict(new DomainRuleViolation("beneficiary-only", "Only the beneficiary accepts or rejects an amendment (UCP 600 art. 10b)."));
        var before = credit.Terms;
        var amendment = credit.DecideAmendment(number, accept, user.Actor(), d.Clock.GetUtcNow());
        if (accept && amendment.Terms.MaximumAmount != before.MaximumAmount)
        {
            // The escrowed amount follows the amendment, signed by the issuing bank, which proposed it. A decrease first
            // carries the beneficiary's own approval on chain: an irrevocable credit is never cut without it.
            var newAmount = LedgerEntry.ToMinor(amendment.Terms.MaximumAmount);
            if (amendment.Terms.MaximumAmount < before.MaximumAmount)
                await d.Ledger.Chain.ApproveAdjustmentAsync(await d.Ledger.Wallets.ForAsync(credit.BeneficiaryParty, ct), Id32(credit.Number), newAmount, ct);
            var bank = await d.Ledger.Wallets.ForAsync(credit.IssuingBankParty, ct);
            var receipt = await d.Ledger.Chain.AdjustAsync(bank, Id32(credit.Number), newAmount, ct);
            d.Ledger.BookEscrow(d.Db, credit.ApplicantParty, before.Currency, LedgerEntry.ToMinor(before.MaximumAmount - amendment.Terms.MaximumAmount), "credit-adjustment",
                $"{credit.Number}/A{number}", receipt.TransactionHash);
            var applicant = await d.Ledger.RequireAccountAsync(d.Db, credit.ApplicantParty, before.Currency, "applicant", ct);
            NotifyEscrow(d, credit, applicant, isCredit: amendment.Terms.MaximumAmount < before.MaximumAmount, Math.Abs(before.MaximumAmount - amendment.Terms.MaximumAmount),
                $"{credit.Number}/A{number}", receipt.TransactionHash, $"Documentary credit {credit.Number}, amendment {number}: escrow adjusted");
        }
        await d.Db.SaveChangesAsync(ct);
        return Results.Ok(CreditView.From(credit));
    }

    private static async Task<IResult> PresentAsync(Guid id, PresentationRequest request, ClaimsPrincipal user, [AsParameters] CreditDeps d, CancellationToken ct)
    {
        var credit = await FindAsync(d.Db, id, user, ct);
        if (credit is null) return Problems.NotFound("credit", id.ToString());
        if (credit.BeneficiaryParty != user.Party()) return Problems.Conflict(new DomainRuleViolation("beneficiary-only", "Only the beneficiary presents documents under the credit."));
        var errors = new List<(string, string)>();
        var hashes = request.DocumentHashes?.Select(h => h?.Trim().ToLowerInvariant() ?? "").ToList() ?? [];
        if (hashes.Count is 0 or > 20) errors.Add(("documentHashes", "is required: 1 to 20 document references (0x + 64 hex digits, as the documents service gives them)"));
        for (var i = 0; i < hashes.Count; i++)
            if (!TradeChain.Domain.Hashing.Hex.IsHash32(hashes[i])) errors.Add(($"documentHashes[{i}]", "must be 0x followed by 64 hex digits"));
        if (hashes.Distinct().Count() != hashes.Count) errors.Add(("documentHashes", "must not repeat a document"));
        if (errors.Count > 0) return Problems.Validation(errors);
        // Presented when the bank receives it: the service's clock, never a date the presenter chooses.
        var presentedOn = DateOnly.FromDateTime(d.Clock.GetUtcNow().UtcDateTime);
        var presentation = credit.Present(Guid.NewGuid(), hashes, presentedOn, user.Actor(), d.Clock.GetUtcNow());
        d.Db.Publish(new DocumentVerificationRequested(presentation.Id, credit.BeneficiaryParty, hashes, DocumentVerificationRequested.Payments, IncludeContent: true));
        await d.Db.SaveChangesAsync(ct);
        return Results.Accepted($"/credits/{credit.Id}", CreditView.From(credit));
    }

    private static Task<IResult> RefuseAsync(Guid id, Guid presentation, ClaimsPrincipal user, [AsParameters] CreditDeps d, CancellationToken ct) =>
        Step(id, user, d, ct, credit => credit.Refuse(presentation, user.Party(), DateOnly.FromDateTime(d.Clock.GetUtcNow().UtcDateTime), user.Actor(), d.Clock.GetUtcNow()));

    private static Task<IResult> WaiveAsync(Guid id, Guid presentation, ClaimsPrincipal user, [AsParameters] CreditDeps d, CancellationToken ct) =>
        Step(id, user, d, ct, credit => credit.Waive(presentation, user.Party(), user.Actor(), d.Clock.GetUtcNow()));

    private static async Task<IResult> AcceptAsync(Guid id, Guid presentation, ClaimsPrincipal user, [AsParameters] CreditDeps d, CancellationToken ct)
    {
        var credit = await FindAsync(d.Db, id, user, ct);
        if (credit is null) return Problems.NotFound("credit", id.ToString());
        var accepted = credit.Accept(presentation, user.Party(), DateOnly.FromDateTime(d.Clock.GetUtcNow().UtcDateTime), user.Actor(), d.Clock.GetUtcNow());
        // On chain too, signed by the issuing bank: the advising bank can then pay exactly this amount and nothing else.
        var bank = await d.Ledger.Wallets.ForAsync(user.Party(), ct);
        await d.Ledger.Chain.AcceptPaymentAsync(bank, Id32(credit.Number), Id32(presentation.ToString()), LedgerEntry.ToMinor(accepted.AmountClaimed), ct);
        await d.Db.SaveChangesAsync(ct);
        return Results.Ok(CreditView.From(credit));
    }

    private static async Task<IResult> SettleAsync(Guid id, Guid presentation, ClaimsPrincipal user, [AsParameters] CreditDeps d, CancellationToken ct)
    {
        var credit = await FindAsync(d.Db, id, user, ct);
        if (credit is null) return Problems.NotFound("credit", id.ToString());
        var current = credit.Find(presentation);
        if (current.Status != PresentationStatus.Accepted)
            return Problems.Conflict(new DomainRuleViolation("not-accepted", $"Presentation {current.Number} is {current.Status}: only an accepted presentation is settled."));
        var terms = credit.Terms;
        var beneficiary = await d.Ledger.RequireAccountAsync(d.Db, credit.BeneficiaryParty, terms.Currency, "beneficiary", ct);
        // Signed by the calling bank's own account: the escrow itself refuses a bank that is not party to the credit.
        var bank = await d.Ledger.Wallets.ForAsync(user.Party(), ct);
        var minor = LedgerEntry.ToMinor(current.AmountClaimed);
        var applicant = await d.Ledger.RequireAccountAsync(d.Db, credit.ApplicantParty, terms.Currency, "applicant", ct);
        var report = new MovementReport(credit.Number, $"{credit.Number}/P{current.Number}", current.AmountClaimed, terms.Currency, credit.ApplicantParty,
            applicant.Address, credit.IssuingBankParty, credit.BeneficiaryParty, beneficiary.Address, beneficiary.ServicingBank, Iso20022Recorder.Placeholder,
            $"Documentary credit {credit.Number}, presentation {current.Number}",
            NotifyDebtor: false); // the applicant was notified of its debit when the funds went into escrow
        // Before any money moves: a message that cannot be written must not strand a payment.
        if (d.Iso.Problem(report) is { } isoProblem) return Problems.Conflict(new DomainRuleViolation("iso20022", isoProblem));
        var paymentId = Id32(presentation.ToString());
        var receipt = await d.Ledger.Chain.ReleaseAsync(bank, Id32(credit.Number), paymentId, minor, ct);
        // null: an earlier attempt paid it and could not record it; the chain's Payment event says in which transaction.
        var tx = receipt?.TransactionHash ?? await d.Ledger.TransactionOfAsync(terms.Currency, paymentId);
        credit.Settle(presentation, tx, user.Actor(), d.Clock.GetUtcNow());
        d.Ledger.BookEscrow(d.Db, credit.BeneficiaryParty, terms.Currency, minor, "credit-release", $"{credit.Number}/P{current.Number}", tx);
        d.Iso.Record(d.Db, report with { ChainTransactionHash = tx });
        await d.Db.SaveChangesAsync(ct);
        return Results.Ok(CreditView.From(credit));
    }

    private static async Task<IResult> ConsentAsync(Guid id, ClaimsPrincipal user, [AsParameters] CreditDeps d, CancellationToken ct)
    {
        var credit = await FindAsync(d.Db, id, user, ct);
        if (credit is null) return Problems.NotFound("credit", id.ToString());
        credit.ConsentToCancel(user.Party(), user.Actor(), d.Clock.GetUtcNow());
        var beneficiary = await d.Ledger.Wallets.ForAsync(user.Party(), ct);
        await d.Ledger.Chain.ConsentToCancelAsync(beneficiary, Id32(credit.Number), ct);
        await d.Db.SaveChangesAsync(ct);
        return Results.Ok(CreditView.From(credit));
    }

    private static async Task<IResult> RefundAsync(Guid id, ClaimsPrincipal user, [AsParameters] CreditDeps d, CancellationToken ct)
    {
        var credit = await FindAsync(d.Db, id, user, ct);
        if (credit is null) return Problems.NotFound("credit", id.ToString());
        var now = d.Clock.GetUtcNow();
        // The rules first (issuing bank, open, expired or consented), so a refused refund sends nothing to the chain.
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        credit.EnsureRefundable(user.Party(), today);
        var bank = await d.Ledger.Wallets.ForAsync(user.Party(), ct);
        string tx;
        try
        {
            tx = (await d.Ledger.Chain.RefundAsync(bank, Id32(credit.Number), ct)).TransactionHash;
        }
        catch (ChainRevertedException e) when (e.Error.StartsWith("CreditClosed", StringComparison.Ordinal)
                                               && credit.Drawn < credit.Terms.MaximumAmount)
        {
            // An earlier attempt refunded it and could not record it: the escrow is closed; its last payment to the applicant is the refund.
            tx = await d.Ledger.TransactionOfAsync(credit.Terms.Currency, Id32(credit.Number), credit.ApplicantParty == "" ? null : d.Ledger.Wallets.AddressOf(credit.ApplicantParty));
        }
        credit.Refund(user.Party(), tx, today, user.Actor(), now);
        var returned = credit.Terms.MaximumAmount - credit.Drawn;
        d.Ledger.BookEscrow(d.Db, credit.ApplicantParty, credit.Terms.Currency, LedgerEntry.ToMinor(returned), "credit-refund", credit.Number, tx);
        if (tx.Length > 0 && returned > 0)
            NotifyEscrow(d, credit, await d.Ledger.RequireAccountAsync(d.Db, credit.ApplicantParty, credit.Terms.Currency, "applicant", ct), isCredit: true, returned,
                $"{credit.Number}/R", tx, $"Documentary credit {credit.Number}: unused balance returned from escrow");
        await d.Db.SaveChangesAsync(ct);
        return Results.Ok(CreditView.From(credit));
    }

    /// <summary>The applicant's camt.054 for money locked in, or returned from, the credit's escrow.</summary>
    private static void NotifyEscrow(CreditDeps d, DocumentaryCredit credit, SettlementAccount applicant, bool isCredit, decimal amount, string endToEndId, string tx, string remittance) =>
        d.Iso.Notify(d.Db, credit.Number, applicant.Party, applicant.Address, applicant.ServicingBank, isCredit, amount, credit.Terms.Currency, endToEndId,
            "Documentary credit escrow", d.Ledger.Chain.EscrowAddress(credit.Terms.Currency), tx, remittance);

    private static async Task<IResult> Step(Guid id, ClaimsPrincipal user, CreditDeps d, CancellationToken ct, Action<DocumentaryCredit> step)
    {
        var credit = await FindAsync(d.Db, id, user, ct);
        if (credit is null) return Problems.NotFound("credit", id.ToString());
        step(credit);
        await d.Db.SaveChangesAsync(ct);
        return Results.Ok(CreditView.From(credit));
    }
}
