// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IAIWorkloadScheduler, PolicyType, JobStatus} from "./interfaces/IAIWorkloadScheduler.sol";
import {ISequencerRegistry} from "./interfaces/ISequencerRegistry.sol";
import {IExtsload} from "./interfaces/IExtsload.sol";
import {MaxTree} from "./libraries/MaxTree.sol";
import {ClassIndexLib} from "./libraries/ClassIndexLib.sol";
import {InsuranceFee} from "./libraries/InsuranceFee.sol";

/**
 * @title AIScheduler
 * @notice LP-504 AI workload scheduling: sequencers advertise compute; requesters pay for jobs held in escrow;
 * the contract queues, matches, balances and settles them. Value moves by pull (`withdraw`).
 *
 * Lifecycle: Queued → Offered (capacity reserved on a sequencer that has not accepted) → Scheduled (accepted by
 * the sequencer's operator: its duty) → Running → ResultSubmitted → Completed (the operator is paid), with a
 * Disputed detour; or Cancelled (requester, before running: full refund), Expired (not started by
 * `startDeadline`: refund) or Failed (no result by `deadline`, or a dispute lost in full: refund). Only an
 * accepted duty (Scheduled, Running) that misses its deadline slashes `deadlinePenaltyBps` of the sequencer's pool (through
 * the registry's slasher role): nobody is slashed for an offer. Every exit path releases the reserved capacity.
 * Anyone may trigger a timeout.
 *
 * Consent: a sequencer's operator takes a job itself (`scheduleJob` on the queue head, `scheduleNext` unseen
 * only with a deadline a full `startWindow` away), or accepts an offer (`acceptJob`); either way it gets a full
 * `startWindow` from acceptance (capped by the job's deadline). The scheduler role, migrations and rebalancing only
 * make offers, which the operator may decline (back to the head of the queue) or leave to lapse at the job's start
 * deadline (refund, no slash). An accepted duty moves only by its holder (`migrateJob`, `preemptJob`) or when its
 * sequencer leaves, within its start window (`requeueJobsOf`).
 *
 * Settlement: a result opens a dispute window of `acceptanceWindow` (fixed at submission, at least
 * MIN_ACCEPTANCE_WINDOW). The requester accepts (pays at once) or disputes with `disputeBond`; undisputed results
 * pay anyone's `completeJob` after the window. A dispute is decided by an ARBITER_ROLE holder or governance (never
 * a party to the job), who splits the job's escrow and the bond between executor and requester in basis points;
 * if nobody decides within `arbitrationWindow`, anyone settles it evenly through `timeoutJob`.
 *
 * Boosts: a boost by the requester joins its payment; a boost by anyone else is recorded per payer and, if the
 * job is refunded (or a dispute refunds part of it), the payer pulls its share back (`settleBoost`).
 *
 * Queue: the configured policy keeps one bucketed queue: a 256-bit map of non-empty buckets and a FIFO per
 * bucket, so enqueue, removal and "next job" are O(1). The bucket of a job by policy (lower runs first):
 * FIFO: 0. Priority: 255 − min(priority, 255). SJF: ⌊log2 requiredFlops⌋. RoundRobin: the requester's job
 * ordinal (everyone's first job before anyone's second). Fair: ⌊log2⌋ of the flops the requester had submitted
 * before (light users first). Ties keep submission order. The policy can change only when the queue is empty.
 *
 * Requirements: a job may require a GPU, a TEE, a minimum bandwidth and a model: `jobSpec` starting with the tag
 * "LPRQ", then `uint8 needs` (bit 0 GPU, bit 1 TEE), `uint128 minBandwidth`, `bytes32 model` (keccak256 of a
 * name in `supportedModels`), packed (see {IAIWorkloadScheduler}); untagged specs require nothing more than flops
 * and memory. GPU and TEE bits live in the job's first slot, bandwidth and model in `_requirements` (written only
 * when present); `_assign` checks them in O(1) (`ClassIndexLib.lacks`: two flags, a comparison, one mapping
 * read) on every path that gives a sequencer work (schedule, scheduleNext, offer, migrate, preempt), and
 * rebalancing skips jobs the destination lacks a capability for. A sequencer holding jobs (offered, scheduled or
 * running) cannot withdraw a capability (`SchedulerCapabilityInUse`), so an offer stays acceptable until it is
 * accepted or leaves (`acceptJob` checks again), and a duty stays the duty of a sequencer that advertises what it needs.
 *
 * Index ({ClassIndexLib}, linked): each sequencer with capabilities sits in the {MaxTree} of its capability class
 * (GPU | TEE << 1) at position id − 1; its lane holds two fields, its load (reserved over advertised flops, in
 * basis points) and its room key (`ClassIndexLib.roomKey` of its free flops units: exact below 2,048 units, above
 * a float with a 10-bit mantissa, rounded down, so monotone). Every write of a sequencer's capacity rewrites one
 * path of one tree: O(log n). Selection rule of `getOptimalSequencer`: among the eligible sequencers (Active,
 * class covering the job's GPU/TEE needs, enough free flops and memory, the bandwidth, the model) the one with
 * the highest room key, ties to the lower id; 0 if none. It is a best-first descent of the (at most four)
 * classes covering the job's needs that skips every subtree whose best room key is below the job's flops or not
 * above the winner so far: one path per class, O(log n), when the roomiest candidate is eligible; each sequencer
 * ranked above the winner that fails what the tree does not summarise (memory, bandwidth, model, activity) adds
 * at most one path. `rebalanceWorkload` takes the most loaded sequencer and the roomiest other one from the tops of
 * the trees (O(1) reads per class) and moves at most `MAX_MIGRATIONS_PER_CALL` offers per call; call it again to
 * continue.
 *
 * Views: the core keeps the specification's (`getOptimalSequencer`, `getSequencerLoad`) and its governed
 * parameters; jobs, settlements, boosts, capabilities, balances, the queue head and the accounting are read by
 * {SchedulerLens} through `extsload`, at the slots of this contract's storage layout (a test checks them against
 * the compiler's), so the bytecode keeps to what moves jobs and money.
 */
