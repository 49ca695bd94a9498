// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VRF} from "@chainlink/contracts/src/v0.8/vrf/VRF.sol";
import {ISequencerRegistry} from "./interfaces/ISequencerRegistry.sol";
import {ISequencerSelection} from "./interfaces/ISequencerSelection.sol";
import {IRandomnessSource} from "./interfaces/IRandomnessSource.sol";

/**
 * @title VRFBeacon
 * @notice The default randomness source (DESIGN.md decision 5, seed 001): an ECVRF beacon run by the
 * sequencers themselves, for chains without Chainlink VRF (such as Lux C-Chain).
 *
 * Each request opens a round. Its committer is the Active sequencer after the previous round's committer in
 * the registry's rotation order. The committer publishes an ECVRF proof, with the key it registered here, over
 * `seed = keccak256(abi.encode(previousOutput, round))`; Chainlink's `VRF.sol` verifies it on chain, and the
 * output goes to the consumer. The output is unique for (key, seed), so the committer can only withhold it:
 * once `roundTimeout` has passed anyone can call {skipCommitter}, which records the miss against the committer
 * and hands the round to the next sequencer. Nothing here reads `prevrandao`.
 *
 * Trust: a committer learns its round's output before publishing it. It can withhold (costing a recorded
 * miss) but not bias the value; keys are bound to sequencer ids by their operators.
 */
