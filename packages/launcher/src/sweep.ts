// Sweeps through S3 (docs/sweeps.md, docs/remote.md "Sweeps"): every check and the expansion
// before anything is sent, then the scenario upload, the shards on a lane (Fargate tasks, one AWS
// Batch array job, or the local binary), the merge in S3 and the fetch. Launching the same sweep
// again picks up where it stopped: finished shards are skipped, a merged sweep is only fetched.
import type { BatchClient, SubmitJobCommandInput } from "@aws-sdk/client-batch";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ECSClient, RunTaskCommandInput } from "@aws-sdk/client-ecs";
import type { S3Client } from "@aws-sdk/client-s3";
import { expandSweep, validateScenario } from "@aegis-bt/engine";
import { systemClock, type BackoffPolicy, type Clock } from "./backoff.js";
import { buildSubmitJobRequest, batchJobGroups, type BatchSweepPlan } from "./batch.js";
import { requireBatchConfig, requireLaunchConfig, type ConfigValues, type LaunchConfig } from "./config.js";
import { InputError, SweepFailedError, type FailedShard } from "./errors.js";
import { awsEnvironment, checkBinary, localEnvironment } from "./local-target.js";
import { checkRunId, sweepRunId } from "./run-id.js";
import { SCRATCH_ENV } from "./scratch.js";
import { fetchRun, type FetchResult } from "./runs.js";
import { buildRunTaskRequest, checkSnapshotId, containerEnvironment, type RunPlan } from "./runtask.js";
import {
  checkWritable,
  finishedShards,
  keys,
  readLaunchRecord,
  readText,
  runSucceeded,
  s3Uri,
  uploadScenario,
  writeLaunchRecord,
  type AttemptRecord,
  type LaunchRecord,
} from "./s3.js";
import { resolveSize, type ProfileName, type TaskSize } from "./sizes.js";
import { chooseRunSnapshot, scenarioProfile } from "./submit.js";
import { batchLane, fargateLane, localLane, type SweepLane } from "./sweep-lanes.js";
import { mergeShardsInS3, type MergeResult } from "./sweep-merge.js";
import { planShards, shardName, type Shard } from "./sweep-plan.js";
import { readBesideFiles, type BesideFile } from "./beside.js";
import type { SweepProgress } from "./sweep-progress.js";
import { runShards, type SweepEvent } from "./sweep-wait.js";

export type SweepLaneName = "fargate" | "batch";

export interface SweepInput {
  /** The scenario file's text (YAML or JSON); it must have a `sweep:` section. */
  scenarioText: string;
  /** Its path, for messages. */
  source: string;
  /** K: how many shards (tasks, array children) the points are split over. */
  shards: number;
  /** Default fargate. */
  lane?: SweepLaneName;
  /** Name the run instead of deriving its id from the sweep. */
  runId?: string;
  profile?: string;
  vcpu?: number;
  memoryGb?: number;
  ephemeralGiB?: number;
  spot?: boolean;
  /** Dataset name; default the scenario's `data.dataset`. */
  dataset?: string;
  /** The Fargate lane: attach the dataset from this EBS snapshot (`snap-…`) to every shard. */
  snapshot?: string;
  /** The Fargate lane: use no snapshot, not even one found by the dataset's tags (`--no-snapshot`). */
  noSnapshot?: boolean;
}

/** A sweep checked, expanded, split and named, not yet tied to an account. */
export interface PreparedSweep {
  runId: string;
  scenarioText: string;
  /** Files the scenario reads beside itself, uploaded beside it. */
  beside: BesideFile[];
  scenario: { name: string; dataset: string };
  lane: SweepLaneName;
  /** The swept paths, in column order. */
  paths: string[];
  /** N, the sweep's points. */
  points: number;
  /** The K shards and the points each runs. */
  shards: Shard[];
  profile: ProfileName;
  size: TaskSize;
  spot: boolean;
  dataset: string;
  /** The Fargate lane: every shard attaches the dataset from this snapshot. */
  snapshot?: { snapshotId: string };
  /** The Fargate lane: look for the dataset's snapshot before launching ({@link chooseSweepSnapshot}). */
  findSnapshot?: boolean;
}

function hasSweep(normalizedJson: string): boolean {
  try {
    const doc = JSON.parse(normalizedJson) as { sweep?: unknown };
    return doc.sweep !== undefined && doc.sweep !== null;
  } catch {
    return false;
  }
}

/**
 * The checks that need no AWS, in order: the scenario through the engine (its message names the
 * path, line and column), its `sweep:` section, every point expanded and validated by the engine,
 * K against the points, the size against the Fargate table, what the lane can do. Then the run id.
 */
