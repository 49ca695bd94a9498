import type { Signer } from "ethers";
import type { VRFBeacon } from "../typechain-types";
import { deriveVrfKey, proveVRF, proofTuple, vrfOutput, type VRFProof } from "./vrf";

export interface VrfKey {
  sk: bigint;
  pk: [bigint, bigint];
}

/** Registers `key` as the VRF key of `sequencerId`; `operator` must be the sequencer's operator. */
export async function registerVrfKey(beacon: VRFBeacon, operator: Signer, sequencerId: bigint, key: VrfKey) {
  return (await beacon.connect(operator).registerVRFKey(sequencerId, key.pk)).wait();
}

/** The open round, if any: its number, committer, seed and deadline. */
export async function openRound(beacon: VRFBeacon) {
  const [round, committerId, deadline, open] = await beacon.roundState();
  return { round, committerId, deadline, open, seed: await beacon.currentSeed() };
}

/** Proves the open round's seed with `key` and submits it (any account may relay); returns proof and output. */
export async function commitRound(
  beacon: VRFBeacon,
  operator: Signer,
  key: VrfKey,
): Promise<{ proof: VRFProof; output: bigint; gasUsed: bigint }> {
  const seed = await beacon.currentSeed();
  const proof = proveVRF(key.sk, seed);
  const receipt = await (await beacon.connect(operator).commitVRF(proofTuple(proof))).wait();
  return { proof, output: vrfOutput(proof), gasUsed: receipt!.gasUsed };
}

/** A sequencer's VRF key derived from a secret only its operator holds (e.g. a signature or a private key). */
export function operatorVrfKey(secret: string): VrfKey {
  return deriveVrfKey(secret);
}
