// walk_forward.json, which a sweep writes when its scenario has a `walk_forward:` section: its
// typed shape (from the engine) and the runtime check of the file as read from disk, every field
// the sweep report reads named with its path when it is off-contract.
import type { WalkForwardFigures, WalkForwardReport, WalkForwardSpan } from "@aegis-bt/engine";
import { array, describe, isoDate, nullableFinite, nullableString, object, oneOf, wholeNumber, type Json } from "./json-check.js";

export type { WalkForwardFigures, WalkForwardReport, WalkForwardSpan };

export type WalkForwardWindow = WalkForwardReport["windows"][number];
export type WalkForwardMetric = WalkForwardReport["metric"];

export const WALK_FORWARD_SCHEMES: readonly WalkForwardReport["scheme"][] = ["rolling", "anchored"];
export const WALK_FORWARD_METRICS: readonly WalkForwardMetric[] = ["sharpe", "total_return", "calmar", "dsr"];
export const WALK_FORWARD_MODES: readonly WalkForwardReport["mode"][] = ["returns", "rerun"];

/** Checks parsed walk_forward.json; throws describing the first problem with the field's path. */
export function parseWalkForward(value: unknown): WalkForwardReport {
  const root = object(value, "the document");
  oneOf(root, "scheme", WALK_FORWARD_SCHEMES);
  wholeNumber(root, "in_sample", "", 1);
  wholeNumber(root, "out_of_sample", "", 1);
  oneOf(root, "metric", WALK_FORWARD_METRICS);
  if (root["min_trades"] !== null) wholeNumber(root, "min_trades", "", 1);
  oneOf(root, "mode", WALK_FORWARD_MODES);
  wholeNumber(root, "points", "", 1);
  const span = checkSpan(root, "span", "");
  checkFigures(root, "out_of_sample_figures", "");
  nullableFinite(root, "in_sample_cagr_mean");
  nullableFinite(root, "efficiency");
  nullableString(root, "hindsight_point");
  if (root["hindsight"] !== null) checkFigures(root, "hindsight", "", "an object or null");
  const windows = array(root, "windows");
  if (windows.length === 0) throw new Error("`windows` should hold at least one window, found none");
  let days = 0;
  windows.forEach((entry, i) => {
    const at = `windows[${i}].`;
    const w = object(entry, `\`windows[${i}]\``);
    const index = wholeNumber(w, "index", at);
    if (index !== i) throw new Error(`\`${at}index\` should be ${i} (windows in order), found ${index}`);
    checkSpan(w, "in_sample", at);
    days += checkSpan(w, "out_of_sample", at);
    const point = nullableString(w, "point", at);
    if (point === null) {
      if (w["params"] !== null && w["params"] !== undefined) object(w["params"], `\`${at}params\``);
    } else {
      object(w["params"], `\`${at}params\` (the chosen point's)`);
    }
    wholeNumber(w, "eligible", at);
    nullableFinite(w, "score", at);
    if (w["in_sample_figures"] !== null) checkFigures(w, "in_sample_figures", at, "an object or null");
    checkFigures(w, "out_of_sample_figures", at);
    nullableFinite(w, "efficiency", at);
  });
  if (days !== span) throw new Error(`\`windows\` should cover the span's ${span} out-of-sample days, their out_of_sample days add up to ${days}`);
  return root as unknown as WalkForwardReport;
}

/** Checks a span `{ first, last, days }`; returns its days. */
function checkSpan(parent: Json, key: string, at: string): number {
  const span = object(parent[key], `\`${at}${key}\``);
  const first = isoDate(span, "first", `${at}${key}.`);
  const last = isoDate(span, "last", `${at}${key}.`);
  if (last < first) throw new Error(`\`${at}${key}\` should not end (${last}) before it starts (${first})`);
  return wholeNumber(span, "days", `${at}${key}.`, 1);
}

function checkFigures(parent: Json, key: string, at: string, expected = "an object"): void {
  const value = parent[key];
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`\`${at}${key}\` should be ${expected}, found ${describe(value)}`);
  const figures = value as Json;
  const path = `${at}${key}.`;
  wholeNumber(figures, "days", path);
  for (const figure of ["total_return", "cagr", "sharpe", "max_drawdown", "calmar"]) nullableFinite(figures, figure, path);
}
