import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import type {
  SequencerRegistry,
  RegistryParametersLib,
  EquivocationLib,
  SelectionMechanisms,
  VRFBeacon,
  ChainlinkVRFAdapter,
  MEVMitigation,
  TrainingCoordinator,
  PerformanceMonitor,
  AIScheduler,
} from "../typechain-types";
import { type SuiteParams, defaultSuiteParams } from "./params";

export interface Suite {
  registry: SequencerRegistry;
  registryParametersLib: RegistryParametersLib;
  equivocationLib: EquivocationLib;
  selection: SelectionMechanisms;
  /** The randomness source: the ECVRF beacon, or the Chainlink adapter. */
  beacon?: VRFBeacon;
  chainlinkAdapter?: ChainlinkVRFAdapter;
  mev: MEVMitigation;
  training: TrainingCoordinator;
  monitor: PerformanceMonitor;
  scheduler: AIScheduler;
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

  const selectionFactory = await ethers.getContractFactory("SelectionMechanisms", signer);
  const sp = params.selection;
  const selection = (await (
    await selectionFactory.deploy({
      admin: deployerAddress,
      registry: await registry.getAddress(),
      minScore: sp.minScore,
      auctionWinners: sp.auctionWinners,
      turnsPerAuction: sp.turnsPerAuction,
      minBid: sp.minBid,
      hybridWeights: sp.hybridWeights,
      rewardsRecipient: sp.rewardsRecipient ?? governance,
    })
  ).waitForDeployment()) as unknown as SelectionMechanisms;

  let beacon: VRFBeacon | undefined;
  let chainlinkAdapter: ChainlinkVRFAdapter | undefined;
  const rp = params.randomness;
  if (rp.kind === "beacon") {
    beacon = (await (
      await (await ethers.getContractFactory("VRFBeacon", signer)).deploy(await registry.getAddress(), await selection.getAddress(), rp.roundTimeout)
    ).waitForDeployment()) as unknown as VRFBeacon;
  } else {
    chainlinkAdapter = (await (
      await (await ethers.getContractFactory("ChainlinkVRFAdapter", signer)).deploy(
        rp.coordinator,
        rp.subscriptionId,
        rp.keyHash,
        await selection.getAddress(),
        rp.callbackGasLimit,
        rp.requestConfirmations,
      )
    ).waitForDeployment()) as unknown as ChainlinkVRFAdapter;
  }
  const source = (beacon ?? chainlinkAdapter)!;
  await (await selection.setRandomnessSource(await source.getAddress())).wait();
  await (await registry.setSelectionModule(await selection.getAddress())).wait();

  const mev = (await (
    await (await ethers.getContractFactory("MEVMitigation", signer)).deploy(
      deployerAddress,
      await registry.getAddress(),
      params.mev.revealWindow,
      params.mev.squaringsPerSecond,
    )
  ).waitForDeployment()) as unknown as MEVMitigation;

  const training = (await (
    await (await ethers.getContractFactory("TrainingCoordinator", signer)).deploy(await registry.getAddress())
  ).waitForDeployment()) as unknown as TrainingCoordinator;

  const mp = params.monitor;
  const monitor = (await (
    await (await ethers.getContractFactory("PerformanceMonitor", signer)).deploy(
      deployerAddress,
      await registry.getAddress(),
      {
        periodDuration: mp.periodDuration,
        livenessTimeout: mp.livenessTimeout,
        inclusionWindow: mp.inclusionWindow,
        attestationThresholdBps: mp.attestationThresholdBps,
        slaPenaltyBps: mp.slaPenaltyBps,
        censorshipPenaltyBps: mp.censorshipPenaltyBps,
        suspendAfterBreaches: mp.suspendAfterBreaches,
        targetTps: mp.targetTps,
        targetLatencyMs: mp.targetLatencyMs,
        minInclusionFee: mp.minInclusionFee,
      },
      mp.sla,
    )
  ).waitForDeployment()) as unknown as PerformanceMonitor;
  const monitorAddress = await monitor.getAddress();
  for (const reporter of mp.reporters ?? []) await (await monitor.grantRole(await monitor.REPORTER_ROLE(), reporter)).wait();

  const scheduler = (await (
    await (await ethers.getContractFactory("AIScheduler", signer)).deploy(
      deployerAddress,
      await registry.getAddress(),
      params.scheduler.startWindow,
      params.scheduler.acceptanceWindow,
      params.scheduler.deadlinePenalty,
    )
  ).waitForDeployment()) as unknown as AIScheduler;
  // Governance also acts as the scheduler admin (capabilities, scheduling) until it appoints services.
  await (await scheduler.grantRole(await scheduler.SCHEDULER_ROLE(), governance)).wait();

  const roles = {
    admin: await registry.DEFAULT_ADMIN_ROLE(),
    governance: await registry.GOVERNANCE_ROLE(),
    slasher: await registry.SLASHER_ROLE(),
    monitor: await registry.MONITOR_ROLE(),
  };
  const grants: [string, string][] = [
    [roles.slasher, governance],
    // The monitor slashes SLA breaches and censorship, suspends repeat offenders, pushes reputation as the
    // performance score, and forces rotation on liveness failures.
    [roles.slasher, monitorAddress],
    [roles.monitor, monitorAddress],
    // The scheduler slashes sequencers that let jobs miss their deadlines.
    [roles.slasher, await scheduler.getAddress()],
    ...(params.slashers ?? []).map((a): [string, string] => [roles.slasher, a]),
    ...(params.monitors ?? []).map((a): [string, string] => [roles.monitor, a]),
  ];
  const handOver = governance.toLowerCase() !== deployerAddress.toLowerCase();
  if (handOver) grants.push([roles.admin, governance], [roles.governance, governance]);
  for (const [role, account] of grants) {
    if (!(await registry.hasRole(role, account))) await (await registry.grantRole(role, account)).wait();
  }
  const auctioneer = await selection.AUCTIONEER_ROLE();
  if (handOver) {
    for (const role of [auctioneer, roles.governance, roles.admin]) await (await selection.grantRole(role, governance)).wait();
    for (const role of [auctioneer, roles.governance, roles.admin]) await (await selection.renounceRole(role, deployerAddress)).wait();
    for (const c of [mev, monitor, scheduler]) {
      for (const role of [roles.governance, roles.admin]) await (await c.grantRole(role, governance)).wait();
      for (const role of [roles.governance, roles.admin]) await (await c.renounceRole(role, deployerAddress)).wait();
    }
    await (await registry.renounceRole(roles.governance, deployerAddress)).wait();
    await (await registry.renounceRole(roles.admin, deployerAddress)).wait();
  }

  return {
    registry,
    registryParametersLib,
    equivocationLib,
    selection,
    beacon,
    chainlinkAdapter,
    mev,
    training,
    monitor,
    scheduler,
    governance,
    deployer: signer,
    params,
  };
}
