// Making a dataset's EBS snapshot (docs/remote.md, "Datasets on EBS snapshots"). From this machine:
// RunTask of the pull task definition with an empty managed volume that survives the task
// (`aegis-bt dataset pull` fills it), the volume found by the attempt's tag once detached,
// CreateSnapshot tagged with the dataset and its manifest's sha256, the wait until it completes,
// DeleteVolume; a pull that fails has its volume deleted and its log tail shown. Or in AWS: the
// compute stack's state machine does the same, started here with --via stepfunctions.
import { randomUUID } from "node:crypto";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CreateSnapshotCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { ECSClient, RunTaskCommandInput, Task } from "@aws-sdk/client-ecs";
import type { S3Client } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient, type StartExecutionCommandInput } from "@aws-sdk/client-sfn";
import { backoffDelay, systemClock, type BackoffPolicy, type Clock } from "./backoff.js";
import type { SnapshotLaunchConfig } from "./config.js";
import { describeDataset } from "./datasets.js";
import { InputError, LaunchError, RunFailedError, aws, userMessage } from "./errors.js";
import { LogFollower, logStreamName, logTail } from "./logs.js";
import { makeRunId, startedBy, clientToken } from "./run-id.js";
import { networkConfiguration, runOneTask, tagValue } from "./runtask.js";
import { keys, s3Uri } from "./s3.js";
import {
  SNAPSHOT_TAGS,
  deleteSnapshot,
  deleteVolume,
  describeDatasetSnapshot,
  describeVolumes,
  snapshotsTagged,
  toDatasetVolume,
  type DatasetSnapshot,
  type DatasetVolume,
} from "./snapshots.js";
import { classifyStop, waitForStop } from "./wait.js";

export const GIB = 1024 ** 3;
/** The volume's size over the dataset's bytes: ext4's metadata and 5% reserved blocks, and slack. */
export const VOLUME_HEADROOM = 1.2;
/** Plus this, for the journal and small datasets. */
export const VOLUME_EXTRA_GIB = 1;
/** gp3's largest volume. */
export const MAX_VOLUME_GIB = 16384;
/** gp3 throughput of the volume while it is filled (MiB/s; the state machine's too; 125 is gp3's baseline). */
export const PULL_VOLUME_THROUGHPUT = 500;
/** Where the pull task definition mounts the volume, read-write. */
export const PULL_MOUNT = "/mnt/data";

/** The default volume size for a dataset of `bytes` (the files its manifest names): `ceil(bytes × 1.2 / GiB) + 1` GiB. */
export function defaultVolumeGiB(bytes: number): number {
  return Math.max(1, Math.ceil((bytes * VOLUME_HEADROOM) / GIB) + VOLUME_EXTRA_GIB);
}

/** Checks a volume size (given, or the default) against gp3 and the dataset. */
export function checkVolumeSize(sizeGiB: number, bytes: number, dataset: string, given: boolean): number {
  const what = given ? `--size ${sizeGiB}` : `dataset ${dataset} needs a volume of ${sizeGiB} GiB, but`;
  if (!Number.isInteger(sizeGiB) || sizeGiB < 1) throw new InputError(`${what}: a volume size is a whole number of GiB, at least 1`);
  if (sizeGiB > MAX_VOLUME_GIB) throw new InputError(`${what} ${given ? "is more than" : "a gp3 volume holds at most"} ${MAX_VOLUME_GIB} GiB${given ? ", gp3's largest volume" : ""}`);
  if (given && sizeGiB * GIB < bytes) {
    throw new InputError(`--size ${sizeGiB} GiB cannot hold dataset ${dataset}: its files are ${(bytes / GIB).toFixed(2)} GiB (the default, ${defaultVolumeGiB(bytes)} GiB, adds headroom for the file system)`);
  }
  return sizeGiB;
}

/** The pull task's command after its entry point `aegis-bt`. */
export function pullCommand(bucket: string, dataset: string, manifestSha256: string): string[] {
  return ["dataset", "pull", "--bucket", bucket, "--dataset", dataset, "--out", PULL_MOUNT, "--manifest-sha256", manifestSha256];
}

