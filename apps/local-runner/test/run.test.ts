// End to end on this machine: every example runs through aegis-local (the addon) and through the
// aegis-bt binary with byte-identical results; bad input fails clearly from every entry point; the
// tearsheet of a real run renders in Chromium; a delta-hedged run's P&L attribution sums to its
// equity and shows in the report and the terminal.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { artifact, launchChromium, openFile } from "./browser.js";
import { beforeAll, describe, expect, it } from "vitest";
import { loadResults, monthlyAttribution, readAttribution, readPositions, sourceSum, totalAttribution } from "../src/report/index.js";
import { runScenarioFile } from "../src/run.js";
import { ensureDataset } from "../src/synthetic.js";
import { tempDirs } from "./temp-dirs.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BINARY = join(ROOT, "target/release/aegis-bt");
const CLI = join(ROOT, "apps/local-runner/bin/aegis-local.js");
const EXAMPLES = join(ROOT, "examples");
const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith(".yaml")).sort();
let data: string;
// Every directory a test makes (a 7-year dataset is about 3 GB) is removed when the file is done.
const tmp = tempDirs("aegis-");
const FIVE = ["T01", "T02", "T03", "T04", "T05"];

beforeAll(async () => {
  data = tmp("local-data");
  await ensureDataset(data, "synthetic-spx-7y", ["SPX"]);
  // The stock examples (wheel, covered call, collar) trade a single stock with dividends; five more
  // tickers show the early-assignment model at work on synthetic data; the portfolio example
  // trades ACME and GLOBEX.
  await ensureDataset(data, "synthetic-equity-7y", ["ACME", "GLOBEX", ...FIVE]);
}, 600_000);

const bytes = (dir: string, file: string) => readFileSync(join(dir, file));

describe("examples", () => {
  it("include the four the README promises", () => {
    expect(examples).toEqual(expect.arrayContaining(["short-put.yaml", "strangle.yaml", "iron-condor.yaml", "put-spread.yaml"]));
  });

  it("include the stock strategies, which hold shares, are assigned and receive dividends", async () => {
    expect(examples).toEqual(expect.arrayContaining(["wheel.yaml", "covered-call.yaml", "collar.yaml"]));
    const r = await runScenarioFile(join(EXAMPLES, "wheel.yaml"), { data, out: tmp("wheel"), report: false });
    const d = r.result.summary.diagnostics;
    expect(d.assigned).toBeGreaterThan(0);
    expect(d.dividends).toBeGreaterThan(0);
    const c = await runScenarioFile(join(EXAMPLES, "collar.yaml"), { data, out: tmp("collar"), report: false });
    expect(c.result.summary.diagnostics.exercised + c.result.summary.diagnostics.assigned).toBeGreaterThan(0);
  });

  it("see short calls assigned early before ex-dividend dates now and then on synthetic equity data", async () => {
    // The covered call over five synthetic stocks for seven years: the dividends are small (about
    // 0.5% a year), so only deep in-the-money calls near expiry have less time value than one.
    const text = readFileSync(join(EXAMPLES, "covered-call.yaml"), "utf8").replace("tickers: [ACME]", `tickers: [${FIVE.join(", ")}]`);
    const f = join(tmp("cc5"), "covered-call-5.yaml");
    writeFileSync(f, text);
    const r = await runScenarioFile(f, { data, out: tmp("cc5-out"), report: false });
    const d = r.result.summary.diagnostics;
    expect(d.early_assignments).toBeGreaterThan(0);
    expect(d.early_assignments).toBeLessThan(d.assigned);
    expect(d.dividends).toBeGreaterThan(0);
  });

  it.each(examples)("%s: the addon and the binary write byte-identical results", async (file) => {
    const scenario = join(EXAMPLES, file);
    const viaAddon = tmp("addon");
    const r = await runScenarioFile(scenario, { data, out: viaAddon, report: false });
    expect(r.result.summary.diagnostics.positions_opened).toBeGreaterThan(0);
    expect(r.result.summary.diagnostics.positions_closed).toBe(r.result.summary.diagnostics.positions_opened);

    const viaBinary = tmp("binary");
    const b = spawnSync(BINARY, ["run", "--scenario", scenario, "--data", data, "--out", viaBinary, "--quiet"], { encoding: "utf8" });
    expect(b.status, b.stderr).toBe(0);
    for (const f of ["summary.json", "equity.arrow", "trades.arrow", "positions.arrow", "strategies.arrow", "market.arrow", "_SUCCESS"]) {
      expect(bytes(viaBinary, f).equals(bytes(viaAddon, f)), `${file}: ${f} differs`).toBe(true);
    }
    const runA = JSON.parse(readFileSync(join(viaAddon, "run.json"), "utf8"));
    const runB = JSON.parse(readFileSync(join(viaBinary, "run.json"), "utf8"));
    expect([runA.entry_point, runB.entry_point]).toEqual(["addon", "binary"]);
    expect(runA.scenario_sha256).toBe(runB.scenario_sha256);
    expect(runA.dataset_manifest_sha256).toBe(runB.dataset_manifest_sha256);
  });
});