export async function prepareSweep(input: SweepInput): Promise<PreparedSweep> {
  const summary = validateScenario(input.scenarioText, input.source);
  if (!hasSweep(summary.normalizedJson)) {
    throw new InputError(`${input.source}: the scenario has no sweep: section, so there is nothing to shard; run it with aegis-launch submit, or add one (docs/scenario.md#sweep)`);
  }
  const expansion = await expandSweep(input.scenarioText, input.source);
  const shards = planShards(input.shards, expansion.points.length);
  const lane = input.lane ?? "fargate";
  if (lane === "batch" && input.spot) {
    throw new InputError("--spot applies to the Fargate lane; on --lane batch the job queue's compute environment decides (Fargate Spot in the stack)");
  }
  if (lane === "batch" && (input.snapshot !== undefined || input.noSnapshot)) {
    throw new InputError("--snapshot and --no-snapshot apply to the Fargate lane: AWS Batch cannot attach an EBS volume, so its jobs read S3 Files or sync from S3");
  }
  if (input.noSnapshot && input.snapshot !== undefined) throw new InputError("--snapshot and --no-snapshot contradict each other: give one");
  if (lane === "batch" && input.ephemeralGiB !== undefined) {
    throw new InputError("--ephemeral cannot be set per job on --lane batch: AWS Batch takes ephemeral storage from the job definition");
  }
  const fromScenario = scenarioProfile(summary.normalizedJson);
  const { profile, size } = resolveSize({
    ...(input.profile !== undefined && { profile: input.profile }),
    ...(fromScenario !== undefined && { scenarioProfile: fromScenario }),
    ...(input.vcpu !== undefined && { vcpu: input.vcpu }),
    ...(input.memoryGb !== undefined && { memoryGb: input.memoryGb }),
    ...(input.ephemeralGiB !== undefined && { ephemeralGiB: input.ephemeralGiB }),
  });
  const runId = input.runId !== undefined ? checkRunId(input.runId) : sweepRunId(summary.name, input.scenarioText, input.shards, input.dataset);
  return {
    runId,
    scenarioText: input.scenarioText,
    beside: readBesideFiles(input.source, summary.files),
    scenario: { name: summary.name, dataset: summary.dataset },
    lane,
    paths: expansion.paths,
    points: expansion.points.length,
    shards,
    profile,
    size,
    spot: input.spot ?? false,
    dataset: input.dataset ?? summary.dataset,
    ...(input.snapshot !== undefined && { snapshot: { snapshotId: checkSnapshotId(input.snapshot) } }),
    ...(lane === "fargate" && { findSnapshot: input.snapshot === undefined && !input.noSnapshot }),
  };
}

/**
 * The Fargate lane's data path when no `--snapshot` was given: the newest completed snapshot of the
 * dataset's current manifest, as for `submit` ({@link chooseRunSnapshot}); the Batch lane looks up
 * nothing (Batch cannot attach EBS volumes). Returns the sweep and the lines to show on stderr.
 */
export async function chooseSweepSnapshot(deps: { s3: S3Client; ec2: EC2Client }, sweep: PreparedSweep, config: LaunchConfig): Promise<{ sweep: PreparedSweep; notes: string[] }> {
  if (sweep.lane !== "fargate") return { sweep, notes: [] };
  const { run, notes } = await chooseRunSnapshot(deps, sweep, config);
  return { sweep: run, notes };
}

/** The sweep against a deployment: the plan its lane's requests are built from. */
export type SweepTarget = { lane: "fargate"; plan: RunPlan } | { lane: "batch"; plan: BatchSweepPlan };

/** Ties a sweep to the configuration; refuses requests the service would refuse (ECS's 8 KiB overrides, Batch's 30 KiB). */
export function planSweep(sweep: PreparedSweep, values: ConfigValues): SweepTarget {
  const k = sweep.shards.length;
  if (sweep.lane === "batch") {
    const plan: BatchSweepPlan = {
      runId: sweep.runId,
      scenarioName: sweep.scenario.name,
      config: requireBatchConfig(values),
      size: sweep.size,
      dataset: sweep.dataset,
      shards: k,
    };
    for (const g of batchJobGroups(sweep.shards.map((s) => s.index), k)) buildSubmitJobRequest(plan, g, 1);
    return { lane: "batch", plan };
  }
  const plan: RunPlan = {
    runId: sweep.runId,
    scenarioName: sweep.scenario.name,
    config: requireLaunchConfig(values),
    size: sweep.size,
    spot: sweep.spot,
    dataset: sweep.dataset,
    ...(sweep.snapshot && { snapshot: sweep.snapshot }),
  };
  buildRunTaskRequest(plan, 1, { index: k - 1, count: k });
  return { lane: "fargate", plan };
}

