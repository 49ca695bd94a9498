// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";

/**
 * @title RegistryStorage
 * @notice Storage layout of {SequencerRegistry}'s records, at file level so the registry's linked libraries
 * can read them. Field order packs each commented group into one slot.
 */

struct Sequencer {
    // slot: identity, status and set links
    address operator;
    ISequencerRegistry.SequencerStatus status;
    uint16 commissionBps;
    uint32 next; // next sequencer in rotation order (circular list); 0 when not in the list
    uint32 prev;
    // slot: the bonded part of the pool (selectable, earns rewards): a deposit or a registration writes one slot
    uint128 bondedStake;
    uint128 bondedShares;
    // slot: the unbonding part (queued undelegations and the operator's exit; slashable until withdrawn)
    uint128 unbondingStake;
    uint128 unbondingShares;
    // slot: rewards per bonded share, scaled by REWARD_PRECISION
    uint256 accRewardPerShare;
    // slot: lifecycle and duty (written together when the sequencer joins or leaves the Active set)
    uint40 activationBlock;
    uint40 lastActiveBlock;
    uint40 suspendedAt;
    uint40 exitRequestId;
    // The registry's slots in which the sequencer last held the duty to sequence: [dutyFromSlot, dutyEndSlot).
    // While Active, dutyEndSlot is type(uint40).max; 0 when it has never been Active. Evidence counts only for
    // these slots (the equivocation module judges with them), so leaving the set ends liability for later slots,
    // and `dutyPunished` marks a period whose equivocation was punished: one punishment per period.
    uint40 dutyFromSlot;
    uint40 dutyEndSlot;
    bool dutyPunished;
    // slot: performance, and a commission increase waiting for its effective time
    uint16 performanceScore;
    uint40 performanceUpdatedAt;
    uint16 pendingCommissionBps;
    uint40 commissionEffectiveAt; // 0: no increase pending
    // The operator's self-declared network tags (0: untagged, which counts as region 0). Claims, not proofs.
    uint16 region;
    uint16 provider;
    // When an Active sequencer last changed region (0: never): such a move relinks it in the rotation list, so it is
    // allowed once per exit delay (a sequencer cannot keep moving in right after the current one to win turns).
    uint40 regionChangedAt;
    // The operator's descriptor (endpoint, public key, metadata) is stored outside the struct, in whole words
    // under the registry's descriptor namespace (see SequencerRegistry._storeDescriptor): no length word.
}

/// @notice One region's share of the Active set and its place in the rotation list, one slot. The list keeps each
/// region's Active members contiguous, from `head` to `tail`; `cursor` is the member that served the region's last
/// turn (0: none yet, or it left and the region restarts from its head).
struct Region {
    uint128 weight; // Σ stake-index weight of the region's Active sequencers
    uint32 count; // its Active sequencers
    uint32 head;
    uint32 tail;
    uint32 cursor;
}

/// @notice Where {Region} records live in the registry's storage: a namespace of their own (no mapping or array of the
/// registry can reach it), so adding them moved no slot.
library RegionStorage {
    /// @dev Base of the region records: region `r` is at `keccak256(abi.encode(r, REGIONS))`.
    bytes32 internal constant REGIONS = keccak256("lp504.SequencerRegistry.regions");

    function region(uint256 r) internal pure returns (Region storage record) {
        bytes32 slot = keccak256(abi.encode(r, REGIONS));
        assembly ("memory-safe") {
            record.slot := slot
        }
    }
}

struct Position {
    uint128 shares; // bonded shares
    uint128 rewardDebt; // ⌈shares × accRewardPerShare / PRECISION⌉ at the last settlement
}

struct UnbondingRequest {
    address owner;
    uint64 sequencerId;
    uint128 shares; // unbonding shares of the sequencer's pool
    uint64 releaseTime;
}

/// @notice Share arithmetic of a sequencer's pool: values round down, so the pool keeps the dust.
library PoolMath {
    function bondedValue(Sequencer storage s, uint256 shares) internal view returns (uint256) {
        uint256 totalShares = s.bondedShares;
        if (totalShares == 0) return 0;
        return Math.mulDiv(shares, s.bondedStake, totalShares);
    }

    function unbondingValue(Sequencer storage s, uint256 shares) internal view returns (uint256) {
        uint256 totalShares = s.unbondingShares;
        if (totalShares == 0) return 0;
        return Math.mulDiv(shares, s.unbondingStake, totalShares);
    }
}
