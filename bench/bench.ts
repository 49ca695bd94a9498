/**
 * Gas benchmark: `npm run bench` writes bench/results.json as
 *   {"gas": {"<operation>": {"<n>": gasUsed}}, "ms": {"<decision>": {"<n>": medianMilliseconds}}}
 * where n is the number of registered sequencers (10, 100, 1,000, 10,000) for every operation whose cost
 * could depend on it. The suite is deployed once through deploy/ and grown to each n with real
 * registrations (varied stakes, some delegations); each operation is measured from its receipt inside an
 * EVM snapshot that is reverted afterwards, so measurements do not disturb each other.
 *
 * BENCH_SIZES=10,100 npm run bench   measures fewer sizes (quick check); the committed file uses all four.
 * BENCH_SIZES= BENCH_SKIP_TRAINING=1 BENCH_OUT=/tmp/mev.json npx hardhat run bench/bench.ts   the MEV section alone.
 */
import hre, { ethers, network } from "hardhat";
import fs from "node:fs";
import path from "node:path";
import type { Wallet } from "ethers";
import { deploySuite, selectionInit, suiteParams, type Suite, SelectionMode, Parameter } from "../deploy";
import { operatorVrfKey, registerVrfKey, commitRound, collectBlockAttestations, type VrfKey } from "../sdk";
import { encryptForCommittee, encryptTimelocked, openShare, keySharePayload, openingPayload, solvePuzzle } from "../sdk";
import { secp256k1 } from "@noble/curves/secp256k1";
import { freshWallet, gasOf, growTo, isolated, reportEquivocation, sampledOperator, sendInBlocks, startWalletPhase } from "./network";
import { installDeterministicClock, seedRandomness } from "./clock";

// BENCH_SIZES= (empty) measures no registry size: with BENCH_SKIP_TRAINING=1, only the MEV section runs.
const SIZES = (process.env.BENCH_SIZES ?? "10,100,1000,10000")
  .split(",")
  .filter((n) => n !== "")
  .map(Number);
// BENCH_OUT: where to write (the fast profile of `npm run bench:check` writes a scratch file and compares it).
const OUT = process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : path.join(__dirname, "results.json");

type Results = { gas: Record<string, Record<string, number>>; ms: Record<string, Record<string, number>> };
const results: Results = { gas: {}, ms: {} };

function record(kind: "gas" | "ms", op: string, n: number | "1", value: number) {
  (results[kind][op] ??= {})[String(n)] = value;
}

async function medianMs(fn: () => Promise<unknown>, runs = 15): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(runs / 2)] * 100) / 100;
}

async function measureRegistry(suite: Suite, operators: Wallet[], n: number) {
  const r = suite.registry;
  const [governance] = await ethers.getSigners();
  const op = sampledOperator(operators, n);
  const midId = await r.sequencerIdOf(op.address); // ids within a mined batch need not follow submission order
  const config = await r.getConfig();

  record(
    "gas",
    "registry.registerSequencer",
    n,
    await isolated(async () => {
      const w = await freshWallet();
      return gasOf(
        r.connect(w).registerSequencer("enode://new@10.9.9.9:30303", "0x02" + "cd".repeat(32), "0x", { value: ethers.parseEther("250") }),
      );
    }),
  );
  record(
    "gas",
    "registry.increaseStake",
    n,
    await isolated(() => gasOf(r.connect(op).increaseStake(midId, { value: ethers.parseEther("10") }))),
  );
  record(
    "gas",
    "registry.delegateStake",
    n,
    await isolated(async () => {
      const d = await freshWallet();
      return gasOf(r.connect(d).delegateStake(midId, { value: ethers.parseEther("50") }));
    }),
  );
  record("gas", "registry.initiateExit", n, await isolated(() => gasOf(r.connect(op).initiateExit(midId))));
  record(
    "gas",
    "registry.completeExit",
    n,
    await isolated(async () => {
      await (await r.connect(op).initiateExit(midId)).wait();
      await network.provider.send("evm_increaseTime", [Number(config.exitDelay)]);
      return gasOf(r.connect(op).completeExit(midId));
    }),
  );
  record(
    "gas",
    "registry.rotateSequencer.roundRobin",
    n,
    await isolated(async () => {
      await network.provider.send("evm_increaseTime", [Number(config.rotationPeriod)]);
      return gasOf(r.rotateSequencer());
    }),
  );
  record("gas", "registry.slash", n, await isolated(() => gasOf(r.connect(governance).slash(midId, ethers.parseEther("1")))));
  record("gas", "registry.reportMisbehavior.equivocation", n, await isolated(() => gasOf(reportEquivocation(suite, op))));
  // An operator's first change of signing key (one new entry in its key history).
  record(
    "gas",
    "signingKeys.setSigningKey",
    n,
    await isolated(() => gasOf(suite.signingKeys.connect(op).setSigningKey(midId, ethers.Wallet.createRandom().address))),
  );
  // A watcher that has reported before already has a withdrawable balance: its reward adds to a non-zero slot.
  record(
    "gas",
    "registry.reportMisbehavior.equivocation.knownReporter",
    n,
    await isolated(async () => {
      const reporter = await freshWallet();
      const other = operators.find((w) => w.address !== op.address)!;
      await (await reportEquivocation(suite, other, reporter)).wait();
      return gasOf(reportEquivocation(suite, op, reporter));
    }),
  );
  record("gas", "registry.updatePerformance", n, await isolated(() => gasOf(r.connect(governance).updatePerformance(midId, 9000))));
  await measureRegions(suite, operators, n);
  await measureSlashingQueue(suite, midId, n);

  record("ms", "registry.nextSequencerDecision", n, await medianMs(() => r.selectNextSequencer.staticCall()));
}

