// Dates travel as days since 1970-01-01 (Arrow Date32), computed in UTC so no time zone can shift them.

const MS_PER_DAY = 86_400_000;

/** Days since the epoch for a calendar date. */
export function daysFromYmd(year: number, month: number, day: number): number {
  if (year >= 0 && year < 100) {
    // Date.UTC reads the years 0–99 as 1900–1999.
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    return Math.round(date.getTime() / MS_PER_DAY);
  }
  return Math.round(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

/** Parses `YYYY-MM-DD`; throws a message naming the bad value. */
export function parseIsoDate(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`expected a date as YYYY-MM-DD, got "${text}"`);
  return checkedDays(Number(m[1]), Number(m[2]), Number(m[3]), text);
}

/** Parses ORATS' `M/D/YYYY` (also accepts `YYYY-MM-DD`); returns undefined when the text is not a date. */
export function parseOratsDate(text: string): number | undefined {
  const t = text.trim();
  let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  if (m) return tryDays(Number(m[3]), Number(m[1]), Number(m[2]));
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (m) return tryDays(Number(m[1]), Number(m[2]), Number(m[3]));
  return undefined;
}

function tryDays(y: number, mo: number, d: number): number | undefined {
  const days = daysFromYmd(y, mo, d);
  const back = new Date(days * MS_PER_DAY);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() + 1 !== mo || back.getUTCDate() !== d) return undefined;
  return days;
}

function checkedDays(y: number, mo: number, d: number, text: string): number {
  const days = tryDays(y, mo, d);
  if (days === undefined) throw new Error(`"${text}" is not a calendar date`);
  return days;
}

/** `YYYY-MM-DD` for days since the epoch. */
export function isoFromDays(days: number): string {
  return new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
}

export function yearOfDays(days: number): number {
  return new Date(days * MS_PER_DAY).getUTCFullYear();
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOfDays(days: number): number {
  return new Date(days * MS_PER_DAY).getUTCDay();
}
