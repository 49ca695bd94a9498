import { id, ZeroHash, type ContractTransactionResponse } from "ethers";
import { decodeRevert, describeRevert } from "../../index";
import type { AIScheduler, SchedulerLens, TrainingCoordinator } from "../../generated/contracts";
import { decodeJobRequirements } from "../../sdk/jobs";
import type { NodeContext } from "../context";
import type { ComputeConfig } from "../compute/config";
import {
  ExecutorError,
  parseGradientOutput,
  parseJobOutput,
  type Executor,
  type ExecutorTask,
  type GradientOutput,
  type JobOutput,
} from "../compute/executor";

/** The scheduler's job statuses the duty acts on (IAIWorkloadScheduler.JobStatus). */
export const JobStatus = { Queued: 1n, Scheduled: 2n, Running: 3n, ResultSubmitted: 4n, Offered: 9n } as const;

const FLOPS_UNIT = 1_000_000_000n;
const MEMORY_UNIT = 1n << 20n;
/** The most jobs of its own list the duty reads per round (a sequencer's jobs are bounded by its capacity). */
const MAX_OWN_JOBS = 1024;
/** Blocks per event query when it looks for the clusters it belongs to. */
const LOG_CHUNK = 10_000;

type Job = Awaited<ReturnType<SchedulerLens["getJob"]>>[0];
type Caps = Awaited<ReturnType<SchedulerLens["getCapabilities"]>>;

export interface ComputeRound {
  taken: number;
  accepted: number;
  declined: number;
  started: number;
  submitted: number;
  completed: number;
  gradients: number;
  raced: number;
  handedOver: number;
  withdrawn: bigint;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/**
 * Compute and training: takes AIScheduler jobs for this sequencer in policy order (the queue head, when it fits),
 * accepts fitting offers and declines the others, starts them, runs each on the configured executor and submits its
 * result before the deadline; completes its undisputed results once their dispute window has closed and withdraws
 * what the scheduler owes the operator. For every training cluster the sequencer is a member of, the executor
 * computes the gradient of the current epoch, which the duty submits once.
 *
 * Everything it does is decided from chain state (the sequencer's job list, `hasSubmitted`), so a restart repeats
 * nothing already on chain; a result computed but not yet submitted when the node stops is computed again. Every
 * transaction is simulated first; one that fails because another party acted first (another operator took the job,
 * the requester cancelled, the epoch moved on) is counted as a race, not a failure. Executions run in the
 * background; their results are submitted in a later round.
 */
export class ComputeDuty {
  private readonly running = new Map<string, Promise<void>>();
  private readonly jobResults = new Map<string, JobOutput>();
  private readonly gradientResults = new Map<string, GradientOutput>();
  /** Tasks whose execution failed for good (not retried in this process). */
  private readonly givenUp = new Set<string>();
  /** Jobs it tried to hand over (once each). */
  private readonly handOverTried = new Set<string>();
  private readonly clusters = new Set<string>();
  /** Clusters found by their events whose coordinator is not in `compute.coordinators`. */
  private readonly ignoredClusters = new Set<string>();
  private scannedTo?: number;
  private warnedNoCapabilities = false;

  constructor(
    private readonly ctx: NodeContext,
    private readonly scheduler: AIScheduler,
    private readonly lens: SchedulerLens,
    private readonly training: TrainingCoordinator,
    private readonly config: ComputeConfig,
    private readonly executor: Executor,
    private readonly fromBlock = 0,
  ) {
    for (const c of config.clusters) this.clusters.add(c);
  }

  /** Executions in progress. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Resolves when every execution in progress has finished (tests; a graceful stop). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** Kills running command executors (the node stops; their jobs are run again after a restart). */
  abort(): void {
    this.executor.abort();
  }

