// `aegis-launch sweep`: a scenario's sweep split over K shards (Fargate tasks, one AWS Batch array
// job, or the binary here), followed with progress, merged in S3 and fetched.
import { join } from "node:path";
import { Option, type Command } from "commander";
import { progressBar } from "@aegis-bt/data-tools";
import { requireBucket, requireLaunchConfig } from "../config.js";
import { InputError } from "../errors.js";
import { awsEnvironment, defaultBinary } from "../local-target.js";
import { containerEnvironment } from "../runtask.js";
import { finishedShards, keys, readLaunchRecord, runSucceeded, s3Uri, writeChecks } from "../s3.js";
import { SCRATCH_ENV } from "../scratch.js";
import { preflight } from "../submit.js";
import { chooseSweepSnapshot, launchSweep, launchSweepLocal, planSweep, prepareSweep, sweepDryRun, sweepWritePrefixes, type PreparedSweep, type SweepLaneName, type SweepResult } from "../sweep.js";
import { formatSweepCost } from "../shard-cost.js";
import { shardName } from "../sweep-plan.js";
import { formatProgress, type SweepProgress } from "../sweep-progress.js";
import type { SweepEvent } from "../sweep-wait.js";
import { addSizeOptions, config, globals, interruptible, positiveInteger, readScenario, redact, scratchDir, sizeFlags, withClients, type CliIo, type GlobalOptions } from "./common.js";

/** Shard names for a message: "0000, 0003, 0007", cut after ten. */
function shardList(shards: readonly number[]): string {
  const names = [...shards].sort((a, b) => a - b).map(shardName);
  return names.length > 10 ? `${names.slice(0, 10).join(", ")} … (${names.length} in all)` : names.join(", ");
}

function describeSweepEvent(e: SweepEvent): string {
  switch (e.type) {
    case "started":
      return `started shard${e.shards.length === 1 ? "" : "s"} ${shardList(e.shards)}: ${e.ids.join(", ")}`;
    case "following":
      return `following shard${e.shards.length === 1 ? "" : "s"} ${shardList(e.shards)}, started by an earlier launch`;
    case "shard-done":
      return `shard ${shardName(e.shard)} done`;
    case "retrying":
      return `shard ${shardName(e.shard)} attempt ${e.attempt} ended (${e.reason}); retrying in ${Math.round(e.delayMs / 1000)} s`;
    case "gave-up":
      return `shard ${shardName(e.shard)} failed after ${e.attempts} attempt${e.attempts === 1 ? "" : "s"}: ${e.reason}`;
    case "merging":
      return "every shard is done: merging";
    case "warning":
      return `warning: ${e.message}`;
  }
}

/**
 * A sweep's progress on stderr: the project's progress bar on a terminal (points done of N, shards
 * in the payload, its ETA), and a line whenever the shards done change, for logs and pipes.
 */
function sweepReporter(io: CliIo) {
  const bar = progressBar("sweep", "{shards} shards | {value}/{total} points");
  let lastDone = -1;
  return {
    onProgress: (p: SweepProgress) => {
      bar.update(p.pointsDone, p.points, { shards: `${p.shardsDone}/${p.shards}` });
      if (p.shardsDone !== lastDone) io.err(formatProgress(p));
      lastDone = p.shardsDone;
    },
    onEvent: (e: SweepEvent) => io.err(describeSweepEvent(e)),
    stop: () => bar.stop(),
  };
}

function printSweepResult(io: CliIo, sweep: PreparedSweep, r: SweepResult, again: string): void {
  const k = sweep.shards.length;
  if (r.state === "started") {
    io.out(`run       ${r.runId}`);
    io.out(`scenario  ${r.configUri}`);
    io.out(`shards    ${r.started.length} started, ${r.skipped.length} already done, of ${k} (${sweep.points} points)`);
    for (const id of [...new Set(r.started.map((a) => a.arrayJobId ?? a.jobId ?? a.taskArn).filter((x): x is string => !!x))]) io.out(`started   ${id}`);
    io.out(`results   ${r.resultsUri}`);
    io.out(`follow    aegis-launch status ${r.runId}, or ${again} --wait`);
    return;
  }
  if (r.state === "already-merged") io.err(`sweep ${r.runId} is already merged: ${r.resultsUri}`);
  else io.err(`sweep ${r.runId} merged: ${r.resultsUri} (${sweep.points} points from ${k} shards${r.skipped.length > 0 ? `, ${r.skipped.length} done before this launch` : ""})`);
  if (r.fetched) io.err(`results in ${r.fetched.dir} (${r.fetched.files.length} files)`);
  if (r.fetched?.sweepCost) for (const line of formatSweepCost(r.fetched.sweepCost, r.fetched.sweepCostNotWritten)) io.err(line);
}

