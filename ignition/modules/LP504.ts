import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { Future } from "@nomicfoundation/ignition-core";
import { getAddress, id, ZeroHash, zeroPadValue } from "ethers";
import { Parameter, SIGNING_KEY_DELAY_SLOTS, type SuiteParams } from "../../deploy/params";

/** The module's id: future ids are `LP504#<name>`, module parameters are under `LP504`. */
export const LP504_MODULE_ID = "LP504";

/**
 * What shapes the module: the randomness source, and the accounts the wiring grants roles to. Accounts decide which
 * calls exist (one grant per account, renunciations only when governance is not the deployer), so they are part of
 * the module, not parameters; the numbers are module parameters (`lp504Parameters`).
 */
export interface LP504Plan {
  /** Sends every transaction; admin of every contract until the wiring hands over. */
  deployer: string;
  /** Admin and governance of every contract once wired (the deployer when the parameter file names none). */
  governance: string;
  randomness: "beacon" | "chainlink";
  /** The configured selection mode: the registry is built in round-robin (0) and switched once the module is linked. */
  selectionMode: bigint;
  reporters: string[];
  slashers: string[];
  monitors: string[];
  /** The slashing queue's proposers and vetoers (default: governance). */
  proposers: string[];
  vetoers: string[];
}

export function lp504Plan(params: SuiteParams, deployer: string): LP504Plan {
  return {
    deployer: getAddress(deployer),
    governance: getAddress(params.governance ?? deployer),
    randomness: params.randomness.kind,
    selectionMode: BigInt(params.registry.config.selectionMode),
    reporters: params.monitor.reporters ?? [],
    slashers: params.slashers ?? [],
    monitors: params.monitors ?? [],
    proposers: params.slashing.proposers ?? [getAddress(params.governance ?? deployer)],
    vetoers: params.slashing.vetoers ?? [getAddress(params.governance ?? deployer)],
  };
}

/** The module parameters (`{ LP504: {...} }`) of a parameter file: every number the constructors and the wiring take. */
export function lp504Parameters(params: SuiteParams, plan: LP504Plan) {
  const { registry: r, selection: s, randomness, mev, monitor, scheduler, slashing } = params;
  const { sla, reporters: _reporters, ...monitorParameters } = monitor;
  return {
    [LP504_MODULE_ID]: {
      registryConfig: { ...r.config, selectionMode: 0n },
      registryParameters: { ...r.parameters, fallbackSequencer: getAddress(r.parameters.fallbackSequencer ?? plan.governance) },
      slotDuration: r.slotDuration,
      weightUnit: r.weightUnit,
      selectionMode: plan.selectionMode,
      minScore: s.minScore,
      auctionWinners: s.auctionWinners,
      turnsPerAuction: s.turnsPerAuction,
      minBid: s.minBid,
      hybridWeights: s.hybridWeights,
      rewardsRecipient: getAddress(s.rewardsRecipient ?? plan.governance),
      committeeSize: s.committeeSize,
      committeeEpochSlots: s.committeeEpochSlots,
      auction: {
        bond: s.auctionBond,
        revealPeriod: s.revealPeriod,
        disputePeriod: s.disputePeriod,
        capWins: s.capWins,
        capWindow: s.capWindow,
      },
      ...(randomness.kind === "beacon"
        ? { roundTimeout: randomness.roundTimeout }
        : {
            coordinator: randomness.coordinator,
            subscriptionId: randomness.subscriptionId,
            keyHash: randomness.keyHash,
            callbackGasLimit: BigInt(randomness.callbackGasLimit),
            requestConfirmations: BigInt(randomness.requestConfirmations),
          }),
      revealWindow: mev.revealWindow,
      squaringsPerSecond: mev.squaringsPerSecond,
      monitorParameters,
      sla,
      startWindow: scheduler.startWindow,
      acceptanceWindow: scheduler.acceptanceWindow,
      deadlinePenaltyBps: scheduler.deadlinePenaltyBps,
      disputeBond: scheduler.disputeBond,
      arbitrationWindow: scheduler.arbitrationWindow,
      vetoWindow: slashing.vetoWindow,
      executionWindow: slashing.executionWindow,
      claimWindow: slashing.claimWindow,
      maxClaimBps: slashing.maxClaimBps,
    },
  };
}

