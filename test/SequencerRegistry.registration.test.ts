import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SequencerStatus, suiteParams } from "../deploy";
import {
  registryFixture,
  deployRegistryFixture,
  register,
  snapshotState,
  equivocationProof,
  STAKE_100K,
  ENDPOINT,
  PUBLIC_KEY,
  METADATA,
} from "./helpers/fixtures";

const MIN_STAKE = ethers.parseEther("100");

describe("SequencerRegistry: registration and own stake", () => {
  describe("registerSequencer", () => {
    describe("given a stake at or above minStake", () => {
      it("should assign ids from 1, store the fields and activate at once", async () => {
        const f = await loadFixture(registryFixture);
        const [a, b] = f.accounts;
        await expect(f.registry.connect(a).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: MIN_STAKE }))
          .to.emit(f.registry, "SequencerRegistered")
          .withArgs(1n, a.address)
          .and.to.emit(f.registry, "SequencerStatusChanged")
          .withArgs(1n, SequencerStatus.Inactive, SequencerStatus.Active);
        await f.registry.connect(b).registerSequencer("enode://b", "0x03", "0x", { value: STAKE_100K });

        const info = await f.registry.getSequencer(1);
        expect(info.operator).to.equal(a.address);
        expect(info.endpoint).to.equal(ENDPOINT);
        expect(info.publicKey).to.equal(PUBLIC_KEY);
        expect(info.metadata).to.equal(ethers.hexlify(METADATA));
        expect(info.stake).to.equal(MIN_STAKE);
        expect(info.delegatedStake).to.equal(0n);
        expect(info.status).to.equal(SequencerStatus.Active);
        expect(info.activationBlock).to.be.gt(0n);
        expect(await f.registry.sequencerIdOf(a.address)).to.equal(1n);
        expect(await f.registry.sequencerIdOf(b.address)).to.equal(2n);
        expect(await f.registry.totalSequencers()).to.equal(2n);
        expect(await f.registry.getSequencerSet()).to.deep.equal([a.address, b.address]);
        expect(await f.registry.isActiveSequencer(a.address)).to.equal(true);
        expect(await ethers.provider.getBalance(f.registryAddress)).to.equal(MIN_STAKE + STAKE_100K);
      });

      it("should make the first Active sequencer the active one", async () => {
        const f = await loadFixture(registryFixture);
        await register(f, f.accounts[0]);
        expect(await f.registry.currentSequencerId()).to.equal(1n);
        expect(await f.registry.getActiveSequencer()).to.equal(f.accounts[0].address);
      });

      it("should mirror the bonded stake in the selection weights", async () => {
        const f = await loadFixture(registryFixture);
        await register(f, f.accounts[0], ethers.parseEther("100"));
        await register(f, f.accounts[1], ethers.parseEther("300"));
        const unit = await f.registry.WEIGHT_UNIT();
        expect(await f.lens.weightOf(1)).to.equal(ethers.parseEther("100") / unit);
        expect(await f.lens.totalActiveWeight()).to.equal(ethers.parseEther("400") / unit);
        // Excluding one of two sequencers, every draw names the other.
        for (const seed of [0n, 1n, ethers.MaxUint256]) {
          expect(await f.registry.drawByStake(seed, 1)).to.equal(2n);
          expect(await f.registry.drawByStake(seed, 2)).to.equal(1n);
        }
      });
    });

    describe("given a stake below minStake", () => {
      it("should register the sequencer as Inactive, outside the set", async () => {
        const f = await loadFixture(registryFixture);
        await expect(f.registry.connect(f.accounts[0]).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: 1n }))
          .to.emit(f.registry, "SequencerRegistered")
          .and.not.to.emit(f.registry, "SequencerStatusChanged");
        expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Inactive);
        expect(await f.registry.activeSequencerCount()).to.equal(0n);
        expect(await f.lens.weightOf(1)).to.equal(0n);
      });
    });

    describe("given bad input", () => {
      it("should reject a zero stake", async () => {
        const f = await loadFixture(registryFixture);
        const before = await snapshotState(f);
        await expect(f.registry.connect(f.accounts[0]).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA)).to.be.revertedWithCustomError(
          f.registry,
          "RegistryZeroStake",
        );
        expect(await snapshotState(f)).to.equal(before);
      });

      it("should reject an operator that already runs a sequencer", async () => {
        const f = await loadFixture(registryFixture);
        await register(f, f.accounts[0]);
        const before = await snapshotState(f, [1n]);
        await expect(f.registry.connect(f.accounts[0]).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: MIN_STAKE }))
          .to.be.revertedWithCustomError(f.registry, "RegistryOperatorAlreadyRegistered")
          .withArgs(f.accounts[0].address, 1n);
        expect(await snapshotState(f, [1n])).to.equal(before);
      });

      for (const [field, args, max] of [
        ["endpoint", ["x".repeat(257), PUBLIC_KEY, METADATA], 256],
        ["publicKey", [ENDPOINT, "0x" + "ab".repeat(257), METADATA], 256],
        ["metadata", [ENDPOINT, PUBLIC_KEY, "0x" + "cd".repeat(1025)], 1024],
      ] as const) {
        it(`should reject an oversized ${field}`, async () => {
          const f = await loadFixture(registryFixture);
          const before = await snapshotState(f);
          const len = field === "endpoint" ? 257 : max + 1;
          await expect(f.registry.connect(f.accounts[0]).registerSequencer(args[0], args[1], args[2], { value: MIN_STAKE }))
            .to.be.revertedWithCustomError(f.registry, "RegistryFieldTooLong")
            .withArgs(ethers.encodeBytes32String(field), len, max);
          expect(await snapshotState(f)).to.equal(before);
        });
      }

      it("should reject an activation when the active set is full", async () => {
        const f = await deployRegistryFixture(suiteParams({ registry: { config: { maxSequencers: 2n } } }));
        await register(f, f.accounts[0]);
        await register(f, f.accounts[1]);
        const before = await snapshotState(f, [1n, 2n]);
        await expect(f.registry.connect(f.accounts[2]).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: MIN_STAKE }))
          .to.be.revertedWithCustomError(f.registry, "RegistryActiveSetFull")
          .withArgs(2n);
        expect(await snapshotState(f, [1n, 2n])).to.equal(before);
        // Below minStake there is no activation, so registration still works.
        await f.registry.connect(f.accounts[2]).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: 1n });
        expect((await f.registry.getSequencer(3)).status).to.equal(SequencerStatus.Inactive);
      });
    });
  });

  describe("increaseStake", () => {
    describe("given an Active sequencer", () => {
      it("should add to the operator's own stake and weight", async () => {
        const f = await loadFixture(registryFixture);
        await register(f, f.accounts[0], MIN_STAKE);
        await expect(f.registry.connect(f.accounts[0]).increaseStake(1, { value: MIN_STAKE }))
          .to.emit(f.registry, "StakeIncreased")
          .withArgs(1n, MIN_STAKE, 2n * MIN_STAKE);
        expect((await f.registry.getSequencer(1)).stake).to.equal(2n * MIN_STAKE);
        expect(await f.lens.weightOf(1)).to.equal((2n * MIN_STAKE) / (await f.registry.WEIGHT_UNIT()));
      });
    });

    describe("given an Inactive sequencer", () => {
      it("should activate it once its own stake reaches minStake", async () => {
        const f = await loadFixture(registryFixture);
        await register(f, f.accounts[0], MIN_STAKE / 2n);
        await f.registry.connect(f.accounts[0]).increaseStake(1, { value: MIN_STAKE / 4n });
        expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Inactive);
        await expect(f.registry.connect(f.accounts[0]).increaseStake(1, { value: MIN_STAKE / 4n }))
          .to.emit(f.registry, "SequencerStatusChanged")
          .withArgs(1n, SequencerStatus.Inactive, SequencerStatus.Active);
        expect(await f.registry.getSequencerSet()).to.deep.equal([f.accounts[0].address]);
      });
    });

    describe("given a Suspended sequencer", () => {
      it("should reject a top-up during the cooldown and reinstate after it", async () => {
        const f = await loadFixture(registryFixture);
        await register(f, f.accounts[0]);
        await f.registry.connect(f.governanceSigner).suspendSequencer(1);
        const suspendedAt = BigInt(await time.latest());
        const until = suspendedAt + (await f.registry.getParameters()).suspensionCooldown;
        const before = await snapshotState(f, [1n]);
        await expect(f.registry.connect(f.accounts[0]).increaseStake(1, { value: 1n }))
          .to.be.revertedWithCustomError(f.registry, "RegistrySuspensionCooldown")
          .withArgs(1n, until);
        expect(await snapshotState(f, [1n])).to.equal(before);
        await time.increaseTo(until);
        await expect(f.registry.connect(f.accounts[0]).increaseStake(1, { value: 1n }))
          .to.emit(f.registry, "SequencerStatusChanged")
          .withArgs(1n, SequencerStatus.Suspended, SequencerStatus.Active);
      });
    });

    describe("given bad input", () => {
      it("should reject an unknown sequencer, another operator, and a zero amount", async () => {
        const f = await loadFixture(registryFixture);
        await register(f, f.accounts[0]);
        const before = await snapshotState(f, [1n]);
        await expect(f.registry.connect(f.accounts[0]).increaseStake(9, { value: 1n }))
          .to.be.revertedWithCustomError(f.registry, "RegistryUnknownSequencer")
          .withArgs(9n);
        await expect(f.registry.connect(f.accounts[1]).increaseStake(1, { value: 1n }))
          .to.be.revertedWithCustomError(f.registry, "RegistryNotOperator")
          .withArgs(1n, f.accounts[1].address);
        await expect(f.registry.connect(f.accounts[0]).increaseStake(1)).to.be.revertedWithCustomError(f.registry, "RegistryZeroAmount");
        expect(await snapshotState(f, [1n])).to.equal(before);
      });

      it("should reject a top-up of an Ejected or Exiting sequencer", async () => {
        const f = await loadFixture(registryFixture);
        await register(f, f.accounts[0]);
        await register(f, f.accounts[1]);
        await f.registry.connect(f.governanceSigner).ejectSequencer(1);
        await f.registry.connect(f.accounts[1]).initiateExit(2);
        await expect(f.registry.connect(f.accounts[0]).increaseStake(1, { value: 1n }))
          .to.be.revertedWithCustomError(f.registry, "RegistryInvalidStatus")
          .withArgs(1n, SequencerStatus.Ejected);
        await expect(f.registry.connect(f.accounts[1]).increaseStake(2, { value: 1n }))
          .to.be.revertedWithCustomError(f.registry, "RegistryInvalidStatus")
          .withArgs(2n, SequencerStatus.Exiting);
      });
    });
  });

  describe("prover-readable status (storage slot 0)", () => {
    it("should store isActive as the low bit of keccak256(abi.encode(operator, 0)), the id above it, and clear it on exit", async () => {
      const f = await loadFixture(registryFixture);
      const op = f.accounts[3];
      const slotOf = (a: string) => ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [a, 0]));
      const word = async () => BigInt(await ethers.provider.getStorage(f.registryAddress, slotOf(op.address)));
      expect(await word()).to.equal(0n);
      await register(f, op);
      expect(await word()).to.equal((1n << 1n) | 1n); // sequencer #1, Active
      // Suspension (here by a proven equivocation) clears the bit, like any exit from the set; the id stays.
      await f.registry.reportMisbehavior(1, await equivocationProof(f, op, 1n));
      expect((await word()) & 1n).to.equal(0n);
      expect(await word()).to.equal(1n << 1n);
      expect(await f.registry.isActiveSequencer(op.address)).to.equal(false);
    });
  });
});
