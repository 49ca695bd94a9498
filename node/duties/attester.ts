import { isHexString, recoverAddress, ZeroHash } from "ethers";
import { decodeRevert, describeRevert } from "../../index";
import type { PerformanceMonitor, SelectionMechanisms } from "../../generated/contracts";
import { blockAttestationDigest, signBlockAttestation, type BlockAttestation } from "../../sdk/blockAttestation";
import { verifyBlockCommitment } from "../../sdk/blockCommitment";
import { InvalidFieldError } from "../errors";
import type { SlashingProtectionStore } from "../store";
import type { NodeContext } from "../context";

/**
 * A block attestation as it travels between nodes: the attestation, its sequencer's signed block commitment to the
 * same (slot, block hash) (what makes it that sequencer's block), and the committee members' EIP-712 signatures
 * collected so far (in any order; the receiver recovers each signer).
 */
export interface AttestationMessage {
  attestation: BlockAttestation;
  commitmentSignature: string;
  signatures: string[];
}

export class InvalidAttestationError extends InvalidFieldError {}

/** At most this many signatures in one message (the committee has at most 32 seats). */
export const MAX_SIGNATURES = 64;

interface Collected {
  attestation: BlockAttestation;
  commitmentSignature: string;
  /** signer (lowercase) → signature */
  signatures: Map<string, string>;
  /** signer (lowercase) → seats held in the slot's committee */
  seats: Map<string, bigint>;
  /** The duty round in which the collected seats first reached the threshold. */
  completeAt?: number;
}

export interface AttesterRound {
  recorded: number;
  recordedByAnother: number;
}

/**
 * Attester: co-signs the active sequencer's blocks for the PerformanceMonitor's threshold attestation
 * (`recordAttestedBlock`) and records a block once more than two thirds of the slot's committee seats signed it.
 *
 * A block is proposed by its sequencer's node (`POST /attest`, from its producer, for a block whose commitment the
 * node has signed) and travels as an `AttestationMessage` (`POST /attestations` of every peer). A receiver checks the
 * sequencer's commitment signature against its signing key for the slot (`verifyBlockCommitment`), that the sequencer is the registry's current
 * one and the slot its current or previous one, and keeps the signatures of committee members. If this operator
 * holds seats in the slot's committee it signs, but only after the attestation store has durably recorded the
 * attestation for (sequencer, slot): it never signs two different attestations (another block hash, or other
 * metrics) for one (sequencer, slot), across restarts too. It then publishes what it holds to the peers.
 *
 * An attestation whose signers (still Active) hold the threshold is recorded: by the block's own sequencer's node as
 * soon as the signature that completes it arrives (and in its next duty round otherwise), by any other node one
 * duty round after it saw the threshold if it is still not recorded. Records are sent one at a time. The call is simulated
 * first; a block another node recorded first (MonitorBlockAlreadyRecorded, or `attestedBlock` set) is logged as
 * `attestation.raced`, not as a failure.
 */
