/**
 * Indexer-grade events: each new event's fields, then a rebuild of the registry's whole state from its logs alone
 * (test/helpers/registryIndexer.ts) after random operation sequences, compared with the contract's views after every
 * step: sequencers (operator, status, stakes, descriptor, blocks, score), pools and every account's position (shares,
 * value, pending rewards), the Active set in rotation order, the active sequencer, withdrawable balances, the
 * insurance fund, outstanding rewards and unbonding requests.
 */
import { expect } from "chai";
import fc from "fast-check";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySuite, suiteParams, SequencerStatus } from "../deploy";
import { buildEquivocationProof, decodeSequencerDescriptor } from "../sdk";
import type { RegistryLens, SequencerRegistry } from "../typechain-types";
import { jump, outcome, Outcomes, revertTo, snapshot, step, type Step } from "../invariants/helpers";
import { ENDPOINT, INSURER_ROLE, METADATA, PUBLIC_KEY, equivocationProof, register, registryFixture } from "./helpers/fixtures";
import { RegistryIndexer, Parameter } from "./helpers/registryIndexer";

const E = (n: string) => ethers.parseEther(n);

/** Sequences of the rebuild property (fixed seed: reproducible); raise them locally with the variables. */
const RUNS = Number(process.env.EVENTS_RUNS ?? 8);
const STEPS = Number(process.env.EVENTS_STEPS ?? 50);
const SEED = Number(process.env.EVENTS_SEED ?? 504);

