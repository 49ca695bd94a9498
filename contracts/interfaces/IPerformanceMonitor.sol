// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IPerformanceMonitor
 * @notice LP-504 performance monitoring: block production, missed slots and reorgs per sequencer and period,
 * quality scores, SLA checks and penalties, and reputation. As written in the spec.
 */
interface IPerformanceMonitor {
    struct PerformanceMetrics {
        uint256 blocksProduced;
        uint256 transactionsProcessed;
        uint256 avgBlockTime;
        uint256 avgGasUsed;
        uint256 uptime; // basis points
        uint256 missedSlots;
        uint256 reorgCount;
        uint256 latency; // average, in ms
    }

    struct QualityScore {
        uint256 throughput; // TPS
        uint256 availability; // uptime percentage
        uint256 correctness; // valid blocks percentage
        uint256 timeliness; // on-time block production
        uint256 overall; // weighted average
    }

    struct SLAConfig {
        uint256 minThroughput; // minimum TPS
        uint256 minUptime; // basis points
        uint256 maxLatency; // ms
        uint256 maxMissedSlots; // per epoch
    }

    /**
     * @notice A block as attesters vouch for it: every metric it records is in the signed EIP-712 struct
     * `BlockAttestation(uint256 sequencerId,uint256 slot,uint256 blockNumber,bytes32 blockHash,uint256 gasUsed,
     * uint256 txCount)` of the monitor's domain (name "LP504 PerformanceMonitor", version "1", chain id, monitor
     * address), so a signature cannot be replayed with other metrics, for another slot, chain or monitor.
     */
    struct BlockAttestation {
        uint256 sequencerId;
        uint256 slot;
        uint256 blockNumber;
        bytes32 blockHash;
        uint256 gasUsed;
        uint256 txCount;
    }

    /// @notice A block was counted for a sequencer (reported, or attested by the committee).
    /// @param sequencerId The sequencer (a registered id).
    /// @param blockNumber The L2 block number.
    event MetricsRecorded(uint256 indexed sequencerId, uint256 blockNumber);
    /// @notice A sequencer was penalized for breaking the SLA ({penalizeSLAViolation}).
    /// @param sequencerId The sequencer (a registered id).
    /// @param violations The violations, `abi.encode(uint256 period, Violation[] list)` as the implementation defines
    /// them.
    event SLAViolation(uint256 indexed sequencerId, bytes violations);
    /// @notice A sequencer's reputation (the registry's performance score) changed ({updateReputation}).
    /// @param sequencerId The sequencer (a registered id).
    /// @param newScore The new score, in basis points (0 to 10,000).
    event ReputationUpdated(uint256 indexed sequencerId, uint256 newScore);

    /// @notice A missed slot was recorded ({recordMissedSlot}).
    /// @param sequencerId The sequencer (a registered id).
    /// @param slot The registry slot it missed.
    event MissedSlotRecorded(uint256 indexed sequencerId, uint256 indexed slot);
    /// @notice A reorg was attributed to a sequencer ({recordReorg}).
    /// @param sequencerId The sequencer (a registered id).
    /// @param depth Blocks reorganized.
    event ReorgRecorded(uint256 indexed sequencerId, uint256 depth);
    /// @notice The penalty of an SLA violation was applied.
    /// @param sequencerId The sequencer (a registered id).
    /// @param slashed Stake slashed to the registry's insurance fund, in wei.
    /// @param suspended True if the repeated breach also suspended the sequencer.
    event SLAPenaltyApplied(uint256 indexed sequencerId, uint256 slashed, bool suspended);

    error MonitorUnknownSequencer(uint256 sequencerId);
    error MonitorSlotAlreadyRecorded(uint256 sequencerId, uint256 slot);
    error MonitorBlockAlreadyRecorded(uint256 sequencerId, uint256 blockNumber);
    error MonitorInvalidDepth(uint256 depth);
    error MonitorNoViolation(uint256 sequencerId);
    error MonitorViolationsMismatch(uint256 sequencerId);
    error MonitorViolationAlreadyPenalized(uint256 sequencerId, uint256 period);
    error MonitorReputationChangeOutOfRange(int256 change);

