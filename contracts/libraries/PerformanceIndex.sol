// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title PerformanceIndex
 * @notice A 4-ary max tree over leaf positions, with the layout of {StakeSumTree} (four 64-bit lanes per slot,
 * one slot per level): each lane holds the maximum of the four lanes below it.
 *
 * Leaf values are `key << 17 | (2^17 − 1 − position)`: a ranking key in the high bits and the position,
 * inverted, in the low bits. Every value is unique, ties on the key go to the lower position, and the winner's
 * position is decoded from the maximum itself, so a query reads one slot per level and never descends.
 *
 * The registry's key is time-invariant under linear decay: a score s set at time t, decaying r per day, is
 * worth s − r·(now − t)/1 day later, so ranking by `s·1 day + r·t` ranks by current score at every instant.
 */
library PerformanceIndex {
    uint256 internal constant POSITION_BITS = 17;
    uint256 internal constant POSITION_MASK = (1 << POSITION_BITS) - 1;
    uint256 private constant LANE_BITS = 64;
    uint256 private constant LANE_MASK = type(uint64).max;

    struct Tree {
        uint256 depth;
        mapping(uint256 key => uint256 packedLanes) slots;
    }

    error PerformanceIndexOutOfRange(uint256 position, uint256 key);

    function _slotKey(uint256 level, uint256 index) private pure returns (uint256) {
        return (level << 128) | index;
    }

    function _max4(uint256 packed) private pure returns (uint256 m) {
        for (uint256 lane; lane < 4; ++lane) {
            uint256 v = (packed >> (lane * LANE_BITS)) & LANE_MASK;
            if (v > m) m = v;
        }
    }

    /// @notice Sets the ranking key of a position; `active = false` clears it.
    function set(Tree storage tree, uint256 position, uint256 key, bool active) internal {
        if (position > POSITION_MASK || key > (LANE_MASK >> POSITION_BITS)) revert PerformanceIndexOutOfRange(position, key);
        uint256 value = active ? (key << POSITION_BITS) | (POSITION_MASK - position) : 0;
        uint256 depth = tree.depth;
        if (depth == 0) {
            if (value == 0) return;
            depth = 1;
            tree.depth = 1;
        }
        while (position >> (2 * depth) != 0) {
            uint256 top = _max4(tree.slots[_slotKey(depth, 0)]);
            depth += 1;
            tree.slots[_slotKey(depth, 0)] = top;
            tree.depth = depth;
        }
        uint256 index = position;
        uint256 m = value;
        for (uint256 level = 1; level <= depth; ++level) {
            uint256 k = _slotKey(level, index >> 2);
            uint256 shift = (index & 3) * LANE_BITS;
            uint256 packed = tree.slots[k];
            if (level > 1 && ((packed >> shift) & LANE_MASK) == m) return; // the rest of the path is unchanged
            packed = (packed & ~(LANE_MASK << shift)) | (m << shift);
            tree.slots[k] = packed;
            m = _max4(packed);
            index >>= 2;
        }
    }

    /**
     * @notice The highest-ranked position other than `excluded` (pass a position beyond the tree, e.g.
     * `type(uint256).max`, to exclude none), as `(found, position, key)`.
     * @dev The siblings of the excluded leaf's path cover every other leaf: one slot read per level.
     */
    function best(Tree storage tree, uint256 excluded) internal view returns (bool found, uint256 position, uint256 key) {
        uint256 depth = tree.depth;
        if (depth == 0) return (false, 0, 0);
        uint256 m;
        if (excluded >> (2 * depth) != 0) {
            m = _max4(tree.slots[_slotKey(depth, 0)]);
        } else {
            uint256 index = excluded;
            for (uint256 level = 1; level <= depth; ++level) {
                uint256 packed = tree.slots[_slotKey(level, index >> 2)];
                uint256 own = index & 3;
                for (uint256 lane; lane < 4; ++lane) {
                    if (lane == own) continue;
                    uint256 v = (packed >> (lane * LANE_BITS)) & LANE_MASK;
                    if (v > m) m = v;
                }
                index >>= 2;
            }
        }
        if (m == 0) return (false, 0, 0);
        return (true, POSITION_MASK - (m & POSITION_MASK), m >> POSITION_BITS);
    }
}
