/** The node's counters and gauges, rendered in the Prometheus text exposition format (GET /metrics). */
interface Metric {
  help: string;
  type: "counter" | "gauge";
  values: Map<string, number>;
}

export const METRICS = {
  lp504_node_signatures_total: { help: "Block commitments signed (a repeat of an already signed hash counts again).", type: "counter" },
  lp504_node_sign_refusals_total: {
    help: "Signing requests refused, by reason (conflict: a different hash was already signed for the slot; invalid: malformed request; no-valid-key: the node holds no key SigningKeys names for the slot).",
    type: "counter",
  },
  lp504_node_duty_runs_total: { help: "Duty rounds run, by duty.", type: "counter" },
  lp504_node_duty_errors_total: { help: "Duty rounds that failed (RPC error, unexpected revert), by duty.", type: "counter" },
  lp504_node_transactions_total: { help: "Transactions sent and mined, by duty and function.", type: "counter" },
  lp504_node_commitments_received_total: {
    help: "Signed commitments accepted by the watchtower (valid signature by the sequencer's signing key for the slot).",
    type: "counter",
  },
  lp504_node_commitments_rejected_total: {
    help: "Commitments the watchtower rejected (bad signature, not the slot's signing key, unknown sequencer, malformed).",
    type: "counter",
  },
  lp504_node_equivocations_detected_total: {
    help: "Pairs of different signed hashes for one (sequencer, slot) seen by the watchtower.",
    type: "counter",
  },
  lp504_node_equivocations_reported_total: {
    help: "Equivocations proven on chain by this node (reportMisbehavior mined with EquivocationProven).",
    type: "counter",
  },
  lp504_node_peer_messages_total: {
    help: "Signed commitments published to peers, by outcome (delivered: the peer accepted it; failed: unreachable or refused).",
    type: "counter",
  },
  lp504_node_tx_bumps_total: {
    help: "Transactions replaced with higher fees (same nonce) after waiting unmined for tx.bumpAfterMs, by duty.",
    type: "counter",
  },
  lp504_node_tx_refills_total: {
    help: "Transactions sent again with their nonce after they left the mempool unmined (their call still simulated), by duty.",
    type: "counter",
  },
  lp504_node_tx_retries_total: {
    help: "RPC calls of the transaction sender retried after a transient error, by operation.",
    type: "counter",
  },
  lp504_node_tx_reorgs_total: {
    help: "Mined transactions whose receipt disappeared or moved to another block before their confirmations, by duty.",
    type: "counter",
  },
  lp504_node_tx_pending: { help: "Transactions in flight: sent, not yet confirmed or given up.", type: "gauge" },
  lp504_node_compute_jobs_total: {
    help: "Scheduler jobs handled by the compute duty, by outcome (taken, accepted, declined, submitted, completed, late, raced, handed-over).",
    type: "counter",
  },
  lp504_node_executor_runs_total: {
    help: "Executor runs, by kind (job, gradient) and outcome (ok, failed, retry, timeout, invalid-output).",
    type: "counter",
  },
  lp504_node_gradients_submitted_total: { help: "Training gradients submitted by the compute duty.", type: "counter" },
  lp504_node_compute_executions_in_flight: { help: "Executor runs in progress.", type: "gauge" },
  lp504_node_attestations_signed_total: {
    help: "Block attestations this operator signed as a member of the slot's attestation committee.",
    type: "counter",
  },
  lp504_node_attestation_refusals_total: {
    help: "Block attestations refused, by reason (conflict: another attestation was signed for the (sequencer, slot); invalid: malformed, not the active sequencer's block or slot, bad commitment).",
    type: "counter",
  },
  lp504_node_attested_blocks_recorded_total: {
    help: "Attested blocks this node recorded on the PerformanceMonitor (recordAttestedBlock mined).",
    type: "counter",
  },
  lp504_node_attestation_messages_total: {
    help: "Block attestation messages published to peers, by outcome (delivered: the peer accepted it; failed: unreachable or refused).",
    type: "counter",
  },
  lp504_node_key_shares_total: {
    help: "Key shares of encrypted transactions sealed to this operator, by outcome (submitted; invalid: fails the Feldman check, not sent; refused: the simulation reverted, not sent).",
    type: "counter",
  },
  lp504_node_decryptions_total: {
    help: "Encrypted transactions this node decrypted on chain (decryptTransaction mined).",
    type: "counter",
  },
  lp504_node_last_processed_block: { help: "Number of the latest block the duty loop processed.", type: "gauge" },
  lp504_node_signing_key_held: {
    help: "1 while this node holds the block-commitment key SigningKeys names for the current slot, else 0 (it refuses to sign such slots).",
    type: "gauge",
  },
  lp504_node_holds_turn: { help: "1 while this node's sequencer is the registry's active sequencer, else 0.", type: "gauge" },
} as const;
export type MetricName = keyof typeof METRICS;

const labelKey = (labels: Record<string, string>) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");

export class Metrics {
  private readonly metrics = new Map<MetricName, Metric>();

  constructor() {
    for (const [name, m] of Object.entries(METRICS)) this.metrics.set(name as MetricName, { ...m, values: new Map() });
  }

  inc(name: MetricName, labels: Record<string, string> = {}, by = 1) {
    const m = this.metrics.get(name)!;
    const k = labelKey(labels);
    m.values.set(k, (m.values.get(k) ?? 0) + by);
  }

  set(name: MetricName, value: number, labels: Record<string, string> = {}) {
    this.metrics.get(name)!.values.set(labelKey(labels), value);
  }

  get(name: MetricName, labels: Record<string, string> = {}): number {
    return this.metrics.get(name)!.values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const out: string[] = [];
    for (const [name, m] of this.metrics) {
      out.push(`# HELP ${name} ${m.help}`, `# TYPE ${name} ${m.type}`);
      if (m.values.size === 0) out.push(`${name} 0`);
      for (const [k, v] of m.values) out.push(k === "" ? `${name} ${v}` : `${name}{${k}} ${v}`);
    }
    return out.join("\n") + "\n";
  }
}
