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
    /// Adaptation (docs/ADAPTATIONS.md): an open bid, committed and revealed at once, of `msg.value` less the
    /// auction's bond; sealed bids use {ISealedAuction-commitBid} and {ISealedAuction-revealBid}.
    function placeBid(uint256 auctionId) external payable;

    /// @notice After the end, fixes the winner; the winning bid goes to the rewards/insurance split.
    /// Adaptation: the winners pay one clearing price (second price); see {ISealedAuction}.
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

/**
 * @title ISealedAuction
 * @notice Sealed-bid, uniform second-price auctions of sequencing turns. A bidder commits
 * `bidCommitment(auctionId, bidder, amount, salt)` with a deposit (≥ reserve + bond) while bidding is open, and
 * reveals the amount and salt in the reveal period that follows; an unrevealed commitment forfeits its deposit to
 * the registry's insurance fund. The `seats` highest revealed bids win one seat each and all pay the highest
 * losing bid (or the reserve). Each winner's bond is held for a dispute period, during which the bond slasher
 * may take it for a failed turn. An operator may win at most `capWins` seats in any `capWindow` consecutive
 * auctions. Seats nobody won are stake-weighted random turns.
 */
interface ISealedAuction {
    /// @notice Governed terms fixed into each auction when it opens (with `auctionWinners`, `turnsPerAuction`
    /// and the reserve `minBid`).
    struct AuctionParams {
        uint128 bond; // held from each winner's deposit for the dispute period (0: none)
        uint32 revealPeriod; // seconds after bidding closes in which commitments are revealed
        uint32 disputePeriod; // seconds after the auction's last turn is handed out (or its finalization, if later) in which a winner's bond can be slashed
        uint8 capWins; // most seats one operator may win in `capWindow` consecutive auctions (0: no cap)
        uint32 capWindow;
    }

    event BidCommitted(uint256 indexed auctionId, address indexed bidder, uint256 deposit);
    event BidRevealed(uint256 indexed auctionId, address indexed bidder, uint256 amount);
    event DepositsForfeited(uint256 indexed auctionId, uint256 amount);
    event BondReleased(uint256 indexed auctionId, address indexed winner, uint256 amount);
    event BondSlashed(uint256 indexed auctionId, address indexed winner, uint256 amount);
    event AuctionParametersUpdated(AuctionParams params);

    error SelectionZeroCommitment();
    error SelectionAlreadyBid(uint256 auctionId, address bidder);
    error SelectionAuctionPending(uint256 auctionId);
    error SelectionAuctionCapReached(address bidder, uint256 lastCountedWin);
    error SelectionNotRevealPhase(uint256 auctionId, uint256 opens, uint256 closes);
    error SelectionNoCommitment(uint256 auctionId, address bidder);
    error SelectionRevealMismatch(uint256 auctionId, address bidder);
    error SelectionNoBondHeld(uint256 auctionId, address winner);
    error SelectionDisputePeriodOpen(uint256 auctionId, uint256 until);
    error SelectionDisputePeriodOver(uint256 auctionId, uint256 until);

    /// @notice Commits a sealed bid with `msg.value` as deposit (≥ the auction's reserve + bond; it bounds the
    /// bid). Active sequencers only, one bid per auction, while bidding is open.
    function commitBid(uint256 auctionId, bytes32 commitment) external payable;

    /// @notice In the reveal period, opens the caller's commitment. A valid bid among the `seats + 1` highest
    /// enters the ranking; any other revealed bid's deposit becomes withdrawable at once.
    function revealBid(uint256 auctionId, uint256 amount, bytes32 salt) external;

    /// @notice After the dispute period, makes the held bonds of an auction's winners withdrawable (anyone).
    function releaseBonds(uint256 auctionId) external;

    /// @notice Bond slasher role, within the dispute period: takes `winner`'s bond (a failed auctioned turn,
    /// e.g. a missed slot the monitor recorded) into the registry's insurance fund.
    function slashBond(uint256 auctionId, address winner) external;

    /// @notice The commitment to bid `amount` with `salt` (bound to this chain, contract, auction and bidder).
    function bidCommitment(
        uint256 auctionId,
        address bidder,
        uint256 amount,
        bytes32 salt
    ) external view returns (bytes32);
}
