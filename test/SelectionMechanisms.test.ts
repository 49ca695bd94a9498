import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time, mine } from "@nomicfoundation/hardhat-network-helpers";
import { SelectionMode, SequencerStatus, suiteParams } from "../deploy";
import { proveVRF, proofTuple, commitRound, registerVrfKey, operatorVrfKey, roundSeed, beaconSeed, vrfKeyHash, vrfOutput } from "../sdk";
import { deployRegistryFixture } from "./helpers/fixtures";
import { withSequencers, deliverRandomness, setMode, rotate, type SelectionFixture } from "./helpers/selection";
import { expectEscrow, rankedBids } from "./helpers/auction";

const E = (n: string | number) => ethers.parseEther(String(n));
const LOW160 = (1n << 160n) - 1n;

describe("SelectionMechanisms", () => {
  const STAKES = [100, 250, 400, 150, 300, 1000, 120, 700];
  async function eight() {
    const f = await withSequencers(STAKES);
    return { ...f, selectionAddress: await f.selection.getAddress() };
  }

  const expectSolvent = (f: SelectionFixture) => expectEscrow(f.selection);

  describe("weighted random", () => {
    // Instrumented for coverage every call is traced: 2,000 draws (≥ 15 expected per sequencer) keep the test
    // meaningful there; the plain suite draws 10,000.
    const DRAWS = (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING ? 2_000 : 10_000;

    it("should pass a chi-square goodness-of-fit against stake over 10,000 draws of 24 sequencers (2,000 under coverage)", async () => {
      const stakes = Array.from({ length: 24 }, (_, i) => 100 + ((i * 137) % 23) * 40); // 100 … 980 LUX
      const f = await withSequencers(stakes);
      const counts = new Map<string, number>();
      for (let i = 0; i < DRAWS; i++) {
        const op = await f.selection.selectWeightedRandom.staticCall(BigInt(ethers.id(`draw ${i}`)));
        counts.set(op, (counts.get(op) ?? 0) + 1);
      }
      const total = stakes.reduce((a, b) => a + b, 0);
      let chi2 = 0;
      stakes.forEach((s, i) => {
        const expected = (DRAWS * s) / total;
        const observed = counts.get(f.operators[i].address) ?? 0;
        chi2 += (observed - expected) ** 2 / expected;
      });
      // 23 degrees of freedom: p > 0.001 ⇔ χ² < 49.73.
      expect(chi2).to.be.lt(49.73);
    });

    it("should mix an advancing nonce, so repeated calls with the same entropy differ", async () => {
      const f = await loadFixture(eight);
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const receipt = await (await f.selection.selectWeightedRandom(7)).wait();
        seen.add(f.selection.interface.parseLog(receipt!.logs[0])!.args.operator);
      }
      expect(seen.size).to.be.gt(1);
    });

    it("should rotate by stake, never to the current sequencer, once fresh randomness arrives", async () => {
      const f = await loadFixture(eight);
      await setMode(f, SelectionMode.WeightedRandom);
      // No randomness yet: the turn falls back to round-robin and a request goes out.
      expect(await rotate(f)).to.equal(2n);
      expect((await f.selection.randomnessState()).pendingRequestId).to.not.equal(0n);
      for (let i = 0; i < 25; i++) {
        await deliverRandomness(f);
        const before = await f.registry.currentSequencerId();
        // The draw was made when the randomness arrived, for this turn; the rotation applies it.
        const draw = await f.selection.rotationDraw();
        expect(draw.forId).to.equal(before);
        expect(draw.drawnId).to.not.equal(before);
        await time.increase((await f.registry.getConfig()).rotationPeriod);
        await expect(f.registry.rotateSequencer()).to.emit(f.registry, "SequencerRotated");
        expect(await f.registry.currentSequencerId()).to.equal(draw.drawnId);
        expect((await f.selection.rotationDraw()).forId).to.equal(0n); // consumed
      }
    });

    it("should keep rotating (round-robin) when the randomness source fails", async () => {
      const f = await loadFixture(eight);
      await setMode(f, SelectionMode.WeightedRandom);
      // A source that always reverts: the registry itself is not a randomness source.
      await f.selection.connect(f.governanceSigner).setRandomnessSource(f.registryAddress);
      await expect(f.selection.requestRandomness()).to.be.reverted;
      expect(await rotate(f)).to.equal(2n);
      expect(await rotate(f)).to.equal(3n);
    });

    it("should never select a sequencer that exited, was suspended or ejected", async () => {
      const f = await loadFixture(eight);
      await setMode(f, SelectionMode.WeightedRandom);
      await f.registry.connect(f.signerOf.get(6n)!).initiateExit(6); // the biggest stake
      await f.registry.connect(f.governanceSigner).suspendSequencer(8);
      await f.registry.connect(f.governanceSigner).ejectSequencer(3);
      const excluded = new Set([6n, 8n, 3n]);
      for (let i = 0; i < 30; i++) {
        await deliverRandomness(f);
        const id = await rotate(f);
        expect(excluded.has(id), `selected ${id}`).to.equal(false);
        expect((await f.registry.getSequencer(id)).status).to.equal(SequencerStatus.Active);
      }
    });
  });

  describe("performance", () => {
    async function scored() {
      const f = await eight();
      const gov = f.registry.connect(f.governanceSigner);
      await gov.grantRole(await f.registry.MONITOR_ROLE(), f.governance);
      // Scores (bp), all reported in one block: 3 and 7 tie exactly at the top; 5 is below minScore (5,000).
      const scores: [number, number][] = [
        [1, 6000],
        [2, 7000],
        [3, 9000],
        [4, 6500],
        [5, 4000],
        [6, 8000],
        [7, 9000],
        [8, 5500],
      ];
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        for (const [id, score] of scores) await gov.updatePerformance(id, score);
        await ethers.provider.send("evm_mine", []);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      await setMode(f, SelectionMode.Performance);
      return f;
    }

    it("should pick the best decayed score, ties to the lower id, never the current one", async () => {
      const f = await loadFixture(scored);
      expect(await f.registry.bestPerformer(0)).to.deep.equal([3n, 9000n]);
      expect(await f.registry.bestPerformer(3)).to.deep.equal([7n, 9000n]);
      expect(await rotate(f)).to.equal(3n); // from 1
      expect(await rotate(f)).to.equal(7n); // 3 is current: next best
      expect(await rotate(f)).to.equal(3n);
      expect(await f.selection.selectByPerformance.staticCall()).to.equal(f.signerOf.get(3n)!.address);
    });

    it("should let scores decay at scoreDecayRate and skip sequencers below minScore", async () => {
      const f = await loadFixture(scored);
      // 100 bp per day: after 20 days every score has lost 2,000 bp; only 3, 7 (7,000) and 6 (6,000) qualify.
      await time.increase(20 * 86400);
      expect(await f.registry.performanceOf(3)).to.equal(7000n);
      expect(await f.registry.performanceOf(5)).to.equal(2000n);
      // A fresh report for 5 puts it on top.
      await f.registry.connect(f.governanceSigner).updatePerformance(5, 9500);
      expect(await rotate(f)).to.equal(5n);
      // After 100 more days nobody reaches minScore: the turn falls back to round-robin (liveness first).
      await time.increase(100 * 86400);
      await expect(f.selection.selectByPerformance()).to.be.revertedWithCustomError(f.selection, "SelectionNoEligibleSequencer");
      expect(await rotate(f)).to.equal(6n);
    });

    it("should drop a sequencer that leaves the set from the index", async () => {
      const f = await loadFixture(scored);
      await f.registry.connect(f.governanceSigner).suspendSequencer(3);
      expect(await f.registry.bestPerformer(0)).to.deep.equal([7n, 9000n]);
      await f.registry.connect(f.governanceSigner).reinstateSequencer(3);
      expect(await f.registry.bestPerformer(0)).to.deep.equal([3n, 9000n]);
    });
  });

  describe("auctions", () => {
    it("should give each of several winners an equal seat of turns at one clearing price, rotated within the epoch", async () => {
      const f = await loadFixture(eight);
      const s = f.selection;
      await s.initAuction(3600);
      // Three seats (auctionWinners = 3) of four turns (turnsPerAuction = 12); each open bid is its value less the 1-LUX bond.
      await s.connect(f.signerOf.get(2n)!).placeBid(1, { value: E(10) });
      await s.connect(f.signerOf.get(4n)!).placeBid(1, { value: E(30) });
      await s.connect(f.signerOf.get(5n)!).placeBid(1, { value: E(20) });
      await s.connect(f.signerOf.get(6n)!).placeBid(1, { value: E(15) });
      // A fifth, lower bid does not make the ranking (three winners and the price-setting loser).
      await expect(s.connect(f.signerOf.get(7n)!).placeBid(1, { value: E(9) }))
        .to.be.revertedWithCustomError(s, "SelectionBidTooLow")
        .withArgs(E(8), E(9) + 1n);
      await expectSolvent(f);
      await time.increase(3601);
      // The price is the highest losing bid (9), paid by each winner; the loser is refunded in full.
      await expect(s.finalizeAuction(1))
        .to.emit(s, "AuctionFinalized")
        .withArgs(1n, f.signerOf.get(4n)!.address, E(9))
        .and.to.emit(s, "BidRefundable")
        .withArgs(1n, f.signerOf.get(2n)!.address, E(10));
      expect(await s.pendingReturns(f.signerOf.get(4n)!.address)).to.equal(E(30 - 9 - 1));
      expect(await s.pendingReturns(f.signerOf.get(5n)!.address)).to.equal(E(20 - 9 - 1));
      expect(await s.pendingReturns(f.signerOf.get(6n)!.address)).to.equal(E(15 - 9 - 1));
      expect((await s.auctionEscrow())[1]).to.equal(E(3)); // three bonds held
      await expectSolvent(f);
      const [turns] = await s.auctionSchedule(1);
      const [w4, w5, w6] = [4n, 5n, 6n].map((id) => f.signerOf.get(id)!.address);
      expect(turns).to.deep.equal([w4, w5, w6, w4, w5, w6, w4, w5, w6, w4, w5, w6]);

      await setMode(f, SelectionMode.Auction);
      const order: bigint[] = [];
      for (let i = 0; i < 13; i++) order.push(await rotate(f));
      // The schedule's turns, in order; a winner that is current keeps its turn for the next rotation,
      // round-robin fills that gap; then round-robin again once the schedule is spent.
      expect(order.slice(0, 3)).to.deep.equal([4n, 5n, 6n]);
      for (let i = 1; i < order.length; i++) expect(order[i]).to.not.equal(order[i - 1]);
      const fromAuction = order.filter((id) => id === 4n || id === 5n || id === 6n).length;
      expect(fromAuction).to.be.gte(12);
    });

    it("should route the proceeds through the registry's fee rule: insurance fee to the fund, the rest to the rewards recipient", async () => {
      const f = await loadFixture(eight);
      const s = f.selection;
      const p = await s.getParameters();
      await s.connect(f.governanceSigner).setParameters(p.minScore, 1, 12, p.minBid); // one seat
      await s.initAuction(600);
      await s.connect(f.signerOf.get(1n)!).placeBid(1, { value: E(100) }); // bids 99
      await s.connect(f.signerOf.get(2n)!).placeBid(1, { value: E(150) }); // bids 149, pays 99
      await time.increase(601);
      const insuranceBefore = await f.registry.insuranceFund();
      await expect(s.finalizeAuction(1))
        .to.emit(s, "AuctionFinalized")
        .withArgs(1n, f.signerOf.get(2n)!.address, E(99))
        .and.to.emit(f.registry, "FeesDeposited")
        .withArgs(await s.getAddress(), f.governance, E(99), E("0.99"));
      expect((await f.registry.insuranceFund()) - insuranceBefore).to.equal(E("0.99")); // 1% of 99
      expect(await f.registry.withdrawableBalance(f.governance)).to.equal(E("98.01"));
      expect(await s.pendingReturns(f.governance)).to.equal(0n);
      expect(await s.pendingReturns(f.signerOf.get(2n)!.address)).to.equal(E(150 - 99 - 1));
      expect(await s.pendingReturns(f.signerOf.get(1n)!.address)).to.equal(E(100));
      await expectSolvent(f);
      await expect(f.registry.connect(f.governanceSigner).withdraw()).to.changeEtherBalance(f.governanceSigner, E("98.01"));
      await expectSolvent(f);
    });

    it("should keep losing bids withdrawable and reject bad bids and finalizations, changing nothing", async () => {
      const f = await loadFixture(eight);
      const s = f.selection;
      const [a, b, c, d, e] = [1n, 2n, 3n, 4n, 5n].map((id) => f.signerOf.get(id)!);
      const outsider = f.accounts[20];
      await expect(s.connect(outsider).initAuction(3600))
        .to.be.revertedWithCustomError(s, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await s.AUCTIONEER_ROLE());
      await expect(s.initAuction(59))
        .to.be.revertedWithCustomError(s, "SelectionInvalidDuration")
        .withArgs(59n, 60n, 30n * 86400n);
      await s.initAuction(3600);
      await expect(s.initAuction(3600)).to.be.revertedWithCustomError(s, "SelectionAuctionPending").withArgs(1n);
      await expect(s.connect(outsider).placeBid(1, { value: E(5) }))
        .to.be.revertedWithCustomError(s, "SelectionNotActiveSequencer")
        .withArgs(outsider.address);
      await expect(s.connect(a).placeBid(2, { value: E(5) }))
        .to.be.revertedWithCustomError(s, "SelectionUnknownAuction")
        .withArgs(2n);
      await expect(s.connect(a).placeBid(1)).to.be.revertedWithCustomError(s, "SelectionZeroBid");
      await expect(s.connect(a).commitBid(1, ethers.ZeroHash, { value: E(5) })).to.be.revertedWithCustomError(s, "SelectionZeroCommitment");
      // The deposit must cover the reserve (1) and the bond (1).
      await expect(s.connect(a).placeBid(1, { value: E("1.5") }))
        .to.be.revertedWithCustomError(s, "SelectionBidTooLow")
        .withArgs(E("1.5"), E(2));
      for (const [who, value] of [
        [a, 5],
        [b, 6],
        [c, 7],
        [d, 8],
      ] as const)
        await s.connect(who).placeBid(1, { value: E(value) });
      await expect(s.connect(a).placeBid(1, { value: E(50) }))
        .to.be.revertedWithCustomError(s, "SelectionAlreadyBid")
        .withArgs(1n, a.address);
      // Full (three seats and the loser): a new bid must beat the lowest (4).
      await expect(s.connect(e).placeBid(1, { value: E(5) }))
        .to.be.revertedWithCustomError(s, "SelectionBidTooLow")
        .withArgs(E(4), E(4) + 1n);
      await expect(s.connect(e).placeBid(1, { value: E(9) }))
        .to.emit(s, "BidRefundable")
        .withArgs(1n, a.address, E(5)); // pushes a out
      expect(await s.pendingReturns(a.address)).to.equal(E(5));
      expect(await rankedBids(s, 1)).to.deep.equal([
        [e.address, d.address, c.address, b.address],
        [E(8), E(7), E(6), E(5)],
      ]);
      await expectSolvent(f);

      const end = (await s.auctionDetails(1)).endTime;
      await expect(s.finalizeAuction(1)).to.be.revertedWithCustomError(s, "SelectionAuctionNotEnded").withArgs(1n, end);
      await time.increase(3600);
      await expect(s.connect(a).placeBid(1, { value: E(50) })).to.be.revertedWithCustomError(s, "SelectionAuctionEnded");
      await s.finalizeAuction(1);
      await expect(s.finalizeAuction(1)).to.be.revertedWithCustomError(s, "SelectionAuctionAlreadyFinalized").withArgs(1n);
      expect((await s.auctionDetails(1)).clearingPrice).to.equal(E(5)); // b's losing bid
      expect(await s.pendingReturns(b.address)).to.equal(E(6));
      await expect(s.connect(a).withdraw()).to.changeEtherBalance(a, E(5));
      await expect(s.connect(a).withdraw()).to.be.revertedWithCustomError(s, "SelectionNothingToWithdraw").withArgs(a.address);
      await expectSolvent(f);
    });

    it("should skip the turns of a winner that left the set", async () => {
      const f = await loadFixture(eight);
      const s = f.selection;
      await s.initAuction(600);
      await s.connect(f.signerOf.get(4n)!).placeBid(1, { value: E(30) });
      await s.connect(f.signerOf.get(6n)!).placeBid(1, { value: E(10) });
      await time.increase(601);
      await s.finalizeAuction(1);
      await f.registry.connect(f.governanceSigner).suspendSequencer(4);
      await setMode(f, SelectionMode.Auction);
      const order: bigint[] = [];
      for (let i = 0; i < 6; i++) order.push(await rotate(f));
      expect(order).to.not.include(4n);
      expect(order).to.include(6n);
    });

    it("should finalize an auction without bids to no winner, its turns all stake-weighted random turns", async () => {
      const f = await loadFixture(eight);
      await f.selection.initAuction(60);
      await time.increase(61);
      expect(await f.selection.finalizeAuction.staticCall(1)).to.equal(ethers.ZeroAddress);
      await expect(f.selection.finalizeAuction(1)).to.emit(f.selection, "AuctionFinalized").withArgs(1n, ethers.ZeroAddress, 0n);
      const [turns] = await f.selection.auctionSchedule(1);
      expect(turns).to.deep.equal(Array(12).fill(ethers.ZeroAddress));
    });
  });

  describe("round-robin and views", () => {
    it("should name the round-robin successor and the best performer in events", async () => {
      const f = await loadFixture(eight);
      await expect(f.selection.selectRoundRobin())
        .to.emit(f.selection, "SequencerSelected")
        .withArgs(SelectionMode.RoundRobin, 2n, f.signerOf.get(2n)!.address);
      await f.registry.connect(f.governanceSigner).grantRole(await f.registry.MONITOR_ROLE(), f.governance);
      await f.registry.connect(f.governanceSigner).updatePerformance(8, 7000);
      await expect(f.selection.selectByPerformance())
        .to.emit(f.selection, "SequencerSelected")
        .withArgs(SelectionMode.Performance, 8n, f.signerOf.get(8n)!.address);
    });
  });

  describe("governance", () => {
    it("should bound the parameters and restrict the setters to governance", async () => {
      const f = await loadFixture(eight);
      const gov = f.selection.connect(f.governanceSigner);
      const name = (n: string) => ethers.encodeBytes32String(n);
      await expect(gov.setParameters(10_001, 3, 12, 1))
        .to.be.revertedWithCustomError(f.selection, "SelectionParameterOutOfBounds")
        .withArgs(name("minScore"), 10_001n, 0n, 10_000n);
      await expect(gov.setParameters(0, 9, 12, 1))
        .to.be.revertedWithCustomError(f.selection, "SelectionParameterOutOfBounds")
        .withArgs(name("auctionWinners"), 9n, 1n, 8n);
      await expect(gov.setParameters(0, 4, 3, 1))
        .to.be.revertedWithCustomError(f.selection, "SelectionParameterOutOfBounds")
        .withArgs(name("turnsPerAuction"), 3n, 4n, 64n);
      await expect(gov.setParameters(0, 1, 1, 0))
        .to.be.revertedWithCustomError(f.selection, "SelectionParameterOutOfBounds")
        .withArgs(name("minBid"), 0n, 1n, 2n ** 128n - 1n);
      await expect(gov.setParameters(6000, 2, 8, E(2)))
        .to.emit(f.selection, "SelectionParametersUpdated")
        .withArgs(6000n, 2n, 8n, E(2));
      const auction = { bond: E(1), revealPeriod: 600n, disputePeriod: 86400n, capWins: 2n, capWindow: 5n };
      for (const [change, bound] of [
        [{ revealPeriod: 59n }, ["revealPeriod", 59n, 60n, 30n * 86400n]],
        [{ revealPeriod: 30n * 86400n + 1n }, ["revealPeriod", 30n * 86400n + 1n, 60n, 30n * 86400n]],
        [{ disputePeriod: 59n }, ["disputePeriod", 59n, 60n, 30n * 86400n]],
        [{ capWins: 9n }, ["capWins", 9n, 0n, 8n]],
        [{ capWindow: 1n }, ["capWindow", 1n, 2n, 2n ** 32n - 1n]],
      ] as const) {
        await expect(gov.setAuctionParameters({ ...auction, ...change }))
          .to.be.revertedWithCustomError(f.selection, "SelectionParameterOutOfBounds")
          .withArgs(name(bound[0]), bound[1], bound[2], bound[3]);
      }
      await expect(gov.setAuctionParameters(auction)).to.emit(f.selection, "AuctionParametersUpdated");
      const set = await f.selection.auctionParameters();
      expect([set.bond, set.revealPeriod, set.disputePeriod, set.capWins, set.capWindow]).to.deep.equal(Object.values(auction));
      await expect(gov.setRandomnessSource(ethers.ZeroAddress)).to.be.revertedWithCustomError(f.selection, "SelectionZeroAddress");
      await expect(gov.setRewardsRecipient(ethers.ZeroAddress)).to.be.revertedWithCustomError(f.selection, "SelectionZeroAddress");
      await expect(gov.setRewardsRecipient(f.accounts[9].address)).to.emit(f.selection, "RewardsRecipientUpdated");
      const outsider = f.accounts[21];
      const role = await f.selection.GOVERNANCE_ROLE();
      for (const call of [
        () => f.selection.connect(outsider).setParameters(0, 1, 1, 1),
        () => f.selection.connect(outsider).setHybridWeights([1, 1, 1, 1]),
        () => f.selection.connect(outsider).setRandomnessSource(outsider.address),
        () => f.selection.connect(outsider).setRewardsRecipient(outsider.address),
        () =>
          f.selection.connect(outsider).setAuctionParameters({ bond: 0, revealPeriod: 60, disputePeriod: 60, capWins: 0, capWindow: 0 }),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(f.selection, "AccessControlUnauthorizedAccount")
          .withArgs(outsider.address, role);
      }
    });

    it("should refuse randomness requests without a source", async () => {
      const f = await loadFixture(eight);
      await f.registry.connect(f.governanceSigner).setParameter(4, SelectionMode.RoundRobin);
      const fresh = await (
        await ethers.getContractFactory("SelectionMechanisms")
      ).deploy({
        admin: f.governance,
        registry: f.registryAddress,
        minScore: 0,
        auctionWinners: 1,
        turnsPerAuction: 1,
        minBid: 1,
        hybridWeights: [1, 0, 0, 0],
        rewardsRecipient: f.governance,
        committeeSize: 16,
        committeeEpochSlots: 7200,
        auction: { bond: 0, revealPeriod: 60, disputePeriod: 60, capWins: 0, capWindow: 0 },
      });
      await expect(fresh.requestRandomness()).to.be.revertedWithCustomError(fresh, "SelectionNoRandomnessSource");
    });
  });

  describe("hybrid", () => {
    it("should apply the method its weights choose, through rotateSequencer", async () => {
      const f = await loadFixture(eight);
      const gov = f.selection.connect(f.governanceSigner);
      await f.registry.connect(f.governanceSigner).grantRole(await f.registry.MONITOR_ROLE(), f.governance);
      await f.registry.connect(f.governanceSigner).updatePerformance(5, 9999);
      await setMode(f, SelectionMode.Hybrid);
      // The method is drawn with the randomness, so a turn without a draw is round-robin's.
      await gov.setHybridWeights([0, 0, 0, 1]); // performance only
      expect(await rotate(f)).to.equal(2n);
      await deliverRandomness(f);
      expect((await f.selection.rotationDraw()).method).to.equal(3n);
      expect(await rotate(f)).to.equal(5n);
      await gov.setHybridWeights([0, 1, 0, 0]); // weighted random only
      await deliverRandomness(f);
      const draw = await f.selection.rotationDraw();
      expect([draw.forId, draw.method]).to.deep.equal([5n, 1n]);
      expect(await rotate(f)).to.equal(draw.drawnId);
      expect(draw.drawnId).to.not.equal(5n);
      await expect(gov.setHybridWeights([0, 0, 0, 0])).to.be.revertedWithCustomError(f.selection, "SelectionInvalidWeights");
    });

    it("should select with caller weights in selectHybrid and reject bad weights", async () => {
      const f = await loadFixture(eight);
      await expect(f.selection.selectHybrid([1, 2, 3], "0x")).to.be.revertedWithCustomError(f.selection, "SelectionInvalidWeights");
      await expect(f.selection.selectHybrid([0, 0, 0, 0], "0x")).to.be.revertedWithCustomError(f.selection, "SelectionInvalidWeights");
      await expect(f.selection.selectHybrid([1, 0, 0, 0], ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [42])))
        .to.emit(f.selection, "SequencerSelected")
        .withArgs(SelectionMode.RoundRobin, 2n, f.signerOf.get(2n)!.address);
      await expect(f.selection.selectHybrid([0, 0, 1, 0], "0x")).to.be.revertedWithCustomError(f.selection, "SelectionNoEligibleSequencer");
    });
  });

  describe("ECVRF beacon", () => {
    it("should accept the committer's valid proof and deliver its output", async () => {
      const f = await loadFixture(eight);
      await f.selection.requestRandomness();
      const [round, committerId, , open] = await f.beacon!.roundState();
      expect([round, committerId, open]).to.deep.equal([1n, 1n, true]);
      const seed = await roundSeed(f.beacon!);
      const [requestBlock] = await f.beacon!.roundRequest();
      const genesis = await f.beacon!.lastOutput();
      expect(seed).to.equal(beaconSeed(genesis, 1n, (await ethers.provider.getBlock(requestBlock))!.hash!));
      const proof = proveVRF(f.keys.get(1n)!.sk, seed);
      const { output } = await commitRound(f.beacon!, f.signerOf.get(1n)!, f.keys.get(1n)!);
      expect(output).to.equal(vrfOutput(proof));
      const state = await f.selection.randomnessState();
      expect(state.randomness).to.equal(output & LOW160); // the public draws are seeded with the low 160 bits
      expect((await f.selection.rotationDraw()).forId).to.equal(1n); // the rotation draw is made for this turn
      expect(proof.gamma.length).to.equal(2);
      // While that draw waits for its rotation nobody can ask for another (its committer would keep the better).
      await expect(f.selection.requestRandomness()).to.be.revertedWithCustomError(f.selection, "SelectionDrawReady").withArgs(1n);
      // The rotation consumes it and requests the next round: the next sequencer's, with a seed chained from this output.
      await f.registry.connect(f.governanceSigner).setParameter(4, SelectionMode.WeightedRandom);
      await time.increase(3600);
      await f.registry.rotateSequencer();
      expect((await f.beacon!.roundState())[1]).to.equal(2n);
      const [nextRequestBlock] = await f.beacon!.roundRequest();
      expect(await f.beacon!.currentSeed()).to.equal(0n); // the request's block is the latest: its hash is not known in it
      await mine();
      expect(await f.beacon!.currentSeed()).to.equal(beaconSeed(output, 2n, (await ethers.provider.getBlock(nextRequestBlock))!.hash!));
    });

    it("should reject another key, a tampered proof and a proof for the wrong seed; accept a relayed valid proof", async () => {
      const f = await loadFixture(eight);
      await f.selection.requestRandomness();
      const seed = await roundSeed(f.beacon!);
      const op1 = f.signerOf.get(1n)!;
      const [, roundKey] = await f.beacon!.roundRequest();
      expect(roundKey).to.equal(vrfKeyHash(f.keys.get(1n)!.pk));
      const good = proofTuple(proveVRF(f.keys.get(1n)!.sk, seed));
      await expect(f.beacon!.connect(op1).commitVRF(proofTuple(proveVRF(f.keys.get(2n)!.sk, seed))))
        .to.be.revertedWithCustomError(f.beacon!, "BeaconWrongKey")
        .withArgs(1n, roundKey, vrfKeyHash(f.keys.get(2n)!.pk));
      await expect(f.beacon!.connect(op1).commitVRF({ ...good, s: good.s + 1n })).to.be.revertedWith("addr(c*pk+s*g)!=_uWitness");
      await expect(f.beacon!.connect(op1).commitVRF({ ...good, gamma: proveVRF(f.keys.get(1n)!.sk, seed + 1n).gamma })).to.be.reverted;
      // A proof for another seed: its s·H witness does not match this seed's H.
      await expect(f.beacon!.connect(op1).commitVRF(proofTuple(proveVRF(f.keys.get(1n)!.sk, seed + 1n)))).to.be.revertedWith(
        "Second mul check failed",
      );
      // Sequencer 2 holds a valid key, but not the round's: its proof is refused.
      await expect(f.beacon!.connect(f.signerOf.get(2n)!).commitVRF(proofTuple(proveVRF(f.keys.get(2n)!.sk, seed))))
        .to.be.revertedWithCustomError(f.beacon!, "BeaconWrongKey")
        .withArgs(1n, roundKey, vrfKeyHash(f.keys.get(2n)!.pk));
      expect((await f.selection.rotationDraw()).forId).to.equal(0n);
      // Any account may relay the committer's valid proof: only its key could have produced it.
      await f.beacon!.connect(f.accounts[30]).commitVRF(good);
      // The same proof again: no open round; and for the next round its seed is wrong.
      await expect(f.beacon!.connect(op1).commitVRF(good)).to.be.revertedWithCustomError(f.beacon!, "BeaconNoOpenRound");
    });

    it("should pass a missed round to the next committer and record the miss", async () => {
      const f = await loadFixture(eight);
      await f.selection.requestRandomness();
      await expect(f.beacon!.skipCommitter()).to.be.revertedWithCustomError(f.beacon!, "BeaconRoundNotTimedOut");
      await time.increase(120);
      const late = proofTuple(proveVRF(f.keys.get(1n)!.sk, await roundSeed(f.beacon!)));
      await expect(f.beacon!.connect(f.signerOf.get(1n)!).commitVRF(late)).to.be.revertedWithCustomError(f.beacon!, "BeaconRoundTimedOut");
      await expect(f.beacon!.skipCommitter()).to.emit(f.beacon!, "CommitMissed").withArgs(1n, 1n);
      expect(await f.beacon!.missedRounds(1)).to.equal(1n);
      expect((await f.beacon!.roundState())[1]).to.equal(2n);
      await commitRound(f.beacon!, f.signerOf.get(2n)!, f.keys.get(2n)!);
      expect((await f.selection.rotationDraw()).forId).to.equal(1n);
    });

    it("should bind keys to operators and reject points off the curve", async () => {
      const f = await loadFixture(eight);
      const key = operatorVrfKey("0x1234");
      await expect(f.beacon!.connect(f.signerOf.get(2n)!).registerVRFKey(1, key.pk))
        .to.be.revertedWithCustomError(f.beacon!, "BeaconNotOperator")
        .withArgs(1n, f.signerOf.get(2n)!.address);
      await expect(f.beacon!.connect(f.signerOf.get(1n)!).registerVRFKey(1, [key.pk[0], key.pk[1] + 1n])).to.be.revertedWithCustomError(
        f.beacon!,
        "BeaconInvalidKey",
      );
      await expect(registerVrfKey(f.beacon!, f.signerOf.get(1n)!, 1n, key)).to.not.be.rejected;
    });

    it("should accept fulfilment only from the configured source, for the pending request", async () => {
      const f = await loadFixture(eight);
      await expect(f.selection.fulfillRandomness(1, 1))
        .to.be.revertedWithCustomError(f.selection, "SelectionUnauthorizedRandomnessSource")
        .withArgs(f.governance);
      await expect(f.beacon!.requestRandomness()).to.be.revertedWithCustomError(f.beacon!, "BeaconNotConsumer");
      await expect(f.selection.nextSequencer(SelectionMode.WeightedRandom, 1))
        .to.be.revertedWithCustomError(f.selection, "SelectionNotRegistry")
        .withArgs(f.governance);
      expect(await f.selection.requestRandomness.staticCall()).to.equal(1n);
      await f.selection.requestRandomness();
      expect(await f.selection.requestRandomness.staticCall()).to.equal(1n); // idempotent while pending
    });
  });

  describe("Chainlink VRF v2.5 adapter", () => {
    it("should deliver randomness end to end through VRFCoordinatorV2_5Mock", async () => {
      const mock = await (
        await ethers.getContractFactory("VRFCoordinatorV2_5Mock")
      ).deploy(E("0.1"), 1_000_000_000n, 4_000_000_000_000_000n);
      const receipt = await (await mock.createSubscription()).wait();
      const subId = mock.interface.parseLog(receipt!.logs.find((l) => mock.interface.parseLog(l)?.name === "SubscriptionCreated")!)!.args
        .subId;
      await mock.fundSubscription(subId, E(100));
      const f = await deployRegistryFixture(
        suiteParams({
          randomness: {
            kind: "chainlink",
            coordinator: await mock.getAddress(),
            subscriptionId: subId,
            keyHash: ethers.id("lp504-test-key"),
            callbackGasLimit: 200_000,
            requestConfirmations: 3,
          },
        }),
      );
      const adapter = f.chainlinkAdapter!;
      await mock.addConsumer(subId, await adapter.getAddress());
      for (let i = 0; i < 3; i++) {
        await f.registry.connect(f.accounts[i]).registerSequencer("e", "0x", "0x", { value: E(100 * (i + 1)) });
      }
      await f.registry.connect(f.governanceSigner).setParameter(4, SelectionMode.WeightedRandom);

      const requestId = await f.selection.requestRandomness.staticCall();
      await f.selection.requestRandomness();
      await expect(adapter.relay(requestId)).to.be.revertedWithCustomError(adapter, "AdapterNotFulfilled").withArgs(requestId);
      await mock.fulfillRandomWords(requestId, await adapter.getAddress());
      const word = await adapter.storedWord(requestId);
      expect(word).to.not.equal(0n);
      await expect(adapter.relay(requestId)).to.emit(f.selection, "RandomnessFulfilled").withArgs(requestId, word);
      await expect(adapter.relay(requestId)).to.be.revertedWithCustomError(adapter, "AdapterUnknownRequest");
      expect(await f.selection.randomnessState()).to.deep.equal([word & LOW160, 0n]);
      const draw = await f.selection.rotationDraw();
      expect(draw.forId).to.equal(1n);

      await time.increase(3600);
      await f.registry.rotateSequencer();
      expect(await f.registry.currentSequencerId()).to.equal(draw.drawnId); // the Chainlink word drove the draw
      await expect(adapter.requestRandomness()).to.be.revertedWithCustomError(adapter, "AdapterNotConsumer");
    });
  });
});
