/**
 * `@aegis-bt/engine`: the aegis-bt Rust engine in-process. Every call runs on the libuv thread
 * pool (the event loop stays free) and accepts an `AbortSignal`. Expected failures arrive as
 * typed errors ({@link DatasetError}, {@link InvalidArgumentError}) with a stable `code`.
 *
 * This module is the package's only public surface; `binding.js` / `binding.d.ts` are generated
 * by `napi build` from the Rust binding and may change shape without notice.
 */
import { availableParallelism } from "node:os";
import { tableFromIPC, type Table } from "apache-arrow";
import * as native from "../binding.js";
import type {
  DatasetProblem,
  ScanRequest,
  ScanResult,
  TickerInfo,
  VerifyDatasetOptions,
  VerifyReport,
} from "../binding.js";

import type { Summary, RunInfo } from "./generated/results.js";
import type { Scenario } from "./generated/scenario.js";

export type { DatasetProblem, ScanRequest, ScanResult, TickerInfo, VerifyDatasetOptions, VerifyReport };
export type { Scenario, Template, LegSpec, Strategy, Entry, Exit, Sizing, Costs } from "./generated/scenario.js";
export type { Summary, RunInfo, Metrics, Diagnostics, EntriesSkipped } from "./generated/results.js";
export type { BacktestProgress, ScenarioSummary } from "../binding.js";

/** Base of every error the engine reports on purpose. `code` is stable across versions. */
export class AegisError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A dataset that is missing, unreadable or not what the contract says (`ERR_DATA_*`). */
export class DatasetError extends AegisError {}

/** A scenario that does not parse or breaks a rule (`ERR_SCENARIO`): names the field and position. */
export class ScenarioError extends AegisError {
  constructor(
    message: string,
    /** Dotted field path, e.g. `strategy.legs[0].delta.target` (empty for the document). */
    readonly path: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
  ) {
    super(message, "ERR_SCENARIO");
  }
}

/** A backtest that cannot run as specified: a leg never fillable, dates outside the data, a rule the data cannot feed (`ERR_UNFILLABLE`, `ERR_DATA_RANGE`, `ERR_DATASET_NOT_FOUND`, `ERR_DATA_MISSING`). */
export class BacktestError extends AegisError {}

/** Shards that do not make one sweep, or an analysis that cannot run (`ERR_SHARD`, `ERR_CSCV`, `ERR_ANALYSIS`). */
export class SweepError extends AegisError {}

/** An argument the engine cannot use: wrong type, out of range, unknown option value (`ERR_INVALID_ARG`). */
export class InvalidArgumentError extends AegisError {
  constructor(message: string) {
    super(message, "ERR_INVALID_ARG");
  }
}

/** Results that could not be written: the directory is not writable, the disk is full (`ERR_WRITE`). */
export class OutputError extends AegisError {}

/**
 * A bug in the engine (`ERR_INTERNAL`, `ERR_ENCODE`): a panic caught at the boundary, or a native
 * failure nothing else explains. The process keeps running; please report it with its input.
 */
export class InternalError extends AegisError {}

