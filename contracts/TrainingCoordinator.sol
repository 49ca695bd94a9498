// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITrainingCoordination} from "./interfaces/ITrainingCoordination.sol";
import {ISequencerRegistry} from "./interfaces/ISequencerRegistry.sol";

/**
 * @title TrainingCoordinator
 * @notice LP-504 distributed training over registered sequencers: clusters, data shards, gradient rounds,
 * O(1) aggregation, failover and checkpoints. Nothing on a state-changing path loops over members or shards.
 *
 * - Membership: the coordinator adds members, or invites them and their operators join: nobody enlarges a
 *   cluster (raising its quorum with members that never submit) without the coordinator's consent.
 * - Rounds: each member's operator submits one gradient per epoch, recorded by (cluster, generation, epoch,
 *   sequencer id): a member replaced mid-round and re-joined in another place still counts once. The submission is sealed: its contribution
 *   is `keccak256(abi.encode(clusterId, generation, epoch, sequencerId, gradientHash))`, bound to the member,
 *   and a gradient hash already submitted in the epoch is refused, so a member cannot pass off another's work.
 *   Contributions are summed (mod 2^256), an order-independent running value, so `aggregateGradients` is O(1):
 *   `keccak256(abi.encode(clusterId, generation, epoch, sum, count))`, once `quorum` members have submitted.
 * - Epochs: `broadcastWeights` (coordinator) publishes the weights of an aggregated epoch and starts the next;
 *   each epoch has a deadline of `epochDuration`. A cluster of N epochs trains epochs 1 … N: the broadcast of
 *   epoch N is its last, after which no gradient is accepted. The loss history is the per-epoch mean loss.
 * - Shards: laid out left to right (each starts at or after the previous one's end), so ranges never overlap
 *   with an O(1) check. A shard records its original member; `reassignWork` records `failed → new`, and the
 *   shard's owner is resolved through those records when read: reassigning never touches the shards.
 * - Checkpoints: `restoreFromCheckpoint` bumps the cluster's generation, which keys every per-epoch record, so
 *   all later submissions are invalid at once, without loops.
 */
