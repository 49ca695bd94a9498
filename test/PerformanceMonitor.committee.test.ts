import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { collectBlockAttestations, type BlockAttestation } from "../sdk";
import { deployRegistryFixture, type RegistryFixture } from "./helpers/fixtures";
import {
  committeeAt,
  committeeThreshold,
  drawCommittee,
  mockRandomness,
  quorum,
  quorumSignatures,
  requestRandomness,
} from "./helpers/committee";

const E = (n: string | number) => ethers.parseEther(String(n));

/**
 * The attestation committee: a fixed number of seats per epoch, drawn by stake when randomness arrives; an attested
 * block needs more than two thirds of its seats, from members still Active, and costs the same whatever the set.
 */
describe("PerformanceMonitor: attestation committee", () => {
  async function withSet(n: number) {
    const f = await deployRegistryFixture();
    for (let i = 0; i < n; i++)
      await f.registry.connect(f.accounts[i]).registerSequencer(`enode://c${i}`, "0x02", "0x", { value: E(1000) });
    const source = await mockRandomness(f);
    return { ...f, source };
  }
  const none = () => withSet(0);
  const six = () => withSet(6);
  const thirtyFive = () => withSet(35);
  type F = Awaited<ReturnType<typeof withSet>>;

  // A block first: after a snapshot is restored the latest block keeps the time it was taken at, and the views
  // below would read a slot the next transaction (mined at the wall clock's time) may already be two slots past.
  const attestation = async (f: RegistryFixture, over: Partial<BlockAttestation> = {}): Promise<BlockAttestation> => {
    await mine();
    return {
      sequencerId: await f.registry.currentSequencerId(),
      slot: await f.registry.currentSlot(),
      blockNumber: 77n,
      blockHash: ethers.id("block 77"),
      gasUsed: 5_000_000n,
      txCount: 300n,
      ...over,
    };
  };
  const epochOf = async (f: F, slot: bigint) => slot / (await f.selection.committeeEpochSlots());
  const seatsOf = async (f: F, slot: bigint) => {
    let total = 0n;
    for (const a of f.accounts) total += await f.selection.committeeSeatsAt(slot, a.address);
    return total;
  };

  it("draws committeeSize seats by stake whatever the size of the Active set, once per epoch", async () => {
    for (const fixture of [six, thirtyFive]) {
      const f = await loadFixture(fixture);
      const slot = await f.registry.currentSlot();
      const epoch = await epochOf(f, slot);
      await expect(f.selection.requestRandomness()).to.emit(f.selection, "RandomnessRequested");
      await expect(f.source.fulfil(await f.selection.getAddress(), 1, 504n)).to.emit(f.selection, "CommitteeDrawn");
      const [seatIds, requestId] = await f.selection.committeeOf(epoch);
      expect(seatIds.length).to.equal(16);
      expect(requestId).to.equal(1n);
      expect(await f.selection.committeeSize()).to.equal(16n);
      expect(BigInt((await f.selection.committeeAt(slot)).length)).to.equal(16n);
      // Seats are counted per member: with replacement, one member may hold several; they add up to the size.
      expect(await seatsOf(f, slot)).to.equal(16n);
      for (const id of seatIds) expect(await f.registry.isActiveSequencer(await f.registry.operatorOf(id))).to.equal(true);
    }
  });

  it("weights the seats by stake", async () => {
    const f = await loadFixture(six);
    // A whale with 1,000 times the stake of each other sequencer.
    const whale = f.accounts[30];
    await f.registry.connect(whale).registerSequencer("enode://whale", "0x02", "0x", { value: E(1_000_000) });
    await drawCommittee(f, f.source);
    const slot = await f.registry.currentSlot();
    // 99.5% of the stake: all 16 seats with probability 0.92, at least 14 with probability 0.9996.
    expect((await f.selection.committeeSeatsAt(slot, whale.address)) >= 14n).to.equal(true);
  });

  it("refuses attested blocks of an epoch without a committee, and never re-draws one", async () => {
    const f = await loadFixture(six);
    const a = await attestation(f);
    await expect(f.monitor.recordAttestedBlock(a, [])).to.be.revertedWithCustomError(f.monitor, "MonitorNoCommittee").withArgs(a.slot);
    // The first randomness draws this epoch's committee; the next the following epoch's; later ones nothing.
    await drawCommittee(f, f.source, 1n);
    const epoch = await epochOf(f, a.slot);
    const [first] = await f.selection.committeeOf(epoch);
    await time.increase((await f.registry.getConfig()).rotationPeriod);
    await (await f.registry.rotateSequencer()).wait(); // a new turn: randomness may be requested again
    await drawCommittee(f, f.source, 2n);
    const [next, nextRequest] = await f.selection.committeeOf(epoch + 1n);
    expect(next.length).to.equal(16);
    expect(nextRequest).to.equal(2n);
    await time.increase((await f.registry.getConfig()).rotationPeriod);
    await (await f.registry.rotateSequencer()).wait();
    await f.selection.requestRandomness();
    await expect(f.source.fulfil(await f.selection.getAddress(), 3, 3n)).not.to.emit(f.selection, "CommitteeDrawn");
    expect((await f.selection.committeeOf(epoch))[0]).to.deep.equal(first);
    expect((await f.selection.committeeOf(epoch + 1n))[0]).to.deep.equal(next);
    // Two epochs on, nobody asked for randomness: no committee, no attested blocks (the reporter path remains).
    await time.increase(2n * 7200n * 12n);
    const late = await attestation(f);
    expect(await epochOf(f, late.slot)).to.equal(epoch + 2n);
    await expect(f.monitor.recordAttestedBlock(late, []))
      .to.be.revertedWithCustomError(f.monitor, "MonitorNoCommittee")
      .withArgs(late.slot);
  });

  it("draws no committee from randomness that finds no Active stake, and answers views of undrawn epochs with nothing", async () => {
    const f = await loadFixture(none);
    const slot = await f.registry.currentSlot();
    const epoch = await epochOf(f, slot);
    const id = await requestRandomness(f);
    await expect(f.source.fulfil(await f.selection.getAddress(), id, 9n)).not.to.emit(f.selection, "CommitteeDrawn");
    expect(await f.selection.committeeAt(slot)).to.deep.equal([]);
    expect((await f.selection.committeeOf(epoch))[1]).to.equal(0n);
    expect(await f.selection.committeeSeatsAt(slot, f.accounts[0].address)).to.equal(0n);
    // Sequencers join later: the next randomness draws this epoch's committee over them.
    for (let i = 0; i < 3; i++)
      await f.registry.connect(f.accounts[i]).registerSequencer(`enode://late${i}`, "0x02", "0x", { value: E(1000) });
    await drawCommittee(f, f.source, 10n);
    expect((await f.selection.committeeAt(slot)).length).to.equal(16);
    // An operator that is not a sequencer holds no seat; the seats of the three add up to 16.
    expect(await f.selection.committeeSeatsAt(slot, f.accounts[9].address)).to.equal(0n);
    expect(await seatsOf(f, slot)).to.equal(16n);
  });

  it("refuses attested blocks when no selection module is wired (round-robin without a module)", async () => {
    const f = await loadFixture(six);
    await drawCommittee(f, f.source);
    await f.registry.connect(f.governanceSigner).setSelectionModule(ethers.ZeroAddress);
    const a = await attestation(f);
    await expect(f.monitor.recordAttestedBlock(a, [])).to.be.revertedWithCustomError(f.monitor, "MonitorNoCommittee").withArgs(a.slot);
  });

  it("counts seats, not signers: one seat short of ⌊2·size/3⌋ + 1 is refused", async () => {
    const f = await loadFixture(six);
    await drawCommittee(f, f.source);
    const a = await attestation(f);
    const { signers, seats, threshold } = await quorum(f, a.slot, f.accounts);
    expect(threshold).to.equal(committeeThreshold(16n)).and.to.equal(11n);
    const members = await committeeAt(f, a.slot);
    // Drop the quorum's last (fewest seats) member: the rest hold fewer than the threshold.
    const rest = seats - members[signers.length - 1][1];
    expect(rest < threshold).to.equal(true);
    const monitor = await f.monitor.getAddress();
    await expect(f.monitor.recordAttestedBlock(a, await collectBlockAttestations(signers.slice(0, -1), monitor, f.chainId, a)))
      .to.be.revertedWithCustomError(f.monitor, "MonitorNotEnoughAttestations")
      .withArgs(rest, threshold);
    await expect(f.monitor.recordAttestedBlock(a, await collectBlockAttestations(signers, monitor, f.chainId, a)))
      .to.emit(f.monitor, "BlockAttested")
      .withArgs(a.sequencerId, a.slot, a.blockHash, seats);
  });

  it("refuses a member that left the Active set after the draw, and a sequencer that joined after it", async () => {
    const f = await loadFixture(six);
    await drawCommittee(f, f.source);
    const a = await attestation(f);
    const current = await f.registry.operatorOf(a.sequencerId);
    const members = await committeeAt(f, a.slot);
    // A member other than the sequencer on duty exits.
    const [leaver] = members.find(([op]) => op !== current)!;
    const leaverSigner = f.accounts.find((s) => s.address === leaver)!;
    await f.registry.connect(leaverSigner).initiateExit(await f.registry.sequencerIdOf(leaver));
    expect(await f.registry.isActiveSequencer(leaver)).to.equal(false);
    const everyone = members.map(([op]) => f.accounts.find((s) => s.address === op)!);
    const monitor = await f.monitor.getAddress();
    const signed = await collectBlockAttestations(everyone, monitor, f.chainId, a);
    const index = [...everyone]
      .map((s) => BigInt(s.address))
      .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
      .indexOf(BigInt(leaver));
    await expect(f.monitor.recordAttestedBlock(a, signed))
      .to.be.revertedWithCustomError(f.monitor, "MonitorMemberNotActive")
      .withArgs(BigInt(index), leaver);
    // A newcomer is Active but holds no seat in this epoch's committee.
    const newcomer = f.accounts[31];
    await f.registry.connect(newcomer).registerSequencer("enode://new", "0x02", "0x", { value: E(1000) });
    const withNewcomer = await collectBlockAttestations([newcomer], monitor, f.chainId, a);
    await expect(f.monitor.recordAttestedBlock(a, withNewcomer))
      .to.be.revertedWithCustomError(f.monitor, "MonitorNotCommitteeMember")
      .withArgs(0n, newcomer.address);
    expect(await f.monitor.blockProducer(a.blockNumber)).to.equal(0n);
  });

  it("reads the registry and the committee a fixed number of times per signer, whatever the size of the Active set", async () => {
    const counts: Record<string, number>[] = [];
    for (const fixture of [six, thirtyFive]) {
      const f = await loadFixture(fixture);
      await drawCommittee(f, f.source);
      const a = await attestation(f);
      const { signatures } = await quorumSignatures(f, f.accounts, a);
      const tx = await f.monitor.recordAttestedBlock(a, signatures);
      const trace = (await network.provider.send("debug_traceTransaction", [tx.hash, { disableMemory: true, disableStorage: true }])) as {
        structLogs: { op: string; depth: number; stack?: string[] }[];
      };
      const registry = (await f.registry.getAddress()).toLowerCase();
      const selection = (await f.selection.getAddress()).toLowerCase();
      const count: Record<string, number> = { registry: 0, committee: 0, ecrecover: 0, other: 0 };
      for (const log of trace.structLogs) {
        if (!["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"].includes(log.op)) continue; // any frame
        const target =
          "0x" +
          BigInt("0x" + log.stack![log.stack!.length - 2])
            .toString(16)
            .padStart(40, "0");
        if (target === registry) count.registry++;
        else if (target === selection) count.committee++;
        else if (BigInt(target) === 1n) count.ecrecover++;
        else count.other++;
      }
      const signers = signatures.length;
      // The registry: current sequencer, fallback, slot, selection module, then per signer its id and whether it is
      // Active. The committee: once, for its seat ids.
      expect(count).to.deep.equal({ registry: 4 + 2 * signers, committee: 1, ecrecover: signers, other: 0 });
      counts.push({ ...count, signers });
    }
    expect(counts[0].signers <= 11 && counts[1].signers <= 11).to.equal(true);
  });
});
