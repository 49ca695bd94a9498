import { isError } from "ethers";
import { decodeRevert } from "../../index";
import type { PerformanceMonitor } from "../../generated/contracts";
import type { NodeContext } from "../context";
import type { TxRevertedError } from "../tx";

/** Blocks the guardian looks back on its first round for forced transactions still queued. */
export const GUARDIAN_LOOKBACK_BLOCKS = 5_000;
/** Most blocks one round reads events from (an RPC's log range limit). */
const MAX_RANGE = 5_000;
/** Forced transactions followed at once (the oldest are dropped past this many). */
export const MAX_FOLLOWED = 10_000;

export interface GuardianRound {
  /** Whether this node's `rotateOnLivenessFailure` handed the turn over. */
  rotated: boolean;
  /** Missed forced inclusions this node proved. */
  proven: number;
  /** Forced transactions still queued and followed. */
  followed: number;
}

/**
 * Guardian (duty `guardian`): the watchtower's checks that need no peer's evidence, both on the PerformanceMonitor.
 *
 * - **Liveness.** When the active sequencer missed a slot of its turn or produced no block for `livenessTimeout`,
 *   `rotateOnLivenessFailure` hands its turn over; the guardian sends it once a simulation says it would succeed.
 * - **Forced inclusion.** It follows `InclusionForced`; once the sequencer on duty let a whole inclusion window pass
 *   with the transaction still queued, `proveMissedInclusion` slashes it, rotates it away and refunds the requester.
 *   It sends that once a simulation says it would succeed, and stops following a transaction that is settled.
 *
 * Both calls are open to anyone, so several guardians may send them in one block. A call that reverts because
 * another's landed first (the turn already handed over, the transaction no longer queued) is logged
 * `guardian.raced`, not counted as a failure; any other revert fails the round.
 */
export class Guardian {
  private readonly followed = new Set<bigint>();
  private nextBlock?: number;

  constructor(
    private readonly ctx: NodeContext,
    private readonly monitor: PerformanceMonitor,
  ) {}

  /** Forced transactions followed (queued, not yet settled). */
  get followedCount(): number {
    return this.followed.size;
  }

  async tick(): Promise<GuardianRound> {
    const latest = (await this.ctx.provider.getBlock("latest"))!;
    await this.discover(latest.number);
    const rotated = await this.livenessRound();
    let proven = 0;
    const now = BigInt(latest.timestamp);
    for (const id of [...this.followed]) if (await this.inclusionRound(id, now)) proven++;
    return { rotated, proven, followed: this.followed.size };
  }

  /** Reads the `InclusionForced` events since the last round. */
  private async discover(latest: number): Promise<void> {
    const { monitor } = this;
    const from = this.nextBlock ?? Math.max(0, latest - GUARDIAN_LOOKBACK_BLOCKS);
    if (from > latest) return;
    const to = Math.min(latest, from + MAX_RANGE - 1);
    for (const log of await monitor.queryFilter(monitor.filters.InclusionForced(), from, to)) {
      this.followed.add(log.args.id);
      if (this.followed.size > MAX_FOLLOWED) this.followed.delete(this.followed.values().next().value!);
    }
    this.nextBlock = to + 1;
  }

  private async livenessRound(): Promise<boolean> {
    const { ctx, monitor } = this;
    if (!(await succeeds(() => monitor.rotateOnLivenessFailure.staticCall()))) return false;
    const current = await ctx.registry.currentSequencerId();
    const outcome = await this.send(
      "rotateOnLivenessFailure",
      () => monitor.rotateOnLivenessFailure.populateTransaction(),
      // raced: another guardian's rotation (or the period's) moved the turn on
      async () => (await ctx.registry.currentSequencerId({ blockTag: "pending" })) !== current,
    );
    if (outcome) ctx.log("warn", "guardian.liveness-rotation", { sequencerId: current, tx: outcome });
    return outcome !== undefined;
  }

  /** `now`: the latest block's time, read once per round for every followed transaction. */
  private async inclusionRound(id: bigint, now: bigint): Promise<boolean> {
    const { ctx, monitor } = this;
    const forced = await monitor.getForcedTx(id);
    if (forced.status !== 1n) {
      this.followed.delete(id); // included, charged or lapsed: nothing left to prove
      return false;
    }
    if (now <= forced.deadline) return false; // its first window is still open (a later turn's window ends later still)
    if (!(await succeeds(() => monitor.proveMissedInclusion.staticCall(id)))) return false; // the duty's window is still open
    const outcome = await this.send(
      "proveMissedInclusion",
      () => monitor.proveMissedInclusion.populateTransaction(id),
      async () => (await monitor.getForcedTx(id, { blockTag: "pending" })).status !== 1n,
    );
    if (outcome === undefined) return false;
    this.followed.delete(id);
    ctx.log("warn", "guardian.inclusion-missed", { id, tx: outcome });
    return true;
  }

  /** Sends `functionName`; the hash once confirmed, undefined when it raced another sender or did not confirm. */
  private async send(
    functionName: string,
    populate: () => ReturnType<PerformanceMonitor["rotateOnLivenessFailure"]["populateTransaction"]>,
    settledByAnother: () => Promise<boolean>,
  ): Promise<string | undefined> {
    const { ctx } = this;
    let outcome;
    try {
      outcome = await ctx.tx.send("guardian", functionName, populate);
    } catch (err) {
      if (!(await settledByAnother())) throw err;
      ctx.log("info", "guardian.raced", { function: functionName, tx: (err as TxRevertedError).receipt?.hash });
      return undefined;
    }
    if (outcome.status !== "confirmed") {
      // reorganised away or dropped: the next round simulates it again
      ctx.log("warn", "guardian.not-confirmed", { function: functionName, status: outcome.status });
      return undefined;
    }
    ctx.metrics.inc("lp504_node_transactions_total", { duty: "guardian", function: functionName });
    return outcome.hash;
  }
}

/** Whether a simulated call succeeds; a revert is an answer (no), any other failure (the RPC) is thrown. */
async function succeeds(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (err) {
    if (isError(err, "CALL_EXCEPTION") || decodeRevert(err) !== undefined) return false;
    throw err;
  }
}
