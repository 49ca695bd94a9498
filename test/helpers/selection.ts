import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { suiteParams, SelectionMode, Parameter } from "../../deploy";
import { operatorVrfKey, registerVrfKey, commitRound, type VrfKey } from "../../sdk";
import { deployRegistryFixture, type RegistryFixture } from "./fixtures";

export type SelectionFixture = RegistryFixture & {
  operators: HardhatEthersSigner[];
  keys: Map<bigint, VrfKey>;
  signerOf: Map<bigint, HardhatEthersSigner>;
};

/** Registers one sequencer per stake (in LUX), each with a VRF key registered at the beacon. */
export async function withSequencers(stakes: number[], f?: RegistryFixture): Promise<SelectionFixture> {
  const fx = f ?? (await deployRegistryFixture(suiteParams()));
  const keys = new Map<bigint, VrfKey>();
  const signerOf = new Map<bigint, HardhatEthersSigner>();
  const operators = fx.accounts.slice(0, stakes.length);
  for (let i = 0; i < stakes.length; i++) {
    const op = operators[i];
    await (
      await fx.registry.connect(op).registerSequencer(`enode://s${i}`, "0x02", "0x", { value: ethers.parseEther(String(stakes[i])) })
    ).wait();
    const id = await fx.registry.sequencerIdOf(op.address);
    const key = operatorVrfKey(ethers.id(`vrf-secret-of-${op.address}`));
    await registerVrfKey(fx.beacon!, op, id, key);
    keys.set(id, key);
    signerOf.set(id, op);
  }
  return { ...fx, operators, keys, signerOf };
}

/** Requests randomness (if none is pending) and has the round's committer commit it. */
export async function deliverRandomness(f: SelectionFixture) {
  await (await f.selection.requestRandomness()).wait();
  const [, committerId] = await f.beacon!.roundState();
  return commitRound(f.beacon!, f.signerOf.get(committerId)!, f.keys.get(committerId)!);
}

export async function setMode(f: SelectionFixture, mode: SelectionMode) {
  await (await f.registry.connect(f.governanceSigner).setParameter(Parameter.SelectionMode, mode)).wait();
}

/** Waits out the rotation period and rotates; returns the new active sequencer's id. */
export async function rotate(f: SelectionFixture): Promise<bigint> {
  await time.increase((await f.registry.getConfig()).rotationPeriod);
  await (await f.registry.rotateSequencer()).wait();
  return f.registry.currentSequencerId();
}

/** Rotates as soon as it is due (no waiting past it); returns the new active sequencer's id. */
export async function rotateWhenDue(f: SelectionFixture): Promise<bigint> {
  const due = await f.registry.nextRotationTime();
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  if (now < due) await time.increaseTo(due);
  await (await f.registry.rotateSequencer()).wait();
  return f.registry.currentSequencerId();
}
