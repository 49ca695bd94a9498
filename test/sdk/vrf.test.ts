import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { proveVRF, vrfOutput, deriveVrfKey, proofTuple } from "../../sdk/vrf";

describe("SDK ECVRF prover against Chainlink VRF.sol", () => {
  async function harness() {
    return (await ethers.getContractFactory("VRFVerifierHarness")).deploy();
  }

  it("should produce proofs the verifier accepts, with the output the SDK predicts", async () => {
    const verifier = await loadFixture(harness);
    for (let i = 0; i < 5; i++) {
      const key = deriveVrfKey(ethers.id(`operator-${i}`));
      const seed = BigInt(ethers.id(`seed-${i}`));
      const proof = proveVRF(key.sk, seed);
      expect(proof.pk).to.deep.equal(key.pk);
      expect(await verifier.randomValueFromVRFProof(proofTuple(proof), seed)).to.equal(vrfOutput(proof));
    }
  });

  it("should be deterministic: one output per (key, seed)", async () => {
    const key = deriveVrfKey("0x01");
    expect(vrfOutput(proveVRF(key.sk, 7n))).to.equal(vrfOutput(proveVRF(key.sk, 7n)));
    expect(vrfOutput(proveVRF(key.sk, 7n))).to.not.equal(vrfOutput(proveVRF(key.sk, 8n)));
  });

  it("should be rejected for another seed, a tampered field, or a swapped key", async () => {
    const verifier = await loadFixture(harness);
    const key = deriveVrfKey("0x02");
    const other = deriveVrfKey("0x03");
    const proof = proveVRF(key.sk, 42n);
    await expect(verifier.randomValueFromVRFProof(proofTuple(proof), 43n)).to.be.reverted;
    await expect(verifier.randomValueFromVRFProof({ ...proofTuple(proof), s: proof.s + 1n }, 42n)).to.be.reverted;
    await expect(verifier.randomValueFromVRFProof({ ...proofTuple(proof), pk: other.pk }, 42n)).to.be.reverted;
  });
});
