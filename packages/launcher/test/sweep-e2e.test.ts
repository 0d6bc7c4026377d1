// Sweeps end to end on a local AWS: `aegis-launch sweep` puts the scenario in moto's S3 and sends
// the shards to moto's ECS (one RunTask each) or moto's AWS Batch (one array job); the test plays
// the containers, running the real `aegis-bt` binary (`aegis-bt sweep`) with exactly the
// environment each task or array child carries, against moto's S3. The launcher sees each shard's
// `_SUCCESS`, merges in S3 and fetches; the merged files must be byte-identical to the same sweep
// run unsharded in-process. Launching the same sweep again must send nothing.
//
// moto's Batch without Docker (`{"batch":{"use_docker":false}}`) marks every job SUCCEEDED inside
// SubmitJob and runs nothing, and its children carry no AWS_BATCH_JOB_ARRAY_INDEX: so the
// containers are played right when SubmitJob returns (a spy around BatchClient#send, which still
// sends the real request to moto), with the child's index added from its id `<job>:<j>`. Exit
// codes and FAILED children do not exist there; the unit tests cover them with mocks.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as delay } from "node:timers/promises";
import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  type SubmitJobCommandInput,
} from "@aws-sdk/client-batch";
import { CreateClusterCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { generateDataset } from "@aegis-bt/data-tools";
import { runSweep } from "@aegis-bt/engine";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../src/cli.ts";
import { destroyClients, type AwsClients } from "../src/clients.ts";
import { loadConfig } from "../src/config.ts";
import { SweepFailedError } from "../src/errors.ts";
import type { SweepCost } from "../src/shard-cost.ts";
import { SHARD_FILES, mergeShardsInS3 } from "../src/sweep-merge.ts";
import { launchSweep, planSweep, prepareSweep } from "../src/sweep.ts";
import { CREDENTIALS, Moto, REGION, outputsStack } from "./moto.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BINARY = process.env.AEGIS_BT_BINARY ?? join(ROOT, "target/release/aegis-bt");
const BUCKET = "aegis-bt-sweep";
const DATASET = "sweep-spx";
const SCENARIO = `name: e2e-put-sweep
data: { dataset: ${DATASET}, tickers: [SPX], start: 2023-07-03, end: 2023-12-29 }
capital: 1000000
strategy:
  template: { put_vertical: { dte: { target: 30, min: 20, max: 45 }, delta: { target: 0.25 }, width: 50, kind: credit } }
  entry: { every_trading_days: 5, max_open: 3 }
  exit: { profit_target: 0.5, stop_loss: 2.0, dte_exit: 10 }
  sizing: { contracts: 2 }
sweep:
  grid: { "strategy.exit.profit_target": [0.25, 0.5, 0.75], "strategy.exit.stop_loss": [1.5, 2.0] }
cscv: { partitions: 4 }
`;
const ENV = {
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_REGION: REGION,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};
const MERGED = ["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow", "cscv.json", "stats.json"];

let moto: Moto;
let aws: AwsClients;
let localData: string;
/** The same sweep, unsharded and in-process: what every merge must reproduce byte for byte. */
let reference: Record<string, Buffer>;
const work = mkdtempSync(join(tmpdir(), "aegis-sweep-e2e-"));
const scenarioFile = join(work, "sweep.yaml");
writeFileSync(scenarioFile, SCENARIO);
const saved: Record<string, string | undefined> = {};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** A Batch service role, which moto checks exists (there is no IAM client in this package). */
async function serviceRole(): Promise<string> {
  const xml = await moto.query("iam", "2010-05-08", "CreateRole", { RoleName: "aegis-batch-service", AssumeRolePolicyDocument: "{}" });
  return (/<Arn>([^<]+)<\/Arn>/.exec(xml) ?? [])[1] as string;
}

beforeAll(async () => {
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  localData = join(work, "data");
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-06-01", end: "2023-12-29", seed: 5, out: join(localData, DATASET), name: DATASET });
  const ref = await runSweep(SCENARIO, { data: localData, out: join(work, "unsharded"), source: "sweep.yaml" });
  expect(ref.info.points).toHaveLength(6);
  reference = Object.fromEntries(MERGED.map((f) => [f, readFileSync(join(work, "unsharded", f))]));

  moto = await Moto.start();
  aws = moto.clients();
  await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const file of filesUnder(join(localData, DATASET))) {
    await aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `datasets/${DATASET}/${relative(join(localData, DATASET), file)}`, Body: readFileSync(file) }));
  }
  // What the compute stack creates, as the stack would: the ECS side and the Batch side.
  const cluster = await aws.ecs.send(new CreateClusterCommand({ clusterName: "aegis-bt" }));
  const td = await aws.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: "aegis-bt-rust",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "16384",
      memory: "122880",
      ephemeralStorage: { sizeInGiB: 50 },
      containerDefinitions: [{ name: "aegis-bt", image: "aegis-bt:test", memoryReservation: 1024, essential: true, entryPoint: ["aegis-bt"], command: ["run"] }],
    }),
  );
  const { subnet, securityGroup } = await moto.defaultNetwork();
  await moto.configure({ batch: { use_docker: false } });
  const env = await aws.batch.send(
    new CreateComputeEnvironmentCommand({
      computeEnvironmentName: "aegis-bt",
      type: "MANAGED",
      state: "ENABLED",
      serviceRole: await serviceRole(),
      computeResources: { type: "FARGATE_SPOT", maxvCpus: 256, subnets: [subnet], securityGroupIds: [securityGroup] },
    }),
  );
  const queue = await aws.batch.send(
    new CreateJobQueueCommand({ jobQueueName: "aegis-bt", state: "ENABLED", priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: env.computeEnvironmentArn }] }),
  );
  const jobDefinition = await aws.batch.send(
    new RegisterJobDefinitionCommand({
      jobDefinitionName: "aegis-bt",
      type: "container",
      platformCapabilities: ["FARGATE"],
      containerProperties: {
        image: "aegis-bt:test",
        command: ["run"],
        resourceRequirements: [
          { type: "VCPU", value: "16" },
          { type: "MEMORY", value: "122880" },
        ],
        networkConfiguration: { assignPublicIp: "ENABLED" },
      },
      retryStrategy: { attempts: 2, evaluateOnExit: [{ onStatusReason: "Host EC2*", action: "RETRY" }, { onReason: "*", action: "EXIT" }] },
    }),
  );
  await outputsStack(aws, "AegisBtStorage", { BucketName: BUCKET, RepositoryUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/aegis-bt", RepositoryName: "aegis-bt" });
  await outputsStack(aws, "AegisBtCompute", {
    ClusterArn: cluster.cluster?.clusterArn as string,
    TaskDefinitionArn: td.taskDefinition?.taskDefinitionArn as string,
    TaskFamily: "aegis-bt-rust",
    ContainerName: "aegis-bt",
    SubnetIds: subnet,
    SecurityGroupIds: securityGroup,
    AssignPublicIp: "ENABLED",
    LogGroupName: "/ecs/aegis-bt-rust",
    LogStreamPrefix: "aegis",
    EcsInfrastructureRoleArn: "arn:aws:iam::123456789012:role/aegis-ecs-infrastructure",
    DatasetVolumeName: "dataset",
    JobQueueArn: queue.jobQueueArn as string,
    JobDefinitionArn: jobDefinition.jobDefinitionArn as string,
    BatchLogStreamPrefix: "aegis-bt-batch",
  });
}, 300_000);

