/** Modular arithmetic on bigint shared by the SDK's provers. */

export const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

/** base^exp mod m, by square-and-multiply. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}
