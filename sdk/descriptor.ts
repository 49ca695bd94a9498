import { dataLength, dataSlice, getBytes, toUtf8String } from "ethers";

/** A sequencer's descriptor: what its operator registered besides the stake. */
export interface SequencerDescriptor {
  endpoint: string;
  publicKey: string; // hex
  metadata: string; // hex
}

/**
 * Decodes the `descriptor` of a `RegistrationDetails` event: a 4-byte big-endian header of the three lengths (bits
 * 22–31 endpoint, 12–21 public key, 0–11 metadata), then the endpoint (UTF-8), public key and metadata, packed. Throws
 * when the lengths in the header do not add up to the descriptor's length.
 */
export function decodeSequencerDescriptor(descriptor: string | Uint8Array): SequencerDescriptor {
  const length = dataLength(descriptor);
  if (length < 4) throw new Error(`sequencer descriptor: ${length} bytes, shorter than its 4-byte header`);
  const header = getBytes(descriptor)
    .slice(0, 4)
    .reduce((word, byte) => word * 256 + byte, 0);
  const endpointEnd = 4 + (header >>> 22);
  const publicKeyEnd = endpointEnd + ((header >>> 12) & 0x3ff);
  const metadataEnd = publicKeyEnd + (header & 0xfff);
  if (metadataEnd !== length) {
    throw new Error(`sequencer descriptor: its header announces ${metadataEnd} bytes, it has ${length}`);
  }
  return {
    endpoint: toUtf8String(dataSlice(descriptor, 4, endpointEnd)),
    publicKey: dataSlice(descriptor, endpointEnd, publicKeyEnd),
    metadata: dataSlice(descriptor, publicKeyEnd, metadataEnd),
  };
}
