import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Parameter, SelectionMode, SequencerStatus } from "../deploy";
import { equivocationProof, snapshotState } from "./helpers/fixtures";
import { withSequencers, setMode, rotate, type SelectionFixture } from "./helpers/selection";

const E = (n: string | number) => ethers.parseEther(String(n));

/**
 * Lazy removal after an equivocation report: the reported sequencer leaves the set at once but stays in the
 * rotation list and both trees ("stale") until it is pruned. These tests pin down what every reader of the set
 * sees in between, who prunes, and what pruning does.
 */
describe("SequencerRegistry: stale sequencers after an equivocation report", () => {
  const STAKES = [100, 200, 300, 400];

  async function four() {
    return withSequencers(STAKES);
  }

  async function report(f: SelectionFixture, id: bigint, reporter = f.accounts[9]) {
    const proof = await equivocationProof(f, f.signerOf.get(id)!, id);
    await (await f.registry.connect(reporter).reportMisbehavior(id, proof)).wait();
  }

  /** The Active sequencers in rotation order from the head, as `nextActiveSequencer` walks them (stale ones skipped). */
  async function activeOrder(f: SelectionFixture) {
    const ids: bigint[] = [];
    let id = await f.registry.nextActiveSequencer(0);
    for (let i = 0n; i < (await f.registry.activeSequencerCount()); i++) {
      ids.push(id);
      id = await f.registry.nextActiveSequencer(id);
    }
    return ids;
  }

  it("takes the sequencer out of the set at once and leaves its index entries until pruned", async () => {
    const f = await loadFixture(four);
    const weightBefore = await f.registry.totalActiveWeight();
    const weight2 = await f.registry.weightOf(2);
    await report(f, 2n);

    expect((await f.registry.getSequencer(2)).status).to.equal(SequencerStatus.Suspended);
    expect(await f.registry.activeSequencerCount()).to.equal(3n);
    expect(await f.registry.staleSequencerCount()).to.equal(1n);
    expect(await f.registry.isActiveSequencer(f.signerOf.get(2n)!.address)).to.equal(false);
    expect(await f.registry.getSequencerSet()).to.deep.equal([1n, 3n, 4n].map((i) => f.signerOf.get(i)!.address));
    expect(await activeOrder(f)).to.deep.equal([1n, 3n, 4n]);
    expect(await f.registry.nextActiveSequencer(1)).to.equal(3n); // steps over 2
    expect(await f.registry.nextActiveSequencer(2)).to.equal(3n); // from the stale entry itself: what follows it
    // The stake index still holds 2's weight: the views say so, and a draw landing in its range returns 0.
    expect(await f.registry.weightOf(2)).to.equal(0n);
    expect(await f.registry.totalActiveWeight()).to.equal(weightBefore);
    const start = await f.registry.weightPrefix(2);
    const total = await f.registry.totalActiveWeight();
    expect(await f.registry.sequencerAtWeight(start)).to.equal(0n);
    expect(await f.registry.sequencerAtWeight(start + weight2 - 1n)).to.equal(0n);
    expect(await f.registry.sequencerAtWeight(start + weight2)).to.equal(3n);
    expect(await f.registry.sequencerAtWeight(start - 1n + total)).to.equal(1n); // modulo the total

    // Anyone prunes: the list and trees drop it, and the counts agree again.
    await expect(f.registry.connect(f.accounts[20]).pruneSequencer(2)).to.emit(f.registry, "SequencerPruned").withArgs(2n);
    expect(await f.registry.staleSequencerCount()).to.equal(0n);
    expect(await f.registry.totalActiveWeight()).to.equal(weightBefore - weight2);
    expect(await f.registry.sequencerAtWeight(start)).to.equal(3n);
    expect(await f.registry.nextActiveSequencer(2)).to.equal(1n); // no longer in the list: the head
    expect((await f.registry.getSequencer(2)).status).to.equal(SequencerStatus.Suspended); // above the floor
  });

  it("refuses to prune an Active, an already pruned, a directly suspended or an unknown sequencer", async () => {
    const f = await loadFixture(four);
    await report(f, 2n);
    await f.registry.pruneSequencer(2);
    // Suspended by the slasher role, not by a report: it left the indexes at once.
    await f.registry.connect(f.governanceSigner).grantRole(await f.registry.SLASHER_ROLE(), f.governance);
    await f.registry.connect(f.governanceSigner).suspendSequencer(3);
    const before = await snapshotState(f, [1n, 2n, 3n]);
    for (const id of [1n, 2n, 3n]) {
      await expect(f.registry.pruneSequencer(id)).to.be.revertedWithCustomError(f.registry, "RegistryNotStale").withArgs(id);
    }
    await expect(f.registry.pruneSequencer(99)).to.be.revertedWithCustomError(f.registry, "RegistryUnknownSequencer").withArgs(99n);
    expect(await snapshotState(f, [1n, 2n, 3n])).to.equal(before);
  });

  it("applies the ejection floor when it prunes, not in the report", async () => {
    const f = await loadFixture(four);
    // 60% slash: sequencer 1's own 100 LUX becomes 40, below the 50 LUX floor.
    await f.registry.connect(f.governanceSigner).setParameter(Parameter.SlashingPercentage, 6000);
    await report(f, 1n);
    const info = await f.registry.getSequencer(1);
    expect(info.stake).to.equal(E(40));
    expect(info.status).to.equal(SequencerStatus.Suspended);
    await expect(f.registry.pruneSequencer(1))
      .to.emit(f.registry, "SequencerStatusChanged")
      .withArgs(1n, SequencerStatus.Suspended, SequencerStatus.Ejected);
    expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Ejected);
  });

  it("makes a stale sequencer wait for its pruning before a top-up or governance can reinstate it", async () => {
    const f = await loadFixture(four);
    const op2 = f.signerOf.get(2n)!;
    await report(f, 2n);
    await time.increase(86_400); // the suspension cooldown
    const before = await snapshotState(f, [2n], [op2.address]);
    await expect(f.registry.connect(op2).increaseStake(2, { value: E(50) }))
      .to.be.revertedWithCustomError(f.registry, "RegistryNotPruned")
      .withArgs(2n);
    await expect(f.registry.connect(f.governanceSigner).reinstateSequencer(2))
      .to.be.revertedWithCustomError(f.registry, "RegistryNotPruned")
      .withArgs(2n);
    expect(await snapshotState(f, [2n], [op2.address])).to.equal(before);

    // Pruned, it comes back through a top-up, at the tail of the rotation order.
    await f.registry.connect(op2).pruneSequencer(2);
    await expect(f.registry.connect(op2).increaseStake(2, { value: E(50) }))
      .to.emit(f.registry, "SequencerStatusChanged")
      .withArgs(2n, SequencerStatus.Suspended, SequencerStatus.Active);
    expect(await activeOrder(f)).to.deep.equal([1n, 3n, 4n, 2n]);
    expect(await f.registry.weightOf(2)).to.be.gt(0n); // a live entry again
    expect(await f.registry.totalActiveWeight()).to.equal(
      (await f.registry.weightOf(1)) + (await f.registry.weightOf(2)) + (await f.registry.weightOf(3)) + (await f.registry.weightOf(4)),
    );
  });

  it("lets a round-robin rotation step over stale sequencers, pruning each once", async () => {
    const f = await loadFixture(four);
    expect(await f.registry.currentSequencerId()).to.equal(1n);
    await report(f, 2n);
    await report(f, 3n);
    await time.increase((await f.registry.getConfig()).rotationPeriod);
    await expect(f.registry.rotateSequencer())
      .to.emit(f.registry, "SequencerPruned")
      .withArgs(2n)
      .and.to.emit(f.registry, "SequencerPruned")
      .withArgs(3n)
      .and.to.emit(f.registry, "SequencerRotated")
      .withArgs(f.signerOf.get(1n)!.address, f.signerOf.get(4n)!.address);
    expect(await f.registry.staleSequencerCount()).to.equal(0n);
    expect(await rotate(f)).to.equal(1n); // the list is 1, 4 now
    expect(await rotate(f)).to.equal(4n);
  });

  it("hands the turn of a reported active sequencer to the next Active one", async () => {
    const f = await loadFixture(four);
    await report(f, 2n); // stale, between 1 and 3
    await expect(report(f, 1n)).to.not.be.reverted; // 1 is the active sequencer
    expect(await f.registry.currentSequencerId()).to.equal(3n);
    expect(await f.registry.staleSequencerCount()).to.equal(1n); // 2 was stepped over and pruned; 1 is stale
    await f.registry.pruneSequencer(1);
    expect(await activeOrder(f)).to.deep.equal([3n, 4n]);
    expect(await f.registry.getSequencerSet()).to.deep.equal([3n, 4n].map((i) => f.signerOf.get(i)!.address));
  });

  it("keeps the last sequencer's stale entry out of the way of newcomers", async () => {
    const f = await withSequencers([100]);
    await report(f, 1n);
    expect(await f.registry.activeSequencerCount()).to.equal(0n);
    expect(await f.registry.currentSequencerId()).to.equal(0n);
    expect(await f.registry.nextActiveSequencer(0)).to.equal(0n);
    // A newcomer joins the list that still holds the stale entry, becomes the active sequencer, and rotation
    // prunes the stale entry when it comes round.
    await (await f.registry.connect(f.accounts[5]).registerSequencer("enode://n", "0x02", "0x", { value: E(100) })).wait();
    expect(await f.registry.currentSequencerId()).to.equal(2n);
    expect(await f.registry.getSequencerSet()).to.deep.equal([f.accounts[5].address]);
    await time.increase((await f.registry.getConfig()).rotationPeriod);
    await expect(f.registry.rotateSequencer()).to.emit(f.registry, "SequencerPruned").withArgs(1n);
    expect(await f.registry.currentSequencerId()).to.equal(2n);
    expect(await f.registry.staleSequencerCount()).to.equal(0n);
  });

  describe("the reporter's reward", () => {
    it("is claimed by the reporter alone, once, and the claim prunes", async () => {
      const f = await loadFixture(four);
      const reporter = f.accounts[9];
      await report(f, 2n, reporter);
      const [who, amount] = await f.registry.reporterRewardOf(2);
      expect(who).to.equal(reporter.address);
      expect(amount).to.equal(E(2)); // 10% of the 10% slash of 200 LUX
      const before = await snapshotState(f, [2n], [reporter.address]);
      await expect(f.registry.connect(f.accounts[10]).claimReporterReward(2))
        .to.be.revertedWithCustomError(f.registry, "RegistryNoReporterReward")
        .withArgs(2n, f.accounts[10].address);
      expect(await snapshotState(f, [2n], [reporter.address])).to.equal(before);

      await expect(f.registry.connect(reporter).claimReporterReward(2))
        .to.emit(f.registry, "ReporterRewardClaimed")
        .withArgs(2n, reporter.address, E(2))
        .and.to.emit(f.registry, "SequencerPruned")
        .withArgs(2n);
      await expect(f.registry.connect(reporter).claimReporterReward(2))
        .to.be.revertedWithCustomError(f.registry, "RegistryNoReporterReward")
        .withArgs(2n, reporter.address);
      await expect(f.registry.connect(reporter).withdraw()).to.changeEtherBalance(reporter, E(2));
    });

    it("goes to the withdrawable balance when the record holds an unclaimed one, and claims after a prune", async () => {
      const f = await loadFixture(four);
      const [first, second] = [f.accounts[9], f.accounts[10]];
      await report(f, 2n, first);
      await f.registry.pruneSequencer(2);
      await time.increase(120); // a later slot: a new offence
      await report(f, 2n, second);
      // 10% of the 10% slash of the remaining 180 LUX, straight to the balance: the record holds the first.
      expect(await f.registry.withdrawableBalance(second.address)).to.equal(E("1.8"));
      expect(await f.registry.reporterRewardOf(2)).to.deep.equal([first.address, E(2)]);
      // Already pruned: the claim only pays.
      const receipt = await (await f.registry.connect(first).claimReporterReward(2)).wait();
      const names = receipt!.logs.map((l) => f.registry.interface.parseLog(l)?.name);
      expect(names).to.deep.equal(["ReporterRewardClaimed"]);
      expect(await f.registry.withdrawableBalance(first.address)).to.equal(E(2));
    });

    it("goes to the withdrawable balance when it does not fit the record (above 2^88 − 1 wei)", async () => {
      const f = await withSequencers([100]);
      const gov = f.registry.connect(f.governanceSigner);
      await gov.setParameter(Parameter.SlashingPercentage, 10_000);
      await gov.setParameter(Parameter.ReporterRewardBps, 5_000);
      const whale = f.accounts[12];
      await (await f.registry.connect(whale).registerSequencer("enode://w", "0x02", "0x", { value: E(700_000_000) })).wait();
      const id = await f.registry.sequencerIdOf(whale.address);
      const proof = await equivocationProof(f, whale, id);
      await expect(f.registry.connect(f.accounts[9]).reportMisbehavior(id, proof))
        .to.emit(f.registry, "EquivocationProven")
        .withArgs(id, await f.registry.currentSlot(), f.accounts[9].address, E(700_000_000), E(350_000_000));
      expect(await f.registry.reporterRewardOf(id)).to.deep.equal([ethers.ZeroAddress, 0n]);
      expect(await f.registry.withdrawableBalance(f.accounts[9].address)).to.equal(E(350_000_000));
    });

    it("keeps the contract's balance equal to everything it owes, claims included", async () => {
      const f = await loadFixture(four);
      await report(f, 2n);
      await report(f, 3n);
      let owed = (await f.registry.insuranceFund()) + (await f.registry.rewardsOutstanding());
      for (const id of [1n, 2n, 3n, 4n]) {
        const pool = await f.registry.getPool(id);
        owed += pool.bondedStake + pool.unbondingStake + (await f.registry.reporterRewardOf(id))[1];
      }
      expect(await ethers.provider.getBalance(f.registryAddress)).to.equal(owed);
    });
  });

  describe("selection modes", () => {
    it("never announces a stale sequencer from a weighted draw, and draws exactly by stake once it is pruned", async () => {
      const f = await loadFixture(four);
      await report(f, 4n); // 40% of the stake index
      const stale = f.signerOf.get(4n)!.address;
      let announced = 0;
      for (let i = 0; i < 40; i++) {
        // A call whose draws all land on the stale range reverts (SelectionNoEligibleSequencer); none names it.
        const op = await f.selection.selectWeightedRandom.staticCall(BigInt(ethers.id(`draw ${i}`))).catch(() => undefined);
        if (op === undefined) continue;
        announced++;
        expect(op).to.not.equal(stale);
      }
      expect(announced).to.be.gt(30); // 8 draws per call: all 8 on the stale 40% has odds 0.07%
      await f.registry.pruneSequencer(4);
      for (let i = 0; i < 10; i++) {
        expect(await f.selection.selectWeightedRandom.staticCall(BigInt(ethers.id(`after ${i}`)))).to.not.equal(stale);
      }
    });

    it("prunes a stale best performer: the selection view prunes and names the next, rotation prunes and recovers", async () => {
      const f = await loadFixture(four);
      const gov = f.registry.connect(f.governanceSigner);
      await gov.grantRole(await f.registry.MONITOR_ROLE(), f.governance);
      for (const [id, score] of [
        [1, 6000],
        [2, 9000],
        [3, 8000],
        [4, 7000],
      ]) {
        await gov.updatePerformance(id, score);
      }
      await setMode(f, SelectionMode.Performance);
      await report(f, 2n);
      expect((await f.registry.bestPerformer(0))[0]).to.equal(2n); // the index still ranks it first

      // The rotation that meets it prunes it and takes the round-robin turn (from 1: 3) …
      await time.increase((await f.registry.getConfig()).rotationPeriod);
      await expect(f.registry.rotateSequencer()).to.emit(f.registry, "SequencerPruned").withArgs(2n);
      expect(await f.registry.currentSequencerId()).to.equal(3n);
      // … and the next one picks the best Active performer other than the current one.
      expect(await rotate(f)).to.equal(4n);

      // The spec's selection function prunes a stale best performer itself.
      await report(f, 3n);
      await expect(f.selection.selectByPerformance())
        .to.emit(f.registry, "SequencerPruned")
        .withArgs(3n)
        .and.to.emit(f.selection, "SequencerSelected")
        .withArgs(SelectionMode.Performance, 4n, f.signerOf.get(4n)!.address);
    });
  });
});
