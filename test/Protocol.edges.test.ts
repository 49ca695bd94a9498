import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySuite, suiteParams, SelectionMode, Parameter } from "../deploy";
import { encryptForCommittee, encryptTimelocked, packEncrypted } from "../sdk";
import { deployRegistryFixture } from "./helpers/fixtures";
import { mevFixture } from "./helpers/mev";
import { trainingFixture } from "./helpers/training";

const E = (n: string | number) => ethers.parseEther(String(n));
const coder = ethers.AbiCoder.defaultAbiCoder();

describe("Edge cases: MEV, training, the VRF beacon and selection", () => {
  describe("MEVMitigation", () => {
    it("needs a committee before anything is submitted", async () => {
      const f = await deployRegistryFixture();
      const payload = packEncrypted([], new Uint8Array(33), "0x01");
      await expect(f.mev.submitEncrypted(payload, ethers.id("c"))).to.be.revertedWithCustomError(f.mev, "MEVNoCommittee");
      await expect(f.mev.expireTransaction(ethers.id("nothing"))).to.be.revertedWithCustomError(f.mev, "MEVUnknownTransaction");
    });

    it("bounds lock durations, committee size and calibration, and refuses malformed time-locked payloads", async () => {
      const f = await loadFixture(mevFixture);
      const max = 30n * 86400n;
      await expect(f.mev.submitTimelocked("0x", 0)).to.be.revertedWithCustomError(f.mev, "MEVLockDurationOutOfRange").withArgs(0n, 1n, max);
      await expect(f.mev.submitTimelocked("0x", max + 1n))
        .to.be.revertedWithCustomError(f.mev, "MEVLockDurationOutOfRange")
        .withArgs(max + 1n, 1n, max);
      await expect(f.mev.submitTimelocked("0x1234", 10)).to.be.revertedWithCustomError(f.mev, "MEVMalformedPayload");
      await expect(f.mev.submitTimelocked(ethers.ZeroHash, 10)).to.be.revertedWithCustomError(f.mev, "MEVZeroCommitment");
      const many = Array.from({ length: 65 }, (_, i) => ethers.getAddress(ethers.toBeHex(i + 1, 20)));
      await expect(f.mev.connect(f.governanceSigner).initThresholdDecryption(3, many))
        .to.be.revertedWithCustomError(f.mev, "MEVCommitteeTooLarge")
        .withArgs(65n, 64n);
      const g = f.mev.connect(f.governanceSigner);
      await expect(g.setRevealWindow(59)).to.be.revertedWithCustomError(f.mev, "MEVParameterOutOfBounds");
      await expect(g.setRevealWindow(7 * 86400 + 1)).to.be.revertedWithCustomError(f.mev, "MEVParameterOutOfBounds");
      await expect(g.setVDFCalibration(999)).to.be.revertedWithCustomError(f.mev, "MEVParameterOutOfBounds");
      await expect(g.setVDFCalibration(100_000_001)).to.be.revertedWithCustomError(f.mev, "MEVParameterOutOfBounds");
    });

    it("proves elapsed time only for a pending time-locked transaction", async () => {
      const f = await loadFixture(mevFixture);
      const sealed = encryptForCommittee(ethers.hexlify(ethers.randomBytes(40)), f.publicKeys, 3);
      const id = await f.mev.submitEncrypted.staticCall(sealed.encryptedTx, ethers.keccak256(sealed.payload));
      await f.mev.submitEncrypted(sealed.encryptedTx, ethers.keccak256(sealed.payload));
      await expect(f.mev.proveTimeElapsed(id, "0x")).to.be.revertedWithCustomError(f.mev, "MEVNotTimelocked").withArgs(id);
      // One second at the deployed calibration needs this many squarings; the sender's trapdoor makes sealing cheap.
      const squarings = (await f.mev.configuration()).squaringsPerSecond;
      const timelockedPayload = encryptTimelocked(ethers.hexlify(ethers.randomBytes(40)), squarings).encryptedTx;
      const lockId = await f.mev.submitTimelocked.staticCall(timelockedPayload, 1);
      await f.mev.submitTimelocked(timelockedPayload, 1);
      await time.increase(2 * 86400);
      await f.mev.expireTransaction(lockId);
      await expect(f.mev.proveTimeElapsed(lockId, "0x")).to.be.revertedWithCustomError(f.mev, "MEVAlreadyFinalized").withArgs(lockId);
    });

    it("a share against commitments that are not curve points is rejected, not accepted", async () => {
      const f = await loadFixture(mevFixture);
      const junk: [bigint, bigint][] = [
        [1n, 3n],
        [5n, 7n],
        [11n, 13n],
      ];
      const payload = packEncrypted(junk, new Uint8Array(33), "0x1234");
      const id = await f.mev.submitEncrypted.staticCall(payload, ethers.id("c"));
      await f.mev.submitEncrypted(payload, ethers.id("c"));
      const share = coder.encode(["uint256", "uint256[2][]", "bytes32"], [42n, junk, ethers.keccak256("0x1234")]);
      await expect(f.mev.connect(f.validators[0]).submitKeyShare(id, share))
        .to.be.revertedWithCustomError(f.mev, "MEVInvalidKeyShare")
        .withArgs(id, f.validators[0].address);
    });
  });

  describe("TrainingCoordinator", () => {
    const shard = (i: number, seq: number) => ({
      shardId: ethers.id(`s${i}`),
      sequencerId: seq,
      dataHash: ethers.id(`d${i}`),
      numSamples: 10,
      startIndex: i * 10,
      endIndex: i * 10 + 10,
    });

    async function cluster() {
      const f = await trainingFixture();
      const id = await f.training.createTrainingCluster.staticCall([1, 2, 3], ethers.id("m"));
      await f.training.createTrainingCluster([1, 2, 3], ethers.id("m"));
      return { ...f, id };
    }

    it("bounds cluster size and configuration", async () => {
      const f = await loadFixture(cluster);
      // Created with at most 64 members (a creation must fit a block comfortably); more join one by one.
      const ids = Array.from({ length: 65 }, (_, i) => i + 1);
      await expect(f.training.createTrainingCluster(ids, ethers.id("m")))
        .to.be.revertedWithCustomError(f.training, "TrainingTooManyInitialMembers")
        .withArgs(65n, 64n);
      for (const [q, d] of [
        [0, 3600],
        [10_001, 3600],
        [5000, 0],
        [5000, 366 * 86400],
      ]) {
        await expect(f.training.configureCluster(f.id, 3, q, d)).to.be.revertedWithCustomError(f.training, "TrainingInvalidConfiguration");
      }
    });

    it("refuses non-members, malformed and unknown shards, and checkpoints outside the run", async () => {
      const f = await loadFixture(cluster);
      await expect(f.training.connect(f.accounts[5]).leaveCluster(f.id, 6))
        .to.be.revertedWithCustomError(f.training, "TrainingNotMember")
        .withArgs(f.id, 6n);
      await expect(f.training.reportFailure(f.id, 6)).to.be.revertedWithCustomError(f.training, "TrainingNotMember").withArgs(f.id, 6n);
      await expect(f.training.assignDataShard(f.id, 1, { ...shard(0, 1), shardId: ethers.ZeroHash })).to.be.revertedWithCustomError(
        f.training,
        "TrainingInvalidShard",
      );
      await expect(f.training.assignDataShard(f.id, 1, shard(0, 2))).to.be.revertedWithCustomError(f.training, "TrainingInvalidShard");
      await expect(f.training.replicateShard(ethers.id("none"), 2)).to.be.revertedWithCustomError(f.training, "TrainingUnknownShard");
      await expect(f.training.getShard(ethers.id("none"))).to.be.revertedWithCustomError(f.training, "TrainingUnknownShard");
      await expect(f.training.saveCheckpoint(f.id, 0, ethers.id("x")))
        .to.be.revertedWithCustomError(f.training, "TrainingWrongEpoch")
        .withArgs(0n, 1n);
      await expect(f.training.saveCheckpoint(f.id, 2, ethers.id("x")))
        .to.be.revertedWithCustomError(f.training, "TrainingWrongEpoch")
        .withArgs(2n, 1n);
      await f.training.saveCheckpoint(f.id, 1, ethers.id("x"));
      await expect(f.training.restoreFromCheckpoint(f.id, 2)).to.be.revertedWithCustomError(f.training, "TrainingUnknownCheckpoint");
      const [, , , , deadline] = await f.training.getEpoch(f.id, 5); // not the current epoch: no deadline
      expect(deadline).to.equal(0n);
    });

    it("stops broadcasting at the configured last epoch", async () => {
      const f = await loadFixture(cluster);
      await f.training.configureCluster(f.id, 1, 6_667, 3600);
      for (let i = 0; i < 3; i++) {
        await f.training
          .connect(f.accounts[i])
          .submitGradient({ clusterId: f.id, sequencerId: i + 1, epoch: 1, gradientHash: ethers.id(`g${i}`), loss: 1, timestamp: 0 });
      }
      await f.training.aggregateGradients(f.id, 1);
      // Epoch 1 is the last one: its weights are broadcast, then no gradient (and so no broadcast) follows.
      await expect(f.training.broadcastWeights(f.id, ethers.id("w")))
        .to.emit(f.training, "WeightsBroadcast")
        .withArgs(f.id, ethers.id("w"));
      await expect(
        f.training
          .connect(f.accounts[0])
          .submitGradient({ clusterId: f.id, sequencerId: 1, epoch: 2, gradientHash: ethers.id("g late"), loss: 1, timestamp: 0 }),
      )
        .to.be.revertedWithCustomError(f.training, "TrainingTrainingFinished")
        .withArgs(f.id, 1n);
      await expect(f.training.broadcastWeights(f.id, ethers.id("w2")))
        .to.be.revertedWithCustomError(f.training, "TrainingEpochNotAggregated")
        .withArgs(f.id, 2n);
      expect((await f.training.clusterState(f.id)).weightsHash).to.equal(ethers.id("w"));
    });
  });

  describe("VRFBeacon", () => {
    it("refuses a zero timeout, keys off the curve or for another's sequencer, and rounds with nobody active", async () => {
      const f = await deployRegistryFixture();
      const factory = await ethers.getContractFactory("VRFBeacon");
      await expect(factory.deploy(f.registryAddress, await f.selection.getAddress(), 0)).to.be.revertedWithCustomError(
        f.beacon!,
        "BeaconZeroTimeout",
      );
      await f.registry.connect(f.accounts[0]).registerSequencer("enode://a", "0x02", "0x", { value: E(100) });
      await expect(f.beacon!.connect(f.accounts[1]).registerVRFKey(1, [1n, 2n]))
        .to.be.revertedWithCustomError(f.beacon!, "BeaconNotOperator")
        .withArgs(1n, f.accounts[1].address);
      await expect(f.beacon!.connect(f.accounts[0]).registerVRFKey(0, [1n, 2n])).to.be.revertedWithCustomError(
        f.beacon!,
        "BeaconNotOperator",
      );
      const p = 2n ** 256n - 2n ** 32n - 977n;
      await expect(f.beacon!.connect(f.accounts[0]).registerVRFKey(1, [p, 1n]))
        .to.be.revertedWithCustomError(f.beacon!, "BeaconInvalidKey")
        .withArgs(p, 1n);
      await expect(f.beacon!.connect(f.accounts[0]).registerVRFKey(1, [1n, 1n]))
        .to.be.revertedWithCustomError(f.beacon!, "BeaconInvalidKey")
        .withArgs(1n, 1n);
      expect(await f.beacon!.latestVRFKey(1)).to.deep.equal([ethers.ZeroHash, 0n]); // nothing was registered
      await expect(f.beacon!.skipCommitter()).to.be.revertedWithCustomError(f.beacon!, "BeaconNoOpenRound");

      // The only committer leaves during its round: nobody is left to pass it to.
      await f.selection.requestRandomness();
      await f.registry.connect(f.accounts[0]).initiateExit(1);
      await time.increase(121);
      await expect(f.beacon!.skipCommitter()).to.be.revertedWithCustomError(f.beacon!, "BeaconNoActiveSequencer");
    });

    it("opens no round without an Active sequencer, and one round at a time", async () => {
      const suite = await deploySuite(hre, suiteParams());
      // Act as the consumer (the selection contract) directly.
      const selection = await suite.selection.getAddress();
      await hre.network.provider.send("hardhat_impersonateAccount", [selection]);
      await hre.network.provider.send("hardhat_setBalance", [selection, "0xde0b6b3a7640000"]);
      const consumer = await ethers.getSigner(selection);
      await expect(suite.beacon!.connect(consumer).requestRandomness()).to.be.revertedWithCustomError(
        suite.beacon!,
        "BeaconNoActiveSequencer",
      );
      const [, operator] = await ethers.getSigners();
      await suite.registry.connect(operator).registerSequencer("enode://a", "0x02", "0x", { value: E(100) });
      await suite.beacon!.connect(consumer).requestRandomness();
      await expect(suite.beacon!.connect(consumer).requestRandomness())
        .to.be.revertedWithCustomError(suite.beacon!, "BeaconRoundAlreadyOpen")
        .withArgs(1n);
    });
  });

  describe("SelectionMechanisms", () => {
    it("bounds its construction and parameters", async () => {
      const f = await deployRegistryFixture();
      const factory = await ethers.getContractFactory("SelectionMechanisms");
      const p = f.params.selection;
      const init = {
        admin: ethers.ZeroAddress,
        registry: f.registryAddress,
        minScore: p.minScore,
        auctionWinners: p.auctionWinners,
        turnsPerAuction: p.turnsPerAuction,
        minBid: p.minBid,
        hybridWeights: p.hybridWeights,
        rewardsRecipient: f.governance,
        committeeSize: 16,
        committeeEpochSlots: 7200,
        auction: {
          bond: p.auctionBond,
          revealPeriod: p.revealPeriod,
          disputePeriod: p.disputePeriod,
          capWins: p.capWins,
          capWindow: p.capWindow,
        },
      };
      await expect(factory.deploy(init)).to.be.revertedWithCustomError(f.selection, "SelectionZeroAddress");
      await expect(factory.deploy({ ...init, admin: f.governance, registry: ethers.ZeroAddress })).to.be.revertedWithCustomError(
        f.selection,
        "SelectionZeroAddress",
      );
      const valid = { ...init, admin: f.governance };
      for (const [change, name, value] of [
        [{ committeeSize: 0 }, "committeeSize", 0n],
        [{ committeeSize: 33 }, "committeeSize", 33n],
        [{ committeeEpochSlots: 0 }, "committeeEpochSlots", 0n],
        [{ committeeEpochSlots: 2n ** 64n }, "committeeEpochSlots", 2n ** 64n],
        [{ auction: { ...valid.auction, revealPeriod: 0n } }, "revealPeriod", 0n],
      ] as const) {
        await expect(factory.deploy({ ...valid, ...change }))
          .to.be.revertedWithCustomError(f.selection, "SelectionParameterOutOfBounds")
          .withArgs(ethers.encodeBytes32String(name), value, anyValue, anyValue);
      }
      const s = f.selection;
      await expect(s.setParameters(p.minScore, 0, 12, p.minBid)).to.be.revertedWithCustomError(s, "SelectionParameterOutOfBounds");
      await expect(s.setParameters(p.minScore, 9, 12, p.minBid)).to.be.revertedWithCustomError(s, "SelectionParameterOutOfBounds");
      await expect(s.setParameters(p.minScore, 3, 2, p.minBid)).to.be.revertedWithCustomError(s, "SelectionParameterOutOfBounds");
      await expect(s.setParameters(p.minScore, 3, 65, p.minBid)).to.be.revertedWithCustomError(s, "SelectionParameterOutOfBounds");
      await expect(s.setParameters(p.minScore, 3, 12, 0)).to.be.revertedWithCustomError(s, "SelectionParameterOutOfBounds");
      await expect(s.setParameters(p.minScore, 3, 12, 2n ** 128n)).to.be.revertedWithCustomError(s, "SelectionParameterOutOfBounds");
      await expect(s.initAuction(59)).to.be.revertedWithCustomError(s, "SelectionInvalidDuration");
      await expect(s.initAuction(30 * 86400 + 1)).to.be.revertedWithCustomError(s, "SelectionInvalidDuration");
    });

    it("refuses unknown randomness requests from the source, and an auction with no insurance fee pays all proceeds", async () => {
      const f = await deployRegistryFixture(suiteParams({ registry: { parameters: { insuranceFeeBps: 0n } } }));
      const source = await f.beacon!.getAddress();
      await hre.network.provider.send("hardhat_impersonateAccount", [source]);
      await hre.network.provider.send("hardhat_setBalance", [source, "0xde0b6b3a7640000"]);
      const asSource = f.selection.connect(await ethers.getSigner(source));
      await expect(asSource.fulfillRandomness(0, 1))
        .to.be.revertedWithCustomError(f.selection, "SelectionUnknownRandomnessRequest")
        .withArgs(0n);
      await expect(asSource.fulfillRandomness(7, 1))
        .to.be.revertedWithCustomError(f.selection, "SelectionUnknownRandomnessRequest")
        .withArgs(7n);

      await f.registry.connect(f.accounts[0]).registerSequencer("enode://a", "0x02", "0x", { value: E(100) });
      await f.selection.initAuction(60);
      await f.selection.connect(f.accounts[0]).placeBid(1, { value: E(3) }); // bids 2 (and a 1-LUX bond)
      await time.increase(61);
      const fund = await f.registry.insuranceFund();
      await f.selection.finalizeAuction(1);
      expect(await f.registry.insuranceFund()).to.equal(fund);
      // The only bid lost to nobody: it pays the reserve (1 LUX), all of it to the rewards recipient.
      expect(await f.registry.withdrawableBalance(f.governance)).to.equal(E(1));
    });

    it("performance selection needs the minimum score; below it, round-robin decides", async () => {
      const f = await deployRegistryFixture();
      await f.registry.connect(f.accounts[0]).registerSequencer("enode://a", "0x02", "0x", { value: E(100) });
      await f.registry.connect(f.accounts[1]).registerSequencer("enode://b", "0x02", "0x", { value: E(100) });
      await f.registry.grantRole(await f.registry.MONITOR_ROLE(), f.governance);
      // Performance: nobody reaches minScore, so round-robin decides.
      await f.registry.setParameter(Parameter.SelectionMode, SelectionMode.Performance);
      await time.increase(3600);
      await f.registry.rotateSequencer();
      expect(await f.registry.currentSequencerId()).to.equal(2n);
      await f.registry.updatePerformance(1, 9_000);
      await time.increase(3600);
      await f.registry.rotateSequencer();
      expect(await f.registry.currentSequencerId()).to.equal(1n);
    });
  });
});
