using TradeChain.Domain;

namespace TradeChain.Customs.Domain;

public enum DeclarationType { Export, Import, Transit }

/// <summary>ASYCUDA-style lifecycle (a subset here; amendments and examination come later).</summary>
public enum DeclarationStatus { Registered, Assessed, Paid, Released, Exited, Rejected, Cancelled }

/// <summary>Selectivity lanes: green and blue release on payment; yellow (documentary check) and red (physical examination) need an officer.</summary>
public enum Lane { Green, Blue, Yellow, Red }

/// <summary>WCO/CDS-style response codes carried by each status change.</summary>
public static class ResponseCodes
{
    public const string Accepted = "01";
    public const string Received = "02";
    public const string Rejected = "03";
    public const string Released = "08";
    public const string Cancelled = "10";
    public const string GoodsExited = "16";
}

public sealed record GoodsItem(
    int ItemNumber,
    string HsCode,
    string Description,
    string OriginCountry,
    decimal Quantity,
    string Unit,
    decimal GrossMassKg,
    decimal NetMassKg,
    decimal CustomsValue,
    string Currency);

/// <summary>A goods declaration and its way from lodgement to release.</summary>
public sealed class Declaration : Aggregate
{
    private Declaration() { }

    public Guid Id { get; private set; }

    public DeclarationType Type { get; private set; }

    public string LocalReferenceNumber { get; private set; } = "";

    /// <summary>The party that lodged the declaration (the token's party claim); only it may see the declaration among exporters.</summary>
    public string DeclarantParty { get; private set; } = "";

    public string ExporterName { get; private set; } = "";

    public string ImporterName { get; private set; } = "";

    public string OfficeOfDeclaration { get; private set; } = "";

    public string Incoterm { get; private set; } = "";

    public List<GoodsItem> Items { get; private set; } = [];

    /// <summary>Hashes of the trade documents the declaration relies on, as issued by the documents service.</summary>
    public List<string> DocumentHashes { get; private set; } = [];

    public DeclarationStatus Status { get; private set; }

    public Lane? Lane { get; private set; }

    public string? LaneRule { get; private set; }

    public AssessmentNotice? Assessment { get; private set; }

    public string? PaymentReference { get; private set; }

    public string? StatusReason { get; private set; }

    public long LodgedAtUnixMs { get; private set; }

    public override string AggregateType => "declaration";

    public override string AggregateKey => Id.ToString();

    public string Currency => Items.Count > 0 ? Items[0].Currency : "";

    public decimal TotalCustomsValue => Items.Sum(i => i.CustomsValue);

    /// <summary>Lodges a declaration: it is registered (02) and waits for its documents to be verified.</summary>
    public static Declaration Lodge(
        Guid id, DeclarationType type, string localReferenceNumber, string declarantParty, string exporterName, string importerName,
        string officeOfDeclaration, string incoterm, IReadOnlyList<GoodsItem> items, IReadOnlyList<string> documentHashes,
        string actor, DateTimeOffset at)
    {
        if (items.Count == 0) throw new DomainRuleViolation("items-required", "A declaration needs at least one goods item.");
        var declaration = new Declaration
        {
            Id = id,
            Type = type,
            LocalReferenceNumber = localReferenceNumber,
            DeclarantParty = declarantParty,
            ExporterName = exporterName,
            ImporterName = importerName,
            OfficeOfDeclaration = officeOfDeclaration,
            Incoterm = incoterm,
            Items = [.. items],
            DocumentHashes = [.. documentHashes],
            Status = DeclarationStatus.Registered,
            LodgedAtUnixMs = at.ToUnixTimeMilliseconds(),
        };
        declaration.RecordTransition("lodged", nameof(DeclarationStatus.Registered), actor,
            $"lodged with {documentHashes.Count} document(s); document verification requested", ResponseCodes.Received, at);
        return declaration;
    }

