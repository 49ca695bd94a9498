import { types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { SequencerStatus, SelectionMode } from "../deploy/params";
import {
  signBlockCommitment,
  signBlockAttestation,
  encodeEquivocationEvidence,
  operatorVrfKey,
  commitRound,
  openRound,
  vrfKeyHash,
  bidCommitment,
  sealBid,
  encodeJobRequirements,
} from "../sdk";
import { GFLOP, MIB, jobIdFrom, parseDuration } from "./govern";
import {
  lp504,
  PLUGIN,
  attachSuite,
  withDecodedErrors,
  lux,
  fmtLux,
  sent,
  chainIdOf,
  operate,
  parseWhole,
  type AttachedSuite,
} from "./lp504";

/** `--id`, or the sequencer the signer operates. */
async function sequencerId(suite: AttachedSuite, signer: Signer, id?: string): Promise<bigint> {
  if (id !== undefined) return BigInt(id);
  const own = await suite.registry.sequencerIdOf(await signer.getAddress());
  if (own === 0n) throw new HardhatPluginError(PLUGIN, `${await signer.getAddress()} operates no sequencer: pass --id`);
  return own;
}

const FROM = "Account index or address (default 0)";

/** `part` of `whole` as a percentage with two decimals. */
const share = (part: bigint, whole: bigint) => (whole === 0n ? "0%" : `${Number((part * 10_000n) / whole) / 100}%`);

lp504
  .task("register", "Registers the --from account as a sequencer with native stake")
  .addParam("stake", "Stake in LUX")
  .addOptionalParam("endpoint", "P2P endpoint", "enode://sequencer@127.0.0.1:30303")
  .addOptionalParam("pubkey", "Sequencer public key (hex)", "0x")
  .addOptionalParam("metadata", "Metadata (UTF-8, e.g. JSON)", "")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { stake: string; endpoint: string; pubkey: string; metadata: string; from?: string }, hre) =>
    operate(hre, "registerSequencer", a.from, async ({ registry }, signer) => {
      const pubkey = a.pubkey === "0x" ? hre.ethers.hexlify(hre.ethers.randomBytes(33)) : a.pubkey;
      await sent(
        "registered",
        registry.registerSequencer(a.endpoint, pubkey, hre.ethers.toUtf8Bytes(a.metadata), { value: lux(hre, a.stake) }),
      );
      const id = await registry.sequencerIdOf(await signer.getAddress());
      const info = await registry.getSequencer(id);
      console.log(`sequencer #${id}: ${SequencerStatus[Number(info.status)]}, stake ${fmtLux(info.stake)}`);
      return id;
    }),
  );

lp504
  .task("stake", "Adds stake to the --from account's sequencer (or --id)")
  .addParam("amount", "LUX to add")
  .addOptionalParam("id", "Sequencer id")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { amount: string; id?: string; from?: string }, hre) =>
    operate(hre, "increaseStake", a.from, async (suite, signer) => {
      const id = await sequencerId(suite, signer, a.id);
      await sent(`stake of #${id} increased`, suite.registry.increaseStake(id, { value: lux(hre, a.amount) }));
    }),
  );

lp504
  .task("delegate", "Delegates stake to a sequencer's pool")
  .addParam("id", "Sequencer id")
  .addParam("amount", "LUX to delegate")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { id: string; amount: string; from?: string }, hre) =>
    operate(hre, "delegateStake", a.from, async ({ registry, lens }, signer) => {
      await sent(`delegated to #${a.id}`, registry.delegateStake(a.id, { value: lux(hre, a.amount) }));
      const [shares, value] = await lens.delegationOf(a.id, await signer.getAddress());
      console.log(`delegation: ${shares} shares worth ${fmtLux(value)}`);
    }),
  );

