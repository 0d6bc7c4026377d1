import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AbortError,
  BacktestError,
  ScenarioError,
  runBacktest,
  scenarioJsonSchema,
  validateScenario,
  type Scenario,
} from "../src/index.js";
import { writeTinyDataset } from "./fixture.js";

// The tiny fixture: SPX at 100, expiries 2023-02-02 and 2023-03-02, puts bid 2.00 / ask 2.20.
const SCENARIO = `name: tiny-short-put
data: { dataset: tiny, tickers: [SPX], start: 2023-01-03, end: 2023-01-05 }
capital: 100000
strategy:
  legs:
    - { right: put, side: short, dte: { target: 30, min: 20, max: 40 }, delta: { target: 0.30, min: 0.25, max: 0.35 } }
  entry: { every_trading_days: 10, max_open: 1 }
costs: { commission_per_contract: 1.0, slippage: { spread_fraction: 0.5 } }
`;

describe("scenarios through the engine", () => {
  it("validates and normalizes a scenario", () => {
    const s = validateScenario(SCENARIO, "tiny.yaml");
    expect(s).toMatchObject({ name: "tiny-short-put", dataset: "tiny", tickers: ["SPX"], legs: 1, start: "2023-01-03" });
    const normalized = JSON.parse(s.normalizedJson) as Scenario;
    expect(normalized.costs?.slippage?.spread_fraction).toBe(0.5);
    expect(normalized.strategy?.entry?.max_open).toBe(1);
    expect(s.strategies).toEqual(["main"]);
  });

  it("throws a ScenarioError naming the field, line and column", () => {
    const bad = SCENARIO.replace("target: 0.30", "target: 1.3");
    try {
      validateScenario(bad, "tiny.yaml");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      const e = err as ScenarioError;
      expect(e).toMatchObject({ code: "ERR_SCENARIO", path: "strategy.legs[0].delta.target", line: 6 });
      expect(e.message).toBe(
        `tiny.yaml: strategy.legs[0].delta.target: expected a number in (0, 1), got 1.3 (line 6, column ${e.column})`,
      );
    }
    expect(() => validateScenario("name: x\nextra: 1\n")).toThrow(/unknown field `extra`/);
  });

  it("publishes the same JSON Schema as docs/scenario.schema.json", () => {
    const doc = JSON.parse(readFileSync(new URL("../../../docs/scenario.schema.json", import.meta.url), "utf8"));
    expect(scenarioJsonSchema()).toEqual(doc);
  });
});

