import { InvalidFieldError } from "../errors";
import { isHexString } from "ethers";
import { decodeRevert, describeRevert } from "../../index";
import { encodeEquivocationEvidence, verifyBlockCommitment } from "../../sdk/blockCommitment";
import type { NodeContext } from "../context";
import type { TxRevertedError } from "../tx";

export interface PublishedCommitment {
  sequencerId: bigint;
  slot: bigint;
  blockHash: string;
  signature: string;
}

export class InvalidCommitmentError extends InvalidFieldError {}

interface Evidence {
  sequencerId: bigint;
  slot: bigint;
  a: PublishedCommitment;
  b: PublishedCommitment;
}

/** Commitments kept to compare against (the oldest are dropped past this many). */
export const MAX_REMEMBERED = 100_000;

/**
 * Watchtower: collects signed block commitments (POST /commitments), keeps the first valid one per (sequencer, slot),
 * and when a second one with a different hash and a valid signature by the sequencer's signing key for that slot
 * arrives (the key the equivocation module convicts with, see `verifyBlockCommitment`), proves the
 * equivocation with `reportMisbehavior`, then withdraws the reporter's reward.
 *
 * Before sending, each report is checked against what would make it revert: the sequencer's period of duty and
 * whether it was already punished (`RegistryLens.dutyOf`), then a simulation of the call. Evidence for a slot that
 * is not yet current waits; evidence that can never succeed (outside the duty, already punished, expired) is
 * dropped with a log line. When several watchtowers report one equivocation in the same block, the ones whose
 * estimate or transaction failed because another report punished the sequencer first log `equivocation.raced`.
 */
export class Watchtower {
  /** The first valid commitment per (sequencer, slot), with the key that signed it. */
  private readonly seen = new Map<string, { commitment: PublishedCommitment; signer: string }>();
  private readonly pending = new Map<string, Evidence>();

  constructor(private readonly ctx: NodeContext) {}

  /** Equivocations waiting to be reported. */
  get pendingReports(): number {
    return this.pending.size;
  }