lp504
  .task("undelegate", "Queues an undelegation (withdrawable after the exit delay)")
  .addParam("id", "Sequencer id")
  .addOptionalParam("shares", "Shares to undelegate (default: all)")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { id: string; shares?: string; from?: string }, hre) =>
    operate(hre, "undelegate", a.from, async ({ registry, lens }, signer) => {
      const shares = a.shares !== undefined ? BigInt(a.shares) : (await lens.delegationOf(a.id, await signer.getAddress()))[0];
      const receipt = await sent(`undelegated ${shares} shares from #${a.id}`, registry.undelegate(a.id, shares));
      const queued = receipt.logs.map((l) => registry.interface.parseLog(l)).find((l) => l?.name === "UndelegationQueued");
      if (queued)
        console.log(
          `unbonding request ${queued.args.requestId}: \`lp504 withdraw --request ${queued.args.requestId}\` after the exit delay`,
        );
      return queued?.args.requestId as bigint | undefined;
    }),
  );

lp504
  .task("tags", "Declares the --from operator's network region and infrastructure provider (numbers, 0 = untagged)")
  .addParam("region", "Region code (0..65535; 0 = untagged)")
  .addOptionalParam("provider", "Provider code (0..65535; 0 = untagged)", "0")
  .addOptionalParam("id", "Sequencer id (default: the --from account's)")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { region: string; provider: string; id?: string; from?: string }, hre) =>
    operate(hre, "setTags", a.from, async (suite, signer) => {
      const id = await sequencerId(suite, signer, a.id);
      const region = parseWhole(a.region, "--region");
      const provider = parseWhole(a.provider, "--provider");
      for (const [what, v] of [
        ["--region", region],
        ["--provider", provider],
      ] as const)
        if (v > 0xffffn) throw new HardhatPluginError(PLUGIN, `${what}: ${v} is not a 16-bit code (0..65535)`);
      await sent(`#${id} tagged region ${region}, provider ${provider}`, suite.registry.setTags(id, region, provider));
      const [regionWeight, activeCount] = await suite.lens.regionOf(region);
      const total = await suite.lens.totalActiveWeight();
      console.log(`region ${region}: ${activeCount} Active, ${share(regionWeight, total)} of the Active weight`);
    }),
  );

lp504
  .task("exit", "Starts the exit of a sequencer (or completes it with --complete after the exit delay)")
  .addOptionalParam("id", "Sequencer id (default: the --from account's)")
  .addFlag("complete", "Complete a started exit and credit the stake to the withdrawable balance")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { id?: string; complete: boolean; from?: string }, hre) =>
    operate(hre, a.complete ? "completeExit" : "initiateExit", a.from, async (suite, signer) => {
      const id = await sequencerId(suite, signer, a.id);
      if (a.complete) await sent(`exit of #${id} completed`, suite.registry.completeExit(id));
      else await sent(`exit of #${id} started`, suite.registry.initiateExit(id));
    }),
  );

lp504
  .task("withdraw", "Withdraws the --from account's balance (or an unbonding request, or a pool's rewards)")
  .addOptionalParam("request", "Unbonding request id to withdraw")
  .addOptionalParam("rewards", "Sequencer id whose pool rewards to claim first")
  .addFlag("auction", "Withdraw auction refunds instead (deposits, winners' change, released bonds) from the selection contract")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { request?: string; rewards?: string; auction: boolean; from?: string }, hre) =>
    operate(hre, "withdraw", a.from, async ({ registry, selection }, signer) => {
      if (a.auction) {
        const owed = await selection.pendingReturns(await signer.getAddress());
        return sent(`withdrew ${fmtLux(owed)} of auction refunds`, selection.withdraw());
      }
      if (a.request !== undefined) return sent(`unbonding request ${a.request} withdrawn`, registry.withdrawUnbonding(a.request));
      if (a.rewards !== undefined) await sent(`rewards of #${a.rewards} claimed`, registry.claimRewards(a.rewards));
      const balance = await registry.withdrawableBalance(await signer.getAddress());
      await sent(`withdrew ${fmtLux(balance)}`, registry.withdraw());
    }),
  );

