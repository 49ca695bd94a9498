// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IMEVMitigation
 * @notice LP-504 encrypted mempool: transactions are numbered on arrival (fixing the fair order before anyone
 * can read them), then revealed (commit-reveal), decrypted by a threshold of validators, or unlocked by a
 * verifiable delay function.
 *
 * Adaptations (DESIGN.md section 4): `ThresholdDecryption` keeps its mapping in storage only;
 * `decryptTransaction` stays non-view and also stores the plaintext, readable with `getDecrypted`.
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

    function submitEncrypted(bytes calldata encryptedTx, bytes32 commitment) external returns (bytes32 txId);

    function revealTransaction(bytes32 txId, bytes calldata plaintext, uint256 nonce) external;

    function initThresholdDecryption(uint256 threshold, address[] calldata validators) external;

    function submitKeyShare(bytes32 txId, bytes calldata keyShare) external;

    function decryptTransaction(bytes32 txId) external returns (bytes memory);

    /// @notice The plaintext of a decrypted or revealed transaction (empty before).
    function getDecrypted(bytes32 txId) external view returns (bytes memory);

    function submitTimelocked(bytes calldata encryptedTx, uint256 lockDuration) external returns (bytes32);

    function proveTimeElapsed(bytes32 txId, bytes calldata vdfProof) external;

    function determineFairOrder(
        bytes32[] calldata txHashes,
        uint256 blockNumber
    ) external pure returns (bytes32[] memory);
}
