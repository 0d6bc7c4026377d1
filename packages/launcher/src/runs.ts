// Runs after launch: status (ECS tasks or Batch jobs + `_SUCCESS`; a sweep's shards), logs, and
// fetch (with the run's cost in run.json; a sweep's merged files only).
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BatchClient, JobDetail } from "@aws-sdk/client-batch";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeTasksCommand, ListTasksCommand, type ECSClient, type Task } from "@aws-sdk/client-ecs";
import type { S3Client } from "@aws-sdk/client-s3";
import { backoffDelay, systemClock, withRetry, type Clock } from "./backoff.js";
import { describeJobs, jobFields, jobState } from "./batch.js";
import { runCost, wallTimeCost, type RunCost } from "./cost.js";
import { IncompleteRunError, InputError, aws } from "./errors.js";
import { LogFollower, logStreamName } from "./logs.js";
import { startedBy } from "./run-id.js";
import { TAG_RUN } from "./runtask.js";
import { Limiter } from "./s3-objects.js";
import {
  downloadResults,
  finishedShards,
  keys,
  listRuns,
  readLaunchRecord,
  readText,
  runSucceeded,
  type AttemptRecord,
  type DownloadResult,
  type LaunchRecord,
} from "./s3.js";
import { sweepCost, withCostField, type SweepCost } from "./shard-cost.js";
import { shardName } from "./sweep-plan.js";
import { attemptFields, classifyStop, describeTask } from "./wait.js";

const ECS_RETRY = { attempts: 8, policy: { baseMs: 1000, maxMs: 20_000 } };

/** Tasks of a cluster (optionally only those started by `by`), running and recently stopped, with tags. */
export async function clusterTasks(ecs: ECSClient, cluster: string, by?: string, clock: Clock = systemClock, maxPages = 10): Promise<Task[]> {
  const arns: string[] = [];
  for (const desiredStatus of ["RUNNING", "STOPPED"] as const) {
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await aws({ action: `ListTasks on cluster ${cluster}` }, () =>
        withRetry(
          () =>
            ecs.send(
              new ListTasksCommand({ cluster, desiredStatus, ...(by && { startedBy: by }), ...(token && { nextToken: token }) }),
            ),
          { ...ECS_RETRY, clock },
        ),
      );
      arns.push(...(res.taskArns ?? []));
      token = res.nextToken;
    } while (token && ++pages < maxPages);
  }
  return describeTasks(ecs, cluster, [...new Set(arns)], clock);
}

/** DescribeTasks for any number of tasks (100 a call, throttling backed off); tasks ECS no longer knows are absent. */
export async function describeTasks(ecs: ECSClient, cluster: string, arns: readonly string[], clock: Clock = systemClock): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const chunk = arns.slice(i, i + 100);
    const res = await aws({ action: `DescribeTasks on cluster ${cluster}` }, () =>
      withRetry(() => ecs.send(new DescribeTasksCommand({ cluster, tasks: chunk, include: ["TAGS"] })), { ...ECS_RETRY, clock }),
    );
    tasks.push(...(res.tasks ?? []));
  }
  return tasks;
}

function runTag(task: Task): string | undefined {
  return task.tags?.find((t) => t.key === TAG_RUN)?.value;
}

export type RunState = "succeeded" | "running" | "failed" | "unknown";

export interface RunStatus {
  runId: string;
  state: RunState;
  /** One line: the task status, the stop reason, or why the state is unknown. */
  detail: string;
  tasks: Task[];
  hasResults: boolean;
  record?: LaunchRecord;
}

function sortByTime(tasks: Task[]): Task[] {
  const t = (x: Task) => (x.createdAt ?? x.startedAt)?.getTime() ?? 0;
  return [...tasks].sort((a, b) => t(a) - t(b));
}