/** The call was cancelled through its `AbortSignal`. */
export class AbortError extends AegisError {
  constructor(message = "the operation was aborted") {
    super(message, "ABORT_ERR");
  }
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** napi-rs' own codes for an argument of the wrong JavaScript type. */
const NAPI_ARGUMENT_CODES = new Set([
  "InvalidArg",
  "ObjectExpected",
  "StringExpected",
  "NameExpected",
  "FunctionExpected",
  "NumberExpected",
  "BooleanExpected",
  "ArrayExpected",
  "BigintExpected",
]);

/** Maps what the native side throws onto the typed errors above: every failure has a class and a stable `code`. */
function typed(err: unknown): AegisError {
  if (err instanceof AegisError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  const name = err instanceof Error ? err.name : undefined;
  let out: AegisError;
  if (code === "ERR_SCENARIO") {
    const e = err as { path?: string; line?: number | null; column?: number | null };
    out = new ScenarioError(message, e.path ?? "", e.line ?? undefined, e.column ?? undefined);
  } else if (code === "ERR_DATA_RANGE" || code === "ERR_UNFILLABLE" || code === "ERR_DATASET_NOT_FOUND" || code === "ERR_DATA_MISSING") {
    out = new BacktestError(message, code);
  } else if (code === "ERR_SHARD" || code === "ERR_CSCV" || code === "ERR_ANALYSIS") {
    out = new SweepError(message, code);
  } else if (typeof code === "string" && code.startsWith("ERR_DATA_")) {
    out = new DatasetError(message, code);
  } else if (code === "ERR_INVALID_ARG" || (typeof code === "string" && NAPI_ARGUMENT_CODES.has(code))) {
    out = new InvalidArgumentError(message);
  } else if (code === "ERR_WRITE") {
    out = new OutputError(message, code);
  } else if (code === "Cancelled" || code === "ABORT_ERR" || name === "AbortError") {
    out = new AbortError(message);
  } else {
    out = new InternalError(message, code === "ERR_ENCODE" ? code : "ERR_INTERNAL");
  }
  if (err !== out) Object.defineProperty(out, "cause", { value: err, enumerable: false });
  return out;
}

/** Throws {@link InvalidArgumentError} unless `ok`. */
function argument(ok: boolean, message: string): asserts ok {
  if (!ok) throw new InvalidArgumentError(message);
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return typeof v === "object" || typeof v === "function" ? `a${typeof v === "object" ? "n" : ""} ${typeof v}` : String(v);
}

/** `null` and `undefined` both mean "all defaults"; anything else must be a plain object. */
function optionsObject<T extends object>(options: T | null | undefined, where: string): Partial<T> {
  if (options === undefined || options === null) return {};
  argument(typeof options === "object" && !Array.isArray(options), `${where}: options must be an object, got ${describeValue(options)}`);
  return options;
}

function checkString(value: unknown, name: string, optional = false): void {
  if (optional && (value === undefined || value === null)) return;
  argument(typeof value === "string" && value !== "", `${name}: expected a non-empty string, got ${describeValue(value)}`);
}

function checkBoolean(value: unknown, name: string): void {
  argument(value === undefined || value === null || typeof value === "boolean", `${name}: expected true or false, got ${describeValue(value)}`);
}

function checkSignal(signal: unknown, where: string): AbortSignal | undefined {
  if (signal === undefined || signal === null) return undefined;
  argument(signal instanceof AbortSignal, `${where}: signal must be an AbortSignal, got ${describeValue(signal)}`);
  return signal;
}

function checkCallback<F>(fn: unknown, name: string): F | undefined {
  if (fn === undefined || fn === null) return undefined;
  argument(typeof fn === "function", `${name}: expected a function, got ${describeValue(fn)}`);
  return fn as F;
}

function checkVerify(mode: unknown, where: string): VerifyMode | undefined {
  if (mode === undefined || mode === null) return undefined;
  argument(mode === "auto" || mode === "always" || mode === "never", `${where}.verify: expected "auto", "always" or "never", got ${describeValue(mode)}`);
  return mode;
}

/** The most worker threads a sweep may ask for: four per core. */
export function maxThreads(): number {
  return availableParallelism() * 4;
}

function checkThreads(threads: unknown): number | undefined {
  if (threads === undefined || threads === null) return undefined;
  argument(
    typeof threads === "number" && Number.isInteger(threads) && threads >= 1 && threads <= maxThreads(),
    `runSweep: threads must be a whole number from 1 to ${maxThreads()} (4 per core), got ${describeValue(threads)}`,
  );
  return threads;
}

/** `{ index, count }` or `"i/K"` (0 ≤ i < K). */
function checkShard(shard: unknown): { index: number; count: number } | undefined {
  if (shard === undefined || shard === null) return undefined;
  const form = 'expected { index, count } or "i/K" with whole numbers 0 ≤ i < K';
  let index: unknown;
  let count: unknown;
  if (typeof shard === "string") {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(shard);
    argument(m !== null, `runSweep: shard: ${form}, got ${describeValue(shard)}`);
    [index, count] = [Number(m[1]), Number(m[2])];
  } else {
    argument(typeof shard === "object" && !Array.isArray(shard), `runSweep: shard: ${form}, got ${describeValue(shard)}`);
    ({ index, count } = shard as { index?: unknown; count?: unknown });
  }
  const whole = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
  argument(whole(index) && whole(count) && count >= 1 && index < count, `runSweep: shard: ${form}, got ${describeValue(typeof shard === "string" ? shard : JSON.stringify(shard))}`);
  return { index, count };
}

async function call<T>(run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  // An already-aborted signal never reaches the thread pool.
  if (signal?.aborted) throw new AbortError();
  try {
    return await run();
  } catch (err) {
    throw typed(err);
  }
}

/**
 * Runs a long native call with a cancel token tied to `signal`, and a progress callback guarded so
 * that a throw in it cancels the call (the engine stops at its next checkpoint, a trading day or a
 * sweep point) and the promise rejects with the callback's own error.
 */
async function cancellable<T, P>(
  signal: AbortSignal | undefined,
  onProgress: ((p: P) => void) | undefined,
  run: (token: native.CancelToken, progress: ((p: P) => void) | undefined) => Promise<T>,
): Promise<T> {
  const token = new native.CancelToken();
  const onAbort = () => token.cancel();
  signal?.addEventListener("abort", onAbort, { once: true });
  let thrown: { error: unknown } | undefined;
  const progress =
    onProgress &&
    ((p: P) => {
      if (thrown) return;
      try {
        onProgress(p);
      } catch (error) {
        thrown = { error };
        token.cancel();
      }
    });
  try {
    const result = await call(() => run(token, progress), signal);
    if (progress) await lastProgress();
    if (thrown) throw thrown.error;
    return result;
  } catch (err) {
    if (thrown) throw thrown.error;
    throw err;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Progress callbacks are queued from worker threads; one turn of the event loop delivers the last
 * of them before the caller sees the result.
 */
function lastProgress(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** The engine's version, as recorded in results' provenance. */
export function engineVersion(): string {
  return native.engineVersion();
}

/** A dataset's summary from its manifest. */
export interface DatasetInfo extends Omit<native.DatasetInfo, "sourceJson"> {
  /** The manifest's `source`: how the dataset was made (synthetic generator and seed, or ORATS import). */
  source: Record<string, unknown>;
}

/** Reads the manifest of the dataset at `dir` and summarizes it. */
export async function datasetInfo(dir: string, options?: CallOptions | null): Promise<DatasetInfo> {
  checkString(dir, "datasetInfo: dir");
  const signal = checkSignal(optionsObject(options, "datasetInfo").signal, "datasetInfo");
  const { sourceJson, ...rest } = await call(() => native.datasetInfo(dir, signal), signal);
  return { ...rest, source: JSON.parse(sourceJson) as Record<string, unknown> };
}

/**
 * Checks a dataset against its manifest (presence, sizes, sha256, row counts) and every row against
 * the data contract (schema, sort order, duplicate keys, 0 ≤ bid ≤ ask, dates). Problems are in the
 * report, each naming its file; the promise rejects only for bad arguments or on abort.
 */
export async function verifyDataset(
  dir: string,
  options?: (VerifyDatasetOptions & CallOptions) | null,
): Promise<VerifyReport> {
  checkString(dir, "verifyDataset: dir");
  const o = optionsObject(options, "verifyDataset");
  const signal = checkSignal(o.signal, "verifyDataset");
  checkBoolean(o.checksums, "verifyDataset: checksums");
  checkBoolean(o.contents, "verifyDataset: contents");
  return call(() => native.verifyDataset(dir, { checksums: o.checksums ?? undefined, contents: o.contents ?? undefined }, signal), signal);
}

/**
 * Counts the contracts of one right whose DTE and |delta| fall in the given windows, scanning every
 * row of the selected partitions through the memory map.
 */
export async function scanCount(dir: string, request: ScanRequest, options?: CallOptions | null): Promise<ScanResult> {
  checkString(dir, "scanCount: dir");
  argument(typeof request === "object" && request !== null && !Array.isArray(request), `scanCount: request must be an object, got ${describeValue(request)}`);
  for (const k of ["minDte", "maxDte", "minAbsDelta", "maxAbsDelta"] as const) {
    argument(typeof request[k] === "number" && Number.isFinite(request[k]), `scanCount: request.${k}: expected a finite number, got ${describeValue(request[k])}`);
  }
  const signal = checkSignal(optionsObject(options, "scanCount").signal, "scanCount");
  return call(async () => native.scanCount(dir, request, signal), signal);
}

/** A scenario as text (YAML or JSON) or as an object of the generated `Scenario` type. */
export type ScenarioInput = string | Scenario;

function scenarioText(scenario: ScenarioInput, where: string): string {
  if (typeof scenario === "string") return scenario;
  argument(
    typeof scenario === "object" && scenario !== null && !Array.isArray(scenario),
    `${where}: scenario must be YAML/JSON text or a scenario object, got ${describeValue(scenario)}`,
  );
  try {
    return JSON.stringify(scenario);
  } catch (err) {
    throw new InvalidArgumentError(`${where}: the scenario object cannot be written as JSON (${(err as Error).message})`);
  }
}

/**
 * Parses and checks a scenario through the engine: the same rules and messages as
 * `aegis-bt validate`. Throws {@link ScenarioError} naming the field path, line and column.
 */
export function validateScenario(scenario: ScenarioInput, source?: string): native.ScenarioSummary {
  const text = scenarioText(scenario, "validateScenario");
  checkString(source, "validateScenario: source", true);
  try {
    return native.validateScenario(text, source ?? undefined);
  } catch (err) {
    throw typed(err);
  }
}

/** The scenario's JSON Schema (for editors and validation elsewhere). */
export function scenarioJsonSchema(): Record<string, unknown> {
  return JSON.parse(native.scenarioJsonSchema()) as Record<string, unknown>;
}

export interface RunBacktestOptions extends CallOptions {
  /** Data root: a directory holding `<dataset>/manifest.json`, or the dataset directory itself. */
  data: string;
  /** Also write the results directory (summary.json, equity.arrow, trades.arrow, positions.arrow, strategies.arrow, market.arrow, run.json, _SUCCESS). */
  out?: string;
  /** Names the scenario in error messages (its file path). */
  source?: string;
  /** Called about every 1% of the trading days, on the event loop. */
  onProgress?: (progress: native.BacktestProgress) => void;
  /**
   * How partitions are checked against the dataset's manifest before use: `auto` (default: hash a
   * partition the first time it is used and remember it), `always` (hash every time) or `never`
   * (sizes, rows, dates and tickers only). `run.json` records what was done.
   */
  verify?: VerifyMode;
  /**
   * Write `_SUCCESS` after the results (default true). `false` writes every other file and leaves
   * `_SUCCESS` to the caller, who writes it (with {@link writeSuccessMarker}) after its own files.
   */
  markSuccess?: boolean;
}

/** How partitions are checked against the manifest (docs/data-format.md, "What is verified when"). */
export type VerifyMode = "auto" | "always" | "never";

export interface BacktestResult {
  summary: Summary;
  /** One row per trading day (docs/results.md). */
  equity: Table;
  /** One row per leg fill (docs/results.md). */
  trades: Table;
  /** One row per position, written when it ends: its P&L by greek, fees, dividends (docs/results.md). */
  positions: Table;
  /** Each strategy's equity, one row per trading day per strategy (docs/results.md). */
  strategies: Table;
  /** Each ticker's close and the benchmark series, one row per trading day per name (docs/results.md). */
  market: Table;
  /** The Monte Carlo analysis (docs/robustness.md), when the scenario has a `montecarlo:` section. */
  montecarlo?: Record<string, unknown>;
  run: RunInfo;
  /** The exact bytes of the result files, identical to what the `aegis-bt` binary writes. */
  files: {
    summaryJson: string;
    equityArrow: Uint8Array;
    tradesArrow: Uint8Array;
    positionsArrow: Uint8Array;
    strategiesArrow: Uint8Array;
    marketArrow: Uint8Array;
    montecarloJson?: string;
  };
}

/** What a run and a sweep are both given, checked: the native request's shared fields, the signal and the progress callback. */
interface RunCommon<P> {
  request: Pick<native.BacktestRequest, "scenarioText" | "scenarioSource" | "dataRoot" | "out" | "dataPath" | "verify" | "markSuccess">;
  signal: AbortSignal | undefined;
  onProgress: ((p: P) => void) | undefined;
}

function runCommon<P>(scenario: ScenarioInput, o: Partial<RunBacktestOptions | RunSweepOptions>, where: string): RunCommon<P> {
  const text = scenarioText(scenario, where);
  checkString(o.data, `${where}: data (the data root)`);
  checkString(o.out, `${where}: out`, true);
  checkString(o.source, `${where}: source`, true);
  checkBoolean(o.markSuccess, `${where}: markSuccess`);
  return {
    request: {
      scenarioText: text,
      scenarioSource: o.source ?? undefined,
      dataRoot: o.data as string,
      out: o.out ?? undefined,
      dataPath: "local",
      verify: checkVerify(o.verify, where),
      markSuccess: o.markSuccess ?? undefined,
    },
    signal: checkSignal(o.signal, where),
    onProgress: checkCallback<(p: P) => void>(o.onProgress, `${where}: onProgress`),
  };
}

/**
 * Runs a backtest in-process, on the libuv thread pool (never on the event loop). Cancel with
 * `options.signal`: the run stops at the next trading day and rejects with {@link AbortError}.
 */
export async function runBacktest(scenario: ScenarioInput, options: RunBacktestOptions): Promise<BacktestResult> {
  const { request, signal, onProgress } = runCommon<native.BacktestProgress>(scenario, optionsObject(options, "runBacktest"), "runBacktest");
  const out = await cancellable(signal, onProgress, (token, progress) => native.runBacktest(request, token, progress, signal));
  return {
    summary: JSON.parse(out.summaryJson) as Summary,
    equity: tableFromIPC(out.equityArrow),
    trades: tableFromIPC(out.tradesArrow),
    positions: tableFromIPC(out.positionsArrow),
    strategies: tableFromIPC(out.strategiesArrow),
    market: tableFromIPC(out.marketArrow),
    ...(out.montecarloJson != null && { montecarlo: JSON.parse(out.montecarloJson) as Record<string, unknown> }),
    run: JSON.parse(out.runJson) as RunInfo,
    files: {
      summaryJson: out.summaryJson,
      equityArrow: out.equityArrow,
      tradesArrow: out.tradesArrow,
      positionsArrow: out.positionsArrow,
      strategiesArrow: out.strategiesArrow,
      marketArrow: out.marketArrow,
      ...(out.montecarloJson != null && { montecarloJson: out.montecarloJson }),
    },
  };
}

/**
 * Marks a results (or sweep) directory finished by writing `_SUCCESS`, through a temporary name and
 * a rename. Call it last, after every file of your own, when the engine ran with `markSuccess: false`.
 */
export function writeSuccessMarker(dir: string): void {
  checkString(dir, "writeSuccessMarker: dir");
  try {
    native.writeSuccessMarker(dir);
  } catch (err) {
    throw typed(err);
  }
}

/** A point of a sweep, as the engine expands it. */
export interface SweepPointPlan {
  /** Index in the expansion (0-based, over the whole sweep). */
  index: number;
  /** 12 hex digits of the sha256 of its parameters' canonical JSON. */
  id: string;
  /** Swept path → value. */
  params: Record<string, unknown>;
}

export interface CscvSpec {
  partitions: number;
  metric: "sharpe" | "mean" | "total_return";
}

/** A sweep expanded and every point validated (docs/sweeps.md). */
export interface SweepPlan {
  name: string;
  dataset: string;
  /** The swept paths, in column order. */
  paths: string[];
  points: SweepPointPlan[];
  cscv: CscvSpec | null;
}

/**
 * Expands a scenario's `sweep:` and validates every point through the engine, on the libuv thread
 * pool (a sweep of a million points takes seconds; the event loop stays free). Rejects with
 * {@link ScenarioError} (for a bad point, naming its values) like {@link validateScenario}.
 */
export async function expandSweep(scenario: ScenarioInput, source?: string, options?: CallOptions | null): Promise<SweepPlan> {
  const text = scenarioText(scenario, "expandSweep");
  checkString(source, "expandSweep: source", true);
  const signal = checkSignal(optionsObject(options, "expandSweep").signal, "expandSweep");
  const plan = await call(() => native.expandSweep(text, source ?? undefined, signal), signal);
  return {
    name: plan.name,
    dataset: plan.dataset,
    paths: plan.paths,
    points: JSON.parse(plan.pointsJson) as SweepPointPlan[],
    cscv: plan.cscvJson != null ? (JSON.parse(plan.cscvJson) as CscvSpec) : null,
  };
}

/** `sweep.json` (docs/sweeps.md). */
export interface SweepInfo {
  scenario: string;
  scenario_sha256: string;
  engine_version: string;
  git_sha: string;
  entry_point: string;
  dataset: string;
  dataset_manifest_sha256: string;
  data_path: string;
  points_total: number;
  /** Null for a whole sweep. */
  shard: { index: number; count: number; first: number; end: number } | null;
  paths: string[];
  points: SweepPointPlan[];
  cscv: CscvSpec | null;
  trading_days: number;
  threads: number;
  wall_seconds: number;
  /**
   * Where `wall_seconds` went, in seconds (docs/sweeps.md); tables are written beside CSCV. Always
   * there from this engine; absent from a sweep.json written before it existed.
   */
  timings?: {
    open_verify: number;
    index: number;
    points: number;
    tables: number;
    cscv: number;
    stats: number;
    walk_forward: number;
  };
  host: string;
  started_at: number;
  /** Points taken from a checkpoint rather than run (absent when none). */
  resumed_points?: number;
  /** What the reader should know (a checkpoint that could not be written, a merge's left-out analysis). */
  notes?: string[];
}

/** `cscv.json`: the probability of backtest overfitting and its companions (docs/sweeps.md). */
export interface CscvReport {
  metric: CscvSpec["metric"];
  partitions: number;
  n_columns: number;
  n_rows: number;
  rows_dropped: number;
  block_rows: number;
  n_combinations: number;
  pbo: number;
  prob_loss: number;
  degradation: { slope: number; intercept: number; r2: number };
  dominance: { first_order: boolean; second_order: boolean; max_cdf_gap: number };
  dsr: {
    best_column: string;
    sharpe: number;
    expected_max_sharpe: number;
    sharpe_sd: number;
    skewness: number;
    kurtosis: number;
    observations: number;
    trials: number;
    dsr: number;
  };
  /** Per combination, lexicographic over the in-sample block indices. */
  logits: number[];
  is_selected: number[];
  oos_selected: number[];
  selected_columns: number[];
  /** Point ids in column order: `points[selected_columns[k]]`. */
  points: string[];
}

export interface SweepResult {
  /** One row per point (docs/sweeps.md, sweep.arrow). */
  sweep: Table;
  /** `date` and one daily-return column per point (returns.arrow). */
  returns: Table;
  info: SweepInfo;
  /** Null unless the scenario has a `cscv:` section (and this is not a shard). */
  cscv: CscvReport | null;
  /** stats.json: the plateau around the best point and, with a `spa:` section, the SPA; null for a shard. */
  stats: SweepStats | null;
  /** walk_forward.json; null unless the scenario has a `walk_forward:` section (and this is not a shard). */
  walkForward: WalkForwardReport | null;
  /** The exact bytes of the files, identical to what `aegis-bt sweep` writes. */
  files: {
    sweepArrow: Uint8Array;
    returnsArrow: Uint8Array;
    entriesArrow: Uint8Array;
    benchmarkArrow: Uint8Array;
    sweepJson: string;
    cscvJson: string | null;
    statsJson: string | null;
    walkForwardJson: string | null;
    walkForwardArrow: Uint8Array | null;
  };
}

/** The figures of a stretch of daily returns (walk_forward.json, docs/walk-forward.md). */
export interface WalkForwardFigures {
  days: number;
  total_return: number | null;
  cagr: number | null;
  sharpe: number | null;
  max_drawdown: number | null;
  calmar: number | null;
}

export interface WalkForwardSpan {
  first: string;
  last: string;
  days: number;
}

/** walk_forward.json (docs/walk-forward.md). */
export interface WalkForwardReport {
  scheme: "rolling" | "anchored";
  in_sample: number;
  out_of_sample: number;
  metric: "sharpe" | "total_return" | "calmar" | "dsr";
  min_trades: number | null;
  mode: "returns" | "rerun";
  points: number;
  span: WalkForwardSpan;
  out_of_sample_figures: WalkForwardFigures;
  in_sample_cagr_mean: number | null;
  efficiency: number | null;
  hindsight_point: string | null;
  hindsight: WalkForwardFigures | null;
  windows: {
    index: number;
    in_sample: WalkForwardSpan;
    out_of_sample: WalkForwardSpan;
    point: string | null;
    params: Record<string, unknown> | null;
    eligible: number;
    score: number | null;
    in_sample_figures: WalkForwardFigures | null;
    out_of_sample_figures: WalkForwardFigures;
    efficiency: number | null;
  }[];
}

/** stats.json (docs/spa.md, docs/sweeps.md). */
export interface SweepStats {
  plateau: {
    metric: "sharpe" | "mean" | "total_return";
    best_point: string;
    best_value: number;
    neighbours: number;
    mean: number | null;
    min: number | null;
    within_10pct: number | null;
  } | null;
  benchmark?: string;
  spa?: {
    benchmark: string;
    models: number;
    days: number;
    bootstrap: number;
    block: number;
    seed: number;
    statistic: number;
    best: string;
    spa: { lower: number; consistent: number; upper: number };
    reality_check: number;
    stepdown: { level: number; better: string[]; critical_values: number[] }[];
  };
}

export interface RunSweepOptions extends CallOptions {
  /** Data root: a directory holding `<dataset>/manifest.json`, or the dataset directory itself. */
  data: string;
  /** Also write the sweep directory (a shard's under `<out>/shards/<iiii>/`). */
  out?: string;
  /** Names the scenario in error messages (its file path). */
  source?: string;
  /** Run only this shard of the points: `{ index, count }` or `"i/K"` (0 ≤ i < K). */
  shard?: { index: number; count: number } | string;
  /** Also write each point's summary.json, equity.arrow and trades.arrow under `points/<id>/`. */
  points?: boolean;
  /** Worker threads: a whole number from 1 to {@link maxThreads} (4 per core); default one per core. */
  threads?: number;
  /** Called on the event loop as each point finishes. */
  onProgress?: (progress: native.SweepProgress) => void;
  /** How partitions are checked against the manifest (see {@link RunBacktestOptions.verify}). */
  verify?: VerifyMode;
  /** Write `_SUCCESS` last (default true); `false` leaves it to the caller (see {@link writeSuccessMarker}). */
  markSuccess?: boolean;
  /**
   * Keep finished points in `<out>/checkpoint/` (default true with `out`): a sweep stopped by the
   * signal or killed resumes from them when run again with the same scenario, data and shard, to
   * the same bytes; `info.resumed_points` says how many it kept. Removed once the files are written.
   */
  checkpoint?: boolean;
}

export type { SweepProgress } from "../binding.js";

function sweepResult(out: native.SweepOutput): SweepResult {
  return {
    sweep: tableFromIPC(out.sweepArrow),
    returns: tableFromIPC(out.returnsArrow),
    info: JSON.parse(out.sweepJson) as SweepInfo,
    cscv: out.cscvJson != null ? (JSON.parse(out.cscvJson) as CscvReport) : null,
    stats: out.statsJson != null ? (JSON.parse(out.statsJson) as SweepStats) : null,
    walkForward: out.walkForwardJson != null ? (JSON.parse(out.walkForwardJson) as WalkForwardReport) : null,
    files: {
      sweepArrow: out.sweepArrow,
      returnsArrow: out.returnsArrow,
      entriesArrow: out.entriesArrow,
      benchmarkArrow: out.benchmarkArrow,
      sweepJson: out.sweepJson,
      cscvJson: out.cscvJson ?? null,
      statsJson: out.statsJson ?? null,
      walkForwardJson: out.walkForwardJson ?? null,
      walkForwardArrow: out.walkForwardArrow ?? null,
    },
  };
}

/**
 * Runs every point of a scenario's `sweep:` (or one shard) in-process: the points run in parallel
 * on all cores over data loaded once, off the event loop. Cancel with `options.signal`.
 */
export async function runSweep(scenario: ScenarioInput, options: RunSweepOptions): Promise<SweepResult> {
  const o = optionsObject(options, "runSweep");
  const common = runCommon<native.SweepProgress>(scenario, o, "runSweep");
  const { signal, onProgress } = common;
  checkBoolean(o.points, "runSweep: points");
  checkBoolean(o.checkpoint, "runSweep: checkpoint");
  const shard = checkShard(o.shard);
  const request: native.SweepRequest = {
    ...common.request,
    shardIndex: shard?.index,
    shardCount: shard?.count,
    points: o.points ?? undefined,
    threads: checkThreads(o.threads),
    checkpoint: o.checkpoint ?? undefined,
  };
  const out = await cancellable(signal, onProgress, (token, progress) => native.runSweep(request, token, progress, signal));
  return sweepResult(out);
}

/**
 * Merges finished shard directories of one sweep (each with `sweep.json` and `_SUCCESS`) into the
 * whole sweep's files, byte-identical to the sweep run unsharded; writes them to `options.out`.
 */
export async function mergeSweepShards(dirs: string[], options?: ({ out?: string } & CallOptions) | null): Promise<SweepResult> {
  argument(Array.isArray(dirs) && dirs.length > 0, `mergeSweepShards: dirs must be a non-empty array of directories, got ${describeValue(dirs)}`);
  dirs.forEach((d, i) => checkString(d, `mergeSweepShards: dirs[${i}]`));
  const o = optionsObject(options, "mergeSweepShards");
  checkString(o.out, "mergeSweepShards: out", true);
  const signal = checkSignal(o.signal, "mergeSweepShards");
  const out = await call(() => native.mergeSweepShards(dirs, o.out ?? undefined, signal), signal);
  return sweepResult(out);
}
