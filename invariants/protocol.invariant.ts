/**
 * Model-based invariants of the encrypted mempool and of training rounds: random sequences, checked every step.
 * MEV: a transaction's position never changes after submission; decryption only with t valid shares, and a bad
 * share never counts. Training: one gradient per member per epoch; aggregation only at quorum.
 */
import fc from "fast-check";
import hre, { ethers } from "hardhat";
import { secp256k1 } from "@noble/curves/secp256k1";
import { deploySuite, suiteParams } from "../deploy";
import { encryptForCommittee, openShare, keySharePayload, BN254_ORDER } from "../sdk";
import { assertSequences, jump, outcome, eq, ok, step, Outcomes, RUNS, STEPS } from "./helpers";

const DECRYPTED = 3n;
const EXPIRED = 4n;

describe(`Protocol invariants (fast-check, ${RUNS} sequences × ${STEPS} steps)`, function () {
  this.timeout(0);

  it("MEV: positions are fixed at submission; decryption needs t valid shares; bad shares never count", async () => {
    const signers = await ethers.getSigners();
    const suite = await deploySuite(hre, suiteParams({}), signers[0]);
    const { registry, mev } = suite;
    const validators = signers.slice(1, 6);
    const secretKeys = validators.map((_, i) => ethers.keccak256(ethers.toUtf8Bytes(`invariant validator ${i}`)));
    for (let i = 0; i < validators.length; i++) {
      const pk = ethers.hexlify(secp256k1.getPublicKey(ethers.getBytes(secretKeys[i]), true));
      await registry.connect(validators[i]).registerSequencer(`enode://v${i}`, pk, "0x", { value: ethers.parseEther("100") });
    }
    const t = 3;
    await mev.initThresholdDecryption(t, []);
    const committee = await mev.committee(1);
    const place = new Map(committee.map((a, i) => [a, i + 1]));
    const publicKeys = await Promise.all(
      committee.map(async (a) => (await registry.getSequencer(await registry.sequencerIdOf(a))).publicKey),
    );
    const users = signers.slice(6, 8);

    type Tx = {
      id: string;
      sequence: bigint;
      deadline: bigint;
      encrypted: string;
      ciphertext: string;
      payload: string;
      shares: Set<number>;
      decrypted: boolean;
      expired: boolean;
    };
    let txs: Tx[] = [];
    const outcomes = new Outcomes();
    const count = (e?: string) => outcomes.count(e);

    const check = async () => {
      for (const x of txs) {
        const record = await mev.getTransaction(x.id);
        eq(`position of ${x.id.slice(0, 10)} never changes`, record.sequence, x.sequence);
        eq(`valid shares of ${x.id.slice(0, 10)}`, (await mev.keyShares(x.id)).valid, BigInt(x.shares.size));
        if (record.status === DECRYPTED) ok(`${x.id.slice(0, 10)} decrypted only with t valid shares`, x.shares.size >= t);
        eq(`decrypted state of ${x.id.slice(0, 10)}`, record.status === DECRYPTED, x.decrypted);
      }
    };

    const steps = [
      fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 300 })).map(([u, size]) =>
        step(`submit(user ${u}, ${size} bytes)`, async () => {
          const sealed = encryptForCommittee(ethers.hexlify(ethers.randomBytes(size)), publicKeys, t);
          const commitment = ethers.keccak256(sealed.payload);
          const id = await mev.connect(users[u]).submitEncrypted.staticCall(sealed.encryptedTx, commitment);
          const err = await outcome(mev.connect(users[u]).submitEncrypted(sealed.encryptedTx, commitment));
          count(err);
          eq("a well-formed encrypted transaction is accepted", err ?? "none", "none");
          const { sequence, deadline } = await mev.getTransaction(id);
          if (txs.length) ok("arrival order is strictly increasing", sequence > txs[txs.length - 1].sequence);
          txs.push({
            id,
            sequence,
            deadline,
            encrypted: sealed.encryptedTx,
            ciphertext: sealed.ciphertext,
            payload: sealed.payload,
            shares: new Set(),
            decrypted: false,
            expired: false,
          });
        }),
      ),
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 })).map(([k, v, corrupt]) =>
        step(`share(tx ${k}, validator ${v}${corrupt === 0 ? ", corrupted" : ""})`, async () => {
          if (!txs.length) return;
          const x = txs[k % txs.length];
          const signer = validators[v];
          const x0 = place.get(signer.address)!;
          const share = openShare(x.encrypted, x0, secretKeys[v]);
          const sent = corrupt === 0 ? (share + 1n) % BN254_ORDER : share;
          const next = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 1n;
          const err = await outcome(mev.connect(signer).submitKeyShare(x.id, keySharePayload(sent, x.encrypted)));
          count(err);
          const closed = x.decrypted || x.expired || next > x.deadline;
          if (corrupt === 0) ok("a corrupted share is never accepted", err !== undefined);
          else if (closed) ok("a closed transaction takes no shares", err !== undefined);
          else if (x.shares.has(x0)) eq("a share counts once", err ?? "none", "MEVDuplicateKeyShare");
          else {
            eq("a valid share for an open transaction is accepted", err ?? "none", "none");
            x.shares.add(x0);
          }
        }),
      ),
      fc.nat().map((k) =>
        step(`decrypt(tx ${k})`, async () => {
          if (!txs.length) return;
          const x = txs[k % txs.length];
          const err = await outcome(mev.decryptTransaction(x.id, x.ciphertext));
          count(err);
          if (!err) {
            ok("decryption with t valid shares only", x.shares.size >= t && !x.decrypted);
            x.decrypted = true;
            eq("the plaintext is what was encrypted", await mev.getDecrypted(x.id, x.ciphertext), x.payload);
          } else if (x.shares.size < t)
            ok(`too few shares are refused (${err})`, ["MEVNotEnoughShares", "MEVDeadlinePassed", "MEVAlreadyFinalized"].includes(err));
        }),
      ),
      fc.nat().map((k) =>
        step(`expire(tx ${k})`, async () => {
          if (!txs.length) return;
          const x = txs[k % txs.length];
          const err = await outcome(mev.expireTransaction(x.id));
          count(err);
          if (!err) {
            ok("only a pending transaction expires", !x.decrypted);
            x.expired = true;
            eq("expired", (await mev.getTransaction(x.id)).status, EXPIRED);
          }
        }),
      ),
      fc.integer({ min: 1, max: 900 }).map((s) => step(`time +${s}s`, () => jump(s))),
    ];
    const weights = [3, 6, 2, 1, 1];

    await assertSequences(
      steps,
      weights,
      () => {
        txs = [];
      },
      check,
    );
    outcomes.print();
    ok("decryptions happen in the sequences", outcomes.successes > RUNS * 10);
  });

  it("training: one gradient per member per epoch, aggregation only at quorum", async () => {
    const signers = await ethers.getSigners();
    const suite = await deploySuite(hre, suiteParams({}), signers[0]);
    const { registry, training } = suite;
    const operators = signers.slice(1, 7);
    for (let i = 0; i < operators.length; i++) {
      await registry.connect(operators[i]).registerSequencer(`enode://t${i}`, "0x02", "0x", { value: ethers.parseEther("100") });
    }
    const members = [1n, 2n, 3n, 4n, 5n];
    const clusterId = await training.createTrainingCluster.staticCall(members, ethers.id("model"));
    await training.createTrainingCluster(members, ethers.id("model"));
    const quorumBps = 6_000n;
    await training.configureCluster(clusterId, 0, quorumBps, 3600);
    const quorum = (BigInt(members.length) * quorumBps + 9_999n) / 10_000n;

    let epoch = 1n;
    let submitted = new Set<string>();
    let aggregated = false;
    const outcomes = new Outcomes();
    const count = (e?: string) => outcomes.count(e);
    const countIn = (e: bigint) => [...submitted].filter((k) => k.startsWith(`${e}:`)).length;

    const check = async () => {
      eq("epoch", (await training.getCluster(clusterId)).currentEpoch, epoch);
    };

    const steps = [
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -1, max: 1 }), fc.boolean()).map(([m, offset, reuse]) =>
        step(`submit(op${m}, epoch ${offset >= 0 ? "+" : ""}${offset}${reuse ? ", reused hash" : ""})`, async () => {
          const e = epoch + BigInt(offset);
          const sequencerId = BigInt(m + 1);
          const gradientHash = reuse ? ethers.id(`shared ${e}`) : ethers.id(`grad ${e} ${m} ${Math.random()}`);
          const err = await outcome(
            training.connect(operators[m]).submitGradient({ clusterId, sequencerId, epoch: e, gradientHash, loss: 100, timestamp: 0 }),
          );
          count(err);
          const key = `${e}:${sequencerId}`;
          if (!members.includes(sequencerId)) return eq("non-members cannot submit", err ?? "none", "TrainingNotMember");
          if (e !== epoch) return eq("only the current epoch", err ?? "none", "TrainingWrongEpoch");
          if (submitted.has(key)) return eq("one gradient per member per epoch", err ?? "none", "TrainingDuplicateGradient");
          // A hash another member submitted is accepted too: refusing it would let a copier front-run the original.
          eq("a member's first gradient of the epoch is accepted, whatever its hash", err ?? "none", "none");
          submitted.add(key);
        }),
      ),
      fc.constant(null).map(() =>
        step("aggregate", async () => {
          const err = await outcome(training.aggregateGradients(clusterId, epoch));
          count(err);
          const n = BigInt(countIn(epoch));
          if (n >= quorum) {
            eq("aggregation at quorum succeeds", err ?? "none", "none");
            aggregated = true;
          } else eq("no aggregation below quorum", err ?? "none", "TrainingQuorumNotReached");
        }),
      ),
      fc.constant(null).map(() =>
        step("broadcast", async () => {
          const err = await outcome(training.broadcastWeights(clusterId, ethers.id(`weights ${epoch}`)));
          count(err);
          if (aggregated) {
            eq("broadcast after aggregation", err ?? "none", "none");
            epoch += 1n;
            aggregated = false;
          } else eq("no broadcast before aggregation", err ?? "none", "TrainingEpochNotAggregated");
        }),
      ),
      fc.integer({ min: 1, max: 3600 }).map((s) => step(`time +${s}s`, () => jump(s))),
    ];
    const weights = [8, 2, 2, 1];

    await assertSequences(
      steps,
      weights,
      () => {
        epoch = 1n;
        submitted = new Set();
        aggregated = false;
      },
      check,
    );
    outcomes.print();
    ok("epochs advance in the sequences", outcomes.successes > RUNS * 5);
  });
});