/** A run's state from what is known: `_SUCCESS` wins; then a live task; then the last stop. */
export function deriveStatus(runId: string, succeeded: boolean, tasks: Task[], record: LaunchRecord | undefined, containerName: string): RunStatus {
  const ordered = sortByTime(tasks);
  const base = { runId, tasks: ordered, hasResults: succeeded, ...(record && { record }) };
  const live = ordered.filter((t) => t.lastStatus !== "STOPPED");
  if (succeeded) return { ...base, state: "succeeded", detail: "_SUCCESS present" };
  if (live.length > 0) {
    const t = live[live.length - 1] as Task;
    return { ...base, state: "running", detail: `task ${t.taskArn?.split("/").pop()} ${t.lastStatus ?? ""}`.trim() };
  }
  const last = ordered[ordered.length - 1];
  if (last) {
    const o = classifyStop(last, containerName);
    const why = o.kind === "exited" ? "exited 0 but no _SUCCESS" : o.reason;
    return { ...base, state: "failed", detail: `stopped: ${why}` };
  }
  const a = record?.attempts.at(-1);
  if (a && (a.stoppedAt || a.exitCode !== undefined || a.stopCode || a.failures)) {
    const why = a.failures?.length
      ? `RunTask failure: ${a.failures.map((f) => f.reason).join("; ")}`
      : [a.exitCode !== undefined ? `exit code ${a.exitCode}` : undefined, a.stopCode, a.stoppedReason].filter(Boolean).join(", ");
    return { ...base, state: "failed", detail: `stopped: ${why || "no _SUCCESS"}` };
  }
  const detail =
    record?.target === "local"
      ? "local run without _SUCCESS (still running, or it failed)"
      : record
        ? "no _SUCCESS and no task known to ECS (it forgets stopped tasks after about an hour)"
        : "no _SUCCESS and no launch record";
  return { ...base, state: "unknown", detail };
}

/** The last recorded attempt of each shard. */
function lastAttempts(record: LaunchRecord): Map<number, AttemptRecord> {
  const last = new Map<number, AttemptRecord>();
  for (const a of record.attempts) if (a.shard !== undefined) last.set(a.shard, a);
  return last;
}

function attemptEnd(a: AttemptRecord): string | undefined {
  if (a.failures?.length) return `start refused: ${a.failures.map((f) => f.reason).join("; ")}`;
  if (a.stoppedAt === undefined && a.exitCode === undefined && !["STOPPED", "FAILED", "SUCCEEDED"].includes(a.lastStatus ?? "")) return undefined;
  const why = [a.exitCode !== undefined ? `exit code ${a.exitCode}` : undefined, a.stopCode, a.stoppedReason].filter(Boolean).join(", ");
  return why || (a.lastStatus === "SUCCEEDED" || a.exitCode === 0 ? "ended without _SUCCESS" : "stopped");
}

/**
 * A sweep's state: merged (`results/<run>/_SUCCESS`) wins; then live tasks or jobs; then the shards
 * whose last attempt ended without their `_SUCCESS`; else unknown, with the shards done.
 */
export function deriveSweepStatus(runId: string, merged: boolean, done: ReadonlySet<number>, live: number, record: LaunchRecord, tasks: Task[] = []): RunStatus {
  const k = record.sweep?.shards ?? 0;
  const base = { runId, tasks, hasResults: merged, record };
  if (merged) return { ...base, state: "succeeded", detail: `merged: ${record.sweep?.points ?? "?"} points from ${k} shards` };
  const progress = `sweep ${done.size}/${k} shards done`;
  if (live > 0) return { ...base, state: "running", detail: `${progress}, ${live} running (${record.target})` };
  if (done.size === k && k > 0) return { ...base, state: "unknown", detail: `${progress}, not merged: launch the same sweep again to merge` };
  const failed = [...lastAttempts(record)]
    .filter(([shard]) => !done.has(shard))
    .map(([shard, a]) => [shard, attemptEnd(a)] as const)
    .filter((x): x is readonly [number, string] => x[1] !== undefined)
    .sort((a, b) => a[0] - b[0]);
  if (failed.length > 0) {
    const [shard, why] = failed[0] as readonly [number, string];
    const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : "";
    return { ...base, state: "failed", detail: `${progress}; shard ${shardName(shard)} ${why}${more}` };
  }
  return { ...base, state: "unknown", detail: `${progress}; none known to be running` };
}

export interface StatusDeps {
  s3: S3Client;
  ecs?: ECSClient;
  /** For sweeps on the Batch lane: whether their jobs still run. */
  batch?: BatchClient;
  clock?: Clock;
}

export interface StatusOptions {
  bucket: string;
  /** Without it, only S3 is consulted. */
  cluster?: string;
  containerName?: string;
}

