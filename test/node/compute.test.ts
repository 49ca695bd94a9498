import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { registryFixture, register, type RegistryFixture } from "../helpers/fixtures";
import { capabilities, computeJob, requirementsSpec, TFLOPS, GB, JOB_STATUS } from "../helpers/scheduler";
import { OperatorNode } from "../../node/main";
import { validateConfig } from "../../node/config";
import { silentLogger } from "../../node/log";

const EXAMPLE = path.resolve(__dirname, "../../examples/compute/executor.js");
const COMMAND = { command: [process.execPath, EXAMPLE] };
const MODULE = { module: EXAMPLE };
const sha256 = (...parts: string[]) => "0x" + createHash("sha256").update(parts.join("|")).digest("hex");
const text = (s: string) => ethers.hexlify(ethers.toUtf8Bytes(s));

/** Sequencers 1–3 (accounts 0–2), each advertising 100 TFLOPS and 128 GiB; a scheduling service (account 20). */
async function computeMarket() {
  const f = await registryFixture();
  for (let i = 0; i < 3; i++) await register(f, f.accounts[i]);
  for (let i = 1; i <= 3; i++)
    await f.scheduler.connect(f.accounts[i - 1]).registerCapabilities(i, capabilities(i, 100n * TFLOPS, 128n * GB));
  await f.scheduler.grantRole(await f.scheduler.SCHEDULER_ROLE(), f.accounts[20].address);
  return f;
}

const nodes: OperatorNode[] = [];
async function computeNode(f: RegistryFixture, operator: HardhatEthersSigner, compute: Record<string, unknown> = {}) {
  const config = validateConfig(
    {
      rpcUrl: "http://127.0.0.1:8545",
      chainId: Number(f.chainId),
      deployment: "deployment.json",
      keystore: "keystore.json",
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "lp504-compute-")),
      api: { host: "127.0.0.1", port: 0 },
      duties: { signing: false, turnKeeping: false, watchtower: false, beacon: false, compute: true },
      compute: { executor: COMMAND, timeoutMs: 5000, marginSeconds: 30, ...compute },
    },
    os.tmpdir(),
    "<test>",
    {},
  );
  const node = await OperatorNode.create({ config, provider: ethers.provider, operator, record: f.record, log: silentLogger });
  nodes.push(node);
  return node;
}

async function submitJob(f: RegistryFixture, spec = text("hello"), opts: { ttl?: number; priority?: number; flops?: bigint } = {}) {
  const requester = f.accounts[10];
  const now = await time.latest();
  const job = computeJob(opts.flops ?? 10n * TFLOPS, GB, now + (opts.ttl ?? 7200), opts.priority ?? 0, spec);
  const pay = ethers.parseEther("1");
  const jobId = await f.scheduler.connect(requester).submitComputeJob.staticCall(job, { value: pay });
  await f.scheduler.connect(requester).submitComputeJob(job, { value: pay });
  return jobId;
}

const status = async (f: RegistryFixture, jobId: string) => (await f.schedulerLens.getJob(jobId)).job.status;
const nonce = (a: HardhatEthersSigner) => ethers.provider.getTransactionCount(a.address);
const sent = (node: OperatorNode, fn: string) => node.metrics.get("lp504_node_transactions_total", { duty: "compute", function: fn });

/** One round, the executions it started, and the round that submits their results. */
async function rounds(node: OperatorNode) {
  await node.tick();
  await node.compute!.idle();
  await node.tick();
}