lp504
  .task("status", "A table of the sequencers: stake, status, weight, score, the active one marked")
  .addOptionalParam("start", "First sequencer id", 1, types.int)
  .addOptionalParam("limit", "How many", 50, types.int)
  .setAction(async (a: { start: number; limit: number }, hre) =>
    withDecodedErrors(hre, "status", async () => {
      const { registry, lens } = await attachSuite(hre);
      const [total, active, current, config, count, insurance, totalWeight] = await Promise.all([
        registry.totalSequencers(),
        registry.getActiveSequencer(),
        registry.currentSequencerId(),
        registry.getConfig(),
        registry.activeSequencerCount(),
        registry.insuranceFund(),
        lens.totalActiveWeight(),
      ]);
      const rows = [];
      const end = Math.min(Number(total), a.start + a.limit - 1);
      for (let id = a.start; id <= end; id++) {
        const [s, pool, score] = await Promise.all([registry.getSequencer(id), lens.getPool(id), registry.performanceOf(id)]);
        rows.push({
          id,
          " ": BigInt(id) === current ? "▶" : "",
          operator: s.operator,
          status: SequencerStatus[Number(s.status)],
          "own stake": fmtLux(s.stake),
          "pool value": fmtLux(pool.bondedStake),
          "weight share": share(await lens.weightOf(id), totalWeight),
          score: `${Number(score) / 100}%`,
        });
      }
      console.log(
        `chain ${await chainIdOf(hre)} · ${total} sequencers, ${count} active · mode ${SelectionMode[Number(config.selectionMode)]} · active sequencer ${active} · insurance ${fmtLux(insurance)}`,
      );
      if (rows.length) console.table(rows);
      return { total: Number(total), active, rows: rows.length };
    }),
  );

lp504
  .task("rotate", "Rotates to the next sequencer once the rotation period has passed (anyone may call)")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { from?: string }, hre) =>
    operate(hre, "rotateSequencer", a.from, async ({ registry }) => {
      const before = await registry.getActiveSequencer();
      await sent("rotated", registry.rotateSequencer());
      const after = await registry.getActiveSequencer();
      console.log(`active sequencer: ${before} → ${after}`);
      return after;
    }),
  );

lp504
  .task(
    "bid",
    "Commits a sealed bid in a sequencing-rights auction (reveal it with reveal-bid after bidding closes; --open bids in the open)",
  )
  .addParam("auction", "Auction id")
  .addParam("amount", "Bid in LUX (the price per seat is the highest losing bid; a winner's bond comes on top)")
  .addOptionalParam("deposit", "Deposit in LUX, at least amount + bond (more hides the bid); default amount + bond")
  .addOptionalParam("salt", "32-byte hex salt (default: random, printed: keep it to reveal)")
  .addFlag("open", "Place an open bid (committed and revealed at once) instead")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { auction: string; amount: string; deposit?: string; salt?: string; open: boolean; from?: string }, hre) =>
    operate(hre, a.open ? "placeBid" : "commitBid", a.from, async ({ selection }, signer) => {
      const bond = (await selection.auctionDetails(a.auction)).bond;
      const amount = lux(hre, a.amount);
      if (a.open) {
        await sent(`open bid ${a.amount} LUX in auction ${a.auction}`, selection.placeBid(a.auction, { value: amount + bond }));
        return;
      }
      const deposit = a.deposit === undefined ? amount + bond : lux(hre, a.deposit);
      const salt = a.salt ?? sealBid(amount).salt;
      // Computed locally: an eth_call of the contract's bidCommitment would show the amount to the RPC node.
      const bidder = await signer.getAddress();
      const commitment = bidCommitment(await chainIdOf(hre), await selection.getAddress(), BigInt(a.auction), bidder, { amount, salt });
      await sent(
        `sealed bid in auction ${a.auction} (deposit ${fmtLux(deposit)} LUX)`,
        selection.commitBid(a.auction, commitment, { value: deposit }),
      );
      console.log(`reveal after bidding closes: lp504 reveal-bid --auction ${a.auction} --amount ${a.amount} --salt ${salt}`);
    }),
  );

lp504
  .task("reveal-bid", "Reveals a sealed bid in the auction's reveal period (an unrevealed bid forfeits its deposit)")
  .addParam("auction", "Auction id")
  .addParam("amount", "The committed bid in LUX")
  .addParam("salt", "The salt printed when the bid was committed")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { auction: string; amount: string; salt: string; from?: string }, hre) =>
    operate(hre, "revealBid", a.from, async ({ selection }) => {
      await sent(`revealed ${a.amount} LUX in auction ${a.auction}`, selection.revealBid(a.auction, lux(hre, a.amount), a.salt));
    }),
  );

