// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ISequencerRegistry} from "./interfaces/ISequencerRegistry.sol";
import {ISlashingQueue} from "./interfaces/ISlashingQueue.sol";
import {RegistryLens} from "./lens/RegistryLens.sol";

/**
 * @title SlashingQueue
 * @notice Vetoable slashing by role and insurance claims against executed slashes. See {ISlashingQueue}.
 *
 * Trust model. The deployment grants the registry's `SLASHER_ROLE` to this contract instead of to people, and the
 * registry's insurer role (the one guarding `payInsurance`) to it alone. A proposer can then only queue slashes and
 * suspend. A suspension acts at once on purpose (it stops a misbehaving sequencer's turns now) and moves no funds;
 * governance reinstates, so a hostile proposer can cost turns, never stake. A slash
 * it queues against an innocent sequencer takes nothing if a vetoer vetoes it in its window, and nothing moves
 * before the window ends (execution needs `block.timestamp >= executableAt`, a veto `< executableAt`, so an
 * executor cannot front-run a veto sent in time). A vetoer can only stop slashes, never start one. Governance
 * pays insurance only through claims filed by harmed users against executed slashes, per claim within a share of
 * the fund and per slash within what that slash took; it administers the roles, so these bounds hold as long as
 * its admin keys do not grant themselves the registry's roles (every grant is a public `RoleGranted` event).
 */
