// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {MaxTree} from "./MaxTree.sol";
import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";
import {IAIWorkloadScheduler} from "../interfaces/IAIWorkloadScheduler.sol";

/**
 * @title ClassIndexLib
 * @notice The scheduler's index of sequencers: one {MaxTree} per capability class (GPU | TEE << 1), a sequencer
 * at position id − 1 of its class's tree, its lane two 32-bit fields: high its load (basis points), low its room
 * key (`roomKey` of its free flops units). It also holds the scheduler's capability record and its checks, which
 * the search shares with the scheduler, the writing of a sequencer's advertised capabilities, and the ring
 * arithmetic of the earliest-deadline-first queue (shared with {SchedulerLens}). A linked library (its external functions run by DELEGATECALL on the
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
    /// @notice Storage units of the scheduler's capacity lanes: flops and bytes per unit.
    uint256 internal constant FLOPS_UNIT = 1e9;
    uint256 internal constant MEMORY_UNIT = 1 << 20;
    /// @notice Upper bound of the EDF bucket width, in seconds.
    uint256 internal constant MAX_EDF_WIDTH = 1 days;
    /// @notice `needs` bit of a job with a bandwidth or model requirement (kept in the scheduler's `_requirements`).
    uint256 internal constant NEEDS_MORE = 4;
    /// @notice The tag that starts a `jobSpec` carrying requirements.
    bytes4 internal constant REQUIREMENTS_TAG = "LPRQ";
    /// @notice Longest `jobSpec` accepted, in bytes.
    uint256 internal constant MAX_JOB_SPEC = 1024;
    /// @notice Most models a sequencer may advertise.
    uint256 internal constant MAX_MODELS = 16;
    uint256 private constant BPS = 10_000;
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
        uint256 loadBps,
        uint256 freeUnits
    ) external {
        classes[cls].set(
            position,
            (MaxTree.encode(position, loadBps, FIELD_BITS) << FIELD_BITS) |
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
     * @param job the job (its flops, memory and `jobSpec` requirements)
     */
    function optimal(
        MaxTree.Tree[4] storage classes,
        mapping(uint256 => Capabilities) storage caps,
        uint256[] storage hot,
        mapping(uint256 => mapping(bytes32 => bool)) storage models,
        ISequencerRegistry registry,
        IAIWorkloadScheduler.ComputeJob calldata job
    ) external view returns (uint256) {
        Query memory q;
        (q.needs, q.minBandwidth, q.model) = requirementsOf(job.jobSpec);
        q.flops = Math.ceilDiv(job.requiredFlops, FLOPS_UNIT);
        q.memoryUnits = Math.ceilDiv(job.memoryRequirement, MEMORY_UNIT);
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

    /**
     * @notice Writes a sequencer's advertised capabilities (register or update): its capacity lane in `hot`, its
     * class tree lane, bandwidth, GPU/TEE and models. While it holds jobs (offered, scheduled or running) it may
     * add capabilities but not withdraw any (`SchedulerCapabilityInUse`): its jobs were matched to them.
     * Emits {IAIWorkloadScheduler.CapabilitiesUpdated} (from the scheduler: this runs by DELEGATECALL).
     */
    function writeCapabilities(
        MaxTree.Tree[4] storage classes,
        uint256[] storage hot,
        Capabilities storage cap,
        string[] storage models,
        mapping(bytes32 => bool) storage supported,
        IAIWorkloadScheduler.SequencerCapabilities calldata c,
        uint256 sequencerId
    ) external {
        if (c.availableFlops == 0 || c.availableMemory == 0) revert IAIWorkloadScheduler.SchedulerZeroRequirements();
        if (c.supportedModels.length > MAX_MODELS)
            revert IAIWorkloadScheduler.SchedulerTooManyModels(c.supportedModels.length, MAX_MODELS);
        uint256 flopsUnits = c.availableFlops / FLOPS_UNIT;
        uint256 memoryUnits = c.availableMemory / MEMORY_UNIT;
        if (flopsUnits == 0 || memoryUnits == 0) revert IAIWorkloadScheduler.SchedulerZeroRequirements();
        if (flopsUnits > UNIT_MASK || memoryUnits > UNIT_MASK || c.networkBandwidth > type(uint128).max)
            revert IAIWorkloadScheduler.SchedulerRequirementsTooLarge();
        bool busy = cap.headJob != 0;
        if (
            busy &&
            ((cap.hasGPU && !c.hasGPU) || (cap.hasTEE && !c.hasTEE) || c.networkBandwidth < cap.networkBandwidth)
        ) revert IAIWorkloadScheduler.SchedulerCapabilityInUse(sequencerId);
        Capacity memory k = capacity(hot, cap);
        k.availableFlops = flopsUnits;
        k.availableMemory = memoryUnits;
        storeCapacity(hot, cap, k, sequencerId);
        classes[classOf(cap)].set(sequencerId - 1, 0, FIELD_BITS); // the class may change
        cap.networkBandwidth = uint128(c.networkBandwidth);
        cap.hasTEE = c.hasTEE;
        cap.hasGPU = c.hasGPU;
        // ≤ MAX_MODELS entries each
        for (uint256 i = models.length; i != 0; --i) {
            bytes32 model = keccak256(bytes(models[i - 1]));
            if (busy && !_listed(c.supportedModels, model))
                revert IAIWorkloadScheduler.SchedulerCapabilityInUse(sequencerId);
            delete supported[model];
            models.pop();
        }
        for (uint256 i; i < c.supportedModels.length; ++i) {
            models.push(c.supportedModels[i]);
            supported[keccak256(bytes(c.supportedModels[i]))] = true;
        }
        refresh(classes, cap, sequencerId, k);
        emit IAIWorkloadScheduler.CapabilitiesUpdated(sequencerId);
    }

    /// @notice Writes a sequencer's capacity lane in `hot` (reverts if a reservation outgrows its 25-bit field).
    function storeCapacity(
        uint256[] storage hot,
        Capabilities storage cap,
        Capacity memory k,
        uint256 sequencerId
    ) internal {
        if (k.reservedFlops > UNIT_MASK || k.reservedMemory > UNIT_MASK)
            revert IAIWorkloadScheduler.SchedulerRequirementsTooLarge();
        uint256 position = cap.hotIndex - 1;
        uint256 shift = 128 * (position % 2);
        uint256 lane =
            k.availableFlops |
                (k.availableMemory << 25) |
                (k.reservedFlops << 50) |
                (k.reservedMemory << 75) |
                (sequencerId << 100);
        uint256 word = hot[position / 2];
        hot[position / 2] = (word & ~(uint256(type(uint128).max) << shift)) | (lane << shift);
    }

    /// @notice Writes a sequencer's lane in its class tree: its load and its room key.
    function refresh(
        MaxTree.Tree[4] storage classes,
        Capabilities storage cap,
        uint256 sequencerId,
        Capacity memory k
    ) internal {
        uint256 room = k.reservedFlops < k.availableFlops ? k.availableFlops - k.reservedFlops : 0;
        uint256 position = sequencerId - 1;
        classes[classOf(cap)].set(
            position,
            (MaxTree.encode(position, load(k), FIELD_BITS) << FIELD_BITS) |
                MaxTree.encode(position, roomKey(room), FIELD_BITS),
            FIELD_BITS
        );
    }

    /// @notice Reserved over advertised flops, in basis points (capped at 10,000; 0 without capacity).
    function load(Capacity memory k) internal pure returns (uint256) {
        if (k.availableFlops == 0) return 0;
        return Math.min(BPS, (k.reservedFlops * BPS) / k.availableFlops);
    }

    /// @notice A sequencer's capability class: GPU | TEE << 1.
    function classOf(Capabilities storage cap) internal view returns (uint256) {
        return (cap.hasGPU ? NEEDS_GPU : 0) | (cap.hasTEE ? NEEDS_TEE : 0);
    }

    /**
     * @notice The earliest-deadline-first ring: the non-empty bucket of `map` met first walking up from
     * `start` and wrapping past 255 (bucket b holds deadlines d with ⌊d / width⌋ ≡ b mod 256, `start` being the
     * bucket of now). Precondition: `map` is not zero.
     */
    function ringFirst(uint256 map, uint256 start) internal pure returns (uint256) {
        uint256 rotated = (map >> start) | (map << (256 - start)); // shifts of 256 give 0
        return (Math.log2(rotated & (~rotated + 1)) + start) % 256;
    }

    /**
     * @notice The EDF bucket width carried by `params` (one abi-encoded uint256, seconds), within
     * [⌈startWindow / 255⌉, MAX_EDF_WIDTH]: the ring's 255 buckets ahead of now must cover any queued job's
     * remaining start window, so no live job's bucket falls behind the head search.
     */
    function edfWidth(bytes calldata params, uint256 startWindow) external pure returns (uint64) {
        uint256 width = params.length == 32 ? abi.decode(params, (uint256)) : 0;
        uint256 min = Math.ceilDiv(startWindow, 255);
        if (width < min || width > MAX_EDF_WIDTH)
            revert IAIWorkloadScheduler.SchedulerEdfWidthOutOfBounds(width, min, MAX_EDF_WIDTH);
        return uint64(width);
    }

    /// @notice Stores a job's spec (in the library: the calldata-to-storage copy is a few hundred bytes of code).
    function storeSpec(mapping(uint256 => bytes) storage specs, uint256 index, bytes calldata spec) external {
        specs[index] = spec;
    }

    /**
     * @notice Checks a submitted job (non-zero flops and memory, a future deadline, a spec of at most MAX_JOB_SPEC
     * bytes, flops and memory within 64 bits, the deadline within 40) and returns its spec's requirements.
     */
    function admit(
        IAIWorkloadScheduler.ComputeJob calldata job
    ) external view returns (uint256 needs, uint256 minBandwidth, bytes32 model) {
        if (job.requiredFlops == 0 || job.memoryRequirement == 0)
            revert IAIWorkloadScheduler.SchedulerZeroRequirements();
        if (job.deadline <= block.timestamp)
            revert IAIWorkloadScheduler.SchedulerDeadlineInPast(job.deadline, block.timestamp);
        if (job.jobSpec.length > MAX_JOB_SPEC)
            revert IAIWorkloadScheduler.SchedulerSpecTooLong(job.jobSpec.length, MAX_JOB_SPEC);
        if (
            job.requiredFlops > type(uint64).max ||
            job.memoryRequirement > type(uint64).max ||
            job.deadline > type(uint40).max
        ) revert IAIWorkloadScheduler.SchedulerRequirementsTooLarge();
        return requirementsOf(job.jobSpec);
    }

    /**
     * @notice A job spec's requirements: `needs` (NEEDS_GPU | NEEDS_TEE, and NEEDS_MORE when a bandwidth or model
     * is required), the minimum bandwidth and the model hash. Untagged specs require nothing.
     */
    function requirementsOf(
        bytes calldata spec
    ) internal pure returns (uint256 needs, uint256 minBandwidth, bytes32 model) {
        if (spec.length < 4 || bytes4(spec[:4]) != REQUIREMENTS_TAG) return (0, 0, 0);
        if (spec.length < 53 || uint8(spec[4]) > (NEEDS_GPU | NEEDS_TEE))
            revert IAIWorkloadScheduler.SchedulerMalformedRequirements();
        needs = uint8(spec[4]);
        minBandwidth = uint128(bytes16(spec[5:21]));
        model = bytes32(spec[21:53]);
        if (minBandwidth != 0 || model != 0) needs |= NEEDS_MORE;
    }

    function _listed(string[] calldata names, bytes32 model) private pure returns (bool) {
        for (uint256 i; i < names.length; ++i) if (keccak256(bytes(names[i])) == model) return true;
        return false;
    }
}
