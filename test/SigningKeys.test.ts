import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import { SequencerStatus, SIGNING_KEY_DELAY_SLOTS } from "../deploy";
import { buildEquivocationProof } from "../sdk";
import { registryFixture, register, type RegistryFixture } from "./helpers/fixtures";

/** Two different block hashes for `slot`, both signed by `signer` for sequencer `id`. */
function proof(f: RegistryFixture, signer: Signer, id: bigint, slot: bigint) {
  return buildEquivocationProof(
    signer,
    f.registryAddress,
    f.chainId,
    id,
    slot,
    ethers.keccak256(ethers.toUtf8Bytes(`block A @${slot}`)),
    ethers.keccak256(ethers.toUtf8Bytes(`block B @${slot}`)),
  );
}

/** Moves the chain `slots` registry slots on. */
async function advanceSlots(f: RegistryFixture, slots: bigint) {
  await time.increase(slots * (await f.registry.SLOT_DURATION()));
}

async function withOperators() {
  const f = await registryFixture();
  const [operator, other, reporter] = f.accounts;
  const id = await register(f, operator);
  await register(f, other);
  return { ...f, operator, other, reporter, id };
}

describe("SigningKeys (block-commitment keys apart from the staking key)", () => {
  it("is wired into the suite: the equivocation module reads it, with this registry and the configured delay", async () => {
    const f = await loadFixture(withOperators);
    expect(await f.equivocationModule.signingKeys()).to.equal(await f.signingKeys.getAddress());
    expect(await f.signingKeys.registry()).to.equal(f.registryAddress);
    expect(await f.signingKeys.ACTIVATION_DELAY_SLOTS()).to.equal(SIGNING_KEY_DELAY_SLOTS);
  });

  it("defaults to the operator address, and a set key takes effect after the delay", async () => {
    const f = await loadFixture(withOperators);
    const key = ethers.Wallet.createRandom();
    expect(await f.signingKeys.signingKeyAt(f.id, 0n, f.operator.address)).to.equal(f.operator.address);
    const now = await f.registry.currentSlot();
    // The transaction mines in the next block; its slot is the one it reads.
    const tx = f.signingKeys.connect(f.operator).setSigningKey(f.id, key.address);
    await expect(tx).to.emit(f.signingKeys, "SigningKeyChanged");
    const [change] = await f.signingKeys.keyChanges(f.id);
    expect(change.key).to.equal(key.address);
    const from = change.fromSlot;
    expect(from).to.be.gte(now + SIGNING_KEY_DELAY_SLOTS);
    expect(await f.signingKeys.signingKeyAt(f.id, from - 1n, f.operator.address)).to.equal(f.operator.address);
    expect(await f.signingKeys.signingKeyAt(f.id, from, f.operator.address)).to.equal(key.address);
  });

  it("convicts with the new key for its slots (no re-registration)", async () => {
    const f = await loadFixture(withOperators);
    const key = ethers.Wallet.createRandom();
    await f.signingKeys.connect(f.operator).setSigningKey(f.id, key.address);
    await advanceSlots(f, SIGNING_KEY_DELAY_SLOTS + 1n);
    const slot = await f.registry.currentSlot();
    await expect(f.registry.connect(f.reporter).reportMisbehavior(f.id, await proof(f, key, f.id, slot))).to.emit(
      f.registry,
      "EquivocationProven",
    );
    expect((await f.registry.getSequencer(f.id)).status).to.equal(SequencerStatus.Suspended);
  });

  describe("attacks", () => {
    it("a rotated-away key's signatures for the slots it held still slash (rotating cannot dodge an equivocation)", async () => {
      const f = await loadFixture(withOperators);
      const slot = await f.registry.currentSlot();
      // The operator equivocates with its default key, then rotates twice to bury it under newer keys.
      const evidence = await proof(f, f.operator, f.id, slot);
      await f.signingKeys.connect(f.operator).setSigningKey(f.id, ethers.Wallet.createRandom().address);
      await advanceSlots(f, SIGNING_KEY_DELAY_SLOTS + 1n);
      await f.signingKeys.connect(f.operator).setSigningKey(f.id, ethers.Wallet.createRandom().address);
      await advanceSlots(f, SIGNING_KEY_DELAY_SLOTS + 1n);
      expect((await f.signingKeys.keyChanges(f.id)).length).to.equal(2);
      await expect(f.registry.connect(f.reporter).reportMisbehavior(f.id, evidence)).to.emit(f.registry, "EquivocationProven");
    });

    it("a key rotated to within the current slot cannot take over that slot: the change waits for its delay", async () => {
      const f = await loadFixture(withOperators);
      const key = ethers.Wallet.createRandom();
      await f.signingKeys.connect(f.operator).setSigningKey(f.id, key.address);
      const slot = await f.registry.currentSlot();
      // The old key still answers for the current slot: evidence signed by it convicts, evidence by the new key does not.
      await expect(f.registry.connect(f.reporter).reportMisbehavior(f.id, await proof(f, key, f.id, slot))).to.be.revertedWithCustomError(
        f.registry,
        "RegistryInvalidEquivocationProof",
      );
      await expect(f.registry.connect(f.reporter).reportMisbehavior(f.id, await proof(f, f.operator, f.id, slot))).to.emit(
        f.registry,
        "EquivocationProven",
      );
    });

    it("a new key cannot sign for slots before it took effect", async () => {
      const f = await loadFixture(withOperators);
      const key = ethers.Wallet.createRandom();
      const before = await f.registry.currentSlot();
      await f.signingKeys.connect(f.operator).setSigningKey(f.id, key.address);
      await advanceSlots(f, SIGNING_KEY_DELAY_SLOTS + 1n);
      // Signatures of the new key for an earlier slot are not the sequencer's: nobody can be framed with them.
      await expect(f.registry.connect(f.reporter).reportMisbehavior(f.id, await proof(f, key, f.id, before))).to.be.revertedWithCustomError(
        f.registry,
        "RegistryInvalidEquivocationProof",
      );
    });

    it("a pending change replaced before its first slot never signs for anything", async () => {
      const f = await loadFixture(withOperators);
      const first = ethers.Wallet.createRandom();
      const second = ethers.Wallet.createRandom();
      await f.signingKeys.connect(f.operator).setSigningKey(f.id, first.address);
      await f.signingKeys.connect(f.operator).setSigningKey(f.id, second.address);
      const changes = await f.signingKeys.keyChanges(f.id);
      expect(changes.length).to.equal(1);
      expect(changes[0].key).to.equal(second.address);
      await advanceSlots(f, SIGNING_KEY_DELAY_SLOTS + 1n);
      const slot = await f.registry.currentSlot();
      await expect(f.registry.connect(f.reporter).reportMisbehavior(f.id, await proof(f, first, f.id, slot))).to.be.revertedWithCustomError(
        f.registry,
        "RegistryInvalidEquivocationProof",
      );
    });

    it("nobody but the operator sets its key (not another operator, not a stranger), nor a zero key", async () => {
      const f = await loadFixture(withOperators);
      for (const caller of [f.other, f.reporter, f.governanceSigner]) {
        await expect(f.signingKeys.connect(caller).setSigningKey(f.id, caller.address))
          .to.be.revertedWithCustomError(f.signingKeys, "SigningKeysNotOperator")
          .withArgs(f.id, caller.address);
      }
      await expect(f.signingKeys.connect(f.reporter).setSigningKey(99n, f.reporter.address))
        .to.be.revertedWithCustomError(f.signingKeys, "SigningKeysNotOperator")
        .withArgs(99n, f.reporter.address);
      await expect(f.signingKeys.connect(f.operator).setSigningKey(f.id, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        f.signingKeys,
        "SigningKeysInvalidInput",
      );
      expect((await f.signingKeys.keyChanges(f.id)).length).to.equal(0);
    });

    it("another sequencer's key is no use against this one: signatures bind the sequencer id", async () => {
      const f = await loadFixture(withOperators);
      // The other operator names this operator's address as its own signing key; this sequencer is not exposed.
      const otherId = await f.registry.sequencerIdOf(f.other.address);
      await f.signingKeys.connect(f.other).setSigningKey(otherId, f.operator.address);
      await advanceSlots(f, SIGNING_KEY_DELAY_SLOTS + 1n);
      const slot = await f.registry.currentSlot();
      await expect(
        f.registry.connect(f.reporter).reportMisbehavior(f.id, await proof(f, f.other, f.id, slot)),
      ).to.be.revertedWithCustomError(f.registry, "RegistryInvalidEquivocationProof");
    });
  });

  it("refuses a zero registry or delay at construction", async () => {
    const factory = await ethers.getContractFactory("SigningKeys");
    await expect(factory.deploy(ethers.ZeroAddress, 1n)).to.be.revertedWithCustomError(factory, "SigningKeysInvalidInput");
    await expect(factory.deploy(ethers.Wallet.createRandom().address, 0n)).to.be.revertedWithCustomError(
      factory,
      "SigningKeysInvalidInput",
    );
  });
});
