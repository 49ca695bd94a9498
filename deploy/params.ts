import type { ISequencerRegistry } from "../typechain-types/contracts/interfaces/ISequencerRegistry";

/** Selection modes, in `ISequencerRegistry.SelectionMode` order. */
export enum SelectionMode {
  RoundRobin = 0,
  WeightedRandom = 1,
  Auction = 2,
  Performance = 3,
  Hybrid = 4,
}

/** Sequencer statuses, in `ISequencerRegistry.SequencerStatus` order. */
export enum SequencerStatus {
  Inactive = 0,
  Active = 1,
  Suspended = 2,
  Ejected = 3,
  Exiting = 4,
}

/** Governed parameters, in `ISequencerRegistry.Parameter` order. */
export enum Parameter {
  MinStake,
  MaxSequencers,
  RotationPeriod,
  ExitDelay,
  SelectionMode,
  SlashingPercentage,
  MaxDelegationMultiplier,
  MinDelegation,
  EjectionStake,
  ReporterRewardBps,
  InsuranceFeeBps,
  MaxCommissionBps,
  DefaultCommissionBps,
  SuspensionCooldown,
  EvidenceWindowSlots,
  MinActiveSequencers,
  ActivationBlock,
  ScoreDecayRate,
}

export interface RegistryParams {
  /** Spec `RegistryConfig`. */
  config: ISequencerRegistry.RegistryConfigStruct;
  /** Everything else governance tunes; `fallbackSequencer` defaults to governance when empty. */
  parameters: Omit<ISequencerRegistry.RegistryParametersStruct, "fallbackSequencer"> & { fallbackSequencer?: string };
  /** Seconds per slot of the registry's slot clock (block commitments, evidence window). Immutable. */
  slotDuration: bigint;
  /** Wei per unit of selection weight. Immutable; lanes of the sum tree hold up to 2^64 − 1 units. */
  weightUnit: bigint;
}

export interface SelectionParams {
  /** Performance mode: lowest decayed score (bp) a sequencer needs to be selected. */
  minScore: bigint;
  /** Auction mode: winners per auction (1–8) and the turns they share (winners–64). */
  auctionWinners: bigint;
  turnsPerAuction: bigint;
  minBid: bigint;
  /** Auctions (fixed into each auction when it opens): each winner's slashable bond, the seconds after bidding
   * closes in which sealed bids are revealed, the seconds after finalization in which a bond can be slashed, and
   * the cap: at most `capWins` seats (0: no cap) per operator in any `capWindow` consecutive auctions. */
  auctionBond: bigint;
  revealPeriod: bigint;
  disputePeriod: bigint;
  capWins: bigint;
  capWindow: bigint;
  /** Hybrid mode: weights of [RoundRobin, WeightedRandom, Auction, Performance]. */
  hybridWeights: [number, number, number, number];
  /** Receives auction proceeds after the insurance fee; defaults to governance. */
  rewardsRecipient?: string;
  /** Seats of each epoch's attestation committee (1–32; an attested block needs ⌊2·size/3⌋ + 1 of them). */
  committeeSize: bigint;
  /** Registry slots per committee epoch (each epoch has its own committee, drawn once). */
  committeeEpochSlots: bigint;
}

/** Where randomness comes from: the sequencers' ECVRF beacon (default), or Chainlink VRF v2.5 where it exists. */
export type RandomnessParams =
  | { kind: "beacon"; roundTimeout: bigint }
  | {
      kind: "chainlink";
      coordinator: string;
      subscriptionId: bigint;
      keyHash: string;
      callbackGasLimit: number;
      requestConfirmations: number;
    };

export interface MEVParams {
  /** Seconds a transaction may wait to be revealed or decrypted (time-locked: after its unlock and slack). */
  revealWindow: bigint;
  /** Time-lock calibration: squarings per second of lock, at the fastest solver's speed (docs/MEV.md: ~10× native GMP). */
  squaringsPerSecond: bigint;
}

export interface MonitorParams {
  periodDuration: bigint;
  livenessTimeout: bigint;
  inclusionWindow: bigint;
  slaPenaltyBps: bigint;
  censorshipPenaltyBps: bigint;
  suspendAfterBreaches: bigint;
  targetTps: bigint;
  targetLatencyMs: bigint;
  minInclusionFee: bigint;
  /** The governed SLA that `penalizeSLAViolation` checks against. */
  sla: { minThroughput: bigint; minUptime: bigint; maxLatency: bigint; maxMissedSlots: bigint };
  /** Holders of the reporter role (inbox, batch poster, oracles). */
  reporters?: string[];
}

