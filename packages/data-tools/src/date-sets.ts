// Date sets: lists of days a `dates` entry signal reads (`dates: { set: FOMC, on: never }`), stored
// as series of series.arrow (docs/data-format.md, "Date sets").
//
// Contract (the engine reads exactly this): the date set NAME is the series NAME (the days listed
// for every ticker) and the series NAME.<TICKER> (the days listed for one ticker), each row with
// the value 1. A set exists when series.arrow has a series NAME or any series NAME.<something>.
// NAME is a letter, then letters, digits, `_` and `-` (no `.`, so the set of a series is the part of
// its name before the first `.`); a series' name holds at most 64 characters.
//
// Choices: `aegis-data info` shows a group of series (NAME and every NAME.<…>) as one date set when
// every row of the group has the value 1, the only value a date set holds; any other group stays a
// list of series, as before date sets.
import { SERIES_NAME_PATTERN, type SeriesPoint } from "./series.js";
import { byCodeUnit, dateSpan } from "./root-files.js";

/** What a date set's name may be: a series name without `.`. */
export const DATE_SET_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const DATE_SET_NAME_RULE = "a letter, then letters, digits, _ and - (no .), at most 64 characters";

/** A ticker as a dates file may name it (the engine's rule): 1 to 32 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit. */
export const DATE_SET_TICKER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
export const DATE_SET_TICKER_RULE = "1 to 32 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit";

/** The value of every row of a date set's series. */
export const DATE_SET_VALUE = 1;

/** Why `name` is not a date set's name, or undefined when it is one. */
export function dateSetNameProblem(name: string): string | undefined {
  return DATE_SET_NAME_PATTERN.test(name) ? undefined : `${JSON.stringify(name)} is not a date set name: ${DATE_SET_NAME_RULE}`;
}

/** The series holding set `set`'s days for `ticker`, or for every ticker when `ticker` is null. */
export function dateSetSeriesName(set: string, ticker: string | null): string {
  return ticker === null ? set : `${set}.${ticker}`;
}

/** Whether a series of that name belongs to the date set `set`. */
export function inDateSet(seriesName: string, set: string): boolean {
  return seriesName === set || seriesName.startsWith(`${set}.`);
}

/** The date set a series would belong to (the part of its name before the first `.`) and its ticker (null: every ticker). */
export function dateSetOf(seriesName: string): { set: string; ticker: string | null } {
  const dot = seriesName.indexOf(".");
  return dot < 0 ? { set: seriesName, ticker: null } : { set: seriesName.slice(0, dot), ticker: seriesName.slice(dot + 1) };
}

/** Whether the series name `set.ticker` is too long: the question a ticker of a dates file must answer. */
export function dateSetSeriesNameFits(set: string, ticker: string | null): boolean {
  return SERIES_NAME_PATTERN.test(dateSetSeriesName(set, ticker));
}

/** One date set of a dataset: its days for every ticker, and for each ticker that has days of its own. */
export interface DateSetSummary {
  name: string;
  /** Days listed for every ticker (the series NAME). */
  everyTicker: number;
  /** Days listed for one ticker (the series NAME.<TICKER>), tickers sorted; empty when there are none. */
  byTicker: Record<string, number>;
  firstDate: string;
  lastDate: string;
}

/** The set's rows of `points` (series.arrow's rows, sorted) summed up; undefined when it has none. */
export function summarizeDateSet(points: readonly SeriesPoint[], set: string): DateSetSummary | undefined {
  const rows = points.filter((p) => inDateSet(p.name, set));
  const span = dateSpan(rows.map((p) => p.date));
  if (!span) return undefined;
  let everyTicker = 0;
  const byTicker: Record<string, number> = {};
  for (const p of rows) {
    const { ticker } = dateSetOf(p.name);
    if (ticker === null) everyTicker++;
    else byTicker[ticker] = (byTicker[ticker] ?? 0) + 1;
  }
  return { name: set, everyTicker, byTicker, firstDate: span.first, lastDate: span.last };
}

/**
 * The date sets among `points` (series.arrow's rows, sorted): each group of series NAME and NAME.<…>
 * whose rows all hold the value 1, by name; and the names of the other series, sorted.
 */
export function findDateSets(points: readonly SeriesPoint[]): { dateSets: DateSetSummary[]; series: string[] } {
  const groups = new Map<string, { names: Set<string>; allOnes: boolean }>();
  for (const p of points) {
    const { set } = dateSetOf(p.name);
    const group = groups.get(set) ?? { names: new Set<string>(), allOnes: DATE_SET_NAME_PATTERN.test(set) };
    group.names.add(p.name);
    if (p.value !== DATE_SET_VALUE) group.allOnes = false;
    groups.set(set, group);
  }
  const dateSets: DateSetSummary[] = [];
  const series: string[] = [];
  for (const [set, group] of [...groups].sort(([a], [b]) => byCodeUnit(a, b))) {
    if (group.allOnes) dateSets.push(summarizeDateSet(points, set)!);
    else series.push(...group.names);
  }
  return { dateSets, series: series.sort(byCodeUnit) };
}

/** `every ticker 8, AAA 3, BBB 1`: how many days a set lists for every ticker (when any) and for each ticker. */
export function describeDateSet(s: Pick<DateSetSummary, "everyTicker" | "byTicker">): string {
  const counts: [string, number][] = [...(s.everyTicker > 0 ? [["every ticker", s.everyTicker] as [string, number]] : []), ...Object.entries(s.byTicker)];
  return counts.map(([who, n]) => `${who} ${n.toLocaleString("en-US")}`).join(", ");
}
