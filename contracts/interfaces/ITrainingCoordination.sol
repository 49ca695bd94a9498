// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ITrainingCoordination
 * @notice LP-504 distributed training over registered sequencers: clusters, data shards, gradient rounds,
 * aggregation, failover and checkpoints.
 *
 * Adaptation (docs/ADAPTATIONS.md): adds `getCluster` so callers can read a cluster with its members.
 */
interface ITrainingCoordination {
    struct TrainingCluster {
        bytes32 clusterId;
        uint256[] sequencerIds;
        address coordinator;
        bytes32 modelHash;
        uint256 totalEpochs;
        uint256 currentEpoch;
    }

    struct DataShard {
        bytes32 shardId;
        uint256 sequencerId;
        bytes32 dataHash;
        uint256 numSamples;
        uint256 startIndex;
        uint256 endIndex;
    }

    struct GradientUpdate {
        bytes32 clusterId;
        uint256 sequencerId;
        uint256 epoch;
        bytes32 gradientHash;
        uint256 loss;
        uint256 timestamp;
    }

    /// @notice A training cluster was created ({createTrainingCluster}).
    /// @param clusterId Its id.
    /// @param numSequencers Members it was created with.
    event ClusterCreated(bytes32 indexed clusterId, uint256 numSequencers);
    /// @notice A member submitted its gradient for an epoch ({submitGradient}).
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param epoch The epoch (from 1).
    /// @param sequencerId The submitting member.
    event GradientSubmitted(bytes32 indexed clusterId, uint256 epoch, uint256 sequencerId);
    /// @notice The coordinator published new weights and the cluster moved to the next epoch ({broadcastWeights}).
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param weightsHash Hash of the new model weights.
    event WeightsBroadcast(bytes32 indexed clusterId, bytes32 weightsHash);

    /// @notice A sequencer became a member of a cluster (at creation, {joinCluster} or {reassignWork}).
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param sequencerId The new member.
    event MemberJoined(bytes32 indexed clusterId, uint256 indexed sequencerId);
    /// @notice A member left a cluster ({leaveCluster}).
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param sequencerId The member that left.
    event MemberLeft(bytes32 indexed clusterId, uint256 indexed sequencerId);
    /// @notice The coordinator assigned a data shard to a member ({assignDataShard}).
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param shardId The shard.
    /// @param sequencerId The member holding it.
    event ShardAssigned(bytes32 indexed clusterId, bytes32 indexed shardId, uint256 sequencerId);
    /// @notice A shard was marked as replicated on another member ({replicateShard}).
    /// @param shardId The shard.
    /// @param targetSequencer The member holding the replica.
    event ShardReplicated(bytes32 indexed shardId, uint256 targetSequencer);
    /// @notice An epoch's gradients were aggregated ({aggregateGradients}).
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param epoch The epoch.
    /// @param aggregatedHash The order-independent aggregate of the submitted gradient hashes.
    event GradientsAggregated(bytes32 indexed clusterId, uint256 indexed epoch, bytes32 aggregatedHash);
    /// @notice A member was reported failed ({reportFailure}).
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param sequencerId The failed member.
    /// @param reporter The account that reported it.
    event FailureReported(bytes32 indexed clusterId, uint256 indexed sequencerId, address reporter);
    /// @notice A failed member's shards and place went to another sequencer ({reassignWork}).
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param failedSequencer The failed member.
    /// @param newSequencer The sequencer that took its place.
    event WorkReassigned(bytes32 indexed clusterId, uint256 failedSequencer, uint256 newSequencer);
    /// @notice The coordinator saved a checkpoint ({saveCheckpoint}).
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param epoch The epoch whose starting state it records.
    /// @param stateHash Hash of the model state.
    event CheckpointSaved(bytes32 indexed clusterId, uint256 indexed epoch, bytes32 stateHash);
    /// @notice The cluster rolled back to a checkpoint ({restoreFromCheckpoint}).
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param epoch The epoch it resumes from.
    event CheckpointRestored(bytes32 indexed clusterId, uint256 indexed epoch);
    /// @notice The coordinator invited a sequencer to join, or withdrew the invitation.
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param sequencerId The sequencer.
    /// @param invited True if invited, false if withdrawn.
    event MemberInvited(bytes32 indexed clusterId, uint256 indexed sequencerId, bool invited);

    error TrainingUnknownCluster(bytes32 clusterId);
    error TrainingNotCoordinator(bytes32 clusterId, address caller);
    error TrainingEmptyCluster();
    error TrainingSequencerNotActive(uint256 sequencerId);
    error TrainingNotOperator(uint256 sequencerId, address caller);
    error TrainingAlreadyMember(bytes32 clusterId, uint256 sequencerId);
    error TrainingNotMember(bytes32 clusterId, uint256 sequencerId);
    error TrainingWrongEpoch(uint256 epoch, uint256 expected);
    error TrainingDuplicateGradient(bytes32 clusterId, uint256 epoch, uint256 sequencerId);
    error TrainingQuorumNotReached(uint256 submitted, uint256 quorum);
    error TrainingInvalidShardRange(uint256 startIndex, uint256 endIndex);
    error TrainingOverlappingShard(bytes32 shardId, bytes32 existingShardId);
    error TrainingUnknownShard(bytes32 shardId);
    error TrainingUnknownCheckpoint(bytes32 clusterId, uint256 epoch);
    error TrainingNotFailed(bytes32 clusterId, uint256 sequencerId);