contract TrainingCoordinator is ITrainingCoordination {
    uint256 public constant BPS = 10_000;
    uint256 public constant DEFAULT_QUORUM_BPS = 6_667; // two thirds of the members
    uint256 public constant DEFAULT_EPOCH_DURATION = 1 days;
    uint256 public constant MAX_MEMBERS = 1_024;
    /// @notice Members a cluster can be created with: adding one costs about 54k gas, so 64 stay near 3.5M, a
    /// quarter of a Lux block; the coordinator adds more with `joinCluster` (one per call, up to MAX_MEMBERS).
    uint256 public constant MAX_INITIAL_MEMBERS = 64;
    /// @dev With at most MAX_MEMBERS submissions per epoch, the uint192 loss sum cannot overflow.
    uint256 public constant MAX_LOSS = type(uint128).max;

    ISequencerRegistry public immutable registry;

    struct Cluster {
        // slot
        address coordinator;
        uint32 memberCount;
        uint32 generation;
        uint16 quorumBps;
        // slot
        bytes32 modelHash;
        // slot
        uint64 currentEpoch;
        uint64 totalEpochs; // 0: open-ended
        uint64 epochStart;
        uint64 epochDuration;
        // slot
        bytes32 weightsHash; // last broadcast
        // slot
        uint256 nextShardStart; // shards are laid out left to right from here
        // slot
        bytes32 lastShardId; // the shard that ends at nextShardStart
    }

    /// @dev Keyed by (clusterId, generation, epoch).
    struct Epoch {
        uint256 contributionSum;
        uint64 submissions;
        uint192 lossSum;
        bytes32 aggregated;
    }

    struct Shard {
        bytes32 clusterId;
        uint256 originalSequencerId;
        bytes32 dataHash;
        uint256 numSamples;
        uint256 startIndex;
        uint256 endIndex;
    }

    uint256 private _clusterCount;
    mapping(bytes32 clusterId => Cluster) private _clusters;
    mapping(bytes32 clusterId => uint256[] sequencerIds) private _members;
    mapping(bytes32 clusterId => mapping(uint256 sequencerId => uint256 placePlusOne)) private _places;
    mapping(bytes32 clusterId => mapping(uint256 sequencerId => bool)) private _failed;
    mapping(bytes32 clusterId => mapping(uint256 sequencerId => uint256 newSequencerId)) private _replacedBy;
    mapping(bytes32 epochKey => Epoch) private _epochs;
    mapping(bytes32 epochKey => mapping(uint256 sequencerId => bool)) private _submitted;
    mapping(bytes32 clusterId => mapping(uint256 sequencerId => bool)) private _invited;
    mapping(bytes32 clusterId => mapping(uint256 epoch => bytes32 stateHash)) private _checkpoints;
    mapping(bytes32 shardId => Shard) private _shards;
    mapping(bytes32 shardId => mapping(uint256 sequencerId => bool)) private _replicas;

    event ClusterConfigured(bytes32 indexed clusterId, uint256 totalEpochs, uint256 quorumBps, uint256 epochDuration);

    constructor(ISequencerRegistry registry_) {
        registry = registry_;
    }

    // ──────────────────────────────────────────── clusters ───────────────────────────────────────────

    /// @inheritdoc ITrainingCoordination
    function createTrainingCluster(
        uint256[] calldata sequencerIds,
        bytes32 modelHash
    ) external returns (bytes32 clusterId) {
        uint256 n = sequencerIds.length;
        if (n == 0) revert TrainingEmptyCluster();
        if (n > MAX_INITIAL_MEMBERS) revert TrainingTooManyInitialMembers(n, MAX_INITIAL_MEMBERS);
        clusterId = keccak256(abi.encode(block.chainid, address(this), ++_clusterCount, msg.sender, modelHash));
        Cluster storage c = _clusters[clusterId];
        c.coordinator = msg.sender;
        c.modelHash = modelHash;
        c.quorumBps = uint16(DEFAULT_QUORUM_BPS);
        c.currentEpoch = 1;
        c.epochStart = uint64(block.timestamp);
        c.epochDuration = uint64(DEFAULT_EPOCH_DURATION);
        for (uint256 i; i < n; ++i) _addMember(clusterId, c, sequencerIds[i]);
        emit ClusterCreated(clusterId, n);
    }

    /// @notice Coordinator: epochs to train (0: open-ended), quorum in basis points of the members, epoch length.
    function configureCluster(
        bytes32 clusterId,
        uint256 totalEpochs,
        uint256 quorumBps,
        uint256 epochDuration
    ) external {
        Cluster storage c = _coordinated(clusterId);
        if (
            quorumBps == 0 ||
            quorumBps > BPS ||
            epochDuration == 0 ||
            epochDuration > 365 days ||
            totalEpochs > type(uint64).max ||
            // Epochs already broadcast cannot be un-trained: the last epoch is at least the current one.
            (totalEpochs != 0 && totalEpochs < c.currentEpoch)
        ) {
            revert TrainingInvalidConfiguration();
        }
        c.totalEpochs = uint64(totalEpochs);
        c.quorumBps = uint16(quorumBps);
        c.epochDuration = uint64(epochDuration);
        emit ClusterConfigured(clusterId, totalEpochs, quorumBps, epochDuration);
    }

    /// @notice Coordinator: lets (or no longer lets) `sequencerId`'s operator join the cluster.
    function inviteMember(bytes32 clusterId, uint256 sequencerId, bool invited) external {
        _coordinated(clusterId);
        _invited[clusterId][sequencerId] = invited;
        emit MemberInvited(clusterId, sequencerId, invited);
    }

    /// @inheritdoc ITrainingCoordination
    /// @dev An uninvited operator could otherwise pad any cluster with members that never submit, raising the
    /// quorum out of reach. The invitation is used up by joining.
    function joinCluster(bytes32 clusterId, uint256 sequencerId) external {
        Cluster storage c = _existing(clusterId);
        _checkOperatorOrCoordinator(c, sequencerId);
        if (msg.sender != c.coordinator) {
            if (!_invited[clusterId][sequencerId]) revert TrainingNotInvited(clusterId, sequencerId);
            delete _invited[clusterId][sequencerId];
        }
        if (c.memberCount >= MAX_MEMBERS) revert TrainingClusterTooLarge(uint256(c.memberCount) + 1, MAX_MEMBERS);
        _addMember(clusterId, c, sequencerId);
    }

    /// @inheritdoc ITrainingCoordination
    /// @dev By the sequencer's operator or the coordinator, between rounds: not once the current epoch has a
    /// submission (a member that submitted and left would still count towards a quorum of fewer members).
    /// A member that fails mid-round is replaced in place with `reassignWork`. The last member stays.
    function leaveCluster(bytes32 clusterId, uint256 sequencerId) external {
        Cluster storage c = _existing(clusterId);
        _checkOperatorOrCoordinator(c, sequencerId);
        uint256 place = _places[clusterId][sequencerId];
        if (place == 0) revert TrainingNotMember(clusterId, sequencerId);
        if (c.memberCount == 1) revert TrainingEmptyCluster();
        if (_epochs[_epochKey(clusterId, c.generation, c.currentEpoch)].submissions != 0) {
            revert TrainingRoundInProgress(clusterId, c.currentEpoch);
        }
        // Swap the last member into the leaver's place: O(1).
        uint256[] storage members = _members[clusterId];
        uint256 last = members[members.length - 1];
        members[place - 1] = last;
        _places[clusterId][last] = place;
        members.pop();
        delete _places[clusterId][sequencerId];
        c.memberCount -= 1;
        emit MemberLeft(clusterId, sequencerId);
    }

    // ───────────────────────────────────────────── shards ────────────────────────────────────────────

    /// @inheritdoc ITrainingCoordination
    function assignDataShard(bytes32 clusterId, uint256 sequencerId, DataShard calldata shard) external {
        Cluster storage c = _coordinated(clusterId);
        if (_places[clusterId][sequencerId] == 0) revert TrainingNotMember(clusterId, sequencerId);
        if (shard.shardId == bytes32(0) || shard.sequencerId != sequencerId) revert TrainingInvalidShard(shard.shardId);
        if (_shards[shard.shardId].clusterId != bytes32(0)) revert TrainingShardExists(shard.shardId);
        if (shard.endIndex <= shard.startIndex || shard.numSamples != shard.endIndex - shard.startIndex) {
            revert TrainingInvalidShardRange(shard.startIndex, shard.endIndex);
        }
        if (shard.startIndex < c.nextShardStart) revert TrainingOverlappingShard(shard.shardId, c.lastShardId);
        c.nextShardStart = shard.endIndex;
        c.lastShardId = shard.shardId;
        _shards[shard.shardId] = Shard({
            clusterId: clusterId,
            originalSequencerId: sequencerId,
            dataHash: shard.dataHash,
            numSamples: shard.numSamples,
            startIndex: shard.startIndex,
            endIndex: shard.endIndex
        });
        emit ShardAssigned(clusterId, shard.shardId, sequencerId);
    }

    /// @inheritdoc ITrainingCoordination
    function replicateShard(bytes32 shardId, uint256 targetSequencer) external {
        Shard storage s = _shards[shardId];
        if (s.clusterId == bytes32(0)) revert TrainingUnknownShard(shardId);
        _coordinated(s.clusterId);
        if (_places[s.clusterId][targetSequencer] == 0) revert TrainingNotMember(s.clusterId, targetSequencer);
        _replicas[shardId][targetSequencer] = true;
        emit ShardReplicated(shardId, targetSequencer);
    }

    // ───────────────────────────────────────────── rounds ────────────────────────────────────────────

    /// @inheritdoc ITrainingCoordination
    function submitGradient(GradientUpdate calldata update) external {
        bytes32 clusterId = update.clusterId;
        Cluster storage c = _existing(clusterId);
        uint256 sequencerId = update.sequencerId;
        if (registry.operatorOf(sequencerId) != msg.sender) revert TrainingNotOperator(sequencerId, msg.sender);
        if (_places[clusterId][sequencerId] == 0) revert TrainingNotMember(clusterId, sequencerId);
        uint256 epoch = c.currentEpoch;
        if (c.totalEpochs != 0 && epoch > c.totalEpochs) revert TrainingTrainingFinished(clusterId, c.totalEpochs);
        if (update.epoch != epoch) revert TrainingWrongEpoch(update.epoch, epoch);
        if (update.gradientHash == bytes32(0)) revert TrainingZeroGradient();
        if (update.loss > MAX_LOSS) revert TrainingLossOutOfRange(update.loss, MAX_LOSS);

        bytes32 key = _epochKey(clusterId, c.generation, epoch);
        // Keyed by the member itself, not its place: a member replaced and re-joined elsewhere counts once.
        if (_submitted[key][sequencerId]) revert TrainingDuplicateGradient(clusterId, epoch, sequencerId);
        _submitted[key][sequencerId] = true;

        Epoch storage e = _epochs[key];
        uint256 contribution = uint256(
            keccak256(abi.encode(clusterId, c.generation, epoch, sequencerId, update.gradientHash))
        );
        unchecked {
            e.contributionSum += contribution; // mod 2^256: order-independent
        }
        e.submissions += 1;
        e.lossSum += uint192(update.loss);
        emit GradientSubmitted(clusterId, epoch, sequencerId);
    }

    /// @inheritdoc ITrainingCoordination
    function aggregateGradients(bytes32 clusterId, uint256 epoch) external returns (bytes32 aggregatedHash) {
        Cluster storage c = _existing(clusterId);
        if (epoch != c.currentEpoch) revert TrainingWrongEpoch(epoch, c.currentEpoch);
        bytes32 key = _epochKey(clusterId, c.generation, epoch);
        Epoch storage e = _epochs[key];
        uint256 quorum = _quorum(c);
        if (e.submissions < quorum) revert TrainingQuorumNotReached(e.submissions, quorum);
        aggregatedHash = keccak256(abi.encode(clusterId, c.generation, epoch, e.contributionSum, e.submissions));
        e.aggregated = aggregatedHash;
        emit GradientsAggregated(clusterId, epoch, aggregatedHash);
    }

    /// @inheritdoc ITrainingCoordination
    /// @dev Only for an aggregated epoch; starts the next one.
    function broadcastWeights(bytes32 clusterId, bytes32 weightsHash) external {
        Cluster storage c = _coordinated(clusterId);
        uint256 epoch = c.currentEpoch;
        if (_epochs[_epochKey(clusterId, c.generation, epoch)].aggregated == bytes32(0)) {
            revert TrainingEpochNotAggregated(clusterId, epoch);
        }
        // Epoch `totalEpochs` is the last one trained: its weights are broadcast like any other's.
        if (c.totalEpochs != 0 && epoch > c.totalEpochs) revert TrainingTrainingFinished(clusterId, c.totalEpochs);
        c.weightsHash = weightsHash;
        c.currentEpoch = uint64(epoch + 1);
        c.epochStart = uint64(block.timestamp);
        emit WeightsBroadcast(clusterId, weightsHash);
    }

    // ────────────────────────────────────────── fault tolerance ──────────────────────────────────────

    /**
     * @inheritdoc ITrainingCoordination
     * @dev Anyone may report a member that has not submitted once the epoch's deadline has passed; the
     * coordinator may report any member at any time (other failures are its judgement).
     */
    function reportFailure(bytes32 clusterId, uint256 failedSequencer) external {
        Cluster storage c = _existing(clusterId);
        if (_places[clusterId][failedSequencer] == 0) revert TrainingNotMember(clusterId, failedSequencer);
        if (msg.sender != c.coordinator) {
            uint256 deadline = uint256(c.epochStart) + c.epochDuration;
            if (block.timestamp <= deadline) revert TrainingDeadlineNotPassed(clusterId, deadline);
            bytes32 key = _epochKey(clusterId, c.generation, c.currentEpoch);
            if (_submitted[key][failedSequencer]) {
                revert TrainingAlreadySubmitted(clusterId, failedSequencer);
            }
        }
        _failed[clusterId][failedSequencer] = true;
        emit FailureReported(clusterId, failedSequencer, msg.sender);
    }

    /// @inheritdoc ITrainingCoordination
    /// @dev Coordinator only. The new member takes the failed one's place and, through the replacement
    /// record, its shards. A sequencer replaced before in the cluster cannot be the replacement
    /// (`TrainingReplacedBefore`): the records must stay a forest for `getShard` to resolve an owner.
    function reassignWork(bytes32 clusterId, uint256 failedSequencer, uint256 newSequencer) external {
        _coordinated(clusterId);
        uint256 place = _places[clusterId][failedSequencer];
        if (place == 0) revert TrainingNotMember(clusterId, failedSequencer);
        if (!_failed[clusterId][failedSequencer]) revert TrainingNotFailed(clusterId, failedSequencer);
        if (_places[clusterId][newSequencer] != 0) revert TrainingAlreadyMember(clusterId, newSequencer);
        // A replacement with a replacement on record of its own could close a cycle (A → B, then B → A) that
        // `getShard` would follow forever: every shard of either would become unreadable.
        if (_replacedBy[clusterId][newSequencer] != 0) revert TrainingReplacedBefore(clusterId, newSequencer);
        _checkActive(newSequencer);
        _members[clusterId][place - 1] = newSequencer;
        _places[clusterId][newSequencer] = place;
        delete _places[clusterId][failedSequencer];
        delete _failed[clusterId][failedSequencer];
        _replacedBy[clusterId][failedSequencer] = newSequencer;
        emit WorkReassigned(clusterId, failedSequencer, newSequencer);
    }

    // ─────────────────────────────────────────── checkpoints ─────────────────────────────────────────

    /// @inheritdoc ITrainingCoordination
    /// @dev Records the model state at the start of `epoch` (≤ the current epoch).
    function saveCheckpoint(bytes32 clusterId, uint256 epoch, bytes32 stateHash) external {
        Cluster storage c = _coordinated(clusterId);
        if (epoch == 0 || epoch > c.currentEpoch) revert TrainingWrongEpoch(epoch, c.currentEpoch);
        if (stateHash == bytes32(0)) revert TrainingUnknownCheckpoint(clusterId, epoch);
        _checkpoints[clusterId][epoch] = stateHash;
        emit CheckpointSaved(clusterId, epoch, stateHash);
    }

    /// @inheritdoc ITrainingCoordination
    function restoreFromCheckpoint(bytes32 clusterId, uint256 checkpointEpoch) external {
        Cluster storage c = _coordinated(clusterId);
        bytes32 stateHash = _checkpoints[clusterId][checkpointEpoch];
        if (stateHash == bytes32(0) || checkpointEpoch > c.currentEpoch)
            revert TrainingUnknownCheckpoint(clusterId, checkpointEpoch);
        c.generation += 1; // every epoch record of the old generation is now unreachable
        c.currentEpoch = uint64(checkpointEpoch);
        c.epochStart = uint64(block.timestamp);
        c.weightsHash = stateHash;
        emit CheckpointRestored(clusterId, checkpointEpoch);
    }

    // ───────────────────────────────────────────── views ─────────────────────────────────────────────

    /// @inheritdoc ITrainingCoordination
    function getCluster(bytes32 clusterId) external view returns (TrainingCluster memory) {
        Cluster storage c = _existing(clusterId);
        return
            TrainingCluster({
                clusterId: clusterId,
                sequencerIds: _members[clusterId],
                coordinator: c.coordinator,
                modelHash: c.modelHash,
                totalEpochs: c.totalEpochs,
                currentEpoch: c.currentEpoch
            });
    }

    /// @notice An epoch of the current generation: submissions, quorum, aggregate, mean loss and deadline.
    function getEpoch(
        bytes32 clusterId,
        uint256 epoch
    )
        external
        view
        returns (uint256 submissions, uint256 quorum, bytes32 aggregated, uint256 meanLoss, uint256 deadline)
    {
        Cluster storage c = _existing(clusterId);
        Epoch storage e = _epochs[_epochKey(clusterId, c.generation, epoch)];
        submissions = e.submissions;
        quorum = _quorum(c);
        aggregated = e.aggregated;
        meanLoss = submissions == 0 ? 0 : uint256(e.lossSum) / submissions;
        deadline = epoch == c.currentEpoch ? uint256(c.epochStart) + c.epochDuration : 0;
    }

    /// @notice Mean loss of epochs 1 … current − 1 of the current generation (the loss history).
    function lossHistory(bytes32 clusterId) external view returns (uint256[] memory losses) {
        Cluster storage c = _existing(clusterId);
        losses = new uint256[](c.currentEpoch - 1);
        for (uint256 i; i < losses.length; ++i) {
            Epoch storage e = _epochs[_epochKey(clusterId, c.generation, i + 1)];
            losses[i] = e.submissions == 0 ? 0 : uint256(e.lossSum) / e.submissions;
        }
    }

    /// @notice (generation, weights hash, next free shard index) of a cluster.
    function clusterState(
        bytes32 clusterId
    ) external view returns (uint256 generation, bytes32 weightsHash, uint256 nextShardStart) {
        Cluster storage c = _existing(clusterId);
        return (c.generation, c.weightsHash, c.nextShardStart);
    }

    /// @notice A shard, with its current owner resolved through reassignments.
    function getShard(bytes32 shardId) external view returns (DataShard memory shard, bytes32 clusterId) {
        Shard storage s = _shards[shardId];
        if (s.clusterId == bytes32(0)) revert TrainingUnknownShard(shardId);
        uint256 owner = s.originalSequencerId;
        for (uint256 next = _replacedBy[s.clusterId][owner]; next != 0; next = _replacedBy[s.clusterId][owner])
            owner = next;
        shard = DataShard({
            shardId: shardId,
            sequencerId: owner,
            dataHash: s.dataHash,
            numSamples: s.numSamples,
            startIndex: s.startIndex,
            endIndex: s.endIndex
        });
        clusterId = s.clusterId;
    }

    function isReplica(bytes32 shardId, uint256 sequencerId) external view returns (bool) {
        return _replicas[shardId][sequencerId];
    }

    function isInvited(bytes32 clusterId, uint256 sequencerId) external view returns (bool) {
        return _invited[clusterId][sequencerId];
    }

    /// @notice Whether `sequencerId` has submitted a gradient for `epoch` of the cluster's current generation.
    function hasSubmitted(bytes32 clusterId, uint256 epoch, uint256 sequencerId) external view returns (bool) {
        Cluster storage c = _existing(clusterId);
        return _submitted[_epochKey(clusterId, c.generation, epoch)][sequencerId];
    }

    function isFailed(bytes32 clusterId, uint256 sequencerId) external view returns (bool) {
        return _failed[clusterId][sequencerId];
    }

    function checkpoint(bytes32 clusterId, uint256 epoch) external view returns (bytes32) {
        return _checkpoints[clusterId][epoch];
    }

    // ──────────────────────────────────────────── internals ──────────────────────────────────────────

    function _epochKey(bytes32 clusterId, uint256 generation, uint256 epoch) private pure returns (bytes32) {
        return keccak256(abi.encode(clusterId, generation, epoch));
    }

    function _quorum(Cluster storage c) private view returns (uint256) {
        return (uint256(c.memberCount) * c.quorumBps + BPS - 1) / BPS;
    }

    function _addMember(bytes32 clusterId, Cluster storage c, uint256 sequencerId) private {
        if (_places[clusterId][sequencerId] != 0) revert TrainingAlreadyMember(clusterId, sequencerId);
        _checkActive(sequencerId);
        _members[clusterId].push(sequencerId);
        c.memberCount += 1;
        _places[clusterId][sequencerId] = c.memberCount;
        emit MemberJoined(clusterId, sequencerId);
    }

    function _checkActive(uint256 sequencerId) private view {
        address operator = registry.operatorOf(sequencerId);
        if (operator == address(0) || !registry.isActiveSequencer(operator))
            revert TrainingSequencerNotActive(sequencerId);
    }

    function _checkOperatorOrCoordinator(Cluster storage c, uint256 sequencerId) private view {
        if (msg.sender != c.coordinator && registry.operatorOf(sequencerId) != msg.sender) {
            revert TrainingNotOperator(sequencerId, msg.sender);
        }
    }

    function _existing(bytes32 clusterId) private view returns (Cluster storage c) {
        c = _clusters[clusterId];
        if (c.coordinator == address(0)) revert TrainingUnknownCluster(clusterId);
    }

    function _coordinated(bytes32 clusterId) private view returns (Cluster storage c) {
        c = _existing(clusterId);
        if (c.coordinator != msg.sender) revert TrainingNotCoordinator(clusterId, msg.sender);
    }
}
