/**
 * Model-based invariants of the registry: random sequences of register, increase, delegate, undelegate, exit,
 * withdraw, reward, slash, equivocation report (by a watcher, and by the operator's own accomplice), rotate and time
 * jumps, checked after every step against a TypeScript model of what went in and out and of every unbonding
 * request. Economic property: an operator's net from a report about its own sequencer is never positive.
 */
import fc from "fast-check";
import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySuite, suiteParams, SequencerStatus } from "../deploy";
import { buildEquivocationProof } from "../sdk";
import type { SequencerRegistry, RegistryLens } from "../typechain-types";
import { params, snapshot, revertTo, jump, outcome, eq, ok, RUNS, STEPS } from "./helpers";

interface Real {
  r: SequencerRegistry;
  lens: RegistryLens;
  address: string;
  governance: HardhatEthersSigner;
  operators: HardhatEthersSigner[];
  delegators: HardhatEthersSigner[];
  reporter: HardhatEthersSigner;
  accomplice: HardhatEthersSigner; // a second address of every operator, reporting its own sequencer
  accounts: string[];
  chainId: bigint;
  unit: bigint;
  minStake: bigint;
  minDelegation: bigint;
  rotationPeriod: bigint;
  fallback: string;
}

interface Request {
  id: bigint;
  owner: HardhatEthersSigner;
  release: bigint;
  done: boolean;
}

interface Model {
  ethIn: bigint;
  ethOut: bigint;
  ids: Map<number, bigint>; // operator index → sequencer id
  requests: Request[];
  steps: number;
}

interface Cmd {
  check(m: Readonly<Model>): boolean;
  run(m: Model, real: Real): Promise<void>;
  toString(): string;
  [fc.toStringMethod](): string;
}

const latest = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);

