// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IMEVMitigation} from "./interfaces/IMEVMitigation.sol";
import {ISequencerRegistry} from "./interfaces/ISequencerRegistry.sol";
import {BN254} from "./libraries/BN254.sol";
import {DataStore} from "./libraries/DataStore.sol";
import {Wesolowski} from "./libraries/Wesolowski.sol";

/**
 * @title MEVMitigation
 * @notice LP-504 encrypted mempool. Transactions are numbered as they arrive, which fixes their fair order
 * before anyone can read them; they are then opened by their sender (commit-reveal), by a threshold of the
 * committee (on-chain threshold decryption), and time-locked ones only after a VDF proof.
 *
 * Formats (built by `sdk/threshold.ts` and `sdk/vdf.ts`):
 * - Plaintext payload `P = abi.encodePacked(bytes32 salt, bytes tx)`; commitment `keccak256(P)`. The random salt
 *   stops anyone from confirming a guess of a low-entropy transaction.
 * - `encryptedTx = abi.encode(uint256[2][] feldman, bytes ciphertext, bytes encryptedShares)`: `feldman` are
 *   the commitments `C_j = a_j·G1` (j < t) of the polynomial that shares the per-transaction key `k = a_0` over
 *   the BN254 scalar field, validator i holding `s_i = f(i)` (i from 1, its place in the committee);
 *   `ciphertext = P xor keystream(k)` with keystream block j = keccak256(abi.encode(k, j)); `encryptedShares`
 *   carries each validator's share encrypted to its registered public key (read off chain; not stored).
 *   Time-locked: `abi.encode(bytes32 commitment, uint256[2][] feldman, bytes ciphertext, bytes encryptedShares)`.
 * - Reveal: `revealTransaction(txId, tx, salt)` is accepted iff `keccak256(abi.encodePacked(bytes32(salt), tx))`
 *   equals the commitment.
 * - Key share: `abi.encode(uint256 s)`, checked as `s·G1 == Σ_j x^j·C_j` (x the validator's place).
 *
 * Deadlines: a transaction must be revealed or decrypted by its deadline (submission + `revealWindow`, plus the
 * lock duration for time-locked ones). After it, anyone may mark it `Expired`: it is dropped from the order,
 * can never be opened, and its sender may submit again. No funds are held.
 */
