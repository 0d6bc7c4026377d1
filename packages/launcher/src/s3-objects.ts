// Objects whose bytes S3 checks: a local file uploaded with SHA-256 checksums (one PUT, or a
// multipart upload of fixed-size parts sent in parallel), read back with HeadObject to prove the
// stored bytes are the local ones, and deletes in batches.
//
// The checksums: every request carries `x-amz-checksum-sha256` (ChecksumAlgorithm SHA256), which S3
// checks against the bytes it receives (BadDigest otherwise), and every object carries its whole
// file's sha256 (hex) as the metadata `x-amz-meta-sha256`. After the upload HeadObject
// (ChecksumMode ENABLED) must report the size, the metadata and the checksum S3 computed of what it
// stored: for one PUT the file's sha256; for a multipart upload the sha256 of the parts' digests
// with `-<parts>` (S3's composite checksum), which depends on the part size, so the part size is a
// function of the file's size alone ({@link partSizeFor}).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from "@aws-sdk/client-s3";
import { systemClock, withRetry, type Clock } from "./backoff.js";
import { AwsError, InputError, aws, errorName, httpStatus, isThrottling } from "./errors.js";
import { notFound, s3Arn, s3Uri } from "./s3.js";

/** S3's smallest part (all but the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** The part size used unless asked otherwise: 16 MiB. */
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
/** S3's most parts in one upload. */
export const MAX_PARTS = 10_000;
/** Keys in one DeleteObjects call (S3's limit). */
export const DELETE_BATCH = 1000;
/** The metadata key of an object's sha256 (`x-amz-meta-sha256`). */
export const SHA256_METADATA = "sha256";

const MIB = 1024 * 1024;

/**
 * The part size for a file of `bytes`: `partSize`, grown in whole MiB when the file would need more
 * than {@link MAX_PARTS} parts. A file of at most that size goes up in one PUT.
 */
export function partSizeFor(bytes: number, partSize = DEFAULT_PART_SIZE): number {
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new InputError(`part size ${partSize} bytes: S3 needs at least ${MIN_PART_SIZE} (5 MiB)`);
  }
  const needed = Math.ceil(bytes / MAX_PARTS / MIB) * MIB;
  return Math.max(partSize, needed);
}

/** A file's sha256 and, when it goes up in parts, each part's (the digests S3 checks). */
export interface FileDigest {
  bytes: number;
  /** The whole file's, hex. */
  sha256: string;
  partSize: number;
  /** Each part's raw sha256 when the file goes up in parts ({@link FileDigest.bytes} > partSize); empty for one PUT. */
  parts: Buffer[];
}

/**
 * Hashes a file in one read: the whole file's sha256 and, when it is larger than `partSize`, each
 * part's. `onBytes` hears of every chunk read (progress).
 */
export async function digestFile(path: string, bytes: number, partSize: number, opts: { onBytes?: (n: number) => void; signal?: AbortSignal } = {}): Promise<FileDigest> {
  const whole = createHash("sha256");
  const multipart = bytes > partSize;
  const parts: Buffer[] = [];
  let part = createHash("sha256");
  let inPart = 0;
  let read = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: MIB, ...(opts.signal && { signal: opts.signal }) })) {
    const buf = chunk as Buffer;
    whole.update(buf);
    read += buf.length;
    if (multipart) {
      let at = 0;
      while (at < buf.length) {
        const take = Math.min(partSize - inPart, buf.length - at);
        part.update(buf.subarray(at, at + take));
        inPart += take;
        at += take;
        if (inPart === partSize) {
          parts.push(part.digest());
          part = createHash("sha256");
          inPart = 0;
        }
      }
    }
    opts.onBytes?.(buf.length);
  }
  if (multipart && inPart > 0) parts.push(part.digest());
  if (read !== bytes) throw new InputError(`${path}: ${read} bytes read, ${bytes} expected (did it change while it was read?)`);
  return { bytes, sha256: whole.digest("hex"), partSize, parts };
}

function base64Sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}

/** The ChecksumSHA256 S3 reports for the object: the file's (base64) for one PUT; for parts, the sha256 of the parts' digests, base64, then `-<parts>`. */
export function s3Checksum(d: FileDigest): string {
  if (d.parts.length === 0) return Buffer.from(d.sha256, "hex").toString("base64");
  return `${base64Sha256(Buffer.concat(d.parts))}-${d.parts.length}`;
}

