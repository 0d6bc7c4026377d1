import { Table } from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  chartAxes, degradationScatter, logitHistogram, metricGrid, paramLabel, rankMetric, rankPoints, readPoints, shortLabels, sweepReportData,
  type SweepInput, type SweepPoint,
} from "../src/report/sweep-data.js";
import type { CscvReport, SweepInfo } from "../src/report/sweep-json.js";
import { cscvHeadline, sweepTable } from "../src/sweep-table.js";
import { date32 } from "./report-fixture.js";
import { float64Nullable, uint32, utf8Nullable } from "./sweep-fixture.js";

const DELTA = "strategy.legs[0].delta.target";
const TARGET = "strategy.exit.profit_target";
const RIGHT = "strategy.legs[0].right";

interface Row {
  id: string;
  params: Record<string, number | string>;
  sharpe: number | null;
  totalReturn?: number | null;
  error?: string;
}

/** sweep.arrow of `rows` (point = row index), paths in `paths` order: numbers → Float64, text → Utf8 of its JSON. */
function sweepTableOf(paths: string[], rows: Row[]): Table {
  const pathColumns = Object.fromEntries(
    paths.map((path) => {
      const values = rows.map((r) => r.params[path] as number | string);
      return [path, values.every((v) => typeof v === "number") ? float64Nullable(values as number[]) : utf8Nullable(values.map((v) => JSON.stringify(v)))];
    }),
  );
  const nulls = rows.map(() => null);
  return new Table({
    point: uint32(rows.map((_, i) => i)),
    id: utf8Nullable(rows.map((r) => r.id)),
    params: utf8Nullable(rows.map((r) => JSON.stringify(r.params))),
    ...pathColumns,
    error: utf8Nullable(rows.map((r) => r.error ?? null)),
    final_equity: float64Nullable(nulls),
    total_return: float64Nullable(rows.map((r) => r.totalReturn ?? null)),
    sharpe: float64Nullable(rows.map((r) => r.sharpe)),
    max_drawdown: float64Nullable(rows.map((r) => (r.error ? null : -0.1))),
    trade_count: float64Nullable(rows.map((r) => (r.error ? null : 12))),
  });
}

function infoOf(paths: string[], n: number, cscv: SweepInfo["cscv"] = null): SweepInfo {
  return {
    scenario: "s", scenario_sha256: "", engine_version: "0.1.0", git_sha: "", entry_point: "addon", dataset: "d", dataset_manifest_sha256: "",
    data_path: "local", points_total: n, shard: null, paths, points: [], cscv, trading_days: 4, threads: 1, wall_seconds: 0.5, host: "h", started_at: 0,
  };
}

function cscvOf(over: Partial<CscvReport> = {}): CscvReport {
  return {
    metric: "sharpe", partitions: 4, n_columns: 4, n_rows: 8, rows_dropped: 0, block_rows: 2, n_combinations: 6,
    pbo: 0.5, prob_loss: 1 / 3,
    degradation: { slope: -0.5, intercept: 0.1, r2: 0.25 },
    dominance: { first_order: false, second_order: false, max_cdf_gap: 0.1 },
    dsr: { best_column: "b", sharpe: 0.2, expected_max_sharpe: 0.15, sharpe_sd: 0.1, skewness: 0, kurtosis: 3, observations: 8, trials: 4, dsr: 0.9 },
    logits: [-1.2, 0, 0.4, 0.9, -0.3, 1.5],
    is_selected: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    oos_selected: [0.05, 0, -0.05, -0.1, -0.15, -0.2],
    selected_columns: [0, 1, 1, 2, 3, 1],
    points: ["a", "b", "c", "d"],
    ...over,
  };
}

// Four points on a 2 × 2 grid, written out of numeric order; d could not trade.
const GRID_ROWS: Row[] = [
  { id: "a", params: { [TARGET]: 0.5, [DELTA]: 0.3 }, sharpe: 0.8, totalReturn: 0.2 },
  { id: "b", params: { [TARGET]: 0.5, [DELTA]: 0.2 }, sharpe: 1.1, totalReturn: 0.1 },
  { id: "c", params: { [TARGET]: 0.25, [DELTA]: 0.3 }, sharpe: -0.4, totalReturn: 0.3 },
  { id: "d", params: { [TARGET]: 0.25, [DELTA]: 0.2 }, sharpe: null, error: "ERR_UNFILLABLE: never filled" },
];
const PATHS = [TARGET, DELTA];

