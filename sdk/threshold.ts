/**
 * Off-chain halves of MEVMitigation's threshold encryption (formats in contracts/MEVMitigation.sol):
 * a wallet encrypts a transaction for the committee; a validator recovers its key share.
 *
 *   P          = salt (32 bytes) ‖ tx              commitment = keccak256(P)
 *   k          random in the BN254 scalar field    ciphertext = P xor keystream(k), block j = keccak256(abi.encode(k, j))
 *   f(z)       = k + a_1 z + … + a_{t−1} z^{t−1}   share of validator at place x (from 1): s_x = f(x)
 *   C_j        = a_j·G1 (Feldman commitments; C_0 = k·G1)
 *   sealed     = ephemeral secp256k1 public key (33 bytes) ‖ for each place x: s_x xor keccak256(ECDH(ephemeral, key_x) ‖ x)
 *   payload    = t (1 byte) ‖ n (1 byte) ‖ C_j compressed (32 bytes each) ‖ sealed ‖ ciphertext
 *   key share  = abi.encode(s_x, C, keccak256(ciphertext))   (the chain keeps only a hash of C and the ciphertext)
 */
import { bn254 } from "@noble/curves/bn254";
import { secp256k1 } from "@noble/curves/secp256k1";
import { mod } from "./math";
import { AbiCoder, concat, getBytes, hexlify, keccak256, randomBytes, toBeHex, type BytesLike } from "ethers";

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

/**
 * Encrypts each share to its validator's compressed secp256k1 public key under one ephemeral key:
 * 33 bytes of ephemeral public key, then 32 bytes per place.
 */
export function sealShares(shares: bigint[], validatorPublicKeys: BytesLike[]): string {
  const ephemeral = secp256k1.utils.randomPrivateKey();
  const boxes = shares.map((share, i) => {
    const shared = secp256k1.getSharedSecret(ephemeral, getBytes(validatorPublicKeys[i]), true);
    return toBeHex(share ^ shareMask(shared, i + 1), 32);
  });
  return concat([secp256k1.getPublicKey(ephemeral, true), ...boxes]);
}

export interface EncryptedForCommittee {
  /** The salted plaintext P = salt ‖ tx (what `getDecrypted` returns). */
  payload: string;
  salt: string;
  commitment: string;
  /** For `submitEncrypted(encryptedTx, commitment)`. */
  encryptedTx: string;
  /** For `decryptTransaction(txId, ciphertext)` and `getDecrypted(txId, ciphertext)`. */
  ciphertext: string;
  key: bigint;
  shares: bigint[];
  commitments: [bigint, bigint][];
}

/**
 * Encrypts `tx` for a committee (public keys in committee order, as `MEVMitigation.committee(epoch)` lists the
 * validators and the registry holds their keys) with threshold `t`.
 */
export function encryptForCommittee(tx: BytesLike, committeePublicKeys: BytesLike[], threshold: number): EncryptedForCommittee {
  const salt = hexlify(randomBytes(32));
  const payload = concat([salt, tx]);
  const commitment = keccak256(payload);
  const key = randomScalar();
  const { shares, commitments } = splitSecret(key, threshold, committeePublicKeys.length);
  const ciphertext = hexlify(xorKeystream(payload, key));
  const encryptedTx = packEncrypted(commitments, sealShares(shares, committeePublicKeys), ciphertext);
  return { payload, salt, commitment, encryptedTx, ciphertext, key, shares, commitments };
}

/** A BN254 G1 point as one word: x, with y's parity in bit 255 (x < p < 2^254). */
export function compressPoint([x, y]: [bigint, bigint]): bigint {
  return x | ((y & 1n) << 255n);
}

export function decompressPoint(word: bigint): [bigint, bigint] {
  const Fp = bn254.fields.Fp;
  const x = word & ((1n << 255n) - 1n);
  const root = Fp.sqrt(Fp.add(Fp.mul(Fp.mul(x, x), x), 3n));
  const y = (root & 1n) === word >> 255n ? root : Fp.neg(root);
  return [x, y];
}

/**
 * The `submitEncrypted` payload: abi.encodePacked(uint8 t, uint8 n, bytes32[t] compressed commitments,
 * bytes sealedShares (33 + 32n), bytes ciphertext).
 */
export function packEncrypted(commitments: [bigint, bigint][], sealed: BytesLike, ciphertext: BytesLike): string {
  const n = (getBytes(sealed).length - 33) / 32;
  return concat([
    toBeHex(commitments.length, 1),
    toBeHex(n, 1),
    ...commitments.map((c) => toBeHex(compressPoint(c), 32)),
    sealed,
    ciphertext,
  ]);
}

/** The parts of a `submitEncrypted` payload. */
export function decodeEncrypted(encryptedTx: BytesLike): { commitments: [bigint, bigint][]; ciphertext: string; sealed: string } {
  const bytes = getBytes(encryptedTx);
  const [t, n] = [bytes[0], bytes[1]];
  const commitments = Array.from({ length: t }, (_, j) => decompressPoint(BigInt(hexlify(bytes.slice(2 + 32 * j, 34 + 32 * j)))));
  const start = 2 + 32 * t;
  const sealed = hexlify(bytes.slice(start, start + 33 + 32 * n));
  return { commitments, sealed, ciphertext: hexlify(bytes.slice(start + 33 + 32 * n)) };
}

/** A validator opens its sealed share (place x = index + 1) from an encrypted transaction. */
export function openShare(encryptedTx: BytesLike, place: number, validatorSecretKey: BytesLike): bigint {
  const sealed = getBytes(decodeEncrypted(encryptedTx).sealed);
  const box = sealed.slice(33 + 32 * (place - 1), 33 + 32 * place);
  if (box.length !== 32) throw new Error(`no sealed share for place ${place}`);
  const shared = secp256k1.getSharedSecret(getBytes(validatorSecretKey), sealed.slice(0, 33), true);
  return BigInt(hexlify(box)) ^ shareMask(shared, place);
}

/** The `submitKeyShare` payload: abi.encode(uint256 s, uint256[2][] feldman, bytes32 ciphertextHash), the
 * Feldman commitments and ciphertext hash read from the transaction's `encryptedTx`. */
export function keySharePayload(share: bigint, encryptedTx: BytesLike): string {
  const { commitments, ciphertext } = decodeEncrypted(encryptedTx);
  return abi.encode(["uint256", "uint256[2][]", "bytes32"], [share, commitments, keccak256(ciphertext)]);
}