afterAll(async () => {
  if (aws) destroyClients(aws);
  await moto?.stop();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

interface ContainerRun {
  shard: string;
  status: number | null;
  stderr: string;
  env: Record<string, string>;
  args: string[];
}

/** Runs the binary as the container would: its environment, plus what AWS gives a task (credentials, endpoint). */
async function runContainer(args: string[], env: Record<string, string>): Promise<ContainerRun> {
  const full = {
    ...env,
    ...ENV,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ALLOW_HTTP: "true",
    // No S3 Files or EBS mount here: the binary syncs the dataset from S3.
    AEGIS_S3FILES_MOUNT: join(work, "no-s3files"),
    AEGIS_EBS_MOUNT: join(work, "no-ebs"),
    AEGIS_SCRATCH_DIR: join(work, "scratch", String(Date.now())),
    PATH: process.env.PATH ?? "",
  };
  const child = spawn(BINARY, args, { env: full });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { shard: env.AEGIS_SHARD ?? "", status, stderr, env, args };
}

function envOf(list: { name?: string; value?: string }[] | undefined): Record<string, string> {
  // Later entries win (moto appends AWS_BATCH_JOB_ID again on every DescribeJobs).
  const env: Record<string, string> = {};
  for (const e of list ?? []) env[e.name as string] = e.value as string;
  return env;
}

/** Which shard a Batch child runs, from its environment (the binary's own rule, for the test's bookkeeping). */
function shardOf(env: Record<string, string>): number {
  if (env.AEGIS_SHARD) return Number(env.AEGIS_SHARD.split("/")[0]);
  const j = Number(env.AWS_BATCH_JOB_ARRAY_INDEX);
  return env.AEGIS_SHARD_LIST ? Number(env.AEGIS_SHARD_LIST.split(",")[j]) : j;
}

/**
 * Plays the containers of every job SubmitJob creates, before SubmitJob returns: each array child
 * (from ListJobs by arrayJobId) or the plain job runs the binary with the command and environment
 * moto reports for it. `skip(shard, n)` leaves the n-th container of that shard unrun (a failure).
 */
function batchPlayer(skip: (shard: number, n: number) => boolean = () => false) {
  const runs: ContainerRun[] = [];
  const submitted: SubmitJobCommandInput[] = [];
  const skipped: number[] = [];
  const seen = new Map<number, number>();
  const send = BatchClient.prototype.send;
  vi.spyOn(BatchClient.prototype, "send").mockImplementation(async function (this: BatchClient, command: unknown, ...rest: unknown[]) {
    const out = await (send as (...a: unknown[]) => Promise<unknown>).call(this, command, ...rest);
    if (!(command instanceof SubmitJobCommand)) return out;
    submitted.push(command.input);
    const jobId = (out as { jobId: string }).jobId;
    const children = command.input.arrayProperties?.size
      ? ((await aws.batch.send(new ListJobsCommand({ arrayJobId: jobId }))).jobSummaryList ?? []).map((j) => j.jobId as string)
      : [jobId];
    children.sort((a, b) => Number(a.split(":")[1] ?? 0) - Number(b.split(":")[1] ?? 0));
    for (const id of children) {
      const job = (await aws.batch.send(new DescribeJobsCommand({ jobs: [id] }))).jobs?.[0];
      const env = envOf(job?.container?.environment);
      if (command.input.arrayProperties?.size) env.AWS_BATCH_JOB_ARRAY_INDEX = id.split(":")[1] as string;
      const shard = shardOf(env);
      const n = (seen.get(shard) ?? 0) + 1;
      seen.set(shard, n);
      if (skip(shard, n)) {
        skipped.push(shard);
        continue;
      }
      runs.push(await runContainer(job?.container?.command ?? [], env));
    }
    return out;
  });
  return { runs, submitted, skipped };
}

/** Plays the container of every task moto's ECS starts (moto never runs them), then stops it. */
function ecsExecutor(skip: (shard: number, n: number) => boolean = () => false) {
  const handled = new Set<string>();
  const runs: ContainerRun[] = [];
  const skipped: number[] = [];
  const seen = new Map<number, number>();
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const list = await aws.ecs.send(new ListTasksCommand({ cluster: "aegis-bt" }));
      const arns = (list.taskArns ?? []).filter((a) => !handled.has(a));
      if (arns.length > 0) {
        const described = await aws.ecs.send(new DescribeTasksCommand({ cluster: "aegis-bt", tasks: arns }));
        for (const task of described.tasks ?? []) {
          handled.add(task.taskArn as string);
          if (task.lastStatus === "STOPPED") continue;
          const override = task.overrides?.containerOverrides?.[0];
          const env = envOf(override?.environment);
          const shard = Number((env.AEGIS_SHARD ?? "").split("/")[0]);
          const n = (seen.get(shard) ?? 0) + 1;
          seen.set(shard, n);
          let reason = "Essential container in task exited";
          if (skip(shard, n)) {
            skipped.push(shard);
            reason = "Task stopped by the test";
          } else {
            const run = await runContainer(override?.command ?? [], env);
            runs.push(run);
            if (run.status !== 0) reason = `container exited ${run.status}`;
          }
          await aws.ecs.send(new StopTaskCommand({ cluster: "aegis-bt", task: task.taskArn, reason }));
        }
      }
      await delay(200);
    }
  })();
  return { runs, skipped, done: async () => ((stop = true), await loop) };
}

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["node", "aegis-launch", ...args, "--endpoint-url", moto.endpoint], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out, err };
}

