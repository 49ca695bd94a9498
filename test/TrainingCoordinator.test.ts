import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { trainingFixture } from "./helpers/training";

const H = (s: string) => ethers.keccak256(ethers.toUtf8Bytes(s));

describe("TrainingCoordinator", () => {
  async function cluster() {
    const f = await trainingFixture();
    const clusterId = await f.training.createTrainingCluster.staticCall([1, 2, 3, 4, 5], H("model"));
    await f.training.createTrainingCluster([1, 2, 3, 4, 5], H("model"));
    const submit = (id: number, epoch: number, tag = "", loss = 50) =>
      f.training.connect(f.accounts[id - 1]).submitGradient({
        clusterId,
        sequencerId: id,
        epoch,
        gradientHash: H(`g${id}-e${epoch}${tag}`),
        loss,
        timestamp: 0,
      });
    return { ...f, clusterId, submit };
  }

  it("should train over several epochs through a failure and a checkpoint restore, state checked at each step", async () => {
    const f = await loadFixture(cluster);
    const t = f.training;
    // Quorum: ⌈5 × 2/3⌉ = 4.
    expect((await t.getEpoch(f.clusterId, 1)).quorum).to.equal(4n);
    for (const id of [1, 2, 3, 4, 5]) await f.submit(id, 1, "", 100 - id);
    const agg1 = await t.aggregateGradients.staticCall(f.clusterId, 1);
    await t.aggregateGradients(f.clusterId, 1);
    expect((await t.getEpoch(f.clusterId, 1)).aggregated).to.equal(agg1);
    await t.saveCheckpoint(f.clusterId, 1, H("state before epoch 1"));
    await t.broadcastWeights(f.clusterId, H("weights 1"));
    await t.saveCheckpoint(f.clusterId, 2, H("state after epoch 1"));

    // Epoch 2: sequencer 3 goes silent; the others submit; after the deadline anyone reports it.
    for (const id of [1, 2, 4, 5]) await f.submit(id, 2, "", 80);
    await expect(t.connect(f.accounts[7]).reportFailure(f.clusterId, 3)).to.be.revertedWithCustomError(t, "TrainingDeadlineNotPassed");
    await time.increase(86401);
    await expect(t.connect(f.accounts[7]).reportFailure(f.clusterId, 1))
      .to.be.revertedWithCustomError(t, "TrainingAlreadySubmitted")
      .withArgs(f.clusterId, 1n);
    await expect(t.connect(f.accounts[7]).reportFailure(f.clusterId, 3))
      .to.emit(t, "FailureReported")
      .withArgs(f.clusterId, 3n, f.accounts[7].address);
    await t.reassignWork(f.clusterId, 3, 6);
    expect((await t.getCluster(f.clusterId)).sequencerIds).to.deep.equal([1n, 2n, 6n, 4n, 5n]);
    await t.aggregateGradients(f.clusterId, 2); // 4 of 5 reached the quorum
    await t.broadcastWeights(f.clusterId, H("weights 2"));

    // Epoch 3, with sequencer 6 in sequencer 3's place.
    for (const id of [1, 2, 6, 4, 5]) await f.submit(id, 3, "", 60);
    expect((await t.getEpoch(f.clusterId, 3)).submissions).to.equal(5n);
    expect(await t.lossHistory(f.clusterId)).to.deep.equal([97n, 80n]);

    // Restore to the start of epoch 2: the generation moves on, epoch 3's submissions no longer count.
    await expect(t.restoreFromCheckpoint(f.clusterId, 2)).to.emit(t, "CheckpointRestored").withArgs(f.clusterId, 2n);
    const state = await t.clusterState(f.clusterId);
    expect(state.generation).to.equal(1n);
    expect(state.weightsHash).to.equal(H("state after epoch 1"));
    expect((await t.getCluster(f.clusterId)).currentEpoch).to.equal(2n);
    expect((await t.getEpoch(f.clusterId, 2)).submissions).to.equal(0n);
    await expect(f.submit(1, 3)).to.be.revertedWithCustomError(t, "TrainingWrongEpoch").withArgs(3n, 2n);
    // The same members may submit epoch 2 again in the new generation, even the same gradients.
    for (const id of [1, 2, 6, 4]) await f.submit(id, 2, "", 70);
    const agg2 = await t.aggregateGradients.staticCall(f.clusterId, 2);
    expect(agg2).to.not.equal(ethers.ZeroHash);
    await t.aggregateGradients(f.clusterId, 2);
    await t.broadcastWeights(f.clusterId, H("weights 2 again"));
    expect(await t.lossHistory(f.clusterId)).to.deep.equal([0n, 70n]); // generation 1 has no epoch 1
  });

  it("should give the same aggregate whatever the submission order", async () => {
    const f = await loadFixture(cluster);
    for (const id of [5, 3, 1, 4, 2]) await f.submit(id, 1);
    const forward = await f.training.aggregateGradients.staticCall(f.clusterId, 1);
    const g = await loadFixture(cluster);
    for (const id of [1, 2, 3, 4, 5]) await g.submit(id, 1);
    expect(await g.training.aggregateGradients.staticCall(g.clusterId, 1)).to.equal(forward);
  });

  describe("bad input", () => {
    it("should reject a gradient for the wrong epoch, twice, from a non-member, from another member's operator, or copied", async () => {
      const f = await loadFixture(cluster);
      const t = f.training;
      await expect(f.submit(1, 2)).to.be.revertedWithCustomError(t, "TrainingWrongEpoch").withArgs(2n, 1n);
      await f.submit(1, 1);
      await expect(f.submit(1, 1, "again"))
        .to.be.revertedWithCustomError(t, "TrainingDuplicateGradient")
        .withArgs(f.clusterId, 1n, 1n);
      // Sequencer 7 is registered but not a member.
      await expect(
        t
          .connect(f.accounts[6])
          .submitGradient({ clusterId: f.clusterId, sequencerId: 7, epoch: 1, gradientHash: H("x"), loss: 1, timestamp: 0 }),
      )
        .to.be.revertedWithCustomError(t, "TrainingNotMember")
        .withArgs(f.clusterId, 7n);
      // Account 0 (sequencer 1's operator) submitting for sequencer 2.
      await expect(
        t
          .connect(f.accounts[0])
          .submitGradient({ clusterId: f.clusterId, sequencerId: 2, epoch: 1, gradientHash: H("x"), loss: 1, timestamp: 0 }),
      )
        .to.be.revertedWithCustomError(t, "TrainingNotOperator")
        .withArgs(2n, f.accounts[0].address);
      await expect(
        t
          .connect(f.accounts[1])
          .submitGradient({ clusterId: f.clusterId, sequencerId: 2, epoch: 1, gradientHash: ethers.ZeroHash, loss: 1, timestamp: 0 }),
      ).to.be.revertedWithCustomError(t, "TrainingZeroGradient");
      await expect(
        t
          .connect(f.accounts[1])
          .submitGradient({ clusterId: H("nope"), sequencerId: 2, epoch: 1, gradientHash: H("y"), loss: 1, timestamp: 0 }),
      )
        .to.be.revertedWithCustomError(t, "TrainingUnknownCluster")
        .withArgs(H("nope"));
      expect((await t.getEpoch(f.clusterId, 1)).submissions).to.equal(1n);
    });

    it("should reject aggregation before quorum and broadcasting an unaggregated epoch", async () => {
      const f = await loadFixture(cluster);
      for (const id of [1, 2, 3]) await f.submit(id, 1);
      await expect(f.training.aggregateGradients(f.clusterId, 1))
        .to.be.revertedWithCustomError(f.training, "TrainingQuorumNotReached")
        .withArgs(3n, 4n);
      await expect(f.training.aggregateGradients(f.clusterId, 2))
        .to.be.revertedWithCustomError(f.training, "TrainingWrongEpoch")
        .withArgs(2n, 1n);
      await expect(f.training.broadcastWeights(f.clusterId, H("w")))
        .to.be.revertedWithCustomError(f.training, "TrainingEpochNotAggregated")
        .withArgs(f.clusterId, 1n);
    });

    it("should reject overlapping or malformed shards and follow reassignments without touching them", async () => {
      const f = await loadFixture(cluster);
      const t = f.training;
      const shard = (id: string, seq: number, start: number, end: number) => ({
        shardId: H(id),
        sequencerId: seq,
        dataHash: H(`data ${id}`),
        numSamples: end - start,
        startIndex: start,
        endIndex: end,
      });
      await t.assignDataShard(f.clusterId, 3, shard("a", 3, 0, 100));
      await expect(t.assignDataShard(f.clusterId, 4, shard("b", 4, 50, 150)))
        .to.be.revertedWithCustomError(t, "TrainingOverlappingShard")
        .withArgs(H("b"), H("a"));
      await expect(t.assignDataShard(f.clusterId, 4, shard("a", 4, 100, 200))).to.be.revertedWithCustomError(t, "TrainingShardExists");
      await expect(t.assignDataShard(f.clusterId, 4, { ...shard("c", 4, 100, 200), numSamples: 99 }))
        .to.be.revertedWithCustomError(t, "TrainingInvalidShardRange")
        .withArgs(100n, 200n);
      await expect(t.assignDataShard(f.clusterId, 4, shard("c", 4, 200, 200))).to.be.revertedWithCustomError(
        t,
        "TrainingInvalidShardRange",
      );
      await expect(t.assignDataShard(f.clusterId, 7, shard("c", 7, 100, 200))).to.be.revertedWithCustomError(t, "TrainingNotMember");
      await expect(t.connect(f.accounts[1]).assignDataShard(f.clusterId, 4, shard("c", 4, 100, 200)))
        .to.be.revertedWithCustomError(t, "TrainingNotCoordinator")
        .withArgs(f.clusterId, f.accounts[1].address);
      await t.assignDataShard(f.clusterId, 4, shard("c", 4, 150, 200)); // a gap is fine
      await t.replicateShard(H("a"), 5);
      expect(await t.isReplica(H("a"), 5)).to.equal(true);
      await expect(t.replicateShard(H("a"), 8)).to.be.revertedWithCustomError(t, "TrainingNotMember");

      await t.reportFailure(f.clusterId, 3);
      await t.reassignWork(f.clusterId, 3, 6);
      expect((await t.getShard(H("a"))).shard.sequencerId).to.equal(6n);
      await t.reportFailure(f.clusterId, 6);
      await t.reassignWork(f.clusterId, 6, 7);
      expect((await t.getShard(H("a"))).shard.sequencerId).to.equal(7n); // follows the chain of replacements
    });

    it("should reject reassigning a member that has not failed, or to a non-registered or inactive sequencer", async () => {
      const f = await loadFixture(cluster);
      const t = f.training;
      await expect(t.reassignWork(f.clusterId, 3, 6))
        .to.be.revertedWithCustomError(t, "TrainingNotFailed")
        .withArgs(f.clusterId, 3n);
      await t.reportFailure(f.clusterId, 3);
      await expect(t.reassignWork(f.clusterId, 3, 42))
        .to.be.revertedWithCustomError(t, "TrainingSequencerNotActive")
        .withArgs(42n);
      await f.registry.connect(f.governanceSigner).suspendSequencer(6);
      await expect(t.reassignWork(f.clusterId, 3, 6))
        .to.be.revertedWithCustomError(t, "TrainingSequencerNotActive")
        .withArgs(6n);
      await expect(t.reassignWork(f.clusterId, 3, 4))
        .to.be.revertedWithCustomError(t, "TrainingAlreadyMember")
        .withArgs(f.clusterId, 4n);
      await expect(t.connect(f.accounts[2]).reassignWork(f.clusterId, 3, 7)).to.be.revertedWithCustomError(t, "TrainingNotCoordinator");
      await expect(t.reportFailure(f.clusterId, 8)).to.be.revertedWithCustomError(t, "TrainingNotMember");
    });

    it("should reject clusters of non-active or duplicate sequencers, and bad checkpoints", async () => {
      const f = await loadFixture(cluster);
      const t = f.training;
      await expect(t.createTrainingCluster([], H("m"))).to.be.revertedWithCustomError(t, "TrainingEmptyCluster");
      await expect(t.createTrainingCluster([1, 1], H("m"))).to.be.revertedWithCustomError(t, "TrainingAlreadyMember");
      await expect(t.createTrainingCluster([1, 99], H("m")))
        .to.be.revertedWithCustomError(t, "TrainingSequencerNotActive")
        .withArgs(99n);
      await expect(t.restoreFromCheckpoint(f.clusterId, 1))
        .to.be.revertedWithCustomError(t, "TrainingUnknownCheckpoint")
        .withArgs(f.clusterId, 1n);
      await expect(t.saveCheckpoint(f.clusterId, 2, H("s")))
        .to.be.revertedWithCustomError(t, "TrainingWrongEpoch")
        .withArgs(2n, 1n);
      await expect(t.saveCheckpoint(f.clusterId, 1, ethers.ZeroHash)).to.be.revertedWithCustomError(t, "TrainingUnknownCheckpoint");
      await expect(t.configureCluster(f.clusterId, 0, 0, 1)).to.be.revertedWithCustomError(t, "TrainingInvalidConfiguration");
    });
  });

  describe("last epoch", () => {
    it("should train a cluster of N epochs through its last epoch, broadcast its weights, then accept nothing more", async () => {
      const f = await loadFixture(cluster);
      const t = f.training;
      await t.configureCluster(f.clusterId, 3, 6_667, 3600);
      for (let epoch = 1; epoch <= 3; epoch++) {
        for (const id of [1, 2, 3, 4]) await f.submit(id, epoch, "", 100 - epoch * 10);
        await t.aggregateGradients(f.clusterId, epoch);
        await expect(t.broadcastWeights(f.clusterId, H(`weights ${epoch}`)))
          .to.emit(t, "WeightsBroadcast")
          .withArgs(f.clusterId, H(`weights ${epoch}`));
      }
      expect((await t.clusterState(f.clusterId)).weightsHash).to.equal(H("weights 3")); // the last epoch's weights
      expect((await t.getCluster(f.clusterId)).currentEpoch).to.equal(4n);
      expect(await t.lossHistory(f.clusterId)).to.deep.equal([90n, 80n, 70n]);
      await expect(f.submit(1, 4)).to.be.revertedWithCustomError(t, "TrainingTrainingFinished").withArgs(f.clusterId, 3n);
      await expect(t.broadcastWeights(f.clusterId, H("weights 4")))
        .to.be.revertedWithCustomError(t, "TrainingEpochNotAggregated")
        .withArgs(f.clusterId, 4n);
      expect((await t.clusterState(f.clusterId)).weightsHash).to.equal(H("weights 3"));
      // Training can be extended, not shortened below what has been trained.
      await expect(t.configureCluster(f.clusterId, 2, 6_667, 3600)).to.be.revertedWithCustomError(t, "TrainingInvalidConfiguration");
      await t.configureCluster(f.clusterId, 4, 6_667, 3600);
      await f.submit(1, 4);
      expect((await t.getEpoch(f.clusterId, 4)).submissions).to.equal(1n);
    });
  });

  describe("membership", () => {
    it("should let an operator join and leave, in O(1), and keep the cluster non-empty", async () => {
      const f = await loadFixture(cluster);
      const t = f.training;
      // An operator joins once invited by the coordinator; the invitation is used up.
      await expect(t.connect(f.accounts[6]).joinCluster(f.clusterId, 7))
        .to.be.revertedWithCustomError(t, "TrainingNotInvited")
        .withArgs(f.clusterId, 7n);
      await expect(t.inviteMember(f.clusterId, 7, true))
        .to.emit(t, "MemberInvited")
        .withArgs(f.clusterId, 7n, true);
      await expect(t.connect(f.accounts[6]).joinCluster(f.clusterId, 7)).to.emit(t, "MemberJoined").withArgs(f.clusterId, 7n);
      expect(await t.isInvited(f.clusterId, 7)).to.equal(false);
      await expect(t.connect(f.accounts[6]).inviteMember(f.clusterId, 8, true)).to.be.revertedWithCustomError(t, "TrainingNotCoordinator");
      await expect(t.connect(f.accounts[6]).joinCluster(f.clusterId, 8)).to.be.revertedWithCustomError(t, "TrainingNotOperator");
      await expect(t.connect(f.accounts[1]).leaveCluster(f.clusterId, 2)).to.emit(t, "MemberLeft").withArgs(f.clusterId, 2n);
      // Once the round has a submission, nobody leaves (places would shift under the one-per-epoch record).
      await f.submit(7, 1);
      await expect(t.connect(f.accounts[2]).leaveCluster(f.clusterId, 3))
        .to.be.revertedWithCustomError(t, "TrainingRoundInProgress")
        .withArgs(f.clusterId, 1n);
      await expect(f.submit(7, 1, "again")).to.be.revertedWithCustomError(t, "TrainingDuplicateGradient");
      expect((await t.getCluster(f.clusterId)).sequencerIds).to.deep.equal([1n, 7n, 3n, 4n, 5n]);
      await t.configureCluster(f.clusterId, 3, 10_000, 3600);
      expect((await t.getEpoch(f.clusterId, 1)).quorum).to.equal(5n);
      const solo = await t.createTrainingCluster.staticCall([8], H("solo"));
      await t.createTrainingCluster([8], H("solo"));
      await expect(t.leaveCluster(solo, 8)).to.be.revertedWithCustomError(t, "TrainingEmptyCluster");
    });
  });
});