export interface SchedulerParams {
  /** A job must be started within this long of submission (and before its deadline). */
  startWindow: bigint;
  /** After a result, the requester has this long to settle before anyone may. */
  acceptanceWindow: bigint;
  /** Share of the pool (bp, ≤ 1,000) slashed per job that misses its deadline. */
  deadlinePenaltyBps: bigint;
  /** Wei a requester escrows to dispute a result (≤ 2^96 − 1); split by the ruling like the job's escrow. */
  disputeBond: bigint;
  /** Seconds an arbiter has to decide a dispute (1 hour – 90 days) before anyone may settle it evenly. */
  arbitrationWindow: bigint;
}

export interface SuiteParams {
  /** Admin and governance of every contract; defaults to the deployer. */
  governance?: string;
  /** Extra holders of the slasher role (governance always holds it). */
  slashers?: string[];
  /** Holders of the monitor role (performance scores). */
  monitors?: string[];
  registry: RegistryParams;
  selection: SelectionParams;
  randomness: RandomnessParams;
  mev: MEVParams;
  monitor: MonitorParams;
  scheduler: SchedulerParams;
}

const ether = (n: number | string) => BigInt(Math.round(Number(n) * 1e6)) * 10n ** 12n;

/**
 * Defaults for the built-in network and tests: the spec's 100,000-LUX stakes register comfortably, minimum
 * set of 1 so a single sequencer runs the protocol. Lux mainnet/testnet parameter files live in
 * `deploy/params/` and override these.
 */
export function defaultSuiteParams(): SuiteParams {
  return {
    registry: {
      config: {
        minStake: ether(100),
        maxSequencers: 1000n,
        rotationPeriod: 3600n,
        exitDelay: 7n * 86400n,
        selectionMode: SelectionMode.RoundRobin,
        slashingPercentage: 1000n, // 10%
      },
      parameters: {
        maxDelegationMultiplier: 10n,
        minDelegation: ether(1),
        ejectionStake: ether(50),
        reporterRewardBps: 1000n, // 10% of the slash
        insuranceFeeBps: 100n, // 1% of revenue (spec "Insurance")
        maxCommissionBps: 5000n,
        defaultCommissionBps: 1000n,
        suspensionCooldown: 86400n,
        evidenceWindowSlots: 7200n, // one day of 12 s slots, well inside the 7-day exit delay
        minActiveSequencers: 1n,
        activationBlock: 0n,
        scoreDecayRate: 100n, // a performance score loses 100 bp (1%) per day without a new report
      },
      slotDuration: 12n,
      weightUnit: 10n ** 15n,
    },
    selection: {
      minScore: 5000n,
      auctionWinners: 3n,
      turnsPerAuction: 12n,
      minBid: ether(1), // the auctions' reserve price
      auctionBond: ether(1),
      revealPeriod: 600n,
      disputePeriod: 2n * 86400n, // the 12 turns of an auction at the hourly rotation, and a day to dispute them
      capWins: 4n, // at most half of any eight consecutive auctions
      capWindow: 8n,
      hybridWeights: [25, 50, 0, 25],
      committeeSize: 16n, // 11 seats attest a block
      committeeEpochSlots: 7200n, // one day of 12 s slots, the monitor's period
    },
    randomness: { kind: "beacon", roundTimeout: 120n },
    mev: { revealWindow: 600n, squaringsPerSecond: 6_000_000n },
    monitor: {
      periodDuration: 86400n,
      livenessTimeout: 120n, // ten slots without a block
      inclusionWindow: 3600n,
      slaPenaltyBps: 100n, // 1% of the pool per penalized day
      censorshipPenaltyBps: 500n, // 5% per missed forced transaction
      suspendAfterBreaches: 3n,
      targetTps: 100n,
      targetLatencyMs: 500n, // the spec's block proposal latency target
      minInclusionFee: 10n ** 15n,
      sla: { minThroughput: 1n, minUptime: 9000n, maxLatency: 1000n, maxMissedSlots: 50n },
    },
    scheduler: {
      startWindow: 3600n,
      acceptanceWindow: 3600n,
      deadlinePenaltyBps: 100n,
      disputeBond: ether("0.1"),
      arbitrationWindow: 7n * 86400n,
    },
  };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** `defaultSuiteParams()` with `overrides` merged in, one level deep per section. */
export function suiteParams(overrides: DeepPartial<SuiteParams> = {}): SuiteParams {
  const base = defaultSuiteParams();
  const r = overrides.registry ?? {};
  return {
    ...base,
    ...overrides,
    slashers: overrides.slashers as string[] | undefined,
    monitors: overrides.monitors as string[] | undefined,
    registry: {
      ...base.registry,
      ...r,
      config: { ...base.registry.config, ...(r.config ?? {}) },
      parameters: { ...base.registry.parameters, ...(r.parameters ?? {}) },
    } as RegistryParams,
    selection: { ...base.selection, ...(overrides.selection ?? {}) } as SelectionParams,
    randomness: (overrides.randomness ?? base.randomness) as RandomnessParams,
    mev: { ...base.mev, ...(overrides.mev ?? {}) } as MEVParams,
    monitor: { ...base.monitor, ...(overrides.monitor ?? {}) } as MonitorParams,
    scheduler: { ...base.scheduler, ...(overrides.scheduler ?? {}) } as SchedulerParams,
  };
}

// ─────────────────────────────── parameter files (deploy/params/<network>.json) ───────────────────────────────

/**
 * An integer parameter as written in a parameter file: a JSON number, a decimal string, or an amount with a
 * unit, `"100000 LUX"` or `"25 gwei"` (LUX has 18 decimals, like ether). Durations are plain seconds.
 */
export function parseInteger(value: unknown, where: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`${where}: ${value} is not a safe integer; write it as a string`);
    return BigInt(value);
  }
  if (typeof value === "string") {
    const v = value.trim();
    if (/^\d+$/.test(v)) return BigInt(v);
    const m = /^(\d+(?:\.\d+)?)\s*(LUX|gwei|wei)$/i.exec(v);
    if (m) {
      const [whole, fraction = ""] = m[1].split(".");
      const decimals = m[2].toLowerCase() === "lux" ? 18 : m[2].toLowerCase() === "gwei" ? 9 : 0;
      if (fraction.length > decimals) throw new Error(`${where}: ${v} has more decimals than ${m[2]} allows`);
      return BigInt(whole + fraction.padEnd(decimals, "0"));
    }
  }
  throw new Error(`${where}: expected an integer, a decimal string or "<amount> LUX", got ${JSON.stringify(value)}`);
}

