import { getAddress, type ContractTransactionResponse } from "ethers";
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
import { type SuiteParams, Parameter } from "./params";

/** The deployed contracts the wiring reads and writes: deploySuite's handles, or a deployment record's, attached. */
export interface WiredContracts {
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

export interface WiringAccounts {
  /** Admin and governance of every contract once wired. */
  governance: string;
  /** The account that deployed the suite: it hands its roles to governance and renounces them. */
  deployer: string;
  params: SuiteParams;
}

/** What a wiring fact's read of the chain found: whether it holds and, when it does not, what the chain has. */
export interface Finding {
  ok: boolean;
  detail?: string;
}

/** A fact about one role of one contract: `account` holds it (`held`), or must not (a renunciation). */
export interface RoleFact {
  /** The AccessControl contract's address. */
  contract: string;
  /** The role's bytes32 id. */
  role: string;
  account: string;
  held: boolean;
}

/** One wiring fact of the suite. */
export interface WiringFact {
  label: string;
  /** Set on the entries that grant or renounce a role: `lp504 check` reads every other holder as unexpected. */
  role?: RoleFact;
  /** Reads the chain. */
  holds(): Promise<Finding>;
  /** Sends the transaction that makes the fact hold; absent for facts fixed at construction. */
  apply?(): Promise<ContractTransactionResponse>;
}

type AccessControlled = SequencerRegistry | SelectionMechanisms | MEVMitigation | PerformanceMonitor | AIScheduler | SlashingQueue;

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The suite's wiring, in the order `deploySuite` makes it hold: first the links fixed at construction (checked
 * only), then addresses, the selection mode, roles and terms, then every role governance must hold, and last
 * (when governance is not the deployer) the deployer's renunciations, each contract's admin role after its
 * other roles and the registry's admin role last. `deploySuite` applies the entries that do not hold;
 * `lp504 check` reports every entry.
 */
