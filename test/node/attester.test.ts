import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployRegistryFixture, register, type RegistryFixture } from "../helpers/fixtures";
import { drawCommittee, mockRandomness } from "../helpers/committee";
import { OperatorNode } from "../../node/main";
import type { HttpPeerTransport } from "../../node/peers";
import { validateConfig } from "../../node/config";
import { silentLogger } from "../../node/log";
import { signBlockAttestation, signBlockCommitment, type BlockAttestation } from "../../sdk";
import { Wallet, type Signer } from "ethers";

const H = (s: string) => ethers.keccak256(ethers.toUtf8Bytes(s));
const ZERO = ethers.ZeroHash;

/** Six sequencers and the current epoch's attestation committee (16 seats by stake; 11 attest a block). */
async function sixWithCommittee() {
  const f = await deployRegistryFixture();
  for (let i = 0; i < 6; i++) await register(f, f.accounts[i]);
  await drawCommittee(f, await mockRandomness(f));
  return f;
}

const nodes: OperatorNode[] = [];
async function startNode(f: RegistryFixture, operator: HardhatEthersSigner, dataDir?: string) {
  const config = validateConfig(
    {
      rpcUrl: "http://127.0.0.1:8545",
      chainId: Number(f.chainId),
      deployment: "deployment.json",
      keystore: "keystore.json",
      dataDir: dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "lp504-node-")),
      api: { host: "127.0.0.1", port: 0 },
      duties: { signing: true, turnKeeping: false, watchtower: false, beacon: false, attester: true },
    },
    os.tmpdir(),
    "<test>",
    {},
  );
  const node = await OperatorNode.create({ config, provider: ethers.provider, operator, record: f.record, log: silentLogger });
  await node.startApi();
  nodes.push(node);
  return node;
}

