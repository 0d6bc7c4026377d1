// Named synthetic datasets in the cache: a scenario that says `dataset: synthetic-spx-7y` gets that
// dataset generated into the cache directory the first time, then reused. The name says what to
// generate:
//   synthetic-<spx|equity>-<N>y[-seed<S>]  → profile spx-like|equity-like, N years ending
//   2023-12-29 (fixed, so a name always means the same data), seed S (default 1), and the
//   scenario's tickers.
// A cached synthetic dataset is regenerated (with its tickers and the scenario's) when it lacks one of
// the scenario's tickers, or when another generator version made it (`source.generator` in its
// manifest is not GENERATOR_VERSION: an aegis-synth/1 dataset has no events, for instance).
// A dataset is generated into a hidden directory beside its final place and renamed into place
// once its manifest is written, so an interrupted or concurrent generation never leaves a
// half-written dataset under the dataset's name.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { GENERATOR_VERSION, generateDataset, type GenerateProgress, type Profile } from "@aegis-bt/data-tools";
import { MANIFEST_FILE, checkDirectory, datasetNotFound, locateDataset, notFoundMessage, readManifestFields } from "./data-location.js";

export const SYNTHETIC_END = "2023-12-29";

export interface SyntheticSpec {
  name: string;
  profile: Profile;
  years: number;
  seed: number;
  start: string;
  end: string;
}

/** The generation spec a dataset name stands for, or undefined when it is not a synthetic name. */
export function syntheticSpec(name: string): SyntheticSpec | undefined {
  const m = /^synthetic-(spx|equity)-(\d{1,2})y(?:-seed(\d+))?$/.exec(name);
  if (!m) return undefined;
  const years = Number(m[2]);
  if (years < 1) return undefined;
  const end = SYNTHETIC_END;
  const start = `${Number(end.slice(0, 4)) - years + 1}-01-01`;
  return { name, profile: m[1] === "spx" ? "spx-like" : "equity-like", years, seed: Number(m[3] ?? 1), start, end };
}

export type EnsureOutcome = { dir: string; generated: boolean; rows?: number; seconds?: number };

/** Said before a dataset is generated: which, where it was looked for, where it goes, and why. */
export interface GenerateNotice {
  name: string;
  /** The cache directory that was searched. */
  lookedIn: string;
  /** Where the dataset is generated. */
  into: string;
  /** The tickers it is generated with. */
  tickers: string[];
  /** The cached dataset lacked these tickers (empty when the dataset was missing altogether). */
  missingTickers: string[];
  /** The generator that made the cached dataset, when it is not this one (GENERATOR_VERSION). */
  outdatedGenerator?: string;
  /** One line for a person. */
  message: string;
}

export interface EnsureOptions {
  onProgress?: (p: GenerateProgress) => void;
  /** Called once, before generation starts. */
  onGenerateStart?: (notice: GenerateNotice) => void;
  /** Stops generation; nothing is left under the dataset's name. */
  signal?: AbortSignal;
}

/**
 * Finds the dataset `name` in the cache directory `cache` by the engine's rule, and generates it
 * into `<cache>/<name>` when it is a synthetic name found nowhere there (or a cached synthetic
 * dataset lacks one of `tickers`). Anything else missing is an error that says where it looked.
 * Never generates into a directory that is itself a dataset.
 */
