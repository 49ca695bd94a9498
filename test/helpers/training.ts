import { ethers } from "hardhat";
import { deployRegistryFixture } from "./fixtures";

/** Sequencers 1–8, operated by accounts 0–7. */
export async function trainingFixture() {
  const f = await deployRegistryFixture();
  for (let i = 0; i < 8; i++) {
    await f.registry.connect(f.accounts[i]).registerSequencer(`enode://t${i}`, "0x02", "0x", { value: ethers.parseEther("100") });
  }
  return f;
}
