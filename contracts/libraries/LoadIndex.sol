// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title LoadIndex
 * @notice Most and least loaded sequencers in O(log n), from one 4-ary tree (the {PerformanceIndex} layout:
 * four 64-bit lanes per slot, one slot per level). Each lane holds two 32-bit halves, each the maximum of its
 * children's halves: high = `load << 17 | (2^17 − 1 − position)`, low = `(10,000 − load) << 17 | (…)`. The
 * maximum high half is the most loaded position, the maximum low half the least loaded; ties go to the lower
 * position, which the value itself encodes. One update writes one slot per level for both orders.
 */
library LoadIndex {
    uint256 private constant POSITION_BITS = 17;
    uint256 private constant POSITION_MASK = (1 << POSITION_BITS) - 1;
    uint256 private constant HALF_MASK = type(uint32).max;
    uint256 private constant LANE_MASK = type(uint64).max;
    uint256 private constant MAX_LOAD = 10_000;

    struct Tree {
        uint256 depth;
        mapping(uint256 key => uint256 packedLanes) slots;
    }

    error LoadIndexOutOfRange(uint256 position, uint256 load);

    function _key(uint256 level, uint256 index) private pure returns (uint256) {
        return (level << 128) | index;
    }

    /// @dev Componentwise maximum of the four lanes of a slot, as one lane.
    function _max4(uint256 packed) private pure returns (uint256) {
        uint256 hi;
        uint256 lo;
        for (uint256 lane; lane < 4; ++lane) {
            uint256 v = (packed >> (lane * 64)) & LANE_MASK;
            if (v >> 32 > hi) hi = v >> 32;
            if (v & HALF_MASK > lo) lo = v & HALF_MASK;
        }
        return (hi << 32) | lo;
    }

    /// @notice Sets a position's load (basis points); `active = false` removes it from both orders.
    function set(Tree storage tree, uint256 position, uint256 load, bool active) internal {
        if (position > POSITION_MASK || load > MAX_LOAD) revert LoadIndexOutOfRange(position, load);
        uint256 tie = POSITION_MASK - position;
        uint256 value = active ? (((load << POSITION_BITS) | tie) << 32) | (((MAX_LOAD - load) << POSITION_BITS) | tie) : 0;
        uint256 depth = tree.depth;
        if (depth == 0) {
            if (value == 0) return;
            depth = 1;
            tree.depth = 1;
        }
        while (position >> (2 * depth) != 0) {
            uint256 top = _max4(tree.slots[_key(depth, 0)]);
            depth += 1;
            tree.slots[_key(depth, 0)] = top;
            tree.depth = depth;
        }
        uint256 index = position;
        uint256 m = value;
        for (uint256 level = 1; level <= depth; ++level) {
            uint256 k = _key(level, index >> 2);
            uint256 shift = (index & 3) * 64;
            uint256 packed = tree.slots[k];
            if (level > 1 && ((packed >> shift) & LANE_MASK) == m) return; // the rest of the path is unchanged
            packed = (packed & ~(LANE_MASK << shift)) | (m << shift);
            tree.slots[k] = packed;
            m = _max4(packed);
            index >>= 2;
        }
    }

    /// @notice The most loaded (`mostLoaded`) or least loaded position other than `excluded`, with its load.
    function best(
        Tree storage tree,
        bool mostLoaded,
        uint256 excluded
    ) internal view returns (bool found, uint256 position, uint256 load) {
        uint256 depth = tree.depth;
        if (depth == 0) return (false, 0, 0);
        uint256 shiftHalf = mostLoaded ? 32 : 0;
        uint256 m;
        if (excluded >> (2 * depth) != 0) {
            m = (_max4(tree.slots[_key(depth, 0)]) >> shiftHalf) & HALF_MASK;
        } else {
            uint256 index = excluded;
            for (uint256 level = 1; level <= depth; ++level) {
                uint256 packed = tree.slots[_key(level, index >> 2)];
                uint256 own = index & 3;
                for (uint256 lane; lane < 4; ++lane) {
                    if (lane == own) continue;
                    uint256 v = (packed >> (lane * 64 + shiftHalf)) & HALF_MASK;
                    if (v > m) m = v;
                }
                index >>= 2;
            }
        }
        if (m == 0) return (false, 0, 0);
        position = POSITION_MASK - (m & POSITION_MASK);
        load = m >> POSITION_BITS;
        if (!mostLoaded) load = MAX_LOAD - load;
        found = true;
    }
}
