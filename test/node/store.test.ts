import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fork } from "node:child_process";
import { buildSync } from "esbuild";
import { Wallet, verifyTypedData } from "ethers";
import {
  SlashingProtectionStore,
  StoreCorruptError,
  StoreLockedError,
  ConflictingCommitmentError,
  LOG_FILE,
  LOCK_FILE,
} from "../../node/store";
import { CommitmentSigner } from "../../node/signer";
import { registryDomain, BLOCK_COMMITMENT_TYPES } from "../../sdk";

const REGISTRY = "0x" + "22".repeat(20);
const H = (b: string) => "0x" + b.repeat(32);
const key = (slot: bigint) => ({ chainId: 31337n, registry: REGISTRY, sequencerId: 7n, slot });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "lp504-store-"));

describe("node: slashing-protection store", function () {
  it("refuses a second, different hash for a slot, allows the same one again, and remembers after reopening", function () {
    const dir = tmp();
    const store = SlashingProtectionStore.open(dir);
    store.record(key(5n), H("aa"));
    store.record(key(5n), H("aa"));
    expect(() => store.record(key(5n), H("bb"))).to.throw(ConflictingCommitmentError);
    store.record(key(6n), H("bb"));
    store.record({ ...key(5n), sequencerId: 8n }, H("bb")); // another sequencer's slot 5 is another key
    store.close();
    const again = SlashingProtectionStore.open(dir);
    expect(again.size).to.equal(3);
    expect(again.signedHash(key(5n))).to.equal(H("aa"));
    expect(() => again.record(key(5n), H("bb"))).to.throw(ConflictingCommitmentError);
    expect(() => again.record({ ...key(6n), registry: REGISTRY.toUpperCase().replace("0X", "0x") }, H("cc"))).to.throw(
      ConflictingCommitmentError,
    );
    again.close();
  });

  it("cuts off an unterminated final line (a write that never completed) and keeps every complete one", function () {
    const dir = tmp();
    const store = SlashingProtectionStore.open(dir);
    store.record(key(1n), H("aa"));
    store.close();
    const file = path.join(dir, LOG_FILE);
    const before = fs.readFileSync(file);
    fs.appendFileSync(file, before.subarray(0, 30)); // torn copy of a record, no newline
    const reopened = SlashingProtectionStore.open(dir);
    expect(reopened.recovered).to.equal(30);
    expect(fs.readFileSync(file).equals(before)).to.equal(true);
    expect(() => reopened.record(key(1n), H("bb"))).to.throw(ConflictingCommitmentError);
    reopened.record(key(2n), H("bb"));
    reopened.close();
    expect(SlashingProtectionStore.open(dir).size).to.equal(2);
  });

  it("refuses to open a log with a corrupt complete line rather than forget what it signed", function () {
    const dir = tmp();
    const store = SlashingProtectionStore.open(dir);
    store.record(key(1n), H("aa"));
    store.record(key(2n), H("aa"));
    store.close();
    const file = path.join(dir, LOG_FILE);
    const text = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, text.replace(H("aa").slice(2), H("ab").slice(2))); // one flipped byte in line 1
    expect(() => SlashingProtectionStore.open(dir)).to.throw(StoreCorruptError, "line 1");
    fs.writeFileSync(file, text + "garbage\n");
    expect(() => SlashingProtectionStore.open(dir)).to.throw(StoreCorruptError, "line 3");
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).to.equal(false); // a refused open leaves no lock behind
  });

  it("refuses a second process's store while the first is alive and takes over a dead one's lock", function () {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, LOCK_FILE), String(process.ppid)); // a live process that is not this one
    expect(() => SlashingProtectionStore.open(dir)).to.throw(StoreLockedError);
    fs.writeFileSync(path.join(dir, LOCK_FILE), "999999999"); // no such process
    SlashingProtectionStore.open(dir).close();
  });

  it("signs the SDK's EIP-712 commitment only after recording it", async function () {
    const dir = tmp();
    const wallet = Wallet.createRandom();
    const store = SlashingProtectionStore.open(dir);
    const signer = new CommitmentSigner(wallet, store, 31337n, REGISTRY, 7n);
    const [a, b] = await Promise.allSettled([signer.sign(9n, H("aa")), signer.sign(9n, H("bb"))]);
    expect(a.status).to.equal("fulfilled");
    expect(b.status).to.equal("rejected");
    const signed = (a as PromiseFulfilledResult<Awaited<ReturnType<typeof signer.sign>>>).value;
    const recovered = verifyTypedData(
      registryDomain(REGISTRY, 31337n),
      BLOCK_COMMITMENT_TYPES,
      { sequencerId: 7n, slot: 9n, blockHash: H("aa") },
      signed.signature,
    );
    expect(recovered).to.equal(wallet.address);
    await expect(signer.sign(10n, "0x1234")).to.be.rejectedWith("blockHash");
    store.close();
  });

  it("crash injection: SIGKILL at random moments while signing never yields two hashes for one slot", async function () {
    this.timeout(60_000);
    const dir = tmp();
    const bundle = path.join(dir, "child.js");
    buildSync({
      entryPoints: [path.join(__dirname, "crashChild.ts")],
      bundle: true,
      platform: "node",
      target: "node20",
      outfile: bundle,
      logLevel: "error",
    });
    const released = new Map<string, Set<string>>();
    let total = 0;
    let seed = 504;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const ROUNDS = 12;
    for (let round = 0; round < ROUNDS; round++) {
      const child = fork(bundle, [path.join(dir, "store"), String(round + 1)], {
        stdio: ["ignore", "ignore", "pipe", "ipc"],
        env: { ...process.env, LP504_CRASH_CHILD: "1" },
      });
      let stderr = "";
      child.stderr!.on("data", (d) => (stderr += d));
      const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
      let signedThisRound = 0;
      const killAfter = 1 + Math.floor(rand() * 30);
      await new Promise<void>((resolve, reject) => {
        child.on("message", (m: { ready?: boolean; size?: number; error?: string; slot?: string; blockHash?: string }) => {
          if (m.error) return reject(new Error(m.error));
          if (m.ready) {
            expect(m.size).to.be.at.least(released.size); // nothing released was forgotten
            return;
          }
          signedThisRound++;
          // the child keeps signing while this message travels: the kill lands at an arbitrary point of a signing
          if (signedThisRound === killAfter) child.kill("SIGKILL");
          const set = released.get(m.slot!) ?? new Set<string>();
          set.add(m.blockHash!);
          released.set(m.slot!, set);
        });
        child.on("exit", (code, signal) => (signal === "SIGKILL" ? resolve() : reject(new Error(`child exited ${code}: ${stderr}`))));
      });
      await exited;
      total += signedThisRound;
    }
    expect(total, "signatures released across all incarnations").to.be.at.least(ROUNDS);
    for (const [slot, hashes] of released) expect([...hashes], `slot ${slot}`).to.have.length(1);
    // every released signature is in the store after the last crash
    const store = SlashingProtectionStore.open(path.join(dir, "store"));
    for (const [slot, hashes] of released) expect(store.signedHash(key(BigInt(slot)))).to.equal([...hashes][0]);
    store.close();
  });
});
