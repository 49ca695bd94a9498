import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SelectionMode } from "../../deploy";
import { withSequencers, deliverRandomness, setMode, rotateWhenDue } from "../helpers/selection";

/**
 * Session 7 review, the registry's part: `_pickSuccessor` treated every Auction-mode answer as a decision, including the round-robin fallback of a random
 * turn (an unsold seat) whose draw has not arrived. So whoever calls `selectNextSequencer()` right after a rotation
 * fixed the round-robin successor for the turn: that successor took the turn by itself, whatever the draw said.
 * Fixed: a module answer of 0 in Auction mode is a preview, like WeightedRandom/Hybrid
 * (`decided = mode == RoundRobin || mode == Performance`, the module's valid answers staying decisions); the module
 * already keeps such a random turn waiting for its draw (SelectionMechanisms._nextAuctionTurn).
 */
describe("Registry: an early selectNextSequencer cannot fix round-robin over an auction's random turn", () => {
  async function unsoldAuction() {
    const f = await withSequencers([100, 200, 300, 400, 500, 600]);
    await f.selection.initAuction(3600);
    await time.increaseTo((await f.selection.auctionDetails(1n)).endTime);
    await f.selection.finalizeAuction(1n);
    await setMode(f, SelectionMode.Auction);
    await deliverRandomness(f);
    await rotateWhenDue(f);
    return f;
  }

  it("the round-robin successor cannot take an unsold seat's turn by announcing itself before the draw", async () => {
    const f = await loadFixture(unsoldAuction);
    const current = await f.registry.currentSequencerId();
    const successor = await f.registry.nextActiveSequencer(current);
    const thief = f.signerOf.get(successor)!;
    // Before the draw exists the answer must be a preview, not a decision.
    await expect(f.registry.connect(thief).selectNextSequencer()).to.not.emit(f.registry, "NextSequencerSelected");
    await deliverRandomness(f);
    const [forId, drawnId] = await f.selection.rotationDraw();
    expect(forId).to.equal(current);
    // The turn goes to the sequencer drawn for it by stake.
    expect(await rotateWhenDue(f)).to.equal(drawnId);
  });
});
