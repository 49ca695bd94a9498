/**
 * The main job: the whole LP-504 protocol on one chain, with progress while it runs and a report at the end.
 *
 *   npm run demo                          deploys the suite on the built-in Hardhat network and simulates
 *   FORK_URL=<rpc> npm run simulate       the same on a fork of a live chain: uses deployments/<chainId>.json
 *                                         when the chain has a deployment, else deploys the suite there first
 *
 * Twelve sequencers with varied stakes and behaviours (honest, slow, offline, equivocating, censoring) run
 * through every selection mode (round-robin, stake-weighted draws on ECVRF beacon randomness, performance,
 * hybrid, and an auction), while the monitor records their blocks and latency, penalizes the SLA breach,
 * rotates away from the offline one and slashes the censor; a watcher proves the equivocation. Encrypted
 * transactions go through threshold decryption and a VDF time-lock; compute jobs are scheduled, rebalanced and
 * settled; a training cluster loses a member mid-run and recovers. The report goes to reports/: Markdown with
 * four SVG charts (selection against stake, the rotation timeline, turns per mode, gas against the targets), and
 * JSON with every event of the suite decoded (contract, event, block, time, arguments), the handovers and the span
 * of chain time the run covered.
 *
 * SIM_ROTATIONS=<n> sets the stake-weighted rotations (default 200).
 */
import hre, { ethers, network } from "hardhat";
import fs from "node:fs";
import path from "node:path";
import { secp256k1 } from "@noble/curves/secp256k1";
import type { ContractTransactionResponse, Signer } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  deploySuite,
  suiteParams,
  readDeployment,
  deploymentPath,
  recordsDir,
  detectChainKindAt,
  SelectionMode,
  SequencerStatus,
  Parameter,
  type DeploymentRecord,
} from "../deploy";
import {
  buildEquivocationProof,
  operatorVrfKey,
  commitRound,
  encryptForCommittee,
  encryptTimelocked,
  openShare,
  keySharePayload,
  solvePuzzle,
  openingPayload,
  type VrfKey,
} from "../sdk";
import type {
  SequencerRegistry,
  RegistryLens,
  SelectionMechanisms,
  VRFBeacon,
  MEVMitigation,
  PerformanceMonitor,
  AIScheduler,
  SchedulerLens,
  TrainingCoordinator,
} from "../typechain-types";

type Behaviour = "honest" | "slow" | "offline" | "equivocating" | "censoring";

interface Sim {
  registry: SequencerRegistry;
  lens: RegistryLens;
  selection: SelectionMechanisms;
  beacon: VRFBeacon;
  mev: MEVMitigation;
  monitor: PerformanceMonitor;
  scheduler: AIScheduler;
  schedulerLens: SchedulerLens;
  training: TrainingCoordinator;
  gov: Signer;
  origin: string;
  /** Names the report: the chain id, or fork-<chainId>. */
  label: string;
}

interface SimSequencer {
  id: bigint;
  signer: HardhatEthersSigner;
  behaviour: Behaviour;
  stake: bigint;
  vrf: VrfKey;
  encryptionKey: string;
  selected: Record<string, number>;
  /** Share (%) of the selection weight (the pool's bonded stake) when the stake-weighted rotations ran. */
  weightShare?: number;
}

const WR_ROTATIONS = Number(process.env.SIM_ROTATIONS ?? 200);
const OTHER_ROTATIONS = 8;
const STEPS = 9;
const started = Date.now();
const gas = new Map<string, bigint[]>();
const events: string[] = [];

const fmt = (wei: bigint) => Number(ethers.formatEther(wei)).toLocaleString("en-US", { maximumFractionDigits: 3 });
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

function step(n: number, title: string) {
  console.log(`\n[${n}/${STEPS}] ${title}  (${elapsed()})`);
}

function progress(label: string, done: number, total: number) {
  const width = 24;
  const filled = Math.round((done / total) * width);
  const line = `  ${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}${done === total ? "\n" : ""}`);
  else if (done === total || done % Math.max(1, Math.floor(total / 4)) === 0) console.log(line);
}

function note(line: string) {
  events.push(line);
  console.log(`  ${line}`);
}

/** Sends, waits, and records the gas under `op`. */
async function tx(op: string, sent: Promise<ContractTransactionResponse>) {
  const receipt = (await (await sent).wait())!;
  const list = gas.get(op) ?? [];
  list.push(receipt.gasUsed);
  gas.set(op, list);
  return receipt;
}

async function increaseTime(seconds: bigint | number) {
  await network.provider.send("evm_increaseTime", [Number(seconds)]);
  await network.provider.send("evm_mine", []);
}

/** The chain id of FORK_URL's chain (the fork itself runs as Hardhat's chain id). */
async function remoteChainId(url: string): Promise<number> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
  });
  const body = (await response.json()) as { result?: string; error?: { message: string } };
  if (!body.result) throw new Error(`${url}: eth_chainId failed: ${body.error?.message ?? "no result"}`);
  return Number(body.result);
}

async function governanceSigner(record: DeploymentRecord): Promise<Signer> {
  // On a fork the simulation acts as the deployment's governance (multisig or timelock) by impersonation.
  await network.provider.send("hardhat_impersonateAccount", [record.governance]);
  await network.provider.send("hardhat_setBalance", [record.governance, ethers.toQuantity(ethers.parseEther("1000000"))]);
  return ethers.getSigner(record.governance);
}