export async function ensureDataset(cache: string, name: string, tickers: string[], opts: EnsureOptions = {}): Promise<EnsureOutcome> {
  checkDirectory(cache, `the dataset cache ${cache}`, "set AEGIS_DATA_ROOT to a directory", true);
  const at = locateDataset(cache, name);
  const spec = syntheticSpec(name);
  const dir = join(cache, name);
  let have: string[] = [];
  let outdatedGenerator: string | undefined;
  if (at.kind === "itself") return { dir: at.dir, generated: false };
  if (at.kind === "other") throw datasetNotFound(notFoundMessage(name, cache, at));
  if (at.kind === "nested") {
    const m = readManifestFields(dir);
    have = m?.tickers ?? [];
    const missing = tickers.filter((t) => !have.includes(t));
    const generator = (m?.source as { generator?: unknown } | undefined)?.generator;
    const outdated = generator !== GENERATOR_VERSION;
    // Only a synthetic dataset the cache made is ever replaced; the engine reports anything else.
    if ((missing.length === 0 && !outdated) || !spec || m?.source?.kind !== "synthetic") return { dir, generated: false };
    if (outdated) outdatedGenerator = typeof generator === "string" ? generator : "an unknown generator";
  } else if (!spec) {
    throw datasetNotFound(
      `${notFoundMessage(name, cache, at)}; import it with \`aegis-data import-orats\`, point --data at the directory that holds it, or use a synthetic name such as synthetic-spx-7y`,
    );
  } else if (inTheWay(dir)) {
    throw datasetNotFound(`${dir} is in the way: it is not an empty directory and holds no ${MANIFEST_FILE}; remove it and run again`);
  }
  // Tickers draw independent random streams, so regenerating with more tickers keeps the old ones' bytes.
  const all = [...new Set([...have, ...tickers])].sort();
  const missingTickers = have.length === 0 ? [] : tickers.filter((t) => !have.includes(t));
  const reasons = [
    ...(missingTickers.length > 0 ? [`has no ${missingTickers.join(", ")}`] : []),
    ...(outdatedGenerator !== undefined ? [`was made by ${outdatedGenerator}, not ${GENERATOR_VERSION}`] : []),
  ];
  const message =
    reasons.length > 0
      ? `dataset ${name} in ${dir} ${reasons.join(" and ")}; regenerating it with ${all.join(", ")}`
      : `dataset ${name} not found under ${cache}; generating it into ${dir}`;
  const notice: GenerateNotice = { name, lookedIn: cache, into: dir, tickers: all, missingTickers, message };
  if (outdatedGenerator !== undefined) notice.outdatedGenerator = outdatedGenerator;
  opts.onGenerateStart?.(notice);
  return { dir, generated: true, ...(await generateInto(cache, spec, all, opts)) };
}

/** True when something other than nothing or an empty directory is at `dir`. */
function inTheWay(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

/** Generates `spec` beside its final place, then renames it to `<cache>/<name>`. */
async function generateInto(cache: string, spec: SyntheticSpec, tickers: string[], opts: EnsureOptions): Promise<{ rows: number; seconds: number }> {
  mkdirSync(cache, { recursive: true });
  removeAbandoned(cache, spec.name);
  const partial = mkdtempSync(join(cache, `.${spec.name}.partial-${process.pid}-`));
  try {
    const { start, end, seed, profile, name } = spec;
    const r = await generateDataset({ profile, tickers, start, end, seed, out: partial, name, onProgress: opts.onProgress, signal: opts.signal });
    install(partial, join(cache, spec.name));
    return { rows: r.rows, seconds: r.seconds };
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/** Puts the finished dataset `partial` at `dir`, replacing a dataset there (or an empty directory). */
function install(partial: string, dir: string): void {
  if (!existsSync(dir)) {
    renameSync(partial, dir);
    return;
  }
  if (!existsSync(join(dir, MANIFEST_FILE))) {
    rmdirSync(dir); // empty, checked before generating; a directory that filled up since fails here
    renameSync(partial, dir);
    return;
  }
  const old = `${partial}.old`;
  renameSync(dir, old);
  renameSync(partial, dir);
  rmSync(old, { recursive: true, force: true });
}

/** Removes hidden work directories of `name` left by generations whose process is gone. */
function removeAbandoned(cache: string, name: string): void {
  const prefix = `.${name}.partial-`;
  for (const entry of readdirSync(cache)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(entry.slice(prefix.length))?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(cache, entry), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
