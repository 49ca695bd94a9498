import { expect } from "chai";
import hre, { ethers } from "hardhat";
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
  type DeploymentRecord,
} from "../deploy";
import { checkDeployment } from "../tasks/deploy";

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

    for (const network of ["hardhat", "localhost", "luxTestnet", "luxMainnet"]) {
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
        "EquivocationModule",
        "SelectionMechanisms",
      ]);

      const resumed = await deploySuite(hre, params, deployer, { resume: partial, save: (r) => writeDeployment(r) });
      expect(await resumed.registry.getAddress()).to.equal(partial.contracts.SequencerRegistry!.address);
      expect(await resumed.selection.getAddress()).to.equal(partial.contracts.SelectionMechanisms!.address);
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
    });

    it("names a missing deployment instead of failing obscurely", async () => {
      await expect(run({ scope: "lp504", task: "status" }, { start: 1, limit: 10 })).to.be.rejectedWith("no deployment for chain 31337");
    });
  });
});
