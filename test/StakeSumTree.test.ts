import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { modelDraw } from "./helpers/draw";

/** A small deterministic PRNG (mulberry32) so the test is reproducible. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("StakeSumTree", () => {
  async function harness() {
    return (await ethers.getContractFactory("StakeSumTreeHarness")).deploy();
  }

  it("should match a model under random sets, growing its depth as positions grow", async () => {
    const tree = await loadFixture(harness);
    const rand = rng(504);
    const model = new Map<number, bigint>();
    for (let step = 0; step < 120; step++) {
      const position = Math.floor(rand() * (step < 60 ? 20 : 300));
      const weight = rand() < 0.2 ? 0n : BigInt(Math.floor(rand() * 1e9));
      await tree.set(position, weight);
      model.set(position, weight);
    }
    const total = [...model.values()].reduce((a, b) => a + b, 0n);
    expect(await tree.total()).to.equal(total);
    const maxPos = Math.max(...model.keys());
    // Capacity 4 · 8^(depth − 1): a top slot of four lanes over nodes of eight.
    let depth = 1;
    while (4 * 8 ** (depth - 1) <= maxPos) depth++;
    expect(await tree.depth()).to.equal(BigInt(depth));
    for (const [p, w] of model) expect(await tree.get(p)).to.equal(w);

    // find(point) returns the leaf whose cumulative range contains the point: check every boundary.
    let prefix = 0n;
    const positions = [...model.keys()].sort((a, b) => a - b);
    for (const p of positions) {
      const w = model.get(p)!;
      if (w === 0n) continue;
      expect(await tree.find(prefix)).to.equal(BigInt(p));
      expect(await tree.find(prefix + w - 1n)).to.equal(BigInt(p));
      prefix += w;
    }
    await expect(tree.find(total)).to.be.revertedWithCustomError(tree, "StakeSumTreePointOutOfRange").withArgs(total, total);
  });

  it("should reject lanes beyond 2^48 − 1", async () => {
    const tree = await loadFixture(harness);
    const max = 2n ** 48n - 1n;
    await expect(tree.set(2, max + 1n)).to.be.revertedWithCustomError(tree, "StakeSumTreeOverflow");
    await tree.set(0, max);
    await tree.set(1, 1); // the top slot's lanes may sum past a lane: the top level's total is a uint256
    expect(await tree.total()).to.equal(max + 1n);
    // Growing would store that total in one parent lane: rejected.
    await expect(tree.set(4, 1)).to.be.revertedWithCustomError(tree, "StakeSumTreeOverflow");
    await tree.set(1, 0);
    await tree.set(4, 0); // grows the tree: total 2^48 − 1 still fits a lane
    // Leaves 0–7 (one node: two slots) now share one parent lane, which would pass 2^48 − 1, from either slot.
    await expect(tree.set(1, 1)).to.be.revertedWithCustomError(tree, "StakeSumTreeOverflow");
    await expect(tree.set(5, 1)).to.be.revertedWithCustomError(tree, "StakeSumTreeOverflow");
    await tree.set(9, 1); // another parent lane: fine
    expect(await tree.total()).to.equal(max + 1n);
  });

  it("should treat an empty tree as total 0", async () => {
    const tree = await loadFixture(harness);
    expect(await tree.total()).to.equal(0n);
    await tree.set(5, 0);
    expect(await tree.depth()).to.equal(0n);
    await expect(tree.find(0)).to.be.revertedWithCustomError(tree, "StakeSumTreePointOutOfRange");
  });

  describe("snapshots", () => {
    /** Deterministic pseudo-random numbers (a 32-bit LCG), so a failure reproduces. */
    function lcg(seed: number) {
      let x = seed >>> 0;
      return (n: number) => {
        x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
        return x % n;
      };
    }

    it("should draw from the weights frozen at opening, whatever is written (and grown) before closing", async () => {
      const tree = await loadFixture(harness);
      const next = lcg(504);
      const weights: bigint[] = Array.from({ length: 40 }, () => BigInt(next(1000)));
      for (let p = 0; p < weights.length; p++) if (weights[p] !== 0n) await tree.set(p, weights[p]);
      for (let round = 0; round < 3; round++) {
        await tree.openSnapshot();
        const frozen = Array.from(weights, (w) => w ?? 0n);
        // Writes of every kind: raises, cuts to zero, new positions beyond the depth (growth), the same node twice.
        for (let k = 0; k < 25; k++) {
          const p = next(5) === 0 ? 40 + next(200) : next(40);
          const w = next(3) === 0 ? 0n : BigInt(next(5000));
          await tree.set(p, w);
          weights[p] = w;
        }
        for (let i = 0; i < 12; i++) {
          const seed = BigInt(ethers.id(`round ${round} draw ${i}`));
          const excluded = next(4) === 0 ? 2n ** 200n : BigInt(next(40));
          const expected = modelDraw(frozen, seed, excluded >= 2n ** 128n ? -1 : Number(excluded));
          const [found, position] = await tree.drawSnapshot(seed, excluded);
          expect([found, found ? Number(position) : -1]).to.deep.equal([expected >= 0, expected]);
        }
        await tree.closeSnapshot();
        // Closed: draws read the current weights.
        const current = Array.from(weights, (w) => w ?? 0n);
        for (let i = 0; i < 6; i++) {
          const seed = BigInt(ethers.id(`round ${round} after ${i}`));
          const [, position] = await tree.drawSnapshot(seed, 2n ** 200n);
          expect(Number(position)).to.equal(modelDraw(current, seed, -1));
        }
      }
    });
  });
});
