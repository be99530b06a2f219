// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/**
 * @title TitleRegistry
 * @dev Title to transferable trade documents (electronic bills of lading) under UNCITRAL MLETR: one token per
 * document, whose id is the document's OpenAttestation Merkle root, so there is exactly one authoritative
 * record (singularity); only the parties named on chain can move it (exclusive control); the document's hash
 * is the token (integrity).
 *
 * Each title has a holder (in possession of the document; the ERC-721 owner) and a beneficiary (entitled to
 * the goods), modelled on TradeTrust's title escrow:
 *
 * - the beneficiary {nominate}s a new beneficiary; the holder then {transferBeneficiary} (endorses) to the
 *   nominee — a holder who is also the beneficiary may endorse to anyone directly;
 * - the holder {transferHolder}s possession;
 * - the receiver of the last holder or beneficiary transfer may {rejectTransferHolder} /
 *   {rejectTransferBeneficiary} it, returning the title to the previous party, until anything else happens (a new
 *   nomination included); a rejected endorsement also withdraws any nomination made since, so the restored
 *   beneficiary nominates afresh;
 * - a holder who is also the beneficiary {returnToIssuer}s (surrenders) the title: the token is held by this
 *   registry until an accepter {acceptSurrender}s (burns it: the goods are delivered) or {rejectSurrender}s
 *   (restores it to the surrendering party). A burned title is spent: its id can never be issued again.
 *
 * Burning follows TradeTrust's token registry: the token moves to the burn address {BURN_ADDRESS} (0x…dEaD), which
 * no one can sign for, instead of being destroyed. `ownerOf` then still answers, so TradeTrust's verifiers
 * (oa-verify, tt-verify) and anyone reading the registry tell a surrendered-and-accepted title (owner 0x…dEaD) from
 * one never issued (ownerOf reverts), and a title returned to the issuer (owner: this registry) from both.
 *
 * The usual ERC-721 transfers and approvals are disabled: title moves only through these functions, each
 * checked against the caller's own account. Roles ({AccessControl}): `MINTER_ROLE` issues titles,
 * `ACCEPTER_ROLE` accepts or rejects surrenders, `DEFAULT_ADMIN_ROLE` grants both.
 */