export class Attester {
  private readonly collected = new Map<string, Collected>();
  private readonly seatCache = new Map<string, bigint>();
  private readonly sizeCache = new Map<bigint, bigint>();
  private epochSlots?: bigint;
  private monitorAddress?: string;
  private round = 0;
  /** Records are sent one at a time (the rounds' and the early ones of this node's own blocks). */
  private recording: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: NodeContext,
    private readonly monitor: PerformanceMonitor,
    private readonly selection: SelectionMechanisms,
    private readonly store: SlashingProtectionStore,
    private readonly publish: (message: AttestationMessage) => Promise<void>,
  ) {}

  /** Attestations being collected (not yet recorded or expired). */
  get pendingAttestations(): number {
    return this.collected.size;
  }

  private async monitorAddr(): Promise<string> {
    return (this.monitorAddress ??= await this.monitor.getAddress());
  }

  private async epochOf(slot: bigint): Promise<bigint> {
    this.epochSlots ??= await this.selection.committeeEpochSlots();
    return slot / this.epochSlots;
  }

  /** Seats `member` holds in the committee of `slot`'s epoch (a drawn committee never changes: cached). */
  private async seatsOf(slot: bigint, member: string): Promise<bigint> {
    const key = `${await this.epochOf(slot)}:${member.toLowerCase()}`;
    let seats = this.seatCache.get(key);
    if (seats === undefined) {
      seats = await this.selection.committeeSeatsAt(slot, member);
      if ((await this.committeeSize(slot)) > 0n) this.seatCache.set(key, seats);
    }
    return seats;
  }

  private async committeeSize(slot: bigint): Promise<bigint> {
    const epoch = await this.epochOf(slot);
    let size = this.sizeCache.get(epoch);
    if (size === undefined) {
      size = BigInt((await this.selection.committeeAt(slot)).length);
      if (size > 0n) this.sizeCache.set(epoch, size);
    }
    return size;
  }

  /** The block producer's proposal (POST /attest): this node's sequencer's block, with its commitment signature. */
  async propose(attestation: BlockAttestation, commitmentSignature: string): Promise<{ signed: boolean; signatures: number }> {
    return this.accept({ attestation, commitmentSignature, signatures: [] }, true);
  }

  /**
   * A message from a peer (POST /attestations) or the local proposal: checks it, keeps the committee members'
   * signatures, signs if this operator is a member and may, and publishes when it signed (or proposed).
   * Throws `InvalidAttestationError` for a message it refuses, `ConflictingCommitmentError` when this operator
   * already signed another attestation for the (sequencer, slot).
   */
  async accept(input: Record<string, unknown>, proposed = false): Promise<{ signed: boolean; signatures: number }> {
    const { ctx } = this;
    const m = parseMessage(input);
    const a = m.attestation;
    const [check, current, nowSlot] = await Promise.all([
      verifyBlockCommitment(
        ctx,
        ctx.registryAddress,
        ctx.chainId,
        { sequencerId: a.sequencerId, slot: a.slot, blockHash: a.blockHash },
        m.commitmentSignature,
      ),
      ctx.registry.currentSequencerId(),
      ctx.registry.currentSlot(),
    ]);
    if (!check.valid) {
      if (check.reason === "unknown-sequencer")
        throw new InvalidAttestationError("attestation.sequencerId", `no sequencer ${a.sequencerId}`);
      if (check.reason === "bad-signature") throw new InvalidAttestationError("commitmentSignature", "not a valid signature");
      throw new InvalidAttestationError(
        "commitmentSignature",
        `not signed by sequencer ${a.sequencerId}'s signing key for slot ${a.slot} (${check.key})`,
      );
    }
    if (a.sequencerId !== current)
      throw new InvalidAttestationError("attestation.sequencerId", `sequencer ${a.sequencerId} is not the active sequencer (${current})`);
    if (a.slot > nowSlot || a.slot + 1n < nowSlot)
      throw new InvalidAttestationError("attestation.slot", `slot ${a.slot} is not the current (${nowSlot}) or previous slot`);
    const monitor = await this.monitorAddr();
    const digest = blockAttestationDigest(monitor, ctx.chainId, a);
    let entry = this.collected.get(digest);
    if (!entry) {
      entry = { attestation: a, commitmentSignature: m.commitmentSignature, signatures: new Map(), seats: new Map() };
      this.collected.set(digest, entry);
    }
    for (const signature of m.signatures) {
      let signer: string;
      try {
        signer = recoverAddress(digest, signature).toLowerCase();
      } catch {
        continue;
      }
      if (entry.signatures.has(signer)) continue;
      const seats = await this.seatsOf(a.slot, signer);
      if (seats === 0n) continue; // not a member of the slot's committee: worthless to the monitor
      entry.signatures.set(signer, signature);
      entry.seats.set(signer, seats);
    }
    const me = ctx.operatorAddress.toLowerCase();
    let signed = false;
    if (!entry.signatures.has(me)) {
      const mySeats = await this.seatsOf(a.slot, me);
      if (mySeats > 0n) {
        // durably before the signature exists; throws ConflictingCommitmentError for a second version
        this.store.record({ chainId: ctx.chainId, registry: monitor, sequencerId: a.sequencerId, slot: a.slot }, digest);
        entry.signatures.set(me, await signBlockAttestation(ctx.operator, monitor, ctx.chainId, a));
        entry.seats.set(me, mySeats);
        signed = true;
        ctx.metrics.inc("lp504_node_attestations_signed_total");
        ctx.log("info", "attestation.signed", { sequencerId: a.sequencerId, slot: a.slot, blockHash: a.blockHash, seats: mySeats });
      }
    }
    if (signed || proposed)
      this.publish({ attestation: a, commitmentSignature: entry.commitmentSignature, signatures: [...entry.signatures.values()] }).catch(
        (e) => ctx.log("error", "attestation.publish-failed", { error: String(e) }),
      );
    if (a.sequencerId === ctx.sequencerId && entry.signatures.size > 0) {
      const size = await this.committeeSize(a.slot);
      let seats = 0n;
      for (const held of entry.seats.values()) seats += held;
      if (size > 0n && seats >= (size * 2n) / 3n + 1n) this.recordSoon(digest);
    }
    return { signed, signatures: entry.signatures.size };
  }

  /** One round: records each attestation that reached the threshold; forgets those whose slot has passed. */
  async tick(): Promise<AttesterRound> {
    this.round++;
    const run = this.recording.then(async () => {
      const nowSlot = await this.ctx.registry.currentSlot();
      const outcome: AttesterRound = { recorded: 0, recordedByAnother: 0 };
      for (const digest of [...this.collected.keys()]) {
        const r = await this.tryRecord(digest, nowSlot, true);
        if (r === "recorded") outcome.recorded++;
        else if (r === "another") outcome.recordedByAnother++;
      }
      return outcome;
    });
    this.recording = run.catch(() => undefined);
    return run;
  }

  /**
   * On this node's own block, records as soon as the collected seats reach the threshold (not waiting for the next
   * duty round: the monitor accepts a block only in its slot and the next). Serialised with the rounds' records.
   */
  private recordSoon(digest: string): void {
    const run = this.recording.then(async () => this.tryRecord(digest, await this.ctx.registry.currentSlot(), false));
    this.recording = run.catch((e) => this.ctx.log("error", "attestation.record-failed", { error: String(e) }));
  }

  /** Records the attestation `digest` if its Active signers hold the threshold and nobody recorded the block yet. */
  private async tryRecord(digest: string, nowSlot: bigint, fromRound: boolean): Promise<"recorded" | "another" | "waiting" | "dropped"> {
    const { ctx, monitor } = this;
    const e = this.collected.get(digest);
    if (!e) return "dropped";
    const a = e.attestation;
    if (a.slot + 1n < nowSlot) {
      this.collected.delete(digest); // the monitor accepts only the current and previous slot
      return "dropped";
    }
    const size = await this.committeeSize(a.slot);
    if (size === 0n) return "waiting";
    const threshold = (size * 2n) / 3n + 1n;
    // members who left the Active set since the draw do not count
    const candidates = [...e.seats];
    const active = await Promise.all(candidates.map(([signer]) => ctx.registry.isActiveSequencer(signer)));
    const signers: string[] = [];
    let seats = 0n;
    candidates.forEach(([signer, held], i) => {
      if (active[i]) {
        signers.push(signer);
        seats += held;
      }
    });
    if (seats < threshold) return "waiting";
    if (fromRound) {
      e.completeAt ??= this.round;
      if (a.sequencerId !== ctx.sequencerId && this.round === e.completeAt) return "waiting"; // the block's sequencer records first
    } else if (a.sequencerId !== ctx.sequencerId) return "waiting";
    if ((await monitor.attestedBlock(a.sequencerId, a.slot)) !== ZeroHash) {
      this.collected.delete(digest);
      return "another";
    }
    signers.sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    const signatures = signers.map((s) => e.signatures.get(s)!);
    try {
      await monitor.recordAttestedBlock.staticCall(a, signatures);
    } catch (err) {
      const reason = decodeRevert(err);
      this.collected.delete(digest);
      if (reason?.kind === "custom" && reason.name === "MonitorBlockAlreadyRecorded") return "another";
      ctx.log("warn", "attestation.dropped", { sequencerId: a.sequencerId, slot: a.slot, reason: describeRevert(err) ?? String(err) });
      return "dropped";
    }
    let tx;
    try {
      tx = await monitor.recordAttestedBlock(a, signatures);
      await tx.wait();
    } catch (err) {
      // another node's record of the block, mined or still pending
      if ((await monitor.attestedBlock(a.sequencerId, a.slot, { blockTag: "pending" })) === ZeroHash) throw err;
      this.collected.delete(digest);
      ctx.log("info", "attestation.raced", { sequencerId: a.sequencerId, slot: a.slot, tx: tx?.hash });
      return "another";
    }
    this.collected.delete(digest);
    ctx.metrics.inc("lp504_node_attested_blocks_recorded_total");
    ctx.metrics.inc("lp504_node_transactions_total", { duty: "attester", function: "recordAttestedBlock" });
    ctx.log("info", "attestation.recorded", { sequencerId: a.sequencerId, slot: a.slot, seats, threshold, tx: tx.hash });
    return "recorded";
  }
}

