import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySuite, suiteParams, Parameter, SequencerStatus } from "../deploy";
import { deployRegistryFixture, equivocationProof } from "./helpers/fixtures";

const E = (n: string | number) => ethers.parseEther(String(n));

/** Registry paths the main suites do not reach: construction guards, empty-set views, exits meeting slashes. */
describe("SequencerRegistry: edge cases", () => {
  async function three() {
    const f = await deployRegistryFixture();
    for (let i = 0; i < 3; i++) await f.registry.connect(f.accounts[i]).registerSequencer(`enode://${i}`, "0x02", "0x", { value: E(1000) });
    return f;
  }

  it("refuses a zero admin and a zero weight unit at construction", async () => {
    await expect(deploySuite(hre, suiteParams({ registry: { weightUnit: 0n } }))).to.be.rejectedWith("RegistryInvalidInit");
    const suite = await deploySuite(hre, suiteParams());
    const factory = await ethers.getContractFactory("SequencerRegistry", {
      libraries: {
        "contracts/libraries/RegistryParametersLib.sol:RegistryParametersLib": await suite.registryParametersLib.getAddress(),
        "contracts/libraries/RegistryIndexLib.sol:RegistryIndexLib": await suite.registryIndexLib.getAddress(),
      },
    });
    const r = suite.params.registry;
    const init = {
      admin: ethers.ZeroAddress,
      config: r.config,
      parameters: { ...r.parameters, fallbackSequencer: suite.governance },
      slotDuration: r.slotDuration,
      weightUnit: r.weightUnit,
    };
    await expect(factory.deploy(init)).to.be.revertedWithCustomError(suite.registry, "RegistryZeroAddress");
  });

  it("answers the selection views sensibly with nobody active and for id 0", async () => {
    const f = await deployRegistryFixture();
    expect(await f.registry.nextActiveSequencer(0)).to.equal(0n);
    expect(await f.registry.bestPerformer(0)).to.deep.equal([0n, 0n]);
    expect(await f.registry.drawByStake(0, 0)).to.equal(0n);
    expect(await f.lens.weightOf(0)).to.equal(0n);
    await f.registry.connect(f.accounts[0]).registerSequencer("enode://a", "0x02", "0x", { value: E(1000) });
    await f.registry.connect(f.accounts[1]).registerSequencer("enode://b", "0x02", "0x", { value: E(1) }); // Inactive
    expect(await f.registry.nextActiveSequencer(0)).to.equal(1n); // the head
    expect(await f.registry.nextActiveSequencer(2)).to.equal(1n); // not Active: the head
    // The only sequencer with weight: every draw names it, and excluding it leaves nobody.
    expect(await f.registry.drawByStake(ethers.MaxUint256, 0)).to.equal(1n);
    expect(await f.registry.drawByStake(12345, 1)).to.equal(0n);
  });

  it("names the best performer other than any excluded id, as a brute-force search over the scores would", async () => {
    const f = await deployRegistryFixture();
    const n = 21; // three levels of the 4-ary tree
    for (let i = 0; i < n; i++) {
      await f.registry.connect(f.accounts[i]).registerSequencer(`enode://${i}`, "0x02", "0x", { value: E(100) });
    }
    await f.registry.grantRole(await f.registry.MONITOR_ROLE(), f.governanceSigner.address);
    // Scores with ties at the top and elsewhere, all set in one block (so decay treats them alike).
    const scores = Array.from({ length: n }, (_, i) => [9_000, 4_000, 9_000, 7_500, 100][(i * 7) % 5] + ((i * 13) % 3) * 10);
    await ethers.provider.send("evm_setAutomine", [false]);
    try {
      for (let i = 0; i < n; i++) await f.registry.updatePerformance(i + 1, scores[i]);
      await ethers.provider.send("evm_mine", []);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    for (let excluded = 0; excluded <= n + 1; excluded++) {
      let best = 0;
      for (let id = 1; id <= n; id++) if (id !== excluded && (best === 0 || scores[id - 1] > scores[best - 1])) best = id;
      const [id, score] = await f.registry.bestPerformer(excluded);
      expect([id, score]).to.deep.equal([BigInt(best), BigInt(scores[best - 1])], `excluding ${excluded}`);
    }
  });

  it("keeps a score for a sequencer outside the set without ranking it", async () => {
    const f = await loadFixture(three);
    await f.registry.grantRole(await f.registry.MONITOR_ROLE(), f.governanceSigner.address);
    await f.registry.connect(f.accounts[5]).registerSequencer("enode://low", "0x02", "0x", { value: E(1) }); // Inactive, #4
    await f.registry.updatePerformance(4, 9_000);
    expect((await f.registry.getSequencer(4)).performanceScore).to.equal(9_000n);
    expect((await f.registry.bestPerformer(0))[0]).to.not.equal(4n);
  });

  it("refuses to evict an exiting or already ejected sequencer, and a zero insurance deposit", async () => {
    const f = await loadFixture(three);
    await f.registry.connect(f.accounts[0]).initiateExit(1);
    await expect(f.registry.ejectSequencer(1))
      .to.be.revertedWithCustomError(f.registry, "RegistryInvalidStatus")
      .withArgs(1n, SequencerStatus.Exiting);
    await f.registry.ejectSequencer(2);
    await expect(f.registry.ejectSequencer(2))
      .to.be.revertedWithCustomError(f.registry, "RegistryInvalidStatus")
      .withArgs(2n, SequencerStatus.Ejected);
    await expect(f.registry.fundInsurance()).to.be.revertedWithCustomError(f.registry, "RegistryZeroAmount");
    await expect(f.registry.depositFees(f.governance)).to.be.revertedWithCustomError(f.registry, "RegistryZeroAmount");
    await expect(f.registry.depositFees(ethers.ZeroAddress, { value: 1n })).to.be.revertedWithCustomError(
      f.registry,
      "RegistryZeroAddress",
    );
  });

  it("slashes an exiting sequencer's unbonding stake without touching its status", async () => {
    const f = await loadFixture(three);
    const dutySlot = await f.registry.currentSlot(); // evidence from its duty, whatever slot the exit lands in
    await f.registry.connect(f.accounts[0]).initiateExit(1);
    const before = await f.lens.getPool(1);
    await f.registry.slash(1, E(900)); // far below the ejection floor: an exiting stake stays exiting
    expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Exiting);
    expect((await f.lens.getPool(1)).unbondingStake).to.equal(before.unbondingStake - E(900));
    // An equivocation by the exiting sequencer slashes too, and does not suspend it.
    const proof = await equivocationProof(f, f.accounts[0], 1n, dutySlot);
    await expect(f.registry.connect(f.accounts[9]).reportMisbehavior(1, proof)).to.emit(f.registry, "EquivocationProven");
    expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Exiting);
  });

  it("with a 1 bp slash on a pool slashed to dust, a proven equivocation records the offence and moves nothing", async () => {
    const f = await deployRegistryFixture(
      suiteParams({ registry: { config: { slashingPercentage: 1n, minStake: E(1) }, parameters: { ejectionStake: E(1) } } }),
    );
    await f.registry.connect(f.accounts[0]).registerSequencer("enode://a", "0x02", "0x", { value: E(1) });
    await f.registry.connect(f.accounts[1]).registerSequencer("enode://b", "0x02", "0x", { value: E(1) });
    const proof = await equivocationProof(f, f.accounts[0], 1n); // signed while it held the duty
    await f.registry.slash(1, E(1) - 1n); // 1 wei left: ejected
    expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Ejected);
    const insurance = await f.registry.insuranceFund();
    await expect(f.registry.connect(f.accounts[9]).reportMisbehavior(1, proof))
      .to.emit(f.registry, "EquivocationProven")
      .withArgs(1n, anySlot(), f.accounts[9].address, 0n, 0n);
    expect(await f.registry.withdrawableBalance(f.accounts[9].address)).to.equal(0n);
    expect(await f.registry.insuranceFund()).to.equal(insurance);
    expect((await f.registry.getSequencer(1)).stake).to.equal(1n);
  });

  it("hands the turn to the designated successor when the active sequencer leaves mid-turn", async () => {
    const f = await loadFixture(three);
    expect(await f.registry.currentSequencerId()).to.equal(1n);
    await f.registry.setParameter(Parameter.SelectionMode, 0);
    await f.registry.selectNextSequencer(); // designates #2
    await f.registry.connect(f.accounts[0]).initiateExit(1);
    expect(await f.registry.currentSequencerId()).to.equal(2n);
    // With no designation, the list order decides.
    await f.registry.connect(f.accounts[1]).initiateExit(2);
    expect(await f.registry.currentSequencerId()).to.equal(3n);
  });
});

function anySlot() {
  return (v: bigint) => typeof v === "bigint";
}