contract TitleRegistry is ERC721, AccessControl {
    /// @notice Role allowed to issue titles (the issuer of the bills of lading).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice Role allowed to accept (burn) or reject surrendered titles.
    bytes32 public constant ACCEPTER_ROLE = keccak256("ACCEPTER_ROLE");

    /// @notice Where an accepted surrender's token goes (TradeTrust's burn address): the title is spent for good.
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    /// @dev The parties of one title.
    struct Title {
        address beneficiary;
        address holder;
        // Beneficiary proposed by the current beneficiary, or zero.
        address nominee;
        // Parties before the last beneficiary / holder transfer, while it may still be rejected; else zero.
        address previousBeneficiary;
        address previousHolder;
        bool surrendered;
    }

    mapping(uint256 tokenId => Title) private _titles;

    /// @dev No title `tokenId` exists (never issued).
    error UnknownTitle(uint256 tokenId);

    /// @dev `tokenId` was surrendered and burned (the goods were delivered): it can never be issued again.
    error TitleSpent(uint256 tokenId);

    /// @dev `caller` is not the holder of `tokenId`.
    error NotHolder(uint256 tokenId, address caller);

    /// @dev `caller` is not the beneficiary of `tokenId`.
    error NotBeneficiary(uint256 tokenId, address caller);

    /// @dev `caller` must be both holder and beneficiary of `tokenId` to surrender it.
    error NotHolderAndBeneficiary(uint256 tokenId, address caller);

    /// @dev The holder may endorse only to the beneficiary's nominee (`nominee`; zero if none).
    error NotNominee(uint256 tokenId, address proposed, address nominee);

    /// @dev `tokenId` is surrendered: it can only be accepted or rejected by an accepter.
    error TitleSurrendered(uint256 tokenId);

    /// @dev `tokenId` is not surrendered.
    error TitleNotSurrendered(uint256 tokenId);

    /// @dev The zero address cannot hold, be nominated, or be a beneficiary.
    error InvalidParty(address party);

    /// @dev The new party is the current one.
    error NoChange(uint256 tokenId, address party);

    /// @dev There is no transfer of `tokenId` that its caller may reject.
    error NothingToReject(uint256 tokenId);

    /// @dev The ERC-721 transfers and approvals are disabled: use the title functions.
    error UseTitleFunctions();

    event TitleIssued(uint256 indexed tokenId, address indexed beneficiary, address indexed holder);
    event BeneficiaryNominated(uint256 indexed tokenId, address indexed beneficiary, address indexed nominee);
    event HolderTransferred(uint256 indexed tokenId, address indexed from, address indexed to);
    event BeneficiaryTransferred(uint256 indexed tokenId, address indexed from, address indexed to);
    event HolderTransferRejected(uint256 indexed tokenId, address indexed by, address indexed returnedTo);
    event BeneficiaryTransferRejected(uint256 indexed tokenId, address indexed by, address indexed returnedTo);
    event ReturnedToIssuer(uint256 indexed tokenId, address indexed by);
    event SurrenderRejected(uint256 indexed tokenId, address indexed by, address indexed restoredTo);
    event SurrenderAccepted(uint256 indexed tokenId, address indexed by);

    /**
     * @dev Grants `DEFAULT_ADMIN_ROLE` to `admin`.
     */
    constructor(string memory name_, string memory symbol_, address admin) ERC721(name_, symbol_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /**
     * @notice Issues title `tokenId` (the document's Merkle root) to `beneficiary`, held by `holder`.
     * Requirements: the caller has `MINTER_ROLE`; `tokenId` was never issued (nor surrendered and burned);
     * neither party is zero.
     */
    function mint(uint256 tokenId, address beneficiary, address holder) external onlyRole(MINTER_ROLE) {
        if (_ownerOf(tokenId) == BURN_ADDRESS) revert TitleSpent(tokenId);
        if (beneficiary == address(0)) revert InvalidParty(beneficiary);
        if (holder == address(0)) revert InvalidParty(holder);
        _titles[tokenId] = Title(beneficiary, holder, address(0), address(0), address(0), false);
        _mint(holder, tokenId);
        emit TitleIssued(tokenId, beneficiary, holder);
    }

    /**
     * @notice The beneficiary proposes `nominee` as the next beneficiary; the holder endorses. A nomination ends
     * the window in which the last holder or beneficiary transfer could be rejected.
     */
    function nominate(uint256 tokenId, address nominee) external {
        Title storage title = _active(tokenId);
        if (msg.sender != title.beneficiary) revert NotBeneficiary(tokenId, msg.sender);
        if (nominee == address(0)) revert InvalidParty(nominee);
        if (nominee == title.beneficiary) revert NoChange(tokenId, nominee);
        title.nominee = nominee;
        title.previousBeneficiary = address(0);
        title.previousHolder = address(0);
        emit BeneficiaryNominated(tokenId, msg.sender, nominee);
    }

    /**
     * @notice The holder endorses the title to `newBeneficiary`: the beneficiary's nominee, or anyone when the
     * holder is also the beneficiary.
     */
    function transferBeneficiary(uint256 tokenId, address newBeneficiary) external {
        Title storage title = _active(tokenId);
        if (msg.sender != title.holder) revert NotHolder(tokenId, msg.sender);
        if (newBeneficiary == address(0)) revert InvalidParty(newBeneficiary);
        if (newBeneficiary == title.beneficiary) revert NoChange(tokenId, newBeneficiary);
        if (title.holder != title.beneficiary && newBeneficiary != title.nominee) {
            revert NotNominee(tokenId, newBeneficiary, title.nominee);
        }
        address from = title.beneficiary;
        title.previousBeneficiary = from;
        title.previousHolder = address(0);
        title.beneficiary = newBeneficiary;
        title.nominee = address(0);
        emit BeneficiaryTransferred(tokenId, from, newBeneficiary);
    }

    /**
     * @notice The holder hands the title to `newHolder`.
     */
    function transferHolder(uint256 tokenId, address newHolder) external {
        Title storage title = _active(tokenId);
        if (msg.sender != title.holder) revert NotHolder(tokenId, msg.sender);
        if (newHolder == address(0)) revert InvalidParty(newHolder);
        if (newHolder == title.holder) revert NoChange(tokenId, newHolder);
        address from = title.holder;
        title.previousHolder = from;
        title.previousBeneficiary = address(0);
        title.holder = newHolder;
        _update(newHolder, tokenId, address(0));
        emit HolderTransferred(tokenId, from, newHolder);
    }

    /**
     * @notice The holder who received the title by the last holder transfer refuses it: it returns to the
     * previous holder.
     */
    function rejectTransferHolder(uint256 tokenId) external {
        Title storage title = _active(tokenId);
        if (msg.sender != title.holder) revert NotHolder(tokenId, msg.sender);
        address previous = title.previousHolder;
        if (previous == address(0)) revert NothingToReject(tokenId);
        title.holder = previous;
        title.previousHolder = address(0);
        _update(previous, tokenId, address(0));
        emit HolderTransferRejected(tokenId, msg.sender, previous);
    }

    /**
     * @notice The beneficiary named by the last endorsement refuses it: the previous beneficiary is restored, with no
     * nominee (the restored beneficiary nominates afresh).
     */
    function rejectTransferBeneficiary(uint256 tokenId) external {
        Title storage title = _active(tokenId);
        if (msg.sender != title.beneficiary) revert NotBeneficiary(tokenId, msg.sender);
        address previous = title.previousBeneficiary;
        if (previous == address(0)) revert NothingToReject(tokenId);
        title.beneficiary = previous;
        title.previousBeneficiary = address(0);
        title.nominee = address(0);
        emit BeneficiaryTransferRejected(tokenId, msg.sender, previous);
    }

    /**
     * @notice The holder, who must also be the beneficiary, surrenders the title to the issuer to take
     * delivery of the goods. The token is held by this registry until accepted or rejected.
     */
    function returnToIssuer(uint256 tokenId) external {
        Title storage title = _active(tokenId);
        if (msg.sender != title.holder || msg.sender != title.beneficiary) {
            revert NotHolderAndBeneficiary(tokenId, msg.sender);
        }
        title.surrendered = true;
        title.nominee = address(0);
        title.previousHolder = address(0);
        title.previousBeneficiary = address(0);
        _update(address(this), tokenId, address(0));
        emit ReturnedToIssuer(tokenId, msg.sender);
    }

    /**
     * @notice Accepts a surrendered title: the token is burned — moved to {BURN_ADDRESS}, as TradeTrust does — and its
     * parties cleared; it can never be used, nor issued, again.
     */
    function acceptSurrender(uint256 tokenId) external onlyRole(ACCEPTER_ROLE) {
        if (!_titles[tokenId].surrendered) revert TitleNotSurrendered(tokenId);
        delete _titles[tokenId];
        _update(BURN_ADDRESS, tokenId, address(0));
        emit SurrenderAccepted(tokenId, msg.sender);
    }

    /**
     * @notice Rejects a surrender: the title returns to the party that surrendered it.
     */
    function rejectSurrender(uint256 tokenId) external onlyRole(ACCEPTER_ROLE) {
        Title storage title = _titles[tokenId];
        if (!title.surrendered) revert TitleNotSurrendered(tokenId);
        title.surrendered = false;
        _update(title.holder, tokenId, address(0));
        emit SurrenderRejected(tokenId, msg.sender, title.holder);
    }

    /**
     * @notice Title `tokenId`: `exists` is false when it was never issued; `owner` is the ERC-721 owner — the holder,
     * this registry while surrendered, or {BURN_ADDRESS} once the surrender was accepted (parties then zero).
     */
    function titleOf(uint256 tokenId)
        external
        view
        returns (bool exists, address owner, address beneficiary, address holder, address nominee, bool surrendered)
    {
        Title storage title = _titles[tokenId];
        address current = _ownerOf(tokenId);
        return (current != address(0), current, title.beneficiary, title.holder, title.nominee, title.surrendered);
    }

    /// @dev ERC-721's own transfers pass the caller as `auth`; the title functions pass zero. Only theirs pass.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        if (auth != address(0)) revert UseTitleFunctions();
        return super._update(to, tokenId, auth);
    }

    /// @dev Disabled: title moves only through the title functions.
    function approve(address, uint256) public pure override {
        revert UseTitleFunctions();
    }

    /// @dev Disabled: title moves only through the title functions.
    function setApprovalForAll(address, bool) public pure override {
        revert UseTitleFunctions();
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _active(uint256 tokenId) private view returns (Title storage title) {
        address current = _ownerOf(tokenId);
        if (current == address(0)) revert UnknownTitle(tokenId);
        if (current == BURN_ADDRESS) revert TitleSpent(tokenId);
        title = _titles[tokenId];
        if (title.surrendered) revert TitleSurrendered(tokenId);
    }
}
