// End to end on this machine: `aegis-local sweep` on a short synthetic dataset writes the sweep's
// directory (_SUCCESS last; the same bytes as `aegis-bt sweep`), prints the top points and the CSCV
// headline, and its report renders in Chromium; a point written with --points is byte-identical to
// a single run of its values; Ctrl-C (an aborted signal) leaves no _SUCCESS; the example sweep runs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AbortError, expandSweep, runBacktest } from "@aegis-bt/engine";
import { tableFromIPC } from "apache-arrow";
import { artifact, launchChromium, openFile } from "./browser.js";
import { beforeAll, describe, expect, it } from "vitest";
import { stoppedMessage, sweepScenarioFile } from "../src/sweep.js";
import { ensureDataset } from "../src/synthetic.js";
import { tempDirs } from "./temp-dirs.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CLI = join(ROOT, "apps/local-runner/bin/aegis-local.js");
const BINARY = join(ROOT, "target/release/aegis-bt");
const EXAMPLE = join(ROOT, "examples/sweep-short-put.yaml");
const DELTA = "strategy.legs[0].delta.target";
const TARGET = "strategy.exit.profit_target";

// Removed when the file is done (the example's data is about 800 MB).
const tmp = tempDirs("aegis-sweep-");

/** A one-year short put sweep: `deltas` × `targets` points, CSCV over 4 blocks unless `cscv` is false, and `extra` sections. */
function scenario(deltas: number[], targets: number[], cscv = true, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "sweep-e2e",
    data: { dataset: "synthetic-spx-1y", tickers: ["SPX"], start: "2023-01-03", end: "2023-12-29" },
    capital: 1_000_000,
    strategy: {
      legs: [{ right: "put", side: "short", qty: 1, dte: { target: 45, min: 30, max: 60 }, delta: { target: 0.3, min: 0.05, max: 0.45 } }],
      entry: { every_trading_days: 5, max_open: 3 },
      exit: { profit_target: 0.5, stop_loss: 2, dte_exit: 21 },
      sizing: { contracts: 1 },
    },
    costs: { commission_per_contract: 0.65, slippage: { spread_fraction: 0.5 } },
    sweep: { grid: { [DELTA]: deltas, [TARGET]: targets } },
    ...(cscv ? { cscv: { partitions: 4 } } : {}),
    ...extra,
  };
}

function write(s: Record<string, unknown>): string {
  const file = join(tmp("scenario"), "scenario.json");
  writeFileSync(file, JSON.stringify(s, null, 2));
  return file;
}

let data: string;

beforeAll(async () => {
  data = tmp("data");
  await ensureDataset(data, "synthetic-spx-1y", ["SPX"]);
}, 300_000);

