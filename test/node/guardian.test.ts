import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { registryFixture, type RegistryFixture } from "../helpers/fixtures";
import { OperatorNode } from "../../node/main";
import { validateConfig } from "../../node/config";
import { silentLogger } from "../../node/log";

const E = (n: string | number) => ethers.parseEther(String(n));

/** Six sequencers of 1,000 each, sequencer 1 holding the turn, and a reporter on the monitor. */
async function monitoredSet() {
  const f = await registryFixture();
  const reporter = f.accounts[19];
  await (await f.monitor.connect(f.governanceSigner).grantRole(await f.monitor.REPORTER_ROLE(), reporter.address)).wait();
  for (let i = 0; i < 6; i++)
    await (await f.registry.connect(f.accounts[i]).registerSequencer(`enode://g${i}`, "0x02", "0x", { value: E(1000) })).wait();
  return { ...f, reporter };
}

const nodes: OperatorNode[] = [];
async function guardianNode(f: RegistryFixture, operator: HardhatEthersSigner, guardian = true) {
  const config = validateConfig(
    {
      rpcUrl: "http://127.0.0.1:8545", // unused: the tests hand the node Hardhat's provider
      chainId: Number(f.chainId),
      deployment: "deployment.json",
      keystore: "keystore.json",
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "lp504-guardian-")),
      api: { host: "127.0.0.1", port: 0 },
      duties: { signing: false, turnKeeping: false, watchtower: false, guardian },
    },
    os.tmpdir(),
    "<test>",
    {},
  );
  const node = await OperatorNode.create({ config, provider: ethers.provider, operator, record: f.record, log: silentLogger });
  nodes.push(node);
  return node;
}

