import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { secp256k1 } from "@noble/curves/secp256k1";
import { deployRegistryFixture, type RegistryFixture } from "./fixtures";

export type MEVFixture = RegistryFixture & {
  validators: HardhatEthersSigner[];
  secretKeys: string[];
  publicKeys: string[];
  threshold: number;
};

/** Five sequencers with secp256k1 encryption keys registered as their public keys; a 3-of-5 committee
 * initialized from the active set. */
export async function mevFixture(): Promise<MEVFixture> {
  const f = await deployRegistryFixture();
  const validators = f.accounts.slice(0, 5);
  const secretKeys = validators.map((_, i) => ethers.keccak256(ethers.toUtf8Bytes(`validator encryption key ${i}`)));
  for (let i = 0; i < validators.length; i++) {
    const pk = ethers.hexlify(secp256k1.getPublicKey(ethers.getBytes(secretKeys[i]), true));
    await f.registry.connect(validators[i]).registerSequencer(`enode://v${i}`, pk, "0x", { value: ethers.parseEther("100") });
  }
  await f.mev.connect(f.governanceSigner).initThresholdDecryption(3, []);
  // Public keys in committee order, as a wallet reads them: committee(epoch) then the registry.
  const committee = await f.mev.committee(1);
  const publicKeys: string[] = [];
  for (const member of committee) publicKeys.push((await f.registry.getSequencer(await f.registry.sequencerIdOf(member))).publicKey);
  return { ...f, validators, secretKeys, publicKeys, threshold: 3 };
}