/**
 * An id for one snapshot attempt: `<dataset>-snap-<YYYYMMDD>-<HHMMSS>-<6 hex>` (random, so two
 * attempts never share one). It tags the volume and the snapshot (`aegis:snapshot-attempt`), is the
 * task's clientToken and startedBy, and names a state machine execution.
 */
export function snapshotAttemptId(dataset: string, now: Date): string {
  return makeRunId(`${dataset}-snap`, randomUUID(), now);
}

/** A dataset ready to be snapshotted: its manifest's sha256 and the volume size. */
export interface SnapshotSource {
  dataset: string;
  bucket: string;
  /** `s3://<bucket>/datasets/<name>/`. */
  uri: string;
  manifestSha256: string;
  /** Bytes of the files the manifest names. */
  bytes: number;
  sizeGiB: number;
  /** Whether the size was given (`--size`) or computed from the manifest. */
  sizeGiven: boolean;
}

/**
 * Reads the dataset's manifest in the bucket and sizes the volume. Refuses a dataset that is not
 * there, is incomplete (no manifest: an upload under way) or whose manifest cannot be read.
 */
export async function prepareSnapshot(s3: S3Client, bucket: string, dataset: string, sizeGiB?: number): Promise<SnapshotSource> {
  const d = await describeDataset(s3, bucket, dataset);
  const uri = s3Uri(bucket, keys.dataset(dataset));
  if (!d) throw new InputError(`no dataset ${dataset}: nothing under ${uri} (upload it with aegis-launch dataset upload)`);
  if (!d.complete || d.manifestSha256 === undefined) {
    if (d.problem) throw new InputError(`dataset ${dataset} has an unreadable manifest (${d.problem}): upload it again before making a snapshot`);
    throw new InputError(`dataset ${dataset} is incomplete: ${s3Uri(bucket, keys.manifest(dataset))} does not exist (an upload under way or interrupted); finish the upload before making a snapshot`);
  }
  const bytes = d.summary?.bytes ?? d.bytes;
  const size = checkVolumeSize(sizeGiB ?? defaultVolumeGiB(bytes), bytes, dataset, sizeGiB !== undefined);
  return { dataset, bucket, uri, manifestSha256: d.manifestSha256, bytes, sizeGiB: size, sizeGiven: sizeGiB !== undefined };
}

/**
 * The RunTask request of a snapshot attempt. Pure: the pull task definition on Fargate with one
 * volume configuration, an empty managed gp3 ext4 volume of `sizeGiB` made by the ECS
 * infrastructure role that survives the task (`deleteOnTermination: false`), tagged with the
 * dataset, the manifest's sha256, the attempt and a Name; the container runs `aegis-bt dataset pull`.
 */
export function buildDatasetPullRequest(config: SnapshotLaunchConfig, source: SnapshotSource, attemptId: string): RunTaskCommandInput {
  const volumeTags = [
    { key: SNAPSHOT_TAGS.dataset, value: source.dataset },
    { key: SNAPSHOT_TAGS.manifestSha256, value: source.manifestSha256 },
    { key: SNAPSHOT_TAGS.attempt, value: attemptId },
    { key: "Name", value: tagValue(`aegis-bt dataset ${source.dataset}`) },
  ];
  return {
    cluster: config.cluster,
    taskDefinition: config.datasetPullTaskDefinition,
    count: 1,
    launchType: "FARGATE",
    networkConfiguration: networkConfiguration(config),
    overrides: { containerOverrides: [{ name: config.containerName, command: pullCommand(config.bucket, source.dataset, source.manifestSha256) }] },
    clientToken: clientToken(attemptId),
    startedBy: startedBy(attemptId),
    tags: [
      { key: SNAPSHOT_TAGS.dataset, value: source.dataset },
      { key: SNAPSHOT_TAGS.attempt, value: attemptId },
    ],
    propagateTags: config.propagateTags,
    enableExecuteCommand: false,
    volumeConfigurations: [
      {
        name: config.datasetVolumeName,
        managedEBSVolume: {
          roleArn: config.ecsInfrastructureRoleArn,
          volumeType: "gp3",
          sizeInGiB: source.sizeGiB,
          throughput: PULL_VOLUME_THROUGHPUT,
          filesystemType: "ext4",
          terminationPolicy: { deleteOnTermination: false },
          tagSpecifications: [{ resourceType: "volume", tags: volumeTags }],
        },
      },
    ],
  };
}

