import fs from "node:fs";
import path from "node:path";
import { Wallet, HDNodeWallet } from "ethers";
import { TX_DEFAULTS, type TxSettings } from "./tx";
import { validateComputeConfig, type ComputeConfig } from "./compute/config";

/**
 * The operator's configuration: one JSON file, validated as a whole (every error at once, each naming its key), then
 * overridden by environment variables. The operator key never appears in it: `keystore` names an encrypted JSON
 * keystore (ethers `Wallet.encrypt`), whose password comes from `LP504_NODE_PASSWORD` or from `passwordFile`; so do
 * the optional block-commitment signing keys (`signingKeystore`, `previousSigningKeystores`), with the same password.
 */
export interface NodeConfig {
  /** JSON-RPC endpoint of the chain that holds the registry. */
  rpcUrl: string;
  /** Chain id the node expects the endpoint to report (refuses to start on another chain). */
  chainId: number;
  /** The deployment record (`deployments/<chainId>.json`) naming the registry, lens and beacon. */
  deployment: string;
  /** Encrypted JSON keystore of the operator account. */
  keystore: string;
  /** File holding the keystore password (used when LP504_NODE_PASSWORD is not set). */
  passwordFile?: string;
  /** Encrypted JSON keystore of the block-commitment signing key (same password as `keystore`): the node registers it
   * with the SigningKeys contract (`setSigningKey`) and signs each slot with the key the contract names for it. */
  signingKeystore?: string;
  /** Keystores of signing keys replaced (by `signingKeystore`, or by the operator key again), kept to sign the slots
   * still theirs until the next key's first slot (a rotation without a gap); never registered. */
  previousSigningKeystores: string[];
  /** Directory of the slashing-protection store and the node's state. */
  dataDir: string;
  /** Sequencer id operated; default: the registry's `sequencerIdOf(operator)`. */
  sequencerId?: number;
  api: { host: string; port: number };
  /** Milliseconds between duty rounds. */
  pollIntervalMs: number;
  duties: {
    /** Sign block commitments for the producer through the local API (POST /sign). */
    signing: boolean;
    /** Call rotateSequencer when the rotation is due. */
    turnKeeping: boolean;
    /** Accept commitments on POST /commitments, prove equivocations, withdraw the reward. */
    watchtower: boolean;
    /** Commit the VRF beacon's round when this sequencer is its committer (registers the derived VRF key if none). */
    beacon: boolean;
    /** Take, execute and submit AIScheduler jobs and training gradients with the configured executor (see `compute`). */
    compute: boolean;
    /** Co-sign the active sequencer's blocks as a member of the slot's attestation committee (POST /attest,
     * POST /attestations) and record attested blocks on the PerformanceMonitor. */
    attester: boolean;
    /** Open the MEVMitigation key shares sealed to this operator, submit them, decrypt at the threshold. */
    thresholdDecryption: boolean;
    /** Rotate away from a silent active sequencer (`rotateOnLivenessFailure`) and prove missed forced inclusions. */
    guardian: boolean;
  };
  /** Transaction handling: confirmations, fee bumping, retries (see node/tx.ts). */
  tx: TxSettings;
  /** The compute duty's executor and limits (required when `duties.compute` is on). */
  compute?: ComputeConfig;
  /** How signed commitments travel between nodes: `http` (POST to each peer's API) or `gossip` (libp2p gossipsub). */
  transport: PeerTransportKind;
  /** The gossip transport's listening address (required with `transport: "gossip"`). */
  gossip?: { listen: string };
  /** The peers that receive this node's signed commitments: with `http`, their APIs' base URLs (`http://host:port`);
   * with `gossip`, their libp2p multiaddrs (`/ip4/10.0.0.2/tcp/8505/p2p/12D3Koo…`, the peer id optional). */
  peers: string[];
  /** Behaviour for tests only, refused unless `LP504_DEVNET_ALLOW_MISBEHAVIOUR=1` (see `TESTING_ENV`). */
  testing: {
    /** Misbehave: after each commitment signed through POST /sign, also sign a second, different hash for the same
     * slot without the slashing-protection store, and publish both, so that the peers' watchtowers slash it. */
    equivocate: boolean;
  };
}

