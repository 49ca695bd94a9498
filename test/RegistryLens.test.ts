import { expect } from "chai";
import { storageLayoutOf } from "./helpers/layout";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { registryFixture, register } from "./helpers/fixtures";

const E = (n: string | number) => ethers.parseEther(String(n));

/** The registry's storage layout as the compiler reports it for the current artifact. */
function registryLayout(): Map<string, number> {
  return new Map(storageLayoutOf("contracts/SequencerRegistry.sol", "SequencerRegistry").storage.map((s) => [s.label, Number(s.slot)]));
}

describe("RegistryLens", () => {
  it("reads the registry at the slots of the compiler's storage layout", async () => {
    const f = await loadFixture(registryFixture);
    const layout = registryLayout();
    expect(await f.lens.SEQUENCERS_SLOT()).to.equal(BigInt(layout.get("_sequencers")!));
    expect(await f.lens.POSITIONS_SLOT()).to.equal(BigInt(layout.get("_positions")!));
    expect(await f.lens.UNBONDINGS_SLOT()).to.equal(BigInt(layout.get("_unbondings")!));
    expect(await f.lens.REWARDS_OUTSTANDING_SLOT()).to.equal(BigInt(layout.get("_rewardsOutstanding")!));
    expect(await f.lens.WEIGHTS_SLOT()).to.equal(BigInt(layout.get("_weights")!));
    expect(layout.get("_operators")).to.equal(0); // the prover's slot
  });

  it("agrees with the registry's own accounting: pools, positions, unbonding, rewards, scores", async () => {
    const f = await loadFixture(registryFixture);
    const [op, d1, d2] = f.accounts;
    await register(f, op, E(1000));
    await f.registry.connect(d1).delegateStake(1, { value: E(500) });
    await f.registry.connect(d2).delegateStake(1, { value: E(300) });
    await f.registry.connect(d2).undelegate(1, E(100));
    await f.registry.connect(f.accounts[5]).distributeRewards(1, { value: E(10) });
    await f.registry.slash(1, E(180)); // 10% of the 1,800 pool

    const pool = await f.lens.getPool(1);
    const info = await f.registry.getSequencer(1);
    // Own bonded value + delegated = bonded stake; the slash took 10% pro rata from both parts.
    expect(pool.bondedStake).to.equal(E(1530));
    expect(pool.unbondingStake).to.equal(E(90));
    expect(pool.operatorShares).to.equal(E(1000));
    expect(pool.commissionBps).to.equal(1000n);
    const [ownShares, ownValue] = await f.lens.delegationOf(1, op.address);
    expect(ownShares).to.equal(pool.operatorShares);
    expect(info.stake).to.equal(ownValue);
    expect(info.delegatedStake).to.equal(pool.bondedStake - ownValue);
    const u = await f.lens.getUnbonding(1);
    expect([u.sequencerId, u.owner, u.shares]).to.deep.equal([1n, d2.address, E(100)]);
    await expect(f.lens.getUnbonding(2)).to.be.revertedWithCustomError(f.registry, "RegistryUnknownUnbonding").withArgs(2n);
    await expect(f.lens.getPool(9)).to.be.revertedWithCustomError(f.registry, "RegistryUnknownSequencer").withArgs(9n);

    // Rewards: 10 LUX less 1% insurance less 10% commission, split by bonded shares (1,000 : 500 : 200).
    const pending = await Promise.all([op, d1, d2].map((a) => f.lens.pendingRewards(1, a.address)));
    const toPool = (((E(10) * 99n) / 100n) * 9n) / 10n;
    expect(pending[0] + pending[1] + pending[2]).to.be.closeTo(toPool, 10n);
    expect(await f.lens.rewardsOutstanding()).to.be.gte(pending[0] + pending[1] + pending[2]);
    await f.registry.connect(d1).claimRewards(1);
    expect(await f.lens.pendingRewards(1, d1.address)).to.equal(0n);

    // The stake index: bonded stake in weight units, and its total.
    const unit = await f.registry.WEIGHT_UNIT();
    expect(await f.lens.weightOf(1)).to.equal(pool.bondedStake / unit);
    expect(await f.lens.totalActiveWeight()).to.equal(pool.bondedStake / unit);
    expect(await f.lens.weightOf(0)).to.equal(0n);
    expect(await f.lens.weightOf(5000)).to.equal(0n); // beyond the tree

    // Scores decay by scoreDecayRate (100 bp) per day.
    await f.registry.grantRole(await f.registry.MONITOR_ROLE(), f.governanceSigner.address);
    await f.registry.updatePerformance(1, 9000);
    await time.increase(3 * 86400);
    expect(await f.registry.performanceOf(1)).to.equal(8700n);
  });
});
