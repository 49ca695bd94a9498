// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {StakeSumTree} from "../libraries/StakeSumTree.sol";

/// @dev Test-only: exposes {StakeSumTree} for property tests against a TypeScript model.
contract StakeSumTreeHarness {
    using StakeSumTree for StakeSumTree.Tree;

    StakeSumTree.Tree private _tree;

    function set(uint256 position, uint256 weight) external {
        _tree.set(position, weight);
    }

    function total() external view returns (uint256) {
        return _tree.total();
    }

    function get(uint256 position) external view returns (uint256) {
        return _tree.get(position);
    }

    function find(uint256 point) external view returns (uint256) {
        return _tree.find(point);
    }

    function depth() external view returns (uint256) {
        return _tree.depth;
    }

    function openSnapshot() external {
        _tree.openSnapshot();
    }

    function closeSnapshot() external {
        _tree.closeSnapshot();
    }

    function drawSnapshot(uint256 seed, uint256 excluded) external view returns (bool found, uint256 position) {
        return _tree.drawSnapshot(seed, excluded);
    }
}
