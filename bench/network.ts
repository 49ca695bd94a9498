/**
 * The benchmark's network: sequencer sets grown by real registrations, fresh funded wallets, receipts' gas, and
 * snapshot isolation. Shared by `bench.ts` and `trace.ts`, so a trace looks at exactly what the bench measures.
 */
import { ethers, network } from "hardhat";
import { Wallet, type ContractTransactionResponse } from "ethers";
import type { Suite } from "../deploy";
import { buildEquivocationProof } from "../sdk";

const FUND = ethers.parseEther("1000000");

export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

/** Runs `fn` in an EVM snapshot and reverts afterwards. */
export async function isolated<T>(fn: () => Promise<T>): Promise<T> {
  const id = await network.provider.send("evm_snapshot");
  try {
    return await fn();
  } finally {
    await network.provider.send("evm_revert", [id]);
  }
}

async function fundedWallet(label: string): Promise<Wallet> {
  const w = new Wallet(ethers.keccak256(ethers.toUtf8Bytes(label)), ethers.provider);
  await network.provider.send("hardhat_setBalance", [w.address, ethers.toQuantity(FUND)]);
  return w;
}

/**
 * Wallets for one phase of measurements (reporters, delegators, bidders): the same sequence in every phase that
 * starts with {startWalletPhase}, so a measurement at n uses the same addresses whatever was measured before it.
 */
let walletPhase = "setup";
let walletCounter = 0;
export function startWalletPhase(name: string) {
  walletPhase = name;
  walletCounter = 0;
}
export async function freshWallet(): Promise<Wallet> {
  return fundedWallet(`lp504-bench-${walletPhase}-${walletCounter++}`);
}

/**
 * Sends one transaction per item with automine off, one after another (so the pool, hence every block, holds them in
 * the same order on every run), mines a block every `perBlock` items, then mines until the pool is empty.
 */
export async function sendInBlocks<T>(items: T[], send: (item: T, index: number) => Promise<unknown>, perBlock = 150) {
  await network.provider.send("evm_setAutomine", [false]);
  try {
    for (let i = 0; i < items.length; i++) {
      await send(items[i], i);
      if ((i + 1) % perBlock === 0) await network.provider.send("hardhat_mine", ["0x1"]);
    }
    while (Number(await network.provider.send("eth_getBlockTransactionCountByNumber", ["pending"])) > 0) {
      await network.provider.send("hardhat_mine", ["0x1"]);
    }
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
}

/**
 * Growth mines its registrations in batches that end at fixed boundaries (10, then every multiple of 100), whatever
 * sizes a run measures: growing 10 → 1,000 and 10 → 100 → 1,000 send the same transactions in the same blocks.
 */
function batchEnd(count: number, target: number): number {
  const boundary = count < 10 ? 10 : (Math.floor(count / 100) + 1) * 100;
  return Math.min(target, boundary);
}

/**
 * The pool every per-sequencer operation is measured on: from the middle of the set, with a delegator and paid
 * fees (every 7th pool gets them), the same kind at every n, and own stake above minStake (the first pool has
 * exactly the minimum, so a slash would deactivate it).
 */
export function sampledOperator(operators: Wallet[], n: number): Wallet {
  return operators[Math.floor(n / 14) * 7 + 7];
}

/**
 * Registers sequencers until `target` exist: stakes vary 100–595 LUX; every 7th pool also gets a delegation,
 * a fee payment and a performance score, so pools have several holders, the insurance fund is live and the
 * performance index holds entries, as on a running chain.
 */
export async function growTo(suite: Suite, operators: Wallet[], target: number) {
  const registry = suite.registry;
  const extras: string[] = []; // operators whose pools get a delegation and fees (ids follow mining order)
  const [monitor, delegator] = await ethers.getSigners(); // the suite must give signer 0 the monitor role
  let nonce = await ethers.provider.getTransactionCount(delegator.address);
  let monitorNonce = await ethers.provider.getTransactionCount(monitor.address);
  await network.provider.send("evm_setAutomine", [false]);
  try {
    while (operators.length < target) {
      const upTo = batchEnd(operators.length, target);
      for (let i = operators.length; i < upTo; i++) {
        const w = await fundedWallet(`lp504-bench-operator-${i}`);
        operators.push(w);
        const stake = ethers.parseEther(String(100 + (i % 100) * 5));
        // Submitted one after another, so the pool mines them in this order and ids are the same on every run
        // (concurrent submissions arrive in a varying order, and the measured pool's id, hence its neighbours and
        // tree path, moved the equivocation report by up to 3.5k gas between runs).
        await registry.connect(w).registerSequencer(`enode://seq${i}@10.0.${i >> 8}.${i & 255}:30303`, "0x02" + "ab".repeat(32), "0x", {
          value: stake,
          nonce: 0,
          gasLimit: 1_000_000,
        });
        if (i % 7 === 0) extras.push(w.address);
      }
      await network.provider.send("hardhat_mine", ["0x1"]);
      // Sent one after another too: the pool orders two senders' transactions by arrival, and a varying order
      // changes the block's hash (not its state), hence every figure that binds a block hash.
      for (const operator of extras.splice(0)) {
        const id = await registry.sequencerIdOf(operator);
        await registry.connect(delegator).delegateStake(id, { value: ethers.parseEther("20"), nonce: nonce++, gasLimit: 500_000 });
        await registry.connect(delegator).distributeRewards(id, { value: ethers.parseEther("1"), nonce: nonce++, gasLimit: 500_000 });
        // And a performance score, as the monitor reports for sequencers that have served.
        const score = 5000 + Number((id * 37n) % 50n) * 100;
        await registry.connect(monitor).updatePerformance(id, score, { nonce: monitorNonce++, gasLimit: 500_000 });
      }
      while (Number(await network.provider.send("eth_getBlockTransactionCountByNumber", ["pending"])) > 0) {
        await network.provider.send("hardhat_mine", ["0x1"]);
      }
    }
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
  const count = Number(await registry.totalSequencers());
  if (count !== target) throw new Error(`grew to ${count} sequencers, wanted ${target}`);
}

/** A fresh reporter proves that `operator` signed two blocks for the current slot (the benchmarked report). */
export async function reportEquivocation(suite: Suite, operator: Wallet, reporter?: Wallet): Promise<ContractTransactionResponse> {
  const r = suite.registry;
  const id = await r.sequencerIdOf(operator.address);
  reporter ??= await freshWallet();
  const { chainId } = await ethers.provider.getNetwork();
  const slot = await r.currentSlot();
  const evidence = await buildEquivocationProof(operator, await r.getAddress(), chainId, id, slot, ethers.id("a"), ethers.id("b"));
  return r.connect(reporter).reportMisbehavior(id, evidence);
}
