import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import { InvalidFieldError } from "./errors";
import type { CommitmentHandler, CommitmentMessage, PeerTransport } from "./peers";

/**
 * The parts of libp2p the gossip transport uses, described structurally: libp2p's own declarations are ES modules,
 * which this CommonJS project does not import (see `loadLibp2p`).
 */
interface PeerIdLike {
  toString(): string;
}
interface AddressLike {
  toString(): string;
}
interface GossipMessage {
  topic: string;
  data: Uint8Array;
}
type ValidatorResult = "accept" | "ignore" | "reject";
interface PubSub {
  subscribe(topic: string): void;
  publish(topic: string, data: Uint8Array): Promise<{ recipients: PeerIdLike[] }>;
  topicValidators: Map<string, (peer: PeerIdLike, message: GossipMessage) => Promise<ValidatorResult>>;
  getSubscribers(topic: string): PeerIdLike[];
  getMeshPeers(topic: string): PeerIdLike[];
}
interface Libp2pNode {
  peerId: PeerIdLike;
  services: { pubsub: PubSub };
  getMultiaddrs(): AddressLike[];
  dial(address: AddressLike, options?: { signal?: AbortSignal }): Promise<{ remotePeer: PeerIdLike }>;
  getConnections(): { remotePeer: PeerIdLike }[];
  stop(): Promise<void>;
}
type Factory = (init?: Record<string, unknown>) => unknown;
interface PrivateKeyLike {
  type: string;
}
/** What node/libp2p.mjs exports. */
export interface Libp2pModule {
  createLibp2p(options: Record<string, unknown>): Promise<Libp2pNode>;
  tcp: Factory;
  noise: Factory;
  yamux: Factory;
  identify: Factory;
  gossipsub: Factory;
  TopicValidatorResult: { Accept: ValidatorResult; Ignore: ValidatorResult; Reject: ValidatorResult };
  generateKeyPair(type: "Ed25519"): Promise<PrivateKeyLike>;
  privateKeyFromProtobuf(bytes: Uint8Array): PrivateKeyLike;
  privateKeyToProtobuf(key: PrivateKeyLike): Uint8Array;
  multiaddr(address: string): AddressLike;
}

/** The ES module that re-exports the libp2p modules (next to this file, in the repository and in a bundle). */
export const LIBP2P_MODULE = path.join(__dirname, "libp2p.mjs");

// TypeScript compiles `import()` to `require()` under module commonjs, and Node 20's `require` cannot load ES modules:
// a function built at run time keeps the real `import()`.
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

/**
 * libp2p 3 calls `Promise.withResolvers` (ES2024), which Node has from version 22 only. On Node 20 it is defined here,
 * as the standard specifies it, before libp2p is loaded; on a Node that has it, nothing changes.
 */
