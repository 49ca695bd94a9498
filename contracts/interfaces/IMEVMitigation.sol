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

    event EncryptedTxSubmitted(bytes32 indexed txId, address sender);
    event TransactionRevealed(bytes32 indexed txId);
    event ThresholdDecrypted(bytes32 indexed txId);

    event ThresholdConfigured(uint256 threshold, uint256 validatorCount);
    event KeyShareAccepted(bytes32 indexed txId, address indexed validator);
    event TimelockedTxSubmitted(bytes32 indexed txId, address sender, uint256 squarings);
    event TimeElapsedProven(bytes32 indexed txId);
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
    function submitEncrypted(bytes calldata encryptedTx, bytes32 commitment) external returns (bytes32 txId);

    /// @notice Commit-reveal path: accepted only if `plaintext` and `nonce` match the commitment, before the
    /// reveal deadline.
    function revealTransaction(bytes32 txId, bytes calldata plaintext, uint256 nonce) external;

    /// @notice Governance: sets the t-of-n committee (an empty list means the registry's active sequencers,
    /// with their registered public keys).
    function initThresholdDecryption(uint256 threshold, address[] calldata validators) external;

    /// @notice A validator submits its decrypted share of a transaction's key; checked against the Feldman
    /// commitments carried in the encrypted transaction.
    function submitKeyShare(bytes32 txId, bytes calldata keyShare) external;

    /// @notice With `threshold` valid shares, recovers the key, decrypts `ciphertext` (checked against the hash
    /// fixed at submission) on chain and checks the plaintext against the commitment; returns the plaintext.
    function decryptTransaction(bytes32 txId, bytes calldata ciphertext) external returns (bytes memory);

    /// @notice The plaintext of a decrypted or revealed transaction (empty before); a decrypted one is
    /// recomputed from its key (from the stored shares, or stored) and `ciphertext`, which must be the submitted one.
    function getDecrypted(bytes32 txId, bytes calldata ciphertext) external view returns (bytes memory);

    /// @notice Queues a transaction sealed by an RSW time-lock puzzle whose squarings cover at least
    /// `lockDuration` at the governed calibration; only the sender can read it before the puzzle is solved.
    function submitTimelocked(bytes calldata encryptedTx, uint256 lockDuration) external returns (bytes32);

    /// @notice After the unlock time, verifies the puzzle's solution with its Wesolowski proof, derives the key
    /// from it and decrypts the transaction.
    function proveTimeElapsed(bytes32 txId, bytes calldata vdfProof) external;

    /// @notice Deterministic permutation of `txHashes` for `blockNumber` (the implementation documents the rule).
    function determineFairOrder(
        bytes32[] calldata txHashes,
        uint256 blockNumber
    ) external pure returns (bytes32[] memory);
}
