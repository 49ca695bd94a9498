import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SelectionMode } from "../../deploy";
import { withSequencers, deliverRandomness, setMode, rotateWhenDue } from "../helpers/selection";
import { mevFixture } from "../helpers/mev";
import { BN254_ORDER, decodeEncrypted, encryptForCommittee, keySharePayload, openShare } from "../../sdk";
import { bn254 } from "@noble/curves/bn254";

/**
 * Review of this session's auction and mempool changes: each test tries an attack and asserts its outcome.
 */
describe("Review (session 7): auction random turns and bonds", () => {
  /** Six sequencers, Auction mode, one finalized auction nobody bid in: twelve stake-weighted random turns. */
  async function unsoldAuction() {
    const f = await withSequencers([100, 200, 300, 400, 500, 600]);
    await f.selection.initAuction(3600);
    await time.increaseTo((await f.selection.auctionDetails(1n)).endTime);
    await f.selection.finalizeAuction(1n);
    await setMode(f, SelectionMode.Auction);
    // One rotation with its draw: it hands out the first random turn and requests the randomness of the next one.
    await deliverRandomness(f);
    await rotateWhenDue(f);
    return f;
  }

  it("an early selectNextSequencer (before the turn's draw exists) does not spend an unsold seat's random turn on round-robin", async () => {
    const f = await loadFixture(unsoldAuction);
    const s = f.selection;
    const [, pending] = await s.randomnessState();
    expect(pending).to.not.equal(0n); // the draw for the current turn is on its way
    const [, cursorBefore] = await s.auctionSchedule(1n);
    const current = await f.registry.currentSequencerId();
    const successor = await f.registry.nextActiveSequencer(current);
    // The round-robin successor announces itself before the randomness arrives.
    const thief = f.signerOf.get(successor)!;
    await (await f.registry.connect(thief).selectNextSequencer()).wait();
    // The random turn is still the next one to hand out: it waits for its draw.
    expect((await s.auctionSchedule(1n))[1]).to.equal(cursorBefore);
    // Nor did the registry take the early answer as a decision: the draw for the current turn arrives and the random
    // turn goes to the sequencer drawn for it by stake, not to the one that announced itself.
    await deliverRandomness(f);
    const [forId, drawnId] = await s.rotationDraw();
    expect(forId).to.equal(current);
    await time.increaseTo(await f.registry.nextRotationTime());
    await expect(f.registry.rotateSequencer()).to.emit(s, "AuctionTurn").withArgs(1n, drawnId);
    expect(await f.registry.currentSequencerId()).to.equal(drawnId);
    expect((await s.auctionSchedule(1n))[1]).to.equal(cursorBefore + 1n);
  });

  // The registry's part: an auction's round-robin fallback is a preview, not a decision (`_pickSuccessor`).
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

  it("a winner whose turns wait behind an earlier auction's cannot get its bond back before them and then fail them unslashed", async () => {
    const f = await withSequencers([100, 100, 100, 100, 100, 100]);
    const s = f.selection;
    const gov = f.governanceSigner;
    const period = (await f.registry.getConfig()).rotationPeriod;
    const p = await s.getParameters();
    // One seat of two turns; the dispute period covers an auction's turns at the rotation period, and a minute.
    await s.connect(gov).setParameters(p.minScore, 1, 2, p.minBid);
    const bond = ethers.parseEther("1");
    await s.connect(gov).setAuctionParameters({ bond, revealPeriod: 60, disputePeriod: 2n * period + 60n, capWins: 0, capWindow: 0 });
    const [w1, w2] = [f.operators[4], f.operators[5]];
    // Two auctions back to back: auction 2's turns come after auction 1's.
    for (const [id, winner] of [
      [1n, w1],
      [2n, w2],
    ] as const) {
      await s.initAuction(600);
      await s.connect(winner).placeBid(id, { value: ethers.parseEther("3") });
      await time.increaseTo((await s.auctionDetails(id)).endTime);
      await s.finalizeAuction(id);
    }
    await setMode(f, SelectionMode.Auction);
    const finalized = (await s.auctionDetails(2n)).finalizedAt;
    await time.increaseTo(finalized + 2n * period + 60n);
    // The dispute period "after finalization" is over, but none of the winner's turns has come.
    expect((await s.auctionSchedule(2n))[1]).to.equal(0n);
    await expect(s.releaseBonds(2n)).to.be.revertedWithCustomError(s, "SelectionDisputePeriodOpen").withArgs(2n, ethers.MaxUint256);
    // Its turn comes (and, say, it fails it): the bond slasher can still take the bond.
    for (let i = 0; i < 10 && (await s.auctionSchedule(2n))[1] === 0n; i++) await rotateWhenDue(f);
    expect(await f.registry.currentSequencerId()).to.equal(await f.registry.sequencerIdOf(w2.address));
    await expect(s.connect(gov).slashBond(2n, w2.address)).to.emit(s, "BondSlashed").withArgs(2n, w2.address, bond);
    // Auction 1's bond, whose turns are all handed out, is released a dispute period after its last turn.
    const last = (await s.auctionDetails(1n)).finalizedAt;
    expect((await s.auctionSchedule(1n))[1]).to.equal(2n);
    await time.increaseTo(last + 2n * period + 60n);
    await expect(s.releaseBonds(1n)).to.emit(s, "BondReleased").withArgs(1n, w1.address, bond);
  });
});

