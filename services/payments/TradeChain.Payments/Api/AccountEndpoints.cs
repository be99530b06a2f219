using System.Numerics;
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TradeChain.Domain;
using TradeChain.Payments.Application;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Payments.Api;

public sealed record OpenAccountRequest([property: MaxLength(InputLimits.Party)] string? Party, [property: MaxLength(3)] string? Currency);

public sealed record BookingRequest(decimal? Amount, [property: MaxLength(InputLimits.Reference)] string? Reference);

public sealed record MandateRequest([property: MaxLength(InputLimits.Reference)] string? Bank, [property: MaxLength(3)] string? Currency);

/// <param name="AccountOpen">Whether the mandated bank has opened the account yet.</param>
public sealed record MandateView(string Party, string Currency, string Bank, long GrantedAtUnixMs, bool AccountOpen);

/// <summary>An account as the list gives it: the balance the ledger books and the balance on chain, side by side.</summary>
/// <param name="ChainBalance">The token balance read from the chain; null when it is not known (<paramref name="ChainBalanceUnknown"/> says why).</param>
/// <param name="Agrees">Whether the two balances are equal; null when the chain balance was not read (false when it is out of range).</param>
/// <param name="ChainBalanceUnknown">Null when the chain balance was read; otherwise why not (<see cref="ChainBalanceReading"/>).</param>
public sealed record AccountListItem(string Party, string Currency, string Address, string ServicingBank, string OpenTransactionHash, long OpenedAtUnixMs,
    decimal Balance, decimal? ChainBalance, bool? Agrees, string? ChainBalanceUnknown);

/// <param name="Entries">One page of the movements, oldest first within it: page 1 is the latest <paramref name="PageSize"/>, page 2 the
/// ones before those, and so on (GET's <c>page</c> and <c>pageSize</c>; the answer to a booking or an opening is page 1 with
/// pageSize <see cref="AccountEndpoints.RecentEntries"/>: a client paging on from it asks with that pageSize).</param>
/// <param name="EntryCount">How many movements the account has in all.</param>
/// <param name="PageNumber">Which page of the movements <paramref name="Entries"/> is (1: the latest).</param>
/// <param name="PageSize">How many movements a page holds.</param>
/// <param name="ChainBalance">The token balance read from the chain; null when it is not known (<paramref name="ChainBalanceUnknown"/> says why).</param>
/// <param name="Agrees">Whether the two balances are equal; null when the chain balance was not read (false when it is out of range).</param>
/// <param name="ChainBalanceUnknown">Null when the chain balance was read; otherwise why not (<see cref="ChainBalanceReading"/>).</param>
/// <param name="QueuedDeposits">The deposits asked of the account's bank and queued for its next transaction, not booked yet: their sum
/// (<paramref name="QueuedDepositCount"/> of them). Read in the same statement as <paramref name="Balance"/>: a queued amount counts in one
/// of the two, never both, never neither, however its booking falls (<see cref="SettlementLedger.StandingAsync"/>).</param>
/// <param name="QueuedWithdrawals">The same of withdrawals (<paramref name="QueuedWithdrawalCount"/>): <paramref name="Balance"/> less these is
/// what a further withdrawal may take.</param>
public sealed record AccountView(string Party, string Currency, string Address, string ServicingBank, decimal Balance, decimal? ChainBalance, bool? Agrees,
    string? ChainBalanceUnknown, IReadOnlyList<LedgerEntryView> Entries, long EntryCount, int PageNumber, int PageSize, decimal QueuedDeposits, int QueuedDepositCount,
    decimal QueuedWithdrawals, int QueuedWithdrawalCount);

/// <summary>
/// An account's token balance read from the chain, in minor units, or why it is not known: <see cref="NotRead"/> (the node
/// did not answer in time — <see cref="AccountEndpoints.ChainReadsDeadline"/> for a list, <see cref="AccountEndpoints.ViewChainReadDeadline"/>
/// for an account's view — or refused) or <see cref="OutOfRange"/> (more
/// than the ledger books, 2^63 − 1 minor units: only money minted outside the service gets there). An answer
/// never fails for it: the booked balance is the service's own and is always given.
/// </summary>
public readonly record struct ChainBalanceReading(long? Minor, string? Unknown)
{
    public const string NotRead = "not-read";
    public const string OutOfRange = "out-of-range";

    public decimal? Amount => Minor is { } minor ? LedgerEntry.FromMinor(minor) : null;

    /// <summary>Whether it agrees with the booked balance: null when not read; false when out of range (no booked balance is).</summary>
    public bool? Agrees(long booked) => Minor is { } minor ? minor == booked : Unknown == OutOfRange ? false : null;
}

/// <summary>
/// A deposit or withdrawal asked of the account's bank (<see cref="BookingInstruction"/>): Queued, Booked (its transaction) or
/// Refused (the token's rule; <c>cancelled</c> when its bank cancelled it); while Queued, how many sends failed and the last
/// failure (the bank's to see), and whether its bank asked to cancel it (<c>cancelAskedAtUnixMs</c>; who, to the bank).
/// </summary>
public sealed record BookingInstructionView(string Kind, string Party, string Currency, string Reference, decimal Amount, string Status, string Bank, string? RequestedBy,
    long RequestedAtUnixMs, string? TransactionHash, string? Rule, string? Refusal, long? DecidedAtUnixMs, int FailedAttempts = 0, string? LastFailure = null,
    long? LastFailureAtUnixMs = null, string? CancelAskedBy = null, long? CancelAskedAtUnixMs = null)
{
    public static BookingInstructionView From(BookingInstruction d) => new(d.What, d.Party, d.Currency, d.Reference, LedgerEntry.FromMinor(d.AmountMinor), d.Status.ToString(), d.Bank,
        d.RequestedBy, d.RequestedAtUnixMs, d.TransactionHash, d.Rule, d.Refusal, d.DecidedAtUnixMs, d.FailedAttempts, d.LastFailure, d.LastFailureAtUnixMs,
        d.CancelAskedBy, d.CancelAskedAtUnixMs);

    /// <summary>As the account's holder sees it: the status and the rule, not who at the bank asked (or asked a cancel) nor the node's words.</summary>
    public BookingInstructionView ForHolder() => this with { RequestedBy = null, Refusal = null, LastFailure = null, CancelAskedBy = null };
}