/**
 * Network diversity: an Active sequencer's retag (into a new region, and into one with members, under a 50% cap), a
 * delegation under the cap, and a round-robin rotation that crosses regions (the current sequencer is untagged, the
 * sampled one tagged: the rule's O(1) hop to the next region's group).
 */
async function measureRegions(suite: Suite, operators: Wallet[], n: number) {
  const r = suite.registry;
  const [governance] = await ethers.getSigners();
  const config = await r.getConfig();
  // Two Active sequencers that neither hold the turn nor are announced (their tags would be locked).
  const locked = [await r.currentSequencerId(), await r.drawTurnId()];
  const free: { w: Wallet; id: bigint }[] = [];
  for (const w of operators.slice(Math.floor(operators.length / 2))) {
    const id = await r.sequencerIdOf(w.address);
    if (id !== 0n && !locked.includes(id) && (await r.isActiveSequencer(w.address))) free.push({ w, id });
    if (free.length === 2) break;
  }
  if (free.length < 2) throw new Error("bench: no two free Active sequencers to retag");
  const [{ w: op, id: midId }, { w: other, id: otherId }] = free;
  record("gas", "registry.setTags.newRegion", n, await isolated(() => gasOf(r.connect(op).setTags(midId, 7, 3))));
  record(
    "gas",
    "registry.setTags.memberRegion.capped",
    n,
    await isolated(async () => {
      await (await r.connect(other).setTags(otherId, 5, 1)).wait();
      await (await r.connect(governance).setParameter(Parameter.RegionCapBps, 5000)).wait();
      return gasOf(r.connect(op).setTags(midId, 5, 3));
    }),
  );
  record(
    "gas",
    "registry.delegateStake.regionCapped",
    n,
    await isolated(async () => {
      await (await r.connect(op).setTags(midId, 7, 3)).wait();
      await (await r.connect(governance).setParameter(Parameter.RegionCapBps, 5000)).wait();
      const d = await freshWallet();
      return gasOf(r.connect(d).delegateStake(midId, { value: ethers.parseEther("50") }));
    }),
  );
  record(
    "gas",
    "registry.rotateSequencer.roundRobin.acrossRegions",
    n,
    await isolated(async () => {
      await (await r.connect(op).setTags(midId, 7, 3)).wait();
      await network.provider.send("evm_increaseTime", [Number(config.rotationPeriod)]);
      return gasOf(r.rotateSequencer());
    }),
  );
}

/**
 * The slashing queue's paths (governance is its default proposer and vetoer): queueing, vetoing and executing a role
 * slash, and an insurance claim against the executed slash (file, approve, collect).
 */
async function measureSlashingQueue(suite: Suite, sequencerId: bigint, n: number) {
  const q = suite.slashingQueue;
  const [governance, claimant] = await ethers.getSigners();
  const reason = ethers.id("bench evidence");
  const queue = () => q.connect(governance).queueSlash(sequencerId, ethers.parseEther("1"), reason);
  record("gas", "slashingQueue.queueSlash", n, await isolated(() => gasOf(queue())));
  record(
    "gas",
    "slashingQueue.veto",
    n,
    await isolated(async () => {
      await (await queue()).wait();
      return gasOf(q.connect(governance).veto(await q.slashCount()));
    }),
  );
  await isolated(async () => {
    await (await queue()).wait();
    const slashId = await q.slashCount();
    await network.provider.send("evm_increaseTime", [Number(await q.getTerm(0))]);
    record("gas", "slashingQueue.execute", n, await gasOf(q.execute(slashId)));
    record("gas", "slashingQueue.fileClaim", n, await gasOf(q.connect(claimant).fileClaim(slashId, sequencerId, 1000n, reason)));
    const claimId = await q.claimCount();
    record("gas", "slashingQueue.approveClaim", n, await gasOf(q.connect(governance).approveClaim(claimId, 100n)));
    record("gas", "slashingQueue.collectClaim", n, await gasOf(q.connect(claimant).collectClaim(claimId)));
  });
}

/** VRF keys of the first sequencers, who commit the beacon's first rounds. */
const vrfKeys = new Map<bigint, { wallet: Wallet; key: VrfKey }>();

async function deliverRandomness(suite: Suite): Promise<bigint> {
  // A rotation in a random mode requests the next round itself; otherwise ask.
  if ((await suite.selection.randomnessState()).pendingRequestId === 0n) await (await suite.selection.requestRandomness()).wait();
  const [, committerId] = await suite.beacon!.roundState();
  const committer = vrfKeys.get(committerId)!;
  return (await commitRound(suite.beacon!, committer.wallet, committer.key)).gasUsed;
}

