// NYSE-style trading days, computed by rule (no holiday tables to maintain).
//
// Choices: weekends and the exchange's regular holidays: New Year's Day, Martin Luther King Jr. Day
// (third Monday of January), Washington's Birthday (third Monday of February), Good Friday (Easter
// by the anonymous Gregorian computus), Memorial Day (last Monday of May), Juneteenth (from 2022),
// Independence Day, Labor Day (first Monday of September), Thanksgiving (fourth Thursday of
// November), Christmas. A fixed-date holiday on a Saturday is observed the Friday before, on a
// Sunday the Monday after, except New Year's Day on a Saturday, which is not observed (the exchange
// trades on Dec 31). The current rules are applied to every year; the unscheduled closures since
// 1990 (national days of mourning, 9/11, Hurricane Sandy) are listed so that synthetic trade dates
// line up with real ORATS history. Early closes are trading days.
import { daysFromYmd, parseIsoDate, weekdayOfDays } from "../dates.js";

const SATURDAY = 6;
const SUNDAY = 0;
const MONDAY = 1;
const THURSDAY = 4;
export const FRIDAY = 5;

/** Unscheduled full-day closures (a demanding backtest wants the real trading dates). */
const SPECIAL_CLOSURES = [
  "1994-04-27", // President Nixon's funeral
  "2001-09-11", // September 11
  "2001-09-12",
  "2001-09-13",
  "2001-09-14",
  "2004-06-11", // President Reagan's funeral
  "2007-01-02", // President Ford's funeral
  "2012-10-29", // Hurricane Sandy
  "2012-10-30",
  "2018-12-05", // President G. H. W. Bush's funeral
  "2025-01-09", // President Carter's funeral
].map(parseIsoDate);

/** Day of the week, 0 = Sunday … 6 = Saturday. */
export function weekday(days: number): number {
  return weekdayOfDays(days);
}

/** The n-th (1-based) given weekday of a month. */
export function nthWeekday(year: number, month: number, dow: number, n: number): number {
  const first = daysFromYmd(year, month, 1);
  return first + ((dow - weekday(first) + 7) % 7) + 7 * (n - 1);
}

/** The last given weekday of a month. */
export function lastWeekday(year: number, month: number, dow: number): number {
  const last = daysFromYmd(year, month + 1, 0);
  return last - ((weekday(last) - dow + 7) % 7);
}

/** Easter Sunday (Gregorian), by the anonymous "Meeus/Jones/Butcher" computus. */
export function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return daysFromYmd(year, month, day);
}

/** A fixed-date holiday moved off the weekend (Saturday → Friday, Sunday → Monday). */
function observed(days: number): number {
  const dow = weekday(days);
  if (dow === SATURDAY) return days - 1;
  if (dow === SUNDAY) return days + 1;
  return days;
}

const holidayCache = new Map<number, ReadonlySet<number>>();

/** The exchange holidays (weekdays only) that fall in `year`. */
export function holidaysOfYear(year: number): ReadonlySet<number> {
  const cached = holidayCache.get(year);
  if (cached) return cached;
  const days: number[] = [];
  const newYear = daysFromYmd(year, 1, 1);
  if (weekday(newYear) !== SATURDAY) days.push(observed(newYear));
  days.push(nthWeekday(year, 1, MONDAY, 3));
  days.push(nthWeekday(year, 2, MONDAY, 3));
  days.push(easterSunday(year) - 2);
  days.push(lastWeekday(year, 5, MONDAY));
  if (year >= 2022) days.push(observed(daysFromYmd(year, 6, 19)));
  days.push(observed(daysFromYmd(year, 7, 4)));
  days.push(nthWeekday(year, 9, MONDAY, 1));
  days.push(nthWeekday(year, 11, THURSDAY, 4));
  days.push(observed(daysFromYmd(year, 12, 25)));
  const lo = daysFromYmd(year, 1, 1);
  const hi = daysFromYmd(year, 12, 31);
  for (const d of SPECIAL_CLOSURES) if (d >= lo && d <= hi) days.push(d);
  const set = new Set(days);
  holidayCache.set(year, set);
  return set;
}

function yearOf(days: number): number {
  return new Date(days * 86_400_000).getUTCFullYear();
}

export function isHoliday(days: number): boolean {
  return holidaysOfYear(yearOf(days)).has(days);
}

/** A weekday on which the exchange is open. */
export function isBusinessDay(days: number): boolean {
  const dow = weekday(days);
  return dow !== SATURDAY && dow !== SUNDAY && !isHoliday(days);
}

/** `days` itself if the exchange is open, else the closest earlier business day. */
export function onOrBeforeBusinessDay(days: number): number {
  let d = days;
  while (!isBusinessDay(d)) d--;
  return d;
}

/** Exchange business days in [startDays, endDays], ascending. */
export function tradingDays(startDays: number, endDays: number): number[] {
  const out: number[] = [];
  for (let d = startDays; d <= endDays; d++) if (isBusinessDay(d)) out.push(d);
  return out;
}
