/**
 * What the dashboard shows, read from the chain: bounded reads only. The sequencer set is read one page of ids at a
 * time; lists of things (rotations, slashes, auctions, encrypted transactions, jobs) come from the contracts'
 * events, scanned in bounded block ranges and kept incrementally, and only the newest few are looked up.
 */
import type { JsonRpcProvider, Log } from "ethers";
import {
  parseEvents,
  type SequencerRegistry,
  type RegistryLens,
  type SelectionMechanisms,
  type MEVMitigation,
  type AIScheduler,
  type SchedulerLens,
  type SuiteAbiName,
  type SuiteEvent,
} from "../../index";
import { attach, type SuiteAddresses } from "./deployment";

/** Ids per page of the sequencer table, by default and at most. */
export const PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** Blocks per `eth_getLogs` request (public RPCs refuse larger ranges). */
export const LOG_CHUNK = 2_000;
/** The first scan goes back from the latest block until it has `SHOWN` rotations, the registry's deployment block,
 * or this many ranges (100,000 blocks). */
export const MAX_BACKFILL_CHUNKS = 50;
/** Events kept per list, and entries looked up and shown per list. */
const KEEP = 200;
export const SHOWN = 20;

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

export interface SequencerRow {
  id: bigint;
  operator: string;
  endpoint: string;
  status: number;
  stake: bigint;
  delegatedStake: bigint;
  performance: bigint;
  /** From the lens, when there is one. */
  pool?: { bondedStake: bigint; bondedShares: bigint; unbondingStake: bigint; commissionBps: bigint };
  weight?: bigint;
}

export interface Overview {
  chainId: bigint;
  blockNumber: number;
  blockTime: number;
  totalSequencers: bigint;
  activeCount: bigint;
  currentSequencerId: bigint;
  activeSequencer: string;
  fallbackMode: boolean;
  lastRotationTime: bigint;
  nextRotationTime: bigint;
  /** The Active sequencer after the current one in rotation order (what round-robin hands over to). */
  nextInOrder: bigint;
  config: {
    minStake: bigint;
    maxSequencers: bigint;
    rotationPeriod: bigint;
    exitDelay: bigint;
    selectionMode: number;
    slashingBps: bigint;
  };
  insuranceFund: bigint;
}

export interface AuctionView {
  count: bigint;
  minBid: bigint;
  winners: bigint;
  turnsPerAuction: bigint;
  escrow: { deposits: bigint; bonds: bigint; owed: bigint };
  latest?: {
    id: bigint;
    startTime: bigint;
    endTime: bigint;
    revealPeriod: bigint;
    seats: bigint;
    reserve: bigint;
    bond: bigint;
    bidCount: bigint;
    unrevealed: bigint;
    finalizedAt: bigint;
    clearingPrice: bigint;
    /** Winners and the price-setting loser, highest bid first. */
    top: string[];
    /** Finalized: the turns in schedule order (zero address: a stake-weighted random turn) and the next one. */
    schedule?: { turns: string[]; cursor: bigint };
  };
  rotationDraw: { forId: bigint; drawnId: bigint };
}

export interface MempoolTx {
  txId: string;
  sender: string;
  kind: "threshold" | "time-lock";
  sequence: bigint;
  deadline: bigint;
  unlockTime: bigint;
  status: number;
}

export interface MempoolView {
  epoch: bigint;
  threshold: bigint;
  revealWindow: bigint;
  submitted: bigint;
  recent: MempoolTx[];
}

export interface JobRow {
  jobId: string;
  requester: string;
  status: number;
  sequencerId: bigint;
  payment: bigint;
  priority: bigint;
  deadline: bigint;
  requiredFlops: bigint;
}

export interface JobsView {
  policy?: number;
  escrow?: bigint;
  withdrawable?: bigint;
  nextQueued?: string;
  recent: JobRow[];
}

