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

    // One slot of round state. A request opens round `_round + 1`, and that number is its request id.
    uint64 private _round; // rounds completed
    bool private _open;
    uint32 private _committerId;
    uint32 private _lastCommitterId;
    uint64 private _deadline;
    uint256 private _output; // the last round's output (the genesis value before round 1)

    mapping(uint256 sequencerId => bytes32 keyHash) private _vrfKeys;
    mapping(uint256 sequencerId => uint256 count) private _missedRounds;

    event VRFKeyRegistered(uint256 indexed sequencerId, bytes32 keyHash);
    event RoundOpened(uint256 indexed round, uint256 indexed committerId, uint256 deadline);
    event CommitMissed(uint256 indexed round, uint256 indexed committerId);

    error BeaconNotConsumer(address caller);
    error BeaconNotOperator(uint256 sequencerId, address caller);
    error BeaconInvalidKey();
    error BeaconNoOpenRound();
    error BeaconRoundAlreadyOpen(uint256 requestId);
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
        if (
            x >= FIELD_SIZE ||
            y >= FIELD_SIZE ||
            mulmod(y, y, FIELD_SIZE) != addmod(mulmod(x, mulmod(x, x, FIELD_SIZE), FIELD_SIZE), 7, FIELD_SIZE)
        ) {
            revert BeaconInvalidKey();
        }
        bytes32 keyHash = keccak256(abi.encodePacked(x, y));
        _vrfKeys[sequencerId] = keyHash;
        emit VRFKeyRegistered(sequencerId, keyHash);
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
        emit RoundOpened(requestId, committer, deadline);
    }

    /**
     * @notice Publishes the round committer's ECVRF proof over {currentSeed}; the output goes to the consumer.
     * @dev Only a proof under the committer's registered key verifies, so anyone may relay it (the committer's
     * node, or a watcher that saw it off chain). Reverts with VRF.sol's reason for an invalid proof.
     */
    function commitVRF(Proof calldata proof) external {
        if (!_open) revert BeaconNoOpenRound();
        uint256 committer = _committerId;
        uint256 deadline = _deadline;
        if (block.timestamp >= deadline) revert BeaconRoundTimedOut(deadline);
        if (keccak256(abi.encodePacked(proof.pk[0], proof.pk[1])) != _vrfKeys[committer])
            revert BeaconWrongKey(committer);
        uint256 output = _randomValueFromVRFProof(proof, currentSeed());
        uint64 round = _round + 1;
        _round = round;
        _open = false;
        _lastCommitterId = uint32(committer);
        _output = output;
        // The consumer emits RandomnessFulfilled(round, output); RoundOpened named the committer.
        consumer.fulfillRandomness(round, output);
    }

    /// @notice After the round's timeout, anyone records the committer's miss and passes the round on.
    function skipCommitter() external {
        if (!_open) revert BeaconNoOpenRound();
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
        emit RoundOpened(uint256(_round) + 1, next, deadline);
    }

    /// @notice The seed of the open (or next) round: keccak256(abi.encode(previousOutput, round)).
    function currentSeed() public view returns (uint256) {
        return uint256(keccak256(abi.encode(_output, uint256(_round) + 1)));
    }

    /// @notice (round being decided, its committer, its deadline, whether it is open; the round is the request id).
    function roundState() external view returns (uint256 round, uint256 committerId, uint256 deadline, bool open) {
        return (uint256(_round) + 1, _committerId, _deadline, _open);
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
