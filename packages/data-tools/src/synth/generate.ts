// Writes a synthetic ORATS-shaped dataset: per ticker and year one partition, then the manifest.
//
// Choices: tickers are generated one after another, each from its own random streams (parameters,
// path, activity: seed + ticker name) and the shared, seed-only rate path, so adding a ticker
// changes no other ticker's bytes. Days go to the partition writer in record batches of
// BATCH_DAYS whole trading days (a batch never crosses a year). Nothing time- or host-dependent
// goes into a file, so the same options always give the same bytes. On any failure the open
// partition is aborted and the partitions already finished by this call are removed, so a failed
// run leaves no dataset-looking files behind. Equity-like tickers' ex-dividend dates (dividends.ts)
// and earnings dates (earnings.ts) are gathered while their paths are stepped and written, sorted,
// to events.arrow once every partition is done (spx-like datasets have no events and no
// events.arrow); the manifest is written last. On an earnings reaction day the path takes the
// report's move, drawn from the ticker's own "earnings" stream (so the path's stream is drawn as
// before), and until then each day's chain prices the next report's variance into the expiries
// that span it. An spx-like dataset's first ticker (the first of the manifest's sorted tickers) also
// gives the VIX series: each trading day, 100 × its surface's 30-day ATM volatility from the variance
// that day's chain uses, to the cent; it draws nothing, so no partition changes. series.arrow is
// written after events.arrow and before the manifest (equity-like datasets have no series).
import { existsSync, readdirSync, rmdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ChainBatch } from "../chain-batch.js";
import { EVENTS_FILE, compareEvents, writeEventsFile, type DatasetEvent, type EventsInfo } from "../events.js";
import { isoFromDays, parseIsoDate, yearOfDays } from "../dates.js";
import { buildManifest, writeManifest, type Manifest } from "../manifest.js";
import { PartitionWriter, type PartitionInfo } from "../partition-writer.js";
import { removeRootPartial } from "../root-files.js";
import { SERIES_FILE, writeSeriesFile, type SeriesInfo, type SeriesPoint } from "../series.js";
import { tradingDays } from "./calendar.js";
import { ChainBuilder } from "./chain.js";
import { exDividendIndices, quarterlyDividend } from "./dividends.js";
import { earningsLogMove, earningsSchedule, type EarningsEvent } from "./earnings.js";
import { ExpirationSchedule } from "./expirations.js";
import { PROFILES, tickerModel, type Profile } from "./profiles.js";
import { Rng } from "./rng.js";
import { RatePath, UnderlyingPath } from "./underlying.js";
import { GENERATOR_VERSION, packageVersion } from "./version.js";
import { atmVol, type SurfaceParams } from "./vol-surface.js";

export interface GenerateProgress {
  /** Ticker-days done so far, over all tickers. */
  daysDone: number;
  daysTotal: number;
  rows: number;
  ticker: string;
}

export interface GenerateOptions {
  profile: Profile;
  tickers: string[];
  /** First trade date, YYYY-MM-DD (inclusive; the first business day on or after it). */
  start: string;
  /** Last trade date, YYYY-MM-DD (inclusive). */
  end: string;
  seed: number;
  /** Dataset directory; must be missing or empty. */
  out: string;
  /** Dataset name for the manifest; default `synthetic-<profile>-<start>-<end>`. */
  name?: string;
  onProgress?: (p: GenerateProgress) => void;
  /** Stops generation between record batches (the partial output is removed). */
  signal?: AbortSignal;
}

export interface GenerateResult {
  manifest: Manifest;
  rows: number;
  seconds: number;
}

/** Trading days per record batch. */
export const BATCH_DAYS = 20;

/** The series an spx-like dataset carries, from its first ticker. */
export const VIX_SERIES = "VIX";
/** The VIX's horizon: 30 calendar days, in years as the chain counts them. */
export const VIX_YEARS = 30 / 365;

/** The VIX of a day: 100 × the surface's 30-day ATM implied volatility at instantaneous variance `variance`, to the cent. */
export function vixLevel(surface: SurfaceParams, variance: number): number {
  return Math.round(100 * atmVol(surface, variance, VIX_YEARS) * 100) / 100;
}

