import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SelectionMode } from "../../deploy";
import { commitRound, encryptTimelocked, generateTrapdoor, puzzleKey, xorKeystream } from "../../sdk";
import { withSequencers, setMode, deliverRandomness, rotateWhenDue } from "../helpers/selection";
import { schedulerMarketFixture, JOB_STATUS as S, TFLOPS } from "../helpers/scheduler";
import { mevFixture } from "../helpers/mev";

/** Session 8's adversarial review: each test is a finding's attack, which must now fail. */
describe("Review session 8: attacks on the rotation draw, the scheduler's deadline and the time-lock", () => {
  describe("an early selectNextSequencer cannot leave the next turn without its draw", () => {
    async function weighted() {
      const f = await withSequencers([100, 400, 300, 500, 350, 450, 250, 300]);
      await setMode(f, SelectionMode.WeightedRandom);
      return f;
    }

    it("the draw fulfilled after an early designation serves the designated turn, so its round-robin successor cannot take it", async () => {
      const f = await loadFixture(weighted);
      let roundRobin = 0;
      for (let round = 0; round < 6; round++) {
        await deliverRandomness(f); // the draw that ends the current turn C
        const c = await f.registry.currentSequencerId();
        const d = (await f.selection.rotationDraw()).drawnId;
        // The attacker, D's round-robin successor, designates D early (legitimately) during C's turn; the
        // randomness that call requests is fulfilled while C still holds the turn.
        const attackerId = await f.registry.nextActiveSequencer(d);
        await (await f.registry.connect(f.signerOf.get(attackerId)!).selectNextSequencer()).wait();
        const [, committerId] = await f.beacon!.roundState();
        await commitRound(f.beacon!, f.signerOf.get(committerId)!, f.keys.get(committerId)!);
        const draw = await f.selection.rotationDraw();
        expect(draw.forId, "the draw is keyed by the designated turn, not by C's").to.equal(d);
        expect(c).to.not.equal(d);
        expect(await rotateWhenDue(f)).to.equal(d);
        // Nobody else acts during D's turn; the attacker rotates when it is due: the drawn sequencer takes over.
        const next = await rotateWhenDue(f);
        expect(next).to.equal(draw.drawnId);
        if (next === attackerId && draw.drawnId !== attackerId) roundRobin++;
      }
      expect(roundRobin).to.equal(0);
    });

    it("while the designated turn's draw waits, nobody can request a second one (its committer would keep the better)", async () => {
      const f = await loadFixture(weighted);
      await deliverRandomness(f);
      await (await f.registry.selectNextSequencer()).wait();
      const [, committerId] = await f.beacon!.roundState();
      await commitRound(f.beacon!, f.signerOf.get(committerId)!, f.keys.get(committerId)!);
      await expect(f.selection.requestRandomness()).to.be.revertedWithCustomError(f.selection, "SelectionDrawReady");
    });
  });

  it("an operator cannot escape the deadline slash by preempting its accepted job after the start window", async () => {
    const f = await loadFixture(schedulerMarketFixture);
    const id = await f.submit(f.alice, ethers.parseEther("1"), 10n * TFLOPS, 7200, 0);
    await f.s.connect(f.op1).scheduleNext(1);
    await f.s.connect(f.op1).startJob(id);
    const { startDeadline, deadline } = (await f.schedulerLens.getJob(id)).job;
    await time.increaseTo(startDeadline + 1n);
    // A 1-wei decoy with a higher priority at the queue head: preempting with it would requeue the failing job.
    const decoy = await f.submit(f.carol, 1n, 1n * TFLOPS, 7200, 1);
    await expect(f.s.connect(f.op1).preemptJob(id, decoy))
      .to.be.revertedWithCustomError(f.s, "SchedulerDeadlinePassed")
      .withArgs(id, startDeadline);
    expect(await f.status(id)).to.equal(S.Running);
    // The job fails at its deadline and the operator's pool pays the penalty.
    const before = await f.stake(1);
    await time.increaseTo(deadline + 1n);
    await expect(f.s.timeoutJob(id)).to.emit(f.s, "SequencerPenalized");
    expect(await f.stake(1)).to.be.lessThan(before);
  });

  it("a solver faster than the calibration cannot publish a time-locked transaction before its unlock time; its sender can", async () => {
    const f = await mevFixture();
    const RATE = 1000n;
    const LOCK = 3600n;
    await f.mev.connect(f.governanceSigner).setVDFCalibration(RATE);
    const bid = ethers.hexlify(ethers.toUtf8Bytes("sealed bid: 42 LUX"));
    const [user, solver] = f.accounts.slice(20);
    const seal = async () => {
      const sealed = encryptTimelocked(bid, LOCK * RATE, generateTrapdoor());
      const id = await f.mev.connect(user).submitTimelocked.staticCall(sealed.encryptedTx, LOCK);
      await (await f.mev.connect(user).submitTimelocked(sealed.encryptedTx, LOCK)).wait();
      // What a solver k times faster than calibrated has after LOCK/k seconds (taken from the SDK here).
      const payload = xorKeystream(sealed.ciphertext, puzzleKey(sealed.solution));
      return { id, nonce: BigInt(ethers.dataSlice(payload, 0, 32)), plaintext: ethers.dataSlice(payload, 32) };
    };
    const a = await seal();
    await expect(f.mev.connect(solver).revealTransaction(a.id, a.plaintext, a.nonce))
      .to.be.revertedWithCustomError(f.mev, "MEVTimeLocked")
      .withArgs(a.id);
    expect((await f.mev.getTransaction(a.id)).status).to.equal(1n); // still Pending
    // The sender may open its own transaction early; anyone may once the lock has ended.
    await expect(f.mev.connect(user).revealTransaction(a.id, a.plaintext, a.nonce)).to.emit(f.mev, "TransactionRevealed");
    const b = await seal();
    await time.increaseTo((await f.mev.getTransaction(b.id)).unlockTime);
    await expect(f.mev.connect(solver).revealTransaction(b.id, b.plaintext, b.nonce)).to.emit(f.mev, "TransactionRevealed");
  });
});
