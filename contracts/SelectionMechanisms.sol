// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {ISequencerRegistry} from "./interfaces/ISequencerRegistry.sol";
import {ISequencerSelection, ISealedAuction, ISelectionModule} from "./interfaces/ISequencerSelection.sol";
import {IRandomnessSource} from "./interfaces/IRandomnessSource.sol";
import {IAttestationCommittee} from "./interfaces/IAttestationCommittee.sol";

/**
 * @title SelectionMechanisms
 * @notice LP-504 selection modes and randomness for a {SequencerRegistry}: the registry asks this module for
 * the next sequencer at every turn ({nextSequencer}) in every mode but round-robin.
 *
 * Modes (what {nextSequencer} returns; 0 hands the turn to the registry's round-robin successor):
 * - WeightedRandom: a stake-weighted draw over the Active set excluding the current sequencer, O(log n) on the
 *   registry's sum tree. The draw is made when its randomness arrives ({fulfillRandomness}), over the stake
 *   weights the registry froze when the randomness was requested, with a seed that only that randomness and its
 *   request id determine; the next rotation applies it if it was drawn for the sequencer whose turn is ending.
 *   So once the randomness exists nothing changes the result: not stake, delegation or exits (the weights were
 *   frozen before), not calls to this module (no shared nonce), not the time `rotateSequencer` is called (the
 *   result is stored). Each rotation requests the randomness for the next one; anyone may request it too while
 *   no draw is pending or ready. A turn that finds no draw for it goes to round-robin.
 * - Auction: the turns of finalized auctions, in auction order ({ISealedAuction}: sealed bids, one uniform
 *   second price). An auction sells `auctionWinners` seats of ⌊turnsPerAuction / auctionWinners⌋ turns each,
 *   taken in rounds in seat order so the same winner is never scheduled twice in a row while another has turns
 *   left. A seat nobody won (no bid met the reserve) and the turns left over are stake-weighted random turns:
 *   the rotation draw made for the turn (round-robin when none was made). A winner that left the set forfeits
 *   its turns; a scheduled winner that is already the current sequencer keeps its turn for the next rotation.
 * - Performance: the highest decayed performance score other than the current sequencer (registry's max
 *   tree, ties to the lower id), if it reaches `minScore`.
 * - Hybrid: picks one of (RoundRobin, WeightedRandom, Auction, Performance) with probability proportional to
 *   `hybridWeights`, drawn with the stake draw from the same randomness, then applies that method (round-robin
 *   when no draw was made for the turn).
 *
 * Attestation committees ({IAttestationCommittee}): the same fulfilment, over the same frozen weights, draws the
 * committee of the earliest of (the current epoch, the next one) that has none: `committeeSize` seats, seat i drawn
 * by stake from `keccak256(seed, "committee", i)` (with replacement: a sequencer may hold several seats). A drawn
 * committee is never replaced, so further randomness, stake moves and calls change nothing; an epoch whose
 * committee was never drawn (no randomness arrived before or during it) has none, and attested blocks of its slots
 * are refused by the monitor.
 *
 * Trust model of the randomness: the configured source (the ECVRF beacon by default, or the Chainlink VRF
 * adapter) is the only account that can fulfil. The beacon's committer learns its output first and can
 * withhold it (a recorded miss; the turn then goes to round-robin) but cannot choose it, and the weights were
 * frozen before its seed existed. The public selection functions draw from the latest randomness with their
 * caller's entropy and a nonce of their own; they never touch a rotation's draw. Never `prevrandao`.
 */
