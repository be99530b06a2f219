using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Cli;

public sealed class GoldenPathException(string message) : ApiCallException(message);

public sealed record GoldenPathResult(
    Guid DeclarationId,
    string PaymentReference,
    IReadOnlyList<string> DocumentHashes,
    IReadOnlyList<string> DocumentRoots,
    IReadOnlyList<Guid> DocumentIds,
    JsonArray History,
    TimeSpan Elapsed);

/// <summary>
/// One export trade end to end through the three services' HTTP APIs, as its users would do it: the exporter
/// submits a certificate of origin and an invoice and lodges the declaration; customs verifies, assesses and
/// asks for the duty; a bank settles it; customs releases. Prints each step with its transaction hash.
/// </summary>
public sealed class GoldenPath(Uri documents, Uri customs, Uri payments, AuthOptions auth, TextWriter log)
{
    // An authorised economic operator: the selectivity rule B-AEO routes it blue (release on payment, post-clearance audit), so the demo is deterministic.
    public const string ExporterParty = "EXP-AEO-SAIGON";
    public const string BankParty = "BNK-VCB";

    /// <summary>The bank that keeps the customs treasury's account.</summary>
    public const string TreasuryBankParty = "BNK-TREASURY";
    public const string OfficerParty = "CUS-VNSGN";

    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(90);

    public string LocalReferenceNumber { get; init; } = $"LRN-{DateTime.UtcNow:yyyyMMddHHmmss}-{Random.Shared.Next(1000, 9999)}";

    /// <summary>
    /// What a declarant and its bank do to pay duties: the declarant mandates its bank, its settlement account in the duty currency is opened and
    /// credited (a deposit against the bank's books), the customs treasury's account is opened by the treasury's bank, and
    /// the payment is settled — a token transfer on chain. Opening and depositing again are harmless (idempotent).
    /// </summary>
    /// <param name="reached">Told each step done, for timing: 0 the payment request seen, 1 the mandate and both accounts in place, 2 the deposit booked.</param>
    /// <param name="beforeSettle">Awaited once the account is funded, before the settlement is asked for (the benchmark holds settlements back to send them at once).</param>
    /// <param name="accountsInPlace">
    /// Shared by the calls of one session (the benchmark's): the mandate and both accounts are put in place once per payer,
    /// bank and currency, as a bank opens an account once and not per payment; later calls wait for that first opening
    /// (and fail with it: the next call after a failure tries again). Null: each call puts them in place (harmless: idempotent).
    /// </param>
    /// <param name="settle">
    /// How the settlement is asked, given the payment's reference: the payment as the answer showed it (the benchmark's
    /// bulk burst gathers many into one <c>POST /duty-payments/settlements</c>). Null: <c>POST /duty-payments/{reference}/settle</c>.
    /// </param>
    public static async Task<JsonObject> FundAndSettleAsync(HttpClient payerClient, HttpClient bank, string bankParty, HttpClient treasuryBank, Uri payments,
        string reference, TimeSpan timeout, CancellationToken ct = default, Func<Task>? beforeSettle = null, Action<int>? reached = null,
        ConcurrentDictionary<(string Payer, string Bank, string Currency), Lazy<Task>>? accountsInPlace = null, Func<string, Task<JsonObject>>? settle = null)
    {
        // The declarant sees what it owes and mandates its bank, which from then on sees the declarant's duties.
        var payment = await TradeChainHttp.PollAsync(payerClient, new Uri(payments, $"/duty-payments/{reference}"), p => p["status"] is not null, timeout, ct, "payment request received");
        var payer = payment["payerParty"]!.GetValue<string>();
        var currency = payment["currency"]!.GetValue<string>();
        reached?.Invoke(0);
        if (accountsInPlace is null) await OpenAccountsAsync(payerClient, bank, bankParty, treasuryBank, payments, payer, currency, ct);
        else
        {
            // Shared (one opening however many calls race: Lazy), not cancelled with this call. A failed opening is
            // forgotten, so that the next call tries again.
            var key = (payer, bankParty, currency);
            var opening = accountsInPlace.GetOrAdd(key,
                _ => new Lazy<Task>(() => OpenAccountsAsync(payerClient, bank, bankParty, treasuryBank, payments, payer, currency, CancellationToken.None)));
            try { await opening.Value.WaitAsync(ct); }
            catch when (opening.Value.IsFaulted || opening.Value.IsCanceled)
            {
                accountsInPlace.TryRemove(new KeyValuePair<(string, string, string), Lazy<Task>>(key, opening));
                throw;
            }
        }
        reached?.Invoke(1);
        await TradeChainHttp.DepositAsync(bank, payments, payer, currency, payment["amount"]!.GetValue<decimal>(), $"DEP-{reference}", ct);
        reached?.Invoke(2);
        if (beforeSettle is not null) await beforeSettle();
        var settling = settle is not null ? await settle(reference) : await TradeChainHttp.PostAsync(bank, new Uri(payments, $"/duty-payments/{reference}/settle"), new { }, ct);
        // 202 Accepted (the bank's batch had not been recorded within the service's wait): Settling until its receipt is
        // recorded — followed by long-poll to Settled, or to the state it was given up in (the reason then says why).
        if (settling["status"]?.GetValue<string>() == "Settled") return settling;
        var settled = await TradeChainHttp.FollowAsync(bank, new Uri(payments, $"/duty-payments/{reference}"),
            p => p["status"]?.GetValue<string>() != "Settling", timeout, ct, "duty payment settled", known: settling);
        return settled["status"]?.GetValue<string>() == "Settled" ? settled
            : throw new ApiCallException($"duty payment {reference} was not settled: {settled.ToJsonString()}");
    }

