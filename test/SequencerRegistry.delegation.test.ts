import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SequencerStatus } from "../deploy";
import { registryFixture, register, snapshotState, type RegistryFixture } from "./helpers/fixtures";
import { PoolModel } from "./helpers/poolModel";
import { pinNextBlockTime } from "./helpers/time";

const E = (n: string) => ethers.parseEther(n);

async function expectPool(f: RegistryFixture, id: bigint, m: PoolModel, holders: string[]) {
  const pool = await f.lens.getPool(id);
  expect(pool.bondedStake, "bondedStake").to.equal(m.bondedStake);
  expect(pool.bondedShares, "bondedShares").to.equal(m.bondedShares);
  expect(pool.unbondingStake, "unbondingStake").to.equal(m.unbondingStake);
  expect(pool.unbondingShares, "unbondingShares").to.equal(m.unbondingShares);
  expect(await f.registry.insuranceFund(), "insurance").to.equal(m.insurance);
  expect(await f.lens.rewardsOutstanding(), "outstanding").to.equal(m.outstanding);
  for (const h of holders) {
    const [shares, value] = await f.lens.delegationOf(id, h);
    expect(shares, `shares of ${h}`).to.equal(m.shares.get(h) ?? 0n);
    expect(value, `value of ${h}`).to.equal(m.value(h));
    expect(await f.lens.pendingRewards(id, h), `pending of ${h}`).to.equal(m.accrued(h));
    expect(await f.registry.withdrawableBalance(h), `balance of ${h}`).to.equal(m.balances.get(h) ?? 0n);
  }
}

/** Contract balance = pools + balances + insurance + unsettled rewards. */
async function expectSolvent(f: RegistryFixture, ids: bigint[], accounts: string[]) {
  let owed = (await f.registry.insuranceFund()) + (await f.lens.rewardsOutstanding());
  for (const id of ids) {
    const p = await f.lens.getPool(id);
    owed += p.bondedStake + p.unbondingStake;
  }
  for (const a of accounts) owed += await f.registry.withdrawableBalance(a);
  expect(await ethers.provider.getBalance(f.registryAddress)).to.equal(owed);
}

