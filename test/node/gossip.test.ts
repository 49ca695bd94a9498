import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { registryFixture, register, type RegistryFixture } from "../helpers/fixtures";
import { OperatorNode, GOSSIP_IDENTITY_FILE } from "../../node/main";
import { validateConfig, TESTING_ENV } from "../../node/config";
import { GossipPeerTransport, commitmentTopic } from "../../node/gossip";
import { Metrics } from "../../node/metrics";
import { silentLogger } from "../../node/log";
import { InvalidFieldError } from "../../node/errors";
import { signBlockCommitment } from "../../sdk";
import { SequencerStatus } from "../../deploy";

const H = (s: string) => ethers.keccak256(ethers.toUtf8Bytes(s));
const LISTEN = "/ip4/127.0.0.1/tcp/0";
const TOPIC = "/lp504-test/commitments";

/** Polls `done` every 20 ms for up to `ms`; fails naming `what` if it never holds. */
async function until(what: string, done: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const transports: GossipPeerTransport[] = [];
const nodes: OperatorNode[] = [];

async function transport(
  peers: string[],
  handler?: (m: Record<string, unknown>) => Promise<unknown>,
  identityFile?: string,
  topic = TOPIC,
) {
  const t = new GossipPeerTransport({ listen: LISTEN, peers, topic, identityFile }, silentLogger, new Metrics());
  if (handler) t.subscribe(handler);
  transports.push(t);
  await t.start();
  return t;
}

async function fiveSequencers() {
  const f = await registryFixture();
  for (let i = 0; i < 5; i++) await register(f, f.accounts[i]);
  return f;
}

async function gossipNode(
  f: RegistryFixture,
  operator: HardhatEthersSigner,
  duties: Partial<{ signing: boolean; watchtower: boolean }>,
  peers: string[],
  testing?: { equivocate: boolean },
) {
  const config = validateConfig(
    {
      rpcUrl: "http://127.0.0.1:8545", // unused: the node gets Hardhat's provider
      chainId: Number(f.chainId),
      deployment: "deployment.json",
      keystore: "keystore.json",
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "lp504-gossip-")),
      api: { host: "127.0.0.1", port: 0 },
      duties: { signing: false, turnKeeping: false, watchtower: false, beacon: false, ...duties },
      transport: "gossip",
      gossip: { listen: LISTEN },
      peers,
      ...(testing ? { testing } : {}),
    },
    os.tmpdir(),
    "<test>",
    { [TESTING_ENV]: "1" },
  );
  const node = await OperatorNode.create({ config, provider: ethers.provider, operator, record: f.record, log: silentLogger });
  nodes.push(node);
  return node;
}
const gossipOf = (node: OperatorNode) => node.peers as GossipPeerTransport;

async function sign(node: OperatorNode, slot: bigint, blockHash: string) {
  const { host, port } = node.apiAddress ?? (await node.startApi());
  const res = await fetch(`http://${host}:${port}/sign`, {
    method: "POST",
    body: JSON.stringify({ slot: slot.toString(), blockHash }),
    headers: { "content-type": "application/json" },
  });
  expect(res.status).to.equal(200);
}

