import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  compressPoint,
  decodeEncrypted,
  decompressPoint,
  encryptForCommittee,
  encryptTimelocked,
  generateTrapdoor,
  openShare,
  keySharePayload,
  openingPayload,
  packEncrypted,
  puzzleKey,
  solvePuzzle,
  verifyShare,
  xorKeystream,
  vdf,
  type Trapdoor,
} from "../sdk";
import { mevFixture, type MEVFixture } from "./helpers/mev";

const coder = ethers.AbiCoder.defaultAbiCoder();

async function snapshot(f: MEVFixture, txId: string, ciphertext = "0x") {
  const t = await f.mev.getTransaction(txId);
  const state = [t, await f.mev.keyShares(txId), await f.mev.getDecrypted(txId, ciphertext), await f.mev.configuration()];
  return JSON.stringify(state, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

async function submitted(f: MEVFixture, body = ethers.hexlify(ethers.randomBytes(200))) {
  const sealed = encryptForCommittee(body, f.publicKeys, f.threshold);
  const txId = await f.mev.submitEncrypted.staticCall(sealed.encryptedTx, sealed.commitment);
  await f.mev.submitEncrypted(sealed.encryptedTx, sealed.commitment);
  const shares = f.validators.map((_, i) => keySharePayload(openShare(sealed.encryptedTx, i + 1, f.secretKeys[i]), sealed.encryptedTx));
  return { ...sealed, txId, body, sharePayloads: shares };
}

// One RSA trapdoor for the file's time-locks (a fresh base per transaction): prime generation takes a moment.
let trapdoor: Trapdoor | undefined;
const senderTrapdoor = () => (trapdoor ??= generateTrapdoor());

describe("MEVMitigation", () => {
  describe("submitEncrypted", () => {
    it("should number transactions as they arrive, before anyone can read them", async () => {
      const f = await loadFixture(mevFixture);
      const a = await submitted(f);
      const b = await submitted(f);
      expect((await f.mev.getTransaction(a.txId)).sequence).to.equal(1n);
      expect((await f.mev.getTransaction(b.txId)).sequence).to.equal(2n);
      expect(await f.mev.getDecrypted(a.txId, a.ciphertext)).to.equal("0x");
    });

    it("should reject an empty or oversized payload, a zero commitment and a wrong commitment count", async () => {
      const f = await loadFixture(mevFixture);
      const coder = ethers.AbiCoder.defaultAbiCoder();
      const good = encryptForCommittee("0x01", f.publicKeys, 3);
      const build = (commitments: [bigint, bigint][], ciphertext: string) => packEncrypted(commitments, new Uint8Array(33), ciphertext);
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
      expect(await f.mev.getDecrypted(s.txId, s.ciphertext)).to.equal(s.payload);
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
      // The packed payload carries the commitments compressed; decoding restores the points and the ciphertext.
      const decoded = decodeEncrypted(s.encryptedTx);
      expect(decoded.commitments).to.deep.equal(s.commitments);
      expect(decoded.ciphertext).to.equal(s.ciphertext);
      expect(ethers.dataLength(s.encryptedTx)).to.equal(2 + 32 * 3 + 33 + 32 * 5 + ethers.dataLength(s.ciphertext));
      s.commitments.forEach((c) => expect(decompressPoint(compressPoint(c))).to.deep.equal(c));
    });

    it("should decrypt with any t valid shares, not with fewer", async () => {
      const f = await loadFixture(mevFixture);
      const s = await submitted(f);
      await f.mev.connect(f.validators[4]).submitKeyShare(s.txId, s.sharePayloads[4]);
      await f.mev.connect(f.validators[1]).submitKeyShare(s.txId, s.sharePayloads[1]);
      const before = await snapshot(f, s.txId);
      await expect(f.mev.decryptTransaction(s.txId, s.ciphertext))
        .to.be.revertedWithCustomError(f.mev, "MEVNotEnoughShares")
        .withArgs(s.txId, 2n, 3n);
      expect(await snapshot(f, s.txId)).to.equal(before);
      await f.mev.connect(f.validators[2]).submitKeyShare(s.txId, s.sharePayloads[2]);
      expect(await f.mev.keyShares(s.txId)).to.deep.equal([0b10110n, 3n]);
      await expect(f.mev.decryptTransaction(s.txId, s.ciphertext)).to.emit(f.mev, "ThresholdDecrypted").withArgs(s.txId);
      expect(await f.mev.getDecrypted(s.txId, s.ciphertext)).to.equal(s.payload);
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
      await expect(f.mev.connect(v1).submitKeyShare(s.txId, keySharePayload(0n, s.encryptedTx))).to.be.revertedWithCustomError(
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
      await f.mev.decryptTransaction(s.txId, s.ciphertext);
      await expect(f.mev.connect(v3).submitKeyShare(s.txId, s.sharePayloads[3]))
        .to.be.revertedWithCustomError(f.mev, "MEVAlreadyFinalized")
        .withArgs(s.txId);
      await expect(f.mev.decryptTransaction(s.txId, s.ciphertext)).to.be.revertedWithCustomError(f.mev, "MEVAlreadyFinalized");
    });

    it("should refuse to publish a plaintext that does not match the commitment", async () => {
      const f = await loadFixture(mevFixture);
      const honest = encryptForCommittee("0x" + "11".repeat(64), f.publicKeys, 3);
      const other = encryptForCommittee("0x" + "22".repeat(64), f.publicKeys, 3);
      // Ciphertext and shares of one transaction under the commitment of another.
      const txId = await f.mev.submitEncrypted.staticCall(honest.encryptedTx, other.commitment);
      await f.mev.submitEncrypted(honest.encryptedTx, other.commitment);
      for (let i = 0; i < 3; i++) {
        await f.mev
          .connect(f.validators[i])
          .submitKeyShare(txId, keySharePayload(openShare(honest.encryptedTx, i + 1, f.secretKeys[i]), honest.encryptedTx));
      }
      await expect(f.mev.decryptTransaction(txId, honest.ciphertext))
        .to.be.revertedWithCustomError(f.mev, "MEVDecryptionMismatch")
        .withArgs(txId);
    });

    it("should keep only a hash of the ciphertext and refuse any other ciphertext at a share, decryption or read", async () => {
      const f = await loadFixture(mevFixture);
      const s = await submitted(f);
      const other = encryptForCommittee(s.body, f.publicKeys, 3);
      const before = await snapshot(f, s.txId);
      // A share vouching for another ciphertext (or other Feldman commitments) is refused before its check.
      const [share0] = coder.decode(["uint256"], s.sharePayloads[0]);
      const wrongCiphertext = coder.encode(
        ["uint256", "uint256[2][]", "bytes32"],
        [share0, s.commitments, ethers.keccak256(other.ciphertext)],
      );
      await expect(f.mev.connect(f.validators[0]).submitKeyShare(s.txId, wrongCiphertext))
        .to.be.revertedWithCustomError(f.mev, "MEVCiphertextMismatch")
        .withArgs(s.txId);
      expect(await snapshot(f, s.txId)).to.equal(before);
      for (let i = 0; i < 3; i++) await f.mev.connect(f.validators[i]).submitKeyShare(s.txId, s.sharePayloads[i]);
      for (const ciphertext of [other.ciphertext, s.ciphertext + "00", ethers.dataSlice(s.ciphertext, 1)]) {
        await expect(f.mev.decryptTransaction(s.txId, ciphertext))
          .to.be.revertedWithCustomError(f.mev, "MEVCiphertextMismatch")
          .withArgs(s.txId);
      }
      const plaintext = await f.mev.decryptTransaction.staticCall(s.txId, s.ciphertext);
      await f.mev.decryptTransaction(s.txId, s.ciphertext);
      expect(plaintext).to.equal(s.payload);
      await expect(f.mev.getDecrypted(s.txId, other.ciphertext)).to.be.revertedWithCustomError(f.mev, "MEVCiphertextMismatch");
      expect(await f.mev.getDecrypted(s.txId, s.ciphertext)).to.equal(s.payload);
    });

    it("should issue an id that binds the commitment, and refuse a payload whose counts run past its end", async () => {
      const f = await loadFixture(mevFixture);
      const sealed = encryptForCommittee("0x0102", f.publicKeys, 3);
      const bytes = ethers.getBytes(sealed.encryptedTx);
      for (const [at, value] of [
        [0, 200], // t: 200 commitments
        [1, 200], // n: 200 sealed shares
      ]) {
        const bad = new Uint8Array(bytes);
        bad[at] = value;
        await expect(f.mev.submitEncrypted(bad, sealed.commitment)).to.be.revertedWithCustomError(f.mev, "MEVMalformedPayload");
      }
      await expect(f.mev.submitEncrypted("0x03", sealed.commitment)).to.be.revertedWithCustomError(f.mev, "MEVMalformedPayload");
      await expect(f.mev.submitEncrypted("0x1234", sealed.commitment)).to.be.revertedWithCustomError(f.mev, "MEVMalformedPayload");
      const txId = await f.mev.submitEncrypted.staticCall(sealed.encryptedTx, sealed.commitment);
      await expect(f.mev.submitEncrypted(sealed.encryptedTx, sealed.commitment))
        .to.emit(f.mev, "EncryptedTxSubmitted")
        .withArgs(txId, f.governanceSigner.address);
      const { chainId } = await ethers.provider.getNetwork();
      expect(txId).to.equal(
        ethers.keccak256(
          coder.encode(["uint256", "address", "uint256", "bytes32"], [chainId, await f.mev.getAddress(), 1n, sealed.commitment]),
        ),
      );
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

  describe("time-locks (RSW puzzle, Wesolowski proof)", () => {
    const LOCK = 2n;
    const RATE = 1000n; // squarings per second of lock, so T ≥ 2,000

    async function locked() {
      const f = await mevFixture();
      await f.mev.connect(f.governanceSigner).setVDFCalibration(RATE);
      const body = ethers.hexlify(ethers.randomBytes(100));
      const sealed = encryptTimelocked(body, LOCK * RATE, senderTrapdoor());
      const txId = await f.mev.submitTimelocked.staticCall(sealed.encryptedTx, LOCK);
      await expect(f.mev.submitTimelocked(sealed.encryptedTx, LOCK))
        .to.emit(f.mev, "TimelockedTxSubmitted")
        .withArgs(txId, f.governanceSigner.address, LOCK * RATE);
      const solution = solvePuzzle(sealed.puzzle);
      return { ...f, sealed, txId, body, solution };
    }

    it("should give the sender (trapdoor) and a solver (T squarings) the same key", async () => {
      const f = await loadFixture(locked);
      expect(f.solution.y).to.equal(f.sealed.solution);
      expect(puzzleKey(f.solution.y)).to.equal(f.sealed.key);
      expect(ethers.hexlify(xorKeystream(f.sealed.ciphertext, f.sealed.key))).to.equal(f.sealed.payload);
      expect(f.sealed.puzzle.modulus >> 2047n).to.equal(1n);
    });

    it("should record the unlock time and a deadline that leaves a slower solver room", async () => {
      const f = await loadFixture(locked);
      const t = await f.mev.getTransaction(f.txId);
      const submittedAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      expect(t.unlockTime).to.equal(submittedAt + LOCK);
      expect(t.committeeEpoch).to.equal(0n);
      const window = (await f.mev.configuration()).revealWindow;
      expect(t.deadline).to.equal(submittedAt + LOCK + (await f.mev.OPENING_SLACK()) * LOCK + window);
    });

    it("should open at the unlock time with the solution and its proof, deriving the key from the solution", async () => {
      const f = await loadFixture(locked);
      const opening = openingPayload(f.sealed.puzzle, f.solution, f.sealed.ciphertext);
      // The correct solution, one second early: the contract checks the unlock time too. (The block's time is
      // pinned: automine takes the wall clock, which a slow solver may have carried past the unlock.)
      const { unlockTime } = await f.mev.getTransaction(f.txId);
      await time.setNextBlockTimestamp(unlockTime - 1n);
      await expect(f.mev.proveTimeElapsed(f.txId, opening)).to.be.revertedWithCustomError(f.mev, "MEVTimeLocked").withArgs(f.txId);
      await time.setNextBlockTimestamp(unlockTime);
      await expect(f.mev.connect(f.accounts[14]).proveTimeElapsed(f.txId, opening)).to.emit(f.mev, "TimeElapsedProven").withArgs(f.txId);
      expect((await f.mev.getTransaction(f.txId)).status).to.equal(3n);
      expect(await f.mev.getDecrypted(f.txId, f.sealed.ciphertext)).to.equal(f.sealed.payload);
      await expect(f.mev.proveTimeElapsed(f.txId, opening)).to.be.revertedWithCustomError(f.mev, "MEVAlreadyFinalized");
    });

    it("should refuse a wrong solution, a wrong proof, another puzzle and another ciphertext, changing nothing", async () => {
      const f = await loadFixture(locked);
      await time.increaseTo((await f.mev.getTransaction(f.txId)).unlockTime);
      const { puzzle, ciphertext } = f.sealed;
      const good = f.solution;
      const n = puzzle.modulus;
      const before = await snapshot(f, f.txId, ciphertext);
      const invalidProofs = [
        openingPayload(puzzle, { ...good, y: (good.y + 1n) % n }, ciphertext), // wrong y
        openingPayload(puzzle, vdf.proveOutput(puzzle.base, (good.y * 2n) % n, puzzle.squarings, n), ciphertext), // wrong y, "proved"
        openingPayload(puzzle, { ...good, pi: (good.pi * 2n) % n }, ciphertext), // wrong π
        openingPayload(puzzle, { ...good, nonce: good.nonce + 1n }, ciphertext), // wrong prime
        "0x1234",
      ];
      for (const proof of invalidProofs) {
        await expect(f.mev.proveTimeElapsed(f.txId, proof)).to.be.revertedWithCustomError(f.mev, "MEVInvalidVDFProof").withArgs(f.txId);
      }
      // An easier puzzle (fewer squarings, another base) with its own valid proof, or another ciphertext.
      const fewer = { ...puzzle, squarings: puzzle.squarings - 1n };
      const otherBase = { ...puzzle, base: puzzle.base + 1n };
      const mismatched = [
        openingPayload(fewer, solvePuzzle(fewer), ciphertext),
        openingPayload(otherBase, solvePuzzle(otherBase), ciphertext),
        openingPayload(puzzle, good, ethers.hexlify(ethers.randomBytes(132))),
        openingPayload(puzzle, good, ciphertext + "00"),
      ];
      for (const proof of mismatched) {
        await expect(f.mev.proveTimeElapsed(f.txId, proof)).to.be.revertedWithCustomError(f.mev, "MEVCiphertextMismatch").withArgs(f.txId);
      }
      expect(await snapshot(f, f.txId, ciphertext)).to.equal(before);
      await expect(f.mev.proveTimeElapsed(f.txId, openingPayload(puzzle, good, ciphertext))).to.emit(f.mev, "TimeElapsedProven");
    });

    it("should refuse a solution that does not decrypt to the commitment (a sender's bad puzzle)", async () => {
      const f = await loadFixture(locked);
      // The sender seals under one puzzle but encrypts with an unrelated key: the proof holds, the plaintext does not.
      const honest = encryptTimelocked("0xabcdef", LOCK * RATE, senderTrapdoor());
      const garbled = ethers.hexlify(xorKeystream(honest.payload, honest.key + 1n));
      const payload = coder.encode(
        ["bytes32", "tuple(uint256[8],uint256[8],uint256)", "bytes"],
        [honest.commitment, [vdf.toWords(honest.puzzle.modulus), vdf.toWords(honest.puzzle.base), honest.puzzle.squarings], garbled],
      );
      const txId = await f.mev.submitTimelocked.staticCall(payload, LOCK);
      await f.mev.submitTimelocked(payload, LOCK);
      await time.increase(LOCK);
      await expect(f.mev.proveTimeElapsed(txId, openingPayload(honest.puzzle, solvePuzzle(honest.puzzle), garbled)))
        .to.be.revertedWithCustomError(f.mev, "MEVDecryptionMismatch")
        .withArgs(txId);
    });

    it("should let the sender reveal its own time-locked transaction at any time", async () => {
      const f = await loadFixture(locked);
      await expect(f.mev.revealTransaction(f.txId, f.body, BigInt(f.sealed.salt)))
        .to.emit(f.mev, "TransactionRevealed")
        .withArgs(f.txId);
      expect(await f.mev.getDecrypted(f.txId, "0x")).to.equal(f.sealed.payload);
    });

    it("should require T ≥ lock duration × calibration, a 2048-bit odd modulus and a non-trivial base", async () => {
      const f = await loadFixture(locked);
      const build = (modulus: bigint, base: bigint, squarings: bigint) =>
        coder.encode(
          ["bytes32", "tuple(uint256[8],uint256[8],uint256)", "bytes"],
          [f.sealed.commitment, [vdf.toWords(modulus), vdf.toWords(base), squarings], f.sealed.ciphertext],
        );
      const { modulus, base } = f.sealed.puzzle;
      await expect(f.mev.submitTimelocked(build(modulus, base, LOCK * RATE - 1n), LOCK))
        .to.be.revertedWithCustomError(f.mev, "MEVPuzzleTooShort")
        .withArgs(LOCK * RATE - 1n, LOCK * RATE);
      // Governance raises the calibration: the same puzzle no longer covers the lock.
      await f.mev.connect(f.governanceSigner).setVDFCalibration(RATE + 1n);
      await expect(f.mev.submitTimelocked(build(modulus, base, LOCK * RATE), LOCK))
        .to.be.revertedWithCustomError(f.mev, "MEVPuzzleTooShort")
        .withArgs(LOCK * RATE, LOCK * (RATE + 1n));
      await f.mev.connect(f.governanceSigner).setVDFCalibration(RATE);
      for (const [m, x] of [
        [modulus + 1n, base], // even
        [modulus >> 1n, base >> 1n], // 2047 bits
        [modulus, 2n], // small base
        [modulus, modulus - 1n], // −1
        [modulus, modulus], // not below N
      ]) {
        await expect(f.mev.submitTimelocked(build(m, x, LOCK * RATE), LOCK)).to.be.revertedWithCustomError(f.mev, "MEVInvalidPuzzle");
      }
      await expect(f.mev.submitTimelocked(f.sealed.encryptedTx, 0))
        .to.be.revertedWithCustomError(f.mev, "MEVLockDurationOutOfRange")
        .withArgs(0n, 1n, 30n * 86400n);
      await expect(f.mev.proveTimeElapsed(ethers.ZeroHash, "0x")).to.be.revertedWithCustomError(f.mev, "MEVUnknownTransaction");
      await expect(f.mev.connect(f.governanceSigner).setVDFCalibration(999)).to.be.revertedWithCustomError(
        f.mev,
        "MEVParameterOutOfBounds",
      );
      await expect(f.mev.connect(f.governanceSigner).setRevealWindow(59)).to.be.revertedWithCustomError(f.mev, "MEVParameterOutOfBounds");
      expect((await f.mev.configuration()).submitted).to.equal(1n);
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