async function obtainSuite(): Promise<Sim> {
  const [deployer] = await ethers.getSigners();
  const forkUrl = process.env.FORK_URL;
  if (forkUrl) {
    const chainId = await remoteChainId(forkUrl);
    // The fork block itself counts as history, which Hardhat executes only for chains it knows the hardforks of:
    // one local block on top makes every later call run on the configured shanghai rules.
    await network.provider.send("evm_mine", []);
    // A development node (e.g. anvil under Lux's chain id) has its record in deployments/local/, never in deployments/.
    const kind = await detectChainKindAt(forkUrl);
    const dir = recordsDir(kind.local);
    const record = readDeployment(chainId, dir);
    const block = await ethers.provider.getBlockNumber();
    if (record?.complete && (await ethers.provider.getCode(record.contracts.SequencerRegistry!.address)) !== "0x") {
      console.log(
        `Fork of ${kind.local ? "development" : "live"} chain ${chainId} at block ${block}: using the deployment in ` +
          path.relative(process.cwd(), deploymentPath(chainId, dir)),
      );
      const at = async <T>(name: keyof DeploymentRecord["contracts"]) =>
        (await ethers.getContractAt(name, record.contracts[name]!.address)) as unknown as T;
      if (!record.contracts.VRFBeacon)
        throw new Error("the simulation drives the sequencers' VRF beacon; this deployment uses Chainlink VRF");
      return {
        registry: await at("SequencerRegistry"),
        lens: await at("RegistryLens"),
        selection: await at("SelectionMechanisms"),
        beacon: await at("VRFBeacon"),
        mev: await at("MEVMitigation"),
        monitor: await at("PerformanceMonitor"),
        scheduler: await at("AIScheduler"),
        schedulerLens: await at("SchedulerLens"),
        training: await at("TrainingCoordinator"),
        gov: await governanceSigner(record),
        origin: `fork of chain ${chainId} at block ${block}, deployment of ${record.updatedAt}`,
        label: `fork-${chainId}`,
      };
    }
    console.log(`Fork of chain ${chainId} at block ${block}: no LP-504 deployment recorded, deploying the suite on the fork`);
  } else {
    console.log("LP-504 simulation on the built-in Hardhat network (shanghai): deploying the suite");
  }
  const suite = await deploySuite(hre, suiteParams({}), deployer, { log: (l) => console.log(l) });
  return {
    ...suite,
    beacon: suite.beacon!,
    gov: deployer,
    origin: forkUrl ? `fork of ${forkUrl}, suite deployed on the fork` : "built-in Hardhat network",
    label: forkUrl ? `fork-${await remoteChainId(forkUrl)}` : "31337",
  };
}

