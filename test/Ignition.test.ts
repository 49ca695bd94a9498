import { expect } from "chai";
import { execFileSync } from "node:child_process";
import hre, { ethers } from "hardhat";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  deploySuite,
  paramsFromJson,
  readDeployment,
  writeDeployment,
  toJson,
  packageDeploymentsDir,
  ParameterFileError,
  type SuiteParams,
} from "../deploy";
import { deployWithIgnition, ignitionJournalDir, StepsDroppedError } from "../deploy/ignition";
import { checkDeployment } from "../tasks/deploy";

const PARAMS_DIR = path.join(__dirname, "..", "deploy", "params");
const loadFile = (network: string) => JSON.parse(fs.readFileSync(path.join(PARAMS_DIR, `${network}.json`), "utf8"));

/** Runs a task without its console output. */
async function run(task: { scope: string; task: string }, args: Record<string, unknown> = {}) {
  const { log } = console;
  console.log = () => {};
  try {
    return await hre.run(task, args);
  } finally {
    console.log = log;
  }
}

/** The RPC failing once `allowed` transactions are sent (`eth_estimateGas` precedes every transaction), during `body`. */
async function rpcFailsAfter<T>(allowed: number, body: () => Promise<T>): Promise<T> {
  const provider = hre.network.provider as unknown as { request(args: { method: string; params?: unknown[] }): Promise<unknown> };
  const { request } = provider;
  const original = request.bind(provider);
  let sent = 0;
  provider.request = async (args) => {
    if (sent >= allowed && args.method === "eth_estimateGas") throw new Error("simulated: connection lost");
    const result = await original(args);
    if (args.method === "eth_sendTransaction") sent += 1;
    return result;
  };
  try {
    return await body();
  } finally {
    provider.request = request;
  }
}