/**
 * The prefixes a sweep's launch writes to, checked before anything is uploaded or started:
 * `configs/<run>/` (scenario, launch record) and `results/<run>/` (the merge, which the launcher
 * uploads itself, and on `--target local` the shards).
 */
export function sweepWritePrefixes(runId: string): string[] {
  return [keys.config(runId), keys.results(runId)];
}

/** Attempt numbers go on over launches (RunTask's clientToken must change for a new attempt). */
function nextAttempt(history: readonly AttemptRecord[], shard: number): number {
  return history.filter((a) => a.shard === shard).length + 1;
}

export interface SweepDryRun {
  runId: string;
  points: number;
  shards: number;
  lane: SweepLaneName;
  /** The merged `_SUCCESS` is there: a launch would only fetch. */
  merged: boolean;
  /** Shards with `_SUCCESS`, which a launch skips. */
  done: number[];
  upload: { bucket: string; key: string; uri: string; bytes: number };
  runTask?: RunTaskCommandInput[];
  submitJob?: SubmitJobCommandInput[];
}

/** What `--dry-run` prints: the upload and the exact requests a launch would send now. */
export function sweepDryRun(
  sweep: PreparedSweep,
  target: SweepTarget,
  state: { done: ReadonlySet<number>; merged: boolean; history?: readonly AttemptRecord[] },
): SweepDryRun {
  const bucket = target.plan.config.bucket;
  const key = keys.scenario(sweep.runId);
  const history = state.history ?? [];
  const pending = state.merged ? [] : sweep.shards.map((s) => s.index).filter((i) => !state.done.has(i));
  const k = sweep.shards.length;
  const base = {
    runId: sweep.runId,
    points: sweep.points,
    shards: k,
    lane: sweep.lane,
    merged: state.merged,
    done: [...state.done].sort((a, b) => a - b),
    upload: { bucket, key, uri: s3Uri(bucket, key), bytes: Buffer.byteLength(sweep.scenarioText) },
  };
  if (target.lane === "batch") {
    const plan = target.plan;
    const submitJob = batchJobGroups(pending, k).map((g) => buildSubmitJobRequest(plan, g, Math.max(...g.map((s) => nextAttempt(history, s)))));
    return { ...base, submitJob };
  }
  const plan = target.plan;
  return { ...base, runTask: pending.map((i) => buildRunTaskRequest(plan, nextAttempt(history, i), { index: i, count: k })) };
}

/**
 * Uploads the scenario to `configs/<run>/scenario.yaml` unless that text is already there; refuses
 * a run id that holds a different scenario (its shards would not merge with these).
 */
async function claimRun(s3: S3Client, bucket: string, sweep: PreparedSweep): Promise<string> {
  const existing = await readText(s3, bucket, keys.scenario(sweep.runId));
  if (existing !== undefined && existing !== sweep.scenarioText) {
    throw new InputError(`run ${sweep.runId} was launched with another scenario (${s3Uri(bucket, keys.scenario(sweep.runId))} differs): name a new run with --run`);
  }
  if (existing === undefined) return uploadScenario(s3, bucket, sweep.runId, sweep.scenarioText, sweep.beside);
  return s3Uri(bucket, keys.scenario(sweep.runId));
}

/** The launch record of this launch, carrying over the attempts of earlier ones. */
export function sweepRecord(
  sweep: PreparedSweep,
  target: LaunchRecord["target"],
  now: Date,
  earlier: LaunchRecord | undefined,
  where: { cluster?: string; jobQueue?: string; jobDefinition?: string } = {},
): LaunchRecord {
  const k = sweep.shards.length;
  if (earlier && earlier.sweep?.shards !== k) {
    const what = earlier.sweep ? `a sweep of ${earlier.sweep.shards} shards` : "a single run";
    throw new InputError(`run ${sweep.runId} is ${what}, not a sweep of ${k} shards: name a new run with --run, or use --shards ${earlier.sweep?.shards ?? k}`);
  }
  return {
    runId: sweep.runId,
    scenario: sweep.scenario.name,
    submittedAt: now.toISOString(),
    target,
    ...where,
    profile: sweep.profile,
    size: sweep.size,
    spot: sweep.spot,
    dataset: sweep.dataset,
    ...(sweep.snapshot && { snapshotId: sweep.snapshot.snapshotId }),
    sweep: { shards: k, points: sweep.points },
    attempts: earlier?.attempts ?? [],
  };
}

