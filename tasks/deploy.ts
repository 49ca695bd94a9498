import fs from "node:fs";
import path from "node:path";
import { types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Result } from "ethers";
import {
  deployWithIgnition,
  ignitionJournalDir,
  journalMatchesChain,
  parameterDiff,
  ParametersChangedError,
  StepsDroppedError,
  PreviousRunError,
} from "../deploy/ignition";
import { wiringTable, type WiringFact } from "../deploy/wiring";
import { roleHolders } from "../deploy/roles";
import { paramsFromJson, type SuiteParams } from "../deploy/params";
import { readDeployment, writeDeployment, deploymentPath, toJson, type DeploymentRecord } from "../deploy/record";
import { lp504, PLUGIN, chainTarget, attachRecord, signerFrom, withDecodedErrors } from "./lp504";

/** The parameter file of a network: `deploy/params/<network>.json` unless `--params` names another. */
export function loadParams(hre: HardhatRuntimeEnvironment, file?: string): { params: SuiteParams; file: string } {
  const resolved = file ?? path.join(__dirname, "..", "deploy", "params", `${hre.network.name}.json`);
  if (!fs.existsSync(resolved)) {
    throw new HardhatPluginError(PLUGIN, `no parameter file ${resolved}: write one (see deploy/params/*.json) or pass --params`);
  }
  try {
    return { params: paramsFromJson(JSON.parse(fs.readFileSync(resolved, "utf8"))), file: resolved };
  } catch (error) {
    throw new HardhatPluginError(PLUGIN, `${resolved}: ${(error as Error).message}`);
  }
}

