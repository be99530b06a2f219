using System.Text.Json.Nodes;

namespace TradeChain.Payments.Domain.Credits;

/// <summary>A document the credit requires, and the fields of it that must match the credit (dotted paths in the document's content).</summary>
/// <param name="Type">A documents-service type: commercial-invoice, bill-of-lading, packing-list, certificate-of-origin, phytosanitary-certificate.</param>
/// <param name="MatchFields">
/// Which of the credit's data the document must agree with, by name: "amount", "currency", "applicant", "beneficiary",
/// "portOfLoading", "portOfDischarge", "goodsDescription", "shipmentDate". The examiner knows where each lives in each type.
/// </param>
public sealed record RequiredDocument(string Type, IReadOnlyList<string> MatchFields, int Originals = 1);

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
