import { expect } from "chai";
import { storageLayoutOf } from "./helpers/layout";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { schedulerMarketFixture, JOB_STATUS as S, TFLOPS, GB, computeJob } from "./helpers/scheduler";

interface Layout {
  slots: Map<string, number>;
  /** "Struct.member" → [slot within the struct, byte offset]. */
  members: Map<string, [number, number]>;
}

/** The scheduler's storage layout as the compiler reports it (the build info keeps it: see hardhat.config.ts). */
function schedulerLayout(): Layout {
  const layout = storageLayoutOf("contracts/AIScheduler.sol", "AIScheduler");
  const members = new Map<string, [number, number]>();
  for (const [type, t] of Object.entries(layout.types)) {
    const struct = /^t_struct\((\w+)\)\d+_storage$/.exec(type)?.[1];
    if (struct && t.members) for (const m of t.members) members.set(`${struct}.${m.label}`, [Number(m.slot), m.offset]);
  }
  return { slots: new Map(layout.storage.map((s) => [s.label, Number(s.slot)])), members };
}

/** Where SchedulerLens's decoders read each field: [slot within the record, byte offset] (bit shift / 8). */
const DECODED: Record<string, [number, number]> = {
  "Job.requester": [0, 0],
  "Job.status": [0, 20],
  "Job.bucket": [0, 21],
  "Job.sequencerId": [0, 22],
  "Job.startDeadline": [0, 26],
  "Job.needs": [0, 31],
  "Job.deadline": [1, 0],
  "Job.prev": [1, 5],
  "Job.next": [1, 10],
  "Job.priority": [1, 15],
  "Job.requiredFlops": [1, 19],
  "Job.resultAt": [1, 27],
  "Job.memoryRequirement": [2, 0],
  "Job.payment": [2, 8],
  "Job.computeUsed": [2, 24],
  "Settlement.boosts": [0, 0],
  "Settlement.bond": [0, 12],
  "Settlement.settleBy": [0, 24],
  "Settlement.executorBps": [0, 29],
  "Settlement.disputed": [0, 31],
  "Capabilities.networkBandwidth": [0, 0],
  "Capabilities.hasTEE": [0, 16],
  "Capabilities.hasGPU": [0, 17],
  "Capabilities.hotIndex": [0, 18],
  "Capabilities.headJob": [0, 22],
  "Capabilities.tailJob": [0, 27],
};