  async tick(): Promise<ComputeRound> {
    const { ctx } = this;
    const round: ComputeRound = {
      taken: 0,
      accepted: 0,
      declined: 0,
      started: 0,
      submitted: 0,
      completed: 0,
      gradients: 0,
      raced: 0,
      handedOver: 0,
      withdrawn: 0n,
    };
    const block = (await ctx.provider.getBlock("latest"))!;
    const now = BigInt(block.timestamp);
    if (ctx.sequencerId !== 0n) {
      const caps = await this.lens.getCapabilities(ctx.sequencerId);
      if (caps.caps.hotIndex === 0n) {
        if (!this.warnedNoCapabilities) ctx.log("warn", "compute.no-capabilities", { sequencerId: ctx.sequencerId });
        this.warnedNoCapabilities = true;
      } else {
        if (this.config.takeJobs) await this.takeHead(caps, now, round);
        await this.ownJobs(now, round);
      }
      if (this.config.training) await this.trainingRounds(block.number, round);
    }
    const owed = await this.lens.balanceOf(ctx.operatorAddress);
    if (owed > 0n) {
      await this.scheduler.withdraw.staticCall();
      await this.send("withdraw", () => this.scheduler.withdraw());
      round.withdrawn = owed;
      ctx.log("info", "compute.withdrawn", { amount: owed });
    }
    ctx.metrics.set("lp504_node_compute_executions_in_flight", this.running.size);
    return round;
  }

  // ───────────────────────────────────── jobs ─────────────────────────────────────

  /** Why this node must not hold `job` (requirements it lacks, a deadline it cannot meet), or undefined. */
  private unfit(job: Job, spec: string, caps: Caps, now: bigint): string | undefined {
    let r;
    try {
      r = decodeJobRequirements(spec);
    } catch (e) {
      return `malformed requirements: ${(e as Error).message}`;
    }
    if (r.gpu && !caps.caps.hasGPU) return "needs a GPU";
    if (r.tee && !caps.caps.hasTEE) return "needs a TEE";
    if (r.minBandwidth > caps.caps.networkBandwidth) return `needs bandwidth ${r.minBandwidth}`;
    if (r.modelHash !== ZeroHash && !caps.models.some((m) => id(m) === r.modelHash)) return `needs model ${r.modelHash}`;
    const budget = BigInt(Math.ceil(this.executor.timeoutMs / 1000) + this.config.marginSeconds);
    if (now + budget > job.deadline) return `its deadline ${job.deadline} is within the executor's timeout and margin (${budget} s)`;
    return undefined;
  }

  /** The queue head, taken as this sequencer's duty when it fits (the operator may take nothing else). */
  private async takeHead(caps: Caps, now: bigint, round: ComputeRound) {
    const { ctx } = this;
    const head = await this.lens.nextQueuedJob();
    if (BigInt(head) === 0n) return;
    let held = 0;
    for (const [, job] of await this.ownList(caps)) if (job.status === JobStatus.Scheduled || job.status === JobStatus.Running) held++;
    if (held >= this.config.maxJobs) return;
    const [job, spec] = await this.lens.getJob(head);
    const k = caps.capacity;
    const reason =
      now + 1n > job.startDeadline
        ? "its start window has closed"
        : k.reservedFlops + ceilDiv(job.requiredFlops, FLOPS_UNIT) > k.availableFlops ||
            k.reservedMemory + ceilDiv(job.memoryRequirement, MEMORY_UNIT) > k.availableMemory
          ? "no free capacity"
          : this.unfit(job, spec, caps, now);
    if (reason !== undefined) {
      ctx.log("debug", "compute.head-skipped", { jobId: head, reason });
      return;
    }
    try {
      await this.scheduler.scheduleJob.staticCall(head, ctx.sequencerId);
    } catch (e) {
      ctx.log("info", "compute.take-skipped", { jobId: head, reason: describeRevert(e) ?? String(e) });
      return;
    }
    const sent = await this.sendOrRace("scheduleJob", head, JobStatus.Queued, () => this.scheduler.scheduleJob(head, ctx.sequencerId));
    if (sent) {
      round.taken++;
      this.countJob("taken");
      ctx.log("info", "compute.job-taken", { jobId: head, deadline: job.deadline });
    } else round.raced++;
  }