contract VRFBeacon is VRF, IRandomnessSource {
    uint256 private constant FIELD_SIZE = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;

    ISequencerRegistry public immutable registry;
    ISequencerSelection public immutable consumer;
    uint256 public immutable roundTimeout;

    // One slot of round state.
    uint64 private _round; // rounds completed
    uint64 private _pendingRequestId; // 0: no open round
    uint32 private _committerId;
    uint32 private _lastCommitterId;
    uint64 private _deadline;
    uint256 private _output; // the last round's output (the genesis value before round 1)
    uint64 private _requestCount;

    mapping(uint256 sequencerId => bytes32 keyHash) private _vrfKeys;
    mapping(uint256 sequencerId => uint256 count) private _missedRounds;

    event VRFKeyRegistered(uint256 indexed sequencerId, bytes32 keyHash);
    event RoundOpened(uint256 indexed round, uint256 indexed committerId, uint256 seed, uint256 deadline);
    event RoundCommitted(uint256 indexed round, uint256 indexed committerId, uint256 output);
    event CommitMissed(uint256 indexed round, uint256 indexed committerId);

    error BeaconNotConsumer(address caller);
    error BeaconNotOperator(uint256 sequencerId, address caller);
    error BeaconInvalidKey();
    error BeaconNoOpenRound();
    error BeaconRoundAlreadyOpen(uint256 requestId);
    error BeaconNotCommitter(address caller, uint256 committerId);
    error BeaconWrongKey(uint256 sequencerId);
    error BeaconRoundTimedOut(uint256 deadline);
    error BeaconRoundNotTimedOut(uint256 deadline);
    error BeaconNoActiveSequencer();
    error BeaconZeroTimeout();

    constructor(ISequencerRegistry registry_, ISequencerSelection consumer_, uint256 roundTimeout_) {
        if (roundTimeout_ == 0) revert BeaconZeroTimeout();
        registry = registry_;
        consumer = consumer_;
        roundTimeout = roundTimeout_;
        _output = uint256(keccak256(abi.encode("LP504 VRF beacon", block.chainid, address(this))));
    }

    /// @notice The operator of `sequencerId` registers (or replaces) its VRF public key, a secp256k1 point.
    function registerVRFKey(uint256 sequencerId, uint256[2] calldata publicKey) external {
        if (registry.sequencerIdOf(msg.sender) != sequencerId || sequencerId == 0) {
            revert BeaconNotOperator(sequencerId, msg.sender);
        }
        uint256 x = publicKey[0];
        uint256 y = publicKey[1];
        if (x >= FIELD_SIZE || y >= FIELD_SIZE || mulmod(y, y, FIELD_SIZE) != addmod(mulmod(x, mulmod(x, x, FIELD_SIZE), FIELD_SIZE), 7, FIELD_SIZE)) {
            revert BeaconInvalidKey();
        }
        bytes32 keyHash = keccak256(abi.encodePacked(x, y));
        _vrfKeys[sequencerId] = keyHash;
        emit VRFKeyRegistered(sequencerId, keyHash);
    }

    /// @inheritdoc IRandomnessSource
    function requestRandomness() external returns (uint256 requestId) {
        if (msg.sender != address(consumer)) revert BeaconNotConsumer(msg.sender);
        if (_pendingRequestId != 0) revert BeaconRoundAlreadyOpen(_pendingRequestId);
        uint256 committer = registry.nextActiveSequencer(_lastCommitterId);
        if (committer == 0) revert BeaconNoActiveSequencer();
        requestId = ++_requestCount;
        _pendingRequestId = uint64(requestId);
        _committerId = uint32(committer);
        uint256 deadline = block.timestamp + roundTimeout;
        _deadline = uint64(deadline);
        emit RoundOpened(_round + 1, committer, currentSeed(), deadline);
    }

    /**
     * @notice The round's committer publishes its ECVRF proof over {currentSeed}; the output goes to the
     * consumer. Reverts with VRF.sol's reason for an invalid proof.
     */
    function commitVRF(Proof calldata proof) external {
        uint256 requestId = _pendingRequestId;
        if (requestId == 0) revert BeaconNoOpenRound();
        uint256 committer = _committerId;
        if (block.timestamp >= _deadline) revert BeaconRoundTimedOut(_deadline);
        if (registry.sequencerIdOf(msg.sender) != committer) revert BeaconNotCommitter(msg.sender, committer);
        if (keccak256(abi.encodePacked(proof.pk[0], proof.pk[1])) != _vrfKeys[committer]) revert BeaconWrongKey(committer);
        uint256 output = _randomValueFromVRFProof(proof, currentSeed());
        uint64 round = _round + 1;
        _round = round;
        _output = output;
        _pendingRequestId = 0;
        _lastCommitterId = uint32(committer);
        emit RoundCommitted(round, committer, output);
        consumer.fulfillRandomness(requestId, output);
    }

    /// @notice After the round's timeout, anyone records the committer's miss and passes the round on.
    function skipCommitter() external {
        if (_pendingRequestId == 0) revert BeaconNoOpenRound();
        uint256 deadline = _deadline;
        if (block.timestamp < deadline) revert BeaconRoundNotTimedOut(deadline);
        uint256 missed = _committerId;
        _missedRounds[missed] += 1;
        emit CommitMissed(_round + 1, missed);
        uint256 next = registry.nextActiveSequencer(missed);
        if (next == 0) revert BeaconNoActiveSequencer();
        _committerId = uint32(next);
        deadline = block.timestamp + roundTimeout;
        _deadline = uint64(deadline);
        emit RoundOpened(_round + 1, next, currentSeed(), deadline);
    }

    /// @notice The seed of the open (or next) round: keccak256(abi.encode(previousOutput, round)).
    function currentSeed() public view returns (uint256) {
        return uint256(keccak256(abi.encode(_output, uint256(_round) + 1)));
    }

    /// @notice (round being decided, its committer, its deadline, the pending request id; 0 when none open).
    function roundState() external view returns (uint256 round, uint256 committerId, uint256 deadline, uint256 requestId) {
        return (uint256(_round) + 1, _committerId, _deadline, _pendingRequestId);
    }

    function lastOutput() external view returns (uint256) {
        return _output;
    }

    function vrfKeyHash(uint256 sequencerId) external view returns (bytes32) {
        return _vrfKeys[sequencerId];
    }

    function missedRounds(uint256 sequencerId) external view returns (uint256) {
        return _missedRounds[sequencerId];
    }
}