describe("SequencerRegistry: indexer events", () => {
  describe("the events an indexer needs besides the specification's", () => {
    it("RegistrationDetails: the operator (indexed), the stake and the stored descriptor", async () => {
      const f = await loadFixture(registryFixture);
      const [op] = f.accounts;
      const tx = f.registry.connect(op).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: E("150") });
      const receipt = (await (await tx).wait())!;
      const details = receipt.logs.map((l) => f.registry.interface.parseLog(l)).find((e) => e?.name === "RegistrationDetails")!;
      expect(details.args.sequencerId).to.equal(1n);
      expect(details.args.operator).to.equal(op.address);
      expect(details.args.stake).to.equal(E("150"));
      expect(decodeSequencerDescriptor(details.args.descriptor)).to.deep.equal({
        endpoint: ENDPOINT,
        publicKey: PUBLIC_KEY,
        metadata: ethers.hexlify(METADATA),
      });
      const filtered = await f.registry.queryFilter(f.registry.filters.RegistrationDetails(undefined, op.address));
      expect(filtered.map((e) => e.args.sequencerId)).to.deep.equal([1n]);
    });

    it("decodeSequencerDescriptor refuses a descriptor shorter than its header or whose lengths do not add up", () => {
      expect(() => decodeSequencerDescriptor("0x0000")).to.throw("2 bytes, shorter than its 4-byte header");
      // Header: a 1-byte endpoint, a 1-byte public key and 1 byte of metadata (7 bytes in all).
      const header = ethers.toBeHex((1 << 22) | (1 << 12) | 1, 4);
      expect(() => decodeSequencerDescriptor(ethers.concat([header, "0x6102"]))).to.throw("announces 7 bytes, it has 6");
      expect(decodeSequencerDescriptor(ethers.concat([header, "0x610203"]))).to.deep.equal({
        endpoint: "a",
        publicKey: "0x02",
        metadata: "0x03",
      });
    });

    it("Deposited: the shares minted to an operator's top-up and to a delegation, at the pool's price", async () => {
      const f = await loadFixture(registryFixture);
      const [op, d] = f.accounts;
      await register(f, op, E("200"));
      await f.registry.connect(f.governanceSigner).slash(1, E("50")); // 150 wei of stake for 200 shares
      await expect(f.registry.connect(op).increaseStake(1, { value: E("30") }))
        .to.emit(f.registry, "Deposited")
        .withArgs(1n, op.address, E("30"), E("40"));
      await expect(f.registry.connect(d).delegateStake(1, { value: E("45") }))
        .to.emit(f.registry, "Deposited")
        .withArgs(1n, d.address, E("45"), E("60"));
      const mine = await f.registry.queryFilter(f.registry.filters.Deposited(1n, d.address));
      expect(mine.map((e) => e.args.shares)).to.deep.equal([E("60")]);
    });

    it("UndelegationQueued: the bonded shares burned and the request's unbonding shares, also for an exit", async () => {
      const f = await loadFixture(registryFixture);
      const [op, d] = f.accounts;
      await register(f, op, E("200"));
      await f.registry.connect(d).delegateStake(1, { value: E("100") });
      await f.registry.connect(f.governanceSigner).slash(1, E("30")); // bonded: 270 wei for 300 shares
      const release = async (tx: Promise<{ wait(): Promise<unknown> }>) => {
        const receipt = (await (await tx).wait()) as { blockNumber: number };
        return BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp) + (await f.registry.getConfig()).exitDelay;
      };
      // 50 shares are worth 45 wei; a fresh unbonding part mints one share per wei.
      const first = f.registry.connect(d).undelegate(1, E("50"));
      const at = await release(first);
      await expect(first).to.emit(f.registry, "UndelegationQueued").withArgs(1n, 1n, d.address, E("45"), at, E("50"), E("45"));
      // 10% of 270: 4.5 from the unbonding part (40.5 wei for 45 shares), 22.5 from the bonded (202.5 for 250 shares).
      await f.registry.connect(f.governanceSigner).slash(1, E("27"));
      // The exit queues the operator's 200 shares (worth 200 × 202.5 / 250 = 162) at 45 / 40.5 shares per wei: 180.
      const exit = f.registry.connect(op).initiateExit(1);
      const exitAt = await release(exit);
      await expect(exit).to.emit(f.registry, "UndelegationQueued").withArgs(2n, 1n, op.address, E("162"), exitAt, E("200"), E("180"));
    });

    it("TurnStarted: the new and previous holder at the first join, a rotation and the holder's departure", async () => {
      const f = await loadFixture(registryFixture);
      const [a, b, c] = f.accounts;
      await expect(f.registry.connect(a).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: E("100") }))
        .to.emit(f.registry, "TurnStarted")
        .withArgs(1n, 0n);
      await expect(f.registry.connect(b).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: E("100") })).not.to.emit(
        f.registry,
        "TurnStarted",
      );
      await register(f, c, E("100"));
      await jump(Number((await f.registry.getConfig()).rotationPeriod));
      await expect(f.registry.rotateSequencer()).to.emit(f.registry, "TurnStarted").withArgs(2n, 1n);
      await expect(f.registry.connect(f.governanceSigner).reportMisbehavior(2, await equivocationProof(f, b, 2n)))
        .to.emit(f.registry, "TurnStarted")
        .withArgs(3n, 2n);
      const turnsOf3 = await f.registry.queryFilter(f.registry.filters.TurnStarted(3n));
      expect(turnsOf3).to.have.length(1);
    });
  });

  describe("rebuilding the registry from its events alone", function () {
    this.timeout(0);

    interface World {
      r: SequencerRegistry;
      lens: RegistryLens;
      address: string;
      governance: HardhatEthersSigner;
      operators: HardhatEthersSigner[];
      delegators: HardhatEthersSigner[];
      reporter: HardhatEthersSigner;
      accounts: HardhatEthersSigner[];
      minStake: bigint;
      rotationPeriod: bigint;
      exitDelay: bigint;
      chainId: bigint;
      ix: RegistryIndexer;
      outcomes: Outcomes;
      applied: Map<string, number>; // events the indexer applied, by name, over all sequences
    }
    let w: World;

    /** Applies the logs of every block the indexer has not seen. */
    async function sync() {
      const latest = await ethers.provider.getBlockNumber();
      const logs = await ethers.provider.getLogs({ address: w.address, fromBlock: w.ix.nextBlock, toBlock: latest });
      for (const log of logs) {
        const name = w.ix.apply(log);
        if (name) w.applied.set(name, (w.applied.get(name) ?? 0) + 1);
      }
      w.ix.nextBlock = latest + 1;
    }

    /** The rebuilt state and the contract's views, side by side, as plain values. */
    async function compare(after: string) {
      await sync();
      const { r, lens, ix } = w;
      const block = (await ethers.provider.getBlock("latest"))!;
      const holders = w.accounts.map((s) => s.address);
      const expected: Record<string, unknown> = {};
      const actual: Record<string, unknown> = {};

      expected.totalSequencers = BigInt(ix.sequencers.size);
      actual.totalSequencers = await r.totalSequencers();
      for (const [id, s] of ix.sequencers) {
        const own = ix.ownBondedStake(s);
        expected[`sequencer ${id}`] = {
          info: [s.operator, BigInt(s.status), ix.ownStake(s), s.bondedStake - own, s.activationBlock, s.lastActiveBlock],
          descriptor: [s.endpoint, s.publicKey, s.metadata, s.performanceScore],
          pool: [s.bondedStake, s.bondedShares, s.unbondingStake, s.unbondingShares, ix.position(s, s.operator).shares],
          commission: ix.commissionAt(s, BigInt(block.timestamp)),
          positions: holders.map((h) => [ix.position(s, h).shares, ix.bondedValue(s, ix.position(s, h).shares), ix.pendingRewards(s, h)]),
        };
        const [info, pool] = await Promise.all([r.getSequencer(id), lens.getPool(id)]);
        actual[`sequencer ${id}`] = {
          info: [info.operator, info.status, info.stake, info.delegatedStake, info.activationBlock, info.lastActiveBlock],
          descriptor: [info.endpoint, info.publicKey, info.metadata, info.performanceScore],
          pool: [pool.bondedStake, pool.bondedShares, pool.unbondingStake, pool.unbondingShares, pool.operatorShares],
          commission: pool.commissionBps,
          positions: await Promise.all(holders.map(async (h) => [...(await lens.delegationOf(id, h)), await lens.pendingRewards(id, h)])),
        };
      }
      expected.accounts = holders.map((h) => {
        const id = ix.operatorIds.get(h) ?? 0n;
        return [ix.balanceOf(h), id, id !== 0n && ix.sequencer(id).status === SequencerStatus.Active];
      });
      actual.accounts = await Promise.all(
        holders.map(async (h) => [await r.withdrawableBalance(h), await r.sequencerIdOf(h), await r.isActiveSequencer(h)]),
      );
      expected.funds = [ix.insuranceFund, ix.rewardsOutstanding];
      actual.funds = [await r.insuranceFund(), await lens.rewardsOutstanding()];
      expected.set = ix.rotation.map((id) => ix.sequencer(id).operator);
      actual.set = [...(await r.getSequencerSet())];
      expected.active = [BigInt(ix.rotation.length), ix.currentId, ix.activeSequencer(BigInt(block.number))];
      actual.active = [await r.activeSequencerCount(), await r.currentSequencerId(), await r.getActiveSequencer()];
      // Every request the indexer knows, and the next id, which must not exist yet.
      const requests = Array.from({ length: Number(ix.lastRequestId) + 1 }, (_, k) => BigInt(k + 1));
      expected.requests = requests.map((id) => {
        const q = ix.requests.get(id);
        return q ? [q.sequencerId, q.owner, q.shares, q.releaseTime] : "none";
      });
      actual.requests = await Promise.all(
        requests.map((id) =>
          lens.getUnbonding(id).then(
            (u) => [u.sequencerId, u.owner, u.shares, u.releaseTime],
            () => "none",
          ),
        ),
      );
      expect(actual, `rebuilt state after ${after}`).to.deep.equal(expected);
    }

    const act = async (send: () => Promise<{ wait(): Promise<unknown> }>) => w.outcomes.count(await outcome(send()));

    /** Operator i's live sequencer, else some registered sequencer (most steps then act on real ones), else 999. */
    function pick(i: number): bigint {
      const own = w.ix.operatorIds.get(w.operators[i].address);
      if (own !== undefined) return own;
      const ids = [...w.ix.sequencers.keys()];
      return ids.length === 0 ? 999n : ids[i % ids.length];
    }
    const signerOf = (address: string) => w.accounts.find((s) => s.address === address) ?? w.governance;

    const op = fc.integer({ min: 0, max: 3 });
    const holder = fc.integer({ min: 0, max: 6 }); // operators, then delegators
    const account = fc.integer({ min: 0, max: 7 }); // operators, delegators, the reporter
    const bp = fc.integer({ min: 1, max: 10_000 });
    /** p% of minStake and an odd number of wei on top, so that share prices and pro-rata splits do not come out round. */
    const pct = (p: number) => (w.minStake * BigInt(p)) / 100n + 1_000_003n * BigInt(p);

    const steps: [fc.Arbitrary<Step>, number][] = [
      [
        fc.tuple(op, fc.integer({ min: 50, max: 300 }), fc.uint8Array({ maxLength: 40 })).map(([i, p, metadata]) =>
          step(`register(op${i}, ${p}%, ${metadata.length}-byte metadata)`, () =>
            act(() =>
              w.r.connect(w.operators[i]).registerSequencer(`enode://op${i}@10.0.0.${i}:30303`, "0x02" + "ab".repeat(32), metadata, {
                value: pct(p),
              }),
            ),
          ),
        ),
        4,
      ],
      [
        fc
          .tuple(op, fc.integer({ min: 1, max: 100 }))
          .map(([i, p]) =>
            step(`increaseStake(op${i}, ${p}%)`, () => act(() => w.r.connect(w.operators[i]).increaseStake(pick(i), { value: pct(p) }))),
          ),
        2,
      ],
      [
        fc
          .tuple(fc.integer({ min: 0, max: 2 }), op, fc.integer({ min: 1, max: 400 }))
          .map(([d, i, p]) =>
            step(`delegate(del${d} → op${i}, ${p}%)`, () =>
              act(() => w.r.connect(w.delegators[d]).delegateStake(pick(i), { value: pct(p) })),
            ),
          ),
        4,
      ],
      [
        fc.tuple(holder, op, bp).map(([h, i, frac]) =>
          step(`undelegate(holder ${h} from op${i}, ${frac} bp of its shares)`, async () => {
            const id = pick(i);
            const s = w.ix.sequencers.get(id);
            const shares = s ? (w.ix.position(s, w.accounts[h].address).shares * BigInt(frac)) / 10_000n : 1n;
            await act(() => w.r.connect(w.accounts[h]).undelegate(id, shares));
          }),
        ),
        3,
      ],
      [
        fc.nat().map((k) =>
          step(`withdrawUnbonding(request #${k})`, async () => {
            const open = [...w.ix.requests.entries()];
            if (open.length === 0) return;
            const [id, q] = open[k % open.length];
            await act(() => w.r.connect(signerOf(q.owner)).withdrawUnbonding(id));
          }),
        ),
        2,
      ],
      [op.map((i) => step(`initiateExit(op${i})`, () => act(() => w.r.connect(w.operators[i]).initiateExit(pick(i))))), 2],
      [op.map((i) => step(`completeExit(op${i})`, () => act(() => w.r.connect(w.operators[i]).completeExit(pick(i))))), 2],
      [account.map((a) => step(`withdraw(account ${a})`, () => act(() => w.r.connect(w.accounts[a]).withdraw()))), 2],
      [
        fc
          .tuple(op, fc.integer({ min: 1, max: 50 }))
          .map(([i, p]) =>
            step(`distributeRewards(op${i}, ${p}%)`, () =>
              act(() => w.r.connect(w.reporter).distributeRewards(pick(i), { value: pct(p) + 7n })),
            ),
          ),
        3,
      ],
      [
        fc
          .tuple(holder, op)
          .map(([h, i]) => step(`claimRewards(holder ${h}, op${i})`, () => act(() => w.r.connect(w.accounts[h]).claimRewards(pick(i))))),
        2,
      ],
      [
        fc.tuple(op, fc.integer({ min: 1, max: 12_000 })).map(([i, frac]) =>
          step(`slash(op${i}, ${frac} bp of the pool)`, async () => {
            const s = w.ix.sequencers.get(pick(i));
            const amount = s ? ((s.bondedStake + s.unbondingStake) * BigInt(frac)) / 10_000n : 1n;
            await act(() => w.r.connect(w.governance).slash(pick(i), amount));
          }),
        ),
        2,
      ],
      [
        op.map((i) =>
          step(`reportEquivocation(op${i})`, async () => {
            const id = pick(i);
            const s = w.ix.sequencers.get(id);
            if (!s) return;
            const slot = await w.r.currentSlot();
            const evidence = await buildEquivocationProof(
              signerOf(s.operator),
              w.address,
              w.chainId,
              id,
              slot,
              ethers.id(`a${slot}`),
              ethers.id(`b${slot}`),
            );
            await act(() => w.r.connect(w.reporter).reportMisbehavior(id, evidence));
          }),
        ),
        2,
      ],
      [
        fc.constant(null).map(() =>
          step("rotate", async () => {
            await jump(Number(w.rotationPeriod));
            await act(() => w.r.rotateSequencer());
          }),
        ),
        2,
      ],
      [fc.constant(null).map(() => step("forceRotation", () => act(() => w.r.connect(w.governance).forceRotation()))), 1],
      [fc.constant(null).map(() => step("selectNextSequencer", () => act(() => w.r.connect(w.reporter).selectNextSequencer()))), 1],
      [op.map((i) => step(`suspend(op${i})`, () => act(() => w.r.connect(w.governance).suspendSequencer(pick(i))))), 1],
      [op.map((i) => step(`reinstate(op${i})`, () => act(() => w.r.connect(w.governance).reinstateSequencer(pick(i))))), 1],
      [op.map((i) => step(`eject(op${i})`, () => act(() => w.r.connect(w.governance).ejectSequencer(pick(i))))), 1],
      [
        fc
          .tuple(op, fc.integer({ min: 0, max: 10_000 }))
          .map(([i, score]) =>
            step(`updatePerformance(op${i}, ${score})`, () => act(() => w.r.connect(w.governance).updatePerformance(pick(i), score))),
          ),
        1,
      ],
      [
        fc
          .tuple(op, fc.integer({ min: 0, max: 6_000 }))
          .map(([i, bps]) =>
            step(`setCommission(op${i}, ${bps} bp)`, () => act(() => w.r.connect(w.operators[i]).setCommission(pick(i), bps))),
          ),
        2,
      ],
      [
        fc
          .tuple(account, fc.integer({ min: 1, max: 20 }))
          .map(([a, p]) =>
            step(`depositFees(→ account ${a}, ${p}%)`, () =>
              act(() => w.r.connect(w.reporter).depositFees(w.accounts[a].address, { value: pct(p) + 3n })),
            ),
          ),
        1,
      ],
      [
        fc
          .integer({ min: 1, max: 20 })
          .map((p) => step(`fundInsurance(${p}%)`, () => act(() => w.r.connect(w.reporter).fundInsurance({ value: pct(p) })))),
        1,
      ],
      [
        fc
          .tuple(account, bp)
          .map(([a, frac]) =>
            step(`payInsurance(→ account ${a}, ${frac} bp of the fund)`, () =>
              act(() => w.r.connect(w.governance).payInsurance(w.accounts[a].address, (w.ix.insuranceFund * BigInt(frac)) / 10_000n)),
            ),
          ),
        1,
      ],
      [
        fc
          .integer({ min: 1, max: 3 })
          .map((n) =>
            step(`setParameter(MinActiveSequencers, ${n})`, () =>
              act(() => w.r.connect(w.governance).setParameter(Parameter.MinActiveSequencers, n)),
            ),
          ),
        1,
      ],
      [fc.integer({ min: 1, max: 10 * 86_400 }).map((s) => step(`time +${s}s`, () => jump(s))), 2],
      [fc.constant(null).map(() => step("wait out the exit delay", () => jump(Number(w.exitDelay)))), 2],
    ];

    it(`matches the contract's views after every step (${RUNS} random sequences × ${STEPS} steps)`, async () => {
      const signers = await ethers.getSigners();
      const governance = signers[0];
      // Governance slashes and pays insurance directly here (the queue's windows are not under test).
      const suite = await deploySuite(hre, suiteParams({ monitors: [governance.address], slashers: [governance.address] }), governance);
      await (await suite.registry.grantRole(INSURER_ROLE, governance.address)).wait();
      const r = suite.registry;
      const operators = signers.slice(1, 5);
      const delegators = signers.slice(5, 8);
      const reporter = signers[8];
      const config = await r.getConfig();
      w = {
        r,
        lens: suite.lens,
        address: await r.getAddress(),
        governance,
        operators,
        delegators,
        reporter,
        accounts: [...operators, ...delegators, reporter],
        minStake: config.minStake,
        rotationPeriod: config.rotationPeriod,
        exitDelay: config.exitDelay,
        chainId: (await ethers.provider.getNetwork()).chainId,
        ix: new RegistryIndexer(r.interface),
        outcomes: new Outcomes(),
        applied: new Map(),
      };
      let base = await snapshot();
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(...steps.map(([arbitrary, weight]) => ({ arbitrary, weight }))), { minLength: STEPS, maxLength: STEPS }),
          async (sequence) => {
            base = await revertTo(base);
            w.ix = new RegistryIndexer(r.interface); // from the deployment's own logs (parameters, fallback) onwards
            await compare("deployment");
            // Two sequencers and a delegation to start from, so that most random steps act on live pools.
            await w.r.connect(operators[0]).registerSequencer("enode://op0", "0x02", "0x", { value: pct(150) });
            await w.r.connect(operators[1]).registerSequencer("enode://op1", "0x03", "0x", { value: pct(120) });
            await w.r.connect(delegators[0]).delegateStake(1n, { value: pct(200) });
            await compare("the prelude");
            for (const s of sequence) {
              await s.run();
              await compare(String(s));
            }
          },
        ),
        { numRuns: RUNS, seed: SEED, endOnFailure: true, verbose: 1 },
      );
      w.outcomes.print();
      console.log("      events applied:", Object.fromEntries([...w.applied.entries()].sort((a, b) => b[1] - a[1])));
      // The sequences must exercise the state, not only its refusals, and (at the default size or more) every event
      // the indexer applies.
      expect(w.outcomes.successes).to.be.greaterThan(RUNS * STEPS * 0.4);
      if (RUNS * STEPS >= 400) {
        expect(
          Object.keys(w.ix.handlers).filter((name) => !w.applied.has(name)),
          "events never applied",
        ).to.deep.equal([]);
      }
    });
  });
});
