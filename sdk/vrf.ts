/**
 * ECVRF prover for Chainlink's on-chain verifier (`@chainlink/contracts/src/v0.8/vrf/VRF.sol`,
 * `_randomValueFromVRFProof`), over secp256k1 with keccak-256, following the verifier's own description:
 *
 *   H      = hashToCurve(pk, seed)   try-and-increment: x = fieldHash(1 ‖ pk ‖ seed), then x = fieldHash(x)
 *   Γ      = sk·H                    (gamma; the output is keccak256(abi.encode(3, Γ)))
 *   U = k·G, V = k·H                 for a secret nonce k
 *   c      = keccak256(2 ‖ H ‖ pk ‖ Γ ‖ V ‖ address(U))
 *   s      = k − c·sk (mod n)
 *
 * The verifier checks c·pk + s·G = U (through ecrecover, against `uWitness` = address(U)) and
 * c·Γ + s·H = V (witnesses `cGammaWitness` = c·Γ, `sHashWitness` = s·H, and `zInv`, the inverse of the
 * projective z of their sum as its own formula computes it), then recomputes c. The output is unique for a
 * (key, seed) pair, so a committer can only withhold it, never choose it.
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { keccak256, solidityPacked, AbiCoder, getBytes, toBeHex, computeAddress } from "ethers";
import { mod, modPow } from "./math";

const Point = secp256k1.ProjectivePoint;
type Pt = InstanceType<typeof Point>;
const P = secp256k1.CURVE.Fp.ORDER;
const N = secp256k1.CURVE.n;

const modInv = (a: bigint, m: bigint) => modPow(a, m - 2n, m); // m is prime

const u256 = (x: bigint) => toBeHex(x, 32);
const ySquared = (x: bigint) => mod(x * x * x + 7n, P);

/** The verifier's `_fieldHash`: keccak, re-hashed until below the field size. */
function fieldHash(packed: string): bigint {
  let x = BigInt(keccak256(packed));
  while (x >= P) x = BigInt(keccak256(u256(x)));
  return x;
}

function candidate(packed: string): { x: bigint; y: bigint } {
  const x = fieldHash(packed);
  let y = modPow(ySquared(x), (P + 1n) / 4n, P);
  if (y % 2n === 1n) y = P - y;
  return { x, y };
}

/** The verifier's `_hashToCurve(pk, input)`. */
export function hashToCurve(pk: { x: bigint; y: bigint }, seed: bigint): { x: bigint; y: bigint } {
  let p = candidate(solidityPacked(["uint256", "uint256", "uint256", "uint256"], [1n, pk.x, pk.y, seed]));
  while (mod(p.y * p.y, P) !== ySquared(p.x)) p = candidate(u256(p.x));
  return p;
}

const affine = (p: Pt) => p.toAffine();
const ethAddress = (p: { x: bigint; y: bigint }) => computeAddress("0x04" + u256(p.x).slice(2) + u256(p.y).slice(2));

/** The verifier's `_projectiveECAdd` denominator z, so that zInv matches its exact formula. */
function projectiveZ(p: { x: bigint; y: bigint }, q: { x: bigint; y: bigint }): bigint {
  const lx = mod(q.y - p.y, P);
  const lz = mod(q.x - p.x, P);
  // sx/dx = lx²/lz² − px − qx ; sy/dy = (px − sx/dx)·lx/lz − py
  let sx = (lx * lx) % P;
  let dx = (lz * lz) % P;
  [sx, dx] = [mod(sx - p.x * dx, P), dx]; // projectiveSub(sx, dx, px, 1): (sx·1 − px·dx, dx·1)
  [sx, dx] = [mod(sx - q.x * dx, P), dx];
  let sy = mod(p.x * dx - sx, P); // projectiveSub(px, 1, sx, dx)
  let dy = dx;
  [sy, dy] = [(sy * lx) % P, (dy * lz) % P];
  [sy, dy] = [mod(sy - p.y * dy, P), dy];
  return dx !== dy ? (dx * dy) % P : dx;
}

