import fs from "node:fs";
import path from "node:path";
import { types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { deploySuite } from "../deploy/suite";
import { paramsFromJson, type SuiteParams } from "../deploy/params";
import { readDeployment, writeDeployment, deploymentPath, type DeploymentRecord } from "../deploy/record";
import { lp504, PLUGIN, chainTarget, attachSuite, signerFrom, withDecodedErrors } from "./lp504";

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
    "Deploys and wires the whole suite from deploy/params/<network>.json; resumable and idempotent; any chain but a development node is live",
  )
  .addOptionalParam("params", "Parameter file (default deploy/params/<network>.json)")
  .addOptionalParam("from", "Deployer: account index or address", "0")
  .addFlag("fresh", "Ignore an existing deployment record of this chain and deploy anew (the old record is kept as <chainId>.<time>.json)")
  .setAction(async (args: { params?: string; from: string; fresh: boolean }, hre) => {
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
    }
    let resume = readDeployment(chainId, dir);
    if (resume && args.fresh) {
      const old = deploymentPath(chainId, dir);
      fs.renameSync(old, old.replace(/\.json$/, `.${Date.now()}.json`));
      resume = undefined;
    }
    const out = deploymentPath(chainId, dir);
    console.log(
      `LP-504 deploy to ${hre.network.name} (chain ${chainId}, ${local ? "development node" : "LIVE chain"}: ${target.reason}) ` +
        `from ${deployerAddress} with ${path.relative(process.cwd(), file)}` +
        (resume ? `, resuming ${path.relative(process.cwd(), out)}` : `; record: ${path.relative(process.cwd(), out)}`),
    );
    const save = (r: DeploymentRecord) => writeDeployment({ ...r, development: local }, dir);
    const suite = await withDecodedErrors(hre, "deployment", () =>
      deploySuite(hre, params, deployer, { resume, save, log: (line) => console.log(line) }),
    );
    save(suite.record);
    console.log(
      suite.transactions === 0
        ? `Nothing to do: the deployment recorded in ${path.relative(process.cwd(), out)} is complete and wired.`
        : `Done: ${suite.transactions} transactions. Record: ${path.relative(process.cwd(), out)}`,
    );
    return { transactions: suite.transactions, record: out };
  });

interface Check {
  what: string;
  ok: boolean;
  detail?: string;
}

