import { describeRevert } from "../../index";
import type { VRFBeacon } from "../../generated/contracts";
import { operatorVrfKey, roundSeed, type VrfKey } from "../../sdk/beacon";
import { proveVRF, proofTuple, vrfKeyHash } from "../../sdk/vrf";
import type { NodeContext } from "../context";
import type { TxRevertedError } from "../tx";

export type BeaconOutcome =
  | "no-key"
  | "key-registered"
  | "key-mismatch"
  | "not-committer"
  | "would-revert"
  | "committed"
  | "skipped"
  | "skipped-by-another"
  | "not-confirmed";

/** The message whose signature by the operator key is the VRF key's secret (RFC 6979 signatures are deterministic). */
export const vrfSecretMessage = (chainId: bigint, sequencerId: bigint) => `LP-504 VRF key of sequencer ${sequencerId} on chain ${chainId}`;

/**
 * Beacon committer: when the open beacon round's committer is this sequencer, proves the round's seed with the
 * sequencer's VRF key and submits it (`commitVRF`) before the round's deadline.
 *
 * The VRF key is derived from the operator key (a signature over `vrfSecretMessage`), so it needs no other secret. If
 * the sequencer has no VRF key on the beacon yet, the duty registers this one (in effect for rounds requested after
 * it); if another key is registered, it commits nothing and logs `beacon.key-mismatch` every round: the operator
 * either registers the derived key with another tool or turns the duty off.
 *
 * A round whose committer missed it (its deadline passed, or its request block's hash expired) is passed on with
 * `skipCommitter` by whichever node sees it first, so a stopped committer does not stall the beacon.
 */
export class BeaconCommitter {
  private key?: VrfKey;

  constructor(
    private readonly ctx: NodeContext,
    private readonly beacon: VRFBeacon,
  ) {}

  private async vrfKey(): Promise<VrfKey> {
    return (this.key ??= operatorVrfKey(await this.ctx.operator.signMessage(vrfSecretMessage(this.ctx.chainId, this.ctx.sequencerId))));
  }

  async tick(): Promise<BeaconOutcome> {
    const { ctx, beacon } = this;
    const key = await this.vrfKey();
    const mine = vrfKeyHash(key.pk);
    const [latest] = await beacon.latestVRFKey(ctx.sequencerId);
    if (BigInt(latest) === 0n) {
      const outcome = await ctx.tx.send("beacon", "registerVRFKey", () =>
        beacon.registerVRFKey.populateTransaction(ctx.sequencerId, key.pk),
      );
      if (outcome.status !== "confirmed") return this.notConfirmed("registerVRFKey", outcome.status);
      ctx.metrics.inc("lp504_node_transactions_total", { duty: "beacon", function: "registerVRFKey" });
      ctx.log("info", "beacon.key-registered", { keyHash: mine, tx: outcome.hash });
      return "key-registered";
    }
    if (latest !== mine) {
      ctx.log("error", "beacon.key-mismatch", { registered: latest, derived: mine });
      return "key-mismatch";
    }
    const [round, committerId, deadline, open] = await beacon.roundState();
    if (!open) return "not-committer";
    const [requestBlock, roundKey] = await beacon.roundRequest();
    const block = await ctx.provider.getBlock("latest");
    if (BigInt(block!.timestamp) >= deadline || BigInt(block!.number) > requestBlock + (await beacon.SEED_WINDOW()))
      return this.skip(round, committerId);
    if (committerId !== ctx.sequencerId) return "not-committer";
    if (roundKey !== mine) {
      ctx.log("error", "beacon.round-key-mismatch", { round: round + 1n, requestBlock, expected: roundKey, derived: mine });
      return "key-mismatch";
    }
    if (BigInt(block!.timestamp) + 1n >= deadline) {
      ctx.log("warn", "beacon.round-missed", { round: round + 1n, deadline });
      return "would-revert";
    }
    let proof;
    try {
      proof = proofTuple(proveVRF(key.sk, await roundSeed(beacon)));
      await beacon.commitVRF.staticCall(proof, { blockTag: "pending" }); // in the next block, where the request block's hash exists
    } catch (e) {
      ctx.log("warn", "beacon.commit-skipped", { round: round + 1n, reason: describeRevert(e) ?? String(e) });
      return "would-revert";
    }
    const outcome = await ctx.tx.send("beacon", "commitVRF", () => beacon.commitVRF.populateTransaction(proof));
    if (outcome.status !== "confirmed") return this.notConfirmed("commitVRF", outcome.status);
    ctx.metrics.inc("lp504_node_transactions_total", { duty: "beacon", function: "commitVRF" });
    ctx.log("info", "beacon.committed", { round: round + 1n, tx: outcome.hash });
    return "committed";
  }

  /** Passes a missed round on to the next committer (any node may; the first transaction wins). */
  private async skip(round: bigint, committerId: bigint): Promise<BeaconOutcome> {
    const { ctx, beacon } = this;
    try {
      await beacon.skipCommitter.staticCall();
    } catch (e) {
      ctx.log("info", "beacon.skip-skipped", { round, reason: describeRevert(e) ?? String(e) });
      return "would-revert";
    }
    let outcome;
    try {
      outcome = await ctx.tx.send("beacon", "skipCommitter", () => beacon.skipCommitter.populateTransaction());
    } catch (e) {
      const [nowRound, nowCommitter, , open] = await beacon.roundState({ blockTag: "pending" }); // mined or pending
      if (open && nowRound === round && nowCommitter === committerId) throw e;
      ctx.log("info", "beacon.skip-raced", { round, tx: (e as TxRevertedError).receipt?.hash });
      return "skipped-by-another";
    }
    if (outcome.status !== "confirmed") return this.notConfirmed("skipCommitter", outcome.status);
    ctx.metrics.inc("lp504_node_transactions_total", { duty: "beacon", function: "skipCommitter" });
    ctx.log("info", "beacon.skipped-committer", { round, missedBy: committerId, tx: outcome.hash });
    return "skipped";
  }

  /** A transaction reorganised away or dropped: nothing counts; the next round reads the beacon again. */
  private notConfirmed(functionName: string, status: string): BeaconOutcome {
    this.ctx.log("warn", "beacon.not-confirmed", { function: functionName, status });
    return "not-confirmed";
  }
}
