import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { registryFixture, register, type RegistryFixture } from "../helpers/fixtures";
import { OperatorNode } from "../../node/main";
import { validateConfig, TESTING_ENV } from "../../node/config";
import { silentLogger } from "../../node/log";
import { nodeApi } from "../helpers/nodeApi";
import { signBlockCommitment, encodeEquivocationEvidence } from "../../sdk";
import { SequencerStatus, SelectionMode, Parameter } from "../../deploy";
import { operatorVrfKey, vrfKeyHash } from "../../sdk";
import { vrfSecretMessage } from "../../node/duties/beacon";

const H = (s: string) => ethers.keccak256(ethers.toUtf8Bytes(s));

async function fiveSequencers() {
  const f = await registryFixture();
  for (let i = 0; i < 5; i++) await register(f, f.accounts[i]);
  return f;
}

function nodeConfig(
  f: RegistryFixture,
  duties: Partial<{ signing: boolean; turnKeeping: boolean; watchtower: boolean; beacon: boolean }>,
  dataDir?: string,
  extra: Record<string, unknown> = {},
) {
  return validateConfig(
    {
      ...extra,
      rpcUrl: "http://127.0.0.1:8545", // unused: the tests hand the node Hardhat's provider
      chainId: Number(f.chainId),
      deployment: "deployment.json",
      keystore: "keystore.json",
      dataDir: dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "lp504-node-")),
      api: { host: "127.0.0.1", port: 0 },
      duties: { signing: false, turnKeeping: false, watchtower: false, beacon: false, ...duties },
    },
    os.tmpdir(),
    "<test>",
    { [TESTING_ENV]: "1" },
  );
}

const nodes: OperatorNode[] = [];
async function startNode(
  f: RegistryFixture,
  operator: HardhatEthersSigner,
  duties: Parameters<typeof nodeConfig>[1],
  dataDir?: string,
  extra?: Record<string, unknown>,
) {
  const node = await OperatorNode.create({
    config: nodeConfig(f, duties, dataDir, extra),
    provider: ethers.provider,
    operator,
    record: f.record,
    log: silentLogger,
  });
  nodes.push(node);
  return node;
}