public sealed record LedgerEntryView(string Kind, string Reference, decimal Amount, string TransactionHash, long AtUnixMs);

/// <summary>
/// Settlement-token accounts: a bank opens (allow-lists) an account for a party it services, and books deposits and
/// withdrawals against its own books (mint and burn). Balances are shown from the service's ledger and from the chain.
/// </summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/accounts").WithTags("accounts");
        group.MapPost("/mandates", MandateAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The caller's party mandates a bank to open and keep its settlement account in a currency (a bank opens no account unasked).");
        group.MapGet("/mandates", ListMandatesAsync).RequireAuthorization(Policies.AnyParty).Produces<PagedResult<MandateView>>().Produces(StatusCodes.Status304NotModified)
            .WithSummary($"A bank's mandates (which parties asked it to keep their account, in which currency), or the caller's own mandates: one page, ordered by party and currency (page, pageSize: {Paging.DefaultSize}, at most {Paging.MaxSize}). " +
                         ListChanges.Summary("mandates"));
        group.MapPost("/", OpenAsync).RequireAuthorization(Roles.Bank)
            .WithSummary("The calling bank opens a settlement account for a party in a currency (allow-listed on chain, serviced by this bank).");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.AnyParty).Produces<PagedResult<AccountListItem>>().Produces(StatusCodes.Status304NotModified)
            .WithSummary($"A bank's serviced accounts and those in its own name; any other party's, those in its own name: one page, ordered by party and currency (page, pageSize: {Paging.DefaultSize}, at most {Paging.MaxSize}), " +
                         "each with its booked balance and its balance on chain (null when not known; chainBalanceUnknown says why: not-read or out-of-range). " + ListChanges.Summary("accounts"));
        group.MapGet("/{party}/{currency}/messages", async (string party, string currency, ClaimsPrincipal u, PaymentsDbContext db, CancellationToken ct) =>
                Results.Ok(await MessageEndpoints.ListAsync(db, $"{party}/{currency.ToUpperInvariant()}", u, ct)))
            .RequireAuthorization(Policies.AnyParty).WithSummary($"The account's camt.054 notifications of deposits and withdrawals (for its holder and its bank): the latest {MessageEndpoints.MaxListed}, oldest first.");
        group.MapGet("/{party}/{currency}", GetAsync).RequireAuthorization(Policies.AnyParty).Produces<AccountView>().Produces(StatusCodes.Status304NotModified)
            .WithSummary($"Balance from the service's ledger and from the chain (null when not known; chainBalanceUnknown says why: not-read or out-of-range), the deposits and withdrawals queued and not booked (queuedDeposits and queuedDepositCount, queuedWithdrawals and queuedWithdrawalCount: read with the balance in one statement, so an amount counts in one or the other), and one page of the movements: page (1, the latest) and pageSize ({Paging.DefaultSize}, at most {Paging.MaxSize}); entryCount says how many there are in all. " +
                         ListChanges.RecordSummary("account") + $" Woken by the account's movements, and its deposits and withdrawals asked or decided, committed here; another replica's, and the chain balance, at the read every {ViewReadAgainAnyway.TotalSeconds:0} s.");
        MapBooking(group, LedgerEntryKind.Deposit,
            "The account's bank credits it against its books (mints tokens). Idempotent on the account's reference (one booked or asked before on this account is answered with that booking and Idempotent-Replayed: true; one its bank cancelled, or is cancelling, is refused: 409 reference-cancelled). Once booked, answered 200 with the account, whatever its chain balance read gives. " +
              "A bank whose key the service's signer holds asks the deposit, and the process that signs for the banks mints it in its next batch: the request waits for the booking " +
              "(Payments:DepositWaitSeconds, 15, or Prefer: wait=) and answers 200, 409 naming the token's rule when it refused the mint (or 409 cancelled when its bank cancelled it meanwhile), or — with Prefer: respond-async, or when the wait runs out — " +
              "202 with the deposit still queued (Location: GET /accounts/{party}/{currency}/deposits/{reference}).",
            "A deposit asked of the account's bank: Queued (waiting for the bank's next batch; to the bank, how many sends failed and the last failure), Booked (its transaction) or Refused (the token's rule, or cancelled: its bank cancelled it). " +
              "For the account's holder and its bank; answered from the ledger for a deposit booked in its request.");
        MapBooking(group, LedgerEntryKind.Withdrawal,
            "The account's bank debits it to its books (burns tokens); the booked balance less the withdrawals already queued must cover it (409 insufficient-funds). Idempotent on the account's reference (Idempotent-Replayed: true, as a deposit's). " +
              "Once booked, answered 200 with the account, whatever its chain balance read gives. A bank whose key the service's signer holds asks the withdrawal, and the process that " +
              "signs for the banks burns it: the request waits as a deposit's does and answers 200, 409 naming the token's rule (or cancelled), or 202 with the withdrawal still queued " +
              "(Location: GET /accounts/{party}/{currency}/withdrawals/{reference}).",
            "A withdrawal asked of the account's bank: Queued (to the bank, how many sends failed and the last failure), Booked (its transaction) or Refused (the token's rule, or cancelled: its bank cancelled it). " +
              "For the account's holder and its bank; answered from the ledger for a withdrawal booked in its request.");
        group.MapGet("/{party}/{currency}/instructions", ListInstructionsAsync).RequireAuthorization(Policies.AnyParty).Produces<PagedResult<BookingInstructionView>>()
            .Produces(StatusCodes.Status304NotModified)
            .WithSummary($"The account's deposits and withdrawals asked and not booked: Queued (waiting to be sent; to the bank, how many sends failed and the last failure) or Refused (the token's rule, or cancelled: its bank cancelled it), newest first, one page (page, pageSize: {Paging.DefaultSize}, at most {Paging.MaxSize}). " +
                         "For the account's holder and its bank. Booked ones are the account's entries. " + ListChanges.Summary("instructions"));
        return app;
    }

    /// <summary>A bank's booking of <paramref name="kind"/> (deposits, withdrawals): asked by POST, read by GET of its reference.</summary>
    private static void MapBooking(RouteGroupBuilder group, LedgerEntryKind kind, string askSummary, string readSummary)
    {
        var path = $"/{{party}}/{{currency}}/{kind.Name()}s";
        group.MapPost(path, (string party, string currency, BookingRequest r, HttpContext http, ClaimsPrincipal u, BookOnAccount book, PaymentsDbContext db,
                SettlementLedger l, RecordChanges changes, IOptions<PaymentsOptions> options, TimeProvider clock, ILoggerFactory logs, CancellationToken ct) =>
                BookAsync(party, currency, r, http, u, book, db, l, changes, options, clock, logs, kind, ct)).RequireAuthorization(Roles.Bank)
            .Produces<AccountView>().Produces<BookingInstructionView>(StatusCodes.Status202Accepted).WithSummary(askSummary);
        group.MapGet(path + "/{reference}", (string party, string currency, string reference, ClaimsPrincipal u, PaymentsDbContext db, CancellationToken ct) =>
                GetInstructionAsync(party, currency, reference, kind, u, db, ct))
            .RequireAuthorization(Policies.AnyParty).Produces<BookingInstructionView>().WithSummary(readSummary);
        group.MapPost(path + "/{reference}/cancel", (string party, string currency, string reference, HttpContext http, ClaimsPrincipal u, PaymentsDbContext db,
                SettlementLedger ledger, BookingVoids voids, TimeProvider clock, CancellationToken ct) =>
                CancelAsync(party, currency, reference, kind, http, u, db, ledger, voids, clock, ct))
            .RequireAuthorization(Roles.Bank).Produces<BookingInstructionView>().Produces<BookingInstructionView>(StatusCodes.Status202Accepted)
            .WithSummary($"The account's bank asks to cancel a {kind.Name()} it asked that is still queued: 202 with the instruction, its cancel asked " +
                         $"(Idempotent-Replayed: true when asked before). From then on the process that signs for the banks does not send it again (a send already under way " +
                         $"runs to its outcome) and voids its reference on chain (SettlementToken.voidReference), so that no attempt of it can be made after: Refused under rule " +
                         $"{BookingInstruction.CancelledRule} once the void is mined, or Booked when an attempt made it first (the cancel came too late). For a bank that signs itself since it was queued " +
                         $"(its key no longer here) the void awaits the bank's own signature (GET /signatures/pending, kind booking-void) and, once mined, decides the cancel as above; " +
                         $"unsigned, the cancel is decided without it once every transaction the bank had sent is mined without making it, and no sooner than one send's longest time " +
                         $"after the cancel (Chain:MaxAttempts × (ReceiptTimeoutSeconds + 10 s) + 1 s + the deposit window). 200 with the instruction when it is decided already " +
                         "(refused or cancelled); 409 booking-made when it is booked; 404 for another bank or a reference never asked. Its reference is spent: asked " +
                         "again under it, 409 reference-cancelled.");
    }

    /// <summary>The bank's cancel of a deposit or withdrawal it asked (see its route's summary).</summary>
    private static async Task<IResult> CancelAsync(string party, string currency, string reference, LedgerEntryKind kind, HttpContext http, ClaimsPrincipal user,
        PaymentsDbContext db, SettlementLedger ledger, BookingVoids voids, TimeProvider clock, CancellationToken ct)
    {
        currency = currency.ToUpperInvariant();
        reference = reference.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase); // as GetInstructionAsync reads it
        var caller = Caller.From(user);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Party == party && a.Currency == currency, ct);
        // The account's bank only; anyone else learns nothing, not even that the account exists.
        if (account is null || account.ServicingBank != caller.Party) return Problems.NotFound(kind.Name(), $"{party}/{currency}/{reference}");
        var asked = await db.BookingInstructions.SingleOrDefaultAsync(d => d.Party == party && d.Kind == kind && d.Reference == reference && d.Currency == currency, ct);
        if (asked is null)
        {
            // Booked in its request (a bank that signs itself, or deposits not batched): made already.
            if (await db.Entries.AsNoTracking().Where(e => e.Kind == kind && e.Reference == reference && e.Party == party && e.Currency == currency)
                    .Select(e => e.TransactionHash).FirstOrDefaultAsync(ct) is { } madeIn)
                throw BookingInstruction.BookingMade(kind, reference, madeIn);
            return Problems.NotFound(kind.Name(), $"{party}/{currency}/{reference}");
        }
        var askedNow = asked.AskCancel(caller.Actor, clock.GetUtcNow());
        if (askedNow)
        {
            try
            {
                await db.SaveChangesAsync(ct); // over the status read (a concurrency token): never onto one booked meanwhile
            }
            catch (DbUpdateConcurrencyException)
            {
                // Decided meanwhile by the sender: answered as it stands now.
                db.ChangeTracker.Clear();
                asked = await db.BookingInstructions.AsNoTracking().SingleAsync(d => d.Id == asked.Id, ct);
                if (asked.Status == BookingInstructionStatus.Booked) asked.AskCancel(caller.Actor, clock.GetUtcNow()); // throws booking-made, naming its transaction
            }
        }
        // A bank that signs itself since it was queued: the void of its reference awaits its signature at once (best effort:
        // the sender asks again at its next look; the cancel is saved either way).
        if (askedNow && asked.Status == BookingInstructionStatus.Queued && !ledger.SignsFor(asked.Bank)) await voids.AskAsync(asked, ct);
        var view = BookingInstructionView.From(asked);
        if (asked.Status != BookingInstructionStatus.Queued) return Results.Ok(view);
        if (!askedNow) http.Response.Headers[IdempotentReplayed] = "true"; // asked before: nothing noted now
        return Results.Accepted(InstructionPath(asked), view);
    }

    private static async Task<IResult> OpenAsync(OpenAccountRequest request, ClaimsPrincipal user, OpenSettlementAccount open, PaymentsDbContext db, SettlementLedger ledger,
        ILoggerFactory logs, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(request.Party) || request.Party.Length > InputLimits.Party) errors.Add(("party", $"is required: the party the account is for (at most {InputLimits.Party} characters)"));
        else if (TextRules.Problem(request.Party, InputLimits.Party) is { } broken) errors.Add(("party", broken));
        else if (!ledger.Wallets.HasAccount(request.Party)) errors.Add(("party", $"{request.Party} has no chain account configured"));
        if (request.Currency is null || !ledger.Supports(request.Currency))
            errors.Add(("currency", $"must be a settlement currency of this network: {string.Join(", ", ledger.Chain.Currencies)}"));
        if (errors.Count > 0) return Problems.Validation(errors);
        var account = await open.HandleAsync(Caller.From(user), request.Party!, request.Currency!.ToUpperInvariant(), ct);
        return Results.Created($"/accounts/{account.Party}/{account.Currency}", await ViewAsync(db, ledger, account, logs.CreateLogger(typeof(AccountEndpoints)), ct, RecentEntries));
    }

    private static async Task<IResult> MandateAsync(MandateRequest request, ClaimsPrincipal user, GiveAccountMandate mandate, SettlementLedger ledger, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(request.Bank) || request.Bank.Length > InputLimits.Reference) errors.Add(("bank", $"is required: the bank's party name (at most {InputLimits.Reference} characters)"));
        else if (TextRules.Problem(request.Bank, InputLimits.Reference) is { } broken) errors.Add(("bank", broken));
        if (request.Currency is null || !ledger.Supports(request.Currency))
            errors.Add(("currency", $"must be a settlement currency of this network: {string.Join(", ", ledger.Chain.Currencies)}"));
        if (errors.Count > 0) return Problems.Validation(errors);
        var currency = request.Currency!.ToUpperInvariant();
        if (!await ledger.IsBankAsync(request.Bank!, currency))
            return Problems.Validation(("bank", $"must name a bank of this network that keeps {currency} accounts ({request.Bank} is none)"));
        await mandate.HandleAsync(Caller.From(user), request.Bank!, currency, ct);
        return Results.Ok(new { party = user.Party(), currency, bank = request.Bank });
    }

    private static async Task<IResult> ListMandatesAsync(HttpContext http, ClaimsPrincipal user, PaymentsDbContext db, ListChanges lists, int? page, int? pageSize,
        int? waitSeconds, CancellationToken ct)
    {
        var party = user.Party();
        var (number, size) = Paging.Normalise(page, pageSize);
        if (LongPoll.Refused(ListChanges.Check(http.Request, waitSeconds)) is { } refused) return refused;
        // A bank learns only who mandated it; a customer only its own mandates.
        var mandates = user.IsInRole(Roles.Bank) ? db.Mandates.AsNoTracking().Where(m => m.Bank == party) : db.Mandates.AsNoTracking().Where(m => m.Party == party);
        // Woken by a mandate given or moved, or an account opened, committed here (PaymentsDbContext.ChangedWithoutTransition);
        // no transition moves a mandate, so the transition log's head is not looked at (another replica's: the 10 s read).
        return await lists.AnswerAnnouncedListAsync(http, ListChanges.AnyOf(PaymentsDbContext.MandateRecordType), waitSeconds, ListChanges.ReadAgainAnyway, async c =>
        {
            var total = await mandates.CountAsync(c);
            List<MandateView> views = Paging.PastEnd(number, size, total) ? [] : await mandates.OrderBy(m => m.Party).ThenBy(m => m.Currency).Skip((number - 1) * size).Take(size)
                .Select(m => new MandateView(m.Party, m.Currency, m.Bank, m.GrantedAtUnixMs,
                    db.Accounts.Any(a => a.Party == m.Party && a.Currency == m.Currency && a.ServicingBank == m.Bank)))
                .ToListAsync(c);
            return new PagedResult<MandateView>(views, number, size, total);
        }, ct);
    }

    private static async Task<IResult> ListAsync(HttpContext http, ClaimsPrincipal user, PaymentsDbContext db, ListChanges lists, SettlementLedger ledger, ILoggerFactory logs,
        int? page, int? pageSize, int? waitSeconds, CancellationToken ct)
    {
        var party = user.Party();
        var (number, size) = Paging.Normalise(page, pageSize);
        var query = db.Accounts.AsNoTracking();
        query = user.IsInRole(Roles.Bank) ? query.Where(a => a.ServicingBank == party || a.Party == party) : query.Where(a => a.Party == party);
        if (LongPoll.Refused(ListChanges.Check(http.Request, waitSeconds)) is { } refused) return refused;
        // Woken by any account's movement, opening or mandate committed here (PaymentsDbContext.ChangedWithoutTransition).
        return await lists.AnswerAsync(http, db, PaymentsDbContext.AccountRecordType, waitSeconds, async c =>
        {
            var (rows, total) = await SettlementLedger.AccountsPageAsync(db, query, number, size, c);
            var onChain = await ChainBalancesAsync(ledger, rows.Select(r => r.Account).ToList(), ChainReadsDeadline, logs.CreateLogger(typeof(AccountEndpoints)), c);
            var items = rows.Select((r, i) => new AccountListItem(r.Account.Party, r.Account.Currency, r.Account.Address, r.Account.ServicingBank,
                r.Account.OpenTransactionHash, r.Account.OpenedAtUnixMs, LedgerEntry.FromMinor(r.BookedMinor),
                onChain[i].Amount, onChain[i].Agrees(r.BookedMinor), onChain[i].Unknown)).ToList();
            return new PagedResult<AccountListItem>(items, number, size, total);
        }, ct);
    }

    /// <summary>How many chain balances a list reads at once (a page holds at most <see cref="Paging.MaxSize"/> accounts).</summary>
    private const int ChainReadsAtOnce = 8;

    /// <summary>
    /// How many reads of chain balances the process has at the node at once for lists (whichever lists asked them), and as
    /// many again for account views: a read its asker stopped waiting for (a stalled node) still holds its place until the
    /// node answers or the RPC client gives up. Lists and views have a gate each, so lists cannot hold back a booking's
    /// answer. (The reconciliation's reads are not counted.)
    /// </summary>
    private const int ChainReadsInFlight = 32;

    private static readonly SemaphoreSlim ListReadsInFlightGate = new(ChainReadsInFlight);

    private static readonly SemaphoreSlim ViewReadsInFlightGate = new(ChainReadsInFlight);

    /// <summary>
    /// The gate of the reads of accounts followed by ETag (a page waiting for a change): their own, so that however many
    /// pages wait and read again, a booking's answer (the views' gate) is never held back by them.
    /// </summary>
    private static readonly SemaphoreSlim FollowedReadsInFlightGate = new(ChainReadsInFlight);

    /// <summary>
    /// How long a followed account's read waits for its chain balance: short, so that a request — its first read, a wait
    /// of up to 30 s and its last read — ends within a client's 30 s or so even with a slow node.
    /// </summary>
    public static readonly TimeSpan FollowedChainReadDeadline = TimeSpan.FromSeconds(2);

    /// <summary>How long a list waits for its chain balances in all; what is not read by then is unknown.</summary>
    public static readonly TimeSpan ChainReadsDeadline = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long an account's view waits for its chain balance (longer than a list's: one read, and the answer to a booking
    /// should show the balance if the node answers at all); not read by then, it is unknown.
    /// </summary>
    public static readonly TimeSpan ViewChainReadDeadline = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Each listed account's token balance in minor units, read <see cref="ChainReadsAtOnce"/> at a time through the lists' gate (<see cref="ReadOneAsync"/>), all
    /// <paramref name="within"/> (a list: <see cref="ChainReadsDeadline"/>), or why it is unknown: <see cref="ChainBalanceReading.NotRead"/> for one that could
    /// not be read (the node unreachable, slow or refusing), <see cref="ChainBalanceReading.OutOfRange"/> for one that does
    /// not fit a ledger amount (the token allows more than the ledger books; a bank minting outside the service could get
    /// there). The answer still comes; failures are logged once per call.
    /// </summary>
    private static async Task<ChainBalanceReading[]> ChainBalancesAsync(SettlementLedger ledger, IReadOnlyList<SettlementAccount> accounts, TimeSpan within, ILogger log,
        CancellationToken ct)
    {
        var balances = new ChainBalanceReading[accounts.Count];
        Array.Fill(balances, new ChainBalanceReading(null, ChainBalanceReading.NotRead));
        if (accounts.Count == 0) return balances;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(within);
        var (failed, timedOut) = (0, 0);
        Exception? first = null;
        try
        {
            await Parallel.ForAsync(0, accounts.Count, new ParallelOptions { MaxDegreeOfParallelism = ChainReadsAtOnce, CancellationToken = deadline.Token }, async (i, token) =>
            {
                try
                {
                    balances[i] = await ReadOneAsync(ledger, accounts[i], ListReadsInFlightGate, token);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref timedOut);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref first, e, null);
                }
            });
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The deadline passed before every read began: those not begun stay unknown.
        }
        var unread = balances.Count(b => b.Unknown == ChainBalanceReading.NotRead);
        if (unread > 0)
            log.LogWarning(first, "{Unread} of {Listed} chain balances could not be read for an account list: {Failed} failed, {TimedOut} not answered within {Deadline}, the rest not begun",
                unread, accounts.Count, failed, timedOut, within);
        return balances;
    }

    /// <summary>
    /// One account's token balance, through <paramref name="gate"/>: at most <see cref="ChainReadsInFlight"/> reads in the
    /// process per gate (one for lists, one for views), each held until the node answers it, even one its asker stopped
    /// waiting for. A read still waiting at the gate when <paramref name="token"/> ends counts as not answered in time,
    /// though it never reached the node. Two gates: lists, which anyone may ask for, cannot hold back the answer to a
    /// bank's booking. Throws what the read threw, or <see cref="OperationCanceledException"/> at <paramref name="token"/>.
    /// </summary>
    private static async Task<ChainBalanceReading> ReadOneAsync(SettlementLedger ledger, SettlementAccount account, SemaphoreSlim gate, CancellationToken token)
    {
        await gate.WaitAsync(token);
        Task<BigInteger> reading;
        try { reading = ledger.Chain.BalanceOfAsync(account.Currency, account.Address); }
        catch { gate.Release(); throw; }
        _ = reading.ContinueWith(_ => gate.Release(), TaskScheduler.Default);
        var read = await reading.WaitAsync(token);
        return LedgerEntry.FromChain(read) is { } minor ? new(minor, null) : new(null, ChainBalanceReading.OutOfRange);
    }

    /// <summary>
    /// One account's balance for its view, as <see cref="ChainBalancesAsync"/> reads a list's but without its parallel
    /// loop (the view answers every booking): within <see cref="ViewChainReadDeadline"/>, through the views' gate; not
    /// known when the node failed, refused or did not answer by then (logged).
    /// </summary>
    private static async Task<ChainBalanceReading> ViewChainBalanceAsync(SettlementLedger ledger, SettlementAccount account, ILogger log, CancellationToken ct,
        bool followed = false)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(followed ? FollowedChainReadDeadline : ViewChainReadDeadline);
        try
        {
            return await ReadOneAsync(ledger, account, followed ? FollowedReadsInFlightGate : ViewReadsInFlightGate, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            log.LogWarning("The chain balance of account {Party}/{Currency} was not answered within {Deadline} for its view", account.Party, account.Currency,
                followed ? FollowedChainReadDeadline : ViewChainReadDeadline);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogWarning(e, "The chain balance of account {Party}/{Currency} could not be read for its view", account.Party, account.Currency);
        }
        return new ChainBalanceReading(null, ChainBalanceReading.NotRead);
    }

    /// <summary>
    /// How often an account followed by ETag is read again while nothing here woke it: another replica's booking that is
    /// no transition (a deposit, a withdrawal) moves no transition log head, and the chain balance is read with the account.
    /// </summary>
    public static readonly TimeSpan ViewReadAgainAnyway = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The account with a page of its movements, with its ETag; with If-None-Match and waitSeconds a long-poll for its next
    /// change (<see cref="ListChanges.AnswerRecordAsync"/>): woken by a save here that books its entries or asks or decides one
    /// of its deposits or withdrawals (<see cref="PaymentsDbContext.ChangedWithoutTransition"/>), read again every <see cref="ViewReadAgainAnyway"/> otherwise.
    /// </summary>
    private static async Task<IResult> GetAsync(string party, string currency, HttpContext http, ClaimsPrincipal user, PaymentsDbContext db, ListChanges follow,
        SettlementLedger ledger, ILoggerFactory logs, int? page, int? pageSize, int? waitSeconds, CancellationToken ct)
    {
        if (LongPoll.Refused(ListChanges.Check(http.Request, waitSeconds)) is { } refused) return refused;
        var (number, size) = Paging.Normalise(page, pageSize);
        var upper = currency.ToUpperInvariant();
        var caller = user.Party();
        var log = logs.CreateLogger(typeof(AccountEndpoints));
        AccountView? last = null;
        return await follow.AnswerRecordAsync(http, db, PaymentsDbContext.AccountKey(party, upper), waitSeconds, ViewReadAgainAnyway, async c =>
            {
                var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Party == party && a.Currency == upper, c);
                // The holder and its bank see an account; nobody else learns it exists.
                if (account is null || (caller != account.Party && caller != account.ServicingBank)) return null;
                return last = await ViewAsync(db, ledger, account, log, c, size, number, followed: waitSeconds is > 0, previous: last);
            },
            () => Problems.NotFound("account", $"{party}/{currency}"), ct);
    }

    private static async Task<IResult> BookAsync(string party, string currency, BookingRequest request, HttpContext http, ClaimsPrincipal user, BookOnAccount book,
        PaymentsDbContext db, SettlementLedger ledger, RecordChanges changes, IOptions<PaymentsOptions> options, TimeProvider clock, ILoggerFactory logs, LedgerEntryKind kind,
        CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        var decimals = Iso20022.CurrencyAmount.IsActive(currency.ToUpperInvariant()) ? Math.Min(2, Iso20022.CurrencyAmount.MinorUnits(currency.ToUpperInvariant())) : 2;
        if (request.Amount is not (> 0 and <= 1_000_000_000_000m) || decimal.Round(request.Amount.Value, decimals) != request.Amount)
            errors.Add(("amount", $"is required: positive, at most 1,000,000,000,000, with at most {decimals} decimals"));
        if (string.IsNullOrWhiteSpace(request.Reference) || request.Reference.Length > InputLimits.Reference)
            errors.Add(("reference", $"is required: the bank's booking reference (at most {InputLimits.Reference} characters); repeating it books nothing twice"));
        else if (TextRules.Problem(request.Reference, InputLimits.Reference) is { } broken) errors.Add(("reference", broken));
        if (errors.Count > 0) return Problems.Validation(errors);
        var caller = Caller.From(user);
        var booking = await book.HandleAsync(caller, party, currency.ToUpperInvariant(), request.Amount!.Value, request.Reference!, kind, ct);
        if (booking is null) return Problems.NotFound("account", $"{party}/{currency}");
        // A retry, a second click or another clerk under a reference booked or asked already: the answer (200 or 202, not a
        // refusal) is that booking, and says so (MarkReplayed).
        if (booking.Instruction is { } asked)
        {
            // Asked: the process that signs for the banks sends it. Unless the client prefers not to wait (RFC 7240
            // respond-async), the answer waits — at most its wait= or Payments:DepositWaitSeconds — for the outcome.
            var (respondAsync, wait) = Prefer.Of(http.Request, TimeSpan.FromSeconds(Math.Clamp(options.Value.DepositWaitSeconds, 0, RecordChanges.MaxWaitSeconds)));
            if (asked.Status == BookingInstructionStatus.Queued && !respondAsync && (int)wait.TotalSeconds > 0)
                asked = await FollowInstructionAsync(db, changes, clock, asked, caller.Party, (int)wait.TotalSeconds, http.CallerAborted(ct)) ?? asked;
            if (asked.Status == BookingInstructionStatus.Refused)
                throw new DomainRuleViolation(asked.Rule!, asked.Rule == BookingInstruction.CancelledRule
                    ? $"{asked.Refusal} Its reference is spent: ask it again under a new reference."
                    : $"The settlement token refused {asked.What} {asked.Reference}: {asked.Refusal} Nothing was {asked.Done} or booked.");
            if (asked.Status == BookingInstructionStatus.Queued)
            {
                MarkReplayed(http, booking);
                return Prefer.Accepted(http.Response, respondAsync, InstructionPath(asked), BookingInstructionView.From(asked));
            }
        }
        MarkReplayed(http, booking);
        return Results.Ok(await ViewAsync(db, ledger, booking.Account, logs.CreateLogger(typeof(AccountEndpoints)), ct, RecentEntries));
    }

    /// <summary>
    /// The header on the answer to a deposit or withdrawal whose reference was booked or asked before: nothing was booked or
    /// asked again; the answer (200 with the account, 202 with the instruction still queued) is that earlier booking's.
    /// </summary>
    public const string IdempotentReplayed = "Idempotent-Replayed";

    /// <summary>
    /// A booking answered from one made before under its reference says so (the header Stripe's API and others use), so that
    /// a client can tell "booked now" from "booked before".
    /// </summary>
    private static void MarkReplayed(HttpContext http, Booking booking)
    {
        if (booking.Replayed) http.Response.Headers[IdempotentReplayed] = "true";
    }

    /// <summary>Where a deposit or withdrawal asked is read (its 202's Location).</summary>
    private static string InstructionPath(BookingInstruction asked) =>
        $"/accounts/{Uri.EscapeDataString(asked.Party)}/{asked.Currency}/{asked.What}s/{Uri.EscapeDataString(asked.Reference)}";

    /// <summary>The instruction once decided (Booked or Refused), woken by the commit that decides it; as it stands when the wait runs out.</summary>
    private static async Task<BookingInstruction?> FollowInstructionAsync(PaymentsDbContext db, RecordChanges changes, TimeProvider clock, BookingInstruction asked, string party,
        int waitSeconds, CancellationToken ct)
    {
        try
        {
            return await changes.FollowAsync(RecordChanges.KeyOf(BookingInstruction.RecordType, asked.Id.ToString()), party, new LongPoll(0, waitSeconds),
                c => db.BookingInstructions.AsNoTracking().SingleOrDefaultAsync(d => d.Id == asked.Id, c), Decided,
                async c => Decided(await db.BookingInstructions.AsNoTracking().Where(d => d.Id == asked.Id).Select(d => d.Status).SingleAsync(c)), clock, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null; // the caller went away: the instruction is queued and is booked all the same
        }
    }

    private static int Decided(BookingInstruction instruction) => Decided(instruction.Status);

    private static int Decided(BookingInstructionStatus status) => status == BookingInstructionStatus.Queued ? 0 : 1;

    /// <summary>The account's instructions not booked (Queued or Refused), newest first: what its bank asked that the account does not show yet, or never will.</summary>
    /// <remarks>
    /// With If-None-Match and waitSeconds a long-poll for the page's next change, woken by any instruction of the account
    /// changed here (asked, decided, a failed send noted: <see cref="PaymentsDbContext.InstructionsKey"/>); another
    /// replica's at the read every <see cref="ListChanges.ReadAgainAnyway"/>.
    /// </remarks>
    private static async Task<IResult> ListInstructionsAsync(string party, string currency, HttpContext http, ClaimsPrincipal user, PaymentsDbContext db, ListChanges lists,
        int? page, int? pageSize, int? waitSeconds, CancellationToken ct)
    {
        if (LongPoll.Refused(ListChanges.Check(http.Request, waitSeconds)) is { } refused) return refused;
        currency = currency.ToUpperInvariant();
        var (number, size) = Paging.Normalise(page, pageSize);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Party == party && a.Currency == currency, ct);
        var caller = user.Party();
        if (account is null || (caller != account.Party && caller != account.ServicingBank)) return Problems.NotFound("account", $"{party}/{currency}");
        var forBank = caller == account.ServicingBank;
        var open = db.BookingInstructions.AsNoTracking()
            .Where(d => d.Party == party && d.Currency == currency && d.Status != BookingInstructionStatus.Booked);
        return await lists.AnswerAnnouncedListAsync(http, PaymentsDbContext.InstructionsKey(party, currency), waitSeconds, ListChanges.ReadAgainAnyway, async c =>
        {
            var total = await open.CountAsync(c);
            List<BookingInstruction> rows = Paging.PastEnd(number, size, total) ? []
                : await open.OrderByDescending(d => d.RequestedAtUnixMs).ThenBy(d => d.Id).Skip((number - 1) * size).Take(size).ToListAsync(c);
            return new PagedResult<BookingInstructionView>([.. rows.Select(BookingInstructionView.From).Select(v => forBank ? v : v.ForHolder())], number, size, total);
        }, ct);
    }

    private static async Task<IResult> GetInstructionAsync(string party, string currency, string reference, LedgerEntryKind kind, ClaimsPrincipal user, PaymentsDbContext db,
        CancellationToken ct)
    {
        currency = currency.ToUpperInvariant();
        // A route value keeps an escaped slash escaped (a 202's Location escapes the reference): the reference as booked.
        reference = reference.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Party == party && a.Currency == currency, ct);
        var caller = user.Party();
        // The holder and its bank only; anyone else learns nothing, not even that the account exists.
        if (account is null || (caller != account.Party && caller != account.ServicingBank)) return Problems.NotFound(kind.Name(), $"{party}/{currency}/{reference}");
        if (await db.BookingInstructions.AsNoTracking()
                .SingleOrDefaultAsync(d => d.Party == party && d.Kind == kind && d.Reference == reference && d.Currency == currency, ct) is { } asked)
        {
            var view = BookingInstructionView.From(asked);
            // Who at the bank asked, the node's words of a refusal and of a failed send are the bank's; the holder sees the status and the rule.
            return Results.Ok(caller == account.ServicingBank ? view : view.ForHolder());
        }
        // Booked in its request (a bank that signs itself, or batching off): the ledger has it.
        var booked = await db.Entries.AsNoTracking().SingleOrDefaultAsync(e => e.Kind == kind && e.Reference == reference && e.Party == party && e.Currency == currency, ct);
        return booked is null ? Problems.NotFound(kind.Name(), $"{party}/{currency}/{reference}")
            : Results.Ok(new BookingInstructionView(kind.Name(), party, currency, reference, LedgerEntry.FromMinor(Math.Abs(booked.AmountMinor)), nameof(BookingInstructionStatus.Booked),
                account.ServicingBank, null, booked.AtUnixMs, booked.TransactionHash, null, null, booked.AtUnixMs));
    }

    /// <summary>How many of the latest movements the answer to an opening, a deposit or a withdrawal carries (GET: a page of them).</summary>
    public const int RecentEntries = 20;

    /// <summary>
    /// The account with its booked balance (kept by the database, <see cref="AccountBalance"/>) and its balance read from
    /// the chain, and one page of its movements: it skips the latest (<paramref name="pageNumber"/> − 1) × <paramref name="pageSize"/>
    /// and takes <paramref name="pageSize"/>, oldest first — so that no answer grows with the account's history (a customs
    /// treasury's account takes an entry for every duty paid). The count and the page are two reads: a booking between them
    /// can make the count one ahead of the page. The chain balance is read as a list reads it, but within
    /// <see cref="ViewChainReadDeadline"/> and through the views' own gate of <see cref="ChainReadsInFlight"/>: one that is not known is
    /// null with the reason, never a failed answer — this is also the answer to a booking or an opening, which has
    /// committed by then.
    /// </summary>
    /// <param name="followed">For a request following the account (<c>waitSeconds</c>): its chain reads go through their own gate
    /// within <see cref="FollowedChainReadDeadline"/>, and one not answered keeps <paramref name="previous"/>, the request's
    /// reading before (a slow node does not make the page change back and forth).</param>
    public static async Task<AccountView> ViewAsync(PaymentsDbContext db, SettlementLedger ledger, SettlementAccount account, ILogger log, CancellationToken ct,
        int pageSize, int pageNumber = 1, bool followed = false, AccountView? previous = null)
    {
        // The balance and the instructions queued in one statement; accounts are never deleted, so it is there.
        var kept = await SettlementLedger.StandingAsync(db, account.Party, account.Currency, ct) ?? AccountStanding.None;
        var balance = kept.BalanceMinor;
        // A page past the last is empty without reading (a deep page would walk the account's whole history to find nothing).
        var entries = Paging.PastEnd(pageNumber, pageSize, kept.EntryCount) ? []
            : await SettlementLedger.EntriesPageAsync(db, account.Party, account.Currency, pageNumber, pageSize, ct);
        var chain = await ViewChainBalanceAsync(ledger, account, log, ct, followed);
        if (chain.Unknown == ChainBalanceReading.NotRead && previous is { ChainBalance: { } known })
            chain = new ChainBalanceReading(LedgerEntry.ToMinor(known), null);
        return new AccountView(account.Party, account.Currency, account.Address, account.ServicingBank, LedgerEntry.FromMinor(balance), chain.Amount,
            chain.Agrees(balance), chain.Unknown, entries.Select(e => new LedgerEntryView(e.Kind.Name(), e.Reference, LedgerEntry.FromMinor(e.AmountMinor), e.TransactionHash, e.AtUnixMs)).ToList(),
            kept.EntryCount, pageNumber, pageSize, LedgerEntry.FromMinor(kept.QueuedDepositsMinor), kept.QueuedDepositCount,
            LedgerEntry.FromMinor(kept.QueuedWithdrawalsMinor), kept.QueuedWithdrawalCount);
    }
}
