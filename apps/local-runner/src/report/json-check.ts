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