  /** The jobs on this sequencer's list (offered, scheduled, running, submitted or disputed), oldest first. */
  private async ownList(caps: Caps): Promise<[string, Job, string][]> {
    const out: [string, Job, string][] = [];
    for (let index = caps.caps.headJob; index !== 0n && out.length < MAX_OWN_JOBS;) {
      const jobId = "0x" + index.toString(16).padStart(64, "0");
      const [job, spec] = await this.lens.getJob(jobId);
      out.push([jobId, job, spec]);
      index = job.next;
    }
    return out;
  }

  private async ownJobs(now: bigint, round: ComputeRound) {
    const { ctx } = this;
    const caps = await this.lens.getCapabilities(ctx.sequencerId);
    const list = await this.ownList(caps);
    let held = list.filter(([, j]) => j.status === JobStatus.Scheduled || j.status === JobStatus.Running).length;
    const live = new Set(list.filter(([, j]) => j.status === JobStatus.Running).map(([jobId]) => jobId));
    for (const key of this.jobResults.keys()) if (!live.has(key)) this.jobResults.delete(key); // no longer ours to submit
    for (const [jobId, job, spec] of list) {
      let status = job.status;
      if (status === JobStatus.Offered) {
        if (now + 1n > job.startDeadline) continue; // lapsed: it expires without a slash
        const reason = !this.config.acceptOffers
          ? "offers are not accepted (compute.acceptOffers)"
          : held >= this.config.maxJobs
            ? `holds ${held} jobs (compute.maxJobs)`
            : this.unfit(job, spec, caps, now);
        if (reason !== undefined) {
          if (
            await this.tryCall(
              "declineJob",
              jobId,
              JobStatus.Offered,
              () => this.scheduler.declineJob.staticCall(jobId),
              () => this.scheduler.declineJob(jobId),
            )
          ) {
            round.declined++;
            this.countJob("declined");
            ctx.log("info", "compute.offer-declined", { jobId, reason });
          }
          continue;
        }
        if (
          !(await this.tryCall(
            "acceptJob",
            jobId,
            JobStatus.Offered,
            () => this.scheduler.acceptJob.staticCall(jobId),
            () => this.scheduler.acceptJob(jobId),
          ))
        )
          continue;
        round.accepted++;
        held++;
        this.countJob("accepted");
        ctx.log("info", "compute.offer-accepted", { jobId, deadline: job.deadline });
        status = JobStatus.Scheduled;
      }
      if (status === JobStatus.Scheduled) {
        if (
          !(await this.tryCall(
            "startJob",
            jobId,
            JobStatus.Scheduled,
            () => this.scheduler.startJob.staticCall(jobId),
            () => this.scheduler.startJob(jobId),
          ))
        )
          continue;
        round.started++;
        ctx.log("info", "compute.job-started", { jobId });
        status = JobStatus.Running;
      }
      if (status === JobStatus.Running) {
        const result = this.jobResults.get(jobId);
        if (result === undefined) {
          if (this.givenUp.has(jobId) && !this.running.has(jobId)) {
            if (await this.handOver(jobId, job, spec)) round.handedOver++;
          } else this.execute(jobId, jobTask(jobId, ctx.sequencerId, job, spec), (out) => this.jobResults.set(jobId, parseJobOutput(out)));
          continue;
        }
        if (now + 1n > job.deadline) {
          ctx.log("error", "compute.result-late", { jobId, deadline: job.deadline });
          this.countJob("late");
          this.jobResults.delete(jobId);
          this.givenUp.add(jobId);
          continue;
        }
        const submit = () => this.scheduler.submitResult(jobId, result.resultHash, result.computeUsed);
        const simulate = () => this.scheduler.submitResult.staticCall(jobId, result.resultHash, result.computeUsed);
        if (await this.tryCall("submitResult", jobId, JobStatus.Running, simulate, submit)) {
          round.submitted++;
          this.countJob("submitted");
          ctx.log("info", "compute.result-submitted", { jobId, resultHash: result.resultHash, computeUsed: result.computeUsed });
        }
        this.jobResults.delete(jobId);
      } else if (status === JobStatus.ResultSubmitted) {
        const { settleBy } = await this.lens.getSettlement(jobId);
        if (now <= settleBy) continue; // the requester may still dispute it
        if (
          await this.tryCall(
            "completeJob",
            jobId,
            JobStatus.ResultSubmitted,
            () => this.scheduler.completeJob.staticCall(jobId),
            () => this.scheduler.completeJob(jobId),
          )
        ) {
          round.completed++;
          this.countJob("completed");
          ctx.log("info", "compute.job-completed", { jobId, payment: job.payment });
        }
      }
    }
  }

