// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {ISequencerRegistry} from "./interfaces/ISequencerRegistry.sol";
import {ISelectionModule} from "./interfaces/ISequencerSelection.sol";
import {StakeSumTree} from "./libraries/StakeSumTree.sol";
import {MaxTree} from "./libraries/MaxTree.sol";
import {Sequencer, Position, UnbondingRequest, PoolMath} from "./libraries/RegistryStorage.sol";
import {RegistryParametersLib} from "./libraries/RegistryParametersLib.sol";
import {EquivocationLib} from "./libraries/EquivocationLib.sol";
import {IEquivocationModule} from "./interfaces/IEquivocationModule.sol";
import {RegistryIndexLib} from "./libraries/RegistryIndexLib.sol";
import {IRegistrationGate} from "./interfaces/IRegistrationGate.sol";

/**
 * @dev Declared first in the inheritance list so that its only variable sits at storage slot 0 (for rollup provers): an
 * operator's record, `sequencerId << 1 | active`. A rollup prover proves whether `operator` is an active sequencer
 * by reading `keccak256(abi.encode(operator, uint256(0)))`: its lowest bit is 1 for an Active sequencer and 0
 * otherwise. One slot per operator holds both its id and its status in the set, so registering, joining and
 * leaving write one slot, not two.
 */
abstract contract ProverReadableSequencerSet {
    mapping(address operator => uint256 record) internal _operators;
}

/**
 * @title SequencerRegistry
 * @notice LP-504 registry of staked, rotating, slashable sequencers. See {ISequencerRegistry}.
 *
 * Accounting. Each sequencer is a pool. Bonded stake (operator plus delegators) is selectable and earns
 * rewards; unbonding stake (queued undelegations and the operator's exit) earns nothing and stays slashable
 * until withdrawn. Both parts are priced in shares, so a slash changes one number per part whatever the
 * number of delegators, and a holder's claim is `shares × stake / totalShares`, rounded down (the pool
 * keeps the dust). Rewards use a per-share accumulator: settlement rounds the accumulator down on payout
 * and up on entry, so holders can never claim more than was allocated. The contract's balance always equals
 * Σ pool stakes + Σ withdrawable balances + insurance fund + rewards not yet settled.
 *
 * Set and rotation. The Active sequencers form a circular doubly linked list in rotation order, so joining,
 * leaving and round-robin succession are O(1); their bonded stake is mirrored in a {StakeSumTree} for
 * O(log n) stake-weighted draws, and their performance in a {MaxTree}. No state-changing path loops over
 * sequencers or delegators. The list keeps each declared region's members together, so the region rule (no region
 * serves twice in a row while another is Active) and the region cap are O(1) ({RegistryIndexLib}).
 *
 * Evidence. Equivocation evidence is judged by the {IEquivocationModule} wired by governance: the registry passes
 * it the accused's operator and duty period from its own records, and applies the verdict in the same
 * transaction (suspension, which takes the sequencer out of the list and both trees, the slash, the reporter's
 * reward). The reward is a share of what the slash takes from the operator's own stake, never of its delegators',
 * so reporting one's own sequencer from another address never pays.
 */