const ROLE = {
  DEFAULT_ADMIN_ROLE: ZeroHash,
  GOVERNANCE_ROLE: id("GOVERNANCE_ROLE"),
  SLASHER_ROLE: id("SLASHER_ROLE"),
  MONITOR_ROLE: id("MONITOR_ROLE"),
  AUCTIONEER_ROLE: id("AUCTIONEER_ROLE"),
  BOND_SLASHER_ROLE: id("BOND_SLASHER_ROLE"),
  REPORTER_ROLE: id("REPORTER_ROLE"),
  SCHEDULER_ROLE: id("SCHEDULER_ROLE"),
  INSURER_ROLE: zeroPadValue("0x01", 32),
  PROPOSER_ROLE: id("PROPOSER_ROLE"),
  VETOER_ROLE: id("VETOER_ROLE"),
};
type RoleName = keyof typeof ROLE;

/**
 * The LP-504 suite as an Ignition module: the same contracts, constructor arguments and wiring as `deploySuite`
 * (deploy/suite.ts), whose facts are `wiringTable` (deploy/wiring.ts). Every wiring call runs after the previous one
 * (`after`), in the table's order, so the deployer's renunciations come last, each contract's admin role after its
 * other roles and the registry's admin role last of all. Only the wiring that does not hold after construction is
 * sent: not the administrative roles the constructors grant (to governance, when it is the deployer), nor the
 * round-robin mode the registry is built in.
 */