/** Whether S3's checksum is the expected one (moto reports a multipart checksum without S3's `-<parts>`). */
export function sameChecksum(actual: string | undefined, expected: string): boolean {
  if (actual === undefined) return false;
  return actual === expected || (expected.includes("-") && actual === expected.replace(/-\d+$/, ""));
}

/** What HeadObject says of an object: size, the sha256 metadata, and S3's SHA-256 checksum when it has one. */
export interface RemoteObject {
  bytes: number;
  sha256?: string;
  checksum?: string;
}

/** HeadObject with checksums, or `undefined` when there is no such object. */
export async function headObject(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
  try {
    const res = await aws({ action: `checking ${s3Uri(bucket, key)}`, bucket, permission: `s3:GetObject on ${s3Arn(bucket, key)}` }, () =>
      s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }), { ...(signal && { abortSignal: signal }) }),
    );
    const sha256 = res.Metadata?.[SHA256_METADATA];
    return { bytes: res.ContentLength ?? 0, ...(sha256 && { sha256 }), ...(res.ChecksumSHA256 && { checksum: res.ChecksumSHA256 }) };
  } catch (err) {
    if (notFound((err as { cause?: unknown }).cause)) return undefined;
    throw err;
  }
}

/** Why the object is not the file of `digest` (naming the field), or undefined when it is. */
export function objectMismatch(remote: RemoteObject | undefined, digest: FileDigest): string | undefined {
  if (remote === undefined) return "missing";
  if (remote.bytes !== digest.bytes) return `ContentLength ${remote.bytes}, expected ${digest.bytes}`;
  if (remote.sha256 !== digest.sha256) return `x-amz-meta-sha256 ${remote.sha256 ?? "(none)"}, expected ${digest.sha256}`;
  const expected = s3Checksum(digest);
  if (!sameChecksum(remote.checksum, expected)) return `ChecksumSHA256 ${remote.checksum ?? "(none)"}, expected ${expected}`;
  return undefined;
}

/** At most `size` tasks at once. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

const TRANSIENT = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "TimeoutError", "RequestTimeout", "RequestTimeTooSkewed", "InternalError", "SlowDown"]);

/** A failure worth another round after the SDK's own retries: throttling, a reset connection, S3's 500s. */
export function transientS3Failure(err: unknown): boolean {
  const name = errorName(err);
  const status = httpStatus(err);
  return isThrottling(err) || (name !== undefined && TRANSIENT.has(name)) || status === 500 || status === 503;
}

export interface PutFileOptions {
  bucket: string;
  key: string;
  /** The local file. */
  file: string;
  /** Its digest, from {@link digestFile}: every part read is checked against it before it is sent. */
  digest: FileDigest;
  contentType?: string;
  /** Requests in flight, shared by every upload that uses the same limiter. */
  limiter: Limiter;
  signal?: AbortSignal;
  /** Bytes sent (after each part or PUT). */
  onBytes?: (n: number) => void;
  /** Rounds of a part or PUT on a transient failure, after the SDK's own retries (default 3). */
  attempts?: number;
  clock?: Clock;
}

/** An abort (ours or the SDK's for an aborted request), as opposed to the failure that caused it. */
function isAbort(err: unknown): boolean {
  const e = err as { name?: unknown; cause?: { name?: unknown } } | undefined;
  return e?.name === "AbortError" || e?.cause?.name === "AbortError";
}

/** Reads `length` bytes at `offset`, refusing a file that no longer has the bytes that were hashed. */
async function readChecked(fh: FileHandle, file: string, offset: number, length: number, expected: Buffer, what: string): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  if (got !== length || !createHash("sha256").update(buf).digest().equals(expected)) {
    throw new InputError(`${file}: changed since it was checked (${what} differs); check it and upload again`);
  }
  return buf;
}

/**
 * Uploads a file with SHA-256 checksums: one PUT when it fits a part, else a multipart upload whose
 * parts go through `limiter` in parallel (aborted on failure). The metadata `sha256` is the file's.
 * The caller verifies the result with {@link headObject} and {@link objectMismatch}.
 */