lp504
  .task(
    "deploy",
    "Deploys and wires the whole suite from deploy/params/<network>.json through the Ignition module ignition/modules/LP504.ts " +
      "(journaled: a rerun resumes), then writes the deployment record; any chain but a development node is live",
  )
  .addOptionalParam("params", "Parameter file (default deploy/params/<network>.json)")
  .addOptionalParam("from", "Deployer: account index or address", "0")
  .addFlag("fresh", "Ignore this chain's existing record and Ignition journal and deploy anew (both are kept, renamed with the time)")
  .addFlag(
    "activateNow",
    'On a live chain, accept "activationBlock": 0 (decentralized sequencing from the first block) instead of refusing it',
  )
  .setAction(async (args: { params?: string; from: string; fresh: boolean; activateNow?: boolean }, hre) => {
    const { params, file } = loadParams(hre, args.params);
    // Live unless the node demonstrably is a development node: the network's name decides nothing.
    const target = await chainTarget(hre);
    const { chainId, dir, local } = target;
    const deployer = await signerFrom(hre, args.from);
    const deployerAddress = await deployer.getAddress();
    if (!local) {
      if (!params.governance) {
        throw new HardhatPluginError(
          PLUGIN,
          `chain ${chainId} is live (${target.reason}) and ${file} sets no "governance": a live deployment must hand its roles to a multisig or timelock`,
        );
      }
      if (params.governance.toLowerCase() === deployerAddress.toLowerCase()) {
        throw new HardhatPluginError(
          PLUGIN,
          `chain ${chainId} is live (${target.reason}) and ${file} names the deployer ${deployerAddress} as "governance": the deployer must hand over its roles and renounce them`,
        );
      }
      // The specification's activation: the L2 switches from its L1 fallback to the set at a block its operators chose.
      if (params.registry.parameters.activationBlock === 0n && !args.activateNow) {
        throw new HardhatPluginError(
          PLUGIN,
          `chain ${chainId} is live (${target.reason}) and ${file} sets registry.parameters.activationBlock to 0: ` +
            `set the block from which the sequencer set replaces the L1 fallback, or pass --activate-now to start at once`,
        );
      }
    }
    const out = deploymentPath(chainId, dir);
    const journal = ignitionJournalDir(hre, chainId, dir);
    const rel = (p: string) => path.relative(process.cwd(), p);
    const aside = (p: string) => {
      const moved = p.replace(/(\.json)?$/, `.${Date.now()}$1`);
      fs.renameSync(p, moved);
      console.log(`  moved ${rel(p)} aside to ${rel(moved)}`);
    };
    if (args.fresh) {
      for (const p of [out, journal]) if (fs.existsSync(p)) aside(p);
    } else if (fs.existsSync(journal) && !(await journalMatchesChain(hre, journal))) {
      // A development node restarted since: its journal describes a chain that is gone.
      if (!local) {
        throw new HardhatPluginError(
          PLUGIN,
          `the Ignition journal ${rel(journal)} names contracts chain ${chainId} does not have: is this the chain it was made on? (--fresh starts anew)`,
        );
      }
      console.log(`  the contracts of ${rel(journal)} are not on this development node (restarted since?): deploying anew`);
      for (const p of [out, journal]) if (fs.existsSync(p)) aside(p);
    } else if (!fs.existsSync(journal) && readDeployment(chainId, dir)) {
      throw new HardhatPluginError(
        PLUGIN,
        `${rel(out)} was made without an Ignition journal (${rel(journal)}): \`lp504 check\` reads it; pass --fresh to deploy anew`,
      );
    }
    console.log(
      `LP-504 deploy to ${hre.network.name} (chain ${chainId}, ${local ? "development node" : "LIVE chain"}: ${target.reason}) ` +
        `from ${deployerAddress} with ${rel(file)} through Ignition; journal: ${rel(journal)}${fs.existsSync(journal) ? " (resuming)" : ""}`,
    );
    // A refusal of changed parameters is answered below, outside the revert decoding.
    let changed: ParametersChangedError | undefined;
    let refused: StepsDroppedError | PreviousRunError | undefined;
    let deployment;
    try {
      deployment = await withDecodedErrors(hre, "deployment", () =>
        deployWithIgnition(hre, params, { journal, deployer, development: local }).catch((error) => {
          if (error instanceof StepsDroppedError || error instanceof PreviousRunError) {
            refused = error;
            return undefined;
          }
          if (!(error instanceof ParametersChangedError)) throw error;
          changed = error;
          return undefined;
        }),
      );
    } catch (error) {
      throw new HardhatPluginError(
        PLUGIN,
        `${(error as Error).message}\nFix the cause and rerun \`lp504 deploy\`: Ignition resumes from the journal ${rel(journal)}.`,
      );
    }
    if (refused) throw new HardhatPluginError(PLUGIN, refused.message);
    if (!deployment) {
      const recorded = readDeployment(chainId, dir);
      const diff = recorded ? parameterDiff(recorded.params, toJson(params)) : [];
      throw new HardhatPluginError(
        PLUGIN,
        `${rel(file)} does not match the deployment in ${rel(journal)}:\n${changed?.message}` +
          (diff.length ? `\nChanged since ${rel(out)}:\n  ${diff.join("\n  ")}` : "") +
          "\nRestore the parameters to continue that deployment, or pass --fresh to deploy anew.",
      );
    }
    const { record, transactions, unheld } = deployment;
    writeDeployment(record, dir);
    for (const [name, c] of Object.entries(record.contracts)) console.log(`  ${name.padEnd(22)} ${c!.address} (block ${c!.blockNumber})`);
    for (const fact of unheld) console.log(`  does not hold: ${fact}`);
    // The one fact a deployment leaves for someone else: governance accepting the Chainlink adapter's ownership.
    const broken = unheld.filter((fact) => !fact.startsWith("chainlink adapter: owned by governance"));
    if (broken.length) {
      throw new HardhatPluginError(
        PLUGIN,
        `${broken.length} wiring fact(s) do not hold on chain (changed since the deployment?); Ignition does not resend a step ` +
          `it executed, so fix them by hand and run \`lp504 check\`. Record: ${rel(out)}`,
      );
    }
    console.log(
      transactions === 0
        ? `Nothing to do: the deployment in ${rel(journal)} is complete. Record: ${rel(out)}`
        : `Done: ${transactions} transactions. Record: ${rel(out)}`,
    );
    return { transactions, record: out, unheld };
  });

