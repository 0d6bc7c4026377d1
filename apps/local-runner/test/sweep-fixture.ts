// Builds a sweep's output exactly as docs/sweeps.md describes it — sweep.arrow (point UInt32, id,
// params, one Float64 or Utf8 column per swept path, error, final_equity, every metric as nullable
// Float64), returns.arrow (date + one Float64 column per point), sweep.json and cscv.json — with
// deterministic made-up numbers, for the sweep report tests.
import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Float64, makeVector, Table, tableToIPC, Utf8, vectorFromArray, type Vector } from "apache-arrow";
import { METRIC_NAMES, type CscvMetric, type CscvReport, type SweepInfo } from "../src/report/index.js";
import { date32, random } from "./report-fixture.js";

export interface SweepFixtureOptions {
  /** Swept path → values, crossed like a grid (the last path varying fastest). */
  grid?: Record<string, unknown[]>;
  /** Write cscv.json (default true). */
  cscv?: boolean;
  metric?: CscvMetric;
  partitions?: number;
  /** Indices of points that could not trade. */
  failed?: number[];
  tradingDays?: number;
}

export interface SweepFixture {
  dir: string;
  sweep: Table;
  returns: Table;
  info: SweepInfo;
  cscv: CscvReport | null;
}

export const DEFAULT_GRID: Record<string, unknown[]> = {
  "strategy.exit.profit_target": [0.25, 0.5, 0.75],
  "strategy.legs[0].delta.target": [0.16, 0.2, 0.25, 0.3],
};

export function float64Nullable(values: readonly (number | null)[]): Vector<Float64> {
  return vectorFromArray(values, new Float64());
}

export function utf8Nullable(values: readonly (string | null)[]): Vector<Utf8> {
  return vectorFromArray(values, new Utf8());
}

export function uint32(values: readonly number[]): Vector {
  return makeVector(Uint32Array.from(values));
}

/** JSON with keys sorted at every level, like the engine's canonical form. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Every combination of the grid's values, the last path varying fastest. */
function expand(grid: Record<string, unknown[]>): Record<string, unknown>[] {
  return Object.entries(grid).reduce<Record<string, unknown>[]>(
    (points, [path, values]) => points.flatMap((p) => values.map((v) => ({ ...p, [path]: v }))),
    [{}],
  );
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i += 1) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/** y = intercept + slope·x by least squares, and R². */
function ols(x: readonly number[], y: readonly number[]): { slope: number; intercept: number; r2: number } {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i += 1) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: sxx === 0 || syy === 0 ? 0 : (sxy * sxy) / (sxx * syy) };
}