lp504
  .task("vrf-commit", "Commits the open VRF beacon round with the --from operator's VRF key (registers the key with --register)")
  .addParam("secret", "Secret the operator's VRF key is derived from (keep it private)")
  .addFlag("register", "Register the derived key for the operator's sequencer first")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { secret: string; register: boolean; from?: string }, hre) =>
    operate(hre, "commitVRF", a.from, async (suite, signer) => {
      const beacon = suite.beacon;
      if (!beacon) throw new HardhatPluginError(PLUGIN, "this deployment uses Chainlink VRF, not the sequencers' beacon");
      const key = operatorVrfKey(hre.ethers.isHexString(a.secret, 32) ? a.secret : hre.ethers.id(a.secret));
      const keyHash = vrfKeyHash(key.pk);
      if (a.register) {
        const id = await sequencerId(suite, signer);
        const receipt = await sent(`VRF key registered for #${id}`, beacon.registerVRFKey(id, key.pk));
        console.log(`key ${keyHash} registered in block ${receipt?.blockNumber}: in effect for rounds requested after it`);
      }
      if (!a.register) {
        // Before any transaction: a sequencer without a key can commit nothing, so nothing is requested for it.
        const id = await sequencerId(suite, signer);
        const [latest] = await beacon.latestVRFKey(id);
        if (latest === hre.ethers.ZeroHash) {
          throw new HardhatPluginError(
            PLUGIN,
            `sequencer #${id} has no VRF key registered: run vrf-commit with --register (it registers ${keyHash}, in effect for rounds requested after it)`,
          );
        }
      }
      let round = await openRound(beacon);
      if (!round.open) {
        console.log("no round is open: requesting randomness opens one");
        await sent("randomness requested", suite.selection.requestRandomness());
        round = await openRound(beacon);
      }
      if (round.keyHash !== keyHash) {
        const [latest, effective] = await beacon.latestVRFKey(round.committerId);
        const pending =
          latest === keyHash && effective > round.requestBlock
            ? `; this key was registered in block ${effective - 1n} and takes effect for rounds requested after it: ` +
              "wait for the next round (or the round's re-opening) and commit then"
            : "; a key registered in block X takes effect for rounds requested after X: use --register and wait for the next round";
        throw new HardhatPluginError(
          PLUGIN,
          `round ${round.round} (requested in block ${round.requestBlock}) belongs to sequencer #${round.committerId}, whose key then was ` +
            `${round.keyHash}; --secret derives ${keyHash}${pending}`,
        );
      }
      let committed;
      try {
        committed = await commitRound(beacon, signer, key);
      } catch (error) {
        const data = (error as { data?: string }).data;
        const reason = data ? beacon.interface.parseError(data)?.name : undefined;
        const message = (error as Error).message ?? String(error);
        if (reason === "BeaconSeedUnavailable" || /not sealed|more than 256 blocks/.test(message)) {
          throw new HardhatPluginError(
            PLUGIN,
            `round ${round.round}'s seed is blockhash-based (request block ${round.requestBlock}): it exists from the next block ` +
              `until 256 blocks later; commit in a later block, or run skipCommitter once it has expired (${reason ?? message})`,
          );
        }
        throw error;
      }
      const { output, gasUsed } = committed;
      console.log(`round committed: output ${hre.ethers.toBeHex(output, 32)} (gas ${gasUsed})`);
    }),
  );

lp504
  .task("sign-commitment", "Signs an EIP-712 block commitment as the --from operator (prints the signature)")
  .addParam("id", "Sequencer id")
  .addParam("slot", "Slot number")
  .addParam("blockHash", "Block hash (bytes32)")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { id: string; slot: string; blockHash: string; from?: string }, hre) =>
    operate(hre, "sign", a.from, async ({ registry }, signer) => {
      const signature = await signBlockCommitment(signer, await registry.getAddress(), await chainIdOf(hre), {
        sequencerId: BigInt(a.id),
        slot: BigInt(a.slot),
        blockHash: a.blockHash,
      });
      console.log(signature);
      return signature;
    }),
  );

