import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SelectionMode } from "../deploy";
import { withSequencers, deliverRandomness, setMode, rotateWhenDue, type SelectionFixture } from "./helpers/selection";
import { commitBid, expectEscrow, rankedBids } from "./helpers/auction";

const E = (n: number | string) => ethers.parseEther(String(n));

/** Sealed-bid, uniform second-price auctions: commit, reveal, finalize, bonds, the cap and random turns. */
describe("SelectionMechanisms: sealed second-price auctions", () => {
  async function six() {
    const f = await withSequencers([100, 200, 300, 400, 500, 600]);
    await f.selection.initAuction(3600);
    return { ...f, id: 1n };
  }
  const closeBidding = async (f: SelectionFixture, id: bigint) => time.increaseTo((await f.selection.auctionDetails(id)).endTime);
  const closeReveals = async (f: SelectionFixture, id: bigint) => {
    const d = await f.selection.auctionDetails(id);
    await time.increaseTo(d.endTime + d.revealPeriod);
  };

  it("clears several winners at exactly the highest losing bid, refunding the rest of every deposit", async () => {
    const f = await loadFixture(six);
    const s = f.selection;
    const bond = E(1);
    // Three seats (auctionWinners = 3). Amounts, and deposits that over-cover them to hide them.
    const bids = [E(10), E(7), E(12), E(9), E(4), E("9.5")];
    const deposits = [E(20), E(15), E(20), E(15), E(15), E(11)];
    const salts: string[] = [];
    for (let i = 0; i < bids.length; i++) {
      salts.push(await commitBid(s, f.operators[i], f.id, bids[i], deposits[i]));
      await expectEscrow(s);
    }
    // Before bidding closes nothing can be revealed.
    await expect(s.connect(f.operators[0]).revealBid(f.id, bids[0], salts[0])).to.be.revertedWithCustomError(s, "SelectionNotRevealPhase");
    await closeBidding(f, f.id);
    for (const i of [4, 1, 0, 3, 2, 5]) {
      await expect(s.connect(f.operators[i]).revealBid(f.id, bids[i], salts[i]))
        .to.emit(s, "BidRevealed")
        .withArgs(f.id, f.operators[i].address, bids[i]);
      await expectEscrow(s);
    }
    // Ranking: the three winners and the price-setting loser; 7 and 4 were pushed out and refunded in full.
    const [ranked, amounts] = await rankedBids(s, f.id);
    expect(ranked).to.deep.equal([2, 0, 5, 3].map((i) => f.operators[i].address));
    expect(amounts).to.deep.equal([E(12), E(10), E("9.5"), E(9)]);
    expect(await s.pendingReturns(f.operators[1].address)).to.equal(deposits[1]);
    expect(await s.pendingReturns(f.operators[4].address)).to.equal(deposits[4]);
    // Every commitment is revealed: no need to wait out the reveal period.
    const recipient = (await s.getParameters()).rewardsRecipient;
    const credited = await f.registry.withdrawableBalance(recipient);
    await expect(s.finalizeAuction(f.id)).to.emit(s, "AuctionFinalized").withArgs(f.id, f.operators[2].address, E(9));
    const price = E(9);
    for (const i of [2, 0, 5]) expect(await s.pendingReturns(f.operators[i].address)).to.equal(deposits[i] - price - bond);
    expect(await s.pendingReturns(f.operators[3].address)).to.equal(deposits[3]); // the loser that set the price
    const proceeds = 3n * price;
    expect((await f.registry.withdrawableBalance(recipient)) - credited).to.equal(proceeds - proceeds / 100n);
    const d = await s.auctionDetails(f.id);
    expect([d.winnerCount, d.clearingPrice, d.bondsHeld]).to.deep.equal([3n, price, 0b111n]);
    expect(await s.auctionEscrow()).to.deep.equal([0n, 3n * bond, deposits.reduce((a, b) => a + b) - proceeds - 3n * bond]);
    await expectEscrow(s);
    // The schedule: four turns per seat, in rounds.
    const [turns] = await s.auctionSchedule(f.id);
    expect(turns.slice(0, 3)).to.deep.equal([2, 0, 5].map((i) => f.operators[i].address));
    expect(turns).to.have.length(12);
  });

  it("refunds a revealed bid under the reserve or beyond its deposit, and charges the reserve when bids do not fill the seats", async () => {
    const f = await loadFixture(six);
    const s = f.selection;
    const [a, b, c] = f.operators;
    const salts = [
      await commitBid(s, a, f.id, E("0.5"), E(5)), // under the 1-LUX reserve
      await commitBid(s, b, f.id, E(5), E(5)), // 5 + the bond exceeds its deposit
      await commitBid(s, c, f.id, E(3), E(5)),
    ];
    await closeBidding(f, f.id);
    await s.connect(a).revealBid(f.id, E("0.5"), salts[0]);
    await s.connect(b).revealBid(f.id, E(5), salts[1]);
    await s.connect(c).revealBid(f.id, E(3), salts[2]);
    expect(await s.pendingReturns(a.address)).to.equal(E(5));
    expect(await s.pendingReturns(b.address)).to.equal(E(5));
    await s.finalizeAuction(f.id);
    const d = await s.auctionDetails(f.id);
    expect([d.winnerCount, d.clearingPrice]).to.deep.equal([1n, d.reserve]);
    expect(await s.pendingReturns(c.address)).to.equal(E(5) - d.reserve - d.bond);
    // The two unsold seats' turns are stake-weighted random turns (address 0 in the schedule).
    const [turns] = await s.auctionSchedule(f.id);
    expect(turns.slice(0, 3)).to.deep.equal([c.address, ethers.ZeroAddress, ethers.ZeroAddress]);
    await expectEscrow(s);
  });

  it("forfeits an unrevealed commitment's deposit to the insurance fund, and waits out the reveal period for it", async () => {
    const f = await loadFixture(six);
    const s = f.selection;
    const [a, b] = f.operators;
    const saltA = await commitBid(s, a, f.id, E(6), E(10));
    await commitBid(s, b, f.id, E(8), E(12)); // never revealed
    await closeBidding(f, f.id);
    await s.connect(a).revealBid(f.id, E(6), saltA);
    const d = await s.auctionDetails(f.id);
    expect([d.unrevealed, d.unrevealedDeposits]).to.deep.equal([1n, E(12)]);
    await expect(s.finalizeAuction(f.id))
      .to.be.revertedWithCustomError(s, "SelectionAuctionNotEnded")
      .withArgs(f.id, d.endTime + d.revealPeriod);
    await closeReveals(f, f.id);
    const fund = await f.registry.insuranceFund();
    await expect(s.finalizeAuction(f.id)).to.emit(s, "DepositsForfeited").withArgs(f.id, E(12));
    // The forfeit, and 1% of the proceeds (a alone pays the reserve).
    expect((await f.registry.insuranceFund()) - fund).to.equal(E(12) + d.reserve / 100n);
    expect(await s.pendingReturns(b.address)).to.equal(0n);
    await expectEscrow(s);
  });

  it("fixes the reserve and bond when an auction opens: a change just before bidding closes applies to the next auction only", async () => {
    const f = await loadFixture(six);
    const s = f.selection;
    const gov = s.connect(f.governanceSigner);
    const [a, b] = f.operators;
    const salt = await commitBid(s, a, f.id, E(2), E(3)); // 2 + the 1-LUX bond
    // One second before bidding closes, governance raises the reserve to 50 and the bond to 10.
    const end = (await s.auctionDetails(f.id)).endTime;
    await time.setNextBlockTimestamp(end - 3n);
    const p = await s.getParameters();
    await gov.setParameters(p.minScore, p.auctionWinners, p.turnsPerAuction, E(50));
    const q = await s.auctionParameters();
    await gov.setAuctionParameters({
      bond: E(10),
      revealPeriod: q.revealPeriod,
      disputePeriod: q.disputePeriod,
      capWins: q.capWins,
      capWindow: q.capWindow,
    });
    await s.connect(b).placeBid(f.id, { value: E(3) }); // still the auction's reserve (1) and bond (1)
    await closeBidding(f, f.id);
    await s.connect(a).revealBid(f.id, E(2), salt);
    await s.finalizeAuction(f.id);
    const d = await s.auctionDetails(f.id);
    expect([d.reserve, d.bond, d.winnerCount, d.clearingPrice]).to.deep.equal([E(1), E(1), 2n, E(1)]);
    // The next auction opens under the new terms.
    await s.initAuction(3600);
    await expect(s.connect(b).placeBid(2, { value: E(3) }))
      .to.be.revertedWithCustomError(s, "SelectionBidTooLow")
      .withArgs(E(3), E(60));
    expect((await s.auctionDetails(2)).reserve).to.equal(E(50));
    await expectEscrow(s);
  });

  it("holds winners' bonds for the dispute period: the bond slasher takes a failed winner's within it, the rest are released after", async () => {
    const f = await loadFixture(six);
    const s = f.selection;
    const [a, b, c, d] = f.operators;
    for (const [who, value] of [
      [a, 5],
      [b, 6],
      [c, 7],
      [d, 3],
    ] as const)
      await s.connect(who).placeBid(f.id, { value: E(value) });
    await closeBidding(f, f.id);
    await s.finalizeAuction(f.id);
    const auction = await s.auctionDetails(f.id);
    // Until the auction's turns are handed out the dispute period has no end: a bond covers every turn it won.
    await expect(s.releaseBonds(f.id)).to.be.revertedWithCustomError(s, "SelectionDisputePeriodOpen").withArgs(f.id, ethers.MaxUint256);
    const outsider = f.accounts[19];
    await expect(s.connect(outsider).slashBond(f.id, a.address))
      .to.be.revertedWithCustomError(s, "AccessControlUnauthorizedAccount")
      .withArgs(outsider.address, await s.BOND_SLASHER_ROLE());
    await expect(s.connect(f.governanceSigner).slashBond(f.id, d.address)) // the loser posted no bond
      .to.be.revertedWithCustomError(s, "SelectionNoBondHeld")
      .withArgs(f.id, d.address);
    const fund = await f.registry.insuranceFund();
    await expect(s.connect(f.governanceSigner).slashBond(f.id, b.address))
      .to.emit(s, "BondSlashed")
      .withArgs(f.id, b.address, auction.bond);
    expect((await f.registry.insuranceFund()) - fund).to.equal(auction.bond);
    await expect(s.connect(f.governanceSigner).slashBond(f.id, b.address)).to.be.revertedWithCustomError(s, "SelectionNoBondHeld");
    await expectEscrow(s);

    // The turns are handed out; the dispute period runs from the last one.
    await setMode(f, SelectionMode.Auction);
    for (let i = 0; i < 24 && (await s.auctionSchedule(f.id))[1] < 12n; i++) await rotateWhenDue(f);
    expect((await s.auctionSchedule(f.id))[1]).to.equal(12n);
    const last = (await s.auctionDetails(f.id)).finalizedAt;
    expect(last).to.be.greaterThan(auction.finalizedAt);
    const until = last + auction.disputePeriod;
    await expect(s.releaseBonds(f.id)).to.be.revertedWithCustomError(s, "SelectionDisputePeriodOpen").withArgs(f.id, until);
    await time.increaseTo(until);
    await expect(s.connect(f.governanceSigner).slashBond(f.id, a.address))
      .to.be.revertedWithCustomError(s, "SelectionDisputePeriodOver")
      .withArgs(f.id, until);
    const before = await Promise.all([a, b, c].map((w) => s.pendingReturns(w.address)));
    await expect(s.connect(outsider).releaseBonds(f.id))
      .to.emit(s, "BondReleased")
      .withArgs(f.id, a.address, auction.bond)
      .and.to.emit(s, "BondReleased")
      .withArgs(f.id, c.address, auction.bond);
    const after = await Promise.all([a, b, c].map((w) => s.pendingReturns(w.address)));
    expect(after.map((x, i) => x - before[i])).to.deep.equal([auction.bond, 0n, auction.bond]);
    await expect(s.releaseBonds(f.id)).to.be.revertedWithCustomError(s, "SelectionNoBondHeld").withArgs(f.id, ethers.ZeroAddress);
    expect((await s.auctionEscrow())[1]).to.equal(0n);
    await expectEscrow(s);
  });

  it("hands the turns of an auction no bid met the reserve to the stake-weighted draw made for each turn", async () => {
    const f = await loadFixture(six);
    const s = f.selection;
    const salt = await commitBid(s, f.operators[0], f.id, E("0.1"), E(5)); // under the reserve
    await closeBidding(f, f.id);
    await s.connect(f.operators[0]).revealBid(f.id, E("0.1"), salt);
    await s.finalizeAuction(f.id);
    expect((await s.auctionSchedule(f.id))[0]).to.deep.equal(Array(12).fill(ethers.ZeroAddress));
    // selectHybrid's auction method reads a random turn as a stake-weighted draw, without consuming the turn.
    const receipt = await (await s.selectHybrid([0, 0, 1, 0], "0x")).wait();
    const selected = s.interface.parseLog(receipt!.logs[0])!.args;
    expect(selected.mode).to.equal(SelectionMode.Auction);
    expect(selected.sequencerId).to.be.within(1n, 6n);
    expect((await s.auctionSchedule(f.id))[1]).to.equal(0n);
    await setMode(f, SelectionMode.Auction);
    const drawn: bigint[] = [];
    for (let turn = 0; turn < 6; turn++) {
      await deliverRandomness(f);
      const [forId, drawnId] = await s.rotationDraw();
      expect(forId).to.equal(await f.registry.currentSequencerId());
      await time.increase((await f.registry.getConfig()).rotationPeriod);
      await expect(f.registry.rotateSequencer()).to.emit(s, "AuctionTurn").withArgs(f.id, drawnId);
      expect(await f.registry.currentSequencerId()).to.equal(drawnId);
      drawn.push(drawnId);
      expect((await s.auctionSchedule(f.id))[1]).to.equal(BigInt(turn + 1));
    }
    // A random turn without a draw for it goes to round-robin.
    const current = await f.registry.currentSequencerId();
    const successor = await f.registry.nextActiveSequencer(current);
    await time.increase((await f.registry.getConfig()).rotationPeriod);
    await f.registry.rotateSequencer();
    expect(await f.registry.currentSequencerId()).to.equal(successor);
    expect(drawn.every((id) => id >= 1n && id <= 6n)).to.equal(true);
  });

  it("keeps every operator within the cap over a long random auction sequence (seeded), refusing exactly the capped bids", async () => {
    const f = await withSequencers([100, 100, 100, 100, 100]);
    const s = f.selection;
    const p = await s.getParameters();
    const [capWins, capWindow, seats] = [2, 5, 2];
    await s.connect(f.governanceSigner).setParameters(p.minScore, seats, 4, p.minBid);
    await s.connect(f.governanceSigner).setAuctionParameters({ bond: E(1), revealPeriod: 60, disputePeriod: 60, capWins, capWindow });
    let seed = 504;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const winsOf: Map<string, number[]> = new Map(f.operators.map((o) => [o.address, []]));
    const AUCTIONS = 30;
    let refused = 0;
    for (let id = 1; id <= AUCTIONS; id++) {
      await s.initAuction(60);
      for (const op of f.operators) {
        if (random() < 0.2) continue; // sits this one out
        // Operator 0 always bids high: the cap is what stops it.
        const value = op === f.operators[0] ? E(50) : E(2) + BigInt(Math.floor(random() * 40)) * E("0.5");
        const capped = winsOf.get(op.address)!.filter((w) => w > id - capWindow).length >= capWins;
        const sealed = random() < 0.5;
        const bid = sealed
          ? s.connect(op).commitBid(id, ethers.id(`c${id}${op.address}`), { value })
          : s.connect(op).placeBid(id, { value });
        if (capped) ++refused;
        if (capped) await expect(bid).to.be.revertedWithCustomError(s, "SelectionAuctionCapReached");
        else {
          // Uncapped: accepted, unless an open bid does not make the ranking.
          const error = await bid
            .then((tx) => tx.wait())
            .then(
              () => undefined,
              (e: Error) => e.message,
            );
          if (error !== undefined) expect(error).to.include("SelectionBidTooLow");
        }
        await expectEscrow(s);
      }
      // Sealed bids here are never revealed (their commitments are not real hashes): they forfeit.
      const d = await s.auctionDetails(id);
      await time.increaseTo(d.endTime + d.revealPeriod);
      await s.finalizeAuction(id);
      const done = await s.auctionDetails(id);
      for (const w of done.top.slice(0, Number(done.winnerCount))) winsOf.get(w)!.push(id);
      await expectEscrow(s);
    }
    // In every window of capWindow consecutive auctions, no operator won more than capWins seats.
    for (const [, wins] of winsOf) {
      for (let start = 1; start + capWindow - 1 <= AUCTIONS; start++) {
        expect(wins.filter((w) => w >= start && w < start + capWindow).length).to.be.lte(capWins);
      }
    }
    expect(winsOf.get(f.operators[0].address)!.length).to.be.gte(capWins); // it did win, up to the cap
    expect(refused).to.be.gte(5); // and was stopped by it
    // The contract's record agrees with the model's.
    const packed = await s.recentWins(f.operators[0].address);
    const last = winsOf.get(f.operators[0].address)!;
    expect(packed & 0xffffffffn).to.equal(BigInt(last[last.length - 1]));
  });
});