describe("Ignition: the suite deployed through ignition/modules/LP504.ts", function () {
  let dir: string;
  let previous: string | undefined;

  beforeEach(() => {
    previous = process.env.LP504_DEPLOYMENTS_DIR;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-ignition-"));
    process.env.LP504_DEPLOYMENTS_DIR = dir;
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.LP504_DEPLOYMENTS_DIR;
    else process.env.LP504_DEPLOYMENTS_DIR = previous;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** What a parameter file deploys, read back from the chain. */
  async function readBack(params: SuiteParams, addresses: Record<string, string>) {
    const registry = await ethers.getContractAt("SequencerRegistry", addresses.SequencerRegistry);
    const config = await registry.getConfig();
    const scheduler = await ethers.getContractAt("AIScheduler", addresses.AIScheduler);
    const monitor = await ethers.getContractAt("PerformanceMonitor", addresses.PerformanceMonitor);
    const mev = await ethers.getContractAt("MEVMitigation", addresses.MEVMitigation);
    const selection = await ethers.getContractAt("SelectionMechanisms", addresses.SelectionMechanisms);
    return {
      minStake: config.minStake === params.registry.config.minStake,
      selectionMode: config.selectionMode === BigInt(params.registry.config.selectionMode),
      activationBlock: (await registry.getParameters()).activationBlock === BigInt(params.registry.parameters.activationBlock),
      disputeBond: (await scheduler.disputeBond()) === params.scheduler.disputeBond,
      arbitrationWindow: (await scheduler.arbitrationWindow()) === params.scheduler.arbitrationWindow,
      slaPenaltyBps: (await monitor.getParameters()).slaPenaltyBps === params.monitor.slaPenaltyBps,
      revealWindow: (await mev.configuration()).revealWindow === params.mev.revealWindow,
      auctionBond: (await selection.auctionParameters()).bond === params.selection.auctionBond,
      lens: (await (await ethers.getContractAt("RegistryLens", addresses.RegistryLens)).registry()) === addresses.SequencerRegistry,
    };
  }

  for (const network of ["hardhat", "luxTestnet"]) {
    it(`deploys deploy/params/${network}.json: the record passes lp504 check's checks and reads back the file`, async () => {
      const signers = await ethers.getSigners();
      const json = loadFile(network);
      // The live file hands over to a separate governance, so the grants and renunciations are exercised too.
      if (network.startsWith("lux")) json.governance = signers[5].address;
      const params = paramsFromJson(json);
      const journal = ignitionJournalDir(hre, 31337, dir);
      const { record, transactions, unheld } = await deployWithIgnition(hre, params, { journal, deployer: signers[0], development: true });
      expect(unheld).to.deep.equal([]);
      writeDeployment(record, dir);
      const checks = await checkDeployment(hre, readDeployment(31337, dir)!);
      expect(checks.filter((c) => !c.ok).map((c) => c.what)).to.deep.equal([]);
      expect(checks.length).to.be.greaterThan(50);

      // The record's addresses are Ignition's (deployed_addresses.json), its parameters the file's.
      const ignitionAddresses = JSON.parse(fs.readFileSync(path.join(journal, "deployed_addresses.json"), "utf8"));
      const addresses = Object.fromEntries(Object.entries(record.contracts).map(([name, c]) => [name, c!.address]));
      expect(Object.fromEntries(Object.entries(ignitionAddresses).map(([id, a]) => [id.replace("LP504#", ""), a]))).to.deep.equal(
        addresses,
      );
      expect(record.params).to.deep.equal(toJson(params));
      expect(record.governance).to.equal(json.governance ?? signers[0].address);
      const readings = await readBack(params, addresses);
      expect(Object.entries(readings).filter(([, ok]) => !ok)).to.deep.equal([]);
      // Each contract's block and transaction are the chain's, and its recorded constructor arguments encode to the
      // ones it was deployed with (what explorer verification submits).
      for (const [name, c] of Object.entries(record.contracts)) {
        const receipt = (await ethers.provider.getTransactionReceipt(c!.transactionHash))!;
        expect([receipt.contractAddress, receipt.blockNumber], name).to.deep.equal([c!.address, c!.blockNumber]);
        const { abi } = await hre.artifacts.readArtifact(name);
        const encoded = new ethers.Interface(abi).encodeDeploy(c!.constructorArgs as unknown[]).slice(2);
        expect((await ethers.provider.getTransaction(c!.transactionHash))!.data.endsWith(encoded), name).to.equal(true);
        if (name === "SequencerRegistry" || name === "MEVMitigation") expect(encoded.length, name).to.be.greaterThan(0);
      }
      expect(record.contracts.SequencerRegistry!.libraries).to.deep.equal({
        "contracts/libraries/RegistryParametersLib.sol:RegistryParametersLib": addresses.RegistryParametersLib,
        "contracts/libraries/RegistryIndexLib.sol:RegistryIndexLib": addresses.RegistryIndexLib,
      });
      expect(transactions).to.be.greaterThan(14);

      // A rerun sends nothing; a rerun with a changed parameter is refused by Ignition, naming what changed.
      const nonce = await ethers.provider.getTransactionCount(signers[0].address);
      expect((await deployWithIgnition(hre, params, { journal, deployer: signers[0] })).transactions).to.equal(0);
      const changed = paramsFromJson({ ...json, mev: { revealWindow: 601 } });
      await expect(deployWithIgnition(hre, changed, { journal, deployer: signers[0] })).to.be.rejectedWith(/LP504#MEVMitigation/);
      expect(await ethers.provider.getTransactionCount(signers[0].address)).to.equal(nonce);
    });
  }

  it("a handed-over Chainlink deployment with accounts listed twice: one grant each, and the adapter's ownership waits for governance", async () => {
    const [deployer, slasher, reporter, , , governance] = await ethers.getSigners();
    const params = paramsFromJson({
      governance: governance.address,
      slashers: [slasher.address, governance.address, slasher.address.toLowerCase()],
      monitors: [reporter.address],
      monitor: { reporters: [reporter.address, reporter.address] },
      randomness: {
        kind: "chainlink",
        coordinator: ethers.Wallet.createRandom().address,
        subscriptionId: "1",
        keyHash: ethers.id("lp504-test-key"),
        callbackGasLimit: 200000,
        requestConfirmations: 3,
      },
    });
    const journal = ignitionJournalDir(hre, 31337, dir);
    const { record, unheld } = await deployWithIgnition(hre, params, { journal, deployer, development: true });
    const owned = `chainlink adapter: owned by governance ${governance.address}`;
    expect(unheld).to.deep.equal([`${owned} (owner ${deployer.address})`]);
    expect(record.contracts.VRFBeacon).to.equal(undefined);
    const failing = async () => (await checkDeployment(hre, record)).filter((c) => !c.ok).map((c) => c.what);
    expect(await failing()).to.deep.equal([owned]);
    const adapter = await ethers.getContractAt("ChainlinkVRFAdapter", record.contracts.ChainlinkVRFAdapter!.address);
    await (await adapter.connect(governance).acceptOwnership()).wait();
    expect(await failing()).to.deep.equal([]);
    // One grant per account: the journal's calls name each (contract, role, account) once.
    const futures = Object.keys(JSON.parse(fs.readFileSync(path.join(journal, "deployed_addresses.json"), "utf8")));
    expect(futures).to.include("LP504#ChainlinkVRFAdapter");
    const journalText = fs.readFileSync(path.join(journal, "journal.jsonl"), "utf8");
    const grants = [...new Set([...journalText.matchAll(/"futureId":"(LP504#registry_grant_SLASHER_ROLE_to_[^"]+)"/g)].map((m) => m[1]))];
    expect(grants.sort()).to.deep.equal(
      [
        "LP504#registry_grant_SLASHER_ROLE_to_governance",
        "LP504#registry_grant_SLASHER_ROLE_to_monitor",
        "LP504#registry_grant_SLASHER_ROLE_to_scheduler",
        "LP504#registry_grant_SLASHER_ROLE_to_slashingQueue",
        `LP504#registry_grant_SLASHER_ROLE_to_${slasher.address}`,
      ].sort(),
    );

    // The slasher dropped from the file: its grant happened and a rerun cannot undo it, so the rerun is refused
    // (Ignition itself would only warn, print "Nothing to do" and leave the role where the file no longer puts it).
    const nonce = await ethers.provider.getTransactionCount(deployer.address);
    const dropped = paramsFromJson({
      governance: governance.address,
      slashers: [governance.address],
      monitors: [reporter.address],
      monitor: { reporters: [reporter.address] },
      randomness: JSON.parse(JSON.stringify(toJson(params.randomness))),
    });
    await expect(deployWithIgnition(hre, dropped, { journal, deployer, development: true })).to.be.rejectedWith(
      StepsDroppedError,
      new RegExp(`holds steps this parameter file no longer has[^]*LP504#registry_grant_SLASHER_ROLE_to_${slasher.address}`),
    );
    expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce);
  });

  it("lp504 deploy resumes from the journal after a failure midway, and the result passes lp504 check", async () => {
    const [deployer] = await ethers.getSigners();
    const nonce = await ethers.provider.getTransactionCount(deployer.address);
    await expect(rpcFailsAfter(6, () => run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false }))).to.be.rejectedWith(
      /rerun `lp504 deploy`: Ignition resumes from the journal/,
    );
    expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce + 6);
    expect(readDeployment(31337, path.join(dir))).to.equal(undefined); // no record until the deployment is complete

    const resumed = await run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false });
    const record = readDeployment(31337)!;
    // The six contracts of the first run are reused, not deployed again.
    expect(resumed.transactions).to.equal((await ethers.provider.getTransactionCount(deployer.address)) - nonce - 6);
    expect(record.contracts.RegistryParametersLib!.blockNumber).to.be.lessThan(record.contracts.SchedulerLens!.blockNumber);
    expect(await run({ scope: "lp504", task: "check" })).to.be.greaterThan(50);
    expect((await run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false })).transactions).to.equal(0);

    // Other parameters are refused before anything is sent, with the keys that changed since the record.
    const changed = path.join(dir, "changed.json");
    fs.writeFileSync(changed, JSON.stringify({ ...loadFile("hardhat"), registry: { config: { minStake: "101 LUX" } } }));
    const before = await ethers.provider.getTransactionCount(deployer.address);
    await expect(run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false, params: changed })).to.be.rejectedWith(
      /LP504#SequencerRegistry: Argument at index 0 has been changed[\s\S]*params\.registry\.config\.minStake: "100000000000000000000" → "101000000000000000000"[\s\S]*--fresh/,
    );
    expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(before);
  });

  it("lp504 deploy refuses a record made without an Ignition journal unless --fresh, which keeps both old files", async () => {
    writeDeployment({ ...(await deploySuite(hre)).record, development: true }, dir);
    await expect(run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false })).to.be.rejectedWith(
      /31337\.json was made without an Ignition journal .* pass --fresh/,
    );
    const fresh = await run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: true });
    expect(fresh.transactions).to.be.greaterThan(14);
    expect(fs.readdirSync(dir).filter((f) => /^31337\.\d+\.json$/.test(f))).to.have.length(1);
    expect(await run({ scope: "lp504", task: "check" })).to.be.greaterThan(50);
  });

  it("a bad parameter file is refused before anything is sent, naming every bad key at once", async () => {
    const [deployer] = await ethers.getSigners();
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        governance: "0x123",
        slashers: ["0x0000000000000000000000000000000000000001", "alice"],
        registry: { config: { minStake: "ten LUX", rotationPeriod: 1.5, minStak: 1 }, parameters: { fallbackSequencer: 7 } },
        selection: { hybridWeights: [1, 2], rewardsRecipient: "0xZZ" },
        randomness: { kind: "chainlink", coordinator: "0x0000000000000000000000000000000000000002", keyHash: "0x12" },
        mev: "fast",
        registy: {},
      }),
    );
    const nonce = await ethers.provider.getTransactionCount(deployer.address);
    const keys = [
      "params.governance",
      "params.slashers[1]",
      "params.registry.config.minStake",
      "params.registry.config.rotationPeriod",
      'params.registry.config: unknown parameter "minStak"',
      "params.registry.parameters.fallbackSequencer",
      "params.selection.hybridWeights",
      "params.selection.rewardsRecipient",
      "params.mev",
      'params: unknown section "registy"',
      "params.randomness.subscriptionId: missing",
      "params.randomness.callbackGasLimit: missing",
      "params.randomness.requestConfirmations: missing",
      "params.randomness.keyHash",
    ];
    let message = "";
    await run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false, params: file }).catch((e: Error) => (message = e.message));
    for (const key of keys) expect(message, key).to.include(key);
    expect(message).to.include("14 bad parameters");
    expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce);
    expect(fs.readdirSync(dir)).to.deep.equal(["bad.json"]); // no journal, no record

    // The same problems from the parser itself, one per line; a file that passes deploys its values.
    let error: unknown;
    try {
      paramsFromJson(JSON.parse(fs.readFileSync(file, "utf8")));
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ParameterFileError);
    expect((error as ParameterFileError).problems).to.have.length(14);
    expect(paramsFromJson({ governance: deployer.address.toLowerCase() }).governance).to.equal(deployer.address);
  });

  it("npm pack ships live chains' records only: no archived record, no development node's record, no Ignition journal", () => {
    const root = path.join(__dirname, "..");
    const chainId = 4242424242; // no chain the project deploys to
    const made = [
      path.join(packageDeploymentsDir(), `${chainId}.json`), // a live chain's record
      path.join(packageDeploymentsDir(), `${chainId}.1700000000000.json`), // the record --fresh moved aside
      path.join(packageDeploymentsDir(), "local", `${chainId}.json`), // a development node's
      path.join(root, "ignition", "deployments", `chain-${chainId}`, "deployed_addresses.json"), // a live chain's journal
      path.join(packageDeploymentsDir(), "local", "ignition", `chain-${chainId}`, "deployed_addresses.json"), // a dev node's
    ];
    const fresh = made.filter((f) => !fs.existsSync(f));
    expect(fresh, "left over from another run").to.deep.equal(made);
    try {
      for (const file of made) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, "{}\n");
      }
      const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" }));
      const paths: string[] = packed[0].files.map((f: { path: string }) => f.path);
      expect(paths.filter((p) => p.includes(String(chainId)))).to.deep.equal([`deployments/${chainId}.json`]);
      expect(paths.filter((p) => p.startsWith("ignition/") || p.startsWith("deployments/local/"))).to.deep.equal([]);
    } finally {
      for (const file of made) fs.rmSync(file, { force: true });
      fs.rmSync(path.join(root, "ignition", "deployments", `chain-${chainId}`), { recursive: true, force: true });
      fs.rmSync(path.join(packageDeploymentsDir(), "local", "ignition", `chain-${chainId}`), { recursive: true, force: true });
    }
  });
});
