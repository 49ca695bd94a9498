/**
 * lp504-sequencer-registry: what a dApp, an operator's tooling or another TypeScript project imports. This entry runs
 * in browsers as well as in Node (it imports nothing of Node); reading records from files is in
 * `lp504-sequencer-registry/node`.
 *
 *   import { connectSuite, getDeployment, abis, decodeRevert, parseEvents } from "lp504-sequencer-registry";
 *
 * - `abis`: every contract's ABI, `as const` (viem, ethers or any ABI consumer);
 * - the TypeChain (ethers v6) contract types and factories of the suite and its interfaces, e.g. `SequencerRegistry`,
 *   `SequencerRegistry__factory` (no mocks);
 * - the live chains' deployment records (`getDeployment`, compiled in from `deployments/<chainId>.json`) and
 *   `connectSuite`, which attaches every contract of a record to a provider or signer, typed;
 * - `decodeRevert` / `describeRevert`: a failed call's custom error with its name and arguments;
 * - `parseEvents`: logs decoded into typed objects (`bigint` for every integer);
 * - the SDK: EIP-712 block commitments and equivocation evidence, the ECVRF prover, threshold encryption and
 *   share opening, the VDF prover.
 */
import type { ContractRunner } from "ethers";
import {
  SequencerRegistry__factory,
  SelectionMechanisms__factory,
  VRFBeacon__factory,
  ChainlinkVRFAdapter__factory,
  MEVMitigation__factory,
  TrainingCoordinator__factory,
  PerformanceMonitor__factory,
  AIScheduler__factory,
  SchedulerLens__factory,
  RegistryLens__factory,
  EquivocationModule__factory,
  SlashingQueue__factory,
  SigningKeys__factory,
} from "./generated/contracts";
import { abis } from "./generated/abis";
import { deploymentRecords } from "./generated/deployments";
import type { DeploymentRecord } from "./deploy/recordFormat";
import { RevertDecoder, type DecodedRevert } from "./sdk/errors";
import { EventDecoder, type DecodedEvent, type EventName, type LogLike } from "./sdk/events";

export * from "./sdk";
export { abis };
export * from "./generated/contracts";
export { CONTRACT_NAMES, RECORD_FORMAT, checkDeploymentRecord } from "./deploy/recordFormat";
export type { DeploymentRecord, DeployedContract, ContractName, Json } from "./deploy/recordFormat";
export { SelectionMode, SequencerStatus, Parameter } from "./deploy/params";
export { RevertDecoder, revertDataOf, type DecodedRevert } from "./sdk/errors";
export { EventDecoder, type DecodedEvent, type EventName, type LogLike, type SolidityValue, type ParametersObject } from "./sdk/events";

/** The chains the package has a deployment record for. */
export const deploymentChainIds: readonly number[] = Object.keys(deploymentRecords).map(Number);

/** The package's deployment record for `chainId` (a live chain), or undefined when the suite is not deployed there. */
export function getDeployment(chainId: number | bigint): DeploymentRecord | undefined {
  return deploymentRecords[String(chainId)];
}

/** Every contract of a deployment record, attached to `runner` (a provider for reads, a signer to send). */
export function connectSuite(record: DeploymentRecord, runner: ContractRunner) {
  const address = (name: keyof DeploymentRecord["contracts"]) => {
    const entry = record.contracts[name];
    if (!entry) throw new Error(`deployment on chain ${record.chainId} has no ${name}`);
    return entry.address;
  };
  return {
    registry: SequencerRegistry__factory.connect(address("SequencerRegistry"), runner),
    /** The registry's views the specification does not name: pools, positions, unbondings, rewards, duty, weights. */
    lens: RegistryLens__factory.connect(address("RegistryLens"), runner),
    /** The judge of equivocation evidence: its EIP-712 domain and the digest a sequencer signs. */
    equivocationModule: EquivocationModule__factory.connect(address("EquivocationModule"), runner),
    /** The sequencers' block-commitment signing keys (the operator address until its operator sets one). */
    signingKeys: SigningKeys__factory.connect(address("SigningKeys"), runner),
    selection: SelectionMechanisms__factory.connect(address("SelectionMechanisms"), runner),
    beacon: record.contracts.VRFBeacon ? VRFBeacon__factory.connect(address("VRFBeacon"), runner) : undefined,
    chainlinkAdapter: record.contracts.ChainlinkVRFAdapter
      ? ChainlinkVRFAdapter__factory.connect(address("ChainlinkVRFAdapter"), runner)
      : undefined,
    mev: MEVMitigation__factory.connect(address("MEVMitigation"), runner),
    training: TrainingCoordinator__factory.connect(address("TrainingCoordinator"), runner),
    monitor: PerformanceMonitor__factory.connect(address("PerformanceMonitor"), runner),
    scheduler: AIScheduler__factory.connect(address("AIScheduler"), runner),
    /** The scheduler's views the specification does not name: jobs, settlements, boosts, balances, accounting. */
    schedulerLens: SchedulerLens__factory.connect(address("SchedulerLens"), runner),
    /** Role slashes with a veto window, and insurance claims against executed slashes. */
    slashingQueue: SlashingQueue__factory.connect(address("SlashingQueue"), runner),
  };
}

let suiteErrors: RevertDecoder | undefined;
const revertDecoder = () => (suiteErrors ??= new RevertDecoder(Object.values(abis)));

/**
 * What a failed call or transaction reverted with, decoded against every custom error of the suite: `errorOrData` is
 * what ethers (or a provider) threw, or the revert data itself. Undefined when it carries no revert data.
 *
 *   try { await registry.registerSequencer(…) } catch (e) { console.log(decodeRevert(e)?.name) } // "RegistryStakeTooLow"
 */
export function decodeRevert(errorOrData: unknown): DecodedRevert | undefined {
  return revertDecoder().decode(errorOrData);
}

/** `decodeRevert` as one line: `RegistryOperatorAlreadyRegistered(operator=0x…, sequencerId=1)`. */
export function describeRevert(errorOrData: unknown): string | undefined {
  return revertDecoder().describe(errorOrData);
}

/** The contracts whose ABIs the package exports, by name. */
export type SuiteAbiName = keyof typeof abis;
/** A decoded event of contract `C` (name `N`, or any of its events). */
export type SuiteEvent<C extends SuiteAbiName, N extends EventName<(typeof abis)[C]> = EventName<(typeof abis)[C]>> = DecodedEvent<
  (typeof abis)[C],
  N
>;

const eventDecoders = new Map<SuiteAbiName, EventDecoder<readonly unknown[]>>();

/**
 * The logs of `logs` (a receipt's, or `getLogs`') that are events of contract `contract`, decoded and typed:
 *
 *   for (const e of parseEvents("SequencerRegistry", receipt.logs, { address: registryAddress }))
 *     if (e.name === "SequencerRegistered") e.args.sequencerId; // bigint
 *
 * Without `address`, a log from any contract whose event has the same signature is decoded too.
 */
export function parseEvents<C extends SuiteAbiName>(
  contract: C,
  logs: readonly LogLike[],
  options: { address?: string } = {},
): SuiteEvent<C>[] {
  let decoder = eventDecoders.get(contract);
  if (!decoder) eventDecoders.set(contract, (decoder = new EventDecoder(abis[contract])));
  return decoder.parseAll(logs, options) as SuiteEvent<C>[];
}