export interface Check {
  /**
   * Code at a recorded address, an entry of the wiring table, the role holders of an AccessControl contract
   * (read from its logs) against the table's, a deployed parameter, or a fact of the record.
   */
  kind: "code" | "wiring" | "role-holders" | "parameter" | "record";
  what: string;
  ok: boolean;
  detail?: string;
}

/**
 * A deployment read back from the chain: code at every address, every entry of the wiring table, the holders of
 * every role of every AccessControl contract (folded from its logs since its deployment block) against the
 * table's grants, and the parameters against the record's.
 */
export async function checkDeployment(hre: HardhatRuntimeEnvironment, record: DeploymentRecord): Promise<Check[]> {
  const checks: Check[] = [];
  const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  for (const [name, entry] of Object.entries(record.contracts)) {
    const code = await hre.ethers.provider.getCode(entry!.address);
    checks.push({ kind: "code", what: `${name} has code at ${entry!.address}`, ok: code !== "0x" });
  }
  const governance = record.governance;
  const deployer = record.deployer;
  // A record the deploy task made on a live chain: the deployer must have handed over (and renounced, in the table).
  if (record.development === false) {
    checks.push({
      kind: "record",
      what: `live chain: governance ${governance} is not the deployer ${deployer}`,
      ok: !eq(governance, deployer),
    });
  }
  const suite = await attachRecord(hre, record);
  const { registry, selection, scheduler } = suite;
  const suiteParams = paramsFromJson(record.params as Record<string, unknown>);
  const table = await wiringTable(suite, { governance, deployer, params: suiteParams });
  for (const fact of table) {
    const { ok, detail } = await fact.holds();
    checks.push({ kind: "wiring", what: fact.label, ok, detail });
  }

  // Role holders: every (role, account) an AccessControl contract of the record grants today, from its logs,
  // must be one the table grants. A pair the table says must not be held (a renunciation) is its entry's line.
  const latest = await hre.ethers.provider.getBlockNumber();
  for (const [name, entry] of Object.entries(record.contracts)) {
    const contract = await hre.ethers.getContractAt(name, entry!.address);
    if (!contract.interface.getFunction("hasRole")) continue;
    // The roles' names, from the contract's `*_ROLE()` constants.
    const constants: string[] = [];
    contract.interface.forEachFunction((f) => {
      if (/_ROLE$/.test(f.name) && f.inputs.length === 0) constants.push(f.name);
    });
    const roleName = new Map<string, string>();
    for (const fn of constants) roleName.set(await contract.getFunction(fn)(), fn);
    const named = (fact: WiringFact, role: string, account: string) =>
      !!fact.role && eq(fact.role.contract, entry!.address) && fact.role.role === role && eq(fact.role.account, account);
    const since = `logs since block ${entry!.blockNumber}`;
    let holders;
    try {
      holders = await roleHolders(contract, entry!.blockNumber, latest);
    } catch (error) {
      checks.push({
        kind: "role-holders",
        what: `${name}: role holders read from the ${since}`,
        ok: false,
        detail: (error as Error).message,
      });
      continue;
    }
    const unexpected = holders.filter(({ role, account }) => !table.some((fact) => named(fact, role, account)));
    if (unexpected.length === 0) {
      checks.push({
        kind: "role-holders",
        what: `${name}: every one of the ${holders.length} role holders (${since}) is the wiring table's`,
        ok: true,
      });
    }
    for (const { role, account } of unexpected) {
      const whom = eq(account, deployer) ? `the deployer ${account}` : eq(account, governance) ? `governance ${account}` : account;
      checks.push({
        kind: "role-holders",
        what: `${name}: ${roleName.get(role) ?? role} held by ${whom}`,
        ok: false,
        detail: "unexpected holder: no entry of the wiring table grants it",
      });
    }
  }

  // Parameters: what the chain holds against what the record says was deployed (the selection mode and the
  // dispute terms are set by wiring transactions, so they are entries of the table above).
  const parameter = (what: string, ok: boolean, detail?: string) => checks.push({ kind: "parameter", what, ok, detail });
  const p = record.params as {
    registry: { config: Record<string, string>; parameters: Record<string, string> };
    selection: Record<string, string | number[]>;
    scheduler: Record<string, string>;
  };
  const config = await registry.getConfig();
  for (const key of Object.keys(p.registry.config).filter((k) => k !== "selectionMode")) {
    const onChain = (config as unknown as Record<string, bigint>)[key];
    parameter(
      `registry config ${key} = ${p.registry.config[key]}`,
      String(onChain) === String(p.registry.config[key]),
      `on chain ${onChain}`,
    );
  }
  const parameters = await registry.getParameters();
  for (const key of Object.keys(p.registry.parameters).filter((k) => k !== "fallbackSequencer")) {
    const onChain = (parameters as unknown as Record<string, bigint | string>)[key];
    const want = p.registry.parameters[key];
    const ok = typeof onChain === "string" ? eq(onChain, String(want)) : String(onChain) === String(want);
    parameter(`registry parameter ${key} = ${want}`, ok, `on chain ${onChain}`);
  }
  const fallback = (p.registry.parameters as Record<string, string>).fallbackSequencer ?? governance;
  parameter(`registry fallback sequencer = ${fallback}`, eq(parameters.fallbackSequencer, fallback));
  const sel = await selection.getParameters();
  for (const key of ["minScore", "auctionWinners", "turnsPerAuction", "minBid"]) {
    const onChain = (sel as unknown as Record<string, bigint>)[key];
    parameter(`selection ${key} = ${p.selection[key]}`, String(onChain) === String(p.selection[key]), `on chain ${onChain}`);
  }
  // The auction proceeds' recipient (default governance) and the hybrid weights: set at construction, governed since.
  const recipient = suiteParams.selection.rewardsRecipient ?? governance;
  parameter(`selection rewardsRecipient = ${recipient}`, eq(sel.rewardsRecipient, recipient), `on chain ${sel.rewardsRecipient}`);
  const auction = await selection.auctionParameters();
  const wantAuction = {
    bond: p.selection.auctionBond,
    revealPeriod: p.selection.revealPeriod,
    disputePeriod: p.selection.disputePeriod,
    capWins: p.selection.capWins,
    capWindow: p.selection.capWindow,
  };
  for (const [key, want] of Object.entries(wantAuction)) {
    const onChain = (auction as unknown as Record<string, bigint>)[key];
    parameter(`selection auction ${key} = ${want}`, String(onChain) === String(want), `on chain ${onChain}`);
  }
  const weights = suiteParams.selection.hybridWeights.join(", ");
  const weightsOnChain = sel.hybridWeights.join(", ");
  parameter(`selection hybridWeights = [${weights}]`, weights === weightsOnChain, `on chain [${weightsOnChain}]`);
  /** Every field of a struct read from the chain against the same-named parameter of the record. */
  const compare = (section: string, want: object, onChain: Record<string, bigint>) => {
    for (const [key, value] of Object.entries(onChain)) {
      const recorded = (want as Record<string, bigint | undefined>)[key];
      parameter(`${section} ${key} = ${recorded}`, value === recorded, `on chain ${value}`);
    }
  };
  // The monitor's parameters and SLA, and the MEV settings: constructor arguments governance may change since.
  const fields = (struct: object) => (struct as Result).toObject() as Record<string, bigint>;
  compare("monitor", suiteParams.monitor, fields(await suite.monitor.getParameters()));
  compare("monitor SLA", suiteParams.monitor.sla, fields(await suite.monitor.getSLA()));
  const mev = await suite.mev.configuration();
  compare("mev", suiteParams.mev, { revealWindow: mev.revealWindow, squaringsPerSecond: mev.squaringsPerSecond });
  const randomness = suiteParams.randomness;
  if (randomness.kind === "beacon" && suite.beacon) {
    compare("beacon", { roundTimeout: randomness.roundTimeout }, { roundTimeout: await suite.beacon.roundTimeout() });
  }
  const schedulerParams = {
    startWindow: await scheduler.startWindow(),
    acceptanceWindow: await scheduler.acceptanceWindow(),
    deadlinePenaltyBps: await scheduler.deadlinePenaltyBps(),
  };
  for (const [key, onChain] of Object.entries(schedulerParams)) {
    parameter(`scheduler ${key} = ${p.scheduler[key]}`, String(onChain) === String(p.scheduler[key]), `on chain ${onChain}`);
  }
  return checks;
}

