// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IPerformanceMonitor} from "./interfaces/IPerformanceMonitor.sol";
import {InsuranceFee} from "./libraries/InsuranceFee.sol";
import {ISequencerRegistry} from "./interfaces/ISequencerRegistry.sol";
import {IAttestationCommittee} from "./interfaces/IAttestationCommittee.sol";

/**
 * @title PerformanceMonitor
 * @notice LP-504 performance monitoring that closes the loop with the registry: metrics per sequencer and
 * period, quality scores, SLA checks whose penalties anyone can trigger once the chain confirms them,
 * reputation that feeds the registry's performance score, liveness failover and forced inclusion.
 *
 * It holds the registry's SLASHER_ROLE (SLA and censorship penalties, suspension) and MONITOR_ROLE (scores,
 * forced rotation). Metrics come from the reporter role (the rollup's inbox or batch poster, or an oracle set),
 * or, without trusting any reporter, from attested blocks: a `BlockAttestation` signed by more than two thirds of
 * the seats of the epoch's attestation committee (drawn by the selection module, {IAttestationCommittee}), whose
 * signed struct covers every metric it records (a front-runner cannot swap in its own transaction count). A block number is recorded once, whichever path records it.
 *
 * Duty: a sequencer is judged (missed slots, attested blocks, liveness, censorship) only for time in which it
 * held the turn. While the L1 fallback sequences (`registry.isFallbackMode()`), nobody is judged; a forced
 * transaction is charged to the sequencer whose current, uninterrupted turn has covered a whole inclusion window
 * while the transaction waited, never to one that was rotated away before its window ran out.
 *
 * Periods run on the registry's slot clock: `period = registry slot / (periodDuration / SLOT_DURATION)`, so a
 * period is a whole number of the registry's slots counted from the registry's genesis; every record is O(1) and
 * lands in its period, so past periods are answered without scanning.
 *
 * Scores (basis points, over one period):
 * - throughput = min(1, TPS / targetTps), TPS = transactions / seconds of duty observed in the period (a slot per
 *   block produced or slot missed): a sequencer is never judged over time it did not hold the turn;
 * - availability = produced / (produced + missed slots);
 * - correctness = (produced − reorged blocks) / produced;
 * - timeliness = min(1, targetLatency / mean latency);
 * - overall = 25% throughput + 35% availability + 25% correctness + 15% timeliness.
 */
