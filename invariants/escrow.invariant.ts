/**
 * Model-based invariants of the two contracts that hold other people's money besides the registry:
 * auctions (SelectionMechanisms) and compute-job escrow (AIScheduler). Random sequences, checked every step.
 */
import fc from "fast-check";
import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySuite, suiteParams } from "../deploy";
import { assertSequences, jump, outcome, eq, ok, step, checkedWithdraw, Outcomes, RUNS, STEPS } from "./helpers";

async function setup() {
  const signers = await ethers.getSigners();
  const suite = await deploySuite(hre, suiteParams({}), signers[0]);
  const operators = signers.slice(1, 4);
  for (let i = 0; i < operators.length; i++) {
    await suite.registry.connect(operators[i]).registerSequencer(`enode://s${i}`, "0x02", "0x", { value: ethers.parseEther("1000") });
  }
  return { suite, governance: signers[0], operators, others: signers.slice(4, 8) };
}

describe(`Escrow invariants (fast-check, ${RUNS} sequences × ${STEPS} steps)`, function () {
  this.timeout(0);

  it("auctions: the balance is always the deposits of open auctions plus the bonds held plus what is withdrawable", async () => {
    const { suite, governance, operators, others } = await setup();
    const { selection, registry } = suite;
    const address = await selection.getAddress();
    const { minBid } = await selection.getParameters(); // the reserve
    const bidders: HardhatEthersSigner[] = [...operators, others[0]]; // the last is not a sequencer
    const accounts = [...bidders.map((b) => b.address), governance.address];
    // Sealed bids the model committed: revealed (or not) later with the right or a wrong amount.
    let sealed: { id: bigint; bidder: number; amount: bigint; salt: string }[] = [];
    const done = { reveals: 0, finalizations: 0, bonds: 0 }; // successful calls of each kind, over all sequences
    let ethIn = 0n;
    let ethOut = 0n;
    const outcomes = new Outcomes();
    const count = (e?: string) => outcomes.count(e);

    const check = async () => {
      const balance = await ethers.provider.getBalance(address);
      eq("balance = value in − value out", balance, ethIn - ethOut);
      const [deposits, bonds, owed] = await selection.auctionEscrow();
      eq("balance = deposits + bonds + withdrawable", balance, deposits + bonds + owed);
      eq("balance = totalOwed()", balance, await selection.totalOwed());
      // Each term rebuilt from the auctions and accounts.
      let held = 0n;
      let bonded = 0n;
      const n = await selection.auctionCount();
      for (let a = 1n; a <= n; a++) {
        const d = await selection.auctionDetails(a);
        if (d.finalizedAt === 0n) {
          held += d.unrevealedDeposits;
          for (const b of d.top.slice(0, Number(d.bidCount))) held += (await selection.bidOf(a, b)).deposit;
        } else {
          for (let i = 0n; i < d.winnerCount; i++) if ((d.bondsHeld >> i) & 1n) bonded += d.bond;
        }
      }
      eq("deposits = ranked deposits + unrevealed deposits of open auctions", deposits, held);
      eq("bonds = held bonds of finalized auctions", bonds, bonded);
      let withdrawable = 0n;
      for (const account of accounts) withdrawable += await selection.pendingReturns(account);
      eq("withdrawable = Σ pendingReturns", owed, withdrawable);
    };

    /** Value that left the contract for the registry (proceeds, forfeits, slashed bonds) during `run`. */
    const toRegistry = async (run: () => Promise<string | undefined>) => {
      const recipient = (await selection.getParameters()).rewardsRecipient;
      const fundBefore = await registry.insuranceFund();
      const creditedBefore = await registry.withdrawableBalance(recipient);
      const err = await run();
      ethOut += (await registry.insuranceFund()) - fundBefore + (await registry.withdrawableBalance(recipient)) - creditedBefore;
      return err;
    };
    /** Mostly the latest auction (only it can take bids), sometimes the one before it. */
    const pick = async (k: number) => {
      const n = await selection.auctionCount();
      return n <= 1n ? 1n : n - BigInt(k % 4 === 0 ? 1 : 0);
    };

    const steps = [
      fc.integer({ min: 600, max: 7200 }).map((d) =>
        step(`initAuction(${d}s)`, async () => {
          count(await outcome(selection.connect(governance).initAuction(d)));
        }),
      ),
      fc
        .tuple(
          fc.nat(),
          fc.integer({ min: 0, max: 3 }),
          fc.oneof(fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: 2n * 10n ** 18n, max: 5n * 10n ** 18n })),
        )
        .map(([k, b, value]) =>
          step(`placeBid(auction ${k}, bidder ${b}, ${value} wei)`, async () => {
            const id = await pick(k);
            const bond = await selection
              .auctionDetails(id)
              .then((d) => d.bond)
              .catch(() => 0n);
            const err = await outcome(selection.connect(bidders[b]).placeBid(id, { value }));
            count(err);
            if (value < minBid + bond) ok("a deposit below reserve + bond never enters", err !== undefined);
            if (b === 3) ok("a non-sequencer cannot bid", err !== undefined);
            if (!err) ethIn += value;
          }),
        ),
      fc
        .tuple(
          fc.nat(),
          fc.integer({ min: 0, max: 3 }),
          fc.bigInt({ min: 0n, max: 4n * 10n ** 18n }),
          fc.bigInt({ min: 0n, max: 3n * 10n ** 18n }),
        )
        .map(([k, b, amount, extra]) =>
          step(`commitBid(auction ${k}, bidder ${b}, ${amount} wei, deposit +${extra})`, async () => {
            const id = await pick(k);
            const salt = ethers.hexlify(ethers.randomBytes(32));
            const commitment = await selection.bidCommitment(id, bidders[b].address, amount, salt);
            const bond = await selection
              .auctionDetails(id)
              .then((d) => d.bond)
              .catch(() => 0n);
            const value = amount + bond + extra - (extra % 3n === 0n ? amount : 0n); // sometimes too small for the bid
            const err = await outcome(selection.connect(bidders[b]).commitBid(id, commitment, { value }));
            count(err);
            if (b === 3) ok("a non-sequencer cannot commit", err !== undefined);
            if (!err) {
              ethIn += value;
              sealed.push({ id, bidder: b, amount, salt });
            }
          }),
        ),
      fc.tuple(fc.nat(), fc.boolean()).map(([k, honest]) =>
        step(`revealBid(commitment ${k}, ${honest ? "as committed" : "another amount"})`, async () => {
          if (sealed.length === 0) return;
          const c = sealed[k % sealed.length];
          const amount = honest ? c.amount : c.amount + 1n;
          const err = await outcome(selection.connect(bidders[c.bidder]).revealBid(c.id, amount, c.salt));
          count(err);
          if (!honest) ok("a reveal of another amount is refused", err !== undefined);
          if (!err) {
            sealed = sealed.filter((x) => x !== c);
            done.reveals++;
          }
        }),
      ),
      fc.nat().map((k) =>
        step(`finalizeAuction(${k})`, async () => {
          const id = await pick(k);
          const recipient = (await selection.getParameters()).rewardsRecipient;
          const creditedBefore = await registry.withdrawableBalance(recipient);
          const err = await toRegistry(() => outcome(selection.finalizeAuction(id)));
          count(err);
          if (!err) {
            const fee = (await registry.getParameters()).insuranceFeeBps;
            const d = await selection.auctionDetails(id);
            ok("winners pay one price, at least the reserve", d.winnerCount === 0n || d.clearingPrice >= d.reserve);
            // The proceeds (winners × price) reach the recipient less the registry's insurance fee.
            const proceeds = d.winnerCount * d.clearingPrice;
            eq(
              "proceeds split by the registry's fee rule",
              (await registry.withdrawableBalance(recipient)) - creditedBefore,
              proceeds - (proceeds * fee) / 10_000n,
            );
            sealed = sealed.filter((x) => x.id !== id);
            done.finalizations++;
          }
        }),
      ),
      fc.tuple(fc.nat(), fc.boolean(), fc.integer({ min: 0, max: 2 })).map(([k, slash, w]) =>
        step(`${slash ? "slashBond" : "releaseBonds"}(${k}${slash ? `, winner ${w}` : ""})`, async () => {
          const id = await pick(k);
          const d = await selection.auctionDetails(id).catch(() => undefined);
          if (!d) return;
          const err = await toRegistry(() =>
            outcome(slash ? selection.connect(governance).slashBond(id, d.top[w]) : selection.releaseBonds(id)),
          );
          count(err);
          if (!err) done.bonds++;
        }),
      ),
      fc.integer({ min: 0, max: 4 }).map((a) =>
        step(`withdraw(account ${a})`, async () => {
          const signer = [...bidders, governance][a];
          ethOut += await checkedWithdraw(
            await selection.pendingReturns(signer.address),
            () => selection.connect(signer).withdraw(),
            outcomes,
          );
        }),
      ),
      fc.integer({ min: 1, max: 1800 }).map((s) => step(`time +${s}s`, () => jump(s))),
    ];

    await assertSequences(
      steps,
      [2, 3, 3, 3, 2, 1, 2, 2],
      async () => {
        ethIn = await ethers.provider.getBalance(address);
        ethOut = 0n;
        sealed = [];
      },
      check,
    );
    outcomes.print();
    ok("calls succeed in the sequences", outcomes.successes > RUNS * 4);
    ok("reveals, finalizations and bond releases or slashes happen", done.reveals > 0 && done.finalizations > 0 && done.bonds > 0);
  });

  it("compute jobs: escrow plus withdrawable is the balance, and every settled job is paid exactly once", async () => {
    const { suite, governance, operators, others } = await setup();
    const { scheduler, schedulerLens } = suite;
    const address = await scheduler.getAddress();
    // The deployed dispute bond (0.1 LUX by default): escrowed with the job it disputes and paid out with it.
    const bond = await scheduler.disputeBond();
    const TFLOPS = 10n ** 12n;
    for (let i = 0; i < operators.length; i++) {
      await scheduler.connect(operators[i]).registerCapabilities(i + 1, {
        sequencerId: i + 1,
        availableFlops: 1000n * TFLOPS,
        availableMemory: 1n << 40n,
        networkBandwidth: 1000n,
        supportedModels: [],
        hasTEE: false,
        hasGPU: true,
      });
    }
    const requesters = others.slice(0, 2);
    const accounts = [...operators, ...requesters];
    const TERMINAL = new Set([5n, 6n, 7n, 8n]);
    let jobs: { id: string; payment: bigint; requester: HardhatEthersSigner; terminal?: bigint }[] = [];
    let ethIn = 0n;
    let ethOut = 0n;
    const outcomes = new Outcomes();
    const count = (e?: string) => outcomes.count(e);
    const job = (k: number) => (jobs.length ? jobs[k % jobs.length] : undefined);

    const check = async () => {
      const balance = await ethers.provider.getBalance(address);
      const [escrow, withdrawable] = await schedulerLens.accounting();
      eq("balance = value in − value out", balance, ethIn - ethOut);
      eq("balance = escrow + withdrawable", balance, escrow + withdrawable);
      let open = 0n;
      let settled = 0n;
      for (const j of jobs) {
        const [info] = await schedulerLens.getJob(j.id);
        const status = BigInt(info.status);
        if (j.terminal !== undefined) eq(`settled job ${j.id.slice(0, 10)} never changes again`, status, j.terminal);
        if (TERMINAL.has(status)) {
          j.terminal = status;
          settled += j.payment;
        } else open += j.payment;
      }
      eq("escrow = payments of open jobs", escrow, open);
      eq("withdrawable + withdrawn = payments of settled jobs (each paid exactly once)", withdrawable + ethOut, settled);
    };

    const steps = [
      fc
        .tuple(fc.integer({ min: 0, max: 1 }), fc.bigInt({ min: 1n, max: 10n ** 18n }), fc.integer({ min: 600, max: 20_000 }))
        .map(([r, pay, ttl]) =>
          step(`submit(requester ${r}, ${pay} wei, ${ttl}s)`, async () => {
            const now = (await ethers.provider.getBlock("latest"))!.timestamp;
            const spec = {
              jobId: ethers.ZeroHash,
              requiredFlops: 10n * TFLOPS,
              memoryRequirement: 1n << 30n,
              deadline: now + ttl,
              priority: r,
              requester: ethers.ZeroAddress,
              jobSpec: "0x",
            };
            const id = await scheduler.connect(requesters[r]).submitComputeJob.staticCall(spec, { value: pay });
            const err = await outcome(scheduler.connect(requesters[r]).submitComputeJob(spec, { value: pay }));
            count(err);
            if (!err) {
              ethIn += pay;
              jobs.push({ id, payment: pay, requester: requesters[r] });
            }
          }),
        ),
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 3 })).map(([k, s]) =>
        step(`schedule(job ${k}, #${s})`, async () => {
          const j = job(k);
          if (j) count(await outcome(scheduler.connect(governance).scheduleJob(j.id, s)));
        }),
      ),
      fc.nat().map((k) =>
        step(`start+result(job ${k})`, async () => {
          const j = job(k);
          if (!j) return;
          const [info] = await schedulerLens.getJob(j.id);
          const operator = operators[Number(info.sequencerId) - 1] ?? operators[0];
          // Governance's scheduling only offers the job: the operator accepts it before it is its duty.
          count(await outcome(scheduler.connect(operator).acceptJob(j.id)));
          count(await outcome(scheduler.connect(operator).startJob(j.id)));
          count(await outcome(scheduler.connect(operator).submitResult(j.id, ethers.id(j.id), 1000)));
        }),
      ),
      fc.tuple(fc.nat(), fc.boolean()).map(([k, byRequester]) =>
        step(`complete(job ${k}, ${byRequester ? "requester" : "anyone"})`, async () => {
          const j = job(k);
          if (j) count(await outcome(scheduler.connect(byRequester ? j.requester : others[3]).completeJob(j.id)));
        }),
      ),
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 10_000 })).map(([k, bps]) =>
        step(`dispute+resolve(job ${k}, ${bps} bp to the executor)`, async () => {
          const j = job(k);
          if (!j) return;
          const err = await outcome(scheduler.connect(j.requester).disputeResult(j.id, { value: bond }));
          count(err);
          if (!err) {
            ethIn += bond;
            j.payment += bond; // from now the job's escrow, and what its settlement pays out, include the bond
          }
          count(await outcome(scheduler.connect(governance).resolveDispute(j.id, bps)));
        }),
      ),
      fc.nat().map((k) =>
        step(`cancel(job ${k})`, async () => {
          const j = job(k);
          if (j) count(await outcome(scheduler.connect(j.requester).cancelJob(j.id)));
        }),
      ),
      fc.nat().map((k) =>
        step(`timeout(job ${k})`, async () => {
          const j = job(k);
          if (j) count(await outcome(scheduler.connect(others[3]).timeoutJob(j.id)));
        }),
      ),
      fc.integer({ min: 0, max: 4 }).map((a) =>
        step(`withdraw(account ${a})`, async () => {
          const signer = accounts[a];
          ethOut += await checkedWithdraw(
            await schedulerLens.balanceOf(signer.address),
            () => scheduler.connect(signer).withdraw(),
            outcomes,
          );
        }),
      ),
      fc.integer({ min: 1, max: 8000 }).map((s) => step(`time +${s}s`, () => jump(s))),
    ];
    const weights = [4, 3, 3, 2, 1, 1, 1, 2, 1];

    await assertSequences(
      steps,
      weights,
      async () => {
        jobs = [];
        ethIn = await ethers.provider.getBalance(address);
        ethOut = 0n;
      },
      check,
    );
    outcomes.print();
    ok("jobs are settled in the sequences", outcomes.successes > RUNS * 10);
  });
});