async function keys(prefix: string): Promise<string[]> {
  const res = await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key as string).sort();
}

async function object(key: string): Promise<Buffer> {
  const res = await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from((await res.Body?.transformToByteArray()) ?? new Uint8Array());
}

function expectReference(dir: string): void {
  for (const f of MERGED) expect(readFileSync(join(dir, f)).equals(reference[f] as Buffer), `${f} differs from the unsharded sweep`).toBe(true);
  expect(readFileSync(join(dir, "_SUCCESS"), "utf8")).toBe("");
  expect(existsSync(join(dir, "shards"))).toBe(false);
}

describe("sweeps on AWS Batch (moto)", () => {
  it("one array job of K children, merged in S3 byte-identical to the unsharded sweep; again: nothing sent", async () => {
    const player = batchPlayer();
    const out = join(work, "batch");
    const r = await cli("sweep", scenarioFile, "--shards", "3", "--lane", "batch", "--wait", "--out", out, "--run", "batch-sweep");
    expect(r.code, [...r.err, ...player.runs.map((x) => x.stderr)].join("\n")).toBe(0);
    expect(player.submitted).toHaveLength(1);
    const [job] = player.submitted;
    expect(job?.arrayProperties).toEqual({ size: 3 });
    expect(job?.containerOverrides?.command).toEqual(["sweep"]);
    expect(envOf(job?.containerOverrides?.environment)).toMatchObject({ AEGIS_SHARDS: "3", AEGIS_RESULTS_URI: `s3://${BUCKET}/results/batch-sweep/` });
    expect(envOf(job?.containerOverrides?.environment).AEGIS_SHARD_LIST).toBeUndefined();
    expect(player.runs.map((x) => [x.status, x.env.AWS_BATCH_JOB_ARRAY_INDEX, x.args])).toEqual([
      [0, "0", ["sweep"]],
      [0, "1", ["sweep"]],
      [0, "2", ["sweep"]],
    ]);
    expectReference(out);
    // The merge, where the results went, then what the shards cost (with the notes).
    const merged0 = r.err.indexOf(`sweep batch-sweep merged: s3://${BUCKET}/results/batch-sweep/ (6 points from 3 shards)`);
    expect(r.err[merged0 + 1]).toMatch(/^results in .* \(\d+ files\)$/);
    expect(r.err[merged0 + 2]).toMatch(/^cost ~\$/);
    expect(r.err).toContain("3/3 shards, 6/6 points");
    const merged = await keys("results/batch-sweep/");
    expect(merged.filter((k) => !k.includes("/shards/"))).toEqual(
      ["_SUCCESS", "benchmark.arrow", "cscv.json", "entries.arrow", "returns.arrow", "stats.json", "sweep.arrow", "sweep.json"].map((f) => `results/batch-sweep/${f}`),
    );
    const record = JSON.parse((await object("configs/batch-sweep/launch.json")).toString());
    expect(record).toMatchObject({ target: "batch", sweep: { shards: 3, points: 6 }, jobQueue: expect.stringContaining("job-queue/aegis-bt") });
    expect(record.attempts.map((a: { shard: number; jobId: string }) => [a.shard, a.jobId.endsWith(`:${a.shard}`)])).toEqual([
      [0, true],
      [1, true],
      [2, true],
    ]);
    // What the launcher relies on in moto's Batch: the array reports its size and children's
    // statuses, and each child is a job of its own, `<array job id>:<j>`, with its environment.
    const arrayJobId = record.attempts[0].arrayJobId as string;
    const [parent] = (await aws.batch.send(new DescribeJobsCommand({ jobs: [arrayJobId] }))).jobs ?? [];
    expect(parent?.arrayProperties).toMatchObject({ size: 3, statusSummary: { SUCCEEDED: 3, FAILED: 0 } });
    const [child] = (await aws.batch.send(new DescribeJobsCommand({ jobs: [`${arrayJobId}:2`] }))).jobs ?? [];
    expect(child?.status).toBe("SUCCEEDED");
    expect(envOf(child?.container?.environment)).toMatchObject({ AEGIS_SHARDS: "3", AEGIS_RUN_ID: "batch-sweep" });

    // The same sweep again: merged already, so nothing is submitted and the merge is not redone.
    const before = await Promise.all(merged.map(object));
    const again = await cli("sweep", scenarioFile, "--shards", "3", "--lane", "batch", "--wait", "--out", join(work, "batch-again"), "--run", "batch-sweep");
    expect(again.code, again.err.join("\n")).toBe(0);
    expect(player.submitted).toHaveLength(1);
    expect(again.err).toContain(`sweep batch-sweep is already merged: s3://${BUCKET}/results/batch-sweep/`);
    expectReference(join(work, "batch-again"));
    expect((await Promise.all(merged.map(object))).every((b, i) => b.equals(before[i] as Buffer))).toBe(true);
    // Merging the same shards again writes the same bytes, but for sweep.json's wall_seconds and
    // timings, which the engine's merge sets from its own run (docs/sweeps.md: the one file that
    // may differ).
    await mergeShardsInS3(aws.s3, BUCKET, "batch-sweep", 3);
    const after = await Promise.all(merged.map(object));
    expect(merged.filter((k, i) => !k.endsWith("sweep.json") && !after[i]?.equals(before[i] as Buffer))).toEqual([]);
    const provenance = (b: Buffer | undefined) => ({ ...(JSON.parse(b?.toString() ?? "{}") as object), wall_seconds: null, timings: null });
    const at = merged.indexOf("results/batch-sweep/sweep.json");
    expect(provenance(after[at])).toEqual(provenance(before[at]));

    const status = await cli("status", "batch-sweep");
    expect(status.out[0]).toMatch(/^batch-sweep\s+succeeded\s+merged: 6 points from 3 shards$/);
    const fetched = await cli("fetch", "batch-sweep", "--out", join(work, "batch-fetched"));
    expect(fetched.code, fetched.err.join("\n")).toBe(0);
    expectReference(join(work, "batch-fetched"));
    // Each shard's cost from DescribeJobs (moto's jobs start and stop at once: a minute billed each),
    // added to sweep.json after every byte of the merge's.
    const s3Text = (await object("results/batch-sweep/sweep.json")).toString();
    const local = readFileSync(join(work, "batch-fetched", "sweep.json"), "utf8");
    expect(local.startsWith(s3Text.slice(0, s3Text.lastIndexOf("}")).trimEnd())).toBe(true);
    const { cost, ...rest } = JSON.parse(local) as { cost: SweepCost };
    expect(rest).toEqual(JSON.parse(s3Text));
    expect(cost).toMatchObject({ lane: "batch", complete: true, region: "us-east-1", prices_dated: "2024-12-01", billed_seconds: 180 });
    expect(cost.shards.map((c) => [c.shard, c.spot, c.vcpu, c.memory_gib, c.attempts.map((a) => [a.id, a.basis, a.billed_seconds])])).toEqual(
      [0, 1, 2].map((i) => [i, null, 16, 120, [[`${arrayJobId}:${i}`, "job-times", 60]]]),
    );
    // orats-7y: 1.18441 $/h × 180 s on demand; × 0.3 on Spot.
    expect(cost.total_usd).toBeCloseTo((1.18441 * 180) / 3600, 12);
    expect(cost.total_usd_spot).toBeCloseTo((0.355323 * 180) / 3600, 12);
    expect(fetched.out[1]).toBe("cost ~$0.0592 on demand, $0.0178 on Spot for 3 shards (3 billed attempts, 180 s); written to sweep.json as cost");
    // The launch that merged and fetched wrote the same cost.
    expect(r.err).toContain(fetched.out[1]);
    expect((JSON.parse(readFileSync(join(out, "sweep.json"), "utf8")) as { cost: SweepCost }).cost.total_usd).toBeCloseTo(cost.total_usd, 12);
  });

  it("skips finished shards, retries only the failed one as a plain job, and merges the same bytes", async () => {
    // Shard 1's first container never runs: moto still says SUCCEEDED, but its _SUCCESS is missing.
    const player = batchPlayer((shard, n) => shard === 1 && n === 1);
    const values = await loadConfig({ cloudFormation: aws.cloudFormation });
    const sweep = await prepareSweep({ scenarioText: SCENARIO, source: scenarioFile, shards: 3, lane: "batch", runId: "batch-retry" });
    const events: string[] = [];
    const r = await launchSweep({ s3: aws.s3, batch: aws.batch }, sweep, planSweep(sweep, values), {
      wait: true,
      poll: { baseMs: 100, maxMs: 400 },
      retryDelay: { baseMs: 100, maxMs: 200 },
      fetchTo: join(work, "batch-retry"),
      onEvent: (e) => events.push(e.type === "retrying" ? `retrying ${e.shard}: ${e.reason}` : e.type),
    });
    expect(r.state).toBe("merged");
    expect(player.skipped).toEqual([1]);
    expect(player.submitted.map((s) => s.arrayProperties?.size)).toEqual([3, undefined]);
    expect(envOf(player.submitted[1]?.containerOverrides?.environment)).toMatchObject({ AEGIS_SHARD: "1/3" });
    expect(player.runs.map((x) => shardOf(x.env))).toEqual([0, 2, 1]);
    expect(events).toContain(`retrying 1: job ${r.started[1]?.jobId} succeeded but shards/0001/_SUCCESS is missing`);
    expectReference(join(work, "batch-retry"));

    // A fresh launch after shards 0 and 2 finished elsewhere: only shard 1 is sent (AEGIS_SHARD_LIST
    // for a subset of several is covered by the unit tests).
    const other = await prepareSweep({ scenarioText: SCENARIO, source: scenarioFile, shards: 3, lane: "batch", runId: "batch-partial" });
    for (const i of [0, 2]) {
      for (const f of SHARD_FILES) {
        await aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `results/batch-partial/shards/000${i}/${f}`, Body: await object(`results/batch-retry/shards/000${i}/${f}`) }));
      }
    }
    const partial = await launchSweep({ s3: aws.s3, batch: aws.batch }, other, planSweep(other, values), { wait: true, poll: { baseMs: 100, maxMs: 400 }, fetchTo: join(work, "batch-partial") });
    expect(partial.skipped).toEqual([0, 2]);
    expect(player.submitted).toHaveLength(3);
    expect(envOf(player.submitted[2]?.containerOverrides?.environment)).toMatchObject({ AEGIS_SHARD: "1/3" });
    expectReference(join(work, "batch-partial"));
  });

  it("fails naming the shard once its attempts are spent, keeping the finished shards", async () => {
    const player = batchPlayer((shard) => shard === 2);
    const values = await loadConfig({ cloudFormation: aws.cloudFormation });
    const sweep = await prepareSweep({ scenarioText: SCENARIO, source: scenarioFile, shards: 3, lane: "batch", runId: "batch-fail" });
    const err = await launchSweep({ s3: aws.s3, batch: aws.batch }, sweep, planSweep(sweep, values), {
      wait: true,
      maxAttempts: 2,
      poll: { baseMs: 100, maxMs: 400 },
      retryDelay: { baseMs: 100, maxMs: 200 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SweepFailedError);
    expect((err as SweepFailedError).message).toMatch(/^sweep batch-fail: 1 shard failed \(2\/3 done\): shard 0002 after 2 attempts: job [0-9a-f-]+ succeeded but shards\/0002\/_SUCCESS is missing; launch the same sweep again/);
    expect(player.skipped).toEqual([2, 2]);
    expect(await keys("results/batch-fail/shards/0000/")).toContain("results/batch-fail/shards/0000/_SUCCESS");
    expect(await keys("results/batch-fail/_SUCCESS")).toEqual([]);
  });
});

