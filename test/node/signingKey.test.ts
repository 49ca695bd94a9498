import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { HDNodeWallet, VoidSigner, Wallet, type Signer } from "ethers";
import { registryFixture, register, type RegistryFixture } from "../helpers/fixtures";
import { OperatorNode } from "../../node/main";
import { validateConfig, TESTING_ENV } from "../../node/config";
import { silentLogger } from "../../node/log";
import { nodeApi } from "../helpers/nodeApi";
import { blockCommitmentSigner, signBlockCommitment, encodeEquivocationEvidence } from "../../sdk";
import { SequencerStatus, SIGNING_KEY_DELAY_SLOTS } from "../../deploy";

const H = (s: string) => ethers.keccak256(ethers.toUtf8Bytes(s));

async function fiveSequencers() {
  const f = await registryFixture();
  for (let i = 0; i < 5; i++) await register(f, f.accounts[i]);
  return f;
}

interface NodeOptions {
  duties?: Partial<{ signing: boolean; watchtower: boolean; attester: boolean }>;
  dataDir?: string;
  signingKey?: Signer;
  previousSigningKeys?: Signer[];
  extra?: Record<string, unknown>;
}

const nodes: OperatorNode[] = [];
async function startNode(f: RegistryFixture, operator: Signer, o: NodeOptions = {}) {
  const config = validateConfig(
    {
      ...o.extra,
      rpcUrl: "http://127.0.0.1:8545", // unused: the tests hand the node Hardhat's provider
      chainId: Number(f.chainId),
      deployment: "deployment.json",
      keystore: "keystore.json",
      ...(o.signingKey ? { signingKeystore: "signing-keystore.json" } : {}),
      dataDir: o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "lp504-node-")),
      api: { host: "127.0.0.1", port: 0 },
      duties: { signing: false, turnKeeping: false, watchtower: false, beacon: false, ...o.duties },
    },
    os.tmpdir(),
    "<test>",
    { [TESTING_ENV]: "1" },
  );
  const node = await OperatorNode.create({
    config,
    provider: ethers.provider,
    operator,
    signingKey: o.signingKey,
    previousSigningKeys: o.previousSigningKeys,
    record: f.record,
    log: silentLogger,
  });
  nodes.push(node);
  return node;
}

/** Moves the chain to the start of registry slot `slot`. */
async function toSlot(f: RegistryFixture, slot: bigint) {
  await time.increaseTo((await f.registry.GENESIS_TIME()) + slot * (await f.registry.SLOT_DURATION()));
  expect(await f.registry.currentSlot()).to.equal(slot);
}

/** Who signed a commitment the node answered with. */
const signerOf = (f: RegistryFixture, c: { sequencerId: string; slot: string; blockHash: string; signature: string }) =>
  blockCommitmentSigner(
    f.registryAddress,
    f.chainId,
    { sequencerId: BigInt(c.sequencerId), slot: BigInt(c.slot), blockHash: c.blockHash },
    c.signature,
  );

async function commitment(f: RegistryFixture, key: Signer, slot: bigint, blockHash: string, sequencerId = 1n) {
  const signature = await signBlockCommitment(key, f.registryAddress, f.chainId, { sequencerId, slot, blockHash });
  return { sequencerId: sequencerId.toString(), slot: slot.toString(), blockHash, signature };
}

const nonceOf = (a: HardhatEthersSigner) => ethers.provider.getTransactionCount(a.address);

