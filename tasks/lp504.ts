import { scope } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  Interface,
  type Signer,
  type ErrorFragment,
  type TransactionRequest,
  type ContractTransactionResponse,
  type ContractTransactionReceipt,
} from "ethers";
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
import { readDeployment, deploymentPath, recordsDir, type DeploymentRecord } from "../deploy/record";
import { RevertDecoder, revertDataOf } from "../sdk/errors";
import { detectChainKind, type ChainKind } from "../deploy/chain";

/** Every LP-504 task lives under this scope: `npx hardhat lp504 <task> --network <name>`. */
export const lp504 = scope("lp504", "LP-504 sequencer registry: deploy, check, operate and inspect the suite");

export const PLUGIN = "lp504";

/** The suite of a recorded deployment, attached with its TypeChain types. */
export interface AttachedSuite {
  record: DeploymentRecord;
  registry: SequencerRegistry;
  equivocationModule: EquivocationModule;
  lens: RegistryLens;
  selection: SelectionMechanisms;
  beacon?: VRFBeacon;
  chainlinkAdapter?: ChainlinkVRFAdapter;
  mev: MEVMitigation;
  training: TrainingCoordinator;
  monitor: PerformanceMonitor;
  scheduler: AIScheduler;
  schedulerLens: SchedulerLens;
  slashingQueue: SlashingQueue;
}

export async function chainIdOf(hre: HardhatRuntimeEnvironment): Promise<number> {
  return Number((await hre.ethers.provider.getNetwork()).chainId);
}

/** The connected chain: its id, whether it is a development node (asked of the node, not the network's name),
 * and the directory its deployment record belongs in. */
export interface ChainTarget extends ChainKind {
  chainId: number;
  /** `deployments/` (or LP504_DEPLOYMENTS_DIR) for a live chain, `deployments/local/` for a development node. */
  dir: string;
}

/** How the tasks decide whether the chain is live; a seam for tests, which may replace it. */
export const chainDetection = {
  detect: (hre: HardhatRuntimeEnvironment): Promise<ChainKind> =>
    detectChainKind((method, params) => hre.network.provider.request({ method, params })),
};

export async function chainTarget(hre: HardhatRuntimeEnvironment): Promise<ChainTarget> {
  const chainId = await chainIdOf(hre);
  const kind = await chainDetection.detect(hre);
  let dir: string;
  try {
    dir = recordsDir(kind.local);
  } catch (error) {
    throw new HardhatPluginError(PLUGIN, (error as Error).message);
  }
  return { ...kind, chainId, dir };
}

/** The deployment on the connected chain, or a clear error telling how to make one. */
export async function attachSuite(hre: HardhatRuntimeEnvironment, signer?: Signer): Promise<AttachedSuite> {
  const { chainId, dir, local } = await chainTarget(hre);
  const record = readDeployment(chainId, dir);
  if (!record) {
    throw new HardhatPluginError(
      PLUGIN,
      `no deployment for chain ${chainId} (${local ? "a development node" : "a live chain"}: ${deploymentPath(chainId, dir)}): ` +
        `run \`npx hardhat lp504 deploy --network ${hre.network.name}\``,
    );
  }
  if (!record.complete)
    throw new HardhatPluginError(PLUGIN, `the deployment on chain ${chainId} is unfinished: rerun \`lp504 deploy\` to complete it`);
  // A development node restarted since the deployment keeps its chain id but not its contracts: every call would
  // read empty return data ("could not decode result data").
  const registryAddress = record.contracts.SequencerRegistry?.address;
  if (registryAddress && (await hre.ethers.provider.getCode(registryAddress)) === "0x") {
    throw new HardhatPluginError(
      PLUGIN,
      `the deployment recorded for chain ${chainId} (${deploymentPath(chainId, dir)}) has no code at ${registryAddress}: ` +
        (local
          ? "the node was restarted or reset since; deploy again with `lp504 deploy --fresh`"
          : "the record does not match this chain"),
    );
  }
  return attachRecord(hre, record, signer);
}

/** The contracts of `record`, attached with their TypeChain types (the record need not be complete, its contracts must be there). */
export async function attachRecord(hre: HardhatRuntimeEnvironment, record: DeploymentRecord, signer?: Signer): Promise<AttachedSuite> {
  const at = async <T>(name: keyof DeploymentRecord["contracts"]): Promise<T> => {
    const entry = record.contracts[name];
    if (!entry) throw new HardhatPluginError(PLUGIN, `the deployment on chain ${record.chainId} has no ${name}`);
    return (await hre.ethers.getContractAt(name, entry.address, signer)) as unknown as T;
  };
  return {
    record,
    registry: await at<SequencerRegistry>("SequencerRegistry"),
    equivocationModule: await at<EquivocationModule>("EquivocationModule"),
    lens: await at<RegistryLens>("RegistryLens"),
    selection: await at<SelectionMechanisms>("SelectionMechanisms"),
    beacon: record.contracts.VRFBeacon ? await at<VRFBeacon>("VRFBeacon") : undefined,
    chainlinkAdapter: record.contracts.ChainlinkVRFAdapter ? await at<ChainlinkVRFAdapter>("ChainlinkVRFAdapter") : undefined,
    mev: await at<MEVMitigation>("MEVMitigation"),
    training: await at<TrainingCoordinator>("TrainingCoordinator"),
    monitor: await at<PerformanceMonitor>("PerformanceMonitor"),
    scheduler: await at<AIScheduler>("AIScheduler"),
    schedulerLens: await at<SchedulerLens>("SchedulerLens"),
    slashingQueue: await at<SlashingQueue>("SlashingQueue"),
  };
}