export type SnapshotEvent =
  | { type: "started"; taskArn: string; attemptId: string }
  | { type: "status"; status: string }
  | { type: "volume"; volumeId: string; state: string }
  | { type: "snapshot"; snapshotId: string; volumeId: string }
  | { type: "progress"; snapshotId: string; state: string; progress?: string }
  | { type: "volume-deleted"; volumeId: string }
  | { type: "warning"; message: string };

export interface SnapshotDeps {
  ecs: ECSClient;
  ec2: EC2Client;
  /** For the task's log while it runs and the tail of a failure. */
  logs?: CloudWatchLogsClient;
  clock?: Clock;
}

/** A bounded wait: every `intervalMs`, at most `polls` times. */
export interface PollLimit {
  intervalMs: number;
  polls: number;
}

/** The volume after its task stopped: ECS detaches it (and the file system with it) within minutes. */
export const VOLUME_POLL: PollLimit = { intervalMs: 15_000, polls: 40 };
/** DescribeSnapshots while a snapshot completes: 5 s doubling to a minute. */
export const SNAPSHOT_POLL: BackoffPolicy = { baseMs: 5_000, maxMs: 60_000 };
/** A snapshot that has not completed after this is given up (the state machine's bound too). */
export const SNAPSHOT_TIMEOUT_MS = 10 * 3600_000;

export interface DatasetSnapshotOptions {
  config: SnapshotLaunchConfig;
  source: SnapshotSource;
  /** This attempt's id ({@link snapshotAttemptId}). */
  attemptId: string;
  /**
   * Wait until the snapshot is completed, then delete the volume. Without it, return once the
   * snapshot is started: the volume is deleted only if the snapshot is completed by then, else it
   * stays until someone deletes it (`dataset snapshots <name> --delete-volume`).
   */
  wait?: boolean;
  /** DescribeTasks polling (default wait.ts's). */
  poll?: BackoffPolicy;
  volumePoll?: PollLimit;
  snapshotPoll?: BackoffPolicy;
  snapshotTimeoutMs?: number;
  onEvent?: (event: SnapshotEvent) => void;
  /** The task's log lines as they come. */
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}

export interface DatasetSnapshotResult {
  dataset: string;
  manifestSha256: string;
  attemptId: string;
  sizeGiB: number;
  taskArn: string;
  volumeId: string;
  snapshotId: string;
  /** `completed` with `wait`; else what it was when this returned (usually `pending`). */
  state: string;
  /** Whether the volume is deleted: always with `wait`; without, only when the snapshot had completed already. */
  volumeDeleted: boolean;
}

/** The volumes of one attempt that are not being deleted. */
async function attemptVolumes(ec2: EC2Client, attemptId: string): Promise<DatasetVolume[]> {
  const raw = await describeVolumes(ec2, [{ Name: `tag:${SNAPSHOT_TAGS.attempt}`, Values: [attemptId] }], `the volume of snapshot attempt ${attemptId}`);
  return raw.map(toDatasetVolume).filter((v): v is DatasetVolume => v !== undefined && v.state !== "deleting" && v.state !== "deleted");
}

/**
 * The attempt's one volume once it is detached (`available`), polled within `limit`. No volume, two
 * volumes, or one that stays attached or ends in `error` is a {@link LaunchError}.
 */