export function lp504Module(plan: LP504Plan) {
  return buildModule(LP504_MODULE_ID, (m) => {
    const { deployer, governance } = plan;
    const p = <T extends Parameters<typeof m.getParameter>[1]>(name: string) => m.getParameter<NonNullable<T>>(name);
    const handOver = getAddress(governance) !== getAddress(deployer);

    // Linked libraries: they exist only to keep the registry and the scheduler under the 24 KiB contract size limit.
    const registryParametersLib = m.library("RegistryParametersLib");
    const registryIndexLib = m.library("RegistryIndexLib");
    const registry = m.contract(
      "SequencerRegistry",
      [
        {
          admin: deployer,
          config: p("registryConfig"),
          parameters: p("registryParameters"),
          slotDuration: p("slotDuration"),
          weightUnit: p("weightUnit"),
        },
      ],
      { libraries: { RegistryParametersLib: registryParametersLib, RegistryIndexLib: registryIndexLib } },
    );
    const signingKeys = m.contract("SigningKeys", [registry, SIGNING_KEY_DELAY_SLOTS]);
    const equivocationModule = m.contract("EquivocationModule", [registry, signingKeys]);
    const lens = m.contract("RegistryLens", [registry]);
    const slashingQueue = m.contract("SlashingQueue", [
      deployer,
      registry,
      lens,
      p("vetoWindow"),
      p("executionWindow"),
      p("claimWindow"),
      p("maxClaimBps"),
    ]);
    const selection = m.contract("SelectionMechanisms", [
      {
        admin: deployer,
        registry,
        minScore: p("minScore"),
        auctionWinners: p("auctionWinners"),
        turnsPerAuction: p("turnsPerAuction"),
        minBid: p("minBid"),
        hybridWeights: p("hybridWeights"),
        rewardsRecipient: p("rewardsRecipient"),
        committeeSize: p("committeeSize"),
        committeeEpochSlots: p("committeeEpochSlots"),
        auction: p("auction"),
      },
    ]);
    const source =
      plan.randomness === "beacon"
        ? m.contract("VRFBeacon", [registry, selection, p("roundTimeout")])
        : m.contract("ChainlinkVRFAdapter", [
            p("coordinator"),
            p("subscriptionId"),
            p("keyHash"),
            selection,
            p("callbackGasLimit"),
            p("requestConfirmations"),
          ]);
    const mev = m.contract("MEVMitigation", [deployer, registry, p("revealWindow"), p("squaringsPerSecond")]);
    const training = m.contract("TrainingCoordinator", [registry]);
    const monitor = m.contract("PerformanceMonitor", [deployer, registry, p("monitorParameters"), p("sla")]);
    const classIndexLib = m.library("ClassIndexLib");
    const scheduler = m.contract("AIScheduler", [deployer, registry, p("startWindow"), p("acceptanceWindow"), p("deadlinePenaltyBps")], {
      libraries: { ClassIndexLib: classIndexLib },
    });
    const schedulerLens = m.contract("SchedulerLens", [scheduler]);

    // ── wiring, in the order of the wiring table; each call after the previous one ──
    type Wired = typeof registry | typeof selection | typeof mev | typeof monitor | typeof scheduler | typeof source | typeof slashingQueue;
    let previous: Future[] = [
      registryParametersLib,
      registryIndexLib,
      registry,
      signingKeys,
      equivocationModule,
      lens,
      slashingQueue,
      selection,
      source,
      mev,
      training,
      monitor,
      classIndexLib,
      scheduler,
      schedulerLens,
    ];
    const call = (contract: Wired, fn: string, args: Parameters<typeof m.call>[2], callId: string) => {
      previous = [m.call(contract, fn, args, { id: callId, after: previous })];
    };
    const granted = new Set<string>();
    /** `account` gets `role` on `name`; an account listed twice is one grant. `account` is an address or a contract. */
    const grant = (
      name: string,
      contract: Wired,
      role: RoleName,
      account: string | typeof monitor | typeof scheduler | typeof slashingQueue,
      who: string,
    ) => {
      const key = `${name}:${role}:${typeof account === "string" ? getAddress(account) : who}`;
      if (granted.has(key)) return;
      granted.add(key);
      call(contract, "grantRole", [ROLE[role], account], `${name}_grant_${role}_to_${who}`);
    };
    const label = (account: string) => {
      const a = getAddress(account);
      return a === governance ? "governance" : a === deployer ? "deployer" : a;
    };

    call(selection, "setRandomnessSource", [source], "selection_setRandomnessSource");
    call(registry, "setSelectionModule", [selection], "registry_setSelectionModule");
    call(registry, "setEquivocationModule", [equivocationModule], "registry_setEquivocationModule");
    if (plan.selectionMode !== 0n)
      call(registry, "setParameter", [Parameter.SelectionMode, p("selectionMode")], "registry_setSelectionMode");
    for (const reporter of plan.reporters) grant("monitor", monitor, "REPORTER_ROLE", reporter, label(reporter));
    grant("scheduler", scheduler, "SCHEDULER_ROLE", governance, "governance");
    call(scheduler, "setDisputeTerms", [p("disputeBond"), p("arbitrationWindow")], "scheduler_setDisputeTerms");
    // Role slashes go through the slashing queue; it alone holds the registry's insurer role.
    grant("registry", registry, "SLASHER_ROLE", slashingQueue, "slashingQueue");
    grant("registry", registry, "INSURER_ROLE", slashingQueue, "slashingQueue");
    for (const a of plan.proposers) grant("slashingQueue", slashingQueue, "PROPOSER_ROLE", a, label(a));
    for (const a of plan.vetoers) grant("slashingQueue", slashingQueue, "VETOER_ROLE", a, label(a));
    grant("registry", registry, "SLASHER_ROLE", monitor, "monitor");
    grant("registry", registry, "MONITOR_ROLE", monitor, "monitor");
    grant("registry", registry, "SLASHER_ROLE", scheduler, "scheduler");
    for (const a of plan.slashers) grant("registry", registry, "SLASHER_ROLE", a, label(a));
    for (const a of plan.monitors) grant("registry", registry, "MONITOR_ROLE", a, label(a));

    // The hand-over: governance holds every administrative role (from construction when it is the deployer)...
    const handed: [string, Wired, RoleName[]][] = [
      ["selection", selection, ["AUCTIONEER_ROLE", "BOND_SLASHER_ROLE", "GOVERNANCE_ROLE", "DEFAULT_ADMIN_ROLE"]],
      ["mev", mev, ["GOVERNANCE_ROLE", "DEFAULT_ADMIN_ROLE"]],
      ["monitor", monitor, ["GOVERNANCE_ROLE", "DEFAULT_ADMIN_ROLE"]],
      ["scheduler", scheduler, ["GOVERNANCE_ROLE", "DEFAULT_ADMIN_ROLE"]],
      ["slashingQueue", slashingQueue, ["GOVERNANCE_ROLE", "DEFAULT_ADMIN_ROLE"]],
      ["registry", registry, ["GOVERNANCE_ROLE", "DEFAULT_ADMIN_ROLE"]],
    ];
    if (handOver) for (const [name, contract, roles] of handed) for (const r of roles) grant(name, contract, r, governance, "governance");
    // ...the Chainlink adapter's ownership is offered to it (two-step: governance calls `acceptOwnership()`)...
    if (handOver && plan.randomness === "chainlink") call(source, "transferOwnership", [governance], "chainlinkAdapter_transferOwnership");
    // ...and the deployer renounces every one of its roles, after every grant.
    if (handOver) {
      for (const [name, contract, roles] of handed) {
        for (const r of roles) call(contract, "renounceRole", [ROLE[r], deployer], `${name}_renounce_${r}`);
      }
    }

    return {
      registry,
      signingKeys,
      equivocationModule,
      lens,
      selection,
      ...(plan.randomness === "beacon" ? { beacon: source } : { chainlinkAdapter: source }),
      mev,
      training,
      monitor,
      scheduler,
      schedulerLens,
      slashingQueue,
      registryParametersLib,
      registryIndexLib,
      classIndexLib,
    };
  });
}
