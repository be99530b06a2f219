// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SettlementToken} from "./SettlementToken.sol";

/**
 * @title CreditEscrow
 * @dev Funds of documentary credits (UCP 600 letters of credit) held on chain, for one {SettlementToken}.
 *
 * - The issuing bank — the applicant's servicing bank — {open}s a credit: the credit amount moves from the
 *   applicant's account into this escrow's account. The credit's id is derived from the issuing bank and its own
 *   reference ({creditIdOf}), so no other bank — not even one party to the credit — can take that id first. The credit may require customs' release of the goods
 *   (`customsReference` not zero) before anything is paid.
 * - The issuing bank {adjust}s the amount for an amendment: the difference is pulled from or returned to the
 *   applicant; never below what has been paid already. An increase is the issuing bank's alone (it only adds funds);
 *   a decrease of an irrevocable credit needs the beneficiary's prior approval of exactly that amount
 *   ({approveAdjustment}, signed by the beneficiary's own account), used up by the decrease.
 * - Customs (`CUSTOMS_ROLE`) {attestCustomsRelease}s a release of goods.
 * - A bank party to the credit (issuing or advising) {release}s an amount to the beneficiary against a presentation:
 *   each presentation is paid at most once and the total paid never exceeds the credit, so no path pays twice.
 *   A credit paid in full is closed.
 * - An irrevocable credit is cancelled only with the beneficiary's agreement ({consentToCancel}, signed by the
 *   beneficiary's own account) or when it has expired: the issuing bank then {refund}s the unpaid remainder to the
 *   applicant, and the credit is closed — nothing more can be paid from it.
 *
 * Every movement is recorded with its amount and block ({fundingOf}, {releaseOf}, {refundOf}), so a retry can prove
 * that its earlier attempt made exactly the intended movement and find its transaction in that one block.
 *
 * This escrow needs `ESCROW_ROLE` and an open account on the token. Roles ({AccessControl}): `CUSTOMS_ROLE`, and
 * `DEFAULT_ADMIN_ROLE`, which grants it.
 */
