/**
 * Which contracts the dashboard reads: from a deployment record (a URL to `deployments/<chainId>.json`, or the
 * package's own record of the chain), or from addresses given in the page's query string.
 */
import { Contract, type ContractRunner, type JsonRpcProvider } from "ethers";
import { abis, checkDeploymentRecord, getDeployment, type DeploymentRecord, type SequencerRegistry, type SuiteAbiName } from "../../index";

/**
 * The contract `name` at `address` with the package's ABI, typed as its TypeChain contract (what the package's
 * factories' `connect` does, without bundling their deployment bytecode into the page).
 */
export function attach<T>(name: SuiteAbiName, address: string, runner: ContractRunner): T {
  return new Contract(address, abis[name], runner) as unknown as T;
}

/** The suite's contracts the dashboard reads; only the registry is required. */
export interface SuiteAddresses {
  registry: string;
  lens?: string;
  selection?: string;
  mev?: string;
  scheduler?: string;
  schedulerLens?: string;
  /** The block the registry was deployed in (events are searched from there), when known. */
  fromBlock?: number;
  /** Where the addresses came from, shown in the page. */
  source: string;
}

/** What the page was asked to show: `?rpc=…&record=…` or `?rpc=…&registry=…[&lens=…&selection=…&mev=…&scheduler=…&schedulerLens=…]`. */
export interface Target {
  rpc: string;
  record?: string;
  registry?: string;
  lens?: string;
  selection?: string;
  mev?: string;
  scheduler?: string;
  schedulerLens?: string;
}

const OPTIONAL = ["lens", "selection", "mev", "scheduler", "schedulerLens"] as const;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** The target named by a query string, or undefined when it names no RPC URL. */
export function targetFromQuery(search: string): Target | undefined {
  const q = new URLSearchParams(search);
  const rpc = q.get("rpc")?.trim();
  if (!rpc) return undefined;
  const target: Target = { rpc };
  const record = q.get("record")?.trim();
  if (record) target.record = record;
  const registry = q.get("registry")?.trim();
  if (registry) target.registry = registry;
  for (const key of OPTIONAL) {
    const value = q.get(key)?.trim();
    if (value) target[key] = value;
  }
  return target;
}

/** `target` as a query string (for the address bar and links). */
export function queryOf(target: Target): string {
  const q = new URLSearchParams({ rpc: target.rpc });
  if (target.record) q.set("record", target.record);
  if (target.registry) q.set("registry", target.registry);
  for (const key of OPTIONAL) if (target[key]) q.set(key, target[key] as string);
  return `?${q.toString()}`;
}

function checkAddress(value: string, name: string): string {
  if (!ADDRESS.test(value)) throw new Error(`${name} "${value}" is not an address (0x followed by 40 hex digits)`);
  return value;
}

function fromRecord(record: DeploymentRecord, source: string): SuiteAddresses {
  const c = record.contracts;
  if (!c.SequencerRegistry) throw new Error(`${source} has no SequencerRegistry`);
  return {
    registry: c.SequencerRegistry.address,
    lens: c.RegistryLens?.address,
    selection: c.SelectionMechanisms?.address,
    mev: c.MEVMitigation?.address,
    scheduler: c.AIScheduler?.address,
    schedulerLens: c.SchedulerLens?.address,
    fromBlock: c.SequencerRegistry.blockNumber,
    source,
  };
}

/** Fetches and checks the deployment record at `url` (it must be the record of `chainId`). */
async function fetchRecord(url: string, chainId: bigint): Promise<DeploymentRecord> {
  let response: Response;
  try {
    response = await fetch(url, { cache: "no-store" });
  } catch (error) {
    throw new Error(`cannot fetch the deployment record ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new Error(`cannot fetch the deployment record ${url}: HTTP ${response.status}`);
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new Error(`the deployment record ${url} is not JSON`);
  }
  return checkDeploymentRecord(json, chainId, url);
}

/**
 * The addresses to read on chain `chainId`: the record at `target.record`; else `target.registry` (the selection
 * module is read from the registry, the other contracts from the query or, when the package's record of this chain
 * has the same registry, from that record); else the package's record of the chain.
 */
export async function resolveAddresses(target: Target, provider: JsonRpcProvider, chainId: bigint): Promise<SuiteAddresses> {
  if (target.record) return fromRecord(await fetchRecord(target.record, chainId), target.record);
  const packaged = getDeployment(chainId);
  if (!target.registry) {
    if (!packaged) {
      throw new Error(`the package has no deployment record of chain ${chainId}: give the registry's address or a record URL`);
    }
    return fromRecord(packaged, `the package's record of chain ${chainId}`);
  }
  const registry = checkAddress(target.registry, "registry");
  if ((await provider.getCode(registry)) === "0x") throw new Error(`no contract at registry ${registry} on chain ${chainId}`);
  const addresses: SuiteAddresses =
    packaged && packaged.contracts.SequencerRegistry?.address.toLowerCase() === registry.toLowerCase()
      ? fromRecord(packaged, `the package's record of chain ${chainId}`)
      : { registry, source: "the query string" };
  for (const key of OPTIONAL) if (target[key]) addresses[key] = checkAddress(target[key] as string, key);
  if (!addresses.selection) {
    const module = await attach<SequencerRegistry>("SequencerRegistry", registry, provider).selectionModule();
    if (module !== "0x0000000000000000000000000000000000000000") addresses.selection = module;
  }
  return addresses;
}