function gridInput(cscv: CscvReport | null = null, info = infoOf(PATHS, 4)): SweepInput {
  return { sweep: sweepTableOf(PATHS, GRID_ROWS), info, cscv };
}

describe("readPoints", () => {
  it("reads each row: point, id, parameter values in path order, error, metrics; a failed point has no score", () => {
    const points = readPoints(gridInput());
    expect(points.map((p) => [p.point, p.id, p.params, p.score])).toEqual([
      [0, "a", [0.5, 0.3], 0.8],
      [1, "b", [0.5, 0.2], 1.1],
      [2, "c", [0.25, 0.3], -0.4],
      [3, "d", [0.25, 0.2], null],
    ]);
    expect(points[3]?.error).toBe("ERR_UNFILLABLE: never filled");
    expect(points[0]).toMatchObject({ error: null, sharpe: 0.8, totalReturn: 0.2, maxDrawdown: -0.1, trades: 12 });
  });

  it("keeps a text parameter as its JSON text", () => {
    const rows: Row[] = [{ id: "p", params: { [RIGHT]: "put" }, sharpe: 1 }, { id: "c", params: { [RIGHT]: "call" }, sharpe: 2 }];
    const points = readPoints({ sweep: sweepTableOf([RIGHT], rows), info: infoOf([RIGHT], 2), cscv: null });
    expect(points.map((p) => p.params)).toEqual([['"put"'], ['"call"']]);
  });

  it("scores by the CSCV metric: total_return from its column, mean from returns.arrow", () => {
    const byReturn = readPoints(gridInput(cscvOf({ metric: "total_return" })));
    expect(byReturn.map((p) => p.score)).toEqual([0.2, 0.1, 0.3, null]);

    const returns = new Table({
      date: date32([19000, 19001, 19002, 19003]),
      a: float64Nullable([0, 0.01, 0.02, 0.03]),
      b: float64Nullable([0, -0.01, 0, -0.03]),
      c: float64Nullable([0, 0, 0, 0.004]),
      d: float64Nullable([0, 0, 0, 0]),
    });
    const byMean = readPoints({ ...gridInput(null, infoOf(PATHS, 4, { partitions: 2, metric: "mean" })), returns });
    expect(byMean.map((p) => p.score)).toEqual([0.015, -0.01, 0.001, null]);
    expect(() => readPoints(gridInput(null, infoOf(PATHS, 4, { partitions: 2, metric: "mean" })))).toThrow(/needs the daily returns/);
  });
});

describe("rankMetric", () => {
  it("takes cscv.json's metric, else sweep.json's, else Sharpe", () => {
    expect(rankMetric({ info: infoOf(PATHS, 4), cscv: null })).toBe("sharpe");
    expect(rankMetric({ info: infoOf(PATHS, 4, { partitions: 2, metric: "mean" }), cscv: null })).toBe("mean");
    expect(rankMetric({ info: infoOf(PATHS, 4, { partitions: 2, metric: "mean" }), cscv: cscvOf({ metric: "total_return" }) })).toBe("total_return");
  });
});

describe("rankPoints", () => {
  it("ranks the scored points best first, equal scores in expansion order, unscored left out", () => {
    const points = [0.5, null, 0.9, 0.5, -1].map((score, point): SweepPoint => ({
      point, id: `p${point}`, params: [], error: null, score, sharpe: score, totalReturn: null, maxDrawdown: null, trades: null,
    }));
    expect(rankPoints(points).map((p) => [p.rank, p.id])).toEqual([[1, "p2"], [2, "p0"], [3, "p3"], [4, "p4"]]);
  });
});

describe("paramLabel", () => {
  it("formats numbers, unquotes JSON strings, keeps other JSON as written", () => {
    expect(paramLabel(0.25)).toBe("0.25");
    expect(paramLabel(1_000_000)).toBe("1,000,000");
    expect(paramLabel('"put"')).toBe("put");
    expect(paramLabel("true")).toBe("true");
    expect(paramLabel("[1,2]")).toBe("[1,2]");
    expect(paramLabel("not json")).toBe("not json");
    expect(paramLabel(null)).toBe("—");
  });
});