describe("node: block-commitment signing keys (SigningKeys)", function () {
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
    await network.provider.send("evm_setAutomine", [true]);
  });

  it("registers its signing key once (not again after a restart), signs with the operator key before its first slot and with it from then", async function () {
    const f = await loadFixture(fiveSequencers);
    const operator = f.accounts[0];
    const key = Wallet.createRandom();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-node-"));
    const node = await startNode(f, operator, { duties: { signing: true }, dataDir, signingKey: key });
    const before = (await nodeApi(node, "GET", "/status")).json().signingKey;
    expect(before).to.include({ inUse: operator.address, held: true, configured: key.address });
    expect(before).to.not.have.property("pending");

    const nonce = await nonceOf(operator);
    await node.tick();
    expect(await nonceOf(operator)).to.equal(nonce + 1);
    const changes = await f.signingKeys.keyChanges(1n);
    expect(changes.map((c) => c.key)).to.deep.equal([key.address]);
    const from = changes[0].fromSlot;
    expect(from).to.equal((await f.registry.currentSlot()) + SIGNING_KEY_DELAY_SLOTS);
    expect(node.metrics.get("lp504_node_transactions_total", { duty: "signingKey", function: "setSigningKey" })).to.equal(1);
    const pending = (await nodeApi(node, "GET", "/status")).json().signingKey;
    expect(pending).to.deep.include({ inUse: operator.address, held: true, pending: { key: key.address, fromSlot: from.toString() } });

    await node.tick(); // pending: nothing more to send
    expect(await nonceOf(operator)).to.equal(nonce + 1);
    await node.stop();
    nodes.splice(nodes.indexOf(node), 1);
    const restarted = await startNode(f, operator, { duties: { signing: true }, dataDir, signingKey: key });
    await restarted.tick();
    expect(await nonceOf(operator)).to.equal(nonce + 1);
    expect(restarted.metrics.get("lp504_node_duty_errors_total", { duty: "signingKey" })).to.equal(0);

    // before its first slot the operator key signs, from it the signing key (the contract's answer for each slot)
    const now = await f.registry.currentSlot();
    for (const [slot, signer] of [
      [now, operator.address],
      [from - 1n, operator.address],
      [from, key.address],
      [from + 5n, key.address],
    ] as const) {
      const signed = await nodeApi(restarted, "POST", "/sign", { slot: slot.toString(), blockHash: H(`block ${slot}`) });
      expect(signed.status).to.equal(200);
      expect(signerOf(f, signed.json()), `slot ${slot}`).to.equal(signer);
    }

    // from its first slot on the status shows it in use, and its signature convicts on chain
    await toSlot(f, from + 5n);
    await restarted.tick();
    expect(await nonceOf(operator)).to.equal(nonce + 1);
    const active = (await nodeApi(restarted, "GET", "/status")).json().signingKey;
    expect(active).to.include({ inUse: key.address, held: true });
    expect(active).to.not.have.property("pending");
    const signed = (await nodeApi(restarted, "POST", "/sign", { slot: (from + 5n).toString(), blockHash: H(`block ${from + 5n}`) })).json();
    const other = await commitment(f, key, from + 5n, H("another block"));
    await expect(
      f.registry
        .connect(f.accounts[9])
        .reportMisbehavior(1, encodeEquivocationEvidence(from + 5n, signed.blockHash, signed.signature, other.blockHash, other.signature)),
    ).to.emit(f.registry, "EquivocationProven");
  });

  it("does not send its registration again after a restart while the first one is still in the mempool", async function () {
    const f = await loadFixture(fiveSequencers);
    // sequencer 1's operator as a raw-signing wallet: the transaction is on disk before it is broadcast
    const operator = HDNodeWallet.fromPhrase(
      "test test test test test test test test test test test junk",
      undefined,
      `m/44'/60'/0'/0/${(await ethers.getSigners()).findIndex((a) => a.address === f.accounts[0].address)}`,
    ).connect(ethers.provider);
    expect(operator.address).to.equal(f.accounts[0].address);
    const key = Wallet.createRandom();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-node-"));
    const options = { dataDir, signingKey: key, extra: { tx: { pollIntervalMs: 25 } } };
    const node = await startNode(f, operator, options);
    const nonce = await ethers.provider.getTransactionCount(operator.address);
    const mempool = async () => (await network.provider.send("eth_getBlockByNumber", ["pending", false])).transactions.length as number;
    await network.provider.send("evm_setAutomine", [false]);
    const round = node.tick();
    while ((await mempool()) < 1) await new Promise((r) => setTimeout(r, 20));
    await node.stop(); // stops with the registration unmined
    nodes.splice(nodes.indexOf(node), 1);
    await round;

    const restarted = await startNode(f, operator, options);
    expect(restarted.ctx.tx.pending).to.equal(1); // tracked again
    await restarted.tick(); // the pending block has the change: nothing to send
    expect(await mempool()).to.equal(1);
    expect(restarted.metrics.get("lp504_node_duty_errors_total", { duty: "signingKey" })).to.equal(0);
    await network.provider.send("evm_mine", []);
    expect((await f.signingKeys.keyChanges(1n)).map((c) => c.key)).to.deep.equal([key.address]);
    expect(await ethers.provider.getTransactionCount(operator.address)).to.equal(nonce + 1);
    await restarted.tick();
    expect(await ethers.provider.getTransactionCount(operator.address)).to.equal(nonce + 1);
  });

  it("refuses to sign a slot whose key it does not hold: 503, counted, nothing recorded", async function () {
    const f = await loadFixture(fiveSequencers);
    const operator = f.accounts[0];
    const node = await startNode(f, operator, { duties: { signing: true, attester: true } });
    const elsewhere = Wallet.createRandom(); // set with another tool; the node was never given it
    await f.signingKeys.connect(operator).setSigningKey(1n, elsewhere.address);
    const [{ fromSlot }] = await f.signingKeys.keyChanges(1n);

    expect((await nodeApi(node, "POST", "/sign", { slot: (fromSlot - 1n).toString(), blockHash: H("A") })).status).to.equal(200);
    const refused = await nodeApi(node, "POST", "/sign", { slot: fromSlot.toString(), blockHash: H("A") });
    expect(refused.status).to.equal(503);
    expect(refused.json()).to.include({ error: "SigningKeyUnavailable", validKey: elsewhere.address, slot: fromSlot.toString() });
    expect(node.metrics.get("lp504_node_sign_refusals_total", { reason: "no-valid-key" })).to.equal(1);
    expect(node.metrics.get("lp504_node_signatures_total")).to.equal(1);
    // nothing was recorded for the refused slot: another hash is refused for the key again, not as a conflict
    expect((await nodeApi(node, "POST", "/sign", { slot: fromSlot.toString(), blockHash: H("B") })).status).to.equal(503);
    // the producer's proposal for attestation signs the commitment first: refused the same way
    const block = { slot: fromSlot.toString(), blockNumber: 7, blockHash: H("C"), gasUsed: 1, txCount: 1 };
    const proposed = await nodeApi(node, "POST", "/attest", block);
    expect(proposed.status).to.equal(503);
    expect(proposed.json().error).to.equal("SigningKeyUnavailable");
    expect(node.metrics.get("lp504_node_sign_refusals_total", { reason: "no-valid-key" })).to.equal(3);
    expect((await nodeApi(node, "GET", "/status")).json()).to.include({ signedCommitments: 1 });
    await node.tick();
    expect(node.metrics.get("lp504_node_signing_key_held")).to.equal(1);
    await toSlot(f, fromSlot);
    expect((await nodeApi(node, "GET", "/status")).json().signingKey).to.include({ inUse: elsewhere.address, held: false });
    await node.tick(); // the gauge an operator alerts on before the producer asks
    expect(node.metrics.get("lp504_node_signing_key_held")).to.equal(0);
    expect(node.metrics.get("lp504_node_duty_errors_total", { duty: "signingKey" })).to.equal(0);
  });

  it("keeps a previous signing key for its remaining slots while the new one waits for its first slot", async function () {
    const f = await loadFixture(fiveSequencers);
    const operator = f.accounts[0];
    const [oldKey, newKey] = [Wallet.createRandom(), Wallet.createRandom()];
    await f.signingKeys.connect(operator).setSigningKey(1n, oldKey.address);
    const [{ fromSlot: oldFrom }] = await f.signingKeys.keyChanges(1n);
    await toSlot(f, oldFrom);
    const node = await startNode(f, operator, { duties: { signing: true }, signingKey: newKey, previousSigningKeys: [oldKey] });
    await node.tick();
    const changes = await f.signingKeys.keyChanges(1n);
    expect(changes.map((c) => c.key)).to.deep.equal([oldKey.address, newKey.address]);
    const newFrom = changes[1].fromSlot;
    for (const [slot, signer] of [
      [oldFrom - 1n, operator.address], // a past slot of the operator key
      [oldFrom, oldKey.address],
      [newFrom - 1n, oldKey.address],
      [newFrom, newKey.address],
    ] as const) {
      const signed = await nodeApi(node, "POST", "/sign", { slot: slot.toString(), blockHash: H(`block ${slot}`) });
      expect(signed.status).to.equal(200);
      expect(signerOf(f, signed.json()), `slot ${slot}`).to.equal(signer);
    }
    // one slashing-protection store whatever key signs: a second hash for any of those slots is refused
    for (const slot of [oldFrom - 1n, newFrom - 1n, newFrom])
      expect((await nodeApi(node, "POST", "/sign", { slot: slot.toString(), blockHash: H("another") })).status).to.equal(409);
  });

  it("back to the operator key: a previous key alone signs its remaining slots, and nothing is registered", async function () {
    const f = await loadFixture(fiveSequencers);
    const operator = f.accounts[0];
    const key = Wallet.createRandom();
    await f.signingKeys.connect(operator).setSigningKey(1n, key.address);
    await toSlot(f, (await f.signingKeys.keyChanges(1n))[0].fromSlot);
    await f.signingKeys.connect(operator).setSigningKey(1n, operator.address); // the operator key again, from backFrom
    const backFrom = (await f.signingKeys.keyChanges(1n))[1].fromSlot;
    const node = await startNode(f, operator, { duties: { signing: true }, previousSigningKeys: [key] });
    const nonce = await nonceOf(operator);
    await node.tick();
    expect(await nonceOf(operator)).to.equal(nonce);
    for (const [slot, signer] of [
      [backFrom - 1n, key.address],
      [backFrom, operator.address],
    ] as const) {
      const signed = await nodeApi(node, "POST", "/sign", { slot: slot.toString(), blockHash: H(`block ${slot}`) });
      expect(signed.status).to.equal(200);
      expect(signerOf(f, signed.json()), `slot ${slot}`).to.equal(signer);
    }
    const status = (await nodeApi(node, "GET", "/status")).json().signingKey;
    expect(status).to.deep.include({ inUse: key.address, held: true, pending: { key: operator.address, fromSlot: backFrom.toString() } });
    expect(status).to.not.have.property("configured");
  });

  it("does not fight a key another tool set after its registration, and refuses a signing key that is the operator key", async function () {
    const f = await loadFixture(fiveSequencers);
    const operator = f.accounts[0];
    const node = await startNode(f, operator, { signingKey: Wallet.createRandom() });
    await node.tick();
    const replacement = Wallet.createRandom();
    await f.signingKeys.connect(operator).setSigningKey(1n, replacement.address); // replaces the pending change
    const nonce = await nonceOf(operator);
    await node.tick();
    await node.tick();
    expect(await nonceOf(operator)).to.equal(nonce);
    expect((await f.signingKeys.keyChanges(1n)).map((c) => c.key)).to.deep.equal([replacement.address]);

    // a keystore of the operator key itself (a VoidSigner stands for it: the node refuses before signing anything)
    const ownKey = new VoidSigner(operator.address);
    await expect(startNode(f, operator, { signingKey: ownKey })).to.be.rejectedWith("signingKeystore: holds the operator key");
    await expect(startNode(f, f.accounts[9], { signingKey: Wallet.createRandom() })).to.be.rejectedWith(
      "signingKeystore: " + f.accounts[9].address + " operates no sequencer",
    );
  });

  describe("watchtower", function () {
    it("slashes a sequencer whose node equivocated with its rotated signing key", async function () {
      const f = await loadFixture(fiveSequencers);
      const watcher = await startNode(f, f.accounts[4], { duties: { watchtower: true } });
      const { host, port } = await watcher.startApi();
      const key = Wallet.createRandom();
      const cheat = await startNode(f, f.accounts[0], {
        duties: { signing: true },
        signingKey: key,
        extra: { peers: [`http://${host}:${port}`], testing: { equivocate: true } },
      });
      await cheat.tick(); // registers the key
      const [{ fromSlot }] = await f.signingKeys.keyChanges(1n);
      await toSlot(f, fromSlot);
      const received = () => watcher.metrics.get("lp504_node_commitments_received_total");
      const signed = await nodeApi(cheat, "POST", "/sign", { slot: fromSlot.toString(), blockHash: H("block") });
      expect(signerOf(f, signed.json())).to.equal(key.address);
      while (received() < 2) await new Promise((r) => setTimeout(r, 20));
      expect(watcher.metrics.get("lp504_node_equivocations_detected_total")).to.equal(1);
      await watcher.tick();
      const [proven] = await f.registry.queryFilter(f.registry.filters.EquivocationProven(1n));
      expect([proven.args.slot, proven.args.reporter]).to.deep.equal([fromSlot, f.accounts[4].address]);
      expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Suspended);
      expect(watcher.metrics.get("lp504_node_equivocations_reported_total")).to.equal(1);
    });

    it("replaces a kept commitment whose slot got another key after it arrived, and catches that key's equivocation", async function () {
      const f = await loadFixture(fiveSequencers);
      const node = await startNode(f, f.accounts[1], { duties: { watchtower: true } });
      const operator = f.accounts[0];
      // a commitment for a slot far enough ahead that its key may still change: the operator key's, valid today
      const slot = (await f.registry.currentSlot()) + SIGNING_KEY_DELAY_SLOTS + 5n;
      expect(await node.watchtower!.accept(await commitment(f, operator, slot, H("A")))).to.deep.equal({ equivocation: false });
      const key = Wallet.createRandom();
      await f.signingKeys.connect(operator).setSigningKey(1n, key.address);
      expect(await f.signingKeys.signingKeyAt(1n, slot, operator.address)).to.equal(key.address);
      // the operator key's commitment can no longer convict: the new key's first commitment replaces it
      expect(await node.watchtower!.accept(await commitment(f, key, slot, H("B")))).to.deep.equal({ equivocation: false });
      expect(node.watchtower!.pendingReports).to.equal(0);
      expect(await node.watchtower!.accept(await commitment(f, key, slot, H("C")))).to.deep.equal({ equivocation: true });
      await toSlot(f, slot);
      await node.tick();
      const [proven] = await f.registry.queryFilter(f.registry.filters.EquivocationProven(1n));
      expect(proven.args.slot).to.equal(slot);
      expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Suspended);
    });

    it("rejects the operator key's commitments for a rotated key's slots, and the rotated key's for slots before its own", async function () {
      const f = await loadFixture(fiveSequencers);
      const node = await startNode(f, f.accounts[1], { duties: { watchtower: true } });
      const operator = f.accounts[0];
      const key = Wallet.createRandom();
      await f.signingKeys.connect(operator).setSigningKey(1n, key.address);
      const [{ fromSlot }] = await f.signingKeys.keyChanges(1n);
      await toSlot(f, fromSlot + 1n);

      // the operator key (no longer valid from fromSlot on) equivocates: both refused, nothing to report
      for (const h of ["A", "B"]) {
        const r = await nodeApi(node, "POST", "/commitments", await commitment(f, operator, fromSlot + 1n, H(h)));
        expect(r.status).to.equal(400);
        expect(r.json().field).to.equal("signature");
        expect(r.json().message).to.include(key.address);
      }
      // the new key cannot sign for a slot before its own
      for (const h of ["A", "B"]) {
        const r = await nodeApi(node, "POST", "/commitments", await commitment(f, key, fromSlot - 1n, H(h)));
        expect(r.status).to.equal(400);
      }
      expect(node.metrics.get("lp504_node_commitments_rejected_total")).to.equal(4);
      expect(node.watchtower!.pendingReports).to.equal(0);
      const nonce = await nonceOf(f.accounts[1]);
      await node.tick();
      expect(await nonceOf(f.accounts[1])).to.equal(nonce);
      expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Active);

      // the operator key stays valid for its past slots: its equivocation there is still caught and proven
      for (const h of ["A", "B"])
        expect((await nodeApi(node, "POST", "/commitments", await commitment(f, operator, fromSlot - 1n, H(h)))).status).to.equal(202);
      expect(node.watchtower!.pendingReports).to.equal(1);
      await node.tick();
      expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Suspended);
    });
  });
});
