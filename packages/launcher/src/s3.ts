// The S3 exchange: scenario upload, the launch record, run listings and results download, with the
// `_SUCCESS` discipline (a results prefix without it is never treated as a finished run).
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { AwsError, IncompleteRunError, InputError, aws, describeAwsError, errorName, foreignResponse, httpStatus } from "./errors.js";
import { runIdTime } from "./run-id.js";
import type { BesideFile } from "./beside.js";
import { shardName } from "./sweep-plan.js";

export const SUCCESS_MARKER = "_SUCCESS";

export const keys = {
  /** Everything the launcher writes for a run before it starts: the scenario, the launch record. */
  config: (run: string) => `configs/${run}/`,
  scenario: (run: string) => `configs/${run}/scenario.yaml`,
  /** A file the scenario reads beside itself (a `dates` file), at its relative path. */
  beside: (run: string, name: string) => `configs/${run}/${name}`,
  launchRecord: (run: string) => `configs/${run}/launch.json`,
  results: (run: string) => `results/${run}/`,
  success: (run: string) => `results/${run}/${SUCCESS_MARKER}`,
  /** A sweep's shard directories: `results/<run>/shards/<iiii>/` (docs/sweeps.md). */
  shards: (run: string) => `results/${run}/shards/`,
  shard: (run: string, index: number) => `results/${run}/shards/${shardName(index)}/`,
  shardSuccess: (run: string, index: number) => `results/${run}/shards/${shardName(index)}/${SUCCESS_MARKER}`,
  datasets: () => "datasets/",
  /** A dataset's prefix: its manifest and the files it names (docs/remote.md, "Datasets in S3"). */
  dataset: (dataset: string) => `datasets/${dataset}/`,
  manifest: (dataset: string) => `datasets/${dataset}/manifest.json`,
};

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

async function region(s3: S3Client): Promise<string | undefined> {
  try {
    return await s3.config.region();
  } catch {
    return undefined;
  }
}

/** No such object (a missing bucket is not that: it is reported, never read as "no object"). */
export function notFound(err: unknown): boolean {
  const name = errorName(err);
  if (name === "NoSuchBucket" || foreignResponse(err) !== undefined) return false;
  return name === "NotFound" || name === "NoSuchKey" || httpStatus(err) === 404;
}

/** The IAM resource of a bucket or of an object (prefix) in it, for "these credentials need …". */
export function s3Arn(bucket: string, key?: string): string {
  return `arn:aws:s3:::${bucket}${key !== undefined ? `/${key}` : ""}`;
}

/**
 * Checks the bucket exists, is reachable in this region with these credentials, and that the
 * endpoint speaks S3: one ListObjectsV2 of at most one key (the same `s3:ListBucket` permission as
 * HeadBucket). HeadBucket is not enough: its response has no body, so a failure carries no error
 * code (expired, invalid and denied credentials all look alike), and any web server that answers
 * 200 to a HEAD passes it. A listing names its bucket in S3's XML, which nothing else produces.
 */
export async function checkBucket(s3: S3Client, bucket: string): Promise<void> {
  const r = await region(s3);
  const ctx = { action: `checking bucket ${bucket}`, bucket, permission: `s3:ListBucket on ${s3Arn(bucket)}`, ...(r && { region: r }) };
  let res: { Name?: string } | undefined;
  try {
    res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
  } catch (err) {
    // A 404 without S3's error document (a HEAD-like answer): the bucket is what is missing here.
    const name = errorName(err);
    if ((name === undefined || name === "NotFound") && httpStatus(err) === 404 && foreignResponse(err) === undefined) {
      throw new AwsError(`bucket ${bucket} does not exist${r ? ` (region ${r})` : ""}: check --bucket or the stack's BucketName`, "ERR_NOT_FOUND", name, { cause: err });
    }
    throw describeAwsError(err, ctx);
  }
  if (res?.Name !== bucket) {
    const endpoint = s3.config.endpoint ? await s3.config.endpoint() : undefined;
    const where = endpoint ? `${endpoint.protocol}//${endpoint.hostname}${endpoint.port !== undefined ? `:${endpoint.port}` : ""}` : "the endpoint";
    throw new AwsError(
      `${where} answered a listing of bucket ${bucket} without S3's ListBucketResult for it${res?.Name ? ` (it named ${res.Name})` : ""}, so it is not S3: check --endpoint-url and AWS_ENDPOINT_URL`,
      "ERR_ENDPOINT",
      undefined,
    );
  }
}

/** The object {@link checkWritable} writes and deletes under a prefix. */
export const WRITE_CHECK = ".aegis-write-check";

