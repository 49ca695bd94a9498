import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SelectionMode } from "../../deploy";
import { commitRound } from "../../sdk";
import { withSequencers, deliverRandomness, setMode, type SelectionFixture, rotateWhenDue } from "../helpers/selection";

const E = (n: number | string) => ethers.parseEther(String(n));

/**
 * Attacker: anyone with transactions, including operators of several sequencers and the beacon's committer. Goal it
 * must not reach: change which sequencer a rotation names once that rotation's randomness is known.
 */
describe("Attacks on the rotation draw", () => {
  // Eight sequencers; the attacker controls #1 (3.8% of the stake, as in the review's reproduction).
  async function weighted() {
    const f = await withSequencers([100, 400, 300, 500, 350, 450, 250, 300]);
    await setMode(f, SelectionMode.WeightedRandom);
    return f;
  }

  async function snapshot(): Promise<string> {
    return network.provider.send("evm_snapshot", []);
  }
  async function revert(id: string) {
    await network.provider.send("evm_revert", [id]);
  }

  it("anyone calling every public selection function between the randomness and the rotation cannot move the successor", async () => {
    const f = await loadFixture(weighted);
    for (let round = 0; round < 6; round++) {
      await deliverRandomness(f);
      const { drawnId } = await f.selection.rotationDraw();
      // The review's attack: preview, bump the module's state, repeat.
      for (let i = 0; i < 5; i++) {
        await f.registry.selectNextSequencer.staticCall();
        await f.selection.selectWeightedRandom(i);
        await f.selection.selectHybrid([1, 1, 0, 1], ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [i])).catch(() => undefined); // the performance method has no candidate here
        await f.selection.selectRoundRobin();
        await f.selection.selectByPerformance().catch(() => undefined);
        await f.selection.requestRandomness().catch(() => undefined);
      }
      expect(await rotateWhenDue(f)).to.equal(drawnId);
    }
  });

  it("stake and delegation moved after the randomness is known do not change the successor", async () => {
    const f = await loadFixture(weighted);
    for (let round = 0; round < 4; round++) {
      await deliverRandomness(f);
      const { drawnId, forId } = await f.selection.rotationDraw();
      const id = await snapshot();
      const untouched = await rotateWhenDue(f);
      await revert(id);
      // The attacker pours stake into its own sequencer and delegates to another it favours.
      await f.registry.connect(f.signerOf.get(1n)!).increaseStake(1, { value: E(5000) });
      await f.registry.connect(f.accounts[30]).delegateStake(1, { value: E(40000) });
      for (const other of [2n, 3n, 4n]) {
        if (other !== drawnId && other !== forId) await f.registry.connect(f.accounts[31]).delegateStake(other, { value: E(500) });
      }
      expect(await rotateWhenDue(f)).to.equal(untouched);
      expect(untouched).to.equal(drawnId);
    }
  });

  it("choosing when to call rotateSequencer (at once, or hours later) does not change the successor", async () => {
    const f = await loadFixture(weighted);
    for (let round = 0; round < 4; round++) {
      await deliverRandomness(f);
      const id = await snapshot();
      const onTime = await rotateWhenDue(f);
      await revert(id);
      await time.increase(10 * 3600);
      expect(await rotateWhenDue(f)).to.equal(onTime);
    }
  });

  it("a committer that knows its output before committing cannot shift the draw by moving stake first", async () => {
    const f = await loadFixture(weighted);
    let wouldHaveMoved = 0;
    for (let round = 0; round < 8; round++) {
      // The round opens (and the weights are frozen) in the request's transaction.
      if ((await f.selection.randomnessState()).pendingRequestId === 0n) await f.selection.requestRandomness();
      const [, committerId] = await f.beacon!.roundState();
      const committer = f.signerOf.get(committerId)!;
      const key = f.keys.get(committerId)!;
      const current = await f.registry.currentSequencerId();

      const id = await snapshot();
      const { output: honestOutput } = await commitRound(f.beacon!, committer, key);
      const honest = (await f.selection.rotationDraw()).drawnId;
      await revert(id);

      // The committer computes its output off chain (the same one: VRF outputs are unique), then moves stake:
      // everything to its own sequencer, and a big delegation from an accomplice.
      await f.registry.connect(committer).increaseStake(committerId, { value: E(10000) });
      await f.registry.connect(f.accounts[32]).delegateStake(committerId, { value: E(50000) });
      const { output } = await commitRound(f.beacon!, committer, key);
      expect(output).to.equal(honestOutput);
      const draw = await f.selection.rotationDraw();
      expect(draw.drawnId).to.equal(honest);
      // Without the snapshot (today's weights, same seed) the draw would often have named someone else.
      const seed = BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [output, draw.requestId])));
      if ((await f.registry.drawByStake(seed, current)) !== honest) wouldHaveMoved++;
      await rotateWhenDue(f);
    }
    expect(wouldHaveMoved).to.be.gt(0);
  });

  it("nobody can replace a draw that is ready for its rotation with a new request", async () => {
    const f = await loadFixture(weighted);
    await deliverRandomness(f);
    const draw = await f.selection.rotationDraw();
    await expect(f.selection.requestRandomness()).to.be.revertedWithCustomError(f.selection, "SelectionDrawReady").withArgs(draw.forId);
    expect(await rotateWhenDue(f)).to.equal(draw.drawnId);
  });
});