  /**
   * A running job its executor failed on: while the start window is open, the node hands it to the sequencer the
   * scheduler finds best for it (`migrateJob`: an offer there, which that operator may accept), rather than letting it
   * miss its deadline. Tried once per job; past the start window the scheduler refuses, and the job times out.
   */
  private async handOver(jobId: string, job: Job, spec: string): Promise<boolean> {
    const { ctx } = this;
    if (this.handOverTried.has(jobId)) return false;
    this.handOverTried.add(jobId);
    const target = await this.scheduler.getOptimalSequencer({
      jobId,
      requiredFlops: job.requiredFlops,
      memoryRequirement: job.memoryRequirement,
      deadline: job.deadline,
      priority: job.priority,
      requester: job.requester,
      jobSpec: spec,
    });
    if (target === 0n || target === ctx.sequencerId) {
      ctx.log("warn", "compute.no-hand-over", {
        jobId,
        reason: target === 0n ? "no other sequencer fits" : "this sequencer is the best fit",
      });
      return false;
    }
    const simulate = () => this.scheduler.migrateJob.staticCall(jobId, target);
    if (!(await this.tryCall("migrateJob", jobId, JobStatus.Running, simulate, () => this.scheduler.migrateJob(jobId, target))))
      return false;
    this.countJob("handed-over");
    ctx.log("warn", "compute.job-handed-over", { jobId, to: target });
    return true;
  }

  // ─────────────────────────────────── training ───────────────────────────────────

  /** Adds the clusters this sequencer joined (or took a failed member's place in) since the last scan. */
  private async discoverClusters(latest: number) {
    const { ctx, training } = this;
    if (this.config.coordinators.length === 0) return; // only the configured clusters
    let from = this.scannedTo === undefined ? this.fromBlock : this.scannedTo + 1;
    while (from <= latest) {
      const to = Math.min(latest, from + LOG_CHUNK - 1);
      for (const e of await training.queryFilter(training.filters.MemberJoined(undefined, ctx.sequencerId), from, to))
        this.found(e.args.clusterId);
      for (const e of await training.queryFilter(training.filters.WorkReassigned(), from, to))
        if (e.args.newSequencer === ctx.sequencerId) this.found(e.args.clusterId);
      this.scannedTo = to;
      from = to + 1;
    }
  }

  private found(clusterId: string) {
    const id = clusterId.toLowerCase();
    if (!this.ignoredClusters.has(id)) this.clusters.add(id);
  }