  /**
   * Checks a published commitment's signature against the sequencer's signing key for its slot (`SigningKeys`, the
   * operator address until a key is set; see `verifyBlockCommitment`); returns whether it is an equivocation.
   */
  async accept(input: {
    sequencerId?: unknown;
    slot?: unknown;
    blockHash?: unknown;
    signature?: unknown;
  }): Promise<{ equivocation: boolean }> {
    const { ctx } = this;
    const c = parseCommitment(input);
    const check = await verifyBlockCommitment(
      ctx,
      ctx.registryAddress,
      ctx.chainId,
      { sequencerId: c.sequencerId, slot: c.slot, blockHash: c.blockHash },
      c.signature,
    );
    if (!check.valid) {
      if (check.reason === "unknown-sequencer") throw new InvalidCommitmentError("sequencerId", `no sequencer ${c.sequencerId}`);
      if (check.reason === "bad-signature") throw new InvalidCommitmentError("signature", "not a valid signature");
      throw new InvalidCommitmentError(
        "signature",
        `signed by ${check.signer}, not by sequencer ${c.sequencerId}'s signing key for slot ${c.slot} (${check.key})`,
      );
    }
    ctx.metrics.inc("lp504_node_commitments_received_total");
    const key = `${c.sequencerId}:${c.slot}`;
    const kept = this.seen.get(key);
    if (kept === undefined) {
      this.seen.set(key, { commitment: c, signer: check.signer });
      if (this.seen.size > MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
      return { equivocation: false };
    }
    if (kept.signer !== check.signer) {
      // One key signs a slot, so the kept commitment's key is no longer the slot's: it was kept while the slot was more
      // than the activation delay ahead, and a change has since given the slot another key. It can never convict:
      // this one (by the slot's key now) replaces it, with any evidence built on it.
      this.seen.set(key, { commitment: c, signer: check.signer });
      this.pending.delete(key);
      return { equivocation: false };
    }
    const first = kept.commitment;
    if (first.blockHash === c.blockHash) return { equivocation: false };
    ctx.metrics.inc("lp504_node_equivocations_detected_total");
    ctx.log("warn", "equivocation.detected", { sequencerId: c.sequencerId, slot: c.slot, hashA: first.blockHash, hashB: c.blockHash });
    if (!this.pending.has(key)) this.pending.set(key, { sequencerId: c.sequencerId, slot: c.slot, a: first, b: c });
    return { equivocation: true };
  }

  /** One round: reports what can be reported now, then withdraws the balance owed to the operator. */
  async tick(): Promise<{ reported: number; withdrawn: bigint }> {
    const { ctx } = this;
    let reported = 0;
    for (const [key, e] of [...this.pending]) {
      const [fromSlot, endSlot, punished] = await ctx.lens.dutyOf(e.sequencerId);
      if (punished || e.slot < fromSlot || e.slot >= endSlot) {
        ctx.log("info", "equivocation.dropped", {
          sequencerId: e.sequencerId,
          slot: e.slot,
          reason: punished ? "already punished" : "outside its duty",
          fromSlot,
          endSlot,
        });
        this.pending.delete(key);
        continue;
      }
      const evidence = encodeEquivocationEvidence(e.slot, e.a.blockHash, e.a.signature, e.b.blockHash, e.b.signature);
      try {
        await ctx.registry.reportMisbehavior.staticCall(e.sequencerId, evidence);
      } catch (err) {
        const reason = decodeRevert(err);
        if (reason?.kind === "custom" && reason.name === "RegistryEvidenceNotYetValid") continue; // its slot is still ahead: report later
        ctx.log("warn", "equivocation.dropped", { sequencerId: e.sequencerId, slot: e.slot, reason: describeRevert(err) ?? String(err) });
        this.pending.delete(key);
        continue;
      }
      let outcome;
      try {
        outcome = await ctx.tx.send("watchtower", "reportMisbehavior", () =>
          ctx.registry.reportMisbehavior.populateTransaction(e.sequencerId, evidence),
        );
      } catch (err) {
        // another watchtower's report of the same period, mined or still pending, got there first
        const [, , punishedNow] = await ctx.lens.dutyOf(e.sequencerId, { blockTag: "pending" });
        if (!punishedNow) throw err;
        ctx.log("info", "equivocation.raced", { sequencerId: e.sequencerId, slot: e.slot, tx: (err as TxRevertedError).receipt?.hash });
        this.pending.delete(key);
        continue;
      }
      if (outcome.status !== "confirmed") {
        // reorganised away or dropped: the evidence stays, the next round checks it again
        ctx.log("warn", "equivocation.not-confirmed", { sequencerId: e.sequencerId, slot: e.slot, status: outcome.status });
        continue;
      }
      const receipt = outcome.receipt;
      this.pending.delete(key);
      ctx.metrics.inc("lp504_node_transactions_total", { duty: "watchtower", function: "reportMisbehavior" });
      const proven = receipt.logs.map((l) => ctx.registry.interface.parseLog(l)).find((l) => l?.name === "EquivocationProven");
      if (proven) {
        reported++;
        ctx.metrics.inc("lp504_node_equivocations_reported_total");
      }
      ctx.log("info", "equivocation.reported", {
        sequencerId: e.sequencerId,
        slot: e.slot,
        tx: outcome.hash,
        proven: proven !== undefined,
      });
    }
    let withdrawn = 0n;
    const owed = await ctx.registry.withdrawableBalance(ctx.operatorAddress);
    if (owed > 0n) {
      await ctx.registry.withdraw.staticCall();
      const outcome = await ctx.tx.send("watchtower", "withdraw", () => ctx.registry.withdraw.populateTransaction());
      if (outcome.status === "confirmed") {
        withdrawn = owed;
        ctx.metrics.inc("lp504_node_transactions_total", { duty: "watchtower", function: "withdraw" });
        ctx.log("info", "reward.withdrawn", { amount: owed, tx: outcome.hash });
      } else ctx.log("warn", "reward.not-confirmed", { amount: owed, status: outcome.status }); // the next round reads the balance again
    }
    return { reported, withdrawn };
  }
}

function parseCommitment(input: { sequencerId?: unknown; slot?: unknown; blockHash?: unknown; signature?: unknown }): PublishedCommitment {
  const uint = (field: string, v: unknown): bigint => {
    if (
      ((typeof v === "string" && /^\d{1,78}$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) &&
      BigInt(v) < 2n ** 256n
    )
      return BigInt(v);
    throw new InvalidCommitmentError(field, "must be a uint256 (number or decimal string)");
  };
  const sequencerId = uint("sequencerId", input.sequencerId);
  const slot = uint("slot", input.slot);
  if (typeof input.blockHash !== "string" || !isHexString(input.blockHash, 32))
    throw new InvalidCommitmentError("blockHash", "must be a 32-byte hex string");
  if (typeof input.signature !== "string" || !isHexString(input.signature, 65))
    throw new InvalidCommitmentError("signature", "must be a 65-byte hex string");
  return { sequencerId, slot, blockHash: input.blockHash.toLowerCase(), signature: input.signature.toLowerCase() };
}