async function main() {
  const sim = await obtainSuite();
  const { registry, selection, beacon, mev, monitor, scheduler, schedulerLens, training, gov } = sim;
  const { chainId } = await ethers.provider.getNetwork();
  const registryAddress = await registry.getAddress();
  const config = await registry.getConfig();
  const signers = await ethers.getSigners();
  const firstBlock = await ethers.provider.getBlockNumber();

  // ── 1. sequencers ──
  step(1, "Registering 12 sequencers with varied stakes and behaviours, delegations and VRF keys");
  const behaviours: Behaviour[] = [
    "honest",
    "honest",
    "slow",
    "honest",
    "offline",
    "honest",
    "equivocating",
    "honest",
    "censoring",
    "honest",
    "slow",
    "honest",
  ];
  const multiples = [1, 2.5, 1.5, 6, 1.2, 10, 3, 1, 2, 4, 1.1, 8];
  const operatorSigners = signers.slice(20, 32);
  const sequencers: SimSequencer[] = [];
  for (let i = 0; i < operatorSigners.length; i++) {
    const signer = operatorSigners[i];
    if ((await registry.sequencerIdOf(signer.address)) !== 0n) throw new Error(`${signer.address} is already a sequencer on this chain`);
    const stake = (config.minStake * BigInt(Math.round(multiples[i] * 100))) / 100n;
    const encryptionKey = ethers.keccak256(ethers.toUtf8Bytes(`sim encryption key ${i} ${signer.address}`));
    const publicKey = ethers.hexlify(secp256k1.getPublicKey(ethers.getBytes(encryptionKey), true));
    await tx(
      "registry.registerSequencer",
      registry
        .connect(signer)
        .registerSequencer(`enode://sim${i}@10.1.0.${i}:30303`, publicKey, ethers.toUtf8Bytes(`{"behaviour":"${behaviours[i]}"}`), {
          value: stake,
        }),
    );
    const id = await registry.sequencerIdOf(signer.address);
    const vrf = operatorVrfKey(ethers.id(`sim vrf ${i} ${signer.address}`));
    await tx("beacon.registerVRFKey", beacon.connect(signer).registerVRFKey(id, vrf.pk));
    sequencers.push({ id, signer, behaviour: behaviours[i], stake, vrf, encryptionKey, selected: {} });
    progress("registered", i + 1, operatorSigners.length);
  }
  const delegators = signers.slice(32, 38);
  for (let d = 0; d < delegators.length; d++) {
    const target = sequencers[(d * 5) % sequencers.length];
    await tx("registry.delegateStake", registry.connect(delegators[d]).delegateStake(target.id, { value: target.stake / 2n }));
  }
  note(
    `${sequencers.length} sequencers (ids ${sequencers[0].id}–${sequencers.at(-1)!.id}), ${delegators.length} delegations; ${await registry.activeSequencerCount()} active`,
  );
  const byId = new Map(sequencers.map((s) => [s.id, s]));
  const reporter = gov;
  await tx("monitor.grantRole", monitor.connect(gov).grantRole(await monitor.REPORTER_ROLE(), await reporter.getAddress()));

  // Helpers that need the suite.
  const relayer = signers[1];
  async function freshRandomness() {
    for (let attempt = 0; attempt < 64; attempt++) {
      // A draw made for the current turn is what the next rotation applies.
      const [forId] = await selection.rotationDraw();
      if (forId !== 0n && forId === (await registry.currentSequencerId())) return;
      let [, committerId, deadline, open] = await beacon.roundState();
      if (!open) {
        await tx("selection.requestRandomness", selection.connect(relayer).requestRandomness());
        [, committerId, deadline, open] = await beacon.roundState();
      }
      const committer = byId.get(committerId);
      const status = committer ? (await registry.getSequencer(committer.id)).status : undefined;
      // A round a rotation opened long ago (e.g. during another mode's turns) may have timed out: skip it then.
      const latest = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      if (committer && status === BigInt(SequencerStatus.Active) && latest + 1n < deadline) {
        const { gasUsed } = await commitRound(beacon, relayer, committer.vrf);
        (gas.get("beacon.commitVRF") ?? gas.set("beacon.commitVRF", []).get("beacon.commitVRF")!).push(gasUsed);
        return;
      }
      // A committer this simulation holds no key for (another operator on a fork, or a suspended one) times out.
      const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      if (now < deadline) await increaseTime(deadline - now);
      await tx("beacon.skipCommitter", beacon.connect(relayer).skipCommitter());
    }
    throw new Error("no committer of this simulation came up in 64 beacon rounds");
  }

  async function produceBlocks(current: bigint) {
    const s = byId.get(current);
    if (!s) return;
    if (s.behaviour === "offline") return;
    await tx(
      "monitor.recordBlockProduction",
      monitor.connect(reporter).recordBlockProduction(current, await ethers.provider.getBlockNumber(), 8_000_000, 400),
    );
    await tx("monitor.recordLatency", monitor.connect(reporter).recordLatency(current, s.behaviour === "slow" ? 2_400 : 180));
  }

  async function rotateIn(mode: string, count: number, needsRandomness: boolean) {
    for (let k = 0; k < count; k++) {
      const current = await registry.currentSequencerId();
      await produceBlocks(current);
      if (needsRandomness) await freshRandomness();
      await increaseTime(config.rotationPeriod);
      await tx(`registry.rotateSequencer.${mode}`, registry.connect(relayer).rotateSequencer());
      const next = byId.get(await registry.currentSequencerId());
      if (next) next.selected[mode] = (next.selected[mode] ?? 0) + 1;
      progress(mode, k + 1, count);
    }
  }

  async function setMode(mode: SelectionMode) {
    if ((await registry.getConfig()).selectionMode !== BigInt(mode)) {
      await tx("registry.setParameter", registry.connect(gov).setParameter(Parameter.SelectionMode, mode));
    }
  }

  // ── 2. reputation ──
  step(2, "Monitor: blocks, latency and reputation (the performance score selection ranks by)");
  const reputation: Record<Behaviour, number> = { honest: 8_000, slow: 4_500, offline: 3_000, equivocating: 7_000, censoring: 6_500 };
  for (const s of sequencers) {
    const jitter = Number(s.id % 7n) * 150;
    await tx(
      "monitor.updateReputation",
      monitor.connect(reporter).updateReputation(s.id, reputation[s.behaviour] + jitter - Number(await monitor.getReputation(s.id))),
    );
  }
  note(`reputations pushed to the registry: honest ~8,000 bp, slow 4,500, offline 3,000`);

  // ── 3. selection modes ──
  step(3, "Every selection mode: round-robin, stake-weighted (ECVRF beacon), performance, hybrid");
  await setMode(SelectionMode.RoundRobin);
  await rotateIn("roundRobin", OTHER_ROTATIONS, false);
  await setMode(SelectionMode.WeightedRandom);
  const totalWeight = await sim.lens.totalActiveWeight();
  for (const s of sequencers) s.weightShare = Number(((await sim.lens.weightOf(s.id)) * 1_000_000n) / totalWeight) / 10_000;
  await rotateIn("weightedRandom", WR_ROTATIONS, true);
  await setMode(SelectionMode.Performance);
  await rotateIn("performance", OTHER_ROTATIONS, false);
  await setMode(SelectionMode.Hybrid);
  await rotateIn("hybrid", OTHER_ROTATIONS, true);

  // ── 4. auction ──
  step(4, "Auction: sealed bids; the highest bidders win the next turns at one clearing price (the highest losing bid)");
  await setMode(SelectionMode.Auction);
  const auctionId = await selection.connect(gov).initAuction.staticCall(3600);
  await tx("selection.initAuction", selection.connect(gov).initAuction(3600));
  const bidders = [sequencers[1], sequencers[3], sequencers[5], sequencers[7], sequencers[9]];
  const minBid = (await selection.getParameters()).minBid;
  const { bond, revealPeriod } = await selection.auctionParameters();
  const sealedBids = bidders.map((_, b) => ({ amount: minBid * BigInt(b + 1), salt: ethers.id(`simulation salt ${b}`) }));
  for (let b = 0; b < bidders.length; b++) {
    const { amount, salt } = sealedBids[b];
    const commitment = await selection.bidCommitment(auctionId, bidders[b].signer.address, amount, salt);
    // The deposit over-covers the bid and the bond, so it does not reveal the bid.
    const deposit = minBid * BigInt(bidders.length) + bond;
    await tx("selection.commitBid", selection.connect(bidders[b].signer).commitBid(auctionId, commitment, { value: deposit }));
  }
  await increaseTime(3601);
  for (let b = 0; b < bidders.length; b++) {
    await tx("selection.revealBid", selection.connect(bidders[b].signer).revealBid(auctionId, sealedBids[b].amount, sealedBids[b].salt));
  }
  // Every commitment is revealed, so the reveal period (${revealPeriod} s) need not run out.
  await tx("selection.finalizeAuction", selection.connect(relayer).finalizeAuction(auctionId));
  const winners = (await selection.getParameters()).auctionWinners;
  const [turns] = await selection.auctionSchedule(auctionId);
  const { clearingPrice } = await selection.auctionDetails(auctionId);
  const refunds = await Promise.all(bidders.map((b) => selection.pendingReturns(b.signer.address)));
  note(
    `auction ${auctionId}: ${bidders.length} sealed bids (reveal period ${revealPeriod} s), the top ${winners} share ${turns.length} turns at ${fmt(clearingPrice)} LUX each; bidders can withdraw ${fmt(refunds.reduce((a, b) => a + b, 0n))} LUX of deposits (bonds of ${fmt(bond)} LUX held for the dispute period)`,
  );
  await rotateIn("auction", OTHER_ROTATIONS, false);
  await setMode(SelectionMode.RoundRobin);

  // ── 5. misbehaviour ──
  step(5, "Misbehaviour: an equivocation, an offline turn, a censored forced transaction, an SLA breach");
  const watcher = signers[2];
  const cheater = sequencers.find((s) => s.behaviour === "equivocating")!;
  const slot = await registry.currentSlot();
  const evidence = await buildEquivocationProof(
    cheater.signer,
    registryAddress,
    chainId,
    cheater.id,
    slot,
    ethers.id("L2 block (honest)"),
    ethers.id("L2 block (reordered)"),
  );
  const proven = await tx("registry.reportMisbehavior.equivocation", registry.connect(watcher).reportMisbehavior(cheater.id, evidence));
  const proof = proven.logs.map((l) => registry.interface.parseLog(l)).find((e) => e?.name === "EquivocationProven")!;
  note(
    `#${cheater.id} signed two blocks for slot ${slot}: slashed ${fmt(proof.args.slashed)} LUX, ${fmt(proof.args.reporterReward)} LUX credited to the reporter, suspended and out of the set`,
  );
  await tx("registry.withdraw", registry.connect(watcher).withdraw());
  note(`the watcher withdrew its reward; ${await registry.activeSequencerCount()} sequencers active`);

  async function rotateUntil(id: bigint) {
    for (let k = 0; k < 40 && (await registry.currentSequencerId()) !== id; k++) {
      await increaseTime(config.rotationPeriod);
      await tx("registry.rotateSequencer.roundRobin", registry.connect(relayer).rotateSequencer());
    }
    if ((await registry.currentSequencerId()) !== id) throw new Error(`#${id} never came up`);
  }
  const offline = sequencers.find((s) => s.behaviour === "offline")!;
  await rotateUntil(offline.id);
  await tx("monitor.recordMissedSlot", monitor.connect(reporter).recordMissedSlot(offline.id, await registry.currentSlot()));
  await tx("monitor.rotateOnLivenessFailure", monitor.connect(relayer).rotateOnLivenessFailure());
  note(`#${offline.id} missed its slot: rotated away at once to #${await registry.currentSequencerId()}`);

  const censor = sequencers.find((s) => s.behaviour === "censoring")!;
  await rotateUntil(censor.id);
  const fee = (await monitor.getParameters()).minInclusionFee;
  const forcedId = await monitor.connect(watcher).forceInclusion.staticCall(ethers.id("a user's withdrawal"), { value: fee });
  await tx("monitor.forceInclusion", monitor.connect(watcher).forceInclusion(ethers.id("a user's withdrawal"), { value: fee }));
  await increaseTime((await monitor.getParameters()).inclusionWindow + 1n);
  const missed = await tx("monitor.proveMissedInclusion", monitor.connect(watcher).proveMissedInclusion(forcedId));
  const inclusion = missed.logs.map((l) => monitor.interface.parseLog(l)).find((e) => e?.name === "InclusionMissed")!;
  note(
    `#${censor.id} ignored forced transaction ${forcedId}: slashed ${fmt(inclusion.args[2])} LUX, fee refunded, rotated to #${await registry.currentSequencerId()}`,
  );

  const slowOnes = sequencers.filter((s) => s.behaviour === "slow");
  const period = await monitor.currentPeriod();
  for (const s of slowOnes) await tx("monitor.recordLatency", monitor.connect(reporter).recordLatency(s.id, 2_600));
  await increaseTime((await monitor.getParameters()).periodDuration);
  for (const s of slowOnes) {
    const [compliant, violations] = await monitor.slaViolationsAt(s.id, period);
    if (compliant) continue;
    const r = await tx("monitor.penalizeSLAViolation", monitor.connect(relayer).penalizeSLAViolation(s.id, violations));
    const applied = r.logs.map((l) => monitor.interface.parseLog(l)).find((e) => e?.name === "SLAPenaltyApplied")!;
    note(`#${s.id} broke the SLA in period ${period}: slashed ${fmt(applied.args[1])} LUX`);
  }

  // ── 6. MEV ──
  step(6, "Encrypted mempool: threshold decryption and a VDF time-lock");
  const committee = sequencers.filter((s) => s.behaviour === "honest").slice(0, 5);
  await tx(
    "mev.initThresholdDecryption",
    mev.connect(gov).initThresholdDecryption(
      3,
      committee.map((s) => s.signer.address),
    ),
  );
  const publicKeys = await Promise.all(committee.map(async (s) => (await registry.getSequencer(s.id)).publicKey));
  const user = signers[3];
  const plaintext = ethers.hexlify(ethers.toUtf8Bytes("swap 1,000 LUX for USDC, slippage 0.3%"));
  const sealed = encryptForCommittee(plaintext, publicKeys, 3);
  const txId = await mev.connect(user).submitEncrypted.staticCall(sealed.encryptedTx, ethers.keccak256(sealed.payload));
  await tx("mev.submitEncrypted", mev.connect(user).submitEncrypted(sealed.encryptedTx, ethers.keccak256(sealed.payload)));
  for (let i = 0; i < 3; i++) {
    await tx(
      "mev.submitKeyShare",
      mev
        .connect(committee[i].signer)
        .submitKeyShare(txId, keySharePayload(openShare(sealed.encryptedTx, i + 1, committee[i].encryptionKey), sealed.encryptedTx)),
    );
  }
  await tx("mev.decryptTransaction", mev.connect(relayer).decryptTransaction(txId, sealed.ciphertext));
  const opened = await mev.getDecrypted(txId, sealed.ciphertext);
  // The opened payload is salt ‖ transaction; the salt makes the commitment hiding.
  note(`threshold: 3 of 5 shares opened transaction ${txId.slice(0, 10)}…: "${ethers.toUtf8String(ethers.dataSlice(opened, 32))}"`);

  // A short lock keeps the JavaScript solver quick; on a fork this calibration exists only on the fork.
  await tx("mev.setVDFCalibration", mev.connect(gov).setVDFCalibration(2_000));
  const locked = ethers.hexlify(ethers.toUtf8Bytes("sealed bid: 42 LUX"));
  // The sender seals with its RSA trapdoor (cheap); anyone else needs the 4,000 sequential squarings.
  const timelocked = encryptTimelocked(locked, 4_000n);
  const lockId = await mev.connect(user).submitTimelocked.staticCall(timelocked.encryptedTx, 2);
  await tx("mev.submitTimelocked", mev.connect(user).submitTimelocked(timelocked.encryptedTx, 2));
  await increaseTime(2);
  const solution = solvePuzzle(timelocked.puzzle);
  await tx(
    "mev.proveTimeElapsed",
    mev.connect(relayer).proveTimeElapsed(lockId, openingPayload(timelocked.puzzle, solution, timelocked.ciphertext)),
  );
  note(
    `time-lock: ${timelocked.puzzle.squarings} squarings solved and proven (RSW puzzle, Wesolowski), opened "${ethers.toUtf8String(ethers.dataSlice(await mev.getDecrypted(lockId, timelocked.ciphertext), 32))}"`,
  );

  // ── 7. scheduler ──
  step(7, "AI jobs: capabilities, scheduling, rebalancing, settlement");
  const TFLOPS = 10n ** 12n;
  const GiB = 1n << 30n;
  const workers = sequencers.filter((s) => s.behaviour === "honest").slice(0, 4);
  for (let w = 0; w < workers.length; w++) {
    await tx(
      "scheduler.registerCapabilities",
      scheduler.connect(workers[w].signer).registerCapabilities(workers[w].id, {
        sequencerId: workers[w].id,
        availableFlops: BigInt(200 + 100 * w) * TFLOPS,
        availableMemory: BigInt(256 + 128 * w) * GiB,
        networkBandwidth: 10_000n,
        supportedModels: ["llama-3-70b", "bert-large"],
        hasTEE: w % 2 === 0,
        hasGPU: true,
      }),
    );
  }
  const requester = signers[4];
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 7200n;
  const jobIds: string[] = [];
  for (let j = 0; j < 10; j++) {
    const job = {
      jobId: ethers.ZeroHash,
      requiredFlops: BigInt(5 + 2 * j) * TFLOPS,
      memoryRequirement: 16n * GiB,
      deadline,
      priority: j % 4,
      requester: requester.address,
      jobSpec: ethers.toUtf8Bytes(`inference batch ${j}`),
    };
    const id = await scheduler.connect(requester).submitComputeJob.staticCall(job, { value: ethers.parseEther("0.5") });
    await tx("scheduler.submitComputeJob", scheduler.connect(requester).submitComputeJob(job, { value: ethers.parseEther("0.5") }));
    // Everything is offered to one worker first: the imbalance the rebalancer fixes (it moves offers only).
    await tx("scheduler.scheduleJob", scheduler.connect(gov).scheduleJob(id, workers[0].id));
    jobIds.push(id);
  }
  const loadBefore = await Promise.all(workers.map((w) => scheduler.getSequencerLoad(w.id)));
  await tx("scheduler.rebalanceWorkload", scheduler.connect(relayer).rebalanceWorkload());
  const loadAfter = await Promise.all(workers.map((w) => scheduler.getSequencerLoad(w.id)));
  note(`rebalanced: loads ${loadBefore.join("/")} → ${loadAfter.join("/")} (bp of capacity)`);
  let settled = 0;
  for (const id of jobIds.slice(0, 4)) {
    const [job] = await schedulerLens.getJob(id);
    const worker = byId.get(BigInt(job.sequencerId))!;
    // An offer becomes the worker's duty (and slashable) only once it accepts it.
    await tx("scheduler.acceptJob", scheduler.connect(worker.signer).acceptJob(id));
    await tx("scheduler.startJob", scheduler.connect(worker.signer).startJob(id));
    await tx("scheduler.submitResult", scheduler.connect(worker.signer).submitResult(id, ethers.id(`result ${id}`), 1_000_000));
    await tx("scheduler.completeJob", scheduler.connect(requester).completeJob(id));
    settled++;
  }
  note(`${jobIds.length} jobs submitted, ${settled} completed and paid (pull), the rest still escrowed`);

  // ── 8. training ──
  step(8, "Distributed training: a cluster loses a member and recovers");
  const members = sequencers.filter((s) => s.behaviour === "honest").slice(0, 5);
  const spare = sequencers.filter((s) => s.behaviour === "honest")[5];
  const modelHash = ethers.id("bert-large");
  const ids = members.map((m) => m.id);
  const clusterId = await training.connect(gov).createTrainingCluster.staticCall(ids, modelHash);
  await tx("training.createTrainingCluster", training.connect(gov).createTrainingCluster(ids, modelHash));
  for (let i = 0; i < members.length; i++) {
    await tx(
      "training.assignDataShard",
      training.connect(gov).assignDataShard(clusterId, members[i].id, {
        shardId: ethers.id(`shard ${i}`),
        sequencerId: members[i].id,
        dataHash: ethers.id(`data ${i}`),
        numSamples: 10_000,
        startIndex: i * 10_000,
        endIndex: (i + 1) * 10_000,
      }),
    );
  }
  async function epoch(n: number, who: SimSequencer[]) {
    for (const m of who) {
      await tx(
        "training.submitGradient",
        training.connect(m.signer).submitGradient({
          clusterId,
          sequencerId: m.id,
          epoch: n,
          gradientHash: ethers.id(`gradient ${n} ${m.id}`),
          loss: 1000 - n * 100 - Number(m.id % 10n),
          timestamp: 0,
        }),
      );
    }
    const aggregated = await training.connect(gov).aggregateGradients.staticCall(clusterId, n);
    await tx("training.aggregateGradients", training.connect(gov).aggregateGradients(clusterId, n));
    await tx("training.broadcastWeights", training.connect(gov).broadcastWeights(clusterId, aggregated));
  }
  await epoch(1, members);
  const failed = members[2];
  await tx("training.reportFailure", training.connect(gov).reportFailure(clusterId, failed.id));
  await tx("training.reassignWork", training.connect(gov).reassignWork(clusterId, failed.id, spare.id));
  await epoch(
    2,
    members.map((m) => (m === failed ? spare : m)),
  );
  const cluster = await training.getCluster(clusterId);
  note(
    `cluster ${clusterId.slice(0, 10)}…: #${failed.id} failed after epoch 1, #${spare.id} took its shard; now at epoch ${cluster.currentEpoch}, members ${cluster.sequencerIds.join(",")}`,
  );

  // ── 9. report ──
  step(9, "Report");
  await writeReport(sim, sequencers, firstBlock, sim.label);
}

