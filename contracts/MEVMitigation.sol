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
 * committee (on-chain threshold decryption), or, for time-locked ones, by whoever solves their RSW puzzle.
 *
 * The chain keeps only what ordering and verification need: one storage word per transaction (its sequence,
 * deadlines, committee and a hash of its content); the commitment is bound by the transaction id. The
 * ciphertext travels in the submission's calldata (no event: 8 gas a byte more) and is passed again to open it.
 *
 * Formats (built by `sdk/threshold.ts` and `sdk/timelock.ts`):
 * - Plaintext payload `P = abi.encodePacked(bytes32 salt, bytes tx)`; commitment `keccak256(P)`. The random salt
 *   stops anyone from confirming a guess of a low-entropy transaction.
 * - `txId = keccak256(abi.encode(chainid, this, sequence, commitment))`: the id binds the commitment, so it
 *   needs no storage word of its own.
 * - Threshold: `encryptedTx = abi.encodePacked(uint8 t, uint8 n, bytes32[t] feldman, bytes sealedShares, bytes
 *   ciphertext)`: `feldman` are the commitments `C_j = a_j·G1` (j < t), compressed (x, with y's parity in bit
 *   255), of the polynomial that shares the key `k = a_0` over the BN254 scalar field, validator i holding
 *   `s_i = f(i)` (i from 1, its place in the committee); `sealedShares` (33 + 32n bytes) carries each validator's
 *   share encrypted to its registered public key (read off chain); `ciphertext = P xor keystream(k)` with
 *   keystream block j = keccak256(abi.encode(k, j)). Content hash:
 *   `keccak256(abi.encode(keccak256(ciphertext), keccak256(feldman)))`.
 * - Key share: `abi.encode(uint256 s, uint256[2][] feldman, bytes32 ciphertextHash)` with the points in full,
 *   accepted iff their compressed form and the hash match the content hash and `s·G1 == Σ_j x^j·C_j` (x the
 *   validator's place).
 * - Time-locked: `encryptedTx = abi.encode(bytes32 commitment, Puzzle puzzle, bytes ciphertext)`, the puzzle
 *   (N, x, T) an RSW puzzle on the sender's 2048-bit RSA modulus; `ciphertext = P xor keystream(k)` with
 *   `k = keccak256(abi.encode(y))`, `y = x^(2^T) mod N` (the sender computes y with φ(N); anyone else needs T
 *   sequential squarings). Content hash: `keccak256(abi.encode(keccak256(ciphertext), keccak256(abi.encode(puzzle))))`.
 *   Opening: `proveTimeElapsed(txId, abi.encode(Puzzle puzzle, uint256[8] y, uint256[8] π, uint256 nonce,
 *   bytes ciphertext))`, π a Wesolowski proof. No committee share exists for it, and none is accepted.
 * - Reveal: `revealTransaction(txId, tx, salt)` is accepted iff `keccak256(abi.encodePacked(bytes32(salt), tx))`
 *   is the commitment the id binds.
 *
 * The content hash is stored in 120 bits, the rest of the word holding the record: finding a second content for
 * a given hash takes 2^120 work. A sender could find two contents of one hash in 2^60, but gains nothing from it:
 * every opening checks the plaintext against the full 256-bit commitment (docs/MEV.md).
 *
 * Deadlines: a transaction must be opened by its deadline (submission + `revealWindow`; for time-locked ones
 * the unlock time plus `OPENING_SLACK` lock durations for the solver, plus `revealWindow`). After it, anyone may
 * mark it `Expired`: it is dropped from the order and can never be opened. No funds are held.
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
    /// @dev The calibration assumes a solver ten times faster than native GMP; an honest solver may be that much
    /// slower, so a time-locked transaction stays openable for ten lock durations after it unlocks.
    uint256 public constant OPENING_SLACK = 10;

    enum TxStatus {
        None,
        Pending,
        Revealed,
        Decrypted,
        Expired
    }

    /// @dev One storage word per transaction.
    struct TxRecord {
        uint40 sequence; // arrival order, from 1
        uint32 deadline; // last second it can be opened
        uint32 unlockTime; // time-locked: first second its puzzle's solution is accepted; 0 for threshold
        uint24 committeeEpoch; // threshold: the committee holding its shares; 0 for time-locked
        TxStatus status;
        uint120 contentHash; // see the formats above
    }

    /// @dev Written by the first key share: which places shared, and the ciphertext hash the shares vouched for.
    struct ShareProgress {
        uint64 shareBitmap; // bit i: the committee's (i+1)-th member submitted a valid share
        uint8 validShares;
        uint184 ciphertextHash;
    }

    struct Puzzle {
        uint256[8] modulus; // N, big-endian words
        uint256[8] base; // x
        uint256 squarings; // T
    }

    ISequencerRegistry public immutable registry;

    mapping(bytes32 txId => TxRecord) private _txs;
    mapping(bytes32 txId => ShareProgress) private _progress;
    mapping(bytes32 txId => mapping(uint256 x => uint256 share)) private _shares;
    mapping(bytes32 txId => uint256 key) private _keys; // time-locked and Decrypted: keccak256(y)
    mapping(bytes32 txId => address store) private _plaintexts; // Revealed: the plaintext, as DataStore code
    mapping(bytes32 txId => address sender) private _lockSenders; // time-locked: who may reveal it before unlockTime
    mapping(uint256 epoch => mapping(address validator => uint256 place)) private _places; // 1-based
    mapping(uint256 epoch => address[] members) private _committees;
    mapping(uint256 epoch => uint256 threshold) private _thresholds;
    uint40 private _sequence;
    uint24 private _epoch;
    uint8 private _threshold;
    uint32 private _revealWindow;
    uint64 private _squaringsPerSecond;

    event RevealWindowUpdated(uint256 seconds_);
    event VDFCalibrationUpdated(uint256 squaringsPerSecond);

    error MEVAlreadyFinalized(bytes32 txId);
    error MEVNotThresholdEncrypted(bytes32 txId);
    error MEVNotTimelocked(bytes32 txId);
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
        // Packed, read in place: t (1 byte), n (1 byte), t compressed Feldman commitments (32 bytes each), the
        // sealed shares (33 + 32n bytes, for the validators), then the ciphertext.
        if (encryptedTx.length < 2) revert MEVMalformedPayload();
        uint256 points = uint8(encryptedTx[0]);
        uint256 start = 2 + 32 * points + 33 + 32 * uint256(uint8(encryptedTx[1]));
        if (encryptedTx.length < start) revert MEVMalformedPayload();
        bytes calldata ciphertext = encryptedTx[start:];
        _checkCiphertextLength(ciphertext.length);
        uint24 epoch = _epoch;
        if (epoch == 0) revert MEVNoCommittee();
        if (points != _threshold) revert MEVWrongCommitmentCount(points, _threshold);
        bytes calldata feldman = encryptedTx[2:2 + 32 * points];
        uint120 content = _contentHash(keccak256(ciphertext), keccak256(feldman));
        txId = _record(commitment, block.timestamp + _revealWindow, 0, epoch, content);
    }

    /// @inheritdoc IMEVMitigation
    function submitTimelocked(bytes calldata encryptedTx, uint256 lockDuration) external returns (bytes32 txId) {
        if (lockDuration == 0 || lockDuration > MAX_LOCK_DURATION) {
            revert MEVLockDurationOutOfRange(lockDuration, 1, MAX_LOCK_DURATION);
        }
        (bytes32 commitment, uint256 squarings, uint120 content) = _checkTimelocked(encryptedTx, lockDuration);
        uint256 unlockTime = block.timestamp + lockDuration;
        txId = _record(commitment, unlockTime + OPENING_SLACK * lockDuration + _revealWindow, unlockTime, 0, content);
        _lockSenders[txId] = msg.sender;
        emit TimelockedTxSubmitted(txId, msg.sender, squarings);
    }

    // ───────────────────────────────────────────── opening ───────────────────────────────────────────

    /// @inheritdoc IMEVMitigation
    /// @dev Open to whoever knows the plaintext and salt: before decryption, in practice only the sender. A
    /// time-locked transaction before its unlock time only by the account that submitted it: a solver faster than
    /// the calibration learns the plaintext early, but cannot make it public on chain before the lock ends.
    function revealTransaction(bytes32 txId, bytes calldata plaintext, uint256 nonce) external {
        TxRecord storage t = _open(txId);
        if (block.timestamp < t.unlockTime && msg.sender != _lockSenders[txId]) revert MEVTimeLocked(txId);
        bytes memory payload = abi.encodePacked(bytes32(nonce), plaintext);
        if (!_binds(txId, t.sequence, keccak256(payload))) revert MEVRevealMismatch(txId);
        _plaintexts[txId] = DataStore.write(payload);
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
        uint24 epoch = _epoch + 1;
        for (uint256 i; i < n; ++i) {
            address v = members[i];
            // Validators are Active sequencers, so their registered public keys receive the shares.
            if (!registry.isActiveSequencer(v)) revert MEVNotValidator(v);
            if (_places[epoch][v] != 0) revert MEVDuplicateValidator(v);
            _places[epoch][v] = i + 1;
        }
        _committees[epoch] = members;
        _thresholds[epoch] = threshold;
        _epoch = epoch;
        _threshold = uint8(threshold);
        emit ThresholdConfigured(threshold, n);
    }

    /// @inheritdoc IMEVMitigation
    function submitKeyShare(bytes32 txId, bytes calldata keyShare) external {
        TxRecord storage t = _open(txId);
        uint256 epoch = t.committeeEpoch;
        // A time-locked transaction has no committee: its key depends only on the puzzle's solution.
        if (epoch == 0) revert MEVNotThresholdEncrypted(txId);
        uint256 x = _places[epoch][msg.sender];
        if (x == 0) revert MEVNotValidator(msg.sender);
        ShareProgress memory progress = _progress[txId];
        uint64 bit = uint64(1 << (x - 1)); // x ≤ MAX_COMMITTEE = 64
        if (progress.shareBitmap & bit != 0) revert MEVDuplicateKeyShare(txId, msg.sender);
        if (keyShare.length < 96) revert MEVInvalidKeyShare(txId, msg.sender);
        (uint256 s, uint256[2][] memory feldman, bytes32 ciphertextHash) = abi.decode(
            keyShare,
            (uint256, uint256[2][], bytes32)
        );
        if (_contentHash(ciphertextHash, _compressedHash(feldman)) != t.contentHash) {
            revert MEVCiphertextMismatch(txId);
        }
        if (s == 0 || s >= BN254.R || !_feldmanHolds(feldman, x, s)) revert MEVInvalidKeyShare(txId, msg.sender);
        _shares[txId][x] = s;
        _progress[txId] = ShareProgress({
            shareBitmap: progress.shareBitmap | bit,
            validShares: progress.validShares + 1,
            ciphertextHash: uint184(uint256(ciphertextHash))
        });
        emit KeyShareAccepted(txId, msg.sender);
    }

    /// @inheritdoc IMEVMitigation
    function decryptTransaction(bytes32 txId, bytes calldata ciphertext) external returns (bytes memory plaintext) {
        TxRecord storage t = _open(txId);
        uint256 epoch = t.committeeEpoch;
        if (epoch == 0) revert MEVNotThresholdEncrypted(txId);
        uint256 threshold = _thresholds[epoch];
        ShareProgress memory progress = _progress[txId];
        if (progress.validShares < threshold) revert MEVNotEnoughShares(txId, progress.validShares, threshold);
        if (uint184(uint256(keccak256(ciphertext))) != progress.ciphertextHash) revert MEVCiphertextMismatch(txId);
        uint256 key = _interpolateAtZero(txId, progress.shareBitmap, threshold);
        plaintext = _xorKeystream(ciphertext, key);
        if (!_binds(txId, t.sequence, keccak256(plaintext))) revert MEVDecryptionMismatch(txId);
        // The key is not stored: the shares are, and take no more once decrypted ({getDecrypted} interpolates).
        t.status = TxStatus.Decrypted;
        emit ThresholdDecrypted(txId);
    }

    /// @inheritdoc IMEVMitigation
    function proveTimeElapsed(bytes32 txId, bytes calldata vdfProof) external {
        TxRecord storage t = _open(txId);
        if (t.unlockTime == 0) revert MEVNotTimelocked(txId);
        if (block.timestamp < t.unlockTime) revert MEVTimeLocked(txId);
        if (vdfProof.length < 1120) revert MEVInvalidVDFProof(txId); // the static head: 17 + 8 + 8 + 1 + 1 words
        (Puzzle memory puzzle, uint256[8] memory y, uint256[8] memory pi, uint256 nonce, bytes memory ciphertext) = abi
            .decode(vdfProof, (Puzzle, uint256[8], uint256[8], uint256, bytes));
        if (_contentHash(keccak256(ciphertext), keccak256(abi.encode(puzzle))) != t.contentHash) {
            revert MEVCiphertextMismatch(txId);
        }
        if (!Wesolowski.verify(puzzle.modulus, puzzle.base, y, pi, puzzle.squarings, nonce)) {
            revert MEVInvalidVDFProof(txId);
        }
        uint256 key = uint256(keccak256(abi.encode(y)));
        if (!_binds(txId, t.sequence, keccak256(_xorKeystreamMemory(ciphertext, key)))) {
            revert MEVDecryptionMismatch(txId);
        }
        _keys[txId] = key;
        t.status = TxStatus.Decrypted;
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
    function getDecrypted(bytes32 txId, bytes calldata ciphertext) external view returns (bytes memory plaintext) {
        TxRecord storage t = _txs[txId];
        if (t.status == TxStatus.Revealed) {
            address store = _plaintexts[txId];
            return DataStore.read(store, 0, DataStore.size(store));
        }
        if (t.status != TxStatus.Decrypted) return "";
        uint256 epoch = t.committeeEpoch;
        uint256 key =
            epoch == 0 ? _keys[txId] : _interpolateAtZero(txId, _progress[txId].shareBitmap, _thresholds[epoch]);
        plaintext = _xorKeystream(ciphertext, key);
        if (!_binds(txId, t.sequence, keccak256(plaintext))) revert MEVCiphertextMismatch(txId);
    }

    function getTransaction(bytes32 txId) external view returns (TxRecord memory) {
        return _txs[txId];
    }

    /// @notice Which committee places have given a valid key share for `txId` (bit i: place i + 1), and how many.
    function keyShares(bytes32 txId) external view returns (uint256 bitmap, uint256 valid) {
        ShareProgress storage p = _progress[txId];
        return (p.shareBitmap, p.validShares);
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

    // ──────────────────────────────────────────── internals ──────────────────────────────────────────

    function _checkCiphertextLength(uint256 length) private pure {
        if (length == 0) revert MEVEmptyPayload();
        if (length > MAX_CIPHERTEXT) revert MEVPayloadTooLarge(length, MAX_CIPHERTEXT);
    }

    /// @dev keccak256 of the points as submitted: each x with y's parity in bit 255 (x < p < 2^254). A point whose
    /// coordinates are not reduced or not on the curve fails the Feldman check's precompile calls.
    function _compressedHash(uint256[2][] memory points) private pure returns (bytes32) {
        uint256[] memory packed = new uint256[](points.length);
        for (uint256 i; i < points.length; ++i) packed[i] = points[i][0] | ((points[i][1] & 1) << 255);
        return keccak256(abi.encodePacked(packed));
    }

    /// @dev The commitment, T and content hash of a well-formed time-locked payload whose puzzle covers the lock.
    function _checkTimelocked(
        bytes calldata encryptedTx,
        uint256 lockDuration
    ) private view returns (bytes32 commitment, uint256 squarings, uint120 content) {
        if (encryptedTx.length < 32) revert MEVMalformedPayload();
        if (bytes32(encryptedTx[0:32]) == bytes32(0)) revert MEVZeroCommitment();
        Puzzle memory puzzle;
        bytes memory ciphertext;
        (commitment, puzzle, ciphertext) = abi.decode(encryptedTx, (bytes32, Puzzle, bytes));
        _checkCiphertextLength(ciphertext.length);
        if (!Wesolowski.isPuzzle(puzzle.modulus, puzzle.base)) revert MEVInvalidPuzzle();
        uint256 minimum = lockDuration * _squaringsPerSecond;
        squarings = puzzle.squarings;
        if (squarings < minimum) revert MEVPuzzleTooShort(squarings, minimum);
        content = _contentHash(keccak256(ciphertext), keccak256(abi.encode(puzzle)));
    }

    function _contentHash(bytes32 ciphertextHash, bytes32 keyMaterialHash) private pure returns (uint120) {
        return uint120(uint256(keccak256(abi.encode(ciphertextHash, keyMaterialHash))));
    }

    /// @dev True iff `commitment` is the one `txId` was issued for.
    function _binds(bytes32 txId, uint256 sequence, bytes32 commitment) private view returns (bool) {
        return keccak256(abi.encode(block.chainid, address(this), sequence, commitment)) == txId;
    }

    function _record(
        bytes32 commitment,
        uint256 deadline,
        uint256 unlockTime,
        uint24 epoch,
        uint120 contentHash
    ) private returns (bytes32 txId) {
        uint40 sequence = ++_sequence;
        txId = keccak256(abi.encode(block.chainid, address(this), sequence, commitment));
        _txs[txId] = TxRecord({
            sequence: sequence,
            deadline: uint32(deadline),
            unlockTime: uint32(unlockTime),
            committeeEpoch: epoch,
            status: TxStatus.Pending,
            contentHash: contentHash
        });
        emit EncryptedTxSubmitted(txId, msg.sender);
    }

    /// @dev The transaction exists, is still to be opened and is within its deadline.
    function _open(bytes32 txId) private view returns (TxRecord storage t) {
        t = _txs[txId];
        TxStatus status = t.status;
        if (status == TxStatus.None) revert MEVUnknownTransaction(txId);
        if (status != TxStatus.Pending) revert MEVAlreadyFinalized(txId);
        if (block.timestamp > t.deadline) revert MEVDeadlinePassed(txId, t.deadline);
    }

    /// @dev s·G1 == Σ_j x^j·C_j, by Horner's rule: t−1 multiplications and additions, plus s·G1.
    function _feldmanHolds(uint256[2][] memory c, uint256 x, uint256 s) private view returns (bool) {
        uint256 threshold = c.length;
        uint256[2] memory acc = c[threshold - 1];
        bool ok;
        for (uint256 j = threshold - 1; j > 0; --j) {
            (acc, ok) = BN254.mul(acc, x);
            if (!ok) return false;
            (acc, ok) = BN254.add(acc, c[j - 1]);
            if (!ok) return false;
        }
        uint256[2] memory lhs;
        (lhs, ok) = BN254.mul([uint256(1), 2], s);
        return ok && lhs[0] == acc[0] && lhs[1] == acc[1];
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

    /// @dev k = Σ s_i·Π_{j≠i} x_j/(x_j − x_i) mod R, with one modular inversion for all denominators (batch inversion).
    function _lagrangeAtZero(uint256[] memory xs, uint256[] memory ss) private view returns (uint256 key) {
        uint256 t = xs.length;
        uint256 r = BN254.R;
        uint256[] memory num = new uint256[](t);
        uint256[] memory den = new uint256[](t);
        uint256[] memory prefix = new uint256[](t); // Π_{k<i} den_k
        uint256 denProduct = 1;
        // The t² products, in assembly (the checked array reads cost three times as much): for each i,
        // num_i = Π_{j≠i} x_j and den_i = Π_{j≠i} (x_j − x_i), all mod R; 1 ≤ x ≤ 64 < R.
        assembly ("memory-safe") {
            let xsData := add(xs, 0x20)
            for {
                let i := 0
            } lt(i, t) {
                i := add(i, 1)
            } {
                let negXi := sub(r, mload(add(xsData, shl(5, i))))
                let nu := 1
                let de := 1
                for {
                    let j := 0
                } lt(j, t) {
                    j := add(j, 1)
                } {
                    if iszero(eq(i, j)) {
                        let xj := mload(add(xsData, shl(5, j)))
                        nu := mulmod(nu, xj, r)
                        de := mulmod(de, addmod(xj, negXi, r), r)
                    }
                }
                let at := shl(5, add(i, 1))
                mstore(add(num, at), nu)
                mstore(add(den, at), de)
                mstore(add(prefix, at), denProduct)
                denProduct := mulmod(denProduct, de, r)
            }
        }
        // Batch inversion, backwards: `inv` is 1/Π_{k≤i} den_k, so 1/den_i = inv · Π_{k<i} den_k.
        uint256 inv = BN254.expModR(denProduct, r - 2);
        unchecked {
            for (uint256 i = t; i > 0;) {
                --i;
                uint256 invDen = mulmod(inv, prefix[i], r);
                inv = mulmod(inv, den[i], r);
                key = addmod(key, mulmod(ss[i], mulmod(num[i], invDen, r), r), r);
            }
        }
    }

    /// @dev data xor keystream(key): block j = keccak256(abi.encode(key, j)).
    function _xorKeystream(bytes calldata data, uint256 key) private pure returns (bytes memory out) {
        out = data;
        _xorInPlace(out, key);
    }

    function _xorKeystreamMemory(bytes memory data, uint256 key) private pure returns (bytes memory) {
        _xorInPlace(data, key);
        return data;
    }

    function _xorInPlace(bytes memory out, uint256 key) private pure {
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
            // The last word ran past `len`: clear those bytes (within the word), ABI encoding copies whole words.
            let rem := and(len, 31)
            if rem {
                let last := add(data, sub(len, rem))
                mstore(last, and(mload(last), not(shr(mul(rem, 8), not(0)))))
            }
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