const uint = (field: string, v: unknown): bigint => {
  if (typeof v === "bigint" && v >= 0n && v < 2n ** 256n) return v;
  if (
    ((typeof v === "string" && /^\d{1,78}$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) &&
    BigInt(v) < 2n ** 256n
  )
    return BigInt(v);
  throw new InvalidAttestationError(field, "must be a uint256 (number or decimal string)");
};

/** The block attestation fields of a request (`attestation.` prefixes the field names in errors). */
export function parseAttestation(v: unknown, prefix = "attestation."): BlockAttestation {
  if (typeof v !== "object" || v === null) throw new InvalidAttestationError("attestation", "must be an object");
  const o = v as Record<string, unknown>;
  const blockHash = o.blockHash;
  if (typeof blockHash !== "string" || !isHexString(blockHash, 32))
    throw new InvalidAttestationError(`${prefix}blockHash`, "must be a 32-byte hex string");
  return {
    sequencerId: uint(`${prefix}sequencerId`, o.sequencerId),
    slot: uint(`${prefix}slot`, o.slot),
    blockNumber: uint(`${prefix}blockNumber`, o.blockNumber),
    blockHash: blockHash.toLowerCase(),
    gasUsed: uint(`${prefix}gasUsed`, o.gasUsed),
    txCount: uint(`${prefix}txCount`, o.txCount),
  };
}

function parseMessage(input: Record<string, unknown>): AttestationMessage {
  const attestation = parseAttestation(input.attestation);
  const commitmentSignature = input.commitmentSignature;
  if (typeof commitmentSignature !== "string" || !isHexString(commitmentSignature, 65))
    throw new InvalidAttestationError("commitmentSignature", "must be a 65-byte hex string");
  const signatures = input.signatures ?? [];
  if (!Array.isArray(signatures) || signatures.length > MAX_SIGNATURES)
    throw new InvalidAttestationError("signatures", `must be an array of at most ${MAX_SIGNATURES} signatures`);
  signatures.forEach((s, i) => {
    if (typeof s !== "string" || !isHexString(s, 65)) throw new InvalidAttestationError(`signatures[${i}]`, "must be a 65-byte hex string");
  });
  return { attestation, commitmentSignature: commitmentSignature.toLowerCase(), signatures: signatures as string[] };
}