async function detachedVolume(ec2: EC2Client, attemptId: string, limit: PollLimit, clock: Clock, onEvent?: (e: SnapshotEvent) => void, signal?: AbortSignal): Promise<string> {
  let last = "";
  for (let poll = 0; ; poll++) {
    const volumes = await attemptVolumes(ec2, attemptId);
    const seen = volumes.map((v) => `${v.volumeId} ${v.state}`).join(", ");
    if (seen !== last && volumes.length === 1) onEvent?.({ type: "volume", volumeId: (volumes[0] as DatasetVolume).volumeId, state: (volumes[0] as DatasetVolume).state });
    last = seen;
    if (volumes.length > 1) throw new LaunchError(`snapshot attempt ${attemptId} has ${volumes.length} volumes (${seen}); expected one`, "ERR_SNAPSHOT_FAILED");
    const v = volumes[0];
    if (v?.state === "available" && !v.attached) return v.volumeId;
    if (v?.state === "error") throw new LaunchError(`the volume ${v.volumeId} of snapshot attempt ${attemptId} is in state error`, "ERR_SNAPSHOT_FAILED");
    if (poll + 1 >= limit.polls) {
      const waited = Math.round((limit.polls * limit.intervalMs) / 1000);
      throw new LaunchError(
        v
          ? `the volume ${v.volumeId} of snapshot attempt ${attemptId} was not detached within ${waited} s of the task stopping (state ${v.state})`
          : `no volume tagged ${SNAPSHOT_TAGS.attempt}=${attemptId} appeared within ${waited} s of the task stopping`,
        "ERR_SNAPSHOT_FAILED",
      );
    }
    await clock.sleep(limit.intervalMs, signal);
  }
}

/**
 * Deletes every volume of the attempt, waiting (within `limit`) for one still attached. Returns the
 * ids deleted; throws naming those it could not delete.
 */
export async function deleteAttemptVolumes(ec2: EC2Client, attemptId: string, limit: PollLimit, clock: Clock = systemClock, signal?: AbortSignal): Promise<string[]> {
  const deleted: string[] = [];
  for (let poll = 0; ; poll++) {
    const volumes = (await attemptVolumes(ec2, attemptId)).filter((v) => !deleted.includes(v.volumeId));
    for (const v of volumes.filter((x) => (x.state === "available" || x.state === "error") && !x.attached)) {
      await deleteVolume(ec2, v.volumeId);
      deleted.push(v.volumeId);
    }
    const left = volumes.filter((v) => !deleted.includes(v.volumeId));
    if (left.length === 0) return deleted;
    if (poll + 1 >= limit.polls) {
      throw new LaunchError(`volume${left.length > 1 ? "s" : ""} ${left.map((v) => `${v.volumeId} (${v.state})`).join(", ")} could not be deleted: still attached after ${Math.round((limit.polls * limit.intervalMs) / 1000)} s`, "ERR_SNAPSHOT_FAILED");
    }
    await clock.sleep(limit.intervalMs, signal);
  }
}

/** What became of a failed attempt's volumes, as the end of its message. */
async function cleanupText(ec2: EC2Client, source: SnapshotSource, attemptId: string, limit: PollLimit, clock: Clock, signal?: AbortSignal): Promise<string> {
  try {
    const deleted = await deleteAttemptVolumes(ec2, attemptId, limit, clock, signal);
    return deleted.length === 0 ? "it left no volume" : `its volume ${deleted.join(", ")} was deleted`;
  } catch (err) {
    return `and its volume could not be deleted (${userMessage(err)}): aegis-launch dataset snapshots ${source.dataset} lists it, --delete-volume <id> deletes it`;
  }
}

async function createSnapshot(ec2: EC2Client, volumeId: string, source: SnapshotSource, attemptId: string): Promise<string> {
  const region = await ec2.config.region().catch(() => undefined);
  const res = await aws(
    { action: `snapshotting volume ${volumeId}`, permission: "ec2:CreateSnapshot on the volume and snapshots, and ec2:CreateTags on snapshots at creation", ...(region && { region }) },
    () =>
      ec2.send(
        new CreateSnapshotCommand({
          VolumeId: volumeId,
          Description: `aegis-bt dataset ${source.dataset}, manifest sha256 ${source.manifestSha256}`,
          TagSpecifications: [
            {
              ResourceType: "snapshot",
              Tags: [
                { Key: SNAPSHOT_TAGS.dataset, Value: source.dataset },
                { Key: SNAPSHOT_TAGS.manifestSha256, Value: source.manifestSha256 },
                { Key: SNAPSHOT_TAGS.attempt, Value: attemptId },
                { Key: "Name", Value: `aegis-bt ${source.dataset} ${source.manifestSha256.slice(0, 12)}` },
              ],
            },
          ],
        }),
      ),
  );
  if (!res?.SnapshotId) throw new LaunchError(`CreateSnapshot of volume ${volumeId} returned no snapshot id`, "ERR_SNAPSHOT_FAILED");
  return res.SnapshotId;
}

