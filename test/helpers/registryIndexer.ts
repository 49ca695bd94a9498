/**
 * A reference indexer of a SequencerRegistry: rebuilds the registry's state from its logs alone (docs/EVENTS.md
 * says which event rebuilds what). It reads no view and no transaction: what it knows comes from `apply(log)`, in
 * chain order. The events test compares what it rebuilds with the contract's views.
 */
import { Interface, ZeroAddress, type Log, type Result } from "ethers";
import { decodeSequencerDescriptor } from "../../sdk";

const PRECISION = 10n ** 36n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const mulDiv = (a: bigint, b: bigint, d: bigint) => (d === 0n ? 0n : (a * b) / d);

/** The `Parameter` enum's members this indexer needs (their positions in ISequencerRegistry.Parameter). */
export const Parameter = { DefaultCommissionBps: 12, MinActiveSequencers: 15, ActivationBlock: 16 } as const;
const ACTIVE = 1; // SequencerStatus.Active

export interface IndexedPosition {
  shares: bigint;
  rewardDebt: bigint; // ⌈shares × accRewardPerShare / 1e36⌉ at the last settlement
}

export interface IndexedSequencer {
  id: bigint;
  operator: string;
  status: number;
  endpoint: string;
  publicKey: string;
  metadata: string;
  bondedStake: bigint;
  bondedShares: bigint;
  unbondingStake: bigint;
  unbondingShares: bigint;
  accRewardPerShare: bigint;
  commissionBps: bigint;
  pendingCommissionBps: bigint;
  commissionEffectiveAt: bigint; // 0: no increase queued
  exitRequestId: bigint;
  activationBlock: bigint;
  lastActiveBlock: bigint;
  performanceScore: bigint;
  positions: Map<string, IndexedPosition>;
}

export interface IndexedRequest {
  sequencerId: bigint;
  owner: string;
  shares: bigint; // unbonding shares
  releaseTime: bigint;
}

export class RegistryIndexer {
  readonly sequencers = new Map<bigint, IndexedSequencer>();
  /** Live operator → its sequencer id (what `sequencerIdOf` answers). */
  readonly operatorIds = new Map<string, bigint>();
  readonly requests = new Map<bigint, IndexedRequest>();
  lastRequestId = 0n;
  readonly balances = new Map<string, bigint>();
  insuranceFund = 0n;
  rewardsOutstanding = 0n;
  /** The Active set in rotation order. */
  rotation: bigint[] = [];
  currentId = 0n;
  readonly parameters = new Map<number, bigint>();
  fallbackSequencer = ZeroAddress;
  /** The next block whose logs have not been applied. */
  nextBlock = 0;

  constructor(private readonly iface: Interface) {}

  /**
   * Applies one log of the registry, in chain order; returns the event's name if it changes the rebuilt state, else
   * undefined (role grants, module wiring, evidence recorded for governance...).
   */
  apply(log: Log): string | undefined {
    const parsed = this.iface.parseLog(log);
    const handler = parsed ? this.handlers[parsed.name] : undefined;
    if (!parsed || !handler) return undefined;
    handler(parsed.args, BigInt(log.blockNumber));
    return parsed.name;
  }

