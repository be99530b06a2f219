using System.Collections.Concurrent;
using System.Numerics;
using System.Text;
using Microsoft.Extensions.Logging;
using Nethereum.Util;

namespace TradeChain.Ledger;

/// <summary>
/// Which chain account signs for which party (section "Parties"). Outside Development a party's key is never held by a
/// service: each party's account is behind its own remote signer (<see cref="Signers"/>), and startup fails if a party
/// key (<see cref="Keys"/>) or the derived development keys are configured (<see cref="Problems"/>).
/// </summary>
public sealed class PartyAccountOptions
{
    public const string Section = "Parties";

    /// <summary>party → its remote signer (Parties:Signers:BNK-HSBC:Url, :Address, :BearerToken, …): the party holds its key.</summary>
    public Dictionary<string, RemoteSignerOptions> Signers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// party → its account address, for a party that signs every transaction itself: a step of it that is a chain
    /// transaction answers 409 with the unsigned transaction; the party signs it with its own key (<c>tradechain sign</c>,
    /// its signer) and sends the same request again with it in the <c>Signed-Transaction</c> header.
    /// </summary>
    public Dictionary<string, string> SelfSigned { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Development only: party → private key held by this service. Refused at startup in any other environment.</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Development only: a party without a signer or key signs with <see cref="PartyWallets.DevelopmentKey"/> — derived
    /// from its name and therefore PUBLIC. Refused at startup in any other environment.
    /// </summary>
    public bool DeriveDevelopmentKeys { get; set; }

    /// <summary>
    /// Local development only (anvil charges gas; the production Besu network is free-gas): a party account estimated to
    /// hold less than half this many wei is topped up to it from the service's own account — before its next transaction
    /// is signed when it holds less than a quarter, alongside it (not waited for) otherwise. 0 turns it off.
    /// </summary>
    public string GasTopUpWei { get; set; } = "0";

    /// <summary>What is wrong with these options in this environment: outside Development, any party key held by the service.</summary>
    public IEnumerable<string> Problems(bool development)
    {
        if (!development && Keys.Count > 0)
            yield return $"Parties:Keys holds the keys of {string.Join(", ", Keys.Keys.Order(StringComparer.Ordinal))}: outside Development no service holds a party's key. " +
                         "Give each party its own remote signer (Parties:Signers:<party>:Url and :Address) — see deploy/README.md, \"Who holds which key\".";
        if (!development && DeriveDevelopmentKeys)
            yield return "Parties:DeriveDevelopmentKeys signs for parties with PUBLIC keys derived from their names: Development only.";
        foreach (var (party, key) in Keys.Where(k => Signers.ContainsKey(k.Key)))
            yield return $"Party {party} has both a key (Parties:Keys) and a remote signer (Parties:Signers): keep one.";
        foreach (var party in SelfSigned.Keys.Where(p => Signers.ContainsKey(p) || Keys.ContainsKey(p)))
            yield return $"Party {party} signs itself (Parties:SelfSigned) and has a signer or key configured too: keep one.";
        foreach (var (party, address) in SelfSigned.Where(p => !AddressUtil.Current.IsValidEthereumAddressHexFormat(p.Value)))
            yield return $"Parties:SelfSigned:{party} must be the party's account address (0x and 40 hex digits).";
        foreach (var (party, signer) in Signers)
            foreach (var problem in signer.Problems($"Parties:Signers:{party}", development)) yield return problem;
        if (!System.Numerics.BigInteger.TryParse(GasTopUpWei, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var topUp))
            yield return "Parties:GasTopUpWei must be a whole number of wei.";
        else if (!development && topUp > 0 && (Signers.Count > 0 || SelfSigned.Count > 0))
            yield return "Parties:GasTopUpWei tops up accounts whose keys their parties hold (they could take the gas out): outside Development keep it 0 (the production Besu network is free-gas).";
        var addresses = Signers.Select(p => (p.Key, Address: p.Value.Address)).Concat(SelfSigned.Select(p => (p.Key, Address: p.Value)))
            .GroupBy(p => p.Address.ToLowerInvariant()).Where(g => g.Count() > 1);
        foreach (var shared in addresses)
            yield return $"Parties {string.Join(" and ", shared.Select(p => p.Key).Order(StringComparer.Ordinal))} share the account {shared.First().Address}: each party has its own.";
    }
}

/// <summary>A party has no chain account configured.</summary>
public sealed class UnknownPartyAccountException(string party)
    : Exception($"Party '{party}' has no chain account: onboard it (its address and remote signer, Parties:Signers:{party}).")
{
    public string Party { get; } = party;
}

/// <summary>
/// The parties' own chain accounts, so that a money or title step is signed by the acting party's account and the
/// contract — not this service — decides whether that party may take it. Where each party's key is held is
/// configuration (<see cref="PartyAccountOptions"/>): its remote signer, the party itself (a signature per step), or —
/// in Development only — a public key derived from its name.
/// </summary>
public sealed class PartyWallets(ChainOptions chain, PartyAccountOptions options, ChainWriter service, ILoggerFactory loggers)
{
    private readonly ConcurrentDictionary<string, Wallet> _wallets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _addresses = new(StringComparer.Ordinal);
    private readonly BigInteger _topUp = BigInteger.Parse(options.GasTopUpWei, System.Globalization.CultureInfo.InvariantCulture);
    private readonly ILogger _logger = loggers.CreateLogger<PartyWallets>();

