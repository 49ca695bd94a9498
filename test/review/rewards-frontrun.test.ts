import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployRegistryFixture } from "../helpers/fixtures";

const E = (n: number | string) => ethers.parseEther(String(n));

/**
 * Findings on reward distribution: the commission and the share count that `distributeRewards` applies are read at
 * the moment of the payment, and both can be changed by a transaction placed just before it.
 */
describe("Review: front-running distributeRewards", () => {
  async function pool() {
    const f = await deployRegistryFixture();
    const [op, delegator, payer, sniper] = f.accounts;
    await f.registry.connect(op).registerSequencer("enode://op", "0x02", "0x", { value: E(100) });
    await f.registry.connect(delegator).delegateStake(1, { value: E(500) });
    return { f, op, delegator, payer, sniper };
  }

  it("an operator cannot raise its commission for one payment and lower it again (delegators get the advertised split)", async () => {
    const { f, op, delegator, payer } = await loadFixture(pool);
    const advertised = (await f.lens.getPool(1)).commissionBps;
    // The fee payer's distributeRewards(1, 10 LUX) is in the mempool; the operator sandwiches it.
    await f.registry.connect(op).setCommission(1, 5000); // maxCommissionBps
    await f.registry.connect(payer).distributeRewards(1, { value: E(10) });
    await f.registry.connect(op).setCommission(1, 1000);
    expect((await f.lens.getPool(1)).commissionBps).to.equal(advertised);

    const got = await f.registry.connect(delegator).claimRewards.staticCall(1);
    // At the advertised 10%: 10 × 0.99 × 0.9 × 500/600 = 7.425 LUX.
    const fair = (((((E(10) * 99n) / 100n) * 9000n) / 10000n) * 500n) / 600n;
    expect(got, "delegator's reward").to.be.gte(fair - 10n);
  });
});
