using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TradeChain.Payments.Domain.Credits;

/// <summary>
/// The automatic examination of a presentation under a documentary credit (UCP 600 art. 14), on the documents alone.
/// Every discrepancy is listed at once, so that a refusal can be given in ONE notice (art. 16(c)).
/// </summary>
/// <remarks>
/// <para>Where each of the credit's data lives in each document type (the documents service's JSON schemas) is in
/// <see cref="FieldPaths"/>. The commercial invoice is always held to art. 18 (amount, currency, seller = beneficiary,
/// buyer = applicant, goods description) and the bill of lading to art. 20 (ports, shipped-on-board date), whatever
/// the credit lists in <see cref="RequiredDocument.MatchFields"/>; any other document is checked against the credit on
/// the fields its MatchFields list. A listed field that the document type cannot carry is not a discrepancy of the
/// presentation: <see cref="UnmappedMatchFields"/> finds such terms so that they can be refused at issuance.</para>
/// <para>Conflicts between documents (art. 14(d)) are looked for only on fields examined in both documents, only
/// between documents of different types (several bills of lading may carry different dates, art. 31(b)), and only
/// where neither document is already discrepant on that field against the credit (so one fault is listed once). Since
/// each examined field must already agree with the credit, in practice this finds goods descriptions that each fit
/// the credit's but qualify it differently (see <c>Qualifier</c>): a lexical check, conservative on purpose.</para>
/// <para>Not examined: the number of originals (electronic records are single originals), the shipper, consignee and
/// notify party of a bill of lading (art. 14(k), (l)), and quantity tolerances (art. 30(b)): the examination is kept to
/// amounts.</para>
/// </remarks>
public static class Ucp600Examiner
{
    /// <summary>Presentation period when the credit states none (art. 14(c)), used when PresentationPeriodDays is not positive.</summary>
    public const int DefaultPresentationPeriodDays = 21;

    /// <summary>Banking days following the day of presentation that the bank has to examine it (art. 14(b)).</summary>
    public const int ExaminationBankingDays = 5;

    public const string CommercialInvoice = "commercial-invoice";
    public const string BillOfLading = "bill-of-lading";
    public const string CertificateOfOrigin = "certificate-of-origin";
    public const string PackingList = "packing-list";
    public const string PhytosanitaryCertificate = "phytosanitary-certificate";

    private const string Amount = "amount", Currency = "currency", Applicant = "applicant", Beneficiary = "beneficiary",
        PortOfLoading = "portOfLoading", PortOfDischarge = "portOfDischarge", GoodsDescription = "goodsDescription",
        ShipmentDate = "shipmentDate";

    /// <summary>The names a required document's MatchFields may use.</summary>
    public static IReadOnlyList<string> MatchFieldNames { get; } = [Amount, Currency, Applicant, Beneficiary, PortOfLoading, PortOfDischarge, GoodsDescription, ShipmentDate];