async function writeReport(sim: Sim, sequencers: SimSequencer[], firstBlock: number, chainId: string) {
  const { registry, lens } = sim;
  const slashed = new Map<bigint, bigint>();
  for (const log of await registry.queryFilter(registry.filters.SequencerSlashed(), firstBlock)) {
    slashed.set(log.args.sequencerId, (slashed.get(log.args.sequencerId) ?? 0n) + log.args.amount);
  }
  const wrTotal = sequencers.reduce((a, s) => a + (s.selected.weightedRandom ?? 0), 0);
  const rows = [];
  for (const s of sequencers) {
    const info = await registry.getSequencer(s.id);
    const pool = await lens.getPool(s.id);
    rows.push({
      id: Number(s.id),
      behaviour: s.behaviour,
      stakeLux: Number(ethers.formatEther(s.stake)),
      poolLux: Number(ethers.formatEther(pool.bondedStake)),
      status: SequencerStatus[Number(info.status)],
      score: Number(await registry.performanceOf(s.id)),
      slashedLux: Number(ethers.formatEther(slashed.get(s.id) ?? 0n)),
      selected: s.selected,
      stakeShare: Math.round((s.weightShare ?? 0) * 100) / 100,
      weightedShare: wrTotal ? Math.round(((s.selected.weightedRandom ?? 0) / wrTotal) * 10_000) / 100 : 0,
    });
  }
  const gasTable = [...gas.entries()]
    .map(([op, list]) => ({
      op,
      calls: list.length,
      mean: Number(list.reduce((a, b) => a + b, 0n) / BigInt(list.length)),
      min: Number(list.reduce((a, b) => (b < a ? b : a))),
      max: Number(list.reduce((a, b) => (b > a ? b : a))),
    }))
    .sort((a, b) => a.op.localeCompare(b.op));
  const { log, timeline, span } = await chainRecord(sim, firstBlock);
  const summary = {
    origin: sim.origin,
    chainId,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    span,
    rotations: { weightedRandom: WR_ROTATIONS, others: OTHER_ROTATIONS },
    insuranceFundLux: Number(ethers.formatEther(await registry.insuranceFund())),
    activeSequencer: await registry.getActiveSequencer(),
    notes: events,
    timeline,
    sequencers: rows,
    gas: gasTable.map((g) => ({ ...g, target: GAS_TARGETS[g.op] })),
    events: log,
  };
  const dir = path.join(__dirname, "..", "reports");
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `simulation-${chainId}`);
  fs.writeFileSync(`${base}.json`, JSON.stringify(summary, null, 2) + "\n");
  fs.writeFileSync(`${base}.svg`, chart(rows));
  fs.writeFileSync(`${base}.timeline.svg`, timelineChart(timeline, span, rows.length));
  fs.writeFileSync(`${base}.modes.svg`, modesChart(rows));
  fs.writeFileSync(`${base}.gas.svg`, gasChart(gasTable));
  fs.writeFileSync(`${base}.md`, markdown(summary, rows, gasTable, path.basename(base)));
  console.table(
    rows.map((r) => ({
      id: r.id,
      behaviour: r.behaviour,
      stake: r.stakeLux,
      status: r.status,
      score: r.score,
      slashed: r.slashedLux,
      "weight %": r.stakeShare,
      "drawn %": r.weightedShare,
    })),
  );
  console.log(
    `\nReport: ${path.relative(process.cwd(), base)}.md (.json, 4 SVG charts) · ${timeline.length} handovers and ${log.length} events ` +
      `over ${formatSpan(span.seconds)} of chain time · ${summary.seconds} s`,
  );
}

