// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev Moved out of `SchedulingPolicy` to file level: Solidity does not allow an enum inside a struct.
enum PolicyType {
    FIFO,
    Priority,
    SJF,
    RoundRobin,
    Fair
}

/**
 * @title IAIWorkloadScheduler
 * @notice LP-504 AI workload scheduling: sequencers advertise compute capabilities, requesters pay for jobs
 * held in escrow, and the contract matches, queues, balances and settles them.
 *
 * Adaptations (DESIGN.md section 4): `PolicyType` is at file level; `submitComputeJob` is payable (the job's
 * payment is escrowed) and assigns `jobId` and `requester` itself, ignoring the caller's values.
 */
interface IAIWorkloadScheduler {
    struct ComputeJob {
        bytes32 jobId;
        uint256 requiredFlops;
        uint256 memoryRequirement;
        uint256 deadline;
        uint256 priority;
        address requester;
        bytes jobSpec;
    }

    struct SequencerCapabilities {
        uint256 sequencerId;
        uint256 availableFlops;
        uint256 availableMemory;
        uint256 networkBandwidth;
        string[] supportedModels;
        bool hasTEE;
        bool hasGPU;
    }

    struct SchedulingPolicy {
        PolicyType policyType;
        bytes policyParams;
    }

    event JobScheduled(bytes32 indexed jobId, uint256 sequencerId);
    event JobCompleted(bytes32 indexed jobId, uint256 gasUsed);
    event WorkloadRebalanced(uint256 numMigrations);

    function submitComputeJob(ComputeJob calldata job) external payable returns (bytes32);

    function cancelJob(bytes32 jobId) external;

    function registerCapabilities(uint256 sequencerId, SequencerCapabilities calldata capabilities) external;

    function updateCapabilities(uint256 sequencerId, SequencerCapabilities calldata capabilities) external;

    function scheduleJob(bytes32 jobId, uint256 sequencerId) external returns (bool);

    function getOptimalSequencer(ComputeJob calldata job) external view returns (uint256);

    function rebalanceWorkload() external;

    function getSequencerLoad(uint256 sequencerId) external view returns (uint256);

    function migrateJob(bytes32 jobId, uint256 newSequencerId) external;

    function boostPriority(bytes32 jobId, uint256 amount) external payable;

    function preemptJob(bytes32 lowPriorityJob, bytes32 highPriorityJob) external;
}