    /// <summary>
    /// Per document type, the content path of each match field: dotted paths into the document's content; <c>a|b</c>
    /// means <c>a</c> when present, else <c>b</c>; <c>[*]</c> joins every element of an array.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> FieldPaths { get; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.OrdinalIgnoreCase)
        {
            [CommercialInvoice] = Paths(
                (Amount, "totalAmount"), (Currency, "currency"), (Beneficiary, "seller.name"), (Applicant, "buyer.name"),
                (GoodsDescription, "goodsDescription|lineItems[*].description")),
            [BillOfLading] = Paths(
                (PortOfLoading, "portOfLoading"), (PortOfDischarge, "portOfDischarge"), (ShipmentDate, "shippedOnBoardDate"),
                (GoodsDescription, "goodsDescription")),
            [CertificateOfOrigin] = Paths(
                (GoodsDescription, "goodsDescription"), (Beneficiary, "exporter.name"), (Applicant, "consignee.name")),
            [PackingList] = Paths((Beneficiary, "shipper.name"), (Applicant, "consignee.name")),
            [PhytosanitaryCertificate] = Paths(
                (GoodsDescription, "commodity"), (Beneficiary, "exporter.name"), (Applicant, "consignee.name")),
        }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Fields examined whatever the credit's MatchFields say: art. 18 for the invoice, art. 20 for the bill of lading.</summary>
    private static readonly FrozenDictionary<string, string[]> Mandatory = new Dictionary<string, string[]>
    {
        [CommercialInvoice] = [Amount, Currency, Beneficiary, Applicant, GoodsDescription],
        [BillOfLading] = [PortOfLoading, PortOfDischarge, ShipmentDate],
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The content path of a match field in a document type, or null when the type does not carry it.</summary>
    public static string? ContentPath(string? documentType, string? matchField) =>
        documentType is not null && matchField is not null && FieldPaths.TryGetValue(documentType, out var paths) && paths.TryGetValue(matchField, out var path)
            ? path
            : null;

    /// <summary>
    /// The required documents' match fields that their type cannot carry (or an unknown type), as "type: field" —
    /// terms to refuse at issuance or amendment, since no presentation could show them.
    /// </summary>
    public static IReadOnlyList<string> UnmappedMatchFields(CreditTerms terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        return terms.RequiredDocuments
            .SelectMany(r => r.MatchFields.Where(f => f is not null && ContentPath(r.Type, f) is null).Select(f => $"{r.Type}: {f}"))
            .Distinct()
            .ToList();
    }

    /// <summary>Examines a presentation against the credit's terms: every discrepancy, the amount claimed and the examination deadline.</summary>
    public static ExaminationResult Examine(CreditTerms terms, PresentationInput presentation)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentNullException.ThrowIfNull(presentation);
        var examination = new Examination(terms, presentation);
        examination.Run();
        var deadline = BankingCalendar.AddBankingDays(presentation.PresentedOn, ExaminationBankingDays, terms.ExpiryPlaceCountry);
        return new ExaminationResult(examination.Found.Count == 0, examination.Found, examination.AmountClaimed, deadline);
    }

    private sealed class Examination(CreditTerms terms, PresentationInput presentation)
    {
        public List<Discrepancy> Found { get; } = [];
        public decimal AmountClaimed { get; private set; }

        // Values that agreed with the credit, for the art. 14(d) conflict check between documents.
        private readonly List<(string Type, string Field, string Value)> agreed = [];
        private readonly List<decimal> invoiceTotals = [];
        private readonly List<DateOnly> shipmentDates = [];
        private readonly HashSet<(string Type, string Field)> discrepant = [];
        private bool invoiceTotalUnreadable, invoiceCurrencyMismatch;

        public void Run()
        {
            var required = terms.RequiredDocuments
                .GroupBy(r => r.Type.Trim(), StringComparer.OrdinalIgnoreCase)
                .Select(g => (Type: g.Key, Fields: g.SelectMany(r => r.MatchFields).ToList()));
            foreach (var (type, matchFields) in required)
            {
                // Documents of a type the credit does not require are disregarded (art. 14(g)).
                var presented = presentation.Documents
                    .Where(d => string.Equals(d.Type?.Trim(), type, StringComparison.OrdinalIgnoreCase)).ToList();
                if (presented.Count == 0)
                {
                    Add("document-missing", type, null, "UCP 600 art. 14(a) and art. 2: a complying presentation includes every document the credit stipulates",
                        $"no {type} was presented");
                    continue;
                }
                var fields = (Mandatory.TryGetValue(type, out var always) ? always : [])
                    .Concat(matchFields)
                    .Where(f => ContentPath(type, f) is not null)
                    .Distinct(StringComparer.Ordinal)
                    .ToList();
                foreach (var document in presented)
                    ExamineDocument(type, document, fields);
            }
            ExamineAmount();
            ExamineTiming();
            ExamineDrawings();
            ExamineConflicts();
        }

