// The two market profiles and how one ticker's parameters are drawn.
//
// Choices: "spx-like" is an index: starts near 4000, 1.5% dividend yield, ~17% long-run vol with a
// 10% implied premium, strongly negative spot-vol correlation, rare crash jumps, a steep put skew,
// $5 strikes near the money, $25 around it, $50–$100 in the wings, weeklies to 8 weeks, monthlies
// to 12 months and Decembers to 2 years, $0.05 / $0.10 ticks. "equity-like" is a single stock:
// starts around $100 (lognormally spread per ticker), ~0.5% yield, 22–60% vol, weaker correlation,
// more frequent (earnings-like) jumps, a mild skew with a smile, strike steps by price level
// ($0.50 to $10 near the money), weeklies to 5 weeks and monthlies to 8 months, $0.01 ticks.
// Per-ticker draws come from the ticker's own "params" stream, so they depend neither on the other
// tickers nor on the dates. Equity-like tickers pay quarterly dividends (dividends.ts) and report
// quarterly earnings (earnings.ts); the ex-date offset is drawn after all the other parameters, and
// the earnings parameters (date offset, session, size of the move) after it, so adding each changed
// no earlier draw. The spx-like index pays its yield continuously (no ex-dates) and has no earnings.
import type { ActivityParams } from "./activity.js";
import { quarterDayOffset, type DividendParams } from "./dividends.js";
import { earningsDayOffset, type EarningsParams } from "./earnings.js";
import type { ExpirationRules } from "./expirations.js";
import type { QuoteParams } from "./quotes.js";
import type { Rng } from "./rng.js";
import type { StrikeRules, StrikeTier } from "./strikes.js";
import type { PathParams } from "./underlying.js";
import type { SurfaceParams } from "./vol-surface.js";

export const PROFILES = ["spx-like", "equity-like"] as const;
export type Profile = (typeof PROFILES)[number];

