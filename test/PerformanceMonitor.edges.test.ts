import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { signBlockAttestation, type BlockAttestation } from "../sdk";
import { deployRegistryFixture } from "./helpers/fixtures";
import { drawCommittee, mockRandomness } from "./helpers/committee";
import { pinNextBlockTime } from "./helpers/time";
import { monitorParams, monitorSLA } from "./helpers/monitor";

const E = (n: string | number) => ethers.parseEther(String(n));
const DAY = 86400;

/** Every refusal of the monitor that the main suite does not reach, and the less travelled branches. */
describe("PerformanceMonitor: edge cases", () => {
  async function monitored() {
    const f = await deployRegistryFixture();
    const reporter = f.accounts[19];
    await f.monitor.grantRole(await f.monitor.REPORTER_ROLE(), reporter.address);
    for (let i = 0; i < 3; i++)
      await f.registry.connect(f.accounts[i]).registerSequencer(`enode://m${i}`, "0x02", "0x", { value: E(1000) });
    return { ...f, reporter };
  }

  const params = (f: Awaited<ReturnType<typeof monitored>>) => monitorParams(f.monitor);

  it("runs its periods on the registry's slot clock, whenever it was deployed", async () => {
    const f = await loadFixture(monitored);
    const p = await params(f);
    const genesis = await f.registry.GENESIS_TIME();
    const slotDuration = await f.registry.SLOT_DURATION();
    expect(await f.monitor.GENESIS_TIME()).to.equal(genesis);
    expect(await f.monitor.SLOT_DURATION()).to.equal(slotDuration);
    const factory = await ethers.getContractFactory("PerformanceMonitor");
    const sla = await monitorSLA(f.monitor);
    // A period must be whole slots.
    await expect(factory.deploy(f.governance, f.registryAddress, { ...p, periodDuration: slotDuration * 100n + 1n }, sla))
      .to.be.revertedWithCustomError(f.monitor, "MonitorParameterOutOfBounds")
      .withArgs(ethers.encodeBytes32String("periodDuration"));
    // A monitor deployed a day and a half later counts the same periods as the first one.
    await time.increase(DAY + DAY / 2);
    const later = await factory.deploy(f.governance, f.registryAddress, p, sla);
    await later.waitForDeployment();
    const slot = await f.registry.currentSlot();
    expect(await later.currentPeriod()).to.equal(await f.monitor.currentPeriod());
    expect(await f.monitor.currentPeriod()).to.equal(slot / (p.periodDuration / slotDuration));
  });

  it("keeps reputation in the registry only: the monitor reads and changes the registry's decayed score", async () => {
    const f = await loadFixture(monitored);
    const m = f.monitor.connect(f.reporter);
    await m.updateReputation(1, 5000);
    expect(await f.registry.performanceOf(1)).to.equal(5000n);
    // Governance's own monitor-role account sets the score directly: the monitor sees it, and builds on it.
    await f.registry.grantRole(await f.registry.MONITOR_ROLE(), f.governance);
    await f.registry.updatePerformance(1, 9000);
    expect(await f.monitor.getReputation(1)).to.equal(9000n);
    await time.increase(2 * DAY); // decay: 100 bp per day
    expect(await f.monitor.getReputation(1)).to.equal(8800n);
    await expect(m.updateReputation(1, -800)).to.emit(f.monitor, "ReputationUpdated").withArgs(1n, 8000n);
    expect(await f.registry.performanceOf(1)).to.equal(8000n);
    expect((await f.registry.getSequencer(1)).performanceScore).to.equal(8000n);
    await expect(f.monitor.getReputation(99)).to.be.revertedWithCustomError(f.monitor, "MonitorUnknownSequencer").withArgs(99n);
    await expect(f.registry.performanceOf(99)).to.be.revertedWithCustomError(f.registry, "RegistryUnknownSequencer").withArgs(99n);
  });

  it("refuses reorg depths of zero or beyond 32 bits, and reputation changes beyond the scale", async () => {
    const f = await loadFixture(monitored);
    const m = f.monitor.connect(f.reporter);
    await expect(m.recordReorg(1, 0)).to.be.revertedWithCustomError(f.monitor, "MonitorInvalidDepth").withArgs(0n);
    await expect(m.recordReorg(1, 2n ** 32n))
      .to.be.revertedWithCustomError(f.monitor, "MonitorInvalidDepth")
      .withArgs(2n ** 32n);
    await expect(m.updateReputation(1, 10_001))
      .to.be.revertedWithCustomError(f.monitor, "MonitorReputationChangeOutOfRange")
      .withArgs(10_001n);
    await expect(m.updateReputation(1, -10_001))
      .to.be.revertedWithCustomError(f.monitor, "MonitorReputationChangeOutOfRange")
      .withArgs(-10_001n);
  });

  it("correctness never goes negative when reorgs outnumber blocks", async () => {
    const f = await loadFixture(monitored);
    const m = f.monitor.connect(f.reporter);
    await m.recordBlockProduction(1, 1, 1, 1);
    await m.recordReorg(1, 5);
    expect((await f.monitor.calculateQualityScore(1)).correctness).to.equal(0n);
  });

  it("accepts attestations only for the current or previous slot", async () => {
    const f = await loadFixture(monitored);
    await drawCommittee(f, await mockRandomness(f));
    // The slot of the next block (one second on): where the monitor judges the transaction sent next.
    const genesis = await f.registry.GENESIS_TIME();
    const slotDuration = await f.registry.SLOT_DURATION();
    const nextSlot = async () => ((await pinNextBlockTime()) - genesis) / slotDuration;
    const slot = await nextSlot();
    const hash = ethers.id("b");
    const att = (s: bigint): BlockAttestation => ({ sequencerId: 1n, slot: s, blockNumber: 7n, blockHash: hash, gasUsed: 1n, txCount: 1n });
    const monitor = await f.monitor.getAddress();
    const sig = (s: bigint, i: number) => signBlockAttestation(f.accounts[i], monitor, f.chainId, att(s));
    await expect(f.monitor.recordAttestedBlock(att(slot + 1n), [await sig(slot + 1n, 0)]))
      .to.be.revertedWithCustomError(f.monitor, "MonitorSlotOutOfWindow")
      .withArgs(slot + 1n, slot);
    await time.increase(3 * 12);
    const now = await nextSlot();
    await expect(f.monitor.recordAttestedBlock(att(slot), [await sig(slot, 0)]))
      .to.be.revertedWithCustomError(f.monitor, "MonitorSlotOutOfWindow")
      .withArgs(slot, now);
    // A malformed signature is an invalid attestation, not a crash.
    const three = [await sig(now, 0), await sig(now, 1), await sig(now, 2)];
    await expect(f.monitor.recordAttestedBlock(att(now), [three[0], three[1], "0x1234"])).to.be.revertedWithCustomError(
      f.monitor,
      "MonitorInvalidAttestation",
    );
  });

  it("matches SLA violations exactly, and a zero penalty rate slashes nothing", async () => {
    const f = await loadFixture(monitored);
    const m = f.monitor.connect(f.reporter);
    const period = await f.monitor.currentPeriod();
    await m.recordLatency(1, 5000); // far above maxLatency
    await time.increase(DAY);
    const [compliant, violations] = await f.monitor.slaViolationsAt(1, period);
    expect(compliant).to.equal(false);
    await expect(f.monitor.penalizeSLAViolation(1, "0x1234"))
      .to.be.revertedWithCustomError(f.monitor, "MonitorViolationsMismatch")
      .withArgs(1n);
    const tampered = ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "tuple(uint8,uint256,uint256)[]"], [period, []]);
    await expect(f.monitor.penalizeSLAViolation(1, tampered))
      .to.be.revertedWithCustomError(f.monitor, "MonitorViolationsMismatch")
      .withArgs(1n);
    await f.monitor.setParameters({ ...(await params(f)), slaPenaltyBps: 0 });
    const before = (await f.lens.getPool(1)).bondedStake;
    await expect(f.monitor.penalizeSLAViolation(1, violations)).to.emit(f.monitor, "SLAPenaltyApplied").withArgs(1n, 0n, false);
    expect((await f.lens.getPool(1)).bondedStake).to.equal(before);
  });

  it("forced inclusion: needs a current sequencer, a known id, marking in time; a zero penalty and a departed sequencer are handled", async () => {
    const empty = await deployRegistryFixture();
    await expect(empty.monitor.forceInclusion(ethers.id("t"), { value: E(1) }))
      .to.be.revertedWithCustomError(empty.monitor, "MonitorNotCurrentSequencer")
      .withArgs(0n, 0n);

    const f = await loadFixture(monitored);
    await expect(f.monitor.markIncluded(9)).to.be.revertedWithCustomError(f.monitor, "MonitorUnknownForcedTx").withArgs(9n);
    await f.monitor.connect(f.accounts[5]).forceInclusion(ethers.id("t1"), { value: E(1) });
    await time.increase(3601);
    await expect(f.monitor.connect(f.accounts[0]).markIncluded(1)).to.be.revertedWithCustomError(
      f.monitor,
      "MonitorInclusionDeadlinePassed",
    );

    // The responsible sequencer is rotated away before anyone proves the miss: the duty passed to the next turn,
    // which gets a whole window of its own; then the sequencer on duty is charged (zero rate: no slash) and rotated.
    await f.monitor.setParameters({ ...(await params(f)), censorshipPenaltyBps: 0 });
    await f.registry.rotateSequencer();
    const current = await f.registry.currentSequencerId();
    expect(current).to.not.equal(1n);
    const [onDuty, dutyDeadline] = await f.monitor.inclusionDuty(1);
    expect(onDuty).to.equal(current);
    expect(dutyDeadline).to.equal((await f.registry.lastRotationTime()) + 3600n);
    await expect(f.monitor.proveMissedInclusion(1))
      .to.be.revertedWithCustomError(f.monitor, "MonitorInclusionDeadlineNotPassed")
      .withArgs(1n, dutyDeadline);
    await time.increaseTo(dutyDeadline + 1n);
    const stake = (await f.lens.getPool(1)).bondedStake;
    await expect(f.monitor.proveMissedInclusion(1)).to.emit(f.monitor, "InclusionMissed").withArgs(1n, current, 0n);
    expect(await f.registry.currentSequencerId()).to.not.equal(current);
    expect((await f.lens.getPool(1)).bondedStake).to.equal(stake);
    await expect(f.monitor.connect(f.accounts[9]).withdraw()).to.be.revertedWithCustomError(f.monitor, "MonitorNothingToWithdraw");
  });

  it("bounds every governed parameter and the SLA", async () => {
    const f = await loadFixture(monitored);
    const p = await params(f);
    const cases: [Partial<typeof p>, string][] = [
      [{ periodDuration: 0n }, "periodDuration"],
      [{ livenessTimeout: 0n }, "livenessTimeout"],
      [{ inclusionWindow: 0n }, "inclusionWindow"],
      [{ slaPenaltyBps: 2_001n }, "slaPenaltyBps"],
      [{ censorshipPenaltyBps: 2_001n }, "censorshipPenaltyBps"],
      [{ suspendAfterBreaches: 0n }, "suspendAfterBreaches"],
      [{ targetTps: 0n }, "targets"],
      [{ targetLatencyMs: 0n }, "targets"],
    ];
    for (const [change, name] of cases) {
      await expect(f.monitor.setParameters({ ...p, ...change }), name)
        .to.be.revertedWithCustomError(f.monitor, "MonitorParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String(name));
    }
    const s = await f.monitor.getSLA();
    await expect(
      f.monitor.setSLA({ minThroughput: s.minThroughput, minUptime: 10_001, maxLatency: s.maxLatency, maxMissedSlots: s.maxMissedSlots }),
    )
      .to.be.revertedWithCustomError(f.monitor, "MonitorParameterOutOfBounds")
      .withArgs(ethers.encodeBytes32String("minUptime"));
  });
});
