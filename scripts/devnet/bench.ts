/**
 * `npm run bench:node`: the operator node's own benchmark, on the devnet (`scripts/devnet/devnet.ts`).
 *
 *   npm run bench:node -- [--nodes 5,20] [--turns 8] [--encrypted 5] [--poll-interval 250] [--producer-interval 250]
 *                         [--out node/bench-results.json] [--rpc-port 19345] [--api-port 19400]
 *
 * For each network size it starts the devnet (anvil mining a block a second, N lp504-node processes, a toy producer
 * per node), then watches `turns` hand-overs of the turn to another sequencer X (the registry's `TurnStarted` with a
 * new sequencer) and measures, for each, the time from the turn's start to the first block commitment X's node
 * signed for X's turn (a slot at or after the turn's first slot):
 *
 * - `fromBlockSeenMs`: from the wall-clock time this process first saw the block that started the turn (it polls
 *   `eth_blockNumber` every `BLOCK_WATCH_MS`) to the wall-clock time X's `POST /sign` returned;
 * - `fromBlockTimestampMs`: the same end, from the block's timestamp (whole seconds, so 0 to 1,000 ms more);
 * - `turnMs` and `signMs`: the producer's `GET /turn` that saw the turn and its `POST /sign`, the rest of
 *   `fromBlockSeenMs` being the wait for the producer's next poll (up to `--producer-interval`);
 * - `handOverDelayS`: from the time the rotation was due (`nextRotationTime` in the block before) to the block
 *   that rotated, which is where the nodes' `--poll-interval` (turn keeping) and the block interval count.
 *
 * Then it submits `--encrypted` transactions to the encrypted mempool, one at a time (sealed to the committee, every
 * sequencer, with a majority threshold), and measures for each the time until it is decrypted on chain by the nodes'
 * thresholdDecryption duty (key shares, then `decryptTransaction`):
 *
 * - `submitToDecryptMs`: from the wall-clock time `submitEncrypted` was sent to the time this process saw the
 *   transaction's status Decrypted (polled every `DECRYPT_WATCH_MS`);
 * - `submitToDecryptBlocks`: blocks from the submission's to the decryption's (a block a second).
 *
 * Prints a table and writes every turn's figures and the summary (p50, p95, max) to `--out`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider, toUtf8Bytes } from "ethers";
import { encryptForCommittee } from "../../sdk/threshold";
import { connectSuite } from "../../index";
import { readDeploymentFile } from "../../deploy/recordFile";
import { Devnet, DevnetError, parseCommandLine, thresholdOf, type DevnetNodeInfo } from "./devnet";
import type { ProducerEvent } from "./producer";

const ROOT = path.resolve(__dirname, "../..");
/** How often the benchmark polls `eth_blockNumber` to timestamp each block's arrival. */
const BLOCK_WATCH_MS = 20;
/** The devnet's rotation period (deploy/params/devnet.json), for the timeout only. */
const ROTATION_PERIOD_S = 12;
/** How often the benchmark polls an encrypted transaction's status while it waits for its decryption. */
const DECRYPT_WATCH_MS = 50;
/** The most an encrypted transaction may take to be decrypted before the run fails. */
const DECRYPT_TIMEOUT_MS = 120_000;

export interface DecryptionFigures {
  txId: string;
  submitToDecryptMs: number;
  submitToDecryptBlocks: number;
  keyShares: number;
}

interface Signed {
  slot: bigint;
  at: number;
  signMs: number;
  turnMs: number;
}

export interface TurnFigures {
  block: number;
  sequencerId: string;
  previousId: string;
  fromBlockSeenMs: number;
  fromBlockTimestampMs: number;
  turnMs: number;
  signMs: number;
  handOverDelayS: number;
}

export interface Summary {
  p50: number;
  p95: number;
  max: number;
}

