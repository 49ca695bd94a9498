/**
 * Off-chain halves of MEVMitigation's threshold encryption (formats in contracts/MEVMitigation.sol):
 * a wallet encrypts a transaction for the committee; a validator recovers its key share.
 *
 *   P          = salt (32 bytes) ‖ tx              commitment = keccak256(P)
 *   k          random in the BN254 scalar field    ciphertext = P xor keystream(k), block j = keccak256(abi.encode(k, j))
 *   f(z)       = k + a_1 z + … + a_{t−1} z^{t−1}   share of validator at place x (from 1): s_x = f(x)
 *   C_j        = a_j·G1 (Feldman commitments; C_0 = k·G1)
 *   share box  = ephemeral secp256k1 public key (33 bytes) ‖ s_x xor keccak256(ECDH(ephemeral, validator key) ‖ x)
 */
import { bn254 } from "@noble/curves/bn254";
import { secp256k1 } from "@noble/curves/secp256k1";
import { mod } from "./math";
import { AbiCoder, concat, getBytes, hexlify, keccak256, randomBytes, toBeHex, zeroPadValue, type BytesLike } from "ethers";

export const BN254_ORDER = bn254.fields.Fr.ORDER;
const G1 = bn254.G1.ProjectivePoint;
const abi = AbiCoder.defaultAbiCoder();
const modR = (a: bigint) => mod(a, BN254_ORDER);

export function randomScalar(): bigint {
  for (;;) {
    const s = modR(BigInt(hexlify(randomBytes(48))));
    if (s !== 0n) return s;
  }
}

/** Shamir t-of-n shares of `secret` with Feldman commitments. shares[i] belongs to place x = i + 1. */
export function splitSecret(secret: bigint, t: number, n: number): { shares: bigint[]; commitments: [bigint, bigint][] } {
  if (t < 1 || t > n) throw new Error(`invalid threshold ${t} of ${n}`);
  const coefficients = [modR(secret), ...Array.from({ length: t - 1 }, randomScalar)];
  const shares = Array.from({ length: n }, (_, i) => {
    const x = BigInt(i + 1);
    return coefficients.reduceRight((acc, a) => modR(acc * x + a), 0n);
  });
  const commitments = coefficients.map((a): [bigint, bigint] => {
    const { x, y } = G1.BASE.multiply(a).toAffine();
    return [x, y];
  });
  return { shares, commitments };
}

/** Feldman check, as the contract does it: s·G1 == Σ x^j·C_j. */
export function verifyShare(x: number, share: bigint, commitments: [bigint, bigint][]): boolean {
  let acc = G1.ZERO;
  let power = 1n;
  for (const [cx, cy] of commitments) {
    acc = acc.add(G1.fromAffine({ x: cx, y: cy }).multiply(power));
    power = modR(power * BigInt(x));
  }
  return G1.BASE.multiply(share).equals(acc);
}

/** xor with the keystream of `key`: block j = keccak256(abi.encode(key, j)). Encrypts and decrypts. */
export function xorKeystream(data: BytesLike, key: bigint): Uint8Array {
  const bytes = getBytes(data);
  const out = new Uint8Array(bytes.length);
  for (let j = 0; j * 32 < bytes.length; j++) {
    const block = getBytes(keccak256(abi.encode(["uint256", "uint256"], [key, j])));
    for (let b = 0; b < 32 && j * 32 + b < bytes.length; b++) out[j * 32 + b] = bytes[j * 32 + b] ^ block[b];
  }
  return out;
}

function shareMask(shared: Uint8Array, x: number): bigint {
  return BigInt(keccak256(concat([shared, toBeHex(x, 32)])));
}

/** Encrypts a share to a validator's compressed secp256k1 public key (65 bytes: ephemeral key ‖ masked share). */
export function sealShare(share: bigint, x: number, validatorPublicKey: BytesLike): string {
  const ephemeral = secp256k1.utils.randomPrivateKey();
  const shared = secp256k1.getSharedSecret(ephemeral, getBytes(validatorPublicKey), true);
  return concat([secp256k1.getPublicKey(ephemeral, true), toBeHex(share ^ shareMask(shared, x), 32)]);
}

export interface EncryptedForCommittee {
  /** The salted plaintext P = salt ‖ tx (what `getDecrypted` returns). */
  payload: string;
  salt: string;
  commitment: string;
  /** For `submitEncrypted(encryptedTx, commitment)`. */
  encryptedTx: string;
  key: bigint;
  shares: bigint[];
  commitments: [bigint, bigint][];
}

function seal(tx: BytesLike, committeePublicKeys: BytesLike[], threshold: number) {
  const salt = hexlify(randomBytes(32));
  const payload = concat([salt, tx]);
  const commitment = keccak256(payload);
  const key = randomScalar();
  const { shares, commitments } = splitSecret(key, threshold, committeePublicKeys.length);
  const boxes = shares.map((s, i) => sealShare(s, i + 1, committeePublicKeys[i]));
  const ciphertext = xorKeystream(payload, key);
  const sealed = abi.encode(["bytes[]"], [boxes]);
  return { salt, payload, commitment, key, shares, commitments, ciphertext, sealed };
}

/**
 * Encrypts `tx` for a committee (public keys in committee order, as `MEVMitigation.committee(epoch)` lists the
 * validators and the registry holds their keys) with threshold `t`.
 */
export function encryptForCommittee(tx: BytesLike, committeePublicKeys: BytesLike[], threshold: number): EncryptedForCommittee {
  const s = seal(tx, committeePublicKeys, threshold);
  return packed(s, abi.encode(["uint256[2][]", "bytes", "bytes"], [s.commitments, s.ciphertext, s.sealed]));
}

/** The same for `submitTimelocked(encryptedTx, lockDuration)`: the commitment travels inside the payload. */
export function encryptTimelocked(tx: BytesLike, committeePublicKeys: BytesLike[], threshold: number): EncryptedForCommittee {
  const s = seal(tx, committeePublicKeys, threshold);
  return packed(s, abi.encode(["bytes32", "uint256[2][]", "bytes", "bytes"], [s.commitment, s.commitments, s.ciphertext, s.sealed]));
}

function packed(s: ReturnType<typeof seal>, encryptedTx: string): EncryptedForCommittee {
  const { payload, salt, commitment, key, shares, commitments } = s;
  return { payload, salt, commitment, encryptedTx, key, shares, commitments };
}

/** A validator opens its sealed share (place x = index + 1) from an encrypted transaction. */
export function openShare(encryptedTx: BytesLike, place: number, validatorSecretKey: BytesLike, timelocked = false): bigint {
  const decoded = timelocked
    ? abi.decode(["bytes32", "uint256[2][]", "bytes", "bytes"], encryptedTx)
    : abi.decode(["uint256[2][]", "bytes", "bytes"], encryptedTx);
  const [boxes] = abi.decode(["bytes[]"], decoded[decoded.length - 1]);
  const box = getBytes(boxes[place - 1]);
  const shared = secp256k1.getSharedSecret(getBytes(validatorSecretKey), box.slice(0, 33), true);
  return BigInt(hexlify(box.slice(33))) ^ shareMask(shared, place);
}

/** The `submitKeyShare` payload: abi.encode(uint256 s). */
export function keySharePayload(share: bigint): string {
  return zeroPadValue(toBeHex(share), 32);
}
