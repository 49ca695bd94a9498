import hre, { ethers, network } from "hardhat";
import { Wallet } from "ethers";
import { deploySuite, suiteParams } from "../deploy";
import { buildEquivocationProof } from "../sdk";

const N = Number(process.env.N ?? "10");
async function main() {
  const [governance] = await ethers.getSigners();
  const suite = await deploySuite(hre, suiteParams({ monitors: [governance.address], registry: { config: { maxSequencers: 20_000n } } }));
  const r = suite.registry;
  const ops: Wallet[] = [];
  await network.provider.send("evm_setAutomine", [false]);
  for (let i = 0; i < N; i++) {
    const w = new Wallet(ethers.id(`t${i}`), ethers.provider);
    await network.provider.send("hardhat_setBalance", [w.address, ethers.toQuantity(ethers.parseEther("1000000"))]);
    ops.push(w);
    r.connect(w).registerSequencer("enode://x", "0x02" + "ab".repeat(32), "0x", {
      value: ethers.parseEther(String(100 + (i % 100) * 5)),
      nonce: 0,
      gasLimit: 1_000_000,
    });
    if (i % 200 === 199) {
      await new Promise((res) => setTimeout(res, 50));
      await network.provider.send("hardhat_mine", ["0x1"]);
    }
  }
  await new Promise((res) => setTimeout(res, 200));
  while (Number(await network.provider.send("eth_getBlockTransactionCountByNumber", ["pending"])) > 0)
    await network.provider.send("hardhat_mine", ["0x1"]);
  await network.provider.send("evm_setAutomine", [true]);
  const op = ops[Math.floor(N / 2)];
  const id = await r.sequencerIdOf(op.address);
  const reporter = new Wallet(ethers.id("reporter"), ethers.provider);
  await network.provider.send("hardhat_setBalance", [reporter.address, "0xffffffffffffffffffff"]);
  const { chainId } = await ethers.provider.getNetwork();
  const slot = await r.currentSlot();
  const evidence = await buildEquivocationProof(op, await r.getAddress(), chainId, id, slot, ethers.id("a"), ethers.id("b"));
  const tx = await r.connect(reporter).reportMisbehavior(id, evidence);
  const rc = await tx.wait();
  console.log("N", N, "gasUsed", rc!.gasUsed.toString(), "calldata bytes", (tx.data.length - 2) / 2);
  const trace = await network.provider.send("debug_traceTransaction", [
    tx.hash,
    { disableMemory: true, disableStack: false, disableStorage: true },
  ]);
  const by: Record<string, { n: number; gas: number }> = {};
  const sstores: number[] = [];
  for (const l of trace.structLogs) {
    const k = l.op;
    by[k] ??= { n: 0, gas: 0 };
    by[k].n++;
    if (!["CALL", "STATICCALL", "DELEGATECALL"].includes(k)) by[k].gas += l.gasCost;
    if (k === "SSTORE" || (k === "SLOAD" && l.gasCost > 100))
      console.log(k, l.depth, l.gasCost, l.stack[l.stack.length - 1].slice(-16), l.pc);
  }
  const rows = Object.entries(by)
    .sort((a, b) => b[1].gas - a[1].gas)
    .slice(0, 18);
  console.table(rows.map(([op, v]) => ({ op, ...v })));
  console.log("sstores", sstores.join(" "));
  const total = Object.values(by).reduce((a, v) => a + v.gas, 0);
  console.log("execution (excl. call overhead)", total, "trace gas", trace.gas);
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
