// `aegis-launch cost`: what a run, a sweep or a dataset snapshot will cost, before it is launched.
// A run: from the scenario alone (no AWS calls). A sweep: K shards × the size × each shard's time,
// from a calibration run of the local binary (or --calibration-seconds). A snapshot: EBS storage a
// month and the one-off pull, from the dataset's manifest (a local directory, or the bucket's).
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { expandSweep, validateScenario } from "@aegis-bt/engine";
import { calibrate, formatCalibration, localDatasetDir, manifestData, readLocalManifest } from "../calibrate.js";
import { requireBucket } from "../config.js";
import { estimateCost, formatEstimate, type ScenarioSpan } from "../cost.js";
import { MANIFEST_NAME, summarizeManifest } from "../dataset-manifest.js";
import { describeDataset } from "../datasets.js";
import { InputError } from "../errors.js";
import { defaultBinary } from "../local-target.js";
import { checkDatasetName, keys, s3Uri } from "../s3.js";
import { resolveSize } from "../sizes.js";
import { estimateSnapshotCost, formatSnapshotEstimate, type SnapshotEstimateInput } from "../snapshot-cost.js";
import { assumedData, estimateSweepCost, formatSweepEstimate, type PointTime, type SweepData } from "../sweep-cost.js";
import { addSizeOptions, config, globals, positiveInteger, positiveNumber, readScenario, sizeFlags, withClients, type CliIo, type GlobalOptions } from "./common.js";

interface CostFlags {
  profile?: string;
  cpu?: number;
  memory?: number;
  ephemeral?: number;
  spot: boolean;
  json: boolean;
  shards?: number;
  dataset?: string;
  data?: string;
  calibrationSeconds?: number;
  calibrationPoints?: number;
  binary?: string;
  snapshotOf?: string;
  size?: number;
  months?: number;
}

/** Refuses flags that do not apply to the mode chosen, naming them. */
function refuse(o: CostFlags, flags: [keyof CostFlags, string][], why: string): void {
  const given = flags.filter(([k]) => o[k] !== undefined && o[k] !== false).map(([, f]) => f);
  if (given.length > 0) throw new InputError(`${given.join(", ")} ${given.length === 1 ? "does" : "do"} not apply ${why}`);
}

const SWEEP_FLAGS: [keyof CostFlags, string][] = [
  ["shards", "--shards"],
  ["calibrationSeconds", "--calibration-seconds"],
  ["calibrationPoints", "--calibration-points"],
  ["binary", "--binary"],
  ["dataset", "--dataset"],
];
const SNAPSHOT_FLAGS: [keyof CostFlags, string][] = [
  ["size", "--size"],
  ["months", "--months"],
];
const SIZE_FLAGS: [keyof CostFlags, string][] = [
  ["profile", "--profile"],
  ["cpu", "--cpu"],
  ["memory", "--memory"],
  ["ephemeral", "--ephemeral"],
  ["spot", "--spot"],
];

/** The dataset to snapshot: a local directory (with --data, or a path holding manifest.json), else the bucket's `datasets/<name>/`. */
async function snapshotSource(name: string, o: CostFlags, g: GlobalOptions, io: CliIo): Promise<SnapshotEstimateInput> {
  const local = o.data !== undefined ? localDatasetDir(o.data, name) : existsSync(join(name, MANIFEST_NAME)) ? name : undefined;
  if (local !== undefined) {
    const manifest = await readLocalManifest(local, o.data !== undefined ? name : undefined);
    return { dataset: manifest.name, manifestSource: join(local, MANIFEST_NAME), bytes: summarizeManifest(manifest).bytes };
  }
  checkDatasetName(name);
  return withClients(g, io, async (clients) => {
    const bucket = requireBucket(await config(g, clients, ["storage"]));
    const uri = s3Uri(bucket, keys.manifest(name));
    const d = await describeDataset(clients.s3, bucket, name);
    if (!d) throw new InputError(`no dataset ${name} in ${s3Uri(bucket, keys.datasets())} (nor a local directory ${name} with a manifest.json)`);
    if (!d.complete) throw new InputError(`dataset ${name} has no ${uri} (an unfinished upload): nothing to snapshot yet`);
    if (!d.summary) throw new InputError(`${uri}: ${d.problem ?? "the manifest cannot be read"}`);
    return { dataset: name, manifestSource: uri, bytes: d.summary.bytes };
  });
}

