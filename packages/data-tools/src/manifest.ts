// manifest.json: what a dataset holds and how to check it (docs/data-format.md). Written last by
// every producer, so a directory without one is an unfinished dataset.
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EventsInfo } from "./events.js";
import type { PartitionInfo } from "./partition-writer.js";
import { SCHEMA_VERSION } from "./schema.js";
import type { SeriesInfo } from "./series.js";

export const MANIFEST_FILE = "manifest.json";

export type DatasetSource =
  | { kind: "synthetic"; generator: string; profile: string; seed: number; start: string; end: string }
  | { kind: "orats-import"; importer: string; files: string[] };

export interface Manifest {
  schemaVersion: number;
  name: string;
  createdBy: string;
  source: DatasetSource;
  tickers: string[];
  partitions: PartitionInfo[];
  /** events.arrow, when the dataset has events (absent otherwise: the file does not exist). */
  events?: EventsInfo;
  /** series.arrow, when the dataset has series (absent otherwise: the file does not exist). */
  series?: SeriesInfo;
}

/** The entries of the files at a dataset's root, in their place in the manifest: right after `partitions`. */
export const ROOT_FILE_KEYS = ["events", "series"] as const;
export type RootFileKey = (typeof ROOT_FILE_KEYS)[number];

/**
 * Partitions sorted by ticker then year, so the same data always gives the same manifest bytes;
 * `events` and `series` (after the partitions, in that order) only when given.
 */
export function buildManifest(
  name: string,
  createdBy: string,
  source: DatasetSource,
  partitions: PartitionInfo[],
  rootFiles: { events?: EventsInfo; series?: SeriesInfo } = {},
): Manifest {
  const sorted = [...partitions].sort((a, b) => (a.ticker === b.ticker ? a.year - b.year : a.ticker < b.ticker ? -1 : 1));
  const tickers = [...new Set(sorted.map((p) => p.ticker))];
  let manifest: Manifest = { schemaVersion: SCHEMA_VERSION, name, createdBy, source, tickers, partitions: sorted };
  for (const key of ROOT_FILE_KEYS) {
    const entry = rootFiles[key];
    if (entry) manifest = withRootFile(manifest, key, entry);
  }
  return manifest;
}

/**
 * `manifest` with its `key` entry (`events` or `series`) set to `entry`: every other field as it was
 * and where it was, the root files' entries right after `partitions` (or last, in a manifest without
 * partitions) in the order of ROOT_FILE_KEYS: `events`, then `series`.
 */
export function withRootFile<K extends RootFileKey>(manifest: Manifest, key: K, entry: NonNullable<Manifest[K]>): Manifest {
  const rootFiles = ROOT_FILE_KEYS.map((k) => [k, k === key ? entry : manifest[k]] as const);
  const out: Record<string, unknown> = {};
  let placed = false;
  const place = () => {
    for (const [k, value] of rootFiles) if (value !== undefined) out[k] = value;
    placed = true;
  };
  for (const [k, value] of Object.entries(manifest)) {
    if ((ROOT_FILE_KEYS as readonly string[]).includes(k)) continue;
    out[k] = value;
    if (k === "partitions") place();
  }
  if (!placed) place();
  return out as unknown as Manifest;
}

/** The data span of `partitions`: the earliest firstTradeDate to the latest lastTradeDate. */
function partitionsSpan(partitions: readonly PartitionInfo[]): { first: string; last: string } | undefined {
  let span: { first: string; last: string } | undefined;
  for (const p of partitions) {
    if (!span) span = { first: p.firstTradeDate, last: p.lastTradeDate };
    else {
      if (p.firstTradeDate < span.first) span.first = p.firstTradeDate;
      if (p.lastTradeDate > span.last) span.last = p.lastTradeDate;
    }
  }
  return span;
}

/** The dataset's data span: its first partition's firstTradeDate to its last partition's lastTradeDate. */
export function datasetSpan(manifest: Pick<Manifest, "partitions">): { first: string; last: string } | undefined {
  return partitionsSpan(manifest.partitions);
}

/**
 * Why `ticker` is not one of the manifest's tickers (naming one in another case as the likely one,
 * and listing up to ten), or undefined when it is one.
 */
export function unknownTickerProblem(manifest: Pick<Manifest, "tickers">, ticker: string): string | undefined {
  if (manifest.tickers.includes(ticker)) return undefined;
  const near = manifest.tickers.find((t) => t.toUpperCase() === ticker.toUpperCase());
  const list = manifest.tickers.length <= 10 ? manifest.tickers.join(", ") : `${manifest.tickers.slice(0, 10).join(", ")}, …`;
  return `${JSON.stringify(ticker)} is not in the dataset${near ? ` (did you mean ${near}?)` : ""}; it has ${list}`;
}

/** Each ticker's data span (first partition's first trade date to last partition's last), as YYYY-MM-DD. */
export function tickerSpans(manifest: Pick<Manifest, "partitions">): Map<string, { first: string; last: string }> {
  const byTicker = new Map<string, PartitionInfo[]>();
  for (const p of manifest.partitions) {
    const parts = byTicker.get(p.ticker);
    if (parts) parts.push(p);
    else byTicker.set(p.ticker, [p]);
  }
  return new Map([...byTicker].map(([ticker, parts]) => [ticker, partitionsSpan(parts)!]));
}

export function writeManifest(dir: string, manifest: Manifest): void {
  writeManifestPartial(dir, manifest);
  commitManifest(dir);
}

/** Writes `manifest.json.partial`; `commitManifest` renames it into place. */
export function writeManifestPartial(dir: string, manifest: Manifest): void {
  writeFileSync(join(dir, `${MANIFEST_FILE}.partial`), `${JSON.stringify(manifest, null, 2)}\n`);
}

export function commitManifest(dir: string): void {
  renameSync(join(dir, `${MANIFEST_FILE}.partial`), join(dir, MANIFEST_FILE));
}

export function removeManifestPartial(dir: string): void {
  rmSync(join(dir, `${MANIFEST_FILE}.partial`), { force: true });
}

export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${path}: cannot read the dataset manifest (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  try {
    return JSON.parse(text) as Manifest;
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

/** The manifest of the dataset in `dir`, refused when it lists no tickers or partitions (not a dataset's). */
export function readDatasetManifest(dir: string): Manifest {
  const manifest = readManifest(dir);
  if (!Array.isArray(manifest.tickers) || !Array.isArray(manifest.partitions)) {
    throw new Error(`${join(dir, MANIFEST_FILE)}: no tickers or partitions; not a dataset manifest`);
  }
  return manifest;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
