import fs from "node:fs";
import path from "node:path";

/** Every contract the suite deploys, by the name it has in a deployment record. */
export const CONTRACT_NAMES = [
  "RegistryParametersLib",
  "RegistryIndexLib",
  "SequencerRegistry",
  "EquivocationModule",
  "RegistryLens",
  "SelectionMechanisms",
  "VRFBeacon",
  "ChainlinkVRFAdapter",
  "MEVMitigation",
  "TrainingCoordinator",
  "PerformanceMonitor",
  "ClassIndexLib",
  "AIScheduler",
  "SchedulerLens",
] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface DeployedContract {
  address: string;
  blockNumber: number;
  transactionHash: string;
  /** Constructor arguments with integers as decimal strings: what explorer verification needs. */
  constructorArgs: Json[];
  /** Linked libraries by fully qualified name. */
  libraries?: Record<string, string>;
}

/**
 * `deployments/<chainId>.json`: what a dApp needs to find the suite, and what a resumed deployment needs to
 * continue. Written after every step, so a failed run leaves a record the next run continues from.
 */
export interface DeploymentRecord {
  format: "lp504-deployment/2";
  chainId: number;
  network: string;
  deployer: string;
  governance: string;
  /** The parameters deployed with, integers as decimal strings. A resumed run must use the same ones. */
  params: Json;
  compiler: { version: string; longVersion?: string; settings: Json; overrides: Json };
  contracts: Partial<Record<ContractName, DeployedContract>>;
  /** True once every contract is deployed and every role and address is wired. */
  complete: boolean;
  /** True when the chain was a development node (anvil, Hardhat Network): such a record lives in
   * `deployments/local/` (or `LP504_DEPLOYMENTS_DIR`), never beside the live chains' records. */
  development?: boolean;
  updatedAt: string;
}

/**
 * Where the records of live chains live: `LP504_DEPLOYMENTS_DIR` if set (tests against throwaway nodes use it),
 * else the package's own `deployments/` (the files dApps read and `npm pack` ships).
 */
export function deploymentsDir(dir?: string): string {
  return dir ?? process.env.LP504_DEPLOYMENTS_DIR ?? packageDeploymentsDir();
}

/** The package's `deployments/`: live chains' records only. */
export function packageDeploymentsDir(): string {
  return path.join(packageRoot(), "deployments");
}

/**
 * Where the records of development nodes live: `LP504_DEPLOYMENTS_DIR` if set, else `deployments/local/`
 * (git-ignored, not packed). A development node may run under a live chain's id (`anvil --chain-id 96369`):
 * its record must never take the place of that chain's `deployments/<chainId>.json`.
 */
export function localDeploymentsDir(): string {
  const dir = process.env.LP504_DEPLOYMENTS_DIR ?? path.join(packageDeploymentsDir(), "local");
  if (path.resolve(dir) === path.resolve(packageDeploymentsDir())) {
    throw new Error(
      `LP504_DEPLOYMENTS_DIR is the package's deployments/ (${dir}), where live chains' records are: a development node's ` +
        "record must go elsewhere (unset it to use deployments/local/)",
    );
  }
  return dir;
}

/** The records directory for a chain: live chains' or development nodes'. */
export function recordsDir(development: boolean): string {
  return development ? localDeploymentsDir() : deploymentsDir();
}

/** The package's root (where package.json is), from the sources or from the built `dist/`. */
function packageRoot(): string {
  let dir = path.join(__dirname, "..");
  while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function deploymentPath(chainId: number | bigint, dir?: string): string {
  return path.join(deploymentsDir(dir), `${chainId}.json`);
}

/** The record for `chainId`, or undefined when the chain has none. */
export function readDeployment(chainId: number | bigint, dir?: string): DeploymentRecord | undefined {
  const file = deploymentPath(chainId, dir);
  if (!fs.existsSync(file)) return undefined;
  const record = JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentRecord;
  if (record.format !== "lp504-deployment/2") {
    const hint =
      record.format === "lp504-deployment/1" ? " (format 1 predates the equivocation module: redeploy with `lp504 deploy --fresh`)" : "";
    throw new Error(`${file}: unknown format ${String(record.format)}${hint}`);
  }
  if (BigInt(record.chainId) !== BigInt(chainId)) throw new Error(`${file} is for chain ${record.chainId}, not ${chainId}`);
  return record;
}

export function writeDeployment(record: DeploymentRecord, dir?: string): string {
  const file = deploymentPath(record.chainId, dir);
  if (record.development && path.resolve(path.dirname(file)) === path.resolve(packageDeploymentsDir())) {
    throw new Error(`refusing to write a development node's record to ${file}: that is where live chain ${record.chainId}'s record goes`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ ...record, updatedAt: new Date().toISOString() }, null, 2) + "\n");
  fs.renameSync(tmp, file); // atomic: a crash mid-write never leaves half a record
  return file;
}

/** `value` with every bigint turned into its decimal string, recursively: JSON-safe. */
export function toJson(value: unknown): Json {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return value as Json;
}