export interface VRFProof {
  pk: [bigint, bigint];
  gamma: [bigint, bigint];
  c: bigint;
  s: bigint;
  seed: bigint;
  uWitness: string;
  cGammaWitness: [bigint, bigint];
  sHashWitness: [bigint, bigint];
  zInv: bigint;
}

/** A VRF key pair: `sk` a scalar in [1, n), `pk` = sk·G as the verifier's `uint256[2]`. */
export function vrfKeyFromSecret(sk: bigint): { sk: bigint; pk: [bigint, bigint] } {
  if (sk <= 0n || sk >= N) throw new Error("VRF secret key out of range");
  const { x, y } = affine(Point.BASE.multiply(sk));
  return { sk, pk: [x, y] };
}

/** Derives a VRF secret key deterministically from any secret bytes (e.g. an operator key and a label). */
export function deriveVrfKey(secret: string): { sk: bigint; pk: [bigint, bigint] } {
  return vrfKeyFromSecret(mod(BigInt(keccak256(solidityPacked(["string", "bytes"], ["LP504-VRF-KEY", secret]))), N - 1n) + 1n);
}

/** Proves the VRF output for `seed` under secret key `sk`. Deterministic: the nonce is derived from (sk, seed). */
export function proveVRF(sk: bigint, seed: bigint): VRFProof {
  const pkPoint = Point.BASE.multiply(sk);
  const pk = affine(pkPoint);
  const h = hashToCurve(pk, seed);
  const hPoint = Point.fromAffine(h);
  const gamma = affine(hPoint.multiply(sk));
  for (let attempt = 0n; ; attempt++) {
    const k =
      mod(BigInt(keccak256(solidityPacked(["uint256", "uint256", "uint256", "string"], [sk, seed, attempt, "LP504-VRF-NONCE"]))), N - 1n) +
      1n;
    const u = affine(Point.BASE.multiply(k));
    const v = affine(hPoint.multiply(k));
    const uWitness = ethAddress(u);
    const c = BigInt(
      keccak256(
        solidityPacked(
          ["uint256", "uint256[2]", "uint256[2]", "uint256[2]", "uint256[2]", "address"],
          [2n, [h.x, h.y], [pk.x, pk.y], [gamma.x, gamma.y], [v.x, v.y], uWitness],
        ),
      ),
    );
    const s = mod(k - (c % N) * sk, N);
    if (s === 0n || c % N === 0n) continue; // the verifier rejects zero scalars
    const cGamma = affine(Point.fromAffine(gamma).multiply(c % N));
    const sHash = affine(hPoint.multiply(s));
    if (cGamma.x === sHash.x) continue; // the verifier requires distinct summands
    const zInv = modInv(projectiveZ(cGamma, sHash), P);
    return {
      pk: [pk.x, pk.y],
      gamma: [gamma.x, gamma.y],
      c,
      s,
      seed,
      uWitness,
      cGammaWitness: [cGamma.x, cGamma.y],
      sHashWitness: [sHash.x, sHash.y],
      zInv,
    };
  }
}

/** The VRF output the verifier derives from a valid proof: keccak256(abi.encode(3, gamma)). */
export function vrfOutput(proof: Pick<VRFProof, "gamma">): bigint {
  return BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256[2]"], [3n, proof.gamma])));
}

/** The proof as the tuple the contracts take (`VRF.Proof` field order). */
export function proofTuple(p: VRFProof) {
  return {
    pk: p.pk,
    gamma: p.gamma,
    c: p.c,
    s: p.s,
    seed: p.seed,
    uWitness: p.uWitness,
    cGammaWitness: p.cGammaWitness,
    sHashWitness: p.sHashWitness,
    zInv: p.zInv,
  };
}

/** Keccak of the public key: how the beacon identifies a registered VRF key. */
export function vrfKeyHash(pk: [bigint, bigint]): string {
  return keccak256(getBytes(solidityPacked(["uint256", "uint256"], pk)));
}
