import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { encryptForCommittee, encryptTimelocked, openShare, keySharePayload, verifyShare, xorKeystream, vdf } from "../sdk";
import { mevFixture, type MEVFixture } from "./helpers/mev";

const RSA2048_DECIMAL =
  "25195908475657893494027183240048398571429282126204032027777137836043662020707595556264018525880784406918290641249515082189298559149176184502808489120072844992687392807287776735971418347270261896375014971824691165077613379859095700097330459748808428401797429100642458691817195118746121515172654632282216869987549182422433637259085141865462043576798423387184774447920739934236584823824281198163815010674810451660377306056201619676256133844143603833904414952634432190114657544454178424020924616515723350778707749817125772467962926386356373289912154831438167899885040445364023527381951378636564391212010397122822120720357";

async function snapshot(f: MEVFixture, txId: string) {
  const t = await f.mev.getTransaction(txId);
  return JSON.stringify([t, await f.mev.getDecrypted(txId), await f.mev.configuration()], (_k, v) =>
    typeof v === "bigint" ? v.toString() : v,
  );
}

async function submitted(f: MEVFixture, body = ethers.hexlify(ethers.randomBytes(200))) {
  const sealed = encryptForCommittee(body, f.publicKeys, f.threshold);
  const txId = await f.mev.submitEncrypted.staticCall(sealed.encryptedTx, sealed.commitment);
  await f.mev.submitEncrypted(sealed.encryptedTx, sealed.commitment);
  const shares = f.validators.map((_, i) => keySharePayload(openShare(sealed.encryptedTx, i + 1, f.secretKeys[i])));
  return { ...sealed, txId, body, sharePayloads: shares };
}