describe("node: the guardian duty (liveness rotation, missed forced inclusions)", function () {
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
  });

  it("is off by default, and with it on sends nothing while the active sequencer is live", async () => {
    const f = await loadFixture(monitoredSet);
    expect((await guardianNode(f, f.accounts[10], false)).guardian).to.equal(undefined);
    const watcher = f.accounts[11];
    const node = await guardianNode(f, watcher);
    await (await f.monitor.connect(f.reporter).recordBlockProduction(1, 1, 1, 1)).wait();
    const nonce = await ethers.provider.getTransactionCount(watcher.address);
    expect(await node.guardian!.tick()).to.deep.equal({ rotated: false, proven: 0, followed: 0 });
    expect(await ethers.provider.getTransactionCount(watcher.address)).to.equal(nonce);
    expect(await f.registry.currentSequencerId()).to.equal(1n);
  });

  it("rotates away from a sequencer that missed a slot of its turn, or stayed silent past the liveness timeout, once", async () => {
    const f = await loadFixture(monitoredSet);
    const node = await guardianNode(f, f.accounts[11]);
    await (await f.monitor.connect(f.reporter).recordMissedSlot(1, await f.registry.currentSlot())).wait();
    const round = await node.guardian!.tick();
    expect(round.rotated).to.equal(true);
    expect(await f.registry.currentSequencerId()).to.equal(2n);
    const [rotation] = await f.monitor.queryFilter(f.monitor.filters.LivenessRotation());
    expect([rotation.args.sequencerId, rotation.args.missedSlot]).to.deep.equal([1n, true]);
    expect((await rotation.getTransaction()).from).to.equal(f.accounts[11].address);
    // Sequencer 2 is live until its timeout: nothing; after it, the guardian hands over again.
    expect((await node.guardian!.tick()).rotated).to.equal(false);
    const { livenessTimeout } = await f.monitor.getParameters();
    await time.increase(livenessTimeout + 1n);
    expect((await node.guardian!.tick()).rotated).to.equal(true);
    expect(await f.registry.currentSequencerId()).to.equal(3n);
  });

  it("two guardians in one block: the one that lost the race logs it and fails nothing", async () => {
    const f = await loadFixture(monitoredSet);
    const [a, b] = [await guardianNode(f, f.accounts[11]), await guardianNode(f, f.accounts[12])];
    await (await f.monitor.connect(f.reporter).recordMissedSlot(1, await f.registry.currentSlot())).wait();
    await ethers.provider.send("evm_setAutomine", [false]);
    try {
      const rounds = Promise.all([a.guardian!.tick(), b.guardian!.tick()]);
      // both simulate against the same state and send; one block holds both transactions
      for (let i = 0; i < 40 && (await ethers.provider.send("eth_getBlockByNumber", ["pending", false])).transactions.length < 2; i++)
        await new Promise((r) => setTimeout(r, 50));
      await ethers.provider.send("evm_mine", []);
      await ethers.provider.send("evm_setAutomine", [true]);
      const [ra, rb] = await rounds;
      expect([ra.rotated, rb.rotated].filter(Boolean)).to.have.length(1);
      // Both were sent and mined: the loser's reverted on chain (nothing it could have checked), and its round passed.
      const mined = await ethers.provider.getBlock("latest");
      const statuses = await Promise.all(mined!.transactions.map(async (h) => (await ethers.provider.getTransactionReceipt(h))!.status));
      expect(statuses.sort()).to.deep.equal([0, 1]);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    expect(await f.registry.currentSequencerId()).to.equal(2n);
  });

  it("proves a forced transaction the sequencer on duty let a whole window pass, once, and stops following settled ones", async () => {
    const f = await loadFixture(monitoredSet);
    const user = f.accounts[16];
    const fee = E("0.01");
    const node = await guardianNode(f, f.accounts[11]);
    await (await f.monitor.connect(f.reporter).recordBlockProduction(1, 1, 1, 1)).wait();
    // Two forced transactions: the first is included by the sequencer on duty, the second is censored.
    await (await f.monitor.connect(user).forceInclusion(ethers.id("included"), { value: fee })).wait();
    await (await f.monitor.connect(user).forceInclusion(ethers.id("censored"), { value: fee })).wait();
    expect(await node.guardian!.tick()).to.deep.equal({ rotated: false, proven: 0, followed: 2 });
    await (await f.monitor.connect(f.accounts[0]).markIncluded(1)).wait();
    const { deadline } = await f.monitor.getForcedTx(2);
    await time.increaseTo(deadline + 1n);
    await (await f.monitor.connect(f.reporter).recordBlockProduction(1, 2, 1, 1)).wait(); // live, only censoring
    const round = await node.guardian!.tick();
    expect(round).to.deep.equal({ rotated: false, proven: 1, followed: 0 });
    const [missed] = await f.monitor.queryFilter(f.monitor.filters.InclusionMissed());
    expect([missed.args.id, missed.args.sequencerId, missed.args.slashed]).to.deep.equal([2n, 1n, E(50)]); // 5% of 1,000
    expect((await f.monitor.getForcedTx(2)).status).to.equal(3n);
    expect(await f.monitor.balanceOf(user.address)).to.equal(fee); // refunded to the requester
    expect(await f.registry.currentSequencerId()).to.equal(2n);
    expect((await node.guardian!.tick()).proven).to.equal(0);
  });

  it("after a restart finds forced transactions still queued from the events, and proves the missed one", async () => {
    const f = await loadFixture(monitoredSet);
    await (await f.monitor.connect(f.reporter).recordBlockProduction(1, 1, 1, 1)).wait();
    await (await f.monitor.connect(f.accounts[16]).forceInclusion(ethers.id("censored"), { value: E("0.01") })).wait();
    const { deadline } = await f.monitor.getForcedTx(1);
    await time.increaseTo(deadline + 1n);
    await (await f.monitor.connect(f.reporter).recordBlockProduction(1, 2, 1, 1)).wait();
    const node = await guardianNode(f, f.accounts[12]); // started after the transaction was queued
    expect((await node.guardian!.tick()).proven).to.equal(1);
    expect((await f.monitor.getForcedTx(1)).status).to.equal(3n);
  });
});
