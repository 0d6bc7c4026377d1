// `aegis-launch dataset upload`: a local dataset directory to s3://<bucket>/datasets/<name>/.
//
// The order is the contract (docs/remote.md, "Datasets in S3"):
// 1. every file the manifest names exists here with the manifest's size, and, before the slow part,
//    the bucket answers and holds no other dataset of that name (another manifest is refused unless
//    `overwrite`); then every file's sha256 is the manifest's. Nothing is written before all of this.
// 2. with `overwrite`, the old manifest is deleted first, so the replaced dataset is incomplete
//    (never listed as whole) from that moment on.
// 3. each file is uploaded unless its object is already there with the right size, `x-amz-meta-sha256`
//    and S3 SHA-256 checksum (resuming an interrupted upload skips those); every upload is read back
//    with HeadObject and must match.
// 4. objects under the prefix that the manifest does not name are deleted (an earlier dataset's).
// 5. the manifest goes last, so a dataset with a manifest in S3 is always whole.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Clock } from "./backoff.js";
import { manifestFiles, manifestSha256, parseManifest, MANIFEST_NAME, type DatasetFile } from "./dataset-manifest.js";
import { InputError, LaunchError } from "./errors.js";
import {
  DEFAULT_PART_SIZE,
  Limiter,
  digestFile,
  deleteKeys,
  headObject,
  objectMismatch,
  partSizeFor,
  putFile,
  type FileDigest,
} from "./s3-objects.js";
import { checkBucket, checkDatasetName, deleteObject, keys, listAll, readBytes, s3Uri } from "./s3.js";

/** Requests in flight during an upload unless asked otherwise. */
export const DEFAULT_UPLOAD_CONCURRENCY = 8;

export interface DatasetUploadOptions {
  bucket: string;
  /** The local dataset directory: `manifest.json` and the files it names. */
  dir: string;
  /** The dataset's name in the bucket (default: the manifest's `name`). */
  name?: string;
  /** Replace a dataset of that name whose manifest differs (refused otherwise). */
  overwrite?: boolean;
  /** Requests in flight at once (default {@link DEFAULT_UPLOAD_CONCURRENCY}). */
  concurrency?: number;
  /** Part size in bytes for files larger than it (default 16 MiB, at least 5 MiB). */
  partSize?: number;
  onProgress?: (p: DatasetUploadProgress) => void;
  onEvent?: (e: DatasetUploadEvent) => void;
  signal?: AbortSignal;
  /** For the backoff between rounds of a failing request (tests). */
  clock?: Clock;
}

/** `check`: hashing the local files; `upload`: sending them (skipped files are not counted). */
export interface DatasetUploadProgress {
  phase: "check" | "upload";
  bytes: number;
  totalBytes: number;
  files: number;
  totalFiles: number;
}

/** What the upload is doing; `uri` is the dataset's prefix, `s3://<bucket>/datasets/<name>/`. */
export type DatasetUploadEvent = { uri: string } & (
  /** The local files are being hashed against the manifest. */
  | { type: "checking"; files: number; bytes: number; manifest: string }
  /** `overwrite`: the other manifest was deleted, first, so the old dataset is no longer complete. */
  | { type: "replacing"; previousSha256: string; manifestSha256: string }
  /** What is there already (skipped) and what goes up. */
  | { type: "plan"; skipped: number; upload: number; bytes: number }
  /** Objects under the prefix that the manifest does not name, deleted before the manifest goes up. */
  | { type: "removed"; count: number }
);

export interface DatasetUploadResult {
  name: string;
  /** `s3://<bucket>/datasets/<name>/`. */
  uri: string;
  manifestSha256: string;
  /** Files the manifest names, and their bytes. */
  files: number;
  bytes: number;
  uploaded: number;
  uploadedBytes: number;
  /** Already in S3 with the right checksum. */
  skipped: number;
  /** Objects deleted because the manifest does not name them. */
  removed: number;
  /** The manifest sha256 of the dataset this upload replaced (`overwrite`). */
  replaced?: string;
  /** The manifest was in S3 already, the same bytes. */
  manifestWasThere: boolean;
}

interface LocalFile extends DatasetFile {
  file: string;
  key: string;
  digest?: FileDigest;
}

