import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Parameter, SelectionMode, SequencerStatus } from "../deploy";
import { registryFixture, register, snapshotState, type RegistryFixture } from "./helpers/fixtures";
import { withSequencers, setMode } from "./helpers/selection";
import { expectRegionBookkeeping, rotateNow, setRegionCap } from "./helpers/regions";

const E = (n: number | string) => ethers.parseEther(String(n));
const WEIGHT = (wei: bigint) => wei / 10n ** 15n; // the suite's weight unit

/** Sequencers 1..n with the given regions (100,000 LUX each), in registration order. */
async function tagged(regions: number[], stakes?: bigint[]) {
  const f = await registryFixture();
  if (regions[0] !== 0) throw new Error("the first sequencer is current at once and cannot retag: keep it untagged");
  for (let i = 0; i < regions.length; i++) {
    const id = await register(f, f.accounts[i], stakes?.[i]);
    if (regions[i] !== 0) await (await f.registry.connect(f.accounts[i]).setTags(id, regions[i], 7)).wait();
  }
  return f;
}

/** Registers `op` below the minimum, tags it, then tops it up so it joins the set already in `region`. */
async function joinTagged(f: RegistryFixture, index: number, region: number, stake: bigint = E(100_000)) {
  const op = f.accounts[index];
  await (await f.registry.connect(op).registerSequencer("enode://x@1.1.1.1:1", "0x", "0x", { value: E(1) })).wait();
  const id = await f.registry.sequencerIdOf(op.address);
  await (await f.registry.connect(op).setTags(id, region, 1)).wait();
  await (await f.registry.connect(op).increaseStake(id, { value: stake - E(1) })).wait();
  return id;
}

/** Lets the exit delay pass: an Active sequencer changes region at most once per exit delay. */
async function afterRetagCooldown(f: RegistryFixture) {
  await time.increase((await f.registry.getConfig()).exitDelay);
}

async function grantMonitor(f: RegistryFixture) {
  await (await f.registry.connect(f.governanceSigner).grantRole(await f.registry.MONITOR_ROLE(), f.governanceSigner.address)).wait();
}

async function regionsFixture() {
  // 1: region 0 (current), 2, 3: region 1, 4: region 2.
  return tagged([0, 1, 1, 2]);
}