/**
 * Proves these credentials may write under each prefix before anything real is written there (the
 * scenario upload, RunTask or SubmitJob come after): puts a small object `<prefix>.aegis-write-check`
 * and deletes it at once. A failure is the one line of {@link describeAwsError}, naming the
 * permission (`s3:PutObject`, `s3:DeleteObject`) on the prefix.
 */
export async function checkWritable(s3: S3Client, bucket: string, prefixes: readonly string[]): Promise<void> {
  const r = await region(s3);
  for (const prefix of prefixes) {
    const key = prefix + WRITE_CHECK;
    const uri = s3Uri(bucket, key);
    const common = { bucket, ...(r && { region: r }) };
    await aws({ action: `writing the check object ${uri}`, permission: `s3:PutObject on ${s3Arn(bucket, `${prefix}*`)}`, ...common }, () =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "written by aegis-launch to check that it may write here, and deleted at once\n", ContentType: "text/plain" })),
    );
    await aws({ action: `deleting the check object ${uri}`, permission: `s3:DeleteObject on ${s3Arn(bucket, `${prefix}*`)}`, ...common }, () =>
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
    );
  }
}

/** What {@link checkWritable} does for `prefixes`, as `--dry-run` reports it. */
export function writeChecks(bucket: string, prefixes: readonly string[]): string[] {
  return prefixes.map((p) => `put and delete ${s3Uri(bucket, p + WRITE_CHECK)} (s3:PutObject, s3:DeleteObject)`);
}

/** Whether an object exists (HeadObject; a 404 is `false`, anything else a mapped error). */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await aws({ action: `checking ${s3Uri(bucket, key)}`, bucket, permission: `s3:GetObject on ${s3Arn(bucket, key)}` }, () =>
      s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
    );
    return true;
  } catch (err) {
    if (notFound((err as { cause?: unknown }).cause)) return false;
    throw err;
  }
}

/** Refuses what cannot be a dataset's name (the engine's rule: letters, digits, `.`, `_`, `-`, no `..`, at most 128). */
export function checkDatasetName(dataset: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(dataset) || dataset.includes("..")) {
    throw new InputError(`"${dataset}" is not a dataset name`);
  }
  return dataset;
}

/** Refuses a dataset that has no `datasets/<name>/manifest.json` in the bucket. */
export async function checkDataset(s3: S3Client, bucket: string, dataset: string): Promise<void> {
  checkDatasetName(dataset);
  if (!(await objectExists(s3, bucket, keys.manifest(dataset)))) {
    throw new InputError(
      `unknown dataset ${dataset}: ${s3Uri(bucket, keys.manifest(dataset))} does not exist (upload it with aegis-launch dataset upload, or pass --dataset)`,
    );
  }
}

async function put(s3: S3Client, bucket: string, key: string, body: string | Uint8Array, contentType: string): Promise<void> {
  await aws({ action: `uploading ${s3Uri(bucket, key)}`, bucket, permission: `s3:PutObject on ${s3Arn(bucket, key)}` }, () =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType })),
  );
}

/** Deletes one object (deleting a key that is not there is no error in S3). */
export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  await aws({ action: `deleting ${s3Uri(bucket, key)}`, bucket, permission: `s3:DeleteObject on ${s3Arn(bucket, key)}` }, () =>
    s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
  );
}

/**
 * Uploads the files the scenario reads beside itself to `configs/<run>/<name>`, then the scenario
 * text to `configs/<run>/scenario.yaml`; returns the scenario's S3 URI.
 */
export async function uploadScenario(s3: S3Client, bucket: string, runId: string, text: string, beside: readonly BesideFile[] = []): Promise<string> {
  for (const f of beside) await put(s3, bucket, keys.beside(runId, f.name), f.bytes, "text/csv");
  await put(s3, bucket, keys.scenario(runId), text, "application/yaml");
  return s3Uri(bucket, keys.scenario(runId));
}

/** Uploads a local file's bytes to `key` (merged sweep results). */
export async function uploadFile(s3: S3Client, bucket: string, key: string, file: string, contentType = "application/octet-stream"): Promise<void> {
  await put(s3, bucket, key, await readFile(file), contentType);
}

/**
 * One attempt of a run (a RunTask, a Batch job or a local process), as recorded in
 * `configs/<run>/launch.json`. A sweep records one per shard and attempt, with `shard` set.
 */
