// Which expirations are listed on a trade date.
//
// Choices: standard monthlies expire on the third Friday of the month, weeklies on every other
// Friday; an expiration that falls on an exchange holiday moves back to the business day before
// (Good Friday → Thursday). A trade date lists the weeklies within `weeklyDays` calendar days, the
// monthlies within `monthlyDays` and the December monthlies within `decemberDays` (long-dated,
// LEAPS-like). Expirations are strictly after the trade date: no 0-DTE rows.
import { FRIDAY, nthWeekday, onOrBeforeBusinessDay } from "./calendar.js";
import { weekdayOfDays } from "../dates.js";

export interface ExpirationRules {
  /** List weekly (non-monthly Friday) expirations up to this many calendar days out. */
  weeklyDays: number;
  /** List third-Friday monthlies up to this many calendar days out. */
  monthlyDays: number;
  /** List December monthlies up to this many calendar days out (0: none beyond `monthlyDays`). */
  decemberDays: number;
}

/** The standard monthly expiration of a month: third Friday, or the business day before if a holiday. */
export function monthlyExpiration(year: number, month: number): number {
  return onOrBeforeBusinessDay(nthWeekday(year, month, FRIDAY, 3));
}

const WEEKLY = 1;
const MONTHLY = 2;
const DECEMBER = 4;

/**
 * Expiration dates by kind over a span of trade dates, precomputed once so that each trade date's
 * list is a scan of a short sorted window.
 */
export class ExpirationSchedule {
  private readonly dates: Int32Array;
  private readonly kinds: Uint8Array;
  private readonly horizon: number;

  constructor(
    readonly rules: ExpirationRules,
    firstTradeDay: number,
    lastTradeDay: number,
  ) {
    this.horizon = Math.max(rules.weeklyDays, rules.monthlyDays, rules.decemberDays);
    const byDate = new Map<number, number>();
    const add = (d: number, kind: number) => byDate.set(d, (byDate.get(d) ?? 0) | kind);
    const until = lastTradeDay + this.horizon + 7;
    // Every Friday from the first trade date's week on.
    let friday = firstTradeDay + ((FRIDAY - weekdayOfDays(firstTradeDay) + 7) % 7);
    for (; friday <= until; friday += 7) add(onOrBeforeBusinessDay(friday), WEEKLY);
    const first = new Date(firstTradeDay * 86_400_000);
    let year = first.getUTCFullYear();
    let month = first.getUTCMonth() + 1;
    for (;;) {
      const third = nthWeekday(year, month, FRIDAY, 3);
      if (third > until) break;
      add(onOrBeforeBusinessDay(third), MONTHLY | (month === 12 ? DECEMBER : 0));
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
    }
    const sorted = [...byDate.keys()].sort((a, b) => a - b);
    this.dates = Int32Array.from(sorted);
    this.kinds = Uint8Array.from(sorted.map((d) => byDate.get(d)!));
  }

  /** The expirations listed on `tradeDay`, ascending; each strictly after it. */
  listedOn(tradeDay: number): number[] {
    const out: number[] = [];
    const { weeklyDays, monthlyDays, decemberDays } = this.rules;
    // Binary search for the first date after the trade date.
    let lo = 0;
    let hi = this.dates.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.dates[mid]! <= tradeDay) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.dates.length; i++) {
      const d = this.dates[i]!;
      const dte = d - tradeDay;
      if (dte > this.horizon) break;
      const kind = this.kinds[i]!;
      if (
        dte <= weeklyDays ||
        (kind & MONTHLY && dte <= monthlyDays) ||
        (kind & DECEMBER && dte <= decemberDays)
      ) {
        out.push(d);
      }
    }
    return out;
  }
}