const url = (n: OperatorNode) => `http://${n.apiAddress!.host}:${n.apiAddress!.port}`;
async function post(n: OperatorNode, route: string, body: unknown) {
  const res = await fetch(`${url(n)}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every node sends to every other one. */
function mesh(ns: OperatorNode[]) {
  for (const n of ns) ((n.peers as HttpPeerTransport).peers as string[]).push(...ns.filter((o) => o !== n).map(url));
}

const until = async (what: () => boolean) => {
  for (let i = 0; i < 500 && !what(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(what()).to.equal(true);
};

/** Moves the chain to the start of a slot: the monitor accepts a block in its slot and the next, which a loaded machine
 * can otherwise run out of while the nodes exchange signatures. */
async function slotStart(f: RegistryFixture) {
  const [genesis, length] = [await f.monitor.GENESIS_TIME(), await f.monitor.SLOT_DURATION()];
  const now = BigInt(await time.latest());
  await time.increaseTo(genesis + ((now - genesis) / length + 1n) * length);
}

async function activeOperator(f: RegistryFixture) {
  const active = await f.registry.getActiveSequencer();
  return f.accounts.find((a) => a.address === active)!;
}

/** A message as the active sequencer's node publishes it: the attestation and the sequencer's commitment to its block. */
async function message(f: RegistryFixture, over: Partial<BlockAttestation> = {}, committer?: Signer) {
  const attestation: BlockAttestation = {
    sequencerId: await f.registry.currentSequencerId(),
    slot: await f.registry.currentSlot(),
    blockNumber: 77n,
    blockHash: H("block 77"),
    gasUsed: 5_000_000n,
    txCount: 300n,
    ...over,
  };
  const commitmentSignature = await signBlockCommitment(committer ?? (await activeOperator(f)), f.registryAddress, f.chainId, attestation);
  return { attestation, commitmentSignature, signatures: [] as string[] };
}

const seatsOf = (f: RegistryFixture, slot: bigint, a: HardhatEthersSigner) => f.selection.committeeSeatsAt(slot, a.address);

describe("node: attester duty", function () {
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
  });

  it("co-signs the active sequencer's block over the peers, and its node records it once the threshold is in", async function () {
    const f = await loadFixture(sixWithCommittee);
    const operators = f.accounts.slice(0, 6);
    const ns: OperatorNode[] = [];
    for (const o of operators) ns.push(await startNode(f, o));
    mesh(ns);
    const producerIndex = operators.indexOf(await activeOperator(f));
    const producer = ns[producerIndex];
    await slotStart(f);
    const slot = await f.registry.currentSlot();
    const block = { slot, blockNumber: 77n, blockHash: H("block 77"), gasUsed: 5_000_000n, txCount: 300n };
    const res = await post(producer, "/attest", block);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);

    const members = [];
    for (const o of operators) if ((await seatsOf(f, slot, o)) > 0n) members.push(o);
    const signed = () => ns.reduce((sum, n) => sum + n.metrics.get("lp504_node_attestations_signed_total"), 0);
    await until(() => signed() === members.length);

    // The block's own node records it as soon as the signature completing the threshold arrives, without a round.
    await until(() => producer.metrics.get("lp504_node_attested_blocks_recorded_total") === 1);
    expect(await f.monitor.attestedBlock(await f.registry.currentSequencerId(), slot)).to.equal(block.blockHash);
    const [attested] = await f.monitor.queryFilter(f.monitor.filters.BlockAttested());
    expect(attested.args.seats).to.be.gte(11n);
    expect(producer.metrics.get("lp504_node_attested_blocks_recorded_total")).to.equal(1);
    expect(producer.metrics.get("lp504_node_transactions_total", { duty: "attester", function: "recordAttestedBlock" })).to.equal(1);

    // Everyone else sees it recorded and sends nothing.
    const after = await Promise.all(operators.map((o) => ethers.provider.getTransactionCount(o.address)));
    for (const n of ns) await n.tick();
    for (const n of ns) await n.tick();
    expect(await Promise.all(operators.map((o) => ethers.provider.getTransactionCount(o.address)))).to.deep.equal(after);
    for (const n of ns) {
      expect(n.metrics.get("lp504_node_duty_errors_total", { duty: "attester" })).to.equal(0);
      expect(n.attester!.pendingAttestations).to.equal(0);
    }
  });

  it("never signs two different attestations for one (sequencer, slot), also after a restart", async function () {
    const f = await loadFixture(sixWithCommittee);
    const slot = await f.registry.currentSlot();
    let memberOp: HardhatEthersSigner | undefined;
    for (const o of f.accounts.slice(0, 6)) if (!memberOp && (await seatsOf(f, slot, o)) > 0n) memberOp = o;
    if (!memberOp) throw new Error("the committee has no member among the sequencers");
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-node-"));
    const node = await startNode(f, memberOp, dataDir);
    const first = await post(node, "/attestations", await message(f));
    expect(first.status).to.equal(202);
    expect(first.body.signed).to.equal(true);
    // The sequencer equivocates (a second block for the slot, with its commitment), or restates the metrics.
    for (const over of [{ blockHash: H("block 77 bis") }, { txCount: 3000n }]) {
      const again = await post(node, "/attestations", await message(f, over));
      expect(again.status).to.equal(409);
      expect(again.body.error).to.equal("ConflictingAttestation");
    }
    // the same one again is fine, and signs nothing new
    expect((await post(node, "/attestations", await message(f))).body.signed).to.equal(false);
    expect(node.metrics.get("lp504_node_attestations_signed_total")).to.equal(1);
    expect(node.metrics.get("lp504_node_attestation_refusals_total", { reason: "conflict" })).to.equal(2);

    await node.stop();
    const restarted = await startNode(f, memberOp, dataDir);
    expect((await post(restarted, "/attestations", await message(f, { blockHash: H("block 77 bis") }))).status).to.equal(409);
  });

  it("refuses a block that is not the active sequencer's current one, and ignores signatures of non-members", async function () {
    const f = await loadFixture(sixWithCommittee);
    const active = await activeOperator(f);
    const other = f.accounts.slice(0, 6).find((a) => a !== active)!;
    const node = await startNode(f, f.accounts[0]);
    const otherId = await f.registry.sequencerIdOf(other.address);
    const refusals = [
      // not the active sequencer (with its own valid commitment)
      [await message(f, { sequencerId: otherId }, other), "attestation.sequencerId"],
      // the active sequencer's block, committed by someone else
      [await message(f, {}, other), "commitmentSignature"],
      // a slot two behind
      [await message(f, { slot: (await f.registry.currentSlot()) - 2n }), "attestation.slot"],
      [{ ...(await message(f)), signatures: ["0x1234"] }, "signatures[0]"],
    ] as const;
    for (const [body, field] of refusals) {
      const r = await post(node, "/attestations", body);
      expect(r.status, field).to.equal(400);
      expect(r.body.field).to.equal(field);
    }
    expect(node.metrics.get("lp504_node_attestation_refusals_total", { reason: "invalid" })).to.equal(refusals.length);

    // Signatures by accounts outside the committee are not kept (they would make the monitor revert).
    const m = await message(f);
    const outsider = f.accounts[10];
    m.signatures.push(await signBlockAttestation(outsider, await f.monitor.getAddress(), f.chainId, m.attestation));
    const r = await post(node, "/attestations", m);
    expect(r.status).to.equal(202);
    const memberSeats = await seatsOf(f, m.attestation.slot, f.accounts[0]);
    expect(r.body.signatures).to.equal(memberSeats > 0n ? 1 : 0);
  });

  it("checks the block's commitment against the sequencer's signing key for the slot, not its operator key", async function () {
    const f = await loadFixture(sixWithCommittee);
    const active = await activeOperator(f);
    const id = await f.registry.sequencerIdOf(active.address);
    const key = Wallet.createRandom();
    await f.signingKeys.connect(active).setSigningKey(id, key.address);
    const [{ fromSlot }] = await f.signingKeys.keyChanges(id);
    await time.increaseTo((await f.registry.GENESIS_TIME()) + fromSlot * (await f.registry.SLOT_DURATION()));
    const node = await startNode(
      f,
      f.accounts.find((a) => a !== active)!,
    );
    const byOperator = await post(node, "/attestations", await message(f, {}, active));
    expect(byOperator.status).to.equal(400);
    expect(byOperator.body.field).to.equal("commitmentSignature");
    expect(byOperator.body.message).to.include(key.address);
    const byKey = await post(node, "/attestations", await message(f, {}, key));
    expect(byKey.status, JSON.stringify(byKey.body)).to.equal(202);
    // a slot still the operator key's: its commitment counts, the rotated key's does not
    const previous = { slot: fromSlot - 1n };
    await time.increaseTo((await f.registry.GENESIS_TIME()) + fromSlot * (await f.registry.SLOT_DURATION()) + 1n);
    expect((await post(node, "/attestations", await message(f, previous, active))).status).to.equal(202);
    expect((await post(node, "/attestations", await message(f, { ...previous, blockHash: H("other") }, key))).status).to.equal(400);
  });

  it("without the block's own node, another records it a round later; a record lost to another node's in the same block is not a failure", async function () {
    const f = await loadFixture(sixWithCommittee);
    const active = await activeOperator(f);
    const operators = f.accounts.slice(0, 6).filter((o) => o !== active);
    const ns: OperatorNode[] = [];
    for (const o of operators) ns.push(await startNode(f, o));
    mesh(ns);
    await slotStart(f);
    const m = await message(f, { blockNumber: 78n, blockHash: H("block 78") });
    m.signatures.push(await signBlockAttestation(active, await f.monitor.getAddress(), f.chainId, m.attestation));
    const slot = m.attestation.slot;
    let members = 0;
    for (const o of operators) if ((await seatsOf(f, slot, o)) > 0n) members++;
    expect((await post(ns[0], "/attestations", m)).status).to.equal(202);
    const signed = () => ns.reduce((sum, n) => sum + n.metrics.get("lp504_node_attestations_signed_total"), 0);
    await until(() => signed() === members && ns.every((n) => n.attester!.pendingAttestations === 1));
    const nonces = await Promise.all(operators.map((o) => ethers.provider.getTransactionCount(o.address)));
    for (const n of ns) await n.tick(); // the threshold is seen: the block's own node gets a round
    expect(await Promise.all(operators.map((o) => ethers.provider.getTransactionCount(o.address)))).to.deep.equal(nonces);
    await network.provider.send("evm_setAutomine", [false]);
    await network.provider.send("evm_setIntervalMining", [500]);
    try {
      await Promise.all(ns.map((n) => n.tick()));
    } finally {
      await network.provider.send("evm_setIntervalMining", [0]);
      await network.provider.send("evm_setAutomine", [true]);
    }
    const recorded = ns.reduce((s, n) => s + n.metrics.get("lp504_node_attested_blocks_recorded_total"), 0);
    expect(recorded).to.equal(1);
    for (const n of ns) expect(n.metrics.get("lp504_node_duty_errors_total", { duty: "attester" })).to.equal(0);
    expect(await f.monitor.attestedBlock(m.attestation.sequencerId, slot)).to.equal(m.attestation.blockHash);
    expect(await f.monitor.attestedBlock(m.attestation.sequencerId, slot)).to.not.equal(ZERO);
  });
});