/**
 * The rotation's gas in `mode`, after the randomness it consumes. With `fixedRandomness`, that randomness comes from a
 * test source with a fixed output instead of the beacon: the hybrid rotation's cost depends on the method its draw
 * picks, and the beacon's output depends on block hashes, which commit to every contract's bytecode, so any change
 * anywhere would re-pick the method (93.4k or 108.5k at 1,000 sequencers).
 */
async function rotationGas(suite: Suite, mode: SelectionMode, fixedRandomness?: bigint): Promise<number> {
  const [governance] = await ethers.getSigners();
  const r = suite.registry;
  await (await r.connect(governance).setParameter(Parameter.SelectionMode, mode)).wait();
  if (fixedRandomness !== undefined) {
    const s = suite.selection;
    const source = await (await ethers.getContractFactory("MockRandomnessSource")).deploy();
    await (await s.connect(governance).setRandomnessSource(await source.getAddress())).wait();
    await (await s.requestRandomness()).wait();
    const [, requestId] = await s.randomnessState();
    await (await source.fulfil(await s.getAddress(), requestId, fixedRandomness)).wait();
    await network.provider.send("evm_increaseTime", [Number((await r.getConfig()).rotationPeriod)]);
    return gasOf(r.rotateSequencer());
  }
  await deliverRandomness(suite);
  // Keep the next request's committer keyed: the draw's own request for fresh randomness goes out in the rotation.
  await network.provider.send("evm_increaseTime", [Number((await r.getConfig()).rotationPeriod)]);
  return gasOf(r.rotateSequencer());
}

async function measureMonitor(suite: Suite, operators: Wallet[], n: number) {
  const m = suite.monitor;
  const r = suite.registry;
  const [governance] = await ethers.getSigners();
  const op = sampledOperator(operators, n);
  const id = await r.sequencerIdOf(op.address);
  const slot = await r.currentSlot();
  // Typical calls: the sequencer already has records in the period.
  await isolated(async () => {
    await (await m.connect(governance).recordBlockProduction(id, 1, 1_000_000, 100)).wait();
    await (await m.connect(governance).recordMissedSlot(id, slot + 1000n)).wait();
    record("gas", "monitor.recordBlockProduction", n, await gasOf(m.connect(governance).recordBlockProduction(id, 2, 1_000_000, 100)));
    record("gas", "monitor.recordMissedSlot", n, await gasOf(m.connect(governance).recordMissedSlot(id, slot + 1001n)));
    const sla = await m.getSLA();
    const plain = {
      minThroughput: sla.minThroughput,
      minUptime: sla.minUptime,
      maxLatency: sla.maxLatency,
      maxMissedSlots: sla.maxMissedSlots,
    };
    record("gas", "monitor.checkSLACompliance", n, Number(await m.checkSLACompliance.estimateGas(id, plain)));
    // An outage day: 60 missed slots, then the period ends and anyone penalizes it.
    for (let k = 0; k < 60; k++) await (await m.connect(governance).recordMissedSlot(id, slot + 2000n + BigInt(k))).wait();
    const period = await m.currentPeriod();
    await network.provider.send("evm_increaseTime", [Number((await m.getParameters()).periodDuration)]);
    await network.provider.send("evm_mine");
    const [, violations] = await m.slaViolationsAt(id, period);
    record("gas", "monitor.penalizeSLAViolation", n, await gasOf(m.penalizeSLAViolation(id, violations)));
  });
  await measureCommittee(suite, operators, n);
  if (n === 1000) await measureCommitteeSizes(suite, operators, n);
  record(
    "gas",
    "registry.forceInclusion",
    n,
    await isolated(async () => {
      await (await m.forceInclusion(ethers.id("warm"), { value: ethers.parseEther("0.01") })).wait();
      return gasOf(m.forceInclusion(ethers.id(`forced ${n}`), { value: ethers.parseEther("0.01") }));
    }),
  );
  // Inclusion pays the includer less the insurance fee (the registry's rate, read at payout); forwarding it.
  await isolated(async () => {
    await (await m.forceInclusion(ethers.id(`paid ${n}`), { value: ethers.parseEther("0.01") })).wait();
    const byAddress = new Map(operators.map((w) => [w.address, w]));
    const includer = byAddress.get(await r.operatorOf(await r.currentSequencerId()))!;
    const last = (await m.queryFilter(m.filters.InclusionForced())).at(-1)!.args.id;
    record("gas", "monitor.markIncluded", n, await gasOf(m.connect(includer).markIncluded(last)));
    record("gas", "monitor.forwardInsurance", n, await gasOf(m.forwardInsurance()));
  });
}

/**
 * The attestation committee at this n: a fresh epoch, whose committee the next randomness draws over this set's
 * weights (`selection.fulfillRandomness.committee`: the module's fulfilment with the committee draw, from a
 * test source so the VRF proof's cost is not in it), then a block attested by the fewest members holding more than
 * two thirds of its seats (`monitor.recordAttestedBlock.committee`; at 10 sequencers members hold several seats
 * each, so fewer sign than at 100 and above, where nearly every seat is a different member).
 */
