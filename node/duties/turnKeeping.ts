import { describeRevert } from "../../index";
import type { NodeContext } from "../context";

export type TurnKeepingOutcome = "not-due" | "would-revert" | "rotated" | "rotated-by-another";

/**
 * Turn keeping: hands the turn over with `rotateSequencer` once the rotation is due. It reads `nextRotationTime`
 * against the latest block's time first and sends nothing before; then it simulates the call and sends only if the
 * simulation succeeds (another node may have rotated first, or no sequencer may be eligible). Every node keeps the
 * turn, so several may send in the same block: a transaction that reverts because another one rotated first is
 * logged as `rotation.raced`, not as a failure.
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
  let tx, receipt;
  try {
    tx = await ctx.registry.rotateSequencer();
    receipt = await tx.wait();
  } catch (e) {
    // another keeper's rotation, mined or still pending (the estimate runs against the pending block)
    const nowDue = await ctx.registry.nextRotationTime({ blockTag: "pending" });
    if (nowDue <= due) throw e;
    ctx.log("info", "rotation.raced", { tx: tx?.hash, nextRotationTime: nowDue });
    return "rotated-by-another";
  }
  ctx.metrics.inc("lp504_node_transactions_total", { duty: "turnKeeping", function: "rotateSequencer" });
  ctx.log("info", "rotation.sent", { tx: tx.hash, block: receipt?.blockNumber, nextRotationTime: due });
  return "rotated";
}