export async function putFile(s3: S3Client, opts: PutFileOptions): Promise<void> {
  const { bucket, key, digest } = opts;
  const uri = s3Uri(bucket, key);
  const common = { bucket, permission: `s3:PutObject on ${s3Arn(bucket, key)}` };
  const send = { ...(opts.signal && { abortSignal: opts.signal }) };
  const retry = { attempts: opts.attempts ?? 3, policy: { baseMs: 1000, maxMs: 20_000 }, clock: opts.clock ?? systemClock, retryable: transientS3Failure, ...(opts.signal && { signal: opts.signal }) };
  const meta = { Metadata: { [SHA256_METADATA]: digest.sha256 }, ContentType: opts.contentType ?? "application/octet-stream" };
  const fh = await open(opts.file, "r");
  try {
    if (digest.parts.length === 0) {
      await opts.limiter.run(async () => {
        const body = await readChecked(fh, opts.file, 0, digest.bytes, Buffer.from(digest.sha256, "hex"), "its sha256");
        await aws({ action: `uploading ${uri}`, ...common }, () =>
          withRetry(
            () =>
              s3.send(
                new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length, ChecksumAlgorithm: "SHA256", ChecksumSHA256: base64Sha256(body), ...meta }),
                send,
              ),
            retry,
          ),
        );
      });
      opts.onBytes?.(digest.bytes);
      return;
    }
    const created = await aws({ action: `starting the multipart upload of ${uri}`, ...common }, () =>
      withRetry(() => s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: "SHA256", ...meta }), send), retry),
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new AwsError(`starting the multipart upload of ${uri}: S3 returned no UploadId`, "ERR_AWS", undefined);
    // One failed part stops the others (after the SDK's retries and ours), and the upload is aborted
    // only once none is in flight.
    const parts_ = new AbortController();
    const stopParts = () => parts_.abort();
    opts.signal?.addEventListener("abort", stopParts, { once: true });
    const partSend = { abortSignal: parts_.signal };
    try {
      const settled = await Promise.allSettled(
        digest.parts.map((partDigest, i) =>
          opts.limiter.run(async (): Promise<CompletedPart> => {
            parts_.signal.throwIfAborted();
            const offset = i * digest.partSize;
            const length = Math.min(digest.partSize, digest.bytes - offset);
            const body = await readChecked(fh, opts.file, offset, length, partDigest, `part ${i + 1}'s sha256`);
            const checksum = partDigest.toString("base64");
            const res = await aws({ action: `uploading part ${i + 1} of ${digest.parts.length} of ${uri}`, ...common }, () =>
              withRetry(
                () =>
                  s3.send(
                    new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: i + 1, Body: body, ContentLength: length, ChecksumAlgorithm: "SHA256", ChecksumSHA256: checksum }),
                    partSend,
                  ),
                { ...retry, signal: parts_.signal },
              ),
            );
            opts.onBytes?.(length);
            return { PartNumber: i + 1, ETag: res.ETag, ChecksumSHA256: res.ChecksumSHA256 ?? checksum };
          }).catch((err: unknown) => {
            stopParts();
            throw err;
          }),
        ),
      );
      const rejected = settled.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      // The part that failed, not the ones stopped because of it.
      const first = rejected.find((r) => !isAbort(r.reason)) ?? rejected[0];
      if (first) throw first.reason;
      const parts = settled.map((r) => (r as PromiseFulfilledResult<CompletedPart>).value);
      await aws({ action: `completing the multipart upload of ${uri}`, ...common }, () =>
        withRetry(() => s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }), send), retry),
      );
    } catch (err) {
      // Best effort: parts of an abandoned upload cost storage until a lifecycle rule removes them.
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw err;
    } finally {
      opts.signal?.removeEventListener("abort", stopParts);
    }
  } finally {
    await fh.close();
  }
}

/** Deletes `keys` with DeleteObjects, {@link DELETE_BATCH} a call; a key S3 could not delete fails the call, named. */
export async function deleteKeys(s3: S3Client, bucket: string, keys: readonly string[], onBatch?: (deleted: number) => void): Promise<void> {
  for (let i = 0; i < keys.length; i += DELETE_BATCH) {
    const batch = keys.slice(i, i + DELETE_BATCH);
    const first = batch[0] as string;
    const res = await aws({ action: `deleting ${batch.length} object${batch.length === 1 ? "" : "s"} from ${s3Uri(bucket, first)}`, bucket, permission: `s3:DeleteObject on ${s3Arn(bucket, first)}` }, () =>
      s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })),
    );
    const failed = res.Errors ?? [];
    if (failed.length > 0) {
      const e = failed[0];
      throw new AwsError(
        `deleting ${s3Uri(bucket, e?.Key ?? first)} failed: ${e?.Code ?? "no error code"}${e?.Message ? `: ${e.Message}` : ""}${failed.length > 1 ? ` (and ${failed.length - 1} more keys)` : ""}`,
        "ERR_AWS",
        e?.Code,
      );
    }
    onBatch?.(batch.length);
  }
}
