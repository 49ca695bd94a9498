import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { collectBlockAttestations, signBlockCommitment, type BlockAttestation } from "../../sdk";
import { deployRegistryFixture } from "../helpers/fixtures";
import { drawCommittee, mockRandomness, quorum } from "../helpers/committee";
import { monitorParams } from "../helpers/monitor";

const E = (n: string | number) => ethers.parseEther(String(n));
const DAY = 86400;

/**
 * The metrics reporter (monitor oracle), attesters, front-runners and watchers against the sequencers the
 * monitor judges: nobody may get a sequencer penalized for what it did not do, or in a time it had no duty.
 */
describe("attacks: metrics reporter, attesters and front-runners vs. the PerformanceMonitor", () => {
  async function monitored() {
    const f = await deployRegistryFixture();
    const reporter = f.accounts[19];
    await f.monitor.grantRole(await f.monitor.REPORTER_ROLE(), reporter.address);
    for (let i = 0; i < 6; i++)
      await f.registry.connect(f.accounts[i]).registerSequencer(`enode://a${i}`, "0x02", "0x", { value: E(1000) });
    await drawCommittee(f, await mockRandomness(f)); // this epoch's attestation committee
    const monitorAddress = await f.monitor.getAddress();
    return { ...f, reporter, m: f.monitor.connect(reporter), monitorAddress };
  }
  type F = Awaited<ReturnType<typeof monitored>>;

  const attestation = async (f: F, over: Partial<BlockAttestation> = {}): Promise<BlockAttestation> => ({
    sequencerId: 1n,
    slot: await f.registry.currentSlot(),
    blockNumber: 42n,
    blockHash: ethers.id("block 42"),
    gasUsed: 8_000_000n,
    txCount: 100_000n,
    ...over,
  });
  /** A quorum of the current epoch's committee (more than two thirds of its seats). */
  const attesters = async (f: F) => (await quorum(f, await f.registry.currentSlot(), f.accounts)).signers;
  const stake = async (f: F, id: bigint) => (await f.lens.getPool(id)).bondedStake;

  it("a front-runner cannot fail a sequencer's throughput SLA by recording its attested block first with txCount = 0", async () => {
    const f = await loadFixture(monitored);
    const period = await f.monitor.currentPeriod();
    const honest = await attestation(f);
    const signatures = await collectBlockAttestations(await attesters(f), f.monitorAddress, f.chainId, honest);
    // The front-runner copies the signatures from the mempool and swaps in a zero transaction count.
    const forged = { ...honest, txCount: 0n, gasUsed: 0n };
    // The signatures recover to unrelated addresses, none of them on the committee.
    await expect(f.monitor.connect(f.accounts[17]).recordAttestedBlock(forged, signatures)).to.be.revertedWithCustomError(
      f.monitor,
      "MonitorNotCommitteeMember",
    );
    expect((await f.monitor.getPerformanceMetrics(1, period)).blocksProduced).to.equal(0n);
    await f.monitor.recordAttestedBlock(honest, signatures);
    const metrics = await f.monitor.getPerformanceMetrics(1, period);
    expect(metrics.blocksProduced).to.equal(1n);
    expect(metrics.transactionsProcessed).to.equal(100_000n);
    await time.increase(DAY);
    const [compliant, violations] = await f.monitor.slaViolationsAt(1, period);
    expect(compliant).to.equal(true);
    const before = await stake(f, 1n);
    await expect(f.monitor.penalizeSLAViolation(1, violations)).to.be.revertedWithCustomError(f.monitor, "MonitorNoViolation");
    expect(await stake(f, 1n)).to.equal(before);
    expect(await f.monitor.breaches(1)).to.equal(0n);
  });

  it("an attester set cannot reuse its attestation for another slot, another chain, another monitor, or pass off registry block commitments", async () => {
    const f = await loadFixture(monitored);
    const a = await attestation(f);
    const otherSlot = await collectBlockAttestations(await attesters(f), f.monitorAddress, f.chainId, { ...a, slot: a.slot - 1n });
    const otherChain = await collectBlockAttestations(await attesters(f), f.monitorAddress, f.chainId + 1n, a);
    const otherMonitor = await collectBlockAttestations(await attesters(f), f.registryAddress, f.chainId, a);
    const commitments = [];
    for (const s of await attesters(f))
      commitments.push({
        addr: BigInt(s.address),
        sig: await signBlockCommitment(s, f.registryAddress, f.chainId, { sequencerId: 1n, slot: a.slot, blockHash: a.blockHash }),
      });
    const gossip = commitments.sort((x, y) => (x.addr < y.addr ? -1 : 1)).map((x) => x.sig);
    for (const sigs of [otherSlot, otherChain, otherMonitor, gossip]) {
      await expect(f.monitor.recordAttestedBlock(a, sigs)).to.be.revertedWithCustomError(f.monitor, "MonitorNotCommitteeMember");
    }
    expect((await f.monitor.getPerformanceMetrics(1, await f.monitor.currentPeriod())).blocksProduced).to.equal(0n);
    expect(await f.monitor.blockProducer(a.blockNumber)).to.equal(0n);
  });

  it("a retrying oracle cannot count the same block twice, by either path", async () => {
    const f = await loadFixture(monitored);
    const period = await f.monitor.currentPeriod();
    await f.m.recordBlockProduction(1, 42, 8_000_000, 400);
    await expect(f.m.recordBlockProduction(1, 42, 8_000_000, 400))
      .to.be.revertedWithCustomError(f.monitor, "MonitorBlockAlreadyRecorded")
      .withArgs(1n, 42n);
    // Nor credit it to another sequencer.
    await expect(f.m.recordBlockProduction(2, 42, 8_000_000, 400))
      .to.be.revertedWithCustomError(f.monitor, "MonitorBlockAlreadyRecorded")
      .withArgs(2n, 42n);
    // The same block attested by the sequencers is not counted on top of the reporter's record.
    const a = await attestation(f, { txCount: 400n });
    await expect(f.monitor.recordAttestedBlock(a, await collectBlockAttestations(await attesters(f), f.monitorAddress, f.chainId, a)))
      .to.be.revertedWithCustomError(f.monitor, "MonitorBlockAlreadyRecorded")
      .withArgs(1n, 42n);
    const metrics = await f.monitor.getPerformanceMetrics(1, period);
    expect(metrics.blocksProduced).to.equal(1n);
    expect(metrics.transactionsProcessed).to.equal(400n);
    expect((await f.monitor.getPerformanceMetrics(2, period)).blocksProduced).to.equal(0n);
  });

  it("a sequencer cannot inflate its own throughput by re-recording an attested block with more transactions", async () => {
    const f = await loadFixture(monitored);
    const period = await f.monitor.currentPeriod();
    const a = await attestation(f, { txCount: 10n });
    await f.monitor.recordAttestedBlock(a, await collectBlockAttestations(await attesters(f), f.monitorAddress, f.chainId, a));
    // Colluding attesters sign a second version of the same slot's block with a larger count: announced, not counted.
    const inflated = { ...a, txCount: 1_000_000n, blockNumber: 43n };
    await expect(
      f.monitor.recordAttestedBlock(inflated, await collectBlockAttestations(await attesters(f), f.monitorAddress, f.chainId, inflated)),
    )
      .to.emit(f.monitor, "ConflictingAttestation")
      .withArgs(1n, a.slot, a.blockHash, a.blockHash);
    expect((await f.monitor.getPerformanceMetrics(1, period)).transactionsProcessed).to.equal(10n);
  });

  it("a requester cannot get a forced inclusion charged to a sequencer that was rotated away before its window ran out", async () => {
    const f = await loadFixture(monitored);
    const user = f.accounts[16];
    const fee = E("0.01");
    // Queued half-way through sequencer 1's turn: the turn ends (rotation period) half-way through the window.
    await time.increase(1800);
    await f.monitor.connect(user).forceInclusion(ethers.id("tx"), { value: fee });
    const queued = await f.monitor.getForcedTx(1);
    const rotationAt = await f.registry.nextRotationTime();
    expect(rotationAt).to.be.lessThan(queued.deadline);
    await time.increaseTo(rotationAt);
    await f.registry.rotateSequencer();
    const next = await f.registry.currentSequencerId();
    expect(next).to.equal(2n);
    await time.increaseTo(queued.deadline + 1n);
    const before1 = await stake(f, 1n);
    const before2 = await stake(f, 2n);
    const [, dutyDeadline] = await f.monitor.inclusionDuty(1);
    await expect(f.monitor.proveMissedInclusion(1))
      .to.be.revertedWithCustomError(f.monitor, "MonitorInclusionDeadlineNotPassed")
      .withArgs(1n, dutyDeadline);
    expect(await stake(f, 1n)).to.equal(before1);
    // Sequencer 2 includes it within its own window and earns the fee; nobody is slashed.
    await f.monitor.connect(f.accounts[1]).markIncluded(1);
    expect((await f.monitor.getForcedTx(1)).sequencerId).to.equal(2n);
    await expect(f.monitor.connect(f.accounts[1]).withdraw()).to.changeEtherBalance(f.accounts[1], fee - fee / 100n); // less 1% insurance
    expect(await stake(f, 1n)).to.equal(before1);
    expect(await stake(f, 2n)).to.equal(before2);
    await expect(f.monitor.connect(user).withdraw()).to.be.revertedWithCustomError(f.monitor, "MonitorNothingToWithdraw");
  });

  it("a watcher cannot get a forced inclusion slashed while the L1 fallback sequences, nor queue one then", async () => {
    const f = await loadFixture(monitored);
    const gov = f.registry.connect(f.governanceSigner);
    const user = f.accounts[16];
    const fee = E("0.01");
    await f.monitor.connect(user).forceInclusion(ethers.id("tx"), { value: fee });
    const queued = await f.monitor.getForcedTx(1);
    await gov.setParameter(15, 5); // minActiveSequencers = 5
    await gov.suspendSequencer(5);
    await gov.suspendSequencer(6);
    expect(await f.registry.isFallbackMode()).to.equal(true);
    await expect(f.monitor.connect(user).forceInclusion(ethers.id("tx2"), { value: fee }))
      .to.be.revertedWithCustomError(f.monitor, "MonitorFallbackMode")
      .withArgs(1n);
    await time.increaseTo(queued.deadline + 1n);
    const before = await stake(f, 1n);
    const insurance = await f.registry.insuranceFund();
    await expect(f.monitor.connect(f.accounts[17]).proveMissedInclusion(1))
      .to.emit(f.monitor, "InclusionLapsed")
      .withArgs(1n)
      .and.not.to.emit(f.monitor, "InclusionMissed");
    expect(await stake(f, 1n)).to.equal(before);
    expect(await f.registry.insuranceFund()).to.equal(insurance);
    expect(await f.registry.currentSequencerId()).to.equal(1n); // not rotated either
    await expect(f.monitor.connect(user).withdraw()).to.changeEtherBalance(user, fee);
    expect(await ethers.provider.getBalance(f.monitorAddress)).to.equal(await f.monitor.totalOwed());
  });

  it("a reporter cannot record missed slots, attested blocks or a liveness failure against a sequencer while the L1 fallback sequences", async () => {
    const f = await loadFixture(monitored);
    const gov = f.registry.connect(f.governanceSigner);
    await gov.setParameter(15, 5);
    await gov.suspendSequencer(5);
    await gov.suspendSequencer(6);
    const period = await f.monitor.currentPeriod();
    const slot = await f.registry.currentSlot();
    await expect(f.m.recordMissedSlot(1, slot)).to.be.revertedWithCustomError(f.monitor, "MonitorFallbackMode").withArgs(1n);
    const a = await attestation(f);
    await expect(
      f.monitor.recordAttestedBlock(a, await collectBlockAttestations((await attesters(f)).slice(0, 4), f.monitorAddress, f.chainId, a)),
    ).to.be.revertedWithCustomError(f.monitor, "MonitorFallbackMode");
    await time.increase(3 * DAY);
    await expect(f.monitor.rotateOnLivenessFailure()).to.be.revertedWithCustomError(f.monitor, "MonitorFallbackMode");
    expect(await f.registry.currentSequencerId()).to.equal(1n);
    expect((await f.monitor.getPerformanceMetrics(1, period)).missedSlots).to.equal(0n);
    const [compliant] = await f.monitor.slaViolationsAt(1, period);
    expect(compliant).to.equal(true);
  });

  it("a censor is charged at most once per turn, and the next turn gets a whole window for the rest", async () => {
    const f = await loadFixture(monitored);
    const fee = E("0.01");
    for (const t of ["a", "b"]) await f.monitor.connect(f.accounts[16]).forceInclusion(ethers.id(t), { value: fee });
    await time.increaseTo((await f.monitor.getForcedTx(2)).deadline + 1n);
    await f.monitor.proveMissedInclusion(1);
    expect(await stake(f, 1n)).to.equal(E(950)); // 5%
    // The second miss is no longer sequencer 1's (rotated away) nor yet sequencer 2's (its window just began).
    await expect(f.monitor.proveMissedInclusion(2)).to.be.revertedWithCustomError(f.monitor, "MonitorInclusionDeadlineNotPassed");
    expect(await stake(f, 1n)).to.equal(E(950));
    expect(await stake(f, 2n)).to.equal(E(1000));
  });

  it("governance cannot re-label recorded periods by changing the period length", async () => {
    const f = await loadFixture(monitored);
    const current = await monitorParams(f.monitor);
    const params = { ...current, periodDuration: current.periodDuration / 2n };
    const period = await f.monitor.currentPeriod();
    await expect(f.monitor.setParameters(params))
      .to.be.revertedWithCustomError(f.monitor, "MonitorParameterOutOfBounds")
      .withArgs(ethers.encodeBytes32String("periodDuration"));
    expect(await f.monitor.currentPeriod()).to.equal(period);
    await f.monitor.setParameters({ ...current, slaPenaltyBps: 50n });
    expect((await f.monitor.getParameters()).slaPenaltyBps).to.equal(50n);
  });
});