/**
 * Polls a snapshot until it is `completed` (returned), in `error`, or past `timeoutMs` (both thrown).
 * Every poll reports its progress.
 */
export async function waitForSnapshot(
  ec2: EC2Client,
  dataset: string,
  snapshotId: string,
  opts: { poll?: BackoffPolicy; timeoutMs?: number; clock?: Clock; onEvent?: (e: SnapshotEvent) => void; signal?: AbortSignal } = {},
): Promise<DatasetSnapshot> {
  const clock = opts.clock ?? systemClock;
  const started = clock.now();
  const timeout = opts.timeoutMs ?? SNAPSHOT_TIMEOUT_MS;
  for (let step = 0; ; step++) {
    const s = await describeDatasetSnapshot(ec2, dataset, snapshotId);
    opts.onEvent?.({ type: "progress", snapshotId, state: s.state, ...(s.progress !== undefined && { progress: s.progress }) });
    if (s.state === "completed") return s;
    if (s.state === "error") throw new LaunchError(`snapshot ${snapshotId} failed (state error${s.progress ? `, ${s.progress}` : ""})`, "ERR_SNAPSHOT_FAILED");
    if (clock.now() - started >= timeout) {
      throw new LaunchError(`snapshot ${snapshotId} did not complete within ${Math.round(timeout / 60_000)} min (state ${s.state}, ${s.progress ?? "no progress"})`, "ERR_SNAPSHOT_FAILED");
    }
    await clock.sleep(backoffDelay(step, opts.poll ?? SNAPSHOT_POLL, clock.random), opts.signal);
  }
}

/** Why a stopped pull task failed, or undefined when its container exited 0. */
function pullFailure(task: Task, containerName: string): { reason: string; exitCode?: number } | undefined {
  const o = classifyStop(task, containerName);
  if (o.kind === "exited" && !o.unknownExit) return undefined;
  if (o.kind === "exited") return { reason: `stopped without an exit code (${o.reason})` };
  if (o.kind === "retry") return { reason: o.reason };
  return { reason: o.reason, ...(o.exitCode !== undefined && { exitCode: o.exitCode }) };
}

/**
 * A dataset's EBS snapshot, made from this machine: RunTask of the pull task with the new volume
 * ({@link buildDatasetPullRequest}), the task followed to its end (its log to `onLog`), then on
 * success the attempt's volume once detached, CreateSnapshot, and with `wait` the wait until the
 * snapshot is completed and DeleteVolume. A task that fails (a non-zero exit, no exit code, a failed
 * start) has the attempt's volumes deleted and throws {@link RunFailedError} with its stop reason,
 * exit code and log tail; a snapshot that fails or times out is deleted with the volume.
 */
