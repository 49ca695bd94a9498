import { describeRevert } from "../../index";
import type { NodeContext } from "../context";

export type TurnKeepingOutcome = "not-due" | "would-revert" | "rotated";

/**
 * Turn keeping: hands the turn over with `rotateSequencer` once the rotation is due. It reads `nextRotationTime`
 * against the latest block's time first and sends nothing before; then it simulates the call and sends only if the
 * simulation succeeds (another node may have rotated first, or no sequencer may be eligible).
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
  const tx = await ctx.registry.rotateSequencer();
  const receipt = await tx.wait();
  ctx.metrics.inc("lp504_node_transactions_total", { duty: "turnKeeping", function: "rotateSequencer" });
  ctx.log("info", "rotation.sent", { tx: tx.hash, block: receipt?.blockNumber, nextRotationTime: due });
  return "rotated";
}