/** The status of one run. */
export async function runStatus(deps: StatusDeps, runId: string, opts: StatusOptions): Promise<RunStatus> {
  const clock = deps.clock ?? systemClock;
  const [succeeded, record] = await Promise.all([runSucceeded(deps.s3, opts.bucket, runId), readLaunchRecord(deps.s3, opts.bucket, runId)]);
  let tasks: Task[] = [];
  const cluster = opts.cluster ?? record?.cluster;
  if (deps.ecs && cluster && record?.target !== "local" && record?.target !== "batch") {
    const known = new Set(record?.attempts.map((a) => a.taskArn).filter((x): x is string => !!x));
    tasks = (await clusterTasks(deps.ecs, cluster, startedBy(runId), clock)).filter((t) => runTag(t) === runId || known.has(t.taskArn ?? ""));
  }
  if (record?.sweep) return sweepStatus(deps, runId, succeeded, tasks, record, opts);
  return deriveStatus(runId, succeeded, tasks, record, opts.containerName ?? "aegis-bt");
}

/**
 * A sweep's shards done (one listing) and its live tasks or jobs, then {@link deriveSweepStatus}.
 * What ECS or Batch still knows of an attempt (its stop, its exit code) updates the record's copy.
 */
async function sweepStatus(deps: StatusDeps, runId: string, merged: boolean, tasks: Task[], record: LaunchRecord, opts: StatusOptions): Promise<RunStatus> {
  if (merged) return deriveSweepStatus(runId, true, new Set(), 0, record, tasks);
  const done = await finishedShards(deps.s3, opts.bucket, runId);
  const byArn = new Map(tasks.map((t) => [t.taskArn, t]));
  let attempts = record.attempts.map((a) => {
    const t = a.taskArn && !a.jobId ? byArn.get(a.taskArn) : undefined;
    return t ? { ...a, ...attemptFields(t, opts.containerName ?? "aegis-bt") } : a;
  });
  let live = tasks.filter((t) => t.lastStatus !== "STOPPED").length;
  if (record.target === "batch" && deps.batch) {
    const ids = [...lastAttempts(record)].filter(([shard, a]) => !done.has(shard) && a.jobId).map(([, a]) => a.jobId as string);
    const jobs = ids.length > 0 ? await describeJobs(deps.batch, ids, deps.clock ?? systemClock) : new Map<string, JobDetail>();
    live = [...jobs.values()].filter((j) => jobState(j) === "live").length;
    attempts = attempts.map((a) => {
      const job = a.jobId ? jobs.get(a.jobId) : undefined;
      return job ? { ...a, ...jobFields(job) } : a;
    });
  }
  return deriveSweepStatus(runId, false, done, live, { ...record, attempts }, tasks);
}

/** The newest `limit` runs in the bucket with their states (one ListTasks sweep of the cluster for all). */
export async function recentRuns(deps: StatusDeps, opts: StatusOptions & { limit?: number }): Promise<RunStatus[]> {
  const clock = deps.clock ?? systemClock;
  const runs = (await listRuns(deps.s3, opts.bucket)).slice(0, opts.limit ?? 10);
  const byRun = new Map<string, Task[]>();
  if (deps.ecs && opts.cluster && runs.length > 0) {
    for (const t of await clusterTasks(deps.ecs, opts.cluster, undefined, clock)) {
      const id = runTag(t);
      if (id) byRun.set(id, [...(byRun.get(id) ?? []), t]);
    }
  }
  return Promise.all(
    runs.map(async (r) => {
      const [succeeded, record] = await Promise.all([
        r.hasResults ? runSucceeded(deps.s3, opts.bucket, r.runId) : Promise.resolve(false),
        r.hasConfig ? readLaunchRecord(deps.s3, opts.bucket, r.runId) : Promise.resolve(undefined),
      ]);
      if (record?.sweep) return sweepStatus(deps, r.runId, succeeded, byRun.get(r.runId) ?? [], record, opts);
      return deriveStatus(r.runId, succeeded, byRun.get(r.runId) ?? [], record, opts.containerName ?? "aegis-bt");
    }),
  );
}

export interface FetchOptions {
  bucket: string;
  runId: string;
  out: string;
  partial?: boolean;
  /** To look up task times ECS still has when the launch record lacks them. */
  cluster?: string;
  containerName?: string;
  /** The launch record, when the caller has it (after `submit --wait`). */
  record?: LaunchRecord;
}

