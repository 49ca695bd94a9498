import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SequencerStatus } from "../../deploy";
import { deployRegistryFixture, equivocationProof, type RegistryFixture } from "../helpers/fixtures";

const E = (n: number | string) => ethers.parseEther(String(n));

/**
 * Attacker: a sequencer operator (with any number of other addresses). Goals it must not reach: profit from the
 * punishment of its own sequencer, make its delegators pay again and again for one offence, or escape punishment
 * for an offence committed while it held the duty.
 */
describe("Attacks by an operator", () => {
  // Operator #1 with 100 LUX of its own and 1,000 LUX delegated (the 10x cap); an honest #2.
  async function delegatedPool() {
    const f = await deployRegistryFixture();
    const [op, second, delegator, other] = f.accounts;
    await f.registry.connect(op).registerSequencer("enode://attacker", "0x02", "0x", { value: E(100) });
    await f.registry.connect(other).registerSequencer("enode://honest", "0x02", "0x", { value: E(100) });
    await f.registry.connect(delegator).delegateStake(1, { value: E(1000) });
    return { f, op, second, delegator };
  }

  /** Tries to report `id`'s equivocation at the current slot; true if a punishment happened. */
  async function tryReport(f: RegistryFixture, signer: (typeof f.accounts)[number], id: bigint, reporter: (typeof f.accounts)[number]) {
    const evidence = await equivocationProof(f, signer, id);
    try {
      await (await f.registry.connect(reporter).reportMisbehavior(id, evidence)).wait();
      return true;
    } catch {
      return false;
    }
  }

  /** What an address owns in the registry, in wei: withdrawable balance + bonded value + pending unbonding. */
  async function holdings(f: RegistryFixture, account: string, requestIds: bigint[] = []) {
    let total = await f.registry.withdrawableBalance(account);
    total += (await f.lens.delegationOf(1, account))[1];
    for (const r of requestIds) {
      const u = await f.lens.getUnbonding(r).catch(() => undefined);
      if (!u) continue;
      const pool = await f.lens.getPool(u.sequencerId);
      total += (u.shares * pool.unbondingStake) / pool.unbondingShares;
    }
    return total;
  }

  it("an operator cannot profit by reporting its own sequencer from a second address, slot after slot", async () => {
    const { f, op, second } = await loadFixture(delegatedPool);
    const before = (await holdings(f, op.address)) + (await holdings(f, second.address));
    let punished = 0;
    for (let i = 0; i < 30; i++) {
      if (await tryReport(f, op, 1n, second)) punished++;
      await time.increase(12); // next slot, new commitments
    }
    expect(punished).to.equal(1); // one offence window, then it no longer holds the duty
    const after = (await holdings(f, op.address)) + (await holdings(f, second.address));
    // Lost 10 LUX of its own stake, was paid 10% of that: the attack costs it 9 LUX.
    expect(after - before).to.equal(-E(9));
    expect(after).to.be.lt(before);
  });

  it("an operator cannot drain a delegator who undelegates right after the first report", async () => {
    const { f, op, second, delegator } = await loadFixture(delegatedPool);
    expect(await tryReport(f, op, 1n, second)).to.equal(true);
    const shares = (await f.lens.delegationOf(1, delegator.address))[0];
    const receipt = await (await f.registry.connect(delegator).undelegate(1, shares)).wait();
    const requestId = receipt!.logs.map((l) => f.registry.interface.parseLog(l)).find((l) => l?.name === "UndelegationQueued")!.args
      .requestId;
    // Suspended, then exiting, then after its own exit is withdrawn: it keeps signing and reporting.
    for (let i = 0; i < 10; i++) {
      expect(await tryReport(f, op, 1n, second)).to.equal(false);
      await time.increase(12);
    }
    await time.increase(86400); // past the suspension cooldown
    await f.registry.connect(op).initiateExit(1);
    for (let i = 0; i < 10; i++) {
      expect(await tryReport(f, op, 1n, second)).to.equal(false);
      await time.increase(12);
    }
    await time.increase(8 * 86400);
    await f.registry.connect(op).completeExit(1);
    expect(await tryReport(f, op, 1n, second)).to.equal(false);
    // Exactly one slash of 10%: 900 of 1,000 LUX.
    await f.registry.connect(delegator).withdrawUnbonding(requestId);
    expect(await holdings(f, delegator.address, [requestId])).to.equal(E(900));
  });

  it("an exited operator cannot be made to pay, nor make its delegators pay, for commitments signed after it left", async () => {
    const { f, op, second, delegator } = await loadFixture(delegatedPool);
    await f.registry.connect(op).initiateExit(1);
    await time.increase(24);
    const before = await f.lens.getPool(1);
    const evidence = await equivocationProof(f, op, 1n);
    const slot = await f.registry.currentSlot();
    await expect(f.registry.connect(second).reportMisbehavior(1, evidence)).to.be.revertedWithCustomError(
      f.registry,
      "RegistryEvidenceOutsideDuty",
    );
    expect(await f.lens.getPool(1)).to.deep.equal(before);
    expect(slot).to.be.gt(0n);
    expect((await f.lens.delegationOf(1, delegator.address))[1]).to.equal(E(1000));
  });

  it("an operator cannot escape the punishment of an offence by leaving the set after it", async () => {
    const { f, op, second } = await loadFixture(delegatedPool);
    const evidence = await equivocationProof(f, op, 1n); // while Active
    await f.registry.connect(op).initiateExit(1);
    await time.increase(3600);
    await expect(f.registry.connect(second).reportMisbehavior(1, evidence)).to.emit(f.registry, "EquivocationProven");
    expect((await f.registry.getSequencer(1)).stake).to.equal(E(90)); // its exiting stake was slashed too
  });

  it("a sequencer registered below the minimum cannot be framed for slots before it ever held the duty", async () => {
    const f = await loadFixture(deployRegistryFixture);
    const [op, reporter] = f.accounts;
    await f.registry.connect(op).registerSequencer("enode://late", "0x02", "0x", { value: E(60) }); // Inactive
    const early = await equivocationProof(f, op, 1n);
    await time.increase(120);
    await f.registry.connect(op).increaseStake(1, { value: E(40) }); // Active from this slot
    expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Active);
    await expect(f.registry.connect(reporter).reportMisbehavior(1, early)).to.be.revertedWithCustomError(
      f.registry,
      "RegistryEvidenceOutsideDuty",
    );
    expect((await f.registry.getSequencer(1)).stake).to.equal(E(100));
  });
});
