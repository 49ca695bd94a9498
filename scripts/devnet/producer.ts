import { hexlify, randomBytes } from "ethers";

/** What the toy producer did: one line per event, for the devnet's log. */
export type ProducerEvent =
  /** `at`: wall-clock time (ms) when POST /sign returned; `signMs`: how long POST /sign took; `turnMs`: how long the
   * GET /turn that saw the turn took. */
  | { kind: "produced"; slot: string; blockHash: string; at: number; signMs: number; turnMs: number }
  | { kind: "refused"; slot: string; signedHash: string }
  /** The node accepted the block for attestation (POST /attest): `signed` whether it co-signed it as a member. */
  | { kind: "proposed"; slot: string; blockHash: string; signed: boolean }
  | { kind: "unreachable"; error: string };

/**
 * A toy L2 block producer for one node: every `intervalMs` (default `PRODUCER_INTERVAL_MS`) it asks its node's local API whether the node's sequencer
 * holds the turn (GET /turn) and, once per registry slot while it does, builds a "block" (a random hash: a real
 * producer's block contents differ from one attempt to the next) and has the node sign the commitment (POST /sign).
 * The node publishes the signed commitment to its peers. Then it proposes the block for attestation (POST /attest, when
 * the node's attester duty is on), numbered by its slot (one block per slot) with made-up gas and transaction counts.
 */
export const PRODUCER_INTERVAL_MS = 500;

export class ToyProducer {
  private timer?: NodeJS.Timeout;
  private lastSlot = -1n;
  private stopped = false;
  produced = 0;

  constructor(
    readonly apiUrl: string,
    private readonly report: (event: ProducerEvent) => void,
    private readonly intervalMs = PRODUCER_INTERVAL_MS,
  ) {}

  start(): void {
    const round = async () => {
      await this.step().catch((e) => this.report({ kind: "unreachable", error: String((e as Error).message ?? e) }));
      if (!this.stopped) this.timer = setTimeout(round, this.intervalMs);
    };
    this.timer = setTimeout(round, 0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async step(): Promise<void> {
    const asked = Date.now();
    const turn = (await (await fetch(`${this.apiUrl}/turn`, { signal: AbortSignal.timeout(2000) })).json()) as {
      holdsTurn: boolean;
      slot: string;
    };
    if (!turn.holdsTurn) return;
    const slot = BigInt(turn.slot);
    if (slot <= this.lastSlot) return;
    const blockHash = hexlify(randomBytes(32));
    const signing = Date.now();
    const turnMs = signing - asked;
    const res = await fetch(`${this.apiUrl}/sign`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ slot: slot.toString(), blockHash }),
      signal: AbortSignal.timeout(2000),
    });
    const body = (await res.json()) as { signedHash?: string; error?: string };
    const at = Date.now();
    this.lastSlot = slot;
    if (res.status === 200) {
      this.produced++;
      this.report({ kind: "produced", slot: slot.toString(), blockHash, at, signMs: at - signing, turnMs });
      await this.propose(slot, blockHash);
    } else if (res.status === 409) this.report({ kind: "refused", slot: slot.toString(), signedHash: body.signedHash ?? "" });
    else throw new Error(`POST /sign answered ${res.status}: ${body.error ?? ""}`);
  }

  private async propose(slot: bigint, blockHash: string): Promise<void> {
    const block = { slot: slot.toString(), blockNumber: slot.toString(), blockHash, gasUsed: "21000", txCount: "1" };
    const res = await fetch(`${this.apiUrl}/attest`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(block),
      signal: AbortSignal.timeout(2000),
    });
    const body = (await res.json()) as { signed?: boolean; error?: string };
    if (res.status === 404) return; // the attester duty is off
    if (res.status !== 200) throw new Error(`POST /attest answered ${res.status}: ${body.error ?? ""}`);
    this.report({ kind: "proposed", slot: slot.toString(), blockHash, signed: body.signed === true });
  }
}
