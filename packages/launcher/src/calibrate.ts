// The per-point time of a sweep, measured here: the local `aegis-bt` binary runs the first shard of
// the sweep sized to a sample of its points (`aegis-bt sweep --shard 0/K --threads 1`), once to warm
// the page cache, then at one group of points and at two; the difference gives the time a point, the
// rest the engine's fixed time a shard. When the local dataset holds only part of the scenario's
// span, the runs cover that part (the scenario's span cut to it) and both times are scaled to the
// whole span. sweep-cost.ts turns them into the sweep's cost.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Manifest } from "@aegis-bt/data-tools";
import { validateScenario } from "@aegis-bt/engine";
import { readBesideFiles } from "./beside.js";
import { weekdaysBetween, type ScenarioSpan } from "./cost.js";
import { MANIFEST_NAME, parseManifest } from "./dataset-manifest.js";
import { InputError } from "./errors.js";
import { checkBinary, runLocalBinary } from "./local-target.js";
import { SWEEP_GROUP, type PointTime, type SweepData } from "./sweep-cost.js";

/** The directory of `dataset` under a `--data` root: `<root>/<dataset>/`, or the root itself when it is that dataset. */
export function localDatasetDir(dataRoot: string, dataset: string): string {
  const inside = join(dataRoot, dataset);
  if (existsSync(join(inside, MANIFEST_NAME))) return inside;
  if (existsSync(join(dataRoot, MANIFEST_NAME))) return dataRoot;
  throw new InputError(`${dataRoot}: no dataset ${dataset} there (neither ${join(inside, MANIFEST_NAME)} nor ${join(dataRoot, MANIFEST_NAME)})`);
}

