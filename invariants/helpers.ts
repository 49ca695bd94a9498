import fc from "fast-check";
import { network } from "hardhat";

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

/** The revert's custom error name, or undefined when `p` succeeds. Other failures are rethrown. */
export async function outcome(p: Promise<{ wait(): Promise<unknown> }>): Promise<string | undefined> {
  try {
    await (await p).wait();
    return undefined;
  } catch (error) {
    const e = error as { errorName?: string; revert?: { name?: string }; message?: string };
    const name = e.errorName ?? e.revert?.name;
    if (name) return name;
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
