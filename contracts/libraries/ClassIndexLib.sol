// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {MaxTree} from "./MaxTree.sol";
import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";

/**
 * @title ClassIndexLib
 * @notice The scheduler's index of sequencers: one {MaxTree} per capability class (GPU | TEE << 1), a sequencer
 * at position id − 1 of its class's tree, its lane two 32-bit fields: high its load (basis points), low its room
 * key (`roomKey` of its free flops units). It also holds the scheduler's capability record and its checks, which
 * the search shares with the scheduler. A linked library (its external functions run by DELEGATECALL on the
 * scheduler's storage) only to keep {AIScheduler} under the contract size limit.
 */
library ClassIndexLib {
    using MaxTree for MaxTree.Tree;

    /// @dev Capacity lives in the scheduler's `_hot` lanes (two sequencers a word); the rest here.
    struct Capabilities {
        uint128 networkBandwidth;
        bool hasTEE;
        bool hasGPU;
        uint32 hotIndex; // position in `_hot` plus one; 0: not registered
        uint40 headJob; // first offered, scheduled or running job on this sequencer
        uint40 tailJob;
    }

    /// @notice A sequencer's capacity in storage units (FLOPS_UNIT flops, MEMORY_UNIT bytes of the scheduler).
    struct Capacity {
        uint256 availableFlops;
        uint256 availableMemory;
        uint256 reservedFlops;
        uint256 reservedMemory;
    }

    /// @dev A `getOptimalSequencer` search: the job's needs in storage units, and the best field found so far.
    struct Query {
        uint256 flops;
        uint256 memoryUnits;
        uint256 needs;
        uint256 minBandwidth;
        bytes32 model;
        uint256 floor; // lowest room field that can fit the job's flops
        uint256 best;
    }

    uint256 internal constant UNIT_MASK = (1 << 25) - 1;
    uint256 internal constant NEEDS_GPU = 1;
    uint256 internal constant NEEDS_TEE = 2;
    uint256 internal constant FIELD_BITS = 32;
    /// @notice Field numbers of a lane.
    uint256 internal constant ROOM = 0;
    uint256 internal constant LOAD = 1;

    /// @notice Writes the lane of `position` in class `cls`: O(log n), one slot per level.
    function update(
        MaxTree.Tree[4] storage classes,
        uint256 cls,
        uint256 position,
        uint256 load,
        uint256 freeUnits
    ) external {
        classes[cls].set(
            position,
            (MaxTree.encode(position, load, FIELD_BITS) << FIELD_BITS) |
                MaxTree.encode(position, roomKey(freeUnits), FIELD_BITS),
            FIELD_BITS
        );
    }

    /// @notice Takes `position` out of class `cls` (no-op if it is not there).
    function remove(MaxTree.Tree[4] storage classes, uint256 cls, uint256 position) external {
        classes[cls].set(position, 0, FIELD_BITS);
    }

    /// @notice The highest `field` over the four classes, position `excluded` left out; ties to the lower
    /// position. One slot read per class unless the maximum is the excluded position (then one per level).
    function top(
        MaxTree.Tree[4] storage classes,
        uint256 field,
        uint256 excluded
    ) external view returns (bool found, uint256 position, uint256 key) {
        uint256 best;
        for (uint256 c; c < 4; ++c) {
            (bool f, uint256 p, uint256 k) = classes[c].best(FIELD_BITS, field, excluded);
            uint256 encoded = (k << MaxTree.POSITION_BITS) | (MaxTree.POSITION_MASK - p);
            if (f && encoded > best) (best, found, position, key) = (encoded, true, p, k);
        }
    }

    /// @notice Free flops units ranked in 14 bits, monotone: exact below 2,048; above, a float with a 10-bit
    /// mantissa (rounded down).
    function roomKey(uint256 units) internal pure returns (uint256) {
        if (units < 2048) return units;
        uint256 e = Math.log2(units) - 9;
        return (e << 10) | ((units >> (e - 1)) & 1023);
    }

    /**
     * @notice The eligible sequencer (Active, its class covering the job's GPU and TEE needs, enough free flops
     * and memory, the bandwidth, the model) with the highest room key, ties to the lower id; 0 if none.
     * @dev A best-first descent of each class tree that covers the job's needs: children in decreasing room,
     * stopping at the first whose room is below the job's need or not above the best found, since no leaf under
     * it can win. One path per class when the roomiest candidate is eligible; every sequencer ranked above the
     * winner that fails a check the tree does not summarise (memory, bandwidth, model, activity) is visited too.
     */
    function optimal(
        MaxTree.Tree[4] storage classes,
        mapping(uint256 => Capabilities) storage caps,
        uint256[] storage hot,
        mapping(uint256 => mapping(bytes32 => bool)) storage models,
        ISequencerRegistry registry,
        Query memory q
    ) external view returns (uint256) {
        if (q.flops > UNIT_MASK) return 0;
        q.floor = roomKey(q.flops) << MaxTree.POSITION_BITS;
        uint256 cls = q.needs & (NEEDS_GPU | NEEDS_TEE);
        for (uint256 c; c < 4; ++c) {
            MaxTree.Tree storage tree = classes[c];
            if (c & cls != cls || tree.depth == 0) continue;
            _search(tree, tree.depth, 0, q, caps, hot, models, registry);
        }
        return q.best == 0 ? 0 : MaxTree.POSITION_MASK - (q.best & MaxTree.POSITION_MASK) + 1;
    }

    function _search(
        MaxTree.Tree storage tree,
        uint256 level,
        uint256 node,
        Query memory q,
        mapping(uint256 => Capabilities) storage caps,
        uint256[] storage hot,
        mapping(uint256 => mapping(bytes32 => bool)) storage models,
        ISequencerRegistry registry
    ) private view {
        uint256 packed = tree.lanes(level, node);
        uint256 visited;
        while (true) {
            uint256 room;
            uint256 lane;
            for (uint256 i; i < 4; ++i) {
                uint256 v = uint32(packed >> (64 * i)); // the room field
                if (visited & (1 << i) == 0 && v > room) (room, lane) = (v, i);
            }
            if (room <= q.best || room < q.floor) return;
            visited |= 1 << lane;
            uint256 child = node * 4 + lane;
            if (level > 1) _search(tree, level - 1, child, q, caps, hot, models, registry);
            else if (_eligible(child + 1, q, caps[child + 1], hot, models[child + 1], registry)) q.best = room;
        }
    }

    function _eligible(
        uint256 id,
        Query memory q,
        Capabilities storage cap,
        uint256[] storage hot,
        mapping(bytes32 => bool) storage supported,
        ISequencerRegistry registry
    ) private view returns (bool) {
        Capacity memory k = capacity(hot, cap);
        if (k.reservedFlops + q.flops > k.availableFlops || k.reservedMemory + q.memoryUnits > k.availableMemory)
            return false;
        if (lacks(cap, supported, q.needs, q.minBandwidth, q.model) != 0) return false;
        return registry.isActiveSequencer(registry.operatorOf(id));
    }

    /// @notice A sequencer's capacity, from its lane in `hot`: availableFlops | availableMemory << 25 |
    /// reservedFlops << 50 | reservedMemory << 75 | sequencerId << 100, two 128-bit lanes a word.
    function capacity(uint256[] storage hot, Capabilities storage cap) internal view returns (Capacity memory k) {
        if (cap.hotIndex == 0) return k;
        uint256 position = cap.hotIndex - 1;
        uint256 lane = hot[position / 2] >> (128 * (position % 2));
        k.availableFlops = lane & UNIT_MASK;
        k.availableMemory = (lane >> 25) & UNIT_MASK;
        k.reservedFlops = (lane >> 50) & UNIT_MASK;
        k.reservedMemory = (lane >> 75) & UNIT_MASK;
    }

    /// @return the first capability the sequencer lacks (1 GPU, 2 TEE, 3 bandwidth, 4 model), 0 if none
    function lacks(
        Capabilities storage cap,
        mapping(bytes32 => bool) storage supported,
        uint256 needs,
        uint256 minBandwidth,
        bytes32 model
    ) internal view returns (uint256) {
        if (needs & NEEDS_GPU != 0 && !cap.hasGPU) return 1;
        if (needs & NEEDS_TEE != 0 && !cap.hasTEE) return 2;
        if (cap.networkBandwidth < minBandwidth) return 3;
        if (model != 0 && !supported[model]) return 4;
        return 0;
    }
}
