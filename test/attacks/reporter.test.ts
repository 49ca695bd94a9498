import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SequencerStatus } from "../../deploy";
import { buildEquivocationProof } from "../../sdk";
import { deployRegistryFixture, equivocationProof } from "../helpers/fixtures";

const E = (n: number | string) => ethers.parseEther(String(n));
const H = (s: string) => ethers.keccak256(ethers.toUtf8Bytes(s));

/**
 * Attacker: a reporter (watcher). Goals it must not reach: punish a sequencer without its operator's two signatures
 * for one slot of its duty, be paid twice for one offence, or block a punishment it does not like.
 */
describe("Attacks by a reporter", () => {
  async function two() {
    const f = await deployRegistryFixture();
    const [op1, op2] = f.accounts;
    await f.registry.connect(op1).registerSequencer("enode://1", "0x02", "0x", { value: E(100) });
    await f.registry.connect(op2).registerSequencer("enode://2", "0x02", "0x", { value: E(100) });
    return f;
  }

  it("a reporter cannot punish a sequencer with commitments another key signed, or signed for another sequencer", async () => {
    const f = await loadFixture(two);
    const [op1, op2, reporter] = f.accounts;
    const slot = await f.registry.currentSlot();
    const forged = await buildEquivocationProof(reporter, f.registryAddress, f.chainId, 1n, slot, H("a"), H("b"));
    const othersOwn = await buildEquivocationProof(op2, f.registryAddress, f.chainId, 2n, slot, H("a"), H("b"));
    for (const evidence of [forged, othersOwn]) {
      await expect(f.registry.connect(reporter).reportMisbehavior(1, evidence)).to.be.revertedWithCustomError(
        f.registry,
        "RegistryInvalidEquivocationProof",
      );
    }
    expect((await f.registry.getSequencer(1)).stake).to.equal(E(100));
    expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Active);
    expect(op1.address).to.not.equal(reporter.address);
  });

  it("two reporters racing one offence: the first is paid, the second changes nothing", async () => {
    const f = await loadFixture(two);
    const [op1, , first, second] = f.accounts;
    const evidence = await equivocationProof(f, op1, 1n);
    const other = await buildEquivocationProof(op1, f.registryAddress, f.chainId, 1n, await f.registry.currentSlot(), H("x"), H("y"));
    await f.registry.connect(first).reportMisbehavior(1, evidence);
    const paid = await f.registry.withdrawableBalance(first.address);
    expect(paid).to.equal(E(1)); // 10% of the 10-LUX slash of the operator's own stake
    const stake = (await f.registry.getSequencer(1)).stake;
    for (const e of [evidence, other]) {
      await expect(f.registry.connect(second).reportMisbehavior(1, e)).to.be.revertedWithCustomError(
        f.registry,
        "RegistryEquivocationAlreadySlashed",
      );
    }
    expect(await f.registry.withdrawableBalance(second.address)).to.equal(0n);
    expect((await f.registry.getSequencer(1)).stake).to.equal(stake);
  });

  it("a reporter contract that refuses payments cannot block or undo the punishment (the reward is pulled)", async () => {
    const f = await loadFixture(two);
    const evidence = await equivocationProof(f, f.accounts[0], 1n);
    const mock = await (await ethers.getContractFactory("RegistryAccountMock")).deploy(f.registryAddress);
    await mock.setMode(1); // Reject: any value sent to it reverts
    const address = await mock.getAddress();
    await ethers.provider.send("hardhat_setBalance", [address, ethers.toQuantity(E(1))]);
    const reporter = await ethers.getImpersonatedSigner(address);
    await f.registry.connect(reporter).reportMisbehavior(1, evidence);
    expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Suspended);
    expect(await f.registry.withdrawableBalance(address)).to.equal(E(1));
    // Its own refusal only fails its own withdrawal; the balance stays owed.
    await expect(mock.withdrawFromRegistry()).to.be.revertedWithCustomError(f.registry, "RegistryTransferFailed");
    expect(await f.registry.withdrawableBalance(address)).to.equal(E(1));
  });

  it("evidence older than the window, or for a slot not yet begun, punishes nobody", async () => {
    const f = await loadFixture(two);
    const [op1, , reporter] = f.accounts;
    const now = await f.registry.currentSlot();
    const future = await equivocationProof(f, op1, 1n, now + 50n);
    await expect(f.registry.connect(reporter).reportMisbehavior(1, future)).to.be.revertedWithCustomError(
      f.registry,
      "RegistryEvidenceNotYetValid",
    );
    const old = await equivocationProof(f, op1, 1n, now);
    const window = (await f.registry.getParameters()).evidenceWindowSlots;
    await time.increase((window + 2n) * (await f.registry.SLOT_DURATION()));
    await expect(f.registry.connect(reporter).reportMisbehavior(1, old)).to.be.revertedWithCustomError(
      f.registry,
      "RegistryEvidenceExpired",
    );
    expect((await f.registry.getSequencer(1)).stake).to.equal(E(100));
  });
});