/** `override` merged over `base`, typed by `base`: integers parsed where the default is a bigint. */
function mergeTyped(base: unknown, override: unknown, where: string): unknown {
  if (override === undefined) return base;
  if (typeof base === "bigint") return parseInteger(override, where);
  if (typeof base === "number") return Number(parseInteger(override, where));
  if (Array.isArray(base)) {
    if (!Array.isArray(override) || override.length !== base.length) throw new Error(`${where}: expected ${base.length} entries`);
    return base.map((b, i) => mergeTyped(b, override[i], `${where}[${i}]`));
  }
  if (base !== null && typeof base === "object") {
    if (override === null || typeof override !== "object") throw new Error(`${where}: expected an object`);
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(override as Record<string, unknown>)) {
      if (k.startsWith("$")) continue; // "$comment" and the like
      out[k] = k in out ? mergeTyped(out[k], v, `${where}.${k}`) : v;
    }
    return out;
  }
  return override;
}

const CHAINLINK_TEMPLATE = {
  kind: "chainlink",
  coordinator: "",
  subscriptionId: 0n,
  keyHash: "",
  callbackGasLimit: 0,
  requestConfirmations: 0,
};
const KNOWN_SECTIONS = ["governance", "slashers", "monitors", "registry", "selection", "randomness", "mev", "monitor", "scheduler"];

/**
 * Suite parameters from a parameter file's JSON: the documented defaults with the file's values merged in.
 * Unknown keys are errors (a typo must not silently deploy a default); keys starting with `$` are comments.
 */
export function paramsFromJson(json: Record<string, unknown>): SuiteParams {
  for (const key of Object.keys(json)) {
    if (!key.startsWith("$") && !KNOWN_SECTIONS.includes(key)) throw new Error(`parameter file: unknown section "${key}"`);
  }
  const base = defaultSuiteParams();
  checkKeys(base, json, "params");
  const { randomness, ...rest } = json;
  const merged = mergeTyped(base, rest, "params") as SuiteParams;
  if (randomness !== undefined) {
    const kind = (randomness as { kind?: string }).kind;
    const template = kind === "chainlink" ? CHAINLINK_TEMPLATE : base.randomness;
    checkKeys(template, randomness, "params.randomness");
    merged.randomness = mergeTyped(template, randomness, "params.randomness") as RandomnessParams;
  }
  return merged;
}

const OPTIONAL_KEYS = new Set(["fallbackSequencer", "rewardsRecipient", "reporters"]);

function checkKeys(base: unknown, override: unknown, where: string) {
  if (base === null || typeof base !== "object" || Array.isArray(base)) return;
  if (override === null || typeof override !== "object" || Array.isArray(override)) return;
  for (const [k, v] of Object.entries(override as Record<string, unknown>)) {
    if (k.startsWith("$") || OPTIONAL_KEYS.has(k) || (where === "params" && k === "randomness")) continue;
    if (where === "params" && KNOWN_SECTIONS.includes(k) && !(k in (base as object))) continue;
    if (!(k in (base as object))) throw new Error(`${where}: unknown parameter "${k}"`);
    checkKeys((base as Record<string, unknown>)[k], v, `${where}.${k}`);
  }
}
