import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { schedulerFixture, capabilities, computeJob, TFLOPS, GB } from "./helpers/scheduler";

const STATUS = { Queued: 1n, Scheduled: 2n, Running: 3n, Offered: 9n };

/** Every refusal of the scheduler that the main suite does not reach, and the less travelled branches. */
describe("AIScheduler: edge cases", () => {
  async function ready() {
    const f = await schedulerFixture();
    const s = f.scheduler;
    await s.registerCapabilities(1, capabilities(1, 100n * TFLOPS, 100n * GB));
    await s.registerCapabilities(2, capabilities(2, 100n * TFLOPS, 100n * GB));
    const submit = async (flops = 10n * TFLOPS, memory = GB, deadline?: number, priority = 0, from = f.accounts[5]) => {
      const d = deadline ?? (await time.latest()) + 7200;
      const job = computeJob(flops, memory, d, priority);
      const id = await s.connect(from).submitComputeJob.staticCall(job, { value: 1000n });
      await s.connect(from).submitComputeJob(job, { value: 1000n });
      return id;
    };
    return { ...f, s, submit };
  }

  it("refuses capability updates for unregistered sequencers, and malformed capabilities", async () => {
    const f = await loadFixture(ready);
    await expect(f.s.updateCapabilities(3, capabilities(3, TFLOPS, GB)))
      .to.be.revertedWithCustomError(f.s, "SchedulerCapabilitiesNotRegistered")
      .withArgs(3n);
    await expect(f.s.registerCapabilities(3, capabilities(3, 0n, GB))).to.be.revertedWithCustomError(f.s, "SchedulerZeroRequirements");
    await expect(f.s.registerCapabilities(3, capabilities(3, 10n ** 8n, GB))).to.be.revertedWithCustomError(
      f.s,
      "SchedulerZeroRequirements",
    ); // < 1 GFLOPS
    await expect(f.s.registerCapabilities(3, capabilities(3, TFLOPS, 1000n))).to.be.revertedWithCustomError(
      f.s,
      "SchedulerZeroRequirements",
    ); // < 1 MiB
    await expect(f.s.registerCapabilities(3, capabilities(3, 10n ** 9n * (1n << 26n), GB))).to.be.revertedWithCustomError(
      f.s,
      "SchedulerRequirementsTooLarge",
    );
    const tooMany = { ...capabilities(3, TFLOPS, GB), supportedModels: Array.from({ length: 17 }, (_, i) => `m${i}`) };
    await expect(f.s.registerCapabilities(3, tooMany)).to.be.revertedWithCustomError(f.s, "SchedulerTooManyModels").withArgs(17n, 16n);
    // An update rewrites the model list.
    await f.s.updateCapabilities(1, { ...capabilities(1, 100n * TFLOPS, 100n * GB), supportedModels: ["a", "b"] });
    expect((await f.schedulerLens.getCapabilities(1))[2]).to.deep.equal(["a", "b"]);
  });

  it("refuses jobs whose requirements or deadline do not fit the packed fields", async () => {
    const f = await loadFixture(ready);
    const d = (await time.latest()) + 3600;
    for (const job of [computeJob(2n ** 64n, GB, d), computeJob(TFLOPS, 2n ** 64n, d), computeJob(TFLOPS, GB, 2n ** 40n)]) {
      await expect(f.s.submitComputeJob(job, { value: 1n })).to.be.revertedWithCustomError(f.s, "SchedulerRequirementsTooLarge");
    }
  });

  it("schedules only queued jobs, from a non-empty queue, before the start deadline, onto registered capacity", async () => {
    const f = await loadFixture(ready);
    await expect(f.s.scheduleNext(1)).to.be.revertedWithCustomError(f.s, "SchedulerQueueEmpty");
    const a = await f.submit();
    await f.s.scheduleJob(a, 1); // by the scheduler role: an offer
    await expect(f.s.scheduleJob(a, 2)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus").withArgs(a, STATUS.Offered);
    const b = await f.submit();
    await expect(f.s.scheduleJob(b, 3)).to.be.revertedWithCustomError(f.s, "SchedulerCapabilitiesNotRegistered").withArgs(3n);
    await expect(f.s.scheduleJob(b, 1n)).to.not.be.reverted;
    const big = await f.submit(95n * TFLOPS);
    await expect(f.s.scheduleJob(big, 1)).to.be.revertedWithCustomError(f.s, "SchedulerInsufficientCapacity").withArgs(big, 1n);
    const late = await f.submit();
    await time.increase(3601); // the start window (1 h) has passed
    await expect(f.s.scheduleJob(late, 2)).to.be.revertedWithCustomError(f.s, "SchedulerDeadlinePassed");
  });

  it("starts and finishes jobs only in the right status and in time", async () => {
    const f = await loadFixture(ready);
    const op = f.accounts[0];
    const q = await f.submit();
    await expect(f.s.connect(op).startJob(q)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus").withArgs(q, STATUS.Queued);
    await f.s.scheduleJob(q, 1);
    await expect(f.s.connect(op).startJob(q)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus").withArgs(q, STATUS.Offered);
    await f.s.connect(op).acceptJob(q);
    await expect(f.s.connect(op).submitResult(q, ethers.ZeroHash, 1))
      .to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus")
      .withArgs(q, STATUS.Scheduled);
    await time.increase(3601);
    await expect(f.s.connect(op).startJob(q)).to.be.revertedWithCustomError(f.s, "SchedulerDeadlinePassed");

    const r = await f.submit(TFLOPS, GB, (await time.latest()) + 600);
    await f.s.scheduleJob(r, 1);
    await f.s.connect(op).acceptJob(r);
    await f.s.connect(op).startJob(r);
    await time.increase(601);
    await expect(f.s.connect(op).submitResult(r, ethers.ZeroHash, 1)).to.be.revertedWithCustomError(f.s, "SchedulerDeadlinePassed");
    await expect(f.s.connect(f.accounts[9]).withdraw()).to.be.revertedWithCustomError(f.s, "SchedulerNothingToWithdraw");
  });

  it("migrates only offered, scheduled or running jobs: offers by the scheduler role, accepted jobs by their holder", async () => {
    const f = await loadFixture(ready);
    const q = await f.submit();
    await expect(f.s.migrateJob(q, 2)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus").withArgs(q, STATUS.Queued);
    await f.s.scheduleJob(q, 1); // offered to 1
    await expect(f.s.migrateJob(q, 1)).to.be.revertedWithCustomError(f.s, "SchedulerSameSequencer").withArgs(q, 1n);
    await expect(f.s.connect(f.accounts[1]).migrateJob(q, 2))
      .to.be.revertedWithCustomError(f.s, "SchedulerNoConsent")
      .withArgs(q, f.accounts[1].address, STATUS.Offered);
    await f.s.migrateJob(q, 2); // the scheduler role redirects the offer
    expect((await f.schedulerLens.getJob(q))[0].status).to.equal(STATUS.Offered);
    await f.s.connect(f.accounts[1]).acceptJob(q);
    // Accepted: the scheduler role can no longer take it away; its holder can hand it on, as an offer.
    await expect(f.s.migrateJob(q, 1))
      .to.be.revertedWithCustomError(f.s, "SchedulerNoConsent")
      .withArgs(q, await f.governanceSigner.getAddress(), STATUS.Scheduled);
    await f.s.connect(f.accounts[1]).migrateJob(q, 1);
    const [job] = await f.schedulerLens.getJob(q);
    expect([job.sequencerId, job.status]).to.deep.equal([1n, STATUS.Offered]);
  });

  it("rebalancing stops when there is nothing to move, and skips sequencers that cannot take work", async () => {
    const f = await loadFixture(ready);
    await expect(f.s.rebalanceWorkload()).to.emit(f.s, "WorkloadRebalanced").withArgs(0n); // equal loads
    // Sequencer 2 leaves the set with no jobs: its slot is dropped from the load index, and nothing moves.
    const a = await f.submit(40n * TFLOPS);
    await f.s.scheduleJob(a, 1);
    await f.registry.connect(f.accounts[1]).initiateExit(2);
    await expect(f.s.rebalanceWorkload()).to.emit(f.s, "WorkloadRebalanced").withArgs(0n);
    // A running job is never moved.
    await f.s.connect(f.accounts[0]).acceptJob(a);
    await f.s.connect(f.accounts[0]).startJob(a);
    await f.s.registerCapabilities(3, capabilities(3, 100n * TFLOPS, 100n * GB));
    await expect(f.s.rebalanceWorkload()).to.emit(f.s, "WorkloadRebalanced").withArgs(0n);
    expect((await f.schedulerLens.getJob(a))[0].sequencerId).to.equal(1n);
  });

  it("rebalancing stops at a departed sequencer that still holds jobs, until they are re-queued", async () => {
    const f = await loadFixture(ready);
    const a = await f.submit(10n * TFLOPS);
    await f.s.scheduleJob(a, 2);
    const b = await f.submit(60n * TFLOPS);
    await f.s.scheduleJob(b, 1);
    await f.registry.connect(f.accounts[1]).initiateExit(2);
    await expect(f.s.rebalanceWorkload()).to.emit(f.s, "WorkloadRebalanced").withArgs(0n);
    await f.s.requeueJobsOf(2, 10);
    expect((await f.schedulerLens.getJob(a))[0].status).to.equal(STATUS.Queued);
  });

  it("rebalancing skips jobs the least loaded sequencer cannot hold", async () => {
    const f = await loadFixture(ready);
    await f.s.updateCapabilities(2, capabilities(2, 20n * TFLOPS, 2n * GB));
    const big = await f.submit(30n * TFLOPS); // more flops than sequencer 2 has
    await f.s.scheduleJob(big, 1);
    const fat = await f.submit(TFLOPS, 5n * GB); // more memory than sequencer 2 has
    await f.s.scheduleJob(fat, 1);
    await expect(f.s.rebalanceWorkload()).to.emit(f.s, "WorkloadRebalanced").withArgs(0n);
  });

  it("boosts only queued jobs with a payment, re-bucketing them under the priority policy", async () => {
    const f = await loadFixture(ready);
    const q = await f.submit();
    await expect(f.s.boostPriority(q, 5)).to.be.revertedWithCustomError(f.s, "SchedulerZeroPayment");
    await expect(f.s.boostPriority(q, 0, { value: 1 })).to.be.revertedWithCustomError(f.s, "SchedulerZeroPayment");
    await f.s.boostPriority(q, 5, { value: 1 }); // FIFO: priority recorded, queue position unchanged
    expect((await f.schedulerLens.getJob(q))[0].priority).to.equal(5n);
    await f.s.connect(f.accounts[5]).cancelJob(q); // the policy changes only on an empty queue
    await f.s.setSchedulingPolicy({ policyType: 1, policyParams: "0x" }); // Priority
    const low = await f.submit();
    await expect(f.s.boostPriority(low, 50, { value: 1 }))
      .to.emit(f.s, "PriorityBoosted")
      .withArgs(low, 50n, 1n);
    expect(await f.schedulerLens.nextQueuedJob()).to.equal(low);
    await f.s.scheduleJob(low, 1);
    await expect(f.s.boostPriority(low, 1, { value: 1 }))
      .to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus")
      .withArgs(low, STATUS.Offered);
  });

  it("preempts only a scheduled or running job for a queued one", async () => {
    const f = await loadFixture(ready);
    const a = await f.submit(TFLOPS, GB, undefined, 1);
    const b = await f.submit(TFLOPS, GB, undefined, 9);
    await expect(f.s.preemptJob(a, b)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus").withArgs(a, STATUS.Queued);
    await f.s.scheduleJob(a, 1);
    await f.s.scheduleJob(b, 2);
    await expect(f.s.preemptJob(a, b)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus").withArgs(b, STATUS.Offered);
  });

  it("the optimal sequencer skips departed sequencers and those without room", async () => {
    const f = await loadFixture(ready);
    const d = (await time.latest()) + 3600;
    expect(await f.s.getOptimalSequencer(computeJob(500n * TFLOPS, GB, d))).to.equal(0n); // fits nowhere (flops)
    expect(await f.s.getOptimalSequencer(computeJob(TFLOPS, 500n * GB, d))).to.equal(0n); // fits nowhere (memory)
    const a = await f.submit(50n * TFLOPS);
    await f.s.scheduleJob(a, 1);
    expect(await f.s.getOptimalSequencer(computeJob(TFLOPS, GB, d))).to.equal(2n); // the less loaded
    await f.registry.connect(f.accounts[1]).initiateExit(2);
    expect(await f.s.getOptimalSequencer(computeJob(TFLOPS, GB, d))).to.equal(1n);
  });

  it("cancelling jobs unlinks them from anywhere in a sequencer's list", async () => {
    const f = await loadFixture(ready);
    const [a, b, c] = [await f.submit(), await f.submit(), await f.submit()];
    for (const id of [a, b, c]) await f.s.scheduleJob(id, 1);
    await f.s.connect(f.accounts[5]).cancelJob(b); // middle
    await f.s.connect(f.accounts[5]).cancelJob(a); // head
    await f.s.connect(f.accounts[5]).cancelJob(c); // last
    expect(await f.s.getSequencerLoad(1)).to.equal(0n);
  });

  it("a zero deadline penalty times a job out without slashing", async () => {
    const f = await loadFixture(ready);
    await expect(f.s.setTiming(0, 3600, 0)).to.be.revertedWithCustomError(f.s, "SchedulerParameterOutOfBounds");
    await expect(f.s.setTiming(31 * 86400, 3600, 0)).to.be.revertedWithCustomError(f.s, "SchedulerParameterOutOfBounds");
    await expect(f.s.setTiming(3600, 31 * 86400, 0)).to.be.revertedWithCustomError(f.s, "SchedulerParameterOutOfBounds");
    await expect(f.s.setTiming(3600, 3600, 2n ** 128n)).to.be.revertedWithCustomError(f.s, "SchedulerParameterOutOfBounds");
    await expect(f.s.setTiming(3600, 599, 0)).to.be.revertedWithCustomError(f.s, "SchedulerParameterOutOfBounds"); // < 10 min to dispute
    await f.s.setTiming(3600, 3600, 0);
    const q = await f.submit();
    await f.s.scheduleJob(q, 1);
    await f.s.connect(f.accounts[0]).acceptJob(q);
    await time.increase(3601);
    const before = await f.lens.getPool(1);
    await expect(f.s.timeoutJob(q)).to.not.emit(f.registry, "SequencerSlashed");
    expect((await f.lens.getPool(1)).bondedStake).to.equal(before.bondedStake);
  });
});
