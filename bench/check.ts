/**
 * The reviewed gas snapshot (Uniswap v4's practice): `npm run bench:check` runs the benchmark's fast profile (n = 10
 * and 1,000 sequencers; the size-independent MEV and training figures once) and compares it with the committed
 * `bench/snapshot.json`, which also records every deployed contract's bytecode size. It fails when
 *   - an operation costs more than the snapshot by over TOLERANCE (a regression someone must review; the one figure
 *     bound to block hashes has its own, see HISTORY_BOUND), or
 *   - an operation breaks its target (TARGETS below, at n = 1,000; the full bench checks n = 10,000), or
 *   - a deployed contract grew past the snapshot's size by over 64 bytes, or
 *   - an operation or size in the snapshot is no longer measured.
 * `BENCH_UPDATE=1 npm run bench:check` rewrites the snapshot after a reviewed change; commit it with the change.
 * README and docs cite this file instead of restating numbers.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { CONTRACT_NAMES } from "../deploy/record";

const SNAPSHOT = path.join(__dirname, "snapshot.json");
const SCRATCH = path.join(__dirname, ".snapshot.current.json");
const TOLERANCE = 0.01; // 1%: the figures are deterministic; this absorbs an unrelated path's jitter
/**
 * Figures that are a function of block hashes: the beacon's seed is keccak(output, round, blockhash(request)), and a
 * block's hash commits to the state root, so to the bytecode (and metadata hash) of every contract deployed before.
 * A change to any contract, a comment included, draws other seeds: other hash-to-curve attempts in the ECVRF check
 * and other sequencers in the draws the fulfilment makes. The same code gives the same figure on every run; a change
 * elsewhere moves it by up to about 2% (seen: 141.9k, 144.1k, 145.1k at n = 10 for three unrelated changes), which
 * this tolerance absorbs. A regression of the commit path itself shows up past it.
 */
const HISTORY_BOUND: Record<string, number> = { "randomness.commitVRF": 0.04 };
const SIZE_SLACK = 64;
/** The bench's fixed genesis time (`npm run bench` sets the same): with bench/clock.ts, every block is the same on every run. */
const GENESIS_DATE = "2026-01-01T00:00:00Z";

/**
 * Gas targets, checked at n = 1,000 (the full bench reports 10,000, where both are above these: see docs/GAS.md).
 * The equivocation report's 180k is checked for a reporter that already holds a withdrawable balance; a first-time
 * reporter pays 17.1k more for its fresh balance slot, held by the 1% regression check instead.
 */
const TARGETS: Record<string, number> = {
  "registry.registerSequencer": 300_000,
  "registry.reportMisbehavior.equivocation.knownReporter": 180_000,
};
/** gas(1,000) / gas(10) may not exceed this for the registry's and selection's per-call operations (the full bench
 * reports 10,000 / 10; the scheduler's and monitor's scaling belongs to their own issue and is reported, not gated). */
const MAX_RATIO = 1.5;
const RATIO_GATED = /^(registry|selection|randomness)\./;

interface Snapshot {
  gas: Record<string, Record<string, number>>;
  sizes: Record<string, number>;
}

function sizes(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".json") && !entry.name.endsWith(".dbg.json")) {
        const name = entry.name.slice(0, -5);
        if (!(CONTRACT_NAMES as readonly string[]).includes(name)) continue;
        const artifact = JSON.parse(fs.readFileSync(full, "utf8")) as { deployedBytecode: string };
        out[name] = (artifact.deployedBytecode.length - 2) / 2;
      }
    }
  };
  walk(path.join(root, "artifacts", "contracts"));
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function main() {
  const root = path.join(__dirname, "..");
  execFileSync("npx", ["hardhat", "run", "bench/bench.ts"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, BENCH_SIZES: "10,1000", BENCH_OUT: SCRATCH, LP504_GENESIS_DATE: GENESIS_DATE },
  });
  const measured = JSON.parse(fs.readFileSync(SCRATCH, "utf8")) as { gas: Snapshot["gas"] };
  fs.rmSync(SCRATCH);
  const current: Snapshot = { gas: measured.gas, sizes: sizes(root) };

  if (process.env.BENCH_UPDATE) {
    fs.writeFileSync(SNAPSHOT, JSON.stringify(current, null, 2) + "\n");
    console.log(`wrote ${path.relative(process.cwd(), SNAPSHOT)}: review and commit it`);
    return;
  }
  const failures: string[] = [];
  const old = fs.existsSync(SNAPSHOT) ? (JSON.parse(fs.readFileSync(SNAPSHOT, "utf8")) as Snapshot) : undefined;
  if (!old) failures.push("no bench/snapshot.json: run `BENCH_UPDATE=1 npm run bench:check` and commit it");
  for (const [op, byN] of Object.entries(old?.gas ?? {})) {
    for (const [n, before] of Object.entries(byN)) {
      const now = current.gas[op]?.[n];
      if (now === undefined) failures.push(`${op} at n=${n}: no longer measured`);
      else if (now > before * (1 + (HISTORY_BOUND[op] ?? TOLERANCE)))
        failures.push(`${op} at n=${n}: ${before} → ${now} (+${(((now - before) / before) * 100).toFixed(1)}%)`);
    }
  }
  for (const [op, target] of Object.entries(TARGETS)) {
    const now = current.gas[op]?.["1000"];
    if (now === undefined || now > target) failures.push(`${op} at n=1000: ${now ?? "not measured"} breaks its target ${target}`);
  }
  for (const [op, byN] of Object.entries(current.gas)) {
    const small = byN["10"];
    const large = byN["1000"];
    if (RATIO_GATED.test(op) && small && large && large / small > MAX_RATIO)
      failures.push(`${op}: gas(1000)/gas(10) = ${(large / small).toFixed(2)} > ${MAX_RATIO}`);
  }
  for (const [name, before] of Object.entries(old?.sizes ?? {})) {
    const now = current.sizes[name];
    if (now === undefined) failures.push(`${name}: no longer built`);
    else if (now > before + SIZE_SLACK) failures.push(`${name}: ${before} → ${now} bytes`);
  }
  if (failures.length) {
    console.error(`bench:check failed:\n  ${failures.join("\n  ")}\n(after a reviewed change: BENCH_UPDATE=1 npm run bench:check)`);
    process.exitCode = 1;
  } else {
    console.log("bench:check: every operation within 1% of bench/snapshot.json, targets and sizes hold");
  }
}

main();
