// A dataset's manifest as the launcher reads it (docs/data-format.md, written by aegis-data): the
// files it names with their sizes and sha256s, checked field by field, and what `dataset list` shows
// of it. The manifest's own sha256 (of its bytes) identifies the dataset's version.
import { createHash } from "node:crypto";
import { datasetSpan, type Manifest } from "@aegis-bt/data-tools";
import { InputError } from "./errors.js";

export const MANIFEST_NAME = "manifest.json";

/** A file the manifest names: its path in the dataset, its entry (for messages), size and sha256. */
export interface DatasetFile {
  /** Relative to the dataset, `/`-separated: `SPX/2021.arrow`, `events.arrow`. */
  path: string;
  /** The manifest entry: `partitions[3]`, `events`, `series`. */
  field: string;
  bytes: number;
  /** Hex. */
  sha256: string;
}

/** The sha256 (hex) of a manifest's bytes: what a dataset's version is known by. */
export function manifestSha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Why `path` cannot be a file of the dataset (absolute, `..`, empty parts, backslashes), or undefined. */
function pathProblem(path: string): string | undefined {
  if (path === "") return "empty";
  if (path.startsWith("/") || path.includes("\\")) return "not a relative /-separated path";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(path)) return "holds a control character";
  if (path.split("/").some((p) => p === "" || p === "." || p === "..")) return "has an empty, . or .. part";
  if (path === MANIFEST_NAME) return "is the manifest itself";
  return undefined;
}

/**
 * Parses a manifest's bytes and checks what the launcher relies on: `name`, `tickers`, and for each
 * partition (and `events`, `series` when present) `path`, `bytes`, `sha256`; partitions also `rows`
 * and their first/last trade dates. A problem is an {@link InputError} `<source>: <field>: …`.
 */
export function parseManifest(bytes: Uint8Array, source: string): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    throw new InputError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  const fail = (field: string, message: string): never => {
    throw new InputError(`${source}: ${field}: ${message}`);
  };
  if (!isObject(doc)) return fail("(top)", `expected an object, got ${show(doc)}`);
  if (typeof doc.name !== "string" || doc.name === "") fail("name", `expected the dataset's name, got ${show(doc.name)}`);
  if (!Array.isArray(doc.tickers) || doc.tickers.some((t) => typeof t !== "string")) fail("tickers", `expected a list of tickers, got ${show(doc.tickers)}`);
  if (!Array.isArray(doc.partitions)) fail("partitions", `expected a list, got ${show(doc.partitions)}`);
  const entry = (v: unknown, field: string, partition: boolean) => {
    if (!isObject(v)) return fail(field, `expected an object, got ${show(v)}`);
    if (typeof v.path !== "string") fail(`${field}.path`, `expected a path, got ${show(v.path)}`);
    const bad = pathProblem(v.path as string);
    if (bad) fail(`${field}.path`, `${show(v.path)} ${bad}`);
    if (typeof v.bytes !== "number" || !Number.isSafeInteger(v.bytes) || v.bytes < 0) fail(`${field}.bytes`, `expected a byte count, got ${show(v.bytes)}`);
    if (typeof v.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(v.sha256)) fail(`${field}.sha256`, `expected 64 lower-case hex digits, got ${show(v.sha256)}`);
    if (partition) {
      if (typeof v.rows !== "number" || !Number.isSafeInteger(v.rows) || v.rows < 0) fail(`${field}.rows`, `expected a row count, got ${show(v.rows)}`);
      for (const k of ["firstTradeDate", "lastTradeDate"]) if (typeof v[k] !== "string") fail(`${field}.${k}`, `expected a date, got ${show(v[k])}`);
    }
  };
  (doc.partitions as unknown[]).forEach((p, i) => entry(p, `partitions[${i}]`, true));
  for (const k of ["events", "series"]) if (doc[k] !== undefined) entry(doc[k], k, false);
  return doc as unknown as Manifest;
}

/** The files a (parsed) manifest names: its partitions, then `events` and `series` when listed; a path named twice is refused. */
export function manifestFiles(manifest: Manifest, source: string): DatasetFile[] {
  const files: DatasetFile[] = manifest.partitions.map((p, i) => ({ path: p.path, field: `partitions[${i}]`, bytes: p.bytes, sha256: p.sha256 }));
  for (const key of ["events", "series"] as const) {
    const e = manifest[key];
    if (e) files.push({ path: e.path, field: key, bytes: e.bytes, sha256: e.sha256 });
  }
  const seen = new Map<string, string>();
  for (const f of files) {
    const before = seen.get(f.path);
    if (before !== undefined) throw new InputError(`${source}: ${f.field}.path: ${f.path} is named by ${before} too`);
    seen.set(f.path, f.field);
  }
  return files;
}

/** What `dataset list` shows of a manifest. */
export interface ManifestSummary {
  partitions: number;
  /** Rows of every partition. */
  rows: number;
  tickers: string[];
  /** The data span: the earliest first trade date to the latest last trade date. */
  first?: string;
  last?: string;
  /** Bytes of the files the manifest names. */
  bytes: number;
}

export function summarizeManifest(manifest: Manifest): ManifestSummary {
  const span = datasetSpan(manifest);
  const files = manifest.partitions.reduce((n, p) => n + p.bytes, 0) + (manifest.events?.bytes ?? 0) + (manifest.series?.bytes ?? 0);
  return {
    partitions: manifest.partitions.length,
    rows: manifest.partitions.reduce((n, p) => n + p.rows, 0),
    tickers: [...manifest.tickers],
    ...(span && { first: span.first, last: span.last }),
    bytes: files,
  };
}
