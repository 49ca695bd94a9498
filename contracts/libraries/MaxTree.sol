// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title MaxTree
 * @notice A 4-ary max tree over leaf positions, with the layout of {StakeSumTree}: four 64-bit lanes per slot,
 * one slot per level, so an update writes and a query reads one slot per level.
 *
 * A lane holds one 64-bit field or two 32-bit fields (`fieldBits`), and every field of a parent lane is the
 * maximum of that field over its four children, independently. A field value is `encode(position, key)` =
 * `key << 17 | (2^17 − 1 − position)`: unique, ties on the key go to the lower position, and the winner's
 * position is decoded from the maximum itself, so a query never descends. 0 means "absent".
 */
library MaxTree {
    uint256 internal constant POSITION_BITS = 17;
    uint256 internal constant POSITION_MASK = (1 << POSITION_BITS) - 1;
    uint256 private constant LANE_BITS = 64;
    uint256 private constant LANE_MASK = type(uint64).max;

    struct Tree {
        uint256 depth;
        mapping(uint256 key => uint256 packedLanes) slots;
    }

    error MaxTreeOutOfRange(uint256 position, uint256 key);

    /// @notice A field value for `position` ranked by `key`, checked to fit a field of `fieldBits` (64 or 32).
    function encode(uint256 position, uint256 key, uint256 fieldBits) internal pure returns (uint256) {
        if (position > POSITION_MASK || key >> (fieldBits - POSITION_BITS) != 0)
            revert MaxTreeOutOfRange(position, key);
        return (key << POSITION_BITS) | (POSITION_MASK - position);
    }

    function _slotKey(uint256 level, uint256 index) private pure returns (uint256) {
        return (level << 128) | index;
    }

    /// @dev Fieldwise maximum of a slot's four lanes, as one lane. Written out for each of the two widths: this
    /// runs once per level on every update, and the generic nested loop cost ~10% more gas (measured).
    function _max4(uint256 packed, uint256 fieldBits) private pure returns (uint256 m) {
        uint256 a = packed & LANE_MASK;
        uint256 b = (packed >> 64) & LANE_MASK;
        uint256 c = (packed >> 128) & LANE_MASK;
        uint256 d = packed >> 192;
        if (fieldBits == LANE_BITS) return _max(_max(a, b), _max(c, d));
        uint256 hi = _max(_max(a >> 32, b >> 32), _max(c >> 32, d >> 32));
        uint256 lo = _max(_max(uint32(a), uint32(b)), _max(uint32(c), uint32(d)));
        return (hi << 32) | lo;
    }

    function _max(uint256 x, uint256 y) private pure returns (uint256) {
        return x > y ? x : y;
    }

    /// @notice Sets the lane of `position` (its encoded fields; 0 removes it).
    function set(Tree storage tree, uint256 position, uint256 lane, uint256 fieldBits) internal {
        if (position > POSITION_MASK) revert MaxTreeOutOfRange(position, 0);
        uint256 depth = tree.depth;
        if (depth == 0) {
            if (lane == 0) return;
            depth = 1;
            tree.depth = 1;
        }
        while (position >> (2 * depth) != 0) {
            uint256 top = _max4(tree.slots[_slotKey(depth, 0)], fieldBits);
            depth += 1;
            tree.slots[_slotKey(depth, 0)] = top;
            tree.depth = depth;
        }
        uint256 index = position;
        uint256 m = lane;
        for (uint256 level = 1; level <= depth; ++level) {
            uint256 k = _slotKey(level, index >> 2);
            uint256 shift = (index & 3) * LANE_BITS;
            uint256 packed = tree.slots[k];
            if (((packed >> shift) & LANE_MASK) == m) return; // unchanged: so is the rest of the path
            packed = (packed & ~(LANE_MASK << shift)) | (m << shift);
            tree.slots[k] = packed;
            m = _max4(packed, fieldBits);
            index >>= 2;
        }
    }

    /// @notice The packed slot holding the four lanes of node `index` at `level` (1: the leaves).
    function lanes(Tree storage tree, uint256 level, uint256 index) internal view returns (uint256) {
        return tree.slots[_slotKey(level, index)];
    }

    /**
     * @notice The highest field `field` (0: low bits) over all positions but `excluded` (pass a position beyond
     * the tree, e.g. `type(uint256).max`, to exclude none), as `(found, position, key)`.
     * @dev One slot read (the top) unless the maximum is the excluded leaf; then the siblings of its path, which
     * cover every other leaf: one slot read per level.
     */
    function best(
        Tree storage tree,
        uint256 fieldBits,
        uint256 field,
        uint256 excluded
    ) internal view returns (bool found, uint256 position, uint256 key) {
        uint256 depth = tree.depth;
        if (depth == 0) return (false, 0, 0);
        uint256 shift = field * fieldBits;
        uint256 fieldMask = (1 << fieldBits) - 1;
        // The top slot holds the overall maximum; only when that is the excluded leaf do the siblings along its
        // path have to be read.
        uint256 m = (_max4(tree.slots[_slotKey(depth, 0)], fieldBits) >> shift) & fieldMask;
        if (m != 0 && POSITION_MASK - (m & POSITION_MASK) == excluded) {
            m = 0;
            uint256 index = excluded;
            // Unchecked: `level` stops at depth, `lane` at 4, shifts stay below 256.
            unchecked {
                for (uint256 level = 1; level <= depth; ++level) {
                    // The excluded lane reads as 0, so the slot's fieldwise maximum covers its other lanes.
                    uint256 packed =
                        tree.slots[_slotKey(level, index >> 2)] & ~(LANE_MASK << ((index & 3) * LANE_BITS));
                    for (uint256 lane; lane < 4; ++lane) {
                        uint256 v = (packed >> (lane * LANE_BITS + shift)) & fieldMask;
                        if (v > m) m = v;
                    }
                    index >>= 2;
                }
            }
        }
        if (m == 0) return (false, 0, 0);
        return (true, POSITION_MASK - (m & POSITION_MASK), m >> POSITION_BITS);
    }
}
