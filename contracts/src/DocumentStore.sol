// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/**
 * @title DocumentStore
 * @dev An OpenAttestation / TradeTrust compatible document store: an issuer records the Merkle root (or
 * target hash) of a document batch on chain, and a verifier checks that the root was issued by this store
 * and has not been revoked since.
 *
 * The interface (`name`, `documentIssued`, `documentRevoked`, `issue`, `bulkIssue`, `revoke`, `isIssued`,
 * `isRevoked`, `DocumentIssued`, `DocumentRevoked`) follows OpenAttestation's DocumentStore so existing
 * verifiers work unchanged. Access is role based ({AccessControl}) instead of single-owner:
 *
 * - `ISSUER_ROLE` may issue documents;
 * - `REVOKER_ROLE` may revoke documents;
 * - `DEFAULT_ADMIN_ROLE` grants and revokes both (and itself).
 *
 * As in OpenAttestation, a hash that was never issued may still be revoked (pre-emptive revocation).
 */
contract DocumentStore is AccessControl {
    /// @notice Role allowed to issue documents.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");

    /// @notice Role allowed to revoke documents.
    bytes32 public constant REVOKER_ROLE = keccak256("REVOKER_ROLE");

    /// @notice Human-readable name of the store, shown by verifiers.
    string public name;

    /// @notice Block in which `document` was issued, or 0 if it never was.
    mapping(bytes32 document => uint256 blockNumber) public documentIssued;

    /// @notice Block in which `document` was revoked, or 0 if it never was.
    mapping(bytes32 document => uint256 blockNumber) public documentRevoked;

    /// @dev `document` has already been issued.
    error DocumentAlreadyIssued(bytes32 document);

    /// @dev `document` has already been revoked.
    error DocumentAlreadyRevoked(bytes32 document);

    /// @dev Emitted when `document` is issued.
    event DocumentIssued(bytes32 indexed document);

    /// @dev Emitted when `document` is revoked.
    event DocumentRevoked(bytes32 indexed document);

    /// @dev Emitted with {DocumentRevoked} by {revokeWithReason}: `reason` is the keccak256 of the revocation
    /// notice kept off chain, so the notice can be proven without putting its text on chain.
    event DocumentRevocationReason(bytes32 indexed document, bytes32 reason);

    /**
     * @dev Sets the store's `name_` and grants `DEFAULT_ADMIN_ROLE`, `ISSUER_ROLE` and `REVOKER_ROLE` to `admin`.
     */
    constructor(string memory name_, address admin) {
        name = name_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ISSUER_ROLE, admin);
        _grantRole(REVOKER_ROLE, admin);
    }

    /**
     * @notice Issues `document`, recording the current block number.
     *
     * Requirements:
     *
     * - the caller must have `ISSUER_ROLE`;
     * - `document` must not have been issued before.
     *
     * Emits a {DocumentIssued} event.
     */
    function issue(bytes32 document) external onlyRole(ISSUER_ROLE) {
        _issue(document);
    }

    /**
     * @notice Issues every hash in `documents` in one transaction, recording the current block number for each.
     * The whole call reverts if any one of them cannot be issued.
     *
     * Requirements:
     *
     * - the caller must have `ISSUER_ROLE`;
     * - no hash in `documents` may have been issued before, and none may appear twice.
     *
     * Emits one {DocumentIssued} event per document.
     */
    function bulkIssue(bytes32[] calldata documents) external onlyRole(ISSUER_ROLE) {
        uint256 length = documents.length;
        for (uint256 i = 0; i < length; ++i) {
            _issue(documents[i]);
        }
    }

    /**
     * @notice Revokes `document`, recording the current block number. A hash that was never issued may be
     * revoked, so that it can never be accepted afterwards.
     *
     * Requirements:
     *
     * - the caller must have `REVOKER_ROLE`;
     * - `document` must not have been revoked before.
     *
     * Emits a {DocumentRevoked} event.
     */
    function revoke(bytes32 document) external onlyRole(REVOKER_ROLE) {
        _revoke(document);
    }

    /**
     * @notice Revokes `document` (a document's target hash, or a batch's Merkle root to revoke the whole batch)
     * and records `reason`, the keccak256 of the off-chain revocation notice.
     *
     * Requirements: as {revoke}.
     *
     * Emits a {DocumentRevoked} and a {DocumentRevocationReason} event.
     */
    function revokeWithReason(bytes32 document, bytes32 reason) external onlyRole(REVOKER_ROLE) {
        _revoke(document);
        emit DocumentRevocationReason(document, reason);
    }

    /**
     * @notice Returns whether `document` has been issued (whether or not it was revoked since).
     */
    function isIssued(bytes32 document) external view returns (bool) {
        return documentIssued[document] != 0;
    }

    /**
     * @notice Returns whether `document` has been revoked.
     */
    function isRevoked(bytes32 document) external view returns (bool) {
        return documentRevoked[document] != 0;
    }

    /**
     * @dev Records `document` as revoked in the current block. Reverts with {DocumentAlreadyRevoked} if it was
     * revoked before. Emits a {DocumentRevoked} event.
     */
    function _revoke(bytes32 document) private {
        if (documentRevoked[document] != 0) {
            revert DocumentAlreadyRevoked(document);
        }
        documentRevoked[document] = block.number;
        emit DocumentRevoked(document);
    }

    /**
     * @dev Records `document` as issued in the current block. Reverts with {DocumentAlreadyIssued} if it was
     * issued before. Emits a {DocumentIssued} event.
     */
    function _issue(bytes32 document) private {
        if (documentIssued[document] != 0) {
            revert DocumentAlreadyIssued(document);
        }
        documentIssued[document] = block.number;
        emit DocumentIssued(document);
    }
}