export interface AttemptRecord {
  attempt: number;
  /** RunTask's idempotency token (Batch has none). */
  clientToken?: string;
  /** The sweep shard this attempt ran. */
  shard?: number;
  /** The Batch job: for an array child `<array job id>:<child index>`. */
  jobId?: string;
  /** The array job a Batch child belongs to. */
  arrayJobId?: string;
  /** The CloudWatch stream, when the service named it (Batch does). */
  logStreamName?: string;
  taskArn?: string;
  failures?: { arn?: string; reason?: string; detail?: string }[];
  lastStatus?: string;
  stopCode?: string;
  stoppedReason?: string;
  exitCode?: number;
  pullStartedAt?: string;
  startedAt?: string;
  stoppedAt?: string;
  /** A Batch job's own attempts (its retry strategy's), each billed: their start and stop, as DescribeJobs reports them. */
  jobAttempts?: { startedAt?: string; stoppedAt?: string }[];
}

/**
 * `configs/<run>/launch.json`: how a run was launched and what became of each attempt, so `status`,
 * `logs` and `fetch` still find its tasks after ECS has forgotten them (about an hour after they stop).
 */
export interface LaunchRecord {
  runId: string;
  scenario: string;
  submittedAt: string;
  target: "fargate" | "local" | "batch";
  cluster?: string;
  jobQueue?: string;
  jobDefinition?: string;
  /** A sweep: K shards over N points (`results/<run>/shards/<iiii>/`, then the merge). */
  sweep?: { shards: number; points: number };
  profile: string;
  size: { vcpu: number; memoryGb: number; ephemeralGiB: number };
  spot: boolean;
  dataset: string;
  snapshotId?: string;
  attempts: AttemptRecord[];
}

export async function writeLaunchRecord(s3: S3Client, bucket: string, record: LaunchRecord): Promise<void> {
  await put(s3, bucket, keys.launchRecord(record.runId), `${JSON.stringify(record, null, 2)}\n`, "application/json");
}

/** An object's text, or `undefined` when there is no such object. */
export async function readText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const res = await aws({ action: `reading ${s3Uri(bucket, key)}`, bucket, permission: `s3:GetObject on ${s3Arn(bucket, key)}` }, () =>
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
    );
    return (await res.Body?.transformToString("utf8")) ?? "";
  } catch (err) {
    if (notFound((err as { cause?: unknown }).cause)) return undefined;
    throw err;
  }
}

/** An object's bytes, or `undefined` when there is no such object. */
export async function readBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    const res = await aws({ action: `reading ${s3Uri(bucket, key)}`, bucket, permission: `s3:GetObject on ${s3Arn(bucket, key)}` }, () =>
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
    );
    return (await res.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (err) {
    if (notFound((err as { cause?: unknown }).cause)) return undefined;
    throw err;
  }
}

/** The run's launch record, if it has one (runs launched by other tools may not). */
export async function readLaunchRecord(s3: S3Client, bucket: string, runId: string): Promise<LaunchRecord | undefined> {
  const text = await readText(s3, bucket, keys.launchRecord(runId));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as LaunchRecord;
  } catch {
    return undefined;
  }
}

/** Whether `results/<run>/_SUCCESS` exists: the only sign that a run finished. */
export async function runSucceeded(s3: S3Client, bucket: string, runId: string): Promise<boolean> {
  return objectExists(s3, bucket, keys.success(runId));
}

/** The shards of a sweep that have `results/<run>/shards/<iiii>/_SUCCESS` (one listing). */
export async function finishedShards(s3: S3Client, bucket: string, runId: string): Promise<Set<number>> {
  const prefix = keys.shards(runId);
  const { objects } = await listAll(s3, bucket, prefix);
  const done = new Set<number>();
  for (const o of objects) {
    const m = /^(\d{4,})\/_SUCCESS$/.exec(o.key.slice(prefix.length));
    if (m) done.add(Number(m[1]));
  }
  return done;
}

/** Every object under `prefix` (key, size, time), and with `delimiter` the common prefixes; pages followed. */
export async function listAll(
  s3: S3Client,
  bucket: string,
  prefix: string,
  delimiter?: string,
): Promise<{ objects: { key: string; size: number; modified?: Date }[]; prefixes: string[] }> {
  const objects: { key: string; size: number; modified?: Date }[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const res = await aws({ action: `listing ${s3Uri(bucket, prefix)}`, bucket, permission: `s3:ListBucket on ${s3Arn(bucket)}` }, () =>
      s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(delimiter && { Delimiter: delimiter }),
          ...(token && { ContinuationToken: token }),
        }),
      ),
    );
    for (const o of res.Contents ?? []) {
      if (o.Key) objects.push({ key: o.Key, size: o.Size ?? 0, ...(o.LastModified && { modified: o.LastModified }) });
    }
    for (const p of res.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return { objects, prefixes };
}

