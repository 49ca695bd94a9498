import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { suiteParams } from "../../deploy";
import { operatorVrfKey, proveVRF, proofTuple, vrfOutput, vrfKeyHash, beaconSeed, roundSeed, commitRound, type VrfKey } from "../../sdk";
import { deployRegistryFixture } from "../helpers/fixtures";
import { withSequencers, type SelectionFixture } from "../helpers/selection";

/**
 * The beacon's committers and the sequencers next in line are adversaries: each would like to choose the
 * randomness that seeds the stake-weighted draws. A round's output must be the VRF output, over a seed that
 * exists only once the request's block is sealed, of the key the committer had in effect at that block.
 */
const LOW160 = (1n << 160n) - 1n;
const ROUND_TIMEOUT = 120n;

async function three(): Promise<SelectionFixture> {
  return withSequencers([100, 100, 100]);
}

/** A beacon whose round timeout (a day) outlasts the 256-block hash window. */
async function slowRounds(): Promise<SelectionFixture> {
  return withSequencers(
    [100, 100, 100],
    await deployRegistryFixture(suiteParams({ randomness: { kind: "beacon", roundTimeout: 86_400n } })),
  );
}

async function requestBlockHash(f: SelectionFixture): Promise<string> {
  const [requestBlock] = await f.beacon!.roundRequest();
  return (await ethers.provider.getBlock(requestBlock))!.hash!;
}

/** The attacker's grinding: of `n` candidate keys, the one whose output for `seed` is lowest. */
function grind(seed: bigint, label: string, n = 8): { key: VrfKey; output: bigint } {
  let best: { key: VrfKey; output: bigint } | undefined;
  for (let i = 0; i < n; i++) {
    const key = operatorVrfKey(ethers.id(`${label} ${i}`));
    const output = vrfOutput(proveVRF(key.sk, seed));
    if (!best || output < best.output) best = { key, output };
  }
  return best!;
}

/** Asserts the beacon and its consumer are untouched by a refused commit. */
async function expectRoundStillOpen(f: SelectionFixture, round: bigint, lastOutput: bigint) {
  const [r, , , open] = await f.beacon!.roundState();
  expect([r, open]).to.deep.equal([round, true]);
  expect(await f.beacon!.lastOutput()).to.equal(lastOutput);
  const [, pendingRequest] = await f.selection.randomnessState();
  expect(pendingRequest).to.equal(round); // the consumer still waits for this round
}