  /** What each event changes, by event name. */
  readonly handlers: Readonly<Record<string, (a: Result, block: bigint) => void>> = {
    ParameterUpdated: (a) => this.parameters.set(Number(a.parameter), a.newValue),
    FallbackSequencerUpdated: (a) => (this.fallbackSequencer = a.fallbackSequencer),
    SequencerRegistered: (a) => {
      this.sequencers.set(a.sequencerId, {
        id: a.sequencerId,
        operator: a.operator,
        status: 0, // Inactive; a registration at minStake joins the set (SequencerStatusChanged follows)
        endpoint: "",
        publicKey: "0x",
        metadata: "0x",
        bondedStake: 0n,
        bondedShares: 0n,
        unbondingStake: 0n,
        unbondingShares: 0n,
        accRewardPerShare: 0n,
        commissionBps: this.parameters.get(Parameter.DefaultCommissionBps) ?? 0n, // the default at registration
        pendingCommissionBps: 0n,
        commissionEffectiveAt: 0n,
        exitRequestId: 0n,
        activationBlock: 0n,
        lastActiveBlock: 0n,
        performanceScore: 0n,
        positions: new Map(),
      });
      this.operatorIds.set(a.operator, a.sequencerId);
    },
    RegistrationDetails: (a) => {
      const s = this.sequencer(a.sequencerId);
      Object.assign(s, decodeSequencerDescriptor(a.descriptor));
      s.bondedStake = a.stake;
      s.bondedShares = a.stake; // one share per wei
      s.positions.set(a.operator, { shares: a.stake, rewardDebt: 0n });
    },
    Deposited: (a) => {
      const s = this.sequencer(a.sequencerId);
      s.bondedStake += a.amount;
      s.bondedShares += a.shares;
      this.setShares(s, a.account, this.position(s, a.account).shares + a.shares);
    },
    UndelegationQueued: (a) => {
      const s = this.sequencer(a.sequencerId);
      this.setShares(s, a.owner, this.position(s, a.owner).shares - a.shares);
      s.bondedStake -= a.amount;
      s.bondedShares -= a.shares;
      s.unbondingStake += a.amount;
      s.unbondingShares += a.unbondingShares;
      this.requests.set(a.requestId, {
        sequencerId: a.sequencerId,
        owner: a.owner,
        shares: a.unbondingShares,
        releaseTime: a.releaseTime,
      });
      this.lastRequestId = a.requestId;
    },
    UnbondingWithdrawn: (a) => {
      const r = this.requests.get(a.requestId);
      if (!r) throw new Error(`indexer: request ${a.requestId} withdrawn, but no UndelegationQueued introduced it`);
      const s = this.sequencer(r.sequencerId);
      s.unbondingStake -= a.amount;
      s.unbondingShares -= r.shares;
      this.requests.delete(a.requestId);
      this.credit(a.owner, a.amount);
    },
    ExitInitiated: (a) => (this.sequencer(a.sequencerId).exitRequestId = a.requestId),
    ExitCompleted: (a) => {
      const s = this.sequencer(a.sequencerId);
      s.exitRequestId = 0n;
      this.operatorIds.delete(s.operator); // the operator may register again, under a new id
    },
    Withdrawn: (a) => this.credit(a.account, -(a.amount as bigint)),
    RewardsDistributed: (a) => {
      const s = this.sequencer(a.sequencerId);
      // The registry's arithmetic: the accumulator's increment rounds down, what holders can claim rounds up, and the
      // difference (dust) goes to insurance with the fee.
      const increment = mulDiv(a.toPool, PRECISION, s.bondedShares);
      const allocated = ceilDiv(increment * s.bondedShares, PRECISION);
      s.accRewardPerShare += increment;
      this.rewardsOutstanding += allocated;
      this.insuranceFund += a.toInsurance + (a.toPool - allocated);
      this.credit(s.operator, a.toCommission);
    },
    RewardsClaimed: (a) => {
      const s = this.sequencer(a.sequencerId);
      this.rewardsOutstanding -= a.amount;
      this.credit(a.account, a.amount);
      this.setShares(s, a.account, this.position(s, a.account).shares); // settled: the debt catches up
    },
    CommissionIncreaseQueued: (a) => {
      const s = this.sequencer(a.sequencerId);
      s.pendingCommissionBps = a.commissionBps;
      s.commissionEffectiveAt = a.effectiveAt;
    },
    CommissionChanged: (a) => {
      const s = this.sequencer(a.sequencerId);
      s.commissionBps = a.commissionBps;
      s.commissionEffectiveAt = 0n; // a cut cancels a queued increase; an applied increase is no longer queued
    },
    SequencerSlashed: (a) => {
      const s = this.sequencer(a.sequencerId);
      // Pro rata between the parts, the unbonding part rounded down.
      const fromUnbonding = mulDiv(a.amount, s.unbondingStake, s.bondedStake + s.unbondingStake);
      s.unbondingStake -= fromUnbonding;
      s.bondedStake -= a.amount - fromUnbonding;
      this.insuranceFund += a.amount; // an equivocation's reporter reward comes out of it (EquivocationProven)
    },
    EquivocationProven: (a) => {
      this.insuranceFund -= a.reporterReward;
      this.credit(a.reporter, a.reporterReward);
    },
    SequencerStatusChanged: (a, block) => {
      const s = this.sequencer(a.sequencerId);
      s.status = Number(a.newStatus);
      if (Number(a.previousStatus) === ACTIVE) {
        this.rotation = this.rotation.filter((id) => id !== s.id);
        if (this.rotation.length === 0) this.currentId = 0n; // the last one left: nobody holds the turn
      }
      if (s.status === ACTIVE) {
        this.rotation.push(s.id); // joins at the tail of the rotation order
        s.activationBlock = block;
      }
    },
    TurnStarted: (a, block) => {
      this.currentId = a.sequencerId;
      this.sequencer(a.sequencerId).lastActiveBlock = block;
    },
    PerformanceUpdated: (a) => (this.sequencer(a.sequencerId).performanceScore = a.score),
    FeesDeposited: (a) => {
      this.insuranceFund += a.toInsurance;
      this.credit(a.beneficiary, (a.amount as bigint) - (a.toInsurance as bigint));
    },
    InsuranceFunded: (a) => (this.insuranceFund += a.amount),
    InsurancePaid: (a) => {
      this.insuranceFund -= a.amount;
      this.credit(a.to, a.amount);
    },
  };