async function measureCommittee(suite: Suite, operators: Wallet[], n: number, s = suite.selection, suffix = "") {
  const r = suite.registry;
  const [governance] = await ethers.getSigners();
  await isolated(async () => {
    const epochSlots = await s.committeeEpochSlots();
    await network.provider.send("evm_increaseTime", [Number(epochSlots * (await r.SLOT_DURATION()))]);
    await network.provider.send("evm_mine");
    const source = await (await ethers.getContractFactory("MockRandomnessSource")).deploy();
    await (await s.connect(governance).setRandomnessSource(await source.getAddress())).wait();
    // A draw waiting for the current turn blocks new randomness until that turn ends.
    const [forId] = await s.rotationDraw();
    if (forId !== 0n && forId === (await r.currentSequencerId())) await (await r.rotateSequencer()).wait();
    await (await s.requestRandomness()).wait();
    const [, requestId] = await s.randomnessState();
    record(
      "gas",
      `selection.fulfillRandomness.committee${suffix}`,
      n,
      await gasOf(source.fulfil(await s.getAddress(), requestId, BigInt(ethers.id(`committee ${n}`)))),
    );

    const slot = await r.currentSlot();
    const [seatIds] = await s.committeeOf(slot / epochSlots);
    if (seatIds.length === 0) throw new Error("no committee was drawn");
    const seats = new Map<string, number>();
    for (const id of seatIds) {
      const op = await r.operatorOf(id);
      seats.set(op, (seats.get(op) ?? 0) + 1);
    }
    const byAddress = new Map(operators.map((w) => [w.address, w]));
    const threshold = Math.floor((2 * seatIds.length) / 3) + 1;
    const signers: Wallet[] = [];
    let held = 0;
    for (const [op, k] of [...seats.entries()].sort((a, b) => b[1] - a[1])) {
      if (held >= threshold) break;
      signers.push(byAddress.get(op)!);
      held += k;
    }
    const attestation = {
      sequencerId: await r.currentSequencerId(),
      slot,
      blockNumber: 900_000n + BigInt(n),
      blockHash: ethers.id(`attested ${n}`),
      gasUsed: 10_000_000n,
      txCount: 500n,
    };
    const signatures = await collectBlockAttestations(
      signers,
      await suite.monitor.getAddress(),
      (await ethers.provider.getNetwork()).chainId,
      attestation,
    );
    record(
      "gas",
      `monitor.recordAttestedBlock.committee${suffix}`,
      n,
      await gasOf(suite.monitor.recordAttestedBlock(attestation, signatures)),
    );
    console.log(`n=${n}: committee of ${seatIds.length} seats, ${seats.size} members, ${signers.length} signers hold ${held} seats`);
  });
}

/** Committee sizes of the attesters sweep (at 1,000 sequencers): 4, 8, 16 (the default) and 32 seats (the maximum). */
const COMMITTEE_SIZES = [4n, 8n, 16n, 32n];

/**
 * The committee draw and an attested block with committees of each size (a selection module deployed with that size
 * and wired in place of the suite's, inside a reverted phase): their cost grows with the seats and the signers, and
 * `seatsK` names them.
 */
async function measureCommitteeSizes(suite: Suite, operators: Wallet[], n: number) {
  const [governance] = await ethers.getSigners();
  const params = suiteParams().selection;
  for (const committeeSize of COMMITTEE_SIZES) {
    await isolated(async () => {
      const init = selectionInit({ ...params, committeeSize }, governance.address, await suite.registry.getAddress(), governance.address);
      const selection = await (await ethers.getContractFactory("SelectionMechanisms")).deploy(init);
      await (await suite.registry.connect(governance).setSelectionModule(await selection.getAddress())).wait();
      await measureCommittee(suite, operators, n, selection, `.seats${committeeSize}`);
    });
  }
}

/** Capabilities for every sequencer (the scheduler's decision scans them), registered by governance. */
async function growCapabilities(suite: Suite, operators: Wallet[], n: number) {
  const [governance] = await ethers.getSigners();
  let nonce = await ethers.provider.getTransactionCount(governance.address);
  await sendInBlocks(operators.slice(0, n), async (operator, i) => {
    const id = await suite.registry.sequencerIdOf(operator.address);
    const capabilities = {
      sequencerId: id,
      availableFlops: BigInt(20 + (i % 80)) * 10n ** 12n,
      availableMemory: 64n << 30n,
      networkBandwidth: 1000n,
      supportedModels: [],
      hasTEE: false,
      hasGPU: i % 2 === 0,
    };
    await suite.scheduler.connect(governance).registerCapabilities(id, capabilities, { nonce: nonce++, gasLimit: 1_000_000 });
  });
}

/** Fills the scheduler's queue with `n` waiting jobs (the decision is measured against a full queue). */
async function queueJobs(suite: Suite, n: number, deadline: number) {
  const [, requester] = await ethers.getSigners();
  let nonce = await ethers.provider.getTransactionCount(requester.address);
  await sendInBlocks(
    Array.from({ length: n }, (_, i) => i),
    async (i) => {
      const job = {
        jobId: ethers.ZeroHash,
        requiredFlops: BigInt(1 + (i % 50)) * 10n ** 12n,
        memoryRequirement: 1n << 30n,
        deadline,
        priority: i % 7,
        requester: ethers.ZeroAddress,
        jobSpec: "0x",
      };
      await suite.scheduler.connect(requester).submitComputeJob(job, { value: 1n, nonce: nonce++, gasLimit: 500_000 });
    },
  );
}

