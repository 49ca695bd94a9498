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

    event ClusterCreated(bytes32 indexed clusterId, uint256 numSequencers);
    event GradientSubmitted(bytes32 indexed clusterId, uint256 epoch, uint256 sequencerId);
    event WeightsBroadcast(bytes32 indexed clusterId, bytes32 weightsHash);

    event MemberJoined(bytes32 indexed clusterId, uint256 indexed sequencerId);
    event MemberLeft(bytes32 indexed clusterId, uint256 indexed sequencerId);
    event ShardAssigned(bytes32 indexed clusterId, bytes32 indexed shardId, uint256 sequencerId);
    event ShardReplicated(bytes32 indexed shardId, uint256 targetSequencer);
    event GradientsAggregated(bytes32 indexed clusterId, uint256 indexed epoch, bytes32 aggregatedHash);
    event FailureReported(bytes32 indexed clusterId, uint256 indexed sequencerId, address reporter);
    event WorkReassigned(bytes32 indexed clusterId, uint256 failedSequencer, uint256 newSequencer);
    event CheckpointSaved(bytes32 indexed clusterId, uint256 indexed epoch, bytes32 stateHash);
    event CheckpointRestored(bytes32 indexed clusterId, uint256 indexed epoch);
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
    error TrainingGradientAlreadySubmitted(bytes32 clusterId, uint256 epoch, bytes32 gradientHash);
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

    /// @notice Creates a cluster of registered, Active sequencers; the caller becomes its coordinator.
    function createTrainingCluster(
        uint256[] calldata sequencerIds,
        bytes32 modelHash
    ) external returns (bytes32 clusterId);

    /// @notice By the coordinator, or by the sequencer's operator once the coordinator has invited it.
    function joinCluster(bytes32 clusterId, uint256 sequencerId) external;

    function leaveCluster(bytes32 clusterId, uint256 sequencerId) external;

    /// @notice Coordinator: assigns a data shard; index ranges within a cluster never overlap.
    function assignDataShard(bytes32 clusterId, uint256 sequencerId, DataShard calldata shard) external;

    function replicateShard(bytes32 shardId, uint256 targetSequencer) external;

    /// @notice A member's operator submits its gradient once per epoch (sealed: bound to the member).
    function submitGradient(GradientUpdate calldata update) external;

    /// @notice O(1) aggregate of the epoch's submissions (order-independent), once the quorum has submitted.
    function aggregateGradients(bytes32 clusterId, uint256 epoch) external returns (bytes32 aggregatedHash);

    /// @notice Coordinator: publishes the new weights and advances the epoch.
    function broadcastWeights(bytes32 clusterId, bytes32 weightsHash) external;

    /// @notice Anyone may report a member that missed the epoch deadline; other failures, the coordinator.
    function reportFailure(bytes32 clusterId, uint256 failedSequencer) external;

    /// @notice Moves a failed member's shards and membership to another registered, Active sequencer.
    function reassignWork(bytes32 clusterId, uint256 failedSequencer, uint256 newSequencer) external;

    function saveCheckpoint(bytes32 clusterId, uint256 epoch, bytes32 stateHash) external;

    /// @notice Rolls the cluster back to a saved epoch; later submissions become invalid without loops.
    function restoreFromCheckpoint(bytes32 clusterId, uint256 checkpointEpoch) external;

    function getCluster(bytes32 clusterId) external view returns (TrainingCluster memory);
}
