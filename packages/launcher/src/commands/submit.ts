// `aegis-launch submit`: one scenario on Fargate (or the binary here with --target local), through S3.
import { join } from "node:path";
import { Option, type Command } from "commander";
import { requireBucket, requireLaunchConfig } from "../config.js";
import { InputError } from "../errors.js";
import { awsEnvironment, defaultBinary } from "../local-target.js";
import { containerEnvironment } from "../runtask.js";
import { keys, s3Uri, writeChecks } from "../s3.js";
import { SCRATCH_ENV } from "../scratch.js";
import { chooseRunSnapshot, dryRun, launch, launchLocal, planRun, preflight, prepareRun, runWritePrefixes, type PreparedRun } from "../submit.js";
import type { RunEvent } from "../wait.js";
import { addSizeOptions, config, globals, interruptible, positiveInteger, readScenario, redact, scratchDir, sizeFlags, withClients, type CliIo, type GlobalOptions } from "./common.js";

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

interface SubmitFlags {
  profile?: string;
  cpu?: number;
  memory?: number;
  ephemeral?: number;
  spot: boolean;
  /** The snapshot id, or false for --no-snapshot. */
  snapshot?: string | false;
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
  const prepared: PreparedRun = prepareRun({
    scenarioText: readScenario(file),
    source: file,
    ...sizeFlags(o),
    spot: o.spot,
    ...(typeof o.snapshot === "string" && { snapshot: o.snapshot }),
    ...(o.snapshot === false && { noSnapshot: true }),
    ...(o.volumeSize !== undefined && { volumeSizeGiB: o.volumeSize }),
    ...(o.dataset !== undefined && { dataset: o.dataset }),
  });
  const out = o.out ?? join("results", prepared.runId);
  if (o.target === "local" && (o.spot || o.snapshot !== undefined)) throw new InputError("--spot, --snapshot and --no-snapshot apply to Fargate, not --target local");
  let run = prepared;
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
    const launchConfig = requireLaunchConfig(await config(g, clients));
    planRun(run, launchConfig); // refuses what ECS would refuse, before any AWS call
    const checked = await preflight(clients.s3, launchConfig.bucket, run.dataset);
    const chosen = await chooseRunSnapshot({ s3: clients.s3, ec2: clients.ec2 }, run, launchConfig);
    for (const note of chosen.notes) io.err(note);
    run = chosen.run;
    const plan = planRun(run, launchConfig);
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

/** Adds `submit` to the program. */
export function registerSubmit(program: Command, io: CliIo): void {
  addSizeOptions(
    program
      .command("submit")
      .description("Validate a scenario, upload it to s3://<bucket>/configs/<run>/ and start it on Fargate")
      .argument("<scenario>", "scenario file (YAML or JSON)"),
  )
    .option("--snapshot <snap-id>", "attach the dataset from this EBS snapshot (only its form is checked; default: the newest completed snapshot of the dataset's current manifest, if any)")
    .option("--no-snapshot", "attach no snapshot: read S3 Files or sync from S3 even when a snapshot of the dataset matches")
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
}
