import path from "node:path";

/** The `compute` section of the configuration (used when `duties.compute` is on). */
export interface ComputeConfig {
  /** What runs a job or a gradient: a command (argv, no shell) or a JS/TS module exporting `execute(task)`. */
  executor: { command: string[] } | { module: string };
  /** Longest an execution may take, in milliseconds; a command is killed after it. */
  timeoutMs: number;
  /** Seconds kept between the end of the timeout and a job's deadline, for starting and submitting. */
  marginSeconds: number;
  /** Jobs held at once (offered, scheduled or running on this sequencer) before it takes no more. */
  maxJobs: number;
  /** Take the job at the queue head when it fits (`scheduleJob`). */
  takeJobs: boolean;
  /** Accept offers that fit (`acceptJob`); decline the others (`declineJob`). */
  acceptOffers: boolean;
  /** Submit gradients for the training clusters this sequencer is a member of. */
  training: boolean;
  /** Clusters to train for, whoever coordinates them. */
  clusters: string[];
  /**
   * Coordinators whose clusters this sequencer is found a member of (the coordinator's `MemberJoined` and
   * `WorkReassigned` events) are trained for. A coordinator adds any Active sequencer without its consent, so the
   * clusters of others are ignored: the node's compute is not free for anyone who creates a cluster.
   */
  coordinators: string[];
  /** First block searched for those events; default: the coordinator's deployment block. */
  fromBlock?: number;
}

export const COMPUTE_DEFAULTS = { timeoutMs: 600_000, marginSeconds: 60, maxJobs: 1, takeJobs: true, acceptOffers: true, training: true };
const KEYS = [
  "executor",
  "timeoutMs",
  "marginSeconds",
  "maxJobs",
  "takeJobs",
  "acceptOffers",
  "training",
  "clusters",
  "coordinators",
  "fromBlock",
];

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Validates `raw.compute`, appending each problem (naming its key) to `problems`. `enabled`: `duties.compute` is on,
 * which makes the executor required. Relative paths (the module, a command's program given as `./x` or `dir/x`)
 * resolve against `baseDir`. Returns undefined when the section is absent or has problems.
 */
export function validateComputeConfig(raw: unknown, enabled: boolean, baseDir: string, problems: string[]): ComputeConfig | undefined {
  if (raw === undefined) {
    if (enabled) problems.push("compute.executor: required when duties.compute is on");
    return undefined;
  }
  if (!isObject(raw)) {
    problems.push("compute: must be an object");
    return undefined;
  }
  const before = problems.length;
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) problems.push(`compute.${k}: unknown key (known: ${KEYS.join(", ")})`);
  const int = (key: string, min: number, max: number, fallback: number) => {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
      problems.push(`compute.${key}: must be an integer in [${min}, ${max}]`);
    return v as number;
  };
  const bool = (key: string, fallback: boolean) => {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== "boolean") problems.push(`compute.${key}: must be true or false`);
    return v as boolean;
  };
  let executor: ComputeConfig["executor"] | undefined;
  const e = raw.executor;
  if (e === undefined) {
    if (enabled) problems.push("compute.executor: required when duties.compute is on");
  } else if (!isObject(e) || (e.command === undefined) === (e.module === undefined)) {
    problems.push('compute.executor: must be {"command": [program, ...args]} or {"module": path}');
  } else {
    for (const k of Object.keys(e)) if (k !== "command" && k !== "module") problems.push(`compute.executor.${k}: unknown key`);
    if (e.command !== undefined) {
      const argv = e.command;
      if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== "string" || a.length === 0 || a.includes("\0")))
        problems.push("compute.executor.command: must be a non-empty array of non-empty strings (program, then arguments; no shell)");
      else {
        const [program, ...args] = argv as string[];
        // a program named with a directory is a path (relative to the config); a bare name is looked up on PATH
        const resolved = program.includes("/") ? path.resolve(baseDir, program) : program;
        executor = { command: [resolved, ...args] };
      }
    } else if (typeof e.module !== "string" || e.module.length === 0) problems.push("compute.executor.module: must be a non-empty path");
    else executor = { module: path.resolve(baseDir, e.module) };
  }
  const clusters: string[] = [];
  if (raw.clusters !== undefined) {
    if (!Array.isArray(raw.clusters)) problems.push("compute.clusters: must be an array of 32-byte hex cluster ids");
    else
      raw.clusters.forEach((c, i) => {
        if (typeof c !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(c))
          problems.push(`compute.clusters[${i}]: must be a 32-byte hex cluster id`);
        else clusters.push(c.toLowerCase());
      });
  }
  const coordinators: string[] = [];
  if (raw.coordinators !== undefined) {
    if (!Array.isArray(raw.coordinators)) problems.push("compute.coordinators: must be an array of addresses");
    else
      raw.coordinators.forEach((a, i) => {
        if (typeof a !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(a)) problems.push(`compute.coordinators[${i}]: must be an address`);
        else coordinators.push(a.toLowerCase());
      });
  }
  const config = {
    executor: executor!,
    timeoutMs: int("timeoutMs", 100, 86_400_000, COMPUTE_DEFAULTS.timeoutMs),
    marginSeconds: int("marginSeconds", 0, 86_400, COMPUTE_DEFAULTS.marginSeconds),
    maxJobs: int("maxJobs", 1, 64, COMPUTE_DEFAULTS.maxJobs),
    takeJobs: bool("takeJobs", COMPUTE_DEFAULTS.takeJobs),
    acceptOffers: bool("acceptOffers", COMPUTE_DEFAULTS.acceptOffers),
    training: bool("training", COMPUTE_DEFAULTS.training),
    clusters,
    coordinators,
    fromBlock: raw.fromBlock === undefined ? undefined : int("fromBlock", 0, Number.MAX_SAFE_INTEGER, 0),
  };
  if (problems.length > before || executor === undefined) return undefined;
  return config;
}