async function snapshotCommand(name: string, o: CostFlags, g: GlobalOptions, io: CliIo): Promise<void> {
  refuse(o, [...SWEEP_FLAGS, ...SIZE_FLAGS], "to --snapshot-of (the pull task has the compute stack's size; --size is the volume's GiB)");
  const source = await snapshotSource(name, o, g, io);
  const estimate = estimateSnapshotCost({
    ...source,
    ...(o.size !== undefined && { volumeGiB: o.size }),
    ...(o.months !== undefined && { months: o.months }),
  });
  if (o.json) io.out(JSON.stringify({ kind: "snapshot", ...estimate }, null, 2));
  else for (const line of formatSnapshotEstimate(estimate)) io.out(line);
}

function hasSweep(normalizedJson: string): boolean {
  const doc = JSON.parse(normalizedJson) as { sweep?: unknown };
  return doc.sweep !== undefined && doc.sweep !== null;
}

async function sweepCommand(file: string, text: string, span: ScenarioSpan & { dataset: string }, profile: string | undefined, o: CostFlags, io: CliIo): Promise<void> {
  const expansion = await expandSweep(text, file);
  const points = expansion.points.length;
  if (o.shards === undefined) throw new InputError(`${file}: the scenario has a sweep: section of ${points} points: give --shards <K>, as for aegis-launch sweep`);
  const { size } = resolveSize({ ...sizeFlags(o), ...(profile !== undefined && { scenarioProfile: profile }) });
  const dataset = o.dataset ?? span.dataset;
  let time: PointTime;
  let data: SweepData;
  let measured: string[];
  if (o.calibrationSeconds !== undefined) {
    if (o.calibrationPoints !== undefined || o.binary !== undefined) throw new InputError("--calibration-points and --binary are for a calibration run, which --calibration-seconds replaces");
    time = { perPointSeconds: o.calibrationSeconds, fixedSeconds: 0, source: "given" };
    data = o.data !== undefined ? manifestData(await readLocalManifest(localDatasetDir(o.data, dataset), dataset), span) : assumedData(span);
    measured = [`given       --calibration-seconds ${o.calibrationSeconds}: a point's time on one thread over the whole span; no fixed time a shard`];
  } else if (o.data !== undefined) {
    const c = await calibrate({
      binary: o.binary ?? defaultBinary(io.env),
      scenarioFile: file,
      dataRoot: o.data,
      dataset,
      datasetOverride: o.dataset !== undefined,
      points,
      span,
      ...(o.calibrationPoints !== undefined && { sample: o.calibrationPoints }),
      onRun: (args, warmup) => io.err(`calibrating${warmup ? " (warm-up)" : ""}: aegis-bt ${args.join(" ")}`),
    });
    time = c;
    data = c.data;
    measured = formatCalibration(c);
  } else {
    throw new InputError(
      `a sweep's cost needs the time a point takes: --data <root> to time a sample of the points with the local aegis-bt (the dataset ${dataset} under it), or --calibration-seconds <s>`,
    );
  }
  const estimate = estimateSweepCost({ points, shards: o.shards, size, spot: o.spot, span, time, data });
  if (o.json) io.out(JSON.stringify({ kind: "sweep", ...estimate }, null, 2));
  else for (const line of formatSweepEstimate(estimate, span, measured)) io.out(line);
}