describe("SequencerRegistry: delegation, exits and rewards", () => {
  describe("delegateStake", () => {
    describe("given an Active sequencer", () => {
      it("should mint shares at the pool price and count as delegated stake", async () => {
        const f = await loadFixture(registryFixture);
        const [op, d] = f.accounts;
        await register(f, op, E("1000"));
        await expect(f.registry.connect(d).delegateStake(1, { value: E("500") }))
          .to.emit(f.registry, "StakeDelegated")
          .withArgs(1n, d.address, E("500"));
        const info = await f.registry.getSequencer(1);
        expect(info.stake).to.equal(E("1000"));
        expect(info.delegatedStake).to.equal(E("500"));
        expect(await f.lens.delegationOf(1, d.address)).to.deep.equal([E("500"), E("500")]);
        expect(await f.lens.weightOf(1)).to.equal(E("1500") / (await f.registry.WEIGHT_UNIT()));
      });
    });

    describe("given bad input", () => {
      it("should reject an unknown or non-Active sequencer, a dust delegation, and one over the cap", async () => {
        const f = await loadFixture(registryFixture);
        const [op, inactive, d] = f.accounts;
        await register(f, op, E("100"));
        await register(f, inactive, 1n);
        const before = await snapshotState(f, [1n, 2n], [d.address]);
        await expect(f.registry.connect(d).delegateStake(7, { value: E("1") }))
          .to.be.revertedWithCustomError(f.registry, "RegistryUnknownSequencer")
          .withArgs(7n);
        await expect(f.registry.connect(d).delegateStake(2, { value: E("1") }))
          .to.be.revertedWithCustomError(f.registry, "RegistryInvalidStatus")
          .withArgs(2n, SequencerStatus.Inactive);
        await expect(f.registry.connect(d).delegateStake(1, { value: E("0.5") }))
          .to.be.revertedWithCustomError(f.registry, "RegistryDelegationTooSmall")
          .withArgs(E("0.5"), E("1"));
        // Cap: 10 × own stake of 100.
        await expect(f.registry.connect(d).delegateStake(1, { value: E("1000") + 1n }))
          .to.be.revertedWithCustomError(f.registry, "RegistryDelegationCapExceeded")
          .withArgs(1n, E("1000") + 1n, E("1000"));
        expect(await snapshotState(f, [1n, 2n], [d.address])).to.equal(before);
        await f.registry.connect(d).delegateStake(1, { value: E("1000") }); // exactly the cap
      });
    });
  });

  describe("undelegate and withdrawUnbonding", () => {
    it("should stop the weight at once, keep the stake slashable, and release it after exitDelay", async () => {
      const f = await loadFixture(registryFixture);
      const [op, d] = f.accounts;
      await register(f, op, E("1000"));
      await f.registry.connect(d).delegateStake(1, { value: E("500") });
      const exitDelay = (await f.registry.getConfig()).exitDelay;

      // The next block's timestamp is the latest + 1 (read before sending: automine may seal it at once).
      const release = (await pinNextBlockTime()) + exitDelay;
      const tx = f.registry.connect(d).undelegate(1, E("200"));
      await expect(tx).to.emit(f.registry, "UndelegationQueued").withArgs(1n, 1n, d.address, E("200"), release, E("200"), E("200"));
      expect(await f.lens.weightOf(1)).to.equal(E("1300") / (await f.registry.WEIGHT_UNIT()));
      expect(await f.lens.getUnbonding(1)).to.deep.equal([1n, d.address, E("200"), release]);

      // Still slashable: a 150-LUX slash of the 1,500 pool takes 200 × 150 / 1500 from the queued part.
      await f.registry.connect(f.governanceSigner).slash(1, E("150"));
      const pool = await f.lens.getPool(1);
      expect(pool.unbondingStake).to.equal(E("200") - (E("150") * E("200")) / E("1500"));

      const before = await snapshotState(f, [1n], [d.address]);
      await expect(f.registry.connect(d).withdrawUnbonding(1))
        .to.be.revertedWithCustomError(f.registry, "RegistryUnbondingNotReleased")
        .withArgs(1n, release);
      await expect(f.registry.connect(op).withdrawUnbonding(1))
        .to.be.revertedWithCustomError(f.registry, "RegistryNotUnbondingOwner")
        .withArgs(1n, op.address);
      await expect(f.registry.connect(d).withdrawUnbonding(99))
        .to.be.revertedWithCustomError(f.registry, "RegistryUnknownUnbonding")
        .withArgs(99n);
      expect(await snapshotState(f, [1n], [d.address])).to.equal(before);

      await time.increaseTo(release);
      await expect(f.registry.connect(d).withdrawUnbonding(1)).to.emit(f.registry, "UnbondingWithdrawn").withArgs(1n, d.address, E("180"));
      await expect(f.registry.connect(d).withdraw()).to.changeEtherBalances([d, f.registry], [E("180"), -E("180")]);
      await expect(f.registry.connect(d).withdrawUnbonding(1)).to.be.revertedWithCustomError(f.registry, "RegistryUnknownUnbonding");
      await expectSolvent(f, [1n], [op.address, d.address]);
    });

    it("should reject zero, more shares than held, and an operator dropping below minStake while Active", async () => {
      const f = await loadFixture(registryFixture);
      const [op, d] = f.accounts;
      await register(f, op, E("150"));
      await f.registry.connect(d).delegateStake(1, { value: E("10") });
      const before = await snapshotState(f, [1n], [op.address, d.address]);
      await expect(f.registry.connect(d).undelegate(1, 0)).to.be.revertedWithCustomError(f.registry, "RegistryZeroAmount");
      await expect(f.registry.connect(d).undelegate(1, E("10") + 1n))
        .to.be.revertedWithCustomError(f.registry, "RegistryInsufficientShares")
        .withArgs(E("10") + 1n, E("10"));
      await expect(f.registry.connect(op).undelegate(1, E("51")))
        .to.be.revertedWithCustomError(f.registry, "RegistryOwnStakeBelowMinimum")
        .withArgs(1n, E("99"), E("100"));
      expect(await snapshotState(f, [1n], [op.address, d.address])).to.equal(before);
      await f.registry.connect(op).undelegate(1, E("50")); // partial unstake down to exactly minStake
      expect((await f.registry.getSequencer(1)).stake).to.equal(E("100"));
    });
  });

  describe("initiateExit and completeExit", () => {
    it("should leave the set at once, keep the stake slashable and pay out after exitDelay", async () => {
      const f = await loadFixture(registryFixture);
      const [op, other] = f.accounts;
      await register(f, op, E("1000"));
      await register(f, other, E("1000"));
      const exitDelay = (await f.registry.getConfig()).exitDelay;

      await expect(f.registry.connect(op).initiateExit(1))
        .to.emit(f.registry, "SequencerStatusChanged")
        .withArgs(1n, SequencerStatus.Active, SequencerStatus.Exiting)
        .and.to.emit(f.registry, "ExitInitiated")
        .and.to.emit(f.registry, "SequencerRotated")
        .withArgs(op.address, other.address);
      const release = BigInt(await time.latest()) + exitDelay;
      expect(await f.registry.getSequencerSet()).to.deep.equal([other.address]);
      expect(await f.lens.weightOf(1)).to.equal(0n);
      const info = await f.registry.getSequencer(1);
      expect(info.status).to.equal(SequencerStatus.Exiting);
      expect(info.stake).to.equal(E("1000"));

      await f.registry.connect(f.governanceSigner).slash(1, E("100"));
      expect((await f.registry.getSequencer(1)).stake).to.equal(E("900"));

      await expect(f.registry.connect(op).completeExit(1))
        .to.be.revertedWithCustomError(f.registry, "RegistryUnbondingNotReleased")
        .withArgs(1n, release);
      await expect(f.registry.connect(op).initiateExit(1))
        .to.be.revertedWithCustomError(f.registry, "RegistryInvalidStatus")
        .withArgs(1n, SequencerStatus.Exiting);
      await time.increaseTo(release);
      await expect(f.registry.connect(other).completeExit(1))
        .to.be.revertedWithCustomError(f.registry, "RegistryNotOperator")
        .withArgs(1n, other.address);
      await expect(f.registry.connect(op).completeExit(1)).to.emit(f.registry, "ExitCompleted").withArgs(1n, E("900"));
      await expect(f.registry.connect(op).completeExit(1)).to.be.revertedWithCustomError(f.registry, "RegistryNoExitPending").withArgs(1n);
      expect(await f.registry.sequencerIdOf(op.address)).to.equal(0n);
      await expect(f.registry.connect(op).withdraw()).to.changeEtherBalance(op, E("900"));
      await expectSolvent(f, [1n, 2n], [op.address, other.address]);

      // The operator may come back under a new id; ids are never reused.
      await register(f, op, E("100"));
      expect(await f.registry.sequencerIdOf(op.address)).to.equal(3n);
    });

    it("should let delegators of an exited sequencer undelegate", async () => {
      const f = await loadFixture(registryFixture);
      const [op, d] = f.accounts;
      await register(f, op, E("1000"));
      await f.registry.connect(d).delegateStake(1, { value: E("10") });
      await f.registry.connect(op).initiateExit(1);
      await f.registry.connect(d).undelegate(1, E("10"));
      await time.increase((await f.registry.getConfig()).exitDelay);
      await f.registry.connect(op).completeExit(1);
      await f.registry.connect(d).withdrawUnbonding(2);
      expect(await f.registry.withdrawableBalance(d.address)).to.equal(E("10"));
      expect(await f.registry.withdrawableBalance(op.address)).to.equal(E("1000"));
    });

    it("should reject an exit by someone other than the operator", async () => {
      const f = await loadFixture(registryFixture);
      await register(f, f.accounts[0]);
      await expect(f.registry.connect(f.accounts[1]).initiateExit(1))
        .to.be.revertedWithCustomError(f.registry, "RegistryNotOperator")
        .withArgs(1n, f.accounts[1].address);
      await expect(f.registry.connect(f.accounts[0]).completeExit(1))
        .to.be.revertedWithCustomError(f.registry, "RegistryNoExitPending")
        .withArgs(1n);
    });
  });

  describe("withdraw", () => {
    it("should reject an empty balance, and a receiver that rejects or re-enters, losing nothing", async () => {
      const f = await loadFixture(registryFixture);
      await expect(f.registry.connect(f.accounts[0]).withdraw())
        .to.be.revertedWithCustomError(f.registry, "RegistryNothingToWithdraw")
        .withArgs(f.accounts[0].address);

      const mock = await (await ethers.getContractFactory("RegistryAccountMock")).deploy(f.registryAddress);
      const mockAddress = await mock.getAddress();
      await register(f, f.accounts[0]);
      await f.registry.connect(f.accounts[1]).distributeRewards(1, { value: E("100") });
      await f.registry.connect(f.governanceSigner).payInsurance(mockAddress, E("1"));

      for (const mode of [1, 2]) {
        await mock.setMode(mode);
        await expect(mock.withdrawFromRegistry())
          .to.be.revertedWithCustomError(f.registry, "RegistryTransferFailed")
          .withArgs(mockAddress, E("1"));
        expect(await f.registry.withdrawableBalance(mockAddress)).to.equal(E("1"));
      }
      await mock.setMode(0);
      await expect(mock.withdrawFromRegistry()).to.changeEtherBalances([mock, f.registry], [E("1"), -E("1")]);
    });
  });

  describe("rewards", () => {
    it("should split a payment into insurance, commission and the pool, to the wei", async () => {
      const f = await loadFixture(registryFixture);
      const [op, d, payer] = f.accounts;
      await register(f, op, E("1000"));
      await f.registry.connect(d).delegateStake(1, { value: E("500") });
      // 101 LUX: 1% insurance = 1.01; commission 10% of 99.99 = 9.999; pool 89.991 over 1,500 shares.
      await expect(f.registry.connect(payer).distributeRewards(1, { value: E("101") }))
        .to.emit(f.registry, "RewardsDistributed")
        .withArgs(1n, payer.address, E("101"), E("1.01"), E("9.999"), E("89.991"));
      expect(await f.lens.pendingRewards(1, op.address)).to.equal(E("59.994"));
      expect(await f.lens.pendingRewards(1, d.address)).to.equal(E("29.997"));
      expect(await f.registry.withdrawableBalance(op.address)).to.equal(E("9.999"));
      expect(await f.registry.insuranceFund()).to.equal(E("1.01"));

      await expect(f.registry.connect(d).claimRewards(1)).to.emit(f.registry, "RewardsClaimed").withArgs(1n, d.address, E("29.997"));
      await expect(f.registry.connect(d).claimRewards(1)).to.be.revertedWithCustomError(f.registry, "RegistryZeroAmount");
      await expect(f.registry.connect(d).withdraw()).to.changeEtherBalance(d, E("29.997"));
      await expectSolvent(f, [1n], [op.address, d.address]);
    });

    it("should reject a zero payment, a pool without shares, and an unknown sequencer", async () => {
      const f = await loadFixture(registryFixture);
      const [op] = f.accounts;
      await register(f, op, E("100"));
      await expect(f.registry.distributeRewards(1)).to.be.revertedWithCustomError(f.registry, "RegistryZeroAmount");
      await expect(f.registry.distributeRewards(5, { value: 1n }))
        .to.be.revertedWithCustomError(f.registry, "RegistryUnknownSequencer")
        .withArgs(5n);
      await f.registry.connect(op).initiateExit(1);
      await expect(f.registry.distributeRewards(1, { value: 1n }))
        .to.be.revertedWithCustomError(f.registry, "RegistryNoRewardShares")
        .withArgs(1n);
    });

    it("should let the operator set a commission up to the cap", async () => {
      const f = await loadFixture(registryFixture);
      await register(f, f.accounts[0]);
      // An increase waits exitDelay (delegators may leave first); until then the old commission is in force.
      const exitDelay = (await f.registry.getConfig()).exitDelay;
      const effectiveAt = (await pinNextBlockTime()) + exitDelay;
      await expect(f.registry.connect(f.accounts[0]).setCommission(1, 5000))
        .to.emit(f.registry, "CommissionIncreaseQueued")
        .withArgs(1n, 5000n, effectiveAt);
      expect((await f.lens.getPool(1)).commissionBps).to.equal(1000n);
      await time.increaseTo(effectiveAt);
      expect((await f.lens.getPool(1)).commissionBps).to.equal(5000n);
      // The next payment applies it, and pays it.
      await expect(f.registry.connect(f.accounts[3]).distributeRewards(1, { value: E("100") }))
        .to.emit(f.registry, "CommissionChanged")
        .withArgs(1n, 5000n);
      // A cut applies at once.
      await expect(f.registry.connect(f.accounts[0]).setCommission(1, 2000)).to.emit(f.registry, "CommissionChanged").withArgs(1n, 2000n);
      expect((await f.lens.getPool(1)).commissionBps).to.equal(2000n);
      await expect(f.registry.connect(f.accounts[0]).setCommission(1, 5001))
        .to.be.revertedWithCustomError(f.registry, "RegistryCommissionTooHigh")
        .withArgs(5001n, 5000n);
      await expect(f.registry.connect(f.accounts[1]).setCommission(1, 0))
        .to.be.revertedWithCustomError(f.registry, "RegistryNotOperator")
        .withArgs(1n, f.accounts[1].address);
      expect((await f.lens.getPool(1)).commissionBps).to.equal(2000n);
    });
  });

  describe("share arithmetic across rewards and slashes (to the wei)", () => {
    it("should match an independent model at every step, rounding in the protocol's favour", async () => {
      const f = await loadFixture(registryFixture);
      const [op, a, b, c, payer] = f.accounts;
      const ids = [1n];
      const holders = [op.address, a.address, b.address, c.address];
      const m = new PoolModel(1000n, 100n, op.address);

      // Awkward amounts so that every division rounds.
      await register(f, op, E("333.333333333333333333"));
      m.deposit(op.address, E("333.333333333333333333"));
      await expectPool(f, 1n, m, holders);

      await f.registry.connect(a).delegateStake(1, { value: E("777.777777777777777777") });
      m.deposit(a.address, E("777.777777777777777777"));
      await expectPool(f, 1n, m, holders);

      await f.registry.connect(payer).distributeRewards(1, { value: 1_000_000_000_000_000_003n });
      m.distribute(1_000_000_000_000_000_003n);
      await expectPool(f, 1n, m, holders);

      await f.registry.connect(f.governanceSigner).slash(1, E("11.111111111111111111"));
      m.slash(E("11.111111111111111111"));
      await expectPool(f, 1n, m, holders);

      // B joins at a share price below 1: minted shares round down, so B's stake is worth ≤ its deposit.
      await f.registry.connect(b).delegateStake(1, { value: E("3") + 7n });
      const minted = m.deposit(b.address, E("3") + 7n);
      await expectPool(f, 1n, m, holders);
      expect(m.value(b.address)).to.be.lte(E("3") + 7n);
      expect(minted).to.be.gt(E("3")); // more shares than wei: the price fell with the slash

      await f.registry.connect(a).undelegate(1, E("100"));
      const req = m.undelegate(a.address, E("100"));
      await expectPool(f, 1n, m, holders);

      await f.registry.connect(payer).distributeRewards(1, { value: 123_456_789n });
      m.distribute(123_456_789n);
      await f.registry.connect(f.governanceSigner).slash(1, 999_999_999_999n);
      m.slash(999_999_999_999n);
      await expectPool(f, 1n, m, holders);

      await f.registry.connect(c).delegateStake(1, { value: E("1") });
      m.deposit(c.address, E("1"));
      await f.registry.connect(payer).distributeRewards(1, { value: 10n });
      m.distribute(10n);
      await expectPool(f, 1n, m, holders);

      for (const h of [op, a, b, c]) {
        if ((await f.lens.pendingRewards(1, h.address)) > 0n) {
          await f.registry.connect(h).claimRewards(1);
          m.settle(h.address);
          m.debt.set(h.address, ((m.shares.get(h.address) ?? 0n) * m.acc + 10n ** 36n - 1n) / 10n ** 36n);
        }
      }
      await expectPool(f, 1n, m, holders);

      await time.increase((await f.registry.getConfig()).exitDelay);
      await f.registry.connect(a).withdrawUnbonding(1);
      m.withdrawUnbonding(a.address, req.unbondingShares);
      await expectPool(f, 1n, m, holders);

      // Nobody can claim more than exists: the rounding dust stays with the pool and the fund.
      const values = holders.map((h) => m.value(h)).reduce((x, y) => x + y, 0n);
      expect(values).to.be.lte(m.bondedStake);
      expect(m.outstanding).to.be.gte(0n);
      await expectSolvent(f, ids, holders);
    });
  });
});
