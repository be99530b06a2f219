using System.Text.Json.Nodes;
using TradeChain.Cli;
using TradeChain.ConsoleTests.Infrastructure;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.ConsoleTests;

/// <summary>
/// What happens through the services' APIs before (or beside) a browser journey, as the README's walk-throughs do it with
/// development tokens: an exporter issues its documents and lodges an export of natural rubber, its bank pays the duties.
/// </summary>
public sealed class CustomsTrade(ConsoleSystem system)
{
    private static readonly AuthOptions Auth = new() { SigningKey = DevelopmentTokens.DevelopmentSigningKey };
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static HttpClient Client(string role, string party, string subject = "api") => TradeChainHttp.Client(Auth, role, party, subject);

    /// <summary>A local reference number no other journey uses.</summary>
    public static string NewReference(string prefix) => $"{prefix}-{DateTime.UtcNow:HHmmss}-{Random.Shared.Next(10_000, 99_999)}";

    private Uri Documents => system.Services.Documents.BaseAddress;

    private Uri Customs => system.Services.Customs.BaseAddress;

    /// <summary>Submits a document and waits until it is issued on chain; returns its hash.</summary>
    public async Task<string> IssueAsync(HttpClient exporter, string type, object content)
    {
        var submitted = await TradeChainHttp.PostAsync(exporter, new Uri(Documents, "documents"), new { type, content });
        var issued = await TradeChainHttp.PollAsync(exporter, new Uri(Documents, $"documents/{submitted["id"]}"), d => d["status"]?.GetValue<string>() == "Issued", Timeout,
            what: $"{type} issued");
        return issued["hash"]!.GetValue<string>();
    }

    public Task<string> IssuePackingListAsync(HttpClient exporter, string number) => IssueAsync(exporter, "packing-list", new
    {
        packingListNumber = number, shipper = new { name = "ACME Rubber Export JSC" }, consignee = new { name = "Nordsee Reifenwerke GmbH" },
        packages = 576, packageType = "bales", grossMassKg = 20_500,
    });

    /// <summary>
    /// Issues a certificate of origin and an invoice and lodges the export declaration citing them (GoldenPath's rubber
    /// export); waits until customs has assessed it. A customs value of 250,000 USD routes it yellow (rule Y-HIGH-VALUE);
    /// the declarant EXP-WATCHLIST-01 routes it red (R-WATCHLIST).
    /// </summary>
    public async Task<JsonObject> LodgeAssessedExportAsync(HttpClient exporter, string localReferenceNumber, decimal customsValue)
    {
        var certificate = await IssueAsync(exporter, "certificate-of-origin", new
        {
            certificateNumber = $"CO-{localReferenceNumber}", exporter = new { name = "ACME Rubber Export JSC", country = "VN" },
            consignee = new { name = "Nordsee Reifenwerke GmbH", country = "DE" }, originCountry = "VN", goodsDescription = "Natural rubber SVR 10", hsCode = "400122",
        });
        var invoice = await IssueAsync(exporter, "commercial-invoice", new
        {
            invoiceNumber = $"INV-{localReferenceNumber}", seller = new { name = "ACME Rubber Export JSC", country = "VN" },
            buyer = new { name = "Nordsee Reifenwerke GmbH", country = "DE" }, totalAmount = customsValue.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture),
            currency = "USD", incoterm = "FOB",
        });
        var lodged = await TradeChainHttp.PostAsync(exporter, new Uri(Customs, "declarations"), GoldenPath.ExportDeclaration(localReferenceNumber, certificate, invoice, customsValue));
        return await WaitForStatusAsync(exporter, lodged["id"]!.GetValue<string>(), "Assessed");
    }

    /// <summary>The declarant's bank pays the assessed duties (GoldenPath.FundAndSettleAsync); waits until customs has heard.</summary>
    public async Task<JsonObject> PayAsync(HttpClient exporter, JsonObject assessed, string? reference = null, string waitFor = "Paid")
    {
        using var bank = Client(Roles.Bank, GoldenPath.BankParty, "bank.desk");
        using var treasury = Client(Roles.Bank, GoldenPath.TreasuryBankParty, "treasury.desk");
        await GoldenPath.FundAndSettleAsync(exporter, bank, GoldenPath.BankParty, treasury, system.Services.Payments.BaseAddress,
            reference ?? assessed["paymentReference"]!.GetValue<string>(), Timeout);
        return await WaitForStatusAsync(exporter, assessed["id"]!.GetValue<string>(), waitFor);
    }

    public Task<JsonObject> WaitForStatusAsync(HttpClient client, string id, string status) =>
        TradeChainHttp.PollAsync(client, new Uri(Customs, $"declarations/{id}"), d => d["status"]?.GetValue<string>() == status, Timeout, what: $"declaration {status}");

    public Task<JsonObject> HistoryAsync(HttpClient client, string id) => TradeChainHttp.GetAsync(client, new Uri(Customs, $"declarations/{id}/history"));
}
