import { getAddress, isAddress, isHexString } from "ethers";
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
  RegionCapBps,
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

/** The slashing queue (contracts/SlashingQueue.sol): role slashes wait out a veto window; claims against them. */
export interface SlashingParams {
  /** Seconds a queued slash can be vetoed before anyone may execute it (1 hour – 30 days, below the exit delay). */
  vetoWindow: bigint;
  /** Seconds after the veto window in which a slash can be executed before it lapses (1 hour – 30 days). */
  executionWindow: bigint;
  /** Seconds after a slash's execution in which harmed users can file insurance claims against it (1 – 180 days). */
  claimWindow: bigint;
  /** Largest share of the insurance fund (bp, 1 – 5,000) governance can approve for one claim. */
  maxClaimBps: bigint;
  /** Holders of the queue's proposer role (queue slashes, suspend); default: governance. */
  proposers?: string[];
  /** Holders of the queue's vetoer role (a security council); default: governance. */
  vetoers?: string[];
}

export interface SuiteParams {
  /** Admin and governance of every contract; defaults to the deployer. */
  governance?: string;
  /** Holders of the registry's slasher role besides the queue, the monitor and the scheduler: they slash at once,
   * without a veto window (none by default; role slashes go through `slashing.proposers`). */
  slashers?: string[];
  /** Holders of the monitor role (performance scores). */
  monitors?: string[];
  registry: RegistryParams;
  selection: SelectionParams;
  randomness: RandomnessParams;
  mev: MEVParams;
  monitor: MonitorParams;
  scheduler: SchedulerParams;
  slashing: SlashingParams;
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
        regionCapBps: 0n, // no region cap until the set is diverse enough for one (a cap binds growth only)
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
    slashing: {
      vetoWindow: 12n * 3600n, // half a day to veto: shorter than any exit delay (≥ 1 day); live files set more
      executionWindow: 3n * 86400n,
      claimWindow: 30n * 86400n,
      maxClaimBps: 1000n, // one claim: at most 10% of the fund
    },
  };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** `defaultSuiteParams()` with `overrides` merged in, one level deep per section. */
/**
 * Registry slots between an operator's change of signing key and the new key's first slot (`SigningKeys`): 32 slots
 * of 12 s, about six minutes for its node to switch keys. Fixed at deployment.
 */
export const SIGNING_KEY_DELAY_SLOTS = 32n;

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
    slashing: { ...base.slashing, ...(overrides.slashing ?? {}) } as SlashingParams,
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

/**
 * A parameter file that does not pass the schema: every problem found, each naming its key (`params.registry.config.minStake`),
 * so one run reports them all.
 */
export class ParameterFileError extends Error {
  constructor(readonly problems: string[]) {
    super(`${problems.length} bad parameter${problems.length === 1 ? "" : "s"}:\n  ${problems.join("\n  ")}`);
    this.name = "ParameterFileError";
  }
}

/**
 * The schema of a parameter file. Every key of `defaultSuiteParams()` is a parameter typed by its default (an integer
 * where the default is a bigint or a number, an array of the same length, an object with the same keys); besides
 * those, the optional accounts below. Keys starting with `$` are comments. Anything else is an unknown key.
 */
const OPTIONAL_ACCOUNTS: Record<string, "address" | "addresses"> = {
  "params.governance": "address",
  "params.slashers": "addresses",
  "params.monitors": "addresses",
  "params.registry.parameters.fallbackSequencer": "address",
  "params.selection.rewardsRecipient": "address",
  "params.monitor.reporters": "addresses",
  "params.slashing.proposers": "addresses",
  "params.slashing.vetoers": "addresses",
};
/** The Chainlink randomness section's schema: it has no defaults, every key is required. */
const CHAINLINK_SCHEMA = {
  kind: "chainlink",
  coordinator: "address",
  subscriptionId: 0n,
  keyHash: "bytes32",
  callbackGasLimit: 0,
  requestConfirmations: 0,
} as const;