lp504
  .task(
    "check",
    "Reads the chain's deployment record (deployments/<chainId>.json, deployments/local/ for a development node) and asserts the wiring (code, addresses, roles, parameters) on chain",
  )
  .setAction(async (_args, hre) => {
    const { chainId, dir, local } = await chainTarget(hre);
    const record = readDeployment(chainId, dir);
    if (!record) throw new HardhatPluginError(PLUGIN, `no deployment for chain ${chainId} (${deploymentPath(chainId, dir)})`);
    const checks = await withDecodedErrors(hre, "check", () => checkDeployment(hre, record));
    if (record.development !== undefined) {
      checks.push({
        kind: "record",
        what: `the record was made on a ${local ? "development node" : "live chain"}, as this chain is`,
        ok: record.development === local,
      });
    }
    for (const c of checks) console.log(`${c.ok ? "ok  " : "FAIL"} ${c.what}${!c.ok && c.detail ? ` (${c.detail})` : ""}`);
    const failed = checks.filter((c) => !c.ok);
    if (!record.complete) failed.push({ kind: "record", what: "the record is marked complete", ok: false });
    if (failed.length) throw new HardhatPluginError(PLUGIN, `${failed.length} of ${checks.length} checks failed on chain ${chainId}`);
    console.log(`All ${checks.length} checks passed on chain ${chainId}.`);
    return checks.length;
  });

