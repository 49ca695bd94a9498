import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployRegistryFixture, equivocationProof } from "../helpers/fixtures";

const E = (n: number | string) => ethers.parseEther(String(n));

/**
 * The delegator's side: what an operator (or anyone) must not be able to do to a delegator, and what a delegator must
 * not be able to do to its pool.
 */
describe("Attacks on and by a delegator", () => {
  async function pool() {
    const f = await deployRegistryFixture();
    const [op, delegator, other, payer] = f.accounts;
    await f.registry.connect(op).registerSequencer("enode://op", "0x02", "0x", { value: E(100) });
    await f.registry.connect(other).registerSequencer("enode://other", "0x02", "0x", { value: E(100) });
    await f.registry.connect(delegator).delegateStake(1, { value: E(900) });
    return { f, op, delegator, payer };
  }

  it("an operator that exits first cannot shift a slash onto its delegators: both parts lose the same share", async () => {
    const { f, op, delegator } = await loadFixture(pool);
    await f.registry.connect(op).initiateExit(1); // the operator's 100 LUX move to the unbonding part
    await f.registry.slash(1, E(100)); // 10% of the 1,000-LUX pool
    expect((await f.lens.delegationOf(1, delegator.address))[1]).to.equal(E(810));
    expect((await f.registry.getSequencer(1)).stake).to.equal(E(90));
  });

  it("a delegator who undelegates right after a proven offence loses exactly one slash", async () => {
    const { f, op, delegator } = await loadFixture(pool);
    await f.registry.reportMisbehavior(1, await equivocationProof(f, op, 1n));
    await f.registry.connect(delegator).undelegate(1, (await f.lens.delegationOf(1, delegator.address))[0]);
    // The operator keeps signing conflicting commitments while suspended: none of it counts.
    for (let i = 0; i < 5; i++) {
      await time.increase(12);
      await expect(f.registry.reportMisbehavior(1, await equivocationProof(f, op, 1n))).to.be.revertedWithCustomError(
        f.registry,
        "RegistryEvidenceOutsideDuty",
      );
    }
    await time.increase(7 * 86400);
    await f.registry.connect(delegator).withdrawUnbonding(1);
    expect(await f.registry.withdrawableBalance(delegator.address)).to.equal(E(810));
  });

  it("an operator cannot raise its commission for a payment its delegators expect at the advertised rate", async () => {
    const { f, op, delegator, payer } = await loadFixture(pool);
    await f.registry.connect(op).setCommission(1, 5000); // queued for exitDelay
    await f.registry.connect(payer).distributeRewards(1, { value: E(100) });
    // 1% insurance, then the advertised 10% commission, then 900/1,000 of the pool's share.
    const expected = (((E(100) * 99n) / 100n) * 9000n) / 10000n;
    expect(await f.lens.pendingRewards(1, delegator.address)).to.be.closeTo((expected * 9n) / 10n, 10n);
  });

  it("a delegator cannot take rewards it was not staked for by claiming twice or re-entering", async () => {
    const { f, delegator, payer } = await loadFixture(pool);
    await f.registry.connect(payer).distributeRewards(1, { value: E(10) });
    const pending = await f.lens.pendingRewards(1, delegator.address);
    await f.registry.connect(delegator).claimRewards(1);
    await expect(f.registry.connect(delegator).claimRewards(1)).to.be.revertedWithCustomError(f.registry, "RegistryZeroAmount");
    expect(await f.registry.withdrawableBalance(delegator.address)).to.equal(pending);
  });
});
