// Where a sweep's shards run — Fargate tasks, AWS Batch jobs, or the local binary — behind one
// small interface: start some shards, and say of each attempt in flight whether it is still going
// or why it ended. The waiting, retrying and `_SUCCESS` checks are the same for all (sweep-wait.ts).
import type { BatchClient, JobDetail } from "@aws-sdk/client-batch";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { systemClock, type Clock } from "./backoff.js";
import { buildSubmitJobRequest, batchJobGroups, describeJobs, jobFailure, jobFields, jobState, submitJobs, type BatchSweepPlan } from "./batch.js";
import type { LaunchError } from "./errors.js";
import { describeTasks } from "./runs.js";
import { runLocalBinary, type LocalRunResult } from "./local-target.js";
import { SWEEP_COMMAND, buildRunTaskRequest, formatFailures, submitMany, type RunPlan, type SubmitManyOptions } from "./runtask.js";
import type { AttemptRecord } from "./s3.js";
import { shardName } from "./sweep-plan.js";
import { attemptFields, classifyStop } from "./wait.js";

/** Polls in a row for which the service may not know a new task or job yet (eventual consistency). */
const MISSING_POLLS = 5;

/** A shard to start, and the number of its attempt (counted over every launch of the run). */
export interface ShardStart {
  shard: number;
  attempt: number;
}

export interface LaneStartResult {
  /** One record per shard that started: its task, or its Batch job (an array child). */
  started: AttemptRecord[];
  /** Shards the service accepted the call for but did not start (RunTask `failures[]`). */
  refused: { record: AttemptRecord; reason: string }[];
  /** A call that failed for good (permissions, throttling past retries): the launch stops. */
  error?: LaunchError;
}

/** What became of one attempt: still on its way, or ended (the reason matters only without `_SUCCESS`). */
export type AttemptState =
  | { live: true; fields: Partial<AttemptRecord> }
  | { live: false; fields: Partial<AttemptRecord>; reason: string; exitCode?: number; logTail?: string[] };

export interface SweepLane {
  readonly target: "fargate" | "batch" | "local";
  start(starts: readonly ShardStart[]): Promise<LaneStartResult>;
  /** The state of each attempt, in the order given. */
  poll(attempts: readonly AttemptRecord[]): Promise<AttemptState[]>;
  /** Whether an attempt recorded earlier was made on this lane (so it can be followed). */
  owns(attempt: AttemptRecord): boolean;
}

function missingShard(shard: number | undefined): string {
  return shard !== undefined ? `shards/${shardName(shard)}/_SUCCESS is missing` : "_SUCCESS is missing";
}

/** Counts the polls for which an id was unknown; after {@link MISSING_POLLS} it is taken as lost. */
function missingCounter() {
  const seen = new Map<string, number>();
  return (id: string, found: boolean): boolean => {
    if (found) {
      seen.delete(id);
      return false;
    }
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    return n > MISSING_POLLS;
  };
}

export interface FargateLaneOptions {
  clock?: Clock;
  submit?: Omit<SubmitManyOptions, "clock" | "signal">;
  signal?: AbortSignal;
}