export const PEER_TRANSPORTS = ["http", "gossip"] as const;
export type PeerTransportKind = (typeof PEER_TRANSPORTS)[number];

/** A TCP multiaddr a node can dial: `/ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>`, optionally `/p2p/<peer id>`. */
const DIALABLE_MULTIADDR = /^\/(ip4|ip6|dns|dns4|dns6)\/[^/\s]+\/tcp\/(\d{1,5})(\/p2p\/[1-9A-HJ-NP-Za-km-z]+)?$/;
/** A TCP multiaddr a node can listen on: `/ip4|ip6/<address>/tcp/<port>` (port 0: any free port). */
const LISTEN_MULTIADDR = /^\/(ip4|ip6)\/[^/\s]+\/tcp\/(\d{1,5})$/;

/** The environment variable that must be `1` for any `testing` behaviour to be accepted (set by the devnet only). */
export const TESTING_ENV = "LP504_DEVNET_ALLOW_MISBEHAVIOUR";

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration ${source}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Environment variables that override a key of the file (applied before validation, so they are checked too). */
export const ENV_OVERRIDES: Record<string, { key: string; type: "string" | "integer" }> = {
  LP504_NODE_RPC_URL: { key: "rpcUrl", type: "string" },
  LP504_NODE_CHAIN_ID: { key: "chainId", type: "integer" },
  LP504_NODE_DEPLOYMENT: { key: "deployment", type: "string" },
  LP504_NODE_KEYSTORE: { key: "keystore", type: "string" },
  LP504_NODE_PASSWORD_FILE: { key: "passwordFile", type: "string" },
  LP504_NODE_SIGNING_KEYSTORE: { key: "signingKeystore", type: "string" },
  LP504_NODE_DATA_DIR: { key: "dataDir", type: "string" },
  LP504_NODE_SEQUENCER_ID: { key: "sequencerId", type: "integer" },
  LP504_NODE_API_HOST: { key: "api.host", type: "string" },
  LP504_NODE_API_PORT: { key: "api.port", type: "integer" },
  LP504_NODE_POLL_INTERVAL_MS: { key: "pollIntervalMs", type: "integer" },
  LP504_NODE_TX_CONFIRMATIONS: { key: "tx.confirmations", type: "integer" },
  LP504_NODE_TX_MAX_FEE_CAP_GWEI: { key: "tx.maxFeeCapGwei", type: "integer" },
};

/** The `tx` keys and the range each must be in. */
export const TX_LIMITS: Record<keyof TxSettings, [number, number]> = {
  confirmations: [0, 1000],
  bumpAfterMs: [100, 3_600_000],
  maxFeeCapGwei: [1, 1_000_000],
  retries: [0, 20],
  retryBackoffMs: [10, 60_000],
  pollIntervalMs: [10, 60_000],
};
export const PASSWORD_ENV = "LP504_NODE_PASSWORD";

const DEFAULTS = {
  api: { host: "127.0.0.1", port: 8504 },
  pollIntervalMs: 2000,
  duties: {
    signing: true,
    turnKeeping: true,
    watchtower: true,
    beacon: false,
    compute: false,
    attester: false,
    thresholdDecryption: false,
    guardian: false,
  },
};
const KNOWN = new Set([
  "rpcUrl",
  "chainId",
  "deployment",
  "keystore",
  "passwordFile",
  "signingKeystore",
  "previousSigningKeystores",
  "dataDir",
  "sequencerId",
  "api",
  "pollIntervalMs",
  "duties",
  "tx",
  "transport",
  "gossip",
  "peers",
  "testing",
  "compute",
]);

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

