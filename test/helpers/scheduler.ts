import { ethers } from "hardhat";
import { deployRegistryFixture } from "./fixtures";

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

/** Four sequencers (1–4, operated by accounts 0–3). */
export async function schedulerFixture() {
  const f = await deployRegistryFixture();
  for (let i = 0; i < 4; i++) {
    await f.registry.connect(f.accounts[i]).registerSequencer(`enode://s${i}`, "0x02", "0x", { value: ethers.parseEther("1000") });
  }
  return f;
}
