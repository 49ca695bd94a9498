import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { BaseContract, ContractTransactionResponse, Signer } from "ethers";
import type {
  SequencerRegistry,
  RegistryParametersLib,
  EquivocationModule,
  RegistryLens,
  RegistryIndexLib,
  SelectionMechanisms,
  VRFBeacon,
  ChainlinkVRFAdapter,
  MEVMitigation,
  TrainingCoordinator,
  PerformanceMonitor,
  AIScheduler,
  SchedulerLens,
} from "../typechain-types";
import { type SuiteParams, defaultSuiteParams, Parameter } from "./params";

const SELECTION_MODE_PARAMETER = Parameter.SelectionMode;
import { type ContractName, type DeploymentRecord, toJson } from "./record";

export interface Suite {
  registry: SequencerRegistry;
  registryParametersLib: RegistryParametersLib;
  /** Judges equivocation evidence for the registry. */
  equivocationModule: EquivocationModule;
  /** The registry's convenience views (pools, positions, unbonding requests, pending rewards). */
  lens: RegistryLens;
  registryIndexLib: RegistryIndexLib;
  selection: SelectionMechanisms;
  /** The randomness source: the ECVRF beacon, or the Chainlink adapter. */
  beacon?: VRFBeacon;
  chainlinkAdapter?: ChainlinkVRFAdapter;
  mev: MEVMitigation;
  training: TrainingCoordinator;
  monitor: PerformanceMonitor;
  scheduler: AIScheduler;
  /** The scheduler's convenience views (jobs, settlements, boosts, capabilities, balances, accounting). */
  schedulerLens: SchedulerLens;
  governance: string;
  deployer: Signer;
  params: SuiteParams;
  /** The deployment record: addresses, blocks, constructor arguments, compiler settings. */
  record: DeploymentRecord;
  /** Transactions this call sent (0 when resuming a complete deployment). */
  transactions: number;
}

export interface DeployOptions {
  /** A record from an earlier run on the same chain: its contracts are reused, finished wiring is skipped. */
  resume?: DeploymentRecord;
  /** Called with the record after every contract and at the end, to persist it (a crash loses nothing). */
  save?: (record: DeploymentRecord) => void;
  /** Progress lines. */
  log?: (line: string) => void;
  /** The network's name in the record (default: hre.network.name). */
  network?: string;
}

/**
 * Deploys and wires the LP-504 suite from a parameter object and returns the contract handles. Tests, the
 * demo, the benchmark and the tasks all deploy through this function, so users run exactly what is tested.
 *
 * Wiring: governance (default: the deployer) is admin and governance of every contract; the slasher role goes
 * to governance, the monitor, the scheduler and `params.slashers`, the monitor role to the monitor and
 * `params.monitors`; when governance is not the deployer, the deployer renounces every role at the end.
 *
 * Resumable and idempotent: with `options.resume`, contracts recorded there (and holding code) are reused,
 * and every wiring step first reads the chain and sends a transaction only if the state is not yet right.
 * Rerunning a complete deployment therefore sends nothing.
 */
