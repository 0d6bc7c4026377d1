// ECS RunTask: the request of a run (a pure function of the plan) and `submitMany`, which sends
// requests within ECS's limits (10 tasks a call, 20 calls a second) and backs off on throttling.
import {
  RunTaskCommand,
  type ECSClient,
  type Failure,
  type KeyValuePair,
  type RunTaskCommandInput,
  type Task,
} from "@aws-sdk/client-ecs";
import { systemClock, withRetry, type BackoffPolicy, type Clock } from "./backoff.js";
import type { LaunchConfig } from "./config.js";
import { ConfigError, InputError, LaunchError, RunTaskFailureError, describeAwsError, isThrottling } from "./errors.js";
import { clientToken, startedBy } from "./run-id.js";
import { keys, s3Uri } from "./s3.js";
import { sizeOverrides, type TaskSize } from "./sizes.js";

/** ECS's limit on the JSON of a RunTask `overrides`. */
export const MAX_OVERRIDES_BYTES = 8192;
/** RunTask `count` limit. */
export const MAX_TASKS_PER_CALL = 10;
/** The RunTask rate this launcher keeps to (docs/remote.md; ECS's sustained RunTask rate is 20/s). */
export const MAX_CALLS_PER_SECOND = 20;

export const TAG_RUN = "aegis:run";
export const TAG_SCENARIO = "aegis:scenario";
export const TAG_SHARD = "aegis:shard";

/** The container command of a sweep shard (the task definition's default is `run`). */
export const SWEEP_COMMAND = ["sweep"];

const SNAPSHOT_ID = /^snap-[0-9a-f]{8,17}$/;

/**
 * Checks the form of an EBS snapshot id (`snap-` and 8 or 17 hex digits). Only the form: a snapshot
 * named with `--snapshot` is not looked up (the ones the launcher chooses itself are, snapshots.ts).
 */
export function checkSnapshotId(id: string): string {
  if (!SNAPSHOT_ID.test(id)) {
    throw new InputError(`"${id}" is not an EBS snapshot id (snap- and 8–17 hex digits; only the form is checked, not that it exists)`);
  }
  return id;
}

/**
 * The task definition of a run (docs/remote.md, "Two task definitions"): with a snapshot, the one
 * whose dataset volume is configured at launch (the request then configures it); without, the one
 * with no such volume, so no task starts with a volume nobody configured. A configuration without
 * the second (a stack deployed before the split) keeps using the first for every run.
 */
export function taskDefinitionFor(config: LaunchConfig, snapshot: boolean): string {
  return snapshot ? config.taskDefinition : (config.s3TaskDefinition ?? config.taskDefinition);
}

/** The tasks' `awsvpcConfiguration`: the stack's subnets, security groups and public IP setting. */
export function networkConfiguration(config: LaunchConfig): NonNullable<RunTaskCommandInput["networkConfiguration"]> {
  return {
    awsvpcConfiguration: {
      subnets: [...config.subnets],
      ...(config.securityGroups.length > 0 && { securityGroups: [...config.securityGroups] }),
      assignPublicIp: config.assignPublicIp,
    },
  };
}

/** Everything a run's RunTask request is made of. */
export interface RunPlan {
  runId: string;
  scenarioName: string;
  config: LaunchConfig;
  size: TaskSize;
  spot: boolean;
  dataset: string;
  /** Attach the dataset as an EBS volume made from this snapshot. */
  snapshot?: { snapshotId: string; sizeInGiB?: number };
}

/** The container's environment (docs/remote.md "The container's environment"), in a fixed order. */
export function containerEnvironment(bucket: string, runId: string, dataset: string): Record<string, string> {
  return {
    AEGIS_RUN_ID: runId,
    AEGIS_CONFIG_URI: s3Uri(bucket, keys.scenario(runId)),
    AEGIS_RESULTS_URI: s3Uri(bucket, keys.results(runId)),
    AEGIS_DATASET_URI: s3Uri(bucket, keys.datasets()),
    AEGIS_DATASET: dataset,
  };
}

/** A tag value ECS accepts: letters, digits, spaces and `+ - = . _ : / @`, at most 256 characters. */
export function tagValue(text: string): string {
  const v = text.replace(/[^\p{L}\p{N} +\-=._:/@]/gu, "_").slice(0, 256);
  return v === "" ? "_" : v;
}

