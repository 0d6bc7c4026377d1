#!/usr/bin/env node
// `npm run bench` (research v2): sweeps against single runs and against the binary before this
// work, in one run on one machine, so the figures are ratios. The base binary is built once from
// BASE (in a worktree, kept between runs). Measured, base and this binary interleaved:
// - the 7-year short put as a single run (engine time, and where it goes: run.json timings);
// - the 1,000-point 7-year sweep of bench-sweep (10 × 10 × 10 on examples/short-put.yaml, CSCV),
//   as a multiple of the single run, every point's bytes compared with the base's;
// then with this binary: a 10,000-point one-year sweep on 1 and 2 threads (points/s, scaling), the
// walk-forward over the 1,000-point sweep in both modes, and the SPA with 1,000 resamples over its
// 1,000 points × 1,760 days. Figures go to docs/BENCHMARKS.md (bench:research).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fmt, machine, root, writeSection } from "./bench-doc.mjs";

/** The engine before research v2's speed work (issue 12's start). */
const BASE = process.env.AEGIS_BENCH_BASE ?? "0820321";
const work = join(root, "target", "bench-research");
const binary = join(root, "target", "release", "aegis-bt");
const log = (msg) => console.error(`[bench-research] ${msg}`);
if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`npm run build\` first`);
const { generateDataset } = await import(join(root, "packages/data-tools/dist/index.js"));
mkdirSync(work, { recursive: true });
process.env.AEGIS_VERIFY_CACHE = join(work, "stamps");

const baseDir = join(work, `base-${BASE}`);
const baseBinary = join(baseDir, "target", "release", "aegis-bt");
if (!existsSync(baseBinary)) {
  log(`building the base binary at ${BASE} (once; a few minutes)…`);
  rmSync(baseDir, { recursive: true, force: true });
  execFileSync("git", ["worktree", "prune"], { cwd: root });
  execFileSync("git", ["worktree", "add", "--detach", join(baseDir, "src"), BASE], { cwd: root, stdio: "inherit" });
  execFileSync("cargo", ["build", "--release", "--locked", "-p", "aegis-bt-engine", "--bin", "aegis-bt", "--target-dir", join(baseDir, "target")], {
    cwd: join(baseDir, "src"),
    stdio: "inherit",
  });
  execFileSync("git", ["worktree", "remove", "--force", join(baseDir, "src")], { cwd: root });
}

// The same 7-year SPX dataset as bench-v2 (shared, generated once).
const data = join(root, "target", "bench-v2", "data");
if (!existsSync(join(data, "synthetic-spx-7y", "manifest.json"))) {
  log("generating synthetic-spx-7y…");
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2017-01-01", end: "2023-12-29", seed: 1, out: join(data, "synthetic-spx-7y"), name: "synthetic-spx-7y" });
}
const loadAtStart = loadavg()[0];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (from, step, n, digits) => Array.from({ length: n }, (_, i) => Number((from + i * step).toFixed(digits)));
const shortPut = readFileSync(join(root, "examples", "short-put.yaml"), "utf8");
const single = join(root, "examples", "short-put.yaml");
const sweep1k = join(work, "sweep-1000.yaml");
writeFileSync(
  sweep1k,
  `${shortPut}
cscv: { partitions: 16 }
sweep:
  grid:
    strategy.legs[0].delta.target: [${range(0.26, 0.01, 10, 2).join(", ")}]
    strategy.exit.profit_target: [${range(0.3, 0.05, 10, 2).join(", ")}]
    strategy.exit.dte_exit: [${range(12, 1, 10, 0).join(", ")}]
`,
);
// One year, 10 × 10 × 10 × 10.
const sweep10k = join(work, "sweep-10000.yaml");
writeFileSync(
  sweep10k,
  `${shortPut.replace("start: 2017-01-03", "start: 2023-01-03")}
sweep:
  grid:
    strategy.legs[0].delta.target: [${range(0.26, 0.01, 10, 2).join(", ")}]
    strategy.exit.profit_target: [${range(0.3, 0.05, 10, 2).join(", ")}]
    strategy.exit.dte_exit: [${range(12, 1, 10, 0).join(", ")}]
    strategy.exit.stop_loss: [${range(1.5, 0.25, 10, 2).join(", ")}]
`,
);