describe("aegis-local run", () => {
  it("checks partitions against the manifest as --verify / --no-verify say, and records it in run.json", () => {
    const stamps = tmp("stamps");
    const runWith = (...flags: string[]) => {
      const out = tmp("verify");
      const r = spawnSync(process.execPath, [CLI, "run", join(EXAMPLES, "short-put.yaml"), "--data", data, "--out", out, "--no-report", ...flags], {
        encoding: "utf8",
        env: { ...process.env, CI: "1", AEGIS_VERIFY_CACHE: stamps },
      });
      expect(r.status, r.stderr).toBe(0);
      const verification = JSON.parse(readFileSync(join(out, "run.json"), "utf8")).verification as { mode: string; partitions: { content: string }[] };
      return [verification.mode, [...new Set(verification.partitions.map((p) => p.content))]];
    };
    expect(runWith()).toEqual(["auto", ["hashed"]]);
    expect(runWith()).toEqual(["auto", ["stamp"]]);
    expect(runWith("--verify")).toEqual(["always", ["hashed"]]);
    expect(runWith("--no-verify")).toEqual(["never", ["skipped"]]);
    const both = spawnSync(process.execPath, [CLI, "run", join(EXAMPLES, "short-put.yaml"), "--verify", "--no-verify", "--data", data], { encoding: "utf8" });
    expect(both.status).not.toBe(0);
  });

  it("prints the summary, writes the results and a report that renders in Chromium", async () => {
    const out = tmp("cli");
    const r = spawnSync(process.execPath, [CLI, "run", join(EXAMPLES, "short-put.yaml"), "--data", data, "--out", out], {
      encoding: "utf8",
      env: { ...process.env, CI: "1" },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/total return\s+-?\d+\.\d\d%/);
    expect(r.stdout).toContain(`report   ${join(out, "report.html")}`);
    for (const f of ["summary.json", "equity.arrow", "trades.arrow", "run.json", "report.html", "_SUCCESS"]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }

    const browser = await launchChromium();
    try {
      const { page, errors } = await openFile(browser, join(out, "report.html"));
      for (const id of ["chart-equity", "chart-drawdown", "chart-monthly", "chart-pnl"]) {
        const box = await page.locator(`#${id} svg`).first().boundingBox();
        expect(box?.width ?? 0, id).toBeGreaterThan(300);
      }
      expect(await page.locator("text=Sharpe ratio").count()).toBeGreaterThan(0);
      expect(errors).toEqual([]);
      await page.screenshot({ path: artifact("short-put-report.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

describe("the P&L attribution of a delta-hedged run", () => {
  const scenario = join(EXAMPLES, "delta-hedged-straddle.yaml");

  it("sums, day by day, month by month and position by position, to the change in equity", async () => {
    const out = tmp("attribution");
    const r = await runScenarioFile(scenario, { data, out, report: false });
    expect(r.result.summary.hedge.fills).toBeGreaterThan(0);
    const results = await loadResults(out);
    const { capital, final_equity } = results.summary;
    const daily = readAttribution(results.equity);
    if (!daily) throw new Error("equity.arrow has no pnl_* columns");
    daily.dates.forEach((_, i) => {
      const change = (daily.equity[i] as number) - (i === 0 ? capital : (daily.equity[i - 1] as number));
      const parts = Object.values(daily.parts).reduce((sum, values) => sum + (values[i] as number), 0);
      expect(Math.abs(parts - change), `day ${i}`).toBeLessThan(1e-6);
    });
    // What the stacked chart draws: at each month end the stacked parts reach the equity change.
    const months = monthlyAttribution(daily, capital);
    expect(months.length).toBe(84);
    for (const m of months) expect(Math.abs(sourceSum(m.cumulative) - m.change), `${m.year}-${m.month}`).toBeLessThan(1e-6);
    expect(months[months.length - 1]?.change).toBeCloseTo(final_equity - capital, 6);
    const totals = totalAttribution(daily);
    expect(totals.hedge).not.toBe(0);
    expect(Math.abs(sourceSum(totals) - (final_equity - capital))).toBeLessThan(1e-6);
    // positions.arrow: every position ended by the last day, so their net P&L is the whole change.
    const positions = readPositions(results.positions ?? expect.fail("no positions.arrow"));
    expect(positions.length).toBe(results.summary.diagnostics.positions_closed);
    expect(Math.abs(positions.reduce((sum, p) => sum + p.pnl, 0) - (final_equity - capital))).toBeLessThan(1e-6);
  });

  it("prints the P&L by source and the hedge, and writes a report with the chart and the positions that renders in Chromium", async () => {
    const out = tmp("attribution-cli");
    const r = spawnSync(process.execPath, [CLI, "run", scenario, "--data", data, "--out", out], { encoding: "utf8", env: { ...process.env, CI: "1" } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/P&L by source\s+delta -?\$[\d,.]+, gamma -?\$[\d,.]+, theta -?\$[\d,.]+, vega -?\$[\d,.]+, residual -?\$[\d,.]+, hedge -?\$[\d,.]+, other -?\$[\d,.]+\n/);
    expect(r.stdout).toMatch(/\n {2}hedge\s+[\d,]+ fills, [\d,]+ shares traded, P&L -?\$[\d,.]+, fees \$[\d,.]+, net -?\$[\d,.]+\n/);
    for (const f of ["positions.arrow", "report.html", "_SUCCESS"]) expect(existsSync(join(out, f)), f).toBe(true);

    const browser = await launchChromium();
    try {
      const { page, errors } = await openFile(browser, join(out, "report.html"));
      const chart = await page.locator("#chart-attribution svg").first().boundingBox();
      expect(chart?.width ?? 0).toBeGreaterThan(300);
      expect(await page.locator("#chart-attribution svg path").count()).toBeGreaterThan(84);
      expect(await page.locator("#attribution tr[data-source]").count()).toBe(8);
      expect(await page.locator("#hedge").isVisible()).toBe(true);
      // The 10 largest winners and the 10 largest losers, or all of them when there are fewer.
      const positions = readPositions((await loadResults(out)).positions ?? expect.fail("no positions.arrow"));
      const shown = Math.min(10, positions.filter((p) => p.pnl > 0).length) + Math.min(10, positions.filter((p) => p.pnl < 0).length);
      expect(await page.locator("#positions-extremes tbody tr[data-position]").count()).toBe(shown);
      expect(await page.locator("#positions-all tbody tr").count()).toBe(positions.length);
      for (const id of ["chart-rolling", "worst-drawdowns", "yearly-returns"]) expect((await page.locator(`#${id}`).boundingBox())?.width ?? 0, id).toBeGreaterThan(200);
      expect(await page.locator("#positions-by-reason tbody tr").count()).toBeGreaterThan(0);
      expect(await page.locator("#attribution-missing, #positions-missing").count()).toBe(0);
      expect(errors).toEqual([]);
      await page.screenshot({ path: artifact("delta-hedged-straddle-report.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

describe("bad input", () => {
  const base = readFileSync(join(EXAMPLES, "short-put.yaml"), "utf8");
  const write = (text: string) => {
    const f = join(tmp("bad"), "scenario.yaml");
    writeFileSync(f, text);
    return f;
  };
  const cases: [string, string, RegExp][] = [
    ["a malformed scenario", base.replace(/capital: .*/, "capital: lots"), /capital: invalid type: string "lots".*\(line \d+, column \d+\)/],
    ["an unknown dataset", base.replace(/dataset: \S+/, "dataset: my-orats"), /dataset my-orats not found/],
    ["dates outside the data", base.replace(/start: \S+/, "start: 2010-01-04"), /2010-01-04 .*outside dataset synthetic-spx-7y/],
    ["a leg that can never be filled", base.replace(/dte: \{[^}]*\}/, "dte: { target: 900, min: 800, max: 1000 }"), /strategy\.legs\[0\] could never be filled/],
    ["a stock leg on a cash-settled ticker", base.replace(/ {2}legs:/, "  stock: { side: long, shares: 100 }\n  legs:"), /strategy: a stock leg needs physically settled options, and SPX settles in cash.*\(line \d+/],
    ["a hedge with neither schedule nor band", base.replace(/ {2}entry:/, "  hedge: { target: 0 }\n  entry:"), /strategy\.hedge: give `every_trading_days`, `band` or both.*\(line \d+/],
    ["a roll rule that can never fire", base.replace(/ {2}entry:/, "  roll: { when: { dte: 0 } }\n  entry:"), /strategy\.roll\.when\.dte: 0 can never fire.*\(line \d+/],
    ["a term-structure signal with its expiries the wrong way round", base.replace(/ {2}entry:\n/, "  entry:\n    signals: [ { term_structure: { front_dte: 90, back_dte: 30, ratio: { max: 1 } } } ]\n"), /strategy\.entry\.signals\[0\]\.term_structure: front_dte \(90\) must be below back_dte \(30\).*\(line \d+/],
    ["a fill model parameter without its model", base.replace(/slippage: \{[^}]*\}/, "slippage: { by_legs: [0.7] }"), /costs\.slippage\.by_legs: goes with `model: by_legs`.*\(line \d+/],
  ];

  it.each(cases)("%s fails with a clear message from aegis-local and aegis-bt", (_, text, message) => {
    const f = write(text);
    const local = spawnSync(process.execPath, [CLI, "run", f, "--data", data, "--out", tmp("o")], { encoding: "utf8", env: { ...process.env, CI: "1" } });
    const binary = spawnSync(BINARY, ["run", "--scenario", f, "--data", data, "--out", tmp("o"), "--quiet"], { encoding: "utf8" });
    for (const [who, r] of [["aegis-local", local], ["aegis-bt", binary]] as const) {
      expect(r.status, who).not.toBe(0);
      expect(r.stderr, who).toMatch(message);
      expect(r.stderr, who).not.toMatch(/\n\s+at |panicked|RUST_BACKTRACE/);
    }
  });
});
