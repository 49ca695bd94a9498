// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISequencerRegistry} from "./ISequencerRegistry.sol";

/// @notice What the registry asks of its selection module.
interface ISelectionModule {
    /**
     * @notice The sequencer to take over from `currentId` under `mode`, or 0 to let the registry use
     * round-robin. Called by the registry only, once per turn (at `selectNextSequencer` or `rotateSequencer`).
     * @param mode The registry's selection mode in force (never RoundRobin: the registry decides that itself).
     * @param currentId The sequencer whose turn is ending (0 if none).
     * @return The successor's id, or 0 for the registry's round-robin successor.
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
    /// @notice A `select*` function chose a sequencer.
    /// @param mode The method that chose it.
    /// @param sequencerId The chosen sequencer.
    /// @param operator Its operator.
    event SequencerSelected(
        ISequencerRegistry.SelectionMode indexed mode,
        uint256 indexed sequencerId,
        address operator
    );
    /// @notice The auctioneer opened an auction ({initAuction}).
    /// @param auctionId The new auction.
    /// @param endTime Unix time (seconds) at which bidding closes.
    event AuctionStarted(uint256 indexed auctionId, uint256 endTime);
    /// @notice An open bid was placed ({placeBid}).
    /// @param auctionId The auction.
    /// @param bidder The bidding operator.
    /// @param amount The bid, in wei (the deposit less the auction's bond).
    event BidPlaced(uint256 indexed auctionId, address indexed bidder, uint256 amount);
    /// @notice An auction was finalized ({finalizeAuction}).
    /// @param auctionId The auction.
    /// @param winner The highest bidder (address(0) if there was no bid).
    /// @param amount The clearing price each winner pays, in wei.
    event AuctionFinalized(uint256 indexed auctionId, address indexed winner, uint256 amount);
    /// @notice Fresh randomness was requested from the configured source.
    /// @param requestId The source's request id.
    event RandomnessRequested(uint256 indexed requestId);
    /// @notice The randomness source answered a request ({fulfillRandomness}).
    /// @param requestId The request answered.
    /// @param randomness The random value delivered.
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
    /// @return The chosen operator (reverts with `SelectionNoEligibleSequencer` if the set is empty).
    function selectRoundRobin() external returns (address);

    /// @notice Stake-weighted draw over the active set, mixing `blockHash` (caller entropy) with the latest
    /// randomness and an advancing nonce, so repeated calls differ. O(log n).
    /// @param blockHash Caller entropy mixed into the draw (any 256-bit value, e.g. a block hash).
    /// @return The chosen operator.
    function selectWeightedRandom(uint256 blockHash) external returns (address);

    /// @notice Opens an auction for the next sequencing slot(s), lasting `duration` seconds.
    /// @dev Auctioneer role; reverts while the previous auction is not finalized (`SelectionAuctionPending`).
    /// @param duration Bidding time in seconds, within the implementation's minimum and maximum.
    /// @return auctionId The new auction's id.
    function initAuction(uint256 duration) external returns (uint256 auctionId);

    /// @notice Bids `msg.value` (only Active sequencers); an outbid bid becomes withdrawable by pull.
    /// Adaptation (docs/ADAPTATIONS.md): an open bid, committed and revealed at once, of `msg.value` less the
    /// auction's bond; sealed bids use {ISealedAuction-commitBid} and {ISealedAuction-revealBid}.
    /// @param auctionId An auction whose bidding is open.
    function placeBid(uint256 auctionId) external payable;

    /// @notice After the end, fixes the winner; the winning bid goes to the rewards/insurance split.
    /// Adaptation: the winners pay one clearing price (second price); see {ISealedAuction}.
    /// @param auctionId An auction whose bidding and reveal periods are over (anyone may call).
    /// @return winner The highest bidder, address(0) if there was no bid.
    function finalizeAuction(uint256 auctionId) external returns (address winner);

    /// @notice Highest decayed performance score above `minScore`; ties broken by the lower id.
    /// @return The chosen operator (reverts with `SelectionNoEligibleSequencer` if none scores above `minScore`).
    function selectByPerformance() external returns (address);

    /// @notice Combines the other methods with `weights` (one per method); see the implementation's NatSpec.
    /// @param weights Four relative weights: RoundRobin, WeightedRandom, Auction, Performance (not all zero).
    /// @param params Optional `abi.encode(uint256 entropy)` mixed into the method draw; may be empty.
    /// @return The operator chosen by the drawn method.
    function selectHybrid(uint256[] calldata weights, bytes calldata params) external returns (address);

    /// @notice Asks the configured randomness source for a fresh value.
    /// @return requestId The source's request id (emitted in {RandomnessRequested}).
    function requestRandomness() external returns (uint256 requestId);

    /// @notice Called by the configured randomness source only.
    /// @param requestId The pending request being answered.
    /// @param randomness The random value.
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

    /// @notice A sealed bid was committed ({commitBid}).
    /// @param auctionId The auction.
    /// @param bidder The bidding operator.
    /// @param deposit Value deposited with the commitment, in wei.
    event BidCommitted(uint256 indexed auctionId, address indexed bidder, uint256 deposit);
    /// @notice A sealed bid was revealed ({revealBid}).
    /// @param auctionId The auction.
    /// @param bidder The bidding operator.
    /// @param amount The revealed bid, in wei.
    event BidRevealed(uint256 indexed auctionId, address indexed bidder, uint256 amount);
    /// @notice At finalization, the deposits of unrevealed commitments went to the registry's insurance fund.
    /// @param auctionId The auction.
    /// @param amount Total forfeited, in wei.
    event DepositsForfeited(uint256 indexed auctionId, uint256 amount);
    /// @notice A winner's bond became withdrawable after the dispute period ({releaseBonds}).
    /// @param auctionId The auction.
    /// @param winner The winning operator.
    /// @param amount The bond, in wei.
    event BondReleased(uint256 indexed auctionId, address indexed winner, uint256 amount);
    /// @notice A winner's bond was taken into the registry's insurance fund ({slashBond}).
    /// @param auctionId The auction.
    /// @param winner The winning operator.
    /// @param amount The bond, in wei.
    event BondSlashed(uint256 indexed auctionId, address indexed winner, uint256 amount);
    /// @notice Governance changed the auction terms that apply to auctions opened from now on.
    /// @param params The new terms (bond in wei, periods in seconds, the win cap).
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
    /// @param auctionId An auction whose bidding is open.
    /// @param commitment The sealed bid, {bidCommitment}(auctionId, caller, amount, salt); not zero.
    function commitBid(uint256 auctionId, bytes32 commitment) external payable;

    /// @notice In the reveal period, opens the caller's commitment. A valid bid among the `seats + 1` highest
    /// enters the ranking; any other revealed bid's deposit becomes withdrawable at once.
    /// @param auctionId The auction the caller committed to.
    /// @param amount The bid, in wei (≤ deposit − bond, ≥ the reserve to rank).
    /// @param salt The salt used in the commitment.
    function revealBid(uint256 auctionId, uint256 amount, bytes32 salt) external;

    /// @notice After the dispute period, makes the held bonds of an auction's winners withdrawable (anyone).
    /// @param auctionId A finalized auction whose dispute period is over and that still holds bonds.
    function releaseBonds(uint256 auctionId) external;

    /// @notice Bond slasher role, within the dispute period: takes `winner`'s bond (a failed auctioned turn,
    /// e.g. a missed slot the monitor recorded) into the registry's insurance fund.
    /// @param auctionId The auction.
    /// @param winner A winner of it whose bond is still held.
    function slashBond(uint256 auctionId, address winner) external;

    /// @notice The commitment to bid `amount` with `salt` (bound to this chain, contract, auction and bidder).
    /// @param auctionId The auction.
    /// @param bidder The bidding operator.
    /// @param amount The bid, in wei.
    /// @param salt A secret random value that hides the amount until the reveal.
    /// @return The commitment to pass to {commitBid}.
    function bidCommitment(
        uint256 auctionId,
        address bidder,
        uint256 amount,
        bytes32 salt
    ) external view returns (bytes32);
}
