/**
 * The node's transaction sender: one per operator key, shared by every duty (`ctx.tx`).
 *
 * ## Using it from a duty
 *
 * ```ts
 * await ctx.registry.rotateSequencer.staticCall();                 // simulate first, as every duty does
 * const outcome = await ctx.tx.send("turnKeeping", "rotateSequencer", () => ctx.registry.rotateSequencer.populateTransaction());
 * if (outcome.status !== "confirmed") return "reorged";              // not done: the next round re-evaluates the duty
 * outcome.receipt;                                                  // mined with `tx.confirmations` confirmations
 * ```
 *
 * `send(duty, functionName, populate)` resolves with a typed outcome:
 * - `confirmed`: the transaction (possibly a fee-bumped replacement, same nonce) is mined, succeeded, and has
 *   `tx.confirmations` confirmations; `receipt` is its receipt;
 * - `reorged`: it was mined, then its block left the chain and the transaction is neither mined elsewhere nor pending:
 *   it is not sent again; the duty decides in its next round whether it is still needed;
 * - `dropped`: it left the mempool unmined and its call no longer simulates successfully, so it was not sent again.
 *
 * It throws: the simulation's own error when `estimateGas` reverts (so `describeRevert`/`decodeRevert` work as on a
 * contract call), `TxRevertedError` when the mined transaction reverted (a race another node won), a non-transient
 * RPC error after `tx.retries` retries, and `TxSenderStoppedError` when the node stops while it waits.
 *
 * A call identical to one still in flight (same target, data and value) is not sent twice: `send` waits for the one
 * in flight (also one found pending on disk after a restart) and returns its outcome.
 *
 * ## What it does
 *
 * - Nonces: a local counter initialised from the chain's pending nonce, assigned under a lock so concurrent duties get
 *   distinct nonces. A transaction that leaves the mempool unmined is re-simulated and, if still valid, sent again
 *   with the same nonce; if not, and later nonces are in flight, the gap is filled with a 0-value transfer to self.
 * - Fees: EIP-1559 fees from the provider, capped at `tx.maxFeeCapGwei`. A transaction not mined within
 *   `tx.bumpAfterMs` is replaced with the same nonce and both fees raised by at least 12.5 % (more if the market
 *   moved), up to the cap; at the cap it waits.
 * - Retries: an RPC call failing with a transient error (network, server, timeout, rate limit) is retried up to
 *   `tx.retries` times with exponential backoff from `tx.retryBackoffMs`.
 * - Confirmations and reorgs: the receipt is re-read until its block is `tx.confirmations` deep (0 and 1: mined).
 *   A receipt that disappears or moves to another block is counted as a reorg and re-checked (mined elsewhere, back
 *   in the mempool, or gone: `reorged`).
 * - Restart: each transaction is written to `<dataDir>/pending-transactions.json` (atomically) before it is
 *   broadcast, with every hash it was sent under. On start, `reconcile()` checks each entry against the chain by nonce
 *   and hash: mined or still pending ones are tracked again (and a duty's identical call attaches to them), the rest
 *   are forgotten and their nonces reused.
 */
import fs from "node:fs";
import path from "node:path";
import { Transaction, type Provider, type Signer, type TransactionReceipt, type TransactionRequest } from "ethers";
import type { Metrics } from "./metrics";
import type { Logger } from "./log";

/** The sender's settings (the `tx` section of the configuration). */
export interface TxSettings {
  /** Blocks a transaction's block must be deep (the block itself counts as 1) before its effect counts; 0 and 1: mined. */
  confirmations: number;
  /** Milliseconds a transaction may wait unmined before it is replaced with higher fees. */
  bumpAfterMs: number;
  /** Ceiling of maxFeePerGas (and of maxPriorityFeePerGas), in gwei. */
  maxFeeCapGwei: number;
  /** Retries of an RPC call that failed with a transient error. */
  retries: number;
  /** Backoff before the first retry, doubled for each next one, in milliseconds. */
  retryBackoffMs: number;
  /** Milliseconds between checks of a transaction in flight. */
  pollIntervalMs: number;
}

