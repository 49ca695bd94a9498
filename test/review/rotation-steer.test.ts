import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SelectionMode } from "../../deploy";
import { withSequencers, deliverRandomness, setMode, type SelectionFixture, rotateWhenDue } from "../helpers/selection";

/**
 * Finding: `selectNextSequencer()` is public and fixes the successor once per turn. Called after a rotation but
 * before that turn's randomness is fulfilled, the module finds no draw for the turn and answers 0, so the registry
 * designates its round-robin successor and keeps it: the draw that arrives later is ignored by `rotateSequencer`.
 * The round-robin successor of the current sequencer is public, so that sequencer's operator (or anyone who
 * favours it) takes the turn whatever the stake-weighted draw says.
 */
describe("Review: round-robin successor locks in its turn before the draw exists", () => {
  async function weighted() {
    // The attacker's sequencer holds a small stake (100 of 2,750 LUX).
    const f = await withSequencers([100, 400, 300, 500, 350, 450, 250, 300]);
    await setMode(f, SelectionMode.WeightedRandom);
    return f;
  }

  it("a rotation names the sequencer drawn for it, even if someone called selectNextSequencer before the randomness arrived", async () => {
    const f = await loadFixture(weighted);
    await deliverRandomness(f);
    await rotateWhenDue(f); // this rotation opened the request for the next turn's draw
    let steered = 0;
    let rounds = 0;
    for (let round = 0; round < 8; round++) {
      const current = await f.registry.currentSequencerId();
      const rrNext = await f.registry.nextActiveSequencer(current);
      const attacker = f.signerOf.get(rrNext)!;
      // The round-robin successor acts between the request and its fulfilment (at least one block).
      await (await f.registry.connect(attacker).selectNextSequencer()).wait();
      await deliverRandomness(f);
      const draw = await f.selection.rotationDraw();
      expect(draw.forId).to.equal(current); // a valid draw exists for this very turn
      const next = await rotateWhenDue(f);
      if (draw.drawnId !== rrNext) {
        rounds++;
        if (next === rrNext) steered++;
      }
      // keep the rotation/draw cycle going: the designated rotation did not request randomness for the next turn
      if ((await f.selection.randomnessState()).pendingRequestId === 0n) {
        await f.selection.requestRandomness().catch(() => undefined);
      }
    }
    expect(rounds).to.be.gt(0);
    // Sound: every rotation follows its draw. Vulnerable: the attacker took every turn the draw gave to someone else.
    expect(steered, `${steered}/${rounds} draws overridden by the round-robin successor`).to.equal(0);
  });

  it("a forced rotation hands the turn to the successor that selectNextSequencer announced", async () => {
    const f = await loadFixture(weighted);
    let checked = 0;
    let overridden = 0;
    for (let round = 0; round < 6; round++) {
      const [, , deadline, open] = await f.beacon!.roundState();
      const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      if (open && now >= deadline) await (await f.beacon!.skipCommitter()).wait(); // the round opened before the silence
      if ((await f.selection.randomnessState()).pendingRequestId === 0n) await f.selection.requestRandomness().catch(() => undefined);
      if ((await f.selection.randomnessState()).pendingRequestId !== 0n) await deliverRandomness(f);
      const current = await f.registry.currentSequencerId();
      const rrNext = await f.registry.nextActiveSequencer(current);
      const announced = await f.registry.selectNextSequencer.staticCall();
      await (await f.registry.selectNextSequencer()).wait();
      const announcedId = await f.registry.sequencerIdOf(announced);
      // The current sequencer goes silent for livenessTimeout; anyone triggers the failover.
      await time.increase(121);
      await (await f.monitor.rotateOnLivenessFailure()).wait();
      const next = await f.registry.currentSequencerId();
      if (announcedId !== rrNext) {
        checked++;
        if (next !== announcedId) overridden++;
      }
    }
    expect(checked).to.be.gt(0);
    expect(overridden, `${overridden}/${checked} announced successors replaced by the round-robin one`).to.equal(0);
  });
});
