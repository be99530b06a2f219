using System.Numerics;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Ledger.Contracts.TitleRegistry;

namespace TradeChain.Ledger;

/// <summary>The current parties of one title, as the TitleRegistry contract holds them.</summary>
/// <param name="Exists">The title was issued (it may since have been surrendered and burned).</param>
/// <param name="Owner">The ERC-721 owner: the holder, the registry while surrendered, or the burn address once accepted.</param>
public sealed record TitleState(bool Exists, string Owner, string Beneficiary, string Holder, string? Nominee, bool Surrendered)
{
    /// <summary>The surrender was accepted: the token sits at TradeTrust's burn address (0x…dEaD), spent for good.</summary>
    public bool SurrenderAccepted => string.Equals(Owner, TitleRegistryClient.BurnAddress, StringComparison.OrdinalIgnoreCase);

    /// <summary>Issued and not burned: someone holds it, or it waits as surrendered for the issuer's answer.</summary>
    public bool Live => Exists && !SurrenderAccepted;
}

/// <summary>One step in a title's life, rebuilt from the contract's events.</summary>
/// <remarks>For "issued", <see cref="To"/> is the first beneficiary and <see cref="Holder"/> the first holder.</remarks>
public sealed record TitleEvent(string Action, string? From, string? To, string? By, string TransactionHash, long BlockNumber, long Timestamp, string? Holder = null);

/// <summary>
/// Mints and reads titles on the TitleRegistry. Steps taken by a holder or beneficiary are sent by that party's
/// own <see cref="ChainWriter"/> (<see cref="SendAsync{TFunction}"/>), so the contract checks the party itself.
/// </summary>
public sealed class TitleRegistryClient(ChainWriter writer, ChainOptions options)
{
    public string ContractAddress => options.TitleRegistryAddress;

    /// <summary>
    /// Where an accepted surrender's token goes (TitleRegistry.BURN_ADDRESS): TradeTrust's convention, which its
    /// verifiers and website read as "surrendered and accepted", where a destroyed token would read as never issued.
    /// </summary>
    public const string BurnAddress = "0x000000000000000000000000000000000000dEaD";

    public static BigInteger TokenId(byte[] root) => new(root, isUnsigned: true, isBigEndian: true);

    /// <summary>Issues the title; if a crashed earlier attempt already minted it, returns null.</summary>
    public async Task<ChainReceipt?> MintAsync(byte[] root, string beneficiary, string holder, CancellationToken cancellationToken)
    {
        try
        {
            return await writer.SendAsync(ContractAddress, new MintFunction { TokenId = TokenId(root), Beneficiary = beneficiary, Holder = holder }, cancellationToken);
        }
        catch (ChainRevertedException e) when (e.Is<ERC721InvalidSenderError>())
        {
            return null; // the id exists already: minted by that earlier attempt (ids are Merkle roots, unique per document)
        }
    }

    /// <summary>Sends a title step signed by <paramref name="party"/>, the caller's own account.</summary>
    public Task<ChainReceipt> SendAsync<TFunction>(ChainWriter party, TFunction function, CancellationToken cancellationToken)
        where TFunction : Nethereum.Contracts.FunctionMessage, new() => party.SendAsync(ContractAddress, function, cancellationToken);

    /// <summary>Accepts or rejects a surrender: signed by the service's own account, which holds ACCEPTER_ROLE.</summary>
    public Task<ChainReceipt> SendAsIssuerAsync<TFunction>(TFunction function, CancellationToken cancellationToken)
        where TFunction : Nethereum.Contracts.FunctionMessage, new() => writer.SendAsync(ContractAddress, function, cancellationToken);

    public Task<TitleState> GetAsync(byte[] root) => GetAsync(ContractAddress, root);

    /// <summary>The title <paramref name="root"/> on the registry at <paramref name="registry"/> (any registry on the chain).</summary>
    public async Task<TitleState> GetAsync(string registry, byte[] root)
    {
        var title = await writer.QueryOutputAsync<TitleOfFunction, TitleOfOutputDTO>(registry, new TitleOfFunction { TokenId = TokenId(root) });
        return new TitleState(title.Exists, title.Owner, title.Beneficiary, title.Holder, IsZero(title.Nominee) ? null : title.Nominee, title.Surrendered);
    }

    /// <summary>
    /// The title steps among <paramref name="logs"/> (the registry's events, each with its block's timestamp), oldest
    /// first. The one place title events are read: the services read them from their chain index, never from the
    /// node's history (see TradeChain.ServiceDefaults.Chain.ChainIndex).
    /// </summary>
    public static IReadOnlyList<TitleEvent> StepsOf(IEnumerable<(FilterLog Log, long Timestamp)> logs) =>
        logs.OrderBy(l => l.Log.BlockNumber.Value).ThenBy(l => l.Log.LogIndex.Value)
            .Select(l => (l.Log, l.Timestamp, Step: Decode(l.Log)))
            .Where(l => l.Step is not null)
            .Select(l => new TitleEvent(l.Step!.Value.Action, l.Step.Value.From, l.Step.Value.To, l.Step.Value.By, l.Log.TransactionHash,
                (long)l.Log.BlockNumber.Value, l.Timestamp, l.Step.Value.Holder))
            .ToList();

    /// <summary>Whether <paramref name="log"/> is one of the title's own events (not an ERC-721 or access-control one).</summary>
    public static bool IsTitleStep(FilterLog log) => Decode(log) is not null;

    /// <summary>The topic a title event indexes first: the token id (the document's Merkle root).</summary>
    public static string TokenTopic(byte[] root) => "0x" + Convert.ToHexStringLower(root).PadLeft(64, '0');

