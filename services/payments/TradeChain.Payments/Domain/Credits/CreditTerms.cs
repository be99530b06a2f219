using System.Text.Json.Nodes;

namespace TradeChain.Payments.Domain.Credits;

/// <summary>A document the credit requires, and the fields of it that must match the credit (dotted paths in the document's content).</summary>
/// <param name="Type">A documents-service type: commercial-invoice, bill-of-lading, packing-list, certificate-of-origin, phytosanitary-certificate.</param>
/// <param name="MatchFields">
/// Which of the credit's data the document must agree with, by name: "amount", "currency", "applicant", "beneficiary",
/// "portOfLoading", "portOfDischarge", "goodsDescription", "shipmentDate". The examiner knows where each lives in each type.
/// </param>
public sealed record RequiredDocument(string Type, IReadOnlyList<string> MatchFields, int Originals = 1);

/// <summary>A proposed term that breaks a rule: the field, as the API names it ("terms.amount"), and the rule, in words.</summary>
public sealed record TermsError(string Field, string Rule);

/// <summary>
/// Terms as an applicant or the issuing bank proposes them: in an application every field; in an amendment only the
/// fields that change (null keeps the credit's). Omitted in an application, the tolerance is none, the presentation
/// period 21 days (UCP 600 art. 14c) and partial shipments are allowed (art. 31a).
/// </summary>
public sealed record ProposedTerms(
    string? Currency = null,
    decimal? Amount = null,
    decimal? TolerancePercent = null,
    DateOnly? ExpiryDate = null,
    string? ExpiryPlaceCountry = null,
    DateOnly? LatestShipmentDate = null,
    int? PresentationPeriodDays = null,
    bool? PartialShipmentsAllowed = null,
    string? ApplicantName = null,
    string? BeneficiaryName = null,
    string? PortOfLoading = null,
    string? PortOfDischarge = null,
    string? GoodsDescription = null,
    IReadOnlyList<RequiredDocument>? RequiredDocuments = null);