describe("SchedulerLens", () => {
  it("reads the scheduler at the slots and field offsets of the compiler's storage layout", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const { slots, members } = schedulerLayout();
    const l = f.schedulerLens;
    expect(await l.JOBS_SLOT()).to.equal(BigInt(slots.get("_jobs")!));
    expect(await l.SPECS_SLOT()).to.equal(BigInt(slots.get("_specs")!));
    expect(await l.CAPS_SLOT()).to.equal(BigInt(slots.get("_caps")!));
    expect(await l.MODELS_SLOT()).to.equal(BigInt(slots.get("_models")!));
    expect(await l.HOT_SLOT()).to.equal(BigInt(slots.get("_hot")!));
    expect(await l.BALANCES_SLOT()).to.equal(BigInt(slots.get("_balances")!));
    expect(await l.SETTLEMENTS_SLOT()).to.equal(BigInt(slots.get("_settlements")!));
    expect(await l.BOOSTS_SLOT()).to.equal(BigInt(slots.get("_boosts")!));
    expect(await l.POLICY_SLOT()).to.equal(BigInt(slots.get("_policy")!));
    expect(await l.BUCKET_MAP_SLOT()).to.equal(BigInt(slots.get("_bucketMap")!));
    expect(await l.BUCKETS_SLOT()).to.equal(BigInt(slots.get("_buckets")!));
    expect(await l.ESCROW_SLOT()).to.equal(BigInt(slots.get("_escrow")!));
    expect(await l.OWED_SLOT()).to.equal(BigInt(slots.get("_owed")!));
    for (const [field, at] of Object.entries(DECODED)) expect(members.get(field), field).to.deep.equal(at);
    // Every field of the decoded records is decoded (a new field must reach the lens too).
    const decodedStructs = new Set(Object.keys(DECODED).map((k) => k.split(".")[0]));
    for (const key of members.keys()) if (decodedStructs.has(key.split(".")[0])) expect(DECODED, key).to.have.property(key);
    expect(await l.scheduler()).to.equal(await f.scheduler.getAddress());
  });

  it("agrees with what the scheduler was told and did: jobs, specs, capabilities, queue, boosts, disputes, balances", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const { s, schedulerLens: l } = f;
    // Capabilities with a short and a long (> 31 bytes) model name: both storage encodings of a string.
    const longName = "a-model-name-longer-than-thirty-one-bytes/v2";
    await s.updateCapabilities(2, {
      sequencerId: 2,
      availableFlops: 50n * TFLOPS,
      availableMemory: 64n * GB,
      networkBandwidth: 12_345n,
      supportedModels: ["llama", longName],
      hasTEE: true,
      hasGPU: false,
    });
    const [caps, capacity, models] = await l.getCapabilities(2);
    expect([caps.networkBandwidth, caps.hasTEE, caps.hasGPU, caps.hotIndex, caps.headJob]).to.deep.equal([12_345n, true, false, 2n, 0n]);
    expect([capacity.availableFlops, capacity.availableMemory, capacity.reservedFlops]).to.deep.equal([50_000n, 64n * 1024n, 0n]);
    expect(models).to.deep.equal(["llama", longName]);
    expect((await l.getCapabilities(9))[2]).to.deep.equal([]);

    // A job with a long spec (several storage words) and one with a short spec.
    const now = await time.latest();
    const longSpec = ethers.hexlify(ethers.randomBytes(100));
    const job = computeJob(20n * TFLOPS, 3n * GB, now + 7200, 7, longSpec);
    const id = await s.connect(f.alice).submitComputeJob.staticCall(job, { value: 1000n });
    await s.connect(f.alice).submitComputeJob(job, { value: 1000n });
    const short = computeJob(TFLOPS, GB, now + 7200, 0, "0x1234");
    const shortId = await s.connect(f.bob).submitComputeJob.staticCall(short, { value: 5n });
    await s.connect(f.bob).submitComputeJob(short, { value: 5n });
    const [j, spec] = await l.getJob(id);
    expect([j.requester, j.status, j.priority, j.requiredFlops, j.memoryRequirement, j.payment]).to.deep.equal([
      f.alice.address,
      S.Queued,
      7n,
      20n * TFLOPS,
      3n * GB,
      1000n,
    ]);
    expect(j.deadline).to.equal(BigInt(now + 7200));
    expect(j.next).to.equal(BigInt(shortId)); // FIFO: the next job in the bucket
    expect(spec).to.equal(longSpec);
    expect((await l.getJob(shortId))[1]).to.equal("0x1234");
    expect((await l.getJob(ethers.toBeHex(99, 32)))[0].status).to.equal(0n);
    expect(await l.nextQueuedJob()).to.equal(id);
    expect(await l.schedulingPolicy()).to.equal(0n);

    // A third-party boost, then the job runs on sequencer 2, is disputed and decided.
    await s.connect(f.carol).boostPriority(id, 1, { value: 300n });
    expect(await l.boostOf(id, f.carol.address)).to.equal(300n);
    expect((await l.getSettlement(id)).boosts).to.equal(300n);
    await s.connect(f.service).scheduleJob(id, 2);
    expect(await l.nextQueuedJob()).to.equal(shortId);
    const [, reserved] = await l.getCapabilities(2);
    expect([reserved.reservedFlops, reserved.reservedMemory]).to.deep.equal([20_000n, 3n * 1024n]);
    expect((await l.getCapabilities(2))[0].headJob).to.equal(BigInt(id));
    await s.connect(f.op2).acceptJob(id);
    await s.connect(f.op2).startJob(id);
    await s.connect(f.op2).submitResult(id, ethers.ZeroHash, 42);
    const submitted = await l.getJob(id);
    expect([submitted[0].status, submitted[0].sequencerId, submitted[0].computeUsed, submitted[0].resultAt]).to.deep.equal([
      S.ResultSubmitted,
      2n,
      42n,
      BigInt(await time.latest()),
    ]);
    await s.connect(f.alice).disputeResult(id);
    const disputed = await l.getSettlement(id);
    expect([disputed.disputed, disputed.bond, disputed.executorBps]).to.deep.equal([true, 0n, 0n]);
    expect(disputed.settleBy).to.equal(BigInt(await time.latest()) + (await s.arbitrationWindow()));
    await s.connect(f.arbiter).resolveDispute(id, 2500);
    expect((await l.getSettlement(id)).executorBps).to.equal(2500n);
    expect(await l.balanceOf(f.op2.address)).to.equal(248n); // 250 less the 1% insurance fee (rounded down)
    expect(await l.balanceOf(f.alice.address)).to.equal(750n);
    await s.settleBoost(id, f.carol.address);
    expect(await l.boostOf(id, f.carol.address)).to.equal(0n);
    expect(await l.balanceOf(f.carol.address)).to.equal(225n);
    expect(await l.accounting()).to.deep.equal([5n, 250n + 75n + 750n + 225n]);
    expect(await f.books()).to.deep.equal({ escrow: 5n, withdrawable: 1300n });

    // The policy, once the queue is empty.
    await s.connect(f.bob).cancelJob(shortId);
    expect(await l.nextQueuedJob()).to.equal(ethers.ZeroHash);
    await s.setSchedulingPolicy({ policyType: 3, policyParams: "0x" });
    expect(await l.schedulingPolicy()).to.equal(3n);
  });
});
