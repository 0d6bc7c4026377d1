// `aegis-launch dataset upload | list | rm`: datasets in s3://<bucket>/datasets/<name>/.
import type { Command } from "commander";
import { progressBar } from "@aegis-bt/data-tools";
import { requireBucket } from "../config.js";
import { uploadDataset, DEFAULT_UPLOAD_CONCURRENCY, type DatasetUploadEvent } from "../dataset-upload.js";
import { describeDataset, listDatasets, removeDataset, type DatasetListing } from "../datasets.js";
import { InputError, userMessage } from "../errors.js";
import { DEFAULT_PART_SIZE, MIN_PART_SIZE } from "../s3-objects.js";
import { listDatasetSnapshots, withSnapshotCounts } from "../snapshots.js";
import { confirm, config, globals, interruptible, positiveInteger, withClients, type CliIo } from "./common.js";
import { registerDatasetSnapshots } from "./dataset-snapshots.js";

const MIB = 1024 * 1024;

/** Bytes for people: `0 B`, `512 B`, `1.5 KiB`, `12.3 MiB`, `1.20 GiB`. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

function tickers(list: readonly string[]): string {
  return list.length <= 3 ? list.join(", ") : `${list.slice(0, 2).join(", ")} +${list.length - 2}`;
}

/**
 * The `dataset list` table: name, size, rows, tickers, span, and a state for the unfinished and the
 * unreadable. A SNAPSHOTS column appears when any listing carries a snapshot count.
 */
