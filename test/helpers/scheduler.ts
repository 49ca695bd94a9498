import { ethers } from "hardhat";
import { suiteParams } from "../../deploy";
import { deployRegistryFixture } from "./fixtures";
import { encodeJobRequirements, type JobRequirements } from "../../sdk";
export type { JobRequirements as Requirements } from "../../sdk";

export const TFLOPS = 10n ** 12n;
export const GB = 1024n * 1024n * 1024n;

export function capabilities(id: number, flops: bigint, memory: bigint, opts: { gpu?: boolean; tee?: boolean } = {}) {
  return {
    sequencerId: id,
    availableFlops: flops,
    availableMemory: memory,
    networkBandwidth: 10_000n,
    supportedModels: ["llama-3-70b"],
    hasTEE: opts.tee ?? false,
    hasGPU: opts.gpu ?? false,
  };
}

export function computeJob(flops: bigint, memory: bigint, deadline: number | bigint, priority = 0, jobSpec = "0x") {
  return {
    jobId: ethers.ZeroHash,
    requiredFlops: flops,
    memoryRequirement: memory,
    deadline,
    priority,
    requester: ethers.ZeroAddress,
    jobSpec,
  };
}

/** A `jobSpec` carrying `r`, followed by free-form `rest` (the SDK's encoding, under the tests' old name). */
export function requirementsSpec(r: JobRequirements, rest = "0x"): string {
  return encodeJobRequirements(r, rest);
}

/** Four sequencers (1–4, operated by accounts 0–3); the suite's default parameters unless `params` are given. */
export async function schedulerFixture(params = suiteParams()) {
  const f = await deployRegistryFixture(params);
  for (let i = 0; i < 4; i++) {
    await f.registry.connect(f.accounts[i]).registerSequencer(`enode://s${i}`, "0x02", "0x", { value: ethers.parseEther("1000") });
  }
  return f;
}

export const JOB_STATUS = {
  Queued: 1n,
  Scheduled: 2n,
  Running: 3n,
  ResultSubmitted: 4n,
  Completed: 5n,
  Cancelled: 6n,
  Expired: 7n,
  Failed: 8n,
  Offered: 9n,
  Disputed: 10n,
};

/**
 * A compute market for the attack tests: sequencers 1–3 (operators accounts 0–2) advertise 100 TFLOPS and
 * 128 GiB each; a scheduling service (accounts 20) holds SCHEDULER_ROLE and an arbiter (accounts 21) ARBITER_ROLE;
 * requesters are accounts 10–12. Disputes are bond-free (a test that needs a bond sets its terms); `submit`
 * returns the job id; `books` asserts that the contract holds exactly its escrow plus what it owes.
 */
export async function schedulerMarketFixture() {
  const f = await schedulerFixture(suiteParams({ scheduler: { disputeBond: 0n } }));
  const s = f.scheduler;
  for (let i = 1; i <= 3; i++) await s.registerCapabilities(i, capabilities(i, 100n * TFLOPS, 128n * GB));
  const [op1, op2, op3] = f.accounts;
  const [alice, bob, carol] = [f.accounts[10], f.accounts[11], f.accounts[12]];
  const service = f.accounts[20];
  const arbiter = f.accounts[21];
  await s.grantRole(await s.SCHEDULER_ROLE(), service.address);
  await s.grantRole(await s.ARBITER_ROLE(), arbiter.address);
  const submit = async (who = alice, pay = ethers.parseEther("1"), flops = 10n * TFLOPS, ttl = 7200, priority = 0) => {
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    const job = computeJob(flops, GB, now + ttl, priority);
    const id = await s.connect(who).submitComputeJob.staticCall(job, { value: pay });
    await s.connect(who).submitComputeJob(job, { value: pay });
    return id;
  };
  const books = async () => {
    const [escrow, withdrawable] = await f.schedulerLens.accounting();
    const balance = await ethers.provider.getBalance(await s.getAddress());
    if (balance !== escrow + withdrawable) throw new Error(`books: balance ${balance} != ${escrow} + ${withdrawable}`);
    return { escrow, withdrawable };
  };
  const stake = async (id: number) => {
    const pool = await f.lens.getPool(id);
    return pool.bondedStake + pool.unbondingStake;
  };
  const status = async (id: string) => (await f.schedulerLens.getJob(id)).job.status;
  return { ...f, s, op1, op2, op3, alice, bob, carol, service, arbiter, submit, books, stake, status };
}
