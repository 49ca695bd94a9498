import { secp256k1 } from "@noble/curves/secp256k1";
import { getAddress, getBytes, hexlify, keccak256, toBeHex } from "ethers";
import { decodeRevert, describeRevert } from "../../index";
import type { MEVMitigation } from "../../generated/contracts";
import { BN254_ORDER, decodeEncrypted, keySharePayload, openShare, verifyShare } from "../../sdk/threshold";
import type { NodeContext } from "../context";

/** The message whose signature by the operator key is the secret of its threshold-decryption (secp256k1) key. */
export const encryptionSecretMessage = (chainId: bigint, operator: string) =>
  `LP-504 threshold-decryption key of operator ${getAddress(operator)} on chain ${chainId}`;

/** The secp256k1 key a committee member's shares are sealed to, derived from the operator's signature over
 * `encryptionSecretMessage` (RFC 6979 signatures are deterministic): `sk = keccak256(signature) mod n`. `pk` is
 * compressed (33 bytes): what the operator registers as its sequencer's `publicKey`. */
export function operatorEncryptionKey(signature: string): { sk: string; pk: string } {
  const n = secp256k1.CURVE.n;
  const s = BigInt(keccak256(signature)) % n;
  const sk = toBeHex(s === 0n ? 1n : s, 32);
  return { sk, pk: hexlify(secp256k1.getPublicKey(getBytes(sk), true)) };
}

/** MEVMitigation's TxStatus. */
const PENDING = 1n;
const DECRYPTED = 3n;
/** How far back the first round looks for encrypted transactions (blocks), and the most one round reads. */
export const LOOKBACK_BLOCKS = 5_000;
const MAX_RANGE = 5_000;

interface PendingTx {
  txId: string;
  encryptedTx: string;
  ciphertext: string;
  threshold: number;
  /** Our share was submitted, or can never be (not a member, invalid share, refused): no further attempt. */
  shareDone: boolean;
  /** The duty round in which this node first saw the threshold reached by others' shares. */
  completeSeenAt?: number;
}

export interface ThresholdRound {
  discovered: number;
  sharesSubmitted: number;
  decrypted: number;
}

/**
 * Threshold-committee member: opens the key shares of encrypted transactions sealed to this operator, submits them
 * (`submitKeyShare`) and decrypts a transaction on chain (`decryptTransaction`) once its threshold of shares is in.
 *
 * The chain keeps only a hash of each transaction's content: the sealed shares and the ciphertext travel in the
 * calldata of `submitEncrypted`. The duty follows `EncryptedTxSubmitted` events and reads each one's transaction
 * from the node's RPC endpoint; a submission made through another contract (not a direct call) carries no
 * readable calldata and is logged (`threshold.calldata-unavailable`) and skipped.
 *
 * A share is opened with the operator's threshold-decryption key (`operatorEncryptionKey`, derived from the
 * operator key) and checked against the transaction's Feldman commitments before it is sent: a share the sender
 * sealed wrongly, or one sealed to a key other than the registered one, would revert, so it is not sent
 * (`threshold.share-invalid`). Every call is simulated first. Any node with the duty decrypts: the one whose share
 * completed the threshold at once, the others one round later if it is still not decrypted; a decryption that lost
 * the race to another node's is logged as `threshold.decrypt-raced`, not as a failure.
 */
export class ThresholdMember {
  private key?: { sk: string; pk: string };
  private keyChecked = false;
  private nextBlock?: number;
  private round = 0;
  private readonly pending = new Map<string, PendingTx>();
  private readonly committees = new Map<bigint, string[]>();

  constructor(
    private readonly ctx: NodeContext,
    private readonly mev: MEVMitigation,
  ) {}

  /** Encrypted transactions this node is following (not yet decrypted, opened otherwise or expired). */
  get following(): number {
    return this.pending.size;
  }

  private async encryptionKey() {
    return (this.key ??= operatorEncryptionKey(
      await this.ctx.operator.signMessage(encryptionSecretMessage(this.ctx.chainId, this.ctx.operatorAddress)),
    ));
  }

  private async committee(epoch: bigint): Promise<string[]> {
    let members = this.committees.get(epoch);
    if (!members) {
      members = (await this.mev.committee(epoch)).map((a) => a.toLowerCase());
      this.committees.set(epoch, members); // a committee epoch's members never change
    }
    return members;
  }

  /** Reads the `EncryptedTxSubmitted` events since the last round and the calldata of each. */
  private async discover(latest: number): Promise<number> {
    const { ctx, mev } = this;
    const from = this.nextBlock ?? Math.max(0, latest - LOOKBACK_BLOCKS);
    if (from > latest) return 0;
    const to = Math.min(latest, from + MAX_RANGE - 1);
    const logs = await mev.queryFilter(mev.filters.EncryptedTxSubmitted(), from, to);
    const mevAddress = (await mev.getAddress()).toLowerCase();
    let found = 0;
    for (const log of logs) {
      const txId = log.args.txId;
      if (this.pending.has(txId)) continue;
      const tx = await ctx.provider.getTransaction(log.transactionHash);
      const call = tx && tx.to?.toLowerCase() === mevAddress ? mev.interface.parseTransaction({ data: tx.data }) : null;
      if (call?.name === "submitTimelocked") continue; // opened by its puzzle, not by the committee
      if (call?.name !== "submitEncrypted") {
        ctx.log("warn", "threshold.calldata-unavailable", { txId, tx: log.transactionHash });
        continue;
      }
      const encryptedTx: string = call.args[0];
      const { ciphertext } = decodeEncrypted(encryptedTx);
      this.pending.set(txId, { txId, encryptedTx, ciphertext, threshold: getBytes(encryptedTx)[0], shareDone: false });
      found++;
    }
    this.nextBlock = to + 1;
    return found;
  }

