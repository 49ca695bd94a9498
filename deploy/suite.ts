import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { BaseContract, Signer } from "ethers";
import type {
  SequencerRegistry,
  RegistryParametersLib,
  EquivocationModule,
  SigningKeys,
  RegistryLens,
  RegistryIndexLib,
  ClassIndexLib,
  SelectionMechanisms,
  VRFBeacon,
  ChainlinkVRFAdapter,
  MEVMitigation,
  TrainingCoordinator,
  PerformanceMonitor,
  AIScheduler,
  SchedulerLens,
  SlashingQueue,
} from "../typechain-types";
import { type SuiteParams, defaultSuiteParams, SIGNING_KEY_DELAY_SLOTS } from "./params";
import { type ContractName, type DeploymentRecord, toJson } from "./record";
import { wiringTable } from "./wiring";

export interface Suite {
  registry: SequencerRegistry;
  registryParametersLib: RegistryParametersLib;
  /** Judges equivocation evidence for the registry. */
  equivocationModule: EquivocationModule;
  /** The sequencers' block-commitment signing keys, read by the equivocation module. */
  signingKeys: SigningKeys;
  /** The registry's convenience views (pools, positions, unbonding requests, pending rewards). */
  lens: RegistryLens;
  registryIndexLib: RegistryIndexLib;
  /** The scheduler's capability index and search (a linked library). */
  classIndexLib: ClassIndexLib;
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
  /** Holds the registry's slasher and insurer roles: role slashes wait out a veto window; insurance claims. */
  slashingQueue: SlashingQueue;
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
 * Deploys and wires the LP-504 suite from a parameter object and returns the contract handles. The tests, the
 * demo and the benchmark deploy through this function; `lp504 deploy` runs the Ignition module
 * `ignition/modules/LP504.ts` (deploy/ignition.ts), which deploys the same contracts and sends the same wiring. Both
 * are held to the same wiring table, which `test/Ignition.test.ts` and `test/Deploy.test.ts` read back.
 *
 * Wiring: the facts of `wiringTable` (deploy/wiring.ts), which `lp504 check` reads back: governance (default: the
 * deployer) is admin and governance of every contract; the registry's slasher role goes to the slashing queue (whose
 * proposers and vetoers are `params.slashing.proposers`/`vetoers`, default governance), the monitor, the scheduler
 * and `params.slashers` (none by default), its insurer role to the queue alone, the monitor role to the monitor and
 * `params.monitors`; when governance is not the deployer, the deployer renounces every role at the end.
 *
 * Resumable and idempotent: with `options.resume`, contracts recorded there (and holding code) are reused,
 * and every wiring fact is first read from the chain and its transaction sent only if it does not hold.
 * Rerunning a complete deployment therefore sends nothing. The renunciations are facts about the recorded
 * deployer; another account may resume a complete deployment (governance, to restore a fact only it may set).
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
  // A resumed deployment keeps its governance, whoever resumes it.
  const governance = params.governance ?? options.resume?.governance ?? deployerAddress;
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

  const address = (c: BaseContract) => c.getAddress();

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
  const signingKeys = await contract<SigningKeys>("SigningKeys", [registryAddress, SIGNING_KEY_DELAY_SLOTS]);
  const equivocationModule = await contract<EquivocationModule>("EquivocationModule", [registryAddress, await address(signingKeys)]);
  const lens = await contract<RegistryLens>("RegistryLens", [registryAddress]);
  const sp = params.slashing;
  const slashingQueue = await contract<SlashingQueue>("SlashingQueue", [
    deployerAddress,
    registryAddress,
    await address(lens),
    sp.vetoWindow,
    sp.executionWindow,
    sp.claimWindow,
    sp.maxClaimBps,
  ]);

  const selection = await contract<SelectionMechanisms>("SelectionMechanisms", [
    selectionInit(params.selection, deployerAddress, registryAddress, governance),
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
      slaPenaltyBps: mp.slaPenaltyBps,
      censorshipPenaltyBps: mp.censorshipPenaltyBps,
      suspendAfterBreaches: mp.suspendAfterBreaches,
      targetTps: mp.targetTps,
      targetLatencyMs: mp.targetLatencyMs,
      minInclusionFee: mp.minInclusionFee,
    },
    mp.sla,
  ]);

  // Linked for the same reason: the scheduler's capability index and search.
  const classIndexLib = await contract<ClassIndexLib>("ClassIndexLib", []);
  const scheduler = await contract<AIScheduler>(
    "AIScheduler",
    [
      deployerAddress,
      registryAddress,
      params.scheduler.startWindow,
      params.scheduler.acceptanceWindow,
      params.scheduler.deadlinePenaltyBps,
    ],
    { "contracts/libraries/ClassIndexLib.sol:ClassIndexLib": await address(classIndexLib) },
  );
  const schedulerLens = await contract<SchedulerLens>("SchedulerLens", [await address(scheduler)]);

  // ── wiring: every fact of the table is read from the chain first, so a rerun only sends what is missing ──
  const contracts = {
    registry,
    equivocationModule,
    lens,
    selection,
    beacon,
    chainlinkAdapter,
    mev,
    training,
    monitor,
    scheduler,
    schedulerLens,
    slashingQueue,
  };
  for (const fact of await wiringTable(contracts, { governance, deployer: record.deployer, params })) {
    const { ok, detail } = await fact.holds();
    if (ok) continue;
    if (!fact.apply)
      throw new Error(`the deployment cannot be wired: "${fact.label}" does not hold (${detail}) and no transaction makes it hold`);
    await (await fact.apply()).wait();
    transactions += 1;
    log(`  ${fact.label}`);
  }
  record.complete = true;
  save();

  return {
    registry,
    registryParametersLib,
    equivocationModule,
    signingKeys,
    lens,
    registryIndexLib,
    classIndexLib,
    selection,
    beacon,
    chainlinkAdapter,
    mev,
    training,
    monitor,
    scheduler,
    schedulerLens,
    slashingQueue,
    governance,
    deployer: signer,
    params,
    record,
    transactions,
  };
}

/** The compiler and settings the artifacts were built with (what explorer verification needs). */
export async function compilerInfo(hre: HardhatRuntimeEnvironment): Promise<DeploymentRecord["compiler"]> {
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

/** The selection module's constructor argument from its deployment parameters. */
export function selectionInit(sp: SuiteParams["selection"], admin: string, registry: string, governance: string) {
  return {
    admin,
    registry,
    minScore: sp.minScore,
    auctionWinners: sp.auctionWinners,
    turnsPerAuction: sp.turnsPerAuction,
    minBid: sp.minBid,
    hybridWeights: sp.hybridWeights,
    rewardsRecipient: sp.rewardsRecipient ?? governance,
    committeeSize: sp.committeeSize,
    committeeEpochSlots: sp.committeeEpochSlots,
    auction: {
      bond: sp.auctionBond,
      revealPeriod: sp.revealPeriod,
      disputePeriod: sp.disputePeriod,
      capWins: sp.capWins,
      capWindow: sp.capWindow,
    },
  };
}