lp504
  .task("attest-block", "Signs an EIP-712 block attestation (every recorded metric) as the --from sequencer (prints it)")
  .addParam("id", "Sequencer id that produced the block")
  .addParam("slot", "Slot of the block")
  .addParam("number", "Block number")
  .addParam("blockHash", "Block hash (bytes32)")
  .addParam("gasUsed", "Gas used by the block")
  .addParam("txCount", "Transactions in the block")
  .addOptionalParam("from", FROM)
  .setAction(
    async (a: { id: string; slot: string; number: string; blockHash: string; gasUsed: string; txCount: string; from?: string }, hre) =>
      operate(hre, "sign", a.from, async ({ monitor }, signer) => {
        const signature = await signBlockAttestation(signer, await monitor.getAddress(), await chainIdOf(hre), {
          sequencerId: BigInt(a.id),
          slot: BigInt(a.slot),
          blockNumber: BigInt(a.number),
          blockHash: a.blockHash,
          gasUsed: BigInt(a.gasUsed),
          txCount: BigInt(a.txCount),
        });
        console.log(signature);
        return signature;
      }),
  );

lp504
  .task("report-equivocation", "Reports two conflicting signed block commitments: slashes, suspends, pays the reporter")
  .addParam("id", "Sequencer id")
  .addParam("slot", "Slot both commitments are for")
  .addParam("hashA", "First block hash")
  .addParam("sigA", "Signature of the first commitment")
  .addParam("hashB", "Second block hash")
  .addParam("sigB", "Signature of the second commitment")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { id: string; slot: string; hashA: string; sigA: string; hashB: string; sigB: string; from?: string }, hre) =>
    operate(hre, "reportMisbehavior", a.from, async ({ registry }, signer) => {
      const evidence = encodeEquivocationEvidence(BigInt(a.slot), a.hashA, a.sigA, a.hashB, a.sigB);
      const receipt = await sent(`evidence against #${a.id} submitted`, registry.reportMisbehavior(a.id, evidence));
      const names = receipt.logs.map((l) => registry.interface.parseLog(l)?.name);
      if (!names.includes("EquivocationProven")) {
        console.log("the evidence is not a canonical equivocation proof: it was recorded for governance and slashed nothing");
        return false;
      }
      console.log(`equivocation proven: #${a.id} slashed and suspended`);
      const proven = receipt.logs.map((l) => registry.interface.parseLog(l)).find((l) => l?.name === "EquivocationProven");
      console.log(
        `reporter reward ${fmtLux(proven!.args.reporterReward)} credited: balance ${fmtLux(await registry.withdrawableBalance(await signer.getAddress()))} (\`lp504 withdraw\`)`,
      );
      return true;
    }),
  );

