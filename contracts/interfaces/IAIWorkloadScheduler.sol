// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev Moved out of `SchedulingPolicy` to file level: Solidity does not allow an enum inside a struct.
enum PolicyType {
    FIFO,
    Priority,
    SJF,
    RoundRobin,
    Fair,
    EDF
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

    /// @notice A job was placed on a sequencer: as its duty (taken by its operator) or as an offer (by the scheduler
    /// role).
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param sequencerId The sequencer it was placed on.
    event JobScheduled(bytes32 indexed jobId, uint256 sequencerId);
    /// @notice A job's result was settled in the executor's favour (accepted, undisputed, or won in arbitration).
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param gasUsed The compute the executor reported using with its result.
    event JobCompleted(bytes32 indexed jobId, uint256 gasUsed);
    /// @notice A {rebalanceWorkload} call finished.
    /// @param numMigrations Offers moved by the call (each also emits {JobMigrated}).
    event WorkloadRebalanced(uint256 numMigrations);

    /// @notice A job was submitted and its payment escrowed ({submitComputeJob}).
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param requester The account that submitted and paid.
    /// @param payment Value escrowed, in wei.
    /// @param priority The job's priority (higher is served first under the Priority policy).
    event JobSubmitted(bytes32 indexed jobId, address indexed requester, uint256 payment, uint256 priority);
    /// @notice The requester cancelled a job ({cancelJob}); its payment is refundable by pull.
    /// @param jobId The job's id (from {submitComputeJob}).
    event JobCancelled(bytes32 indexed jobId);
    /// @notice A job moved through its lifecycle.
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param previousStatus Status before.
    /// @param newStatus Status after.
    event JobStatusChanged(bytes32 indexed jobId, JobStatus previousStatus, JobStatus newStatus);
    /// @notice A job moved to another sequencer ({migrateJob}, {rebalanceWorkload}); it is an offer there.
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param fromSequencerId The sequencer it left.
    /// @param toSequencerId The sequencer it is offered to.
    event JobMigrated(bytes32 indexed jobId, uint256 fromSequencerId, uint256 toSequencerId);
    /// @notice A queued job took a lower-priority job's place on its sequencer ({preemptJob}).
    /// @param preemptedJobId The job sent back to the queue (keeping its place).
    /// @param byJobId The higher-priority job placed instead.
    event JobPreempted(bytes32 indexed preemptedJobId, bytes32 indexed byJobId);
    /// @notice A job's priority was raised for a payment ({boostPriority}).
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param newPriority The job's priority afterwards.
    /// @param paid Value added to the job's escrow, in wei.
    event PriorityBoosted(bytes32 indexed jobId, uint256 newPriority, uint256 paid);
    /// @notice A sequencer's advertised capabilities were registered or changed.
    /// @param sequencerId The sequencer whose capabilities changed.
    event CapabilitiesUpdated(uint256 indexed sequencerId);
    /// @notice Governance changed the queueing policy.
    /// @param policyType The policy now in force.
    event SchedulingPolicyUpdated(PolicyType policyType);
    /// @notice A sequencer's operator accepted an offered job: it is now its duty, slashable if missed.
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param sequencerId The sequencer whose operator accepted it.
    /// @param startDeadline Unix time (seconds) by which the job must be started.
    event JobAccepted(bytes32 indexed jobId, uint256 indexed sequencerId, uint256 startDeadline);
    /// @notice A sequencer's operator declined an offered job; it went back to the head of the queue.
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param sequencerId The sequencer whose operator declined it.
    event JobDeclined(bytes32 indexed jobId, uint256 indexed sequencerId);
    /// @notice The requester disputed a submitted result, escrowing the bond.
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param requester The job's requester.
    /// @param bond Bond escrowed, in wei.
    /// @param arbitrateBy Unix time (seconds) after which an undecided dispute splits evenly.
    event ResultDisputed(bytes32 indexed jobId, address indexed requester, uint256 bond, uint256 arbitrateBy);
    /// @notice An arbiter decided a dispute.
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param arbiter The account that decided.
    /// @param executorBps Share awarded to the executor, in basis points.
    /// @param toExecutor Value credited to the executor's operator, in wei.
    /// @param toRequester Value credited back to the requester, in wei.
    event DisputeResolved(
        bytes32 indexed jobId,
        address indexed arbiter,
        uint256 executorBps,
        uint256 toExecutor,
        uint256 toRequester
    );
    /// @notice A third party's boost payment was recorded so that it can be refunded to that payer.
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param payer The account that paid.
    /// @param amount Value paid, in wei.
    event BoostRecorded(bytes32 indexed jobId, address indexed payer, uint256 amount);
    /// @notice A third-party boost was settled ({settleBoost} in the implementation).
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param payer The account that paid the boost.
    /// @param refund Value credited back to the payer, in wei.
    /// @param toExecutor Value credited to the executor, in wei.
    event BoostRefunded(bytes32 indexed jobId, address indexed payer, uint256 refund, uint256 toExecutor);
    /// @notice Governance changed the dispute terms.
    /// @param disputeBond Bond a requester escrows to dispute a result, in wei.
    /// @param arbitrationWindow Seconds an arbiter has to decide before the dispute splits evenly.
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
    /// @notice A `jobSpec` longer than `max` bytes.
    error SchedulerSpecTooLong(uint256 length, uint256 max);
    /// @notice A sequencer advertised more than `max` models.
    error SchedulerTooManyModels(uint256 count, uint256 max);
    /// @notice A requirement or capacity exceeds its packed field.
    error SchedulerRequirementsTooLarge();
    /// @notice An EDF bucket width (`policyParams`: one abi-encoded uint256) outside [min, max] seconds; min makes
    /// the ring's 255 buckets ahead cover the start window.
    error SchedulerEdfWidthOutOfBounds(uint256 width, uint256 min, uint256 max);
    /// @notice A job's escrow would exceed its packed field.
    error SchedulerPaymentTooLarge(bytes32 jobId, uint256 amount);

