// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/**
 * @title TransitionAnchor
 * @dev Records the Merkle roots of batches of off-chain state transitions, so that anyone holding a
 * transition and its Merkle proof can show it was part of a batch anchored at a given block by a given
 * account.
 *
 * Roles ({AccessControl}):
 *
 * - `ANCHOR_ROLE` may anchor roots;
 * - `DEFAULT_ADMIN_ROLE` grants and revokes `ANCHOR_ROLE` (and itself). The deployer-chosen admin holds only
 *   this role; anchoring accounts are granted `ANCHOR_ROLE` explicitly.
 *
 * A root can be anchored once; anchors are never removed or changed.
 */
contract TransitionAnchor is AccessControl {
    /// @notice Role allowed to anchor roots.
    bytes32 public constant ANCHOR_ROLE = keccak256("ANCHOR_ROLE");

    /// @dev One anchored batch.
    struct Anchor {
        // Account that anchored the root.
        address submitter;
        // Block in which the root was anchored (never 0 for an anchored root).
        uint64 blockNumber;
        // Number of transitions (Merkle leaves) in the batch.
        uint32 transitionCount;
    }

    mapping(bytes32 root => Anchor) private _anchors;

    /// @notice Number of roots anchored so far.
    uint256 public anchorCount;

    /// @dev A batch must contain at least one transition.
    error EmptyBatch();

    /// @dev The zero hash is not a valid Merkle root.
    error InvalidRoot();

    /// @dev `root` was already anchored, in block `blockNumber`.
    error RootAlreadyAnchored(bytes32 root, uint64 blockNumber);

    /// @dev Emitted when `submitter` anchors `root`, the Merkle root of `transitionCount` transitions.
    event TransitionsAnchored(bytes32 indexed root, address indexed submitter, uint32 transitionCount);

    /**
     * @dev Grants `DEFAULT_ADMIN_ROLE` (only) to `admin`.
     */
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /**
     * @notice Anchors `root`, the Merkle root of a batch of `transitionCount` transitions, recording the
     * caller and the current block number, and increments {anchorCount}.
     *
     * Requirements:
     *
     * - the caller must have `ANCHOR_ROLE`;
     * - `transitionCount` must not be zero ({EmptyBatch});
     * - `root` must not be the zero hash ({InvalidRoot});
     * - `root` must not have been anchored before ({RootAlreadyAnchored}).
     *
     * Emits a {TransitionsAnchored} event.
     */
    function anchor(bytes32 root, uint32 transitionCount) external onlyRole(ANCHOR_ROLE) {
        if (transitionCount == 0) {
            revert EmptyBatch();
        }
        if (root == bytes32(0)) {
            revert InvalidRoot();
        }
        Anchor storage existing = _anchors[root];
        if (existing.blockNumber != 0) {
            revert RootAlreadyAnchored(root, existing.blockNumber);
        }
        // A block number does not exceed 2^64 on any chain this will run on.
        _anchors[root] = Anchor({
            submitter: _msgSender(),
            blockNumber: uint64(block.number),
            transitionCount: transitionCount
        });
        ++anchorCount;
        emit TransitionsAnchored(root, _msgSender(), transitionCount);
    }

    /**
     * @notice Returns who anchored `root`, in which block, and how many transitions its batch holds.
     * All three are zero if `root` was never anchored.
     */
    function anchorOf(bytes32 root)
        external
        view
        returns (address submitter, uint64 blockNumber, uint32 transitionCount)
    {
        Anchor storage a = _anchors[root];
        return (a.submitter, a.blockNumber, a.transitionCount);
    }

    /**
     * @notice Returns whether `root` has been anchored.
     */
    function isAnchored(bytes32 root) external view returns (bool) {
        return _anchors[root].blockNumber != 0;
    }
}
