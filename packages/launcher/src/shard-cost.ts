// What a finished sweep actually cost, shard by shard (docs/sweeps.md "cost"): every attempt of
// every shard that the launch record (or ECS, or AWS Batch) knows the start and stop of, billed as
// Fargate bills, at the size the shards ran at; and the `cost` field added to a fetched sweep.json
// without touching a byte of what the engine wrote. Pure.
import { billedSeconds, hourlyRate } from "./cost.js";
import { InputError } from "./errors.js";
import { FARGATE_PRICES, PRICE_LIST, SPOT_DISCOUNT } from "./prices.js";
import type { AttemptRecord } from "./s3.js";
import type { TaskSize } from "./sizes.js";
import { shardName } from "./sweep-plan.js";

/** How an attempt's seconds were found. */
export type CostBasis =
  /** ECS: from the task's image pull (else its start) to its stop, as Fargate bills. */
  | "task-times"
  /** AWS Batch: from each of the job's attempts' start to its stop (the image pull is not reported). */
  | "job-times"
  /** The shard's own sweep.json `wall_seconds`: the engine's time only, a lower bound. */
  | "engine-wall-time";

/** One billed attempt (a task, a Batch job, or one of a Batch job's own retries). */
export interface AttemptCost {
  attempt: number;
  /** The task ARN or Batch job id. */
  id?: string;
  basis: CostBasis;
  from?: string;
  to?: string;
  seconds: number;
  billed_seconds: number;
  usd: number;
}

export interface ShardCost {
  shard: number;
  vcpu: number;
  memory_gib: number;
  ephemeral_gib: number;
  /** Fargate Spot or not; `null` on AWS Batch, whose job queue chose (Spot first, then on demand). */
  spot: boolean | null;
  attempts: AttemptCost[];
  seconds: number;
  billed_seconds: number;
  /** At Spot when `spot`, else on demand (on Batch: on demand, an upper bound). */
  usd: number;
  /** On Batch: the same seconds at the Spot price. */
  usd_spot?: number;
  /** Attempts that could not be counted, and why. */
  notes?: string[];
}

/** The `cost` field of a fetched sweep's sweep.json. */
export interface SweepCost {
  currency: string;
  region: string;
  platform: string;
  /** The date of the price list (prices.ts). */
  prices_dated: string;
  spot_discount: number;
  lane: "fargate" | "batch";
  /** Every attempt counted from the service's own times; false: some were missing or wrong (see notes), and the total is a lower bound. */
  complete: boolean;
  shards: ShardCost[];
  billed_seconds: number;
  total_usd: number;
  /** On Batch: the total had every shard run on Spot. */
  total_usd_spot?: number;
  notes: string[];
}

export interface SweepCostInput {
  lane: "fargate" | "batch";
  /** The shards' size (the launch record's). */
  size: TaskSize;
  /** Fargate Spot (the launch record's `spot`); ignored on Batch. */
  spot: boolean;
  /** K. */
  shards: number;
  /** Every attempt of the sweep, with the times the services report. */
  attempts: readonly AttemptRecord[];
  /** Shard → its sweep.json `wall_seconds`, for a last attempt whose times are gone. */
  wallSeconds?: ReadonlyMap<number, number>;
  /** The EBS snapshot the shards attached (the launch record's `snapshotId`): its volumes bill apart. */
  snapshotId?: string;
}

type Interval = { from?: string; to?: string };

/** Seconds from `from` to `to` (ISO times); throws a message for the notes when they cannot be read or run backwards. */
export function intervalSeconds(from: string, to: string): number {
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (Number.isNaN(a)) throw new InputError(`start time ${JSON.stringify(from)} is not a time`);
  if (Number.isNaN(b)) throw new InputError(`stop time ${JSON.stringify(to)} is not a time`);
  if (b < a) throw new InputError(`stops (${to}) before it starts (${from}): a negative duration`);
  return (b - a) / 1000;
}