        private void ExamineDocument(string type, PresentedDocument document, IReadOnlyList<string> fields)
        {
            if (!document.Verified)
                Add("document-not-verified", type, null,
                    "UCP 600 art. 14(a): a document must appear on its face to be what it purports to be — each is verified on chain through the documents service",
                    $"{type} {document.Hash} failed verification: {(string.IsNullOrWhiteSpace(document.VerificationReason) ? "no reason given" : document.VerificationReason)}");
            if (document.Content is null)
            {
                Add("unreadable-field", type, null, "UCP 600 art. 14(a): the examination is made on the documents' data",
                    $"the content of {type} {document.Hash} is not available");
                return;
            }
            foreach (var field in fields)
            {
                var path = ContentPath(type, field)!;
                var (value, problem) = Read(document.Content, path, field == Amount);
                if (value is null)
                {
                    Unreadable(type, field, DisplayPath(path), $"{DisplayPath(path)} in {type} {document.Hash} is {problem}");
                    continue;
                }
                if (ExamineField(type, field, DisplayPath(path), value))
                    agreed.Add((type, field, value));
            }
        }

        /// <summary>Checks one field against the credit; true when it agrees.</summary>
        private bool ExamineField(string type, string field, string path, string value)
        {
            switch (field)
            {
                case Amount:
                    if (!TryAmount(value, out var total))
                        return Unreadable(type, field, path, $"\"{value}\" is not a decimal amount");
                    invoiceTotals.Add(total);
                    return true; // the limits apply to the total of the invoices: ExamineAmount
                case Currency:
                    if (string.Equals(value.Trim(), terms.Currency.Trim(), StringComparison.OrdinalIgnoreCase)) return true;
                    invoiceCurrencyMismatch |= type.Equals(CommercialInvoice, StringComparison.OrdinalIgnoreCase);
                    return Mismatch("currency-mismatch", type, field, path,
                        $"{type} is in {value}, the credit in {terms.Currency}: the amount cannot be compared with the credit's");
                case Beneficiary:
                    return NormaliseText(value) == NormaliseText(terms.BeneficiaryName)
                        || Mismatch("beneficiary-mismatch", type, field, path, $"\"{value}\" is not the beneficiary \"{terms.BeneficiaryName}\"");
                case Applicant:
                    return NormaliseText(value) == NormaliseText(terms.ApplicantName)
                        || Mismatch("applicant-mismatch", type, field, path, $"\"{value}\" is not the applicant \"{terms.ApplicantName}\"");
                case PortOfLoading:
                    return NormaliseLocode(value) == NormaliseLocode(terms.PortOfLoading)
                        || Mismatch("port-of-loading", type, field, path, $"{value} is not the credit's port of loading {terms.PortOfLoading}");
                case PortOfDischarge:
                    return NormaliseLocode(value) == NormaliseLocode(terms.PortOfDischarge)
                        || Mismatch("port-of-discharge", type, field, path, $"{value} is not the credit's port of discharge {terms.PortOfDischarge}");
                case GoodsDescription:
                    var corresponds = type.Equals(CommercialInvoice, StringComparison.OrdinalIgnoreCase)
                        ? ContainsPhrase(value, terms.GoodsDescription)
                        : InGeneralTerms(value, terms.GoodsDescription);
                    return corresponds || Mismatch("goods-description", type, field, path,
                        $"\"{value}\" does not correspond with the credit's \"{terms.GoodsDescription}\"");
                case ShipmentDate:
                    if (!DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var shipped))
                        return Unreadable(type, field, path, $"\"{value}\" is not a date (yyyy-MM-dd)");
                    if (type.Equals(BillOfLading, StringComparison.OrdinalIgnoreCase))
                        shipmentDates.Add(shipped);
                    return shipped <= terms.LatestShipmentDate
                        || Mismatch("late-shipment", type, field, path,
                            $"shipped on {shipped:yyyy-MM-dd}, after the latest shipment date {terms.LatestShipmentDate:yyyy-MM-dd} (which is never extended)");
                default:
                    return true;
            }
        }

