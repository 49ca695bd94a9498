import { AbiCoder, type Signer, type TypedDataDomain, Signature, verifyTypedData, ZeroAddress } from "ethers";

/** EIP-712 domain of a registry's block commitments: name "LP504 SequencerRegistry", version "1", chain id, registry. */
export function registryDomain(registry: string, chainId: bigint | number): TypedDataDomain {
  return { name: "LP504 SequencerRegistry", version: "1", chainId, verifyingContract: registry };
}

export const BLOCK_COMMITMENT_TYPES = {
  BlockCommitment: [
    { name: "sequencerId", type: "uint256" },
    { name: "slot", type: "uint256" },
    { name: "blockHash", type: "bytes32" },
  ],
};

export interface BlockCommitment {
  sequencerId: bigint;
  slot: bigint;
  blockHash: string;
}

/** An operator's EIP-712 signature (65 bytes, hex) over a block commitment. */
export async function signBlockCommitment(
  operator: Signer,
  registry: string,
  chainId: bigint | number,
  commitment: BlockCommitment,
): Promise<string> {
  const sig = await operator.signTypedData(registryDomain(registry, chainId), BLOCK_COMMITMENT_TYPES, commitment);
  return Signature.from(sig).serialized;
}

/** The address that signed a block commitment (as `signBlockCommitment` does), or undefined for a malformed signature. */
export function blockCommitmentSigner(
  registry: string,
  chainId: bigint | number,
  commitment: BlockCommitment,
  signature: string,
): string | undefined {
  try {
    return verifyTypedData(registryDomain(registry, chainId), BLOCK_COMMITMENT_TYPES, commitment, signature);
  } catch {
    return undefined;
  }
}

/** What `verifyBlockCommitment` reads: the registry's operators and the `SigningKeys` contract (TypeChain contracts fit). */
export interface CommitmentKeyReaders {
  registry: { operatorOf(sequencerId: bigint): Promise<string> };
  signingKeys: { signingKeyAt(sequencerId: bigint, slot: bigint, operator: string): Promise<string> };
}

/**
 * The outcome of `verifyBlockCommitment`: `valid` when the signature is by the key valid for the commitment's slot
 * (`key`), else why not: `unknown-sequencer` (no operator), `bad-signature` (does not recover), `wrong-key` (recovers to
 * `signer`, which is not `key`: an operator key for a slot where a rotated key signs, or a key retired before it).
 */
export type BlockCommitmentCheck =
  | { valid: true; operator: string; key: string; signer: string }
  | { valid: false; reason: "unknown-sequencer" }
  | { valid: false; reason: "bad-signature"; operator: string }
  | { valid: false; reason: "wrong-key"; operator: string; key: string; signer: string };

/**
 * Checks a block commitment's signature as the equivocation module judges it: against the signing key that
 * `SigningKeys.signingKeyAt(sequencerId, slot, operatorOf(sequencerId))` names for the commitment's slot (the operator
 * address until its operator sets a key). A commitment signed by any other key can never convict, so a watchtower or
 * an attester refuses it.
 */
export async function verifyBlockCommitment(
  readers: CommitmentKeyReaders,
  registry: string,
  chainId: bigint | number,
  commitment: BlockCommitment,
  signature: string,
): Promise<BlockCommitmentCheck> {
  const operator = await readers.registry.operatorOf(commitment.sequencerId);
  if (operator === ZeroAddress) return { valid: false, reason: "unknown-sequencer" };
  const signer = blockCommitmentSigner(registry, chainId, commitment, signature);
  if (signer === undefined) return { valid: false, reason: "bad-signature", operator };
  const key = await readers.signingKeys.signingKeyAt(commitment.sequencerId, commitment.slot, operator);
  if (signer.toLowerCase() !== key.toLowerCase()) return { valid: false, reason: "wrong-key", operator, key, signer };
  return { valid: true, operator, key, signer };
}

/**
 * Evidence for `reportMisbehavior`: `abi.encode(uint256 slot, bytes32 blockHashA, bytes sigA, bytes32
 * blockHashB, bytes sigB)`, two commitments by the same sequencer for the same slot with different hashes.
 */
export function encodeEquivocationEvidence(slot: bigint, blockHashA: string, sigA: string, blockHashB: string, sigB: string): string {
  return AbiCoder.defaultAbiCoder().encode(["uint256", "bytes32", "bytes", "bytes32", "bytes"], [slot, blockHashA, sigA, blockHashB, sigB]);
}

/** Signs two conflicting commitments for `slot` with `operator` and returns the equivocation evidence. */
export async function buildEquivocationProof(
  operator: Signer,
  registry: string,
  chainId: bigint | number,
  sequencerId: bigint,
  slot: bigint,
  blockHashA: string,
  blockHashB: string,
): Promise<string> {
  const sigA = await signBlockCommitment(operator, registry, chainId, { sequencerId, slot, blockHash: blockHashA });
  const sigB = await signBlockCommitment(operator, registry, chainId, { sequencerId, slot, blockHash: blockHashB });
  return encodeEquivocationEvidence(slot, blockHashA, sigA, blockHashB, sigB);
}
