import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { registryFixture, register, snapshotState, type RegistryFixture } from "../helpers/fixtures";
import { expectRegionBookkeeping, rotateNow, setRegionCap } from "../helpers/regions";

const E = (n: number | string) => ethers.parseEther(String(n));
const UNIT = E(100_000) / 10n ** 15n; // one 100,000 LUX sequencer's weight

/** Every region's Active weight is within the cap of the total. */
async function expectWithinCap(f: RegistryFixture, regions: number[], capBps: bigint) {
  const total = await f.lens.totalActiveWeight();
  for (const r of regions) {
    const [weight] = await f.lens.regionOf(r);
    expect(weight * 10_000n, `region ${r}`).to.be.at.most(capBps * total);
  }
}

/**
 * Attacker: an operator (or a whale with many operator addresses) who wants more than its region's share of the
 * Active stake, or consecutive turns for one region, or to brick rotation with tags. Tags are self-declared claims:
 * an operator can always claim a region it is not in; what the registry guarantees is that the declared regions obey
 * the cap and the rotation rule, whatever the order and number of declarations.
 */
describe("Attacks on network diversity (region tags, cap, rotation rule)", () => {
  // 1: untagged (current); 2, 3: region 1 (the attacker's); 4: region 2; 5: region 3. Cap 40%.
  async function capped() {
    const f = await registryFixture();
    for (let i = 0; i < 5; i++) await register(f, f.accounts[i]);
    await f.registry.connect(f.accounts[1]).setTags(2, 1, 0);
    await f.registry.connect(f.accounts[2]).setTags(3, 1, 0);
    await f.registry.connect(f.accounts[3]).setTags(4, 2, 0);
    await f.registry.connect(f.accounts[4]).setTags(5, 3, 0);
    await setRegionCap(f, 4000); // region 1 holds 2 of 5 = 40%: at the cap
    return f;
  }

  it("a region at the cap takes no delegation, top-up or newcomer, and every try leaves state unchanged", async () => {
    const f = await loadFixture(capped);
    const d = f.accounts[20];
    const before = await snapshotState(f, [2n, 3n], [d.address]);
    await expect(f.registry.connect(d).delegateStake(2, { value: E(1) }))
      .to.be.revertedWithCustomError(f.registry, "RegistryRegionCapExceeded")
      .withArgs(1, 2n * UNIT + 1000n, 5n * UNIT + 1000n);
    await expect(f.registry.connect(f.accounts[2]).increaseStake(3, { value: E(5) })).to.be.revertedWithCustomError(
      f.registry,
      "RegistryRegionCapExceeded",
    );
    expect(await snapshotState(f, [2n, 3n], [d.address])).to.equal(before);
  });

  it("retagging cannot dodge the cap: moving out frees the old region, moving back in is checked", async () => {
    const f = await loadFixture(capped);
    // The attacker moves 3 to region 2 (2 of 5: at the cap there too), then tries to grow 3 there: rejected.
    const exitDelay = (await f.registry.getConfig()).exitDelay; // an Active sequencer moves once per exit delay
    await time.increase(exitDelay);
    await f.registry.connect(f.accounts[2]).setTags(3, 2, 0);
    await expect(f.registry.connect(f.accounts[20]).delegateStake(3, { value: E(1) })).to.be.revertedWithCustomError(
      f.registry,
      "RegistryRegionCapExceeded",
    );
    // Region 1 has room now (1 of 5): the attacker grows 2 there up to the cap, then tries to bring 3 back.
    await f.registry.connect(f.accounts[20]).delegateStake(2, { value: E(60_000) }); // 1.6 of 5.6 < 40%
    await time.increase(exitDelay);
    await expect(f.registry.connect(f.accounts[2]).setTags(3, 1, 0))
      .to.be.revertedWithCustomError(f.registry, "RegistryRegionCapExceeded")
      .withArgs(1, (UNIT * 26n) / 10n, (UNIT * 56n) / 10n);
    await expectWithinCap(f, [0, 1, 2, 3], 4000n);
    await expectRegionBookkeeping(f, [0, 1, 2, 3]);
  });

  it("a whale splitting its stake over many sequencers of one region stops at the cap", async () => {
    const f = await loadFixture(capped);
    await setRegionCap(f, 5000);
    // Region 1 (2 of 5) is the whale's: it registers tagged sequencers there until the cap says no.
    let joined = 0;
    for (let i = 10; i < 16; i++) {
      const op = f.accounts[i];
      await f.registry.connect(op).registerSequencer("enode://whale", "0x", "0x", { value: E(1) });
      const id = await f.registry.sequencerIdOf(op.address);
      await f.registry.connect(op).setTags(id, 1, 0);
      try {
        await (await f.registry.connect(op).increaseStake(id, { value: E(99_999) })).wait();
        joined++;
      } catch (e) {
        expect(String(e)).to.contain("RegistryRegionCapExceeded");
      }
    }
    expect(joined).to.equal(1); // 3 of 6 is the cap; 4 of 7 is not
    await expectWithinCap(f, [0, 1, 2, 3], 5000n);
  });

  it("untagged sequencers are one region (0): registering many of them stops at the cap", async () => {
    const f = await loadFixture(capped);
    // Region 0 has 1 of 5. Untagged newcomers: 2 of 6, 3 of 7 ≤ 40%? 3/7 = 42.9% > 40%: the second one is refused.
    await register(f, f.accounts[10]);
    await expect(
      f.registry.connect(f.accounts[11]).registerSequencer("enode://u", "0x", "0x", { value: E(100_000) }),
    ).to.be.revertedWithCustomError(f.registry, "RegistryRegionCapExceeded");
    await expectWithinCap(f, [0, 1, 2, 3], 4000n);
  });

  it("the current sequencer and the announced successor cannot retag to steer the next hand-over", async () => {
    const f = await loadFixture(capped);
    // Current 1 (region 0) would like to claim region 1 so that the rule skips region 1's members, or vice versa.
    await expect(f.registry.connect(f.accounts[0]).setTags(1, 1, 0)).to.be.revertedWithCustomError(f.registry, "RegistryTagsLocked");
    await f.registry.selectNextSequencer();
    const announced = await f.registry.drawTurnId();
    const op = await ethers.getSigner(await f.registry.operatorOf(announced));
    await expect(f.registry.connect(op).setTags(announced, 0, 0)).to.be.revertedWithCustomError(f.registry, "RegistryTagsLocked");
    // The announcement holds: the announced one takes the turn.
    expect(await rotateNow(f)).to.equal(announced);
    // Once the hand-over is done the old current is free to retag.
    await f.registry.connect(f.accounts[0]).setTags(1, 3, 0);
  });

  it("an attacker's same-region sequencers never serve back to back while another region is Active", async () => {
    const f = await loadFixture(capped);
    await setRegionCap(f, 0);
    // Ten more sequencers in the attacker's region 1, registered consecutively.
    for (let i = 10; i < 20; i++) {
      const op = f.accounts[i];
      const id = await register(f, op);
      await f.registry.connect(op).setTags(id, 1, 0);
    }
    let prev = await f.registry.currentSequencerId();
    let region1Turns = 0;
    for (let i = 0; i < 16; i++) {
      const next = await rotateNow(f);
      const [a, b] = [(await f.registry.getSequencer(prev)).region, (await f.registry.getSequencer(next)).region];
      expect(b, `turn ${i}`).to.not.equal(a);
      if (b === 1n) region1Turns++;
      prev = next;
    }
    // Four regions take turns: 12 of 15 Active sequencers win only a quarter of the turns.
    expect(region1Turns).to.equal(4);
  });

  it("the rule never bricks rotation: one region left, a 1 bp cap, an empty region cursor", async () => {
    const f = await loadFixture(capped);
    await setRegionCap(f, 1);
    // Every sequencer but the attacker's two leaves; the rule has no other region and must not block.
    await f.registry.connect(f.governanceSigner).suspendSequencer(4);
    await f.registry.connect(f.accounts[4]).initiateExit(5);
    await f.registry.connect(f.accounts[0]).initiateExit(1); // current leaves mid-turn: 2 (region 1) takes over
    expect(await f.registry.currentSequencerId()).to.equal(2n);
    expect(await rotateNow(f)).to.equal(3n); // same region: no other is Active
    expect(await rotateNow(f)).to.equal(2n);
    await expectRegionBookkeeping(f, [0, 1, 2, 3]);
  });
});