export interface RunListing {
  runId: string;
  /** When the id says it was made (runs made by {@link makeRunId}). */
  time?: Date;
  hasConfig: boolean;
  hasResults: boolean;
}

/** The runs under `configs/` and `results/`, newest first (by the time in the run id, then by name). */
export async function listRuns(s3: S3Client, bucket: string): Promise<RunListing[]> {
  const [configs, results] = await Promise.all([listAll(s3, bucket, "configs/", "/"), listAll(s3, bucket, "results/", "/")]);
  const runs = new Map<string, RunListing>();
  const add = (prefix: string, root: string, field: "hasConfig" | "hasResults") => {
    const id = prefix.slice(root.length).replace(/\/$/, "");
    if (id === "") return;
    const time = runIdTime(id);
    const r = runs.get(id) ?? { runId: id, ...(time && { time }), hasConfig: false, hasResults: false };
    r[field] = true;
    runs.set(id, r);
  };
  for (const p of configs.prefixes) add(p, "configs/", "hasConfig");
  for (const p of results.prefixes) add(p, "results/", "hasResults");
  return [...runs.values()].sort((a, b) => (b.time?.getTime() ?? 0) - (a.time?.getTime() ?? 0) || b.runId.localeCompare(a.runId));
}

export interface DownloadOptions {
  /** Download a prefix without `_SUCCESS` too (what an unfinished or failed run left). */
  partial?: boolean;
  /** Key prefixes under `results/<run>/` to leave out (a sweep's `shards/`). */
  skip?: readonly string[];
}

export interface DownloadResult {
  dir: string;
  files: string[];
  bytes: number;
  complete: boolean;
}

function localPath(outDir: string, relative: string): string {
  const parts = relative.split("/");
  if (relative === "" || relative.startsWith("/") || parts.some((p) => p === ".." || p === "." || p === "")) {
    throw new InputError(`refusing to download an object whose key escapes the results directory: ${relative}`);
  }
  return join(outDir, ...parts);
}

/** Downloads one object to `file` through a `.part` name, so a file there is always whole. */
export async function downloadObject(s3: S3Client, bucket: string, key: string, file: string): Promise<void> {
  const res = await aws({ action: `downloading ${s3Uri(bucket, key)}`, bucket, permission: `s3:GetObject on ${s3Arn(bucket, key)}` }, () =>
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
  );
  await mkdir(dirname(file), { recursive: true });
  const part = `${file}.part`;
  const body = res.Body;
  if (body instanceof Readable) await pipeline(body, createWriteStream(part));
  else await pipeline(Readable.from([Buffer.from((await body?.transformToByteArray()) ?? new Uint8Array())]), createWriteStream(part));
  await rename(part, file);
}

/**
 * Downloads `results/<run>/` into `outDir`. Refuses (with {@link IncompleteRunError}) when
 * `_SUCCESS` is missing, unless `partial`. `_SUCCESS` is written last locally too, and a stale local
 * one is removed first, so a local directory with it is always a complete copy.
 */
export async function downloadResults(
  s3: S3Client,
  bucket: string,
  runId: string,
  outDir: string,
  opts: DownloadOptions = {},
): Promise<DownloadResult> {
  const prefix = keys.results(runId);
  const { objects } = await listAll(s3, bucket, prefix);
  const complete = objects.some((o) => o.key === keys.success(runId));
  if (objects.length === 0) throw new IncompleteRunError(`no results for run ${runId}: ${s3Uri(bucket, prefix)} is empty`);
  if (!complete && !opts.partial) {
    throw new IncompleteRunError(
      `run ${runId} has no ${SUCCESS_MARKER} in ${s3Uri(bucket, prefix)}: it did not finish (or is still running); pass --partial to download what is there`,
    );
  }
  const skipped = (key: string) => (opts.skip ?? []).some((p) => key.startsWith(prefix + p));
  const files = objects.filter((o) => o.key !== keys.success(runId) && !o.key.endsWith("/") && !skipped(o.key));
  const targets = files.map((o) => ({ ...o, file: localPath(outDir, o.key.slice(prefix.length)) }));
  await mkdir(outDir, { recursive: true });
  await rm(join(outDir, SUCCESS_MARKER), { force: true });
  let bytes = 0;
  for (const t of targets) {
    await downloadObject(s3, bucket, t.key, t.file);
    bytes += t.size;
  }
  const written = targets.map((t) => t.file.slice(outDir.length + (outDir.endsWith(sep) ? 0 : 1)));
  if (complete) {
    await downloadObject(s3, bucket, keys.success(runId), join(outDir, SUCCESS_MARKER));
    written.push(SUCCESS_MARKER);
  }
  return { dir: outDir, files: written, bytes, complete };
}
