import fc from "fast-check";
import hre, { network } from "hardhat";
import { Interface, type ErrorFragment } from "ethers";

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

let errors: Interface | undefined;

/** Every custom error of the project's artifacts, to name a revert from its data alone. */
async function allErrors(): Promise<Interface> {
  if (errors) return errors;
  const fragments = new Map<string, ErrorFragment>();
  for (const fqn of await hre.artifacts.getAllFullyQualifiedNames()) {
    for (const item of (await hre.artifacts.readArtifact(fqn)).abi) {
      if (item.type !== "error") continue;
      const fragment = new Interface([item]).fragments[0] as ErrorFragment;
      fragments.set(fragment.selector, fragment);
    }
  }
  errors = new Interface([...fragments.values()]);
  return errors;
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
      const parsed = (await allErrors()).parseError(data);
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
