import { InvalidFieldError } from "./errors";
import { isHexString, type Signer } from "ethers";
import { signBlockCommitment } from "../sdk/blockCommitment";
import { ConflictingCommitmentError, type SlashingProtectionStore } from "./store";

export interface SignedCommitment {
  sequencerId: bigint;
  slot: bigint;
  blockHash: string;
  signature: string;
}

/** Thrown for a request that is not a slot and a 32-byte hash. */
export class InvalidSignRequestError extends InvalidFieldError {}

/** The node holds none of the keys valid for `slot`: it signs nothing for that slot (no signature that cannot convict). */
export class SigningKeyUnavailableError extends Error {
  constructor(
    readonly slot: bigint,
    /** The key `SigningKeys.signingKeyAt` names for the slot. */
    readonly validKey: string,
    /** The addresses of the keys the node holds. */
    readonly held: string[],
  ) {
    super(`slot ${slot}: its signing key is ${validKey}, which this node does not hold (it holds ${held.join(", ")})`);
    this.name = "SigningKeyUnavailableError";
  }
}

/** The address whose signature counts for a slot's commitment (`SigningKeys.signingKeyAt(id, slot, operator)`). */
export type SigningKeySchedule = (slot: bigint) => Promise<string>;

/**
 * Signs EIP-712 block commitments (the SDK's `signBlockCommitment`, the digest the EquivocationModule checks) only
 * after the slashing-protection store has durably recorded them: a second, different hash for a slot is refused,
 * whichever key signs. Requests are serialised, so two concurrent requests for one slot cannot both pass the check.
 *
 * With a `schedule` (the node's: the SigningKeys contract), each slot is signed by the held key whose address the
 * schedule names for it (the operator key, the configured signing key, or a previous one still valid for the slot);
 * when the node holds none, it refuses with `SigningKeyUnavailableError` before recording anything. Without a
 * schedule it holds exactly one key and signs every slot with it.
 */
export class CommitmentSigner {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly keys: readonly Signer[];
  private addresses?: Promise<string[]>;

  constructor(
    keys: Signer | readonly Signer[],
    private readonly store: SlashingProtectionStore,
    readonly chainId: bigint,
    readonly registry: string,
    readonly sequencerId: bigint,
    private readonly schedule?: SigningKeySchedule,
  ) {
    this.keys = Array.isArray(keys) ? keys : [keys as Signer];
    if (this.keys.length === 0 || (schedule === undefined && this.keys.length !== 1))
      throw new Error("CommitmentSigner: one key, or several with a schedule naming each slot's key");
  }

  /** The addresses of the keys held (in the order given). */
  heldKeys(): Promise<string[]> {
    return (this.addresses ??= Promise.all(this.keys.map((k) => k.getAddress())));
  }

  /** The held key that signs `slot`'s commitment; throws `SigningKeyUnavailableError` when the node holds none. */
  async keyFor(slot: bigint): Promise<Signer> {
    if (this.schedule === undefined) return this.keys[0];
    const [valid, held] = await Promise.all([this.schedule(slot), this.heldKeys()]);
    const i = held.findIndex((a) => a.toLowerCase() === valid.toLowerCase());
    if (i < 0) throw new SigningKeyUnavailableError(slot, valid, held);
    return this.keys[i];
  }

  sign(slot: bigint, blockHash: string): Promise<SignedCommitment> {
    const run = this.queue.then(() => this.signNow(slot, blockHash));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async signNow(slot: bigint, blockHash: string): Promise<SignedCommitment> {
    if (slot < 0n) throw new InvalidSignRequestError("slot", "negative");
    if (!isHexString(blockHash, 32)) throw new InvalidSignRequestError("blockHash", "not a 32-byte hex string");
    const hash = blockHash.toLowerCase();
    const key = await this.keyFor(slot); // before recording: a refused slot stays free for a later request
    this.store.record({ chainId: this.chainId, registry: this.registry, sequencerId: this.sequencerId, slot }, hash);
    const signature = await signBlockCommitment(key, this.registry, this.chainId, {
      sequencerId: this.sequencerId,
      slot,
      blockHash: hash,
    });
    return { sequencerId: this.sequencerId, slot, blockHash: hash, signature };
  }
}

export { ConflictingCommitmentError };
