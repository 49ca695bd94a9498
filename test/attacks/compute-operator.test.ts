import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { schedulerMarketFixture, JOB_STATUS as S, TFLOPS, GB, capabilities, computeJob, requirementsSpec } from "../helpers/scheduler";

const ONE = ethers.parseEther("1");
/** What an executor is credited for `x` of revenue: less the registry's insurance fee (1%, rounded down). */
const net = (x: bigint) => x - x / 100n;

// The attacker runs a sequencer (operator of sequencer 1) and wants money it did not earn or to get a competitor
// slashed. Victims: other operators (sequencers 2, 3) and requesters.
describe("Attacks by a compute operator (AIScheduler)", () => {
  it("an operator cannot get an honest sequencer slashed by migrating its own job onto it at the start deadline", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.op1, 1n); // its own 1-wei job
    await f.s.connect(f.op1).scheduleNext(1); // takes it: its duty
    expect(await f.status(id)).to.equal(S.Scheduled);
    const { startDeadline } = (await f.schedulerLens.getJob(id)).job;
    const victimStake = await f.stake(2);
    await time.setNextBlockTimestamp(startDeadline);
    await f.s.connect(f.op1).migrateJob(id, 2); // exactly at the deadline
    // The victim only received an offer: no duty, and it cannot be forced to accept a dead one.
    expect(await f.status(id)).to.equal(S.Offered);
    await expect(f.s.connect(f.op2).acceptJob(id)).to.be.revertedWithCustomError(f.s, "SchedulerDeadlinePassed");
    await expect(f.s.timeoutJob(id)).to.not.emit(f.s, "SequencerPenalized");
    expect(await f.status(id)).to.equal(S.Expired);
    expect(await f.stake(2)).to.equal(victimStake);
    expect(await f.schedulerLens.balanceOf(f.op2.address)).to.equal(0n);
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(1n); // its own wei back, nothing more
    expect(await f.s.getSequencerLoad(2)).to.equal(0n);
    await f.books();
  });

  it("an operator cannot hand a job on with a nearly spent start window: the acceptor gets a full window", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ONE, 10n * TFLOPS, 4 * 3600);
    await f.s.connect(f.op1).scheduleNext(1);
    const { startDeadline } = (await f.schedulerLens.getJob(id)).job;
    await time.setNextBlockTimestamp(startDeadline - 1n);
    await f.s.connect(f.op1).migrateJob(id, 2);
    await f.s.connect(f.op2).acceptJob(id); // at the old start deadline
    const accepted = (await f.schedulerLens.getJob(id)).job.startDeadline;
    expect(accepted).to.equal(startDeadline + 3600n); // acceptance time + startWindow
    const before = await f.stake(2);
    await time.increaseTo(startDeadline + 1n);
    await expect(f.s.timeoutJob(id)).to.be.revertedWithCustomError(f.s, "SchedulerDeadlineNotPassed").withArgs(id, accepted);
    await f.s.connect(f.op2).startJob(id);
    await f.s.connect(f.op2).submitResult(id, ethers.id("done"), 1);
    await f.s.connect(f.alice).completeJob(id);
    expect(await f.schedulerLens.balanceOf(f.op2.address)).to.equal(net(ONE));
    expect(await f.stake(2)).to.equal(before);
  });

  it("an operator cannot dump jobs it accepted onto others through rebalancing", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push(await f.submit(f.op1, 1n, 15n * TFLOPS));
    for (let i = 0; i < 6; i++) await f.s.connect(f.op1).scheduleNext(1); // 90% load, all accepted
    await expect(f.s.connect(f.op1).rebalanceWorkload()).to.emit(f.s, "WorkloadRebalanced").withArgs(0n);
    for (const id of ids) expect((await f.schedulerLens.getJob(id)).job.sequencerId).to.equal(1n);
    expect(await f.s.getSequencerLoad(2)).to.equal(0n);
    expect(await f.s.getSequencerLoad(3)).to.equal(0n);
  });

  it("an operator cannot get paid for a job it never ran when the requester disputes the result", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    await f.s.setDisputeTerms(ethers.parseEther("0.1"), 3 * 86400);
    const id = await f.submit(f.alice, ONE);
    await f.s.connect(f.op1).scheduleNext(1); // someone else's job, taken in queue order
    await f.s.connect(f.op1).startJob(id);
    await f.s.connect(f.op1).submitResult(id, ethers.id("garbage"), 10n ** 18n);
    await f.s.connect(f.alice).disputeResult(id, { value: ethers.parseEther("0.1") });
    await time.increase(3601); // past the acceptance window
    await expect(f.s.connect(f.op1).completeJob(id))
      .to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus")
      .withArgs(id, S.Disputed);
    await expect(f.s.connect(f.arbiter).resolveDispute(id, 0))
      .to.emit(f.s, "DisputeResolved")
      .withArgs(id, f.arbiter.address, 0n, 0n, ethers.parseEther("1.1"));
    expect(await f.status(id)).to.equal(S.Failed);
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(0n);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(ethers.parseEther("1.1"));
    expect(await f.s.getSequencerLoad(1)).to.equal(0n);
    expect((await f.books()).escrow).to.equal(0n);
  });

  it("an operator cannot cherry-pick the best-paid job past the queue policy", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const cheap = await f.submit(f.alice, 1n);
    const rich = await f.submit(f.bob, ethers.parseEther("10"));
    await expect(f.s.connect(f.op1).scheduleJob(rich, 1)).to.be.revertedWithCustomError(f.s, "SchedulerNotQueueHead").withArgs(rich, cheap);
    expect(await f.status(rich)).to.equal(S.Queued);
    expect(await f.s.getSequencerLoad(1)).to.equal(0n);
    expect(await f.s.connect(f.op1).scheduleNext.staticCall(1)).to.equal(cheap);
  });

  it("an operator cannot cherry-pick a job by preempting a decoy job of its own", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    await f.s.connect(f.governanceSigner).setSchedulingPolicy({ policyType: 1, policyParams: "0x" }); // Priority
    const decoy = await f.submit(f.op1, 1n, 10n * TFLOPS, 7200, 0);
    await f.s.connect(f.op1).scheduleNext(1);
    const head = await f.submit(f.alice, 1n, 10n * TFLOPS, 7200, 9);
    const rich = await f.submit(f.bob, ethers.parseEther("10"), 10n * TFLOPS, 7200, 5);
    await expect(f.s.connect(f.op1).preemptJob(decoy, rich))
      .to.be.revertedWithCustomError(f.s, "SchedulerNotQueueHead")
      .withArgs(rich, head);
    expect(await f.status(rich)).to.equal(S.Queued);
    expect(await f.status(decoy)).to.equal(S.Scheduled);
    await f.s.connect(f.op1).preemptJob(decoy, head); // the job the policy serves first: allowed, and accepted
    expect(await f.status(head)).to.equal(S.Scheduled);
    expect(await f.schedulerLens.nextQueuedJob()).to.equal(rich);
  });

  it("an operator cannot decide the dispute over its own result, nor can a non-arbiter", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    await f.s.grantRole(await f.s.ARBITER_ROLE(), f.op1.address); // even if governance made it an arbiter
    const id = await f.submit(f.alice, ONE);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(id);
    await f.s.connect(f.op1).submitResult(id, ethers.id("r"), 1);
    await f.s.connect(f.alice).disputeResult(id);
    await expect(f.s.connect(f.op1).resolveDispute(id, 10_000))
      .to.be.revertedWithCustomError(f.s, "SchedulerArbiterIsParty")
      .withArgs(id, f.op1.address);
    await expect(f.s.connect(f.op2).resolveDispute(id, 10_000))
      .to.be.revertedWithCustomError(f.s, "SchedulerNotArbiter")
      .withArgs(f.op2.address);
    await expect(f.s.connect(f.arbiter).resolveDispute(id, 10_001))
      .to.be.revertedWithCustomError(f.s, "SchedulerShareOutOfBounds")
      .withArgs(10_001n);
    expect(await f.status(id)).to.equal(S.Disputed);
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(0n);
  });

  it("an operator cannot cut the requester's dispute window by waiting for governance to shorten it", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ONE);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(id);
    await f.s.connect(f.op1).submitResult(id, ethers.id("r"), 1);
    const { settleBy } = await f.schedulerLens.getSettlement(id);
    await f.s.setTiming(3600, 600, 100); // a shorter window for later results
    await time.increase(601);
    await expect(f.s.connect(f.op1).completeJob(id))
      .to.be.revertedWithCustomError(f.s, "SchedulerDeadlineNotPassed")
      .withArgs(id, settleBy);
    await f.s.connect(f.alice).disputeResult(id); // still in time
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(0n);
  });

  it("an operator cannot escape the deadline slash by handing on a running job after its start deadline", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ONE, 10n * TFLOPS, 7200);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(id);
    const { startDeadline, deadline } = (await f.schedulerLens.getJob(id)).job;
    await time.increaseTo(startDeadline + 1n);
    await expect(f.s.connect(f.op1).migrateJob(id, 2)).to.be.revertedWithCustomError(f.s, "SchedulerDeadlinePassed");
    const before = await f.stake(1);
    const penalty = (before * (await f.s.deadlinePenaltyBps())) / 10_000n; // its share of the pool
    await time.increaseTo(deadline + 1n);
    await expect(f.s.timeoutJob(id)).to.emit(f.s, "SequencerPenalized").withArgs(1n, id, penalty);
    expect(await f.stake(1)).to.equal(before - penalty);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(ONE);
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(0n);
  });

  it("an operator cannot preempt or move a job on another operator's sequencer", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const low = await f.submit(f.alice, ONE, 90n * TFLOPS, 7200, 1);
    await f.s.connect(f.op2).scheduleNext(2);
    const high = await f.submit(f.op1, 1n, 90n * TFLOPS, 7200, 9);
    await expect(f.s.connect(f.op1).preemptJob(low, high))
      .to.be.revertedWithCustomError(f.s, "SchedulerNoConsent")
      .withArgs(low, f.op1.address, S.Scheduled);
    await expect(f.s.connect(f.op1).migrateJob(low, 1))
      .to.be.revertedWithCustomError(f.s, "SchedulerNoConsent")
      .withArgs(low, f.op1.address, S.Scheduled);
    expect((await f.schedulerLens.getJob(low)).job.sequencerId).to.equal(2n);
    expect(await f.status(high)).to.equal(S.Queued);
  });

  it("an operator cannot be paid twice for one job", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ONE);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(id);
    await f.s.connect(f.op1).submitResult(id, ethers.id("r"), 1);
    await time.increase(3601);
    await f.s.connect(f.op1).completeJob(id);
    for (const call of [
      () => f.s.connect(f.op1).completeJob(id),
      () => f.s.timeoutJob(id),
      () => f.s.connect(f.alice).disputeResult(id),
      () => f.s.connect(f.arbiter).resolveDispute(id, 10_000),
    ])
      await expect(call()).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus").withArgs(id, S.Completed);
    await expect(f.s.settleBoost(id, f.op1.address)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus");
    await expect(f.s.connect(f.op1).withdraw()).to.changeEtherBalance(f.op1, net(ONE));
    await expect(f.s.connect(f.op1).withdraw()).to.be.revertedWithCustomError(f.s, "SchedulerNothingToWithdraw");
    // Left: the insurance fee (1%), held for the registry until anyone forwards it.
    expect(await f.books()).to.deep.equal({ escrow: 0n, withdrawable: ONE / 100n });
    await f.s.forwardInsurance();
    expect(await f.books()).to.deep.equal({ escrow: 0n, withdrawable: 0n });
  });

  it("an operator cannot advertise a GPU to win GPU jobs, then withdraw it or hand the job on to escape the slash", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const gpu = capabilities(1, 100n * TFLOPS, 128n * GB, { gpu: true });
    await f.s.connect(f.op1).updateCapabilities(1, gpu); // the only GPU sequencer
    const job = computeJob(10n * TFLOPS, GB, (await time.latest()) + 7200, 0, requirementsSpec({ gpu: true }));
    const id = await f.s.connect(f.alice).submitComputeJob.staticCall(job, { value: ONE });
    await f.s.connect(f.alice).submitComputeJob(job, { value: ONE });
    expect(await f.s.getOptimalSequencer(job)).to.equal(1n);
    await f.s.connect(f.op1).scheduleNext(1); // its duty
    // It cannot stop advertising the GPU while it holds the job, nor dump the job on a sequencer without one.
    await expect(f.s.connect(f.op1).updateCapabilities(1, { ...gpu, hasGPU: false }))
      .to.be.revertedWithCustomError(f.s, "SchedulerCapabilityInUse")
      .withArgs(1n);
    await expect(f.s.connect(f.op1).migrateJob(id, 2)).to.be.revertedWithCustomError(f.s, "SchedulerLacksCapability").withArgs(id, 2n, 1n);
    const { startDeadline } = (await f.schedulerLens.getJob(id)).job;
    await time.increaseTo(startDeadline + 1n);
    const before = await f.stake(1);
    const penalty = (before * (await f.s.deadlinePenaltyBps())) / 10_000n;
    await expect(f.s.timeoutJob(id)).to.emit(f.s, "SequencerPenalized").withArgs(1n, id, penalty);
    expect(await f.stake(1)).to.equal(before - penalty);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(ONE);
  });
});
