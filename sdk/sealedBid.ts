import { AbiCoder, hexlify, keccak256, randomBytes } from "ethers";

/** A sealed auction bid as the bidder keeps it until the reveal period: the amount (wei) and its salt. */
export interface SealedBid {
  amount: bigint;
  salt: string;
}

/**
 * The commitment `SelectionMechanisms.bidCommitment` computes, computed locally: keccak256 of the ABI encoding of
 * (chain id, selection contract, auction id, bidder, amount, salt). Computing it here keeps the amount off any RPC
 * node before the reveal (an `eth_call` of the contract's view would show it to the node).
 */
export function bidCommitment(
  chainId: bigint | number,
  selection: string,
  auctionId: bigint | number,
  bidder: string,
  bid: SealedBid,
): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "uint256", "address", "uint256", "bytes32"],
      [chainId, selection, auctionId, bidder, bid.amount, bid.salt],
    ),
  );
}

/** A sealed bid of `amount` with a fresh random salt (keep both: the reveal needs them). */
export function sealBid(amount: bigint): SealedBid {
  return { amount, salt: hexlify(randomBytes(32)) };
}
