// Where a dataset is, by the engine's own rule (packages/engine-rs/src/job.rs `locate_dataset`), so
// that `--data D` finds the same directory in aegis-local, the addon and aegis-bt:
//   1. D/<name>/manifest.json is a file              → D/<name>
//   2. else D/manifest.json is a file named <name>   → D itself (another name is an error)
//   3. else not found; the error lists the datasets D holds.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BacktestError } from "@aegis-bt/engine";

export const MANIFEST_FILE = "manifest.json";

export type DatasetLocation =
  /** `dir` (`root/<name>`) holds the dataset's manifest. */
  | { kind: "nested"; dir: string }
  /** `root` is the dataset directory itself. */
  | { kind: "itself"; dir: string }
  /** `root` is a dataset directory, but of the dataset `other`. */
  | { kind: "other"; other: string }
  /** Neither; `holds` are the datasets directly under `root`, sorted as the engine sorts them. */
  | { kind: "absent"; holds: string[] };

/** What the fields of a manifest that matter here say, or undefined when it cannot be read as JSON. */
export interface ManifestFields {
  name?: string;
  tickers?: string[];
  source?: { kind?: string };
}

export function readManifestFields(dir: string): ManifestFields | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")) as unknown;
    if (typeof m !== "object" || m === null || Array.isArray(m)) return undefined;
    const { name, tickers, source } = m as Record<string, unknown>;
    return {
      name: typeof name === "string" ? name : undefined,
      tickers: Array.isArray(tickers) && tickers.every((t) => typeof t === "string") ? (tickers as string[]) : undefined,
      source: typeof source === "object" && source !== null ? (source as { kind?: string }) : undefined,
    };
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Byte order of the UTF-8 names, as Rust sorts `String`s. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Applies the engine's rule to `root`. A root manifest that cannot be read counts as `itself`: the
 * engine then reports what is wrong with it, in its own words.
 */
export function locateDataset(root: string, name: string): DatasetLocation {
  const nested = join(root, name);
  if (isFile(join(nested, MANIFEST_FILE))) return { kind: "nested", dir: nested };
  if (isFile(join(root, MANIFEST_FILE))) {
    const own = readManifestFields(root)?.name;
    return own === undefined || own === name ? { kind: "itself", dir: root } : { kind: "other", other: own };
  }
  let holds: string[] = [];
  try {
    holds = readdirSync(root).filter((e) => isFile(join(root, e, MANIFEST_FILE)));
  } catch {
    // unreadable: holds nothing, as the engine says
  }
  return { kind: "absent", holds: holds.sort(byteOrder) };
}

/** The engine's message for a dataset that `shown` (the root as the user wrote it) does not hold. */
export function notFoundMessage(name: string, shown: string, at: Extract<DatasetLocation, { kind: "other" | "absent" }>): string {
  if (at.kind === "other") return `dataset ${name} not found: ${shown} holds dataset ${at.other}`;
  const holds = at.holds.length === 0 ? "no datasets" : at.holds.join(", ");
  return `dataset ${name} not found under ${shown} (it holds ${holds})`;
}

/** The error every entry point raises for a dataset that is not where it was looked for. */
export function datasetNotFound(message: string): BacktestError {
  return new BacktestError(message, "ERR_DATASET_NOT_FOUND");
}

/**
 * Checks that `path` is a directory; errors start with `label` (the path as the user wrote it) and
 * a path that is not a directory ends with `hint`. `missingOk` accepts a path that does not exist
 * yet (the cache before its first dataset).
 */
export function checkDirectory(path: string, label: string, hint: string, missingOk = false): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === "ENOENT" || code === "ENOTDIR";
    if (missing && missingOk) return;
    throw datasetNotFound(missing ? `${label}: no such directory` : `${label}: cannot read it (${code ?? String(err)})`);
  }
  if (!isDir) throw datasetNotFound(`${label}: not a directory (${hint})`);
}
