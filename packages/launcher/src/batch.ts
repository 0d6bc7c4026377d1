// AWS Batch, the sweep lane of array jobs: the SubmitJob request for a set of shards (a pure
// function of the plan), sending it within Batch's limits, and reading back what became of a job.
import {
  DescribeJobsCommand,
  SubmitJobCommand,
  type BatchClient,
  type JobDetail,
  type KeyValuePair,
  type SubmitJobCommandInput,
} from "@aws-sdk/client-batch";
import { systemClock, withRetry, type Clock } from "./backoff.js";
import type { BatchConfig } from "./config.js";
import { InputError, aws } from "./errors.js";
import { batchJobName } from "./run-id.js";
import { RateLimiter, SWEEP_COMMAND, TAG_RUN, TAG_SCENARIO, containerEnvironment, tagValue } from "./runtask.js";
import type { AttemptRecord } from "./s3.js";
import { batchResourceRequirements, type TaskSize } from "./sizes.js";
import { shardName } from "./sweep-plan.js";

/** Batch's array sizes: an array job has 2 to 10,000 children; one shard is a plain job. */
export const MIN_ARRAY_SIZE = 2;
export const MAX_ARRAY_SIZE = 10_000;
/** SubmitJob's payload limit (Batch service quotas: 30 KiB). */
export const MAX_SUBMIT_JOB_BYTES = 30 * 1024;
/** The longest AEGIS_SHARD_LIST one job carries; a longer retry list is split over several array jobs. */
export const MAX_SHARD_LIST_CHARS = 16 * 1024;
/** The SubmitJob rate this launcher keeps to (Batch allows 50 a second per account). */
export const MAX_SUBMITS_PER_SECOND = 20;
/** DescribeJobs takes at most 100 job ids a call. */
const DESCRIBE_CHUNK = 100;

const BATCH_RETRY = { attempts: 8, policy: { baseMs: 1000, maxMs: 20_000 } };

/** Everything a sweep's SubmitJob requests are made of. */
export interface BatchSweepPlan {
  runId: string;
  scenarioName: string;
  config: BatchConfig;
  size: TaskSize;
  dataset: string;
  /** K, the sweep's shard count. */
  shards: number;
}

function isEveryShard(shards: readonly number[], count: number): boolean {
  return shards.length === count && shards.every((s, i) => s === i);
}

/**
 * Splits the shards to run (ascending) into jobs: one array job for all of them, unless their
 * AEGIS_SHARD_LIST would be longer than {@link MAX_SHARD_LIST_CHARS} (a big retry), then several.
 */
export function batchJobGroups(shards: readonly number[], count: number): number[][] {
  const sorted = [...new Set(shards)].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  if (isEveryShard(sorted, count)) return [sorted];
  const groups: number[][] = [];
  let group: number[] = [];
  let chars = 0;
  for (const s of sorted) {
    const add = String(s).length + (group.length > 0 ? 1 : 0);
    if (group.length > 0 && (chars + add > MAX_SHARD_LIST_CHARS || group.length === MAX_ARRAY_SIZE)) {
      groups.push(group);
      group = [];
      chars = 0;
    }
    chars += String(s).length + (group.length > 0 ? 1 : 0);
    group.push(s);
  }
  groups.push(group);
  return groups;
}

/**
 * The SubmitJob request that runs `shards` (ascending). Several shards are one array job whose
 * child j runs shard `shards[j]`: AEGIS_SHARDS=K, plus AEGIS_SHARD_LIST unless it runs all K; one
 * shard is a plain job with AEGIS_SHARD=`i/K` (Batch refuses arrays of one). Pure.
 */
export function buildSubmitJobRequest(plan: BatchSweepPlan, shards: readonly number[], attempt: number): SubmitJobCommandInput {
  const { config, runId, shards: count } = plan;
  if (shards.length === 0) throw new InputError("a Batch job needs at least one shard");
  if (shards.length > MAX_ARRAY_SIZE) throw new InputError(`an array job has at most ${MAX_ARRAY_SIZE} children; got ${shards.length} shards`);
  const single = shards.length === 1;
  const env: Record<string, string> = {
    ...containerEnvironment(config.bucket, runId, plan.dataset),
    ...(single
      ? { AEGIS_SHARD: `${shards[0]}/${count}` }
      : { AEGIS_SHARDS: String(count), ...(!isEveryShard(shards, count) && { AEGIS_SHARD_LIST: shards.join(",") }) }),
  };
  const environment: KeyValuePair[] = Object.entries(env).map(([name, value]) => ({ name, value }));
  const request: SubmitJobCommandInput = {
    jobName: batchJobName(runId, single ? `s${shardName(shards[0] as number)}-a${attempt}` : `a${attempt}`),
    jobQueue: config.jobQueue,
    jobDefinition: config.jobDefinition,
    ...(!single && { arrayProperties: { size: shards.length } }),
    containerOverrides: {
      command: [...SWEEP_COMMAND],
      environment,
      resourceRequirements: batchResourceRequirements(plan.size),
    },
    tags: { [TAG_RUN]: tagValue(runId), [TAG_SCENARIO]: tagValue(plan.scenarioName) },
    propagateTags: true,
  };
  const bytes = Buffer.byteLength(JSON.stringify(request), "utf8");
  if (bytes > MAX_SUBMIT_JOB_BYTES) {
    throw new InputError(`the SubmitJob request would be ${bytes} bytes; Batch allows ${MAX_SUBMIT_JOB_BYTES} (30 KiB): shorten the bucket, dataset or run names`);
  }
  return request;
}