const TICKER_PATTERN = /^[A-Z0-9][A-Z0-9._-]{0,15}$/;
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

interface ValidOptions {
  profile: Profile;
  tickers: string[];
  startDays: number;
  endDays: number;
  start: string;
  end: string;
  seed: number;
  out: string;
  name: string;
}

/** Checks the options; throws an Error whose message names the bad option. */
export function validateOptions(opts: GenerateOptions): ValidOptions {
  if (opts === null || typeof opts !== "object") throw new Error("generate: options object required");
  const { profile, tickers, seed, out } = opts;
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new Error(`profile: unknown profile ${JSON.stringify(profile)}; expected one of ${PROFILES.join(", ")}`);
  }
  if (!Array.isArray(tickers) || tickers.length === 0) throw new Error("tickers: at least one ticker is required");
  const seen = new Set<string>();
  for (const t of tickers) {
    if (typeof t !== "string" || !TICKER_PATTERN.test(t)) {
      throw new Error(
        `tickers: ${JSON.stringify(t)} is not a valid ticker; use 1–16 upper-case letters, digits, '.', '-' or '_', ` +
          "starting with a letter or digit",
      );
    }
    if (seen.has(t)) throw new Error(`tickers: ${t} is listed twice`);
    seen.add(t);
  }
  const startDays = parseDateOption("start", opts.start);
  const endDays = parseDateOption("end", opts.end);
  if (endDays < startDays) throw new Error(`end: ${opts.end} is before start ${opts.start}`);
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new Error(`seed: expected an integer, got ${typeof seed === "number" ? seed : JSON.stringify(seed)}`);
  }
  if (typeof out !== "string" || out.trim() === "") throw new Error("out: an output directory is required");
  const start = isoFromDays(startDays);
  const end = isoFromDays(endDays);
  const name = opts.name ?? `synthetic-${profile}-${start}-${end}`;
  if (typeof name !== "string" || name.trim() === "") throw new Error("name: must be a non-empty string");
  return { profile, tickers: [...tickers], startDays, endDays, start, end, seed, out, name };
}

function parseDateOption(which: "start" | "end", text: unknown): number {
  if (typeof text !== "string") throw new Error(`${which}: expected a date as YYYY-MM-DD, got ${JSON.stringify(text)}`);
  let days: number;
  try {
    days = parseIsoDate(text);
  } catch (err) {
    throw new Error(`${which}: ${(err as Error).message}`);
  }
  const year = yearOfDays(days);
  if (year < MIN_YEAR || year > MAX_YEAR) {
    throw new Error(`${which}: ${text} is outside the supported years ${MIN_YEAR}–${MAX_YEAR}`);
  }
  return days;
}

function checkOutDir(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new Error(`out: ${out} exists and is not a directory`);
  if (readdirSync(out).length > 0) throw new Error(`out: ${out} is not empty; generate into a new or empty directory`);
}