async function measureScheduler(suite: Suite, operators: Wallet[], n: number) {
  const s = suite.scheduler;
  const [governance, requester] = await ethers.getSigners();
  await growCapabilities(suite, operators, n);
  const a = await suite.registry.sequencerIdOf(sampledOperator(operators, n).address);
  const b = await suite.registry.sequencerIdOf(operators[Math.floor(n / 3)].address);
  const now = (await ethers.provider.getBlock("latest"))!.timestamp;
  const job = (flops: bigint) => ({
    jobId: ethers.ZeroHash,
    requiredFlops: flops * 10n ** 12n,
    memoryRequirement: 1n << 30n,
    deadline: now + 86400,
    priority: 5,
    requester: ethers.ZeroAddress,
    jobSpec: "0x",
  });
  await isolated(async () => {
    await (await s.connect(requester).submitComputeJob(job(1n), { value: 1000n })).wait(); // not the first ever
    const id = await s.connect(requester).submitComputeJob.staticCall(job(2n), { value: 1000n });
    record("gas", "scheduler.submitComputeJob", n, await gasOf(s.connect(requester).submitComputeJob(job(2n), { value: 1000n })));
    record("gas", "scheduler.scheduleJob", n, await gasOf(s.connect(governance).scheduleJob(id, a)));
    await (await s.connect(sampledOperator(operators, n)).acceptJob(id)).wait(); // governance only offered it
    await (await s.connect(sampledOperator(operators, n)).startJob(id)).wait();
    await (await s.connect(sampledOperator(operators, n)).submitResult(id, ethers.id("r"), 1)).wait();
    record("gas", "scheduler.completeJob", n, await gasOf(s.connect(requester).completeJob(id)));
    record("gas", "scheduler.forwardInsurance", n, await gasOf(s.forwardInsurance()));
    // Rebalancing: four jobs on one sequencer, an idle one elsewhere.
    for (let k = 0; k < 4; k++) {
      const jid = await s.connect(requester).submitComputeJob.staticCall(job(4n), { value: 1000n });
      await (await s.connect(requester).submitComputeJob(job(4n), { value: 1000n })).wait();
      await (await s.connect(governance).scheduleJob(jid, a)).wait();
    }
    const receipt = await (await s.rebalanceWorkload()).wait();
    const migrated = Number(
      s.interface.parseLog(receipt!.logs.find((l) => s.interface.parseLog(l)?.name === "WorkloadRebalanced")!)!.args.numMigrations,
    );
    record("gas", "scheduler.rebalanceWorkload", n, migrated === 0 ? 0 : Math.round(Number(receipt!.gasUsed) / migrated));
    void b;
  });
  // EDF (60 s buckets): a submission keyed by deadline, and the head search from now's bucket.
  await isolated(async () => {
    const policyParams = ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [60]);
    await (await s.connect(governance).setSchedulingPolicy({ policyType: 5, policyParams })).wait();
    await (await s.connect(requester).submitComputeJob(job(1n), { value: 1000n })).wait();
    record("gas", "scheduler.submitComputeJob.edf", n, await gasOf(s.connect(requester).submitComputeJob(job(2n), { value: 1000n })));
    record("gas", "scheduler.scheduleNext.edf", n, await gasOf(s.connect(governance).scheduleNext(a)));
  });
  await queueJobs(suite, n, now + 30 * 86400); // as many queued jobs as sequencers
  record("ms", "scheduler.decision", n, await medianMs(() => s.getOptimalSequencer(job(10n))));
}

