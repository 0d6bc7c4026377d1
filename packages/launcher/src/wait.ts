// Waiting for a run: DescribeTasks with capped, jittered backoff, the log stream followed meanwhile,
// Spot interruptions and failed starts retried (bounded), and success only with `_SUCCESS`.
import { DescribeTasksCommand, type ECSClient, type Task } from "@aws-sdk/client-ecs";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { S3Client } from "@aws-sdk/client-s3";
import { backoffDelay, systemClock, withRetry, type BackoffPolicy, type Clock } from "./backoff.js";
import { LaunchError, RunFailedError, RunTaskFailureError, aws } from "./errors.js";
import { LogFollower, logStreamName, logTail } from "./logs.js";
import { buildRunTaskRequest, runOneTask, type RunPlan, type SubmitManyOptions } from "./runtask.js";
import { keys, runSucceeded, s3Uri, type AttemptRecord } from "./s3.js";

/** DescribeTasks polling: from 2 s, doubling, capped at 30 s, with jitter. */
export const DEFAULT_POLL: BackoffPolicy = { baseMs: 2000, maxMs: 30_000 };
/** Between attempts of a run (after a Spot interruption or a failed start). */
export const DEFAULT_RETRY_DELAY: BackoffPolicy = { baseMs: 10_000, maxMs: 60_000 };
/** Attempts of a run, the first included. */
export const DEFAULT_RUN_ATTEMPTS = 3;
/** Polls in a row for which DescribeTasks may not know a new task yet (eventual consistency). */
const MISSING_POLLS = 5;

/** Describes one task (throttling backed off); `undefined` when ECS reports it MISSING. */
export async function describeTask(ecs: ECSClient, cluster: string, taskArn: string, clock: Clock = systemClock): Promise<Task | undefined> {
  const res = await aws({ action: `DescribeTasks on cluster ${cluster}` }, () =>
    withRetry(() => ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn], include: ["TAGS"] })), {
      attempts: 8,
      policy: { baseMs: 1000, maxMs: 20_000 },
      clock,
    }),
  );
  return res.tasks?.find((t) => t.taskArn === taskArn) ?? res.tasks?.[0];
}

export interface WaitOptions {
  cluster: string;
  taskArn: string;
  clock?: Clock;
  poll?: BackoffPolicy;
  /** Called with the task whenever its `lastStatus` changes. */
  onStatus?: (task: Task) => void;
  /** Called after every poll (the log follower hangs here). */
  onTick?: () => Promise<void>;
  signal?: AbortSignal;
}

/** Polls DescribeTasks until the task is STOPPED and returns it. */
export async function waitForStop(ecs: ECSClient, opts: WaitOptions): Promise<Task> {
  const clock = opts.clock ?? systemClock;
  const poll = opts.poll ?? DEFAULT_POLL;
  let last: string | undefined;
  let missing = 0;
  for (let step = 0; ; step++) {
    opts.signal?.throwIfAborted();
    const task = await describeTask(ecs, opts.cluster, opts.taskArn, clock);
    if (!task) {
      if (++missing > MISSING_POLLS) throw new LaunchError(`task ${opts.taskArn} is not known to ECS (cluster ${opts.cluster})`, "ERR_RUN_FAILED");
    } else {
      missing = 0;
      if (task.lastStatus !== last) {
        last = task.lastStatus;
        opts.onStatus?.(task);
      }
    }
    await opts.onTick?.();
    if (task?.lastStatus === "STOPPED") return task;
    await clock.sleep(backoffDelay(step, poll, clock.random), opts.signal);
  }
}

export type StopOutcome =
  /** The container exited 0 — or reported no exit code at all — : success if `_SUCCESS` is there. */
  | { kind: "exited"; unknownExit?: boolean; reason?: string }
  /** A Spot interruption or a failed start: worth another attempt. */
  | { kind: "retry"; reason: string; stopCode?: string }
  | { kind: "failed"; reason: string; stopCode?: string; exitCode?: number };

