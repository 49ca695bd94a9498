import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SequencerStatus } from "../../deploy";
import { registryFixture, register, equivocationProof, STAKE_100K, ENDPOINT, PUBLIC_KEY, METADATA } from "../helpers/fixtures";

// LP-504 "Test Cases → Registry Operations", mirrored with the spec's scenarios and assertions.
describe("Sequencer Registry (LP-504 spec test cases)", () => {
  it("should register sequencer with stake", async () => {
    const { registry, accounts } = await loadFixture(registryFixture);
    const stake = ethers.parseEther("100000"); // 100k LUX
    const publicKey = PUBLIC_KEY;
    const metadata = METADATA;

    await registry.connect(accounts[0]).registerSequencer("enode://abc@1.2.3.4:30303", publicKey, metadata, { value: stake });

    const info = await registry.getSequencer(1);
    expect(info.stake).to.equal(stake);
    expect(info.status).to.equal(SequencerStatus.Active);
  });

  it("should rotate sequencers based on period", async () => {
    const f = await loadFixture(registryFixture);
    const { registry, accounts } = f;
    const rotationPeriod = (await registry.getConfig()).rotationPeriod;
    // Register multiple sequencers
    for (let i = 0; i < 5; i++) {
      await register(f, accounts[i]);
    }

    const initialSequencer = await registry.getActiveSequencer();

    // Advance time
    await time.increase(rotationPeriod);
    await registry.rotateSequencer();

    const newSequencer = await registry.getActiveSequencer();
    expect(newSequencer).to.not.equal(initialSequencer);
  });

  it("should slash misbehaving sequencer", async () => {
    const f = await loadFixture(registryFixture);
    const { registry, accounts } = f;
    const operator = accounts[0];
    await registry.connect(operator).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: STAKE_100K });
    const initialStake = STAKE_100K;

    const sequencerId = 1;
    // generateFraudProof(): the operator signed two different blocks for the same slot.
    const evidence = await equivocationProof(f, operator, BigInt(sequencerId));

    await registry.reportMisbehavior(sequencerId, evidence);
    await registry.slash(sequencerId, ethers.parseEther("10000"));

    const info = await registry.getSequencer(sequencerId);
    expect(info.status).to.equal(SequencerStatus.Suspended);
    expect(info.stake).to.be.lt(initialStake);
  });
});