type Row = {
  id: number;
  behaviour: string;
  stakeShare: number;
  weightedShare: number;
  stakeLux: number;
  poolLux: number;
  status: string;
  score: number;
  slashedLux: number;
  selected: Record<string, number>;
};

function markdown(
  summary: {
    origin: string;
    chainId: string;
    seconds: number;
    span: Span;
    insuranceFundLux: number;
    notes: string[];
    timeline: Handover[];
    events: unknown[];
  },
  rows: Row[],
  gasTable: { op: string; calls: number; mean: number; min: number; max: number }[],
  base: string,
) {
  const svg = `${base}.svg`;
  const modeCounts = new Map<string, number>();
  for (const h of summary.timeline) modeCounts.set(h.mode, (modeCounts.get(h.mode) ?? 0) + 1);
  const lines = [
    `# LP-504 simulation report`,
    ``,
    `${summary.origin} · chain ${summary.chainId} · ${summary.seconds} s of wall time · ` +
      `${formatSpan(summary.span.seconds)} of chain time (${summary.span.from} → ${summary.span.to}, blocks ` +
      `${summary.span.fromBlock}–${summary.span.toBlock}) · insurance fund ${summary.insuranceFundLux} LUX`,
    ``,
    `## What happened`,
    ...summary.notes.map((e) => `- ${e}`),
    ``,
    `## Rotation timeline`,
    ``,
    `${summary.timeline.length} handovers (${[...modeCounts].map(([m, n]) => `${m} ${n}`).join(", ")}), read back from the registry's`,
    `\`SequencerRotated\` events; the mode is the one in force at the handover (\`ParameterUpdated\`). Every event of the suite`,
    `since the run began is in the JSON report (\`events\`: contract, event, block, time, arguments; ${summary.events.length} of them).`,
    ``,
    `![rotation timeline](${base}.timeline.svg)`,
    ``,
    `## Selections per mode`,
    ``,
    `![selections per mode](${base}.modes.svg)`,
    ``,
    `## Selection distribution against stake`,
    ``,
    `Stake-weighted draws (${WR_ROTATIONS} rotations on ECVRF beacon randomness) against each sequencer's share of the selection`,
    `weight (its pool's bonded stake, delegations included) when they ran. A rotation never hands the turn to the current sequencer,`,
    `so the largest pools are drawn a little less than their weight and the small ones a little more.`,
    `Total variation distance between the two: ${tvd(rows)}.`,
    ``,
    `![selection distribution](${svg})`,
    ``,
    `| id | behaviour | stake (LUX) | pool (LUX) | status | score (bp) | slashed (LUX) | stake % | drawn % | RR | WR | perf | hybrid | auction |`,
    `| --: | --- | --: | --: | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |`,
    ...rows.map(
      (r) =>
        `| ${r.id} | ${r.behaviour} | ${r.stakeLux} | ${r.poolLux} | ${r.status} | ${r.score} | ${r.slashedLux} | ${r.stakeShare} | ${r.weightedShare} | ${r.selected.roundRobin ?? 0} | ${r.selected.weightedRandom ?? 0} | ${r.selected.performance ?? 0} | ${r.selected.hybrid ?? 0} | ${r.selected.auction ?? 0} |`,
    ),
    ``,
    `## Gas per operation`,
    ``,
    `Mean gas of each operation the run sent. Where the project sets a target (docs/GAS.md: measured at 10,000 sequencers in`,
    `the bench's conditions), the chart marks it; a call here may do more (a report against the sequencer holding the turn also hands it over).`,
    ``,
    `![gas against targets](${base}.gas.svg)`,
    ``,
    `| operation | calls | mean | min | max | target |`,
    `| --- | --: | --: | --: | --: | --- |`,
    ...gasTable.map(
      (g) =>
        `| ${g.op} | ${g.calls} | ${g.mean} | ${g.min} | ${g.max} | ${
          GAS_TARGETS[g.op] ? `${GAS_TARGETS[g.op]} (${g.max <= GAS_TARGETS[g.op] ? "below" : "above"})` : ""
        } |`,
    ),
    ``,
  ];
  return lines.join("\n");
}