interface SweepFlags {
  shards: number;
  lane: SweepLaneName;
  target: "aws" | "local";
  run?: string;
  profile?: string;
  cpu?: number;
  memory?: number;
  ephemeral?: number;
  spot: boolean;
  dataset?: string;
  /** The snapshot id, or false for --no-snapshot. */
  snapshot?: string | false;
  wait: boolean;
  out?: string;
  fetch: boolean;
  attempts: number;
  dryRun: boolean;
  binary?: string;
  parallel?: number;
  scratchDir?: string;
}

async function sweepCommand(file: string, o: SweepFlags, g: GlobalOptions, io: CliIo): Promise<void> {
  if (o.target === "local" && o.spot) throw new InputError("--spot applies to Fargate, not --target local");
  if (o.target === "local" && o.snapshot !== undefined) throw new InputError("--snapshot and --no-snapshot apply to the Fargate lane, not --target local");
  if (o.target !== "local" && o.parallel !== undefined) throw new InputError("--parallel applies to --target local; on AWS every shard has its own task or job");
  let sweep = await prepareSweep({
    scenarioText: readScenario(file),
    source: file,
    shards: o.shards,
    lane: o.lane,
    ...sizeFlags(o),
    spot: o.spot,
    ...(o.run !== undefined && { runId: o.run }),
    ...(o.dataset !== undefined && { dataset: o.dataset }),
    ...(typeof o.snapshot === "string" && { snapshot: o.snapshot }),
    ...(o.snapshot === false && { noSnapshot: true }),
  });
  const out = o.out ?? join("results", sweep.runId);
  const again = `aegis-launch sweep ${file} --shards ${o.shards}${o.lane === "batch" ? " --lane batch" : ""}${o.run !== undefined ? ` --run ${o.run}` : ""}`;
  const scratch = await scratchDir(o.scratchDir, io, o.dryRun);
  await withClients(g, io, async (clients) => {
    if (o.target === "local") {
      const bucket = requireBucket(await config(g, clients, ["storage"]));
      const binary = o.binary ?? defaultBinary(io.env);
      const checked = await preflight(clients.s3, bucket, sweep.dataset);
      if (o.dryRun) {
        const key = keys.scenario(sweep.runId);
        const [merged, done] = await Promise.all([runSucceeded(clients.s3, bucket, sweep.runId), finishedShards(clients.s3, bucket, sweep.runId)]);
        const env = { ...containerEnvironment(bucket, sweep.runId, sweep.dataset), ...(await awsEnvironment(clients.s3).then(redact)), ...(scratch && { [SCRATCH_ENV]: scratch }) };
        const pending = merged ? [] : sweep.shards.map((s) => s.index).filter((i) => !done.has(i));
        io.out(
          JSON.stringify(
            {
              runId: sweep.runId,
              points: sweep.points,
              shards: sweep.shards.length,
              merged,
              done: [...done].sort((a, b) => a - b),
              checks: { checked, atLaunch: merged ? [] : writeChecks(bucket, sweepWritePrefixes(sweep.runId)) },
              upload: { bucket, key, uri: s3Uri(bucket, key) },
              local: { binary, args: ["sweep"], env, AEGIS_SHARD: pending.map((i) => `${i}/${sweep.shards.length}`) },
            },
            null,
            2,
          ),
        );
        return;
      }
      const { signal, done } = interruptible();
      const report = sweepReporter(io);
      try {
        const r = await launchSweepLocal(clients.s3, sweep, {
          binary,
          bucket,
          ...(scratch !== undefined && { scratchDir: scratch }),
          maxAttempts: o.attempts,
          ...(o.parallel !== undefined && { parallel: o.parallel }),
          ...(o.fetch && { fetchTo: out }),
          onLine: (line) => io.out(line),
          onEvent: report.onEvent,
          onProgress: report.onProgress,
          signal,
        });
        report.stop();
        printSweepResult(io, sweep, r, again);
      } finally {
        report.stop();
        done();
      }
      return;
    }
    const values = await config(g, clients);
    planSweep(sweep, values); // refuses what the service would refuse, before any AWS call
    const checked = await preflight(clients.s3, values.bucket as string, sweep.dataset);
    if (sweep.lane === "fargate") {
      const chosen = await chooseSweepSnapshot({ s3: clients.s3, ec2: clients.ec2 }, sweep, requireLaunchConfig(values));
      for (const note of chosen.notes) io.err(note);
      sweep = chosen.sweep;
    }
    const target = planSweep(sweep, values);
    const bucket = target.plan.config.bucket;
    if (o.dryRun) {
      const [merged, doneShards, record] = await Promise.all([
        runSucceeded(clients.s3, bucket, sweep.runId),
        finishedShards(clients.s3, bucket, sweep.runId),
        readLaunchRecord(clients.s3, bucket, sweep.runId),
      ]);
      const plan = sweepDryRun(sweep, target, { merged, done: doneShards, history: record?.attempts ?? [] });
      const checks = { checked, atLaunch: merged ? [] : writeChecks(bucket, sweepWritePrefixes(sweep.runId)) };
      io.out(JSON.stringify({ ...plan, checks }, null, 2));
      return;
    }
    const { signal, done } = interruptible();
    const report = sweepReporter(io);
    try {
      const where = target.lane === "batch" ? `AWS Batch queue ${target.plan.config.jobQueue}` : `Fargate${sweep.spot ? " Spot" : ""}`;
      io.err(`sweep ${sweep.runId}: ${sweep.points} points in ${sweep.shards.length} shards on ${where}, ${sweep.size.vcpu} vCPU / ${sweep.size.memoryGb} GB each`);
      const r = await launchSweep({ s3: clients.s3, ecs: clients.ecs, batch: clients.batch }, sweep, target, {
        wait: o.wait,
        maxAttempts: o.attempts,
        ...(o.fetch && { fetchTo: out }),
        ...(scratch !== undefined && { scratchDir: scratch }),
        ...(o.wait && { onProgress: report.onProgress }),
        onEvent: report.onEvent,
        signal,
      });
      report.stop();
      printSweepResult(io, sweep, r, again);
    } catch (err) {
      if (signal.aborted) throw new InputError(`interrupted: the shards started keep running; see aegis-launch status ${sweep.runId}, or run ${again} --wait to follow them`);
      throw err;
    } finally {
      report.stop();
      done();
    }
  });
}