  private async trainingRounds(latest: number, round: ComputeRound) {
    const { ctx, training } = this;
    await this.discoverClusters(latest);
    for (const clusterId of this.clusters) {
      let cluster;
      try {
        cluster = await training.getCluster(clusterId);
      } catch (e) {
        ctx.log("warn", "compute.cluster-unknown", { clusterId, reason: describeRevert(e) ?? String(e) });
        this.clusters.delete(clusterId);
        continue;
      }
      if (!this.config.clusters.includes(clusterId) && !this.config.coordinators.includes(cluster.coordinator.toLowerCase())) {
        // made a member by a coordinator the operator does not work for (no consent is needed to add it)
        ctx.log("info", "compute.cluster-ignored", { clusterId, coordinator: cluster.coordinator });
        this.clusters.delete(clusterId);
        this.ignoredClusters.add(clusterId);
        continue;
      }
      if (!cluster.sequencerIds.includes(ctx.sequencerId)) continue; // left, or replaced
      const epoch = cluster.currentEpoch;
      if (cluster.totalEpochs !== 0n && epoch > cluster.totalEpochs) continue; // trained
      const [generation, weightsHash] = await training.clusterState(clusterId);
      const key = `${clusterId}:${generation}:${epoch}`;
      for (const k of this.gradientResults.keys()) if (k.startsWith(`${clusterId}:`) && k !== key) this.gradientResults.delete(k); // stale
      if (await training.hasSubmitted(clusterId, epoch, ctx.sequencerId)) continue;
      const result = this.gradientResults.get(key);
      if (result === undefined) {
        if (!this.running.has(key) && !this.givenUp.has(key)) {
          const task = await this.gradientTask(clusterId, generation, epoch, cluster.modelHash, weightsHash);
          this.execute(key, task, (out) => this.gradientResults.set(key, parseGradientOutput(out)));
        }
        continue;
      }
      const update = { clusterId, sequencerId: ctx.sequencerId, epoch, gradientHash: result.gradientHash, loss: result.loss, timestamp: 0 };
      try {
        await training.submitGradient.staticCall(update);
      } catch (e) {
        ctx.log("warn", "compute.gradient-dropped", { clusterId, epoch, reason: describeRevert(e) ?? String(e) });
        this.gradientResults.delete(key);
        this.givenUp.add(key);
        continue;
      }
      try {
        await this.send("submitGradient", () => training.submitGradient(update));
      } catch (e) {
        // the epoch moved on (or rolled back) in the same block: the gradient is for a round that is over
        const [nowGeneration] = await training.clusterState(clusterId, { blockTag: "pending" });
        const nowEpoch = (await training.getCluster(clusterId, { blockTag: "pending" })).currentEpoch;
        if (nowGeneration === generation && nowEpoch === epoch) throw e;
        this.gradientResults.delete(key);
        round.raced++;
        ctx.metrics.inc("lp504_node_compute_jobs_total", { outcome: "raced" });
        ctx.log("info", "compute.gradient-raced", { clusterId, epoch });
        continue;
      }
      this.gradientResults.delete(key);
      round.gradients++;
      ctx.metrics.inc("lp504_node_gradients_submitted_total");
      ctx.log("info", "compute.gradient-submitted", { clusterId, epoch, gradientHash: result.gradientHash, loss: result.loss });
    }
  }

  private async gradientTask(
    clusterId: string,
    generation: bigint,
    epoch: bigint,
    modelHash: string,
    weightsHash: string,
  ): Promise<ExecutorTask> {
    const { training, ctx } = this;
    const shards = [];
    const latest = await ctx.provider.getBlockNumber();
    const assigned = [];
    for (let from = this.fromBlock; from <= latest; from += LOG_CHUNK)
      assigned.push(
        ...(await training.queryFilter(training.filters.ShardAssigned(clusterId), from, Math.min(latest, from + LOG_CHUNK - 1))),
      );
    for (const e of assigned) {
      const [shard] = await training.getShard(e.args.shardId);
      if (shard.sequencerId !== ctx.sequencerId) continue;
      shards.push({
        shardId: shard.shardId,
        dataHash: shard.dataHash,
        numSamples: shard.numSamples.toString(),
        startIndex: shard.startIndex.toString(),
        endIndex: shard.endIndex.toString(),
      });
    }
    return {
      kind: "gradient",
      clusterId,
      generation: generation.toString(),
      epoch: epoch.toString(),
      sequencerId: ctx.sequencerId.toString(),
      modelHash,
      weightsHash,
      shards,
    };
  }

  // ─────────────────────────────────── plumbing ───────────────────────────────────

