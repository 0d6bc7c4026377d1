// Quarterly ex-dividend dates of an equity-like ticker.
//
// Choices: each ticker pays every calendar quarter; its ex-date is the first business day on or
// after the quarter's first day plus the ticker's own offset (drawn once, from its parameter stream:
// 15–75 calendar days, so from mid first month to mid third month, like real payers' fixed
// schedules). The amount is the dividend yield (the chain's divRate) times the close of the trading
// day before the ex-date, over four, rounded to the cent — so the four payments of a year add up to
// about the yield the option prices assume. A quarter whose amount rounds to $0.00 pays nothing. The
// underlying path itself is not moved on ex-dates (its drift already takes out the yield
// continuously), so partitions are the same with or without these events.
import { daysFromYmd, yearOfDays } from "../dates.js";
import { isBusinessDay } from "./calendar.js";

export interface DividendParams {
  /** Calendar days from a quarter's first day to its ex-date (then on to a business day). */
  quarterDayOffset: number;
}

export const MIN_QUARTER_DAY_OFFSET = 15;
export const MAX_QUARTER_DAY_OFFSET = 75;

/** The offset for a uniform draw `u` in [0, 1). */
export function quarterDayOffset(u: number): number {
  return MIN_QUARTER_DAY_OFFSET + Math.floor(u * (MAX_QUARTER_DAY_OFFSET - MIN_QUARTER_DAY_OFFSET + 1));
}

/**
 * Indices into `days` (the dataset's trading days, ascending) of the ex-dates: one per calendar
 * quarter, each after the first trading day (its amount needs the previous close) and not after the
 * last.
 */
export function exDividendIndices(p: DividendParams, days: readonly number[]): number[] {
  const first = days[0];
  const last = days[days.length - 1];
  if (first === undefined || last === undefined) return [];
  const index = new Map(days.map((d, i) => [d, i]));
  const out: number[] = [];
  for (let year = yearOfDays(first); year <= yearOfDays(last); year++) {
    for (let month = 1; month <= 10; month += 3) {
      let ex = daysFromYmd(year, month, 1) + p.quarterDayOffset;
      while (!isBusinessDay(ex)) ex++;
      const i = index.get(ex);
      if (i !== undefined && i > 0) out.push(i);
    }
  }
  return out;
}

/** Dividend per share: yield × previous close / 4, rounded to the cent (0 when it rounds to nothing). */
export function quarterlyDividend(divYield: number, previousClose: number): number {
  return Math.round(((divYield * previousClose) / 4) * 100) / 100;
}
