import { expect } from "chai";
import hre, { ethers } from "hardhat";
import type { Signer } from "ethers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  deploySuite,
  paramsFromJson,
  parseInteger,
  readDeployment,
  writeDeployment,
  defaultSuiteParams,
  detectChainKind,
  packageDeploymentsDir,
  wiringTable,
  roleHolders,
  type DeploymentRecord,
  type WiringFact,
} from "../deploy";
import { checkDeployment } from "../tasks/deploy";
import { connectSuite } from "..";
import { preflight } from "../tasks/lp504";
import { beaconSeed, operatorVrfKey, proveVRF, vrfOutput } from "../sdk";

const PARAMS_DIR = path.join(__dirname, "..", "deploy", "params");
/** Runs a task without its console output (tables and receipts), which would bury the test report. */
async function run(task: { scope: string; task: string }, args: Record<string, unknown> = {}) {
  const { log, table } = console;
  console.log = () => {};
  console.table = () => {};
  try {
    return await hre.run(task, args);
  } finally {
    console.log = log;
    console.table = table;
  }
}

/**
 * Makes the in-process node answer `answers`' methods its own way (e.g. as geth, or as anvil under Lux mainnet's
 * chain id) for the duration of `body`; every other request reaches the node unchanged.
 */
async function asNode<T>(answers: Record<string, () => unknown>, body: () => Promise<T>): Promise<T> {
  const provider = hre.network.provider as unknown as {
    request(args: { method: string; params?: unknown[] }): Promise<unknown>;
    send(method: string, params?: unknown[]): Promise<unknown>;
  };
  const { request, send } = provider;
  const original = request.bind(provider);
  provider.request = async (args) => (args.method in answers ? answers[args.method]() : original(args));
  provider.send = async (method, params) => provider.request({ method, params });
  try {
    return await body();
  } finally {
    provider.request = request;
    provider.send = send;
  }
}

const notServed = () => {
  throw new Error("the method does not exist / is not available");
};
const GETH = {
  web3_clientVersion: () => "Geth/v1.14.11-stable/linux-amd64/go1.22.5",
  hardhat_metadata: notServed,
  anvil_nodeInfo: notServed,
};

/** Runs `body` with `hre.network.name` set to `name` (the name decides nothing, which is what is tested). */
async function named<T>(name: string, body: () => Promise<T>): Promise<T> {
  const network = hre.network as { name: string };
  const before = network.name;
  network.name = name;
  try {
    return await body();
  } finally {
    network.name = before;
  }
}

const loadFile = (network: string) => JSON.parse(fs.readFileSync(path.join(PARAMS_DIR, `${network}.json`), "utf8"));

