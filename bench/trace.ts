/**
 * Where the gas of the benchmarked equivocation report goes: `npm run bench:trace` (TRACE_SIZE=10000 for the
 * large set; default 10). It grows the sequencer set exactly as `npm run bench` does, sends the same report on
 * the same pool, and splits the receipt's gasUsed into intrinsic cost, storage (by variable, from the compiler's
 * storage layout), signature recovery, calls, events, hashing, other execution and the refund. The parts add up
 * to gasUsed, the refund within its cap; the script fails otherwise (CI runs it at 10 sequencers).
 */
import hre, { ethers } from "hardhat";
import type { Wallet } from "ethers";
import { deploySuite, suiteParams } from "../deploy";
import { growTo, reportEquivocation, sampledOperator } from "./network";
import { installDeterministicClock } from "./clock";

type StructLog = { op: string; gas: number; gasCost: number; depth: number; stack?: string[] };
type Variable = { label: string; slot: string; offset: number; type: string };
type Layout = { storage: Variable[]; types: Record<string, { numberOfBytes: string; members?: Variable[]; value?: string }> };

const N = Number(process.env.TRACE_SIZE ?? "10");
const SUM_TREE_SPAN = 1n << 200n; // StakeSumTree nodes sit at keccak(slot) + (level << 128 | index)

async function storageLayout(): Promise<Layout> {
  const fqn = "contracts/SequencerRegistry.sol:SequencerRegistry";
  const info = await hre.artifacts.getBuildInfo(fqn);
  const layout = (info?.output.contracts["contracts/SequencerRegistry.sol"]?.SequencerRegistry as { storageLayout?: Layout })
    ?.storageLayout;
  if (!layout) throw new Error("no storage layout in the build info: is storageLayout in the compiler's outputSelection?");
  return layout;
}

const mappingKey = (key: string | bigint, slot: bigint, keyType: "address" | "uint256") =>
  BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode([keyType, "uint256"], [key, slot])));

/** Variables by slot: "a + b" when they share one, struct members when a struct spans several. */
function slotNames(layout: Layout, type: string, base = 0n, prefix = ""): Map<bigint, string[]> {
  const out = new Map<bigint, string[]>();
  const put = (slot: bigint, name: string) => (out.get(slot) ?? out.set(slot, []).get(slot)!).push(name);
  const members = type ? layout.types[type].members! : layout.storage;
  for (const v of members) {
    const slot = base + BigInt(v.slot);
    const inner = layout.types[v.type];
    if (inner?.members && Number(inner.numberOfBytes) > 32) {
      for (const [k, names] of slotNames(layout, v.type, slot, `${v.label}.`)) for (const n of names) put(k, n);
    } else put(slot, prefix + v.label);
  }
  return out;
}

const joined = (names: string[]) => (names.length > 3 ? `${names.slice(0, 2).join(", ")} and ${names.length - 2} more` : names.join(", "));

/** Names the storage keys the report can touch. */
function labeller(layout: Layout, operators: Wallet[], targetId: bigint, operator: string, reporter: string) {
  const slotOf = (label: string) => BigInt(layout.storage.find((v) => v.label === label)!.slot);
  const names = new Map<bigint, string>();
  for (const [slot, labels] of slotNames(layout, "")) names.set(slot, joined(labels));

  const sequencers = slotOf("_sequencers");
  const record = layout.storage.find((v) => v.label === "_sequencers")!.type;
  const fields = slotNames(layout, layout.types[record].value!);
  for (let id = 1n; id <= BigInt(operators.length); id++) {
    const base = mappingKey(id, sequencers, "uint256");
    const who = id === targetId ? "reported sequencer" : "neighbouring sequencers";
    for (const [k, f] of fields) names.set(base + k, `${who} (${joined(f)})`);
  }
  for (const w of operators)
    names.set(mappingKey(w.address, slotOf("_operators"), "address"), "operator record (id, Active bit: the prover view)");
  names.set(mappingKey(reporter, slotOf("_balances"), "address"), "reporter's withdrawable balance");
  const position = mappingKey(operator, mappingKey(targetId, slotOf("_positions"), "uint256"), "address");
  names.set(position, "operator's position (ejection check)");
  names.set(position + 1n, "operator's position (ejection check)");
  const sumTreeBase = BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [slotOf("_weights")])));
  const perfNodes = slotOf("_performance") + 1n;
  const leaf = targetId - 1n;
  for (let level = 1n; level <= 9n; level++) {
    names.set(mappingKey((level << 128n) | (leaf >> (2n * level)), perfNodes, "uint256"), `performance tree, level ${level}`);
  }
  return (key: bigint): string => {
    const direct = names.get(key);
    if (direct) return direct;
    if (key >= sumTreeBase && key - sumTreeBase < SUM_TREE_SPAN) return `stake sum tree, level ${(key - sumTreeBase) >> 128n}`;
    return `other (0x${key.toString(16).slice(0, 8)}…)`;
  };
}

