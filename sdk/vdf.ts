/**
 * Wesolowski VDF in the RSA-2048 group, matching contracts/libraries/Wesolowski.sol: evaluate y = x^(2^T) mod N
 * by T sequential squarings, then prove with π = x^⌊2^T/ℓ⌋ for the 256-bit prime ℓ derived from
 * keccak256(abi.encode(keccak256("LP504-VDF"), x, y, T, nonce)). JS BigInt takes a few µs per 2048-bit squaring.
 */
import { AbiCoder, keccak256, toBeHex } from "ethers";
import { modPow } from "./math";

/** The RSA Factoring Challenge's RSA-2048 modulus (factorization unknown). */
export const RSA2048 = BigInt(
  "0xc7970ceedcc3b0754490201a7aa613cd73911081c790f5f1a8726f463550bb5b7ff0db8e1ea1189ec72f93d1650011bd721aeeacc2acde32a04107f0648c2813a31f5b0b7765ff8b44b4b6ffc93384b646eb09c7cf5e8592d40ea33c80039f35b4f14a04b51f7bfd781be4d1673164ba8eb991c2c4d730bbbe35f592bdef524af7e8daefd26c66fc02c479af89d64d373f442709439de66ceb955f3ea37d5159f6135809f85334b5cb1813addc80cd05609f10ac6a95ad65872c909525bdad32bc729592642920f24c61dc5b3c3b7923e56b16a4d9d373d8721f24a3fc0f1b3131f55615172866bccc30f95054c824e733a5eb6817f7bc16399d48c6361cc7e5",
);

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

/** The contract's `Wesolowski.inputFromSeed`. */
export function inputFromSeed(seed: string): bigint {
  const words = Array.from({ length: 8 }, (_, i) => BigInt(keccak256(abi.encode(["bytes32", "uint256"], [seed, i]))));
  words[0] &= (1n << 255n) - 1n;
  return fromWords(words);
}

/** y = x^(2^T) mod N. */
export function evaluate(x: bigint, t: bigint, n: bigint = RSA2048): bigint {
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

export function challenge(x: bigint, y: bigint, t: bigint, nonce: bigint): bigint {
  const h = BigInt(
    keccak256(abi.encode(["bytes32", "uint256[8]", "uint256[8]", "uint256", "uint256"], [DOMAIN, toWords(x), toWords(y), t, nonce])),
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
export function prove(x: bigint, t: bigint, n: bigint = RSA2048): VDFProof {
  const y = evaluate(x, t, n);
  let nonce = 0n;
  let l = challenge(x, y, t, nonce);
  while (!isProbablePrime(l)) l = challenge(x, y, t, ++nonce);
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

/** `proveTimeElapsed` payload: abi.encode(uint256[8] y, uint256[8] π, uint256 nonce). */
export function encodeProof(p: VDFProof): string {
  return abi.encode(["uint256[8]", "uint256[8]", "uint256"], [toWords(p.y), toWords(p.pi), p.nonce]);
}
