// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISequencerRegistry} from "./ISequencerRegistry.sol";

/// @notice What the registry asks of its selection module.
interface ISelectionModule {
    /**
     * @notice The sequencer to take over from `currentId` under `mode`, or 0 to let the registry use
     * round-robin. Called by the registry only, once per turn (at `selectNextSequencer` or `rotateSequencer`).
     */
    function nextSequencer(ISequencerRegistry.SelectionMode mode, uint256 currentId) external returns (uint256);
}

/**
 * @title ISequencerSelection
 * @notice LP-504 selection mechanisms: round-robin, stake-weighted random, auction, performance and hybrid,
 * with a pluggable randomness source.
 *
 * Adaptation (docs/ADAPTATIONS.md): the spec passes `storage` structs to external functions, which Solidity
 * forbids; selection state lives in the implementing contract, so those parameters are dropped. Each
 * selection emits {SequencerSelected}, so callers of these non-view functions can read the result.
 */
interface ISequencerSelection {
    struct AuctionInfo {
        uint256 startTime;
        uint256 endTime;
        address highestBidder;
        uint256 highestBid;
        bool finalized;
    }

    event SequencerSelected(
        ISequencerRegistry.SelectionMode indexed mode,
        uint256 indexed sequencerId,
        address operator
    );
    event AuctionStarted(uint256 indexed auctionId, uint256 endTime);
    event BidPlaced(uint256 indexed auctionId, address indexed bidder, uint256 amount);
    event AuctionFinalized(uint256 indexed auctionId, address indexed winner, uint256 amount);
    event RandomnessRequested(uint256 indexed requestId);
    event RandomnessFulfilled(uint256 indexed requestId, uint256 randomness);

    error SelectionNoEligibleSequencer();
    error SelectionUnknownAuction(uint256 auctionId);
    error SelectionAuctionEnded(uint256 auctionId, uint256 endTime);
    error SelectionAuctionNotEnded(uint256 auctionId, uint256 endTime);
    error SelectionAuctionAlreadyFinalized(uint256 auctionId);
    error SelectionBidTooLow(uint256 bid, uint256 minimum);
    error SelectionNotActiveSequencer(address bidder);
    error SelectionInvalidDuration(uint256 duration, uint256 min, uint256 max);
    error SelectionInvalidWeights();
    error SelectionUnauthorizedRandomnessSource(address caller);
    error SelectionUnknownRandomnessRequest(uint256 requestId);

    /// @notice Next sequencer after the current one in the active set's rotation order.
    function selectRoundRobin() external returns (address);

    /// @notice Stake-weighted draw over the active set, mixing `blockHash` (caller entropy) with the latest
    /// randomness and an advancing nonce, so repeated calls differ. O(log n).
    function selectWeightedRandom(uint256 blockHash) external returns (address);

    /// @notice Opens an auction for the next sequencing slot(s), lasting `duration` seconds.
    function initAuction(uint256 duration) external returns (uint256 auctionId);

    /// @notice Bids `msg.value` (only Active sequencers); an outbid bid becomes withdrawable by pull.
    function placeBid(uint256 auctionId) external payable;

    /// @notice After the end, fixes the winner; the winning bid goes to the rewards/insurance split.
    function finalizeAuction(uint256 auctionId) external returns (address winner);

    /// @notice Highest decayed performance score above `minScore`; ties broken by the lower id.
    function selectByPerformance() external returns (address);

    /// @notice Combines the other methods with `weights` (one per method); see the implementation's NatSpec.
    function selectHybrid(uint256[] calldata weights, bytes calldata params) external returns (address);

    /// @notice Asks the configured randomness source for a fresh value.
    function requestRandomness() external returns (uint256 requestId);

    /// @notice Called by the configured randomness source only.
    function fulfillRandomness(uint256 requestId, uint256 randomness) external;
}