describe("MEVMitigation", () => {
  describe("submitEncrypted", () => {
    it("should number transactions as they arrive, before anyone can read them", async () => {
      const f = await loadFixture(mevFixture);
      const a = await submitted(f);
      const b = await submitted(f);
      expect((await f.mev.getTransaction(a.txId)).sequence).to.equal(1n);
      expect((await f.mev.getTransaction(b.txId)).sequence).to.equal(2n);
      expect(await f.mev.getDecrypted(a.txId)).to.equal("0x");
    });

    it("should reject an empty or oversized payload, a zero commitment and a wrong commitment count", async () => {
      const f = await loadFixture(mevFixture);
      const coder = ethers.AbiCoder.defaultAbiCoder();
      const good = encryptForCommittee("0x01", f.publicKeys, 3);
      const build = (commitments: [bigint, bigint][], ciphertext: string) =>
        coder.encode(["uint256[2][]", "bytes", "bytes"], [commitments, ciphertext, "0x"]);
      await expect(f.mev.submitEncrypted(build(good.commitments, "0x"), good.commitment)).to.be.revertedWithCustomError(
        f.mev,
        "MEVEmptyPayload",
      );
      await expect(f.mev.submitEncrypted(build(good.commitments, "0x" + "00".repeat(4097)), good.commitment))
        .to.be.revertedWithCustomError(f.mev, "MEVPayloadTooLarge")
        .withArgs(4097n, 4096n);
      await expect(f.mev.submitEncrypted(good.encryptedTx, ethers.ZeroHash)).to.be.revertedWithCustomError(f.mev, "MEVZeroCommitment");
      await expect(f.mev.submitEncrypted(build(good.commitments.slice(0, 2), "0x01"), good.commitment))
        .to.be.revertedWithCustomError(f.mev, "MEVWrongCommitmentCount")
        .withArgs(2n, 3n);
      expect((await f.mev.configuration()).submitted).to.equal(0n);
    });
  });

  describe("commit-reveal", () => {
    it("should accept the salted plaintext and reject anything else", async () => {
      const f = await loadFixture(mevFixture);
      const s = await submitted(f);
      const before = await snapshot(f, s.txId);
      await expect(f.mev.revealTransaction(s.txId, s.body, BigInt(s.salt) + 1n))
        .to.be.revertedWithCustomError(f.mev, "MEVRevealMismatch")
        .withArgs(s.txId);
      await expect(f.mev.revealTransaction(s.txId, s.body + "00", BigInt(s.salt))).to.be.revertedWithCustomError(
        f.mev,
        "MEVRevealMismatch",
      );
      await expect(f.mev.revealTransaction(ethers.ZeroHash, s.body, BigInt(s.salt)))
        .to.be.revertedWithCustomError(f.mev, "MEVUnknownTransaction")
        .withArgs(ethers.ZeroHash);
      expect(await snapshot(f, s.txId)).to.equal(before);
      await expect(f.mev.revealTransaction(s.txId, s.body, BigInt(s.salt)))
        .to.emit(f.mev, "TransactionRevealed")
        .withArgs(s.txId);
      expect(await f.mev.getDecrypted(s.txId)).to.equal(s.payload);
      await expect(f.mev.revealTransaction(s.txId, s.body, BigInt(s.salt)))
        .to.be.revertedWithCustomError(f.mev, "MEVAlreadyFinalized")
        .withArgs(s.txId);
    });
  });

  describe("threshold decryption", () => {
    it("should deal shares that pass the Feldman check off chain", async () => {
      const f = await loadFixture(mevFixture);
      const s = encryptForCommittee("0xabcdef", f.publicKeys, 3);
      s.shares.forEach((share, i) => expect(verifyShare(i + 1, share, s.commitments)).to.equal(true));
      expect(verifyShare(1, s.shares[0] + 1n, s.commitments)).to.equal(false);
      expect(ethers.hexlify(xorKeystream(xorKeystream(s.payload, s.key), s.key))).to.equal(s.payload);
    });

    it("should decrypt with any t valid shares, not with fewer", async () => {
      const f = await loadFixture(mevFixture);
      const s = await submitted(f);
      await f.mev.connect(f.validators[4]).submitKeyShare(s.txId, s.sharePayloads[4]);
      await f.mev.connect(f.validators[1]).submitKeyShare(s.txId, s.sharePayloads[1]);
      const before = await snapshot(f, s.txId);
      await expect(f.mev.decryptTransaction(s.txId)).to.be.revertedWithCustomError(f.mev, "MEVNotEnoughShares").withArgs(s.txId, 2n, 3n);
      expect(await snapshot(f, s.txId)).to.equal(before);
      await f.mev.connect(f.validators[2]).submitKeyShare(s.txId, s.sharePayloads[2]);
      await expect(f.mev.decryptTransaction(s.txId)).to.emit(f.mev, "ThresholdDecrypted").withArgs(s.txId);
      expect(await f.mev.getDecrypted(s.txId)).to.equal(s.payload);
    });

    it("should reject a wrong share, a non-validator, a duplicate and a share after decryption, changing nothing", async () => {
      const f = await loadFixture(mevFixture);
      const s = await submitted(f);
      const [v0, v1, v2, v3] = f.validators;
      await f.mev.connect(v0).submitKeyShare(s.txId, s.sharePayloads[0]);
      const before = await snapshot(f, s.txId);
      // v1 submits v2's share: valid for another place, wrong for its own.
      await expect(f.mev.connect(v1).submitKeyShare(s.txId, s.sharePayloads[2]))
        .to.be.revertedWithCustomError(f.mev, "MEVInvalidKeyShare")
        .withArgs(s.txId, v1.address);
      await expect(f.mev.connect(v1).submitKeyShare(s.txId, keySharePayload(0n))).to.be.revertedWithCustomError(
        f.mev,
        "MEVInvalidKeyShare",
      );
      await expect(f.mev.connect(v1).submitKeyShare(s.txId, "0x1234")).to.be.revertedWithCustomError(f.mev, "MEVInvalidKeyShare");
      await expect(f.mev.connect(f.accounts[10]).submitKeyShare(s.txId, s.sharePayloads[1]))
        .to.be.revertedWithCustomError(f.mev, "MEVNotValidator")
        .withArgs(f.accounts[10].address);
      await expect(f.mev.connect(v0).submitKeyShare(s.txId, s.sharePayloads[0]))
        .to.be.revertedWithCustomError(f.mev, "MEVDuplicateKeyShare")
        .withArgs(s.txId, v0.address);
      expect(await snapshot(f, s.txId)).to.equal(before);
      await f.mev.connect(v1).submitKeyShare(s.txId, s.sharePayloads[1]);
      await f.mev.connect(v2).submitKeyShare(s.txId, s.sharePayloads[2]);
      await f.mev.decryptTransaction(s.txId);
      await expect(f.mev.connect(v3).submitKeyShare(s.txId, s.sharePayloads[3]))
        .to.be.revertedWithCustomError(f.mev, "MEVAlreadyFinalized")
        .withArgs(s.txId);
      await expect(f.mev.decryptTransaction(s.txId)).to.be.revertedWithCustomError(f.mev, "MEVAlreadyFinalized");
    });

    it("should refuse to publish a plaintext that does not match the commitment", async () => {
      const f = await loadFixture(mevFixture);
      const honest = encryptForCommittee("0x" + "11".repeat(64), f.publicKeys, 3);
      const other = encryptForCommittee("0x" + "22".repeat(64), f.publicKeys, 3);
      // Ciphertext and shares of one transaction under the commitment of another.
      const txId = await f.mev.submitEncrypted.staticCall(honest.encryptedTx, other.commitment);
      await f.mev.submitEncrypted(honest.encryptedTx, other.commitment);
      for (let i = 0; i < 3; i++) {
        await f.mev.connect(f.validators[i]).submitKeyShare(txId, keySharePayload(openShare(honest.encryptedTx, i + 1, f.secretKeys[i])));
      }
      await expect(f.mev.decryptTransaction(txId)).to.be.revertedWithCustomError(f.mev, "MEVDecryptionMismatch").withArgs(txId);
    });

    it("should build the committee from the active set or a governance list of Active sequencers", async () => {
      const f = await loadFixture(mevFixture);
      const gov = f.mev.connect(f.governanceSigner);
      expect(await f.mev.committee(1)).to.deep.equal(f.validators.map((v) => v.address));
      await expect(gov.initThresholdDecryption(0, [])).to.be.revertedWithCustomError(f.mev, "MEVInvalidThreshold").withArgs(0n, 5n);
      await expect(gov.initThresholdDecryption(3, [f.validators[0].address, f.validators[1].address]))
        .to.be.revertedWithCustomError(f.mev, "MEVInvalidThreshold")
        .withArgs(3n, 2n);
      await expect(gov.initThresholdDecryption(1, [f.accounts[12].address]))
        .to.be.revertedWithCustomError(f.mev, "MEVNotValidator")
        .withArgs(f.accounts[12].address);
      await expect(gov.initThresholdDecryption(1, [f.validators[0].address, f.validators[0].address]))
        .to.be.revertedWithCustomError(f.mev, "MEVDuplicateValidator")
        .withArgs(f.validators[0].address);
      await expect(f.mev.connect(f.validators[0]).initThresholdDecryption(1, []))
        .to.be.revertedWithCustomError(f.mev, "AccessControlUnauthorizedAccount")
        .withArgs(f.validators[0].address, await f.mev.GOVERNANCE_ROLE());
      await expect(gov.initThresholdDecryption(2, [f.validators[3].address, f.validators[4].address]))
        .to.emit(f.mev, "ThresholdConfigured")
        .withArgs(2n, 2n);
      expect((await f.mev.configuration()).epoch).to.equal(2n);
    });
  });

  describe("deadlines", () => {
    it("should let anyone expire an unopened transaction after its deadline, and nothing open it afterwards", async () => {
      const f = await loadFixture(mevFixture);
      const s = await submitted(f);
      const deadline = (await f.mev.getTransaction(s.txId)).deadline;
      await expect(f.mev.expireTransaction(s.txId)).to.be.revertedWithCustomError(f.mev, "MEVNotExpired").withArgs(s.txId, deadline);
      await time.increaseTo(deadline + 1n);
      await expect(f.mev.revealTransaction(s.txId, s.body, BigInt(s.salt)))
        .to.be.revertedWithCustomError(f.mev, "MEVDeadlinePassed")
        .withArgs(s.txId, deadline);
      await expect(f.mev.connect(f.validators[0]).submitKeyShare(s.txId, s.sharePayloads[0])).to.be.revertedWithCustomError(
        f.mev,
        "MEVDeadlinePassed",
      );
      await expect(f.mev.connect(f.accounts[15]).expireTransaction(s.txId)).to.emit(f.mev, "TransactionExpired").withArgs(s.txId);
      expect((await f.mev.getTransaction(s.txId)).status).to.equal(4n);
      await expect(f.mev.expireTransaction(s.txId)).to.be.revertedWithCustomError(f.mev, "MEVAlreadyFinalized");
    });
  });

  describe("time-locks (Wesolowski VDF over RSA-2048)", () => {
    async function locked() {
      const f = await mevFixture();
      await f.mev.connect(f.governanceSigner).setVDFCalibration(1000); // T = 1,000 squarings per second of lock
      const body = ethers.hexlify(ethers.randomBytes(100));
      const sealed = encryptTimelocked(body, f.publicKeys, 3);
      const txId = await f.mev.submitTimelocked.staticCall(sealed.encryptedTx, 2);
      await f.mev.submitTimelocked(sealed.encryptedTx, 2);
      return { ...f, sealed, txId, body };
    }

    it("should use the RSA-2048 challenge modulus", () => {
      expect(vdf.RSA2048).to.equal(BigInt(RSA2048_DECIMAL));
    });

    it("should open only after a valid proof of the squarings over the input fixed at submission", async () => {
      const f = await loadFixture(locked);
      const t = await f.mev.getTransaction(f.txId);
      expect(t.squarings).to.equal(2000n);
      await expect(f.mev.revealTransaction(f.txId, f.body, BigInt(f.sealed.salt)))
        .to.be.revertedWithCustomError(f.mev, "MEVTimeLocked")
        .withArgs(f.txId);
      await expect(f.mev.decryptTransaction(f.txId)).to.be.revertedWithCustomError(f.mev, "MEVTimeLocked");
      const x = vdf.fromWords(await f.mev.vdfInput(f.txId));
      expect(x).to.equal(vdf.inputFromSeed(t.vdfSeed));
      const proof = vdf.prove(x, t.squarings);
      await expect(f.mev.proveTimeElapsed(f.txId, vdf.encodeProof(proof)))
        .to.emit(f.mev, "TimeElapsedProven")
        .withArgs(f.txId);
      await expect(f.mev.proveTimeElapsed(f.txId, vdf.encodeProof(proof))).to.be.revertedWithCustomError(f.mev, "MEVAlreadyUnlocked");
      await expect(f.mev.revealTransaction(f.txId, f.body, BigInt(f.sealed.salt))).to.emit(f.mev, "TransactionRevealed");
      expect(await f.mev.getDecrypted(f.txId)).to.equal(f.sealed.payload);
    });

    it("should reject a proof for another input, a wrong output, fewer squarings and a bad nonce, changing nothing", async () => {
      const f = await loadFixture(locked);
      const t = await f.mev.getTransaction(f.txId);
      const x = vdf.inputFromSeed(t.vdfSeed);
      const before = await snapshot(f, f.txId);
      const otherInput = vdf.prove(x + 1n, t.squarings);
      const good = vdf.prove(x, t.squarings);
      const fewer = vdf.prove(x, t.squarings - 1n);
      const bad = [
        vdf.encodeProof(otherInput),
        vdf.encodeProof({ ...good, y: (good.y + 1n) % vdf.RSA2048 }),
        vdf.encodeProof({ ...good, pi: (good.pi * 2n) % vdf.RSA2048 }),
        vdf.encodeProof(fewer),
        vdf.encodeProof({ ...good, nonce: good.nonce + 1n }),
        "0x1234",
      ];
      for (const proof of bad) {
        await expect(f.mev.proveTimeElapsed(f.txId, proof)).to.be.revertedWithCustomError(f.mev, "MEVInvalidVDFProof").withArgs(f.txId);
      }
      expect(await snapshot(f, f.txId)).to.equal(before);
      // The honest proof still passes: the rejected attempts left the transaction locked and unchanged.
      await expect(f.mev.proveTimeElapsed(f.txId, vdf.encodeProof(good))).to.emit(f.mev, "TimeElapsedProven");
    });

    it("should decrypt a time-locked transaction by threshold once unlocked", async () => {
      const f = await loadFixture(locked);
      const t = await f.mev.getTransaction(f.txId);
      await f.mev.proveTimeElapsed(f.txId, vdf.encodeProof(vdf.prove(vdf.inputFromSeed(t.vdfSeed), t.squarings)));
      for (let i = 0; i < 3; i++) {
        await f.mev
          .connect(f.validators[i])
          .submitKeyShare(f.txId, keySharePayload(openShare(f.sealed.encryptedTx, i + 1, f.secretKeys[i], true)));
      }
      await f.mev.decryptTransaction(f.txId);
      expect(await f.mev.getDecrypted(f.txId)).to.equal(f.sealed.payload);
    });

    it("should bound lock durations and the calibration", async () => {
      const f = await loadFixture(locked);
      await expect(f.mev.submitTimelocked(f.sealed.encryptedTx, 0))
        .to.be.revertedWithCustomError(f.mev, "MEVLockDurationOutOfRange")
        .withArgs(0n, 1n, 30n * 86400n);
      await expect(f.mev.proveTimeElapsed(ethers.ZeroHash, "0x")).to.be.revertedWithCustomError(f.mev, "MEVUnknownTransaction");
      await expect(f.mev.connect(f.governanceSigner).setVDFCalibration(999)).to.be.revertedWithCustomError(
        f.mev,
        "MEVParameterOutOfBounds",
      );
      await expect(f.mev.connect(f.governanceSigner).setRevealWindow(59)).to.be.revertedWithCustomError(f.mev, "MEVParameterOutOfBounds");
    });
  });

  describe("determineFairOrder", () => {
    it("should return a deterministic permutation keyed by the block", async () => {
      const f = await loadFixture(mevFixture);
      const hashes = Array.from({ length: 20 }, (_, i) => ethers.id(`tx ${i}`));
      const a = await f.mev.determineFairOrder(hashes, 100);
      const b = await f.mev.determineFairOrder(hashes, 101);
      expect([...a].sort()).to.deep.equal([...hashes].sort());
      const keyOf = (n: number, h: string) =>
        BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "bytes32"], [n, h])));
      const expected = [...hashes].sort((x, y) => (keyOf(100, x) < keyOf(100, y) ? -1 : 1));
      expect(a).to.deep.equal(expected);
      expect(a).to.not.deep.equal(b);
      expect(await f.mev.determineFairOrder([], 1)).to.deep.equal([]);
    });
  });
});
