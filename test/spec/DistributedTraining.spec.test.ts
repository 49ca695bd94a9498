import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { trainingFixture } from "../helpers/training";

const keccak256 = (s: string) => ethers.keccak256(ethers.toUtf8Bytes(s));
const ZERO_HASH = ethers.ZeroHash;

// LP-504 "Test Cases → Distributed Training Tests", mirrored with the spec's scenarios and assertions.
describe("Distributed Training (LP-504 spec test cases)", () => {
  it("should coordinate training cluster", async () => {
    const f = await loadFixture(trainingFixture);
    const { training } = f;
    const sequencerIds = [1, 2, 3, 4, 5];
    const modelHash = keccak256("bert-large");

    const clusterId = await training.createTrainingCluster.staticCall(sequencerIds, modelHash);
    await expect(training.createTrainingCluster(sequencerIds, modelHash)).to.emit(training, "ClusterCreated").withArgs(clusterId, 5n);

    // Assign data shards
    for (let i = 0; i < 5; i++) {
      await training.assignDataShard(clusterId, sequencerIds[i], {
        shardId: keccak256(`shard${i}`),
        sequencerId: sequencerIds[i],
        dataHash: keccak256(`data${i}`),
        numSamples: 10000,
        startIndex: i * 10000,
        endIndex: (i + 1) * 10000,
      });
    }

    // Submit gradients (each by its sequencer's operator)
    for (let i = 0; i < 5; i++) {
      await training.connect(f.accounts[i]).submitGradient({
        clusterId,
        sequencerId: sequencerIds[i],
        epoch: 1,
        gradientHash: keccak256(`gradient${i}`),
        loss: 100 - i * 10,
        timestamp: Math.floor(Date.now() / 1000),
      });
    }

    // Aggregate gradients
    const aggregated = await training.aggregateGradients.staticCall(clusterId, 1);
    await training.aggregateGradients(clusterId, 1);
    expect(aggregated).to.not.equal(ZERO_HASH);

    // Broadcast new weights
    await expect(training.broadcastWeights(clusterId, aggregated)).to.emit(training, "WeightsBroadcast").withArgs(clusterId, aggregated);
    expect((await training.getCluster(clusterId)).currentEpoch).to.equal(2n);
  });

  it("should handle sequencer failure", async () => {
    const f = await loadFixture(trainingFixture);
    const { training } = f;
    const createCluster = async () => {
      const id = await training.createTrainingCluster.staticCall([1, 2, 3, 4, 5], keccak256("bert-large"));
      await training.createTrainingCluster([1, 2, 3, 4, 5], keccak256("bert-large"));
      return id;
    };
    const clusterId = await createCluster();
    const failedSequencer = 3;

    await training.reportFailure(clusterId, failedSequencer);
    await training.reassignWork(clusterId, failedSequencer, 6);

    const cluster = await training.getCluster(clusterId);
    expect(cluster.sequencerIds).to.not.include(BigInt(failedSequencer));
    expect(cluster.sequencerIds).to.include(6n);
  });
});
