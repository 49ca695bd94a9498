import { concat, dataLength, dataSlice, getBytes, id, solidityPacked, toBigInt, ZeroHash, type BytesLike } from "ethers";

/** The tag that makes a compute job's `jobSpec` carry requirements ("LPRQ", `AIScheduler.REQUIREMENTS_TAG`). */
export const REQUIREMENTS_TAG = "0x4c505251";

/** What a compute job may require of the sequencer that runs it, besides flops and memory. */
export interface JobRequirements {
  gpu?: boolean;
  tee?: boolean;
  /** Minimum `networkBandwidth`, in the unit sequencers advertise it in. */
  minBandwidth?: bigint;
  /** A model's name as sequencers list it in `supportedModels` (matched by its keccak256). */
  model?: string;
}

/** The decoded requirements of a `jobSpec`; `modelHash` is the zero hash when no model is required. */
export interface DecodedJobRequirements {
  gpu: boolean;
  tee: boolean;
  minBandwidth: bigint;
  modelHash: string;
  /** The free-form rest of the spec, after the 53-byte requirements header. */
  rest: string;
}

const HEADER_BYTES = 53;
const MAX_BANDWIDTH = (1n << 128n) - 1n;

/**
 * A `jobSpec` that requires `r`, followed by free-form `rest`: "LPRQ", `uint8 needs` (bit 0 GPU, bit 1 TEE),
 * `uint128 minBandwidth`, `bytes32 keccak256(model)`, packed. A spec without the tag requires nothing more than the
 * job's flops and memory; the scheduler never gives a tagged job to a sequencer lacking what it requires.
 */
export function encodeJobRequirements(r: JobRequirements, rest: BytesLike = "0x"): string {
  const minBandwidth = r.minBandwidth ?? 0n;
  if (minBandwidth < 0n || minBandwidth > MAX_BANDWIDTH) throw new RangeError(`minBandwidth ${minBandwidth} is outside 0…2^128−1`);
  const needs = (r.gpu ? 1 : 0) | (r.tee ? 2 : 0);
  const model = r.model === undefined || r.model === "" ? ZeroHash : id(r.model);
  return concat([solidityPacked(["bytes4", "uint8", "uint128", "bytes32"], [REQUIREMENTS_TAG, needs, minBandwidth, model]), rest]);
}

/** The requirements a `jobSpec` carries (none for an untagged spec); throws on a tagged spec the scheduler refuses. */
export function decodeJobRequirements(spec: BytesLike): DecodedJobRequirements {
  const bytes = getBytes(spec);
  if (bytes.length < 4 || dataSlice(bytes, 0, 4) !== REQUIREMENTS_TAG) {
    return { gpu: false, tee: false, minBandwidth: 0n, modelHash: ZeroHash, rest: dataSlice(bytes, 0) };
  }
  if (dataLength(bytes) < HEADER_BYTES) throw new Error(`a tagged job spec has at least ${HEADER_BYTES} bytes, this one ${bytes.length}`);
  const needs = bytes[4];
  if (needs > 3) throw new Error(`unknown requirement bits ${needs} (bit 0 GPU, bit 1 TEE)`);
  return {
    gpu: (needs & 1) !== 0,
    tee: (needs & 2) !== 0,
    minBandwidth: toBigInt(dataSlice(bytes, 5, 21)),
    modelHash: dataSlice(bytes, 21, HEADER_BYTES),
    rest: dataSlice(bytes, HEADER_BYTES),
  };
}