/** A decoded event with the time of its block. */
export type Timed<E> = E & { time?: number };
type RegistryEvent = SuiteEvent<"SequencerRegistry">;
type SelectionEvent = SuiteEvent<"SelectionMechanisms">;

export interface Snapshot {
  addresses: SuiteAddresses;
  /** Sequencer ids of the operators the lists name (lower-case address → id; 0: none live). */
  operatorIds: Map<string, bigint>;
  overview: Overview;
  /** One page of the set; `totalWeight`: the Active sequencers' total selection weight (from the lens). */
  page: { from: bigint; to: bigint; rows: SequencerRow[]; totalWeight?: bigint };
  rotations: Timed<RegistryEvent>[];
  penalties: Timed<RegistryEvent>[];
  auctionEvents: Timed<SelectionEvent>[];
  auction?: AuctionView;
  mempool?: MempoolView;
  jobs?: JobsView;
  /** Blocks of events scanned: [from, to]. */
  scanned: [number, number];
}

const ROTATION_EVENTS = new Set(["SequencerRotated"]);
const PENALTY_EVENTS = new Set(["SequencerSlashed", "MisbehaviorReported", "EquivocationProven"]);
const AUCTION_EVENTS = new Set(["AuctionStarted", "BidPlaced", "BidCommitted", "BidRevealed", "AuctionFinalized", "BondSlashed"]);

/** Keeps the newest `KEEP` entries of `list` after appending `items` (oldest first). */
function append<T>(list: T[], items: T[]): void {
  list.push(...items);
  if (list.length > KEEP) list.splice(0, list.length - KEEP);
}

/**
 * Reads a deployment's state; `refresh` reads it again, scanning only the blocks it has not seen. Each instance
 * keeps the events it found, so a refresh costs the new blocks' logs and a fixed number of calls.
 */
