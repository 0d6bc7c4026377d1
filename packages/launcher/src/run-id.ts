// Run ids and the RunTask identifiers derived from them (clientToken, startedBy).
import { createHash } from "node:crypto";
import { InputError } from "./errors.js";
import { shardName } from "./sweep-plan.js";

/** The longest scenario-name part of a run id, so ids stay short enough for keys and tokens. */
export const MAX_SLUG = 32;
/** RunTask `clientToken`: at most 64 characters. */
export const MAX_CLIENT_TOKEN = 64;
/** `startedBy` kept to 36 characters (the shortest limit ECS has used for it). */
export const MAX_STARTED_BY = 36;

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The scenario name as a run-id prefix: lower case, `[a-z0-9-]`, at most {@link MAX_SLUG} characters. */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_SLUG)
    .replace(/-+$/, "");
  return slug === "" ? "run" : slug;
}

function stamp(now: Date): string {
  const iso = now.toISOString(); // 2026-11-21T13:45:01.123Z, always UTC
  return `${iso.slice(0, 10).replaceAll("-", "")}-${iso.slice(11, 19).replaceAll(":", "")}`;
}

/**
 * A run id: `<scenario name slug>-<YYYYMMDD>-<HHMMSS UTC>-<6 hex of sha256(scenario text)>`, e.g.
 * `spx-short-put-45d-20261121-134501-1a2b3c`. The same scenario submitted twice in one second gets
 * the same id (and so the same clientToken: ECS starts it once).
 */
export function makeRunId(scenarioName: string, scenarioText: string, now: Date): string {
  return `${slugify(scenarioName)}-${stamp(now)}-${sha256(scenarioText).slice(0, 6)}`;
}

/**
 * A sweep's run id: `<scenario name slug>-sweep-<10 hex of sha256(scenario text, K, dataset)>`.
 * No time in it, on purpose: the same sweep launched again gets the same id, so the shards that
 * already have `_SUCCESS` are skipped rather than run twice.
 */
export function sweepRunId(scenarioName: string, scenarioText: string, shards: number, dataset?: string): string {
  const key = JSON.stringify({ scenario: scenarioText, shards, dataset: dataset ?? null });
  return `${slugify(scenarioName)}-sweep-${sha256(key).slice(0, 10)}`;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Checks a run id given on the command line (it becomes part of S3 keys). */
export function checkRunId(id: string): string {
  if (!RUN_ID.test(id) || id.includes("..")) {
    throw new InputError(`"${id}" is not a run id (letters, digits, ".", "_", "-"; e.g. spx-short-put-45d-20261121-134501-1a2b3c)`);
  }
  return id;
}

/** The UTC time in a run id made by {@link makeRunId}, if it has one. */
export function runIdTime(id: string): Date | undefined {
  const m = /-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-[0-9a-f]{6}$/.exec(id);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Shortens `text` to `max` characters by keeping a prefix and appending 8 hex of its sha256. */
function fit(text: string, max: number): string {
  if (text.length <= max) return text;
  const hash = sha256(text).slice(0, 8);
  return `${text.slice(0, max - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/**
 * RunTask's idempotency token for attempt `attempt` (1-based) of a run: `<run id>-a<attempt>`
 * (a sweep shard's: `<run id>-s<iiii>-a<attempt>`), shortened with a hash when longer than 64
 * characters. Deterministic: a retried call of the same attempt starts no second task; a new
 * attempt (after a Spot interruption) gets a new token.
 */
export function clientToken(runId: string, attempt = 1, shard?: number): string {
  if (!Number.isInteger(attempt) || attempt < 1) throw new InputError(`attempt must be a positive integer, got ${attempt}`);
  const suffix = `${shard !== undefined ? `-s${shardName(shard)}` : ""}-a${attempt}`;
  return `${fit(runId, MAX_CLIENT_TOKEN - suffix.length)}${suffix}`;
}

/** AWS Batch's limit on a job name (letters, digits, `-`, `_`). */
export const MAX_JOB_NAME = 128;

/**
 * A Batch job name: `<run id>-<label>` with anything Batch refuses turned into `_`, shortened with
 * a hash past 128 characters. Batch has no idempotency token; the name only makes jobs findable.
 */
export function batchJobName(runId: string, label: string): string {
  const suffix = `-${label}`.replace(/[^A-Za-z0-9_-]/g, "_");
  return `${fit(runId.replace(/[^A-Za-z0-9_-]/g, "_"), MAX_JOB_NAME - suffix.length)}${suffix}`;
}

/**
 * RunTask `startedBy`: the run id when it fits in 36 characters, else a prefix of it plus a hash.
 * ListTasks filters on it, so every attempt of a run shares it.
 */
export function startedBy(runId: string): string {
  return fit(runId.replace(/[^A-Za-z0-9_/-]/g, "_"), MAX_STARTED_BY);
}
