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

/// @dev Lifecycle of a job: Queued → (Offered →) Scheduled → Running → ResultSubmitted (→ Disputed) →
/// Completed, or Cancelled, Expired, Failed. `Offered`: placed on a sequencer that has not accepted it (no duty);
/// `Scheduled`: accepted by the sequencer's operator (its duty, slashable if missed). New values are appended
/// so that the earlier ones keep their numbers.
enum JobStatus {
    None,
    Queued,
    Scheduled,
    Running,
    ResultSubmitted,
    Completed,
    Cancelled,
    Expired,
    Failed,
    Offered,
    Disputed
}

/**
 * @title IAIWorkloadScheduler
 * @notice LP-504 AI workload scheduling: sequencers advertise compute capabilities, requesters pay for jobs
 * held in escrow, and the contract matches, queues, balances and settles them.
 *
 * Adaptations (docs/ADAPTATIONS.md): `PolicyType` is at file level; `submitComputeJob` is payable (the job's
 * payment is escrowed) and assigns `jobId` and `requester` itself, ignoring the caller's values.
 *
 * Capability requirements ride in `ComputeJob.jobSpec`: a spec that starts with the tag `"LPRQ"` (0x4c505251)
 * continues with `uint8 needs` (bit 0: a GPU, bit 1: a TEE; other bits must be 0), `uint128 minBandwidth`
 * (big-endian, compared with `networkBandwidth`; 0: none) and `bytes32 model` (keccak256 of a model's name as
 * listed in `supportedModels`; 0: none), 53 bytes in all (`abi.encodePacked`); whatever follows is free-form. A
 * spec without the tag requires nothing beyond flops and memory. A job is never offered to, scheduled on or
 * moved to a sequencer lacking what it requires (`SchedulerLacksCapability`: 1 GPU, 2 TEE, 3 bandwidth, 4 model).
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

    event JobSubmitted(bytes32 indexed jobId, address indexed requester, uint256 payment, uint256 priority);
    event JobCancelled(bytes32 indexed jobId);
    event JobStatusChanged(bytes32 indexed jobId, JobStatus previousStatus, JobStatus newStatus);
    event JobMigrated(bytes32 indexed jobId, uint256 fromSequencerId, uint256 toSequencerId);
    event JobPreempted(bytes32 indexed preemptedJobId, bytes32 indexed byJobId);
    event PriorityBoosted(bytes32 indexed jobId, uint256 newPriority, uint256 paid);
    event CapabilitiesUpdated(uint256 indexed sequencerId);
    event SchedulingPolicyUpdated(PolicyType policyType);
    event JobAccepted(bytes32 indexed jobId, uint256 indexed sequencerId, uint256 startDeadline);
    event JobDeclined(bytes32 indexed jobId, uint256 indexed sequencerId);
    event ResultDisputed(bytes32 indexed jobId, address indexed requester, uint256 bond, uint256 arbitrateBy);
    event DisputeResolved(
        bytes32 indexed jobId,
        address indexed arbiter,
        uint256 executorBps,
        uint256 toExecutor,
        uint256 toRequester
    );
    event BoostRecorded(bytes32 indexed jobId, address indexed payer, uint256 amount);
    event BoostRefunded(bytes32 indexed jobId, address indexed payer, uint256 refund, uint256 toExecutor);
    event DisputeTermsUpdated(uint256 disputeBond, uint256 arbitrationWindow);

    error SchedulerZeroRequirements();
    error SchedulerZeroPayment();
    error SchedulerDeadlineInPast(uint256 deadline, uint256 nowTimestamp);
    error SchedulerUnknownJob(bytes32 jobId);
    error SchedulerNotRequester(bytes32 jobId, address caller);
    error SchedulerInvalidJobStatus(bytes32 jobId, JobStatus status);
    error SchedulerUnknownSequencer(uint256 sequencerId);
    error SchedulerNotSequencerOperator(uint256 sequencerId, address caller);
    error SchedulerCapabilitiesNotRegistered(uint256 sequencerId);
    error SchedulerCapabilitiesAlreadyRegistered(uint256 sequencerId);
    error SchedulerInsufficientCapacity(bytes32 jobId, uint256 sequencerId);
    error SchedulerPriorityNotHigher(bytes32 lowPriorityJob, bytes32 highPriorityJob);
    error SchedulerNothingToWithdraw(address account);
    error SchedulerTransferFailed(address to, uint256 amount);
    /// @notice An operator may take, by itself, only the job the queue policy puts first (`head`).
    error SchedulerNotQueueHead(bytes32 jobId, bytes32 head);
    /// @notice `caller` may not move or replace a job in `status`: an accepted duty moves only by its holder, an
    /// offer only by the scheduler role.
    error SchedulerNoConsent(bytes32 jobId, address caller, JobStatus status);
    /// @notice A dispute must carry exactly the bond in force.
    error SchedulerWrongBond(bytes32 jobId, uint256 sent, uint256 required);
    /// @notice The dispute window of a result closed at `disputeBy`.
    error SchedulerDisputeWindowClosed(bytes32 jobId, uint256 disputeBy);
    /// @notice Only the arbiter role (or governance) decides disputes.
    error SchedulerNotArbiter(address caller);
    /// @notice The arbiter is the requester or the executing operator of the disputed job.
    error SchedulerArbiterIsParty(bytes32 jobId, address arbiter);
    /// @notice An executor share above 10,000 basis points.
    error SchedulerShareOutOfBounds(uint256 executorBps);
    /// @notice `payer` has no refundable boost on the job (none paid, or the executor earned it).
    error SchedulerNoBoostToRefund(bytes32 jobId, address payer);
    /// @notice `sequencerId` lacks a capability the job requires: 1 GPU, 2 TEE, 3 bandwidth, 4 model.
    error SchedulerLacksCapability(bytes32 jobId, uint256 sequencerId, uint256 capability);
    /// @notice A sequencer holding jobs may not withdraw a capability (GPU, TEE, a model, bandwidth).
    error SchedulerCapabilityInUse(uint256 sequencerId);
    /// @notice A `jobSpec` tagged "LPRQ" shorter than 53 bytes or with unknown `needs` bits.
    error SchedulerMalformedRequirements();
    /// @notice A job's escrow would exceed its packed field.
    error SchedulerPaymentTooLarge(bytes32 jobId, uint256 amount);

    /// @notice Escrows `msg.value` for a job and queues it; returns the id the contract assigned.
    function submitComputeJob(ComputeJob calldata job) external payable returns (bytes32);

    /// @notice The requester cancels a job that is not running yet, for a full refund (by pull) of what it paid;
    /// third-party priority boosts go back to their payers (`settleBoost`).
    function cancelJob(bytes32 jobId) external;

    /// @notice The sequencer's operator (or the scheduler admin) advertises its resources.
    function registerCapabilities(uint256 sequencerId, SequencerCapabilities calldata capabilities) external;

    function updateCapabilities(uint256 sequencerId, SequencerCapabilities calldata capabilities) external;

    /// @notice Assigns a queued job to a sequencer after checking fit and free capacity in O(1). The sequencer's
    /// own operator takes it as a duty (only the job at the queue head); the scheduler role only offers it (the
    /// operator must accept before it becomes its duty).
    function scheduleJob(bytes32 jobId, uint256 sequencerId) external returns (bool);

    /// @notice The Active sequencer that meets the job's requirements with the most free flops; 0 if none (view).
    function getOptimalSequencer(ComputeJob calldata job) external view returns (uint256);

    /// @notice Moves offered (not yet accepted) jobs from the most to the least loaded sequencers, with bounded
    /// work per call; they stay offers on the destination. Accepted duties are never moved.
    function rebalanceWorkload() external;

    /// @notice Reserved compute of a sequencer (sum of its scheduled and running jobs' flops).
    function getSequencerLoad(uint256 sequencerId) external view returns (uint256);

    /// @notice Re-offers a job on another sequencer: its holder hands over its accepted (scheduled or running) job,
    /// or the scheduler role redirects an offer. The destination owes nothing until it accepts.
    function migrateJob(bytes32 jobId, uint256 newSequencerId) external;

    /// @notice Pays `msg.value` to raise a queued job's priority by `amount`. A payer other than the requester
    /// is recorded and gets its boost back if the job is refunded.
    function boostPriority(bytes32 jobId, uint256 amount) external payable;

    /// @notice A higher-priority job takes a lower-priority job's capacity; the preempted job is re-queued
    /// keeping its place.
    function preemptJob(bytes32 lowPriorityJob, bytes32 highPriorityJob) external;
}
