import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  BN254_ORDER,
  decodeTimelocked,
  encryptForCommittee,
  encryptTimelocked,
  generateTrapdoor,
  keySharePayload,
  openShare,
  openingPayload,
  solvePuzzle,
  xorKeystream,
  vdf,
} from "../../sdk";
import { mevFixture } from "../helpers/mev";
import { bn254 } from "@noble/curves/bn254";

const coder = ethers.AbiCoder.defaultAbiCoder();

/** k = Σ s_i·Π_{j≠i} x_j/(x_j − x_i) mod R, as the contract interpolates. */
function interpolate(points: [bigint, bigint][]): bigint {
  const r = BN254_ORDER;
  const m = (a: bigint) => ((a % r) + r) % r;
  const inv = (a: bigint) => {
    let [t, newT, rr, newR] = [0n, 1n, r, m(a)];
    while (newR !== 0n) {
      const q = rr / newR;
      [t, newT] = [newT, t - q * newT];
      [rr, newR] = [newR, rr - q * newR];
    }
    return m(t);
  };
  let key = 0n;
  for (const [xi, si] of points) {
    let term = si;
    for (const [xj] of points) if (xj !== xi) term = m(term * xj * inv(xj - xi));
    key = m(key + term);
  }
  return key;
}

/**
 * Attackers: the threshold committee (t or all of its members colluding, with their decryption keys and every share
 * they hold), a validator forging its share, and any opener of a time-locked transaction. Goals they must not reach:
 * read or open a time-locked transaction before its lock ends; get a bogus share accepted; open a transaction with
 * a ciphertext other than the one submitted.
 */
