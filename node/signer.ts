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

/**
 * Signs EIP-712 block commitments (the SDK's `signBlockCommitment`, the digest the EquivocationModule checks) only
 * after the slashing-protection store has durably recorded them: a second, different hash for a slot is refused.
 * Requests are serialised, so two concurrent requests for one slot cannot both pass the check.
 */
export class CommitmentSigner {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly operator: Signer,
    private readonly store: SlashingProtectionStore,
    readonly chainId: bigint,
    readonly registry: string,
    readonly sequencerId: bigint,
  ) {}

  sign(slot: bigint, blockHash: string): Promise<SignedCommitment> {
    const run = this.queue.then(() => this.signNow(slot, blockHash));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async signNow(slot: bigint, blockHash: string): Promise<SignedCommitment> {
    if (slot < 0n) throw new InvalidSignRequestError("slot", "negative");
    if (!isHexString(blockHash, 32)) throw new InvalidSignRequestError("blockHash", "not a 32-byte hex string");
    const hash = blockHash.toLowerCase();
    this.store.record({ chainId: this.chainId, registry: this.registry, sequencerId: this.sequencerId, slot }, hash);
    const signature = await signBlockCommitment(this.operator, this.registry, this.chainId, {
      sequencerId: this.sequencerId,
      slot,
      blockHash: hash,
    });
    return { sequencerId: this.sequencerId, slot, blockHash: hash, signature };
  }
}

export { ConflictingCommitmentError };