/** Adds `sweep` to the program. */
export function registerSweep(program: Command, io: CliIo): void {
  addSizeOptions(
    program
      .command("sweep")
      .description("Run a scenario's sweep: split its points over K shards (Fargate tasks or one AWS Batch array job), merge them in S3")
      .argument("<scenario>", "scenario file (YAML or JSON) with a sweep: section")
      .requiredOption("--shards <K>", "how many shards (tasks, array children) to split the points over, 1 to the number of points", positiveInteger)
      .addOption(new Option("--lane <lane>", "fargate: one ECS task per shard; batch: one AWS Batch array job").choices(["fargate", "batch"]).default("fargate"))
      .option("--run <id>", "name the run (default <scenario>-sweep-<hash of the scenario, K and --dataset>: the same sweep again skips finished shards)")
      .option("--dataset <name>", "dataset name (default: the scenario's data.dataset); needs datasets/<name>/manifest.json")
      .option("--snapshot <snap-id>", "Fargate lane: every shard attaches the dataset from this EBS snapshot (default: the newest completed snapshot of the dataset's current manifest, if any)")
      .option("--no-snapshot", "Fargate lane: attach no snapshot, read S3 Files or sync from S3 even when a snapshot of the dataset matches"),
  )
    .option("--wait", "follow the shards to the end: progress and ETA, retry failed shards, merge, fetch", false)
    .option("--attempts <n>", "with --wait: attempts per shard before the sweep fails", positiveInteger, 3)
    .option("--out <dir>", "where the merged results go (default results/<run>)")
    .option("--no-fetch", "do not download the merged results")
    .option("--dry-run", "run the read-only checks and print them, the write checks a launch would make, the S3 key and the exact RunTask or SubmitJob requests; send nothing", false)
    .addOption(new Option("--target <where>", "aws (the --lane), or local: the aegis-bt binary here once per shard, same S3 exchange (always waits)").choices(["aws", "local"]).default("aws"))
    .option("--binary <path>", "the binary for --target local (default $AEGIS_BT_BINARY or <repo>/target/release/aegis-bt)")
    .option("--parallel <n>", "with --target local: shards run at once (default 1)", positiveInteger)
    .option(
      "--scratch-dir <dir>",
      "where the merge works and, with --target local, the binary's AEGIS_SCRATCH_DIR (default $AEGIS_SCRATCH_DIR, else the system's temporary directory and the binary's /tmp/aegis-scratch)",
    )
    .addHelpText(
      "after",
      "\nShards are results/<run>/shards/<iiii>/; a shard with _SUCCESS is never run again, and a merged sweep\n(results/<run>/_SUCCESS) is only fetched. Launch the same command again to resume.\n\nExamples:\n  aegis-launch sweep sweep.yaml --shards 8 --dry-run\n  aegis-launch sweep sweep.yaml --shards 8 --lane batch --wait\n  aegis-launch sweep sweep.yaml --shards 4 --spot --wait --out results/sweep\n  aegis-launch sweep sweep.yaml --shards 3 --target local --endpoint-url http://127.0.0.1:5000\n",
    )
    .action(async (file: string, o: SweepFlags, cmd: Command) => {
      await sweepCommand(file, { ...o, wait: o.wait || o.target === "local" }, globals(cmd), io);
    });
}
