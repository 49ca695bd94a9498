import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Parameter, SequencerStatus, SelectionMode, suiteParams, deploySuite } from "../deploy";
import hre from "hardhat";
import { registryFixture, register, snapshotState, STAKE_100K, INSURER_ROLE } from "./helpers/fixtures";

const E = (n: string) => ethers.parseEther(n);
const DAY = 86400n;

describe("SequencerRegistry: governance", () => {
  describe("setParameter", () => {
    // [parameter, lowest accepted, highest accepted] under the default deployment (slot 12 s, exit delay 7 days,
    // ejection 50, min stake 100, min active 1, max sequencers 1000, window 7200 slots, commission 10%/50%).
    const cases: [Parameter, bigint, bigint][] = [
      [Parameter.MinStake, E("50"), E("1000000000")],
      [Parameter.MaxSequencers, 1n, 100_000n],
      [Parameter.RotationPeriod, 12n, 30n * DAY],
      [Parameter.ExitDelay, 7200n * 12n + 1n, 365n * DAY],
      [Parameter.SlashingPercentage, 1n, 10_000n],
      [Parameter.MaxDelegationMultiplier, 0n, 100n],
      [Parameter.MinDelegation, 1n, E("1000000000")],
      [Parameter.EjectionStake, 0n, E("100")],
      [Parameter.ReporterRewardBps, 0n, 5000n],
      [Parameter.InsuranceFeeBps, 0n, 1000n],
      [Parameter.MaxCommissionBps, 1000n, 10_000n],
      [Parameter.DefaultCommissionBps, 0n, 5000n],
      [Parameter.SuspensionCooldown, 0n, 365n * DAY],
      [Parameter.EvidenceWindowSlots, 1n, (7n * DAY - 1n) / 12n],
      [Parameter.MinActiveSequencers, 1n, 1000n],
      [Parameter.ActivationBlock, 0n, 2n ** 64n - 1n],
      [Parameter.ScoreDecayRate, 0n, 10_000n],
    ];

    for (const [parameter, lo, hi] of cases) {
      it(`should bound ${Parameter[parameter]} to [${lo}, ${hi}] and emit the change`, async () => {
        const f = await loadFixture(registryFixture);
        const gov = f.registry.connect(f.governanceSigner);
        const before = await snapshotState(f);
        const params = JSON.stringify(await f.registry.getParameters(), (_k, v) => (typeof v === "bigint" ? v.toString() : v));
        if (lo > 0n) {
          await expect(gov.setParameter(parameter, lo - 1n))
            .to.be.revertedWithCustomError(f.registry, "RegistryParameterOutOfBounds")
            .withArgs(parameter, lo - 1n, lo, hi);
        }
        if (hi < 2n ** 256n - 1n) {
          await expect(gov.setParameter(parameter, hi + 1n))
            .to.be.revertedWithCustomError(f.registry, "RegistryParameterOutOfBounds")
            .withArgs(parameter, hi + 1n, lo, hi);
        }
        expect(await snapshotState(f)).to.equal(before);
        expect(JSON.stringify(await f.registry.getParameters(), (_k, v) => (typeof v === "bigint" ? v.toString() : v))).to.equal(params);
        for (const v of [lo, hi]) {
          await expect(gov.setParameter(parameter, v)).to.emit(f.registry, "ParameterUpdated");
        }
      });
    }

    it("should report the new values through getConfig and getParameters", async () => {
      const f = await loadFixture(registryFixture);
      const gov = f.registry.connect(f.governanceSigner);
      await expect(gov.setParameter(Parameter.MinStake, E("200")))
        .to.emit(f.registry, "ParameterUpdated")
        .withArgs(Parameter.MinStake, E("100"), E("200"));
      await gov.setParameter(Parameter.SlashingPercentage, 2500);
      await gov.setParameter(Parameter.InsuranceFeeBps, 200);
      const c = await f.registry.getConfig();
      expect(c.minStake).to.equal(E("200"));
      expect(c.slashingPercentage).to.equal(2500n);
      expect((await f.registry.getParameters()).insuranceFeeBps).to.equal(200n);
    });

    it("should accept a mode other than round-robin only while a selection module is set", async () => {
      const f = await loadFixture(registryFixture);
      const gov = f.registry.connect(f.governanceSigner);
      const module = await f.selection.getAddress();
      expect(await f.registry.selectionModule()).to.equal(module);
      await expect(gov.setParameter(Parameter.SelectionMode, 5))
        .to.be.revertedWithCustomError(f.registry, "RegistryParameterOutOfBounds")
        .withArgs(Parameter.SelectionMode, 5n, 0n, 4n);
      await expect(gov.setParameter(Parameter.SelectionMode, SelectionMode.WeightedRandom)).to.emit(f.registry, "ParameterUpdated");
      // The module cannot be removed while a mode needs it.
      await expect(gov.setSelectionModule(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(f.registry, "RegistrySelectionModeUnavailable")
        .withArgs(SelectionMode.WeightedRandom);
      await gov.setParameter(Parameter.SelectionMode, SelectionMode.RoundRobin);
      await expect(gov.setSelectionModule(ethers.ZeroAddress)).to.emit(f.registry, "SelectionModuleUpdated").withArgs(ethers.ZeroAddress);
      await expect(gov.setParameter(Parameter.SelectionMode, SelectionMode.Hybrid))
        .to.be.revertedWithCustomError(f.registry, "RegistrySelectionModeUnavailable")
        .withArgs(SelectionMode.Hybrid);
      await expect(f.registry.connect(f.accounts[0]).setSelectionModule(module))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.accounts[0].address, await f.registry.GOVERNANCE_ROLE());
    });

    it("should reject a deployment whose parameters break a bound", async () => {
      await expect(deploySuite(hre, suiteParams({ registry: { config: { exitDelay: 3600n } } }))).to.be.rejectedWith(
        "RegistryParameterOutOfBounds",
      );
      await expect(deploySuite(hre, suiteParams({ registry: { slotDuration: 0n } }))).to.be.rejectedWith("RegistryInvalidInit");
    });
  });

  describe("access control matrix", () => {
    it("should reject every restricted function for an account without its role", async () => {
      const f = await loadFixture(registryFixture);
      await register(f, f.accounts[0]);
      const outsider = f.accounts[9];
      const r = f.registry.connect(outsider);
      const [gov, slasher, monitor] = await Promise.all([
        f.registry.GOVERNANCE_ROLE(),
        f.registry.SLASHER_ROLE(),
        f.registry.MONITOR_ROLE(),
      ]);
      const calls: [() => Promise<unknown>, string][] = [
        [() => r.setParameter(Parameter.MinStake, E("100")), gov],
        [() => r.setFallbackSequencer(outsider.address), gov],
        [() => r.reinstateSequencer(1), gov],
        [() => r.ejectSequencer(1), gov],
        [() => r.payInsurance(outsider.address, 1), INSURER_ROLE],
        [() => r.suspendSequencer(1), slasher],
        [() => r.slash(1, 1), slasher],
        [() => r.updatePerformance(1, 1), monitor],
      ];
      for (const [call, role] of calls) {
        await expect(call()).to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount").withArgs(outsider.address, role);
      }
    });

    it("should hand admin and governance to a separate governance address and renounce the deployer's", async () => {
      const [deployer, , , , , , , , , , , timelock] = await ethers.getSigners();
      const suite = await deploySuite(hre, suiteParams({ governance: timelock.address, monitors: [deployer.address] }));
      const r = suite.registry;
      expect(await r.hasRole(await r.DEFAULT_ADMIN_ROLE(), timelock.address)).to.equal(true);
      expect(await r.hasRole(await r.GOVERNANCE_ROLE(), timelock.address)).to.equal(true);
      // Role slashes go through the slashing queue, which governance administers: governance holds no slasher role.
      expect(await r.hasRole(await r.SLASHER_ROLE(), timelock.address)).to.equal(false);
      expect(await r.hasRole(await r.SLASHER_ROLE(), await suite.slashingQueue.getAddress())).to.equal(true);
      expect(await suite.slashingQueue.hasRole(await suite.slashingQueue.DEFAULT_ADMIN_ROLE(), timelock.address)).to.equal(true);
      expect(await suite.slashingQueue.hasRole(await suite.slashingQueue.DEFAULT_ADMIN_ROLE(), deployer.address)).to.equal(false);
      expect(await r.hasRole(await r.DEFAULT_ADMIN_ROLE(), deployer.address)).to.equal(false);
      expect(await r.hasRole(await r.GOVERNANCE_ROLE(), deployer.address)).to.equal(false);
      expect(await r.hasRole(await r.MONITOR_ROLE(), deployer.address)).to.equal(true);
      expect((await r.getParameters()).fallbackSequencer).to.equal(timelock.address);
    });
  });

  describe("suspendSequencer, reinstateSequencer, ejectSequencer", () => {
    it("should move sequencers through the status machine and reject invalid transitions", async () => {
      const f = await loadFixture(registryFixture);
      await register(f, f.accounts[0]);
      const gov = f.registry.connect(f.governanceSigner);
      await expect(gov.reinstateSequencer(1))
        .to.be.revertedWithCustomError(f.registry, "RegistryInvalidStatus")
        .withArgs(1n, SequencerStatus.Active);
      await expect(gov.suspendSequencer(1))
        .to.emit(f.registry, "SequencerStatusChanged")
        .withArgs(1n, SequencerStatus.Active, SequencerStatus.Suspended);
      await expect(gov.suspendSequencer(1))
        .to.be.revertedWithCustomError(f.registry, "RegistryInvalidStatus")
        .withArgs(1n, SequencerStatus.Suspended);
      await expect(gov.reinstateSequencer(1))
        .to.emit(f.registry, "SequencerStatusChanged")
        .withArgs(1n, SequencerStatus.Suspended, SequencerStatus.Active);
      await expect(gov.ejectSequencer(1))
        .to.emit(f.registry, "SequencerStatusChanged")
        .withArgs(1n, SequencerStatus.Active, SequencerStatus.Ejected);
      await expect(gov.ejectSequencer(1))
        .to.be.revertedWithCustomError(f.registry, "RegistryInvalidStatus")
        .withArgs(1n, SequencerStatus.Ejected);
      await expect(gov.suspendSequencer(9)).to.be.revertedWithCustomError(f.registry, "RegistryUnknownSequencer").withArgs(9n);
      // An ejected sequencer can still exit and recover its stake.
      await expect(f.registry.connect(f.accounts[0]).initiateExit(1)).to.emit(f.registry, "ExitInitiated");
      expect((await f.registry.getSequencer(1)).stake).to.equal(STAKE_100K);
    });

    it("should reinstate below minStake as Inactive", async () => {
      const f = await loadFixture(registryFixture);
      await register(f, f.accounts[0], E("120"));
      const gov = f.registry.connect(f.governanceSigner);
      await gov.suspendSequencer(1);
      await gov.slash(1, E("30"));
      await expect(gov.reinstateSequencer(1))
        .to.emit(f.registry, "SequencerStatusChanged")
        .withArgs(1n, SequencerStatus.Suspended, SequencerStatus.Inactive);
    });
  });

  describe("payInsurance and setFallbackSequencer", () => {
    it("should pay from the fund into a withdrawable balance, within the fund", async () => {
      const f = await loadFixture(registryFixture);
      await register(f, f.accounts[0]);
      await f.registry.connect(f.governanceSigner).slash(1, E("10"));
      const gov = f.registry.connect(f.governanceSigner);
      const victim = f.accounts[5].address;
      await expect(gov.payInsurance(victim, E("10") + 1n))
        .to.be.revertedWithCustomError(f.registry, "RegistryInsuranceInsufficient")
        .withArgs(E("10") + 1n, E("10"));
      await expect(gov.payInsurance(ethers.ZeroAddress, 1)).to.be.revertedWithCustomError(f.registry, "RegistryZeroAddress");
      await expect(gov.payInsurance(victim, 0)).to.be.revertedWithCustomError(f.registry, "RegistryZeroAmount");
      await expect(gov.payInsurance(victim, E("4")))
        .to.emit(f.registry, "InsurancePaid")
        .withArgs(victim, E("4"));
      expect(await f.registry.insuranceFund()).to.equal(E("6"));
      expect(await f.registry.withdrawableBalance(victim)).to.equal(E("4"));
    });

    it("should set the fallback sequencer and reject the zero address", async () => {
      const f = await loadFixture(registryFixture);
      const gov = f.registry.connect(f.governanceSigner);
      await expect(gov.setFallbackSequencer(ethers.ZeroAddress)).to.be.revertedWithCustomError(f.registry, "RegistryZeroAddress");
      await expect(gov.setFallbackSequencer(f.accounts[3].address))
        .to.emit(f.registry, "FallbackSequencerUpdated")
        .withArgs(f.accounts[3].address);
      expect(await f.registry.getActiveSequencer()).to.equal(f.accounts[3].address);
    });
  });

  describe("views", () => {
    it("should reject views of unknown sequencers and unbondings", async () => {
      const f = await loadFixture(registryFixture);
      await expect(f.registry.getSequencer(0)).to.be.revertedWithCustomError(f.registry, "RegistryUnknownSequencer").withArgs(0n);
      await expect(f.lens.getPool(1)).to.be.revertedWithCustomError(f.registry, "RegistryUnknownSequencer").withArgs(1n);
      await expect(f.lens.getUnbonding(1)).to.be.revertedWithCustomError(f.registry, "RegistryUnknownUnbonding").withArgs(1n);
      expect(await f.lens.weightOf(0)).to.equal(0n);
    });
  });
});