/** Problems found in the local files: the first named, the rest counted. */
function refuse(problems: string[], manifestPath: string): never {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length === 2 ? "" : "s"}; aegis-data validate ${manifestPath.replace(/\/manifest\.json$/, "")} lists them)` : "";
  throw new InputError(`${problems[0]}${more}; nothing was uploaded`);
}

/** Reads and checks the local dataset: its manifest and each named file's presence and size (no hashing yet). */
async function readLocal(dir: string): Promise<{ manifestPath: string; bytes: Uint8Array; sha256: string; name: string; files: LocalFile[] }> {
  const manifestPath = join(dir, MANIFEST_NAME);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(manifestPath);
  } catch (err) {
    throw new InputError(`${manifestPath}: cannot read the dataset manifest (${(err as NodeJS.ErrnoException).code ?? String(err)}); is ${dir} a dataset directory?`);
  }
  const manifest = parseManifest(bytes, manifestPath);
  const files = manifestFiles(manifest, manifestPath).map((f) => ({ ...f, file: join(dir, ...f.path.split("/")), key: "" }));
  const problems: string[] = [];
  for (const f of files) {
    try {
      const s = await stat(f.file);
      if (!s.isFile()) problems.push(`${f.file}: not a file (${MANIFEST_NAME} names it in ${f.field})`);
      else if (s.size !== f.bytes) problems.push(`${f.file}: ${s.size} bytes, but ${MANIFEST_NAME}'s ${f.field}.bytes says ${f.bytes}`);
    } catch (err) {
      problems.push(`${f.file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : `cannot read it (${(err as NodeJS.ErrnoException).code})`} (${MANIFEST_NAME} names it in ${f.field})`);
    }
  }
  if (problems.length > 0) refuse(problems, manifestPath);
  return { manifestPath, bytes, sha256: manifestSha256(bytes), name: manifest.name, files };
}