export function datasetTable(rows: readonly DatasetListing[]): string[] {
  const withSnapshots = rows.some((r) => r.snapshots !== undefined);
  const header = ["NAME", "SIZE", "ROWS", "TICKERS", "SPAN", ...(withSnapshots ? ["SNAPSHOTS"] : []), "STATE"];
  const cells = rows.map((r) => {
    const s = r.summary;
    const state = !r.complete ? `incomplete (no manifest.json; ${plural(r.objects, "object")})` : r.problem ? `unreadable manifest: ${r.problem}` : "complete";
    return [
      r.name,
      formatBytes(r.bytes),
      s ? s.rows.toLocaleString("en-US") : "-",
      s ? tickers(s.tickers) : "-",
      s?.first && s.last ? `${s.first} … ${s.last}` : "-",
      ...(withSnapshots ? [r.snapshots !== undefined ? String(r.snapshots) : "-"] : []),
      state,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [line(header), ...cells.map(line)];
}

function describeUploadEvent(e: DatasetUploadEvent): string {
  switch (e.type) {
    case "checking":
      return `checking ${plural(e.files, "file")} (${formatBytes(e.bytes)}) against ${e.manifest}`;
    case "replacing":
      return `replacing the dataset in ${e.uri}: deleted its manifest (sha256 ${e.previousSha256}) first; the new one (sha256 ${e.manifestSha256}) goes up last`;
    case "plan":
      return e.skipped > 0
        ? `${plural(e.skipped, "object")} already in ${e.uri} with the right sha256: skipped; uploading ${plural(e.upload, "file")} (${formatBytes(e.bytes)})`
        : `uploading ${plural(e.upload, "file")} (${formatBytes(e.bytes)}) to ${e.uri}`;
    case "removed":
      return `deleted ${plural(e.count, "object")} under ${e.uri} that the manifest does not name`;
  }
}

interface UploadFlags {
  name?: string;
  overwrite: boolean;
  concurrency: number;
  partSize: number;
}

/** Adds `dataset` and its subcommands to the program. */
export function registerDataset(program: Command, io: CliIo): void {
  const dataset = program
    .command("dataset")
    .description("Datasets in s3://<bucket>/datasets/<name>/: upload one from a local directory, list them, remove one; make, list and delete their EBS snapshots")
    .addHelpText(
      "after",
      "\nA dataset in S3 is complete when its manifest.json is there: upload writes it last, rm deletes it first.\nA run without --snapshot attaches the newest completed EBS snapshot of its dataset's current manifest.\n\nExamples:\n  aegis-launch dataset upload data-cache/synthetic-spx-7y\n  aegis-launch dataset list\n  aegis-launch dataset snapshot synthetic-spx-7y --wait\n  aegis-launch dataset snapshots synthetic-spx-7y\n  aegis-launch dataset rm synthetic-spx-7y --yes\n",
    );

  dataset
    .command("upload")
    .description("Upload a dataset directory to s3://<bucket>/datasets/<name>/: files checked against the manifest first, parallel multipart, each object verified, the manifest last; run again to resume")
    .argument("<dir>", "the dataset directory: manifest.json and the files it names")
    .option("--name <name>", "the dataset's name in the bucket (default: the manifest's name)")
    .option("--overwrite", "replace a dataset of that name whose manifest differs (its manifest is deleted first)", false)
    .option("--concurrency <n>", "requests in flight", positiveInteger, DEFAULT_UPLOAD_CONCURRENCY)
    .option("--part-size <MiB>", "multipart part size in MiB (at least 5; files up to it go up in one PUT)", positiveInteger, DEFAULT_PART_SIZE / MIB)
    .addHelpText(
      "after",
      "\nEvery object carries x-amz-meta-sha256 and an S3 SHA-256 checksum (per part for multipart uploads); an object\nalready there with the right ones is skipped, so the same command again finishes an interrupted upload.\n",
    )
    .action(async (dir: string, o: UploadFlags, cmd: Command) => {
      const g = globals(cmd);
      if (o.partSize * MIB < MIN_PART_SIZE) throw new InputError(`--part-size ${o.partSize}: S3's parts are at least 5 MiB`);
      await withClients(g, io, async (clients) => {
        const bucket = requireBucket(await config(g, clients, ["storage"]));
        const { signal, done } = interruptible();
        const check = progressBar("check", "{done} of {size} | {files} files");
        const upload = progressBar("upload", "{done} of {size} | {files} files | {rate}");
        let started = Date.now();
        try {
          const r = await uploadDataset(clients.s3, {
            bucket,
            dir,
            ...(o.name !== undefined && { name: o.name }),
            overwrite: o.overwrite,
            concurrency: o.concurrency,
            partSize: o.partSize * MIB,
            signal,
            onEvent: (e) => {
              if (e.type === "plan") {
                check.stop();
                started = Date.now();
              }
              io.err(describeUploadEvent(e));
            },
            onProgress: (p) => {
              const bar = p.phase === "check" ? check : upload;
              const seconds = (Date.now() - started) / 1000;
              const rate = p.phase === "upload" && seconds > 0 ? `${(p.bytes / MIB / seconds).toFixed(1)} MiB/s` : "";
              bar.update(p.bytes, p.totalBytes, { done: formatBytes(p.bytes), size: formatBytes(p.totalBytes), files: `${p.files}/${p.totalFiles}`, rate });
            },
          }).finally(() => {
            check.stop();
            upload.stop();
          });
          const seconds = (Date.now() - started) / 1000;
          if (r.uploaded > 0) io.err(`uploaded ${formatBytes(r.uploadedBytes)} in ${seconds.toFixed(1)} s (${(r.uploadedBytes / MIB / Math.max(seconds, 0.001)).toFixed(1)} MiB/s)`);
          io.out(`dataset   ${r.name}`);
          io.out(`uri       ${r.uri}`);
          io.out(`manifest  sha256 ${r.manifestSha256}${r.replaced ? ` (replaced sha256 ${r.replaced})` : r.manifestWasThere ? " (already there)" : ""}`);
          io.out(
            `objects   ${plural(r.files, "file")} (${formatBytes(r.bytes)}): ${r.uploaded} uploaded (${formatBytes(r.uploadedBytes)}), ${r.skipped} skipped (already there with the right sha256)${r.removed > 0 ? `, ${r.removed} removed (not in the manifest)` : ""}`,
          );
        } catch (err) {
          if (signal.aborted) throw new InputError("interrupted: the dataset stays incomplete in S3 (its manifest goes up last); run the same command again to finish it, skipping what is there");
          throw err;
        } finally {
          done();
        }
      });
    });

  dataset
    .command("list")
    .description("The datasets in s3://<bucket>/datasets/: size, rows, tickers, span, completed EBS snapshots of the current manifest; 'incomplete' for a prefix without manifest.json")
    .option("--json", "print JSON", false)
    .action(async (o: { json: boolean }, cmd: Command) => {
      const g = globals(cmd);
      await withClients(g, io, async (clients) => {
        const bucket = requireBucket(await config(g, clients, ["storage"]));
        let rows = await listDatasets(clients.s3, bucket);
        if (rows.length > 0) {
          // The SNAPSHOTS column: completed EBS snapshots of each dataset's current manifest.
          try {
            rows = withSnapshotCounts(rows, await listDatasetSnapshots(clients.ec2));
          } catch (err) {
            io.err(`snapshots not counted: ${userMessage(err)}`);
          }
        }
        if (o.json) io.out(JSON.stringify(rows, null, 2));
        else if (rows.length === 0) io.out(`no datasets in s3://${bucket}/datasets/`);
        else for (const line of datasetTable(rows)) io.out(line);
      });
    });

  dataset
    .command("rm")
    .description("Delete s3://<bucket>/datasets/<name>/: asks first on a terminal; the manifest goes first, then the rest in batches")
    .argument("<name>", "dataset name")
    .option("--yes", "do not ask (needed when stdin is not a terminal)", false)
    .action(async (name: string, o: { yes: boolean }, cmd: Command) => {
      const g = globals(cmd);
      await withClients(g, io, async (clients) => {
        const bucket = requireBucket(await config(g, clients, ["storage"]));
        const d = await describeDataset(clients.s3, bucket, name);
        if (!d) throw new InputError(`no dataset ${name}: nothing under s3://${bucket}/datasets/${name}/`);
        const what = `${d.uri} (${plural(d.objects, "object")}, ${formatBytes(d.bytes)}${d.complete ? "" : ", incomplete"})`;
        await confirm(io, {
          yes: o.yes,
          question: `delete dataset ${name}: ${what}? [y/N] `,
          noTerminal: `not deleting dataset ${name} without confirmation: stdin is not a terminal; pass --yes to delete ${what}`,
          declined: `not confirmed: dataset ${name} is untouched`,
        });
        const r = await removeDataset(clients.s3, bucket, name);
        io.out(`deleted ${r.uri}: ${plural(r.deleted, "object")}, ${formatBytes(r.bytes)}${r.hadManifest ? " (the manifest first)" : ""}`);
      });
    });

  registerDatasetSnapshots(dataset, io);
}
