import { time } from "@nomicfoundation/hardhat-network-helpers";

/**
 * Pins the next block's timestamp to the latest block's + 1 and returns it. Without it the automine stamps a block
 * with the wall clock when that is later, so a test that computes "the next block's time" and then spends wall time
 * (signing, instrumentation under coverage) can see its transaction land a second, or a slot, later.
 */
export async function pinNextBlockTime(): Promise<bigint> {
  const next = BigInt(await time.latest()) + 1n;
  await time.setNextBlockTimestamp(next);
  return next;
}
