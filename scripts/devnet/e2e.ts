/**
 * `npm run test:devnet`: the devnet end to end. Runs `scripts/devnet/devnet.ts` (anvil, the suite, six lp504-node
 * processes, node 6 an equivocator, a toy producer per node) as a child process and checks, against the chain:
 *
 *   1. a node killed with SIGKILL in the middle of a burst of signing requests, then restarted on its store, never
 *      signs two hashes for one slot (each released signature's slot refuses any other hash after the restart);
 *   2. the equivocator's two commitments for one slot reach the other nodes, whose watchtower proves it
 *      (EquivocationProven by another node), the registry slashes it and takes it out of the set, and the reporter
 *      has withdrawn its reward;
 *   3. the active node killed with SIGKILL loses the turn when it is due: another node calls rotateSequencer;
 *   4. the turn rotated across at least three sequencers, and beacon rounds were committed (commitVRF) by nodes;
 *   5. an encrypted transaction submitted at the start is decrypted on chain by the committee nodes (their key
 *      shares, then decryptTransaction, all sent by nodes), and an attested block is recorded on the
 *      PerformanceMonitor by a node, with more than two thirds of the committee's seats;
 *   6. SIGINT to the devnet stops every process it started (nodes and anvil): none is left.
 *
 * `npm run test:devnet -- --transport gossip` runs the same checks with the nodes on the gossip transport (libp2p).
 *
 * Exit code 0 when every check passed, 1 with the failing check and the devnet's log tail otherwise.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider, ZeroAddress, hexlify, randomBytes, toUtf8Bytes } from "ethers";
import { encryptForCommittee } from "../../sdk/threshold";
import { connectSuite } from "../../index";
import { readDeploymentFile } from "../../deploy/recordFile";
import { SequencerStatus } from "../../deploy/params";
import { STAKE, nodeCommand, nodeEnv, thresholdOf, type DevnetNodeInfo, type DevnetState } from "./devnet";

const ROOT = path.resolve(__dirname, "../..");
const NODES = 6;
const EQUIVOCATOR = 6;
/** The nodes' peer transport: `--transport http|gossip` (the devnet checks the value). */
const TRANSPORT = process.argv.includes("--transport") ? (process.argv[process.argv.indexOf("--transport") + 1] ?? "") : "http";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-devnet-e2e-"));
const devnetLog = path.join(dir, "devnet.out");

class CheckFailed extends Error {}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const elapsed = () => `${process.uptime().toFixed(1)} s`; // since the process started (ts-node's compilation included)
const step = (line: string) => console.log(`[${elapsed()}] ${line}`);

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new CheckFailed(what);
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new CheckFailed(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function sign(node: DevnetNodeInfo, slot: bigint, blockHash: string) {
  const res = await fetch(`${node.apiUrl}/sign`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ slot: slot.toString(), blockHash }),
  });
  return { status: res.status, body: (await res.json()) as { signature?: string; signedHash?: string; blockHash?: string } };
}

const healthy = async (node: DevnetNodeInfo) => (await fetch(`${node.apiUrl}/healthz`)).status === 200;

