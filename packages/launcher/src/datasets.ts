// The datasets in a bucket (`s3://<bucket>/datasets/<name>/`): listing them with what their manifests
// say, and removing one with its manifest first, so a half-removed dataset is never complete.
// Uploading is dataset-upload.ts.
import type { S3Client } from "@aws-sdk/client-s3";
import { MANIFEST_NAME, manifestSha256, parseManifest, summarizeManifest, type ManifestSummary } from "./dataset-manifest.js";
import { InputError, userMessage } from "./errors.js";
import { Limiter, deleteKeys } from "./s3-objects.js";
import { checkDatasetName, deleteObject, keys, listAll, readBytes, s3Uri } from "./s3.js";

export interface DatasetListing {
  name: string;
  /** `s3://<bucket>/datasets/<name>/`. */
  uri: string;
  /**
   * Whether `manifest.json` is there. Without it the dataset is unfinished (an upload under way or
   * interrupted, a replacement or a removal half done) and no run uses it.
   */
  complete: boolean;
  /** Objects under the prefix, the manifest included, and their bytes. */
  objects: number;
  bytes: number;
  /** The sha256 of the manifest's bytes: the dataset's version. */
  manifestSha256?: string;
  /** What the manifest says (rows, tickers, span), when it could be read. */
  summary?: ManifestSummary;
  /** Why the manifest could not be read. */
  problem?: string;
  /**
   * Completed EBS snapshots of this dataset and manifest, when someone looked them up (the snapshot
   * commands fill it in); undefined: not looked up, and `dataset list` shows no column for it.
   */
  snapshots?: number;
}

/** Reads and summarizes one dataset's manifest into its listing (a manifest that cannot be read is a `problem`). */
async function withManifest(s3: S3Client, bucket: string, listing: DatasetListing): Promise<DatasetListing> {
  if (!listing.complete) return listing;
  const key = keys.manifest(listing.name);
  try {
    const bytes = await readBytes(s3, bucket, key);
    if (bytes === undefined) return { ...listing, complete: false };
    const summary = summarizeManifest(parseManifest(bytes, s3Uri(bucket, key)));
    return { ...listing, manifestSha256: manifestSha256(bytes), summary };
  } catch (err) {
    return { ...listing, problem: userMessage(err) };
  }
}

/** Groups the objects under `datasets/` by dataset name. */
function group(bucket: string, objects: { key: string; size: number }[]): DatasetListing[] {
  const root = keys.datasets();
  const byName = new Map<string, DatasetListing>();
  for (const o of objects) {
    const rest = o.key.slice(root.length);
    const slash = rest.indexOf("/");
    if (slash <= 0) continue;
    const name = rest.slice(0, slash);
    const d = byName.get(name) ?? { name, uri: s3Uri(bucket, keys.dataset(name)), complete: false, objects: 0, bytes: 0 };
    d.objects++;
    d.bytes += o.size;
    if (rest.slice(slash + 1) === MANIFEST_NAME) d.complete = true;
    byName.set(name, d);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every dataset in the bucket, complete or not, by name; the complete ones with their manifests' summaries. */
export async function listDatasets(s3: S3Client, bucket: string): Promise<DatasetListing[]> {
  const { objects } = await listAll(s3, bucket, keys.datasets());
  const limiter = new Limiter(8);
  return Promise.all(group(bucket, objects).map((d) => limiter.run(() => withManifest(s3, bucket, d))));
}

/** One dataset's listing, or undefined when nothing is under its prefix. */
export async function describeDataset(s3: S3Client, bucket: string, name: string): Promise<DatasetListing | undefined> {
  checkDatasetName(name);
  const { objects } = await listAll(s3, bucket, keys.dataset(name));
  const [d] = group(bucket, objects);
  return d ? withManifest(s3, bucket, d) : undefined;
}

export interface DatasetRemoval {
  name: string;
  uri: string;
  /** Objects deleted, the manifest included, and their bytes. */
  deleted: number;
  bytes: number;
  /** Whether it was complete (had a manifest) before. */
  hadManifest: boolean;
}

/**
 * Deletes `s3://<bucket>/datasets/<name>/`: the manifest first (from then on the dataset is
 * incomplete, and no run takes it), then every other object in DeleteObjects batches. Refuses a
 * name with nothing under it.
 */
export async function removeDataset(s3: S3Client, bucket: string, name: string, onDeleted?: (n: number) => void): Promise<DatasetRemoval> {
  checkDatasetName(name);
  const prefix = keys.dataset(name);
  const { objects } = await listAll(s3, bucket, prefix);
  if (objects.length === 0) throw new InputError(`no dataset ${name}: nothing under ${s3Uri(bucket, prefix)}`);
  const manifestKey = keys.manifest(name);
  const hadManifest = objects.some((o) => o.key === manifestKey);
  if (hadManifest) {
    await deleteObject(s3, bucket, manifestKey);
    onDeleted?.(1);
  }
  await deleteKeys(
    s3,
    bucket,
    objects.map((o) => o.key).filter((k) => k !== manifestKey),
    onDeleted,
  );
  return { name, uri: s3Uri(bucket, prefix), deleted: objects.length, bytes: objects.reduce((n, o) => n + o.size, 0), hadManifest };
}
