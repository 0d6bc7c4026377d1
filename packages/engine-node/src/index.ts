/**
 * `@aegis-bt/engine`: the aegis-bt Rust engine in-process. Every call runs on the libuv thread
 * pool (the event loop stays free) and accepts an `AbortSignal`. Expected failures arrive as
 * typed errors ({@link DatasetError}, {@link InvalidArgumentError}) with a stable `code`.
 *
 * This module is the package's only public surface; `binding.js` / `binding.d.ts` are generated
 * by `napi build` from the Rust binding and may change shape without notice.
 */
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

/** A backtest that cannot run as specified: a leg never fillable, dates outside the data (`ERR_UNFILLABLE`, `ERR_DATA_RANGE`, `ERR_DATASET_NOT_FOUND`). */
export class BacktestError extends AegisError {}

/** Shards that do not make one sweep, or an analysis that cannot run (`ERR_SHARD`, `ERR_CSCV`). */
export class SweepError extends AegisError {}

/** An argument the engine cannot use (`InvalidArg`). */
export class InvalidArgumentError extends AegisError {}

/** The call was cancelled through its `AbortSignal`. */
export class AbortError extends AegisError {
  constructor(message = "the operation was aborted") {
    super(message, "ABORT_ERR");
  }
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** Maps what the native side throws onto the typed errors above; anything else passes through. */
function typed(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== "string") return err;
  if (code === "ERR_SCENARIO") {
    const e = err as { path?: string; line?: number | null; column?: number | null };
    return new ScenarioError(err.message, e.path ?? "", e.line ?? undefined, e.column ?? undefined);
  }
  if (code === "ERR_DATA_RANGE" || code === "ERR_UNFILLABLE" || code === "ERR_DATASET_NOT_FOUND") {
    return new BacktestError(err.message, code);
  }
  if (code === "ERR_SHARD" || code === "ERR_CSCV") return new SweepError(err.message, code);
  if (code.startsWith("ERR_DATA_")) return new DatasetError(err.message, code);
  if (code === "InvalidArg") return new InvalidArgumentError(err.message, code);
  if (code === "Cancelled" || code === "ABORT_ERR" || err.name === "AbortError") return new AbortError(err.message);
  return err;
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
 * Runs a long native call with a cancel token tied to `signal`: an abort sets the token and the
 * engine stops at its next checkpoint (a trading day, a sweep point).
 */
async function cancellable<T>(signal: AbortSignal | undefined, run: (token: native.CancelToken) => Promise<T>): Promise<T> {
  const token = new native.CancelToken();
  const onAbort = () => token.cancel();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await call(() => run(token), signal);
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
export async function datasetInfo(dir: string, options: CallOptions = {}): Promise<DatasetInfo> {
  const { sourceJson, ...rest } = await call(() => native.datasetInfo(dir, options.signal), options.signal);
  return { ...rest, source: JSON.parse(sourceJson) as Record<string, unknown> };
}

/**
 * Checks a dataset against its manifest (presence, sizes, sha256, row counts) and every row against
 * the data contract (schema, sort order, duplicate keys, 0 ≤ bid ≤ ask, dates). Problems are in the
 * report, each naming its file; the promise rejects only for bad arguments or on abort.
 */
export async function verifyDataset(
  dir: string,
  options: VerifyDatasetOptions & CallOptions = {},
): Promise<VerifyReport> {
  const { signal, ...opts } = options;
  return call(() => native.verifyDataset(dir, opts, signal), signal);
}

/**
 * Counts the contracts of one right whose DTE and |delta| fall in the given windows, scanning every
 * row of the selected partitions through the memory map.
 */
export async function scanCount(dir: string, request: ScanRequest, options: CallOptions = {}): Promise<ScanResult> {
  return call(async () => native.scanCount(dir, request, options.signal), options.signal);
}

/** A scenario as text (YAML or JSON) or as an object of the generated `Scenario` type. */
export type ScenarioInput = string | Scenario;

function scenarioText(scenario: ScenarioInput): string {
  return typeof scenario === "string" ? scenario : JSON.stringify(scenario);
}

/**
 * Parses and checks a scenario through the engine: the same rules and messages as
 * `aegis-bt validate`. Throws {@link ScenarioError} naming the field path, line and column.
 */
export function validateScenario(scenario: ScenarioInput, source?: string): native.ScenarioSummary {
  try {
    return native.validateScenario(scenarioText(scenario), source);
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
  /** Also write the results directory (summary.json, equity.arrow, trades.arrow, run.json, _SUCCESS). */
  out?: string;
  /** Names the scenario in error messages (its file path). */
  source?: string;
  /** Called about every 1% of the trading days, on the event loop. */
  onProgress?: (progress: native.BacktestProgress) => void;
}

export interface BacktestResult {
  summary: Summary;
  /** One row per trading day (docs/results.md). */
  equity: Table;
  /** One row per leg fill (docs/results.md). */
  trades: Table;
  run: RunInfo;
  /** The exact bytes of the result files, identical to what the `aegis-bt` binary writes. */
  files: { summaryJson: string; equityArrow: Uint8Array; tradesArrow: Uint8Array };
}

/**
 * Runs a backtest in-process, on the libuv thread pool (never on the event loop). Cancel with
 * `options.signal`: the run stops at the next trading day and rejects with {@link AbortError}.
 */
export async function runBacktest(scenario: ScenarioInput, options: RunBacktestOptions): Promise<BacktestResult> {
  const out = await cancellable(options.signal, (token) =>
    native.runBacktest(
      {
        scenarioText: scenarioText(scenario),
        scenarioSource: options.source,
        dataRoot: options.data,
        out: options.out,
        dataPath: "local",
      },
      token,
      options.onProgress,
      options.signal,
    ),
  );
  if (options.onProgress) await lastProgress();
  return {
    summary: JSON.parse(out.summaryJson) as Summary,
    equity: tableFromIPC(out.equityArrow),
    trades: tableFromIPC(out.tradesArrow),
    run: JSON.parse(out.runJson) as RunInfo,
    files: { summaryJson: out.summaryJson, equityArrow: out.equityArrow, tradesArrow: out.tradesArrow },
  };
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
 * Expands a scenario's `sweep:` and validates every point through the engine. Throws
 * {@link ScenarioError} (for a bad point, naming its values) like {@link validateScenario}.
 */
export function expandSweep(scenario: ScenarioInput, source?: string): SweepPlan {
  try {
    const plan = native.expandSweep(scenarioText(scenario), source);
    return {
      name: plan.name,
      dataset: plan.dataset,
      paths: plan.paths,
      points: plan.points.map((p) => ({ index: p.index, id: p.id, params: JSON.parse(p.paramsJson) as Record<string, unknown> })),
      cscv: plan.cscvJson != null ? (JSON.parse(plan.cscvJson) as CscvSpec) : null,
    };
  } catch (err) {
    throw typed(err);
  }
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
  host: string;
  started_at: number;
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
  /** The exact bytes of the files, identical to what `aegis-bt sweep` writes. */
  files: { sweepArrow: Uint8Array; returnsArrow: Uint8Array; sweepJson: string; cscvJson: string | null };
}

export interface RunSweepOptions extends CallOptions {
  /** Data root: a directory holding `<dataset>/manifest.json`, or the dataset directory itself. */
  data: string;
  /** Also write the sweep directory (a shard's under `<out>/shards/<iiii>/`). */
  out?: string;
  /** Names the scenario in error messages (its file path). */
  source?: string;
  /** Run only this shard of the points. */
  shard?: { index: number; count: number };
  /** Also write each point's summary.json, equity.arrow and trades.arrow under `points/<id>/`. */
  points?: boolean;
  /** Worker threads (default one per core). */
  threads?: number;
  /** Called on the event loop as each point finishes. */
  onProgress?: (progress: native.SweepProgress) => void;
}

export type { SweepProgress } from "../binding.js";

function sweepResult(out: native.SweepOutput): SweepResult {
  return {
    sweep: tableFromIPC(out.sweepArrow),
    returns: tableFromIPC(out.returnsArrow),
    info: JSON.parse(out.sweepJson) as SweepInfo,
    cscv: out.cscvJson != null ? (JSON.parse(out.cscvJson) as CscvReport) : null,
    files: { sweepArrow: out.sweepArrow, returnsArrow: out.returnsArrow, sweepJson: out.sweepJson, cscvJson: out.cscvJson ?? null },
  };
}

/**
 * Runs every point of a scenario's `sweep:` (or one shard) in-process: the points run in parallel
 * on all cores over data loaded once, off the event loop. Cancel with `options.signal`.
 */
export async function runSweep(scenario: ScenarioInput, options: RunSweepOptions): Promise<SweepResult> {
  const out = await cancellable(options.signal, (token) =>
    native.runSweep(
      {
        scenarioText: scenarioText(scenario),
        scenarioSource: options.source,
        dataRoot: options.data,
        out: options.out,
        dataPath: "local",
        shardIndex: options.shard?.index,
        shardCount: options.shard?.count,
        points: options.points,
        threads: options.threads,
      },
      token,
      options.onProgress,
      options.signal,
    ),
  );
  if (options.onProgress) await lastProgress();
  return sweepResult(out);
}

/**
 * Merges finished shard directories of one sweep (each with `sweep.json` and `_SUCCESS`) into the
 * whole sweep's files, byte-identical to the sweep run unsharded; writes them to `options.out`.
 */
export async function mergeSweepShards(dirs: string[], options: { out?: string } & CallOptions = {}): Promise<SweepResult> {
  const out = await call(() => native.mergeSweepShards(dirs, options.out, options.signal), options.signal);
  return sweepResult(out);
}