export function ensurePromiseWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers === "function") return;
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor) {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

/** Loads libp2p (ES modules) from CommonJS: `file` is node/libp2p.mjs unless a bundle puts it elsewhere. */
export async function loadLibp2p(file: string = LIBP2P_MODULE): Promise<Libp2pModule> {
  ensurePromiseWithResolvers();
  return (await importModule(pathToFileURL(file).href)) as Libp2pModule;
}

/** The gossip topic of one registry's block commitments: nodes of another chain or registry never mix. */
export function commitmentTopic(chainId: bigint | number, registry: string): string {
  return `/lp504/${chainId}/${registry.toLowerCase()}/commitments/1`;
}

/** The node's libp2p identity (its peer id): read from `file`, or created there (mode 0600) on the first start. */
export async function loadOrCreateIdentity(lib: Libp2pModule, file: string): Promise<PrivateKeyLike> {
  if (fs.existsSync(file)) return lib.privateKeyFromProtobuf(new Uint8Array(fs.readFileSync(file)));
  const key = await lib.generateKeyPair("Ed25519");
  const tmp = `${file}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(tmp, lib.privateKeyToProtobuf(key), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return key;
}

export interface GossipOptions {
  /** The multiaddr this node listens on (`/ip4/0.0.0.0/tcp/8505`; port 0: any free port, see `addresses`). */
  listen: string;
  /** Multiaddrs of the peers to stay connected to (`/ip4/10.0.0.2/tcp/8505/p2p/12D3Koo…`; the peer id is optional). */
  peers: readonly string[];
  /** The gossip topic (`commitmentTopic`). */
  topic: string;
  /** Where the node's libp2p key is kept; without it, the node has a new peer id at each start. */
  identityFile?: string;
  /** Milliseconds between attempts to reconnect to configured peers that are not connected. */
  redialIntervalMs?: number;
  /** node/libp2p.mjs, or where a bundle put it. */
  libp2pModule?: string;
}

/** The time one dial of a configured peer may take. */
export const GOSSIP_DIAL_TIMEOUT_MS = 5000;
/** Default `redialIntervalMs`. */
export const GOSSIP_REDIAL_INTERVAL_MS = 5000;

const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Signed commitments over libp2p gossipsub (TCP, Noise, yamux): `publish` puts each message on the registry's topic,
 * and the mesh relays it to every subscribed node, also to nodes this one has no connection with. A node with a
 * subscriber (the watchtower) joins the topic; the subscriber is the topic's validator, so a message reaches it
 * once (gossipsub drops repeats), and the node relays only what its watchtower accepted: a commitment with a bad
 * signature or fields is rejected (not relayed, and gossipsub lowers its sender's score), one the node could not
 * check (RPC error) is ignored. A node without a watchtower publishes without joining the topic.
 *
 * The gossip layer authenticates peers (Noise, with each node's libp2p key) but vouches for nothing in a message:
 * each commitment carries its sequencer operator's EIP-712 signature, which the watchtower checks as it does for
 * HTTP.
 */
export class GossipPeerTransport implements PeerTransport {
  private handler?: CommitmentHandler;
  private node?: Libp2pNode;
  private lib?: Libp2pModule;
  private timer?: NodeJS.Timeout;
  /** The peer id each configured address answered with (for an address that names none). */
  private readonly learned = new Map<string, string>();
  private readonly unreachable = new Set<string>();
  /** The round of dials under way (a round that outlasts the interval is not overlapped by the next). */
  private dialing?: Promise<void>;

  constructor(
    readonly options: GossipOptions,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  subscribe(handler: CommitmentHandler): void {
    if (this.node) throw new Error("subscribe before start");
    this.handler = handler;
  }

  /** This node's libp2p peer id (after `start`). */
  get peerId(): string {
    if (!this.node) throw new Error("the gossip transport is not started");
    return this.node.peerId.toString();
  }

  /** The multiaddrs this node listens on, each ending in `/p2p/<peerId>` (after `start`). */
  get addresses(): string[] {
    if (!this.node) throw new Error("the gossip transport is not started");
    return this.node.getMultiaddrs().map(String);
  }

  /** Connected peers known to be subscribed to the topic. */
  get topicPeers(): number {
    return this.node ? this.node.services.pubsub.getSubscribers(this.options.topic).length : 0;
  }

  /** Peers in this node's mesh for the topic (the ones it relays to; gossipsub grafts them at its heartbeat, 1 s). */
  get meshPeers(): number {
    return this.node ? this.node.services.pubsub.getMeshPeers(this.options.topic).length : 0;
  }

  async start(): Promise<void> {
    if (this.node) return;
    const lib = await loadLibp2p(this.options.libp2pModule);
    const privateKey = this.options.identityFile === undefined ? undefined : await loadOrCreateIdentity(lib, this.options.identityFile);
    const node = await lib.createLibp2p({
      ...(privateKey === undefined ? {} : { privateKey }),
      addresses: { listen: [this.options.listen] },
      transports: [lib.tcp()],
      connectionEncrypters: [lib.noise()],
      streamMuxers: [lib.yamux()],
      services: {
        identify: lib.identify(),
        // a node may publish before its mesh forms (a commitment with no subscriber yet is counted as failed)
        pubsub: lib.gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }),
      },
    });
    this.lib = lib;
    this.node = node;
    if (this.handler) {
      const { Accept, Ignore, Reject } = lib.TopicValidatorResult;
      const handler = this.handler;
      node.services.pubsub.topicValidators.set(this.options.topic, async (peer, message) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(message.data));
        } catch {
          parsed = undefined;
        }
        if (!isObject(parsed)) {
          this.metrics.inc("lp504_node_commitments_rejected_total");
          this.log("warn", "gossip.rejected", { from: peer.toString(), error: "not a JSON object" });
          return Reject;
        }
        try {
          await handler(parsed);
          return Accept;
        } catch (e) {
          if (e instanceof InvalidFieldError) {
            this.metrics.inc("lp504_node_commitments_rejected_total");
            this.log("warn", "gossip.rejected", { from: peer.toString(), field: e.field, error: e.message });
            return Reject;
          }
          this.log("error", "gossip.unchecked", { from: peer.toString(), error: String((e as Error).message ?? e) });
          return Ignore;
        }
      });
      node.services.pubsub.subscribe(this.options.topic);
    }
    this.log("info", "gossip.listening", { peerId: this.peerId, addresses: this.addresses, topic: this.options.topic });
    const redial = () => {
      this.dialing ??= this.dialPeers().finally(() => (this.dialing = undefined));
    };
    redial();
    this.timer = setInterval(redial, this.options.redialIntervalMs ?? GOSSIP_REDIAL_INTERVAL_MS);
    this.timer.unref();
  }

  /** Dials each configured peer that has no connection (a failure is logged once until the peer answers again). */
  private async dialPeers(): Promise<void> {
    const node = this.node;
    const lib = this.lib;
    if (!node || !lib) return;
    const connected = new Set(node.getConnections().map((c) => c.remotePeer.toString()));
    await Promise.all(
      this.options.peers.map(async (address) => {
        const named = /\/p2p\/([^/]+)$/.exec(address)?.[1] ?? this.learned.get(address);
        if (named !== undefined && connected.has(named)) return;
        try {
          const connection = await node.dial(lib.multiaddr(address), { signal: AbortSignal.timeout(GOSSIP_DIAL_TIMEOUT_MS) });
          this.learned.set(address, connection.remotePeer.toString());
          if (this.unreachable.delete(address)) this.log("info", "gossip.peer-reconnected", { peer: address });
        } catch (e) {
          if (this.node !== node) return; // stopped meanwhile
          if (!this.unreachable.has(address))
            this.log("warn", "gossip.dial-failed", { peer: address, error: String((e as Error).message ?? e) });
          this.unreachable.add(address);
        }
      }),
    );
  }

  /** Publishes on the topic; counted as delivered when at least one peer received it, else as failed. */
  async publish(message: CommitmentMessage): Promise<void> {
    const node = this.node;
    try {
      if (!node) throw new Error("the gossip transport is not started");
      const { recipients } = await node.services.pubsub.publish(this.options.topic, new TextEncoder().encode(toJson(message)));
      if (recipients.length === 0) throw new Error("no peer subscribed to the topic is connected");
      this.metrics.inc("lp504_node_peer_messages_total", { outcome: "delivered" });
    } catch (e) {
      this.metrics.inc("lp504_node_peer_messages_total", { outcome: "failed" });
      this.log("warn", "peer.publish-failed", { slot: message.slot, error: String((e as Error).message ?? e) });
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    const node = this.node;
    this.node = undefined;
    await node?.stop();
  }
}
