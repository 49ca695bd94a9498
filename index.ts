/**
 * lp504-sequencer-registry: what a dApp, an operator's tooling or another TypeScript project imports.
 *
 *   import { connectSuite, readDeployment, abis, buildEquivocationProof } from "lp504-sequencer-registry";
 *
 * - `abis`: every contract's ABI, `as const` (viem, ethers or any ABI consumer);
 * - the TypeChain (ethers v6) contract types and factories, e.g. `SequencerRegistry`, `SequencerRegistry__factory`;
 * - the deployment records of `deployments/<chainId>.json` (`readDeployment`) and `connectSuite`, which attaches
 *   every contract of a record to a provider or signer, typed;
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
} from "./typechain-types";
import type { DeploymentRecord } from "./deploy/record";

export * from "./sdk";
export { abis } from "./generated/abis";
export { readDeployment, deploymentPath, deploymentsDir, localDeploymentsDir, CONTRACT_NAMES } from "./deploy/record";
export type { DeploymentRecord, DeployedContract, ContractName } from "./deploy/record";
export { SelectionMode, SequencerStatus, Parameter } from "./deploy/params";
export * from "./typechain-types";

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
  };
}