describe("node: duties against the registry", function () {
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
  });

  describe("turn keeping", function () {
    it("sends nothing before the rotation is due, rotates once when it is, then nothing again", async function () {
      const f = await loadFixture(fiveSequencers);
      const keeper = f.accounts[6];
      const node = await startNode(f, keeper, { turnKeeping: true });
      const nonce0 = await ethers.provider.getTransactionCount(keeper.address);
      await node.tick();
      expect(await ethers.provider.getTransactionCount(keeper.address)).to.equal(nonce0);
      expect(await f.registry.currentSequencerId()).to.equal(1n);

      await time.increaseTo(await f.registry.nextRotationTime());
      await node.tick();
      expect(await ethers.provider.getTransactionCount(keeper.address)).to.equal(nonce0 + 1);
      expect(await f.registry.currentSequencerId()).to.equal(2n);
      await node.tick();
      expect(await ethers.provider.getTransactionCount(keeper.address)).to.equal(nonce0 + 1);
      expect(node.metrics.get("lp504_node_duty_runs_total", { duty: "turnKeeping" })).to.equal(3);
      expect(node.metrics.get("lp504_node_transactions_total", { duty: "turnKeeping", function: "rotateSequencer" })).to.equal(1);
      expect(node.metrics.get("lp504_node_last_processed_block")).to.equal(await ethers.provider.getBlockNumber());
    });

    it("does not send a rotation another keeper already made in the same period", async function () {
      const f = await loadFixture(fiveSequencers);
      const a = await startNode(f, f.accounts[6], { turnKeeping: true });
      const b = await startNode(f, f.accounts[7], { turnKeeping: true });
      await time.increaseTo(await f.registry.nextRotationTime());
      const nonceB = await ethers.provider.getTransactionCount(f.accounts[7].address);
      await a.tick();
      await b.tick();
      expect(await ethers.provider.getTransactionCount(f.accounts[7].address)).to.equal(nonceB);
      expect(await f.registry.currentSequencerId()).to.equal(2n);
    });
  });

  describe("turn keeping among several keepers", function () {
    it("counts a rotation another keeper sent in the same block as done, not as a failure", async function () {
      const f = await loadFixture(fiveSequencers);
      const a = await startNode(f, f.accounts[6], { turnKeeping: true });
      const b = await startNode(f, f.accounts[7], { turnKeeping: true });
      await time.increaseTo(await f.registry.nextRotationTime());
      await network.provider.send("evm_setAutomine", [false]);
      await network.provider.send("evm_setIntervalMining", [500]);
      try {
        await Promise.all([a.tick(), b.tick()]);
      } finally {
        await network.provider.send("evm_setIntervalMining", [0]);
        await network.provider.send("evm_setAutomine", [true]);
      }
      const sent = (n: OperatorNode) =>
        n.metrics.get("lp504_node_transactions_total", { duty: "turnKeeping", function: "rotateSequencer" });
      expect(sent(a) + sent(b)).to.equal(1);
      expect(a.metrics.get("lp504_node_duty_errors_total", { duty: "turnKeeping" })).to.equal(0);
      expect(b.metrics.get("lp504_node_duty_errors_total", { duty: "turnKeeping" })).to.equal(0);
      expect(await f.registry.currentSequencerId()).to.equal(2n);
    });
  });

  describe("peers", function () {
    it("publishes each signed commitment to the peers, whose watchtower slashes a node that double-signs", async function () {
      const f = await loadFixture(fiveSequencers);
      const watcher = await startNode(f, f.accounts[4], { watchtower: true });
      const { host, port } = await watcher.startApi();
      const peers = [`http://${host}:${port}`];
      const honest = await startNode(f, f.accounts[1], { signing: true }, undefined, { peers });
      const cheat = await startNode(f, f.accounts[0], { signing: true }, undefined, { peers, testing: { equivocate: true } });
      const received = () => watcher.metrics.get("lp504_node_commitments_received_total");
      const slot = await f.registry.currentSlot();

      expect((await nodeApi(honest, "POST", "/sign", { slot: slot.toString(), blockHash: H("honest block") })).status).to.equal(200);
      const delivered = () => honest.metrics.get("lp504_node_peer_messages_total", { outcome: "delivered" });
      while (delivered() < 1) await new Promise((r) => setTimeout(r, 20));
      expect(received()).to.equal(1);
      expect(watcher.metrics.get("lp504_node_equivocations_detected_total")).to.equal(0);

      expect((await nodeApi(cheat, "POST", "/sign", { slot: slot.toString(), blockHash: H("block") })).status).to.equal(200);
      while (received() < 3) await new Promise((r) => setTimeout(r, 20));
      expect(watcher.metrics.get("lp504_node_equivocations_detected_total")).to.equal(1);
      await watcher.tick();
      const [proven] = await f.registry.queryFilter(f.registry.filters.EquivocationProven(1n));
      expect([proven.args.slot, proven.args.reporter]).to.deep.equal([slot, f.accounts[4].address]);
      expect((await f.registry.getSequencer(1)).status).to.not.equal(SequencerStatus.Active);
    });

    it("counts a peer that cannot be reached, and still answers the producer", async function () {
      const f = await loadFixture(fiveSequencers);
      const node = await startNode(f, f.accounts[1], { signing: true }, undefined, { peers: ["http://127.0.0.1:9"] });
      expect((await nodeApi(node, "POST", "/sign", { slot: "5", blockHash: H("block") })).status).to.equal(200);
      while (node.metrics.get("lp504_node_peer_messages_total", { outcome: "failed" }) < 1) await new Promise((r) => setTimeout(r, 20));
    });
  });

  describe("watchtower", function () {
    it("catches a double-sign published to it, proves it, and withdraws the reporter's reward", async function () {
      const f = await loadFixture(fiveSequencers);
      const watcher = f.accounts[1];
      const node = await startNode(f, watcher, { watchtower: true });
      const cheater = f.accounts[0];
      const slot = await f.registry.currentSlot();
      const commitment = async (signer: HardhatEthersSigner, blockHash: string, sequencerId = 1n) => ({
        sequencerId: sequencerId.toString(),
        slot: slot.toString(),
        blockHash,
        signature: await signBlockCommitment(signer, f.registryAddress, f.chainId, { sequencerId, slot, blockHash }),
      });
      const a = await commitment(cheater, H("A"));
      expect((await nodeApi(node, "POST", "/commitments", a)).json()).to.deep.equal({ equivocation: false });
      expect((await nodeApi(node, "POST", "/commitments", a)).json()).to.deep.equal({ equivocation: false });
      // a forged commitment (signed by someone else) is rejected and triggers nothing
      const forged = await nodeApi(node, "POST", "/commitments", await commitment(f.accounts[9], H("B")));
      expect(forged.status).to.equal(400);
      expect(forged.json().field).to.equal("signature");
      expect((await nodeApi(node, "POST", "/commitments", { ...a, slot: "x" })).json().field).to.equal("slot");
      expect(node.watchtower!.pendingReports).to.equal(0);

      const b = await commitment(cheater, H("B"));
      expect((await nodeApi(node, "POST", "/commitments", b)).json()).to.deep.equal({ equivocation: true });
      const ethBefore = await ethers.provider.getBalance(watcher.address);
      await node.tick();
      expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Suspended);
      const withdrawn = await f.registry.queryFilter(f.registry.filters.Withdrawn(watcher.address));
      expect(withdrawn).to.have.length(1);
      expect(withdrawn[0].args.amount).to.be.greaterThan(0n);
      expect(await f.registry.withdrawableBalance(watcher.address)).to.equal(0n);
      expect(await ethers.provider.getBalance(watcher.address)).to.be.greaterThan(ethBefore); // the reward exceeds the gas
      expect(node.metrics.get("lp504_node_equivocations_reported_total")).to.equal(1);

      // a third conflicting hash for the same period: already punished, dropped without a transaction
      const nonce = await ethers.provider.getTransactionCount(watcher.address);
      await nodeApi(node, "POST", "/commitments", await commitment(cheater, H("C")));
      await node.tick();
      expect(node.watchtower!.pendingReports).to.equal(0);
      expect(await ethers.provider.getTransactionCount(watcher.address)).to.equal(nonce);
      const metrics = (await nodeApi(node, "GET", "/metrics")).text;
      expect(metrics).to.match(/^lp504_node_equivocations_detected_total 2$/m);
      expect(metrics).to.match(/^lp504_node_commitments_rejected_total 2$/m);
    });

    it("counts another watchtower's report of the same equivocation in the same block as done, not as a failure", async function () {
      const f = await loadFixture(fiveSequencers);
      const watchers = [await startNode(f, f.accounts[1], { watchtower: true }), await startNode(f, f.accounts[2], { watchtower: true })];
      const slot = await f.registry.currentSlot();
      for (const blockHash of [H("A"), H("B")]) {
        const signature = await signBlockCommitment(f.accounts[0], f.registryAddress, f.chainId, { sequencerId: 1n, slot, blockHash });
        for (const w of watchers) await w.watchtower!.accept({ sequencerId: "1", slot: slot.toString(), blockHash, signature });
      }
      await network.provider.send("evm_setAutomine", [false]);
      await network.provider.send("evm_setIntervalMining", [500]);
      try {
        await Promise.all(watchers.map((w) => w.tick()));
      } finally {
        await network.provider.send("evm_setIntervalMining", [0]);
        await network.provider.send("evm_setAutomine", [true]);
      }
      expect(await f.registry.queryFilter(f.registry.filters.EquivocationProven(1n))).to.have.length(1);
      for (const w of watchers) {
        expect(w.metrics.get("lp504_node_duty_errors_total", { duty: "watchtower" })).to.equal(0);
        expect(w.watchtower!.pendingReports).to.equal(0);
      }
    });

    it("holds evidence for a slot still ahead, and reports it once the slot comes", async function () {
      const f = await loadFixture(fiveSequencers);
      const node = await startNode(f, f.accounts[1], { watchtower: true });
      const slot = (await f.registry.currentSlot()) + 3n;
      for (const h of ["A", "B"]) {
        const blockHash = H(h);
        const signature = await signBlockCommitment(f.accounts[0], f.registryAddress, f.chainId, { sequencerId: 1n, slot, blockHash });
        await node.watchtower!.accept({ sequencerId: 1, slot: slot.toString(), blockHash, signature });
      }
      const nonce = await ethers.provider.getTransactionCount(f.accounts[1].address);
      await node.tick();
      expect(await ethers.provider.getTransactionCount(f.accounts[1].address)).to.equal(nonce);
      expect(node.watchtower!.pendingReports).to.equal(1);
      const genesis = await f.registry.GENESIS_TIME();
      await time.increaseTo(genesis + slot * (await f.registry.SLOT_DURATION()));
      await node.tick();
      expect(node.watchtower!.pendingReports).to.equal(0);
      expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Suspended);
    });

    it("drops evidence outside the sequencer's duty without sending", async function () {
      const f = await loadFixture(fiveSequencers);
      const node = await startNode(f, f.accounts[1], { watchtower: true });
      await f.registry.connect(f.accounts[2]).initiateExit(3); // sequencer 3 leaves: its duty ends now
      await time.increase(60);
      const slot = await f.registry.currentSlot();
      for (const h of ["A", "B"]) {
        const blockHash = H(h);
        const signature = await signBlockCommitment(f.accounts[2], f.registryAddress, f.chainId, { sequencerId: 3n, slot, blockHash });
        await node.watchtower!.accept({ sequencerId: 3, slot: Number(slot), blockHash, signature });
      }
      const nonce = await ethers.provider.getTransactionCount(f.accounts[1].address);
      await node.tick();
      expect(node.watchtower!.pendingReports).to.equal(0);
      expect(await ethers.provider.getTransactionCount(f.accounts[1].address)).to.equal(nonce);
    });
  });

  describe("beacon committer", function () {
    it("registers the derived VRF key, commits its own round once, and sends nothing for another's round", async function () {
      const f = await loadFixture(fiveSequencers);
      const [a, b] = [f.accounts[0], f.accounts[1]];
      const nodeA = await startNode(f, a, { beacon: true });
      const nodeB = await startNode(f, b, { beacon: true });
      await nodeA.tick();
      await nodeB.tick();
      const derived = vrfKeyHash(operatorVrfKey(await a.signMessage(vrfSecretMessage(f.chainId, 1n))).pk);
      expect((await f.beacon!.latestVRFKey(1))[0]).to.equal(derived);
      await f.registry.connect(f.governanceSigner).setParameter(Parameter.SelectionMode, SelectionMode.WeightedRandom);
      await f.selection.requestRandomness();
      const [, committer] = await f.beacon!.roundState();
      const [mine, other] = committer === 1n ? [nodeA, nodeB] : [nodeB, nodeA];
      const otherAddress = committer === 1n ? b.address : a.address;
      const nonceOther = await ethers.provider.getTransactionCount(otherAddress);
      const before = await f.beacon!.lastOutput();
      await other.tick();
      expect(await ethers.provider.getTransactionCount(otherAddress)).to.equal(nonceOther);
      await mine.tick();
      expect((await f.beacon!.roundState())[3]).to.equal(false); // the round is closed
      expect(await f.beacon!.lastOutput()).to.not.equal(before);
      expect(mine.metrics.get("lp504_node_transactions_total", { duty: "beacon", function: "commitVRF" })).to.equal(1);
      await mine.tick();
      expect(mine.metrics.get("lp504_node_transactions_total", { duty: "beacon", function: "commitVRF" })).to.equal(1);
      expect(mine.metrics.get("lp504_node_duty_errors_total", { duty: "beacon" })).to.equal(0);
    });

    it("passes on a round whose committer missed its deadline (skipCommitter), once", async function () {
      const f = await loadFixture(fiveSequencers);
      const nodes = [];
      for (let i = 0; i < 3; i++) nodes.push(await startNode(f, f.accounts[i], { beacon: true }));
      for (const n of nodes) await n.tick(); // each registers its key
      await f.registry.connect(f.governanceSigner).setParameter(Parameter.SelectionMode, SelectionMode.WeightedRandom);
      await f.selection.requestRandomness();
      const [round, committer, deadline] = await f.beacon!.roundState();
      const committerNode = nodes.find((n) => n.ctx.sequencerId === committer);
      if (committerNode) {
        nodes.splice(nodes.indexOf(committerNode), 1);
        await committerNode.stop(); // the committer is down
      }
      const [x, y] = nodes;
      await x.tick();
      expect((await f.beacon!.roundState())[1]).to.equal(committer); // not yet timed out: nothing sent
      await time.increaseTo(deadline);
      await x.tick();
      const missed = await f.beacon!.queryFilter(f.beacon!.filters.CommitMissed());
      expect(missed.map((e) => [e.args.round, e.args.committerId])).to.deep.equal([[round, committer]]);
      expect(x.metrics.get("lp504_node_transactions_total", { duty: "beacon", function: "skipCommitter" })).to.equal(1);
      expect(await f.beacon!.missedRounds(committer)).to.equal(1n);
      const [, next] = await f.beacon!.roundState();
      expect(next).to.not.equal(committer);
      const nonceY = await ethers.provider.getTransactionCount(await y.ctx.operator.getAddress());
      if (next !== y.ctx.sequencerId) {
        await y.tick(); // the new committer's deadline is ahead: y neither skips nor commits
        expect(await ethers.provider.getTransactionCount(await y.ctx.operator.getAddress())).to.equal(nonceY);
      }
    });

    it("commits nothing when another VRF key is registered for its sequencer", async function () {
      const f = await loadFixture(fiveSequencers);
      await f.beacon!.connect(f.accounts[0]).registerVRFKey(1, operatorVrfKey(ethers.id("another tool's key")).pk);
      const node = await startNode(f, f.accounts[0], { beacon: true });
      const nonce = await ethers.provider.getTransactionCount(f.accounts[0].address);
      await node.tick();
      expect(await ethers.provider.getTransactionCount(f.accounts[0].address)).to.equal(nonce);
    });
  });

  describe("signing service", function () {
    it("signs what the registry accepts as evidence, and refuses a second hash for a slot, also after a restart", async function () {
      const f = await loadFixture(fiveSequencers);
      const operator = f.accounts[0];
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-node-"));
      const node = await startNode(f, operator, { signing: true }, dataDir);
      const slot = await f.registry.currentSlot();
      const first = await nodeApi(node, "POST", "/sign", { slot: slot.toString(), blockHash: H("A") });
      expect(first.status).to.equal(200);
      const signed = first.json();
      expect(signed.sequencerId).to.equal("1");
      expect((await nodeApi(node, "POST", "/sign", { slot: Number(slot), blockHash: H("A") })).status).to.equal(200); // the same hash again
      const refused = await nodeApi(node, "POST", "/sign", { slot: slot.toString(), blockHash: H("B") });
      expect(refused.status).to.equal(409);
      expect(refused.json().signedHash).to.equal(H("A"));
      expect((await nodeApi(node, "POST", "/sign", { slot: "-1", blockHash: H("B") })).json().field).to.equal("slot");
      expect((await nodeApi(node, "POST", "/sign", { slot: 1, blockHash: "0x12" })).json().field).to.equal("blockHash");

      const turn = (await nodeApi(node, "GET", "/turn")).json();
      expect(turn).to.include({ holdsTurn: true, activeSequencer: operator.address, slot: slot.toString(), sequencerId: "1" });
      expect(turn.nextRotationTime).to.equal((await f.registry.nextRotationTime()).toString());
      expect((await nodeApi(node, "GET", "/healthz")).status).to.equal(200);
      const metrics = (await nodeApi(node, "GET", "/metrics")).text;
      expect(metrics).to.match(/^lp504_node_signatures_total 2$/m);
      expect(metrics).to.match(/^lp504_node_sign_refusals_total\{reason="conflict"\} 1$/m);
      expect(metrics).to.match(/^lp504_node_sign_refusals_total\{reason="invalid"\} 2$/m);
      expect((await nodeApi(node, "GET", "/status")).json()).to.include({ signedCommitments: 1, sequencerId: "1" });

      await node.stop();
      nodes.splice(nodes.indexOf(node), 1);
      const restarted = await startNode(f, operator, { signing: true }, dataDir);
      expect((await nodeApi(restarted, "POST", "/sign", { slot: slot.toString(), blockHash: H("B") })).status).to.equal(409);

      // the node's signature is the SDK's EIP-712 commitment: with a conflicting one signed outside the node, the
      // registry's equivocation module accepts the pair
      const other = await signBlockCommitment(operator, f.registryAddress, f.chainId, { sequencerId: 1n, slot, blockHash: H("B") });
      await expect(
        f.registry.connect(f.accounts[9]).reportMisbehavior(1, encodeEquivocationEvidence(slot, H("A"), signed.signature, H("B"), other)),
      ).to.emit(f.registry, "EquivocationProven");
    });

    it("refuses to start for an operator that runs no sequencer, or on the wrong chain", async function () {
      const f = await loadFixture(fiveSequencers);
      await expect(startNode(f, f.accounts[9], { signing: true })).to.be.rejectedWith("operates no sequencer");
      const config = { ...nodeConfig(f, {}), chainId: 1 };
      await expect(
        OperatorNode.create({ config, provider: ethers.provider, operator: f.accounts[0], record: f.record, log: silentLogger }),
      ).to.be.rejectedWith("chainId");
    });
  });
});
