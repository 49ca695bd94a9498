/**
 * Time-lock puzzles for MEVMitigation (Rivest–Shamir–Wagner), formats in contracts/MEVMitigation.sol.
 *
 * Sender: picks a 2048-bit RSA modulus N = p·q (keeping p and q), a base x and T ≥ lockDuration × calibration, and
 * computes y = x^(2^T) mod N cheaply as x^(2^T mod φ(N)). The transaction is encrypted with k = keccak256(y words):
 *   P = salt ‖ tx, commitment = keccak256(P), ciphertext = P xor keystream(k)
 *   encryptedTx = abi.encode(bytes32 commitment, (uint256[8] N, uint256[8] x, uint256 T), bytes ciphertext)
 * Opener: T sequential squarings give y (nobody without p and q knows a shortcut), a Wesolowski proof shows it,
 * and `proveTimeElapsed(txId, openingPayload(...))` lets the contract derive k and decrypt on chain.
 */
import { AbiCoder, concat, hexlify, keccak256, randomBytes, type BytesLike } from "ethers";
import { modPow } from "./math";
import { xorKeystream } from "./threshold";
import { isProbablePrime, proveOutput, toWords, type VDFProof } from "./vdf";

const abi = AbiCoder.defaultAbiCoder();
const PUZZLE = "tuple(uint256[8] modulus, uint256[8] base, uint256 squarings)";

export interface Puzzle {
  modulus: bigint;
  base: bigint;
  squarings: bigint;
}

/** The sender's secret: the factors of N. Whoever holds them can compute y without the squarings. */
export interface Trapdoor {
  p: bigint;
  q: bigint;
}

export interface TimelockedTransaction {
  /** The salted plaintext P = salt ‖ tx (what `getDecrypted` returns). */
  payload: string;
  salt: string;
  commitment: string;
  /** For `submitTimelocked(encryptedTx, lockDuration)`. */
  encryptedTx: string;
  ciphertext: string;
  puzzle: Puzzle;
  /** y = x^(2^T) mod N, known to the sender at once and to anyone else after T squarings. */
  solution: bigint;
  key: bigint;
}

const SMALL_PRIMES = (() => {
  const primes: bigint[] = [];
  for (let n = 3; primes.length < 300; n += 2) if (primes.every((p) => n % Number(p) !== 0)) primes.push(BigInt(n));
  return primes;
})();

/**
 * A random prime of exactly `bits` bits with its two top bits set (so a product of two is exactly twice as long),
 * from ethers' `randomBytes` (the platform's secure generator; browser-safe, no Node built-ins): a sieve of small
 * primes, then the Miller–Rabin test the VDF uses (five bases: for random 1024-bit candidates the chance of a
 * composite passing is far below 2^−80).
 */
export function randomPrime(bits: number): bigint {
  const top = (3n << BigInt(bits - 2)) | 1n;
  for (;;) {
    const candidate = BigInt(hexlify(randomBytes(bits / 8))) | top;
    if (SMALL_PRIMES.some((p) => candidate % p === 0n)) continue;
    if (isProbablePrime(candidate)) return candidate;
  }
}

/** A fresh 2048-bit RSA modulus (two 1024-bit primes whose product is exactly 2048 bits). */
export function generateTrapdoor(): Trapdoor & { modulus: bigint } {
  for (;;) {
    const p = randomPrime(1024);
    const q = randomPrime(1024);
    const modulus = p * q;
    if (p !== q && modulus >> 2047n === 1n) return { p, q, modulus };
  }
}

/** k = keccak256(abi.encode(uint256[8] y)), as the contract derives it. */
export function puzzleKey(solution: bigint): bigint {
  return BigInt(keccak256(abi.encode(["uint256[8]"], [toWords(solution)])));
}

function encodePuzzle(p: Puzzle) {
  return [toWords(p.modulus), toWords(p.base), p.squarings];
}

/**
 * Sender side: seals `tx` under a puzzle of `squarings` sequential squarings (at least lockDuration × the
 * contract's calibration). A trapdoor may be reused for several transactions (each gets a fresh base); the
 * default is a fresh one.
 */
export function encryptTimelocked(tx: BytesLike, squarings: bigint, trapdoor: Trapdoor = generateTrapdoor()): TimelockedTransaction {
  const modulus = trapdoor.p * trapdoor.q;
  const phi = (trapdoor.p - 1n) * (trapdoor.q - 1n);
  // A base of about 2040 bits: above 2^256 and below N − 1, as the contract requires.
  const base = (BigInt(hexlify(randomBytes(255))) % (modulus >> 8n)) + (1n << 256n);
  const solution = modPow(base, modPow(2n, squarings, phi), modulus);
  const key = puzzleKey(solution);
  const salt = hexlify(randomBytes(32));
  const payload = concat([salt, tx]);
  const commitment = keccak256(payload);
  const ciphertext = hexlify(xorKeystream(payload, key));
  const puzzle = { modulus, base, squarings };
  const encryptedTx = abi.encode(["bytes32", PUZZLE, "bytes"], [commitment, encodePuzzle(puzzle), ciphertext]);
  return { payload, salt, commitment, encryptedTx, ciphertext, puzzle, solution, key };
}

/** The puzzle and ciphertext of a `submitTimelocked` payload (what a solver reads from the event). */
export function decodeTimelocked(encryptedTx: BytesLike): { commitment: string; puzzle: Puzzle; ciphertext: string } {
  const [commitment, [modulus, base, squarings], ciphertext] = abi.decode(["bytes32", PUZZLE, "bytes"], encryptedTx);
  const join = (words: bigint[]) => words.reduce((acc, w) => (acc << 256n) | w, 0n);
  return { commitment, puzzle: { modulus: join(modulus), base: join(base), squarings }, ciphertext };
}

/** Opener side: T sequential squarings, then the Wesolowski proof (another T squarings). */
export function solvePuzzle(puzzle: Puzzle): VDFProof {
  let y = puzzle.base % puzzle.modulus;
  for (let i = 0n; i < puzzle.squarings; i++) y = (y * y) % puzzle.modulus;
  return proveOutput(puzzle.base, y, puzzle.squarings, puzzle.modulus);
}

/** The `proveTimeElapsed` payload: abi.encode(Puzzle, uint256[8] y, uint256[8] π, uint256 nonce, bytes ciphertext). */
export function openingPayload(puzzle: Puzzle, proof: Pick<VDFProof, "y" | "pi" | "nonce">, ciphertext: BytesLike): string {
  return abi.encode(
    [PUZZLE, "uint256[8]", "uint256[8]", "uint256", "bytes"],
    [encodePuzzle(puzzle), toWords(proof.y), toWords(proof.pi), proof.nonce, ciphertext],
  );
}