export interface SweepDeps {
  s3: S3Client;
  ecs?: ECSClient;
  batch?: BatchClient;
  clock?: Clock;
}

export interface SweepLaunchOptions {
  /** Follow the shards to the end, retry failed ones, merge; without it, start them and return. */
  wait?: boolean;
  /** Download the merged results here once merged. */
  fetchTo?: string;
  /** Attempts per shard in this launch (default 3). */
  maxAttempts?: number;
  poll?: BackoffPolicy;
  retryDelay?: BackoffPolicy;
  onEvent?: (event: SweepEvent) => void;
  onProgress?: (progress: SweepProgress) => void;
  signal?: AbortSignal;
  /** Where the merge works (default the system's temporary directory); on the local target also the binary's AEGIS_SCRATCH_DIR. */
  scratchDir?: string;
}

export interface SweepResult {
  runId: string;
  configUri?: string;
  resultsUri: string;
  /** `started`: shards sent, not waited for; `merged`: merged now; `already-merged`: nothing to do but fetch. */
  state: "started" | "merged" | "already-merged";
  /** Shards that had `_SUCCESS` before this launch. */
  skipped: number[];
  /** Attempts this launch started. */
  started: AttemptRecord[];
  merged?: MergeResult;
  fetched?: FetchResult;
}

function failure(runId: string, failed: FailedShard[], done: number, count: number): SweepFailedError {
  const list = failed
    .map((f) => `shard ${shardName(f.shard)} after ${f.attempts} attempt${f.attempts === 1 ? "" : "s"}: ${f.reason}`)
    .join("; ");
  return new SweepFailedError(`sweep ${runId}: ${failed.length} shard${failed.length === 1 ? "" : "s"} failed (${done}/${count} done): ${list}; launch the same sweep again to retry only those`, {
    runId,
    failed,
  });
}

interface LaunchCore {
  /** ECS or Batch, when given, let the fetch find the shards' stop times for their cost. */
  deps: { s3: S3Client; ecs?: ECSClient; batch?: BatchClient; clock?: Clock };
  bucket: string;
  sweep: PreparedSweep;
  recordTarget: LaunchRecord["target"];
  where?: { cluster?: string; jobQueue?: string; jobDefinition?: string };
  lane: () => Promise<SweepLane>;
  opts: SweepLaunchOptions;
}

async function launchOn(core: LaunchCore): Promise<SweepResult> {
  const { deps, bucket, sweep, opts } = core;
  const { s3 } = deps;
  const clock = deps.clock ?? systemClock;
  const { runId } = sweep;
  const k = sweep.shards.length;
  const resultsUri = s3Uri(bucket, keys.results(runId));
  const services = { s3, ...(deps.ecs && { ecs: deps.ecs }), ...(deps.batch && { batch: deps.batch }), ...(deps.clock && { clock: deps.clock }) };
  const fetch = async () => (opts.fetchTo !== undefined ? fetchRun(services, { bucket, runId, out: opts.fetchTo }) : undefined);
  if (await runSucceeded(s3, bucket, runId)) {
    const fetched = await fetch();
    return { runId, resultsUri, state: "already-merged", skipped: sweep.shards.map((s) => s.index), started: [], ...(fetched && { fetched }) };
  }
  await checkWritable(s3, bucket, sweepWritePrefixes(runId));
  const record = sweepRecord(sweep, core.recordTarget, new Date(clock.now()), await readLaunchRecord(s3, bucket, runId), core.where);
  const configUri = await claimRun(s3, bucket, sweep);
  await writeLaunchRecord(s3, bucket, record);
  const skipped = [...(await finishedShards(s3, bucket, runId))].sort((a, b) => a - b);
  let started: AttemptRecord[] = [];
  if (skipped.length < k) {
    const outcome = await runShards(
      { s3, clock },
      {
        runId,
        bucket,
        shards: sweep.shards,
        lane: await core.lane(),
        history: record.attempts,
        wait: opts.wait ?? false,
        onAttempts: async (attempts) => {
          record.attempts = attempts;
          await writeLaunchRecord(s3, bucket, record);
        },
        ...(opts.maxAttempts !== undefined && { maxAttempts: opts.maxAttempts }),
        ...(opts.poll && { poll: opts.poll }),
        ...(opts.retryDelay && { retryDelay: opts.retryDelay }),
        ...(opts.onProgress && { onProgress: opts.onProgress }),
        ...(opts.onEvent && { onEvent: opts.onEvent }),
        ...(opts.signal && { signal: opts.signal }),
      },
    );
    started = outcome.started;
    if (outcome.failed.length > 0) throw failure(runId, outcome.failed, outcome.done.size, k);
    if (!opts.wait) return { runId, configUri, resultsUri, state: "started", skipped, started };
  }
  opts.onEvent?.({ type: "merging" });
  const merged = await mergeShardsInS3(s3, bucket, runId, k, opts.scratchDir !== undefined ? { workDir: opts.scratchDir } : {});
  const fetched = await fetch();
  return { runId, configUri, resultsUri, state: "merged", skipped, started, merged, ...(fetched && { fetched }) };
}

