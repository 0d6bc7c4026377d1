// stats.json, which a whole sweep writes beside its tables: the plateau around the best point
// (always) and, with a `spa:` section, Hansen's SPA, White's reality check and the Romano–Wolf
// stepdown (docs/spa.md). Its typed shape (from the engine) and the runtime check of the file as
// read from disk, every field the sweep report reads named with its path when it is off-contract.
import type { SweepStats } from "@aegis-bt/engine";
import { array, describe, finiteNumber, nullableFinite, object, oneOf, probability, string, wholeNumber, type Json } from "./json-check.js";
import { CSCV_METRICS } from "./sweep-json.js";

export type { SweepStats };

export type Plateau = NonNullable<SweepStats["plateau"]>;
export type SpaReport = NonNullable<SweepStats["spa"]>;

/** Checks parsed stats.json; throws describing the first problem with the field's path. */
export function parseSweepStats(value: unknown): SweepStats {
  const root = object(value, "the document");
  if (root["plateau"] === undefined) throw new Error("`plateau` should be an object or null, found nothing");
  if (root["plateau"] !== null) checkPlateau(object(root["plateau"], "`plateau`"));
  if (root["benchmark"] !== undefined) string(root, "benchmark");
  if (root["spa"] !== undefined && root["spa"] !== null) checkSpa(object(root["spa"], "`spa`"));
  return root as unknown as SweepStats;
}

function checkPlateau(p: Json): void {
  const at = "plateau.";
  oneOf(p, "metric", CSCV_METRICS, at);
  string(p, "best_point", at);
  finiteNumber(p, "best_value", at);
  const neighbours = wholeNumber(p, "neighbours", at);
  for (const key of ["mean", "min", "within_10pct"]) {
    const v = nullableFinite(p, key, at);
    if ((v === null) !== (neighbours === 0)) {
      throw new Error(`\`${at}${key}\` should be ${neighbours === 0 ? "null without neighbours" : `a number over the ${neighbours} neighbours`}, found ${v === null ? "null" : String(v)}`);
    }
  }
  if (p["within_10pct"] !== null) probability(p, "within_10pct", at);
}

function checkSpa(s: Json): void {
  const at = "spa.";
  string(s, "benchmark", at);
  wholeNumber(s, "models", at, 1);
  wholeNumber(s, "days", at, 1);
  wholeNumber(s, "bootstrap", at, 1);
  if (finiteNumber(s, "block", at) < 1) throw new Error(`\`${at}block\` should be at least 1, found ${String(s["block"])}`);
  wholeNumber(s, "seed", at);
  finiteNumber(s, "statistic", at);
  string(s, "best", at);
  const pvalues = object(s["spa"], `\`${at}spa\``);
  for (const key of ["lower", "consistent", "upper"]) probability(pvalues, key, `${at}spa.`);
  probability(s, "reality_check", at);
  array(s, "stepdown", at).forEach((entry, i) => {
    const path = `${at}stepdown[${i}]`;
    const step = object(entry, `\`${path}\``);
    const level = finiteNumber(step, "level", `${path}.`);
    if (!(level > 0 && level < 1)) throw new Error(`\`${path}.level\` should be a fraction in (0, 1), found ${level}`);
    array(step, "better", `${path}.`).forEach((id, k) => {
      if (typeof id !== "string") throw new Error(`\`${path}.better[${k}]\` should be a point id (a string), found ${describe(id)}`);
    });
    array(step, "critical_values", `${path}.`).forEach((v, k) => {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`\`${path}.critical_values[${k}]\` should be a finite number, found ${typeof v === "number" ? String(v) : describe(v)}`);
    });
  });
}