async function measureSelection(suite: Suite, operators: Wallet[], n: number) {
  const s = suite.selection;
  const r = suite.registry;
  const [governance] = await ethers.getSigners();
  record("gas", "selection.selectWeightedRandom", n, await isolated(() => gasOf(s.selectWeightedRandom(BigInt(ethers.id(`bench ${n}`))))));
  // The mean of 16 rounds: VRF.sol's hash-to-curve tries a seed-dependent number of points (each try a modexp),
  // so one round's gas is noise. The commit makes the rotation draw, so each round is followed by the rotation
  // that consumes it (and requests the next round).
  record(
    "gas",
    "randomness.commitVRF",
    n,
    await isolated(async () => {
      await (await r.connect(governance).setParameter(Parameter.SelectionMode, SelectionMode.WeightedRandom)).wait();
      const period = Number((await r.getConfig()).rotationPeriod);
      let total = 0;
      for (let k = 0; k < 16; k++) {
        total += Number(await deliverRandomness(suite));
        await network.provider.send("evm_increaseTime", [period]);
        await (await r.rotateSequencer()).wait();
      }
      return Math.round(total / 16);
    }),
  );
  record("gas", "registry.rotateSequencer.weightedRandom", n, await isolated(() => rotationGas(suite, SelectionMode.WeightedRandom)));
  record(
    "gas",
    "registry.rotateSequencer.performance",
    n,
    await isolated(async () => {
      for (let i = 0; i < Math.min(n, 20); i++) {
        const id = await r.sequencerIdOf(operators[(i * 7919) % n].address);
        await (await r.connect(governance).updatePerformance(id, 6000 + ((i * 37) % 40) * 100)).wait();
      }
      // The active sequencer ranks first, so the rotation must look past it: the costlier query (a walk up the
      // ranking tree rather than one read of its top), as every other turn of performance mode does.
      await (await r.connect(governance).updatePerformance(await r.currentSequencerId(), 10_000)).wait();
      return rotationGas(suite, SelectionMode.Performance);
    }),
  );
  record(
    "gas",
    "registry.rotateSequencer.hybrid",
    n,
    await isolated(() => rotationGas(suite, SelectionMode.Hybrid, BigInt(ethers.id("hybrid rotation")))),
  );

  // Auctions (three seats). Open bids: the three winners and the price-setting loser fill the ranking, then a
  // fifth bid pushes out the lowest (refund credit); finalization clears three winners (bonds held, change
  // credited) and refunds the loser. Sealed: one commitment, a reveal into a full ranking (pushing out the
  // lowest), finalization with one commitment unrevealed (forfeited to insurance), and the bonds' release.
  const bidders = [1, 2, 3, 4, 5, 6].map((k) => operators[Math.floor((k * n) / 7)]);
  const auctionGas = await isolated(async () => {
    const value = (k: number) => ethers.parseEther(String(10 + k));
    let id = await s.initAuction.staticCall(3600);
    await (await s.initAuction(3600)).wait();
    for (let k = 0; k < 4; k++) await (await s.connect(bidders[k]).placeBid(id, { value: value(k) })).wait();
    const bid = await gasOf(s.connect(bidders[4]).placeBid(id, { value: ethers.parseEther("20") }));
    await network.provider.send("evm_increaseTime", [3601]);
    const finalize = await gasOf(s.finalizeAuction(id));

    id = await s.initAuction.staticCall(3600);
    await (await s.initAuction(3600)).wait();
    const salt = ethers.ZeroHash;
    const commitment = (k: number) => s.bidCommitment(id, bidders[k].address, value(k), salt);
    let commit = 0;
    for (let k = 0; k < 6; k++) {
      const gas = await gasOf(s.connect(bidders[k]).commitBid(id, await commitment(k), { value: value(k) * 2n }));
      if (k === 5) commit = gas;
    }
    await network.provider.send("evm_increaseTime", [3601]);
    for (let k = 0; k < 4; k++) await (await s.connect(bidders[k]).revealBid(id, value(k), salt)).wait();
    const reveal = await gasOf(s.connect(bidders[4]).revealBid(id, value(4), salt)); // pushes out the lowest
    // The sixth commitment stays unrevealed: finalization waits out the reveal period and forfeits it.
    const details = await s.auctionDetails(id);
    await network.provider.send("evm_increaseTime", [Number(details.revealPeriod)]);
    const finalizeSealed = await gasOf(s.finalizeAuction(id));
    // Bonds are released a dispute period after the auction's last turn: hand out both auctions' turns first.
    const [governance] = await ethers.getSigners();
    await (await suite.registry.connect(governance).setParameter(Parameter.SelectionMode, SelectionMode.Auction)).wait();
    const period = Number((await suite.registry.getConfig()).rotationPeriod);
    for (let i = 0; i < 64 && (await s.auctionSchedule(id))[1] < details.turns; i++) {
      await network.provider.send("evm_increaseTime", [period]);
      await (await suite.registry.rotateSequencer()).wait();
    }
    await network.provider.send("evm_increaseTime", [Number(details.disputePeriod) + 1]);
    const release = await gasOf(s.releaseBonds(id));
    return { bid, finalize, commit, reveal, finalizeSealed, release };
  });
  record("gas", "selection.placeBid", n, auctionGas.bid);
  record("gas", "selection.finalizeAuction", n, auctionGas.finalize);
  record("gas", "selection.commitBid", n, auctionGas.commit);
  record("gas", "selection.revealBid", n, auctionGas.reveal);
  record("gas", "selection.finalizeAuction.sealed", n, auctionGas.finalizeSealed);
  record("gas", "selection.releaseBonds", n, auctionGas.release);

  // The next-sequencer decision as a node asks it: eth_call of selectNextSequencer in WeightedRandom mode.
  await isolated(async () => {
    await (await r.connect(governance).setParameter(Parameter.SelectionMode, SelectionMode.WeightedRandom)).wait();
    await deliverRandomness(suite);
    record("ms", "selection.decision", n, await medianMs(() => r.selectNextSequencer.staticCall()));
  });
}

/** Committee thresholds and fair-order batch sizes the MEV sweeps report (op names carry the size). */
const MEV_THRESHOLDS = [3, 8, 16, 64];
const MEV_BATCHES = [10, 100, 500, 1000];

/**
 * MEV operations do not depend on the number of sequencers: measured once (n = "1") on a separate deployment.
 * The headline figures use a 5-of-7 committee and 1 KiB transactions; `mev.path.t5.*` is the whole threshold path
 * (submit, 5 key shares, decrypt) for 1 KiB and for a 32-byte ciphertext (the size of its hash: what the path
 * costs when only the hash is carried). The sweeps give key shares and decryption at thresholds 3…64 (committee of
 * t) and the fair order at 10…1,000 hashes. The time-lock is an RSW puzzle on a fresh 2048-bit modulus with
 * T = 2^20 squarings (a few seconds of solving and proving in JS).
 */
