import { ethers } from "hardhat";

const abi = ethers.AbiCoder.defaultAbiCoder();

/**
 * The registry's stake draw (StakeSumTree.drawSnapshot) as a model: three rejection draws from
 * `keccak(seed, i)`, then the exact cut of the excluded range.
 */
export function modelDraw(weights: bigint[], seed: bigint, excluded: number): number {
  const sum = weights.reduce((a, b) => a + b, 0n);
  if (sum === 0n) return -1;
  const find = (point: bigint) => {
    for (let p = 0; p < weights.length; p++) {
      if (point < weights[p]) return p;
      point -= weights[p];
    }
    throw new Error("point beyond the total");
  };
  for (let i = 0n; i < 3n; i++) {
    const p = find(BigInt(ethers.keccak256(abi.encode(["uint256", "uint256"], [seed, i]))) % sum);
    if (p !== excluded) return p;
  }
  const own = excluded >= 0 ? weights[excluded] : 0n;
  if (sum <= own) return -1;
  const before = weights.slice(0, Math.max(excluded, 0)).reduce((a, b) => a + b, 0n);
  let point = BigInt(ethers.keccak256(abi.encode(["uint256", "uint256"], [seed, 3n]))) % (sum - own);
  if (point >= before) point += own;
  return find(point);
}
