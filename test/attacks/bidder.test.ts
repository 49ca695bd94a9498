import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { withSequencers, type SelectionFixture } from "../helpers/selection";

const E = (n: number | string) => ethers.parseEther(String(n));

/**
 * Attacker: an auction bidder (a sequencer operator). Goals it must not reach: take back a live bid, be refunded more
 * than it paid, or bid without being an Active sequencer.
 */
describe("Attacks by a bidder", () => {
  async function auction() {
    const f = await withSequencers([100, 100, 100, 100, 100]);
    const id = await f.selection.initAuction.staticCall(3600);
    await f.selection.initAuction(3600);
    return { ...f, id };
  }
  const balanceOf = async (f: SelectionFixture) => ethers.provider.getBalance(await f.selection.getAddress());

  it("a bidder cannot pull a live bid back before its auction ends", async () => {
    const f = await loadFixture(auction);
    const bidder = f.operators[0];
    await f.selection.connect(bidder).placeBid(f.id, { value: E(10) });
    const held = await balanceOf(f);
    await expect(f.selection.connect(bidder).withdraw())
      .to.be.revertedWithCustomError(f.selection, "SelectionNothingToWithdraw")
      .withArgs(bidder.address);
    expect(await balanceOf(f)).to.equal(held);
    expect(await f.selection.pendingReturns(bidder.address)).to.equal(0n);
  });

  it("an outbid bidder is refunded exactly its bid, once, however often it withdraws", async () => {
    const f = await loadFixture(auction);
    const [a, b, c, d] = f.operators;
    await f.selection.connect(a).placeBid(f.id, { value: E(10) });
    await f.selection.connect(b).placeBid(f.id, { value: E(11) });
    await f.selection.connect(c).placeBid(f.id, { value: E(12) });
    await f.selection.connect(d).placeBid(f.id, { value: E(20) }); // evicts the lowest (a)
    expect(await f.selection.pendingReturns(a.address)).to.equal(E(10));
    const before = await ethers.provider.getBalance(a.address);
    const receipt = await (await f.selection.connect(a).withdraw()).wait();
    const gas = receipt!.gasUsed * receipt!.gasPrice;
    expect(await ethers.provider.getBalance(a.address)).to.equal(before + E(10) - gas);
    await expect(f.selection.connect(a).withdraw()).to.be.revertedWithCustomError(f.selection, "SelectionNothingToWithdraw");
    // The contract still holds exactly the live bids.
    expect(await balanceOf(f)).to.equal(E(11 + 12 + 20));
    await time.increase(3601);
    await f.selection.finalizeAuction(f.id);
    expect(await balanceOf(f)).to.equal(await f.selection.totalOwed());
  });

  it("an operator whose sequencer left the set cannot bid", async () => {
    const f = await loadFixture(auction);
    const leaver = f.operators[4];
    await f.registry.connect(leaver).initiateExit(await f.registry.sequencerIdOf(leaver.address));
    await expect(f.selection.connect(leaver).placeBid(f.id, { value: E(50) }))
      .to.be.revertedWithCustomError(f.selection, "SelectionNotActiveSequencer")
      .withArgs(leaver.address);
    expect(await balanceOf(f)).to.equal(0n);
  });
});
