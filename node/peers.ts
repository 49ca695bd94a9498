import type { Logger } from "./log";
import type { Metrics } from "./metrics";

/** A block commitment as it travels between nodes: signed (EIP-712 `BlockCommitment`) by its sequencer's operator. */
export interface CommitmentMessage {
  sequencerId: bigint;
  slot: bigint;
  blockHash: string;
  signature: string;
}

/** What a subscriber answers for a message it received (the watchtower: whether it proves an equivocation). */
export type CommitmentHandler = (message: Record<string, unknown>) => Promise<unknown>;

/**
 * How nodes exchange signed block commitments. Every message is signed by the sequencer that committed to the block,
 * so a receiver trusts no peer: it checks the signature against the registry's operator of that sequencer (the
 * watchtower does). Two implementations, chosen by the configuration's `transport`: `HttpPeerTransport` (below) and
 * `GossipPeerTransport` (node/gossip.ts, libp2p gossipsub).
 */
export interface PeerTransport {
  /** Sends a signed commitment to the peers (best effort: an unreachable peer is logged and counted, not retried). */
  publish(message: CommitmentMessage): Promise<void>;
  /** Registers the handler of commitments received from peers (one: the watchtower), before `start`. */
  subscribe(handler: CommitmentHandler): void;
  /** Opens the transport's own connections or listeners, if it has any. */
  start(): Promise<void>;
  /** Closes them. */
  stop(): Promise<void>;
}

/** The time a peer has to answer one publication. */
export const PEER_TIMEOUT_MS = 2000;

const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));

/**
 * Signed commitments over HTTP: `publish` POSTs each message to every configured peer's `POST /commitments`. The
 * inbound side is this node's own `POST /commitments`, which the API hands to the watchtower (with either transport),
 * so `subscribe` has nothing to register.
 */
export class HttpPeerTransport implements PeerTransport {
  constructor(
    readonly peers: readonly string[],
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  subscribe(_handler: CommitmentHandler): void {}

  /** Nothing to open: what peers send arrives on this node's API. */
  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async publish(message: CommitmentMessage): Promise<void> {
    const body = toJson(message);
    await Promise.all(
      this.peers.map(async (peer) => {
        try {
          const res = await fetch(`${peer}/commitments`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
          });
          await res.arrayBuffer();
          if (res.status !== 202) throw new Error(`answered ${res.status}`);
          this.metrics.inc("lp504_node_peer_messages_total", { outcome: "delivered" });
        } catch (e) {
          this.metrics.inc("lp504_node_peer_messages_total", { outcome: "failed" });
          this.log("warn", "peer.publish-failed", { peer, slot: message.slot, error: String((e as Error).message ?? e) });
        }
      }),
    );
  }
}
