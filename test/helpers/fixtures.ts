import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySuite, suiteParams, type SuiteParams } from "../../deploy";
import { buildEquivocationProof } from "../../sdk";

export const STAKE_100K = ethers.parseEther("100000");
export const ENDPOINT = "enode://abc@1.2.3.4:30303";
export const PUBLIC_KEY = "0x02" + "11".repeat(32);
export const METADATA = ethers.toUtf8Bytes('{"region":"eu-west","client":"lux-seq/1.0"}');

/** The registry's insurer role (guards `payInsurance`): the slashing queue holds it in a deployment. */
export const INSURER_ROLE = ethers.zeroPadValue("0x01", 32);

/**
 * The suite as deployed, plus two grants a deployment does not make: governance also slashes directly (the
 * registry's `SLASHER_ROLE`, which a deployment gives the slashing queue instead) and pays insurance directly (the
 * insurer role, the queue's alone), so the registry's own tests exercise those functions without the queue.
 * test/SlashingQueue.test.ts deploys without them.
 */
export async function deployRegistryFixture(params: SuiteParams = suiteParams()) {
  const suite = await deploySuite(hre, params);
  const [governance, ...accounts] = await ethers.getSigners();
  if ((await suite.registry.hasRole(await suite.registry.GOVERNANCE_ROLE(), governance.address)) && !params.governance) {
    await (await suite.registry.connect(governance).grantRole(await suite.registry.SLASHER_ROLE(), governance.address)).wait();
    await (await suite.registry.connect(governance).grantRole(INSURER_ROLE, governance.address)).wait();
  }
  const { chainId } = await ethers.provider.getNetwork();
  const registryAddress = await suite.registry.getAddress();
  return { ...suite, governanceSigner: governance, accounts, chainId, registryAddress };
}

/** The default fixture, named so `loadFixture` snapshots it once. */
export async function registryFixture() {
  return deployRegistryFixture();
}

export type RegistryFixture = Awaited<ReturnType<typeof deployRegistryFixture>>;

export async function register(f: RegistryFixture, operator: HardhatEthersSigner, stake: bigint = STAKE_100K) {
  const tx = await f.registry.connect(operator).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: stake });
  await tx.wait();
  return f.registry.sequencerIdOf(operator.address);
}

/** A real equivocation proof: `operator` signs two different block hashes for the same slot. */
export async function equivocationProof(f: RegistryFixture, operator: HardhatEthersSigner, sequencerId: bigint, slot?: bigint) {
  const s = slot ?? (await f.registry.currentSlot());
  return buildEquivocationProof(
    operator,
    f.registryAddress,
    f.chainId,
    sequencerId,
    s,
    ethers.keccak256(ethers.toUtf8Bytes(`block A @${s}`)),
    ethers.keccak256(ethers.toUtf8Bytes(`block B @${s}`)),
  );
}

/**
 * Everything a failed call must leave unchanged: the registry's balance and the accounting views of the
 * given sequencers and accounts. Compare a snapshot taken before a reverted call with one taken after.
 */
export async function snapshotState(f: RegistryFixture, ids: bigint[] = [], accounts: string[] = []) {
  const r = f.registry;
  const out: unknown[] = [
    await ethers.provider.getBalance(f.registryAddress),
    await r.totalSequencers(),
    await r.activeSequencerCount(),
    await r.currentSequencerId(),
    await r.lastRotationTime(),
    await r.insuranceFund(),
    await f.lens.rewardsOutstanding(),
    await f.lens.totalActiveWeight(),
    await r.getSequencerSet(),
  ];
  for (const id of ids) {
    out.push((await r.getSequencer(id)).toString(), (await f.lens.getPool(id)).toString());
    for (const a of accounts) out.push((await f.lens.delegationOf(id, a)).toString());
  }
  for (const a of accounts) out.push(await r.withdrawableBalance(a));
  return JSON.stringify(out, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}
