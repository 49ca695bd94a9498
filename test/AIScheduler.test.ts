import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { schedulerFixture, capabilities, computeJob, TFLOPS as T, GB, JOB_STATUS } from "./helpers/scheduler";

const STATUS = JOB_STATUS;
const POLICY = { FIFO: 0, Priority: 1, SJF: 2, RoundRobin: 3, Fair: 4 };

describe("AIScheduler", () => {
  async function ready() {
    const f = await schedulerFixture();
    const s = f.scheduler;
    await s.registerCapabilities(1, capabilities(1, 100n * T, 128n * GB, { gpu: true }));
    await s.registerCapabilities(2, capabilities(2, 50n * T, 64n * GB, { tee: true }));
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    const [alice, bob, carol] = [f.accounts[10], f.accounts[11], f.accounts[12]];
    const submit = async (who = alice, flops = 10n, priority = 0, pay = 1000n, deadline = now + 7200) => {
      const job = computeJob(flops * T, GB, deadline, priority);
      const id = await s.connect(who).submitComputeJob.staticCall(job, { value: pay });
      await s.connect(who).submitComputeJob(job, { value: pay });
      return id;
    };
    const accounting = async () => {
      const [escrow, withdrawable] = await f.schedulerLens.accounting();
      expect(await ethers.provider.getBalance(await s.getAddress())).to.equal(escrow + withdrawable);
      return { escrow, withdrawable };
    };
    return { ...f, s, now, alice, bob, carol, submit, accounting };
  }

  describe("queue policies", () => {
    async function drain(f: Awaited<ReturnType<typeof ready>>) {
      const order: string[] = [];
      for (let id = await f.schedulerLens.nextQueuedJob(); id !== ethers.ZeroHash; id = await f.schedulerLens.nextQueuedJob()) {
        order.push(id);
        await f.s.cancelJob.staticCall(id).catch(() => undefined);
        const job = (await f.schedulerLens.getJob(id)).job;
        const owner = [f.alice, f.bob, f.carol].find((a) => a.address === job.requester)!;
        await f.s.connect(owner).cancelJob(id);
      }
      return order;
    }

    /** A mixed queue: (requester, flops, priority) in submission order. */
    async function mixed(policy: number) {
      const f = await ready();
      await f.s.connect(f.governanceSigner).setSchedulingPolicy({ policyType: policy, policyParams: "0x" });
      const ids = [];
      ids.push(await f.submit(f.alice, 40n, 1)); // 1
      ids.push(await f.submit(f.alice, 5n, 9)); // 2
      ids.push(await f.submit(f.bob, 20n, 5)); // 3
      ids.push(await f.submit(f.alice, 1n, 2)); // 4
      ids.push(await f.submit(f.carol, 30n, 9)); // 5
      return { f, ids };
    }

    it("FIFO: submission order", async () => {
      const { f, ids } = await mixed(POLICY.FIFO);
      expect(await drain(f)).to.deep.equal(ids);
    });

    it("Priority: highest priority first, submission order within a level", async () => {
      const { f, ids } = await mixed(POLICY.Priority);
      expect(await drain(f)).to.deep.equal([ids[1], ids[4], ids[2], ids[3], ids[0]]);
    });

    it("SJF: smallest size class (log2 flops) first", async () => {
      const { f, ids } = await mixed(POLICY.SJF);
      expect(await drain(f)).to.deep.equal([ids[3], ids[1], ids[2], ids[4], ids[0]]);
    });

    it("RoundRobin: every requester's first job before anyone's second", async () => {
      const { f, ids } = await mixed(POLICY.RoundRobin);
      // Alice's 1st, Bob's 1st, Carol's 1st, Alice's 2nd, Alice's 3rd.
      expect(await drain(f)).to.deep.equal([ids[0], ids[2], ids[4], ids[1], ids[3]]);
    });

    it("Fair: requesters with less submitted work first", async () => {
      const { f, ids } = await mixed(POLICY.Fair);
      // Buckets log2(prior flops + 1): Alice 0, 40T, 45T; Bob 0; Carol 0.
      expect(await drain(f)).to.deep.equal([ids[0], ids[2], ids[4], ids[1], ids[3]]);
    });

    it("should change the policy only on an empty queue", async () => {
      const f = await loadFixture(ready);
      await f.submit();
      await expect(f.s.connect(f.governanceSigner).setSchedulingPolicy({ policyType: 1, policyParams: "0x" }))
        .to.be.revertedWithCustomError(f.s, "SchedulerQueueNotEmpty")
        .withArgs(1n);
    });
  });

  describe("lifecycle and money", () => {
    it("should pay the sequencer once on completion, never refund a paid job", async () => {
      const f = await loadFixture(ready);
      const id = await f.submit(f.alice, 80n, 0, ethers.parseEther("2"));
      await f.accounting();
      await expect(f.s.scheduleJob(id, 2)).to.be.revertedWithCustomError(f.s, "SchedulerInsufficientCapacity").withArgs(id, 2n);
      await expect(f.s.connect(f.accounts[0]).scheduleJob(id, 1)).to.emit(f.s, "JobScheduled").withArgs(id, 1n);
      expect(await f.s.getSequencerLoad(1)).to.equal(8000n);
      await expect(f.s.connect(f.accounts[1]).startJob(id)).to.be.revertedWithCustomError(f.s, "SchedulerNotJobSequencer");
      await f.s.connect(f.accounts[0]).startJob(id);
      await expect(f.s.connect(f.alice).cancelJob(id))
        .to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus")
        .withArgs(id, STATUS.Running);
      await f.s.connect(f.accounts[0]).submitResult(id, ethers.id("result"), 123);
      await expect(f.s.connect(f.bob).completeJob(id)).to.be.revertedWithCustomError(f.s, "SchedulerDeadlineNotPassed");
      await expect(f.s.connect(f.alice).completeJob(id)).to.emit(f.s, "JobCompleted").withArgs(id, 123n);
      expect(await f.s.getSequencerLoad(1)).to.equal(0n);
      // 2 ETH less the registry's insurance fee (1%), which accrues for the insurance fund.
      expect(await f.schedulerLens.balanceOf(f.accounts[0].address)).to.equal(ethers.parseEther("1.98"));
      expect(await f.schedulerLens.balanceOf(await f.registry.getAddress())).to.equal(ethers.parseEther("0.02"));
      await expect(f.s.connect(f.alice).completeJob(id))
        .to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus")
        .withArgs(id, STATUS.Completed);
      await expect(f.s.timeoutJob(id)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus");
      await expect(f.s.connect(f.alice).cancelJob(id)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus");
      await f.accounting();
      await expect(f.s.connect(f.accounts[0]).withdraw()).to.changeEtherBalance(f.accounts[0], ethers.parseEther("1.98"));
      await f.accounting();
    });

    it("should refund the payer in full on cancellation before running, releasing capacity", async () => {
      const f = await loadFixture(ready);
      const id = await f.submit(f.alice, 30n, 0, 5000n);
      await f.s.scheduleJob(id, 1);
      await expect(f.s.connect(f.bob).cancelJob(id))
        .to.be.revertedWithCustomError(f.s, "SchedulerNotRequester")
        .withArgs(id, f.bob.address);
      await expect(f.s.connect(f.alice).cancelJob(id)).to.emit(f.s, "JobRefunded").withArgs(id, f.alice.address, 5000n, STATUS.Cancelled);
      expect(await f.s.getSequencerLoad(1)).to.equal(0n);
      expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(5000n);
      await f.accounting();
    });

    it("should expire a job nobody started and fail one that overran, refunding the payer and slashing the sequencer that accepted it", async () => {
      const f = await loadFixture(ready);
      const queued = await f.submit(f.alice, 1n, 0, 100n);
      const scheduled = await f.submit(f.bob, 1n, 0, 200n);
      const running = await f.submit(f.carol, 1n, 0, 300n, f.now + 5000);
      await f.s.scheduleJob(scheduled, 1);
      await f.s.connect(f.accounts[0]).acceptJob(scheduled);
      await f.s.scheduleJob(running, 2);
      await f.s.connect(f.accounts[1]).acceptJob(running);
      await f.s.connect(f.accounts[1]).startJob(running);
      const startDeadline = (await f.schedulerLens.getJob(queued)).job.startDeadline;
      await expect(f.s.timeoutJob(queued)).to.be.revertedWithCustomError(f.s, "SchedulerDeadlineNotPassed").withArgs(queued, startDeadline);
      await time.increaseTo(startDeadline + 1n);
      await expect(f.s.timeoutJob(queued)).to.emit(f.s, "JobRefunded").withArgs(queued, f.alice.address, 100n, STATUS.Expired);
      // The accepted job got a full start window from its acceptance.
      const acceptedBy = (await f.schedulerLens.getJob(scheduled)).job.startDeadline;
      await expect(f.s.timeoutJob(scheduled))
        .to.be.revertedWithCustomError(f.s, "SchedulerDeadlineNotPassed")
        .withArgs(scheduled, acceptedBy);
      await time.increaseTo(acceptedBy + 1n);
      const pool1 = (await f.lens.getPool(1)).bondedStake;
      const penalty = (pool1 * (await f.s.deadlinePenaltyBps())) / 10_000n; // its share of the pool (nothing unbonding)
      await expect(f.s.connect(f.accounts[20]).timeoutJob(scheduled)).to.emit(f.s, "SequencerPenalized").withArgs(1n, scheduled, penalty);
      expect((await f.lens.getPool(1)).bondedStake).to.equal(pool1 - penalty);
      await expect(f.s.timeoutJob(running)).to.be.revertedWithCustomError(f.s, "SchedulerDeadlineNotPassed");
      await time.increaseTo(f.now + 5001);
      await expect(f.s.timeoutJob(running)).to.emit(f.s, "JobRefunded").withArgs(running, f.carol.address, 300n, STATUS.Failed);
      expect(await f.s.getSequencerLoad(2)).to.equal(0n);
      expect(await f.schedulerLens.balanceOf(f.bob.address)).to.equal(200n);
      await f.accounting();
    });
  });

  describe("priority", () => {
    it("should let a boost re-order the queue and a higher-priority job preempt a lower one", async () => {
      const f = await loadFixture(ready);
      await f.s.connect(f.governanceSigner).setSchedulingPolicy({ policyType: POLICY.Priority, policyParams: "0x" });
      const a = await f.submit(f.alice, 60n, 1);
      const b = await f.submit(f.bob, 60n, 2);
      expect(await f.schedulerLens.nextQueuedJob()).to.equal(b);
      await expect(f.s.connect(f.alice).boostPriority(a, 5, { value: 50n }))
        .to.emit(f.s, "PriorityBoosted")
        .withArgs(a, 6n, 50n);
      expect(await f.schedulerLens.nextQueuedJob()).to.equal(a);
      expect((await f.schedulerLens.getJob(a)).job.payment).to.equal(1050n);
      await f.s.scheduleNext(1); // a (60 TFLOPS of 100)
      await expect(f.s.scheduleJob(b, 1)).to.be.revertedWithCustomError(f.s, "SchedulerInsufficientCapacity");
      await expect(f.s.preemptJob(a, b)).to.be.revertedWithCustomError(f.s, "SchedulerPriorityNotHigher").withArgs(a, b);
      await f.s.connect(f.bob).boostPriority(b, 10, { value: 1n });
      await expect(f.s.preemptJob(a, b)).to.emit(f.s, "JobPreempted").withArgs(a, b);
      expect((await f.schedulerLens.getJob(a)).job.status).to.equal(STATUS.Queued);
      expect((await f.schedulerLens.getJob(b)).job.sequencerId).to.equal(1n);
      expect(await f.schedulerLens.nextQueuedJob()).to.equal(a); // back in the queue, at its place
      await f.accounting();
    });
  });

  describe("load", () => {
    it("should migrate scheduled work, never a finished job, and re-queue the jobs of a suspended sequencer", async () => {
      const f = await loadFixture(ready);
      const j1 = await f.submit(f.alice, 20n);
      const j2 = await f.submit(f.alice, 20n);
      await f.s.scheduleJob(j1, 1);
      await f.s.scheduleJob(j2, 1);
      await expect(f.s.migrateJob(j1, 2)).to.emit(f.s, "JobMigrated").withArgs(j1, 1n, 2n);
      expect(await f.s.getSequencerLoad(1)).to.equal(2000n);
      expect(await f.s.getSequencerLoad(2)).to.equal(4000n);
      await expect(f.s.migrateJob(j1, 2)).to.be.revertedWithCustomError(f.s, "SchedulerSameSequencer");
      await f.s.connect(f.alice).cancelJob(j2);
      await expect(f.s.migrateJob(j2, 2)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus").withArgs(j2, STATUS.Cancelled);
      await expect(f.s.requeueJobsOf(2, 10)).to.be.revertedWithCustomError(f.s, "SchedulerSequencerStillActive").withArgs(2n);
      await f.registry.connect(f.governanceSigner).suspendSequencer(2);
      await expect(f.s.scheduleJob(await f.submit(), 2))
        .to.be.revertedWithCustomError(f.s, "SchedulerSequencerNotActive")
        .withArgs(2n);
      await f.s.requeueJobsOf(2, 10);
      expect((await f.schedulerLens.getJob(j1)).job.status).to.equal(STATUS.Queued);
      expect(await f.s.getSequencerLoad(2)).to.equal(0n);
      await f.accounting();
    });

    it("should rebalance in bounded, resumable steps", async () => {
      const f = await loadFixture(ready);
      await f.s.registerCapabilities(3, capabilities(3, 100n * T, 128n * GB));
      for (let i = 0; i < 12; i++) await f.s.scheduleJob(await f.submit(f.alice, 8n), 1);
      const gap = async () => (await f.s.getSequencerLoad(1)) - (await f.s.getSequencerLoad(3));
      const before = await gap();
      await expect(f.s.rebalanceWorkload()).to.emit(f.s, "WorkloadRebalanced");
      const after1 = await gap();
      expect(after1).to.be.lt(before);
      await f.s.rebalanceWorkload();
      expect((await gap()) < 0n ? -(await gap()) : await gap()).to.be.lte(after1 < 0n ? -after1 : after1);
    });
  });

  describe("bad input", () => {
    it("should reject zero requirements, a past deadline, no payment, and someone else's capabilities", async () => {
      const f = await loadFixture(ready);
      await expect(f.s.submitComputeJob(computeJob(0n, GB, f.now + 100), { value: 1n })).to.be.revertedWithCustomError(
        f.s,
        "SchedulerZeroRequirements",
      );
      await expect(f.s.submitComputeJob(computeJob(T, 0n, f.now + 100), { value: 1n })).to.be.revertedWithCustomError(
        f.s,
        "SchedulerZeroRequirements",
      );
      await expect(f.s.submitComputeJob(computeJob(T, GB, f.now - 1), { value: 1n })).to.be.revertedWithCustomError(
        f.s,
        "SchedulerDeadlineInPast",
      );
      await expect(f.s.submitComputeJob(computeJob(T, GB, f.now + 100))).to.be.revertedWithCustomError(f.s, "SchedulerZeroPayment");
      await expect(f.s.connect(f.accounts[0]).registerCapabilities(3, capabilities(3, T, GB)))
        .to.be.revertedWithCustomError(f.s, "SchedulerNotSequencerOperator")
        .withArgs(3n, f.accounts[0].address);
      await expect(f.s.registerCapabilities(9, capabilities(9, T, GB)))
        .to.be.revertedWithCustomError(f.s, "SchedulerUnknownSequencer")
        .withArgs(9n);
      await expect(f.s.registerCapabilities(1, capabilities(1, T, GB))).to.be.revertedWithCustomError(
        f.s,
        "SchedulerCapabilitiesAlreadyRegistered",
      );
      await expect(f.s.updateCapabilities(4, capabilities(4, T, GB))).to.be.revertedWithCustomError(
        f.s,
        "SchedulerCapabilitiesNotRegistered",
      );
      await expect(f.s.connect(f.accounts[2]).updateCapabilities(3, capabilities(3, T, GB))).to.be.revertedWithCustomError(
        f.s,
        "SchedulerCapabilitiesNotRegistered",
      );
      await f.s.connect(f.accounts[2]).registerCapabilities(3, capabilities(3, T, GB)); // the operator itself
      await expect(f.s.cancelJob(ethers.ZeroHash)).to.be.revertedWithCustomError(f.s, "SchedulerUnknownJob");
      await expect(f.s.getOptimalSequencer(computeJob(1000n * T, GB, f.now + 100))).to.eventually.equal(0n);
    });
  });
});