contract PerformanceMonitor is IPerformanceMonitor, AccessControl, ReentrancyGuard, EIP712 {
    bytes32 public constant BLOCK_ATTESTATION_TYPEHASH = keccak256(
        "BlockAttestation(uint256 sequencerId,uint256 slot,uint256 blockNumber,bytes32 blockHash,uint256 gasUsed,uint256 txCount)"
    );
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    bytes32 public constant REPORTER_ROLE = keccak256("REPORTER_ROLE");

    uint256 public constant BPS = 10_000;
    uint256 public constant MAX_REPUTATION = 10_000;
    /// @notice The largest forced transaction (128 KiB, an EVM node's transaction size limit): a larger one could not
    /// enter an L2 block, so no sequencer could be held to including it.
    uint256 public constant MAX_FORCED_TX_BYTES = 128 * 1024;

    /// @notice Kinds of SLA violation, as encoded in `violations`.
    enum ViolationKind {
        Throughput,
        Uptime,
        Latency,
        MissedSlots
    }

    /// @notice One violation: what, the measured value, the SLA's limit.
    struct Violation {
        ViolationKind kind;
        uint256 actual;
        uint256 limit;
    }

    struct PeriodMetrics {
        // slot
        uint64 blocksProduced;
        uint64 missedSlots;
        uint64 reorgedBlocks; // Σ reorg depth
        uint64 latencySamples;
        // slot
        uint128 transactions;
        uint128 gasUsed;
        // slot
        uint64 firstBlockTime;
        uint64 lastBlockTime;
        uint128 latencySum; // ms
    }

    struct ForcedTx {
        address requester;
        uint64 deadline; // of the turn it was queued in; a later turn gets its own window
        uint32 sequencerId; // active when queued; once settled, the one paid or charged
        uint8 status; // 1 queued, 2 included, 3 missed (charged), 4 lapsed (fallback: nobody charged)
        uint64 queuedAt;
        bytes32 txHash;
        uint256 fee;
    }

    struct Params {
        uint64 periodDuration;
        uint32 livenessTimeout;
        uint32 inclusionWindow;
        uint16 slaPenaltyBps; // of the pool, per penalized period
        uint16 censorshipPenaltyBps; // of the pool, per missed forced transaction
        uint8 suspendAfterBreaches;
        uint16 targetTps;
        uint32 targetLatencyMs;
        uint128 minInclusionFee;
    }

    ISequencerRegistry public immutable registry;
    /// @notice The registry's genesis and slot length (its immutables, read once): the monitor's only clock.
    uint256 public immutable GENESIS_TIME;
    uint256 public immutable SLOT_DURATION;

    Params private _params;
    SLAConfig private _sla;
    mapping(uint256 sequencerId => mapping(uint256 period => PeriodMetrics)) private _metrics;
    mapping(uint256 sequencerId => mapping(uint256 slot => bool)) private _missedSlotRecorded;
    mapping(uint256 sequencerId => mapping(uint256 slot => bytes32 blockHash)) private _attested;
    mapping(uint256 sequencerId => mapping(uint256 slot => bytes32 structHash)) private _attestation;
    mapping(uint256 blockNumber => uint256 sequencerId) private _blockProducer; // 0: not recorded
    mapping(uint256 sequencerId => uint256 timestamp) private _lastBlockAt;
    mapping(uint256 sequencerId => uint256 slot) private _lastMissedSlot; // + 1; 0: none
    mapping(uint256 sequencerId => mapping(uint256 period => bool)) private _penalized;
    mapping(uint256 sequencerId => uint256 count) private _breaches;
    mapping(uint256 id => ForcedTx) private _forced;
    mapping(address account => uint256 amount) private _balances;
    uint256 private _forcedCount;
    uint256 private _owed; // Σ queued fees + Σ balances

    /// @notice A block attested by committee members holding `seats` seats.
    event BlockAttested(uint256 indexed sequencerId, uint256 indexed slot, bytes32 blockHash, uint256 seats);
    event ConflictingAttestation(
        uint256 indexed sequencerId,
        uint256 indexed slot,
        bytes32 blockHashA,
        bytes32 blockHashB
    );
    event LatencyRecorded(uint256 indexed sequencerId, uint256 latencyMs);
    event LivenessRotation(uint256 indexed sequencerId, bool missedSlot);
    event InclusionForced(
        uint256 indexed id,
        bytes32 indexed txHash,
        uint256 indexed sequencerId,
        uint256 fee,
        uint256 deadline,
        bytes transaction
    );
    event InclusionMarked(uint256 indexed id, uint256 indexed sequencerId);
    event InclusionMissed(uint256 indexed id, uint256 indexed sequencerId, uint256 slashed);
    event InclusionLapsed(uint256 indexed id);
    event Withdrawn(address indexed account, uint256 amount);
    event SLAUpdated(uint256 minThroughput, uint256 minUptime, uint256 maxLatency, uint256 maxMissedSlots);
    event MonitorParametersUpdated();

    constructor(
        address admin,
        ISequencerRegistry registry_,
        Params memory params,
        SLAConfig memory sla
    ) EIP712("LP504 PerformanceMonitor", "1") {
        registry = registry_;
        GENESIS_TIME = registry_.GENESIS_TIME();
        SLOT_DURATION = registry_.SLOT_DURATION();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GOVERNANCE_ROLE, admin);
        _setParams(params);
        _setSLA(sla);
    }

    // ───────────────────────────────────────────── metrics ───────────────────────────────────────────

    /// @inheritdoc IPerformanceMonitor
    function recordBlockProduction(
        uint256 sequencerId,
        uint256 blockNumber,
        uint256 gasUsed,
        uint256 txCount
    ) external onlyRole(REPORTER_ROLE) {
        _checkKnown(sequencerId);
        // A retried oracle transaction must not count the block twice.
        if (_blockProducer[blockNumber] != 0) revert MonitorBlockAlreadyRecorded(sequencerId, blockNumber);
        _recordBlock(sequencerId, blockNumber, gasUsed, txCount);
    }

    /// @inheritdoc IPerformanceMonitor
    /// @dev Not while the L1 fallback sequences: then no sequencer holds a slot it could miss.
    function recordMissedSlot(uint256 sequencerId, uint256 slot) external onlyRole(REPORTER_ROLE) {
        _checkKnown(sequencerId);
        if (_isFallback()) revert MonitorFallbackMode(sequencerId);
        if (_missedSlotRecorded[sequencerId][slot]) revert MonitorSlotAlreadyRecorded(sequencerId, slot);
        _missedSlotRecorded[sequencerId][slot] = true;
        _metrics[sequencerId][currentPeriod()].missedSlots += 1;
        _lastMissedSlot[sequencerId] = slot + 1;
        emit MissedSlotRecorded(sequencerId, slot);
    }

    /// @inheritdoc IPerformanceMonitor
    function recordReorg(uint256 sequencerId, uint256 depth) external onlyRole(REPORTER_ROLE) {
        _checkKnown(sequencerId);
        if (depth == 0 || depth > type(uint32).max) revert MonitorInvalidDepth(depth);
        _metrics[sequencerId][currentPeriod()].reorgedBlocks += uint64(depth);
        emit ReorgRecorded(sequencerId, depth);
    }

    /// @notice Reporter role: a latency sample (ms) of the sequencer, e.g. from the rollup's RPC probes.
    function recordLatency(uint256 sequencerId, uint256 latencyMs) external onlyRole(REPORTER_ROLE) {
        _checkKnown(sequencerId);
        PeriodMetrics storage m = _metrics[sequencerId][currentPeriod()];
        m.latencySamples += 1;
        m.latencySum += uint128(latencyMs);
        emit LatencyRecorded(sequencerId, latencyMs);
    }

    /**
     * @notice Records the current sequencer's block without trusting a reporter: `signatures` are EIP-712
     * `BlockAttestation` signatures (this monitor's domain) over every field of `attestation`, metrics included,
     * ordered by signer address (strictly increasing: no duplicates), by members of the attestation committee of
     * `slot`'s epoch who are still Active, holding together at least ⌊2·size/3⌋ + 1 of its seats. The committee is
     * the registry's selection module's ({IAttestationCommittee}); without one for the epoch the call reverts
     * (MonitorNoCommittee): the reporter path remains. O(signers) ≤ O(committee): per signer one recovery, one
     * read of the committee and one of the registry, whatever the size of the Active set. `slot` is the registry's
     * current or previous slot, and the L1 fallback must not be sequencing. One block per (sequencer, slot) and per block number: the same
     * attestation again reverts with MonitorBlockAlreadyRecorded; a different one for the same (sequencer,
     * slot) (another block hash, or other metrics) means some attesters signed two versions: it is announced
     * (ConflictingAttestation) and not counted.
     */
    function recordAttestedBlock(BlockAttestation calldata attestation, bytes[] calldata signatures) external {
        uint256 sequencerId = attestation.sequencerId;
        uint256 slot = attestation.slot;
        uint256 current = registry.currentSequencerId();
        if (sequencerId != current) revert MonitorNotCurrentSequencer(sequencerId, current);
        if (_isFallback()) revert MonitorFallbackMode(sequencerId);
        uint256 nowSlot = registry.currentSlot();
        if (slot > nowSlot || slot + 1 < nowSlot) revert MonitorSlotOutOfWindow(slot, nowSlot);
        bytes32 structHash = _attestationStructHash(attestation);
        uint256 seats = _attestingSeats(slot, _hashTypedDataV4(structHash), signatures);
        bytes32 recorded = _attestation[sequencerId][slot];
        if (recorded == structHash) revert MonitorBlockAlreadyRecorded(sequencerId, attestation.blockNumber);
        if (recorded != bytes32(0)) {
            emit ConflictingAttestation(sequencerId, slot, _attested[sequencerId][slot], attestation.blockHash);
            return;
        }
        // Already recorded under this number (by the reporter, or attested for another slot): counted once.
        if (_blockProducer[attestation.blockNumber] != 0) {
            revert MonitorBlockAlreadyRecorded(sequencerId, attestation.blockNumber);
        }
        _attestation[sequencerId][slot] = structHash;
        _attested[sequencerId][slot] = attestation.blockHash;
        _recordBlock(sequencerId, attestation.blockNumber, attestation.gasUsed, attestation.txCount);
        emit BlockAttested(sequencerId, slot, attestation.blockHash, seats);
    }

    /// @notice The EIP-712 digest attesters sign for `attestation` (this monitor's domain).
    function attestationDigest(BlockAttestation calldata attestation) external view returns (bytes32) {
        return _hashTypedDataV4(_attestationStructHash(attestation));
    }

    // ──────────────────────────────────────────── scoring ────────────────────────────────────────────

    /// @inheritdoc IPerformanceMonitor
    function calculateQualityScore(uint256 sequencerId) public view returns (QualityScore memory q) {
        return _score(sequencerId, currentPeriod());
    }

    /// @notice The quality score over a given period.
    function qualityScoreOf(uint256 sequencerId, uint256 period) external view returns (QualityScore memory) {
        return _score(sequencerId, period);
    }

    /// @inheritdoc IPerformanceMonitor
    function getPerformanceMetrics(
        uint256 sequencerId,
        uint256 period
    ) public view returns (PerformanceMetrics memory p) {
        PeriodMetrics storage m = _metrics[sequencerId][period];
        p.blocksProduced = m.blocksProduced;
        p.transactionsProcessed = m.transactions;
        if (m.blocksProduced > 1)
            p.avgBlockTime = (uint256(m.lastBlockTime) - m.firstBlockTime) / (m.blocksProduced - 1);
        if (m.blocksProduced != 0) p.avgGasUsed = m.gasUsed / m.blocksProduced;
        uint256 slots = uint256(m.blocksProduced) + m.missedSlots;
        p.uptime = slots == 0 ? 0 : (uint256(m.blocksProduced) * BPS) / slots;
        p.missedSlots = m.missedSlots;
        p.reorgCount = m.reorgedBlocks;
        p.latency = m.latencySamples == 0 ? 0 : m.latencySum / m.latencySamples;
    }

    // ─────────────────────────────────────────────── SLA ─────────────────────────────────────────────

    /**
     * @inheritdoc IPerformanceMonitor
     * @dev Over the current period. `violations` is `abi.encode(uint256 period, Violation[] list)`, with the
     * violated terms in ViolationKind order; empty list when compliant. Throughput is transactions per second
     * over the sequencer's observed duty in the period (its produced and missed slots, truncated); a period
     * without any slot (not the sequencer's turn) has no throughput or uptime to judge.
     */
    function checkSLACompliance(
        uint256 sequencerId,
        SLAConfig calldata sla
    ) external view returns (bool compliant, bytes memory violations) {
        return _check(sequencerId, currentPeriod(), sla);
    }

    /// @notice The governed SLA checked over a past (or the current) period: what `penalizeSLAViolation` expects.
    function slaViolationsAt(
        uint256 sequencerId,
        uint256 period
    ) external view returns (bool compliant, bytes memory violations) {
        return _check(sequencerId, period, _sla);
    }

    /**
     * @inheritdoc IPerformanceMonitor
     * @dev Anyone may call it. `violations` must equal what the chain computes for that (complete) period
     * against the governed SLA; then `slaPenaltyBps` of the pool is slashed (to the insurance fund) and, at
     * `suspendAfterBreaches` penalized periods, the sequencer is suspended. Once per (sequencer, period).
     */
    function penalizeSLAViolation(uint256 sequencerId, bytes calldata violations) external {
        _checkKnown(sequencerId);
        if (violations.length < 32) revert MonitorViolationsMismatch(sequencerId);
        uint256 period = abi.decode(violations[0:32], (uint256));
        uint256 nowPeriod = currentPeriod();
        if (period >= nowPeriod) revert MonitorPeriodNotOver(period, nowPeriod);
        if (_penalized[sequencerId][period]) revert MonitorViolationAlreadyPenalized(sequencerId, period);
        (bool compliant, bytes memory expected) = _check(sequencerId, period, _sla);
        if (compliant) revert MonitorNoViolation(sequencerId);
        if (keccak256(expected) != keccak256(violations)) revert MonitorViolationsMismatch(sequencerId);
        _penalized[sequencerId][period] = true;
        uint256 breachCount = ++_breaches[sequencerId];

        uint256 amount = registry.slashShare(sequencerId, _params.slaPenaltyBps);
        bool suspend = breachCount >= _params.suspendAfterBreaches && _isSuspendable(sequencerId);
        if (suspend) registry.suspendSequencer(sequencerId);
        emit SLAViolation(sequencerId, violations);
        emit SLAPenaltyApplied(sequencerId, amount, suspend);
    }

    // ─────────────────────────────────────────── reputation ──────────────────────────────────────────

    /**
     * @inheritdoc IPerformanceMonitor
     * @dev Reporter role. The reputation is the registry's performance score (one home: Performance and Hybrid
     * selection rank by it): `change` applies to its decayed value, clamped to [0, 10,000], and the result is
     * written back to the registry.
     */
    function updateReputation(uint256 sequencerId, int256 change) external onlyRole(REPORTER_ROLE) {
        if (change > int256(MAX_REPUTATION) || change < -int256(MAX_REPUTATION))
            revert MonitorReputationChangeOutOfRange(change);
        int256 next = int256(getReputation(sequencerId)) + change;
        if (next < 0) next = 0;
        if (next > int256(MAX_REPUTATION)) next = int256(MAX_REPUTATION);
        uint256 score = uint256(next);
        registry.updatePerformance(sequencerId, score);
        emit ReputationUpdated(sequencerId, score);
    }

    /// @inheritdoc IPerformanceMonitor
    /// @dev The registry's performance score after its linear decay (`scoreDecayRate` bp per day).
    function getReputation(uint256 sequencerId) public view returns (uint256) {
        _checkKnown(sequencerId);
        return registry.performanceOf(sequencerId);
    }

    // ──────────────────────────────────────────── liveness ───────────────────────────────────────────

    /**
     * @notice Anyone rotates away from the active sequencer at once when it has missed a slot during its turn,
     * or produced no block for `livenessTimeout` (spec "Timeout Mechanisms", "Automatic Failover").
     */
    function rotateOnLivenessFailure() external {
        uint256 current = registry.currentSequencerId();
        // While the L1 fallback sequences, the current sequencer is not expected to produce anything.
        if (_isFallback()) revert MonitorFallbackMode(current);
        uint256 turnStart = registry.lastRotationTime();
        uint256 missed = _lastMissedSlot[current];
        // A missed slot counts against the turn if it ended after the turn began (missed − 1 is the slot number).
        bool missedSlot = missed != 0 && missed * SLOT_DURATION + GENESIS_TIME > turnStart;
        if (!missedSlot) {
            uint256 since = _lastBlockAt[current] > turnStart ? _lastBlockAt[current] : turnStart;
            uint256 deadline = since + _params.livenessTimeout;
            if (block.timestamp <= deadline) revert MonitorLivenessHolds(current, deadline);
        }
        emit LivenessRotation(current, missedSlot);
        registry.forceRotation();
    }

    // ──────────────────────────────────────── forced inclusion ───────────────────────────────────────

    /**
     * @notice Queues `transaction` (the raw L2 transaction, named by its keccak256 hash) for forced inclusion with
     * `msg.value` as its fee (spec "Forced Inclusion"). The bytes are published in `InclusionForced`, so the
     * sequencer on duty always has what it must include: a requester cannot name a hash no transaction has and
     * get an honest sequencer slashed for not including it. The active sequencer must mark it included within
     * `inclusionWindow` (included as a rollup inbox includes a message: its bytes placed in the sequence, whatever
     * their execution does); it earns
     * the fee then. If its turn ends first, the duty passes to the next turn, with a fresh window from that
     * turn's start. Once the sequencer on duty has let a whole window pass, anyone may prove the miss.
     * Refused while the L1 fallback sequences: no sequencer holds the duty, users submit on L1 directly.
     */
    function forceInclusion(bytes calldata transaction) external payable returns (uint256 id) {
        if (transaction.length == 0) revert MonitorEmptyTransaction();
        if (transaction.length > MAX_FORCED_TX_BYTES)
            revert MonitorTransactionTooLarge(transaction.length, MAX_FORCED_TX_BYTES);
        if (msg.value < _params.minInclusionFee) revert MonitorFeeTooLow(msg.value, _params.minInclusionFee);
        uint256 responsible = registry.currentSequencerId();
        if (responsible == 0) revert MonitorNotCurrentSequencer(0, 0);
        if (_isFallback()) revert MonitorFallbackMode(responsible);
        id = ++_forcedCount;
        uint256 deadline = block.timestamp + _params.inclusionWindow;
        bytes32 txHash = keccak256(transaction);
        _forced[id] = ForcedTx({
            requester: msg.sender,
            deadline: uint64(deadline),
            sequencerId: uint32(responsible),
            status: 1,
            queuedAt: uint64(block.timestamp),
            txHash: txHash,
            fee: msg.value
        });
        _owed += msg.value;
        emit InclusionForced(id, txHash, responsible, msg.value, deadline, transaction);
    }

    /**
     * @notice The operator of the sequencer on duty (or of the one active when it was queued) marks the
     * transaction included, before the duty's deadline, and earns the fee.
     */
    function markIncluded(uint256 id) external {
        ForcedTx storage f = _queued(id);
        (uint256 onDuty, uint256 deadline) = _duty(f);
        uint256 by;
        if (registry.operatorOf(onDuty) == msg.sender) by = onDuty;
        else if (registry.operatorOf(f.sequencerId) == msg.sender) by = f.sequencerId;
        else revert MonitorNotResponsibleOperator(id, msg.sender);
        if (block.timestamp > deadline) revert MonitorInclusionDeadlinePassed(id, deadline);
        f.status = 2;
        f.sequencerId = uint32(by);
        // Revenue: the insurance fund's share (the registry's `insuranceFeeBps`) accrues for `forwardInsurance`.
        uint256 fee = f.fee;
        uint256 toInsurance = InsuranceFee.feeOn(registry, fee);
        _balances[msg.sender] += fee - toInsurance;
        _balances[address(registry)] += toInsurance;
        emit InclusionMarked(id, by);
    }

    /**
     * @notice Proves a miss: once the sequencer on duty has held its turn, uninterrupted, for a whole
     * `inclusionWindow` while the transaction waited (see {inclusionDuty}), it is slashed
     * `censorshipPenaltyBps` of its pool and rotated away; the fee goes back to the requester. A sequencer
     * rotated away before its window ran out is never charged. While the L1 fallback sequences nobody is
     * charged: after the original deadline the transaction lapses and the fee is refunded.
     */
    function proveMissedInclusion(uint256 id) external {
        ForcedTx storage f = _queued(id);
        if (block.timestamp <= f.deadline) revert MonitorInclusionDeadlineNotPassed(id, f.deadline);
        if (_isFallback()) {
            f.status = 4;
            _balances[f.requester] += f.fee;
            emit InclusionLapsed(id);
            return;
        }
        (uint256 sequencerId, uint256 deadline) = _duty(f);
        if (block.timestamp <= deadline) revert MonitorInclusionDeadlineNotPassed(id, deadline);
        f.status = 3;
        f.sequencerId = uint32(sequencerId);
        _balances[f.requester] += f.fee;
        uint256 amount = registry.slashShare(sequencerId, _params.censorshipPenaltyBps);
        // The charged sequencer holds the turn (that is what made it responsible): hand it over.
        registry.forceRotation();
        emit InclusionMissed(id, sequencerId, amount);
    }

    /**
     * @notice Who must include queued transaction `id` now and by when: the sequencer holding the turn, by
     * the start of its turn (or the queuing time, if later) plus `inclusionWindow`.
     */
    function inclusionDuty(uint256 id) external view returns (uint256 sequencerId, uint256 deadline) {
        return _duty(_queued(id));
    }

    /// @notice Sends the caller its earned inclusion fees or refunds.
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = _debit(msg.sender);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert MonitorTransferFailed(msg.sender, amount);
    }

    /**
     * @notice Anyone forwards the insurance fees of included transactions (held as the registry's balance here)
     * to the registry's insurance fund.
     * @dev Effects first and under the guard; the one external call goes to the trusted, immutable registry.
     * @return amount The value forwarded, in wei.
     */
    function forwardInsurance() external nonReentrant returns (uint256 amount) {
        amount = _debit(address(registry));
        registry.fundInsurance{value: amount}();
    }

    /// @dev Zeroes `account`'s balance before the caller's transfer.
    function _debit(address account) private returns (uint256 amount) {
        amount = _balances[account];
        if (amount == 0) revert MonitorNothingToWithdraw(account);
        _balances[account] = 0;
        _owed -= amount;
        emit Withdrawn(account, amount);
    }

    // ────────────────────────────────────────── governance ───────────────────────────────────────────

    function setSLA(SLAConfig calldata sla) external onlyRole(GOVERNANCE_ROLE) {
        _setSLA(sla);
    }

    function setParameters(Params calldata params) external onlyRole(GOVERNANCE_ROLE) {
        _setParams(params);
    }

    // ───────────────────────────────────────────── views ─────────────────────────────────────────────

    function currentPeriod() public view returns (uint256) {
        return (block.timestamp - GENESIS_TIME) / _params.periodDuration;
    }

    function getSLA() external view returns (SLAConfig memory) {
        return _sla;
    }

    function getParameters() external view returns (Params memory) {
        return _params;
    }

    function getForcedTx(uint256 id) external view returns (ForcedTx memory) {
        return _forced[id];
    }

    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @notice Everything the contract owes (queued fees and withdrawable balances). Equals its balance.
    function totalOwed() external view returns (uint256) {
        return _owed;
    }

    function breaches(uint256 sequencerId) external view returns (uint256) {
        return _breaches[sequencerId];
    }

    function attestedBlock(uint256 sequencerId, uint256 slot) external view returns (bytes32) {
        return _attested[sequencerId][slot];
    }

    /// @notice The sequencer a block number was recorded for (0: not recorded).
    function blockProducer(uint256 blockNumber) external view returns (uint256) {
        return _blockProducer[blockNumber];
    }

    // ──────────────────────────────────────────── internals ──────────────────────────────────────────

    function _recordBlock(uint256 sequencerId, uint256 blockNumber, uint256 gasUsed, uint256 txCount) private {
        _blockProducer[blockNumber] = sequencerId;
        PeriodMetrics storage m = _metrics[sequencerId][currentPeriod()];
        if (m.blocksProduced == 0) m.firstBlockTime = uint64(block.timestamp);
        m.lastBlockTime = uint64(block.timestamp);
        m.blocksProduced += 1;
        m.transactions += uint128(txCount);
        m.gasUsed += uint128(gasUsed);
        _lastBlockAt[sequencerId] = block.timestamp;
        emit MetricsRecorded(sequencerId, blockNumber);
    }

    function _attestationStructHash(BlockAttestation calldata a) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    BLOCK_ATTESTATION_TYPEHASH,
                    a.sequencerId,
                    a.slot,
                    a.blockNumber,
                    a.blockHash,
                    a.gasUsed,
                    a.txCount
                )
            );
    }

    /**
     * @dev The committee seats held by the signers of `digest`, reverting unless every signature is valid, by a
     * distinct member (strictly increasing addresses) of `slot`'s committee who is still Active, and together
     * they hold at least ⌊2·size/3⌋ + 1 seats. One read of the committee (≤ 32 seat ids), then per signer one
     * recovery, two registry reads of the same word (its id, whether it is Active) and a scan of the ids in memory.
     */
    function _attestingSeats(
        uint256 slot,
        bytes32 digest,
        bytes[] calldata signatures
    ) private view returns (uint256 seats) {
        address committee = registry.selectionModule();
        uint256[] memory seatIds;
        if (committee != address(0)) seatIds = IAttestationCommittee(committee).committeeAt(slot);
        if (seatIds.length == 0) revert MonitorNoCommittee(slot);
        address previous;
        for (uint256 i; i < signatures.length; ++i) {
            (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError || signer <= previous) revert MonitorInvalidAttestation(i, signer);
            uint256 held = _seatsOf(seatIds, registry.sequencerIdOf(signer));
            if (held == 0) revert MonitorNotCommitteeMember(i, signer);
            // Sampled, then left the set (exit, suspension, ejection, equivocation): its seats do not count.
            if (!registry.isActiveSequencer(signer)) revert MonitorMemberNotActive(i, signer);
            seats += held;
            previous = signer;
        }
        uint256 threshold = (seatIds.length * 2) / 3 + 1;
        if (seats < threshold) revert MonitorNotEnoughAttestations(seats, threshold);
    }

    /// @dev How many of `seatIds` are `id` (0 for id 0, which no seat holds).
    function _seatsOf(uint256[] memory seatIds, uint256 id) private pure returns (uint256 seats) {
        unchecked {
            for (uint256 i; i < seatIds.length; ++i) if (seatIds[i] == id) ++seats;
        }
    }

    /// @dev The turn is continuous since `lastRotationTime`, so its holder has had the duty since the later
    /// of that and the queuing time; the registry keeps no earlier turns, so nobody else can be charged.
    function _duty(ForcedTx storage f) private view returns (uint256 sequencerId, uint256 deadline) {
        sequencerId = registry.currentSequencerId();
        uint256 turnStart = registry.lastRotationTime();
        deadline = turnStart > f.queuedAt ? turnStart + _params.inclusionWindow : f.deadline;
    }

    function _isFallback() private view returns (bool) {
        return registry.isFallbackMode();
    }

    function _score(uint256 sequencerId, uint256 period) private view returns (QualityScore memory q) {
        PerformanceMetrics memory p = getPerformanceMetrics(sequencerId, period);
        uint256 dutySeconds = _dutySeconds(p);
        if (dutySeconds != 0) {
            uint256 tpsBps = (p.transactionsProcessed * BPS) / (dutySeconds * _params.targetTps);
            q.throughput = tpsBps > BPS ? BPS : tpsBps;
        }
        q.availability = p.uptime;
        if (p.blocksProduced != 0) {
            uint256 bad = p.reorgCount > p.blocksProduced ? p.blocksProduced : p.reorgCount;
            q.correctness = ((p.blocksProduced - bad) * BPS) / p.blocksProduced;
        }
        q.timeliness = p.latency <= _params.targetLatencyMs ? BPS : (_params.targetLatencyMs * BPS) / p.latency;
        if (p.latency == 0 && p.blocksProduced == 0) q.timeliness = 0;
        q.overall = (q.throughput * 2500 + q.availability * 3500 + q.correctness * 2500 + q.timeliness * 1500) / BPS;
    }

    /**
     * @dev Seconds a sequencer held the turn in a period, as observed: one slot per block produced or slot missed
     * (the monitor's model: a block per slot of duty). A monitor deployed mid-period, or a sequencer whose turns
     * cover part of a period, is judged over what it was observed doing, never over time it did not hold the turn.
     */
    function _dutySeconds(PerformanceMetrics memory p) private view returns (uint256) {
        return (p.blocksProduced + p.missedSlots) * SLOT_DURATION;
    }

    function _check(
        uint256 sequencerId,
        uint256 period,
        SLAConfig memory sla
    ) private view returns (bool compliant, bytes memory violations) {
        PerformanceMetrics memory p = getPerformanceMetrics(sequencerId, period);
        Violation[] memory found = new Violation[](4);
        uint256 n;
        // A sequencer without slots in the period (not its turn) has no service to judge; one with slots is judged
        // over them: the time it held the turn as the monitor observed it, not the whole period.
        uint256 dutySeconds = _dutySeconds(p);
        if (dutySeconds != 0) {
            uint256 tps = p.transactionsProcessed / dutySeconds;
            if (tps < sla.minThroughput) found[n++] = Violation(ViolationKind.Throughput, tps, sla.minThroughput);
            if (p.uptime < sla.minUptime) found[n++] = Violation(ViolationKind.Uptime, p.uptime, sla.minUptime);
        }
        if (p.latency > sla.maxLatency) found[n++] = Violation(ViolationKind.Latency, p.latency, sla.maxLatency);
        if (p.missedSlots > sla.maxMissedSlots)
            found[n++] = Violation(ViolationKind.MissedSlots, p.missedSlots, sla.maxMissedSlots);
        assembly ("memory-safe") {
            mstore(found, n) // shrink to the violations found
        }
        return (n == 0, abi.encode(period, found));
    }

    /// @dev Only an Active sequencer is suspended: the others are already out of the set.
    function _isSuspendable(uint256 sequencerId) private view returns (bool) {
        return registry.isActiveSequencer(registry.operatorOf(sequencerId));
    }

    function _queued(uint256 id) private view returns (ForcedTx storage f) {
        f = _forced[id];
        if (f.status == 0) revert MonitorUnknownForcedTx(id);
        if (f.status != 1) revert MonitorForcedTxSettled(id);
    }

    function _checkKnown(uint256 sequencerId) private view {
        if (registry.operatorOf(sequencerId) == address(0)) revert MonitorUnknownSequencer(sequencerId);
    }

    function _setParams(Params memory p) private {
        // Periods are whole runs of the registry's slots, indexed from its genesis by their length: changing it
        // would re-label recorded periods (one span of time penalizable twice, an unfinished period "over"), so it
        // is fixed at deployment.
        if (
            p.periodDuration == 0 ||
            p.periodDuration % SLOT_DURATION != 0 ||
            (_params.periodDuration != 0 && p.periodDuration != _params.periodDuration)
        ) revert MonitorParameterOutOfBounds("periodDuration");
        if (p.livenessTimeout == 0) revert MonitorParameterOutOfBounds("livenessTimeout");
        if (p.inclusionWindow == 0) revert MonitorParameterOutOfBounds("inclusionWindow");
        if (p.slaPenaltyBps > 2_000) revert MonitorParameterOutOfBounds("slaPenaltyBps");
        if (p.censorshipPenaltyBps > 2_000) revert MonitorParameterOutOfBounds("censorshipPenaltyBps");
        if (p.suspendAfterBreaches == 0) revert MonitorParameterOutOfBounds("suspendAfterBreaches");
        if (p.targetTps == 0 || p.targetLatencyMs == 0) revert MonitorParameterOutOfBounds("targets");
        _params = p;
        emit MonitorParametersUpdated();
    }

    function _setSLA(SLAConfig memory sla) private {
        if (sla.minUptime > BPS) revert MonitorParameterOutOfBounds("minUptime");
        _sla = sla;
        emit SLAUpdated(sla.minThroughput, sla.minUptime, sla.maxLatency, sla.maxMissedSlots);
    }
}
