import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { HDNodeWallet, makeError, Transaction, type Provider, type Signer } from "ethers";
import { registryFixture, register } from "../helpers/fixtures";
import { OperatorNode } from "../../node/main";
import { validateConfig } from "../../node/config";
import { silentLogger, jsonLogger } from "../../node/log";
import { Metrics } from "../../node/metrics";
import { TxSender, TX_DEFAULTS, isTransientError, type TxOutcome, type TxSettings } from "../../node/tx";
import { describeRevert } from "../../index";
import { signBlockCommitment } from "../../sdk";
import { SequencerStatus } from "../../deploy";

const FAST: TxSettings = { ...TX_DEFAULTS, bumpAfterMs: 300, retryBackoffMs: 10, pollIntervalMs: 25, maxFeeCapGwei: 100_000 };
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
/** A Wallet for one of Hardhat's funded accounts: it signs raw transactions, unlike Hardhat's own signer. */
const wallet = (index: number) => HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).connect(ethers.provider);

const senders: TxSender[] = [];
const nodes: OperatorNode[] = [];
function sender(signer: Signer, settings: Partial<TxSettings> = {}, provider: Provider = ethers.provider, dataDir?: string) {
  const s = new TxSender({
    provider,
    signer,
    settings: { ...FAST, ...settings },
    metrics: new Metrics(),
    log: process.env.DEBUG_TX ? jsonLogger(undefined, "debug") : silentLogger,
    dataDir,
  });
  senders.push(s);
  return s;
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const automine = (on: boolean) => network.provider.send("evm_setAutomine", [on]);
const mine = () => network.provider.send("evm_mine", []);
const mempool = async () => (await network.provider.send("eth_getBlockByNumber", ["pending", false])).transactions.length as number;
const confirmed = (o: TxOutcome) => {
  if (o.status !== "confirmed") throw new Error(`expected a confirmed outcome, got ${o.status}`);
  return o;
};
/** Mines a block every 30 ms until `work` settles (for a sender waiting for confirmations). */
async function mining<T>(work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.finally(() => (done = true));
  while (!done) {
    await mine();
    await Promise.race([settled.catch(() => undefined), new Promise((r) => setTimeout(r, 30))]);
  }
  return settled;
}

async function fiveSequencers() {
  const f = await registryFixture();
  for (let i = 0; i < 5; i++) await register(f, f.accounts[i]);
  return f;
}

describe("node: transaction sender", function () {
  afterEach(async () => {
    for (const s of senders.splice(0)) s.stop();
    for (const n of nodes.splice(0)) await n.stop();
    await network.provider.send("evm_setIntervalMining", [0]);
    await automine(true);
  });

  it("replaces a transaction stuck below the base fee with the same nonce and higher fees, within the cap", async function () {
    const [from, to] = (await ethers.getSigners()).slice(20, 22);
    const tx = sender(from, { maxFeeCapGwei: 1_000 });
    const nonce = await ethers.provider.getTransactionCount(from.address);
    await automine(false);
    const sent = tx.send("test", "transfer", async () => ({ to: to.address, value: 1n }));
    await until(async () => (await mempool()) === 1, "the transaction in the mempool");
    const [first] = tx.transactions();
    const original = (await ethers.provider.getTransaction(first.hashes[0]))!;
    expect(original.nonce).to.equal(nonce);
    // the chain gets busy: the next block's base fee is above what the transaction offers, so it is not included
    await network.provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x" + (original.maxFeePerGas! * 4n).toString(16)]);
    await mine();
    expect(await ethers.provider.getTransactionReceipt(original.hash)).to.equal(null);
    await until(() => tx.transactions()[0]?.bumps >= 1, "a fee bump");
    await mine();
    const outcome = confirmed(await sent);
    expect(outcome.nonce).to.equal(nonce);
    expect(outcome.hash).to.not.equal(original.hash);
    expect(outcome.bumps).to.be.greaterThanOrEqual(1);
    const replacement = (await ethers.provider.getTransaction(outcome.hash))!;
    expect(replacement.nonce).to.equal(nonce);
    expect(replacement.maxFeePerGas! * 1000n).to.be.greaterThanOrEqual(original.maxFeePerGas! * 1125n);
    expect(replacement.maxPriorityFeePerGas! * 1000n).to.be.greaterThanOrEqual(original.maxPriorityFeePerGas! * 1125n);
    expect(replacement.maxFeePerGas!).to.be.lessThanOrEqual(1_000n * 10n ** 9n);
    expect(await ethers.provider.getTransactionCount(from.address)).to.equal(nonce + 1); // one transaction mined, not two
    expect(tx.pending).to.equal(0);
  });

  it("never bumps past tx.maxFeeCapGwei: the transaction waits at the cap", async function () {
    const [from, to] = (await ethers.getSigners()).slice(22, 24);
    const block = await ethers.provider.getBlock("latest");
    const capGwei = Number((block!.baseFeePerGas! * 3n + 10n ** 9n) / 10n ** 9n + 2n);
    const tx = sender(from, { maxFeeCapGwei: capGwei, bumpAfterMs: 100 });
    await automine(false);
    const sent = tx.send("test", "transfer", async () => ({ to: to.address, value: 1n }));
    await until(async () => (await mempool()) === 1, "the transaction in the mempool");
    const cap = BigInt(capGwei) * 10n ** 9n;
    await network.provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x" + (cap * 10n).toString(16)]);
    await mine();
    await new Promise((r) => setTimeout(r, 1_000)); // ten bump periods
    const [stuck] = tx.transactions();
    for (const hash of stuck.hashes) {
      const sentTx = await ethers.provider.getTransaction(hash);
      if (sentTx) expect(sentTx.maxFeePerGas!).to.be.lessThanOrEqual(cap);
    }
    expect(await ethers.provider.getTransactionReceipt(stuck.hashes.at(-1)!)).to.equal(null);
    // the chain calms down: the capped transaction is mined
    await network.provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x1"]);
    await mine();
    expect(confirmed(await sent).nonce).to.equal(stuck.nonce);
  });

  it("gives concurrent sends distinct consecutive nonces (raw-signing wallet)", async function () {
    const from = wallet(30);
    const to = (await ethers.getSigners()).slice(24, 28);
    const tx = sender(from);
    const nonce = await ethers.provider.getTransactionCount(from.address);
    await automine(false);
    const sends = to.map((t, i) => tx.send(`duty${i}`, "transfer", async () => ({ to: t.address, value: 1n })));
    await until(async () => (await mempool()) === to.length, "every transaction in the mempool");
    await mine();
    const outcomes = (await Promise.all(sends)).map(confirmed);
    expect(outcomes.map((o) => o.nonce).sort((a, b) => a - b)).to.deep.equal(to.map((_, i) => nonce + i));
    expect(new Set(outcomes.map((o) => o.receipt.blockNumber)).size).to.equal(1);
    // and the next send continues after them
    await automine(true);
    expect(confirmed(await tx.send("later", "transfer", async () => ({ to: to[0].address, value: 2n }))).nonce).to.equal(nonce + to.length);
  });

  it("sends an identical call that is still in flight only once", async function () {
    const [from, to] = (await ethers.getSigners()).slice(28, 30);
    const tx = sender(from);
    const nonce = await ethers.provider.getTransactionCount(from.address);
    await automine(false);
    const call = async () => ({ to: to.address, value: 5n });
    const a = tx.send("a", "transfer", call);
    const b = tx.send("b", "transfer", call);
    await until(async () => (await mempool()) === 1, "the transaction in the mempool");
    await mine();
    const [oa, ob] = (await Promise.all([a, b])).map(confirmed);
    expect(oa.hash).to.equal(ob.hash);
    expect(await ethers.provider.getTransactionCount(from.address)).to.equal(nonce + 1);
  });

  it("sends a dropped transaction again with its nonce while its call still simulates", async function () {
    const [from, to] = (await ethers.getSigners()).slice(30, 32);
    const tx = sender(from, { bumpAfterMs: 60_000 });
    const nonce = await ethers.provider.getTransactionCount(from.address);
    await automine(false);
    const sent = tx.send("test", "transfer", async () => ({ to: to.address, value: 1n }));
    await until(async () => (await mempool()) === 1, "the transaction in the mempool");
    const dropped = tx.transactions()[0].hashes[0];
    await network.provider.send("hardhat_dropTransaction", [dropped]);
    await until(() => tx.transactions()[0]?.hashes.length === 2, "the refill");
    await mine();
    const outcome = confirmed(await sent);
    expect(outcome.nonce).to.equal(nonce);
    expect(outcome.hash).to.not.equal(dropped);
    expect(await ethers.provider.getTransactionCount(from.address)).to.equal(nonce + 1);
  });

  it("gives up a dropped call that no longer simulates, reuses its nonce, and fills a gap before later nonces", async function () {
    const f = await loadFixture(fiveSequencers);
    const keeper = wallet(31);
    const tx = sender(keeper, { bumpAfterMs: 60_000 });
    const nonce = await ethers.provider.getTransactionCount(keeper.address);
    await time.increaseTo(await f.registry.nextRotationTime());
    await automine(false);
    const rotation = tx.send("turnKeeping", "rotateSequencer", () => f.registry.rotateSequencer.populateTransaction());
    await until(async () => (await mempool()) === 1, "the rotation in the mempool");
    const later = tx.send("other", "transfer", async () => ({ to: f.accounts[9].address, value: 1n }));
    await until(async () => (await mempool()) === 2, "both transactions in the mempool");
    const [first] = tx.transactions().filter((t) => t.nonce === nonce);
    // another keeper rotates first: the dropped rotation would now revert, so it is not sent again
    await f.registry.connect(f.accounts[8]).rotateSequencer({ gasLimit: 500_000 });
    await network.provider.send("hardhat_dropTransaction", [first.hashes[0]]);
    await mine();
    expect((await rotation).status).to.equal("dropped");
    await until(() => tx.transactions().some((t) => t.functionName === "fillNonce" && t.hashes.length > 0), "the nonce filler");
    await mine();
    expect(confirmed(await later).nonce).to.equal(nonce + 1); // no longer stuck behind the gap
    await tx.settled();
    expect(await ethers.provider.getTransactionCount(keeper.address)).to.equal(nonce + 2);
    expect(await f.registry.currentSequencerId()).to.equal(2n); // one rotation, by the other keeper
  });

  it("reuses the nonce of a dropped call that no longer simulates when nothing later is in flight", async function () {
    const f = await loadFixture(fiveSequencers);
    const keeper = (await ethers.getSigners())[32];
    const tx = sender(keeper, { bumpAfterMs: 60_000 });
    const nonce = await ethers.provider.getTransactionCount(keeper.address);
    await time.increaseTo(await f.registry.nextRotationTime());
    await automine(false);
    const rotation = tx.send("turnKeeping", "rotateSequencer", () => f.registry.rotateSequencer.populateTransaction());
    await until(async () => (await mempool()) === 1, "the transaction in the mempool");
    await f.registry.connect(f.accounts[8]).rotateSequencer({ gasLimit: 500_000 });
    await network.provider.send("hardhat_dropTransaction", [tx.transactions()[0].hashes[0]]);
    await mine();
    expect(await rotation).to.include({ status: "dropped", nonce });
    await automine(true);
    expect(confirmed(await tx.send("other", "transfer", async () => ({ to: f.accounts[9].address, value: 1n }))).nonce).to.equal(nonce);
  });

  it("retries transient RPC errors with backoff, and not a revert", async function () {
    const f = await loadFixture(fiveSequencers);
    const [from, to] = (await ethers.getSigners()).slice(33, 35);
    const failures: Record<string, number> = { estimateGas: 2, getTransactionReceipt: 1 };
    const flaky = new Proxy(ethers.provider, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (typeof prop === "string" && (failures[prop] ?? 0) > 0) {
            failures[prop]--;
            return Promise.reject(makeError("connect ECONNRESET 127.0.0.1:8545", "NETWORK_ERROR", { event: prop }));
          }
          return value.apply(target, args);
        };
      },
    });
    let sendFailures = 1;
    const flakySigner = new Proxy(from, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === "sendTransaction")
          return (...args: unknown[]) =>
            sendFailures-- > 0
              ? Promise.reject(makeError("503 Service Unavailable", "SERVER_ERROR", {} as never))
              : value.apply(target, args);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const metrics = new Metrics();
    const tx = new TxSender({ provider: flaky, signer: flakySigner, settings: FAST, metrics, log: silentLogger });
    senders.push(tx);
    const nonce = await ethers.provider.getTransactionCount(from.address);
    const outcome = confirmed(await tx.send("test", "transfer", async () => ({ to: to.address, value: 1n })));
    expect(outcome.nonce).to.equal(nonce);
    expect(metrics.get("lp504_node_tx_retries_total", { operation: "estimateGas" })).to.equal(2);
    expect(metrics.get("lp504_node_tx_retries_total", { operation: "sendTransaction" })).to.equal(1);
    expect(metrics.get("lp504_node_tx_retries_total", { operation: "getTransactionReceipt" })).to.equal(1);
    expect(await ethers.provider.getTransactionCount(from.address)).to.equal(nonce + 1);

    // a revert is final: thrown at once with the contract's error, no retry, no nonce used
    const error = await tx
      .send("turnKeeping", "rotateSequencer", () => f.registry.rotateSequencer.populateTransaction())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isTransientError(error)).to.equal(false);
    expect(describeRevert(error)).to.match(/RotationNotDue|Registry/);
    expect(metrics.get("lp504_node_tx_retries_total", { operation: "estimateGas" })).to.equal(2);
    expect(await ethers.provider.getTransactionCount(from.address)).to.equal(nonce + 1);
  });

  it("gives up retrying after tx.retries", async function () {
    const [from, to] = (await ethers.getSigners()).slice(35, 37);
    const down = new Proxy(ethers.provider, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === "estimateGas") return () => Promise.reject(makeError("request timeout", "TIMEOUT", {} as never));
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const metrics = new Metrics();
    const tx = new TxSender({ provider: down, signer: from, settings: { ...FAST, retries: 3 }, metrics, log: silentLogger });
    senders.push(tx);
    await expect(tx.send("test", "transfer", async () => ({ to: to.address, value: 1n }))).to.be.rejectedWith("request timeout");
    expect(metrics.get("lp504_node_tx_retries_total", { operation: "estimateGas" })).to.equal(3);
  });
});