describe("shortLabels", () => {
  it("keeps the last two segments, more where two paths would read the same", () => {
    expect(shortLabels([TARGET, DELTA, "capital"])).toEqual(["exit.profit_target", "delta.target", "capital"]);
    expect(shortLabels(["strategy.legs[0].delta.target", "strategy.legs[1].delta.target"])).toEqual(["legs[0].delta.target", "legs[1].delta.target"]);
    expect(shortLabels(["a.b.c", "x.b.c", "b.c"])).toEqual(["a.b.c", "x.b.c", "b.c"]);
  });

  it("keeps the strategy's name when two strategies of a portfolio are swept, and only then", () => {
    const puts = "strategies.puts.legs[0].delta.target";
    expect(shortLabels([puts, "strategies.calls.exit.profit_target"])).toEqual(["puts: delta.target", "calls: exit.profit_target"]);
    expect(shortLabels([puts, "strategies.calls.legs[0].delta.target"])).toEqual(["puts: delta.target", "calls: delta.target"]);
    expect(shortLabels(["strategies.puts.weight", "strategies.calls.weight", "capital"])).toEqual(["puts: weight", "calls: weight", "capital"]);
    expect(shortLabels(["strategies.a.legs[0].delta.target", "strategies.a.legs[1].delta.target", "strategies.b.legs[0].delta.target"])).toEqual([
      "a: legs[0].delta.target",
      "a: legs[1].delta.target",
      "b: delta.target",
    ]);
    // One strategy swept: its name tells nothing apart.
    expect(shortLabels([puts, "strategies.puts.exit.profit_target"])).toEqual(["delta.target", "exit.profit_target"]);
    expect(shortLabels([puts, "strategies.puts.legs[1].delta.target"])).toEqual(["legs[0].delta.target", "legs[1].delta.target"]);
    expect(shortLabels(["strategies.puts.weight"])).toEqual(["puts.weight"]);
  });
});

describe("metricGrid", () => {
  it("puts each scored point in its cell, values ascending along each axis, failed points left out", () => {
    const grid = metricGrid(readPoints(gridInput()), PATHS);
    expect(grid?.x).toEqual({ path: TARGET, label: "exit.profit_target", values: [0.25, 0.5], labels: ["0.25", "0.5"] });
    expect(grid?.y).toEqual({ path: DELTA, label: "delta.target", values: [0.2, 0.3], labels: ["0.2", "0.3"] });
    expect(grid?.cells).toEqual([
      { x: 1, y: 0, value: 1.1, count: 1 },
      { x: 0, y: 1, value: -0.4, count: 1 },
      { x: 1, y: 1, value: 0.8, count: 1 },
    ]);
    expect(grid?.averaged).toBe(false);
    expect(grid?.otherPaths).toEqual([]);
  });

  it("averages over the parameters off the axes, and says which they are", () => {
    const rows: Row[] = [
      { id: "1", params: { a: 1, b: 10, c: 100 }, sharpe: 1 },
      { id: "2", params: { a: 1, b: 10, c: 200 }, sharpe: 3 },
      { id: "3", params: { a: 2, b: 10, c: 100 }, sharpe: -1 },
      { id: "4", params: { a: 2, b: 10, c: 200 }, sharpe: 0 },
    ];
    const points = readPoints({ sweep: sweepTableOf(["a", "b", "c"], rows), info: infoOf(["a", "b", "c"], 4), cscv: null });
    const grid = metricGrid(points, ["a", "b", "c"]);
    expect(grid?.cells).toEqual([{ x: 0, y: 0, value: 2, count: 2 }, { x: 1, y: 0, value: -0.5, count: 2 }]);
    expect(grid?.averaged).toBe(true);
    expect(grid?.otherPaths).toEqual(["c"]);

    const byC = metricGrid(points, ["a", "b", "c"], ["c", "a"]);
    expect([byC?.x.path, byC?.y?.path]).toEqual(["c", "a"]);
    expect(byC?.cells).toEqual([{ x: 0, y: 0, value: 1, count: 1 }, { x: 1, y: 0, value: 3, count: 1 }, { x: 0, y: 1, value: -1, count: 1 }, { x: 1, y: 1, value: 0, count: 1 }]);
    expect(byC?.otherPaths).toEqual(["b"]);
  });

  it("has one axis over a single swept path; text values keep their order of appearance", () => {
    const rows: Row[] = [{ id: "p", params: { [RIGHT]: "put" }, sharpe: 1 }, { id: "c", params: { [RIGHT]: "call" }, sharpe: 2 }];
    const grid = metricGrid(readPoints({ sweep: sweepTableOf([RIGHT], rows), info: infoOf([RIGHT], 2), cscv: null }), [RIGHT]);
    expect(grid?.y).toBeUndefined();
    expect(grid?.x.labels).toEqual(["put", "call"]);
    expect(grid?.cells).toEqual([{ x: 0, y: 0, value: 1, count: 1 }, { x: 1, y: 0, value: 2, count: 1 }]);
  });

  it("is null when nothing is swept", () => {
    expect(metricGrid([], [])).toBeNull();
  });
});

