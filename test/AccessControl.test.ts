import { expect } from "chai";
import { ethers, network } from "hardhat";
import type { BaseContract, ParamType } from "ethers";
import { deployRegistryFixture, INSURER_ROLE } from "./helpers/fixtures";

/**
 * The access-control matrix: every role-restricted function of every contract, called by every account of the
 * suite (single-role holders, the role-holding contracts, an operator, an outsider). Whoever lacks the role gets
 * AccessControlUnauthorizedAccount(caller, role) and nothing changes; whoever holds it gets past the check.
 */
describe("Access-control matrix", () => {
  /** A value of `type` (arguments only need to be well formed: the role check comes first). */
  function sample(p: ParamType, filler: string): unknown {
    if (p.baseType === "tuple") return p.components!.map((c) => sample(c, filler));
    if (p.baseType === "array")
      return Array.from({ length: p.arrayLength! > 0 ? p.arrayLength! : 1 }, () => sample(p.arrayChildren!, filler));
    if (p.type === "address") return filler;
    if (p.type === "bool") return false;
    if (p.type.startsWith("bytes") && p.type !== "bytes") return ethers.ZeroHash.slice(0, 2 + 2 * Number(p.type.slice(5)));
    if (p.type === "bytes" || p.type === "string") return p.type === "string" ? "" : "0x";
    return 1n; // uint / int / enum
  }

  it("refuses every restricted function to every account without its role, with the role in the error", async () => {
    const f = await deployRegistryFixture();
    const [governance, slasher, monitorEOA, reporter, auctioneer, schedulerEOA, outsider, operator] = await ethers.getSigners();
    const { registry, selection, mev, monitor, scheduler, slashingQueue: queue } = f;
    await registry.connect(operator).registerSequencer("enode://op", "0x02", "0x", { value: ethers.parseEther("100") });
    await registry.grantRole(await registry.SLASHER_ROLE(), slasher.address);
    await registry.grantRole(await registry.MONITOR_ROLE(), monitorEOA.address);
    await monitor.grantRole(await monitor.REPORTER_ROLE(), reporter.address);
    await selection.grantRole(await selection.AUCTIONEER_ROLE(), auctioneer.address);
    await scheduler.grantRole(await scheduler.SCHEDULER_ROLE(), schedulerEOA.address);

    // The contracts that hold registry roles act as callers too.
    const contractCallers = [
      await monitor.getAddress(),
      await scheduler.getAddress(),
      await selection.getAddress(),
      await queue.getAddress(),
    ];
    for (const a of contractCallers) {
      await network.provider.send("hardhat_impersonateAccount", [a]);
      await network.provider.send("hardhat_setBalance", [a, ethers.toQuantity(ethers.parseEther("10"))]);
    }
    const callers = [
      governance.address,
      slasher.address,
      monitorEOA.address,
      reporter.address,
      auctioneer.address,
      schedulerEOA.address,
      outsider.address,
      operator.address,
      ...contractCallers,
    ];

    const admin = ethers.ZeroHash;
    const table: [BaseContract & { hasRole(r: string, a: string): Promise<boolean> }, string, string][] = [
      [registry, "forceRotation", await registry.MONITOR_ROLE()],
      [registry, "updatePerformance", await registry.MONITOR_ROLE()],
      [registry, "slash", await registry.SLASHER_ROLE()],
      [registry, "slashShare", await registry.SLASHER_ROLE()],
      [registry, "suspendSequencer", await registry.SLASHER_ROLE()],
      [registry, "setParameter", await registry.GOVERNANCE_ROLE()],
      [registry, "setFallbackSequencer", await registry.GOVERNANCE_ROLE()],
      [registry, "reinstateSequencer", await registry.GOVERNANCE_ROLE()],
      [registry, "ejectSequencer", await registry.GOVERNANCE_ROLE()],
      [registry, "setSelectionModule", await registry.GOVERNANCE_ROLE()],
      [registry, "setEquivocationModule", await registry.GOVERNANCE_ROLE()],
      [registry, "setRegistrationGate", await registry.GOVERNANCE_ROLE()],
      [registry, "payInsurance", INSURER_ROLE],
      [registry, "grantRole", admin],
      [registry, "revokeRole", admin],
      [selection, "initAuction", await selection.AUCTIONEER_ROLE()],
      [selection, "setRandomnessSource", await selection.GOVERNANCE_ROLE()],
      [selection, "setParameters", await selection.GOVERNANCE_ROLE()],
      [selection, "setHybridWeights", await selection.GOVERNANCE_ROLE()],
      [selection, "setRewardsRecipient", await selection.GOVERNANCE_ROLE()],
      [selection, "setAuctionParameters", await selection.GOVERNANCE_ROLE()],
      [selection, "slashBond", await selection.BOND_SLASHER_ROLE()],
      [selection, "grantRole", admin],
      [mev, "initThresholdDecryption", await mev.GOVERNANCE_ROLE()],
      [mev, "setRevealWindow", await mev.GOVERNANCE_ROLE()],
      [mev, "setVDFCalibration", await mev.GOVERNANCE_ROLE()],
      [mev, "grantRole", admin],
      [monitor, "recordBlockProduction", await monitor.REPORTER_ROLE()],
      [monitor, "recordMissedSlot", await monitor.REPORTER_ROLE()],
      [monitor, "recordReorg", await monitor.REPORTER_ROLE()],
      [monitor, "recordLatency", await monitor.REPORTER_ROLE()],
      [monitor, "updateReputation", await monitor.REPORTER_ROLE()],
      [monitor, "setSLA", await monitor.GOVERNANCE_ROLE()],
      [monitor, "setParameters", await monitor.GOVERNANCE_ROLE()],
      [monitor, "grantRole", admin],
      [scheduler, "setSchedulingPolicy", await scheduler.GOVERNANCE_ROLE()],
      [scheduler, "setTiming", await scheduler.GOVERNANCE_ROLE()],
      [scheduler, "setDisputeTerms", await scheduler.GOVERNANCE_ROLE()],
      [scheduler, "setComputePremium", await scheduler.GOVERNANCE_ROLE()],
      [scheduler, "grantRole", admin],
      [queue, "queueSlash", await queue.PROPOSER_ROLE()],
      [queue, "queueSlashShare", await queue.PROPOSER_ROLE()],
      [queue, "suspend", await queue.PROPOSER_ROLE()],
      [queue, "veto", await queue.VETOER_ROLE()],
      [queue, "setTerm", await queue.GOVERNANCE_ROLE()],
      [queue, "approveClaim", await queue.GOVERNANCE_ROLE()],
      [queue, "rejectClaim", await queue.GOVERNANCE_ROLE()],
      [queue, "grantRole", admin],
    ];

    let refused = 0;
    let allowed = 0;
    for (const [contract, name, role] of table) {
      const fragment = contract.interface.getFunction(name)!;
      const args = fragment.inputs.map((p) => sample(p, outsider.address));
      const data = contract.interface.encodeFunctionData(fragment, args);
      const to = await contract.getAddress();
      for (const caller of callers) {
        const holds = await contract.hasRole(role, caller);
        let errorName: string | undefined;
        let errorArgs: unknown[] = [];
        try {
          await ethers.provider.call({ to, from: caller, data });
        } catch (e) {
          const revert = (e as { data?: string }).data;
          const parsed = revert ? contract.interface.parseError(revert) : null;
          errorName = parsed?.name ?? "unknown";
          errorArgs = parsed ? [...parsed.args] : [];
        }
        const where = `${name} from ${caller}`;
        if (holds) {
          expect(errorName, where).to.not.equal("AccessControlUnauthorizedAccount");
          allowed++;
        } else {
          expect(errorName, where).to.equal("AccessControlUnauthorizedAccount");
          expect(errorArgs, where).to.deep.equal([caller, role]);
          refused++;
        }
      }
    }
    // Every restricted function is refused to most callers; each has at least one holder who gets through.
    expect(refused).to.be.greaterThan(table.length * 8);
    expect(allowed).to.be.at.least(table.length);
  });

  it("no restricted function is missing from the matrix", async () => {
    // Counts `onlyRole(` guards in the sources: adding one without a row here fails this test.
    const fs = await import("node:fs");
    const path = await import("node:path");
    let guards = 0;
    for (const file of ["SequencerRegistry", "SelectionMechanisms", "MEVMitigation", "PerformanceMonitor", "AIScheduler"]) {
      const source = fs.readFileSync(path.join(__dirname, "..", "contracts", `${file}.sol`), "utf8");
      guards += (source.match(/onlyRole\(/g) ?? []).length;
    }
    expect(guards).to.equal(34); // the rows above for these five contracts, less their inherited grantRole / revokeRole rows
  });
});