describe("node: transactions across reorgs and restarts", function () {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
    await network.provider.send("evm_setIntervalMining", [0]);
    await automine(true);
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  async function keeperNode(
    f: Awaited<ReturnType<typeof fiveSequencers>>,
    operator: Signer,
    dataDir: string,
    tx: Partial<TxSettings>,
    duties = { turnKeeping: true, watchtower: false },
  ) {
    const config = validateConfig(
      {
        rpcUrl: "http://127.0.0.1:8545",
        chainId: Number(f.chainId),
        deployment: "deployment.json",
        keystore: "keystore.json",
        dataDir,
        api: { host: "127.0.0.1", port: 0 },
        duties: { signing: false, beacon: false, ...duties },
        tx: { bumpAfterMs: 60_000, retryBackoffMs: 10, pollIntervalMs: 25, ...tx },
      },
      os.tmpdir(),
    );
    const node = await OperatorNode.create({ config, provider: ethers.provider, operator, record: f.record, log: silentLogger });
    nodes.push(node);
    return node;
  }
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-tx-"));
    dirs.push(d);
    return d;
  };

  it("detects a rotation whose block was lost, counts nothing, and re-evaluates the duty in the next round", async function () {
    const f = await loadFixture(fiveSequencers);
    const keeper = f.accounts[6];
    const node = await keeperNode(f, keeper, tmp(), { confirmations: 3 });
    await time.increaseTo(await f.registry.nextRotationTime());
    const snapshot = await network.provider.send("evm_snapshot", []);
    const nonce = await ethers.provider.getTransactionCount(keeper.address);
    const round = node.tick();
    await until(async () => (await f.registry.currentSequencerId()) === 2n, "the rotation mined");
    await until(() => node.ctx.tx.transactions().some((t) => t.minedInBlock !== undefined), "the sender saw it mined");
    // the block holding the rotation is lost before it has 3 confirmations (and the transaction with it)
    await network.provider.send("evm_revert", [snapshot]);
    expect(await f.registry.currentSequencerId()).to.equal(1n);
    await mining(round);
    expect(node.metrics.get("lp504_node_tx_reorgs_total", { duty: "turnKeeping" })).to.equal(1);
    expect(node.metrics.get("lp504_node_transactions_total", { duty: "turnKeeping", function: "rotateSequencer" })).to.equal(0);
    expect(node.metrics.get("lp504_node_duty_errors_total", { duty: "turnKeeping" })).to.equal(0);
    expect(node.ctx.tx.pending).to.equal(0);
    // the next round reads the turn again: still due, so it rotates, with the nonce the lost transaction had
    await mining(node.tick());
    expect(await f.registry.currentSequencerId()).to.equal(2n);
    expect(await ethers.provider.getTransactionCount(keeper.address)).to.equal(nonce + 1);
    expect(node.metrics.get("lp504_node_transactions_total", { duty: "turnKeeping", function: "rotateSequencer" })).to.equal(1);
  });

  it("keeps the watchtower's evidence when its report's block is lost, and reports it again in the next round", async function () {
    const f = await loadFixture(fiveSequencers);
    const watcher = f.accounts[1];
    const node = await keeperNode(f, watcher, tmp(), { confirmations: 3 }, { turnKeeping: false, watchtower: true });
    const slot = await f.registry.currentSlot();
    for (const blockHash of [ethers.id("A"), ethers.id("B")]) {
      const signature = await signBlockCommitment(f.accounts[0], f.registryAddress, f.chainId, { sequencerId: 1n, slot, blockHash });
      await node.watchtower!.accept({ sequencerId: "1", slot: slot.toString(), blockHash, signature });
    }
    const snapshot = await network.provider.send("evm_snapshot", []);
    const round = node.tick();
    await until(async () => Number((await f.registry.getSequencer(1)).status) === Number(SequencerStatus.Suspended), "the report mined");
    // the sender must have seen the receipt before the block is lost; otherwise it is a dropped transaction, re-sent
    await until(() => node.ctx.tx.transactions().some((t) => t.minedInBlock !== undefined), "the sender saw it mined");
    await network.provider.send("evm_revert", [snapshot]);
    await mining(round);
    expect(node.metrics.get("lp504_node_tx_reorgs_total", { duty: "watchtower" })).to.equal(1);
    expect(node.watchtower!.pendingReports).to.equal(1); // kept: the report did not count
    expect(node.metrics.get("lp504_node_equivocations_reported_total")).to.equal(0);
    await mining(node.tick());
    expect(node.watchtower!.pendingReports).to.equal(0);
    expect((await f.registry.getSequencer(1)).status).to.equal(SequencerStatus.Suspended);
    expect(node.metrics.get("lp504_node_equivocations_reported_total")).to.equal(1);
    expect(await f.registry.withdrawableBalance(watcher.address)).to.equal(0n); // and the reward withdrawn
    expect(node.metrics.get("lp504_node_duty_errors_total", { duty: "watchtower" })).to.equal(0);
  });

  it("follows a transaction whose block changed and counts it once it is confirmed in its new block", async function () {
    const f = await loadFixture(fiveSequencers);
    const [from, to] = [wallet(32), f.accounts[9]];
    const metrics = new Metrics();
    const tx = new TxSender({
      provider: ethers.provider,
      signer: from,
      // a slow poll, so the block can be lost and the transaction put back between two of the sender's reads
      settings: { ...FAST, confirmations: 3, pollIntervalMs: 1_000 },
      metrics,
      log: silentLogger,
    });
    senders.push(tx);
    const snapshot = await network.provider.send("evm_snapshot", []);
    const sent = tx.send("test", "transfer", async () => ({ to: to.address, value: 1n }));
    await until(() => tx.transactions()[0]?.minedInBlock !== undefined, "the sender saw it mined");
    const hash = tx.transactions()[0].hashes[0];
    const firstBlock = (await ethers.provider.getTransactionReceipt(hash))!.blockHash;
    const raw = Transaction.from((await ethers.provider.getTransaction(hash))!).serialized;
    // reorg: the block is lost, then the same signed transaction lands in a different block
    await network.provider.send("evm_revert", [snapshot]);
    await mine();
    await network.provider.send("eth_sendRawTransaction", [raw]);
    const outcome = confirmed(await mining(sent));
    expect(outcome.hash).to.equal(hash);
    expect(outcome.receipt.blockHash).to.not.equal(firstBlock);
    expect(metrics.get("lp504_node_tx_reorgs_total", { duty: "test" })).to.be.greaterThanOrEqual(1);
  });

  it("after a restart with a rotation still pending, tracks it again and does not send it twice", async function () {
    const f = await loadFixture(fiveSequencers);
    const keeper = wallet(33); // raw signing: the hash is on disk before the broadcast
    const dataDir = tmp();
    const node = await keeperNode(f, keeper, dataDir, {});
    await node.tick(); // not due: nothing sent, the round's block is recorded
    const lastBlock = node.metrics.get("lp504_node_last_processed_block");
    await time.increaseTo(await f.registry.nextRotationTime());
    const nonce = await ethers.provider.getTransactionCount(keeper.address);
    await automine(false);
    const round = node.tick();
    await until(async () => (await mempool()) === 1, "the rotation in the mempool");
    await node.stop(); // the process stops with the rotation unmined
    nodes.splice(nodes.indexOf(node), 1);
    await round;
    const saved = JSON.parse(fs.readFileSync(path.join(dataDir, "pending-transactions.json"), "utf8"));
    expect(saved.transactions.map((t: { functionName: string; nonce: number }) => [t.functionName, t.nonce])).to.deep.equal([
      ["rotateSequencer", nonce],
    ]);

    const restarted = await keeperNode(f, keeper, dataDir, {});
    expect(restarted.ctx.tx.pending).to.equal(1);
    expect(restarted.metrics.get("lp504_node_last_processed_block")).to.be.greaterThanOrEqual(lastBlock);
    const again = restarted.tick(); // the rotation still simulates (it is not mined): the duty attaches to the one in flight
    await new Promise((r) => setTimeout(r, 200));
    expect(await mempool()).to.equal(1);
    await mine();
    await again;
    expect(await f.registry.currentSequencerId()).to.equal(2n);
    expect(await ethers.provider.getTransactionCount(keeper.address)).to.equal(nonce + 1);
    expect(restarted.metrics.get("lp504_node_transactions_total", { duty: "turnKeeping", function: "rotateSequencer" })).to.equal(1);
    expect(restarted.ctx.tx.pending).to.equal(0);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, "pending-transactions.json"), "utf8")).transactions).to.deep.equal([]);
  });

  it("after a restart, fills the nonce of a transaction that vanished below one still pending", async function () {
    const [from, to] = [wallet(35), (await ethers.getSigners())[9]];
    const dataDir = tmp();
    const first = sender(from, { bumpAfterMs: 60_000 }, ethers.provider, dataDir);
    const nonce = await ethers.provider.getTransactionCount(from.address);
    await automine(false);
    void first.send("a", "transfer", async () => ({ to: to.address, value: 1n })).catch(() => undefined);
    await until(async () => (await mempool()) === 1, "the first transaction in the mempool");
    void first.send("b", "transfer", async () => ({ to: to.address, value: 2n })).catch(() => undefined);
    await until(async () => (await mempool()) === 2, "both transactions in the mempool");
    const lost = first.transactions().find((t) => t.nonce === nonce)!.hashes[0];
    first.stop(); // the process stops; while it is down the first transaction leaves the mempool
    await network.provider.send("hardhat_dropTransaction", [lost]);
    const restarted = sender(from, { bumpAfterMs: 60_000 }, ethers.provider, dataDir);
    expect(await restarted.reconcile()).to.deep.equal({ resumed: 1, forgotten: 1 });
    expect(restarted.transactions().map((t) => [t.functionName, t.nonce])).to.have.deep.members([
      ["transfer", nonce + 1],
      ["fillNonce", nonce],
    ]);
    await mine();
    await restarted.settled();
    expect(await ethers.provider.getTransactionCount(from.address)).to.equal(nonce + 2);
    expect(restarted.pending).to.equal(0);
  });

  it("after a restart, forgets a pending transaction that was mined while it was down and sends nothing", async function () {
    const f = await loadFixture(fiveSequencers);
    const keeper = wallet(34);
    const dataDir = tmp();
    const node = await keeperNode(f, keeper, dataDir, {});
    await time.increaseTo(await f.registry.nextRotationTime());
    const nonce = await ethers.provider.getTransactionCount(keeper.address);
    await automine(false);
    const round = node.tick();
    await until(async () => (await mempool()) === 1, "the rotation in the mempool");
    await node.stop();
    nodes.splice(nodes.indexOf(node), 1);
    await round;
    await mine(); // mined while the node is down
    await automine(true);
    const restarted = await keeperNode(f, keeper, dataDir, {});
    await restarted.ctx.tx.settled();
    expect(restarted.ctx.tx.pending).to.equal(0);
    await restarted.tick(); // the rotation is done: not due, nothing sent
    expect(await ethers.provider.getTransactionCount(keeper.address)).to.equal(nonce + 1);
    expect(await f.registry.currentSequencerId()).to.equal(2n);
  });
});
