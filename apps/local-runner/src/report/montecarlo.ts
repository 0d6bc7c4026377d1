// montecarlo.json (docs/robustness.md), which a run writes when its scenario has a `montecarlo:`
// section: its typed shape, the runtime check of the file as read from disk (every field the report
// reads, named with its path when it is off-contract), and the run's own path in the same terms,
// for drawing reality over the resampled distributions.
import { drawdownPeriods } from "./drawdowns.js";
import { TRADING_DAYS_PER_YEAR } from "./rolling.js";
import { array, describe, finiteNumber, object, wholeNumber, type Json } from "./json-check.js";

/** Percentiles 5, 50 and 95 (type 7) and the mean of one figure over the resamples. */
export interface MonteCarloSpread {
  p5: number;
  p50: number;
  p95: number;
  mean: number;
}

/** The share of resamples whose max drawdown is deeper than `level` (a fraction, 0.2 = 20%). */
export interface DeeperThan {
  level: number;
  probability: number;
}

/** A bin of the max-drawdown histogram: the drawdowns in [from, to) (the last bin includes `to`), fractions ≤ 0. */
export interface DrawdownBin {
  from: number;
  to: number;
  count: number;
}

/** The equity's percentiles at one step of the resampled paths; step 0 is the capital. */
export interface FanPoint {
  step: number;
  p5: number;
  p50: number;
  p95: number;
}

/** One method's distributions over its resamples. */
export interface MonteCarloDistribution {
  resamples: number;
  final_equity: MonteCarloSpread;
  /** null when some resample's equity fell to zero or below. */
  cagr: MonteCarloSpread | null;
  /** Fractions ≤ 0. */
  max_drawdown: MonteCarloSpread;
  /** Trading days (bootstrap) or trades (reshuffle). */
  longest_drawdown: MonteCarloSpread;
  drawdown_deeper_than: DeeperThan[];
  /** From the deepest bin to the shallowest; every resample counted once. */
  max_drawdown_histogram: DrawdownBin[];
  /** Steps ascending, the last one the path's end. */
  fan: FanPoint[];
}

/** The block bootstrap of daily returns, with its mean block length in trading days. */
export interface BootstrapDistribution extends MonteCarloDistribution {
  block: number;
}

/** montecarlo.json. */
export interface MonteCarloReport {
  seed: number;
  capital: number;
  /** null for a run with fewer than two daily returns. */
  bootstrap: BootstrapDistribution | null;
  /** null for a run with fewer than two positions. */
  reshuffle: MonteCarloDistribution | null;
}

export type MonteCarloMethod = "bootstrap" | "reshuffle";

export const MONTECARLO_METHODS: readonly MonteCarloMethod[] = ["bootstrap", "reshuffle"];

const SPREADS = ["final_equity", "max_drawdown", "longest_drawdown"] as const;

/** Checks parsed montecarlo.json; throws describing the first problem with the field's path. */
export function parseMonteCarlo(value: unknown): MonteCarloReport {
  const root = object(value, "the document");
  wholeNumber(root, "seed");
  if (finiteNumber(root, "capital") <= 0) throw new Error(`\`capital\` should be above 0, found ${String(root["capital"])}`);
  for (const method of MONTECARLO_METHODS) {
    const node = root[method];
    if (node === null) continue;
    if (node === undefined) throw new Error(`\`${method}\` should be an object or null, found nothing`);
    const distribution = object(node, `\`${method}\``);
    checkDistribution(distribution, `${method}.`);
    if (method === "bootstrap" && finiteNumber(distribution, "block", "bootstrap.") < 1) {
      throw new Error(`\`bootstrap.block\` should be at least 1, found ${String(distribution["block"])}`);
    }
  }
  return root as unknown as MonteCarloReport;
}