    /// <summary>
    /// The PUBLIC development key of <paramref name="party"/>: keccak256 of a fixed text and the party's name. Anyone can
    /// compute it — for local runs and tests only, never on a network where anything is at stake.
    /// </summary>
    public static string DevelopmentKey(string party) =>
        "0x" + Convert.ToHexStringLower(Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes("TradeChain PUBLIC development party key: " + party)));

    public bool HasAccount(string party) =>
        options.Signers.ContainsKey(party) || options.SelfSigned.ContainsKey(party) || options.Keys.ContainsKey(party) || options.DeriveDevelopmentKeys;


    /// <summary>Whether <paramref name="party"/> signs each of its transactions itself (no signer for it here).</summary>
    public bool SignsItself(string party) => options.SelfSigned.ContainsKey(party);

    /// <summary>The party's account address: its signer's, or derived once from its development key.</summary>
    public string AddressOf(string party) =>
        _wallets.TryGetValue(party, out var wallet) ? wallet.Writer.Address
        : options.Signers.TryGetValue(party, out var remote) ? AddressUtil.Current.ConvertToChecksumAddress(remote.Address)
        : options.SelfSigned.TryGetValue(party, out var own) ? AddressUtil.Current.ConvertToChecksumAddress(own)
        : _addresses.GetOrAdd(party, p => new TransactionSigner(KeyOf(p), chain.ChainId).Address);

    /// <summary>Where <paramref name="party"/>'s key is held ("the remote signer at …", "a key held by this service").</summary>
    public string KeyHolderOf(string party) =>
        options.Signers.TryGetValue(party, out var remote) ? $"the remote signer at {RemoteSigner.Where(new Uri(remote.Url))}"
        : options.SelfSigned.ContainsKey(party) ? "the party itself (it signs the transactions prepared for it)"
        : HasAccount(party) ? "a key held by this service (Development)" : "nobody: no account";

    /// <summary>The writer that signs as <paramref name="party"/>, with gas topped up where configured (or being topped up alongside: <see cref="PartyAccountOptions.GasTopUpWei"/>).</summary>
    /// <remarks>
    /// For a party that signs itself the writer's transactions stop with <see cref="PartySignatureRequiredException"/> (the
    /// transaction to sign) unless the request carries the party's signature of exactly that transaction.
    /// </remarks>
    public async Task<ChainWriter> ForAsync(string party, CancellationToken cancellationToken)
    {
        var wallet = WalletOf(party);
        if (_topUp > 0 && wallet.MayNeedGas(_topUp))
        {
            // Still a quarter of the top-up or more (with 1 ETH: about ten full settlement batches at a few gwei, thousands of
            // simple transactions): topped up alongside, not waited for — waiting for the top-up's block held every send of
            // the party back a block (a block with none of its batches).
            if (!wallet.MayNeedGas(_topUp / 2))
            {
                TopUpAlongside(wallet);
                return wallet.Writer;
            }
            await wallet.Funding.WaitAsync(cancellationToken);
            try
            {
                if (wallet.MayNeedGas(_topUp)) await TopUpAsync(wallet, cancellationToken);
            }
            finally
            {
                wallet.Funding.Release();
            }
        }
        return wallet.Writer;
    }