function setPath(obj: Raw, key: string, value: unknown) {
  const parts = key.split(".");
  let at = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isObject(at[p])) at[p] = {};
    at = at[p] as Raw;
  }
  at[parts[parts.length - 1]] = value;
}

/** Validates a parsed configuration (after overrides); relative paths resolve against `baseDir`. */
export function validateConfig(raw: unknown, baseDir: string, source = "<config>", env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const problems: string[] = [];
  if (!isObject(raw)) throw new ConfigError(source, ["(root): must be a JSON object"]);
  for (const k of Object.keys(raw)) if (!KNOWN.has(k)) problems.push(`${k}: unknown key`);
  const str = (key: string, v: unknown, required: boolean): string | undefined => {
    if (v === undefined) {
      if (required) problems.push(`${key}: required`);
      return undefined;
    }
    if (typeof v !== "string" || v.length === 0) problems.push(`${key}: must be a non-empty string`);
    else return v;
    return undefined;
  };
  const int = (key: string, v: unknown, min: number, max: number, required: boolean): number | undefined => {
    if (v === undefined) {
      if (required) problems.push(`${key}: required`);
      return undefined;
    }
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
      problems.push(`${key}: must be an integer in [${min}, ${max}]`);
    else return v;
    return undefined;
  };
  const rpcUrl = str("rpcUrl", raw.rpcUrl, true);
  if (rpcUrl !== undefined && !/^(https?|wss?):\/\//.test(rpcUrl)) problems.push("rpcUrl: must be an http(s):// or ws(s):// URL");
  const chainId = int("chainId", raw.chainId, 1, Number.MAX_SAFE_INTEGER, true);
  const deployment = str("deployment", raw.deployment, true);
  const keystore = str("keystore", raw.keystore, true);
  const passwordFile = str("passwordFile", raw.passwordFile, false);
  const signingKeystore = str("signingKeystore", raw.signingKeystore, false);
  const previousSigningKeystores: string[] = [];
  if (raw.previousSigningKeystores !== undefined) {
    if (!Array.isArray(raw.previousSigningKeystores)) problems.push("previousSigningKeystores: must be an array of keystore paths");
    else {
      raw.previousSigningKeystores.forEach((k, i) => {
        const file = str(`previousSigningKeystores[${i}]`, k, true);
        if (file !== undefined) previousSigningKeystores.push(file);
      });
    }
  }
  const keyFiles = [keystore, signingKeystore, ...previousSigningKeystores]
    .filter((k): k is string => k !== undefined)
    .map((k) => path.resolve(baseDir, k));
  if (new Set(keyFiles).size !== keyFiles.length)
    problems.push("signingKeystore: keystore, signingKeystore and previousSigningKeystores must be different files");
  const dataDir = str("dataDir", raw.dataDir, true);
  const sequencerId = int("sequencerId", raw.sequencerId, 1, Number.MAX_SAFE_INTEGER, false);
  for (const secret of ["privateKey", "mnemonic", "password", "signingKey", "signingPrivateKey"])
    if (secret in raw)
      problems.push(`${secret}: secrets never go in the config (use keystore or signingKeystore, and ${PASSWORD_ENV} or passwordFile)`);
  const api = raw.api === undefined ? {} : raw.api;
  let host = DEFAULTS.api.host;
  let port = DEFAULTS.api.port;
  if (!isObject(api)) problems.push("api: must be an object");
  else {
    for (const k of Object.keys(api)) if (k !== "host" && k !== "port") problems.push(`api.${k}: unknown key`);
    host = str("api.host", api.host, false) ?? host;
    port = api.port === undefined ? port : (int("api.port", api.port, 0, 65535, false) ?? port);
  }
  const pollIntervalMs =
    raw.pollIntervalMs === undefined ? DEFAULTS.pollIntervalMs : (int("pollIntervalMs", raw.pollIntervalMs, 100, 3_600_000, false) ?? 0);
  const duties = { ...DEFAULTS.duties };
  if (raw.duties !== undefined) {
    if (!isObject(raw.duties)) problems.push("duties: must be an object");
    else
      for (const [k, v] of Object.entries(raw.duties)) {
        if (!(k in duties)) problems.push(`duties.${k}: unknown duty (known: ${Object.keys(duties).join(", ")})`);
        else if (typeof v !== "boolean") problems.push(`duties.${k}: must be true or false`);
        else duties[k as keyof typeof duties] = v;
      }
  }
  const tx: TxSettings = { ...TX_DEFAULTS };
  if (raw.tx !== undefined) {
    if (!isObject(raw.tx)) problems.push("tx: must be an object");
    else
      for (const [k, v] of Object.entries(raw.tx)) {
        if (!(k in TX_LIMITS)) problems.push(`tx.${k}: unknown key (known: ${Object.keys(TX_LIMITS).join(", ")})`);
        else {
          const [min, max] = TX_LIMITS[k as keyof TxSettings];
          const n = int(`tx.${k}`, v, min, max, false);
          if (n !== undefined) tx[k as keyof TxSettings] = n;
        }
      }
  }
  let transport: PeerTransportKind = "http";
  if (raw.transport !== undefined) {
    if (!PEER_TRANSPORTS.includes(raw.transport as PeerTransportKind))
      problems.push(`transport: must be one of ${PEER_TRANSPORTS.join(", ")}`);
    else transport = raw.transport as PeerTransportKind;
  }
  let gossip: { listen: string } | undefined;
  if (raw.gossip !== undefined && transport !== "gossip") problems.push(`gossip: only with transport "gossip"`);
  else if (transport === "gossip") {
    if (raw.gossip === undefined) problems.push(`gossip.listen: required with transport "gossip"`);
    else if (!isObject(raw.gossip)) problems.push("gossip: must be an object");
    else {
      for (const k of Object.keys(raw.gossip)) if (k !== "listen") problems.push(`gossip.${k}: unknown key (known: listen)`);
      const listen = str("gossip.listen", raw.gossip.listen, true);
      const port = listen === undefined ? undefined : LISTEN_MULTIADDR.exec(listen)?.[2];
      if (listen !== undefined && (port === undefined || Number(port) > 65535))
        problems.push("gossip.listen: must be a multiaddr /ip4/<address>/tcp/<port> (or /ip6/...)");
      else if (listen !== undefined) gossip = { listen };
    }
  }
  const peers: string[] = [];
  const peerKind =
    transport === "http" ? "an http(s)://host:port URL" : "a multiaddr /ip4|ip6|dns4|dns6|dns/<host>/tcp/<port>[/p2p/<peer id>]";
  if (raw.peers !== undefined) {
    if (!Array.isArray(raw.peers)) problems.push(`peers: must be an array, each ${peerKind}`);
    else
      raw.peers.forEach((p, i) => {
        if (transport === "http") {
          if (typeof p !== "string" || !/^https?:\/\/[^/\s]+\/?$/.test(p)) problems.push(`peers[${i}]: must be ${peerKind}`);
          else peers.push(p.replace(/\/$/, ""));
        } else {
          const port = typeof p === "string" ? DIALABLE_MULTIADDR.exec(p)?.[2] : undefined;
          if (port === undefined || Number(port) === 0 || Number(port) > 65535) problems.push(`peers[${i}]: must be ${peerKind}`);
          else peers.push(p as string);
        }
      });
  }
  const testing = { equivocate: false };
  if (raw.testing !== undefined) {
    if (!isObject(raw.testing)) problems.push("testing: must be an object");
    else
      for (const [k, v] of Object.entries(raw.testing)) {
        if (k !== "equivocate") problems.push(`testing.${k}: unknown key (known: equivocate)`);
        else if (typeof v !== "boolean") problems.push(`testing.${k}: must be true or false`);
        else if (v && env[TESTING_ENV] !== "1")
          problems.push(`testing.${k}: makes the node misbehave (it gets slashed); refused unless ${TESTING_ENV}=1 (devnets only)`);
        else testing.equivocate = v;
      }
  }
  const compute = validateComputeConfig(raw.compute, duties.compute, baseDir, problems);
  if (duties.attester && transport === "gossip")
    problems.push('duties.attester: needs transport "http" (block attestations travel to the peers\' APIs, not over gossip)');
  if (problems.length > 0) throw new ConfigError(source, problems);
  const abs = (p: string) => path.resolve(baseDir, p);
  return {
    rpcUrl: rpcUrl!,
    chainId: chainId!,
    deployment: abs(deployment!),
    keystore: abs(keystore!),
    passwordFile: passwordFile === undefined ? undefined : abs(passwordFile),
    ...(signingKeystore === undefined ? {} : { signingKeystore: abs(signingKeystore) }),
    previousSigningKeystores: previousSigningKeystores.map(abs),
    dataDir: abs(dataDir!),
    sequencerId,
    api: { host, port },
    pollIntervalMs,
    duties,
    tx,
    transport,
    ...(gossip === undefined ? {} : { gossip }),
    peers,
    testing,
    ...(compute ? { compute } : {}),
  };
}

/** Reads `file`, applies the environment's overrides, validates. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(file, [`(file): ${(e as Error).message}`]);
  }
  const problems: string[] = [];
  if (isObject(raw))
    for (const [name, { key, type }] of Object.entries(ENV_OVERRIDES)) {
      const value = env[name];
      if (value === undefined) continue;
      if (type === "integer") {
        if (!/^\d+$/.test(value)) problems.push(`${key}: ${name}=${JSON.stringify(value)} is not an integer`);
        else setPath(raw, key, Number(value));
      } else setPath(raw, key, value);
    }
  try {
    const config = validateConfig(raw, path.dirname(path.resolve(file)), file, env);
    if (problems.length > 0) throw new ConfigError(file, problems);
    return config;
  } catch (e) {
    // a bad override and the file's own errors are reported together
    if (e instanceof ConfigError) throw new ConfigError(file, [...problems, ...e.problems.filter((p) => !problems.includes(p))]);
    throw e;
  }
}

/** The keystore's password: LP504_NODE_PASSWORD, else the password file (its first line). */
export function readPassword(config: NodeConfig, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[PASSWORD_ENV];
  if (fromEnv !== undefined) return fromEnv;
  if (config.passwordFile === undefined) throw new ConfigError("keystore", [`passwordFile: required when ${PASSWORD_ENV} is not set`]);
  return fs.readFileSync(config.passwordFile, "utf8").split(/\r?\n/)[0];
}

/** Decrypts the operator key from the configured keystore. */
export async function loadOperator(config: NodeConfig, env: NodeJS.ProcessEnv = process.env): Promise<Wallet | HDNodeWallet> {
  const json = fs.readFileSync(config.keystore, "utf8");
  return Wallet.fromEncryptedJson(json, readPassword(config, env));
}

/** Decrypts the signing keys (same password as the operator keystore): the configured one, then the previous ones. */
export async function loadSigningKeys(
  config: NodeConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ signingKey?: Wallet | HDNodeWallet; previousSigningKeys: (Wallet | HDNodeWallet)[] }> {
  if (config.signingKeystore === undefined && config.previousSigningKeystores.length === 0) return { previousSigningKeys: [] };
  const password = readPassword(config, env);
  const open = (file: string) => Wallet.fromEncryptedJson(fs.readFileSync(file, "utf8"), password);
  return {
    ...(config.signingKeystore === undefined ? {} : { signingKey: await open(config.signingKeystore) }),
    previousSigningKeys: await Promise.all(config.previousSigningKeystores.map(open)),
  };
}