describe("sweeps on Fargate (moto)", () => {
  it("one RunTask per shard with command sweep and AEGIS_SHARD, merged byte-identical; a failed shard is retried alone", async () => {
    const exec = ecsExecutor((shard, n) => shard === 0 && n === 1);
    const out = join(work, "fargate");
    let r;
    try {
      r = await cli("sweep", scenarioFile, "--shards", "3", "--profile", "synthetic", "--wait", "--out", out);
    } finally {
      await exec.done();
    }
    expect(r.code, [...r.err, ...exec.runs.map((x) => x.stderr)].join("\n")).toBe(0);
    expect(exec.skipped).toEqual([0]);
    expect(exec.runs.map((x) => [x.shard, x.status, x.args]).sort()).toEqual([
      ["0/3", 0, ["sweep"]],
      ["1/3", 0, ["sweep"]],
      ["2/3", 0, ["sweep"]],
    ]);
    // Shard 0 ran after its retry, the other two on their first task.
    expect(exec.runs.at(-1)?.shard).toBe("0/3");
    const runId = exec.runs[0]?.env.AEGIS_RUN_ID as string;
    expect(runId).toMatch(/^e2e-put-sweep-sweep-[0-9a-f]{10}$/);
    // moto reports exit code 0 for a task it was told to stop; AWS would report the container's own.
    expect(r.err.some((l) => /^shard 0000 attempt 1 ended \(the task (exited 0|stopped \(no exit code.*\)) but shards\/0000\/_SUCCESS is missing\); retrying in \d+ s$/.test(l)), r.err.join("\n")).toBe(true);
    expectReference(out);
    // moto's ECS reports no task times: each shard's last attempt is costed at its own sweep.json
    // wall_seconds (a lower bound, said so), shard 0's stopped first attempt is named as not counted.
    const { cost } = JSON.parse(readFileSync(join(out, "sweep.json"), "utf8")) as { cost: SweepCost };
    expect(cost).toMatchObject({ lane: "fargate", complete: false, billed_seconds: 180 });
    expect(cost.shards.map((c) => [c.vcpu, c.memory_gib, c.ephemeral_gib, c.spot, c.attempts.map((a) => [a.attempt, a.basis, a.billed_seconds])])).toEqual([
      [8, 60, 21, false, [[2, "engine-wall-time", 60]]],
      [8, 60, 21, false, [[1, "engine-wall-time", 60]]],
      [8, 60, 21, false, [[1, "engine-wall-time", 60]]],
    ]);
    expect(cost.total_usd).toBeCloseTo((0.590651 * 180) / 3600, 12);
    expect(cost.notes.filter((n) => n.startsWith("shard 0000: attempt 1 ")).map((n) => n.replace(/\(arn:[^)]+\)/, "(…)"))).toEqual([
      "shard 0000: attempt 1 (…) has no start or stop time (still running, or the service no longer knows it): not counted",
    ]);
    expect(r.err.some((l) => l.startsWith("cost ~$0.0295 for 3 shards (3 billed attempts, 180 s), incomplete: a lower bound; written to sweep.json as cost"))).toBe(true);
    const tasks = await aws.ecs.send(new ListTasksCommand({ cluster: "aegis-bt", desiredStatus: "STOPPED" }));
    const described = await aws.ecs.send(new DescribeTasksCommand({ cluster: "aegis-bt", tasks: tasks.taskArns ?? [], include: ["TAGS"] }));
    expect(described.tasks?.map((t) => t.tags?.find((x) => x.key === "aegis:shard")?.value).sort()).toEqual(["0/3", "0/3", "1/3", "2/3"]);

    // Again: the run id is the same, the sweep is merged, no task starts.
    const again = await cli("sweep", scenarioFile, "--shards", "3", "--profile", "synthetic", "--wait", "--no-fetch");
    expect(again.code, again.err.join("\n")).toBe(0);
    expect(again.err).toContain(`sweep ${runId} is already merged: s3://${BUCKET}/results/${runId}/`);
    expect((await aws.ecs.send(new ListTasksCommand({ cluster: "aegis-bt", desiredStatus: "STOPPED" }))).taskArns).toHaveLength(4);
  });

  it("--dry-run prints one RunTask per unfinished shard and sends nothing; without --wait the shards start and status follows them", async () => {
    const r = await cli("sweep", scenarioFile, "--shards", "2", "--dry-run", "--run", "dry-sweep");
    expect(r.code, r.err.join("\n")).toBe(0);
    const doc = JSON.parse(r.out.join("\n"));
    expect(doc).toMatchObject({ runId: "dry-sweep", points: 6, shards: 2, lane: "fargate", merged: false, done: [] });
    expect(doc.runTask.map((t: { clientToken: string }) => t.clientToken)).toEqual(["dry-sweep-s0000-a1", "dry-sweep-s0001-a1"]);
    expect(doc.runTask[1].overrides.containerOverrides[0]).toMatchObject({ command: ["sweep"], environment: expect.arrayContaining([{ name: "AEGIS_SHARD", value: "1/2" }]) });
    expect(await keys("configs/dry-sweep/")).toEqual([]);
    const batch = await cli("sweep", scenarioFile, "--shards", "2", "--lane", "batch", "--dry-run", "--run", "dry-sweep");
    expect(JSON.parse(batch.out.join("\n")).submitJob).toEqual([expect.objectContaining({ arrayProperties: { size: 2 }, jobName: "dry-sweep-a1" })]);

    // Without --wait: the shards start, the command returns, status follows them.
    const started = await cli("sweep", scenarioFile, "--shards", "2", "--run", "dry-sweep");
    expect(started.code, started.err.join("\n")).toBe(0);
    expect(started.out.slice(0, 3)).toEqual([
      "run       dry-sweep",
      `scenario  s3://${BUCKET}/configs/dry-sweep/scenario.yaml`,
      "shards    2 started, 0 already done, of 2 (6 points)",
    ]);
    expect(started.out.filter((l) => l.startsWith("started   arn:aws:ecs:"))).toHaveLength(2);
    expect((await cli("status", "dry-sweep")).out[0]).toMatch(/^dry-sweep\s+running\s+sweep 0\/2 shards done, 2 running \(fargate\)$/);
    const running = await aws.ecs.send(new ListTasksCommand({ cluster: "aegis-bt", startedBy: "dry-sweep" }));
    for (const task of running.taskArns ?? []) await aws.ecs.send(new StopTaskCommand({ cluster: "aegis-bt", task, reason: "test over" }));
    // Stopped without their _SUCCESS: status reads the stop from ECS.
    expect((await cli("status", "dry-sweep")).out[0]).toMatch(/^dry-sweep\s+failed\s+sweep 0\/2 shards done; shard 0000 (exit code 0, )?test over \(and 1 more\)$/);
  });
});