contract AIScheduler is IAIWorkloadScheduler, IExtsload, AccessControl, ReentrancyGuard {
    using MaxTree for MaxTree.Tree;

    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    bytes32 public constant SCHEDULER_ROLE = keccak256("SCHEDULER_ROLE");
    /// @notice Decides disputed results; appointed by governance (which may also decide).
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");

    uint256 public constant BPS = 10_000;
    uint256 public constant MAX_MIGRATIONS_PER_CALL = 8;
    uint256 public constant MAX_MODELS = ClassIndexLib.MAX_MODELS;
    uint256 public constant MAX_JOB_SPEC = ClassIndexLib.MAX_JOB_SPEC;
    /// @notice A requester always has at least this long to dispute a result.
    uint256 public constant MIN_ACCEPTANCE_WINDOW = 10 minutes;
    /// @notice Upper bound of `deadlinePenaltyBps`: 10% of the pool per missed job.
    uint256 public constant MAX_DEADLINE_PENALTY_BPS = 1_000;
    /// @notice Upper bound of `computePremiumBps`: 10% on top of a job's payment.
    uint256 public constant MAX_COMPUTE_PREMIUM_BPS = 1_000;

    /// @dev Three slots: a submission writes three fresh slots. {SchedulerLens} decodes them: keep it in step.
    struct Job {
        // slot
        address requester;
        JobStatus status;
        uint8 bucket;
        uint32 sequencerId;
        uint40 startDeadline;
        uint8 needs; // NEEDS_GPU | NEEDS_TEE | NEEDS_MORE (a bandwidth or model in `_requirements`)
        // slot
        uint40 deadline;
        uint40 prev; // queue or per-sequencer list links
        uint40 next;
        uint32 priority;
        uint64 requiredFlops;
        uint40 resultAt;
        // slot
        uint64 memoryRequirement;
        uint128 payment;
        uint64 computeUsed;
    }

    /// @dev Settlement state of a job, one slot, written at the first third-party boost or at result submission.
    struct Settlement {
        uint96 boosts; // third-party boosts inside `Job.payment`
        uint96 bond; // the requester's dispute bond
        uint40 settleBy; // ResultSubmitted: end of the dispute window; Disputed: end of the arbitration window
        uint16 executorBps; // the executor's share set by a dispute (0 otherwise)
        bool disputed;
    }

    /// @dev A job's bandwidth and model requirements, written only when it has one.
    struct Requirement {
        uint128 minBandwidth;
        bytes32 model;
    }

    /// @dev A requester's submissions, packed in one slot.
    struct RequesterStats {
        uint64 jobs;
        uint192 flops;
    }

    ISequencerRegistry public immutable registry;

    mapping(uint256 index => Job) private _jobs;
    mapping(uint256 index => bytes) private _specs;
    mapping(uint256 sequencerId => ClassIndexLib.Capabilities) private _caps;
    mapping(uint256 sequencerId => string[]) private _models;
    /// @dev Capacity of the sequencers with capabilities, two per word so that the optimal-sequencer scan reads
    /// one slot per two sequencers. A 128-bit lane: availableFlops | availableMemory << 25 | reservedFlops << 50 |
    /// reservedMemory << 75 | sequencerId << 100, in units of FLOPS_UNIT flops and MEMORY_UNIT bytes (25 bits:
    /// up to 33 PFLOPS and 32 TiB per sequencer). Reservations round up, advertised capacity rounds down.
    uint256[] private _hot;
    uint256 private _hotCount;
    uint256 private constant UNIT_MASK = ClassIndexLib.UNIT_MASK;
    uint256 public constant FLOPS_UNIT = ClassIndexLib.FLOPS_UNIT;
    uint256 public constant MEMORY_UNIT = ClassIndexLib.MEMORY_UNIT;
    mapping(address requester => RequesterStats) private _requesters;
    mapping(address account => uint256) private _balances;
    mapping(uint256 index => Settlement) private _settlements;
    mapping(uint256 index => mapping(address payer => uint256)) private _boosts;

    PolicyType private _policy;
    uint64 private _edfWidth; // EDF: seconds of deadline per bucket (set with the policy, while the queue is empty)
    uint256 private _bucketMap;
    mapping(uint256 bucket => uint256 headAndTail) private _buckets; // head << 64 | tail
    // One slot, written by every submission.
    uint40 private _jobCount;
    uint88 private _queued;
    uint128 private _escrow;
    uint256 private _owed;

    /// @dev One tree per capability class (GPU | TEE << 1), written by {ClassIndexLib}.
    MaxTree.Tree[4] private _classes;
    uint256 private constant NEEDS_GPU = ClassIndexLib.NEEDS_GPU;
    uint256 private constant NEEDS_TEE = ClassIndexLib.NEEDS_TEE;
    uint256 private constant NEEDS_MORE = ClassIndexLib.NEEDS_MORE;
    bytes4 public constant REQUIREMENTS_TAG = ClassIndexLib.REQUIREMENTS_TAG;

    uint64 public startWindow;
    uint64 public acceptanceWindow;
    /// @notice Share of the pool (bp) slashed when a sequencer lets a job it accepted miss its deadline.
    uint16 public deadlinePenaltyBps;
    uint128 public disputeBond;
    uint64 public arbitrationWindow;
    /// @notice The compute premium (bp of a job's payment) paid on top at submission and on every boost, to the
    /// insurance fund; not refunded.
    uint16 public computePremiumBps;

    mapping(uint256 index => Requirement) private _requirements;
    mapping(uint256 sequencerId => mapping(bytes32 model => bool)) private _supports;

    event JobStarted(bytes32 indexed jobId, uint256 indexed sequencerId);
    event ResultSubmitted(bytes32 indexed jobId, bytes32 resultHash, uint256 computeUsed);
    event JobRefunded(bytes32 indexed jobId, address indexed requester, uint256 amount, JobStatus status);
    event SequencerPenalized(uint256 indexed sequencerId, bytes32 indexed jobId, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event TimingUpdated(uint256 startWindow, uint256 acceptanceWindow, uint256 deadlinePenaltyBps);
    /// @notice Governance set the compute premium ({setComputePremium}).
    event ComputePremiumUpdated(uint256 premiumBps);

    error SchedulerQueueNotEmpty(uint256 queued);
    error SchedulerNotJobSequencer(bytes32 jobId, address caller);
    error SchedulerSequencerNotActive(uint256 sequencerId);
    error SchedulerDeadlinePassed(bytes32 jobId, uint256 deadline);
    error SchedulerDeadlineNotPassed(bytes32 jobId, uint256 deadline);
    error SchedulerQueueEmpty();
    error SchedulerSameSequencer(bytes32 jobId, uint256 sequencerId);
    error SchedulerSequencerStillActive(uint256 sequencerId);
    error SchedulerParameterOutOfBounds();
    /// @notice A compute premium above `max` basis points.
    error SchedulerPremiumOutOfBounds(uint256 premiumBps, uint256 max);
    /// @notice The operator's `scheduleNext` would take, unseen, a job whose `deadline` is less than a start window away.
    error SchedulerBlindDutyTooShort(bytes32 jobId, uint256 deadline);

    constructor(
        address admin,
        ISequencerRegistry registry_,
        uint256 startWindow_,
        uint256 acceptanceWindow_,
        uint256 deadlinePenaltyBps_
    ) {
        registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GOVERNANCE_ROLE, admin);
        _setTiming(startWindow_, acceptanceWindow_, deadlinePenaltyBps_);
        _setRoleAdmin(ARBITER_ROLE, GOVERNANCE_ROLE);
        _setDisputeTerms(0, 7 days);
    }

    // ────────────────────────────────────────── capabilities ─────────────────────────────────────────

    /// @inheritdoc IAIWorkloadScheduler
    function registerCapabilities(uint256 sequencerId, SequencerCapabilities calldata c) external {
        _checkOperatorOrScheduler(sequencerId);
        ClassIndexLib.Capabilities storage cap = _caps[sequencerId];
        if (cap.hotIndex != 0) revert SchedulerCapabilitiesAlreadyRegistered(sequencerId);
        uint256 position = _hotCount++;
        if (position % 2 == 0) _hot.push(0);
        cap.hotIndex = uint32(position + 1);
        _writeCapabilities(sequencerId, cap, c);
    }

    /// @inheritdoc IAIWorkloadScheduler
    function updateCapabilities(uint256 sequencerId, SequencerCapabilities calldata c) external {
        _checkOperatorOrScheduler(sequencerId);
        ClassIndexLib.Capabilities storage cap = _caps[sequencerId];
        if (cap.hotIndex == 0) revert SchedulerCapabilitiesNotRegistered(sequencerId);
        _writeCapabilities(sequencerId, cap, c);
    }

    /// @dev One call site for the library's capability write (its calldata encoding is a few hundred bytes of code).
    function _writeCapabilities(
        uint256 sequencerId,
        ClassIndexLib.Capabilities storage cap,
        SequencerCapabilities calldata c
    ) private {
        ClassIndexLib.writeCapabilities(
            _classes,
            _hot,
            cap,
            _models[sequencerId],
            _supports[sequencerId],
            c,
            sequencerId
        );
    }

    // ───────────────────────────────────────────── jobs ──────────────────────────────────────────────

    /// @inheritdoc IAIWorkloadScheduler
    function submitComputeJob(ComputeJob calldata job) external payable returns (bytes32 jobId) {
        // Checks the job (requirements, deadline, spec length, packed bounds) and parses its spec's requirements.
        (uint256 needs, uint256 minBandwidth, bytes32 model) = ClassIndexLib.admit(job);
        if (msg.value == 0) revert SchedulerZeroPayment();
        uint256 index = ++_jobCount;
        jobId = bytes32(index);
        Job storage j = _jobs[index];
        j.requester = msg.sender;
        j.needs = uint8(needs);
        if (needs & NEEDS_MORE != 0) _requirements[index] = Requirement(uint128(minBandwidth), model);
        j.status = JobStatus.Queued;
        j.startDeadline = uint40(Math.min(job.deadline, block.timestamp + startWindow));
        j.deadline = uint40(job.deadline);
        j.priority = uint32(Math.min(job.priority, type(uint32).max));
        j.requiredFlops = uint64(job.requiredFlops);
        j.memoryRequirement = uint64(job.memoryRequirement);
        uint256 payment = _lessPremium();
        j.payment = uint128(payment);
        if (job.jobSpec.length != 0) ClassIndexLib.storeSpec(_specs, index, job.jobSpec);
        _escrow += uint128(payment);
        RequesterStats memory stats = _requesters[msg.sender];
        _enqueue(index, j, _bucketFor(j, stats), false);
        _requesters[msg.sender] = RequesterStats({
            jobs: stats.jobs + 1,
            flops: stats.flops + uint192(job.requiredFlops)
        });
        emit JobSubmitted(jobId, msg.sender, payment, job.priority);
    }

    /// @inheritdoc IAIWorkloadScheduler
    function cancelJob(bytes32 jobId) external {
        (uint256 index, Job storage j) = _job(jobId);
        if (j.requester != msg.sender) revert SchedulerNotRequester(jobId, msg.sender);
        JobStatus status = j.status;
        // Not once running: the operator's work in progress is paid or disputed, never cancelled away.
        if (status != JobStatus.Queued && status != JobStatus.Offered && status != JobStatus.Scheduled)
            revert SchedulerInvalidJobStatus(jobId, status);
        _leave(j);
        _refund(jobId, index, j, JobStatus.Cancelled);
        emit JobCancelled(jobId);
    }

    /// @inheritdoc IAIWorkloadScheduler
    /// @dev By the sequencer's operator, who takes the job as its duty but only in policy order (the queue head:
    /// operators cannot cherry-pick the best-paid jobs past the governed policy), or by the scheduler role, the
    /// matching service, which picks any job but only offers it. O(1): fit and capacity checks.
    function scheduleJob(bytes32 jobId, uint256 sequencerId) external returns (bool) {
        (uint256 index, Job storage j) = _jobIn(jobId, JobStatus.Queued);
        bool accepted = _checkOperatorOrScheduler(sequencerId);
        if (accepted) {
            uint256 head = _head();
            if (head != index) revert SchedulerNotQueueHead(jobId, bytes32(head));
        }
        _dequeue(j);
        _assign(jobId, index, j, sequencerId, accepted);
        return true;
    }

    /// @notice Schedules the job the policy puts first onto `sequencerId` (reverts if it does not fit: the
    /// queue is served in policy order, never reordered by fit): a duty if the operator calls, else an offer.
    /// @dev The operator takes the head unseen (whatever is first when mined), so only a job whose deadline leaves
    /// it a full `startWindow`: else a job slipped in ahead with a deadline a block away would be a duty it can only
    /// miss, and be slashed for (`SchedulerBlindDutyTooShort`; `scheduleJob` takes a job the operator checked).
    function scheduleNext(uint256 sequencerId) external returns (bytes32 jobId) {
        bool accepted = _checkOperatorOrScheduler(sequencerId);
        uint256 index = _head();
        if (index == 0) revert SchedulerQueueEmpty();
        jobId = bytes32(index);
        Job storage j = _jobs[index];
        if (accepted && j.deadline < block.timestamp + startWindow)
            revert SchedulerBlindDutyTooShort(jobId, j.deadline);
        _dequeue(j);
        _assign(jobId, index, j, sequencerId, accepted);
    }

    /// @notice The operator of the sequencer a job is offered to accepts it, before the offer lapses at the job's
    /// start deadline; from now it has a full `startWindow` (capped by the job's deadline) to start it.
    function acceptJob(bytes32 jobId) external {
        (uint256 index, Job storage j) = _jobIn(jobId, JobStatus.Offered);
        _checkJobOperator(jobId, j);
        _checkStartWindow(jobId, j);
        if (!registry.isActiveSequencer(msg.sender)) revert SchedulerSequencerNotActive(j.sequencerId);
        // Holds while the offer stands (capabilities cannot be withdrawn under it); checked again at the duty.
        _checkRequirements(jobId, index, j, j.sequencerId);
        _accept(jobId, j);
    }

    /// @notice The operator of the sequencer a job is offered to declines it: the job goes back to the head of
    /// its queue bucket (it keeps its place) and its capacity is released.
    function declineJob(bytes32 jobId) external {
        (uint256 index, Job storage j) = _jobIn(jobId, JobStatus.Offered);
        _checkJobOperator(jobId, j);
        uint256 sequencerId = j.sequencerId;
        _requeue(index, j);
        emit JobDeclined(jobId, sequencerId);
    }

    /// @notice The sequencer's operator starts a scheduled job, before its start deadline.
    function startJob(bytes32 jobId) external {
        (, Job storage j) = _jobIn(jobId, JobStatus.Scheduled);
        _checkJobOperator(jobId, j);
        _checkStartWindow(jobId, j);
        _setStatus(jobId, j, JobStatus.Running);
        emit JobStarted(jobId, j.sequencerId);
    }

    /// @notice The sequencer's operator submits the result of a running job, before the deadline. This opens the
    /// requester's dispute window (`acceptanceWindow` as it stands now: a later change does not shorten it).
    function submitResult(bytes32 jobId, bytes32 resultHash, uint256 computeUsed) external {
        (uint256 index, Job storage j) = _jobIn(jobId, JobStatus.Running);
        _checkJobOperator(jobId, j);
        if (block.timestamp > j.deadline) revert SchedulerDeadlinePassed(jobId, j.deadline);
        j.computeUsed = uint64(Math.min(computeUsed, type(uint64).max));
        j.resultAt = uint40(block.timestamp);
        _settlements[index].settleBy = uint40(block.timestamp + acceptanceWindow);
        _setStatus(jobId, j, JobStatus.ResultSubmitted);
        emit ResultSubmitted(jobId, resultHash, computeUsed);
    }

    /**
     * @notice Settles an undisputed result: the requester at any time (accepting it), anyone once the dispute
     * window has closed. Pays the sequencer's operator (withdrawable) and releases the capacity. Once only.
     */
    function completeJob(bytes32 jobId) external {
        (uint256 index, Job storage j) = _jobIn(jobId, JobStatus.ResultSubmitted);
        uint256 acceptBy = _settlements[index].settleBy;
        if (msg.sender != j.requester && block.timestamp <= acceptBy)
            revert SchedulerDeadlineNotPassed(jobId, acceptBy);
        _leave(j);
        address operator = _operatorOf(j.sequencerId);
        uint128 payment = j.payment;
        _escrow -= payment;
        _payExecutor(operator, payment, 0);
        _setStatus(jobId, j, JobStatus.Completed);
        emit JobCompleted(jobId, j.computeUsed);
    }

    /**
     * @notice Anyone ends a job that missed a deadline: queued, offered or scheduled past `startDeadline`
     * (Expired), or running past `deadline` (Failed). The requester is refunded; only a sequencer that had
     * accepted the job (Scheduled, Running) is slashed. A dispute nobody decided by the end of its arbitration
     * window is settled evenly.
     */
    function timeoutJob(bytes32 jobId) external {
        (uint256 index, Job storage j) = _job(jobId);
        JobStatus status = j.status;
        uint256 limit;
        JobStatus outcome;
        if (status == JobStatus.Queued || status == JobStatus.Offered || status == JobStatus.Scheduled) {
            (limit, outcome) = (j.startDeadline, JobStatus.Expired);
        } else if (status == JobStatus.Running) {
            (limit, outcome) = (j.deadline, JobStatus.Failed);
        } else if (status == JobStatus.Disputed) {
            limit = _settlements[index].settleBy;
            if (block.timestamp <= limit) revert SchedulerDeadlineNotPassed(jobId, limit);
            _settleDispute(jobId, index, j, BPS / 2);
            return;
        } else {
            revert SchedulerInvalidJobStatus(jobId, status);
        }
        if (block.timestamp <= limit) revert SchedulerDeadlineNotPassed(jobId, limit);
        uint256 sequencerId = status == JobStatus.Scheduled || status == JobStatus.Running ? j.sequencerId : 0;
        _leave(j);
        _refund(jobId, index, j, outcome);
        if (sequencerId != 0) _penalize(sequencerId, jobId);
    }

    /**
     * @notice The requester disputes a submitted result within its dispute window, escrowing exactly
     * `disputeBond`. The job's payment stays escrowed until an arbiter decides (or the arbitration window ends).
     */
    function disputeResult(bytes32 jobId) external payable {
        (uint256 index, Job storage j) = _jobIn(jobId, JobStatus.ResultSubmitted);
        if (j.requester != msg.sender) revert SchedulerNotRequester(jobId, msg.sender);
        Settlement storage s = _settlements[index];
        if (block.timestamp > s.settleBy) revert SchedulerDisputeWindowClosed(jobId, s.settleBy);
        if (msg.value != disputeBond) revert SchedulerWrongBond(jobId, msg.value, disputeBond);
        uint40 arbitrateBy = uint40(block.timestamp + arbitrationWindow);
        s.bond = uint96(msg.value); // disputeBond fits 96 bits (`_setDisputeTerms`)
        s.settleBy = arbitrateBy;
        s.disputed = true;
        _escrow += uint128(msg.value);
        _setStatus(jobId, j, JobStatus.Disputed);
        emit ResultDisputed(jobId, msg.sender, msg.value, arbitrateBy);
    }

    /**
     * @notice An arbiter (ARBITER_ROLE or governance, not a party to the job) decides a dispute: `executorBps`
     * of the job's escrow and of the bond go to the executing operator, the rest back to the requester (and to
     * boost payers, by `settleBoost`).
     */
    function resolveDispute(bytes32 jobId, uint256 executorBps) external {
        if (!hasRole(ARBITER_ROLE, msg.sender) && !hasRole(GOVERNANCE_ROLE, msg.sender))
            revert SchedulerNotArbiter(msg.sender);
        (uint256 index, Job storage j) = _jobIn(jobId, JobStatus.Disputed);
        if (msg.sender == j.requester || msg.sender == _operatorOf(j.sequencerId))
            revert SchedulerArbiterIsParty(jobId, msg.sender);
        if (executorBps > BPS) revert SchedulerShareOutOfBounds(executorBps);
        _settleDispute(jobId, index, j, executorBps);
    }

    /**
     * @notice Settles one third-party boost of a job that was refunded (the payer gets it back) or whose dispute
     * was decided (split like the job's escrow). Anyone may call: it only credits withdrawable balances, so the
     * executor can collect its share without waiting for the payer. O(1); once per payer.
     */
    function settleBoost(bytes32 jobId, address payer) external returns (uint256 refund) {
        (uint256 index, Job storage j) = _job(jobId);
        JobStatus status = j.status;
        Settlement storage s = _settlements[index];
        // An undisputed completion already paid the whole escrow, boosts included, to the executor.
        bool refunded = status == JobStatus.Cancelled || status == JobStatus.Expired || status == JobStatus.Failed;
        if (!refunded && !(status == JobStatus.Completed && s.disputed))
            revert SchedulerInvalidJobStatus(jobId, status);
        uint256 boost = _boosts[index][payer];
        if (boost == 0) revert SchedulerNoBoostToRefund(jobId, payer);
        delete _boosts[index][payer];
        refund = (boost * (BPS - s.executorBps)) / BPS;
        uint256 toExecutor = boost - refund;
        _escrow -= uint128(boost);
        if (refund != 0) _credit(payer, refund);
        if (toExecutor != 0) _payExecutor(_operatorOf(j.sequencerId), toExecutor, 0);
        emit BoostRefunded(jobId, payer, refund, toExecutor);
    }

    /// @notice Sends the caller its earnings and refunds.
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = _debit(msg.sender);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert SchedulerTransferFailed(msg.sender, amount);
    }

    /**
     * @notice Anyone forwards what the scheduler holds for the insurance fund (insurance fees on compute payments
     * and boosts, compute premiums) to the registry's fund.
     * @dev The fees accrue as the registry's withdrawable balance here, so no payout makes an external value
     * call; this one call forwards them all, after its effects and under the guard, to the trusted registry.
     * @return amount The value forwarded, in wei.
     */
    function forwardInsurance() external nonReentrant returns (uint256 amount) {
        amount = _debit(address(registry));
        registry.fundInsurance{value: amount}();
    }

    // ───────────────────────────────────────── load balancing ────────────────────────────────────────

    /// @inheritdoc IAIWorkloadScheduler
    /// @dev The holder of an accepted (scheduled or running) job hands it over; the scheduler role redirects an
    /// offer (never an accepted duty: that is the holder's). Either way the destination gets an offer, keeping the
    /// job's start deadline, which it may accept (then it has a full start window) or decline; an offer that
    /// lapses expires without a slash. Running jobs restart.
    function migrateJob(bytes32 jobId, uint256 newSequencerId) external {
        (uint256 index, Job storage j) = _job(jobId);
        JobStatus status = j.status;
        if (status != JobStatus.Offered && status != JobStatus.Scheduled && status != JobStatus.Running)
            revert SchedulerInvalidJobStatus(jobId, status);
        _checkMover(jobId, j, status);
        uint256 from = j.sequencerId;
        if (newSequencerId == from) revert SchedulerSameSequencer(jobId, newSequencerId);
        _leave(j);
        _assign(jobId, index, j, newSequencerId, _operatorOf(newSequencerId) == msg.sender);
        emit JobMigrated(jobId, from, newSequencerId);
    }

    /**
     * @inheritdoc IAIWorkloadScheduler
     * @dev Up to MAX_MIGRATIONS_PER_CALL times: take the most loaded and the roomiest other sequencer (the tops
     * of the four class trees); move the first live offer (not accepted: accepted duties stay with whoever accepted
     * them) of the former that the latter meets the requirements of, if it fits and strictly narrows their load
     * gap. Stops when nothing qualifies; call again to continue.
     */
    function rebalanceWorkload() external {
        uint256 migrations;
        for (uint256 round; round < MAX_MIGRATIONS_PER_CALL; ++round) {
            (bool found, uint256 fromPos, uint256 fromLoad) = _top(ClassIndexLib.LOAD, type(uint256).max);
            if (!found) break;
            (bool foundTo, uint256 toPos, ) = _top(ClassIndexLib.ROOM, fromPos);
            if (!foundTo) break;
            uint256 from = fromPos + 1;
            uint256 to = toPos + 1;
            if (!_isActive(to)) {
                // It cannot receive work: out of the index until its next write (an update, or one of the jobs it
                // may still hold leaving), so that a departed sequencer never stops the rebalancing of the others.
                ClassIndexLib.remove(_classes, _classOf(_caps[to]), toPos);
                continue;
            }
            uint256 toLoad = _load(_capacity(_caps[to]));
            if (fromLoad <= toLoad) break;
            uint256 index = _movableJob(from, to, fromLoad - toLoad);
            if (index == 0) break;
            Job storage j = _jobs[index];
            _leave(j);
            _assign(bytes32(index), index, j, to, false); // still an offer: the destination has not accepted
            emit JobMigrated(bytes32(index), from, to);
            ++migrations;
        }
        emit WorkloadRebalanced(migrations);
    }

    /// @notice Anyone re-queues the offered, scheduled or running jobs of a sequencer that left the Active set,
    /// looking at up to `maxJobs` of its jobs from the first. Left where they are: a job past its start window (back in
    /// the queue it could only expire, and an accepted one would escape its deadline slash; `timeoutJob` ends it, a
    /// running one may still deliver), and a submitted or disputed result (settled there: requeued, the requester
    /// could cancel delivered work for a full refund, and a dispute bond would be stranded).
    function requeueJobsOf(uint256 sequencerId, uint256 maxJobs) external returns (uint256 moved) {
        if (_isActive(sequencerId)) revert SchedulerSequencerStillActive(sequencerId);
        uint256 index = _caps[sequencerId].headJob;
        for (; maxJobs != 0 && index != 0; --maxJobs) {
            Job storage j = _jobs[index];
            uint256 next = j.next;
            JobStatus status = j.status;
            if (
                block.timestamp <= j.startDeadline &&
                status != JobStatus.ResultSubmitted &&
                status != JobStatus.Disputed
            ) {
                _requeue(index, j);
                ++moved;
            }
            index = next;
        }
    }

    // ──────────────────────────────────────────── priority ───────────────────────────────────────────

    /// @inheritdoc IAIWorkloadScheduler
    function boostPriority(bytes32 jobId, uint256 amount) external payable {
        (uint256 index, Job storage j) = _jobIn(jobId, JobStatus.Queued);
        if (msg.value == 0 || amount == 0) revert SchedulerZeroPayment();
        // A boost joins the job's payment, so it pays the compute premium too (else: submit 1 wei, then boost).
        uint256 paid = _lessPremium();
        if (msg.sender != j.requester) {
            // Someone else's money: recorded per payer so that a refund goes back to it, not to the requester.
            Settlement storage s = _settlements[index];
            uint256 boosts = s.boosts + paid;
            if (boosts > type(uint96).max) revert SchedulerPaymentTooLarge(jobId, boosts);
            s.boosts = uint96(boosts);
            _boosts[index][msg.sender] += paid;
            emit BoostRecorded(jobId, msg.sender, paid);
        }
        if (j.payment + paid > type(uint128).max) revert SchedulerPaymentTooLarge(jobId, j.payment + paid);
        j.priority = uint32(Math.min(uint256(j.priority) + amount, type(uint32).max));
        j.payment += uint128(paid);
        _escrow += uint128(paid);
        if (_policy == PolicyType.Priority) {
            _dequeue(j);
            _enqueue(index, j, _bucketFor(j, _requesters[j.requester]), false);
        }
        emit PriorityBoosted(jobId, j.priority, paid);
    }

    /// @inheritdoc IAIWorkloadScheduler
    /// @dev `highPriorityJob` (queued) takes the capacity of `lowPriorityJob` (offered, scheduled or running),
    /// which goes back to the head of its bucket. By the sequencer's operator (any of its jobs, for the queue head,
    /// which it accepts) or the scheduler role (only an offer: it cannot take away work an operator accepted; the new job is
    /// offered).
    function preemptJob(bytes32 lowPriorityJob, bytes32 highPriorityJob) external {
        (uint256 lowIndex, Job storage low) = _job(lowPriorityJob);
        (uint256 highIndex, Job storage high) = _job(highPriorityJob);
        JobStatus lowStatus = low.status;
        if (lowStatus != JobStatus.Offered && lowStatus != JobStatus.Scheduled && lowStatus != JobStatus.Running)
            revert SchedulerInvalidJobStatus(lowPriorityJob, lowStatus);
        if (high.status != JobStatus.Queued) revert SchedulerInvalidJobStatus(highPriorityJob, high.status);
        if (high.priority <= low.priority) revert SchedulerPriorityNotHigher(lowPriorityJob, highPriorityJob);
        uint256 sequencerId = low.sequencerId;
        bool byOperator = _checkMover(lowPriorityJob, low, lowStatus);
        // Else an operator could take a decoy job of its own and preempt it with any job it fancies.
        if (byOperator && _head() != highIndex) revert SchedulerNotQueueHead(highPriorityJob, bytes32(_head()));
        // Past its start window an accepted job would come back queued and only expire: its operator would escape the
        // deadline slash by preempting it (as migrating it, which _assign refuses the same way).
        if (byOperator) _checkStartWindow(lowPriorityJob, low);
        _requeue(lowIndex, low);
        _dequeue(high);
        _assign(highPriorityJob, highIndex, high, sequencerId, byOperator);
        emit JobPreempted(lowPriorityJob, highPriorityJob);
    }

    // ─────────────────────────────────────────── governance ──────────────────────────────────────────

    /**
     * @notice Governance: the queueing policy, only while the queue is empty. EDF takes its bucket width in
     * seconds as `policyParams` (`abi.encode(uint256)`), within [⌈startWindow / 255⌉, MAX_EDF_WIDTH]; the other
     * policies take none.
     * @param policy the policy type and, for EDF, its bucket width
     */
    function setSchedulingPolicy(SchedulingPolicy calldata policy) external onlyRole(GOVERNANCE_ROLE) {
        if (_queued != 0) revert SchedulerQueueNotEmpty(_queued);
        if (policy.policyType == PolicyType.EDF) _edfWidth = ClassIndexLib.edfWidth(policy.policyParams, startWindow);
        _policy = policy.policyType;
        emit SchedulingPolicyUpdated(policy.policyType);
    }

    /// @notice Governance: the compute premium, in basis points of a job's payment (at most 1,000), paid on top at
    /// submission to the insurance fund.
    /// @param premiumBps the premium in basis points (`SchedulerPremiumOutOfBounds` above MAX_COMPUTE_PREMIUM_BPS)
    function setComputePremium(uint256 premiumBps) external onlyRole(GOVERNANCE_ROLE) {
        if (premiumBps > MAX_COMPUTE_PREMIUM_BPS)
            revert SchedulerPremiumOutOfBounds(premiumBps, MAX_COMPUTE_PREMIUM_BPS);
        computePremiumBps = uint16(premiumBps);
        emit ComputePremiumUpdated(premiumBps);
    }

    function setTiming(
        uint256 startWindow_,
        uint256 acceptanceWindow_,
        uint256 deadlinePenaltyBps_
    ) external onlyRole(GOVERNANCE_ROLE) {
        _setTiming(startWindow_, acceptanceWindow_, deadlinePenaltyBps_);
    }

    /// @notice Governance: the requester's dispute bond and how long an arbiter has before a dispute splits evenly.
    function setDisputeTerms(uint256 bond, uint256 arbitrationWindow_) external onlyRole(GOVERNANCE_ROLE) {
        _setDisputeTerms(bond, arbitrationWindow_);
    }

    // ───────────────────────────────────────────── views ─────────────────────────────────────────────

    /// @inheritdoc IAIWorkloadScheduler
    /// @dev The eligible sequencer with the highest room key (free flops), ties to the lower id; see the header.
    function getOptimalSequencer(ComputeJob calldata job) external view returns (uint256) {
        return ClassIndexLib.optimal(_classes, _caps, _hot, _supports, registry, job);
    }

    /// @inheritdoc IAIWorkloadScheduler
    /// @dev Reserved flops over advertised flops, in basis points.
    function getSequencerLoad(uint256 sequencerId) external view returns (uint256) {
        return _load(_capacity(_caps[sequencerId]));
    }

    /// @inheritdoc IExtsload
    function extsload(bytes32 slot) external view returns (bytes32 value) {
        assembly ("memory-safe") {
            value := sload(slot)
        }
    }

    /// @inheritdoc IExtsload
    function extsload(bytes32 startSlot, uint256 nSlots) external view returns (bytes32[] memory values) {
        values = new bytes32[](nSlots);
        assembly ("memory-safe") {
            for {
                let i := 0
            } lt(i, nSlots) {
                i := add(i, 1)
            } {
                mstore(add(values, shl(5, add(i, 1))), sload(add(startSlot, i)))
            }
        }
    }

    // ──────────────────────────────────────────── internals ──────────────────────────────────────────

    /// @param accepted the sequencer's operator consents (a duty) rather than only receiving an offer
    function _assign(bytes32 jobId, uint256 index, Job storage j, uint256 sequencerId, bool accepted) private {
        _checkStartWindow(jobId, j);
        ClassIndexLib.Capabilities storage cap = _caps[sequencerId];
        if (cap.hotIndex == 0) revert SchedulerCapabilitiesNotRegistered(sequencerId);
        if (!_isActive(sequencerId)) revert SchedulerSequencerNotActive(sequencerId);
        _checkRequirements(jobId, index, j, sequencerId);
        ClassIndexLib.Capacity memory k = _capacity(cap);
        k.reservedFlops += _flopsUnits(j);
        k.reservedMemory += _memoryUnits(j);
        if (k.reservedFlops > k.availableFlops || k.reservedMemory > k.availableMemory)
            revert SchedulerInsufficientCapacity(jobId, sequencerId);
        _storeCapacity(sequencerId, cap, k);
        // Append to the sequencer's list of jobs.
        j.sequencerId = uint32(sequencerId);
        j.prev = cap.tailJob;
        j.next = 0;
        if (cap.tailJob == 0) cap.headJob = uint40(index);
        else _jobs[cap.tailJob].next = uint40(index);
        cap.tailJob = uint40(index);
        _refreshLoad(sequencerId, k);
        _setStatus(jobId, j, JobStatus.Offered);
        emit JobScheduled(jobId, sequencerId);
        if (accepted) _accept(jobId, j);
    }

    /// @dev Work is given, accepted, started or moved only within the job's start window.
    function _checkStartWindow(bytes32 jobId, Job storage j) private view {
        if (block.timestamp > j.startDeadline) revert SchedulerDeadlinePassed(jobId, j.startDeadline);
    }

    /// @dev An offer becomes the operator's duty, with a full start window from now (capped by the deadline).
    function _accept(bytes32 jobId, Job storage j) private {
        uint40 startBy = uint40(Math.min(j.deadline, block.timestamp + startWindow));
        j.startDeadline = startBy;
        _setStatus(jobId, j, JobStatus.Scheduled);
        emit JobAccepted(jobId, j.sequencerId, startBy);
    }

    /// @dev Takes a job off its sequencer and back to the head of its queue bucket (it keeps its place).
    function _requeue(uint256 index, Job storage j) private {
        _leave(j);
        j.sequencerId = 0;
        _setStatus(bytes32(index), j, JobStatus.Queued);
        // EDF keys by time: the bucket is recomputed (same for a deadline within the horizon; a clamped one moves on).
        _enqueue(index, j, _policy == PolicyType.EDF ? _edfBucket(j) : j.bucket, true);
    }

    /**
     * @dev Settles a dispute: `executorBps` of the requester's own escrow and of its bond to the executor, the
     * rest to the requester; third-party boosts are split the same way by `settleBoost`. Rounding favours the
     * requester (the executor's share rounds down).
     */
    function _settleDispute(bytes32 jobId, uint256 index, Job storage j, uint256 executorBps) private {
        Settlement storage s = _settlements[index];
        s.executorBps = uint16(executorBps);
        uint256 own = j.payment - s.boosts;
        uint256 bond = s.bond;
        uint256 earned = (own * executorBps) / BPS;
        uint256 toExecutor = earned + (bond * executorBps) / BPS;
        uint256 toRequester = own + bond - toExecutor;
        address operator = _operatorOf(j.sequencerId);
        _leave(j);
        _escrow -= uint128(own + bond);
        if (toExecutor != 0) _payExecutor(operator, earned, toExecutor - earned);
        if (toRequester != 0) _credit(j.requester, toRequester);
        _setStatus(jobId, j, executorBps == 0 ? JobStatus.Failed : JobStatus.Completed);
        emit DisputeResolved(jobId, msg.sender, executorBps, toExecutor, toRequester);
        if (executorBps != 0) emit JobCompleted(jobId, j.computeUsed);
    }

    /// @dev Takes a job out of wherever it is (queue, or a sequencer's list and its capacity).
    function _leave(Job storage j) private {
        if (j.status == JobStatus.Queued) {
            _dequeue(j);
            return;
        }
        uint256 sequencerId = j.sequencerId;
        ClassIndexLib.Capabilities storage cap = _caps[sequencerId];
        ClassIndexLib.Capacity memory k = _capacity(cap);
        k.reservedFlops -= _flopsUnits(j);
        k.reservedMemory -= _memoryUnits(j);
        _storeCapacity(sequencerId, cap, k);
        if (j.prev == 0) cap.headJob = j.next;
        else _jobs[j.prev].next = j.next;
        if (j.next == 0) cap.tailJob = j.prev;
        else _jobs[j.next].prev = j.prev;
        j.prev = 0;
        j.next = 0;
        _refreshLoad(sequencerId, k);
    }

    /// @dev Refunds the requester's own payment; third-party boosts wait for their payers (`settleBoost`).
    function _refund(bytes32 jobId, uint256 index, Job storage j, JobStatus outcome) private {
        uint256 own = j.payment - _settlements[index].boosts;
        _escrow -= uint128(own);
        _credit(j.requester, own);
        _setStatus(jobId, j, outcome);
        emit JobRefunded(jobId, j.requester, own, outcome);
    }

    function _penalize(uint256 sequencerId, bytes32 jobId) private {
        uint256 amount = registry.slashShare(sequencerId, deadlinePenaltyBps);
        emit SequencerPenalized(sequencerId, jobId, amount);
    }

    /// @dev One call site for the library's `top` (each external call site costs its encoding in code).
    function _top(uint256 field, uint256 excluded) private view returns (bool, uint256, uint256) {
        return ClassIndexLib.top(_classes, field, excluded);
    }

    /// @dev The first scheduled (not running) job of `from` that fits `to` and strictly narrows the load gap.
    function _movableJob(uint256 from, uint256 to, uint256 gap) private view returns (uint256) {
        ClassIndexLib.Capacity memory src = _capacity(_caps[from]);
        ClassIndexLib.Capacity memory dst = _capacity(_caps[to]);
        uint256 checked;
        for (
            uint256 index = _caps[from].headJob;
            index != 0 && checked < MAX_MIGRATIONS_PER_CALL;
            index = _jobs[index].next
        ) {
            ++checked;
            Job storage j = _jobs[index];
            // Only live offers: an accepted duty is its operator's, and a lapsed offer cannot be re-offered.
            if (j.status != JobStatus.Offered || block.timestamp > j.startDeadline) continue;
            if (_jobLacks(index, j, to) != 0) continue;
            uint256 units = _flopsUnits(j);
            if (dst.reservedFlops + units > dst.availableFlops) continue;
            if (dst.reservedMemory + _memoryUnits(j) > dst.availableMemory) continue;
            // New gap after the move: |(from − Δf) − (to + Δt)| must be below the old one.
            uint256 fromAfter = ((src.reservedFlops - units) * BPS) / src.availableFlops;
            uint256 toAfter = ((dst.reservedFlops + units) * BPS) / dst.availableFlops;
            uint256 newGap = fromAfter > toAfter ? fromAfter - toAfter : toAfter - fromAfter;
            if (newGap < gap) return index;
        }
        return 0;
    }

    function _load(ClassIndexLib.Capacity memory k) private pure returns (uint256) {
        return ClassIndexLib.load(k);
    }

    /// @dev Writes a sequencer's lane in its class tree: load and room key.
    function _refreshLoad(uint256 sequencerId, ClassIndexLib.Capacity memory k) private {
        uint256 room = k.reservedFlops < k.availableFlops ? k.availableFlops - k.reservedFlops : 0;
        ClassIndexLib.update(_classes, _classOf(_caps[sequencerId]), sequencerId - 1, _load(k), room);
    }

    function _classOf(ClassIndexLib.Capabilities storage cap) private view returns (uint256) {
        return ClassIndexLib.classOf(cap);
    }

    function _jobLacks(uint256 index, Job storage j, uint256 sequencerId) private view returns (uint256) {
        uint256 needs = j.needs;
        if (needs == 0) return 0;
        Requirement memory r;
        if (needs & NEEDS_MORE != 0) r = _requirements[index];
        return ClassIndexLib.lacks(_caps[sequencerId], _supports[sequencerId], needs, r.minBandwidth, r.model);
    }

    function _checkRequirements(bytes32 jobId, uint256 index, Job storage j, uint256 sequencerId) private view {
        uint256 missing = _jobLacks(index, j, sequencerId);
        if (missing != 0) revert SchedulerLacksCapability(jobId, sequencerId, missing);
    }

    function _flopsUnits(Job storage j) private view returns (uint256) {
        return Math.ceilDiv(j.requiredFlops, FLOPS_UNIT);
    }

    function _memoryUnits(Job storage j) private view returns (uint256) {
        return Math.ceilDiv(j.memoryRequirement, MEMORY_UNIT);
    }

    function _capacity(ClassIndexLib.Capabilities storage cap) private view returns (ClassIndexLib.Capacity memory) {
        return ClassIndexLib.capacity(_hot, cap);
    }

    function _storeCapacity(
        uint256 sequencerId,
        ClassIndexLib.Capabilities storage cap,
        ClassIndexLib.Capacity memory k
    ) private {
        ClassIndexLib.storeCapacity(_hot, cap, k, sequencerId);
    }

    function _setStatus(bytes32 jobId, Job storage j, JobStatus status) private {
        JobStatus old = j.status;
        j.status = status;
        emit JobStatusChanged(jobId, old, status);
    }

    // Queue: buckets 0..255 (lower first), FIFO in each; `_bucketMap` bit b set iff bucket b is non-empty.

    /// @param stats the requester's submissions before this job
    function _bucketFor(Job storage j, RequesterStats memory stats) private view returns (uint8) {
        PolicyType p = _policy;
        if (p == PolicyType.Priority) return uint8(255 - Math.min(j.priority, 255));
        if (p == PolicyType.SJF) return uint8(Math.log2(j.requiredFlops));
        if (p == PolicyType.RoundRobin) return uint8(Math.min(stats.jobs, 255));
        if (p == PolicyType.Fair) return uint8(Math.min(Math.log2(uint256(stats.flops) + 1), 255));
        if (p == PolicyType.EDF) return _edfBucket(j);
        return 0;
    }

    /// @dev EDF: ⌊d / width⌋ mod 256 of the deadline d, clamped to the horizon now + 255 × width.
    function _edfBucket(Job storage j) private view returns (uint8) {
        uint256 width = _edfWidth;
        return uint8(Math.min(j.deadline, block.timestamp + 255 * width) / width);
    }

    function _enqueue(uint256 index, Job storage j, uint8 bucket, bool atHead) private {
        uint256 ht = _buckets[bucket];
        uint40 head = uint40(ht >> 64);
        uint40 tail = uint40(ht);
        j.bucket = bucket;
        if (head == 0) {
            j.prev = 0;
            j.next = 0;
            _buckets[bucket] = (index << 64) | index;
            _bucketMap |= 1 << bucket;
        } else if (atHead) {
            j.prev = 0;
            j.next = head;
            _jobs[head].prev = uint40(index);
            _buckets[bucket] = (index << 64) | tail;
        } else {
            j.prev = tail;
            j.next = 0;
            _jobs[tail].next = uint40(index);
            _buckets[bucket] = (uint256(head) << 64) | index;
        }
        _queued += 1;
    }

    function _dequeue(Job storage j) private {
        uint8 bucket = j.bucket;
        uint256 ht = _buckets[bucket];
        uint256 head = ht >> 64;
        uint256 tail = uint40(ht);
        if (j.prev == 0) head = j.next;
        else _jobs[j.prev].next = j.next;
        if (j.next == 0) tail = j.prev;
        else _jobs[j.next].prev = j.prev;
        _buckets[bucket] = (head << 64) | tail;
        if (head == 0) _bucketMap &= ~(uint256(1) << bucket);
        j.prev = 0;
        j.next = 0;
        _queued -= 1;
    }

    /// @dev The first job of the first non-empty bucket: the lowest, or under EDF the first from now's bucket on.
    function _head() private view returns (uint256) {
        uint256 map = _bucketMap;
        if (map == 0) return 0;
        uint256 start = _policy == PolicyType.EDF ? uint8(block.timestamp / _edfWidth) : 0;
        return _buckets[ClassIndexLib.ringFirst(map, start)] >> 64;
    }

    function _credit(address account, uint256 amount) private {
        _balances[account] += amount;
        _owed += amount;
    }

    /// @dev Pays an executor `revenue` (compute payment or boost) less the insurance fee, which accrues to the
    /// registry's balance here (`forwardInsurance`), plus `untaxed` (its share of a dispute bond: a deposit, not
    /// a payment for compute).
    function _payExecutor(address operator, uint256 revenue, uint256 untaxed) private {
        uint256 fee = InsuranceFee.feeOn(registry, revenue);
        _credit(operator, revenue - fee + untaxed);
        if (fee != 0) _credit(address(registry), fee);
    }

    /// @dev `msg.value` less the compute premium, which goes to the insurance fund: payment + payment × bps / BPS
    /// = msg.value, the premium rounded down (never above its rate).
    function _lessPremium() private returns (uint256 payment) {
        uint256 premiumBps = computePremiumBps;
        uint256 premium = (msg.value * premiumBps) / (BPS + premiumBps);
        if (premium != 0) _credit(address(registry), premium);
        return msg.value - premium;
    }

    /// @dev Zeroes `account`'s balance (effects before the caller's transfer).
    function _debit(address account) private returns (uint256 amount) {
        amount = _balances[account];
        if (amount == 0) revert SchedulerNothingToWithdraw(account);
        _balances[account] = 0;
        _owed -= amount;
        emit Withdrawn(account, amount);
    }

    /// @dev The registry's answers through one call site each: an inlined external call costs ~130 bytes of code
    /// per use, and the scheduler asks at a dozen places.
    function _operatorOf(uint256 sequencerId) private view returns (address) {
        return registry.operatorOf(sequencerId);
    }

    function _isActive(uint256 sequencerId) private view returns (bool) {
        return registry.isActiveSequencer(_operatorOf(sequencerId));
    }

    function _job(bytes32 jobId) private view returns (uint256 index, Job storage j) {
        index = uint256(jobId);
        j = _jobs[index];
        if (j.status == JobStatus.None) revert SchedulerUnknownJob(jobId);
    }

    /// @dev `_job`, and the job must be in `status`.
    function _jobIn(bytes32 jobId, JobStatus status) private view returns (uint256 index, Job storage j) {
        (index, j) = _job(jobId);
        if (j.status != status) revert SchedulerInvalidJobStatus(jobId, j.status);
    }

    function _checkJobOperator(bytes32 jobId, Job storage j) private view {
        if (_operatorOf(j.sequencerId) != msg.sender) revert SchedulerNotJobSequencer(jobId, msg.sender);
    }

    /// @return isOperator the caller is the sequencer's operator (its acts are its consent)
    function _checkOperatorOrScheduler(uint256 sequencerId) private view returns (bool isOperator) {
        address operator = _operatorOf(sequencerId);
        if (operator == address(0)) revert SchedulerUnknownSequencer(sequencerId);
        isOperator = operator == msg.sender;
        if (!isOperator && !hasRole(SCHEDULER_ROLE, msg.sender))
            revert SchedulerNotSequencerOperator(sequencerId, msg.sender);
    }

    /// @dev Who may move a job off its sequencer: the holder of an accepted job (or of an offer to it, which it
    /// could decline anyway), the scheduler role only an offer.
    /// @return byOperator the caller is the operator of the job's sequencer
    function _checkMover(bytes32 jobId, Job storage j, JobStatus status) private view returns (bool byOperator) {
        byOperator = _operatorOf(j.sequencerId) == msg.sender;
        if (!byOperator && (status != JobStatus.Offered || !hasRole(SCHEDULER_ROLE, msg.sender)))
            revert SchedulerNoConsent(jobId, msg.sender, status);
    }

    function _setTiming(uint256 startWindow_, uint256 acceptanceWindow_, uint256 deadlinePenaltyBps_) private {
        if (
            startWindow_ == 0 ||
            startWindow_ > 30 days ||
            acceptanceWindow_ < MIN_ACCEPTANCE_WINDOW ||
            acceptanceWindow_ > 30 days ||
            deadlinePenaltyBps_ > MAX_DEADLINE_PENALTY_BPS ||
            (_policy == PolicyType.EDF && startWindow_ > 255 * uint256(_edfWidth))
        ) {
            revert SchedulerParameterOutOfBounds();
        }
        startWindow = uint64(startWindow_);
        acceptanceWindow = uint64(acceptanceWindow_);
        deadlinePenaltyBps = uint16(deadlinePenaltyBps_);
        emit TimingUpdated(startWindow_, acceptanceWindow_, deadlinePenaltyBps_);
    }

    function _setDisputeTerms(uint256 bond, uint256 arbitrationWindow_) private {
        if (bond > type(uint96).max || arbitrationWindow_ < 1 hours || arbitrationWindow_ > 90 days)
            revert SchedulerParameterOutOfBounds();
        disputeBond = uint128(bond);
        arbitrationWindow = uint64(arbitrationWindow_);
        emit DisputeTermsUpdated(bond, arbitrationWindow_);
    }
}