export async function wiringTable(c: WiredContracts, { governance, deployer, params }: WiringAccounts): Promise<WiringFact[]> {
  const [registry, selection, source, mev, monitor, scheduler, slashingQueue] = await Promise.all(
    [c.registry, c.selection, randomnessSource(c, params), c.mev, c.monitor, c.scheduler, c.slashingQueue].map((x) => x.getAddress()),
  );
  const addressOf = { registry, selection, mev, monitor, scheduler, slashingQueue };
  type ControlledName = keyof typeof addressOf;
  const role = {
    DEFAULT_ADMIN_ROLE: await c.registry.DEFAULT_ADMIN_ROLE(),
    GOVERNANCE_ROLE: await c.registry.GOVERNANCE_ROLE(),
    SLASHER_ROLE: await c.registry.SLASHER_ROLE(),
    MONITOR_ROLE: await c.registry.MONITOR_ROLE(),
    AUCTIONEER_ROLE: await c.selection.AUCTIONEER_ROLE(),
    BOND_SLASHER_ROLE: await c.selection.BOND_SLASHER_ROLE(),
    REPORTER_ROLE: await c.monitor.REPORTER_ROLE(),
    SCHEDULER_ROLE: await c.scheduler.SCHEDULER_ROLE(),
    ARBITER_ROLE: await c.scheduler.ARBITER_ROLE(),
    INSURER_ROLE: await c.slashingQueue.REGISTRY_INSURER_ROLE(),
    PROPOSER_ROLE: await c.slashingQueue.PROPOSER_ROLE(),
    VETOER_ROLE: await c.slashingQueue.VETOER_ROLE(),
  };
  type RoleName = keyof typeof role;
  /** An account in a label: checksummed (so an account listed twice is one fact), named when it is one of the suite's. */
  const who = (account: string) => {
    account = getAddress(account);
    const known: [string, string][] = [
      ["governance", governance],
      ["the deployer", deployer],
      ["the monitor", monitor],
      ["the scheduler", scheduler],
      ["the slashing queue", slashingQueue],
    ];
    const name = known.find(([, a]) => same(a, account))?.[0];
    return name ? `${name} ${account}` : account;
  };

  const table: WiringFact[] = [];
  /** Adds a fact unless one with the same label is there (a parameter list naming an account twice). */
  const add = (fact: WiringFact) => {
    if (!table.some((f) => f.label === fact.label)) table.push(fact);
  };
  const link = (label: string, read: () => Promise<string>, want: string, apply?: () => Promise<ContractTransactionResponse>) =>
    add({
      label: `${label} ${want}`,
      holds: async () => {
        const onChain = await read();
        return { ok: same(onChain, want), detail: `on chain ${onChain}` };
      },
      apply,
    });
  const held = (name: ControlledName, contract: AccessControlled, roleName: RoleName, account: string) =>
    add({
      label: `${name}: ${roleName} held by ${who(account)}`,
      role: { contract: addressOf[name], role: role[roleName], account: getAddress(account), held: true },
      holds: async () => ({ ok: await contract.hasRole(role[roleName], account), detail: "not held" }),
      apply: () => contract.grantRole(role[roleName], account),
    });
  const renounced = (name: ControlledName, contract: AccessControlled, roleName: RoleName) =>
    add({
      label: `${name}: ${roleName} not held by the deployer ${deployer}`,
      role: { contract: addressOf[name], role: role[roleName], account: getAddress(deployer), held: false },
      holds: async () => ({ ok: !(await contract.hasRole(role[roleName], deployer)), detail: "still held" }),
      apply: () => contract.renounceRole(role[roleName], deployer),
    });

  // Fixed at construction: the contracts were built for this suite.
  link("equivocation module → registry", () => c.equivocationModule.registry(), registry);
  link("registry lens → registry", () => c.lens.registry(), registry);
  link("selection → registry", () => c.selection.registry(), registry);
  if (c.beacon) {
    const beacon = c.beacon;
    link("beacon → registry", () => beacon.registry(), registry);
    link("beacon → selection", () => beacon.consumer(), selection);
  }
  if (c.chainlinkAdapter) {
    const adapter = c.chainlinkAdapter;
    link("chainlink adapter → selection", () => adapter.consumer(), selection);
  }
  link("mev → registry", () => c.mev.registry(), registry);
  link("training → registry", () => c.training.registry(), registry);
  link("monitor → registry", () => c.monitor.registry(), registry);
  link("scheduler → registry", () => c.scheduler.registry(), registry);
  link("scheduler lens → scheduler", () => c.schedulerLens.scheduler(), scheduler);
  link("slashing queue → registry", () => c.slashingQueue.registry(), registry);
  const lens = await c.lens.getAddress();
  link("slashing queue → lens", () => c.slashingQueue.lens(), lens);
  add({
    label: "scheduler: ARBITER_ROLE administered by GOVERNANCE_ROLE",
    holds: async () => {
      const admin = await c.scheduler.getRoleAdmin(role.ARBITER_ROLE);
      return { ok: admin === role.GOVERNANCE_ROLE, detail: `administered by ${admin}` };
    },
  });

  // Sent by the deployer while it administers every contract.
  link(
    "selection → randomness source",
    () => c.selection.randomnessSource(),
    source,
    () => c.selection.setRandomnessSource(source),
  );
  link(
    "registry → selection module",
    () => c.registry.selectionModule(),
    selection,
    () => c.registry.setSelectionModule(selection),
  );
  const equivocationModule = await c.equivocationModule.getAddress();
  link(
    "registry → equivocation module",
    () => c.registry.equivocationModule(),
    equivocationModule,
    () => c.registry.setEquivocationModule(equivocationModule),
  );
  // The registry is constructed in round-robin: other modes need the selection module, linked above.
  const mode = BigInt(params.registry.config.selectionMode);
  add({
    label: `registry: selection mode ${mode}`,
    holds: async () => {
      const onChain = (await c.registry.getConfig()).selectionMode;
      return { ok: onChain === mode, detail: `on chain ${onChain}` };
    },
    apply: () => c.registry.setParameter(Parameter.SelectionMode, mode),
  });
  for (const reporter of params.monitor.reporters ?? []) held("monitor", c.monitor, "REPORTER_ROLE", reporter);
  // Governance also acts as the scheduler's scheduler (capabilities, scheduling) until it appoints services.
  held("scheduler", c.scheduler, "SCHEDULER_ROLE", governance);
  // The constructor starts with no bond and a 7-day arbitration window; the parameters set the chain's terms.
  const { disputeBond, arbitrationWindow } = params.scheduler;
  add({
    label: `scheduler: dispute bond ${disputeBond} wei, arbitration window ${arbitrationWindow} s`,
    holds: async () => {
      const [bond, window] = [await c.scheduler.disputeBond(), await c.scheduler.arbitrationWindow()];
      return { ok: bond === disputeBond && window === arbitrationWindow, detail: `on chain ${bond} wei, ${window} s` };
    },
    apply: () => c.scheduler.setDisputeTerms(disputeBond, arbitrationWindow),
  });
  // Role slashes go through the slashing queue: its proposers queue, its vetoers may veto within the window, then
  // anyone executes. It alone pays insurance, on claims governance approves within bounds.
  held("registry", c.registry, "SLASHER_ROLE", slashingQueue);
  held("registry", c.registry, "INSURER_ROLE", slashingQueue);
  for (const a of params.slashing.proposers ?? [governance]) held("slashingQueue", c.slashingQueue, "PROPOSER_ROLE", a);
  for (const a of params.slashing.vetoers ?? [governance]) held("slashingQueue", c.slashingQueue, "VETOER_ROLE", a);
  const { vetoWindow, executionWindow, claimWindow, maxClaimBps } = params.slashing;
  add({
    label: `slashing queue: veto window ${vetoWindow} s, execution window ${executionWindow} s, claim window ${claimWindow} s, ${maxClaimBps} bp per claim`,
    holds: async () => {
      const terms = await Promise.all([0, 1, 2, 3].map((t) => c.slashingQueue.getTerm(t)));
      const want = [vetoWindow, executionWindow, claimWindow, maxClaimBps];
      return { ok: terms.every((v, i) => v === BigInt(want[i])), detail: `on chain ${terms.join(", ")}` };
    },
  });
  // The monitor slashes SLA breaches and censorship, suspends repeat offenders, pushes reputation as the
  // performance score, and forces rotation on liveness failures.
  held("registry", c.registry, "SLASHER_ROLE", monitor);
  held("registry", c.registry, "MONITOR_ROLE", monitor);
  // The scheduler slashes sequencers that let jobs miss their deadlines.
  held("registry", c.registry, "SLASHER_ROLE", scheduler);
  for (const a of params.slashers ?? []) held("registry", c.registry, "SLASHER_ROLE", a);
  for (const a of params.monitors ?? []) held("registry", c.registry, "MONITOR_ROLE", a);

  // The hand-over: governance holds every administrative role (from construction when it is the deployer)...
  const handed: [ControlledName, AccessControlled, RoleName[]][] = [
    ["selection", c.selection, ["AUCTIONEER_ROLE", "BOND_SLASHER_ROLE", "GOVERNANCE_ROLE", "DEFAULT_ADMIN_ROLE"]],
    ["mev", c.mev, ["GOVERNANCE_ROLE", "DEFAULT_ADMIN_ROLE"]],
    ["monitor", c.monitor, ["GOVERNANCE_ROLE", "DEFAULT_ADMIN_ROLE"]],
    ["scheduler", c.scheduler, ["GOVERNANCE_ROLE", "DEFAULT_ADMIN_ROLE"]],
    ["slashingQueue", c.slashingQueue, ["GOVERNANCE_ROLE", "DEFAULT_ADMIN_ROLE"]],
    ["registry", c.registry, ["GOVERNANCE_ROLE", "DEFAULT_ADMIN_ROLE"]],
  ];
  for (const [name, contract, roles] of handed) for (const r of roles) held(name, contract, r, governance);
  if (c.chainlinkAdapter) {
    // Chainlink's owner can point the adapter at another coordinator, and so choose the randomness: governance owns
    // it. The transfer is two-step: the deployer offers it (rerun, it offers again), governance calls
    // `acceptOwnership()`; until then this fact fails the check.
    const adapter = c.chainlinkAdapter;
    add({
      label: `chainlink adapter: owned by ${who(governance)}`,
      holds: async () => {
        const owner = await adapter.owner();
        return { ok: same(owner, governance), detail: `owner ${owner}` };
      },
      apply: () => adapter.transferOwnership(governance),
    });
  }
  // ...and a deployer other than governance holds none, renounced after every grant: a run that stops in
  // between leaves the deployer able to finish.
  if (!same(governance, deployer)) for (const [name, contract, roles] of handed) for (const r of roles) renounced(name, contract, r);
  return table;
}

function randomnessSource(c: WiredContracts, params: SuiteParams): VRFBeacon | ChainlinkVRFAdapter {
  const source = params.randomness.kind === "beacon" ? c.beacon : c.chainlinkAdapter;
  if (!source) throw new Error(`the suite has no ${params.randomness.kind === "beacon" ? "VRFBeacon" : "ChainlinkVRFAdapter"}`);
  return source;
}