describe("sweeps on this machine (--target local)", () => {
  it("runs the binary once per shard against the same S3 and merges the same bytes; again: nothing runs", async () => {
    const out = join(work, "local");
    const scratch = join(work, "local-scratch");
    const r = await cli("sweep", scenarioFile, "--shards", "2", "--target", "local", "--binary", BINARY, "--out", out, "--run", "local-sweep", "--scratch-dir", scratch);
    expect(r.code, r.err.join("\n")).toBe(0);
    expectReference(out);
    // The shards synced the dataset into the scratch directory; the merge worked there and cleaned up.
    const inScratch = readdirSync(scratch);
    expect(inScratch).toContain(DATASET);
    expect(readdirSync(join(scratch, DATASET))).toContain("manifest.json");
    expect(inScratch.filter((f) => f.startsWith("aegis-merge-"))).toEqual([]);
    expect(await keys("results/local-sweep/shards/")).toEqual(
      ["0000", "0001"].flatMap((s) => ["_SUCCESS", "benchmark.arrow", "entries.arrow", "returns.arrow", "sweep.arrow", "sweep.json"].map((f) => `results/local-sweep/shards/${s}/${f}`)),
    );
    const again = await cli("sweep", scenarioFile, "--shards", "2", "--target", "local", "--binary", BINARY, "--no-fetch", "--run", "local-sweep");
    expect(again.out).toEqual([]);
    expect(again.err).toContain(`sweep local-sweep is already merged: s3://${BUCKET}/results/local-sweep/`);
  });
});
