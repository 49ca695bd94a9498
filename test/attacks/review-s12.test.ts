import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { schedulerMarketFixture, JOB_STATUS as S, TFLOPS, GB, capabilities, computeJob } from "../helpers/scheduler";
import { trainingFixture } from "../helpers/training";

const ONE = ethers.parseEther("1");
const H = (s: string) => ethers.keccak256(ethers.toUtf8Bytes(s));
const PRIORITY = 1;

/**
 * Review of the recent additions (compute premium, EDF, insurance fee on compute payments, job settlement, the
 * registration gate, training failover): each test is an attack by a participant using only the calls it may make,
 * asserting that it fails.
 */
describe("Review s12: scheduler duties, insurance fees, training failover", () => {
  // ─────────────────────────── requeueJobsOf: escaping the deadline slash ───────────────────────────

  it("an operator that leaves the Active set cannot requeue an overdue accepted job to escape the deadline slash", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ONE);
    await f.s.connect(f.op1).scheduleNext(1); // its duty
    const { startDeadline } = (await f.schedulerLens.getJob(id)).job;
    await time.increaseTo(startDeadline + 1n); // missed: timeoutJob would slash it now
    const penalty = ((await f.stake(1)) * 100n) / 10_000n;
    // The escape: leave the Active set, then requeue the overdue duty, so that it only expires from the queue.
    await f.registry.connect(f.op1).initiateExit(1);
    await f.s.connect(f.op1).requeueJobsOf(1, 10);
    expect(await f.status(id)).to.equal(S.Scheduled); // left with its holder: nothing to restart past the window
    await expect(f.s.connect(f.bob).timeoutJob(id)).to.emit(f.s, "SequencerPenalized").withArgs(1n, id, penalty);
    expect(await f.status(id)).to.equal(S.Expired);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(ONE);
    await f.books();
  });

  it("a running job past its start window stays with the leaver (it may still submit); jobs behind it are requeued", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const running = await f.submit(f.alice, ONE, 10n * TFLOPS, 3 * 3600);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(running);
    const { startDeadline } = (await f.schedulerLens.getJob(running)).job;
    await time.increaseTo(startDeadline + 1n);
    const waiting = await f.submit(f.bob, ONE);
    await f.s.connect(f.service).scheduleNext(1); // an offer behind the running job, still in its window
    await f.registry.connect(f.op1).initiateExit(1);
    await expect(f.s.connect(f.carol).requeueJobsOf(1, 10)).to.emit(f.s, "JobStatusChanged").withArgs(waiting, S.Offered, S.Queued);
    expect(await f.status(running)).to.equal(S.Running);
    expect(await f.status(waiting)).to.equal(S.Queued);
    // It may still deliver; or, past the deadline, it is slashed like any holder that missed it.
    const { deadline } = (await f.schedulerLens.getJob(running)).job;
    await time.increaseTo(deadline + 1n);
    await expect(f.s.timeoutJob(running)).to.emit(f.s, "SequencerPenalized");
    expect(await f.status(running)).to.equal(S.Failed);
    await f.books();
  });

  it("requeueJobsOf still hands back a leaver's jobs within their start window, without a slash", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ONE);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.registry.connect(f.op1).initiateExit(1);
    await f.s.requeueJobsOf(1, 10);
    expect(await f.status(id)).to.equal(S.Queued);
    await f.s.connect(f.op2).scheduleNext(2); // another operator takes it
    expect(await f.status(id)).to.equal(S.Scheduled);
    expect(await f.s.getSequencerLoad(1)).to.equal(0n);
    await f.books();
  });

  it("a requester cannot requeue a delivered result once its executor left the set, and cancel it for a refund", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ONE);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(id);
    await f.s.connect(f.op1).submitResult(id, H("result"), 1); // delivered well within the start window
    await f.registry.connect(f.op1).initiateExit(1); // the executor leaves (or is suspended)
    // The attack: requeue the delivered job, then cancel it as if it had never run.
    await f.s.connect(f.alice).requeueJobsOf(1, 10);
    expect(await f.status(id)).to.equal(S.ResultSubmitted);
    await expect(f.s.connect(f.alice).cancelJob(id)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus");
    // The result is settled where it is: the executor is paid after the dispute window.
    const { settleBy } = await f.schedulerLens.getSettlement(id);
    await time.increaseTo(settleBy + 1n);
    await f.s.connect(f.bob).completeJob(id);
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(ONE - ONE / 100n);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(0n);
    await f.books();
  });

  it("a disputed result is not requeued either: the bond stays with its dispute and is settled once", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    await f.s.setDisputeTerms(ethers.parseEther("0.1"), 3600);
    const id = await f.submit(f.alice, ONE);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(id);
    await f.s.connect(f.op1).submitResult(id, H("result"), 1);
    await f.s.connect(f.alice).disputeResult(id, { value: ethers.parseEther("0.1") });
    await f.registry.connect(f.op1).initiateExit(1);
    await f.s.requeueJobsOf(1, 10);
    expect(await f.status(id)).to.equal(S.Disputed);
    await expect(f.s.connect(f.arbiter).resolveDispute(id, 0)).to.emit(f.s, "DisputeResolved");
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(ONE + ethers.parseEther("0.1"));
    const { escrow } = await f.books();
    expect(escrow).to.equal(0n);
  });

  it("a roomy sequencer that left the set holding a long running job cannot halt rebalancing for everyone", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    await f.s.connect(f.op1).updateCapabilities(1, capabilities(1, 200n * TFLOPS, 128n * GB)); // the roomiest
    const own = await f.submit(f.op1, 1n, 10n * TFLOPS, 30 * 86400); // its own job, a month to run
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(own);
    await time.increase(3601); // past the start window: the running job stays with it from now on
    await f.registry.connect(f.op1).initiateExit(1);
    await f.s.requeueJobsOf(1, 10);
    expect(await f.status(own)).to.equal(S.Running);
    // Offers pile up on sequencer 2; sequencer 3 is idle.
    for (let i = 0; i < 3; i++) await f.s.connect(f.service).scheduleJob(await f.submit(f.alice, ONE, 30n * TFLOPS), 2);
    expect(await f.s.getSequencerLoad(2)).to.equal(9_000n);
    // The departed sequencer is passed over (out of the index until its next update), not a stop.
    await expect(f.s.connect(f.carol).rebalanceWorkload()).to.emit(f.s, "JobMigrated");
    expect(await f.s.getSequencerLoad(3)).to.be.greaterThan(0n);
    expect(await f.status(own)).to.equal(S.Running);
    await f.books();
  });

  it("a competitor's rebalance during a brief absence keeps a returning sequencer out of matching until it re-advertises", async () => {
    // The documented limit (docs/SECURITY.md): the scheduler is not told when a sequencer returns to the Active set.
    const f = await loadFixture(schedulerMarketFixture);
    await f.s.connect(f.op1).updateCapabilities(1, capabilities(1, 200n * TFLOPS, 128n * GB)); // the only one that fits
    const now = await time.latest();
    const big = computeJob(150n * TFLOPS, GB, now + 86400, 0);
    expect(await f.s.getOptimalSequencer(big)).to.equal(1n);
    await f.registry.connect(f.governanceSigner).suspendSequencer(1);
    for (let i = 0; i < 2; i++) await f.s.connect(f.service).scheduleJob(await f.submit(f.alice, ONE, 30n * TFLOPS), 2);
    await f.s.connect(f.carol).rebalanceWorkload(); // drops sequencer 1, not Active, from the index
    await f.registry.connect(f.governanceSigner).reinstateSequencer(1);
    expect(await f.registry.isActiveSequencer(f.op1.address)).to.equal(true);
    expect(await f.s.getOptimalSequencer(big)).to.equal(0n); // back in the set, not yet in the index
    await f.s.connect(f.op1).updateCapabilities(1, capabilities(1, 200n * TFLOPS, 128n * GB)); // the recovery
    expect(await f.s.getOptimalSequencer(big)).to.equal(1n);
    await f.books();
  });

  // ───────────────────────── scheduleNext: a blind duty swapped under the operator ─────────────────────────

  it("a requester cannot slip an unmeetable job under an operator's scheduleNext to get it slashed", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    await f.s.setSchedulingPolicy({ policyType: PRIORITY, policyParams: "0x" });
    const honest = await f.submit(f.alice, ONE); // what op2 sees at the head when it sends scheduleNext
    // The attacker's job lands first: a higher priority puts it at the head, its deadline is one block away.
    const t = (await time.latest()) + 10;
    await time.setNextBlockTimestamp(t);
    const trap = computeJob(10n * TFLOPS, GB, t + 3, 9);
    const trapId = await f.s.connect(f.bob).submitComputeJob.staticCall(trap, { value: 1n });
    await f.s.connect(f.bob).submitComputeJob(trap, { value: 1n });
    await time.setNextBlockTimestamp(t + 2);
    // A blind take must leave its taker a full start window: this one would be a duty it can only miss.
    await expect(f.s.connect(f.op2).scheduleNext(2))
      .to.be.revertedWithCustomError(f.s, "SchedulerBlindDutyTooShort")
      .withArgs(trapId, t + 3);
    expect(await f.status(trapId)).to.equal(S.Queued);
    // The explicit path is unchanged: the operator takes what it checked, or nothing.
    await expect(f.s.connect(f.op2).scheduleJob(honest, 2)).to.be.revertedWithCustomError(f.s, "SchedulerNotQueueHead");
    await time.increaseTo(t + 4);
    await expect(f.s.timeoutJob(trapId)).to.not.emit(f.s, "SequencerPenalized");
    await f.s.connect(f.op2).scheduleNext(2); // the honest job, a full window ahead: a duty
    expect(await f.status(honest)).to.equal(S.Scheduled);
    await f.books();
  });

  it("the scheduling service may still offer a job with a short deadline (an offer binds nobody)", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const t = (await time.latest()) + 10;
    await time.setNextBlockTimestamp(t);
    const job = computeJob(10n * TFLOPS, GB, t + 60, 0);
    const id = await f.s.connect(f.bob).submitComputeJob.staticCall(job, { value: 1n });
    await f.s.connect(f.bob).submitComputeJob(job, { value: 1n });
    await f.s.connect(f.service).scheduleNext(2);
    expect(await f.status(id)).to.equal(S.Offered);
    await time.increaseTo(t + 61);
    await expect(f.s.timeoutJob(id)).to.not.emit(f.s, "SequencerPenalized");
  });

  // ─────────────────────────── insurance fee and compute premium (safe) ───────────────────────────

  it("premium, insurance fee and refunds add up: nobody is paid twice and the fund gets exactly its share", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    await f.s.setComputePremium(100); // 1%
    const paid = ethers.parseEther("1.01");
    const id = await f.submit(f.alice, paid);
    const payment = (await f.schedulerLens.getJob(id)).job.payment;
    expect(payment).to.equal(ONE); // the premium is on top: 1 ETH + 1% = 1.01 ETH
    // A third party's boost pays the premium too; then the requester cancels: the booster is refunded its boost
    // less the premium, the requester its own payment; neither premium comes back.
    await f.s.connect(f.bob).boostPriority(id, 1, { value: paid });
    await f.s.connect(f.alice).cancelJob(id);
    await f.s.settleBoost(id, f.bob.address);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(ONE);
    expect(await f.schedulerLens.balanceOf(f.bob.address)).to.equal(ONE);
    const registry = await f.registry.getAddress();
    expect(await f.schedulerLens.balanceOf(registry)).to.equal(paid * 2n - ONE * 2n);
    await expect(f.s.settleBoost(id, f.bob.address)).to.be.revertedWithCustomError(f.s, "SchedulerNoBoostToRefund");
    await f.books();
  });

  // ─────────────────────────────── training: reassignment records ───────────────────────────────

  it("a coordinator cannot close a replacement cycle that makes the cluster's shards unreadable", async () => {
    const f = await trainingFixture();
    const t = f.training;
    const clusterId = await t.createTrainingCluster.staticCall([1, 2, 3], H("model"));
    await t.createTrainingCluster([1, 2, 3], H("model"));
    const shard = { shardId: H("s1"), sequencerId: 1, dataHash: H("d1"), numSamples: 10, startIndex: 0, endIndex: 10 };
    await t.assignDataShard(clusterId, 1, shard);
    // 1 fails and 4 takes its place (and its shard); then 4 fails and 1 is brought back in its place.
    await t.reportFailure(clusterId, 1);
    await t.reassignWork(clusterId, 1, 4);
    expect((await t.getShard(shard.shardId)).shard.sequencerId).to.equal(4n);
    await t.reportFailure(clusterId, 4);
    // 4 → 1 while 1 → 4 is on record: every shard of either would resolve forever (the nodes' reads run out of gas).
    await expect(t.reassignWork(clusterId, 4, 1))
      .to.be.revertedWithCustomError(t, "TrainingReplacedBefore")
      .withArgs(clusterId, 1n);
    expect((await t.getCluster(clusterId)).sequencerIds).to.deep.equal([4n, 2n, 3n]);
    expect((await t.getShard(shard.shardId)).shard.sequencerId).to.equal(4n);
    // Another replacement is fine, and the shard follows it.
    await t.reassignWork(clusterId, 4, 5);
    expect((await t.getShard(shard.shardId)).shard.sequencerId).to.equal(5n);
  });
});
