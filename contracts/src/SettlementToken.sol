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
 * - An account holder names the bank it wants with {mandateBank}, signed by its own account; that bank (`BANK_ROLE`)
 *   then {openAccount}s the account and becomes its servicing bank — no bank can take an account nobody asked it to
 *   keep. The admin may open an account for a given servicing bank with {openAccountFor} (the escrow contracts'
 *   accounts, the banks' own accounts at deployment). {closeAccount}: the account's bank, at a zero balance.
 * - A bank {mint}s and {burn}s only on accounts it services — against its own books (the customer's deposit).
 * - A bank {bankTransfer}s from an account it services, on its customer's instruction, to any open account.
 * - A bank {voidReference}s a reference of its own it will not use (a cancelled instruction): no payment can take it after.
 * - An escrow contract (`ESCROW_ROLE`) {escrowPull}s funds into its own account and {escrowPay}s them out; the
 *   escrow enforces who may move them (see CreditEscrow).
 *
 * Each of these emits {Payment} with the caller's reference (alongside ERC-20 `Transfer`), so a ledger can be
 * reconciled against the chain payment by payment. A bank payment's reference belongs to the bank that sends it: each
 * bank has its own namespace of references, uses each (non-zero) reference at most once, so a retried instruction
 * cannot pay twice, and the token binds it to exactly what it moved ({paymentOf}: payer, payee, amount, block) — so a
 * retry can prove that its earlier attempt made this very payment, and another bank using the same reference proves
 * nothing about it. Roles ({AccessControl}): `BANK_ROLE`, `ESCROW_ROLE`, and
 * `DEFAULT_ADMIN_ROLE`, which grants them and opens accounts for others.
 */
contract SettlementToken is ERC20, AccessControl {
    /// @notice Role of the banks: open accounts, mint and burn against their books, debit their customers.
    bytes32 public constant BANK_ROLE = keccak256("BANK_ROLE");

    /// @notice Role of escrow contracts: pull funds into their own account and pay them out.
    bytes32 public constant ESCROW_ROLE = keccak256("ESCROW_ROLE");

    /// @notice ISO 4217 code of the currency this token is a deposit in (e.g. "USD", "VND").
    string public currency;

    /// @dev What a bank payment moved: the binding of a bank's reference (zero `blockNumber`: the reference is unused).
    // Packed in two storage slots (payer and block; payee and amount): a reference bound costs two new slots, not four —
    // what a batched settlement's gas is mostly made of. An amount is at most 2^96 - 1 minor units (`AmountTooLarge`).
    struct PaymentRecord {
        address from;
        uint64 blockNumber;
        address to;
        uint96 amount;
    }

    mapping(address account => address bank) private _servicingBank;
    // The bank each account holder asked to keep its account (until that bank opens it).
    mapping(address account => address bank) private _mandatedBank;
    // Each bank's own references, each bound to the payment it made.
    mapping(address bank => mapping(bytes32 paymentReference => PaymentRecord)) private _payments;

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

    /// @dev The calling bank made a payment (mint, burn, bank transfer) with reference `paymentReference` already.
    error DuplicateReference(bytes32 paymentReference);

    /// @dev A bank payment needs a non-zero reference (it is what binds the payment for a retry).
    error InvalidReference();

    /// @dev `account` has not asked `caller` to keep it (it mandated `mandated`; zero when it mandated no bank).
    error NotMandated(address account, address caller, address mandated);

    /// @dev `amount` is more than a payment can bind (2^96 - 1 minor units: far beyond any real amount).
    error AmountTooLarge(uint256 amount);

    /// @dev A batch of bank transfers or mints must hold between 1 and `MAX_BATCH_PAYMENTS` items in arrays of one length; it held `count`.
    error InvalidTransferBatch(uint256 count);

    /// @notice `account` was opened with `bank` as its servicing bank.
    event AccountOpened(address indexed account, address indexed bank);

    /// @notice `account` asked `bank` to open and keep it (zero: withdrew its mandate).
    event BankMandated(address indexed account, address indexed bank);

    /// @notice `account` was closed by its servicing bank `bank`.
    event AccountClosed(address indexed account, address indexed bank);

    /// @notice `amount` moved from `from` (zero: minted) to `to` (zero: burned) under the payer's `paymentReference`.
    event Payment(bytes32 indexed paymentReference, address indexed from, address indexed to, uint256 amount);

    /**
     * @notice An item of a batch ({bankTransferBatch}, {mintBatch}) was refused and skipped, nothing of it moved: `error` is the selector
     * of the custom error {bankTransfer} or {mint} would have reverted with (e.g. `DuplicateReference`, `ERC20InsufficientBalance`).
     */
    event PaymentRefused(bytes32 indexed paymentReference, address indexed from, address indexed to, uint256 amount, bytes4 error);

    /// @notice `bank` voided its unused `paymentReference` ({voidReference}): no payment of that bank can use it any more.
    event ReferenceVoided(address indexed bank, bytes32 indexed paymentReference);

    /// @notice The most items one {bankTransferBatch} or {mintBatch} takes.
    uint256 public constant MAX_BATCH_PAYMENTS = 256;

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
     * @notice The caller — an account holder, with its own account — asks `bank` to open and keep its account (zero
     * withdraws the mandate). The mandate is used up when that bank opens the account.
     */
    function mandateBank(address bank) external {
        _mandatedBank[msg.sender] = bank;
        emit BankMandated(msg.sender, bank);
    }

    /// @notice The bank `account` asked to open it, not yet used; zero when none.
    function mandatedBank(address account) external view returns (address) {
        return _mandatedBank[account];
    }

    /**
     * @notice Opens `account` with the caller (a bank) as its servicing bank, on the account holder's mandate.
     * Requirements: the caller has `BANK_ROLE`; `account` mandated the caller ({mandateBank}); `account` is not zero and
     * not open.
     */
    function openAccount(address account) external onlyRole(BANK_ROLE) {
        address mandated = _mandatedBank[account];
        if (mandated != msg.sender) revert NotMandated(account, msg.sender, mandated);
        delete _mandatedBank[account];
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
     * Requirements: the caller has `BANK_ROLE` and services `to`; `amount` is positive and at most 2^96 - 1; `paymentReference` is not
     * zero and the caller never used it before.
     */
    function mint(address to, uint256 amount, bytes32 paymentReference) external onlyRole(BANK_ROLE) {
        _requireServicedByCaller(to);
        _bindReference(paymentReference, address(0), to, amount);
        _pay(address(0), to, amount, paymentReference);
    }

    /**
     * @notice Makes many {mint}s of the caller in one transaction: item `i` credits `amounts[i]` to `to[i]` under
     * `paymentReferences[i]`, under exactly the rules of {mint}, in order. An item that breaks a rule is skipped, not
     * reverted: it emits {PaymentRefused} (payer zero) with the rule's custom error selector and the others go on — so a
     * batch sent again after a crash shows each item made already as refused with `DuplicateReference`.
     * Requirements: the caller has `BANK_ROLE`; the three arrays have one length, 1 to `MAX_BATCH_PAYMENTS`.
     * Emits: {Payment} for each item made, {PaymentRefused} for each item refused.
     */
    function mintBatch(address[] calldata to, uint256[] calldata amounts, bytes32[] calldata paymentReferences) external onlyRole(BANK_ROLE) {
        uint256 count = to.length;
        if (count == 0 || count > MAX_BATCH_PAYMENTS || amounts.length != count || paymentReferences.length != count) {
            revert InvalidTransferBatch(count);
        }
        for (uint256 i = 0; i < count; i++) {
            bytes4 refused = _mintRefusal(to[i], amounts[i], paymentReferences[i]);
            if (refused != bytes4(0)) {
                emit PaymentRefused(paymentReferences[i], address(0), to[i], amounts[i], refused);
                continue;
            }
            _bindReference(paymentReferences[i], address(0), to[i], amounts[i]);
            _pay(address(0), to[i], amounts[i], paymentReferences[i]);
        }
    }

    /**
     * @notice Debits `amount` from `from` back onto the caller's books (a withdrawal).
     * Requirements: the caller has `BANK_ROLE` and services `from`; `from` holds `amount` (at most 2^96 - 1); `paymentReference` is not zero
     * and the caller never used it before.
     */
    function burn(address from, uint256 amount, bytes32 paymentReference) external onlyRole(BANK_ROLE) {
        _requireServicedByCaller(from);
        _bindReference(paymentReference, from, address(0), amount);
        _pay(from, address(0), amount, paymentReference);
    }

    /**
     * @notice Uses the caller's `paymentReference` up without moving anything: a mint, burn or transfer of the caller
     * under it is refused from then on (`DuplicateReference`). A bank cancelling an instruction it may already have sent
     * (a transaction in a node's pool, another of its processes about to send it) voids its reference: once the void is
     * mined, either the payment was made first — the void is refused, and {paymentOf} shows the payment — or it never can
     * be. {paymentOf} shows a voided reference as payer, payee and amount zero, with the block of the void.
     * Requirements: the caller has `BANK_ROLE`; `paymentReference` is not zero and the caller never used it before.
     * Emits: {ReferenceVoided}.
     */
    function voidReference(bytes32 paymentReference) external onlyRole(BANK_ROLE) {
        _bindReference(paymentReference, address(0), address(0), 0);
        emit ReferenceVoided(msg.sender, paymentReference);
    }

    /**
     * @notice Moves `amount` from the caller's customer `from` to the open account `to`, on the customer's instruction.
     * Requirements: the caller has `BANK_ROLE` and services `from`; `to` is open; `from` holds `amount` (at most 2^96 - 1); `paymentReference` is not zero
     * and the caller never used it before.
     */
    function bankTransfer(address from, address to, uint256 amount, bytes32 paymentReference) external onlyRole(BANK_ROLE) {
        _requireServicedByCaller(from);
        _bindReference(paymentReference, from, to, amount);
        _pay(from, to, amount, paymentReference);
    }

    /**
     * @notice Makes many {bankTransfer}s of the caller in one transaction: item `i` moves `amounts[i]` from `from[i]` to
     * `to[i]` under `paymentReferences[i]`, under exactly the rules of {bankTransfer}, in order (an item sees the balances
     * the earlier ones left). An item that breaks a rule is skipped, not reverted: it emits {PaymentRefused} with the rule's
     * custom error selector and the others go on — so a batch sent again after a crash shows each item made already as
     * refused with `DuplicateReference` ({paymentOf} then shows what it bound).
     * Requirements: the caller has `BANK_ROLE`; the four arrays have one length, 1 to `MAX_BATCH_PAYMENTS`.
     * Emits: {Payment} for each item made, {PaymentRefused} for each item refused.
     */
    function bankTransferBatch(
        address[] calldata from,
        address[] calldata to,
        uint256[] calldata amounts,
        bytes32[] calldata paymentReferences
    ) external onlyRole(BANK_ROLE) {
        uint256 count = from.length;
        if (count == 0 || count > MAX_BATCH_PAYMENTS || to.length != count || amounts.length != count || paymentReferences.length != count) {
            revert InvalidTransferBatch(count);
        }
        for (uint256 i = 0; i < count; i++) {
            bytes4 refused = _bankTransferRefusal(from[i], to[i], amounts[i], paymentReferences[i]);
            if (refused != bytes4(0)) {
                emit PaymentRefused(paymentReferences[i], from[i], to[i], amounts[i], refused);
                continue;
            }
            _bindReference(paymentReferences[i], from[i], to[i], amounts[i]);
            _pay(from[i], to[i], amounts[i], paymentReferences[i]);
        }
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

    /**
     * @notice The payment `bank` made under its reference `paymentReference`: payer (zero: minted), payee (zero:
     * burned), amount and block. All zero when that bank never used the reference; payer, payee and amount zero with a
     * block when it voided it ({voidReference}).
     */
    function paymentOf(address bank, bytes32 paymentReference)
        external
        view
        returns (address from, address to, uint256 amount, uint64 blockNumber)
    {
        PaymentRecord storage p = _payments[bank][paymentReference];
        return (p.from, p.to, p.amount, p.blockNumber);
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

    /**
     * @dev The custom error {bankTransfer} of the caller would revert with, checked in the same order (zero: none). The
     * zero payee, which {bankTransfer} would take for a burn, is refused here (`InvalidAccount`): a batch only transfers.
     */
    function _bankTransferRefusal(address from, address to, uint256 amount, bytes32 paymentReference) private view returns (bytes4) {
        bytes4 refused = _bankPaymentRefusal(from, amount, paymentReference);
        if (refused != bytes4(0)) return refused;
        if (to == address(0)) return InvalidAccount.selector;
        if (_servicingBank[to] == address(0)) return AccountNotOpen.selector;
        if (balanceOf(from) < amount) return ERC20InsufficientBalance.selector;
        return bytes4(0);
    }

    /// @dev The custom error {mint} of the caller would revert with, checked in the same order (zero: none).
    function _mintRefusal(address to, uint256 amount, bytes32 paymentReference) private view returns (bytes4) {
        return _bankPaymentRefusal(to, amount, paymentReference);
    }

    /// @dev The rules every bank payment of the caller checks first, in order: it services `serviced` (the payer of a
    /// transfer, the payee of a mint), the reference is not zero and not used by the caller before, the amount is not zero
    /// and at most 2^96 - 1 (what a payment's record binds).
    function _bankPaymentRefusal(address serviced, uint256 amount, bytes32 paymentReference) private view returns (bytes4) {
        if (_servicingBank[serviced] != msg.sender) return NotServicingBank.selector;
        if (paymentReference == bytes32(0)) return InvalidReference.selector;
        if (_payments[msg.sender][paymentReference].blockNumber != 0) return DuplicateReference.selector;
        if (amount == 0) return ZeroAmount.selector;
        if (amount > type(uint96).max) return AmountTooLarge.selector;
        return bytes4(0);
    }

    function _requireServicedByCaller(address account) private view {
        address bank = _servicingBank[account];
        if (bank != msg.sender) revert NotServicingBank(account, msg.sender, bank);
    }

    /// @dev Uses the caller's `paymentReference` once, binding it to exactly this payment (or, from {voidReference}, to nothing moved).
    function _bindReference(bytes32 paymentReference, address from, address to, uint256 amount) private {
        if (paymentReference == bytes32(0)) revert InvalidReference();
        PaymentRecord storage record = _payments[msg.sender][paymentReference];
        if (record.blockNumber != 0) revert DuplicateReference(paymentReference);
        if (amount > type(uint96).max) revert AmountTooLarge(amount);
        _payments[msg.sender][paymentReference] = PaymentRecord(from, uint64(block.number), to, uint96(amount));
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