/** Writes sweep.arrow, returns.arrow, sweep.json and (by default) cscv.json into a new temporary directory. */
export async function writeSweepFixture(opts: SweepFixtureOptions = {}): Promise<SweepFixture> {
  const dir = await mkdtemp(join(tmpdir(), "aegis-sweep-report-"));
  const next = random(7_777);
  const grid = opts.grid ?? DEFAULT_GRID;
  const paths = Object.keys(grid);
  const params = expand(grid);
  const n = params.length;
  const ids = params.map((p) => createHash("sha256").update(canonical(p)).digest("hex").slice(0, 12));
  const failed = new Set(opts.failed ?? []);

  // A smooth surface plus noise over the values' positions in their lists, so the heatmap has a
  // visible shape: best near 60% along every path, some points below 0.
  const sharpe = params.map((p, i) => {
    if (failed.has(i)) return null;
    const distance = paths.reduce((sum, path, k) => {
      const values = grid[path] as unknown[];
      const at = values.length < 2 ? 0.6 : values.indexOf(p[path]) / (values.length - 1);
      return sum + (at - 0.6) ** 2 * (k + 2);
    }, 0);
    return Number((1.1 - distance + (next() - 0.5) * 0.2).toFixed(4));
  });
  const metrics = Object.fromEntries(
    METRIC_NAMES.map((name) => [
      name,
      float64Nullable(sharpe.map((s, i) => {
        if (s === null) return null;
        switch (name) {
          case "sharpe": return s;
          case "total_return": return Number((s * 0.18 - 0.02).toFixed(4));
          case "max_drawdown": return Number((-0.05 - 0.1 * next()).toFixed(4));
          case "trade_count": return 80 + i * 3;
          case "profit_factor": return i === 1 ? null : 1 + s / 2;
          default: return Number((next() - 0.3).toFixed(4));
        }
      })),
    ]),
  );
  const pathColumns = Object.fromEntries(
    paths.map((path) => {
      const values = params.map((p) => p[path]);
      return [path, values.every((v) => typeof v === "number") ? float64Nullable(values as number[]) : utf8Nullable(values.map((v) => JSON.stringify(v)))];
    }),
  );
  const sweep = new Table({
    point: uint32(params.map((_, i) => i)),
    id: utf8Nullable(ids),
    params: utf8Nullable(params.map(canonical)),
    ...pathColumns,
    error: utf8Nullable(params.map((_, i) => (failed.has(i) ? "ERR_UNFILLABLE: strategy.legs[0] could never be filled" : null))),
    final_equity: float64Nullable(sharpe.map((s) => (s === null ? null : 1_000_000 * (1 + s * 0.18)))),
    ...metrics,
  });

  const days = opts.tradingDays ?? 96;
  const first = Date.parse("2023-01-02T00:00:00Z") / 86_400_000;
  const returns = new Table({
    date: date32(Array.from({ length: days }, (_, d) => first + d + 2 * Math.floor(d / 5))),
    ...Object.fromEntries(
      ids.map((id, i) => [id, float64Nullable(Array.from({ length: days }, (_, d) => (failed.has(i) || d === 0 ? 0 : ((sharpe[i] ?? 0) * 0.004 + (next() - 0.5) * 0.02))))]),
    ),
  });

  const withCscv = opts.cscv ?? true;
  const metric = opts.metric ?? "sharpe";
  const partitions = opts.partitions ?? 8;
  const info: SweepInfo = {
    scenario: "spx-short-put-sweep",
    scenario_sha256: "ab".repeat(32),
    engine_version: "0.1.0",
    git_sha: "0123456789abcdef0123456789abcdef01234567",
    entry_point: "addon",
    dataset: "synthetic-spx-7y",
    dataset_manifest_sha256: "cd".repeat(32),
    data_path: "local",
    points_total: n,
    shard: null,
    paths,
    points: params.map((p, i) => ({ index: i, id: ids[i] as string, params: p })),
    cscv: withCscv ? { partitions, metric } : null,
    trading_days: days,
    threads: 2,
    wall_seconds: 1.23,
    host: "fixture",
    started_at: 1_795_000_000,
  };

  let cscv: CscvReport | null = null;
  if (withCscv) {
    const combinations = binomial(partitions, partitions / 2);
    const isSelected = Array.from({ length: combinations }, () => 0.05 + 0.1 * next());
    const oosSelected = isSelected.map((x) => 0.03 - 0.4 * x + (next() - 0.5) * 0.06);
    const logits = Array.from({ length: combinations }, () => Number(((next() - 0.42) * 4).toFixed(6)));
    const selected = Array.from({ length: combinations }, () => Math.floor(next() * n));
    cscv = {
      metric,
      partitions,
      n_columns: n,
      n_rows: days,
      rows_dropped: days % partitions,
      block_rows: Math.floor(days / partitions),
      n_combinations: combinations,
      pbo: logits.filter((l) => l <= 0).length / combinations,
      prob_loss: oosSelected.filter((y) => y < 0).length / combinations,
      degradation: ols(isSelected, oosSelected),
      dominance: { first_order: false, second_order: true, max_cdf_gap: 0.0625 },
      dsr: {
        best_column: ids[0] as string,
        sharpe: 0.0812,
        expected_max_sharpe: 0.0634,
        sharpe_sd: 0.021,
        skewness: -1.4,
        kurtosis: 9.2,
        observations: days - (days % partitions),
        trials: n,
        dsr: 0.8123,
      },
      logits,
      is_selected: isSelected,
      oos_selected: oosSelected,
      selected_columns: selected,
      points: ids,
    };
  }

  await writeFile(join(dir, "sweep.arrow"), tableToIPC(sweep, "file"));
  await writeFile(join(dir, "returns.arrow"), tableToIPC(returns, "file"));
  await writeFile(join(dir, "sweep.json"), `${JSON.stringify(info, null, 2)}\n`);
  if (cscv) await writeFile(join(dir, "cscv.json"), `${JSON.stringify(cscv, null, 2)}\n`);
  await writeFile(join(dir, "_SUCCESS"), "");
  return { dir, sweep, returns, info, cscv };
}