export class DashboardReader {
  private readonly registry;
  private readonly lens;
  private readonly selection;
  private readonly mev;
  private readonly scheduler;
  private readonly schedulerLens;
  private scannedFrom = -1;
  private scannedTo = -1;
  private readonly rotations: RegistryEvent[] = [];
  private readonly penalties: RegistryEvent[] = [];
  private readonly auctionEvents: SelectionEvent[] = [];
  private readonly mempoolTxs: { txId: string; sender: string; kind: MempoolTx["kind"] }[] = [];
  private readonly jobIds: string[] = [];
  private readonly blockTimes = new Map<number, number>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly provider: JsonRpcProvider,
    readonly chainId: bigint,
    readonly addresses: SuiteAddresses,
  ) {
    const a = addresses;
    this.registry = attach<SequencerRegistry>("SequencerRegistry", a.registry, provider);
    this.lens = a.lens ? attach<RegistryLens>("RegistryLens", a.lens, provider) : undefined;
    this.selection = a.selection ? attach<SelectionMechanisms>("SelectionMechanisms", a.selection, provider) : undefined;
    this.mev = a.mev ? attach<MEVMitigation>("MEVMitigation", a.mev, provider) : undefined;
    this.scheduler = a.scheduler ? attach<AIScheduler>("AIScheduler", a.scheduler, provider) : undefined;
    this.schedulerLens = a.schedulerLens ? attach<SchedulerLens>("SchedulerLens", a.schedulerLens, provider) : undefined;
  }

  /** Stops the reader's provider (when the page connects elsewhere). */
  close(): void {
    this.provider.destroy();
  }

  /**
   * The state at the latest block, with sequencer ids `firstId` … `firstId + pageSize − 1`. Reads run one at a time
   * (each continues the event scan where the previous one stopped).
   */
  read(firstId: bigint, pageSize = PAGE_SIZE): Promise<Snapshot> {
    const next = this.queue.then(() => this.readNow(firstId, pageSize));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readNow(firstId: bigint, pageSize: number): Promise<Snapshot> {
    const latest = await this.provider.getBlock("latest");
    if (!latest) throw new Error("the node returned no latest block");
    const blockTag = latest.number;
    await this.scan(blockTag);
    const [overview, auction, mempool, jobs] = await Promise.all([
      this.readOverview(blockTag, latest.timestamp),
      this.readAuction(blockTag),
      this.readMempool(blockTag),
      this.readJobs(blockTag),
    ]);
    const page = await this.readPage(firstId, pageSize, overview.totalSequencers, blockTag);
    const newest = <E extends { blockNumber?: number }>(list: E[]) => list.slice(-SHOWN).reverse();
    const [rotations, penalties, auctionEvents] = await Promise.all([
      this.timed(newest(this.rotations)),
      this.timed(newest(this.penalties)),
      this.timed(newest(this.auctionEvents)),
    ]);
    const operators = rotations.flatMap((e) => (e.name === "SequencerRotated" ? [e.args.oldSequencer, e.args.newSequencer] : []));
    operators.push(...(auction?.latest?.top ?? []), ...(auction?.latest?.schedule?.turns ?? []));
    const operatorIds = await this.idsOf(operators, blockTag);
    return {
      addresses: this.addresses,
      operatorIds,
      overview,
      page,
      rotations,
      penalties,
      auctionEvents,
      auction,
      mempool,
      jobs,
      scanned: [this.scannedFrom, this.scannedTo],
    };
  }

  private async readOverview(blockTag: number, blockTime: number): Promise<Overview> {
    const r = this.registry;
    const call = { blockTag };
    const [total, activeCount, currentId, active, fallbackMode, lastRotation, nextRotation, config, insurance] = await Promise.all([
      r.totalSequencers(call),
      r.activeSequencerCount(call),
      r.currentSequencerId(call),
      r.getActiveSequencer(call),
      r.isFallbackMode(call),
      r.lastRotationTime(call),
      r.nextRotationTime(call),
      r.getConfig(call),
      r.insuranceFund(call),
    ]);
    const nextInOrder = activeCount === 0n ? 0n : await r.nextActiveSequencer(currentId, call);
    return {
      chainId: this.chainId,
      blockNumber: blockTag,
      blockTime,
      totalSequencers: total,
      activeCount,
      currentSequencerId: currentId,
      activeSequencer: active,
      fallbackMode,
      lastRotationTime: lastRotation,
      nextRotationTime: nextRotation,
      nextInOrder,
      config: {
        minStake: config.minStake,
        maxSequencers: config.maxSequencers,
        rotationPeriod: config.rotationPeriod,
        exitDelay: config.exitDelay,
        selectionMode: Number(config.selectionMode),
        slashingBps: config.slashingPercentage,
      },
      insuranceFund: insurance,
    };
  }

  /** Sequencers `firstId` … `firstId + pageSize − 1` (ids start at 1 and are never reused). */
  private async readPage(firstId: bigint, pageSize: number, total: bigint, blockTag: number): Promise<Snapshot["page"]> {
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new Error(`the page size ${pageSize} is not a whole number from 1 to ${MAX_PAGE_SIZE}`);
    }
    const from = firstId < 1n ? 1n : firstId;
    const last = from + BigInt(pageSize) - 1n;
    const to = last < total ? last : total;
    const ids: bigint[] = [];
    for (let id = from; id <= to; id++) ids.push(id);
    const call = { blockTag };
    const totalWeight = this.lens?.totalActiveWeight(call);
    const rows = await Promise.all(
      ids.map(async (id): Promise<SequencerRow> => {
        const [info, performance, pool, weight] = await Promise.all([
          this.registry.getSequencer(id, call),
          this.registry.performanceOf(id, call),
          this.lens?.getPool(id, call),
          this.lens?.weightOf(id, call),
        ]);
        return {
          id,
          operator: info.operator,
          endpoint: info.endpoint,
          status: Number(info.status),
          stake: info.stake,
          delegatedStake: info.delegatedStake,
          performance,
          pool: pool && {
            bondedStake: pool.bondedStake,
            bondedShares: pool.bondedShares,
            unbondingStake: pool.unbondingStake,
            commissionBps: pool.commissionBps,
          },
          weight,
        };
      }),
    );
    return { from, to, rows, totalWeight: await totalWeight };
  }

  private async readAuction(blockTag: number): Promise<AuctionView | undefined> {
    const s = this.selection;
    if (!s) return undefined;
    const call = { blockTag };
    const [count, params, escrow, draw] = await Promise.all([
      s.auctionCount(call),
      s.getParameters(call),
      s.auctionEscrow(call),
      s.rotationDraw(call),
    ]);
    const view: AuctionView = {
      count,
      minBid: params.minBid,
      winners: params.auctionWinners,
      turnsPerAuction: params.turnsPerAuction,
      escrow: { deposits: escrow.deposits, bonds: escrow.bonds, owed: escrow.owed },
      rotationDraw: { forId: draw.forId, drawnId: draw.drawnId },
    };
    if (count === 0n) return view;
    const a = await s.auctionDetails(count, call);
    view.latest = {
      id: count,
      startTime: a.startTime,
      endTime: a.endTime,
      revealPeriod: a.revealPeriod,
      seats: a.seats,
      reserve: a.reserve,
      bond: a.bond,
      bidCount: a.bidCount,
      unrevealed: a.unrevealed,
      finalizedAt: a.finalizedAt,
      clearingPrice: a.clearingPrice,
      top: a.top.slice(0, Number(a.bidCount)),
    };
    if (a.finalizedAt !== 0n) {
      const [turns, cursor] = await s.auctionSchedule(count, call);
      view.latest.schedule = { turns: [...turns], cursor };
    }
    return view;
  }

  private async readMempool(blockTag: number): Promise<MempoolView | undefined> {
    const m = this.mev;
    if (!m) return undefined;
    const call = { blockTag };
    const shown = this.mempoolTxs.slice(-SHOWN).reverse();
    const [config, records] = await Promise.all([m.configuration(call), Promise.all(shown.map((t) => m.getTransaction(t.txId, call)))]);
    return {
      epoch: config.epoch,
      threshold: config.threshold,
      revealWindow: config.revealWindow,
      submitted: config.submitted,
      recent: shown.map((t, i) => ({
        ...t,
        sequence: records[i].sequence,
        deadline: records[i].deadline,
        unlockTime: records[i].unlockTime,
        status: Number(records[i].status),
      })),
    };
  }

  private async readJobs(blockTag: number): Promise<JobsView | undefined> {
    if (!this.scheduler) return undefined;
    const lens = this.schedulerLens;
    const view: JobsView = { recent: [] };
    if (!lens) return view;
    const call = { blockTag };
    const shown = this.jobIds.slice(-SHOWN).reverse();
    const [policy, accounting, nextQueued, jobs] = await Promise.all([
      lens.schedulingPolicy(call),
      lens.accounting(call),
      lens.nextQueuedJob(call),
      Promise.all(shown.map((id) => lens.getJob(id, call))),
    ]);
    view.policy = Number(policy);
    view.escrow = accounting.escrow;
    view.withdrawable = accounting.withdrawable;
    view.nextQueued = BigInt(nextQueued) === 0n ? undefined : nextQueued;
    view.recent = shown.map((jobId, i) => {
      const j = jobs[i].job;
      return {
        jobId,
        requester: j.requester,
        status: Number(j.status),
        sequencerId: j.sequencerId,
        payment: j.payment,
        priority: j.priority,
        deadline: j.deadline,
        requiredFlops: j.requiredFlops,
      };
    });
    return view;
  }

  /**
   * Scans the suite's logs up to `latest`. The first time backwards, newest range first, until it has `SHOWN`
   * rotations, reaches the registry's deployment block or has read `MAX_BACKFILL_CHUNKS` ranges; then forwards,
   * only the blocks not seen yet.
   */
  private async scan(latest: number): Promise<void> {
    const getLogs = (fromBlock: number, toBlock: number) => this.provider.getLogs({ address: this.watched(), fromBlock, toBlock });
    if (this.scannedTo < 0) {
      const floor = this.addresses.fromBlock ?? 0;
      const ranges: Log[][] = [];
      let from = latest + 1;
      let rotations = 0;
      while (from > floor && ranges.length < MAX_BACKFILL_CHUNKS && rotations < SHOWN) {
        const to = from - 1;
        from = Math.max(floor, to - LOG_CHUNK + 1);
        const logs = await getLogs(from, to);
        ranges.unshift(logs);
        rotations += parseEvents("SequencerRegistry", logs, { address: this.addresses.registry }).filter((e) =>
          ROTATION_EVENTS.has(e.name),
        ).length;
      }
      this.take(ranges.flat());
      this.scannedFrom = Math.min(from, latest);
      this.scannedTo = latest;
      return;
    }
    while (this.scannedTo < latest) {
      const from = this.scannedTo + 1;
      const to = Math.min(latest, from + LOG_CHUNK - 1);
      this.take(await getLogs(from, to));
      this.scannedTo = to;
    }
  }

  /** The contracts whose events the dashboard lists. */
  private watched(): string[] {
    const a = this.addresses;
    return [a.registry, a.selection, a.mev, a.scheduler].filter((x): x is string => x !== undefined);
  }

  private take(logs: Log[]): void {
    const a = this.addresses;
    const of = <C extends SuiteAbiName>(contract: C, address: string | undefined) =>
      address ? parseEvents(contract, logs, { address }) : ([] as SuiteEvent<C>[]);
    const registryEvents = of("SequencerRegistry", a.registry);
    append(
      this.rotations,
      registryEvents.filter((e) => ROTATION_EVENTS.has(e.name)),
    );
    append(
      this.penalties,
      registryEvents.filter((e) => PENALTY_EVENTS.has(e.name)),
    );
    append(
      this.auctionEvents,
      of("SelectionMechanisms", a.selection).filter((e) => AUCTION_EVENTS.has(e.name)),
    );
    const mempool: { txId: string; sender: string; kind: MempoolTx["kind"] }[] = [];
    for (const e of of("MEVMitigation", a.mev)) {
      if (e.name === "EncryptedTxSubmitted") mempool.push({ txId: e.args.txId, sender: e.args.sender, kind: "threshold" });
      if (e.name === "TimelockedTxSubmitted") mempool.push({ txId: e.args.txId, sender: e.args.sender, kind: "time-lock" });
    }
    append(this.mempoolTxs, mempool);
    append(
      this.jobIds,
      of("AIScheduler", a.scheduler).flatMap((e) => (e.name === "JobSubmitted" ? [e.args.jobId] : [])),
    );
  }

  /** `events` with their blocks' times (one block lookup per new block, cached). */
  private async timed<E extends { blockNumber?: number }>(events: E[]): Promise<Timed<E>[]> {
    const blocks = [...new Set(events.map((e) => e.blockNumber).filter((b): b is number => b !== undefined))];
    await Promise.all(
      blocks
        .filter((b) => !this.blockTimes.has(b))
        .map(async (b) => {
          const block = await this.provider.getBlock(b);
          if (block) this.blockTimes.set(b, block.timestamp);
        }),
    );
    return events.map((e) => ({ ...e, time: e.blockNumber === undefined ? undefined : this.blockTimes.get(e.blockNumber) }));
  }

  /** The ids of the live sequencers operated by `operators` (0: none, or the zero address), for naming operators. */
  private async idsOf(operators: string[], blockTag: number): Promise<Map<string, bigint>> {
    const unique = [...new Set(operators.map((o) => o.toLowerCase()))];
    const ids = await Promise.all(unique.map((o) => (o === ZERO_ADDRESS ? 0n : this.registry.sequencerIdOf(o, { blockTag }))));
    return new Map(unique.map((o, i) => [o, ids[i]]));
  }
}