/**
 * `signer`, but every transaction is estimated first and not sent if it would revert: Hardhat's HTTP provider
 * otherwise sends a transaction whose estimate failed with the block gas limit, which costs real gas on a live
 * chain and returns no revert reason. The estimate's error carries the custom error instead.
 */
export function preflight(signer: Signer): Signer {
  return new Proxy(signer, {
    get(target, prop) {
      if (prop === "sendTransaction") {
        return async (tx: TransactionRequest) => {
          if (tx.gasLimit == null) {
            const gas = await target.estimateGas(tx);
            tx = { ...tx, gasLimit: gas + gas / 5n };
          }
          return target.sendTransaction(tx);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** `--from`: an index into the network's accounts (default 0) or one of their addresses. */
export async function signerFrom(hre: HardhatRuntimeEnvironment, from?: string): Promise<Signer> {
  return preflight(await accountFrom(hre, from));
}

async function accountFrom(hre: HardhatRuntimeEnvironment, from?: string): Promise<Signer> {
  const signers = await hre.ethers.getSigners();
  if (signers.length === 0)
    throw new HardhatPluginError(PLUGIN, `network ${hre.network.name} has no accounts: set its key with \`npx hardhat vars set\``);
  if (from === undefined || from === "") return signers[0];
  if (/^\d+$/.test(from)) {
    const signer = signers[Number(from)];
    if (!signer) throw new HardhatPluginError(PLUGIN, `--from ${from}: the network has ${signers.length} accounts`);
    return signer;
  }
  const signer = signers.find((s) => s.address.toLowerCase() === from.toLowerCase());
  if (!signer) throw new HardhatPluginError(PLUGIN, `--from ${from} is not one of the network's accounts`);
  return signer;
}

let errorInterface: Interface | undefined;

/** One interface holding every custom error of every contract in the project (inherited OpenZeppelin ones too). */
export async function allErrors(hre: HardhatRuntimeEnvironment): Promise<Interface> {
  if (errorInterface) return errorInterface;
  const fragments = new Map<string, ErrorFragment>();
  for (const fqn of await hre.artifacts.getAllFullyQualifiedNames()) {
    const { abi } = await hre.artifacts.readArtifact(fqn);
    for (const item of abi) {
      if (item.type !== "error") continue;
      const fragment = new Interface([item]).fragments[0] as ErrorFragment;
      fragments.set(fragment.format("sighash"), fragment);
    }
  }
  errorInterface = new Interface([...fragments.values()]);
  return errorInterface;
}

let errorDecoder: RevertDecoder | undefined;

/** A readable line for revert data: the custom error with its argument names and values (amounts also in LUX). */
export async function decodeRevert(hre: HardhatRuntimeEnvironment, data: string): Promise<string> {
  errorDecoder ??= new RevertDecoder([(await allErrors(hre)).fragments]);
  const line = errorDecoder.describe(data, formatValue);
  return line ?? `unknown revert ${data.slice(0, 10)}`;
}

function formatValue(v: unknown): string {
  return typeof v === "bigint" && v >= 10n ** 15n ? `${v} (${Number(v) / 1e18} LUX)` : String(v);
}

/**
 * Runs a task body and turns any revert into a one-line error naming the custom error and its arguments,
 * never a raw revert blob or a stack trace.
 */
export async function withDecodedErrors<T>(hre: HardhatRuntimeEnvironment, what: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof HardhatPluginError) throw error;
    let data = revertDataOf(error);
    const hash = (error as { receipt?: { hash?: string } }).receipt?.hash;
    if (!data && hash) {
      // A mined, reverted transaction carries no revert data: replay it as a call to get the custom error.
      const tx = await hre.ethers.provider.getTransaction(hash);
      if (tx) {
        try {
          await hre.ethers.provider.call({ to: tx.to, from: tx.from, data: tx.data, value: tx.value });
        } catch (replayError) {
          data = revertDataOf(replayError);
        }
      }
    }
    if (data) throw new HardhatPluginError(PLUGIN, `${what} reverted: ${await decodeRevert(hre, data)}`);
    const message = (error as { shortMessage?: string; message?: string }).shortMessage ?? (error as Error).message ?? String(error);
    throw new HardhatPluginError(PLUGIN, `${what} failed: ${message}`);
  }
}

/** Amount in LUX (decimal string) to wei. */
export function lux(hre: HardhatRuntimeEnvironment, amount: string): bigint {
  try {
    return hre.ethers.parseEther(amount);
  } catch {
    throw new HardhatPluginError(PLUGIN, `"${amount}" is not an amount of LUX`);
  }
}

export const fmtLux = (wei: bigint) => {
  const s = (Number(wei) / 1e18).toLocaleString("en-US", { maximumFractionDigits: 4 });
  return `${s} LUX`;
};

/** Waits for a transaction and prints a one-line receipt. */
export async function sent(label: string, tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = (await (await tx).wait())!;
  console.log(`${label}: tx ${receipt.hash} (block ${receipt.blockNumber}, gas ${receipt.gasUsed})`);
  return receipt;
}

/** Attaches the recorded suite as `--from`, runs `body`, and decodes any revert. */
export async function operate<T>(
  hre: HardhatRuntimeEnvironment,
  what: string,
  from: string | undefined,
  body: (suite: AttachedSuite, signer: Signer) => Promise<T>,
): Promise<T> {
  const signer = await signerFrom(hre, from);
  const suite = await attachSuite(hre, signer);
  return withDecodedErrors(hre, what, () => body(suite, signer));
}

/** A whole number from the command line, or an error naming the option. */
export function parseWhole(value: string, what: string): bigint {
  if (!/^\s*\d+\s*$/.test(value)) throw new HardhatPluginError(PLUGIN, `${what}: "${value}" is not a whole number`);
  return BigInt(value.trim());
}