async function measureMEV() {
  const suite = await deploySuite(hre, suiteParams());
  const [governance] = await ethers.getSigners();
  const validators: Wallet[] = [];
  const secrets: string[] = [];
  const publicKeyOf = new Map<string, string>();
  for (let i = 0; i < Math.max(7, ...MEV_THRESHOLDS); i++) {
    const w = await freshWallet();
    const sk = ethers.keccak256(ethers.toUtf8Bytes(`bench validator ${i}`));
    const pk = ethers.hexlify(secp256k1.getPublicKey(ethers.getBytes(sk), true));
    await (await suite.registry.connect(w).registerSequencer(`enode://v${i}`, pk, "0x", { value: ethers.parseEther("100") })).wait();
    validators.push(w);
    secrets.push(sk);
    publicKeyOf.set(w.address, pk);
  }
  const mev = suite.mev;
  const byAddress = new Map(validators.map((w, i) => [w.address, i]));
  // A committee of the first `size` validators with threshold t; returns its members in place order.
  const committee = async (t: number, size: number) => {
    await (
      await mev.connect(governance).initThresholdDecryption(
        t,
        validators.slice(0, size).map((w) => w.address),
      )
    ).wait();
    const { epoch } = await mev.configuration();
    return (await mev.committee(epoch)).map((m) => byAddress.get(m)!);
  };
  // Submit, t key shares (the costliest one: the first also writes the share record), decrypt.
  const thresholdPath = async (t: number, members: number[], body: string) => {
    const sealed = encryptForCommittee(
      body,
      members.map((i) => publicKeyOf.get(validators[i].address)!),
      t,
    );
    const txId = await mev.submitEncrypted.staticCall(sealed.encryptedTx, sealed.commitment);
    const submit = await gasOf(mev.submitEncrypted(sealed.encryptedTx, sealed.commitment));
    const shares: number[] = [];
    for (let x = 1; x <= t; x++) {
      const v = members[x - 1];
      const payload = keySharePayload(openShare(sealed.encryptedTx, x, secrets[v]), sealed.encryptedTx);
      shares.push(await gasOf(mev.connect(validators[v]).submitKeyShare(txId, payload)));
    }
    const decrypt = await gasOf(mev.decryptTransaction(txId, sealed.ciphertext));
    return { submit, share: Math.max(...shares), decrypt, path: submit + shares.reduce((a, b) => a + b, 0) + decrypt };
  };

  const body = ethers.hexlify(ethers.randomBytes(1024 - 32)); // with the 32-byte salt: a 1 KiB plaintext
  const members = await committee(5, 7);
  // A first submission, so the measured one does not pay for the sequence counter's first write.
  await thresholdPath(5, members, body);
  const full = await thresholdPath(5, members, body);
  record("gas", "mev.submitEncrypted", "1", full.submit);
  record("gas", "mev.submitKeyShare.t5", "1", full.share);
  record("gas", "mev.decryptTransaction.t5.1KiB", "1", full.decrypt);
  record("gas", "mev.path.t5.1KiB", "1", full.path);
  record("gas", "mev.path.t5.hashOnly", "1", (await thresholdPath(5, members, "0x")).path);

  for (const t of MEV_THRESHOLDS) {
    const m = await committee(t, t);
    const r = await thresholdPath(t, m, body);
    record("gas", `mev.submitKeyShare.t${t}`, "1", r.share);
    record("gas", `mev.decryptTransaction.t${t}.1KiB`, "1", r.decrypt);
  }

  // 1,048,576 squarings: calibration 1,048,576 per second and a 1-second lock.
  await (await mev.connect(governance).setVDFCalibration(1n << 20n)).wait();
  const locked = encryptTimelocked(body, 1n << 20n);
  const lockedId = await mev.submitTimelocked.staticCall(locked.encryptedTx, 1);
  record("gas", "mev.submitTimelocked", "1", await gasOf(mev.submitTimelocked(locked.encryptedTx, 1)));
  const t0 = Date.now();
  const solution = solvePuzzle(locked.puzzle);
  console.log(`time-lock: ${locked.puzzle.squarings} squarings solved and proved in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await network.provider.send("evm_increaseTime", [1]);
  record(
    "gas",
    "mev.proveTimeElapsed.rsa2048",
    "1",
    await gasOf(mev.proveTimeElapsed(lockedId, openingPayload(locked.puzzle, solution, locked.ciphertext))),
  );

  for (const n of MEV_BATCHES) {
    const hashes = Array.from({ length: n }, (_, i) => ethers.id(`bench tx ${i}`));
    record("gas", `mev.determineFairOrder.${n}`, "1", Number(await mev.determineFairOrder.estimateGas(hashes, 12345)));
  }
}

/** Cluster sizes of the training sweep: every training operation whose cost can grow with the members. */
const CLUSTER_SIZES = [4, 16, 64, 256];

/**
 * Training operations at each cluster size M: creating the cluster, a member's gradient (the median of the M
 * submissions: the first of an epoch also pays for its fresh epoch record), the aggregation of the M gradients, and
 * the reassignment of a failed member's work to a sequencer outside the cluster.
 */
async function measureTraining() {
  const suite = await deploySuite(hre, suiteParams());
  const members: Wallet[] = [];
  const largest = CLUSTER_SIZES[CLUSTER_SIZES.length - 1];
  for (let i = 0; i <= largest; i++) {
    const w = await freshWallet();
    await (await suite.registry.connect(w).registerSequencer(`enode://m${i}`, "0x02", "0x", { value: ethers.parseEther("100") })).wait();
    members.push(w);
  }
  const ids = await Promise.all(members.map((m) => suite.registry.sequencerIdOf(m.address)));
  const t = suite.training;
  for (const size of CLUSTER_SIZES) {
    await isolated(async () => {
      // Created with up to MAX_INITIAL_MEMBERS (64); the coordinator adds the rest one by one.
      const initial = ids.slice(0, Math.min(size, 64));
      const clusterId = await t.createTrainingCluster.staticCall(initial, ethers.id("model"));
      const created = await gasOf(t.createTrainingCluster(initial, ethers.id("model")));
      if (size <= 64) record("gas", `training.createTrainingCluster.${size}`, "1", created);
      for (const id of ids.slice(64, size)) await (await t.joinCluster(clusterId, id)).wait();
      const gas: number[] = [];
      for (let i = 0; i < size; i++) {
        const update = { clusterId, sequencerId: ids[i], epoch: 1, gradientHash: ethers.id(`g${i}`), loss: 100, timestamp: 0 };
        gas.push(await gasOf(t.connect(members[i]).submitGradient(update)));
      }
      gas.sort((a, b) => a - b);
      record("gas", `training.submitGradient.${size}`, "1", gas[size >> 1]);
      record("gas", `training.aggregateGradients.${size}`, "1", await gasOf(t.aggregateGradients(clusterId, 1)));
      await (await t.reportFailure(clusterId, ids[1])).wait();
      record("gas", `training.reassignWork.${size}`, "1", await gasOf(t.reassignWork(clusterId, ids[1], ids[largest])));
    });
  }
}

