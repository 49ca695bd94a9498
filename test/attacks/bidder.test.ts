import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { withSequencers, type SelectionFixture } from "../helpers/selection";
import { commitBid, expectEscrow } from "../helpers/auction";

const E = (n: number | string) => ethers.parseEther(String(n));

/**
 * Attacker: an auction bidder (a sequencer operator). Goals it must not reach: take back a live deposit, be refunded
 * more than it paid, bid without being an Active sequencer, win for less than sealed second-price bidding charges (by
 * sniping, by learning the others' bids, by copying a commitment, by withholding a reveal), or escape the cap.
 */
describe("Attacks by a bidder", () => {
  async function auction() {
    const f = await withSequencers([100, 100, 100, 100, 100, 100]);
    const id = await f.selection.initAuction.staticCall(3600);
    await f.selection.initAuction(3600);
    return { ...f, id };
  }
  /** One seat: the winner pays the highest losing bid. */
  async function oneSeat() {
    const f = await withSequencers([100, 100, 100, 100, 100, 100]);
    const p = await f.selection.getParameters();
    await f.selection.connect(f.governanceSigner).setParameters(p.minScore, 1, 12, p.minBid);
    await f.selection.initAuction(3600);
    return { ...f, id: 1n, bond: (await f.selection.auctionParameters()).bond };
  }
  const balanceOf = async (f: SelectionFixture) => ethers.provider.getBalance(await f.selection.getAddress());
  const toEnd = async (f: SelectionFixture, id: bigint) => time.increaseTo((await f.selection.auctionDetails(id)).endTime);

  it("a bidder cannot pull a live deposit back before its auction ends", async () => {
    const f = await loadFixture(auction);
    const bidder = f.operators[0];
    await f.selection.connect(bidder).placeBid(f.id, { value: E(10) });
    await commitBid(f.selection, f.operators[1], f.id, E(5), E(10));
    const held = await balanceOf(f);
    for (const who of [bidder, f.operators[1]]) {
      await expect(f.selection.connect(who).withdraw())
        .to.be.revertedWithCustomError(f.selection, "SelectionNothingToWithdraw")
        .withArgs(who.address);
    }
    expect(await balanceOf(f)).to.equal(held);
    await expectEscrow(f.selection);
  });

  it("a bidder pushed out of the ranking is refunded exactly its deposit, once, however often it withdraws", async () => {
    const f = await loadFixture(auction);
    const [a, b, c, d, e] = f.operators;
    for (const [who, value] of [
      [a, 10],
      [b, 11],
      [c, 12],
      [d, 20],
      [e, 21], // pushes out the lowest (a): three seats and the price-setting loser stay
    ] as const)
      await f.selection.connect(who).placeBid(f.id, { value: E(value) });
    expect(await f.selection.pendingReturns(a.address)).to.equal(E(10));
    const before = await ethers.provider.getBalance(a.address);
    const receipt = await (await f.selection.connect(a).withdraw()).wait();
    const gas = receipt!.gasUsed * receipt!.gasPrice;
    expect(await ethers.provider.getBalance(a.address)).to.equal(before + E(10) - gas);
    await expect(f.selection.connect(a).withdraw()).to.be.revertedWithCustomError(f.selection, "SelectionNothingToWithdraw");
    expect(await balanceOf(f)).to.equal(E(11 + 12 + 20 + 21));
    await time.increase(3601);
    await f.selection.finalizeAuction(f.id);
    await expectEscrow(f.selection);
  });

  it("an operator whose sequencer left the set cannot bid or commit", async () => {
    const f = await loadFixture(auction);
    const leaver = f.operators[4];
    await f.registry.connect(leaver).initiateExit(await f.registry.sequencerIdOf(leaver.address));
    await expect(f.selection.connect(leaver).placeBid(f.id, { value: E(50) }))
      .to.be.revertedWithCustomError(f.selection, "SelectionNotActiveSequencer")
      .withArgs(leaver.address);
    await expect(f.selection.connect(leaver).commitBid(f.id, ethers.id("x"), { value: E(50) }))
      .to.be.revertedWithCustomError(f.selection, "SelectionNotActiveSequencer")
      .withArgs(leaver.address);
    expect(await balanceOf(f)).to.equal(0n);
  });

  it("a sniper that sees the open bids and bids at the last second pays exactly what sealed bidding charges", async () => {
    // Sealed: the others commit 10 and 20, the sniper commits its value, 25: it wins and pays the highest losing bid.
    const sealed = async (sniperBid: bigint) => {
      const f = await loadFixture(oneSeat);
      const [a, b, sniper] = f.operators;
      const salts = [
        await commitBid(f.selection, a, f.id, E(10), E(30)),
        await commitBid(f.selection, b, f.id, E(20), E(30)),
        await commitBid(f.selection, sniper, f.id, sniperBid, E(30)),
      ];
      await toEnd(f, f.id);
      for (const [i, amount] of [E(10), E(20), sniperBid].entries())
        await f.selection.connect(f.operators[i]).revealBid(f.id, amount, salts[i]);
      await f.selection.finalizeAuction(f.id);
      await expectEscrow(f.selection);
      return f.selection.auctionDetails(f.id);
    };
    const sealedOutcome = await sealed(E(25));
    expect(sealedOutcome.top[0]).to.equal((await loadFixture(oneSeat)).operators[2].address);
    expect(sealedOutcome.clearingPrice).to.equal(E(20));

    // Open: the others bid 10 and 20 in the open; the sniper waits for the last second and bids just enough.
    for (const sniperBid of [E(20) + 1n, E(21), E(25)]) {
      const f = await loadFixture(oneSeat);
      const [a, b, sniper] = f.operators;
      await f.selection.connect(a).placeBid(f.id, { value: E(10) + f.bond });
      await f.selection.connect(b).placeBid(f.id, { value: E(20) + f.bond });
      await time.setNextBlockTimestamp((await f.selection.auctionDetails(f.id)).endTime - 1n);
      await f.selection.connect(sniper).placeBid(f.id, { value: sniperBid + f.bond });
      await time.increase(1);
      await f.selection.finalizeAuction(f.id);
      const d = await f.selection.auctionDetails(f.id);
      expect(d.top[0]).to.equal(sniper.address);
      expect(d.clearingPrice).to.equal(sealedOutcome.clearingPrice); // its own bid never sets its price
      await expectEscrow(f.selection);
    }
    // And a bid at or below the highest other bid does not win at a lower price: it loses.
    const f = await loadFixture(oneSeat);
    const [a, b, sniper] = f.operators;
    await f.selection.connect(a).placeBid(f.id, { value: E(10) + f.bond });
    await f.selection.connect(b).placeBid(f.id, { value: E(20) + f.bond });
    await f.selection.connect(sniper).placeBid(f.id, { value: E(19) + f.bond });
    await toEnd(f, f.id);
    await expect(f.selection.connect(sniper).placeBid(f.id, { value: E(30) }))
      .to.be.revertedWithCustomError(f.selection, "SelectionAuctionEnded")
      .withArgs(f.id, (await f.selection.auctionDetails(f.id)).endTime);
    await f.selection.finalizeAuction(f.id);
    expect((await f.selection.auctionDetails(f.id)).top[0]).to.equal(b.address);
  });

  it("a bidder that learns the others' bids in the reveal period cannot change its own: only reveal it or forfeit", async () => {
    const f = await loadFixture(oneSeat);
    const [a, b, late] = f.operators;
    const saltA = await commitBid(f.selection, a, f.id, E(20), E(25));
    const saltLate = await commitBid(f.selection, late, f.id, E(30), E(40));
    await toEnd(f, f.id);
    // Bidding has closed: no new commitment or open bid after the others' bids become known.
    await expect(f.selection.connect(b).commitBid(f.id, ethers.id("late"), { value: E(40) })).to.be.revertedWithCustomError(
      f.selection,
      "SelectionAuctionEnded",
    );
    await f.selection.connect(a).revealBid(f.id, E(20), saltA);
    // Having seen 20, it cannot reveal a lower bid with its salt (nor any other amount).
    for (const amount of [E(20) + 1n, E(21), E(29)]) {
      await expect(f.selection.connect(late).revealBid(f.id, amount, saltLate))
        .to.be.revertedWithCustomError(f.selection, "SelectionRevealMismatch")
        .withArgs(f.id, late.address);
    }
    // Withholding its reveal costs its whole deposit (to the insurance fund); a, alone, pays the reserve.
    const d = await f.selection.auctionDetails(f.id);
    await time.increaseTo(d.endTime + d.revealPeriod);
    await expect(f.selection.connect(late).revealBid(f.id, E(30), saltLate))
      .to.be.revertedWithCustomError(f.selection, "SelectionNotRevealPhase")
      .withArgs(f.id, d.endTime, d.endTime + d.revealPeriod);
    const fund = await f.registry.insuranceFund();
    await expect(f.selection.finalizeAuction(f.id)).to.emit(f.selection, "DepositsForfeited").withArgs(f.id, E(40));
    expect((await f.registry.insuranceFund()) - fund).to.equal(E(40) + E("0.01")); // and 1% of the 1-LUX proceeds
    expect(await f.selection.pendingReturns(late.address)).to.equal(0n);
    await expectEscrow(f.selection);
  });

  it("a copied commitment or a front-run reveal is worthless to the copier", async () => {
    const f = await loadFixture(oneSeat);
    const [victim, copier] = f.operators;
    const salt = await commitBid(f.selection, victim, f.id, E(20), E(25));
    const commitment = await f.selection.bidCommitment(f.id, victim.address, E(20), salt);
    await f.selection.connect(copier).commitBid(f.id, commitment, { value: E(25) }); // the same hash
    await toEnd(f, f.id);
    // The copier replays the victim's reveal (seen in the mempool): the commitment binds the bidder.
    await expect(f.selection.connect(copier).revealBid(f.id, E(20), salt))
      .to.be.revertedWithCustomError(f.selection, "SelectionRevealMismatch")
      .withArgs(f.id, copier.address);
    await f.selection.connect(victim).revealBid(f.id, E(20), salt);
    await expect(f.selection.connect(victim).revealBid(f.id, E(20), salt))
      .to.be.revertedWithCustomError(f.selection, "SelectionNoCommitment")
      .withArgs(f.id, victim.address);
    const d = await f.selection.auctionDetails(f.id);
    await time.increaseTo(d.endTime + d.revealPeriod);
    await f.selection.finalizeAuction(f.id);
    const after = await f.selection.auctionDetails(f.id);
    expect(after.top[0]).to.equal(victim.address);
    expect(after.clearingPrice).to.equal(after.reserve); // the copier's unrevealed bid set no price
    expect(await f.selection.pendingReturns(copier.address)).to.equal(0n); // and its deposit was forfeited
    await expectEscrow(f.selection);
  });

  it("an operator at the cap cannot bid or commit until its wins leave the window", async () => {
    const f = await withSequencers([100, 100, 100]);
    const s = f.selection;
    const p = await s.getParameters();
    await s.connect(f.governanceSigner).setParameters(p.minScore, 1, 1, p.minBid);
    await s
      .connect(f.governanceSigner)
      .setAuctionParameters({ bond: E(1), revealPeriod: 600, disputePeriod: 600, capWins: 1, capWindow: 2 });
    const [whale, other] = f.operators;
    const run = async (id: bigint, otherBids: boolean) => {
      await s.initAuction(60);
      await s.connect(whale).placeBid(id, { value: E(100) });
      if (otherBids) await s.connect(other).placeBid(id, { value: E(3) });
      await time.increase(61);
      await s.finalizeAuction(id);
    };
    await run(1n, true); // the whale wins auction 1
    await s.initAuction(60);
    for (const call of [
      () => s.connect(whale).placeBid(2, { value: E(100) }),
      () => s.connect(whale).commitBid(2, ethers.id("sealed"), { value: E(100) }),
    ]) {
      await expect(call()).to.be.revertedWithCustomError(s, "SelectionAuctionCapReached").withArgs(whale.address, 1n);
    }
    await s.connect(other).placeBid(2, { value: E(3) });
    await time.increase(61);
    await s.finalizeAuction(2);
    await run(3n, false); // auction 1 has left the two-auction window (the other, winner of 2, is capped now)
    expect((await s.auctionDetails(3)).top[0]).to.equal(whale.address);
    await expectEscrow(s);
  });
});
