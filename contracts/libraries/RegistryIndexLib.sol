// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {StakeSumTree} from "./StakeSumTree.sol";
import {MaxTree} from "./MaxTree.sol";
import {ISequencerRegistry} from "../interfaces/ISequencerRegistry.sol";
import {Sequencer, Position, UnbondingRequest, PoolMath} from "./RegistryStorage.sol";

/**
 * @title RegistryIndexLib
 * @notice The writes to {SequencerRegistry}'s selection indexes (its stake sum tree and performance max tree)
 * and removals from its rotation list,
 * linked rather than inlined so the registry stays under 24 KiB; the stake draw and the best-performer query too
 * (a linked call costs a cold account access, 2.6k gas, well inside their targets). It also stores the operators'
 * descriptors (inlined into the registry) and builds {ISequencerRegistry-getSequencer}'s answer, which the registry
 * forwards byte for byte.
 */
library RegistryIndexLib {
    using StakeSumTree for StakeSumTree.Tree;
    using MaxTree for MaxTree.Tree;
    using PoolMath for Sequencer;

    /// @dev Namespace of the operators' descriptors (see {storeDescriptor}).
    bytes32 private constant _DESCRIPTORS = keccak256("lp504.SequencerRegistry.descriptors");

    /// @dev Performance index lanes hold one 64-bit field.
    uint256 internal constant PERFORMANCE_FIELD_BITS = 64;

    /// @notice Sets the stake-index weight at `position`.
    function setWeight(StakeSumTree.Tree storage weights, uint256 position, uint256 weight) external {
        weights.set(position, weight);
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

    /// @notice Removes sequencer `sequencerId` from the rotation list and both indexes; returns the sequencer that
    /// followed it in the list (0 if it was the only one), the new head if it was the head.
    function remove(
        mapping(uint256 => Sequencer) storage sequencers,
        StakeSumTree.Tree storage weights,
        MaxTree.Tree storage performance,
        uint256 sequencerId
    ) external returns (uint256 next) {
        weights.set(sequencerId - 1, 0);
        performance.set(sequencerId - 1, 0, PERFORMANCE_FIELD_BITS);
        Sequencer storage s = sequencers[sequencerId];
        next = s.next;
        uint32 prev = s.prev;
        s.next = 0;
        s.prev = 0;
        if (next == sequencerId) return 0; // it was the only sequencer in the list
        sequencers[prev].next = uint32(next);
        sequencers[next].prev = prev;
    }

    /// @notice Appends sequencer `sequencerId` at the tail of the rotation list whose head is `head` (0: the list
    /// is empty and the sequencer becomes its only member).
    function append(mapping(uint256 => Sequencer) storage sequencers, uint256 head, uint256 sequencerId) external {
        Sequencer storage s = sequencers[sequencerId];
        uint32 id = uint32(sequencerId);
        if (head == 0) {
            s.next = id;
            s.prev = id;
            return;
        }
        // The tail is just before the head of the circular list.
        Sequencer storage h = sequencers[head];
        uint32 tail = h.prev;
        s.next = uint32(head);
        s.prev = tail;
        sequencers[tail].next = id;
        h.prev = id;
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
