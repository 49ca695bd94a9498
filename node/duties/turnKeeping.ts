import { describeRevert } from "../../index";
import type { NodeContext } from "../context";
import type { TxRevertedError } from "../tx";

export type TurnKeepingOutcome = "not-due" | "would-revert" | "rotated" | "rotated-by-another" | "not-confirmed";

/**
 * Turn keeping: hands the turn over with `rotateSequencer` once the rotation is due. It reads `nextRotationTime`
 * against the latest block's time first and sends nothing before; then it simulates the call and sends only if the
 * simulation succeeds (another node may have rotated first, or no sequencer may be eligible). Every node keeps the
 * turn, so several may send in the same block: a transaction that reverts because another one rotated first is
 * logged as `rotation.raced`, not as a failure. It sends through the node's transaction sender (`ctx.tx`); a rotation
 * whose block was reorganised away, or that left the mempool and no longer simulates, is `not-confirmed`: the next
 * round reads the turn again and decides.
 */
export async function keepTurn(ctx: NodeContext): Promise<TurnKeepingOutcome> {
  const [due, block] = await Promise.all([ctx.registry.nextRotationTime(), ctx.provider.getBlock("latest")]);
  if (BigInt(block!.timestamp) < due) return "not-due";
  try {
    await ctx.registry.rotateSequencer.staticCall();
  } catch (e) {
    ctx.log("info", "rotation.skipped", { reason: describeRevert(e) ?? String(e), nextRotationTime: due });
    return "would-revert";
  }
  let outcome;
  try {
    outcome = await ctx.tx.send("turnKeeping", "rotateSequencer", () => ctx.registry.rotateSequencer.populateTransaction());
  } catch (e) {
    // another keeper's rotation, mined or still pending (the estimate runs against the pending block)
    const nowDue = await ctx.registry.nextRotationTime({ blockTag: "pending" });
    if (nowDue <= due) throw e;
    ctx.log("info", "rotation.raced", { tx: (e as TxRevertedError).receipt?.hash, nextRotationTime: nowDue });
    return "rotated-by-another";
  }
  if (outcome.status !== "confirmed") {
    ctx.log("warn", "rotation.not-confirmed", { status: outcome.status, nonce: outcome.nonce, hashes: outcome.hashes });
    return "not-confirmed";
  }
  ctx.metrics.inc("lp504_node_transactions_total", { duty: "turnKeeping", function: "rotateSequencer" });
  ctx.log("info", "rotation.sent", { tx: outcome.hash, block: outcome.receipt.blockNumber, nextRotationTime: due });
  return "rotated";
}