contract SelectionMechanisms is
    ISequencerSelection,
    ISealedAuction,
    ISelectionModule,
    IAttestationCommittee,
    AccessControl,
    ReentrancyGuard
{
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    bytes32 public constant AUCTIONEER_ROLE = keccak256("AUCTIONEER_ROLE");
    bytes32 public constant BOND_SLASHER_ROLE = keccak256("BOND_SLASHER_ROLE");

    uint256 public constant BPS = 10_000;
    uint256 public constant MAX_AUCTION_WINNERS = 8;
    uint256 public constant MAX_TURNS_PER_AUCTION = 64;
    uint256 public constant MIN_AUCTION_DURATION = 60;
    uint256 public constant MAX_AUCTION_DURATION = 30 days;
    /// @dev A schedule entry that is a stake-weighted random turn (a seat nobody won), not an index into `top`.
    uint256 private constant RANDOM_TURN = 0xf;
    /// @dev Bound on the entries an Auction-mode turn may skip (winners that left), so a turn's gas is bounded.
    uint256 private constant MAX_SCHEDULE_SKIPS = 16;
    /// @notice Bound on the committee's seats (their ids pack into four slots; a verification reads ≤ 32 signers).
    uint256 public constant MAX_COMMITTEE_SIZE = 32;

    ISequencerRegistry public immutable registry;
    uint256 private immutable _committeeSize;
    uint256 private immutable _committeeEpochSlots;

    // ───────────────────────────────────────────── storage ───────────────────────────────────────────

    /// @dev An auction: its terms, fixed when it opens (one slot, and `reserve`/`bond`), its state, and
    /// `top`: the highest revealed bids, sorted highest first (at most `seats + 1`: the winners and the loser
    /// whose bid is the clearing price).
    struct Auction {
        uint64 startTime;
        uint64 endTime; // bidding closes; the reveal period follows
        uint32 revealPeriod;
        uint32 disputePeriod;
        uint8 seats; // winners (auctionWinners)
        uint8 turns; // turnsPerAuction
        uint8 capWins;
        uint32 capWindow;
        uint128 reserve;
        uint128 bond;
        uint128 unrevealedDeposits;
        uint40 finalizedAt; // 0: not finalized; then the start of the bonds' dispute period (moved to the last turn)
        uint32 unrevealed; // commitments not revealed
        uint8 bidCount; // entries of `top` in use
        uint8 winnerCount;
        uint8 scheduleLength;
        uint8 cursor; // next schedule entry to hand out
        uint16 bondsHeld; // bit i: the bond of winner top[i] is held
        uint128 clearingPrice;
        uint256 schedule; // 4 bits per turn: index into `top`, or RANDOM_TURN
        address[MAX_AUCTION_WINNERS + 1] top;
    }

    /// @dev A bidder's bid in one auction: its sealed commitment (0 once revealed, or for an open bid), the
    /// deposit it escrowed, and the revealed amount.
    struct Bid {
        bytes32 commitment;
        uint128 deposit;
        uint128 amount;
    }

    mapping(uint256 auctionId => Auction) private _auctions;
    mapping(uint256 auctionId => mapping(address bidder => Bid)) private _bids;
    mapping(address account => uint256 amount) private _pendingReturns;
    /// @dev An operator's last eight auction wins, newest in the low 32 bits (auction ids), for the cap.
    mapping(address operator => uint256 ids) private _recentWins;
    uint256 private _auctionCount;
    uint256 private _scheduleHead; // queue of finalized auctions with turns: [_scheduleHead, _scheduleTail)
    uint256 private _scheduleTail;
    mapping(uint256 index => uint256 auctionId) private _scheduleQueue;
    uint256 private _deposits; // Σ deposits held for auctions not yet finalized
    uint256 private _bonds; // Σ winners' bonds held
    uint256 private _owedReturns; // Σ _pendingReturns
    AuctionParams private _auctionParams;

    IRandomnessSource private _source;
    // One slot. 160 bits of the source's latest output seed the public selection functions (hashed with their
    // caller's entropy and `_nonce`); rotation draws are made at fulfilment and do not read it.
    uint160 private _randomness;
    uint40 private _pendingRequestId; // 0: none
    uint48 private _nonce; // public selection functions only; starts at 1 so its first increment is not 0 → 1

    /// @dev The rotation draw made when randomness arrived: for the turn of `forId` (the sequencer current at
    /// fulfilment), its stake-weighted successor `drawnId` and, for Hybrid mode, the method index. One slot.
    struct RotationDraw {
        uint32 forId;
        uint32 drawnId;
        uint8 method;
        uint40 requestId;
    }

    RotationDraw private _draw;

    /// @dev An epoch's attestation committee: its size (0: not drawn), the request that drew it, and each seat's
    /// sequencer id, eight 32-bit ids to a word (seat i in word i / 8, bits 32·(i % 8)).
    struct Committee {
        uint8 size;
        uint40 requestId;
        uint256[MAX_COMMITTEE_SIZE / 8] seatIds;
    }

    mapping(uint256 epoch => Committee) private _committees;

    struct Params {
        uint16 minScore; // bp
        uint8 auctionWinners;
        uint8 turnsPerAuction;
        uint128 minBid;
        uint16[4] hybridWeights; // RoundRobin, WeightedRandom, Auction, Performance
        address rewardsRecipient; // receives auction proceeds after the insurance fee (in the registry)
    }

    /// @dev Storage form of {Params}: the hybrid weights share the first slot with `minScore`, so a hybrid
    /// rotation that draws the performance method reads one parameter slot, not two.
    struct StoredParams {
        uint16 minScore;
        uint8 auctionWinners;
        uint8 turnsPerAuction;
        uint128 minBid;
        uint64 hybridWeights; // four 16-bit weights, RoundRobin in the low bits
        address rewardsRecipient;
    }

    StoredParams private _params;

    event SelectionParametersUpdated(uint256 minScore, uint256 auctionWinners, uint256 turnsPerAuction, uint256 minBid);
    event HybridWeightsUpdated(uint16[4] weights);
    event RandomnessSourceUpdated(address indexed source);
    /// @notice The rotation path could not request randomness from `source` (weighted draws wait for the next try).
    event RandomnessRequestFailed(address indexed source);
    /// @notice Randomness `requestId` drew `drawnId` (stake-weighted) and hybrid method `method` for the rotation
    /// that ends `forId`'s turn.
    event RotationDrawn(uint256 indexed requestId, uint256 indexed forId, uint256 drawnId, uint256 method);
    event RewardsRecipientUpdated(address indexed recipient);
    event AuctionScheduled(uint256 indexed auctionId, uint256 turns);
    event AuctionTurn(uint256 indexed auctionId, uint256 indexed sequencerId);
    event BidRefundable(uint256 indexed auctionId, address indexed bidder, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    error SelectionNotRegistry(address caller);
    error SelectionParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);
    error SelectionZeroAddress();
    error SelectionZeroBid();
    error SelectionNothingToWithdraw(address account);
    error SelectionTransferFailed(address to, uint256 amount);
    error SelectionNoRandomnessSource();
    /// @notice A draw for the current turn (`forId`) is ready: new randomness now would let its committer choose.
    error SelectionDrawReady(uint256 forId);

    struct InitParams {
        address admin;
        ISequencerRegistry registry;
        uint256 minScore;
        uint256 auctionWinners;
        uint256 turnsPerAuction;
        uint256 minBid;
        uint16[4] hybridWeights;
        address rewardsRecipient;
        uint256 committeeSize; // seats of each epoch's attestation committee, 1–32
        uint256 committeeEpochSlots; // registry slots per committee epoch, ≥ 1
        AuctionParams auction;
    }

    constructor(InitParams memory init) {
        if (init.admin == address(0) || address(init.registry) == address(0)) revert SelectionZeroAddress();
        if (init.committeeSize == 0 || init.committeeSize > MAX_COMMITTEE_SIZE)
            revert SelectionParameterOutOfBounds("committeeSize", init.committeeSize, 1, MAX_COMMITTEE_SIZE);
        if (init.committeeEpochSlots == 0 || init.committeeEpochSlots > type(uint64).max)
            revert SelectionParameterOutOfBounds("committeeEpochSlots", init.committeeEpochSlots, 1, type(uint64).max);
        registry = init.registry;
        _committeeSize = init.committeeSize;
        _committeeEpochSlots = init.committeeEpochSlots;
        _grantRole(DEFAULT_ADMIN_ROLE, init.admin);
        _grantRole(GOVERNANCE_ROLE, init.admin);
        _grantRole(AUCTIONEER_ROLE, init.admin);
        _setParameters(init.minScore, init.auctionWinners, init.turnsPerAuction, init.minBid);
        _setHybridWeights(init.hybridWeights);
        _setRewardsRecipient(init.rewardsRecipient);
        _setAuctionParameters(init.auction);
        _grantRole(BOND_SLASHER_ROLE, init.admin);
        _nonce = 1;
        // Placeholder until the source's first output; rotation draws never use it (they need fresh randomness).
        _randomness = uint160(uint256(keccak256(abi.encode("LP504 selection", block.chainid, address(this)))));
    }

    // ──────────────────────────────────────── registry hook ──────────────────────────────────────────

    /// @inheritdoc ISelectionModule
    function nextSequencer(ISequencerRegistry.SelectionMode mode, uint256 currentId) external returns (uint256 id) {
        if (msg.sender != address(registry)) revert SelectionNotRegistry(msg.sender);
        // Auction mode draws too: a seat nobody won is a stake-weighted random turn.
        RotationDraw memory d;
        if (mode != ISequencerRegistry.SelectionMode.Performance) {
            // The draw made for this turn, if any, is consumed; one made for another turn is void either way.
            d = _draw;
            // Marked spent, not deleted: the slot stays live, so the next draw rewrites it (5k gas, not 22k).
            if (d.forId != 0) _draw.forId = 0;
            if (d.forId != currentId) d.forId = 0;
            // Randomness for the next turn's draw (its weights are frozen now, before it exists).
            _tryRequestRandomness();
        }
        if (mode == ISequencerRegistry.SelectionMode.Hybrid) {
            if (d.forId == 0) return 0;
            mode = ISequencerRegistry.SelectionMode(d.method);
        }
        if (mode == ISequencerRegistry.SelectionMode.WeightedRandom) {
            if (d.forId != 0) id = d.drawnId;
        } else if (mode == ISequencerRegistry.SelectionMode.Auction) {
            id = _nextAuctionTurn(currentId, d.forId != 0 ? d.drawnId : 0);
        } else if (mode == ISequencerRegistry.SelectionMode.Performance) {
            id = _bestPerformer(currentId);
        }
        // No event here: the registry announces the outcome (NextSequencerSelected, SequencerRotated).
    }

    // ──────────────────────────────────────── selection views ────────────────────────────────────────

    /// @inheritdoc ISequencerSelection
    function selectRoundRobin() external returns (address) {
        uint256 id = registry.nextActiveSequencer(registry.currentSequencerId());
        return _announce(ISequencerRegistry.SelectionMode.RoundRobin, id);
    }

    /// @inheritdoc ISequencerSelection
    function selectWeightedRandom(uint256 blockHash) external returns (address) {
        return _announce(ISequencerRegistry.SelectionMode.WeightedRandom, _weightedDraw(blockHash));
    }

    /// @inheritdoc ISequencerSelection
    function selectByPerformance() external returns (address) {
        return _announce(ISequencerRegistry.SelectionMode.Performance, _bestPerformer(0));
    }

    /**
     * @inheritdoc ISequencerSelection
     * @dev `weights` has one entry per method: [RoundRobin, WeightedRandom, Auction, Performance]. The method is
     * drawn with probability weight / Σ weights from keccak(latest randomness, entropy, nonce), where `params`
     * optionally carries `abi.encode(uint256 entropy)`. The chosen method then selects as its own function
     * does (Auction: the next scheduled winner, without consuming it). Reverts if the method has no candidate.
     */
    function selectHybrid(uint256[] calldata weights, bytes calldata params) external returns (address) {
        if (weights.length != 4) revert SelectionInvalidWeights();
        uint256 entropy;
        if (params.length >= 32) entropy = abi.decode(params, (uint256));
        uint256 method = _drawMethod([weights[0], weights[1], weights[2], weights[3]], entropy);
        uint256 id;
        if (method == 0) {
            id = registry.nextActiveSequencer(registry.currentSequencerId());
        } else if (method == 1) {
            id = _weightedDraw(entropy);
        } else if (method == 2) {
            id = _peekAuctionTurn();
            if (id == type(uint256).max) id = _weightedDraw(entropy); // a random turn
        } else {
            id = _bestPerformer(0);
        }
        return _announce(ISequencerRegistry.SelectionMode(method), id);
    }

    // ─────────────────────────────────────────── auctions ────────────────────────────────────────────

    /**
     * @inheritdoc ISequencerSelection
     * @dev Fixes the auction's terms now (reserve = `minBid`, seats, turns, bond, reveal and dispute periods, cap):
     * a governed change takes effect only for auctions opened after it. One auction at a time: the previous one
     * must be finalized, so the cap's record of recent wins cannot change while bids are open.
     */
    function initAuction(uint256 duration) external onlyRole(AUCTIONEER_ROLE) returns (uint256 auctionId) {
        if (duration < MIN_AUCTION_DURATION || duration > MAX_AUCTION_DURATION) {
            revert SelectionInvalidDuration(duration, MIN_AUCTION_DURATION, MAX_AUCTION_DURATION);
        }
        uint256 previous = _auctionCount;
        if (previous != 0 && _auctions[previous].finalizedAt == 0) revert SelectionAuctionPending(previous);
        auctionId = previous + 1;
        _auctionCount = auctionId;
        StoredParams memory p = _params;
        AuctionParams memory q = _auctionParams;
        Auction storage a = _auctions[auctionId];
        a.startTime = uint64(block.timestamp);
        a.endTime = uint64(block.timestamp + duration);
        a.revealPeriod = q.revealPeriod;
        a.disputePeriod = q.disputePeriod;
        a.seats = p.auctionWinners;
        a.turns = p.turnsPerAuction;
        a.capWins = q.capWins;
        a.capWindow = q.capWindow;
        a.reserve = p.minBid;
        a.bond = q.bond;
        emit AuctionStarted(auctionId, a.endTime);
    }

    /// @inheritdoc ISealedAuction
    function commitBid(uint256 auctionId, bytes32 commitment) external payable {
        if (commitment == 0) revert SelectionZeroCommitment();
        Auction storage a = _takeDeposit(auctionId);
        Bid storage b = _bids[auctionId][msg.sender];
        b.commitment = commitment;
        b.deposit = uint128(msg.value);
        ++a.unrevealed;
        a.unrevealedDeposits += uint128(msg.value);
        emit BidCommitted(auctionId, msg.sender, msg.value);
    }

    /**
     * @inheritdoc ISequencerSelection
     * @dev Adaptation (docs/ADAPTATIONS.md): an open bid, committed and revealed at once: the bid is `msg.value`
     * less the auction's bond. It must place the bidder among the `auctionWinners + 1` highest revealed bids
     * (the winners and the price-setting loser); a bid it pushes out becomes withdrawable.
     */
    function placeBid(uint256 auctionId) external payable {
        Auction storage a = _takeDeposit(auctionId);
        uint256 amount = msg.value - a.bond; // ≥ reserve: checked by `_takeDeposit`
        _bids[auctionId][msg.sender].deposit = uint128(msg.value);
        uint256 needed = _enter(a, auctionId, msg.sender, amount);
        if (needed != 0) revert SelectionBidTooLow(amount, needed);
        emit BidPlaced(auctionId, msg.sender, amount);
    }

    /// @inheritdoc ISealedAuction
    function revealBid(uint256 auctionId, uint256 amount, bytes32 salt) external {
        Auction storage a = _existingAuction(auctionId);
        uint256 opens = a.endTime;
        uint256 closes = opens + a.revealPeriod;
        if (block.timestamp < opens || block.timestamp >= closes)
            revert SelectionNotRevealPhase(auctionId, opens, closes);
        Bid storage b = _bids[auctionId][msg.sender];
        bytes32 commitment = b.commitment;
        if (commitment == 0) revert SelectionNoCommitment(auctionId, msg.sender);
        if (commitment != bidCommitment(auctionId, msg.sender, amount, salt)) {
            revert SelectionRevealMismatch(auctionId, msg.sender);
        }
        b.commitment = 0;
        uint256 deposit = b.deposit;
        --a.unrevealed;
        a.unrevealedDeposits -= uint128(deposit);
        emit BidRevealed(auctionId, msg.sender, amount);
        // A bid under the reserve, one its deposit cannot cover with the bond, or one outside the highest
        // `seats + 1` is refunded; the others enter the ranking.
        if (amount < a.reserve || amount > deposit - a.bond || _enter(a, auctionId, msg.sender, amount) != 0) {
            _refund(auctionId, msg.sender, deposit);
        }
    }

    /**
     * @inheritdoc ISequencerSelection
     * @dev Once bidding has closed and every commitment is revealed, or the reveal period is over. The k =
     * min(bids, seats) highest revealed bids win a seat each and pay the same price: the highest losing bid, or
     * the reserve when no bid lost. Each winner's bond is held for the dispute period; the rest of its deposit,
     * and the losers' deposits, become withdrawable. Proceeds (k × price) go to the registry's `depositFees`
     * (insurance fee, then `rewardsRecipient`); unrevealed deposits are forfeited to the registry's insurance
     * fund. Seats nobody won are stake-weighted random turns. Returns the highest bidder (address(0) if none).
     */
    function finalizeAuction(uint256 auctionId) external nonReentrant returns (address winner) {
        Auction storage a = _existingAuction(auctionId);
        if (a.finalizedAt != 0) revert SelectionAuctionAlreadyFinalized(auctionId);
        uint256 closes = a.unrevealed == 0 ? a.endTime : a.endTime + a.revealPeriod;
        if (block.timestamp < closes) revert SelectionAuctionNotEnded(auctionId, closes);
        a.finalizedAt = uint40(block.timestamp);
        uint256 count = a.bidCount;
        uint256 seats = a.seats;
        uint256 price = a.reserve;
        if (count > seats) {
            address loser = a.top[seats];
            price = _bids[auctionId][loser].amount;
            _refund(auctionId, loser, _bids[auctionId][loser].deposit);
            count = seats;
        }
        uint256 bond = a.bond;
        uint256 forfeited = a.unrevealedDeposits;
        uint256 released = forfeited;
        for (uint256 i; i < count; ++i) {
            address w = a.top[i];
            uint256 deposit = _bids[auctionId][w].deposit;
            released += deposit;
            if (deposit > price + bond) _credit(w, deposit - price - bond);
            _recentWins[w] = (_recentWins[w] << 32) | auctionId;
        }
        _deposits -= released;
        _bonds += count * bond;
        if (count != 0) winner = a.top[0];
        else price = 0; // nothing sold
        a.winnerCount = uint8(count);
        a.clearingPrice = uint128(price);
        if (bond != 0) a.bondsHeld = uint16((1 << count) - 1);
        _buildSchedule(a, count);
        _scheduleQueue[_scheduleTail++] = auctionId;
        emit AuctionFinalized(auctionId, winner, price);
        emit AuctionScheduled(auctionId, a.scheduleLength);

        if (forfeited != 0) {
            emit DepositsForfeited(auctionId, forfeited);
            registry.fundInsurance{value: forfeited}();
        }
        if (count != 0) registry.depositFees{value: count * price}(_params.rewardsRecipient);
    }

    /// @inheritdoc ISealedAuction
    function releaseBonds(uint256 auctionId) external {
        Auction storage a = _existingAuction(auctionId);
        uint256 held = a.bondsHeld;
        if (held == 0) revert SelectionNoBondHeld(auctionId, address(0));
        uint256 until = _disputeEnd(a);
        if (block.timestamp < until) revert SelectionDisputePeriodOpen(auctionId, until);
        a.bondsHeld = 0;
        uint256 bond = a.bond;
        for (uint256 i; i < a.winnerCount; ++i) {
            if ((held >> i) & 1 == 0) continue;
            _bonds -= bond;
            _credit(a.top[i], bond);
            emit BondReleased(auctionId, a.top[i], bond);
        }
    }

    /// @inheritdoc ISealedAuction
    function slashBond(uint256 auctionId, address winner) external onlyRole(BOND_SLASHER_ROLE) nonReentrant {
        Auction storage a = _existingAuction(auctionId);
        uint256 i = _indexOf(a, winner, a.winnerCount);
        if (i == a.winnerCount || (a.bondsHeld >> i) & 1 == 0) revert SelectionNoBondHeld(auctionId, winner);
        uint256 until = _disputeEnd(a);
        if (block.timestamp >= until) revert SelectionDisputePeriodOver(auctionId, until);
        a.bondsHeld &= uint16(~(1 << i));
        uint256 bond = a.bond;
        _bonds -= bond;
        emit BondSlashed(auctionId, winner, bond);
        registry.fundInsurance{value: bond}();
    }

    /// @notice Sends the caller its refunds: losing and unplaced deposits, winners' change and released bonds.
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = _pendingReturns[msg.sender];
        if (amount == 0) revert SelectionNothingToWithdraw(msg.sender);
        _pendingReturns[msg.sender] = 0;
        _owedReturns -= amount;
        emit Withdrawn(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert SelectionTransferFailed(msg.sender, amount);
    }

    /// @inheritdoc ISealedAuction
    function bidCommitment(
        uint256 auctionId,
        address bidder,
        uint256 amount,
        bytes32 salt
    ) public view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), auctionId, bidder, amount, salt));
    }

    // ────────────────────────────────────────── randomness ───────────────────────────────────────────

    /// @inheritdoc ISequencerSelection
    function requestRandomness() public returns (uint256 requestId) {
        requestId = _pendingRequestId;
        if (requestId != 0) return requestId; // one request at a time: asking again is free and changes nothing
        if (address(_source) == address(0)) revert SelectionNoRandomnessSource();
        // A draw ready for the turn it ends stays: a second one would let a committer keep the better of two.
        uint256 forId = _draw.forId;
        if (forId != 0 && forId == registry.drawTurnId()) revert SelectionDrawReady(forId);
        requestId = _source.requestRandomness();
        _pendingRequestId = uint40(requestId);
        registry.openStakeSnapshot();
        emit RandomnessRequested(requestId);
    }

    /**
     * @inheritdoc ISequencerSelection
     * @dev Makes the rotation draw: over the stake weights frozen at the request, excluding the sequencer whose
     * turn it is now, seeded by `keccak256(randomness, requestId)` alone; the hybrid method from the same seed; and,
     * over the same frozen weights and seed, the attestation committee of the earliest of (current epoch, next
     * epoch) that has none.
     */
    function fulfillRandomness(uint256 requestId, uint256 randomness) external {
        if (msg.sender != address(_source)) revert SelectionUnauthorizedRandomnessSource(msg.sender);
        if (requestId == 0 || requestId != _pendingRequestId) revert SelectionUnknownRandomnessRequest(requestId);
        _pendingRequestId = 0;
        _randomness = uint160(randomness); // the source's output is already uniform and unpredictable
        emit RandomnessFulfilled(requestId, randomness);

        uint256 seed = uint256(keccak256(abi.encode(randomness, requestId)));
        // The turn this draw ends: after an early designation, the designated successor's (the current turn's end
        // is decided already), else the current one.
        uint256 forId = registry.drawTurnId();
        uint256 drawnId = registry.drawByStake(seed, forId);
        _drawCommittee(seed, requestId);
        registry.closeStakeSnapshot();
        uint256 w = _params.hybridWeights;
        uint256 method = _pickMethod(
            [uint256(uint16(w)), uint16(w >> 16), uint16(w >> 32), w >> 48],
            uint256(keccak256(abi.encode(seed, "method")))
        );
        if (forId != 0) {
            _draw = RotationDraw({
                forId: uint32(forId),
                drawnId: uint32(drawnId),
                method: uint8(method),
                requestId: uint40(requestId)
            });
        }
        emit RotationDrawn(requestId, forId, drawnId, method);
    }

    // ───────────────────────────────────────── committees ────────────────────────────────────────────

    /// @inheritdoc IAttestationCommittee
    function committeeSize() external view returns (uint256) {
        return _committeeSize;
    }

    /// @inheritdoc IAttestationCommittee
    function committeeEpochSlots() external view returns (uint256) {
        return _committeeEpochSlots;
    }

    /// @inheritdoc IAttestationCommittee
    function committeeAt(uint256 slot) external view returns (uint256[] memory seatIds) {
        (seatIds, ) = committeeOf(slot / _committeeEpochSlots);
    }

    /// @inheritdoc IAttestationCommittee
    /// @dev The seats of `member`'s sequencer id: a scan of the packed seat ids (≤ 32, in ≤ 4 slots), so drawing a
    /// committee writes the same few slots whoever is drawn, and an operator that re-registered under a new id
    /// holds none of its old id's seats.
    function committeeSeatsAt(uint256 slot, address member) external view returns (uint256 seats) {
        Committee storage c = _committees[slot / _committeeEpochSlots];
        uint256 size = c.size;
        if (size == 0) return 0;
        uint256 id = registry.sequencerIdOf(member);
        if (id == 0) return 0;
        uint256 word;
        for (uint256 i; i < size; ++i) {
            if (i % 8 == 0) word = c.seatIds[i / 8];
            if ((word >> (32 * (i % 8))) & 0xffffffff == id) ++seats;
        }
    }

    /// @inheritdoc IAttestationCommittee
    function committeeOf(uint256 epoch) public view returns (uint256[] memory seatIds, uint256 requestId) {
        Committee storage c = _committees[epoch];
        seatIds = new uint256[](c.size);
        for (uint256 i; i < seatIds.length; ++i) seatIds[i] = (c.seatIds[i / 8] >> (32 * (i % 8))) & 0xffffffff;
        requestId = c.requestId;
    }

    // ────────────────────────────────────────── governance ───────────────────────────────────────────

    /// @notice Governance: sets the randomness source (a fresh source starts without a pending request).
    function setRandomnessSource(address source) external onlyRole(GOVERNANCE_ROLE) {
        if (source == address(0)) revert SelectionZeroAddress();
        _source = IRandomnessSource(source);
        if (_pendingRequestId != 0) {
            _pendingRequestId = 0;
            registry.closeStakeSnapshot();
        }
        emit RandomnessSourceUpdated(source);
    }

    /// @notice Governance: performance threshold (bp ≤ 10,000), auction winners (1–8), turns per auction
    /// (winners–64), minimum bid.
    function setParameters(
        uint256 minScore,
        uint256 auctionWinners,
        uint256 turnsPerAuction,
        uint256 minBid
    ) external onlyRole(GOVERNANCE_ROLE) {
        _setParameters(minScore, auctionWinners, turnsPerAuction, minBid);
    }

    /// @notice Governance: weights of [RoundRobin, WeightedRandom, Auction, Performance] in Hybrid mode.
    function setHybridWeights(uint16[4] calldata weights) external onlyRole(GOVERNANCE_ROLE) {
        _setHybridWeights(weights);
    }

    /// @notice Governance: bond, reveal and dispute periods and cap of auctions opened from now on.
    function setAuctionParameters(AuctionParams calldata p) external onlyRole(GOVERNANCE_ROLE) {
        _setAuctionParameters(p);
    }

    function setRewardsRecipient(address recipient) external onlyRole(GOVERNANCE_ROLE) {
        _setRewardsRecipient(recipient);
    }

    // ──────────────────────────────────────────── views ──────────────────────────────────────────────

    /// @notice An auction's terms and state (see {Auction}).
    function auctionDetails(uint256 auctionId) external view returns (Auction memory) {
        return _existingAuction(auctionId);
    }

    /// @notice A bidder's commitment (0 once revealed), deposit and revealed amount in an auction.
    function bidOf(uint256 auctionId, address bidder) external view returns (Bid memory) {
        return _bids[auctionId][bidder];
    }

    /// @notice The turns of a finalized auction, in schedule order (address(0): a stake-weighted random turn),
    /// and the next turn to hand out.
    function auctionSchedule(uint256 auctionId) external view returns (address[] memory turns, uint256 cursor) {
        Auction storage a = _existingAuction(auctionId);
        turns = new address[](a.scheduleLength);
        for (uint256 i; i < turns.length; ++i) {
            uint256 entry = (a.schedule >> (4 * i)) & 0xf;
            if (entry != RANDOM_TURN) turns[i] = a.top[entry];
        }
        cursor = a.cursor;
    }

    /// @notice The auction ids of `operator`'s last eight wins, 32 bits each, the newest in the low bits.
    function recentWins(address operator) external view returns (uint256) {
        return _recentWins[operator];
    }

    function pendingReturns(address account) external view returns (uint256) {
        return _pendingReturns[account];
    }

    /// @notice What the contract holds: deposits of auctions not finalized, winners' bonds held, withdrawable
    /// balances. Their sum equals its balance.
    function auctionEscrow() external view returns (uint256 deposits, uint256 bonds, uint256 owed) {
        return (_deposits, _bonds, _owedReturns);
    }

    /// @notice Everything the contract owes (the sum of {auctionEscrow}). Equals its balance.
    function totalOwed() external view returns (uint256) {
        return _deposits + _bonds + _owedReturns;
    }

    function auctionParameters() external view returns (AuctionParams memory) {
        return _auctionParams;
    }

    function auctionCount() external view returns (uint256) {
        return _auctionCount;
    }

    function randomnessSource() external view returns (address) {
        return address(_source);
    }

    /// @notice The latest randomness (its low 160 bits) and the pending request (0: none).
    function randomnessState() external view returns (uint256 randomness, uint256 pendingRequestId) {
        return (_randomness, _pendingRequestId);
    }

    /// @notice The rotation draw waiting for the rotation that ends `forId`'s turn (`forId` 0: none).
    function rotationDraw() external view returns (uint256 forId, uint256 drawnId, uint256 method, uint256 requestId) {
        RotationDraw memory d = _draw;
        return (d.forId, d.drawnId, d.method, d.requestId);
    }

    function getParameters() external view returns (Params memory p) {
        StoredParams memory q = _params;
        uint256 w = q.hybridWeights;
        p.minScore = q.minScore;
        p.auctionWinners = q.auctionWinners;
        p.turnsPerAuction = q.turnsPerAuction;
        p.minBid = q.minBid;
        p.hybridWeights = [uint16(w), uint16(w >> 16), uint16(w >> 32), uint16(w >> 48)];
        p.rewardsRecipient = q.rewardsRecipient;
    }

    // ────────────────────────────────────────── internals ────────────────────────────────────────────

    /// @dev From the rotation path: a failing source (e.g. an unfunded Chainlink subscription) must never stop
    /// the registry from rotating, so its failure is swallowed here and only delays weighted draws.
    function _tryRequestRandomness() private {
        if (_pendingRequestId != 0 || address(_source) == address(0)) return;
        try _source.requestRandomness() returns (uint256 requestId) {
            _pendingRequestId = uint40(requestId);
            registry.openStakeSnapshot();
            emit RandomnessRequested(requestId);
        } catch {
            emit RandomnessRequestFailed(address(_source));
        }
    }

    /**
     * @dev Draws the committee of the current epoch, or else of the next one, if it has none, over the open snapshot
     * (the weights frozen at the request). Seat 0's draw fails only when the frozen total is zero (no Active stake):
     * then nothing is written and the epoch waits for later randomness. O(committeeSize · log n), at most once per
     * epoch; a drawn committee is never rewritten. Writes: one slot for size and request, ⌈size / 8⌉ for the ids.
     */
    function _drawCommittee(uint256 seed, uint256 requestId) private {
        uint256 epoch = registry.currentSlot() / _committeeEpochSlots;
        if (_committees[epoch].size != 0) {
            ++epoch;
            if (_committees[epoch].size != 0) return;
        }
        uint256 size = _committeeSize;
        uint256[] memory seatIds = new uint256[](size);
        uint256[MAX_COMMITTEE_SIZE / 8] memory packed;
        for (uint256 seat; seat < size; ++seat) {
            uint256 id = registry.drawByStake(uint256(keccak256(abi.encode(seed, "committee", seat))), 0);
            if (id == 0) return; // no Active stake (seat 0; later seats draw from the same non-zero total)
            seatIds[seat] = id;
            packed[seat / 8] |= id << (32 * (seat % 8)); // ids are below 2^32 (the registry's uint32 ids)
        }
        Committee storage c = _committees[epoch];
        c.size = uint8(size);
        c.requestId = uint40(requestId);
        for (uint256 w; w * 8 < size; ++w) c.seatIds[w] = packed[w];
        emit CommitteeDrawn(epoch, requestId, seatIds);
    }

    /// @dev A stake-weighted draw from (latest randomness, entropy, nonce), for the public selection functions.
    function _weightedDraw(uint256 entropy) private returns (uint256) {
        uint256 nonce = _nonce;
        _nonce = uint48(nonce + 1);
        return registry.drawByStake(uint256(keccak256(abi.encode(_randomness, entropy, nonce))), 0);
    }

    function _bestPerformer(uint256 excludedId) private view returns (uint256) {
        (uint256 id, uint256 score) = registry.bestPerformer(excludedId);
        if (id == 0 || score < _params.minScore) return 0;
        return id;
    }

    /// @dev A method index drawn with probability weights[i] / Σ weights from (randomness, entropy, nonce).
    function _drawMethod(uint256[4] memory weights, uint256 entropy) private returns (uint256) {
        uint256 nonce = _nonce;
        _nonce = uint48(nonce + 1);
        return _pickMethod(weights, uint256(keccak256(abi.encode(_randomness, entropy, nonce))));
    }

    /// @dev The method index in whose share of Σ weights `entropy` falls.
    function _pickMethod(uint256[4] memory weights, uint256 entropy) private pure returns (uint256 method) {
        uint256 sum = weights[0] + weights[1] + weights[2] + weights[3];
        if (sum == 0) revert SelectionInvalidWeights();
        uint256 point = entropy % sum;
        while (point >= weights[method]) point -= weights[method++];
    }

    /// @dev The next turn of the auction schedule: a winner's, or for a random turn `drawnId` (the stake-weighted
    /// draw made for this turn; 0: round-robin).
    function _nextAuctionTurn(uint256 currentId, uint256 drawnId) private returns (uint256) {
        for (uint256 skips; skips < MAX_SCHEDULE_SKIPS && _scheduleHead < _scheduleTail; ++skips) {
            uint256 auctionId = _scheduleQueue[_scheduleHead];
            Auction storage a = _auctions[auctionId];
            uint256 cursor = a.cursor;
            if (cursor >= a.scheduleLength) {
                delete _scheduleQueue[_scheduleHead++];
                continue;
            }
            uint256 entry = (a.schedule >> (4 * cursor)) & 0xf;
            uint256 id = drawnId;
            // Before the rotation is due a random turn without its draw waits (an early `selectNextSequencer` must
            // not spend it on round-robin); a due rotation without one gives it to round-robin (liveness).
            if (entry == RANDOM_TURN && id == 0 && block.timestamp < registry.nextRotationTime()) return 0;
            if (entry != RANDOM_TURN) {
                address winner = a.top[entry];
                id = registry.sequencerIdOf(winner);
                if (!registry.isActiveSequencer(winner)) {
                    _advance(a, cursor); // a winner that left the set forfeits the turn
                    continue;
                }
                if (id == currentId) return 0; // keeps its turn for the next rotation
            }
            _advance(a, cursor);
            emit AuctionTurn(auctionId, id);
            return id;
        }
        return 0;
    }

    /// @dev Moves past schedule entry `cursor`; after the last one, the bonds' dispute period runs from now.
    function _advance(Auction storage a, uint256 cursor) private {
        a.cursor = uint8(++cursor);
        if (cursor == a.scheduleLength) a.finalizedAt = uint40(block.timestamp);
    }

    /// @dev End of the bonds' dispute period: `disputePeriod` after the auction's last turn was handed out, so a
    /// winner's bond covers every turn it won, however long earlier auctions' turns delay them (unbounded before).
    function _disputeEnd(Auction storage a) private view returns (uint256) {
        if (a.cursor < a.scheduleLength) return type(uint256).max;
        return uint256(a.finalizedAt) + a.disputePeriod;
    }

    /// @dev The id of the next scheduled winner, type(uint256).max for a random turn, 0 when none is scheduled.
    function _peekAuctionTurn() private view returns (uint256) {
        for (uint256 i = _scheduleHead; i < _scheduleTail; ++i) {
            Auction storage a = _auctions[_scheduleQueue[i]];
            if (a.cursor < a.scheduleLength) {
                uint256 entry = (a.schedule >> (4 * a.cursor)) & 0xf;
                return entry == RANDOM_TURN ? type(uint256).max : registry.sequencerIdOf(a.top[entry]);
            }
        }
        return 0;
    }

    /// @dev Each seat is ⌊turns / seats⌋ turns; laid out in rounds in seat order (a, b, c, a, b, c, …), a seat
    /// nobody won and the ⌊turns mod seats⌋ left over being stake-weighted random turns.
    function _buildSchedule(Auction storage a, uint256 winners) private {
        uint256 total = a.turns;
        uint256 seats = a.seats;
        uint256 schedule;
        uint256 length;
        for (uint256 round; round < total / seats; ++round) {
            for (uint256 i; i < seats; ++i) schedule |= (i < winners ? i : RANDOM_TURN) << (4 * length++);
        }
        while (length < total) schedule |= RANDOM_TURN << (4 * length++);
        a.schedule = schedule;
        a.scheduleLength = uint8(total);
    }

    /// @dev Checks a bid may be placed (bidding open, Active sequencer, first bid, under the cap, deposit ≥
    /// reserve + bond) and takes its deposit into escrow.
    function _takeDeposit(uint256 auctionId) private returns (Auction storage a) {
        a = _existingAuction(auctionId);
        if (block.timestamp >= a.endTime) revert SelectionAuctionEnded(auctionId, a.endTime);
        if (msg.value == 0) revert SelectionZeroBid();
        if (!registry.isActiveSequencer(msg.sender)) revert SelectionNotActiveSequencer(msg.sender);
        if (_bids[auctionId][msg.sender].deposit != 0) revert SelectionAlreadyBid(auctionId, msg.sender);
        uint256 capWins = a.capWins;
        if (capWins != 0) {
            // The capWins-th most recent win: if it lies in the window, capWins seats were won there already.
            uint256 counted = uint32(_recentWins[msg.sender] >> (32 * (capWins - 1)));
            if (counted != 0 && counted + a.capWindow > auctionId)
                revert SelectionAuctionCapReached(msg.sender, counted);
        }
        uint256 minimum = uint256(a.reserve) + a.bond;
        if (msg.value < minimum) revert SelectionBidTooLow(msg.value, minimum);
        _deposits += msg.value;
    }

    /// @dev Ranks `amount` among the `seats + 1` highest revealed bids, pushing out (refunding) the lowest when
    /// full. Returns 0 if it entered, else the lowest amount that would have.
    function _enter(Auction storage a, uint256 auctionId, address bidder, uint256 amount) private returns (uint256) {
        uint256 count = a.bidCount;
        uint256 index = count;
        if (count > a.seats) {
            address lowest = a.top[count - 1];
            uint256 lowestBid = _bids[auctionId][lowest].amount;
            if (amount <= lowestBid) return lowestBid + 1;
            _refund(auctionId, lowest, _bids[auctionId][lowest].deposit);
            --index;
        } else {
            a.bidCount = uint8(count + 1);
        }
        _bids[auctionId][bidder].amount = uint128(amount);
        // Ties keep the earlier bid ahead.
        while (index > 0 && _bids[auctionId][a.top[index - 1]].amount < amount) {
            a.top[index] = a.top[index - 1];
            --index;
        }
        a.top[index] = bidder;
        return 0;
    }

    function _refund(uint256 auctionId, address bidder, uint256 deposit) private {
        _deposits -= deposit;
        _credit(bidder, deposit);
        emit BidRefundable(auctionId, bidder, deposit);
    }

    function _indexOf(Auction storage a, address bidder, uint256 count) private view returns (uint256 i) {
        while (i < count && a.top[i] != bidder) ++i;
    }

    function _announce(ISequencerRegistry.SelectionMode mode, uint256 id) private returns (address operator) {
        if (id == 0) revert SelectionNoEligibleSequencer();
        operator = _operatorOf(id);
        emit SequencerSelected(mode, id, operator);
    }

    function _operatorOf(uint256 id) private view returns (address) {
        return registry.operatorOf(id);
    }

    function _credit(address account, uint256 amount) private {
        _pendingReturns[account] += amount;
        _owedReturns += amount;
    }

    function _existingAuction(uint256 auctionId) private view returns (Auction storage a) {
        a = _auctions[auctionId];
        if (a.endTime == 0) revert SelectionUnknownAuction(auctionId);
    }

    function _setParameters(uint256 minScore, uint256 auctionWinners, uint256 turnsPerAuction, uint256 minBid) private {
        if (minScore > BPS) revert SelectionParameterOutOfBounds("minScore", minScore, 0, BPS);
        if (auctionWinners == 0 || auctionWinners > MAX_AUCTION_WINNERS) {
            revert SelectionParameterOutOfBounds("auctionWinners", auctionWinners, 1, MAX_AUCTION_WINNERS);
        }
        if (turnsPerAuction < auctionWinners || turnsPerAuction > MAX_TURNS_PER_AUCTION) {
            revert SelectionParameterOutOfBounds(
                "turnsPerAuction",
                turnsPerAuction,
                auctionWinners,
                MAX_TURNS_PER_AUCTION
            );
        }
        if (minBid == 0 || minBid > type(uint128).max)
            revert SelectionParameterOutOfBounds("minBid", minBid, 1, type(uint128).max);
        _params.minScore = uint16(minScore);
        _params.auctionWinners = uint8(auctionWinners);
        _params.turnsPerAuction = uint8(turnsPerAuction);
        _params.minBid = uint128(minBid);
        emit SelectionParametersUpdated(minScore, auctionWinners, turnsPerAuction, minBid);
    }

    function _setAuctionParameters(AuctionParams memory p) private {
        if (p.revealPeriod < MIN_AUCTION_DURATION || p.revealPeriod > MAX_AUCTION_DURATION) {
            revert SelectionParameterOutOfBounds(
                "revealPeriod",
                p.revealPeriod,
                MIN_AUCTION_DURATION,
                MAX_AUCTION_DURATION
            );
        }
        if (p.disputePeriod < MIN_AUCTION_DURATION || p.disputePeriod > MAX_AUCTION_DURATION) {
            revert SelectionParameterOutOfBounds(
                "disputePeriod",
                p.disputePeriod,
                MIN_AUCTION_DURATION,
                MAX_AUCTION_DURATION
            );
        }
        if (p.capWins > MAX_AUCTION_WINNERS)
            revert SelectionParameterOutOfBounds("capWins", p.capWins, 0, MAX_AUCTION_WINNERS);
        if (p.capWins != 0 && p.capWindow < p.capWins) {
            revert SelectionParameterOutOfBounds("capWindow", p.capWindow, p.capWins, type(uint32).max);
        }
        _auctionParams = p;
        emit AuctionParametersUpdated(p);
    }

    function _setHybridWeights(uint16[4] memory weights) private {
        if (uint256(weights[0]) + weights[1] + weights[2] + weights[3] == 0) revert SelectionInvalidWeights();
        _params.hybridWeights = uint64(
            uint256(weights[0]) |
                (uint256(weights[1]) << 16) |
                (uint256(weights[2]) << 32) |
                (uint256(weights[3]) << 48)
        );
        emit HybridWeightsUpdated(weights);
    }

    function _setRewardsRecipient(address recipient) private {
        if (recipient == address(0)) revert SelectionZeroAddress();
        _params.rewardsRecipient = recipient;
        emit RewardsRecipientUpdated(recipient);
    }
}
