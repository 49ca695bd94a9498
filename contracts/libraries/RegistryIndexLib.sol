// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {StakeSumTree} from "./StakeSumTree.sol";
import {MaxTree} from "./MaxTree.sol";
import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";
import {Sequencer, Position, UnbondingRequest, PoolMath, Region, RegionStorage} from "./RegistryStorage.sol";
import {RegistryParametersLib} from "./RegistryParametersLib.sol";

/**
 * @title RegistryIndexLib
 * @notice The writes to {SequencerRegistry}'s selection indexes (its stake sum tree and performance max tree)
 * and removals from its rotation list,
 * linked rather than inlined so the registry stays under 24 KiB; the stake draw and the best-performer query too
 * (a linked call costs a cold account access, 2.6k gas, well inside their targets). It also stores the operators'
 * descriptors (inlined into the registry) and builds {ISequencerRegistry-getSequencer}'s answer, which the registry
 * forwards byte for byte.
 *
 * Network diversity. Each Active sequencer counts in its declared region (untagged: region 0). Per region the
 * library keeps the Active weight, the Active count and the region's place in the rotation list, which holds each
 * region's members contiguously (a joiner goes right after its region's tail; a new region's group goes between two
 * groups). So "the first sequencer of another region" is the one after the current region's tail: found in O(1),
 * whatever the number of same-region sequencers. Every write that raises a region's weight checks the governed cap
 * ({RegistryParametersLib-Params}.regionCapBps) here, in one place; decreases never revert.
 */