        private void ExamineAmount()
        {
            if (invoiceTotals.Count == 0) return;
            AmountClaimed = invoiceTotals.Sum();
            if (invoiceTotalUnreadable || invoiceCurrencyMismatch) return;
            var tolerance = terms.TolerancePercent / 100m;
            var ceiling = terms.Amount * (1 + tolerance);
            var available = ceiling - presentation.AlreadyDrawn;
            if (AmountClaimed > available)
                Add("amount-exceeds-credit", CommercialInvoice, "totalAmount",
                    "UCP 600 art. 18(b) and art. 30(a): the invoice may not exceed the amount the credit permits (its amount and tolerance, less what was already drawn)",
                    $"{Money(AmountClaimed)} claimed, {Money(available)} available: {Money(terms.Amount)} {(terms.TolerancePercent == 0 ? "with no tolerance" : $"+ {terms.TolerancePercent:0.##} % = {Money(ceiling)}")}, less {Money(presentation.AlreadyDrawn)} already drawn");
            var floor = terms.Amount * (1 - tolerance);
            if (!terms.PartialShipmentsAllowed && AmountClaimed < floor)
                Add("partial-drawing-not-allowed", CommercialInvoice, "totalAmount",
                    "UCP 600 art. 31(a) and art. 30(a): the credit does not allow partial drawings, so the drawing must be for the credit amount within its tolerance",
                    $"{Money(AmountClaimed)} claimed, less than {Money(floor)} ({Money(terms.Amount)}{(terms.TolerancePercent == 0 ? "" : $" − {terms.TolerancePercent:0.##} %")})");
        }

        private void ExamineDrawings()
        {
            if (!terms.PartialShipmentsAllowed && presentation.EarlierPresentations > 0)
                Add("partial-drawing-not-allowed", null, null,
                    "UCP 600 art. 31(a): the credit does not allow partial drawings, so it can be drawn only once",
                    $"{presentation.EarlierPresentations} earlier presentation(s) already drew under this credit");
        }

        private void ExamineTiming()
        {
            var country = terms.ExpiryPlaceCountry;
            var expiry = BankingCalendar.NextBankingDay(terms.ExpiryDate, country);
            if (presentation.PresentedOn > expiry)
                Add("presented-after-expiry", null, null,
                    "UCP 600 art. 6(d)(i), 6(e) and 29(a): a presentation must be made on or before the expiry date, extended to the next banking day when the bank is closed on it",
                    $"presented on {presentation.PresentedOn:yyyy-MM-dd}, the credit expired on {Extended(terms.ExpiryDate, expiry, country)}");
            if (shipmentDates.Count == 0) return; // no readable bill of lading: no period to count from
            var shipped = shipmentDates.Max(); // several transport documents: the latest date of shipment (art. 31(b))
            var days = terms.PresentationPeriodDays > 0 ? terms.PresentationPeriodDays : DefaultPresentationPeriodDays;
            var lastDay = shipped.AddDays(days);
            var extended = BankingCalendar.NextBankingDay(lastDay, country);
            if (presentation.PresentedOn > extended)
                Add("late-presentation", null, null,
                    "UCP 600 art. 14(c) and 29(a): documents must be presented within the period after shipment the credit states (21 calendar days unless stated), extended to the next banking day when the bank is closed on its last day",
                    $"shipped on {shipped:yyyy-MM-dd}; {days} days ended on {Extended(lastDay, extended, country)}; presented on {presentation.PresentedOn:yyyy-MM-dd}");
        }

        private void ExamineConflicts()
        {
            foreach (var field in agreed.Select(a => a.Field).Distinct().ToList())
            {
                var values = agreed.Where(a => a.Field == field).ToList();
                for (var i = 0; i < values.Count; i++)
                for (var j = i + 1; j < values.Count; j++)
                {
                    var (a, b) = (values[i], values[j]);
                    if (a.Type.Equals(b.Type, StringComparison.OrdinalIgnoreCase) || !Conflict(field, a.Value, b.Value)) continue;
                    if (discrepant.Contains((a.Type, field)) || discrepant.Contains((b.Type, field))) continue; // listed already
                    Add("data-conflict", b.Type, field,
                        "UCP 600 art. 14(d): data in a document need not be identical to, but must not conflict with, data in any other stipulated document",
                        $"{b.Type} {DisplayPath(ContentPath(b.Type, field)!)} \"{b.Value}\" conflicts with {a.Type} {DisplayPath(ContentPath(a.Type, field)!)} \"{a.Value}\"");
                }
            }
        }

        private bool Conflict(string field, string a, string b) => field switch
        {
            GoodsDescription => Qualifier(a, terms.GoodsDescription) is { } x && Qualifier(b, terms.GoodsDescription) is { } y && x != y,
            PortOfLoading or PortOfDischarge => NormaliseLocode(a) != NormaliseLocode(b),
            Amount => TryAmount(a, out var x) && TryAmount(b, out var y) && x != y,
            Currency => !string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase),
            _ => NormaliseText(a) != NormaliseText(b),
        };

        private bool Mismatch(string code, string type, string field, string path, string detail)
        {
            discrepant.Add((type, field));
            Add(code, type, path, RuleFor(type, field), detail);
            return false;
        }

        private bool Unreadable(string type, string field, string path, string detail)
        {
            if (field == Amount) invoiceTotalUnreadable = true;
            discrepant.Add((type, field));
            Add("unreadable-field", type, path, $"{RuleFor(type, field)} — a field this rule needs", detail);
            return false;
        }

        private void Add(string code, string? type, string? field, string rule, string detail) =>
            Found.Add(new Discrepancy(code, type, field, rule, detail));
    }

    /// <summary>The rule a field is held to in a document type, in words.</summary>
    private static string RuleFor(string type, string field)
    {
        var invoice = type.Equals(CommercialInvoice, StringComparison.OrdinalIgnoreCase);
        var billOfLading = type.Equals(BillOfLading, StringComparison.OrdinalIgnoreCase);
        return field switch
        {
            Amount => "UCP 600 art. 18(b) and art. 30(a): the invoice amount, within the credit's amount and tolerance",
            Currency when invoice => "UCP 600 art. 18(a)(iii): the commercial invoice must be made out in the currency of the credit",
            Beneficiary when invoice => "UCP 600 art. 18(a)(i): the commercial invoice must appear to have been issued by the beneficiary",
            Applicant when invoice => "UCP 600 art. 18(a)(ii): the commercial invoice must be made out in the name of the applicant",
            GoodsDescription when invoice => "UCP 600 art. 18(c): the description of the goods in the commercial invoice must correspond with that in the credit",
            GoodsDescription => "UCP 600 art. 14(e): outside the commercial invoice the goods may be described in general terms not conflicting with the credit",
            PortOfLoading when billOfLading => "UCP 600 art. 20(a)(iii): the bill of lading must indicate shipment from the port of loading stated in the credit",
            PortOfDischarge when billOfLading => "UCP 600 art. 20(a)(iii): the bill of lading must indicate shipment to the port of discharge stated in the credit",
            ShipmentDate when billOfLading => "UCP 600 art. 20(a)(ii) and art. 29(c): the shipped-on-board date must not be after the latest shipment date, which is not extended",
            _ => $"UCP 600 art. 14(d): data in the {type} must not conflict with the credit, which requires it to show the {field}",
        };
    }

    private static IReadOnlyDictionary<string, string> Paths(params (string Field, string Path)[] paths) =>
        paths.ToFrozenDictionary(p => p.Field, p => p.Path, StringComparer.Ordinal);

    /// <summary>The path as shown in a discrepancy: "goodsDescription or lineItems[*].description".</summary>
    private static string DisplayPath(string path) => path.Replace("|", " or ", StringComparison.Ordinal);

    /// <summary>A field's value as text, or null and why: "missing" or "ill-formed (…)".</summary>
    private static (string? Value, string Problem) Read(JsonObject content, string path, bool numberAllowed)
    {
        var alternatives = path.Split('|');
        foreach (var alternative in alternatives)
        {
            var nodes = Select(content, alternative.Split('.'));
            if (nodes.Count == 0 || nodes.All(n => n is null)) continue;
            var texts = new List<string>();
            foreach (var node in nodes)
            {
                if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetValue<string>()))
                    texts.Add(v.GetValue<string>());
                else if (numberAllowed && node is JsonValue n && n.GetValueKind() == JsonValueKind.Number)
                    texts.Add(n.ToJsonString());
                else
                    return (null, $"ill-formed ({(node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant())} where text is expected)");
            }
            return (string.Join(" ", texts), "");
        }
        return (null, "missing");
    }

