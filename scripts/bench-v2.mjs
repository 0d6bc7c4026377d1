#!/usr/bin/env node
// `npm run bench` (last step): what engine v2 costs. The v1 examples (short put, iron condor) run
// through the v1 binary (built from the last commit before v2, in a worktree) and through this
// one, interleaved, in the same run: their ratio is the regression figure (goal: within 10%). Then
// the stock strategies (wheel, delta-hedged straddle) over 7 years of one equity-like ticker and of
// 20: wall time and option rows read per second; and the portfolio example (three strategies in
// one account) over the 20. Figures go to docs/BENCHMARKS.md (bench:v2).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fmt, machine, root, writeSection } from "./bench-doc.mjs";

/** The last commit whose engine is v1 (before stock, settlement and hedging). */
const V1 = process.env.AEGIS_BENCH_V1 ?? "7f23874";
const work = join(root, "target", "bench-v2");
const binary = join(root, "target", "release", "aegis-bt");
const log = (msg) => console.error(`[bench-v2] ${msg}`);
if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`npm run build\` first`);
const { generateDataset } = await import(join(root, "packages/data-tools/dist/index.js"));

mkdirSync(work, { recursive: true });
process.env.AEGIS_VERIFY_CACHE = join(work, "stamps");

// The v1 binary, built once per V1 commit into its own target directory (kept between runs).
const v1Dir = join(work, `v1-${V1}`);
const v1Binary = join(v1Dir, "target", "release", "aegis-bt");
if (!existsSync(v1Binary)) {
  log(`building the v1 binary at ${V1} (once; a few minutes)…`);
  rmSync(v1Dir, { recursive: true, force: true });
  execFileSync("git", ["worktree", "prune"], { cwd: root });
  execFileSync("git", ["worktree", "add", "--detach", join(v1Dir, "src"), V1], { cwd: root, stdio: "inherit" });
  execFileSync("cargo", ["build", "--release", "--locked", "-p", "aegis-bt-engine", "--bin", "aegis-bt", "--target-dir", join(v1Dir, "target")], {
    cwd: join(v1Dir, "src"),
    stdio: "inherit",
  });
  execFileSync("git", ["worktree", "remove", "--force", join(v1Dir, "src")], { cwd: root });
}

// Other work on the machine slows every absolute figure (not the interleaved ratios): say how busy it was.
const loadAtStart = loadavg()[0];
const data = join(work, "data");
const equityTickers = Array.from({ length: 20 }, (_, i) => `T${String(i + 1).padStart(2, "0")}`);
const datasets = [
  ["synthetic-spx-7y", { profile: "spx-like", tickers: ["SPX"] }],
  ["synthetic-equity-7y", { profile: "equity-like", tickers: equityTickers }],
];
for (const [name, spec] of datasets) {
  if (existsSync(join(data, name, "manifest.json"))) continue;
  log(`generating ${name} (${spec.tickers.length} ticker(s))…`);
  await generateDataset({ ...spec, start: "2017-01-01", end: "2023-12-29", seed: 1, out: join(data, name), name });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The engine's own wall time (run.json) and rows read of one run of `scenario` by `bin`. */
const run = (bin, scenario) => {
  const out = join(work, "out");
  execFileSync(bin, ["run", "--scenario", scenario, "--data", data, "--out", out, "--quiet"]);
  const info = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
  return { seconds: info.wall_seconds, rows: info.rows_scanned };
};

const RUNS = 9;
/** The median engine time of RUNS runs of `scenario` by this binary, its rows read, and the last run's summary.json. */
const measure = (scenario) => {
  const seconds = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = run(binary, scenario);
    seconds.push(r.seconds);
    rows = r.rows;
  }
  return { seconds: median(seconds), rows, summary: JSON.parse(readFileSync(join(work, "out", "summary.json"), "utf8")) };
};

log(`v1 examples, v1 and v2 binaries interleaved (${RUNS} runs each)…`);
const regressions = [];
for (const example of ["short-put.yaml", "iron-condor.yaml"]) {
  const scenario = join(root, "examples", example);
  const v1 = [];
  const v2 = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    v1.push(run(v1Binary, scenario).seconds);
    const r = run(binary, scenario);
    v2.push(r.seconds);
    rows = r.rows;
  }
  regressions.push({ example, rows, v1: median(v1), v2: median(v2) });
}

