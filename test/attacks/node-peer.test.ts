import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Signature } from "ethers";
import { registryFixture, register, type RegistryFixture } from "../helpers/fixtures";
import { OperatorNode } from "../../node/main";
import { validateConfig } from "../../node/config";
import { silentLogger } from "../../node/log";
import { signBlockCommitment } from "../../sdk";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

/** The operator node's local API against a hostile producer or peer: what can they make it sign, report or drop? */
const H = (s: string) => ethers.keccak256(ethers.toUtf8Bytes(s));

async function twoSequencers() {
  const f = await registryFixture();
  for (let i = 0; i < 2; i++) await register(f, f.accounts[i]);
  return f;
}

async function node(f: RegistryFixture, operator: HardhatEthersSigner, duties: { signing: boolean; watchtower: boolean }) {
  const config = validateConfig(
    {
      rpcUrl: "http://127.0.0.1:8545",
      chainId: Number(f.chainId),
      deployment: "d.json",
      keystore: "k.json",
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "lp504-attack-")),
      api: { host: "127.0.0.1", port: 0 },
      duties: { ...duties, turnKeeping: false, beacon: false },
    },
    os.tmpdir(),
  );
  const n = await OperatorNode.create({ config, provider: ethers.provider, operator, record: f.record, log: silentLogger });
  const { host, port } = await n.startApi();
  const post = (route: string, body: unknown) =>
    fetch(`http://${host}:${port}${route}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
  return { n, post };
}

describe("attacks: a producer or peer against the operator node", function () {
  it("many concurrent conflicting /sign requests for one slot get exactly one signature", async function () {
    const f = await loadFixture(twoSequencers);
    const { n, post } = await node(f, f.accounts[0], { signing: true, watchtower: false });
    try {
      const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => post("/sign", { slot: 7, blockHash: H(`block ${i}`) })));
      expect(answers.map((a) => a.status).sort()).to.deep.equal([200, ...Array(15).fill(409)]);
    } finally {
      await n.stop();
    }
  });

  it("an oversized or non-JSON body is refused without harming the node", async function () {
    const f = await loadFixture(twoSequencers);
    const { n, post } = await node(f, f.accounts[0], { signing: true, watchtower: true });
    try {
      expect((await post("/sign", "x".repeat(100_000))).status).to.equal(413);
      expect((await post("/commitments", "not json")).status).to.equal(400);
      expect((await post("/sign", [1, 2])).status).to.equal(400);
      expect((await post("/sign", { slot: (2n ** 256n).toString(), blockHash: H("ok") })).status).to.equal(400);
      const huge = { sequencerId: (2n ** 256n).toString(), slot: 1, blockHash: H("ok"), signature: "0x" + "11".repeat(65) };
      expect((await post("/commitments", huge)).status).to.equal(400);
      expect((await post("/sign", { slot: 1, blockHash: H("ok") })).status).to.equal(200);
    } finally {
      await n.stop();
    }
  });

  it("a malleated signature over the same hash is not an equivocation, and a forged one reports nobody", async function () {
    const f = await loadFixture(twoSequencers);
    const { n, post } = await node(f, f.accounts[1], { signing: false, watchtower: true });
    try {
      const slot = await f.registry.currentSlot();
      const blockHash = H("honest block");
      const signature = await signBlockCommitment(f.accounts[0], f.registryAddress, f.chainId, { sequencerId: 1n, slot, blockHash });
      const sig = Signature.from(signature);
      const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const malleated = ethers.concat([sig.r, ethers.toBeHex(N - BigInt(sig.s), 32), sig.v === 27 ? "0x1c" : "0x1b"]);
      expect((await post("/commitments", { sequencerId: 1, slot: slot.toString(), blockHash, signature })).status).to.equal(202);
      const second = await post("/commitments", { sequencerId: 1, slot: slot.toString(), blockHash, signature: malleated });
      if (second.status === 202) expect(await second.json()).to.deep.equal({ equivocation: false });
      else expect(second.status).to.equal(400);
      // the peer signs a different hash for sequencer 1 with its own key: rejected, nothing pending
      const forged = await signBlockCommitment(f.accounts[5], f.registryAddress, f.chainId, {
        sequencerId: 1n,
        slot,
        blockHash: H("framed"),
      });
      expect(
        (await post("/commitments", { sequencerId: 1, slot: slot.toString(), blockHash: H("framed"), signature: forged })).status,
      ).to.equal(400);
      expect(n.watchtower!.pendingReports).to.equal(0);
      const nonce = await ethers.provider.getTransactionCount(f.accounts[1].address);
      await n.tick();
      expect(await ethers.provider.getTransactionCount(f.accounts[1].address)).to.equal(nonce);
    } finally {
      await n.stop();
    }
  });
});
