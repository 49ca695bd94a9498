import fc from "fast-check";
import hre, { network } from "hardhat";
import { allErrors } from "../tasks/lp504";

/**
 * Model-based runs: `INVARIANT_RUNS` sequences of `INVARIANT_STEPS` commands each, with a fixed seed
 * (`INVARIANT_SEED`, default 504) so CI is reproducible. `npm run test:invariants:long` runs many more.
 */
export const RUNS = Number(process.env.INVARIANT_RUNS ?? 200);
export const STEPS = Number(process.env.INVARIANT_STEPS ?? 50);
export const SEED = Number(process.env.INVARIANT_SEED ?? 504);

export function params(): fc.Parameters<unknown> {
  return { numRuns: RUNS, seed: SEED, endOnFailure: true, verbose: 1 };
}

/** A snapshot to return to before every sequence: each run starts from the same deployed fixture. */
export async function snapshot(): Promise<string> {
  return network.provider.send("evm_snapshot", []);
}

export async function revertTo(id: string): Promise<string> {
  await network.provider.send("evm_revert", [id]);
  return snapshot();
}

export async function jump(seconds: number) {
  await network.provider.send("evm_increaseTime", [seconds]);
  await network.provider.send("evm_mine", []);
}

/**
 * The revert's custom error name, or undefined when `p` succeeds. Names come from the revert data (Hardhat's
 * own recognition fails once snapshots have reused addresses across suites). Other failures are rethrown.
 */
export async function outcome(p: Promise<{ wait(): Promise<unknown> }>): Promise<string | undefined> {
  try {
    await (await p).wait();
    return undefined;
  } catch (error) {
    const e = error as { data?: unknown; message?: string };
    const data = typeof e.data === "string" ? e.data : /return data: (0x[0-9a-fA-F]+)/.exec(e.message ?? "")?.[1];
    if (data && data.length >= 10) {
      const parsed = (await allErrors(hre)).parseError(data);
      if (parsed) return parsed.name;
    }
    const m = /reverted with custom error '([A-Za-z0-9_]+)\(/.exec(e.message ?? "");
    if (m) return m[1];
    throw error;
  }
}

export const eq = (what: string, actual: bigint | number | string | boolean, expected: bigint | number | string | boolean) => {
  if (actual !== expected) throw new Error(`invariant broken: ${what}: ${String(actual)} != ${String(expected)}`);
};

export const ok = (what: string, condition: boolean) => {
  if (!condition) throw new Error(`invariant broken: ${what}`);
};

/** One step of a random sequence, printed by its name in counterexamples. */
export interface Step {
  run(): Promise<void>;
  toString(): string;
  [fc.toStringMethod](): string;
}

export const step = (name: string, run: () => Promise<void>): Step => ({ run, toString: () => name, [fc.toStringMethod]: () => name });

/** Tally of outcomes (success or the custom error's name) over a whole property run. */
export class Outcomes {
  private readonly counts = new Map<string, number>();
  count(error?: string) {
    const key = error ?? "success";
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  get successes(): number {
    return this.counts.get("success") ?? 0;
  }
  print() {
    console.log("      outcomes:", Object.fromEntries([...this.counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10)));
  }
}

/** A random sequence of exactly STEPS steps drawn from `steps` with relative `weights`. */
export function sequences(steps: fc.Arbitrary<Step>[], weights: number[]): fc.Arbitrary<Step[]> {
  return fc.array(fc.oneof(...steps.map((arbitrary, k) => ({ arbitrary, weight: weights[k] }))), { minLength: STEPS, maxLength: STEPS });
}

/** A pull withdrawal: refused when nothing is owed, else it must succeed; returns what left the contract. */
export async function checkedWithdraw(
  owed: bigint,
  send: () => Promise<{ wait(): Promise<unknown> }>,
  outcomes: Outcomes,
): Promise<bigint> {
  const err = await outcome(send());
  outcomes.count(err);
  if (owed === 0n) {
    ok("nothing to withdraw is refused", err !== undefined);
    return 0n;
  }
  eq("a credited account withdraws", err ?? "none", "none");
  return owed;
}

/**
 * The property every model checks: from the same snapshot each time, `reset` the model, then run a random
 * sequence of `steps` (with relative `weights`), calling `check` after every step.
 */
export async function assertSequences(
  steps: fc.Arbitrary<Step>[],
  weights: number[],
  reset: () => Promise<void> | void,
  check: () => Promise<void>,
) {
  let base = await snapshot();
  await fc.assert(
    fc.asyncProperty(sequences(steps, weights), async (seq) => {
      base = await revertTo(base);
      await reset();
      for (const s of seq) {
        await s.run();
        await check();
      }
    }),
    params(),
  );
}
