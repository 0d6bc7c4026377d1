// The EBS snapshots of datasets (docs/remote.md, "Datasets on EBS snapshots"), found by their tags:
// listing them, choosing the one a run attaches (the newest completed snapshot of the dataset's
// current manifest), deleting one; and the volumes a snapshot attempt may have left behind.
// Making a snapshot is dataset-snapshot.ts.
import {
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type EC2Client,
  type Filter,
  type Snapshot,
  type Tag,
  type Volume,
} from "@aws-sdk/client-ec2";
import type { S3Client } from "@aws-sdk/client-s3";
import { manifestSha256 } from "./dataset-manifest.js";
import type { DatasetListing } from "./datasets.js";
import { InputError, aws, errorName, userMessage } from "./errors.js";
import { checkDatasetName, keys, readBytes, s3Uri } from "./s3.js";

/**
 * The tags of a dataset's volume and snapshot (the compute stack's contract.ts holds the same
 * values): the dataset, the sha256 of the manifest it was pulled from, and what made it — the state
 * machine's execution (its ARN) or the launcher's attempt (an id of its own).
 */
export const SNAPSHOT_TAGS = {
  dataset: "aegis:dataset",
  manifestSha256: "aegis:manifest-sha256",
  execution: "aegis:execution",
  attempt: "aegis:snapshot-attempt",
} as const;

/** An EBS snapshot tagged with a dataset. */
export interface DatasetSnapshot {
  snapshotId: string;
  dataset: string;
  /** The `aegis:manifest-sha256` tag: the manifest it was pulled from. */
  manifestSha256?: string;
  /** EC2's state: `pending`, `completed`, `error`, `recoverable`, `recovering`. */
  state: string;
  /** EC2's progress, e.g. `40%`. */
  progress?: string;
  sizeGiB?: number;
  startTime?: Date;
  completionTime?: Date;
  volumeId?: string;
  description?: string;
  /** The launcher's attempt that made it (`aegis:snapshot-attempt`). */
  attempt?: string;
  /** The state machine's execution that made it (`aegis:execution`). */
  execution?: string;
}

/** An EBS volume tagged with a dataset: a snapshot attempt's, under way or left behind. */
export interface DatasetVolume {
  volumeId: string;
  dataset: string;
  manifestSha256?: string;
  /** EC2's state: `creating`, `available`, `in-use`, `deleting`, `deleted`, `error`. */
  state: string;
  sizeGiB?: number;
  createTime?: Date;
  attempt?: string;
  execution?: string;
  /** Attached now (to a task's host): it cannot be deleted until the task stops. */
  attached: boolean;
}

function tag(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** `1a2b3c4d…`: the first 8 digits of a sha256, for messages. */
export function shortSha(sha: string | undefined): string {
  return sha ? `${sha.slice(0, 8)}…` : "(none)";
}

/** `2026-11-21 13:45 UTC`. */
export function formatTime(d: Date | undefined): string {
  return d ? `${d.toISOString().slice(0, 16).replace("T", " ")} UTC` : "-";
}

async function regionOf(ec2: EC2Client): Promise<string | undefined> {
  try {
    return await ec2.config.region();
  } catch {
    return undefined;
  }
}

async function ctx(ec2: EC2Client, action: string, permission: string) {
  const region = await regionOf(ec2);
  return { action, permission, ...(region && { region }) };
}

/** Every snapshot of this account matching `filters` (DescribeSnapshots, all pages); `what` names them in messages. */
async function describeSnapshots(ec2: EC2Client, input: { filters?: Filter[]; ids?: string[] }, what: string): Promise<Snapshot[]> {
  const c = await ctx(ec2, `describing ${what}`, "ec2:DescribeSnapshots");
  const out: Snapshot[] = [];
  let token: string | undefined;
  do {
    const res = await aws(c, () =>
      ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ["self"],
          ...(input.filters && { Filters: input.filters }),
          ...(input.ids && { SnapshotIds: input.ids }),
          ...(token && { NextToken: token }),
        }),
      ),
    );
    out.push(...(res?.Snapshots ?? []));
    token = res?.NextToken;
  } while (token);
  return out;
}

/** Every volume matching `filters` (DescribeVolumes, all pages); `what` names them in messages. */
export async function describeVolumes(ec2: EC2Client, filters: Filter[], what: string): Promise<Volume[]> {
  const c = await ctx(ec2, `describing ${what}`, "ec2:DescribeVolumes");
  const out: Volume[] = [];
  let token: string | undefined;
  do {
    const res = await aws(c, () => ec2.send(new DescribeVolumesCommand({ Filters: filters, ...(token && { NextToken: token }) })));
    out.push(...(res?.Volumes ?? []));
    token = res?.NextToken;
  } while (token);
  return out;
}