    private static (string Action, string? From, string? To, string? By, string? Holder)? Decode(FilterLog log)
    {
        if (log.IsLogForEvent<TitleIssuedEventDTO>())
        {
            var e = log.DecodeEvent<TitleIssuedEventDTO>().Event;
            return ("issued", null, e.Beneficiary, null, e.Holder);
        }
        if (log.IsLogForEvent<BeneficiaryNominatedEventDTO>())
        {
            var e = log.DecodeEvent<BeneficiaryNominatedEventDTO>().Event;
            return ("beneficiary-nominated", e.Beneficiary, e.Nominee, e.Beneficiary, null);
        }
        if (log.IsLogForEvent<BeneficiaryTransferredEventDTO>())
        {
            var e = log.DecodeEvent<BeneficiaryTransferredEventDTO>().Event;
            return ("beneficiary-endorsed", e.From, e.To, null, null);
        }
        if (log.IsLogForEvent<HolderTransferredEventDTO>())
        {
            var e = log.DecodeEvent<HolderTransferredEventDTO>().Event;
            return ("holder-transferred", e.From, e.To, e.From, null);
        }
        if (log.IsLogForEvent<HolderTransferRejectedEventDTO>())
        {
            var e = log.DecodeEvent<HolderTransferRejectedEventDTO>().Event;
            return ("holder-transfer-rejected", e.By, e.ReturnedTo, e.By, null);
        }
        if (log.IsLogForEvent<BeneficiaryTransferRejectedEventDTO>())
        {
            var e = log.DecodeEvent<BeneficiaryTransferRejectedEventDTO>().Event;
            return ("beneficiary-endorsement-rejected", e.By, e.ReturnedTo, e.By, null);
        }
        if (log.IsLogForEvent<ReturnedToIssuerEventDTO>())
        {
            var e = log.DecodeEvent<ReturnedToIssuerEventDTO>().Event;
            return ("surrendered", e.By, null, e.By, null);
        }
        if (log.IsLogForEvent<SurrenderRejectedEventDTO>())
        {
            var e = log.DecodeEvent<SurrenderRejectedEventDTO>().Event;
            return ("surrender-rejected", null, e.RestoredTo, e.By, null);
        }
        if (log.IsLogForEvent<SurrenderAcceptedEventDTO>())
        {
            var e = log.DecodeEvent<SurrenderAcceptedEventDTO>().Event;
            return ("surrender-accepted", null, null, e.By, null);
        }
        return null; // ERC-721 Transfer events repeat what the title events say
    }

    private static bool IsZero(string? address) => string.IsNullOrEmpty(address) || address.TrimStart('0', 'x').Length == 0;
}

/// <summary>The TitleRegistry's custom errors in words.</summary>
internal static class TitleErrors
{
    public static string? Describe(SmartContractCustomErrorRevertException revert)
    {
        if (revert.IsCustomErrorFor<NotHolderError>())
            return $"NotHolder: {revert.DecodeError<NotHolderError>().Caller} is not the title's holder";
        if (revert.IsCustomErrorFor<NotBeneficiaryError>())
            return $"NotBeneficiary: {revert.DecodeError<NotBeneficiaryError>().Caller} is not the title's beneficiary";
        if (revert.IsCustomErrorFor<NotHolderAndBeneficiaryError>())
            return $"NotHolderAndBeneficiary: {revert.DecodeError<NotHolderAndBeneficiaryError>().Caller} must be both holder and beneficiary to surrender the title";
        if (revert.IsCustomErrorFor<NotNomineeError>())
        {
            var e = revert.DecodeError<NotNomineeError>();
            return $"NotNominee: the holder may endorse only to the beneficiary's nominee ({(e.Nominee.TrimStart('0', 'x').Length == 0 ? "none nominated" : e.Nominee)}), not {e.Proposed}";
        }
        if (revert.IsCustomErrorFor<TitleSurrenderedError>()) return "TitleSurrendered: the title has been returned to the issuer; only the issuer may accept or reject the surrender";
        if (revert.IsCustomErrorFor<TitleNotSurrenderedError>()) return "TitleNotSurrendered: the title has not been returned to the issuer";
        if (revert.IsCustomErrorFor<TitleSpentError>()) return "TitleSpent: this title was surrendered and burned (the goods were delivered); its id can never be issued again";
        if (revert.IsCustomErrorFor<UnknownTitleError>()) return "UnknownTitle: no such title (never issued)";
        if (revert.IsCustomErrorFor<InvalidPartyError>()) return "InvalidParty: the zero address cannot take part in a title";
        if (revert.IsCustomErrorFor<NoChangeError>()) return $"NoChange: {revert.DecodeError<NoChangeError>().Party} already has that place";
        if (revert.IsCustomErrorFor<NothingToRejectError>()) return "NothingToReject: there is no transfer to this party that may still be rejected";
        if (revert.IsCustomErrorFor<UseTitleFunctionsError>()) return "UseTitleFunctions: ERC-721 transfers and approvals are disabled";
        if (revert.IsCustomErrorFor<ERC721InvalidSenderError>()) return "ERC721InvalidSender: a title with this id already exists";
        if (revert.IsCustomErrorFor<Contracts.TitleRegistry.AccessControlUnauthorizedAccountError>())
        {
            var error = revert.DecodeError<Contracts.TitleRegistry.AccessControlUnauthorizedAccountError>();
            return $"AccessControlUnauthorizedAccount: account {error.Account} lacks role {ContractErrors.RoleName(error.NeededRole)}";
        }
        return null;
    }
}