export const TX_DEFAULTS: TxSettings = {
  confirmations: 1,
  bumpAfterMs: 30_000,
  maxFeeCapGwei: 500,
  retries: 4,
  retryBackoffMs: 500,
  pollIntervalMs: 1000,
};

/** Fees are raised by at least this much per replacement (geth and Hardhat require 10 %). */
export const BUMP_NUMERATOR = 1125n;
export const BUMP_DENOMINATOR = 1000n;

export type TxOutcome =
  | { status: "confirmed"; receipt: TransactionReceipt; hash: string; nonce: number; bumps: number }
  | { status: "reorged"; nonce: number; hashes: string[] }
  | { status: "dropped"; nonce: number; hashes: string[] };

/** The transaction was mined and reverted. */
export class TxRevertedError extends Error {
  constructor(
    readonly duty: string,
    readonly functionName: string,
    readonly receipt: TransactionReceipt,
  ) {
    super(`${duty}: ${functionName} transaction ${receipt.hash} reverted in block ${receipt.blockNumber}`);
    this.name = "TxRevertedError";
  }
}

/** The sender stopped (the node is shutting down) while the transaction was in flight; it stays on disk for the next start. */
export class TxSenderStoppedError extends Error {
  constructor(readonly duty: string) {
    super(`${duty}: the transaction sender stopped while a transaction was in flight`);
    this.name = "TxSenderStoppedError";
  }
}

/** What is persisted of a transaction in flight. */
interface PendingTx {
  duty: string;
  functionName: string;
  nonce: number;
  to: string;
  data: string;
  value: string;
  gasLimit: string;
  /** EIP-1559 fees, or `gasPrice` on a chain without them. */
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
  gasPrice?: string;
  /** Every hash it was broadcast under (the original, then each replacement), oldest first. */
  hashes: string[];
  bumps: number;
  /** The block this process last saw it mined in (not persisted: re-read after a restart). */
  minedInBlock?: number;
}

const PENDING_FILE = "pending-transactions.json";
const TRANSIENT_CODES = new Set(["NETWORK_ERROR", "SERVER_ERROR", "TIMEOUT"]);
const TRANSIENT_TEXT =
  /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|socket hang up|429|too many requests|rate limit|header not found|timed? ?out/i;
const ALREADY_KNOWN = /already known|known transaction|already imported/i;
const NONCE_TOO_LOW = /nonce too low|nonce has already been used|NONCE_EXPIRED/i;

/** Whether an RPC error is worth retrying (the request may succeed when repeated). */
export function isTransientError(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown; error?: { message?: unknown } } | undefined;
  if (err === undefined || err === null) return false;
  if (err.code === "CALL_EXCEPTION" || err.code === "INSUFFICIENT_FUNDS" || err.code === "NONCE_EXPIRED") return false;
  if (typeof err.code === "string" && TRANSIENT_CODES.has(err.code)) return true;
  return TRANSIENT_TEXT.test(`${String(err.message ?? "")} ${String(err.error?.message ?? "")}`);
}

const errorText = (e: unknown) => {
  const err = e as { code?: unknown; message?: unknown; error?: { message?: unknown }; shortMessage?: unknown };
  return `${String(err?.code ?? "")} ${String(err?.shortMessage ?? "")} ${String(err?.message ?? "")} ${String(err?.error?.message ?? "")}`;
};

const bumped = (fee: bigint) => (fee * BUMP_NUMERATOR + BUMP_DENOMINATOR - 1n) / BUMP_DENOMINATOR;
const maxOf = (a: bigint, b: bigint) => (a > b ? a : b);
const minOf = (a: bigint, b: bigint) => (a < b ? a : b);
const dedupeKey = (to: string, data: string, value: string) => `${to.toLowerCase()}:${data.toLowerCase()}:${value}`;

