using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Payments.Infrastructure;

/// <summary>
/// Sends the deposits and withdrawals banks' requests asked (<see cref="BookingInstruction"/>, Queued) and books each from
/// the chain's answer, where Payments:SettlementWorkerEnabled (the process that signs for the banks: payments-worker on
/// Kubernetes, whose API pods only save the instruction) — so that a bank's mints and burns have one writer, in the nonce
/// sequence of its settlements, however many replicas take its requests (a credit's escrow steps are still sent by the
/// request). Wakes when an instruction is saved in this process, and every half second for one another replica saved.
/// A deposit goes in its bank's next mintBatch (<see cref="SettlementLedger.MintQueuedAsync"/>: one transaction per bank
/// and currency per window, several in flight); a withdrawal is burnt in a transaction of its own
/// (<see cref="SettlementLedger.BurnQueuedAsync"/>). Each is recorded on its own from the chain's answer, in one database
/// transaction: the ledger entry, the holder's camt.054 and the instruction Booked with the transaction
/// (<see cref="SettlementLedger.EnterBooking"/>) — never a booking without its movement, nor a movement left unbooked: a
/// crash between the two leaves the instruction Queued, and sending it again finds the movement the token bound to its
/// reference (made by the earlier attempt) and books that one.
/// A refusal by the token in a mined batch (the account not open on chain) is recorded as the instruction's outcome with
/// the rule: every earlier attempt had a lower nonce of the bank, so it is mined too, and had it made the movement the
/// refusal would be DuplicateReference, bound to that movement (booked). A refusal that may come before the transaction
/// was mined (a whole batch, or a burn, refused at its estimate: the bank not a minter, the funds not there) is decided
/// once the bank's transactions an attempt of it may be in are all mined (<see cref="SettlementLedger.BookingOnChainAsync"/>
/// against the instruction's bound: the bank's later batches do not hold it up), or booked when the token binds its
/// reference to exactly it (an earlier attempt's, even if the bank could no longer make it now). A node failure or an outcome not known yet is sent again after a backoff
/// (0.5 s doubling to 30 s), and noted on the instruction (its failed attempts, the last failure in fixed words, and
/// when), so the bank sees why it waits; every tenth failure in a row is an ALERT in the log.
/// A cancel the bank asked (<see cref="CancelOutcomeAsync"/>) is never sent: the bank's writer voids the reference; for a bank
/// that signs itself since, the bank signs that void (a pending signature, <see cref="Application.BookingVoids"/>) or the
/// cancel is decided from the chain after a time bound.
/// </summary>
public sealed class BookingSender(IServiceScopeFactory scopes, SettlementLedger ledger, RecordChanges changes, IOptions<PaymentsOptions> options,
    IOptions<ChainOptions> chainOptions, TimeProvider clock, ILogger<BookingSender> logger) : BackgroundService
{
    /// <summary>How often queued instructions are looked up though nothing was asked in this process (another replica's requests).</summary>
    private static readonly TimeSpan Rescan = TimeSpan.FromMilliseconds(500);

    /// <summary>The most instructions read in one look, and in flight at once in this process (four full batches of deposits).</summary>
    public const int MostInFlight = SettlementLedger.DepositBatchesInFlight * PaymentsOptions.MostBatchItems;

    /// <summary>The rule of a revert that names no error (<see cref="ChainRevertedException.RuleOf"/>): sent again, never a refusal.</summary>
    private const string UnnamedRevert = ChainRevertedException.UnnamedRule;

    /// <summary>What waits on this sender in <see cref="RecordChanges"/> (a party of its own, so no caller's places are taken).</summary>
    private const string Watcher = "payments:booking-sender";

    private readonly ConcurrentDictionary<Guid, byte> _inFlight = new();

    /// <summary>
    /// Per instruction sent here and not decided, a nonce count of its bank above every transaction an attempt of it may be
    /// in: taken at its first refusal or raised after each attempt that may have sent something
    /// (<see cref="SettlementLedger.SentBeforeHereAsync"/>: this process's writer's next nonce, above everything it and —
    /// as it started from the node's pending count — a previous process sent), never raised by a refusal (the writer answers
    /// one only once the transactions it sent for that attempt can no longer be mined), so that on a busy bank a refusal is decided once the transactions before it are mined, not held up by
    /// the bank's later batches. Not taken on a send that succeeds: the writer's lock is not waited for on the way. Keyed by when it was asked: one asked again after a refusal starts afresh.
    /// Forgotten at a restart: the next process starts from the node's pending count — which misses an earlier process's
    /// transaction that waits behind a nonce gap or sits only in another node's pool (a weakness the deployment's one
    /// payments-worker, talking to one node, keeps small).
    /// </summary>
    private readonly ConcurrentDictionary<(Guid Id, long RequestedAtUnixMs), System.Numerics.BigInteger> _sentBefore = new();

    /// <summary>
    /// Per cancel of a bank this service no longer signs for (<see cref="UnsignedCancelOutcomeAsync"/>): the bank's nonce count
    /// at its first look after one send's longest time had passed, kept so that the bank's later transactions do not hold it
    /// up. Forgotten at a restart (taken again).
    /// </summary>
    private readonly ConcurrentDictionary<(Guid Id, long RequestedAtUnixMs), System.Numerics.BigInteger> _cancelBounds = new();

    /// <summary>The most bounds and backoffs kept: past it they are forgotten (an instruction another process decided leaves its own here).</summary>
    private const int MostRemembered = 10_000;

    /// <summary>How often a record that met another process's write of the same instruction is read and recorded again.</summary>
    private const int RecordTries = 3;

    /// <summary>Instructions whose send failed or could not be decided yet: how many times, and not before when (Unix ms) to send again.</summary>
    private readonly ConcurrentDictionary<Guid, (int Failures, long NotBeforeUnixMs)> _later = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.SettlementWorkerEnabled)
        {
            logger.LogInformation("The booking sender is off here (Payments:SettlementWorkerEnabled=false): another process sends the banks' deposits and withdrawals");
            return;
        }
        using var asked = changes.Watch(ListChanges.AnyOf(BookingInstruction.RecordType), Watcher);
        var sends = new List<Task>();
        var failures = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = asked?.NextChange() ?? Task.Delay(Timeout.Infinite, stoppingToken); // taken before the look: a save from now on wakes the next wait
                try
                {
                    foreach (var send in await LookAsync(stoppingToken))
                    {
                        sends.RemoveAll(s => s.IsCompleted);
                        sends.Add(send);
                    }
                    failures = 0;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    failures++;
                    logger.LogWarning(e, "Looking up the queued deposits and withdrawals failed ({Failures} in a row); they stay queued", failures);
                    await Task.Delay(Backoff(failures), stoppingToken);
                }
                await Task.WhenAny(next, Task.Delay(Rescan, clock, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        finally
        {
            await Task.WhenAll(sends); // a send begun is awaited and recorded, never cut off by the stop
        }
    }

    /// <summary>Starts sending the queued instructions not in flight nor waiting for a retry: the sends begun.</summary>
    private async Task<List<Task>> LookAsync(CancellationToken ct)
    {
        var room = MostInFlight - _inFlight.Count;
        if (room <= 0) return [];
        List<(BookingInstruction Request, string Address)> queued;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
            // Those in flight and those waiting for their retry are left out in the query, so they never take the look's
            // places from newer ones (a backlog of failing ones cannot hold every bank's bookings back).
            var notYet = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var skipped = _inFlight.Keys.Concat(_later.Where(l => l.Value.NotBeforeUnixMs > notYet).Select(l => l.Key)).Distinct().ToList();
            queued = (await db.BookingInstructions.AsNoTracking()
                .Where(d => d.Status == BookingInstructionStatus.Queued && !skipped.Contains(d.Id))
                .OrderBy(d => d.RequestedAtUnixMs)
                .Take(room)
                .Join(db.Accounts.AsNoTracking(), d => new { d.Party, d.Currency }, a => new { a.Party, a.Currency }, (d, a) => new { Request = d, a.Address })
                .ToListAsync(ct)).Select(x => (x.Request, x.Address)).ToList();
        }
        var sends = new List<Task>();
        foreach (var (request, address) in queued)
        {
            if (!_inFlight.TryAdd(request.Id, 0)) continue;
            sends.Add(Task.Run(() => SendAsync(request, address), CancellationToken.None));
        }
        return sends;
    }

    /// <summary>What became of one send: made in <see cref="TransactionHash"/>, refused under <see cref="Rule"/>, or not known yet.</summary>
    /// <param name="MayBeUnmined">Refused: this attempt's own transactions can no longer be mined (the writer answers a refusal only
    /// then), but an earlier attempt — one that gave up with its transaction unmined — may still make it.</param>
    /// <param name="Cancelled">A cancel the bank asked, decided: nothing of it was made, nor can be — <paramref name="Proof"/>
    /// says why (its reference voided on chain in <paramref name="VoidedIn"/>, null when an earlier void came first).</param>
    private sealed record SendOutcome(string? TransactionHash, string? Rule, string? Refusal, bool Undecided = false, bool MayBeUnmined = false, bool Cancelled = false,
        CancelProof? Proof = null, string? VoidedIn = null)
    {
        public static SendOutcome Of(BatchTransferOutcome item) =>
            new(item.TransactionHash, item.Rule, item.Refusal, item.Undecided || item.Rule == BatchTransferOutcome.NotInBatchRule);

        /// <summary>A cancel decided: nothing moved, nor can, by <paramref name="proof"/>.</summary>
        public static SendOutcome Cancel(CancelProof proof, string? voidedIn = null) =>
            new(null, BookingInstruction.CancelledRule, null, Cancelled: true, Proof: proof, VoidedIn: voidedIn);
    }

    private async Task SendAsync(BookingInstruction instruction, string address)
    {
        var mayStillBeMined = true;
        try
        {
            SendOutcome outcome;
            if (instruction.CancelAskedBy is not null)
            {
                // The bank asked to cancel it: never sent again, its reference voided on chain instead.
                mayStillBeMined = false;
                outcome = await CancelOutcomeAsync(instruction, address);
            }
            else try
            {
                outcome = instruction.Kind == LedgerEntryKind.Deposit
                    ? SendOutcome.Of(await ledger.MintQueuedAsync(instruction, address, CancellationToken.None))
                    : new SendOutcome(await ledger.BurnQueuedAsync(instruction, address, CancellationToken.None), null, null);
            }
            catch (ChainRevertedException e) when (e.Rule != UnnamedRevert)
            {
                // Refused, naming the token's rule — a whole batch (the bank lost its minter role…) or a burn (the funds are not
                // there…): nothing of this attempt moved, nor can it any more (the writer answers a refusal only once none of the
                // transactions it sent for it can still be mined).
                (outcome, mayStillBeMined) = (new SendOutcome(null, e.Rule, e.Error, MayBeUnmined: true), false);
            }
            // A transaction mined but reverted without a named error (its estimate passed: out of gas, a state that moved) is no
            // refusal of this instruction: the catch below sends it again after a backoff.
            // The bound a refusal before mining is decided against (see _sentBefore): kept from an earlier attempt, or taken now.
            var sentBefore = outcome.MayBeUnmined ? await BoundAsync(instruction) : default;
            for (var tries = 1; ; tries++)
            {
                try
                {
                    await RecordAsync(instruction, address, outcome, sentBefore);
                    break;
                }
                catch (DbUpdateConcurrencyException) when (tries < RecordTries)
                {
                    // Another process wrote the instruction meanwhile (during a change of deployment): read it and record again —
                    // a movement the chain shows is booked over a refusal saved a moment before, never dropped with it.
                }
            }
            _later.TryRemove(instruction.Id, out _);
            _sentBefore.TryRemove(BoundKey(instruction), out _);
            _cancelBounds.TryRemove(BoundKey(instruction), out _);
            // A bank this service no longer signs for: the void awaiting its signature is closed when the booking was made before
            // the cancel (the void would be refused), and completed when the bank voided the reference otherwise (its wallet).
            if (instruction.CancelAskedBy is not null && !ledger.SignsFor(instruction.Bank))
            {
                if (outcome.TransactionHash is { } made)
                    await WithVoidsAsync(voids => voids.CloseAsync(instruction, $"{instruction.Done} before the cancel (transaction {made}) and booked"));
                else if (outcome is { Proof: CancelProof.Voided, VoidedIn: { } voidedIn })
                    await WithVoidsAsync(voids => voids.CompleteAsync(instruction, voidedIn));
            }
        }
        catch (CancelNotDecidableYet wait)
        {
            // Not a failure: looked at again when the wait is over.
            _later[instruction.Id] = (_later.TryGetValue(instruction.Id, out var before) ? before.Failures : 0, wait.AtUnixMs);
        }
        catch (Exception e)
        {
            if (_later.Count > MostRemembered) _later.Clear();
            var failures = _later.TryGetValue(instruction.Id, out var before) ? before.Failures + 1 : 1;
            var wait = Backoff(failures);
            _later[instruction.Id] = (failures, clock.GetUtcNow().Add(wait).ToUnixTimeMilliseconds());
            if (instruction.CancelAskedBy is not null && WorkerAlerts.Due(failures))
                logger.LogError(e, "ALERT the cancel of {Kind} {Reference} on {Party}'s {Currency} account has not been decided in {Failures} tries (last: {Failure}); it is not sent, decided again in {Wait}",
                    instruction.What, instruction.Reference, instruction.Party, instruction.Currency, failures, DescribedCancel(e), wait);
            else if (instruction.CancelAskedBy is not null)
                logger.LogWarning(e, "The cancel of {Kind} {Reference} on {Party}'s {Currency} account could not be decided yet ({Failures} in a row): it is not sent; decided again in {Wait}",
                    instruction.What, instruction.Reference, instruction.Party, instruction.Currency, failures, wait);
            else if (WorkerAlerts.Due(failures))
                logger.LogError(e, "ALERT the {Kind} {Reference} on {Party}'s {Currency} account has failed {Failures} sends in a row (last: {Failure}); it stays queued, sent again in {Wait}",
                    instruction.What, instruction.Reference, instruction.Party, instruction.Currency, failures, Described(e), wait);
            else
                logger.LogWarning(e, "The {Kind} {Reference} on {Party}'s {Currency} account could not be sent or recorded ({Failures} in a row): it stays queued, sent again in {Wait}",
                    instruction.What, instruction.Reference, instruction.Party, instruction.Currency, failures, wait);
            if (mayStillBeMined) await RaiseBoundAsync(instruction);
            await NoteFailureAsync(instruction, e);
        }
        finally
        {
            _inFlight.TryRemove(instruction.Id, out _);
        }
    }

    private static (Guid, long) BoundKey(BookingInstruction instruction) => (instruction.Id, instruction.RequestedAtUnixMs);

    /// <summary>
    /// A cancel the bank asked, decided on chain, the booking never sent again: the bank's writer voids its reference
    /// (<see cref="SettlementLedger.VoidQueuedAsync"/>), after every transaction it sent before. Once the void is mined the
    /// chain has decided: the reference bound to the movement an attempt made first (booked — the cancel came too late), or
    /// to the void, so that no attempt of it — one in a node's pool, one another sender (a change of deployment) is about to
    /// send — can be made any more (cancelled). No clock, bound or grace is relied on — but for a bank this service no
    /// longer signs for, whose void is the bank's own to sign (<see cref="UnsignedCancelOutcomeAsync"/>).
    /// </summary>
    /// <exception cref="ChainOutcomeUnknownException">The void's outcome is not known yet (decided again after a backoff).</exception>
    /// <exception cref="ChainRevertedException">The void was refused under another rule (the bank lost its role): decided again.</exception>
    private async Task<SendOutcome> CancelOutcomeAsync(BookingInstruction instruction, string address)
    {
        try
        {
            if (!ledger.SignsFor(instruction.Bank)) return await UnsignedCancelOutcomeAsync(instruction, address);
            var (madeIn, voidedIn) = await ledger.VoidQueuedAsync(instruction, address, CancellationToken.None);
            if (madeIn is not null) return MadeBeforeCancel(instruction, madeIn);
            logger.LogInformation("The {Kind} {Reference} on {Party}'s {Currency} account is cancelled: its reference voided on chain ({Transaction})",
                instruction.What, instruction.Reference, instruction.Party, instruction.Currency, voidedIn ?? "by an earlier attempt");
            return SendOutcome.Cancel(CancelProof.Voided, voidedIn);
        }
        catch (ChainRevertedException bound) when (bound.Rule == ChainRevertedException.RuleOf("DuplicateReference"))
        {
            // The bank's reference is bound to another movement, not this one (read from the token's record): nothing of this
            // instruction was made, nor can be (its reference is taken) — but a reference of the bank used for something else
            // is worth a look.
            logger.LogError("ALERT the {Kind} {Reference} on {Party}'s {Currency} account, asked to be cancelled: its bank's reference is bound to another movement ({Error}); cancelled",
                instruction.What, instruction.Reference, instruction.Party, instruction.Currency, bound.Error);
            return SendOutcome.Cancel(CancelProof.ReferenceTaken);
        }
    }

    /// <summary>A cancel that came too late: an attempt made the movement (in <paramref name="madeIn"/>) before; booked.</summary>
    private SendOutcome MadeBeforeCancel(BookingInstruction instruction, string madeIn)
    {
        logger.LogWarning("The {Kind} {Reference} on {Party}'s {Currency} account was asked to be cancelled, but an earlier attempt made it in {Transaction}: booked",
            instruction.What, instruction.Reference, instruction.Party, instruction.Currency, madeIn);
        return new SendOutcome(madeIn, null, null);
    }

    /// <summary>
    /// The cancel of a booking of a bank this service no longer signs for (it signs itself now, its key gone): nothing here
    /// can void its reference, nor send it — but the bank can void it itself: the void's pending signature awaits it
    /// (<see cref="Application.BookingVoids"/>, queued by the cancel's request, and by each look here that leaves it undecided
    /// should it not be there or have expired), and once the
    /// bank's void is mined the cancel is decided by it, proved as any void. Booked when the token binds the reference to
    /// exactly this movement. Without the bank's void, cancelled once every transaction the node held of the bank when one
    /// send's longest time (<see cref="OneSendMs"/>) after the cancel had passed is mined (its pending count then, kept in
    /// <see cref="_cancelBounds"/> so that the bank's later transactions do not hold it up) — a bound in time for a process
    /// that still held the bank's key: that path has no proof on chain (payments README, "Cancel").
    /// </summary>
    /// <exception cref="CancelNotDecidableYet">Within that time and not voided: looked at again shortly (no failure: nothing failed).</exception>
    /// <exception cref="ChainOutcomeUnknownException">A transaction of the bank below the bound is not mined yet.</exception>
    private async Task<SendOutcome> UnsignedCancelOutcomeAsync(BookingInstruction instruction, string address)
    {
        // A process that still held the bank's key when it was taken away (the change of configuration rolling out) may have
        // begun a send before the cancel, not in the node yet (a batch window, the writer's lock, its estimate): over by then,
        // so the bound is taken only after it.
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var decidable = instruction.CancelAskedAtUnixMs!.Value + OneSendMs;
        System.Numerics.BigInteger? sentBefore = null;
        if (now >= decidable)
        {
            if (!_cancelBounds.TryGetValue(BoundKey(instruction), out var kept))
            {
                if (_cancelBounds.Count > MostRemembered) _cancelBounds.Clear();
                kept = _cancelBounds[BoundKey(instruction)] = await ledger.SentBeforeAsync(instruction.Bank);
            }
            sentBefore = kept;
        }
        var (madeIn, settled, voidedIn) = await ledger.UnsignedCancelOnChainAsync(instruction, address, sentBefore);
        if (madeIn is not null) return MadeBeforeCancel(instruction, madeIn);
        if (voidedIn is not null)
        {
            logger.LogInformation("The {Kind} {Reference} on {Party}'s {Currency} account is cancelled: its bank voided its reference on chain ({Transaction})",
                instruction.What, instruction.Reference, instruction.Party, instruction.Currency, voidedIn);
            return SendOutcome.Cancel(CancelProof.Voided, voidedIn);
        }
        // Neither made nor voided: the bank's void awaits its signature (asked again should it have expired or not be there),
        // also when the cancel is decided below without it — signed later, it still binds the reference to nothing moved.
        await WithVoidsAsync(voids => voids.AskAsync(instruction, CancellationToken.None));
        if (now < decidable) throw new CancelNotDecidableYet(Math.Min(decidable, now + (long)LookForBankVoidEvery.TotalMilliseconds));
        if (!settled)
            throw new ChainOutcomeUnknownException(instruction.ChainStep,
                "its cancel waits until the bank's transactions an earlier attempt may be in are mined");
        return SendOutcome.Cancel(CancelProof.EarlierTransactionsMined);
    }

    /// <summary>The pending signatures of banks' own voids (<see cref="Application.BookingVoids"/>), in a scope of their own.</summary>
    private async Task WithVoidsAsync(Func<Application.BookingVoids, Task> use)
    {
        await using var scope = scopes.CreateAsyncScope();
        await use(scope.ServiceProvider.GetRequiredService<Application.BookingVoids>());
    }

    /// <summary>How often a cancel waiting for a bank's own void looks at the chain for it.</summary>
    private static readonly TimeSpan LookForBankVoidEvery = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The longest one send may take here: the writer's longest send (<see cref="ChainOptions.LongestSend"/>) and a second, plus
    /// the deposit window (about 351 s with the defaults).
    /// </summary>
    private long OneSendMs => (long)chainOptions.Value.LongestSend.TotalMilliseconds + 1000L + options.Value.DepositBatchWindowMs;

    /// <summary>
    /// A cancel of a bank this service no longer signs for, asked less than <see cref="OneSendMs"/> ago and not voided by the
    /// bank yet: looked at again from <paramref name="AtUnixMs"/> on (a few seconds later, for the bank's void; at the bound).
    /// </summary>
    private sealed class CancelNotDecidableYet(long AtUnixMs) : Exception("its cancel is decided by the bank's void, or once any send of it begun before is over")
    {
        public long AtUnixMs { get; } = AtUnixMs;
    }

    /// <summary>The instruction's bound: the one kept (raised after an attempt that may have sent it), or taken now and kept.</summary>
    private async Task<System.Numerics.BigInteger> BoundAsync(BookingInstruction instruction)
    {
        if (_sentBefore.TryGetValue(BoundKey(instruction), out var kept)) return kept;
        if (_sentBefore.Count > MostRemembered) _sentBefore.Clear();
        return _sentBefore[BoundKey(instruction)] = await ledger.SentBeforeHereAsync(instruction.Bank);
    }

    /// <summary>
    /// After an attempt that may have sent the instruction: its bound raised above that attempt's transaction. When the
    /// bound cannot be read (the node down, nothing sent here yet) it is forgotten, and the next refusal takes
    /// one afresh — above every earlier attempt too.
    /// </summary>
    private async Task RaiseBoundAsync(BookingInstruction instruction)
    {
        try
        {
            _sentBefore[BoundKey(instruction)] = await ledger.SentBeforeHereAsync(instruction.Bank);
        }
        catch (Exception e)
        {
            _sentBefore.TryRemove(BoundKey(instruction), out _);
            logger.LogDebug(e, "The bound of {Kind} {Reference} on {Party}'s {Currency} account could not be read: taken afresh at its next refusal",
                instruction.What, instruction.Reference, instruction.Party, instruction.Currency);
        }
    }

    /// <summary>A failed send, noted on the instruction (still Queued) for the bank to see; a database that fails too leaves only the log.</summary>
    private async Task NoteFailureAsync(BookingInstruction asked, Exception failure)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
            var instruction = await db.BookingInstructions.SingleAsync(d => d.Id == asked.Id);
            instruction.NoteFailure(instruction.CancelAskedBy is null ? Described(failure) : DescribedCancel(failure), clock.GetUtcNow());
            await db.SaveChangesAsync();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "The failed send of {Kind} {Reference} on {Party}'s {Currency} account could not be noted on it", asked.What, asked.Reference, asked.Party, asked.Currency);
        }
    }

    /// <summary>
    /// A failed send in fixed words for the bank: what failed, never the node's address, its words nor an exception's text
    /// (those are in the service's log).
    /// </summary>
    public static string Described(Exception failure) => failure switch
    {
        ChainOutcomeUnknownException => "what became of its transaction is not known yet (its receipt says nothing of it, or an earlier attempt may still be mined): sent again",
        ChainTransactionsPendingException => "the bank's transactions (perhaps this one's own) are still waiting to be mined: sent again once they are",
        ChainRevertedException => "the chain reverted its transaction without naming a rule (out of gas, or a state that moved meanwhile): sent again",
        Nethereum.JsonRpc.Client.RpcResponseException => "the chain node refused its transaction: sent again",
        HttpRequestException or Nethereum.JsonRpc.Client.RpcClientUnknownException or Nethereum.JsonRpc.Client.RpcClientTimeoutException or TimeoutException
            or TaskCanceledException => "the chain node could not be reached or did not answer: sent again once it does",
        DbUpdateConcurrencyException => "another process recorded it at the same moment: read again",
        System.Data.Common.DbException or DbUpdateException => "the payments database failed while recording it: sent again",
        _ => "sending or recording it failed unexpectedly (the payments service's log says why): sent again",
    };

    /// <summary>A cancel not decided yet, in fixed words for the bank (it is not sent again: only decided).</summary>
    public static string DescribedCancel(Exception failure) => failure switch
    {
        ChainOutcomeUnknownException or ChainTransactionsPendingException =>
            "its cancel waits until the bank's transactions sent before it (and the void of its reference, where one is sent) are mined (it is not sent again)",
        ChainRevertedException => "the chain refused to void its reference (the payments service's log says why; the bank's role, or a token contract deployed before voids): decided again shortly",
        _ => "its cancel could not be decided yet (the chain node or the payments database failed, or the bank's key or address is not known here; the payments service's log says why): decided again shortly",
    };

    /// <summary>
    /// The instruction's outcome, recorded in one database transaction (its ledger entry and camt.054 with it when made). A
    /// movement the chain shows is booked whatever the instruction says by now: a refusal another sender recorded meanwhile
    /// (two senders during a change of deployment) is replaced, with an alert; one booked already is left as it is. Every
    /// status is written over the one read (a concurrency token), so two senders never both decide it.
    /// </summary>
    /// <param name="address">The account's address on chain.</param>
    /// <param name="sentBefore">The instruction's bound (<see cref="_sentBefore"/>).</param>
    /// <exception cref="ChainOutcomeUnknownException">Not known yet (no event of it in the receipt; a refusal while an earlier
    /// attempt may still be mined): sent again later.</exception>
    /// <exception cref="DbUpdateConcurrencyException">Another process wrote the instruction meanwhile: record again.</exception>
    private async Task RecordAsync(BookingInstruction asked, string address, SendOutcome outcome, System.Numerics.BigInteger sentBefore)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        var instruction = await db.BookingInstructions.SingleAsync(d => d.Id == asked.Id);
        if (instruction.Status == BookingInstructionStatus.Booked) return; // booked meanwhile (another sender, during a change of deployment)
        var now = clock.GetUtcNow();
        var what = instruction.ChainStep;
        if (outcome is { TransactionHash: null, Undecided: false, MayBeUnmined: true })
        {
            // Refused, perhaps before anything was mined: made by an earlier attempt (the token binds the reference to exactly
            // it: booked, whatever the bank may do now, and over a refusal another sender recorded), possibly still to be made
            // (sent again later), or refused.
            try
            {
                var (madeIn, mayHappen) = await ledger.BookingOnChainAsync(instruction, address, sentBefore);
                if (madeIn is null && mayHappen && instruction.Status == BookingInstructionStatus.Queued)
                    throw new ChainOutcomeUnknownException(what, $"refused ({outcome.Refusal}), but an earlier attempt may still make it (a transaction of the bank sent before it is not mined yet)");
                if (madeIn is not null) outcome = outcome with { TransactionHash = madeIn };
            }
            catch (ChainRevertedException bound) when (bound.Rule != UnnamedRevert)
            {
                outcome = outcome with { Rule = bound.Rule, Refusal = bound.Error }; // the reference bound to another movement
            }
        }
        if (outcome.TransactionHash is { } tx)
        {
            if (instruction.Status == BookingInstructionStatus.Refused)
                logger.LogError("ALERT the {Kind} {Reference} on {Party}'s {Currency} account was recorded refused ({Rule}), but the chain shows it made in {Transaction}: booked",
                    instruction.What, instruction.Reference, instruction.Party, instruction.Currency, instruction.Rule, tx);
            var bookedIn = await ledger.BookMadeAsync(db, scope.ServiceProvider.GetRequiredService<Iso20022Recorder>(), instruction, tx, now);
            if (bookedIn != tx)
                logger.LogError("ALERT {Kind} {Reference} on {Party}'s {Currency} account: booked in transaction {Booked}, but the chain answers {Made} for its reference",
                    instruction.What, instruction.Reference, instruction.Party, instruction.Currency, bookedIn, tx);
        }
        else if (instruction.Status != BookingInstructionStatus.Queued) return; // refused meanwhile by another sender: that refusal stands
        else if (instruction.CancelAskedBy is not null && !outcome.Cancelled)
            // A send begun before its cancel came to no movement: decided as the cancel (stricter than a refusal's decision —
            // the cancel spent its reference, so no later ask would find and book a movement that comes after all).
            throw new ChainOutcomeUnknownException(what, "its cancel was asked while it was sent: decided as the cancel");
        else if (outcome.Undecided)
            throw new ChainOutcomeUnknownException(what, outcome.Refusal ?? "no outcome");
        else if (outcome.Cancelled)
        {
            // Decided for the cancel the chain was read for; another asked since (none can be: its reference is spent) is not this one.
            if (instruction.CancelAskedAtUnixMs != asked.CancelAskedAtUnixMs || instruction.RequestedAtUnixMs != asked.RequestedAtUnixMs)
                throw new ChainOutcomeUnknownException(what, "its cancel changed while it was decided");
            instruction.MarkCancelled(now, outcome.Proof!.Value, outcome.VoidedIn);
        }
        else
            instruction.MarkRefused(outcome.Rule ?? "refused", outcome.Refusal ?? $"The settlement token refused the {what}: nothing moved.", now);
        await db.SaveChangesAsync();
    }

    /// <summary>The wait after <paramref name="failures"/> failed sends in a row: 0.5 s doubling to 30 s, as a settlement lane's.</summary>
    private static TimeSpan Backoff(int failures) => ServiceDefaults.Backoff.After(failures, TimeSpan.FromMilliseconds(500));
}