function tvd(rows: Row[]): string {
  const d = rows.reduce((a, r) => a + Math.abs(r.stakeShare - r.weightedShare), 0) / 200;
  return d.toFixed(3);
}

/** Grouped bars: stake share and stake-weighted selection share per sequencer. */
function chart(rows: Row[]): string {
  const w = 760,
    h = 320,
    left = 50,
    bottom = 40,
    top = 30;
  const plotW = w - left - 20,
    plotH = h - top - bottom;
  const max = Math.max(5, ...rows.map((r) => Math.max(r.stakeShare, r.weightedShare)));
  const scale = (v: number) => (v / max) * plotH;
  const group = plotW / rows.length;
  const bar = group * 0.35;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${left}" y="18" font-size="13">Stake-weighted selection vs selection weight (%)</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${w - 20}" y2="${top + plotH}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`,
  ];
  for (let t = 0; t <= 4; t++) {
    const v = (max / 4) * t;
    const y = top + plotH - scale(v);
    parts.push(
      `<text x="${left - 6}" y="${y + 4}" text-anchor="end">${v.toFixed(0)}</text>`,
      `<line x1="${left}" y1="${y}" x2="${w - 20}" y2="${y}" stroke="#eee"/>`,
    );
  }
  rows.forEach((r, i) => {
    const x = left + i * group + group * 0.12;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${(top + plotH - scale(r.stakeShare)).toFixed(1)}" width="${bar.toFixed(1)}" height="${scale(r.stakeShare).toFixed(1)}" fill="#8da0cb"><title>#${r.id} stake ${r.stakeShare}%</title></rect>`,
      `<rect x="${(x + bar).toFixed(1)}" y="${(top + plotH - scale(r.weightedShare)).toFixed(1)}" width="${bar.toFixed(1)}" height="${scale(r.weightedShare).toFixed(1)}" fill="#fc8d62"><title>#${r.id} drawn ${r.weightedShare}%</title></rect>`,
      `<text x="${(x + bar).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle">#${r.id}</text>`,
      `<text x="${(x + bar).toFixed(1)}" y="${top + plotH + 27}" text-anchor="middle" fill="#777" font-size="9">${r.behaviour.slice(0, 6)}</text>`,
    );
  });
  parts.push(
    `<rect x="${w - 190}" y="8" width="10" height="10" fill="#8da0cb"/><text x="${w - 176}" y="17">weight share</text>`,
    `<rect x="${w - 100}" y="8" width="10" height="10" fill="#fc8d62"/><text x="${w - 86}" y="17">drawn share</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}

/** The project's gas targets (docs/GAS.md), for the operations the simulation sends. */
const GAS_TARGETS: Record<string, number> = {
  "registry.registerSequencer": 300_000,
  "registry.reportMisbehavior.equivocation": 180_000,
  "monitor.recordAttestedBlock": 400_000,
};

interface Span {
  fromBlock: number;
  toBlock: number;
  from: string;
  to: string;
  seconds: number;
}

interface Handover {
  block: number;
  time: string;
  /** Seconds of chain time since the run began. */
  offset: number;
  sequencerId: number;
  mode: string;
}

const plain = (v: unknown): unknown => (typeof v === "bigint" ? v.toString() : Array.isArray(v) ? v.map(plain) : v);

/**
 * What the chain recorded since the run began: every event of the suite's contracts, decoded (contract, event,
 * block, time, named arguments), the handovers with the mode in force at each, and the span of chain time.
 */
async function chainRecord(sim: Sim, firstBlock: number) {
  const contracts = {
    registry: sim.registry,
    selection: sim.selection,
    beacon: sim.beacon,
    mev: sim.mev,
    monitor: sim.monitor,
    scheduler: sim.scheduler,
    training: sim.training,
  };
  const times = new Map<number, number>();
  const timeOf = async (block: number) => {
    if (!times.has(block)) times.set(block, (await ethers.provider.getBlock(block))!.timestamp);
    return times.get(block)!;
  };
  const log: { contract: string; event: string; block: number; logIndex: number; time: string; args: Record<string, unknown> }[] = [];
  for (const [contract, c] of Object.entries(contracts)) {
    for (const e of await (c as SequencerRegistry).queryFilter("*" as never, firstBlock)) {
      if (!("fragment" in e)) continue;
      const args: Record<string, unknown> = {};
      e.fragment.inputs.forEach((input, i) => (args[input.name || String(i)] = plain(e.args[i])));
      log.push({ contract, event: e.fragment.name, block: e.blockNumber, logIndex: e.index, time: "", args });
    }
  }
  log.sort((a, b) => a.block - b.block || a.logIndex - b.logIndex);
  for (const entry of log) entry.time = new Date((await timeOf(entry.block)) * 1000).toISOString();

  const toBlock = await ethers.provider.getBlockNumber();
  const start = await timeOf(firstBlock);
  const end = await timeOf(toBlock);
  const span: Span = {
    fromBlock: firstBlock,
    toBlock,
    from: new Date(start * 1000).toISOString(),
    to: new Date(end * 1000).toISOString(),
    seconds: end - start,
  };

  const modeChange = String(Parameter.SelectionMode);
  const firstChange = log.find((e) => e.event === "ParameterUpdated" && e.args.parameter === modeChange);
  let mode = SelectionMode[Number(firstChange ? firstChange.args.oldValue : (await sim.registry.getConfig()).selectionMode)];
  const timeline: Handover[] = [];
  const ids = new Map<string, number>();
  for (const e of log) {
    if (e.contract !== "registry") continue;
    if (e.event === "ParameterUpdated" && e.args.parameter === modeChange) mode = SelectionMode[Number(e.args.newValue)];
    if (e.event === "SequencerRotated") {
      // The spec's event names operators; the id is the registry's for that operator (the L1 fallback has none: 0).
      const operator = String(e.args.newSequencer);
      if (!ids.has(operator)) ids.set(operator, Number(await sim.registry.sequencerIdOf(operator)));
      const t = await timeOf(e.block);
      timeline.push({ block: e.block, time: e.time, offset: t - start, sequencerId: ids.get(operator)!, mode });
    }
  }
  return { log, timeline, span };
}

function formatSpan(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min ${seconds % 60} s`;
}

