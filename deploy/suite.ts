import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import type { SequencerRegistry, RegistryParametersLib, EquivocationLib } from "../typechain-types";
import { type SuiteParams, defaultSuiteParams } from "./params";

export interface Suite {
  registry: SequencerRegistry;
  registryParametersLib: RegistryParametersLib;
  equivocationLib: EquivocationLib;
  governance: string;
  deployer: Signer;
  params: SuiteParams;
}

/**
 * Deploys and wires the LP-504 suite from a parameter object and returns the contract handles. Tests, the
 * demo, the benchmark and the tasks all deploy through this function, so users run exactly what is tested.
 *
 * Wiring: governance (default: the deployer) is admin and governance of the registry; the slasher role goes
 * to governance and `params.slashers`, the monitor role to `params.monitors`.
 */
export async function deploySuite(
  hre: HardhatRuntimeEnvironment,
  params: SuiteParams = defaultSuiteParams(),
  deployer?: Signer,
): Promise<Suite> {
  const { ethers } = hre;
  const signer = deployer ?? (await ethers.getSigners())[0];
  const governance = params.governance ?? (await signer.getAddress());

  // Linked libraries: they exist only to keep the registry under the 24 KiB contract size limit.
  const registryParametersLib = (await (
    await (await ethers.getContractFactory("RegistryParametersLib", signer)).deploy()
  ).waitForDeployment()) as unknown as RegistryParametersLib;
  const equivocationLib = (await (
    await (await ethers.getContractFactory("EquivocationLib", signer)).deploy()
  ).waitForDeployment()) as unknown as EquivocationLib;

  const deployerAddress = await signer.getAddress();
  const r = params.registry;
  const registryFactory = await ethers.getContractFactory("SequencerRegistry", {
    signer,
    libraries: {
      "contracts/libraries/RegistryParametersLib.sol:RegistryParametersLib": await registryParametersLib.getAddress(),
      "contracts/libraries/EquivocationLib.sol:EquivocationLib": await equivocationLib.getAddress(),
    },
  });
  // The deployer administers the registry until the roles are wired, then hands over to governance.
  const registry = (await (
    await registryFactory.deploy({
      admin: deployerAddress,
      config: r.config,
      parameters: { ...r.parameters, fallbackSequencer: r.parameters.fallbackSequencer ?? governance },
      slotDuration: r.slotDuration,
      weightUnit: r.weightUnit,
    })
  ).waitForDeployment()) as unknown as SequencerRegistry;

  const roles = {
    admin: await registry.DEFAULT_ADMIN_ROLE(),
    governance: await registry.GOVERNANCE_ROLE(),
    slasher: await registry.SLASHER_ROLE(),
    monitor: await registry.MONITOR_ROLE(),
  };
  const grants: [string, string][] = [
    [roles.slasher, governance],
    ...(params.slashers ?? []).map((a): [string, string] => [roles.slasher, a]),
    ...(params.monitors ?? []).map((a): [string, string] => [roles.monitor, a]),
  ];
  if (governance.toLowerCase() !== deployerAddress.toLowerCase()) {
    grants.push([roles.admin, governance], [roles.governance, governance]);
  }
  for (const [role, account] of grants) {
    if (!(await registry.hasRole(role, account))) await (await registry.grantRole(role, account)).wait();
  }
  if (governance.toLowerCase() !== deployerAddress.toLowerCase()) {
    await (await registry.renounceRole(roles.governance, deployerAddress)).wait();
    await (await registry.renounceRole(roles.admin, deployerAddress)).wait();
  }

  return { registry, registryParametersLib, equivocationLib, governance, deployer: signer, params };
}