describe("node: gossip peer transport (libp2p gossipsub over TCP, Noise, yamux)", function () {
  this.timeout(120_000);

  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
    await Promise.all(transports.splice(0).map((t) => t.stop()));
  });

  it("relays a published commitment to the two other nodes, also to one the publisher has no connection with", async function () {
    const received: Record<string, unknown>[][] = [[], [], []];
    const a = await transport([], async (m) => received[0].push(m));
    // a line a - b - c: c reaches a only through b's relaying (and dials b without naming its peer id)
    const b = await transport([a.addresses[0]], async (m) => received[1].push(m));
    const c = await transport([b.addresses[0].replace(/\/p2p\/.*$/, "")], async (m) => received[2].push(m));
    await until("the mesh a - b - c", () => a.meshPeers === 1 && b.meshPeers === 2 && c.meshPeers === 1);
    expect(a.topicPeers).to.equal(1); // a knows b only

    const commitment = { sequencerId: 3n, slot: 17n, blockHash: H("block"), signature: "0x" + "ab".repeat(65) };
    await a.publish(commitment);
    await until("b and c to receive it", () => received[1].length === 1 && received[2].length === 1);
    const asJson = { sequencerId: "3", slot: "17", blockHash: commitment.blockHash, signature: commitment.signature };
    expect(received[1]).to.deep.equal([asJson]);
    expect(received[2]).to.deep.equal([asJson]);
    expect(received[0]).to.deep.equal([]); // not back to the publisher
  });

  it("relays only what the receiver's handler accepted: a rejected message stops at the first node", async function () {
    const received: Record<string, unknown>[] = [];
    const a = await transport([]);
    const b = await transport([a.addresses[0]], async (m) => {
      if (m.signature !== "0xgood") throw new InvalidFieldError("signature", "not signed by the operator");
    });
    const c = await transport([b.addresses[0]], async (m) => received.push(m));
    await until("the mesh b - c and a's view of b", () => b.meshPeers === 1 && c.meshPeers === 1 && a.topicPeers === 1);

    await a.publish({ sequencerId: 1n, slot: 1n, blockHash: H("forged"), signature: "0xbad" });
    await a.publish({ sequencerId: 1n, slot: 1n, blockHash: H("signed"), signature: "0xgood" });
    await until("c to receive the accepted message", () => received.length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(received.map((m) => m.signature)).to.deep.equal(["0xgood"]);
  });

  it("counts a publication with no subscribed peer as failed", async function () {
    const metrics = new Metrics();
    const lonely = new GossipPeerTransport({ listen: LISTEN, peers: ["/ip4/127.0.0.1/tcp/9"], topic: TOPIC }, silentLogger, metrics);
    transports.push(lonely);
    await lonely.start();
    await lonely.publish({ sequencerId: 1n, slot: 1n, blockHash: H("x"), signature: "0x01" });
    expect(metrics.get("lp504_node_peer_messages_total", { outcome: "failed" })).to.equal(1);
    expect(metrics.get("lp504_node_peer_messages_total", { outcome: "delivered" })).to.equal(0);
  });

  it("keeps its peer id across restarts in the identity file", async function () {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lp504-p2p-id-")), GOSSIP_IDENTITY_FILE);
    const first = await transport([], undefined, file);
    const id = first.peerId;
    await first.stop();
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect((await transport([], undefined, file)).peerId).to.equal(id);
    expect((await transport([])).peerId).to.not.equal(id);
  });

  it("carries the nodes' signed commitments to a watchtower, which checks them and slashes a node that double-signs", async function () {
    const f = await loadFixture(fiveSequencers);
    const watcher = await gossipNode(f, f.accounts[4], { watchtower: true }, []);
    const watcherAddress = gossipOf(watcher).addresses[0];
    const honest = await gossipNode(f, f.accounts[1], { signing: true }, [watcherAddress]);
    const cheat = await gossipNode(f, f.accounts[0], { signing: true }, [watcherAddress], { equivocate: true });
    await until(
      "both signers to see the watchtower on the topic",
      () => gossipOf(honest).topicPeers === 1 && gossipOf(cheat).topicPeers === 1,
    );
    const received = () => watcher.metrics.get("lp504_node_commitments_received_total");
    const slot = await f.registry.currentSlot();

    await sign(honest, slot, H("honest block"));
    await until("the honest commitment", () => received() === 1);
    expect(honest.metrics.get("lp504_node_peer_messages_total", { outcome: "delivered" })).to.equal(1);
    expect(watcher.metrics.get("lp504_node_equivocations_detected_total")).to.equal(0);

    await sign(cheat, slot, H("block"));
    await until("both of the cheat's commitments", () => received() === 3);
    expect(watcher.metrics.get("lp504_node_equivocations_detected_total")).to.equal(1);
    await watcher.tick();
    const [proven] = await f.registry.queryFilter(f.registry.filters.EquivocationProven(1n));
    expect([proven.args.slot, proven.args.reporter]).to.deep.equal([slot, f.accounts[4].address]);
    expect((await f.registry.getSequencer(1)).status).to.not.equal(SequencerStatus.Active);
  });

  it("rejects a forged commitment on the topic: the watchtower counts it and keeps nothing", async function () {
    const f = await loadFixture(fiveSequencers);
    const watcher = await gossipNode(f, f.accounts[4], { watchtower: true }, []);
    const topic = commitmentTopic(f.chainId, f.registryAddress);
    const attacker = await transport([gossipOf(watcher).addresses[0]], undefined, undefined, topic);
    await until("the attacker to see the watchtower on the topic", () => attacker.topicPeers === 1);
    const slot = await f.registry.currentSlot();
    // signed by account 9, not by sequencer 1's operator (account 0)
    const blockHash = H("forged");
    const signature = await signBlockCommitment(f.accounts[9], f.registryAddress, f.chainId, { sequencerId: 1n, slot, blockHash });
    await attacker.publish({ sequencerId: 1n, slot, blockHash, signature });
    await until("the rejection", () => watcher.metrics.get("lp504_node_commitments_rejected_total") === 1);
    expect(watcher.metrics.get("lp504_node_commitments_received_total")).to.equal(0);
    expect(watcher.watchtower!.pendingReports).to.equal(0);
  });
});