function toDatasetSnapshot(s: Snapshot): DatasetSnapshot | undefined {
  const dataset = tag(s.Tags, SNAPSHOT_TAGS.dataset);
  if (!s.SnapshotId || dataset === undefined) return undefined;
  const sha = tag(s.Tags, SNAPSHOT_TAGS.manifestSha256);
  const attempt = tag(s.Tags, SNAPSHOT_TAGS.attempt);
  const execution = tag(s.Tags, SNAPSHOT_TAGS.execution);
  return {
    snapshotId: s.SnapshotId,
    dataset,
    ...(sha !== undefined && { manifestSha256: sha }),
    state: s.State ?? "unknown",
    ...(s.Progress !== undefined && { progress: s.Progress }),
    ...(s.VolumeSize !== undefined && { sizeGiB: s.VolumeSize }),
    ...(s.StartTime && { startTime: s.StartTime }),
    ...(s.CompletionTime && { completionTime: s.CompletionTime }),
    ...(s.VolumeId && { volumeId: s.VolumeId }),
    ...(s.Description && { description: s.Description }),
    ...(attempt !== undefined && { attempt }),
    ...(execution !== undefined && { execution }),
  };
}

export function toDatasetVolume(v: Volume): DatasetVolume | undefined {
  const dataset = tag(v.Tags, SNAPSHOT_TAGS.dataset);
  if (!v.VolumeId || dataset === undefined) return undefined;
  const sha = tag(v.Tags, SNAPSHOT_TAGS.manifestSha256);
  const attempt = tag(v.Tags, SNAPSHOT_TAGS.attempt);
  const execution = tag(v.Tags, SNAPSHOT_TAGS.execution);
  return {
    volumeId: v.VolumeId,
    dataset,
    ...(sha !== undefined && { manifestSha256: sha }),
    state: v.State ?? "unknown",
    ...(v.Size !== undefined && { sizeGiB: v.Size }),
    ...(v.CreateTime && { createTime: v.CreateTime }),
    ...(attempt !== undefined && { attempt }),
    ...(execution !== undefined && { execution }),
    attached: (v.Attachments ?? []).some((a) => a.State !== "detached"),
  };
}

/** Newest first: by start time, then by id (so equal times still give one order). */
export function newestFirst<T extends { startTime?: Date; snapshotId: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => {
    const t = (b.startTime?.getTime() ?? 0) - (a.startTime?.getTime() ?? 0);
    return t !== 0 ? t : a.snapshotId < b.snapshotId ? 1 : a.snapshotId > b.snapshotId ? -1 : 0;
  });
}

/**
 * The snapshots of this account tagged `aegis:dataset` — with `dataset`, that dataset's only —
 * newest first.
 */
export async function listDatasetSnapshots(ec2: EC2Client, dataset?: string): Promise<DatasetSnapshot[]> {
  const filters: Filter[] =
    dataset !== undefined ? [{ Name: `tag:${SNAPSHOT_TAGS.dataset}`, Values: [checkDatasetName(dataset)] }] : [{ Name: "tag-key", Values: [SNAPSHOT_TAGS.dataset] }];
  const raw = await describeSnapshots(ec2, { filters }, dataset !== undefined ? `the EBS snapshots of dataset ${dataset}` : "the EBS snapshots of datasets");
  return newestFirst(raw.map(toDatasetSnapshot).filter((s): s is DatasetSnapshot => s !== undefined));
}

/** The dataset snapshots carrying the tag `key` = `value` (an attempt's, an execution's), newest first. */
export async function snapshotsTagged(ec2: EC2Client, key: string, value: string): Promise<DatasetSnapshot[]> {
  const raw = await describeSnapshots(ec2, { filters: [{ Name: `tag:${key}`, Values: [value] }] }, `the EBS snapshots tagged ${key}=${value}`);
  return newestFirst(raw.map(toDatasetSnapshot).filter((s): s is DatasetSnapshot => s !== undefined));
}