/** A submitted job: its id and, for an array job, the id of each child in order (`<id>:<j>`). */
export interface SubmittedJob {
  request: SubmitJobCommandInput;
  jobId: string;
  /** Child j runs the j-th shard of the request; empty for a plain job. */
  childIds: string[];
}

/**
 * Sends SubmitJob requests one after another at most {@link MAX_SUBMITS_PER_SECOND} a second. The
 * launcher's own retries are for throttling only: SubmitJob has no idempotency token, so a call
 * that may have reached Batch is not sent again here (a duplicate job would only redo a shard).
 */
export async function submitJobs(
  batch: BatchClient,
  requests: readonly SubmitJobCommandInput[],
  opts: { clock?: Clock; signal?: AbortSignal } = {},
): Promise<SubmittedJob[]> {
  const clock = opts.clock ?? systemClock;
  const limiter = new RateLimiter(MAX_SUBMITS_PER_SECOND, clock);
  const out: SubmittedJob[] = [];
  for (const request of requests) {
    const res = await aws({ action: `SubmitJob to job queue ${request.jobQueue}`, permission: `batch:SubmitJob on ${request.jobQueue} and ${request.jobDefinition}` }, () =>
      withRetry(
        async () => {
          await limiter.acquire(opts.signal);
          return batch.send(new SubmitJobCommand(request));
        },
        { ...BATCH_RETRY, clock, ...(opts.signal && { signal: opts.signal }) },
      ),
    );
    const jobId = res.jobId as string;
    const size = request.arrayProperties?.size ?? 0;
    out.push({ request, jobId, childIds: Array.from({ length: size }, (_, j) => `${jobId}:${j}`) });
  }
  return out;
}

/** DescribeJobs for any number of ids (100 a call, throttling backed off); jobs Batch no longer knows are absent. */
export async function describeJobs(batch: BatchClient, ids: readonly string[], clock: Clock = systemClock): Promise<Map<string, JobDetail>> {
  const jobs = new Map<string, JobDetail>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += DESCRIBE_CHUNK) {
    const chunk = unique.slice(i, i + DESCRIBE_CHUNK);
    const res = await aws({ action: "DescribeJobs" }, () => withRetry(() => batch.send(new DescribeJobsCommand({ jobs: chunk })), { ...BATCH_RETRY, clock }));
    for (const j of res.jobs ?? []) if (j.jobId) jobs.set(j.jobId, j);
  }
  return jobs;
}

/** A job's state for the launcher: still on its way, or finished one way or the other. */
export type JobState = "live" | "succeeded" | "failed";

export function jobState(job: Pick<JobDetail, "status">): JobState {
  if (job.status === "SUCCEEDED") return "succeeded";
  if (job.status === "FAILED") return "failed";
  return "live";
}

/** Why a finished job failed, in one line, and the container's exit code when Batch reports one. */
export function jobFailure(job: JobDetail): { reason: string; exitCode?: number } {
  const last = job.attempts?.at(-1);
  const exitCode = job.container?.exitCode ?? last?.container?.exitCode;
  const parts = [
    exitCode !== undefined ? `exit code ${exitCode}` : undefined,
    job.statusReason,
    job.container?.reason ?? last?.container?.reason,
    last?.statusReason !== job.statusReason ? last?.statusReason : undefined,
  ].filter((s): s is string => s !== undefined && s !== "");
  return { reason: parts.length > 0 ? parts.join(", ") : `job ${job.status ?? "ended"} without a reason`, ...(exitCode !== undefined && { exitCode }) };
}

function isoMs(ms: number | undefined): string | undefined {
  return ms !== undefined && ms > 0 ? new Date(ms).toISOString() : undefined;
}

/** The attempt-record fields a described Batch job fills. */
export function jobFields(job: JobDetail): Partial<AttemptRecord> {
  const last = job.attempts?.at(-1);
  const out: Partial<AttemptRecord> = {};
  if (job.status) out.lastStatus = job.status;
  const stream = job.container?.logStreamName ?? last?.container?.logStreamName;
  if (stream) out.logStreamName = stream;
  const task = job.container?.taskArn ?? last?.container?.taskArn;
  if (task?.startsWith("arn:aws:ecs:")) out.taskArn = task;
  const started = isoMs(job.startedAt);
  const stopped = isoMs(job.stoppedAt);
  if (started) out.startedAt = started;
  if (stopped && jobState(job) !== "live") out.stoppedAt = stopped;
  if (job.statusReason) out.stoppedReason = job.statusReason;
  const tries = (job.attempts ?? []).map((t) => {
    const from = isoMs(t.startedAt);
    const to = isoMs(t.stoppedAt);
    return { ...(from && { startedAt: from }), ...(to && { stoppedAt: to }) };
  });
  if (tries.some((t) => t.startedAt || t.stoppedAt)) out.jobAttempts = tries;
  const exit = job.container?.exitCode ?? last?.container?.exitCode;
  if (exit !== undefined) out.exitCode = exit;
  return out;
}
