import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { schedulerMarketFixture, JOB_STATUS as S, TFLOPS } from "../helpers/scheduler";

const ONE = ethers.parseEther("1");
/** What an executor is credited for `x` of revenue: less the registry's insurance fee (1%, rounded down). */
const net = (x: bigint) => x - x / 100n;

// The attacker holds SCHEDULER_ROLE (the matching service) and wants to hurt an operator (slash it, strip its
// accepted work) or settle money it has no say over.
describe("Attacks by the scheduling service (AIScheduler)", () => {
  it("the scheduling service cannot make a sequencer slashable for a job it never accepted", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const ids = [await f.submit(f.alice, ONE), await f.submit(f.bob, ONE)];
    await f.s.connect(f.service).scheduleJob(ids[0], 2);
    await f.s.connect(f.service).scheduleNext(2); // the head is now ids[1]: also only an offer
    for (const id of ids) expect(await f.status(id)).to.equal(S.Offered);
    await f.s.connect(f.service).migrateJob(ids[1], 3); // redirecting an offer is its job
    await f.s.connect(f.service).rebalanceWorkload();
    const stakes = [await f.stake(2), await f.stake(3)];
    await time.increase(3601);
    for (const id of ids) await expect(f.s.timeoutJob(id)).to.not.emit(f.s, "SequencerPenalized");
    expect([await f.stake(2), await f.stake(3)]).to.deep.equal(stakes);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(ONE);
    expect(await f.schedulerLens.balanceOf(f.bob.address)).to.equal(ONE);
  });

  it("the scheduling service cannot take away work an operator accepted", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const accepted = await f.submit(f.alice, ONE, 60n * TFLOPS, 7200, 1);
    await f.s.connect(f.service).scheduleJob(accepted, 1);
    await f.s.connect(f.op1).acceptJob(accepted);
    const high = await f.submit(f.bob, ONE, 60n * TFLOPS, 7200, 9);
    await expect(f.s.connect(f.service).migrateJob(accepted, 2))
      .to.be.revertedWithCustomError(f.s, "SchedulerNoConsent")
      .withArgs(accepted, f.service.address, S.Scheduled);
    await expect(f.s.connect(f.service).preemptJob(accepted, high))
      .to.be.revertedWithCustomError(f.s, "SchedulerNoConsent")
      .withArgs(accepted, f.service.address, S.Scheduled);
    await f.s.connect(f.op1).startJob(accepted);
    await expect(f.s.connect(f.service).preemptJob(accepted, high))
      .to.be.revertedWithCustomError(f.s, "SchedulerNoConsent")
      .withArgs(accepted, f.service.address, S.Running);
    await expect(f.s.connect(f.service).rebalanceWorkload()).to.emit(f.s, "WorkloadRebalanced").withArgs(0n);
    const [job] = await f.schedulerLens.getJob(accepted);
    expect([job.sequencerId, job.status]).to.deep.equal([1n, S.Running]);
    await f.s.connect(f.op1).submitResult(accepted, ethers.id("r"), 1);
    await f.s.connect(f.alice).completeJob(accepted);
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(net(ONE));
  });

  it("the scheduling service cannot force an offer on an operator that declines it", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const first = await f.submit(f.alice, ONE, 40n * TFLOPS);
    const second = await f.submit(f.bob, ONE);
    await f.s.connect(f.service).scheduleJob(first, 2);
    expect(await f.s.getSequencerLoad(2)).to.equal(4000n);
    await expect(f.s.connect(f.op1).declineJob(first)).to.be.revertedWithCustomError(f.s, "SchedulerNotJobSequencer");
    await expect(f.s.connect(f.op2).declineJob(first)).to.emit(f.s, "JobDeclined").withArgs(first, 2n);
    expect(await f.status(first)).to.equal(S.Queued);
    expect(await f.s.getSequencerLoad(2)).to.equal(0n);
    expect(await f.schedulerLens.nextQueuedJob()).to.equal(first); // it kept its place ahead of `second`
    await expect(f.s.connect(f.op2).acceptJob(first))
      .to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus")
      .withArgs(first, S.Queued);
    expect(await f.status(second)).to.equal(S.Queued);
  });

  it("the scheduling service cannot settle results or decide disputes", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ONE);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(id);
    await f.s.connect(f.op1).submitResult(id, ethers.id("r"), 1);
    const { settleBy } = await f.schedulerLens.getSettlement(id);
    await expect(f.s.connect(f.service).completeJob(id))
      .to.be.revertedWithCustomError(f.s, "SchedulerDeadlineNotPassed")
      .withArgs(id, settleBy);
    await f.s.connect(f.alice).disputeResult(id);
    await expect(f.s.connect(f.service).resolveDispute(id, 0))
      .to.be.revertedWithCustomError(f.s, "SchedulerNotArbiter")
      .withArgs(f.service.address);
    await expect(f.s.connect(f.service).timeoutJob(id)).to.be.revertedWithCustomError(f.s, "SchedulerDeadlineNotPassed");
    expect(await f.status(id)).to.equal(S.Disputed);
    expect(await f.schedulerLens.balanceOf(f.service.address)).to.equal(0n);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(0n);
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(0n);
  });
});