async function main(): Promise<void> {
  const out = fs.openSync(devnetLog, "a");
  const devnet: ChildProcess = spawn(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      path.join(ROOT, "scripts/devnet/devnet.ts"),
      ...["--nodes", String(NODES), "--equivocator", String(EQUIVOCATOR), "--dir", dir, "--transport", TRANSPORT],
      // a gossip run has ports of its own, so that it can run beside an HTTP one
      ...(TRANSPORT === "gossip"
        ? ["--rpc-port", "19545", "--api-port", "19600", "--gossip-port", "19700"]
        : ["--rpc-port", "18945", "--api-port", "19000"]),
    ],
    { cwd: ROOT, stdio: ["ignore", out, out] },
  );
  const restarted: ChildProcess[] = [];
  let state: DevnetState | undefined;
  try {
    step(`devnet starting (${dir})`);
    const stateFile = path.join(dir, "devnet.json");
    const exited = new Promise<never>((_, reject) =>
      devnet.once("exit", (code) => reject(new CheckFailed(`the devnet exited (${code}) before it was running`))),
    );
    exited.catch(() => undefined);
    state = await Promise.race([
      until("the devnet to start", 420_000, async () =>
        fs.existsSync(stateFile) ? (JSON.parse(fs.readFileSync(stateFile, "utf8")) as DevnetState) : undefined,
      ),
      exited,
    ]);
    step(`devnet running: ${state.nodes.length} nodes, peer transport ${state.transport}`);
    const provider = new JsonRpcProvider(state.rpcUrl, state.chainId, { staticNetwork: true });
    const record = readDeploymentFile(state.deployment, state.chainId)!;
    const { registry, selection, mev, monitor } = connectSuite(record, provider);
    const byOperator = new Map(state.nodes.map((n) => [n.operator.toLowerCase(), n]));

    // 5 (started now, checked after 2). A user's encrypted transaction, sealed to the committee's registered keys.
    const user = await provider.getSigner(1);
    const [epoch] = await mev.configuration();
    const publicKeys: string[] = [];
    for (const member of await mev.committee(epoch))
      publicKeys.push((await registry.getSequencer(await registry.sequencerIdOf(member))).publicKey);
    const sealed = encryptForCommittee(toUtf8Bytes("devnet: swap 1 LUX"), publicKeys, thresholdOf(state.nodes.length));
    const mevUser = mev.connect(user);
    const txId = await mevUser.submitEncrypted.staticCall(sealed.encryptedTx, sealed.commitment);
    await (await mevUser.submitEncrypted(sealed.encryptedTx, sealed.commitment)).wait();
    step(
      `encrypted transaction ${txId.slice(0, 10)}… submitted (committee of ${publicKeys.length}, threshold ${thresholdOf(publicKeys.length)})`,
    );
    const decryptedLater = until("the encrypted transaction's decryption by the nodes", 120_000, async () => {
      const logs = await mev.queryFilter(mev.filters.ThresholdDecrypted(txId), 0);
      return logs.length > 0 ? logs[0] : undefined;
    });
    decryptedLater.catch(() => undefined);
    const attestedLater = until("an attested block recorded by a node", 150_000, async () => {
      const logs = await monitor.queryFilter(monitor.filters.BlockAttested(), 0);
      return logs.length > 0 ? logs[0] : undefined;
    });
    attestedLater.catch(() => undefined);
    const equivocator = state.nodes.find((n) => n.equivocates)!;
    const honest = state.nodes.filter((n) => !n.equivocates);

    // Every hand-over, as seen by polling the registry.
    const actives = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const active = await registry.getActiveSequencer().catch(() => ZeroAddress);
        if (active !== ZeroAddress) actives.add(active.toLowerCase());
        await sleep(500);
      }
    })();

    // 1. Killed mid-signing, restarted: never two hashes for one slot.
    const activeNow = (await registry.getActiveSequencer()).toLowerCase();
    const victim = honest.find((n) => n.operator.toLowerCase() !== activeNow)!;
    const base = (await registry.currentSlot()) + 1_000_000n; // slots of its own: no producer asks for them
    const BURST = 60;
    const asked = Array.from({ length: BURST }, () => hexlify(randomBytes(32)));
    const released = new Map<number, string>();
    const KILL_AFTER = 5;
    let killed = false;
    const requests = asked.map((hash, k) =>
      sign(victim, base + BigInt(k), hash)
        .then((r) => {
          if (r.status === 200) released.set(k, r.body.blockHash!);
          if (!killed && released.size >= KILL_AFTER) {
            killed = process.kill(victim.pid!, "SIGKILL"); // at once, while the rest of the burst is in flight
          }
        })
        .catch(() => undefined),
    );
    await Promise.all(requests);
    check(killed, `the burst got ${released.size} signatures, fewer than ${KILL_AFTER}`);
    step(`node ${victim.index} killed with SIGKILL after ${released.size} of ${BURST} signatures were released`);
    check(released.size < BURST, "the burst finished before the kill: nothing was interrupted");
    const victimLog = fs.openSync(victim.logFile, "a");
    const again = spawn(process.execPath, nodeCommand(state.nodeBundle, victim.configFile), {
      cwd: ROOT,
      env: nodeEnv(victim),
      stdio: ["ignore", victimLog, victimLog],
    });
    fs.closeSync(victimLog);
    restarted.push(again);
    victim.pid = again.pid;
    await until(`node ${victim.index} to restart on its store`, 60_000, () => healthy(victim));
    let recordedUnreleased = 0;
    for (let k = 0; k < BURST; k++) {
      const other = hexlify(randomBytes(32));
      const r = await sign(victim, base + BigInt(k), other);
      if (released.has(k)) {
        check(r.status === 409 && r.body.signedHash === released.get(k), `slot +${k}: a released signature's slot accepted another hash`);
      } else if (r.status === 409) {
        // recorded before the kill, its signature never released: the store still holds it
        check(r.body.signedHash === asked[k].toLowerCase(), `slot +${k}: the store holds a hash nobody asked for`);
        recordedUnreleased++;
      } else {
        check(r.status === 200, `slot +${k}: answered ${r.status}`);
        const third = await sign(victim, base + BigInt(k), hexlify(randomBytes(32)));
        check(third.status === 409 && third.body.signedHash === other.toLowerCase(), `slot +${k}: signed a second hash after the restart`);
      }
    }
    step(
      `restarted node ${victim.index} refuses a second hash for all ${BURST} slots (${recordedUnreleased} recorded but unreleased at the kill)`,
    );

    // 2. The equivocator double-signs when its producer has it sign (when it holds the turn, or now, asked through its
    // API as its producer does); another node's watchtower proves it and the registry slashes it.
    const eqId = BigInt(equivocator.sequencerId);
    const provenFilter = registry.filters.EquivocationProven(eqId);
    if ((await registry.queryFilter(provenFilter, 0)).length === 0) {
      const turn = (await (await fetch(`${equivocator.apiUrl}/turn`)).json()) as { slot: string };
      const signed = await sign(equivocator, BigInt(turn.slot), hexlify(randomBytes(32)));
      check(signed.status === 200, `the equivocator's /sign answered ${signed.status}`);
    } else step(`node ${equivocator.index} already equivocated while it held the turn`);
    const proven = await until("EquivocationProven for the equivocator", 60_000, async () => {
      const logs = await registry.queryFilter(provenFilter, 0);
      return logs.length > 0 ? logs[0] : undefined;
    });
    const reporter = byOperator.get(proven.args.reporter.toLowerCase());
    check(reporter && !reporter.equivocates, `the equivocation was reported by ${proven.args.reporter}, not by another node`);
    const after = await registry.getSequencer(eqId);
    check(Number(after.status) !== SequencerStatus.Active, `the equivocator is still Active`);
    check(proven.args.slashed > 0n && after.stake === STAKE - proven.args.slashed, "the equivocator's stake was not slashed");
    const withdrawn = await until("the reporter's withdrawal of its reward", 30_000, async () => {
      const logs = await registry.queryFilter(registry.filters.Withdrawn(proven.args.reporter), proven.blockNumber);
      return logs.length > 0 ? logs[0] : undefined;
    });
    check(
      withdrawn.args.amount >= proven.args.reporterReward && proven.args.reporterReward > 0n,
      "the reporter withdrew less than its reward",
    );
    step(
      `node ${reporter.index} proved node ${equivocator.index}'s equivocation at slot ${proven.args.slot}: slashed ${proven.args.slashed} wei, ` +
        `status ${SequencerStatus[Number(after.status)]}, reward ${proven.args.reporterReward} wei withdrawn`,
    );

    // 5. The encrypted transaction decrypted by the committee nodes; an attested block recorded by a node.
    const decrypted = await decryptedLater;
    const decryptor = byOperator.get((await decrypted.getTransaction()).from.toLowerCase());
    check(decryptor, "the encrypted transaction was decrypted by an account that is not a node's");
    check((await mev.getDecrypted(txId, sealed.ciphertext)) === sealed.payload, "the decrypted plaintext is not the one submitted");
    const shares = await mev.queryFilter(mev.filters.KeyShareAccepted(txId), 0);
    check(
      shares.length >= thresholdOf(publicKeys.length) && shares.every((l) => byOperator.has(l.args.validator.toLowerCase())),
      `key shares: ${shares.length}, not a threshold of nodes'`,
    );
    step(
      `encrypted transaction decrypted by node ${decryptor.index} from the key shares of nodes ` +
        `${shares.map((l) => byOperator.get(l.args.validator.toLowerCase())!.index).join(", ")}`,
    );
    const attested = await attestedLater;
    const recorder = byOperator.get((await attested.getTransaction()).from.toLowerCase());
    check(recorder, "the attested block was recorded by an account that is not a node's");
    const committeeSize = BigInt((await selection.committeeAt(attested.args.slot)).length);
    check(attested.args.seats >= (committeeSize * 2n) / 3n + 1n, `the attested block has ${attested.args.seats} seats only`);
    step(
      `attested block of sequencer ${attested.args.sequencerId} at slot ${attested.args.slot} recorded by node ${recorder.index} ` +
        `(${attested.args.seats} of ${committeeSize} seats)`,
    );

    // 3. The active node killed with SIGKILL is rotated away by another node when the turn is due.
    const target = await until("an honest node other than the restarted one to hold the turn", 60_000, async () => {
      const active = byOperator.get((await registry.getActiveSequencer()).toLowerCase());
      return active && !active.equivocates && active !== victim ? active : undefined;
    });
    const fromBlock = await provider.getBlockNumber();
    process.kill(target.pid!, "SIGKILL");
    step(`node ${target.index}, the active sequencer, killed with SIGKILL`);
    const rotation = await until("a hand-over away from the killed node", 40_000, async () => {
      const logs = await registry.queryFilter(registry.filters.SequencerRotated(target.operator), fromBlock);
      return logs.length > 0 ? logs[0] : undefined;
    });
    const rotator = byOperator.get((await rotation.getTransaction()).from.toLowerCase());
    check(rotator && rotator !== target, "the hand-over was not sent by another node");
    step(
      `node ${rotator.index} rotated the turn from the killed node to ${byOperator.get(rotation.args.newSequencer.toLowerCase())?.index ?? rotation.args.newSequencer}`,
    );

    // 4. Turns across at least three sequencers; beacon rounds committed by the nodes.
    await until("at least three different active sequencers", 60_000, async () => actives.size >= 3);
    watching = false;
    await watcher;
    const fulfilled = await until("a committed beacon round", 60_000, async () => {
      const logs = await selection.queryFilter(selection.filters.RandomnessFulfilled(), 0);
      return logs.length > 0 ? logs : undefined;
    });
    const committers = new Set<number>();
    for (const log of fulfilled) {
      const node = byOperator.get((await log.getTransaction()).from.toLowerCase());
      check(node, `beacon round ${log.args.requestId} was committed by ${(await log.getTransaction()).from}, not by a node`);
      committers.add(node.index);
    }
    step(
      `${actives.size} different active sequencers seen; ${fulfilled.length} beacon rounds committed by nodes ${[...committers].join(", ")}`,
    );
    provider.destroy();
  } finally {
    for (const child of restarted) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    }
    if (devnet.exitCode === null) {
      const exited = new Promise((r) => devnet.once("exit", r));
      devnet.kill("SIGINT");
      await Promise.race([exited, sleep(30_000)]);
    }
  }
  // 6. Nothing left behind.
  check(devnet.exitCode === 0, `the devnet exited with ${devnet.exitCode} on SIGINT`);
  const pids = [state!.anvilPid, ...state!.nodes.map((n) => n.pid!)];
  const left = pids.filter(alive);
  check(left.length === 0, `processes left after SIGINT: ${left.join(", ")}`);
  step(`SIGINT stopped the devnet: anvil and all ${NODES} node processes exited`);
}

main().then(
  () => {
    console.log(`devnet e2e: passed in ${elapsed()}`);
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0); // not waiting for idle keep-alive sockets to the stopped nodes and anvil
  },
  (e) => {
    console.error(
      `devnet e2e: FAILED after ${elapsed()}: ${e instanceof CheckFailed ? e.message : e instanceof Error ? (e.stack ?? e.message) : e}`,
    );
    console.error(`logs in ${dir}; the devnet's last lines:`);
    console.error(fs.readFileSync(devnetLog, "utf8").split("\n").slice(-20).join("\n"));
    process.exit(1);
  },
);
