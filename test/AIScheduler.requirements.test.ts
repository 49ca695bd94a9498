import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { schedulerFixture, capabilities, computeJob, requirementsSpec, type Requirements, TFLOPS, GB } from "./helpers/scheduler";

const T = TFLOPS;
const MODEL = "llama-3-70b";
/** Capability codes of SchedulerLacksCapability. */
const LACKS = { gpu: 1n, tee: 2n, bandwidth: 3n, model: 4n };

/** The spec's "should schedule job to optimal sequencer" sequencers, with their exact capability values. */
async function specSequencers() {
  const f = await schedulerFixture();
  const s = f.scheduler;
  await s.registerCapabilities(1, {
    ...capabilities(1, 0n, 0n),
    availableFlops: ethers.parseUnits("100", 12), // 100 TFLOPS
    availableMemory: 128n * 1024n * 1024n * 1024n, // 128 GB
    hasGPU: true,
    hasTEE: false,
  });
  await s.registerCapabilities(2, {
    ...capabilities(2, 0n, 0n),
    availableFlops: ethers.parseUnits("50", 12),
    availableMemory: 64n * 1024n * 1024n * 1024n,
    hasGPU: false,
    hasTEE: true,
  });
  return { ...f, s };
}

/**
 * Sequencer 1 has everything (GPU, TEE, bandwidth 10,000, the model); sequencer 2 lacks exactly one capability
 * per case; a scheduling service (accounts 20) offers; requesters are accounts 10.
 */
async function market() {
  const f = await schedulerFixture();
  const s = f.scheduler;
  await s.registerCapabilities(1, capabilities(1, 100n * T, 128n * GB, { gpu: true, tee: true }));
  const service = f.accounts[20];
  await s.grantRole(await s.SCHEDULER_ROLE(), service.address);
  const submit = async (spec: string, flops = 10n * T) => {
    const job = computeJob(flops, GB, (await time.latest()) + 7200, 0, spec);
    const id = await s.connect(f.accounts[10]).submitComputeJob.staticCall(job, { value: 1000n });
    await s.connect(f.accounts[10]).submitComputeJob(job, { value: 1000n });
    return id;
  };
  return { ...f, s, service, submit };
}

/** For each capability: what the job requires, and sequencer 2's capabilities, lacking exactly that. */
const CASES: { name: keyof typeof LACKS; needs: Requirements; lacking: ReturnType<typeof capabilities> }[] = [
  { name: "gpu", needs: { gpu: true }, lacking: capabilities(2, 100n * T, 128n * GB, { tee: true }) },
  { name: "tee", needs: { tee: true }, lacking: capabilities(2, 100n * T, 128n * GB, { gpu: true }) },
  {
    name: "bandwidth",
    needs: { minBandwidth: 10_000n },
    lacking: { ...capabilities(2, 100n * T, 128n * GB, { gpu: true, tee: true }), networkBandwidth: 9_999n },
  },
  {
    name: "model",
    needs: { model: MODEL },
    lacking: { ...capabilities(2, 100n * T, 128n * GB, { gpu: true, tee: true }), supportedModels: ["mistral-7b"] },
  },
];

