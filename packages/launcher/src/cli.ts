// `aegis-launch`: parses arguments, builds the clients, calls the library, prints. Nothing else.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { progressBar } from "@aegis-bt/data-tools";
import { createClients, destroyClients, type AwsClients, type ClientSettings } from "./clients.js";
import { checkAssignPublicIp, checkPropagateTags, loadConfig, requireBucket, requireLaunchConfig, splitList, type ConfigOverrides, type ConfigValues } from "./config.js";
import { estimateCost, formatEstimate } from "./cost.js";
import { InputError, RunFailedError, SweepFailedError, errorDetails, userMessage } from "./errors.js";
import { awsEnvironment, defaultBinary } from "./local-target.js";
import { containerEnvironment } from "./runtask.js";
import { finishedShards, keys, readLaunchRecord, runSucceeded, s3Uri, writeChecks } from "./s3.js";
import { checkRunId } from "./run-id.js";
import { SCRATCH_ENV, checkScratchDir, scratchRequest } from "./scratch.js";
import { fetchRun, recentRuns, runLogs, runStatus, type RunStatus } from "./runs.js";
import { PROFILES, resolveSize } from "./sizes.js";
import { dryRun, launch, launchLocal, planRun, preflight, prepareRun, runWritePrefixes, type PreparedRun } from "./submit.js";
import { launchSweep, launchSweepLocal, planSweep, prepareSweep, sweepDryRun, sweepWritePrefixes, type PreparedSweep, type SweepLaneName, type SweepResult } from "./sweep.js";
import { shardName } from "./sweep-plan.js";
import { formatProgress, type SweepProgress } from "./sweep-progress.js";
import type { SweepEvent } from "./sweep-wait.js";
import type { RunEvent } from "./wait.js";
import { validateScenario } from "@aegis-bt/engine";

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** The environment (AWS_ENDPOINT_URL, AEGIS_BT_BINARY, AEGIS_SCRATCH_DIR); the CLI reads nothing else from it. */
  env: Readonly<Record<string, string | undefined>>;
}

