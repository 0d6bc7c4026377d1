// Adds to a sweep fixture (sweep-fixture.ts) what a newer engine writes after the points, as
// docs/sweeps.md and the engine's types describe it: stats.json (the plateau and, with `spa`, the
// SPA, reality check and stepdown) and walk_forward.json with walk_forward.arrow (five windows of 12
// out-of-sample days after 40 in-sample days over the fixture's 96 trading days, the third in
// cash), and records the `walk_forward:` and `spa:` sections in sweep.json. Round, made-up
// numbers, consistent with the fixture's points and days, so the tests can state what the page shows.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Table, tableToIPC } from "apache-arrow";
import type { SweepStats, WalkForwardFigures, WalkForwardReport } from "../src/report/index.js";
import { date32 } from "./report-fixture.js";
import { float64Nullable, uint32, utf8Nullable, type SweepFixture } from "./sweep-fixture.js";

export const IN_SAMPLE = 40;
export const OUT_OF_SAMPLE = 12;
/** The window in cash (no point could be chosen). */
export const CASH_WINDOW = 2;

export interface ResearchOptions {
  /** Write walk_forward.json and walk_forward.arrow (default true). */
  walkForward?: boolean;
  /** Write stats.json (default true). */
  stats?: boolean;
  /** stats.json has the SPA (default true). */
  spa?: boolean;
  /** The points chosen per window, by index into the fixture's points (null: in cash); default [3, 3, null, 7, 7]. */
  chosen?: (number | null)[];
}

export interface ResearchFixture {
  stats: SweepStats | null;
  walkForward: WalkForwardReport | null;
  curve: Table | null;
}

function figures(days: number, k: number): WalkForwardFigures {
  return { days, total_return: 0.01 * (k - 1), cagr: 0.02 * (k - 1), sharpe: 0.25 * (k - 1), max_drawdown: -0.01 * (k + 1), calmar: 0.5 * (k - 1) };
}

/** Writes the research files into `fx.dir` (and the sections into its sweep.json); returns what it wrote. */
export async function writeResearchFiles(fx: SweepFixture, opts: ResearchOptions = {}): Promise<ResearchFixture> {
  const ids = fx.info.points.map((p) => p.id);
  const dates = [...(fx.returns.getChild("date") as Iterable<number | Date>)].map((d) => Math.round(Number(d instanceof Date ? d.getTime() : d) / 86_400_000));
  const iso = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);
  const info: Record<string, unknown> = { ...fx.info };

  let walkForward: WalkForwardReport | null = null;
  let curve: Table | null = null;
  if (opts.walkForward ?? true) {
    const chosen = opts.chosen ?? [3, 3, null, 7, 7];
    // Returns start on day 1 (day 0's is a placeholder); out of sample after IN_SAMPLE of them.
    const first = 1 + IN_SAMPLE;
    const windows = chosen.map((c, k) => {
      const start = first + k * OUT_OF_SAMPLE;
      const end = k === chosen.length - 1 ? dates.length : Math.min(dates.length, start + OUT_OF_SAMPLE);
      const point = c === null ? null : (ids[c] as string);
      return {
        index: k,
        in_sample: { first: iso(dates[start - IN_SAMPLE] as number), last: iso(dates[start - 1] as number), days: IN_SAMPLE },
        out_of_sample: { first: iso(dates[start] as number), last: iso(dates[end - 1] as number), days: end - start },
        point,
        params: c === null ? null : (fx.info.points[c]?.params ?? null),
        eligible: c === null ? 0 : ids.length - k,
        score: c === null ? null : 1.2 - 0.1 * k,
        in_sample_figures: c === null ? null : figures(IN_SAMPLE, k + 2),
        out_of_sample_figures: figures(end - start, c === null ? 1 : k),
        efficiency: c === null ? null : k === 0 ? null : (0.02 * (k - 1)) / (0.02 * (k + 1)),
        start,
        end,
      };
    });
    const span = { first: windows[0]!.out_of_sample.first, last: windows.at(-1)!.out_of_sample.last, days: dates.length - first };
    walkForward = {
      scheme: "rolling",
      in_sample: IN_SAMPLE,
      out_of_sample: OUT_OF_SAMPLE,
      metric: "sharpe",
      min_trades: null,
      mode: "returns",
      points: ids.length,
      span,
      out_of_sample_figures: { days: span.days, total_return: 0.0456, cagr: 0.1234, sharpe: 1.11, max_drawdown: -0.0321, calmar: 3.84 },
      in_sample_cagr_mean: 0.2,
      efficiency: 0.617,
      hindsight_point: ids[5] as string,
      hindsight: { days: span.days, total_return: 0.0789, cagr: 0.2222, sharpe: 1.5, max_drawdown: -0.025, calmar: 8.89 },
      windows: windows.map(({ start: _s, end: _e, ...w }) => w),
    };
    const rows = windows.flatMap((w) => Array.from({ length: w.end - w.start }, (_, d) => ({ day: dates[w.start + d] as number, window: w.index, point: w.point, r: w.point === null ? 0 : 0.001 * (((w.start + d) % 5) - 1.5) })));
    let e = 1;
    let h = 1;
    curve = new Table({
      date: date32(rows.map((r) => r.day)),
      window: uint32(rows.map((r) => r.window)),
      point: utf8Nullable(rows.map((r) => r.point)),
      return: float64Nullable(rows.map((r) => r.r)),
      equity: float64Nullable(rows.map((r) => (e *= 1 + r.r))),
      hindsight_equity: float64Nullable(rows.map((_, i) => (h *= 1 + 0.0008 * ((i % 4) - 1)))),
    });
    await writeFile(join(fx.dir, "walk_forward.json"), `${JSON.stringify(walkForward, null, 2)}\n`);
    await writeFile(join(fx.dir, "walk_forward.arrow"), tableToIPC(curve, "file"));
    info["walk_forward"] = { scheme: "rolling", in_sample: IN_SAMPLE, out_of_sample: OUT_OF_SAMPLE, metric: "sharpe", mode: "returns" };
  }

  let stats: SweepStats | null = null;
  if (opts.stats ?? true) {
    const withSpa = opts.spa ?? true;
    stats = {
      plateau: { metric: "sharpe", best_point: ids[6] as string, best_value: 1.05, neighbours: 3, mean: 0.8, min: 0.21, within_10pct: 1 / 3 },
      ...(withSpa && {
        benchmark: "zero",
        spa: {
          benchmark: "zero",
          models: ids.length,
          days: dates.length - 1,
          bootstrap: 1000,
          block: 9,
          seed: 1,
          statistic: 0.00042,
          best: ids[6] as string,
          spa: { lower: 0.012, consistent: 0.034, upper: 0.051 },
          reality_check: 0.051,
          stepdown: [
            { level: 0.05, better: [ids[6] as string], critical_values: [0.00031, 0.00029] },
            { level: 0.1, better: [ids[6] as string, ids[7] as string], critical_values: [0.00026, 0.00024, 0.00023] },
            { level: 0.01, better: [], critical_values: [0.00045] },
          ],
        },
      }),
    };
    await writeFile(join(fx.dir, "stats.json"), `${JSON.stringify(stats, null, 2)}\n`);
    if (withSpa) info["spa"] = { benchmark: "zero", bootstrap: 1000, seed: 1, levels: [0.01, 0.05, 0.1] };
  }
  await writeFile(join(fx.dir, "sweep.json"), `${JSON.stringify(info, null, 2)}\n`);
  return { stats, walkForward, curve };
}
