// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ITrainingCoordination
 * @notice LP-504 distributed training over registered sequencers: clusters, data shards, gradient rounds,
 * aggregation, failover and checkpoints.
 *
 * Adaptation (DESIGN.md section 4): adds `getCluster` so callers can read a cluster with its members.
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

    function createTrainingCluster(
        uint256[] calldata sequencerIds,
        bytes32 modelHash
    ) external returns (bytes32 clusterId);

    function joinCluster(bytes32 clusterId, uint256 sequencerId) external;

    function leaveCluster(bytes32 clusterId, uint256 sequencerId) external;

    function assignDataShard(bytes32 clusterId, uint256 sequencerId, DataShard calldata shard) external;

    function replicateShard(bytes32 shardId, uint256 targetSequencer) external;

    function submitGradient(GradientUpdate calldata update) external;

    function aggregateGradients(bytes32 clusterId, uint256 epoch) external returns (bytes32 aggregatedHash);

    function broadcastWeights(bytes32 clusterId, bytes32 weightsHash) external;

    function reportFailure(bytes32 clusterId, uint256 failedSequencer) external;

    function reassignWork(bytes32 clusterId, uint256 failedSequencer, uint256 newSequencer) external;

    function saveCheckpoint(bytes32 clusterId, uint256 epoch, bytes32 stateHash) external;

    function restoreFromCheckpoint(bytes32 clusterId, uint256 checkpointEpoch) external;

    function getCluster(bytes32 clusterId) external view returns (TrainingCluster memory);
}
