// Fargate cost of a single run: an estimate before it (with the assumptions printed), and the
// actual cost of a finished run from its tasks' times. Prices: prices.ts; sweeps: sweep-cost.ts.
import { FARGATE_PRICES, SPOT_DISCOUNT } from "./prices.js";
import type { AttemptRecord } from "./s3.js";
import type { TaskSize } from "./sizes.js";

// The price table lives in prices.ts (region and date included); these names stay importable from here.
export { FARGATE_PRICES, SPOT_DISCOUNT };

/**
 * What a run's duration is estimated from. Each is a documented guess, printed with every estimate:
 * - `rowsPerTickerDay`: option rows per ticker and trading day. The 7-year synthetic SPX dataset has
 *   ~2,250 (3,972,217 rows over 1,760 days, docs/BENCHMARKS.md); real ORATS SPX chains with weekly
 *   and daily expirations have several times that, so 5,000 is a middle figure.
 * - `rowsPerSecond`: the engine's backtest throughput over those rows. Not yet measured (the
 *   benchmarks have the raw scan at ~1,450 M rows/s/core); 5 M rows/s leaves room for selection,
 *   marking and writing results.
 * - `bytesPerRow`, `s3BytesPerSecond`: the S3 sync fallback copies the partitions first, ~220 bytes
 *   a row uncompressed (834 MiB for 3.97 M rows), at ~100 MB/s into ephemeral storage. An EBS
 *   snapshot or S3 Files mount skips the copy, so this errs high.
 * - `startupSeconds`: provisioning, image pull and container start, billed too.
 */
export const RUNTIME_ASSUMPTIONS = {
  rowsPerTickerDay: 5000,
  rowsPerSecond: 5_000_000,
  bytesPerRow: 220,
  s3BytesPerSecond: 100_000_000,
  startupSeconds: 90,
} as const;

export type RuntimeAssumptions = { [K in keyof typeof RUNTIME_ASSUMPTIONS]: number };

export interface HourlyRate {
  vcpu: number;
  memory: number;
  ephemeral: number;
  /** Before the Spot discount. */
  onDemand: number;
  /** What is charged: `onDemand`, or `onDemand · (1 − SPOT_DISCOUNT)` on Spot. */
  total: number;
}

/** Dollars an hour for a task of `size`. */
export function hourlyRate(size: TaskSize, spot: boolean): HourlyRate {
  const p = FARGATE_PRICES;
  const vcpu = size.vcpu * p.perVcpuHour;
  const memory = size.memoryGb * p.perGbHour;
  const ephemeral = Math.max(0, size.ephemeralGiB - p.includedEphemeralGb) * p.perEphemeralGbHour;
  const onDemand = vcpu + memory + ephemeral;
  return { vcpu, memory, ephemeral, onDemand, total: spot ? onDemand * (1 - SPOT_DISCOUNT) : onDemand };
}

/** Seconds Fargate bills for a task that ran `seconds`: whole seconds, at least one minute. */
export function billedSeconds(seconds: number): number {
  return Math.max(FARGATE_PRICES.minimumSeconds, Math.ceil(seconds));
}

/** Dollars for one task of `size` running `seconds`. */
export function taskCost(size: TaskSize, seconds: number, spot: boolean): number {
  return (hourlyRate(size, spot).total * billedSeconds(seconds)) / 3600;
}

function parseDay(date: string): number {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(t)) throw new RangeError(`not a date: ${date}`);
  return Math.floor(t / 86_400_000);
}

/** Weekdays from `start` to `end` inclusive (YYYY-MM-DD); exchange holidays are not removed (~9 a year). */
export function weekdaysBetween(start: string, end: string): number {
  const a = parseDay(start);
  const b = parseDay(end);
  if (b < a) return 0;
  const days = b - a + 1;
  let count = Math.floor(days / 7) * 5;
  // 1970-01-01 (day 0) was a Thursday: weekday index 0 = Monday.
  for (let d = a + Math.floor(days / 7) * 7; d <= b; d++) {
    const weekday = (d + 3) % 7;
    if (weekday < 5) count++;
  }
  return count;
}

export interface ScenarioSpan {
  tickers: readonly string[];
  start: string;
  end: string;
}

export interface RuntimeEstimate {
  tradingDays: number;
  rows: number;
  seconds: { startup: number; data: number; compute: number; total: number };
}

/** The run's duration from its date span × tickers and {@link RUNTIME_ASSUMPTIONS}. */
export function estimateRuntime(span: ScenarioSpan, a: RuntimeAssumptions = RUNTIME_ASSUMPTIONS): RuntimeEstimate {
  const tradingDays = weekdaysBetween(span.start, span.end);
  const rows = tradingDays * span.tickers.length * a.rowsPerTickerDay;
  const data = (rows * a.bytesPerRow) / a.s3BytesPerSecond;
  const compute = rows / a.rowsPerSecond;
  return { tradingDays, rows, seconds: { startup: a.startupSeconds, data, compute, total: a.startupSeconds + data + compute } };
}

export interface CostEstimate {
  size: TaskSize;
  spot: boolean;
  rate: HourlyRate;
  runtime: RuntimeEstimate;
  usd: number;
  prices: typeof FARGATE_PRICES;
  spotDiscount: number;
  assumptions: RuntimeAssumptions;
}

