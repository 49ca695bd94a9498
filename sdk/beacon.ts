import { AbiCoder, keccak256, type Signer } from "ethers";
import type { VRFBeacon } from "../typechain-types/contracts/VRFBeacon";
import { deriveVrfKey, proveVRF, proofTuple, vrfOutput, vrfKeyHash, type VRFProof } from "./vrf";

export interface VrfKey {
  sk: bigint;
  pk: [bigint, bigint];
}

/** The EVM keeps the hashes of the last 256 blocks: a round's seed can be computed that long after its request. */
export const SEED_WINDOW = 256n;

/** Registers `key` as the VRF key of `sequencerId`; `operator` must be the sequencer's operator. It is in effect
 * for rounds requested in a later block than the registration's (an open round keeps the key it was requested with). */
export async function registerVrfKey(beacon: VRFBeacon, operator: Signer, sequencerId: bigint, key: VrfKey) {
  return (await beacon.connect(operator).registerVRFKey(sequencerId, key.pk)).wait();
}

/** The beacon's seed: keccak256(abi.encode(previousOutput, round, blockhash(requestBlock))), as `VRFBeacon` computes it. */
export function beaconSeed(previousOutput: bigint, round: bigint, requestBlockHash: string): bigint {
  return BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256", "bytes32"], [previousOutput, round, requestBlockHash])));
}

/**
 * The open round's seed, read from the chain. `currentSeed()` is 0 in the request's own block (its hash does not
 * exist yet), so it is read in the context of the pending block; a node whose `eth_call` does not run there gets
 * the seed from the sealed request block's hash instead (the same value `commitVRF` recomputes). Throws when no
 * round is open, the request block is not sealed yet, or its hash expired (then `skipCommitter` re-opens the round).
 */
export async function roundSeed(beacon: VRFBeacon): Promise<bigint> {
  const [round, , , open] = await beacon.roundState();
  if (!open) throw new Error("no beacon round is open: the consumer's requestRandomness opens one");
  const seed = await beacon.currentSeed({ blockTag: "pending" });
  if (seed !== 0n) return seed;
  const [requestBlock] = await beacon.roundRequest();
  const provider = beacon.runner?.provider;
  const latest = provider ? BigInt(await provider.getBlockNumber()) : 0n;
  if (!provider || requestBlock > latest) {
    throw new Error(`round ${round}'s seed does not exist yet: its request block ${requestBlock} is not sealed; commit in a later block`);
  }
  if (latest >= requestBlock + SEED_WINDOW) {
    throw new Error(`round ${round}'s request block ${requestBlock} is more than 256 blocks old: call skipCommitter to re-open the round`);
  }
  const block = await provider.getBlock(requestBlock);
  if (!block?.hash) throw new Error(`block ${requestBlock} is not available from this node`);
  return beaconSeed(await beacon.lastOutput(), round, block.hash);
}

/** The open round, if any: its number, committer, deadline, request block, the key hash its committer must prove
 * with (the one in effect at the request block), and its seed (0 while there is none to sign yet). */
export async function openRound(beacon: VRFBeacon) {
  const [round, committerId, deadline, open] = await beacon.roundState();
  const [requestBlock, keyHash] = await beacon.roundRequest();
  return { round, committerId, deadline, open, requestBlock, keyHash, seed: await beacon.currentSeed({ blockTag: "pending" }) };
}

/**
 * Proves the open round's seed with `key` and submits it (any account may relay); returns proof and output.
 * Refuses, before sending, a key that is not the one the round's committer had in effect at the request block.
 */
export async function commitRound(
  beacon: VRFBeacon,
  operator: Signer,
  key: VrfKey,
): Promise<{ proof: VRFProof; output: bigint; gasUsed: bigint }> {
  const [round, committerId] = await beacon.roundState();
  const [requestBlock, expected] = await beacon.roundRequest();
  if (vrfKeyHash(key.pk) !== expected) {
    throw new Error(
      `this key (${vrfKeyHash(key.pk)}) is not the one sequencer #${committerId} had in effect when round ${round} was requested ` +
        `in block ${requestBlock} (${expected}); a key registered in block X is in effect for rounds requested after X`,
    );
  }
  const seed = await roundSeed(beacon);
  const proof = proveVRF(key.sk, seed);
  const receipt = await (await beacon.connect(operator).commitVRF(proofTuple(proof))).wait();
  return { proof, output: vrfOutput(proof), gasUsed: receipt!.gasUsed };
}

/** A sequencer's VRF key derived from a secret only its operator holds (e.g. a signature or a private key). */
export function operatorVrfKey(secret: string): VrfKey {
  return deriveVrfKey(secret);
}
