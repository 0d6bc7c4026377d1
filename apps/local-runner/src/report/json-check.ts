// Small checks of parsed JSON against a file contract, each throwing a message that names the field.

export type Json = Record<string, unknown>;

export function object(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${what} should be an object, found ${describe(value)}`);
  return value as Json;
}

export function array(parent: Json, key: string, path = ""): unknown[] {
  const value = parent[key];
  if (!Array.isArray(value)) throw new Error(`\`${path}${key}\` should be an array, found ${describe(value)}`);
  return value;
}

export function string(parent: Json, key: string, path = ""): void {
  if (typeof parent[key] !== "string") throw new Error(`\`${path}${key}\` should be a string, found ${describe(parent[key])}`);
}

export function number(parent: Json, key: string, path = ""): void {
  if (typeof parent[key] !== "number") throw new Error(`\`${path}${key}\` should be a number, found ${describe(parent[key])}`);
}

/** How a value reads in a message: "nothing", "null", "an array" or its typeof. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : typeof value;
}

export function nullableNumber(parent: Json, key: string, path = ""): void {
  const value = parent[key];
  if (value !== null && typeof value !== "number") throw new Error(`\`${path}${key}\` should be a number or null, found ${describe(value)}`);
}

/** A finite number (JSON's 1e999 parses to Infinity); returns it. */
export function finiteNumber(parent: Json, key: string, path = ""): number {
  const value = parent[key];
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`\`${path}${key}\` should be a finite number, found ${typeof value === "number" ? String(value) : describe(value)}`);
  }
  return value;
}

/** A whole number of at least `min` (a count, an index); returns it. */
export function wholeNumber(parent: Json, key: string, path = "", min = 0): number {
  const value = finiteNumber(parent, key, path);
  if (!Number.isInteger(value) || value < min) throw new Error(`\`${path}${key}\` should be a whole number of at least ${min}, found ${value}`);
  return value;
}

/** A finite number or null; returns it. */
export function nullableFinite(parent: Json, key: string, path = ""): number | null {
  const value = parent[key];
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`\`${path}${key}\` should be a finite number or null, found ${typeof value === "number" ? String(value) : describe(value)}`);
  }
  return value;
}

/** A string or null; returns it. */
export function nullableString(parent: Json, key: string, path = ""): string | null {
  const value = parent[key];
  if (value !== null && typeof value !== "string") throw new Error(`\`${path}${key}\` should be a string or null, found ${describe(value)}`);
  return value;
}

/** One of `allowed` (strings); returns it. */
export function oneOf<T extends string>(parent: Json, key: string, allowed: readonly T[], path = ""): T {
  const value = parent[key];
  if (!allowed.includes(value as T)) {
    throw new Error(`\`${path}${key}\` should be one of ${allowed.join(", ")}, found ${typeof value === "string" ? JSON.stringify(value) : describe(value)}`);
  }
  return value as T;
}

/** A probability, a finite number in [0, 1]; returns it. */
export function probability(parent: Json, key: string, path = ""): number {
  const value = finiteNumber(parent, key, path);
  if (value < 0 || value > 1) throw new Error(`\`${path}${key}\` should be in [0, 1], found ${value}`);
  return value;
}

/** A calendar day `YYYY-MM-DD` that exists; returns it. */
export function isoDate(parent: Json, key: string, path = ""): string {
  const value = parent[key];
  const ms = typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new Error(`\`${path}${key}\` should be a date YYYY-MM-DD, found ${typeof value === "string" ? JSON.stringify(value) : describe(value)}`);
  }
  return value;
}
