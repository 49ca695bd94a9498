/**
 * An independent TypeScript model of a registry pool's arithmetic (shares, rewards, slashes), used to check
 * the contract to the wei. Rounding: shares minted and values paid round down; reward debt rounds up.
 */
export const PRECISION = 10n ** 36n;

const mulDiv = (a: bigint, b: bigint, d: bigint) => (a * b) / d;
const mulDivUp = (a: bigint, b: bigint, d: bigint) => (a * b + d - 1n) / d;

export class PoolModel {
  bondedStake = 0n;
  bondedShares = 0n;
  unbondingStake = 0n;
  unbondingShares = 0n;
  acc = 0n;
  shares = new Map<string, bigint>();
  debt = new Map<string, bigint>();
  balances = new Map<string, bigint>();
  insurance = 0n;
  outstanding = 0n;

  constructor(
    public commissionBps: bigint,
    public insuranceBps: bigint,
    public operator: string,
  ) {}

  private credit(a: string, v: bigint) {
    this.balances.set(a, (this.balances.get(a) ?? 0n) + v);
  }

  accrued(a: string): bigint {
    const entitled = mulDiv(this.shares.get(a) ?? 0n, this.acc, PRECISION);
    const d = this.debt.get(a) ?? 0n;
    return entitled > d ? entitled - d : 0n;
  }

  settle(a: string) {
    const v = this.accrued(a);
    this.outstanding -= v;
    this.credit(a, v);
  }

  private setShares(a: string, s: bigint) {
    this.shares.set(a, s);
    this.debt.set(a, mulDivUp(s, this.acc, PRECISION));
  }

  deposit(a: string, amount: bigint): bigint {
    const minted = this.bondedShares === 0n ? amount : mulDiv(amount, this.bondedShares, this.bondedStake);
    this.settle(a);
    this.setShares(a, (this.shares.get(a) ?? 0n) + minted);
    this.bondedStake += amount;
    this.bondedShares += minted;
    return minted;
  }

  value(a: string): bigint {
    return this.bondedShares === 0n ? 0n : mulDiv(this.shares.get(a) ?? 0n, this.bondedStake, this.bondedShares);
  }

  /** Returns the unbonding shares of the queued request. */
  undelegate(a: string, shares: bigint): { amount: bigint; unbondingShares: bigint } {
    this.settle(a);
    this.setShares(a, (this.shares.get(a) ?? 0n) - shares);
    const amount = mulDiv(shares, this.bondedStake, this.bondedShares);
    this.bondedStake -= amount;
    this.bondedShares -= shares;
    const minted =
      this.unbondingShares === 0n || this.unbondingStake === 0n ? amount : mulDiv(amount, this.unbondingShares, this.unbondingStake);
    this.unbondingStake += amount;
    this.unbondingShares += minted;
    return { amount, unbondingShares: minted };
  }

  withdrawUnbonding(owner: string, shares: bigint): bigint {
    const amount = mulDiv(shares, this.unbondingStake, this.unbondingShares);
    this.unbondingStake -= amount;
    this.unbondingShares -= shares;
    this.credit(owner, amount);
    return amount;
  }

  distribute(amount: bigint) {
    const toInsurance = (amount * this.insuranceBps) / 10_000n;
    const rest = amount - toInsurance;
    const toCommission = (rest * this.commissionBps) / 10_000n;
    const toPool = rest - toCommission;
    const inc = mulDiv(toPool, PRECISION, this.bondedShares);
    const allocated = mulDivUp(inc, this.bondedShares, PRECISION);
    this.acc += inc;
    this.outstanding += allocated;
    this.insurance += toInsurance + (toPool - allocated);
    this.credit(this.operator, toCommission);
  }

  /** A slash by the slasher role: everything goes to the insurance fund. */
  slash(amount: bigint) {
    this.insurance += amount;
    const total = this.bondedStake + this.unbondingStake;
    const fromUnbonding = (amount * this.unbondingStake) / total;
    this.unbondingStake -= fromUnbonding;
    this.bondedStake -= amount - fromUnbonding;
  }
}
