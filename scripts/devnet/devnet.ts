/**
 * `npm run devnet`: a local network of sequencer operators in one command.
 *
 *   npm run devnet -- [--nodes 5] [--equivocator <i>] [--dir <dir>] [--rpc-port 18745] [--api-port 18800]
 *                     [--poll-interval 1000] [--producer-interval 500] [--transport http|gossip] [--gossip-port 18900]
 *
 * Starts anvil, deploys the suite with deploy/params/devnet.json, registers one sequencer per node, writes each
 * node's configuration, password file and encrypted keystore under the directory, starts the lp504-node processes
 * (peers: every other node's API with `--transport http`, the default; with `--transport gossip`, each node listens
 * for libp2p on `<gossip-port> + i` and dials the next two nodes of a ring, so commitments reach the others through
 * gossipsub's relaying) and one toy block producer per node, then mines a block a second until Ctrl-C, which
 * stops the producers, the nodes (SIGTERM, then SIGKILL after 10 s) and anvil. `--equivocator <i>` makes node i (1-based)
 * double-sign on purpose (`testing.equivocate`), so the other nodes' watchtowers slash it.
 *
 * `<dir>/devnet.json` describes the running devnet (RPC, deployment record, each node's pid, API and files).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { buildSync } from "esbuild";
import { JsonRpcProvider, Wallet, encryptKeystoreJson, parseEther, toUtf8Bytes } from "ethers";
import { connectSuite } from "../../index";
import { readDeploymentFile } from "../../deploy/recordFile";
import { TESTING_ENV, PEER_TRANSPORTS, type PeerTransportKind } from "../../node/config";
import { LIBP2P_MODULE } from "../../node/gossip";
import { vrfSecretMessage } from "../../node/duties/beacon";
import { encryptionSecretMessage, operatorEncryptionKey } from "../../node/duties/threshold";
import { operatorVrfKey } from "../../sdk/beacon";
import { PRODUCER_INTERVAL_MS, ToyProducer, type ProducerEvent } from "./producer";

const ROOT = path.resolve(__dirname, "../..");
/** anvil's first development account (public, funded on every anvil): the deployer and governance. */
const DEPLOYER = 0;
/** Each sequencer's stake: the devnet's minimum, so a 60 % slash ejects (own stake under the 50 LUX ejection stake). */
export const STAKE = parseEther("100");
/** What each operator receives: its stake plus gas; twenty of them fit in the deployer's 10,000 ETH. */
const OPERATOR_FUNDS = parseEther("200");
const CHAIN_ID = 31337;
const PASSWORD = "devnet keystore password";
/** The nodes' `pollIntervalMs` unless `--poll-interval` says otherwise. */
export const NODE_POLL_INTERVAL_MS = 1000;

export interface DevnetNodeInfo {
  index: number;
  sequencerId: string;
  operator: string;
  apiUrl: string;
  configFile: string;
  logFile: string;
  equivocates: boolean;
  /** With `--transport gossip`: the multiaddr the node listens on for libp2p. */
  gossipAddress?: string;
  pid?: number;
}

export interface DevnetState {
  pid: number;
  rpcUrl: string;
  chainId: number;
  deployment: string;
  anvilPid: number;
  transport: PeerTransportKind;
  /** The node's code bundled (see `nodeCommand`). */
  nodeBundle: string;
  nodes: DevnetNodeInfo[];
}

export interface DevnetOptions {
  nodes: number;
  equivocator: number;
  dir: string;
  rpcPort: number;
  apiPort: number;
  /** Each node's `pollIntervalMs` (its duty rounds: turn keeping, watchtower, beacon). */
  pollIntervalMs: number;
  /** How often each toy producer asks its node `GET /turn`. */
  producerIntervalMs: number;
  /** How the nodes exchange commitments (default `http`). */
  transport?: PeerTransportKind;
  /** With `gossip`: node i listens for libp2p on this port + i (default 18900). */
  gossipPort?: number;
  /** Receives every producer's events; default: the devnet prints produced blocks and refusals. */
  onProducerEvent?: (node: DevnetNodeInfo, event: ProducerEvent) => void;
}

export class DevnetError extends Error {}

/** The encrypted mempool's threshold on a devnet of `nodes` nodes: a majority of the committee (every sequencer). */
export const thresholdOf = (nodes: number) => Math.floor(nodes / 2) + 1;

const t0 = Date.now();
const say = (line: string) => console.log(`devnet [${((Date.now() - t0) / 1000).toFixed(1)} s]: ${line}`);

/**
 * `node/cli.ts` bundled by esbuild into one file: the same code as `npm run node -- run`, but a process starts in a
 * tenth of a second of CPU instead of the three seconds ts-node spends transpiling the bindings, which counts with
 * six nodes on two cores.
 */
