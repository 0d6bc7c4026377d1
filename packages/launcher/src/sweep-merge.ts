// Merging a sweep's shards in S3: each shard's files down to a temporary directory, the engine's
// mergeSweepShards (which checks they belong to one sweep), then into `results/<run>/`: an old
// merge's `_SUCCESS` removed first, the merged files, an old merge's files this one does not make
// removed, `_SUCCESS` strictly last. A merge that stops half-way therefore never leaves a
// `_SUCCESS` over a mix of two merges. The same shards merge to the same tables and analyses
// (sweep.json is provenance: the merge records its own wall time).
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { mergeSweepShards } from "@aegis-bt/engine";
import { checkScratchDir } from "./scratch.js";
import { SUCCESS_MARKER, deleteObject, downloadObject, keys, s3Uri, uploadFile } from "./s3.js";
import { shardName } from "./sweep-plan.js";

/** What a shard directory holds that the merge reads (docs/sweeps.md "Shards"). */
export const SHARD_FILES = ["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow", "sweep.json", SUCCESS_MARKER] as const;
/**
 * What the merge writes; `cscv.json`, `walk_forward.json` and `walk_forward.arrow` only for a
 * scenario with a `cscv:` or `walk_forward:` section (a `rerun` walk-forward is left to
 * `aegis-bt walk-forward`, sweep.json `notes` says so).
 */
export const MERGED_FILES = [
  "sweep.arrow",
  "returns.arrow",
  "entries.arrow",
  "benchmark.arrow",
  "sweep.json",
  "cscv.json",
  "stats.json",
  "walk_forward.json",
  "walk_forward.arrow",
] as const;

function contentType(file: string): string {
  if (file.endsWith(".arrow")) return "application/vnd.apache.arrow.file";
  if (file.endsWith(".json")) return "application/json";
  return "application/octet-stream";
}

export interface MergeResult {
  /** The merged files uploaded, `_SUCCESS` last. */
  files: string[];
  bytes: number;
  uri: string;
}

/**
 * Merges the K shards of run `runId` into `results/<run>/`. Every shard must have `_SUCCESS` (the
 * engine refuses otherwise, as it refuses shards of different sweeps). Nothing in `results/<run>/`
 * changes unless the shards merge; then the old `_SUCCESS` goes first and the new one comes last.
 * `workDir` (the scratch directory, made if missing) is the parent of the temporary directory
 * (default the OS's), which is removed afterwards.
 */
export async function mergeShardsInS3(
  s3: S3Client,
  bucket: string,
  runId: string,
  count: number,
  opts: { workDir?: string } = {},
): Promise<MergeResult> {
  const parent = opts.workDir !== undefined ? await checkScratchDir(opts.workDir, "the merge's work directory", { create: true }) : tmpdir();
  const tmp = await mkdtemp(join(parent, "aegis-merge-"));
  try {
    const dirs: string[] = [];
    for (let i = 0; i < count; i++) {
      const dir = join(tmp, "shards", shardName(i));
      for (const f of SHARD_FILES) await downloadObject(s3, bucket, keys.shard(runId, i) + f, join(dir, f));
      dirs.push(dir);
    }
    const out = join(tmp, "merged");
    await mergeSweepShards(dirs, { out });
    // Before the first byte goes up: from here until the new `_SUCCESS`, the prefix is unfinished.
    await deleteObject(s3, bucket, keys.success(runId));
    const files: string[] = [];
    let bytes = 0;
    for (const f of MERGED_FILES) {
      const file = join(out, f);
      if (!existsSync(file)) continue;
      await uploadFile(s3, bucket, keys.results(runId) + f, file, contentType(f));
      bytes += (await stat(file)).size;
      files.push(f);
    }
    // An earlier merge's file this one did not make (a `cscv.json`) must not pass for part of it.
    for (const f of MERGED_FILES) if (!files.includes(f)) await deleteObject(s3, bucket, keys.results(runId) + f);
    // Last, so a reader that sees `_SUCCESS` finds every merged file whole.
    const marker = join(tmp, SUCCESS_MARKER);
    await writeFile(marker, "");
    await uploadFile(s3, bucket, keys.success(runId), marker);
    files.push(SUCCESS_MARKER);
    return { files, bytes, uri: s3Uri(bucket, keys.results(runId)) };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
