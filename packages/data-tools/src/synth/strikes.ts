// Listed strikes of one expiration.
//
// Choices: strikes are whole multiples of a step, held as integer counts of $0.50 so every strike is
// an exact decimal (4005, 102.5; never 4000.0000001). A listing has tiers, finest first, each with
// its own step (a multiple of the previous tier's) and its own reach around the spot; the listed
// strikes are the union. SPX-like: $5 within a few percent of the spot (only in the last months),
// $25 in a wider band, $50 out to the wings ($100 for expirations first listed more than a year
// out); equities: a fine and a coarse step by price level (0.5 / 1, 1 / 5, 2.5 / 5, 5 / 10, …). Steps are
// fixed when the expiration is first listed. A tier's reach on a day is spot · exp(−down·σ√T) to
// spot · exp(up·σ√T) (σ the ATM vol, T the time to expiry), clamped to minimum and maximum log
// distances, so listings widen with √T and the last days still show a useful chain. Like an
// exchange, the generator adds strikes as the spot and the volatility move but never delists one
// before expiry: each tier's range only grows, so a position opened on a listed strike keeps its
// quotes to the end.

/** Strikes are held in these units, so a strike is `units * STRIKE_UNIT`, exactly. */
export const STRIKE_UNIT = 0.5;

export interface StrikeTier {
  /** Reach below the spot in σ√T (log-moneyness), at least `minDown` and at most `maxDown`. */
  downSd: number;
  minDown: number;
  maxDown: number;
  /** Reach above the spot in σ√T, at least `minUp` and at most `maxUp`. */
  upSd: number;
  minUp: number;
  maxUp: number;
  /** The tier is only listed from this many years before expiry on (Infinity: always). */
  maxT: number;
}

export interface StrikeRules {
  /** Tiers, finest step first. */
  tiers: readonly StrikeTier[];
  /**
   * Steps in $0.50 units, one per tier, for an expiration first listed `t` years out when the
   * underlying trades at `spot`; each a multiple of the one before.
   */
  steps(spot: number, t: number): readonly number[];
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** The listed strike ranges of one expiration; they only ever widen. */
export class StrikeGrid {
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;

  constructor(readonly steps: readonly number[]) {
    this.lo = new Float64Array(steps.length).fill(Infinity);
    this.hi = new Float64Array(steps.length).fill(-Infinity);
  }

  /** Widens the listing for a day with underlying `spot`, ATM vol × √T `sdT`, `t` years to expiry. */
  extend(rules: StrikeRules, spot: number, sdT: number, t: number): void {
    const spotU = spot / STRIKE_UNIT;
    for (let i = 0; i < rules.tiers.length; i++) {
      const tier = rules.tiers[i]!;
      if (t > tier.maxT) continue;
      const step = this.steps[i]!;
      const down = clamp(tier.downSd * sdT, tier.minDown, tier.maxDown);
      const up = clamp(tier.upSd * sdT, tier.minUp, tier.maxUp);
      const lo = Math.max(step, Math.floor((spotU * Math.exp(-down)) / step) * step);
      const hi = Math.max(lo, Math.ceil((spotU * Math.exp(up)) / step) * step);
      if (lo < this.lo[i]!) this.lo[i] = lo;
      if (hi > this.hi[i]!) this.hi[i] = hi;
    }
  }

  /** Writes the listed strikes, ascending and distinct, into `out` from index 0; returns how many. */
  fill(out: Float64Array): number {
    const tiers = this.steps.length;
    let u = Infinity;
    for (let i = 0; i < tiers; i++) if (this.lo[i]! < u) u = this.lo[i]!;
    let n = 0;
    // Merge the tiers' arithmetic progressions: every tier's bounds are multiples of its step.
    while (u !== Infinity) {
      out[n++] = u * STRIKE_UNIT;
      let next = Infinity;
      for (let i = 0; i < tiers; i++) {
        const step = this.steps[i]!;
        const lo = this.lo[i]!;
        const cand = u < lo ? lo : (Math.floor(u / step) + 1) * step;
        if (cand <= this.hi[i]! && cand < next) next = cand;
      }
      u = next;
    }
    return n;
  }

  /** An upper bound on how many strikes `fill` writes. */
  maxCount(): number {
    let count = 0;
    for (let i = 0; i < this.steps.length; i++) {
      if (this.hi[i]! >= this.lo[i]!) count += Math.floor((this.hi[i]! - this.lo[i]!) / this.steps[i]!) + 1;
    }
    return count;
  }
}
