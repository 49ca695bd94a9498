import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { SelectionMechanisms } from "../../typechain-types";
import { bidCommitment, sealBid } from "../../sdk";

/** The contract's balance equals the deposits of open auctions, the winners' bonds held and the withdrawable refunds. */
export async function expectEscrow(s: SelectionMechanisms) {
  const [deposits, bonds, owed] = await s.auctionEscrow();
  expect(await ethers.provider.getBalance(await s.getAddress())).to.equal(deposits + bonds + owed);
  expect(await s.totalOwed()).to.equal(deposits + bonds + owed);
}

/** Commits a sealed bid of `amount` with `deposit` escrowed; returns the salt to reveal it with. */
export async function commitBid(
  s: SelectionMechanisms,
  bidder: HardhatEthersSigner,
  auctionId: bigint | number,
  amount: bigint,
  deposit: bigint,
) {
  const { salt } = sealBid(amount);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const commitment = bidCommitment(chainId, await s.getAddress(), auctionId, bidder.address, { amount, salt });
  // The SDK's local commitment is the contract's.
  expect(commitment).to.equal(await s.bidCommitment(auctionId, bidder.address, amount, salt));
  await (await s.connect(bidder).commitBid(auctionId, commitment, { value: deposit })).wait();
  return salt;
}

/** The ranked revealed bids of an auction, highest first: [bidders, amounts]. */
export async function rankedBids(s: SelectionMechanisms, auctionId: bigint | number): Promise<[string[], bigint[]]> {
  const a = await s.auctionDetails(auctionId);
  const bidders = a.top.slice(0, Number(a.bidCount));
  const amounts = await Promise.all(bidders.map(async (b) => (await s.bidOf(auctionId, b)).amount));
  return [bidders, amounts];
}