    /// <summary>The nodes at a dotted path; a segment ending in [*] steps into every element of an array.</summary>
    private static List<JsonNode?> Select(JsonNode? node, ReadOnlySpan<string> segments)
    {
        if (segments.IsEmpty) return [node];
        if (node is not JsonObject obj) return [];
        var segment = segments[0];
        var each = segment.EndsWith("[*]", StringComparison.Ordinal);
        var name = each ? segment[..^3] : segment;
        if (!obj.TryGetPropertyValue(name, out var child)) return [];
        if (!each) return Select(child, segments[1..]);
        if (child is not JsonArray array) return [];
        var found = new List<JsonNode?>();
        foreach (var element in array)
            found.AddRange(Select(element, segments[1..]));
        return found;
    }

    private static bool TryAmount(string text, out decimal amount) =>
        decimal.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out amount);

    /// <summary>Case, whitespace and punctuation ignored: "ACME Trading Co., Ltd." equals "acme trading co ltd".</summary>
    internal static string NormaliseText(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
            builder.Append(char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : ' ');
        return string.Join(' ', builder.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    private static string NormaliseLocode(string locode) =>
        string.Concat(locode.Where(c => !char.IsWhiteSpace(c))).ToUpperInvariant();

    /// <summary>Art. 18(c): equal, or the credit's description found as a whole (word for word) in the document's.</summary>
    private static bool ContainsPhrase(string document, string credit) =>
        $" {NormaliseText(document)} ".Contains($" {NormaliseText(credit)} ", StringComparison.Ordinal);

    /// <summary>Art. 14(e): one description's words all among the other's (a general term, or more detail), else a conflict.</summary>
    private static bool InGeneralTerms(string a, string b)
    {
        var x = NormaliseText(a).Split(' ').ToHashSet();
        var y = NormaliseText(b).Split(' ').ToHashSet();
        return x.IsSubsetOf(y) || y.IsSubsetOf(x);
    }

    /// <summary>
    /// The word just before the credit's description in a document's (e.g. "robusta" in "Robusta coffee beans" when the
    /// credit says "coffee beans"), or null. Two documents that both fit the credit's description conflict only when
    /// they qualify it differently ("Robusta" and "Arabica"): wording that merely adds other detail (packing, crop,
    /// quantities) is not read as a conflict, since an automatic refusal on it would be wrongful.
    /// </summary>
    private static string? Qualifier(string document, string credit)
    {
        var words = NormaliseText(document).Split(' ');
        var phrase = NormaliseText(credit).Split(' ');
        for (var i = 1; i + phrase.Length <= words.Length; i++)
            if (words.AsSpan(i, phrase.Length).SequenceEqual(phrase))
                return words[i - 1].Any(char.IsLetter) && !(i > 1 && words[i - 2].Any(char.IsDigit))
                    ? words[i - 1]
                    : null; // "320 bags coffee beans": a quantity and its unit, not a kind of goods
        return null;
    }

    private static string Money(decimal amount) => amount.ToString("#,##0.00##", CultureInfo.InvariantCulture);

    private static string Extended(DateOnly day, DateOnly extended, string country) =>
        day == extended
            ? $"{day:yyyy-MM-dd}"
            : $"{day:yyyy-MM-dd} ({BankingCalendar.HolidayName(day, country) ?? day.DayOfWeek.ToString()}), extended to {extended:yyyy-MM-dd} (art. 29(a))";
}