/** What an attempt was billed for: one interval (an ECS task, a Batch job), or each of a Batch job's own attempts. */
function intervals(a: AttemptRecord, lane: "fargate" | "batch"): Interval[] {
  if (lane === "batch") {
    if (a.jobAttempts && a.jobAttempts.length > 0) return a.jobAttempts.map((t) => ({ ...(t.startedAt && { from: t.startedAt }), ...(t.stoppedAt && { to: t.stoppedAt }) }));
    return [{ ...(a.startedAt && { from: a.startedAt }), ...(a.stoppedAt && { to: a.stoppedAt }) }];
  }
  const from = a.pullStartedAt ?? a.startedAt;
  return [{ ...(from && { from }), ...(a.stoppedAt && { to: a.stoppedAt }) }];
}

function label(a: AttemptRecord): string {
  const id = a.jobId ?? a.taskArn;
  return `attempt ${a.attempt}${id ? ` (${id})` : ""}`;
}

/**
 * The cost of every shard from its attempts: each attempt with a start and a stop is billed (per
 * second, a minute at least; a retried shard pays every attempt), at the record's size, at Spot or
 * on demand; on Batch on demand with the Spot figure beside it. An attempt refused at start, or
 * stopped before it started, bills nothing. A shard's last attempt without its times is counted at
 * the shard's sweep.json `wall_seconds` when known (a lower bound); any other attempt without
 * times, or with times that cannot be read or run backwards, is left out and named in the notes,
 * and the cost is marked incomplete.
 */
export function sweepCost(input: SweepCostInput): SweepCost {
  if (!Number.isInteger(input.shards) || input.shards < 1) throw new InputError(`a sweep's cost needs its shards: got ${input.shards}`);
  const batch = input.lane === "batch";
  const spot = batch ? null : input.spot;
  const onDemand = hourlyRate(input.size, false).total;
  const spotRate = hourlyRate(input.size, true).total;
  const rate = spot ? spotRate : onDemand;
  const notes: string[] = [];
  let complete = true;
  const shards: ShardCost[] = [];
  for (let shard = 0; shard < input.shards; shard++) {
    const mine = input.attempts.filter((a) => a.shard === shard);
    const last = mine.at(-1);
    const counted: AttemptCost[] = [];
    const problems: string[] = [];
    const bill = (attempt: AttemptRecord, basis: CostBasis, seconds: number, span: Interval) => {
      const billed = billedSeconds(seconds);
      const id = attempt.jobId ?? attempt.taskArn;
      counted.push({ attempt: attempt.attempt, ...(id && { id }), basis, ...span, seconds, billed_seconds: billed, usd: (rate * billed) / 3600 });
    };
    for (const a of mine) {
      if (!a.taskArn && !a.jobId) continue; // refused at start: no task, nothing billed
      for (const span of intervals(a, input.lane)) {
        if (span.to !== undefined && span.from === undefined) continue; // stopped before it started: nothing billed
        if (span.from !== undefined && span.to !== undefined) {
          try {
            bill(a, batch ? "job-times" : "task-times", intervalSeconds(span.from, span.to), span);
          } catch (err) {
            problems.push(`${label(a)} ${(err as Error).message}: not counted`);
          }
          continue;
        }
        const wall = input.wallSeconds?.get(shard);
        if (a === last && wall !== undefined && Number.isFinite(wall) && wall >= 0) {
          bill(a, "engine-wall-time", wall, {});
          problems.push(`${label(a)} has no stop time (the service no longer knows it): counted at the shard's wall_seconds, ${wall} s, a lower bound`);
        } else {
          problems.push(`${label(a)} has no ${span.from === undefined ? "start or stop" : "stop"} time (still running, or the service no longer knows it): not counted`);
        }
      }
    }
    if (mine.length === 0) {
      const wall = input.wallSeconds?.get(shard);
      if (wall !== undefined && Number.isFinite(wall) && wall >= 0) {
        const billed = billedSeconds(wall);
        counted.push({ attempt: 0, basis: "engine-wall-time", seconds: wall, billed_seconds: billed, usd: (rate * billed) / 3600 });
        problems.push(`no attempt recorded: counted at the shard's wall_seconds, ${wall} s, a lower bound`);
      } else {
        problems.push("no attempt recorded and no wall_seconds: not counted");
      }
    }
    if (problems.length > 0) {
      complete = false;
      for (const p of problems) notes.push(`shard ${shardName(shard)}: ${p}`);
    }
    const billed = counted.reduce((s, c) => s + c.billed_seconds, 0);
    shards.push({
      shard,
      vcpu: input.size.vcpu,
      memory_gib: input.size.memoryGb,
      ephemeral_gib: input.size.ephemeralGiB,
      spot,
      attempts: counted,
      seconds: counted.reduce((s, c) => s + c.seconds, 0),
      billed_seconds: billed,
      usd: counted.reduce((s, c) => s + c.usd, 0),
      ...(batch && { usd_spot: (spotRate * billed) / 3600 }),
      ...(problems.length > 0 && { notes: problems }),
    });
  }
  if (batch) notes.push("AWS Batch: the job queue places jobs on Fargate Spot first, then on demand, and does not say which ran a job: usd is on demand (an upper bound), usd_spot at Spot; the job times leave out the image pull; ephemeral storage is the job definition's");
  else if (spot) notes.push(`Fargate Spot at the assumed discount (${SPOT_DISCOUNT * 100}%); the real Spot price varies`);
  if (input.snapshotId !== undefined) notes.push(`each task's EBS volume from ${input.snapshotId} bills apart (gp3 GB-month for the task's life) and is not counted here`);
  return {
    currency: PRICE_LIST.currency,
    region: PRICE_LIST.region,
    platform: FARGATE_PRICES.platform,
    prices_dated: PRICE_LIST.dated,
    spot_discount: SPOT_DISCOUNT,
    lane: input.lane,
    complete,
    shards,
    billed_seconds: shards.reduce((s, c) => s + c.billed_seconds, 0),
    total_usd: shards.reduce((s, c) => s + c.usd, 0),
    ...(batch && { total_usd_spot: shards.reduce((s, c) => s + (c.usd_spot ?? 0), 0) }),
    notes,
  };
}