describe("SequencerRegistry: network diversity (regions)", () => {
  describe("setTags", () => {
    it("should store the operator's tags, emit SequencerTagged and return them in getSequencer", async () => {
      const f = await loadFixture(regionsFixture);
      await afterRetagCooldown(f); // 4 moved to region 2 in the fixture
      await expect(f.registry.connect(f.accounts[3]).setTags(4, 9, 42))
        .to.emit(f.registry, "SequencerTagged")
        .withArgs(4n, 9, 42);
      const info = await f.registry.getSequencer(4);
      expect([info.region, info.provider]).to.deep.equal([9n, 42n]);
      await expectRegionBookkeeping(f, [0, 1, 2, 9]);
      expect((await f.lens.regionOf(2))[1]).to.equal(0n);
      expect((await f.lens.regionOf(9))[0]).to.equal(WEIGHT(E(100_000)));
    });

    it("should reject another account, an unknown id, the current sequencer and the announced successor, changing nothing", async () => {
      const f = await loadFixture(regionsFixture);
      const before = await snapshotState(f, [1n, 2n, 3n, 4n]);
      await expect(f.registry.connect(f.accounts[5]).setTags(2, 5, 5))
        .to.be.revertedWithCustomError(f.registry, "RegistryNotOperator")
        .withArgs(2n, f.accounts[5].address);
      await expect(f.registry.setTags(99, 5, 5)).to.be.revertedWithCustomError(f.registry, "RegistryUnknownSequencer");
      await expect(f.registry.connect(f.accounts[0]).setTags(1, 5, 5))
        .to.be.revertedWithCustomError(f.registry, "RegistryTagsLocked")
        .withArgs(1n);
      await f.registry.selectNextSequencer();
      const announced = await f.registry.drawTurnId();
      await expect(f.registry.connect(f.accounts[Number(announced) - 1]).setTags(announced, 5, 5))
        .to.be.revertedWithCustomError(f.registry, "RegistryTagsLocked")
        .withArgs(announced);
      expect(await snapshotState(f, [1n, 2n, 3n, 4n])).to.equal(before);
    });

    it("should let a sequencer outside the set retag without touching any region's weight", async () => {
      const f = await loadFixture(regionsFixture);
      await f.registry.connect(f.accounts[2]).initiateExit(3);
      const r1 = await f.lens.regionOf(1);
      await f.registry.connect(f.accounts[2]).setTags(3, 2, 0);
      expect(await f.lens.regionOf(1)).to.deep.equal(r1);
      expect((await f.registry.getSequencer(3)).region).to.equal(2n);
      await expectRegionBookkeeping(f, [0, 1, 2]);
    });
  });

  describe("region cap", () => {
    it("should be governed, bounded 0..10,000 and off by default", async () => {
      const f = await loadFixture(regionsFixture);
      expect((await f.registry.getParameters()).regionCapBps).to.equal(0n);
      await expect(f.registry.connect(f.governanceSigner).setParameter(Parameter.RegionCapBps, 10_001))
        .to.be.revertedWithCustomError(f.registry, "RegistryParameterOutOfBounds")
        .withArgs(Parameter.RegionCapBps, 10_001n, 0n, 10_000n);
      await expect(f.registry.connect(f.accounts[0]).setParameter(Parameter.RegionCapBps, 5000)).to.be.reverted;
      await expect(f.registry.connect(f.governanceSigner).setParameter(Parameter.RegionCapBps, 5000))
        .to.emit(f.registry, "ParameterUpdated")
        .withArgs(Parameter.RegionCapBps, 0n, 5000n);
      expect((await f.registry.getParameters()).regionCapBps).to.equal(5000n);
    });

    it("should reject a delegation that raises a region above the cap, naming region and weights, changing nothing", async () => {
      const f = await loadFixture(regionsFixture);
      // Weights: region 0: 1e8, region 1: 2e8, region 2: 1e8 (total 4e8). Cap 50%: region 1 is at it.
      await setRegionCap(f, 5000);
      const d = f.accounts[20];
      const before = await snapshotState(f, [2n], [d.address]);
      const unit = WEIGHT(E(100_000));
      await expect(f.registry.connect(d).delegateStake(2, { value: E(1) }))
        .to.be.revertedWithCustomError(f.registry, "RegistryRegionCapExceeded")
        .withArgs(1, 2n * unit + 1000n, 4n * unit + 1000n);
      await expect(f.registry.connect(f.accounts[1]).increaseStake(2, { value: E(1) })).to.be.revertedWithCustomError(
        f.registry,
        "RegistryRegionCapExceeded",
      );
      expect(await snapshotState(f, [2n], [d.address])).to.equal(before);
      // Region 2 may grow up to 50%: 1e8 + x ≤ (4e8 + x) / 2 ⇔ x ≤ 2e8.
      await f.registry.connect(d).delegateStake(4, { value: E(200_000) });
      await expect(f.registry.connect(d).delegateStake(4, { value: E(1) })).to.be.revertedWithCustomError(
        f.registry,
        "RegistryRegionCapExceeded",
      );
      await expectRegionBookkeeping(f, [0, 1, 2]);
    });

    it("should reject joining the set and retagging into a region at the cap", async () => {
      const f = await loadFixture(regionsFixture);
      await setRegionCap(f, 5000);
      await afterRetagCooldown(f);
      const op = f.accounts[10];
      await expect(f.registry.connect(op).registerSequencer("enode://y@2.2.2.2:2", "0x", "0x", { value: E(100_000) })).to.not.be.reverted; // region 0: 2e8 of 5e8
      // Retagging sequencer 4 (region 2) into region 1 would make region 1 3e8 of 5e8.
      await expect(f.registry.connect(f.accounts[3]).setTags(4, 1, 0))
        .to.be.revertedWithCustomError(f.registry, "RegistryRegionCapExceeded")
        .withArgs(1, 3n * WEIGHT(E(100_000)), 5n * WEIGHT(E(100_000)));
      expect((await f.registry.getSequencer(4)).region).to.equal(2n);
      // A sequencer of region 1 coming back (top-up past the minimum) would also break it.
      await f.registry.connect(f.governanceSigner).suspendSequencer(5);
      const tagged1 = f.accounts[11];
      await f.registry.connect(tagged1).registerSequencer("enode://z@3.3.3.3:3", "0x", "0x", { value: E(1) });
      await f.registry.connect(tagged1).setTags(6, 1, 0);
      await expect(f.registry.connect(tagged1).increaseStake(6, { value: E(99_999) })).to.be.revertedWithCustomError(
        f.registry,
        "RegistryRegionCapExceeded",
      );
      expect((await f.registry.getSequencer(6)).status).to.equal(BigInt(SequencerStatus.Inactive));
      await expectRegionBookkeeping(f, [0, 1, 2]);
    });

    it("should never block an undelegation, an exit, a slash or a suspension, even at a 1 bp cap", async () => {
      const f = await loadFixture(regionsFixture);
      const d = f.accounts[20];
      await f.registry.connect(d).delegateStake(2, { value: E(1000) });
      await setRegionCap(f, 1); // every region is far above 0.01%
      const shares = (await f.lens.delegationOf(2, d.address))[0];
      await f.registry.connect(d).undelegate(2, shares / 2n);
      await f.registry.connect(f.governanceSigner).slash(3, E(10));
      await f.registry.connect(f.accounts[2]).initiateExit(3);
      await f.registry.connect(f.governanceSigner).suspendSequencer(4);
      await f.registry.connect(f.accounts[0]).initiateExit(1); // the current one leaves mid-turn
      expect(await f.registry.activeSequencerCount()).to.equal(1n);
      await expectRegionBookkeeping(f, [0, 1, 2]);
      // ...and rotation still works with a lone sequencer.
      expect(await rotateNow(f)).to.equal(2n);
    });

    it("should let a lowered cap bind growth only: a region above it keeps its stake", async () => {
      const f = await loadFixture(regionsFixture);
      await setRegionCap(f, 2000); // region 1 holds 50%
      const d = f.accounts[20];
      await expect(f.registry.connect(d).delegateStake(2, { value: E(1) })).to.be.revertedWithCustomError(
        f.registry,
        "RegistryRegionCapExceeded",
      );
      expect((await f.lens.regionOf(1))[0]).to.equal(2n * WEIGHT(E(100_000)));
      await setRegionCap(f, 0);
      await f.registry.connect(d).delegateStake(2, { value: E(1) });
    });
  });

  describe("rotation rule", () => {
    it("should cycle regions in round robin, each region's members taking its turns in order", async () => {
      // Regions: 1: 0, 2..4: 1, 5: 2. List groups: [1][5][2,3,4] (a new region's group goes after its old one's).
      const f = await tagged([0, 1, 1, 1, 2]);
      const turns: bigint[] = [await f.registry.currentSequencerId()];
      for (let i = 0; i < 9; i++) turns.push(await rotateNow(f));
      expect(turns).to.deep.equal([1n, 5n, 2n, 1n, 5n, 3n, 1n, 5n, 4n, 1n]);
      // The diversity bonus: the lone sequencers of regions 0 and 2 serve 3 turns each in 9, region 1's three one each.
    });

    it("should never hand two turns in a row to one region while another is Active, even after many same-region joins", async () => {
      const f = await loadFixture(regionsFixture);
      // 20 more untagged (region 0) sequencers registered back to back: the region-0 group is long.
      for (let i = 5; i < 25; i++) await register(f, f.accounts[i]);
      let previous = await f.registry.currentSequencerId();
      for (let i = 0; i < 12; i++) {
        const next = await rotateNow(f);
        const [a, b] = await Promise.all([f.registry.getSequencer(previous), f.registry.getSequencer(next)]);
        expect(b.region, `turn ${i}`).to.not.equal(a.region);
        previous = next;
      }
      await expectRegionBookkeeping(f, [0, 1, 2]);
    });

    it("should give the announced successor the turn, and apply the rule to the announcement", async () => {
      const f = await loadFixture(regionsFixture);
      const current = await rotateNow(f); // 4 (region 2): its group follows region 0's
      expect(current).to.equal(4n);
      const announced = await f.registry.selectNextSequencer.staticCall();
      await f.registry.selectNextSequencer();
      const id = await f.registry.sequencerIdOf(announced);
      expect((await f.registry.getSequencer(id)).region).to.not.equal(2n);
      // A newcomer of yet another region joining before the hand-over does not re-roll it.
      await joinTagged(f, 12, 7);
      await grantMonitor(f);
      await expect(f.registry.connect(f.governanceSigner).forceRotation())
        .to.emit(f.registry, "SequencerRotated")
        .withArgs(f.accounts[3].address, announced);
    });

    it("should hand a mid-turn leaver's turn to another region", async () => {
      const f = await tagged([0, 0, 0, 1]);
      // Current 1 (region 0) leaves: its list successor 2 is region 0, so 4 (region 1) takes over.
      await expect(f.registry.connect(f.accounts[0]).initiateExit(1))
        .to.emit(f.registry, "SequencerRotated")
        .withArgs(f.accounts[0].address, f.accounts[3].address);
      // A slash that drops the current one below the minimum does the same: 4 is current, region 0 follows.
      await f.registry.connect(f.governanceSigner).slash(4, E(99_950));
      expect((await f.registry.getSequencer(await f.registry.currentSequencerId())).region).to.equal(0n);
      await expectRegionBookkeeping(f, [0, 1]);
    });

    it("should keep a single region's round robin in list order (the rule cannot apply)", async () => {
      const f = await tagged([0, 0, 0]);
      const turns = [await f.registry.currentSequencerId()];
      for (let i = 0; i < 4; i++) turns.push(await rotateNow(f));
      expect(turns).to.deep.equal([1n, 2n, 3n, 1n, 2n]);
    });

    it("should substitute another region for the best performer of the current region (performance mode)", async () => {
      const f = await withSequencers([100_000, 100_000, 100_000, 100_000]);
      await f.registry.connect(f.signerOf.get(2n)!).setTags(2, 3, 0);
      await grantMonitor(f);
      const gov = f.registry.connect(f.governanceSigner);
      await gov.updatePerformance(1, 9000);
      await gov.updatePerformance(2, 5000);
      await gov.updatePerformance(3, 9500);
      await gov.updatePerformance(4, 9400);
      await setMode(f, SelectionMode.Performance);
      // Current 1 (region 0): the best other is 3 (region 0) → the rule gives the turn to region 3's member, 2.
      await time.increase((await f.registry.getConfig()).rotationPeriod);
      await f.registry.rotateSequencer();
      expect(await f.registry.currentSequencerId()).to.equal(2n);
      // From 2 (region 3) the best, 3, is of another region: the mode's answer stands.
      await time.increase((await f.registry.getConfig()).rotationPeriod);
      await f.registry.rotateSequencer();
      expect(await f.registry.currentSequencerId()).to.equal(3n);
    });
  });
});
