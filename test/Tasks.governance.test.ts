import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { takeSnapshot, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readDeployment } from "../deploy";
import { decodeJobRequirements } from "../sdk";
import { parseDuration, formatDuration, parameterNamed, parseParameterValue, formatParameterValue } from "../tasks/govern";

/** Runs a task, capturing its console output (tables and receipts) instead of printing it. */
async function run(task: string, args: Record<string, unknown> = {}): Promise<{ result: unknown; out: string }> {
  const { log, table } = console;
  const lines: string[] = [];
  console.log = (...parts: unknown[]) => void lines.push(parts.join(" "));
  console.table = (rows: unknown) => void lines.push(JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
  try {
    const result = await hre.run({ scope: "lp504", task }, args);
    return { result, out: lines.join("\n") };
  } finally {
    console.log = log;
    console.table = table;
  }
}

const register = (from: string, stake = "150") => run("register", { stake, endpoint: `enode://${from}`, pubkey: "0x", metadata: "", from });

describe("Tasks: governance, auctions, capabilities and jobs in the units a person reads", function () {
  let dir: string;
  let previous: string | undefined;
  let deployed: SnapshotRestorer;

  // One deployment through the task (Ignition takes tens of seconds); each test starts from it.
  before(async function () {
    this.timeout(300_000);
    previous = process.env.LP504_DEPLOYMENTS_DIR;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-tasks-"));
    process.env.LP504_DEPLOYMENTS_DIR = dir;
    await run("deploy", { from: "0", fresh: false });
    deployed = await takeSnapshot();
  });
  beforeEach(async () => deployed.restore());
  after(() => {
    if (previous === undefined) delete process.env.LP504_DEPLOYMENTS_DIR;
    else process.env.LP504_DEPLOYMENTS_DIR = previous;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const registry = async () => ethers.getContractAt("SequencerRegistry", readDeployment(31337)!.contracts.SequencerRegistry!.address);

  it("parses and prints durations, percentages, LUX and modes; names an unknown parameter and a bad value", () => {
    expect([parseDuration("3600", "x"), parseDuration("30m", "x"), parseDuration("2d", "x")]).to.deep.equal([3600n, 1800n, 172_800n]);
    expect([formatDuration(3600n), formatDuration(5400n), formatDuration(61n)]).to.deep.equal(["1h", "90m", "61s"]);
    expect(() => parseDuration("soon", "--deadline")).to.throw('--deadline: "soon" is not a duration');
    expect(parameterNamed("rotation-period")).to.equal("RotationPeriod");
    expect(parameterNamed("MIN_STAKE")).to.equal("MinStake");
    expect(() => parameterNamed("rotationTime")).to.throw(
      /no parameter "rotationTime": the registry's parameters are MinStake, .*ScoreDecayRate/,
    );
    expect(parseParameterValue(hre, "SlashingPercentage", "5%")).to.equal(500n);
    expect(parseParameterValue(hre, "SlashingPercentage", "2.5%")).to.equal(250n);
    expect(parseParameterValue(hre, "MinStake", "150 LUX")).to.equal(ethers.parseEther("150"));
    expect(parseParameterValue(hre, "SelectionMode", "weightedrandom")).to.equal(1n);
    expect(() => parseParameterValue(hre, "SelectionMode", "lottery")).to.throw(
      'parameter SelectionMode: "lottery" is not a selection mode',
    );
    expect(parseParameterValue(hre, "MinStake", "5 gwei")).to.equal(5_000_000_000n);
    expect(parseParameterValue(hre, "SlashingPercentage", "250 bps")).to.equal(250n);
    // A bare number is refused where its unit is ambiguous: 10 could be 10% or 10 bps; 100 could be LUX or wei.
    expect(() => parseParameterValue(hre, "SlashingPercentage", "10")).to.throw('parameter SlashingPercentage: "10" needs its unit');
    expect(() => parseParameterValue(hre, "MinStake", "100")).to.throw('parameter MinStake: "100" needs its unit');
    expect(() => parseParameterValue(hre, "MinStake", "a lot")).to.throw('parameter MinStake: "a lot" needs its unit');
    expect(() => parseParameterValue(hre, "MaxSequencers", "1e3")).to.throw('parameter MaxSequencers: "1e3" is not a whole number');
    expect(formatParameterValue("MinStake", ethers.parseEther("100"))).to.equal("100 LUX");
    expect(formatParameterValue("InsuranceFeeBps", 100n)).to.equal("1%");
    expect(formatParameterValue("SelectionMode", 4n)).to.equal("Hybrid");
  });

  it("param sets a governed parameter by name in its unit and prints old and new; a non-governor is refused by the decoded error", async () => {
    const r = await registry();
    const { out } = await run("param", { name: "rotation-period", value: "30m", from: "0" });
    expect((await r.getConfig()).rotationPeriod).to.equal(1800n);
    expect(out).to.match(/RotationPeriod: \d+\w → 30m/);
    await run("param", { name: "SelectionMode", value: "Performance", from: "0" });
    expect((await r.getConfig()).selectionMode).to.equal(3n);
    const params = (await run("params")).result as Record<string, bigint>;
    expect(params.RotationPeriod).to.equal(1800n);
    expect((await run("params")).out).to.contain('"value":"30m"');
    await expect(run("param", { name: "RotationPeriod", value: "1h", from: "5" })).to.be.rejectedWith(
      /setParameter\(RotationPeriod\) reverted: AccessControlUnauthorizedAccount/,
    );
    expect((await r.getConfig()).rotationPeriod).to.equal(1800n);
  });

  it("reinstate brings a suspended sequencer back, and names the status it refuses", async () => {
    const r = await registry();
    await register("1");
    await register("2");
    await expect(run("reinstate", { id: "1", from: "0" })).to.be.rejectedWith(
      /reinstateSequencer reverted: RegistryInvalidStatus\(sequencerId=1/,
    );
    const [governance] = await ethers.getSigners();
    await (await r.grantRole(await r.SLASHER_ROLE(), governance.address)).wait();
    await (await r.suspendSequencer(1)).wait();
    expect((await r.getSequencer(1)).status).to.equal(2n); // Suspended
    await run("reinstate", { id: "1", from: "0" });
    expect((await r.getSequencer(1)).status).to.equal(1n); // Active
  });

  it("tags declares a region and a provider, prints the region's share, and names a bad code and a locked turn", async () => {
    const r = await registry();
    for (const from of ["1", "2", "3"]) await register(from);
    const { out } = await run("tags", { region: "3", provider: "7", from: "3" });
    const tagged = await r.getSequencer(3);
    expect([tagged.region, tagged.provider]).to.deep.equal([3n, 7n]);
    expect(out).to.include("#3 tagged region 3, provider 7");
    expect(out).to.include("region 3: 1 Active, 33.33% of the Active weight");
    await expect(run("tags", { region: "70000", from: "3" })).to.be.rejectedWith("--region: 70000 is not a 16-bit code (0..65535)");
    await expect(run("tags", { region: "eu", from: "3" })).to.be.rejectedWith('--region: "eu" is not a whole number');
    // The current sequencer keeps the region the rotation rule judged it by.
    const current = await r.currentSequencerId();
    await expect(run("tags", { region: "9", id: String(current), from: String(current) })).to.be.rejectedWith(
      /setTags reverted: RegistryTagsLocked/,
    );
    expect((await r.getSequencer(3)).region).to.equal(3n);
  });

  it("auction-open, auction, bid and auction-finalize run an auction from the command line", async () => {
    await register("1");
    await register("2");
    await expect(run("auction")).to.be.rejectedWith("no auction has been opened: lp504 auction-open --duration 1h");
    const { result: id, out } = await run("auction-open", { duration: "1h", from: "0" });
    expect(id).to.equal(1n);
    expect(out).to.match(/bids until \d{4}-\d\d-\d\dT/);
    expect((await run("auction")).result).to.equal("bidding");
    await run("bid", { auction: "1", amount: "3", open: true, from: "1" });
    await expect(run("auction-finalize", { auction: "1", from: "4" })).to.be.rejectedWith(/finalizeAuction reverted: Selection/);
    await ethers.provider.send("evm_increaseTime", [3600]);
    await ethers.provider.send("evm_mine", []);
    expect((await run("auction", { auction: "1" })).result).to.equal("revealing");
    const selection = await ethers.getContractAt("SelectionMechanisms", readDeployment(31337)!.contracts.SelectionMechanisms!.address);
    await ethers.provider.send("evm_increaseTime", [Number((await selection.auctionDetails(1)).revealPeriod)]);
    const finalized = await run("auction-finalize", { auction: "1", from: "4" });
    expect(finalized.result).to.be.greaterThan(0);
    expect((await run("auction")).result).to.equal("finalized");
    await expect(run("auction", { auction: "2" })).to.be.rejectedWith("no auction 2: auctions 1…1 exist");
    await expect(run("auction-open", { duration: "soon", from: "0" })).to.be.rejectedWith('--duration: "soon" is not a duration');
  });

  it("capabilities and job-submit speak GFLOPS, MiB and requirements; a GPU job is never scheduled on a sequencer without one", async () => {
    await register("1");
    await register("2");
    const lens = await ethers.getContractAt("SchedulerLens", readDeployment(31337)!.contracts.SchedulerLens!.address);
    expect(
      (await run("capabilities", { flops: "500", memory: "4096", bandwidth: "0", models: "", gpu: false, tee: false, from: "1" })).result,
    ).to.equal("registered");
    expect(
      (
        await run("capabilities", {
          flops: "500",
          memory: "4096",
          bandwidth: "100",
          models: "llama-3-70b",
          gpu: true,
          tee: false,
          from: "2",
        })
      ).result,
    ).to.equal("registered");
    const [caps, , models] = await lens.getCapabilities(2);
    expect([caps.hasGPU, caps.networkBandwidth, models]).to.deep.equal([true, 100n, ["llama-3-70b"]]);
    // An update, not a second registration: sequencer 1 gains a TEE.
    expect(
      (await run("capabilities", { flops: "500", memory: "4096", bandwidth: "0", models: "", gpu: false, tee: true, from: "1" })).result,
    ).to.equal("updated");
    expect((await lens.getCapabilities(1))[0].hasTEE).to.equal(true);

    const { result: jobId } = await run("job-submit", {
      payment: "1",
      flops: "100",
      memory: "1024",
      priority: "1",
      deadline: "2h",
      gpu: true,
      tee: false,
      model: "llama-3-70b",
      spec: "prompt",
      from: "6",
    });
    const [job, spec] = await lens.getJob(jobId as string);
    expect([job.requiredFlops, job.memoryRequirement]).to.deep.equal([100n * 10n ** 9n, 1024n << 20n]);
    const requirements = decodeJobRequirements(spec);
    expect([requirements.gpu, requirements.tee, requirements.modelHash, ethers.toUtf8String(requirements.rest)]).to.deep.equal([
      true,
      false,
      ethers.id("llama-3-70b"),
      "prompt",
    ]);
    await expect(run("schedule", { job: jobId, id: "1", from: "0" })).to.be.rejectedWith(
      /scheduleJob reverted: SchedulerLacksCapability\(jobId=0x[0-9a-f]{64}, sequencerId=1, capability=1\)/,
    );
    await run("schedule", { job: jobId, id: "2", from: "0" });
    expect((await lens.getJob(jobId as string))[0].sequencerId).to.equal(2n);
    expect((await run("job", { id: jobId })).out).to.contain('"gflops":"100"');
    await expect(run("job", { id: "1" })).to.be.rejectedWith('"1" is not a job id: job ids are 32-byte hex');
    await expect(run("schedule", { job: "1", id: "2", from: "0" })).to.be.rejectedWith('"1" is not a job id');
  });

  it("vrf-commit without a registered key says to use --register before sending anything", async () => {
    await register("1");
    const [, alice] = await ethers.getSigners();
    const nonce = await ethers.provider.getTransactionCount(alice.address);
    await expect(run("vrf-commit", { secret: "alice's vrf secret", register: false, from: "1" })).to.be.rejectedWith(
      /sequencer #1 has no VRF key registered: run vrf-commit with --register/,
    );
    expect(await ethers.provider.getTransactionCount(alice.address)).to.equal(nonce);
  });

  it("status shows each sequencer's share of the weight; a node restarted since the deployment is named, not 'could not decode'", async () => {
    await register("1", "150");
    await register("2", "450");
    const { out } = await run("status", { start: 1, limit: 50 });
    expect(out).to.contain('"weight share":"25%"').and.to.contain('"weight share":"75%"');
    // The record survives a node restart; the contracts do not.
    await ethers.provider.send("hardhat_setCode", [readDeployment(31337)!.contracts.SequencerRegistry!.address, "0x"]);
    await expect(run("status", { start: 1, limit: 50 })).to.be.rejectedWith(
      /has no code at 0x[0-9a-fA-F]{40}: the node was restarted or reset since; deploy again with `lp504 deploy --fresh`/,
    );
  });
});