export async function snapshotDataset(deps: SnapshotDeps, opts: DatasetSnapshotOptions): Promise<DatasetSnapshotResult> {
  const clock = deps.clock ?? systemClock;
  const { config, source, attemptId } = opts;
  const { ec2 } = deps;
  const volumePoll = opts.volumePoll ?? VOLUME_POLL;
  const signal = opts.signal;
  const request = buildDatasetPullRequest(config, source, attemptId);
  const started = await runOneTask(deps.ecs, request, { clock, ...(signal && { signal }) });
  const taskArn = started.taskArn as string;
  opts.onEvent?.({ type: "started", taskArn, attemptId });

  const group = config.logGroupName;
  const prefix = config.logStreamPrefix;
  const stream = prefix ? logStreamName(prefix, config.containerName, taskArn) : undefined;
  const follower = deps.logs && group && stream && opts.onLog ? new LogFollower(deps.logs, group, stream, clock) : undefined;
  const stopped = await waitForStop(deps.ecs, {
    cluster: config.cluster,
    taskArn,
    clock,
    ...(opts.poll && { poll: opts.poll }),
    ...(signal && { signal }),
    onStatus: (t) => opts.onEvent?.({ type: "status", status: t.lastStatus ?? "UNKNOWN" }),
    onTick: async () => {
      if (!follower) return;
      try {
        for (const line of await follower.poll()) opts.onLog?.(line);
      } catch (err) {
        opts.onEvent?.({ type: "warning", message: `log stream: ${(err as Error).message}` });
      }
    },
  });

  const failed = pullFailure(stopped, config.containerName);
  if (failed) {
    const cleanup = await cleanupText(ec2, source, attemptId, volumePoll, clock, signal);
    let tail: string[] = [];
    if (deps.logs && group && stream) {
      try {
        tail = await logTail(deps.logs, group, stream, undefined, clock);
      } catch (err) {
        tail = [`(could not read the log: ${(err as Error).message})`];
      }
    }
    throw new RunFailedError(`the snapshot of dataset ${source.dataset} failed: the pull task ${taskArn} ended with ${failed.reason}; ${cleanup}`, {
      runId: attemptId,
      attempts: 1,
      logTail: tail,
      ...(stopped.stopCode && { stopCode: stopped.stopCode }),
      ...(stopped.stoppedReason && { stoppedReason: stopped.stoppedReason }),
      ...(failed.exitCode !== undefined && { exitCode: failed.exitCode }),
    });
  }

  let volumeId: string;
  let snapshotId: string;
  try {
    volumeId = await detachedVolume(ec2, attemptId, volumePoll, clock, opts.onEvent, signal);
    snapshotId = await createSnapshot(ec2, volumeId, source, attemptId);
  } catch (err) {
    if (signal?.aborted) throw err;
    const cleanup = await cleanupText(ec2, source, attemptId, volumePoll, clock, signal);
    throw new LaunchError(`the snapshot of dataset ${source.dataset} failed after the pull: ${userMessage(err)}; ${cleanup}`, "ERR_SNAPSHOT_FAILED", { cause: err });
  }
  opts.onEvent?.({ type: "snapshot", snapshotId, volumeId });
  const result = { dataset: source.dataset, manifestSha256: source.manifestSha256, attemptId, sizeGiB: source.sizeGiB, taskArn, volumeId, snapshotId };
  if (!opts.wait) {
    // Not waiting: the volume goes only if the snapshot is already completed (small datasets).
    const now = await describeDatasetSnapshot(ec2, source.dataset, snapshotId).catch(() => undefined);
    if (now?.state !== "completed") return { ...result, state: now?.state ?? "pending", volumeDeleted: false };
    opts.onEvent?.({ type: "progress", snapshotId, state: now.state, ...(now.progress !== undefined && { progress: now.progress }) });
    await deleteVolume(ec2, volumeId);
    opts.onEvent?.({ type: "volume-deleted", volumeId });
    return { ...result, state: "completed", volumeDeleted: true };
  }
  try {
    await waitForSnapshot(ec2, source.dataset, snapshotId, {
      clock,
      ...(opts.snapshotPoll && { poll: opts.snapshotPoll }),
      ...(opts.snapshotTimeoutMs !== undefined && { timeoutMs: opts.snapshotTimeoutMs }),
      ...(opts.onEvent && { onEvent: opts.onEvent }),
      ...(signal && { signal }),
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    // A snapshot in error, or one that never completes, is not left for a run to find.
    const gone = await deleteSnapshot(ec2, snapshotId).then(
      () => `snapshot ${snapshotId} was deleted`,
      (e: unknown) => `snapshot ${snapshotId} could not be deleted (${userMessage(e)})`,
    );
    const cleanup = await cleanupText(ec2, source, attemptId, volumePoll, clock, signal);
    throw new LaunchError(`the snapshot of dataset ${source.dataset} failed: ${userMessage(err)}; ${gone}, ${cleanup}`, "ERR_SNAPSHOT_FAILED", { cause: err });
  }
  await deleteVolume(ec2, volumeId);
  opts.onEvent?.({ type: "volume-deleted", volumeId });
  return { ...result, state: "completed", volumeDeleted: true };
}

// ---- the state machine ---------------------------------------------------------------------------

/** The state machine's input (packages/infra/src/compute/dataset-snapshot.ts checks it in CheckInput). */
export interface SnapshotExecutionInput {
  dataset: string;
  manifestSha256: string;
  sizeGiB: number;
}

/** The StartExecution request: the input, and the attempt id as the execution's name. Pure. */
export function buildStartExecution(stateMachineArn: string, source: SnapshotSource, attemptId: string): StartExecutionCommandInput {
  const input: SnapshotExecutionInput = { dataset: source.dataset, manifestSha256: source.manifestSha256, sizeGiB: source.sizeGiB };
  return { stateMachineArn, name: attemptId, input: JSON.stringify(input) };
}

export async function startSnapshotExecution(sfn: SFNClient, request: StartExecutionCommandInput): Promise<string> {
  const region = await sfn.config.region().catch(() => undefined);
  const res = await aws({ action: `starting state machine ${request.stateMachineArn}`, permission: `states:StartExecution on ${request.stateMachineArn}`, ...(region && { region }) }, () =>
    sfn.send(new StartExecutionCommand(request)),
  );
  if (!res?.executionArn) throw new LaunchError(`StartExecution of ${request.stateMachineArn} returned no execution ARN`, "ERR_SNAPSHOT_FAILED");
  return res.executionArn;
}

export type ExecutionEvent = { type: "status"; status: string } | { type: "progress"; snapshotId: string; state: string; progress?: string } | { type: "warning"; message: string };

/** DescribeExecution polling: 5 s doubling to a minute. */
export const EXECUTION_POLL: BackoffPolicy = { baseMs: 5_000, maxMs: 60_000 };

/**
 * Polls an execution of the state machine until it ends. Meanwhile, given `ec2`, the snapshot the
 * execution made (tagged with its ARN) reports its progress. SUCCEEDED returns its output's
 * `snapshotId`; FAILED, TIMED_OUT or ABORTED throw with the execution's error and cause.
 */
export async function waitForExecution(
  deps: { sfn: SFNClient; ec2?: EC2Client; clock?: Clock },
  executionArn: string,
  opts: { poll?: BackoffPolicy; onEvent?: (e: ExecutionEvent) => void; signal?: AbortSignal } = {},
): Promise<{ snapshotId: string; output: Record<string, unknown> }> {
  const clock = deps.clock ?? systemClock;
  const region = await deps.sfn.config.region().catch(() => undefined);
  let last: string | undefined;
  let progressFailed = false;
  for (let step = 0; ; step++) {
    const res = await aws({ action: `following execution ${executionArn}`, permission: "states:DescribeExecution on the state machine's executions", ...(region && { region }) }, () =>
      deps.sfn.send(new DescribeExecutionCommand({ executionArn })),
    );
    const status = res?.status ?? "UNKNOWN";
    if (status !== last) opts.onEvent?.({ type: "status", status });
    last = status;
    if (status === "SUCCEEDED") {
      let output: Record<string, unknown> = {};
      try {
        output = JSON.parse(res?.output ?? "{}") as Record<string, unknown>;
      } catch {
        output = {};
      }
      if (typeof output.snapshotId !== "string") throw new LaunchError(`execution ${executionArn} succeeded without a snapshotId in its output (${res?.output ?? "none"})`, "ERR_SNAPSHOT_FAILED");
      return { snapshotId: output.snapshotId, output };
    }
    if (status !== "RUNNING" && status !== "PENDING_REDRIVE") {
      const why = [res?.error, res?.cause].filter((x): x is string => !!x).join(": ");
      throw new LaunchError(`execution ${executionArn} ended ${status}${why ? `: ${why}` : ""}`, "ERR_SNAPSHOT_FAILED");
    }
    if (deps.ec2 && !progressFailed) {
      try {
        const [s] = await snapshotsTagged(deps.ec2, SNAPSHOT_TAGS.execution, executionArn);
        if (s) opts.onEvent?.({ type: "progress", snapshotId: s.snapshotId, state: s.state, ...(s.progress !== undefined && { progress: s.progress }) });
      } catch (err) {
        progressFailed = true;
        opts.onEvent?.({ type: "warning", message: `cannot show the snapshot's progress (${userMessage(err)})` });
      }
    }
    await clock.sleep(backoffDelay(step, opts.poll ?? EXECUTION_POLL, clock.random), opts.signal);
  }
}