const MODE_COLOURS: Record<string, string> = {
  RoundRobin: "#66c2a5",
  WeightedRandom: "#fc8d62",
  Auction: "#8da0cb",
  Performance: "#e78ac3",
  Hybrid: "#a6d854",
  roundRobin: "#66c2a5",
  weightedRandom: "#fc8d62",
  auction: "#8da0cb",
  performance: "#e78ac3",
  hybrid: "#a6d854",
};

function legend(entries: [string, string][], x: number, y: number): string[] {
  return entries.map(
    ([label, colour], i) =>
      `<rect x="${x + i * 120}" y="${y - 9}" width="10" height="10" fill="${colour}"/><text x="${x + i * 120 + 14}" y="${y}">${label}</text>`,
  );
}

/** Each handover as a dot: chain time across, the sequencer that took the turn down, the mode as its colour. */
function timelineChart(timeline: Handover[], span: Span, sequencers: number): string {
  const w = 760,
    left = 50,
    top = 40,
    row = 16;
  const plotW = w - left - 20;
  const h = top + row * sequencers + 40;
  const x = (offset: number) => left + (span.seconds ? (offset / span.seconds) * plotW : 0);
  const modes = [...new Set(timeline.map((t) => t.mode))];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${left}" y="16" font-size="13">Who held the turn: each handover over ${formatSpan(span.seconds)} of chain time</text>`,
    ...legend(
      modes.map((m) => [m, MODE_COLOURS[m] ?? "#999"]),
      left,
      32,
    ),
  ];
  for (let id = 1; id <= sequencers; id++) {
    const y = top + row * (id - 1) + row / 2;
    parts.push(
      `<text x="${left - 6}" y="${y + 4}" text-anchor="end">#${id}</text>`,
      `<line x1="${left}" y1="${y}" x2="${w - 20}" y2="${y}" stroke="#f0f0f0"/>`,
    );
  }
  for (const t of timeline) {
    if (t.sequencerId < 1 || t.sequencerId > sequencers) continue;
    const y = top + row * (t.sequencerId - 1) + row / 2;
    parts.push(
      `<circle cx="${x(t.offset).toFixed(1)}" cy="${y}" r="3" fill="${MODE_COLOURS[t.mode] ?? "#999"}"><title>${t.time} #${t.sequencerId} (${t.mode})</title></circle>`,
    );
  }
  const axis = top + row * sequencers + 14;
  parts.push(
    `<text x="${left}" y="${axis}">${span.from.slice(0, 16).replace("T", " ")}</text>`,
    `<text x="${w - 20}" y="${axis}" text-anchor="end">${span.to.slice(0, 16).replace("T", " ")} UTC</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}

/** Stacked bars: how many turns each sequencer was given in each selection mode. */
function modesChart(rows: Row[]): string {
  const w = 760,
    h = 320,
    left = 50,
    bottom = 40,
    top = 40;
  const plotW = w - left - 20,
    plotH = h - top - bottom;
  const modes = [...new Set(rows.flatMap((r) => Object.keys(r.selected)))];
  const total = (r: Row) => modes.reduce((a, m) => a + (r.selected[m] ?? 0), 0);
  const max = Math.max(1, ...rows.map(total));
  const scale = (v: number) => (v / max) * plotH;
  const group = plotW / Math.max(1, rows.length);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${left}" y="16" font-size="13">Turns given to each sequencer, by selection mode</text>`,
    ...legend(
      modes.map((m) => [m, MODE_COLOURS[m] ?? "#999"]),
      left,
      32,
    ),
    `<line x1="${left}" y1="${top + plotH}" x2="${w - 20}" y2="${top + plotH}" stroke="#333"/>`,
  ];
  for (let t = 0; t <= 4; t++) {
    const v = Math.round((max / 4) * t);
    const y = top + plotH - scale(v);
    parts.push(
      `<text x="${left - 6}" y="${y + 4}" text-anchor="end">${v}</text>`,
      `<line x1="${left}" y1="${y}" x2="${w - 20}" y2="${y}" stroke="#eee"/>`,
    );
  }
  rows.forEach((r, i) => {
    const x = left + i * group + group * 0.2;
    let y = top + plotH;
    for (const m of modes) {
      const n = r.selected[m] ?? 0;
      if (n === 0) continue;
      y -= scale(n);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(group * 0.6).toFixed(1)}" height="${scale(n).toFixed(1)}" fill="${MODE_COLOURS[m] ?? "#999"}"><title>#${r.id} ${m}: ${n}</title></rect>`,
      );
    }
    parts.push(`<text x="${(x + group * 0.3).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle">#${r.id}</text>`);
  });
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}

