// A sweep's Fargate cost before it runs: K shards × the size × each shard's expected time, the time
// from a per-point time (measured by a calibration run of the local binary, calibrate.ts, or given)
// scaled to the shard's points and the task's vCPUs. Pure; both Fargate on-demand and Spot priced.
import { RUNTIME_ASSUMPTIONS, billedSeconds, duration, estimateRuntime, hourlyRate, money, type ScenarioSpan } from "./cost.js";
import { InputError } from "./errors.js";
import { FARGATE_PRICES, PRICE_LIST, SPOT_DISCOUNT } from "./prices.js";
import { formatSize, type TaskSize } from "./sizes.js";
import { planShards } from "./sweep-plan.js";

/**
 * The engine steps a sweep's points through the days in groups of at least this many, one group
 * per worker thread (`GROUP_MIN` in packages/engine-rs/src/sweep/mod.rs): a shard of p points keeps
 * at most ⌈p / 16⌉ threads busy, and one group's points run one after the other on one thread.
 * Groups grow past 16 (to 64) only when every thread still gets about four, so this bound is the
 * one that matters for few points.
 */
export const SWEEP_GROUP = 16;

/**
 * What a shard's time is estimated from besides the per-point time, each a documented guess printed
 * with every estimate:
 * - `parallelEfficiency`: the share of a thread each extra worker adds. The 10,000-point sweep ran
 *   1.71× faster on 2 threads than on 1 (docs/BENCHMARKS.md, "Research v2"): 0.85 a thread.
 * - `startupSeconds`: provisioning, image pull and container start, billed (as for a single run).
 * - `s3BytesPerSecond`: every shard syncs the partitions it needs from S3 into its ephemeral storage
 *   at ~100 MB/s (an EBS snapshot or S3 Files mount skips the copy, so this errs high).
 */
export const SWEEP_ASSUMPTIONS = {
  parallelEfficiency: 0.85,
  startupSeconds: RUNTIME_ASSUMPTIONS.startupSeconds,
  s3BytesPerSecond: RUNTIME_ASSUMPTIONS.s3BytesPerSecond,
} as const;

export type SweepAssumptions = { [K in keyof typeof SWEEP_ASSUMPTIONS]: number };

/** The engine's time for a sweep's points: per point on one thread, and per shard whatever its points. */
export interface PointTime {
  /** Seconds one point takes on one thread, over the scenario's whole span. */
  perPointSeconds: number;
  /** Seconds a shard's engine spends whatever its points (expand, open and index the data, write), over the whole span. */
  fixedSeconds: number;
  /** `calibration`: measured by {@link import("./calibrate.js").calibrate}; `given`: `--calibration-seconds`. */
  source: "calibration" | "given";
}

/** The data each shard syncs from S3, and where the figure comes from. */
export interface SweepData {
  bytes: number;
  /** `manifest`: the local dataset's partitions for the scenario's tickers and span; `assumption`: rows × bytes a row. */
  source: "manifest" | "assumption";
}

export interface SweepEstimateInput {
  /** N, the sweep's points. */
  points: number;
  /** K. */
  shards: number;
  size: TaskSize;
  /** The choice made (`--spot`): both prices are always shown. */
  spot: boolean;
  span: ScenarioSpan;
  time: PointTime;
  /** Default: the single-run estimate's rows × bytes a row for the span and tickers. */
  data?: SweepData;
  assumptions?: SweepAssumptions;
}

/** The shards of one point count (shard sizes differ by at most one point, so there are one or two). */
export interface ShardClass {
  points: number;
  shards: number;
  /** Threads busy: min(the task's whole vCPUs, ⌈points / 16⌉). */
  workers: number;
  seconds: { startup: number; data: number; engine: number; points: number; total: number };
  /** Per shard: whole seconds, at least a minute. */
  billedSeconds: number;
}

export interface SweepEstimate {
  points: number;
  shards: number;
  size: TaskSize;
  spot: boolean;
  classes: ShardClass[];
  /** Dollars an hour for one shard's task. */
  rate: { onDemand: number; spot: number };
  /** Every shard's billed seconds. */
  billedSeconds: number;
  /** The whole sweep. */
  usd: { onDemand: number; spot: number };
  /** The price of the choice made. */
  chosenUsd: number;
  time: PointTime;
  data: SweepData;
  prices: { region: string; dated: string; platform: string; currency: string; spotDiscount: number };
  assumptions: SweepAssumptions;
}

function checkSeconds(value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0) throw new InputError(`${what} must be a number of seconds ≥ 0, got ${value}`);
}

/** Seconds a shard of `points` points spends running them on a task of `vcpu` vCPUs. */
export function shardPointSeconds(points: number, vcpu: number, perPointSeconds: number, efficiency: number): { seconds: number; workers: number } {
  const threads = Math.max(1, Math.floor(vcpu));
  const workers = Math.min(threads, Math.ceil(points / SWEEP_GROUP));
  if (workers <= 1) return { seconds: points * perPointSeconds, workers: Math.max(1, workers) };
  // Spread over the workers, but never faster than one group on its one thread.
  const seconds = Math.max(Math.min(points, SWEEP_GROUP) * perPointSeconds, (points * perPointSeconds) / (workers * efficiency));
  return { seconds, workers };
}

/** The data a shard syncs when nothing better is known: the single-run estimate's rows × bytes a row. */
export function assumedData(span: ScenarioSpan): SweepData {
  const r = estimateRuntime(span);
  return { bytes: r.rows * RUNTIME_ASSUMPTIONS.bytesPerRow, source: "assumption" };
}