lp504
  .task("job-submit", "Submits an AI compute job with escrowed payment")
  .addParam("payment", "Payment in LUX (escrowed)")
  .addOptionalParam("flops", "Required GFLOPS", "100")
  .addOptionalParam("memory", "Required memory (MiB)", "1024")
  .addOptionalParam("priority", "Priority", "1")
  .addOptionalParam("deadline", "Deadline from now: seconds, or 30m, 2h, 1d", "2h")
  .addFlag("gpu", "Require a sequencer with a GPU")
  .addFlag("tee", "Require a sequencer in a trusted execution environment")
  .addOptionalParam("model", "Require a sequencer that lists this model (e.g. llama-3-70b)")
  .addOptionalParam("bandwidth", "Require at least this network bandwidth (Mbit/s)")
  .addOptionalParam("spec", "Free-form job spec (UTF-8), after the requirements", "")
  .addOptionalParam("from", FROM)
  .setAction(
    async (
      a: {
        payment: string;
        flops: string;
        memory: string;
        priority: string;
        deadline: string;
        gpu: boolean;
        tee: boolean;
        model?: string;
        bandwidth?: string;
        spec: string;
        from?: string;
      },
      hre,
    ) => {
      const flops = parseWhole(a.flops, "--flops") * GFLOP;
      const memory = parseWhole(a.memory, "--memory") * MIB;
      const priority = parseWhole(a.priority, "--priority");
      const lifetime = parseDuration(a.deadline, "--deadline");
      const free = hre.ethers.toUtf8Bytes(a.spec);
      const requires = a.gpu || a.tee || a.model !== undefined || a.bandwidth !== undefined;
      const jobSpec = requires
        ? encodeJobRequirements(
            {
              gpu: a.gpu,
              tee: a.tee,
              model: a.model,
              minBandwidth: a.bandwidth === undefined ? 0n : parseWhole(a.bandwidth, "--bandwidth"),
            },
            free,
          )
        : free;
      return operate(hre, "submitComputeJob", a.from, async ({ scheduler }, signer) => {
        const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
        const job = {
          jobId: hre.ethers.ZeroHash,
          requiredFlops: flops,
          memoryRequirement: memory,
          deadline: BigInt(now) + lifetime,
          priority,
          requester: await signer.getAddress(),
          jobSpec,
        };
        const receipt = await sent("job submitted", scheduler.submitComputeJob(job, { value: lux(hre, a.payment) }));
        // The id from this transaction's own event: a job submitted by someone else in between takes the next id.
        const submitted = receipt.logs
          .map((log) => (log.address === receipt.to ? scheduler.interface.parseLog(log) : null))
          .find((parsed) => parsed?.name === "JobSubmitted");
        if (!submitted) throw new HardhatPluginError(PLUGIN, `the submission ${receipt.hash} emitted no JobSubmitted event`);
        const jobId: string = submitted.args.jobId;
        console.log(`job ${jobId} (deadline ${new Date(Number(job.deadline) * 1000).toISOString()})`);
        return jobId;
      });
    },
  );

const JOB_STATUS = [
  "None",
  "Queued",
  "Scheduled",
  "Running",
  "ResultSubmitted",
  "Completed",
  "Cancelled",
  "Expired",
  "Failed",
  "Offered",
  "Disputed",
];

lp504
  .task("job", "Inspects a compute job")
  .addParam("id", "Job id (32-byte hex, as job-submit printed it)")
  .setAction(async (a: { id: string }, hre) =>
    withDecodedErrors(hre, "getJob", async () => {
      const id = jobIdFrom(hre, a.id);
      const { schedulerLens } = await attachSuite(hre);
      const [job] = await schedulerLens.getJob(id);
      if (Number(job.status) === 0) throw new HardhatPluginError(PLUGIN, `no job ${a.id}`);
      console.table([
        {
          status: JOB_STATUS[Number(job.status)],
          requester: job.requester,
          sequencer: job.sequencerId.toString(),
          priority: job.priority.toString(),
          gflops: (job.requiredFlops / GFLOP).toString(),
          "memory MiB": (job.memoryRequirement / MIB).toString(),
          payment: fmtLux(job.payment),
          deadline: new Date(Number(job.deadline) * 1000).toISOString(),
        },
      ]);
      return JOB_STATUS[Number(job.status)];
    }),
  );

lp504.task("clusters", "Lists the training clusters with their members, epoch and progress").setAction(async (_a, hre) =>
  withDecodedErrors(hre, "clusters", async () => {
    const { training, record } = await attachSuite(hre);
    const from = record.contracts.TrainingCoordinator!.blockNumber;
    const created = await training.queryFilter(training.filters.ClusterCreated(), from);
    const rows = [];
    for (const log of created) {
      const id = log.args.clusterId;
      const c = await training.getCluster(id);
      const [generation] = await training.clusterState(id);
      rows.push({
        cluster: `${id.slice(0, 10)}…`,
        model: c.modelHash.slice(0, 10) + "…",
        members: c.sequencerIds.map(String).join(","),
        epoch: `${c.currentEpoch}/${c.totalEpochs}`,
        generation: generation.toString(),
      });
    }
    console.log(`${rows.length} training clusters`);
    if (rows.length) console.table(rows);
    return rows.length;
  }),
);
