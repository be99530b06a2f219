namespace TradeChain.Payments.Infrastructure;

/// <summary>Section "Payments".</summary>
public sealed class PaymentsOptions
{
    public const string Section = "Payments";

    /// <summary>The party whose token account receives duties.</summary>
    public string CustomsTreasuryParty { get; set; } = "CUSTOMS-TREASURY";

    /// <summary>The only bank that may open and keep the customs treasury's account (the treasury's mandate, configured).</summary>
    public string CustomsTreasuryBank { get; set; } = "BNK-TREASURY";

    /// <summary>
    /// The account holding DEFAULT_ADMIN_ROLE on the contracts, whose transactions an operator's onboarding prepares when the
    /// request names none (its address only: the key stays with whoever deployed the contracts). Empty: each request names it.
    /// </summary>
    public string OnboardingAdmin { get; set; } = "";

    /// <summary>How long a step waits for the signature of another party that signs itself before the request expires (a pending signature).</summary>
    public TimeSpan PendingSignatureLifetime { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// How often the sweep looks for expired or overtaken pending signatures whose step was not abandoned (a crash between
    /// the closing's save and the undoing on chain), and how long after its closing one is left to the request that closed it.
    /// </summary>
    public int SignatureAbandonmentSweepSeconds { get; set; } = 60;

    /// <summary>
    /// How long a bank's settlements gather before they go to the chain as one transaction (a bank whose key this service's
    /// signer holds; a bank that signs itself sends each of its own). 0: each settlement is its own transaction, in its request.
    /// </summary>
    public int SettlementBatchWindowMs { get; set; } = 50;

    /// <summary>
    /// How long the deposits a bank asked at the same time gather before the sender (<see cref="BookingSender"/>, in
    /// the process that signs for the banks) sends them as one transaction (a bank whose key this service's signer holds;
    /// at most <see cref="MostBatchItems"/>). 0: no queue for deposits — each is minted in its own request, as its own
    /// transaction, by whichever process takes it (withdrawals stay queued: each is burnt on its own anyway). 0 to 1000 (checked at start).
    /// </summary>
    public int DepositBatchWindowMs { get; set; } = 50;

    /// <summary>
    /// How long a deposit's or withdrawal's request waits for its booking when it is sent by the process that signs for the
    /// banks (<see cref="BookingSender"/>) before answering 202 with it still queued (0–30, checked at start); a client's
    /// <c>Prefer: wait=</c> may shorten it, <c>Prefer: respond-async</c> skips it. 15 by default: the 200's account view may
    /// then wait up to 10 s more for its chain balance, and clients (the console, the CLI) give up after 30 s.
    /// </summary>
    public int DepositWaitSeconds { get; set; } = 15;

    /// <summary>The most settlements in one batch transaction: 1 to <see cref="MostBatchItems"/> (checked at start).</summary>
    public int SettlementBatchMaxItems { get; set; } = 100;

    /// <summary>
    /// How many of a bank's settlement batches may be sent and not yet recorded at once (1: each waits for the one before's
    /// receipt). On a chain with a block period a batch waits about a block for its receipt; settlements asked meanwhile go
    /// in the next batch without waiting for it. 1 to 16 (checked at start). 10 (the default) allows at most 1,000 of a
    /// bank's settlements a block at 100 a batch (when each batch's cycle fits in a block period): about 56 M gas, which the
    /// production chain's block gas limit allows (its genesis sets 0x1fffffffffffff); on a chain with a 30,000,000 limit
    /// (anvil's default), batches past the fifth wait for the next block.
    /// </summary>
    public int SettlementBatchesInFlight { get; set; } = 10;

    /// <summary>
    /// The most items a batch may be configured to hold: about 56,000 gas each (a reference bound takes two new storage
    /// slots), so 100 take about 5.6 M gas, well under even a 30 M block gas limit; 100 is what is tested.
    /// </summary>
    public const int MostBatchItems = 100;

    /// <summary>
    /// How long a settlement request waits for its batch's record before answering 202 (a client's Prefer: wait= may ask
    /// less): below the usual 30 s client timeouts, so a busy queue answers 202 rather than a cut connection.
    /// </summary>
    public int SettlementWaitSeconds { get; set; } = 25;

    /// <summary>The most settlement requests of this process waiting for their record at once; beyond it a request answers 202 at once.</summary>
    public int SettlementMaxWaiters { get; set; } = 1000;

    /// <summary>
    /// Whether this process runs the settlement worker (the banks' lanes that send queued settlements). Any number of
    /// processes may: a bank's lease in the database (<see cref="SettlementLeases"/>) lets one at a time send, record or give
    /// up its settlements. On Kubernetes only payments-worker runs it (the API pods set it false): one process signs for the banks.
    /// </summary>
    public bool SettlementWorkerEnabled { get; set; } = true;

    /// <summary>How long a bank's settlement lease lasts unless renewed (renewed before each send and at each save).</summary>
    public int SettlementLeaseSeconds { get; set; } = 30;
}