describe("Attacks on the encrypted mempool", () => {
  const LOCK = 3n;
  const RATE = 1000n;

  async function lockedBeside() {
    const f = await mevFixture();
    await f.mev.connect(f.governanceSigner).setVDFCalibration(RATE);
    // A user seals a sealed bid behind a 3-second lock; beside it, an ordinary threshold transaction the same
    // committee can open, so the colluders hold real shares.
    const bid = ethers.hexlify(ethers.toUtf8Bytes("sealed bid: 42 LUX"));
    const sealed = encryptTimelocked(bid, LOCK * RATE, generateTrapdoor());
    const [user] = f.accounts.slice(20);
    const lockId = await f.mev.connect(user).submitTimelocked.staticCall(sealed.encryptedTx, LOCK);
    await f.mev.connect(user).submitTimelocked(sealed.encryptedTx, LOCK);
    const other = encryptForCommittee(ethers.hexlify(ethers.randomBytes(80)), f.publicKeys, f.threshold);
    const otherId = await f.mev.submitEncrypted.staticCall(other.encryptedTx, other.commitment);
    await f.mev.submitEncrypted(other.encryptedTx, other.commitment);
    return { ...f, bid, sealed, lockId, other, otherId };
  }

  it("t colluding committee members (even all of them) cannot open a time-locked transaction, with any share they hold", async () => {
    const f = await loadFixture(lockedBeside);
    const before = await f.mev.getTransaction(f.lockId);
    // Their shares of the transaction beside it are real and valid...
    const shares = f.validators.map((_, i) => openShare(f.other.encryptedTx, i + 1, f.secretKeys[i]));
    for (let i = 0; i < f.validators.length; i++) {
      const v = f.validators[i];
      // ...and the contract takes none of them, nor a share built against the time-lock's own payload.
      await expect(f.mev.connect(v).submitKeyShare(f.lockId, keySharePayload(shares[i], f.other.encryptedTx)))
        .to.be.revertedWithCustomError(f.mev, "MEVNotThresholdEncrypted")
        .withArgs(f.lockId);
      const forged = coder.encode(["uint256", "uint256[2][]", "bytes32"], [shares[i], [], ethers.keccak256(f.sealed.ciphertext)]);
      await expect(f.mev.connect(v).submitKeyShare(f.lockId, forged)).to.be.revertedWithCustomError(f.mev, "MEVNotThresholdEncrypted");
    }
    await expect(f.mev.decryptTransaction(f.lockId, f.sealed.ciphertext))
      .to.be.revertedWithCustomError(f.mev, "MEVNotThresholdEncrypted")
      .withArgs(f.lockId);
    // The payload holds no share for anyone: only the commitment, the puzzle and the ciphertext.
    const decoded = decodeTimelocked(f.sealed.encryptedTx);
    expect(decoded.puzzle).to.deep.equal(f.sealed.puzzle);
    expect(
      coder.encode(
        ["bytes32", "tuple(uint256[8],uint256[8],uint256)", "bytes"],
        [
          decoded.commitment,
          [vdf.toWords(decoded.puzzle.modulus), vdf.toWords(decoded.puzzle.base), decoded.puzzle.squarings],
          decoded.ciphertext,
        ],
      ),
    ).to.equal(f.sealed.encryptedTx);
    expect(() => openShare(f.sealed.encryptedTx, 1, f.secretKeys[0])).to.throw();
    // The shares say nothing about its key: every key the colluders can interpolate from any t of them (or all five)
    // opens the transaction beside it, and none decrypts the time-locked ciphertext to its commitment.
    const subsets = [
      [1, 2, 3],
      [3, 4, 5],
      [1, 2, 3, 4, 5],
    ].map((xs) => xs.map((x): [bigint, bigint] => [BigInt(x), shares[x - 1]]));
    for (const points of subsets) {
      const key = interpolate(points);
      expect(key).to.equal(f.other.key);
      expect(ethers.keccak256(xorKeystream(f.sealed.ciphertext, key))).to.not.equal(f.sealed.commitment);
    }
    expect(await f.mev.getTransaction(f.lockId)).to.deep.equal(before);
    expect(await f.mev.getDecrypted(f.lockId, f.sealed.ciphertext)).to.equal("0x");
  });

  it("nobody publishes the plaintext before the unlock time, even with the correct solution, and a shortcut proof is refused", async () => {
    const f = await loadFixture(lockedBeside);
    const { puzzle, ciphertext } = f.sealed;
    // A fast solver (here: the trapdoor's answer) brings the right solution early: the chain waits for the unlock time.
    const early = openingPayload(puzzle, vdf.proveOutput(puzzle.base, f.sealed.solution, puzzle.squarings, puzzle.modulus), ciphertext);
    await time.setNextBlockTimestamp((await f.mev.getTransaction(f.lockId)).unlockTime - 1n); // not the wall clock
    await expect(f.mev.proveTimeElapsed(f.lockId, early)).to.be.revertedWithCustomError(f.mev, "MEVTimeLocked").withArgs(f.lockId);
    await time.increaseTo((await f.mev.getTransaction(f.lockId)).unlockTime);
    // After it: fewer squarings with an honest proof (a different y) fail the proof for T; the committee's key as y fails too.
    const short = vdf.prove(puzzle.base, puzzle.squarings - 1n, puzzle.modulus);
    await expect(f.mev.proveTimeElapsed(f.lockId, openingPayload(puzzle, short, ciphertext)))
      .to.be.revertedWithCustomError(f.mev, "MEVInvalidVDFProof")
      .withArgs(f.lockId);
    const committeeKeyAsY = vdf.proveOutput(puzzle.base, f.other.key, puzzle.squarings, puzzle.modulus);
    await expect(f.mev.proveTimeElapsed(f.lockId, openingPayload(puzzle, committeeKeyAsY, ciphertext))).to.be.revertedWithCustomError(
      f.mev,
      "MEVInvalidVDFProof",
    );
    // The solver who did the squarings opens it, and anyone can then read it.
    const [solver] = f.accounts.slice(21);
    await expect(f.mev.connect(solver).proveTimeElapsed(f.lockId, openingPayload(puzzle, solvePuzzle(puzzle), ciphertext)))
      .to.emit(f.mev, "TimeElapsedProven")
      .withArgs(f.lockId);
    expect(ethers.dataSlice(await f.mev.getDecrypted(f.lockId, ciphertext), 32)).to.equal(f.bid);
  });

  it("a validator cannot get a bogus share accepted by bringing Feldman commitments its share fits", async () => {
    const f = await loadFixture(lockedBeside);
    const v = f.validators[1];
    // Commitments of a polynomial the validator made up, for which s = 7 is a valid share at its place x = 2.
    const G = (k: bigint): [bigint, bigint] => {
      const p = bn254.G1.ProjectivePoint.BASE.multiply(k).toAffine();
      return [p.x, p.y];
    };
    const fake = [G(1n), G(1n), G(1n)]; // f(z) = 1 + z + z², f(2) = 7
    const bogus = coder.encode(["uint256", "uint256[2][]", "bytes32"], [7n, fake, ethers.keccak256(f.other.ciphertext)]);
    await expect(f.mev.connect(v).submitKeyShare(f.otherId, bogus))
      .to.be.revertedWithCustomError(f.mev, "MEVCiphertextMismatch")
      .withArgs(f.otherId);
    expect(await f.mev.keyShares(f.otherId)).to.deep.equal([0n, 0n]);
  });

  it("an opener cannot open a threshold transaction with another ciphertext, even one that decrypts to a valid-looking body", async () => {
    const f = await loadFixture(lockedBeside);
    for (let i = 0; i < f.threshold; i++) {
      await f.mev
        .connect(f.validators[i])
        .submitKeyShare(f.otherId, keySharePayload(openShare(f.other.encryptedTx, i + 1, f.secretKeys[i]), f.other.encryptedTx));
    }
    // Knowing the recovered key (public once decrypted), an attacker encrypts its own body under it.
    const substitute = ethers.hexlify(xorKeystream(ethers.hexlify(ethers.randomBytes(112)), f.other.key));
    await expect(f.mev.decryptTransaction(f.otherId, substitute))
      .to.be.revertedWithCustomError(f.mev, "MEVCiphertextMismatch")
      .withArgs(f.otherId);
    expect(await f.mev.decryptTransaction.staticCall(f.otherId, f.other.ciphertext)).to.equal(f.other.payload);
  });
});