describe("Deployment: parameter files, records, resume, check and tasks", function () {
  let dir: string;
  let previous: string | undefined;

  beforeEach(() => {
    previous = process.env.LP504_DEPLOYMENTS_DIR;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-deployments-"));
    process.env.LP504_DEPLOYMENTS_DIR = dir;
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.LP504_DEPLOYMENTS_DIR;
    else process.env.LP504_DEPLOYMENTS_DIR = previous;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("parameter files", () => {
    it("connectSuite (the package's attach helper) attaches every deployed contract but the linked libraries", async () => {
      const suite = await deploySuite(hre, defaultSuiteParams());
      const attached = connectSuite(suite.record, ethers.provider);
      const byAddress = new Set<string>();
      for (const c of Object.values(attached)) if (c) byAddress.add((await c.getAddress()).toLowerCase());
      for (const [name, entry] of Object.entries(suite.record.contracts)) {
        if (name.endsWith("Lib")) continue;
        expect(byAddress.has(entry!.address.toLowerCase()), name).to.equal(true);
      }
      expect(await attached.lens.registry()).to.equal(await suite.registry.getAddress());
      expect(await attached.equivocationModule.domainSeparator()).to.equal(await suite.equivocationModule.domainSeparator());
    });

    it("parses integers, decimal strings and LUX amounts, and rejects the rest", () => {
      expect(parseInteger(12, "x")).to.equal(12n);
      expect(parseInteger("340282366920938463463374607431768211455", "x")).to.equal(2n ** 128n - 1n);
      expect(parseInteger("100000 LUX", "x")).to.equal(ethers.parseEther("100000"));
      expect(parseInteger("0.01 LUX", "x")).to.equal(10n ** 16n);
      expect(parseInteger("25 gwei", "x")).to.equal(25n * 10n ** 9n);
      for (const bad of ["1.5", "-1", "ten", "1e18", 1.5, 2 ** 60, "0.0000000000000000001 LUX", null]) {
        expect(() => parseInteger(bad, "x"), String(bad)).to.throw();
      }
    });

    it("merges a file over the defaults and refuses unknown keys (a typo must not deploy a default)", () => {
      const p = paramsFromJson({ registry: { config: { minStake: "5 LUX" } }, $comment: "ignored" });
      expect(p.registry.config.minStake).to.equal(ethers.parseEther("5"));
      expect(p.registry.config.rotationPeriod).to.equal(defaultSuiteParams().registry.config.rotationPeriod);
      expect(() => paramsFromJson({ registry: { config: { minStak: 1 } } })).to.throw('unknown parameter "minStak"');
      expect(() => paramsFromJson({ registy: {} })).to.throw('unknown section "registy"');
      expect(() => paramsFromJson({ selection: { hybridWeights: [1, 2] } })).to.throw("expected 4 entries");
      const chainlink = paramsFromJson({
        randomness: {
          kind: "chainlink",
          coordinator: ethers.ZeroAddress,
          subscriptionId: "7",
          keyHash: ethers.ZeroHash,
          callbackGasLimit: 200000,
          requestConfirmations: 3,
        },
      });
      expect(chainlink.randomness).to.deep.include({ kind: "chainlink", subscriptionId: 7n, callbackGasLimit: 200000 });
    });

    for (const network of ["hardhat", "localhost", "devnet", "luxTestnet", "luxMainnet"]) {
      it(`deploys deploy/params/${network}.json and the check passes on every wiring fact`, async () => {
        const signers = await ethers.getSigners();
        const json = loadFile(network);
        // Live networks must name governance: here a separate account, so the hand-over is exercised too.
        if (network.startsWith("lux")) json.governance = signers[5].address;
        const suite = await deploySuite(hre, paramsFromJson(json), signers[0], { save: (r) => writeDeployment(r) });
        expect(suite.record.complete).to.equal(true);
        const checks = await checkDeployment(hre, readDeployment(31337)!);
        expect(checks.filter((c) => !c.ok).map((c) => c.what)).to.deep.equal([]);
        expect(checks.length).to.be.greaterThan(50);
        const config = await suite.registry.getConfig();
        expect(config.minStake).to.equal(paramsFromJson(json).registry.config.minStake);
        // The scheduler's dispute terms come from the file (a wiring step), not the constructor's defaults.
        const { disputeBond, arbitrationWindow } = paramsFromJson(json).scheduler;
        expect([await suite.scheduler.disputeBond(), await suite.scheduler.arbitrationWindow()]).to.deep.equal([
          disputeBond,
          arbitrationWindow,
        ]);
      });
    }
  });

  describe("records, resume and idempotence", () => {
    it("resumes a deployment that crashed midway, reusing what was deployed, and a rerun sends nothing", async () => {
      const [deployer, , , , , governance] = await ethers.getSigners();
      const params = paramsFromJson({ ...loadFile("luxTestnet"), governance: governance.address });
      let saves = 0;
      const crash = (record: DeploymentRecord) => {
        writeDeployment(record);
        if (++saves === 5) throw new Error("simulated crash after the fifth contract");
      };
      await expect(deploySuite(hre, params, deployer, { save: crash })).to.be.rejectedWith("simulated crash");
      const partial = readDeployment(31337)!;
      expect(partial.complete).to.equal(false);
      expect(Object.keys(partial.contracts)).to.deep.equal([
        "RegistryParametersLib",
        "RegistryIndexLib",
        "SequencerRegistry",
        "SigningKeys",
        "EquivocationModule",
      ]);

      const resumed = await deploySuite(hre, params, deployer, { resume: partial, save: (r) => writeDeployment(r) });
      expect(await resumed.registry.getAddress()).to.equal(partial.contracts.SequencerRegistry!.address);
      expect(await resumed.equivocationModule.getAddress()).to.equal(partial.contracts.EquivocationModule!.address);
      expect(await resumed.equivocationModule.signingKeys()).to.equal(partial.contracts.SigningKeys!.address);
      expect(resumed.transactions).to.be.greaterThan(5);
      const record = readDeployment(31337)!;
      expect(record.complete).to.equal(true);
      expect((await checkDeployment(hre, record)).every((c) => c.ok)).to.equal(true);

      const nonce = await ethers.provider.getTransactionCount(deployer.address);
      const block = await ethers.provider.getBlockNumber();
      const again = await deploySuite(hre, params, deployer, { resume: record, save: (r) => writeDeployment(r) });
      expect(again.transactions).to.equal(0);
      expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("records addresses, blocks, constructor arguments and compiler settings", async () => {
      const suite = await deploySuite(hre, paramsFromJson(loadFile("hardhat")), undefined, { save: (r) => writeDeployment(r) });
      const record = readDeployment(31337)!;
      expect(record.format).to.equal("lp504-deployment/2");
      expect(record.compiler.version).to.equal("0.8.28");
      expect(record.compiler.longVersion).to.match(/^0\.8\.28\+commit\.[0-9a-f]+$/);
      expect((record.compiler.settings as { evmVersion: string }).evmVersion).to.equal("shanghai");
      const registry = record.contracts.SequencerRegistry!;
      expect(registry.address).to.equal(await suite.registry.getAddress());
      const receipt = await ethers.provider.getTransactionReceipt(registry.transactionHash);
      expect(receipt!.blockNumber).to.equal(registry.blockNumber);
      expect(receipt!.contractAddress).to.equal(registry.address);
      expect(Object.keys(registry.libraries!)).to.have.length(2);
      expect(JSON.stringify(registry.constructorArgs)).to.contain(String(suite.params.registry.config.minStake));
    });

    it("refuses to resume with different parameters or from another chain", async () => {
      const params = paramsFromJson(loadFile("hardhat"));
      await deploySuite(hre, params, undefined, { save: (r) => writeDeployment(r) });
      const record = readDeployment(31337)!;
      const changed = paramsFromJson({ registry: { config: { minStake: "101 LUX" } } });
      await expect(deploySuite(hre, changed, undefined, { resume: record })).to.be.rejectedWith("different parameters");
      await expect(deploySuite(hre, params, undefined, { resume: { ...record, chainId: 96369 } })).to.be.rejectedWith("for chain 96369");
      fs.writeFileSync(path.join(dir, "96368.json"), JSON.stringify({ ...record, chainId: 31337 }));
      expect(() => readDeployment(96368)).to.throw("is for chain 31337");
    });
  });

  describe("the wiring table: the facts deploySuite makes hold are the facts lp504 check reads back", () => {
    /** A recorded deployment with luxTestnet's parameters, handed over to a separate governance account. */
    async function handedOver() {
      const signers = await ethers.getSigners();
      const [deployer, governance] = [signers[0], signers[5]];
      const params = paramsFromJson({ ...loadFile("luxTestnet"), governance: governance.address });
      const lines: string[] = [];
      const suite = await deploySuite(hre, params, deployer, { save: (r) => writeDeployment(r), log: (line) => lines.push(line) });
      const table = await wiringTable(suite, { governance: governance.address, deployer: deployer.address, params });
      return { suite, params, deployer, governance, table, lines };
    }
    const check = async () => checkDeployment(hre, readDeployment(31337)!);
    const failures = async () => (await check()).filter((c) => !c.ok).map((c) => c.what);
    /** The label of the one entry whose label starts with `start`. */
    const entry = (table: WiringFact[], start: string) => {
      const found = table.filter((f) => f.label.startsWith(start)).map((f) => f.label);
      expect(found, start).to.have.length(1);
      return found[0];
    };
    const renunciation = / not held by the deployer /;

    it("after deploySuite every entry holds, every wiring transaction was an entry, and the check's wiring lines are the entries", async () => {
      const { suite, table, lines } = await handedOver();
      const labels = table.map((f) => f.label);
      expect(new Set(labels).size).to.equal(labels.length);
      for (const fact of table) expect(await fact.holds(), fact.label).to.deep.include({ ok: true });
      // deploySuite logs each contract it deploys, then the label of each wiring transaction it sends.
      const wired = lines.filter((line) => !/ \(block \d+\)$/.test(line)).map((line) => line.trim());
      expect(wired.length).to.equal(suite.transactions - Object.keys(suite.record.contracts).length);
      expect(wired.length).to.be.greaterThan(30);
      for (const line of wired) expect(labels).to.include(line);
      // The hand-over: every grant before the first renunciation, the registry's admin role renounced last.
      const first = labels.findIndex((l) => renunciation.test(l));
      expect(labels.slice(first).every((l) => renunciation.test(l))).to.equal(true);
      expect(labels.length - first).to.equal(14);
      expect(labels.at(-1)).to.match(/^registry: DEFAULT_ADMIN_ROLE not held by the deployer /);
      // The facts the hand-written check lacked are entries too.
      for (const start of [
        "registry → equivocation module",
        "equivocation module → registry",
        "registry lens → registry",
        "beacon → selection",
        "selection: AUCTIONEER_ROLE held by governance",
        "selection: BOND_SLASHER_ROLE held by governance",
      ])
        entry(table, start);

      const checks = await check();
      expect(checks.filter((c) => !c.ok).map((c) => c.what)).to.deep.equal([]);
      expect(checks.filter((c) => c.kind === "wiring").map((c) => c.what)).to.deep.equal(labels);
    });

    /** A Chainlink randomness configuration against a coordinator address nobody deployed (only the wiring is checked). */
    const chainlinkRandomness = () => ({
      kind: "chainlink" as const,
      coordinator: ethers.Wallet.createRandom().address,
      subscriptionId: "1",
      keyHash: ethers.id("lp504-test-key"),
      callbackGasLimit: 200000,
      requestConfirmations: 3,
    });

    it("a Chainlink deployment its deployer governs: the adapter's link is an entry, nothing is renounced, an account listed twice is one fact", async () => {
      const [deployer, slasher, reporter] = await ethers.getSigners();
      const params = paramsFromJson({
        slashers: [slasher.address, deployer.address, slasher.address.toLowerCase()],
        monitors: [reporter.address],
        monitor: { reporters: [reporter.address, reporter.address] },
        randomness: chainlinkRandomness(),
      });
      const suite = await deploySuite(hre, params, deployer, { save: (r) => writeDeployment(r) });
      const table = await wiringTable(suite, { governance: deployer.address, deployer: deployer.address, params });
      const labels = table.map((f) => f.label);
      entry(table, "chainlink adapter → selection");
      expect(labels.filter((l) => l.startsWith("beacon"))).to.deep.equal([]);
      expect(labels.filter((l) => renunciation.test(l))).to.deep.equal([]);
      // the slashing queue, the monitor, the scheduler and the two direct slashers named (one twice); the reporter once.
      expect(labels.filter((l) => l.startsWith("registry: SLASHER_ROLE held by"))).to.have.length(5);
      entry(table, "monitor: REPORTER_ROLE held by");
      for (const fact of table) expect(await fact.holds(), fact.label).to.deep.include({ ok: true });
      const checks = await check();
      expect(checks.filter((c) => !c.ok).map((c) => c.what)).to.deep.equal([]);
      expect(checks.filter((c) => c.kind === "wiring").map((c) => c.what)).to.deep.equal(labels);
    });

    it("a handed-over Chainlink deployment: the adapter's ownership is offered to governance, and the check fails until governance accepts it", async () => {
      const [deployer, governance] = await ethers.getSigners();
      const params = paramsFromJson({
        governance: governance.address,
        randomness: chainlinkRandomness(),
      });
      const suite = await deploySuite(hre, params, deployer, { save: (r) => writeDeployment(r) });
      const adapter = suite.chainlinkAdapter!;
      expect(await adapter.owner()).to.equal(deployer.address);
      const failing = async () => (await check()).filter((c) => !c.ok).map((c) => c.what);
      expect(await failing()).to.deep.equal([`chainlink adapter: owned by governance ${governance.address}`]);
      // While the offer waits, the deployer can still act as owner; governance takes over by accepting.
      await (await adapter.connect(governance).acceptOwnership()).wait();
      expect(await adapter.owner()).to.equal(governance.address);
      expect(await failing()).to.deep.equal([]);
    });

    it("a broken fact of each kind is the one failure the check reports, and a resumed deploySuite repairs it with one transaction", async () => {
      const { suite, params, deployer, governance, table } = await handedOver();
      const registry = suite.registry.connect(governance);
      const resume = (signer: Signer) =>
        deploySuite(hre, params, signer, { resume: readDeployment(31337)!, save: (r) => writeDeployment(r) });
      const cases = [
        {
          // An address: only governance may set it now, so governance resumes the deployment.
          fact: entry(table, "registry → equivocation module"),
          break: () => registry.setEquivocationModule(ethers.Wallet.createRandom().address),
          repairer: governance,
        },
        {
          fact: entry(table, "registry: SLASHER_ROLE held by the monitor"),
          break: async () => registry.revokeRole(await registry.SLASHER_ROLE(), await suite.monitor.getAddress()),
          repairer: governance,
        },
        {
          // A renunciation: only the deployer can renounce its role.
          fact: entry(table, "mev: GOVERNANCE_ROLE not held by the deployer"),
          break: async () => suite.mev.connect(governance).grantRole(await suite.mev.GOVERNANCE_ROLE(), deployer.address),
          repairer: deployer,
        },
      ];
      for (const c of cases) {
        await (await c.break()).wait();
        expect(await failures()).to.deep.equal([c.fact]);
        const nonce = await ethers.provider.getTransactionCount(c.repairer.address);
        expect((await resume(c.repairer)).transactions, c.fact).to.equal(1);
        expect(await ethers.provider.getTransactionCount(c.repairer.address)).to.equal(nonce + 1);
        expect(await failures()).to.deep.equal([]);
      }
      // The deployer, having handed over, cannot restore governance's facts: its attempt (estimated first, as the
      // deploy task's signer does) reverts, sending nothing.
      await (await cases[0].break()).wait();
      const nonce = await ethers.provider.getTransactionCount(deployer.address);
      await expect(resume(preflight(deployer))).to.be.rejectedWith(/AccessControlUnauthorizedAccount/);
      expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce);
    });

    it("a recorded contract built for another registry fails the check, and deploySuite refuses to wire it, sending nothing", async () => {
      const { suite, params, deployer } = await handedOver();
      const stranger = await (
        await ethers.getContractFactory("EquivocationModule")
      ).deploy(ethers.Wallet.createRandom().address, ethers.ZeroAddress);
      const strangerAddress = await stranger.getAddress();
      const record = readDeployment(31337)!;
      record.contracts.EquivocationModule = { ...record.contracts.EquivocationModule!, address: strangerAddress };
      writeDeployment(record);
      const registryAddress = await suite.registry.getAddress();
      expect(await failures()).to.deep.equal([
        `equivocation module → registry ${registryAddress}`,
        `registry → equivocation module ${strangerAddress}`,
      ]);
      const nonce = await ethers.provider.getTransactionCount(deployer.address);
      await expect(deploySuite(hre, params, deployer, { resume: record })).to.be.rejectedWith(
        `"equivocation module → registry ${registryAddress}" does not hold (on chain `,
      );
      expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce);
    });
  });

  describe("role holders: every role an AccessControl contract grants today, from its logs, is a grant of the wiring table", () => {
    /** A recorded deployment with luxTestnet's parameters, handed over to a separate governance account. */
    async function handedOver() {
      const signers = await ethers.getSigners();
      const [deployer, governance, stranger] = [signers[0], signers[5], signers[9]];
      const params = paramsFromJson({ ...loadFile("luxTestnet"), governance: governance.address });
      const suite = await deploySuite(hre, params, deployer, { save: (r) => writeDeployment(r) });
      const table = await wiringTable(suite, { governance: governance.address, deployer: deployer.address, params });
      return { suite, table, governance, stranger, registry: suite.registry.connect(governance) };
    }
    const check = async () => checkDeployment(hre, readDeployment(31337)!);
    const failures = async () => (await check()).filter((c) => !c.ok).map((c) => c.what);

    it("a correct deployment reports no unexpected holder: each contract's holders, folded from its logs, are the table's grants", async () => {
      const { suite, table } = await handedOver();
      const lines = (await check()).filter((c) => c.kind === "role-holders");
      expect(lines.map((c) => c.what.split(":")[0])).to.deep.equal([
        "SequencerRegistry",
        "SlashingQueue",
        "SelectionMechanisms",
        "MEVMitigation",
        "PerformanceMonitor",
        "AIScheduler",
      ]);
      expect(lines.filter((c) => !c.ok)).to.deep.equal([]);
      const record = readDeployment(31337)!;
      const latest = await ethers.provider.getBlockNumber();
      for (const contract of [suite.registry, suite.slashingQueue, suite.selection, suite.mev, suite.monitor, suite.scheduler]) {
        const address = await contract.getAddress();
        const from = Object.values(record.contracts).find((c) => c!.address === address)!.blockNumber;
        const fromLogs = await roleHolders(contract, from, latest);
        const granted = table.filter((f) => f.role?.held && f.role.contract === address).map((f) => `${f.role!.role} ${f.role!.account}`);
        expect(granted, address).to.not.be.empty;
        expect(fromLogs.map((h) => `${h.role} ${h.account}`).sort(), address).to.deep.equal(granted.sort());
        // The constructor's grants to the deployer and their renunciations are in the logs: read one block at a
        // time (a query per block), the fold gives the same holders.
        expect(await roleHolders(contract, from, latest, 1), address).to.deep.equal(fromLogs);
      }
    });

    it("an account governance grants SLASHER_ROLE outside the table is reported as an unexpected holder", async () => {
      const { registry, stranger } = await handedOver();
      await (await registry.grantRole(await registry.SLASHER_ROLE(), stranger.address)).wait();
      const checks = await check();
      const failed = checks.filter((c) => !c.ok);
      expect(failed.map((c) => [c.kind, c.what])).to.deep.equal([
        ["role-holders", `SequencerRegistry: SLASHER_ROLE held by ${stranger.address}`],
      ]);
      expect(failed[0].detail).to.match(/^unexpected holder/);
      // The registry's other holders are still accounted for: its summary line is gone, the others' remain.
      expect(checks.filter((c) => c.kind === "role-holders" && c.ok).map((c) => c.what.split(":")[0])).to.deep.equal([
        "SlashingQueue",
        "SelectionMechanisms",
        "MEVMitigation",
        "PerformanceMonitor",
        "AIScheduler",
      ]);
    });

    it("the fold over the logs respects their order: a revoked role is no holder, a revoked and regranted one is", async () => {
      const { suite, registry, stranger } = await handedOver();
      const SLASHER_ROLE = await registry.SLASHER_ROLE();
      const unexpected = `SequencerRegistry: SLASHER_ROLE held by ${stranger.address}`;
      await (await registry.grantRole(SLASHER_ROLE, stranger.address)).wait();
      await (await registry.revokeRole(SLASHER_ROLE, stranger.address)).wait();
      expect(await failures()).to.deep.equal([]);
      await (await registry.grantRole(SLASHER_ROLE, stranger.address)).wait();
      expect(await failures()).to.deep.equal([unexpected]);
      await (await registry.revokeRole(SLASHER_ROLE, stranger.address)).wait();
      expect(await failures()).to.deep.equal([]);

      // A holder the table names, revoked then regranted: its table entry fails meanwhile, no holder is unexpected.
      const monitor = await suite.monitor.getAddress();
      await (await registry.revokeRole(SLASHER_ROLE, monitor)).wait();
      expect(await failures()).to.deep.equal([`registry: SLASHER_ROLE held by the monitor ${monitor}`]);
      await (await registry.grantRole(SLASHER_ROLE, monitor)).wait();
      expect(await failures()).to.deep.equal([]);

      // Grant, revoke, grant in separate blocks: read one block per query, the order across queries still holds.
      await (await registry.grantRole(SLASHER_ROLE, stranger.address)).wait();
      const from = readDeployment(31337)!.contracts.SequencerRegistry!.blockNumber;
      const latest = await ethers.provider.getBlockNumber();
      const holders = await roleHolders(registry, from, latest, 1);
      expect(holders.filter((h) => h.role === SLASHER_ROLE && h.account === stranger.address)).to.have.length(1);
      expect(holders.filter((h) => h.role === SLASHER_ROLE && h.account === monitor)).to.have.length(1);
      expect(await roleHolders(registry, from, latest)).to.deep.equal(holders);
      // Up to the block before the last grant, the stranger held nothing (and hasRole is asked at that block).
      const before = await roleHolders(registry, from, latest - 1, 1);
      expect(before.filter((h) => h.account === stranger.address)).to.deep.equal([]);
    });
  });

  describe("parameters set at construction and governed since are read back", () => {
    it("a changed MEV reveal window or monitor SLA is the one parameter line that fails", async () => {
      const [deployer, , , , , governance] = await ethers.getSigners();
      const params = paramsFromJson({ ...loadFile("luxTestnet"), governance: governance.address });
      const suite = await deploySuite(hre, params, deployer, { save: (r) => writeDeployment(r) });
      const check = async () => checkDeployment(hre, readDeployment(31337)!);
      const what = (checks: { kind: string; what: string }[]) => checks.filter((c) => c.kind === "parameter").map((c) => c.what);
      const checks = await check();
      expect(checks.filter((c) => !c.ok)).to.deep.equal([]);
      for (const line of [
        `mev revealWindow = ${params.mev.revealWindow}`,
        `mev squaringsPerSecond = ${params.mev.squaringsPerSecond}`,
        `monitor minInclusionFee = ${params.monitor.minInclusionFee}`,
        `monitor SLA maxMissedSlots = ${params.monitor.sla.maxMissedSlots}`,
        `beacon roundTimeout = ${(params.randomness as { roundTimeout: bigint }).roundTimeout}`,
        `selection rewardsRecipient = ${governance.address}`,
      ])
        expect(what(checks)).to.include(line);

      await (await suite.mev.connect(governance).setRevealWindow(params.mev.revealWindow + 1n)).wait();
      expect((await check()).filter((c) => !c.ok).map((c) => c.what)).to.deep.equal([`mev revealWindow = ${params.mev.revealWindow}`]);
      await (await suite.mev.connect(governance).setRevealWindow(params.mev.revealWindow)).wait();
      await (
        await suite.monitor.connect(governance).setSLA({ ...params.monitor.sla, minUptime: params.monitor.sla.minUptime - 1n })
      ).wait();
      expect((await check()).filter((c) => !c.ok).map((c) => c.what)).to.deep.equal([
        `monitor SLA minUptime = ${params.monitor.sla.minUptime}`,
      ]);
    });
  });

  describe("tasks", () => {
    async function deployed() {
      await run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false });
      return readDeployment(31337)!;
    }

    it("deploy is idempotent through the task, and check fails once the wiring is broken", async () => {
      const record = await deployed();
      const rerun = await run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false });
      expect(rerun.transactions).to.equal(0);
      expect(await run({ scope: "lp504", task: "check" })).to.be.greaterThan(50);
      const registry = await ethers.getContractAt("SequencerRegistry", record.contracts.SequencerRegistry!.address);
      await registry.revokeRole(await registry.SLASHER_ROLE(), record.contracts.PerformanceMonitor!.address);
      await expect(run({ scope: "lp504", task: "check" })).to.be.rejectedWith(/1 of \d+ checks failed/);
    });

    it("operator tasks work, and a revert is reported as the decoded custom error", async () => {
      await deployed();
      const [, alice, bob] = await ethers.getSigners();
      const id = await run(
        { scope: "lp504", task: "register" },
        { stake: "150", endpoint: "enode://a", pubkey: "0x", metadata: "", from: "1" },
      );
      expect(id).to.equal(1n);
      await run({ scope: "lp504", task: "register" }, { stake: "200", endpoint: "enode://b", pubkey: "0x", metadata: "", from: "2" });
      await expect(
        run({ scope: "lp504", task: "register" }, { stake: "150", endpoint: "enode://a", pubkey: "0x", metadata: "", from: "1" }),
      ).to.be.rejectedWith(`registerSequencer reverted: RegistryOperatorAlreadyRegistered(operator=${alice.address}, sequencerId=1)`);
      await expect(run({ scope: "lp504", task: "rotate" }, { from: "3" })).to.be.rejectedWith(
        /rotateSequencer reverted: RegistryRotationNotDue\(nextRotationTime=\d+\)/,
      );
      await run({ scope: "lp504", task: "delegate" }, { id: "2", amount: "20", from: "3" });
      const status = await run({ scope: "lp504", task: "status" }, { start: 1, limit: 50 });
      expect(status).to.deep.equal({ total: 2, active: alice.address, rows: 2 });
      await ethers.provider.send("evm_increaseTime", [3600]);
      expect(await run({ scope: "lp504", task: "rotate" }, { from: "3" })).to.equal(bob.address);

      // Equivocation through the tasks: two signatures by bob for one slot, then the report.
      const registry = (await ethers.getContractAt(
        "SequencerRegistry",
        readDeployment(31337)!.contracts.SequencerRegistry!.address,
      )) as unknown as {
        currentSlot(): Promise<bigint>;
      };
      const slot = String(await registry.currentSlot());
      const hashA = ethers.id("a");
      const hashB = ethers.id("b");
      const sigA = await run({ scope: "lp504", task: "sign-commitment" }, { id: "2", slot, blockHash: hashA, from: "2" });
      const sigB = await run({ scope: "lp504", task: "sign-commitment" }, { id: "2", slot, blockHash: hashB, from: "2" });
      expect(await run({ scope: "lp504", task: "report-equivocation" }, { id: "2", slot, hashA, sigA, hashB, sigB, from: "4" })).to.equal(
        true,
      );
      await expect(
        run({ scope: "lp504", task: "report-equivocation" }, { id: "2", slot, hashA, sigA, hashB, sigB, from: "4" }),
      ).to.be.rejectedWith("RegistryEquivocationAlreadySlashed(sequencerId=2");
      await expect(run({ scope: "lp504", task: "withdraw" }, { from: "9" })).to.be.rejectedWith("withdraw reverted: Registry");
      // The reporter's reward was credited with the verdict: it withdraws it, and a second withdrawal is refused.
      await run({ scope: "lp504", task: "withdraw" }, { from: "4" });
      await expect(run({ scope: "lp504", task: "withdraw" }, { from: "4" })).to.be.rejectedWith(
        "withdraw reverted: RegistryNothingToWithdraw",
      );
    });

    it("the auction tasks commit a sealed bid, reveal it, bid in the open and withdraw the refunds", async () => {
      const record = await deployed();
      const [, alice, bob] = await ethers.getSigners();
      for (const [from, endpoint] of [
        ["1", "enode://a"],
        ["2", "enode://b"],
      ])
        await run({ scope: "lp504", task: "register" }, { stake: "150", endpoint, pubkey: "0x", metadata: "", from });
      const selection = await ethers.getContractAt("SelectionMechanisms", record.contracts.SelectionMechanisms!.address);
      await (await selection.initAuction(3600)).wait();
      const salt = ethers.id("alice's salt");
      await run({ scope: "lp504", task: "bid" }, { auction: "1", amount: "5", deposit: "9", salt, open: false, from: "1" });
      expect((await selection.bidOf(1, alice.address)).deposit).to.equal(ethers.parseEther("9"));
      await run({ scope: "lp504", task: "bid" }, { auction: "1", amount: "3", open: true, from: "2" });
      expect((await selection.bidOf(1, bob.address)).amount).to.equal(ethers.parseEther("3"));
      await expect(run({ scope: "lp504", task: "reveal-bid" }, { auction: "1", amount: "5", salt, from: "1" })).to.be.rejectedWith(
        "revealBid reverted: SelectionNotRevealPhase",
      );
      await ethers.provider.send("evm_increaseTime", [3600]);
      await run({ scope: "lp504", task: "reveal-bid" }, { auction: "1", amount: "5", salt, from: "1" });
      await (await selection.finalizeAuction(1)).wait();
      // Two bids for three seats: both win at the reserve; the rest of each deposit, less the bond, is refundable.
      const { reserve, bond } = await selection.auctionDetails(1);
      expect(await selection.pendingReturns(alice.address)).to.equal(ethers.parseEther("9") - reserve - bond);
      await run({ scope: "lp504", task: "withdraw" }, { auction: true, from: "1" });
      expect(await selection.pendingReturns(alice.address)).to.equal(0n);
      await expect(run({ scope: "lp504", task: "withdraw" }, { auction: true, from: "1" })).to.be.rejectedWith(
        "withdraw reverted: SelectionNothingToWithdraw",
      );
    });

    it("the job, clusters and VRF tasks read and drive the other contracts", async () => {
      const record = await deployed();
      await run({ scope: "lp504", task: "register" }, { stake: "150", endpoint: "enode://a", pubkey: "0x", metadata: "", from: "1" });
      const jobId = await run(
        { scope: "lp504", task: "job-submit" },
        { payment: "1", flops: "100", memory: "1024", priority: "2", deadline: "7200", spec: "llm", from: "6" },
      );
      expect(await run({ scope: "lp504", task: "job" }, { id: jobId })).to.equal("Queued");
      await expect(run({ scope: "lp504", task: "job" }, { id: ethers.ZeroHash })).to.be.rejectedWith("no job");
      expect(await run({ scope: "lp504", task: "clusters" })).to.equal(0);
      const beacon = await ethers.getContractAt("VRFBeacon", record.contracts.VRFBeacon!.address);
      const before = await beacon.lastOutput();
      await run({ scope: "lp504", task: "vrf-commit" }, { secret: "alice's vrf secret", register: true, from: "1" });
      expect(await beacon.lastOutput()).to.not.equal(before);
      expect((await beacon.roundState())[3]).to.equal(false); // the round is closed: committed

      // Weighted mode: each rotation consumes the draw made for its turn and opens the next round itself (while a
      // draw waits for its rotation nobody may request another: its committer would keep the better of two).
      const registry = await ethers.getContractAt("SequencerRegistry", record.contracts.SequencerRegistry!.address);
      await (await registry.setParameter(4, 1)).wait(); // SelectionMode.WeightedRandom
      const rotate = async () => {
        await ethers.provider.send("evm_increaseTime", [3600]);
        await run({ scope: "lp504", task: "rotate" }, { from: "3" });
      };
      await rotate();
      // A key registered during an open round is not in effect for it: the task says so and sends no commit.
      const committed = await beacon.lastOutput();
      await expect(
        run({ scope: "lp504", task: "vrf-commit" }, { secret: "alice's new vrf secret", register: true, from: "1" }),
      ).to.be.rejectedWith(/takes effect for rounds requested after it: wait for the next round/);
      expect([(await beacon.roundState())[3], await beacon.lastOutput()]).to.deep.equal([true, committed]);
      // The key in effect at the request still commits round 2; the new key commits round 3 (opened by a rotation).
      await run({ scope: "lp504", task: "vrf-commit" }, { secret: "alice's vrf secret", register: false, from: "1" });
      const round2 = await beacon.lastOutput();
      expect(round2).to.not.equal(committed);
      await rotate();
      await run({ scope: "lp504", task: "vrf-commit" }, { secret: "alice's new vrf secret", register: false, from: "1" });
      const [requestBlock] = await beacon.roundRequest();
      const seed = beaconSeed(round2, 3n, (await ethers.provider.getBlock(requestBlock))!.hash!);
      expect(await beacon.lastOutput()).to.equal(vrfOutput(proveVRF(operatorVrfKey(ethers.id("alice's new vrf secret")).sk, seed)));
    });

    it("a local run never writes deployments/96369.json, even when the node claims Lux mainnet's chain id", async () => {
      // As the README's anvil does: a development node under chain id 96369. No LP504_DEPLOYMENTS_DIR.
      delete process.env.LP504_DEPLOYMENTS_DIR;
      const live = path.join(packageDeploymentsDir(), "96369.json");
      const local = path.join(packageDeploymentsDir(), "local", "96369.json");
      const localJournal = path.join(packageDeploymentsDir(), "local", "ignition", "chain-96369");
      const liveBefore = fs.existsSync(live) ? fs.readFileSync(live, "utf8") : undefined;
      expect(fs.existsSync(local), `${local} is left from another run`).to.equal(false);
      const asAnvil = {
        eth_chainId: () => "0x17871",
        web3_clientVersion: () => "anvil/v1.7.1",
        anvil_nodeInfo: () => ({ currentBlockNumber: 1 }),
      };
      try {
        await asNode(asAnvil, async () => {
          const first = await run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false });
          expect(first.transactions).to.be.greaterThan(0);
          expect(first.record).to.equal(local);
          const record = readDeployment(96369, path.dirname(local))!;
          expect([record.chainId, record.development, record.complete]).to.deep.equal([96369, true, true]);
          // Its Ignition journal is the development node's too, beside its record.
          expect(fs.existsSync(path.join(localJournal, "journal.jsonl"))).to.equal(true);
          expect(fs.existsSync(path.join(hre.config.paths.ignition, "deployments", "chain-96369"))).to.equal(false);
          // The local record serves the rerun (nothing sent), the check and the operator tasks.
          expect((await run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false })).transactions).to.equal(0);
          expect(await run({ scope: "lp504", task: "check" })).to.be.greaterThan(50);
          expect(await run({ scope: "lp504", task: "status" }, { start: 1, limit: 10 })).to.deep.include({ total: 0 });
          // It is never sent to an explorer as mainnet's.
          await expect(run({ scope: "lp504", task: "verify" })).to.be.rejectedWith(/chain 96369 is a development node/);
          // Pointing the records directory at the package's deployments/ is refused before anything is sent.
          process.env.LP504_DEPLOYMENTS_DIR = packageDeploymentsDir();
          const nonce = await ethers.provider.getTransactionCount((await ethers.getSigners())[0].address);
          await expect(run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: true })).to.be.rejectedWith(
            /LP504_DEPLOYMENTS_DIR is the package's deployments\//,
          );
          expect(await ethers.provider.getTransactionCount((await ethers.getSigners())[0].address)).to.equal(nonce);
          delete process.env.LP504_DEPLOYMENTS_DIR;
        });
        // And the record writer itself refuses a development record in the package's deployments/.
        const record = readDeployment(96369, path.dirname(local))!;
        expect(() => writeDeployment(record, packageDeploymentsDir())).to.throw(/refusing to write a development node's record/);
        expect(fs.existsSync(live) ? fs.readFileSync(live, "utf8") : undefined).to.equal(liveBefore);
      } finally {
        fs.rmSync(local, { force: true });
        fs.rmSync(localJournal, { recursive: true, force: true });
      }
    });

    it("a network with an unknown name and a non-dev client is live: it refuses without governance and hands over with it", async () => {
      const [deployer, , , , , governance] = await ethers.getSigners();
      const paramsFile = (json: object) => {
        const file = path.join(dir, `params-${Date.now()}-${Math.random()}.json`);
        fs.writeFileSync(file, JSON.stringify(json));
        return file;
      };
      const nonce = await ethers.provider.getTransactionCount(deployer.address);
      await named("someRollupL1", () =>
        asNode(GETH, async () => {
          await expect(run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false, params: paramsFile({}) })).to.be.rejectedWith(
            /chain 31337 is live \(client "Geth\/v1\.14\.11.*sets no "governance"/,
          );
          await expect(
            run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false, params: paramsFile({ governance: deployer.address }) }),
          ).to.be.rejectedWith(/names the deployer .* as "governance"/);
          // An activation block left at 0 is refused on a live chain unless asked for, naming the key.
          await expect(
            run({ scope: "lp504", task: "deploy" }, { from: "0", fresh: false, params: paramsFile({ governance: governance.address }) }),
          ).to.be.rejectedWith(/sets registry\.parameters\.activationBlock to 0: set the block .* or pass --activate-now/);
          expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce); // nothing was sent
          expect(fs.readdirSync(dir).filter((f) => !f.startsWith("params-"))).to.deep.equal([]); // nor recorded

          const activationBlock = (await ethers.provider.getBlockNumber()) + 1000;
          const done = await run(
            { scope: "lp504", task: "deploy" },
            {
              from: "0",
              fresh: false,
              params: paramsFile({ governance: governance.address, registry: { parameters: { activationBlock } } }),
            },
          );
          expect(done.record).to.equal(path.join(dir, "31337.json"));
          const record = readDeployment(31337)!;
          expect([record.network, record.development, record.governance]).to.deep.equal(["someRollupL1", false, governance.address]);
          const registry = await ethers.getContractAt("SequencerRegistry", record.contracts.SequencerRegistry!.address);
          expect(await registry.hasRole(await registry.DEFAULT_ADMIN_ROLE(), deployer.address)).to.equal(false);
          expect(await registry.hasRole(await registry.DEFAULT_ADMIN_ROLE(), governance.address)).to.equal(true);
          // The activation is readable on chain: the block, and the fallback flag until it is reached.
          expect((await registry.getParameters()).activationBlock).to.equal(BigInt(activationBlock));
          expect(await registry.isFallbackMode()).to.equal(true);
          expect(await run({ scope: "lp504", task: "check" })).to.be.greaterThan(50);
        }),
      );
      // The same record, read on a development node, fails the check: it was made on a live chain.
      await expect(run({ scope: "lp504", task: "check" })).to.be.rejectedWith(/1 of \d+ checks failed/);
    });

    it("decides by the node's answers: Hardhat and anvil are local only when they answer their own methods", async () => {
      const viaHardhat = (method: string, params: unknown[]) => hre.network.provider.request({ method, params });
      expect(await detectChainKind(viaHardhat)).to.deep.include({ local: true });
      const fake = (answers: Record<string, () => unknown>) => async (method: string) => {
        if (!(method in answers)) throw new Error(`${method} does not exist`);
        return answers[method]();
      };
      expect(await detectChainKind(fake({ web3_clientVersion: () => "anvil/v1.7.1", anvil_nodeInfo: () => ({}) }))).to.deep.include({
        local: true,
      });
      expect(
        await detectChainKind(
          fake({ web3_clientVersion: () => "HardhatNetwork/2.29.1/@nomicfoundation/edr/0.12", hardhat_metadata: () => ({}) }),
        ),
      ).to.deep.include({ local: true });
      // Claims without the method, other clients, and silence are all live.
      expect(await detectChainKind(fake({ web3_clientVersion: () => "anvil/v1.7.1" }))).to.deep.include({ local: false });
      expect(await detectChainKind(fake({ web3_clientVersion: () => "HardhatNetwork/2.29.1" }))).to.deep.include({ local: false });
      expect(await detectChainKind(fake(GETH))).to.deep.include({ local: false });
      expect(await detectChainKind(fake({ web3_clientVersion: () => "coreth/v0.13.8", anvil_nodeInfo: () => ({}) }))).to.deep.include({
        local: false,
      });
      expect(await detectChainKind(fake({}))).to.deep.include({ local: false, client: "" });
    });

    it("names a missing deployment instead of failing obscurely", async () => {
      await expect(run({ scope: "lp504", task: "status" }, { start: 1, limit: 10 })).to.be.rejectedWith("no deployment for chain 31337");
    });
  });
});