function readAccount(value: unknown, where: string, problems: string[]): string | undefined {
  if (typeof value === "string" && isAddress(value)) return getAddress(value);
  problems.push(`${where}: expected an address (0x and 40 hex digits, checksummed if mixed case), got ${JSON.stringify(value)}`);
  return undefined;
}

/** `value` read against the schema entry `schema` (a default value, or "address"/"bytes32"); problems are collected. */
function readTyped(schema: unknown, value: unknown, where: string, problems: string[]): unknown {
  const problem = (text: string) => {
    problems.push(`${where}: ${text}`);
    return schema;
  };
  if (value === undefined) return schema;
  if (schema === "address") return readAccount(value, where, problems) ?? schema;
  if (schema === "bytes32")
    return typeof value === "string" && isHexString(value, 32)
      ? value
      : problem(`expected 0x and 64 hex digits, got ${JSON.stringify(value)}`);
  if (typeof schema === "bigint" || typeof schema === "number") {
    try {
      const n = parseInteger(value, where);
      if (typeof schema === "bigint") return n;
      if (n > BigInt(Number.MAX_SAFE_INTEGER)) return problem(`${n} is too large`);
      return Number(n);
    } catch (error) {
      problems.push((error as Error).message);
      return schema;
    }
  }
  if (Array.isArray(schema)) {
    if (!Array.isArray(value) || value.length !== schema.length)
      return problem(`expected ${schema.length} entries, got ${JSON.stringify(value)}`);
    return schema.map((s, i) => readTyped(s, value[i], `${where}[${i}]`, problems));
  }
  if (schema !== null && typeof schema === "object") {
    if (value === null || typeof value !== "object" || Array.isArray(value))
      return problem(`expected an object, got ${JSON.stringify(value)}`);
    const out: Record<string, unknown> = { ...(schema as Record<string, unknown>) };
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key.startsWith("$")) continue; // "$comment" and the like
      const path = `${where}.${key}`;
      const optional = OPTIONAL_ACCOUNTS[path];
      if (optional === "address") out[key] = readAccount(v, path, problems);
      else if (optional === "addresses") {
        if (!Array.isArray(v)) problems.push(`${path}: expected a list of addresses, got ${JSON.stringify(v)}`);
        else out[key] = v.map((a, i) => readAccount(a, `${path}[${i}]`, problems));
      } else if (key in out) out[key] = readTyped(out[key], v, path, problems);
      else problems.push(`${where}: unknown ${where === "params" ? "section" : "parameter"} "${key}"`);
    }
    return out;
  }
  if (typeof schema === "string")
    return value === schema ? value : problem(`expected ${JSON.stringify(schema)}, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Suite parameters from a parameter file's JSON, checked against the schema above: the documented defaults with the
 * file's values merged in. Unknown keys are errors (a typo must not silently deploy a default). Throws a
 * `ParameterFileError` listing every problem.
 */
export function paramsFromJson(json: unknown): SuiteParams {
  const problems: string[] = [];
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new ParameterFileError([`params: expected an object, got ${JSON.stringify(json)}`]);
  const base = defaultSuiteParams();
  const { randomness, ...rest } = json as Record<string, unknown>;
  const merged = readTyped({ ...base, randomness: undefined }, rest, "params", problems) as SuiteParams;
  merged.randomness = base.randomness;
  if (randomness !== undefined) {
    const kind = (randomness as { kind?: unknown } | null)?.kind;
    if (kind !== "beacon" && kind !== "chainlink") {
      problems.push(`params.randomness.kind: expected "beacon" or "chainlink", got ${JSON.stringify(kind)}`);
    } else {
      if (kind === "chainlink") {
        for (const key of Object.keys(CHAINLINK_SCHEMA)) {
          if (!(key in (randomness as object))) problems.push(`params.randomness.${key}: missing (required for Chainlink)`);
        }
      }
      const schema = kind === "chainlink" ? CHAINLINK_SCHEMA : base.randomness;
      merged.randomness = readTyped(schema, randomness, "params.randomness", problems) as RandomnessParams;
    }
  }
  if (problems.length) throw new ParameterFileError(problems);
  return merged;
}