/** One RunTask per shard (sent in calls of up to 10 by {@link submitMany}); DescribeTasks to follow them. */
export function fargateLane(ecs: ECSClient, plan: RunPlan, count: number, opts: FargateLaneOptions = {}): SweepLane {
  const clock = opts.clock ?? systemClock;
  const lost = missingCounter();
  const { config } = plan;
  return {
    target: "fargate",
    owns: (a) => a.taskArn !== undefined && a.jobId === undefined,
    async start(starts) {
      const requests = starts.map((s) => buildRunTaskRequest(plan, s.attempt, { index: s.shard, count }));
      const results = await submitMany(ecs, requests, { ...opts.submit, clock, ...(opts.signal && { signal: opts.signal }) });
      const out: LaneStartResult = { started: [], refused: [] };
      results.forEach((r, i) => {
        const s = starts[i] as ShardStart;
        const record: AttemptRecord = { shard: s.shard, attempt: s.attempt, clientToken: r.request.clientToken as string };
        const task = r.tasks[0];
        if (r.error) {
          out.error ??= r.error;
        } else if (task?.taskArn && r.failures.length === 0) {
          out.started.push(Object.assign(record, attemptFields(task, config.containerName)));
        } else {
          record.failures = r.failures;
          out.refused.push({ record, reason: `RunTask started no task: ${r.failures.length > 0 ? formatFailures(r.failures) : "no task and no failure reported"}` });
        }
      });
      return out;
    },
    async poll(attempts) {
      const arns = attempts.map((a) => a.taskArn as string);
      const tasks = new Map((await describeTasks(ecs, config.cluster, arns, clock)).map((t) => [t.taskArn as string, t]));
      return attempts.map((a): AttemptState => {
        const arn = a.taskArn as string;
        const task = tasks.get(arn);
        if (!task) {
          return lost(arn, false) ? { live: false, fields: {}, reason: `task ${arn} is not known to ECS (cluster ${config.cluster})` } : { live: true, fields: {} };
        }
        lost(arn, true);
        const fields = attemptFields(task, config.containerName);
        if (task.lastStatus !== "STOPPED") return { live: true, fields };
        const o = classifyStop(task, config.containerName);
        if (o.kind === "exited") {
          return { live: false, fields, reason: `the task ${o.unknownExit ? `stopped (${o.reason})` : "exited 0"} but ${missingShard(a.shard)}` };
        }
        return { live: false, fields, reason: o.reason, ...(o.kind === "failed" && o.exitCode !== undefined && { exitCode: o.exitCode }) };
      });
    },
  };
}

export interface BatchLaneOptions {
  clock?: Clock;
  signal?: AbortSignal;
}

/**
 * The shards to start as one array job (several if a retry list is long; a plain job for one
 * shard); DescribeJobs on the array jobs, and on their children only once the array has a failed
 * child or has ended, to say which shards failed and why.
 */
export function batchLane(batch: BatchClient, plan: BatchSweepPlan, opts: BatchLaneOptions = {}): SweepLane {
  const clock = opts.clock ?? systemClock;
  const lost = missingCounter();
  return {
    target: "batch",
    owns: (a) => a.jobId !== undefined,
    async start(starts) {
      const attemptOf = new Map(starts.map((s) => [s.shard, s.attempt]));
      const groups = batchJobGroups(
        starts.map((s) => s.shard),
        plan.shards,
      );
      const requests = groups.map((g) => buildSubmitJobRequest(plan, g, Math.max(...g.map((s) => attemptOf.get(s) ?? 1))));
      const out: LaneStartResult = { started: [], refused: [] };
      let jobs;
      try {
        jobs = await submitJobs(batch, requests, { clock, ...(opts.signal && { signal: opts.signal }) });
      } catch (err) {
        out.error = err as LaunchError;
        return out;
      }
      jobs.forEach((job, g) => {
        (groups[g] as number[]).forEach((shard, j) => {
          const child = job.childIds[j];
          out.started.push({
            shard,
            attempt: attemptOf.get(shard) ?? 1,
            jobId: child ?? job.jobId,
            ...(child !== undefined && { arrayJobId: job.jobId }),
            lastStatus: "SUBMITTED",
          });
        });
      });
      return out;
    },
    async poll(attempts) {
      const parents = await describeJobs(batch, [...new Set(attempts.map((a) => a.arrayJobId ?? (a.jobId as string)))], clock);
      // Children are described only when their array says one failed or it has ended.
      const settled = (id: string) => {
        const p = parents.get(id);
        return p !== undefined && (jobState(p) !== "live" || (p.arrayProperties?.statusSummary?.FAILED ?? 0) > 0);
      };
      const childIds = attempts.filter((a) => a.arrayJobId !== undefined && settled(a.arrayJobId)).map((a) => a.jobId as string);
      const children = childIds.length > 0 ? await describeJobs(batch, childIds, clock) : new Map<string, JobDetail>();
      return attempts.map((a): AttemptState => {
        const id = a.jobId as string;
        const parent = parents.get(a.arrayJobId ?? id);
        let job: JobDetail | undefined;
        if (a.arrayJobId === undefined) job = parent;
        else if (!settled(a.arrayJobId)) return lost(id, parent !== undefined) ? gone(id) : { live: true, fields: {} };
        else job = children.get(id) ?? (parent && jobState(parent) !== "live" ? parent : undefined);
        if (!job) return lost(id, false) ? gone(id) : { live: true, fields: {} };
        lost(id, true);
        const fields = jobFields(job);
        const state = jobState(job);
        if (state === "live") return { live: true, fields };
        if (state === "succeeded") return { live: false, fields, reason: `job ${id} succeeded but ${missingShard(a.shard)}` };
        const f = jobFailure(job);
        return { live: false, fields, reason: f.reason, ...(f.exitCode !== undefined && { exitCode: f.exitCode }) };
      });
    },
  };
}

