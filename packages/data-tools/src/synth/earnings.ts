// Quarterly earnings of an equity-like ticker: the dates, the move on the reaction day and the
// variance the surface prices in before it.
//
// Choices:
// - Dates: one report per calendar quarter, on the first business day on or after the quarter's
//   first day plus the ticker's own offset (drawn once, from its parameter stream: 18–50 calendar
//   days, so 3–7 weeks into the quarter, when companies report the quarter just ended). A ticker
//   reports before the open (`bmo`) or after the close (`amc`), the same way every quarter.
// - Reaction day: the first close that knows the result — the report's own day for `bmo`, the next
//   trading day for `amc` (the engine's rule too). A report whose date or reaction day is outside
//   the data is left out.
// - The move: on stepping into the reaction day the log price takes a shock moveSd·Z − moveSd²/2
//   (Z standard normal, from its own stream, so the path's own draws are unchanged; the −moveSd²/2
//   keeps the expected price where it was).
// - The surface: the expected move adds its variance moveSd² to the total variance of every expiry
//   that spans the next reaction day, so its ATM vol is √(σ² + moveSd²/T). As T shrinks toward the
//   report the front expiry's implied vol climbs (the run-up); from the reaction day on the event is
//   gone from every expiry (the crush). Only the next report is priced in: the one after it is a
//   quarter away, where its variance would add little to the longer expiries' total.
import { daysFromYmd, yearOfDays } from "../dates.js";
import { isBusinessDay } from "./calendar.js";

export interface EarningsParams {
  /** Calendar days from a quarter's first day to its earnings date (then on to a business day). */
  dayOffset: number;
  /** Reports after the close (`amc`) rather than before the open (`bmo`). */
  afterClose: boolean;
  /** Standard deviation of the log move on the reaction day. */
  moveSd: number;
}

export const MIN_EARNINGS_DAY_OFFSET = 18;
export const MAX_EARNINGS_DAY_OFFSET = 50;

/** The offset for a uniform draw `u` in [0, 1). */
export function earningsDayOffset(u: number): number {
  return MIN_EARNINGS_DAY_OFFSET + Math.floor(u * (MAX_EARNINGS_DAY_OFFSET - MIN_EARNINGS_DAY_OFFSET + 1));
}

/** One report, as indices into the dataset's trading days. */
export interface EarningsDate {
  /** The earnings date (the `date` of its events.arrow row). */
  date: number;
  /** The reaction day: `date` for bmo, the next trading day for amc. */
  reaction: number;
}

/** The index of the reaction day of a report on `dateIndex`. */
export function reactionIndex(dateIndex: number, afterClose: boolean): number {
  return afterClose ? dateIndex + 1 : dateIndex;
}

/**
 * The reports inside `days` (the dataset's trading days, ascending), one per calendar quarter, in
 * date order; a report whose date or reaction day falls outside `days` is left out.
 */
export function earningsSchedule(p: EarningsParams, days: readonly number[]): EarningsDate[] {
  const first = days[0];
  const last = days[days.length - 1];
  if (first === undefined || last === undefined) return [];
  const index = new Map(days.map((d, i) => [d, i]));
  const out: EarningsDate[] = [];
  for (let year = yearOfDays(first); year <= yearOfDays(last); year++) {
    for (let month = 1; month <= 10; month += 3) {
      let date = daysFromYmd(year, month, 1) + p.dayOffset;
      while (!isBusinessDay(date)) date++;
      const i = index.get(date);
      if (i === undefined) continue;
      const reaction = reactionIndex(i, p.afterClose);
      if (reaction < days.length) out.push({ date: i, reaction });
    }
  }
  return out;
}

/** The next reaction day and the variance of its move, as the surface sees them. */
export interface EarningsEvent {
  /** The reaction day (days since 1970-01-01). */
  day: number;
  /** moveSd². */
  variance: number;
}

/**
 * The ATM vol of the expiry `exp` (`t` years away, base ATM vol `atm`) on `today`, with the next
 * earnings `event` priced in: √(atm² + variance/t) when the expiry spans the reaction day (today
 * before it, the expiry on or after it), else `atm`.
 */
export function withEarningsVariance(atm: number, t: number, exp: number, today: number, event: EarningsEvent | undefined): number {
  if (event === undefined || today >= event.day || exp < event.day) return atm;
  return Math.sqrt(atm * atm + event.variance / t);
}

/** The log-price shock of a reaction day for a standard normal draw `z`: moveSd·z − moveSd²/2. */
export function earningsLogMove(moveSd: number, z: number): number {
  return moveSd * z - 0.5 * moveSd * moveSd;
}
