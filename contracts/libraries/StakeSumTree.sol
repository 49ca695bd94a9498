// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title StakeSumTree
 * @notice An 8-ary sum tree over leaf positions 0, 1, 2, … for O(log n) stake-weighted draws.
 *
 * Layout: every storage slot holds four 48-bit lanes (the top 64 bits being the slot's snapshot version), and a node
 * of the tree is two consecutive slots: its low slot holds lanes 0–3, its high slot lanes 4–7. At level 1 (the
 * leaves) position p is lane `p & 3` of slot `p >> 2`; at level L ≥ 2, lane q (the sum of node q of level L − 1,
 * i.e. of that level's slots 2q and 2q + 1) is lane `q & 3` of slot `q >> 2`. The top level is a single slot
 * (slot 0, a node whose high slot stays empty) whose four lanes sum to the total: the capacity is 4 · 8^(depth − 1).
 *
 * Why two slots per node: an update changes one lane per level, so it writes one slot per level whatever the node's
 * width, while the depth is about log8 n: 5 slots at 10,000 leaves, against 7 for a tree of one-slot (4-ary) nodes
 * and 14 for a binary one. A draw or a prefix reads the top slot, then one or two slots per level (the low slot's
 * four lanes tell whether the point is in the high slot): about as many reads as the 4-ary tree. The depth grows by
 * one level (one slot write) whenever a position beyond the capacity is set.
 *
 * Weights are small integers (the caller divides stake by a unit); every lane is checked against 2^48 − 1.
 *
 * Storage: slot (level, index) lives at `keccak256(tree.slot) + (level << 128 | index)`, one hash per
 * call instead of one per slot (a mapping would hash every access); the region cannot meet other storage.
 *
 * Snapshot. {openSnapshot} freezes the weights a later draw reads ({drawSnapshot}), whatever is written in
 * between, until {closeSnapshot}: a slot's first write after the snapshot opened copies its old value to a shadow
 * slot and tags the slot with the snapshot's id (in its own top bits), and a snapshot read takes the
 * shadow of a tagged slot. Copy-on-write, so a snapshot costs nothing to open, a snapshot read costs what any read
 * costs, and writes pay only while one is open (one shadow per slot written, once per snapshot).
 * Levels above the depth at opening are never read by the snapshot, so growth needs no copy.
 */
library StakeSumTree {
    uint256 private constant LANE_BITS = 48;
    uint256 private constant LANE_MASK = (1 << 48) - 1;
    /// @dev Bits 192..255 of a node: the id of the snapshot the node was last copied for (see {openSnapshot}).
    uint256 private constant VERSION_SHIFT = 192;
    uint256 private constant LANES_MASK = (1 << 192) - 1;

    /// @dev Offset of a node's shadow (its value when the open snapshot was taken) from its own slot; far above
    /// any node key (level < 2^8, index < 2^128).
    uint256 private constant SHADOW = 1 << 240;

    struct Tree {
        uint64 depth;
        uint64 snapshotId; // id of the last snapshot opened (ids start at 1)
        uint64 snapshotDepth; // depth when it was opened
        bool snapshotOpen;
    }

    /// @dev A lane would exceed 2^64 − 1.
    error StakeSumTreeOverflow();
    /// @dev `find` was asked for a point at or beyond the total weight.
    error StakeSumTreePointOutOfRange(uint256 point, uint256 total);

    function _key(uint256 level, uint256 index) private pure returns (uint256) {
        return (level << 128) | index;
    }

    function _base(Tree storage tree) private pure returns (uint256 base) {
        assembly ("memory-safe") {
            mstore(0x00, tree.slot)
            base := keccak256(0x00, 0x20)
        }
    }

    function _load(uint256 base, uint256 key) private view returns (uint256 value) {
        assembly ("memory-safe") {
            value := sload(add(base, key))
        }
    }

    function _store(uint256 base, uint256 key, uint256 value) private {
        assembly ("memory-safe") {
            sstore(add(base, key), value)
        }
    }

    function _lane(uint256 packed, uint256 lane) private pure returns (uint256) {
        return (packed >> (lane * LANE_BITS)) & LANE_MASK;
    }

    /// @notice Sum of all weights.
    function total(Tree storage tree) internal view returns (uint256) {
        return _total(_base(tree), tree.depth);
    }

    function _total(uint256 base, uint256 depth) private view returns (uint256) {
        if (depth == 0) return 0;
        return _sum4(_load(base, _key(depth, 0)));
    }

    /// @dev Whether `position` is beyond the capacity 4 · 8^(depth − 1) of a tree of `depth` ≥ 1 levels.
    function _beyond(uint256 position, uint256 depth) private pure returns (bool) {
        return position >> (3 * depth - 1) != 0;
    }

    /// @dev The sum of a slot's four lanes (each below 2^48: no overflow).
    function _sum4(uint256 packed) private pure returns (uint256 sum) {
        unchecked {
            sum = _lane(packed, 0) + _lane(packed, 1) + _lane(packed, 2) + _lane(packed, 3);
        }
    }

    /// @notice Weight at a leaf position.
    function get(Tree storage tree, uint256 position) internal view returns (uint256) {
        uint256 depth = tree.depth;
        if (depth == 0 || _beyond(position, depth)) return 0;
        return _lane(_load(_base(tree), _key(1, position >> 2)), position & 3);
    }

    /// @notice Sets the weight at `position`, updating one slot per level (and copying each slot it writes first
    /// while a snapshot is open).
    function set(Tree storage tree, uint256 position, uint256 weight) internal {
        if (weight > LANE_MASK) revert StakeSumTreeOverflow();
        uint256 base = _base(tree);
        uint256 depth = tree.depth;
        if (depth == 0) {
            if (weight == 0) return;
            depth = 1;
            tree.depth = 1;
        }
        if (_beyond(position, depth)) depth = _grow(tree, base, depth, position);
        // Copy-on-write below this level while a snapshot is open (0: none open).
        uint256 copyBelow;
        uint256 snapshotId;
        if (tree.snapshotOpen) {
            copyBelow = uint256(tree.snapshotDepth) + 1;
            snapshotId = tree.snapshotId;
        }

        uint256 leafKey = _key(1, position >> 2);
        uint256 shift = (position & 3) * LANE_BITS;
        uint256 packed = _load(base, leafKey);
        uint256 old = (packed >> shift) & LANE_MASK;
        if (old == weight) return;
        if (copyBelow > 1) packed = _copy(base, leafKey, packed, snapshotId);
        _store(base, leafKey, (packed & ~(LANE_MASK << shift)) | (weight << shift));

        bool increase = weight > old;
        uint256 delta;
        unchecked {
            delta = increase ? weight - old : old - weight;
        }
        uint256 index = position >> 3; // the lane of level 2 that sums the leaf's node
        for (uint256 level = 2; level <= depth; ++level) {
            uint256 key = _key(level, index >> 2);
            shift = (index & 3) * LANE_BITS;
            packed = _load(base, key);
            uint256 lane = (packed >> shift) & LANE_MASK;
            if (increase) {
                lane += delta;
                if (lane > LANE_MASK) revert StakeSumTreeOverflow();
            } else {
                // A parent lane is the sum of its children, so it is at least the child's old weight.
                unchecked {
                    lane -= delta;
                }
            }
            if (level < copyBelow) packed = _copy(base, key, packed, snapshotId);
            _store(base, key, (packed & ~(LANE_MASK << shift)) | (lane << shift));
            index >>= 3;
        }
    }

    /// @dev Grows the tree until `position` fits: each new top slot's first lane takes the old total (the old top
    /// slot becomes the low slot of the new level's node 0).
    function _grow(Tree storage tree, uint256 base, uint256 depth, uint256 position) private returns (uint256) {
        while (_beyond(position, depth)) {
            uint256 oldTotal = _total(base, depth);
            if (oldTotal > LANE_MASK) revert StakeSumTreeOverflow();
            depth += 1;
            _store(base, _key(depth, 0), oldTotal);
        }
        tree.depth = uint64(depth);
        return depth;
    }

    /// @dev Keeps `packed`, the node's value before its first write since snapshot `snapshotId` opened, in its
    /// shadow; returns the node tagged with the snapshot.
    function _copy(uint256 base, uint256 key, uint256 packed, uint256 snapshotId) private returns (uint256) {
        if (packed >> VERSION_SHIFT == snapshotId) return packed;
        _store(base, key + SHADOW, packed);
        return (packed & LANES_MASK) | (snapshotId << VERSION_SHIFT);
    }

    /// @notice Freezes the current weights for {drawSnapshot} until {closeSnapshot} (or the next snapshot).
    function openSnapshot(Tree storage tree) internal returns (uint256 snapshotId) {
        snapshotId = uint256(tree.snapshotId) + 1;
        tree.snapshotId = uint64(snapshotId);
        tree.snapshotDepth = tree.depth;
        tree.snapshotOpen = true;
    }

    /// @notice Ends the open snapshot: writes stop copying.
    function closeSnapshot(Tree storage tree) internal {
        tree.snapshotOpen = false;
    }

    /**
     * @notice A stake-weighted draw over the open snapshot's weights (the current ones if none is open), skipping
     * `excluded` (a position, or any value ≥ 2^128 for none): each other position is drawn with probability
     * weight / (total − weight of `excluded`). `found` is false when no other position has weight.
     * @dev Rejection first (a few draws from `keccak(seed, i)`; one path each), then the exact cut of the excluded
     * range, so the common case reads one path.
     */
    function drawSnapshot(
        Tree storage tree,
        uint256 seed,
        uint256 excluded
    ) internal view returns (bool found, uint256 position) {
        uint256 base = _base(tree);
        uint256 depth = tree.depth;
        uint256 snapshotId;
        if (tree.snapshotOpen) {
            depth = tree.snapshotDepth;
            snapshotId = tree.snapshotId;
        }
        uint256 sum = _totalAt(base, depth, snapshotId);
        if (sum == 0) return (false, 0);
        for (uint256 i; i < 3; ++i) {
            position = _findAt(base, depth, uint256(keccak256(abi.encode(seed, i))) % sum, snapshotId);
            if (position != excluded) return (true, position);
        }
        // Three hits on the excluded position: cut its range out of the line exactly.
        (uint256 before, uint256 own) = _prefixAt(base, depth, excluded, snapshotId);
        if (sum <= own) return (false, 0);
        uint256 point = uint256(keccak256(abi.encode(seed, uint256(3)))) % (sum - own);
        if (point >= before) point += own;
        return (true, _findAt(base, depth, point, snapshotId));
    }

    /// @dev A node's value as the snapshot `snapshotId` saw it (0: the current value).
    function _loadAt(uint256 base, uint256 key, uint256 snapshotId) private view returns (uint256 packed) {
        packed = _load(base, key);
        if (snapshotId != 0 && packed >> VERSION_SHIFT == snapshotId) packed = _load(base, key + SHADOW);
    }

    function _totalAt(uint256 base, uint256 depth, uint256 snapshotId) private view returns (uint256) {
        if (depth == 0) return 0;
        return _sum4(_loadAt(base, _key(depth, 0), snapshotId));
    }

    /// @dev (Σ weights before `position`, weight at `position`) as snapshot `snapshotId` saw them.
    function _prefixAt(
        uint256 base,
        uint256 depth,
        uint256 position,
        uint256 snapshotId
    ) private view returns (uint256 sum, uint256 own) {
        if (depth == 0 || _beyond(position, depth)) return (_totalAt(base, depth, snapshotId), 0);
        uint256 index = position;
        unchecked {
            for (uint256 level = 1; level <= depth; ++level) {
                uint256 slot = index >> 2;
                uint256 packed = _loadAt(base, _key(level, slot), snapshotId);
                uint256 lane = index & 3;
                if (level == 1) own = _lane(packed, lane);
                for (uint256 before; before < lane; ++before) sum += _lane(packed, before);
                // A lane of a node's high slot comes after the whole low slot.
                if (slot & 1 == 1) sum += _sum4(_loadAt(base, _key(level, slot - 1), snapshotId));
                index >>= 3;
            }
        }
    }

    /// @dev The leaf whose cumulative range contains `point` (< the total), as snapshot `snapshotId` saw the weights
    /// (0: the current ones): the top slot, then per level the node's low slot, and its high slot if the point is
    /// beyond the low slot's four lanes.
    function _findAt(uint256 base, uint256 depth, uint256 point, uint256 snapshotId) private view returns (uint256) {
        uint256 position;
        // Unchecked: `level` stops at 1, `lane` at 3, `point` drops only by lanes it is not below, and `position`
        // gains three bits per level (at most 3 × depth < 256).
        unchecked {
            for (uint256 level = depth; level != 0; --level) {
                uint256 slot = position << 1;
                uint256 packed = _loadAt(base, _key(level, slot), snapshotId);
                uint256 low = _sum4(packed);
                if (point >= low) {
                    point -= low;
                    slot |= 1;
                    packed = _loadAt(base, _key(level, slot), snapshotId);
                }
                // Exactly one lane of the slot contains the point: step over the lanes before it (written out: this
                // runs once per level of every draw).
                uint256 lane;
                if (point >= (packed & LANE_MASK)) {
                    point -= packed & LANE_MASK;
                    lane = 1;
                    uint256 w = (packed >> LANE_BITS) & LANE_MASK;
                    if (point >= w) {
                        point -= w;
                        lane = 2;
                        w = (packed >> (2 * LANE_BITS)) & LANE_MASK;
                        if (point >= w) {
                            point -= w;
                            lane = 3;
                        }
                    }
                }
                position = (slot << 2) | lane;
            }
        }
        return position;
    }

    /// @notice The leaf whose cumulative range [prefix, prefix + weight) contains `point` (< the total).
    function find(Tree storage tree, uint256 point) internal view returns (uint256) {
        uint256 base = _base(tree);
        uint256 depth = tree.depth;
        uint256 sum = _total(base, depth);
        if (point >= sum) revert StakeSumTreePointOutOfRange(point, sum);
        return _findAt(base, depth, point, 0);
    }
}
