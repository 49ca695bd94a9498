import { expect } from "chai";
import { ethers } from "hardhat";
import fs from "node:fs";
import path from "node:path";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployRegistryFixture } from "./helpers/fixtures";
import { Parameter, SelectionMode } from "../deploy";
import { computeJob } from "./helpers/scheduler";
import { operatorVrfKey, proveVRF, proofTuple, commitRound, roundSeed, vrfKeyHash } from "../sdk";

const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => (await (await tx).wait())!.gasUsed;

describe("Attacks: reentrancy on bid refunds, replays, griefing, gas at scale", () => {
  it("an outbid bidder that re-enters withdraw loses nothing and cannot take twice", async () => {
    const f = await deployRegistryFixture();
    const selectionAddress = await f.selection.getAddress();
    const attacker = await (await ethers.getContractFactory("WithdrawAttacker")).deploy(selectionAddress);
    const attackerAddress = await attacker.getAddress();
    // The attacker contract is an Active sequencer's operator, so it may bid.
    await attacker.act(
      f.registryAddress,
      ethers.parseEther("100"),
      f.registry.interface.encodeFunctionData("registerSequencer", ["enode://x", "0x02", "0x"]),
      {
        value: ethers.parseEther("100"),
      },
    );
    for (let i = 0; i < 3; i++)
      await f.registry.connect(f.accounts[i]).registerSequencer(`enode://${i}`, "0x02", "0x", { value: ethers.parseEther("100") });
    await f.selection.initAuction(600);
    const bid = ethers.parseEther("2");
    await attacker.act(selectionAddress, bid, f.selection.interface.encodeFunctionData("placeBid", [1n]), { value: bid });
    for (let i = 0; i < 3; i++) await f.selection.connect(f.accounts[i]).placeBid(1, { value: ethers.parseEther(String(3 + i)) }); // three winners outbid it
    await time.increase(601);
    await f.selection.finalizeAuction(1); // it set the price and lost: its deposit is refundable
    expect(await f.selection.pendingReturns(attackerAddress)).to.equal(bid);
    const owedBefore = await f.selection.totalOwed();
    await expect(attacker.attack()).to.be.revertedWithCustomError(f.selection, "SelectionTransferFailed");
    expect(await f.selection.pendingReturns(attackerAddress)).to.equal(bid);
    expect(await f.selection.totalOwed()).to.equal(owedBefore);
    await attacker.setReenter(false);
    await expect(attacker.attack()).to.changeEtherBalance(attacker, bid);
    await expect(attacker.attack()).to.be.revertedWithCustomError(f.selection, "SelectionNothingToWithdraw");
    expect(await ethers.provider.getBalance(selectionAddress)).to.equal(await f.selection.totalOwed());
  });

  it("a VRF proof cannot be replayed: not in the same round, nor in a later one", async () => {
    const f = await deployRegistryFixture();
    const [a, b] = f.accounts;
    for (const [i, s] of [a, b].entries()) {
      await f.registry.connect(s).registerSequencer(`enode://${i}`, "0x02", "0x", { value: ethers.parseEther("100") });
      await f.beacon!.connect(s).registerVRFKey(i + 1, operatorVrfKey(ethers.id(`vrf ${i}`)).pk);
    }
    // Weighted mode: each rotation consumes the round's draw and opens the next round.
    await f.registry.setParameter(Parameter.SelectionMode, SelectionMode.WeightedRandom);
    const rotate = async () => {
      await time.increase(3600);
      await f.registry.rotateSequencer();
    };
    await f.selection.requestRandomness();
    const key = operatorVrfKey(ethers.id("vrf 0"));
    const proof = proofTuple(proveVRF(key.sk, await roundSeed(f.beacon!)));
    await f.beacon!.commitVRF(proof);
    await expect(f.beacon!.commitVRF(proof)).to.be.revertedWithCustomError(f.beacon!, "BeaconNoOpenRound");
    // Round 2 belongs to sequencer 2: sequencer 1's old proof is the wrong key for it ...
    await rotate();
    await expect(f.beacon!.commitVRF(proof))
      .to.be.revertedWithCustomError(f.beacon!, "BeaconWrongKey")
      .withArgs(2n, vrfKeyHash(operatorVrfKey(ethers.id("vrf 1")).pk), vrfKeyHash(key.pk));
    await commitRound(f.beacon!, b, operatorVrfKey(ethers.id("vrf 1")));
    // ... and in round 3, sequencer 1's turn again, its round-1 proof is over the wrong seed.
    await rotate();
    expect((await f.beacon!.roundState())[1]).to.equal(1n);
    await expect(f.beacon!.commitVRF(proof)).to.be.reverted;
    await commitRound(f.beacon!, a, key);
  });

  describe("griefing", () => {
    it("dust bids never displace a bidder, and a full auction takes only a strictly higher bid", async () => {
      const f = await deployRegistryFixture();
      for (let i = 0; i < 5; i++)
        await f.registry.connect(f.accounts[i]).registerSequencer(`enode://${i}`, "0x02", "0x", { value: ethers.parseEther("100") });
      await f.selection.initAuction(600);
      const minBid = (await f.selection.getParameters()).minBid; // the reserve
      const bond = (await f.selection.auctionParameters()).bond;
      await expect(f.selection.connect(f.accounts[0]).placeBid(1, { value: 1n }))
        .to.be.revertedWithCustomError(f.selection, "SelectionBidTooLow")
        .withArgs(1n, minBid + bond);
      // Three seats and the price-setting loser fill the ranking; a fifth bid must beat its lowest.
      for (let i = 0; i < 4; i++) await f.selection.connect(f.accounts[i]).placeBid(1, { value: minBid + bond });
      await expect(f.selection.connect(f.accounts[4]).placeBid(1, { value: minBid + bond }))
        .to.be.revertedWithCustomError(f.selection, "SelectionBidTooLow")
        .withArgs(minBid, minBid + 1n);
      await f.selection.connect(f.accounts[4]).placeBid(1, { value: minBid + bond + 1n });
      expect((await f.selection.auctionDetails(1)).bidCount).to.equal(4n);
    });

    it("spam jobs: a thousand queued jobs do not raise the cost of submitting or scheduling one", async () => {
      const f = await deployRegistryFixture();
      await f.registry.connect(f.accounts[0]).registerSequencer("enode://w", "0x02", "0x", { value: ethers.parseEther("100") });
      await f.scheduler.registerCapabilities(1, {
        sequencerId: 1,
        availableFlops: 1000n * 10n ** 12n,
        availableMemory: 1n << 40n,
        networkBandwidth: 1n,
        supportedModels: [],
        hasTEE: false,
        hasGPU: true,
      });
      const deadline = (await time.latest()) + 86_400;
      const submit = (priority: number) =>
        f.scheduler.connect(f.accounts[1]).submitComputeJob(computeJob(10n ** 12n, 1n << 30n, deadline, priority), { value: 1n });
      // One spam job first, so the baseline already has a non-empty low-priority queue; then a warm-up (first
      // writes of the requester's record, queue heads, the sequencer's list), then the baseline.
      await submit(1);
      for (let i = 0; i < 2; i++) {
        await submit(5);
        await f.scheduler.scheduleNext(1);
      }
      const first = await gasOf(submit(5));
      const firstSchedule = await gasOf(f.scheduler.scheduleNext(1));
      for (let i = 0; i < 999; i++) await submit(1); // the spammer's dust jobs, 1 wei each
      const later = await gasOf(submit(5));
      const laterSchedule = await gasOf(f.scheduler.scheduleNext(1));
      expect(later).to.equal(first);
      expect(laterSchedule).to.equal(firstSchedule);
    });

    it("oversized job specs are refused before any state changes", async () => {
      const f = await deployRegistryFixture();
      const max = await f.scheduler.MAX_JOB_SPEC();
      const deadline = (await time.latest()) + 3600;
      const job = computeJob(10n ** 12n, 1n << 30n, deadline, 0, ethers.hexlify(new Uint8Array(Number(max) + 1)));
      await expect(f.scheduler.submitComputeJob(job, { value: 1n }))
        .to.be.revertedWithCustomError(f.scheduler, "SchedulerSpecTooLong")
        .withArgs(max + 1n, max);
      expect(await f.schedulerLens.accounting()).to.deep.equal([0n, 0n]);
    });

    it("many tiny delegations: dust is refused, and a hundred delegators do not change the cost of a slash or a reward", async () => {
      const f = await deployRegistryFixture();
      const [operator] = f.accounts;
      await f.registry.connect(operator).registerSequencer("enode://p", "0x02", "0x", { value: ethers.parseEther("1000") });
      const minDelegation = (await f.registry.getParameters()).minDelegation;
      await expect(f.registry.connect(f.accounts[1]).delegateStake(1, { value: minDelegation - 1n }))
        .to.be.revertedWithCustomError(f.registry, "RegistryDelegationTooSmall")
        .withArgs(minDelegation - 1n, minDelegation);
      await f.registry.connect(f.accounts[1]).delegateStake(1, { value: minDelegation });
      // Warm-up: the first slash and reward write slots from zero (insurance fund, accumulators).
      await f.registry.slash(1, 1000n);
      await f.registry.distributeRewards(1, { value: ethers.parseEther("1") });
      const slash1 = await gasOf(f.registry.slash(1, 1000n));
      const reward1 = await gasOf(f.registry.distributeRewards(1, { value: ethers.parseEther("1") }));
      for (let i = 0; i < 100; i++) {
        const w = ethers.Wallet.createRandom().connect(ethers.provider);
        await f.accounts[2].sendTransaction({ to: w.address, value: ethers.parseEther("2") });
        await f.registry.connect(w).delegateStake(1, { value: minDelegation });
      }
      expect(await gasOf(f.registry.slash(1, 1000n))).to.equal(slash1);
      expect(await gasOf(f.registry.distributeRewards(1, { value: ethers.parseEther("1") }))).to.equal(reward1);
    });
  });

  it("every benchmarked operation, at the largest set measured, stays far below the block gas limit", () => {
    // bench/results.json is written by `npm run bench` (committed); this keeps its worst case in view.
    const results = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "bench", "results.json"), "utf8")) as {
      gas: Record<string, Record<string, number>>;
    };
    const BLOCK_GAS_LIMIT = 15_000_000; // Lux C-Chain's target block gas, half the Hardhat network's 30M
    // Sweeps of a caller-chosen size (a threshold, a batch, a cluster, a committee: `.t64`, `.1000`, `.256`,
    // `.seats32`) must fit a block at their largest size; every other operation must stay under a tenth of one.
    const swept = /\.(t\d+|\d+|seats\d+)(\.|$)/;
    let measured = 0;
    for (const [operation, byN] of Object.entries(results.gas)) {
      // The largest set size the committed file holds (10,000 after a full `npm run bench`).
      const largest = Object.keys(byN).sort((a, b) => Number(b) - Number(a))[0];
      const gas = byN[largest];
      expect(gas, operation).to.be.a("number");
      expect(gas, operation).to.be.lessThan(swept.test(operation) ? BLOCK_GAS_LIMIT : BLOCK_GAS_LIMIT / 10);
      measured++;
    }
    expect(measured).to.be.greaterThan(25); // the committed file is a whole run, not a fragment
  });
});