describe("Attacks: the VRF beacon's committers", () => {
  it("a committer cannot change the output of its own open round by registering a new key", async () => {
    const f = await loadFixture(three);
    const committerKey = f.keys.get(1n)!;
    const op1 = f.signerOf.get(1n)!;
    const genesis = await f.beacon!.lastOutput();
    await (await f.selection.requestRandomness()).wait();
    const [round, committer] = await f.beacon!.roundState();
    expect([round, committer]).to.deep.equal([1n, 1n]);
    const seed = await roundSeed(f.beacon!);
    const honest = vrfOutput(proveVRF(committerKey.sk, seed));

    // The committer sees the seed, grinds keys for a lower output than its own key gives, and registers it.
    const chosen = grind(seed, "committer 1 candidate");
    expect(chosen.output).to.not.equal(honest);
    const receipt = await (await f.beacon!.connect(op1).registerVRFKey(1, chosen.key.pk)).wait();
    expect(await f.beacon!.latestVRFKey(1)).to.deep.equal([vrfKeyHash(chosen.key.pk), BigInt(receipt!.blockNumber) + 1n]);
    // Registering once more in the same round changes nothing either.
    const other = operatorVrfKey(ethers.id("committer 1 second candidate"));
    await (await f.beacon!.connect(op1).registerVRFKey(1, other.pk)).wait();
    expect((await f.beacon!.roundRequest())[1]).to.equal(vrfKeyHash(committerKey.pk));

    for (const key of [chosen.key, other]) {
      await expect(f.beacon!.connect(op1).commitVRF(proofTuple(proveVRF(key.sk, seed))))
        .to.be.revertedWithCustomError(f.beacon!, "BeaconWrongKey")
        .withArgs(1n, vrfKeyHash(committerKey.pk), vrfKeyHash(key.pk));
      await expectRoundStillOpen(f, 1n, genesis);
    }

    // The only output the round can deliver is the one of the key in effect at the request block.
    await expect(f.beacon!.connect(op1).commitVRF(proofTuple(proveVRF(committerKey.sk, seed))))
      .to.emit(f.selection, "RandomnessFulfilled")
      .withArgs(1n, honest);
    expect(await f.beacon!.lastOutput()).to.equal(honest);
    expect((await f.selection.randomnessState()).randomness).to.equal(honest & LOW160);
    expect(seed).to.equal(beaconSeed(genesis, 1n, await requestBlockHash(f)));
    // The latest key is in effect for rounds requested from now on.
    expect(await f.beacon!.vrfKeyHash(1)).to.equal(vrfKeyHash(other.pk));
  });

  it("a key registered in the request's own block is not in effect for that round", async () => {
    const f = await loadFixture(three);
    const op1 = f.signerOf.get(1n)!;
    const late = operatorVrfKey(ethers.id("registered alongside the request"));
    // Ordered before the request, in the same block: it still does not count for the round.
    await ethers.provider.send("evm_setAutomine", [false]);
    let register, request;
    try {
      const fees = (tip: bigint) => ({
        maxFeePerGas: ethers.parseUnits("100", "gwei"),
        maxPriorityFeePerGas: ethers.parseUnits(String(tip), "gwei"),
      });
      register = await f.beacon!.connect(op1).registerVRFKey(1, late.pk, { gasLimit: 300_000, ...fees(3n) });
      request = await f.selection.requestRandomness({ gasLimit: 500_000, ...fees(1n) });
      await ethers.provider.send("evm_mine", []);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    const [registered, requested] = await Promise.all([register, request].map((t) => ethers.provider.getTransactionReceipt(t.hash)));
    expect([registered!.status, requested!.status]).to.deep.equal([1, 1]);
    expect(registered!.blockNumber).to.equal(requested!.blockNumber);
    expect(registered!.index).to.be.lessThan(requested!.index);
    const [requestBlock, roundKey] = await f.beacon!.roundRequest();
    expect((await f.beacon!.latestVRFKey(1))[1]).to.equal(requestBlock + 1n);
    expect(roundKey).to.equal(vrfKeyHash(f.keys.get(1n)!.pk));
    const seed = await roundSeed(f.beacon!);
    await expect(f.beacon!.connect(op1).commitVRF(proofTuple(proveVRF(late.sk, seed))))
      .to.be.revertedWithCustomError(f.beacon!, "BeaconWrongKey")
      .withArgs(1n, roundKey, vrfKeyHash(late.pk));
    const { output } = await commitRound(f.beacon!, op1, f.keys.get(1n)!);
    expect(output).to.equal(vrfOutput(proveVRF(f.keys.get(1n)!.sk, seed)));
    expect((await f.selection.randomnessState()).randomness).to.equal(output & LOW160);
  });

  it("a sequencer next in line cannot prepare a key for a round it may take over after a skip", async () => {
    const f = await loadFixture(three);
    const op2 = f.signerOf.get(2n)!;
    // Sequencer 2 replaced its key before the request: that one (not the fixture's) is the key in effect then.
    const before = operatorVrfKey(ethers.id("sequencer 2, registered before the request"));
    await (await f.beacon!.connect(op2).registerVRFKey(2, before.pk)).wait();
    const genesis = await f.beacon!.lastOutput();
    await (await f.selection.requestRandomness()).wait();
    const [requestBlock] = await f.beacon!.roundRequest();
    const seed = await roundSeed(f.beacon!);

    // Sequencer 2 expects sequencer 1 to withhold, grinds a key for the seed it will take over, registers it twice over.
    const prepared = grind(seed, "sequencer 2 candidate");
    await (await f.beacon!.connect(op2).registerVRFKey(2, operatorVrfKey(ethers.id("sequencer 2 decoy")).pk)).wait();
    await (await f.beacon!.connect(op2).registerVRFKey(2, prepared.key.pk)).wait();
    await time.increase(ROUND_TIMEOUT);
    await expect(f.beacon!.skipCommitter()).to.emit(f.beacon!, "CommitMissed").withArgs(1n, 1n);
    expect((await f.beacon!.roundState())[1]).to.equal(2n);
    // Same round, same request block, same seed: the key is the one sequencer 2 had at the request.
    expect(await f.beacon!.roundRequest()).to.deep.equal([requestBlock, vrfKeyHash(before.pk)]);
    expect(await roundSeed(f.beacon!)).to.equal(seed);

    await expect(f.beacon!.connect(op2).commitVRF(proofTuple(proveVRF(prepared.key.sk, seed))))
      .to.be.revertedWithCustomError(f.beacon!, "BeaconWrongKey")
      .withArgs(2n, vrfKeyHash(before.pk), vrfKeyHash(prepared.key.pk));
    await expectRoundStillOpen(f, 1n, genesis);
    const expected = vrfOutput(proveVRF(before.sk, seed));
    await expect(f.beacon!.connect(f.accounts[30]).commitVRF(proofTuple(proveVRF(before.sk, seed))))
      .to.emit(f.selection, "RandomnessFulfilled")
      .withArgs(1n, expected);
    expect((await f.selection.randomnessState()).randomness).to.equal(expected & LOW160);
    expect(await f.beacon!.missedRounds(1)).to.equal(1n);
    expect(await f.beacon!.missedRounds(2)).to.equal(0n);
  });

  it("nobody can compute a round's output before the request's block is sealed", async () => {
    const f = await loadFixture(three);
    const genesis = await f.beacon!.lastOutput();
    const key = f.keys.get(1n)!;

    // Two chain histories, identical up to the request except for one block's contents: round 1 over the same
    // previous output gets a different seed in each, so a seed cannot be known before its request block is.
    const fork = await takeSnapshot();
    await (await f.selection.requestRandomness()).wait();
    const seedA = await roundSeed(f.beacon!);
    expect(seedA).to.equal(beaconSeed(genesis, 1n, await requestBlockHash(f)));
    const outputA = (await commitRound(f.beacon!, f.signerOf.get(1n)!, key)).output;
    await fork.restore();
    await (await f.accounts[5].sendTransaction({ to: f.accounts[6].address, value: 1n })).wait();
    await (await f.selection.requestRandomness()).wait();
    const seedB = await roundSeed(f.beacon!);
    expect(seedB).to.equal(beaconSeed(genesis, 1n, await requestBlockHash(f)));
    expect(seedB).to.not.equal(seedA);
    // Without the block hash (the value it has in the request's own block: none) the seed is no round's seed.
    expect(seedB).to.not.equal(beaconSeed(genesis, 1n, ethers.ZeroHash));

    const outputB = (await commitRound(f.beacon!, f.signerOf.get(1n)!, key)).output;
    expect(outputB).to.equal(vrfOutput(proveVRF(key.sk, seedB)));
    expect(outputB).to.not.equal(outputA);

    // In the request's block itself no seed exists: round 2 requested and committed in one block (with the best
    // guess a committer has then, the zero hash) is refused, and the view reads 0 until the block is sealed.
    // (A rotation first: round 1's draw was made for this turn, and no second request is taken while it waits.)
    await time.increase(3600);
    await (await f.registry.rotateSequencer()).wait();
    const op2 = f.signerOf.get(2n)!;
    const guess = proofTuple(proveVRF(f.keys.get(2n)!.sk, beaconSeed(outputB, 2n, ethers.ZeroHash)));
    await ethers.provider.send("evm_setAutomine", [false]);
    let request, commit;
    try {
      // One sender (anyone may relay a proof): the nonces keep the request first in the block.
      request = await f.selection.requestRandomness({ gasLimit: 500_000 });
      commit = await f.beacon!.commitVRF(guess, { gasLimit: 2_000_000 });
      await ethers.provider.send("evm_mine", []);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    const requestReceipt = await ethers.provider.getTransactionReceipt(request.hash);
    const commitReceipt = await ethers.provider.getTransactionReceipt(commit.hash);
    expect(requestReceipt!.status).to.equal(1);
    expect(commitReceipt!.status).to.equal(0);
    expect(commitReceipt!.blockNumber).to.equal(requestReceipt!.blockNumber);
    expect(commitReceipt!.index).to.be.greaterThan(requestReceipt!.index);
    // Read in the context of the request's block (the latest), the open round has no seed yet.
    expect(await f.beacon!.currentSeed({ blockTag: "latest" })).to.equal(0n);
    const trace = await ethers.provider.send("debug_traceTransaction", [
      commit.hash,
      { disableStorage: true, disableStack: true, disableMemory: true },
    ]);
    const error = f.beacon!.interface.parseError("0x" + trace.returnValue.replace(/^0x/, ""));
    expect(error?.name).to.equal("BeaconSeedUnavailable");
    expect(error?.args.map((a: bigint) => a)).to.deep.equal([BigInt(requestReceipt!.blockNumber), BigInt(requestReceipt!.blockNumber)]);
    await expectRoundStillOpen(f, 2n, outputB);
    // Once the block is sealed the round's seed is fixed by its hash and the guess is worthless.
    const seed2 = await roundSeed(f.beacon!);
    expect(seed2).to.equal(beaconSeed(outputB, 2n, await requestBlockHash(f)));
    await expect(f.beacon!.connect(op2).commitVRF(guess)).to.be.reverted;
    const { output } = await commitRound(f.beacon!, op2, f.keys.get(2n)!);
    expect(output).to.equal(vrfOutput(proveVRF(f.keys.get(2n)!.sk, seed2)));
  });

  it("a commit after 256 blocks cannot wedge the beacon", async () => {
    const f = await loadFixture(slowRounds);
    const genesis = await f.beacon!.lastOutput();
    await (await f.selection.requestRandomness()).wait();
    const [requestBlock] = await f.beacon!.roundRequest();
    const [, , deadline] = await f.beacon!.roundState();
    const stale = proofTuple(proveVRF(f.keys.get(1n)!.sk, await roundSeed(f.beacon!)));
    await expect(f.beacon!.skipCommitter())
      .to.be.revertedWithCustomError(f.beacon!, "BeaconRoundNotTimedOut")
      .withArgs(deadline, requestBlock + 256n);

    // Sequencer 2 registers a key while the round is open; sequencer 1 withholds past the hash window.
    const k2 = operatorVrfKey(ethers.id("sequencer 2, during the expired round"));
    await (await f.beacon!.connect(f.signerOf.get(2n)!).registerVRFKey(2, k2.pk)).wait();
    await mine(256);
    const now = BigInt(await ethers.provider.getBlockNumber());
    expect(now).to.equal(requestBlock + 258n); // the registration, then 256 blocks
    expect(BigInt((await ethers.provider.getBlock("latest"))!.timestamp)).to.be.lessThan(deadline);
    await expect(f.beacon!.connect(f.signerOf.get(1n)!).commitVRF(stale))
      .to.be.revertedWithCustomError(f.beacon!, "BeaconSeedUnavailable")
      .withArgs(requestBlock, now + 1n);
    await expectRoundStillOpen(f, 1n, genesis);
    expect(await f.beacon!.currentSeed()).to.equal(0n);
    await expect(roundSeed(f.beacon!)).to.be.rejectedWith(/skipCommitter/);

    // Anyone re-opens it: the miss is recorded, the next committer takes it with a new request block and seed.
    const skip = await (await f.beacon!.connect(f.accounts[30]).skipCommitter()).wait();
    const reopened = BigInt(skip!.blockNumber);
    const newDeadline = BigInt((await ethers.provider.getBlock(reopened))!.timestamp) + 86_400n;
    await expect(skip).to.emit(f.beacon!, "CommitMissed").withArgs(1n, 1n);
    await expect(skip).to.emit(f.beacon!, "RoundOpened").withArgs(1n, 2n, newDeadline, reopened);
    expect(await f.beacon!.missedRounds(1)).to.equal(1n);
    // The re-opened round is requested in the skip's block: the key sequencer 2 had in effect there counts.
    expect(await f.beacon!.roundRequest()).to.deep.equal([reopened, vrfKeyHash(k2.pk)]);
    const seed = await roundSeed(f.beacon!);
    expect(seed).to.equal(beaconSeed(genesis, 1n, await requestBlockHash(f)));
    await expect(f.beacon!.connect(f.signerOf.get(1n)!).commitVRF(stale)).to.be.revertedWithCustomError(f.beacon!, "BeaconWrongKey");
    const expected = vrfOutput(proveVRF(k2.sk, seed));
    await expect(f.beacon!.connect(f.signerOf.get(2n)!).commitVRF(proofTuple(proveVRF(k2.sk, seed))))
      .to.emit(f.selection, "RandomnessFulfilled")
      .withArgs(1n, expected);
    expect((await f.selection.randomnessState()).randomness).to.equal(expected & LOW160);
    // The next round opens normally after it, with the rotation that consumes this round's draw.
    await time.increase(3600);
    await (await f.registry.rotateSequencer()).wait();
    await (await f.selection.requestRandomness()).wait();
    expect((await f.beacon!.roundState()).slice(0, 2)).to.deep.equal([2n, 3n]);
  });
});