/** Runs `work` on each item with `n` workers; the first failure stops the others from starting more and is thrown once all have settled. */
async function pool<T>(items: readonly T[], n: number, stop: AbortController, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!stop.signal.aborted && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (err) {
        if (!failure) failure = { err };
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  if (failure) throw failure.err;
}

/**
 * Uploads the dataset in `opts.dir` to `s3://<bucket>/datasets/<name>/` (the steps at the top of
 * this file). Running it again after an interruption finishes the upload, skipping what is there.
 */
export async function uploadDataset(s3: S3Client, opts: DatasetUploadOptions): Promise<DatasetUploadResult> {
  const concurrency = opts.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InputError(`concurrency ${concurrency}: expected a positive whole number`);
  const partSize = opts.partSize ?? DEFAULT_PART_SIZE;
  partSizeFor(0, partSize);
  const { bucket } = opts;
  const local = await readLocal(opts.dir);
  const name = opts.name ?? local.name;
  try {
    checkDatasetName(name);
  } catch {
    throw new InputError(
      opts.name !== undefined
        ? `--name ${JSON.stringify(name)} is not a dataset name: use letters, digits, '.', '_' and '-' (no '..', at most 128)`
        : `${local.manifestPath}: name ${JSON.stringify(name)} is not a dataset name (letters, digits, '.', '_' and '-'); pass --name`,
    );
  }
  const prefix = keys.dataset(name);
  const manifestKey = keys.manifest(name);
  const uri = s3Uri(bucket, prefix);
  for (const f of local.files) f.key = prefix + f.path;

  // The bucket, and what is there under this name, before the slow part.
  await checkBucket(s3, bucket);
  const remoteManifest = await readBytes(s3, bucket, manifestKey);
  const remoteSha = remoteManifest ? manifestSha256(remoteManifest) : undefined;
  if (remoteSha !== undefined && remoteSha !== local.sha256 && !opts.overwrite) {
    throw new InputError(
      `dataset ${name} already exists in ${uri} with another manifest (sha256 ${remoteSha}; ${local.manifestPath} has sha256 ${local.sha256}): pass --overwrite to replace it, or --name to upload it under another name`,
    );
  }

  // Every file's sha256, before anything is written.
  const totalBytes = local.files.reduce((n, f) => n + f.bytes, 0);
  opts.onEvent?.({ uri, type: "checking", files: local.files.length, bytes: totalBytes, manifest: local.manifestPath });
  const checked = { bytes: 0, files: 0 };
  const progress = (phase: DatasetUploadProgress["phase"], total: { bytes: number; files: number }) =>
    opts.onProgress?.({ phase, bytes: checked.bytes, totalBytes: total.bytes, files: checked.files, totalFiles: total.files });
  const problems: string[] = [];
  for (const f of local.files) {
    opts.signal?.throwIfAborted();
    f.digest = await digestFile(f.file, f.bytes, partSizeFor(f.bytes, partSize), {
      ...(opts.signal && { signal: opts.signal }),
      onBytes: (n) => {
        checked.bytes += n;
        progress("check", { bytes: totalBytes, files: local.files.length });
      },
    });
    checked.files++;
    progress("check", { bytes: totalBytes, files: local.files.length });
    if (f.digest.sha256 !== f.sha256) problems.push(`${f.file}: sha256 ${f.digest.sha256}, but ${MANIFEST_NAME}'s ${f.field}.sha256 says ${f.sha256}`);
  }
  if (problems.length > 0) refuse(problems, local.manifestPath);

  // Replacing: the old manifest goes first, so the old dataset stops being complete at once.
  if (remoteSha !== undefined && remoteSha !== local.sha256) {
    await deleteObject(s3, bucket, manifestKey);
    opts.onEvent?.({ uri, type: "replacing", previousSha256: remoteSha, manifestSha256: local.sha256 });
  }

  // What is there already with the right bytes.
  const { objects } = await listAll(s3, bucket, prefix);
  const sizes = new Map(objects.map((o) => [o.key, o.size]));
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const present = new Set<string>();
    const candidates = local.files.filter((f) => sizes.get(f.key) === f.bytes);
    await pool(candidates, concurrency, stop, async (f) => {
      if (objectMismatch(await headObject(s3, bucket, f.key, stop.signal), f.digest as FileDigest) === undefined) present.add(f.key);
    });
    const todo = local.files.filter((f) => !present.has(f.key));
    const todoBytes = todo.reduce((n, f) => n + f.bytes, 0);
    opts.onEvent?.({ uri, type: "plan", skipped: present.size, upload: todo.length, bytes: todoBytes });

    // The files, in parallel (parts of large ones too), each read back.
    checked.bytes = 0;
    checked.files = 0;
    const limiter = new Limiter(concurrency);
    await pool(todo, concurrency, stop, async (f) => {
      const digest = f.digest as FileDigest;
      await putFile(s3, {
        bucket,
        key: f.key,
        file: f.file,
        digest,
        limiter,
        signal: stop.signal,
        ...(opts.clock && { clock: opts.clock }),
        onBytes: (n) => {
          checked.bytes += n;
          progress("upload", { bytes: todoBytes, files: todo.length });
        },
      });
      const mismatch = objectMismatch(await headObject(s3, bucket, f.key, stop.signal), digest);
      if (mismatch) throw new LaunchError(`${s3Uri(bucket, f.key)}: after the upload S3 reports ${mismatch} (${f.file}); run the upload again`, "ERR_VERIFY");
      checked.files++;
      progress("upload", { bytes: todoBytes, files: todo.length });
    });
    opts.signal?.throwIfAborted();

    // Objects the manifest does not name (an earlier dataset's, an abandoned upload's) go before it.
    const named = new Set([...local.files.map((f) => f.key), manifestKey]);
    const stale = objects.map((o) => o.key).filter((k) => !named.has(k));
    if (stale.length > 0) {
      await deleteKeys(s3, bucket, stale);
      opts.onEvent?.({ uri, type: "removed", count: stale.length });
    }

    // The manifest, last.
    const manifestDigest: FileDigest = { bytes: local.bytes.length, sha256: local.sha256, partSize: partSizeFor(local.bytes.length, partSize), parts: [] };
    const manifestThere = remoteSha === local.sha256 && objectMismatch(await headObject(s3, bucket, manifestKey), manifestDigest) === undefined;
    if (!manifestThere) {
      await putFile(s3, { bucket, key: manifestKey, file: local.manifestPath, digest: manifestDigest, contentType: "application/json", limiter, ...(opts.clock && { clock: opts.clock }) });
      const mismatch = objectMismatch(await headObject(s3, bucket, manifestKey), manifestDigest);
      if (mismatch) throw new LaunchError(`${s3Uri(bucket, manifestKey)}: after the upload S3 reports ${mismatch}; run the upload again`, "ERR_VERIFY");
    }
    return {
      name,
      uri,
      manifestSha256: local.sha256,
      files: local.files.length,
      bytes: totalBytes,
      uploaded: todo.length,
      uploadedBytes: todoBytes,
      skipped: present.size,
      removed: stale.length,
      ...(remoteSha !== undefined && remoteSha !== local.sha256 && { replaced: remoteSha }),
      manifestWasThere: remoteSha === local.sha256,
    };
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
