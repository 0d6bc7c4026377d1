// manifest.json: what a dataset holds and how to check it (docs/data-format.md). Written last by
// every producer, so a directory without one is an unfinished dataset.
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EventsInfo } from "./events.js";
import type { PartitionInfo } from "./partition-writer.js";
import { SCHEMA_VERSION } from "./schema.js";

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
}

/**
 * Partitions sorted by ticker then year, so the same data always gives the same manifest bytes;
 * `events` (after the partitions) only when given.
 */
export function buildManifest(name: string, createdBy: string, source: DatasetSource, partitions: PartitionInfo[], events?: EventsInfo): Manifest {
  const sorted = [...partitions].sort((a, b) => (a.ticker === b.ticker ? a.year - b.year : a.ticker < b.ticker ? -1 : 1));
  const tickers = [...new Set(sorted.map((p) => p.ticker))];
  const manifest: Manifest = { schemaVersion: SCHEMA_VERSION, name, createdBy, source, tickers, partitions: sorted };
  return events ? withEvents(manifest, events) : manifest;
}

/**
 * `manifest` with its `events` entry set to `events`: every other field as it was and where it was,
 * `events` right after `partitions` (or last, in a manifest without partitions).
 */
export function withEvents(manifest: Manifest, events: EventsInfo): Manifest {
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const [key, value] of Object.entries(manifest)) {
    if (key === "events") continue;
    out[key] = value;
    if (key === "partitions") {
      out.events = events;
      placed = true;
    }
  }
  if (!placed) out.events = events;
  return out as unknown as Manifest;
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

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
