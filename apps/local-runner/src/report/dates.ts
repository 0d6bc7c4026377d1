// Arrow Date32 values surface as epoch milliseconds (apache-arrow 21) or as Date objects (older
// releases and some accessors); everything in the report works in UTC epoch milliseconds.

/** Epoch milliseconds (UTC midnight for a Date32) of an Arrow date value; NaN when it is not a date. */
export function toEpochMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return Number.NaN;
}

/** `YYYY-MM-DD` of an epoch-millisecond instant, in UTC. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` of an epoch-millisecond instant, or a dash when it is not a date. */
export function dayText(ms: number): string {
  return Number.isFinite(ms) ? isoDay(ms) : "—";
}