/** The volumes tagged with `dataset` that are not being deleted: snapshot attempts under way or left behind. */
export async function listDatasetVolumes(ec2: EC2Client, dataset: string): Promise<DatasetVolume[]> {
  const raw = await describeVolumes(ec2, [{ Name: `tag:${SNAPSHOT_TAGS.dataset}`, Values: [checkDatasetName(dataset)] }], `the EBS volumes of dataset ${dataset}`);
  return raw
    .map(toDatasetVolume)
    .filter((v): v is DatasetVolume => v !== undefined && v.state !== "deleting" && v.state !== "deleted")
    .sort((a, b) => (b.createTime?.getTime() ?? 0) - (a.createTime?.getTime() ?? 0) || (a.volumeId < b.volumeId ? -1 : 1));
}

/** Why a snapshot is not the one a run takes, or undefined when it could be. */
function unusable(s: DatasetSnapshot, sha: string): string | undefined {
  if (s.manifestSha256 === undefined) return `it has no ${SNAPSHOT_TAGS.manifestSha256} tag, so its data cannot be matched to the manifest`;
  if (s.manifestSha256 !== sha) return `it holds manifest ${shortSha(s.manifestSha256)}, not the dataset's current ${shortSha(sha)} (the dataset was uploaded again since)`;
  if (s.state !== "completed") return `it is ${s.state}${s.progress && s.state === "pending" ? ` (${s.progress})` : ""}, not completed`;
  return undefined;
}

export interface SnapshotChoice {
  /** The newest completed snapshot of the manifest, if any. */
  chosen?: DatasetSnapshot;
  /** Snapshots of the dataset not taken, and why (older completed ones of the same manifest are not listed). */
  passedOver: { snapshot: DatasetSnapshot; why: string }[];
}

/** The snapshot a run on the dataset whose manifest has sha256 `sha` attaches: the newest completed one of that manifest. Pure. */
export function chooseSnapshot(snapshots: readonly DatasetSnapshot[], sha: string): SnapshotChoice {
  const out: SnapshotChoice = { passedOver: [] };
  for (const s of newestFirst(snapshots)) {
    const why = unusable(s, sha);
    if (why !== undefined) out.passedOver.push({ snapshot: s, why });
    else out.chosen ??= s;
  }
  return out;
}

/** The lines a run prints on stderr about its choice. */
export function describeChoice(dataset: string, sha: string, choice: SnapshotChoice): string[] {
  const lines: string[] = [];
  const c = choice.chosen;
  if (c) {
    const when = c.completionTime ? `completed ${formatTime(c.completionTime)}` : `completed (started ${formatTime(c.startTime)})`;
    lines.push(`using snapshot ${c.snapshotId} of ${dataset} (manifest ${shortSha(c.manifestSha256)}), ${when}`);
  } else {
    lines.push(
      choice.passedOver.length === 0
        ? `no EBS snapshot of ${dataset}: the task reads the dataset from S3 Files, or syncs the partitions it needs from S3 (aegis-launch dataset snapshot ${dataset} makes one)`
        : `no completed EBS snapshot of ${dataset} with its manifest ${shortSha(sha)}: the task reads the dataset from S3 Files, or syncs the partitions it needs from S3`,
    );
  }
  const shown = choice.passedOver.slice(0, 5);
  for (const p of shown) lines.push(`not using snapshot ${p.snapshot.snapshotId}: ${p.why}`);
  if (choice.passedOver.length > shown.length) lines.push(`(and ${choice.passedOver.length - shown.length} more not used; aegis-launch dataset snapshots ${dataset} lists them)`);
  return lines;
}

/** The sha256 of a dataset's manifest in the bucket (its version), or undefined when it has none. */
export async function currentManifestSha256(s3: S3Client, bucket: string, dataset: string): Promise<string | undefined> {
  const bytes = await readBytes(s3, bucket, keys.manifest(checkDatasetName(dataset)));
  return bytes === undefined ? undefined : manifestSha256(bytes);
}

/** The sha256 of a dataset's manifest in the bucket; an {@link InputError} when it has none. */
export async function datasetManifestSha256(s3: S3Client, bucket: string, dataset: string): Promise<string> {
  const sha = await currentManifestSha256(s3, bucket, dataset);
  if (sha === undefined) throw new InputError(`unknown dataset ${dataset}: ${s3Uri(bucket, keys.manifest(dataset))} does not exist`);
  return sha;
}

export interface RunSnapshot {
  /** The snapshot to attach; none: the task reads S3 Files or syncs from S3. */
  snapshotId?: string;
  manifestSha256?: string;
  choice?: SnapshotChoice;
  /** What to tell the user (stderr), one line each. */
  notes: string[];
}

