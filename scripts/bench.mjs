#!/usr/bin/env node
// `npm run bench`: measures the data layer and writes the figures into docs/BENCHMARKS.md (between
// the `bench:data` markers), with the machine and the command, so the numbers are reproducible.
// Speed goals are checked here, never in timed tests: shared machines are noisy.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { root, writeSection } from "./bench-doc.mjs";

const work = join(root, "target", "bench");
const binary = join(root, "target", "release", "aegis-bt");

const { benchGenerate } = await import(join(root, "packages/data-tools/dist/bench/gen-bench.js"));
const { generateDataset } = await import(join(root, "packages/data-tools/dist/index.js"));
const { runBacktest } = await import(join(root, "packages/engine-node/dist/index.js"));
const { benchImport } = await import(join(root, "packages/data-tools/dist/bench/import-bench.js"));

const fmt = (n, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const log = (msg) => console.error(`[bench] ${msg}`);
if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`npm run build\` first`);

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
// Verification stamps of this benchmark's datasets live with it, not in the user's cache.
process.env.AEGIS_VERIFY_CACHE = join(work, "stamps");

log("generating the 7-year spx-like dataset (3 runs)…");
const gens = [];
for (let i = 0; i < 3; i++) {
  const out = join(work, `spx-7y-${i}`);
  gens.push(await benchGenerate(out));
  if (i > 0) rmSync(out, { recursive: true, force: true });
}
const gen = gens.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
const dataset = join(work, "spx-7y-0");

log("importing synthetic ORATS CSV (3 runs)…");
const imps = [];
for (let i = 0; i < 3; i++) {
  const dir = join(work, `import-${i}`);
  imps.push(await benchImport(dir));
  rmSync(dir, { recursive: true, force: true });
}
const imp = imps.reduce((a, b) => (a.seconds <= b.seconds ? a : b));

const scanArgs = ["dataset", "scan", dataset, "--right", "put", "--dte", "30:60", "--delta", "0.25:0.35", "--repeat", "20", "--json"];
const scan = (threads) => JSON.parse(execFileSync(binary, [...scanArgs, "--threads", String(threads)], { encoding: "utf8" }));
log("scanning through the memory map…");
const scan1 = scan(1);
const scanN = scan(cpus().length);

// Backtests: the examples on the 7-year spx-like dataset, through the binary and the addon.
log("backtesting the examples on synthetic-spx-7y (binary and addon, 9 runs each)…");
const dataRoot = join(work, "data");
await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2017-01-01", end: "2023-12-29", seed: 1, out: join(dataRoot, "synthetic-spx-7y"), name: "synthetic-spx-7y" });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const RUNS = 9;
const runs = [];
for (const example of ["short-put.yaml", "iron-condor.yaml"]) {
  const scenario = join(root, "examples", example);
  const text = readFileSync(scenario, "utf8");
  const binWall = [];
  const binEngine = [];
  const addonWall = [];
  const addonEngine = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const out = join(work, "runs", `bin-${i}`);
    const t0 = performance.now();
    execFileSync(binary, ["run", "--scenario", scenario, "--data", dataRoot, "--out", out, "--quiet"]);
    binWall.push((performance.now() - t0) / 1e3);
    const run = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    binEngine.push(run.wall_seconds);
    rows = run.rows_scanned;
    const t1 = performance.now();
    const r = await runBacktest(text, { data: dataRoot, out: join(work, "runs", `addon-${i}`), source: scenario });
    addonWall.push((performance.now() - t1) / 1e3);
    addonEngine.push(r.run.wall_seconds);
  }
  runs.push({ example, rows, bin: median(binWall), binEngine: median(binEngine), addon: median(addonWall), addonEngine: median(addonEngine) });
}

// What checking the data against its manifest costs a run (docs/data-format.md, "What is verified
// when"): the engine's own wall time of examples/short-put.yaml through the binary, per mode.
log("timing data verification (binary, 5 runs per mode)…");
const VRUNS = 5;
const shortPut = join(root, "examples", "short-put.yaml");
const verifyRun = (flags, stamps) => {
  const out = join(work, "runs", "verify");
  execFileSync(binary, ["run", "--scenario", shortPut, "--data", dataRoot, "--out", out, "--quiet", ...flags], { env: { ...process.env, AEGIS_VERIFY_CACHE: stamps } });
  return JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
};
const verifyModes = [];
for (const [label, flags, fresh] of [
  ["`--no-verify` (sizes, rows, dates, tickers)", ["--no-verify"], false],
  ["first use: every partition hashed, then stamped", [], true],
  ["repeated run: stamps, nothing hashed", [], false],
  ["`--verify` (hashed every run)", ["--verify"], false],
]) {
  const stamps = join(work, "stamps-verify");
  verifyRun([], stamps); // stamps in place (and the pages cached) for the repeated-run row
  const seconds = [];
  let bytes = 0;
  for (let i = 0; i < VRUNS; i++) {
    const dir = fresh ? join(work, `stamps-fresh-${label.length}-${i}`) : stamps;
    const run = verifyRun(flags, dir);
    seconds.push(run.wall_seconds);
    bytes = run.verification.partitions.length;
  }
  verifyModes.push({ label, seconds: median(seconds), partitions: bytes });
}
const dataBytes = readdirSync(join(dataRoot, "synthetic-spx-7y", "SPX")).reduce((n, f) => n + statSync(join(dataRoot, "synthetic-spx-7y", "SPX", f)).size, 0);
const base = verifyModes[0].seconds;

