/**
 * Child process of the crash-injection test: signs block commitments through the slashing-protection store as fast
 * as it can, for a few slots with two competing hashes each, and reports every signature it releases to its parent.
 * The parent kills it with SIGKILL at random moments and starts it again on the same store.
 */
import { Wallet } from "ethers";
import { SlashingProtectionStore, ConflictingCommitmentError } from "../../node/store";
import { CommitmentSigner } from "../../node/signer";

const [dir, seedText] = process.argv.slice(2);
const wallet = new Wallet("0x" + "11".repeat(32));
const REGISTRY = "0x" + "22".repeat(20);
let seed = Number(seedText) >>> 0;
const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);

async function main() {
  const store = SlashingProtectionStore.open(dir);
  const signer = new CommitmentSigner(wallet, store, 31337n, REGISTRY, 7n);
  process.send!({ ready: true, size: store.size, recovered: store.recovered });
  for (;;) {
    const slot = BigInt(next() % 40);
    const hash = "0x" + (next() % 2 === 0 ? "aa" : "bb").repeat(31) + slot.toString(16).padStart(2, "0");
    try {
      const signed = await signer.sign(slot, hash);
      process.send!({ slot: signed.slot.toString(), blockHash: signed.blockHash, signature: signed.signature });
    } catch (e) {
      if (!(e instanceof ConflictingCommitmentError)) throw e;
    }
  }
}
// `hardhat test` loads every file under test/: only the parent's fork (which sets this variable) runs the loop.
if (process.env.LP504_CRASH_CHILD === "1")
  main().catch((e) => {
    process.send!({ error: String(e) });
    process.exit(1);
  });