export async function deploySuite(
  hre: HardhatRuntimeEnvironment,
  params: SuiteParams = defaultSuiteParams(),
  deployer?: Signer,
  options: DeployOptions = {},
): Promise<Suite> {
  const { ethers } = hre;
  const signer = deployer ?? (await ethers.getSigners())[0];
  const deployerAddress = await signer.getAddress();
  const governance = params.governance ?? deployerAddress;
  const log = options.log ?? (() => {});
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const paramsJson = toJson(params);
  const resume = options.resume;
  if (resume) {
    if (resume.chainId !== chainId) throw new Error(`the record to resume is for chain ${resume.chainId}, this is ${chainId}`);
    if (JSON.stringify(resume.params) !== JSON.stringify(paramsJson)) {
      throw new Error("the deployment record was made with different parameters: move it away to deploy afresh, or restore the parameters");
    }
    if (resume.deployer.toLowerCase() !== deployerAddress.toLowerCase() && !resume.complete) {
      throw new Error(`an unfinished deployment by ${resume.deployer} can only be resumed by that account`);
    }
  }
  const record: DeploymentRecord = {
    format: "lp504-deployment/2",
    chainId,
    network: options.network ?? hre.network.name,
    deployer: resume?.deployer ?? deployerAddress,
    governance,
    params: paramsJson,
    compiler: await compilerInfo(hre),
    contracts: { ...(resume?.contracts ?? {}) },
    complete: false,
    updatedAt: new Date().toISOString(),
  };
  let transactions = 0;
  const save = () => options.save?.(record);

  /** Deploys `name` unless the record already has it with code on chain. */
  async function contract<T>(name: ContractName, args: unknown[], libraries?: Record<string, string>): Promise<T> {
    const factory = await ethers.getContractFactory(name, libraries ? { signer, libraries } : signer);
    const prior = record.contracts[name];
    if (prior && (await ethers.provider.getCode(prior.address)) !== "0x") {
      log(`  ${name.padEnd(22)} ${prior.address} (recorded)`);
      return factory.attach(prior.address) as unknown as T;
    }
    const deployed = await (await factory.deploy(...args)).waitForDeployment();
    const tx = deployed.deploymentTransaction()!;
    const receipt = (await tx.wait())!;
    transactions += 1;
    record.contracts[name] = {
      address: await deployed.getAddress(),
      blockNumber: receipt.blockNumber,
      transactionHash: tx.hash,
      constructorArgs: args.map(toJson),
      ...(libraries ? { libraries } : {}),
    };
    save();
    log(`  ${name.padEnd(22)} ${record.contracts[name]!.address} (block ${receipt.blockNumber})`);
    return deployed as unknown as T;
  }

  /** Sends `tx()` unless `done()` already holds on chain. */
  async function step(what: string, done: () => Promise<boolean>, tx: () => Promise<ContractTransactionResponse>) {
    if (await done()) return;
    await (await tx()).wait();
    transactions += 1;
    log(`  ${what}`);
  }

  const address = (c: BaseContract) => c.getAddress();
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

  // Linked libraries: they exist only to keep the registry under the 24 KiB contract size limit.
  const registryParametersLib = await contract<RegistryParametersLib>("RegistryParametersLib", []);
  const registryIndexLib = await contract<RegistryIndexLib>("RegistryIndexLib", []);

  const r = params.registry;
  // The deployer administers the registry until the roles are wired, then hands over to governance.
  const registry = await contract<SequencerRegistry>(
    "SequencerRegistry",
    [
      {
        admin: deployerAddress,
        // The registry starts in round-robin (other modes need the selection module, deployed next); the
        // configured mode is set once the module is wired.
        config: { ...r.config, selectionMode: 0 },
        parameters: { ...r.parameters, fallbackSequencer: r.parameters.fallbackSequencer ?? governance },
        slotDuration: r.slotDuration,
        weightUnit: r.weightUnit,
      },
    ],
    {
      "contracts/libraries/RegistryParametersLib.sol:RegistryParametersLib": await address(registryParametersLib),
      "contracts/libraries/RegistryIndexLib.sol:RegistryIndexLib": await address(registryIndexLib),
    },
  );
  const registryAddress = await address(registry);
  const equivocationModule = await contract<EquivocationModule>("EquivocationModule", [registryAddress]);
  const equivocationModuleAddress = await address(equivocationModule);
  const lens = await contract<RegistryLens>("RegistryLens", [registryAddress]);

  const sp = params.selection;
  const selection = await contract<SelectionMechanisms>("SelectionMechanisms", [
    {
      admin: deployerAddress,
      registry: registryAddress,
      minScore: sp.minScore,
      auctionWinners: sp.auctionWinners,
      turnsPerAuction: sp.turnsPerAuction,
      minBid: sp.minBid,
      hybridWeights: sp.hybridWeights,
      rewardsRecipient: sp.rewardsRecipient ?? governance,
    },
  ]);
  const selectionAddress = await address(selection);

  let beacon: VRFBeacon | undefined;
  let chainlinkAdapter: ChainlinkVRFAdapter | undefined;
  const rp = params.randomness;
  if (rp.kind === "beacon") {
    beacon = await contract<VRFBeacon>("VRFBeacon", [registryAddress, selectionAddress, rp.roundTimeout]);
  } else {
    chainlinkAdapter = await contract<ChainlinkVRFAdapter>("ChainlinkVRFAdapter", [
      rp.coordinator,
      rp.subscriptionId,
      rp.keyHash,
      selectionAddress,
      rp.callbackGasLimit,
      rp.requestConfirmations,
    ]);
  }
  const sourceAddress = await address((beacon ?? chainlinkAdapter)!);

  const mev = await contract<MEVMitigation>("MEVMitigation", [
    deployerAddress,
    registryAddress,
    params.mev.revealWindow,
    params.mev.squaringsPerSecond,
  ]);
  const training = await contract<TrainingCoordinator>("TrainingCoordinator", [registryAddress]);

  const mp = params.monitor;
  const monitor = await contract<PerformanceMonitor>("PerformanceMonitor", [
    deployerAddress,
    registryAddress,
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
  ]);
  const monitorAddress = await address(monitor);

  const scheduler = await contract<AIScheduler>("AIScheduler", [
    deployerAddress,
    registryAddress,
    params.scheduler.startWindow,
    params.scheduler.acceptanceWindow,
    params.scheduler.deadlinePenaltyBps,
  ]);
  const schedulerAddress = await address(scheduler);
  const schedulerLens = await contract<SchedulerLens>("SchedulerLens", [schedulerAddress]);

  // ── wiring: every step reads the chain first, so a rerun only does what is missing ──
  await step(
    `selection: randomness source ${sourceAddress}`,
    async () => same(await selection.randomnessSource(), sourceAddress),
    () => selection.setRandomnessSource(sourceAddress),
  );
  await step(
    `registry: selection module ${selectionAddress}`,
    async () => same(await registry.selectionModule(), selectionAddress),
    () => registry.setSelectionModule(selectionAddress),
  );
  await step(
    `registry: equivocation module ${equivocationModuleAddress}`,
    async () => same(await registry.equivocationModule(), equivocationModuleAddress),
    () => registry.setEquivocationModule(equivocationModuleAddress),
  );
  const mode = BigInt(r.config.selectionMode);
  await step(
    `registry: selection mode ${mode}`,
    async () => (await registry.getConfig()).selectionMode === mode,
    () => registry.setParameter(SELECTION_MODE_PARAMETER, mode),
  );
  const reporterRole = await monitor.REPORTER_ROLE();
  for (const reporter of mp.reporters ?? []) {
    await step(
      `monitor: reporter ${reporter}`,
      () => monitor.hasRole(reporterRole, reporter),
      () => monitor.grantRole(reporterRole, reporter),
    );
  }
  // Governance also acts as the scheduler's scheduler (capabilities, scheduling) until it appoints services.
  const schedulerRole = await scheduler.SCHEDULER_ROLE();
  await step(
    `scheduler: scheduler role to ${governance}`,
    () => scheduler.hasRole(schedulerRole, governance),
    () => scheduler.grantRole(schedulerRole, governance),
  );
  // The constructor starts with no bond and a 7-day arbitration window; the parameters set the chain's terms.
  const { disputeBond, arbitrationWindow } = params.scheduler;
  await step(
    `scheduler: dispute bond ${disputeBond} wei, arbitration window ${arbitrationWindow} s`,
    async () => (await scheduler.disputeBond()) === disputeBond && (await scheduler.arbitrationWindow()) === arbitrationWindow,
    () => scheduler.setDisputeTerms(disputeBond, arbitrationWindow),
  );

  const roles = {
    admin: await registry.DEFAULT_ADMIN_ROLE(),
    governance: await registry.GOVERNANCE_ROLE(),
    slasher: await registry.SLASHER_ROLE(),
    monitor: await registry.MONITOR_ROLE(),
  };
  const grants: [string, string, string][] = [
    ["slasher", roles.slasher, governance],
    // The monitor slashes SLA breaches and censorship, suspends repeat offenders, pushes reputation as the
    // performance score, and forces rotation on liveness failures.
    ["slasher", roles.slasher, monitorAddress],
    ["monitor", roles.monitor, monitorAddress],
    // The scheduler slashes sequencers that let jobs miss their deadlines.
    ["slasher", roles.slasher, schedulerAddress],
    ...(params.slashers ?? []).map((a): [string, string, string] => ["slasher", roles.slasher, a]),
    ...(params.monitors ?? []).map((a): [string, string, string] => ["monitor", roles.monitor, a]),
  ];
  const handOver = !same(governance, deployerAddress);
  if (handOver) grants.push(["admin", roles.admin, governance], ["governance", roles.governance, governance]);
  for (const [name, role, account] of grants) {
    await step(
      `registry: ${name} role to ${account}`,
      () => registry.hasRole(role, account),
      () => registry.grantRole(role, account),
    );
  }
  if (handOver) {
    const auctioneer = await selection.AUCTIONEER_ROLE();
    const handed: [string, SelectionMechanisms | MEVMitigation | PerformanceMonitor | AIScheduler, string[]][] = [
      ["selection", selection, [auctioneer, roles.governance, roles.admin]],
      ["mev", mev, [roles.governance, roles.admin]],
      ["monitor", monitor, [roles.governance, roles.admin]],
      ["scheduler", scheduler, [roles.governance, roles.admin]],
    ];
    // Grants first, renunciations after (the admin role last): a crash in between leaves the deployer able to finish.
    for (const [name, c, list] of handed) {
      for (const role of list)
        await step(
          `${name}: role ${role.slice(0, 10)} to ${governance}`,
          () => c.hasRole(role, governance),
          () => c.grantRole(role, governance),
        );
    }
    for (const [name, c, list] of handed) {
      for (const role of list) {
        await step(
          `${name}: deployer renounces ${role.slice(0, 10)}`,
          async () => !(await c.hasRole(role, deployerAddress)),
          () => c.renounceRole(role, deployerAddress),
        );
      }
    }
    for (const role of [roles.governance, roles.admin]) {
      await step(
        `registry: deployer renounces ${role.slice(0, 10)}`,
        async () => !(await registry.hasRole(role, deployerAddress)),
        () => registry.renounceRole(role, deployerAddress),
      );
    }
  }
  record.complete = true;
  save();

  return {
    registry,
    registryParametersLib,
    equivocationModule,
    lens,
    registryIndexLib,
    selection,
    beacon,
    chainlinkAdapter,
    mev,
    training,
    monitor,
    scheduler,
    schedulerLens,
    governance,
    deployer: signer,
    params,
    record,
    transactions,
  };
}

/** The compiler and settings the artifacts were built with (what explorer verification needs). */
async function compilerInfo(hre: HardhatRuntimeEnvironment): Promise<DeploymentRecord["compiler"]> {
  const solidity = hre.config.solidity;
  const main = solidity.compilers[0];
  let longVersion: string | undefined;
  try {
    const info = await hre.artifacts.getBuildInfo("contracts/SequencerRegistry.sol:SequencerRegistry");
    longVersion = info?.solcLongVersion;
  } catch {
    longVersion = undefined;
  }
  const overrides: Record<string, unknown> = {};
  for (const [file, c] of Object.entries(solidity.overrides)) overrides[file] = { version: c.version, settings: pickSettings(c.settings) };
  return { version: main.version, longVersion, settings: toJson(pickSettings(main.settings)), overrides: toJson(overrides) };
}

function pickSettings(settings: Record<string, unknown>) {
  const { optimizer, evmVersion, viaIR, metadata } = settings as Record<string, unknown>;
  return { optimizer, evmVersion, viaIR, metadata };
}