    /// <summary>The payer mandates its bank, the bank opens the payer's account, the treasury's bank opens the treasury's (each idempotent).</summary>
    private static async Task OpenAccountsAsync(HttpClient payerClient, HttpClient bank, string bankParty, HttpClient treasuryBank, Uri payments, string payer,
        string currency, CancellationToken ct)
    {
        await TradeChainHttp.PostAsync(payerClient, new Uri(payments, "/accounts/mandates"), new { bank = bankParty, currency }, ct);
        await TradeChainHttp.PostAsync(bank, new Uri(payments, "/accounts"), new { party = payer, currency }, ct);
        await TradeChainHttp.PostAsync(treasuryBank, new Uri(payments, "/accounts"), new { party = "CUSTOMS-TREASURY", currency }, ct);
    }

    public async Task<GoldenPathResult> RunAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var exporter = Client(Roles.Exporter, ExporterParty, "anh.nguyen");
        using var bank = Client(Roles.Bank, BankParty, "treasury.ops");
        using var officer = Client(Roles.CustomsOfficer, OfficerParty, "officer.tran");

        Step("1", "exporter submits a certificate of origin and a commercial invoice to documents");
        var certificate = await PostAsync(exporter, new Uri(documents, "/documents"), new
        {
            type = "certificate-of-origin",
            content = new
            {
                certificateNumber = $"CO-{LocalReferenceNumber}",
                issueDate = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                exporter = new { name = "ACME Rubber Export JSC", address = "12 Nguyen Hue, District 1, Ho Chi Minh City", country = "VN" },
                consignee = new { name = "Nordsee Reifenwerke GmbH", address = "Hafenstrasse 4, Hamburg", country = "DE" },
                originCountry = "VN",
                importingCountry = "DE",
                goodsDescription = "Technically specified natural rubber SVR 10, 576 bales of 35 kg",
                hsCode = "400122",
            },
        }, ct);
        var invoice = await PostAsync(exporter, new Uri(documents, "/documents"), new
        {
            type = "commercial-invoice",
            content = new
            {
                invoiceNumber = $"INV-{LocalReferenceNumber}",
                seller = new { name = "ACME Rubber Export JSC", country = "VN" },
                buyer = new { name = "Nordsee Reifenwerke GmbH", country = "DE" },
                totalAmount = "48000.00",
                currency = "USD",
                incoterm = "FOB",
            },
        }, ct);
        var documentIds = new[] { Guid.Parse(certificate["id"]!.GetValue<string>()), Guid.Parse(invoice["id"]!.GetValue<string>()) };
        var hashes = new List<string>();
        var roots = new List<string>();
        foreach (var (id, submitted) in documentIds.Zip([certificate, invoice]))
        {
            // Followed from the answer to its submission (it carries the document's version).
            var issued = await FollowAsync(exporter, new Uri(documents, $"/documents/{id}"), d => d["status"]?.GetValue<string>() == "Issued", "document issued", ct, submitted);
            hashes.Add(issued["hash"]!.GetValue<string>());
            roots.Add(issued["merkleRoot"]!.GetValue<string>());
            Info($"{issued["type"]} targetHash {issued["targetHash"]} wrapped (OpenAttestation v2); batch root {issued["merkleRoot"]} issued on document store {issued["documentStore"]} in block {issued["issuedInBlock"]}, tx {issued["issueTransactionHash"]}");
        }

