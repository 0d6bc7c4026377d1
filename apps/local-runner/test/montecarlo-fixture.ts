// A hand-made montecarlo.json for a report fixture (report-fixture.ts), shaped as the engine writes
// it (docs/robustness.md, packages/engine-rs/src/montecarlo/mod.rs `Report`) and consistent with the
// fixture's results: the same capital, a bootstrap fan over its daily returns, a reshuffle fan over
// its positions. Round, made-up numbers, so the tests can state what the page shows.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FanPoint, MonteCarloDistribution, MonteCarloReport } from "../src/report/index.js";
import type { Fixture } from "./report-fixture.js";

export interface MonteCarloFixtureOptions {
  /** Leave a method out as the engine does (null): too few days, or too few positions. */
  bootstrap?: boolean;
  reshuffle?: boolean;
  /** Some resample's equity fell to zero or below: `cagr` null. */
  cagrUndefined?: boolean;
  /** Every resample had the same max drawdown: one zero-width bin. */
  oneBin?: boolean;
  /**
   * The reshuffle's CAGR, the same in every resample as in the engine (every order ends at the
   * same equity, over the run's trading days): the run's own order's; default 2.91%.
   */
  reshuffleCagr?: number;
}

/** Resamples of each method. */
export const RESAMPLES = 200;

/** The max-drawdown histogram's counts, deepest bin first; they sum to RESAMPLES. */
export const HISTOGRAM_COUNTS = [1, 1, 2, 3, 4, 6, 8, 10, 13, 16, 19, 21, 22, 20, 17, 13, 10, 7, 5, 2];

/** The histogram's edges: 20 equal bins of 1.4% from −30% to −2%, in thousandths so that they print round. */
const DEEPEST = -300;
const WIDTH = 14;

/** Steps of a fan over a path of `length` points, as the engine picks them: at most 250, evenly spaced, the last included. */
export function fanSteps(length: number): number[] {
  const every = Math.max(1, Math.ceil(length / 250));
  const steps: number[] = [];
  for (let k = 0; k < length; k += every) steps.push(k);
  if (steps[steps.length - 1] !== length - 1) steps.push(length - 1);
  return steps;
}

function distribution(capital: number, length: number, opts: MonteCarloFixtureOptions, scale: number, cagr?: number): MonteCarloDistribution {
  const histogram = opts.oneBin
    ? [{ from: -0.12, to: -0.12, count: RESAMPLES }]
    : HISTOGRAM_COUNTS.map((count, k) => ({ from: (DEEPEST + WIDTH * k) / 1000, to: (DEEPEST + WIDTH * (k + 1)) / 1000, count }));
  const fan: FanPoint[] = fanSteps(length).map((step) => {
    const spread = capital * scale * Math.sqrt(step);
    const p50 = capital * (1 + 0.0002 * step);
    return { step, p5: p50 - spread, p50, p95: p50 + 1.2 * spread };
  });
  return {
    resamples: RESAMPLES,
    final_equity: { p5: 0.9 * capital, p50: 1.04 * capital, p95: 1.18 * capital, mean: 1.041 * capital },
    cagr: opts.cagrUndefined ? null : cagr === undefined ? { p5: -0.0512, p50: 0.0291, p95: 0.1034, mean: 0.0301 } : { p5: cagr, p50: cagr, p95: cagr, mean: cagr },
    max_drawdown: { p5: -0.2131, p50: -0.1125, p95: -0.0512, mean: -0.1203 },
    longest_drawdown: { p5: 40.3, p50: 120.5, p95: 260, mean: 131.25 },
    drawdown_deeper_than: [
      { level: 0.1, probability: 0.555 },
      { level: 0.2, probability: 0.07 },
      { level: 0.3, probability: 0 },
    ],
    max_drawdown_histogram: histogram,
    fan,
  };
}

/** montecarlo.json for `fx`: a bootstrap over its trading days less one and a reshuffle of its `positions` positions. */
export function monteCarloReport(fx: Fixture, positions: number, opts: MonteCarloFixtureOptions = {}): MonteCarloReport {
  const { capital, trading_days: days } = fx.summary;
  return {
    seed: 7,
    capital,
    bootstrap: opts.bootstrap === false ? null : { block: 20, ...distribution(capital, days, opts, 0.004) },
    reshuffle: opts.reshuffle === false ? null : distribution(capital, positions + 1, opts, 0.01, opts.reshuffleCagr ?? 0.0291),
  };
}

/** Writes `report` (pretty JSON with a final newline, as the engine does) as `<fx.dir>/montecarlo.json`; returns the path. */
export async function writeMonteCarlo(fx: Fixture, report: unknown): Promise<string> {
  const path = join(fx.dir, "montecarlo.json");
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
