import fs from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import {
  deploy,
  listTransactions,
  DeploymentResultType,
  type ExecutionEventListener,
  type TransactionInfo,
} from "@nomicfoundation/ignition-core";
import { HardhatArtifactResolver, errorDeploymentResultToExceptionMessage } from "@nomicfoundation/hardhat-ignition/helpers";
import { lp504Module, lp504Parameters, lp504Plan } from "../ignition/modules/LP504";
import type { SuiteParams } from "./params";
import {
  CONTRACT_NAMES,
  toJson,
  packageDeploymentsDir,
  type ContractName,
  type DeployedContract,
  type DeploymentRecord,
  type Json,
} from "./record";
import { compilerInfo } from "./suite";
import { wiringTable } from "./wiring";
import type {
  SequencerRegistry,
  EquivocationModule,
  RegistryLens,
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

/** The libraries each contract is linked against, by fully qualified name (what explorer verification needs). */
const LINKED: Partial<Record<ContractName, ContractName[]>> = {
  SequencerRegistry: ["RegistryParametersLib", "RegistryIndexLib"],
  AIScheduler: ["ClassIndexLib"],
};

/**
 * Where the Ignition journal of a chain lives: Ignition's own `ignition/deployments/chain-<chainId>` beside the package's
 * records (live chains), else `<records dir>/ignition/chain-<chainId>` (a development node's records dir, or the
 * LP504_DEPLOYMENTS_DIR of a test), so a throwaway chain's journal never takes the place of a live chain's.
 */
export function ignitionJournalDir(hre: HardhatRuntimeEnvironment, chainId: number, recordsDir: string): string {
  const id = `chain-${chainId}`;
  return path.resolve(recordsDir) === path.resolve(packageDeploymentsDir())
    ? path.join(hre.config.paths.ignition, "deployments", id)
    : path.join(recordsDir, "ignition", id);
}

export interface IgnitionDeployOptions {
  /** The Ignition deployment directory: its journal is what a rerun resumes from. */
  journal: string;
  /** Sends every transaction (default: the first account). */
  deployer?: Signer;
  /** The network's name in the record (default: hre.network.name). */
  network?: string;
  /** Marks the record as a development node's. */
  development?: boolean;
}

export interface IgnitionDeployment {
  record: DeploymentRecord;
  /** Transactions this run sent (0 when the journal already held the whole deployment). */
  transactions: number;
  /** The wiring facts that do not hold on chain after the run (a Chainlink adapter's ownership until governance accepts it,
   * or a fact changed since the deployment): `lp504 check` reports them. */
  unheld: string[];
}

/** Ignition refused to continue the journal's deployment: the module's arguments (parameters or accounts) changed. */
export class ParametersChangedError extends Error {
  constructor(ignitionMessage: string) {
    super(ignitionMessage);
    this.name = "ParametersChangedError";
  }
}

/**
 * The journal holds executed steps that this parameter file's module no longer has (a role granted to an account
 * since removed from the file, a randomness contract of the other kind, a selection mode set): Ignition would only
 * warn and carry on, and the chain would keep what the file no longer says. Refused before anything is sent.
 */
export class StepsDroppedError extends Error {
  constructor(journal: string, steps: string[]) {
    super(
      `the journal ${journal} holds steps this parameter file no longer has; they happened on chain and a rerun cannot undo them:\n  ` +
        `${steps.join("\n  ")}\nRestore the parameters to continue that deployment, or pass --fresh to deploy anew ` +
        "(and undo what the old steps did by hand: `lp504 check` on the old record shows it).",
    );
    this.name = "StepsDroppedError";
  }
}

/** A step of an earlier run failed or timed out; Ignition retries nothing until it is wiped from the journal. */
export class PreviousRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreviousRunError";
  }
}