/** A local dataset's manifest, checked; `dataset` must be its name. */
export async function readLocalManifest(dir: string, dataset?: string): Promise<Manifest> {
  const file = join(dir, MANIFEST_NAME);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InputError(`${file}: cannot read the manifest (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const manifest = parseManifest(bytes, file);
  if (dataset !== undefined && manifest.name !== dataset) throw new InputError(`${file}: the dataset is ${manifest.name}, not ${dataset}`);
  return manifest;
}

/** How much of the scenario's span a dataset holds, in weekdays (the unit of {@link weekdaysBetween}, holidays kept). */
export interface SpanCoverage {
  spanWeekdays: number;
  /** Weekdays of the span between the first and last trade dates of the scenario's tickers. */
  coveredWeekdays: number;
  first: string;
  last: string;
  /** spanWeekdays / coveredWeekdays: what a time over the held days is multiplied by for the whole span. */
  scale: number;
}

function max(a: string, b: string): string {
  return a > b ? a : b;
}

function min(a: string, b: string): string {
  return a < b ? a : b;
}

/** The partitions of the scenario's tickers that overlap its span. */
function spanPartitions(manifest: Manifest, span: ScenarioSpan) {
  const tickers = new Set(span.tickers);
  return manifest.partitions.filter((p) => tickers.has(p.ticker) && p.firstTradeDate <= span.end && p.lastTradeDate >= span.start);
}

/**
 * The scenario's span against what the dataset holds of it: the part of the span where every one of
 * its tickers has data. Refuses a dataset that holds none of it.
 */
export function spanCoverage(manifest: Manifest, span: ScenarioSpan): SpanCoverage {
  const parts = spanPartitions(manifest, span);
  const spanWeekdays = weekdaysBetween(span.start, span.end);
  const none = () => new InputError(`dataset ${manifest.name} holds no data of ${span.tickers.join(", ")} between ${span.start} and ${span.end}: calibrate on a dataset that does, or give --calibration-seconds`);
  if (spanWeekdays === 0 || span.tickers.length === 0) throw none();
  let first = span.start;
  let last = span.end;
  for (const ticker of span.tickers) {
    const mine = parts.filter((p) => p.ticker === ticker);
    if (mine.length === 0) throw none();
    first = max(first, mine.map((p) => p.firstTradeDate).reduce(min));
    last = min(last, mine.map((p) => p.lastTradeDate).reduce(max));
  }
  const coveredWeekdays = first <= last ? weekdaysBetween(first, last) : 0;
  if (coveredWeekdays === 0) throw none();
  return { spanWeekdays, coveredWeekdays, first, last, scale: spanWeekdays / coveredWeekdays };
}

/**
 * The bytes a shard's S3 sync copies, from a dataset's manifest: the partitions of the scenario's
 * tickers that overlap its span, with `events.arrow` and `series.arrow` when listed, scaled by
 * {@link spanCoverage}'s `scale` when the dataset holds only part of the span.
 */
export function manifestData(manifest: Manifest, span: ScenarioSpan): SweepData {
  const parts = spanPartitions(manifest, span).reduce((n, p) => n + p.bytes, 0);
  const root = (manifest.events?.bytes ?? 0) + (manifest.series?.bytes ?? 0);
  return { bytes: Math.round(parts * spanCoverage(manifest, span).scale) + root, source: "manifest" };
}

/** One calibration run: `aegis-bt sweep --shard 0/<count>`, which runs the sweep's first `points` points. */
export interface CalibrationShard {
  count: number;
  points: number;
}

/**
 * The shards to time for a sample of s points (default one group, at most half the sweep): shard 0
 * of ⌊N / s⌋ (at least s points) and of ⌊N / 2s⌋ (at least 2s); a one-point sweep has one size.
 */
export function calibrationShards(points: number, sample: number = SWEEP_GROUP): CalibrationShard[] {
  if (!Number.isInteger(points) || points < 1) throw new InputError(`a calibration needs the sweep's points: got ${points}`);
  if (!Number.isInteger(sample) || sample < 1) throw new InputError(`--calibration-points must be a whole number ≥ 1, got ${sample}`);
  const s = Math.min(sample, Math.max(1, Math.floor(points / 2)));
  const shard = (n: number): CalibrationShard => {
    const count = Math.max(1, Math.floor(points / Math.min(n, points)));
    return { count, points: Math.floor(points / count) };
  };
  const small = shard(s);
  const large = shard(2 * s);
  return large.points > small.points ? [small, large] : [small];
}

/** What a calibration run measured, from its shard's sweep.json. */
export interface CalibrationRun {
  /** `0/<K>`. */
  shard: string;
  points: number;
  /** sweep.json `wall_seconds`: expand, open and index the data, run the points, write. */
  wallSeconds: number;
  tradingDays: number;
  threads: number;
}

/**
 * The time a point and the fixed time a shard from runs of different point counts: the slope and
 * intercept through the smallest and the largest (`two-sizes`). With one size, or a larger run that
 * was not slower (noise), the whole wall time is put on the points (`one-size`, an upper bound a
 * point). The fixed time is never negative.
 */
export function fitPointTime(runs: readonly Pick<CalibrationRun, "points" | "wallSeconds">[]): { perPointSeconds: number; fixedSeconds: number; method: "two-sizes" | "one-size" } {
  if (runs.length === 0) throw new InputError("a calibration needs at least one run");
  for (const r of runs) {
    if (!(r.points >= 1) || !Number.isFinite(r.wallSeconds) || r.wallSeconds < 0) {
      throw new InputError(`a calibration run of ${r.points} points in ${r.wallSeconds} s cannot be used`);
    }
  }
  const sorted = [...runs].sort((a, b) => a.points - b.points);
  const lo = sorted[0] as (typeof sorted)[number];
  const hi = sorted[sorted.length - 1] as (typeof sorted)[number];
  if (hi.points > lo.points && hi.wallSeconds > lo.wallSeconds) {
    const perPointSeconds = (hi.wallSeconds - lo.wallSeconds) / (hi.points - lo.points);
    return { perPointSeconds, fixedSeconds: Math.max(0, lo.wallSeconds - lo.points * perPointSeconds), method: "two-sizes" };
  }
  return { perPointSeconds: hi.wallSeconds / hi.points, fixedSeconds: 0, method: "one-size" };
}

export interface CalibrateOptions {
  binary: string;
  /** The scenario file (the binary reads it, and any dates file beside it). */
  scenarioFile: string;
  /** A `--data` root holding the dataset (or the dataset directory itself). */
  dataRoot: string;
  /** The dataset the sweep runs on: the scenario's `data.dataset` unless `--dataset`. */
  dataset: string;
  /** Whether `dataset` is an override of the scenario's (passed to the binary as `--dataset`). */
  datasetOverride?: boolean;
  /** N, the sweep's points. */
  points: number;
  span: ScenarioSpan;
  /** Points in the smaller timed run (default {@link SWEEP_GROUP}). */
  sample?: number;
  /** Runs of each size, the fastest kept (default 2). */
  repeats?: number;
  /** Where the runs write (a temporary directory inside it, removed afterwards); default the system's. */
  workDir?: string;
  /** The binary's environment (default: only PATH). */
  env?: Record<string, string>;
  /** Called as each run starts: the command line, for the user to see what is being measured. */
  onRun?: (args: string[], warmup: boolean) => void;
  signal?: AbortSignal;
}

export interface Calibration extends PointTime {
  source: "calibration";
  binary: string;
  datasetDir: string;
  /** The fastest timed run of each size (the warm-up not among them). */
  runs: CalibrationRun[];
  method: "two-sizes" | "one-size";
  /** Before the span scale: as measured over the days the local dataset holds. */
  measured: { perPointSeconds: number; fixedSeconds: number };
  coverage: SpanCoverage;
  data: SweepData;
}

/**
 * The scenario the runs read: the user's file when the local data holds its whole span; else its
 * normalized JSON with `data.start`/`data.end` cut to what the data holds (the engine refuses a span
 * outside its data), written into `dir` with the files it reads beside itself.
 */
async function scenarioForRuns(file: string, coverage: SpanCoverage, span: ScenarioSpan, dir: string): Promise<string> {
  if (coverage.first === span.start && coverage.last === span.end) return file;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new InputError(`${file}: cannot read the scenario (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const summary = validateScenario(text, file);
  const doc = JSON.parse(summary.normalizedJson) as { data: { start: string; end: string } };
  doc.data.start = coverage.first;
  doc.data.end = coverage.last;
  const cut = join(dir, "scenario.json");
  await mkdir(dir, { recursive: true });
  for (const f of readBesideFiles(file, summary.files)) {
    await mkdir(dirname(join(dir, f.name)), { recursive: true });
    await writeFile(join(dir, f.name), f.bytes);
  }
  await writeFile(cut, JSON.stringify(doc));
  return cut;
}

async function timeShard(opts: CalibrateOptions, scenario: string, shard: CalibrationShard, out: string, warmup: boolean): Promise<CalibrationRun> {
  const args = [
    "sweep",
    "--scenario",
    scenario,
    "--data",
    opts.dataRoot,
    ...(opts.datasetOverride ? ["--dataset", opts.dataset] : []),
    "--out",
    out,
    "--shard",
    `0/${shard.count}`,
    "--threads",
    "1",
    "--quiet",
  ];
  opts.onRun?.(args, warmup);
  const r = await runLocalBinary({ binary: opts.binary, env: opts.env ?? { PATH: process.env.PATH ?? "" }, args, ...(opts.signal && { signal: opts.signal }) });
  if (r.exitCode !== 0) {
    const how = r.exitCode !== null ? `exit code ${r.exitCode}` : `killed by ${r.signal}`;
    throw new InputError(`the calibration run ${opts.binary} ${args.join(" ")} failed (${how}): ${r.tail.slice(-3).join(" | ") || "no output"}; or give --calibration-seconds`);
  }
  const file = join(out, "shards", "0000", "sweep.json");
  let info: { wall_seconds?: unknown; points?: unknown; trading_days?: unknown; threads?: unknown };
  try {
    info = JSON.parse(await readFile(file, "utf8")) as typeof info;
  } catch (err) {
    throw new InputError(`the calibration run wrote no readable ${file}: ${(err as Error).message}`);
  }
  const points = Array.isArray(info.points) ? info.points.length : NaN;
  if (typeof info.wall_seconds !== "number" || !(points >= 1) || typeof info.trading_days !== "number") {
    throw new InputError(`${file}: no wall_seconds, points or trading_days: is ${opts.binary} this launcher's engine?`);
  }
  return { shard: `0/${shard.count}`, points, wallSeconds: info.wall_seconds, tradingDays: info.trading_days, threads: typeof info.threads === "number" ? info.threads : 1 };
}

/**
 * Times the sweep's first points with the local binary on one thread ({@link calibrationShards}:
 * a warm-up run, then one and two groups), fits the time a point and the fixed time a shard
 * ({@link fitPointTime}), and scales both to the scenario's span ({@link spanCoverage}).
 */
export async function calibrate(opts: CalibrateOptions): Promise<Calibration> {
  await checkBinary(opts.binary);
  const datasetDir = localDatasetDir(opts.dataRoot, opts.dataset);
  const manifest = await readLocalManifest(datasetDir, opts.dataset);
  const coverage = spanCoverage(manifest, opts.span);
  const data = manifestData(manifest, opts.span);
  const shards = calibrationShards(opts.points, opts.sample);
  const tmp = await mkdtemp(join(opts.workDir ?? tmpdir(), "aegis-calibrate-"));
  try {
    const scenario = await scenarioForRuns(opts.scenarioFile, coverage, opts.span, join(tmp, "scenario"));
    // The first run reads the data from disk; the timed ones find it in the page cache, as a shard
    // finds its synced copy (the sync itself is counted apart).
    await timeShard(opts, scenario, shards[0] as CalibrationShard, join(tmp, "warmup"), true);
    // Each size timed `repeats` times, the fastest kept: the machine's other work only slows a run down.
    const runs: CalibrationRun[] = [];
    for (const [i, s] of shards.entries()) {
      let best: CalibrationRun | undefined;
      for (let r = 0; r < (opts.repeats ?? 2); r++) {
        const run = await timeShard(opts, scenario, s, join(tmp, `run-${i}-${r}`), false);
        if (!best || run.wallSeconds < best.wallSeconds) best = run;
      }
      runs.push(best as CalibrationRun);
    }
    const fit = fitPointTime(runs);
    return {
      source: "calibration",
      binary: opts.binary,
      datasetDir,
      runs,
      method: fit.method,
      measured: { perPointSeconds: fit.perPointSeconds, fixedSeconds: fit.fixedSeconds },
      perPointSeconds: fit.perPointSeconds * coverage.scale,
      fixedSeconds: fit.fixedSeconds * coverage.scale,
      coverage,
      data,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** What was measured, as `aegis-launch cost` prints it. */
export function formatCalibration(c: Calibration): string[] {
  const runs = c.runs.map((r) => `${r.points} points ${r.wallSeconds.toFixed(3)} s (--shard ${r.shard})`).join(", ");
  const cov = c.coverage;
  return [
    `measured    ${c.binary} sweep --threads 1 on ${c.datasetDir}, after a warm-up run, the fastest of each size: ${runs}; ${c.runs[0]?.tradingDays ?? "?"} trading days`,
    `fit         ${
      c.method === "two-sizes"
        ? "the difference between the sizes is the points', the rest fixed"
        : c.runs.length > 1
          ? "the larger run was not slower (noise): its whole time put on its points (an upper bound)"
          : "one size only: the whole time put on the points (an upper bound)"
    }; ×${cov.scale.toFixed(3)} for the span (the local data holds ${cov.coveredWeekdays} of its ${cov.spanWeekdays} weekdays, ${cov.first} … ${cov.last})`,
  ];
}