/**
 * The snapshot a run without `--snapshot` attaches: the newest completed snapshot tagged with its
 * dataset and with the sha256 of the dataset's manifest in the bucket now. Any other is passed over
 * and said why. A lookup that fails (no `ec2:DescribeSnapshots`, say) is a note, not a failure: the
 * run then reads S3 Files or syncs from S3, as it would without snapshots.
 */
export async function findRunSnapshot(deps: { s3: S3Client; ec2: EC2Client }, bucket: string, dataset: string): Promise<RunSnapshot> {
  const sha = await datasetManifestSha256(deps.s3, bucket, dataset);
  let snapshots: DatasetSnapshot[];
  try {
    snapshots = await listDatasetSnapshots(deps.ec2, dataset);
  } catch (err) {
    return {
      manifestSha256: sha,
      notes: [`could not look for EBS snapshots of ${dataset} (${userMessage(err)}): the task reads the dataset from S3 Files, or syncs the partitions it needs from S3`],
    };
  }
  const choice = chooseSnapshot(snapshots, sha);
  return { ...(choice.chosen && { snapshotId: choice.chosen.snapshotId }), manifestSha256: sha, choice, notes: describeChoice(dataset, sha, choice) };
}

/**
 * The listings with their `snapshots` count: the completed snapshots of each dataset's current
 * manifest (what a run could attach); none for a dataset without a readable manifest. Pure.
 */
export function withSnapshotCounts(listings: readonly DatasetListing[], snapshots: readonly DatasetSnapshot[]): DatasetListing[] {
  return listings.map((d) =>
    d.manifestSha256 === undefined
      ? d
      : { ...d, snapshots: snapshots.filter((s) => s.dataset === d.name && s.state === "completed" && s.manifestSha256 === d.manifestSha256).length },
  );
}

/** One snapshot of `dataset`, by id; refuses an id that is not one (no such snapshot, or not tagged with the dataset). */
export async function describeDatasetSnapshot(ec2: EC2Client, dataset: string, snapshotId: string): Promise<DatasetSnapshot> {
  let raw: Snapshot[];
  try {
    raw = await describeSnapshots(ec2, { ids: [snapshotId] }, `snapshot ${snapshotId}`);
  } catch (err) {
    const name = errorName((err as { cause?: unknown }).cause);
    if (name === "InvalidSnapshot.NotFound" || name === "InvalidSnapshotID.Malformed") throw new InputError(`no snapshot ${snapshotId} in this account and region`, { cause: err });
    throw err;
  }
  const s = raw.find((x) => x.SnapshotId === snapshotId);
  if (!s) throw new InputError(`no snapshot ${snapshotId} in this account and region`);
  const d = toDatasetSnapshot(s);
  if (!d || d.dataset !== dataset) {
    throw new InputError(`snapshot ${snapshotId} is not a snapshot of dataset ${dataset} (its ${SNAPSHOT_TAGS.dataset} tag is ${d ? d.dataset : "missing"}): not touching it`);
  }
  return d;
}

/** Deletes a snapshot (EC2 finishes a pending one first). */
export async function deleteSnapshot(ec2: EC2Client, snapshotId: string): Promise<void> {
  await aws(await ctx(ec2, `deleting snapshot ${snapshotId}`, "ec2:DeleteSnapshot"), () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
}

/** One volume of `dataset`, by id; refuses an id that is not one. */
export async function describeDatasetVolume(ec2: EC2Client, dataset: string, volumeId: string): Promise<DatasetVolume> {
  const raw = await describeVolumes(ec2, [{ Name: "volume-id", Values: [volumeId] }], `volume ${volumeId}`);
  const v = raw.find((x) => x.VolumeId === volumeId);
  if (!v) throw new InputError(`no volume ${volumeId} in this account and region`);
  const d = toDatasetVolume(v);
  if (!d || d.dataset !== dataset) {
    throw new InputError(`volume ${volumeId} is not a volume of dataset ${dataset} (its ${SNAPSHOT_TAGS.dataset} tag is ${d ? d.dataset : "missing"}): not touching it`);
  }
  return d;
}

/** Deletes a volume (it must be detached: `available`). */
export async function deleteVolume(ec2: EC2Client, volumeId: string): Promise<void> {
  await aws(await ctx(ec2, `deleting volume ${volumeId}`, "ec2:DeleteVolume"), () => ec2.send(new DeleteVolumeCommand({ VolumeId: volumeId })));
}