/** An execution listener that ignores every event but Ignition's reconciliation warnings, which it refuses. */
function refusingDroppedSteps(journal: string): ExecutionEventListener {
  return new Proxy({} as ExecutionEventListener, {
    get: (_target, name) =>
      name === "reconciliationWarnings"
        ? (event: { warnings: string[] }) => {
            if (event.warnings.length) throw new StepsDroppedError(journal, event.warnings);
          }
        : () => undefined,
  });
}

/** The keys whose values differ between two parameter objects (as records hold them), each with both values. */
export function parameterDiff(before: Json, after: Json, where = "params"): string[] {
  const isObject = (v: Json): v is { [key: string]: Json } => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => parameterDiff(before[k] ?? null, after[k] ?? null, `${where}.${k}`));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [`${where}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`];
}

/** The transactions of an Ignition journal (none when there is no journal yet). */
async function journalTransactions(hre: HardhatRuntimeEnvironment, journal: string): Promise<TransactionInfo[]> {
  if (!fs.existsSync(path.join(journal, "journal.jsonl"))) return [];
  return listTransactions(journal, new HardhatArtifactResolver(hre));
}

/**
 * Whether the journal's contracts exist on the connected chain. A development node that was restarted has lost them:
 * its journal describes a chain that is gone.
 */
export async function journalMatchesChain(hre: HardhatRuntimeEnvironment, journal: string): Promise<boolean> {
  const first = (await journalTransactions(hre, journal)).find((t) => t.address);
  return !first || (await hre.ethers.provider.getCode(first.address!)) !== "0x";
}

/**
 * Deploys (or resumes) the suite through the Ignition module `ignition/modules/LP504.ts` with the parameters of a
 * parameter file, then builds the deployment record from the journal: addresses, blocks, transactions and constructor
 * arguments as Ignition sent them. Ignition refuses a rerun whose parameters differ from the journal's, naming each
 * future whose arguments changed.
 */