/** What a stopped task means for its run. Pure. */
export function classifyStop(task: Task, containerName: string): StopOutcome {
  const container = task.containers?.find((c) => c.name === containerName) ?? task.containers?.[0];
  const stopCode = task.stopCode;
  const stopped = task.stoppedReason ?? "";
  const detail = [stopped, container?.reason].filter((s) => s && s !== "").join("; ");
  const code = stopCode ? { stopCode } : {};
  if (stopCode === "SpotInterruption" || /\bspot\b/i.test(stopped)) {
    return { kind: "retry", reason: `Spot interruption${detail ? `: ${detail}` : ""}`, ...code };
  }
  if (stopCode === "TaskFailedToStart") {
    return { kind: "retry", reason: `TaskFailedToStart${detail ? `: ${detail}` : ""}`, ...code };
  }
  const exitCode = container?.exitCode;
  if (exitCode === 0) return { kind: "exited" };
  // No exit code and no start failure (a local ECS emulator, or a task stopped after it finished):
  // the results decide — `_SUCCESS` is written last, so its presence proves a complete run.
  if (exitCode === undefined) {
    const reason = ["no exit code", stopCode, detail || undefined].filter((x): x is string => !!x).join(", ");
    return { kind: "exited", unknownExit: true, reason };
  }
  const parts = [
    exitCode !== undefined ? `exit code ${exitCode}` : "no exit code",
    stopCode,
    detail || undefined,
  ].filter((s): s is string => s !== undefined && s !== "");
  return { kind: "failed", reason: parts.join(", "), ...code, ...(exitCode !== undefined && { exitCode }) };
}

function iso(d: Date | undefined): string | undefined {
  return d ? d.toISOString() : undefined;
}

/** The attempt record fields a described task fills. */
export function attemptFields(task: Task, containerName: string): Partial<AttemptRecord> {
  const container = task.containers?.find((c) => c.name === containerName) ?? task.containers?.[0];
  const out: Partial<AttemptRecord> = {};
  if (task.taskArn) out.taskArn = task.taskArn;
  if (task.lastStatus) out.lastStatus = task.lastStatus;
  if (task.stopCode) out.stopCode = task.stopCode;
  if (task.stoppedReason) out.stoppedReason = task.stoppedReason;
  if (task.lastStatus === "STOPPED" && container?.exitCode !== undefined) out.exitCode = container.exitCode;
  const pull = iso(task.pullStartedAt);
  const started = iso(task.startedAt);
  const stoppedAt = iso(task.stoppedAt);
  if (pull) out.pullStartedAt = pull;
  if (started) out.startedAt = started;
  if (stoppedAt) out.stoppedAt = stoppedAt;
  return out;
}

export type RunEvent =
  | { type: "started"; attempt: number; taskArn: string }
  | { type: "status"; attempt: number; taskArn: string; status: string }
  | { type: "retrying"; attempt: number; reason: string; delayMs: number }
  | { type: "warning"; message: string };

export interface RunDeps {
  ecs: ECSClient;
  s3: S3Client;
  /** For streaming the log and the tail of a failure; without it (or a log group) neither is shown. */
  logs?: CloudWatchLogsClient;
  clock?: Clock;
}

export interface RunOptions {
  plan: RunPlan;
  /** Attempts, the first included (default {@link DEFAULT_RUN_ATTEMPTS}). */
  maxAttempts?: number;
  poll?: BackoffPolicy;
  retryDelay?: BackoffPolicy;
  submit?: Omit<SubmitManyOptions, "clock" | "signal">;
  onLog?: (line: string) => void;
  onEvent?: (event: RunEvent) => void;
  /** Called whenever the attempts change (to keep `configs/<run>/launch.json` current). */
  onAttempts?: (attempts: AttemptRecord[]) => Promise<void>;
  signal?: AbortSignal;
}

export interface RunOutcome {
  runId: string;
  task: Task;
  attempts: AttemptRecord[];
}

/**
 * Starts a run and waits for it: each attempt is a RunTask with its own clientToken; Spot
 * interruptions and TaskFailedToStart are retried up to `maxAttempts`; success is a container exit
 * of 0 *and* `results/<run>/_SUCCESS`. Anything else throws {@link RunFailedError} with the stop
 * reason, the exit code and the last 50 log lines. The scenario must already be uploaded.
 */
