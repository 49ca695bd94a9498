import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { registryFixture } from "../helpers/fixtures";
import { withSequencers } from "../helpers/selection";

// LP-504 "Test Cases → Selection Mechanism Tests", mirrored with the spec's scenarios and assertions.
describe("Sequencer Selection (LP-504 spec test cases)", () => {
  it("should select via weighted random", async () => {
    const f = await loadFixture(registryFixture);
    const { registry, selection } = f;
    const accounts = f.accounts;
    const endpoint = "enode://abc@1.2.3.4:30303";
    const publicKey = "0x02" + "11".repeat(32);
    const metadata = "0x";
    // Register sequencers with different stakes
    const stakes = [100, 200, 300, 400]; // Different weights
    for (let i = 0; i < stakes.length; i++) {
      await registry.connect(accounts[i]).registerSequencer(endpoint, publicKey, metadata, {
        value: ethers.parseEther(stakes[i].toString()),
      });
    }
    // Fixed randomness (a test source) and a fixed block hash: the 1,000 draws are the same on every run and
    // for every deployment (no flakiness).
    const source = await (await ethers.getContractFactory("MockRandomnessSource")).deploy();
    await selection.connect(f.governanceSigner).setRandomnessSource(await source.getAddress());
    await selection.requestRandomness();
    await source.fulfil(await selection.getAddress(), 1, BigInt(ethers.id("LP-504 spec seed")));
    const blockHash = BigInt(ethers.id("LP-504 spec: weighted random"));

    // Run selection many times to verify distribution
    const selections: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) {
      // The spec reads the selected address from the call; a transaction's result is its event.
      const receipt = await (await selection.selectWeightedRandom(blockHash)).wait();
      const selected = selection.interface.parseLog(receipt!.logs[0])!.args.operator as string;
      selections[selected] = (selections[selected] || 0) + 1;
    }

    // The sampling spread of this ratio over 1,000 draws is about ±0.45; the fixed seed makes the run
    // reproducible.
    // Verify roughly proportional to stakes
    if (process.env.DEBUG_SELECTION) console.log(selections, selections[accounts[3].address] / selections[accounts[0].address]);
    expect(selections[accounts[3].address] / selections[accounts[0].address]).to.be.closeTo(4, 0.5);
  });

  it("should run sequencer auction", async () => {
    // The spec's default signer both opens the auction and bids, so it is the auctioneer and a sequencer.
    const f = await withSequencers([100, 100]);
    const { selection } = f;
    const accounts = [f.governanceSigner, f.accounts[1]];
    await f.registry.connect(f.governanceSigner).registerSequencer("enode://gov", "0x02", "0x", { value: ethers.parseEther("100") });

    const auctionId = await selection.initAuction.staticCall(3600); // 1 hour
    await selection.initAuction(3600);

    // Place bids
    await selection.placeBid(auctionId, { value: ethers.parseEther("100") });
    await selection.connect(accounts[1]).placeBid(auctionId, { value: ethers.parseEther("150") });

    await time.increase(3601);
    const winner = await selection.finalizeAuction.staticCall(auctionId);
    await selection.finalizeAuction(auctionId);

    expect(winner).to.equal(accounts[1].address);
  });
});