describe("Review (session 7): shill bidding", () => {
  /** Two seats; bids of 10 and 8 win against 5; the entity of the 10 also controls a second sequencer. */
  async function outcome(shill: bigint | null) {
    const f = await withSequencers([100, 100, 100, 100]);
    const s = f.selection;
    const p = await s.getParameters();
    await s.connect(f.governanceSigner).setParameters(p.minScore, 2, 12, p.minBid);
    await s.initAuction(3600);
    const bond = (await s.auctionParameters()).bond;
    const [entity, rival, low, second] = f.operators;
    const E = (n: number) => ethers.parseEther(String(n));
    for (const [who, amount] of [
      [entity, E(10)],
      [rival, E(8)],
      [low, E(5)],
    ] as const)
      await s.connect(who).placeBid(1n, { value: amount + bond });
    if (shill !== null) await s.connect(second).placeBid(1n, { value: shill + bond });
    const recipient = p.rewardsRecipient;
    const credited = await f.registry.withdrawableBalance(recipient);
    await time.increaseTo((await s.auctionDetails(1n)).endTime);
    await s.finalizeAuction(1n);
    const d = await s.auctionDetails(1n);
    const [winners] = [d.top.slice(0, Number(d.winnerCount))];
    return {
      price: d.clearingPrice,
      winners,
      proceeds: (await f.registry.withdrawableBalance(recipient)) - credited,
      shillRefund: await s.pendingReturns(second.address),
      entity: entity.address,
    };
  }

  it("a shill bid from a second address raises the price for everyone, its own bidder included: it profits the proceeds' recipient only", async () => {
    const bond = ethers.parseEther("1");
    const honest = await outcome(null);
    const shilled = await outcome(ethers.parseEther("7.9"));
    expect(honest.price).to.equal(ethers.parseEther("5"));
    expect(shilled.price).to.equal(ethers.parseEther("7.9"));
    // The same winners; the entity pays the raised price on its own seat, and its shill only gets its deposit back.
    expect(shilled.winners).to.deep.equal(honest.winners);
    expect(shilled.winners).to.include(shilled.entity);
    expect(shilled.shillRefund).to.equal(ethers.parseEther("7.9") + bond);
    // Only the proceeds grow (to the rewards recipient, after the insurance fee).
    expect(shilled.proceeds).to.be.greaterThan(honest.proceeds);
    // A shill that overshoots takes the second seat itself and pays the rival's 8 for it (its deposit less the
    // price and the held bond comes back): the entity now buys two seats at a higher price.
    const overshot = await outcome(ethers.parseEther("9"));
    expect(overshot.price).to.equal(ethers.parseEther("8"));
    expect(overshot.winners).to.include(overshot.entity);
    expect(overshot.shillRefund).to.equal(ethers.parseEther("1"));
  });
});

describe("Review (session 7): encrypted mempool", () => {
  it("a sender can seal a validator a share that fails its own commitments: the validator's missing share is not evidence against it", async () => {
    const f = await mevFixture();
    const honest = encryptForCommittee(ethers.hexlify(ethers.randomBytes(64)), f.publicKeys, f.threshold);
    // The sender corrupts the sealed box of place 1 (the sealed shares are read off chain, never checked on chain).
    const bytes = ethers.getBytes(honest.encryptedTx);
    const box = 2 + 32 * f.threshold + 33; // first byte of place 1's box
    bytes[box + 31] ^= 1;
    const encryptedTx = ethers.hexlify(bytes);
    const txId = await f.mev.submitEncrypted.staticCall(encryptedTx, honest.commitment);
    await f.mev.submitEncrypted(encryptedTx, honest.commitment);
    // Validator 1 opens its box and submits what it got: refused, its bit stays clear as if it had withheld.
    const victim = f.validators[0];
    const share = openShare(encryptedTx, 1, f.secretKeys[0]);
    await expect(f.mev.connect(victim).submitKeyShare(txId, keySharePayload(share, encryptedTx)))
      .to.be.revertedWithCustomError(f.mev, "MEVInvalidKeyShare")
      .withArgs(txId, victim.address);
    // The others' shares are valid and open the transaction, so nothing on chain tells a withholder from a victim.
    for (const i of [1, 2, 3]) {
      await f.mev
        .connect(f.validators[i])
        .submitKeyShare(txId, keySharePayload(openShare(encryptedTx, i + 1, f.secretKeys[i]), encryptedTx));
    }
    await f.mev.decryptTransaction(txId, decodeEncrypted(encryptedTx).ciphertext);
    const [bitmap] = await f.mev.keyShares(txId);
    expect(bitmap & 1n).to.equal(0n);
    // What clears the validator is off chain: the share it was sealed fails the sender's own commitments
    // (s·G1 ≠ Σ x^j·C_j), which anyone can check once it publishes its ECDH secret for the box.
    const { commitments } = decodeEncrypted(encryptedTx);
    const G = bn254.G1.ProjectivePoint;
    const lhs = G.BASE.multiply(((share % BN254_ORDER) + BN254_ORDER) % BN254_ORDER || 1n);
    const rhs = commitments.reduce((acc, [x, y]) => acc.add(G.fromAffine({ x, y })), G.ZERO); // place 1: Σ_j 1^j·C_j
    expect(lhs.equals(rhs)).to.equal(false);
  });
});