export interface FetchResult extends DownloadResult {
  cost?: RunCost;
  /** A sweep on Fargate or Batch: what each shard cost, as written into the fetched sweep.json. */
  sweepCost?: SweepCost;
  /** Why `sweepCost` could not be written into sweep.json (not a JSON object, a `cost` already there). */
  sweepCostNotWritten?: string;
}

async function attemptsWithTimes(deps: StatusDeps, record: LaunchRecord, opts: FetchOptions): Promise<AttemptRecord[]> {
  const cluster = opts.cluster ?? record.cluster;
  const out: AttemptRecord[] = [];
  for (const a of record.attempts) {
    if (a.stoppedAt || !a.taskArn || !deps.ecs || !cluster) {
      out.push(a);
      continue;
    }
    const task = await describeTask(deps.ecs, cluster, a.taskArn, deps.clock ?? systemClock).catch(() => undefined);
    out.push(task ? { ...a, ...attemptFields(task, opts.containerName ?? "aegis-bt") } : a);
  }
  return out;
}

/** A sweep's attempts with the times ECS or AWS Batch still report where the launch record lacks them; a failed lookup is a note. */
async function sweepAttemptsWithTimes(deps: StatusDeps, record: LaunchRecord, opts: FetchOptions): Promise<{ attempts: AttemptRecord[]; notes: string[] }> {
  const clock = deps.clock ?? systemClock;
  const notes: string[] = [];
  if (record.target === "batch") {
    const ids = record.attempts.filter((a) => a.jobId && (!a.stoppedAt || !a.jobAttempts)).map((a) => a.jobId as string);
    if (ids.length === 0 || !deps.batch) return { attempts: record.attempts, notes };
    const jobs = await describeJobs(deps.batch, ids, clock).catch((err: unknown) => {
      notes.push(`DescribeJobs failed, so the launch record's times were used: ${(err as Error).message}`);
      return new Map<string, JobDetail>();
    });
    return { attempts: record.attempts.map((a) => (a.jobId && jobs.has(a.jobId) ? { ...a, ...jobFields(jobs.get(a.jobId) as JobDetail) } : a)), notes };
  }
  const cluster = opts.cluster ?? record.cluster;
  const arns = record.attempts.filter((a) => a.taskArn && !a.jobId && !a.stoppedAt).map((a) => a.taskArn as string);
  if (arns.length === 0 || !deps.ecs || !cluster) return { attempts: record.attempts, notes };
  const tasks = await describeTasks(deps.ecs, cluster, arns, clock).catch((err: unknown) => {
    notes.push(`DescribeTasks failed, so the launch record's times were used: ${(err as Error).message}`);
    return [] as Task[];
  });
  const byArn = new Map(tasks.map((t) => [t.taskArn, t]));
  const container = opts.containerName ?? "aegis-bt";
  return { attempts: record.attempts.map((a) => (a.taskArn && !a.jobId && byArn.has(a.taskArn) ? { ...a, ...attemptFields(byArn.get(a.taskArn) as Task, container) } : a)), notes };
}

/** Whether an attempt's stop is known (a Batch job's: every one of its own attempts'). */
function timed(a: AttemptRecord | undefined): boolean {
  if (!a) return false;
  if (a.jobAttempts && a.jobAttempts.length > 0) return a.jobAttempts.every((t) => t.stoppedAt !== undefined);
  return a.stoppedAt !== undefined;
}

/** The shards' own sweep.json `wall_seconds`, for shards whose last attempt has no stop time. */
async function shardWallSeconds(s3: S3Client, bucket: string, runId: string, shards: number[]): Promise<Map<number, number>> {
  const walls = new Map<number, number>();
  const limiter = new Limiter(8);
  await Promise.all(
    shards.map((i) =>
      limiter.run(async () => {
        const text = await readText(s3, bucket, `${keys.shard(runId, i)}sweep.json`).catch(() => undefined);
        try {
          const wall = text !== undefined ? (JSON.parse(text) as { wall_seconds?: unknown }).wall_seconds : undefined;
          if (typeof wall === "number") walls.set(i, wall);
        } catch {
          // An unreadable shard sweep.json: that shard's cost is reported as not counted.
        }
      }),
    ),
  );
  return walls;
}

