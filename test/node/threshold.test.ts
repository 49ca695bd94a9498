import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { secp256k1 } from "@noble/curves/secp256k1";
import { deployRegistryFixture, type RegistryFixture } from "../helpers/fixtures";
import { OperatorNode } from "../../node/main";
import { validateConfig } from "../../node/config";
import { silentLogger } from "../../node/log";
import { encryptForCommittee, keySharePayload, openShare } from "../../sdk";
import { encryptionSecretMessage, operatorEncryptionKey } from "../../node/duties/threshold";

const THRESHOLD = 3;

/** Five sequencers whose registered public keys are the keys their nodes derive; a 3-of-5 committee of them. */
async function committeeOfFive() {
  const f = await deployRegistryFixture();
  const validators = f.accounts.slice(0, 5);
  for (const v of validators) {
    const { pk } = operatorEncryptionKey(await v.signMessage(encryptionSecretMessage(f.chainId, v.address)));
    await f.registry.connect(v).registerSequencer("enode://v", pk, "0x", { value: ethers.parseEther("100") });
  }
  await f.mev.connect(f.governanceSigner).initThresholdDecryption(THRESHOLD, []);
  const committee = await f.mev.committee(1);
  const publicKeys: string[] = [];
  for (const member of committee) publicKeys.push((await f.registry.getSequencer(await f.registry.sequencerIdOf(member))).publicKey);
  const members = committee.map((a) => validators.find((v) => v.address === a)!);
  return { ...f, members, publicKeys };
}
type F = RegistryFixture & { members: HardhatEthersSigner[]; publicKeys: string[] };

const nodes: OperatorNode[] = [];
async function startNode(f: F, operator: HardhatEthersSigner) {
  const config = validateConfig(
    {
      rpcUrl: "http://127.0.0.1:8545",
      chainId: Number(f.chainId),
      deployment: "deployment.json",
      keystore: "keystore.json",
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "lp504-node-")),
      api: { host: "127.0.0.1", port: 0 },
      duties: { signing: false, turnKeeping: false, watchtower: false, beacon: false, thresholdDecryption: true },
    },
    os.tmpdir(),
    "<test>",
    {},
  );
  const node = await OperatorNode.create({ config, provider: ethers.provider, operator, record: f.record, log: silentLogger });
  nodes.push(node);
  return node;
}

async function submit(f: F, publicKeys: string[] = f.publicKeys) {
  const sealed = encryptForCommittee(ethers.toUtf8Bytes("swap 10 LUX for USDC"), publicKeys, THRESHOLD);
  const sender = f.accounts[9];
  const txId = await f.mev.connect(sender).submitEncrypted.staticCall(sealed.encryptedTx, sealed.commitment);
  await (await f.mev.connect(sender).submitEncrypted(sealed.encryptedTx, sealed.commitment)).wait();
  return { ...sealed, txId };
}

const nonce = (a: HardhatEthersSigner) => ethers.provider.getTransactionCount(a.address);
const sent = (n: OperatorNode, fn: string) => n.metrics.get("lp504_node_transactions_total", { duty: "thresholdDecryption", function: fn });

