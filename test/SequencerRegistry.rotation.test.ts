import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time, mine } from "@nomicfoundation/hardhat-network-helpers";
import { Parameter, SequencerStatus, suiteParams } from "../deploy";
import { registryFixture, deployRegistryFixture, register, snapshotState } from "./helpers/fixtures";

describe("SequencerRegistry: set, rotation and fallback", () => {
  async function fiveSequencers() {
    const f = await registryFixture();
    for (let i = 0; i < 5; i++) await register(f, f.accounts[i]);
    return { ...f, period: (await f.registry.getConfig()).rotationPeriod };
  }

  describe("rotateSequencer (round-robin)", () => {
    it("should visit every sequencer in registration order, each turn a different one", async () => {
      const f = await loadFixture(fiveSequencers);
      const seen: string[] = [await f.registry.getActiveSequencer()];
      for (let i = 0; i < 5; i++) {
        await time.increase(f.period);
        const old = await f.registry.getActiveSequencer();
        const expected = f.accounts[(i + 1) % 5].address;
        await expect(f.registry.rotateSequencer()).to.emit(f.registry, "SequencerRotated").withArgs(old, expected);
        seen.push(await f.registry.getActiveSequencer());
        expect(seen[seen.length - 1]).to.not.equal(old);
      }
      expect(seen).to.deep.equal([0, 1, 2, 3, 4, 0].map((i) => f.accounts[i].address));
      expect((await f.registry.getSequencer(1)).lastActiveBlock).to.equal(BigInt(await ethers.provider.getBlockNumber()));
    });

    it("should be permissionless once the period has passed, and not before", async () => {
      const f = await loadFixture(fiveSequencers);
      const due = (await f.registry.lastRotationTime()) + f.period;
      expect(await f.registry.nextRotationTime()).to.equal(due);
      const before = await snapshotState(f, [1n, 2n]);
      await expect(f.registry.connect(f.accounts[9]).rotateSequencer())
        .to.be.revertedWithCustomError(f.registry, "RegistryRotationNotDue")
        .withArgs(due);
      expect(await snapshotState(f, [1n, 2n])).to.equal(before);
      await time.increaseTo(due);
      await f.registry.connect(f.accounts[9]).rotateSequencer();
      expect(await f.registry.currentSequencerId()).to.equal(2n);
    });

    it("should skip sequencers that left or were suspended, without a scan", async () => {
      const f = await loadFixture(fiveSequencers);
      await f.registry.connect(f.accounts[1]).initiateExit(2);
      await f.registry.connect(f.governanceSigner).suspendSequencer(3);
      await time.increase(f.period);
      await f.registry.rotateSequencer();
      expect(await f.registry.currentSequencerId()).to.equal(4n);
      expect(await f.registry.getSequencerSet()).to.deep.equal([0, 3, 4].map((i) => f.accounts[i].address));
    });

    it("should hand over at once when the active sequencer leaves mid-turn", async () => {
      const f = await loadFixture(fiveSequencers);
      await expect(f.registry.connect(f.accounts[0]).initiateExit(1))
        .to.emit(f.registry, "SequencerRotated")
        .withArgs(f.accounts[0].address, f.accounts[1].address);
      expect(await f.registry.lastRotationTime()).to.equal(BigInt(await time.latest()));
    });

    it("should keep a lone sequencer and reject rotation of an empty set", async () => {
      const f = await loadFixture(registryFixture);
      await register(f, f.accounts[0]);
      const period = (await f.registry.getConfig()).rotationPeriod;
      await time.increase(period);
      await f.registry.rotateSequencer();
      expect(await f.registry.currentSequencerId()).to.equal(1n);
      await f.registry.connect(f.accounts[0]).initiateExit(1);
      expect(await f.registry.currentSequencerId()).to.equal(0n);
      await time.increase(period);
      await expect(f.registry.rotateSequencer()).to.be.revertedWithCustomError(f.registry, "RegistryNoEligibleSequencer");
    });
  });

  describe("selectNextSequencer", () => {
    it("should fix the successor once per turn, so nobody can re-roll it", async () => {
      const f = await loadFixture(fiveSequencers);
      const expected = f.accounts[1].address;
      expect(await f.registry.selectNextSequencer.staticCall()).to.equal(expected);
      await expect(f.registry.selectNextSequencer()).to.emit(f.registry, "NextSequencerSelected");
      await expect(f.registry.selectNextSequencer()).not.to.emit(f.registry, "NextSequencerSelected");
      await time.increase(f.period);
      await f.registry.rotateSequencer();
      expect(await f.registry.getActiveSequencer()).to.equal(expected);
    });

    it("should re-select when the designated successor leaves the set", async () => {
      const f = await loadFixture(fiveSequencers);
      await f.registry.selectNextSequencer();
      await f.registry.connect(f.accounts[1]).initiateExit(2);
      expect(await f.registry.selectNextSequencer.staticCall()).to.equal(f.accounts[2].address);
      await time.increase(f.period);
      await f.registry.rotateSequencer();
      expect(await f.registry.currentSequencerId()).to.equal(3n);
    });

    it("should reject a selection from an empty set", async () => {
      const f = await loadFixture(registryFixture);
      await expect(f.registry.selectNextSequencer()).to.be.revertedWithCustomError(f.registry, "RegistryNoEligibleSequencer");
    });
  });

  describe("activation and L1 fallback (decision 11)", () => {
    it("should return the fallback before the activation block, then the active sequencer", async () => {
      const start = BigInt(await ethers.provider.getBlockNumber());
      // Far enough ahead for the deployment's own transactions.
      const activation = start + 100n;
      const f = await deployRegistryFixture(suiteParams({ registry: { parameters: { activationBlock: activation } } }));
      await register(f, f.accounts[0]);
      expect(await f.registry.getActiveSequencer()).to.equal(f.governance);
      expect(await f.registry.isFallbackMode()).to.equal(true);
      await mine(activation - BigInt(await ethers.provider.getBlockNumber()));
      expect(await f.registry.getActiveSequencer()).to.equal(f.accounts[0].address);
      // The change is announced by the next transaction that touches the set or rotates.
      await time.increase((await f.registry.getConfig()).rotationPeriod);
      await expect(f.registry.rotateSequencer()).to.emit(f.registry, "FallbackModeChanged").withArgs(false, f.governance);
    });

    it("should fall back below minActiveSequencers and resume by itself", async () => {
      const f = await deployRegistryFixture(suiteParams({ registry: { parameters: { minActiveSequencers: 3n } } }));
      const l1 = f.accounts[10].address;
      await f.registry.connect(f.governanceSigner).setFallbackSequencer(l1);
      await register(f, f.accounts[0]);
      await register(f, f.accounts[1]);
      expect(await f.registry.getActiveSequencer()).to.equal(l1);
      await expect(f.registry.connect(f.accounts[2]).registerSequencer("e", "0x", "0x", { value: ethers.parseEther("100") }))
        .to.emit(f.registry, "FallbackModeChanged")
        .withArgs(false, l1);
      expect(await f.registry.getActiveSequencer()).to.equal(f.accounts[0].address);
      await expect(f.registry.connect(f.governanceSigner).suspendSequencer(2))
        .to.emit(f.registry, "FallbackModeChanged")
        .withArgs(true, l1);
      expect(await f.registry.getActiveSequencer()).to.equal(l1);
      await expect(f.registry.connect(f.governanceSigner).reinstateSequencer(2))
        .to.emit(f.registry, "FallbackModeChanged")
        .withArgs(false, l1);
      expect(await f.registry.getActiveSequencer()).to.equal(f.accounts[0].address);
    });
  });

  describe("getSequencerSet", () => {
    it("should list Active operators only, in rotation order", async () => {
      const f = await loadFixture(fiveSequencers);
      await register(f, f.accounts[5], 1n); // Inactive
      await f.registry.connect(f.governanceSigner).ejectSequencer(5);
      expect(await f.registry.getSequencerSet()).to.deep.equal([0, 1, 2, 3].map((i) => f.accounts[i].address));
      for (const id of [1n, 2n, 3n, 4n]) expect((await f.registry.getSequencer(id)).status).to.equal(SequencerStatus.Active);
    });
  });

  describe("governance of the rotation", () => {
    it("should apply a new rotation period to the running turn", async () => {
      const f = await loadFixture(fiveSequencers);
      await f.registry.connect(f.governanceSigner).setParameter(Parameter.RotationPeriod, 60);
      expect(await f.registry.nextRotationTime()).to.equal((await f.registry.lastRotationTime()) + 60n);
    });
  });
});