/**
 * The cost of every shard of a merged Fargate or Batch sweep ({@link sweepCost}), added to the
 * fetched sweep.json as its last field `cost` (every byte the engine wrote kept).
 */
async function writeSweepCost(
  deps: StatusDeps,
  record: LaunchRecord & { sweep: { shards: number } },
  opts: FetchOptions,
): Promise<{ sweepCost: SweepCost; sweepCostNotWritten?: string } | undefined> {
  if (record.target !== "fargate" && record.target !== "batch") return undefined;
  const file = join(opts.out, "sweep.json");
  const { attempts, notes } = await sweepAttemptsWithTimes(deps, record, opts);
  const k = record.sweep.shards;
  const untimed = Array.from({ length: k }, (_, i) => i).filter((i) => !timed(attempts.filter((a) => a.shard === i).at(-1)));
  const wallSeconds = untimed.length > 0 ? await shardWallSeconds(deps.s3, opts.bucket, opts.runId, untimed) : new Map<number, number>();
  const cost = sweepCost({
    lane: record.target,
    size: record.size,
    spot: record.spot,
    shards: k,
    attempts,
    wallSeconds,
    ...(record.snapshotId !== undefined && { snapshotId: record.snapshotId }),
  });
  cost.notes.unshift(...notes);
  try {
    await writeFile(file, withCostField(await readFile(file, "utf8"), cost, file));
  } catch (err) {
    // The download stands; only the cost is not in the file.
    return { sweepCost: cost, sweepCostNotWritten: err instanceof InputError ? err.message : `${file}: ${(err as Error).message}` };
  }
  return { sweepCost: cost };
}

/**
 * Downloads `results/<run>/` (refusing a run without `_SUCCESS` unless `partial`) and, for a finished
 * Fargate run, writes its cost into the local run.json as `cost`: from the tasks' times (the launch
 * record, else ECS), else a lower bound from the engine's wall time. Of a sweep, only the merged
 * files (not `shards/`), and a sweep not merged yet is refused with its shards done; a merged sweep
 * on Fargate or Batch gets each shard's cost in the local sweep.json ({@link writeSweepCost}).
 */
export async function fetchRun(deps: StatusDeps, opts: FetchOptions): Promise<FetchResult> {
  const record = opts.record ?? (await readLaunchRecord(deps.s3, opts.bucket, opts.runId));
  if (record?.sweep) {
    if (!opts.partial && !(await runSucceeded(deps.s3, opts.bucket, opts.runId))) {
      const done = await finishedShards(deps.s3, opts.bucket, opts.runId);
      throw new IncompleteRunError(
        `sweep ${opts.runId} is not merged yet (${done.size}/${record.sweep.shards} shards done): launch the same sweep again (with --wait) to finish and merge it`,
      );
    }
    const merged = await downloadResults(deps.s3, opts.bucket, opts.runId, opts.out, { skip: ["shards/"], ...(opts.partial && { partial: true }) });
    if (!merged.complete) return merged;
    return { ...merged, ...(await writeSweepCost(deps, { ...record, sweep: record.sweep }, opts)) };
  }
  const result = await downloadResults(deps.s3, opts.bucket, opts.runId, opts.out, { ...(opts.partial && { partial: true }) });
  if (!result.complete) return result;
  if (!record || record.target !== "fargate") return result;
  const runJson = join(opts.out, "run.json");
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(await readFile(runJson, "utf8")) as Record<string, unknown>;
  } catch {
    return result;
  }
  const attempts = await attemptsWithTimes(deps, record, opts);
  const wall = typeof doc.wall_seconds === "number" ? doc.wall_seconds : undefined;
  const cost = runCost(attempts, record.size, record.spot) ?? (wall !== undefined ? wallTimeCost(wall, record.size, record.spot) : undefined);
  if (!cost) return result;
  doc.cost = cost;
  await writeFile(runJson, `${JSON.stringify(doc, null, 2)}\n`);
  return { ...result, cost };
}

export interface LogsDeps {
  logs: CloudWatchLogsClient;
  s3: S3Client;
  ecs?: ECSClient;
  /** For Batch jobs whose log stream the launch record does not name yet. */
  batch?: BatchClient;
  clock?: Clock;
}

