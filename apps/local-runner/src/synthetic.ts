// Named synthetic datasets: a scenario that says `dataset: synthetic-spx-7y` gets that dataset
// generated into the data root the first time, then reused. The name says what to generate:
//   synthetic-<spx|equity>-<N>y[-seed<S>]  → profile spx-like|equity-like, N years ending
//   2023-12-29 (fixed, so a name always means the same data), seed S (default 1), and the
//   scenario's tickers.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { generateDataset, prepareOutputDir, readManifest, type GenerateProgress, type Profile } from "@aegis-bt/data-tools";

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

/**
 * Makes sure `<root>/<name>` holds the dataset with at least `tickers`. A synthetic name missing
 * from the root (or missing a ticker) is generated; any other missing dataset is an error that
 * says where it was looked for.
 */
export async function ensureDataset(
  root: string,
  name: string,
  tickers: string[],
  onProgress?: (p: GenerateProgress) => void,
): Promise<EnsureOutcome> {
  const dir = join(root, name);
  const have = existsSync(join(dir, "manifest.json")) ? readManifest(dir).tickers : [];
  const missing = tickers.filter((t) => !have.includes(t));
  if (have.length > 0 && missing.length === 0) return { dir, generated: false };
  const spec = syntheticSpec(name);
  if (!spec) {
    throw new Error(
      have.length > 0
        ? `dataset ${name} in ${dir} has no ${missing.join(", ")} (it has ${have.join(", ")})`
        : `dataset ${name} not found in ${root}; import it with \`aegis-data import-orats\`, point --data at the directory that holds it, or use a synthetic name such as synthetic-spx-7y`,
    );
  }
  // Tickers draw independent random streams, so regenerating with more tickers keeps the old ones' bytes.
  const all = [...new Set([...have, ...tickers])].sort();
  prepareOutputDir(dir, true);
  const r = await generateDataset({ profile: spec.profile, tickers: all, start: spec.start, end: spec.end, seed: spec.seed, out: dir, name, onProgress });
  return { dir, generated: true, rows: r.rows, seconds: r.seconds };
}