/** Horizontal bars of each operation's mean gas; a red tick where the project sets a target. */
function gasChart(gasTable: { op: string; mean: number; max: number }[]): string {
  const w = 760,
    left = 280,
    top = 30,
    row = 14;
  const h = top + row * gasTable.length + 20;
  const max = Math.max(...gasTable.map((g) => Math.max(g.max, GAS_TARGETS[g.op] ?? 0)));
  const x = (v: number) => left + (v / max) * (w - left - 60);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="10">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="10" y="16" font-size="13">Mean gas per operation (red: the target)</text>`,
  ];
  gasTable.forEach((g, i) => {
    const y = top + i * row;
    const target = GAS_TARGETS[g.op];
    parts.push(
      `<text x="${left - 6}" y="${y + 10}" text-anchor="end">${g.op}</text>`,
      `<rect x="${left}" y="${y + 2}" width="${(x(g.mean) - left).toFixed(1)}" height="${row - 4}" fill="${target && g.max > target ? "#d7301f" : "#8da0cb"}"/>`,
      `<text x="${(x(g.mean) + 4).toFixed(1)}" y="${y + 10}">${Math.round(g.mean / 1000)}k</text>`,
    );
    if (target)
      parts.push(
        `<line x1="${x(target).toFixed(1)}" y1="${y}" x2="${x(target).toFixed(1)}" y2="${y + row}" stroke="#d7301f" stroke-width="2"/>`,
      );
  });
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