  // ─────────────────────────────── what the views answer, from the rebuilt state ───────────────────────────────

  bondedValue(s: IndexedSequencer, shares: bigint): bigint {
    return mulDiv(shares, s.bondedStake, s.bondedShares);
  }

  /** The operator's own stake: its bonded shares' value plus what its pending exit request holds. */
  ownStake(s: IndexedSequencer): bigint {
    const exit = this.requests.get(s.exitRequestId);
    return this.ownBondedStake(s) + (exit ? mulDiv(exit.shares, s.unbondingStake, s.unbondingShares) : 0n);
  }

  ownBondedStake(s: IndexedSequencer): bigint {
    return this.bondedValue(s, this.position(s, s.operator).shares);
  }

  pendingRewards(s: IndexedSequencer, account: string): bigint {
    const p = this.position(s, account);
    const entitled = (p.shares * s.accRewardPerShare) / PRECISION;
    return entitled > p.rewardDebt ? entitled - p.rewardDebt : 0n;
  }

  /** The commission in force at `timestamp` (a queued increase applies from its effective time). */
  commissionAt(s: IndexedSequencer, timestamp: bigint): bigint {
    return s.commissionEffectiveAt !== 0n && timestamp >= s.commissionEffectiveAt ? s.pendingCommissionBps : s.commissionBps;
  }

  /** What `getActiveSequencer()` answers in block `blockNumber`. */
  activeSequencer(blockNumber: bigint): string {
    const fallback =
      blockNumber < (this.parameters.get(Parameter.ActivationBlock) ?? 0n) ||
      BigInt(this.rotation.length) < (this.parameters.get(Parameter.MinActiveSequencers) ?? 0n);
    return fallback ? this.fallbackSequencer : this.sequencer(this.currentId).operator;
  }

  balanceOf(account: string): bigint {
    return this.balances.get(account) ?? 0n;
  }

  sequencer(id: bigint): IndexedSequencer {
    const s = this.sequencers.get(id);
    if (!s) throw new Error(`indexer: an event names sequencer ${id}, which no SequencerRegistered introduced`);
    return s;
  }

  position(s: IndexedSequencer, account: string): IndexedPosition {
    return s.positions.get(account) ?? { shares: 0n, rewardDebt: 0n };
  }

  private setShares(s: IndexedSequencer, account: string, shares: bigint) {
    s.positions.set(account, { shares, rewardDebt: ceilDiv(shares * s.accRewardPerShare, PRECISION) });
  }

  private credit(account: string, amount: bigint) {
    this.balances.set(account, this.balanceOf(account) + amount);
  }
}