/// <summary>
/// The terms of an irrevocable documentary credit under UCP 600, as issued (and amended). Amounts in the credit's
/// currency; dates are calendar dates at the place of expiry.
/// </summary>
/// <param name="TolerancePercent">Tolerance in percent above and below the amount (UCP 600 art. 30: "about" = 10; 0 = none stated).</param>
/// <param name="ExpiryPlaceCountry">ISO 3166 country of the place for presentation (its banking days and holidays apply), e.g. "VN".</param>
/// <param name="PresentationPeriodDays">Days after shipment within which documents must be presented (UCP 600 art. 14c: 21 unless stated).</param>
public sealed record CreditTerms(
    string Currency,
    decimal Amount,
    decimal TolerancePercent,
    DateOnly ExpiryDate,
    string ExpiryPlaceCountry,
    DateOnly LatestShipmentDate,
    int PresentationPeriodDays,
    bool PartialShipmentsAllowed,
    string ApplicantName,
    string BeneficiaryName,
    string PortOfLoading,
    string PortOfDischarge,
    string GoodsDescription,
    IReadOnlyList<RequiredDocument> RequiredDocuments)
{
    /// <summary>
    /// The most that may be drawn: the amount plus its tolerance (UCP 600 art. 30), rounded down to the currency's
    /// smallest unit (and the token's cents). The escrow holds this.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public decimal MaximumAmount
    {
        get
        {
            var unit = (decimal)Math.Pow(10, Decimals(Currency));
            return decimal.Floor(Amount * (100m + TolerancePercent) / 100m * unit) / unit;
        }
    }

    /// <summary>The most a credit may be for.</summary>
    public const decimal AmountLimit = 1_000_000_000_000m;

    /// <summary>The most documents a credit may require (five types, some in more than one kind): a bound, so examination stays small.</summary>
    public const int MaxRequiredDocuments = 10;

    /// <summary>The latest expiry a credit may have: five years after <c>today</c>.</summary>
    public const int MaximumYears = 5;

    /// <summary>
    /// The terms <paramref name="proposed"/>, completed from <paramref name="current"/> (an amendment) or with UCP 600's
    /// defaults (an application), and every rule they break, field by field: an amount in the currency's smallest unit,
    /// a tolerance of at most 10 % (art. 30), an expiry date (art. 6d) within five years of <paramref name="today"/>, the
    /// latest shipment on or before it, a presentation period of 1 to 180 days (art. 14c), a commercial invoice among the
    /// documents (the amount drawn is the invoice's, art. 18), and only data each document carries to match. An amendment
    /// keeps the currency (the escrow holds it) and the expiry date (fixed in the escrow at issuance).
    /// </summary>
    /// <returns>The terms; valid only when <paramref name="errors"/> is empty.</returns>
    public static CreditTerms Create(ProposedTerms proposed, CreditTerms? current, DateOnly today, out IReadOnlyList<TermsError> errors)
    {
        var found = new List<TermsError>();
        T Need<T>(T? value, T? fallback, string field, string rule) where T : struct
        {
            if ((value ?? fallback) is { } v) return v;
            found.Add(new($"terms.{field}", rule));
            return default;
        }
        var currency = (proposed.Currency ?? current?.Currency)?.ToUpperInvariant() ?? "";
        var amount = Need(proposed.Amount, current?.Amount, "amount", "is required: the credit amount");
        var expiry = Need(proposed.ExpiryDate, current?.ExpiryDate, "expiryDate", "is required (UCP 600 art. 6d: a credit must state an expiry date)");
        var latest = Need(proposed.LatestShipmentDate, current?.LatestShipmentDate, "latestShipmentDate", "is required");
        var terms = new CreditTerms(currency, amount, proposed.TolerancePercent ?? current?.TolerancePercent ?? 0m, expiry,
            proposed.ExpiryPlaceCountry ?? current?.ExpiryPlaceCountry ?? "", latest,
            proposed.PresentationPeriodDays ?? current?.PresentationPeriodDays ?? Ucp600Examiner.DefaultPresentationPeriodDays,
            proposed.PartialShipmentsAllowed ?? current?.PartialShipmentsAllowed ?? true,
            proposed.ApplicantName ?? current?.ApplicantName ?? "", proposed.BeneficiaryName ?? current?.BeneficiaryName ?? "",
            proposed.PortOfLoading ?? current?.PortOfLoading ?? "", proposed.PortOfDischarge ?? current?.PortOfDischarge ?? "",
            proposed.GoodsDescription ?? current?.GoodsDescription ?? "", proposed.RequiredDocuments ?? current?.RequiredDocuments ?? []);
        found.AddRange(terms.Errors(today, current));
        errors = found;
        return terms;
    }

    /// <summary>Every rule these terms break (see <see cref="Create"/>); for an amendment, also against the <paramref name="current"/> terms.</summary>
    public IReadOnlyList<TermsError> Errors(DateOnly today, CreditTerms? current = null)
    {
        var errors = new List<TermsError>();
        void Add(string field, string rule) => errors.Add(new($"terms.{field}", rule));
        var decimals = Decimals(Currency);
        if (Amount is <= 0 or > AmountLimit || decimal.Round(Amount, decimals) != Amount)
            Add("amount", $"must be positive, at most 1,000,000,000,000, with at most {decimals} decimals for {Currency}");
        if (TolerancePercent is < 0 or > 10) Add("tolerancePercent", "must be between 0 and 10 (UCP 600 art. 30: \"about\" allows 10 %)");
        if (ExpiryDate > today.AddYears(MaximumYears)) Add("expiryDate", "must be within five years");
        if (LatestShipmentDate > ExpiryDate) Add("latestShipmentDate", "must not be after the expiry date");
        if (PresentationPeriodDays is < 1 or > 180) Add("presentationPeriodDays", "must be 1 to 180 days (21 unless the credit states otherwise, UCP 600 art. 14c)");
        if (RequiredDocuments.Count == 0) Add("requiredDocuments", "must list at least one document");
        else if (RequiredDocuments.Count > MaxRequiredDocuments) Add("requiredDocuments", $"must list at most {MaxRequiredDocuments} documents");
        else if (!RequiredDocuments.Any(d => d.Type == Ucp600Examiner.CommercialInvoice))
            Add("requiredDocuments", "must include a commercial-invoice: the amount drawn is the invoice's (UCP 600 art. 18)");
        for (var i = 0; i < RequiredDocuments.Count; i++)
        {
            var fields = RequiredDocuments[i].MatchFields;
            if (fields.Count > Ucp600Examiner.MatchFieldNames.Count) Add($"requiredDocuments[{i}].matchFields", $"must name at most {Ucp600Examiner.MatchFieldNames.Count} fields, each once");
            for (var j = 0; j < fields.Count; j++)
                if (fields[j] is null) Add($"requiredDocuments[{i}].matchFields[{j}]", $"must be a field name: {string.Join(", ", Ucp600Examiner.MatchFieldNames)}");
        }
        foreach (var unmapped in Ucp600Examiner.UnmappedMatchFields(this))
            Add("requiredDocuments", $"{unmapped} cannot be matched: that document type does not carry the field");
        if (current is not null && Currency != current.Currency) Add("currency", "cannot change: the amount is held in escrow in the credit's currency");
        if (current is not null && ExpiryDate != current.ExpiryDate)
            Add("expiryDate", "cannot be amended here: the escrow's expiry is fixed when the credit is issued (the escrow contract has no way to extend it yet)");
        return errors;
    }

    /// <summary>
    /// The decimals an amount in <paramref name="currency"/> may have: its ISO 4217 minor unit, at most the settlement
    /// token's two (cents); two for a currency ISO 4217 does not know.
    /// </summary>
    public static int Decimals(string currency) =>
        Math.Min(2, Iso20022.CurrencyAmount.IsActive(currency) ? Iso20022.CurrencyAmount.MinorUnits(currency) : 2);

    /// <summary>
    /// Until when the escrow must hold the funds: a presentation may arrive on the expiry date — extended to the next
    /// banking day at the place of expiry (art. 29a) — and its examination may take five banking days after (art. 14b).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DateOnly EscrowExpiry => BankingCalendar.AddBankingDays(BankingCalendar.NextBankingDay(ExpiryDate, ExpiryPlaceCountry), 5, ExpiryPlaceCountry);
}

/// <summary>One presented document: its reference, the documents service's verdict on it, and its content (unsalted).</summary>
public sealed record PresentedDocument(string Hash, string? Type, bool Verified, string VerificationReason, JsonObject? Content);

/// <summary>
/// A presentation under the credit: when it was made, the documents, and what was already drawn under earlier
/// presentations (for partial drawings).
/// </summary>
public sealed record PresentationInput(DateOnly PresentedOn, IReadOnlyList<PresentedDocument> Documents, decimal AlreadyDrawn, int EarlierPresentations);

/// <summary>One discrepancy: a stable code, the document (type, or null for the presentation as a whole), the field, and the UCP 600 rule, in words.</summary>
public sealed record Discrepancy(string Code, string? DocumentType, string? Field, string Rule, string Detail);

/// <summary>The examination: every discrepancy at once (ONE refusal notice), the amount claimed, and the examination deadline.</summary>
public sealed record ExaminationResult(bool Complying, IReadOnlyList<Discrepancy> Discrepancies, decimal AmountClaimed, DateOnly ExaminationDeadline);
