import { type Signer, type TypedDataDomain, Signature, TypedDataEncoder } from "ethers";

/** EIP-712 domain of a PerformanceMonitor: block attestations are signed for one monitor on one chain. */
export function monitorDomain(monitor: string, chainId: bigint | number): TypedDataDomain {
  return { name: "LP504 PerformanceMonitor", version: "1", chainId, verifyingContract: monitor };
}

/**
 * An attester vouches for every metric the monitor records from the block (`txCount` and `gasUsed` too), so a
 * front-runner cannot record the same block with other metrics.
 */
export const BLOCK_ATTESTATION_TYPES = {
  BlockAttestation: [
    { name: "sequencerId", type: "uint256" },
    { name: "slot", type: "uint256" },
    { name: "blockNumber", type: "uint256" },
    { name: "blockHash", type: "bytes32" },
    { name: "gasUsed", type: "uint256" },
    { name: "txCount", type: "uint256" },
  ],
};

export interface BlockAttestation {
  sequencerId: bigint;
  slot: bigint;
  blockNumber: bigint;
  blockHash: string;
  gasUsed: bigint;
  txCount: bigint;
}

/** The digest `PerformanceMonitor.attestationDigest` computes for `attestation`. */
export function blockAttestationDigest(monitor: string, chainId: bigint | number, attestation: BlockAttestation): string {
  return TypedDataEncoder.hash(monitorDomain(monitor, chainId), BLOCK_ATTESTATION_TYPES, attestation);
}

/** An attester's EIP-712 signature (65 bytes, hex) over a block attestation. */
export async function signBlockAttestation(
  attester: Signer,
  monitor: string,
  chainId: bigint | number,
  attestation: BlockAttestation,
): Promise<string> {
  const sig = await attester.signTypedData(monitorDomain(monitor, chainId), BLOCK_ATTESTATION_TYPES, attestation);
  return Signature.from(sig).serialized;
}

/**
 * Signatures of `attesters` over `attestation`, ordered by signer address (strictly increasing), as
 * `recordAttestedBlock` expects.
 */
export async function collectBlockAttestations(
  attesters: Signer[],
  monitor: string,
  chainId: bigint | number,
  attestation: BlockAttestation,
): Promise<string[]> {
  const signed = await Promise.all(
    attesters.map(async (a) => ({ addr: BigInt(await a.getAddress()), sig: await signBlockAttestation(a, monitor, chainId, attestation) })),
  );
  return signed.sort((x, y) => (x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : 0)).map((x) => x.sig);
}