    // Errors of the implementation's additions.
    error TrainingClusterTooLarge(uint256 members, uint256 max);
    /// @dev A cluster is created with at most `max` members (each costs about 54k gas to add); the rest join.
    error TrainingTooManyInitialMembers(uint256 members, uint256 max);
    error TrainingZeroGradient();
    error TrainingShardExists(bytes32 shardId);
    error TrainingInvalidShard(bytes32 shardId);
    error TrainingEpochNotAggregated(bytes32 clusterId, uint256 epoch);
    error TrainingDeadlineNotPassed(bytes32 clusterId, uint256 deadline);
    error TrainingAlreadySubmitted(bytes32 clusterId, uint256 sequencerId);
    error TrainingInvalidConfiguration();
    error TrainingTrainingFinished(bytes32 clusterId, uint256 totalEpochs);
    error TrainingRoundInProgress(bytes32 clusterId, uint256 epoch);
    /// @notice An operator joins only a cluster whose coordinator has invited its sequencer.
    error TrainingNotInvited(bytes32 clusterId, uint256 sequencerId);
    /// @notice A loss beyond 2^128 − 1 would overflow the epoch's loss sum and block the round.
    error TrainingLossOutOfRange(uint256 loss, uint256 max);
    /// @notice `sequencerId` was replaced in the cluster before: it cannot be a replacement (no cycle of records).
    error TrainingReplacedBefore(bytes32 clusterId, uint256 sequencerId);

    /// @notice Creates a cluster of registered, Active sequencers; the caller becomes its coordinator.
    /// @param sequencerIds The initial members: Active sequencers, at most the implementation's initial limit (64).
    /// @param modelHash Hash identifying the model to train.
    /// @return clusterId The new cluster's id.
    function createTrainingCluster(
        uint256[] calldata sequencerIds,
        bytes32 modelHash
    ) external returns (bytes32 clusterId);

    /// @notice By the coordinator, or by the sequencer's operator once the coordinator has invited it.
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param sequencerId An Active sequencer that is not a member yet.
    function joinCluster(bytes32 clusterId, uint256 sequencerId) external;

    /// @notice A member leaves, by its operator or the coordinator, between rounds (the last member stays).
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param sequencerId The leaving member.
    function leaveCluster(bytes32 clusterId, uint256 sequencerId) external;

    /// @notice Coordinator: assigns a data shard; index ranges within a cluster never overlap.
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param sequencerId The member that holds the shard.
    /// @param shard The shard: a new non-zero id, this member, a data hash and its sample range `[startIndex,
    /// endIndex)`.
    function assignDataShard(bytes32 clusterId, uint256 sequencerId, DataShard calldata shard) external;

    /// @notice Coordinator: records that a member holds a replica of a shard of its cluster.
    /// @param shardId The shard.
    /// @param targetSequencer A member of the shard's cluster.
    function replicateShard(bytes32 shardId, uint256 targetSequencer) external;

    /// @notice A member's operator submits its gradient once per epoch (sealed: bound to the member).
    /// @dev The hash should commit to the member too (`keccak256(abi.encode(sequencerId, epoch, gradient))`), so a
    /// copy of another member's pending hash fails when the gradients are opened off chain. The contract does not
    /// refuse a hash another member submitted: it cannot tell the copy from the original, and refusing the later
    /// one would let a copier front-run the honest member's submission and make it look like it missed the round.
    /// @param update The cluster, the submitting member, the current epoch, a non-zero gradient hash, and its loss
    /// (≤ 2^128 − 1); the timestamp is ignored. The caller is the member's operator.
    function submitGradient(GradientUpdate calldata update) external;

    /// @notice O(1) aggregate of the epoch's submissions (order-independent), once the quorum has submitted.
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param epoch The current epoch (anyone may call once the quorum has submitted).
    /// @return aggregatedHash The order-independent aggregate of the epoch's gradient hashes.
    function aggregateGradients(bytes32 clusterId, uint256 epoch) external returns (bytes32 aggregatedHash);

    /// @notice Coordinator: publishes the new weights and advances the epoch.
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param weightsHash Hash of the new model weights (the current epoch must be aggregated).
    function broadcastWeights(bytes32 clusterId, bytes32 weightsHash) external;

    /// @notice Anyone may report a member that missed the epoch deadline; other failures, the coordinator.
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param failedSequencer The failed member.
    function reportFailure(bytes32 clusterId, uint256 failedSequencer) external;

    /// @notice Moves a failed member's shards and membership to another registered, Active sequencer.
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param failedSequencer A member reported failed.
    /// @param newSequencer An Active sequencer that is not a member.
    function reassignWork(bytes32 clusterId, uint256 failedSequencer, uint256 newSequencer) external;

    /// @notice Coordinator: records the model state at the start of an epoch.
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param epoch The epoch (1 to the current epoch).
    /// @param stateHash Hash of the model state (not zero).
    function saveCheckpoint(bytes32 clusterId, uint256 epoch, bytes32 stateHash) external;

    /// @notice Rolls the cluster back to a saved epoch; later submissions become invalid without loops.
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @param checkpointEpoch An epoch with a saved checkpoint, not after the current one.
    function restoreFromCheckpoint(bytes32 clusterId, uint256 checkpointEpoch) external;

    /// @notice A cluster with its members.
    /// @param clusterId The cluster's id (from {createTrainingCluster}).
    /// @return The cluster: id, member ids, coordinator, model hash, total epochs (0: open-ended) and current epoch.
    function getCluster(bytes32 clusterId) external view returns (TrainingCluster memory);
}