contract CreditEscrow is AccessControl {
    /// @notice Role of customs: attests that goods were released.
    bytes32 public constant CUSTOMS_ROLE = keccak256("CUSTOMS_ROLE");

    /// @notice None: never opened; Funded: amount held, payable; Closed: paid in full or refunded.
    enum State {
        None,
        Funded,
        Closed
    }

    /// @dev One documentary credit.
    struct Credit {
        address issuingBank;
        address applicant;
        address beneficiary;
        // Zero when the credit has no advising bank on chain.
        address advisingBank;
        uint256 amount;
        uint256 released;
        uint64 expiry;
        bool cancellationConsented;
        State state;
        // Zero when payment does not wait for customs.
        bytes32 customsReference;
    }

    /// @notice The token whose funds this escrow holds.
    SettlementToken public immutable token;

    /// @dev One movement of a credit's funds: its amount and the block it was made in (zero: never made).
    struct Movement {
        uint256 amount;
        uint64 blockNumber;
    }

    mapping(bytes32 creditId => Credit) private _credits;
    // The funding at {open}, each presentation's payment, and the refund — as moved.
    mapping(bytes32 creditId => Movement) private _funding;
    mapping(bytes32 creditId => mapping(bytes32 presentationId => Movement)) private _releases;
    mapping(bytes32 creditId => Movement) private _refunds;
    mapping(bytes32 customsReference => uint64 timestamp) private _customsReleasedAt;
    // The reduced amount the beneficiary approved for each credit (zero: none), until the issuing bank uses it.
    mapping(bytes32 creditId => uint256 newAmount) private _approvedAdjustment;
    // The amount the issuing bank accepted for a presentation: what the advising bank may then pay out.
    mapping(bytes32 creditId => mapping(bytes32 presentationId => uint256 amount)) private _acceptedPayment;

    /// @dev No credit `creditId` was ever opened.
    error UnknownCredit(bytes32 creditId);

    /// @dev A credit `creditId` exists already.
    error CreditExists(bytes32 creditId);

    /// @dev `caller` is not the servicing bank of the applicant `applicant`, so it cannot issue a credit for it.
    error NotApplicantBank(address applicant, address caller);

    /// @dev `caller` is not the issuing bank of `creditId`.
    error NotIssuingBank(bytes32 creditId, address caller);

    /// @dev `caller` is not a bank party to `creditId` (its issuing or advising bank).
    error NotPartyBank(bytes32 creditId, address caller);

    /// @dev The advising bank pays only what the issuing bank accepted for that presentation (`accepted`; zero if nothing).
    error PaymentNotAccepted(bytes32 creditId, bytes32 presentationId, uint256 amount, uint256 accepted);

    /// @dev `caller` is not the beneficiary of `creditId`.
    error NotBeneficiary(bytes32 creditId, address caller);

    /// @dev `account` has no open account on the token.
    error AccountNotOpen(address account);

    /// @dev A credit's amount, and each payment, must be positive.
    error ZeroAmount();

    /// @dev The zero hash is not a credit, presentation or customs reference.
    error InvalidReference();

    /// @dev The expiry `expiry` is not after the current block's time `currentTime`.
    error ExpiryInPast(uint64 expiry, uint256 currentTime);

    /// @dev Presentation `presentationId` of `creditId` has been paid already.
    error AlreadyPaid(bytes32 creditId, bytes32 presentationId);

    /// @dev Paying `amount` would exceed what remains of `creditId` (`remaining`).
    error ExceedsCredit(bytes32 creditId, uint256 amount, uint256 remaining);

    /// @dev The new amount `newAmount` of `creditId` is below what has been paid already (`released`).
    error BelowReleased(bytes32 creditId, uint256 newAmount, uint256 released);

    /// @dev Reducing `creditId` to `newAmount` needs its beneficiary's approval of exactly that amount, not given.
    error AdjustmentNotApproved(bytes32 creditId, uint256 newAmount);

    /// @dev `creditId` waits for customs' release of the goods (`customsReference`), not attested yet.
    error CustomsReleaseRequired(bytes32 creditId, bytes32 customsReference);

    /// @dev Customs' release `customsReference` was attested already.
    error CustomsReleaseAlreadyAttested(bytes32 customsReference);

    /// @dev A batch of attestations must hold between 1 and `MAX_ATTESTATIONS` references; it held `count`.
    error InvalidBatch(uint256 count);

    /// @dev `creditId` is closed (paid in full or refunded): nothing more can move.
    error CreditClosed(bytes32 creditId);

    /// @dev `creditId` expires at `expiry` and its beneficiary has not agreed to cancel it: it cannot be refunded yet.
    error NotExpired(bytes32 creditId, uint64 expiry);

    /// @notice `amount` of `applicant`'s funds are held for `beneficiary` under credit `creditId`.
    event CreditFunded(
        bytes32 indexed creditId,
        address indexed issuingBank,
        address indexed applicant,
        address beneficiary,
        address advisingBank,
        uint256 amount,
        uint64 expiry,
        bytes32 customsReference
    );

    /// @notice The amount of `creditId` changed from `oldAmount` to `newAmount` (an amendment).
    event CreditAdjusted(bytes32 indexed creditId, uint256 oldAmount, uint256 newAmount);

    /// @notice The beneficiary of `creditId` approved reducing its amount to `newAmount`.
    event AdjustmentApproved(bytes32 indexed creditId, address indexed beneficiary, uint256 newAmount);

    /// @notice Customs attested release of the goods under `customsReference`.
    event CustomsReleaseAttested(bytes32 indexed customsReference, address indexed by);

    /// @notice `amount` of `creditId` was paid to `beneficiary` for presentation `presentationId`.
    event CreditReleased(bytes32 indexed creditId, bytes32 indexed presentationId, address indexed beneficiary, uint256 amount);

    /// @dev The issuing bank accepted `amount` for presentation `presentationId`: the advising bank may pay it.
    event PaymentAccepted(bytes32 indexed creditId, bytes32 indexed presentationId, uint256 amount);

    /// @notice The beneficiary of `creditId` agreed to its cancellation.
    event CancellationConsented(bytes32 indexed creditId, address indexed beneficiary);

    /// @notice The unpaid remainder `amount` of `creditId` returned to `applicant`; the credit is closed.
    event CreditRefunded(bytes32 indexed creditId, address indexed applicant, uint256 amount);

    /**
     * @dev Grants `DEFAULT_ADMIN_ROLE` to `admin`.
     */
    constructor(address token_, address admin) {
        token = SettlementToken(token_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice The id of the credit `issuingBank` opens under its own `creditReference`.
    function creditIdOf(address issuingBank, bytes32 creditReference) public pure returns (bytes32) {
        return keccak256(abi.encode(issuingBank, creditReference));
    }

    /**
     * @notice Issues the credit {creditIdOf}(caller, `creditReference`): `amount` moves from `applicant` into this
     * escrow, payable to `beneficiary` until `expiry` (unix seconds), and — when `customsReference` is not zero — only
     * once customs attested it.
     * Requirements: the caller services `applicant`'s account (it is the issuing bank); the beneficiary's account is
     * open; the caller has not opened `creditReference` before; `amount` is positive and held by the applicant;
     * `expiry` is in the future.
     */
    function open(
        bytes32 creditReference,
        address applicant,
        address beneficiary,
        address advisingBank,
        uint256 amount,
        uint64 expiry,
        bytes32 customsReference
    ) external returns (bytes32 creditId) {
        if (creditReference == bytes32(0)) revert InvalidReference();
        creditId = creditIdOf(msg.sender, creditReference);
        if (_credits[creditId].state != State.None) revert CreditExists(creditId);
        if (token.servicingBank(applicant) != msg.sender || applicant == address(0)) {
            revert NotApplicantBank(applicant, msg.sender);
        }
        if (token.servicingBank(beneficiary) == address(0)) revert AccountNotOpen(beneficiary);
        if (amount == 0) revert ZeroAmount();
        if (expiry <= block.timestamp) revert ExpiryInPast(expiry, block.timestamp);
        _credits[creditId] =
            Credit(msg.sender, applicant, beneficiary, advisingBank, amount, 0, expiry, false, State.Funded, customsReference);
        _funding[creditId] = Movement(amount, uint64(block.number));
        token.escrowPull(applicant, amount, creditId);
        emit CreditFunded(creditId, msg.sender, applicant, beneficiary, advisingBank, amount, expiry, customsReference);
    }

    /**
     * @notice Changes the amount of `creditId` to `newAmount` (an amendment): the difference is pulled from or
     * returned to the applicant.
     * Requirements: the caller is the issuing bank; the credit is funded; `newAmount` is positive and not below what
     * was paid; for a decrease, the beneficiary approved exactly `newAmount` ({approveAdjustment}) — the approval is
     * used up.
     */
    function adjust(bytes32 creditId, uint256 newAmount) external {
        Credit storage credit = _funded(creditId);
        if (msg.sender != credit.issuingBank) revert NotIssuingBank(creditId, msg.sender);
        if (newAmount == 0) revert ZeroAmount();
        if (newAmount < credit.released) revert BelowReleased(creditId, newAmount, credit.released);
        uint256 oldAmount = credit.amount;
        if (newAmount == oldAmount) {
            // Nothing to move; an approval of this amount is spent all the same, so it cannot cut the credit later.
            if (_approvedAdjustment[creditId] == newAmount) delete _approvedAdjustment[creditId];
            return;
        }
        if (newAmount < oldAmount) {
            if (_approvedAdjustment[creditId] != newAmount) revert AdjustmentNotApproved(creditId, newAmount);
            delete _approvedAdjustment[creditId];
        }
        credit.amount = newAmount;
        if (newAmount == credit.released) credit.state = State.Closed;
        if (newAmount > oldAmount) {
            token.escrowPull(credit.applicant, newAmount - oldAmount, creditId);
        } else {
            token.escrowPay(credit.applicant, oldAmount - newAmount, creditId);
        }
        emit CreditAdjusted(creditId, oldAmount, newAmount);
    }

    /**
     * @notice The beneficiary approves reducing `creditId` to `newAmount`; the issuing bank may then {adjust} it to
     * exactly that amount, once. A later approval replaces an unused one.
     * Requirements: the caller is the credit's beneficiary; the credit is funded; `newAmount` is positive.
     */
    function approveAdjustment(bytes32 creditId, uint256 newAmount) external {
        Credit storage credit = _funded(creditId);
        if (msg.sender != credit.beneficiary) revert NotBeneficiary(creditId, msg.sender);
        if (newAmount == 0) revert ZeroAmount();
        _approvedAdjustment[creditId] = newAmount;
        emit AdjustmentApproved(creditId, msg.sender, newAmount);
    }

    /**
     * @notice Customs attests that the goods under `customsReference` were released.
     * Requirements: the caller has `CUSTOMS_ROLE`; the reference is not zero and not attested yet.
     */
    function attestCustomsRelease(bytes32 customsReference) external onlyRole(CUSTOMS_ROLE) {
        if (customsReference == bytes32(0)) revert InvalidReference();
        if (_customsReleasedAt[customsReference] != 0) revert CustomsReleaseAlreadyAttested(customsReference);
        _customsReleasedAt[customsReference] = uint64(block.timestamp);
        emit CustomsReleaseAttested(customsReference, msg.sender);
    }

    /// @notice The most releases one `attestCustomsReleases` call may attest.
    uint256 public constant MAX_ATTESTATIONS = 256;

    /// @notice Attests several releases of goods in one transaction (customs flushes the releases of a short window at
    /// once). Each reference not attested yet is attested with its own `CustomsReleaseAttested` event; one attested
    /// before is skipped, so a batch sent again changes nothing.
    function attestCustomsReleases(bytes32[] calldata customsReferences) external onlyRole(CUSTOMS_ROLE) {
        uint256 count = customsReferences.length;
        if (count == 0 || count > MAX_ATTESTATIONS) revert InvalidBatch(count);
        for (uint256 i; i < count; ++i) {
            bytes32 customsReference = customsReferences[i];
            if (customsReference == bytes32(0)) revert InvalidReference();
            if (_customsReleasedAt[customsReference] != 0) continue;
            _customsReleasedAt[customsReference] = uint64(block.timestamp);
            emit CustomsReleaseAttested(customsReference, msg.sender);
        }
    }

    /// @notice When customs attested the release `customsReference` (unix seconds); zero if it has not.
    function customsReleasedAt(bytes32 customsReference) external view returns (uint64) {
        return _customsReleasedAt[customsReference];
    }

    /**
     * @notice The issuing bank accepts presentation `presentationId` of `creditId` for `amount` (it honours it): the
     * advising bank may then pay exactly that. Accepting again replaces the amount until it is paid.
     * Requirements: the caller is the credit's issuing bank; the credit is funded; the presentation was not paid;
     * `amount` is positive.
     */
    function acceptPayment(bytes32 creditId, bytes32 presentationId, uint256 amount) external {
        Credit storage credit = _funded(creditId);
        if (msg.sender != credit.issuingBank) revert NotIssuingBank(creditId, msg.sender);
        if (presentationId == bytes32(0)) revert InvalidReference();
        if (_releases[creditId][presentationId].blockNumber != 0) revert AlreadyPaid(creditId, presentationId);
        if (amount == 0) revert ZeroAmount();
        _acceptedPayment[creditId][presentationId] = amount;
        emit PaymentAccepted(creditId, presentationId, amount);
    }

    /**
     * @notice Pays `amount` of `creditId` to its beneficiary against presentation `presentationId`.
     * Requirements: the caller is the credit's issuing bank, or its advising bank paying exactly what the issuing bank
     * accepted for that presentation ({acceptPayment}); the credit is funded; the presentation was not paid before;
     * `amount` is positive and within what remains; customs attested the credit's customs reference, if it has one.
     */
    function release(bytes32 creditId, bytes32 presentationId, uint256 amount) external {
        Credit storage credit = _funded(creditId);
        if (msg.sender != credit.issuingBank && (msg.sender != credit.advisingBank || msg.sender == address(0))) {
            revert NotPartyBank(creditId, msg.sender);
        }
        if (msg.sender != credit.issuingBank && _acceptedPayment[creditId][presentationId] != amount) {
            revert PaymentNotAccepted(creditId, presentationId, amount, _acceptedPayment[creditId][presentationId]);
        }
        if (presentationId == bytes32(0)) revert InvalidReference();
        if (_releases[creditId][presentationId].blockNumber != 0) revert AlreadyPaid(creditId, presentationId);
        if (amount == 0) revert ZeroAmount();
        uint256 remaining = credit.amount - credit.released;
        if (amount > remaining) revert ExceedsCredit(creditId, amount, remaining);
        bytes32 customsReference = credit.customsReference;
        if (customsReference != bytes32(0) && _customsReleasedAt[customsReference] == 0) {
            revert CustomsReleaseRequired(creditId, customsReference);
        }
        _releases[creditId][presentationId] = Movement(amount, uint64(block.number));
        credit.released += amount;
        if (credit.released == credit.amount) credit.state = State.Closed;
        token.escrowPay(credit.beneficiary, amount, presentationId);
        emit CreditReleased(creditId, presentationId, credit.beneficiary, amount);
    }

    /// @notice Whether presentation `presentationId` of `creditId` has been paid.
    function isPaid(bytes32 creditId, bytes32 presentationId) external view returns (bool) {
        return _releases[creditId][presentationId].blockNumber != 0;
    }

    /// @notice What {open} pulled into escrow for `creditId`, and in which block (all zero: never opened).
    function fundingOf(bytes32 creditId) external view returns (uint256 amount, uint64 blockNumber) {
        Movement storage m = _funding[creditId];
        return (m.amount, m.blockNumber);
    }

    /// @notice What was paid for presentation `presentationId` of `creditId`, and in which block (all zero: unpaid).
    function releaseOf(bytes32 creditId, bytes32 presentationId) external view returns (uint256 amount, uint64 blockNumber) {
        Movement storage m = _releases[creditId][presentationId];
        return (m.amount, m.blockNumber);
    }

    /// @notice What {refund} returned to the applicant of `creditId`, and in which block (all zero: not refunded).
    function refundOf(bytes32 creditId) external view returns (uint256 amount, uint64 blockNumber) {
        Movement storage m = _refunds[creditId];
        return (m.amount, m.blockNumber);
    }

    /**
     * @notice The beneficiary agrees to cancel `creditId`; the issuing bank may then refund it before expiry.
     * Requirements: the caller is the credit's beneficiary; the credit is funded.
     */
    function consentToCancel(bytes32 creditId) external {
        Credit storage credit = _funded(creditId);
        if (msg.sender != credit.beneficiary) revert NotBeneficiary(creditId, msg.sender);
        credit.cancellationConsented = true;
        emit CancellationConsented(creditId, msg.sender);
    }

    /**
     * @notice Returns the unpaid remainder of `creditId` to the applicant and closes the credit.
     * Requirements: the caller is the issuing bank; the credit is funded; it has expired or the beneficiary consented.
     */
    function refund(bytes32 creditId) external {
        Credit storage credit = _funded(creditId);
        if (msg.sender != credit.issuingBank) revert NotIssuingBank(creditId, msg.sender);
        if (block.timestamp <= credit.expiry && !credit.cancellationConsented) revert NotExpired(creditId, credit.expiry);
        uint256 remainder = credit.amount - credit.released;
        credit.state = State.Closed;
        _refunds[creditId] = Movement(remainder, uint64(block.number));
        if (remainder > 0) token.escrowPay(credit.applicant, remainder, creditId);
        emit CreditRefunded(creditId, credit.applicant, remainder);
    }

    /**
     * @notice Credit `creditId` as held on chain; `state` None (all fields zero) when it was never opened.
     */
    function creditOf(bytes32 creditId)
        external
        view
        returns (
            address issuingBank,
            address applicant,
            address beneficiary,
            address advisingBank,
            uint256 amount,
            uint256 released,
            uint64 expiry,
            bytes32 customsReference,
            bool cancellationConsented,
            State state
        )
    {
        Credit storage c = _credits[creditId];
        return (
            c.issuingBank,
            c.applicant,
            c.beneficiary,
            c.advisingBank,
            c.amount,
            c.released,
            c.expiry,
            c.customsReference,
            c.cancellationConsented,
            c.state
        );
    }

    function _funded(bytes32 creditId) private view returns (Credit storage credit) {
        credit = _credits[creditId];
        if (credit.state == State.None) revert UnknownCredit(creditId);
        if (credit.state == State.Closed) revert CreditClosed(creditId);
    }
}
