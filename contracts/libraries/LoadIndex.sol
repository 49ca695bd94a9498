// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MaxTree} from "./MaxTree.sol";

/**
 * @title LoadIndex
 * @notice Most and least loaded positions in O(log n) from one {MaxTree} with two 32-bit fields per lane:
 * high = load, low = 10,000 − load. One update keeps both orders.
 */
library LoadIndex {
    using MaxTree for MaxTree.Tree;

    uint256 private constant FIELD_BITS = 32;
    uint256 private constant MAX_LOAD = 10_000;

    /// @notice Sets a position's load (basis points, ≤ 10,000); `active = false` removes it from both orders.
    function set(MaxTree.Tree storage tree, uint256 position, uint256 load, bool active) internal {
        uint256 lane;
        if (active) {
            lane =
                (MaxTree.encode(position, load, FIELD_BITS) << FIELD_BITS) |
                MaxTree.encode(position, MAX_LOAD - load, FIELD_BITS);
        }
        tree.set(position, lane, FIELD_BITS);
    }

    /// @notice The most loaded (`mostLoaded`) or least loaded position other than `excluded`, with its load.
    function best(
        MaxTree.Tree storage tree,
        bool mostLoaded,
        uint256 excluded
    ) internal view returns (bool found, uint256 position, uint256 load) {
        (found, position, load) = tree.best(FIELD_BITS, mostLoaded ? 1 : 0, excluded);
        if (found && !mostLoaded) load = MAX_LOAD - load;
    }
}