async function main() {
  await installDeterministicClock();
  seedRandomness("lp504-bench");
  startWalletPhase("mev");
  if (!process.env.BENCH_SKIP_MEV) await isolated(measureMEV);
  startWalletPhase("training");
  if (!process.env.BENCH_SKIP_TRAINING) await isolated(measureTraining);
  const [governance] = await ethers.getSigners();
  const params = suiteParams({
    monitors: [governance.address],
    // registry.slash is the registry's direct path (the monitor's and scheduler's): governance takes it here; role
    // slashes through the queue are the slashingQueue.* figures.
    slashers: [governance.address],
    registry: { config: { maxSequencers: 20_000n } },
    monitor: { ...suiteParams().monitor, reporters: [governance.address] },
  });
  const suite = await deploySuite(hre, params);
  const operators: Wallet[] = [];
  for (const n of SIZES) {
    const t0 = Date.now();
    await growTo(suite, operators, n);
    console.log(`n=${n}: grown in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // Everything measured at n runs on the grown set and is reverted before the set grows on: the figures at n are
    // a function of n alone, whichever sizes were measured before (and with the deterministic clock, of nothing else).
    startWalletPhase(`n${n}`);
    await isolated(async () => {
      // VRF keys for sequencers 1…16, who commit the beacon's rounds in turn.
      vrfKeys.clear();
      const byAddress = new Map(operators.map((w) => [w.address, w]));
      for (let id = 1n; id <= BigInt(Math.min(16, n)); id++) {
        const wallet = byAddress.get(await suite.registry.operatorOf(id))!;
        const key = operatorVrfKey(ethers.id(`bench-vrf-${id}`));
        await registerVrfKey(suite.beacon!, wallet, id, key);
        vrfKeys.set(id, { wallet, key });
      }
      await measureRegistry(suite, operators, n);
      await measureSelection(suite, operators, n);
      await measureMonitor(suite, operators, n);
      if (!process.env.BENCH_SKIP_SCHEDULER) await measureScheduler(suite, operators, n);
    });
  }

  const previous = fs.existsSync(OUT) ? (JSON.parse(fs.readFileSync(OUT, "utf8")) as Results) : { gas: {}, ms: {} };
  // Keep entries of operations this run did not measure (other modules, or sizes skipped by BENCH_SIZES).
  for (const kind of ["gas", "ms"] as const) {
    for (const [op, byN] of Object.entries(previous[kind])) results[kind][op] = { ...byN, ...(results[kind][op] ?? {}) };
  }
  const sorted = (o: Record<string, Record<string, number>>) =>
    Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, Object.fromEntries(Object.entries(o[k]).sort((a, b) => Number(a[0]) - Number(b[0])))]),
    );
  fs.writeFileSync(OUT, JSON.stringify({ gas: sorted(results.gas), ms: sorted(results.ms) }, null, 2) + "\n");

  const rows = Object.entries(sorted(results.gas)).map(([op, byN]) => {
    const first = byN[String(SIZES[0])];
    const last = byN[String(SIZES[SIZES.length - 1])];
    return { operation: op, ...byN, ratio: first && last ? Number((last / first).toFixed(3)) : "" };
  });
  console.table(rows);
  console.table(Object.entries(results.ms).map(([op, byN]) => ({ decision: op, ...byN })));
  console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