contract SequencerRegistry is ProverReadableSequencerSet, ISequencerRegistry, AccessControl, ReentrancyGuard {
    using StakeSumTree for StakeSumTree.Tree;
    using PoolMath for Sequencer;
    using SafeCast for uint256;

    // ─────────────────────────────────────────── constants ───────────────────────────────────────────

    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");
    bytes32 public constant MONITOR_ROLE = keccak256("MONITOR_ROLE");
    /// @dev Guards {payInsurance}: held by the claims contract (SlashingQueue), not by governance. The id is the
    /// number 1, not a hash, and has no getter: both would cost bytes the size gate does not have.
    bytes32 private constant INSURER_ROLE = bytes32(uint256(1));

    uint256 public constant BPS = 10_000;
    uint256 public constant MAX_SCORE = 10_000;
    uint256 private constant REWARD_PRECISION = 1e36;

    uint256 public constant MAX_ENDPOINT_LENGTH = 256;
    uint256 public constant MAX_PUBLIC_KEY_LENGTH = 256;
    uint256 public constant MAX_METADATA_LENGTH = 1024;

    // ─────────────────────────────────────────── immutables ──────────────────────────────────────────

    /// @notice Start of slot 0 of the registry's slot clock.
    uint256 public immutable GENESIS_TIME;
    /// @notice Seconds per slot of the registry's slot clock.
    uint256 public immutable SLOT_DURATION;
    /// @notice Wei per unit of selection weight (bonded stake is divided by it for the sum tree).
    uint256 public immutable WEIGHT_UNIT;

    // ─────────────────────────────────────────── storage ─────────────────────────────────────────────

    RegistryParametersLib.Params private _params;

    mapping(uint256 sequencerId => Sequencer) private _sequencers;
    mapping(uint256 sequencerId => mapping(address account => Position)) private _positions;
    mapping(uint256 requestId => UnbondingRequest) private _unbondings;
    mapping(address account => uint256 amount) private _balances;

    StakeSumTree.Tree private _weights;
    MaxTree.Tree private _performance; // one 64-bit field per lane: the performance key

    // Set and rotation state, packed in one slot: joining, leaving and rotating read and write it once.
    uint32 private _currentId;
    uint40 private _lastRotation;
    uint32 private _head;
    uint32 private _activeCount;
    uint32 private _designatedNextId;
    uint32 private _totalSequencers;
    bool private _fallbackActive;

    ISelectionModule private _selectionModule;
    IEquivocationModule private _equivocationModule;
    uint48 private _nextUnbondingId;
    uint256 private _insuranceFund;
    uint256 private _rewardsOutstanding;
    /// @dev Optional identity check at registration (address(0): none). Last, so no earlier slot moves.
    IRegistrationGate private _registrationGate;

    // ────────────────────────────────────────── construction ─────────────────────────────────────────

    /// @notice Deployment parameters. `config` and `parameters` are validated exactly as {setParameter} does.
    struct InitParams {
        address admin;
        RegistryConfig config;
        RegistryParameters parameters;
        uint256 slotDuration;
        uint256 weightUnit;
    }

    error RegistryInvalidInit();

    constructor(InitParams memory init) {
        if (init.admin == address(0)) revert RegistryZeroAddress();
        if (init.slotDuration == 0 || init.weightUnit == 0) revert RegistryInvalidInit();
        GENESIS_TIME = block.timestamp;
        SLOT_DURATION = init.slotDuration;
        WEIGHT_UNIT = init.weightUnit;
        _grantRole(DEFAULT_ADMIN_ROLE, init.admin);
        _grantRole(GOVERNANCE_ROLE, init.admin);

        RegistryParametersLib.initialize(_params, init.config, init.parameters, SLOT_DURATION);
        _fallbackActive = true;
    }

    // ─────────────────────────────────────── registration and stake ──────────────────────────────────

    /// @inheritdoc ISequencerRegistry
    function registerSequencer(
        string calldata endpoint,
        bytes calldata publicKey,
        bytes calldata metadata
    ) external payable returns (uint256 sequencerId) {
        if (msg.value == 0) revert RegistryZeroStake();
        uint256 existing = _operators[msg.sender] >> 1;
        if (existing != 0) revert RegistryOperatorAlreadyRegistered(msg.sender, existing);
        _checkLength("endpoint", bytes(endpoint).length, MAX_ENDPOINT_LENGTH);
        _checkLength("publicKey", publicKey.length, MAX_PUBLIC_KEY_LENGTH);
        _checkLength("metadata", metadata.length, MAX_METADATA_LENGTH);
        IRegistrationGate gate = _registrationGate;
        if (address(gate) != address(0) && !gate.isAllowed(msg.sender)) {
            revert RegistryOperatorNotAllowed(msg.sender, address(gate));
        }

        sequencerId = ++_totalSequencers;
        _operators[msg.sender] = sequencerId << 1;
        Sequencer storage s = _sequencers[sequencerId];
        s.operator = msg.sender;
        s.status = SequencerStatus.Inactive;
        s.commissionBps = _params.defaultCommissionBps;
        bytes memory descriptor = abi.encodePacked(
            uint32((bytes(endpoint).length << 22) | (publicKey.length << 12) | metadata.length),
            endpoint,
            publicKey,
            metadata
        );
        RegistryIndexLib.storeDescriptor(sequencerId, descriptor);
        // First deposit: one share per wei.
        uint128 amount = msg.value.toUint128();
        s.bondedStake = amount;
        s.bondedShares = amount;
        _positions[sequencerId][msg.sender].shares = amount;
        emit SequencerRegistered(sequencerId, msg.sender);
        emit RegistrationDetails(sequencerId, msg.sender, amount, descriptor);

        if (msg.value >= _params.minStake) _setStatus(sequencerId, s, SequencerStatus.Active);
    }

    /// @inheritdoc ISequencerRegistry
    function increaseStake(uint256 sequencerId) external payable {
        Sequencer storage s = _operatorSequencer(sequencerId);
        if (msg.value == 0) revert RegistryZeroAmount();
        SequencerStatus status = s.status;
        if (status == SequencerStatus.Ejected || status == SequencerStatus.Exiting) {
            revert RegistryInvalidStatus(sequencerId, status);
        }
        if (status == SequencerStatus.Suspended) {
            uint256 until = uint256(s.suspendedAt) + _params.suspensionCooldown;
            if (block.timestamp < until) revert RegistrySuspensionCooldown(sequencerId, until);
        }
        _deposit(sequencerId, s, msg.sender, msg.value);
        uint256 own = _ownBondedStake(sequencerId, s);
        emit StakeIncreased(sequencerId, msg.value, own);
        if (status != SequencerStatus.Active && own >= _params.minStake) {
            _setStatus(sequencerId, s, SequencerStatus.Active);
        }
    }

    /// @inheritdoc ISequencerRegistry
    function delegateStake(uint256 sequencerId) external payable {
        Sequencer storage s = _existing(sequencerId);
        if (s.status != SequencerStatus.Active) revert RegistryInvalidStatus(sequencerId, s.status);
        if (msg.value < _params.minDelegation) revert RegistryDelegationTooSmall(msg.value, _params.minDelegation);
        _deposit(sequencerId, s, msg.sender, msg.value);
        uint256 own = _ownBondedStake(sequencerId, s);
        uint256 delegated = uint256(s.bondedStake) - own;
        uint256 cap = own * _params.maxDelegationMultiplier;
        if (delegated > cap) revert RegistryDelegationCapExceeded(sequencerId, delegated, cap);
        emit StakeDelegated(sequencerId, msg.sender, msg.value);
    }

    /// @inheritdoc ISequencerRegistry
    function undelegate(uint256 sequencerId, uint256 shares) external returns (uint256 requestId) {
        Sequencer storage s = _existing(sequencerId);
        if (shares == 0) revert RegistryZeroAmount();
        uint256 amount;
        (requestId, amount) = _undelegate(sequencerId, s, msg.sender, shares);
        if (msg.sender == s.operator && s.status == SequencerStatus.Active) {
            uint256 own = _ownBondedStake(sequencerId, s);
            if (own < _params.minStake) revert RegistryOwnStakeBelowMinimum(sequencerId, own, _params.minStake);
        }
    }

    /// @inheritdoc ISequencerRegistry
    function withdrawUnbonding(uint256 requestId) external returns (uint256 amount) {
        UnbondingRequest storage r = _unbondings[requestId];
        if (r.owner == address(0)) revert RegistryUnknownUnbonding(requestId);
        if (r.owner != msg.sender) revert RegistryNotUnbondingOwner(requestId, msg.sender);
        return _completeUnbonding(requestId, r);
    }

    /// @inheritdoc ISequencerRegistry
    function initiateExit(uint256 sequencerId) external {
        Sequencer storage s = _operatorSequencer(sequencerId);
        if (s.status == SequencerStatus.Exiting) revert RegistryInvalidStatus(sequencerId, s.status);
        _setStatus(sequencerId, s, SequencerStatus.Exiting);
        uint256 shares = _positions[sequencerId][msg.sender].shares;
        uint256 requestId = _queueUnbonding(sequencerId, s, msg.sender, shares);
        s.exitRequestId = requestId.toUint40();
        emit ExitInitiated(sequencerId, requestId, _unbondings[requestId].releaseTime);
    }

    /// @inheritdoc ISequencerRegistry
    function completeExit(uint256 sequencerId) external {
        Sequencer storage s = _operatorSequencer(sequencerId);
        uint256 requestId = s.exitRequestId;
        if (requestId == 0) revert RegistryNoExitPending(sequencerId);
        _completeUnbonding(requestId, _unbondings[requestId]);
    }

    /// @inheritdoc ISequencerRegistry
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = _balances[msg.sender];
        if (amount == 0) revert RegistryNothingToWithdraw(msg.sender);
        _balances[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert RegistryTransferFailed(msg.sender, amount);
    }

    // ─────────────────────────────────────────── rewards ─────────────────────────────────────────────

    /// @inheritdoc ISequencerRegistry
    function distributeRewards(uint256 sequencerId) external payable {
        Sequencer storage s = _existing(sequencerId);
        if (msg.value == 0) revert RegistryZeroAmount();
        uint256 totalShares = s.bondedShares;
        if (totalShares == 0) revert RegistryNoRewardShares(sequencerId);

        uint256 toInsurance = _insuranceFee(msg.value);
        uint256 afterInsurance = msg.value - toInsurance;
        uint256 toCommission = (afterInsurance * _commission(sequencerId, s)) / BPS;
        uint256 toPool = afterInsurance - toCommission;

        uint256 increment = Math.mulDiv(toPool, REWARD_PRECISION, totalShares);
        // What holders can ever claim of this payment, rounded up; it never exceeds toPool because
        // increment × totalShares / PRECISION ≤ toPool and toPool is an integer. The rest is dust for insurance.
        uint256 allocated = Math.mulDiv(increment, totalShares, REWARD_PRECISION, Math.Rounding.Ceil);
        s.accRewardPerShare += increment;
        _rewardsOutstanding += allocated;
        _insuranceFund += toInsurance + (toPool - allocated);
        _balances[s.operator] += toCommission;
        emit RewardsDistributed(sequencerId, msg.sender, msg.value, toInsurance, toCommission, toPool);
    }

    /// @inheritdoc ISequencerRegistry
    function claimRewards(uint256 sequencerId) external returns (uint256 amount) {
        Sequencer storage s = _existing(sequencerId);
        Position storage p = _positions[sequencerId][msg.sender];
        amount = _settle(sequencerId, s, msg.sender, p);
        if (amount == 0) revert RegistryZeroAmount();
        p.rewardDebt = _debtFor(p.shares, s.accRewardPerShare);
    }

    /// @inheritdoc ISequencerRegistry
    function setCommission(uint256 sequencerId, uint256 commissionBps) external {
        Sequencer storage s = _operatorSequencer(sequencerId);
        if (commissionBps > _params.maxCommissionBps) {
            revert RegistryCommissionTooHigh(commissionBps, _params.maxCommissionBps);
        }
        uint256 current = _commission(sequencerId, s);
        if (commissionBps > current) {
            // An increase waits `exitDelay`: delegators who object can leave before it applies, and an operator
            // cannot raise its cut for one payment it sees coming.
            uint256 effectiveAt = block.timestamp + _params.exitDelay;
            s.pendingCommissionBps = uint16(commissionBps);
            s.commissionEffectiveAt = uint40(effectiveAt);
            emit CommissionIncreaseQueued(sequencerId, commissionBps, effectiveAt);
        } else {
            // A cut applies at once and cancels a pending increase.
            s.commissionBps = uint16(commissionBps);
            s.commissionEffectiveAt = 0;
            emit CommissionChanged(sequencerId, commissionBps);
        }
    }

    /// @inheritdoc ISequencerRegistry
    function setTags(uint256 sequencerId, uint16 region, uint16 provider) external {
        _operatorSequencer(sequencerId);
        if (sequencerId == _currentId || sequencerId == _designatedNextId) revert RegistryTagsLocked(sequencerId);
        RegistryIndexLib.retag(_sequencers, _params, _weights, sequencerId, region, provider);
    }

    // ───────────────────────────────────── selection and rotation ────────────────────────────────────

    /// @inheritdoc ISequencerRegistry
    function selectNextSequencer() external returns (address) {
        uint256 nextId = _designatedNext();
        if (nextId == 0) {
            bool decided;
            (nextId, decided) = _pickSuccessor(false);
            // A random mode's answer before its draw exists is a preview, not a decision: fixing the round-robin
            // successor then would let anyone override the draw by calling early.
            if (decided) {
                _designatedNextId = uint32(nextId);
                emit NextSequencerSelected(nextId, _sequencers[nextId].operator, _nextRotationTime());
            }
        }
        return _sequencers[nextId].operator;
    }

    /// @inheritdoc ISequencerRegistry
    function rotateSequencer() external {
        uint256 due = _nextRotationTime();
        if (block.timestamp < due) revert RegistryRotationNotDue(due);
        uint256 nextId = _designatedNext();
        if (nextId == 0) (nextId, ) = _pickSuccessor(true);
        _handOver(nextId);
        _syncFallback();
    }

    /// @inheritdoc ISequencerRegistry
    function forceRotation() external onlyRole(MONITOR_ROLE) {
        // The announced successor keeps its turn: a forced hand-over must not re-roll it.
        uint256 nextId = _designatedNext();
        if (nextId == 0) (nextId, ) = _pickSuccessor(true);
        _handOver(nextId);
        _syncFallback();
    }

    /// @inheritdoc ISequencerRegistry
    function getActiveSequencer() public view returns (address) {
        if (_isFallbackMode()) return _params.fallbackSequencer;
        return _sequencers[_currentId].operator;
    }

    /// @inheritdoc ISequencerRegistry
    function getSequencerSet() external view returns (address[] memory set) {
        uint256 count = _activeCount;
        set = new address[](count);
        uint256 id = _head;
        for (uint256 i; i < count; ++i) {
            Sequencer storage s = _sequencers[id];
            set[i] = s.operator;
            id = s.next;
        }
    }

    // ─────────────────────────────────── performance and slashing ────────────────────────────────────

    /// @inheritdoc ISequencerRegistry
    function updatePerformance(uint256 sequencerId, uint256 score) external onlyRole(MONITOR_ROLE) {
        Sequencer storage s = _existing(sequencerId);
        if (score > MAX_SCORE) revert RegistryScoreOutOfRange(score, MAX_SCORE);
        s.performanceScore = uint16(score);
        s.performanceUpdatedAt = uint40(block.timestamp);
        if (s.status == SequencerStatus.Active) _refreshPerformanceKey(sequencerId, s);
        emit PerformanceUpdated(sequencerId, score);
    }

    /// @inheritdoc ISequencerRegistry
    function reportMisbehavior(uint256 sequencerId, bytes calldata evidence) external {
        Sequencer storage s = _existing(sequencerId);
        if (evidence.length == 0) revert RegistryEmptyEvidence();
        if (EquivocationLib.isCanonical(evidence)) {
            _punishEquivocation(sequencerId, s, evidence);
        } else {
            emit MisbehaviorReported(sequencerId, msg.sender, keccak256(evidence));
        }
    }

    /// @inheritdoc ISequencerRegistry
    function slash(uint256 sequencerId, uint256 amount) external onlyRole(SLASHER_ROLE) {
        Sequencer storage s = _existing(sequencerId);
        _slash(sequencerId, s, amount);
        _insuranceFund += amount;
    }

    /// @inheritdoc ISequencerRegistry
    function slashShare(uint256 sequencerId, uint256 bps) external onlyRole(SLASHER_ROLE) returns (uint256 amount) {
        Sequencer storage s = _existing(sequencerId);
        if (bps > BPS) revert RegistrySlashShareTooHigh(bps, BPS);
        amount = ((uint256(s.bondedStake) + s.unbondingStake) * bps) / BPS;
        if (amount == 0) return 0;
        _slash(sequencerId, s, amount);
        _insuranceFund += amount;
    }

    // ────────────────────────────────────────── governance ───────────────────────────────────────────

    /// @inheritdoc ISequencerRegistry
    function setParameter(Parameter parameter, uint256 value) external onlyRole(GOVERNANCE_ROLE) {
        RegistryParametersLib.setParameter(
            _params,
            parameter,
            value,
            SLOT_DURATION,
            address(_selectionModule) != address(0)
        );
        _syncFallback();
    }

    /// @inheritdoc ISequencerRegistry
    function setFallbackSequencer(address fallbackSequencer) external onlyRole(GOVERNANCE_ROLE) {
        RegistryParametersLib.setFallbackSequencer(_params, fallbackSequencer);
    }

    /// @inheritdoc ISequencerRegistry
    function suspendSequencer(uint256 sequencerId) external onlyRole(SLASHER_ROLE) {
        Sequencer storage s = _existing(sequencerId);
        SequencerStatus status = s.status;
        if (status != SequencerStatus.Active && status != SequencerStatus.Inactive) {
            revert RegistryInvalidStatus(sequencerId, status);
        }
        _suspend(sequencerId, s);
    }

    /// @inheritdoc ISequencerRegistry
    function reinstateSequencer(uint256 sequencerId) external onlyRole(GOVERNANCE_ROLE) {
        Sequencer storage s = _existing(sequencerId);
        if (s.status != SequencerStatus.Suspended) revert RegistryInvalidStatus(sequencerId, s.status);
        bool enough = _ownBondedStake(sequencerId, s) >= _params.minStake;
        _setStatus(sequencerId, s, enough ? SequencerStatus.Active : SequencerStatus.Inactive);
    }

    /// @inheritdoc ISequencerRegistry
    function ejectSequencer(uint256 sequencerId) external onlyRole(GOVERNANCE_ROLE) {
        Sequencer storage s = _existing(sequencerId);
        SequencerStatus status = s.status;
        if (status == SequencerStatus.Ejected || status == SequencerStatus.Exiting) {
            revert RegistryInvalidStatus(sequencerId, status);
        }
        _setStatus(sequencerId, s, SequencerStatus.Ejected);
    }

    /// @inheritdoc ISequencerRegistry
    function setSelectionModule(address module) external onlyRole(GOVERNANCE_ROLE) {
        if (module == address(0) && _params.selectionMode != SelectionMode.RoundRobin) {
            revert RegistrySelectionModeUnavailable(_params.selectionMode);
        }
        _selectionModule = ISelectionModule(module);
        _designatedNextId = 0; // a successor chosen by the old module is void
        _weights.closeSnapshot(); // and so is a snapshot it opened
        emit SelectionModuleUpdated(module);
    }

    /// @inheritdoc ISequencerRegistry
    function setEquivocationModule(address module) external onlyRole(GOVERNANCE_ROLE) {
        _equivocationModule = IEquivocationModule(module);
        emit EquivocationModuleUpdated(module);
    }

    /// @inheritdoc ISequencerRegistry
    function setRegistrationGate(address gate) external onlyRole(GOVERNANCE_ROLE) {
        if (gate != address(0) && gate.code.length == 0) revert RegistryGateNotContract(gate);
        _registrationGate = IRegistrationGate(gate);
        emit RegistrationGateUpdated(gate);
    }

    /// @inheritdoc ISequencerRegistry
    function fundInsurance() external payable {
        if (msg.value == 0) revert RegistryZeroAmount();
        _insuranceFund += msg.value;
        emit InsuranceFunded(msg.sender, msg.value);
    }

    /// @inheritdoc ISequencerRegistry
    function depositFees(address beneficiary) external payable {
        if (beneficiary == address(0)) revert RegistryZeroAddress();
        if (msg.value == 0) revert RegistryZeroAmount();
        uint256 toInsurance = _insuranceFee(msg.value);
        _insuranceFund += toInsurance;
        _balances[beneficiary] += msg.value - toInsurance;
        emit FeesDeposited(msg.sender, beneficiary, msg.value, toInsurance);
    }

    /// @inheritdoc ISequencerRegistry
    function payInsurance(address to, uint256 amount) external onlyRole(INSURER_ROLE) {
        if (to == address(0)) revert RegistryZeroAddress();
        if (amount == 0) revert RegistryZeroAmount();
        uint256 available = _insuranceFund;
        if (amount > available) revert RegistryInsuranceInsufficient(amount, available);
        _insuranceFund = available - amount;
        _balances[to] += amount;
        emit InsurancePaid(to, amount);
    }

    // ──────────────────────────────────────────── views ──────────────────────────────────────────────

    /// @inheritdoc ISequencerRegistry
    function getSequencer(uint256 sequencerId) external view returns (SequencerInfo memory info) {
        uint256 sequencers;
        uint256 positions;
        uint256 unbondings;
        assembly ("memory-safe") {
            sequencers := _sequencers.slot
            positions := _positions.slot
            unbondings := _unbondings.slot
        }
        _forwardView(
            address(RegistryIndexLib),
            abi.encodeWithSelector(
                RegistryIndexLib.sequencerInfo.selector,
                sequencers,
                positions,
                unbondings,
                sequencerId
            )
        );
        return info; // not reached: the forward returns the library's answer
    }

    /// @inheritdoc ISequencerRegistry
    function extsload(bytes32 slot) external view returns (bytes32 value) {
        assembly ("memory-safe") {
            value := sload(slot)
        }
    }

    /// @inheritdoc ISequencerRegistry
    function getConfig() external view returns (RegistryConfig memory config) {
        _forwardParametersView(RegistryParametersLib.config.selector);
        return config; // not reached: the forward returns the library's answer
    }

    /// @inheritdoc ISequencerRegistry
    function getParameters() external view returns (RegistryParameters memory parameters) {
        _forwardParametersView(RegistryParametersLib.parameters.selector);
        return parameters; // not reached: the forward returns the library's answer
    }

    /// @inheritdoc ISequencerRegistry
    function sequencerIdOf(address operator) external view returns (uint256) {
        return _operators[operator] >> 1;
    }

    /// @inheritdoc ISequencerRegistry
    function withdrawableBalance(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc ISequencerRegistry
    function insuranceFund() external view returns (uint256) {
        return _insuranceFund;
    }

    /// @inheritdoc ISequencerRegistry
    function isActiveSequencer(address operator) external view returns (bool) {
        return _operators[operator] & 1 == 1;
    }

    /// @inheritdoc ISequencerRegistry
    function activeSequencerCount() external view returns (uint256) {
        return _activeCount;
    }

    /// @inheritdoc ISequencerRegistry
    function currentSequencerId() external view returns (uint256) {
        return _currentId;
    }

    /// @inheritdoc ISequencerRegistry
    function drawTurnId() external view returns (uint256 id) {
        id = _designatedNext();
        if (id == 0) id = _currentId;
    }

    /// @inheritdoc ISequencerRegistry
    function lastRotationTime() external view returns (uint256) {
        return _lastRotation;
    }

    /// @inheritdoc ISequencerRegistry
    function totalSequencers() external view returns (uint256) {
        return _totalSequencers;
    }

    /// @inheritdoc ISequencerRegistry
    function drawByStake(uint256 seed, uint256 excludedId) external view returns (uint256) {
        return RegistryIndexLib.draw(_weights, seed, excludedId);
    }

    /// @inheritdoc ISequencerRegistry
    function openStakeSnapshot() external {
        if (msg.sender != address(_selectionModule)) revert RegistryNotSelectionModule(msg.sender);
        _weights.openSnapshot();
    }

    /// @inheritdoc ISequencerRegistry
    function closeStakeSnapshot() external {
        if (msg.sender != address(_selectionModule)) revert RegistryNotSelectionModule(msg.sender);
        _weights.closeSnapshot();
    }

    /// @inheritdoc ISequencerRegistry
    function nextActiveSequencer(uint256 sequencerId) external view returns (uint256) {
        if (_activeCount == 0) return 0;
        uint256 id = sequencerId == 0 ? 0 : _sequencers[sequencerId].next;
        if (id == 0) id = _head;
        return id;
    }

    /// @inheritdoc ISequencerRegistry
    function bestPerformer(uint256 excludedId) external view returns (uint256 sequencerId, uint256 score) {
        (bool found, uint256 position) = RegistryIndexLib.best(_performance, excludedId);
        if (!found) return (0, 0);
        sequencerId = position + 1;
        score = _decayedScore(_sequencers[sequencerId]);
    }

    /// @inheritdoc ISequencerRegistry
    function performanceOf(uint256 sequencerId) external view returns (uint256) {
        return _decayedScore(_existing(sequencerId));
    }

    /// @inheritdoc ISequencerRegistry
    function operatorOf(uint256 sequencerId) external view returns (address) {
        return _sequencers[sequencerId].operator;
    }

    /// @inheritdoc ISequencerRegistry
    function selectionModule() external view returns (address) {
        return address(_selectionModule);
    }

    /// @inheritdoc ISequencerRegistry
    function equivocationModule() external view returns (address) {
        return address(_equivocationModule);
    }

    /// @inheritdoc ISequencerRegistry
    function registrationGate() external view returns (address) {
        return address(_registrationGate);
    }

    /// @inheritdoc ISequencerRegistry
    function currentSlot() public view returns (uint256) {
        return (block.timestamp - GENESIS_TIME) / SLOT_DURATION;
    }

    /// @inheritdoc ISequencerRegistry
    function isFallbackMode() external view returns (bool) {
        return _isFallbackMode();
    }

    /// @inheritdoc ISequencerRegistry
    function nextRotationTime() external view returns (uint256) {
        return _nextRotationTime();
    }

    // ─────────────────────────────────────────── internals: pools ────────────────────────────────────

    /// @dev Mints bonded shares for `amount` at the pool's price, settling the account's rewards first.
    function _deposit(uint256 sequencerId, Sequencer storage s, address account, uint256 amount) private {
        uint256 stake = s.bondedStake;
        uint256 totalShares = s.bondedShares;
        uint256 minted;
        if (totalShares == 0) {
            minted = amount;
        } else {
            if (stake == 0) revert RegistryPoolInsolvent(sequencerId);
            minted = Math.mulDiv(amount, totalShares, stake); // rounded down: the pool keeps the dust
        }
        if (minted == 0) revert RegistryZeroAmount();
        Position storage p = _positions[sequencerId][account];
        _settle(sequencerId, s, account, p);
        uint256 shares = p.shares + minted;
        p.shares = shares.toUint128();
        p.rewardDebt = _debtFor(shares, s.accRewardPerShare);
        s.bondedStake = (stake + amount).toUint128();
        s.bondedShares = (totalShares + minted).toUint128();
        _refreshWeight(sequencerId, s);
        emit Deposited(sequencerId, account, amount, minted);
    }

    /// @dev Checked undelegation: the account holds the shares and they are worth something.
    function _undelegate(
        uint256 sequencerId,
        Sequencer storage s,
        address account,
        uint256 shares
    ) private returns (uint256 requestId, uint256 amount) {
        Position storage p = _positions[sequencerId][account];
        uint256 held = p.shares;
        if (shares > held) revert RegistryInsufficientShares(shares, held);
        amount = s.bondedValue(shares);
        if (amount == 0) revert RegistryZeroAmount();
        requestId = _queueUnbonding(sequencerId, s, account, shares);
    }

    /// @dev Moves `shares` of the account's bonded shares into the pool's unbonding part and queues a request.
    function _queueUnbonding(
        uint256 sequencerId,
        Sequencer storage s,
        address account,
        uint256 shares
    ) private returns (uint256 requestId) {
        Position storage p = _positions[sequencerId][account];
        _settle(sequencerId, s, account, p);
        uint256 remaining = p.shares - shares;
        p.shares = uint128(remaining);
        p.rewardDebt = _debtFor(remaining, s.accRewardPerShare);

        uint256 amount = s.bondedValue(shares);
        s.bondedStake -= uint128(amount);
        s.bondedShares -= uint128(shares);

        uint256 unbondingStake = s.unbondingStake;
        uint256 unbondingShares = s.unbondingShares;
        // A fresh unbonding part starts at one share per wei. It cannot hold shares at zero stake here: only a
        // 100% slash empties it, which also empties the bonded part, leaving `amount` = 0 (rejected above for
        // undelegations; an exit of a zero-value position queues zero shares).
        uint256 minted =
            unbondingShares == 0 || unbondingStake == 0 ? amount : Math.mulDiv(amount, unbondingShares, unbondingStake);
        s.unbondingStake = (unbondingStake + amount).toUint128();
        s.unbondingShares = (unbondingShares + minted).toUint128();
        _refreshWeight(sequencerId, s);

        requestId = ++_nextUnbondingId;
        uint256 releaseTime = block.timestamp + _params.exitDelay;
        _unbondings[requestId] = UnbondingRequest({
            owner: account,
            sequencerId: uint64(sequencerId),
            shares: uint128(minted),
            releaseTime: uint64(releaseTime)
        });
        emit UndelegationQueued(requestId, sequencerId, account, amount, releaseTime, shares, minted);
    }

    /// @dev Credits a released unbonding request's value to its owner; finishes an exit if it is the operator's.
    function _completeUnbonding(uint256 requestId, UnbondingRequest storage r) private returns (uint256 amount) {
        uint256 releaseTime = r.releaseTime;
        if (block.timestamp < releaseTime) revert RegistryUnbondingNotReleased(requestId, releaseTime);
        uint256 sequencerId = r.sequencerId;
        address owner = r.owner;
        Sequencer storage s = _sequencers[sequencerId];
        uint256 shares = r.shares;
        amount = s.unbondingValue(shares);
        s.unbondingStake -= uint128(amount);
        s.unbondingShares -= uint128(shares);
        delete _unbondings[requestId];
        _balances[owner] += amount;
        emit UnbondingWithdrawn(requestId, owner, amount);

        if (s.exitRequestId == requestId) {
            s.exitRequestId = 0;
            delete _operators[owner]; // the operator may register again, under a new id
            emit ExitCompleted(sequencerId, amount);
        }
    }

    /// @dev Moves the account's accrued rewards to its withdrawable balance. The caller resets `rewardDebt`.
    function _settle(
        uint256 sequencerId,
        Sequencer storage s,
        address account,
        Position storage p
    ) private returns (uint256 amount) {
        amount = _accrued(p, s.accRewardPerShare);
        if (amount != 0) {
            _rewardsOutstanding -= amount;
            _balances[account] += amount;
            emit RewardsClaimed(sequencerId, account, amount);
        }
    }

    function _accrued(Position storage p, uint256 acc) private view returns (uint256) {
        uint256 entitled = Math.mulDiv(p.shares, acc, REWARD_PRECISION); // rounded down on payout
        uint256 debt = p.rewardDebt;
        return entitled > debt ? entitled - debt : 0;
    }

    function _debtFor(uint256 shares, uint256 acc) private pure returns (uint128) {
        // Rounded up on entry, so Σ claims ≤ Σ allocated.
        return Math.mulDiv(shares, acc, REWARD_PRECISION, Math.Rounding.Ceil).toUint128();
    }

    function _ownBondedStake(uint256 sequencerId, Sequencer storage s) private view returns (uint256) {
        return s.bondedValue(_positions[sequencerId][s.operator].shares);
    }

    /// @dev The commission in force: a queued increase once its time has come (applied here, on the next payment).
    function _commission(uint256 sequencerId, Sequencer storage s) private returns (uint256 bps) {
        bps = s.commissionBps;
        uint256 effectiveAt = s.commissionEffectiveAt;
        if (effectiveAt != 0 && block.timestamp >= effectiveAt) {
            bps = s.pendingCommissionBps;
            s.commissionBps = uint16(bps);
            s.commissionEffectiveAt = 0;
            emit CommissionChanged(sequencerId, bps);
        }
    }

    /// @dev The operator's own stake: bonded, plus what its pending exit still holds (slashable until withdrawn).
    function _ownStake(uint256 sequencerId, Sequencer storage s) private view returns (uint256 own) {
        own = _ownBondedStake(sequencerId, s);
        uint256 exitRequestId = s.exitRequestId;
        if (exitRequestId != 0) own += s.unbondingValue(_unbondings[exitRequestId].shares);
    }

    // ─────────────────────────────────────── internals: slashing ─────────────────────────────────────

    /// @dev Takes `amount` from the pool, pro rata between the bonded and unbonding parts. The caller routes
    /// the funds (insurance, reporter).
    function _slash(uint256 sequencerId, Sequencer storage s, uint256 amount) private {
        if (amount == 0) revert RegistryZeroAmount();
        uint256 bonded = s.bondedStake;
        uint256 unbonding = s.unbondingStake;
        uint256 slashable = bonded + unbonding;
        if (amount > slashable) revert RegistrySlashExceedsStake(sequencerId, amount, slashable);
        // Round the unbonding part down so it empties only when the whole pool does.
        uint256 fromUnbonding = (amount * unbonding) / slashable;
        s.unbondingStake = uint128(unbonding - fromUnbonding);
        s.bondedStake = uint128(bonded - (amount - fromUnbonding));
        emit SequencerSlashed(sequencerId, amount);

        SequencerStatus status = s.status;
        if (status == SequencerStatus.Ejected || status == SequencerStatus.Exiting) return;
        uint256 own = _ownBondedStake(sequencerId, s);
        if (own < _params.ejectionStake) {
            _setStatus(sequencerId, s, SequencerStatus.Ejected);
        } else if (status == SequencerStatus.Active && own < _params.minStake) {
            _setStatus(sequencerId, s, SequencerStatus.Inactive);
        } else if (status == SequencerStatus.Active) {
            _refreshWeight(sequencerId, s);
        }
    }

    function _punishEquivocation(uint256 sequencerId, Sequencer storage s, bytes calldata evidence) private {
        IEquivocationModule module = _equivocationModule;
        if (address(module) == address(0)) revert RegistryNoEquivocationModule();
        uint256 slot = module.judge(
            sequencerId,
            s.operator,
            IEquivocationModule.Duty({fromSlot: s.dutyFromSlot, endSlot: s.dutyEndSlot, punished: s.dutyPunished}),
            currentSlot(),
            _params.evidenceWindowSlots,
            evidence
        );
        SequencerStatus status = s.status;
        if (status == SequencerStatus.Active || status == SequencerStatus.Inactive) _suspend(sequencerId, s);
        s.dutyPunished = true; // one punishment per period of duty (the suspension ended the period)
        uint256 slashingBps = _params.slashingBps;
        uint256 amount = ((uint256(s.bondedStake) + s.unbondingStake) * slashingBps) / BPS;
        // The reward is a share of what the slash takes from the operator's own stake (bonded and exiting), never of
        // its delegators': an operator reporting itself from another address loses at least what it is paid.
        uint256 ownSlashed = (_ownStake(sequencerId, s) * slashingBps) / BPS;
        uint256 reward = (ownSlashed * _params.reporterRewardBps) / BPS;
        if (amount != 0) {
            _slash(sequencerId, s, amount);
            _insuranceFund += amount - reward;
            _balances[msg.sender] += reward;
        }
        emit EquivocationProven(sequencerId, slot, msg.sender, amount, reward);
    }

    /// @dev Suspends an Active or Inactive sequencer.
    function _suspend(uint256 sequencerId, Sequencer storage s) private {
        s.suspendedAt = uint40(block.timestamp);
        SequencerStatus old = s.status;
        s.status = SequencerStatus.Suspended;
        if (old == SequencerStatus.Active) _leaveSet(sequencerId, s);
        emit SequencerStatusChanged(sequencerId, old, SequencerStatus.Suspended);
    }

    // ───────────────────────────────────── internals: set and status ─────────────────────────────────

    function _setStatus(uint256 sequencerId, Sequencer storage s, SequencerStatus newStatus) private {
        SequencerStatus old = s.status;
        if (old == newStatus) return;
        s.status = newStatus;
        if (old == SequencerStatus.Active) _leaveSet(sequencerId, s);
        if (newStatus == SequencerStatus.Active) _joinSet(sequencerId, s);
        emit SequencerStatusChanged(sequencerId, old, newStatus);
    }

    function _joinSet(uint256 sequencerId, Sequencer storage s) private {
        uint256 count = _activeCount;
        if (count >= _params.maxSequencers) revert RegistryActiveSetFull(_params.maxSequencers);
        uint256 head = _head;
        RegistryIndexLib.append(_sequencers, head, sequencerId);
        if (head == 0) _head = uint32(sequencerId);
        _activeCount = uint32(count + 1);
        _operators[s.operator] = (sequencerId << 1) | 1;
        s.activationBlock = uint40(block.number);
        // A period of duty that ended less than an evidence window ago continues, unless it was punished: leaving
        // the set (e.g. dropping below minStake) and coming back cannot wipe out the liability for an offence in it.
        uint256 nowSlot = currentSlot();
        uint256 end = s.dutyEndSlot;
        if (end == 0 || s.dutyPunished || nowSlot >= end + _params.evidenceWindowSlots) {
            s.dutyFromSlot = uint40(nowSlot);
            s.dutyPunished = false;
        }
        s.dutyEndSlot = type(uint40).max;
        _refreshWeight(sequencerId, s);
        // A zero score has no lane in the performance index (it can never rank): a newcomer indexes nothing there.
        if (s.performanceScore != 0) _refreshPerformanceKey(sequencerId, s);
        if (_currentId == 0) _startTurn(sequencerId, s, 0);
        _syncFallback();
    }

    /// @dev Takes an Active sequencer out of the set: the list, both trees, the prover's view and its duty.
    function _leaveSet(uint256 sequencerId, Sequencer storage s) private {
        uint256 count = _activeCount - 1;
        _activeCount = uint32(count);
        _operators[s.operator] = sequencerId << 1;
        s.dutyEndSlot = uint40(currentSlot() + 1);
        uint256 next = RegistryIndexLib.remove(_sequencers, _weights, _performance, sequencerId);
        if (_head == sequencerId) _head = uint32(next);
        if (_designatedNextId == sequencerId) _designatedNextId = 0;
        if (_currentId == sequencerId) {
            // The active sequencer left mid-turn: the announced successor, else the next in the list (another
            // region's first if that one is of the leaver's region and another region is Active) takes over at once.
            address old = s.operator;
            if (count == 0) {
                _currentId = 0;
                emit SequencerRotated(old, address(0));
            } else {
                uint256 successor = _designatedNext();
                if (successor == 0) successor = _successor(sequencerId, next, true);
                _designatedNextId = 0;
                Sequencer storage n = _sequencers[successor];
                _startTurn(successor, n, sequencerId);
                emit SequencerRotated(old, n.operator);
            }
        }
        _syncFallback();
    }

    function _refreshWeight(uint256 sequencerId, Sequencer storage s) private {
        if (s.status != SequencerStatus.Active) return;
        RegistryIndexLib.setWeight(_sequencers, _params, _weights, sequencerId, s.bondedStake / WEIGHT_UNIT);
    }

    /**
     * @dev Ranking key of the performance index under linear decay: a score s (bp) set at time t, losing r bp
     * per day, is worth s − r·(now − t)/1 day, so `s·1 day + r·(t − genesis)` ranks by decayed score at every
     * instant. A change of `scoreDecayRate` reaches a sequencer's key at its next score update or activation.
     */
    function _refreshPerformanceKey(uint256 sequencerId, Sequencer storage s) private {
        uint256 since = Math.max(s.performanceUpdatedAt, GENESIS_TIME) - GENESIS_TIME;
        uint256 score = s.performanceScore;
        uint256 key = score == 0 ? 0 : score * 1 days + uint256(_params.scoreDecayRate) * since;
        RegistryIndexLib.setPerformanceKey(_performance, sequencerId - 1, key);
    }

    /// @dev The protocol's one fee rule: the insurance fund's share of every payment (rewards, auction proceeds).
    function _insuranceFee(uint256 amount) private view returns (uint256) {
        return (amount * _params.insuranceFeeBps) / BPS;
    }

    function _decayedScore(Sequencer storage s) private view returns (uint256) {
        uint256 decay =
            (uint256(_params.scoreDecayRate) * (block.timestamp - Math.max(s.performanceUpdatedAt, GENESIS_TIME))) /
                1 days;
        uint256 score = s.performanceScore;
        return score > decay ? score - decay : 0;
    }

    function _startTurn(uint256 sequencerId, Sequencer storage s, uint256 previousId) private {
        emit TurnStarted(sequencerId, previousId);
        _currentId = uint32(sequencerId);
        _lastRotation = uint40(block.timestamp);
        s.lastActiveBlock = uint40(block.number);
    }

    function _handOver(uint256 nextId) private {
        if (nextId == 0) revert RegistryNoEligibleSequencer();
        uint256 oldId = _currentId;
        address old = _sequencers[oldId].operator;
        Sequencer storage n = _sequencers[nextId];
        _designatedNextId = 0;
        _startTurn(nextId, n, oldId);
        emit SequencerRotated(old, n.operator);
    }

    /// @dev The designated successor if it is still eligible and not the current sequencer, else 0.
    function _designatedNext() private view returns (uint256 id) {
        id = _designatedNextId;
        if (id == 0 || id == _currentId || _sequencers[id].status != SequencerStatus.Active) return 0;
    }

    /// @dev The successor under the configured selection mode. The module's answer is used only if it names an
    /// Active sequencer other than the current one; otherwise (or in round-robin mode) the round-robin pick takes
    /// over (the next region's next member; list order while one region holds every sequencer), which differs from
    /// the current one whenever two or more are Active. Either is replaced if it would give the current sequencer's
    /// region a second turn in a row while another region has an Active sequencer ({RegistryIndexLib-successor}).
    /// A preview (`handOver` false and nothing decided) records nothing: it must not advance a region's round robin.
    function _pickSuccessor(bool handOver) private returns (uint256 id, bool decided) {
        if (_activeCount == 0) revert RegistryNoEligibleSequencer();
        uint256 current = _currentId;
        SelectionMode mode = _params.selectionMode;
        // Round-robin and performance answers are decisions. A random mode's round-robin fallback is not, nor an
        // auction's (its next turn may be a random one whose draw has not arrived): only the module's answer decides.
        decided = mode == SelectionMode.RoundRobin || mode == SelectionMode.Performance;
        if (mode != SelectionMode.RoundRobin) {
            id = _selectionModule.nextSequencer(mode, current);
            if (id != 0 && id != current && _sequencers[id].status == SequencerStatus.Active) decided = true;
            else id = 0;
        }
        // Round robin (id 0) and the region rule: no region gets two turns in a row while another is eligible.
        id = _successor(current, id, handOver || decided);
    }

    /// @dev {RegistryIndexLib-successor}: the region rule over `candidate` (0: round robin) after `previous`; the pick
    /// becomes its region's cursor only if `record` (a hand-over or an announcement).
    function _successor(uint256 previous, uint256 candidate, bool record) private returns (uint256) {
        return RegistryIndexLib.successor(_sequencers, _activeCount, previous, candidate, record);
    }

    function _nextRotationTime() private view returns (uint256) {
        return uint256(_lastRotation) + _params.rotationPeriod;
    }

    function _isFallbackMode() private view returns (bool) {
        return block.number < _params.activationBlock || _activeCount < _params.minActiveSequencers;
    }

    function _syncFallback() private {
        bool fallbackNow = _isFallbackMode();
        if (fallbackNow != _fallbackActive) {
            _fallbackActive = fallbackNow;
            emit FallbackModeChanged(fallbackNow, _params.fallbackSequencer);
        }
    }

    // ─────────────────────────────────────── internals: access ───────────────────────────────────────

    function _existing(uint256 sequencerId) private view returns (Sequencer storage s) {
        s = _sequencers[sequencerId];
        if (s.operator == address(0)) revert RegistryUnknownSequencer(sequencerId);
    }

    function _operatorSequencer(uint256 sequencerId) private view returns (Sequencer storage s) {
        s = _existing(sequencerId);
        if (s.operator != msg.sender) revert RegistryNotOperator(sequencerId, msg.sender);
    }

    /**
     * @dev Ends the current call with the return data (or the revert) of the linked library `lib`'s view for `data`,
     * byte for byte. The library's functions are `view` and read the registry's storage through the storage pointers in
     * `data`, so its answer is what an inlined call would return; forwarding the bytes spares the registry the code
     * that would decode the library's answer and encode it again (the views below cost a third of their bytes).
     * Solidity rejects a delegatecall in a view, so the non-view {_delegateAndReturn} is called through a view pointer:
     * the callee is a view, so the call writes nothing.
     */
    function _forwardView(address lib, bytes memory data) private view {
        function(address, bytes memory) delegateAndReturn = _delegateAndReturn;
        function(address, bytes memory) view asView;
        assembly ("memory-safe") {
            asView := delegateAndReturn
        }
        asView(lib, data);
    }

    function _delegateAndReturn(address lib, bytes memory data) private {
        assembly {
            let ok := delegatecall(gas(), lib, add(data, 0x20), mload(data), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }

    /// @dev {_forwardView} of the {RegistryParametersLib} view `selector` over the registry's parameters.
    function _forwardParametersView(bytes4 selector) private view {
        uint256 params;
        assembly ("memory-safe") {
            params := _params.slot
        }
        _forwardView(address(RegistryParametersLib), abi.encodeWithSelector(selector, params));
    }

    function _checkLength(bytes32 field, uint256 length, uint256 maxLength) private pure {
        if (length > maxLength) revert RegistryFieldTooLong(field, length, maxLength);
    }
}
