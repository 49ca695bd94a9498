// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VRF} from "@chainlink/contracts/src/v0.8/vrf/VRF.sol";
import {ISequencerRegistry} from "./interfaces/ISequencerRegistry.sol";
import {ISequencerSelection} from "./interfaces/ISequencerSelection.sol";
import {IRandomnessSource} from "./interfaces/IRandomnessSource.sol";

/**
 * @title VRFBeacon
 * @notice The default randomness source: an ECVRF beacon run by the
 * sequencers themselves, for chains without Chainlink VRF (such as Lux C-Chain).
 *
 * Each request opens a round in the request's block `requestBlock`. Its committer is the Active sequencer after
 * the previous round's committer in the registry's rotation order. The committer publishes an ECVRF proof over
 *
 *     seed = keccak256(abi.encode(previousOutput, round, blockhash(requestBlock)))
 *
 * with the key in effect for its sequencer at `requestBlock`; Chainlink's `VRF.sol` verifies it on chain, and
 * the output goes to the consumer. Nothing here reads `prevrandao`.
 *
 * Why the output cannot be chosen:
 * - The seed does not exist before `requestBlock` is sealed, so the consumer can fix its inputs (e.g. stake
 *   weights) in the request transaction, before anyone can compute the output. A commit in the request's own
 *   block, or more than 256 blocks later (the EVM forgets older block hashes), reverts {BeaconSeedUnavailable}.
 * - Keys take effect with a delay: a key registered in block R is in effect for rounds requested in a block
 *   after R. A round uses the key its committer had in effect at `requestBlock`, whatever that sequencer
 *   registers later, and so does a sequencer that takes the round over after {skipCommitter}. Every key that
 *   can prove a round was therefore fixed before the round's seed could be computed, and the ECVRF output is
 *   unique for (key, seed).
 *
 * Liveness: once `roundTimeout` has passed, or the request block's hash has expired, anyone can call
 * {skipCommitter}: it records the miss against the committer and hands the round to the next sequencer. If
 * the hash expired, the round is re-opened: its request block becomes the skip's block (a new seed, again
 * unknown until that block is sealed), and the new committer's key is the one in effect there.
 *
 * Trust: a committer learns its round's output before publishing it. It can withhold (costing a recorded miss
 * and handing the round, with a seed it cannot compute yet if it lets the hash expire, to the next sequencer),
 * but not choose the value. The producer of the request's block can influence `blockhash(requestBlock)`; the
 * output additionally needs the committer's secret key, which that producer does not hold.
 */
