import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SequencerStatus, suiteParams } from "../deploy";
import { buildEquivocationProof, encodeEquivocationEvidence, signBlockCommitment } from "../sdk";
import { registryFixture, deployRegistryFixture, register, equivocationProof, snapshotState, STAKE_100K } from "./helpers/fixtures";
import { pinNextBlockTime } from "./helpers/time";

const E = (n: string) => ethers.parseEther(n);
const H = (s: string) => ethers.keccak256(ethers.toUtf8Bytes(s));

describe("SequencerRegistry: performance and slashing", () => {
  async function twoSequencers() {
    const f = await registryFixture();
    await register(f, f.accounts[0]);
    await register(f, f.accounts[1]);
    return f;
  }

  describe("updatePerformance", () => {
    it("should store the score for the monitor role and reject others and out-of-range scores", async () => {
      const f = await loadFixture(twoSequencers);
      const monitor = f.accounts[8];
      const role = await f.registry.MONITOR_ROLE();
      await expect(f.registry.connect(monitor).updatePerformance(1, 9000))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(monitor.address, role);
      await f.registry.connect(f.governanceSigner).grantRole(role, monitor.address);
      await expect(f.registry.connect(monitor).updatePerformance(1, 9000)).to.emit(f.registry, "PerformanceUpdated").withArgs(1n, 9000n);
      expect((await f.registry.getSequencer(1)).performanceScore).to.equal(9000n);
      await expect(f.registry.connect(monitor).updatePerformance(1, 10_001))
        .to.be.revertedWithCustomError(f.registry, "RegistryScoreOutOfRange")
        .withArgs(10_001n, 10_000n);
      await expect(f.registry.connect(monitor).updatePerformance(3, 1))
        .to.be.revertedWithCustomError(f.registry, "RegistryUnknownSequencer")
        .withArgs(3n);
    });
  });

  describe("reportMisbehavior with an equivocation proof (decision 9)", () => {
    it("should slash slashingPercentage, credit the reporter's reward, fund insurance and suspend", async () => {
      const f = await loadFixture(twoSequencers);
      const reporter = f.accounts[7];
      const slot = await f.registry.currentSlot();
      const evidence = await equivocationProof(f, f.accounts[0], 1n, slot);
      const slashed = STAKE_100K / 10n; // 10%
      const reward = slashed / 10n; // 10% of the slash
      await expect(f.registry.connect(reporter).reportMisbehavior(1, evidence))
        .to.emit(f.registry, "EquivocationProven")
        .withArgs(1n, slot, reporter.address, slashed, reward)
        .and.to.emit(f.registry, "SequencerSlashed")
        .withArgs(1n, slashed)
        .and.to.emit(f.registry, "SequencerStatusChanged")
        .withArgs(1n, SequencerStatus.Active, SequencerStatus.Suspended)
        .and.to.emit(f.registry, "SequencerRotated")
        .withArgs(f.accounts[0].address, f.accounts[1].address);
      const info = await f.registry.getSequencer(1);
      expect(info.stake).to.equal(STAKE_100K - slashed);
      expect(info.status).to.equal(SequencerStatus.Suspended);
      // The reward (here the whole pool is the operator's own) is the reporter's to withdraw.
      expect(await f.registry.withdrawableBalance(reporter.address)).to.equal(reward);
      expect(await f.registry.insuranceFund()).to.equal(slashed - reward);
      expect(await f.registry.getSequencerSet()).to.deep.equal([f.accounts[1].address]);
      expect(await f.registry.isActiveSequencer(f.accounts[0].address)).to.equal(false);
      expect(await f.registry.activeSequencerCount()).to.equal(1n);
      // Out of the list and both trees in the same transaction.
      expect(await f.lens.weightOf(1)).to.equal(0n);
      expect(await f.lens.totalActiveWeight()).to.equal(await f.lens.weightOf(2));
      expect(await f.registry.nextActiveSequencer(2)).to.equal(2n);
      // Its period of duty ended in this slot and is marked punished: no second proof from it counts.
      const [fromSlot, endSlot, punished] = await f.lens.dutyOf(1);
      expect([fromSlot <= slot, endSlot, punished]).to.deep.equal([true, (await f.registry.currentSlot()) + 1n, true]);
    });

    it("should reject a replay, and any evidence for the slots the punishment covered", async () => {
      const f = await loadFixture(twoSequencers);
      const slot = await f.registry.currentSlot();
      const evidence = await equivocationProof(f, f.accounts[0], 1n, slot);
      await f.registry.reportMisbehavior(1, evidence);
      const before = await snapshotState(f, [1n, 2n]);
      await expect(f.registry.reportMisbehavior(1, evidence))
        .to.be.revertedWithCustomError(f.registry, "RegistryEquivocationAlreadySlashed")
        .withArgs(1n, slot);
      // Same slot with other hashes: the same offence.
      const other = await buildEquivocationProof(f.accounts[0], f.registryAddress, f.chainId, 1n, slot, H("x"), H("y"));
      await expect(f.registry.reportMisbehavior(1, other)).to.be.revertedWithCustomError(f.registry, "RegistryEquivocationAlreadySlashed");
      expect(await snapshotState(f, [1n, 2n])).to.equal(before);

      // After reinstatement a new equivocation, in a later slot, is punished again.
      await f.registry.connect(f.governanceSigner).reinstateSequencer(1);
      await time.increase(120);
      await expect(f.registry.reportMisbehavior(1, await equivocationProof(f, f.accounts[0], 1n))).to.emit(
        f.registry,
        "EquivocationProven",
      );
    });

    it("should reject the same hash twice, a wrong signer, another sequencer's id and an expired slot", async () => {
      const f = await loadFixture(twoSequencers);
      const [op1, op2] = f.accounts;
      const slot = await f.registry.currentSlot();
      const before = await snapshotState(f, [1n, 2n]);
      const sign = (who: typeof op1, id: bigint, s: bigint, h: string) =>
        signBlockCommitment(who, f.registryAddress, f.chainId, { sequencerId: id, slot: s, blockHash: h });

      const sameHash = encodeEquivocationEvidence(
        slot,
        H("a"),
        await sign(op1, 1n, slot, H("a")),
        H("a"),
        await sign(op1, 1n, slot, H("a")),
      );
      await expect(f.registry.reportMisbehavior(1, sameHash))
        .to.be.revertedWithCustomError(f.registry, "RegistryInvalidEquivocationProof")
        .withArgs(1n);
      // Sequencer 2's operator signing "as" sequencer 1.
      const wrongSigner = encodeEquivocationEvidence(
        slot,
        H("a"),
        await sign(op2, 1n, slot, H("a")),
        H("b"),
        await sign(op2, 1n, slot, H("b")),
      );
      await expect(f.registry.reportMisbehavior(1, wrongSigner)).to.be.revertedWithCustomError(
        f.registry,
        "RegistryInvalidEquivocationProof",
      );
      // Sequencer 2's own valid commitments reported against sequencer 1.
      const otherId = await buildEquivocationProof(op2, f.registryAddress, f.chainId, 2n, slot, H("a"), H("b"));
      await expect(f.registry.reportMisbehavior(1, otherId)).to.be.revertedWithCustomError(f.registry, "RegistryInvalidEquivocationProof");
      // One commitment signed for another slot.
      const mixedSlots = encodeEquivocationEvidence(
        slot,
        H("a"),
        await sign(op1, 1n, slot, H("a")),
        H("b"),
        await sign(op1, 1n, slot + 1n, H("b")),
      );
      await expect(f.registry.reportMisbehavior(1, mixedSlots)).to.be.revertedWithCustomError(
        f.registry,
        "RegistryInvalidEquivocationProof",
      );
      // A malformed signature of the right length.
      const garbage = encodeEquivocationEvidence(slot, H("a"), "0x" + "00".repeat(65), H("b"), await sign(op1, 1n, slot, H("b")));
      await expect(f.registry.reportMisbehavior(1, garbage)).to.be.revertedWithCustomError(f.registry, "RegistryInvalidEquivocationProof");
      expect(await snapshotState(f, [1n, 2n])).to.equal(before);

      const window = (await f.registry.getParameters()).evidenceWindowSlots;
      const old = await equivocationProof(f, op1, 1n, slot);
      const slotDuration = await f.registry.SLOT_DURATION();
      await time.increase((window + 1n) * slotDuration);
      // The report's block is the next one, one second later: its slot is the one the window counts from.
      const now = ((await pinNextBlockTime()) - (await f.registry.GENESIS_TIME())) / slotDuration;
      await expect(f.registry.reportMisbehavior(1, old))
        .to.be.revertedWithCustomError(f.registry, "RegistryEvidenceExpired")
        .withArgs(slot, now - window);
    });

    it("should reject evidence for a slot that has not started (no buying immunity for future slots)", async () => {
      const f = await loadFixture(twoSequencers);
      // The slot of the report's block (the next one, one second on), which the evidence is judged against.
      const now = ((await pinNextBlockTime()) - (await f.registry.GENESIS_TIME())) / (await f.registry.SLOT_DURATION());
      const future = await equivocationProof(f, f.accounts[0], 1n, now + 1000n);
      await expect(f.registry.reportMisbehavior(1, future))
        .to.be.revertedWithCustomError(f.registry, "RegistryEvidenceNotYetValid")
        .withArgs(now + 1000n, now);
      // Once the slot arrives the same evidence is valid.
      await time.increase(1000n * (await f.registry.SLOT_DURATION()));
      await expect(f.registry.reportMisbehavior(1, future)).to.emit(f.registry, "EquivocationProven");
    });

    it("should reject a proof signed for another registry or chain (domain separation)", async () => {
      const f = await loadFixture(twoSequencers);
      const slot = await f.registry.currentSlot();
      const otherContract = await buildEquivocationProof(f.accounts[0], f.accounts[5].address, f.chainId, 1n, slot, H("a"), H("b"));
      const otherChain = await buildEquivocationProof(f.accounts[0], f.registryAddress, 96369n, 1n, slot, H("a"), H("b"));
      for (const ev of [otherContract, otherChain]) {
        await expect(f.registry.reportMisbehavior(1, ev)).to.be.revertedWithCustomError(f.registry, "RegistryInvalidEquivocationProof");
      }
    });

    it("should still slash an Exiting sequencer, without changing its status", async () => {
      const f = await loadFixture(twoSequencers);
      await f.registry.connect(f.accounts[0]).initiateExit(1);
      await f.registry.reportMisbehavior(1, await equivocationProof(f, f.accounts[0], 1n));
      const info = await f.registry.getSequencer(1);
      expect(info.status).to.equal(SequencerStatus.Exiting);
      expect(info.stake).to.equal((STAKE_100K * 9n) / 10n);
    });
  });

  describe("reportMisbehavior with other evidence", () => {
    it("should record it for governance and slash nothing", async () => {
      const f = await loadFixture(twoSequencers);
      const evidence = ethers.toUtf8Bytes("censored tx 0xabc in slot 42");
      const before = await snapshotState(f, [1n, 2n]);
      await expect(f.registry.connect(f.accounts[6]).reportMisbehavior(1, evidence))
        .to.emit(f.registry, "MisbehaviorReported")
        .withArgs(1n, f.accounts[6].address, ethers.keccak256(evidence));
      expect(await snapshotState(f, [1n, 2n])).to.equal(before);
    });

    it("should reject empty evidence and an unknown sequencer", async () => {
      const f = await loadFixture(twoSequencers);
      await expect(f.registry.reportMisbehavior(1, "0x")).to.be.revertedWithCustomError(f.registry, "RegistryEmptyEvidence");
      await expect(f.registry.reportMisbehavior(3, "0x01"))
        .to.be.revertedWithCustomError(f.registry, "RegistryUnknownSequencer")
        .withArgs(3n);
    });
  });

  describe("slash", () => {
    it("should take from bonded and unbonding stake pro rata into insurance", async () => {
      const f = await loadFixture(twoSequencers);
      const d = f.accounts[4];
      await f.registry.connect(d).delegateStake(1, { value: E("300") });
      await f.registry.connect(d).undelegate(1, E("100"));
      // Pool: 100,200 bonded, 100 unbonding. Slash 1,003: unbonding part 1003 × 100 / 100300 = 1.
      await expect(f.registry.connect(f.governanceSigner).slash(1, E("1003")))
        .to.emit(f.registry, "SequencerSlashed")
        .withArgs(1n, E("1003"));
      const pool = await f.lens.getPool(1);
      expect(pool.unbondingStake).to.equal(E("99"));
      expect(pool.bondedStake).to.equal(E("100200") - E("1002"));
      expect(await f.registry.insuranceFund()).to.equal(E("1003"));
      expect(await f.lens.weightOf(1)).to.equal(pool.bondedStake / (await f.registry.WEIGHT_UNIT()));
    });

    it("should move an Active sequencer below minStake to Inactive and below the ejection floor to Ejected", async () => {
      const f = await deployRegistryFixture(suiteParams());
      await register(f, f.accounts[0], E("120"));
      await register(f, f.accounts[1], E("120"));
      await expect(f.registry.connect(f.governanceSigner).slash(1, E("30")))
        .to.emit(f.registry, "SequencerStatusChanged")
        .withArgs(1n, SequencerStatus.Active, SequencerStatus.Inactive);
      await expect(f.registry.connect(f.governanceSigner).slash(2, E("71")))
        .to.emit(f.registry, "SequencerStatusChanged")
        .withArgs(2n, SequencerStatus.Active, SequencerStatus.Ejected);
      expect(await f.registry.activeSequencerCount()).to.equal(0n);
      await expect(f.registry.connect(f.accounts[1]).increaseStake(2, { value: E("100") }))
        .to.be.revertedWithCustomError(f.registry, "RegistryInvalidStatus")
        .withArgs(2n, SequencerStatus.Ejected);
    });

    it("should reject a slash above the stake, a zero slash, and callers without the slasher role", async () => {
      const f = await loadFixture(twoSequencers);
      const before = await snapshotState(f, [1n]);
      await expect(f.registry.connect(f.governanceSigner).slash(1, STAKE_100K + 1n))
        .to.be.revertedWithCustomError(f.registry, "RegistrySlashExceedsStake")
        .withArgs(1n, STAKE_100K + 1n, STAKE_100K);
      await expect(f.registry.connect(f.governanceSigner).slash(1, 0)).to.be.revertedWithCustomError(f.registry, "RegistryZeroAmount");
      await expect(f.registry.connect(f.accounts[0]).slash(1, 1))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.accounts[0].address, await f.registry.SLASHER_ROLE());
      expect(await snapshotState(f, [1n])).to.equal(before);
    });

    it("should allow a full slash, after which the pool accepts no deposits", async () => {
      const f = await loadFixture(twoSequencers);
      await f.registry.connect(f.governanceSigner).slash(1, STAKE_100K);
      const info = await f.registry.getSequencer(1);
      expect(info.stake).to.equal(0n);
      expect(info.status).to.equal(SequencerStatus.Ejected);
      await expect(f.registry.connect(f.accounts[0]).undelegate(1, 1)).to.be.revertedWithCustomError(f.registry, "RegistryZeroAmount");
    });
  });
});
