// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {StakeSumTree} from "./StakeSumTree.sol";
import {MaxTree} from "./MaxTree.sol";
import {Sequencer} from "./RegistryStorage.sol";

/**
 * @title RegistryIndexLib
 * @notice The writes to {SequencerRegistry}'s selection indexes (its stake sum tree and performance max tree)
 * and removals from its rotation list,
 * linked rather than inlined so the registry stays under 24 KiB; the stake draw and the best-performer query too
 * (a linked call costs a cold account access, 2.6k gas, well inside their targets).
 */
library RegistryIndexLib {
    using StakeSumTree for StakeSumTree.Tree;
    using MaxTree for MaxTree.Tree;

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
}