describe("node: compute and training duty", function () {
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
  });

  it("takes the queue head, runs it on a command executor, submits the result once, then completes it and withdraws the payment", async function () {
    const f = await loadFixture(computeMarket);
    const op = f.accounts[0];
    const node = await computeNode(f, op);
    const spec = text("hello");
    const jobId = await submitJob(f, spec);
    await rounds(node);
    const [event] = await f.scheduler.queryFilter(f.scheduler.filters.ResultSubmitted(jobId));
    expect(event.args.resultHash).to.equal(ethers.keccak256(sha256(spec))); // the executor's result, hashed
    expect(event.args.computeUsed).to.equal(10n * TFLOPS);
    expect(await status(f, jobId)).to.equal(JOB_STATUS.ResultSubmitted);
    expect((await f.schedulerLens.getJob(jobId)).job.sequencerId).to.equal(1n);
    for (const fn of ["scheduleJob", "startJob", "submitResult"]) expect(sent(node, fn)).to.equal(1);
    expect(node.metrics.get("lp504_node_executor_runs_total", { kind: "job", outcome: "ok" })).to.equal(1);

    // nothing more to do while the requester may dispute
    const n0 = await nonce(op);
    await rounds(node);
    expect(await nonce(op)).to.equal(n0);

    await time.increase(Number(await f.scheduler.acceptanceWindow()) + 1);
    const before = await ethers.provider.getBalance(op.address);
    await node.tick();
    expect(await status(f, jobId)).to.equal(JOB_STATUS.Completed);
    const [withdrawn] = await f.scheduler.queryFilter(f.scheduler.filters.Withdrawn(op.address));
    // the payment less the registry's insurance fee (1%), which stays in the scheduler for forwardInsurance()
    const fee = (ethers.parseEther("1") * (await f.registry.getParameters()).insuranceFeeBps) / 10_000n;
    expect(fee).to.be.greaterThan(0n);
    expect(withdrawn.args.amount).to.equal(ethers.parseEther("1") - fee);
    expect(await f.schedulerLens.balanceOf(op.address)).to.equal(0n);
    expect(await ethers.provider.getBalance(op.address)).to.be.greaterThan(before);
    expect(node.metrics.get("lp504_node_duty_errors_total", { duty: "compute" })).to.equal(0);
  });

  it("accepts an offer and runs it on a module executor; declines an offer it could not finish by its deadline", async function () {
    const f = await loadFixture(computeMarket);
    const op = f.accounts[0];
    const node = await computeNode(f, op, { executor: MODULE, maxJobs: 2, takeJobs: false });
    const spec = requirementsSpec({ model: "llama-3-70b" }, text("summarise"));
    const offered = await submitJob(f, spec);
    await f.scheduler.connect(f.accounts[20]).scheduleJob(offered, 1);
    const tight = await submitJob(f, text("too tight"), { ttl: 20 }); // 20 s: under the 5 s timeout + 30 s margin
    await f.scheduler.connect(f.accounts[20]).scheduleJob(tight, 1);
    expect(await status(f, offered)).to.equal(JOB_STATUS.Offered);
    await rounds(node);
    expect(await status(f, offered)).to.equal(JOB_STATUS.ResultSubmitted);
    const [event] = await f.scheduler.queryFilter(f.scheduler.filters.ResultSubmitted(offered));
    expect(event.args.resultHash).to.equal(ethers.keccak256(sha256(spec)));
    expect(await status(f, tight)).to.equal(JOB_STATUS.Queued); // declined: back to the queue, nobody slashed
    expect((await f.scheduler.queryFilter(f.scheduler.filters.JobDeclined(tight))).length).to.equal(1);
    expect(node.metrics.get("lp504_node_compute_jobs_total", { outcome: "accepted" })).to.equal(1);
    expect(node.metrics.get("lp504_node_compute_jobs_total", { outcome: "declined" })).to.equal(1);
  });

  it("does not take a queue head it lacks a capability for or could not finish by its deadline", async function () {
    const f = await loadFixture(computeMarket);
    const op = f.accounts[0];
    const node = await computeNode(f, op);
    const gpuJob = await submitJob(f, requirementsSpec({ gpu: true }));
    const n0 = await nonce(op);
    await rounds(node);
    expect(await nonce(op)).to.equal(n0);
    expect(await status(f, gpuJob)).to.equal(JOB_STATUS.Queued);
    await f.scheduler.connect(f.accounts[10]).cancelJob(gpuJob);
    const soon = await submitJob(f, text("soon"), { ttl: 30 });
    await rounds(node);
    expect(await nonce(op)).to.equal(n0);
    expect(await status(f, soon)).to.equal(JOB_STATUS.Queued);
  });

  for (const [name, executor] of [
    ["command", COMMAND],
    ["module", MODULE],
  ] as const)
    it(`submits nothing for a ${name} executor that fails, times out or answers garbage, and hands the jobs over`, async function () {
      const f = await loadFixture(computeMarket);
      const node = await computeNode(f, f.accounts[0], { executor, timeoutMs: 3000, maxJobs: 3 });
      const jobs: string[] = [];
      for (const mode of ["fail", "sleep", "garbage"]) {
        jobs.push(await submitJob(f, text(mode)));
        await node.tick(); // takes and starts it, the execution runs in the background
      }
      await node.compute!.idle();
      await rounds(node); // none is run again
      expect(await f.scheduler.queryFilter(f.scheduler.filters.ResultSubmitted())).to.have.length(0);
      for (const outcome of ["failed", "timeout", "invalid-output"])
        expect(node.metrics.get("lp504_node_executor_runs_total", { kind: "job", outcome }), outcome).to.equal(1);
      expect(sent(node, "submitResult")).to.equal(0);
      // handed over (offered to another sequencer), except when this sequencer is the one the scheduler finds best
      const where = [];
      for (const jobId of jobs) {
        const { job } = await f.schedulerLens.getJob(jobId);
        where.push(job.sequencerId === 1n ? ["here", job.status] : ["elsewhere", job.status]);
        expect(job.status).to.equal(job.sequencerId === 1n ? JOB_STATUS.Running : JOB_STATUS.Offered);
      }
      const handedOver = where.filter(([w]) => w === "elsewhere").length;
      expect(handedOver).to.be.greaterThanOrEqual(2);
      expect(node.metrics.get("lp504_node_compute_jobs_total", { outcome: "handed-over" })).to.equal(handedOver);
      expect(node.metrics.get("lp504_node_duty_errors_total", { duty: "compute" })).to.equal(0);
    });

  it("hands a job its executor failed on to another sequencer while the start window is open, once", async function () {
    const f = await loadFixture(computeMarket);
    const op = f.accounts[0];
    const node = await computeNode(f, op);
    const jobId = await submitJob(f, text("fail"));
    await rounds(node);
    const [migrated] = await f.scheduler.queryFilter(f.scheduler.filters.JobMigrated(jobId));
    expect([migrated.args.fromSequencerId, migrated.args.toSequencerId]).to.deep.equal([1n, 2n]);
    expect(await status(f, jobId)).to.equal(JOB_STATUS.Offered); // sequencer 2's operator may accept it
    expect(node.metrics.get("lp504_node_compute_jobs_total", { outcome: "handed-over" })).to.equal(1);
    expect(await f.scheduler.queryFilter(f.scheduler.filters.ResultSubmitted(jobId))).to.have.length(0);
    expect(await f.scheduler.queryFilter(f.scheduler.filters.SequencerPenalized())).to.have.length(0);
    const n0 = await nonce(op);
    await rounds(node); // not ours any more: nothing sent
    expect(await nonce(op)).to.equal(n0);
  });

  it("runs a command again that asked to be retried (exit 75), submitting nothing meanwhile", async function () {
    const f = await loadFixture(computeMarket);
    const node = await computeNode(f, f.accounts[0]);
    const jobId = await submitJob(f, text("retry"));
    await rounds(node);
    await node.compute!.idle();
    await node.tick();
    await node.compute!.idle();
    expect(node.metrics.get("lp504_node_executor_runs_total", { kind: "job", outcome: "retry" })).to.equal(3);
    expect(await status(f, jobId)).to.equal(JOB_STATUS.Running);
  });

  it("submits the gradient of each training round of a cluster it belongs to, once, with its shards", async function () {
    const f = await loadFixture(computeMarket);
    const op = f.accounts[0];
    const coordinator = f.accounts[15];
    const node = await computeNode(f, op, { coordinators: [coordinator.address] });
    await f.training.connect(coordinator).createTrainingCluster([1, 2], ethers.id("model"));
    const [created] = await f.training.queryFilter(f.training.filters.ClusterCreated());
    const clusterId = created.args.clusterId;
    await f.training.connect(coordinator).assignDataShard(clusterId, 1, {
      shardId: ethers.id("shard-1"),
      sequencerId: 1,
      dataHash: ethers.id("data"),
      numSamples: 100,
      startIndex: 0,
      endIndex: 100,
    });
    await rounds(node);
    expect(await f.training.hasSubmitted(clusterId, 1, 1)).to.equal(true);
    const [submitted] = await f.training.queryFilter(f.training.filters.GradientSubmitted(clusterId));
    expect(submitted.args.sequencerId).to.equal(1n);
    const [, , , meanLoss] = await f.training.getEpoch(clusterId, 1);
    expect(meanLoss).to.equal(1_000_000n + 100n); // the example's loss for epoch 1 with 100 samples
    const n0 = await nonce(op);
    await rounds(node);
    expect(await nonce(op)).to.equal(n0);
    expect(node.metrics.get("lp504_node_gradients_submitted_total")).to.equal(1);

    // the next epoch: a second gradient, different from the first
    const other = await computeNode(f, f.accounts[1], { clusters: [clusterId] }); // listed by id
    await rounds(other);
    await f.training.aggregateGradients(clusterId, 1);
    await f.training.connect(coordinator).broadcastWeights(clusterId, ethers.id("weights-2"));
    await rounds(node);
    expect(await f.training.hasSubmitted(clusterId, 2, 1)).to.equal(true);
    expect(node.metrics.get("lp504_node_gradients_submitted_total")).to.equal(2);
  });

  it("computes nothing for a cluster a coordinator it does not work for made it a member of", async function () {
    const f = await loadFixture(computeMarket);
    const op = f.accounts[0];
    const trusted = f.accounts[15];
    const stranger = f.accounts[16]; // wants free gradients: adds sequencer 1 without asking
    const node = await computeNode(f, op, { coordinators: [trusted.address] });
    await f.training.connect(stranger).createTrainingCluster([1], ethers.id("someone else's model"));
    const n0 = await nonce(op);
    await rounds(node);
    await rounds(node);
    expect(await nonce(op)).to.equal(n0);
    expect(node.metrics.get("lp504_node_executor_runs_total", { kind: "gradient", outcome: "ok" })).to.equal(0);
    // with no coordinator configured, it does not even look for clusters: only compute.clusters
    const plain = await computeNode(f, f.accounts[1]);
    await f.training.connect(trusted).createTrainingCluster([2], ethers.id("model"));
    await rounds(plain);
    expect(plain.metrics.get("lp504_node_gradients_submitted_total")).to.equal(0);
  });

  it("counts a queue head another operator took in the same block as a race, not a failure", async function () {
    const f = await loadFixture(computeMarket);
    const a = await computeNode(f, f.accounts[0]);
    const b = await computeNode(f, f.accounts[1]);
    const jobId = await submitJob(f);
    await network.provider.send("evm_setAutomine", [false]);
    await network.provider.send("evm_setIntervalMining", [500]);
    try {
      await Promise.all([a.tick(), b.tick()]);
    } finally {
      await network.provider.send("evm_setIntervalMining", [0]);
      await network.provider.send("evm_setAutomine", [true]);
    }
    expect(sent(a, "scheduleJob") + sent(b, "scheduleJob")).to.equal(1);
    expect(
      a.metrics.get("lp504_node_compute_jobs_total", { outcome: "raced" }) +
        b.metrics.get("lp504_node_compute_jobs_total", { outcome: "raced" }),
    ).to.equal(1);
    for (const n of [a, b]) expect(n.metrics.get("lp504_node_duty_errors_total", { duty: "compute" })).to.equal(0);
    const winner = sent(a, "scheduleJob") === 1 ? a : b;
    await winner.compute!.idle();
    await winner.tick();
    await a.tick();
    await b.tick();
    expect(await status(f, jobId)).to.equal(JOB_STATUS.ResultSubmitted);
    expect(await f.scheduler.queryFilter(f.scheduler.filters.ResultSubmitted(jobId))).to.have.length(1);
  });

  it("counts an offer the scheduling service moved away just before its acceptance as a race, not a failure", async function () {
    const f = await loadFixture(computeMarket);
    const node = await computeNode(f, f.accounts[0], { takeJobs: false });
    const jobId = await submitJob(f);
    await f.scheduler.connect(f.accounts[20]).scheduleJob(jobId, 1);
    await network.provider.send("evm_setAutomine", [false]);
    await network.provider.send("evm_setIntervalMining", [500]);
    try {
      // the redirection is pending when the node reads the offer (in the latest block) and tries to accept it
      await f.scheduler.connect(f.accounts[20]).migrateJob(jobId, 2);
      await node.tick();
    } finally {
      await network.provider.send("evm_setIntervalMining", [0]);
      await network.provider.send("evm_setAutomine", [true]);
    }
    expect((await f.schedulerLens.getJob(jobId)).job.sequencerId).to.equal(2n);
    expect(await status(f, jobId)).to.equal(JOB_STATUS.Offered);
    expect(sent(node, "acceptJob")).to.equal(0);
    expect(node.metrics.get("lp504_node_compute_jobs_total", { outcome: "raced" })).to.equal(1);
    expect(node.metrics.get("lp504_node_duty_errors_total", { duty: "compute" })).to.equal(0);
  });

  it("after a restart, resubmits nothing already on chain and finishes a job it had started", async function () {
    const f = await loadFixture(computeMarket);
    const op = f.accounts[0];
    const coordinator = f.accounts[15];
    await f.training.connect(coordinator).createTrainingCluster([1], ethers.id("model"));
    const [created] = await f.training.queryFilter(f.training.filters.ClusterCreated());
    const clusterId = created.args.clusterId;
    const first = await computeNode(f, op, { coordinators: [coordinator.address] });
    const done = await submitJob(f, text("done before the restart"));
    await rounds(first);
    expect(await status(f, done)).to.equal(JOB_STATUS.ResultSubmitted);
    expect(await f.training.hasSubmitted(clusterId, 1, 1)).to.equal(true);
    const started = await submitJob(f, text("started before the restart"));
    await first.tick(); // takes and starts it; the node stops before submitting
    expect(await status(f, started)).to.equal(JOB_STATUS.Running);
    await first.stop();

    const second = await computeNode(f, op, { coordinators: [coordinator.address] });
    await rounds(second);
    expect(await status(f, started)).to.equal(JOB_STATUS.ResultSubmitted);
    expect(sent(second, "submitResult")).to.equal(1); // only the job left running
    expect(sent(second, "submitGradient")).to.equal(0);
    expect(await f.scheduler.queryFilter(f.scheduler.filters.ResultSubmitted(done))).to.have.length(1);
    const n0 = await nonce(op);
    await rounds(second);
    expect(await nonce(op)).to.equal(n0);
  });
});
