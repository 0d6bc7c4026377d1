import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AbortError, ScenarioError, SweepError, expandSweep, mergeSweepShards, runSweep } from "../src/index.js";
import { writeTinyDataset } from "./fixture.js";

// The twenty 2023 January trading days of the tiny fixture: flat quotes, so points differ by how often
// they enter and pay commissions — enough to tell them apart.
const DAYS = Array.from({ length: 31 }, (_, i) => `2023-01-${String(i + 1).padStart(2, "0")}`).filter((d) => {
  const w = new Date(`${d}T00:00:00Z`).getUTCDay();
  return w !== 0 && w !== 6 && d !== "2023-01-02" && d !== "2023-01-16";
});

const SWEEP = `name: tiny-sweep
data: { dataset: tiny, tickers: [SPX], start: 2023-01-03, end: 2023-01-31 }
capital: 100000
strategy:
  legs:
    - { right: put, side: short, dte: { target: 30, min: 20, max: 40 }, delta: { target: 0.30, min: 0.25, max: 0.35 } }
  entry: { every_trading_days: 2, max_open: 1 }
  exit: { max_hold_days: 3 }
costs: { commission_per_contract: 1.0, slippage: { spread_fraction: 0.5 } }
cscv: { partitions: 2 }
sweep:
  grid:
    strategy.entry.every_trading_days: [1, 2, 5]
    costs.commission_per_contract: [0.5, 1.5]
`;

const tmp = () => mkdtempSync(join(tmpdir(), "aegis-sweep-"));

