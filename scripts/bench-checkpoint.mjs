#!/usr/bin/env node
// `npm run bench` (cloud lane v2): what checkpoints cost a sweep and what a SIGTERM costs it. The
// 1,000-point 7-year sweep of bench-research (10 × 10 × 10 on examples/short-put.yaml, CSCV), with
// this binary, interleaved in one run:
// - without a checkpoint, with the default one (every 10 s), and written after every group of
//   points (16 to 64): the ratio of their times is the overhead;
// - stopped by SIGTERM at a random moment (seeded), then run again: the work lost is the two runs'
//   time less an uninterrupted one's, and the points run twice.
// Figures go to docs/BENCHMARKS.md (bench:checkpoint).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fmt, machine, root, writeSection } from "./bench-doc.mjs";

const work = join(root, "target", "bench-research");
const binary = join(root, "target", "release", "aegis-bt");
const data = join(root, "target", "bench-v2", "data");
const scenario = join(work, "sweep-1000.yaml");
const log = (msg) => console.error(`[bench-checkpoint] ${msg}`);
for (const [what, path] of [["the release binary", binary], ["the 1,000-point sweep (bench-research writes it)", scenario], ["the 7-year dataset", join(data, "synthetic-spx-7y", "manifest.json")]]) {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${what}; run \`npm run bench\` (bench-research runs before this)`);
}
process.env.AEGIS_VERIFY_CACHE = join(work, "stamps");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const args = (out, extra) => ["sweep", "--scenario", scenario, "--data", data, "--out", out, "--quiet", ...extra];

/** One whole sweep's wall time (its own sweep.json) with the given checkpoint flags. */
function sweepOnce(out, extra) {
  rmSync(out, { recursive: true, force: true });
  const child = spawnSync(binary, args(out, extra), { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`aegis-bt sweep failed: ${child.stderr}`);
  return JSON.parse(readFileSync(join(out, "sweep.json"), "utf8")).wall_seconds;
}

const loadAtStart = loadavg()[0];
const RUNS = 5;
const modes = { none: ["--no-checkpoint"], every10s: [], everyGroup: ["--checkpoint-seconds", "0"] };
const times = { none: [], every10s: [], everyGroup: [] };
log(`1,000-point sweeps without, with the default and with per-group checkpoints, interleaved (${RUNS} each)…`);
for (let i = 0; i < RUNS; i++) for (const [mode, extra] of Object.entries(modes)) times[mode].push(sweepOnce(join(work, `ckpt-${mode}`), extra));
const same = ["sweep.arrow", "returns.arrow", "cscv.json"].every((f) => readFileSync(join(work, "ckpt-none", f)).equals(readFileSync(join(work, "ckpt-everyGroup", f))));
const t = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));

/** A sweep stopped by SIGTERM after `delay` ms, then resumed: seconds of each part, points kept. */
async function interrupted(out, delay) {
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const child = spawn(binary, args(out, []), { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGTERM"), delay);
  const code = await new Promise((resolve) => child.on("close", resolve));
  clearTimeout(timer);
  const stopped = (performance.now() - t0) / 1000;
  if (code !== 75 && code !== 0) throw new Error(`the stopped sweep exited ${code}: ${stderr}`);
  const t1 = performance.now();
  const again = spawnSync(binary, args(out, []).filter((a) => a !== "--quiet"), { encoding: "utf8" });
  if (again.status !== 0) throw new Error(`the resumed sweep failed: ${again.stderr}`);
  const resumed = (performance.now() - t1) / 1000;
  const kept = Number(/resuming: (\d+) of/.exec(again.stderr)?.[1] ?? 0);
  const identical = ["sweep.arrow", "returns.arrow", "cscv.json"].every((f) => readFileSync(join(work, "ckpt-none", f)).equals(readFileSync(join(out, f))));
  return { code, stopped, resumed, kept, identical };
}

log("SIGTERM at random moments, then the same command again…");
let seed = 12345;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const whole = t.every10s;
const trials = [];
// Inside the points (start-up, then the points, then CSCV, which a signal no longer stops): the
// first ~60 % of an uninterrupted run.
for (let i = 0; i < 5; i++) trials.push(await interrupted(join(work, "ckpt-stopped"), 100 + random() * whole * 450));
const lost = trials.map((r) => r.stopped + r.resumed - whole);
// A signal that came after the last point (exit 0: the sweep finishes) stopped nothing: the second run is a whole rerun.
const stoppedLost = lost.filter((_, i) => trials[i].code === 75);
const rows = trials
  .map((r, i) => `| ${i + 1} | ${r.code} | ${fmt(r.stopped, 2)} s | ${fmt(r.kept)} | ${fmt(r.resumed, 2)} s | ${r.code === 75 ? `${fmt(lost[i], 2)} s` : "(its points were done: it finished)"} | ${r.identical ? "yes" : "**no**"} |`)
  .join("\n");

writeSection(
  "checkpoint",
  `### Checkpoints and interruptions (1,000-point sweep)

Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` (\`scripts/bench-checkpoint.mjs\`) on ${machine()}; load average
${fmt(loadAtStart, 1)} on its ${cpus().length} cores when it began. The 1,000-point 7-year sweep of the research bench, this binary, ${RUNS} runs of
each mode interleaved (medians of \`sweep.json\` \`wall_seconds\`):

| checkpoint | sweep | vs none |
|---|---|---|
| none (\`--no-checkpoint\`) | ${fmt(t.none, 2)} s | 1.00× |
| every 10 s (the default) | ${fmt(t.every10s, 2)} s | **${fmt(t.every10s / t.none, 3)}×** |
| after every group of points (\`--checkpoint-seconds 0\`) | ${fmt(t.everyGroup, 2)} s | ${fmt(t.everyGroup / t.none, 3)}× |

Goal: ≤ 1.05× with checkpoints every 10 s. Every byte of \`sweep.arrow\`, \`returns.arrow\` and \`cscv.json\` identical with and without: ${same ? "yes" : "**no**"}.

SIGTERM at a random moment (then the same command again; "lost" = both runs less one uninterrupted
default run of ${fmt(whole, 2)} s — loading the data twice and the points redone):

| trial | exit | stopped after | points kept | resumed in | lost | bytes identical |
|---|---|---|---|---|---|---|
${rows}

Median time lost to an interruption (the ${stoppedLost.length} runs the signal stopped): ${stoppedLost.length ? `${fmt(median(stoppedLost), 2)} s` : "none stopped"}. The points running at the signal finish within the grace
period before the checkpoint is written, so none is redone unless they are abandoned.`,
);