export function overridesBytes(overrides: unknown): number {
  return Buffer.byteLength(JSON.stringify(overrides), "utf8");
}

/** A sweep shard: `aegis-bt sweep` with AEGIS_SHARD=`<index>/<count>` (docs/sweeps.md). */
export interface ShardRef {
  index: number;
  count: number;
}

/**
 * The RunTask request of attempt `attempt` of a run, or of one shard of a sweep. Pure: the same
 * plan, attempt and shard give the same request. FARGATE or (with `spot`) a FARGATE_SPOT capacity
 * provider strategy, never both; the dataset snapshot as a managed EBS volume of the task definition
 * that has one ({@link taskDefinitionFor}); overrides checked against ECS's 8 KiB limit.
 */
export function buildRunTaskRequest(plan: RunPlan, attempt = 1, shard?: ShardRef): RunTaskCommandInput {
  const { config, runId } = plan;
  const env = {
    ...containerEnvironment(config.bucket, runId, plan.dataset),
    ...(shard && { AEGIS_SHARD: `${shard.index}/${shard.count}` }),
  };
  const environment: KeyValuePair[] = Object.entries(env).map(([name, value]) => ({ name, value }));
  const overrides = {
    ...sizeOverrides(plan.size),
    containerOverrides: [{ name: config.containerName, ...(shard && { command: [...SWEEP_COMMAND] }), environment }],
  };
  const bytes = overridesBytes(overrides);
  if (bytes > MAX_OVERRIDES_BYTES) {
    throw new InputError(
      `the RunTask overrides would be ${bytes} bytes; ECS allows ${MAX_OVERRIDES_BYTES} (8 KiB): shorten the bucket, dataset or run names`,
    );
  }
  const request: RunTaskCommandInput = {
    cluster: config.cluster,
    taskDefinition: taskDefinitionFor(config, plan.snapshot !== undefined),
    count: 1,
    ...(plan.spot
      ? { capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] }
      : { launchType: "FARGATE" }),
    networkConfiguration: networkConfiguration(config),
    overrides,
    clientToken: clientToken(runId, attempt, shard?.index),
    startedBy: startedBy(runId),
    tags: [
      { key: TAG_RUN, value: tagValue(runId) },
      { key: TAG_SCENARIO, value: tagValue(plan.scenarioName) },
      ...(shard ? [{ key: TAG_SHARD, value: `${shard.index}/${shard.count}` }] : []),
    ],
    propagateTags: config.propagateTags,
    enableExecuteCommand: false,
  };
  if (plan.snapshot) {
    const { ecsInfrastructureRoleArn: roleArn, datasetVolumeName: name } = config;
    if (!roleArn || !name) {
      throw new ConfigError(
        "--snapshot needs the compute stack's EcsInfrastructureRoleArn and DatasetVolumeName (or --infrastructure-role and --dataset-volume)",
      );
    }
    request.volumeConfigurations = [
      {
        name,
        managedEBSVolume: {
          snapshotId: checkSnapshotId(plan.snapshot.snapshotId),
          roleArn,
          volumeType: "gp3",
          filesystemType: "ext4",
          ...(plan.snapshot.sizeInGiB !== undefined && { sizeInGiB: plan.snapshot.sizeInGiB }),
          terminationPolicy: { deleteOnTermination: true },
        },
      },
    ];
  }
  return request;
}

/** `failures[]` of a RunTask response as one line: "RESOURCE:ENI (subnet-1: detail); MISSING". */
export function formatFailures(failures: readonly Failure[]): string {
  return failures
    .map((f) => {
      const what = [f.arn, f.detail].filter(Boolean).join(": ");
      return `${f.reason ?? "unknown reason"}${what ? ` (${what})` : ""}`;
    })
    .join("; ");
}

/** Keeps calls under `perSecond` in any one-second window. */
export class RateLimiter {
  private starts: number[] = [];

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock,
  ) {}

  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      this.starts = this.starts.filter((t) => now - t < 1000);
      if (this.starts.length < this.perSecond) {
        this.starts.push(now);
        return;
      }
      await this.clock.sleep(1000 - (now - (this.starts[0] as number)), signal);
    }
  }
}