/** The estimated cost of one run of a scenario at `size`. */
export function estimateCost(span: ScenarioSpan, size: TaskSize, spot: boolean, a: RuntimeAssumptions = RUNTIME_ASSUMPTIONS): CostEstimate {
  const runtime = estimateRuntime(span, a);
  return {
    size,
    spot,
    rate: hourlyRate(size, spot),
    runtime,
    usd: taskCost(size, runtime.seconds.total, spot),
    prices: FARGATE_PRICES,
    spotDiscount: SPOT_DISCOUNT,
    assumptions: { ...a },
  };
}

/** The `cost` object written into a fetched run's run.json. */
export interface RunCost {
  currency: "USD";
  usd: number;
  /** `ecs-task-times`: from each attempt's pull start (else start) to its stop, as Fargate bills. */
  basis: "ecs-task-times" | "engine-wall-time";
  billedSeconds: number;
  size: TaskSize;
  spot: boolean;
  prices: { region: string; platform: string; asOf: string; spotDiscount?: number };
  attempts: { attempt: number; taskArn?: string; from: string; to: string; billedSeconds: number; usd: number }[];
  note?: string;
}

function pricesRef(spot: boolean): RunCost["prices"] {
  const p = FARGATE_PRICES;
  return { region: p.region, platform: p.platform, asOf: p.asOf, ...(spot && { spotDiscount: SPOT_DISCOUNT }) };
}

/** The actual cost of a run from its attempts' task times (every attempt is billed); `undefined` without times. */
export function runCost(attempts: readonly AttemptRecord[], size: TaskSize, spot: boolean): RunCost | undefined {
  const billed: RunCost["attempts"] = [];
  for (const a of attempts) {
    const from = a.pullStartedAt ?? a.startedAt;
    if (!from || !a.stoppedAt) continue;
    const seconds = billedSeconds(Math.max(0, (Date.parse(a.stoppedAt) - Date.parse(from)) / 1000));
    billed.push({
      attempt: a.attempt,
      ...(a.taskArn && { taskArn: a.taskArn }),
      from,
      to: a.stoppedAt,
      billedSeconds: seconds,
      usd: taskCost(size, seconds, spot),
    });
  }
  if (billed.length === 0) return undefined;
  return {
    currency: "USD",
    usd: billed.reduce((s, b) => s + b.usd, 0),
    basis: "ecs-task-times",
    billedSeconds: billed.reduce((s, b) => s + b.billedSeconds, 0),
    size,
    spot,
    prices: pricesRef(spot),
    attempts: billed,
    ...(spot && { note: "Spot at the assumed discount; the real Spot price varies" }),
  };
}

/** A lower bound when the task times are gone: the engine's own wall time (start-up not included). */
export function wallTimeCost(wallSeconds: number, size: TaskSize, spot: boolean): RunCost {
  const seconds = billedSeconds(wallSeconds);
  return {
    currency: "USD",
    usd: taskCost(size, seconds, spot),
    basis: "engine-wall-time",
    billedSeconds: seconds,
    size,
    spot,
    prices: pricesRef(spot),
    attempts: [],
    note: "lower bound: the task times were no longer available, so start-up and data sync are not counted",
  };
}

/** Dollars for a person: four decimals under a cent, else two. */
export function money(usd: number): string {
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** Seconds for a person: s, min or h. */
export function duration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(2)} h`;
}

/** The estimate as printed by `aegis-launch cost`, assumptions included. */
export function formatEstimate(e: CostEstimate, span: ScenarioSpan): string[] {
  const p = e.prices;
  const r = e.runtime;
  const a = e.assumptions;
  return [
    `size        ${e.size.vcpu} vCPU / ${e.size.memoryGb} GB / ${e.size.ephemeralGiB} GiB ephemeral, ${e.spot ? "Fargate Spot" : "Fargate on-demand"}`,
    `rate        ${money(e.rate.total)}/h  (${e.size.vcpu} × $${p.perVcpuHour} vCPU-h + ${e.size.memoryGb} × $${p.perGbHour} GB-h + ${Math.max(0, e.size.ephemeralGiB - p.includedEphemeralGb)} × $${p.perEphemeralGbHour} GB-h ephemeral${e.spot ? `, − ${e.spotDiscount * 100}% Spot` : ""})`,
    `runtime     ~${duration(r.seconds.total)}  (start-up ${duration(r.seconds.startup)} + data sync ${duration(r.seconds.data)} + backtest ${duration(r.seconds.compute)})`,
    `estimate    ${money(e.usd)} a run (billed per second, 1 minute minimum)`,
    "",
    "assumptions",
    `  prices    ${p.region} ${p.platform}, as of ${p.asOf}; Spot = on-demand × ${(1 - e.spotDiscount).toFixed(2)}`,
    `  days      ${r.tradingDays} weekdays ${span.start} … ${span.end} (holidays not removed)`,
    `  rows      ${r.rows.toLocaleString("en-US")} = days × ${span.tickers.length} ticker(s) × ${a.rowsPerTickerDay.toLocaleString("en-US")} rows per ticker-day`,
    `  speed     ${(a.rowsPerSecond / 1e6).toLocaleString("en-US")} M rows/s backtest; data via S3 sync at ${a.bytesPerRow} B/row, ${a.s3BytesPerSecond / 1e6} MB/s; ${a.startupSeconds} s start-up`,
  ];
}
