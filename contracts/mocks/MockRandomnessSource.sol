// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";
import {ISequencerSelection} from "../interfaces/ISequencerSelection.sol";

/// @dev Test-only: a randomness source whose answers the test chooses, for reproducible statistical tests.
contract MockRandomnessSource is IRandomnessSource {
    uint256 public lastRequestId;

    function requestRandomness() external returns (uint256) {
        return ++lastRequestId;
    }

    function fulfil(ISequencerSelection consumer, uint256 requestId, uint256 randomness) external {
        consumer.fulfillRandomness(requestId, randomness);
    }
}
