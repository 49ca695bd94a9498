import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { isHexString, keccak256, ZeroHash } from "ethers";

/**
 * The work the compute duty hands to its executor. Integers are decimal strings, byte strings 0x-prefixed hex:
 *
 * - `kind: "job"`: a job of the AIScheduler this sequencer has started (`Running`): its id, requirements, deadline
 *   and `jobSpec` (with its decoded requirements header, when it has one);
 * - `kind: "gradient"`: this sequencer's gradient for the current epoch of a training cluster it is a member of: the
 *   cluster, its generation and epoch, the model hash, the last broadcast weights and the data shards it holds.
 */
export interface JobTask {
  kind: "job";
  jobId: string;
  sequencerId: string;
  requester: string;
  requiredFlops: string;
  memoryRequirement: string;
  deadline: string;
  priority: string;
  payment: string;
  jobSpec: string;
  requirements: { gpu: boolean; tee: boolean; minBandwidth: string; modelHash: string; rest: string } | null;
}

export interface GradientTask {
  kind: "gradient";
  clusterId: string;
  generation: string;
  epoch: string;
  sequencerId: string;
  modelHash: string;
  weightsHash: string;
  shards: { shardId: string; dataHash: string; numSamples: string; startIndex: string; endIndex: string }[];
}

export type ExecutorTask = JobTask | GradientTask;

/** What an executor answered, checked: the result hash (of `result` when it gave bytes) or the gradient. */
export type JobOutput = { resultHash: string; computeUsed: bigint };
export type GradientOutput = { gradientHash: string; loss: bigint };

/**
 * Why an execution produced nothing to submit: `failed` (non-zero exit, a thrown error), `retry` (exit code 75,
 * EX_TEMPFAIL: run it again next round), `timeout` (killed after `timeoutMs`), `invalid-output` (not the JSON the
 * task's kind requires).
 */
export type ExecutionFailure = "failed" | "retry" | "timeout" | "invalid-output";

export class ExecutorError extends Error {
  constructor(
    readonly outcome: ExecutionFailure,
    message: string,
  ) {
    super(message);
    this.name = "ExecutorError";
  }
}

/** The exit code by which a command executor asks to be run again later (EX_TEMPFAIL of sysexits.h). */
export const RETRY_EXIT_CODE = 75;
/** The most a command executor may write on stdout; past it, it is killed and its output refused. */
export const MAX_STDOUT_BYTES = 1 << 20;
const MAX_STDERR_BYTES = 16 << 10;
/** A loss above this would make `submitGradient` revert (TrainingCoordinator.MAX_LOSS). */
const MAX_LOSS = (1n << 128n) - 1n;
/** Environment variables an executor never inherits: the keystore's password and an imported key. */
const SECRET_ENV = ["LP504_NODE_PASSWORD", "LP504_NODE_IMPORT_KEY"];

export interface Executor {
  /** `command …` or `module …`, for logs. */
  readonly description: string;
  readonly timeoutMs: number;
  run(task: ExecutorTask): Promise<unknown>;
  /** Kills what is still running (the node is stopping). */
  abort(): void;
}

/**
 * Runs `argv` (no shell: arguments are passed as they are) for each task, with the task's JSON on stdin; its stdout
 * must be one JSON object. Killed (with its process group) after `timeoutMs`. The node's secrets are removed from its
 * environment.
 */
export function commandExecutor(argv: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Executor {
  const children = new Set<ChildProcess>();
  const childEnv = { ...env };
  for (const name of SECRET_ENV) delete childEnv[name];
  const kill = (child: ChildProcess) => {
    try {
      process.kill(-child.pid!, "SIGKILL"); // its process group: what it spawned dies with it
    } catch {
      child.kill("SIGKILL");
    }
  };
  return {
    description: `command ${argv.join(" ")}`,
    timeoutMs,
    abort: () => children.forEach(kill),
    run: (task) =>
      new Promise((resolve, reject) => {
        const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], shell: false, detached: true, env: childEnv });
        children.add(child);
        const stdout: Buffer[] = [];
        let stdoutBytes = 0;
        let stderr = "";
        let failure: ExecutorError | undefined;
        const timer = setTimeout(() => {
          failure ??= new ExecutorError("timeout", `no answer within ${timeoutMs} ms: killed`);
          kill(child);
        }, timeoutMs);
        child.stdout!.on("data", (chunk: Buffer) => {
          stdoutBytes += chunk.length;
          if (stdoutBytes > MAX_STDOUT_BYTES) {
            failure ??= new ExecutorError("invalid-output", `more than ${MAX_STDOUT_BYTES} bytes on stdout: killed`);
            kill(child);
          } else stdout.push(chunk);
        });
        child.stderr!.on("data", (chunk: Buffer) => {
          if (stderr.length < MAX_STDERR_BYTES) stderr += chunk.toString("utf8");
        });
        child.stdin!.on("error", () => undefined); // it may exit without reading: its exit code tells
        child.on("error", (e) => {
          failure ??= new ExecutorError("failed", `cannot run ${argv[0]}: ${e.message}`);
        });
        child.on("close", (code, signal) => {
          clearTimeout(timer);
          children.delete(child);
          const tail = stderr.trim().slice(-500);
          if (failure) return reject(failure);
          if (code === RETRY_EXIT_CODE) return reject(new ExecutorError("retry", `exit code ${code} (retry later): ${tail}`));
          if (code !== 0) return reject(new ExecutorError("failed", `exit ${code ?? signal}: ${tail}`));
          const text = Buffer.concat(stdout).toString("utf8").trim();
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new ExecutorError("invalid-output", `stdout is not JSON: ${JSON.stringify(text.slice(0, 200))}`));
          }
        });
        child.stdin!.end(JSON.stringify(task) + "\n");
      }),
  };
}