async function costCommand(file: string | undefined, o: CostFlags, g: GlobalOptions, io: CliIo): Promise<void> {
  if (o.snapshotOf !== undefined) {
    if (file !== undefined) throw new InputError("give a scenario or --snapshot-of <dataset>, not both");
    return snapshotCommand(o.snapshotOf, o, g, io);
  }
  if (file === undefined) throw new InputError("give a scenario file (a run's or a sweep's cost), or --snapshot-of <dataset> (a dataset snapshot's)");
  refuse(o, SNAPSHOT_FLAGS, "to a scenario, only to --snapshot-of");
  const text = readScenario(file);
  const summary = validateScenario(text, file);
  const doc = JSON.parse(summary.normalizedJson) as { resources?: { profile?: string } | null };
  const profile = doc.resources?.profile ?? undefined;
  if (hasSweep(summary.normalizedJson)) return sweepCommand(file, text, summary, profile, o, io);
  refuse(o, [...SWEEP_FLAGS, ["data", "--data"]], `to ${file}, which has no sweep: section`);
  const { size } = resolveSize({ ...sizeFlags(o), ...(profile !== undefined && { scenarioProfile: profile }) });
  const estimate = estimateCost(summary, size, o.spot);
  if (o.json) io.out(JSON.stringify(estimate, null, 2));
  else for (const line of formatEstimate(estimate, summary)) io.out(line);
}

/** Adds `cost` to the program. */
export function registerCost(program: Command, io: CliIo): void {
  addSizeOptions(
    program
      .command("cost")
      .description("Estimate a run's or a sweep's Fargate cost, or a dataset snapshot's EBS cost (both Fargate on-demand and Spot for a sweep)")
      .argument("[scenario]", "scenario file; with a sweep: section, the sweep's cost (give --shards)"),
  )
    .option("--json", "print JSON", false)
    .optionsGroup("A sweep (a scenario with a sweep: section):")
    .option("--shards <K>", "shards the points are split over, as for aegis-launch sweep", positiveInteger)
    .option("--dataset <name>", "the dataset the sweep runs on (default: the scenario's data.dataset)")
    .option("--data <root>", "a local data root holding the dataset (or the dataset directory): the calibration runs the local aegis-bt on it; with --snapshot-of, the manifest is read there")
    .option("--calibration-seconds <s>", "seconds one point takes on one thread over the scenario's span, instead of a calibration run", positiveNumber)
    .option("--calibration-points <n>", "points in the smaller timed calibration run (default 16, one group; the larger has twice as many)", positiveInteger)
    .option("--binary <path>", "the binary the calibration runs (default $AEGIS_BT_BINARY or <repo>/target/release/aegis-bt)")
    .optionsGroup("A dataset snapshot:")
    .option("--snapshot-of <dataset>", "an EBS snapshot of this dataset instead: a local dataset directory, a name under --data, or a dataset in s3://<bucket>/datasets/")
    .option("--size <GiB>", "the volume the dataset is pulled into, as dataset snapshot --size (default: the dataset + 20% + 1 GiB)", positiveInteger)
    .option("--months <n>", "months the snapshot is kept (default 1)", positiveNumber)
    .addHelpText(
      "after",
      "\nPrices: AWS's price list for us-east-1 (docs/remote.md \"Prices\", with its date).\n\nExamples:\n  aegis-launch cost examples/short-put.yaml --profile orats-7y --spot\n  aegis-launch cost examples/sweep-short-put.yaml --shards 4 --data data-cache\n  aegis-launch cost examples/sweep-short-put.yaml --shards 4 --calibration-seconds 0.05\n  aegis-launch cost --snapshot-of data-cache/synthetic-spx-7y --months 3\n  aegis-launch cost --snapshot-of orats-spx-7y --size 400\n",
    )
    .action(async (file: string | undefined, o: CostFlags, cmd: Command) => {
      await costCommand(file, o, globals(cmd), io);
    });
}
