import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { Parameter, SequencerStatus } from "../../deploy";
import type { RegistryFixture } from "./fixtures";

/** Every registered sequencer's region, status and stake-index weight, read one by one (test-side only). */
export async function sequencerViews(f: RegistryFixture) {
  const total = Number(await f.registry.totalSequencers());
  const out: { id: bigint; region: number; active: boolean; weight: bigint }[] = [];
  for (let i = 1; i <= total; i++) {
    const id = BigInt(i);
    const info = await f.registry.getSequencer(id);
    out.push({
      id,
      region: Number(info.region),
      active: info.status === BigInt(SequencerStatus.Active),
      weight: await f.lens.weightOf(id),
    });
  }
  return out;
}

/** Σ weight and count of the Active sequencers per region, recomputed from the sequencers' own records. */
export async function expectedRegions(f: RegistryFixture) {
  const regions = new Map<number, { weight: bigint; count: number }>();
  for (const v of await sequencerViews(f)) {
    if (!v.active) continue;
    const r = regions.get(v.region) ?? { weight: 0n, count: 0 };
    r.weight += v.weight;
    r.count += 1;
    regions.set(v.region, r);
  }
  return regions;
}

/**
 * The registry's per-region records agree with the sequencers' own records, the groups are contiguous in the rotation
 * list (getSequencerSet order), and each region's head/tail are its group's ends. Returns the recomputed regions.
 */
export async function expectRegionBookkeeping(f: RegistryFixture, regionsToCheck: number[]) {
  const expected = await expectedRegions(f);
  let sum = 0n;
  for (const r of new Set([...regionsToCheck, ...expected.keys()])) {
    const [weight, count, head, tail] = await f.lens.regionOf(r);
    const e = expected.get(r) ?? { weight: 0n, count: 0 };
    expect(weight, `region ${r} weight`).to.equal(e.weight);
    expect(count, `region ${r} count`).to.equal(BigInt(e.count));
    if (e.count === 0) expect([head, tail]).to.deep.equal([0n, 0n]);
    sum += weight;
  }
  expect(sum).to.equal(await f.lens.totalActiveWeight());
  // Contiguity: walking the list, each region's members form one run (two runs if the walk starts inside one).
  const set = await f.registry.getSequencerSet();
  const regionOfOperator = new Map<string, number>();
  for (const v of await sequencerViews(f)) if (v.active) regionOfOperator.set(await f.registry.operatorOf(v.id), v.region);
  const runs: number[] = [];
  for (const op of set) {
    const r = regionOfOperator.get(op)!;
    if (runs.length === 0 || runs[runs.length - 1] !== r) runs.push(r);
  }
  if (runs.length > 1 && runs[0] === runs[runs.length - 1]) runs.pop(); // circular: the walk started inside a group
  expect(new Set(runs).size, `groups ${runs.join(",")}`).to.equal(runs.length);
  return expected;
}

export async function setRegionCap(f: RegistryFixture, bps: number | bigint) {
  await (await f.registry.connect(f.governanceSigner).setParameter(Parameter.RegionCapBps, bps)).wait();
}

export async function rotateNow(f: RegistryFixture) {
  await time.increase((await f.registry.getConfig()).rotationPeriod);
  await (await f.registry.rotateSequencer()).wait();
  return f.registry.currentSequencerId();
}
