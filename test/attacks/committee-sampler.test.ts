import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { commitRound } from "../../sdk";
import { deployRegistryFixture } from "../helpers/fixtures";
import { withSequencers } from "../helpers/selection";
import { fulfil, mockRandomness, requestRandomness } from "../helpers/committee";

const E = (n: number | string) => ethers.parseEther(String(n));

/**
 * Attacker: anyone (operators of several sequencers, delegators, the randomness's committer, anyone with
 * transactions). Goal it must not reach: change which sequencers sit on an epoch's attestation committee once the
 * randomness that draws it is known, by moving stake, registering or exiting, by calling anything at a chosen
 * moment, or by having the committee drawn again.
 */
describe("Attacks on the attestation committee's draw", () => {
  async function eight() {
    const f = await deployRegistryFixture();
    const stakes = [100, 400, 300, 500, 350, 450, 250, 300];
    for (let i = 0; i < stakes.length; i++)
      await f.registry.connect(f.accounts[i]).registerSequencer(`enode://k${i}`, "0x02", "0x", { value: E(stakes[i]) });
    const source = await mockRandomness(f);
    return { ...f, source };
  }
  type F = Awaited<ReturnType<typeof eight>>;

  /** The seats of every account in the committee of the current epoch, as one comparable string. */
  async function seats(f: F) {
    const slot = await f.registry.currentSlot();
    const out: string[] = [];
    for (const a of f.accounts) out.push(String(await f.selection.committeeSeatsAt(slot, a.address)));
    const [ids, requestId] = await f.selection.committeeOf(slot / (await f.selection.committeeEpochSlots()));
    return `${out.join(",")} | ${ids.join(",")} | ${requestId}`;
  }

  it("moving stake, delegating, registering or exiting after the randomness is requested does not change the committee", async () => {
    const value = 0xc0ffeen; // known to the attacker (the committer, or anyone watching a slow relay) before it lands
    let honest = "";
    for (const attack of [false, true]) {
      const f = await loadFixture(eight);
      const id = await requestRandomness(f);
      if (attack) {
        const whale = f.accounts[30];
        await f.registry.connect(whale).registerSequencer("enode://whale", "0x02", "0x", { value: E(1_000_000) });
        await f.registry.connect(f.accounts[1]).increaseStake(2, { value: E(500_000) });
        await f.registry.connect(f.accounts[20]).delegateStake(3, { value: E(3_000) }); // within the delegation cap
        await f.registry.connect(f.accounts[3]).initiateExit(4);
      }
      await fulfil(f, f.source, id, value);
      const drawn = await seats(f);
      if (!attack) honest = drawn;
      else {
        expect(drawn).to.equal(honest);
        // 99% of the live stake, and not one seat: the draw read the weights frozen at the request.
        expect(await f.selection.committeeSeatsAt(await f.registry.currentSlot(), f.accounts[30].address)).to.equal(0n);
      }
    }
  });

  it("the moment the randomness lands within the epoch does not change the committee", async () => {
    let early = "";
    for (const late of [false, true]) {
      const f = await loadFixture(eight);
      const epochSlots = await f.selection.committeeEpochSlots();
      const epoch = (await f.registry.currentSlot()) / epochSlots;
      const id = await requestRandomness(f);
      if (late) await time.increase(6 * 3600); // a quarter of the (one-day) epoch later
      expect((await f.registry.currentSlot()) / epochSlots).to.equal(epoch);
      await fulfil(f, f.source, id, 77n);
      if (!late) early = await seats(f);
      else expect(await seats(f)).to.equal(early);
    }
  });

  it("nobody can draw an epoch's committee again, or choose the randomness that draws it", async () => {
    const f = await loadFixture(eight);
    const [attacker] = f.accounts.slice(25);
    await fulfil(f, f.source, await requestRandomness(f), 1n); // this epoch's committee
    const drawn = await seats(f);
    // Only the configured source fulfils, and only the pending request.
    await expect(f.selection.connect(attacker).fulfillRandomness(1, 999))
      .to.be.revertedWithCustomError(f.selection, "SelectionUnauthorizedRandomnessSource")
      .withArgs(attacker.address);
    // More randomness in the same epoch: a new turn, a new request, other values.
    for (let i = 0; i < 3; i++) {
      await time.increase((await f.registry.getConfig()).rotationPeriod);
      await (await f.registry.rotateSequencer()).wait();
      await fulfil(f, f.source, await requestRandomness(f), 1000n + BigInt(i));
      expect(await seats(f)).to.equal(drawn);
    }
    // Governance replacing the source (a fresh one, whose outputs it might know) does not re-draw it either.
    await time.increase((await f.registry.getConfig()).rotationPeriod);
    await (await f.registry.rotateSequencer()).wait();
    const other = await mockRandomness(f);
    await fulfil(f, other, await requestRandomness(f), 5n);
    expect(await seats(f)).to.equal(drawn);
  });

  it("a beacon committer that knows its output before committing cannot buy seats with stake added meanwhile", async () => {
    const f = await withSequencers([100, 400, 300, 500, 350, 450, 250, 300]);
    await (await f.selection.requestRandomness()).wait(); // weights frozen; the seed exists once this block is sealed
    const [, committerId] = await f.beacon!.roundState();
    const committer = f.signerOf.get(committerId)!;
    // The committer can compute its output now; it adds a huge sequencer and stake before publishing.
    const sock = f.accounts[33];
    await f.registry.connect(sock).registerSequencer("enode://sock", "0x02", "0x", { value: E(1_000_000) });
    await f.registry.connect(committer).increaseStake(committerId, { value: E(100_000) });
    const before = await f.selection.committeeSeatsAt(await f.registry.currentSlot(), committer.address);
    expect(before).to.equal(0n);
    await commitRound(f.beacon!, committer, f.keys.get(committerId)!);
    const slot = await f.registry.currentSlot();
    expect(BigInt((await f.selection.committeeAt(slot)).length)).to.equal(16n);
    expect(await f.selection.committeeSeatsAt(slot, sock.address)).to.equal(0n);
    // The committer holds at most what its frozen 500 of 2,650 LUX drew: with 16 seats, not the 97% it now has.
    expect((await f.selection.committeeSeatsAt(slot, committer.address)) < 12n).to.equal(true);
  });
});
