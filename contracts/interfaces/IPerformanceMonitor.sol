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

    event MetricsRecorded(uint256 indexed sequencerId, uint256 blockNumber);
    event SLAViolation(uint256 indexed sequencerId, bytes violations);
    event ReputationUpdated(uint256 indexed sequencerId, uint256 newScore);

    function recordBlockProduction(uint256 sequencerId, uint256 blockNumber, uint256 gasUsed, uint256 txCount) external;

    function recordMissedSlot(uint256 sequencerId, uint256 slot) external;

    function recordReorg(uint256 sequencerId, uint256 depth) external;

    function calculateQualityScore(uint256 sequencerId) external view returns (QualityScore memory);

    function getPerformanceMetrics(uint256 sequencerId, uint256 period) external view returns (PerformanceMetrics memory);

    function checkSLACompliance(
        uint256 sequencerId,
        SLAConfig calldata sla
    ) external view returns (bool compliant, bytes memory violations);

    function penalizeSLAViolation(uint256 sequencerId, bytes calldata violations) external;

    function updateReputation(uint256 sequencerId, int256 change) external;

    function getReputation(uint256 sequencerId) external view returns (uint256);
}
