// Submitting a run: every check before anything is sent, then the S3 upload and RunTask (or the
// local binary), optionally waiting and fetching.
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ECSClient, RunTaskCommandInput } from "@aws-sdk/client-ecs";
import type { S3Client } from "@aws-sdk/client-s3";
import { validateScenario } from "@aegis-bt/engine";
import { systemClock, type BackoffPolicy, type Clock } from "./backoff.js";
import type { LaunchConfig } from "./config.js";
import { InputError, RunFailedError, RunTaskFailureError } from "./errors.js";
import { awsEnvironment, checkBinary, localEnvironment, runLocalBinary } from "./local-target.js";
import { makeRunId } from "./run-id.js";
import { SCRATCH_ENV } from "./scratch.js";
import { fetchRun, type FetchResult } from "./runs.js";
import { buildRunTaskRequest, checkSnapshotId, containerEnvironment, runOneTask, type RunPlan } from "./runtask.js";
import {
  checkBucket,
  checkDataset,
  checkWritable,
  keys,
  runSucceeded,
  s3Uri,
  uploadScenario,
  writeLaunchRecord,
  type AttemptRecord,
  type LaunchRecord,
} from "./s3.js";
import { resolveSize, type ProfileName, type TaskSize } from "./sizes.js";
import { findRunSnapshot } from "./snapshots.js";
import { readBesideFiles, type BesideFile } from "./beside.js";
import { attemptFields, runToCompletion, type RunEvent, type RunOutcome } from "./wait.js";

export interface SubmitInput {
  /** The scenario file's text (YAML or JSON). */
  scenarioText: string;
  /** Its path, for messages. */
  source: string;
  /** Size profile; default the scenario's `resources.profile`, else orats-7y. */
  profile?: string;
  vcpu?: number;
  memoryGb?: number;
  ephemeralGiB?: number;
  spot?: boolean;
  /** EBS snapshot holding the dataset (`snap-…`), attached at launch. */
  snapshot?: string;
  /** Use no snapshot, not even one found by the dataset's tags (`--no-snapshot`). */
  noSnapshot?: boolean;
  /** Size of that volume; default the snapshot's. */
  volumeSizeGiB?: number;
  /** Dataset name; default the scenario's `data.dataset`. */
  dataset?: string;
  /** The submission time (run id); default now. */
  now?: Date;
}

/** A run checked and named, not yet tied to an account. */
export interface PreparedRun {
  runId: string;
  scenarioText: string;
  /** Files the scenario reads beside itself, uploaded beside it. */
  beside: BesideFile[];
  scenario: { name: string; dataset: string; tickers: string[]; start: string; end: string };
  profile: ProfileName;
  size: TaskSize;
  spot: boolean;
  dataset: string;
  snapshot?: { snapshotId: string; sizeInGiB?: number };
  /**
   * Look for the dataset's newest completed snapshot of its current manifest before launching on
   * Fargate ({@link chooseRunSnapshot}): {@link prepareRun} sets it unless `--snapshot` or
   * `--no-snapshot` was given; absent, nothing is looked up.
   */
  findSnapshot?: boolean;
}

