using System.Numerics;
using Microsoft.EntityFrameworkCore;
using Nethereum.Contracts;
using TradeChain.Ledger;
using TradeChain.Ledger.Contracts.SettlementToken;
using TradeChain.Payments.Domain;

namespace TradeChain.Payments.Infrastructure;

/// <summary>A bank's own signed transfer, checked (<see cref="SettlementLedger.SignedTransfer"/>): the writer that sends only it, and its hash.</summary>
public sealed record PresignedTransfer(ChainWriter Writer, string Hash);

/// <summary>A transfer queued for a bank's batch (<see cref="SettlementLedger.TransferBatchAsync"/>).</summary>
public sealed record QueuedTransfer(SettlementAccount From, SettlementAccount To, decimal Amount, LedgerEntryKind Kind, string Reference);

/// <summary>
/// The service's side of the settlement token: opens accounts, books deposits and withdrawals, and moves money — each
/// time first on chain, signed by the acting bank's own account (the contract checks it may), then in the service's
/// ledger, idempotently: a retried step finds its movement on chain and books it once. Each bank's payment references
/// are its own on chain, bound to exactly what they moved: a retry is taken for done only when the chain's record of
/// this bank's reference is exactly the intended payment (<see cref="SettlementClient"/>).
/// </summary>
public sealed class SettlementLedger(SettlementClient chain, PartyWallets wallets, TimeProvider clock, Microsoft.Extensions.Options.IOptions<PaymentsOptions> options,
    ChainOptions chainOptions)
{
    public SettlementClient Chain => chain;

    /// <summary>
    /// The queued deposits of one bank and currency sent at the same time (<see cref="BookingSender"/>): one mintBatch
    /// transaction per window (Payments:DepositBatchWindowMs), each deposit's send waiting for its own item's outcome. Up to
    /// <see cref="DepositBatchesInFlight"/> of a bank's batches are pipelined (on a chain with a block period a deposit
    /// waits for the next block, not for every batch before it).
    /// </summary>
    private readonly CallBatcher<(string Bank, string Currency), BatchTransfer, BatchTransferOutcome> _deposits = new(
        async (key, mints) => await chain.MintBatchAsync(await wallets.ForAsync(key.Bank, CancellationToken.None), key.Currency, mints, CancellationToken.None),
        TimeSpan.FromMilliseconds(Math.Max(0, options.Value.DepositBatchWindowMs)), Math.Min(PaymentsOptions.MostBatchItems, SettlementClient.MaxTransfersPerBatch),
        DepositBatchesInFlight);

    /// <summary>How many deposit batches of one bank may wait for their receipts at once.</summary>
    public const int DepositBatchesInFlight = 4;

    /// <summary>
    /// Whether <paramref name="bankParty"/>'s movements of <paramref name="kind"/> are asked, not sent, by its requests
    /// (<see cref="BookingInstruction"/>) and sent by the process that signs for the banks (<see cref="BookingSender"/>):
    /// this service's signer holds the bank's key, and for deposits batching is on. Otherwise each request sends its own
    /// (a bank that signs itself; every bank's deposits when Payments:DepositBatchWindowMs is 0 — so that setting also moves
    /// deposits back onto the request).
    /// </summary>
    public bool QueuesBookings(LedgerEntryKind kind, string bankParty) =>
        (kind != LedgerEntryKind.Deposit || options.Value.DepositBatchWindowMs > 0) && SignsFor(bankParty);

    /// <summary>
    /// Mints a queued deposit in the bank's next batch (one mintBatch per bank and currency per window, up to
    /// <see cref="DepositBatchesInFlight"/> batches in flight): what became of it, from its own event in the receipt (made,
    /// or made by an earlier attempt under the same reference; refused, naming the token's rule; or undecided).
    /// </summary>
    public Task<BatchTransferOutcome> MintQueuedAsync(BookingInstruction deposit, string address, CancellationToken ct) =>
        _deposits.AddAsync((deposit.Bank, deposit.Currency),
            BatchTransfer.Mint(address, deposit.AmountMinor, BookingReference(deposit)), ct);

    /// <summary>
    /// Burns a queued withdrawal in a transaction of its own, signed by the bank's writer here (one nonce sequence with the
    /// bank's batches): its transaction, or the earlier attempt's that the token bound to its reference.
    /// </summary>
    /// <exception cref="ChainRevertedException">The token refused it (the funds are not there, the account is not the bank's…).</exception>
    public async Task<string> BurnQueuedAsync(BookingInstruction withdrawal, string address, CancellationToken ct) =>
        (await chain.BurnAsync(await wallets.ForAsync(withdrawal.Bank, ct), withdrawal.Currency, address, withdrawal.AmountMinor,
            BookingReference(withdrawal), ct)).TransactionHash;

    /// <summary>
    /// A nonce of <paramref name="bankParty"/> above every transaction this process has sent for it — or, before it sent any
    /// (just started), above every one the node has: taken at a queued booking's first refusal, and after
    /// each attempt that may have sent it, it bounds the transactions an attempt of that booking can be in
    /// (<see cref="BookingOnChainAsync"/>), without the bank's later ones.
    /// </summary>
    public async Task<BigInteger> SentBeforeHereAsync(string bankParty) =>
        await wallets.NextNonceHereAsync(bankParty) ?? await chain.NextNonceAsync(wallets.AddressOf(bankParty));

    /// <summary>
    /// A queued booking whose cancel the bank asked, decided on chain: its bank voids the booking's reference
    /// (<see cref="SettlementClient.VoidReferenceAsync"/>, signed by the bank's writer here, in the nonce order of its other
    /// transactions). Once mined, the reference is bound either to the void — nothing of the booking was made, and no attempt
    /// still in a node's pool or about to be sent by another process ever can be (the token refuses it as DuplicateReference)
    /// — or to the movement an earlier attempt made first: its transaction (the cancel came too late; booked).
    /// </summary>
    /// <returns>The movement's transaction (made before the void), or the void's (null when an earlier void of it came first).</returns>
    /// <exception cref="ChainRevertedException">DuplicateReference: the bank's reference is bound to another movement; or the void
    /// refused otherwise (the bank lost its role…: nothing is decided).</exception>
    public async Task<(string? MadeIn, string? VoidedIn)> VoidQueuedAsync(BookingInstruction instruction, string address, CancellationToken ct)
    {
        var reference = BookingReference(instruction);
        var (bound, voidedIn) = await chain.VoidReferenceAsync(await wallets.ForAsync(instruction.Bank, ct), instruction.Currency, reference, ct);
        if (bound.IsVoid) return (null, voidedIn);
        var (from, to) = MovementOf(instruction, address);
        // Bound to a movement: this one's transaction, found in its block — refused as DuplicateReference when the bank used the
        // reference for another movement; not found yet (a node behind) is no outcome.
        return ((await chain.BankMovementAsync(wallets.AddressOf(instruction.Bank), instruction.Currency, from, to, instruction.AmountMinor, reference))?.TransactionHash
                ?? throw NotReadYet(instruction), null);
    }

    /// <summary>
    /// A booking's reference read as bound at one block, but nothing under it at the next read (a node behind another):
    /// not known yet — never taken as decided.
    /// </summary>
    private static ChainOutcomeUnknownException NotReadYet(BookingInstruction instruction) =>
        new(instruction.ChainStep, $"the reference of {instruction.What} {instruction.Reference} is bound on chain, but what it is bound to could not be read yet");

    /// <summary>The payer and payee of a queued booking on chain: a deposit mints to the account, a withdrawal burns from it.</summary>
    private static (string? From, string? To) MovementOf(BookingInstruction instruction, string address) =>
        instruction.Kind == LedgerEntryKind.Deposit ? (null, address) : (address, null);

    /// <summary>
    /// The void of a queued booking's reference as an unsigned transaction of its bank, for a bank that signs itself
    /// (<see cref="Application.BookingVoids"/>): the bank's pending nonce, current fees, gas estimated from its account.
    /// </summary>
    /// <exception cref="ChainRevertedException">DuplicateReference: the reference is bound already (voided, or the movement made).</exception>
    public Task<UnsignedTransaction> PrepareVoidAsync(BookingInstruction instruction, CancellationToken ct) =>
        chain.PrepareVoidReferenceAsync(wallets.AddressOf(instruction.Bank), instruction.Currency,
            BookingReference(instruction), ct);

    /// <summary>Whether this service signs for <paramref name="bankParty"/> (its key or signer here; not a bank that signs itself): it can void the bank's references.</summary>
    public bool SignsFor(string bankParty) => wallets.HasAccount(bankParty) && !wallets.SignsItself(bankParty);

    /// <summary>
    /// What the chain says of a queued booking whose cancel was asked of a bank this service no longer signs for
    /// (<see cref="SignsFor"/> false: nothing here can send for it, nor void its reference), read at one block: made — the
    /// token binds the booking's reference to exactly this movement: its transaction; voided — by the bank (its own signed
    /// void, <see cref="Application.BookingVoids"/>, or a process that still held its key): the void's transaction; or settled — every transaction of
    /// the bank numbered below <paramref name="sentBefore"/> (the node's count at the look that took it; null: not asked) is
    /// mined, so nothing an earlier attempt sent can be made any more. No node's pending count stands in for the mined one.
    /// </summary>
    /// <exception cref="ChainRevertedException">DuplicateReference: the bank's reference is bound to another movement.</exception>
    public async Task<(string? MadeIn, bool Settled, string? VoidedIn)> UnsignedCancelOnChainAsync(BookingInstruction instruction, string address, BigInteger? sentBefore)
    {
        var bank = wallets.AddressOf(instruction.Bank);
        var reference = BookingReference(instruction);
        var (mined, payment) = await chain.MinedCountAndPaymentAsync(instruction.Currency, bank, reference);
        if (payment is null) return (null, sentBefore is { } bound && mined >= bound, null);
        // Voided by the bank itself (its own signed void, or its wallet's), or by a process that still held its key: the void's transaction, from its event.
        if (payment.IsVoid) return (null, true, await chain.VoidedInAsync(instruction.Currency, bank, reference, payment.BlockNumber));
        var (from, to) = MovementOf(instruction, address);
        return ((await chain.BankMovementAsync(bank, instruction.Currency, from, to, instruction.AmountMinor, reference))?.TransactionHash
                ?? throw NotReadYet(instruction), true, null);
    }

    /// <summary>
    /// What the chain says of a queued booking after a refusal that may have come before its transaction was mined (an
    /// estimate), read at one block as <see cref="TransferMayHappenAsync(string, string, LedgerEntryKind, string, BigInteger, CancellationToken)"/>
    /// does: made — the token binds the booking's reference to exactly this movement (an earlier attempt's, whatever the
    /// bank may do now): its transaction; or it may yet be made — a transaction of the bank numbered below
    /// <paramref name="sentBefore"/> (every attempt of it was sent below that) is not mined, while the node still holds
    /// transactions of the bank not mined (with none there, nothing of an earlier attempt can be mined any more — but for one
    /// the node dropped, its nonce still free, coming back from another node's pool: the writer fills such a nonce itself
    /// only for the call it refuses, and the payments worker talks to one node); or neither: the refusal is the outcome.
    /// </summary>
    /// <param name="address">The account's address on chain (the mint's payee, the burn's payer).</param>
    /// <exception cref="ChainRevertedException">DuplicateReference: the bank's reference is bound to another movement (a refusal).</exception>
    public async Task<(string? MadeIn, bool MayHappen)> BookingOnChainAsync(BookingInstruction instruction, string address, BigInteger sentBefore)
    {
        var bank = wallets.AddressOf(instruction.Bank);
        var reference = BookingReference(instruction);
        var (mined, payment) = await chain.MinedCountAndPaymentAsync(instruction.Currency, bank, reference);
        if (payment is null) return (null, mined < sentBefore && await chain.NextNonceAsync(bank) > mined);
        var (from, to) = MovementOf(instruction, address);
        return ((await chain.BankMovementAsync(bank, instruction.Currency, from, to, instruction.AmountMinor, reference))?.TransactionHash
                ?? throw NotReadYet(instruction), false);
    }

    /// <summary>
    /// The bank's 32-byte reference on chain of a deposit or withdrawal <paramref name="reference"/> on <paramref name="party"/>'s
    /// account: the same whichever path sends it (its request, or the booking sender), so that a mint or burn sent again finds the one before.
    /// </summary>
    public static byte[] BookingReference(LedgerEntryKind kind, string party, string reference) => SettlementClient.Reference($"{kind.Name()}:{party}:{reference}");

    /// <summary>The bank's 32-byte reference on chain of a queued booking (<see cref="BookingReference(LedgerEntryKind, string, string)"/>).</summary>
    public static byte[] BookingReference(BookingInstruction instruction) => BookingReference(instruction.Kind, instruction.Party, instruction.Reference);

    public PartyWallets Wallets => wallets;

    public bool Supports(string currency) => chain.Currencies.Contains(currency, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether <paramref name="party"/> is a bank of this network in <paramref name="currency"/>: its chain account's token
    /// account is serviced by itself, as the deployment opens every bank's (and no bank opens a customer's for itself).
    /// </summary>
    public async Task<bool> IsBankAsync(string party, string currency)
    {
        if (!wallets.HasAccount(party)) return false;
        var address = wallets.AddressOf(party);
        return string.Equals(await chain.ServicingBankAsync(currency, address), address, StringComparison.OrdinalIgnoreCase);
    }

    public async Task<SettlementAccount> OpenAccountAsync(PaymentsDbContext db, string bankParty, string party, string currency, CancellationToken ct)
    {
        // A bank opens an account only on the holder's mandate; the customs treasury's bank is configured.
        var mandated = party == options.Value.CustomsTreasuryParty
            ? options.Value.CustomsTreasuryBank
            : await db.Mandates.Where(m => m.Party == party && m.Currency == currency).Select(m => m.Bank).SingleOrDefaultAsync(ct);
        var existing = await db.Accounts.SingleOrDefaultAsync(a => a.Party == party && a.Currency == currency, ct);
        SettlementAccount.EnsureMayOpen(party, currency, bankParty, mandated, existing);
        if (existing is not null) return existing;
        var bank = await wallets.ForAsync(bankParty, ct);
        var address = wallets.AddressOf(party);
        ChainReceipt? receipt;
        try
        {
            // The token opens an account only at the bank its holder asked for, signed by the holder's own account. This
            // service keeps the parties' keys; it signs that request only on the mandate the holder gave (checked above).
            await chain.MandateBankAsync(await wallets.ForAsync(party, ct), currency, bank.Address, ct);
            receipt = await chain.OpenAccountAsync(bank, currency, address, ct);
        }
        catch (ChainRevertedException e) when (e.Is<AccountAlreadyOpenError>())
        {
            // A concurrent request of the same bank opened it a moment ago; at another bank, the refusal stands.
            if (!string.Equals(await chain.ServicingBankAsync(currency, address), bank.Address, StringComparison.OrdinalIgnoreCase)) throw;
            receipt = null;
        }
        var account = new SettlementAccount
        {
            Party = party, Currency = currency, Address = address, ServicingBank = bankParty,
            OpenTransactionHash = receipt?.TransactionHash ?? "", OpenedAtUnixMs = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        db.Accounts.Add(account);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Recorded concurrently by the same bank's other request: that record stands.
            db.Entry(account).State = EntityState.Detached;
            return await db.Accounts.SingleAsync(a => a.Party == party && a.Currency == currency, ct);
        }
        return account;
    }

    /// <summary>The account a movement needs (<paramref name="role"/> names it when it was never opened).</summary>
    public async Task<SettlementAccount> RequireAccountAsync(PaymentsDbContext db, string party, string currency, string role, CancellationToken ct) =>
        SettlementAccount.Required(await db.Accounts.SingleOrDefaultAsync(a => a.Party == party && a.Currency == currency, ct), party, currency, role);

    /// <summary>
    /// A deposit (mint) or withdrawal (burn) by the account's own bank against its books, sent by this request (a queued one:
    /// <see cref="MintQueuedAsync"/>, <see cref="BurnQueuedAsync"/>), and entered (<see cref="EnterBooking"/>); the caller saves.
    /// </summary>
    public async Task<LedgerEntry> BookAsync(PaymentsDbContext db, Iso20022Recorder iso, SettlementAccount account, string bankParty, decimal amount, string reference,
        LedgerEntryKind kind, CancellationToken ct)
    {
        account.RequireServicedBy(bankParty);
        var minor = LedgerEntry.ToMinor(amount);
        var reference32 = BookingReference(kind, account.Party, reference);
        var bank = await wallets.ForAsync(bankParty, ct);
        var transactionHash = (kind == LedgerEntryKind.Deposit
            ? await chain.MintAsync(bank, account.Currency, account.Address, minor, reference32, ct)
            : await chain.BurnAsync(bank, account.Currency, account.Address, minor, reference32, ct)).TransactionHash;
        return EnterBooking(db, iso, account, bankParty, kind, minor, reference, transactionHash);
    }

    /// <summary>
    /// A queued booking (<paramref name="instruction"/>, tracked by <paramref name="db"/>) that the chain shows made in
    /// <paramref name="transactionHash"/>, marked Booked — whatever it said before (a refusal, a cancel) — and entered with the
    /// holder's camt.054 (<see cref="EnterBooking"/>), unless its request booked it already (sent there, during a change of
    /// configuration: the same reference on chain, so the same movement — the instruction is that booking). The caller saves.
    /// </summary>
    /// <returns>The transaction it is booked with: <paramref name="transactionHash"/>, or the earlier booking's (the caller alerts when they differ).</returns>
    public async Task<string> BookMadeAsync(PaymentsDbContext db, Iso20022Recorder iso, BookingInstruction instruction, string transactionHash, DateTimeOffset now)
    {
        var entered = await db.Entries.AsNoTracking()
            .SingleOrDefaultAsync(e => e.Kind == instruction.Kind && e.Reference == instruction.Reference && e.Party == instruction.Party && e.Currency == instruction.Currency);
        if (entered is null)
        {
            var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Party == instruction.Party && a.Currency == instruction.Currency);
            EnterBooking(db, iso, account, instruction.Bank, instruction.Kind, instruction.AmountMinor, instruction.Reference, transactionHash);
        }
        instruction.MarkBooked(entered?.TransactionHash ?? transactionHash, now);
        return entered?.TransactionHash ?? transactionHash;
    }

    /// <summary>
    /// A deposit or withdrawal the chain shows in <paramref name="transactionHash"/>, entered: its ledger entry (a withdrawal's
    /// amount negative) and the holder's camt.054, added to <paramref name="db"/> for the caller to save together — by the
    /// request that sent it (<see cref="BookAsync"/>) or by the sender of a queued one (<see cref="BookingSender"/>).
    /// </summary>
    public LedgerEntry EnterBooking(PaymentsDbContext db, Iso20022Recorder iso, SettlementAccount account, string bankParty, LedgerEntryKind kind, long amountMinor,
        string reference, string transactionHash)
    {
        var deposit = kind.RequireBankBooking() == LedgerEntryKind.Deposit;
        var entry = new LedgerEntry
        {
            Party = account.Party, Currency = account.Currency, AmountMinor = deposit ? amountMinor : -amountMinor, Kind = kind, Reference = reference,
            TransactionHash = transactionHash, AtUnixMs = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        db.Entries.Add(entry);
        iso.Notify(db, $"{account.Party}/{account.Currency}", account.Party, account.Address, account.ServicingBank, deposit, LedgerEntry.FromMinor(amountMinor),
            account.Currency, reference, bankParty, wallets.AddressOf(bankParty), transactionHash, deposit ? $"Deposit {reference}" : $"Withdrawal {reference}");
        return entry;
    }

    /// <summary>
    /// The bank debits its customer <paramref name="from"/> and credits <paramref name="to"/> on chain (a duty payment),
    /// once per reference: a retry returns the transaction of the earlier attempt. Book it with <see cref="BookTransfer"/>.
    /// </summary>
    /// <param name="signed">The bank's own signed transaction (<see cref="SignedTransfer"/>); null: the bank's signer here signs.</param>
    public async Task<string> TransferAsync(PaymentsDbContext db, string bankParty, SettlementAccount from, SettlementAccount to, decimal amount, LedgerEntryKind kind,
        string reference, CancellationToken ct, PresignedTransfer? signed = null)
    {
        // The bank's own transaction, sent by an earlier attempt and mined: it is this transfer (checked), so it is the payment.
        if (signed is not null && await signed.Writer.SucceededAsync(signed.Hash) is { } mined) return mined.TransactionHash;
        await RequireTransferableAsync(db, bankParty, from, amount, ct);
        var minor = LedgerEntry.ToMinor(amount);
        var bank = signed?.Writer ?? await wallets.ForAsync(bankParty, ct);
        var reference32 = SettlementClient.Reference($"{kind.Name()}:{reference}");
        try
        {
            return (await chain.BankTransferAsync(bank, from.Currency, from.Address, to.Address, minor, reference32, ct)).TransactionHash;
        }
        catch (Nethereum.JsonRpc.Client.RpcResponseException e) when (signed is not null)
        {
            // The node refuses the bank's own transaction as it stands (its nonce used meanwhile, its fees below the base fee
            // now): it cannot be sent again as it is, and nothing of it moved. A rule the bank meets by signing it anew.
            throw PartyTransactions.Stale($"the chain node refused it: {e.RpcError?.Message ?? e.Message}");
        }
    }

    /// <summary>
    /// The bank's queued transfers (<see cref="TransferAsync"/>'s, of one currency, each under its own reference) in one
    /// transaction, signed by the bank's signer here: what became of each, from its own event in the receipt (made, or
    /// refused naming the contract's rule; one made by an earlier attempt is found bound to exactly it). Book each made one
    /// with <see cref="BookTransfer"/>.
    /// </summary>
    public async Task<IReadOnlyList<BatchTransferOutcome>> TransferBatchAsync(string bankParty, string currency, IReadOnlyList<QueuedTransfer> transfers,
        CancellationToken ct)
    {
        var bank = await wallets.ForAsync(bankParty, ct);
        return await chain.BankTransferBatchAsync(bank, currency,
            [.. transfers.Select(t => new BatchTransfer(t.From.Address, t.To.Address, LedgerEntry.ToMinor(t.Amount), PaymentReference(t.Kind, t.Reference)))], ct);
    }

    /// <summary>The bank's 32-byte reference on chain of the movement <paramref name="reference"/> of <paramref name="kind"/>.</summary>
    public static byte[] PaymentReference(LedgerEntryKind kind, string reference) => SettlementClient.Reference($"{kind.Name()}:{reference}");

    /// <summary>
    /// The transfer of <see cref="TransferAsync"/> as an unsigned transaction for the bank's own account, for the bank to
    /// sign itself (its key stays with it): the bank's pending nonce, current fees, gas estimated from its account.
    /// </summary>
    public async Task<UnsignedTransaction> PrepareTransferAsync(PaymentsDbContext db, string bankParty, SettlementAccount from, SettlementAccount to, decimal amount,
        LedgerEntryKind kind, string reference, CancellationToken ct)
    {
        await RequireTransferableAsync(db, bankParty, from, amount, ct);
        return await chain.PrepareBankTransferAsync(wallets.AddressOf(bankParty), from.Currency, from.Address, to.Address, LedgerEntry.ToMinor(amount),
            SettlementClient.Reference($"{kind.Name()}:{reference}"), ct);
    }

    /// <summary>
    /// A writer that sends the bank's own signed transfer (<paramref name="raw"/>) and nothing else, after checking that it
    /// is signed by the bank's account and is exactly the transfer of this payment (token, payer, payee, amount, reference),
    /// and that it can be sent as it is (<see cref="PartyTransactions.SignedAsync"/>) — all before the intent is saved.
    /// </summary>
    /// <exception cref="PartySignatureException">Signed by another account, or another call.</exception>
    /// <exception cref="DomainRuleViolation">signed-transaction-stale: its nonce used (or it was mined and refused), nothing sent;
    /// transaction-pending: it waits in the node already.</exception>
    public async Task<PresignedTransfer> SignedTransferAsync(string raw, string bankParty, SettlementAccount from, SettlementAccount to, decimal amount,
        LedgerEntryKind kind, string reference)
    {
        var signer = new PresignedSigner(raw, wallets.AddressOf(bankParty), bankParty);
        var data = TransferCallData(from, to, amount, kind, reference);
        // Checked now, before the intent is saved; the writer checks it again when it sends.
        var signed = signer.Check(new UnsignedTransaction(chainOptions.ChainId, 0, 0, 0, 0, chain.TokenAddress(from.Currency), 0, data));
        var onChain = await PartyTransactions.SignedAsync(chain, bankParty, signer.Address, signed.Hash, signed.Nonce);
        if (onChain.Stale is { } stale) throw PartyTransactions.Stale(stale);
        if (onChain.Pending) throw PartyTransactions.Pending(signed.Hash);
        // Sent once, in the nonce order of the bank's writer here (mined already: the writer finds it).
        return new PresignedTransfer(wallets.SendingOnce(bankParty, signer), signer.Hash);
    }

    /// <summary>
    /// The transfer of this payment that the bank's own wallet signed and sent itself (browser wallets such as MetaMask
    /// sign only by sending): <see cref="PartyTransactions.SentAsync"/> with exactly this transfer (token, payer, payee,
    /// amount, reference) from the bank's account. Nothing is recorded before it is mined. One refused as a used reference
    /// is the payment all the same when the bank's reference is bound to exactly this transfer (the wallet sent it twice).
    /// </summary>
    /// <returns>The transaction's hash as the chain has it (or the first copy's).</returns>
    /// <exception cref="PartySignatureException">(sentTransaction) unknown to the chain, sent by another account, or another call.</exception>
    /// <exception cref="DomainRuleViolation">transaction-pending while it waits to be mined; transaction-reverted when the contract refused it.</exception>
    public async Task<string> SentTransferAsync(string hash, string bankParty, SettlementAccount from, SettlementAccount to, decimal amount,
        LedgerEntryKind kind, string reference)
    {
        var account = wallets.AddressOf(bankParty);
        var call = new PartyCall(bankParty, account, chain.TokenAddress(from.Currency), BigInteger.Zero, TransferCallData(from, to, amount, kind, reference),
            "this payment's transfer");
        return (await PartyTransactions.SentAsync(chain, hash, call,
            madeBefore: () => chain.BankPaymentAsync(account, from.Currency, from.Address, to.Address, LedgerEntry.ToMinor(amount), PaymentReference(kind, reference)))).TransactionHash;
    }

    private static string TransferCallData(SettlementAccount from, SettlementAccount to, decimal amount, LedgerEntryKind kind, string reference) =>
        Nethereum.Hex.HexConvertors.Extensions.HexByteConvertorExtensions.ToHex(new BankTransferFunction
        {
            From = from.Address, To = to.Address, Amount = LedgerEntry.ToMinor(amount), PaymentReference = SettlementClient.Reference($"{kind.Name()}:{reference}"),
        }.GetCallData(), true);

    /// <summary>The bank may debit <paramref name="from"/> by <paramref name="amount"/>: it services the account, and the ledger shows the funds.</summary>
    public async Task RequireTransferableAsync(PaymentsDbContext db, string bankParty, SettlementAccount from, decimal amount, CancellationToken ct)
    {
        from.RequireServicedBy(bankParty, ": only its own bank may debit it");
        from.RequireFunds(await BalanceAsync(db, from.Party, from.Currency, ct), amount);
    }

    /// <summary>
    /// Whether the bank's transfer under <paramref name="reference"/> may still be made on chain (so a settlement cannot be
    /// given up): made already (bound to the reference), or possibly in flight (the bank has transactions sent but not mined).
    /// The transactions in flight are read first: with none, every transaction sent is mined, so a reference found unbound
    /// afterwards stays unbound by them (read the other way round, a transfer mined in between would be missed).
    /// </summary>
    public async Task<bool> TransferMayHappenAsync(string bankParty, string currency, LedgerEntryKind kind, string reference, CancellationToken ct)
    {
        var bank = wallets.AddressOf(bankParty);
        if (await chain.HasPendingTransactionsAsync(bank)) return true;
        // A void of the reference (the bank's own, outside TradeChain) means it never happens.
        return await chain.PaymentOfAsync(currency, bank, SettlementClient.Reference($"{kind.Name()}:{reference}")) is { IsVoid: false };
    }

    /// <summary>
    /// <see cref="TransferMayHappenAsync(string, string, LedgerEntryKind, string, CancellationToken)"/> for a transfer that can
    /// only be in the bank's transactions numbered below <paramref name="sentBefore"/> (its nonce count when the caller knew
    /// nothing more would carry it): it may happen while one of those is not mined, or when it is made. The bank's later
    /// transactions (other settlements' batches in flight) do not keep it undecided.
    /// </summary>
    public async Task<bool> TransferMayHappenAsync(string bankParty, string currency, LedgerEntryKind kind, string reference, BigInteger sentBefore, CancellationToken ct)
    {
        var (mined, payment) = await chain.MinedCountAndPaymentAsync(currency, wallets.AddressOf(bankParty), SettlementClient.Reference($"{kind.Name()}:{reference}"));
        if (payment is { IsVoid: true }) return false; // the bank voided the reference: it never happens
        return mined < sentBefore || payment is not null;
    }

    /// <summary>
    /// The bank's nonce count below which every transaction this process or the node knows of lies: the node's pending
    /// count, or this service's writer's next nonce where that is higher (a transaction it gave a nonce the node asked has not seen).
    /// </summary>
    public async Task<BigInteger> SentBeforeAsync(string bankParty)
    {
        var node = await chain.NextNonceAsync(wallets.AddressOf(bankParty));
        return await wallets.NextNonceHereAsync(bankParty) is { } here && here > node ? here : node;
    }

    /// <summary>Books a transfer made on chain (<see cref="TransferAsync"/>, transaction <paramref name="tx"/>): a debit and a credit.</summary>
    public void BookTransfer(PaymentsDbContext db, SettlementAccount from, SettlementAccount to, decimal amount, LedgerEntryKind kind, string reference, string tx)
    {
        var minor = LedgerEntry.ToMinor(amount);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        db.Entries.Add(new LedgerEntry { Party = from.Party, Currency = from.Currency, AmountMinor = -minor, Kind = kind, Reference = reference, TransactionHash = tx, AtUnixMs = now });
        db.Entries.Add(new LedgerEntry { Party = to.Party, Currency = to.Currency, AmountMinor = minor, Kind = kind, Reference = reference, TransactionHash = tx, AtUnixMs = now });
    }

    /// <summary>Books a movement between a party and the escrow (funding, adjustment, release, refund).</summary>
    public void BookEscrow(PaymentsDbContext db, string party, string currency, long partyMinor, LedgerEntryKind kind, string reference, string tx)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        db.Entries.Add(new LedgerEntry { Party = party, Currency = currency, AmountMinor = partyMinor, Kind = kind, Reference = reference, TransactionHash = tx, AtUnixMs = now });
        db.Entries.Add(new LedgerEntry { Party = LedgerEntry.Escrow, Currency = currency, AmountMinor = -partyMinor, Kind = kind, Reference = reference, TransactionHash = tx, AtUnixMs = now });
    }

    /// <summary>
    /// The party's booked balance in minor units: one row the database keeps as entries are inserted (<see cref="AccountBalance"/>),
    /// however long the history; 0 with no entry.
    /// </summary>
    public static async Task<long> BalanceAsync(PaymentsDbContext db, string party, string currency, CancellationToken ct) =>
        (await KeptBalanceAsync(db, party, currency, ct)).BalanceMinor;

    /// <summary>The party's booked balance and how many entries make it (<see cref="AccountBalance"/>); zero of each with no entry.</summary>
    public static async Task<AccountBalance> KeptBalanceAsync(PaymentsDbContext db, string party, string currency, CancellationToken ct) =>
        await db.Balances.AsNoTracking().SingleOrDefaultAsync(b => b.Party == party && b.Currency == currency, ct)
        ?? new AccountBalance { Party = party, Currency = currency };

    /// <summary>
    /// The account's booked balance, how many entries make it, and its deposits and withdrawals asked and still queued
    /// (<see cref="BookingInstruction"/>: their sums and counts), read in <b>one statement</b>. A queued instruction is booked
    /// in the same transaction that inserts its entry (<see cref="BookingSender"/>), and one statement reads one snapshot
    /// (SQLite's read transaction, PostgreSQL's statement snapshot), so a queued amount counts in the balance or among the
    /// queued, never in both and never in neither, however its booking falls: the shortfall a page offers from these figures
    /// leaves out every deposit queued when they were read (two reads could count one twice or not at all). Null when the
    /// account does not exist.
    /// </summary>
    public static Task<AccountStanding?> StandingAsync(PaymentsDbContext db, string party, string currency, CancellationToken ct) =>
        Standing(db, party, currency).SingleOrDefaultAsync(ct);

    /// <summary>The query of <see cref="StandingAsync"/>: one statement, each part found by an index (QueryPlanTests).</summary>
    public static IQueryable<AccountStanding> Standing(PaymentsDbContext db, string party, string currency)
    {
        const BookingInstructionStatus queued = BookingInstructionStatus.Queued, booked = BookingInstructionStatus.Booked;
        const LedgerEntryKind deposit = LedgerEntryKind.Deposit, withdrawal = LedgerEntryKind.Withdrawal;
        // The account's queued instructions by the partial index of those not booked on (party, currency): "Status <> Booked"
        // names its filter so that SQLite's planner may take it, and the kind is told apart in the sums, not in the filter —
        // a term on the kind makes the planner take the unique index on (party, kind, reference, currency) instead, which holds every
        // instruction the party was ever asked of that kind.
        var open = db.BookingInstructions.Where(d => d.Party == party && d.Currency == currency && d.Status != booked && d.Status == queued);
        // One whose entry exists already is in the balance, not queued: booked in a request by a replica that books there
        // while another queued it (a change of configuration during a deployment), until the sender marks it Booked. The
        // entry's kind is compared with a constant: the two tables store it differently ("deposit", "Deposit").
        var depositsOpen = open.Where(d => !db.Entries.Any(e => e.Kind == deposit && e.Reference == d.Reference && e.Party == d.Party && e.Currency == d.Currency));
        var withdrawalsOpen = open.Where(d => !db.Entries.Any(e => e.Kind == withdrawal && e.Reference == d.Reference && e.Party == d.Party && e.Currency == d.Currency));
        return db.Accounts.AsNoTracking().Where(a => a.Party == party && a.Currency == currency)
            .Select(a => new AccountStanding(
                db.Balances.Where(b => b.Party == party && b.Currency == currency).Select(b => (long?)b.BalanceMinor).FirstOrDefault() ?? 0,
                db.Balances.Where(b => b.Party == party && b.Currency == currency).Select(b => (long?)b.EntryCount).FirstOrDefault() ?? 0,
                depositsOpen.Sum(d => d.Kind == deposit ? d.AmountMinor : 0),
                depositsOpen.Sum(d => d.Kind == deposit ? 1 : 0),
                withdrawalsOpen.Sum(d => d.Kind == withdrawal ? d.AmountMinor : 0),
                withdrawalsOpen.Sum(d => d.Kind == withdrawal ? 1 : 0)));
    }

    /// <summary>
    /// One page of the party's entries, oldest first within it: page 1 is the latest <paramref name="pageSize"/>, page 2 the
    /// ones before those. Read newest first along the index (Party, Currency, Id): the latest page costs the same however
    /// long the history (bench/run.sh --ledger); page k skips the (k − 1) pages before it along the index.
    /// </summary>
    public static async Task<List<LedgerEntry>> EntriesPageAsync(PaymentsDbContext db, string party, string currency, int pageNumber, int pageSize, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageNumber, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var page = await db.Entries.AsNoTracking().Where(e => e.Party == party && e.Currency == currency)
            .OrderByDescending(e => e.Id).Skip((pageNumber - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        page.Reverse();
        return page;
    }

    /// <summary>
    /// One page of <paramref name="accounts"/>, ordered by party and currency, each with its booked balance (its kept
    /// balance row, read in the same query; 0 without one), and how many accounts there are in all. A page past the last
    /// is empty without reading the page.
    /// </summary>
    public static async Task<(List<(SettlementAccount Account, long BookedMinor)> Page, int Total)> AccountsPageAsync(PaymentsDbContext db,
        IQueryable<SettlementAccount> accounts, int pageNumber, int pageSize, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageNumber, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var total = await accounts.CountAsync(ct);
        if (TradeChain.ServiceDefaults.Paging.PastEnd(pageNumber, pageSize, total)) return ([], total);
        var rows = await accounts.OrderBy(a => a.Party).ThenBy(a => a.Currency).Skip((pageNumber - 1) * pageSize).Take(pageSize)
            .Select(a => new
            {
                Account = a,
                Booked = db.Balances.Where(b => b.Party == a.Party && b.Currency == a.Currency).Select(b => (long?)b.BalanceMinor).FirstOrDefault() ?? 0,
            })
            .ToListAsync(ct);
        return ([.. rows.Select(r => (r.Account, r.Booked))], total);
    }

    /// <summary>The credit's id in its escrow: derived from its issuing bank's account and its number (no other bank can take it).</summary>
    public byte[] CreditId(string issuingBankParty, string creditNumber) =>
        SettlementClient.CreditId(wallets.AddressOf(issuingBankParty), SettlementClient.Reference(creditNumber));

    public static BigInteger Minor(decimal amount) => LedgerEntry.ToMinor(amount);
}
