/**
 * Model-based property of the rotation draw: random sequences of every call a participant may make (stake,
 * delegation, undelegation, exits, the public selection functions, randomness requests, beacon commits and skips,
 * rotations at any time) never change which sequencer a rotation names once its randomness exists.
 *
 * The model keeps the stake weights of every sequencer as they were when the pending randomness was requested and
 * recomputes the draw from them (the same rejection-then-cut rule as the contract) when the randomness arrives;
 * a rotation must then hand over to that draw if it was made for the ending turn and the drawn sequencer is still
 * Active, and to the round-robin successor otherwise.
 */
import fc from "fast-check";
import { ethers } from "hardhat";
import { SelectionMode } from "../deploy";
import { commitRound } from "../sdk";
import { withSequencers, setMode, type SelectionFixture } from "../test/helpers/selection";
import { modelDraw } from "../test/helpers/draw";
import { params, snapshot, revertTo, jump, outcome, eq, ok, step, sequences, Outcomes, RUNS } from "./helpers";

const STAKES = [100, 400, 300, 500, 350, 450, 250, 300];
const abi = ethers.AbiCoder.defaultAbiCoder();

interface Model {
  frozen?: bigint[]; // weights by position (id − 1) when the pending request was made
}

describe(`Rotation draw invariants (fast-check, ${Math.max(10, Math.floor(RUNS / 5))} sequences)`, function () {
  this.timeout(0);

  it("no permitted call between a draw's randomness and its rotation changes the successor", async () => {
    const f: SelectionFixture = await withSequencers(STAKES);
    await setMode(f, SelectionMode.WeightedRandom);
    const { registry, selection, beacon } = f;
    const ids = STAKES.map((_, i) => BigInt(i + 1));
    const outsiders = f.accounts.slice(20, 24);
    const outcomes = new Outcomes();
    let model: Model = {};

    const weights = () => Promise.all(ids.map((id) => f.lens.weightOf(id)));
    /** Sends a call; records the weights if it opened a randomness request. */
    async function send(p: () => Promise<{ wait(): Promise<unknown> }>) {
      const pendingBefore = (await selection.randomnessState()).pendingRequestId;
      const err = await outcome(p());
      outcomes.count(err);
      const pendingAfter = (await selection.randomnessState()).pendingRequestId;
      if (pendingAfter !== 0n && pendingAfter !== pendingBefore) model.frozen = await weights();
      return err;
    }

    const sid = fc.integer({ min: 1, max: STAKES.length }).map(BigInt);
    const who = fc.integer({ min: 0, max: outsiders.length - 1 });
    const amount = fc.integer({ min: 1, max: 5000 });
    const steps = [
      fc.tuple(sid, amount).map(([id, a]) =>
        step(`increaseStake(#${id}, ${a})`, async () => {
          await send(() => registry.connect(f.signerOf.get(id)!).increaseStake(id, { value: ethers.parseEther(String(a)) }));
        }),
      ),
      fc.tuple(who, sid, amount).map(([w, id, a]) =>
        step(`delegate(out${w} → #${id}, ${a})`, async () => {
          await send(() => registry.connect(outsiders[w]).delegateStake(id, { value: ethers.parseEther(String(a)) }));
        }),
      ),
      fc.tuple(who, sid).map(([w, id]) =>
        step(`undelegate(out${w} from #${id})`, async () => {
          const [shares] = await f.lens.delegationOf(id, outsiders[w].address);
          await send(() => registry.connect(outsiders[w]).undelegate(id, shares));
        }),
      ),
      sid.map((id) =>
        step(`initiateExit(#${id})`, async () => {
          if ((await registry.activeSequencerCount()) <= 3n) return; // keep a set to draw from
          await send(() => registry.connect(f.signerOf.get(id)!).initiateExit(id));
        }),
      ),
      fc.integer({ min: 0, max: 1_000_000 }).map((x) =>
        step(`selectWeightedRandom(${x}) + selectHybrid`, async () => {
          await send(() => selection.selectWeightedRandom(x));
          await send(() => selection.selectHybrid([1, 1, 0, 0], abi.encode(["uint256"], [x])));
        }),
      ),
      fc.constant(null).map(() =>
        step("requestRandomness", async () => {
          await send(() => selection.requestRandomness());
        }),
      ),
      fc.constant(null).map(() =>
        step("commit or skip the open round", async () => {
          const [, committerId, deadline, open] = await beacon!.roundState();
          if (!open) return;
          const key = f.keys.get(committerId);
          const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
          const active = await registry.isActiveSequencer(await registry.operatorOf(committerId));
          if (!key || !active || now + 2n >= deadline) {
            if (now < deadline) await jump(Number(deadline - now));
            await send(() => beacon!.skipCommitter());
            return;
          }
          const forId = await registry.currentSequencerId();
          const { output } = await commitRound(beacon!, f.signerOf.get(committerId)!, key);
          outcomes.count();
          const draw = await selection.rotationDraw();
          const seed = BigInt(ethers.keccak256(abi.encode(["uint256", "uint256"], [output, draw.requestId])));
          ok("a request froze weights before its randomness", model.frozen !== undefined);
          const expected = modelDraw(model.frozen!, seed, Number(forId) - 1) + 1;
          eq("the draw is the frozen weights' draw", draw.drawnId, BigInt(expected));
          eq("the draw is for the turn current at fulfilment", draw.forId, forId);
          model.frozen = undefined;
        }),
      ),
      fc.integer({ min: 0, max: 20_000 }).map((late) =>
        step(`rotate (${late}s after due)`, async () => {
          const due = await registry.nextRotationTime();
          const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
          if (now < due + BigInt(late)) await jump(Number(due + BigInt(late) - now));
          const current = await registry.currentSequencerId();
          const draw = await selection.rotationDraw();
          const drawnActive = draw.drawnId !== 0n && (await registry.isActiveSequencer(await registry.operatorOf(draw.drawnId)));
          const roundRobin = await registry.nextActiveSequencer(current);
          const err = await send(() => registry.rotateSequencer());
          if (err) return;
          const next = await registry.currentSequencerId();
          if (draw.forId === current && drawnActive) eq("the rotation applies the draw made for its turn", next, draw.drawnId);
          else eq("without a draw for its turn, the rotation is round-robin's", next, roundRobin);
        }),
      ),
      fc.integer({ min: 1, max: 7200 }).map((s) => step(`time +${s}s`, async () => jump(s))),
    ];
    const WEIGHTS = [2, 2, 1, 1, 2, 1, 3, 3, 1];

    let base = await snapshot();
    await fc.assert(
      fc.asyncProperty(sequences(steps, WEIGHTS), async (seq) => {
        base = await revertTo(base);
        model = {};
        for (const s of seq) await s.run();
      }),
      { ...params(), numRuns: Math.max(10, Math.floor(RUNS / 5)) },
    );
    outcomes.print();
    ok("most calls succeed", outcomes.successes > 0);
  });
});