interface GlobalOptions {
  region?: string;
  endpointUrl?: string;
  awsProfile?: string;
  config?: string;
  storageStack?: string;
  computeStack?: string;
  bucket?: string;
  cluster?: string;
  taskDefinition?: string;
  container?: string;
  subnets?: string;
  securityGroups?: string;
  assignPublicIp?: string;
  logGroup?: string;
  logStreamPrefix?: string;
  infrastructureRole?: string;
  datasetVolume?: string;
  propagateTags?: string;
  jobQueue?: string;
  jobDefinition?: string;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

function readScenario(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new InputError(`${file}: cannot read the scenario (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function clientSettings(g: GlobalOptions, io: CliIo): ClientSettings {
  const endpoint = g.endpointUrl ?? io.env.AWS_ENDPOINT_URL;
  return {
    ...(g.region !== undefined && { region: g.region }),
    ...(endpoint !== undefined && endpoint !== "" && { endpoint }),
    ...(g.awsProfile !== undefined && { profile: g.awsProfile }),
  };
}

function overrides(g: GlobalOptions): ConfigOverrides {
  const o: ConfigOverrides = {};
  if (g.bucket) o.bucket = g.bucket;
  if (g.cluster) o.cluster = g.cluster;
  if (g.taskDefinition) o.taskDefinition = g.taskDefinition;
  if (g.container) o.containerName = g.container;
  if (g.subnets) o.subnets = splitList(g.subnets);
  if (g.securityGroups) o.securityGroups = splitList(g.securityGroups);
  if (g.assignPublicIp) o.assignPublicIp = checkAssignPublicIp(g.assignPublicIp, "--assign-public-ip");
  if (g.logGroup) o.logGroupName = g.logGroup;
  if (g.logStreamPrefix) o.logStreamPrefix = g.logStreamPrefix;
  if (g.infrastructureRole) o.ecsInfrastructureRoleArn = g.infrastructureRole;
  if (g.datasetVolume) o.datasetVolumeName = g.datasetVolume;
  if (g.propagateTags) o.propagateTags = checkPropagateTags(g.propagateTags, "--propagate-tags");
  if (g.jobQueue) o.jobQueue = g.jobQueue;
  if (g.jobDefinition) o.jobDefinition = g.jobDefinition;
  return o;
}

async function region(clients: AwsClients): Promise<string | undefined> {
  try {
    return await clients.s3.config.region();
  } catch {
    return undefined;
  }
}

async function config(g: GlobalOptions, clients: AwsClients, stacks: ("storage" | "compute")[] = ["storage", "compute"]): Promise<ConfigValues> {
  const r = await region(clients);
  return loadConfig({
    cloudFormation: clients.cloudFormation,
    ...(r && { region: r }),
    ...(g.config !== undefined && { file: g.config }),
    ...(g.storageStack !== undefined && { storageStack: g.storageStack }),
    ...(g.computeStack !== undefined && { computeStack: g.computeStack }),
    stacks,
    overrides: overrides(g),
  });
}

async function withClients<T>(g: GlobalOptions, io: CliIo, fn: (clients: AwsClients) => Promise<T>): Promise<T> {
  const clients = createClients(clientSettings(g, io));
  try {
    return await fn(clients);
  } finally {
    destroyClients(clients);
  }
}

/** AWS variables with the secrets masked, for --dry-run output. */
function redact(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = k === "AWS_SECRET_ACCESS_KEY" || k === "AWS_SESSION_TOKEN" ? "***" : v;
  return out;
}

function describeEvent(e: RunEvent): string {
  switch (e.type) {
    case "started":
      return `attempt ${e.attempt}: started task ${e.taskArn}`;
    case "status":
      return `attempt ${e.attempt}: ${e.status}`;
    case "retrying":
      return `attempt ${e.attempt} ended (${e.reason}); retrying in ${Math.round(e.delayMs / 1000)} s`;
    case "warning":
      return `warning: ${e.message}`;
  }
}

function interruptible(): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const onInt = () => controller.abort();
  process.once("SIGINT", onInt);
  return { signal: controller.signal, done: () => process.off("SIGINT", onInt) };
}

function printStatus(io: CliIo, rows: RunStatus[]): void {
  if (rows.length === 0) {
    io.out("no runs in the bucket");
    return;
  }
  const width = Math.max(...rows.map((r) => r.runId.length));
  for (const r of rows) io.out(`${r.runId.padEnd(width)}  ${r.state.padEnd(9)}  ${r.detail}`);
}

function sizeFlags(o: { profile?: string; cpu?: number; memory?: number; ephemeral?: number }) {
  return {
    ...(o.profile !== undefined && { profile: o.profile }),
    ...(o.cpu !== undefined && { vcpu: o.cpu }),
    ...(o.memory !== undefined && { memoryGb: o.memory }),
    ...(o.ephemeral !== undefined && { ephemeralGiB: o.ephemeral }),
  };
}

function addSizeOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--profile <name>", "size profile (default: the scenario's resources.profile, else orats-7y)").choices(Object.keys(PROFILES)),
    )
    .option("--cpu <vCPU>", "vCPU, on top of the profile (Fargate: 0.25, 0.5, 1, 2, 4, 8, 16)", positiveNumber)
    .option("--memory <GB>", "memory in GB, on top of the profile (checked against the Fargate table)", positiveNumber)
    .option("--ephemeral <GiB>", "ephemeral storage in GiB, 21–200", positiveNumber)
    .option("--spot", "run on Fargate Spot (about 70% cheaper; may be interrupted)", false);
}

/** The scratch directory asked for (`--scratch-dir`, else $AEGIS_SCRATCH_DIR), checked and, unless `dryRun`, made; or none. */
async function scratchDir(flag: string | undefined, io: CliIo, dryRun: boolean): Promise<string | undefined> {
  const asked = scratchRequest(flag, io.env);
  return asked ? checkScratchDir(asked.dir, asked.origin, { create: !dryRun }) : undefined;
}

interface SubmitFlags {
  profile?: string;
  cpu?: number;
  memory?: number;
  ephemeral?: number;
  spot: boolean;
  snapshot?: string;
  volumeSize?: number;
  dataset?: string;
  wait: boolean;
  out?: string;
  fetch: boolean;
  dryRun: boolean;
  target: "fargate" | "local";
  binary?: string;
  scratchDir?: string;
  maxAttempts: number;
}

async function submitCommand(file: string, o: SubmitFlags, g: GlobalOptions, io: CliIo): Promise<void> {
  if (o.target !== "local" && o.scratchDir !== undefined) {
    throw new InputError("--scratch-dir applies to --target local; on Fargate the task definition sets AEGIS_SCRATCH_DIR");
  }
  const run: PreparedRun = prepareRun({
    scenarioText: readScenario(file),
    source: file,
    ...sizeFlags(o),
    spot: o.spot,
    ...(o.snapshot !== undefined && { snapshot: o.snapshot }),
    ...(o.volumeSize !== undefined && { volumeSizeGiB: o.volumeSize }),
    ...(o.dataset !== undefined && { dataset: o.dataset }),
  });
  const out = o.out ?? join("results", run.runId);
  if (o.target === "local" && (o.spot || o.snapshot)) throw new InputError("--spot and --snapshot apply to Fargate, not --target local");
  const scratch = o.target === "local" ? await scratchDir(o.scratchDir, io, o.dryRun) : undefined;
  await withClients(g, io, async (clients) => {
    if (o.target === "local") {
      const bucket = requireBucket(await config(g, clients, ["storage"]));
      const binary = o.binary ?? defaultBinary(io.env);
      const checked = await preflight(clients.s3, bucket, run.dataset);
      if (o.dryRun) {
        const key = keys.scenario(run.runId);
        const env = { ...containerEnvironment(bucket, run.runId, run.dataset), ...(await awsEnvironment(clients.s3).then(redact)), ...(scratch && { [SCRATCH_ENV]: scratch }) };
        const checks = { checked, atLaunch: writeChecks(bucket, runWritePrefixes(run.runId, "local")) };
        io.out(JSON.stringify({ runId: run.runId, checks, upload: { bucket, key, uri: s3Uri(bucket, key) }, local: { binary, args: ["run"], env } }, null, 2));
        return;
      }
      const { signal, done } = interruptible();
      try {
        const r = await launchLocal(clients.s3, run, {
          binary,
          bucket,
          ...(scratch !== undefined && { scratchDir: scratch }),
          ...(o.fetch && { fetchTo: out }),
          onLine: (line) => io.out(line),
          signal,
        });
        io.err(`run ${r.runId} succeeded: ${r.resultsUri}`);
        if (r.fetched) io.err(`results in ${r.fetched.dir} (${r.fetched.files.length} files)`);
      } finally {
        done();
      }
      return;
    }
    const plan = planRun(run, requireLaunchConfig(await config(g, clients)));
    const checked = await preflight(clients.s3, plan.config.bucket, run.dataset);
    if (o.dryRun) {
      const { runId, ...rest } = dryRun(run, plan);
      const checks = { checked, atLaunch: writeChecks(plan.config.bucket, runWritePrefixes(runId, "fargate")) };
      io.out(JSON.stringify({ runId, checks, ...rest }, null, 2));
      return;
    }
    if (!o.wait) {
      const r = await launch({ s3: clients.s3, ecs: clients.ecs }, run, plan);
      io.out(`run       ${r.runId}`);
      io.out(`scenario  ${r.configUri}`);
      io.out(`task      ${r.taskArn}`);
      io.out(`results   ${r.resultsUri}`);
      io.out(`follow    aegis-launch logs ${r.runId} --follow`);
      return;
    }
    const { signal, done } = interruptible();
    try {
      io.err(`run ${run.runId}: ${plan.size.vcpu} vCPU / ${plan.size.memoryGb} GB${plan.spot ? " on Spot" : ""}`);
      const r = await launch({ s3: clients.s3, ecs: clients.ecs, logs: clients.logs }, run, plan, {
        wait: true,
        maxAttempts: o.maxAttempts,
        ...(o.fetch && { fetchTo: out }),
        onLog: (line) => io.out(line),
        onEvent: (e) => io.err(describeEvent(e)),
        signal,
      });
      io.err(`run ${r.runId} succeeded: ${r.resultsUri}`);
      if (r.fetched) {
        io.err(`results in ${r.fetched.dir} (${r.fetched.files.length} files)`);
        if (r.fetched.cost) io.err(`cost ~$${r.fetched.cost.usd.toFixed(4)} (${r.fetched.cost.billedSeconds} s billed; in run.json)`);
      }
    } catch (err) {
      if (signal.aborted) throw new InputError(`interrupted: run ${run.runId} keeps running; see aegis-launch status ${run.runId}`);
      throw err;
    } finally {
      done();
    }
  });
}

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
  if (o.target !== "local" && o.parallel !== undefined) throw new InputError("--parallel applies to --target local; on AWS every shard has its own task or job");
  const sweep = await prepareSweep({
    scenarioText: readScenario(file),
    source: file,
    shards: o.shards,
    lane: o.lane,
    ...sizeFlags(o),
    spot: o.spot,
    ...(o.run !== undefined && { runId: o.run }),
    ...(o.dataset !== undefined && { dataset: o.dataset }),
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
    const target = planSweep(sweep, await config(g, clients));
    const bucket = target.plan.config.bucket;
    const checked = await preflight(clients.s3, bucket, sweep.dataset);
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

/** The command tree; `io` receives all output. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("aegis-launch")
    .description("Run aegis-bt scenarios and sweeps on AWS Fargate or AWS Batch through S3 (configuration from the CDK stacks' outputs)")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, "")), writeErr: (s) => io.err(s.replace(/\n$/, "")) })
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(run with --help for usage)");

  program
    .optionsGroup("AWS connection:")
    .option("--region <region>", "AWS region (default: AWS_REGION or the profile's)")
    .option("--endpoint-url <url>", "one endpoint for every AWS service, e.g. moto (default: $AWS_ENDPOINT_URL)")
    .option("--aws-profile <name>", "named AWS profile (default: AWS_PROFILE)")
    .option("--verbose", "on failure, print the cause chain and the raw AWS response after the one-line message", false)
    .optionsGroup("Configuration (default: the stacks' outputs; each flag overrides one output):")
    .option("--config <file>", "JSON of stack outputs instead of DescribeStacks (cdk deploy --outputs-file works)")
    .option("--storage-stack <name>", "storage stack name (default AegisBtStorage)")
    .option("--compute-stack <name>", "compute stack name (default AegisBtCompute)")
    .option("--bucket <name>", "BucketName")
    .option("--cluster <arn>", "ClusterArn")
    .option("--task-definition <arn>", "TaskDefinitionArn")
    .option("--container <name>", "ContainerName")
    .option("--subnets <ids>", "SubnetIds, comma-separated")
    .option("--security-groups <ids>", "SecurityGroupIds, comma-separated")
    .option("--assign-public-ip <mode>", "AssignPublicIp: ENABLED or DISABLED")
    .option("--log-group <name>", "LogGroupName")
    .option("--log-stream-prefix <prefix>", "LogStreamPrefix")
    .option("--infrastructure-role <arn>", "EcsInfrastructureRoleArn (for --snapshot)")
    .option("--dataset-volume <name>", "DatasetVolumeName (for --snapshot)")
    .option("--propagate-tags <mode>", "TASK_DEFINITION (default) or NONE")
    .option("--job-queue <arn>", "JobQueueArn (sweep --lane batch)")
    .option("--job-definition <arn>", "JobDefinitionArn (sweep --lane batch)")
    .optionsGroup("Options:");

  const globals = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

  addSizeOptions(
    program
      .command("submit")
      .description("Validate a scenario, upload it to s3://<bucket>/configs/<run>/ and start it on Fargate")
      .argument("<scenario>", "scenario file (YAML or JSON)"),
  )
    .option("--snapshot <snap-id>", "attach the dataset from this EBS snapshot (only its form is checked)")
    .option("--volume-size <GiB>", "size of the --snapshot volume (default: the snapshot's)", positiveInteger)
    .option("--dataset <name>", "dataset name (default: the scenario's data.dataset); needs datasets/<name>/manifest.json")
    .option("--wait", "wait for the end: stream the log, retry Spot interruptions and failed starts, fetch the results", false)
    .option("--out <dir>", "where --wait puts the results (default results/<run>)")
    .option("--no-fetch", "with --wait: do not download the results")
    .option("--max-attempts <n>", "with --wait: attempts in all when Spot interrupts the task or it fails to start", positiveInteger, 3)
    .option("--dry-run", "run the read-only checks and print them, the write checks a launch would make, the RunTask request and the S3 key; write and start nothing", false)
    .addOption(new Option("--target <where>", "fargate, or local: the aegis-bt binary here, same S3 exchange (always waits)").choices(["fargate", "local"]).default("fargate"))
    .option("--binary <path>", "the binary for --target local (default $AEGIS_BT_BINARY or <repo>/target/release/aegis-bt)")
    .option("--scratch-dir <dir>", "with --target local: the binary's scratch directory, passed as AEGIS_SCRATCH_DIR (default $AEGIS_SCRATCH_DIR, else the binary's /tmp/aegis-scratch)")
    .addHelpText(
      "after",
      "\nExamples:\n  aegis-launch submit examples/short-put.yaml --dry-run\n  aegis-launch submit examples/short-put.yaml --spot --wait\n  aegis-launch submit s.yaml --profile synthetic --target local --endpoint-url http://127.0.0.1:5000\n",
    )
    .action(async (file: string, o: SubmitFlags, cmd: Command) => {
      const flags = { ...o, wait: o.wait || o.target === "local" };
      await submitCommand(file, flags, globals(cmd), io);
    });

  addSizeOptions(
    program
      .command("sweep")
      .description("Run a scenario's sweep: split its points over K shards (Fargate tasks or one AWS Batch array job), merge them in S3")
      .argument("<scenario>", "scenario file (YAML or JSON) with a sweep: section")
      .requiredOption("--shards <K>", "how many shards (tasks, array children) to split the points over, 1 to the number of points", positiveInteger)
      .addOption(new Option("--lane <lane>", "fargate: one ECS task per shard; batch: one AWS Batch array job").choices(["fargate", "batch"]).default("fargate"))
      .option("--run <id>", "name the run (default <scenario>-sweep-<hash of the scenario, K and --dataset>: the same sweep again skips finished shards)")
      .option("--dataset <name>", "dataset name (default: the scenario's data.dataset); needs datasets/<name>/manifest.json"),
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

  program
    .command("status")
    .description("One run's state, or the newest runs': running, succeeded (_SUCCESS), failed, unknown")
    .argument("[run]", "run id")
    .option("--limit <n>", "how many runs without <run>", positiveInteger, 10)
    .option("--json", "print JSON", false)
    .action(async (runId: string | undefined, o: { limit: number; json: boolean }, cmd: Command) => {
      const g = globals(cmd);
      await withClients(g, io, async (clients) => {
        const values = await config(g, clients);
        const opts = {
          bucket: requireBucket(values),
          ...(values.cluster && { cluster: values.cluster }),
          ...(values.containerName && { containerName: values.containerName }),
        };
        const deps = { s3: clients.s3, ecs: clients.ecs, batch: clients.batch };
        const rows = runId !== undefined ? [await runStatus(deps, checkRunId(runId), opts)] : await recentRuns(deps, { ...opts, limit: o.limit });
        if (o.json) io.out(JSON.stringify(rows.map(({ record: _r, tasks, ...r }) => ({ ...r, tasks: tasks.map((t) => t.taskArn) })), null, 2));
        else printStatus(io, rows);
      });
    });

  program
    .command("logs")
    .description("Print a run's CloudWatch log (every attempt)")
    .argument("<run>", "run id")
    .option("--follow", "keep printing until the task stops", false)
    .action(async (runId: string, o: { follow: boolean }, cmd: Command) => {
      const g = globals(cmd);
      await withClients(g, io, async (clients) => {
        const values = await config(g, clients);
        const bucket = requireBucket(values);
        if (!values.logGroupName || !values.logStreamPrefix || !values.containerName) {
          throw new InputError(`${values.source}: LogGroupName, LogStreamPrefix and ContainerName are needed for logs (or --log-group, --log-stream-prefix, --container)`);
        }
        const { signal, done } = interruptible();
        try {
          await runLogs(
            { logs: clients.logs, s3: clients.s3, ecs: clients.ecs, batch: clients.batch },
            {
              bucket,
              runId: checkRunId(runId),
              ...(values.cluster && { cluster: values.cluster }),
              logGroupName: values.logGroupName,
              logStreamPrefix: values.logStreamPrefix,
              containerName: values.containerName,
              follow: o.follow,
              onLine: (line) => io.out(line),
              onAttempt: (n, id, shard) => io.err(`== ${shard !== undefined ? `shard ${shardName(shard)} ` : ""}attempt ${n}: ${id}`),
              signal,
            },
          );
        } catch (err) {
          if (!signal.aborted) throw err;
        } finally {
          done();
        }
      });
    });

  program
    .command("fetch")
    .description("Download results/<run>/ (refused without _SUCCESS unless --partial); writes the run's cost into run.json")
    .argument("<run>", "run id")
    .option("--out <dir>", "directory (default results/<run>)")
    .option("--partial", "download an unfinished or failed run's files anyway", false)
    .action(async (runId: string, o: { out?: string; partial: boolean }, cmd: Command) => {
      const g = globals(cmd);
      checkRunId(runId);
      await withClients(g, io, async (clients) => {
        const values = await config(g, clients);
        const r = await fetchRun(
          { s3: clients.s3, ecs: clients.ecs },
          {
            bucket: requireBucket(values),
            runId,
            out: o.out ?? join("results", runId),
            partial: o.partial,
            ...(values.cluster && { cluster: values.cluster }),
            ...(values.containerName && { containerName: values.containerName }),
          },
        );
        io.out(`${r.dir}: ${r.files.length} files, ${r.bytes.toLocaleString("en-US")} bytes${r.complete ? "" : " (partial: no _SUCCESS)"}`);
        if (r.cost) io.out(`cost ~$${r.cost.usd.toFixed(4)} (${r.cost.basis}, ${r.cost.billedSeconds} s billed) written to run.json`);
      });
    });

  addSizeOptions(
    program
      .command("cost")
      .description("Estimate a run's Fargate cost from the scenario's span, tickers and size (no AWS calls)")
      .argument("<scenario>", "scenario file"),
  )
    .option("--json", "print JSON", false)
    .action((file: string, o: { profile?: string; cpu?: number; memory?: number; ephemeral?: number; spot: boolean; json: boolean }) => {
      const summary = validateScenario(readScenario(file), file);
      const doc = JSON.parse(summary.normalizedJson) as { resources?: { profile?: string } | null };
      const { size } = resolveSize({
        ...sizeFlags(o),
        ...(doc.resources?.profile && { scenarioProfile: doc.resources.profile }),
      });
      const estimate = estimateCost(summary, size, o.spot);
      if (o.json) io.out(JSON.stringify(estimate, null, 2));
      else for (const line of formatEstimate(estimate, summary)) io.out(line);
    });

  return program;
}

/** Runs the CLI and returns its exit code; a failure prints one line (plus a failed run's log tail), never a stack trace. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its own message (or the help / version).
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help" ? 0 : err.exitCode || 1;
    }
    if (err instanceof SweepFailedError) {
      for (const f of err.details.failed) {
        if (!f.logTail?.length) continue;
        io.err(`--- shard ${shardName(f.shard)}: last ${f.logTail.length} lines ---`);
        for (const line of f.logTail) io.err(line);
      }
    }
    if (err instanceof RunFailedError && err.details.logTail.length > 0) {
      io.err(`--- last ${err.details.logTail.length} log lines ---`);
      for (const line of err.details.logTail) io.err(line);
      io.err("---");
    }
    io.err(`aegis-launch: error: ${userMessage(err)}`);
    if (program.opts<{ verbose?: boolean }>().verbose) for (const line of errorDetails(err)) io.err(line);
    return 1;
  }
}

/** The `aegis-launch` entry point. */
export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runCli(argv, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    env: process.env,
  });
}
