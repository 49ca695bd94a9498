// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IRandomnessSource
 * @notice A pluggable randomness source for {ISequencerSelection}: the consumer asks with `requestRandomness`
 * and the source answers later by calling the consumer's `fulfillRandomness(requestId, randomness)`.
 */
interface IRandomnessSource {
    /// @notice Called by the consumer only; returns the id the fulfilment will carry (never 0).
    /// @return requestId The request's id.
    function requestRandomness() external returns (uint256 requestId);
}