export interface LogsOptions {
  bucket: string;
  runId: string;
  cluster?: string;
  logGroupName: string;
  logStreamPrefix: string;
  containerName: string;
  /** Keep printing until the run's last task stops. */
  follow?: boolean;
  onLine: (line: string) => void;
  /** Called before each attempt's lines when a run had several (a sweep: with its shard). */
  onAttempt?: (attempt: number, id: string, shard?: number) => void;
  signal?: AbortSignal;
}

interface LogSource {
  attempt: number;
  shard?: number;
  /** The task ARN or Batch job id, for the header. */
  id: string;
  stream: string;
  /** An ECS task, which `follow` can wait for. */
  taskArn?: string;
}

/** The log stream of each recorded attempt: ECS tasks by the awslogs naming, Batch jobs as Batch names them. */
async function logSources(deps: LogsDeps, record: LaunchRecord, opts: LogsOptions, clock: Clock): Promise<LogSource[]> {
  const unnamed = record.attempts.filter((a) => a.jobId && !a.logStreamName).map((a) => a.jobId as string);
  const jobs = unnamed.length > 0 && deps.batch ? await describeJobs(deps.batch, unnamed, clock) : new Map<string, never>();
  const out: LogSource[] = [];
  for (const a of record.attempts) {
    const shard = a.shard !== undefined ? { shard: a.shard } : {};
    if (a.jobId) {
      const job = jobs.get(a.jobId);
      const stream = a.logStreamName ?? job?.container?.logStreamName ?? job?.attempts?.at(-1)?.container?.logStreamName;
      if (stream) out.push({ attempt: a.attempt, ...shard, id: a.jobId, stream });
    } else if (a.taskArn) {
      out.push({ attempt: a.attempt, ...shard, id: a.taskArn, taskArn: a.taskArn, stream: a.logStreamName ?? logStreamName(opts.logStreamPrefix, opts.containerName, a.taskArn) });
    }
  }
  return out;
}

/**
 * Prints a run's CloudWatch log, every attempt in order (a sweep: every shard's); with `follow`,
 * until the last task stops.
 */
export async function runLogs(deps: LogsDeps, opts: LogsOptions): Promise<void> {
  const clock = deps.clock ?? systemClock;
  const record = await readLaunchRecord(deps.s3, opts.bucket, opts.runId);
  if (record?.target === "local") throw new InputError(`run ${opts.runId} ran locally (--target local): its output went to the terminal, not CloudWatch`);
  let sources = record ? await logSources(deps, record, opts, clock) : [];
  const cluster = opts.cluster ?? record?.cluster;
  if (sources.length === 0 && deps.ecs && cluster && record?.target !== "batch") {
    const tasks = (await clusterTasks(deps.ecs, cluster, startedBy(opts.runId), clock)).filter((t) => runTag(t) === opts.runId);
    sources = sortByTime(tasks).map((t, i) => {
      const arn = t.taskArn as string;
      return { attempt: i + 1, id: arn, taskArn: arn, stream: logStreamName(opts.logStreamPrefix, opts.containerName, arn) };
    });
  }
  if (sources.length === 0) {
    const where = record?.target === "batch" ? "no Batch job with a log stream (is it still starting?)" : "no launch record in the bucket and none in ECS";
    throw new InputError(`no task known for run ${opts.runId}: ${where}`);
  }
  for (const [i, src] of sources.entries()) {
    if (sources.length > 1) opts.onAttempt?.(src.attempt, src.id, src.shard);
    const follower = new LogFollower(deps.logs, opts.logGroupName, src.stream, clock);
    for (const line of await follower.poll()) opts.onLine(line);
    const last = i === sources.length - 1;
    if (!opts.follow || !last || !deps.ecs || !cluster || !src.taskArn) continue;
    for (let step = 0; ; step++) {
      opts.signal?.throwIfAborted();
      const task = await describeTask(deps.ecs, cluster, src.taskArn, clock);
      const stopped = !task || task.lastStatus === "STOPPED";
      for (const line of await follower.poll()) opts.onLine(line);
      if (stopped) break;
      await clock.sleep(backoffDelay(step, { baseMs: 2000, maxMs: 10_000 }, clock.random), opts.signal);
    }
  }
}
