import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { suiteParams } from "../deploy";
import { deployRegistryFixture } from "./helpers/fixtures";
import { schedulerFixture, schedulerMarketFixture, capabilities, computeJob, TFLOPS as T, GB, JOB_STATUS } from "./helpers/scheduler";

const E = (n: string | number) => ethers.parseEther(String(n));
const EDF = 5;
const coder = ethers.AbiCoder.defaultAbiCoder();
const width = (seconds: number | bigint) => coder.encode(["uint256"], [seconds]);

/** Issue 18: 1% of every revenue stream to the insurance fund, the compute premium, and the EDF queue. */
describe("AIScheduler revenue streams, compute premium and EDF", () => {
  /** The compute market with insuranceFeeBps = 100 (the suite's default: 1%). */
  async function market() {
    const f = await schedulerMarketFixture();
    const registryAddress = await f.registry.getAddress();
    const due = () => f.schedulerLens.balanceOf(registryAddress);
    /** Runs a job to ResultSubmitted on sequencer 1 (operator op1). */
    const run = async (id: string) => {
      await f.s.connect(f.op1).scheduleJob(id, 1);
      await f.s.connect(f.op1).startJob(id);
      await f.s.connect(f.op1).submitResult(id, ethers.id("result"), 1);
    };
    return { ...f, registryAddress, due, run };
  }

  describe("insurance fee (insuranceFeeBps = 100)", () => {
    it("the insurance fund receives exactly 1% of a compute payment, forwarded by anyone", async () => {
      const f = await loadFixture(market);
      expect((await f.registry.getParameters()).insuranceFeeBps).to.equal(100n);
      const id = await f.submit(f.alice, E(1));
      await f.run(id);
      await f.s.connect(f.alice).completeJob(id);
      expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(E("0.99"));
      expect(await f.due()).to.equal(E("0.01"));
      await f.books();
      const fundBefore = await f.registry.insuranceFund();
      // Anyone forwards; the value can only go to the registry's fund.
      await expect(f.s.connect(f.carol).forwardInsurance())
        .to.emit(f.registry, "InsuranceFunded")
        .withArgs(await f.s.getAddress(), E("0.01"));
      expect((await f.registry.insuranceFund()) - fundBefore).to.equal(E("0.01"));
      expect(await f.due()).to.equal(0n);
      await expect(f.s.forwardInsurance()).to.be.revertedWithCustomError(f.s, "SchedulerNothingToWithdraw").withArgs(f.registryAddress);
      await expect(f.s.connect(f.op1).withdraw()).to.changeEtherBalance(f.op1, E("0.99"));
      await f.books();
    });

    it("rounds the fee down like the registry's own (199 wei pays 1, 99 wei pays 0)", async () => {
      const f = await loadFixture(market);
      const a = await f.submit(f.alice, 199n);
      await f.run(a);
      await f.s.connect(f.alice).completeJob(a);
      expect(await f.due()).to.equal(1n);
      expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(198n);
      const b = await f.submit(f.alice, 99n);
      await f.run(b);
      await f.s.connect(f.alice).completeJob(b);
      expect(await f.due()).to.equal(1n); // unchanged: 99 × 1% rounds to 0
      expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(198n + 99n);
      await f.books();
    });

    it("takes the fee once on a payment with boosts (the requester's and a third party's)", async () => {
      const f = await loadFixture(market);
      const id = await f.submit(f.alice, 1000n);
      await f.s.connect(f.alice).boostPriority(id, 1, { value: 300n });
      await f.s.connect(f.bob).boostPriority(id, 1, { value: 200n });
      await f.run(id);
      await time.increase(3601);
      await f.s.connect(f.carol).completeJob(id); // undisputed, after the window
      expect(await f.due()).to.equal(15n); // 1% of 1,500, once
      expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(1485n);
      // The third-party boost was paid out with the job: nothing left to settle, nothing taken twice.
      await expect(f.s.settleBoost(id, f.bob.address)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus");
      await f.books();
    });

    it("a dispute: 1% of the executor's share of the payment and of each boost; bond and refunds untaxed", async () => {
      const f = await loadFixture(market);
      await f.s.connect(f.governanceSigner).setDisputeTerms(1000n, 3600);
      const id = await f.submit(f.alice, 1000n);
      await f.s.connect(f.bob).boostPriority(id, 1, { value: 1000n });
      await f.run(id);
      await f.s.connect(f.alice).disputeResult(id, { value: 1000n });
      await f.s.connect(f.arbiter).resolveDispute(id, 5000); // half to the executor
      // Own payment 1,000 → 500 earned (fee 5); bond 1,000 → 500 to the executor, untaxed.
      expect(await f.due()).to.equal(5n);
      expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(495n + 500n);
      expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(500n + 500n); // exact refund share
      await f.s.settleBoost(id, f.bob.address);
      expect(await f.schedulerLens.balanceOf(f.bob.address)).to.equal(500n); // exact refund
      expect(await f.due()).to.equal(10n); // + 1% of the boost's 500 earned
      expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(995n + 495n);
      await f.books();
    });

    it("takes nothing on refunds: cancel, expiry and a third-party boost's return", async () => {
      const f = await loadFixture(market);
      const id = await f.submit(f.alice, 1000n);
      await f.s.connect(f.bob).boostPriority(id, 1, { value: 300n });
      await f.s.connect(f.alice).cancelJob(id);
      await f.s.settleBoost(id, f.bob.address);
      expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(1000n);
      expect(await f.schedulerLens.balanceOf(f.bob.address)).to.equal(300n);
      const late = await f.submit(f.alice, 700n);
      await time.increase(3601);
      await f.s.timeoutJob(late);
      expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(1700n);
      expect(await f.due()).to.equal(0n);
      await f.books();
    });

    it("reads the registry's governed rate (one home): 2.5% and 0% registries", async () => {
      for (const bps of [250n, 0n]) {
        const f = await schedulerFixture(suiteParams({ registry: { parameters: { insuranceFeeBps: bps } } }));
        const s = f.scheduler;
        await s.registerCapabilities(1, capabilities(1, 100n * T, 128n * GB));
        const now = (await ethers.provider.getBlock("latest"))!.timestamp;
        const requester = f.accounts[10];
        await s.connect(requester).submitComputeJob(computeJob(T, GB, now + 7200), { value: 10_000n });
        await s.connect(f.accounts[0]).scheduleNext(1);
        await s.connect(f.accounts[0]).startJob(ethers.toBeHex(1, 32));
        await s.connect(f.accounts[0]).submitResult(ethers.toBeHex(1, 32), ethers.ZeroHash, 0);
        await s.connect(requester).completeJob(ethers.toBeHex(1, 32));
        const fee = (10_000n * bps) / 10_000n;
        expect(await f.schedulerLens.balanceOf(await f.registry.getAddress())).to.equal(fee);
        expect(await f.schedulerLens.balanceOf(f.accounts[0].address)).to.equal(10_000n - fee);
      }
    });
  });

  describe("insurance fee on forced-inclusion fees (PerformanceMonitor)", () => {
    async function monitored() {
      const f = await deployRegistryFixture();
      for (let i = 0; i < 6; i++) {
        await f.registry.connect(f.accounts[i]).registerSequencer(`enode://m${i}`, "0x02", "0x", { value: E(1000) });
      }
      return f;
    }

    it("the insurance fund receives exactly 1% of an inclusion fee paid to the includer; a refund is whole", async () => {
      const f = await loadFixture(monitored);
      const registryAddress = await f.registry.getAddress();
      const user = f.accounts[16];
      const fee = E("0.0123") + 99n; // rounding: 1% of the odd wei is dropped
      await f.monitor.connect(user).forceInclusion(ethers.id("tx"), { value: fee });
      await f.monitor.connect(f.accounts[0]).markIncluded(1);
      const cut = fee / 100n;
      expect(await f.monitor.balanceOf(registryAddress)).to.equal(cut);
      expect(await f.monitor.balanceOf(f.accounts[0].address)).to.equal(fee - cut);
      const fundBefore = await f.registry.insuranceFund();
      await expect(f.monitor.connect(user).forwardInsurance()).to.emit(f.registry, "InsuranceFunded");
      expect((await f.registry.insuranceFund()) - fundBefore).to.equal(cut);
      await expect(f.monitor.forwardInsurance())
        .to.be.revertedWithCustomError(f.monitor, "MonitorNothingToWithdraw")
        .withArgs(registryAddress);
      expect(await ethers.provider.getBalance(await f.monitor.getAddress())).to.equal(await f.monitor.totalOwed());

      // A missed inclusion refunds the requester in full: no fee on a refund.
      await f.monitor.connect(user).forceInclusion(ethers.id("tx2"), { value: fee });
      await time.increase(3601);
      await f.monitor.proveMissedInclusion(2);
      expect(await f.monitor.balanceOf(user.address)).to.equal(fee);
      expect(await f.monitor.balanceOf(registryAddress)).to.equal(0n);
      expect(await ethers.provider.getBalance(await f.monitor.getAddress())).to.equal(await f.monitor.totalOwed());
    });
  });

  describe("compute premium", () => {
    it("is governed within bounds, with custom errors", async () => {
      const f = await loadFixture(market);
      await expect(f.s.connect(f.governanceSigner).setComputePremium(1001))
        .to.be.revertedWithCustomError(f.s, "SchedulerPremiumOutOfBounds")
        .withArgs(1001n, 1000n);
      await expect(f.s.connect(f.alice).setComputePremium(100)).to.be.revertedWithCustomError(f.s, "AccessControlUnauthorizedAccount");
      expect(await f.s.computePremiumBps()).to.equal(0n);
      await expect(f.s.connect(f.governanceSigner).setComputePremium(1000)).to.emit(f.s, "ComputePremiumUpdated").withArgs(1000n);
    });

    it("the requester pays it on top at submission, to the insurance fund; not refunded on cancel", async () => {
      const f = await loadFixture(market);
      await f.s.connect(f.governanceSigner).setComputePremium(500); // 5%
      const id = await f.s.connect(f.alice).submitComputeJob.staticCall(computeJob(T, GB, 4_000_000_000), { value: 1050n });
      const now = (await ethers.provider.getBlock("latest"))!.timestamp;
      await expect(f.s.connect(f.alice).submitComputeJob(computeJob(T, GB, now + 7200), { value: 1050n }))
        .to.emit(f.s, "JobSubmitted")
        .withArgs(id, f.alice.address, 1000n, 0n);
      expect((await f.schedulerLens.getJob(id)).job.payment).to.equal(1000n);
      expect(await f.due()).to.equal(50n);
      await f.s.connect(f.alice).cancelJob(id);
      expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(1000n);
      await f.books();
    });

    it("a boost pays the premium too (no bypass by submitting 1 wei and boosting); its refund is what was escrowed", async () => {
      const f = await loadFixture(market);
      await f.s.connect(f.governanceSigner).setComputePremium(1000); // 10%
      const id = await f.submit(f.alice, 1n); // premium rounds to 0
      expect(await f.due()).to.equal(0n);
      await expect(f.s.connect(f.alice).boostPriority(id, 1, { value: 11_000n }))
        .to.emit(f.s, "PriorityBoosted")
        .withArgs(id, 1n, 10_000n);
      await expect(f.s.connect(f.bob).boostPriority(id, 1, { value: 2_200n }))
        .to.emit(f.s, "BoostRecorded")
        .withArgs(id, f.bob.address, 2_000n);
      expect(await f.due()).to.equal(1_000n + 200n);
      expect((await f.schedulerLens.getJob(id)).job.payment).to.equal(12_001n);
      await f.s.connect(f.alice).cancelJob(id);
      await f.s.settleBoost(id, f.bob.address);
      expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(10_001n);
      expect(await f.schedulerLens.balanceOf(f.bob.address)).to.equal(2_000n);
      await f.books();
    });

    it("never charges above its rate and splits msg.value exactly (random values and rates)", async () => {
      const f = await loadFixture(market);
      await fc.assert(
        fc.asyncProperty(fc.bigInt({ min: 1n, max: 10n ** 21n }), fc.integer({ min: 0, max: 1000 }), async (value, bps) => {
          await f.s.connect(f.governanceSigner).setComputePremium(bps);
          const before = await f.due();
          const id = await f.submit(f.alice, value);
          const payment = (await f.schedulerLens.getJob(id)).job.payment;
          const premium = (await f.due()) - before;
          expect(payment + premium).to.equal(value);
          expect(premium * 10_000n).to.be.at.most(payment * BigInt(bps)); // ≤ payment × bps / 10,000
          expect(payment).to.be.greaterThan(0n);
          // Within one wei of the exact rate.
          expect((payment * BigInt(bps)) / 10_000n - premium).to.be.at.most(1n);
        }),
        { numRuns: 12 },
      );
      await f.books();
    });

    it("the premium plus the 1% fee: the executor's payout is the escrowed payment less 1%", async () => {
      const f = await loadFixture(market);
      await f.s.connect(f.governanceSigner).setComputePremium(1000);
      const id = await f.submit(f.alice, 11_000n); // payment 10,000, premium 1,000
      await f.run(id);
      await f.s.connect(f.alice).completeJob(id);
      expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(9_900n);
      expect(await f.due()).to.equal(1_000n + 100n);
      await f.s.forwardInsurance();
      await f.books();
    });
  });

  describe("EDF policy (earliest deadline first)", () => {
    const G = 60;

    async function edf() {
      const f = await market();
      await f.s.connect(f.governanceSigner).setSchedulingPolicy({ policyType: EDF, policyParams: width(G) });
      const submitAt = async (deadline: number, who = f.alice) => {
        const job = computeJob(T, GB, deadline);
        const id = await f.s.connect(who).submitComputeJob.staticCall(job, { value: 1000n });
        await f.s.connect(who).submitComputeJob(job, { value: 1000n });
        return id;
      };
      /**
       * Serves the queue head by head (the operator takes exactly the head, by name: a blind scheduleNext refuses a
       * deadline less than a start window away), returning the order.
       */
      const serve = async () => {
        const order: string[] = [];
        for (let head = await f.schedulerLens.nextQueuedJob(); head !== ethers.ZeroHash; head = await f.schedulerLens.nextQueuedJob()) {
          await expect(f.s.connect(f.op1).scheduleJob(head, 1)).to.emit(f.s, "JobScheduled").withArgs(head, 1n);
          order.push(head);
        }
        return order;
      };
      return { ...f, submitAt, serve };
    }

    it("bounds its bucket width (policyParams) with a custom error, and the start window under it", async () => {
      const f = await loadFixture(market);
      const gov = f.s.connect(f.governanceSigner);
      const min = Math.ceil(3600 / 255); // start window 3,600 s
      for (const params of ["0x", width(min - 1), width(86_401)]) {
        const w = params === "0x" ? 0n : BigInt(coder.decode(["uint256"], params)[0]);
        await expect(gov.setSchedulingPolicy({ policyType: EDF, policyParams: params }))
          .to.be.revertedWithCustomError(f.s, "SchedulerEdfWidthOutOfBounds")
          .withArgs(w, BigInt(min), 86_400n);
      }
      await gov.setSchedulingPolicy({ policyType: EDF, policyParams: width(min) });
      expect(await f.schedulerLens.schedulingPolicy()).to.equal(BigInt(EDF));
      expect(await f.schedulerLens.edfWidth()).to.equal(BigInt(min));
      // The ring must keep covering the start window: a longer window is refused under EDF.
      await expect(gov.setTiming(255 * min + 1, 3600, 0)).to.be.revertedWithCustomError(f.s, "SchedulerParameterOutOfBounds");
      await gov.setTiming(255 * min, 3600, 0);
      // Other policies report no width.
      await gov.setSchedulingPolicy({ policyType: 0, policyParams: "0x" });
      expect(await f.schedulerLens.edfWidth()).to.equal(0n);
    });

    it("serves random deadlines in EDF order (reference model), never a later bucket before an earlier one", async () => {
      const f = await loadFixture(edf);
      let snap = await ethers.provider.send("evm_snapshot", []);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 120, max: 190 * G }), { minLength: 1, maxLength: 10 }),
          fc.integer({ min: 0, max: 255 }),
          async (offsets, phase) => {
            await ethers.provider.send("evm_revert", [snap]);
            snap = await ethers.provider.send("evm_snapshot", []);
            // Start at a chosen phase of the ring, so runs cross the wrap from bucket 255 to 0.
            const now = (await ethers.provider.getBlock("latest"))!.timestamp;
            const base = (Math.floor(now / (256 * G)) + 1) * 256 * G + phase * G;
            await time.increaseTo(base);
            const jobs: { id: string; deadline: number; seq: number }[] = [];
            for (const [seq, offset] of offsets.entries()) {
              const deadline = base + 3600 + offset; // beyond the start window: every job stays servable
              jobs.push({ id: await f.submitAt(deadline), deadline, seq });
            }
            // Reference: by ⌊deadline / G⌋ (all within the horizon), then submission order.
            const expected = [...jobs]
              .sort((a, b) => Math.floor(a.deadline / G) - Math.floor(b.deadline / G) || a.seq - b.seq)
              .map((j) => j.id);
            const order = await f.serve();
            expect(order).to.deep.equal(expected);
            const served = order.map((id) => jobs.find((j) => j.id === id)!.deadline);
            for (let i = 1; i < served.length; i++) {
              expect(Math.floor(served[i] / G)).to.be.at.least(Math.floor(served[i - 1] / G));
            }
          },
        ),
        { numRuns: 10 },
      );
    });

    it("an operator may take only the EDF head; a declined job keeps its place before later deadlines", async () => {
      const f = await loadFixture(edf);
      const now = (await ethers.provider.getBlock("latest"))!.timestamp;
      const late = await f.submitAt(now + 10_000);
      const early = await f.submitAt(now + 4_000);
      const middle = await f.submitAt(now + 7_000);
      expect(await f.schedulerLens.nextQueuedJob()).to.equal(early);
      await expect(f.s.connect(f.op1).scheduleJob(late, 1))
        .to.be.revertedWithCustomError(f.s, "SchedulerNotQueueHead")
        .withArgs(late, early);
      // The service offers the early job; the operator declines: it is the head again.
      await f.s.connect(f.service).scheduleJob(early, 2);
      expect(await f.schedulerLens.nextQueuedJob()).to.equal(middle);
      await f.s.connect(f.op2).declineJob(early);
      expect(await f.serve()).to.deep.equal([early, middle, late]);
    });

    it("clamps a deadline beyond the ring's horizon to its last bucket: served after every job within it", async () => {
      const f = await loadFixture(edf);
      const now = (await ethers.provider.getBlock("latest"))!.timestamp;
      const far = await f.submitAt(now + 400 * G); // beyond 255 × G
      const near = await f.submitAt(now + 200 * G);
      const edge = await f.submitAt(now + 250 * G);
      expect(await f.serve()).to.deep.equal([near, edge, far]);
    });

    it("a job past its deadline wraps behind the live ones and never runs: anyone times it out", async () => {
      const f = await loadFixture(edf);
      const now = (await ethers.provider.getBlock("latest"))!.timestamp;
      const soon = await f.submitAt(now + 600);
      await time.increase(700); // past its deadline
      const later = await f.submitAt(now + 9_000);
      // The dead job's bucket is behind now's: the ring puts it last, after every live job.
      expect(await f.schedulerLens.nextQueuedJob()).to.equal(later);
      await expect(f.s.connect(f.op1).scheduleNext(1)).to.emit(f.s, "JobScheduled").withArgs(later, 1n);
      expect(await f.schedulerLens.nextQueuedJob()).to.equal(soon);
      await expect(f.s.connect(f.op1).scheduleJob(soon, 1)).to.be.revertedWithCustomError(f.s, "SchedulerDeadlinePassed");
      await f.s.connect(f.carol).timeoutJob(soon);
      expect(await f.schedulerLens.nextQueuedJob()).to.equal(ethers.ZeroHash);
      expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(1000n); // refunded whole
      await f.books();
    });

    it("no live job falls behind the head as time passes: a waiting job stays ahead of later deadlines", async () => {
      const f = await loadFixture(edf);
      const now = (await ethers.provider.getBlock("latest"))!.timestamp;
      const first = await f.submitAt(now + 3_000);
      await time.increase(2_000); // the ring's start moves 33 buckets on
      const second = await f.submitAt(now + 2_000 + 250 * G);
      const third = await f.submitAt(now + 2_500);
      expect(await f.serve()).to.deep.equal([third, first, second]);
      expect((await f.schedulerLens.getJob(first)).job.status).to.equal(JOB_STATUS.Scheduled);
    });
  });
});
