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
    await this.post("/commitments", toJson(message), "lp504_node_peer_messages_total", { slot: message.slot });
  }

  /** Sends a block attestation message (the attestation and its signatures so far) to every peer's `POST /attestations`. */
  async publishAttestation(message: { attestation: { sequencerId: bigint; slot: bigint } }): Promise<void> {
    const { sequencerId, slot } = message.attestation;
    await this.post("/attestations", toJson(message), "lp504_node_attestation_messages_total", { sequencerId, slot });
  }

  private async post(
    route: string,
    body: string,
    metric: "lp504_node_peer_messages_total" | "lp504_node_attestation_messages_total",
    fields: Record<string, unknown>,
  ): Promise<void> {
    await Promise.all(
      this.peers.map(async (peer) => {
        try {
          const res = await fetch(`${peer}${route}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
          });
          await res.arrayBuffer();
          if (res.status !== 202) throw new Error(`answered ${res.status}`);
          this.metrics.inc(metric, { outcome: "delivered" });
        } catch (e) {
          this.metrics.inc(metric, { outcome: "failed" });
          this.log("warn", "peer.publish-failed", { peer, route, ...fields, error: String((e as Error).message ?? e) });
        }
      }),
    );
  }
}
