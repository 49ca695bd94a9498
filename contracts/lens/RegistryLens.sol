// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IExtsload} from "../interfaces/IExtsload.sol";
import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";

/**
 * @title RegistryLens
 * @notice Convenience views of a {SequencerRegistry} that the specification does not name: pools, positions,
 * unbonding requests, pending rewards, duty periods, stake weights. It reads the registry's storage through `extsload`, at the
 * slots of the registry's storage layout (the constants below; a test checks them against the compiler's layout),
 * so the core's bytecode keeps to what moves money and the set. Stateless: deploy one per registry, or none.
 */
contract RegistryLens {
    /// @dev Storage slots of the registry's variables (its inheritance order puts `_operators` at 0).
    uint256 public constant SEQUENCERS_SLOT = 7;
    uint256 public constant POSITIONS_SLOT = 8;
    uint256 public constant UNBONDINGS_SLOT = 9;
    uint256 public constant REWARDS_OUTSTANDING_SLOT = 18;
    uint256 public constant WEIGHTS_SLOT = 11;
    /// @dev Word offsets inside a `Sequencer` record.
    uint256 internal constant SEQ_IDENTITY = 0; // operator, status, commissionBps (bits 168..183), list links
    uint256 internal constant SEQ_BONDED = 1; // bondedStake, bondedShares
    uint256 internal constant SEQ_UNBONDING = 2; // unbondingStake, unbondingShares
    uint256 internal constant SEQ_ACC = 3; // accRewardPerShare
    uint256 internal constant SEQ_LIFECYCLE = 4; // blocks, suspension, exit, duty period (bits 160..247)
    uint256 internal constant SEQ_PERFORMANCE = 5; // score (bits 0..15), updatedAt (16..55), pending commission (56..71), its time (72..111), region (112..127), provider (128..143)
    uint256 private constant REWARD_PRECISION = 1e36;
    /// @dev Namespace of the registry's region records (RegionStorage.REGIONS): region r at keccak256(r, namespace).
    bytes32 internal constant REGIONS_NAMESPACE = keccak256("lp504.SequencerRegistry.regions");

    IExtsload public immutable registry;

    constructor(address registry_) {
        if (registry_ == address(0)) revert ISequencerRegistry.RegistryZeroAddress();
        registry = IExtsload(registry_);
    }

    /// @notice A sequencer's pool: both parts, the operator's shares and the commission.
    function getPool(uint256 sequencerId) external view returns (ISequencerRegistry.PoolInfo memory pool) {
        uint256 base = _sequencer(sequencerId);
        uint256 identity = uint256(registry.extsload(bytes32(base + SEQ_IDENTITY)));
        address operator = address(uint160(identity));
        if (operator == address(0)) revert ISequencerRegistry.RegistryUnknownSequencer(sequencerId);
        (pool.bondedStake, pool.bondedShares) = _pair(registry.extsload(bytes32(base + SEQ_BONDED)));
        (pool.unbondingStake, pool.unbondingShares) = _pair(registry.extsload(bytes32(base + SEQ_UNBONDING)));
        pool.commissionBps = uint16(identity >> 168);
        // A queued increase whose time has come is in force (the registry stores it at the next payment).
        uint256 performance = uint256(registry.extsload(bytes32(base + SEQ_PERFORMANCE)));
        uint256 effectiveAt = uint40(performance >> 72);
        if (effectiveAt != 0 && block.timestamp >= effectiveAt) pool.commissionBps = uint16(performance >> 56);
        (pool.operatorShares, ) = _position(sequencerId, operator);
    }

    /// @notice An unbonding request (reverts for an unknown or withdrawn one).
    function getUnbonding(uint256 requestId) external view returns (ISequencerRegistry.Unbonding memory u) {
        uint256 slot = uint256(keccak256(abi.encode(requestId, UNBONDINGS_SLOT)));
        uint256 head = uint256(registry.extsload(bytes32(slot)));
        uint256 tail = uint256(registry.extsload(bytes32(slot + 1)));
        u.owner = address(uint160(head));
        if (u.owner == address(0)) revert ISequencerRegistry.RegistryUnknownUnbonding(requestId);
        u.sequencerId = uint64(head >> 160);
        u.shares = uint128(tail);
        u.releaseTime = uint64(tail >> 128);
    }

    /// @notice `account`'s bonded shares in `sequencerId`'s pool and their value (rounded down).
    function delegationOf(uint256 sequencerId, address account) external view returns (uint256 shares, uint256 value) {
        (shares, ) = _position(sequencerId, account);
        (uint256 stake, uint256 totalShares) = _pair(registry.extsload(bytes32(_sequencer(sequencerId) + SEQ_BONDED)));
        if (totalShares != 0) value = Math.mulDiv(shares, stake, totalShares);
    }

    /// @notice Rewards `account` can claim from `sequencerId`'s pool now.
    function pendingRewards(uint256 sequencerId, address account) external view returns (uint256) {
        (uint256 shares, uint256 debt) = _position(sequencerId, account);
        uint256 acc = uint256(registry.extsload(bytes32(_sequencer(sequencerId) + SEQ_ACC)));
        uint256 entitled = Math.mulDiv(shares, acc, REWARD_PRECISION);
        return entitled > debt ? entitled - debt : 0;
    }

    /// @notice A sequencer's selection weight in the stake index (bonded stake / `WEIGHT_UNIT` while Active, else 0).
    function weightOf(uint256 sequencerId) external view returns (uint256) {
        if (sequencerId == 0) return 0;
        uint256 position = sequencerId - 1;
        uint256 depth = _weightsDepth();
        if (depth == 0 || position >> (3 * depth - 1) != 0) return 0; // beyond the capacity 4 · 8^(depth − 1)
        return _lane(uint256(registry.extsload(bytes32(_weightsNode(1, position >> 2)))), position & 3);
    }

    /// @notice The sum of the Active sequencers' weights (the stake index's total).
    function totalActiveWeight() external view returns (uint256 sum) {
        uint256 depth = _weightsDepth();
        if (depth == 0) return 0;
        uint256 top = uint256(registry.extsload(bytes32(_weightsNode(depth, 0)))); // the top level is one slot
        for (uint256 lane; lane < 4; ++lane) sum += _lane(top, lane);
    }

    /// @notice A region's share of the Active set as the registry keeps it (see {RegistryIndexLib}): the sum of its Active
    /// sequencers' weights, their number, the ends of its group in the rotation list and the member that served its
    /// last turn (0: none).
    /// @param region A region tag (0: untagged).
    /// @return weight Σ weight of the region's Active sequencers (same unit as {weightOf}).
    /// @return activeCount Its Active sequencers.
    /// @return head First of its group in the rotation list (0: none).
    /// @return tail Last of its group (0: none).
    /// @return cursor The member whose turn was the region's last (0: none).
    function regionOf(
        uint256 region
    ) external view returns (uint256 weight, uint256 activeCount, uint256 head, uint256 tail, uint256 cursor) {
        uint256 word = uint256(registry.extsload(keccak256(abi.encode(region, REGIONS_NAMESPACE))));
        weight = uint128(word);
        activeCount = uint32(word >> 128);
        head = uint32(word >> 160);
        tail = uint32(word >> 192);
        cursor = word >> 224;
    }

    /// @notice Rewards allocated to pool holders and not yet settled to their balances (accounting view).
    function rewardsOutstanding() external view returns (uint256) {
        return uint256(registry.extsload(bytes32(REWARDS_OUTSTANDING_SLOT)));
    }

    /**
     * @notice A sequencer's last period of duty (the registry's slots `[fromSlot, endSlot)` in the Active set;
     * `endSlot` is `type(uint40).max` while Active) and whether an equivocation in it was punished. A watcher checks
     * this before reporting: evidence outside it, or for a punished period, is refused.
     */
    function dutyOf(uint256 sequencerId) external view returns (uint256 fromSlot, uint256 endSlot, bool punished) {
        uint256 word = uint256(registry.extsload(bytes32(_sequencer(sequencerId) + SEQ_LIFECYCLE)));
        fromSlot = uint40(word >> 160);
        endSlot = uint40(word >> 200);
        punished = uint8(word >> 240) != 0;
    }

    /// @dev The stake index (StakeSumTree): depth in the low 64 bits of its slot; slot (level, index) at
    /// keccak256(slot) + (level << 128 | index); four 48-bit lanes per slot, two slots per node (eight children) below the top level's single slot.
    function _weightsDepth() private view returns (uint256) {
        return uint64(uint256(registry.extsload(bytes32(WEIGHTS_SLOT))));
    }

    function _weightsNode(uint256 level, uint256 index) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(WEIGHTS_SLOT))) + ((level << 128) | index);
    }

    function _lane(uint256 packed, uint256 lane) private pure returns (uint256) {
        return (packed >> (lane * 48)) & ((1 << 48) - 1);
    }

    function _sequencer(uint256 sequencerId) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(sequencerId, SEQUENCERS_SLOT)));
    }

    function _position(uint256 sequencerId, address account) private view returns (uint256 shares, uint256 debt) {
        bytes32 inner = keccak256(abi.encode(sequencerId, POSITIONS_SLOT));
        (shares, debt) = _pair(registry.extsload(keccak256(abi.encode(account, inner))));
    }

    /// @dev The two 128-bit halves of a word, low half first.
    function _pair(bytes32 word) private pure returns (uint128 low, uint128 high) {
        return (uint128(uint256(word)), uint128(uint256(word) >> 128));
    }
}