/** The n-th word from the top of a step's stack (Hardhat prints them as hex, without 0x). */
function word(stack: string[] | undefined, n: number): bigint {
  const v = stack?.[stack.length - n];
  if (v === undefined) return 0n;
  return BigInt(v.startsWith("0x") ? v : `0x${v}`);
}

/** Gas each step consumed, a call counted whole (its own overhead plus everything inside it). */
function consumed(logs: StructLog[], i: number): number {
  const { op, depth, gas } = logs[i];
  if (!["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"].includes(op)) return logs[i].gasCost;
  for (let j = i + 1; j < logs.length; j++) if (logs[j].depth === depth) return gas - logs[j].gas;
  return logs[i].gasCost;
}

async function main() {
  const [governance] = await ethers.getSigners();
  await installDeterministicClock(); // as the bench: the same blocks, so the same figure
  const suite = await deploySuite(
    hre,
    suiteParams({
      monitors: [governance.address],
      registry: { config: { maxSequencers: 20_000n } },
      monitor: { ...suiteParams().monitor, reporters: [governance.address] },
    }),
  );
  const operators: Wallet[] = [];
  await growTo(suite, operators, N);
  const operator = sampledOperator(operators, N);
  const id = await suite.registry.sequencerIdOf(operator.address);

  const tx = await reportEquivocation(suite, operator);
  const receipt = (await tx.wait())!;
  const name = labeller(await storageLayout(), operators, id, operator.address, tx.from);
  const trace = (await ethers.provider.send("debug_traceTransaction", [tx.hash, { disableMemory: true, disableStorage: true }])) as {
    structLogs: StructLog[];
  };
  const logs = trace.structLogs;

  const parts = new Map<string, number>();
  const add = (part: string, gas: number) => parts.set(part, (parts.get(part) ?? 0) + gas);
  const data = ethers.getBytes(tx.data);
  const calldata = data.reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0);
  add("intrinsic: base transaction", 21_000);
  add(`intrinsic: calldata (${data.length} bytes)`, calldata);

  // Own cost of each call-family step: the whole call minus what its callee's steps are charged below.
  const inner = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < logs.length; i++) {
    while (open.length && logs[open[open.length - 1]].depth >= logs[i].depth) open.pop();
    const parent = open[open.length - 1];
    if (parent !== undefined && logs[i].depth === logs[parent].depth + 1) inner.set(parent, (inner.get(parent) ?? 0) + consumed(logs, i));
    if (["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"].includes(logs[i].op)) open.push(i);
  }
  for (let i = 0; i < logs.length; i++) {
    const { op, stack } = logs[i];
    const top = word(stack, 1);
    if (op === "SLOAD" || op === "SSTORE") {
      add(`storage: ${name(top)}`, logs[i].gasCost);
    } else if (op === "STATICCALL" || op === "CALL" || op === "DELEGATECALL") {
      const target = word(stack, 2);
      const own = consumed(logs, i) - (inner.get(i) ?? 0);
      if (target === 1n) add("signature recovery (ecrecover precompile)", own);
      else if (op === "DELEGATECALL") add("linked library call (EquivocationLib)", own);
      else if (op === "CALL" && word(stack, 3) !== 0n) add("value transfer", own);
      else add(`call to 0x${target.toString(16)}`, own);
    } else if (op.startsWith("LOG")) add("events", logs[i].gasCost);
    else if (op === "KECCAK256") add("hashing", logs[i].gasCost);
    else add("other execution (stack, memory, jumps, arithmetic)", logs[i].gasCost);
  }
  const charged = [...parts.values()].reduce((a, b) => a + b, 0);
  const gasUsed = Number(receipt.gasUsed);
  add("refund (storage cleared)", gasUsed - charged);
  if (gasUsed > charged) throw new Error(`the parts (${charged}) are below gasUsed (${gasUsed}): a step is not counted`);
  // EIP-3529: the refund is at most a fifth of the gas spent. More would mean a step counted twice.
  if (charged - gasUsed > Math.floor(charged / 5))
    throw new Error(`the parts (${charged}) exceed gasUsed (${gasUsed}) by more than a refund can`);

  console.log(`Equivocation report on sequencer #${id} of ${N}: ${gasUsed} gas\n`);
  console.table([...parts.entries()].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).map(([part, gas]) => ({ part, gas })));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
