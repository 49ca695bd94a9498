import { expect } from "chai";
import hre, { ethers } from "hardhat";
import fs from "node:fs";
import path from "node:path";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySuite, paramsFromJson, suiteParams, type DeploymentRecord } from "../../deploy";
import { deployRegistryFixture } from "../helpers/fixtures";
import { checkDeployment } from "../../tasks/deploy";
import { monitorParams, monitorSLA } from "../helpers/monitor";

const PARAMS_DIR = path.join(__dirname, "..", "..", "deploy", "params");
const loadFile = (network: string) => JSON.parse(fs.readFileSync(path.join(PARAMS_DIR, `${network}.json`), "utf8"));

/**
 * Review session 6: the wiring table (deploy/wiring.ts) that `lp504 check` reads back.
 *
 * A deployer runs deploySuite for a separate governance. Between its grants and its renunciations (one crash
 * and a resume, as the resumable deployment allows), it sends a few transactions of its own while it still
 * administers every contract. deploySuite then completes the hand-over and `lp504 check` reports every line ok,
 * although the deployer kept operational roles / redirected a money link.
 */
describe("Review session 6: lp504 check passes a deployment whose deployer kept power", function () {
  this.timeout(600_000);

  /** Runs deploySuite with a separate governance, stops it after the first renunciation, lets `meddle` run
   *  with the deployer still admin of the registry, scheduler, monitor, selection, then resumes to completion. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async function deployWithMeddling(meddle: (c: any) => Promise<void>) {
    const signers = await ethers.getSigners();
    const [deployer, governance] = [signers[0], signers[5]];
    const params = paramsFromJson({ ...loadFile("luxTestnet"), governance: governance.address });
    let saved: DeploymentRecord | undefined;
    const save = (r: DeploymentRecord) => {
      saved = JSON.parse(JSON.stringify(r));
    };
    const stopAtFirstRenunciation = (line: string) => {
      if (/not held by the deployer/.test(line)) throw new Error("simulated stop after the first renunciation");
    };
    await expect(deploySuite(hre, params, deployer, { save, log: stopAtFirstRenunciation })).to.be.rejectedWith("simulated stop");
    expect(saved!.complete).to.equal(false);
    // Attach the contracts of the unfinished deployment (same deployer, which still holds the admin roles).
    const c = {
      registry: await ethers.getContractAt("SequencerRegistry", saved!.contracts.SequencerRegistry!.address, deployer),
      selection: await ethers.getContractAt("SelectionMechanisms", saved!.contracts.SelectionMechanisms!.address, deployer),
      monitor: await ethers.getContractAt("PerformanceMonitor", saved!.contracts.PerformanceMonitor!.address, deployer),
      scheduler: await ethers.getContractAt("AIScheduler", saved!.contracts.AIScheduler!.address, deployer),
    };
    await meddle({ ...c, deployer, governance, signers });
    // The deployer resumes its own unfinished deployment: deploySuite finishes the renunciations.
    const suite = await deploySuite(hre, params, deployer, { resume: saved!, save });
    expect(saved!.complete).to.equal(true);
    return { suite, record: saved!, deployer, governance, signers, params };
  }

  it("the check fails when the deployer still holds an operational role (registry SLASHER_ROLE, monitor REPORTER_ROLE, scheduler ARBITER_ROLE)", async () => {
    const { suite, record, deployer, signers } = await deployWithMeddling(async ({ registry, monitor, scheduler, deployer }) => {
      await (await registry.grantRole(await registry.SLASHER_ROLE(), deployer.address)).wait();
      await (await registry.grantRole(await registry.MONITOR_ROLE(), deployer.address)).wait();
      await (await monitor.grantRole(await monitor.REPORTER_ROLE(), deployer.address)).wait();
      await (await scheduler.grantRole(await scheduler.ARBITER_ROLE(), deployer.address)).wait();
    });
    const checks = await checkDeployment(hre, record);
    const failed = checks.filter((c) => !c.ok).map((c) => c.what);

    // The harm the passing check hides: the deployer, which "renounced every role", slashes an honest operator.
    const operator = signers[7];
    const minStake = (await suite.registry.getConfig()).minStake;
    await (await suite.registry.connect(operator).registerSequencer("enode://x", "0x02", "0x", { value: minStake * 2n })).wait();
    const id = await suite.registry.sequencerIdOf(operator.address);
    await (await suite.registry.connect(deployer).slash(id, minStake)).wait(); // succeeds today
    expect(await suite.registry.hasRole(await suite.registry.SLASHER_ROLE(), deployer.address)).to.equal(true);

    // Safe outcome: lp504 check must report the deployer's leftover roles. Today every check is ok.
    expect(failed, "lp504 check reports no failure although the deployer kept SLASHER/MONITOR/REPORTER/ARBITER roles").to.not.be.empty;
  });

  it("the check fails when the selection's rewards recipient (auction proceeds, now credited in the registry) or the monitor's penalties are not the deployed ones", async () => {
    const { suite, record, deployer, governance } = await deployWithMeddling(async ({ selection, monitor, deployer }) => {
      await (await selection.setRewardsRecipient(deployer.address)).wait();
      // Nor the hybrid weights: the auction method (a listed limitation when non-zero) switched on.
      await (await selection.setHybridWeights([25, 25, 25, 25])).wait();
      // The monitor's penalties are not read back either: raised to their 20% bounds.
      await (await monitor.setParameters({ ...(await monitorParams(monitor)), slaPenaltyBps: 2000n, censorshipPenaltyBps: 2000n })).wait();
    });
    expect((await suite.monitor.getParameters()).censorshipPenaltyBps).to.equal(2000n);
    const recipient = (await suite.selection.getParameters()).rewardsRecipient;
    expect(recipient).to.equal(deployer.address); // auction proceeds' net now accrue to the deployer's registry balance
    expect(recipient).to.not.equal(governance.address);
    const checks = await checkDeployment(hre, record);
    const failed = checks.filter((c) => !c.ok).map((c) => c.what);
    expect(failed, "lp504 check reports no failure although the rewards recipient is the deployer").to.not.be.empty;
  });
});

/**
 * The monitor's NatSpec: "a sequencer is judged ... only for time in which it held the turn". The SLA's throughput
 * term divides the sequencer's transactions by the whole period (periodDuration), whatever share of it the
 * sequencer held the turn. A sequencer whose duty in a period is one short stretch (its turn crossed the period
 * boundary and the round-robin does not come back to it within the period) is in breach even at full target
 * throughput, and anyone slashes it (1% of the pool, delegators included; suspension at the third breach).
 */
describe("Review session 6: an honest sequencer is slashed for throughput over time it did not hold the turn", function () {
  this.timeout(600_000);
  const DAY = 86400n;

  it("a sequencer that produced every slot of its duty at targetTps is not in SLA breach for that period", async () => {
    // Ten sequencers, 3-hour turns: eight turns a day, so a sequencer gets at most one turn per daily period.
    const f = await deployRegistryFixture(suiteParams({ registry: { config: { rotationPeriod: 10_800n } } }));
    const [reporter, anyone] = [f.accounts[18], f.accounts[17]];
    await (await f.monitor.grantRole(await f.monitor.REPORTER_ROLE(), reporter.address)).wait();
    for (let i = 0; i < 10; i++) {
      await (
        await f.registry.connect(f.accounts[i]).registerSequencer(`enode://s${i}`, "0x02", "0x", { value: ethers.parseEther("1000") })
      ).wait();
    }
    const params = await f.monitor.getParameters();
    const genesis = await f.monitor.GENESIS_TIME();
    const slot = await f.monitor.SLOT_DURATION();
    const period = (BigInt(await time.latest()) - genesis) / DAY + 2n; // a period wholly in the future
    const boundary = genesis + period * DAY;

    // A turn that begins 2 h 50 min before the boundary: 10 minutes of it fall in `period`.
    await time.increaseTo(boundary - 10_800n + 600n);
    await (await f.registry.rotateSequencer()).wait();
    const victim = await f.registry.currentSequencerId();
    await time.increaseTo(boundary);
    // Its 10 minutes of `period`: every slot produced, each block at exactly targetTps (100 tx/s × 12 s).
    const perBlock = params.targetTps * slot;
    let blockNumber = 10_000;
    for (let i = 0n; i < 600n / slot; i++) {
      await time.setNextBlockTimestamp(boundary + i * slot + 1n);
      await (await f.monitor.connect(reporter).recordBlockProduction(victim, blockNumber++, 15_000_000, perBlock)).wait();
    }
    // The rest of the period belongs to the other nine sequencers, one 3-hour turn each (eight fit).
    await time.increaseTo(boundary + 600n);
    for (let t = 0; t < 8; t++) {
      await (await f.registry.rotateSequencer()).wait();
      expect(await f.registry.currentSequencerId()).to.not.equal(victim);
      if (t < 7) await time.increase(10_800);
    }
    await time.increaseTo(boundary + DAY + 1n);
    expect(await f.monitor.currentPeriod()).to.equal(period + 1n);

    const metrics = await f.monitor.getPerformanceMetrics(victim, period);
    expect(metrics.uptime).to.equal(10_000n); // every slot of its duty produced
    const [compliant, violations] = await f.monitor.slaViolationsAt(victim, period);

    // Today: a Throughput violation (60,000 tx / 86,400 s = 0 < 1 tps), and anyone slashes the pool for it.
    const before = (await f.registry.getSequencer(victim)).stake;
    let slashed = 0n;
    try {
      await (await f.monitor.connect(anyone).penalizeSLAViolation(victim, violations)).wait();
      slashed = before - (await f.registry.getSequencer(victim)).stake;
    } catch {
      slashed = 0n;
    }
    expect(slashed, "anyone slashed an honest sequencer for throughput over time it did not hold the turn").to.equal(0n);
    expect(compliant).to.equal(true);
  });
});

/**
 * Forced inclusion used to name a transaction by its hash alone: the monitor never saw the transaction, so it could
 * not tell a censor from a sequencer that was never given anything it could include. A requester of a hash that no
 * transaction has waited out the window, proved the "miss" and got its fee back: an honest sequencer on duty lost
 * `censorshipPenaltyBps` of its pool, delegators included, and its turn, for the attacker's gas alone. Now the
 * requester queues the transaction's bytes, published in `InclusionForced`: the sequencer on duty always has what it
 * must include, and the hash is the hash of those bytes.
 */
describe("Review session 6: a forced-inclusion hash with no transaction behind it slashes an honest sequencer for free", function () {
  it("the queued transaction's bytes are published, so an honest sequencer includes them and nobody can prove a miss", async () => {
    const f = await deployRegistryFixture();
    const attacker = f.accounts[16];
    for (let i = 0; i < 3; i++) {
      await (
        await f.registry.connect(f.accounts[i]).registerSequencer(`enode://g${i}`, "0x02", "0x", { value: ethers.parseEther("1000") })
      ).wait();
    }
    // A delegator of the victim's pool: it would lose too.
    const victim = await f.registry.currentSequencerId();
    await (await f.registry.connect(f.accounts[10]).delegateStake(victim, { value: ethers.parseEther("5000") })).wait();
    const poolBefore = (await f.lens.getPool(victim)).bondedStake;
    const fee = (await f.monitor.getParameters()).minInclusionFee;

    // Nothing to name: an empty transaction is refused.
    await expect(f.monitor.connect(attacker).forceInclusion("0x", { value: fee })).to.be.revertedWithCustomError(
      f.monitor,
      "MonitorEmptyTransaction",
    );
    // Nor more than a node accepts as one transaction: no sequencer could include it.
    const max = await f.monitor.MAX_FORCED_TX_BYTES();
    await expect(f.monitor.connect(attacker).forceInclusion(new Uint8Array(Number(max) + 1), { value: fee }))
      .to.be.revertedWithCustomError(f.monitor, "MonitorTransactionTooLarge")
      .withArgs(max + 1n, max);
    // The attacker queues arbitrary bytes (no transaction it ever sent the sequencer). They are published.
    const junk = ethers.hexlify(ethers.randomBytes(48));
    const receipt = (await (await f.monitor.connect(attacker).forceInclusion(junk, { value: fee })).wait())!;
    const event = receipt.logs.map((l) => f.monitor.interface.parseLog(l)).find((e) => e?.name === "InclusionForced")!;
    expect(event.args.transaction).to.equal(junk);
    expect(event.args.txHash).to.equal(ethers.keccak256(junk));
    expect((await f.monitor.getForcedTx(1)).txHash).to.equal(ethers.keccak256(junk));

    // The honest sequencer, watching the event, includes exactly those bytes in its next batch and marks them.
    const operator = await ethers.getSigner(await f.registry.operatorOf(victim));
    await (await f.monitor.connect(operator).markIncluded(1)).wait();
    const queued = await f.monitor.getForcedTx(1);
    await time.increaseTo(queued.deadline + 1n);
    await expect(f.monitor.connect(attacker).proveMissedInclusion(1)).to.be.revertedWithCustomError(f.monitor, "MonitorForcedTxSettled");
    expect((await f.lens.getPool(victim)).bondedStake).to.equal(poolBefore);
    expect(await f.monitor.balanceOf(attacker.address)).to.equal(0n); // the fee went to the sequencer that included it
    expect(await f.monitor.balanceOf(operator.address)).to.equal(fee - fee / 100n); // less the 1% insurance fee
  });
});

/**
 * Change 3 (the monitor's periods on the registry's slot clock) makes a monitor deployed after the registry (a
 * replacement monitor: "a monitor deployed later counts the same periods") start in the middle of a period. It
 * has seen only the tail of that first period, but the throughput term divides by the whole period: a sequencer
 * that held the turn for the whole period at targetTps is in breach there, and anyone slashes it. Before the change
 * the monitor's first period began at its own deployment.
 */
describe("Review session 6: a monitor deployed mid-period judges throughput over the part it never saw", function () {
  this.timeout(600_000);
  const DAY = 86400n;

  it("a sequencer on duty the whole period at targetTps is not in breach of a replacement monitor's first period", async () => {
    const f = await deployRegistryFixture();
    const [reporter, anyone] = [f.accounts[18], f.accounts[17]];
    await (
      await f.registry.connect(f.accounts[0]).registerSequencer("enode://only", "0x02", "0x", { value: ethers.parseEther("1000") })
    ).wait();
    const id = await f.registry.currentSequencerId();
    const genesis = await f.registry.GENESIS_TIME();
    const slot = await f.registry.SLOT_DURATION();
    const period = (BigInt(await time.latest()) - genesis) / DAY + 1n;
    const end = genesis + (period + 1n) * DAY;

    // Governance replaces the monitor 11 minutes before the end of `period` (same parameters and SLA).
    await time.increaseTo(end - 660n);
    const factory = await ethers.getContractFactory("PerformanceMonitor");
    const { targetTps } = await f.monitor.getParameters();
    const monitor = await factory.deploy(f.governance, f.registryAddress, await monitorParams(f.monitor), await monitorSLA(f.monitor));
    await monitor.waitForDeployment();
    const monitorAddress = await monitor.getAddress();
    await (await f.registry.grantRole(await f.registry.SLASHER_ROLE(), monitorAddress)).wait();
    await (await f.registry.grantRole(await f.registry.MONITOR_ROLE(), monitorAddress)).wait();
    await (await monitor.grantRole(await monitor.REPORTER_ROLE(), reporter.address)).wait();
    expect(await monitor.currentPeriod()).to.equal(period);

    // The sole sequencer, on duty all period, produces every slot the new monitor sees at exactly targetTps.
    let blockNumber = 50_000;
    for (let t = end - 600n; t < end; t += slot) {
      await time.setNextBlockTimestamp(t);
      await (await monitor.connect(reporter).recordBlockProduction(id, blockNumber++, 15_000_000, targetTps * slot)).wait();
    }
    await time.increaseTo(end + 1n);
    expect((await monitor.getPerformanceMetrics(id, period)).uptime).to.equal(10_000n);
    const [compliant, violations] = await monitor.slaViolationsAt(id, period);
    const before = (await f.lens.getPool(id)).bondedStake;
    let slashed = 0n;
    try {
      await (await monitor.connect(anyone).penalizeSLAViolation(id, violations)).wait();
      slashed = before - (await f.lens.getPool(id)).bondedStake;
    } catch {
      slashed = 0n;
    }
    expect(slashed, "anyone slashed the sequencer for the part of the period the new monitor never observed").to.equal(0n);
    expect(compliant).to.equal(true);
  });
});
