import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import * as pkg from "../../index";
import { decodeRevert, describeRevert, parseEvents, Parameter, type SuiteEvent } from "../../index";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { packageRecords } from "../../tasks/size";
import { readDeployment } from "../../node";
import { registryFixture, register, ENDPOINT, PUBLIC_KEY, METADATA, STAKE_100K } from "../helpers/fixtures";

/** What a call threw (ethers estimates a transaction first, so a revert throws before anything is sent). */
async function thrown(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error("the call did not revert");
}

describe("Package surface: revert decoder and typed events on a real chain", () => {
  it("should read a failed call's custom error by name, with named and typed arguments", async () => {
    const f = await loadFixture(registryFixture);
    const [operator] = f.accounts;
    const id = await register(f, operator);
    const error = await thrown(f.registry.connect(operator).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: STAKE_100K }));

    const revert = decodeRevert(error);
    expect(revert?.kind).to.equal("custom");
    if (revert?.kind !== "custom") return;
    expect(revert.name).to.equal("RegistryOperatorAlreadyRegistered");
    expect(revert.signature).to.equal("RegistryOperatorAlreadyRegistered(address,uint256)");
    expect(revert.args).to.deep.equal({ operator: operator.address, sequencerId: id });
    expect(describeRevert(error)).to.equal(`RegistryOperatorAlreadyRegistered(operator=${operator.address}, sequencerId=${id})`);
  });

  it("should decode the errors of inherited contracts and linked libraries too", async () => {
    const f = await loadFixture(registryFixture);
    const [stranger] = f.accounts;
    const denied = decodeRevert(await thrown(f.registry.connect(stranger).setParameter(Parameter.MaxSequencers, 10n)));
    expect(denied?.kind === "custom" && denied.name).to.equal("AccessControlUnauthorizedAccount");
    expect(denied?.kind === "custom" && denied.args.account).to.equal(stranger.address);

    // Bounds are checked in the linked RegistryParametersLib: its error, through the registry, decodes the same way.
    const bounded = decodeRevert(await thrown(f.registry.connect(f.governanceSigner).setParameter(Parameter.MaxSequencers, 0n)));
    expect(bounded?.kind === "custom" && bounded.name).to.equal("RegistryParameterOutOfBounds");
    expect(bounded?.kind === "custom" && bounded.args).to.deep.equal({
      parameter: BigInt(Parameter.MaxSequencers),
      value: 0n,
      min: 1n,
      max: 100_000n,
    });
  });

  it("should leave what carries no revert data undecoded, and name a selector no ABI declares", () => {
    expect(decodeRevert(new Error("network down"))).to.equal(undefined);
    expect(decodeRevert("0xdeadbeef")).to.deep.equal({ kind: "unknown", selector: "0xdeadbeef", data: "0xdeadbeef" });
    expect(describeRevert(ethers.Interface.from(["error Error(string)"]).encodeErrorResult("Error", ["no"]))).to.equal('Error("no")');
  });

  it("should parse a receipt's logs into typed events (bigint for every integer), the linked library's included", async () => {
    const f = await loadFixture(registryFixture);
    const [operator, delegator] = f.accounts;
    const registered = await (
      await f.registry.connect(operator).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: STAKE_100K })
    ).wait();
    const events = parseEvents("SequencerRegistry", registered!.logs, { address: f.registryAddress });
    const registration = events.find((e): e is SuiteEvent<"SequencerRegistry", "SequencerRegistered"> => e.name === "SequencerRegistered");
    expect(registration?.args).to.deep.equal({ sequencerId: 1n, operator: operator.address });
    expect(registration?.transactionHash).to.equal(registered!.hash);
    expect(registration?.blockNumber).to.equal(registered!.blockNumber);

    const delegated = await (await f.registry.connect(delegator).delegateStake(1n, { value: ethers.parseEther("5") })).wait();
    const [delegation] = parseEvents("SequencerRegistry", delegated!.logs).filter((e) => e.name === "StakeDelegated");
    expect(delegation.args).to.deep.equal({ sequencerId: 1n, delegator: delegator.address, amount: ethers.parseEther("5") });

    const updated = await (await f.registry.connect(f.governanceSigner).setParameter(Parameter.MaxSequencers, 500n)).wait();
    const [change] = parseEvents("SequencerRegistry", updated!.logs).filter((e) => e.name === "ParameterUpdated");
    expect(change.args).to.deep.equal({ parameter: BigInt(Parameter.MaxSequencers), oldValue: 1000n, newValue: 500n });
    for (const value of Object.values(change.args)) expect(typeof value).to.equal("bigint");

    // Another contract's logs are skipped when the address is given.
    expect(parseEvents("SequencerRegistry", registered!.logs, { address: await f.selection.getAddress() })).to.deep.equal([]);
  });

  it("should export the suite's contracts without mocks, harnesses or attackers", () => {
    const names = Object.keys(pkg);
    expect(names).to.include.members(["SequencerRegistry__factory", "RegistryLens__factory", "ISequencerRegistry__factory", "abis"]);
    expect(names.filter((name) => /Mock|Harness|Attacker|^factories$/.test(name))).to.deep.equal([]);
  });

  it("should compile in the live chains' records, not a development node's, and refuse a record of another chain", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-records-"));
    const record = (chainId: number, development?: boolean) => ({ format: "lp504-deployment/2", chainId, contracts: {}, development });
    try {
      fs.writeFileSync(path.join(dir, "96369.json"), JSON.stringify(record(96369)));
      fs.writeFileSync(path.join(dir, "96368.json"), JSON.stringify(record(96368, true)));
      fs.writeFileSync(path.join(dir, "notes.json"), "{}");
      expect(Object.keys(packageRecords(dir))).to.deep.equal(["96369"]);
      expect(readDeployment(96369, dir)?.chainId).to.equal(96369);
      expect(readDeployment(1, dir)).to.equal(undefined);

      fs.writeFileSync(path.join(dir, "1.json"), JSON.stringify(record(96369)));
      expect(() => packageRecords(dir)).to.throw("is for chain 96369, not 1");
      fs.writeFileSync(path.join(dir, "1.json"), JSON.stringify({ ...record(1), format: "lp504-deployment/1" }));
      expect(() => packageRecords(dir)).to.throw("predates the equivocation module");
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