export interface SubmitManyOptions {
  clock?: Clock;
  /** Calls a second at most (default {@link MAX_CALLS_PER_SECOND}). */
  maxCallsPerSecond?: number;
  /** Calls in flight at once (default 4). */
  concurrency?: number;
  /** Attempts per request on throttling or a 5xx, the first included (default 5). */
  attempts?: number;
  policy?: BackoffPolicy;
  onRetry?: (request: RunTaskCommandInput, err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

export interface SubmitResult {
  request: RunTaskCommandInput;
  tasks: Task[];
  failures: Failure[];
  /** A call that failed for good (after backoff, for throttling); the other requests still went. */
  error?: LaunchError;
}

function retryableRunTask(err: unknown): boolean {
  // Safe to repeat: every request carries its clientToken, so ECS starts a task at most once.
  if (isThrottling(err)) return true;
  const e = err as { $fault?: unknown; $retryable?: unknown };
  return e?.$fault === "server" || e?.$retryable !== undefined;
}

/**
 * Sends RunTask requests, at most {@link MAX_TASKS_PER_CALL} tasks a call and `maxCallsPerSecond`
 * calls a second, retrying throttled calls with capped, jittered backoff. Results come back in the
 * order of `requests`; a request that fails for good carries its `error` and does not stop the rest.
 */
export async function submitMany(
  ecs: ECSClient,
  requests: readonly RunTaskCommandInput[],
  opts: SubmitManyOptions = {},
): Promise<SubmitResult[]> {
  for (const r of requests) {
    const count = r.count ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > MAX_TASKS_PER_CALL) {
      throw new InputError(`RunTask starts 1–${MAX_TASKS_PER_CALL} tasks a call; a request asks for ${count}`);
    }
    if (r.launchType !== undefined && r.capacityProviderStrategy !== undefined) {
      throw new InputError("a RunTask request has both launchType and capacityProviderStrategy; ECS takes one");
    }
  }
  const clock = opts.clock ?? systemClock;
  const limiter = new RateLimiter(opts.maxCallsPerSecond ?? MAX_CALLS_PER_SECOND, clock);
  const policy = opts.policy ?? { baseMs: 250, maxMs: 8000 };
  const results: SubmitResult[] = new Array(requests.length);
  let next = 0;
  const region = await ecs.config.region().catch(() => undefined);
  const worker = async () => {
    for (let i = next++; i < requests.length; i = next++) {
      const request = requests[i] as RunTaskCommandInput;
      try {
        const res = await withRetry(
          async () => {
            await limiter.acquire(opts.signal);
            return ecs.send(new RunTaskCommand(request));
          },
          {
            attempts: opts.attempts ?? 5,
            policy,
            clock,
            retryable: retryableRunTask,
            ...(opts.onRetry && { onRetry: (err, n, ms) => opts.onRetry?.(request, err, n, ms) }),
            ...(opts.signal && { signal: opts.signal }),
          },
        );
        results[i] = { request, tasks: res.tasks ?? [], failures: res.failures ?? [] };
      } catch (err) {
        const error = describeAwsError(err, {
          action: `RunTask on cluster ${request.cluster ?? "(default)"}`,
          permission: `ecs:RunTask on ${request.taskDefinition ?? "the task definition"} and iam:PassRole on its roles`,
          ...(region && { region }),
        });
        results[i] = { request, tasks: [], failures: [], error };
      }
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency ?? 4, requests.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

/** Sends one request (through {@link submitMany}) and returns its task, or throws what went wrong. */
export async function runOneTask(ecs: ECSClient, request: RunTaskCommandInput, opts: SubmitManyOptions = {}): Promise<Task> {
  const [result] = await submitMany(ecs, [request], opts);
  if (!result) throw new LaunchError("RunTask returned nothing", "ERR_RUNTASK");
  if (result.error) throw result.error;
  const task = result.tasks[0];
  if (result.failures.length > 0 || !task?.taskArn) {
    throw new RunTaskFailureError(
      `RunTask started no task: ${result.failures.length > 0 ? formatFailures(result.failures) : "no task and no failure reported"}`,
      result.failures,
    );
  }
  return task;
}
