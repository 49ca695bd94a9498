/**
 * The deployment record's format: what `deployments/<chainId>.json` holds. No file access here, so the package's
 * browser-safe entry can use it; reading and writing the files is in `recordFile.ts` and `record.ts`.
 */

/** Every contract the suite deploys, by the name it has in a deployment record. */
export const CONTRACT_NAMES = [
  "RegistryParametersLib",
  "RegistryIndexLib",
  "SequencerRegistry",
  "SigningKeys",
  "EquivocationModule",
  "RegistryLens",
  "SlashingQueue",
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

/** The format this code reads and writes. */
export const RECORD_FORMAT = "lp504-deployment/2";

/**
 * `value` as the deployment record of `chainId`, or an error naming `where` (a file, or the package's records) when it
 * is of another format or another chain.
 */
export function checkDeploymentRecord(value: unknown, chainId: number | bigint, where: string): DeploymentRecord {
  const record = value as DeploymentRecord;
  if (record === null || typeof record !== "object" || record.format !== RECORD_FORMAT) {
    const format = record !== null && typeof record === "object" ? String(record.format) : typeof record;
    const hint =
      format === "lp504-deployment/1" ? " (format 1 predates the equivocation module: redeploy with `lp504 deploy --fresh`)" : "";
    throw new Error(`${where}: unknown format ${format}${hint}`);
  }
  if (BigInt(record.chainId) !== BigInt(chainId)) throw new Error(`${where} is for chain ${record.chainId}, not ${chainId}`);
  return record;
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