contract MEVMitigation is IMEVMitigation, AccessControl {
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");

    uint256 public constant MAX_CIPHERTEXT = 4096;
    uint256 public constant MAX_COMMITTEE = 64;
    uint256 public constant MIN_REVEAL_WINDOW = 60;
    uint256 public constant MAX_REVEAL_WINDOW = 7 days;
    uint256 public constant MIN_SQUARINGS_PER_SECOND = 1_000;
    uint256 public constant MAX_SQUARINGS_PER_SECOND = 100_000_000;
    uint256 public constant MAX_LOCK_DURATION = 30 days;

    enum TxStatus {
        None,
        Pending,
        Revealed,
        Decrypted,
        Expired
    }

    struct TxRecord {
        // slot
        address sender;
        uint64 sequence; // arrival order, from 1
        TxStatus status;
        bool timelocked;
        bool unlocked; // time-locked: VDF proven
        uint8 threshold;
        // slot
        bytes32 commitment;
        // slot
        address blob; // DataStore: Feldman commitments (2t words) then the ciphertext
        uint40 deadline;
        uint32 committeeEpoch;
        // slot: written once per key share
        uint64 shareBitmap; // bit i: the committee's (i+1)-th member submitted a valid share
        uint8 validShares;
        uint64 squarings; // time-locked: T
        // slot: the recovered key (Decrypted) or the stored plaintext (Revealed)
        uint256 key;
        address plaintext;
        // slot: time-locked VDF seed, fixed at submission
        bytes32 vdfSeed;
    }

    ISequencerRegistry public immutable registry;

    mapping(bytes32 txId => TxRecord) private _txs;
    mapping(bytes32 txId => mapping(uint256 x => uint256 share)) private _shares;
    mapping(uint256 epoch => mapping(address validator => uint256 place)) private _places; // 1-based
    mapping(uint256 epoch => address[] members) private _committees;
    uint64 private _sequence;
    uint32 private _epoch;
    uint8 private _threshold;
    uint32 private _revealWindow;
    uint64 private _squaringsPerSecond;

    event RevealWindowUpdated(uint256 seconds_);
    event VDFCalibrationUpdated(uint256 squaringsPerSecond);

    error MEVAlreadyFinalized(bytes32 txId);
    error MEVNotThresholdEncrypted(bytes32 txId);
    error MEVNotTimelocked(bytes32 txId);
    error MEVAlreadyUnlocked(bytes32 txId);
    error MEVNotExpired(bytes32 txId, uint256 deadline);
    error MEVNoCommittee();
    error MEVCommitteeTooLarge(uint256 size, uint256 max);
    error MEVDuplicateValidator(address validator);
    error MEVMalformedPayload();
    error MEVWrongCommitmentCount(uint256 count, uint256 threshold);
    error MEVParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);

    constructor(address admin, ISequencerRegistry registry_, uint256 revealWindow, uint256 squaringsPerSecond) {
        registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GOVERNANCE_ROLE, admin);
        _setRevealWindow(revealWindow);
        _setCalibration(squaringsPerSecond);
    }

    // ─────────────────────────────────────────── submission ──────────────────────────────────────────

    /// @inheritdoc IMEVMitigation
    function submitEncrypted(bytes calldata encryptedTx, bytes32 commitment) external returns (bytes32 txId) {
        if (commitment == bytes32(0)) revert MEVZeroCommitment();
        (uint256[2][] memory feldman, bytes memory ciphertext, ) = _decodeThresholdPayload(encryptedTx);
        txId = _record(commitment, feldman, ciphertext, block.timestamp + _revealWindow, false);
    }

    /// @inheritdoc IMEVMitigation
    function submitTimelocked(bytes calldata encryptedTx, uint256 lockDuration) external returns (bytes32 txId) {
        if (lockDuration == 0 || lockDuration > MAX_LOCK_DURATION) {
            revert MEVLockDurationOutOfRange(lockDuration, 1, MAX_LOCK_DURATION);
        }
        if (encryptedTx.length < 32) revert MEVMalformedPayload();
        bytes32 commitment = bytes32(encryptedTx[0:32]);
        if (commitment == bytes32(0)) revert MEVZeroCommitment();
        (, uint256[2][] memory feldman, bytes memory ciphertext, ) = abi.decode(
            encryptedTx,
            (bytes32, uint256[2][], bytes, bytes)
        );
        _checkPayload(feldman, ciphertext);
        txId = _record(commitment, feldman, ciphertext, block.timestamp + lockDuration + _revealWindow, true);
        TxRecord storage t = _txs[txId];
        uint256 squarings = lockDuration * _squaringsPerSecond;
        t.squarings = uint64(squarings);
        // The VDF input depends on the submission itself and on a block hash nobody knew before the previous
        // block: nobody can start squaring earlier.
        t.vdfSeed = keccak256(abi.encode(txId, blockhash(block.number - 1)));
        emit TimelockedTxSubmitted(txId, msg.sender, squarings);
    }

    // ───────────────────────────────────────────── opening ───────────────────────────────────────────

    /// @inheritdoc IMEVMitigation
    function revealTransaction(bytes32 txId, bytes calldata plaintext, uint256 nonce) external {
        TxRecord storage t = _open(txId);
        bytes memory payload = abi.encodePacked(bytes32(nonce), plaintext);
        if (keccak256(payload) != t.commitment) revert MEVRevealMismatch(txId);
        t.plaintext = DataStore.write(payload);
        t.status = TxStatus.Revealed;
        emit TransactionRevealed(txId);
    }

    /// @inheritdoc IMEVMitigation
    function initThresholdDecryption(
        uint256 threshold,
        address[] calldata validators
    ) external onlyRole(GOVERNANCE_ROLE) {
        address[] memory members = validators.length == 0 ? registry.getSequencerSet() : validators;
        uint256 n = members.length;
        if (n > MAX_COMMITTEE) revert MEVCommitteeTooLarge(n, MAX_COMMITTEE);
        if (threshold == 0 || threshold > n) revert MEVInvalidThreshold(threshold, n);
        uint32 epoch = _epoch + 1;
        for (uint256 i; i < n; ++i) {
            address v = members[i];
            // Validators are Active sequencers, so their registered public keys receive the shares.
            if (!registry.isActiveSequencer(v)) revert MEVNotValidator(v);
            if (_places[epoch][v] != 0) revert MEVDuplicateValidator(v);
            _places[epoch][v] = i + 1;
        }
        _committees[epoch] = members;
        _epoch = epoch;
        _threshold = uint8(threshold);
        emit ThresholdConfigured(threshold, n);
    }

    /// @inheritdoc IMEVMitigation
    function submitKeyShare(bytes32 txId, bytes calldata keyShare) external {
        TxRecord storage t = _open(txId);
        if (t.threshold == 0) revert MEVNotThresholdEncrypted(txId);
        uint256 x = _places[t.committeeEpoch][msg.sender];
        if (x == 0) revert MEVNotValidator(msg.sender);
        uint64 bit = uint64(1 << (x - 1)); // x ≤ MAX_COMMITTEE = 64
        if (t.shareBitmap & bit != 0) revert MEVDuplicateKeyShare(txId, msg.sender);
        if (keyShare.length != 32) revert MEVInvalidKeyShare(txId, msg.sender);
        uint256 s = uint256(bytes32(keyShare));
        if (s == 0 || s >= BN254.R || !_feldmanHolds(t.blob, t.threshold, x, s))
            revert MEVInvalidKeyShare(txId, msg.sender);
        _shares[txId][x] = s;
        t.shareBitmap |= bit;
        t.validShares += 1;
        emit KeyShareAccepted(txId, msg.sender);
    }

    /// @inheritdoc IMEVMitigation
    function decryptTransaction(bytes32 txId) external returns (bytes memory plaintext) {
        TxRecord storage t = _open(txId);
        uint256 threshold = t.threshold;
        if (threshold == 0) revert MEVNotThresholdEncrypted(txId);
        if (t.validShares < threshold) revert MEVNotEnoughShares(txId, t.validShares, threshold);
        uint256 key = _interpolateAtZero(txId, t.shareBitmap, threshold);
        plaintext = _decrypt(t.blob, threshold, key);
        if (keccak256(plaintext) != t.commitment) revert MEVDecryptionMismatch(txId);
        t.key = key;
        t.status = TxStatus.Decrypted;
        emit ThresholdDecrypted(txId);
    }

    /// @inheritdoc IMEVMitigation
    function proveTimeElapsed(bytes32 txId, bytes calldata vdfProof) external {
        TxRecord storage t = _txs[txId];
        if (t.status == TxStatus.None) revert MEVUnknownTransaction(txId);
        if (!t.timelocked) revert MEVNotTimelocked(txId);
        if (t.unlocked) revert MEVAlreadyUnlocked(txId);
        if (t.status != TxStatus.Pending) revert MEVAlreadyFinalized(txId);
        if (vdfProof.length != 2 * 256 + 32) revert MEVInvalidVDFProof(txId);
        // abi.encode(uint256[8] y, uint256[8] π, uint256 nonce): static, so copied straight from calldata.
        uint256[8] memory y;
        uint256[8] memory pi;
        uint256 nonce;
        assembly ("memory-safe") {
            calldatacopy(y, vdfProof.offset, 0x100)
            calldatacopy(pi, add(vdfProof.offset, 0x100), 0x100)
            nonce := calldataload(add(vdfProof.offset, 0x200))
        }
        if (!Wesolowski.verify(Wesolowski.inputFromSeed(t.vdfSeed), y, pi, t.squarings, nonce))
            revert MEVInvalidVDFProof(txId);
        t.unlocked = true;
        emit TimeElapsedProven(txId);
    }

    /// @notice After its deadline, anyone drops an unopened transaction from the order (status `Expired`).
    function expireTransaction(bytes32 txId) external {
        TxRecord storage t = _txs[txId];
        if (t.status == TxStatus.None) revert MEVUnknownTransaction(txId);
        if (t.status != TxStatus.Pending) revert MEVAlreadyFinalized(txId);
        if (block.timestamp <= t.deadline) revert MEVNotExpired(txId, t.deadline);
        t.status = TxStatus.Expired;
        emit TransactionExpired(txId);
    }

    // ──────────────────────────────────────────── ordering ───────────────────────────────────────────

    /**
     * @inheritdoc IMEVMitigation
     * @dev Sorts by `keccak256(abi.encode(blockNumber, txHash))` ascending: a per-block permutation that nobody controls once the hashes are committed, for transactions
     * that arrived in the same block. Across blocks, the arrival sequence ({getTransaction}) is the order.
     */
    function determineFairOrder(
        bytes32[] calldata txHashes,
        uint256 blockNumber
    ) external pure returns (bytes32[] memory ordered) {
        uint256 n = txHashes.length;
        ordered = txHashes;
        uint256[] memory keys = new uint256[](n);
        for (uint256 i; i < n; ++i) keys[i] = uint256(keccak256(abi.encode(blockNumber, txHashes[i])));
        // Heapsort on the keys, moving the hashes along: O(n log n), in place. Equal keys only come from equal
        // hashes, which are indistinguishable, so stability does not matter.
        unchecked {
            for (uint256 start = n / 2; start > 0; --start) _siftDown(keys, ordered, start - 1, n);
            for (uint256 end = n; end > 1; --end) {
                _swap(keys, ordered, 0, end - 1);
                _siftDown(keys, ordered, 0, end - 1);
            }
        }
    }

    function _siftDown(uint256[] memory keys, bytes32[] memory items, uint256 root, uint256 size) private pure {
        unchecked {
            for (uint256 child = 2 * root + 1; child < size; child = 2 * root + 1) {
                if (child + 1 < size && keys[child + 1] > keys[child]) ++child;
                if (keys[root] >= keys[child]) return;
                _swap(keys, items, root, child);
                root = child;
            }
        }
    }

    function _swap(uint256[] memory keys, bytes32[] memory items, uint256 i, uint256 j) private pure {
        (keys[i], keys[j]) = (keys[j], keys[i]);
        (items[i], items[j]) = (items[j], items[i]);
    }

    // ──────────────────────────────────────────── governance ─────────────────────────────────────────

    function setRevealWindow(uint256 seconds_) external onlyRole(GOVERNANCE_ROLE) {
        _setRevealWindow(seconds_);
    }

    /// @notice Squarings per second of lock duration: the speed of a fast prover, so a lock is never shorter
    /// than asked.
    function setVDFCalibration(uint256 squaringsPerSecond) external onlyRole(GOVERNANCE_ROLE) {
        _setCalibration(squaringsPerSecond);
    }

    // ───────────────────────────────────────────── views ─────────────────────────────────────────────

    /// @inheritdoc IMEVMitigation
    function getDecrypted(bytes32 txId) external view returns (bytes memory) {
        TxRecord storage t = _txs[txId];
        if (t.status == TxStatus.Revealed) return DataStore.read(t.plaintext, 0, DataStore.size(t.plaintext));
        if (t.status == TxStatus.Decrypted) return _decrypt(t.blob, t.threshold, t.key);
        return "";
    }

    function getTransaction(bytes32 txId) external view returns (TxRecord memory) {
        return _txs[txId];
    }

    /// @notice The committee of an epoch, in place order (validator i holds the share at x = i + 1).
    function committee(uint256 epoch) external view returns (address[] memory) {
        return _committees[epoch];
    }

    /// @notice (current committee epoch, threshold, reveal window, squarings per second, transactions so far).
    function configuration()
        external
        view
        returns (uint256 epoch, uint256 threshold, uint256 revealWindow, uint256 squaringsPerSecond, uint256 submitted)
    {
        return (_epoch, _threshold, _revealWindow, _squaringsPerSecond, _sequence);
    }

    /// @notice The VDF input of a time-locked transaction, as eight big-endian words.
    function vdfInput(bytes32 txId) external view returns (uint256[8] memory) {
        return Wesolowski.inputFromSeed(_txs[txId].vdfSeed);
    }

    // ──────────────────────────────────────────── internals ──────────────────────────────────────────

    function _decodeThresholdPayload(
        bytes calldata encryptedTx
    ) private view returns (uint256[2][] memory feldman, bytes memory ciphertext, bytes memory shares) {
        (feldman, ciphertext, shares) = abi.decode(encryptedTx, (uint256[2][], bytes, bytes));
        _checkPayload(feldman, ciphertext);
    }

    function _checkPayload(uint256[2][] memory feldman, bytes memory ciphertext) private view {
        if (ciphertext.length == 0) revert MEVEmptyPayload();
        if (ciphertext.length > MAX_CIPHERTEXT) revert MEVPayloadTooLarge(ciphertext.length, MAX_CIPHERTEXT);
        if (_epoch == 0) revert MEVNoCommittee();
        if (feldman.length != _threshold) revert MEVWrongCommitmentCount(feldman.length, _threshold);
    }

    function _record(
        bytes32 commitment,
        uint256[2][] memory feldman,
        bytes memory ciphertext,
        uint256 deadline,
        bool timelocked
    ) private returns (bytes32 txId) {
        uint64 sequence = ++_sequence;
        txId = keccak256(abi.encode(block.chainid, address(this), sequence, msg.sender, commitment));
        TxRecord storage t = _txs[txId];
        t.sender = msg.sender;
        t.sequence = sequence;
        t.status = TxStatus.Pending;
        t.timelocked = timelocked;
        t.threshold = _threshold;
        t.commitment = commitment;
        t.blob = DataStore.write(abi.encodePacked(feldman, ciphertext));
        t.deadline = uint40(deadline);
        t.committeeEpoch = _epoch;
        emit EncryptedTxSubmitted(txId, msg.sender);
    }

    /// @dev The transaction exists, is still to be opened, is within its deadline and, if time-locked, unlocked.
    function _open(bytes32 txId) private view returns (TxRecord storage t) {
        t = _txs[txId];
        TxStatus status = t.status;
        if (status == TxStatus.None) revert MEVUnknownTransaction(txId);
        if (status != TxStatus.Pending) revert MEVAlreadyFinalized(txId);
        if (block.timestamp > t.deadline) revert MEVDeadlinePassed(txId, t.deadline);
        if (t.timelocked && !t.unlocked) revert MEVTimeLocked(txId);
    }

    /// @dev s·G1 == Σ_j x^j·C_j, by Horner's rule: t−1 multiplications and additions, plus s·G1.
    function _feldmanHolds(address blob, uint256 threshold, uint256 x, uint256 s) private view returns (bool) {
        bytes memory c = DataStore.read(blob, 0, 64 * threshold);
        uint256[2] memory acc = _point(c, threshold - 1);
        bool ok;
        for (uint256 j = threshold - 1; j > 0; --j) {
            (acc, ok) = BN254.mul(acc, x);
            if (!ok) return false;
            (acc, ok) = BN254.add(acc, _point(c, j - 1));
            if (!ok) return false;
        }
        uint256[2] memory lhs;
        (lhs, ok) = BN254.mul([uint256(1), 2], s);
        return ok && lhs[0] == acc[0] && lhs[1] == acc[1];
    }

    /// @dev The j-th Feldman commitment in the stored blob.
    function _point(bytes memory c, uint256 j) private pure returns (uint256[2] memory p) {
        assembly ("memory-safe") {
            let at := add(add(c, 0x20), mul(j, 0x40))
            mstore(p, mload(at))
            mstore(add(p, 0x20), mload(add(at, 0x20)))
        }
    }

    /// @dev The first `threshold` submitted shares, as (x, s) pairs.
    function _interpolateAtZero(bytes32 txId, uint64 bitmap, uint256 threshold) private view returns (uint256) {
        uint256[] memory xs = new uint256[](threshold);
        uint256[] memory ss = new uint256[](threshold);
        uint256 found;
        for (uint256 bit; found < threshold; ++bit) {
            if ((uint256(bitmap) >> bit) & 1 != 0) {
                xs[found] = bit + 1;
                ss[found++] = _shares[txId][bit + 1];
            }
        }
        return _lagrangeAtZero(xs, ss);
    }

    /// @dev k = Σ s_i·Π_{j≠i} x_j/(x_j − x_i) mod R, with one modular inversion for all denominators.
    function _lagrangeAtZero(uint256[] memory xs, uint256[] memory ss) private view returns (uint256 key) {
        uint256 t = xs.length;
        uint256 r = BN254.R;
        uint256[] memory num = new uint256[](t);
        uint256[] memory den = new uint256[](t);
        uint256 denProduct = 1;
        // Indices stay below t ≤ 64 and x < R: no overflow.
        unchecked {
            for (uint256 i; i < t; ++i) {
                uint256 nu = 1;
                uint256 de = 1;
                for (uint256 j; j < t; ++j) {
                    if (i == j) continue;
                    nu = mulmod(nu, xs[j], r);
                    de = mulmod(de, addmod(xs[j], r - xs[i], r), r);
                }
                num[i] = nu;
                den[i] = de;
                denProduct = mulmod(denProduct, de, r);
            }
        }
        uint256 inv = BN254.expModR(denProduct, r - 2);
        unchecked {
            for (uint256 i; i < t; ++i) {
                uint256 others = 1; // 1/den_i = inv · Π_{k≠i} den_k
                for (uint256 k; k < t; ++k) if (k != i) others = mulmod(others, den[k], r);
                key = addmod(key, mulmod(ss[i], mulmod(num[i], mulmod(inv, others, r), r), r), r);
            }
        }
    }

    /// @dev The stored ciphertext xor keystream(key): block j = keccak256(abi.encode(key, j)).
    function _decrypt(address blob, uint256 threshold, uint256 key) private view returns (bytes memory out) {
        uint256 offset = 64 * threshold;
        out = DataStore.read(blob, offset, DataStore.size(blob) - offset);
        assembly ("memory-safe") {
            let len := mload(out)
            let data := add(out, 0x20)
            let scratch := mload(0x40)
            mstore(scratch, key)
            for {
                let j := 0
            } lt(mul(j, 0x20), len) {
                j := add(j, 1)
            } {
                mstore(add(scratch, 0x20), j)
                let ptr := add(data, mul(j, 0x20))
                mstore(ptr, xor(mload(ptr), keccak256(scratch, 0x40)))
            }
            // The last word ran past `len`: clear those bytes, ABI encoding copies whole words.
            mstore(add(data, len), 0)
        }
    }

    function _setRevealWindow(uint256 seconds_) private {
        if (seconds_ < MIN_REVEAL_WINDOW || seconds_ > MAX_REVEAL_WINDOW) {
            revert MEVParameterOutOfBounds("revealWindow", seconds_, MIN_REVEAL_WINDOW, MAX_REVEAL_WINDOW);
        }
        _revealWindow = uint32(seconds_);
        emit RevealWindowUpdated(seconds_);
    }

    function _setCalibration(uint256 squaringsPerSecond) private {
        if (squaringsPerSecond < MIN_SQUARINGS_PER_SECOND || squaringsPerSecond > MAX_SQUARINGS_PER_SECOND) {
            revert MEVParameterOutOfBounds(
                "squaringsPerSecond",
                squaringsPerSecond,
                MIN_SQUARINGS_PER_SECOND,
                MAX_SQUARINGS_PER_SECOND
            );
        }
        _squaringsPerSecond = uint64(squaringsPerSecond);
        emit VDFCalibrationUpdated(squaringsPerSecond);
    }
}