function checkDistribution(d: Json, at: string): void {
  const resamples = wholeNumber(d, "resamples", at, 1);
  for (const key of SPREADS) checkSpread(d, key, at);
  if (d["cagr"] !== null) checkSpread(d, "cagr", at, "an object or null");
  array(d, "drawdown_deeper_than", at).forEach((entry, i) => {
    const path = `${at}drawdown_deeper_than[${i}]`;
    const e = object(entry, `\`${path}\``);
    const level = finiteNumber(e, "level", `${path}.`);
    if (!(level > 0 && level < 1)) throw new Error(`\`${path}.level\` should be a fraction in (0, 1), found ${level}`);
    const probability = finiteNumber(e, "probability", `${path}.`);
    if (!(probability >= 0 && probability <= 1)) throw new Error(`\`${path}.probability\` should be in [0, 1], found ${probability}`);
  });
  let counted = 0;
  let previous = -Infinity;
  array(d, "max_drawdown_histogram", at).forEach((entry, i) => {
    const path = `${at}max_drawdown_histogram[${i}]`;
    const bin = object(entry, `\`${path}\``);
    const from = finiteNumber(bin, "from", `${path}.`);
    const to = finiteNumber(bin, "to", `${path}.`);
    if (from > to || to > 0) throw new Error(`\`${path}\` should have from ≤ to ≤ 0 (drawdowns are fractions ≤ 0), found from ${from}, to ${to}`);
    if (from < previous) throw new Error(`\`${path}.from\` should not be below the previous bin's, found ${from}`);
    previous = from;
    counted += wholeNumber(bin, "count", `${path}.`);
  });
  if (counted !== resamples) throw new Error(`\`${at}max_drawdown_histogram\` should count each of the ${resamples} resamples once, counts ${counted}`);
  let step = -1;
  array(d, "fan", at).forEach((entry, i) => {
    const path = `${at}fan[${i}]`;
    const point = object(entry, `\`${path}\``);
    const next = wholeNumber(point, "step", `${path}.`);
    if (next <= step) throw new Error(`\`${path}.step\` should be above the previous point's (${step}), found ${next}`);
    step = next;
    const [p5, p50, p95] = (["p5", "p50", "p95"] as const).map((p) => finiteNumber(point, p, `${path}.`)) as [number, number, number];
    if (!(p5 <= p50 && p50 <= p95)) throw new Error(`\`${path}\` should have p5 ≤ p50 ≤ p95, found ${p5}, ${p50}, ${p95}`);
  });
}

function checkSpread(parent: Json, key: string, at: string, expected = "an object"): void {
  const value = parent[key];
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`\`${at}${key}\` should be ${expected}, found ${describe(value)}`);
  for (const p of ["p5", "p50", "p95", "mean"]) finiteNumber(value as Json, p, `${at}${key}.`);
}

/** The run's own figures in a method's terms. */
export interface PathFigures {
  final: number;
  /** The deepest fall below a running peak, ≤ 0. */
  maxDrawdown: number;
  /** Steps from a peak until it is regained (or the end), the longest; as the engine's max_drawdown_days. */
  longest: number;
}

/** Final value, max drawdown and longest drawdown of `path` (not empty), by the report's drawdown periods. */
export function pathFigures(path: readonly number[]): PathFigures {
  const periods = drawdownPeriods(path);
  return {
    final: path[path.length - 1] as number,
    maxDrawdown: periods.reduce((deepest, p) => Math.min(deepest, p.depth), 0),
    longest: periods.reduce((longest, p) => Math.max(longest, p.length), 0),
  };
}

/** The run's positions in the order they ended, added to the capital one after the other: the path every reshuffle reorders. */
export function tradeOrderPath(capital: number, pnls: readonly number[]): number[] {
  const path = [capital];
  for (const pnl of pnls) path.push((path[path.length - 1] as number) + pnl);
  return path;
}

/**
 * The CAGR of a path ending at `final` from `capital` over the run's `days` trading days, as the
 * engine computes summary.json's and the reshuffle's: (final / capital)^(252 / days) − 1; null when
 * the equity ends below zero or there are no days. Every order of the positions ends at the same
 * equity, so the reshuffle's CAGR is this in every resample.
 */
export function cagrOver(capital: number, final: number, days: number): number | null {
  const growth = final / capital;
  if (!(days > 0) || !(growth >= 0)) return null;
  const cagr = growth ** (TRADING_DAYS_PER_YEAR / days) - 1;
  return Number.isFinite(cagr) ? cagr : null;
}

/** The last step of a method's fan: its paths' length less one (daily returns, or positions); undefined without points. */
export function lastStep(distribution: MonteCarloDistribution): number | undefined {
  return distribution.fan[distribution.fan.length - 1]?.step;
}