library RegistryIndexLib {
    using StakeSumTree for StakeSumTree.Tree;
    using MaxTree for MaxTree.Tree;
    using PoolMath for Sequencer;

    /// @dev Namespace of the operators' descriptors (see {storeDescriptor}).
    bytes32 private constant _DESCRIPTORS = keccak256("lp504.SequencerRegistry.descriptors");

    /// @dev Performance index lanes hold one 64-bit field.
    uint256 internal constant PERFORMANCE_FIELD_BITS = 64;

    /// @notice Sets Active sequencer `sequencerId`'s stake-index weight and its region's Active weight; reverts
    /// with `RegistryRegionCapExceeded` if that raises the region above `regionCapBps` of the total Active weight.
    /// @param sequencers The registry's sequencer records.
    /// @param params The registry's parameters (for the region cap).
    /// @param weights The registry's stake index.
    /// @param sequencerId The Active sequencer.
    /// @param weight Its new weight (bonded stake / weight unit).
    function setWeight(
        mapping(uint256 => Sequencer) storage sequencers,
        RegistryParametersLib.Params storage params,
        StakeSumTree.Tree storage weights,
        uint256 sequencerId,
        uint256 weight
    ) external {
        uint256 position = sequencerId - 1;
        uint256 old = weights.get(position);
        if (weight == old) return;
        weights.set(position, weight);
        uint256 r = sequencers[sequencerId].region;
        Region storage g = RegionStorage.region(r);
        if (weight < old) g.weight -= uint128(old - weight);
        else _addWeight(params, weights, g, r, weight - old);
    }

    /// @notice Declares sequencer `sequencerId`'s tags; an Active sequencer's weight and list place move to the new
    /// region (cap-checked), at most once per exit delay (`RegistryTagsLocked` before then). The registry has checked
    /// the caller and the lock.
    /// @param sequencers The registry's sequencer records.
    /// @param params The registry's parameters (for the region cap).
    /// @param weights The registry's stake index.
    /// @param sequencerId The sequencer.
    /// @param region Its declared region.
    /// @param provider Its declared infrastructure provider.
    function retag(
        mapping(uint256 => Sequencer) storage sequencers,
        RegistryParametersLib.Params storage params,
        StakeSumTree.Tree storage weights,
        uint256 sequencerId,
        uint16 region,
        uint16 provider
    ) external {
        Sequencer storage s = sequencers[sequencerId];
        uint256 oldRegion = s.region;
        s.region = region;
        s.provider = provider;
        emit ISequencerRegistry.SequencerTagged(sequencerId, region, provider);
        if (oldRegion == region || s.status != ISequencerRegistry.SequencerStatus.Active) return;
        // A move is linked right after the old region's tail or at the new region's tail: repeated at will, moving into
        // the current sequencer's region and out again would put the mover next in round robin every other turn.
        uint256 changedAt = s.regionChangedAt;
        if (changedAt != 0 && block.timestamp < changedAt + params.exitDelay) {
            revert ISequencerRegistry.RegistryTagsLocked(sequencerId);
        }
        s.regionChangedAt = uint40(block.timestamp);
        uint256 weight = weights.get(sequencerId - 1);
        Region storage from = RegionStorage.region(oldRegion);
        from.weight -= uint128(weight);
        (, uint256 prev) = _unlink(sequencers, from, sequencerId);
        // The new region's group (if it has none yet) goes where the old one ends: a boundary between two groups.
        uint256 anchor = from.count != 0 ? from.tail : (prev == sequencerId ? 0 : prev);
        Region storage to = RegionStorage.region(region);
        _link(sequencers, to, sequencerId, anchor);
        if (weight != 0) _addWeight(params, weights, to, region, weight);
    }

    /// @dev Adds `weight` to region `r`'s Active weight (record `g`), checking the cap against the total.
    function _addWeight(
        RegistryParametersLib.Params storage params,
        StakeSumTree.Tree storage weights,
        Region storage g,
        uint256 r,
        uint256 weight
    ) private {
        uint256 regionWeight = g.weight + weight;
        g.weight = uint128(regionWeight);
        _checkCap(params, r, regionWeight, weights.total());
    }

    /// @notice The sequencer that takes the turn after `previous` (never 0 while a sequencer is Active). A
    /// `candidate` of 0 asks for round robin: the next region in list order, and in it the member after the one that
    /// last served the region (regions take turns, and each region's members take its turns). A candidate of
    /// `previous`'s region is replaced by that round-robin pick while another region has an Active sequencer: no
    /// region gets two turns in a row while another is eligible. O(1): no walk of the list. While several regions are
    /// Active it records a decided pick (`record`) as its region's last (the region's round robin resumes after it); while one region
    /// holds every Active sequencer round robin is plain list order and nothing is written.
    /// @param sequencers The registry's sequencer records.
    /// @param activeCount The number of Active sequencers.
    /// @param previous The sequencer whose turn ends (it may have just left the list).
    /// @param candidate The mode's choice, an Active sequencer, or 0 for round robin.
    /// @param record Whether the pick is a decision (a hand-over or an announcement) and becomes its region's cursor; a
    /// preview (false) writes nothing, so calling it repeatedly cannot advance a region's round robin.
    /// @return id The successor.
    function successor(
        mapping(uint256 => Sequencer) storage sequencers,
        uint256 activeCount,
        uint256 previous,
        uint256 candidate,
        bool record
    ) external returns (uint256 id) {
        uint256 r = sequencers[previous].region;
        Region storage g = RegionStorage.region(r);
        if (g.count == activeCount) {
            // One region holds every Active sequencer: the rule cannot apply; round robin is list order.
            return candidate != 0 ? candidate : sequencers[previous].next;
        }
        uint256 region;
        if (candidate != 0) region = sequencers[candidate].region;
        if (candidate != 0 && region != r) {
            id = candidate;
        } else {
            // The first sequencer after the region's group is of another region (the groups are contiguous).
            id = sequencers[g.tail].next;
            region = sequencers[id].region;
            uint256 cursor = RegionStorage.region(region).cursor;
            if (cursor != 0) {
                uint256 after_ = sequencers[cursor].next;
                if (sequencers[after_].region == region) id = after_;
            }
        }
        if (record) RegionStorage.region(region).cursor = uint32(id);
    }

    /// @notice A stake-weighted draw over the open snapshot (current weights if none), excluding `excludedId`
    /// (0: none); 0 if no other sequencer has weight.
    function draw(StakeSumTree.Tree storage weights, uint256 seed, uint256 excludedId) external view returns (uint256) {
        (bool found, uint256 position) = weights.drawSnapshot(
            seed,
            excludedId == 0 ? type(uint256).max : excludedId - 1
        );
        return found ? position + 1 : 0;
    }

    /// @notice Sets the performance-index entry at `position`, ranked by `key`; key 0 (a zero score, which never
    /// ranks) leaves the position out of the index.
    function setPerformanceKey(MaxTree.Tree storage performance, uint256 position, uint256 key) external {
        uint256 lane = key == 0 ? 0 : MaxTree.encode(position, key, PERFORMANCE_FIELD_BITS);
        performance.set(position, lane, PERFORMANCE_FIELD_BITS);
    }

    /// @notice The position with the highest performance key, excluding sequencer `excludedId`'s (0: none).
    function best(
        MaxTree.Tree storage performance,
        uint256 excludedId
    ) external view returns (bool found, uint256 position) {
        (found, position, ) = performance.best(
            PERFORMANCE_FIELD_BITS,
            0,
            excludedId == 0 ? type(uint256).max : excludedId - 1
        );
    }

    /// @notice Removes sequencer `sequencerId` from the rotation list, its region and both indexes; returns the
    /// sequencer that followed it in the list (0 if it was the only one), the new head if it was the head. Never
    /// reverts for the region cap: a removal only lowers weights.
    function remove(
        mapping(uint256 => Sequencer) storage sequencers,
        StakeSumTree.Tree storage weights,
        MaxTree.Tree storage performance,
        uint256 sequencerId
    ) external returns (uint256 next) {
        uint256 position = sequencerId - 1;
        Region storage g = RegionStorage.region(sequencers[sequencerId].region);
        g.weight -= uint128(weights.get(position));
        weights.set(position, 0);
        performance.set(position, 0, PERFORMANCE_FIELD_BITS);
        (next, ) = _unlink(sequencers, g, sequencerId);
        if (next == sequencerId) return 0; // it was the only sequencer in the list
    }

    /// @notice Links sequencer `sequencerId` into the rotation list whose head is `head` (0: the list is empty and
    /// the sequencer becomes its only member): right after its region's last member, or, for a region with none,
    /// after the group of the head's region (between two groups).
    function append(mapping(uint256 => Sequencer) storage sequencers, uint256 head, uint256 sequencerId) external {
        Region storage to = RegionStorage.region(sequencers[sequencerId].region);
        uint256 anchor;
        if (to.count == 0 && head != 0) anchor = RegionStorage.region(sequencers[head].region).tail;
        _link(sequencers, to, sequencerId, anchor);
    }

    /// @dev Inserts `sequencerId` into region `to`: after its tail, or after `anchor` (a group's last member; 0: the
    /// list is empty) if the region has no Active member.
    function _link(
        mapping(uint256 => Sequencer) storage sequencers,
        Region storage to,
        uint256 sequencerId,
        uint256 anchor
    ) private {
        Sequencer storage s = sequencers[sequencerId];
        uint32 id = uint32(sequencerId);
        uint256 count = to.count;
        if (count != 0) anchor = to.tail;
        else to.head = id;
        to.tail = id;
        to.count = uint32(count + 1);
        if (anchor == 0) {
            s.next = id;
            s.prev = id;
            return;
        }
        Sequencer storage a = sequencers[anchor];
        uint32 after_ = a.next;
        s.prev = uint32(anchor);
        s.next = after_;
        a.next = id;
        sequencers[after_].prev = id;
    }

    /// @dev Takes `sequencerId` out of the list and of its region `g` (count, ends, cursor); returns its old
    /// neighbours (itself for both if it was alone).
    function _unlink(
        mapping(uint256 => Sequencer) storage sequencers,
        Region storage g,
        uint256 sequencerId
    ) private returns (uint256 next, uint256 prev) {
        Sequencer storage s = sequencers[sequencerId];
        next = s.next;
        prev = s.prev;
        s.next = 0;
        s.prev = 0;
        if (next != sequencerId) {
            sequencers[prev].next = uint32(next);
            sequencers[next].prev = uint32(prev);
        }
        uint256 count = g.count - 1;
        g.count = uint32(count);
        if (count == 0) {
            (g.head, g.tail, g.cursor) = (0, 0, 0);
            return (next, prev);
        }
        bool wasHead = g.head == sequencerId;
        if (wasHead) g.head = uint32(next);
        if (g.tail == sequencerId) g.tail = uint32(prev);
        // Its region's round robin resumes with the member after it: from its predecessor, or from the head.
        if (g.cursor == sequencerId) g.cursor = wasHead ? 0 : uint32(prev);
    }

    /// @dev Reverts if region `r`'s Active weight `regionWeight` exceeds the cap's share of `totalWeight`, unless the
    /// region holds all of it: no other region is Active, so its share is 100% whatever it does (under any cap below
    /// 100% an empty set could never be joined again), and its size only widens what another region may bring in.
    function _checkCap(
        RegistryParametersLib.Params storage params,
        uint256 r,
        uint256 regionWeight,
        uint256 totalWeight
    ) private view {
        uint256 cap = params.regionCapBps;
        if (cap != 0 && regionWeight < totalWeight && regionWeight * 10_000 > cap * totalWeight) {
            revert ISequencerRegistry.RegistryRegionCapExceeded(uint16(r), regionWeight, totalWeight);
        }
    }

    /// @notice Sequencer `sequencerId`'s record as {ISequencerRegistry-getSequencer} returns it (reverts with
    /// `RegistryUnknownSequencer` for an id never registered). Read in the registry's storage (delegatecall).
    /// @param sequencers The registry's sequencer records.
    /// @param positions The registry's pool positions.
    /// @param unbondings The registry's unbonding requests.
    /// @param sequencerId The sequencer.
    /// @return info The operator, descriptor, own and delegated stake, status, blocks and raw performance score.
    function sequencerInfo(
        mapping(uint256 => Sequencer) storage sequencers,
        mapping(uint256 => mapping(address => Position)) storage positions,
        mapping(uint256 => UnbondingRequest) storage unbondings,
        uint256 sequencerId
    ) external view returns (ISequencerRegistry.SequencerInfo memory info) {
        Sequencer storage s = sequencers[sequencerId];
        address operator = s.operator;
        if (operator == address(0)) revert ISequencerRegistry.RegistryUnknownSequencer(sequencerId);
        uint256 ownBonded = s.bondedValue(positions[sequencerId][operator].shares);
        info.operator = operator;
        (bytes memory d, uint256 header) = _loadDescriptor(sequencerId);
        uint256 endpointEnd = 4 + (header >> 22);
        uint256 publicKeyEnd = endpointEnd + ((header >> 12) & 0x3ff);
        info.endpoint = string(_slice(d, 4, endpointEnd));
        info.publicKey = _slice(d, endpointEnd, publicKeyEnd);
        info.metadata = _slice(d, publicKeyEnd, d.length);
        // Own stake: bonded, plus what a pending exit still holds (slashable until withdrawn).
        uint256 exitRequestId = s.exitRequestId;
        info.stake = ownBonded + (exitRequestId == 0 ? 0 : s.unbondingValue(unbondings[exitRequestId].shares));
        info.delegatedStake = uint256(s.bondedStake) - ownBonded;
        info.status = s.status;
        info.activationBlock = s.activationBlock;
        info.lastActiveBlock = s.lastActiveBlock;
        info.performanceScore = s.performanceScore;
        info.region = s.region;
        info.provider = s.provider;
    }

    /// @dev Stores `packed` (a 4-byte header of the three lengths, then endpoint, public key and metadata) as whole
    /// words from keccak256(_DESCRIPTORS, id), a namespace no mapping or array of the registry can reach; the header
    /// carries the length, so no length word is written (a `bytes` field would write one more slot). Inlined into
    /// the registry (internal).
    function storeDescriptor(uint256 sequencerId, bytes memory packed) internal {
        uint256 base = _descriptorBase(sequencerId);
        assembly ("memory-safe") {
            let data := add(packed, 0x20)
            let words := shr(5, add(mload(packed), 31))
            for {
                let i := 0
            } lt(i, words) {
                i := add(i, 1)
            } {
                sstore(add(base, i), mload(add(data, shl(5, i))))
            }
        }
    }

    function _descriptorBase(uint256 sequencerId) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(_DESCRIPTORS, sequencerId)));
    }

    /// @dev The packed descriptor stored by {storeDescriptor}, and its header (bits 22..31: endpoint length, 12..21:
    /// public-key length, 0..11: metadata length).
    function _loadDescriptor(uint256 sequencerId) private view returns (bytes memory d, uint256 header) {
        uint256 base = _descriptorBase(sequencerId);
        assembly ("memory-safe") {
            header := shr(224, sload(base))
        }
        d = new bytes(4 + (header >> 22) + ((header >> 12) & 0x3ff) + (header & 0xfff));
        assembly ("memory-safe") {
            let data := add(d, 0x20)
            let words := shr(5, add(mload(d), 31))
            for {
                let i := 0
            } lt(i, words) {
                i := add(i, 1)
            } {
                mstore(add(data, shl(5, i)), sload(add(base, i)))
            }
        }
    }

    /// @dev `d[from:to]` as a new bytes.
    function _slice(bytes memory d, uint256 from, uint256 to) private pure returns (bytes memory out) {
        out = new bytes(to - from);
        for (uint256 i = from; i < to; ++i) out[i - from] = d[i];
    }
}