/** Generates the dataset described by `opts` into `opts.out` and writes its manifest last. */
export async function generateDataset(opts: GenerateOptions): Promise<GenerateResult> {
  const o = validateOptions(opts);
  const days = tradingDays(o.startDays, o.endDays);
  if (days.length === 0) throw new Error(`start/end: no trading days between ${o.start} and ${o.end}`);
  checkOutDir(o.out);
  const createdOut = !existsSync(o.out);
  const createdBy = `aegis-data ${packageVersion()}`;
  const began = performance.now();

  const rates = new RatePath(o.seed);
  const dayRates = Float64Array.from(days, (d) => rates.at(d));
  const daysTotal = days.length * o.tickers.length;
  const partitions: PartitionInfo[] = [];
  const events: DatasetEvent[] = [];
  const series: SeriesPoint[] = [];
  const vixTicker = o.profile === "spx-like" ? [...o.tickers].sort()[0] : undefined;
  let writer: PartitionWriter | undefined;
  const started: string[] = [];
  let rows = 0;
  let daysDone = 0;
  try {
    for (const ticker of o.tickers) {
      started.push(ticker);
      const model = tickerModel(o.profile, Rng.stream(o.seed, "params", ticker));
      const path = new UnderlyingPath(model.path, Rng.stream(o.seed, "path", ticker));
      const schedule = new ExpirationSchedule(model.expirations, days[0]!, days[days.length - 1]!);
      const chain = new ChainBuilder(model, schedule, Rng.stream(o.seed, "activity", ticker));
      const exDays = new Set(model.dividends ? exDividendIndices(model.dividends, days) : []);
      const reports = model.earnings ? earningsSchedule(model.earnings, days) : [];
      const moveSd = model.earnings?.moveSd ?? 0;
      const session = model.earnings?.afterClose ? "amc" : "bmo";
      for (const e of reports) events.push({ ticker, date: isoFromDays(days[e.date]!), kind: "earnings", amount: null, session });
      const reactions: EarningsEvent[] = reports.map((e) => ({ day: days[e.reaction]!, variance: moveSd * moveSd }));
      const earningsRng = Rng.stream(o.seed, "earnings", ticker);
      const vix = ticker === vixTicker;
      let next = 0; // the first report whose reaction day is not yet stepped into
      const batch = new ChainBatch(1 << 16);
      let batchDays = 0;
      const flush = async () => {
        if (batch.length > 0) {
          await writer!.write(batch);
          rows += batch.length;
          batch.clear();
        }
        daysDone += batchDays;
        batchDays = 0;
        opts.onProgress?.({ daysDone, daysTotal, rows, ticker });
        if (opts.signal?.aborted) throw opts.signal.reason ?? new Error("generation aborted");
      };
      for (let i = 0; i < days.length; i++) {
        const day = days[i]!;
        const year = yearOfDays(day);
        if (writer && writer.year !== year) {
          await flush();
          partitions.push(await writer.close());
          writer = undefined;
        }
        writer ??= new PartitionWriter(o.out, ticker, year);
        if (exDays.has(i)) {
          // Before the step, the path's close is the previous trading day's.
          const amount = quarterlyDividend(model.path.divYield, path.close);
          if (amount > 0) events.push({ ticker, date: isoFromDays(day), kind: "ex_dividend", amount, session: null });
        }
        if (i > 0) path.step(dayRates[i - 1]!);
        if (next < reports.length && reports[next]!.reaction === i) {
          path.shock(earningsLogMove(moveSd, earningsRng.normal()));
          next++;
        }
        chain.addDay(batch, day, path.close, path.variance, dayRates[i]!, reactions[next]);
        if (vix) series.push({ name: VIX_SERIES, date: isoFromDays(day), value: vixLevel(model.surface, path.variance) });
        if (++batchDays === BATCH_DAYS) await flush();
      }
      await flush();
      partitions.push(await writer!.close());
      writer = undefined;
    }
    let eventsInfo: EventsInfo | undefined;
    if (events.length > 0) eventsInfo = writeEventsFile(o.out, events.sort(compareEvents));
    // One series, its days in order: already sorted.
    const seriesInfo: SeriesInfo | undefined = series.length > 0 ? writeSeriesFile(o.out, series) : undefined;
    const manifest = buildManifest(
      o.name,
      createdBy,
      { kind: "synthetic", generator: GENERATOR_VERSION, profile: o.profile, seed: o.seed, start: o.start, end: o.end },
      partitions,
      { events: eventsInfo, series: seriesInfo },
    );
    writeManifest(o.out, manifest);
    return { manifest, rows, seconds: (performance.now() - began) / 1000 };
  } catch (err) {
    if (writer) await writer.abort().catch(() => undefined);
    removeOutput(o.out, partitions, started);
    for (const [file, written] of [[EVENTS_FILE, events.length], [SERIES_FILE, series.length]] as const) {
      if (written === 0) continue; // nothing of this run's to remove (and nothing that could be)
      removeRootPartial(o.out, file);
      rmSync(join(o.out, file), { force: true });
    }
    if (createdOut) {
      try {
        rmdirSync(o.out);
      } catch {
        // something else is in there: leave it
      }
    }
    throw err;
  }
}

/** Removes what this run wrote: finished partitions, then the tickers' directories if now empty. */
function removeOutput(out: string, partitions: PartitionInfo[], tickers: string[]): void {
  for (const p of partitions) rmSync(join(out, p.path), { force: true });
  for (const ticker of tickers) {
    try {
      rmdirSync(join(out, ticker));
    } catch {
      // not empty or already gone: leave it
    }
  }
}
