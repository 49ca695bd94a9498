import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { trainingFixture } from "../helpers/training";

const H = (s: string) => ethers.keccak256(ethers.toUtf8Bytes(s));

/** Training members and coordinators against each other and against the cluster's progress. */
describe("attacks: training members and coordinators vs. the TrainingCoordinator", () => {
  async function cluster() {
    const f = await trainingFixture();
    const clusterId = await f.training.createTrainingCluster.staticCall([1, 2, 3, 4, 5], H("model"));
    await f.training.createTrainingCluster([1, 2, 3, 4, 5], H("model"));
    const submit = (id: number, epoch: number, tag = "", loss: bigint | number = 50) =>
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

  it("a replaced member cannot re-join and have a second gradient counted in the same epoch", async () => {
    const f = await loadFixture(cluster);
    const t = f.training;
    await f.submit(3, 1, "", 10);
    // Member 3 is reported (by the coordinator), replaced by 6, then invited back in another place.
    await t.reportFailure(f.clusterId, 3);
    await t.reassignWork(f.clusterId, 3, 6);
    await t.inviteMember(f.clusterId, 3, true);
    await t.connect(f.accounts[2]).joinCluster(f.clusterId, 3);
    expect((await t.getCluster(f.clusterId)).sequencerIds).to.deep.equal([1n, 2n, 6n, 4n, 5n, 3n]);
    await expect(f.submit(3, 1, "second", 10))
      .to.be.revertedWithCustomError(t, "TrainingDuplicateGradient")
      .withArgs(f.clusterId, 1n, 3n);
    const epoch = await t.getEpoch(f.clusterId, 1);
    expect(epoch.submissions).to.equal(1n);
    expect(epoch.meanLoss).to.equal(10n);
    expect(await t.hasSubmitted(f.clusterId, 1, 3)).to.equal(true);
    // Its one gradient does not stand in for the replacement's: 6 still submits its own.
    await f.submit(6, 1);
    expect((await t.getEpoch(f.clusterId, 1)).submissions).to.equal(2n);
  });

  it("an outside operator cannot pad a cluster with members that never submit, to put its quorum out of reach", async () => {
    const f = await loadFixture(cluster);
    const t = f.training;
    for (const id of [6, 7, 8]) {
      await expect(t.connect(f.accounts[id - 1]).joinCluster(f.clusterId, id))
        .to.be.revertedWithCustomError(t, "TrainingNotInvited")
        .withArgs(f.clusterId, BigInt(id));
    }
    expect((await t.getCluster(f.clusterId)).sequencerIds).to.have.length(5);
    for (const id of [1, 2, 3, 4]) await f.submit(id, 1);
    const [submissions, quorum] = await t.getEpoch(f.clusterId, 1);
    expect([submissions, quorum]).to.deep.equal([4n, 4n]);
    await t.aggregateGradients(f.clusterId, 1);
    await t.broadcastWeights(f.clusterId, H("w1"));
    expect((await t.getCluster(f.clusterId)).currentEpoch).to.equal(2n);
    // A withdrawn invitation cannot be used.
    await t.inviteMember(f.clusterId, 7, true);
    await t.inviteMember(f.clusterId, 7, false);
    await expect(t.connect(f.accounts[6]).joinCluster(f.clusterId, 7)).to.be.revertedWithCustomError(t, "TrainingNotInvited");
  });

  it("a member cannot block the round by overflowing the epoch's loss sum", async () => {
    const f = await loadFixture(cluster);
    const t = f.training;
    const max = await t.MAX_LOSS();
    await expect(f.submit(1, 1, "", 2n ** 192n - 1n))
      .to.be.revertedWithCustomError(t, "TrainingLossOutOfRange")
      .withArgs(2n ** 192n - 1n, max);
    // The largest accepted loss from every member still sums without overflow: the round completes.
    for (const id of [1, 2, 3, 4, 5]) await f.submit(id, 1, "", max);
    const epoch = await t.getEpoch(f.clusterId, 1);
    expect(epoch.submissions).to.equal(5n);
    expect(epoch.meanLoss).to.equal(max);
    await t.aggregateGradients(f.clusterId, 1);
    await t.broadcastWeights(f.clusterId, H("w1"));
    expect((await t.getCluster(f.clusterId)).currentEpoch).to.equal(2n);
  });

  it("a member cannot have its gradient counted twice, for itself or under another member's name", async () => {
    const f = await loadFixture(cluster);
    const t = f.training;
    await f.submit(1, 1);
    await expect(f.submit(1, 1, "again")).to.be.revertedWithCustomError(t, "TrainingDuplicateGradient");
    await expect(
      t
        .connect(f.accounts[0])
        .submitGradient({ clusterId: f.clusterId, sequencerId: 2, epoch: 1, gradientHash: H("other"), loss: 1, timestamp: 0 }),
    ).to.be.revertedWithCustomError(t, "TrainingNotOperator");
    expect((await t.getEpoch(f.clusterId, 1)).submissions).to.equal(1n);
    expect(await t.hasSubmitted(f.clusterId, 1, 2)).to.equal(false);
  });

  it("a member that copies another's pending gradient hash and lands first does not make the original fail", async () => {
    const f = await loadFixture(cluster);
    const t = f.training;
    // Member 2 sees member 1's submission in the mempool and sends the same hash with a higher fee (automine: first).
    const honest = { clusterId: f.clusterId, sequencerId: 1, epoch: 1, gradientHash: H("g1-e1"), loss: 40, timestamp: 0 };
    await t.connect(f.accounts[1]).submitGradient({ ...honest, sequencerId: 2 });
    await expect(t.connect(f.accounts[0]).submitGradient(honest)).to.emit(t, "GradientSubmitted").withArgs(f.clusterId, 1n, 1n);
    expect(await t.hasSubmitted(f.clusterId, 1, 1)).to.equal(true);
    // After the deadline nobody but the coordinator can flag the original as failed: it submitted.
    await time.increase(86401);
    await expect(t.connect(f.accounts[1]).reportFailure(f.clusterId, 1))
      .to.be.revertedWithCustomError(t, "TrainingAlreadySubmitted")
      .withArgs(f.clusterId, 1n);
    expect(await t.isFailed(f.clusterId, 1)).to.equal(false);
  });

  it("a member that missed the deadline cannot escape the failure report, and one that submitted cannot be reported by outsiders", async () => {
    const f = await loadFixture(cluster);
    const t = f.training;
    for (const id of [1, 2, 4, 5]) await f.submit(id, 1);
    await time.increase(86401);
    await expect(t.connect(f.accounts[7]).reportFailure(f.clusterId, 2))
      .to.be.revertedWithCustomError(t, "TrainingAlreadySubmitted")
      .withArgs(f.clusterId, 2n);
    expect(await t.isFailed(f.clusterId, 2)).to.equal(false);
    await t.connect(f.accounts[7]).reportFailure(f.clusterId, 3);
    expect(await t.isFailed(f.clusterId, 3)).to.equal(true);
  });

  it("a coordinator cannot freeze a cluster by shortening its training below the epochs already trained", async () => {
    const f = await loadFixture(cluster);
    const t = f.training;
    await t.configureCluster(f.clusterId, 2, 6_667, 3600);
    for (const id of [1, 2, 3, 4]) await f.submit(id, 1);
    await t.aggregateGradients(f.clusterId, 1);
    await t.broadcastWeights(f.clusterId, H("w1"));
    await expect(t.configureCluster(f.clusterId, 1, 6_667, 3600)).to.be.revertedWithCustomError(t, "TrainingInvalidConfiguration");
    // The last epoch (2) still trains and broadcasts.
    for (const id of [1, 2, 3, 4]) await f.submit(id, 2);
    await t.aggregateGradients(f.clusterId, 2);
    await expect(t.broadcastWeights(f.clusterId, H("w2")))
      .to.emit(t, "WeightsBroadcast")
      .withArgs(f.clusterId, H("w2"));
    expect((await t.clusterState(f.clusterId)).weightsHash).to.equal(H("w2"));
  });
});