describe("chartAxes", () => {
  it("defaults to the first two paths and refuses a path that is not swept, a repeat or three", () => {
    expect(chartAxes(["a", "b", "c"])).toEqual(["a", "b"]);
    expect(chartAxes(["a"])).toEqual(["a"]);
    expect(chartAxes(["a", "b"], ["b"])).toEqual(["b"]);
    expect(() => chartAxes(["a", "b"], ["z"])).toThrow("z is not swept; the sweep varies a, b");
    expect(() => chartAxes(["a", "b"], ["a", "a"])).toThrow("two different parameters, got a twice");
    expect(() => chartAxes(["a", "b", "c"], ["a", "b", "c"])).toThrow("one or two parameters, got 3");
  });
});

describe("logitHistogram", () => {
  it("bins the logits and counts λ ≤ 0 (0 included) as overfit", () => {
    const h = logitHistogram(cscvOf());
    expect(h.overfit).toBe(3);
    expect(h.total).toBe(6);
    expect(h.bins.reduce((n, b) => n + b.count, 0)).toBe(6);
    expect(h.bins.some((b) => b.lo === 0 || b.hi === 0)).toBe(true);
  });
});

describe("degradationScatter", () => {
  it("pairs in- and out-of-sample values and draws the fitted line across the in-sample range", () => {
    const s = degradationScatter(cscvOf());
    expect(s.points).toEqual([[0.1, 0.05], [0.2, 0], [0.3, -0.05], [0.4, -0.1], [0.5, -0.15], [0.6, -0.2]]);
    expect(s.total).toBe(6);
    // y = 0.1 − 0.5·x at x = 0.1 and 0.6.
    expect(s.line?.[0][0]).toBe(0.1);
    expect(s.line?.[0][1]).toBeCloseTo(0.05, 15);
    expect(s.line?.[1][0]).toBe(0.6);
    expect(s.line?.[1][1]).toBeCloseTo(-0.2, 15);
    expect(s.fit).toEqual({ slope: -0.5, intercept: 0.1, r2: 0.25 });
  });

  it("draws an evenly spaced subset of many combinations, and no line without in-sample spread", () => {
    const s = degradationScatter(cscvOf(), 3);
    expect(s.points).toEqual([[0.1, 0.05], [0.3, -0.05], [0.5, -0.15]]);
    expect(s.total).toBe(6);
    expect(degradationScatter(cscvOf({ is_selected: [0.2, 0.2, 0.2, 0.2, 0.2, 0.2] })).line).toBeNull();
  });
});

describe("sweepReportData", () => {
  it("ranks, keeps the top rows, lists the failed points and builds the charts' data", () => {
    const data = sweepReportData(gridInput(cscvOf()), { top: 2 });
    expect(data.metric).toBe("sharpe");
    expect(data.labels).toEqual(["exit.profit_target", "delta.target"]);
    expect(data.ranked.map((p) => p.id)).toEqual(["b", "a", "c"]);
    expect(data.top.map((p) => p.id)).toEqual(["b", "a"]);
    expect(data.failed.map((p) => p.id)).toEqual(["d"]);
    expect(data.grid?.cells).toHaveLength(3);
    expect(data.cscv?.logits.overfit).toBe(3);
    expect(sweepReportData(gridInput()).cscv).toBeNull();
  });
});

describe("the terminal table", () => {
  it("lists the top points with their parameters and metrics, ranks aligned", () => {
    const text = sweepTable(gridInput(), 2);
    expect(text.split("\n")).toEqual([
      "  s: 4 points (1 could not trade), top 2 by Sharpe ratio",
      "  rank  point  exit.profit_target  delta.target  sharpe  total return  max drawdown  trades",
      "     1  b                     0.5           0.2    1.10        10.00%       -10.00%      12",
      "     2  a                     0.5           0.3    0.80        20.00%       -10.00%      12",
    ]);
  });

  it("gives PBO, DSR with its p-value and the probability of loss, or says there was no cscv section", () => {
    expect(cscvHeadline(cscvOf())).toBe("  PBO 50.00%  ·  DSR 0.90 (p 0.10)  ·  probability of loss 33.33%  ·  6 combinations of 4 blocks");
    expect(cscvHeadline(null)).toMatch(/no cscv section/);
  });
});