/** A single run's engine time and phases (run.json). */
const runOnce = (bin) => {
  const out = join(work, "run");
  execFileSync(bin, ["run", "--scenario", single, "--data", data, "--out", out, "--quiet"]);
  const info = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
  return { seconds: info.wall_seconds, timings: info.timings ?? null };
};
/** A sweep's engine time (sweep.json); `phases` collects where it went (sweep.json timings). */
const sweepOnce = (bin, scenario, out, threads, phases) => {
  const args = ["sweep", "--scenario", scenario, "--data", data, "--out", out, "--quiet"];
  if (threads) args.push("--threads", String(threads));
  const child = spawnSync(bin, args, { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`aegis-bt sweep failed: ${child.stderr}`);
  const info = JSON.parse(readFileSync(join(out, "sweep.json"), "utf8"));
  if (phases && info.timings) phases.push(info.timings);
  return info.wall_seconds;
};

const RUNS = 5;
// The invalid-quote counts a run keeps beside the stamps (docs/data-format.md): forgotten before
// each "counting" run, so that row shows a first run's count (its partitions already stamped).
const forgetCounts = () => {
  const dir = process.env.AEGIS_VERIFY_CACHE;
  if (existsSync(dir)) for (const f of readdirSync(dir)) if (f.endsWith(".quotes")) rmSync(join(dir, f));
};
log(`single runs, base and this binary interleaved (${RUNS * 2} each, and ${RUNS * 2} counting)…`);
const singles = { base: [], now: [], timings: [], counting: [] };
for (let i = 0; i < RUNS * 2; i++) {
  singles.base.push(runOnce(baseBinary).seconds);
  const r = runOnce(binary);
  singles.now.push(r.seconds);
  singles.timings.push(r.timings);
  forgetCounts();
  singles.counting.push(runOnce(binary).seconds);
}
log(`1,000-point sweeps, base and this binary interleaved (${RUNS} each)…`);
const sweeps = { base: [], now: [], phases: [] };
for (let i = 0; i < RUNS; i++) {
  sweeps.base.push(sweepOnce(baseBinary, sweep1k, join(work, "sweep-base")));
  sweeps.now.push(sweepOnce(binary, sweep1k, join(work, "sweep-now"), undefined, sweeps.phases));
}
const sweepPhase = (k) => median(sweeps.phases.map((t) => t[k]));
const same = ["sweep.arrow", "returns.arrow", "cscv.json"].every((f) => readFileSync(join(work, "sweep-base", f)).equals(readFileSync(join(work, "sweep-now", f))));
const single0 = { base: median(singles.base), now: median(singles.now), counting: median(singles.counting) };
const sweep0 = { base: median(sweeps.base), now: median(sweeps.now) };
const phase = (k) => median(singles.timings.map((t) => t[k]));

log("10,000-point one-year sweep on 1 and 2 threads…");
const big = {};
for (const threads of [1, 2]) big[threads] = sweepOnce(binary, sweep10k, join(work, `sweep-10k-${threads}`), threads);
const bigInfo = JSON.parse(readFileSync(join(work, "sweep-10k-2", "sweep.json"), "utf8"));

const sweepDir = join(work, "sweep-now");
const timed = (args) => {
  const t0 = performance.now();
  const child = spawnSync(binary, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  if (child.status !== 0) throw new Error(`aegis-bt ${args[0]} failed: ${child.stderr}`);
  return { seconds: (performance.now() - t0) / 1e3, json: JSON.parse(child.stdout) };
};
log("walk-forward over the 1,000-point sweep, both modes…");
const wfReturns = timed(["walk-forward", "--sweep", sweepDir, "--out", join(work, "wf-returns")]);
const wfRerun = timed(["walk-forward", "--sweep", sweepDir, "--mode", "rerun", "--scenario", sweep1k, "--data", data, "--out", join(work, "wf-rerun")]);
log("CSCV alone on the sweep's returns…");
const cscvAlone = timed(["cscv", "--matrix", join(sweepDir, "returns.arrow"), "--partitions", "16", "--metric", "sharpe"]);
log("SPA, 1,000 resamples over 1,000 points…");
const spa = timed(["spa", "--matrix", join(sweepDir, "returns.arrow"), "--bootstrap", "1000"]);

const rustc = execFileSync("rustc", ["--version"], { encoding: "utf8" }).trim();
const today = new Date().toISOString().slice(0, 10);
const ms = (s) => `${fmt(s * 1e3, 1)} ms`;
const body = `### Research v2: sweeps against single runs, walk-forward, SPA

Measured ${today} by \`npm run bench\` (\`scripts/bench-research.mjs\`) on ${machine()}, ${rustc}; load average ${fmt(loadAtStart, 1)} at the start.
"Base" is the binary at \`${BASE}\` (before this work), built in a worktree; base and this binary run
interleaved in the same process, so their ratios hold on a busy machine where the seconds do not.
Engine times are \`run.json\`/\`sweep.json\` \`wall_seconds\` (open and verify the data, index, run, write), medians.

**The 7-year short put** (\`examples/short-put.yaml\`, median of ${RUNS * 2}):

| binary | engine time | open + verify | index | days | write |
|---|---|---|---|---|---|
| base | ${ms(single0.base)} | | | | |
| this | ${ms(single0.now)} | ${ms(phase("open_verify"))} | ${ms(phase("index"))} | ${ms(phase("days"))} | ${ms(phase("write"))} |
| this / base | **${fmt(single0.now / single0.base, 2)}×** | | | | |
| this, counting | ${ms(single0.counting)} (${fmt(single0.counting / single0.base, 2)}× the base) | | | | |

"This" reads the data's invalid-quote counts kept beside the partitions' stamps by an earlier run,
as every run after the first does; "this, counting" is a run with those counts forgotten: it counts
them on both cores while its days run and keeps them (docs/data-format.md, docs/results.md).
A single run's time is mostly the kernel mapping the pages it reads, and that cost depends on how the
page cache holds the files: pages just written by the generator cost the most to map, pages read
back from disk (larger folios) much less; earlier passes of this bench measured the base at
95–120 ms in the first state, and this pass measures whatever state the files are in. Read the ratio
to the base (both binaries run interleaved on the same pages), not the milliseconds. The sweep, bound
by computing, barely moves with the page cache, so its "in single runs" below swings with the single run.

**The 1,000-point 7-year sweep** (10 delta targets × 10 profit targets × 10 DTE exits, CSCV S = 16, ${sweepInfoThreads()} threads, median of ${RUNS}):

| binary | engine time | per point | in single runs of the same binary |
|---|---|---|---|
| base | ${fmt(sweep0.base, 2)} s | ${ms(sweep0.base / 1000)} | ${fmt(sweep0.base / single0.base, 1)} |
| this | ${fmt(sweep0.now, 2)} s | ${ms(sweep0.now / 1000)} | **${fmt(sweep0.now / single0.now, 1)}** (goal ≤ 15) |
| this / base | **${fmt(sweep0.now / sweep0.base, 2)}×** | | |

The issue's "about 60 single runs today, at most 15" asks for four times fewer single runs. Measured here,
the base costs ${fmt(sweep0.base / single0.base, 1)} of its own single runs (${fmt(sweep0.base / single0.base / 60, 1)}× the 60 the issue saw on a 2-core Intel
machine: a single run here is cheaper against a sweep), and this binary ${fmt(sweep0.now / single0.now, 1)} of its own, which are themselves
${fmt(single0.base / single0.now, 1)}× faster: ${fmt(sweep0.base / single0.base / (sweep0.now / single0.now), 1)}× fewer single runs than the base, and ${fmt(sweep0.now / single0.base, 1)} single runs of the base.

Where this binary's sweep time goes (\`sweep.json\` \`timings\`, medians): opening and verifying the data
${ms(sweepPhase("open_verify"))}, indexing ${ms(sweepPhase("index"))}, the 1,000 points ${fmt(sweepPhase("points"), 2)} s, CSCV ${fmt(sweepPhase("cscv"), 2)} s with the four
tables encoded and written (${ms(sweepPhase("tables"))}) then \`stats.json\` worked out (${ms(sweepPhase("stats"))}) beside it.

Every point's bytes unchanged: \`sweep.arrow\`, \`returns.arrow\` and \`cscv.json\` of the two binaries are ${same ? "identical" : "DIFFERENT"}.
CSCV alone on the same returns (\`aegis-bt cscv\`, C(16, 8) combinations × 1,000 points, process) takes ${fmt(cscvAlone.seconds, 2)} s: ${fmt(cscvAlone.seconds / single0.now, 1)} of those single runs are
the analysis, the rest the points (${fmt((sweep0.now - cscvAlone.seconds) / single0.now, 1)} single runs for 1,000 points).

**A 10,000-point one-year sweep** (2023, 10 × 10 × 10 × 10 with stop losses; ${fmt(bigInfo.trading_days)} trading days): ${fmt(big[1], 2)} s on 1 thread
(${fmt(10000 / big[1])} points/s), ${fmt(big[2], 2)} s on 2 (${fmt(10000 / big[2])} points/s): ${fmt(big[1] / big[2], 2)}× from 1 to 2 threads on this
machine's 2 cores. Points share nothing mutable and never wait on each other (groups of 16 to 64 points that choose the
same legs per task, each day's leg choice and each held contract's listing worked out once per group); expanding and
validating the 10,000 scenarios runs in parallel too.
The serial parts — loading the data once, encoding the tables, the plateau — run on one thread: read as a serial part s
and a part that halves on two threads, the two times give s ≈ ${fmt(Math.max(0, 2 * big[2] - big[1]), 2)} s (${fmt((100 * Math.max(0, 2 * big[2] - big[1])) / big[1])} % of the
one-thread time), an upper bound, since two threads on two cores of a shared machine do not quite halve anything.

**Walk-forward over the 1,000-point sweep** (rolling 504/126, Sharpe, ${wfReturns.json.windows.length} windows, process time):
\`returns\` mode ${ms(wfReturns.seconds)}; \`rerun\` mode ${ms(wfRerun.seconds)} (each window's chosen point run from flat; the data opened once).

**SPA, reality check and stepdown**: 1,000 stationary-bootstrap resamples over ${fmt(spa.json.models)} points × ${fmt(spa.json.days)} days,
block ${fmt(spa.json.block)}: ${fmt(spa.seconds, 2)} s (process, reading returns.arrow included).`;

function sweepInfoThreads() {
  return JSON.parse(readFileSync(join(work, "sweep-now", "sweep.json"), "utf8")).threads;
}
writeSection("research", body);
for (const d of ["run", "sweep-base", "sweep-now", "sweep-10k-1", "sweep-10k-2", "wf-returns", "wf-rerun"]) rmSync(join(work, d), { recursive: true, force: true });
log("done: docs/BENCHMARKS.md updated");