/**
 * Calls `execute(task)` of a JS/TS module (loaded once, with `require`; a `.ts` module needs ts-node, which the
 * launcher uses). Its answer must arrive within `timeoutMs` (the call cannot be killed: its answer is then ignored).
 */
export function moduleExecutor(file: string, timeoutMs: number): Executor {
  const resolved = path.resolve(file);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(resolved) as { execute?: unknown; default?: { execute?: unknown } };
  const execute = (typeof mod.execute === "function" ? mod.execute : mod.default?.execute) as ((task: ExecutorTask) => unknown) | undefined;
  if (typeof execute !== "function") throw new Error(`compute.executor.module: ${resolved} exports no execute(task) function`);
  return {
    description: `module ${resolved}`,
    timeoutMs,
    abort: () => undefined,
    run: async (task) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ExecutorError("timeout", `no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        return await Promise.race([
          (async () => {
            try {
              return await execute(structuredClone(task));
            } catch (e) {
              throw e instanceof ExecutorError ? e : new ExecutorError("failed", `execute threw: ${(e as Error)?.message ?? String(e)}`);
            }
          })(),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function uint(field: string, v: unknown, max: bigint): bigint {
  if ((typeof v === "string" && /^\d{1,78}$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) {
    const n = BigInt(v);
    if (n <= max) return n;
  }
  throw new ExecutorError("invalid-output", `${field}: must be an integer in [0, ${max}] (number or decimal string)`);
}

function hash32(field: string, v: unknown): string {
  if (typeof v !== "string" || !isHexString(v, 32) || BigInt(v) === 0n)
    throw new ExecutorError("invalid-output", `${field}: must be a non-zero 32-byte hex string`);
  return v.toLowerCase();
}

/**
 * A job's answer: `{"result": "0x…"}` (the bytes; the node submits their keccak256) or `{"resultHash": "0x…"}` (32
 * bytes, not zero), one of the two, and optionally `"computeUsed"` (an integer; default 0). Anything else is refused.
 */
export function parseJobOutput(value: unknown): JobOutput {
  if (!isObject(value)) throw new ExecutorError("invalid-output", "must be a JSON object");
  const hasResult = value.result !== undefined;
  if (hasResult === (value.resultHash !== undefined))
    throw new ExecutorError("invalid-output", "exactly one of result and resultHash is required");
  let resultHash: string;
  if (hasResult) {
    if (typeof value.result !== "string" || !isHexString(value.result) || value.result.length <= 2)
      throw new ExecutorError("invalid-output", "result: must be non-empty 0x-prefixed hex bytes");
    resultHash = keccak256(value.result);
  } else resultHash = hash32("resultHash", value.resultHash);
  const computeUsed = value.computeUsed === undefined ? 0n : uint("computeUsed", value.computeUsed, (1n << 256n) - 1n);
  if (resultHash === ZeroHash) throw new ExecutorError("invalid-output", "resultHash: zero");
  return { resultHash, computeUsed };
}

/** A gradient's answer: `{"gradientHash": "0x…" (32 bytes, not zero), "loss": integer ≤ 2^128 − 1}`. */
export function parseGradientOutput(value: unknown): GradientOutput {
  if (!isObject(value)) throw new ExecutorError("invalid-output", "must be a JSON object");
  return { gradientHash: hash32("gradientHash", value.gradientHash), loss: uint("loss", value.loss, MAX_LOSS) };
}