describe("AIScheduler: capability requirements", () => {
  describe("the spec's AI cases, with their exact capability values", () => {
    it("schedules the spec's job to the sequencer that meets what it requires, and never to one without it", async () => {
      const f = await loadFixture(specSequencers);
      const d = (await time.latest()) + 3600;
      const big = (r: Requirements) => computeJob(ethers.parseUnits("80", 12), 100n * GB, d, 10, requirementsSpec(r));
      const small = (r: Requirements) => computeJob(10n * T, 10n * GB, d, 10, requirementsSpec(r));
      expect(await f.s.getOptimalSequencer(big({}))).to.equal(1n);
      expect(await f.s.getOptimalSequencer(big({ gpu: true }))).to.equal(1n);
      expect(await f.s.getOptimalSequencer(big({ tee: true }))).to.equal(0n); // sequencer 2 is too small
      expect(await f.s.getOptimalSequencer(small({}))).to.equal(1n); // the roomier
      expect(await f.s.getOptimalSequencer(small({ tee: true }))).to.equal(2n); // the only TEE
      expect(await f.s.getOptimalSequencer(small({ gpu: true }))).to.equal(1n);
      expect(await f.s.getOptimalSequencer(small({ gpu: true, tee: true }))).to.equal(0n);
      expect(await f.s.getOptimalSequencer(small({ model: MODEL }))).to.equal(1n);
      expect(await f.s.getOptimalSequencer(small({ model: "gpt-j" }))).to.equal(0n);
      expect(await f.s.getOptimalSequencer(small({ minBandwidth: 10_001n }))).to.equal(0n);
      // The scheduler role cannot put the TEE job on sequencer 1 either.
      const job = small({ tee: true });
      const id = await f.s.submitComputeJob.staticCall(job, { value: 1n });
      await f.s.submitComputeJob(job, { value: 1n });
      await expect(f.s.scheduleJob(id, 1)).to.be.revertedWithCustomError(f.s, "SchedulerLacksCapability").withArgs(id, 1n, LACKS.tee);
      await f.s.scheduleJob(id, 2);
      expect(await f.s.getSequencerLoad(2)).to.equal(2000n);
    });

    it("rebalances the spec's workload only onto a sequencer that meets the jobs' requirements", async () => {
      const f = await loadFixture(schedulerFixture);
      const s = f.scheduler;
      await s.registerCapabilities(1, capabilities(1, 100n * T, 1000n << 30n, { gpu: true }));
      await s.registerCapabilities(2, capabilities(2, 100n * T, 1000n << 30n));
      const deadline = (await time.latest()) + 7200;
      for (let i = 0; i < 10; i++) {
        const job = computeJob(BigInt(5 + i) * T, 10n << 30n, deadline, 0, requirementsSpec({ gpu: true }));
        const id = await s.submitComputeJob.staticCall(job, { value: 1000n });
        await s.submitComputeJob(job, { value: 1000n });
        await s.scheduleJob(id, 1);
      }
      const before = [await s.getSequencerLoad(1), await s.getSequencerLoad(2)];
      expect(before).to.deep.equal([9500n, 0n]);
      await expect(s.rebalanceWorkload()).to.emit(s, "WorkloadRebalanced").withArgs(0n); // 2 has no GPU
      expect([await s.getSequencerLoad(1), await s.getSequencerLoad(2)]).to.deep.equal(before);
      await s.updateCapabilities(2, capabilities(2, 100n * T, 1000n << 30n, { gpu: true }));
      await s.rebalanceWorkload();
      const [l1, l2] = [await s.getSequencerLoad(1), await s.getSequencerLoad(2)];
      expect(l1 > l2 ? l1 - l2 : l2 - l1).to.be.lt(9500n);
    });
  });

  for (const c of CASES) {
    describe(`a job requiring ${c.name}`, () => {
      async function ready() {
        const f = await market();
        await f.s.registerCapabilities(2, c.lacking);
        return f;
      }

      it("is never offered or scheduled on a sequencer without it", async () => {
        const f = await loadFixture(ready);
        const id = await f.submit(requirementsSpec(c.needs));
        expect(await f.s.getOptimalSequencer(computeJob(10n * T, GB, (await time.latest()) + 7200, 0, requirementsSpec(c.needs)))).to.equal(
          1n,
        );
        const err = (p: Promise<unknown>) =>
          expect(p).to.be.revertedWithCustomError(f.s, "SchedulerLacksCapability").withArgs(id, 2n, LACKS[c.name]);
        await err(f.s.connect(f.service).scheduleJob(id, 2)); // an offer by the service
        await err(f.s.connect(f.accounts[1]).scheduleJob(id, 2)); // the operator taking the queue head
        await err(f.s.connect(f.accounts[1]).scheduleNext(2));
        await err(f.s.connect(f.service).scheduleNext(2));
        expect((await f.schedulerLens.getJob(id)).job.status).to.equal(1n); // still queued
        expect(await f.s.getSequencerLoad(2)).to.equal(0n);
        await f.s.connect(f.service).scheduleJob(id, 1);
      });

      it("is never migrated, preempted or rebalanced onto a sequencer without it", async () => {
        const f = await loadFixture(ready);
        const id = await f.submit(requirementsSpec(c.needs), 90n * T);
        await f.s.connect(f.service).scheduleJob(id, 1); // an offer: the service may redirect it
        const err = (p: Promise<unknown>, job = id) =>
          expect(p).to.be.revertedWithCustomError(f.s, "SchedulerLacksCapability").withArgs(job, 2n, LACKS[c.name]);
        await err(f.s.connect(f.service).migrateJob(id, 2));
        await err(f.s.connect(f.accounts[0]).migrateJob(id, 2)); // its holder handing it on
        // Sequencer 1 at 90%, 2 idle: rebalancing would move it, but 2 cannot run it.
        await expect(f.s.rebalanceWorkload()).to.emit(f.s, "WorkloadRebalanced").withArgs(0n);
        expect((await f.schedulerLens.getJob(id)).job.sequencerId).to.equal(1n);
        // Preemption onto 2: the requiring job would take the capacity of a plain job there.
        const plain = await f.submit("0x");
        await f.s.connect(f.service).scheduleJob(plain, 2);
        const urgent = await f.submit(requirementsSpec(c.needs));
        await f.s.connect(f.accounts[10]).boostPriority(urgent, 5, { value: 1n });
        await err(f.s.connect(f.service).preemptJob(plain, urgent), urgent);
        expect((await f.schedulerLens.getJob(plain)).job.sequencerId).to.equal(2n);
      });

      it("pins the capability on its sequencer until the job leaves it", async () => {
        const f = await loadFixture(ready);
        const id = await f.submit(requirementsSpec(c.needs));
        await f.s.connect(f.service).scheduleJob(id, 1);
        // Sequencer 1 cannot withdraw what it advertised (the service could not either) while it holds work.
        const withdrawn = { ...capabilities(1, 100n * T, 128n * GB, { gpu: true, tee: true }), ...c.lacking, sequencerId: 1 };
        await expect(f.s.connect(f.accounts[0]).updateCapabilities(1, withdrawn))
          .to.be.revertedWithCustomError(f.s, "SchedulerCapabilityInUse")
          .withArgs(1n);
        await expect(f.s.connect(f.service).updateCapabilities(1, withdrawn)).to.be.revertedWithCustomError(
          f.s,
          "SchedulerCapabilityInUse",
        );
        // Adding is fine.
        await f.s.connect(f.accounts[0]).updateCapabilities(1, {
          ...capabilities(1, 100n * T, 128n * GB, { gpu: true, tee: true }),
          networkBandwidth: 20_000n,
          supportedModels: [MODEL, "mistral-7b"],
        });
        await f.s.connect(f.accounts[10]).cancelJob(id);
        await f.s.connect(f.accounts[0]).updateCapabilities(1, withdrawn); // idle again
        expect(await f.s.getOptimalSequencer(computeJob(10n * T, GB, (await time.latest()) + 7200, 0, requirementsSpec(c.needs)))).to.equal(
          0n,
        );
      });
    });
  }

  it("refuses malformed requirements and treats untagged specs as none", async () => {
    const f = await loadFixture(market);
    const tagged = requirementsSpec({ gpu: true });
    await expect(f.submit(ethers.dataSlice(tagged, 0, 52))).to.be.revertedWithCustomError(f.s, "SchedulerMalformedRequirements");
    const badBits = ethers.concat(["0x4c50525104", ethers.dataSlice(tagged, 5)]);
    await expect(f.submit(badBits)).to.be.revertedWithCustomError(f.s, "SchedulerMalformedRequirements");
    const d = (await time.latest()) + 7200;
    await expect(f.s.getOptimalSequencer(computeJob(T, GB, d, 0, badBits))).to.be.revertedWithCustomError(
      f.s,
      "SchedulerMalformedRequirements",
    );
    // Free-form specs (without the tag) and the tag followed by a payload.
    await f.s.registerCapabilities(2, capabilities(2, 100n * T, 128n * GB));
    const free = await f.submit("0x4c5052");
    await f.s.connect(f.service).scheduleJob(free, 2);
    const withPayload = await f.submit(requirementsSpec({ gpu: true }, "0xdeadbeef"));
    await expect(f.s.connect(f.service).scheduleJob(withPayload, 2)).to.be.revertedWithCustomError(f.s, "SchedulerLacksCapability");
    expect((await f.schedulerLens.getJob(withPayload)).spec).to.equal(requirementsSpec({ gpu: true }, "0xdeadbeef"));
  });

  describe("the index against a brute-force model", () => {
    const N = 8; // sequencers 1–8 (operators accounts 0–7): positions 0–7, a two-level tree
    const MODELS = ["m0", "m1", "m2"];

    async function eight() {
      const f = await schedulerFixture();
      for (let i = 4; i < N; i++) {
        await f.registry.connect(f.accounts[i]).registerSequencer(`enode://s${i}`, "0x02", "0x", { value: ethers.parseEther("1000") });
      }
      return { ...f, s: f.scheduler };
    }

    /** The room key of ClassIndexLib.roomKey: exact below 2,048 units, then a 10-bit-mantissa float. */
    const roomKey = (u: bigint) => {
      if (u < 2048n) return u;
      const e = BigInt(u.toString(2).length - 1) - 9n;
      return (e << 10n) | ((u >> (e - 1n)) & 1023n);
    };

    const seqArb = fc.record({
      registered: fc.boolean(),
      flops: fc.integer({ min: 1, max: 40 }), // TFLOPS
      memory: fc.integer({ min: 1, max: 64 }), // GiB
      gpu: fc.boolean(),
      tee: fc.boolean(),
      bandwidth: fc.integer({ min: 0, max: 4 }),
      models: fc.subarray(MODELS),
      load: fc.integer({ min: 0, max: 3 }), // offered jobs of 3 TFLOPS, 4 GiB
      exits: fc.boolean(),
    });
    const jobArb = fc.record({
      flops: fc.integer({ min: 1, max: 30 }),
      memory: fc.integer({ min: 1, max: 40 }),
      gpu: fc.boolean(),
      tee: fc.boolean(),
      minBandwidth: fc.integer({ min: 0, max: 4 }),
      model: fc.option(fc.constantFrom(...MODELS), { nil: undefined }),
    });

    it("returns the sequencer the selection rule names, over random capabilities and loads", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(seqArb, { minLength: N, maxLength: N }),
          fc.array(jobArb, { minLength: 3, maxLength: 3 }),
          async (seqs, jobs) => {
            const f = await loadFixture(eight);
            const d = (await time.latest()) + 7200;
            const model: { id: number; free: bigint; freeMem: bigint; gpu: boolean; tee: boolean; bw: number; models: string[] }[] = [];
            for (let i = 0; i < N; i++) {
              const q = seqs[i];
              if (!q.registered) continue;
              const id = i + 1;
              await f.s.registerCapabilities(id, {
                ...capabilities(id, BigInt(q.flops) * T, BigInt(q.memory) * GB, { gpu: q.gpu, tee: q.tee }),
                networkBandwidth: BigInt(q.bandwidth),
                supportedModels: q.models,
              });
              let load = 0;
              for (let k = 0; k < q.load && (load + 1) * 3 <= q.flops && (load + 1) * 4 <= q.memory; k++, load++) {
                const job = computeJob(3n * T, 4n * GB, d);
                const jid = await f.s.submitComputeJob.staticCall(job, { value: 1n });
                await f.s.submitComputeJob(job, { value: 1n });
                await f.s.scheduleJob(jid, id); // governance holds the scheduler role: an offer
              }
              if (q.exits) await f.registry.connect(f.accounts[i]).initiateExit(id);
              else
                model.push({
                  id,
                  free: BigInt(q.flops - 3 * load) * 1000n, // units of 1 GFLOPS
                  freeMem: BigInt(q.memory - 4 * load) * 1024n, // units of 1 MiB
                  gpu: q.gpu,
                  tee: q.tee,
                  bw: q.bandwidth,
                  models: q.models,
                });
            }
            for (const j of jobs) {
              const needFlops = BigInt(j.flops) * 1000n;
              const needMem = BigInt(j.memory) * 1024n;
              const eligible = model.filter(
                (m) =>
                  m.free >= needFlops &&
                  m.freeMem >= needMem &&
                  (!j.gpu || m.gpu) &&
                  (!j.tee || m.tee) &&
                  m.bw >= j.minBandwidth &&
                  (j.model === undefined || m.models.includes(j.model)),
              );
              // The highest room key, ties to the lower id.
              eligible.sort((a, b) => (roomKey(b.free) === roomKey(a.free) ? a.id - b.id : roomKey(b.free) > roomKey(a.free) ? 1 : -1));
              const expected = eligible.length === 0 ? 0n : BigInt(eligible[0].id);
              const spec = requirementsSpec({ gpu: j.gpu, tee: j.tee, minBandwidth: BigInt(j.minBandwidth), model: j.model });
              expect(await f.s.getOptimalSequencer(computeJob(BigInt(j.flops) * T, BigInt(j.memory) * GB, d, 0, spec))).to.equal(expected);
            }
          },
        ),
        { numRuns: 25 },
      );
    });

    it("ranks free flops with the documented room key", async () => {
      // Exact below 2,048 units; above, equal keys for free flops within one mantissa step: the lower id wins.
      const f = await loadFixture(eight);
      await f.s.registerCapabilities(5, capabilities(5, 4096n * 10n ** 9n, GB)); // key 3072
      await f.s.registerCapabilities(3, capabilities(3, 4097n * 10n ** 9n, GB)); // key 3072 too (step: 4 units)
      await f.s.registerCapabilities(4, capabilities(4, 4095n * 10n ** 9n, GB)); // key 3071
      const d = (await time.latest()) + 7200;
      expect(roomKey(4096n)).to.equal(roomKey(4097n));
      expect(await f.s.getOptimalSequencer(computeJob(10n ** 9n, GB, d))).to.equal(3n);
      await f.s.registerCapabilities(2, capabilities(2, 2047n * 10n ** 9n, GB));
      await f.s.registerCapabilities(1, capabilities(1, 2046n * 10n ** 9n, GB));
      expect(await f.s.getOptimalSequencer(computeJob(4096n * 10n ** 9n, GB, d))).to.equal(3n);
      expect(await f.s.getOptimalSequencer(computeJob(4097n * 10n ** 9n, GB, d))).to.equal(3n);
      expect(await f.s.getOptimalSequencer(computeJob(4098n * 10n ** 9n, GB, d))).to.equal(0n);
    });
  });
});
