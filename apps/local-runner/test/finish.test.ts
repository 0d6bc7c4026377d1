// `_SUCCESS` strictly last for `aegis-local run` and `sweep`: after every result file and after
// report.html; a report that fails leaves no `_SUCCESS` (not even an earlier run's), nor does an
// abort as the engine ends; --no-report leaves no stale report beside new results.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AbortError } from "@aegis-bt/engine";
import { beforeAll, describe, expect, it } from "vitest";
import { runScenarioFile } from "../src/run.js";
import { sweepScenarioFile } from "../src/sweep.js";
import { ensureDataset } from "../src/synthetic.js";
import { tempDirs } from "./temp-dirs.js";

const CLI = fileURLToPath(new URL("../bin/aegis-local.js", import.meta.url));
const tmp = tempDirs("aegis-finish-");

const SCENARIO = [
  "name: finish",
  "data: { dataset: synthetic-spx-1y, tickers: [SPX], start: 2023-01-03, end: 2023-12-29 }",
  "capital: 1000000",
  "strategy:",
  "  legs:",
  "    - { right: put, side: short, qty: 1, dte: { target: 45, min: 30, max: 60 }, delta: { target: 0.3, min: 0.05, max: 0.45 } }",
  "  entry: { every_trading_days: 5, max_open: 3 }",
  "  exit: { profit_target: 0.5, stop_loss: 2, dte_exit: 21 }",
  "  sizing: { contracts: 1 }",
  "costs: { commission_per_contract: 0.65, slippage: { spread_fraction: 0.5 } }",
  "",
].join("\n");
const SWEEP = `${SCENARIO}sweep: { grid: { "strategy.exit.profit_target": [0.25, 0.5] } }\ncscv: { partitions: 4 }\n`;

let data: string;
let files: { run: string; sweep: string };
/** A module for `node --import` that makes renaming a file onto any report.html fail (EISDIR). */
let failingRename: string;

beforeAll(async () => {
  data = tmp("data");
  await ensureDataset(data, "synthetic-spx-1y", ["SPX"]);
  const dir = tmp("scenarios");
  files = { run: join(dir, "run.yaml"), sweep: join(dir, "sweep.yaml") };
  writeFileSync(files.run, SCENARIO);
  writeFileSync(files.sweep, SWEEP);
  failingRename = join(dir, "failing-rename.mjs");
  writeFileSync(
    failingRename,
    [
      'import fs from "node:fs";',
      'import { syncBuiltinESMExports } from "node:module";',
      "const rename = fs.promises.rename;",
      "fs.promises.rename = async (from, to) => {",
      '  if (String(to).endsWith("/report.html")) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, rename \'${from}\' -> \'${to}\'`), { code: "EISDIR" });',
      "  return rename(from, to);",
      "};",
      "syncBuiltinESMExports();",
      "",
    ].join("\n"),
  );
}, 300_000);

type Command = "run" | "sweep";
const RESULT_FILES: Record<Command, string[]> = {
  run: ["summary.json", "equity.arrow", "trades.arrow", "run.json"],
  sweep: ["sweep.arrow", "returns.arrow", "sweep.json", "cscv.json"],
};

/** Runs `cmd` in-process into `out`. */
function start(cmd: Command, out: string, report = true): Promise<unknown> {
  return cmd === "run" ? runScenarioFile(files.run, { data, out, report }) : sweepScenarioFile(files.sweep, { data, out, report });
}

/** Runs `cmd` in-process into `out`, aborting `signal` at its last progress (the last day, the last point). */
function startAbortingAtTheEnd(cmd: Command, out: string): Promise<unknown> {
  const controller = new AbortController();
  const signal = controller.signal;
  const atEnd = (done: number, total: number) => {
    if (done === total) controller.abort();
  };
  return cmd === "run"
    ? runScenarioFile(files.run, { data, out, signal, onProgress: (p) => atEnd(p.daysDone, p.daysTotal) })
    : sweepScenarioFile(files.sweep, { data, out, signal, onProgress: (p) => atEnd(p.pointsDone, p.pointsTotal) });
}

/** The visible names that appear in `dir` while `work` runs, in order (inotify keeps it). */
async function namesInOrder(dir: string, work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const watcher = watch(dir, (_, name) => {
    if (name && !name.startsWith(".") && existsSync(join(dir, name))) seen.push(name);
  });
  try {
    await work();
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    watcher.close();
  }
  return seen;
}

describe.each<Command>(["run", "sweep"])("aegis-local %s", (cmd) => {
  it("writes _SUCCESS after every result file and after report.html", async () => {
    const out = tmp("order");
    writeFileSync(join(out, "_SUCCESS"), ""); // an earlier run's marker
    const seen = await namesInOrder(out, () => start(cmd, out));
    expect(seen.at(-1)).toBe("_SUCCESS");
    expect(seen.indexOf("_SUCCESS")).toBe(seen.length - 1);
    for (const f of [...RESULT_FILES[cmd], "report.html"]) {
      expect(seen, f).toContain(f);
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, "_SUCCESS"), "utf8")).toBe("");
  });

  it("leaves no _SUCCESS, not even an earlier run's, when report.html cannot be written", async () => {
    const out = tmp("fail");
    await start(cmd, out);
    expect(existsSync(join(out, "_SUCCESS"))).toBe(true);
    // The engine clears an earlier run's files (report.html among them, refusing a directory there)
    // before it writes, so nothing left in the directory can stand in the report's way: the rename
    // onto report.html is made to fail instead, as a full or read-only disk would.
    const report = join(out, "report.html");
    const r = spawnSync(process.execPath, ["--import", pathToFileURL(failingRename).href, CLI, cmd, cmd === "run" ? files.run : files.sweep, "--data", data, "--out", out], {
      encoding: "utf8",
      env: { ...process.env, CI: "1" },
    });
    expect(r.status).toBe(1);
    const errors = r.stderr.trim().split("\n").filter((l) => l.startsWith("aegis-local: error: "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^aegis-local: error: ${report}: cannot write the report \\(EISDIR: .+\\); ${out} is not marked finished \\(no _SUCCESS\\): run again, or with --no-report$`));
    expect(existsSync(join(out, "_SUCCESS"))).toBe(false);
    for (const f of RESULT_FILES[cmd]) expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(report)).toBe(false);
  });

  it("aborted at its last progress (Ctrl-C as the engine ends): AbortError, no _SUCCESS, not even an earlier run's, and no report", async () => {
    const out = tmp("abort-late");
    writeFileSync(join(out, "_SUCCESS"), "");
    // Whether the abort reaches the engine before it returns or only after, the directory stays unmarked.
    const error = await startAbortingAtTheEnd(cmd, out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(existsSync(join(out, "_SUCCESS"))).toBe(false);
    expect(existsSync(join(out, "report.html"))).toBe(false);
  });

  it("with --no-report: _SUCCESS last and no stale report.html beside the new results", async () => {
    const out = tmp("no-report");
    writeFileSync(join(out, "report.html"), "an earlier run's report");
    const seen = await namesInOrder(out, () => start(cmd, out, false));
    expect(seen.at(-1)).toBe("_SUCCESS");
    expect(existsSync(join(out, "report.html"))).toBe(false);
    for (const f of RESULT_FILES[cmd]) expect(existsSync(join(out, f)), f).toBe(true);
  });
});