describe("runBacktest", () => {
  it("runs off the event loop, reports progress and returns Arrow tables", async () => {
    const data = writeTinyDataset();
    const progress: number[] = [];
    const out = mkdtempSync(join(tmpdir(), "aegis-run-"));
    const r = await runBacktest(SCENARIO, { data, out, source: "tiny.yaml", onProgress: (p) => progress.push(p.daysDone) });
    // One short put: strike 95 (put |delta| 0.30), sold at 2.10 − ½·0.10 = 2.05 on day 1, bought
    // back on the last day at 2.10 + ½·0.10 = 2.15; two commissions of $1.
    expect(r.summary.trading_days).toBe(3);
    expect(r.summary.final_equity).toBeCloseTo(100_000 + 205 - 1 - 215 - 1, 9);
    expect(r.equity.numRows).toBe(3);
    expect(r.trades.numRows).toBe(2);
    expect(r.trades.getChild("strike")!.get(0)).toBe(95);
    expect(r.trades.getChild("reason")!.toArray()).toEqual(["entry", "end_of_data"]);
    expect(progress.at(-1)).toBe(3);
    expect(r.run).toMatchObject({ entry_point: "addon", dataset: "tiny", data_path: "local" });
    // The directory holds the same bytes as the returned files, and _SUCCESS.
    expect(readFileSync(join(out, "summary.json"), "utf8")).toBe(r.files.summaryJson);
    expect(new Uint8Array(readFileSync(join(out, "equity.arrow")))).toEqual(new Uint8Array(r.files.equityArrow));
    expect(readFileSync(join(out, "_SUCCESS"), "utf8")).toBe("");
  });

  it("accepts a scenario object of the generated type", async () => {
    const data = writeTinyDataset();
    const scenario: Scenario = {
      name: "object",
      data: { dataset: "tiny", tickers: ["SPX"], start: "2023-01-03", end: "2023-01-05" },
      strategy: { template: { short_put: { dte: { target: 30 }, delta: { target: 0.3 } } } },
    };
    const r = await runBacktest(scenario, { data });
    expect(r.summary.diagnostics.positions_opened).toBe(1);
  });

  it("rejects with typed errors for bad runs", async () => {
    const data = writeTinyDataset();
    await expect(runBacktest(SCENARIO.replace("dataset: tiny", "dataset: nope"), { data })).rejects.toMatchObject({
      name: "BacktestError",
      code: "ERR_DATASET_NOT_FOUND",
    });
    await expect(runBacktest(SCENARIO.replace("end: 2023-01-05", "end: 2023-06-30"), { data })).rejects.toBeInstanceOf(
      BacktestError,
    );
    await expect(runBacktest(SCENARIO.replace("target: 30, min: 20, max: 40", "target: 350, min: 300, max: 400"), { data })).rejects.toMatchObject({
      code: "ERR_UNFILLABLE",
      message: expect.stringContaining("strategy.legs[0] could never be filled"),
    });
    await expect(runBacktest("name: [", { data })).rejects.toBeInstanceOf(ScenarioError);
    const controller = new AbortController();
    controller.abort();
    await expect(runBacktest(SCENARIO, { data, signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
  });
});

// Two strategies on the tiny fixture: a short put with 60% of the account, a short call with 40%.
const BOOK = `name: tiny-book
data: { dataset: tiny, tickers: [SPX], start: 2023-01-03, end: 2023-01-05 }
capital: 100000
strategies:
  puts:
    weight: 0.6
    legs:
      - { right: put, side: short, dte: { target: 30, min: 20, max: 40 }, delta: { target: 0.30, min: 0.25, max: 0.35 } }
    entry: { every_trading_days: 10, max_open: 1 }
  calls:
    weight: 0.4
    template: { short_call: { dte: { target: 30, min: 20, max: 40 }, delta: { target: 0.5, min: 0.05, max: 0.95 } } }
    entry: { every_trading_days: 10, max_open: 1 }
costs: { commission_per_contract: 1.0, slippage: { spread_fraction: 0.5 } }
`;

describe("a portfolio of strategies through the addon", () => {
  it("returns each strategy's curve, the market and the strategy of every fill", async () => {
    expect(validateScenario(BOOK, "book.yaml").strategies).toEqual(["puts", "calls"]);
    const r = await runBacktest(BOOK, { data: writeTinyDataset() });
    expect(r.summary.strategies.map((s) => [s.name, s.weight, s.capital])).toEqual([
      ["puts", 0.6, 60_000],
      ["calls", 0.4, 40_000],
    ]);
    expect(r.strategies.numRows).toBe(2 * r.equity.numRows);
    expect(r.strategies.getChild("strategy")!.toArray().slice(0, 2)).toEqual(["puts", "calls"]);
    expect(new Set(r.trades.getChild("strategy")!.toArray())).toEqual(new Set(["puts", "calls"]));
    // The account's P&L is the strategies' together.
    const pnl = r.summary.strategies.reduce((sum, s) => sum + s.pnl, 0);
    expect(r.summary.final_equity - 100_000).toBeCloseTo(pnl, 6);
    expect(r.market.getChild("name")!.toArray()).toEqual(["SPX", "SPX", "SPX"]);
    expect(r.summary.benchmark).toMatchObject({ name: "SPX", kind: "ticker" });
  });

  it("refuses weights above 1, a repeated name and a ticker the data does not list, with the field and line", () => {
    const refused = (text: string) => {
      try {
        validateScenario(text, "book.yaml");
      } catch (err) {
        expect(err).toBeInstanceOf(ScenarioError);
        return err as ScenarioError;
      }
      return expect.unreachable();
    };
    expect(refused(BOOK.replace("weight: 0.4", "weight: 0.5"))).toMatchObject({ path: "strategies", line: 4 });
    expect(refused(BOOK.replace("  calls:", "  puts:"))).toMatchObject({ path: "strategies.puts", message: expect.stringContaining("two strategies are named puts") });
    expect(refused(BOOK.replace("    weight: 0.4", "    weight: 0.4\n    tickers: [QQQ]"))).toMatchObject({ path: "strategies.calls.tickers", line: 12 });
  });
});

