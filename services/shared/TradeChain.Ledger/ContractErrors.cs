using TradeChain.Domain.Hashing;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using TradeChain.Ledger.Contracts.DocumentStore;
using TradeChain.Ledger.Contracts.TransitionAnchor;

namespace TradeChain.Ledger;

/// <summary>Turns a contract's custom error into a sentence a user can act on.</summary>
public static class ContractErrors
{
    public static string Describe(SmartContractCustomErrorRevertException revert)
    {
        if (revert.IsCustomErrorFor<DocumentAlreadyIssuedError>())
            return $"DocumentAlreadyIssued: document {TradeChain.Domain.Hashing.Hex.Encode(revert.DecodeError<DocumentAlreadyIssuedError>().Document)} is already issued";
        if (revert.IsCustomErrorFor<DocumentAlreadyRevokedError>())
            return $"DocumentAlreadyRevoked: document {TradeChain.Domain.Hashing.Hex.Encode(revert.DecodeError<DocumentAlreadyRevokedError>().Document)} is already revoked";
        if (revert.IsCustomErrorFor<RootAlreadyAnchoredError>())
        {
            var error = revert.DecodeError<RootAlreadyAnchoredError>();
            return $"RootAlreadyAnchored: root {TradeChain.Domain.Hashing.Hex.Encode(error.Root)} was anchored in block {error.BlockNumber}";
        }
        if (revert.IsCustomErrorFor<EmptyBatchError>()) return "EmptyBatch: a batch must hold at least one transition";
        if (revert.IsCustomErrorFor<InvalidRootError>()) return "InvalidRoot: the zero hash is not a Merkle root";
        if (revert.IsCustomErrorFor<Contracts.DocumentStore.AccessControlUnauthorizedAccountError>())
        {
            var error = revert.DecodeError<Contracts.DocumentStore.AccessControlUnauthorizedAccountError>();
            return $"AccessControlUnauthorizedAccount: account {error.Account} lacks role {RoleName(error.NeededRole)}";
        }
        return TitleErrors.Describe(revert) ?? SettlementErrors.Describe(revert) ?? $"custom error {revert.ExceptionEncodedData}";
    }

    /// <summary>True when the revert carries the custom error <typeparamref name="TError"/>.</summary>
    public static bool Is<TError>(this ChainRevertedException e) where TError : class, new() =>
        e.InnerException is SmartContractCustomErrorRevertException revert && revert.IsCustomErrorFor<TError>();

    public static string RoleName(byte[] role) => role switch
    {
        _ when role.AsSpan().SequenceEqual(new byte[32]) => "DEFAULT_ADMIN_ROLE",
        _ when role.AsSpan().SequenceEqual(LedgerDeployer.IssuerRole) => "ISSUER_ROLE",
        _ when role.AsSpan().SequenceEqual(LedgerDeployer.RevokerRole) => "REVOKER_ROLE",
        _ when role.AsSpan().SequenceEqual(LedgerDeployer.AnchorRole) => "ANCHOR_ROLE",
        _ when role.AsSpan().SequenceEqual(LedgerDeployer.MinterRole) => "MINTER_ROLE",
        _ when role.AsSpan().SequenceEqual(LedgerDeployer.AccepterRole) => "ACCEPTER_ROLE",
        _ when role.AsSpan().SequenceEqual(LedgerDeployer.BankRole) => "BANK_ROLE",
        _ when role.AsSpan().SequenceEqual(LedgerDeployer.EscrowRole) => "ESCROW_ROLE",
        _ when role.AsSpan().SequenceEqual(LedgerDeployer.CustomsRole) => "CUSTOMS_ROLE",
        _ => TradeChain.Domain.Hashing.Hex.Encode(role),
    };
}
