// Version strings recorded in manifests. GENERATOR_VERSION changes whenever the same options would
// give different bytes (a model change), so a manifest says which model made its data.
//   aegis-synth/1  partitions and manifest
//   aegis-synth/2  the same partitions, plus events.arrow (equity-like quarterly ex-dividends)
//   aegis-synth/3  equity-like partitions change: earnings (quarterly dates in events.arrow, the reaction-day move in the path, the event variance in the surface)
//   aegis-synth/4  spx-like datasets add series.arrow (VIX: 100 × the first ticker's 30-day ATM implied volatility each day); the partitions are unchanged
import { readFileSync } from "node:fs";

export const GENERATOR_VERSION = "aegis-synth/4";

/** This package's version, read from package.json (two levels up from src/synth and dist/synth). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  if (typeof pkg.version !== "string") throw new Error("@aegis-bt/data-tools package.json has no version");
  return pkg.version;
}