const rustc = execFileSync("rustc", ["--version"], { encoding: "utf8" }).trim();
const today = new Date().toISOString().slice(0, 10);
const section = `<!-- bench:data:start -->
### Data layer

Measured ${today} by \`npm run bench\` (\`scripts/bench.mjs\`) on ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"},
${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${rustc}. Best of the runs shown; the machine is shared,
so treat small differences as noise.

| what | size | time | rate |
|---|---|---|---|
| \`aegis-data gen\` 7-year spx-like SPX (2017-01-03 … 2023-12-29, seed 1), best of 3 | ${fmt(gen.rows)} rows, ${fmt(gen.bytes / 2 ** 20)} MiB | ${fmt(gen.seconds, 2)} s | **${fmt(gen.rowsPerSecond)} rows/s** |
| \`aegis-data import-orats\`, ${fmt(imp.inputBytes / 1e6, 1)} MB of SMV Strikes CSV, best of 3 | ${fmt(imp.rows)} rows | ${fmt(imp.seconds, 2)} s | **${fmt(imp.rowsPerSecond)} rows/s** (${fmt(imp.inputBytes / 1e6 / imp.seconds, 1)} MB/s) |
| mmap scan, puts, DTE 30–60, \\|delta\\| 0.25–0.35, 1 thread, best of 20 | ${fmt(scan1.rowsScanned)} rows (${fmt(scan1.rowsMatched)} match) | ${fmt(scan1.seconds * 1e3, 2)} ms | **${fmt(scan1.rowsPerSecondPerThread / 1e6)} M rows/s/core** |
| same scan, ${scanN.threads} threads | ${fmt(scanN.rowsScanned)} rows | ${fmt(scanN.seconds * 1e3, 2)} ms | ${fmt(scanN.rowsPerSecond / 1e6)} M rows/s (${fmt(scanN.rowsPerSecondPerThread / 1e6)} M/s/thread) |

The scan reads \`expirDate\` (Int32) and \`delta\` (Float64) of every row, day by day, from the
page-cached memory map (\`aegis-bt dataset scan … --threads 1 --repeat 20\`); goal ≥ 300 M rows/s/core.
With one partition a year, ${scanN.threads} threads share 7 partitions unevenly, so the multi-thread figure
understates the per-core rate.
<!-- bench:data:end -->`;

const engineSection = `<!-- bench:engine:start -->
### Backtests

Measured ${today} by \`npm run bench\` on the same machine: each example over the 7-year spx-like SPX
dataset (\`synthetic-spx-7y\`, 2017-01-03 … 2023-12-29), writing its results directory; median of ${RUNS} runs.
"binary" is \`aegis-bt run --quiet\` timed around the process (start-up included); "addon" is
\`runBacktest\` from Node timed around the call; "engine" is the run's own \`wall_seconds\` from run.json
(parse, open the data, backtest, encode, write), the like-for-like comparison. Goal: well under a
second a run, the addon within 5% of the binary.

| scenario | option rows read | binary (process) | binary (engine) | addon (call) | addon (engine) | rows/s (addon call) | addon vs binary (engine) |
|---|---|---|---|---|---|---|---|
${runs.map((r) => `| \`examples/${r.example}\` | ${fmt(r.rows)} | ${fmt(r.bin * 1e3, 1)} ms | ${fmt(r.binEngine * 1e3, 1)} ms | ${fmt(r.addon * 1e3, 1)} ms | ${fmt(r.addonEngine * 1e3, 1)} ms | ${fmt(r.rows / r.addon / 1e6, 1)} M | ${r.addonEngine <= r.binEngine ? "" : "+"}${fmt((r.addonEngine / r.binEngine - 1) * 100, 1)}% |`).join("\n")}
<!-- bench:engine:end -->`;

const verifySection = `### Verifying the data

Measured ${today} by \`npm run bench\` on the same machine: \`examples/short-put.yaml\` over the 7-year
spx-like SPX dataset (${verifyModes[0].partitions} partitions, ${fmt(dataBytes / 2 ** 20)} MiB) through the binary, the engine's own
\`wall_seconds\` (run.json), median of ${VRUNS} runs per mode; the pages are in the page cache. Goal: a
repeated run costs nothing over \`--no-verify\`; the first run pays one hash of the partitions it reads.

| mode | engine time | vs \`--no-verify\` |
|---|---|---|
${verifyModes.map((m) => `| ${m.label} | ${fmt(m.seconds * 1e3, 1)} ms | ${fmt(m.seconds / base, 2)}× |`).join("\n")}`;

writeSection("verify", verifySection);
writeSection("data", section.replace("<!-- bench:data:start -->\n", "").replace("\n<!-- bench:data:end -->", ""));
writeSection("engine", engineSection.replace("<!-- bench:engine:start -->\n", "").replace("\n<!-- bench:engine:end -->", ""));
rmSync(work, { recursive: true, force: true });