describe("expandSweep", () => {
  it("expands and validates every point off the event loop, in a fixed order with stable ids", async () => {
    const pending = expandSweep(SWEEP, "sweep.yaml");
    expect(pending).toBeInstanceOf(Promise);
    const plan = await pending;
    expect(plan).toMatchObject({ name: "tiny-sweep", dataset: "tiny", cscv: { partitions: 2, metric: "sharpe" } });
    expect(plan.paths).toEqual(["costs.commission_per_contract", "strategy.entry.every_trading_days"]);
    expect(plan.points.map((p) => p.params)).toEqual([
      { "costs.commission_per_contract": 0.5, "strategy.entry.every_trading_days": 1 },
      { "costs.commission_per_contract": 0.5, "strategy.entry.every_trading_days": 2 },
      { "costs.commission_per_contract": 0.5, "strategy.entry.every_trading_days": 5 },
      { "costs.commission_per_contract": 1.5, "strategy.entry.every_trading_days": 1 },
      { "costs.commission_per_contract": 1.5, "strategy.entry.every_trading_days": 2 },
      { "costs.commission_per_contract": 1.5, "strategy.entry.every_trading_days": 5 },
    ]);
    expect(new Set(plan.points.map((p) => p.id)).size).toBe(6);
    expect((await expandSweep(SWEEP)).points.map((p) => p.id)).toEqual(plan.points.map((p) => p.id));
    expect(plan.points.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("names a bad point's values, and a repeated value before anything runs", async () => {
    const bad = SWEEP.replace("[1, 2, 5]", "[1, 0]");
    await expect(expandSweep(bad, "sweep.yaml")).rejects.toThrow(ScenarioError);
    await expect(expandSweep(bad, "sweep.yaml")).rejects.toThrow(/strategy\.entry\.every_trading_days=0/);
    await expect(expandSweep(SWEEP.split("cscv:")[0]!, "plain.yaml")).rejects.toThrow(/no `sweep` section/);
    await expect(expandSweep(SWEEP.replace("[1, 2, 5]", "[1, 2, 1]"), "sweep.yaml")).rejects.toMatchObject({
      code: "ERR_SCENARIO",
      path: "sweep.grid.strategy.entry.every_trading_days[2]",
    });
  });

  it("keeps the event loop free while a large sweep expands", async () => {
    // 120,000 points: the timer must fire while the expansion runs on the thread pool.
    const big = SWEEP.replace("[0.5, 1.5]", JSON.stringify(Array.from({ length: 40_000 }, (_, i) => 0.5 + i / 100_000)));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const plan = await expandSweep(big.replace("cscv: { partitions: 2 }\n", ""), "big.yaml");
    clearInterval(timer);
    expect(plan.points).toHaveLength(120_000);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe("runSweep", () => {
  const data = writeTinyDataset(DAYS);

  it("runs every point, reports progress, and returns the files it writes", async () => {
    const out = tmp();
    const seen: number[] = [];
    const r = await runSweep(SWEEP, { data, out, source: "sweep.yaml", onProgress: (p) => seen.push(p.pointsDone) });
    expect(seen.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.sweep.numRows).toBe(6);
    expect(r.sweep.schema.fields.map((f) => f.name).slice(0, 7)).toEqual([
      "point", "id", "params", "costs.commission_per_contract", "strategy.entry.every_trading_days", "error", "final_equity",
    ]);
    expect(r.returns.numCols).toBe(7);
    expect(r.returns.numRows).toBe(DAYS.length);
    expect(r.info).toMatchObject({ scenario: "tiny-sweep", points_total: 6, shard: null, entry_point: "addon", trading_days: 20 });
    expect(r.cscv).not.toBeNull();
    expect(r.cscv!.n_combinations).toBe(2);
    expect(r.cscv!.points).toEqual(r.info.points.map((p) => p.id));
    // Where the time went: the points and CSCV ran, no walk-forward was asked for.
    expect(r.info.timings?.points).toBeGreaterThan(0);
    expect(r.info.timings?.cscv).toBeGreaterThan(0);
    expect(r.info.timings?.walk_forward).toBe(0);
    expect(readFileSync(join(out, "sweep.arrow"))).toEqual(Buffer.from(r.files.sweepArrow));
    expect(readFileSync(join(out, "returns.arrow"))).toEqual(Buffer.from(r.files.returnsArrow));
    expect(readFileSync(join(out, "cscv.json"), "utf8")).toBe(r.files.cscvJson);
    expect(readFileSync(join(out, "_SUCCESS"), "utf8")).toBe("");
    // Cheaper commissions end richer, point for point.
    const equity = r.sweep.getChild("final_equity")!.toArray() as Float64Array;
    for (let k = 0; k < 3; k++) expect(equity[k]!).toBeGreaterThan(equity[k + 3]!);
    rmSync(out, { recursive: true });
  });

  it("shards merge into the whole sweep, byte for byte", async () => {
    const whole = await runSweep(SWEEP, { data });
    const out = tmp();
    for (let i = 0; i < 4; i++) {
      const s = await runSweep(SWEEP, { data, out, shard: { index: i, count: 4 } });
      expect(s.info.shard).toMatchObject({ index: i, count: 4 });
      expect(s.cscv).toBeNull();
    }
    const dirs = [0, 1, 2, 3].map((i) => join(out, "shards", String(i).padStart(4, "0")));
    const merged = await mergeSweepShards(dirs, { out: join(out, "merged") });
    expect(merged.files.sweepArrow).toEqual(whole.files.sweepArrow);
    expect(merged.files.returnsArrow).toEqual(whole.files.returnsArrow);
    expect(merged.files.cscvJson).toBe(whole.files.cscvJson);
    await expect(mergeSweepShards(dirs.slice(1))).rejects.toThrow(SweepError);
    await expect(mergeSweepShards(dirs.slice(1))).rejects.toThrow(/missing \[0\]/);
    await expect(runSweep(SWEEP, { data, shard: { index: 0, count: 7 } })).rejects.toThrow(/at most 6 shards/);
    rmSync(out, { recursive: true });
  });

  it("runs the walk-forward and the SPA after the points, and refuses windows the days cannot hold at their line", async () => {
    const text = SWEEP.replace("cscv: { partitions: 2 }\n", "cscv: { partitions: 2 }\nwalk_forward: { in_sample: 8, out_of_sample: 4, metric: total_return }\nspa: { bootstrap: 200 }\n");
    const out = tmp();
    const r = await runSweep(text, { data, out, source: "sweep.yaml" });
    // 20 days: 19 returns, 8 in sample, then out-of-sample windows of 4, 4 and 3 days.
    expect(r.walkForward!.windows.map((w) => w.out_of_sample.days)).toEqual([4, 4, 3]);
    expect(r.walkForward!.span.days).toBe(11);
    expect(r.stats!.spa!.models).toBe(6);
    expect(r.stats!.benchmark).toBe("zero");
    expect(r.stats!.plateau!.metric).toBe("sharpe");
    expect(readFileSync(join(out, "walk_forward.json"), "utf8")).toBe(r.files.walkForwardJson);
    expect(readFileSync(join(out, "walk_forward.arrow"))).toEqual(Buffer.from(r.files.walkForwardArrow!));
    expect(readFileSync(join(out, "stats.json"), "utf8")).toBe(r.files.statsJson);
    expect(readFileSync(join(out, "entries.arrow"))).toEqual(Buffer.from(r.files.entriesArrow));
    rmSync(out, { recursive: true });
    const tooLong = text.replace("in_sample: 8,", "in_sample: 80,");
    const e = await runSweep(tooLong, { data, source: "sweep.yaml" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ScenarioError);
    expect((e as ScenarioError).message, (e as ScenarioError).message).toMatch(/^sweep\.yaml: walk_forward\.in_sample: 80 \+ 4 out-of-sample trading days do not fit the 19 daily returns .* \(line 11, column 17\)$/);
  });

  it("rejects an aborted call with AbortError", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(runSweep(SWEEP, { data, signal: ac.signal })).rejects.toThrow(AbortError);
  });

  it("keeps the points finished before an abort in <out>/checkpoint/ and resumes from them to the same bytes", async () => {
    // 6,000 points on one thread: long enough for the abort at the first progress to land mid-sweep.
    const commissions = Array.from({ length: 2000 }, (_, i) => Number((0.5 + i / 1000).toFixed(3)));
    const big = SWEEP.replace("[0.5, 1.5]", JSON.stringify(commissions)).replace("cscv: { partitions: 2 }\n", "");
    const whole = tmp();
    const fresh = await runSweep(big, { data, out: whole, threads: 1, checkpoint: false });
    expect(fresh.info.resumed_points).toBeUndefined();

    const out = tmp();
    const ac = new AbortController();
    const stopped = runSweep(big, { data, out, threads: 1, signal: ac.signal, onProgress: () => ac.abort() });
    await expect(stopped).rejects.toThrow(AbortError);
    expect(existsSync(join(out, "checkpoint", "checkpoint.json"))).toBe(true);
    expect(existsSync(join(out, "_SUCCESS"))).toBe(false);

    const resumed = await runSweep(big, { data, out, threads: 1 });
    expect(resumed.info.resumed_points).toBeGreaterThanOrEqual(16);
    expect(resumed.info.resumed_points).toBeLessThan(6000);
    for (const f of ["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow"]) {
      expect(readFileSync(join(out, f)).equals(readFileSync(join(whole, f))), f).toBe(true);
    }
    expect(existsSync(join(out, "checkpoint"))).toBe(false);
    rmSync(out, { recursive: true });
    rmSync(whole, { recursive: true });
  }, 60_000);

  it("refuses a checkpoint option that is not a boolean", async () => {
    await expect(runSweep(SWEEP, { data, checkpoint: "yes" as unknown as boolean })).rejects.toThrow(/runSweep: checkpoint/);
  });
});
