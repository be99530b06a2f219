// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title SettlementToken
 * @dev A permissioned tokenised deposit in one currency (ISO 4217 code in {currency}), ERC-20 compatible, counted in
 * minor units ({decimals} is 2: 1 token unit = 1 cent / 1 xu).
 *
 * Every account is held at a servicing bank, like a deposit account: only an account with a servicing bank (an open,
 * allow-listed account) may hold, send or receive tokens — enforced in {_update}, so it holds for every transfer,
 * mint and burn path, including the ERC-20 `transfer` and `transferFrom`.
 *
 * - A bank (`BANK_ROLE`) {openAccount}s an account and becomes its servicing bank (a bank opens its own account the
 *   same way); the admin may open an account for a given servicing bank with {openAccountFor} (the escrow contracts'
 *   accounts, the banks' own accounts at deployment). {closeAccount}: the account's bank, at a zero balance.
 * - A bank {mint}s and {burn}s only on accounts it services — against its own books (the customer's deposit).
 * - A bank {bankTransfer}s from an account it services, on its customer's instruction, to any open account.
 * - An escrow contract (`ESCROW_ROLE`) {escrowPull}s funds into its own account and {escrowPay}s them out; the
 *   escrow enforces who may move them (see CreditEscrow).
 *
 * Each of these emits {Payment} with the caller's reference (alongside ERC-20 `Transfer`), so a ledger can be
 * reconciled against the chain payment by payment. A bank payment's non-zero reference is used at most once, so a
 * retried instruction cannot pay twice. Roles ({AccessControl}): `BANK_ROLE`, `ESCROW_ROLE`, and
 * `DEFAULT_ADMIN_ROLE`, which grants them and opens accounts for others.
 */
contract SettlementToken is ERC20, AccessControl {
    /// @notice Role of the banks: open accounts, mint and burn against their books, debit their customers.
    bytes32 public constant BANK_ROLE = keccak256("BANK_ROLE");

    /// @notice Role of escrow contracts: pull funds into their own account and pay them out.
    bytes32 public constant ESCROW_ROLE = keccak256("ESCROW_ROLE");

    /// @notice ISO 4217 code of the currency this token is a deposit in (e.g. "USD", "VND").
    string public currency;

    mapping(address account => address bank) private _servicingBank;
    mapping(bytes32 paymentReference => bool) private _referenceUsed;

    /// @dev `account` has no servicing bank: it may not hold, send or receive tokens.
    error AccountNotOpen(address account);

    /// @dev `account` is already open, serviced by `bank`.
    error AccountAlreadyOpen(address account, address bank);

    /// @dev `caller` is not the servicing bank of `account` (`bank`; zero when the account is not open).
    error NotServicingBank(address account, address caller, address bank);

    /// @dev `account` still holds `balance`: only an empty account can be closed.
    error AccountNotEmpty(address account, uint256 balance);

    /// @dev The zero address cannot be an account or a servicing bank.
    error InvalidAccount(address account);

    /// @dev A payment must move a positive amount.
    error ZeroAmount();

    /// @dev A bank payment (mint, burn, bank transfer) with reference `paymentReference` was made already.
    error DuplicateReference(bytes32 paymentReference);

    /// @notice `account` was opened with `bank` as its servicing bank.
    event AccountOpened(address indexed account, address indexed bank);

    /// @notice `account` was closed by its servicing bank `bank`.
    event AccountClosed(address indexed account, address indexed bank);

    /// @notice `amount` moved from `from` (zero: minted) to `to` (zero: burned) under the payer's `paymentReference`.
    event Payment(bytes32 indexed paymentReference, address indexed from, address indexed to, uint256 amount);

    /**
     * @dev Grants `DEFAULT_ADMIN_ROLE` to `admin`; banks and escrows must be granted their roles explicitly.
     */
    constructor(string memory name_, string memory symbol_, string memory currency_, address admin) ERC20(name_, symbol_) {
        currency = currency_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Amounts are in minor units (cents): 2 decimals.
    function decimals() public pure override returns (uint8) {
        return 2;
    }

    /**
     * @notice Opens `account` with the caller (a bank) as its servicing bank.
     * Requirements: the caller has `BANK_ROLE`; `account` is not zero and not open.
     */
    function openAccount(address account) external onlyRole(BANK_ROLE) {
        _open(account, msg.sender);
    }

    /**
     * @notice Opens `account` with `bank` as its servicing bank (for escrow contracts and the banks' own accounts).
     * Requirements: the caller has `DEFAULT_ADMIN_ROLE`; neither address is zero; `account` is not open.
     */
    function openAccountFor(address account, address bank) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bank == address(0)) revert InvalidAccount(bank);
        _open(account, bank);
    }

    /**
     * @notice Closes `account`: it can no longer hold or receive tokens until a bank opens it again.
     * Requirements: the caller is the account's servicing bank; its balance is zero.
     */
    function closeAccount(address account) external {
        address bank = _servicingBank[account];
        if (bank == address(0)) revert AccountNotOpen(account);
        if (bank != msg.sender) revert NotServicingBank(account, msg.sender, bank);
        uint256 balance = balanceOf(account);
        if (balance != 0) revert AccountNotEmpty(account, balance);
        delete _servicingBank[account];
        emit AccountClosed(account, bank);
    }

    /// @notice The servicing bank of `account`; zero when the account is not open.
    function servicingBank(address account) external view returns (address) {
        return _servicingBank[account];
    }

    /**
     * @notice Credits `amount` to `to` against the caller's books (a deposit).
     * Requirements: the caller has `BANK_ROLE` and services `to`; `amount` is positive; a non-zero `paymentReference`
     * was never used before.
     */
    function mint(address to, uint256 amount, bytes32 paymentReference) external onlyRole(BANK_ROLE) {
        _requireServicedByCaller(to);
        _useReference(paymentReference);
        _pay(address(0), to, amount, paymentReference);
    }

    /**
     * @notice Debits `amount` from `from` back onto the caller's books (a withdrawal).
     * Requirements: the caller has `BANK_ROLE` and services `from`; `from` holds `amount`; a non-zero `paymentReference`
     * was never used before.
     */
    function burn(address from, uint256 amount, bytes32 paymentReference) external onlyRole(BANK_ROLE) {
        _requireServicedByCaller(from);
        _useReference(paymentReference);
        _pay(from, address(0), amount, paymentReference);
    }

    /**
     * @notice Moves `amount` from the caller's customer `from` to the open account `to`, on the customer's instruction.
     * Requirements: the caller has `BANK_ROLE` and services `from`; `to` is open; `from` holds `amount`; a non-zero `paymentReference`
     * was never used before.
     */
    function bankTransfer(address from, address to, uint256 amount, bytes32 paymentReference) external onlyRole(BANK_ROLE) {
        _requireServicedByCaller(from);
        _useReference(paymentReference);
        _pay(from, to, amount, paymentReference);
    }

    /**
     * @notice Moves `amount` from `from` into the caller's (an escrow contract's) own account.
     * Requirements: the caller has `ESCROW_ROLE` and an open account; `from` holds `amount`.
     */
    function escrowPull(address from, uint256 amount, bytes32 paymentReference) external onlyRole(ESCROW_ROLE) {
        _pay(from, msg.sender, amount, paymentReference);
    }

    /**
     * @notice Pays `amount` from the caller's (an escrow contract's) own account to the open account `to`.
     * Requirements: the caller has `ESCROW_ROLE`; `to` is open; the escrow holds `amount`.
     */
    function escrowPay(address to, uint256 amount, bytes32 paymentReference) external onlyRole(ESCROW_ROLE) {
        _pay(msg.sender, to, amount, paymentReference);
    }

    /// @notice Whether a bank payment (mint, burn, bank transfer) used `paymentReference`.
    function isReferenceUsed(bytes32 paymentReference) external view returns (bool) {
        return _referenceUsed[paymentReference];
    }

    /// @dev Every movement of tokens: both ends that are not zero (mint / burn) must be open accounts.
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && _servicingBank[from] == address(0)) revert AccountNotOpen(from);
        if (to != address(0) && _servicingBank[to] == address(0)) revert AccountNotOpen(to);
        super._update(from, to, value);
    }

    function _open(address account, address bank) private {
        if (account == address(0)) revert InvalidAccount(account);
        address current = _servicingBank[account];
        if (current != address(0)) revert AccountAlreadyOpen(account, current);
        _servicingBank[account] = bank;
        emit AccountOpened(account, bank);
    }

    function _requireServicedByCaller(address account) private view {
        address bank = _servicingBank[account];
        if (bank != msg.sender) revert NotServicingBank(account, msg.sender, bank);
    }

    function _useReference(bytes32 paymentReference) private {
        if (paymentReference == bytes32(0)) return;
        if (_referenceUsed[paymentReference]) revert DuplicateReference(paymentReference);
        _referenceUsed[paymentReference] = true;
    }

    function _pay(address from, address to, uint256 amount, bytes32 paymentReference) private {
        if (amount == 0) revert ZeroAmount();
        if (from == address(0)) {
            _mint(to, amount);
        } else if (to == address(0)) {
            _burn(from, amount);
        } else {
            _transfer(from, to, amount);
        }
        emit Payment(paymentReference, from, to, amount);
    }
}