contract VRFBeacon is VRF, IRandomnessSource {
    uint256 private constant FIELD_SIZE = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
    /// @dev The EVM's `blockhash` window: a seed can be computed for this many blocks after its request block.
    uint256 public constant SEED_WINDOW = 256;

    ISequencerRegistry public immutable registry;
    ISequencerSelection public immutable consumer;
    uint256 public immutable roundTimeout;

    // One slot of round state. A request opens round `_round + 1`, and that number is its request id.
    uint64 private _round; // rounds completed
    bool private _open;
    uint32 private _committerId;
    uint32 private _lastCommitterId;
    uint64 private _deadline;
    uint48 private _requestBlock; // the block the open round was requested (or re-opened) in
    bytes32 private _roundKey; // the key hash the open round's committer had in effect at `_requestBlock`
    uint256 private _output; // the last round's output (the genesis value before round 1)

    /**
     * @dev A sequencer's keys. The key in effect at block B is `pending` if it is set and B >= `pendingFrom`,
     * else `current`: exact for every block at or after the latest registration. A registration while a round
     * is open first saves the key in effect at that round's request block in `pinned` (once per round), so a
     * sequencer taking the round over after a skip is held to the key it had when the round was requested.
     */
    struct Keys {
        bytes32 current;
        bytes32 pending;
        uint48 pendingFrom; // 0: no pending key
        uint48 pinnedFor; // the request block `pinned` belongs to
        bytes32 pinned;
    }

    mapping(uint256 sequencerId => Keys) private _keys;
    mapping(uint256 sequencerId => uint256 count) private _missedRounds;

    /// @notice `keyHash` is `sequencerId`'s key for rounds requested in `effectiveBlock` or later.
    event VRFKeyRegistered(uint256 indexed sequencerId, bytes32 keyHash, uint256 effectiveBlock);
    /// @notice Round `round` was requested (or re-opened) in `requestBlock`; its seed exists once that block is sealed.
    event RoundOpened(uint256 indexed round, uint256 indexed committerId, uint256 deadline, uint256 requestBlock);
    event CommitMissed(uint256 indexed round, uint256 indexed committerId);

    error BeaconNotConsumer(address caller);
    error BeaconNotOperator(uint256 sequencerId, address caller);
    error BeaconInvalidKey(uint256 x, uint256 y);
    error BeaconNoOpenRound();
    error BeaconRoundAlreadyOpen(uint256 requestId);
    /// @notice The proof's key is not the one `sequencerId` had in effect at the round's request block.
    error BeaconWrongKey(uint256 sequencerId, bytes32 expectedKeyHash, bytes32 givenKeyHash);
    error BeaconRoundTimedOut(uint256 deadline);
    error BeaconRoundNotTimedOut(uint256 deadline, uint256 seedExpiresAfterBlock);
    /// @notice `blockhash(requestBlock)` is not available in `currentBlock`: the request block is not sealed yet
    /// (commit in a later block), or it is more than 256 blocks old ({skipCommitter} re-opens the round).
    error BeaconSeedUnavailable(uint256 requestBlock, uint256 currentBlock);
    error BeaconNoActiveSequencer();
    error BeaconZeroTimeout();

    constructor(ISequencerRegistry registry_, ISequencerSelection consumer_, uint256 roundTimeout_) {
        if (roundTimeout_ == 0) revert BeaconZeroTimeout();
        registry = registry_;
        consumer = consumer_;
        roundTimeout = roundTimeout_;
        _output = uint256(keccak256(abi.encode("LP504 VRF beacon", block.chainid, address(this))));
    }

    /**
     * @notice The operator of `sequencerId` registers (or replaces) its VRF public key, a secp256k1 point. It is
     * in effect for rounds requested in a later block; an open round keeps the key in effect at its request.
     */
    function registerVRFKey(uint256 sequencerId, uint256[2] calldata publicKey) external {
        if (registry.sequencerIdOf(msg.sender) != sequencerId || sequencerId == 0) {
            revert BeaconNotOperator(sequencerId, msg.sender);
        }
        uint256 x = publicKey[0];
        uint256 y = publicKey[1];
        if (
            x >= FIELD_SIZE ||
            y >= FIELD_SIZE ||
            mulmod(y, y, FIELD_SIZE) != addmod(mulmod(x, mulmod(x, x, FIELD_SIZE), FIELD_SIZE), 7, FIELD_SIZE)
        ) {
            revert BeaconInvalidKey(x, y);
        }
        bytes32 keyHash = keccak256(abi.encodePacked(x, y));
        Keys storage k = _keys[sequencerId];
        if (_open) {
            uint256 requestBlock = _requestBlock;
            if (k.pinnedFor != requestBlock) {
                k.pinned = _keyAt(k, requestBlock);
                k.pinnedFor = uint48(requestBlock);
            }
        }
        uint256 pendingFrom = k.pendingFrom;
        if (pendingFrom != 0 && block.number >= pendingFrom) k.current = k.pending;
        uint256 effective = block.number + 1;
        k.pending = keyHash;
        k.pendingFrom = uint48(effective);
        emit VRFKeyRegistered(sequencerId, keyHash, effective);
    }

    /// @inheritdoc IRandomnessSource
    function requestRandomness() external returns (uint256 requestId) {
        if (msg.sender != address(consumer)) revert BeaconNotConsumer(msg.sender);
        requestId = uint256(_round) + 1;
        if (_open) revert BeaconRoundAlreadyOpen(requestId);
        uint256 committer = registry.nextActiveSequencer(_lastCommitterId);
        if (committer == 0) revert BeaconNoActiveSequencer();
        _open = true;
        _committerId = uint32(committer);
        uint256 deadline = block.timestamp + roundTimeout;
        _deadline = uint64(deadline);
        _requestBlock = uint48(block.number);
        _roundKey = _keyAt(_keys[committer], block.number);
        emit RoundOpened(requestId, committer, deadline, block.number);
    }

    /**
     * @notice Publishes the round committer's ECVRF proof over {currentSeed}; the output goes to the consumer.
     * @dev Only a proof under the committer's key in effect at the request block verifies, so anyone may relay
     * it (the committer's node, or a watcher that saw it off chain). Reverts with VRF.sol's reason for an
     * invalid proof.
     */
    function commitVRF(Proof calldata proof) external {
        if (!_open) revert BeaconNoOpenRound();
        uint256 committer = _committerId;
        uint256 deadline = _deadline;
        if (block.timestamp >= deadline) revert BeaconRoundTimedOut(deadline);
        uint256 requestBlock = _requestBlock;
        bytes32 requestHash = blockhash(requestBlock);
        if (requestHash == 0) revert BeaconSeedUnavailable(requestBlock, block.number);
        bytes32 expected = _roundKey;
        bytes32 given = keccak256(abi.encodePacked(proof.pk[0], proof.pk[1]));
        if (given != expected) revert BeaconWrongKey(committer, expected, given);
        uint64 round = _round + 1;
        uint256 output = _randomValueFromVRFProof(proof, _seed(_output, round, requestHash));
        _round = round;
        _open = false;
        _lastCommitterId = uint32(committer);
        _output = output;
        // The consumer emits RandomnessFulfilled(round, output); RoundOpened named the committer.
        consumer.fulfillRandomness(round, output);
    }

    /**
     * @notice After the round's timeout, or once its request block's hash has expired (more than
     * {SEED_WINDOW} blocks ago), anyone records the committer's miss and passes the round on. An expired round is
     * re-opened: its request block becomes this block, so its new seed exists only from the next block on.
     */
    function skipCommitter() external {
        if (!_open) revert BeaconNoOpenRound();
        uint256 deadline = _deadline;
        uint256 requestBlock = _requestBlock;
        bool expired = block.number > requestBlock + SEED_WINDOW;
        if (block.timestamp < deadline && !expired) revert BeaconRoundNotTimedOut(deadline, requestBlock + SEED_WINDOW);
        uint256 missed = _committerId;
        _missedRounds[missed] += 1;
        uint256 round = uint256(_round) + 1;
        emit CommitMissed(round, missed);
        uint256 next = registry.nextActiveSequencer(missed);
        if (next == 0) revert BeaconNoActiveSequencer();
        _committerId = uint32(next);
        deadline = block.timestamp + roundTimeout;
        _deadline = uint64(deadline);
        if (expired) {
            requestBlock = block.number;
            _requestBlock = uint48(requestBlock);
        }
        _roundKey = _keyAtRequest(_keys[next], requestBlock);
        emit RoundOpened(round, next, deadline, requestBlock);
    }

    /**
     * @notice The seed of the open round, keccak256(abi.encode(previousOutput, round, blockhash(requestBlock))),
     * or 0 when there is none to sign in this block: no round is open, its request block is not sealed yet (in
     * the request's own block; an `eth_call` may run in the context of the latest block, so a node that reads 0
     * right after the request can compute the seed from the request block's hash, see sdk/beacon.ts), or its
     * hash expired ({skipCommitter} re-opens it).
     */
    function currentSeed() public view returns (uint256) {
        if (!_open) return 0;
        bytes32 requestHash = blockhash(_requestBlock);
        if (requestHash == 0) return 0;
        return _seed(_output, uint256(_round) + 1, requestHash);
    }

    /// @notice (round being decided, its committer, its deadline, whether it is open; the round is the request id).
    function roundState() external view returns (uint256 round, uint256 committerId, uint256 deadline, bool open) {
        return (uint256(_round) + 1, _committerId, _deadline, _open);
    }

    /// @notice The block the open (or last) round was requested or re-opened in, and the key hash its committer must prove with.
    function roundRequest() external view returns (uint256 requestBlock, bytes32 keyHash) {
        return (_requestBlock, _roundKey);
    }

    function lastOutput() external view returns (uint256) {
        return _output;
    }

    /// @notice The key hash of `sequencerId` in effect for a round requested in the current block.
    function vrfKeyHash(uint256 sequencerId) external view returns (bytes32) {
        return _keyAt(_keys[sequencerId], block.number);
    }

    /// @notice The latest registered key hash of `sequencerId` and the first request block it is in effect for.
    function latestVRFKey(uint256 sequencerId) external view returns (bytes32 keyHash, uint256 effectiveBlock) {
        Keys storage k = _keys[sequencerId];
        if (k.pendingFrom == 0) return (k.current, 0);
        return (k.pending, k.pendingFrom);
    }

    function missedRounds(uint256 sequencerId) external view returns (uint256) {
        return _missedRounds[sequencerId];
    }

    function _seed(uint256 previousOutput, uint256 round, bytes32 requestHash) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(previousOutput, round, requestHash)));
    }

    /// @dev The key in effect at block `b`, exact for `b` at or after the sequencer's latest registration.
    function _keyAt(Keys storage k, uint256 b) private view returns (bytes32) {
        uint256 pendingFrom = k.pendingFrom;
        return pendingFrom != 0 && b >= pendingFrom ? k.pending : k.current;
    }

    /// @dev The key in effect at the open round's request block `requestBlock` (saved if it registered since).
    function _keyAtRequest(Keys storage k, uint256 requestBlock) private view returns (bytes32) {
        return k.pinnedFor == requestBlock ? k.pinned : _keyAt(k, requestBlock);
    }
}
