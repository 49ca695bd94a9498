import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SequencerStatus } from "../../deploy";
import { deployRegistryFixture, equivocationProof } from "../helpers/fixtures";
import { capabilities, computeJob, TFLOPS, GB } from "../helpers/scheduler";

const E = (n: number | string) => ethers.parseEther(String(n));

/**
 * Finding: an operator escapes the equivocation slash on its own, without governance. Evidence counts only for the
 * sequencer's LAST Active period, and a period restarts whenever the sequencer re-enters the set. Any small slash
 * that takes its own stake below `minStake` (it keeps exactly `minStake`) makes it Inactive; `increaseStake` brings it
 * straight back with a fresh period (`dutyFromSlot` = now, `dutyPunished` = false). The cheapest self-inflicted
 * slash is a compute job the operator submits from a second address and accepts itself, left to expire: 1% of the
 * pool (the scheduler's `deadlinePenaltyBps`), triggerable at any moment once armed, against the 10% equivocation
 * slash it erases (and the reporter's reward).
 */
describe("Review: an operator erases its equivocation by re-entering the set", () => {
  async function setup() {
    const f = await deployRegistryFixture();
    const [op, opSecond, delegator, honest, reporter] = f.accounts;
    await f.registry.connect(op).registerSequencer("enode://attacker", "0x02", "0x", { value: E(100) }); // = minStake
    await f.registry.connect(honest).registerSequencer("enode://honest", "0x02", "0x", { value: E(100) });
    await f.registry.connect(delegator).delegateStake(1, { value: E(1000) });
    // The escape hatch, armed in advance: a 1-wei job from its own second address, accepted by the operator
    // (it is the queue head), never started. Once its start window has passed, anyone may time it out.
    await f.scheduler.connect(op).registerCapabilities(1, capabilities(1, 100n * TFLOPS, 128n * GB));
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    const job = computeJob(TFLOPS, GB, now + 30 * 86400);
    const jobId = await f.scheduler.connect(opSecond).submitComputeJob.staticCall(job, { value: 1n });
    await f.scheduler.connect(opSecond).submitComputeJob(job, { value: 1n });
    await f.scheduler.connect(op).scheduleJob(jobId, 1);
    await time.increase(3601);
    return { f, op, opSecond, reporter, jobId };
  }

  it("an equivocation signed while Active is still punishable after the operator leaves and re-enters the set", async () => {
    const { f, op, reporter, jobId } = await loadFixture(setup);
    expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Active);

    // Slot S: the operator signs two different blocks (it can keep the second one private for now).
    const evidence = await equivocationProof(f, op, 1n);
    const poolBefore = await f.lens.getPool(1);
    const stakeBefore = poolBefore.bondedStake + poolBefore.unbondingStake;

    // Next slot, before the conflicting block is published: the self-inflicted 1% slash, then a top-up.
    await time.increase(12);
    await f.scheduler.connect(op).timeoutJob(jobId); // 1% of the pool; own stake 99 < minStake → Inactive
    expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Inactive);
    await f.registry.connect(op).increaseStake(1, { value: E(2) }); // Active again, new period of duty
    expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Active);

    // The watcher reports the equivocation of slot S, well inside the evidence window.
    const balanceBefore = await f.registry.withdrawableBalance(reporter.address);
    let reverted = "";
    try {
      await (await f.registry.connect(reporter).reportMisbehavior(1, evidence)).wait();
    } catch (e) {
      reverted = (e as Error).message;
    }
    const poolAfter = await f.lens.getPool(1);
    const stakeAfter = poolAfter.bondedStake + poolAfter.unbondingStake;
    // Sound: the 10% slash happens and the reporter is paid. Vulnerable: RegistryEvidenceOutsideDuty, nothing taken.
    expect(reverted, "report refused").to.equal("");
    expect(stakeAfter).to.be.lt(((stakeBefore - stakeBefore / 100n + E(2)) * 95n) / 100n);
    expect(await f.registry.withdrawableBalance(reporter.address)).to.be.gt(balanceBefore);
  });
});