export async function runToCompletion(deps: RunDeps, opts: RunOptions): Promise<RunOutcome> {
  const clock = deps.clock ?? systemClock;
  const { plan } = opts;
  const { config, runId } = plan;
  const maxAttempts = opts.maxAttempts ?? DEFAULT_RUN_ATTEMPTS;
  const attempts: AttemptRecord[] = [];
  const logGroup = config.logGroupName;
  const logPrefix = config.logStreamPrefix;
  const save = async () => {
    try {
      await opts.onAttempts?.(attempts.map((a) => ({ ...a })));
    } catch (err) {
      opts.onEvent?.({ type: "warning", message: `could not update the launch record: ${(err as Error).message}` });
    }
  };
  const tailOf = async (taskArn: string): Promise<string[]> => {
    if (!deps.logs || !logGroup || !logPrefix) return [];
    try {
      return await logTail(deps.logs, logGroup, logStreamName(logPrefix, config.containerName, taskArn), undefined, clock);
    } catch (err) {
      return [`(could not read the log: ${(err as Error).message})`];
    }
  };

  for (let attempt = 1; ; attempt++) {
    const request = buildRunTaskRequest(plan, attempt);
    const record: AttemptRecord = { attempt, clientToken: request.clientToken as string };
    attempts.push(record);
    let started: Task;
    try {
      started = await runOneTask(deps.ecs, request, { ...opts.submit, clock, ...(opts.signal && { signal: opts.signal }) });
    } catch (err) {
      if (err instanceof RunTaskFailureError) record.failures = err.failures;
      await save();
      throw err;
    }
    const taskArn = started.taskArn as string;
    Object.assign(record, attemptFields(started, config.containerName));
    await save();
    opts.onEvent?.({ type: "started", attempt, taskArn });

    const follower =
      deps.logs && logGroup && logPrefix && opts.onLog
        ? new LogFollower(deps.logs, logGroup, logStreamName(logPrefix, config.containerName, taskArn), clock)
        : undefined;
    const stopped = await waitForStop(deps.ecs, {
      cluster: config.cluster,
      taskArn,
      clock,
      ...(opts.poll && { poll: opts.poll }),
      ...(opts.signal && { signal: opts.signal }),
      onStatus: (t) => opts.onEvent?.({ type: "status", attempt, taskArn, status: t.lastStatus ?? "UNKNOWN" }),
      onTick: async () => {
        if (!follower) return;
        try {
          for (const line of await follower.poll()) opts.onLog?.(line);
        } catch (err) {
          opts.onEvent?.({ type: "warning", message: `log stream: ${(err as Error).message}` });
        }
      },
    });
    Object.assign(record, attemptFields(stopped, config.containerName));
    await save();

    const outcome = classifyStop(stopped, config.containerName);
    if (outcome.kind === "exited") {
      if (await runSucceeded(deps.s3, config.bucket, runId)) return { runId, task: stopped, attempts };
      const how = outcome.unknownExit ? `stopped (${outcome.reason})` : "exited 0";
      throw new RunFailedError(
        `run ${runId}: the task ${how} but ${s3Uri(config.bucket, keys.success(runId))} is missing: the run is not complete and was not fetched`,
        { runId, exitCode: 0, attempts: attempt, logTail: await tailOf(taskArn), ...(stopped.stopCode && { stopCode: stopped.stopCode }) },
      );
    }
    if (outcome.kind === "retry" && attempt < maxAttempts) {
      const delayMs = backoffDelay(attempt - 1, opts.retryDelay ?? DEFAULT_RETRY_DELAY, clock.random);
      opts.onEvent?.({ type: "retrying", attempt, reason: outcome.reason, delayMs });
      await clock.sleep(delayMs, opts.signal);
      continue;
    }
    const reason =
      outcome.kind === "retry" ? `gave up after ${attempt} attempt${attempt > 1 ? "s" : ""}: ${outcome.reason}` : outcome.reason;
    throw new RunFailedError(`run ${runId} failed: ${reason}`, {
      runId,
      attempts: attempt,
      logTail: await tailOf(taskArn),
      ...(outcome.stopCode && { stopCode: outcome.stopCode }),
      ...(stopped.stoppedReason && { stoppedReason: stopped.stoppedReason }),
      ...(outcome.kind === "failed" && outcome.exitCode !== undefined && { exitCode: outcome.exitCode }),
    });
  }
}