    /// @notice Escrows `msg.value` for a job and queues it; returns the id the contract assigned. In the
    /// implementation a governed compute premium is taken on top (`msg.value` = payment + premium) for the insurance
    /// fund, and the executor's payment pays the registry's insurance fee when it is paid out.
    /// @param job The job: required flops and memory (not zero), a deadline in the future (Unix seconds), a priority
    /// and a `jobSpec`; its `jobId` and `requester` are ignored.
    /// @return The job's id, assigned by the contract.
    function submitComputeJob(ComputeJob calldata job) external payable returns (bytes32);

    /// @notice The requester cancels a job that is not running yet, for a full refund (by pull) of what it paid;
    /// third-party priority boosts go back to their payers (`settleBoost`).
    /// @param jobId The job's id (from {submitComputeJob}).
    function cancelJob(bytes32 jobId) external;

    /// @notice The sequencer's operator (or the scheduler admin) advertises its resources.
    /// @param sequencerId The sequencer (its operator or the scheduler role calls); registered once.
    /// @param capabilities Free flops, memory, bandwidth, supported models, TEE and GPU.
    function registerCapabilities(uint256 sequencerId, SequencerCapabilities calldata capabilities) external;

    /// @notice The sequencer's operator (or the scheduler role) changes its advertised resources; a capability in use
    /// by its jobs cannot be withdrawn.
    /// @param sequencerId A sequencer whose capabilities are registered.
    /// @param capabilities The new capabilities.
    function updateCapabilities(uint256 sequencerId, SequencerCapabilities calldata capabilities) external;

    /// @notice Assigns a queued job to a sequencer after checking fit and free capacity in O(1). The sequencer's
    /// own operator takes it as a duty (only the job at the queue head); the scheduler role only offers it (the
    /// operator must accept before it becomes its duty).
    /// @param jobId A queued job.
    /// @param sequencerId The sequencer to place it on; it must meet the job's requirements and have room.
    /// @return True when the job became the operator's duty (Scheduled), false when it is an offer (Offered).
    function scheduleJob(bytes32 jobId, uint256 sequencerId) external returns (bool);

    /// @notice The Active sequencer that meets the job's requirements with the most free flops; 0 if none (view).
    /// @param job The job's requirements (flops, memory and the `jobSpec` requirements).
    /// @return The sequencer's id, or 0.
    function getOptimalSequencer(ComputeJob calldata job) external view returns (uint256);

    /// @notice Moves offered (not yet accepted) jobs from the most to the least loaded sequencers, with bounded
    /// work per call; they stay offers on the destination. Accepted duties are never moved.
    function rebalanceWorkload() external;

    /// @notice Reserved compute of a sequencer (sum of its scheduled and running jobs' flops).
    /// @param sequencerId A sequencer with registered capabilities.
    /// @return Reserved flops over advertised flops, in basis points.
    function getSequencerLoad(uint256 sequencerId) external view returns (uint256);

    /// @notice Re-offers a job on another sequencer: its holder hands over its accepted (scheduled or running) job,
    /// or the scheduler role redirects an offer. The destination owes nothing until it accepts.
    /// @param jobId The job's id (from {submitComputeJob}).
    /// @param newSequencerId The sequencer it is offered to; it must meet the job's requirements.
    function migrateJob(bytes32 jobId, uint256 newSequencerId) external;

    /// @notice Pays `msg.value` to raise a queued job's priority by `amount`. A payer other than the requester
    /// is recorded and gets its boost back if the job is refunded. The boost joins the job's payment (less the
    /// compute premium, as at submission).
    /// @param jobId A queued job.
    /// @param amount Priority points to add (not zero); the resulting priority is capped at 2^32 − 1.
    function boostPriority(bytes32 jobId, uint256 amount) external payable;

    /// @notice A higher-priority job takes a lower-priority job's capacity; the preempted job is re-queued
    /// keeping its place.
    /// @param lowPriorityJob A job offered, scheduled or running on a sequencer.
    /// @param highPriorityJob A queued job of strictly higher priority.
    function preemptJob(bytes32 lowPriorityJob, bytes32 highPriorityJob) external;
}
