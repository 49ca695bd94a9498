/**
 * The main job: deploys the LP-504 suite on the built-in Hardhat network through deploy/ and simulates a
 * sequencer network: a dozen sequencers with different stakes and delegations, rotation through several
 * periods with fees paid to each turn's sequencer, an equivocation proven from two conflicting signed block
 * commitments, the slash it causes, and a readable summary.
 *
 *   npm run demo
 */
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySuite, suiteParams, SequencerStatus } from "../deploy";
import { buildEquivocationProof } from "../sdk";

const fmt = (wei: bigint) => Number(ethers.formatEther(wei)).toLocaleString("en-US", { maximumFractionDigits: 3 });
const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;

async function main() {
  const signers = await ethers.getSigners();
  const [governance, watcher, ...rest] = signers;
  const operators = rest.slice(0, 12);
  const delegators = rest.slice(12, 20);
  const { chainId } = await ethers.provider.getNetwork();

  console.log("LP-504 demo: deploying the suite on the built-in Hardhat network (shanghai)…");
  const suite = await deploySuite(hre, suiteParams({ monitors: [governance.address] }));
  const registry = suite.registry;
  const registryAddress = await registry.getAddress();
  const config = await registry.getConfig();
  const deployed: [string, { getAddress(): Promise<string> } | undefined][] = [
    ["SequencerRegistry", registry],
    ["RegistryParametersLib", suite.registryParametersLib],
    ["EquivocationLib", suite.equivocationLib],
    ["SelectionMechanisms", suite.selection],
    ["VRFBeacon", suite.beacon],
    ["MEVMitigation", suite.mev],
    ["PerformanceMonitor", suite.monitor],
    ["AIScheduler", suite.scheduler],
    ["TrainingCoordinator", suite.training],
  ];
  for (const [name, contract] of deployed) if (contract) console.log(`  ${name.padEnd(22)} ${await contract.getAddress()}`);
  console.log(
    `  minStake ${fmt(config.minStake)} LUX · rotation every ${config.rotationPeriod} s · exit delay ${Number(config.exitDelay) / 86400} days · equivocation slash ${Number(config.slashingPercentage) / 100}%\n`,
  );

  // 1. A dozen sequencers with different stakes (the spec's 100,000-LUX stake among them).
  const stakes = [100_000, 250, 5_000, 1_200, 40_000, 800, 12_000, 300, 2_500, 65_000, 150, 9_000];
  console.log("Registering 12 sequencers…");
  for (let i = 0; i < operators.length; i++) {
    await (
      await registry
        .connect(operators[i])
        .registerSequencer(`enode://seq${i + 1}@10.0.0.${i + 1}:30303`, ethers.hexlify(ethers.randomBytes(33)), ethers.toUtf8Bytes(`{"region":"r${i % 4}"}`), {
          value: ethers.parseEther(String(stakes[i])),
        })
    ).wait();
  }
  // 2. Delegations: eight delegators back some of them (capped at 10 × the operator's stake).
  const delegations: [number, number, number][] = [
    [0, 1, 50_000], [1, 3, 4_000], [2, 5, 2_000], [3, 7, 6_000],
    [4, 10, 100_000], [5, 2, 1_000], [6, 5, 3_000], [7, 12, 20_000],
  ];
  for (const [d, seq, amount] of delegations) {
    await (await registry.connect(delegators[d]).delegateStake(seq, { value: ethers.parseEther(String(amount)) })).wait();
  }
  console.log(`  ${await registry.activeSequencerCount()} active, total weight ${fmt((await registry.totalActiveWeight()) * (await registry.WEIGHT_UNIT()))} LUX\n`);

  // 3. Rotation through several periods; each turn's sequencer earns fees for its pool.
  const periods = 14;
  console.log(`Rotating through ${periods} periods (round-robin), paying 10 LUX of fees to each turn's sequencer…`);
  const turns = new Map<string, number>();
  const log: string[] = [];
  for (let p = 0; p < periods; p++) {
    const active = await registry.getActiveSequencer();
    const id = await registry.sequencerIdOf(active);
    turns.set(active, (turns.get(active) ?? 0) + 1);
    await (await registry.connect(watcher).distributeRewards(id, { value: ethers.parseEther("10") })).wait();
    await time.increase(config.rotationPeriod);
    await (await registry.rotateSequencer()).wait();
    log.push(`#${id}`);
  }
  console.log(`  turns: ${log.join(" → ")} → #${await registry.currentSequencerId()}\n`);

  // 4. Sequencer 10 equivocates: it signs two different blocks for the same slot. A watcher proves it.
  const cheaterId = 10n;
  const cheater = operators[9];
  const slot = await registry.currentSlot();
  const before = await registry.getSequencer(cheaterId);
  const blockA = ethers.id("L2 block 7,001 (honest)");
  const blockB = ethers.id("L2 block 7,001 (reordered)");
  const evidence = await buildEquivocationProof(cheater, registryAddress, chainId, cheaterId, slot, blockA, blockB);
  console.log(`Sequencer #${cheaterId} (${short(cheater.address)}) signs two block commitments for slot ${slot}:`);
  console.log(`  ${blockA}\n  ${blockB}`);
  const receipt = await (await registry.connect(watcher).reportMisbehavior(cheaterId, evidence)).wait();
  const proven = receipt!.logs.map((l) => registry.interface.parseLog(l)).find((e) => e?.name === "EquivocationProven")!;
  const after = await registry.getSequencer(cheaterId);
  const pool = await registry.getPool(cheaterId);
  console.log(`  watcher ${short(watcher.address)} proves the equivocation (gas ${receipt!.gasUsed}):`);
  console.log(`  slashed ${fmt(proven.args.slashed)} LUX (${Number(config.slashingPercentage) / 100}% of the pool), reporter reward ${fmt(proven.args.reporterReward)} LUX`);
  console.log(`  own stake ${fmt(before.stake)} → ${fmt(after.stake)} LUX, delegated ${fmt(before.delegatedStake)} → ${fmt(after.delegatedStake)} LUX`);
  console.log(`  status ${SequencerStatus[Number(before.status)]} → ${SequencerStatus[Number(after.status)]}; pool now ${fmt(pool.bondedStake)} LUX`);
  try {
    await registry.connect(watcher).reportMisbehavior.staticCall(cheaterId, evidence);
  } catch (e) {
    const err = registry.interface.parseError((e as { data: string }).data);
    console.log(`  replaying the same proof is rejected: ${err?.name}\n`);
  }

  // 5. Summary.
  console.log("Sequencer set after the demo:");
  const rows = [];
  const total = await registry.totalSequencers();
  const weightTotal = await registry.totalActiveWeight();
  for (let id = 1n; id <= total; id++) {
    const info = await registry.getSequencer(id);
    const weight = await registry.weightOf(id);
    rows.push({
      id: Number(id),
      operator: short(info.operator),
      "own stake": fmt(info.stake),
      delegated: fmt(info.delegatedStake),
      status: SequencerStatus[Number(info.status)],
      "weight %": weightTotal === 0n ? "0" : ((Number(weight) / Number(weightTotal)) * 100).toFixed(2),
      turns: turns.get(info.operator) ?? 0,
      "op. rewards": fmt((await registry.pendingRewards(id, info.operator)) + (await registry.withdrawableBalance(info.operator))),
    });
  }
  console.table(rows);
  const balance = await ethers.provider.getBalance(registryAddress);
  console.log(`Active sequencer now:   ${await registry.getActiveSequencer()} (#${await registry.currentSequencerId()})`);
  console.log(`Active set:             ${await registry.activeSequencerCount()} of ${total} registered`);
  console.log(`Insurance fund:         ${fmt(await registry.insuranceFund())} LUX (1% of fees + slashes less reporter rewards)`);
  console.log(`Watcher's balance:      ${fmt(await registry.withdrawableBalance(watcher.address))} LUX withdrawable`);
  console.log(`Registry holds:         ${fmt(balance)} LUX, all of it owed to stakers, delegators, the fund and reward holders`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