contract SlashingQueue is ISlashingQueue, AccessControl, ReentrancyGuard {
    /// @notice Sets the terms and approves or rejects claims.
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    /// @notice Queues slashes and suspends sequencers.
    bytes32 public constant PROPOSER_ROLE = keccak256("PROPOSER_ROLE");
    /// @notice Vetoes pending slashes (a security council).
    bytes32 public constant VETOER_ROLE = keccak256("VETOER_ROLE");
    /// @notice The registry's role guarding `payInsurance`, which the deployment grants to this contract alone.
    bytes32 public constant REGISTRY_INSURER_ROLE = bytes32(uint256(1));

    uint256 private constant BPS = 10_000;
    uint256 private constant MIN_WINDOW = 1 hours;
    uint256 private constant MAX_WINDOW = 30 days;
    uint256 private constant MIN_CLAIM_WINDOW = 1 days;
    uint256 private constant MAX_CLAIM_WINDOW = 180 days;
    uint256 private constant MAX_CLAIM_BPS = 5_000;

    /// @inheritdoc ISlashingQueue
    address public immutable registry;
    /// @inheritdoc ISlashingQueue
    address public immutable lens;

    uint40 private _vetoWindow;
    uint40 private _executionWindow;
    uint40 private _claimWindow;
    uint16 private _maxClaimBps;

    uint64 private _slashCount;
    uint64 private _claimCount;
    mapping(uint256 slashId => QueuedSlash) private _slashes;
    mapping(uint256 claimId => Claim) private _claims;
    mapping(uint256 slashId => mapping(address claimant => uint256 claimId)) private _claimOf;
    /// @dev What an amount slash was measured against when queued: its sequencer's pool (bonded + unbonding) and
    /// `_takenFrom` that sequencer then. One slot (wei amounts: far below 2^128).
    struct Basis {
        uint128 pool;
        uint128 takenBefore;
    }

    /// @dev Σ taken from each sequencer by this queue's executed slashes.
    mapping(uint256 sequencerId => uint256 taken) private _takenFrom;
    mapping(uint256 slashId => Basis) private _basisOf;

    /**
     * @param admin Receives `DEFAULT_ADMIN_ROLE` and `GOVERNANCE_ROLE`.
     * @param registry_ The registry slashed through (its `SLASHER_ROLE` and insurer role are granted to this contract).
     * @param lens_ The registry's lens (pool sizes at execution).
     * @param vetoWindow Seconds a queued slash can be vetoed.
     * @param executionWindow Seconds after the veto window in which it can be executed.
     * @param claimWindow Seconds after an execution in which claims can be filed.
     * @param maxClaimBps Largest share of the insurance fund one claim can be approved for.
     */
    constructor(
        address admin,
        address registry_,
        address lens_,
        uint256 vetoWindow,
        uint256 executionWindow,
        uint256 claimWindow,
        uint256 maxClaimBps
    ) {
        if (admin == address(0) || registry_ == address(0) || lens_ == address(0)) revert SlashingQueueZeroAddress();
        registry = registry_;
        lens = lens_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GOVERNANCE_ROLE, admin);
        _setTerm(Term.VetoWindow, vetoWindow);
        _setTerm(Term.ExecutionWindow, executionWindow);
        _setTerm(Term.ClaimWindow, claimWindow);
        _setTerm(Term.MaxClaimBps, maxClaimBps);
    }

    // ─────────────────────────────────────────── slashes ────────────────────────────────────────────

    /// @inheritdoc ISlashingQueue
    function queueSlash(
        uint256 sequencerId,
        uint256 amount,
        bytes32 reason
    ) external onlyRole(PROPOSER_ROLE) returns (uint256 slashId) {
        if (amount == 0) revert SlashingQueueZeroAmount();
        if (amount > type(uint128).max) revert SlashingQueueAmountTooLarge(amount, type(uint128).max);
        slashId = _queue(sequencerId, amount, 0, reason);
    }

    /// @inheritdoc ISlashingQueue
    function queueSlashShare(
        uint256 sequencerId,
        uint256 bps,
        bytes32 reason
    ) external onlyRole(PROPOSER_ROLE) returns (uint256 slashId) {
        if (bps == 0 || bps > BPS) revert SlashingQueueShareOutOfRange(bps, BPS);
        slashId = _queue(sequencerId, 0, bps, reason);
    }

    /// @inheritdoc ISlashingQueue
    function veto(uint256 slashId) external onlyRole(VETOER_ROLE) {
        QueuedSlash storage q = _pending(slashId);
        if (block.timestamp >= q.executableAt) revert SlashingQueueVetoWindowClosed(slashId, q.executableAt);
        q.status = SlashStatus.Vetoed;
        emit SlashVetoed(slashId, msg.sender);
    }

    /// @inheritdoc ISlashingQueue
    function execute(uint256 slashId) external nonReentrant returns (uint256 taken) {
        QueuedSlash storage q = _pending(slashId);
        if (block.timestamp < q.executableAt) revert SlashingQueueVetoWindowOpen(slashId, q.executableAt);
        if (block.timestamp >= q.expiresAt) revert SlashingQueueSlashExpired(slashId, q.expiresAt);
        uint256 sequencerId = q.sequencerId;
        ISequencerRegistry.PoolInfo memory pool = RegistryLens(lens).getPool(sequencerId);
        uint256 slashable = pool.bondedStake + pool.unbondingStake;
        uint256 bps = q.bps;
        // An amount larger than what is left (the sequencer exited or was slashed meanwhile) takes what is left.
        taken = bps == 0 ? _min(q.amount, slashable) : (slashable * bps) / BPS;
        if (bps == 0) {
            // Stake withdrawn since the queue (an exit released before this executes) leaves the rest of the pool
            // paying the share of it the amount was then, no more: delegators never make up for an operator that
            // left. The basis is the pool when queued less what this queue's slashes took from it since.
            Basis memory b = _basisOf[slashId];
            uint256 basis = b.pool;
            uint256 takenSince = _takenFrom[sequencerId] - b.takenBefore;
            basis = takenSince >= basis ? 0 : basis - takenSince;
            if (basis > slashable) taken = _min(taken, (q.amount * slashable) / basis);
        }
        if (taken == 0) revert SlashingQueueNothingToSlash(slashId, sequencerId);
        // Effects before the call: the slash is spent whatever the registry does next.
        _takenFrom[sequencerId] += taken;
        q.status = SlashStatus.Executed;
        q.executedAt = uint40(block.timestamp);
        q.taken = uint128(taken);
        ISequencerRegistry(registry).slash(sequencerId, taken);
        emit SlashExecuted(slashId, sequencerId, msg.sender, taken);
    }

    /// @inheritdoc ISlashingQueue
    function suspend(uint256 sequencerId) external onlyRole(PROPOSER_ROLE) {
        ISequencerRegistry(registry).suspendSequencer(sequencerId);
        emit SuspensionRequested(sequencerId, msg.sender);
    }

    /// @inheritdoc ISlashingQueue
    function setTerm(Term which, uint256 value) external onlyRole(GOVERNANCE_ROLE) {
        _setTerm(which, value);
    }

    // ──────────────────────────────────────────── claims ────────────────────────────────────────────

    /// @inheritdoc ISlashingQueue
    function fileClaim(
        uint256 slashId,
        uint256 sequencerId,
        uint256 requested,
        bytes32 evidenceHash
    ) external returns (uint256 claimId) {
        QueuedSlash storage q = _slashes[slashId];
        SlashStatus status = q.status;
        if (status == SlashStatus.None) revert SlashingQueueUnknownSlash(slashId);
        if (status != SlashStatus.Executed) revert SlashingQueueSlashNotExecuted(slashId, status);
        if (q.sequencerId != sequencerId) revert SlashingQueueWrongSequencer(slashId, q.sequencerId, sequencerId);
        uint256 closedAt = uint256(q.executedAt) + _claimWindow;
        if (block.timestamp >= closedAt) revert SlashingQueueClaimWindowClosed(slashId, closedAt);
        if (requested == 0) revert SlashingQueueZeroAmount();
        if (requested > q.taken) revert SlashingQueueAmountTooLarge(requested, q.taken);
        uint256 prior = _claimOf[slashId][msg.sender];
        if (prior != 0) revert SlashingQueueAlreadyClaimed(slashId, msg.sender, prior);
        if (ISequencerRegistry(registry).operatorOf(sequencerId) == msg.sender) {
            revert SlashingQueueClaimByOffender(slashId, msg.sender);
        }
        claimId = ++_claimCount;
        _claims[claimId] = Claim({
            slashId: uint64(slashId),
            filedAt: uint40(block.timestamp),
            status: ClaimStatus.Filed,
            claimant: msg.sender,
            requested: uint128(requested),
            approved: 0,
            evidenceHash: evidenceHash
        });
        _claimOf[slashId][msg.sender] = claimId;
        emit ClaimFiled(claimId, slashId, msg.sender, requested, evidenceHash);
    }

    /// @inheritdoc ISlashingQueue
    function approveClaim(uint256 claimId, uint256 amount) external onlyRole(GOVERNANCE_ROLE) {
        Claim storage c = _filed(claimId);
        if (amount == 0) revert SlashingQueueZeroAmount();
        QueuedSlash storage q = _slashes[c.slashId];
        uint256 fundShare = (ISequencerRegistry(registry).insuranceFund() * _maxClaimBps) / BPS;
        uint256 max = _min(_min(c.requested, fundShare), uint256(q.taken) - q.claimed);
        if (amount > max) revert SlashingQueueApprovalTooLarge(claimId, amount, max);
        c.status = ClaimStatus.Approved;
        c.approved = uint128(amount);
        q.claimed += uint128(amount);
        emit ClaimApproved(claimId, amount);
    }

    /// @inheritdoc ISlashingQueue
    function rejectClaim(uint256 claimId) external onlyRole(GOVERNANCE_ROLE) {
        _filed(claimId).status = ClaimStatus.Rejected;
        emit ClaimRejected(claimId);
    }

    /// @inheritdoc ISlashingQueue
    function collectClaim(uint256 claimId) external nonReentrant returns (uint256 amount) {
        Claim storage c = _claims[claimId];
        ClaimStatus status = c.status;
        if (status == ClaimStatus.None) revert SlashingQueueUnknownClaim(claimId);
        if (c.claimant != msg.sender) revert SlashingQueueNotClaimant(claimId, msg.sender);
        if (status != ClaimStatus.Approved) revert SlashingQueueClaimNotApproved(claimId, status);
        amount = c.approved;
        c.status = ClaimStatus.Paid;
        // The registry only credits a balance: the claimant pulls the ether with the registry's `withdraw`.
        ISequencerRegistry(registry).payInsurance(msg.sender, amount);
        emit ClaimPaid(claimId, msg.sender, amount);
    }

    // ──────────────────────────────────────────── views ─────────────────────────────────────────────

    /// @inheritdoc ISlashingQueue
    function getSlash(uint256 slashId) external view returns (QueuedSlash memory) {
        return _slashes[slashId];
    }

    /// @inheritdoc ISlashingQueue
    function getClaim(uint256 claimId) external view returns (Claim memory) {
        return _claims[claimId];
    }

    /// @inheritdoc ISlashingQueue
    function claimOf(uint256 slashId, address claimant) external view returns (uint256) {
        return _claimOf[slashId][claimant];
    }

    /// @inheritdoc ISlashingQueue
    function getTerm(Term which) public view returns (uint256) {
        if (which == Term.VetoWindow) return _vetoWindow;
        if (which == Term.ExecutionWindow) return _executionWindow;
        if (which == Term.ClaimWindow) return _claimWindow;
        return _maxClaimBps;
    }

    /// @inheritdoc ISlashingQueue
    function slashCount() external view returns (uint256) {
        return _slashCount;
    }

    /// @inheritdoc ISlashingQueue
    function claimCount() external view returns (uint256) {
        return _claimCount;
    }

    // ────────────────────────────────────────── internals ───────────────────────────────────────────

    function _queue(
        uint256 sequencerId,
        uint256 amount,
        uint256 bps,
        bytes32 reason
    ) private returns (uint256 slashId) {
        if (ISequencerRegistry(registry).operatorOf(sequencerId) == address(0)) {
            revert SlashingQueueUnknownSequencer(sequencerId);
        }
        // The windows are fixed into the slash: governance changing them later neither hastens nor revives it.
        uint256 executableAt = block.timestamp + _vetoWindow;
        uint256 expiresAt = executableAt + _executionWindow;
        slashId = ++_slashCount;
        if (bps == 0) {
            ISequencerRegistry.PoolInfo memory pool = RegistryLens(lens).getPool(sequencerId);
            _basisOf[slashId] = Basis({
                pool: uint128(pool.bondedStake + pool.unbondingStake),
                takenBefore: uint128(_takenFrom[sequencerId])
            });
        }
        _slashes[slashId] = QueuedSlash({
            sequencerId: uint64(sequencerId),
            bps: uint16(bps),
            executableAt: uint40(executableAt),
            expiresAt: uint40(expiresAt),
            executedAt: 0,
            status: SlashStatus.Pending,
            proposer: msg.sender,
            amount: uint128(amount),
            taken: 0,
            claimed: 0,
            reason: reason
        });
        emit SlashQueued(slashId, sequencerId, msg.sender, amount, bps, reason, executableAt, expiresAt);
    }

    function _setTerm(Term which, uint256 value) private {
        (uint256 min, uint256 max) = _bounds(which);
        if (value < min || value > max) revert SlashingQueueTermOutOfBounds(which, value, min, max);
        uint256 old = getTerm(which);
        if (which == Term.VetoWindow) _vetoWindow = uint40(value);
        else if (which == Term.ExecutionWindow) _executionWindow = uint40(value);
        else if (which == Term.ClaimWindow) _claimWindow = uint40(value);
        else _maxClaimBps = uint16(value);
        emit TermUpdated(which, old, value);
    }

    /// @dev A veto window must end before a sequencer that starts exiting when the slash is queued can withdraw:
    /// its exiting stake stays slashable for the registry's exit delay.
    function _bounds(Term which) private view returns (uint256 min, uint256 max) {
        if (which == Term.VetoWindow) {
            uint256 exitDelay = ISequencerRegistry(registry).getConfig().exitDelay;
            return (MIN_WINDOW, exitDelay > MAX_WINDOW ? MAX_WINDOW : (exitDelay == 0 ? 0 : exitDelay - 1));
        }
        if (which == Term.ExecutionWindow) return (MIN_WINDOW, MAX_WINDOW);
        if (which == Term.ClaimWindow) return (MIN_CLAIM_WINDOW, MAX_CLAIM_WINDOW);
        return (1, MAX_CLAIM_BPS);
    }

    function _pending(uint256 slashId) private view returns (QueuedSlash storage q) {
        q = _slashes[slashId];
        SlashStatus status = q.status;
        if (status == SlashStatus.None) revert SlashingQueueUnknownSlash(slashId);
        if (status != SlashStatus.Pending) revert SlashingQueueSlashNotPending(slashId, status);
    }

    function _filed(uint256 claimId) private view returns (Claim storage c) {
        c = _claims[claimId];
        ClaimStatus status = c.status;
        if (status == ClaimStatus.None) revert SlashingQueueUnknownClaim(claimId);
        if (status != ClaimStatus.Filed) revert SlashingQueueClaimNotFiled(claimId, status);
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