    /// <summary>The documents were verified: the lane is set and the duties assessed (01).</summary>
    public void Assess(Lane lane, string laneRule, AssessmentNotice assessment, string paymentReference, string actor, DateTimeOffset at)
    {
        Require(DeclarationStatus.Registered, "assess");
        Lane = lane;
        LaneRule = laneRule;
        Assessment = assessment;
        PaymentReference = paymentReference;
        Move(DeclarationStatus.Assessed, actor,
            $"documents verified; lane {lane} ({laneRule}); duties {assessment.TotalPayable:0.00} {assessment.Currency}", ResponseCodes.Accepted, at);
    }

    /// <summary>A referenced document failed verification: the declaration is rejected (03).</summary>
    public void RejectForDocuments(string reason, string actor, DateTimeOffset at)
    {
        Require(DeclarationStatus.Registered, "reject for documents");
        Move(DeclarationStatus.Rejected, actor, reason, ResponseCodes.Rejected, at);
    }

    /// <summary>The duties were paid. Green and blue lanes are released at once; yellow and red wait for an officer.</summary>
    public void RecordPayment(string paymentReference, decimal amount, string currency, string bank, string actor, DateTimeOffset at)
    {
        Require(DeclarationStatus.Assessed, "record a payment");
        if (!string.Equals(paymentReference, PaymentReference, StringComparison.Ordinal))
            throw new DomainRuleViolation("payment-reference", $"Payment {paymentReference} is not the one requested ({PaymentReference}).");
        if (amount != Assessment!.TotalPayable || !string.Equals(currency, Assessment.Currency, StringComparison.Ordinal))
            throw new DomainRuleViolation("payment-amount", $"Paid {amount} {currency} but {Assessment.TotalPayable} {Assessment.Currency} is due.");
        Move(DeclarationStatus.Paid, actor, $"duties {amount:0.00} {currency} paid by {bank} (reference {paymentReference})", null, at);
        if (Lane is Domain.Lane.Green or Domain.Lane.Blue)
            Move(DeclarationStatus.Released, actor, $"automatic release on payment: lane {Lane}", ResponseCodes.Released, at);
    }

    /// <summary>An officer releases goods on the yellow or red lane after the check (08).</summary>
    public void Release(string officer, string reason, DateTimeOffset at)
    {
        Require(DeclarationStatus.Paid, "release");
        if (string.IsNullOrWhiteSpace(reason)) throw new DomainRuleViolation("reason-required", "A release needs the officer's reason.");
        Move(DeclarationStatus.Released, officer, reason, ResponseCodes.Released, at);
    }

    /// <summary>The goods left the customs territory (16).</summary>
    public void ConfirmExit(string officer, string reason, DateTimeOffset at)
    {
        Require(DeclarationStatus.Released, "confirm exit");
        Move(DeclarationStatus.Exited, officer, reason, ResponseCodes.GoodsExited, at);
    }

    /// <summary>The declarant withdraws the declaration; only possible before release (10).</summary>
    public void Cancel(string actor, string reason, DateTimeOffset at)
    {
        if (Status is DeclarationStatus.Released or DeclarationStatus.Exited or DeclarationStatus.Rejected or DeclarationStatus.Cancelled)
            throw new DomainRuleViolation("cancel-before-release", $"A declaration that is {Status} can no longer be cancelled.");
        if (string.IsNullOrWhiteSpace(reason)) throw new DomainRuleViolation("reason-required", "A cancellation needs a reason.");
        Move(DeclarationStatus.Cancelled, actor, reason, ResponseCodes.Cancelled, at);
    }

    private void Require(DeclarationStatus expected, string action)
    {
        if (Status != expected)
            throw new DomainRuleViolation("invalid-transition", $"Cannot {action}: the declaration is {Status}, not {expected}.");
    }

    private void Move(DeclarationStatus to, string actor, string reason, string? responseCode, DateTimeOffset at)
    {
        var from = Status;
        Status = to;
        StatusReason = reason;
        RecordTransition(from.ToString(), to.ToString(), actor, reason, responseCode, at);
    }
}