/**
 * The estimated cost of a sweep of `points` points in `shards` shards: each shard's time is
 * start-up + S3 sync + the engine's fixed time + its points ({@link shardPointSeconds}), billed per
 * shard (per second, a minute at least), at Fargate on-demand and at Spot. Refuses a K the points
 * cannot be split into, and a negative or non-finite time.
 */
export function estimateSweepCost(input: SweepEstimateInput): SweepEstimate {
  if (!Number.isInteger(input.points) || input.points < 1) {
    throw new InputError(`a sweep's estimate needs its points: got ${input.points} (does the scenario have a sweep: section?)`);
  }
  checkSeconds(input.time.perPointSeconds, "the time a point takes");
  checkSeconds(input.time.fixedSeconds, "the engine's fixed time a shard");
  const a = input.assumptions ?? { ...SWEEP_ASSUMPTIONS };
  const data = input.data ?? assumedData(input.span);
  const byCount = new Map<number, number>();
  for (const s of planShards(input.shards, input.points)) byCount.set(s.end - s.first, (byCount.get(s.end - s.first) ?? 0) + 1);
  const classes: ShardClass[] = [...byCount.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([points, shards]) => {
      const run = shardPointSeconds(points, input.size.vcpu, input.time.perPointSeconds, a.parallelEfficiency);
      const seconds = {
        startup: a.startupSeconds,
        data: data.bytes / a.s3BytesPerSecond,
        engine: input.time.fixedSeconds,
        points: run.seconds,
        total: 0,
      };
      seconds.total = seconds.startup + seconds.data + seconds.engine + seconds.points;
      return { points, shards, workers: run.workers, seconds, billedSeconds: billedSeconds(seconds.total) };
    });
  const onDemand = hourlyRate(input.size, false).total;
  const spot = hourlyRate(input.size, true).total;
  const billed = classes.reduce((s, c) => s + c.shards * c.billedSeconds, 0);
  const usd = { onDemand: (onDemand * billed) / 3600, spot: (spot * billed) / 3600 };
  return {
    points: input.points,
    shards: input.shards,
    size: input.size,
    spot: input.spot,
    classes,
    rate: { onDemand, spot },
    billedSeconds: billed,
    usd,
    chosenUsd: input.spot ? usd.spot : usd.onDemand,
    time: input.time,
    data,
    prices: { region: PRICE_LIST.region, dated: PRICE_LIST.dated, platform: FARGATE_PRICES.platform, currency: PRICE_LIST.currency, spotDiscount: SPOT_DISCOUNT },
    assumptions: a,
  };
}

function ms(seconds: number): string {
  if (seconds === 0) return "0 s";
  return seconds < 1 ? `${(seconds * 1000).toPrecision(3)} ms` : `${seconds.toPrecision(3)} s`;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toLocaleString("en-US", { maximumFractionDigits: 0 })} MiB`;
}

/** The estimate as `aegis-launch cost` prints it; `measured` says what the per-point time came from. */
export function formatSweepEstimate(e: SweepEstimate, span: ScenarioSpan, measured: string[]): string[] {
  const p = FARGATE_PRICES;
  const s = e.size;
  const shardWord = (n: number) => `${n} shard${n === 1 ? "" : "s"}`;
  const lines = [
    `sweep       ${e.points} points in ${shardWord(e.shards)} (${e.classes.map((c) => `${c.shards} of ${c.points}`).join(", ")} points)`,
    `size        ${formatSize(s)} / ${s.ephemeralGiB} GiB ephemeral, each shard`,
  ];
  for (const c of e.classes) {
    const t = c.seconds;
    lines.push(
      `per shard   ~${duration(t.total)} for ${c.points} points: start-up ${duration(t.startup)} + data sync ${duration(t.data)} + engine ${ms(t.engine)} + points ${ms(t.points)} (${c.workers} of ${Math.max(1, Math.floor(s.vcpu))} threads busy)`,
    );
  }
  lines.push(
    `estimate    Fargate on-demand ${money(e.usd.onDemand)}, Fargate Spot ${money(e.usd.spot)}  (${shardWord(e.shards)}, ${e.billedSeconds.toLocaleString("en-US")} s billed; ${e.spot ? "--spot: Spot" : "on-demand; --spot for Spot"})`,
    `rates       on-demand ${money(e.rate.onDemand)}/h, Spot ${money(e.rate.spot)}/h a shard  (${s.vcpu} × $${p.perVcpuHour} vCPU-h + ${s.memoryGb} × $${p.perGbHour} GB-h + ${Math.max(0, s.ephemeralGiB - p.includedEphemeralGb)} × $${p.perEphemeralGbHour} GB-h ephemeral; Spot − ${e.prices.spotDiscount * 100}%)`,
    "",
    ...measured,
    `scaled      ${ms(e.time.perPointSeconds)} a point on one thread, ${ms(e.time.fixedSeconds)} a shard whatever its points, over ${span.start} … ${span.end}`,
    "",
    "assumptions",
    `  prices    ${e.prices.region} ${e.prices.platform}, AWS's price list of ${e.prices.dated}; Spot = on-demand × ${(1 - e.prices.spotDiscount).toFixed(2)} (the real Spot price varies)`,
    `  threads   points run in groups of ${SWEEP_GROUP} or more, a group to a thread, one thread per vCPU at ${e.assumptions.parallelEfficiency * 100}% each; a vCPU as fast as a core here`,
    `  data      every shard syncs ${mib(e.data.bytes)} from S3 at ${e.assumptions.s3BytesPerSecond / 1e6} MB/s (${e.data.source === "manifest" ? "the local manifest's partitions for the span" : "assumed rows × bytes a row"}; none with --snapshot or S3 Files); ${e.assumptions.startupSeconds} s start-up`,
  );
  return lines;
}