function gone(id: string): AttemptState {
  return { live: false, fields: {}, reason: `job ${id} is not known to AWS Batch` };
}

export interface LocalLaneOptions {
  binary: string;
  /** The child's whole environment but AEGIS_SHARD (localEnvironment's result). */
  env: Record<string, string>;
  /** Shards run at once (default 1: the binary already uses every core). */
  parallel?: number;
  clock?: Clock;
  onLine?: (line: string, stream: "stdout" | "stderr", shard: number) => void;
  signal?: AbortSignal;
}

/**
 * `--target local`: each shard is the `aegis-bt` binary as a child process (`aegis-bt sweep` with
 * AEGIS_SHARD=`i/K` and the container's environment), queued and run `parallel` at a time.
 */
export function localLane(count: number, opts: LocalLaneOptions): SweepLane {
  const clock = opts.clock ?? systemClock;
  const parallel = Math.max(1, opts.parallel ?? 1);
  const queue: AttemptRecord[] = [];
  const results = new Map<AttemptRecord, LocalRunResult | Error>();
  let active = 0;
  const pump = () => {
    while (active < parallel && queue.length > 0) {
      const record = queue.shift() as AttemptRecord;
      const shard = record.shard as number;
      active++;
      record.lastStatus = "RUNNING";
      record.startedAt = new Date(clock.now()).toISOString();
      runLocalBinary({
        binary: opts.binary,
        env: { ...opts.env, AEGIS_SHARD: `${shard}/${count}` },
        args: [...SWEEP_COMMAND],
        ...(opts.onLine && { onLine: (line: string, stream: "stdout" | "stderr") => opts.onLine?.(line, stream, shard) }),
        ...(opts.signal && { signal: opts.signal }),
      })
        .then(
          (r) => results.set(record, r),
          (err: unknown) => results.set(record, err instanceof Error ? err : new Error(String(err))),
        )
        .finally(() => {
          active--;
          pump();
        });
    }
  };
  return {
    target: "local",
    // A local process does not outlive the launch that started it.
    owns: () => false,
    async start(starts) {
      const started = starts.map((s): AttemptRecord => ({ shard: s.shard, attempt: s.attempt, clientToken: "local", lastStatus: "PENDING" }));
      queue.push(...started);
      pump();
      return { started, refused: [] };
    },
    async poll(attempts) {
      return attempts.map((a): AttemptState => {
        const r = results.get(a);
        if (r === undefined) return { live: true, fields: {} };
        const fields: Partial<AttemptRecord> = { lastStatus: "STOPPED", stoppedAt: new Date(clock.now()).toISOString() };
        if (r instanceof Error) return { live: false, fields, reason: r.message };
        if (r.exitCode !== null) fields.exitCode = r.exitCode;
        if (r.signal) fields.stoppedReason = `killed by ${r.signal}`;
        const how = r.exitCode === 0 ? `${opts.binary} exited 0 but ${missingShard(a.shard)}` : `${opts.binary} ended with ${r.exitCode !== null ? `exit code ${r.exitCode}` : `killed by ${r.signal}`}`;
        return { live: false, fields, reason: how, logTail: r.tail, ...(r.exitCode !== null && r.exitCode !== 0 && { exitCode: r.exitCode }) };
      });
    },
  };
}
