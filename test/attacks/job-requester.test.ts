import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { schedulerMarketFixture, JOB_STATUS as S, computeJob, requirementsSpec, TFLOPS, GB } from "../helpers/scheduler";

const ONE = ethers.parseEther("1");
/** What an executor is credited for `x` of revenue: less the registry's insurance fee (1%, rounded down). */
const net = (x: bigint) => x - x / 100n;
const BOND = ethers.parseEther("0.5");

// The attacker submits compute jobs (Alice) and wants the work without paying, someone else's money, or an
// operator punished. Victims: the executing operator, other payers, other requesters.
describe("Attacks by a job requester (AIScheduler)", () => {
  /** Alice's 1-LUX job, taken by operator 1 in queue order, run, and a result submitted. */
  async function resultSubmitted() {
    const f = await loadFixture(schedulerMarketFixture);
    await f.s.setDisputeTerms(BOND, 86400);
    const id = await f.submit(f.alice, ONE);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(id);
    await f.s.connect(f.op1).submitResult(id, ethers.id("result"), 1000);
    return { ...f, id };
  }

  it("a requester cannot cancel a job once the operator started it, to avoid paying", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ONE);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(id);
    await expect(f.s.connect(f.alice).cancelJob(id))
      .to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus")
      .withArgs(id, S.Running);
    await f.s.connect(f.op1).submitResult(id, ethers.id("result"), 1000);
    await expect(f.s.connect(f.alice).cancelJob(id))
      .to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus")
      .withArgs(id, S.ResultSubmitted);
    await expect(f.s.connect(f.alice).timeoutJob(id)).to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus");
    await time.increase(3601);
    await f.s.connect(f.op1).completeJob(id);
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(net(ONE));
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(0n);
  });

  it("a requester cannot time out a running job before its deadline to get a refund", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ONE, 10n * TFLOPS, 7200);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(id);
    const { deadline } = (await f.schedulerLens.getJob(id)).job;
    await time.increaseTo(deadline - 2n); // the next transaction is mined at deadline - 1
    await expect(f.s.connect(f.alice).timeoutJob(id))
      .to.be.revertedWithCustomError(f.s, "SchedulerDeadlineNotPassed")
      .withArgs(id, deadline);
    await f.s.connect(f.op1).submitResult(id, ethers.id("result"), 1000); // at the deadline: in time
    expect(await f.status(id)).to.equal(S.ResultSubmitted);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(0n);
  });

  it("a requester cannot dispute after its window, without the bond, or someone else's job", async () => {
    const f = await resultSubmitted();
    const before = await f.books();
    await expect(f.s.connect(f.alice).disputeResult(f.id, { value: BOND - 1n }))
      .to.be.revertedWithCustomError(f.s, "SchedulerWrongBond")
      .withArgs(f.id, BOND - 1n, BOND);
    await expect(f.s.connect(f.bob).disputeResult(f.id, { value: BOND }))
      .to.be.revertedWithCustomError(f.s, "SchedulerNotRequester")
      .withArgs(f.id, f.bob.address);
    const { settleBy } = await f.schedulerLens.getSettlement(f.id);
    await time.increaseTo(settleBy + 1n);
    await expect(f.s.connect(f.alice).disputeResult(f.id, { value: BOND }))
      .to.be.revertedWithCustomError(f.s, "SchedulerDisputeWindowClosed")
      .withArgs(f.id, settleBy);
    expect(await f.books()).to.deep.equal(before);
    await f.s.connect(f.carol).completeJob(f.id); // anyone settles an undisputed result after the window
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(net(ONE));
  });

  it("a requester that loses its dispute pays the executor and forfeits the bond", async () => {
    const f = await resultSubmitted();
    await f.s.connect(f.alice).disputeResult(f.id, { value: BOND });
    await f.s.connect(f.arbiter).resolveDispute(f.id, 10_000);
    expect(await f.status(f.id)).to.equal(S.Completed);
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(net(ONE) + BOND); // the bond is untaxed
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(0n);
    expect((await f.books()).escrow).to.equal(0n);
  });

  it("a requester gets back only the share the arbiter awards it", async () => {
    const f = await resultSubmitted();
    await f.s.connect(f.alice).disputeResult(f.id, { value: BOND });
    await f.s.resolveDispute(f.id, 6000); // governance decides too
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(net((ONE * 6000n) / 10_000n) + (BOND * 6000n) / 10_000n);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(((ONE + BOND) * 4000n) / 10_000n);
    await expect(f.s.connect(f.arbiter).resolveDispute(f.id, 0))
      .to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus")
      .withArgs(f.id, S.Completed);
  });

  it("a requester cannot gain more than an even split from an arbiter that never decides", async () => {
    const f = await resultSubmitted();
    await f.s.connect(f.alice).disputeResult(f.id, { value: BOND });
    const { settleBy } = await f.schedulerLens.getSettlement(f.id);
    await expect(f.s.connect(f.alice).timeoutJob(f.id))
      .to.be.revertedWithCustomError(f.s, "SchedulerDeadlineNotPassed")
      .withArgs(f.id, settleBy);
    await time.increaseTo(settleBy + 1n);
    await f.s.connect(f.alice).timeoutJob(f.id);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal((ONE + BOND) / 2n);
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(net(ONE / 2n) + BOND / 2n);
    expect((await f.books()).escrow).to.equal(0n);
  });

  it("a requester cannot pocket a priority boost someone else paid when it cancels", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ONE);
    const boost = ethers.parseEther("0.3");
    await expect(f.s.connect(f.bob).boostPriority(id, 5, { value: boost }))
      .to.emit(f.s, "BoostRecorded")
      .withArgs(id, f.bob.address, boost);
    await f.s.connect(f.alice).boostPriority(id, 1, { value: 7n }); // her own boost joins her payment
    await expect(f.s.connect(f.alice).cancelJob(id))
      .to.emit(f.s, "JobRefunded")
      .withArgs(id, f.alice.address, ONE + 7n, S.Cancelled);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(ONE + 7n);
    await expect(f.s.settleBoost(id, f.alice.address))
      .to.be.revertedWithCustomError(f.s, "SchedulerNoBoostToRefund")
      .withArgs(id, f.alice.address);
    await f.s.connect(f.carol).settleBoost(id, f.bob.address); // anyone may push it; the money goes to Bob
    expect(await f.schedulerLens.balanceOf(f.bob.address)).to.equal(boost);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(ONE + 7n);
    await expect(f.s.settleBoost(id, f.bob.address)).to.be.revertedWithCustomError(f.s, "SchedulerNoBoostToRefund");
    expect(await f.books()).to.deep.equal({ escrow: 0n, withdrawable: ONE + 7n + boost });
  });

  it("a requester cannot take a booster's share of a partly refunded dispute, nor reclaim a boost the executor earned", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const boost = ethers.parseEther("0.4");
    const disputed = await f.submit(f.alice, ONE);
    await f.s.connect(f.bob).boostPriority(disputed, 1, { value: boost });
    const paid = await f.submit(f.alice, ONE);
    await f.s.connect(f.bob).boostPriority(paid, 1, { value: boost });
    for (let i = 0; i < 2; i++) await f.s.connect(f.op1).scheduleNext(1);
    for (const id of [disputed, paid]) {
      await f.s.connect(f.op1).startJob(id);
      await f.s.connect(f.op1).submitResult(id, ethers.id("r"), 1);
    }
    await f.s.connect(f.alice).disputeResult(disputed);
    await f.s.connect(f.arbiter).resolveDispute(disputed, 2500);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal((ONE * 7500n) / 10_000n);
    await f.s.settleBoost(disputed, f.bob.address);
    expect(await f.schedulerLens.balanceOf(f.bob.address)).to.equal((boost * 7500n) / 10_000n);
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(net((ONE * 2500n) / 10_000n) + net((boost * 2500n) / 10_000n));
    // Undisputed: the executor earned the whole escrow, boosts included; nothing flows back.
    await f.s.connect(f.alice).completeJob(paid);
    await expect(f.s.settleBoost(paid, f.bob.address))
      .to.be.revertedWithCustomError(f.s, "SchedulerInvalidJobStatus")
      .withArgs(paid, S.Completed);
    expect(await f.schedulerLens.balanceOf(f.op1.address)).to.equal(
      net((ONE * 2500n) / 10_000n) + net((boost * 2500n) / 10_000n) + net(ONE + boost),
    );
    expect((await f.books()).escrow).to.equal(0n);
  });

  it("a requester cannot get an operator slashed for a job offered to it but never accepted", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ONE);
    await f.s.connect(f.service).scheduleJob(id, 1); // an offer
    const before = await f.stake(1);
    const { startDeadline } = (await f.schedulerLens.getJob(id)).job;
    await time.increaseTo(startDeadline + 1n);
    await expect(f.s.connect(f.alice).timeoutJob(id)).to.not.emit(f.s, "SequencerPenalized");
    expect(await f.stake(1)).to.equal(before);
    expect(await f.schedulerLens.balanceOf(f.alice.address)).to.equal(ONE);
    expect(await f.s.getSequencerLoad(1)).to.equal(0n);
  });

  it("a requester cannot hold an operator's capacity after cancelling", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await f.submit(f.alice, 1n, 30n * TFLOPS));
    for (let i = 0; i < 3; i++) await f.s.connect(f.op1).scheduleNext(1);
    expect(await f.s.getSequencerLoad(1)).to.equal(9000n);
    for (const id of ids) await f.s.connect(f.alice).cancelJob(id);
    expect(await f.s.getSequencerLoad(1)).to.equal(0n);
    const next = await f.submit(f.bob, ONE, 100n * TFLOPS);
    await f.s.connect(f.op1).scheduleNext(1); // the full capacity is available again
    expect(await f.status(next)).to.equal(S.Scheduled);
  });

  it("a requester cannot drain the escrow by re-entering withdraw after a dispute refund", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const attacker = await (await ethers.getContractFactory("WithdrawAttacker")).deploy(await f.s.getAddress());
    const at = await attacker.getAddress();
    const to = await f.s.getAddress();
    const deadline = (await ethers.provider.getBlock("latest"))!.timestamp + 7200;
    await attacker.act(to, ONE, f.s.interface.encodeFunctionData("submitComputeJob", [computeJob(10n * TFLOPS, GB, deadline)]), {
      value: ONE,
    });
    const other = await f.submit(f.bob, ONE); // someone else's escrow to steal
    const id = ethers.zeroPadValue("0x01", 32);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(id);
    await f.s.connect(f.op1).submitResult(id, ethers.id("r"), 1);
    await attacker.act(to, 0, f.s.interface.encodeFunctionData("disputeResult", [id]));
    await f.s.connect(f.arbiter).resolveDispute(id, 0);
    await expect(attacker.attack()).to.be.revertedWithCustomError(f.s, "SchedulerTransferFailed");
    expect(await f.schedulerLens.balanceOf(at)).to.equal(ONE);
    await attacker.setReenter(false);
    await expect(attacker.attack()).to.changeEtherBalance(attacker, ONE);
    expect(await f.status(other)).to.equal(S.Queued);
    expect(await f.books()).to.deep.equal({ escrow: ONE, withdrawable: 0n });
  });

  it("a requester cannot get a job it requires a TEE for made the duty of a sequencer without one, to have it slashed", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    // No sequencer has a TEE: whoever schedules the job, nobody can be handed a duty it cannot perform.
    const job = computeJob(10n * TFLOPS, GB, (await time.latest()) + 7200, 0, requirementsSpec({ tee: true }));
    const id = await f.s.connect(f.alice).submitComputeJob.staticCall(job, { value: ONE });
    await f.s.connect(f.alice).submitComputeJob(job, { value: ONE });
    expect(await f.s.getOptimalSequencer(job)).to.equal(0n);
    for (const [who, seq] of [
      [f.op2, 2],
      [f.service, 2],
      [f.service, 3],
    ] as const) {
      await expect(f.s.connect(who).scheduleJob(id, seq))
        .to.be.revertedWithCustomError(f.s, "SchedulerLacksCapability")
        .withArgs(id, BigInt(seq), 2n);
    }
    await expect(f.s.connect(f.op2).scheduleNext(2)).to.be.revertedWithCustomError(f.s, "SchedulerLacksCapability");
    const { startDeadline } = (await f.schedulerLens.getJob(id)).job;
    await time.increaseTo(startDeadline + 1n);
    const stake2 = await f.stake(2);
    await expect(f.s.timeoutJob(id)).to.not.emit(f.s, "SequencerPenalized"); // expires from the queue: a refund
    expect(await f.stake(2)).to.equal(stake2);
    expect(await f.status(id)).to.equal(S.Expired);
    expect(await f.books()).to.deep.equal({ escrow: 0n, withdrawable: ONE });
  });
});