log(`stock strategies over 1 and 20 equity-like tickers (${RUNS} runs each)…`);
const stock = [];
for (const example of ["wheel.yaml", "delta-hedged-straddle.yaml"]) {
  const text = readFileSync(join(root, "examples", example), "utf8");
  for (const tickers of [["T01"], equityTickers]) {
    const scenario = join(work, `${example.replace(".yaml", "")}-${tickers.length}.yaml`);
    writeFileSync(scenario, text.replace(/tickers: \[ACME\]/, `tickers: [${tickers.join(", ")}]`));
    const { seconds, rows, summary } = measure(scenario);
    stock.push({ example, tickers: tickers.length, rows, seconds, positions: summary.diagnostics.positions_opened, hedges: summary.hedge.fills });
  }
}

// The portfolio example (three strategies, one account) over the 20 tickers: the puts trade all of
// them, the earnings strangle the first ten, the condor the last ten.
log(`the portfolio example over 20 equity-like tickers (${RUNS} runs)…`);
const portfolio = (() => {
  const list = (ts) => `[${ts.join(", ")}]`;
  const text = readFileSync(join(root, "examples", "portfolio.yaml"), "utf8")
    .replace("tickers: [ACME, GLOBEX]", `tickers: ${list(equityTickers)}`)
    .replace("benchmark: ACME", "benchmark: T01")
    .replace("tickers: [ACME]", `tickers: ${list(equityTickers.slice(0, 10))}`)
    .replace("tickers: [GLOBEX]", `tickers: ${list(equityTickers.slice(10))}`)
    .replace("style: { ACME: cash, GLOBEX: cash }", `style: { ${equityTickers.map((t) => `${t}: cash`).join(", ")} }`);
  const scenario = join(work, "portfolio-20.yaml");
  writeFileSync(scenario, text);
  const { seconds, rows, summary } = measure(scenario);
  return { rows, seconds, positions: summary.diagnostics.positions_opened, strategies: summary.strategies.map((s) => `${s.name} ${fmt(s.diagnostics.positions_opened)}`).join(", ") };
})();

const today = new Date().toISOString().slice(0, 10);
writeSection(
  "v2",
  `### Engine v2 (stock, settlement, hedging, rolls, attribution, signals, portfolios)

Measured ${today} by \`npm run bench\` (\`scripts/bench-v2.mjs\`) on ${machine()}: the engine's own
\`wall_seconds\` from run.json (parse, open the data, backtest, encode, write) through the binary,
median of ${RUNS} runs, the page cache warm; the 1-minute load average was ${fmt(loadAtStart, 2)} when
it started (other work on the machine slows the absolute times, not the interleaved ratios).

**The v1 examples, v1 engine against this one**, interleaved in the same run (v1 = the binary
built from commit \`${V1}\`, the last before v2). Goal: within 10% (ratio ≤ 1.10).

| scenario | option rows read | v1 engine | v2 engine | v2 / v1 |
|---|---|---|---|---|
${regressions.map((r) => `| \`examples/${r.example}\` | ${fmt(r.rows)} | ${fmt(r.v1 * 1e3, 1)} ms | ${fmt(r.v2 * 1e3, 1)} ms | **${fmt(r.v2 / r.v1, 2)}×** |`).join("\n")}

**Stock strategies** on \`synthetic-equity-7y\` (equity-like, 2017-01-03 … 2023-12-29, seed 1), the
example with its ticker replaced by one ticker or by 20.

| scenario | tickers | option rows read | positions | hedge fills | engine time | rows/s |
|---|---|---|---|---|---|---|
${stock.map((s) => `| \`examples/${s.example}\` | ${s.tickers} | ${fmt(s.rows)} | ${fmt(s.positions)} | ${fmt(s.hedges)} | ${fmt(s.seconds * 1e3, 1)} ms | ${fmt(s.rows / s.seconds / 1e6, 1)} M |`).join("\n")}

**A portfolio of strategies**: \`examples/portfolio.yaml\` (short puts on every ticker, an earnings
strangle on T01–T10, an iron condor on T11–T20, one account) on the same 20 tickers over 7 years.

| scenario | tickers | option rows read | positions (by strategy) | engine time | rows/s |
|---|---|---|---|---|---|
| \`examples/portfolio.yaml\` | 20 | ${fmt(portfolio.rows)} | ${fmt(portfolio.positions)} (${portfolio.strategies}) | ${fmt(portfolio.seconds * 1e3, 1)} ms | ${fmt(portfolio.rows / portfolio.seconds / 1e6, 1)} M |`,
);
rmSync(join(work, "out"), { recursive: true, force: true });