export interface RunResult {
  nodes: number;
  turns: TurnFigures[];
  /** Turns to another sequencer that ended before its node signed anything (counted, not in the figures). */
  unsignedTurns: number;
  /** Hand-overs to the sequencer that already held the turn (no new turn to measure). */
  sameSequencerRotations: number;
  summary: { fromBlockSeenMs: Summary; fromBlockTimestampMs: Summary; turnMs: Summary; signMs: Summary; handOverDelayS: Summary };
  /** Encrypted transactions, submission → decryption by the nodes (threshold `threshold` of `nodes`). */
  decryptions: DecryptionFigures[];
  threshold: number;
  decryptionSummary?: { submitToDecryptMs: Summary; submitToDecryptBlocks: Summary };
  startupS: number;
  measuringS: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile of a non-empty list. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

const summarise = (values: number[]): Summary => ({ p50: percentile(values, 50), p95: percentile(values, 95), max: Math.max(...values) });

async function benchOne(
  nodes: number,
  turns: number,
  settings: { pollIntervalMs: number; producerIntervalMs: number; rpcPort: number; apiPort: number; encrypted: number },
): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lp504-nodebench-${nodes}-`));
  const signed = new Map<string, Signed[]>(); // sequencer id → its producer's signatures, in order
  const record = (info: DevnetNodeInfo, e: ProducerEvent) => {
    if (e.kind !== "produced") return;
    const list = signed.get(info.sequencerId) ?? [];
    list.push({ slot: BigInt(e.slot), at: e.at, signMs: e.signMs, turnMs: e.turnMs });
    signed.set(info.sequencerId, list);
  };
  const { encrypted, ...devnetSettings } = settings;
  const devnet = new Devnet({ nodes, equivocator: 0, dir, onProducerEvent: record, ...devnetSettings });
  const stopOnSignal = () => void devnet.stop().then(() => process.exit(130));
  process.once("SIGINT", stopOnSignal);
  const started = Date.now();
  try {
    const state = await devnet.start();
    const startupS = (Date.now() - started) / 1000;
    const measuring = Date.now();
    const provider = new JsonRpcProvider(state.rpcUrl, state.chainId, { staticNetwork: true, cacheTimeout: -1 });
    const { registry, mev } = connectSuite(readDeploymentFile(state.deployment, state.chainId)!, provider);

    // When each block was first seen, on this machine's clock.
    const seen = new Map<number, number>();
    let watching = true;
    const firstBlock = Number(await provider.send("eth_blockNumber", [])) + 1;
    const watcher = (async () => {
      let last = firstBlock - 1;
      while (watching) {
        const n = Number(await provider.send("eth_blockNumber", []).catch(() => last));
        const now = Date.now();
        for (let b = last + 1; b <= n; b++) seen.set(b, now);
        last = Math.max(last, n);
        await sleep(BLOCK_WATCH_MS);
      }
    })();

    const result: TurnFigures[] = [];
    let unsignedTurns = 0;
    let sameSequencerRotations = 0;
    const measured = new Set<number>();
    const deadline = Date.now() + (turns * 3 + 4) * ROTATION_PERIOD_S * 1000;
    try {
      while (result.length < turns) {
        if (Date.now() > deadline) throw new DevnetError(`${nodes} nodes: only ${result.length} of ${turns} turns measured in time`);
        await sleep(1000);
        const events = await registry.queryFilter(registry.filters.TurnStarted(), firstBlock);
        for (let k = 0; k < events.length && result.length < turns; k++) {
          const ev = events[k];
          if (measured.has(ev.blockNumber)) continue;
          const { sequencerId, previousSequencerId: previousId } = ev.args;
          if (sequencerId === previousId) {
            measured.add(ev.blockNumber);
            sameSequencerRotations++;
            continue;
          }
          const [block, firstSlot, due] = await Promise.all([
            provider.getBlock(ev.blockNumber),
            registry.currentSlot({ blockTag: ev.blockNumber }),
            registry.nextRotationTime({ blockTag: ev.blockNumber - 1 }),
          ]);
          const first = (signed.get(sequencerId.toString()) ?? []).find((s) => s.slot >= firstSlot);
          const ended = k + 1 < events.length;
          if (!first) {
            // not signed yet: wait, unless the turn is already over
            if (ended) {
              measured.add(ev.blockNumber);
              unsignedTurns++;
            }
            continue;
          }
          measured.add(ev.blockNumber);
          const blockSeen = seen.get(ev.blockNumber);
          if (blockSeen === undefined) throw new DevnetError(`block ${ev.blockNumber} was never seen by the block watcher`);
          result.push({
            block: ev.blockNumber,
            sequencerId: sequencerId.toString(),
            previousId: previousId.toString(),
            fromBlockSeenMs: first.at - blockSeen,
            fromBlockTimestampMs: first.at - block!.timestamp * 1000,
            turnMs: first.turnMs,
            signMs: first.signMs,
            handOverDelayS: block!.timestamp - Number(due),
          });
          console.log(
            `  ${nodes} nodes, turn ${result.length}/${turns}: sequencer ${sequencerId} at block ${ev.blockNumber}, ` +
              `first signature ${first.at - blockSeen} ms after the block was seen`,
          );
        }
      }
    } finally {
      watching = false;
      await watcher;
    }
    let decryptions: DecryptionFigures[];
    try {
      decryptions = await measureDecryptions(provider, registry, mev, nodes, encrypted);
    } finally {
      provider.destroy();
    }
    const col = (key: keyof Omit<TurnFigures, "sequencerId" | "previousId" | "block">) => summarise(result.map((t) => t[key]));
    return {
      nodes,
      turns: result,
      unsignedTurns,
      sameSequencerRotations,
      summary: {
        fromBlockSeenMs: col("fromBlockSeenMs"),
        fromBlockTimestampMs: col("fromBlockTimestampMs"),
        turnMs: col("turnMs"),
        signMs: col("signMs"),
        handOverDelayS: col("handOverDelayS"),
      },
      decryptions,
      threshold: thresholdOf(nodes),
      decryptionSummary:
        decryptions.length === 0
          ? undefined
          : {
              submitToDecryptMs: summarise(decryptions.map((d) => d.submitToDecryptMs)),
              submitToDecryptBlocks: summarise(decryptions.map((d) => d.submitToDecryptBlocks)),
            },
      startupS,
      measuringS: (Date.now() - measuring) / 1000,
    };
  } finally {
    await devnet.stop();
    process.removeListener("SIGINT", stopOnSignal);
  }
}

/** Submits `count` encrypted transactions one after the other and times each one's decryption by the nodes. */
async function measureDecryptions(
  provider: JsonRpcProvider,
  registry: ReturnType<typeof connectSuite>["registry"],
  mev: ReturnType<typeof connectSuite>["mev"],
  nodes: number,
  count: number,
): Promise<DecryptionFigures[]> {
  const user = await provider.getSigner(1); // an anvil development account the devnet does not use
  const [epoch] = await mev.configuration();
  const publicKeys: string[] = [];
  for (const member of await mev.committee(epoch))
    publicKeys.push((await registry.getSequencer(await registry.sequencerIdOf(member))).publicKey);
  const out: DecryptionFigures[] = [];
  for (let i = 0; i < count; i++) {
    const sealed = encryptForCommittee(toUtf8Bytes(`bench transaction ${i}`), publicKeys, thresholdOf(nodes));
    const mevUser = mev.connect(user);
    const txId = await mevUser.submitEncrypted.staticCall(sealed.encryptedTx, sealed.commitment);
    const sent = Date.now();
    const receipt = await (await mevUser.submitEncrypted(sealed.encryptedTx, sealed.commitment)).wait();
    for (;;) {
      if (Date.now() - sent > DECRYPT_TIMEOUT_MS) throw new DevnetError(`${nodes} nodes: transaction ${txId} not decrypted in time`);
      if ((await mev.getTransaction(txId)).status === 3n) break; // Decrypted
      await sleep(DECRYPT_WATCH_MS);
    }
    const doneMs = Date.now() - sent;
    const [decrypted] = await mev.queryFilter(mev.filters.ThresholdDecrypted(txId), receipt!.blockNumber);
    const [, keyShares] = await mev.keyShares(txId);
    out.push({
      txId,
      submitToDecryptMs: doneMs,
      submitToDecryptBlocks: decrypted.blockNumber - receipt!.blockNumber,
      keyShares: Number(keyShares),
    });
    console.log(`  ${nodes} nodes, encrypted transaction ${i + 1}/${count}: decrypted ${doneMs} ms after submission (${keyShares} shares)`);
  }
  return out;
}

function table(runs: RunResult[]): string {
  const rows: string[][] = [["nodes", "figure", "p50", "p95", "max"]];
  const labels: [keyof RunResult["summary"], string][] = [
    ["fromBlockSeenMs", "turn start (block seen) → first signed commitment, ms"],
    ["fromBlockTimestampMs", "turn start (block timestamp) → first signed commitment, ms"],
    ["turnMs", "  of which the producer's GET /turn, ms"],
    ["signMs", "  of which POST /sign, ms"],
    ["handOverDelayS", "rotation due → rotation mined, s"],
  ];
  for (const run of runs) {
    for (const [key, label] of labels) {
      const s = run.summary[key];
      rows.push([String(run.nodes), label, String(s.p50), String(s.p95), String(s.max)]);
    }
    if (run.decryptionSummary) {
      const { submitToDecryptMs: ms, submitToDecryptBlocks: blocks } = run.decryptionSummary;
      rows.push([
        String(run.nodes),
        `encrypted tx submitted → decrypted (t = ${run.threshold}), ms`,
        String(ms.p50),
        String(ms.p95),
        String(ms.max),
      ]);
      rows.push([String(run.nodes), "  the same in blocks", String(blocks.p50), String(blocks.p95), String(blocks.max)]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ")).join("\n");
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), {
    nodes: { type: "string", default: "5,20" },
    turns: { type: "string", default: "8" },
    "poll-interval": { type: "string", default: "250" },
    "producer-interval": { type: "string", default: "250" },
    out: { type: "string", default: path.join(ROOT, "node/bench-results.json") },
    "rpc-port": { type: "string", default: "19345" },
    "api-port": { type: "string", default: "19400" },
    encrypted: { type: "string", default: "5" },
  });
  const int = (name: string, v: string, min: number, max: number) => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new DevnetError(`--${name}: must be an integer in [${min}, ${max}]`);
    return Number(v);
  };
  const sizes = values.nodes!.split(",").map((v) => int("nodes", v.trim(), 5, 20));
  const turns = int("turns", values.turns!, 1, 100);
  const settings = {
    pollIntervalMs: int("poll-interval", values["poll-interval"]!, 100, 3_600_000),
    producerIntervalMs: int("producer-interval", values["producer-interval"]!, 50, 60_000),
    rpcPort: int("rpc-port", values["rpc-port"]!, 1, 65535),
    apiPort: int("api-port", values["api-port"]!, 1, 65535 - 20),
    encrypted: int("encrypted", values.encrypted!, 0, 100),
  };
  const runs: RunResult[] = [];
  for (const nodes of sizes) {
    console.log(`bench:node: ${nodes} nodes, ${turns} turns`);
    runs.push(await benchOne(nodes, turns, settings));
  }
  const out = path.resolve(values.out!);
  const cpus = os.cpus();
  const report = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: cpus.length, model: cpus[0]?.model ?? "unknown", node: process.version },
    settings: {
      nodePollIntervalMs: settings.pollIntervalMs,
      producerIntervalMs: settings.producerIntervalMs,
      blockIntervalS: 1,
      blockWatchMs: BLOCK_WATCH_MS,
      turns,
      encryptedTransactions: settings.encrypted,
      decryptWatchMs: DECRYPT_WATCH_MS,
    },
    runs,
  };
  fs.writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
  console.log(`\n${table(runs)}\n\nwritten to ${out}`);
}

if (require.main === module)
  main().catch((e) => {
    console.error(`bench:node: ${e instanceof DevnetError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  });