/**
 * Launches a sweep on Fargate or AWS Batch: skips it all when merged, checks it may write under
 * `configs/<run>/` and `results/<run>/` ({@link sweepWritePrefixes}), uploads the scenario, keeps
 * the launch record, starts the shards without `_SUCCESS`; with `wait`, follows them (retrying
 * only failed shards), merges in S3 and fetches. A shard that fails for good throws
 * {@link SweepFailedError} naming it; the finished shards stay, for the next launch to skip.
 */
export async function launchSweep(deps: SweepDeps, sweep: PreparedSweep, target: SweepTarget, opts: SweepLaunchOptions = {}): Promise<SweepResult> {
  const clock = deps.clock ?? systemClock;
  const signal = opts.signal ? { signal: opts.signal } : {};
  if (target.lane === "batch") {
    const { plan } = target;
    return launchOn({
      deps,
      bucket: plan.config.bucket,
      sweep,
      recordTarget: "batch",
      where: { jobQueue: plan.config.jobQueue, jobDefinition: plan.config.jobDefinition },
      lane: async () => {
        if (!deps.batch) throw new InputError("the Batch lane needs an AWS Batch client");
        return batchLane(deps.batch, plan, { clock, ...signal });
      },
      opts,
    });
  }
  const { plan } = target;
  return launchOn({
    deps,
    bucket: plan.config.bucket,
    sweep,
    recordTarget: "fargate",
    where: { cluster: plan.config.cluster },
    lane: async () => {
      if (!deps.ecs) throw new InputError("the Fargate lane needs an ECS client");
      return fargateLane(deps.ecs, plan, sweep.shards.length, { clock, ...signal });
    },
    opts,
  });
}

export interface LocalSweepOptions extends SweepLaunchOptions {
  binary: string;
  bucket: string;
  /** Variables on top of the container's and AEGIS_SCRATCH_DIR (tests point the mount points somewhere harmless). */
  extraEnv?: Record<string, string>;
  /** Shards run at once (default 1: each already uses every core). */
  parallel?: number;
  onLine?: (line: string, stream: "stdout" | "stderr", shard: number) => void;
}

/** Polls of a local child: it ends when it ends, so look often. */
const LOCAL_POLL: BackoffPolicy = { baseMs: 200, maxMs: 1000 };
const LOCAL_RETRY_DELAY: BackoffPolicy = { baseMs: 1000, maxMs: 5000 };

/**
 * `--target local`: the same S3 exchange, record, skipping, retries and merge, with each shard the
 * `aegis-bt` binary as a child process (`aegis-bt sweep`, the container's environment,
 * AEGIS_SHARD=`i/K` and, given `scratchDir`, AEGIS_SCRATCH_DIR). Always waits.
 */
export async function launchSweepLocal(s3: S3Client, sweep: PreparedSweep, opts: LocalSweepOptions): Promise<SweepResult> {
  await checkBinary(opts.binary);
  const env = localEnvironment(containerEnvironment(opts.bucket, sweep.runId, sweep.dataset), await awsEnvironment(s3), {
    ...(opts.scratchDir !== undefined && { [SCRATCH_ENV]: opts.scratchDir }),
    ...opts.extraEnv,
  });
  return launchOn({
    deps: { s3 },
    bucket: opts.bucket,
    sweep,
    recordTarget: "local",
    lane: async () =>
      localLane(sweep.shards.length, {
        binary: opts.binary,
        env,
        ...(opts.parallel !== undefined && { parallel: opts.parallel }),
        ...(opts.onLine && { onLine: opts.onLine }),
        ...(opts.signal && { signal: opts.signal }),
      }),
    opts: { poll: LOCAL_POLL, retryDelay: LOCAL_RETRY_DELAY, ...opts, wait: true },
  });
}
