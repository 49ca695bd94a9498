// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IMEVMitigation
 * @notice LP-504 encrypted mempool: transactions are numbered on arrival (fixing the fair order before anyone
 * can read them), then revealed (commit-reveal), decrypted by a threshold of validators, or unlocked by a
 * verifiable delay function.
 *
 * Adaptations (docs/ADAPTATIONS.md): `ThresholdDecryption` keeps its mapping in storage only. The ciphertext
 * is not stored (only its hash): `decryptTransaction` and `getDecrypted` take it again as calldata, and
 * `proveTimeElapsed`'s proof carries the puzzle and the ciphertext.
 */
interface IMEVMitigation {
    struct EncryptedTransaction {
        bytes encryptedData;
        bytes32 commitment; // hash of the (salted) plaintext
        uint256 revealDeadline;
        address sender;
    }

    /// @dev Storage-only: the key-share mapping cannot cross the ABI.
    struct ThresholdDecryption {
        uint256 threshold; // min validators for decryption
        address[] validators;
        mapping(address => bytes) keyShares;
    }

    struct TimelockedTransaction {
        bytes32 txHash;
        uint256 unlockTime;
        bytes encryptedTx;
        bytes timeProof; // VDF proof
    }

    /// @notice An encrypted transaction was queued ({submitEncrypted}); its place in the fair order is fixed.
    /// @param txId Its id.
    /// @param sender The account that submitted it.
    event EncryptedTxSubmitted(bytes32 indexed txId, address sender);
    /// @notice A transaction was opened by commit-reveal ({revealTransaction}).
    /// @param txId The transaction.
    event TransactionRevealed(bytes32 indexed txId);
    /// @notice A transaction was decrypted on chain from a threshold of key shares ({decryptTransaction}).
    /// @param txId The transaction.
    event ThresholdDecrypted(bytes32 indexed txId);

    /// @notice Governance set the t-of-n decryption committee ({initThresholdDecryption}); a new committee epoch
    /// starts.
    /// @param threshold Shares needed to recover a key (t).
    /// @param validatorCount Committee size (n).
    event ThresholdConfigured(uint256 threshold, uint256 validatorCount);
    /// @notice A validator's key share passed the Feldman check ({submitKeyShare}).
    /// @param txId The transaction.
    /// @param validator The validator that submitted it.
    event KeyShareAccepted(bytes32 indexed txId, address indexed validator);
    /// @notice A time-locked transaction was queued ({submitTimelocked}).
    /// @param txId Its id.
    /// @param sender The account that submitted it.
    /// @param squarings Sequential squarings the puzzle needs (its delay at the governed calibration).
    event TimelockedTxSubmitted(bytes32 indexed txId, address sender, uint256 squarings);
    /// @notice A time-lock puzzle's solution was proven and the transaction decrypted ({proveTimeElapsed}).
    /// @param txId The transaction.
    event TimeElapsedProven(bytes32 indexed txId);
    /// @notice An unopened transaction passed its deadline and was dropped from the order.
    /// @param txId The transaction.
    event TransactionExpired(bytes32 indexed txId);

    error MEVEmptyPayload();
    error MEVPayloadTooLarge(uint256 length, uint256 maxLength);
    error MEVZeroCommitment();
    error MEVUnknownTransaction(bytes32 txId);
    error MEVRevealMismatch(bytes32 txId);
    error MEVDeadlinePassed(bytes32 txId, uint256 deadline);
    error MEVInvalidThreshold(uint256 threshold, uint256 validatorCount);
    error MEVNotValidator(address caller);
    error MEVInvalidKeyShare(bytes32 txId, address validator);
    error MEVDuplicateKeyShare(bytes32 txId, address validator);
    error MEVNotEnoughShares(bytes32 txId, uint256 valid, uint256 threshold);
    error MEVDecryptionMismatch(bytes32 txId);
    error MEVTimeLocked(bytes32 txId);
    error MEVInvalidVDFProof(bytes32 txId);
    error MEVLockDurationOutOfRange(uint256 lockDuration, uint256 min, uint256 max);
    /// @notice The ciphertext (or, for a time-lock, the puzzle) given differs from the one submitted.
    error MEVCiphertextMismatch(bytes32 txId);
    /// @notice A time-lock puzzle needs fewer squarings than its lock duration at the governed calibration.
    error MEVPuzzleTooShort(uint256 squarings, uint256 minimum);
    /// @notice A time-lock puzzle's modulus is not an odd 2048-bit number, or its base is trivial.
    error MEVInvalidPuzzle();