    /// <summary>
    /// The writer that sends <paramref name="signed"/>, a transaction <paramref name="party"/> signed itself, once — in
    /// the nonce order of the party's writer here (<see cref="ChainWriter.SendingOnce"/>), so that writer never gives the
    /// nonce it took to another transaction.
    /// </summary>
    public ChainWriter SendingOnce(string party, PresignedSigner signed) =>
        WalletOf(party).Writer.SendingOnce(signed);

    /// <summary>The nonce this service's writer for <paramref name="party"/> gives its next transaction, as far as it knows (<see cref="ChainWriter.NextNonceHereAsync"/>).</summary>
    public Task<BigInteger?> NextNonceHereAsync(string party) => WalletOf(party).Writer.NextNonceHereAsync();

    private Wallet WalletOf(string party) => _wallets.GetOrAdd(party, p => new Wallet(new ChainWriter(chain, SignerOf(p), loggers.CreateLogger<ChainWriter>())));

    /// <summary>A top-up run in the background unless one runs already (a failure is logged; the next send tries again).</summary>
    private void TopUpAlongside(Wallet wallet)
    {
        if (Environment.TickCount64 < Volatile.Read(ref wallet.AlongsideNotBefore)) return; // one failed a moment ago
        if (!wallet.Funding.Wait(0)) return; // one is running (alongside, or waited for by a send)
        _ = Task.Run(async () =>
        {
            try
            {
                if (wallet.MayNeedGas(_topUp)) await TopUpAsync(wallet, CancellationToken.None);
            }
            catch (Exception e)
            {
                Volatile.Write(ref wallet.AlongsideNotBefore, Environment.TickCount64 + 5_000);
                _logger.LogWarning(e, "Topping up the gas of {Account} failed; tried again alongside its transactions in 5 s, or before one once it is below a quarter", wallet.Writer.Address);
            }
            finally
            {
                wallet.Funding.Release();
            }
        });
    }

    /// <summary>Reads the party's balance (the one chain read of its gas) and tops it up to <see cref="PartyAccountOptions.GasTopUpWei"/> when below half of it.</summary>
    private async Task TopUpAsync(Wallet wallet, CancellationToken cancellationToken)
    {
        var spending = wallet.Writer.Spending(); // before the read: whatever it sends later is subtracted from the estimate
        var balance = (await service.Web3.Eth.GetBalance.SendRequestAsync(wallet.Writer.Address)).Value;
        if (balance < _topUp / 2)
        {
            await service.SendValueAsync(wallet.Writer.Address, _topUp - balance, cancellationToken);
            balance = _topUp;
        }
        // Transactions in flight at the read may not be charged in it yet: counted as spent, at their most.
        wallet.Estimated(balance - spending.InFlight, spending.Committed);
    }

    private IChainSigner SignerOf(string party) =>
        options.Signers.TryGetValue(party, out var remote) ? new RemoteSigner(remote)
        : options.SelfSigned.TryGetValue(party, out var own) ? new SelfSigner(party, own)
        : new TransactionSigner(KeyOf(party), chain.ChainId);

    private string KeyOf(string party)
    {
        if (options.Keys.TryGetValue(party, out var key)) return key;
        if (options.DeriveDevelopmentKeys) return DevelopmentKey(party);
        throw new UnknownPartyAccountException(party);
    }

    /// <summary>
    /// A party's writer and what its account holds at least: the balance last read, less the most that its transactions
    /// sent since may cost (<see cref="ChainWriter.Spending"/>). The balance is read again only once that lower bound
    /// falls below half the top-up — not once per transaction.
    /// </summary>
    private sealed class Wallet(ChainWriter writer)
    {
        private readonly Lock _lock = new();
        private BigInteger? _balanceAtRead; // null: never read
        private BigInteger _committedAtRead;

        public ChainWriter Writer { get; } = writer;

        public SemaphoreSlim Funding { get; } = new(1, 1);

        /// <summary>No top-up alongside before this (<see cref="Environment.TickCount64"/>): the last one failed.</summary>
        public long AlongsideNotBefore;

        public bool MayNeedGas(BigInteger topUp)
        {
            lock (_lock)
                return _balanceAtRead is not { } balance || balance - (Writer.Spending().Committed - _committedAtRead) < topUp / 2;
        }

        public void Estimated(BigInteger balance, BigInteger committed)
        {
            lock (_lock)
            {
                _balanceAtRead = balance;
                _committedAtRead = committed;
            }
        }
    }
}