export async function deployWithIgnition(
  hre: HardhatRuntimeEnvironment,
  params: SuiteParams,
  options: IgnitionDeployOptions,
): Promise<IgnitionDeployment> {
  const signer = options.deployer ?? (await hre.ethers.getSigners())[0];
  const deployer = await signer.getAddress();
  const plan = lp504Plan(params, deployer);
  const artifactResolver = new HardhatArtifactResolver(hre);
  const before = (await journalTransactions(hre, options.journal)).length;
  const network = hre.config.networks[hre.network.name];
  const module = lp504Module(plan);
  const moduleFutures = new Set<string>([...module.futures].map((f) => f.id));
  const result = await deploy({
    // A development node mines at once: poll for receipts every 50 ms, not Ignition's 1 s (unless configured).
    config: { ...(options.development ? { blockPollingInterval: 50 } : {}), ...hre.config.ignition },
    provider: hre.network.provider,
    deploymentDir: options.journal,
    artifactResolver,
    ignitionModule: module,
    executionEventListener: refusingDroppedSteps(options.journal),
    deploymentParameters: lp504Parameters(params, plan),
    accounts: (await hre.network.provider.request({ method: "eth_accounts" })) as string[],
    defaultSender: deployer,
    maxFeePerGasLimit: network?.ignition?.maxFeePerGasLimit,
    maxPriorityFeePerGas: network?.ignition?.maxPriorityFeePerGas,
    maxRetries: hre.config.ignition.maxRetries,
    retryInterval: hre.config.ignition.retryInterval,
  });
  if (result.type === DeploymentResultType.RECONCILIATION_ERROR)
    throw new ParametersChangedError(errorDeploymentResultToExceptionMessage(result));
  if (result.type === DeploymentResultType.PREVIOUS_RUN_ERROR) {
    // A step recorded as failed or timed out is not retried: Ignition wants it wiped from the journal first.
    const id = path.basename(options.journal);
    throw new PreviousRunError(
      `${errorDeploymentResultToExceptionMessage(result)}\n` +
        `A failed or timed-out step stays failed in the journal ${options.journal}: find out why it failed, then remove it with ` +
        `\`npx hardhat ignition wipe ${id} <future id>\` (a live chain's journal lives under ignition/deployments/) and rerun ` +
        "`lp504 deploy`. Starting over with --fresh leaves the half-wired contracts (and the deployer's roles on them) behind.",
    );
  }
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new Error(`${errorDeploymentResultToExceptionMessage(result)}\n(journal: ${options.journal})`);
  }
  const transactions = await journalTransactions(hre, options.journal);

  const contracts: DeploymentRecord["contracts"] = {};
  const foreign = Object.keys(result.contracts).filter((id) => !moduleFutures.has(id));
  if (foreign.length) {
    throw new StepsDroppedError(
      options.journal,
      foreign.map((id) => `${id}: deployed by an earlier run, not part of this parameter file's suite`),
    );
  }
  for (const deployed of Object.values(result.contracts)) {
    const name = deployed.contractName as ContractName;
    if (!CONTRACT_NAMES.includes(name)) throw new Error(`the Ignition module deployed ${name}, which no deployment record names`);
    const tx = transactions.find((t) => t.address?.toLowerCase() === deployed.address.toLowerCase());
    if (!tx) throw new Error(`the journal ${options.journal} has no transaction deploying ${name} at ${deployed.address}`);
    const receipt = await hre.ethers.provider.getTransactionReceipt(tx.txHash);
    if (!receipt) throw new Error(`the chain has no receipt for ${name}'s deployment ${tx.txHash}`);
    const entry: DeployedContract = {
      address: deployed.address,
      blockNumber: receipt.blockNumber,
      transactionHash: tx.txHash,
      constructorArgs: (tx.params ?? []).map(toJson),
    };
    contracts[name] = entry;
  }
  for (const [name, libraries] of Object.entries(LINKED)) {
    const entry = contracts[name as ContractName];
    if (!entry) continue;
    entry.libraries = Object.fromEntries(libraries.map((lib) => [`contracts/libraries/${lib}.sol:${lib}`, contracts[lib]!.address]));
  }
  const record: DeploymentRecord = {
    format: "lp504-deployment/2",
    chainId: Number((await hre.ethers.provider.getNetwork()).chainId),
    network: options.network ?? hre.network.name,
    deployer: plan.deployer,
    governance: plan.governance,
    params: toJson(params),
    compiler: await compilerInfo(hre),
    contracts: Object.fromEntries(CONTRACT_NAMES.filter((n) => contracts[n]).map((n) => [n, contracts[n]])),
    complete: true,
    ...(options.development === undefined ? {} : { development: options.development }),
    updatedAt: new Date().toISOString(),
  };

  const at = async <T>(name: ContractName): Promise<T> => (await hre.ethers.getContractAt(name, contracts[name]!.address)) as unknown as T;
  const table = await wiringTable(
    {
      registry: await at<SequencerRegistry>("SequencerRegistry"),
      equivocationModule: await at<EquivocationModule>("EquivocationModule"),
      lens: await at<RegistryLens>("RegistryLens"),
      selection: await at<SelectionMechanisms>("SelectionMechanisms"),
      beacon: contracts.VRFBeacon ? await at<VRFBeacon>("VRFBeacon") : undefined,
      chainlinkAdapter: contracts.ChainlinkVRFAdapter ? await at<ChainlinkVRFAdapter>("ChainlinkVRFAdapter") : undefined,
      mev: await at<MEVMitigation>("MEVMitigation"),
      training: await at<TrainingCoordinator>("TrainingCoordinator"),
      monitor: await at<PerformanceMonitor>("PerformanceMonitor"),
      scheduler: await at<AIScheduler>("AIScheduler"),
      schedulerLens: await at<SchedulerLens>("SchedulerLens"),
      slashingQueue: await at<SlashingQueue>("SlashingQueue"),
    },
    { governance: plan.governance, deployer: plan.deployer, params },
  );
  const unheld: string[] = [];
  for (const fact of table) {
    const { ok, detail } = await fact.holds();
    if (!ok) unheld.push(`${fact.label} (${detail})`);
  }
  return { record, transactions: transactions.length - before, unheld };
}