/** The scenario's `resources.profile`, read from the engine's normalized JSON. */
export function scenarioProfile(normalizedJson: string): string | undefined {
  try {
    const doc = JSON.parse(normalizedJson) as { resources?: { profile?: unknown } | null };
    const p = doc.resources?.profile;
    return typeof p === "string" ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The checks that need no AWS, in order: the scenario through the engine (its message names the
 * path, line and column), the size against the Fargate table, the snapshot id's form. Then the run id.
 */
export function prepareRun(input: SubmitInput): PreparedRun {
  const summary = validateScenario(input.scenarioText, input.source);
  const { profile, size } = resolveSize({
    ...(input.profile !== undefined && { profile: input.profile }),
    ...(scenarioProfile(summary.normalizedJson) !== undefined && { scenarioProfile: scenarioProfile(summary.normalizedJson) }),
    ...(input.vcpu !== undefined && { vcpu: input.vcpu }),
    ...(input.memoryGb !== undefined && { memoryGb: input.memoryGb }),
    ...(input.ephemeralGiB !== undefined && { ephemeralGiB: input.ephemeralGiB }),
  });
  if (input.noSnapshot && input.snapshot !== undefined) throw new InputError("--snapshot and --no-snapshot contradict each other: give one");
  if (input.volumeSizeGiB !== undefined && input.snapshot === undefined) {
    throw new InputError("--volume-size sizes the dataset volume of --snapshot; give --snapshot too");
  }
  if (input.volumeSizeGiB !== undefined && (!Number.isInteger(input.volumeSizeGiB) || input.volumeSizeGiB < 1 || input.volumeSizeGiB > 16384)) {
    throw new InputError(`--volume-size must be a whole number of GiB from 1 to 16384 (gp3), got ${input.volumeSizeGiB}`);
  }
  const snapshot =
    input.snapshot !== undefined
      ? {
          snapshotId: checkSnapshotId(input.snapshot),
          ...(input.volumeSizeGiB !== undefined && { sizeInGiB: input.volumeSizeGiB }),
        }
      : undefined;
  const dataset = input.dataset ?? summary.dataset;
  return {
    runId: makeRunId(summary.name, input.scenarioText, input.now ?? new Date()),
    scenarioText: input.scenarioText,
    beside: readBesideFiles(input.source, summary.files),
    scenario: { name: summary.name, dataset: summary.dataset, tickers: summary.tickers, start: summary.start, end: summary.end },
    profile,
    size,
    spot: input.spot ?? false,
    dataset,
    ...(snapshot && { snapshot }),
    findSnapshot: snapshot === undefined && !input.noSnapshot,
  };
}

/** What {@link chooseRunSnapshot} reads of a run (or of a sweep). */
export interface SnapshotChoosing {
  dataset: string;
  snapshot?: { snapshotId: string; sizeInGiB?: number };
  findSnapshot?: boolean;
}

/**
 * Where a run on Fargate reads its dataset when no `--snapshot` was given (docs/remote.md, "Datasets
 * on EBS snapshots"): the newest completed EBS snapshot tagged with the dataset and the sha256 of its
 * manifest in the bucket now ({@link findRunSnapshot}); a snapshot of another manifest is passed over
 * and said why; with none, S3 Files or the S3 sync as before. Returns the run (with the snapshot, if
 * one is taken) and the lines to show on stderr. A run with `--snapshot` or `--no-snapshot` looks up
 * nothing.
 */
export async function chooseRunSnapshot<R extends SnapshotChoosing>(deps: { s3: S3Client; ec2: EC2Client }, run: R, config: LaunchConfig): Promise<{ run: R; notes: string[] }> {
  if (!run.findSnapshot) return { run, notes: run.snapshot || run.findSnapshot === undefined ? [] : [`--no-snapshot: the task reads ${run.dataset} from S3 Files, or syncs the partitions it needs from S3`] };
  if (!config.ecsInfrastructureRoleArn || !config.datasetVolumeName) {
    return { run, notes: [`not looking for EBS snapshots of ${run.dataset}: the configuration lacks EcsInfrastructureRoleArn or DatasetVolumeName, which attaching one needs; the task reads S3 Files, or syncs from S3`] };
  }
  const found = await findRunSnapshot(deps, config.bucket, run.dataset);
  return { run: found.snapshotId ? { ...run, snapshot: { snapshotId: found.snapshotId } } : run, notes: found.notes };
}

/** The run against a deployment: what {@link buildRunTaskRequest} turns into requests. */
export function planRun(run: PreparedRun, config: LaunchConfig): RunPlan {
  const plan: RunPlan = {
    runId: run.runId,
    scenarioName: run.scenario.name,
    config,
    size: run.size,
    spot: run.spot,
    dataset: run.dataset,
    ...(run.snapshot && { snapshot: run.snapshot }),
  };
  buildRunTaskRequest(plan); // refuses a request ECS would refuse (8 KiB overrides, snapshot without role)
  return plan;
}

/**
 * The read-only checks against the account, before anything is launched (and all `--dry-run`
 * does): the bucket exists, answers in this region to these credentials and is S3; the dataset's
 * manifest is in it. Returns what was checked, for `--dry-run`. The write checks come at launch
 * ({@link checkWritable}, first thing in {@link launch}, {@link launchLocal} and the sweeps).
 */
export async function preflight(s3: S3Client, bucket: string, dataset: string): Promise<string[]> {
  await checkBucket(s3, bucket);
  await checkDataset(s3, bucket, dataset);
  const region = await s3.config.region().catch(() => undefined);
  return [
    `bucket ${bucket} exists${region ? ` in ${region}` : ""} and these credentials may list it (ListObjectsV2)`,
    `dataset ${dataset}: ${s3Uri(bucket, keys.manifest(dataset))} exists`,
  ];
}

/**
 * The prefixes a run's launch writes to, checked before the scenario is uploaded: `configs/<run>/`
 * (the scenario, the launch record) and, for `--target local`, `results/<run>/` too (the binary
 * uploads its results with the launcher's own credentials).
 */
export function runWritePrefixes(runId: string, target: "fargate" | "local"): string[] {
  return target === "local" ? [keys.config(runId), keys.results(runId)] : [keys.config(runId)];
}

export interface DryRun {
  runId: string;
  upload: { bucket: string; key: string; uri: string; bytes: number };
  runTask: RunTaskCommandInput;
}

/** What `--dry-run` prints: the upload it would make and the exact RunTask request of attempt 1. */
export function dryRun(run: PreparedRun, plan: RunPlan): DryRun {
  const key = keys.scenario(run.runId);
  return {
    runId: run.runId,
    upload: { bucket: plan.config.bucket, key, uri: s3Uri(plan.config.bucket, key), bytes: Buffer.byteLength(run.scenarioText) },
    runTask: buildRunTaskRequest(plan, 1),
  };
}

export function newLaunchRecord(run: PreparedRun, target: "fargate" | "local", now: Date, cluster?: string): LaunchRecord {
  return {
    runId: run.runId,
    scenario: run.scenario.name,
    submittedAt: now.toISOString(),
    target,
    ...(cluster !== undefined && { cluster }),
    profile: run.profile,
    size: run.size,
    spot: run.spot,
    dataset: run.dataset,
    ...(run.snapshot && { snapshotId: run.snapshot.snapshotId }),
    attempts: [],
  };
}

export interface LaunchDeps {
  s3: S3Client;
  ecs: ECSClient;
  logs?: CloudWatchLogsClient;
  clock?: Clock;
}

export interface LaunchOptions {
  /** Wait for the end (retrying Spot interruptions and failed starts) instead of returning once started. */
  wait?: boolean;
  /** With `wait`: download the results here on success. */
  fetchTo?: string;
  maxAttempts?: number;
  poll?: BackoffPolicy;
  retryDelay?: BackoffPolicy;
  onLog?: (line: string) => void;
  onEvent?: (event: RunEvent) => void;
  signal?: AbortSignal;
}

export interface LaunchResult {
  runId: string;
  configUri: string;
  resultsUri: string;
  /** The task of the last attempt. */
  taskArn?: string;
  outcome?: RunOutcome;
  fetched?: FetchResult;
}

/**
 * Checks it may write under `configs/<run>/`, uploads the scenario and starts the run on Fargate;
 * with `wait`, sees it to the end.
 */
export async function launch(deps: LaunchDeps, run: PreparedRun, plan: RunPlan, opts: LaunchOptions = {}): Promise<LaunchResult> {
  const clock = deps.clock ?? systemClock;
  const { bucket, cluster } = plan.config;
  const record = newLaunchRecord(run, "fargate", new Date(clock.now()), cluster);
  await checkWritable(deps.s3, bucket, runWritePrefixes(run.runId, "fargate"));
  const configUri = await uploadScenario(deps.s3, bucket, run.runId, run.scenarioText, run.beside);
  const resultsUri = s3Uri(bucket, keys.results(run.runId));
  const saveAttempts = async (attempts: AttemptRecord[]) => {
    record.attempts = attempts;
    await writeLaunchRecord(deps.s3, bucket, record);
  };
  if (!opts.wait) {
    const request = buildRunTaskRequest(plan, 1);
    const attempt: AttemptRecord = { attempt: 1, clientToken: request.clientToken as string };
    let task;
    try {
      task = await runOneTask(deps.ecs, request, { clock, ...(opts.signal && { signal: opts.signal }) });
    } catch (err) {
      if (err instanceof RunTaskFailureError) {
        attempt.failures = err.failures;
        await saveAttempts([attempt]);
      }
      throw err;
    }
    Object.assign(attempt, attemptFields(task, plan.config.containerName));
    await saveAttempts([attempt]);
    return { runId: run.runId, configUri, resultsUri, taskArn: task.taskArn as string };
  }
  const outcome = await runToCompletion(
    { ecs: deps.ecs, s3: deps.s3, ...(deps.logs && { logs: deps.logs }), clock },
    {
      plan,
      onAttempts: saveAttempts,
      ...(opts.maxAttempts !== undefined && { maxAttempts: opts.maxAttempts }),
      ...(opts.poll && { poll: opts.poll }),
      ...(opts.retryDelay && { retryDelay: opts.retryDelay }),
      ...(opts.onLog && { onLog: opts.onLog }),
      ...(opts.onEvent && { onEvent: opts.onEvent }),
      ...(opts.signal && { signal: opts.signal }),
    },
  );
  const fetched =
    opts.fetchTo !== undefined
      ? await fetchRun({ s3: deps.s3 }, { bucket, runId: run.runId, out: opts.fetchTo, record: { ...record, attempts: outcome.attempts } })
      : undefined;
  return { runId: run.runId, configUri, resultsUri, taskArn: outcome.task.taskArn as string, outcome, ...(fetched && { fetched }) };
}

export interface LocalLaunchOptions {
  binary: string;
  bucket: string;
  /** The binary's scratch directory, passed as AEGIS_SCRATCH_DIR (unset: the binary's default, /tmp/aegis-scratch). */
  scratchDir?: string;
  /** Variables on top of the container's and AEGIS_SCRATCH_DIR (tests point the mount points somewhere harmless). */
  extraEnv?: Record<string, string>;
  fetchTo?: string;
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  signal?: AbortSignal;
  clock?: Clock;
}

/**
 * `--target local`: the same S3 exchange as Fargate, with the `aegis-bt` binary as a child process
 * in place of the task. Checks the binary, and that it may write under `configs/<run>/` and
 * `results/<run>/`, before uploading anything. Fails with the exit code and the output's tail;
 * succeeds only with `_SUCCESS`.
 */
export async function launchLocal(s3: S3Client, run: PreparedRun, opts: LocalLaunchOptions): Promise<LaunchResult> {
  const clock = opts.clock ?? systemClock;
  await checkBinary(opts.binary);
  const { bucket } = opts;
  const env = localEnvironment(containerEnvironment(bucket, run.runId, run.dataset), await awsEnvironment(s3), {
    ...(opts.scratchDir !== undefined && { [SCRATCH_ENV]: opts.scratchDir }),
    ...opts.extraEnv,
  });
  await checkWritable(s3, bucket, runWritePrefixes(run.runId, "local"));
  const configUri = await uploadScenario(s3, bucket, run.runId, run.scenarioText, run.beside);
  const resultsUri = s3Uri(bucket, keys.results(run.runId));
  const record = newLaunchRecord(run, "local", new Date(clock.now()));
  const started = new Date(clock.now()).toISOString();
  await writeLaunchRecord(s3, bucket, record);
  const result = await runLocalBinary({
    binary: opts.binary,
    env,
    ...(opts.onLine && { onLine: opts.onLine }),
    ...(opts.signal && { signal: opts.signal }),
  });
  record.attempts = [
    {
      attempt: 1,
      clientToken: "local",
      startedAt: started,
      stoppedAt: new Date(clock.now()).toISOString(),
      ...(result.exitCode !== null && { exitCode: result.exitCode }),
      ...(result.signal && { stoppedReason: `killed by ${result.signal}` }),
    },
  ];
  await writeLaunchRecord(s3, bucket, record);
  if (result.exitCode !== 0) {
    const how = result.exitCode !== null ? `exit code ${result.exitCode}` : `killed by ${result.signal}`;
    throw new RunFailedError(`run ${run.runId} failed: ${opts.binary} ended with ${how}`, {
      runId: run.runId,
      attempts: 1,
      logTail: result.tail,
      ...(result.exitCode !== null && { exitCode: result.exitCode }),
    });
  }
  if (!(await runSucceeded(s3, bucket, run.runId))) {
    throw new RunFailedError(
      `run ${run.runId}: ${opts.binary} exited 0 but ${s3Uri(bucket, keys.success(run.runId))} is missing: the run is not complete and was not fetched`,
      { runId: run.runId, attempts: 1, exitCode: 0, logTail: result.tail },
    );
  }
  const fetched = opts.fetchTo !== undefined ? await fetchRun({ s3 }, { bucket, runId: run.runId, out: opts.fetchTo, record }) : undefined;
  return { runId: run.runId, configUri, resultsUri, ...(fetched && { fetched }) };
}