    /// @notice Queues an encrypted transaction. Its position in the fair order is fixed here, before anyone
    /// can decrypt it. `commitment` binds the plaintext (salted; the implementation documents the formula).
    /// @param encryptedTx Packed: t (1 byte), n (1 byte), t compressed Feldman commitments (32 bytes each), the sealed
    /// shares (33 + 32n bytes), then the ciphertext.
    /// @param commitment Hash binding the salted plaintext (not zero).
    /// @return txId The transaction's id.
    function submitEncrypted(bytes calldata encryptedTx, bytes32 commitment) external returns (bytes32 txId);

    /// @notice Commit-reveal path: accepted only if `plaintext` and `nonce` match the commitment, before the
    /// reveal deadline.
    /// @param txId The transaction's id (from {submitEncrypted} or {submitTimelocked}).
    /// @param plaintext The transaction's plaintext.
    /// @param nonce The salt the commitment was made with.
    function revealTransaction(bytes32 txId, bytes calldata plaintext, uint256 nonce) external;

    /// @notice Governance: sets the t-of-n committee (an empty list means the registry's active sequencers,
    /// with their registered public keys).
    /// @param threshold Shares needed to recover a key (1 ≤ t ≤ n).
    /// @param validators The committee: Active sequencers, no duplicates, at most 64; empty for the whole Active set.
    function initThresholdDecryption(uint256 threshold, address[] calldata validators) external;

    /// @notice A validator submits its decrypted share of a transaction's key; checked against the Feldman
    /// commitments carried in the encrypted transaction.
    /// @param txId The transaction's id (from {submitEncrypted} or {submitTimelocked}).
    /// @param keyShare `abi.encode(uint256 share, uint256[2][] commitments, bytes32 ciphertextHash)`: the caller's
    /// decrypted share, the Feldman commitments and the ciphertext's hash as submitted.
    function submitKeyShare(bytes32 txId, bytes calldata keyShare) external;

    /// @notice With `threshold` valid shares, recovers the key, decrypts `ciphertext` (checked against the hash
    /// fixed at submission) on chain and checks the plaintext against the commitment; returns the plaintext.
    /// @param txId The transaction's id (from {submitEncrypted} or {submitTimelocked}).
    /// @param ciphertext The ciphertext as submitted (its hash is checked).
    /// @return The plaintext.
    function decryptTransaction(bytes32 txId, bytes calldata ciphertext) external returns (bytes memory);

    /// @notice The plaintext of a decrypted or revealed transaction (empty before); a decrypted one is
    /// recomputed from its key (from the stored shares, or stored) and `ciphertext`, which must be the submitted one.
    /// @param txId The transaction's id (from {submitEncrypted} or {submitTimelocked}).
    /// @param ciphertext The ciphertext as submitted.
    /// @return The plaintext, or empty bytes if the transaction is not open yet.
    function getDecrypted(bytes32 txId, bytes calldata ciphertext) external view returns (bytes memory);

    /// @notice Queues a transaction sealed by an RSW time-lock puzzle whose squarings cover at least
    /// `lockDuration` at the governed calibration; only the sender can read it before the puzzle is solved.
    /// @param encryptedTx The sealed transaction with its RSW puzzle (modulus, base, squarings), as the implementation
    /// encodes it.
    /// @param lockDuration Minimum time the puzzle must take to solve, in seconds.
    /// @return The transaction's id.
    function submitTimelocked(bytes calldata encryptedTx, uint256 lockDuration) external returns (bytes32);

    /// @notice After the unlock time, verifies the puzzle's solution with its Wesolowski proof, derives the key
    /// from it and decrypts the transaction.
    /// @param txId The transaction's id (from {submitEncrypted} or {submitTimelocked}).
    /// @param vdfProof The puzzle's solution, its Wesolowski proof, the puzzle and the ciphertext.
    function proveTimeElapsed(bytes32 txId, bytes calldata vdfProof) external;

    /// @notice Deterministic permutation of `txHashes` for `blockNumber` (the implementation documents the rule).
    /// @param txHashes Hashes of transactions that arrived in the same block.
    /// @param blockNumber The block whose ordering is computed (it seeds the permutation).
    /// @return The same hashes in fair order.
    function determineFairOrder(
        bytes32[] calldata txHashes,
        uint256 blockNumber
    ) external pure returns (bytes32[] memory);
}