        Step("2", "exporter lodges an export declaration referencing the documents by hash");
        var lodged = await PostAsync(exporter, new Uri(customs, "/declarations"), ExportDeclaration(LocalReferenceNumber, hashes[0], hashes[1]), ct);
        var declarationId = Guid.Parse(lodged["id"]!.GetValue<string>());
        Info($"declaration {declarationId} {lodged["status"]}; customs asked documents over the bus to verify {hashes.Count} documents");

        Step("3", "customs verifies the documents, selects the lane and assesses the duty");
        var assessed = await FollowAsync(exporter, new Uri(customs, $"/declarations/{declarationId}"),
            d => d["status"]?.GetValue<string>() is "Assessed" or "Rejected", "declaration assessed", ct, lodged);
        if (assessed["status"]!.GetValue<string>() == "Rejected") throw new GoldenPathException($"declaration rejected: {assessed["statusReason"]}");
        var reference = assessed["paymentReference"]!.GetValue<string>();
        var decision = await PollAsync(officer, new Uri(customs, $"/declarations/{declarationId}"), _ => true, "officer's view", ct);
        Info($"lane {assessed["lane"]} — the officer sees why: {decision["laneDecision"]!["explanation"]} (the exporter sees only the lane)");
        foreach (var line in assessed["assessment"]!["lines"]!.AsArray()) Info($"  item {line!["itemNumber"]}: {line["dutyComputation"]}; VAT {line["vatComputation"]}");
        Info($"duty payable {assessed["assessment"]!["totalPayable"]} {assessed["assessment"]!["currency"]}; payment {reference} requested from payments");

        Step("4", "the exporter's bank pays the duty from the exporter's settlement account to the customs treasury's, on chain; payments confirms to customs over the bus");
        using var treasury = Client(Roles.Bank, TreasuryBankParty, "treasury.desk");
        var settled = await FundAndSettleAsync(exporter, bank, BankParty, treasury, payments, reference, StepTimeout, ct);
        Info($"payment {reference}: {settled["status"]} {settled["amount"]} {settled["currency"]} by {settled["settledByBank"]} (token transfer, tx {settled["settlementTransactionHash"]})");

        Step("5", "customs marks the declaration paid and releases it");
        var released = await FollowAsync(officer, new Uri(customs, $"/declarations/{declarationId}"),
            d => d["status"]?.GetValue<string>() == "Released", "declaration released", ct);
        Info($"declaration {declarationId}: {released["status"]} — {released["statusReason"]}");