  async tick(): Promise<ThresholdRound> {
    const { ctx } = this;
    this.round++;
    const key = await this.encryptionKey();
    if (!this.keyChecked && ctx.sequencerId !== 0n) {
      const registered = (await ctx.registry.getSequencer(ctx.sequencerId)).publicKey.toLowerCase();
      if (registered !== key.pk.toLowerCase())
        ctx.log("error", "threshold.key-mismatch", {
          registered,
          derived: key.pk,
          note: "shares sealed to this sequencer cannot be opened",
        });
      this.keyChecked = true;
    }
    const block = (await ctx.provider.getBlock("latest"))!;
    const discovered = await this.discover(block.number);
    let sharesSubmitted = 0;
    let decrypted = 0;
    for (const p of [...this.pending.values()]) {
      const record = await this.mev.getTransaction(p.txId);
      if (record.status !== PENDING || BigInt(block.timestamp) > record.deadline) {
        this.pending.delete(p.txId);
        if (record.status !== DECRYPTED)
          ctx.log("info", "threshold.dropped", { txId: p.txId, status: record.status, deadline: record.deadline });
        continue;
      }
      let [bitmap, valid] = await this.mev.keyShares(p.txId);
      let completedByUs = false;
      if (!p.shareDone) {
        const place = (await this.committee(record.committeeEpoch)).indexOf(ctx.operatorAddress.toLowerCase()) + 1;
        if (place === 0 || (bitmap >> BigInt(place - 1)) & 1n) p.shareDone = true;
        else if (valid < BigInt(p.threshold)) {
          p.shareDone = true; // one attempt: a share that cannot pass now never will
          if (await this.submitShare(p, place, key.sk)) {
            sharesSubmitted++;
            [bitmap, valid] = await this.mev.keyShares(p.txId);
            completedByUs = valid >= BigInt(p.threshold);
          }
        }
      }
      if (valid < BigInt(p.threshold)) continue;
      p.completeSeenAt ??= this.round;
      if (!completedByUs && this.round === p.completeSeenAt) continue; // the completing member decrypts first
      if (await this.decrypt(p)) decrypted++;
    }
    return { discovered, sharesSubmitted, decrypted };
  }

  private async submitShare(p: PendingTx, place: number, sk: string): Promise<boolean> {
    const { ctx, mev } = this;
    const share = openShare(p.encryptedTx, place, sk);
    let valid = false;
    try {
      valid = share > 0n && share < BN254_ORDER && verifyShare(place, share, decodeEncrypted(p.encryptedTx).commitments);
    } catch {
      // a commitment that is not a curve point: no share can pass
    }
    if (!valid) {
      ctx.metrics.inc("lp504_node_key_shares_total", { outcome: "invalid" });
      ctx.log("warn", "threshold.share-invalid", { txId: p.txId, place, note: "the sealed share fails the Feldman check: not sent" });
      return false;
    }
    const payload = keySharePayload(share, p.encryptedTx);
    try {
      await mev.submitKeyShare.staticCall(p.txId, payload);
    } catch (e) {
      ctx.metrics.inc("lp504_node_key_shares_total", { outcome: "refused" });
      ctx.log("warn", "threshold.share-skipped", { txId: p.txId, place, reason: describeRevert(e) ?? String(e) });
      return false;
    }
    let tx;
    try {
      tx = await mev.submitKeyShare(p.txId, payload);
      await tx.wait();
    } catch (e) {
      // the transaction was decrypted (or expired) by another member's call, mined or pending, before ours
      if ((await mev.getTransaction(p.txId, { blockTag: "pending" })).status === PENDING) throw e;
      ctx.log("info", "threshold.share-raced", { txId: p.txId, place, tx: tx?.hash });
      return false;
    }
    ctx.metrics.inc("lp504_node_key_shares_total", { outcome: "submitted" });
    ctx.metrics.inc("lp504_node_transactions_total", { duty: "thresholdDecryption", function: "submitKeyShare" });
    ctx.log("info", "threshold.share-submitted", { txId: p.txId, place, tx: tx.hash });
    return true;
  }

  private async decrypt(p: PendingTx): Promise<boolean> {
    const { ctx, mev } = this;
    try {
      await mev.decryptTransaction.staticCall(p.txId, p.ciphertext);
    } catch (e) {
      const reason = decodeRevert(e);
      if (reason?.kind === "custom" && reason.name === "MEVAlreadyFinalized") {
        this.pending.delete(p.txId);
        return false;
      }
      ctx.log("warn", "threshold.decrypt-skipped", { txId: p.txId, reason: describeRevert(e) ?? String(e) });
      if (reason?.kind === "custom" && reason.name === "MEVDecryptionMismatch") this.pending.delete(p.txId); // never decryptable
      return false;
    }
    let tx;
    try {
      tx = await mev.decryptTransaction(p.txId, p.ciphertext);
      await tx.wait();
    } catch (e) {
      // another member's decryption, mined or still pending, got there first
      if ((await mev.getTransaction(p.txId, { blockTag: "pending" })).status !== DECRYPTED) throw e;
      this.pending.delete(p.txId);
      ctx.log("info", "threshold.decrypt-raced", { txId: p.txId, tx: tx?.hash });
      return false;
    }
    this.pending.delete(p.txId);
    ctx.metrics.inc("lp504_node_decryptions_total");
    ctx.metrics.inc("lp504_node_transactions_total", { duty: "thresholdDecryption", function: "decryptTransaction" });
    ctx.log("info", "threshold.decrypted", { txId: p.txId, tx: tx.hash });
    return true;
  }
}