describe("aegis-local sweep", () => {
  it("writes the sweep's directory, prints the top points and the CSCV headline, and a report that renders", async () => {
    const file = write(scenario([0.2, 0.3], [0.25, 0.5, 0.75]));
    const out = join(tmp("cli"), "out");
    const r = spawnSync(process.execPath, [CLI, "sweep", file, "--data", data, "--out", out], { encoding: "utf8", env: { ...process.env, CI: "1" } });
    expect(r.status, r.stderr).toBe(0);
    for (const f of ["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow", "sweep.json", "cscv.json", "stats.json", "report.html", "_SUCCESS"]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    for (const f of ["walk_forward.json", "walk_forward.arrow"]) expect(existsSync(join(out, f)), f).toBe(false);
    expect(existsSync(join(out, "points"))).toBe(false);

    const sweep = tableFromIPC(readFileSync(join(out, "sweep.arrow")));
    expect(sweep.numRows).toBe(6);
    const returns = tableFromIPC(readFileSync(join(out, "returns.arrow")));
    expect(returns.schema.fields.map((f) => f.name)).toEqual(["date", ...(sweep.getChild("id")?.toArray() as string[])]);
    const cscv = JSON.parse(readFileSync(join(out, "cscv.json"), "utf8")) as { pbo: number; n_combinations: number };
    expect(cscv.n_combinations).toBe(6);

    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("  sweep-e2e: 6 points, top 6 by Sharpe ratio");
    expect(lines[1]).toMatch(/^ {2}rank {2}point {9}exit\.profit_target {2}delta\.target {2}sharpe {2}total return {2}max drawdown {2}trades$/);
    expect(lines.slice(2, 8).map((l) => l.trim().split(/\s+/)[0])).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(r.stdout).toContain(`PBO ${(cscv.pbo * 100).toFixed(2)}%  ·  DSR `);
    expect(r.stdout).toContain(`  results  ${out} (sweep.arrow, returns.arrow, entries.arrow, benchmark.arrow, sweep.json, cscv.json, stats.json)\n`);
    expect(r.stdout).toContain(`  report   ${join(out, "report.html")}`);
    expect(r.stderr).toContain(`6 points over ${TARGET}, ${DELTA}`);

    const viaBinary = join(tmp("binary"), "out");
    const b = spawnSync(BINARY, ["sweep", "--scenario", file, "--data", data, "--out", viaBinary, "--quiet"], { encoding: "utf8" });
    expect(b.status, b.stderr).toBe(0);
    for (const f of ["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow", "cscv.json", "stats.json", "_SUCCESS"]) {
      expect(readFileSync(join(viaBinary, f)).equals(readFileSync(join(out, f))), `${f} differs from aegis-bt sweep's`).toBe(true);
    }

    const browser = await launchChromium();
    try {
      const { page, errors } = await openFile(browser, join(out, "report.html"));
      for (const id of ["chart-metric", "chart-logits", "chart-degradation"]) {
        const box = await page.locator(`#${id} svg`).first().boundingBox();
        expect(box?.width ?? 0, id).toBeGreaterThan(300);
        expect(box?.height ?? 0, id).toBeGreaterThan(100);
      }
      expect(await page.locator('.kpis li[data-kpi="pbo"] .value').innerText()).toBe(`${(cscv.pbo * 100).toFixed(2)}%`);
      expect(await page.locator("#top-points tbody tr").count()).toBe(6);
      expect(errors).toEqual([]);
      await page.screenshot({ path: artifact("sweep-e2e-report.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it("without a cscv section prints how to get PBO, and writes no cscv.json; with walk_forward:, lists the walk-forward's files", () => {
    const out = join(tmp("nocscv"), "out");
    const s = scenario([0.2, 0.3], [0.5], false, { walk_forward: { in_sample: 60, out_of_sample: 20 } });
    const r = spawnSync(process.execPath, [CLI, "sweep", write(s), "--data", data, "--out", out, "--no-report"], {
      encoding: "utf8",
      env: { ...process.env, CI: "1" },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("no cscv section: add `cscv: { partitions: 16 }`");
    expect(r.stdout).toContain(`  results  ${out} (sweep.arrow, returns.arrow, entries.arrow, benchmark.arrow, sweep.json, stats.json, walk_forward.json, walk_forward.arrow)\n`);
    expect(existsSync(join(out, "cscv.json"))).toBe(false);
    expect(existsSync(join(out, "report.html"))).toBe(false);
    expect(existsSync(join(out, "_SUCCESS"))).toBe(true);
  });

  it("writes each point with --points, byte-identical to a single run of the same values", async () => {
    const s = scenario([0.2, 0.3], [0.25, 0.75]);
    const out = join(tmp("points"), "out");
    const r = await sweepScenarioFile(write(s), { data, out, points: true, report: false });
    expect(r.plan.points).toHaveLength(4);
    const point = r.plan.points[3] as (typeof r.plan.points)[number];
    const { sweep: _sweep, cscv: _cscv, ...single } = s;
    const strategy = single.strategy as { legs: { delta: { target: number } }[]; exit: { profit_target: number } };
    (strategy.legs[0] as { delta: { target: number } }).delta.target = point.params[DELTA] as number;
    strategy.exit.profit_target = point.params[TARGET] as number;
    const alone = join(tmp("single"), "out");
    await runBacktest(JSON.stringify(single), { data, out: alone });
    for (const f of ["summary.json", "equity.arrow", "trades.arrow"]) {
      expect(readFileSync(join(out, "points", point.id, f)).equals(readFileSync(join(alone, f))), f).toBe(true);
    }
  });

  it("stops on an aborted signal (Ctrl-C) and leaves no _SUCCESS, not even a previous sweep's", async () => {
    const file = write(scenario([0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4], [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]));
    const out = join(tmp("abort"), "out");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "_SUCCESS"), "");
    const controller = new AbortController();
    let progressed = 0;
    const error = await sweepScenarioFile(file, {
      data,
      out,
      signal: controller.signal,
      onProgress: (p) => {
        progressed = p.pointsDone;
        controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    // The abort came from a progress; how many points had finished by then depends on the machine
    // (on a fast one, all 56 before the first progress reaches JavaScript), so it is not asserted.
    expect(progressed).toBeGreaterThan(0);
    expect((error as Error).message).toMatch(/^stopped: /);
    expect(existsSync(join(out, "_SUCCESS"))).toBe(false);
    expect(existsSync(join(out, "report.html"))).toBe(false);
  });

  it("says where a stopped sweep's points are kept, or that its directory is not marked finished", () => {
    const out = tmp("stopped");
    expect(stoppedMessage(out)).toBe(`stopped: ${out} is not marked finished (no _SUCCESS); run the same command again`);
    mkdirSync(join(out, "checkpoint"));
    expect(stoppedMessage(out)).toBe(`stopped: ${out} is not marked finished (no _SUCCESS); run the same command again`);
    writeFileSync(join(out, "checkpoint", "checkpoint.json"), "{}");
    expect(stoppedMessage(out)).toBe(`stopped: the points finished so far are kept in ${join(out, "checkpoint")}/; run the same command again to resume`);
  });

  it("refuses a scenario without a sweep, and an --axes path that is not swept before running anything", () => {
    const { sweep: _sweep, cscv: _cscv, ...plain } = scenario([0.2], [0.5]);
    const run = (file: string, ...args: string[]) =>
      spawnSync(process.execPath, [CLI, "sweep", file, "--data", data, ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });
    const noSweep = run(write(plain), "--out", join(tmp("bad"), "out"));
    expect(noSweep.status).toBe(1);
    expect(noSweep.stderr).toMatch(/^aegis-local: error: .*sweep/m);
    const out = join(tmp("bad"), "out");
    const badAxes = run(write(scenario([0.2, 0.3], [0.5])), "--out", out, "--axes", "capital");
    expect(badAxes.status).toBe(1);
    expect(badAxes.stderr).toContain(`aegis-local: error: capital is not swept; the sweep varies ${TARGET}, ${DELTA}`);
    expect(existsSync(out)).toBe(false);
    for (const r of [noSweep, badAxes]) expect(r.stderr).not.toMatch(/\n\s+at |panicked/);
  });
});

describe("examples/sweep-short-put.yaml", () => {
  it("validates, expands to 24 points and runs with CSCV over 16 blocks", async () => {
    const text = readFileSync(EXAMPLE, "utf8");
    const plan = await expandSweep(text, EXAMPLE);
    expect(plan.points).toHaveLength(24);
    expect(plan.paths).toEqual([TARGET, DELTA]);
    const validate = spawnSync(process.execPath, [CLI, "validate", EXAMPLE], { encoding: "utf8" });
    expect(validate.stdout).toContain("ok: spx-short-put-sweep (1 leg(s), SPX, 2017-01-03 to 2023-12-29, dataset synthetic-spx-7y); a sweep of 24 point(s), each valid");

    const root = tmp("example-data");
    await ensureDataset(root, "synthetic-spx-7y", ["SPX"]);
    const out = join(tmp("example"), "out");
    const r = spawnSync(process.execPath, [CLI, "sweep", EXAMPLE, "--data", root, "--out", out], { encoding: "utf8", env: { ...process.env, CI: "1" } });
    expect(r.status, r.stderr).toBe(0);
    expect(tableFromIPC(readFileSync(join(out, "sweep.arrow"))).numRows).toBe(24);
    const cscv = JSON.parse(readFileSync(join(out, "cscv.json"), "utf8")) as { partitions: number; n_combinations: number; pbo: number };
    expect([cscv.partitions, cscv.n_combinations]).toEqual([16, 12_870]);
    expect(r.stdout).toContain("spx-short-put-sweep: 24 points");
    expect(existsSync(join(out, "report.html"))).toBe(true);
    expect(existsSync(join(out, "_SUCCESS"))).toBe(true);
  }, 300_000);
});