        Step("6", "every transition is anchored on chain; the history's proofs check against the anchored roots");
        var history = await PollAsync(exporter, new Uri(customs, $"/declarations/{declarationId}/history"),
            h => h["transitions"]!.AsArray().All(t => t!["anchor"]!["proofValid"]?.GetValue<bool>() == true && t["anchor"]!["rootOnChain"]?.GetValue<bool>() == true),
            "transitions anchored", ct);
        var transitions = history["transitions"]!.AsArray();
        foreach (var t in transitions)
        {
            var a = t!["anchor"]!;
            Info($"#{t["sequence"]} {t["fromState"]} → {t["toState"]} [{t["responseCode"]}] root {Short(a["root"])} batch {a["batchSize"]} block {a["blockNumber"]} tx {a["transactionHash"]}: {a["verdict"]}");
        }
        var paymentHistory = await PollAsync(bank, new Uri(payments, $"/duty-payments/{reference}/history"),
            h => h["transitions"]!.AsArray().All(t => t!["anchor"]!["rootOnChain"]?.GetValue<bool>() == true), "payment anchored", ct);
        foreach (var t in paymentHistory["transitions"]!.AsArray())
            Info($"payment #{t!["sequence"]} {t["fromState"]} → {t["toState"]} anchored in tx {t["anchor"]!["transactionHash"]}");

        return new GoldenPathResult(declarationId, reference, hashes, roots, documentIds, transitions, clock.Elapsed);
    }

    /// <summary>An export of natural rubber (2 % export duty) from Ho Chi Minh City to Hamburg, in the WCO data model the customs API takes.</summary>
    public static object ExportDeclaration(string localReferenceNumber, string certificateOfOriginHash, string invoiceHash, decimal customsValue = 48_000m) => new
    {
        type = "export",
        localReferenceNumber,
        officeOfDeclaration = "VNSGN",
        incoterm = "FOB",
        exporter = new { name = "ACME Rubber Export JSC", identifier = "VN0312345678", country = "VN" },
        importer = new { name = "Nordsee Reifenwerke GmbH", identifier = "DE123456789012345", country = "DE" },
        consignment = new { transportMode = 1, meansOfTransport = "MAERSK SELETAR 245W", containers = new[] { "CSQU3054383" }, placeOfLoading = "VNSGN", placeOfDischarge = "DEHAM" },
        items = new[]
        {
            new { itemNumber = 1, hsCode = "40012290", description = "Technically specified natural rubber SVR 10, 576 bales of 35 kg", originCountry = "VN", quantity = 576m, unit = "NAR",
                  grossMassKg = 20500m, netMassKg = 20160m, customsValue, currency = "USD", valuationMethod = 1, procedureCode = "1000", preferenceCode = "100" },
        },
        documents = new[]
        {
            new { type = "certificate-of-origin", hash = certificateOfOriginHash },
            new { type = "commercial-invoice", hash = invoiceHash },
        },
    };

    private HttpClient Client(string role, string party, string subject) => TradeChainHttp.Client(auth, role, party, subject);

    private static Task<JsonObject> PostAsync(HttpClient client, Uri uri, object body, CancellationToken ct) => TradeChainHttp.PostAsync(client, uri, body, ct);

    private Task<JsonObject> PollAsync(HttpClient client, Uri uri, Func<JsonObject, bool> done, string what, CancellationToken ct) =>
        TradeChainHttp.PollAsync(client, uri, done, StepTimeout, ct, what);

    /// <summary>A declaration or a document, followed by long-poll rather than polled (from <paramref name="known"/>, its answer already held).</summary>
    private Task<JsonObject> FollowAsync(HttpClient client, Uri uri, Func<JsonObject, bool> done, string what, CancellationToken ct, JsonObject? known = null) =>
        TradeChainHttp.FollowAsync(client, uri, done, StepTimeout, ct, what, known);

    private void Step(string number, string text) => log.WriteLine($"\n[{number}] {text}");

    private void Info(string text) => log.WriteLine($"    {text}");

    private static string Short(JsonNode? hash) => hash?.GetValue<string>() is { Length: > 14 } h ? h[..10] + "…" : hash?.ToString() ?? "";
}
