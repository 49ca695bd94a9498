import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySuite, suiteParams } from "../deploy";
import { ENDPOINT, PUBLIC_KEY, METADATA, STAKE_100K, INSURER_ROLE } from "./helpers/fixtures";

const E = (n: string) => ethers.parseEther(n);
const H = (s: string) => ethers.keccak256(ethers.toUtf8Bytes(s));
const DAY = 86400n;
const enum Status {
  None,
  Pending,
  Vetoed,
  Executed,
}
const enum ClaimStatus {
  None,
  Filed,
  Approved,
  Rejected,
  Paid,
}
const enum Term {
  VetoWindow,
  ExecutionWindow,
  ClaimWindow,
  MaxClaimBps,
}

describe("SlashingQueue: vetoable role slashes and insurance claims", () => {
  /** The suite as deployed (no extra grants), a proposer and a vetoer other than governance, two sequencers. */
  async function queueFixture() {
    const [governance, proposer, vetoer, op1, op2, user, other, stranger] = await ethers.getSigners();
    const suite = await deploySuite(hre, suiteParams({ slashing: { proposers: [proposer.address], vetoers: [vetoer.address] } }));
    const { registry, slashingQueue: queue, lens } = suite;
    for (const op of [op1, op2]) {
      await (await registry.connect(op).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: STAKE_100K })).wait();
    }
    return { ...suite, queue, lens, governance, proposer, vetoer, op1, op2, user, other, stranger };
  }
  type F = Awaited<ReturnType<typeof queueFixture>>;

  const pool = async (f: F, id: bigint | number) => {
    const p = await f.lens.getPool(id);
    return p.bondedStake + p.unbondingStake;
  };
  /** Queues an amount slash and returns its id and the time it becomes executable. */
  async function queued(f: F, id = 1n, amount = E("10000")) {
    await (await f.queue.connect(f.proposer).queueSlash(id, amount, H("evidence"))).wait();
    const slashId = await f.queue.slashCount();
    return { slashId, executableAt: (await f.queue.getSlash(slashId)).executableAt };
  }
  async function executed(f: F, id = 1n, amount = E("10000")) {
    const { slashId, executableAt } = await queued(f, id, amount);
    await time.increaseTo(executableAt);
    await (await f.queue.connect(f.stranger).execute(slashId)).wait();
    return slashId;
  }

  describe("deployment", () => {
    it("gives the registry's slasher and insurer roles to the queue, not to governance, which cannot slash or pay directly", async () => {
      const f = await loadFixture(queueFixture);
      const queueAddress = await f.queue.getAddress();
      const SLASHER = await f.registry.SLASHER_ROLE();
      expect(await f.registry.hasRole(SLASHER, queueAddress)).to.equal(true);
      expect(await f.registry.hasRole(INSURER_ROLE, queueAddress)).to.equal(true);
      expect(await f.queue.REGISTRY_INSURER_ROLE()).to.equal(INSURER_ROLE);
      for (const who of [f.governance, f.proposer, f.vetoer]) {
        expect(await f.registry.hasRole(SLASHER, who.address)).to.equal(false);
        expect(await f.registry.hasRole(INSURER_ROLE, who.address)).to.equal(false);
      }
      await expect(f.registry.connect(f.governance).slash(1, 1))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.governance.address, SLASHER);
      await expect(f.registry.connect(f.governance).payInsurance(f.user.address, 1))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.governance.address, INSURER_ROLE);
      expect(await f.queue.hasRole(await f.queue.PROPOSER_ROLE(), f.proposer.address)).to.equal(true);
      expect(await f.queue.hasRole(await f.queue.VETOER_ROLE(), f.vetoer.address)).to.equal(true);
      expect(await f.queue.getTerm(Term.VetoWindow)).to.equal(12n * 3600n);
    });

    it("defaults the proposer and vetoer roles to governance", async () => {
      const suite = await deploySuite(hre, suiteParams());
      const q = suite.slashingQueue;
      expect(await q.hasRole(await q.PROPOSER_ROLE(), suite.governance)).to.equal(true);
      expect(await q.hasRole(await q.VETOER_ROLE(), suite.governance)).to.equal(true);
    });
  });

  describe("queue, veto, execute", () => {
    it("a vetoed slash takes nothing and can never be executed", async () => {
      const f = await loadFixture(queueFixture);
      const before = [await pool(f, 1), await f.registry.insuranceFund(), (await f.registry.getSequencer(1)).status];
      const { slashId, executableAt } = await queued(f, 1n, E("50000"));
      await expect(f.queue.connect(f.vetoer).veto(slashId)).to.emit(f.queue, "SlashVetoed").withArgs(slashId, f.vetoer.address);
      await time.increaseTo(executableAt);
      await expect(f.queue.execute(slashId))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueSlashNotPending")
        .withArgs(slashId, Status.Vetoed);
      await expect(f.queue.connect(f.vetoer).veto(slashId))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueSlashNotPending")
        .withArgs(slashId, Status.Vetoed);
      expect([await pool(f, 1), await f.registry.insuranceFund(), (await f.registry.getSequencer(1)).status]).to.deep.equal(before);
      expect((await f.queue.getSlash(slashId)).status).to.equal(Status.Vetoed);
    });

    it("moves nothing before the veto window ends, executes for anyone after, and only once", async () => {
      const f = await loadFixture(queueFixture);
      const { slashId, executableAt } = await queued(f);
      await expect(f.queue.execute(slashId))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueVetoWindowOpen")
        .withArgs(slashId, executableAt);
      await time.increaseTo(executableAt);
      await expect(f.queue.connect(f.stranger).execute(slashId))
        .to.emit(f.queue, "SlashExecuted")
        .withArgs(slashId, 1n, f.stranger.address, E("10000"))
        .and.to.emit(f.registry, "SequencerSlashed")
        .withArgs(1n, E("10000"));
      expect(await pool(f, 1)).to.equal(STAKE_100K - E("10000"));
      expect(await f.registry.insuranceFund()).to.equal(E("10000"));
      const s = await f.queue.getSlash(slashId);
      expect([s.status, s.taken, s.proposer, s.reason]).to.deep.equal([Status.Executed, E("10000"), f.proposer.address, H("evidence")]);
      await expect(f.queue.execute(slashId))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueSlashNotPending")
        .withArgs(slashId, Status.Executed);
      await expect(f.queue.connect(f.vetoer).veto(slashId)).to.be.revertedWithCustomError(f.queue, "SlashingQueueSlashNotPending");
      expect(await pool(f, 1)).to.equal(STAKE_100K - E("10000"));
    });

    it("cannot front-run a veto: the last second of the window vetoes, the first second after executes", async () => {
      const f = await loadFixture(queueFixture);
      const a = await queued(f);
      const b = await queued(f, 2n);
      expect(b.executableAt - a.executableAt).to.equal(1n); // one block later
      // At a's last vetoable second an execute fails; at b's last vetoable second (a's first executable one) the veto lands.
      await time.setNextBlockTimestamp(a.executableAt - 1n);
      await expect(f.queue.execute(a.slashId))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueVetoWindowOpen")
        .withArgs(a.slashId, a.executableAt);
      await time.setNextBlockTimestamp(b.executableAt - 1n);
      await expect(f.queue.connect(f.vetoer).veto(b.slashId)).to.emit(f.queue, "SlashVetoed");
      // From a's executable time on, a cannot be vetoed any more, and anyone executes it.
      await time.setNextBlockTimestamp(b.executableAt);
      await expect(f.queue.connect(f.vetoer).veto(a.slashId))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueVetoWindowClosed")
        .withArgs(a.slashId, a.executableAt);
      await expect(f.queue.execute(a.slashId)).to.emit(f.queue, "SlashExecuted");
      await expect(f.queue.execute(b.slashId)).to.be.revertedWithCustomError(f.queue, "SlashingQueueSlashNotPending");
      expect(await pool(f, 2)).to.equal(STAKE_100K);
    });

    it("lapses after the execution window", async () => {
      const f = await loadFixture(queueFixture);
      const { slashId } = await queued(f);
      const { expiresAt, executableAt } = await f.queue.getSlash(slashId);
      expect(expiresAt - executableAt).to.equal(3n * DAY);
      await time.increaseTo(expiresAt);
      await expect(f.queue.execute(slashId))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueSlashExpired")
        .withArgs(slashId, expiresAt);
      expect(await pool(f, 1)).to.equal(STAKE_100K);
    });

    it("only proposers queue and suspend, only vetoers veto; bad inputs are named", async () => {
      const f = await loadFixture(queueFixture);
      const PROPOSER = await f.queue.PROPOSER_ROLE();
      const VETOER = await f.queue.VETOER_ROLE();
      for (const who of [f.governance, f.vetoer, f.stranger]) {
        await expect(f.queue.connect(who).queueSlash(1, 1, H("x")))
          .to.be.revertedWithCustomError(f.queue, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, PROPOSER);
        await expect(f.queue.connect(who).suspend(1)).to.be.revertedWithCustomError(f.queue, "AccessControlUnauthorizedAccount");
      }
      const { slashId } = await queued(f);
      for (const who of [f.governance, f.proposer, f.stranger]) {
        await expect(f.queue.connect(who).veto(slashId))
          .to.be.revertedWithCustomError(f.queue, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, VETOER);
      }
      const p = f.queue.connect(f.proposer);
      await expect(p.queueSlash(1, 0, H("x"))).to.be.revertedWithCustomError(f.queue, "SlashingQueueZeroAmount");
      await expect(p.queueSlash(1, 1n << 128n, H("x")))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueAmountTooLarge")
        .withArgs(1n << 128n, (1n << 128n) - 1n);
      await expect(p.queueSlash(9, 1, H("x")))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueUnknownSequencer")
        .withArgs(9n);
      await expect(p.queueSlashShare(1, 0, H("x")))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueShareOutOfRange")
        .withArgs(0n, 10_000n);
      await expect(p.queueSlashShare(1, 10_001, H("x"))).to.be.revertedWithCustomError(f.queue, "SlashingQueueShareOutOfRange");
      await expect(f.queue.execute(99)).to.be.revertedWithCustomError(f.queue, "SlashingQueueUnknownSlash").withArgs(99n);
      await expect(f.queue.connect(f.vetoer).veto(99)).to.be.revertedWithCustomError(f.queue, "SlashingQueueUnknownSlash");
      expect(await f.queue.slashCount()).to.equal(slashId);
    });

    it("suspends at once through the queue (no funds move)", async () => {
      const f = await loadFixture(queueFixture);
      await expect(f.queue.connect(f.proposer).suspend(1))
        .to.emit(f.queue, "SuspensionRequested")
        .withArgs(1n, f.proposer.address)
        .and.to.emit(f.registry, "SequencerStatusChanged");
      expect((await f.registry.getSequencer(1)).status).to.equal(2n); // Suspended
      expect(await pool(f, 1)).to.equal(STAKE_100K);
    });
  });

  describe("a sequencer that exited or was slashed meanwhile", () => {
    it("an amount larger than what is left takes what is left; an empty pool fails with a named error and stays pending", async () => {
      const f = await loadFixture(queueFixture);
      const first = await queued(f, 1n, E("60000"));
      const second = await queued(f, 1n, E("60000"));
      await time.increaseTo(second.executableAt);
      await (await f.queue.execute(first.slashId)).wait();
      await expect(f.queue.execute(second.slashId)).to.emit(f.queue, "SlashExecuted").withArgs(second.slashId, 1n, anyAddr(), E("40000"));
      expect(await pool(f, 1)).to.equal(0n);
      expect((await f.queue.getSlash(second.slashId)).taken).to.equal(E("40000"));
      const third = await queued(f, 1n, E("1"));
      const share = await f.queue.connect(f.proposer).queueSlashShare(1, 5000, H("share"));
      await share.wait();
      const shareId = await f.queue.slashCount();
      await time.increaseTo((await f.queue.getSlash(shareId)).executableAt);
      await expect(f.queue.execute(third.slashId))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueNothingToSlash")
        .withArgs(third.slashId, 1n);
      await expect(f.queue.execute(shareId)).to.be.revertedWithCustomError(f.queue, "SlashingQueueNothingToSlash");
      expect((await f.queue.getSlash(third.slashId)).status).to.equal(Status.Pending);
      expect(await f.registry.insuranceFund()).to.equal(STAKE_100K);
    });

    it("a share slash takes its share of the pool at execution, exiting stake included", async () => {
      const f = await loadFixture(queueFixture);
      const tx = await f.queue.connect(f.proposer).queueSlashShare(2, 2500, H("share"));
      await tx.wait();
      const slashId = await f.queue.slashCount();
      await (await f.registry.connect(f.op2).initiateExit(2)).wait(); // exiting stake stays slashable
      await time.increaseTo((await f.queue.getSlash(slashId)).executableAt);
      await expect(f.queue.execute(slashId)).to.emit(f.queue, "SlashExecuted").withArgs(slashId, 2n, anyAddr(), E("25000"));
      expect(await pool(f, 2)).to.equal(E("75000"));
    });
  });

  describe("terms", () => {
    it("are governance's, within bounds; a veto window must end before the registry's exit delay; queued slashes keep theirs", async () => {
      const f = await loadFixture(queueFixture);
      const { slashId, executableAt } = await queued(f);
      const g = f.queue.connect(f.governance);
      await expect(f.queue.connect(f.proposer).setTerm(Term.VetoWindow, DAY)).to.be.revertedWithCustomError(
        f.queue,
        "AccessControlUnauthorizedAccount",
      );
      const exitDelay = (await f.registry.getConfig()).exitDelay;
      await expect(g.setTerm(Term.VetoWindow, exitDelay))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueTermOutOfBounds")
        .withArgs(Term.VetoWindow, exitDelay, 3600n, exitDelay - 1n);
      await expect(g.setTerm(Term.VetoWindow, 3599)).to.be.revertedWithCustomError(f.queue, "SlashingQueueTermOutOfBounds");
      await expect(g.setTerm(Term.ExecutionWindow, 31n * DAY)).to.be.revertedWithCustomError(f.queue, "SlashingQueueTermOutOfBounds");
      await expect(g.setTerm(Term.ClaimWindow, DAY - 1n)).to.be.revertedWithCustomError(f.queue, "SlashingQueueTermOutOfBounds");
      await expect(g.setTerm(Term.MaxClaimBps, 0)).to.be.revertedWithCustomError(f.queue, "SlashingQueueTermOutOfBounds");
      await expect(g.setTerm(Term.MaxClaimBps, 5001))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueTermOutOfBounds")
        .withArgs(Term.MaxClaimBps, 5001n, 1n, 5000n);
      await expect(g.setTerm(Term.VetoWindow, 3600))
        .to.emit(f.queue, "TermUpdated")
        .withArgs(Term.VetoWindow, 12n * 3600n, 3600n);
      // Shortening the window does not hasten the slash already queued.
      expect((await f.queue.getSlash(slashId)).executableAt).to.equal(executableAt);
      await time.increase(3600);
      await expect(f.queue.execute(slashId)).to.be.revertedWithCustomError(f.queue, "SlashingQueueVetoWindowOpen");
      await expect(f.queue.connect(f.vetoer).veto(slashId)).to.emit(f.queue, "SlashVetoed");
    });

    it("the constructor checks its addresses and terms", async () => {
      const f = await loadFixture(queueFixture);
      const factory = await ethers.getContractFactory("SlashingQueue");
      const [r, l] = [await f.registry.getAddress(), await f.lens.getAddress()];
      await expect(factory.deploy(ethers.ZeroAddress, r, l, DAY, DAY, DAY, 100)).to.be.revertedWithCustomError(
        factory,
        "SlashingQueueZeroAddress",
      );
      await expect(factory.deploy(f.governance.address, r, l, 0, DAY, DAY, 100)).to.be.revertedWithCustomError(
        factory,
        "SlashingQueueTermOutOfBounds",
      );
    });
  });

  describe("insurance claims", () => {
    async function claimFixture() {
      const f = await queueFixture();
      const slashId = await executed(f, 1n, E("10000")); // the fund holds 10,000; one claim: at most 1,000
      return { ...f, slashId };
    }

    it("a harmed user files, governance approves within bounds, the user collects and withdraws (pull)", async () => {
      const f = await loadFixture(claimFixture);
      await expect(f.queue.connect(f.user).fileClaim(f.slashId, 1, E("800"), H("harm")))
        .to.emit(f.queue, "ClaimFiled")
        .withArgs(1n, f.slashId, f.user.address, E("800"), H("harm"));
      expect(await f.queue.claimOf(f.slashId, f.user.address)).to.equal(1n);
      await expect(f.queue.connect(f.governance).approveClaim(1, E("700")))
        .to.emit(f.queue, "ClaimApproved")
        .withArgs(1n, E("700"));
      await expect(f.queue.connect(f.user).collectClaim(1))
        .to.emit(f.queue, "ClaimPaid")
        .withArgs(1n, f.user.address, E("700"))
        .and.to.emit(f.registry, "InsurancePaid")
        .withArgs(f.user.address, E("700"));
      expect(await f.registry.insuranceFund()).to.equal(E("9300"));
      await expect(f.registry.connect(f.user).withdraw()).to.changeEtherBalances([f.user, f.registry], [E("700"), -E("700")]);
      expect((await f.queue.getClaim(1)).status).to.equal(ClaimStatus.Paid);
      await expect(f.queue.connect(f.user).collectClaim(1))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueClaimNotApproved")
        .withArgs(1n, ClaimStatus.Paid);
    });

    it("rejects a claim twice, against a fault that never happened, against another sequencer, by the offender, or late", async () => {
      const f = await loadFixture(claimFixture);
      const c = f.queue.connect(f.user);
      await (await c.fileClaim(f.slashId, 1, E("100"), H("harm"))).wait();
      await expect(c.fileClaim(f.slashId, 1, E("100"), H("again")))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueAlreadyClaimed")
        .withArgs(f.slashId, f.user.address, 1n);
      await expect(c.fileClaim(99, 1, E("1"), H("x")))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueUnknownSlash")
        .withArgs(99n);
      await expect(c.fileClaim(f.slashId, 2, E("1"), H("x")))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueWrongSequencer")
        .withArgs(f.slashId, 1n, 2n);
      await expect(f.queue.connect(f.op1).fileClaim(f.slashId, 1, E("1"), H("x")))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueClaimByOffender")
        .withArgs(f.slashId, f.op1.address);
      await expect(f.queue.connect(f.other).fileClaim(f.slashId, 1, 0, H("x"))).to.be.revertedWithCustomError(
        f.queue,
        "SlashingQueueZeroAmount",
      );
      await expect(f.queue.connect(f.other).fileClaim(f.slashId, 1, E("10000") + 1n, H("x")))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueAmountTooLarge")
        .withArgs(E("10000") + 1n, E("10000"));
      // A pending or a vetoed slash is no proven fault.
      const pending = await queued(f, 2n);
      await expect(c.fileClaim(pending.slashId, 2, E("1"), H("x")))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueSlashNotExecuted")
        .withArgs(pending.slashId, Status.Pending);
      await (await f.queue.connect(f.vetoer).veto(pending.slashId)).wait();
      await expect(c.fileClaim(pending.slashId, 2, E("1"), H("x")))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueSlashNotExecuted")
        .withArgs(pending.slashId, Status.Vetoed);
      const closedAt = (await f.queue.getSlash(f.slashId)).executedAt + 30n * DAY;
      await time.increaseTo(closedAt);
      await expect(f.queue.connect(f.other).fileClaim(f.slashId, 1, E("1"), H("x")))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueClaimWindowClosed")
        .withArgs(f.slashId, closedAt);
      expect(await f.queue.claimCount()).to.equal(1n);
    });

    it("governance cannot approve beyond the request, the fund share, or what the slash took across claims", async () => {
      const f = await loadFixture(claimFixture);
      const [a, b, c, d] = (await ethers.getSigners()).slice(10, 14);
      for (const [who, amount] of [
        [a, E("5000")],
        [b, E("5000")],
        [c, E("5000")],
        [d, E("5000")],
      ] as const) {
        await (await f.queue.connect(who).fileClaim(f.slashId, 1, amount, H("harm"))).wait();
      }
      const g = f.queue.connect(f.governance);
      await expect(f.queue.connect(f.user).approveClaim(1, 1)).to.be.revertedWithCustomError(f.queue, "AccessControlUnauthorizedAccount");
      await expect(g.approveClaim(1, 0)).to.be.revertedWithCustomError(f.queue, "SlashingQueueZeroAmount");
      // 10% of the 10,000 fund.
      await expect(g.approveClaim(1, E("1000") + 1n))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueApprovalTooLarge")
        .withArgs(1n, E("1000") + 1n, E("1000"));
      await (await g.setTerm(Term.MaxClaimBps, 5000)).wait(); // up to 5,000 per claim now
      await (await g.approveClaim(1, E("5000"))).wait();
      await (await g.approveClaim(2, E("5000"))).wait();
      // The slash took 10,000: nothing more can be approved against it, whatever the fund holds.
      await (await f.registry.connect(f.stranger).fundInsurance({ value: E("100000") })).wait();
      await expect(g.approveClaim(3, 1)).to.be.revertedWithCustomError(f.queue, "SlashingQueueApprovalTooLarge").withArgs(3n, 1n, 0n);
      expect((await f.queue.getSlash(f.slashId)).claimed).to.equal(E("10000"));
      await expect(g.approveClaim(1, 1))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueClaimNotFiled")
        .withArgs(1n, ClaimStatus.Approved);
      await expect(g.rejectClaim(4)).to.emit(f.queue, "ClaimRejected").withArgs(4n);
      await expect(g.approveClaim(4, 1))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueClaimNotFiled")
        .withArgs(4n, ClaimStatus.Rejected);
      await expect(f.queue.connect(d).collectClaim(4)).to.be.revertedWithCustomError(f.queue, "SlashingQueueClaimNotApproved");
      await expect(g.approveClaim(9, 1)).to.be.revertedWithCustomError(f.queue, "SlashingQueueUnknownClaim").withArgs(9n);
    });

    it("only the claimant collects; a short fund fails with the registry's error and the claim stays approved", async () => {
      const f = await loadFixture(claimFixture);
      await (await f.queue.connect(f.user).fileClaim(f.slashId, 1, E("1000"), H("harm"))).wait();
      await (await f.queue.connect(f.other).fileClaim(f.slashId, 1, E("1000"), H("harm"))).wait();
      await (await f.queue.connect(f.governance).setTerm(Term.MaxClaimBps, 5000)).wait();
      await (await f.queue.connect(f.governance).approveClaim(1, E("1000"))).wait();
      await expect(f.queue.connect(f.other).collectClaim(1))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueNotClaimant")
        .withArgs(1n, f.other.address);
      await expect(f.queue.connect(f.other).collectClaim(2))
        .to.be.revertedWithCustomError(f.queue, "SlashingQueueClaimNotApproved")
        .withArgs(2n, ClaimStatus.Filed);
      await expect(f.queue.collectClaim(7)).to.be.revertedWithCustomError(f.queue, "SlashingQueueUnknownClaim");
      // Drain the fund below the approval: a second, large slash's claims would do; here a direct insurer grant by the
      // admin (a public RoleGranted event) stands in for any other payout.
      await (await f.registry.connect(f.governance).grantRole(INSURER_ROLE, f.governance.address)).wait();
      await (await f.registry.connect(f.governance).payInsurance(f.stranger.address, E("9500"))).wait();
      await expect(f.queue.connect(f.user).collectClaim(1))
        .to.be.revertedWithCustomError(f.registry, "RegistryInsuranceInsufficient")
        .withArgs(E("1000"), E("500"));
      expect((await f.queue.getClaim(1)).status).to.equal(ClaimStatus.Approved);
      await (await f.registry.connect(f.stranger).fundInsurance({ value: E("500") })).wait();
      await expect(f.queue.connect(f.user).collectClaim(1)).to.emit(f.queue, "ClaimPaid");
    });

    it("a claimant re-entering collectClaim from the registry's payment is paid once", async () => {
      const f = await loadFixture(claimFixture);
      const attacker = await (await ethers.getContractFactory("ClaimReentrant")).deploy(await f.queue.getAddress());
      const queueAddress = await f.queue.getAddress();
      const registryAddress = await f.registry.getAddress();
      const iq = f.queue.interface;
      await (await attacker.act(queueAddress, iq.encodeFunctionData("fileClaim", [f.slashId, 1, E("1000"), H("harm")]))).wait();
      const claimId = await f.queue.claimOf(f.slashId, await attacker.getAddress());
      await (await attacker.setClaim(claimId)).wait();
      await (await f.queue.connect(f.governance).approveClaim(claimId, E("1000"))).wait();
      await (await attacker.act(queueAddress, iq.encodeFunctionData("collectClaim", [claimId]))).wait();
      const withdraw = f.registry.interface.encodeFunctionData("withdraw");
      await expect(attacker.act(registryAddress, withdraw)).to.changeEtherBalances([attacker, f.registry], [E("1000"), -E("1000")]);
      expect(await attacker.reentryAttempts()).to.equal(1n);
      expect(await attacker.reentrySuccesses()).to.equal(0n);
      expect(await f.registry.withdrawableBalance(await attacker.getAddress())).to.equal(0n);
      expect(await f.registry.insuranceFund()).to.equal(E("9000"));
    });
  });
});

function anyAddr() {
  return (v: unknown) => typeof v === "string" && ethers.isAddress(v);
}