/** Writes `file` so that a crash leaves either the old or the new content: temporary file, fsync, rename, fsync dir. */
function writeAtomically(file: string, content: string) {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dir = fs.openSync(path.dirname(file), "r");
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

export interface TxSenderDeps {
  provider: Provider;
  /** The operator's signer, connected to `provider`. */
  signer: Signer;
  settings: TxSettings;
  metrics: Metrics;
  log: Logger;
  /** Directory of `pending-transactions.json`; without it nothing survives a restart. */
  dataDir?: string;
}

export class TxSender {
  private readonly provider: Provider;
  private readonly signer: Signer;
  private readonly settings: TxSettings;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly file?: string;
  private address?: string;
  private chainId?: bigint;
  /** Next nonce to assign (undefined until first read from the chain). */
  private nextNonce?: number;
  /** Nonce lock: assignment and broadcast of one transaction at a time. */
  private lock: Promise<unknown> = Promise.resolve();
  /** Transactions in flight by nonce, and the outcome each will resolve with. */
  private readonly inFlight = new Map<number, { tx: PendingTx; outcome?: Promise<TxOutcome> }>();
  /** Whether the signer can sign raw transactions (a Wallet can; Hardhat's signer only sends). */
  private rawSigning = true;
  private stopped = false;
  private readonly wakers = new Set<() => void>();

  constructor(deps: TxSenderDeps) {
    this.provider = deps.provider;
    this.signer = deps.signer;
    this.settings = deps.settings;
    this.metrics = deps.metrics;
    this.log = deps.log;
    this.file = deps.dataDir === undefined ? undefined : path.join(deps.dataDir, PENDING_FILE);
  }

  /** Transactions in flight (sent, not yet confirmed or given up). */
  get pending(): number {
    return this.inFlight.size;
  }

  /** The transactions in flight: duty, function, nonce, every hash sent (oldest first), replacements so far. */
  transactions(): { duty: string; functionName: string; nonce: number; hashes: string[]; bumps: number; minedInBlock?: number }[] {
    return [...this.inFlight.values()].map(({ tx }) => ({
      duty: tx.duty,
      functionName: tx.functionName,
      nonce: tx.nonce,
      hashes: [...tx.hashes],
      bumps: tx.bumps,
      minedInBlock: tx.minedInBlock,
    }));
  }

  private get capWei(): bigint {
    return BigInt(this.settings.maxFeeCapGwei) * 10n ** 9n;
  }

  private async from(): Promise<string> {
    return (this.address ??= await this.signer.getAddress());
  }

  /**
   * Sends `populate()`'s call for `duty` (simulated with estimateGas, then signed with the next nonce and broadcast)
   * and waits for it as the module's documentation describes.
   */
  async send(duty: string, functionName: string, populate: () => Promise<TransactionRequest>): Promise<TxOutcome> {
    if (this.stopped) throw new TxSenderStoppedError(duty);
    const request = await populate();
    const to = String(request.to ?? "");
    if (to === "") throw new Error(`${duty}: ${functionName} has no target address`);
    const data = request.data ?? "0x";
    const value = BigInt(request.value ?? 0n).toString();
    const key = dedupeKey(to, data, value);
    const inFlight = this.attach(key, duty, functionName);
    if (inFlight !== undefined) return inFlight;
    const from = await this.from();
    const gas = await this.retry("estimateGas", () => this.provider.estimateGas({ from, to, data, value }));
    const tx: PendingTx = { duty, functionName, nonce: -1, to, data, value, gasLimit: ((gas * 6n) / 5n).toString(), hashes: [], bumps: 0 };
    await this.feesFor(tx);
    // an object, not the promise itself: the lock must not wait for the outcome
    const sent = await this.withLock(async () => {
      const attached = this.attach(key, duty, functionName); // again under the lock: two identical calls at once go out once
      if (attached !== undefined) return { outcome: attached };
      for (let attempt = 0; ; attempt++) {
        tx.nonce = await this.reserveNonce();
        this.inFlight.set(tx.nonce, { tx });
        try {
          await this.broadcast(tx);
          return { outcome: this.track(tx) };
        } catch (e) {
          this.inFlight.delete(tx.nonce);
          this.nextNonce = undefined; // re-read from the chain (a stale local nonce, or a nonce never used)
          this.persist();
          // another sender of this key used the nonce: once more with the chain's pending nonce
          if (attempt > 0 || !NONCE_TOO_LOW.test(errorText(e))) throw e;
          this.log("warn", "tx.nonce-resync", { duty, function: functionName, nonce: tx.nonce });
        }
      }
    });
    return sent.outcome;
  }

  /** The outcome of a call identical to `key` already in flight, if any. */
  private attach(key: string, duty: string, functionName: string): Promise<TxOutcome> | undefined {
    for (const flight of this.inFlight.values())
      if (flight.outcome !== undefined && dedupeKey(flight.tx.to, flight.tx.data, flight.tx.value) === key) {
        this.log("info", "tx.attached", { duty, function: functionName, nonce: flight.tx.nonce, hash: flight.tx.hashes.at(-1) });
        return flight.outcome;
      }
    return undefined;
  }

  /**
   * After a restart: checks each transaction of `pending-transactions.json` against the chain. One mined or still in
   * the mempool is tracked again (its outcome is logged, and a duty's identical call attaches to it); one whose nonce
   * was used by another transaction, or that is gone, is forgotten (its duty re-evaluates it).
   */
  async reconcile(): Promise<{ resumed: number; forgotten: number }> {
    if (this.file === undefined || !fs.existsSync(this.file)) return { resumed: 0, forgotten: 0 };
    const saved = JSON.parse(fs.readFileSync(this.file, "utf8")) as { transactions: PendingTx[] };
    const from = await this.from();
    const mined = await this.retry("getTransactionCount", () => this.provider.getTransactionCount(from, "latest"));
    let resumed = 0;
    let forgotten = 0;
    for (const tx of saved.transactions) {
      const found = await this.lookup(tx);
      if (found.receipt !== undefined || found.pending) {
        void this.track(tx);
        resumed++;
        this.log("info", "tx.reconciled", {
          duty: tx.duty,
          function: tx.functionName,
          nonce: tx.nonce,
          state: found.receipt ? "mined" : "pending",
        });
      } else {
        forgotten++;
        this.log("warn", "tx.reconciled", {
          duty: tx.duty,
          function: tx.functionName,
          nonce: tx.nonce,
          state: tx.nonce < mined ? "nonce used by another transaction" : "gone",
        });
      }
    }
    this.persist();
    // a forgotten nonce below one still pending would hold that one back forever: fill it
    const highest = Math.max(-1, ...this.inFlight.keys());
    for (const tx of saved.transactions)
      if (tx.nonce >= mined && tx.nonce < highest && !this.inFlight.has(tx.nonce)) await this.fillNonce(tx);
    this.metrics.set("lp504_node_tx_pending", this.inFlight.size);
    return { resumed, forgotten };
  }

  /** Stops every wait: transactions in flight stay on disk, `send` callers get `TxSenderStoppedError`. */
  stop(): void {
    this.stopped = true;
    for (const wake of this.wakers) wake();
  }

  /** Waits until every transaction in flight has its outcome (for tests and a graceful drain). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()].map((f) => f.outcome));
    if ([...this.inFlight.values()].some((f) => f.outcome !== undefined)) await this.settled(); // fillers started meanwhile
  }

  // ---- internals ----

  private withLock<T>(body: () => Promise<T>): Promise<T> {
    const run = this.lock.then(body);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** The next nonce: the local counter, or the chain's pending nonce when that is higher (or the counter unset). */
  private async reserveNonce(): Promise<number> {
    const from = await this.from();
    const chainPending = await this.retry("getTransactionCount", () => this.provider.getTransactionCount(from, "pending"));
    let nonce = Math.max(this.nextNonce ?? 0, chainPending);
    while (this.inFlight.has(nonce)) nonce++;
    this.nextNonce = nonce + 1;
    return nonce;
  }

  private async feesFor(tx: PendingTx) {
    const fees = await this.retry("getFeeData", () => this.provider.getFeeData());
    const cap = this.capWei;
    if (fees.maxFeePerGas !== null && fees.maxPriorityFeePerGas !== null) {
      const maxFee = minOf(fees.maxFeePerGas, cap);
      tx.maxFeePerGas = maxFee.toString();
      tx.maxPriorityFeePerGas = minOf(fees.maxPriorityFeePerGas, maxFee).toString();
    } else tx.gasPrice = minOf(fees.gasPrice ?? 0n, cap).toString();
  }

  private request(tx: PendingTx): TransactionRequest {
    const fees =
      tx.gasPrice !== undefined
        ? { type: 0, gasPrice: BigInt(tx.gasPrice) }
        : { type: 2, maxFeePerGas: BigInt(tx.maxFeePerGas!), maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas!) };
    return {
      to: tx.to,
      data: tx.data,
      value: BigInt(tx.value),
      nonce: tx.nonce,
      gasLimit: BigInt(tx.gasLimit),
      chainId: this.chainId,
      ...fees,
    };
  }

  /** Signs and broadcasts `tx` with its current fees and nonce; records the hash (before broadcasting when it can). */
  private async broadcast(tx: PendingTx): Promise<string> {
    if (this.stopped) throw new TxSenderStoppedError(tx.duty); // nothing goes out after stop
    this.chainId ??= (await this.retry("getNetwork", () => this.provider.getNetwork())).chainId;
    const request = this.request(tx);
    if (this.rawSigning) {
      let signed: string | undefined;
      try {
        signed = await this.signer.signTransaction({ ...request, from: await this.from() });
      } catch (e) {
        if (!/not ?implemented|not supported|unsupported|does not exist|not available|method not found/i.test(errorText(e))) throw e;
        this.rawSigning = false; // e.g. Hardhat's JSON-RPC signer: it can only send
      }
      if (signed !== undefined) {
        const hash = Transaction.from(signed).hash!;
        tx.hashes.push(hash);
        this.persist(); // on disk before it can be on the chain
        try {
          await this.retry("broadcastTransaction", () => this.provider.broadcastTransaction(signed));
        } catch (e) {
          if (!ALREADY_KNOWN.test(errorText(e))) {
            tx.hashes.pop();
            this.persist();
            throw e;
          }
        }
        return hash;
      }
    }
    this.persist(); // the nonce is on disk before it is used
    const response = await this.retry("sendTransaction", () => this.signer.sendTransaction(request));
    tx.hashes.push(response.hash);
    this.persist();
    return response.hash;
  }

  /** Starts watching `tx` (registered under its nonce) and returns its outcome. */
  private track(tx: PendingTx): Promise<TxOutcome> {
    const outcome = this.watch(tx).finally(() => {
      if (this.stopped) return; // stopping: the transaction stays on disk for the next start
      if (this.inFlight.get(tx.nonce)?.tx === tx) this.inFlight.delete(tx.nonce);
      this.metrics.set("lp504_node_tx_pending", this.inFlight.size);
      this.persist();
    });
    outcome.catch(() => undefined); // a caller that attaches later still sees the rejection
    this.inFlight.set(tx.nonce, { tx, outcome });
    this.metrics.set("lp504_node_tx_pending", this.inFlight.size);
    return outcome;
  }

  /** Where `tx` is now: its receipt (of whichever hash was mined), or whether one of its hashes is still pending. */
  private async lookup(tx: PendingTx): Promise<{ receipt?: TransactionReceipt; pending: boolean }> {
    let pending = false;
    for (const hash of [...tx.hashes].reverse()) {
      const receipt = await this.retry("getTransactionReceipt", () => this.provider.getTransactionReceipt(hash));
      if (receipt !== null) return { receipt, pending: false };
      if (!pending) pending = (await this.retry("getTransaction", () => this.provider.getTransaction(hash))) !== null;
    }
    return { pending };
  }

  private async watch(tx: PendingTx): Promise<TxOutcome> {
    const { settings, log } = this;
    let lastSent = Date.now();
    let minedIn: { hash: string; block: number } | undefined;
    let capped = false;
    for (;;) {
      if (this.stopped) throw new TxSenderStoppedError(tx.duty);
      const { receipt, pending } = await this.lookup(tx);
      if (receipt !== undefined) {
        if (minedIn !== undefined && minedIn.hash !== receipt.blockHash) this.reorged(tx, "moved to another block", receipt.blockNumber);
        minedIn = { hash: receipt.blockHash, block: receipt.blockNumber };
        tx.minedInBlock = receipt.blockNumber;
        const head = await this.retry("getBlockNumber", () => this.provider.getBlockNumber());
        if (head - receipt.blockNumber + 1 >= Math.max(1, settings.confirmations)) {
          if (receipt.status === 0) throw new TxRevertedError(tx.duty, tx.functionName, receipt);
          log("debug", "tx.confirmed", {
            duty: tx.duty,
            function: tx.functionName,
            nonce: tx.nonce,
            hash: receipt.hash,
            block: receipt.blockNumber,
          });
          return { status: "confirmed", receipt, hash: receipt.hash, nonce: tx.nonce, bumps: tx.bumps };
        }
      } else {
        if (minedIn !== undefined) {
          this.reorged(tx, "receipt disappeared", minedIn.block);
          minedIn = undefined;
          tx.minedInBlock = undefined;
          if (!pending) return this.giveUp(tx, "reorged"); // not blindly re-sent: its duty decides in its next round
        }
        if (!pending) {
          const from = await this.from();
          const used = await this.retry("getTransactionCount", () => this.provider.getTransactionCount(from, "latest"));
          if (used > tx.nonce) {
            // mined between our two reads, or replaced by a transaction this sender does not know: look again
            const again = await this.lookup(tx);
            if (again.receipt === undefined && !again.pending) return this.giveUp(tx, "dropped");
            continue;
          }
          // dropped from the mempool: refill the nonce with the same call if it still simulates, else give it up
          try {
            await this.retry("estimateGas", () => this.provider.estimateGas({ from, to: tx.to, data: tx.data, value: BigInt(tx.value) }));
          } catch (e) {
            log("warn", "tx.dropped", { duty: tx.duty, function: tx.functionName, nonce: tx.nonce, reason: String(e) });
            return this.giveUp(tx, "dropped");
          }
          await this.raiseFees(tx);
          lastSent = Date.now();
          try {
            await this.withLock(() => this.broadcast(tx));
            this.metrics.inc("lp504_node_tx_refills_total", { duty: tx.duty });
            log("warn", "tx.refilled", { duty: tx.duty, function: tx.functionName, nonce: tx.nonce, hash: tx.hashes.at(-1) });
          } catch (e) {
            if (e instanceof TxSenderStoppedError) throw e;
            // e.g. this endpoint had not seen it but another node has it (underpriced replacement): look again
            log("warn", "tx.refill-failed", { duty: tx.duty, nonce: tx.nonce, error: String(e) });
          }
        } else if (Date.now() - lastSent >= settings.bumpAfterMs) {
          if (await this.raiseFees(tx)) {
            try {
              await this.withLock(() => this.broadcast(tx));
              tx.bumps++;
              this.metrics.inc("lp504_node_tx_bumps_total", { duty: tx.duty });
              log("info", "tx.bumped", {
                duty: tx.duty,
                function: tx.functionName,
                nonce: tx.nonce,
                hash: tx.hashes.at(-1),
                maxFeePerGas: tx.maxFeePerGas ?? tx.gasPrice,
              });
            } catch (e) {
              // the original may have been mined meanwhile (nonce too low) or the node wants more: look again next time
              if (!NONCE_TOO_LOW.test(errorText(e))) log("warn", "tx.bump-failed", { duty: tx.duty, nonce: tx.nonce, error: String(e) });
            }
          } else if (!capped) {
            capped = true;
            log("warn", "tx.fee-capped", {
              duty: tx.duty,
              function: tx.functionName,
              nonce: tx.nonce,
              maxFeeCapGwei: settings.maxFeeCapGwei,
            });
          }
          lastSent = Date.now();
        }
      }
      await this.sleep(settings.pollIntervalMs);
    }
  }

  /** Raises `tx`'s fees by the replacement step (or to the market's, if higher), within the cap; false at the cap. */
  private async raiseFees(tx: PendingTx): Promise<boolean> {
    const market = await this.retry("getFeeData", () => this.provider.getFeeData());
    const cap = this.capWei;
    if (tx.gasPrice !== undefined) {
      const price = minOf(maxOf(bumped(BigInt(tx.gasPrice)), market.gasPrice ?? 0n), cap);
      if (price < bumped(BigInt(tx.gasPrice))) return false;
      tx.gasPrice = price.toString();
      return true;
    }
    const oldMax = BigInt(tx.maxFeePerGas!);
    const oldTip = BigInt(tx.maxPriorityFeePerGas!);
    const maxFee = minOf(maxOf(bumped(oldMax), market.maxFeePerGas ?? 0n), cap);
    const tip = minOf(maxOf(bumped(oldTip), market.maxPriorityFeePerGas ?? 0n), maxFee);
    if (maxFee < bumped(oldMax) || tip < bumped(oldTip)) return false;
    tx.maxFeePerGas = maxFee.toString();
    tx.maxPriorityFeePerGas = tip.toString();
    return true;
  }

  private reorged(tx: PendingTx, how: string, block: number) {
    this.metrics.inc("lp504_node_tx_reorgs_total", { duty: tx.duty });
    this.log("warn", "tx.reorged", { duty: tx.duty, function: tx.functionName, nonce: tx.nonce, how, block });
  }

  /**
   * Gives `tx` up without sending its call again. Its nonce is reused by the next send; if later nonces are in flight
   * they would wait behind the gap forever, so it is filled now with a 0-value transfer to self.
   */
  private async giveUp(tx: PendingTx, status: "reorged" | "dropped"): Promise<TxOutcome> {
    const hashes = [...tx.hashes];
    this.inFlight.delete(tx.nonce);
    const later = [...this.inFlight.keys()].some((n) => n > tx.nonce);
    if (later) await this.fillNonce(tx);
    else await this.withLock(async () => void (this.nextNonce = Math.min(this.nextNonce ?? tx.nonce, tx.nonce)));
    return { status, nonce: tx.nonce, hashes };
  }

  /** Uses `given`'s nonce with a 0-value transfer to self, priced above what `given` offered, so later nonces can be mined. */
  private async fillNonce(given: PendingTx): Promise<void> {
    const filler: PendingTx = {
      ...given,
      duty: "sender",
      functionName: "fillNonce",
      to: await this.from(),
      data: "0x",
      value: "0",
      gasLimit: "21000",
      hashes: [],
      bumps: 0,
    };
    await this.raiseFees(filler);
    await this.withLock(async () => {
      this.inFlight.set(filler.nonce, { tx: filler });
      await this.broadcast(filler);
      void this.track(filler);
    });
    this.log("warn", "tx.nonce-filled", { nonce: filler.nonce, hash: filler.hashes.at(-1) });
  }

  private async retry<T>(operation: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        if (attempt >= this.settings.retries || !isTransientError(e) || this.stopped) throw e;
        this.metrics.inc("lp504_node_tx_retries_total", { operation });
        this.log("warn", "rpc.retry", { operation, attempt: attempt + 1, error: String(e) });
        await this.sleep(this.settings.retryBackoffMs * 2 ** attempt);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private persist() {
    if (this.file === undefined) return;
    const transactions = [...this.inFlight.values()].map(({ tx: { minedInBlock: _seen, ...tx } }) => tx).filter((tx) => tx.nonce >= 0);
    writeAtomically(this.file, JSON.stringify({ version: 1, transactions }, null, 2) + "\n");
  }
}
