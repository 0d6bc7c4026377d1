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
