// The typed shapes of a sweep's sweep.json and cscv.json (docs/sweeps.md) and the runtime check of
// each as read from disk. The types come from the engine; the checks cover what the sweep report
// reads, other fields pass through untouched.
import type { CscvReport, CscvSpec, SweepInfo } from "@aegis-bt/engine";
import { array, describe, number, object, string, type Json } from "./json-check.js";

export type { CscvReport, SweepInfo };

/** The metric CSCV ranks points by. */
export type CscvMetric = CscvSpec["metric"];

export const CSCV_METRICS: readonly CscvMetric[] = ["sharpe", "mean", "total_return"];

/** Checks parsed sweep.json; throws describing the first problem. */
export function parseSweepInfo(value: unknown): SweepInfo {
  const root = object(value, "the document");
  string(root, "scenario");
  number(root, "points_total");
  number(root, "trading_days");
  const paths = array(root, "paths");
  paths.forEach((p, i) => {
    if (typeof p !== "string") throw new Error(`\`paths[${i}]\` should be a string, found ${describe(p)}`);
  });
  array(root, "points");
  if (root["cscv"] !== null) {
    const cscv = object(root["cscv"], "`cscv`");
    number(cscv, "partitions", "cscv.");
    metric(cscv, "cscv.");
  }
  // The scenario's `walk_forward:` and `spa:` sections, when it has them (absent from older sweeps).
  for (const key of ["walk_forward", "spa"]) {
    if (root[key] !== undefined && root[key] !== null) object(root[key], `\`${key}\``);
  }
  // What the analyses left undone (a merge cannot rerun a walk-forward), when anything.
  if (root["notes"] !== undefined) {
    array(root, "notes").forEach((n, i) => {
      if (typeof n !== "string") throw new Error(`\`notes[${i}]\` should be a string, found ${describe(n)}`);
    });
  }
  return root as unknown as SweepInfo;
}

/** Which analyses after the points the scenario asked for, as sweep.json records them, and its notes on what they left undone. */
export function researchSections(info: SweepInfo): { walkForward: boolean; spa: boolean; notes: string[] } {
  const more = info as SweepInfo & { walk_forward?: unknown; spa?: unknown; notes?: string[] };
  return { walkForward: more.walk_forward != null, spa: more.spa != null, notes: more.notes ?? [] };
}

/** sweep.json's notes about `section` (`walk_forward`): the notes that start with its name. */
export function notesAbout(notes: readonly string[], section: string): string[] {
  return notes.filter((n) => n.startsWith(`${section}:`));
}

/** Checks parsed cscv.json; throws describing the first problem. */
export function parseCscv(value: unknown): CscvReport {
  const root = object(value, "the document");
  metric(root, "");
  for (const key of ["partitions", "n_combinations", "pbo", "prob_loss"]) number(root, key);
  const degradation = object(root["degradation"], "`degradation`");
  for (const key of ["slope", "intercept", "r2"]) number(degradation, key, "degradation.");
  const dsr = object(root["dsr"], "`dsr`");
  string(dsr, "best_column", "dsr.");
  for (const key of ["sharpe", "expected_max_sharpe", "trials", "dsr"]) number(dsr, key, "dsr.");
  const lengths = ["logits", "is_selected", "oos_selected"].map((key) => {
    const values = array(root, key);
    values.forEach((v, i) => {
      if (typeof v !== "number") throw new Error(`\`${key}[${i}]\` should be a number, found ${describe(v)}`);
    });
    return values.length;
  });
  if (lengths.some((n) => n !== root["n_combinations"])) {
    throw new Error(`\`logits\`, \`is_selected\` and \`oos_selected\` should each hold n_combinations = ${String(root["n_combinations"])} values, found ${lengths.join(", ")}`);
  }
  array(root, "points");
  return root as unknown as CscvReport;
}

function metric(parent: Json, path: string): void {
  const value = parent["metric"];
  if (!CSCV_METRICS.includes(value as CscvMetric)) {
    throw new Error(`\`${path}metric\` should be one of ${CSCV_METRICS.join(", ")}, found ${typeof value === "string" ? JSON.stringify(value) : describe(value)}`);
  }
}