async function fingerprint(real: Real): Promise<string> {
  const { r } = real;
  const out: unknown[] = [
    await ethers.provider.getBalance(real.address),
    await real.lens.totalActiveWeight(),
    await r.insuranceFund(),
    await real.lens.rewardsOutstanding(),
    await r.currentSequencerId(),
  ];
  const total = await r.totalSequencers();
  for (let id = 1n; id <= total; id++) {
    out.push((await r.getSequencer(id)).toString(), (await real.lens.getPool(id)).toString());
  }
  for (const a of real.accounts) out.push(await r.withdrawableBalance(a));
  return JSON.stringify(out, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** Runs a transaction; a revert must leave the registry exactly as it was. Returns the error name or undefined. */
const stats = new Map<string, number>();

async function attempt(real: Real, send: () => Promise<{ wait(): Promise<unknown> }>): Promise<string | undefined> {
  const before = await fingerprint(real);
  const error = await outcome(send());
  stats.set(error ?? "success", (stats.get(error ?? "success") ?? 0) + 1);
  if (error) eq(`state unchanged after ${error}`, await fingerprint(real), before);
  return error;
}

async function checkInvariants(m: Model, real: Real) {
  const { r } = real;
  const balance = await ethers.provider.getBalance(real.address);
  eq("balance = value in − value out (model)", balance, m.ethIn - m.ethOut);

  const total = await r.totalSequencers();
  let owed = (await r.insuranceFund()) + (await real.lens.rewardsOutstanding());
  let weight = 0n;
  const activeOperators = new Set<string>();
  for (let id = 1n; id <= total; id++) {
    // weightOf reads the stake index's leaf, whatever the status.
    const [info, pool, w] = await Promise.all([r.getSequencer(id), real.lens.getPool(id), real.lens.weightOf(id)]);
    owed += pool.bondedStake + pool.unbondingStake;
    if (Number(info.status) === SequencerStatus.Active) {
      activeOperators.add(info.operator);
      eq(`index leaf of Active #${id} = bonded stake / unit`, w, pool.bondedStake / real.unit);
      weight += w;
    } else {
      eq(`no index leaf for non-Active #${id}`, w, 0n);
    }
  }
  for (const a of real.accounts) owed += await r.withdrawableBalance(a);
  eq("balance = stakes + unbonding + withdrawable + insurance + rewards", balance, owed);
  eq("sum tree total = Active stake, exactly", await real.lens.totalActiveWeight(), weight);

  const set = await r.getSequencerSet();
  eq("active set size", set.length, activeOperators.size);
  for (const operator of set) ok(`active set holds only Active sequencers (${operator})`, activeOperators.has(operator));
  eq("active count", await r.activeSequencerCount(), BigInt(set.length));
  const active = await r.getActiveSequencer();
  if (set.length === 0) eq("no Active sequencer: the fallback", active, real.fallback);
  else ok(`the active sequencer ${active} is in the set`, activeOperators.has(active));
}

const op = fc.integer({ min: 0, max: 3 });

/** Operator `i` if registered, else a registered one (so most steps act on real sequencers), else `i`. */
function pick(m: Model, i: number): [number, bigint] {
  if (m.ids.has(i)) return [i, m.ids.get(i)!];
  const registered = [...m.ids.entries()];
  if (registered.length === 0) return [i, 999n];
  return registered[i % registered.length];
}
const del = fc.integer({ min: 0, max: 2 });
const bps = fc.integer({ min: 1, max: 15_000 });

function command(name: string, run: (m: Model, real: Real) => Promise<void>): Cmd {
  return {
    check: () => true,
    run: async (m, real) => {
      await run(m, real);
      m.steps += 1;
      await checkInvariants(m, real);
    },
    toString: () => name,
    [fc.toStringMethod]: () => name,
  };
}

const commands: fc.Arbitrary<Cmd>[] = [
  fc.tuple(op, fc.integer({ min: 50, max: 300 })).map(([i, pct]) =>
    command(`register(op${i}, ${pct}% of minStake)`, async (m, real) => {
      const stake = (real.minStake * BigInt(pct)) / 100n;
      const err = await attempt(real, () =>
        real.r.connect(real.operators[i]).registerSequencer(`enode://op${i}`, "0x02", "0x", { value: stake }),
      );
      if (err) return eq("only an already registered operator is refused", err, "RegistryOperatorAlreadyRegistered");
      m.ethIn += stake;
      m.ids.set(i, await real.r.sequencerIdOf(real.operators[i].address));
    }),
  ),
  fc.tuple(op, fc.integer({ min: 1, max: 100 })).map(([i, pct]) =>
    command(`increaseStake(op${i}, ${pct}%)`, async (m, real) => {
      const [o, id] = pick(m, i);
      i = o;
      const amount = (real.minStake * BigInt(pct)) / 100n;
      const err = await attempt(real, () => real.r.connect(real.operators[i]).increaseStake(id, { value: amount }));
      if (!err) m.ethIn += amount;
    }),
  ),
  fc.tuple(del, op, fc.integer({ min: 1, max: 400 })).map(([d, i, pct]) =>
    command(`delegate(del${d} → op${i}, ${pct}%)`, async (m, real) => {
      const [, id] = pick(m, i);
      const amount = (real.minStake * BigInt(pct)) / 100n;
      const err = await attempt(real, () => real.r.connect(real.delegators[d]).delegateStake(id, { value: amount }));
      if (!err) m.ethIn += amount;
    }),
  ),
  fc.tuple(del, op, fc.integer({ min: 1, max: 10_000 })).map(([d, i, frac]) =>
    command(`undelegate(del${d} from op${i}, ${frac} bp)`, async (m, real) => {
      const [, id] = pick(m, i);
      const [shares] = id === 999n ? [0n] : await real.lens.delegationOf(id, real.delegators[d].address);
      const amount = (shares * BigInt(frac)) / 10_000n;
      const before = await fingerprint(real);
      try {
        const receipt = (await (await real.r.connect(real.delegators[d]).undelegate(id, amount)).wait())!;
        const queued = receipt.logs.map((l) => real.r.interface.parseLog(l)).find((e) => e?.name === "UndelegationQueued")!;
        m.requests.push({ id: queued.args.requestId, owner: real.delegators[d], release: queued.args.releaseTime, done: false });
      } catch {
        eq("state unchanged after a refused undelegation", await fingerprint(real), before);
      }
    }),
  ),
  fc.nat().map((k) =>
    command(`withdrawUnbonding(request #${k})`, async (m, real) => {
      if (m.requests.length === 0) return;
      const q = m.requests[k % m.requests.length];
      const next = (await latest()) + 1n;
      const err = await attempt(real, () => real.r.connect(q.owner).withdrawUnbonding(q.id));
      if (q.done) ok(`request ${q.id} cannot be withdrawn twice`, err !== undefined);
      else if (next < q.release) eq(`nobody withdraws before the delay (request ${q.id})`, err ?? "none", "RegistryUnbondingNotReleased");
      else {
        eq(`a released request ${q.id} is withdrawable`, err ?? "none", "none");
        q.done = true;
      }
    }),
  ),
  op.map((i) =>
    command(`initiateExit(op${i})`, async (m, real) => {
      const [o, id] = pick(m, i);
      i = o;
      const before = await fingerprint(real);
      try {
        const receipt = (await (await real.r.connect(real.operators[i]).initiateExit(id)).wait())!;
        const exit = receipt.logs.map((l) => real.r.interface.parseLog(l)).find((e) => e?.name === "ExitInitiated")!;
        m.requests.push({ id: exit.args.requestId, owner: real.operators[i], release: exit.args.releaseTime, done: false });
      } catch {
        eq("state unchanged after a refused exit", await fingerprint(real), before);
      }
    }),
  ),
  op.map((i) =>
    command(`completeExit(op${i})`, async (m, real) => {
      const [o, id] = pick(m, i);
      i = o;
      const q = m.requests.find((x) => x.owner === real.operators[i] && !x.done);
      const next = (await latest()) + 1n;
      const err = await attempt(real, () => real.r.connect(real.operators[i]).completeExit(id));
      if (!err && q) {
        ok(`exit ${q.id} completes only after the delay`, next >= q.release);
        q.done = true;
      }
    }),
  ),
  fc.integer({ min: 0, max: 7 }).map((a) =>
    command(`withdraw(account ${a})`, async (m, real) => {
      const signer = [...real.operators, ...real.delegators, real.reporter][a];
      const owed = await real.r.withdrawableBalance(signer.address);
      const err = await attempt(real, () => real.r.connect(signer).withdraw());
      if (owed === 0n) eq("nothing to withdraw", err ?? "none", "RegistryNothingToWithdraw");
      else {
        eq("a balance is withdrawable", err ?? "none", "none");
        m.ethOut += owed;
        eq("the balance is spent", await real.r.withdrawableBalance(signer.address), 0n);
      }
    }),
  ),
  fc.tuple(op, fc.integer({ min: 1, max: 50 })).map(([i, pct]) =>
    command(`distributeRewards(op${i}, ${pct}%)`, async (m, real) => {
      const [, id] = pick(m, i);
      const amount = (real.minStake * BigInt(pct)) / 100n + 7n;
      const err = await attempt(real, () => real.r.connect(real.reporter).distributeRewards(id, { value: amount }));
      if (!err) m.ethIn += amount;
    }),
  ),
  fc.tuple(fc.integer({ min: 0, max: 6 }), op).map(([a, i]) =>
    command(`claimRewards(account ${a}, op${i})`, async (m, real) => {
      const signer = [...real.operators, ...real.delegators][a];
      await attempt(real, () => real.r.connect(signer).claimRewards(pick(m, i)[1]));
    }),
  ),
  fc.tuple(op, bps).map(([i, frac]) =>
    command(`slash(op${i}, ${frac} bp of the pool)`, async (m, real) => {
      const [, id] = pick(m, i);
      if (id === 999n) return;
      const pool = await real.lens.getPool(id);
      const slashable = pool.bondedStake + pool.unbondingStake;
      const amount = (slashable * BigInt(frac)) / 10_000n;
      const values = await Promise.all(real.delegators.map(async (d) => (await real.lens.delegationOf(id, d.address))[1]));
      const err = await attempt(real, () => real.r.connect(real.governance).slash(id, amount));
      if (amount > slashable) return eq("a slash never exceeds the stake", err ?? "none", "RegistrySlashExceedsStake");
      if (amount === 0n) return eq("a zero slash is refused", err ?? "none", "RegistryZeroAmount");
      eq("a slash within the stake succeeds", err ?? "none", "none");
      const after = await real.lens.getPool(id);
      eq("the pool loses exactly the slash", after.bondedStake + after.unbondingStake, slashable - amount);
      for (let d = 0; d < real.delegators.length; d++) {
        const now = (await real.lens.delegationOf(id, real.delegators[d].address))[1];
        const share = (amount * values[d] + slashable - 1n) / slashable;
        ok(`delegator ${d} loses at most its pro-rata share (${values[d]} → ${now}, share ${share})`, values[d] - now <= share + 1n);
      }
    }),
  ),
  op.map((i) =>
    command(`reportEquivocation(op${i})`, async (m, real) => {
      const [o, id] = pick(m, i);
      if (id === 999n) return;
      i = o;
      const slot = await real.r.currentSlot();
      const evidence = await buildEquivocationProof(
        real.operators[i],
        real.address,
        real.chainId,
        id,
        slot,
        ethers.id(`a${m.steps}`),
        ethers.id(`b${m.steps}`),
      );
      const err = await attempt(real, () => real.r.connect(real.reporter).reportMisbehavior(id, evidence));
      if (!err) {
        eq(
          "a proven equivocation suspends or leaves the sequencer out of the set",
          await real.r.isActiveSequencer(real.operators[i].address),
          false,
        );
        const again = await attempt(real, () => real.r.connect(real.reporter).reportMisbehavior(id, evidence));
        eq("the same evidence cannot be replayed", again ?? "none", "RegistryEquivocationAlreadySlashed");
      }
    }),
  ),
  op.map((i) =>
    command(`selfReport(op${i} via its accomplice)`, async (m, real) => {
      const [o, id] = pick(m, i);
      if (id === 999n) return;
      const operator = real.operators[o];
      const slot = await real.r.currentSlot();
      const evidence = await buildEquivocationProof(
        operator,
        real.address,
        real.chainId,
        id,
        slot,
        ethers.id(`x${m.steps}`),
        ethers.id(`y${m.steps}`),
      );
      // What the operator and its accomplice hold: own stake (bonded and exiting) and both withdrawable balances.
      const holdings = async () =>
        (await real.r.getSequencer(id)).stake +
        (await real.r.withdrawableBalance(operator.address)) +
        (await real.r.withdrawableBalance(real.accomplice.address));
      const before = await holdings();
      const err = await attempt(real, () => real.r.connect(real.accomplice).reportMisbehavior(id, evidence));
      const after = await holdings();
      ok(`an operator never gains by reporting itself (${before} → ${after}, ${err ?? "punished"})`, after <= before);
    }),
  ),
  fc.constant(null).map(() =>
    command("rotate", async (_m, real) => {
      await jump(Number(real.rotationPeriod));
      const count = await real.r.activeSequencerCount();
      const before = await real.r.currentSequencerId();
      const err = await attempt(real, () => real.r.rotateSequencer());
      if (count >= 2n) {
        eq("rotation with two or more Active succeeds", err ?? "none", "none");
        ok("rotation hands over to a different sequencer", (await real.r.currentSequencerId()) !== before);
      }
    }),
  ),
  fc.integer({ min: 1, max: 10 * 86_400 }).map((s) => command(`time +${s}s`, async () => jump(s))),
];

/** Relative frequencies, in the order of `commands`: registrations, stake and money movements most often. */
const WEIGHTS = [4, 2, 4, 2, 2, 1, 2, 2, 3, 2, 2, 2, 2, 2, 2];

describe(`Registry invariants (fast-check, ${RUNS} sequences × ${STEPS} steps)`, function () {
  this.timeout(0);

  it("keeps its accounting, its set and its delays under random operation sequences", async () => {
    const signers = await ethers.getSigners();
    const governance = signers[0];
    // Governance slashes the registry directly here (a direct slasher): the queue's windows are not under test.
    const suite = await deploySuite(hre, suiteParams({ slashers: [governance.address] }), governance);
    const r = suite.registry;
    const operators = signers.slice(1, 5);
    const delegators = signers.slice(5, 8);
    const reporter = signers[8];
    const accomplice = signers[9];
    const config = await r.getConfig();
    const parameters = await r.getParameters();
    const real: Real = {
      r,
      lens: suite.lens,
      address: await r.getAddress(),
      governance,
      operators,
      delegators,
      reporter,
      accomplice,
      accounts: [...operators, ...delegators, reporter, accomplice].map((s) => s.address),
      chainId: (await ethers.provider.getNetwork()).chainId,
      unit: await r.WEIGHT_UNIT(),
      minStake: config.minStake,
      minDelegation: parameters.minDelegation,
      rotationPeriod: config.rotationPeriod,
      fallback: parameters.fallbackSequencer,
    };
    let base = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(...commands.map((arbitrary, k) => ({ arbitrary, weight: WEIGHTS[k] }))), { minLength: STEPS, maxLength: STEPS }),
        async (cmds) => {
          base = await revertTo(base);
          const model: Model = {
            ethIn: await ethers.provider.getBalance(real.address),
            ethOut: 0n,
            ids: new Map(),
            requests: [],
            steps: 0,
          };
          for (const c of cmds) await c.run(model, real);
        },
      ),
      params(),
    );
    // What the sequences exercised: successes and each refusal (every refusal left the state unchanged).
    console.log("      outcomes:", Object.fromEntries([...stats.entries()].sort((a, b) => b[1] - a[1])));
    // A quarter at least: both report commands are refused by design once the sequencer has left its duty.
    ok("many operations succeed", (stats.get("success") ?? 0) > RUNS * STEPS * 0.25);
  });
});