  /** Runs `task` in the background (once at a time per key); `accept` checks and keeps its answer. */
  private execute(key: string, task: ExecutorTask, accept: (output: unknown) => void) {
    const { ctx } = this;
    if (this.running.has(key) || this.givenUp.has(key)) return;
    const kind = task.kind;
    ctx.log("info", "compute.executing", { key, kind, executor: this.executor.description });
    const started = Date.now();
    const run = (async () => {
      try {
        accept(await this.executor.run(task));
        ctx.metrics.inc("lp504_node_executor_runs_total", { kind, outcome: "ok" });
        ctx.log("info", "compute.executed", { key, kind, ms: Date.now() - started });
      } catch (e) {
        const outcome = e instanceof ExecutorError ? e.outcome : "failed";
        ctx.metrics.inc("lp504_node_executor_runs_total", { kind, outcome });
        if (outcome !== "retry") this.givenUp.add(key);
        ctx.log(outcome === "retry" ? "warn" : "error", "compute.execution-failed", { key, kind, outcome, error: (e as Error).message });
      } finally {
        this.running.delete(key);
      }
    })();
    this.running.set(key, run);
  }

  private countJob(outcome: string) {
    this.ctx.metrics.inc("lp504_node_compute_jobs_total", { outcome });
  }

  private async send(fn: string, call: () => Promise<ContractTransactionResponse>) {
    const tx = await call();
    const receipt = await tx.wait();
    this.ctx.metrics.inc("lp504_node_transactions_total", { duty: "compute", function: fn });
    return receipt;
  }

  /**
   * Simulates, then sends a call on job `jobId`, which must still be in status `expected`. A refused simulation is
   * logged and nothing is sent; a transaction that fails after the job left `expected` (another party acted first,
   * checked against the pending block) is a race: false without throwing.
   */
  private async tryCall(
    fn: string,
    jobId: string,
    expected: bigint,
    simulate: () => Promise<unknown>,
    call: () => Promise<ContractTransactionResponse>,
  ): Promise<boolean> {
    try {
      await simulate();
    } catch (e) {
      const reason = decodeRevert(e);
      this.ctx.log("info", "compute.call-skipped", { fn, jobId, reason: describeRevert(e) ?? String(e) });
      if (reason === undefined) throw e; // not a revert: an RPC failure
      return false;
    }
    return this.sendOrRace(fn, jobId, expected, call);
  }

  private async sendOrRace(fn: string, jobId: string, expected: bigint, call: () => Promise<ContractTransactionResponse>) {
    try {
      await this.send(fn, call);
      return true;
    } catch (e) {
      const [now] = await this.lens.getJob(jobId, { blockTag: "pending" });
      // still as we found it: a real failure (a job taken from the queue has no sequencer to compare yet)
      if (now.status === expected && (expected === JobStatus.Queued || now.sequencerId === this.ctx.sequencerId)) throw e;
      this.countJob("raced");
      this.ctx.log("info", "compute.raced", { fn, jobId, status: now.status });
      return false;
    }
  }
}

function jobTask(jobId: string, sequencerId: bigint, job: Job, spec: string): ExecutorTask {
  let requirements = null;
  try {
    const r = decodeJobRequirements(spec);
    if (spec.length >= 10 && spec.slice(0, 10).toLowerCase() === "0x4c505251")
      requirements = { gpu: r.gpu, tee: r.tee, minBandwidth: r.minBandwidth.toString(), modelHash: r.modelHash, rest: r.rest };
  } catch {
    // the scheduler refuses malformed requirements: not reachable for a scheduled job
  }
  return {
    kind: "job",
    jobId,
    sequencerId: sequencerId.toString(),
    requester: job.requester,
    requiredFlops: job.requiredFlops.toString(),
    memoryRequirement: job.memoryRequirement.toString(),
    deadline: job.deadline.toString(),
    priority: job.priority.toString(),
    payment: job.payment.toString(),
    jobSpec: spec,
    requirements,
  };
}