function bundleNode(outfile: string): void {
  buildSync({
    entryPoints: [path.join(ROOT, "node/cli.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    outfile,
    logLevel: "error",
  });
  // The bundle loads libp2p (ES modules, gossip transport only) from libp2p.mjs next to itself: there, a module that
  // re-exports the repository's node/libp2p.mjs, whose imports resolve in the repository's node_modules.
  const shim = `export * from ${JSON.stringify(pathToFileURL(LIBP2P_MODULE).href)};\n`;
  fs.writeFileSync(path.join(path.dirname(outfile), path.basename(LIBP2P_MODULE)), shim);
}

/** The default of `--gossip-port`. */
export const GOSSIP_PORT = 18900;

/** The arguments of `node` that run node `configFile` (`lp504-node run --config <file>`) from the devnet's bundle. */
export function nodeCommand(bundle: string, configFile: string): string[] {
  return [bundle, "run", "--config", configFile];
}

/** The environment of node `info`: the misbehaviour switch only for the equivocator. */
export function nodeEnv(info: DevnetNodeInfo): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env[TESTING_ENV];
  if (info.equivocates) env[TESTING_ENV] = "1";
  return env;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new DevnetError(`${what}: not ready after ${timeoutMs / 1000} s`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): void {
  const out = fs.openSync(logFile, "a");
  const r = spawnSync(command, args, { cwd: ROOT, env, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  if (r.status !== 0) throw new DevnetError(`${command} ${args.join(" ")} failed (exit ${r.status}); see ${logFile}`);
}

export class Devnet {
  private anvil?: ChildProcess;
  private readonly children = new Map<number, ChildProcess>();
  private readonly producers: ToyProducer[] = [];
  private stopping?: Promise<void>;
  state?: DevnetState;

  constructor(readonly options: DevnetOptions) {}

  async start(): Promise<DevnetState> {
    const { dir, rpcPort, apiPort, nodes, equivocator } = this.options;
    const transport = this.options.transport ?? "http";
    const gossipPort = this.options.gossipPort ?? GOSSIP_PORT;
    const gossipAddress = (i: number) => `/ip4/127.0.0.1/tcp/${gossipPort + i}`;
    fs.mkdirSync(dir, { recursive: true });
    const rpcUrl = `http://127.0.0.1:${rpcPort}`;
    const buildLog = path.join(dir, "build.log");

    say("compiling the contracts and the node's bindings (cached after the first run)");
    run("npx", ["hardhat", "compile", "--quiet"], process.env, buildLog);
    run("npx", ["hardhat", "lp504", "abis"], process.env, buildLog);
    const nodeBundle = path.join(dir, "lp504-node.js");
    bundleNode(nodeBundle);

    say(`starting anvil on ${rpcUrl}`);
    const anvilLog = fs.openSync(path.join(dir, "anvil.log"), "a");
    // Its own process group: the npm wrapper and the binary are stopped together.
    this.anvil = spawn(
      path.join(ROOT, "node_modules/.bin/anvil"),
      ["--host", "127.0.0.1", "--port", String(rpcPort), "--chain-id", String(CHAIN_ID)],
      {
        stdio: ["ignore", anvilLog, anvilLog],
        detached: true,
      },
    );
    fs.closeSync(anvilLog);
    const provider = new JsonRpcProvider(rpcUrl, CHAIN_ID, { staticNetwork: true, pollingInterval: 250, cacheTimeout: -1 });
    await waitFor("anvil", 20_000, async () => (await provider.send("eth_chainId", [])) === `0x${CHAIN_ID.toString(16)}`);

    say("deploying the suite (deploy/params/devnet.json)");
    const deployEnv = { ...process.env, LOCAL_RPC_URL: rpcUrl, LP504_DEPLOYMENTS_DIR: dir };
    run(
      "npx",
      ["hardhat", "--network", "localhost", "lp504", "deploy", "--params", "deploy/params/devnet.json"],
      deployEnv,
      path.join(dir, "deploy.log"),
    );
    const deployment = path.join(dir, `${CHAIN_ID}.json`);
    const record = readDeploymentFile(deployment, CHAIN_ID);
    if (!record) throw new DevnetError(`the deployment wrote no record at ${deployment}`);

    say(`registering ${nodes} sequencers`);
    const deployer = await provider.getSigner(DEPLOYER);
    let nonce = await deployer.getNonce();
    const infos: DevnetNodeInfo[] = [];
    for (let i = 1; i <= nodes; i++) {
      const wallet = Wallet.createRandom();
      await (await deployer.sendTransaction({ to: wallet.address, value: OPERATOR_FUNDS, nonce: nonce++ })).wait();
      const { registry, beacon } = connectSuite(record, wallet.connect(provider));
      const endpoint = `http://127.0.0.1:${apiPort + i}`;
      // The public key the encrypted mempool seals key shares to: the one the node derives (thresholdDecryption duty).
      const { pk } = operatorEncryptionKey(await wallet.signMessage(encryptionSecretMessage(BigInt(CHAIN_ID), wallet.address)));
      await (await registry.registerSequencer(endpoint, pk, toUtf8Bytes(`devnet node ${i}`), { value: STAKE })).wait();
      const sequencerId = await registry.sequencerIdOf(wallet.address);
      // The VRF key the node derives from its operator key (what its beacon duty would register on its first round),
      // registered now so that the beacon rounds opened by the first rotations already have their committer's key.
      const vrfKey = operatorVrfKey(await wallet.signMessage(vrfSecretMessage(BigInt(CHAIN_ID), sequencerId)));
      await (await beacon!.registerVRFKey(sequencerId, vrfKey.pk)).wait();
      const nodeDir = path.join(dir, `node-${i}`);
      fs.mkdirSync(nodeDir, { recursive: true });
      // A devnet key: scrypt at 2^14 (not the default 2^17) so that six nodes decrypt their keys in a second.
      const keystore = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, PASSWORD, {
        scrypt: { N: 1 << 14 },
      });
      fs.writeFileSync(path.join(nodeDir, "keystore.json"), keystore, { mode: 0o600 });
      fs.writeFileSync(path.join(nodeDir, "password"), PASSWORD + "\n", { mode: 0o600 });
      const config = {
        rpcUrl,
        chainId: CHAIN_ID,
        deployment,
        keystore: "keystore.json",
        passwordFile: "password",
        dataDir: "data",
        sequencerId: Number(sequencerId),
        api: { host: "127.0.0.1", port: apiPort + i },
        pollIntervalMs: this.options.pollIntervalMs,
        duties: {
          signing: true,
          turnKeeping: true,
          watchtower: true,
          beacon: true,
          attester: transport !== "gossip",
          thresholdDecryption: true,
        },
        ...(transport === "gossip"
          ? {
              transport,
              gossip: { listen: gossipAddress(i) },
              // a ring: the next two nodes (the mesh relays to the rest)
              peers: [1, 2].map((k) => gossipAddress(((i - 1 + k) % nodes) + 1)),
            }
          : {
              peers: Array.from({ length: nodes }, (_, j) => j + 1)
                .filter((j) => j !== i)
                .map((j) => `http://127.0.0.1:${apiPort + j}`),
            }),
        ...(i === equivocator ? { testing: { equivocate: true } } : {}),
      };
      const configFile = path.join(nodeDir, "config.json");
      fs.writeFileSync(configFile, JSON.stringify(config, null, 2) + "\n");
      infos.push({
        index: i,
        sequencerId: sequencerId.toString(),
        operator: wallet.address,
        apiUrl: endpoint,
        configFile,
        logFile: path.join(nodeDir, "node.log"),
        equivocates: i === equivocator,
        ...(transport === "gossip" ? { gossipAddress: gossipAddress(i) } : {}),
      });
    }
    say("sequencers registered");
    // The encrypted mempool's committee: every sequencer, a majority of them to decrypt.
    const { mev } = connectSuite(record, deployer);
    await (await mev.initThresholdDecryption(thresholdOf(nodes), [], { nonce: nonce++ })).wait();
    // From now on a block a second, as a chain with a clock: rotations and beacon deadlines come due by themselves.
    await provider.send("evm_setIntervalMining", [1]);
    provider.destroy();

    say(`starting ${nodes} lp504-node processes (peer transport: ${transport})`);
    for (const info of infos) this.startNode(nodeBundle, info);
    await Promise.all(
      infos.map((info) => waitFor(`node ${info.index}`, 60_000, async () => (await fetch(`${info.apiUrl}/healthz`)).status === 200)),
    );

    const printEvent = (info: DevnetNodeInfo, e: ProducerEvent) => {
      if (e.kind === "produced") say(`node ${info.index} (sequencer ${info.sequencerId}) produced slot ${e.slot}: ${e.blockHash}`);
      else if (e.kind === "refused") say(`node ${info.index} refused a second hash for slot ${e.slot} (signed ${e.signedHash})`);
    };
    const onEvent = this.options.onProducerEvent ?? printEvent;
    for (const info of infos) {
      const producer = new ToyProducer(info.apiUrl, (e) => onEvent(info, e), this.options.producerIntervalMs);
      producer.start();
      this.producers.push(producer);
    }
    this.state = {
      pid: process.pid,
      rpcUrl,
      chainId: CHAIN_ID,
      deployment,
      anvilPid: this.anvil.pid!,
      transport,
      nodeBundle,
      nodes: infos,
    };
    this.writeState();
    say(`running: ${nodes} nodes, logs and configuration in ${dir} (devnet.json); Ctrl-C stops everything`);
    return this.state;
  }

  private writeState(): void {
    fs.writeFileSync(path.join(this.options.dir, "devnet.json"), JSON.stringify(this.state, null, 2) + "\n");
  }

  /** Starts node `info`'s process, its output appended to its log. */
  private startNode(bundle: string, info: DevnetNodeInfo): void {
    const log = fs.openSync(info.logFile, "a");
    const child = spawn(process.execPath, nodeCommand(bundle, info.configFile), {
      cwd: ROOT,
      env: nodeEnv(info),
      stdio: ["ignore", log, log],
    });
    fs.closeSync(log);
    info.pid = child.pid;
    this.children.set(info.index, child);
    child.on("exit", (code, signal) => {
      this.children.delete(info.index);
      if (!this.stopping) say(`node ${info.index} exited (${signal ?? `code ${code}`}); it stays down`);
    });
  }

  /** Stops the producers, then the nodes (SIGTERM, SIGKILL after 10 s), then anvil's process group. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      for (const p of this.producers) p.stop();
      const exits = [...this.children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
            child.once("exit", () => {
              clearTimeout(force);
              resolve();
            });
            child.kill("SIGTERM");
          }),
      );
      await Promise.all(exits);
      const anvil = this.anvil;
      if (anvil?.pid !== undefined && anvil.exitCode === null && anvil.signalCode === null) {
        const exited = new Promise<void>((resolve) => anvil.once("exit", () => resolve()));
        try {
          process.kill(-anvil.pid, "SIGTERM");
        } catch {
          anvil.kill("SIGTERM");
        }
        await exited;
      }
      say("stopped");
    })());
  }
}

/** `parseArgs` that reports a bad command line (an unknown option, a missing value) as a `DevnetError`. */
export function parseCommandLine<T extends ParseArgsConfig["options"]>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (e) {
    if (String((e as { code?: string }).code).startsWith("ERR_PARSE_ARGS")) throw new DevnetError((e as Error).message);
    throw e;
  }
}

function options(argv: string[]): DevnetOptions {
  const { values } = parseCommandLine(argv, {
    nodes: { type: "string", default: "5" },
    equivocator: { type: "string", default: "0" },
    dir: { type: "string" },
    "rpc-port": { type: "string", default: "18745" },
    "api-port": { type: "string", default: "18800" },
    "poll-interval": { type: "string", default: String(NODE_POLL_INTERVAL_MS) },
    "producer-interval": { type: "string", default: String(PRODUCER_INTERVAL_MS) },
    transport: { type: "string", default: "http" },
    "gossip-port": { type: "string", default: String(GOSSIP_PORT) },
  });
  const int = (name: string, v: string, min: number, max: number) => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new DevnetError(`--${name}: must be an integer in [${min}, ${max}]`);
    return Number(v);
  };
  const nodes = int("nodes", values.nodes!, 5, 20);
  const transport = values.transport as PeerTransportKind;
  if (!PEER_TRANSPORTS.includes(transport)) throw new DevnetError(`--transport: must be one of ${PEER_TRANSPORTS.join(", ")}`);
  return {
    transport,
    gossipPort: int("gossip-port", values["gossip-port"]!, 1, 65535 - nodes),
    nodes,
    equivocator: int("equivocator", values.equivocator!, 0, nodes),
    dir: values.dir ? path.resolve(values.dir) : fs.mkdtempSync(path.join(os.tmpdir(), "lp504-devnet-")),
    rpcPort: int("rpc-port", values["rpc-port"]!, 1, 65535),
    apiPort: int("api-port", values["api-port"]!, 1, 65535 - nodes),
    pollIntervalMs: int("poll-interval", values["poll-interval"]!, 100, 3_600_000),
    producerIntervalMs: int("producer-interval", values["producer-interval"]!, 50, 60_000),
  };
}

async function main(): Promise<void> {
  let devnetOptions: DevnetOptions;
  try {
    devnetOptions = options(process.argv.slice(2));
  } catch (e) {
    console.error(`devnet: ${e instanceof DevnetError ? e.message : String(e)}`);
    process.exit(1);
  }
  const devnet = new Devnet(devnetOptions);
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    say(`${signal}: stopping`);
    devnet.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  try {
    await devnet.start();
  } catch (e) {
    console.error(`devnet: ${e instanceof DevnetError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    await devnet.stop();
    process.exit(1);
  }
}

if (require.main === module) void main();
