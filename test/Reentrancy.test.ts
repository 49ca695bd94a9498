import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployRegistryFixture } from "./helpers/fixtures";
import { computeJob } from "./helpers/scheduler";

// Every contract that pays out does it by pull, behind a reentrancy guard, with effects before the transfer:
// a receiver that re-enters `withdraw` makes its own withdrawal fail and loses nothing.
describe("Reentrancy on every withdraw path", () => {
  async function attackerFor(address: string) {
    const attacker = await (await ethers.getContractFactory("WithdrawAttacker")).deploy(address);
    return { attacker, attackerAddress: await attacker.getAddress() };
  }

  async function expectGuarded(
    attacker: Awaited<ReturnType<typeof attackerFor>>["attacker"],
    owed: bigint,
    balanceOf: () => Promise<bigint>,
    errorHost: import("ethers").BaseContract,
    errorName: string,
  ) {
    await expect(attacker.attack()).to.be.revertedWithCustomError(errorHost, errorName);
    expect(await balanceOf()).to.equal(owed); // nothing lost, still owed
    await attacker.setReenter(false);
    await expect(attacker.attack()).to.changeEtherBalance(attacker, owed);
    expect(await balanceOf()).to.equal(0n);
  }

  it("SequencerRegistry: auction proceeds, paid into the registry, to a re-entering rewards recipient", async () => {
    const f = await deployRegistryFixture();
    const { attacker, attackerAddress } = await attackerFor(f.registryAddress);
    await f.selection.connect(f.governanceSigner).setRewardsRecipient(attackerAddress);
    await f.registry.connect(f.accounts[0]).registerSequencer("e", "0x02", "0x", { value: ethers.parseEther("100") });
    await f.selection.initAuction(60);
    await f.selection.connect(f.accounts[0]).placeBid(1, { value: ethers.parseEther("10") });
    await time.increase(61);
    await f.selection.finalizeAuction(1);
    const owed = await f.registry.withdrawableBalance(attackerAddress);
    // The only bidder pays the reserve (1 LUX): 0.99 after the insurance fee.
    expect(owed).to.equal(ethers.parseEther("0.99"));
    await expectGuarded(attacker, owed, () => f.registry.withdrawableBalance(attackerAddress), f.registry, "RegistryTransferFailed");
  });

  it("SelectionMechanisms: an outbid bid to a re-entering bidder", async () => {
    const f = await deployRegistryFixture();
    const selection = await f.selection.getAddress();
    const { attacker, attackerAddress } = await attackerFor(selection);
    const stake = ethers.parseEther("100");
    const register = f.registry.interface.encodeFunctionData("registerSequencer", ["e", "0x02", "0x"]);
    await attacker.act(f.registryAddress, stake, register, { value: stake });
    await f.selection.initAuction(600);
    const bid = ethers.parseEther("2"); // the reserve and the bond
    const attackerId = await f.registry.sequencerIdOf(attackerAddress);
    await attacker.act(selection, bid, f.selection.interface.encodeFunctionData("placeBid", [1]), { value: bid });
    expect(attackerId).to.not.equal(0n);
    // Enough higher bidders to push the attacker out of the ranking (the winners and the price-setting loser).
    const winners = (await f.selection.getParameters()).auctionWinners;
    for (let i = 0n; i <= winners; i++) {
      const who = f.accounts[Number(i)];
      await f.registry.connect(who).registerSequencer(`e${i}`, "0x02", "0x", { value: stake });
      await f.selection.connect(who).placeBid(1, { value: ethers.parseEther("3") });
    }
    expect(await f.selection.pendingReturns(attackerAddress)).to.equal(bid);
    await expectGuarded(attacker, bid, () => f.selection.pendingReturns(attackerAddress), f.selection, "SelectionTransferFailed");
  });

  it("PerformanceMonitor: a forced-inclusion refund to a re-entering requester", async () => {
    const f = await deployRegistryFixture();
    const { attacker, attackerAddress } = await attackerFor(await f.monitor.getAddress());
    await f.registry.connect(f.accounts[0]).registerSequencer("e", "0x02", "0x", { value: ethers.parseEther("1000") });
    const fee = ethers.parseEther("0.01");
    await attacker.act(await f.monitor.getAddress(), fee, f.monitor.interface.encodeFunctionData("forceInclusion", [ethers.id("tx")]), {
      value: fee,
    });
    await time.increase(3601);
    await f.monitor.proveMissedInclusion(1);
    await expectGuarded(attacker, fee, () => f.monitor.balanceOf(attackerAddress), f.monitor, "MonitorTransferFailed");
  });

  it("AIScheduler: a cancellation refund to a re-entering requester", async () => {
    const f = await deployRegistryFixture();
    const { attacker, attackerAddress } = await attackerFor(await f.scheduler.getAddress());
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    const job = computeJob(10n ** 13n, 1n << 30n, now + 3600);
    const data = f.scheduler.interface.encodeFunctionData("submitComputeJob", [job]);
    await attacker.act(await f.scheduler.getAddress(), 5000n, data, { value: 5000n });
    await attacker.act(
      await f.scheduler.getAddress(),
      0n,
      f.scheduler.interface.encodeFunctionData("cancelJob", [ethers.zeroPadValue("0x01", 32)]),
    );
    await expectGuarded(attacker, 5000n, () => f.schedulerLens.balanceOf(attackerAddress), f.scheduler, "SchedulerTransferFailed");
    const [escrow, withdrawable] = await f.schedulerLens.accounting();
    expect(await ethers.provider.getBalance(await f.scheduler.getAddress())).to.equal(escrow + withdrawable);
  });
});
