import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { SequencerStatus } from "../deploy";
import { collectBlockAttestations, type BlockAttestation } from "../sdk";
import { deployRegistryFixture } from "./helpers/fixtures";
import { committeeAt, drawCommittee, mockRandomness, quorum, quorumSignatures } from "./helpers/committee";

const E = (n: string | number) => ethers.parseEther(String(n));
const DAY = 86400;
const violationsAbi = ["uint256", "tuple(uint8 kind, uint256 actual, uint256 limit)[]"];

describe("PerformanceMonitor", () => {
  async function monitored() {
    const f = await deployRegistryFixture();
    const reporter = f.accounts[19];
    await f.monitor.connect(f.governanceSigner).grantRole(await f.monitor.REPORTER_ROLE(), reporter.address);
    for (let i = 0; i < 6; i++) {
      await f.registry.connect(f.accounts[i]).registerSequencer(`enode://m${i}`, "0x02", "0x", { value: E(1000) });
    }
    const m = f.monitor.connect(reporter);
    return { ...f, reporter, m };
  }

  let nextBlock = 1000;
  /** Drives sequencer 1 through a day of service: `blocks` blocks of `txs` transactions, `missed` missed slots. */
  async function day(f: Awaited<ReturnType<typeof monitored>>, blocks: number, txs: number, missed: number, latencyMs: number, reorgs = 0) {
    const base = Number(await f.registry.currentSlot());
    for (let b = 0; b < blocks; b++) await f.m.recordBlockProduction(1, nextBlock++, 2_000_000, txs);
    for (let s = 0; s < missed; s++) await f.m.recordMissedSlot(1, base + 1000 + s);
    if (latencyMs) await f.m.recordLatency(1, latencyMs);
    if (reorgs) await f.m.recordReorg(1, reorgs);
  }

  it("should follow good service, degraded service and an outage: metrics, score, violations, penalty, rotation", async () => {
    const f = await loadFixture(monitored);
    const period0 = await f.monitor.currentPeriod();

    // Good: 100 blocks of 2,000 transactions, nothing missed, 200 ms.
    await day(f, 100, 2000, 0, 200);
    let metrics = await f.monitor.getPerformanceMetrics(1, period0);
    expect(metrics.blocksProduced).to.equal(100n);
    expect(metrics.transactionsProcessed).to.equal(200_000n);
    expect(metrics.uptime).to.equal(10_000n);
    expect(metrics.latency).to.equal(200n);
    expect(metrics.avgGasUsed).to.equal(2_000_000n);
    let q = await f.monitor.calculateQualityScore(1);
    expect(q.availability).to.equal(10_000n);
    expect(q.correctness).to.equal(10_000n);
    expect(q.timeliness).to.equal(10_000n);
    const s = await f.monitor.getSLA();
    const sla = { minThroughput: s.minThroughput, minUptime: s.minUptime, maxLatency: s.maxLatency, maxMissedSlots: s.maxMissedSlots };
    let [compliant, violations] = await f.monitor.checkSLACompliance(1, sla);
    expect(compliant).to.equal(true);
    expect(ethers.AbiCoder.defaultAbiCoder().decode(violationsAbi, violations)[1]).to.have.length(0);
    // Rotation: producing blocks, nothing missed: nobody can force it out of its turn.
    await expect(f.monitor.rotateOnLivenessFailure()).to.be.revertedWithCustomError(f.monitor, "MonitorLivenessHolds");
    expect(await f.registry.currentSequencerId()).to.equal(1n);
    await time.increase(DAY);
    await expect(f.monitor.penalizeSLAViolation(1, violations)).to.be.revertedWithCustomError(f.monitor, "MonitorNoViolation");
    // Back to sequencer 1 for the next stage (the period above let its turn lapse by time).
    await f.registry.rotateSequencer();
    while ((await f.registry.currentSequencerId()) !== 1n) {
      await time.increase(3600);
      await f.registry.rotateSequencer();
    }

    // Degraded: 60 blocks of 5 transactions, 15 missed slots (80% uptime), 1.5 s latency, a reorg of 3.
    const period1 = await f.monitor.currentPeriod();
    await day(f, 60, 5, 15, 1500, 3);
    // Rotation: a missed slot in its turn lets anyone hand over at once.
    await f.m.recordMissedSlot(1, await f.registry.currentSlot());
    await expect(f.monitor.rotateOnLivenessFailure()).to.emit(f.monitor, "LivenessRotation").withArgs(1n, true);
    expect(await f.registry.currentSequencerId()).to.equal(2n);
    metrics = await f.monitor.getPerformanceMetrics(1, period1);
    expect(metrics.uptime).to.equal(7894n); // 60 blocks in 76 slots (16 missed)
    expect(metrics.reorgCount).to.equal(3n);
    q = await f.monitor.calculateQualityScore(1);
    expect(q.correctness).to.equal(9500n); // 57 of 60
    expect(q.timeliness).to.equal(3333n); // 500 / 1500
    [compliant, violations] = await f.monitor.checkSLACompliance(1, sla);
    expect(compliant).to.equal(false);
    const decoded = ethers.AbiCoder.defaultAbiCoder().decode(violationsAbi, violations);
    expect(decoded[0]).to.equal(period1);
    expect(decoded[1].map((v: { kind: bigint; actual: bigint; limit: bigint }) => [v.kind, v.actual, v.limit])).to.deep.equal([
      [0n, 0n, 1n], // throughput: 300 transactions over its 76 slots of duty (912 s) is 0.33 TPS
      [1n, 7894n, 9000n], // uptime
      [2n, 1500n, 1000n], // latency
    ]);
    await expect(f.monitor.penalizeSLAViolation(1, violations))
      .to.be.revertedWithCustomError(f.monitor, "MonitorPeriodNotOver")
      .withArgs(period1, period1);
    await time.increase(DAY);
    const poolBefore = await f.lens.getPool(1);
    await expect(f.monitor.connect(f.accounts[12]).penalizeSLAViolation(1, violations))
      .to.emit(f.monitor, "SLAPenaltyApplied")
      .withArgs(1n, E(10), false); // 1% of the 1,000-LUX pool
    expect((await f.lens.getPool(1)).bondedStake).to.equal(poolBefore.bondedStake - E(10));
    await expect(f.monitor.penalizeSLAViolation(1, violations))
      .to.be.revertedWithCustomError(f.monitor, "MonitorViolationAlreadyPenalized")
      .withArgs(1n, period1);
    // A forged list (a lighter violation) does not match what the chain computes.
    const forged = ethers.AbiCoder.defaultAbiCoder().encode(violationsAbi, [period1, [[1, 8900, 9000]]]);
    await expect(f.monitor.penalizeSLAViolation(2, forged)).to.be.revertedWithCustomError(f.monitor, "MonitorNoViolation");

    // Outage: sequencer 2, now in its turn, produces nothing: after the liveness timeout anyone rotates.
    await time.increase(121);
    await expect(f.monitor.rotateOnLivenessFailure()).to.emit(f.monitor, "LivenessRotation").withArgs(2n, false);
    expect(await f.registry.currentSequencerId()).to.equal(3n);
    // Sequencer 1's outage: 100 missed slots in a day, three breaches in all: suspended.
    const period2 = await f.monitor.currentPeriod();
    await day(f, 0, 0, 100, 0);
    expect((await f.monitor.getPerformanceMetrics(1, period2)).uptime).to.equal(0n);
    await time.increase(DAY);
    const outage = await f.monitor.qualityScoreOf(1, period2);
    expect(outage.availability).to.equal(0n);
    const [, p2violations] = await f.monitor.slaViolationsAt(1, period2);
    expect(
      ethers.AbiCoder.defaultAbiCoder()
        .decode(violationsAbi, p2violations)[1]
        .map((v: { kind: bigint }) => v.kind),
    ).to.deep.equal([0n, 1n, 3n]);
    await f.monitor.penalizeSLAViolation(1, p2violations);
    expect(await f.monitor.breaches(1)).to.equal(2n);
    await f.m.recordMissedSlot(1, 999_999);
    await time.increase(DAY);
    const p3 = (await f.monitor.currentPeriod()) - 1n;
    const [, p3violations] = await f.monitor.slaViolationsAt(1, p3);
    await expect(f.monitor.penalizeSLAViolation(1, p3violations)).to.emit(f.monitor, "SLAPenaltyApplied");
    expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Suspended);
  });

  it("should rotate away at once after a missed slot or a silent timeout, and not before", async () => {
    const f = await loadFixture(monitored);
    expect(await f.registry.currentSequencerId()).to.equal(1n);
    await f.m.recordBlockProduction(1, 1, 1, 1);
    await expect(f.monitor.rotateOnLivenessFailure()).to.be.revertedWithCustomError(f.monitor, "MonitorLivenessHolds");
    await f.m.recordMissedSlot(1, await f.registry.currentSlot());
    await expect(f.monitor.connect(f.accounts[14]).rotateOnLivenessFailure()).to.emit(f.monitor, "LivenessRotation").withArgs(1n, true);
    expect(await f.registry.currentSequencerId()).to.equal(2n);
    // Sequencer 2 produces nothing: after the liveness timeout anyone rotates again.
    await expect(f.monitor.rotateOnLivenessFailure()).to.be.revertedWithCustomError(f.monitor, "MonitorLivenessHolds");
    await time.increase(121);
    await expect(f.monitor.rotateOnLivenessFailure()).to.emit(f.monitor, "LivenessRotation").withArgs(2n, false);
    expect(await f.registry.currentSequencerId()).to.equal(3n);
  });

  describe("attested blocks", () => {
    const att = (slot: bigint, blockHash: string, over: Partial<BlockAttestation> = {}): BlockAttestation => ({
      sequencerId: 1n,
      slot,
      blockNumber: 500n,
      blockHash,
      gasUsed: 1_000_000n,
      txCount: 50n,
      ...over,
    });
    it("should record a block attested by more than two thirds of the committee's seats, without a reporter, once", async () => {
      const f = await loadFixture(monitored);
      await drawCommittee(f, await mockRandomness(f));
      const slot = await f.registry.currentSlot();
      const a = att(slot, ethers.id("block 1"));
      // 16 seats among 6 sequencers: a quorum holds ⌊32 / 3⌋ + 1 = 11 of them.
      const { signatures, seats, signers } = await quorumSignatures(f, f.accounts, a);
      expect(seats >= 11n).to.equal(true);
      await expect(f.monitor.connect(f.accounts[15]).recordAttestedBlock(a, signatures))
        .to.emit(f.monitor, "BlockAttested")
        .withArgs(1n, slot, a.blockHash, seats);
      const period = await f.monitor.currentPeriod();
      let metrics = await f.monitor.getPerformanceMetrics(1, period);
      expect(metrics.blocksProduced).to.equal(1n);
      expect(metrics.transactionsProcessed).to.equal(50n);
      expect(await f.monitor.blockProducer(500)).to.equal(1n);
      // The same attestation again (a retried transaction) counts nothing.
      await expect(f.monitor.recordAttestedBlock(a, signatures))
        .to.be.revertedWithCustomError(f.monitor, "MonitorBlockAlreadyRecorded")
        .withArgs(1n, 500n);
      // A different block for the same slot, signed by the same quorum: equivocation evidence, announced, not counted.
      const other = att(slot, ethers.id("block 1'"), { blockNumber: 501n });
      await expect(
        f.monitor.recordAttestedBlock(other, await collectBlockAttestations(signers, await f.monitor.getAddress(), f.chainId, other)),
      )
        .to.emit(f.monitor, "ConflictingAttestation")
        .withArgs(1n, slot, a.blockHash, other.blockHash);
      metrics = await f.monitor.getPerformanceMetrics(1, period);
      expect(metrics.blocksProduced).to.equal(1n);
      expect(metrics.transactionsProcessed).to.equal(50n);
      expect(await f.monitor.blockProducer(501)).to.equal(0n);
    });

    it("should reject a duplicate signer, a non-member signer, too few seats, and another slot's attestation", async () => {
      const f = await loadFixture(monitored);
      await drawCommittee(f, await mockRandomness(f));
      const slot = await f.registry.currentSlot();
      const a = att(slot, ethers.id("block"));
      const { signers } = await quorum(f, slot, f.accounts);
      const monitor = await f.monitor.getAddress();
      const sign = (who: typeof signers, x: BlockAttestation) => collectBlockAttestations(who, monitor, f.chainId, x);
      // The quorum minus its member with the fewest seats falls short.
      const short = signers.slice(0, -1);
      const shortSeats = (await committeeAt(f, slot)).slice(0, short.length).reduce((t, [, n]) => t + n, 0n);
      await expect(f.monitor.recordAttestedBlock(a, await sign(short, a)))
        .to.be.revertedWithCustomError(f.monitor, "MonitorNotEnoughAttestations")
        .withArgs(shortSeats, 11n);
      const full = await sign(signers, a);
      const last = full[full.length - 1];
      await expect(f.monitor.recordAttestedBlock(a, [...full, last]))
        .to.be.revertedWithCustomError(f.monitor, "MonitorInvalidAttestation")
        .withArgs(BigInt(full.length), ethers.getAddress(ethers.recoverAddress(await f.monitor.attestationDigest(a), last)));
      const outsider = await sign([...signers, f.accounts[25]], a);
      await expect(f.monitor.recordAttestedBlock(a, outsider)).to.be.revertedWithCustomError(f.monitor, "MonitorNotCommitteeMember");
      // Signed for the previous slot, submitted for this one: the signers do not recover.
      const previous = await sign(signers, att(slot - 1n, a.blockHash));
      await expect(f.monitor.recordAttestedBlock(a, previous)).to.be.revertedWithCustomError(f.monitor, "MonitorNotCommitteeMember");
      await expect(f.monitor.recordAttestedBlock(att(slot + 5n, a.blockHash), previous))
        .to.be.revertedWithCustomError(f.monitor, "MonitorSlotOutOfWindow")
        .withArgs(slot + 5n, anyValue); // the slot clock may have moved on by the time of the call
      await expect(f.monitor.recordAttestedBlock(att(slot, a.blockHash, { sequencerId: 2n }), previous))
        .to.be.revertedWithCustomError(f.monitor, "MonitorNotCurrentSequencer")
        .withArgs(2n, 1n);
      expect((await f.monitor.getPerformanceMetrics(1, await f.monitor.currentPeriod())).blocksProduced).to.equal(0n);
    });
  });

  describe("forced inclusion", () => {
    it("should penalize and rotate a sequencer that censors a forced transaction, refunding the fee", async () => {
      const f = await loadFixture(monitored);
      const user = f.accounts[16];
      const fee = E("0.01");
      await expect(f.monitor.connect(user).forceInclusion(ethers.id("tx"), { value: fee })).to.emit(f.monitor, "InclusionForced");
      const item = await f.monitor.getForcedTx(1);
      await expect(f.monitor.proveMissedInclusion(1))
        .to.be.revertedWithCustomError(f.monitor, "MonitorInclusionDeadlineNotPassed")
        .withArgs(1n, item.deadline);
      await time.increaseTo(item.deadline + 1n);
      await expect(f.monitor.connect(f.accounts[17]).proveMissedInclusion(1))
        .to.emit(f.monitor, "InclusionMissed")
        .withArgs(1n, 1n, E(50)) // 5% of 1,000
        .and.to.emit(f.registry, "SequencerRotated");
      expect(await f.registry.currentSequencerId()).to.equal(2n);
      expect((await f.lens.getPool(1)).bondedStake).to.equal(E(950));
      await expect(f.monitor.connect(user).withdraw()).to.changeEtherBalance(user, fee);
      await expect(f.monitor.proveMissedInclusion(1)).to.be.revertedWithCustomError(f.monitor, "MonitorForcedTxSettled");
      expect(await ethers.provider.getBalance(await f.monitor.getAddress())).to.equal(await f.monitor.totalOwed());
    });

    it("should pay the sequencer that includes it in time, and penalize nothing", async () => {
      const f = await loadFixture(monitored);
      await f.monitor.connect(f.accounts[16]).forceInclusion(ethers.id("tx"), { value: E("0.01") });
      await expect(f.monitor.connect(f.accounts[1]).markIncluded(1))
        .to.be.revertedWithCustomError(f.monitor, "MonitorNotResponsibleOperator")
        .withArgs(1n, f.accounts[1].address);
      await expect(f.monitor.connect(f.accounts[0]).markIncluded(1)).to.emit(f.monitor, "InclusionMarked").withArgs(1n, 1n);
      await time.increase(3601);
      await expect(f.monitor.proveMissedInclusion(1)).to.be.revertedWithCustomError(f.monitor, "MonitorForcedTxSettled");
      expect((await f.lens.getPool(1)).bondedStake).to.equal(E(1000));
      // The fee less the registry's insurance fee (1%).
      await expect(f.monitor.connect(f.accounts[0]).withdraw()).to.changeEtherBalance(f.accounts[0], E("0.0099"));
      await expect(f.monitor.connect(f.accounts[16]).forceInclusion(ethers.id("cheap"), { value: 1n }))
        .to.be.revertedWithCustomError(f.monitor, "MonitorFeeTooLow")
        .withArgs(1n, E("0.001"));
    });
  });

  describe("reputation", () => {
    it("should bound reputation, decay it, and feed the registry's performance score", async () => {
      const f = await loadFixture(monitored);
      await expect(f.m.updateReputation(1, 9000)).to.emit(f.monitor, "ReputationUpdated").withArgs(1n, 9000n);
      expect((await f.registry.getSequencer(1)).performanceScore).to.equal(9000n);
      await f.m.updateReputation(1, 5000);
      expect(await f.monitor.getReputation(1)).to.equal(10_000n); // capped
      await time.increase(10 * DAY); // 100 bp per day
      expect(await f.monitor.getReputation(1)).to.equal(9000n);
      await f.m.updateReputation(1, -10_000);
      expect(await f.monitor.getReputation(1)).to.equal(0n);
      await expect(f.m.updateReputation(1, 10_001)).to.be.revertedWithCustomError(f.monitor, "MonitorReputationChangeOutOfRange");
      expect((await f.registry.bestPerformer(1))[0]).to.not.equal(1n);
    });
  });

  describe("roles and fallback", () => {
    it("should reject unauthorized reporters and governance calls", async () => {
      const f = await loadFixture(monitored);
      const outsider = f.accounts[18];
      const role = await f.monitor.REPORTER_ROLE();
      for (const call of [
        () => f.monitor.connect(outsider).recordBlockProduction(1, 1, 1, 1),
        () => f.monitor.connect(outsider).recordMissedSlot(1, 1),
        () => f.monitor.connect(outsider).recordReorg(1, 1),
        () => f.monitor.connect(outsider).recordLatency(1, 1),
        () => f.monitor.connect(outsider).updateReputation(1, 1),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(f.monitor, "AccessControlUnauthorizedAccount").withArgs(outsider.address, role);
      }
      await expect(
        f.monitor.connect(outsider).setSLA({ minThroughput: 0, minUptime: 0, maxLatency: 0, maxMissedSlots: 0 }),
      ).to.be.revertedWithCustomError(f.monitor, "AccessControlUnauthorizedAccount");
      await expect(f.m.recordMissedSlot(9, 1)).to.be.revertedWithCustomError(f.monitor, "MonitorUnknownSequencer").withArgs(9n);
      await f.m.recordMissedSlot(1, 7);
      await expect(f.m.recordMissedSlot(1, 7)).to.be.revertedWithCustomError(f.monitor, "MonitorSlotAlreadyRecorded").withArgs(1n, 7n);
      await expect(f.m.recordReorg(1, 0)).to.be.revertedWithCustomError(f.monitor, "MonitorInvalidDepth").withArgs(0n);
      await expect(f.registry.connect(outsider).forceRotation())
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await f.registry.MONITOR_ROLE());
    });

    it("should fall back to L1 when the active set drops below the minimum, and recover", async () => {
      const f = await loadFixture(monitored);
      await f.registry.connect(f.governanceSigner).setParameter(15, 5); // minActiveSequencers = 5
      expect(await f.registry.getActiveSequencer()).to.equal(f.accounts[0].address);
      await f.registry.connect(f.governanceSigner).suspendSequencer(5);
      await expect(f.registry.connect(f.governanceSigner).suspendSequencer(6))
        .to.emit(f.registry, "FallbackModeChanged")
        .withArgs(true, f.governance);
      expect(await f.registry.getActiveSequencer()).to.equal(f.governance);
      await expect(f.registry.connect(f.governanceSigner).reinstateSequencer(6))
        .to.emit(f.registry, "FallbackModeChanged")
        .withArgs(false, f.governance);
      expect(await f.registry.getActiveSequencer()).to.not.equal(f.governance);
    });
  });
});
