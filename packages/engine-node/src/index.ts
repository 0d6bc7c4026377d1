/**
 * `@aegis-bt/engine`: the aegis-bt Rust engine in-process. Every call runs on the libuv thread
 * pool (the event loop stays free) and accepts an `AbortSignal`. Expected failures arrive as
 * typed errors ({@link DatasetError}, {@link InvalidArgumentError}) with a stable `code`.
 *
 * This module is the package's only public surface; `binding.js` / `binding.d.ts` are generated
 * by `napi build` from the Rust binding and may change shape without notice.
 */
import * as native from "../binding.js";
import type {
  DatasetProblem,
  ScanRequest,
  ScanResult,
  TickerInfo,
  VerifyDatasetOptions,
  VerifyReport,
} from "../binding.js";

export type { DatasetProblem, ScanRequest, ScanResult, TickerInfo, VerifyDatasetOptions, VerifyReport };

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