/**
 * `text` (a sweep.json as the engine wrote it: pretty JSON, an object) with `"cost": …` added as its
 * last field, in the same layout; every byte before the closing brace is kept. Refuses a text that is
 * not a JSON object, or already has a `cost`.
 */
export function withCostField(text: string, cost: SweepCost, source = "sweep.json"): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${source}: not valid JSON (${(err as Error).message}), so its cost cannot be added`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new InputError(`${source}: not a JSON object, so its cost cannot be added`);
  if (Object.prototype.hasOwnProperty.call(doc, "cost")) throw new InputError(`${source}: already has a cost field`);
  const close = text.lastIndexOf("}");
  const body = text.slice(0, close).replace(/\s+$/, "");
  const value = JSON.stringify(cost, null, 2).replace(/\n/g, "\n  ");
  const sep = Object.keys(doc).length > 0 ? "," : "";
  return `${body}${sep}\n  "cost": ${value}\n}${text.slice(close + 1)}`;
}

/** What `fetch` (and `sweep --wait`) print of a sweep's cost: one line, then its notes; `notWritten` says why sweep.json lacks it. */
export function formatSweepCost(cost: SweepCost, notWritten?: string): string[] {
  const usd = (n: number) => `$${n.toFixed(4)}`;
  const attempts = cost.shards.reduce((s, c) => s + c.attempts.length, 0);
  const price = cost.lane === "batch" ? `${usd(cost.total_usd)} on demand, ${usd(cost.total_usd_spot ?? 0)} on Spot` : `${usd(cost.total_usd)}${cost.shards[0]?.spot ? " on Spot" : ""}`;
  return [
    `cost ~${price} for ${cost.shards.length} shard${cost.shards.length === 1 ? "" : "s"} (${attempts} billed attempt${attempts === 1 ? "" : "s"}, ${cost.billed_seconds.toLocaleString("en-US")} s)${cost.complete ? "" : ", incomplete: a lower bound"}; ${notWritten === undefined ? "written to sweep.json as cost" : `not written: ${notWritten}`}`,
    ...cost.notes.map((n) => `  note: ${n}`),
  ];
}
