/**
 * Wesolowski proofs of sequential squaring, matching contracts/libraries/Wesolowski.sol: evaluate y = x^(2^T) mod N
 * by T sequential squarings, then prove with π = x^⌊2^T/ℓ⌋ for the 256-bit prime ℓ derived from
 * keccak256(abi.encode(keccak256("LP504-VDF"), N, x, y, T, nonce)). N is a time-lock puzzle's 2048-bit modulus
 * (sdk/timelock.ts). JS BigInt takes about 10 µs per 2048-bit squaring.
 */
import { AbiCoder, keccak256, toBeHex } from "ethers";
import { modPow } from "./math";

const abi = AbiCoder.defaultAbiCoder();
const DOMAIN = keccak256(new TextEncoder().encode("LP504-VDF"));

/** Eight big-endian 256-bit words. */
export function toWords(x: bigint): bigint[] {
  const hex = toBeHex(x, 256).slice(2);
  return Array.from({ length: 8 }, (_, i) => BigInt("0x" + hex.slice(i * 64, i * 64 + 64)));
}

export function fromWords(words: readonly bigint[]): bigint {
  return words.reduce((acc, w) => (acc << 256n) | w, 0n);
}

/** y = x^(2^T) mod N. */
export function evaluate(x: bigint, t: bigint, n: bigint): bigint {
  let y = x % n;
  for (let i = 0n; i < t; i++) y = (y * y) % n;
  return y;
}

const BASES = [2n, 3n, 5n, 7n, 11n];

/** Miller-Rabin with the contract's five bases. */
export function isProbablePrime(n: bigint): boolean {
  if (n < 41n) return false;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  outer: for (const a of BASES) {
    if (n % a === 0n) return false;
    let v = modPow(a, d, n);
    if (v === 1n || v === n - 1n) continue;
    for (let j = 1; j < s; j++) {
      v = (v * v) % n;
      if (v === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

export function challenge(n: bigint, x: bigint, y: bigint, t: bigint, nonce: bigint): bigint {
  const h = BigInt(
    keccak256(
      abi.encode(
        ["bytes32", "uint256[8]", "uint256[8]", "uint256[8]", "uint256", "uint256"],
        [DOMAIN, toWords(n), toWords(x), toWords(y), t, nonce],
      ),
    ),
  );
  return h | (1n << 255n) | 1n;
}

export interface VDFProof {
  y: bigint;
  pi: bigint;
  nonce: bigint;
  l: bigint;
}

/** Evaluates and proves: π = x^⌊2^T/ℓ⌋ by long division of 2^T by ℓ, one squaring per bit. */
export function prove(x: bigint, t: bigint, n: bigint): VDFProof {
  return proveOutput(x, evaluate(x, t, n), t, n);
}

/** The proof for a known output y (the second pass of T squarings). */
export function proveOutput(x: bigint, y: bigint, t: bigint, n: bigint): VDFProof {
  let nonce = 0n;
  let l = challenge(n, x, y, t, nonce);
  while (!isProbablePrime(l)) l = challenge(n, x, y, t, ++nonce);
  let pi = 1n;
  let r = 1n;
  for (let i = 0n; i < t; i++) {
    const twice = 2n * r;
    const bit = twice >= l ? 1n : 0n;
    r = twice - bit * l;
    pi = (pi * pi) % n;
    if (bit) pi = (pi * x) % n;
  }
  return { y, pi, nonce, l };
}
