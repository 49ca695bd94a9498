// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {ISequencerRegistry} from "./interfaces/ISequencerRegistry.sol";
import {ISequencerSelection, ISelectionModule} from "./interfaces/ISequencerSelection.sol";
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
 * - Auction: the turns of finalized auctions, in auction order. An auction has up to `auctionWinners` winners
 *   (the highest bids) sharing `turnsPerAuction` turns in proportion to their bids (each at least one), taken
 *   in rounds in bid order so the same winner is never scheduled twice in a row while another has turns left.
 *   A winner that left the set forfeits its turns; a scheduled winner that is already the current sequencer
 *   keeps its turn for the next rotation.
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
    ISelectionModule,
    IAttestationCommittee,
    AccessControl,
    ReentrancyGuard
{
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    bytes32 public constant AUCTIONEER_ROLE = keccak256("AUCTIONEER_ROLE");

    uint256 public constant BPS = 10_000;
    uint256 public constant MAX_AUCTION_WINNERS = 8;
    uint256 public constant MAX_TURNS_PER_AUCTION = 64;
    uint256 public constant MIN_AUCTION_DURATION = 60;
    uint256 public constant MAX_AUCTION_DURATION = 30 days;
    /// @dev Bound on the entries an Auction-mode turn may skip (winners that left), so a turn's gas is bounded.
    uint256 private constant MAX_SCHEDULE_SKIPS = 16;
    /// @notice Bound on the committee's seats (their ids pack into four slots; a verification reads ≤ 32 signers).
    uint256 public constant MAX_COMMITTEE_SIZE = 32;

    ISequencerRegistry public immutable registry;
    uint256 private immutable _committeeSize;
    uint256 private immutable _committeeEpochSlots;

    // ───────────────────────────────────────────── storage ───────────────────────────────────────────

    struct Auction {
        uint64 startTime;
        uint64 endTime;
        bool finalized;
        uint8 bidderCount; // entries of `top` in use, sorted by bid, highest first
        uint8 scheduleLength;
        uint8 cursor; // next schedule entry to hand out
        uint256 schedule; // 4 bits per turn: index into `top`
        address[MAX_AUCTION_WINNERS] top;
    }

    mapping(uint256 auctionId => Auction) private _auctions;
    mapping(uint256 auctionId => mapping(address bidder => uint256 amount)) private _bids;
    mapping(address account => uint256 amount) private _pendingReturns;
    uint256 private _auctionCount;
    uint256 private _scheduleHead; // queue of finalized auctions with turns: [_scheduleHead, _scheduleTail)
    uint256 private _scheduleTail;
    mapping(uint256 index => uint256 auctionId) private _scheduleQueue;
    uint256 private _liveBids; // Σ bids held for auctions not yet finalized
    uint256 private _owedReturns; // Σ _pendingReturns

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
        _nonce = 1;
        // Placeholder until the source's first output; rotation draws never use it (they need fresh randomness).
        _randomness = uint160(uint256(keccak256(abi.encode("LP504 selection", block.chainid, address(this)))));
    }

    // ──────────────────────────────────────── registry hook ──────────────────────────────────────────

    /// @inheritdoc ISelectionModule
    function nextSequencer(ISequencerRegistry.SelectionMode mode, uint256 currentId) external returns (uint256 id) {
        if (msg.sender != address(registry)) revert SelectionNotRegistry(msg.sender);
        bool randomMode =
            mode == ISequencerRegistry.SelectionMode.WeightedRandom || mode == ISequencerRegistry.SelectionMode.Hybrid;
        RotationDraw memory d;
        if (randomMode) {
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
            id = _nextAuctionTurn(currentId);
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
        } else {
            id = _bestPerformer(0);
        }
        return _announce(ISequencerRegistry.SelectionMode(method), id);
    }

    // ─────────────────────────────────────────── auctions ────────────────────────────────────────────

    /// @inheritdoc ISequencerSelection
    function initAuction(uint256 duration) external onlyRole(AUCTIONEER_ROLE) returns (uint256 auctionId) {
        if (duration < MIN_AUCTION_DURATION || duration > MAX_AUCTION_DURATION) {
            revert SelectionInvalidDuration(duration, MIN_AUCTION_DURATION, MAX_AUCTION_DURATION);
        }
        auctionId = ++_auctionCount;
        Auction storage a = _auctions[auctionId];
        a.startTime = uint64(block.timestamp);
        a.endTime = uint64(block.timestamp + duration);
        emit AuctionStarted(auctionId, a.endTime);
    }

    /**
     * @inheritdoc ISequencerSelection
     * @dev Bids add up per bidder. A bid must place the bidder among the `auctionWinners` highest: while there
     * is room, at least `minBid`; then more than the lowest of them, who is evicted and can withdraw.
     */
    function placeBid(uint256 auctionId) external payable {
        Auction storage a = _existingAuction(auctionId);
        if (block.timestamp >= a.endTime) revert SelectionAuctionEnded(auctionId, a.endTime);
        if (msg.value == 0) revert SelectionZeroBid();
        if (!registry.isActiveSequencer(msg.sender)) revert SelectionNotActiveSequencer(msg.sender);

        uint256 bid = _bids[auctionId][msg.sender] + msg.value;
        uint256 count = a.bidderCount;
        uint256 index = _indexOf(a, msg.sender, count);
        if (index == count) {
            // New entrant.
            if (count < _params.auctionWinners) {
                if (bid < _params.minBid) revert SelectionBidTooLow(bid, _params.minBid);
                a.bidderCount = uint8(count + 1);
            } else {
                address lowest = a.top[count - 1];
                uint256 lowestBid = _bids[auctionId][lowest];
                if (bid <= lowestBid) revert SelectionBidTooLow(bid, lowestBid + 1);
                _bids[auctionId][lowest] = 0;
                _liveBids -= lowestBid;
                _credit(lowest, lowestBid);
                emit BidRefundable(auctionId, lowest, lowestBid);
                index = count - 1;
            }
            a.top[index] = msg.sender;
        }
        _bids[auctionId][msg.sender] = bid;
        _liveBids += msg.value;
        // Bubble up to keep `top` sorted by bid, highest first (ties keep the earlier bidder ahead).
        while (index > 0 && _bids[auctionId][a.top[index - 1]] < bid) {
            a.top[index] = a.top[index - 1];
            a.top[index - 1] = msg.sender;
            --index;
        }
        emit BidPlaced(auctionId, msg.sender, bid);
    }

    /**
     * @inheritdoc ISequencerSelection
     * @dev The winners' bids are the proceeds, paid to the registry's `depositFees`, which splits them by the
     * protocol's one fee rule: the insurance fee to its fund, the rest to `rewardsRecipient`'s withdrawable
     * balance there. Returns the highest bidder (address(0) without bids).
     */
    function finalizeAuction(uint256 auctionId) external nonReentrant returns (address winner) {
        Auction storage a = _existingAuction(auctionId);
        if (a.finalized) revert SelectionAuctionAlreadyFinalized(auctionId);
        if (block.timestamp < a.endTime) revert SelectionAuctionNotEnded(auctionId, a.endTime);
        a.finalized = true;
        uint256 count = a.bidderCount;
        if (count == 0) {
            emit AuctionFinalized(auctionId, address(0), 0);
            return address(0);
        }
        winner = a.top[0];
        uint256 proceeds;
        uint256[MAX_AUCTION_WINNERS] memory bids;
        for (uint256 i; i < count; ++i) {
            bids[i] = _bids[auctionId][a.top[i]];
            proceeds += bids[i];
            _bids[auctionId][a.top[i]] = 0;
        }
        _liveBids -= proceeds;
        _buildSchedule(a, bids, count, proceeds);
        _scheduleQueue[_scheduleTail++] = auctionId;
        emit AuctionFinalized(auctionId, winner, bids[0]);
        emit AuctionScheduled(auctionId, a.scheduleLength);

        registry.depositFees{value: proceeds}(_params.rewardsRecipient);
    }

    /// @notice Sends the caller its outbid bids (auction proceeds are withdrawn from the registry).
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = _pendingReturns[msg.sender];
        if (amount == 0) revert SelectionNothingToWithdraw(msg.sender);
        _pendingReturns[msg.sender] = 0;
        _owedReturns -= amount;
        emit Withdrawn(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert SelectionTransferFailed(msg.sender, amount);
    }

    // ────────────────────────────────────────── randomness ───────────────────────────────────────────

    /// @inheritdoc ISequencerSelection
    function requestRandomness() public returns (uint256 requestId) {
        requestId = _pendingRequestId;
        if (requestId != 0) return requestId; // one request at a time: asking again is free and changes nothing
        if (address(_source) == address(0)) revert SelectionNoRandomnessSource();
        // A draw ready for the current turn stays: a second one would let a committer keep the better of two.
        uint256 forId = _draw.forId;
        if (forId != 0 && forId == registry.currentSequencerId()) revert SelectionDrawReady(forId);
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
        uint256 forId = registry.currentSequencerId();
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

    function setRewardsRecipient(address recipient) external onlyRole(GOVERNANCE_ROLE) {
        _setRewardsRecipient(recipient);
    }

    // ──────────────────────────────────────────── views ──────────────────────────────────────────────

    function getAuction(uint256 auctionId) external view returns (AuctionInfo memory) {
        Auction storage a = _existingAuction(auctionId);
        address top = a.top[0];
        return
            AuctionInfo({
                startTime: a.startTime,
                endTime: a.endTime,
                highestBidder: top,
                highestBid: a.finalized ? 0 : _bids[auctionId][top],
                finalized: a.finalized
            });
    }

    /// @notice The current bidders of an auction, highest bid first, and their bids (zero once finalized).
    function auctionBidders(uint256 auctionId) external view returns (address[] memory bidders, uint256[] memory bids) {
        Auction storage a = _existingAuction(auctionId);
        uint256 count = a.bidderCount;
        bidders = new address[](count);
        bids = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            bidders[i] = a.top[i];
            bids[i] = _bids[auctionId][a.top[i]];
        }
    }

    /// @notice The winners of a finalized auction's turns, in schedule order, and the next turn to hand out.
    function auctionSchedule(uint256 auctionId) external view returns (address[] memory turns, uint256 cursor) {
        Auction storage a = _existingAuction(auctionId);
        turns = new address[](a.scheduleLength);
        for (uint256 i; i < turns.length; ++i) turns[i] = a.top[(a.schedule >> (4 * i)) & 0xf];
        cursor = a.cursor;
    }

    function pendingReturns(address account) external view returns (uint256) {
        return _pendingReturns[account];
    }

    /// @notice Everything the contract owes: live bids plus withdrawable balances. Equals its balance.
    function totalOwed() external view returns (uint256) {
        return _liveBids + _owedReturns;
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

    function _nextAuctionTurn(uint256 currentId) private returns (uint256) {
        for (uint256 skips; skips < MAX_SCHEDULE_SKIPS && _scheduleHead < _scheduleTail; ++skips) {
            uint256 auctionId = _scheduleQueue[_scheduleHead];
            Auction storage a = _auctions[auctionId];
            uint256 cursor = a.cursor;
            if (cursor >= a.scheduleLength) {
                delete _scheduleQueue[_scheduleHead++];
                continue;
            }
            address winner = a.top[(a.schedule >> (4 * cursor)) & 0xf];
            uint256 id = registry.sequencerIdOf(winner);
            if (!registry.isActiveSequencer(winner)) {
                a.cursor = uint8(cursor + 1); // a winner that left the set forfeits the turn
                continue;
            }
            if (id == currentId) return 0; // keeps its turn for the next rotation
            a.cursor = uint8(cursor + 1);
            emit AuctionTurn(auctionId, id);
            return id;
        }
        return 0;
    }

    function _peekAuctionTurn() private view returns (uint256) {
        for (uint256 i = _scheduleHead; i < _scheduleTail; ++i) {
            Auction storage a = _auctions[_scheduleQueue[i]];
            if (a.cursor < a.scheduleLength) return registry.sequencerIdOf(a.top[(a.schedule >> (4 * a.cursor)) & 0xf]);
        }
        return 0;
    }

    /// @dev Turns in proportion to bids, at least one each: turns_i = 1 + ⌊(T − k)·bid_i / Σbids⌋, leftover
    /// turns to the highest bids. Laid out in rounds in bid order (a, b, c, a, b, a, …).
    function _buildSchedule(
        Auction storage a,
        uint256[MAX_AUCTION_WINNERS] memory bids,
        uint256 count,
        uint256 sum
    ) private {
        uint256 total = _params.turnsPerAuction;
        uint256[MAX_AUCTION_WINNERS] memory turns;
        uint256 assigned;
        for (uint256 i; i < count; ++i) {
            turns[i] = 1 + ((total - count) * bids[i]) / sum;
            assigned += turns[i];
        }
        for (uint256 i; assigned < total; i = (i + 1) % count) {
            ++turns[i];
            ++assigned;
        }
        uint256 schedule;
        uint256 length;
        for (uint256 round; length < total; ++round) {
            for (uint256 i; i < count; ++i) {
                if (turns[i] > round) schedule |= i << (4 * length++);
            }
        }
        a.schedule = schedule;
        a.scheduleLength = uint8(total);
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