lp504
  .task("verify", "Submits every contract of the chain's deployment record to the block explorer for verification")
  .setAction(async (_args, hre) => {
    const target = await chainTarget(hre);
    const { chainId, dir } = target;
    if (target.local) {
      throw new HardhatPluginError(
        PLUGIN,
        `chain ${chainId} is a development node (${target.reason}): its contracts exist on no explorer, and a local chain ` +
          "using a live chain's id must never be submitted as that chain's",
      );
    }
    const record = readDeployment(chainId, dir);
    if (!record) throw new HardhatPluginError(PLUGIN, `no deployment for chain ${chainId} (${deploymentPath(chainId, dir)})`);
    if (record.development) throw new HardhatPluginError(PLUGIN, `${deploymentPath(chainId, dir)} is a development node's record`);
    for (const [name, entry] of Object.entries(record.contracts)) {
      console.log(`Verifying ${name} at ${entry!.address}…`);
      try {
        await hre.run("verify:verify", {
          address: entry!.address,
          contract: `contracts/${name.endsWith("Lib") ? "libraries/" : ""}${name}.sol:${name}`,
          constructorArguments: entry!.constructorArgs,
          libraries: entry!.libraries ?? {},
        });
      } catch (error) {
        const message = (error as Error).message;
        if (/already verified/i.test(message)) console.log("  already verified");
        else throw new HardhatPluginError(PLUGIN, `verification of ${name} failed: ${message}`);
      }
    }
  });