export interface TickerModel {
  path: PathParams;
  surface: SurfaceParams;
  strikes: StrikeRules;
  expirations: ExpirationRules;
  quotes: QuoteParams;
  activity: ActivityParams;
  /** Quarterly ex-dividend dates (equity-like only). */
  dividends?: DividendParams;
  /** Quarterly earnings dates, moves and event variance (equity-like only). */
  earnings?: EarningsParams;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** SPX-like steps ($0.50 units) of the fine, middle and wing tiers, by first-listed maturity. */
function spxSteps(_spot: number, t: number): readonly number[] {
  if (t <= 1) return [10, 50, 100]; // $5 / $25 / $50
  return [10, 50, 200]; // $5 / $25 / $100
}

const SPX_TIERS: readonly StrikeTier[] = [
  { downSd: 0.6, minDown: 0.0125, maxDown: 0.03, upSd: 0.6, minUp: 0.0125, maxUp: 0.03, maxT: 0.25 },
  { downSd: 1.5, minDown: 0.03, maxDown: 0.1, upSd: 1, minUp: 0.02, maxUp: 0.06, maxT: Infinity },
  { downSd: 2.75, minDown: 0.04, maxDown: Infinity, upSd: 1.5, minUp: 0.02, maxUp: Infinity, maxT: Infinity },
];

function spxLike(rng: Rng): TickerModel {
  const s0 = Math.round(4000 * Math.exp(0.03 * rng.normal()) * 100) / 100;
  const vol = 0.17;
  const theta = vol * vol;
  const kappa = 3.5;
  return {
    path: {
      s0,
      divYield: 0.015,
      equityPremium: 0.045,
      v0: theta * Math.exp(0.25 * rng.normal()),
      kappa,
      theta,
      xi: 0.45,
      rho: -0.72,
      jumpRate: 0.4,
      jumpMean: -0.045,
      jumpStd: 0.03,
      jumpVarianceBoost: 10,
    },
    surface: {
      kappa,
      theta,
      premium: 0.1,
      skewRho: -0.75,
      skewEta: 0.85,
      minVariance: 0.06 * 0.06,
      minVol: 0.03,
      maxVol: 4,
    },
    strikes: {
      steps: spxSteps,
      tiers: SPX_TIERS,
    },
    expirations: { weeklyDays: 56, monthlyDays: 366, decemberDays: 731 },
    quotes: {
      volHalfSpread: 0.0006,
      moneynessWiden: 0.35,
      expiryWiden: 0.5,
      valueHalfSpread: 0.0015,
      smallTickCents: 5,
      largeTickCents: 10,
      tickSwitch: 3,
    },
    activity: {
      oiScale: 12000,
      width: 1.3,
      putWeight: 1.6,
      monthlyWeight: 2.5,
      turnover: 0.04,
      roundStrike: 100,
      roundBoost: 2,
    },
  };
}

/** Equity steps ($0.50 units) of the fine and the coarse tier, by price level. */
function equitySteps(spot: number): readonly number[] {
  if (spot < 25) return [1, 2]; // $0.50 / $1
  if (spot < 150) return [2, 10]; // $1 / $5
  if (spot < 500) return [5, 10]; // $2.50 / $5
  if (spot < 1500) return [10, 20]; // $5 / $10
  return [20, 100]; // $10 / $50
}

const EQUITY_TIERS: readonly StrikeTier[] = [
  { downSd: 1, minDown: 0.06, maxDown: 0.2, upSd: 1, minUp: 0.06, maxUp: 0.2, maxT: Infinity },
  { downSd: 3, minDown: 0.12, maxDown: Infinity, upSd: 3, minUp: 0.12, maxUp: Infinity, maxT: Infinity },
];

function equityLike(rng: Rng): TickerModel {
  const model = equityModel(rng);
  // Drawn after the model's own parameters: every draw above comes out as before dividends existed.
  model.dividends = { quarterDayOffset: quarterDayOffset(rng.uniform()) };
  // Drawn after that: every draw above comes out as before earnings existed.
  const dayOffset = earningsDayOffset(rng.uniform());
  const afterClose = rng.uniform() < 0.6;
  const moveSd = clamp(0.045 * Math.exp(0.35 * rng.normal()), 0.02, 0.12);
  model.earnings = { dayOffset, afterClose, moveSd };
  return model;
}

function equityModel(rng: Rng): TickerModel {
  const s0 = Math.round(clamp(100 * Math.exp(0.5 * rng.normal()), 12, 800) * 100) / 100;
  const vol = clamp(0.35 * Math.exp(0.22 * rng.normal()), 0.22, 0.6);
  const theta = vol * vol;
  const kappa = 3;
  const divYield = Math.round(clamp(0.005 * Math.exp(0.4 * rng.normal()), 0.001, 0.015) * 1e4) / 1e4;
  return {
    path: {
      s0,
      divYield,
      equityPremium: 0.05,
      v0: theta * Math.exp(0.25 * rng.normal()),
      kappa,
      theta,
      xi: 0.6,
      rho: -0.4,
      jumpRate: 3,
      jumpMean: -0.01,
      jumpStd: 0.06,
      jumpVarianceBoost: 2,
    },
    surface: {
      kappa,
      theta,
      premium: 0.06,
      skewRho: -0.35,
      skewEta: 0.6,
      minVariance: 0.1 * 0.1,
      minVol: 0.05,
      maxVol: 5,
    },
    strikes: {
      steps: equitySteps,
      tiers: EQUITY_TIERS,
    },
    expirations: { weeklyDays: 35, monthlyDays: 245, decemberDays: 0 },
    quotes: {
      volHalfSpread: 0.002,
      moneynessWiden: 0.3,
      expiryWiden: 0.5,
      valueHalfSpread: 0.005,
      smallTickCents: 1,
      largeTickCents: 1,
      tickSwitch: 3,
    },
    activity: {
      oiScale: 3000,
      width: 1.2,
      putWeight: 0.8,
      monthlyWeight: 2.5,
      turnover: 0.05,
      roundStrike: 10,
      roundBoost: 1.5,
    },
  };
}

/** The model of one ticker under `profile`, drawn from that ticker's parameter stream. */
export function tickerModel(profile: Profile, rng: Rng): TickerModel {
  return profile === "spx-like" ? spxLike(rng) : equityLike(rng);
}
