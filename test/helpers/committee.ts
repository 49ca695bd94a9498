import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { MockRandomnessSource } from "../../typechain-types";
import { collectBlockAttestations, type BlockAttestation } from "../../sdk";
import type { RegistryFixture } from "./fixtures";

/** Makes a test-controlled source the selection module's randomness source (governance). */
export async function mockRandomness(f: RegistryFixture): Promise<MockRandomnessSource> {
  const source = (await (await ethers.getContractFactory("MockRandomnessSource")).deploy()) as unknown as MockRandomnessSource;
  await (await f.selection.connect(f.governanceSigner).setRandomnessSource(await source.getAddress())).wait();
  return source;
}

/** Requests randomness from the selection module (its stake snapshot opens) and returns the pending request id. */
export async function requestRandomness(f: RegistryFixture): Promise<bigint> {
  await (await f.selection.requestRandomness()).wait();
  const [, pending] = await f.selection.randomnessState();
  return pending;
}

/** Fulfils the pending request with `value`: the selection module draws the rotation and, if due, a committee. */
export async function fulfil(f: RegistryFixture, source: MockRandomnessSource, requestId: bigint, value: bigint) {
  await (await source.fulfil(await f.selection.getAddress(), requestId, value)).wait();
}

/** Request then fulfil: draws the current epoch's committee if it has none (else the next epoch's). */
export async function drawCommittee(f: RegistryFixture, source: MockRandomnessSource, value: bigint = 504n) {
  await fulfil(f, source, await requestRandomness(f), value);
}

/** The committee of `slot`'s epoch as [operator address, seats], most seats first (ties by address). */
export async function committeeAt(f: RegistryFixture, slot: bigint): Promise<[string, bigint][]> {
  const epoch = slot / (await f.selection.committeeEpochSlots());
  const [seatIds] = await f.selection.committeeOf(epoch);
  const seats = new Map<string, bigint>();
  for (const id of seatIds) {
    const op = await f.registry.operatorOf(id);
    seats.set(op, (seats.get(op) ?? 0n) + 1n);
  }
  return [...seats.entries()].sort((a, b) => (a[1] !== b[1] ? (b[1] > a[1] ? 1 : -1) : a[0].localeCompare(b[0])));
}

/** ⌊2·size/3⌋ + 1: the seats an attested block needs. */
export const committeeThreshold = (size: bigint) => (size * 2n) / 3n + 1n;

/**
 * The fewest committee members (most seats first) whose seats reach the threshold, as signers among `accounts`,
 * and the seats they hold.
 */
export async function quorum(f: RegistryFixture, slot: bigint, accounts: HardhatEthersSigner[]) {
  const members = await committeeAt(f, slot);
  const threshold = committeeThreshold(BigInt((await f.selection.committeeAt(slot)).length));
  const signers: HardhatEthersSigner[] = [];
  let seats = 0n;
  for (const [op, held] of members) {
    if (seats >= threshold) break;
    const signer = accounts.find((a) => a.address === op);
    if (!signer) throw new Error(`committee member ${op} is not among the test's accounts`);
    signers.push(signer);
    seats += held;
  }
  return { signers, seats, threshold };
}

/** Signatures of a quorum of `slot`'s committee over `attestation`, in the order the monitor expects. */
export async function quorumSignatures(f: RegistryFixture, accounts: HardhatEthersSigner[], attestation: BlockAttestation) {
  const { signers, seats } = await quorum(f, attestation.slot, accounts);
  const signatures = await collectBlockAttestations(signers, await f.monitor.getAddress(), f.chainId, attestation);
  return { signatures, seats, signers };
}
