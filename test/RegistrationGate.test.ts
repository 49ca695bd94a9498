import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SequencerStatus } from "../deploy";
import { registryFixture, register, snapshotState, STAKE_100K, ENDPOINT, PUBLIC_KEY, METADATA } from "./helpers/fixtures";

/** The registry with an {OperatorAllowlistGate} (governed by the suite's governance) set as its registration gate. */
async function gatedFixture() {
  const f = await registryFixture();
  const gate = await (await ethers.getContractFactory("OperatorAllowlistGate")).deploy(f.governanceSigner.address);
  await gate.waitForDeployment();
  await f.registry.connect(f.governanceSigner).setRegistrationGate(await gate.getAddress());
  return { ...f, gate, gateAddress: await gate.getAddress() };
}

describe("Registration gate (optional operator identity check)", () => {
  it("is off by default: anyone registers, and the view says 0", async () => {
    const f = await loadFixture(registryFixture);
    expect(await f.registry.registrationGate()).to.equal(ethers.ZeroAddress);
    expect(await register(f, f.accounts[0])).to.equal(1n);
  });

  it("refuses an unlisted operator with an error naming it and the gate, changing nothing", async () => {
    const f = await loadFixture(gatedFixture);
    const [outsider] = f.accounts;
    const before = await snapshotState(f, [], [outsider.address]);
    await expect(f.registry.connect(outsider).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: STAKE_100K }))
      .to.be.revertedWithCustomError(f.registry, "RegistryOperatorNotAllowed")
      .withArgs(outsider.address, f.gateAddress);
    expect(await snapshotState(f, [], [outsider.address])).to.equal(before);
    expect(await f.registry.sequencerIdOf(outsider.address)).to.equal(0n);
  });

  it("admits a listed operator; delegators are not gated", async () => {
    const f = await loadFixture(gatedFixture);
    const [operator, delegator] = f.accounts;
    await expect(f.gate.connect(f.governanceSigner).setAllowed([operator.address], true))
      .to.emit(f.gate, "OperatorAllowlisted")
      .withArgs(operator.address, true);
    const id = await register(f, operator);
    expect((await f.registry.getSequencer(id)).status).to.equal(SequencerStatus.Active);
    expect(await f.gate.isAllowed(delegator.address)).to.equal(false);
    await expect(f.registry.connect(delegator).delegateStake(id, { value: ethers.parseEther("10") })).to.emit(f.registry, "StakeDelegated");
  });

  it("leaves a running sequencer alone when its operator is delisted, refuses its re-registration, and governance can still eject it", async () => {
    const f = await loadFixture(gatedFixture);
    const [operator] = f.accounts;
    await f.gate.connect(f.governanceSigner).setAllowed([operator.address], true);
    const id = await register(f, operator);
    await f.gate.connect(f.governanceSigner).setAllowed([operator.address], false);
    // Nothing happens to the running sequencer: it tops up and keeps its place in the set.
    await f.registry.connect(operator).increaseStake(id, { value: 1n });
    expect(await f.registry.isActiveSequencer(operator.address)).to.equal(true);
    // Governance removes it through the registry's own path when it must go at once.
    await f.registry.connect(f.governanceSigner).ejectSequencer(id);
    expect((await f.registry.getSequencer(id)).status).to.equal(SequencerStatus.Ejected);
    // After its exit it cannot come back while delisted.
    await f.registry.connect(operator).initiateExit(id);
    await time.increase((await f.registry.getConfig()).exitDelay);
    await f.registry.connect(operator).completeExit(id);
    await expect(f.registry.connect(operator).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: STAKE_100K }))
      .to.be.revertedWithCustomError(f.registry, "RegistryOperatorNotAllowed")
      .withArgs(operator.address, f.gateAddress);
  });

  it("lets governance remove the gate at once", async () => {
    const f = await loadFixture(gatedFixture);
    await expect(f.registry.connect(f.governanceSigner).setRegistrationGate(ethers.ZeroAddress))
      .to.emit(f.registry, "RegistrationGateUpdated")
      .withArgs(ethers.ZeroAddress);
    expect(await register(f, f.accounts[0])).to.equal(1n);
  });

  describe("attacks", () => {
    it("nobody but governance sets or removes the gate", async () => {
      const f = await loadFixture(gatedFixture);
      const [attacker] = f.accounts;
      for (const gate of [ethers.ZeroAddress, f.gateAddress]) {
        await expect(f.registry.connect(attacker).setRegistrationGate(gate)).to.be.revertedWithCustomError(
          f.registry,
          "AccessControlUnauthorizedAccount",
        );
      }
      expect(await f.registry.registrationGate()).to.equal(f.gateAddress);
    });

    it("nobody but the list's governance lists an operator", async () => {
      const f = await loadFixture(gatedFixture);
      const [attacker] = f.accounts;
      await expect(f.gate.connect(attacker).setAllowed([attacker.address], true)).to.be.revertedWithCustomError(
        f.gate,
        "AccessControlUnauthorizedAccount",
      );
      await expect(
        f.registry.connect(attacker).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: STAKE_100K }),
      ).to.be.revertedWithCustomError(f.registry, "RegistryOperatorNotAllowed");
    });

    it("a reverting gate blocks registrations only until governance replaces it", async () => {
      const f = await loadFixture(registryFixture);
      const broken = await (await ethers.getContractFactory("RevertingRegistrationGate")).deploy();
      await f.registry.connect(f.governanceSigner).setRegistrationGate(await broken.getAddress());
      await expect(
        f.registry.connect(f.accounts[0]).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: STAKE_100K }),
      ).to.be.revertedWithCustomError(broken, "GateDown");
      await f.registry.connect(f.governanceSigner).setRegistrationGate(ethers.ZeroAddress);
      expect(await register(f, f.accounts[0])).to.equal(1n);
    });

    it("a gate cannot write state (or reenter) while it answers: the registry asks with a static call", async () => {
      const f = await loadFixture(registryFixture);
      const stateful = await (await ethers.getContractFactory("StatefulRegistrationGate")).deploy();
      await f.registry.connect(f.governanceSigner).setRegistrationGate(await stateful.getAddress());
      await expect(f.registry.connect(f.accounts[0]).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: STAKE_100K })).to.be
        .reverted;
      expect(await stateful.asked()).to.equal(0n);
      expect(await f.registry.totalSequencers()).to.equal(0n);
    });

    it("refuses an account without code as a gate (it would answer nothing)", async () => {
      const f = await loadFixture(registryFixture);
      const eoa = f.accounts[5].address;
      await expect(f.registry.connect(f.governanceSigner).setRegistrationGate(eoa))
        .to.be.revertedWithCustomError(f.registry, "RegistryGateNotContract")
        .withArgs(eoa);
      expect(await f.registry.registrationGate()).to.equal(ethers.ZeroAddress);
    });
  });

  describe("OperatorAllowlistGate", () => {
    it("applies a batch whole or not at all: a zero address, an unchanged entry or an empty batch reverts it", async () => {
      const f = await loadFixture(gatedFixture);
      const [a, b] = f.accounts;
      const gov = f.gate.connect(f.governanceSigner);
      await expect(gov.setAllowed([a.address, ethers.ZeroAddress], true)).to.be.revertedWithCustomError(f.gate, "AllowlistZeroAddress");
      expect(await f.gate.isAllowed(a.address)).to.equal(false);
      await gov.setAllowed([a.address], true);
      await expect(gov.setAllowed([b.address, a.address], true))
        .to.be.revertedWithCustomError(f.gate, "AllowlistUnchanged")
        .withArgs(a.address, true);
      expect(await f.gate.isAllowed(b.address)).to.equal(false);
      await expect(gov.setAllowed([], true)).to.be.revertedWithCustomError(f.gate, "AllowlistEmptyBatch");
      await expect(gov.setAllowed([a.address], false))
        .to.emit(f.gate, "OperatorAllowlisted")
        .withArgs(a.address, false);
      expect(await f.gate.isAllowed(a.address)).to.equal(false);
    });

    it("refuses a zero admin", async () => {
      const factory = await ethers.getContractFactory("OperatorAllowlistGate");
      await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(factory, "AllowlistZeroAddress");
    });
  });
});
