import { describeRevert } from "../../index";
import type { NodeContext } from "../context";

export type SigningKeyOutcome = "active" | "pending" | "registered" | "would-revert" | "not-confirmed" | "replaced";

/** The sequencer's signing keys as the SigningKeys contract has them (GET /status `signingKey`). */
export interface SigningKeyStatus {
  /** The registry's current slot. */
  slot: bigint;
  /** The key valid for the current slot (the operator address until a key is set). */
  inUse: string;
  /** Whether this node holds that key (it refuses to sign a slot whose key it does not hold). */
  held: boolean;
  /** The signing key of the configuration (`signingKeystore`), if any. */
  configured?: string;
  /** A change that has not started yet: its key and first slot. */
  pending?: { key: string; fromSlot: bigint };
}

/** Reads the key in use and a pending change of the node's sequencer; `held` are the addresses of the keys it holds. */
export async function signingKeyStatus(ctx: NodeContext, held: string[], configured?: string): Promise<SigningKeyStatus> {
  const [slot, changes] = await Promise.all([ctx.registry.currentSlot(), ctx.signingKeys.keyChanges(ctx.sequencerId)]);
  const inUse = await ctx.signingKeys.signingKeyAt(ctx.sequencerId, slot, ctx.operatorAddress);
  const last = changes.at(-1);
  return {
    slot,
    inUse,
    held: held.some((a) => a.toLowerCase() === inUse.toLowerCase()),
    ...(configured === undefined ? {} : { configured }),
    ...(last !== undefined && last.fromSlot > slot ? { pending: { key: last.key, fromSlot: last.fromSlot } } : {}),
  };
}

/**
 * Signing-key registration: when the configuration names a signing key (`signingKeystore`) that the SigningKeys
 * contract has neither in effect nor pending for this sequencer (its latest change is another key, or there is
 * none), sends `setSigningKey(sequencerId, key)` from the operator account, once, and logs the key's first slot
 * (`currentSlot + ACTIVATION_DELAY_SLOTS`). Until that slot the contract names the previous key (the operator address
 * at first), which the node keeps signing with.
 *
 * The state is read on the pending block, so a registration still in the mempool (also one found on disk after a
 * restart, which the transaction sender tracks again) counts as pending and is not sent twice. If, after this run
 * registered its key, another change replaces it (the operator set another key with another tool), the node does not
 * fight it: it logs `signing-key.replaced` and sends nothing more until it is restarted.
 */
export class SigningKeyRegistrar {
  private registered = false;
  private reported?: string;

  constructor(
    private readonly ctx: NodeContext,
    /** The configured signing key's address. */
    readonly key: string,
  ) {}

  async tick(): Promise<SigningKeyOutcome> {
    const { ctx, key } = this;
    const [changes, slot] = await Promise.all([
      ctx.signingKeys.keyChanges(ctx.sequencerId, { blockTag: "pending" }),
      ctx.registry.currentSlot(),
    ]);
    const last = changes.at(-1);
    if (last !== undefined && last.key.toLowerCase() === key.toLowerCase()) {
      const state = last.fromSlot > slot ? "pending" : "active";
      if (this.reported !== state) {
        this.reported = state;
        ctx.log("info", `signing-key.${state}`, { key, fromSlot: last.fromSlot, slot });
      }
      return state;
    }
    if (this.registered) {
      if (this.reported !== "replaced") {
        this.reported = "replaced";
        ctx.log("error", "signing-key.replaced", { configured: key, latest: last?.key, fromSlot: last?.fromSlot });
      }
      return "replaced";
    }
    try {
      await ctx.signingKeys.setSigningKey.staticCall(ctx.sequencerId, key);
    } catch (e) {
      ctx.log("warn", "signing-key.skipped", { key, reason: describeRevert(e) ?? String(e) });
      return "would-revert";
    }
    const outcome = await ctx.tx.send("signingKey", "setSigningKey", () =>
      ctx.signingKeys.setSigningKey.populateTransaction(ctx.sequencerId, key),
    );
    if (outcome.status !== "confirmed") {
      ctx.log("warn", "signing-key.not-confirmed", { key, status: outcome.status }); // the next round reads the contract again
      return "not-confirmed";
    }
    this.registered = true;
    this.reported = "pending";
    const changed = outcome.receipt.logs.map((l) => ctx.signingKeys.interface.parseLog(l)).find((l) => l?.name === "SigningKeyChanged");
    ctx.metrics.inc("lp504_node_transactions_total", { duty: "signingKey", function: "setSigningKey" });
    ctx.log("info", "signing-key.registered", { key, fromSlot: changed?.args.fromSlot, tx: outcome.hash });
    return "registered";
  }
}