/** Every wiring fact of a deployment, read back from the chain. */
export async function checkDeployment(hre: HardhatRuntimeEnvironment, record: DeploymentRecord): Promise<Check[]> {
  const checks: Check[] = [];
  const expect = (what: string, ok: boolean, detail?: string) => checks.push({ what, ok, detail });
  const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  for (const [name, entry] of Object.entries(record.contracts)) {
    const code = await hre.ethers.provider.getCode(entry!.address);
    expect(`${name} has code at ${entry!.address}`, code !== "0x");
  }
  const suite = await attachSuite(hre);
  const { registry, selection, mev, training, monitor, scheduler } = suite;
  const addr = (name: keyof DeploymentRecord["contracts"]) => record.contracts[name]!.address;
  const source = record.contracts.VRFBeacon ?? record.contracts.ChainlinkVRFAdapter;
  expect("registry → selection module", eq(await registry.selectionModule(), addr("SelectionMechanisms")));
  expect("selection → randomness source", !!source && eq(await selection.randomnessSource(), source.address));
  expect("selection → registry", eq(await selection.registry(), addr("SequencerRegistry")));
  if (suite.beacon) expect("beacon → registry", eq(await suite.beacon.registry(), addr("SequencerRegistry")));
  for (const [name, c] of [
    ["mev", mev],
    ["training", training],
    ["monitor", monitor],
    ["scheduler", scheduler],
  ] as const) {
    expect(`${name} → registry`, eq(await c.registry(), addr("SequencerRegistry")));
  }
  expect("scheduler lens → scheduler", eq(await suite.schedulerLens.scheduler(), addr("AIScheduler")));

  const governance = record.governance;
  const deployer = record.deployer;
  const handedOver = !eq(governance, deployer);
  // A record the deploy task made on a live chain: the deployer must have handed over (and renounced, below).
  if (record.development === false) expect(`live chain: governance ${governance} is not the deployer ${deployer}`, handedOver);
  const r = {
    admin: await registry.DEFAULT_ADMIN_ROLE(),
    governance: await registry.GOVERNANCE_ROLE(),
    slasher: await registry.SLASHER_ROLE(),
    monitor: await registry.MONITOR_ROLE(),
  };
  const role = async (
    label: string,
    c: { hasRole(role: string, a: string): Promise<boolean> },
    roleId: string,
    who: string,
    want: boolean,
  ) => expect(`${label} ${want ? "held by" : "not held by"} ${who}`, (await c.hasRole(roleId, who)) === want);
  await role("registry admin", registry, r.admin, governance, true);
  await role("registry governance", registry, r.governance, governance, true);
  await role("registry slasher", registry, r.slasher, governance, true);
  await role("registry slasher", registry, r.slasher, addr("PerformanceMonitor"), true);
  await role("registry monitor", registry, r.monitor, addr("PerformanceMonitor"), true);
  await role("registry slasher", registry, r.slasher, addr("AIScheduler"), true);
  await role("scheduler scheduler-role", scheduler, await scheduler.SCHEDULER_ROLE(), governance, true);
  expect(
    "scheduler arbiter role administered by governance",
    (await scheduler.getRoleAdmin(await scheduler.ARBITER_ROLE())) === (await scheduler.GOVERNANCE_ROLE()),
  );
  const params = record.params as { slashers?: string[]; monitors?: string[]; monitor?: { reporters?: string[] } };
  for (const a of params.slashers ?? []) await role("registry slasher", registry, r.slasher, a, true);
  for (const a of params.monitors ?? []) await role("registry monitor", registry, r.monitor, a, true);
  for (const a of params.monitor?.reporters ?? []) await role("monitor reporter", monitor, await monitor.REPORTER_ROLE(), a, true);
  for (const [name, c] of [
    ["selection", selection],
    ["mev", mev],
    ["monitor", monitor],
    ["scheduler", scheduler],
  ] as const) {
    await role(`${name} admin`, c, r.admin, governance, true);
    await role(`${name} governance`, c, r.governance, governance, true);
  }
  if (handedOver) {
    for (const [name, c] of [
      ["registry", registry],
      ["selection", selection],
      ["mev", mev],
      ["monitor", monitor],
      ["scheduler", scheduler],
    ] as const) {
      await role(`${name} admin`, c, r.admin, deployer, false);
      await role(`${name} governance`, c, r.governance, deployer, false);
    }
  }

  // Parameters: what the chain holds against what the record says was deployed.
  const p = record.params as {
    registry: { config: Record<string, string>; parameters: Record<string, string> };
    selection: Record<string, string | number[]>;
    scheduler: Record<string, string>;
  };
  const config = await registry.getConfig();
  for (const key of Object.keys(p.registry.config)) {
    const onChain = (config as unknown as Record<string, bigint>)[key];
    expect(`registry config ${key} = ${p.registry.config[key]}`, String(onChain) === String(p.registry.config[key]), `on chain ${onChain}`);
  }
  const parameters = await registry.getParameters();
  for (const key of Object.keys(p.registry.parameters)) {
    const onChain = (parameters as unknown as Record<string, bigint | string>)[key];
    const want = p.registry.parameters[key];
    const ok = typeof onChain === "string" ? eq(onChain, String(want)) : String(onChain) === String(want);
    expect(`registry parameter ${key} = ${want}`, ok, `on chain ${onChain}`);
  }
  const fallback = (p.registry.parameters as Record<string, string>).fallbackSequencer ?? governance;
  expect(`registry fallback sequencer = ${fallback}`, eq(parameters.fallbackSequencer, fallback));
  const sel = await selection.getParameters();
  for (const key of ["minScore", "auctionWinners", "turnsPerAuction", "minBid"]) {
    const onChain = (sel as unknown as Record<string, bigint>)[key];
    expect(`selection ${key} = ${p.selection[key]}`, String(onChain) === String(p.selection[key]), `on chain ${onChain}`);
  }
  const schedulerParams = {
    startWindow: await scheduler.startWindow(),
    acceptanceWindow: await scheduler.acceptanceWindow(),
    deadlinePenaltyBps: await scheduler.deadlinePenaltyBps(),
    disputeBond: await scheduler.disputeBond(),
    arbitrationWindow: await scheduler.arbitrationWindow(),
  };
  for (const [key, onChain] of Object.entries(schedulerParams)) {
    expect(`scheduler ${key} = ${p.scheduler[key]}`, String(onChain) === String(p.scheduler[key]), `on chain ${onChain}`);
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
        what: `the record was made on a ${local ? "development node" : "live chain"}, as this chain is`,
        ok: record.development === local,
      });
    }
    for (const c of checks) console.log(`${c.ok ? "ok  " : "FAIL"} ${c.what}${!c.ok && c.detail ? ` (${c.detail})` : ""}`);
    const failed = checks.filter((c) => !c.ok);
    if (!record.complete) failed.push({ what: "the record is marked complete", ok: false });
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