describe("node: threshold-decryption duty", function () {
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
  });

  it("opens the share sealed to it, submits it, and the member completing the threshold decrypts, once", async function () {
    const f = await loadFixture(committeeOfFive);
    const s = await submit(f);
    const ns = [];
    for (const m of f.members) ns.push(await startNode(f, m));
    await ns[0].tick();
    await ns[1].tick();
    expect((await f.mev.keyShares(s.txId))[1]).to.equal(2n);
    expect(sent(ns[0], "decryptTransaction") + sent(ns[1], "decryptTransaction")).to.equal(0);
    expect((await f.mev.getTransaction(s.txId)).status).to.equal(1n); // Pending: two shares are not enough

    await expect(ns[2].tick()).to.not.be.rejected;
    expect(sent(ns[2], "submitKeyShare")).to.equal(1);
    expect(sent(ns[2], "decryptTransaction")).to.equal(1);
    expect((await f.mev.getTransaction(s.txId)).status).to.equal(3n); // Decrypted
    expect(await f.mev.getDecrypted(s.txId, s.ciphertext)).to.equal(s.payload);
    expect(await f.mev.queryFilter(f.mev.filters.ThresholdDecrypted(s.txId))).to.have.length(1);

    // The others send nothing more: the transaction is open.
    const before = await Promise.all(f.members.map(nonce));
    for (const n of ns) await n.tick();
    expect(await Promise.all(f.members.map(nonce))).to.deep.equal(before);
    for (const n of ns) {
      expect(n.metrics.get("lp504_node_duty_errors_total", { duty: "thresholdDecryption" })).to.equal(0);
      expect(n.threshold!.following).to.equal(0);
    }
    expect(ns[0].metrics.get("lp504_node_key_shares_total", { outcome: "submitted" })).to.equal(1);
    expect(ns[2].metrics.get("lp504_node_decryptions_total")).to.equal(1);
  });

  it("a member whose share is not needed decrypts one round after the threshold is reached, if nobody did", async function () {
    const f = await loadFixture(committeeOfFive);
    const t = await submit(f);
    const ns = [];
    for (const m of f.members) ns.push(await startNode(f, m));
    await ns[0].tick();
    await ns[1].tick();
    // node 2's share completes the threshold on chain, but node 2 itself stops before decrypting
    const { sk } = operatorEncryptionKey(await f.members[2].signMessage(encryptionSecretMessage(f.chainId, f.members[2].address)));
    await f.mev.connect(f.members[2]).submitKeyShare(t.txId, keySharePayload(openShare(t.encryptedTx, 3, sk), t.encryptedTx));
    const n3 = await nonce(f.members[3]);
    await ns[3].tick(); // sees the threshold: gives the completing member a round
    expect(await nonce(f.members[3])).to.equal(n3);
    await ns[3].tick();
    expect((await f.mev.getTransaction(t.txId)).status).to.equal(3n);
    expect(sent(ns[3], "decryptTransaction")).to.equal(1);
    expect(sent(ns[3], "submitKeyShare")).to.equal(0); // its share was not needed
  });

  it("sends no share that would revert: one sealed to another key, and none for a transaction past its deadline", async function () {
    const f = await loadFixture(committeeOfFive);
    const wrong = [...f.publicKeys];
    wrong[1] = ethers.hexlify(secp256k1.getPublicKey(secp256k1.utils.randomPrivateKey(), true)); // sealed to a key member 2 lacks
    const s = await submit(f, wrong);
    const second = await startNode(f, f.members[1]);
    const before = await nonce(f.members[1]);
    await second.tick();
    expect(await nonce(f.members[1])).to.equal(before);
    expect(second.metrics.get("lp504_node_key_shares_total", { outcome: "invalid" })).to.equal(1);
    expect(second.metrics.get("lp504_node_duty_errors_total", { duty: "thresholdDecryption" })).to.equal(0);
    await second.tick(); // one attempt: not retried every round
    expect(second.metrics.get("lp504_node_key_shares_total", { outcome: "invalid" })).to.equal(1);
    expect((await f.mev.keyShares(s.txId))[1]).to.equal(0n);

    const late = await submit(f);
    const [, , revealWindow] = await f.mev.configuration();
    await time.increase(revealWindow + 1n);
    const first = await startNode(f, f.members[0]);
    const n0 = await nonce(f.members[0]);
    await first.tick();
    expect(await nonce(f.members[0])).to.equal(n0);
    expect((await f.mev.keyShares(late.txId))[1]).to.equal(0n);
    expect(first.threshold!.following).to.equal(0);
  });

  it("a node that is not on the committee submits no share but still decrypts a complete transaction", async function () {
    const f = await loadFixture(committeeOfFive);
    const s = await submit(f);
    const ns = [];
    for (const m of f.members.slice(0, 2)) ns.push(await startNode(f, m));
    for (const n of ns) await n.tick();
    const outsider = await startNode(f, f.accounts[7]); // runs no sequencer
    const m = f.members[4];
    const { sk } = operatorEncryptionKey(await m.signMessage(encryptionSecretMessage(f.chainId, m.address)));
    await f.mev.connect(m).submitKeyShare(s.txId, keySharePayload(openShare(s.encryptedTx, 5, sk), s.encryptedTx));
    await outsider.tick();
    await outsider.tick();
    expect(sent(outsider, "submitKeyShare")).to.equal(0);
    expect(sent(outsider, "decryptTransaction")).to.equal(1);
    expect(await f.mev.getDecrypted(s.txId, s.ciphertext)).to.equal(s.payload);
  });
});