    // Errors of the implementation's additions (attested blocks, liveness, forced inclusion, governance).
    error MonitorNotCurrentSequencer(uint256 sequencerId, uint256 current);
    error MonitorSlotOutOfWindow(uint256 slot, uint256 currentSlot);
    error MonitorInvalidAttestation(uint256 index, address signer);
    /// @notice The signers hold `seats` of the committee's seats; more than two thirds (`threshold`) are needed.
    error MonitorNotEnoughAttestations(uint256 seats, uint256 threshold);
    /// @notice No attestation committee was drawn for the epoch of `slot` (or no selection module is wired).
    error MonitorNoCommittee(uint256 slot);
    /// @notice Signature `index` recovers to `signer`, who holds no seat in the slot's committee.
    error MonitorNotCommitteeMember(uint256 index, address signer);
    /// @notice Signature `index` is by `signer`, a committee member that has left the Active set since the draw.
    error MonitorMemberNotActive(uint256 index, address signer);
    /// @notice The L1 fallback is sequencing: no sequencer holds the duty the call would judge.
    error MonitorFallbackMode(uint256 sequencerId);
    error MonitorPeriodNotOver(uint256 period, uint256 currentPeriod);
    error MonitorLivenessHolds(uint256 sequencerId, uint256 deadline);
    error MonitorFeeTooLow(uint256 fee, uint256 minimum);
    error MonitorEmptyTransaction();
    error MonitorTransactionTooLarge(uint256 length, uint256 maximum);
    error MonitorUnknownForcedTx(uint256 id);
    error MonitorForcedTxSettled(uint256 id);
    error MonitorInclusionDeadlinePassed(uint256 id, uint256 deadline);
    error MonitorInclusionDeadlineNotPassed(uint256 id, uint256 deadline);
    error MonitorNotResponsibleOperator(uint256 id, address caller);
    error MonitorNothingToWithdraw(address account);
    error MonitorTransferFailed(address to, uint256 amount);
    error MonitorParameterOutOfBounds(bytes32 name);

    /// @notice Reporter role: a block produced by the sequencer (O(1), per-period aggregates).
    /// @param sequencerId The sequencer (a registered id).
    /// @param blockNumber The L2 block number (each counted once).
    /// @param gasUsed Gas the block used.
    /// @param txCount Transactions in the block.
    function recordBlockProduction(uint256 sequencerId, uint256 blockNumber, uint256 gasUsed, uint256 txCount) external;

    /// @notice Reporter role: the sequencer missed its slot.
    /// @param sequencerId The sequencer (a registered id).
    /// @param slot The registry slot it missed (each recorded once; not in fallback mode).
    function recordMissedSlot(uint256 sequencerId, uint256 slot) external;

    /// @notice Reporter role: a reorg of `depth` blocks attributed to the sequencer.
    /// @param sequencerId The sequencer (a registered id).
    /// @param depth Blocks reorganized (1 to 2^32 − 1).
    function recordReorg(uint256 sequencerId, uint256 depth) external;

    /// @notice Throughput, availability, correctness, timeliness and the weighted overall score, in bp.
    /// @param sequencerId The sequencer (a registered id).
    /// @return Throughput, availability, correctness, timeliness and overall scores of the current period, in basis
    /// points.
    function calculateQualityScore(uint256 sequencerId) external view returns (QualityScore memory);

    /// @notice Metrics of one period, answered from per-period aggregates without scanning blocks.
    /// @param sequencerId The sequencer (a registered id).
    /// @param period The period's index (the implementation's `currentPeriod()` numbering).
    /// @return Blocks, transactions, average block time and gas, uptime (bp), missed slots, reorgs and latency (ms) in
    /// that period.
    function getPerformanceMetrics(
        uint256 sequencerId,
        uint256 period
    ) external view returns (PerformanceMetrics memory);

    /// @notice Whether the sequencer meets `sla`; `violations` is an ABI-encoded list a dApp can decode.
    /// @param sequencerId The sequencer (a registered id).
    /// @param sla The terms to check against: minimum TPS, uptime (bp), maximum latency (ms) and missed slots.
    /// @return compliant True if no term is broken in the current period.
    /// @return violations `abi.encode(uint256 period, Violation[] list)`; an empty list when compliant.
    function checkSLACompliance(
        uint256 sequencerId,
        SLAConfig calldata sla
    ) external view returns (bool compliant, bytes memory violations);

    /// @notice Re-checks `violations` on chain and applies the governed penalty (slash; suspension on repeats).
    /// @param sequencerId The sequencer (a registered id).
    /// @param violations What {checkSLACompliance} under the governed SLA returns for a completed period not penalized
    /// yet; anyone may call.
    function penalizeSLAViolation(uint256 sequencerId, bytes calldata violations) external;

    /// @notice Bounded reputation change; reputation decays over time and feeds the registry's score.
    /// @dev Reporter role; reverts with `MonitorReputationChangeOutOfRange` beyond ±10,000.
    /// @param sequencerId The sequencer (a registered id).
    /// @param change Points to add (or subtract), in basis points; the result is clamped to [0, 10,000].
    function updateReputation(uint256 sequencerId, int256 change) external;

    /// @notice A sequencer's reputation: the registry's performance score after its decay.
    /// @param sequencerId The sequencer (a registered id).
    /// @return The score, in basis points (0 to 10,000).
    function getReputation(uint256 sequencerId) external view returns (uint256);
}
